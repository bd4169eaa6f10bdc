//! Who is in a room: seats and the people, bots or forfeits holding them, spectators,
//! and each connection's frame budget.
//!
//! A seat outlives its connection. A dropped or silent connection turns its seat *away*
//! for a grace window, during which the player can resume and receives what they
//! missed; only then, or when they leave, is the seat released. The room
//! ([`crate::room`]) moves seats between these states; games see them through
//! [`crate::game::Table`].

use serde::{Deserialize, Serialize};

use crate::effects::{Effect, Frame};
use crate::ids::{ConnId, PlayerId, ResumeToken};

/// A player's public face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub avatar: String,
}

/// Frames kept for an away seat, to replay when it resumes (the oldest go first).
pub const MAX_MISSED_FRAMES: usize = 16;

/// Per-connection rate limit, a token bucket: a burst of this many frames …
const BURST_FRAMES: u64 = 20;
/// … refilled at this rate. A person taps far slower; a script floods far faster.
const FRAMES_PER_SECOND: u64 = 10;
/// Frames over the limit answered with `rate_limited` before the connection is closed
/// with 1008.
const FRAMES_OVER_BEFORE_CLOSE: u64 = 10;

/// What the rate limiter says about one more frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowance {
    Ok,
    /// Over the limit: refuse this frame.
    Over,
    /// Far over it: close the connection.
    Close,
}

/// A connection's token bucket, in thousandths of a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bucket {
    milli: u64,
    at: u64,
    over: u64,
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket::full(0)
    }
}

impl Bucket {
    pub fn full(now: u64) -> Bucket {
        Bucket {
            milli: BURST_FRAMES * 1000,
            at: now,
            over: 0,
        }
    }

    /// Charges one frame at `now`.
    pub fn take(&mut self, now: u64) -> Allowance {
        let refill = now
            .saturating_sub(self.at)
            .saturating_mul(FRAMES_PER_SECOND);
        self.milli = (self.milli.saturating_add(refill)).min(BURST_FRAMES * 1000);
        self.at = self.at.max(now);
        if self.milli >= 1000 {
            self.milli -= 1000;
            self.over = 0;
            Allowance::Ok
        } else {
            self.over += 1;
            if self.over > FRAMES_OVER_BEFORE_CLOSE {
                Allowance::Close
            } else {
                Allowance::Over
            }
        }
    }
}

/// Who holds a seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Occupant {
    /// A person with a live connection, last heard from at `last_seen`.
    Human {
        conn: ConnId,
        last_seen: u64,
        #[serde(default)]
        bucket: Bucket,
    },
    /// A person whose connection dropped; the seat is theirs until `until`.
    Away { until: u64 },
    /// A bot the game seated.
    Bot,
    /// Released during a round: stays in it (and so loses) until the game frees it.
    Gone,
}

/// One seat and whoever holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub occupant: Occupant,
    /// Whose seat this is (empty for bots).
    #[serde(default)]
    pub player: PlayerId,
    pub profile: Profile,
    /// The secret that takes this seat back (`None` for bots).
    #[serde(with = "token_or_empty")]
    pub token: Option<ResumeToken>,
    /// Frames the game keeps for an away seat, replayed on resume, as the JSON text
    /// that goes on the wire (the room never reads them back).
    pub missed: Vec<String>,
}

impl Seat {
    /// A person's seat, connected as `conn` since `now`.
    pub fn person(
        conn: ConnId,
        now: u64,
        player: &str,
        token: ResumeToken,
        profile: Profile,
    ) -> Seat {
        Seat {
            occupant: Occupant::Human {
                conn,
                last_seen: now,
                bucket: Bucket::full(now),
            },
            player: player.to_string(),
            profile,
            token: Some(token),
            missed: Vec::new(),
        }
    }

    /// A bot's seat.
    pub fn bot(profile: Profile) -> Seat {
        Seat {
            occupant: Occupant::Bot,
            player: String::new(),
            profile,
            token: None,
            missed: Vec::new(),
        }
    }

    /// The live connection holding this seat, if any.
    pub fn conn(&self) -> Option<&ConnId> {
        match &self.occupant {
            Occupant::Human { conn, .. } => Some(conn),
            _ => None,
        }
    }

    pub fn is_bot(&self) -> bool {
        matches!(self.occupant, Occupant::Bot)
    }

    pub fn is_away(&self) -> bool {
        matches!(self.occupant, Occupant::Away { .. })
    }

    pub fn is_forfeit(&self) -> bool {
        matches!(self.occupant, Occupant::Gone)
    }

    /// A person holds this seat, connected or away.
    pub fn is_person(&self) -> bool {
        matches!(
            self.occupant,
            Occupant::Human { .. } | Occupant::Away { .. }
        )
    }

    /// Keeps `frame` for this seat's player to see when they resume.
    pub fn keep(&mut self, frame: &Frame) {
        if self.missed.len() == MAX_MISSED_FRAMES {
            self.missed.remove(0);
        }
        self.missed.push(frame.text().to_string());
    }
}

/// Rooms stored before tokens were typed kept `""` for "no token".
mod token_or_empty {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::ids::ResumeToken;

    pub fn serialize<S: Serializer>(token: &Option<ResumeToken>, s: S) -> Result<S::Ok, S::Error> {
        token.as_ref().map_or("", ResumeToken::as_str).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ResumeToken>, D::Error> {
        Ok(ResumeToken::parse(&String::deserialize(d)?))
    }
}

/// A read-only connection: sees what players see, plays nothing; or a person waiting
/// to take a bot's seat ([`Claim`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spectator {
    pub conn: ConnId,
    pub last_seen: u64,
    #[serde(default)]
    pub bucket: Bucket,
    /// Set for a person who arrived while a bot held a seat: people before bots. They
    /// watch the round in progress and take the seat at the next round boundary, when
    /// the bot leaves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
}

/// A person's claim on a seat a bot holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The bot's seat they will take (another bot's, if that one is gone by then).
    pub seat: usize,
    pub player: PlayerId,
    pub profile: Profile,
    /// The seat's resume token, handed out in `hi` already.
    pub token: ResumeToken,
}

/// The claims among `spectators`.
pub fn claims(spectators: &[Spectator]) -> impl Iterator<Item = &Claim> {
    spectators.iter().filter_map(|s| s.claim.as_ref())
}

/// Seats a bot holds that nobody has claimed yet: open to the next person.
pub fn open_bot_seats(seats: &[Option<Seat>], spectators: &[Spectator]) -> Vec<usize> {
    (0..seats.len())
        .filter(|&i| seats[i].as_ref().is_some_and(Seat::is_bot))
        .filter(|i| claims(spectators).all(|c| c.seat != *i))
        .collect()
}

/// Seats nobody holds.
pub fn free_seats(seats: &[Option<Seat>]) -> usize {
    seats.iter().filter(|s| s.is_none()).count()
}

/// People seated (connected or away).
pub fn people(seats: &[Option<Seat>]) -> usize {
    seats.iter().flatten().filter(|s| s.is_person()).count()
}

/// People seated whose connection dropped (held for a resume).
pub fn away(seats: &[Option<Seat>]) -> usize {
    seats.iter().flatten().filter(|s| s.is_away()).count()
}

/// The people in the room (seated, connected or away, then those with a claim on a
/// bot's seat), in seat order.
pub fn players(seats: &[Option<Seat>], spectators: &[Spectator]) -> Vec<PlayerId> {
    seats
        .iter()
        .flatten()
        .filter(|s| s.is_person())
        .map(|s| s.player.clone())
        .chain(claims(spectators).map(|c| c.player.clone()))
        .collect()
}

/// What a room's matchmaker hears of its seats ([`Effect::Capacity`]) as of now, under
/// capacity report number `version`.
pub fn capacity(seats: &[Option<Seat>], spectators: &[Spectator], version: u64) -> Effect {
    let players = players(seats, spectators);
    Effect::Capacity {
        free: free_seats(seats),
        humans: players.len() as u64,
        away: away(seats) as u64,
        bots: open_bot_seats(seats, spectators).len(),
        version,
        players,
    }
}

/// Every connection that hears broadcasts: the seated, then the spectators.
pub fn audience(seats: &[Option<Seat>], spectators: &[Spectator]) -> Vec<ConnId> {
    seats
        .iter()
        .flatten()
        .filter_map(Seat::conn)
        .cloned()
        .chain(spectators.iter().map(|s| s.conn.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_a_burst_then_its_rate_then_closes() {
        let mut bucket = Bucket::full(0);
        for _ in 0..BURST_FRAMES {
            assert_eq!(bucket.take(0), Allowance::Ok);
        }
        assert_eq!(bucket.take(0), Allowance::Over);
        // 100 ms later one more frame's worth has come back.
        assert_eq!(bucket.take(100), Allowance::Ok);
        let verdicts: Vec<Allowance> = (0..=FRAMES_OVER_BEFORE_CLOSE)
            .map(|_| bucket.take(100))
            .collect();
        assert_eq!(verdicts.last(), Some(&Allowance::Close));
    }

    #[test]
    fn stored_seats_read_back_old_empty_tokens_as_none() {
        let json = r#"{"occupant":"Bot","player":"","profile":{"name":"Bot 2","avatar":""},"token":"","missed":[]}"#;
        let seat: Seat = serde_json::from_str(json).unwrap();
        assert_eq!(seat.token, None);
        assert_eq!(
            serde_json::to_string(&seat).unwrap(),
            json,
            "written as before"
        );
    }
}
