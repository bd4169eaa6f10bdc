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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Prefix of every room name; the number after it orders rooms by age.
const ROOM_PREFIX: &str = "rps-";

/// Where the matchmaker sent a player.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub room: String,
    /// People seated across all rooms (bots not counted), including this one.
    pub online: u64,
}

/// Body of the Worker's `POST /assign` to the matchmaker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    /// The room that just refused this player because it was full, if any.
    pub refused: Option<String>,
}

/// Body of a room's `POST /report` to the matchmaker (see [`crate::room::Effect::Capacity`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapacityReport {
    pub room: String,
    pub free: usize,
    pub humans: u64,
    pub version: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
struct RoomEstimate {
    free: usize,
    humans: u64,
    version: u64,
}

/// The matchmaker's whole state; persisted after each change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Matchmaker {
    next_room: u64,
    /// Every room with people in it, oldest first.
    rooms: BTreeMap<u64, RoomEstimate>,
}

impl Matchmaker {
    /// Picks a room for one player in rooms of `size` seats. `refused` names a room
    /// that just turned this player away because it was full.
    pub fn assign(&mut self, size: usize, refused: Option<&str>) -> Assignment {
        if let Some(number) = refused.and_then(room_number) {
            if let Some(estimate) = self.rooms.get_mut(&number) {
                // The reservation made for this player did not happen.
                estimate.free = 0;
                estimate.humans = estimate.humans.saturating_sub(1);
            }
        }
        let number = match self.rooms.iter().find(|(_, e)| e.free > 0) {
            Some((&number, _)) => number,
            None => {
                let number = self.next_room;
                self.next_room += 1;
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
            estimate.free -= 1;
            estimate.humans += 1;
        }
        Assignment {
            room: room_name(number),
            online: self.online(),
        }
    }

    /// A room reports its free seats and the people in it. Reports older than the
    /// last one seen from that room are ignored; an empty room is forgotten.
    pub fn report(&mut self, room: &str, free: usize, humans: u64, version: u64) {
        let Some(number) = room_number(room) else {
            return;
        };
        let estimate = self.rooms.entry(number).or_default();
        if version < estimate.version {
            return;
        }
        *estimate = RoomEstimate {
            free,
            humans,
            version,
        };
        if humans == 0 {
            self.rooms.remove(&number);
        }
    }

    /// People seated across all rooms, as far as the matchmaker knows.
    pub fn online(&self) -> u64 {
        self.rooms.values().map(|e| e.humans).sum()
    }

    /// Rooms with at least one free seat, oldest first, with their free seats.
    pub fn open_rooms(&self) -> Vec<(String, usize)> {
        self.rooms
            .iter()
            .filter(|(_, e)| e.free > 0)
            .map(|(&n, e)| (room_name(n), e.free))
            .collect()
    }
}

fn room_name(number: u64) -> String {
    format!("{ROOM_PREFIX}{number}")
}

fn room_number(room: &str) -> Option<u64> {
    room.strip_prefix(ROOM_PREFIX)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn fills_the_first_room_before_opening_another() {
        let mut mm = Matchmaker::default();
        let rooms: Vec<String> = (0..5).map(|_| mm.assign(2, None).room).collect();
        assert_eq!(rooms, ["rps-0", "rps-0", "rps-1", "rps-1", "rps-2"]);
        assert_eq!(mm.online(), 5);
    }

    #[test]
    fn twenty_joins_make_ten_full_rooms() {
        let mut mm = Matchmaker::default();
        let mut per_room: HashMap<String, usize> = HashMap::new();
        for _ in 0..20 {
            *per_room.entry(mm.assign(2, None).room).or_default() += 1;
        }
        assert_eq!(per_room.len(), 10);
        assert!(per_room.values().all(|&n| n == 2));
        assert!(mm.open_rooms().is_empty());
    }

    #[test]
    fn rooms_of_three() {
        let mut mm = Matchmaker::default();
        let rooms: Vec<String> = (0..4).map(|_| mm.assign(3, None).room).collect();
        assert_eq!(rooms, ["rps-0", "rps-0", "rps-0", "rps-1"]);
    }

    #[test]
    fn a_freed_seat_is_offered_before_a_new_room() {
        let mut mm = Matchmaker::default();
        for _ in 0..4 {
            mm.assign(2, None);
        }
        // Someone left rps-0: it is older than any new room, so it is filled first.
        mm.report("rps-0", 1, 1, 1);
        assert_eq!(mm.assign(2, None).room, "rps-0");
        assert_eq!(mm.assign(2, None).room, "rps-2");
    }

    #[test]
    fn a_late_report_cannot_undo_a_newer_one() {
        let mut mm = Matchmaker::default();
        mm.assign(2, None);
        mm.report("rps-0", 0, 1, 2); // bots sat down
        mm.report("rps-0", 1, 1, 1); // older news: ignored
        assert_eq!(mm.assign(2, None).room, "rps-1");
    }

    #[test]
    fn a_refusal_closes_the_room_and_retries_elsewhere() {
        let mut mm = Matchmaker::default();
        mm.assign(2, None);
        mm.assign(2, None);
        mm.report("rps-0", 1, 1, 1); // someone left rps-0 …
        assert_eq!(mm.assign(2, None).room, "rps-0");
        // … but bots took the seat before that player arrived, and the room said no.
        let retry = mm.assign(2, Some("rps-0"));
        assert_eq!(retry.room, "rps-1");
        assert_eq!(retry.online, 2, "the refused reservation is not counted");
        assert_eq!(mm.open_rooms(), vec![("rps-1".to_string(), 1)]);
    }

    #[test]
    fn empty_rooms_are_forgotten_and_garbage_reports_ignored() {
        let mut mm = Matchmaker::default();
        mm.assign(2, None);
        mm.report("rps-0", 2, 0, 1);
        assert_eq!(mm.online(), 0);
        mm.report("lobby", 1, 1, 9);
        mm.report("rps-x", 1, 1, 9);
        assert!(mm.open_rooms().is_empty());
        assert_eq!(mm.assign(2, None).room, "rps-1");
    }
}
