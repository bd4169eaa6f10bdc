//! The games a room can host, each an implementation of [`crate::game::Game`].
//!
//! - [`rps`]: rock-paper-scissors (timed simultaneous rounds, bots, streak scoring).
//! - [`dig`]: dig gold (turn-based multiplayer minesweeper where the mines are gold).
//! - [`chat`]: a chat room (broadcast, presence, history, server announcements).

pub mod chat;
pub mod dig;
pub mod rps;
