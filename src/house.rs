//! Several rooms in one Durable Object: a house.
//!
//! One object per room cost every match a fresh object with its own storage, and every
//! idle room an object's memory. Measured on the platform's own floor
//! (`bench/do-per-room.sh`, BENCHMARKS.md): a fresh object per match that stores the
//! room and sets its alarm took matchmaking to about half of the floor, and the same
//! work done in one of 16 objects that each hold many rooms kept about three quarters.
//! So the rooms a matchmaker shard numbers live in one object, and that object is the
//! shard's matchmaker too ([`house_of`]): a player's connection goes to the one object
//! that picks their room and holds it, one hop, as on the floor. (With a matchmaker of
//! its own apart from its houses, each player took two: BENCHMARKS.md, session 12.)
//!
//! Each room stays the state machine it was ([`Room`]): the same events and outcomes.
//! A house adds five rules: which object a room lives in ([`house_of`]), which rooms an
//! alarm ticks ([`House::tick`]), that the object's one alarm is the earliest deadline
//! of all its rooms ([`House::handle`] reports that, not the room's own), that the
//! rooms' round records travel together (one request per stats shard for up to
//! [`MAX_ROOMS_PER_DELIVERY`] rooms, [`deliveries`]), and that a room nobody is in any
//! more leaves the house ([`Room::is_vacant`]), so a house holds the rooms in play, not
//! every room its shard ever opened.

use crate::effects::Outcome;
use crate::ids::{ConnId, RoomName};
use crate::room::{Event, Room};

/// The most rooms whose round records go out in one delivery (one request per stats
/// shard, then the rooms' confirmations, then their commit). A house's deliveries go
/// one after another, [`DELIVERY_PAUSE_MS`] apart ([`deliveries`]).
///
/// Why not the whole house at once: the 500 rooms of a burst come due together
/// (`STATS_FLUSH_MS` after their rounds), and their delivery (the shards' work on the
/// records, then 500 rooms' confirmations and their keys deleted) kept the object busy
/// for about 250 ms. The rooms still playing in the house got their results up to
/// 250 ms late: each run of `vs_rounds` whose p99 was near 250 ms had that delivery
/// inside its rounds (`DEBUG_TIMING`, BENCHMARKS.md session 18). Why not each room on
/// its own: that was 1,000 requests in one second ([`House::tick`]).
pub const MAX_ROOMS_PER_DELIVERY: usize = 25;

/// How long a house waits between two parts of a delivery: round records are
/// background work, and the rooms in play come first. Parts sent back to back, or 1 ms
/// apart, did not help: the rooms still playing waited for all of them, or for most
/// (BENCHMARKS.md session 18). With this pause a delivery of 600 rooms took 1.5–2 s,
/// and the lateness p99 of rounds it fell in was 35 ms at the median against 55 ms.
pub const DELIVERY_PAUSE_MS: u64 = 50;

/// The rooms of one tick's delivery (with their records), in parts of at most
/// [`MAX_ROOMS_PER_DELIVERY`] rooms, in order: the shell sends each part and carries
/// out its confirmations, then waits [`DELIVERY_PAUSE_MS`] before it sends the next,
/// so the rooms still playing get their turns in between.
pub fn deliveries<T>(rooms: Vec<T>) -> Vec<Vec<T>> {
    let mut parts = Vec::with_capacity(rooms.len().div_ceil(MAX_ROOMS_PER_DELIVERY));
    let mut rooms = rooms.into_iter().peekable();
    while rooms.peek().is_some() {
        parts.push(rooms.by_ref().take(MAX_ROOMS_PER_DELIVERY).collect());
    }
    parts
}

/// The object of `game`'s matchmaker shard `shard`: its matchmaker and the house of
/// every room it numbers (`rps-0` holds `rps-0-0`, `rps-0-1`, …).
pub fn shard_house(game: &str, shard: u32) -> String {
    format!("{game}-{shard}")
}

/// The name of the object `room` lives in. A room a matchmaker numbered lives with its
/// shard's matchmaker: `rps-0-40` in `rps-0`. Any other room (a private room) has an
/// object of its own, named after the room: those are opened one by one with a code,
/// never by a matchmaker, and their names are random.
pub fn house_of(room: &RoomName) -> String {
    match room.numbering() {
        Some((game, shard, _)) => shard_house(game, shard),
        None => room.as_str().to_string(),
    }
}

/// The rooms one object holds: the ones in play (a shard's live rooms, or one private
/// room), kept as a list in the order they came in.
#[derive(Debug, Default)]
pub struct House {
    rooms: Vec<Held>,
}

/// A room and its own next deadline, as of its last event. Kept beside it because the
/// house's deadline is needed after every event and a shard's house holds hundreds of
/// rooms in a burst: asking each of them again (a look at every seat) was a few
/// percent of a burst's CPU (profile, BENCHMARKS.md session 12).
#[derive(Debug)]
struct Held {
    room: Room,
    due: Option<u64>,
}

impl Held {
    fn new(room: Room) -> Held {
        let due = room.next_deadline();
        Held { room, due }
    }

    /// [`Room::handle`], noting the room's own deadline from its outcome.
    fn handle(&mut self, now: u64, heard: &[(ConnId, u64)], event: Event) -> Outcome {
        let outcome = self.room.handle(now, heard, event);
        self.due = outcome.next_deadline;
        outcome
    }
}

impl House {
    /// A house holding `rooms` (read back from storage).
    pub fn new(rooms: impl IntoIterator<Item = Room>) -> House {
        House {
            rooms: rooms.into_iter().map(Held::new).collect(),
        }
    }

    /// Takes in a new room. A room of that name already here stays as it is.
    pub fn insert(&mut self, room: Room) {
        if self.room(room.name()).is_none() {
            self.rooms.push(Held::new(room));
        }
    }

    pub fn room(&self, name: &RoomName) -> Option<&Room> {
        self.rooms
            .iter()
            .map(|h| &h.room)
            .find(|r| r.name() == name)
    }

    /// Every room here.
    pub fn rooms(&self) -> impl Iterator<Item = &Room> {
        self.rooms.iter().map(|h| &h.room)
    }

    /// How many rooms are here.
    pub fn len(&self) -> usize {
        self.rooms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// Does room `name` need to hear, for this event at `now`, when the platform last
    /// answered each of its connections' heartbeats ([`Room::wants_heard`])?
    pub fn wants_heard(&self, name: &RoomName, now: u64) -> bool {
        self.room(name).is_some_and(|r| r.wants_heard(now))
    }

    /// Hands `event` to room `name` at `now` ([`Room::handle`]). The outcome's
    /// `next_deadline` is the house's: the earliest of every room's, since the object has
    /// one alarm for all of them. A room that is not here does nothing.
    pub fn handle(
        &mut self,
        name: &RoomName,
        now: u64,
        heard: &[(ConnId, u64)],
        event: Event,
    ) -> Outcome {
        let Some(held) = self.rooms.iter_mut().find(|h| h.room.name() == name) else {
            return Outcome::default();
        };
        let mut outcome = held.handle(now, heard, event);
        self.let_go_if_vacant(name, &mut outcome);
        outcome.next_deadline = self.next_deadline();
        outcome
    }

    /// A room nobody is in any more leaves the house ([`Room::is_vacant`]); its outcome
    /// says so, so the shell deletes what is stored of it. Without this a house would
    /// hold every room its shard ever opened and read them all back after each
    /// wake-up.
    fn let_go_if_vacant(&mut self, name: &RoomName, outcome: &mut Outcome) {
        if let Some(at) = self
            .rooms
            .iter()
            .position(|h| h.room.name() == name && h.room.is_vacant())
        {
            self.rooms.remove(at);
            outcome.persist.vacated = true;
        }
    }

    /// The alarm at `now`: [`Event::Alarm`] for each room with something due, in the
    /// order they came in, with what `heard` says the platform answered for its connections
    /// (a room with something due wants to know, [`Room::wants_heard`]). The others are
    /// left alone: a tick would find nothing to do in them, and each room asked about
    /// costs a look at its sockets.
    ///
    /// When a ticked room sends its round records, every other room with records
    /// waiting sends them along ([`Event::Deliver`]), so the shell can make one request
    /// per stats shard for every [`MAX_ROOMS_PER_DELIVERY`] rooms of the house
    /// ([`deliveries`]). Rooms that settled together otherwise deliver together, each
    /// on its own: measured (bench/run.sh `versus`), the 500 rooms of a burst sent about
    /// 1,000 requests to the stats shards in the same second, 10 s later, and held up
    /// the alarms of the rooms still playing by up to a second.
    ///
    /// Every outcome's `next_deadline` is the house's after all the ticks: pointing the
    /// alarm after the first room at the next room that was due too (already past)
    /// would only make the alarm fire again at once for nothing.
    pub fn tick(
        &mut self,
        now: u64,
        mut heard: impl FnMut(&RoomName) -> Vec<(ConnId, u64)>,
    ) -> Vec<(RoomName, Outcome)> {
        let mut ticked = Vec::new();
        for held in &mut self.rooms {
            if held.due.is_none_or(|at| at > now) {
                continue;
            }
            let heard = heard(held.room.name());
            let outcome = held.handle(now, &heard, Event::Alarm);
            ticked.push((held.room.name().clone(), outcome));
        }
        if ticked.iter().any(|(_, outcome)| outcome.delivers_records()) {
            for held in &mut self.rooms {
                if held.room.has_records_waiting() {
                    let outcome = held.handle(now, &[], Event::Deliver);
                    ticked.push((held.room.name().clone(), outcome));
                }
            }
        }
        for (name, outcome) in &mut ticked {
            self.let_go_if_vacant(name, outcome);
        }
        let next = self.next_deadline();
        for (_, outcome) in &mut ticked {
            outcome.next_deadline = next;
        }
        ticked
    }

    /// When the earliest room here has something to do: where the alarm points.
    pub fn next_deadline(&self) -> Option<u64> {
        self.rooms.iter().filter_map(|h| h.due).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RoomConfig;
    use crate::seats::Profile;
    use crate::testkit::{default_settings, room, Drive};

    fn config() -> RoomConfig {
        RoomConfig {
            round_ms: 1000,
            bot_wait_ms: 500,
            heartbeat_timeout_ms: 5000,
            resume_grace_ms: 2000,
            stats_flush_ms: 0,
            handshake_ms: 0,
            durability: Default::default(),
        }
    }

    fn profile() -> Profile {
        Profile {
            name: "p".into(),
            avatar: String::new(),
        }
    }

    fn name(text: &str) -> RoomName {
        RoomName::parse(text).unwrap()
    }

    #[test]
    fn numbered_rooms_live_with_their_shards_matchmaker() {
        assert_eq!(house_of(&name("rps-0-0")), "rps-0");
        assert_eq!(house_of(&name("rps-0-40")), shard_house("rps", 0));
        assert_eq!(house_of(&name("rps-3-40")), "rps-3", "shards never share");
        assert_eq!(house_of(&name("dig-0-40")), "dig-0", "games never share");
        let private = name("rps-p-00000000000000ff");
        assert_eq!(house_of(&private), private.as_str(), "a house of its own");
        // No numbered room's house is another room's name, or another room's house.
        assert!(RoomName::parse("rps-0").unwrap().numbering().is_none());
        assert_ne!(house_of(&name("rps-0-0")), house_of(&name("rps-p-0")));
    }

    /// Two rooms, one waiting for bots (due at 500), one not due for a long while: the
    /// house's alarm is the earliest, an alarm ticks only the room that is due, and the
    /// outcome of any room's event points the alarm at the house's earliest deadline.
    #[test]
    fn the_alarm_is_the_earliest_room_and_ticks_only_rooms_that_are_due() {
        let settings = default_settings();
        let mut waiting = room("rps-0-1", config(), &settings, 1);
        let mut playing = room("rps-0-2", config(), &settings, 2);
        // A lone player: bots come at 0 + bot_wait_ms.
        waiting.connect(0, "c1", "alice", profile(), 1).unwrap();
        // Two players: a round is on, ending at about round_ms after it is released.
        playing.connect(0, "c2", "bob", profile(), 2).unwrap();
        playing.connect(0, "c3", "carol", profile(), 2).unwrap();
        let (w, p) = (waiting.next_deadline().unwrap(), playing.next_deadline());
        assert_eq!(w, 500);
        let mut house = House::new([waiting, playing.clone()]);
        assert_eq!(house.next_deadline(), Some(w.min(p.unwrap())));
        let no_heartbeats = |_: &RoomName| Vec::new();
        assert!(house.tick(499, no_heartbeats).is_empty(), "nothing due yet");

        // The waiting room's alarm fills it with a bot; its outcome's deadline is the
        // house's, which may be the other room's.
        let ticked = house.tick(500, no_heartbeats);
        assert_eq!(ticked.len(), 1, "only the room that is due");
        let (ticked_room, outcome) = &ticked[0];
        assert_eq!(ticked_room, &name("rps-0-1"));
        assert!(!outcome.effects.is_empty(), "the bot sat down");
        assert_eq!(outcome.next_deadline, house.next_deadline());
        assert!(
            outcome.next_deadline <= p,
            "never later than the other room needs"
        );
        assert_eq!(
            house.room(&name("rps-0-2")),
            Some(&playing),
            "the other room was not touched"
        );

        // Any other event's outcome points the alarm at the house's earliest too.
        let binary = Event::Binary { conn: "c2".into() };
        let outcome = house.handle(&name("rps-0-2"), 600, &[], binary);
        assert_eq!(outcome.next_deadline, house.next_deadline());
    }

    /// Two rooms due at the same alarm: both are ticked, and both outcomes point the
    /// alarm at the house's next deadline after both ticks, never at the second room's
    /// deadline that was already past when the first was ticked.
    #[test]
    fn rooms_due_together_are_ticked_in_one_alarm_that_points_past_both() {
        let settings = default_settings();
        let mut a = room("rps-0-1", config(), &settings, 1);
        let mut b = room("rps-0-2", config(), &settings, 2);
        a.connect(0, "c1", "alice", profile(), 1).unwrap();
        b.connect(10, "c2", "bob", profile(), 1).unwrap();
        let mut house = House::new([a, b]);
        let ticked = house.tick(510, |_| Vec::new());
        let names: Vec<&RoomName> = ticked.iter().map(|(n, _)| n).collect();
        assert_eq!(names, [&name("rps-0-1"), &name("rps-0-2")]);
        let next = house.next_deadline().unwrap();
        assert!(next > 510, "both rooms moved on: {next}");
        for (_, outcome) in &ticked {
            assert_eq!(outcome.next_deadline, Some(next));
        }
    }

    #[test]
    fn a_large_delivery_goes_in_parts_of_at_most_the_limit_in_order() {
        let rooms: Vec<usize> = (0..2 * MAX_ROOMS_PER_DELIVERY + 3).collect();
        let parts = deliveries(rooms.clone());
        let sizes: Vec<usize> = parts.iter().map(Vec::len).collect();
        assert_eq!(
            sizes,
            [MAX_ROOMS_PER_DELIVERY, MAX_ROOMS_PER_DELIVERY, 3],
            "full parts first, the rest last"
        );
        assert_eq!(parts.concat(), rooms, "every room once, in order");
        assert_eq!(deliveries(vec![7]), [vec![7]]);
        assert!(deliveries(Vec::<usize>::new()).is_empty());
    }

    /// Rooms whose rounds ended at different times: when the first one's records are
    /// due, the other's go along in the same alarm (one delivery for the house), and
    /// are not sent again while that delivery is unanswered.
    #[test]
    fn a_rooms_records_go_along_when_another_room_of_the_house_delivers() {
        let settings = default_settings();
        let config = RoomConfig {
            stats_flush_ms: 10_000,
            heartbeat_timeout_ms: 1_000_000,
            ..config()
        };
        let mut a = room("rps-0-1", config, &settings, 1);
        let mut b = room("rps-0-2", config, &settings, 2);
        a.connect(0, "c1", "alice", profile(), 2).unwrap();
        a.connect(0, "c2", "bob", profile(), 2).unwrap();
        b.connect(2_000, "c3", "carol", profile(), 4).unwrap();
        b.connect(2_000, "c4", "dave", profile(), 4).unwrap();
        let mut house = House::new([a, b]);
        let no_heartbeats = |_: &RoomName| Vec::new();
        // Both rounds settle; their records wait for the batching window.
        for at in [1_000, 3_000] {
            let ticked = house.tick(at, no_heartbeats);
            assert!(ticked.iter().all(|(_, o)| !o.delivers_records()));
        }
        assert!(house.room(&name("rps-0-2")).unwrap().has_records_waiting());
        // rps-0-1's records are due first: rps-0-2's go with them.
        let due = house.next_deadline().unwrap();
        assert!(due < 13_000, "rps-0-1 is due first: {due}");
        let ticked = house.tick(due, no_heartbeats);
        let delivering: Vec<&RoomName> = ticked
            .iter()
            .filter(|(_, o)| o.delivers_records())
            .map(|(n, _)| n)
            .collect();
        assert_eq!(delivering, [&name("rps-0-1"), &name("rps-0-2")]);
        // Unanswered, they are in flight: nobody sends them again before the retry.
        assert!(!house.room(&name("rps-0-2")).unwrap().has_records_waiting());
        assert!(house.tick(13_000, no_heartbeats).is_empty());
        for (room, outcome) in &ticked {
            assert_eq!(outcome.next_deadline, house.next_deadline(), "{room}");
        }
    }

    /// The platform's heartbeat times are asked for only for rooms that are due.
    #[test]
    fn a_tick_asks_for_heartbeats_only_of_rooms_that_are_due() {
        let settings = default_settings();
        let mut quiet = room("rps-0-1", config(), &settings, 1);
        quiet.connect(0, "c1", "alice", profile(), 1).unwrap();
        let mut house = House::new([quiet, room("rps-0-2", config(), &settings, 2)]);
        let mut asked = Vec::new();
        house.tick(500, |room| {
            asked.push(room.clone());
            vec![("c1".to_string(), 400)]
        });
        assert_eq!(asked, [name("rps-0-1")]);
    }

    #[test]
    fn an_event_for_a_room_that_is_not_here_does_nothing() {
        let mut house = House::default();
        let outcome = house.handle(&name("rps-0-1"), 0, &[], Event::Alarm);
        assert_eq!(outcome, Outcome::default());
        assert_eq!(house.next_deadline(), None);
        assert!(house.is_empty());
    }

    /// The last person leaves: the room leaves the house (its outcome says so, for
    /// the shell to delete it), the house's alarm no longer counts it, and an event for
    /// it does nothing. A room that still owes the stats shards its records stays until
    /// they are confirmed. A private room stays, empty or not.
    #[test]
    fn a_room_nobody_is_in_leaves_the_house_once_its_records_are_in() {
        let settings = default_settings();
        let config = RoomConfig {
            resume_grace_ms: 0,
            heartbeat_timeout_ms: 1_000_000,
            stats_flush_ms: 10_000,
            ..config()
        };
        let mut lone = room("rps-0-1", config, &settings, 1);
        let mut pair = room("rps-0-2", config, &settings, 2);
        lone.connect(0, "c1", "alice", profile(), 1).unwrap();
        pair.connect(0, "c2", "bob", profile(), 3).unwrap();
        pair.connect(0, "c3", "carol", profile(), 3).unwrap();
        let mut house = House::new([lone, pair]);

        let left = house.handle(
            &name("rps-0-1"),
            100,
            &[],
            Event::Closed { conn: "c1".into() },
        );
        assert!(left.persist.vacated, "nobody is left in rps-0-1");
        assert!(house.room(&name("rps-0-1")).is_none());
        assert_eq!(house.len(), 1);
        let again = house.handle(&name("rps-0-1"), 200, &[], Event::Alarm);
        assert_eq!(again, Outcome::default(), "a room that left does nothing");

        // A round of rps-0-2 settles (its record waits to be sent), then both leave.
        let round_ends = house.next_deadline().unwrap();
        house.tick(round_ends, |_| Vec::new());
        assert!(house.room(&name("rps-0-2")).unwrap().has_records_waiting());
        for conn in ["c2", "c3"] {
            let at = round_ends + 10;
            let outcome = house.handle(
                &name("rps-0-2"),
                at,
                &[],
                Event::Closed { conn: conn.into() },
            );
            assert!(!outcome.persist.vacated, "its record is not in yet");
        }
        // The record goes out when due, and is confirmed: now the room goes.
        let due = house.next_deadline().unwrap();
        let ticked = house.tick(due, |_| Vec::new());
        assert!(ticked.iter().any(|(_, o)| o.delivers_records()));
        let round_ids = house.room(&name("rps-0-2")).unwrap().outbox().iter();
        let round_ids = round_ids.map(|r| r.round_id.clone()).collect();
        let confirmed = house.handle(
            &name("rps-0-2"),
            due + 10,
            &[],
            Event::Recorded { round_ids },
        );
        assert!(confirmed.persist.vacated);
        assert!(house.is_empty());
        assert_eq!(house.next_deadline(), None, "nothing left to wake for");

        // A private room is kept empty: its code still leads to it.
        let mut private = room("rps-p-00000000000000ff", config, &settings, 4);
        let code = crate::ids::Code::parse("ABCD23").unwrap();
        let privatise = Event::Privatise(crate::game::Privacy { code, bots: false });
        let _ = private.handle(0, &[], privatise);
        let mut house = House::new([private]);
        let outcome = house.handle(&name("rps-p-00000000000000ff"), 10, &[], Event::Alarm);
        assert!(!outcome.persist.vacated);
        assert_eq!(house.len(), 1);
    }

    #[test]
    fn a_room_taken_in_twice_keeps_the_first() {
        let settings = default_settings();
        let mut first = room("rps-0-1", config(), &settings, 1);
        first.connect(0, "c1", "alice", profile(), 1).unwrap();
        let mut house = House::new([first.clone()]);
        house.insert(room("rps-0-1", config(), &settings, 9));
        assert_eq!(house.room(&name("rps-0-1")), Some(&first));
    }
}
