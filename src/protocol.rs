//! The wire protocol: every frame a client may send and every frame the server sends.
//!
//! Frames are JSON text, one object per WebSocket message, tagged by `type`
//! (`{"type":"choice","choice":"rock"}`). The vocabulary follows the Tencent demo the
//! seeds describe (`hello`/`hi`, `join`/`leave`, `start`, `choice`, `face`, `movement`,
//! `result`) so a developer who read the article recognises it.
//!
//! Parsing is strict: unknown types and unknown fields are rejected, strings are
//! bounded, and the size of a frame is checked before a byte of it is parsed. Nothing
//! here can panic on input; a bad frame becomes a [`ProtocolError`] which the room
//! answers with an `error` frame (or a close code, for oversize frames).

use serde::{Deserialize, Serialize};

/// Largest text frame a client may send, in bytes. Real frames are < 200 bytes.
pub const MAX_FRAME_BYTES: usize = 4096;
/// Longest player name, in characters.
pub const MAX_NAME_CHARS: usize = 32;
/// Longest avatar reference (a URL or an emoji), in characters.
pub const MAX_AVATAR_CHARS: usize = 256;
/// Longest chat message, in characters.
pub const MAX_SAY_CHARS: usize = 200;

/// The games a room can host. A room's name starts with its game (`dig-0-3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum GameKind {
    /// Rock-paper-scissors: timed simultaneous rounds, bots for the lonely.
    #[default]
    Rps,
    /// Dig gold: turn-based multiplayer minesweeper where the mines are gold.
    Dig,
    /// A chat room: broadcast messages, presence, server announcements.
    Chat,
}

impl GameKind {
    pub const ALL: [GameKind; 3] = [GameKind::Rps, GameKind::Dig, GameKind::Chat];

    /// The name used in URLs (`/ws?game=dig`) and as the room-name prefix.
    pub fn name(self) -> &'static str {
        match self {
            GameKind::Rps => "rps",
            GameKind::Dig => "dig",
            GameKind::Chat => "chat",
        }
    }

    pub fn from_name(name: &str) -> Option<GameKind> {
        GameKind::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The game of a room, from its name.
    pub fn of_room(room: &str) -> Option<GameKind> {
        GameKind::from_name(room.split('-').next()?)
    }
}

/// The exact text of a heartbeat. The Durable Object registers this pair with the
/// platform's WebSocket auto-response, so a ping is answered without waking a
/// hibernated room. Clients must send it byte for byte.
pub const PING_FRAME: &str = r#"{"type":"ping"}"#;
/// The platform's answer to [`PING_FRAME`].
pub const PONG_FRAME: &str = r#"{"type":"pong"}"#;

/// Rock-paper-scissors hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Choice {
    Rock,
    Paper,
    Scissors,
}

impl Choice {
    pub const ALL: [Choice; 3] = [Choice::Rock, Choice::Paper, Choice::Scissors];

    /// Does `self` beat `other`?
    pub fn beats(self, other: Choice) -> bool {
        matches!(
            (self, other),
            (Choice::Rock, Choice::Scissors)
                | (Choice::Scissors, Choice::Paper)
                | (Choice::Paper, Choice::Rock)
        )
    }
}

/// Expressions a player can pull while the round runs (the demo's faces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Face {
    Laugh,
    Cry,
    Angry,
    Smirk,
}

/// Frames a client sends.
///
/// The Worker reads them with [`crate::frame_decode`], which needs no derived reader;
/// host builds keep serde's derived one as the reference that reader is tested against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ClientFrame {
    /// Say who I am; answered with `hi`. Both fields optional: a missing one is kept.
    Hello {
        #[serde(default)]
        #[cfg_attr(test, ts(optional))]
        name: Option<String>,
        #[serde(default)]
        #[cfg_attr(test, ts(optional))]
        avatar: Option<String>,
    },
    /// Ready for the next round in this room (the first round needs no `join`).
    Join {},
    /// Give up the seat; the server closes the socket with code 1000.
    Leave {},
    /// Pick or change a hand; allowed until the round's deadline.
    Choice { choice: Choice },
    /// Pull a face; relayed to the others as `movement`.
    Face { face: Face },
    /// Heartbeat. Normally answered by the platform without reaching the room.
    Ping {},
    /// Dig gold: dig the cell at column `x`, row `y` (on your turn).
    Dig { x: u8, y: u8 },
    /// Chat: say something to everyone in the room.
    Say { text: String },
}

/// What `movement` says a player did. It never carries the hand itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum MovementKind {
    /// Chose or changed a hand (which one stays secret until `result`).
    Choice,
    /// Pulled a face.
    Face,
}

/// Where a room is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum RoomPhase {
    /// Waiting for seats to fill or for players to `join` the next round.
    Waiting,
    /// A round is running.
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

/// One seat's line in a `result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SeatResult {
    pub seat: usize,
    /// `null` when the seat chose nothing (which loses to any hand).
    pub choice: Option<Choice>,
    /// Sum of +1 / −1 against every other seat.
    pub base: i32,
    /// Points this round: base × streak when base > 0, else 0.
    pub score: i64,
    pub total: i64,
    pub streak: u32,
}

/// Frames the server sends.
///
/// The Worker only ever writes these, so only host builds (tests, tools) can read them:
/// reading an internally tagged enum of this size costs tens of KB of wasm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum ServerFrame {
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
    /// The room as it is now; sent after a resume (after the frames missed while away).
    State {
        phase: RoomPhase,
        round: u64,
        /// Milliseconds left in the running round, if one runs.
        ends_in_ms: Option<u64>,
        seats: Vec<SeatView>,
        /// Your own hand in the running round, if you chose one.
        choice: Option<Choice>,
    },
    /// Who is in the room (sent whenever that changes).
    Room {
        phase: RoomPhase,
        seats: Vec<SeatView>,
    },
    /// A round begins.
    Start {
        round: u64,
        round_ms: u64,
        /// Milliseconds until the server settles the round.
        ends_in_ms: u64,
        seats: Vec<SeatView>,
    },
    /// Another seat just did something: spin their avatar.
    Movement {
        seat: usize,
        what: MovementKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        face: Option<Face>,
    },
    /// The round is settled.
    Result { round: u64, seats: Vec<SeatResult> },
    /// The previous frame was refused; the connection stays open.
    Error { code: ErrorCode, message: String },
    /// Answer to a ping that reached the room.
    Pong {},
    /// Welcome for a spectator: which room it watches. What follows is what players
    /// see, never a hidden hand or an undug cell.
    Watching {
        room: String,
        game: GameKind,
        size: usize,
    },
    /// Dig gold: the board as everybody may see it (on start, and to catch up).
    Board {
        game: u64,
        width: u8,
        height: u8,
        /// One string per row: `.` undug, `0`–`8` dug (gold among the 8 neighbours),
        /// `$` dug gold.
        rows: Vec<String>,
        gold_left: u32,
        /// Whose turn it is (`null` when no game runs).
        turn: Option<usize>,
        turn_ends_in_ms: Option<u64>,
        /// Gold dug per seat, by seat.
        scores: Vec<SeatGold>,
    },
    /// Dig gold: a seat dug a cell. `revealed` lists every cell it opened (more than one
    /// when a 0 flood-reveals its neighbours).
    Dug {
        seat: usize,
        x: u8,
        y: u8,
        gold: bool,
        revealed: Vec<Cell>,
        gold_left: u32,
        scores: Vec<SeatGold>,
    },
    /// Dig gold: whose turn it is now; `skipped` names a seat whose time ran out.
    Turn {
        seat: usize,
        ends_in_ms: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        skipped: Option<usize>,
    },
    /// Dig gold: all gold is dug (or too few players are left). `winners` have the most.
    GameOver {
        game: u64,
        winners: Vec<usize>,
        scores: Vec<SeatGold>,
    },
    /// Chat: a message from a seat.
    Said {
        seat: usize,
        name: String,
        text: String,
        /// Server time, ms since the epoch.
        at: u64,
    },
    /// Chat: someone entered or left; `online` people are in the room now.
    Presence {
        name: String,
        event: PresenceEvent,
        online: usize,
    },
    /// Chat: the last messages, sent to whoever just entered.
    History { messages: Vec<ChatLine> },
    /// Chat: a message the server pushes on its own, on a timer.
    Announcement { text: String, at: u64 },
}

/// Gold dug by one seat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SeatGold {
    pub seat: usize,
    pub gold: u32,
}

/// A dug cell: `n` is the gold among its neighbours, `gold` whether it held gold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Cell {
    pub x: u8,
    pub y: u8,
    pub n: u8,
    pub gold: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum PresenceEvent {
    Entered,
    Left,
}

/// One chat message as kept in the room's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ChatLine {
    pub seat: usize,
    pub name: String,
    pub text: String,
    pub at: u64,
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
}

impl CloseCode {
    pub fn code(self) -> u16 {
        match self {
            CloseCode::Normal => 1000,
            CloseCode::RateLimited => 1008,
            CloseCode::TooBig => 1009,
            CloseCode::HeartbeatTimeout => 4000,
            CloseCode::Replaced => 4001,
            CloseCode::SeatGone => 4002,
            CloseCode::Unauthorized => 4003,
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
        }
    }
}

/// Why a client frame was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// Larger than [`MAX_FRAME_BYTES`]: the connection is closed with 1009.
    TooBig { bytes: usize },
    /// Refused with an `error` frame; the connection stays open.
    Refused { code: ErrorCode, message: String },
}

impl ProtocolError {
    fn refused(code: ErrorCode, message: impl Into<String>) -> Self {
        ProtocolError::Refused {
            code,
            message: message.into(),
        }
    }
}

/// Parses and validates one client text frame.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, ProtocolError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(ProtocolError::TooBig { bytes: text.len() });
    }
    let frame = crate::frame_decode::decode_client_frame(text).map_err(|message| {
        let code = if is_unknown_type(text) {
            ErrorCode::UnknownType
        } else {
            ErrorCode::BadFrame
        };
        ProtocolError::refused(code, message)
    })?;
    validate(&frame)?;
    Ok(frame)
}

/// Every `type` a client may send (checked against [`ClientFrame`] by a test).
pub const CLIENT_FRAME_TYPES: [&str; 8] = [
    "hello", "join", "leave", "choice", "face", "ping", "dig", "say",
];

/// On the error path only: is this an object whose `type` we do not know, as opposed
/// to a known frame with bad fields? Tells the client which mistake it made.
fn is_unknown_type(text: &str) -> bool {
    #[derive(Deserialize)]
    struct TypeOnly {
        #[serde(rename = "type")]
        ty: String,
    }
    serde_json::from_str::<TypeOnly>(text)
        .is_ok_and(|t| !CLIENT_FRAME_TYPES.contains(&t.ty.as_str()))
}

fn validate(frame: &ClientFrame) -> Result<(), ProtocolError> {
    if let ClientFrame::Say { text } = frame {
        check_text("text", text, MAX_SAY_CHARS, false)?;
    }
    if let ClientFrame::Hello { name, avatar } = frame {
        if let Some(name) = name {
            check_name(name)?;
        }
        if let Some(avatar) = avatar {
            check_avatar(avatar)?;
        }
    }
    Ok(())
}

/// A name must be 1..=[`MAX_NAME_CHARS`] characters with no control characters.
pub fn check_name(name: &str) -> Result<(), ProtocolError> {
    check_text("name", name, MAX_NAME_CHARS, false)
}

/// An avatar may be empty (the client draws a default) or up to [`MAX_AVATAR_CHARS`].
pub fn check_avatar(avatar: &str) -> Result<(), ProtocolError> {
    check_text("avatar", avatar, MAX_AVATAR_CHARS, true)
}

fn check_text(field: &str, text: &str, max: usize, empty_ok: bool) -> Result<(), ProtocolError> {
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

impl ServerFrame {
    /// The frame as JSON text. Serialising these types cannot fail (no maps with
    /// non-string keys, no custom serialisers), so the fallback is never sent in practice.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","code":"bad_frame","message":"internal"}"#.into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn refused_code(text: &str) -> ErrorCode {
        match parse_client_frame(text) {
            Err(ProtocolError::Refused { code, .. }) => code,
            other => panic!("{text}: expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn parses_every_client_frame() {
        assert_eq!(
            parse_client_frame(r#"{"type":"choice","choice":"rock"}"#),
            Ok(ClientFrame::Choice {
                choice: Choice::Rock
            })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"face","face":"smirk"}"#),
            Ok(ClientFrame::Face { face: Face::Smirk })
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"join"}"#),
            Ok(ClientFrame::Join {})
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"leave"}"#),
            Ok(ClientFrame::Leave {})
        );
        assert_eq!(parse_client_frame(PING_FRAME), Ok(ClientFrame::Ping {}));
        assert_eq!(
            parse_client_frame(r#"{"type":"hello","name":"小明"}"#),
            Ok(ClientFrame::Hello {
                name: Some("小明".into()),
                avatar: None
            })
        );
    }

    #[test]
    fn every_listed_type_is_a_frame_type() {
        for ty in CLIENT_FRAME_TYPES {
            let code = match parse_client_frame(&format!(r#"{{"type":"{ty}"}}"#)) {
                Ok(_) => continue,
                Err(ProtocolError::Refused { code, .. }) => code,
                Err(e) => panic!("{e:?}"),
            };
            assert_eq!(
                code,
                ErrorCode::BadFrame,
                "{ty} is known, only its fields are off"
            );
        }
    }

    #[test]
    fn unknown_types_and_fields_are_refused() {
        assert_eq!(
            refused_code(r#"{"type":"teleport"}"#),
            ErrorCode::UnknownType
        );
        assert_eq!(
            refused_code(r#"{"type":"choice","choice":"rock","seat":1}"#),
            ErrorCode::BadFrame
        );
        assert_eq!(
            refused_code(r#"{"type":"join","x":1}"#),
            ErrorCode::BadFrame
        );
        assert_eq!(
            refused_code(r#"{"type":"choice","choice":"lizard"}"#),
            ErrorCode::BadFrame
        );
        assert_eq!(refused_code("not json"), ErrorCode::BadFrame);
        assert_eq!(refused_code(r#"{"choice":"rock"}"#), ErrorCode::BadFrame);
        assert_eq!(refused_code("[]"), ErrorCode::BadFrame);
    }

    #[test]
    fn names_are_bounded_and_printable() {
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            refused_code(&format!(r#"{{"type":"hello","name":"{long}"}}"#)),
            ErrorCode::BadValue
        );
        assert_eq!(
            refused_code(r#"{"type":"hello","name":"a\u0000b"}"#),
            ErrorCode::BadValue
        );
        assert_eq!(
            refused_code(r#"{"type":"hello","name":"   "}"#),
            ErrorCode::BadValue
        );
        // 32 CJK characters are 96 bytes but within the limit: limits count characters.
        let cjk = "字".repeat(MAX_NAME_CHARS);
        assert!(parse_client_frame(&format!(r#"{{"type":"hello","name":"{cjk}"}}"#)).is_ok());
    }

    #[test]
    fn oversize_frames_are_refused_before_parsing() {
        let big = format!(
            r#"{{"type":"hello","name":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        );
        assert!(matches!(
            parse_client_frame(&big),
            Err(ProtocolError::TooBig { .. })
        ));
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(2000), "]".repeat(2000));
        assert!(deep.len() <= MAX_FRAME_BYTES);
        assert_eq!(refused_code(&deep), ErrorCode::BadFrame);
    }

    #[test]
    fn movement_never_names_the_hand() {
        let json = ServerFrame::Movement {
            seat: 1,
            what: MovementKind::Choice,
            face: None,
        }
        .to_json();
        assert_eq!(json, r#"{"type":"movement","seat":1,"what":"choice"}"#);
    }

    #[test]
    fn beats_is_a_cycle() {
        for a in Choice::ALL {
            let wins = Choice::ALL.iter().filter(|b| a.beats(**b)).count();
            let losses = Choice::ALL.iter().filter(|b| b.beats(a)).count();
            assert_eq!((wins, losses), (1, 1), "{a:?}");
            assert!(!a.beats(a));
        }
    }

    proptest! {
        // Any string at all: the parser answers (Ok or a refusal) and never panics.
        #[test]
        fn parser_total_on_any_text(text in any::<String>()) {
            let _ = parse_client_frame(&text);
        }

        // JSON-looking input with random types and fields exercises serde's paths further.
        #[test]
        fn parser_total_on_json_like_text(
            ty in "[a-z_]{0,10}",
            key in "[a-z_]{0,8}",
            value in prop_oneof![
                Just("1".to_string()), Just("null".to_string()), Just("\"rock\"".to_string()),
                Just("[{}]".to_string()), Just("1e999".to_string()), Just("-0".to_string()),
            ],
        ) {
            let text = format!(r#"{{"type":"{ty}","{key}":{value}}}"#);
            match parse_client_frame(&text) {
                Ok(frame) => {
                    // Whatever parsed must survive a round trip unchanged.
                    let again = serde_json::to_string(&frame).unwrap();
                    prop_assert_eq!(parse_client_frame(&again), Ok(frame));
                }
                Err(ProtocolError::Refused { .. }) => {}
                Err(e) => prop_assert!(false, "unexpected {:?}", e),
            }
        }
    }
}
