//! Private rooms: the codes friends share, and who may try one.
//!
//! `POST /api/rooms` opens a room no stranger is matched into and gives it a code: six
//! characters, easy to read aloud (no `0`/`O`/`1`/`I`). `/ws?join=<code>` seats you in
//! it. The directory of codes lives in one Durable Object (private rooms are opened and
//! joined once per game, far below one object's request budget); this module is its
//! rules, over one code's [`Invite`] and one player's [`Tries`] at a time, so the object
//! reads and writes only those.
//!
//! A code lives while its room has someone in it, and for the resume window after the
//! room empties (a creator who opened a room and has not come in yet counts as empty
//! from the moment it opened). Failed joins count against the player who tried: a few
//! mistyped codes are fine, guessing is not.

use serde::{Deserialize, Serialize};

use crate::games::GameKind;
use crate::ids::{Code, PlayerId, RoomName};

/// Failed joins a player may make in [`TRIES_WINDOW_MS`] …
pub const MAX_FAILED_TRIES: u32 = 10;
/// … a window that starts at their first failure.
pub const TRIES_WINDOW_MS: u64 = 10 * 60 * 1000;

/// One private room's entry in the directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    pub code: Code,
    pub game: GameKind,
    pub room: RoomName,
    /// Who opened it.
    pub creator: PlayerId,
    /// The creator asked for bots (a private room gets none otherwise).
    pub bots: bool,
    /// Since when nobody is in the room (`None` while someone is).
    pub empty_since: Option<u64>,
}

impl Invite {
    /// The entry of a private room of `game` called `room`, opened by `creator` at
    /// `now` (empty until someone comes in).
    pub fn new(
        code: Code,
        game: GameKind,
        room: RoomName,
        creator: &str,
        bots: bool,
        now: u64,
    ) -> Invite {
        Invite {
            code,
            game,
            room,
            creator: creator.to_string(),
            bots,
            empty_since: Some(now),
        }
    }

    /// May a new room take the code of `existing` (its entry, if the code was ever
    /// handed out)? Only once that room's code has expired.
    pub fn code_free(existing: Option<&Invite>, now: u64, grace_ms: u64) -> bool {
        existing.is_none_or(|old| old.expired(now, grace_ms))
    }

    /// The code no longer opens anything: its room has been empty for the grace window.
    pub fn expired(&self, now: u64, grace_ms: u64) -> bool {
        self.empty_since
            .is_some_and(|since| since.saturating_add(grace_ms) <= now)
    }

    /// When the code expires if nobody comes in (`None` while someone is in the room).
    pub fn expires_at(&self, grace_ms: u64) -> Option<u64> {
        self.empty_since.map(|since| since.saturating_add(grace_ms))
    }

    /// The room says how many people are in it now.
    pub fn occupied_by(&mut self, people: u64, now: u64) {
        self.empty_since = match (people, self.empty_since) {
            (0, None) => Some(now),
            (0, since) => since,
            _ => None,
        };
    }
}

/// A player's failed joins.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tries {
    /// When the window of the failures counted began.
    pub since: u64,
    pub failed: u32,
}

impl Tries {
    /// How long `player` must wait before trying a code again, if at all.
    pub fn wait_ms(&self, now: u64) -> Option<u64> {
        let ends = self.since.saturating_add(TRIES_WINDOW_MS);
        (self.failed >= MAX_FAILED_TRIES && now < ends).then(|| ends - now)
    }

    /// One more failed join at `now`.
    pub fn failed_at(self, now: u64) -> Tries {
        match now >= self.since.saturating_add(TRIES_WINDOW_MS) || self.failed == 0 {
            true => Tries {
                since: now,
                failed: 1,
            },
            false => Tries {
                since: self.since,
                failed: self.failed + 1,
            },
        }
    }
}

/// What a join by code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Invite),
    /// No room has that code, or it expired (one answer, so a guesser learns nothing).
    Unknown,
    /// Too many failed joins lately: try again in this many ms.
    Wait(u64),
}

/// A join by `code` from a player whose failed joins are `tries`: what it finds, and
/// the player's tries afterwards (a failure counts).
pub fn look_up(invite: Option<&Invite>, tries: Tries, now: u64, grace_ms: u64) -> (Lookup, Tries) {
    if let Some(wait) = tries.wait_ms(now) {
        return (Lookup::Wait(wait), tries);
    }
    match invite.filter(|i| !i.expired(now, grace_ms)) {
        Some(invite) => (Lookup::Found(invite.clone()), tries),
        None => (Lookup::Unknown, tries.failed_at(now)),
    }
}

/// The name of a new private room of `game`: random, and unrelated to its code, so a
/// room's name (seen by the people in it) never gives its code away to anyone else.
pub fn private_room_name(game: GameKind, random: u64) -> RoomName {
    RoomName::private(game.name(), random)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: u64 = 30_000;

    fn opened(now: u64) -> Invite {
        let code = Code::parse("ABCDEF").unwrap();
        let room = private_room_name(GameKind::Rps, 7);
        Invite::new(code, GameKind::Rps, room, "guest:me", false, now)
    }

    #[test]
    fn a_code_lives_while_its_room_has_people_and_a_grace_window_after() {
        let mut invite = opened(1_000);
        assert_eq!(
            invite.expires_at(GRACE),
            Some(1_000 + GRACE),
            "nobody came yet"
        );
        invite.occupied_by(1, 5_000);
        assert!(!invite.expired(1_000_000, GRACE), "someone is in");
        assert_eq!(invite.expires_at(GRACE), None);
        invite.occupied_by(0, 60_000);
        invite.occupied_by(0, 70_000); // a later report of the same emptiness
        assert!(!invite.expired(60_000 + GRACE - 1, GRACE));
        assert!(invite.expired(60_000 + GRACE, GRACE));
        // An expired code may be handed out again; a live one may not.
        assert!(Invite::code_free(None, 1, GRACE));
        assert!(!Invite::code_free(Some(&opened(0)), 1, GRACE));
        assert!(Invite::code_free(Some(&invite), 60_000 + GRACE, GRACE));
    }

    #[test]
    fn failed_joins_are_limited_per_player() {
        let mut invite = opened(0);
        invite.occupied_by(1, 0); // the creator is in: the code lives
        let mut tries = Tries::default();
        let mut now = 10;
        for _ in 0..MAX_FAILED_TRIES {
            let (found, after) = look_up(None, tries, now, GRACE);
            assert_eq!(found, Lookup::Unknown);
            tries = after;
            now += 1_000;
        }
        // Out of tries: even a right code waits, and waiting does not count.
        let (found, after) = look_up(Some(&invite), tries, now, GRACE);
        let Lookup::Wait(wait) = found else {
            panic!("{found:?}")
        };
        assert_eq!(after, tries);
        assert_eq!(now + wait, 10 + TRIES_WINDOW_MS);
        // After the window, the tries start over.
        let (found, _) = look_up(Some(&invite), tries, now + wait, GRACE);
        assert!(matches!(found, Lookup::Found(_)));
        let (_, fresh) = look_up(None, tries, now + wait, GRACE);
        assert_eq!(fresh.failed, 1);
        // An expired code is simply unknown, and counts as a failure.
        let (found, after) = look_up(Some(&opened(0)), Tries::default(), GRACE, GRACE);
        assert_eq!((found, after.failed), (Lookup::Unknown, 1));
    }
}
