//! One room as a sans-IO state machine: the part every game shares.
//!
//! The Durable Object shell feeds it events (a connection arrived, a text frame came
//! in, a socket closed, the alarm fired), each with the current time in ms, and gets
//! back [`Effect`]s to carry out (send a frame, close a socket, tell the matchmaker how
//! many seats are free, record a settled round). The room never reads a clock, never
//! sleeps, never does I/O: time only moves when an event says so, which is what makes
//! every rule testable on a virtual clock.
//!
//! The room holds seats, connections, spectators and the plumbing around them; the
//! rules of the game it hosts live behind the [`Game`] trait (rock-paper-scissors, dig
//! gold, chat: see `crate::games`). A game sees the room through a [`Table`].
//!
//! All timers (heartbeats, resume windows, the game's own, record retries) fold into
//! one [`Room::next_deadline`], which the shell hands to the Durable Object's single
//! alarm. [`Room::tick`] does whatever is due and nothing else, so a duplicated or
//! retried alarm is harmless.
//!
//! Connections come and go without costing a player their seat: a dropped or silent
//! connection turns its seat *away* for a grace window, during which the player can
//! resume and receives what they missed.
//!
//! The whole struct is serialisable: the shell stores it after every event, so a room
//! that hibernates or is evicted comes back exactly as it was.

use serde::{Deserialize, Serialize};

use crate::config::RoomConfig;
use crate::game::{Game, GameState, Release};
use crate::protocol::{
    parse_client_frame, ClientFrame, CloseCode, ErrorCode, GameKind, ProtocolError, SeatView,
    ServerFrame,
};
use crate::stats::{RecordLine, RoundRecord};

/// How long records sent to the stats shards wait for their confirmation before they
/// are sent again, at least (the batching window, [`RoomConfig::stats_flush_ms`], if
/// longer).
pub const RECORD_RETRY_MS: u64 = 2_000;
/// Records kept for delivery at most (a stats outage longer than this many rounds
/// loses the oldest).
const MAX_UNRECORDED: usize = 64;
/// Spectators one room takes at most.
pub const MAX_SPECTATORS: usize = 64;

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
    /// Send a frame already in its JSON text (one kept for replay) to these connections.
    SendText { to: Vec<ConnId>, text: String },
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
    /// Deliver these settled rounds to the stats shards, then call [`Room::recorded`]
    /// for each. Until then they are sent again (after [`RECORD_RETRY_MS`] at least);
    /// the shards ignore repeats.
    Records(Vec<RoundRecord>),
}

/// Where to point the room's one alarm, given the time it is `armed` for and the
/// room's `next` deadline: `Some(at)` to set it, `None` to leave it as it is.
///
/// An alarm earlier than needed is kept: it wakes the room, which finds nothing due and
/// points the alarm further. Moving it on every event instead would cost a runtime call
/// per frame, since each frame pushes its player's heartbeat deadline a little later.
pub fn alarm_to_set(armed: Option<u64>, next: Option<u64>) -> Option<u64> {
    match (armed, next) {
        (None, Some(at)) => Some(at),
        (Some(armed), Some(at)) if at < armed => Some(at),
        _ => None,
    }
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
    /// A bot the game seated.
    Bot,
    /// Released during a round: stays in it (and so loses) until the game frees it.
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
    /// Frames the game keeps for an away seat, replayed on resume, as the JSON text
    /// that goes on the wire (the room never reads them back).
    missed: Vec<String>,
}

impl Seat {
    fn conn(&self) -> Option<&ConnId> {
        match &self.occupant {
            Occupant::Human { conn, .. } => Some(conn),
            _ => None,
        }
    }

    fn is_bot(&self) -> bool {
        matches!(self.occupant, Occupant::Bot)
    }

    /// A person holds this seat, connected or away.
    fn is_person(&self) -> bool {
        matches!(
            self.occupant,
            Occupant::Human { .. } | Occupant::Away { .. }
        )
    }
}

/// A read-only connection: sees what players see, plays nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Spectator {
    conn: ConnId,
    last_seen: u64,
    #[serde(default)]
    bucket: Bucket,
}

/// A room: its seats, its spectators, its game, and its timers.
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
    #[serde(default)]
    spectators: Vec<Spectator>,
    game: GameState,
    capacity_version: u64,
    /// State of the room's own RNG (bot timing and hands, boards). Persisted with the
    /// room so a room replays identically from the same seed.
    rng_state: u64,
    /// Tells this room apart from an earlier one of the same name (whose storage was
    /// lost), so round ids stay unique: `<name>:<incarnation>:<round>`.
    #[serde(default)]
    incarnation: u64,
    /// Settled rounds the stats shards have not confirmed yet. Stored apart from the
    /// room ([`Room::outbox`], [`Room::with_outbox`]): it changes once per round, the
    /// rest of the room several times, and keeping it out keeps those writes small.
    /// (Read here from rooms stored before that.)
    #[serde(default, skip_serializing)]
    unrecorded: Vec<RoundRecord>,
    /// When the unconfirmed records must be sent (again), at the latest; see
    /// [`Room::send_records_if_due`].
    #[serde(default, alias = "record_retry_at")]
    records_due_at: Option<u64>,
    /// The last frame changed nothing worth storing (see [`Room::last_frame_ephemeral`]).
    #[serde(skip)]
    ephemeral: Transient,
}

/// A note about the last event only: never stored, and not part of what a room *is*
/// (two rooms that differ only here are equal).
#[derive(Debug, Clone, Copy, Default)]
struct Transient(bool);

impl PartialEq for Transient {
    fn eq(&self, _: &Transient) -> bool {
        true
    }
}

impl Eq for Transient {}

impl Room {
    /// A new, empty room hosting `config.game`. `seed` feeds the room's RNG.
    pub fn new(name: impl Into<String>, config: RoomConfig, seed: u64) -> Room {
        Room {
            name: name.into(),
            config,
            seats: vec![None; config.size],
            spectators: Vec::new(),
            game: GameState::new(config.game, config.size),
            capacity_version: 0,
            rng_state: seed,
            incarnation: seed,
            unrecorded: Vec::new(),
            records_due_at: None,
            ephemeral: Transient(false),
        }
    }

    /// Did the last [`Room::receive`] / [`Room::receive_binary`] change only what need
    /// not survive a restart (a relayed `face`, a `ping`, a refused frame: liveness and
    /// rate-limit counters at most)? The shell then skips storing the room for it, which
    /// keeps a storage write off the path of every relayed frame.
    pub fn last_frame_ephemeral(&self) -> bool {
        self.ephemeral.0
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn game(&self) -> GameKind {
        self.game.kind()
    }

    /// The records the stats shards have not confirmed yet, for storage.
    pub fn outbox(&self) -> &[RoundRecord] {
        &self.unrecorded
    }

    /// This room, read back from storage, with its stored [`Room::outbox`].
    pub fn with_outbox(mut self, outbox: Vec<RoundRecord>) -> Room {
        if !outbox.is_empty() {
            self.unrecorded = outbox;
        }
        self
    }

    /// The stats shards confirmed the record of `round_id`: stop sending it.
    pub fn recorded(&mut self, round_id: &str) {
        self.unrecorded.retain(|r| r.round_id != round_id);
        if self.unrecorded.is_empty() {
            self.records_due_at = None;
        }
    }

    /// Seats nobody holds.
    pub fn free_seats(&self) -> usize {
        free_seats(&self.seats)
    }

    /// Live connections seated here, in seat order (spectators not included).
    pub fn connections(&self) -> Vec<ConnId> {
        self.seats
            .iter()
            .flatten()
            .filter_map(Seat::conn)
            .cloned()
            .collect()
    }

    /// Connections watching.
    pub fn spectators(&self) -> Vec<ConnId> {
        self.spectators.iter().map(|s| s.conn.clone()).collect()
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
                Occupant::Bot | Occupant::Gone => None,
            });
        let watchers = self.spectators.iter().map(|s| s.last_seen + timeout);
        per_seat
            .chain(watchers)
            .chain(self.game.get().next_deadline())
            .chain(self.records_due_at)
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
            token,
            missed: Vec::new(),
        });
        let mut out = vec![self.hi(slot, conn, online, false)];
        self.with_game(now, &mut out, |game, t| game.seated(t, slot));
        Ok(out)
    }

    /// A spectator connection: it gets `watching`, the state everybody may see, and
    /// from then on every frame the room broadcasts. Refused (close 1008) when the room
    /// already has [`MAX_SPECTATORS`].
    pub fn watch(&mut self, now: u64, conn: ConnId) -> Vec<Effect> {
        if self.spectators.len() >= MAX_SPECTATORS {
            return vec![
                error(
                    &conn,
                    ErrorCode::RateLimited,
                    "too many spectators in this room",
                ),
                Effect::Close {
                    conn,
                    code: CloseCode::RateLimited,
                },
            ];
        }
        self.spectators.push(Spectator {
            conn: conn.clone(),
            last_seen: now,
            bucket: Bucket::full(now),
        });
        let mut out = vec![Effect::Send {
            to: vec![conn.clone()],
            frame: ServerFrame::Watching {
                room: self.name.clone(),
                game: self.game.kind(),
                size: self.config.size,
            },
        }];
        let mut frames = Vec::new();
        self.with_game(now, &mut out, |game, t| {
            frames = game.catch_up(t, None);
            frames.push(t.room_frame_of(game));
        });
        out.extend(frames.into_iter().map(|frame| Effect::Send {
            to: vec![conn.clone()],
            frame,
        }));
        out
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
        players(&self.seats)
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
    /// the frames it missed and the game's catch-up. Otherwise the connection is told
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
    /// attached), which then gets `hi`, the frames it missed and the game's catch-up.
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
        out.push(self.hi(slot, conn.clone(), online, true));
        out.extend(missed.into_iter().map(|text| Effect::SendText {
            to: vec![conn.clone()],
            text,
        }));
        let mut catch_up = Vec::new();
        self.with_game(now, &mut out, |game, t| {
            catch_up = game.catch_up(t, Some(slot))
        });
        out.extend(catch_up.into_iter().map(|frame| Effect::Send {
            to: vec![conn.clone()],
            frame,
        }));
        self.with_game(now, &mut out, |game, t| t.room_frame(game));
        out
    }

    /// A text frame from `conn`. Any frame, even a bad one, proves the connection alive.
    pub fn receive(&mut self, now: u64, conn: &str, text: &str) -> Vec<Effect> {
        self.ephemeral = Transient(false);
        self.note_ping(conn, now);
        if let Some(refusal) = self.rate_limit(now, conn) {
            self.ephemeral = Transient(!refusal.iter().any(|e| matches!(e, Effect::Close { .. })));
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
                self.drop_spectator(conn);
                if let Some(slot) = self.slot_of(conn) {
                    self.release(now, slot, &mut out);
                }
                return out;
            }
            Err(ProtocolError::Refused { code, message }) => {
                self.ephemeral = Transient(true);
                return vec![error(conn, code, message)];
            }
        };
        // A face is relayed and forgotten; a ping only proves liveness.
        self.ephemeral = Transient(matches!(
            frame,
            ClientFrame::Face { .. } | ClientFrame::Ping {}
        ));
        if self.is_spectator(conn) {
            self.ephemeral = Transient(!matches!(frame, ClientFrame::Leave {}));
            return self.spectator_frame(conn, frame);
        }
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
                self.with_game(now, &mut out, |game, t| t.room_frame(game));
            }
            ClientFrame::Leave {} => {
                out.push(Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::Normal,
                });
                self.release(now, slot, &mut out);
            }
            ClientFrame::Ping {} => out.push(Effect::Send {
                to: vec![conn.to_string()],
                frame: ServerFrame::Pong {},
            }),
            frame => {
                let mut refused = None;
                self.with_game(now, &mut out, |game, t| {
                    refused = game.frame(t, slot, frame).err();
                });
                if let Some(refusal) = refused {
                    self.ephemeral = Transient(true);
                    return vec![error(conn, refusal.code, refusal.message)];
                }
            }
        }
        out
    }

    /// A binary frame from `conn`: not part of the protocol.
    pub fn receive_binary(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        self.ephemeral = Transient(false);
        self.note_ping(conn, now);
        if let Some(refusal) = self.rate_limit(now, conn) {
            self.ephemeral = Transient(!refusal.iter().any(|e| matches!(e, Effect::Close { .. })));
            return refusal;
        }
        self.ephemeral = Transient(true);
        vec![error(conn, ErrorCode::BinaryFrame, "frames are JSON text")]
    }

    fn is_spectator(&self, conn: &str) -> bool {
        self.spectators.iter().any(|s| s.conn == conn)
    }

    fn drop_spectator(&mut self, conn: &str) -> bool {
        let before = self.spectators.len();
        self.spectators.retain(|s| s.conn != conn);
        self.spectators.len() != before
    }

    /// A spectator may only leave and ping.
    fn spectator_frame(&mut self, conn: &str, frame: ClientFrame) -> Vec<Effect> {
        match frame {
            ClientFrame::Leave {} => {
                self.drop_spectator(conn);
                vec![Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::Normal,
                }]
            }
            ClientFrame::Ping {} => vec![Effect::Send {
                to: vec![conn.to_string()],
                frame: ServerFrame::Pong {},
            }],
            _ => vec![error(
                conn,
                ErrorCode::Spectating,
                "spectators watch; they cannot play",
            )],
        }
    }

    /// Charges one frame to `conn`'s bucket. Over the limit: `rate_limited`; far over
    /// it: close 1008 and release the seat (a flooder does not get it held).
    fn rate_limit(&mut self, now: u64, conn: &str) -> Option<Vec<Effect>> {
        let slot = self.slot_of(conn);
        let bucket = match slot {
            Some(slot) => match self.seats[slot].as_mut() {
                Some(Seat {
                    occupant: Occupant::Human { bucket, .. },
                    ..
                }) => bucket,
                _ => return None,
            },
            None => &mut self.spectators.iter_mut().find(|s| s.conn == conn)?.bucket,
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
                self.drop_spectator(conn);
                if let Some(slot) = slot {
                    self.release(now, slot, &mut out);
                }
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
        } else if let Some(s) = self.spectators.iter_mut().find(|s| s.conn == conn) {
            s.last_seen = s.last_seen.max(at);
        }
    }

    /// `conn`'s socket closed or failed. A seat is held for the grace window; a
    /// spectator is simply gone.
    pub fn disconnect(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        let mut out = Vec::new();
        self.drop_spectator(conn);
        if let Some(slot) = self.slot_of(conn) {
            self.set_away(now, slot, &mut out);
        }
        out
    }

    /// After a restart of the runtime only the sockets in `live` still exist; seats whose
    /// connection is not among them are away from now on.
    pub fn reconcile(&mut self, now: u64, live: &[ConnId]) -> Vec<Effect> {
        let mut out = Vec::new();
        self.spectators.retain(|s| live.contains(&s.conn));
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
    /// the game's timers fire, unconfirmed records are sent again. Idempotent: a second
    /// call at the same time (a retried alarm) finds nothing due.
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
        let silent: Vec<ConnId> = self
            .spectators
            .iter()
            .filter(|s| s.last_seen + timeout <= now)
            .map(|s| s.conn.clone())
            .collect();
        for conn in silent {
            self.drop_spectator(&conn);
            out.push(Effect::Close {
                conn,
                code: CloseCode::HeartbeatTimeout,
            });
        }
        // (Sends records that are due, too: see the end of `with_game`.)
        self.with_game(now, &mut out, |game, t| game.tick(t));
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

    /// Runs `f` on the game with a [`Table`] over this room at `now`, then files the
    /// round records the game made.
    fn with_game(
        &mut self,
        now: u64,
        out: &mut Vec<Effect>,
        f: impl FnOnce(&mut dyn Game, &mut Table<'_>),
    ) {
        let mut records = Vec::new();
        {
            let Room {
                name,
                config,
                seats,
                spectators,
                game,
                capacity_version,
                rng_state,
                ..
            } = self;
            let mut table = Table {
                now,
                config,
                name,
                seats,
                spectators,
                out,
                rng_state,
                capacity_version,
                records: &mut records,
            };
            f(game.get_mut(), &mut table);
        }
        for (round, lines) in records {
            let record = RoundRecord {
                round_id: format!("{}:{:x}:{round}", self.name, self.incarnation),
                lines,
            };
            if self.unrecorded.len() == MAX_UNRECORDED {
                self.unrecorded.remove(0);
            }
            self.unrecorded.push(record);
            let due = now + self.config.stats_flush_ms;
            self.records_due_at = Some(self.records_due_at.map_or(due, |at| at.min(due)));
        }
        self.send_records_if_due(now, out);
    }

    /// Hands the unconfirmed records to the shell in one batch when they are due, or
    /// early when the room is awake anyway and they have waited long enough: between
    /// half the batching window and all of it, at a point of the room's own (from its
    /// incarnation), so rooms whose rounds run in step do not all deliver at once.
    /// Deliveries ride on the alarms and frames the room handles regardless, instead
    /// of waking it on their own.
    fn send_records_if_due(&mut self, now: u64, out: &mut Vec<Effect>) {
        let Some(due) = self.records_due_at else {
            return;
        };
        let half = self.config.stats_flush_ms / 2;
        let early = half - self.incarnation % (half + 1);
        if now + early < due {
            return;
        }
        if self.unrecorded.is_empty() {
            self.records_due_at = None;
            return;
        }
        out.push(Effect::Records(self.unrecorded.clone()));
        let retry = RECORD_RETRY_MS.max(self.config.stats_flush_ms);
        self.records_due_at = Some(now + retry);
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
        self.with_game(now, out, |game, t| t.room_frame(game));
    }

    /// The seat's player is gone for good (left, or away past the grace window). The
    /// game decides whether the seat is freed now or stays a forfeit in a running
    /// round; when no person is left, the room starts over.
    fn release(&mut self, now: u64, slot: usize, out: &mut Vec<Effect>) {
        let name = self.seats[slot]
            .as_ref()
            .map(|s| s.profile.name.clone())
            .unwrap_or_default();
        let mut decision = Release::Free;
        self.with_game(now, out, |game, t| decision = game.release(t, slot));
        match (decision, self.seats[slot].as_mut()) {
            (Release::Forfeit, Some(seat)) => {
                seat.occupant = Occupant::Gone;
                seat.missed.clear();
            }
            _ => self.seats[slot] = None,
        }
        if !self.has_people() {
            // Nobody real is left: bots and forfeits go too, and the game starts over.
            self.seats.iter_mut().for_each(|s| *s = None);
            self.game.get_mut().emptied();
        } else {
            self.with_game(now, out, |game, t| game.released(t, slot, &name));
        }
        self.with_game(now, out, |_, t| t.capacity());
    }
}

/// The room as a game sees it while handling one event: who sits where, and the
/// means to tell them things.
pub struct Table<'a> {
    /// The time of the event.
    pub now: u64,
    pub config: &'a RoomConfig,
    name: &'a str,
    seats: &'a mut Vec<Option<Seat>>,
    spectators: &'a [Spectator],
    out: &'a mut Vec<Effect>,
    rng_state: &'a mut u64,
    capacity_version: &'a mut u64,
    records: &'a mut Vec<(u64, Vec<RecordLine>)>,
}

impl Table<'_> {
    pub fn room_name(&self) -> &str {
        self.name
    }

    pub fn size(&self) -> usize {
        self.seats.len()
    }

    /// Someone (person, bot or forfeit) holds `seat`.
    pub fn occupied(&self, seat: usize) -> bool {
        self.seats.get(seat).is_some_and(Option::is_some)
    }

    /// A person holds `seat`, connected or away.
    pub fn is_person(&self, seat: usize) -> bool {
        self.seat(seat).is_some_and(Seat::is_person)
    }

    pub fn is_bot(&self, seat: usize) -> bool {
        self.seat(seat).is_some_and(Seat::is_bot)
    }

    /// The seat's person was released during the round and stays only as a forfeit.
    pub fn is_forfeit(&self, seat: usize) -> bool {
        self.seat(seat)
            .is_some_and(|s| s.occupant == Occupant::Gone)
    }

    pub fn free_seats(&self) -> usize {
        free_seats(self.seats)
    }

    /// People seated (connected or away).
    pub fn people(&self) -> usize {
        self.seats
            .iter()
            .flatten()
            .filter(|s| s.is_person())
            .count()
    }

    pub fn name_of(&self, seat: usize) -> String {
        self.seat(seat)
            .map(|s| s.profile.name.clone())
            .unwrap_or_default()
    }

    /// The player at `seat` (empty for bots and free seats).
    pub fn player_of(&self, seat: usize) -> String {
        self.seat(seat)
            .map(|s| s.player.clone())
            .unwrap_or_default()
    }

    fn seat(&self, seat: usize) -> Option<&Seat> {
        self.seats.get(seat)?.as_ref()
    }

    /// Seats a bot at the free `seat`.
    pub fn seat_bot(&mut self, seat: usize, profile: Profile) {
        if let Some(slot @ None) = self.seats.get_mut(seat) {
            *slot = Some(Seat {
                occupant: Occupant::Bot,
                player: String::new(),
                profile,
                token: String::new(),
                missed: Vec::new(),
            });
        }
    }

    /// Frees `seat` (a forfeit whose round is over).
    pub fn free(&mut self, seat: usize) {
        if let Some(slot) = self.seats.get_mut(seat) {
            *slot = None;
        }
    }

    /// The room's RNG, to be handed back with [`Table::put_rng`].
    pub fn rng(&self) -> fastrand::Rng {
        fastrand::Rng::with_seed(*self.rng_state)
    }

    pub fn put_rng(&mut self, rng: fastrand::Rng) {
        *self.rng_state = rng.get_seed();
    }

    /// Every connection that hears broadcasts: the seated, then the spectators.
    fn audience(&self) -> Vec<ConnId> {
        self.seats
            .iter()
            .flatten()
            .filter_map(Seat::conn)
            .cloned()
            .chain(self.spectators.iter().map(|s| s.conn.clone()))
            .collect()
    }

    /// `frame` to everybody in the room. With `keep`, away seats keep it to replay on
    /// resume.
    pub fn broadcast(&mut self, frame: ServerFrame, keep: bool) {
        if keep {
            for seat in self.seats.iter_mut().flatten() {
                if matches!(seat.occupant, Occupant::Away { .. }) {
                    if seat.missed.len() == MAX_MISSED_FRAMES {
                        seat.missed.remove(0);
                    }
                    seat.missed.push(frame.to_json());
                }
            }
        }
        let to = self.audience();
        self.out.push(Effect::Send { to, frame });
    }

    /// `frame` to everybody but the person at `seat`.
    pub fn broadcast_except(&mut self, seat: usize, frame: ServerFrame) {
        let mover = self.seat(seat).and_then(Seat::conn).cloned();
        let to = self
            .audience()
            .into_iter()
            .filter(|c| Some(c) != mover.as_ref())
            .collect();
        self.out.push(Effect::Send { to, frame });
    }

    /// `frame` to the person at `seat` only (if connected).
    pub fn send(&mut self, seat: usize, frame: ServerFrame) {
        if let Some(conn) = self.seat(seat).and_then(Seat::conn).cloned() {
            self.out.push(Effect::Send {
                to: vec![conn],
                frame,
            });
        }
    }

    /// The seats as everybody sees them, with `game`'s numbers.
    pub fn views(&self, game: &dyn Game) -> Vec<SeatView> {
        self.seats
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                let s = s.as_ref().filter(|s| s.occupant != Occupant::Gone)?;
                let score = game.score(i);
                Some(SeatView {
                    seat: i,
                    name: s.profile.name.clone(),
                    avatar: s.profile.avatar.clone(),
                    bot: s.is_bot(),
                    ready: score.ready,
                    away: matches!(s.occupant, Occupant::Away { .. }),
                    total: score.total,
                    streak: score.streak,
                })
            })
            .collect()
    }

    /// The `room` frame (who is here) as it is now.
    pub fn room_frame_of(&self, game: &dyn Game) -> ServerFrame {
        ServerFrame::Room {
            phase: game.phase(),
            seats: self.views(game),
        }
    }

    /// Broadcasts the `room` frame.
    pub fn room_frame(&mut self, game: &dyn Game) {
        let frame = self.room_frame_of(game);
        self.broadcast(frame, false);
    }

    /// Tells the matchmaker the free seats changed (see [`Effect::Capacity`]).
    pub fn capacity(&mut self) {
        *self.capacity_version += 1;
        let players = players(self.seats);
        self.out.push(Effect::Capacity {
            free: self.free_seats(),
            humans: players.len() as u64,
            version: *self.capacity_version,
            players,
        });
    }

    /// Records round `round` for the stats (people only; bots have no player).
    pub fn record(&mut self, round: u64, lines: Vec<RecordLine>) {
        let lines: Vec<RecordLine> = lines.into_iter().filter(|l| !l.player.is_empty()).collect();
        if !lines.is_empty() {
            self.records.push((round, lines));
        }
    }
}

/// Seats nobody holds.
fn free_seats(seats: &[Option<Seat>]) -> usize {
    seats.iter().filter(|s| s.is_none()).count()
}

/// The people holding seats (connected or away), in seat order.
fn players(seats: &[Option<Seat>]) -> Vec<PlayerId> {
    seats
        .iter()
        .flatten()
        .filter(|s| s.is_person())
        .map(|s| s.player.clone())
        .collect()
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
