//! What the core asks the shell to do: the output side of the sans-IO engine.
//!
//! A room never sends, closes, stores or calls anything itself. It returns [`Effect`]s,
//! and the Durable Object shell carries them out, after storing the room when the
//! [`Outcome`] says so. Frames leave the core as the JSON text that goes on the wire
//! ([`Frame`]): the shell forwards text, so it never needs to know a game's frames, and
//! a frame kept for an away seat is replayed byte for byte.

use serde::Serialize;

use crate::ids::{Code, ConnId, PlayerId};
use crate::protocol::{CloseCode, ErrorCode, SharedServerFrame};
use crate::stats::RoundRecord;

/// One server frame, as the JSON text that goes on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame(String);

impl Frame {
    /// `frame` (any of the protocol's server frames) as wire text.
    pub fn of<T: Serialize>(frame: &T) -> Frame {
        // Serialising these types cannot fail (no maps with non-string keys, no custom
        // serialisers), so the fallback is never sent in practice.
        Frame(serde_json::to_string(frame).unwrap_or_else(|_| {
            r#"{"type":"error","code":"bad_frame","message":"internal"}"#.into()
        }))
    }

    /// The `error` frame for a refusal.
    pub fn error(code: ErrorCode, message: impl Into<std::borrow::Cow<'static, str>>) -> Frame {
        Frame::of(&SharedServerFrame::Error {
            code,
            message: message.into(),
        })
    }

    /// A frame kept as text (for an away seat) going out again.
    pub(crate) fn from_text(text: String) -> Frame {
        Frame(text)
    }

    pub fn text(&self) -> &str {
        &self.0
    }

    pub fn into_text(self) -> String {
        self.0
    }
}

/// Something the shell must do after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send `frame` to each of these connections.
    Send { to: Vec<ConnId>, frame: Frame },
    /// Close this connection with `code`.
    Close { conn: ConnId, code: CloseCode },
    /// The number of free seats changed for a reason the matchmaker cannot know
    /// (someone left, bots sat down). `version` grows with every report so the
    /// matchmaker can drop one that arrives late. `humans` counts people (not bots),
    /// `away` those of them whose connection dropped (held for a resume), and `bots`
    /// the seats bots hold that a person may take (people before bots).
    Capacity {
        free: usize,
        humans: u64,
        away: u64,
        bots: usize,
        version: u64,
        /// The players holding seats (connected or away), so the matchmaker can send a
        /// player's next connection back to their seat.
        players: Vec<PlayerId>,
    },
    /// A private room's people changed: tell the directory of codes, which keeps the
    /// room's code alive while anyone is in it (`crate::invites`).
    Occupancy { code: Code, people: u64 },
    /// Deliver these settled rounds to the stats shards, then report
    /// `Event::Recorded` with their ids. Until then they are sent again (after
    /// `RECORD_RETRY_MS` at least); the shards ignore repeats.
    Records(Vec<RoundRecord>),
}

impl Effect {
    /// `frame` to one connection.
    pub fn send_to(conn: &str, frame: Frame) -> Effect {
        Effect::Send {
            to: vec![conn.to_string()],
            frame,
        }
    }
}

/// What came of a connection that asked to join a room (`Event::Connect`,
/// `Event::Resume`, `Event::Watch`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Admission {
    /// The event was not a connection.
    #[default]
    NotAsked,
    /// Accept its socket: the effects address it.
    Accept,
    /// Every seat is taken: answer 409, and the Worker asks the matchmaker again.
    Full,
    /// Answer with a socket that carries one `error` frame and closes with `close`.
    Refuse {
        code: ErrorCode,
        message: &'static str,
        close: CloseCode,
    },
}

impl Admission {
    /// A resume whose seat is gone (released, or never there).
    pub fn seat_gone() -> Admission {
        Admission::Refuse {
            code: ErrorCode::SeatGone,
            message: "that seat was released; connect again without a resume token",
            close: CloseCode::SeatGone,
        }
    }

    /// A code that opens no room (unknown, expired, or another room's).
    pub fn unknown_code() -> Admission {
        Admission::Refuse {
            code: ErrorCode::UnknownCode,
            message: "no room has that code (it may have expired); ask your friend for a new one",
            close: CloseCode::NoEntry,
        }
    }

    /// A spectator for a room that does not exist (it may have emptied).
    pub fn no_such_room() -> Admission {
        Admission::Refuse {
            code: ErrorCode::NoSuchRoom,
            message: "no such room (it may have emptied); see GET /api/rooms",
            close: CloseCode::Normal,
        }
    }
}

/// What a room asks of the shell after one event, in order: store the room (when
/// `persist` says so), accept or refuse the socket that asked in (`admission`), carry
/// out `effects`, and point the alarm at `next_deadline`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct Outcome {
    pub effects: Vec<Effect>,
    pub persist: Persist,
    pub admission: Admission,
    /// When the room next has something to do (`Event::Alarm`), if ever.
    pub next_deadline: Option<u64>,
    /// Tell the room when this outcome's frames went out (`Event::Released`): they
    /// announce a clock that should count from then.
    pub report_release: bool,
    /// Point the alarm at `next_deadline` even if it is armed earlier: a clock just
    /// moved later on purpose (an alarm left early would only wake the room for
    /// nothing).
    pub reschedule: bool,
}

impl Outcome {
    /// Where to point the house's alarm after this outcome, given the time it is
    /// `armed` for: `Some(at)` to set it, `None` to leave it.
    ///
    /// A `start` still waiting for the output gate ([`Outcome::report_release`]) does
    /// not move an armed alarm: its round's deadline is only provisional, and the
    /// release moves it later anyway ([`Outcome::reschedule`]). Setting it twice cost a
    /// row written and a commit per round (`bench/cost.sh`). Until the release, the
    /// alarm already armed is the backstop should the server die meanwhile: a room
    /// with anyone seated always has one (their liveness check, at most
    /// [`crate::room::IDLE_SWEEP_MS`] away), and a round found overdue when it fires,
    /// or when a player resumes, settles then. With nothing armed (the alarm that
    /// started the round has just fired) it is set at once.
    pub fn alarm_to_set(&self, armed: Option<u64>) -> Option<u64> {
        if self.awaits_release(armed) {
            return None;
        }
        alarm_to_set(armed, self.next_deadline, self.reschedule)
    }

    /// A `start` still waiting for the output gate, with an alarm armed as the backstop
    /// meanwhile: the deadline is left alone until the release.
    fn awaits_release(&self, armed: Option<u64>) -> bool {
        self.report_release && armed.is_some()
    }

    /// How the house's next deadline is kept after this outcome, at `now`, with the
    /// alarm `armed` for that time ([`wake_for`]). A `start` still waiting for the
    /// output gate changes neither the timer nor an armed alarm (see
    /// [`Outcome::alarm_to_set`]): its release does.
    pub fn wake(&self, now: u64, armed: Option<u64>) -> Wake {
        if self.awaits_release(armed) {
            return Wake::default();
        }
        wake_for(now, armed, self.next_deadline, self.reschedule)
    }

    /// Does this outcome send round records to the stats shards?
    pub fn delivers_records(&self) -> bool {
        self.effects.iter().any(|e| matches!(e, Effect::Records(_)))
    }
}

/// Which parts of a room changed in a way that must survive a restart. Stored before
/// any effect is carried out, so nothing a player has seen can be lost to a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Persist {
    /// The room itself (seats, game, timers).
    pub room: bool,
    /// Its outbox of round records for the stats shards changed (it is stored with
    /// the room, so `room` is set too).
    pub outbox: bool,
    /// The room left its house ([`crate::room::Room::is_vacant`]): delete what is
    /// stored of it instead.
    pub vacated: bool,
}

/// Where to point the room's one alarm, given the time it is `armed` for and the
/// room's `next` deadline: `Some(at)` to set it, `None` to leave it as it is.
///
/// An alarm earlier than needed is kept: it wakes the room, which finds nothing due and
/// points the alarm further. Moving it on every event instead would cost a runtime call
/// per frame, since each frame pushes its player's heartbeat deadline a little later.
///
/// With `reschedule`, a later deadline moves the alarm too (see
/// [`Outcome::reschedule`]).
pub fn alarm_to_set(armed: Option<u64>, next: Option<u64>, reschedule: bool) -> Option<u64> {
    match (armed, next) {
        (None, Some(at)) => Some(at),
        (Some(armed), Some(at)) if at < armed || (reschedule && at != armed) => Some(at),
        _ => None,
    }
}

/// Deadlines at most this far ahead are kept by a timer in the object's memory, with the
/// durable alarm only as their backstop ([`wake_for`]): a round (5 s by default), a
/// bot's seat, a delivery of round records (10 s).
///
/// Why: each `setAlarm` is a row written, the unit the platform bills storage by, and
/// the alarm was set twice per round (the round's deadline, then the next one after it
/// settled): 2 of the 9 rows a round wrote (`bench/cost.sh`). A timer costs nothing to
/// set. While one is pending the runtime does not hibernate the object
/// (<https://developers.cloudflare.com/durable-objects/concepts/durable-object-lifecycle/>:
/// hibernation needs "no `setTimeout`/`setInterval` scheduled callbacks"), so it fires
/// unless the instance dies; a deadline further out is left to the alarm, so an idle
/// object still hibernates.
pub const TIMER_AHEAD_MS: u64 = 15_000;

/// How long after a deadline kept by a timer the durable alarm fires at the latest, as
/// its backstop. It matters only when the instance died with the deadline pending (a
/// crash, a deploy, an eviction): every socket closes then, and a player who resumes
/// wakes the room sooner, which settles what is overdue. In steady play the alarm is set
/// once per this long, not once per round.
pub const ALARM_BACKSTOP_MS: u64 = 30_000;

/// How the house's next deadline is kept: by the durable alarm (`alarm`: set it for
/// then), by the instance's timer (`timer`: have one fire then), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Wake {
    pub alarm: Option<u64>,
    pub timer: Option<u64>,
}

/// How to keep the `next` deadline at `now`, with the alarm `armed` for that time: a
/// deadline within [`TIMER_AHEAD_MS`] gets a timer, and the alarm must fire no later
/// than [`ALARM_BACKSTOP_MS`] after it (an alarm armed earlier is kept: it is a backstop,
/// and a wake that finds nothing due only points it further). A deadline further out
/// gets the alarm as [`alarm_to_set`] says, `reschedule` included.
pub fn wake_for(now: u64, armed: Option<u64>, next: Option<u64>, reschedule: bool) -> Wake {
    match timer_for(now, next) {
        Some(at) => Wake {
            alarm: alarm_to_set(armed, Some(at.saturating_add(ALARM_BACKSTOP_MS)), false),
            timer: Some(at),
        },
        None => Wake {
            alarm: alarm_to_set(armed, next, reschedule),
            timer: None,
        },
    }
}

/// The `next` deadline, if it is near enough at `now` for the instance's timer
/// ([`TIMER_AHEAD_MS`]).
pub fn timer_for(now: u64, next: Option<u64>) -> Option<u64> {
    next.filter(|&at| at <= now.saturating_add(TIMER_AHEAD_MS))
}

/// How near the house's next deadline must be for an alarm handler to wait for it
/// itself, with a timer, instead of arming the alarm again and returning.
///
/// The runtime runs one alarm at a time per object, and an alarm armed from inside the
/// handler fires only once the handler has returned and its writes are committed. With
/// many rooms in a house, rounds end a few ms apart, and each such deadline waited out
/// a whole handler and a commit: measured under load (`DEBUG_TIMING`, 100 rooms), the
/// alarm fired 7–19 ms late at the median, where lobby-floor's results were under 1 ms
/// late. A deadline this close is waited for in the same handler instead.
pub const ALARM_WAIT_AHEAD_MS: u64 = 50;

/// The longest an alarm handler goes on waiting for deadlines so
/// ([`ALARM_WAIT_AHEAD_MS`]) before it arms the alarm and returns: a handler that
/// fails is retried whole by the platform, and one that never returned would hold up
/// that retry. Far below the platform's limit on an alarm's wall time (15 minutes).
pub const ALARM_WAIT_MAX_MS: u64 = 2_000;

/// Wait in steps no longer than this, so a deadline that events made earlier during
/// the wait is not missed by more.
pub const ALARM_WAIT_STEP_MS: u64 = 10;

/// After an alarm that fired at `fired_at` has ticked the rooms due at `now`: how long
/// to wait before ticking again, if the house's `next` deadline is near enough to wait
/// for in the same handler ([`ALARM_WAIT_AHEAD_MS`]). `None`: arm the alarm and return.
pub fn wait_in_alarm(fired_at: u64, now: u64, next: Option<u64>) -> Option<u64> {
    let at = next?;
    let near = at <= now + ALARM_WAIT_AHEAD_MS;
    let in_time = now < fired_at + ALARM_WAIT_MAX_MS;
    (near && in_time).then(|| at.saturating_sub(now).min(ALARM_WAIT_STEP_MS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alarm_waits_for_a_near_deadline_itself_for_a_while() {
        assert_eq!(wait_in_alarm(0, 0, None), None, "nothing due: return");
        assert_eq!(wait_in_alarm(0, 0, Some(5)), Some(5));
        assert_eq!(
            wait_in_alarm(0, 0, Some(ALARM_WAIT_AHEAD_MS)),
            Some(ALARM_WAIT_STEP_MS)
        );
        assert_eq!(
            wait_in_alarm(0, 0, Some(ALARM_WAIT_AHEAD_MS + 1)),
            None,
            "far: the alarm is armed for it"
        );
        assert_eq!(
            wait_in_alarm(0, 7, Some(3)),
            Some(0),
            "already due: tick again now"
        );
        assert_eq!(
            wait_in_alarm(0, ALARM_WAIT_MAX_MS, Some(ALARM_WAIT_MAX_MS + 1)),
            None,
            "the handler has gone on long enough"
        );
    }

    #[test]
    fn an_early_alarm_is_kept_a_late_one_moved_forward() {
        assert_eq!(alarm_to_set(None, Some(5), false), Some(5));
        assert_eq!(alarm_to_set(Some(9), Some(5), false), Some(5));
        assert_eq!(alarm_to_set(Some(5), Some(9), false), None);
        assert_eq!(alarm_to_set(Some(5), None, false), None);
        assert_eq!(alarm_to_set(None, None, false), None);
        assert_eq!(
            alarm_to_set(Some(5), Some(9), true),
            Some(9),
            "moved later on purpose"
        );
        assert_eq!(alarm_to_set(Some(9), Some(9), true), None);
    }

    #[test]
    fn a_near_deadline_gets_a_timer_and_the_alarm_only_as_its_backstop() {
        let now = 1_000;
        let round = now + 5_000;
        let backstop = round + ALARM_BACKSTOP_MS;
        let liveness = now + 600_000;
        assert_eq!(
            wake_for(now, Some(liveness), Some(round), false),
            Wake {
                alarm: Some(backstop),
                timer: Some(round)
            },
            "the alarm is pulled in to the backstop, the timer keeps the deadline"
        );
        assert_eq!(
            wake_for(now, Some(backstop), Some(round + 1_300), true),
            Wake {
                alarm: None,
                timer: Some(round + 1_300)
            },
            "the next round: the alarm armed for the last backstop is early enough"
        );
        assert_eq!(
            wake_for(now, None, Some(round), false).alarm,
            Some(backstop),
            "nothing armed: the backstop is set"
        );
        let far = now + TIMER_AHEAD_MS + 1;
        assert_eq!(
            wake_for(now, Some(far - 1), Some(far), false),
            Wake::default(),
            "far, with an earlier alarm armed: it fires, finds nothing due, points further"
        );
        assert_eq!(
            wake_for(now, Some(backstop), Some(far), false).alarm,
            Some(far),
            "far, but before the backstop armed: the alarm is pulled in"
        );
        assert_eq!(
            wake_for(now, Some(liveness), Some(far), false),
            Wake {
                alarm: Some(far),
                timer: None
            },
            "far: the alarm keeps it, as without timers"
        );
        assert_eq!(
            wake_for(now, Some(far - 1), Some(far), true).alarm,
            Some(far),
            "far and moved later on purpose"
        );
        assert_eq!(wake_for(now, Some(liveness), None, false), Wake::default());
        assert_eq!(
            wake_for(now, None, Some(now - 5), false).timer,
            Some(now - 5),
            "overdue: a timer for now"
        );
    }

    #[test]
    fn frames_are_wire_text() {
        let frame = Frame::error(ErrorCode::BadFrame, "no");
        assert_eq!(
            frame.text(),
            r#"{"type":"error","code":"bad_frame","message":"no"}"#
        );
    }
}
