//! The Worker's front door: routes, the WebSocket upgrade, and the hand-off of each
//! new connection to the room the matchmaker picked.
//!
//! The Worker itself holds no state. A WebSocket request is forwarded (upgrade and all)
//! to a Room Durable Object, which accepts the socket with the hibernation API; from
//! then on frames go straight to the room and the Worker is out of the path.
//!
//! `/ws` is answered first, with the runtime's own request and response objects,
//! because it is the one route a burst of players all take at once (see
//! [`super::hop`]); every other path is matched by [`Route::of`].

use worker::{event, web_sys, Context, Env, Request, Response};

use super::access::{check_origin, header, refuse_socket, Credentials, Door};
use super::hop::{read_json, Hop};
use super::vars::{self, AuthSettings};
use super::{api, board, private};
use super::{
    matchmaker, random_u64, room_object, turned_away, with_query, ROOM_CONNECT_URL, STATS_BINDING,
};
use crate::address::Address;
use crate::effects::Admission;
use crate::games::GameKind;
use crate::ids::{ResumeToken, RoomName};
use crate::matchmaker::{Answer, Assignment};
use crate::protocol::{check_avatar, check_name, ProtocolError};

/// How often a connection may be turned away by another object's room that filled up
/// meanwhile before we give up. Each refusal closes that room in the matchmaker's view,
/// so one retry almost always suffices.
const MAX_SEAT_ATTEMPTS: usize = 4;

#[event(fetch)]
async fn fetch(
    req: web_sys::Request,
    env: Env,
    _ctx: Context,
) -> worker::Result<web_sys::Response> {
    let href = req.url();
    let url = Address::parse(&href);
    let method = req.method();
    if url.path() == "/ws" && method == "GET" {
        return play(&req, url, &env).await;
    }
    let req = Request::from(req);
    let Some(route) = Route::of(url.path()) else {
        return Ok(Response::error("Not Found", 404)?.into());
    };
    let answer = match (route, method.as_str()) {
        (Route::Health, "GET") => {
            #[derive(serde::Serialize)]
            struct Health {
                ok: bool,
                service: &'static str,
                version: &'static str,
            }
            Response::from_json(&Health {
                ok: true,
                service: "edge-arena",
                version: env!("CARGO_PKG_VERSION"),
            })
        }
        (Route::Api(_), "OPTIONS") => api::preflight(req, &env).await,
        (Route::Api(Api::Login), "POST") => api::login(req, &env).await,
        (Route::Api(Api::Guest), "POST") => api::guest(req, &env).await,
        (Route::Api(Api::Rooms), "POST") => private::open(req, &env).await,
        (Route::Api(Api::Rooms), "GET") => board::rooms(req, &env).await,
        (Route::Api(Api::Me), "GET") => board::me(req, &env).await,
        (Route::Api(Api::Leaderboard), "GET") => board::leaderboard(req, &env).await,
        (Route::RoomStatus(room), "GET") => room_status(&env, room).await,
        (Route::StatsStatus(shard), "GET") => stats_status(&env, shard).await,
        (Route::StatsFail(shard), "POST") => stats_fail(&env, shard, &url).await,
        // `/api/…` paths we do not serve exist only for the preflight.
        (Route::Api(Api::Other), _) => Response::error("Not Found", 404),
        // A path we serve, asked with another method (as `worker::Router` answered).
        _ => Response::error("Method Not Allowed", 405),
    }?;
    Ok(answer.into())
}

/// What a path names, whatever the method. A plain `match` on the path instead of
/// `worker::Router`: the Router reads every request through the `url` crate, and the two
/// were 86 KB of the wasm (38 KB gzip; issue 19's size target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    Health,
    Api(Api),
    /// `/debug/rooms/:room`.
    RoomStatus(&'a str),
    /// `/debug/stats/:shard`.
    StatsStatus(&'a str),
    /// `/debug/stats/:shard/fail`.
    StatsFail(&'a str),
}

/// The paths under `/api/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Api {
    Login,
    Guest,
    Rooms,
    Me,
    Leaderboard,
    /// Any other `/api/…` path: answered only for a CORS preflight.
    Other,
}

impl<'a> Route<'a> {
    fn of(path: &'a str) -> Option<Route<'a>> {
        if path == "/health" {
            return Some(Route::Health);
        }
        if let Some(rest) = path.strip_prefix("/api/").filter(|rest| !rest.is_empty()) {
            return Some(Route::Api(match rest {
                "login" => Api::Login,
                "guest" => Api::Guest,
                "rooms" => Api::Rooms,
                "me" => Api::Me,
                "leaderboard" => Api::Leaderboard,
                _ => Api::Other,
            }));
        }
        let segment = |s: &'a str| Some(s).filter(|s| !s.is_empty() && !s.contains('/'));
        if let Some(room) = path.strip_prefix("/debug/rooms/").and_then(segment) {
            return Some(Route::RoomStatus(room));
        }
        let shard = path.strip_prefix("/debug/stats/")?;
        match shard.strip_suffix("/fail") {
            Some(shard) => segment(shard).map(Route::StatsFail),
            None => segment(shard).map(Route::StatsStatus),
        }
    }
}

/// `GET /ws?token=…&name=…&avatar=…&game=rps|dig|chat`: a WebSocket into a room of that
/// game (rock-paper-scissors by default). The token may instead come as the
/// subprotocol `bearer.<token>`. `?resume=<token from hi>` takes a held seat back;
/// `?watch=<room>` watches a public room; `?join=<code>` seats you in a friend's private
/// room (`&watch=1` to watch it).
async fn play(
    req: &web_sys::Request,
    url: Address<'_>,
    env: &Env,
) -> worker::Result<web_sys::Response> {
    let upgrade = header(req, "upgrade").unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        let mut resp = Response::error(
            "426 Upgrade Required: /ws is a WebSocket endpoint. Connect with \
             wx.connectSocket({url: 'wss://…/ws'}) or new WebSocket('wss://…/ws').",
            426,
        )?;
        resp.headers_mut().set("upgrade", "websocket")?;
        return Ok(resp.into());
    }

    // A page on a foreign site gets no socket at all (cross-site WebSocket hijacking).
    let settings = AuthSettings::read(env);
    if let Door::Refused(refused) = check_origin(req, &settings)? {
        return Ok(refused.into());
    }
    let credentials = Credentials::of(req);
    let protocol = credentials.protocol.clone().unwrap_or_default();
    let player = match credentials.verify(&settings) {
        Ok(claims) => claims.sub,
        Err(why) => return Ok(refuse_socket(why, credentials.protocol.as_deref())?.into()),
    };

    let conn = format!("{:016x}", random_u64());
    if let Some(token) = url.param("resume") {
        return resume(env, &conn, &player, &protocol, &token).await;
    }
    let joining = url.param("join");
    if joining.is_none() {
        if let Some(room) = url.param("watch") {
            return watch(env, &conn, &protocol, &room).await;
        }
    }
    let mut name = format!("Player-{}", &conn[..4]);
    let mut avatar = String::new();
    let mut game = GameKind::default();
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "name" => name = value.into_owned(),
            "avatar" => avatar = value.into_owned(),
            "game" => match GameKind::from_name(&value) {
                Some(kind) => game = kind,
                None => {
                    let names: Vec<&str> = GameKind::ALL.iter().map(|g| g.name()).collect();
                    let message = format!("game must be one of: {}", names.join(", "));
                    return Ok(Response::error(message, 400)?.into());
                }
            },
            _ => {}
        }
    }
    if let Err(ProtocolError::Refused { message, .. }) =
        check_name(&name).and_then(|_| check_avatar(&avatar))
    {
        return Ok(Response::error(message, 400)?.into());
    }
    if let Some(code) = joining {
        // A friend's private room: its code, not a matchmaker, says where.
        let watching = url.query_pairs().any(|(k, v)| k == "watch" && v == "1");
        let who = private::Joiner {
            conn: &conn,
            player: &player,
            protocol: &protocol,
            name: &name,
            avatar: &avatar,
            watch: watching,
        };
        return private::join(env, &code, who).await;
    }

    let shards = vars::matchmaker_shards(env);
    let home = crate::shard::shard_of(&player, shards);
    let shard_count = shards.to_string();
    let (stub, url) = matchmaker(env, game, home, "/seat")?;
    let mut refused = String::new();
    for _ in 0..MAX_SEAT_ATTEMPTS {
        // The player's own shard first, with the upgrade: its object holds its rooms,
        // so a seat there is taken in this one request (101 with the socket).
        let pairs = [
            ("player", player.as_str()),
            ("refused", &refused),
            ("shards", &shard_count),
            ("conn", &conn),
            ("protocol", &protocol),
            ("name", &name),
            ("avatar", &avatar),
        ];
        let first = stub.upgrade(&with_query(&url, &pairs)).await?;
        if first.status() != 200 {
            return Ok(first);
        }
        let assignment = match read_json(first).await? {
            Answer::Seat(assignment) => assignment,
            Answer::NextDoor => {
                match next_door(env, game, &player, &refused, home, shards).await? {
                    Some(assignment) => assignment,
                    None => return Ok(Response::error("matchmaker unavailable", 503)?.into()),
                }
            }
            Answer::NoSeat => return Ok(Response::error("matchmaker unavailable", 503)?.into()),
        };
        let online = assignment.online.to_string();
        let room = room_object(env, &assignment.room)?;
        let resp = connect_to_room(
            &room,
            &[
                ("room", &assignment.room),
                ("conn", &conn),
                ("player", &player),
                ("protocol", &protocol),
                ("name", &name),
                ("avatar", &avatar),
                ("online", &online),
            ],
        )
        .await?;
        if resp.status() != 409 {
            // 101 with the socket, or an error worth showing as it is.
            return Ok(resp);
        }
        refused = assignment.room;
    }
    Ok(Response::error("every room we tried was full; try again", 503)?.into())
}

/// Where `player` plays `game` when their own shard (`home`, of `shards`) is quiet and
/// has no seat for them (see [`crate::matchmaker`]): the other shards are asked in turn
/// for an existing seat, the first that has one seats the player and their own shard is
/// told where they went; if none has one, their own shard opens a room. `None` when it
/// does not answer. `refused` (the room that just turned them away, or empty) goes with
/// each probe, so whichever shard owns that room takes note.
async fn next_door(
    env: &Env,
    game: GameKind,
    player: &str,
    refused: &str,
    home: u32,
    shards: u32,
) -> worker::Result<Option<Assignment>> {
    let who = [("player", player), ("refused", refused)];
    for step in 1..shards {
        let shard = (home + step) % shards;
        // A shard that does not answer has no seat to offer: looking next door is an
        // extra, never a reason to fail the join.
        let probe = ask_matchmaker(env, game, shard, &[&who, &[("ask", "probe")]]).await;
        if let Ok(Some(Answer::Seat(assignment))) = probe {
            let told = [
                ("player", player),
                ("ask", "elsewhere"),
                ("room", assignment.room.as_str()),
            ];
            // Without the pointer only a second connection's seat is at stake (it
            // would get another one), not this one's: go anyway.
            let _ = ask_matchmaker(env, game, home, &[&told]).await;
            return Ok(Some(assignment));
        }
    }
    let open = [("player", player), ("ask", "open")];
    match ask_matchmaker(env, game, home, &[&open]).await? {
        Some(Answer::Seat(assignment)) => Ok(Some(assignment)),
        _ => Ok(None),
    }
}

/// `GET /assign` on `game`'s matchmaker shard `shard` with these query pairs (a GET has
/// no body to write or read); `None` when it answers with an error.
async fn ask_matchmaker(
    env: &Env,
    game: GameKind,
    shard: u32,
    pairs: &[&[(&str, &str)]],
) -> worker::Result<Option<Answer>> {
    let (stub, url) = matchmaker(env, game, shard, "/assign")?;
    let pairs: Vec<(&str, &str)> = pairs.iter().flat_map(|p| p.iter().copied()).collect();
    let answer = stub.get(&with_query(&url, &pairs)).await?;
    if answer.status != 200 {
        return Ok(None);
    }
    Ok(Some(answer.json()?))
}

/// `GET /ws?resume=<token>`: back to the seat the token names. The token starts with
/// the room's name, so the Worker goes straight to that room, no matchmaking. A token
/// that is not one gets the same answer as a seat that is gone, without a hop.
async fn resume(
    env: &Env,
    conn: &str,
    player: &str,
    protocol: &str,
    token: &str,
) -> worker::Result<web_sys::Response> {
    let Some(token) = ResumeToken::parse(token) else {
        return Ok(turned_away(Admission::seat_gone(), protocol)?.into());
    };
    let room = token.room();
    let stub = room_object(env, room.as_str())?;
    let query = [
        ("room", room.as_str()),
        ("resume", token.as_str()),
        ("conn", conn),
        ("player", player),
        ("protocol", protocol),
    ];
    connect_to_room(&stub, &query).await
}

/// `GET /ws?watch=<room>`: watch a room as a spectator (read-only; a token is still
/// needed). A room that does not exist answers with `error` `no_such_room`.
async fn watch(
    env: &Env,
    conn: &str,
    protocol: &str,
    room: &str,
) -> worker::Result<web_sys::Response> {
    let Some(room) = RoomName::parse(room).filter(|r| GameKind::of_room(r).is_some()) else {
        return Ok(Response::error("no such room", 404)?.into());
    };
    let stub = room_object(env, room.as_str())?;
    connect_to_room(
        &stub,
        &[
            ("room", room.as_str()),
            ("watch", "1"),
            ("conn", conn),
            ("protocol", protocol),
        ],
    )
    .await
}

/// Forwards a WebSocket upgrade to a room object's `/connect` with these query pairs;
/// the room answers 101 with the socket (or 409 when it is full).
async fn connect_to_room(room: &Hop, query: &[(&str, &str)]) -> worker::Result<web_sys::Response> {
    room.upgrade(&with_query(ROOM_CONNECT_URL, query)).await
}

/// `GET /debug/rooms/:room`: the room object's own view of itself (instance id, sockets,
/// seats). Only when the var `DEBUG_ROUTES` is `1` (the tests set it); 404 otherwise.
async fn room_status(env: &Env, room: &str) -> worker::Result<Response> {
    if !vars::flag(env, "DEBUG_ROUTES") {
        return Response::error("Not Found", 404);
    }
    let answer = room_object(env, room)?
        .get(&with_query(
            "https://room.internal/status",
            &[("room", room)],
        ))
        .await?;
    Ok(Response::ok(answer.text)?.with_status(answer.status))
}

/// `GET /debug/stats/:shard`: a stats shard's counts (players, duplicates ignored).
/// Only with `DEBUG_ROUTES=1`.
async fn stats_status(env: &Env, shard: &str) -> worker::Result<Response> {
    let Some(shard) = debug_shard(env, shard) else {
        return Response::error("Not Found", 404);
    };
    env.durable_object(STATS_BINDING)?
        .get_by_name(&super::stats_shard(shard))?
        .fetch_with_str("https://stats.internal/status")
        .await
}

/// `POST /debug/stats/:shard/fail?plan=before,after,…`: arms the shard's next
/// `/records` requests to throw (see [`super::stats_object`]), so tests against workerd
/// can show a record is retried and counted once. Only with `DEBUG_ROUTES=1`.
async fn stats_fail(env: &Env, shard: &str, url: &Address<'_>) -> worker::Result<Response> {
    let Some(shard) = debug_shard(env, shard) else {
        return Response::error("Not Found", 404);
    };
    let plan = url.param("plan").unwrap_or_default();
    let answer = Hop::to(
        &env.durable_object(STATS_BINDING)?,
        &super::stats_shard(shard),
    )?
    .post_json(
        &with_query("https://stats.internal/fail", &[("plan", &plan)]),
        &(),
    )
    .await?;
    Ok(Response::ok(answer.text)?.with_status(answer.status))
}

/// The shard a debug route names, if debug routes are on and it exists.
fn debug_shard(env: &Env, shard: &str) -> Option<u32> {
    Some(shard)
        .filter(|_| vars::flag(env, "DEBUG_ROUTES"))
        .and_then(|s| s.parse::<u32>().ok())
        .filter(|&n| n < vars::stats_shards(env))
}
