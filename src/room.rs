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
//! The whole struct is serialisable: the shell stores it after every event, so a room
//! that hibernates or is evicted comes back exactly as it was.

use serde::{Deserialize, Serialize};

use crate::config::RoomConfig;
use crate::protocol::{
    parse_client_frame, Choice, ClientFrame, CloseCode, ErrorCode, Face, MovementKind,
    ProtocolError, RoomPhase, SeatResult, SeatView, ServerFrame,
};
use crate::scoring::{settle, Standing};

/// Identifies one WebSocket connection. Chosen by the shell, unique per connection.
pub type ConnId = String;

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
    },
}

/// A connection could not be seated: every seat is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomFull;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
enum Occupant {
    Human {
        conn: ConnId,
    },
    /// `choose_at`: when the bot will pick its hand in the running round.
    Bot {
        choose_at: Option<u64>,
    },
    /// Left during a round: stays in it with no choice (and so loses) until it settles.
    Gone,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seat {
    occupant: Occupant,
    profile: Profile,
    total: i64,
    streak: u32,
    /// Wants to play the next round.
    ready: bool,
    /// Takes part in the running round (a seat taken mid-round waits for the next).
    in_round: bool,
    choice: Option<Choice>,
}

impl Seat {
    fn conn(&self) -> Option<&ConnId> {
        match &self.occupant {
            Occupant::Human { conn } => Some(conn),
            _ => None,
        }
    }

    fn is_bot(&self) -> bool {
        matches!(self.occupant, Occupant::Bot { .. })
    }

    fn view(&self, seat: usize) -> SeatView {
        SeatView {
            seat,
            name: self.profile.name.clone(),
            avatar: self.profile.avatar.clone(),
            bot: self.is_bot(),
            ready: self.ready,
            total: self.total,
            streak: self.streak,
        }
    }
}

/// A room: its seats, the round in progress, and its timers.
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
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn config(&self) -> &RoomConfig {
        &self.config
    }

    /// Seats nobody holds.
    pub fn free_seats(&self) -> usize {
        self.seats.iter().filter(|s| s.is_none()).count()
    }

    /// Connections seated here, in seat order.
    pub fn connections(&self) -> Vec<ConnId> {
        self.humans().cloned().collect()
    }

    /// The earliest moment at which [`Room::tick`] has something to do.
    pub fn next_deadline(&self) -> Option<u64> {
        let bot_moves = self
            .seats
            .iter()
            .flatten()
            .filter_map(|s| match s.occupant {
                Occupant::Bot { choose_at } => choose_at,
                _ => None,
            });
        bot_moves.chain(self.deadline).chain(self.bot_at).min()
    }

    /// Seats a new connection. The caller (the matchmaker) believed there was room; if
    /// the room filled meanwhile, [`RoomFull`] tells it to try elsewhere.
    pub fn connect(
        &mut self,
        now: u64,
        conn: ConnId,
        profile: Profile,
        online: u64,
    ) -> Result<Vec<Effect>, RoomFull> {
        let slot = self
            .seats
            .iter()
            .position(Option::is_none)
            .ok_or(RoomFull)?;
        self.seats[slot] = Some(Seat {
            occupant: Occupant::Human { conn: conn.clone() },
            profile,
            total: 0,
            streak: 0,
            ready: true,
            in_round: false,
            choice: None,
        });
        let mut out = vec![Effect::Send {
            to: vec![conn],
            frame: ServerFrame::Hi {
                room: self.name.clone(),
                seat: slot,
                size: self.config.size,
                online,
                round_ms: self.config.round_ms,
            },
        }];
        self.arm_bot_timer(now);
        out.push(self.room_frame());
        self.maybe_start(now, &mut out);
        Ok(out)
    }

    /// A text frame from `conn`.
    pub fn receive(&mut self, now: u64, conn: &str, text: &str) -> Vec<Effect> {
        let frame = match parse_client_frame(text) {
            Ok(frame) => frame,
            Err(ProtocolError::TooBig { .. }) => {
                // Too big to be ours: close the connection, then treat it as gone.
                let mut out = vec![Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::TooBig,
                }];
                out.extend(self.disconnect(now, conn));
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
                out.extend(self.disconnect(now, conn));
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
    pub fn receive_binary(&mut self, conn: &str) -> Vec<Effect> {
        vec![error(conn, ErrorCode::BinaryFrame, "frames are JSON text")]
    }

    /// `conn`'s socket closed (or it left). Frees its seat; during a round the seat
    /// stays in the round as a forfeit until it settles.
    pub fn disconnect(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        let Some(slot) = self.slot_of(conn) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let running = self.deadline.is_some();
        match self.seats[slot].as_mut() {
            Some(seat) if running && seat.in_round => {
                seat.occupant = Occupant::Gone;
                seat.ready = false;
            }
            _ => self.seats[slot] = None,
        }
        if self.humans().next().is_none() {
            // Nobody real is left: bots and forfeits go too, and the room starts over.
            self.seats.iter_mut().for_each(|s| *s = None);
            self.deadline = None;
            self.bot_at = None;
        } else {
            self.arm_bot_timer(now);
            out.push(self.room_frame());
            self.maybe_start(now, &mut out);
        }
        out.push(self.capacity());
        out
    }

    /// The alarm fired (or any moment the shell chooses): do what is due at `now`.
    pub fn tick(&mut self, now: u64) -> Vec<Effect> {
        let mut out = Vec::new();
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
        out
    }

    fn slot_of(&self, conn: &str) -> Option<usize> {
        self.seats
            .iter()
            .position(|s| s.as_ref().and_then(Seat::conn).is_some_and(|c| c == conn))
    }

    fn humans(&self) -> impl Iterator<Item = &ConnId> {
        self.seats.iter().flatten().filter_map(Seat::conn)
    }

    fn broadcast(&self, frame: ServerFrame) -> Effect {
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

    fn room_frame(&self) -> Effect {
        let phase = if self.deadline.is_some() {
            RoomPhase::Playing
        } else {
            RoomPhase::Waiting
        };
        self.broadcast(ServerFrame::Room {
            phase,
            seats: self.views(),
        })
    }

    /// `movement` for everyone but the mover. Carries the face, never the hand.
    fn movement(&self, slot: usize, what: MovementKind, face: Option<Face>) -> Effect {
        let mover = self.seats[slot].as_ref().and_then(Seat::conn);
        Effect::Send {
            to: self
                .humans()
                .filter(|c| Some(*c) != mover)
                .cloned()
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
        Effect::Capacity {
            free: self.free_seats(),
            humans: self.humans().count() as u64,
            version: self.capacity_version,
        }
    }

    /// A lone player with free seats around them gets bots after `bot_wait_ms`. More
    /// than one player in a bigger room also gets bots for the seats still free, so a
    /// room of 3 never waits forever for its third.
    fn arm_bot_timer(&mut self, now: u64) {
        let wants_bots = self.free_seats() > 0 && self.humans().next().is_some();
        self.bot_at = wants_bots.then(|| now + self.config.bot_wait_ms);
    }

    fn seat_bots(&mut self, now: u64, out: &mut Vec<Effect>) {
        if self.humans().next().is_none() || self.free_seats() == 0 {
            return;
        }
        for (slot, seat) in self.seats.iter_mut().enumerate() {
            if seat.is_none() {
                *seat = Some(Seat {
                    occupant: Occupant::Bot { choose_at: None },
                    profile: Profile {
                        name: format!("Bot {}", slot + 1),
                        avatar: "🤖".into(),
                    },
                    total: 0,
                    streak: 0,
                    ready: true,
                    in_round: false,
                    choice: None,
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
        out.push(self.broadcast(ServerFrame::Start {
            round: self.round,
            round_ms,
            ends_in_ms: round_ms,
            seats: self.views(),
        }));
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
                (
                    s.choice,
                    Standing {
                        total: s.total,
                        streak: s.streak,
                    },
                )
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
        out.push(self.broadcast(ServerFrame::Result {
            round: self.round,
            seats: lines,
        }));
        // Forfeited seats are released now that their round is over.
        let had_gone = self
            .seats
            .iter()
            .any(|s| s.as_ref().is_some_and(|s| s.occupant == Occupant::Gone));
        if had_gone {
            for seat in self.seats.iter_mut() {
                if seat.as_ref().is_some_and(|s| s.occupant == Occupant::Gone) {
                    *seat = None;
                }
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
