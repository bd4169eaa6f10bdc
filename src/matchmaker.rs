//! Matchmaking as a sans-IO state machine: which room gets the next player.
//!
//! The rule from the seed: a join goes to the first room that is not full; if there is
//! none, to a new room. The matchmaker lives in one Durable Object, whose input gate
//! serialises requests, so two joins that race are still assigned one after the other
//! and can never take the same last seat.
//!
//! The matchmaker's seat counts are an estimate; the room is the authority. Each
//! assignment reserves a seat here. Rooms report back only what the matchmaker cannot
//! see (a player left, bots sat down), with a version so a late report cannot undo a
//! newer one. When the estimate is wrong anyway (a report still in flight), the room
//! refuses the connection and the Worker asks again with that room excluded, so a room
//! is never overfilled.
//!
//! The matchmaker also remembers which room each player sits in, so a player's second
//! connection (another tab, a reconnect without its resume token) is sent back to their
//! own seat, where the room hands the seat over: one live seat per player.
//!
//! Each game has its own matchmakers. Past one object's request budget, a game's
//! matchmaking is sharded: `MATCHMAKER_SHARDS` matchmakers, each owning the rooms named
//! `<game>-<shard>-<n>` ([`crate::ids::RoomName::numbered`]), and a player always asks
//! the shard their identity hashes to ([`crate::shard::shard_of`]). Shards never share a
//! room, so none can overfill another's, and a player's seat is always known to the one
//! shard they ask.
//!
//! Sharding must not keep people apart (people before bots): two people whose
//! identities hash to different shards should still meet rather than each get a room
//! and a bot. So a quiet shard looks next door before opening a room. When a shard has
//! no seat for a player (none of their own, none free, no bot's seat where a person
//! plays) and it opened no room in the last [`QUIET_MS`], it answers
//! [`Answer::NextDoor`] instead of opening one, reserving nothing. The Worker then asks
//! the other shards in turn for an existing seat only ([`Ask::Probe`]); the first that
//! has one seats the player (and tracks the seat as its own), and the player's own
//! shard records where they went ([`Ask::SatElsewhere`]), so their next connection is
//! sent there too: one seat per player across shards. If no shard has a seat, the
//! player's own shard opens the room ([`Ask::OpenHere`]).
//!
//! The trade: at quiet times a join may cost a request to every shard, which is nothing
//! next to an object's budget, and people meet. Under load a shard opens rooms all the
//! time, so it never looks next door and each join still costs one request to one
//! shard: sharding keeps dividing the load exactly where it has to.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::effects::Effect;
use crate::games::GameKind;
use crate::ids::RoomName;

// Room names are `<game>-<shard>-<n>` (`rps-0-3`, `dig-2-0`); `n` orders a shard's
// rooms by age. Each game has its own matchmakers.
/// How long a seat reserved for a player counts even though the room's reports do not
/// list them yet (their connection is still on its way to the room).
const RESERVATION_MS: u64 = 10_000;

/// A shard that opened no room for this long is quiet, and looks next door before
/// opening one. One second (the default `BOT_WAIT_MS`): a shard opening rooms less
/// often than once a second sees only a few joins a second, so asking every other shard
/// on some of them costs a few requests a second, far below an object's budget of
/// ~1,000; a shard busier than that opens rooms all the time and never looks next door.
/// It is a fixed rate, not the room's bot wait: what it bounds is the cost of looking,
/// whatever the game.
pub const QUIET_MS: u64 = 1_000;

/// Room numbers are put aside in blocks of this many: a shard stores the end of its
/// block, once per block rather than once per room opened (a SQL statement was about
/// half a millisecond of CPU in a burst, BENCHMARKS.md session 14). A shard read back
/// goes on from the stored end, skipping what was left of the block: no number is
/// ever handed out twice, which is what matters (a vacant room's number is never
/// reused, so an old resume token cannot land in a new room of the same name).
pub const ROOM_NUMBER_BLOCK: u64 = 64;

/// How long a player's own shard remembers that they sit in another shard's room.
/// That room's reports go to its own shard, never here, so nothing tells us when the
/// player leaves it; the bound only keeps the table from growing without end (it holds
/// the pointers written in the last day). A pointer that outlived the seat costs one
/// hop: the room seats the player or turns them away as full, and the refusal drops
/// the pointer. A day outlasts any session of play, so a live seat is never forgotten.
pub const POINTER_MS: u64 = 24 * 3600 * 1000;

/// Where the matchmaker sent a player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub room: String,
    /// People seated across all rooms (bots not counted), including this one.
    pub online: u64,
}

/// What a shard is asked to do for a player (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask<'a> {
    /// The player's own shard, asked first, with the number of shards of the game. It
    /// seats the player if it can; else, when it is quiet and not alone, it answers
    /// [`Answer::NextDoor`]; else it opens a room.
    Home { shards: u32 },
    /// Another shard, asked on the player's behalf: an existing seat only (their own
    /// here, a free one, a bot's where a person plays), never a new room.
    Probe,
    /// The player's own shard again, after no other shard had a seat: opens a room
    /// unless it has a seat by now.
    OpenHere,
    /// The player's own shard, told that another shard seated them in `room`: it
    /// remembers, so their next connection goes there.
    SatElsewhere { room: &'a str },
}

/// A shard's answer to an [`Ask`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "snake_case")]
pub enum Answer {
    /// Go to this room.
    Seat(Assignment),
    /// No seat here and nothing reserved: ask the other shards for an existing seat.
    NextDoor,
    /// No existing seat here (the answer to a probe), or a pointer not recorded.
    NoSeat,
}

/// A player's own shard's note that they sit in another shard's room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elsewhere {
    /// The other shard's room, `<game>-<shard>-<n>`.
    pub room: String,
    /// When it was written (it expires [`POINTER_MS`] later).
    pub at: u64,
}

/// Body of a room's `POST /report` to the matchmaker (see [`crate::effects::Effect::Capacity`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityReport {
    pub room: String,
    pub free: usize,
    pub humans: u64,
    /// Of `humans`, those whose connection dropped (their seat held for a resume).
    #[serde(default)]
    pub away: u64,
    /// Seats bots hold that a person may take (people before bots).
    #[serde(default)]
    pub bots: usize,
    pub version: u64,
    /// The players holding seats in the room.
    #[serde(default)]
    pub players: Vec<String>,
}

impl CapacityReport {
    /// What room `room`'s [`Effect::Capacity`] tells its matchmaker (`None` for any
    /// other effect).
    pub fn of(room: &RoomName, effect: Effect) -> Option<CapacityReport> {
        let Effect::Capacity {
            free,
            humans,
            away,
            bots,
            version,
            players,
        } = effect
        else {
            return None;
        };
        Some(CapacityReport {
            room: room.to_string(),
            free,
            humans,
            away,
            bots,
            version,
            players,
        })
    }
}

/// A room as `GET /api/rooms` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoomListing {
    pub room: String,
    pub game: GameKind,
    pub seats: usize,
    /// Seats held (people and bots).
    pub taken: usize,
    pub free: usize,
    /// Seats bots hold (a person who joins takes one at the next round boundary).
    pub bots: usize,
    /// People in the room (bots not counted), connected or not.
    pub players: u64,
    /// Of `players`, those whose connection dropped: their seats are held for a
    /// resume (`RESUME_GRACE_MS`).
    pub away: u64,
    /// `open` (a seat is free, or a bot's seat is open to a person) or `full`.
    pub state: &'static str,
}

/// Where a player sits, as far as the matchmaker knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seating {
    /// The room's number within this shard.
    pub room: u64,
    /// Set while the seat is a reservation made here that no report has confirmed.
    pub reserved_at: Option<u64>,
}

/// What the matchmaker believes about one of its rooms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoomEstimate {
    pub free: usize,
    pub humans: u64,
    /// Of `humans`, those away (held for a resume).
    pub away: u64,
    /// Seats bots hold that a person may take.
    pub bots: usize,
    /// The version of the last report applied (see [`CapacityReport::version`]).
    pub version: u64,
}

/// What changed since the last [`Matchmaker::take_changes`]: the rows the shell must
/// write (`Some`) or delete (`None`). Only what no room knows is stored: how far the
/// room numbers are put aside ([`ROOM_NUMBER_BLOCK`]) and where its players sit in
/// other shards' rooms. The rooms with people and who sits in them are the rooms' own
/// state, stored with them; a matchmaker read back learns them from its rooms
/// ([`Matchmaker::recall`]). Storing them here too cost four SQL writes per player
/// seated, about a tenth of a burst's CPU (BENCHMARKS.md, session 14).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// The end of the block of room numbers put aside, when it moved: a restored
    /// shard opens its next room under this number.
    pub next_room: Option<u64>,
    /// Players sitting in other shards' rooms.
    pub elsewhere: Vec<(String, Option<Elsewhere>)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.next_room.is_none() && self.elsewhere.is_empty()
    }
}

/// The matchmaker's whole state. The shell stores its own rows ([`Changes`]) and
/// rebuilds it with [`Matchmaker::restore`] and [`Matchmaker::recall`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matchmaker {
    /// The game whose rooms this matchmaker fills.
    game: GameKind,
    /// Which shard this is; its rooms are named `<game>-<shard>-<n>`.
    shard: u32,
    /// The number the next room opened gets.
    next_room: u64,
    /// The end of the block of numbers put aside in storage (see
    /// [`ROOM_NUMBER_BLOCK`]); always at least `next_room`.
    numbered_until: u64,
    /// Every room with people in it, oldest first.
    rooms: BTreeMap<u64, RoomEstimate>,
    /// Which room each seated player is in.
    seated: BTreeMap<String, Seating>,
    /// When this shard last opened a room (it is quiet [`QUIET_MS`] later). Not
    /// stored: a shard read back is quiet, as it would be a second after any restart
    /// or wake from hibernation, and being quiet costs no more than a look next door.
    opened_at: Option<u64>,
    /// This shard's players who sit in another shard's room, and where.
    elsewhere: BTreeMap<String, Elsewhere>,
    /// The same pointers ordered by age, so expired ones are dropped without a scan.
    elsewhere_by_age: BTreeSet<(u64, String)>,
    /// Rows touched since the last [`Matchmaker::take_changes`].
    dirty: Dirty,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Dirty {
    next_room: bool,
    elsewhere: BTreeSet<String>,
}

impl Matchmaker {
    /// The matchmaker of `game`'s shard `shard`, with no rooms yet.
    pub fn new(game: GameKind, shard: u32) -> Matchmaker {
        Matchmaker {
            game,
            shard,
            ..Matchmaker::default()
        }
    }

    /// The matchmaker of `game`'s shard `shard` as stored: the rows its [`Changes`]
    /// wrote, read back. It knows no rooms until [`Matchmaker::recall`] tells it of
    /// them.
    pub fn restore(
        game: GameKind,
        shard: u32,
        next_room: u64,
        elsewhere: impl IntoIterator<Item = (String, Elsewhere)>,
    ) -> Matchmaker {
        let mut pointers = BTreeMap::new();
        let mut by_age = BTreeSet::new();
        for (player, pointer) in elsewhere {
            by_age.insert((pointer.at, player.clone()));
            pointers.insert(player, pointer);
        }
        Matchmaker {
            game,
            shard,
            next_room,
            numbered_until: next_room,
            rooms: BTreeMap::new(),
            seated: BTreeMap::new(),
            opened_at: None,
            elsewhere: pointers,
            elsewhere_by_age: by_age,
            dirty: Dirty::default(),
        }
    }

    /// The rows changed since the last call, with their current values.
    pub fn take_changes(&mut self) -> Changes {
        let dirty = std::mem::take(&mut self.dirty);
        Changes {
            next_room: dirty.next_room.then_some(self.numbered_until),
            elsewhere: dirty
                .elsewhere
                .into_iter()
                .map(|p| {
                    let pointer = self.elsewhere.get(&p).cloned();
                    (p, pointer)
                })
                .collect(),
        }
    }

    /// Picks a room for `player` in rooms of `size` seats at time `now`, as a lone
    /// shard does: the room they already sit in, else the oldest room with a free
    /// seat, else the oldest where a bot holds a seat (people before bots: they take it
    /// at the next round boundary), else a new one. `refused` names a room that just
    /// turned this player away because it was full.
    pub fn assign(
        &mut self,
        size: usize,
        player: &str,
        refused: Option<&str>,
        now: u64,
    ) -> Assignment {
        self.forget_expired(now);
        self.apply_refusal(player, refused);
        match self.existing_seat(player, true, now) {
            Some(assignment) => assignment,
            None => self.open_room(size, player, now),
        }
    }

    /// Answers `ask` for `player` in rooms of `size` seats at time `now` (see the
    /// module doc and [`Ask`]). `refused` names a room that just turned this player
    /// away because it was full; each shard takes note of it if the room is its own
    /// (or, at the player's own shard, if it is where they were said to sit elsewhere).
    pub fn ask(
        &mut self,
        size: usize,
        player: &str,
        refused: Option<&str>,
        ask: Ask<'_>,
        now: u64,
    ) -> Answer {
        self.forget_expired(now);
        self.apply_refusal(player, refused);
        match ask {
            Ask::SatElsewhere { room } => self.record_elsewhere(player, room, now),
            Ask::Probe => self
                .existing_seat(player, false, now)
                .map_or(Answer::NoSeat, Answer::Seat),
            Ask::Home { shards } => match self.existing_seat(player, true, now) {
                Some(assignment) => Answer::Seat(assignment),
                None if shards > 1 && self.is_quiet(now) => Answer::NextDoor,
                None => Answer::Seat(self.open_room(size, player, now)),
            },
            Ask::OpenHere => Answer::Seat(self.assign(size, player, None, now)),
        }
    }

    /// Whether this shard opened no room in the last [`QUIET_MS`].
    pub fn is_quiet(&self, now: u64) -> bool {
        self.opened_at
            .is_none_or(|at| now >= at.saturating_add(QUIET_MS))
    }

    /// A room turned `player` away as full: it has no free seat, and they are not in it.
    fn apply_refusal(&mut self, player: &str, refused: Option<&str>) {
        let Some(refused) = refused else {
            return;
        };
        if self
            .elsewhere
            .get(player)
            .is_some_and(|e| e.room == refused)
        {
            self.forget_pointer(player);
        }
        let Some(number) = self.room_number(refused) else {
            return;
        };
        if self.seated.get(player).is_some_and(|s| s.room == number) {
            self.seated.remove(player);
        }
        if let Some(estimate) = self.rooms.get_mut(&number) {
            // The room is full, and this player is not in it: neither the seat
            // reserved for them nor the one a report said they held.
            estimate.free = 0;
            estimate.bots = 0;
            estimate.humans = estimate.humans.saturating_sub(1);
        }
    }

    /// A seat for `player` without opening a room: the room they sit in here, else
    /// (with `pointers`, at their own shard) the other shard's room they sit in, else
    /// the oldest room with a free seat, else the oldest where a bot holds a seat a
    /// person may take. A new seat is reserved for them.
    fn existing_seat(&mut self, player: &str, pointers: bool, now: u64) -> Option<Assignment> {
        if let Some(seating) = self.seated.get(player) {
            if self.rooms.contains_key(&seating.room) {
                return Some(Assignment {
                    room: self.room_name(seating.room),
                    online: self.online(),
                });
            }
        }
        if let Some(pointer) = self.elsewhere.get(player).filter(|_| pointers) {
            // The room is the authority: it hands the seat over, or turns the player
            // away as full (then `refused` drops this pointer).
            return Some(Assignment {
                room: pointer.room.clone(),
                online: self.online(),
            });
        }
        let open = self.rooms.iter().find(|(_, e)| e.free > 0);
        // A bot's seat is worth taking only where a person is there to play: not in a
        // room whose people are all away (they may never come back).
        let with_bot = || {
            self.rooms
                .iter()
                .find(|(_, e)| e.bots > 0 && e.humans > e.away)
        };
        let (&number, _) = open.or_else(with_bot)?;
        Some(self.seat(number, player, now))
    }

    /// Opens a room of `size` seats for `player`.
    fn open_room(&mut self, size: usize, player: &str, now: u64) -> Assignment {
        let number = self.next_room;
        self.numbers_past(number);
        self.opened_at = Some(now);
        self.rooms.insert(
            number,
            RoomEstimate {
                free: size,
                ..RoomEstimate::default()
            },
        );
        self.seat(number, player, now)
    }

    /// Room `number` is taken: the next room opened gets a higher one, and the block
    /// put aside in storage grows past it when it must.
    fn numbers_past(&mut self, number: u64) {
        self.next_room = self.next_room.max(number + 1);
        if self.next_room > self.numbered_until {
            self.numbered_until = self.next_room - 1 + ROOM_NUMBER_BLOCK;
            self.dirty.next_room = true;
        }
    }

    /// Reserves a seat for `player` in room `number` (a free one, else a bot's).
    fn seat(&mut self, number: u64, player: &str, now: u64) -> Assignment {
        if let Some(estimate) = self.rooms.get_mut(&number) {
            match estimate.free {
                0 => estimate.bots = estimate.bots.saturating_sub(1),
                _ => estimate.free -= 1,
            }
            estimate.humans += 1;
        }
        if !player.is_empty() {
            let seating = Seating {
                room: number,
                reserved_at: Some(now),
            };
            self.seated.insert(player.to_string(), seating);
            // Seated here now: not elsewhere any more.
            self.forget_pointer(player);
        }
        Assignment {
            room: self.room_name(number),
            online: self.online(),
        }
    }

    /// Remembers that another shard seated `player` in `room`. Only a numbered room of
    /// this game on another shard is taken; anything else is answered [`Answer::NoSeat`]
    /// and changes nothing.
    fn record_elsewhere(&mut self, player: &str, room: &str, now: u64) -> Answer {
        let foreign = owner_of_room(room)
            .is_some_and(|(game, shard)| game == self.game && shard != self.shard);
        if !foreign || player.is_empty() {
            return Answer::NoSeat;
        }
        // Their seat here (if any; only a second connection racing this one leaves
        // one) is not where this connection goes. The room's estimate keeps counting
        // them until its next report says whether they came: the room is the authority.
        self.seated.remove(player);
        self.forget_pointer(player);
        self.elsewhere.insert(
            player.to_string(),
            Elsewhere {
                room: room.to_string(),
                at: now,
            },
        );
        self.elsewhere_by_age.insert((now, player.to_string()));
        self.dirty.elsewhere.insert(player.to_string());
        Answer::Seat(Assignment {
            room: room.to_string(),
            online: self.online(),
        })
    }

    fn forget_pointer(&mut self, player: &str) {
        if let Some(old) = self.elsewhere.remove(player) {
            self.elsewhere_by_age.remove(&(old.at, player.to_string()));
            self.dirty.elsewhere.insert(player.to_string());
        }
    }

    /// Drops pointers older than [`POINTER_MS`], oldest first.
    fn forget_expired(&mut self, now: u64) {
        while let Some((at, player)) = self.elsewhere_by_age.first().cloned() {
            if now < at.saturating_add(POINTER_MS) {
                break;
            }
            // Removed first, so the loop ends even if the entry were out of step.
            self.elsewhere_by_age.remove(&(at, player.clone()));
            if self.elsewhere.get(&player).is_some_and(|e| e.at == at) {
                self.forget_pointer(&player);
            }
        }
    }

    /// Learns this shard's rooms back from the rooms themselves: `reports` are what
    /// each room would report now ([`crate::room::Room::capacity`]). Seats reserved
    /// for players who had not arrived yet are not among them: such a player's room
    /// admits them if it still has a seat, or turns them away as full and they ask
    /// again (the room is the authority). Each room's number also keeps `next_room`
    /// past it, so no number is handed out twice.
    pub fn recall(&mut self, reports: impl IntoIterator<Item = CapacityReport>, now: u64) {
        for report in reports {
            self.report(&report, now);
        }
    }

    /// A room reports its free seats and the people in it. Reports older than the
    /// last one seen from that room are ignored; an empty room is forgotten.
    pub fn report(&mut self, report: &CapacityReport, now: u64) {
        let CapacityReport {
            free,
            humans,
            away,
            bots,
            version,
            ..
        } = *report;
        let Some(number) = self.room_number(&report.room) else {
            return;
        };
        // A room this matchmaker has no record of opening (its state was lost, or the
        // report outran it): never open another under the same number.
        self.numbers_past(number);
        let estimate = self.rooms.entry(number).or_default();
        if version < estimate.version {
            return;
        }
        *estimate = RoomEstimate {
            free,
            humans,
            away,
            bots,
            version,
        };
        // Players the room lists sit there; players it does not list have left,
        // unless their reservation is so fresh that they may not have arrived yet.
        self.seated.retain(|player, s| {
            s.room != number
                || report.players.contains(player)
                || s.reserved_at.is_some_and(|at| now < at + RESERVATION_MS)
        });
        for player in &report.players {
            let confirmed = Seating {
                room: number,
                reserved_at: None,
            };
            self.seated.insert(player.clone(), confirmed);
        }
        if humans == 0 {
            self.rooms.remove(&number);
        }
    }

    /// The room `player` sits in, as far as the matchmaker knows: one of this shard's,
    /// or the other shard's room it was told of.
    pub fn room_of(&self, player: &str) -> Option<String> {
        let here = self
            .seated
            .get(player)
            .filter(|s| self.rooms.contains_key(&s.room))
            .map(|s| self.room_name(s.room));
        here.or_else(|| self.elsewhere.get(player).map(|e| e.room.clone()))
    }

    /// People in rooms across this shard (connected or held for a resume), as far as
    /// the matchmaker knows.
    pub fn online(&self) -> u64 {
        self.rooms.values().map(|e| e.humans).sum()
    }

    /// Of [`Matchmaker::online`], those whose connection dropped (held for a resume).
    pub fn away(&self) -> u64 {
        self.rooms.values().map(|e| e.away).sum()
    }

    /// Every room with people in it, oldest first, as `GET /api/rooms` lists them.
    pub fn listing(&self, size: usize) -> Vec<RoomListing> {
        self.rooms
            .iter()
            .map(|(&n, e)| RoomListing {
                room: self.room_name(n),
                game: self.game,
                seats: size,
                taken: size.saturating_sub(e.free),
                free: e.free,
                bots: e.bots,
                players: e.humans,
                away: e.away,
                state: if e.free + e.bots > 0 { "open" } else { "full" },
            })
            .collect()
    }

    /// Rooms with at least one free seat, oldest first, with their free seats.
    pub fn open_rooms(&self) -> Vec<(String, usize)> {
        self.rooms
            .iter()
            .filter(|(_, e)| e.free > 0)
            .map(|(&n, e)| (self.room_name(n), e.free))
            .collect()
    }

    /// Rooms where a bot holds a seat a person may take, oldest first.
    pub fn bot_rooms(&self) -> Vec<(String, usize)> {
        self.rooms
            .iter()
            .filter(|(_, e)| e.bots > 0)
            .map(|(&n, e)| (self.room_name(n), e.bots))
            .collect()
    }
}

impl Matchmaker {
    fn room_name(&self, number: u64) -> String {
        RoomName::numbered(self.game.name(), self.shard, number).to_string()
    }

    /// The number of one of this shard's rooms (`None` for anyone else's).
    fn room_number(&self, room: &str) -> Option<u64> {
        let (game, shard, number) = owner_and_number(room)?;
        (game == self.game && shard == self.shard).then_some(number)
    }
}

/// `<game>-<shard>-<n>` taken apart.
fn owner_and_number(room: &str) -> Option<(GameKind, u32, u64)> {
    let name = RoomName::parse(room)?;
    let (game, shard, number) = name.numbering()?;
    Some((GameKind::from_name(game)?, shard, number))
}

/// The game and matchmaker shard that own `room` (from its name), for its capacity
/// reports.
pub fn owner_of_room(room: &str) -> Option<(GameKind, u32)> {
    owner_and_number(room).map(|(game, shard, _)| (game, shard))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn fresh_player() -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        format!("guest:{}", NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// A new player asks for a seat in rooms of 2.
    fn assign(mm: &mut Matchmaker, refused: Option<&str>) -> Assignment {
        mm.assign(2, &fresh_player(), refused, 0)
    }

    fn report(mm: &mut Matchmaker, room: &str, free: usize, humans: u64, version: u64) {
        let report = CapacityReport {
            room: room.into(),
            free,
            humans,
            away: 0,
            bots: 0,
            version,
            players: Vec::new(),
        };
        mm.report(&report, RESERVATION_MS);
    }

    #[test]
    fn fills_the_first_room_before_opening_another() {
        let mut mm = Matchmaker::default();
        let rooms: Vec<String> = (0..5).map(|_| assign(&mut mm, None).room).collect();
        assert_eq!(
            rooms,
            ["rps-0-0", "rps-0-0", "rps-0-1", "rps-0-1", "rps-0-2"]
        );
        assert_eq!(mm.online(), 5);
    }

    #[test]
    fn twenty_joins_make_ten_full_rooms() {
        let mut mm = Matchmaker::default();
        let mut per_room: HashMap<String, usize> = HashMap::new();
        for _ in 0..20 {
            *per_room.entry(assign(&mut mm, None).room).or_default() += 1;
        }
        assert_eq!(per_room.len(), 10);
        assert!(per_room.values().all(|&n| n == 2));
        assert!(mm.open_rooms().is_empty());
    }

    #[test]
    fn rooms_of_three() {
        let mut mm = Matchmaker::default();
        let rooms: Vec<String> = (0..4)
            .map(|_| mm.assign(3, &fresh_player(), None, 0).room)
            .collect();
        assert_eq!(rooms, ["rps-0-0", "rps-0-0", "rps-0-0", "rps-0-1"]);
    }

    #[test]
    fn a_freed_seat_is_offered_before_a_new_room() {
        let mut mm = Matchmaker::default();
        for _ in 0..4 {
            assign(&mut mm, None);
        }
        // Someone left rps-0: it is older than any new room, so it is filled first.
        report(&mut mm, "rps-0-0", 1, 1, 1);
        assert_eq!(assign(&mut mm, None).room, "rps-0-0");
        assert_eq!(assign(&mut mm, None).room, "rps-0-2");
    }

    #[test]
    fn people_go_to_free_seats_first_then_to_seats_bots_hold() {
        let mut mm = Matchmaker::default();
        assign(&mut mm, None); // rps-0-0: a lone player …
        let bots = CapacityReport {
            room: "rps-0-0".into(),
            free: 0,
            humans: 1,
            away: 0,
            bots: 1, // … who got a bot
            version: 1,
            players: Vec::new(),
        };
        mm.report(&bots, RESERVATION_MS);
        assert_eq!(mm.bot_rooms(), vec![("rps-0-0".to_string(), 1)]);
        assign(&mut mm, None); // nothing free: the bot's seat, not a new room
        assert!(mm.bot_rooms().is_empty(), "the bot's seat is reserved");
        assert_eq!(mm.online(), 2);
        // Not a bot's seat in a room whose only person is away: a new room instead.
        let away = CapacityReport {
            away: 1,
            version: 2,
            ..bots.clone()
        };
        mm.report(&away, RESERVATION_MS);
        assert_eq!(assign(&mut mm, None).room, "rps-0-1");
        // The person is back; rps-0-1 has a free seat: the free seat comes first, then
        // the bot's.
        let back = CapacityReport {
            version: 3,
            ..bots.clone()
        };
        mm.report(&back, RESERVATION_MS);
        assert_eq!(assign(&mut mm, None).room, "rps-0-1", "the free seat");
        assert_eq!(assign(&mut mm, None).room, "rps-0-0", "then the bot's");
        assert_eq!(mm.listing(2)[0].state, "full");
    }

    #[test]
    fn a_late_report_cannot_undo_a_newer_one() {
        let mut mm = Matchmaker::default();
        assign(&mut mm, None);
        report(&mut mm, "rps-0-0", 0, 1, 2); // bots sat down
        report(&mut mm, "rps-0-0", 1, 1, 1); // older news: ignored
        assert_eq!(assign(&mut mm, None).room, "rps-0-1");
    }

    #[test]
    fn a_refusal_closes_the_room_and_retries_elsewhere() {
        let mut mm = Matchmaker::default();
        assign(&mut mm, None);
        assign(&mut mm, None);
        report(&mut mm, "rps-0-0", 1, 1, 1); // someone left rps-0 …
        assert_eq!(assign(&mut mm, None).room, "rps-0-0");
        // … but bots took the seat before that player arrived, and the room said no.
        let retry = mm.assign(2, "", Some("rps-0-0"), 0);
        assert_eq!(retry.room, "rps-0-1");
        assert_eq!(retry.online, 2, "the refused reservation is not counted");
        assert_eq!(mm.open_rooms(), vec![("rps-0-1".to_string(), 1)]);
    }

    #[test]
    fn empty_rooms_are_forgotten_and_garbage_reports_ignored() {
        let mut mm = Matchmaker::default();
        assign(&mut mm, None);
        report(&mut mm, "rps-0-0", 2, 0, 1);
        assert_eq!(mm.online(), 0);
        report(&mut mm, "lobby", 1, 1, 9);
        report(&mut mm, "rps-x", 1, 1, 9);
        assert!(mm.open_rooms().is_empty());
        assert_eq!(assign(&mut mm, None).room, "rps-0-1");
    }

    #[test]
    fn the_listing_shows_open_and_full_rooms() {
        let mut mm = Matchmaker::default();
        for _ in 0..3 {
            assign(&mut mm, None);
        }
        let listing = mm.listing(2);
        let view: Vec<(&str, usize, usize, &str)> = listing
            .iter()
            .map(|r| (r.room.as_str(), r.taken, r.free, r.state))
            .collect();
        assert_eq!(view, [("rps-0-0", 2, 0, "full"), ("rps-0-1", 1, 1, "open")]);
    }

    #[test]
    fn a_seated_player_is_sent_back_to_their_room() {
        let mut mm = Matchmaker::default();
        assert_eq!(mm.assign(2, "guest:a", None, 0).room, "rps-0-0");
        assert_eq!(mm.assign(2, "guest:b", None, 0).room, "rps-0-0");
        // a's second tab: back to rps-0 although it is full, and no seat reserved.
        assert_eq!(mm.assign(2, "guest:a", None, 1).room, "rps-0-0");
        assert_eq!(mm.online(), 2);
        assert_eq!(mm.assign(2, "guest:c", None, 2).room, "rps-0-1");
    }

    #[test]
    fn reports_confirm_and_forget_players() {
        let mut mm = Matchmaker::default();
        mm.assign(2, "guest:a", None, 0);
        mm.assign(2, "guest:b", None, 0);
        let report = |players: &[&str], version| CapacityReport {
            room: "rps-0-0".into(),
            free: 2 - players.len(),
            humans: players.len() as u64,
            away: 0,
            bots: 0,
            version,
            players: players.iter().map(|p| p.to_string()).collect(),
        };
        // b has not arrived yet: a fresh reservation outlives a report that omits it.
        mm.report(&report(&["guest:a"], 1), 100);
        assert_eq!(mm.room_of("guest:b").as_deref(), Some("rps-0-0"));
        // Later, a report without b means b is gone.
        mm.report(&report(&["guest:a"], 2), RESERVATION_MS + 1);
        assert_eq!(mm.room_of("guest:b"), None);
        assert_eq!(mm.room_of("guest:a").as_deref(), Some("rps-0-0"));
        // When a leaves, the room empties and is forgotten with its players.
        mm.report(&report(&[], 3), RESERVATION_MS + 2);
        assert_eq!(mm.room_of("guest:a"), None);
        assert_eq!(mm.assign(2, "guest:a", None, 0).room, "rps-0-1");
    }

    #[test]
    fn a_refused_return_forgets_the_seat_the_player_did_not_have() {
        let mut mm = Matchmaker::default();
        mm.assign(2, "guest:a", None, 0);
        mm.assign(2, "guest:b", None, 0);
        let confirmed = CapacityReport {
            room: "rps-0-0".into(),
            free: 0,
            humans: 2,
            away: 0,
            bots: 0,
            version: 1,
            players: vec!["guest:a".into(), "guest:b".into()],
        };
        mm.report(&confirmed, 1);
        assert_eq!(mm.assign(2, "guest:a", None, 2).room, "rps-0-0");
        // The room says a holds no seat there after all (a report still in flight).
        let retry = mm.assign(2, "guest:a", Some("rps-0-0"), 3);
        assert_eq!(retry.room, "rps-0-1");
        assert_eq!(retry.online, 2, "b in rps-0, a in rps-1");
    }

    #[test]
    fn shards_own_disjoint_rooms_and_ignore_each_others_reports() {
        let mut a = Matchmaker::new(GameKind::Rps, 0);
        let mut b = Matchmaker::new(GameKind::Rps, 1);
        assert_eq!(a.assign(2, "guest:x", None, 0).room, "rps-0-0");
        assert_eq!(b.assign(2, "guest:y", None, 0).room, "rps-1-0");
        assert_eq!(owner_of_room("rps-1-0"), Some((GameKind::Rps, 1)));
        assert_eq!(owner_of_room("dig-3-7"), Some((GameKind::Dig, 3)));
        assert_eq!(owner_of_room("rps-0"), None);
        assert_eq!(owner_of_room("rps-0-1-2"), None);
        // A report about shard 1's room reaching shard 0 changes nothing there.
        report(&mut a, "rps-1-0", 0, 2, 5);
        assert_eq!(a.listing(2).len(), 1);
        assert_eq!(a.assign(2, "guest:z", None, 0).room, "rps-0-0");
    }

    #[test]
    fn many_players_over_many_shards_never_overfill_a_room() {
        let shards = 4;
        let mut mms: Vec<Matchmaker> = (0..shards)
            .map(|n| Matchmaker::new(GameKind::Rps, n))
            .collect();
        let mut per_room: HashMap<String, usize> = HashMap::new();
        let mut seat_of: HashMap<String, String> = HashMap::new();
        for i in 0..400 {
            let player = format!("guest:{i:x}");
            let shard = crate::shard::shard_of(&player, shards);
            let room = mms[shard as usize].assign(2, &player, None, 0).room;
            assert_eq!(owner_of_room(&room), Some((GameKind::Rps, shard)));
            *per_room.entry(room.clone()).or_default() += 1;
            seat_of.insert(player, room);
        }
        assert!(per_room.values().all(|&n| n <= 2), "an overfull room");
        // Asking again (a second tab) lands every player in the room they already have.
        for (player, room) in &seat_of {
            let shard = crate::shard::shard_of(player, shards) as usize;
            assert_eq!(&mms[shard].assign(2, player, None, 1).room, room);
        }
        assert_eq!(mms.iter().map(Matchmaker::online).sum::<u64>(), 400);
    }

    /// The rows a run of [`Changes`] left in storage.
    #[derive(Default)]
    struct Stored {
        next_room: u64,
        elsewhere: BTreeMap<String, Elsewhere>,
    }

    impl Stored {
        fn apply(&mut self, changes: Changes) {
            if let Some(next) = changes.next_room {
                self.next_room = next;
            }
            for (p, row) in changes.elsewhere {
                match row {
                    Some(e) => self.elsewhere.insert(p, e),
                    None => self.elsewhere.remove(&p),
                };
            }
        }

        fn restore(&self) -> Matchmaker {
            Matchmaker::restore(GameKind::Rps, 0, self.next_room, self.elsewhere.clone())
        }
    }

    /// `live` as a restart leaves it: the next room opened gets the end of the block
    /// of numbers put aside, and the shard is quiet (see [`ROOM_NUMBER_BLOCK`]).
    fn after_restart(live: &Matchmaker) -> Matchmaker {
        Matchmaker {
            next_room: live.numbered_until,
            opened_at: None,
            ..live.clone()
        }
    }

    /// Shard 0's rooms of two seats as the rooms themselves hold them: who sits where,
    /// and the number of each room's last report. A room reports after every change
    /// of its people, as `Room` does.
    #[derive(Default)]
    struct Rooms {
        people: BTreeMap<u64, Vec<String>>,
        versions: BTreeMap<u64, u64>,
    }

    impl Rooms {
        fn report(&mut self, number: u64) -> CapacityReport {
            let version = self.versions.entry(number).or_default();
            *version += 1;
            self.current(number)
        }

        /// What room `number` would report now (its last report's number).
        fn current(&self, number: u64) -> CapacityReport {
            let players = self.people.get(&number).cloned().unwrap_or_default();
            CapacityReport {
                room: format!("rps-0-{number}"),
                free: 2 - players.len(),
                humans: players.len() as u64,
                away: 0,
                bots: 0,
                version: self.versions.get(&number).copied().unwrap_or_default(),
                players,
            }
        }

        /// `player` arrives at room `number`: the reports of the rooms that changed,
        /// or `None` when the room is full and turns them away.
        fn arrive(&mut self, number: u64, player: &str) -> Option<Vec<CapacityReport>> {
            let here = self.people.entry(number).or_default();
            if here.iter().any(|p| p == player) {
                return Some(Vec::new());
            }
            if here.len() == 2 {
                return None;
            }
            here.push(player.to_string());
            let mut reports = self.leave_all_but(player, Some(number));
            reports.push(self.report(number));
            Some(reports)
        }

        /// `player` leaves every room of this shard (but `keep`): their reports.
        fn leave_all_but(&mut self, player: &str, keep: Option<u64>) -> Vec<CapacityReport> {
            let left: Vec<u64> = self
                .people
                .iter_mut()
                .filter(|(n, _)| Some(**n) != keep)
                .filter_map(|(n, people)| {
                    let before = people.len();
                    people.retain(|p| p != player);
                    (people.len() < before).then_some(*n)
                })
                .collect();
            left.into_iter().map(|n| self.report(n)).collect()
        }

        /// What a house holding these rooms recalls: every room with people.
        fn recalled(&self) -> Vec<CapacityReport> {
            self.people
                .iter()
                .filter(|(_, people)| !people.is_empty())
                .map(|(&n, _)| self.current(n))
                .collect()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// An [`Ask`] of kind `kind` (home, probe, open here, sat elsewhere in
        /// `rps-1-<room>`).
        Ask { player: u8, kind: u8, room: u8 },
        /// The player leaves their room here.
        Leave { player: u8 },
        /// Half a day passes (pointers expire after two of these).
        Later,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            (0u8..12, 0u8..4, 0u8..4).prop_map(|(player, kind, room)| Op::Ask {
                player,
                kind,
                room
            }),
            (0u8..12).prop_map(|player| Op::Leave { player }),
            Just(Op::Later),
        ]
    }

    proptest::proptest! {
        /// A matchmaker stores only what no room knows, and loses nothing by it: after
        /// any run of asks of every kind, arrivals (turned away when full, then asking
        /// again as the Worker does), leaves and pointers expiring, what storage holds
        /// plus what its rooms hold ([`Matchmaker::recall`]) is the same matchmaker.
        #[test]
        fn stored_rows_and_the_rooms_restore_the_same_matchmaker(
            ops in proptest::collection::vec(op(), 1..60),
        ) {
            let mut live = Matchmaker::default();
            let mut stored = Stored::default();
            let mut rooms = Rooms::default();
            let mut now = 0;
            for op in ops {
                now += 700;
                match op {
                    Op::Ask { player, kind, room } => {
                        let player = format!("guest:{player}");
                        let room = format!("rps-1-{room}");
                        let mut refused = None;
                        for _ in 0..4 {
                            let ask = match kind {
                                0 => Ask::Home { shards: 4 },
                                1 => Ask::Probe,
                                2 => Ask::OpenHere,
                                _ => Ask::SatElsewhere { room: &room },
                            };
                            let answer = live.ask(2, &player, refused.as_deref(), ask, now);
                            let Answer::Seat(seat) = answer else { break };
                            let Some(number) = live.room_number(&seat.room) else {
                                // Another shard's room: nobody here sits there (a
                                // second connection racing this one leaves its seat).
                                for report in rooms.leave_all_but(&player, None) {
                                    live.report(&report, now);
                                }
                                break;
                            };
                            match rooms.arrive(number, &player) {
                                Some(reports) => {
                                    for report in reports {
                                        live.report(&report, now);
                                    }
                                    break;
                                }
                                None => refused = Some(seat.room),
                            }
                        }
                    }
                    Op::Leave { player } => {
                        for report in rooms.leave_all_but(&format!("guest:{player}"), None) {
                            live.report(&report, now);
                        }
                    }
                    Op::Later => now += POINTER_MS / 2,
                }
                stored.apply(live.take_changes());
                let mut restored = stored.restore();
                restored.recall(rooms.recalled(), now);
                proptest::prop_assert!(restored.next_room >= live.next_room, "a number reused");
                proptest::prop_assert_eq!(&restored, &after_restart(&live));
            }
        }
    }

    #[test]
    fn a_room_reported_before_it_was_known_is_never_opened_again() {
        // E.g. the matchmaker lost its state while rooms kept playing.
        let mut mm = Matchmaker::default();
        report(&mut mm, "rps-0-0", 0, 2, 4);
        report(&mut mm, "rps-0-1", 1, 1, 2);
        assert_eq!(assign(&mut mm, None).room, "rps-0-1");
        assert_eq!(assign(&mut mm, None).room, "rps-0-2");
        assert_eq!(mm.online(), 5);
    }

    #[test]
    fn a_join_into_a_full_shard_changes_only_its_own_rows() {
        let mut mm = Matchmaker::default();
        for i in 0..100 {
            mm.assign(2, &format!("guest:{i}"), None, 0);
        }
        mm.take_changes();
        mm.assign(2, "guest:late", None, 0);
        assert_eq!(mm.next_room, 51);
        assert!(
            mm.take_changes().is_empty(),
            "room 50 is inside the block put aside: no row at all, and none of rooms or seats"
        );
    }

    /// A player asks their own shard (of `shards`) at `now`.
    fn home(mm: &mut Matchmaker, player: &str, shards: u32, now: u64) -> Answer {
        mm.ask(2, player, None, Ask::Home { shards }, now)
    }

    fn seat(room: &str, online: u64) -> Answer {
        Answer::Seat(Assignment {
            room: room.into(),
            online,
        })
    }

    #[test]
    fn a_quiet_shard_looks_next_door_before_opening_a_room() {
        let mut mm = Matchmaker::new(GameKind::Rps, 1);
        mm.take_changes();
        assert!(mm.is_quiet(0), "a shard that never opened a room is quiet");
        assert_eq!(home(&mut mm, "guest:a", 4, 0), Answer::NextDoor);
        assert!(
            mm.take_changes().is_empty(),
            "nothing reserved, nothing written"
        );
        assert_eq!(mm.online(), 0);
        // No other shard had a seat: open here.
        let opened = mm.ask(2, "guest:a", None, Ask::OpenHere, 10);
        assert_eq!(opened, seat("rps-1-0", 1));
        assert!(!mm.is_quiet(10));
        // A free seat is taken whether the shard is quiet or not.
        assert_eq!(home(&mut mm, "guest:b", 4, 2_000), seat("rps-1-0", 2));
        // Quiet again (the last room opened ≥ QUIET_MS ago) and full: next door.
        assert_eq!(home(&mut mm, "guest:c", 4, 10 + QUIET_MS), Answer::NextDoor);
    }

    #[test]
    fn a_busy_shard_opens_rooms_without_looking_next_door() {
        let mut mm = Matchmaker::new(GameKind::Rps, 1);
        mm.ask(2, "guest:a", None, Ask::OpenHere, 1_000);
        assert_eq!(home(&mut mm, "guest:b", 4, 1_100), seat("rps-1-0", 2));
        // It opened a room less than QUIET_MS ago: it is busy and opens another.
        let busy = 1_000 + QUIET_MS - 1;
        assert_eq!(home(&mut mm, "guest:c", 4, busy), seat("rps-1-1", 3));
        assert_eq!(home(&mut mm, "guest:d", 4, busy), seat("rps-1-1", 4));
        // Each room it opens keeps it busy for another QUIET_MS.
        assert_eq!(home(&mut mm, "guest:e", 4, busy + 500), seat("rps-1-2", 5));
        assert_eq!(
            home(&mut mm, "guest:f", 4, busy + 500 + QUIET_MS),
            seat("rps-1-2", 6)
        );
        assert_eq!(
            home(&mut mm, "guest:g", 4, busy + 500 + QUIET_MS),
            Answer::NextDoor
        );
    }

    #[test]
    fn a_single_shard_never_looks_next_door() {
        let mut mm = Matchmaker::new(GameKind::Rps, 0);
        assert_eq!(home(&mut mm, "guest:a", 1, 0), seat("rps-0-0", 1));
        assert_eq!(home(&mut mm, "guest:b", 1, 0), seat("rps-0-0", 2));
        assert_eq!(
            home(&mut mm, "guest:c", 1, 10 * QUIET_MS),
            seat("rps-0-1", 3)
        );
    }

    #[test]
    fn a_probe_never_opens_a_room_and_offers_own_then_free_then_bot_seats() {
        let mut mm = Matchmaker::new(GameKind::Rps, 2);
        let probe = |mm: &mut Matchmaker, player: &str| mm.ask(2, player, None, Ask::Probe, 100);
        assert_eq!(probe(&mut mm, "guest:x"), Answer::NoSeat);
        assert!(
            mm.take_changes().is_empty(),
            "a probe with no seat writes nothing"
        );
        // rps-2-0: a person playing a bot; rps-2-1: a person alone, a free seat.
        mm.ask(2, "guest:a", None, Ask::OpenHere, 0);
        mm.ask(2, "guest:b", None, Ask::OpenHere, 0);
        mm.ask(2, "guest:b2", None, Ask::OpenHere, 0);
        let room = |room: &str, free, bots, players: &[&str]| CapacityReport {
            room: room.into(),
            free,
            humans: players.len() as u64,
            away: 0,
            bots,
            version: 1,
            players: players.iter().map(|p| p.to_string()).collect(),
        };
        mm.report(&room("rps-2-0", 0, 1, &["guest:a"]), RESERVATION_MS);
        mm.report(&room("rps-2-1", 1, 0, &["guest:b"]), RESERVATION_MS);
        assert_eq!(mm.bot_rooms(), vec![("rps-2-0".to_string(), 1)]);
        // The free seat first, then the bot's; then nothing, and no room is opened.
        assert_eq!(probe(&mut mm, "guest:p"), seat("rps-2-1", 3));
        assert_eq!(probe(&mut mm, "guest:q"), seat("rps-2-0", 4));
        assert_eq!(probe(&mut mm, "guest:r"), Answer::NoSeat);
        assert_eq!(mm.listing(2).len(), 2);
        // A player this shard already seated gets their seat back, full room or not.
        assert_eq!(probe(&mut mm, "guest:p"), seat("rps-2-1", 4));
        assert_eq!(mm.room_of("guest:q").as_deref(), Some("rps-2-0"));
        // The probe's seat is a reservation like any other: the room's report confirms it.
        mm.report(
            &room("rps-2-0", 0, 0, &["guest:a", "guest:q"]),
            2 * RESERVATION_MS,
        );
        assert_eq!(probe(&mut mm, "guest:q"), seat("rps-2-0", 4));
    }

    #[test]
    fn a_pointer_sends_the_second_connection_to_the_other_shards_room() {
        let mut home_shard = Matchmaker::new(GameKind::Rps, 0);
        let mut other = Matchmaker::new(GameKind::Rps, 1);
        other.ask(2, "guest:a", None, Ask::OpenHere, 0); // a waits alone in rps-1-0
        assert_eq!(home(&mut home_shard, "guest:b", 2, 3_000), Answer::NextDoor);
        assert_eq!(
            other.ask(2, "guest:b", None, Ask::Probe, 3_000),
            seat("rps-1-0", 2)
        );
        let told = Ask::SatElsewhere { room: "rps-1-0" };
        assert_eq!(
            home_shard.ask(2, "guest:b", None, told, 3_000),
            seat("rps-1-0", 0)
        );
        let changes = home_shard.take_changes();
        assert_eq!(changes.elsewhere.len(), 1, "the pointer is written");
        assert_eq!(changes.next_room, None);
        // b's second tab, later: straight to rps-1-0, where the room hands the seat over;
        // nothing is reserved or opened here, and the other shard is not asked.
        assert_eq!(
            home(&mut home_shard, "guest:b", 2, 60_000),
            seat("rps-1-0", 0)
        );
        assert_eq!(home_shard.room_of("guest:b").as_deref(), Some("rps-1-0"));
        assert!(home_shard.listing(2).is_empty());
        // Only another shard's room of this game is recorded.
        for bad in ["rps-0-3", "dig-1-0", "rps-p-00000000000000ab", "lobby", ""] {
            let ask = Ask::SatElsewhere { room: bad };
            assert_eq!(
                home_shard.ask(2, "guest:c", None, ask, 0),
                Answer::NoSeat,
                "{bad}"
            );
        }
        assert_eq!(home_shard.room_of("guest:c"), None);
        assert!(home_shard.take_changes().is_empty());
    }

    #[test]
    fn a_refusal_by_the_other_shards_room_drops_the_pointer() {
        let mut mm = Matchmaker::new(GameKind::Rps, 0);
        let told = Ask::SatElsewhere { room: "rps-3-7" };
        mm.ask(2, "guest:b", None, told, 0);
        // A refusal by some other room leaves the pointer alone.
        let answer = mm.ask(2, "guest:b", Some("rps-2-1"), Ask::Home { shards: 4 }, 10);
        assert_eq!(answer, seat("rps-3-7", 0));
        // rps-3-7 turned b away as full: b is assigned as anyone would be.
        let answer = mm.ask(2, "guest:b", Some("rps-3-7"), Ask::Home { shards: 4 }, 20);
        assert_eq!(answer, Answer::NextDoor);
        assert_eq!(mm.room_of("guest:b"), None);
        assert_eq!(
            mm.ask(2, "guest:b", None, Ask::OpenHere, 30),
            seat("rps-0-0", 1)
        );
        // A pointer is a seat: even "open here" sends its player there, opening nothing.
        mm.ask(
            2,
            "guest:c",
            None,
            Ask::SatElsewhere { room: "rps-1-0" },
            40,
        );
        assert_eq!(
            mm.ask(2, "guest:c", None, Ask::OpenHere, 50),
            seat("rps-1-0", 1)
        );
        // A pointer replaces a seat here that the player did not end up in.
        mm.ask(
            2,
            "guest:b",
            None,
            Ask::SatElsewhere { room: "rps-1-0" },
            60,
        );
        assert_eq!(mm.room_of("guest:b").as_deref(), Some("rps-1-0"));
        // (The estimate of rps-0-0 still counts b until that room reports: b may yet
        // arrive there from a racing tab, and the room is the authority.)
        assert_eq!(mm.online(), 1);
    }

    #[test]
    fn pointers_expire_so_the_table_cannot_grow_without_bound() {
        let mut mm = Matchmaker::new(GameKind::Rps, 0);
        mm.ask(
            2,
            "guest:old",
            None,
            Ask::SatElsewhere { room: "rps-1-0" },
            0,
        );
        mm.ask(
            2,
            "guest:new",
            None,
            Ask::SatElsewhere { room: "rps-1-1" },
            1_000,
        );
        mm.take_changes();
        let just_before = POINTER_MS - 1;
        assert_eq!(
            home(&mut mm, "guest:old", 2, just_before),
            seat("rps-1-0", 0)
        );
        // A day on, the older pointer is gone (and deleted from storage) on any request.
        assert_eq!(home(&mut mm, "guest:x", 2, POINTER_MS), Answer::NextDoor);
        let changes = mm.take_changes();
        assert_eq!(changes.elsewhere, vec![("guest:old".to_string(), None)]);
        assert_eq!(mm.room_of("guest:old"), None);
        assert_eq!(mm.room_of("guest:new").as_deref(), Some("rps-1-1"));
        assert_eq!(
            home(&mut mm, "guest:new", 2, POINTER_MS + 1_000),
            Answer::NextDoor
        );
    }

    #[test]
    fn room_numbers_are_put_aside_a_block_at_a_time_and_never_handed_out_twice() {
        let mut mm = Matchmaker::default();
        let mut written = Vec::new();
        for i in 0..(2 * ROOM_NUMBER_BLOCK + 1) {
            // Each player opens a room of one seat.
            mm.assign(1, &format!("guest:{i}"), None, 0);
            written.extend(mm.take_changes().next_room);
        }
        assert_eq!(
            written,
            vec![
                ROOM_NUMBER_BLOCK,
                2 * ROOM_NUMBER_BLOCK,
                3 * ROOM_NUMBER_BLOCK
            ],
            "one row per block, each the end of its block"
        );
        // Restored from that row, the shard goes on past every number handed out.
        let stored = Stored {
            next_room: *written.last().unwrap(),
            ..Stored::default()
        };
        let mut restored = stored.restore();
        let next = restored.assign(1, "guest:after", None, 0).room;
        assert_eq!(next, format!("rps-0-{}", 3 * ROOM_NUMBER_BLOCK));
        // A report of a room past the block (it outran a lost row) moves it on.
        report(&mut restored, "rps-0-500", 0, 1, 1);
        assert_eq!(
            restored.take_changes().next_room,
            Some(500 + ROOM_NUMBER_BLOCK)
        );
        assert_eq!(assign(&mut restored, None).room, "rps-0-501");
    }

    #[test]
    fn a_restored_shard_keeps_its_pointers_and_room_numbers_and_is_quiet() {
        let mut live = Matchmaker::new(GameKind::Rps, 0);
        let mut stored = Stored::default();
        live.ask(2, "guest:a", None, Ask::OpenHere, 5_000);
        live.ask(
            2,
            "guest:b",
            None,
            Ask::SatElsewhere { room: "rps-2-4" },
            5_000,
        );
        // a arrives: the room reports them.
        let a_arrived = CapacityReport {
            room: "rps-0-0".into(),
            free: 1,
            humans: 1,
            away: 0,
            bots: 0,
            version: 1,
            players: vec!["guest:a".into()],
        };
        live.report(&a_arrived, 5_000);
        stored.apply(live.take_changes());
        let mut restored = stored.restore();
        assert_eq!(
            restored.room_of("guest:a"),
            None,
            "no rows of rooms or seats"
        );
        restored.recall([a_arrived], 5_050);
        assert_eq!(restored, after_restart(&live));
        assert_eq!(restored.room_of("guest:a").as_deref(), Some("rps-0-0"));
        assert_eq!(restored.room_of("guest:b").as_deref(), Some("rps-2-4"));
        // When it last opened a room is not stored: a shard read back is quiet, and a
        // join with no seat here looks next door first.
        assert!(restored.is_quiet(5_100));
        assert_eq!(home(&mut restored, "guest:c", 4, 5_100), seat("rps-0-0", 2));
        assert_eq!(home(&mut restored, "guest:d", 4, 5_100), Answer::NextDoor);
        // Nobody next door had a seat: it opens one, past the block of numbers.
        let opened = restored.ask(2, "guest:d", None, Ask::OpenHere, 5_100);
        assert_eq!(opened, seat(&format!("rps-0-{ROOM_NUMBER_BLOCK}"), 3));
    }
}
