//! The `ArenaRoom` Durable Object: one room of any game, around [`crate::room::Room`].
//!
//! Hibernation in one paragraph: sockets are accepted with `accept_websocket_with_tags`,
//! so the runtime, not this object, holds them. When nothing happens for a while the
//! runtime drops this object from memory but keeps the sockets open; the next frame,
//! close or alarm constructs a fresh `ArenaRoom` and calls the handler. Anything kept
//! only in memory is gone at that point. So the room lives in storage (key `room`) and
//! in each socket's tag (its connection id), and the in-memory copy is only a cache,
//! filled on first use after each wake-up.
//!
//! Every handler has the same shape: load the room, turn the platform's event into an
//! [`Event`], hand it to [`Room::handle`], and carry out the [`Outcome`]: store what it
//! says changed, take or refuse the socket that asked in, send, close, report, and
//! point the one alarm at the room's next deadline. Every rule, including the order in
//! which time passes and events happen, is the core's. No handler holds a `RefCell`
//! borrow across an `.await`, so events that interleave at an await see a consistent
//! room.
//!
//! Round records go to the stats shards in the background (`waitUntil`): an alarm
//! handler that waited for them would hold back the room's next alarm, since the
//! runtime runs one alarm at a time per object. Undelivered records stay in the room's
//! outbox and are sent again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::{prelude::*, JsCast};
use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

use super::invites_object::{directory, directory_url, Occupancy};
use super::matchmaker_object::report_capacity;
use super::room_store::RoomStore;
use super::stats_object::deliver;
use super::{answer_socket, now_ms, random_u64, turned_away, vars};
use crate::address::Address;
use crate::effects::{Admission, Effect, Outcome};
use crate::game::Privacy;
use crate::games::GameKind;
use crate::ids::{Code, ConnId, ResumeToken, RoomName};
use crate::matchmaker::CapacityReport;
use crate::protocol::{PING_FRAME, PONG_FRAME};
use crate::room::{Arrival, Event, Room};
use crate::seats::Profile;
use crate::stats::RoundRecord;

#[wasm_bindgen]
extern "C" {
    /// The Durable Object state seen through the one method the `worker` crate does
    /// not bind yet.
    type AutoResponseState;

    /// When the runtime last answered a heartbeat on `ws` by auto-response (those never
    /// reach the room), or null.
    #[wasm_bindgen(method, catch, js_name = getWebSocketAutoResponseTimestamp)]
    fn get_websocket_auto_response_timestamp(
        this: &AutoResponseState,
        ws: &worker::web_sys::WebSocket,
    ) -> Result<Option<worker::js_sys::Date>, JsValue>;
}

#[durable_object]
pub struct ArenaRoom {
    /// Shared with background work (record deliveries) that outlives a handler.
    shell: Rc<RoomShell>,
}

/// Everything the object holds; the handlers live on [`ArenaRoom`], the work on this.
pub struct RoomShell {
    state: State,
    env: Env,
    /// Cache of the stored room; `None` until the first event after a wake-up.
    room: RefCell<Option<Room>>,
    /// How the room is kept in storage.
    store: RoomStore,
    /// Identifies this in-memory instance. A new value after an idle spell proves the
    /// room was hibernated or evicted and rebuilt from storage (see `/status`).
    instance: u64,
    /// When this instance was constructed.
    constructed_at: u64,
    /// `DEBUG_FAIL_ALARM_ONCE` already made an alarm fail in this instance.
    failed_alarm: Cell<bool>,
    /// When the last event was handed to the room (`DEBUG_TIMING` logs how long its
    /// frames waited to go out).
    handled_at: Cell<u64>,
}

impl DurableObject for ArenaRoom {
    fn new(state: State, env: Env) -> Self {
        // Heartbeats are answered by the runtime itself, without waking the room.
        match worker::worker_sys::WebSocketRequestResponsePair::new(PING_FRAME, PONG_FRAME) {
            Ok(pair) => state.set_websocket_auto_response(&pair),
            Err(err) => worker::console_error!("auto-response not set: {err:?}"),
        }
        let shell = RoomShell {
            state,
            env,
            room: RefCell::new(None),
            store: RoomStore::default(),
            instance: random_u64(),
            constructed_at: now_ms(),
            failed_alarm: Cell::new(false),
            handled_at: Cell::new(0),
        };
        ArenaRoom {
            shell: Rc::new(shell),
        }
    }

    /// `GET /connect?…` with `Upgrade: websocket`, forwarded by the Worker for a player
    /// whose token it checked: `room=…&conn=…&player=…&name=…&avatar=…&online=…` asks for
    /// a seat, `resume=<token>` instead of `room` takes a held seat back, `watch=1`
    /// watches; `protocol` is the subprotocol to answer with. The answer is 101 with
    /// the socket, 409 when the room is full, or a socket that says why not. `GET
    /// /status` describes this instance, for tests and operators.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let href = req.inner().url();
        let url = Address::parse(&href);
        let query = |key: &str| url.param(key).unwrap_or_default().into_owned();
        match url.path() {
            "/connect" => {}
            "/open" => {
                return self
                    .shell
                    .open_private(&query("room"), &query("code"), query("bots") == "1")
                    .await
            }
            "/status" => return self.shell.status().await,
            _ => return Response::error("not found", 404),
        }
        let code = Code::parse(&query("code"));
        let (conn, player, protocol) = (query("conn"), query("player"), query("protocol"));
        let watch = query("watch") == "1";
        if conn.is_empty() || (player.is_empty() && !watch) {
            return Response::error("conn and player are required", 400);
        }
        let resume = query("resume");
        let event = if watch {
            Event::Watch {
                conn: conn.clone(),
                code,
            }
        } else if !resume.is_empty() {
            let Some(token) = ResumeToken::parse(&resume) else {
                return self.shell.answer(&conn, &protocol, Admission::seat_gone());
            };
            Event::Resume {
                conn: conn.clone(),
                player,
                token,
                online: query("online").parse().unwrap_or(0),
            }
        } else {
            let Some(room) = RoomName::parse(&query("room")) else {
                return Response::error("room, resume or watch is required", 400);
            };
            if !self.shell.load(Some(&room)).await? {
                return Response::error("no game plays in that room", 404);
            }
            Event::Connect(Arrival {
                conn: conn.clone(),
                player,
                profile: Profile {
                    name: query("name"),
                    avatar: query("avatar"),
                },
                secret: u128::from(random_u64()) << 64 | u128::from(random_u64()),
                online: query("online").parse().unwrap_or(0),
                code,
            })
        };
        if !self.shell.load(None).await? {
            // A resume or a spectator for a room that is not there (or never was).
            let admission = match event {
                Event::Watch { .. } => Admission::no_such_room(),
                _ => Admission::seat_gone(),
            };
            return self.shell.answer(&conn, &protocol, admission);
        }
        let outcome = self.shell.handle(event);
        // No await between the room's decision and taking the socket: the seat it
        // gave is still this connection's.
        let admission = outcome.admission.clone();
        let answer = self.shell.answer(&conn, &protocol, admission);
        self.shell.finish(outcome).await?;
        answer
    }

    async fn alarm(&self) -> worker::Result<Response> {
        if self.shell.load(None).await? {
            self.shell.store.alarm_fired();
            let outcome = self.shell.handle(Event::Alarm);
            // Test hook (`DEBUG_FAIL_ALARM_ONCE=1`): the first alarm that settles a round
            // delivers its record, "crashes" before noting the confirmation and fails,
            // so the platform retries the alarm and the record is delivered again.
            let settles = outcome
                .effects
                .iter()
                .any(|e| matches!(e, Effect::Records(_)));
            if settles
                && vars::flag(&self.shell.env, "DEBUG_FAIL_ALARM_ONCE")
                && !self.shell.failed_alarm.replace(true)
            {
                self.shell.finish_with(outcome, false).await?;
                worker::console_warn!("DEBUG_FAIL_ALARM_ONCE: failing this alarm on purpose");
                return Err("DEBUG_FAIL_ALARM_ONCE".into());
            }
            self.shell.finish(outcome).await?;
        }
        Response::empty()
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let Some(conn) = self.shell.conn_of(&ws) else {
            return Ok(());
        };
        if !self.shell.load(None).await? {
            return Ok(());
        }
        let event = match message {
            WebSocketIncomingMessage::String(text) => Event::Text { conn, text },
            WebSocketIncomingMessage::Binary(_) => Event::Binary { conn },
        };
        let outcome = self.shell.handle(event);
        self.shell.finish(outcome).await
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // Answer the peer's close frame. Hibernatable sockets are not covered by the
        // runtime's automatic reply (without this the peer waits in CLOSING); a socket
        // that is already closed ignores the call.
        let _ = ws.close(Some(1000), Some("closed"));
        self.shell.closed(&ws).await
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        self.shell.closed(&ws).await
    }
}

impl RoomShell {
    /// Fills the cache from storage. With `create`, a room that was never stored is
    /// created under that name. Returns whether a room is loaded.
    ///
    /// A room read back from storage hears which sockets the runtime still holds: after
    /// hibernation they are all there, after a restart of the runtime none are.
    async fn load(self: &Rc<Self>, create: Option<&RoomName>) -> worker::Result<bool> {
        if self.room.borrow().is_some() {
            return Ok(true);
        }
        let stored = self.store.read(&self.state.storage()).await?;
        let from_storage = stored.is_some();
        let loaded = stored.or_else(|| {
            let name = create?;
            let kind = GameKind::of_room(name)?;
            let (config, settings) = vars::room_settings(&self.env);
            Some(Room::new(
                name.clone(),
                kind,
                config,
                &settings,
                random_u64(),
            ))
        });
        {
            let mut cache = self.room.borrow_mut();
            // Another event may have loaded it while we awaited storage.
            if cache.is_some() {
                return Ok(true);
            }
            *cache = loaded;
        }
        if from_storage {
            let live: Vec<ConnId> = self
                .state
                .get_websockets()
                .iter()
                .filter_map(|ws| self.conn_of(ws))
                .collect();
            let outcome = self.handle(Event::Restarted { live });
            self.finish(outcome).await?;
        }
        Ok(self.room.borrow().is_some())
    }

    /// `POST /open?room=…&code=…&bots=0|1` (from the Worker's `POST /api/rooms`): this
    /// room opens as a private room with that code.
    async fn open_private(
        self: &Rc<Self>,
        room: &str,
        code: &str,
        bots: bool,
    ) -> worker::Result<Response> {
        let (Some(room), Some(code)) = (
            RoomName::parse(room).filter(RoomName::is_private),
            Code::parse(code),
        ) else {
            return Response::error("a private room name and a code are required", 400);
        };
        if !self.load(Some(&room)).await? {
            return Response::error("no game plays in that room", 404);
        }
        let outcome = self.handle(Event::Privatise(Privacy { code, bots }));
        self.finish(outcome).await?;
        Response::empty()
    }

    /// Hands `event` to the loaded room, now, with the heartbeats the runtime answered
    /// on its own when the room needs to know them.
    fn handle(&self, event: Event) -> Outcome {
        let now = now_ms();
        self.handled_at.set(now);
        let mut cache = self.room.borrow_mut();
        let Some(room) = cache.as_mut() else {
            return Outcome::default();
        };
        let heard: Vec<(ConnId, u64)> = match room.wants_heard(now) {
            true => self
                .state
                .get_websockets()
                .iter()
                .filter_map(|ws| Some((self.conn_of(ws)?, self.last_auto_response(ws)?)))
                .collect(),
            false => Vec::new(),
        };
        room.handle(now, &heard, event)
    }

    /// The answer to a connection that asked in: its socket, 409, or a socket that
    /// carries the reason and closes.
    fn answer(&self, conn: &str, protocol: &str, admission: Admission) -> worker::Result<Response> {
        match admission {
            Admission::Accept => {
                let pair = WebSocketPair::new()?;
                self.state.accept_websocket_with_tags(&pair.server, &[conn]);
                answer_socket(pair.client, protocol)
            }
            Admission::Full => Response::error("room full", 409),
            refused => turned_away(refused, protocol),
        }
    }

    async fn closed(self: &Rc<Self>, ws: &WebSocket) -> worker::Result<()> {
        let Some(conn) = self.conn_of(ws) else {
            return Ok(());
        };
        if !self.load(None).await? {
            return Ok(());
        }
        let outcome = self.handle(Event::Closed { conn });
        self.finish(outcome).await
    }

    fn conn_of(&self, ws: &WebSocket) -> Option<String> {
        self.state.get_tags(ws).into_iter().next()
    }

    /// Stores what the outcome says changed and sets the alarm, then carries out its
    /// effects. Storing first means nothing a player has seen can be lost to a crash
    /// between sending and storing.
    async fn finish(self: &Rc<Self>, outcome: Outcome) -> worker::Result<()> {
        self.finish_with(outcome, true).await
    }

    /// [`Self::finish`]; `note_confirmations` false delivers records while the caller
    /// waits and leaves them unconfirmed (the alarm test hook).
    async fn finish_with(
        self: &Rc<Self>,
        outcome: Outcome,
        note_confirmations: bool,
    ) -> worker::Result<()> {
        let (writes, name) = {
            let cache = self.room.borrow();
            let Some(room) = cache.as_ref() else {
                return Ok(());
            };
            let writes = self.store.writes(room, &outcome)?;
            (writes, room.name().clone())
        };
        self.store.write(&self.state.storage(), writes).await?;
        let report_release = outcome.report_release;
        let mut records = Vec::new();
        for effect in outcome.effects {
            match effect {
                Effect::Send { to, frame } => {
                    for conn in to {
                        for ws in self.state.get_websockets_with_tag(&conn) {
                            let _ = ws.send_with_str(frame.text());
                        }
                    }
                }
                Effect::Close { conn, code } => {
                    for ws in self.state.get_websockets_with_tag(&conn) {
                        let _ = ws.close(Some(code.code()), Some(code.reason()));
                    }
                }
                Effect::Capacity {
                    free,
                    humans,
                    away,
                    bots,
                    version,
                    players,
                } => {
                    let report = CapacityReport {
                        room: name.to_string(),
                        free,
                        humans,
                        away,
                        bots,
                        version,
                        players,
                    };
                    // Best effort: the matchmaker's view is an estimate that rooms correct.
                    if let Err(err) = report_capacity(&self.env, &report).await {
                        worker::console_warn!("capacity report for {name} failed: {err}");
                    }
                }
                Effect::Records(batch) => records = batch,
                Effect::Occupancy { code, people } => {
                    let url = directory_url("/occupancy", &[]);
                    let report = Occupancy { code, people };
                    let sent = async { directory(&self.env)?.post_json(&url, &report).await };
                    if let Err(err) = sent.await {
                        worker::console_warn!("occupancy of {name} not reported: {err}");
                    }
                }
            }
        }
        if report_release {
            // The frames just went out: a round they announce counts from now.
            if vars::flag(&self.env, "DEBUG_TIMING") {
                let held = now_ms().saturating_sub(self.handled_at.get());
                worker::console_log!(
                    "timing: start of a round in {name} went out {held} ms after it was decided"
                );
            }
            let released = self.handle(Event::Released);
            Box::pin(self.finish(released)).await?;
        }
        if records.is_empty() {
            return Ok(());
        }
        if note_confirmations {
            let shell = Rc::clone(self);
            self.state.wait_until(shell.deliver_and_confirm(records));
        } else if let Err(err) = deliver(&self.env, &records).await {
            worker::console_warn!("{} round records not delivered: {err}", records.len());
        }
        Ok(())
    }

    /// Delivers `records` and, once every shard confirmed, tells the room. On failure
    /// they stay in its outbox and go out again.
    async fn deliver_and_confirm(self: Rc<Self>, records: Vec<RoundRecord>) {
        if let Err(err) = deliver(&self.env, &records).await {
            worker::console_warn!("{} round records not delivered: {err}", records.len());
            return;
        }
        let round_ids = records.into_iter().map(|r| r.round_id).collect();
        let outcome = self.handle(Event::Recorded { round_ids });
        if let Err(err) = Box::pin(self.finish(outcome)).await {
            worker::console_warn!("confirmed records not stored: {err}");
        }
    }

    /// When the runtime last auto-answered a heartbeat on `ws`, in ms since the epoch.
    fn last_auto_response(&self, ws: &WebSocket) -> Option<u64> {
        let state: &AutoResponseState = self.state.as_raw().unchecked_ref();
        let date = state
            .get_websocket_auto_response_timestamp(ws.as_ref())
            .ok()??;
        let ms = date.get_time();
        (ms.is_finite() && ms > 0.0).then_some(ms as u64)
    }

    /// `GET /status`: which instance this is and what it holds.
    async fn status(self: &Rc<Self>) -> worker::Result<Response> {
        let loaded_before = self.room.borrow().is_some();
        self.load(None).await?;
        let room = self.room.borrow();
        #[derive(serde::Serialize)]
        struct Status<'a> {
            instance: String,
            constructed_at: u64,
            was_loaded: bool,
            sockets: usize,
            room: Option<&'a str>,
            connections: Vec<ConnId>,
            /// The isolate's wasm memory (every object of this Worker in it shares it),
            /// which grows and never shrinks.
            wasm_memory_bytes: usize,
        }
        Response::from_json(&Status {
            wasm_memory_bytes: core::arch::wasm32::memory_size(0) * 65536,
            instance: format!("{:016x}", self.instance),
            constructed_at: self.constructed_at,
            was_loaded: loaded_before,
            sockets: self.state.get_websockets().len(),
            room: room.as_ref().map(|r| r.name().as_str()),
            connections: room.as_ref().map(|r| r.connections()).unwrap_or_default(),
        })
    }
}
