//! The `ArenaRoom` Durable Object: a house of rooms of any game ([`crate::house`]),
//! each a [`crate::room::Room`]. (The class keeps its first name: Durable Object
//! classes are named in `wrangler.toml`'s migrations, and renaming one is a migration.)
//!
//! Hibernation in one paragraph: sockets are accepted with `accept_websocket_with_tags`,
//! so the runtime, not this object, holds them. When nothing happens for a while the
//! runtime drops this object from memory but keeps the sockets open; the next frame,
//! close or alarm constructs a fresh `ArenaRoom` and calls the handler. Anything kept
//! only in memory is gone at that point. So the rooms live in storage (`room:<name>`)
//! and each socket's tags say whose it is (its connection id) and which room it is in,
//! and the in-memory house is only a cache, filled on first use after each wake-up.
//!
//! Every handler has the same shape: load the house, turn the platform's event into an
//! [`Event`] for one room, hand it to [`House::handle`], and carry out the [`Outcome`]:
//! store what it says changed, take or refuse the socket that asked in, send, close,
//! report, and keep the house's next deadline: a timer of this instance when it is
//! near, the one alarm (its backstop, or the deadline itself when far) as
//! [`Outcome::wake`] says. Every rule, including the order in which time passes and
//! events happen, is the core's. No handler holds a `RefCell` borrow across an
//! `.await`, so events that interleave at an await see a consistent house.
//!
//! Round records go to the stats shards in the background (`waitUntil`): an alarm
//! handler that waited for them would hold back the room's next alarm, since the
//! runtime runs one alarm at a time per object. Undelivered records stay in the room's
//! outbox and are sent again.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

use wasm_bindgen::{prelude::*, JsCast};
use worker::{
    durable_object, Delay, DurableObject, Env, Request, Response, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

use super::invites_object::{directory, directory_url, Occupancy};
use super::matchmaker_store::{self, Listing};
use super::room_store::RoomStore;
use super::socket_cache::SocketCache;
use super::stats_object::deliver;
use super::{answer_socket, now_ms, random_u64, turned_away, vars};
use crate::address::Address;
use crate::effects::{timer_for, wait_in_alarm, Admission, Effect, Outcome};
use crate::game::Privacy;
use crate::games::GameKind;
use crate::house::{deliveries, house_of, shard_house, House, DELIVERY_PAUSE_MS};
use crate::ids::{Code, ConnId, ResumeToken, RoomName};
use crate::matchmaker::{owner_of_room, Answer, Ask, CapacityReport, Matchmaker};
use crate::protocol::{PING_FRAME, PONG_FRAME};
use crate::room::{Arrival, Event, Room};
use crate::seats::Profile;
use crate::stats::RoundRecord;

mod matchmaking;

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
    /// Cache of the stored rooms; `None` until the first event after a wake-up.
    house: RefCell<Option<House>>,
    /// The matchmaker, when this object is a matchmaker shard's (and the house of its
    /// rooms); a cache of its tables like `house`, filled on first use.
    matchmaker: RefCell<Option<Matchmaker>>,
    /// How the rooms are kept in storage.
    store: RoomStore,
    /// The sockets this instance has seen, by connection.
    sockets: SocketCache,
    /// Outcomes of frames received and of seats given while a commit was in flight,
    /// handled by their rooms but not yet carried out, oldest first: see
    /// [`RoomShell::finish_grouped`].
    grouped: RefCell<VecDeque<(RoomName, Outcome)>>,
    /// A task waits for the commit in flight and then carries out `grouped`.
    committing: Cell<bool>,
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
    /// When this instance's timer fires, if one is pending: it keeps the house's near
    /// deadlines ([`crate::effects::TIMER_AHEAD_MS`]; see [`RoomShell::keep_near`]).
    timer_at: Cell<Option<u64>>,
}

impl DurableObject for ArenaRoom {
    fn new(state: State, env: Env) -> Self {
        // Heartbeats are answered by the runtime itself, without waking the room.
        match worker::worker_sys::WebSocketRequestResponsePair::new(PING_FRAME, PONG_FRAME) {
            Ok(pair) => state.set_websocket_auto_response(&pair),
            Err(err) => worker::console_error!("auto-response not set: {err:?}"),
        }
        let store = RoomStore::new(&state.storage());
        let shell = RoomShell {
            state,
            env,
            house: RefCell::new(None),
            matchmaker: RefCell::new(None),
            store,
            sockets: SocketCache::default(),
            grouped: RefCell::default(),
            committing: Cell::new(false),
            instance: random_u64(),
            constructed_at: now_ms(),
            failed_alarm: Cell::new(false),
            handled_at: Cell::new(0),
            timer_at: Cell::new(None),
        };
        ArenaRoom {
            shell: Rc::new(shell),
        }
    }

    /// `GET /connect?room=…&…` with `Upgrade: websocket`, forwarded by the Worker for a
    /// player whose token it checked: `conn=…&player=…&name=…&avatar=…&online=…` asks
    /// for a seat, `resume=<token>` takes a held seat back, `watch=1` watches;
    /// `protocol` is the subprotocol to answer with. The answer is 101 with the socket,
    /// 409 when the room is full, or a socket that says why not. `GET
    /// /status?room=…` describes this instance and that room, for tests and operators.
    async fn fetch(&self, req: Request) -> worker::Result<Response> {
        let href = req.inner().url();
        let url = Address::parse(&href);
        let query = |key: &str| url.param(key).unwrap_or_default().into_owned();
        match url.path() {
            "/connect" => {}
            "/seat" => return self.shell.seat(&url).await,
            "/assign" => return self.shell.assign(&url).await,
            "/rooms" => return self.shell.listing(&url).await,
            "/open" => {
                return self
                    .shell
                    .open_private(&query("room"), &query("code"), query("bots") == "1")
                    .await
            }
            "/status" => return self.shell.status(&query("room")).await,
            _ => return Response::error("not found", 404),
        }
        let code = Code::parse(&query("code"));
        let (conn, player, protocol) = (query("conn"), query("player"), query("protocol"));
        let watch = query("watch") == "1";
        if conn.is_empty() || (player.is_empty() && !watch) {
            return Response::error("conn and player are required", 400);
        }
        let resume = query("resume");
        let Some(room) = RoomName::parse(&query("room")) else {
            return Response::error("room is required", 400);
        };
        // A new seat may open the room; a resume or a spectator needs it there already.
        let asks_seat = !watch && resume.is_empty();
        if !self.shell.load(&room, asks_seat).await? {
            if asks_seat {
                return Response::error("no game plays in that room", 404);
            }
            let admission = match watch {
                true => Admission::no_such_room(),
                false => Admission::seat_gone(),
            };
            return self.shell.answer(&conn, &room, &protocol, admission);
        }
        let event = if watch {
            Event::Watch {
                conn: conn.clone(),
                code,
            }
        } else if !resume.is_empty() {
            let Some(token) = ResumeToken::parse(&resume) else {
                return self
                    .shell
                    .answer(&conn, &room, &protocol, Admission::seat_gone());
            };
            Event::Resume {
                conn: conn.clone(),
                player,
                token,
                online: query("online").parse().unwrap_or(0),
            }
        } else {
            let online = query("online").parse().unwrap_or(0);
            Event::Connect(arrival(&url, &conn, &player, online, code))
        };
        let outcome = self.shell.handle(&room, event);
        // No await between the room's decision and taking the socket: the seat it
        // gave is still this connection's.
        let admission = outcome.admission.clone();
        let answer = self.shell.answer(&conn, &room, &protocol, admission);
        self.shell.finish(&room, outcome).await?;
        answer
    }

    /// The house's alarm: each room with something due gets [`Event::Alarm`]; while
    /// the house's next deadline is near, the handler waits for it and ticks again
    /// ([`wait_in_alarm`]); then the alarm points at the house's next deadline.
    async fn alarm(&self) -> worker::Result<Response> {
        let (due, fired_at) = (self.shell.store.armed(), now_ms());
        self.shell.load_house().await?;
        // After the load: rooms read back may have pointed the alarm at what is due now.
        self.shell.store.alarm_fired();
        let ticked = self.shell.tick_while_due(fired_at).await;
        self.shell.store.alarm_returns();
        ticked?;
        self.shell.rearm().await?;
        self.shell.keep_next_near();
        if vars::flag(&self.shell.env, "DEBUG_TIMING") {
            // Where a result's lateness goes: the alarm firing late, or the output gate
            // holding the frames until the alarm's writes are durable.
            let sent = now_ms();
            self.shell.state.storage().sync().await?;
            let late = due.map_or(-1, |due| fired_at as i64 - due as i64);
            worker::console_log!(
                "timing: alarm fired {late} ms after it was due; frames sent {} ms and durable {} ms after it fired",
                sent - fired_at,
                now_ms() - fired_at
            );
        }
        Response::empty()
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> worker::Result<()> {
        let Some((conn, room)) = self.shell.tags_of(&ws) else {
            return Ok(());
        };
        if !self.shell.load(&room, false).await? {
            return Ok(());
        }
        let event = match message {
            WebSocketIncomingMessage::String(text) => Event::Text { conn, text },
            WebSocketIncomingMessage::Binary(_) => Event::Binary { conn },
        };
        let outcome = self.shell.handle(&room, event);
        self.shell.finish_grouped(room, outcome).await
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
    /// Fills the cache from storage, once per instance: every room of the house. Each
    /// room read back hears which of its sockets the runtime still holds: after
    /// hibernation they are all there, after a restart of the runtime none are.
    async fn load_house(self: &Rc<Self>) -> worker::Result<()> {
        if self.house.borrow().is_some() {
            return Ok(());
        }
        let stored = self.store.read_all(&self.state.storage()).await?;
        let names: Vec<RoomName> = stored.iter().map(|r| r.name().clone()).collect();
        {
            let mut cache = self.house.borrow_mut();
            // Another event may have loaded it while we awaited storage.
            if cache.is_some() {
                return Ok(());
            }
            *cache = Some(House::new(stored));
        }
        for room in names {
            let live = self.sockets_in(&room).map(|(conn, _)| conn).collect();
            let outcome = self.handle(&room, Event::Restarted { live });
            self.finish(&room, outcome).await?;
        }
        Ok(())
    }

    /// Loads the house and says whether `room` is in it. With `create`, a room that is
    /// not is created under that name first (if a game plays there).
    async fn load(self: &Rc<Self>, room: &RoomName, create: bool) -> worker::Result<bool> {
        self.load_house().await?;
        let mut cache = self.house.borrow_mut();
        let Some(house) = cache.as_mut() else {
            return Ok(false);
        };
        if house.room(room).is_none() && create {
            if let Some(kind) = GameKind::of_room(room) {
                let (config, settings) = vars::room_settings(&self.env);
                house.insert(Room::new(
                    room.clone(),
                    kind,
                    config,
                    &settings,
                    random_u64(),
                ));
            }
        }
        Ok(house.room(room).is_some())
    }

    /// The alarm's work: ticks the rooms that are due ([`Self::tick`]) and carries out
    /// their outcomes, then, while the house's next deadline is near, waits for it and
    /// ticks again ([`wait_in_alarm`]). Every ticked room's outcome is carried out even
    /// when one fails: the rooms have moved on in memory, and a room whose frames were
    /// dropped would not be due again when the platform retries the alarm.
    async fn tick_while_due(self: &Rc<Self>, fired_at: u64) -> worker::Result<()> {
        let debug_timing = vars::flag(&self.env, "DEBUG_TIMING");
        loop {
            if debug_timing {
                self.log_overdue(fired_at);
            }
            self.tick_once().await?;
            let next = self.next_deadline();
            match wait_in_alarm(fired_at, now_ms(), next) {
                Some(ms) => {
                    let asked = now_ms();
                    Delay::from(Duration::from_millis(ms)).await;
                    let now = now_ms();
                    if debug_timing && now > asked + ms + 20 {
                        worker::console_log!(
                            "timing: the alarm's wait of {ms} ms took {} ms (at {now})",
                            now - asked
                        );
                    }
                }
                None => return Ok(()),
            }
        }
    }

    /// Ticks the rooms that are due now ([`Self::tick`]), carries out their outcomes and
    /// sends their round records on. Every ticked room's outcome is carried out even when
    /// one fails; the error is returned after.
    async fn tick_once(self: &Rc<Self>) -> worker::Result<()> {
        let mut failed = Ok(());
        let mut deliveries = Vec::new();
        for (room, outcome) in self.tick() {
            match self.carry_out(&room, outcome).await {
                Ok(records) if !records.is_empty() => deliveries.push((room, records)),
                Ok(_) => {}
                Err(err) => failed = Err(err),
            }
        }
        // Test hook (`DEBUG_FAIL_ALARM_ONCE=1`): the first tick that delivers records
        // (by the alarm or by the timer) delivers them, "crashes" before noting the
        // confirmation and fails, so the platform runs the alarm again (a failed
        // timer tick hands over to the alarm, see `on_timer`) and the records are
        // delivered again.
        if !deliveries.is_empty()
            && vars::flag(&self.env, "DEBUG_FAIL_ALARM_ONCE")
            && !self.failed_alarm.replace(true)
        {
            worker::console_warn!("DEBUG_FAIL_ALARM_ONCE: failing this tick on purpose");
            let (all, _) = gather(deliveries);
            if let Err(err) = deliver(&self.env, &all).await {
                worker::console_warn!("{} round records not delivered: {err}", all.len());
            }
            return Err("DEBUG_FAIL_ALARM_ONCE".into());
        }
        if !deliveries.is_empty() {
            self.deliver_later(deliveries);
        }
        // A failed alarm is retried by the platform; no waiting for more.
        failed
    }

    /// `DEBUG_TIMING`: logs the room whose deadline passed longest ago, when that is
    /// more than 20 ms, just before an alarm ticks the rooms. The alarm's own lateness
    /// is measured against the time it was armed for; this catches a deadline it was
    /// not armed for (a result held back while the alarm was on time).
    fn log_overdue(&self, fired_at: u64) {
        let now = now_ms();
        let house = self.house.borrow();
        let earliest = house
            .iter()
            .flat_map(House::rooms)
            .filter_map(|room| Some((room.next_deadline()?, room.name())))
            .min_by_key(|(at, _)| *at);
        if let Some((at, room)) = earliest.filter(|(at, _)| now > at + 20) {
            worker::console_log!(
                "timing: {room}'s deadline was {} ms past when the alarm ticked, {} ms into it (at {now})",
                now - at,
                now - fired_at
            );
        }
    }

    /// The alarm: every room with something due now ticks ([`House::tick`]).
    fn tick(&self) -> Vec<(RoomName, Outcome)> {
        let now = now_ms();
        self.handled_at.set(now);
        let mut cache = self.house.borrow_mut();
        let Some(house) = cache.as_mut() else {
            return Vec::new();
        };
        house.tick(now, |room| self.heard(room))
    }

    /// The house's next deadline, as it stands.
    fn next_deadline(&self) -> Option<u64> {
        self.house.borrow().as_ref().and_then(House::next_deadline)
    }

    /// Keeps the house's next deadline with this instance's timer if it is near
    /// ([`Self::keep_near`]).
    fn keep_next_near(self: &Rc<Self>) {
        self.keep_near(timer_for(now_ms(), self.next_deadline()));
    }

    /// Has this instance's timer fire at `at` (a near deadline, [`Outcome::wake`]),
    /// unless one fires by then already. When it fires, the rooms due then tick, as in
    /// an alarm ([`Self::on_timer`]). A timer that a nearer deadline overtook still fires
    /// and finds little or nothing due; each fire points the timer at what is next.
    fn keep_near(self: &Rc<Self>, at: Option<u64>) {
        let Some(at) = at else {
            return;
        };
        if self.timer_at.get().is_some_and(|pending| pending <= at) {
            return;
        }
        self.timer_at.set(Some(at));
        let shell = Rc::clone(self);
        self.state.wait_until(async move {
            let ms = at.saturating_sub(now_ms());
            if ms > 0 {
                Delay::from(Duration::from_millis(ms)).await;
            }
            if shell.timer_at.get() == Some(at) {
                shell.timer_at.set(None);
            }
            shell.on_timer().await;
        });
    }

    /// The timer fired: the rooms due now tick ([`Self::tick_once`]), and the timer is
    /// pointed at the next near deadline. A tick that failed hands over to the durable
    /// alarm, armed for now: the platform runs it, and retries it until it succeeds.
    async fn on_timer(self: &Rc<Self>) {
        if let Err(err) = self.tick_once().await {
            worker::console_warn!("a timer's tick failed, the alarm takes over: {err}");
            let storage = self.state.storage();
            if let Err(err) = self.store.set_alarm(&storage, Some(now_ms())).await {
                worker::console_error!("the alarm could not take over: {err}");
            }
        }
        self.keep_next_near();
    }

    /// When the runtime last answered a heartbeat by itself on each of `room`'s sockets.
    fn heard(&self, room: &RoomName) -> Vec<(ConnId, u64)> {
        self.sockets_in(room)
            .filter_map(|(conn, ws)| Some((conn, self.last_auto_response(&ws)?)))
            .collect()
    }

    /// The sockets the runtime holds for `room`, each with its connection (its first
    /// tag; the room is known, so the second is not read).
    fn sockets_in(&self, room: &RoomName) -> impl Iterator<Item = (ConnId, WebSocket)> + '_ {
        let sockets = self.state.get_websockets_with_tag(room.as_str());
        sockets.into_iter().filter_map(|ws| {
            let conn = self.state.get_tags(&ws).into_iter().next()?;
            self.sockets.remember(&conn, &ws);
            Some((conn, ws))
        })
    }

    /// The socket of `conn`, from the cache or else from the runtime (by its tag).
    fn socket_of(&self, conn: &str) -> Option<WebSocket> {
        if let Some(ws) = self.sockets.get(conn) {
            return Some(ws);
        }
        let ws = self
            .state
            .get_websockets_with_tag(conn)
            .into_iter()
            .next()?;
        self.sockets.remember(conn, &ws);
        Some(ws)
    }

    /// After an alarm: points the alarm at the house's next deadline, if no room's
    /// outcome did.
    async fn rearm(&self) -> worker::Result<()> {
        let next = self.house.borrow().as_ref().and_then(House::next_deadline);
        let at = self.store.rearm(next);
        self.store.set_alarm(&self.state.storage(), at).await
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
        if !self.load(&room, true).await? {
            return Response::error("no game plays in that room", 404);
        }
        let outcome = self.handle(&room, Event::Privatise(Privacy { code, bots }));
        self.finish(&room, outcome).await?;
        Response::empty()
    }

    /// Hands `event` to the loaded `room`, now, with the heartbeats the runtime
    /// answered on its own when the room needs to know them.
    fn handle(&self, room: &RoomName, event: Event) -> Outcome {
        let now = now_ms();
        self.handled_at.set(now);
        let mut cache = self.house.borrow_mut();
        let Some(house) = cache.as_mut() else {
            return Outcome::default();
        };
        let heard = match house.wants_heard(room, now) {
            true => self.heard(room),
            false => Vec::new(),
        };
        house.handle(room, now, &heard, event)
    }

    /// The answer to a connection that asked into `room`: its socket (tagged with the
    /// connection and the room), 409, or a socket that carries the reason and closes.
    fn answer(
        &self,
        conn: &str,
        room: &RoomName,
        protocol: &str,
        admission: Admission,
    ) -> worker::Result<Response> {
        match admission {
            Admission::Accept => {
                let pair = WebSocketPair::new()?;
                self.state
                    .accept_websocket_with_tags(&pair.server, &[conn, room.as_str()]);
                self.sockets.remember(conn, &pair.server);
                answer_socket(pair.client, protocol)
            }
            Admission::Full => Response::error("room full", 409),
            refused => turned_away(refused, protocol),
        }
    }

    async fn closed(self: &Rc<Self>, ws: &WebSocket) -> worker::Result<()> {
        let Some((conn, room)) = self.tags_of(ws) else {
            return Ok(());
        };
        self.sockets.forget(&conn);
        if !self.load(&room, false).await? {
            return Ok(());
        }
        let outcome = self.handle(&room, Event::Closed { conn });
        self.finish(&room, outcome).await
    }

    /// The connection a socket is and the room it is in, from its tags.
    fn tags_of(&self, ws: &WebSocket) -> Option<(ConnId, RoomName)> {
        let mut tags = self.state.get_tags(ws).into_iter();
        let conn = tags.next()?;
        Some((conn, RoomName::parse(&tags.next()?)?))
    }

    /// Stores what the outcome says changed and sets the alarm, then carries out its
    /// effects. Storing first means nothing a player has seen can be lost to a crash
    /// between sending and storing.
    async fn finish(self: &Rc<Self>, room: &RoomName, outcome: Outcome) -> worker::Result<()> {
        let records = self.carry_out(room, outcome).await?;
        if !records.is_empty() {
            self.deliver_later(vec![(room.clone(), records)]);
        }
        Ok(())
    }

    /// [`Self::finish`] for a frame received or a player seated by the matchmaker
    /// (`/seat`): while a commit is in flight, the outcome waits for it and is then
    /// carried out with the others that arrived meanwhile, in one stretch and so in one
    /// commit. (A seated player's 101 goes out without waiting; their `hi`, the seat's
    /// promise, goes out after the seat is stored, as before.)
    ///
    /// Why: each commit costs about 0.5 ms of CPU above the writes in it
    /// (`bench/commit-cost.sh`: one write and its commit 673 µs, two 830 µs), and every
    /// frame that changes a room (a `join`, a hand) and every seat was a commit of its
    /// own. Under load they arrive faster than commits finish, so they now share them;
    /// a room changed twice in a group is written once. Without load nothing waits: the
    /// first is carried out at once, as before.
    ///
    /// What stays: the frames of a waiting outcome would have waited anyway, since the
    /// output gate holds them until every write issued before theirs is durable, and
    /// that includes the commit in flight. They still go out only after their own
    /// writes. The core has already handled each event in order; only storing and
    /// sending wait, and anything carried out at once (an alarm, a resume, a close)
    /// carries out the waiting outcomes first ([`Self::carry_out`]), so each room's
    /// frames keep their order. No timer is involved: the task that waits for the
    /// commit ends when a commit finds nothing waiting, so an idle object still
    /// hibernates.
    async fn finish_grouped(
        self: &Rc<Self>,
        room: RoomName,
        mut outcome: Outcome,
    ) -> worker::Result<()> {
        if self.committing.get() {
            // The matchmaker hears of seats taken and freed at once, so it does not
            // send the next player to a room that is full by now.
            let (capacity, rest) = std::mem::take(&mut outcome.effects)
                .into_iter()
                .partition(|effect| matches!(effect, Effect::Capacity { .. }));
            outcome.effects = rest;
            for effect in capacity {
                self.report_capacity(&room, effect);
            }
            self.grouped.borrow_mut().push_back((room, outcome));
            return Ok(());
        }
        let wrote = self.store.issued();
        let finished = self.finish(&room, outcome).await;
        if self.store.issued() != wrote {
            self.carry_out_after_commit();
        }
        finished
    }

    /// Waits for the commit in flight and carries out what waited for it
    /// ([`Self::finish_grouped`]), for as long as something did.
    fn carry_out_after_commit(self: &Rc<Self>) {
        if self.committing.replace(true) {
            return;
        }
        let shell = Rc::clone(self);
        self.state.wait_until(async move {
            loop {
                if let Err(err) = shell.state.storage().sync().await {
                    worker::console_warn!("writes before grouped outcomes not confirmed: {err}");
                }
                if shell.grouped.borrow().is_empty() {
                    shell.committing.set(false);
                    return;
                }
                shell.carry_out_grouped().await;
            }
        });
    }

    /// Carries out the outcomes waiting for a commit ([`Self::finish_grouped`]), oldest
    /// first. Each is taken from the queue as it is carried out, so that an outcome
    /// carried out at once meanwhile ([`Self::carry_out`]) carries out the rest first.
    /// One that fails is logged and the rest still go: their rooms have moved on in
    /// memory already, and nobody waits on the result.
    async fn carry_out_grouped(self: &Rc<Self>) {
        let mut deliveries = Vec::new();
        loop {
            let next = self.grouped.borrow_mut().pop_front();
            let Some((room, outcome)) = next else {
                break;
            };
            match self.carry_out_now(&room, outcome).await {
                Ok(records) if !records.is_empty() => deliveries.push((room, records)),
                Ok(_) => {}
                Err(err) => {
                    worker::console_warn!("grouped outcome of {room} not carried out: {err}")
                }
            }
        }
        if !deliveries.is_empty() {
            self.deliver_later(deliveries);
        }
    }

    /// [`Self::finish`] but for the round records, which it returns for the caller to
    /// deliver (the alarm sends all its rooms' records together). The outcomes waiting
    /// for a commit ([`Self::finish_grouped`]) are carried out first.
    async fn carry_out(
        self: &Rc<Self>,
        name: &RoomName,
        outcome: Outcome,
    ) -> worker::Result<Vec<RoundRecord>> {
        if !self.grouped.borrow().is_empty() {
            Box::pin(self.carry_out_grouped()).await;
        }
        self.carry_out_now(name, outcome).await
    }

    /// Stores, sends and reports what one outcome says, now.
    async fn carry_out_now(
        self: &Rc<Self>,
        name: &RoomName,
        outcome: Outcome,
    ) -> worker::Result<Vec<RoundRecord>> {
        let writes = {
            let cache = self.house.borrow();
            match cache.as_ref().and_then(|h| h.room(name)) {
                Some(room) => self.store.writes(room, &outcome)?,
                // The room left the house: its keys go, its last effects still happen.
                None if outcome.persist.vacated => self.store.forget(name, &outcome),
                None => return Ok(Vec::new()),
            }
        };
        self.store.write(&self.state.storage(), writes).await?;
        self.keep_near(outcome.wake(now_ms(), self.store.armed()).timer);
        let report_release = outcome.report_release;
        let mut records = Vec::new();
        for effect in outcome.effects {
            match effect {
                Effect::Send { to, frame } => {
                    for ws in to.iter().filter_map(|conn| self.socket_of(conn)) {
                        let _ = ws.send_with_str(frame.text());
                    }
                }
                Effect::Close { conn, code } => {
                    if let Some(ws) = self.socket_of(&conn) {
                        let _ = ws.close(Some(code.code()), Some(code.reason()));
                    }
                    self.sockets.forget(&conn);
                }
                capacity @ Effect::Capacity { .. } => self.report_capacity(name, capacity),
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
            self.release_later(name.clone());
        }
        Ok(records)
    }

    /// Tells the room's matchmaker, which is in this object (it is the room's house),
    /// how many seats `name` has free.
    fn report_capacity(&self, name: &RoomName, capacity: Effect) {
        let Some(report) = CapacityReport::of(name, capacity) else {
            return;
        };
        if let Err(err) = self.report(&report) {
            worker::console_warn!("capacity report for {name} failed: {err}");
        }
    }

    /// Tells `room` when the frames of its last outcome went out ([`Event::Released`]),
    /// in the background. The frames leave the object only when the output gate lets
    /// them, once the writes before them are durable; `sync` resolves then. Only from
    /// then does a round they announce count, so a slow commit does not shorten the
    /// round. Not awaited by the handler: an alarm that ticks many rooms of a shard
    /// would otherwise wait out one commit for each round it starts before carrying out
    /// the next room's outcome.
    fn release_later(self: &Rc<Self>, room: RoomName) {
        let shell = Rc::clone(self);
        self.state.wait_until(async move {
            if let Err(err) = shell.release(&room).await {
                worker::console_warn!("release of {room} not handled: {err}");
            }
        });
    }

    async fn release(self: &Rc<Self>, room: &RoomName) -> worker::Result<()> {
        // Released even if the commit failed: until the release, the round's deadline
        // has no alarm of its own (`Outcome::alarm_to_set`).
        if let Err(err) = self.state.storage().sync().await {
            worker::console_warn!("writes before a start in {room} not confirmed: {err}");
        }
        if vars::flag(&self.env, "DEBUG_TIMING") {
            let held = now_ms().saturating_sub(self.handled_at.get());
            worker::console_log!(
                "timing: start of a round in {room} went out {held} ms after it was decided"
            );
        }
        let released = self.handle(room, Event::Released);
        Box::pin(self.finish(room, released)).await
    }

    /// Delivers rooms' round records in the background, in parts
    /// ([`crate::house::deliveries`]), each part's confirmations carried out before the
    /// next part goes, [`DELIVERY_PAUSE_MS`] later ([`Self::deliver_and_confirm`]).
    fn deliver_later(self: &Rc<Self>, batch: Vec<(RoomName, Vec<RoundRecord>)>) {
        let shell = Rc::clone(self);
        self.state.wait_until(async move {
            for (i, part) in deliveries(batch).into_iter().enumerate() {
                if i > 0 {
                    // On a timer: timers of the rooms' (the alarm's wait for a near
                    // deadline) that are due meanwhile fire first.
                    Delay::from(Duration::from_millis(DELIVERY_PAUSE_MS)).await;
                }
                Rc::clone(&shell).deliver_and_confirm(part).await;
            }
        });
    }

    /// Delivers the records of these rooms together (one request per stats shard) and,
    /// once every shard confirmed, tells each room. On failure they stay in the rooms'
    /// outboxes and go out again.
    async fn deliver_and_confirm(self: Rc<Self>, batch: Vec<(RoomName, Vec<RoundRecord>)>) {
        let (all, confirmations) = gather(batch);
        if let Err(err) = deliver(&self.env, &all).await {
            worker::console_warn!("{} round records not delivered: {err}", all.len());
            return;
        }
        let (rooms, began) = (confirmations.len(), now_ms());
        for (room, round_ids) in confirmations {
            let outcome = self.handle(&room, Event::Recorded { round_ids });
            if let Err(err) = Box::pin(self.finish(&room, outcome)).await {
                worker::console_warn!("confirmed records of {room} not stored: {err}");
            }
        }
        if vars::flag(&self.env, "DEBUG_TIMING") {
            let now = now_ms();
            worker::console_log!(
                "timing: confirmations of {rooms} rooms carried out in {} ms (at {now})",
                now - began
            );
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

    /// `GET /status?room=…`: which instance this is and what it holds of `room`.
    async fn status(self: &Rc<Self>, room: &str) -> worker::Result<Response> {
        let loaded_before = self.house.borrow().is_some();
        self.load_house().await?;
        let house = self.house.borrow();
        let room = RoomName::parse(room).and_then(|name| house.as_ref()?.room(&name));
        #[derive(serde::Serialize)]
        struct Status<'a> {
            instance: String,
            constructed_at: u64,
            was_loaded: bool,
            /// The sockets the runtime holds for this room.
            sockets: usize,
            /// Rooms in the house.
            rooms: usize,
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
            sockets: room.map_or(0, |r| {
                self.state.get_websockets_with_tag(r.name().as_str()).len()
            }),
            rooms: house.as_ref().map_or(0, House::len),
            room: room.map(|r| r.name().as_str()),
            connections: room.map(|r| r.connections()).unwrap_or_default(),
        })
    }
}

/// A new player at the door: `conn` of `player`, with the name and avatar the Worker
/// passed on in `url`, and the secret their seat's resume token is made from (128 bits
/// from the platform's CSPRNG).
fn arrival(
    url: &Address<'_>,
    conn: &str,
    player: &str,
    online: u64,
    code: Option<Code>,
) -> Arrival {
    let query = |key: &str| url.param(key).unwrap_or_default().into_owned();
    Arrival {
        conn: conn.to_string(),
        player: player.to_string(),
        profile: Profile {
            name: query("name"),
            avatar: query("avatar"),
        },
        secret: u128::from(random_u64()) << 64 | u128::from(random_u64()),
        online,
        code,
    }
}

/// The records of several rooms as one delivery, and the round ids to confirm to each
/// room once it is in.
fn gather(
    batch: Vec<(RoomName, Vec<RoundRecord>)>,
) -> (Vec<RoundRecord>, Vec<(RoomName, Vec<String>)>) {
    let mut all = Vec::new();
    let mut confirmations = Vec::with_capacity(batch.len());
    for (room, records) in batch {
        confirmations.push((room, records.iter().map(|r| r.round_id.clone()).collect()));
        all.extend(records);
    }
    (all, confirmations)
}
