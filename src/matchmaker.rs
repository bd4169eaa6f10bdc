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

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::games::GameKind;
use crate::ids::RoomName;

// Room names are `<game>-<shard>-<n>` (`rps-0-3`, `dig-2-0`); `n` orders a shard's
// rooms by age. Each game has its own matchmakers.
/// How long a seat reserved for a player counts even though the room's reports do not
/// list them yet (their connection is still on its way to the room).
const RESERVATION_MS: u64 = 10_000;

/// Where the matchmaker sent a player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub room: String,
    /// People seated across all rooms (bots not counted), including this one.
    pub online: u64,
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
/// write (`Some`) or delete (`None`). The state grows with the number of players, so
/// storing it whole after every join would make a burst of N joins cost O(N²); only the
/// rows a request touched are written instead.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// The next room number, when it moved.
    pub next_room: Option<u64>,
    pub rooms: Vec<(u64, Option<RoomEstimate>)>,
    pub seats: Vec<(String, Option<Seating>)>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.next_room.is_none() && self.rooms.is_empty() && self.seats.is_empty()
    }
}

/// The matchmaker's whole state. The shell stores it row by row ([`Changes`]) and
/// rebuilds it with [`Matchmaker::restore`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Matchmaker {
    /// The game whose rooms this matchmaker fills.
    game: GameKind,
    /// Which shard this is; its rooms are named `<game>-<shard>-<n>`.
    shard: u32,
    next_room: u64,
    /// Every room with people in it, oldest first.
    rooms: BTreeMap<u64, RoomEstimate>,
    /// Which room each seated player is in.
    seated: BTreeMap<String, Seating>,
    /// Rows touched since the last [`Matchmaker::take_changes`].
    dirty: Dirty,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Dirty {
    next_room: bool,
    rooms: BTreeSet<u64>,
    seats: BTreeSet<String>,
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
    /// wrote, read back.
    pub fn restore(
        game: GameKind,
        shard: u32,
        next_room: u64,
        rooms: impl IntoIterator<Item = (u64, RoomEstimate)>,
        seats: impl IntoIterator<Item = (String, Seating)>,
    ) -> Matchmaker {
        // Inserted one by one rather than collected: `collect` into a BTreeMap sorts
        // first, and that sort would be one more monomorphised copy in the wasm.
        let mut room_map = BTreeMap::new();
        for (n, estimate) in rooms {
            room_map.insert(n, estimate);
        }
        let rooms = room_map;
        let mut seated = BTreeMap::new();
        for (player, seating) in seats {
            seated.insert(player, seating);
        }
        // Never below a stored room's number + 1: no number is handed out twice.
        let next_room = rooms
            .keys()
            .next_back()
            .map_or(next_room, |&last| next_room.max(last + 1));
        Matchmaker {
            game,
            shard,
            next_room,
            rooms,
            seated,
            dirty: Dirty::default(),
        }
    }

    /// The rows changed since the last call, with their current values.
    pub fn take_changes(&mut self) -> Changes {
        let dirty = std::mem::take(&mut self.dirty);
        Changes {
            next_room: dirty.next_room.then_some(self.next_room),
            rooms: dirty
                .rooms
                .into_iter()
                .map(|n| (n, self.rooms.get(&n).copied()))
                .collect(),
            seats: dirty
                .seats
                .into_iter()
                .map(|p| {
                    let seating = self.seated.get(&p).copied();
                    (p, seating)
                })
                .collect(),
        }
    }

    /// Picks a room for `player` in rooms of `size` seats at time `now`: the room they
    /// already sit in, else the oldest room with a free seat, else the oldest where a
    /// bot holds a seat (people before bots: they take it at the next round boundary),
    /// else a new one. `refused` names a room that just turned this player away because
    /// it was full.
    pub fn assign(
        &mut self,
        size: usize,
        player: &str,
        refused: Option<&str>,
        now: u64,
    ) -> Assignment {
        if let Some(number) = refused.and_then(|r| self.room_number(r)) {
            if self.seated.get(player).is_some_and(|s| s.room == number) {
                self.seated.remove(player);
                self.dirty.seats.insert(player.to_string());
            }
            if let Some(estimate) = self.rooms.get_mut(&number) {
                self.dirty.rooms.insert(number);
                // The room is full, and this player is not in it: neither the seat
                // reserved for them nor the one a report said they held.
                estimate.free = 0;
                estimate.bots = 0;
                estimate.humans = estimate.humans.saturating_sub(1);
            }
        }
        if let Some(seating) = self.seated.get(player) {
            if self.rooms.contains_key(&seating.room) {
                return Assignment {
                    room: self.room_name(seating.room),
                    online: self.online(),
                };
            }
        }
        let open = self.rooms.iter().find(|(_, e)| e.free > 0);
        // A bot's seat is worth taking only where a person is there to play: not in a
        // room whose people are all away (they may never come back).
        let with_bot = || {
            self.rooms
                .iter()
                .find(|(_, e)| e.bots > 0 && e.humans > e.away)
        };
        let number = match open.or_else(with_bot) {
            Some((&number, _)) => number,
            None => {
                let number = self.next_room;
                self.next_room += 1;
                self.dirty.next_room = true;
                self.rooms.insert(
                    number,
                    RoomEstimate {
                        free: size,
                        ..RoomEstimate::default()
                    },
                );
                number
            }
        };
        if let Some(estimate) = self.rooms.get_mut(&number) {
            match estimate.free {
                0 => estimate.bots = estimate.bots.saturating_sub(1),
                _ => estimate.free -= 1,
            }
            estimate.humans += 1;
            self.dirty.rooms.insert(number);
        }
        if !player.is_empty() {
            let seating = Seating {
                room: number,
                reserved_at: Some(now),
            };
            self.seated.insert(player.to_string(), seating);
            self.dirty.seats.insert(player.to_string());
        }
        Assignment {
            room: self.room_name(number),
            online: self.online(),
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
        if number >= self.next_room {
            // A room this matchmaker has no record of opening (its state was lost, or
            // the report outran it): never open another under the same number.
            self.next_room = number + 1;
            self.dirty.next_room = true;
        }
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
        self.dirty.rooms.insert(number);
        // Players the room lists sit there; players it does not list have left,
        // unless their reservation is so fresh that they may not have arrived yet.
        let dirty_seats = &mut self.dirty.seats;
        self.seated.retain(|player, s| {
            let stays = s.room != number
                || report.players.contains(player)
                || s.reserved_at.is_some_and(|at| now < at + RESERVATION_MS);
            if !stays {
                dirty_seats.insert(player.clone());
            }
            stays
        });
        for player in &report.players {
            let confirmed = Seating {
                room: number,
                reserved_at: None,
            };
            if self.seated.insert(player.clone(), confirmed) != Some(confirmed) {
                self.dirty.seats.insert(player.clone());
            }
        }
        if humans == 0 {
            self.rooms.remove(&number);
        }
    }

    /// The room `player` sits in, as far as the matchmaker knows.
    pub fn room_of(&self, player: &str) -> Option<String> {
        let seating = self.seated.get(player)?;
        self.rooms
            .contains_key(&seating.room)
            .then(|| self.room_name(seating.room))
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
        rooms: BTreeMap<u64, RoomEstimate>,
        seats: BTreeMap<String, Seating>,
    }

    impl Stored {
        fn apply(&mut self, changes: Changes) {
            if let Some(next) = changes.next_room {
                self.next_room = next;
            }
            for (n, row) in changes.rooms {
                match row {
                    Some(e) => self.rooms.insert(n, e),
                    None => self.rooms.remove(&n),
                };
            }
            for (p, row) in changes.seats {
                match row {
                    Some(s) => self.seats.insert(p, s),
                    None => self.seats.remove(&p),
                };
            }
        }

        fn restore(&self) -> Matchmaker {
            Matchmaker::restore(
                GameKind::Rps,
                0,
                self.next_room,
                self.rooms.clone(),
                self.seats.clone(),
            )
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Assign {
            player: u8,
            refused: Option<u8>,
        },
        Report {
            room: u8,
            players: Vec<u8>,
            version: u8,
        },
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            (0u8..12, proptest::option::of(0u8..6))
                .prop_map(|(player, refused)| Op::Assign { player, refused }),
            (0u8..6, proptest::collection::vec(0u8..12, 0..3), 0u8..8).prop_map(
                |(room, players, version)| Op::Report {
                    room,
                    players,
                    version
                }
            ),
        ]
    }

    proptest::proptest! {
        /// Storing only the rows each request touched loses nothing: after any run of
        /// joins, refusals and reports, what storage holds restores the same matchmaker,
        /// which then answers the next join the same way.
        #[test]
        fn stored_changes_restore_the_same_matchmaker(
            ops in proptest::collection::vec(op(), 1..60),
        ) {
            let mut live = Matchmaker::default();
            let mut stored = Stored::default();
            for (t, op) in ops.into_iter().enumerate() {
                let now = t as u64 * 1_000;
                match op {
                    Op::Assign { player, refused } => {
                        let refused = refused.map(|r| format!("rps-0-{r}"));
                        live.assign(2, &format!("guest:{player}"), refused.as_deref(), now);
                    }
                    Op::Report { room, players, version } => {
                        let players: Vec<String> =
                            players.iter().map(|p| format!("guest:{p}")).collect();
                        let report = CapacityReport {
                            room: format!("rps-0-{room}"),
                            free: 2usize.saturating_sub(players.len()),
                            humans: players.len() as u64,
                            away: 0,
                            bots: 0,
                            version: u64::from(version),
                            players,
                        };
                        live.report(&report, now);
                    }
                }
                stored.apply(live.take_changes());
                proptest::prop_assert_eq!(&stored.restore(), &live);
            }
            let mut restored = stored.restore();
            proptest::prop_assert_eq!(
                restored.assign(2, "guest:new", None, u64::MAX / 2),
                live.assign(2, "guest:new", None, u64::MAX / 2)
            );
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
        let changes = mm.take_changes();
        assert_eq!(changes.next_room, Some(51));
        assert_eq!(changes.rooms.len(), 1, "one room written, not fifty");
        assert_eq!(changes.seats.len(), 1, "one seat written, not a hundred");
        assert!(mm.take_changes().is_empty());
    }
}
