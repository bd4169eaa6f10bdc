//! One rock-paper-scissors room as a sans-IO state machine.
//!
//! The Durable Object shell feeds it events (a connection arrived, a text frame came
//! in, a socket closed, the alarm fired), each with the current time in ms, and gets
//! back [`Effect`]s to carry out (send a frame, close a socket, tell the matchmaker how
//! many seats are free). The room never reads a clock, never sleeps, never does I/O:
//! time only moves when an event says so, which is what makes every rule below testable
//! on a virtual clock.
//!
//! All timers of a room (bots arriving, bots choosing, the round deadline) fold into
//! one [`Room::next_deadline`], which the shell hands to the Durable Object's single
//! alarm. [`Room::tick`] does whatever is due and nothing else, so a duplicated or
//! retried alarm is harmless.
//!
//! Connections come and go without costing a player their seat: a dropped or silent
//! connection turns its seat *away* for a grace window, during which the player can
//! resume with the token `hi` gave them and receives what they missed.
//!
//! The whole struct is serialisable: the shell stores it after every event, so a room
//! that hibernates or is evicted comes back exactly as it was.

use serde::{Deserialize, Serialize};

use crate::config::RoomConfig;
use crate::protocol::{
    parse_client_frame, Choice, ClientFrame, CloseCode, ErrorCode, Face, MovementKind,
    ProtocolError, RoomPhase, SeatResult, SeatView, ServerFrame,
};
use crate::scoring::{settle, Standing};
use crate::stats::{RecordLine, RoundRecord};

/// How long a settled round's record waits for the stats shards to confirm it before
/// it is sent again.
pub const RECORD_RETRY_MS: u64 = 2_000;
/// Records kept for delivery at most (a stats outage longer than this many rounds
/// loses the oldest).
const MAX_UNRECORDED: usize = 64;

/// Identifies one WebSocket connection. Chosen by the shell, unique per connection.
pub type ConnId = String;

/// Identifies a player: the subject of their session token (see [`crate::auth`]).
/// A player holds at most one seat; a second connection takes the seat over.
pub type PlayerId = String;

/// A player's public face.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub avatar: String,
}

/// Something the shell must do after an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Send `frame` to each of these connections.
    Send { to: Vec<ConnId>, frame: ServerFrame },
    /// Close this connection with `code`.
    Close { conn: ConnId, code: CloseCode },
    /// The number of free seats changed for a reason the matchmaker cannot know
    /// (someone left, bots sat down). `version` grows with every report so the
    /// matchmaker can drop one that arrives late. `humans` counts people (not bots).
    Capacity {
        free: usize,
        humans: u64,
        version: u64,
        /// The players holding seats (connected or away), so the matchmaker can send a
        /// player's next connection back to their seat.
        players: Vec<PlayerId>,
    },
    /// Deliver this settled round to the stats shards, then call [`Room::recorded`].
    /// Until then it is sent again every [`RECORD_RETRY_MS`]; the shards ignore repeats.
    Record(RoundRecord),
}

/// A connection could not be seated: every seat is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomFull;

/// Frames kept for an away seat, to replay when it resumes (the oldest go first).
const MAX_MISSED_FRAMES: usize = 16;

/// Per-connection rate limit, a token bucket: a burst of this many frames …
const BURST_FRAMES: u64 = 20;
/// … refilled at this rate. A person taps far slower; a script floods far faster.
const FRAMES_PER_SECOND: u64 = 10;
/// Frames over the limit answered with `rate_limited` before the connection is closed
/// with 1008.
const FRAMES_OVER_BEFORE_CLOSE: u64 = 10;

/// What the rate limiter says about one more frame.
enum Allowance {
    Ok,
    Over,
    Close,
}

/// A connection's token bucket, in thousandths of a frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct Bucket {
    milli: u64,
    at: u64,
    over: u64,
}

impl Default for Bucket {
    fn default() -> Self {
        Bucket::full(0)
    }
}

impl Bucket {
    fn full(now: u64) -> Bucket {
        Bucket {
            milli: BURST_FRAMES * 1000,
            at: now,
            over: 0,
        }
    }

    fn take(&mut self, now: u64) -> Allowance {
        let refill = now
            .saturating_sub(self.at)
            .saturating_mul(FRAMES_PER_SECOND);
        self.milli = (self.milli.saturating_add(refill)).min(BURST_FRAMES * 1000);
        self.at = self.at.max(now);
        if self.milli >= 1000 {
            self.milli -= 1000;
            self.over = 0;
            Allowance::Ok
        } else {
            self.over += 1;
            if self.over > FRAMES_OVER_BEFORE_CLOSE {
                Allowance::Close
            } else {
                Allowance::Over
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Occupant {
    /// A person with a live connection, last heard from at `last_seen`.
    Human {
        conn: ConnId,
        last_seen: u64,
        #[serde(default)]
        bucket: Bucket,
    },
    /// A person whose connection dropped; the seat is theirs until `until`.
    Away { until: u64 },
    /// `choose_at`: when the bot will pick its hand in the running round.
    Bot { choose_at: Option<u64> },
    /// Released during a round: stays in it with no choice (and so loses) until it
    /// settles, then the seat is freed.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seat {
    occupant: Occupant,
    /// Whose seat this is (empty for bots).
    #[serde(default)]
    player: PlayerId,
    profile: Profile,
    /// The secret that takes this seat back (empty for bots).
    token: String,
    total: i64,
    streak: u32,
    /// Wants to play the next round.
    ready: bool,
    /// Takes part in the running round (a seat taken mid-round waits for the next).
    in_round: bool,
    choice: Option<Choice>,
    /// `start` and `result` frames sent while away, replayed on resume.
    missed: Vec<ServerFrame>,
}

impl Seat {
    fn conn(&self) -> Option<&ConnId> {
        match &self.occupant {
            Occupant::Human { conn, .. } => Some(conn),
            _ => None,
        }
    }

    fn is_bot(&self) -> bool {
        matches!(self.occupant, Occupant::Bot { .. })
    }

    /// A person holds this seat, connected or away.
    fn is_person(&self) -> bool {
        matches!(
            self.occupant,
            Occupant::Human { .. } | Occupant::Away { .. }
        )
    }

    fn view(&self, seat: usize) -> SeatView {
        SeatView {
            seat,
            name: self.profile.name.clone(),
            avatar: self.profile.avatar.clone(),
            bot: self.is_bot(),
            ready: self.ready,
            away: matches!(self.occupant, Occupant::Away { .. }),
            total: self.total,
            streak: self.streak,
        }
    }
}

/// A room: its seats, the round in progress, and its timers.
///
/// Time passes before anything else happens: the shell calls [`Room::tick`] with the
/// current time before handing over any other event, so a late alarm never lets an
/// event slip in ahead of a deadline that has already passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    name: String,
    config: RoomConfig,
    /// One slot per seat; `None` is a free seat.
    seats: Vec<Option<Seat>>,
    /// Number of the running round, or of the last one settled.
    round: u64,
    /// When the running round settles; `None` between rounds.
    deadline: Option<u64>,
    /// When bots fill the free seats of a room with a lone player.
    bot_at: Option<u64>,
    capacity_version: u64,
    /// State of the room's own RNG (bot timing and hands). Persisted with the room so a
    /// room replays identically from the same seed.
    rng_state: u64,
    /// Tells this room apart from an earlier one of the same name (whose storage was
    /// lost), so round ids stay unique: `<name>:<incarnation>:<round>`.
    #[serde(default)]
    incarnation: u64,
    /// Settled rounds the stats shards have not confirmed yet.
    #[serde(default)]
    unrecorded: Vec<RoundRecord>,
    /// When to send the unconfirmed records again.
    #[serde(default)]
    record_retry_at: Option<u64>,
}

impl Room {
    /// A new, empty room. `seed` feeds the room's RNG.
    pub fn new(name: impl Into<String>, config: RoomConfig, seed: u64) -> Room {
        Room {
            name: name.into(),
            config,
            seats: vec![None; config.size],
            round: 0,
            deadline: None,
            bot_at: None,
            capacity_version: 0,
            rng_state: seed,
            incarnation: seed,
            unrecorded: Vec::new(),
            record_retry_at: None,
        }
    }

    /// The stats shards confirmed the record of `round_id`: stop sending it.
    pub fn recorded(&mut self, round_id: &str) {
        self.unrecorded.retain(|r| r.round_id != round_id);
        if self.unrecorded.is_empty() {
            self.record_retry_at = None;
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seats nobody holds.
    pub fn free_seats(&self) -> usize {
        self.seats.iter().filter(|s| s.is_none()).count()
    }

    /// Live connections seated here, in seat order.
    pub fn connections(&self) -> Vec<ConnId> {
        self.seats
            .iter()
            .flatten()
            .filter_map(Seat::conn)
            .cloned()
            .collect()
    }

    /// The earliest moment at which [`Room::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        let timeout = self.config.heartbeat_timeout_ms;
        let per_seat = self
            .seats
            .iter()
            .flatten()
            .filter_map(|s| match s.occupant {
                Occupant::Human { last_seen, .. } => Some(last_seen + timeout),
                Occupant::Away { until } => Some(until),
                Occupant::Bot { choose_at } => choose_at,
                Occupant::Gone => None,
            });
        per_seat
            .chain(self.deadline)
            .chain(self.bot_at)
            .chain(self.record_retry_at)
            .min()
    }

    /// Seats a new connection of `player`. If the player already holds a seat here
    /// (another tab, a reconnect that did not present its resume token), the new
    /// connection takes that seat over and the old one is closed with
    /// [`CloseCode::Replaced`]: one live seat per player. Otherwise `token` is the secret
    /// that will let the new seat resume (the shell makes it unguessable). The caller
    /// (the matchmaker) believed there was room; if the room filled meanwhile,
    /// [`RoomFull`] tells it to try elsewhere.
    pub fn connect(
        &mut self,
        now: u64,
        conn: ConnId,
        player: &str,
        token: String,
        profile: Profile,
        online: u64,
    ) -> Result<Vec<Effect>, RoomFull> {
        if let Some(slot) = self.seat_of_player(player) {
            return Ok(self.take_over(now, slot, conn, online));
        }
        let slot = self
            .seats
            .iter()
            .position(Option::is_none)
            .ok_or(RoomFull)?;
        self.seats[slot] = Some(Seat {
            occupant: Occupant::Human {
                conn: conn.clone(),
                last_seen: now,
                bucket: Bucket::full(now),
            },
            player: player.to_string(),
            profile,
            token: token.clone(),
            total: 0,
            streak: 0,
            ready: true,
            in_round: false,
            choice: None,
            missed: Vec::new(),
        });
        let mut out = vec![self.hi(slot, conn, online, false)];
        self.arm_bot_timer(now);
        out.push(self.room_frame());
        self.maybe_start(now, &mut out);
        Ok(out)
    }

    /// Would [`Room::connect`] seat `player` (a free seat, or their own)?
    pub fn has_seat_for(&self, player: &str) -> bool {
        self.free_seats() > 0 || self.seat_of_player(player).is_some()
    }

    /// Would [`Room::resume`] with `token` get `player` a seat back?
    pub fn holds_seat(&self, token: &str, player: &str) -> bool {
        self.seat_for_token(token, player).is_some()
    }

    /// The people seated here (connected or away), in seat order.
    pub fn players(&self) -> Vec<PlayerId> {
        self.seats
            .iter()
            .flatten()
            .filter(|s| s.is_person())
            .map(|s| s.player.clone())
            .collect()
    }

    /// A resume token only works for the player it was issued to: a leaked token is
    /// no use to anyone else.
    fn seat_for_token(&self, token: &str, player: &str) -> Option<usize> {
        self.seats.iter().position(|s| {
            s.as_ref().is_some_and(|s| {
                s.is_person() && !token.is_empty() && s.token == token && s.player == player
            })
        })
    }

    fn seat_of_player(&self, player: &str) -> Option<usize> {
        self.seats.iter().position(|s| {
            s.as_ref()
                .is_some_and(|s| s.is_person() && !player.is_empty() && s.player == player)
        })
    }

    /// A new connection presents a resume token. If the seat is still held it moves to
    /// the new connection (closing an older one still attached), which then gets `hi`,
    /// the frames it missed and the room's `state`. Otherwise the connection is told
    /// the seat is gone and closed.
    pub fn resume(
        &mut self,
        now: u64,
        conn: ConnId,
        token: &str,
        player: &str,
        online: u64,
    ) -> Vec<Effect> {
        match self.seat_for_token(token, player) {
            Some(slot) => self.take_over(now, slot, conn, online),
            None => vec![
                error(
                    &conn,
                    ErrorCode::SeatGone,
                    "that seat was released; connect again without a resume token",
                ),
                Effect::Close {
                    conn,
                    code: CloseCode::SeatGone,
                },
            ],
        }
    }

    /// Moves the person's seat at `slot` to `conn` (closing an older connection still
    /// attached), which then gets `hi`, the frames it missed and the room's `state`.
    fn take_over(&mut self, now: u64, slot: usize, conn: ConnId, online: u64) -> Vec<Effect> {
        let Some(seat) = self.seats[slot].as_mut() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Occupant::Human { conn: old, .. } = &seat.occupant {
            out.push(Effect::Close {
                conn: old.clone(),
                code: CloseCode::Replaced,
            });
        }
        seat.occupant = Occupant::Human {
            conn: conn.clone(),
            last_seen: now,
            bucket: Bucket::full(now),
        };
        let missed = std::mem::take(&mut seat.missed);
        let choice = seat.choice.filter(|_| seat.in_round);
        out.push(self.hi(slot, conn.clone(), online, true));
        out.extend(missed.into_iter().map(|frame| Effect::Send {
            to: vec![conn.clone()],
            frame,
        }));
        out.push(Effect::Send {
            to: vec![conn],
            frame: ServerFrame::State {
                phase: self.phase(),
                round: self.round,
                ends_in_ms: self.deadline.map(|d| d.saturating_sub(now)),
                seats: self.views(),
                choice,
            },
        });
        out.push(self.room_frame());
        out
    }

    /// A text frame from `conn`. Any frame, even a bad one, proves the connection alive.
    pub fn receive(&mut self, now: u64, conn: &str, text: &str) -> Vec<Effect> {
        self.note_ping(conn, now);
        if let Some(refusal) = self.rate_limit(now, conn) {
            return refusal;
        }
        let frame = match parse_client_frame(text) {
            Ok(frame) => frame,
            Err(ProtocolError::TooBig { .. }) => {
                // Too big to be ours: close the connection and release its seat; a
                // client that does this is broken, and holding the seat helps nobody.
                let mut out = vec![Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::TooBig,
                }];
                if let Some(slot) = self.slot_of(conn) {
                    self.release(now, slot, &mut out);
                }
                return out;
            }
            Err(ProtocolError::Refused { code, message }) => {
                return vec![error(conn, code, message)];
            }
        };
        let Some(slot) = self.slot_of(conn) else {
            return vec![error(
                conn,
                ErrorCode::NotSeated,
                "this connection holds no seat",
            )];
        };
        let mut out = Vec::new();
        match frame {
            ClientFrame::Hello { name, avatar } => {
                if let Some(seat) = self.seats[slot].as_mut() {
                    if let Some(name) = name {
                        seat.profile.name = name;
                    }
                    if let Some(avatar) = avatar {
                        seat.profile.avatar = avatar;
                    }
                }
                out.push(self.room_frame());
            }
            ClientFrame::Join {} => {
                if self.deadline.is_some() {
                    return vec![error(
                        conn,
                        ErrorCode::RoundInProgress,
                        "a round is running; join after its result",
                    )];
                }
                if let Some(seat) = self.seats[slot].as_mut() {
                    seat.ready = true;
                }
                out.push(self.room_frame());
                self.maybe_start(now, &mut out);
            }
            ClientFrame::Leave {} => {
                out.push(Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::Normal,
                });
                self.release(now, slot, &mut out);
            }
            ClientFrame::Choice { choice } => {
                let in_round = self.deadline.is_some_and(|deadline| now < deadline)
                    && self.seats[slot].as_ref().is_some_and(|s| s.in_round);
                if !in_round {
                    return vec![error(
                        conn,
                        ErrorCode::NotInRound,
                        "no round is running for this seat",
                    )];
                }
                if let Some(seat) = self.seats[slot].as_mut() {
                    seat.choice = Some(choice);
                }
                out.push(self.movement(slot, MovementKind::Choice, None));
            }
            ClientFrame::Face { face } => {
                out.push(self.movement(slot, MovementKind::Face, Some(face)));
            }
            ClientFrame::Ping {} => out.push(Effect::Send {
                to: vec![conn.to_string()],
                frame: ServerFrame::Pong {},
            }),
        }
        out
    }

    /// A binary frame from `conn`: not part of the protocol.
    pub fn receive_binary(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        self.note_ping(conn, now);
        if let Some(refusal) = self.rate_limit(now, conn) {
            return refusal;
        }
        vec![error(conn, ErrorCode::BinaryFrame, "frames are JSON text")]
    }

    /// Charges one frame to `conn`'s bucket. Over the limit: `rate_limited`; far over
    /// it: close 1008 and release the seat (a flooder does not get it held).
    fn rate_limit(&mut self, now: u64, conn: &str) -> Option<Vec<Effect>> {
        let slot = self.slot_of(conn)?;
        let Some(Seat {
            occupant: Occupant::Human { bucket, .. },
            ..
        }) = self.seats[slot].as_mut()
        else {
            return None;
        };
        match bucket.take(now) {
            Allowance::Ok => None,
            Allowance::Over => Some(vec![error(
                conn,
                ErrorCode::RateLimited,
                "too many frames; slow down",
            )]),
            Allowance::Close => {
                let mut out = vec![Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::RateLimited,
                }];
                self.release(now, slot, &mut out);
                Some(out)
            }
        }
    }

    /// The platform answered a heartbeat from `conn` at `at` without waking the room
    /// (WebSocket auto-response); the shell reports it so the room knows `conn` lives.
    pub fn note_ping(&mut self, conn: &str, at: u64) {
        if let Some(slot) = self.slot_of(conn) {
            if let Some(Seat {
                occupant: Occupant::Human { last_seen, .. },
                ..
            }) = self.seats[slot].as_mut()
            {
                *last_seen = (*last_seen).max(at);
            }
        }
    }

    /// `conn`'s socket closed or failed. The seat is held for the grace window.
    pub fn disconnect(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(slot) = self.slot_of(conn) {
            self.set_away(now, slot, &mut out);
        }
        out
    }

    /// After a restart of the runtime only the sockets in `live` still exist; seats whose
    /// connection is not among them are away from now on.
    pub fn reconcile(&mut self, now: u64, live: &[ConnId]) -> Vec<Effect> {
        let mut out = Vec::new();
        for slot in 0..self.seats.len() {
            let lost = self.seats[slot]
                .as_ref()
                .and_then(Seat::conn)
                .is_some_and(|c| !live.contains(c));
            if lost {
                self.set_away(now, slot, &mut out);
            }
        }
        out
    }

    /// Does whatever is due at `now`: silent connections go away, grace windows end,
    /// bots sit down and move, the round settles. Idempotent: a second call at the same
    /// time (a retried alarm) finds nothing due.
    pub fn tick(&mut self, now: u64) -> Vec<Effect> {
        let mut out = Vec::new();
        let timeout = self.config.heartbeat_timeout_ms;
        for slot in 0..self.seats.len() {
            match self.seats[slot].as_ref().map(|s| &s.occupant) {
                Some(Occupant::Human {
                    conn, last_seen, ..
                }) if last_seen + timeout <= now => {
                    out.push(Effect::Close {
                        conn: conn.clone(),
                        code: CloseCode::HeartbeatTimeout,
                    });
                    self.set_away(now, slot, &mut out);
                }
                Some(Occupant::Away { until }) if *until <= now => {
                    self.release(now, slot, &mut out);
                }
                _ => {}
            }
        }
        if self.bot_at.is_some_and(|at| at <= now) {
            self.bot_at = None;
            self.seat_bots(now, &mut out);
        }
        let mut rng = fastrand::Rng::with_seed(self.rng_state);
        for slot in 0..self.seats.len() {
            let due = matches!(
                self.seats[slot],
                Some(Seat { occupant: Occupant::Bot { choose_at: Some(at) }, .. }) if at <= now
            );
            if due {
                if let Some(seat) = self.seats[slot].as_mut() {
                    seat.occupant = Occupant::Bot { choose_at: None };
                    seat.choice = rng.choice(Choice::ALL);
                }
                out.push(self.movement(slot, MovementKind::Choice, None));
            }
        }
        self.rng_state = rng.get_seed();
        if self.deadline.is_some_and(|deadline| deadline <= now) {
            self.settle_round(now, &mut out);
        }
        if self.record_retry_at.is_some_and(|at| at <= now) {
            out.extend(self.unrecorded.iter().cloned().map(Effect::Record));
            self.record_retry_at = Some(now + RECORD_RETRY_MS);
        }
        out
    }

    fn slot_of(&self, conn: &str) -> Option<usize> {
        self.seats
            .iter()
            .position(|s| s.as_ref().and_then(Seat::conn).is_some_and(|c| c == conn))
    }

    fn has_people(&self) -> bool {
        self.seats.iter().flatten().any(Seat::is_person)
    }

    fn phase(&self) -> RoomPhase {
        if self.deadline.is_some() {
            RoomPhase::Playing
        } else {
            RoomPhase::Waiting
        }
    }

    fn hi(&self, slot: usize, conn: ConnId, online: u64, resumed: bool) -> Effect {
        let token = self.seats[slot]
            .as_ref()
            .map(|s| s.token.clone())
            .unwrap_or_default();
        Effect::Send {
            to: vec![conn],
            frame: ServerFrame::Hi {
                room: self.name.clone(),
                seat: slot,
                size: self.config.size,
                online,
                round_ms: self.config.round_ms,
                resume: token,
                resumed,
            },
        }
    }

    /// `frame` for every live connection. Away seats keep the frames that change the
    /// game (`start`, `result`) to catch up on when they resume.
    fn broadcast(&mut self, frame: ServerFrame) -> Effect {
        if matches!(
            frame,
            ServerFrame::Start { .. } | ServerFrame::Result { .. }
        ) {
            for seat in self.seats.iter_mut().flatten() {
                if matches!(seat.occupant, Occupant::Away { .. }) {
                    if seat.missed.len() == MAX_MISSED_FRAMES {
                        seat.missed.remove(0);
                    }
                    seat.missed.push(frame.clone());
                }
            }
        }
        Effect::Send {
            to: self.connections(),
            frame,
        }
    }

    fn views(&self) -> Vec<SeatView> {
        self.seats
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.as_ref()
                    .filter(|s| s.occupant != Occupant::Gone)
                    .map(|s| s.view(i))
            })
            .collect()
    }

    fn room_frame(&mut self) -> Effect {
        let frame = ServerFrame::Room {
            phase: self.phase(),
            seats: self.views(),
        };
        self.broadcast(frame)
    }

    /// `movement` for everyone but the mover. Carries the face, never the hand.
    fn movement(&self, slot: usize, what: MovementKind, face: Option<Face>) -> Effect {
        let mover = self.seats[slot].as_ref().and_then(Seat::conn);
        Effect::Send {
            to: self
                .connections()
                .into_iter()
                .filter(|c| Some(c) != mover)
                .collect(),
            frame: ServerFrame::Movement {
                seat: slot,
                what,
                face,
            },
        }
    }

    fn capacity(&mut self) -> Effect {
        self.capacity_version += 1;
        let players = self.players();
        Effect::Capacity {
            free: self.free_seats(),
            humans: players.len() as u64,
            version: self.capacity_version,
            players,
        }
    }

    /// The seat's connection is gone; hold the seat for the grace window.
    fn set_away(&mut self, now: u64, slot: usize, out: &mut Vec<Effect>) {
        if self.config.resume_grace_ms == 0 {
            self.release(now, slot, out);
            return;
        }
        if let Some(seat) = self.seats[slot].as_mut() {
            seat.occupant = Occupant::Away {
                until: now + self.config.resume_grace_ms,
            };
        }
        out.push(self.room_frame());
    }

    /// The seat's player is gone for good (left, or away past the grace window). In a
    /// running round the seat stays as a forfeit (no choice, which loses) until it
    /// settles; otherwise it is free at once.
    fn release(&mut self, now: u64, slot: usize, out: &mut Vec<Effect>) {
        let running = self.deadline.is_some();
        match self.seats[slot].as_mut() {
            Some(seat) if running && seat.in_round => {
                seat.occupant = Occupant::Gone;
                seat.ready = false;
                seat.choice = None;
                seat.missed.clear();
            }
            _ => self.seats[slot] = None,
        }
        if !self.has_people() {
            // Nobody real is left: bots and forfeits go too, and the room starts over.
            self.seats.iter_mut().for_each(|s| *s = None);
            self.deadline = None;
            self.bot_at = None;
        } else {
            self.arm_bot_timer(now);
            out.push(self.room_frame());
            self.maybe_start(now, out);
        }
        out.push(self.capacity());
    }

    /// People with free seats around them get bots after `bot_wait_ms` (the wait
    /// restarts whenever someone arrives), so a room of 3 never waits forever for its
    /// third.
    fn arm_bot_timer(&mut self, now: u64) {
        let wants_bots = self.free_seats() > 0 && self.has_people();
        self.bot_at = wants_bots.then(|| now + self.config.bot_wait_ms);
    }

    fn seat_bots(&mut self, now: u64, out: &mut Vec<Effect>) {
        if !self.has_people() || self.free_seats() == 0 {
            return;
        }
        for (slot, seat) in self.seats.iter_mut().enumerate() {
            if seat.is_none() {
                *seat = Some(Seat {
                    occupant: Occupant::Bot { choose_at: None },
                    player: String::new(),
                    profile: Profile {
                        name: format!("Bot {}", slot + 1),
                        avatar: "🤖".into(),
                    },
                    token: String::new(),
                    total: 0,
                    streak: 0,
                    ready: true,
                    in_round: false,
                    choice: None,
                    missed: Vec::new(),
                });
            }
        }
        out.push(self.room_frame());
        out.push(self.capacity());
        self.maybe_start(now, out);
    }

    /// Starts a round when every seat is taken and everyone is ready.
    fn maybe_start(&mut self, now: u64, out: &mut Vec<Effect>) {
        let everyone_ready = self
            .seats
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| s.ready));
        if self.deadline.is_some() || !everyone_ready {
            return;
        }
        let round_ms = self.config.round_ms;
        let mut rng = fastrand::Rng::with_seed(self.rng_state);
        for seat in self.seats.iter_mut().flatten() {
            seat.ready = false;
            seat.in_round = true;
            seat.choice = None;
            if let Occupant::Bot { choose_at } = &mut seat.occupant {
                // Somewhere between 10% and 80% of the round, like a person thinking.
                *choose_at = Some(now + rng.u64(round_ms / 10..=round_ms * 8 / 10));
            }
        }
        self.rng_state = rng.get_seed();
        self.round += 1;
        self.deadline = Some(now + round_ms);
        self.bot_at = None;
        let frame = ServerFrame::Start {
            round: self.round,
            round_ms,
            ends_in_ms: round_ms,
            seats: self.views(),
        };
        out.push(self.broadcast(frame));
    }

    fn settle_round(&mut self, now: u64, out: &mut Vec<Effect>) {
        self.deadline = None;
        let playing: Vec<usize> = (0..self.seats.len())
            .filter(|&i| self.seats[i].as_ref().is_some_and(|s| s.in_round))
            .collect();
        let input: Vec<(Option<Choice>, Standing)> = playing
            .iter()
            .filter_map(|&i| self.seats[i].as_ref())
            .map(|s| {
                let before = Standing {
                    total: s.total,
                    streak: s.streak,
                };
                (s.choice, before)
            })
            .collect();
        let mut lines = Vec::with_capacity(playing.len());
        for (&slot, outcome) in playing.iter().zip(settle(&input)) {
            if let Some(seat) = self.seats[slot].as_mut() {
                lines.push(SeatResult {
                    seat: slot,
                    choice: seat.choice,
                    base: outcome.base,
                    score: outcome.score,
                    total: outcome.standing.total,
                    streak: outcome.standing.streak,
                });
                seat.total = outcome.standing.total;
                seat.streak = outcome.standing.streak;
                seat.in_round = false;
                seat.choice = None;
                // Bots are always up for another round; people say so with `join`.
                seat.ready = seat.is_bot();
                if let Occupant::Bot { choose_at } = &mut seat.occupant {
                    *choose_at = None;
                }
            }
        }
        let record = RoundRecord {
            round_id: format!("{}:{:x}:{}", self.name, self.incarnation, self.round),
            lines: lines
                .iter()
                .filter_map(|line| {
                    let seat = self.seats[line.seat].as_ref()?;
                    (!seat.player.is_empty()).then(|| RecordLine {
                        player: seat.player.clone(),
                        name: seat.profile.name.clone(),
                        score: line.score,
                        streak: line.streak,
                        won: line.base > 0,
                    })
                })
                .collect(),
        };
        let result = ServerFrame::Result {
            round: self.round,
            seats: lines,
        };
        out.push(self.broadcast(result));
        if !record.lines.is_empty() {
            if self.unrecorded.len() == MAX_UNRECORDED {
                self.unrecorded.remove(0);
            }
            self.unrecorded.push(record.clone());
            self.record_retry_at = Some(now + RECORD_RETRY_MS);
            out.push(Effect::Record(record));
        }
        // Forfeited seats are released now that their round is over.
        let gone: Vec<usize> = (0..self.seats.len())
            .filter(|&i| {
                self.seats[i]
                    .as_ref()
                    .is_some_and(|s| s.occupant == Occupant::Gone)
            })
            .collect();
        if !gone.is_empty() {
            for slot in gone {
                self.seats[slot] = None;
            }
            self.arm_bot_timer(now);
            out.push(self.room_frame());
            out.push(self.capacity());
        }
    }
}

fn error(conn: &str, code: ErrorCode, message: impl Into<String>) -> Effect {
    Effect::Send {
        to: vec![conn.to_string()],
        frame: ServerFrame::Error {
            code,
            message: message.into(),
        },
    }
}
