//! The `ArenaRoom` Durable Object: one rock-paper-scissors room.
//!
//! Hibernation in one paragraph: sockets are accepted with `accept_websocket_with_tags`,
//! so the runtime, not this object, holds them. When nothing happens for a while the
//! runtime drops this object from memory but keeps the sockets open; the next frame,
//! close or alarm constructs a fresh `ArenaRoom` and calls the handler. Anything kept
//! only in memory is gone at that point. So the room lives in storage (key `room`,
//! written after every event) and in each socket's tag (its connection id), and the
//! in-memory copy is only a cache, filled on first use after each wake-up.
//!
//! Every handler has the same shape: load the room, call the core with `now`, carry
//! out the effects (send, close, report capacity), store the room, and point the one
//! alarm at the room's next deadline. No handler holds a `RefCell` borrow across an
//! `.await`, so events that interleave at an await see a consistent room.
//!
//! Round records go to the stats shards in the background (`waitUntil`): an alarm
//! handler that waited for them would hold back the room's next alarm, since the
//! runtime runs one alarm at a time per object. Undelivered records stay in the room's
//! outbox and are sent again.

use std::cell::{Cell, RefCell};
use std::ops::Deref;
use std::rc::Rc;

use wasm_bindgen::{prelude::*, JsCast};
use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

use super::{
    answer_socket, hop::Hop, matchmaker, now_ms, one_error_socket, random_u64, stats_shard, vars,
    STATS_RECORD_URL,
};
use crate::matchmaker::{owner_of_room, CapacityReport};
use crate::protocol::GameKind;
use crate::protocol::{CloseCode, ErrorCode, PING_FRAME, PONG_FRAME};
use crate::room::{alarm_to_set, Effect, Profile, Room};
use crate::stats::{batch_by_shard, RoundRecord};

/// Storage key of the serialised [`Room`].
const ROOM_KEY: &str = "room";
/// Storage key of the room's [`Room::outbox`] (JSON), written only when it changes.
const OUTBOX_KEY: &str = "records";

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

impl Deref for ArenaRoom {
    type Target = Rc<RoomShell>;

    fn deref(&self) -> &Rc<RoomShell> {
        &self.shell
    }
}

/// Everything the object holds; the handlers live on [`ArenaRoom`], the work on this.
pub struct RoomShell {
    state: State,
    env: Env,
    /// Cache of the stored room; `None` until the first event after a wake-up.
    room: RefCell<Option<Room>>,
    /// The alarm time last set by this instance, to skip redundant `set_alarm` calls.
    armed: Cell<Option<u64>>,
    /// Round ids of the outbox as last stored, to skip redundant writes of it.
    stored_outbox: RefCell<Vec<String>>,
    /// The room's JSON as last stored, to skip writes that would change nothing.
    stored_room: RefCell<Option<String>>,
    /// Identifies this in-memory instance. A new value after an idle spell proves the
    /// room was hibernated or evicted and rebuilt from storage (see `/status`).
    instance: u64,
    /// When this instance was constructed.
    constructed_at: u64,
    /// `DEBUG_FAIL_ALARM_ONCE` already made an alarm fail in this instance.
    failed_alarm: Cell<bool>,
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
            armed: Cell::new(None),
            stored_outbox: RefCell::new(Vec::new()),
            stored_room: RefCell::new(None),
            instance: random_u64(),
            constructed_at: now_ms(),
            failed_alarm: Cell::new(false),
        };
        ArenaRoom {
            shell: Rc::new(shell),
        }
    }

    /// `GET /connect?room=…&conn=…&player=…&name=…&avatar=…&online=…&protocol=…` with
    /// `Upgrade: websocket`, forwarded by the Worker for a player whose token it checked:
    /// answers 101 with the socket (taking over the player's seat if they have one
    /// here), or 409 when the room is full. With `resume=…` instead of `room`, takes back
    /// a held seat (or answers on the socket that the seat is gone). `protocol` is the
    /// subprotocol to answer with. `GET /status` describes this instance, for tests and
    /// operators.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        let query = |key: &str| {
            url.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        match url.path() {
            "/connect" => {}
            "/status" => return self.status().await,
            _ => return Response::error("not found", 404),
        }
        let conn = query("conn");
        let player = query("player");
        let protocol = query("protocol");
        let resume = query("resume");
        let room_name = query("room");
        let online = query("online").parse().unwrap_or(0);
        if query("watch") == "1" && !conn.is_empty() {
            return self.watch(conn, &protocol).await;
        }
        if conn.is_empty() || player.is_empty() || (room_name.is_empty() && resume.is_empty()) {
            return Response::error("conn, player and room (or resume) are required", 400);
        }
        let create = (!room_name.is_empty()).then_some(room_name.as_str());
        let loaded = self.load(create).await?;
        let now = now_ms();
        // Time passes first: whatever fell due while nobody was looking happens now.
        let mut effects = self.note_pings_and_tick(now);

        if resume.is_empty()
            && self
                .room
                .borrow()
                .as_ref()
                .is_none_or(|r| !r.has_seat_for(&player))
        {
            self.finish(now, effects).await?;
            return Response::error("room full", 409);
        }
        let pair = WebSocketPair::new()?;
        let seat_held = loaded
            && (resume.is_empty()
                || self
                    .room
                    .borrow()
                    .as_ref()
                    .is_some_and(|r| r.holds_seat(&resume, &player)));
        if !seat_held {
            // The seat is gone (or the room is): one error frame, then close 4002.
            self.finish(now, effects).await?;
            return one_error_socket(
                ErrorCode::SeatGone,
                "that seat was released; connect again without a resume token",
                CloseCode::SeatGone,
                &protocol,
            );
        }
        self.state
            .accept_websocket_with_tags(&pair.server, &[&conn]);
        let more = if resume.is_empty() {
            let token = format!("{room_name}.{:016x}{:016x}", random_u64(), random_u64());
            let profile = Profile {
                name: query("name"),
                avatar: query("avatar"),
            };
            // No await since the free-seat check above, so the seat is still there.
            self.with_room(|room| {
                room.connect(now, conn.clone(), &player, token, profile, online)
                    .unwrap_or_default()
            })
        } else {
            self.with_room(|room| room.resume(now, conn.clone(), &resume, &player, online))
        };
        effects.extend(more);
        self.finish(now, effects).await?;
        answer_socket(pair.client, &protocol)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        if self.load(None).await? {
            let now = now_ms();
            let effects = self.note_pings_and_tick(now);
            // The runtime cleared the alarm that just fired; forget it so it is re-set.
            self.armed.set(None);
            // Test hook (`DEBUG_FAIL_ALARM_ONCE=1`): the first alarm that settles a round
            // delivers its record, "crashes" before noting the confirmation and fails,
            // so the platform retries the alarm and the record is delivered again.
            let settles = effects.iter().any(|e| matches!(e, Effect::Records(_)));
            if settles && vars::flag(&self.env, "DEBUG_FAIL_ALARM_ONCE") && !self.failed_alarm.get()
            {
                self.failed_alarm.set(true);
                self.finish_with(now, effects, false).await?;
                worker::console_warn!("DEBUG_FAIL_ALARM_ONCE: failing this alarm on purpose");
                return Err("DEBUG_FAIL_ALARM_ONCE".into());
            }
            self.finish(now, effects).await?;
        }
        Response::empty()
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let Some(conn) = self.conn_of(&ws) else {
            return Ok(());
        };
        if !self.load(None).await? {
            return Ok(());
        }
        let now = now_ms();
        let mut effects = self.note_pings_and_tick(now);
        let due = effects.len();
        effects.extend(self.with_room(|room| match &message {
            WebSocketIncomingMessage::String(text) => room.receive(now, &conn, text),
            WebSocketIncomingMessage::Binary(_) => room.receive_binary(now, &conn),
        }));
        // A relayed face or a ping changes nothing worth a storage write, unless time
        // passing did something first: then the frames go out without one.
        let ephemeral = due == 0
            && effects.iter().all(|e| matches!(e, Effect::Send { .. }))
            && self
                .room
                .borrow()
                .as_ref()
                .is_some_and(Room::last_frame_ephemeral);
        if ephemeral {
            self.send_frames(effects);
            return Ok(());
        }
        self.finish(now, effects).await
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
        self.drop_connection(&ws).await
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        self.drop_connection(&ws).await
    }
}

impl RoomShell {
    /// Fills the cache from storage. With `create`, a room that was never stored is
    /// created under that name. Returns whether a room is loaded.
    ///
    /// A room read back from storage is reconciled with the sockets the runtime still
    /// holds: after hibernation they are all there, after a restart of the runtime
    /// none are, and the seats whose socket is gone become away (held for a resume).
    async fn load(self: &Rc<Self>, create: Option<&str>) -> worker::Result<bool> {
        if self.room.borrow().is_some() {
            return Ok(true);
        }
        let stored: Option<String> = self.state.storage().get(ROOM_KEY).await?;
        let outbox: Option<String> = self.state.storage().get(OUTBOX_KEY).await?;
        let outbox: Vec<RoundRecord> = outbox
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        let fresh = || {
            create.map(|name| {
                let game = GameKind::of_room(name).unwrap_or_default();
                let config = vars::room_config(&self.env).for_game(game);
                Room::new(name, config, random_u64())
            })
        };
        let (loaded, from_storage) = match stored.as_deref().map(serde_json::from_str::<Room>) {
            Some(Ok(room)) => (Some(room.with_outbox(outbox)), true),
            Some(Err(err)) => {
                worker::console_error!("stored room unreadable, starting afresh: {err}");
                (fresh(), false)
            }
            None => (fresh(), false),
        };
        {
            let mut cache = self.room.borrow_mut();
            // Another event may have loaded it while we awaited storage.
            if cache.is_some() {
                return Ok(true);
            }
            *self.stored_outbox.borrow_mut() = ids(loaded.as_ref().map_or(&[], Room::outbox));
            *cache = loaded;
            *self.stored_room.borrow_mut() = stored.filter(|_| from_storage);
        }
        if from_storage {
            let live: Vec<String> = self
                .state
                .get_websockets()
                .iter()
                .filter_map(|ws| self.conn_of(ws))
                .collect();
            let now = now_ms();
            let effects = self.with_room(|room| room.reconcile(now, &live));
            if !effects.is_empty() {
                self.finish(now, effects).await?;
            }
        }
        Ok(self.room.borrow().is_some())
    }

    /// Runs `f` on the loaded room (callers have checked that one is loaded).
    fn with_room(&self, f: impl FnOnce(&mut Room) -> Vec<Effect>) -> Vec<Effect> {
        self.room.borrow_mut().as_mut().map(f).unwrap_or_default()
    }

    /// Lets time pass to `now` (whatever fell due happens first), then runs `f`.
    ///
    /// Heartbeats the runtime answered on its own (auto-response) count as signs of
    /// life, so they are noted first: whatever event woke the room (an alarm, a frame
    /// from the other player, a close), a player who only sent heartbeats is alive.
    fn with_room_at(&self, now: u64, f: impl FnOnce(&mut Room) -> Vec<Effect>) -> Vec<Effect> {
        let mut out = self.note_pings_and_tick(now);
        out.extend(self.with_room(f));
        out
    }

    /// Notes the auto-answered heartbeats, then lets time pass to `now`. When nothing
    /// is due yet (the usual case for a frame) neither is needed: a tick does nothing
    /// before [`Room::next_deadline`], and asking the runtime about every socket would
    /// cost one call per socket on every frame.
    fn note_pings_and_tick(&self, now: u64) -> Vec<Effect> {
        let due = self
            .room
            .borrow()
            .as_ref()
            .and_then(Room::next_deadline)
            .is_some_and(|at| at <= now);
        if !due {
            return Vec::new();
        }
        let pings: Vec<(String, u64)> = self
            .state
            .get_websockets()
            .iter()
            .filter_map(|ws| Some((self.conn_of(ws)?, self.last_auto_response(ws)?)))
            .collect();
        self.with_room(|room| {
            for (conn, at) in &pings {
                room.note_ping(conn, *at);
            }
            room.tick(now)
        })
    }

    /// Sends the frames among `effects` (nothing is stored: see `websocket_message`).
    fn send_frames(&self, effects: Vec<Effect>) {
        for effect in effects {
            let (to, text) = match effect {
                Effect::Send { to, frame } => (to, frame.to_json()),
                Effect::SendText { to, text } => (to, text),
                _ => continue,
            };
            for conn in to {
                for ws in self.state.get_websockets_with_tag(&conn) {
                    let _ = ws.send_with_str(&text);
                }
            }
        }
    }

    fn conn_of(&self, ws: &WebSocket) -> Option<String> {
        self.state.get_tags(ws).into_iter().next()
    }

    async fn drop_connection(self: &Rc<Self>, ws: &WebSocket) -> worker::Result<()> {
        let Some(conn) = self.conn_of(ws) else {
            return Ok(());
        };
        if !self.load(None).await? {
            return Ok(());
        }
        let now = now_ms();
        let effects = self.with_room_at(now, |room| room.disconnect(now, &conn));
        self.finish(now, effects).await
    }

    /// Stores the room, sets the alarm, then carries out `effects`. Storing first means
    /// nothing a player has seen can be lost to a crash between sending and storing.
    async fn finish(self: &Rc<Self>, now: u64, effects: Vec<Effect>) -> worker::Result<()> {
        self.finish_with(now, effects, true).await
    }

    /// [`Self::finish`]; `note_confirmations` false delivers records while the caller
    /// waits and leaves them unconfirmed (the alarm test hook).
    async fn finish_with(
        self: &Rc<Self>,
        now: u64,
        effects: Vec<Effect>,
        note_confirmations: bool,
    ) -> worker::Result<()> {
        let Some(name) = self.persist(now).await? else {
            return Ok(());
        };
        let mut reports = Vec::new();
        let mut records = Vec::new();
        for effect in effects {
            match effect {
                send @ (Effect::Send { .. } | Effect::SendText { .. }) => {
                    self.send_frames(vec![send])
                }
                Effect::Close { conn, code } => {
                    for ws in self.state.get_websockets_with_tag(&conn) {
                        let _ = ws.close(Some(code.code()), Some(code.reason()));
                    }
                }
                Effect::Capacity {
                    free,
                    humans,
                    version,
                    players,
                } => reports.push(CapacityReport {
                    room: name.clone(),
                    free,
                    humans,
                    version,
                    players,
                }),
                Effect::Records(batch) => records = batch,
            }
        }
        for report in reports {
            // Best effort: the matchmaker's view is an estimate that rooms correct.
            if let Err(err) = self.report(&report).await {
                worker::console_warn!("capacity report for {} failed: {err}", report.room);
            }
        }
        if records.is_empty() {
            return Ok(());
        }
        if note_confirmations {
            let shell = Rc::clone(self);
            self.state.wait_until(shell.deliver_and_confirm(records));
        } else if let Err(err) = self.deliver(&records).await {
            worker::console_warn!("{} round records not delivered: {err}", records.len());
        }
        Ok(())
    }

    /// Delivers `records` and, once every shard confirmed, drops them from the outbox.
    /// On failure they stay there and go out again (see `Room::tick`).
    async fn deliver_and_confirm(self: Rc<Self>, records: Vec<RoundRecord>) {
        if let Err(err) = self.deliver(&records).await {
            worker::console_warn!("{} round records not delivered: {err}", records.len());
            return;
        }
        self.with_room(|room| {
            records.iter().for_each(|r| room.recorded(&r.round_id));
            Vec::new()
        });
        if let Err(err) = self.persist(now_ms()).await {
            worker::console_warn!("confirmed records not stored: {err}");
        }
    }

    /// Stores the room and points the alarm at its next deadline. Returns the room's
    /// name, or `None` when no room is loaded.
    async fn persist(&self, now: u64) -> worker::Result<Option<String>> {
        let (json, outbox, next, name) = {
            let cache = self.room.borrow();
            let Some(room) = cache.as_ref() else {
                return Ok(None);
            };
            let stored = self.stored_outbox.borrow();
            let changed = !room.outbox().iter().map(|r| &r.round_id).eq(stored.iter());
            let outbox = if changed {
                Some((ids(room.outbox()), serde_json::to_string(room.outbox())?))
            } else {
                None
            };
            (
                serde_json::to_string(room)?,
                outbox,
                room.next_deadline(),
                room.name().to_string(),
            )
        };
        // Issued together (one synchronous stretch), so the runtime writes them as one
        // batch; the outbox first, so a record is never lost between the two.
        let storage = self.state.storage();
        let (outbox_ids, outbox_json) = outbox.unzip();
        let write_outbox = async {
            match outbox_json {
                Some(json) => storage.put(OUTBOX_KEY, json).await,
                None => Ok(()),
            }
        };
        let unchanged = self.stored_room.borrow().as_deref() == Some(json.as_str());
        let write_room = async {
            match unchanged {
                true => Ok(()),
                false => storage.put(ROOM_KEY, json.as_str()).await,
            }
        };
        let alarm_at = alarm_to_set(self.armed.get(), next);
        let set_alarm = async {
            match alarm_at {
                Some(at) => storage.set_alarm(at.saturating_sub(now) as i64).await,
                None => Ok(()),
            }
        };
        let (outbox, room, alarm) = futures_util::join!(write_outbox, write_room, set_alarm);
        outbox?;
        room?;
        alarm?;
        if let Some(ids) = outbox_ids {
            *self.stored_outbox.borrow_mut() = ids;
        }
        if !unchanged {
            *self.stored_room.borrow_mut() = Some(json);
        }
        if alarm_at.is_some() {
            self.armed.set(alarm_at);
        }
        Ok(Some(name))
    }

    /// Sends each stats shard its part of `records`, all shards at once; Ok when every
    /// shard confirmed.
    async fn deliver(&self, records: &[RoundRecord]) -> worker::Result<()> {
        let namespace = self.env.durable_object(super::STATS_BINDING)?;
        let namespace = &namespace;
        let sends = batch_by_shard(records, vars::stats_shards(&self.env))
            .into_iter()
            .map(|(shard, parts)| async move {
                let stub = Hop::to(namespace, &stats_shard(shard))?;
                let answer = stub.post_json(STATS_RECORD_URL, &parts).await?;
                match answer.status {
                    200 => Ok(()),
                    status => Err(format!("stats shard {shard} answered {status}").into()),
                }
            });
        futures_util::future::join_all(sends)
            .await
            .into_iter()
            .collect()
    }

    /// A spectator's socket: attached to the room (hibernatable, like players'), or, for
    /// a room that does not exist, a plain socket that says so and closes.
    async fn watch(self: &Rc<Self>, conn: String, protocol: &str) -> worker::Result<Response> {
        if !self.load(None).await? {
            return one_error_socket(
                ErrorCode::NoSuchRoom,
                "no such room (it may have emptied); see GET /api/rooms",
                CloseCode::Normal,
                protocol,
            );
        }
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[&conn]);
        let now = now_ms();
        let effects = self.with_room_at(now, |room| room.watch(now, conn));
        self.finish(now, effects).await?;
        answer_socket(pair.client, protocol)
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
            connections: Vec<crate::room::ConnId>,
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
            room: room.as_ref().map(|r| r.name()),
            connections: room.as_ref().map(|r| r.connections()).unwrap_or_default(),
        })
    }

    async fn report(&self, report: &CapacityReport) -> worker::Result<()> {
        // The matchmaker that owns this room, from its name (`<game>-<shard>-<n>`).
        let Some((game, shard)) = owner_of_room(&report.room) else {
            return Ok(());
        };
        let (stub, url) = matchmaker(&self.env, game, shard, "/report")?;
        stub.post_json(&url, report).await?;
        Ok(())
    }
}

/// The round ids of `records`, in order.
fn ids(records: &[RoundRecord]) -> Vec<String> {
    records.iter().map(|r| r.round_id.clone()).collect()
}
