//! Edge Arena: realtime multiplayer rooms for WeChat mini-programs and browsers, on
//! Cloudflare Workers and Durable Objects.
//!
//! # Module map
//!
//! The crate is a sans-IO core with a thin platform shell around it.
//!
//! Core (pure Rust, no `worker` types; `cargo test` runs it on the host with a virtual
//! clock):
//! - [`protocol`]: every frame on the wire, limits, error and close codes, the parser.
//! - [`frame_decode`]: reads a client frame in one pass (no serde `Content` in the wasm).
//! - [`scoring`]: settlement of a rock-paper-scissors round (pairwise ±1, streaks).
//! - [`room`]: one room as a state machine: seats, connections, resume, spectators,
//!   rate limits, timers → effects; the game it hosts sits behind [`game::Game`].
//! - [`game`]: the trait every game implements, and the stored state of a room's game.
//! - [`games`]: rock-paper-scissors, dig gold and chat.
//! - [`matchmaker`]: which room the next player goes to (and which room a player is in).
//! - [`stats`]: player statistics and the leaderboard: idempotent round records,
//!   shards, ranking.
//! - [`shard`]: the stable hash that spreads players over matchmaker and stats shards.
//! - [`config`]: settings read from `wrangler.toml` vars, with defaults and ranges.
//! - [`auth`]: session tokens (HMAC-SHA256, JWT form): a player's identity.
//! - [`wechat`]: the WeChat login exchange (`jscode2session`) without the network.
//! - [`origin`]: which web pages may connect (cross-site WebSocket hijacking).
//!
//! Shell (`edge`, compiled for wasm32 only):
//! - `edge::entry`: the Worker's fetch handler: routes, WebSocket upgrade, forwarding.
//! - `edge::access`: the Origin check and the session token of a request.
//! - `edge::api`: `POST /api/login` (WeChat) and `POST /api/guest`.
//! - `edge::board`: `GET /api/me`, `/api/leaderboard`, `/api/rooms`.
//! - `edge::room_object`: the `ArenaRoom` Durable Object: loads a [`room::Room`], feeds
//!   it events, carries out its effects, persists it and sets its one alarm.
//! - `edge::matchmaker_object`: the `ArenaMatchmaker` Durable Object around
//!   [`matchmaker::Matchmaker`].
//! - `edge::stats_object`: the `ArenaStats` Durable Object: one SQLite shard of player
//!   stats, applying [`stats::record`].
//! - `edge::vars`: reading vars and secrets from the Worker environment.
//! - `edge::hop`: requests from the Worker to its objects, built and read with the
//!   runtime's own `Request`/`Response` (one call each, no stream copies).
//!
//! The shell holds everything that knows about hibernation, alarms and storage; the
//! core holds every rule. A rule change never touches the shell, and a platform change
//! never touches a rule.

pub mod auth;
pub mod config;
pub mod frame_decode;
pub mod game;
pub mod games;
pub mod matchmaker;
pub mod origin;
pub mod protocol;
pub mod room;
pub mod scoring;
pub mod shard;
pub mod stats;
pub mod wechat;

#[cfg(test)]
mod game_tests;
#[cfg(test)]
mod room_tests;
#[cfg(test)]
mod typegen;

#[cfg(target_arch = "wasm32")]
mod edge;
