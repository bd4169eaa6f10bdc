//! The platform shell: everything that knows about Workers, Durable Objects,
//! hibernation, alarms and storage. Compiled for wasm32 only.
//!
//! The shell never decides anything a player could notice. It turns platform events
//! into calls on the core ([`crate::room::Room`], [`crate::matchmaker::Matchmaker`])
//! and carries out the effects those return.

mod access;
mod api;
mod board;
mod entry;
mod hop;
mod invites_object;
mod matchmaker_store;
mod private;
mod room_object;
mod room_store;
mod socket_cache;
mod stats_object;
mod vars;

use crate::address::with_query;

/// Binding names from `wrangler.toml`.
const ROOMS_BINDING: &str = "ROOMS";
const STATS_BINDING: &str = "STATS";
const INVITES_BINDING: &str = "INVITES";

/// Internal URLs between the Worker and its Durable Objects. The host is never
/// resolved: a stub's `fetch` delivers the request to the object whatever it says.
const ROOM_CONNECT_URL: &str = "https://room.internal/connect";
const STATS_RECORD_URL: &str = "https://stats.internal/records";

/// The object room `room` lives in: its house ([`crate::house::house_of`]).
fn room_object(env: &worker::Env, room: &str) -> worker::Result<hop::Hop> {
    let house = match crate::ids::RoomName::parse(room) {
        Some(name) => crate::house::house_of(&name),
        None => room.to_string(),
    };
    hop::Hop::to(&env.durable_object(ROOMS_BINDING)?, &house)
}

/// The name of stats shard `n`.
fn stats_shard(n: u32) -> String {
    format!("stats-{n}")
}

/// Shard `n` of `game`'s matchmakers: its object (the house of the shard's rooms,
/// [`crate::house::shard_house`]), and the URL of `path` on it (game and shard travel in
/// the URL so the object knows which matchmaker it is).
fn matchmaker(
    env: &worker::Env,
    game: crate::games::GameKind,
    n: u32,
    path: &str,
) -> worker::Result<(hop::Hop, String)> {
    let game = game.name();
    let stub = hop::Hop::to(
        &env.durable_object(ROOMS_BINDING)?,
        &crate::house::shard_house(game, n),
    )?;
    Ok((
        stub,
        format!("https://room.internal{path}?game={game}&shard={n}"),
    ))
}

/// A random u64 from the platform's CSPRNG (`crypto.getRandomValues`).
fn random_u64() -> u64 {
    // getrandom's wasm-JS backend cannot fail on Workers; should it ever, the time is a
    // usable (if guessable) fallback for what we use it for (RNG seeds, connection ids).
    getrandom::u64().unwrap_or_else(|_| worker::Date::now().as_millis())
}

/// The time now in ms since the epoch, as the runtime sees it.
fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// The 101 answer carrying `client`, naming the subprotocol the client offered (a
/// browser drops a handshake whose answer names none of its offers).
fn answer_socket(client: worker::WebSocket, protocol: &str) -> worker::Result<worker::Response> {
    let mut resp = worker::Response::from_websocket(client)?;
    if !protocol.is_empty() {
        resp.headers_mut().set("sec-websocket-protocol", protocol)?;
    }
    Ok(resp)
}

/// A socket that belongs to no room: it carries one `error` frame, then closes with
/// `close`. A refused handshake would tell a browser or mini-program nothing (both
/// only see a failed connection); this tells the client what to do. Plain (not
/// hibernatable) so the close is immediate.
fn one_error_socket(
    code: crate::protocol::ErrorCode,
    message: &str,
    close: crate::protocol::CloseCode,
    protocol: &str,
) -> worker::Result<worker::Response> {
    let pair = worker::WebSocketPair::new()?;
    pair.server.accept()?;
    let frame = crate::effects::Frame::error(code, message.to_string());
    let _ = pair.server.send_with_str(frame.text());
    let _ = pair.server.close(Some(close.code()), Some(close.reason()));
    answer_socket(pair.client, protocol)
}

/// The answer to a connection the room (or the Worker, for the room) turned away: a
/// socket that says why (see [`one_error_socket`]).
fn turned_away(
    admission: crate::effects::Admission,
    protocol: &str,
) -> worker::Result<worker::Response> {
    match admission {
        crate::effects::Admission::Refuse {
            code,
            message,
            close,
        } => one_error_socket(code, message, close, protocol),
        _ => worker::Response::error("not turned away", 500),
    }
}

/// A JSON error answer: `{"error": <stable code>, "message": <for people>}`.
fn json_error(status: u16, error: &str, message: &str) -> worker::Result<worker::Response> {
    #[derive(serde::Serialize)]
    struct ErrorBody<'a> {
        error: &'a str,
        message: &'a str,
    }
    Ok(worker::Response::from_json(&ErrorBody { error, message })?.with_status(status))
}
