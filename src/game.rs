//! What a game is to the room: the rules behind [`Game`], the facts the registry needs
//! ([`GameType`]), and the view of the room a game gets ([`Table`]).
//!
//! The room ([`crate::room::Room`]) owns everything games share: seats and who holds
//! them, connections, heartbeats, resume, spectators, rate limits, capacity reports,
//! the round-record outbox, persistence. A game owns its rules, its frames and its
//! settings: what its frames do, its timers, what a (re)joining connection must be told.
//!
//! Games are plain serialisable values, so a room stores its game with itself; they get
//! the time only from the table, so they run on a virtual clock in tests. Adding one is
//! one file in `crate::games` and one line in its registry (docs/ADDING_A_GAME.md).

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::config::{RoomConfig, Vars};
use crate::effects::{Effect, Frame};
use crate::envelope::Envelope;
use crate::ids::{Code, ConnId, PlayerId, RoomName};
use crate::protocol::{ErrorCode, ProtocolError, RoomPhase, SeatView, SharedServerFrame};
use crate::seats::{self, Occupant, Profile, Seat, Spectator};
use crate::stats::RecordLine;

/// What makes a room private: the code that opens it, and whether its creator asked
/// for bots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Privacy {
    pub code: Code,
    pub bots: bool,
}

/// What a game says about one seat in the room's `room`/`start` views.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeatScore {
    pub ready: bool,
    pub total: i64,
    pub streak: u32,
}

/// A game frame refused: the error frame's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
}

impl Refusal {
    pub const fn new(code: ErrorCode, message: &'static str) -> Refusal {
        Refusal {
            code,
            message: Cow::Borrowed(message),
        }
    }
}

impl From<ProtocolError> for Refusal {
    fn from(err: ProtocolError) -> Refusal {
        match err {
            ProtocolError::Refused { code, message } => Refusal { code, message },
            ProtocolError::TooBig { .. } => Refusal::new(ErrorCode::BadFrame, "frame too big"),
        }
    }
}

/// What a frame a game accepted did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Played {
    /// It changed the game: the room is stored before anyone hears of it.
    Changed,
    /// It was only passed on (a pulled face): nothing a restart must keep, so the room
    /// is not stored for it.
    Relayed,
}

/// What happens to a seat whose person is gone for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Free it now.
    Free,
    /// Keep it as a forfeit in the running round; the game frees it later
    /// ([`Table::free`]).
    Forfeit,
}

/// A game's rules, as the room drives them. Every method gets the [`Table`] with the
/// current time. (Object-safe: the room holds its game as `dyn Game`.)
pub trait Game {
    /// Where the game is (shown in `room` frames).
    fn phase(&self) -> RoomPhase;
    /// No round (or game) is running: a person waiting for a bot's seat sits down now.
    fn between_rounds(&self) -> bool {
        self.phase() == RoomPhase::Waiting
    }
    /// Would somebody be kept waiting by a player whose connection went silent? Then
    /// the room looks for silent connections within the heartbeat timeout; otherwise
    /// it may sleep on (see `crate::room::Room::next_deadline`). By default: while a
    /// round runs.
    fn waits_on_people(&self) -> bool {
        !self.between_rounds()
    }
    /// The seat's numbers for the views (`ready`, `total`, `streak`).
    fn score(&self, seat: usize) -> SeatScore;
    /// Someone (a person, new or taking over nothing) just sat down at `seat`.
    fn seated(&mut self, t: &mut Table<'_>, seat: usize);
    /// The person at `seat` is gone for good: free the seat, or keep it as a forfeit.
    fn release(&mut self, t: &Table<'_>, seat: usize) -> Release;
    /// After a release, with people still in the room.
    fn released(&mut self, t: &mut Table<'_>, seat: usize, name: &str);
    /// Nobody is left: the room starts over (the seats are already empty).
    fn emptied(&mut self);
    /// The person at `seat` sent `join`: ready for the next round or game.
    fn join(&mut self, t: &mut Table<'_>, seat: usize) -> Result<(), Refusal>;
    /// One of this game's own frames ([`GameType::ClientFrame`]) from the person at
    /// `seat`, still in its envelope: the game reads it with [`GameType::decode`].
    fn play(
        &mut self,
        t: &mut Table<'_>,
        seat: usize,
        frame: &Envelope<'_>,
    ) -> Result<Played, Refusal>;
    /// Whatever is due at `t.now`.
    fn tick(&mut self, t: &mut Table<'_>);
    /// When [`Game::tick`] next has something to do.
    fn next_deadline(&self) -> Option<u64>;
    /// The frames that announced a clock ([`Table::clock_ms`]) went out `held` ms
    /// after the room decided: every deadline (and bot's moment) set with that clock
    /// moves on by `held`. Storage writes hold frames back (the platform's
    /// output gate) and, under load, so does other work; a player must not lose that
    /// time from the round they were promised.
    fn announced(&mut self, _held: u64) {}
    /// What a connection joining mid-game is told after `hi` (a resumed seat) or
    /// `watching` (a spectator, `viewer` `None`): the state everybody may see, plus the
    /// viewer's own secrets and nobody else's.
    fn catch_up(&self, t: &Table<'_>, viewer: Option<usize>) -> Vec<Frame>;
}

/// What the registry (`crate::games`) needs to know of a game besides its rules.
pub trait GameType: Game + Sized + Clone + PartialEq + Serialize + DeserializeOwned {
    /// The name in URLs (`/ws?game=dig`) and room names (`dig-0-3`).
    const NAME: &'static str;
    /// A real game, published in the protocol's TypeScript declarations (the example
    /// game of the docs is not).
    const PUBLISHED: bool = true;
    /// The frames players send this game (beside the shared ones): an enum with one
    /// struct variant per `type`, read by [`Envelope::decode`]. Its variants are the
    /// game's frame types; no list of them is kept anywhere else.
    type ClientFrame: DeserializeOwned;
    /// What an operator can tune, from `wrangler.toml` vars.
    type Settings: Copy + Default + PartialEq + std::fmt::Debug;

    /// The settings from vars (out-of-range values are noted in `vars`).
    fn settings(vars: &mut Vars<'_>) -> Self::Settings;
    /// Seats in a room of this game.
    fn room_size(settings: &Self::Settings) -> usize;
    /// A new game in an empty room.
    fn new(settings: &Self::Settings) -> Self;
    /// Reads one of this game's frames and checks the values in it. Also used on
    /// frames sent to a room of another game, to tell `wrong_game` from `bad_frame`.
    fn decode(frame: &Envelope<'_>) -> Result<Self::ClientFrame, Refusal> {
        Ok(frame.decode()?)
    }
    /// The TypeScript declarations of the game's frames and of the types in them.
    #[cfg(test)]
    fn typescript(cfg: &ts_rs::Config) -> Typescript;
}

/// A game's part of the generated TypeScript (see `crate::typegen`).
#[cfg(test)]
pub struct Typescript {
    /// `type X = …` declarations, in order (helper types first).
    pub declarations: Vec<String>,
    /// The names of its client and server frame unions.
    pub client_frames: String,
    pub server_frames: String,
}

#[cfg(test)]
impl Typescript {
    /// The declarations of `C` (client frames), `S` (server frames) and `helpers`.
    pub fn of<C: ts_rs::TS, S: ts_rs::TS>(cfg: &ts_rs::Config, helpers: Vec<String>) -> Typescript {
        let mut declarations = helpers;
        declarations.push(C::decl(cfg));
        declarations.push(S::decl(cfg));
        Typescript {
            declarations,
            client_frames: C::ident(cfg),
            server_frames: S::ident(cfg),
        }
    }
}

/// The room as a game sees it while handling one event: who sits where, and the
/// means to tell them things.
pub struct Table<'a> {
    /// The time of the event.
    pub now: u64,
    /// The event is the room's alarm: the timer a deadline was set for, as opposed to
    /// a frame or a close handled after the deadline passed. (A game that settles
    /// only on its alarm counts whatever reached the room before it; see
    /// `crate::games::rps`.)
    pub alarm: bool,
    /// The event seats a connection that just arrived (a join or a resume). Its socket
    /// goes live only once the Worker has handed the room's `101` back to the client,
    /// which the room does not see: frames sent now wait for that. A round that starts
    /// now is longer by [`RoomConfig::handshake_ms`].
    pub handshake: bool,
    pub config: &'a RoomConfig,
    pub(crate) name: &'a RoomName,
    pub(crate) seats: &'a mut Vec<Option<Seat>>,
    pub(crate) spectators: &'a [Spectator],
    pub(crate) out: &'a mut Vec<Effect>,
    pub(crate) rng_state: &'a mut u64,
    pub(crate) capacity_version: &'a mut u64,
    /// Set for a private room (see [`Privacy`]).
    pub(crate) private: Option<&'a Privacy>,
    /// Round records made while handling this event: `(round, lines)`.
    pub(crate) records: &'a mut Vec<(u64, Vec<RecordLine>)>,
    /// A game started a clock while handling this event ([`Table::clock_ms`]): the
    /// room asks to hear when its frames went out ([`Game::announced`]).
    pub(crate) clock_started: bool,
}

impl Table<'_> {
    pub fn room_name(&self) -> &str {
        self.name.as_str()
    }

    pub fn size(&self) -> usize {
        self.seats.len()
    }

    /// Someone (person, bot or forfeit) holds `seat`.
    pub fn occupied(&self, seat: usize) -> bool {
        self.seats.get(seat).is_some_and(Option::is_some)
    }

    /// A person holds `seat`, connected or away.
    pub fn is_person(&self, seat: usize) -> bool {
        self.seat(seat).is_some_and(Seat::is_person)
    }

    pub fn is_bot(&self, seat: usize) -> bool {
        self.seat(seat).is_some_and(Seat::is_bot)
    }

    /// The seat's person was released during the round and stays only as a forfeit.
    pub fn is_forfeit(&self, seat: usize) -> bool {
        self.seat(seat).is_some_and(Seat::is_forfeit)
    }

    pub fn free_seats(&self) -> usize {
        seats::free_seats(self.seats)
    }

    /// People seated (connected or away).
    pub fn people(&self) -> usize {
        seats::people(self.seats)
    }

    pub fn name_of(&self, seat: usize) -> String {
        self.seat(seat)
            .map(|s| s.profile.name.clone())
            .unwrap_or_default()
    }

    /// The player at `seat` (empty for bots and free seats).
    pub fn player_of(&self, seat: usize) -> PlayerId {
        self.seat(seat)
            .map(|s| s.player.clone())
            .unwrap_or_default()
    }

    fn seat(&self, seat: usize) -> Option<&Seat> {
        self.seats.get(seat)?.as_ref()
    }

    /// Seats a bot at the free `seat`.
    pub fn seat_bot(&mut self, seat: usize, profile: Profile) {
        if let Some(slot @ None) = self.seats.get_mut(seat) {
            *slot = Some(Seat::bot(profile));
        }
    }

    /// Frees `seat` (a forfeit whose round is over).
    pub fn free(&mut self, seat: usize) {
        if let Some(slot) = self.seats.get_mut(seat) {
            *slot = None;
        }
    }

    /// How long a clock of `len_ms` that a game starts now is announced for and runs.
    /// The rule for every clock a game announces ("ends in N ms": a round's `start`, a
    /// turn): the player gets all of it, from when they hear of it. So a clock started
    /// as somebody sits down also waits out their handshake ([`Table::handshake`],
    /// [`RoomConfig::handshake_ms`]), and the room moves it on by however long its
    /// frames were held ([`Game::announced`]).
    pub fn clock_ms(&mut self, len_ms: u64) -> u64 {
        self.clock_started = true;
        let allowance = if self.handshake {
            self.config.handshake_ms
        } else {
            0
        };
        len_ms + allowance
    }

    /// The room's RNG, to be handed back with [`Table::put_rng`].
    pub fn rng(&self) -> fastrand::Rng {
        fastrand::Rng::with_seed(*self.rng_state)
    }

    pub fn put_rng(&mut self, rng: fastrand::Rng) {
        *self.rng_state = rng.get_seed();
    }

    /// `frame` to everybody in the room. With `keep`, away seats keep it to replay on
    /// resume.
    pub fn broadcast<F: Serialize>(&mut self, frame: &F, keep: bool) {
        let frame = Frame::of(frame);
        if keep {
            for seat in self.seats.iter_mut().flatten() {
                if seat.is_away() {
                    seat.keep(&frame);
                }
            }
        }
        let to = seats::audience(self.seats, self.spectators);
        self.out.push(Effect::Send { to, frame });
    }

    /// `frame` to everybody but the person at `seat`.
    pub fn broadcast_except<F: Serialize>(&mut self, seat: usize, frame: &F) {
        let mover = self.seat(seat).and_then(Seat::conn).cloned();
        let to: Vec<ConnId> = seats::audience(self.seats, self.spectators)
            .into_iter()
            .filter(|c| Some(c) != mover.as_ref())
            .collect();
        self.out.push(Effect::Send {
            to,
            frame: Frame::of(frame),
        });
    }

    /// `frame` to the person at `seat` only (if connected).
    pub fn send<F: Serialize>(&mut self, seat: usize, frame: &F) {
        if let Some(conn) = self.seat(seat).and_then(Seat::conn) {
            let effect = Effect::send_to(conn, Frame::of(frame));
            self.out.push(effect);
        }
    }

    /// The seats as everybody sees them, with `game`'s numbers.
    pub fn views(&self, game: &dyn Game) -> Vec<SeatView> {
        self.seats
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let s = s.as_ref().filter(|s| s.occupant != Occupant::Gone)?;
                let score = game.score(i);
                Some(SeatView {
                    seat: i,
                    name: s.profile.name.clone(),
                    avatar: s.profile.avatar.clone(),
                    bot: s.is_bot(),
                    ready: score.ready,
                    away: s.is_away(),
                    total: score.total,
                    streak: score.streak,
                })
            })
            .collect()
    }

    /// The `room` frame (who is here) as it is now.
    pub fn room_frame_of(&self, game: &dyn Game) -> SharedServerFrame {
        SharedServerFrame::Room {
            phase: game.phase(),
            seats: self.views(game),
        }
    }

    /// Broadcasts the `room` frame.
    pub fn room_frame(&mut self, game: &dyn Game) {
        let frame = self.room_frame_of(game);
        self.broadcast(&frame, false);
    }

    /// May the game seat bots? Always in a public room; in a private one only when its
    /// creator asked for them.
    pub fn bots_allowed(&self) -> bool {
        self.private.is_none_or(|p| p.bots)
    }

    /// Tells the matchmaker the free seats changed (see [`Effect::Capacity`]). A private
    /// room has no matchmaker: the room tells the directory of codes whenever its
    /// people change instead ([`Effect::Occupancy`]).
    pub fn capacity(&mut self) {
        if self.private.is_some() {
            return;
        }
        *self.capacity_version += 1;
        let report = seats::capacity(self.seats, self.spectators, *self.capacity_version);
        self.out.push(report);
    }

    /// Records round `round` for the stats (people only; bots have no player).
    pub fn record(&mut self, round: u64, lines: Vec<RecordLine>) {
        let lines: Vec<RecordLine> = lines.into_iter().filter(|l| !l.player.is_empty()).collect();
        if !lines.is_empty() {
            self.records.push((round, lines));
        }
    }
}
