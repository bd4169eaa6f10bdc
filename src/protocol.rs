//! The wire protocol's shared part: what every room speaks, whatever game it hosts.
//!
//! Frames are JSON text, one object per WebSocket message, tagged by `type`
//! (`{"type":"join"}`). The vocabulary follows the Tencent demo the seeds describe
//! (`hello`/`hi`, `join`/`leave`, …) so a developer who read the article recognises it.
//!
//! This module holds the frames every room understands ([`SharedClientFrame`]) and sends
//! ([`SharedServerFrame`]), the limits, the error and close codes, and the checks on
//! names. Each game adds its own frames in its own file (`crate::games`), and the one
//! envelope ([`crate::envelope`]) reads them all. Nothing here can panic on input; a bad
//! frame becomes a [`ProtocolError`] which the room answers with an `error` frame (or a
//! close code, for oversize frames).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// Largest text frame a client may send, in bytes. Real frames are < 200 bytes.
pub const MAX_FRAME_BYTES: usize = 4096;
/// Longest player name, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// Longest avatar reference (a URL or an emoji), in characters.
pub const MAX_AVATAR_CHARS: usize = 256;

/// The exact text of a heartbeat. The Durable Object registers this pair with the
/// platform's WebSocket auto-response, so a ping is answered without waking a
/// hibernated room. Clients must send it byte for byte.
pub const PING_FRAME: &str = r#"{"type":"ping"}"#;
/// The platform's answer to [`PING_FRAME`].
pub const PONG_FRAME: &str = r#"{"type":"pong"}"#;

/// Frames a client may send to any room. A game's own frames are its business
/// (`crate::games`); together they make the protocol's `ClientFrame`.
///
/// Read through [`crate::envelope::Envelope::decode`], which sees an enum variant per
/// `type`, hence no `#[serde(tag)]` here: the wire form is `{"type": "<variant>", …}`,
/// as the TypeScript declaration (`ts(tag)`) says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(test, derive(ts_rs::TS), ts(tag = "type"))]
pub enum SharedClientFrame {
    /// Say who I am; answered with `hi`. Both fields optional: a missing one is kept.
    Hello {
        #[serde(default)]
        #[cfg_attr(test, ts(optional))]
        name: Option<String>,
        #[serde(default)]
        #[cfg_attr(test, ts(optional))]
        avatar: Option<String>,
    },
    /// Ready for the next round or game in this room (the first needs no `join`).
    Join {},
    /// Give up the seat; the server closes the socket with code 1000.
    Leave {},
    /// Heartbeat. Normally answered by the platform without reaching the room.
    Ping {},
}

impl SharedClientFrame {
    /// Checks the values a frame carries (the reader has checked its shape).
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if let SharedClientFrame::Hello { name, avatar } = self {
            if let Some(name) = name {
                check_name(name)?;
            }
            if let Some(avatar) = avatar {
                check_avatar(avatar)?;
            }
        }
        Ok(())
    }
}

/// Where a room is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum RoomPhase {
    /// Waiting for seats to fill or for players to `join` the next round.
    Waiting,
    /// A round (or game) is running.
    Playing,
}

/// A seat as everybody in the room sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SeatView {
    pub seat: usize,
    pub name: String,
    pub avatar: String,
    pub bot: bool,
    /// Ready for the next round.
    pub ready: bool,
    /// The player's connection dropped; the seat is held for them to resume.
    pub away: bool,
    pub total: i64,
    pub streak: u32,
}

/// Frames every room sends, whatever its game. A game's own frames are its business
/// (`crate::games`); together they make the protocol's `ServerFrame`.
///
/// The Worker only ever writes these, so only host builds (tests, tools) can read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum SharedServerFrame {
    /// Welcome: which room and seat this connection holds.
    Hi {
        room: String,
        seat: usize,
        size: usize,
        /// People seated across the service, as the matchmaker last knew it.
        online: u64,
        round_ms: u64,
        /// Reconnect with `/ws?resume=<this>` within the grace window to get this seat
        /// back. Keep it private: it is the seat.
        resume: String,
        /// True when this connection took back a held seat.
        resumed: bool,
    },
    /// Who is in the room (sent whenever that changes).
    Room {
        phase: RoomPhase,
        seats: Vec<SeatView>,
    },
    /// The previous frame was refused; the connection stays open.
    Error {
        code: ErrorCode,
        message: Cow<'static, str>,
    },
    /// Answer to a ping that reached the room.
    Pong {},
    /// Welcome for a spectator: which room it watches. What follows is what players
    /// see, never a hidden hand or an undug cell.
    Watching {
        room: String,
        /// The game's name (`rps`, `dig`, `chat`, …).
        #[cfg_attr(test, ts(type = "GameKind"))]
        game: Cow<'static, str>,
        size: usize,
    },
}

/// Machine-readable reasons in an `error` frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ErrorCode {
    /// Not JSON, or JSON of the wrong shape.
    BadFrame,
    /// A `type` this server does not know.
    UnknownType,
    /// Binary frames are not part of the protocol.
    BinaryFrame,
    /// A field is out of range (a name too long, …).
    BadValue,
    /// `choice` outside a running round, or from a seat not in it.
    NotInRound,
    /// `join` while a round is running.
    RoundInProgress,
    /// The connection holds no seat (it left, or its seat was released).
    NotSeated,
    /// A resume came too late (or with an unknown token): the seat was released.
    /// The connection is closed with [`CloseCode::SeatGone`]; connect again without
    /// `resume` to be matched anew.
    SeatGone,
    /// More frames than the per-connection limit (a burst of 20, then 10 per second).
    /// Keeping on closes the connection with [`CloseCode::RateLimited`].
    RateLimited,
    /// No valid session token (missing, forged, or guests are off). The connection is
    /// closed with [`CloseCode::Unauthorized`]; log in and connect again.
    Unauthorized,
    /// The session token has expired (closed with [`CloseCode::Unauthorized`]); get a
    /// new one (`wx.login` + `POST /api/login`, or `POST /api/guest`) and reconnect.
    TokenExpired,
    /// A frame of another game than this room's (a `dig` in a rock-paper-scissors room).
    WrongGame,
    /// Spectators watch; they cannot play or speak.
    Spectating,
    /// Dig gold: it is another seat's turn.
    NotYourTurn,
    /// Dig gold: that cell is already dug.
    AlreadyDug,
    /// Dig gold: no game is running (wait for players, or `join` for the next one).
    NoGame,
    /// `watch` named a room that does not exist (the socket closes with 1000).
    NoSuchRoom,
    /// `join=<code>` named no private room (a typo, or the code expired: it lives while
    /// its room has someone in it and for the resume window after). Closed with
    /// [`CloseCode::NoEntry`]; ask for a new code.
    UnknownCode,
    /// The private room a code opens has no seat left (closed with
    /// [`CloseCode::NoEntry`]).
    RoomFull,
}

/// WebSocket close codes the server sends. What a client should do on each:
///
/// | code | name | sent when | client should |
/// | --- | --- | --- | --- |
/// | 1000 | normal | after `leave` | stop, or connect anew |
/// | 1001 | going away | the platform restarts or redeploys the Worker | resume |
/// | 1006 | (none sent) | the connection broke | resume |
/// | 1008 | rate limited | far over the frame rate limit after `rate_limited` errors | slow down, connect anew |
/// | 1009 | too big | a frame over [`MAX_FRAME_BYTES`] | fix the client |
/// | 1012 | service restart | sent by the platform on restarts | resume |
/// | 4000 | heartbeat timeout | nothing heard for the heartbeat timeout | resume |
/// | 4001 | replaced | the same player connected again (another tab, a resume); the newer connection has the seat | stop (the newer one plays) |
/// | 4002 | seat gone | a resume after the grace window | connect anew, no token |
/// | 4003 | unauthorized | no valid session token (an `error` frame says why) | log in, then connect |
/// | 4004 | no entry | `join=<code>` opened no room: an unknown or expired code, a full room, or too many wrong codes lately (`error` says which) | stop; ask for a new code |
///
/// 1001 and 1012 come from the runtime, not from this code, so they have no variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CloseCode {
    Normal,
    RateLimited,
    TooBig,
    HeartbeatTimeout,
    Replaced,
    SeatGone,
    Unauthorized,
    NoEntry,
}

impl CloseCode {
    pub const ALL: [CloseCode; 8] = [
        CloseCode::Normal,
        CloseCode::RateLimited,
        CloseCode::TooBig,
        CloseCode::HeartbeatTimeout,
        CloseCode::Replaced,
        CloseCode::SeatGone,
        CloseCode::Unauthorized,
        CloseCode::NoEntry,
    ];

    pub fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::RateLimited => 1008,
            CloseCode::TooBig => 1009,
            CloseCode::HeartbeatTimeout => 4000,
            CloseCode::Replaced => 4001,
            CloseCode::SeatGone => 4002,
            CloseCode::Unauthorized => 4003,
            CloseCode::NoEntry => 4004,
        }
    }

    pub fn reason(self) -> &'static str {
        match self {
            CloseCode::Normal => "left",
            CloseCode::RateLimited => "rate limited",
            CloseCode::TooBig => "frame too big",
            CloseCode::HeartbeatTimeout => "heartbeat timeout",
            CloseCode::Replaced => "replaced by a newer connection",
            CloseCode::SeatGone => "seat gone",
            CloseCode::Unauthorized => "unauthorized",
            CloseCode::NoEntry => "no entry",
        }
    }
}

/// Why a client frame was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// Larger than [`MAX_FRAME_BYTES`]: the connection is closed with 1009.
    TooBig { bytes: usize },
    /// Refused with an `error` frame; the connection stays open.
    Refused {
        code: ErrorCode,
        message: Cow<'static, str>,
    },
}

impl ProtocolError {
    pub fn refused(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        ProtocolError::Refused {
            code,
            message: message.into(),
        }
    }
}

/// A name must be 1..=[`MAX_NAME_CHARS`] characters with no control characters.
pub fn check_name(name: &str) -> Result<(), ProtocolError> {
    check_text("name", name, MAX_NAME_CHARS, false)
}

/// An avatar may be empty (the client draws a default) or up to [`MAX_AVATAR_CHARS`].
pub fn check_avatar(avatar: &str) -> Result<(), ProtocolError> {
    check_text("avatar", avatar, MAX_AVATAR_CHARS, true)
}

/// Text a person typed: at most `max` characters, none of them control characters, and
/// (unless `empty_ok`) not blank.
pub fn check_text(
    field: &str,
    text: &str,
    max: usize,
    empty_ok: bool,
) -> Result<(), ProtocolError> {
    let chars = text.chars().count();
    if chars > max || (!empty_ok && text.trim().is_empty()) {
        return Err(ProtocolError::refused(
            ErrorCode::BadValue,
            format!(
                "{field} must be {} to {max} characters",
                usize::from(!empty_ok)
            ),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ProtocolError::refused(
            ErrorCode::BadValue,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_bounded_and_printable() {
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        for bad in [long.as_str(), "a\u{0}b", "   ", ""] {
            assert!(
                matches!(
                    check_name(bad),
                    Err(ProtocolError::Refused {
                        code: ErrorCode::BadValue,
                        ..
                    })
                ),
                "{bad:?}"
            );
        }
        // 32 CJK characters are 96 bytes but within the limit: limits count characters.
        assert!(check_name(&"字".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(check_avatar("").is_ok(), "the client draws a default");
        assert!(check_avatar(&"x".repeat(MAX_AVATAR_CHARS + 1)).is_err());
    }

    #[test]
    fn close_codes_are_distinct_and_in_the_ranges_a_client_may_see() {
        let mut codes: Vec<u16> = CloseCode::ALL.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), CloseCode::ALL.len());
        // WeChat's SocketTask.close (and browsers) take 1000 and 3000-4999; the others
        // here are the standard ones a server may send.
        assert!(codes
            .iter()
            .all(|&c| c == 1000 || c == 1008 || c == 1009 || (4000..5000).contains(&c)));
    }
}
