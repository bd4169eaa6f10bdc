//! The one interface every game implements, and the state of whichever game a room hosts.
//!
//! The room ([`crate::room::Room`]) owns everything games share: seats and who holds
//! them, connections, heartbeats, resume, spectators, rate limits, capacity reports,
//! the round-record outbox, persistence. A game owns its rules: what its frames do,
//! its timers, what a (re)joining connection must be told. It sees the room through a
//! [`Table`]: who sits where, and ways to send frames, seat bots and record results.
//!
//! Games are plain serialisable values, so a room stores its game with itself; they
//! get the time only from the table, so they run on a virtual clock in tests.

use serde::{Deserialize, Serialize};

use crate::games::{chat::Chat, dig::Dig, rps::Rps};
use crate::protocol::{ClientFrame, ErrorCode, GameKind, RoomPhase, ServerFrame};
use crate::room::Table;

/// What a game says about one seat in the room's `room`/`start` views.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SeatScore {
    pub ready: bool,
    pub total: i64,
    pub streak: u32,
}

/// A game frame refused: the error frame's code and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub code: ErrorCode,
    pub message: &'static str,
}

impl Refusal {
    pub const fn new(code: ErrorCode, message: &'static str) -> Refusal {
        Refusal { code, message }
    }
}

/// What happens to a seat whose person is gone for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    /// Free it now.
    Free,
    /// Keep it as a forfeit in the running round; the game frees it later
    /// ([`Table::free`]).
    Forfeit,
}

/// A game's rules. Every method gets the [`Table`] with the current time.
pub trait Game {
    /// Where the game is (shown in `room` frames).
    fn phase(&self) -> RoomPhase;
    /// The seat's numbers for the views (`ready`, `total`, `streak`).
    fn score(&self, seat: usize) -> SeatScore;
    /// Someone (a person, new or taking over nothing) just sat down at `seat`.
    fn seated(&mut self, t: &mut Table<'_>, seat: usize);
    /// The person at `seat` is gone for good: free the seat, or keep it as a forfeit.
    fn release(&mut self, t: &Table<'_>, seat: usize) -> Release;
    /// After a release, with people still in the room.
    fn released(&mut self, t: &mut Table<'_>, seat: usize, name: &str);
    /// Nobody is left: the room starts over (the seats are already empty).
    fn emptied(&mut self);
    /// A frame of this game from the person at `seat`.
    fn frame(&mut self, t: &mut Table<'_>, seat: usize, frame: ClientFrame) -> Result<(), Refusal>;
    /// Whatever is due at `t.now`.
    fn tick(&mut self, t: &mut Table<'_>);
    /// When [`Game::tick`] next has something to do.
    fn next_deadline(&self) -> Option<u64>;
    /// What a connection joining mid-game is told after `hi` (a resumed seat) or
    /// `watching` (a spectator, `viewer` `None`): the state everybody may see, plus the
    /// viewer's own secrets and nobody else's.
    fn catch_up(&self, t: &Table<'_>, viewer: Option<usize>) -> Vec<ServerFrame>;
}

/// The game a room hosts, stored with the room (`{"rps": {…}}`).
///
/// Externally tagged on purpose: an internally tagged enum is read through serde's
/// buffered `Content`, which would be in the wasm for this one type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GameState {
    Rps(Rps),
    Dig(Dig),
    Chat(Chat),
}

impl GameState {
    pub fn new(kind: GameKind, size: usize) -> GameState {
        match kind {
            GameKind::Rps => GameState::Rps(Rps::new(size)),
            GameKind::Dig => GameState::Dig(Dig::new(size)),
            GameKind::Chat => GameState::Chat(Chat::new(size)),
        }
    }

    pub fn kind(&self) -> GameKind {
        match self {
            GameState::Rps(_) => GameKind::Rps,
            GameState::Dig(_) => GameKind::Dig,
            GameState::Chat(_) => GameKind::Chat,
        }
    }

    pub fn get(&self) -> &dyn Game {
        match self {
            GameState::Rps(g) => g,
            GameState::Dig(g) => g,
            GameState::Chat(g) => g,
        }
    }

    pub fn get_mut(&mut self) -> &mut dyn Game {
        match self {
            GameState::Rps(g) => g,
            GameState::Dig(g) => g,
            GameState::Chat(g) => g,
        }
    }
}
