//! The Rust floor: the JavaScript floor's protocol subset (`bench/floor`), written the
//! plain way with the `worker` crate: `Router`, `Stub::fetch_with_request`, `serde` for
//! frames and storage, one room state per object. It does what that floor does per
//! connection: guest tokens (HS256, verified on every connect), one matchmaker filling
//! rooms of two, hibernatable sockets with the runtime answering pings, rounds ended by
//! the room's alarm, pairwise streak scoring, relayed faces. Like that floor it leaves out
//! bots, heartbeat timeouts, away seats, resume and spectators; it also leaves out the
//! rate limit.
//!
//! Why it exists: with both floors in one run, floor-rs / floor is what Rust and wasm on
//! Workers cost by themselves, and ours / floor-rs is what Edge Arena's own rules and
//! shell cost on top (BENCHMARKS.md, "The Rust floor").

use std::cell::{Cell, RefCell};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;
use worker::{
    durable_object, event, js_sys, Context, Date, DurableObject, Env, Headers, Request,
    RequestInit, Response, Result, Router, State, Stub, Url, WebSocket, WebSocketIncomingMessage,
    WebSocketPair,
};

const SIZE: usize = 2;
const HANDS: [&str; 3] = ["rock", "paper", "scissors"];
const FACES: [&str; 4] = ["laugh", "cry", "angry", "smirk"];
const PING: &str = r#"{"type":"ping"}"#;
const PONG: &str = r#"{"type":"pong"}"#;
/// `{"alg":"HS256","typ":"JWT"}`, base64url.
const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
const TOKEN_TTL_S: u64 = 7 * 24 * 3600;

// ---- tokens ---------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct Claims {
    sub: String,
    kind: String,
    iat: u64,
    exp: u64,
}

fn mac(env: &Env) -> Option<Hmac<Sha256>> {
    let secret = env.var("TOKEN_SECRET").ok()?.to_string();
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()
}

fn issue(env: &Env, sub: String) -> Result<(String, Claims)> {
    let iat = Date::now().as_millis() / 1000;
    let claims = Claims {
        sub,
        kind: "guest".into(),
        iat,
        exp: iat + TOKEN_TTL_S,
    };
    let body = format!(
        "{JWT_HEADER}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims)?)
    );
    let mut mac = mac(env).ok_or("no TOKEN_SECRET")?;
    mac.update(body.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok((format!("{body}.{signature}"), claims))
}

/// The token's claims, or `None` when it is not a valid, unexpired token of ours.
fn verify(env: &Env, token: &str) -> Option<Claims> {
    if token.len() > 1024 {
        return None;
    }
    let mut parts = token.split('.');
    let (header, claims, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || header != JWT_HEADER {
        return None;
    }
    let mut mac = mac(env)?;
    mac.update(header.as_bytes());
    mac.update(b".");
    mac.update(claims.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).ok()?)
        .ok()?;
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).ok()?).ok()?;
    (claims.exp * 1000 > Date::now().as_millis()).then_some(claims)
}

fn random_hex() -> String {
    let high = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let low = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{:016x}", high << 32 | low)
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A socket that only says why it is refused, then closes.
fn refuse(code: &str, message: &str, close: u16) -> Result<Response> {
    let pair = WebSocketPair::new()?;
    pair.server.accept()?;
    pair.server
        .send_with_str(json!({ "type": "error", "code": code, "message": message }).to_string())?;
    pair.server.close(Some(close), Some(code))?;
    Response::from_websocket(pair.client)
}

// ---- the Worker -----------------------------------------------------------------------

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    Router::new()
        .get("/health", |_, _| {
            Response::from_json(&json!({ "ok": true, "service": "edge-arena-floor-rs" }))
        })
        .post_async("/api/guest", |_, ctx| async move {
            let (token, claims) = issue(&ctx.env, format!("guest:{}", random_hex()))?;
            Response::from_json(&json!({
                "token": token,
                "player": claims.sub,
                "expires_at": claims.exp * 1000,
            }))
        })
        .get_async("/ws", |req, ctx| async move { play(req, &ctx.env).await })
        .run(req, env)
        .await
}

async fn play(req: Request, env: &Env) -> Result<Response> {
    let upgrade = req.headers().get("upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Response::error("WebSocket endpoint", 426);
    }
    let url = req.url()?;
    if let Some(token) = query(&url, "token") {
        if verify(env, &token).is_none() {
            return refuse("unauthorized", "bad or expired token", 4003);
        }
    }
    let name = query(&url, "name").unwrap_or_else(|| "Player".into());
    if name.chars().count() > 32 {
        return Response::error("name too long", 400);
    }
    let matchmaker = matchmaker(env)?;
    let rooms = env.durable_object("ROOMS")?;
    let mut refused = String::new();
    for _ in 0..4 {
        let assign = Url::parse_with_params("https://mm/assign", &[("refused", &refused)])?;
        let room = matchmaker
            .fetch_with_str(assign.as_str())
            .await?
            .text()
            .await?;
        let target = Url::parse_with_params(
            "https://room/connect",
            &[("room", room.as_str()), ("name", name.as_str())],
        )?;
        let headers = Headers::new();
        headers.set("upgrade", "websocket")?;
        let request =
            Request::new_with_init(target.as_str(), RequestInit::new().with_headers(headers))?;
        let resp = rooms
            .get_by_name(&room)?
            .fetch_with_request(request)
            .await?;
        if resp.status_code() != 409 {
            return Ok(resp);
        }
        refused = room;
    }
    Response::error("rooms full", 503)
}

fn matchmaker(env: &Env) -> Result<Stub> {
    env.durable_object("MATCHMAKER")?.get_by_name("global")
}

// ---- matchmaker -----------------------------------------------------------------------

#[derive(Clone, Default, Serialize, Deserialize)]
struct Rooms {
    next: u64,
    /// Room number → free seats, oldest first.
    free: Vec<(u64, usize)>,
}

impl Rooms {
    fn set(&mut self, room: u64, free: usize) {
        match self.free.iter_mut().find(|(n, _)| *n == room) {
            Some(entry) => entry.1 = free,
            None => self.free.push((room, free)),
        }
    }
}

#[durable_object]
pub struct FloorMatchmaker {
    state: State,
    rooms: RefCell<Option<Rooms>>,
}

impl DurableObject for FloorMatchmaker {
    fn new(state: State, _env: Env) -> Self {
        Self {
            state,
            rooms: RefCell::new(None),
        }
    }

    /// `GET /assign?refused=<room>` answers a room name with a seat reserved;
    /// `GET /report?room=…&free=…` records a room's free seats.
    async fn fetch(&self, req: Request) -> Result<Response> {
        if self.rooms.borrow().is_none() {
            let saved: Option<Rooms> = self.state.storage().get("mm").await?;
            self.rooms
                .borrow_mut()
                .get_or_insert(saved.unwrap_or_default());
        }
        let url = req.url()?;
        let number = |room: &str| room.strip_prefix("r-").and_then(|n| n.parse::<u64>().ok());
        let (answer, snapshot) = {
            let mut cache = self.rooms.borrow_mut();
            let rooms = cache.get_or_insert_with(Rooms::default);
            match url.path() {
                "/assign" => {
                    if let Some(n) = query(&url, "refused").as_deref().and_then(number) {
                        rooms.set(n, 0);
                    }
                    let pick = match rooms.free.iter().find(|(_, free)| *free > 0) {
                        Some(&(n, _)) => n,
                        None => {
                            rooms.next += 1;
                            rooms.free.push((rooms.next - 1, SIZE));
                            rooms.next - 1
                        }
                    };
                    if let Some(entry) = rooms.free.iter_mut().find(|(n, _)| *n == pick) {
                        entry.1 -= 1;
                    }
                    (format!("r-{pick}"), rooms.clone())
                }
                "/report" => {
                    let room = query(&url, "room").as_deref().and_then(number);
                    let free = query(&url, "free").and_then(|f| f.parse::<usize>().ok());
                    if let (Some(n), Some(free)) = (room, free) {
                        if free >= SIZE {
                            rooms.free.retain(|(m, _)| *m != n);
                        } else {
                            rooms.set(n, free);
                        }
                    }
                    (String::new(), rooms.clone())
                }
                _ => return Response::error("not found", 404),
            }
        };
        self.state.storage().put("mm", &snapshot).await?;
        Response::ok(answer)
    }
}

// ---- room -----------------------------------------------------------------------------

#[derive(Clone, Default, Serialize, Deserialize)]
struct Seat {
    name: String,
    total: i64,
    streak: u64,
    ready: bool,
    in_round: bool,
    choice: Option<String>,
    gone: bool,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct RoomState {
    name: String,
    round: u64,
    deadline: Option<u64>,
    seats: Vec<Option<Seat>>,
}

#[derive(Deserialize)]
struct ClientFrame {
    #[serde(rename = "type")]
    kind: String,
    choice: Option<String>,
    face: Option<String>,
}

fn beats(a: &str, b: &str) -> bool {
    let index = |h: &str| HANDS.iter().position(|x| *x == h).unwrap_or(0);
    (index(a) + 3 - index(b)) % 3 == 1
}

/// What a room wants done after it changed its state.
#[derive(Default)]
struct After {
    /// Point the alarm here.
    alarm: Option<u64>,
    delete_alarm: bool,
    /// Tell the matchmaker this many seats are free.
    report: Option<usize>,
}

#[durable_object]
pub struct FloorRoom {
    state: State,
    env: Env,
    round_ms: u64,
    s: RefCell<Option<RoomState>>,
    loaded: Cell<bool>,
}

impl FloorRoom {
    async fn load(&self) -> Result<()> {
        if !self.loaded.get() {
            let saved: Option<RoomState> = self.state.storage().get("room").await?;
            if !self.loaded.replace(true) {
                *self.s.borrow_mut() = saved;
            }
        }
        Ok(())
    }

    async fn save(&self, after: After) -> Result<()> {
        let (snapshot, name) = match self.s.borrow().as_ref() {
            Some(s) => (s.clone(), s.name.clone()),
            None => return Ok(()),
        };
        let storage = self.state.storage();
        storage.put("room", &snapshot).await?;
        if let Some(at) = after.alarm {
            storage
                .set_alarm(at.saturating_sub(Date::now().as_millis()) as i64)
                .await?;
        }
        if after.delete_alarm {
            storage.delete_alarm().await?;
        }
        if let Some(free) = after.report {
            let url = Url::parse_with_params(
                "https://mm/report",
                &[("room", name), ("free", free.to_string())],
            )?;
            matchmaker(&self.env)?.fetch_with_str(url.as_str()).await?;
        }
        Ok(())
    }

    fn send(&self, seat: usize, text: &str) {
        for ws in self.state.get_websockets_with_tag(&seat.to_string()) {
            let _ = ws.send_with_str(text);
        }
    }

    fn broadcast(&self, text: &str, except: Option<usize>) {
        for ws in self.state.get_websockets() {
            let seat = self.seat_of(&ws);
            if seat.is_some() && seat == except {
                continue;
            }
            let _ = ws.send_with_str(text);
        }
    }

    fn seat_of(&self, ws: &WebSocket) -> Option<usize> {
        self.state.get_tags(ws).first()?.parse().ok()
    }

    fn room_frame(&self, s: &RoomState) {
        let phase = if s.deadline.is_some() {
            "playing"
        } else {
            "waiting"
        };
        let frame = json!({ "type": "room", "phase": phase, "seats": views(s) });
        self.broadcast(&frame.to_string(), None);
    }

    /// Starts a round when both seats are taken and ready; returns its deadline.
    fn maybe_start(&self, s: &mut RoomState) -> Option<u64> {
        let everyone_ready = s.seats.iter().all(|p| p.as_ref().is_some_and(|p| p.ready));
        if s.deadline.is_some() || !everyone_ready {
            return None;
        }
        s.round += 1;
        let deadline = Date::now().as_millis() + self.round_ms;
        s.deadline = Some(deadline);
        for p in s.seats.iter_mut().flatten() {
            p.ready = false;
            p.in_round = true;
            p.choice = None;
        }
        let frame = json!({
            "type": "start", "round": s.round, "round_ms": self.round_ms,
            "ends_in_ms": self.round_ms, "seats": views(s),
        });
        self.broadcast(&frame.to_string(), None);
        Some(deadline)
    }

    /// The seat's player is gone: a forfeit until a running round settles, else free.
    fn release(&self, s: &mut RoomState, seat: usize) -> After {
        let running = s.deadline.is_some();
        let Some(p) = s.seats.get_mut(seat).and_then(Option::as_mut) else {
            return After::default();
        };
        if p.gone {
            return After::default();
        }
        if running && p.in_round {
            p.gone = true;
            p.ready = false;
            p.choice = None;
        } else {
            s.seats[seat] = None;
        }
        let mut after = After::default();
        if !s.seats.iter().flatten().any(|p| !p.gone) {
            s.seats.iter_mut().for_each(|p| *p = None);
            s.deadline = None;
            after.delete_alarm = true;
        } else {
            self.room_frame(s);
        }
        after.report = Some(s.seats.iter().filter(|p| p.is_none()).count());
        after
    }
}

fn views(s: &RoomState) -> serde_json::Value {
    let seats: Vec<_> = s
        .seats
        .iter()
        .enumerate()
        .filter_map(|(seat, p)| {
            let p = p.as_ref().filter(|p| !p.gone)?;
            Some(json!({
                "seat": seat, "name": p.name, "avatar": "", "bot": false, "ready": p.ready,
                "away": false, "total": p.total, "streak": p.streak,
            }))
        })
        .collect();
    serde_json::Value::Array(seats)
}

fn error_frame(code: &str, message: &str) -> String {
    json!({ "type": "error", "code": code, "message": message }).to_string()
}

impl DurableObject for FloorRoom {
    fn new(state: State, env: Env) -> Self {
        if let Ok(pair) = worker::worker_sys::WebSocketRequestResponsePair::new(PING, PONG) {
            state.set_websocket_auto_response(&pair);
        }
        let round_ms = env
            .var("ROUND_MS")
            .ok()
            .and_then(|v| v.to_string().parse::<u64>().ok())
            .filter(|ms| (500..=120_000).contains(ms))
            .unwrap_or(5000);
        Self {
            state,
            env,
            round_ms,
            s: RefCell::new(None),
            loaded: Cell::new(false),
        }
    }

    /// `GET /connect?room=…&name=…` with `Upgrade: websocket`: a seat and its socket,
    /// or 409 when the room is full.
    async fn fetch(&self, req: Request) -> Result<Response> {
        let url = req.url()?;
        if url.path() != "/connect" {
            return Response::error("not found", 404);
        }
        self.load().await?;
        let room = query(&url, "room").unwrap_or_default();
        let (client, after) = {
            let mut cache = self.s.borrow_mut();
            let s = cache.get_or_insert_with(|| RoomState {
                name: room.clone(),
                seats: vec![None; SIZE],
                ..RoomState::default()
            });
            let Some(seat) = s.seats.iter().position(Option::is_none) else {
                return Response::error("room full", 409);
            };
            let pair = WebSocketPair::new()?;
            self.state
                .accept_websocket_with_tags(&pair.server, &[&seat.to_string()]);
            s.seats[seat] = Some(Seat {
                name: query(&url, "name").unwrap_or_default(),
                ready: true,
                ..Seat::default()
            });
            let hi = json!({
                "type": "hi", "room": room, "seat": seat, "size": SIZE, "online": 0,
                "round_ms": self.round_ms, "resume": "", "resumed": false,
            });
            self.send(seat, &hi.to_string());
            self.room_frame(s);
            let alarm = self.maybe_start(s);
            (
                pair.client,
                After {
                    alarm,
                    ..After::default()
                },
            )
        };
        self.save(after).await?;
        Response::from_websocket(client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        self.load().await?;
        let Some(seat) = self.seat_of(&ws) else {
            return Ok(());
        };
        let WebSocketIncomingMessage::String(text) = message else {
            let _ = ws.send_with_str(error_frame("bad_frame", "text frames only"));
            return Ok(());
        };
        let after = {
            let mut cache = self.s.borrow_mut();
            let Some(s) = cache.as_mut() else {
                return Ok(());
            };
            let seated = s
                .seats
                .get(seat)
                .and_then(Option::as_ref)
                .is_some_and(|p| !p.gone);
            if !seated {
                let _ =
                    ws.send_with_str(error_frame("not_seated", "this connection holds no seat"));
                return Ok(());
            }
            let Ok(frame) = serde_json::from_str::<ClientFrame>(&text) else {
                let _ = ws.send_with_str(error_frame("bad_frame", "not JSON"));
                return Ok(());
            };
            match frame.kind.as_str() {
                "choice" => {
                    let Some(choice) = frame.choice.filter(|c| HANDS.contains(&c.as_str())) else {
                        let _ = ws.send_with_str(error_frame("bad_frame", "choice"));
                        return Ok(());
                    };
                    let open = s.deadline.is_some_and(|d| Date::now().as_millis() < d);
                    let Some(p) = s.seats[seat].as_mut().filter(|p| open && p.in_round) else {
                        let _ = ws.send_with_str(error_frame(
                            "not_in_round",
                            "no round is running for this seat",
                        ));
                        return Ok(());
                    };
                    p.choice = Some(choice);
                    let movement = json!({ "type": "movement", "seat": seat, "what": "choice" });
                    self.broadcast(&movement.to_string(), Some(seat));
                    After::default()
                }
                "face" => {
                    let Some(face) = frame.face.filter(|f| FACES.contains(&f.as_str())) else {
                        let _ = ws.send_with_str(error_frame("bad_frame", "face"));
                        return Ok(());
                    };
                    let movement =
                        json!({ "type": "movement", "seat": seat, "what": "face", "face": face });
                    self.broadcast(&movement.to_string(), Some(seat));
                    // Nothing to store.
                    return Ok(());
                }
                "join" => {
                    if s.deadline.is_some() {
                        let _ = ws.send_with_str(error_frame(
                            "round_in_progress",
                            "join after the result",
                        ));
                        return Ok(());
                    }
                    if let Some(p) = s.seats[seat].as_mut() {
                        p.ready = true;
                    }
                    self.room_frame(s);
                    After {
                        alarm: self.maybe_start(s),
                        ..After::default()
                    }
                }
                "leave" => {
                    let _ = ws.close(Some(1000), Some("left"));
                    self.release(s, seat)
                }
                "ping" => {
                    let _ = ws.send_with_str(PONG);
                    return Ok(());
                }
                _ => {
                    let _ = ws.send_with_str(error_frame("unknown_type", "unknown frame type"));
                    return Ok(());
                }
            }
        };
        self.save(after).await
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        let _ = ws.close(Some(1000), Some("closed"));
        self.drop_socket(&ws).await
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.drop_socket(&ws).await
    }

    async fn alarm(&self) -> Result<Response> {
        self.settle().await?;
        Response::empty()
    }
}

impl FloorRoom {
    async fn drop_socket(&self, ws: &WebSocket) -> Result<()> {
        self.load().await?;
        let Some(seat) = self.seat_of(ws) else {
            return Ok(());
        };
        let after = match self.s.borrow_mut().as_mut() {
            Some(s) => self.release(s, seat),
            None => return Ok(()),
        };
        self.save(after).await
    }

    /// The round is over: score it, tell everyone, free the seats of players who left.
    async fn settle(&self) -> Result<()> {
        self.load().await?;
        let after = {
            let mut cache = self.s.borrow_mut();
            let Some(s) = cache.as_mut().filter(|s| s.deadline.is_some()) else {
                return Ok(());
            };
            let playing: Vec<usize> = (0..s.seats.len())
                .filter(|&i| s.seats[i].as_ref().is_some_and(|p| p.in_round))
                .collect();
            let choice = |i: usize| s.seats[i].as_ref().and_then(|p| p.choice.clone());
            let bases: Vec<(usize, Option<String>, i64)> = playing
                .iter()
                .map(|&seat| {
                    let mine = choice(seat);
                    let mut base = 0i64;
                    for &other in playing.iter().filter(|&&o| o != seat) {
                        base += match (&mine, choice(other)) {
                            (Some(m), Some(t)) if beats(m, &t) => 1,
                            (Some(m), Some(t)) if beats(&t, m) => -1,
                            (Some(_), None) => 1,
                            (None, Some(_)) => -1,
                            _ => 0,
                        };
                    }
                    (seat, mine, base)
                })
                .collect();
            let mut lines = Vec::new();
            for (seat, mine, base) in bases {
                let Some(p) = s.seats[seat].as_mut() else {
                    continue;
                };
                p.streak = if base > 0 { p.streak + 1 } else { 0 };
                let score = if base > 0 { base * p.streak as i64 } else { 0 };
                p.total += score;
                lines.push(json!({
                    "seat": seat, "choice": mine, "base": base, "score": score,
                    "total": p.total, "streak": p.streak,
                }));
                p.in_round = false;
                p.choice = None;
                p.ready = false;
            }
            s.deadline = None;
            let result = json!({ "type": "result", "round": s.round, "seats": lines });
            self.broadcast(&result.to_string(), None);
            let mut freed = false;
            for p in s.seats.iter_mut() {
                if p.as_ref().is_some_and(|p| p.gone) {
                    *p = None;
                    freed = true;
                }
            }
            if freed {
                self.room_frame(s);
            }
            After {
                report: freed.then(|| s.seats.iter().filter(|p| p.is_none()).count()),
                ..After::default()
            }
        };
        self.save(after).await
    }
}
