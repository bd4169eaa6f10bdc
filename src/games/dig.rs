//! Dig gold: multiplayer minesweeper where the mines are gold (seed 004).
//!
//! The server generates a board with hidden gold; a dug cell shows how many of its 8
//! neighbours hold gold, and a 0 flood-reveals its neighbours. Players take turns in
//! seat order (A, then B, then A …) whether or not they found gold; gold scores +1 for
//! the digger. A turn not taken within `dig_turn_ms` is skipped. The game ends when all
//! gold is dug (or fewer than two players are left) and the most gold wins. The board
//! itself never leaves the server: clients only ever see dug cells.
//!
//! A lone player gets a bot after `bot_wait_ms`. The bot digs from the public board
//! only (what every player and spectator sees), by [`bot_pick`], a function that is
//! never handed the hidden board: it cannot know where the gold is.

//!
//! Frames: players send `dig` (beside the shared `join`); the room hears `board`,
//! `dug`, `turn` and `game_over`.

use serde::{Deserialize, Serialize};

use crate::config::Vars;
use crate::effects::Frame;
use crate::envelope::Envelope;
use crate::game::{Game, GameType, Played, Refusal, Release, SeatScore, Table};
use crate::protocol::{ErrorCode, RoomPhase};
use crate::stats::RecordLine;

/// Frames players send to a dig-gold room.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(test, derive(ts_rs::TS), ts(tag = "type", rename = "DigClientFrame"))]
pub enum ClientFrame {
    /// Dig the cell at column `x`, row `y` (on your turn).
    Dig { x: u8, y: u8 },
}

/// Gold dug by one seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SeatGold {
    pub seat: usize,
    pub gold: u32,
}

/// A dug cell: `n` is the gold among its neighbours, `gold` whether it held gold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Cell {
    pub x: u8,
    pub y: u8,
    pub n: u8,
    pub gold: bool,
}

/// Frames a dig-gold room sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "DigServerFrame"))]
pub enum ServerFrame {
    /// The board as everybody may see it (on start, and to catch up).
    Board {
        game: u64,
        width: u8,
        height: u8,
        /// One string per row: `.` undug, `0`–`8` dug (gold among the 8 neighbours),
        /// `$` dug gold.
        rows: Vec<String>,
        gold_left: u32,
        /// Whose turn it is (`null` when no game runs).
        turn: Option<usize>,
        turn_ends_in_ms: Option<u64>,
        /// Gold dug per seat, by seat.
        scores: Vec<SeatGold>,
    },
    /// A seat dug a cell. `revealed` lists every cell it opened (more than one when a 0
    /// flood-reveals its neighbours).
    Dug {
        seat: usize,
        x: u8,
        y: u8,
        gold: bool,
        revealed: Vec<Cell>,
        gold_left: u32,
        scores: Vec<SeatGold>,
    },
    /// Whose turn it is now; `skipped` names a seat whose time ran out.
    Turn {
        seat: usize,
        ends_in_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skipped: Option<usize>,
    },
    /// All gold is dug (or too few players are left). `winners` have the most.
    GameOver {
        game: u64,
        winners: Vec<usize>,
        scores: Vec<SeatGold>,
    },
}

/// What an operator can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigSettings {
    /// Players per room (`DIG_ROOM_SIZE`, 2..=4, default 2).
    pub size: usize,
    /// The board is this many cells square (`DIG_BOARD`, 4..=16, default 8).
    pub board: u8,
    /// Gold cells on the board (`DIG_GOLD`, 1..=64, at most half the board; default 10).
    pub gold: u32,
    /// A turn not taken in this long is skipped (`DIG_TURN_MS`, 1000..=120000,
    /// default 15000).
    pub turn_ms: u64,
}

impl Default for DigSettings {
    fn default() -> Self {
        DigSettings {
            size: 2,
            board: 8,
            gold: 10,
            turn_ms: 15_000,
        }
    }
}

/// A board: gold and dug flags, row-major.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    width: u8,
    height: u8,
    gold: Vec<bool>,
    dug: Vec<bool>,
}

impl Board {
    /// A `width` × `height` board with `gold` gold cells placed by `rng` (the same
    /// seed gives the same board).
    pub fn generate(width: u8, height: u8, gold: u32, rng: &mut fastrand::Rng) -> Board {
        let cells = usize::from(width) * usize::from(height);
        let gold = (gold as usize).min(cells);
        // A partial Fisher–Yates shuffle: the first `gold` indices are the gold cells.
        let mut order: Vec<usize> = (0..cells).collect();
        for i in 0..gold {
            let j = rng.usize(i..cells);
            order.swap(i, j);
        }
        let mut is_gold = vec![false; cells];
        for &i in &order[..gold] {
            is_gold[i] = true;
        }
        Board {
            width,
            height,
            gold: is_gold,
            dug: vec![false; cells],
        }
    }

    fn index(&self, x: u8, y: u8) -> Option<usize> {
        (x < self.width && y < self.height)
            .then(|| usize::from(y) * usize::from(self.width) + usize::from(x))
    }

    fn neighbours(&self, x: u8, y: u8) -> impl Iterator<Item = (u8, u8)> + '_ {
        let (w, h) = (i16::from(self.width), i16::from(self.height));
        (-1i16..=1)
            .flat_map(move |dy| (-1i16..=1).map(move |dx| (dx, dy)))
            .filter(|&d| d != (0, 0))
            .map(move |(dx, dy)| (i16::from(x) + dx, i16::from(y) + dy))
            .filter(move |&(nx, ny)| nx >= 0 && ny >= 0 && nx < w && ny < h)
            .map(|(nx, ny)| (nx as u8, ny as u8))
    }

    /// Gold among the 8 neighbours of (x, y).
    pub fn number(&self, x: u8, y: u8) -> u8 {
        self.neighbours(x, y)
            .filter(|&(nx, ny)| self.index(nx, ny).is_some_and(|i| self.gold[i]))
            .count() as u8
    }

    pub fn is_gold(&self, x: u8, y: u8) -> bool {
        self.index(x, y).is_some_and(|i| self.gold[i])
    }

    pub fn gold_left(&self) -> u32 {
        self.gold
            .iter()
            .zip(&self.dug)
            .filter(|(g, d)| **g && !**d)
            .count() as u32
    }

    /// Digs (x, y): the cells it reveals (a 0 reveals its neighbours, and so on), or
    /// why it cannot be dug.
    pub fn dig(&mut self, x: u8, y: u8) -> Result<Vec<Cell>, Refusal> {
        let i = self.index(x, y).ok_or(Refusal::new(
            ErrorCode::BadValue,
            "that cell is off the board",
        ))?;
        if self.dug[i] {
            return Err(Refusal::new(
                ErrorCode::AlreadyDug,
                "that cell is already dug",
            ));
        }
        let mut revealed = Vec::new();
        let mut todo = vec![(x, y)];
        while let Some((cx, cy)) = todo.pop() {
            let Some(ci) = self.index(cx, cy) else {
                continue;
            };
            if self.dug[ci] {
                continue;
            }
            self.dug[ci] = true;
            let n = self.number(cx, cy);
            revealed.push(Cell {
                x: cx,
                y: cy,
                n,
                gold: self.gold[ci],
            });
            // A 0 has no gold around it: every neighbour is safe to open.
            if n == 0 && !self.gold[ci] {
                todo.extend(self.neighbours(cx, cy));
            }
        }
        Ok(revealed)
    }

    /// The board as clients may see it: `.` undug, `0`–`8` dug, `$` dug gold.
    pub fn rows(&self) -> Vec<String> {
        (0..self.height)
            .map(|y| {
                (0..self.width)
                    .map(|x| match self.index(x, y) {
                        Some(i) if !self.dug[i] => '.',
                        Some(i) if self.gold[i] => '$',
                        _ => char::from(b'0' + self.number(x, y)),
                    })
                    .collect()
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DigSeat {
    gold: u32,
    /// Wants to play the next game.
    ready: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dig {
    /// Frozen when the room opens (rooms stored before games kept their own settings
    /// read back with the defaults).
    #[serde(default)]
    settings: DigSettings,
    seats: Vec<DigSeat>,
    /// Number of the running game, or of the last one.
    game: u64,
    /// The running game's board; `None` between games.
    board: Option<Board>,
    turn: Option<usize>,
    turn_deadline: Option<u64>,
    /// When bots fill the free seats around a lone player.
    #[serde(default)]
    bot_at: Option<u64>,
    /// When the bot whose turn it is digs (it "thinks" a moment, like a person).
    #[serde(default)]
    bot_digs_at: Option<u64>,
}

/// How long a bot takes over its turn, in ms: at least this …
const BOT_THINK_MS: u64 = 700;
/// … plus up to this much more.
const BOT_THINK_JITTER_MS: u64 = 900;

impl Dig {
    fn scores(&self, t: &Table<'_>) -> Vec<SeatGold> {
        (0..self.seats.len())
            .filter(|&i| t.occupied(i))
            .map(|seat| SeatGold {
                seat,
                gold: self.seats[seat].gold,
            })
            .collect()
    }

    fn board_frame(&self, t: &Table<'_>) -> Option<ServerFrame> {
        let board = self.board.as_ref()?;
        Some(ServerFrame::Board {
            game: self.game,
            width: board.width,
            height: board.height,
            rows: board.rows(),
            gold_left: board.gold_left(),
            turn: self.turn,
            turn_ends_in_ms: self.turn_deadline.map(|d| d.saturating_sub(t.now)),
            scores: self.scores(t),
        })
    }

    /// People with free seats around them get bots after `bot_wait_ms` (the wait
    /// restarts whenever someone arrives); nobody waits forever for a second player.
    fn arm_bot_timer(&mut self, t: &Table<'_>) {
        let wants_bots =
            t.bots_allowed() && self.board.is_none() && t.free_seats() > 0 && t.people() > 0;
        self.bot_at = wants_bots.then(|| t.now + t.config.bot_wait_ms);
    }

    fn seat_bots(&mut self, t: &mut Table<'_>) {
        if t.people() == 0 || t.free_seats() == 0 || self.board.is_some() {
            return;
        }
        for seat in 0..t.size() {
            if !t.occupied(seat) {
                let profile = crate::seats::Profile {
                    name: format!("Bot {}", seat + 1),
                    avatar: "🤖".into(),
                };
                t.seat_bot(seat, profile);
                self.seats[seat] = DigSeat {
                    gold: 0,
                    ready: true,
                };
            }
        }
        t.room_frame(self);
        t.capacity();
        self.maybe_start(t);
    }

    /// A player in the game: a person or a bot (not a forfeit, not a free seat).
    fn plays(t: &Table<'_>, seat: usize) -> bool {
        t.is_person(seat) || t.is_bot(seat)
    }

    /// A game starts when every seat is taken, every person is ready, and at least one
    /// person plays (bots are always ready; a room of bots only plays nothing).
    fn maybe_start(&mut self, t: &mut Table<'_>) {
        let everyone_ready = (0..t.size())
            .all(|i| t.is_bot(i) || (t.is_person(i) && self.seats[i].ready))
            && t.people() >= 1;
        if self.board.is_some() || !everyone_ready {
            return;
        }
        let mut rng = t.rng();
        let side = self.settings.board;
        self.board = Some(Board::generate(side, side, self.settings.gold, &mut rng));
        t.put_rng(rng);
        self.game += 1;
        for seat in &mut self.seats {
            *seat = DigSeat::default();
        }
        self.turn = None;
        self.bot_at = None;
        let first = self.advance_turn(t);
        if let Some(frame) = self.board_frame(t) {
            t.broadcast(&frame, true);
        }
        if let Some(seat) = first {
            self.announce_turn(t, seat, None);
        }
    }

    /// Passes the turn to the next seated person after the current one (the first one
    /// when nobody has had a turn), strictly in seat order, and says so.
    fn next_turn(&mut self, t: &mut Table<'_>, skipped: Option<usize>) {
        if let Some(seat) = self.advance_turn(t) {
            self.announce_turn(t, seat, skipped);
        }
    }

    fn advance_turn(&mut self, t: &mut Table<'_>) -> Option<usize> {
        let n = self.seats.len();
        let start = self.turn.map_or(0, |s| s + 1);
        let next = (0..n)
            .map(|k| (start + k) % n)
            .find(|&s| Self::plays(t, s))?;
        self.turn = Some(next);
        self.turn_deadline = Some(t.now + t.clock_ms(self.settings.turn_ms));
        self.bot_digs_at = t.is_bot(next).then(|| {
            let mut rng = t.rng();
            let think = BOT_THINK_MS + rng.u64(0..=BOT_THINK_JITTER_MS);
            // Always inside the turn, however short the turn is set.
            t.now + think.min(self.settings.turn_ms / 2)
        });
        Some(next)
    }

    fn game_over(&mut self, t: &mut Table<'_>) {
        let best = (0..self.seats.len())
            .filter(|&i| Self::plays(t, i))
            .map(|i| self.seats[i].gold)
            .max()
            .unwrap_or(0);
        let winners: Vec<usize> = (0..self.seats.len())
            .filter(|&i| Self::plays(t, i) && self.seats[i].gold == best)
            .collect();
        let over = ServerFrame::GameOver {
            game: self.game,
            winners: winners.clone(),
            scores: self.scores(t),
        };
        t.broadcast(&over, true);
        let lines = (0..self.seats.len())
            .filter(|&i| t.is_person(i))
            .map(|i| RecordLine {
                player: t.player_of(i),
                name: t.name_of(i),
                score: i64::from(self.seats[i].gold),
                streak: 0,
                won: winners.contains(&i),
            })
            .collect();
        t.record(self.game, lines);
        self.board = None;
        self.turn = None;
        self.turn_deadline = None;
        self.bot_digs_at = None;
        for (i, seat) in self.seats.iter_mut().enumerate() {
            // Bots are always up for another game; people say so with `join`.
            seat.ready = t.is_bot(i);
        }
        t.room_frame(self);
    }

    /// Digs (x, y) for `seat` (a person's frame, or a bot's move): tells everybody
    /// what it opened, then ends the game or passes the turn.
    fn dig_at(&mut self, t: &mut Table<'_>, seat: usize, x: u8, y: u8) -> Result<(), Refusal> {
        let Some(board) = self.board.as_mut() else {
            return Err(Refusal::new(ErrorCode::NoGame, "no game is running"));
        };
        if self.turn != Some(seat) {
            return Err(Refusal::new(ErrorCode::NotYourTurn, "it is not your turn"));
        }
        let revealed = board.dig(x, y)?;
        let gold = board.is_gold(x, y);
        let gold_left = board.gold_left();
        if gold {
            self.seats[seat].gold += 1;
        }
        let scores = self.scores(t);
        let dug = ServerFrame::Dug {
            seat,
            x,
            y,
            gold,
            revealed,
            gold_left,
            scores,
        };
        t.broadcast(&dug, true);
        if gold_left == 0 {
            self.game_over(t);
        } else {
            self.next_turn(t, None);
        }
        Ok(())
    }

    /// The bot whose turn it is digs where [`bot_pick`] says, from the public board.
    fn bot_turn(&mut self, t: &mut Table<'_>) {
        let (Some(seat), Some(board)) = (self.turn, self.board.as_ref()) else {
            return;
        };
        let view = PublicBoard {
            rows: board.rows(),
            gold_left: board.gold_left(),
        };
        let dug = view.rows.iter().map(|r| r.matches(|c| c != '.').count()).sum::<usize>();
        if let Some((x, y)) = bot_pick(&view, self.game, dug) {
            // A pick is always an undug cell on the board, so this cannot be refused.
            let _ = self.dig_at(t, seat, x, y);
        }
    }
}

impl GameType for Dig {
    const NAME: &'static str = "dig";
    type ClientFrame = ClientFrame;
    type Settings = DigSettings;

    fn settings(vars: &mut Vars<'_>) -> DigSettings {
        let d = DigSettings::default();
        let board = vars.number("DIG_BOARD", 4..=16, u64::from(d.board)) as u8;
        let gold = vars.number("DIG_GOLD", 1..=64, u64::from(d.gold)) as u32;
        DigSettings {
            size: vars.number("DIG_ROOM_SIZE", 2..=4, d.size as u64) as usize,
            board,
            // Gold on at most half the board, so numbers mean something.
            gold: gold.min(u32::from(board) * u32::from(board) / 2),
            turn_ms: vars.number("DIG_TURN_MS", 1_000..=120_000, d.turn_ms),
        }
    }

    fn room_size(settings: &DigSettings) -> usize {
        settings.size
    }

    fn new(settings: &DigSettings) -> Dig {
        Dig {
            settings: *settings,
            seats: vec![DigSeat::default(); settings.size],
            game: 0,
            board: None,
            turn: None,
            turn_deadline: None,
            bot_at: None,
            bot_digs_at: None,
        }
    }

    #[cfg(test)]
    fn typescript(cfg: &ts_rs::Config) -> crate::game::Typescript {
        use ts_rs::TS;
        crate::game::Typescript::of::<ClientFrame, ServerFrame>(
            cfg,
            vec![SeatGold::decl(cfg), Cell::decl(cfg)],
        )
    }
}

impl Game for Dig {
    fn phase(&self) -> RoomPhase {
        if self.board.is_some() {
            RoomPhase::Playing
        } else {
            RoomPhase::Waiting
        }
    }

    fn score(&self, seat: usize) -> SeatScore {
        SeatScore {
            ready: self.seats[seat].ready,
            total: i64::from(self.seats[seat].gold),
            streak: 0,
        }
    }

    fn seated(&mut self, t: &mut Table<'_>, seat: usize) {
        self.seats[seat] = DigSeat {
            gold: 0,
            ready: true,
        };
        self.arm_bot_timer(t);
        t.room_frame(self);
        self.maybe_start(t);
    }

    fn release(&mut self, _t: &Table<'_>, seat: usize) -> Release {
        self.seats[seat] = DigSeat::default();
        Release::Free
    }

    fn released(&mut self, t: &mut Table<'_>, seat: usize, _name: &str) {
        if self.board.is_some() {
            let players = (0..t.size()).filter(|&i| Self::plays(t, i)).count();
            if t.people() == 0 || players < 2 {
                self.game_over(t);
                return;
            }
            if self.turn == Some(seat) {
                self.next_turn(t, None);
            }
        }
        self.arm_bot_timer(t);
        t.room_frame(self);
    }

    fn emptied(&mut self) {
        *self = Dig {
            game: self.game,
            seats: vec![DigSeat::default(); self.seats.len()],
            ..Dig::new(&self.settings)
        };
    }

    fn join(&mut self, t: &mut Table<'_>, seat: usize) -> Result<(), Refusal> {
        if self.board.is_some() {
            return Err(Refusal::new(
                ErrorCode::RoundInProgress,
                "a game is running; join after it ends",
            ));
        }
        self.seats[seat].ready = true;
        t.room_frame(self);
        self.maybe_start(t);
        Ok(())
    }


    fn play(
        &mut self,
        t: &mut Table<'_>,
        seat: usize,
        frame: &Envelope<'_>,
    ) -> Result<Played, Refusal> {
        let ClientFrame::Dig { x, y } = Self::decode(frame)?;
        self.dig_at(t, seat, x, y)?;
        Ok(Played::Changed)
    }

    fn tick(&mut self, t: &mut Table<'_>) {
        if self.bot_at.is_some_and(|at| at <= t.now) {
            self.bot_at = None;
            self.seat_bots(t);
        }
        if self.bot_digs_at.is_some_and(|at| at <= t.now) {
            self.bot_digs_at = None;
            self.bot_turn(t);
        }
        if self.board.is_some() && self.turn_deadline.is_some_and(|d| d <= t.now) {
            let skipped = self.turn;
            self.next_turn(t, skipped);
        }
    }

    /// A game runs, or somebody is ready for the next one while others are not.
    fn waits_on_people(&self) -> bool {
        self.board.is_some() || self.seats.iter().any(|s| s.ready)
    }

    /// A turn lasts `turn_ms` from when its `turn` frame went out; a bot's moment to
    /// dig moves with it.
    fn announced(&mut self, held: u64) {
        if let Some(deadline) = self.turn_deadline.as_mut() {
            *deadline += held;
        }
        if let Some(at) = self.bot_digs_at.as_mut() {
            *at += held;
        }
    }

    fn next_deadline(&self) -> Option<u64> {
        self.turn_deadline
            .filter(|_| self.board.is_some())
            .into_iter()
            .chain(self.bot_at)
            .chain(self.bot_digs_at)
            .min()
    }

    fn catch_up(&self, t: &Table<'_>, _viewer: Option<usize>) -> Vec<Frame> {
        // Nobody has secrets in dig gold: everyone sees the same (dug) board.
        self.board_frame(t).iter().map(Frame::of).collect()
    }
}

impl Dig {
    /// Tells everybody whose turn it is now.
    fn announce_turn(&self, t: &mut Table<'_>, seat: usize, skipped: Option<usize>) {
        let ends_at = self.turn_deadline.unwrap_or(t.now);
        let turn = ServerFrame::Turn {
            seat,
            ends_in_ms: ends_at.saturating_sub(t.now),
            skipped,
        };
        t.broadcast(&turn, true);
    }
}

/// What anybody may see of a board: the rows of a `board` frame (`.` undug, `0`–`8`
/// dug, `$` dug gold) and how much gold is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBoard {
    pub rows: Vec<String>,
    pub gold_left: u32,
}

/// The bot's move: the undug cell most likely to hold gold, judged from the public
/// board alone. A revealed number `n` with `g` gold already dug around it says each of
/// its `u` undug neighbours holds gold with odds `(n - g) / u`; a cell no number
/// touches gets the board's average odds, `gold_left / undug`. Ties are broken by a
/// generator seeded from public facts only (the game's number and how many cells are
/// dug), so the same view always gives the same move. `None` when nothing is left to
/// dig.
pub fn bot_pick(view: &PublicBoard, game: u64, dug: usize) -> Option<(u8, u8)> {
    let grid: Vec<Vec<char>> = view.rows.iter().map(|r| r.chars().collect()).collect();
    let height = grid.len();
    let at = |x: usize, y: usize| grid.get(y).and_then(|row| row.get(x)).copied();
    let neighbours = |x: usize, y: usize| {
        let (x, y) = (x as i64, y as i64);
        (-1i64..=1)
            .flat_map(move |dy| (-1i64..=1).map(move |dx| (x + dx, y + dy)))
            .filter(move |&(nx, ny)| (nx, ny) != (x, y) && nx >= 0 && ny >= 0)
            .map(|(nx, ny)| (nx as usize, ny as usize))
    };
    let undug: Vec<(usize, usize)> = (0..height)
        .flat_map(|y| (0..grid[y].len()).map(move |x| (x, y)))
        .filter(|&(x, y)| at(x, y) == Some('.'))
        .collect();
    if undug.is_empty() {
        return None;
    }
    let average = f64::from(view.gold_left) / undug.len() as f64;
    let odds = |x: usize, y: usize| -> f64 {
        let mut best: Option<f64> = None;
        for (nx, ny) in neighbours(x, y) {
            let Some(n) = at(nx, ny).and_then(|c| c.to_digit(10)) else {
                continue;
            };
            let around: Vec<char> = neighbours(nx, ny).filter_map(|(a, b)| at(a, b)).collect();
            let gold = around.iter().filter(|&&c| c == '$').count() as f64;
            let open = around.iter().filter(|&&c| c == '.').count() as f64;
            let p = ((f64::from(n) - gold) / open).max(0.0);
            if p == 0.0 {
                return 0.0; // a number whose gold is all found: this cell is empty
            }
            best = Some(best.map_or(p, |b: f64| b.max(p)));
        }
        best.unwrap_or(average)
    };
    let scored: Vec<((usize, usize), f64)> = undug.iter().map(|&(x, y)| ((x, y), odds(x, y))).collect();
    let top = scored.iter().map(|(_, p)| *p).fold(f64::MIN, f64::max);
    let best: Vec<(usize, usize)> = scored
        .into_iter()
        .filter(|(_, p)| (top - p).abs() < 1e-9)
        .map(|(cell, _)| cell)
        .collect();
    let mut rng = fastrand::Rng::with_seed(game.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ dug as u64);
    let (x, y) = best[rng.usize(0..best.len())];
    Some((x as u8, y as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(seed: u64) -> Board {
        Board::generate(8, 8, 10, &mut fastrand::Rng::with_seed(seed))
    }

    #[test]
    fn generation_places_the_gold_asked_for_the_same_way_per_seed() {
        for seed in 0..50 {
            let b = board(seed);
            assert_eq!(b.gold.iter().filter(|g| **g).count(), 10);
            assert_eq!(b.gold_left(), 10);
            assert_eq!(b, board(seed), "same seed, same board");
        }
        assert_ne!(board(1), board(2));
        let crowded = Board::generate(4, 4, 99, &mut fastrand::Rng::with_seed(3));
        assert_eq!(crowded.gold_left(), 16, "never more gold than cells");
    }

    #[test]
    fn numbers_count_gold_among_the_eight_neighbours() {
        for seed in 0..20 {
            let b = board(seed);
            for y in 0..8u8 {
                for x in 0..8u8 {
                    let mut want = 0;
                    for dy in -1i32..=1 {
                        for dx in -1i32..=1 {
                            let (nx, ny) = (i32::from(x) + dx, i32::from(y) + dy);
                            if (dx, dy) != (0, 0) && (0..8).contains(&nx) && (0..8).contains(&ny) {
                                want += u8::from(b.gold[(ny * 8 + nx) as usize]);
                            }
                        }
                    }
                    assert_eq!(b.number(x, y), want, "seed {seed} ({x},{y})");
                }
            }
        }
    }

    /// A hand-made board: gold at (0,0) and (3,3) on 4×4.
    fn fixed() -> Board {
        let mut gold = vec![false; 16];
        gold[0] = true;
        gold[15] = true;
        Board {
            width: 4,
            height: 4,
            gold,
            dug: vec![false; 16],
        }
    }

    #[test]
    fn a_zero_flood_reveals_and_stops_at_numbers_never_at_gold() {
        let mut b = fixed();
        // (3,0) has no gold around it: it opens its region.
        let revealed = b.dig(3, 0).unwrap();
        assert!(revealed.iter().all(|c| !c.gold), "a flood never digs gold");
        assert!(revealed.len() > 1);
        assert_eq!(b.rows(), [".100", "1100", "0011", "001."]);
        assert_eq!(b.gold_left(), 2);
    }

    #[test]
    fn digging_gold_or_a_dug_cell() {
        let mut b = fixed();
        let cells = b.dig(0, 0).unwrap();
        assert_eq!(
            cells,
            vec![Cell {
                x: 0,
                y: 0,
                n: 0,
                gold: true
            }]
        );
        assert_eq!(b.gold_left(), 1);
        assert_eq!(b.dig(0, 0).unwrap_err().code, ErrorCode::AlreadyDug);
        assert_eq!(b.dig(4, 0).unwrap_err().code, ErrorCode::BadValue);
        assert_eq!(b.rows()[0], "$...");
    }
}
