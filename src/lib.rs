//! Edge Arena: realtime multiplayer rooms for WeChat mini-programs and browsers, on
//! Cloudflare Workers and Durable Objects.
//!
//! # Module map
//!
//! The crate is a sans-IO core with a thin platform shell around it.
//!
//! Core (pure Rust, no `worker` types; `cargo test` runs it on the host with a virtual
//! clock). Each module only uses the ones listed before it:
//! - [`ids`]: names of players, connections and rooms; resume tokens, with their limits.
//! - [`shard`]: the stable hash that spreads players over matchmaker and stats shards.
//! - [`stats`]: player statistics and the leaderboard: idempotent, all-or-nothing round
//!   records over a store that may fail, shards, ranking.
//! - [`protocol`]: the frames every room speaks, limits, error and close codes.
//! - [`envelope`]: the one reader of client frames (`{"type": …}`), for the room and
//!   for each game's own frames.
//! - [`effects`]: what the core asks the shell to do (frames as wire text, closes,
//!   capacity reports, record deliveries), what to store, and how the next deadline is
//!   kept: the instance's timer, the alarm, or both.
//! - [`config`]: settings from `wrangler.toml` vars, with defaults and ranges.
//! - [`seats`]: seats, the people, bots and forfeits holding them, spectators, rate
//!   limits.
//! - [`game`]: what a game is to the room (the `Game` trait) and the room as a game sees
//!   it (`Table`).
//! - [`games`]: rock-paper-scissors, dig gold and chat, one module each, and the registry
//!   that lists them (one line per game).
//! - [`room`]: one room as a state machine: `handle(now, event) -> outcome`.
//! - [`house`]: several rooms in one Durable Object: which object a room lives in,
//!   which rooms an alarm ticks, the object's one alarm, and the rooms' round records
//!   sent together.
//! - [`matchmaker`]: which room the next player goes to (and which room a player is in).
//! - [`invites`]: private rooms' codes, their lifetimes, and who may try one.
//! - [`auth`]: session tokens (HMAC-SHA256, JWT form): a player's identity.
//! - [`wechat`]: the WeChat login exchange (`jscode2session`) without the network.
//! - [`origin`]: which pages and clients may connect (cross-site WebSocket hijacking).
//! - [`address`]: a request URL's origin, path and query parameters, and the query
//!   strings of the Worker's internal URLs.
//!
//! Shell (`edge`, compiled for wasm32 only):
//! - `edge::entry`: the Worker's fetch handler: routes, WebSocket upgrade, forwarding.
//! - `edge::access`: the Origin check and the session token of a request.
//! - `edge::api`: `POST /api/login` (WeChat) and `POST /api/guest`.
//! - `edge::board`: `GET /api/me`, `/api/leaderboard`, `/api/rooms`.
//! - `edge::room_object`: the `ArenaRoom` Durable Object, a house of rooms
//!   ([`house::House`]): loads them, feeds each [`room::Room`] its events, carries out
//!   their effects, persists them, and keeps the house's next deadline (a timer when
//!   it is near, with the one alarm as its backstop). A matchmaker shard's
//!   object is the house of its rooms, so `edge::room_object::matchmaking` answers the
//!   Worker's `/seat` (pick the room and seat the player in one request) and the
//!   shard's other asks around [`matchmaker::Matchmaker`].
//! - `edge::room_store`: how a house's rooms are kept in storage (a key per room).
//! - `edge::socket_cache`: which socket is which connection's, as far as an instance of
//!   a house has seen (so a frame sent does not ask the runtime for its socket).
//! - `edge::matchmaker_store`: how a shard's matchmaker is kept in the same object's
//!   SQLite tables.
//! - `edge::stats_object`: the `ArenaStats` Durable Object: one SQLite shard of player
//!   stats, applying [`stats::record`].
//! - `edge::vars`: reading vars and secrets from the Worker environment.
//! - `edge::hop`: requests from the Worker to its objects, built and read with the
//!   runtime's own `Request`/`Response` (one call each, no stream copies).
//!
//! The shell holds everything that knows about hibernation, alarms and storage; the
//! core holds every rule. A rule change never touches the shell, and a platform change
//! never touches a rule.

pub mod address;
pub mod auth;
pub mod config;
pub mod effects;
pub mod envelope;
pub mod game;
pub mod games;
pub mod house;
pub mod ids;
pub mod invites;
pub mod matchmaker;
pub mod origin;
pub mod protocol;
pub mod room;
pub mod seats;
pub mod shard;
pub mod stats;
pub mod wechat;

#[cfg(test)]
mod game_tests;
#[cfg(test)]
mod layering;
#[cfg(test)]
mod room_tests;
#[cfg(test)]
mod testkit;
#[cfg(test)]
mod typegen;

#[cfg(target_arch = "wasm32")]
mod edge;
