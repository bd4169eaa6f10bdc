//! How a room is kept in its Durable Object's storage: two keys and the one alarm.
//!
//! - `room`: the [`Room`] as JSON, written when an outcome says the room changed and the
//!   text differs from what was last written (an alarm that found nothing due writes
//!   nothing);
//! - `records`: its outbox of round records, written only when that changed (it changes
//!   once per round, the room several times);
//! - the alarm, set only when the room's next deadline is earlier than the one armed
//!   ([`alarm_to_set`]).
//!
//! The writes and the alarm are issued in one synchronous stretch, so the runtime
//! commits them as one batch, and the output gate holds the frames that follow until
//! they are durable.

use std::cell::{Cell, RefCell};

use worker::Storage;

use super::now_ms;
use crate::effects::{alarm_to_set, Outcome};
use crate::room::Room;
use crate::stats::RoundRecord;

/// Storage key of the serialised [`Room`].
const ROOM_KEY: &str = "room";
/// Storage key of the room's [`Room::outbox`] (JSON).
const OUTBOX_KEY: &str = "records";

/// What this instance last wrote, so writes that change nothing are skipped.
#[derive(Default)]
pub struct RoomStore {
    /// The room's JSON as last read or written.
    stored_room: RefCell<Option<String>>,
    /// The alarm time last set by this instance.
    armed: Cell<Option<u64>>,
}

impl RoomStore {
    /// The stored room with its outbox; `Ok(None)` when none was stored, or when what
    /// was stored cannot be read (logged: the caller starts afresh).
    pub async fn read(&self, storage: &Storage) -> worker::Result<Option<Room>> {
        let stored: Option<String> = storage.get(ROOM_KEY).await?;
        let outbox: Option<String> = storage.get(OUTBOX_KEY).await?;
        let outbox: Vec<RoundRecord> = outbox
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default();
        let Some(json) = stored else {
            return Ok(None);
        };
        match serde_json::from_str::<Room>(&json) {
            Ok(room) => {
                *self.stored_room.borrow_mut() = Some(json);
                Ok(Some(room.with_outbox(outbox)))
            }
            Err(err) => {
                worker::console_error!("stored room unreadable, starting afresh: {err}");
                Ok(None)
            }
        }
    }

    /// The alarm that was set has fired; the runtime cleared it.
    pub fn alarm_fired(&self) {
        self.armed.set(None);
    }

    /// What storing the parts of `room` that `persist` names, and pointing the alarm at
    /// `next`, takes: read now, while the room is borrowed, and written by
    /// [`RoomStore::write`] after (no borrow is held across an await).
    pub fn writes(&self, room: &Room, outcome: &Outcome) -> worker::Result<Writes> {
        let (persist, next) = (outcome.persist, outcome.next_deadline);
        let room_json = match persist.room {
            true => Some(serde_json::to_string(room)?)
                .filter(|json| self.stored_room.borrow().as_deref() != Some(json)),
            false => None,
        };
        let outbox_json = match persist.outbox {
            true => Some(serde_json::to_string(room.outbox())?),
            false => None,
        };
        Ok(Writes {
            room_json,
            outbox_json,
            alarm_at: alarm_to_set(self.armed.get(), next, outcome.reschedule),
        })
    }

    /// Issues `writes` together: the runtime commits them as one batch.
    pub async fn write(&self, storage: &Storage, writes: Writes) -> worker::Result<()> {
        let Writes {
            room_json,
            outbox_json,
            alarm_at,
        } = writes;
        // The outbox first, so a record is never lost between the two.
        let (outbox, written, alarm) = futures_util::join!(
            async {
                match &outbox_json {
                    Some(json) => storage.put(OUTBOX_KEY, json).await,
                    None => Ok(()),
                }
            },
            async {
                match &room_json {
                    Some(json) => storage.put(ROOM_KEY, json.as_str()).await,
                    None => Ok(()),
                }
            },
            async {
                match alarm_at {
                    Some(at) => storage.set_alarm(at.saturating_sub(now_ms()) as i64).await,
                    None => Ok(()),
                }
            }
        );
        outbox?;
        written?;
        alarm?;
        if room_json.is_some() {
            *self.stored_room.borrow_mut() = room_json;
        }
        if alarm_at.is_some() {
            self.armed.set(alarm_at);
        }
        Ok(())
    }
}

/// The storage writes one outcome needs (see [`RoomStore::writes`]).
pub struct Writes {
    room_json: Option<String>,
    outbox_json: Option<String>,
    alarm_at: Option<u64>,
}
