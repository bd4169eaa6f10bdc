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

use std::cell::{Cell, RefCell};

use worker::{
    durable_object, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

use super::{
    now_ms, post_json, random_u64, vars, MATCHMAKER_BINDING, MATCHMAKER_NAME, MATCHMAKER_REPORT_URL,
};
use crate::matchmaker::CapacityReport;
use crate::protocol::{PING_FRAME, PONG_FRAME};
use crate::room::{Effect, Profile, Room};

/// Storage key of the serialised [`Room`].
const ROOM_KEY: &str = "room";

#[durable_object]
pub struct ArenaRoom {
    state: State,
    env: Env,
    /// Cache of the stored room; `None` until the first event after a wake-up.
    room: RefCell<Option<Room>>,
    /// The alarm time last set by this instance, to skip redundant `set_alarm` calls.
    armed: Cell<Option<u64>>,
}

impl DurableObject for ArenaRoom {
    fn new(state: State, env: Env) -> Self {
        // Heartbeats are answered by the runtime itself, without waking the room.
        match worker::worker_sys::WebSocketRequestResponsePair::new(PING_FRAME, PONG_FRAME) {
            Ok(pair) => state.set_websocket_auto_response(&pair),
            Err(err) => worker::console_error!("auto-response not set: {err:?}"),
        }
        ArenaRoom {
            state,
            env,
            room: RefCell::new(None),
            armed: Cell::new(None),
        }
    }

    /// `GET /connect?room=…&conn=…&name=…&avatar=…&online=…` with `Upgrade: websocket`,
    /// forwarded by the Worker. Answers 101 with the socket, or 409 when the room is full.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        if url.path() != "/connect" {
            return Response::error("not found", 404);
        }
        let query = |key: &str| {
            url.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        let conn = query("conn");
        let room_name = query("room");
        if conn.is_empty() || room_name.is_empty() {
            return Response::error("conn and room are required", 400);
        }
        self.load(Some(&room_name)).await?;
        if self
            .room
            .borrow()
            .as_ref()
            .is_none_or(|r| r.free_seats() == 0)
        {
            return Response::error("room full", 409);
        }

        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[&conn]);
        let now = now_ms();
        let profile = Profile {
            name: query("name"),
            avatar: query("avatar"),
        };
        let online = query("online").parse().unwrap_or(0);
        // No await since the free-seat check above, so the seat is still there.
        let effects = self.with_room(|room| {
            room.connect(now, conn.clone(), profile, online)
                .unwrap_or_default()
        });
        self.finish(now, effects).await?;
        Response::from_websocket(pair.client)
    }

    async fn alarm(&self) -> worker::Result<Response> {
        if self.load(None).await? {
            let now = now_ms();
            let effects = self.with_room(|room| room.tick(now));
            // The runtime cleared the alarm that just fired; forget it so it is re-set.
            self.armed.set(None);
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
        let effects = self.with_room(|room| match &message {
            WebSocketIncomingMessage::String(text) => room.receive(now, &conn, text),
            WebSocketIncomingMessage::Binary(_) => room.receive_binary(&conn),
        });
        self.finish(now, effects).await
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> worker::Result<()> {
        // Complete the closing handshake; the socket may already be gone, which is fine.
        let _ = ws.close(Some(1000), Some("closed"));
        self.drop_connection(&ws).await
    }

    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> worker::Result<()> {
        self.drop_connection(&ws).await
    }
}

impl ArenaRoom {
    /// Fills the cache from storage. With `create`, a room that was never stored is
    /// created under that name. Returns whether a room is loaded.
    async fn load(&self, create: Option<&str>) -> worker::Result<bool> {
        if self.room.borrow().is_some() {
            return Ok(true);
        }
        let stored: Option<String> = self.state.storage().get(ROOM_KEY).await?;
        let loaded = match stored.map(|json| serde_json::from_str::<Room>(&json)) {
            Some(Ok(room)) => Some(room),
            Some(Err(err)) => {
                worker::console_error!("stored room unreadable, starting afresh: {err}");
                create.map(|name| Room::new(name, vars::room_config(&self.env), random_u64()))
            }
            None => create.map(|name| Room::new(name, vars::room_config(&self.env), random_u64())),
        };
        let mut cache = self.room.borrow_mut();
        // Another event may have loaded it while we awaited storage.
        if cache.is_none() {
            *cache = loaded;
        }
        Ok(cache.is_some())
    }

    /// Runs `f` on the loaded room (callers have checked that one is loaded).
    fn with_room(&self, f: impl FnOnce(&mut Room) -> Vec<Effect>) -> Vec<Effect> {
        self.room.borrow_mut().as_mut().map(f).unwrap_or_default()
    }

    fn conn_of(&self, ws: &WebSocket) -> Option<String> {
        self.state.get_tags(ws).into_iter().next()
    }

    async fn drop_connection(&self, ws: &WebSocket) -> worker::Result<()> {
        let Some(conn) = self.conn_of(ws) else {
            return Ok(());
        };
        if !self.load(None).await? {
            return Ok(());
        }
        let now = now_ms();
        let effects = self.with_room(|room| room.disconnect(now, &conn));
        self.finish(now, effects).await
    }

    /// Carries out `effects`, stores the room and sets the alarm.
    async fn finish(&self, now: u64, effects: Vec<Effect>) -> worker::Result<()> {
        let mut reports = Vec::new();
        for effect in effects {
            match effect {
                Effect::Send { to, frame } => {
                    let text = frame.to_json();
                    for conn in to {
                        for ws in self.state.get_websockets_with_tag(&conn) {
                            // A socket closing under us is not an error worth failing for.
                            let _ = ws.send_with_str(&text);
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
                    version,
                } => reports.push((free, humans, version)),
            }
        }

        let (json, next, name) = {
            let cache = self.room.borrow();
            let Some(room) = cache.as_ref() else {
                return Ok(());
            };
            (
                serde_json::to_string(room)?,
                room.next_deadline(),
                room.name().to_string(),
            )
        };
        self.state.storage().put(ROOM_KEY, json).await?;
        if next != self.armed.get() {
            match next {
                Some(at) => {
                    let offset = at.saturating_sub(now) as i64;
                    self.state.storage().set_alarm(offset).await?;
                }
                None => self.state.storage().delete_alarm().await?,
            }
            self.armed.set(next);
        }

        for (free, humans, version) in reports {
            let report = CapacityReport {
                room: name.clone(),
                free,
                humans,
                version,
            };
            // Best effort: the matchmaker's view is an estimate that rooms correct.
            if let Err(err) = self.report(&report).await {
                worker::console_warn!("capacity report for {} failed: {err}", report.room);
            }
        }
        Ok(())
    }

    async fn report(&self, report: &CapacityReport) -> worker::Result<()> {
        let matchmaker = self
            .env
            .durable_object(MATCHMAKER_BINDING)?
            .get_by_name(MATCHMAKER_NAME)?;
        post_json(&matchmaker, MATCHMAKER_REPORT_URL, report).await?;
        Ok(())
    }
}
