//! Names of things: players, connections, rooms and the tokens that take seats back.
//!
//! These sit at the bottom of the core: every other module may name a player or a room,
//! and none of them needs to know how the names are made. The two that arrive from
//! outside, room names and resume tokens, are parsed here, once, with their limits:
//! the Worker checks a token's room before it forwards a resume, and the room checks the
//! whole token, both by the same rule.

use serde::{Deserialize, Serialize};

/// Identifies a player: the subject of their session token (see [`crate::auth`]).
/// A player holds at most one seat; a second connection takes the seat over.
pub type PlayerId = String;

/// Identifies one WebSocket connection. Chosen by the shell, unique per connection.
pub type ConnId = String;

/// Longest room name, in bytes.
pub const MAX_ROOM_NAME: usize = 64;

/// A room's name: `<game>-<shard>-<n>` for the rooms matchmakers open (`rps-0-3`), and
/// in general 1 to [`MAX_ROOM_NAME`] ASCII letters, digits and `-`, starting with the
/// game's name. It is the Durable Object's name too, so it must never be made from
/// unchecked input: [`RoomName::parse`] is the only way in from outside.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RoomName(String);

impl RoomName {
    /// A room name from outside (a query, a token), if it is one.
    pub fn parse(text: &str) -> Option<RoomName> {
        let ok = !text.is_empty()
            && text.len() <= MAX_ROOM_NAME
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !text.starts_with('-');
        ok.then(|| RoomName(text.to_string()))
    }

    /// The name of room `number` of `game`'s matchmaker shard `shard`.
    pub fn numbered(game: &str, shard: u32, number: u64) -> RoomName {
        RoomName(format!("{game}-{shard}-{number}"))
    }

    /// The game's name, the part before the first `-`.
    pub fn game_name(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }

    /// `(game, shard, number)` for the rooms matchmakers name; `None` for other names.
    pub fn numbering(&self) -> Option<(&str, u32, u64)> {
        let mut parts = self.0.split('-');
        let game = parts.next()?;
        let shard = parts.next()?.parse().ok()?;
        let number = parts.next()?.parse().ok()?;
        parts.next().is_none().then_some((game, shard, number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RoomName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The secret that takes a held seat back: `<room>.<secret>`, handed out in `hi`. The
/// room part lets the Worker go straight to the room without asking a matchmaker; the
/// secret (32 hex digits from the platform's CSPRNG) is what the room checks, together
/// with the player it was issued to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResumeToken(String);

/// Longest resume token accepted, in bytes (a room name, a dot, a generous secret).
pub const MAX_RESUME_TOKEN: usize = MAX_ROOM_NAME + 1 + 64;

impl ResumeToken {
    /// A new token for a seat in `room`, from 128 random bits.
    pub fn new(room: &RoomName, random: u128) -> ResumeToken {
        ResumeToken(format!("{room}.{random:032x}"))
    }

    /// A token as a client presented it, if it is well formed. The room still has to
    /// find a seat it matches.
    pub fn parse(text: &str) -> Option<ResumeToken> {
        let (room, secret) = text.rsplit_once('.')?;
        let ok = text.len() <= MAX_RESUME_TOKEN
            && !secret.is_empty()
            && secret.bytes().all(|b| b.is_ascii_alphanumeric())
            && RoomName::parse(room).is_some();
        ok.then(|| ResumeToken(text.to_string()))
    }

    /// The room the token's seat is in.
    pub fn room(&self) -> RoomName {
        let room = self.0.rsplit_once('.').map_or("", |(room, _)| room);
        RoomName(room.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_are_bounded_plain_ascii() {
        assert!(RoomName::parse("rps-0-3").is_some());
        assert!(RoomName::parse(&"a".repeat(MAX_ROOM_NAME)).is_some());
        for bad in [
            "",
            "-rps",
            "rps 0",
            "rps/0",
            "rps.0",
            "房间",
            &"a".repeat(MAX_ROOM_NAME + 1),
        ] {
            assert!(RoomName::parse(bad).is_none(), "{bad:?}");
        }
        let name = RoomName::numbered("dig", 2, 7);
        assert_eq!(name.as_str(), "dig-2-7");
        assert_eq!(name.game_name(), "dig");
        assert_eq!(name.numbering(), Some(("dig", 2, 7)));
        assert_eq!(RoomName::parse("dig-2").unwrap().numbering(), None);
        assert_eq!(RoomName::parse("dig-2-7-1").unwrap().numbering(), None);
    }

    #[test]
    fn a_token_names_its_room_and_nothing_else_gets_through() {
        let room = RoomName::numbered("rps", 0, 12);
        let token = ResumeToken::new(&room, 0xfeed);
        assert_eq!(token.as_str(), "rps-0-12.0000000000000000000000000000feed");
        let back = ResumeToken::parse(token.as_str()).unwrap();
        assert_eq!(back.room(), room);
        for bad in [
            "",
            "rps-0-12",
            "rps-0-12.",
            ".abc",
            "rps 0.abc",
            "rps-0-12.ab.cd!",
            &format!("{}.abc", "a".repeat(MAX_ROOM_NAME + 1)),
            &format!("rps.{}", "a".repeat(MAX_RESUME_TOKEN)),
        ] {
            assert!(ResumeToken::parse(bad).is_none(), "{bad:?}");
        }
    }
}
