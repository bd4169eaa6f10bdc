//! Names of things: players, connections, rooms, the tokens that take seats back, and
//! the codes that open private rooms.
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

    /// The name of a private room of `game` (`<game>-p-<16 hex digits>`): random, so it
    /// says nothing about the room's code, and never one a matchmaker would open.
    pub fn private(game: &str, random: u64) -> RoomName {
        RoomName(format!("{game}-p-{random:016x}"))
    }

    /// A private room's name (see [`RoomName::private`]).
    pub fn is_private(&self) -> bool {
        self.0.split('-').nth(1) == Some("p")
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

/// The characters of a code: capitals and digits, without the ones people confuse when
/// they read a code aloud or copy it by hand (`0`/`O`, `1`/`I`).
pub const CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// How long a code is: 32^6, about a billion codes.
pub const CODE_LEN: usize = 6;
/// A private room's code, as people type it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Code(String);

impl Code {
    /// A code from 30 random bits and more (the rest are ignored).
    pub fn from_random(mut random: u64) -> Code {
        let mut code = String::with_capacity(CODE_LEN);
        for _ in 0..CODE_LEN {
            code.push(char::from(CODE_ALPHABET[(random % 32) as usize]));
            random /= 32;
        }
        Code(code)
    }

    /// A code as someone typed it: case, spaces and dashes do not matter.
    pub fn parse(typed: &str) -> Option<Code> {
        let code: String = typed
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok = code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b));
        ok.then_some(Code(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_readable_characters() {
        for random in [0, 1, u64::MAX, 0x1234_5678_9abc] {
            let code = Code::from_random(random);
            assert_eq!(code.as_str().len(), CODE_LEN);
            assert!(!code.as_str().contains(['0', 'O', '1', 'I']), "{code:?}");
            assert_eq!(Code::parse(code.as_str()), Some(code));
        }
        assert_eq!(Code::parse(" abc-def ").map(|c| c.0), Some("ABCDEF".into()));
        for bad in [
            "ABCDE", "ABCDEFG", "ABCDE0", "ABCDEI", "ABCDE!", "", "ÄBCDEF",
        ] {
            assert_eq!(Code::parse(bad), None, "{bad:?}");
        }
        let distinct: std::collections::HashSet<Code> = (0..1000u64)
            .map(|i| Code::from_random(i.wrapping_mul(0x9e37_79b9_7f4a_7c15)))
            .collect();
        assert!(distinct.len() > 990);
    }

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
        let private = RoomName::private("chat", 0xabc);
        assert_eq!(private.as_str(), "chat-p-0000000000000abc");
        assert!(private.is_private() && !name.is_private());
        assert_eq!((private.game_name(), private.numbering()), ("chat", None));
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
