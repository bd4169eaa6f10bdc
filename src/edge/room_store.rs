//! How a house's rooms are kept in its Durable Object's storage: a key per room and the
//! object's one alarm.
//!
//! - `room:<name>`: the [`Room`] as JSON, its outbox of round records included, written
//!   when an outcome says the room changed and the text differs from what was last
//!   written (an alarm that found nothing due writes nothing);
//! - `records:<name>`: where rooms stored before the outbox moved into their own key kept
//!   it. Read back with the room, and deleted in the room's next write;
//! - the alarm, set only when it must fire earlier than it is armed for
//!   ([`Outcome::wake`]: the house's next deadline, or for a near one kept by the
//!   instance's timer, its backstop), and not while an alarm handler runs: it waits for
//!   the near deadlines itself and arms the alarm as it returns
//!   ([`crate::effects::wait_in_alarm`]).
//!
//! The keys are written with the synchronous KV API (`ctx.storage.kv`, SQLite-backed
//! objects only), which the `worker` crate does not bind. A put there is the same row
//! in the same hidden table as an awaited `storage.put` (so `list()` reads both back),
//! but it returns nothing to await: an awaited put costs a promise and a microtask
//! turn through wasm-bindgen's futures glue for a write SQLite has already taken.
//! Writes are committed by the runtime's implicit transaction when the handler yields,
//! and the output gate holds the frames that follow until they are durable, as for
//! any storage write (<https://developers.cloudflare.com/durable-objects/api/storage-api/>,
//! "Synchronous KV API"; <https://blog.cloudflare.com/sqlite-in-durable-objects/>,
//! output gates). The keys and the alarm are issued in one synchronous stretch, so
//! they are one commit. A house holds only the rooms in play (a room nobody is in any
//! more is deleted), so after a wake-up one `list()` reads them all back. (A shard's
//! matchmaker keeps its rows in SQL tables of the same object, which `list()` does not
//! return: `super::matchmaker_store`.)

use std::cell::{Cell, RefCell};

use wasm_bindgen::{prelude::*, JsCast};
use worker::Storage;

use super::now_ms;
use crate::effects::{wake_for, Outcome};
use crate::ids::RoomName;
use crate::room::Room;
use crate::stats::RoundRecord;

/// Key prefix of a serialised [`Room`].
const ROOM_PREFIX: &str = "room:";
/// Key prefix of a room's [`Room::outbox`] (JSON) as rooms stored before it moved into
/// the room's own key kept it.
const OUTBOX_PREFIX: &str = "records:";

#[wasm_bindgen]
extern "C" {
    /// `DurableObjectStorage`, seen through the one property the `worker` crate does
    /// not bind.
    type KvStorage;

    /// The synchronous KV API of a SQLite-backed object.
    #[wasm_bindgen(method, getter)]
    fn kv(this: &KvStorage) -> SyncKv;

    /// `ctx.storage.kv`.
    type SyncKv;

    #[wasm_bindgen(method, catch)]
    fn put(this: &SyncKv, key: &str, value: &str) -> Result<(), JsValue>;

    #[wasm_bindgen(method, catch)]
    fn delete(this: &SyncKv, key: &str) -> Result<bool, JsValue>;
}

/// What this instance last wrote, so writes that change nothing are skipped.
pub struct RoomStore {
    /// The object's synchronous KV API, taken once.
    kv: SyncKv,
    /// Each room's JSON as last read or written. A list: a shard's house holds hundreds
    /// of rooms in a burst, but a look through their names was under half a percent of
    /// its CPU, and a map cost 2–3 KB of wasm.
    stored_rooms: RefCell<Vec<(RoomName, String)>>,
    /// Rooms read back with an outbox under a key of its own, which their next write
    /// deletes.
    old_outboxes: RefCell<Vec<RoomName>>,
    /// The alarm time last set by this instance.
    armed: Cell<Option<u64>>,
    /// An alarm handler is running and waits for the near deadlines itself
    /// ([`crate::effects::wait_in_alarm`]); it arms the alarm when it returns.
    alarm_running: Cell<bool>,
    /// How many times this instance issued writes ([`RoomStore::issued`]).
    issued: Cell<u64>,
}

impl RoomStore {
    pub fn new(storage: &Storage) -> RoomStore {
        RoomStore {
            kv: storage.as_raw().unchecked_ref::<KvStorage>().kv(),
            stored_rooms: RefCell::default(),
            old_outboxes: RefCell::default(),
            armed: Cell::default(),
            alarm_running: Cell::default(),
            issued: Cell::default(),
        }
    }

    /// A count that grows each time this instance issues writes: a caller that sees it
    /// move knows a commit is on its way.
    pub fn issued(&self) -> u64 {
        self.issued.get()
    }

    /// Every stored room with its outbox. A room whose text cannot be read is logged
    /// and left out (it starts afresh if anyone comes back to it).
    pub async fn read_all(&self, storage: &Storage) -> worker::Result<Vec<Room>> {
        let stored = storage.list().await?;
        let mut rooms: Vec<(String, String)> = Vec::new();
        let mut outboxes: Vec<(String, String)> = Vec::new();
        stored.for_each(&mut |value, key| {
            let (Some(key), Some(value)) = (key.as_string(), value.as_string()) else {
                return;
            };
            if let Some(name) = key.strip_prefix(ROOM_PREFIX) {
                rooms.push((name.to_string(), value));
            } else if let Some(name) = key.strip_prefix(OUTBOX_PREFIX) {
                outboxes.push((name.to_string(), value));
            }
        });
        let mut loaded = Vec::with_capacity(rooms.len());
        for (name, json) in rooms {
            let old_outbox = outboxes.iter().find(|(n, _)| *n == name);
            let outbox: Vec<RoundRecord> = old_outbox
                .and_then(|(_, json)| serde_json::from_str(json).ok())
                .unwrap_or_default();
            match serde_json::from_str::<Room>(&json) {
                Ok(room) => {
                    if old_outbox.is_some() {
                        self.old_outboxes.borrow_mut().push(room.name().clone());
                    }
                    self.remember(room.name(), json);
                    loaded.push(room.with_outbox(outbox));
                }
                Err(err) => {
                    worker::console_error!("stored room {name} unreadable, left out: {err}")
                }
            }
        }
        Ok(loaded)
    }

    /// Notes `json` as what is stored for `room`.
    fn remember(&self, room: &RoomName, json: String) {
        let mut stored = self.stored_rooms.borrow_mut();
        match stored.iter_mut().find(|(name, _)| name == room) {
            Some((_, text)) => *text = json,
            None => stored.push((room.clone(), json)),
        }
    }

    /// Is `json` what is stored for `room`?
    fn is_stored(&self, room: &RoomName, json: &str) -> bool {
        let stored = self.stored_rooms.borrow();
        stored
            .iter()
            .any(|(name, text)| name == room && text == json)
    }

    /// The alarm time this instance set last, if it is still armed.
    pub fn armed(&self) -> Option<u64> {
        self.armed.get()
    }

    /// The alarm that was set has fired, and its handler runs: until
    /// [`RoomStore::alarm_returns`], outcomes do not arm the alarm (the handler looks at
    /// the house's deadlines again before it returns, and arms it then).
    pub fn alarm_fired(&self) {
        self.armed.set(None);
        self.alarm_running.set(true);
    }

    /// The alarm handler is about to arm the alarm and return. (Nothing armed it while
    /// it ran, so `armed` is still clear.)
    pub fn alarm_returns(&self) {
        self.alarm_running.set(false);
    }

    /// Where to point the alarm after `outcome`: nowhere while an alarm handler runs.
    fn alarm_after(&self, outcome: &Outcome) -> Option<u64> {
        match self.alarm_running.get() {
            true => None,
            false => outcome.wake(now_ms(), self.armed.get()).alarm,
        }
    }

    /// What storing the parts of `room` that the outcome names, and pointing the alarm
    /// at its `next_deadline` (the house's), takes: read now, while the room is
    /// borrowed, and written by [`RoomStore::write`] after (no borrow is held across
    /// an await).
    pub fn writes(&self, room: &Room, outcome: &Outcome) -> worker::Result<Writes> {
        let room_json = match outcome.persist.room {
            true => {
                Some(serde_json::to_string(room)?).filter(|json| !self.is_stored(room.name(), json))
            }
            false => None,
        };
        Ok(Writes {
            room: room.name().clone(),
            room_json,
            delete: false,
            alarm_at: self.alarm_after(outcome),
        })
    }

    /// What forgetting `room` takes, after it left the house ([`crate::house::House`]
    /// lets a vacant room go): its keys deleted, and the alarm as the outcome says.
    pub fn forget(&self, room: &RoomName, outcome: &Outcome) -> Writes {
        self.stored_rooms
            .borrow_mut()
            .retain(|(name, _)| name != room);
        Writes {
            room: room.clone(),
            room_json: None,
            delete: true,
            alarm_at: self.alarm_after(outcome),
        }
    }

    /// Only the alarm, pointed at the house's `next` deadline (or its backstop) if it is
    /// not armed for then or earlier (after an alarm that ticked no room).
    pub fn rearm(&self, next: Option<u64>) -> Option<u64> {
        wake_for(now_ms(), self.armed.get(), next, false).alarm
    }

    /// Issues `writes` together: the runtime commits them as one batch.
    pub async fn write(&self, storage: &Storage, writes: Writes) -> worker::Result<()> {
        let Writes {
            room,
            room_json,
            delete,
            alarm_at,
        } = writes;
        if delete || room_json.is_some() || alarm_at.is_some() {
            self.issued.set(self.issued.get() + 1);
        }
        if (delete || room_json.is_some()) && self.forget_old_outbox(&room) {
            // The room's key holds the outbox from now on (or the room is gone).
            self.kv.delete(&key(OUTBOX_PREFIX, &room))?;
        }
        if delete {
            self.kv.delete(&key(ROOM_PREFIX, &room))?;
        }
        if let Some(json) = room_json {
            self.kv.put(&key(ROOM_PREFIX, &room), &json)?;
            self.remember(&room, json);
        }
        self.set_alarm(storage, alarm_at).await
    }

    /// Was `room` read back with an outbox under a key of its own? Its next write
    /// deletes that key, so this answers yes once.
    fn forget_old_outbox(&self, room: &RoomName) -> bool {
        let mut old = self.old_outboxes.borrow_mut();
        let before = old.len();
        old.retain(|name| name != room);
        old.len() != before
    }

    /// Points the alarm at `at`, if given.
    pub async fn set_alarm(&self, storage: &Storage, at: Option<u64>) -> worker::Result<()> {
        let Some(at) = at else {
            return Ok(());
        };
        storage
            .set_alarm(at.saturating_sub(now_ms()) as i64)
            .await?;
        self.armed.set(Some(at));
        Ok(())
    }
}

/// The storage key of `room`'s part under `prefix`.
fn key(prefix: &str, room: &RoomName) -> String {
    format!("{prefix}{}", room.as_str())
}

/// The storage writes one outcome needs (see [`RoomStore::writes`]).
pub struct Writes {
    room: RoomName,
    room_json: Option<String>,
    /// The room left its house: delete its key instead.
    delete: bool,
    alarm_at: Option<u64>,
}
