//! One room as a sans-IO state machine: the engine every game runs on.
//!
//! The Durable Object shell hands it one [`Event`] at a time (a connection asked in, a
//! text frame came, a socket closed, the alarm fired), each with the current time in
//! ms, and gets back an [`Outcome`]: what to store, whether to take the socket that
//! asked in, the [`Effect`]s to carry out (send, close, report capacity, deliver round
//! records) and when to wake the room next. The room never reads a clock, never sleeps,
//! never does I/O: time only moves when an event says so, which is what makes every
//! rule testable on a virtual clock.
//!
//! [`Room::handle`] is the one way in, and it keeps the order that makes rooms correct:
//! first the liveness the platform saw on its own (heartbeats answered by
//! auto-response), then time passes (whatever fell due happens, so a late alarm never
//! lets a move slip in after a deadline), then the event itself.
//!
//! The room holds seats, connections, spectators and the plumbing around them
//! ([`crate::seats`]); the rules of the game it hosts live behind [`Game`]
//! (`crate::games`), which sees the room through a [`Table`].
//!
//! All timers (heartbeats, resume windows, the game's own, record retries) fold into
//! one [`Outcome::next_deadline`], which the shell hands to the Durable Object's single
//! alarm. A tick does whatever is due and nothing else, so a duplicated or retried
//! alarm is harmless.
//!
//! The whole struct is serialisable: the shell stores it when an outcome says so, so a
//! room that hibernates or is evicted comes back exactly as it was.

use serde::{Deserialize, Serialize};

use crate::config::{Durability, RoomConfig, MOVES_STORED_WITHIN_MS};
use crate::effects::{Admission, Effect, Frame, Outcome, Persist};
use crate::envelope::Envelope;
use crate::game::{Game, Played, Privacy, Release, Table};
use crate::games::{GameKind, GameState, Settings};
use crate::ids::{Code, ConnId, PlayerId, ResumeToken, RoomName};
use crate::protocol::{CloseCode, ErrorCode, ProtocolError, SharedClientFrame, SharedServerFrame};
use crate::seats::{self, Allowance, Bucket, Claim, Occupant, Profile, Seat, Spectator};
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
/// How long a room nobody waits in sleeps before it checks its connections (see
/// [`Room::next_deadline`]).
pub const IDLE_SWEEP_MS: u64 = 10 * 60 * 1000;

/// Something that happened to a room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A new connection asks for a seat (the matchmaker sent it here).
    Connect(Arrival),
    /// A new connection presents a resume token from `hi`.
    Resume {
        conn: ConnId,
        player: PlayerId,
        token: ResumeToken,
        online: u64,
    },
    /// A new connection wants to watch (a private room's spectators bring its code).
    Watch { conn: ConnId, code: Option<Code> },
    /// The room was just opened as a private room ([`Privacy`]): only people with its
    /// code come in, no matchmaker sends anyone, and bots only if asked for.
    Privatise(Privacy),
    /// A text frame from `conn`.
    Text { conn: ConnId, text: String },
    /// A binary frame from `conn` (not part of the protocol).
    Binary { conn: ConnId },
    /// `conn`'s socket closed or failed.
    Closed { conn: ConnId },
    /// The room was read back from storage after its runtime restarted: only the
    /// sockets in `live` still exist.
    Restarted { live: Vec<ConnId> },
    /// The alarm fired (time passing is all that happened).
    Alarm,
    /// The stats shards confirmed the records with these ids.
    Recorded { round_ids: Vec<String> },
    /// The house is sending other rooms' round records to the stats shards now: this
    /// room's waiting records go along ([`crate::house::House::tick`]).
    Deliver,
    /// The frames of the last outcome went out just now (the shell reports it when the
    /// outcome asked, [`Outcome::report_release`]): a round announced in them counts
    /// from now ([`Game::announced`]).
    Released,
}

/// A new connection that asks for a seat. If its player already holds a seat here
/// (another tab, a reconnect that did not present its resume token), the connection
/// takes that seat over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub conn: ConnId,
    pub player: PlayerId,
    pub profile: Profile,
    /// Makes the seat's resume token: 128 bits from the platform's CSPRNG.
    pub secret: u128,
    /// People seated across the service, as the matchmaker counted them (for `hi`).
    pub online: u64,
    /// The code they came with (`/ws?join=<code>`): a private room admits no one
    /// without it.
    pub code: Option<Code>,
}

/// A room: its seats, its spectators, its game, and its timers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    name: RoomName,
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
    /// Settled rounds the stats shards have not confirmed yet ([`Room::outbox`]), at
    /// most [`MAX_UNRECORDED`]. Stored with the room: a round settles in one write, not
    /// a write of the room and one of its outbox (each write is a row the platform
    /// bills, `bench/cost.sh`). Rooms stored before kept it under a key of its own,
    /// which the shell still reads ([`Room::with_outbox`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unrecorded: Vec<RoundRecord>,
    /// When the unconfirmed records must be sent (again), at the latest; see
    /// [`Room::send_records_if_due`].
    #[serde(default, alias = "record_retry_at")]
    records_due_at: Option<u64>,
    /// The unconfirmed records went out and no answer came yet: only their retry
    /// time sends them again (stored too, so a room read back is the same room).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    records_in_flight: bool,
    /// People across the service, as the matchmaker last counted them for a player
    /// joining here: what `hi` says to a player who resumes (the Worker does not ask
    /// the matchmaker on a resume).
    #[serde(default)]
    online: u64,
    /// Set for a private room.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    private: Option<Privacy>,
    /// When the room decided an event in which its game started a clock
    /// ([`Table::clock_ms`]), until the room hears its frames went out
    /// ([`Event::Released`]): the clock then moves on by the difference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clock_decided_at: Option<u64>,
    /// Since when a player's move has been kept in memory only
    /// ([`Durability::SettledRounds`]); cleared by the room's next write. Not stored:
    /// a room read back from storage has nothing unstored.
    #[serde(skip)]
    moves_unstored_since: Option<u64>,
    /// The event being handled is the room's alarm (only during [`Room::handle`]).
    #[serde(skip)]
    in_alarm: bool,
    /// The event being handled seats a connection that just arrived (only during
    /// [`Room::handle`]; see [`Table::handshake`]).
    #[serde(skip)]
    in_handshake: bool,
}

/// What one frame did, for the decision to store the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Persistence {
    /// It changed what a restart must not lose.
    Durable,
    /// It changed only what need not survive a restart (a relayed `face`, a `ping`, a
    /// refused frame: liveness and rate-limit counters at most). Not storing the room
    /// for it keeps a storage write off the path of every relayed frame.
    Ephemeral,
}

impl Room {
    /// A new, empty room named `name` hosting `kind`. `seed` feeds the room's RNG.
    pub fn new(
        name: RoomName,
        kind: GameKind,
        config: RoomConfig,
        settings: &Settings,
        seed: u64,
    ) -> Room {
        Room {
            name,
            config,
            seats: vec![None; kind.room_size(settings)],
            spectators: Vec::new(),
            game: GameState::new(kind, settings),
            capacity_version: 0,
            rng_state: seed,
            incarnation: seed,
            unrecorded: Vec::new(),
            records_due_at: None,
            records_in_flight: false,
            online: 0,
            private: None,
            clock_decided_at: None,
            moves_unstored_since: None,
            in_alarm: false,
            in_handshake: false,
        }
    }

    /// Since when a player's move has waited in memory for the room's next write, if
    /// one has ([`Durability::SettledRounds`]). For the tests: the room's own deadline
    /// is what acts on it.
    #[cfg(test)]
    pub(crate) fn moves_unstored_since(&self) -> Option<u64> {
        self.moves_unstored_since
    }

    pub fn name(&self) -> &RoomName {
        &self.name
    }

    /// The records the stats shards have not confirmed yet.
    pub fn outbox(&self) -> &[RoundRecord] {
        &self.unrecorded
    }

    /// This room, read back from storage, with `outbox`: where a room stored before the
    /// outbox moved into the room's key kept it (a key of its own).
    pub fn with_outbox(mut self, outbox: Vec<RoundRecord>) -> Room {
        if !outbox.is_empty() {
            self.unrecorded = outbox;
        }
        self
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

    /// The people in the room: seated (connected or away), then those waiting for a
    /// bot's seat.
    pub fn players(&self) -> Vec<PlayerId> {
        seats::players(&self.seats, &self.spectators)
    }

    /// Seats nobody holds.
    pub fn free_seats(&self) -> usize {
        seats::free_seats(&self.seats)
    }

    /// What the room's matchmaker would hear of it now ([`Effect::Capacity`], under the
    /// last report's number; `None` for a private room, which has no matchmaker). The
    /// matchmaker keeps no rows of its rooms and seats: it learns them back from here.
    pub fn capacity(&self) -> Option<Effect> {
        let version = self.capacity_version;
        self.private
            .is_none()
            .then(|| seats::capacity(&self.seats, &self.spectators, version))
    }

    /// The earliest moment at which the room has something to do.
    ///
    /// A silent connection is looked for within `heartbeat_timeout_ms` while somebody
    /// is waiting on it ([`Game::waits_on_people`]: a round or turn runs, or a player is
    /// ready for the next one). In a room where nobody waits, a silent connection
    /// costs nobody anything, so the room sleeps on for up to [`IDLE_SWEEP_MS`] rather
    /// than waking every timeout to find its players still there (heartbeats are
    /// answered by the platform without waking it); any event wakes it sooner, and then
    /// every connection is checked against the timeout.
    pub fn next_deadline(&self) -> Option<u64> {
        let timeout = match self.game.get().waits_on_people() {
            true => self.config.heartbeat_timeout_ms,
            false => self.config.heartbeat_timeout_ms.max(IDLE_SWEEP_MS),
        };
        let silent_seats = self
            .seats
            .iter()
            .flatten()
            .filter_map(|s| match s.occupant {
                Occupant::Human { last_seen, .. } => Some(last_seen + timeout),
                _ => None,
            });
        let sweep = self.config.heartbeat_timeout_ms.max(IDLE_SWEEP_MS);
        let watchers = self.spectators.iter().map(|s| s.last_seen + sweep);
        silent_seats
            .chain(watchers)
            .chain(self.business_deadline())
            .min()
    }

    /// The earliest moment of the room's own business, everything but the liveness
    /// checks: the game's own deadline, a record delivery, the end of a held seat's
    /// grace window, the latest moment to store moves kept in memory. An alarm for one
    /// of these is always stored, even when it sends nothing: a game's timer may change
    /// its state without a frame (today every one sends something, but a game is one
    /// file and the engine must not depend on that).
    fn business_deadline(&self) -> Option<u64> {
        let grace_ends = self
            .seats
            .iter()
            .flatten()
            .filter_map(|s| match s.occupant {
                Occupant::Away { until } => Some(until),
                _ => None,
            });
        grace_ends
            .chain(self.game.get().next_deadline())
            .chain(self.records_due_at)
            .chain(
                self.moves_unstored_since
                    .map(|at| at + MOVES_STORED_WITHIN_MS),
            )
            .min()
    }

    /// Is anything due at `now`? Only then does [`Room::handle`] need to know which
    /// connections the platform heard from on its own: asking the runtime about every
    /// socket costs a call per socket, and on most frames nothing is due.
    pub fn wants_heard(&self, now: u64) -> bool {
        self.next_deadline().is_some_and(|at| at <= now)
    }

    /// Handles one event at `now`. `heard` lists, for connections whose heartbeats the
    /// platform answered without waking the room, when it last did (needed only when
    /// [`Room::wants_heard`]; pass nothing otherwise).
    pub fn handle(&mut self, now: u64, heard: &[(ConnId, u64)], event: Event) -> Outcome {
        let outbox_before = self.outbox_ids();
        let people_before = self.players().len();
        let released = event == Event::Released;
        self.in_alarm = event == Event::Alarm;
        self.in_handshake = matches!(event, Event::Connect(_) | Event::Resume { .. });
        // Decided before the heartbeats are noted and time passes: whether this wake
        // was for the room's own business or only to look for silent connections.
        let only_liveness_due = self.business_deadline().is_none_or(|at| at > now);
        for (conn, at) in heard {
            self.note_alive(conn, *at);
        }
        let mut effects = Vec::new();
        // After a restart the sockets that did not survive were gone before anything
        // now due: their seats go away first, so what time brings (a round that ended
        // while the server was down) is kept for them to replay on resume, not sent to
        // connections that no longer exist.
        let restart_lost_someone = match &event {
            Event::Restarted { live } => self.on_restart(now, live, &mut effects),
            _ => false,
        };
        effects.extend(self.pass_time(now));
        let time_did_something = !effects.is_empty();
        let mut admission = Admission::NotAsked;
        let persistence = match event {
            Event::Connect(arrival) => {
                admission = self.seat_arrival(now, arrival, &mut effects);
                Persistence::Durable
            }
            Event::Resume {
                conn,
                player,
                token,
                online,
            } => {
                admission = self.resume_seat(now, conn, &token, &player, online, &mut effects);
                Persistence::Durable
            }
            Event::Watch { conn, code } => {
                admission = match self.admits(code.as_ref()) {
                    true => self.add_spectator(now, conn, &mut effects),
                    false => Admission::unknown_code(),
                };
                Persistence::Durable
            }
            Event::Privatise(privacy) => {
                // Only a room nobody has been in yet: a public room never turns private.
                if self.incarnation_is_fresh() {
                    self.private = Some(privacy);
                }
                Persistence::Durable
            }
            Event::Text { conn, text } => self.on_text(now, &conn, &text, &mut effects),
            Event::Binary { conn } => self.on_binary(now, &conn, &mut effects),
            Event::Closed { conn } => {
                self.on_closed(now, &conn, &mut effects);
                Persistence::Durable
            }
            // Handled before time passed. Woken from hibernation with every socket still
            // there, and with only the liveness sweep due, the room is as stored but for
            // heartbeat times (see the alarm below).
            Event::Restarted { .. } if only_liveness_due && !restart_lost_someone => {
                Persistence::Ephemeral
            }
            Event::Restarted { .. } => Persistence::Durable,
            // An alarm that was only the liveness sweep, and found everyone heard
            // (nothing closed, nothing sent), changed nothing but `last_seen` times,
            // which the platform keeps on its own (the auto-response timestamps are read
            // again at every wake that needs them): no write, only the next alarm.
            Event::Alarm if only_liveness_due => Persistence::Ephemeral,
            Event::Alarm => Persistence::Durable,
            Event::Recorded { round_ids } => {
                self.confirm_records(&round_ids);
                Persistence::Durable
            }
            Event::Deliver => {
                if self.has_records_waiting() {
                    self.send_records(now, &mut effects);
                }
                // Only the time to send them again moved: after a restart they go
                // when they were first due.
                Persistence::Ephemeral
            }
            Event::Released => {
                let held = self
                    .clock_decided_at
                    .take()
                    .map_or(0, |at| now.saturating_sub(at));
                self.with_game(now, &mut effects, |game, _| game.announced(held));
                // Not stored on its own: after a restart the round ends at the deadline
                // it was decided with (the next durable change stores the moved one).
                Persistence::Ephemeral
            }
        };
        self.in_alarm = false;
        self.in_handshake = false;
        let before_claims = effects.len();
        self.seat_claims(now, &mut effects);
        let claims_seated = effects.len() != before_claims;
        let people = self.players().len();
        if let Some(private) = self.private.as_ref().filter(|_| people != people_before) {
            effects.push(Effect::Occupancy {
                code: private.code.clone(),
                people: people as u64,
            });
        }
        let only_sends = effects.iter().all(|e| matches!(e, Effect::Send { .. }));
        let ephemeral = persistence == Persistence::Ephemeral
            && !time_did_something
            && !claims_seated
            && only_sends;
        let outbox = self.outbox_ids() != outbox_before;
        let stored = !ephemeral || outbox;
        if stored {
            self.moves_unstored_since = None;
        }
        Outcome {
            effects,
            persist: Persist {
                room: stored,
                outbox,
                vacated: false,
            },
            admission,
            next_deadline: self.next_deadline(),
            report_release: self.clock_decided_at.is_some(),
            reschedule: released,
        }
    }

    fn outbox_ids(&self) -> (usize, Option<String>) {
        (
            self.unrecorded.len(),
            self.unrecorded.last().map(|r| r.round_id.clone()),
        )
    }

    /// Seats `conn` (see [`Event::Connect`]). The matchmaker believed there was room;
    /// if the room filled meanwhile, [`Admission::Full`] tells the Worker to ask again.
    fn seat_arrival(&mut self, now: u64, arrival: Arrival, out: &mut Vec<Effect>) -> Admission {
        let Arrival {
            conn,
            player,
            profile,
            secret,
            online,
            code,
        } = arrival;
        if !self.admits(code.as_ref()) {
            return Admission::unknown_code();
        }
        self.online = online;
        if let Some(slot) = self.seat_of_player(&player) {
            self.take_over(now, slot, conn, online, out);
            return Admission::Accept;
        }
        // Already waiting for a bot's seat (another tab): the newer connection waits.
        let waiting = self
            .spectators
            .iter()
            .position(|s| s.claim.as_ref().is_some_and(|c| c.player == player));
        if let Some(at) = waiting {
            let old = self.spectators.remove(at);
            out.push(Effect::Close {
                conn: old.conn,
                code: CloseCode::Replaced,
            });
            let claim = old.claim.expect("found by its claim");
            return self.claim_seat(now, conn, claim, online, out);
        }
        if let Some(slot) = self.seats.iter().position(Option::is_none) {
            let token = ResumeToken::new(&self.name, secret);
            self.seats[slot] = Some(Seat::person(conn.clone(), now, &player, token, profile));
            out.push(self.hi(slot, &conn, online, false));
            self.with_game(now, out, |game, t| game.seated(t, slot));
            return Admission::Accept;
        }
        // People before bots: a bot's seat is open to a person, who takes it at the
        // next round boundary.
        let Some(&slot) = seats::open_bot_seats(&self.seats, &self.spectators).first() else {
            return Admission::Full;
        };
        if self.spectators.len() >= MAX_SPECTATORS {
            return Admission::Full;
        }
        let claim = Claim {
            seat: slot,
            player,
            profile,
            token: ResumeToken::new(&self.name, secret),
        };
        self.claim_seat(now, conn, claim, online, out)
    }

    /// `conn` waits for the bot's seat `claim` names: it hears `hi` now (with the seat
    /// and its resume token), sees the round in progress, and sits down at the next
    /// round boundary ([`Room::seat_claims`]).
    fn claim_seat(
        &mut self,
        now: u64,
        conn: ConnId,
        claim: Claim,
        online: u64,
        out: &mut Vec<Effect>,
    ) -> Admission {
        let hi = self.hi_frame(claim.seat, &claim.token, online, false);
        out.push(Effect::send_to(&conn, hi));
        self.spectators.push(Spectator {
            conn: conn.clone(),
            last_seen: now,
            bucket: Bucket::full(now),
            claim: Some(claim),
        });
        let mut frames = Vec::new();
        self.with_game(now, out, |game, t| {
            frames = game.catch_up(t, None);
            frames.push(Frame::of(&t.room_frame_of(game)));
            t.capacity();
        });
        out.extend(
            frames
                .into_iter()
                .map(|frame| Effect::send_to(&conn, frame)),
        );
        Admission::Accept
    }

    /// Between rounds, the people waiting for bots' seats sit down: each bot leaves
    /// with its score, and the person starts the seat afresh (their own standing).
    fn seat_claims(&mut self, now: u64, out: &mut Vec<Effect>) {
        if !self.spectators.iter().any(|s| s.claim.is_some()) || !self.game.get().between_rounds() {
            return;
        }
        let mut seated = false;
        for at in (0..self.spectators.len()).rev() {
            let Some(claim) = self.spectators[at].claim.as_ref() else {
                continue;
            };
            let is_bot = |slot: &Option<Seat>| slot.as_ref().is_some_and(Seat::is_bot);
            let target = match is_bot(&self.seats[claim.seat]) || self.seats[claim.seat].is_none() {
                true => Some(claim.seat),
                false => (0..self.seats.len())
                    .find(|&i| is_bot(&self.seats[i]) || self.seats[i].is_none()),
            };
            let Some(slot) = target else {
                continue; // nothing to take yet: keep waiting
            };
            let watcher = self.spectators.remove(at);
            let Some(claim) = watcher.claim else {
                continue;
            };
            let mut seat = Seat::person(
                watcher.conn,
                watcher.last_seen,
                &claim.player,
                claim.token,
                claim.profile,
            );
            if let Occupant::Human { bucket, .. } = &mut seat.occupant {
                *bucket = watcher.bucket;
            }
            self.seats[slot] = Some(seat);
            self.with_game(now, out, |game, t| game.seated(t, slot));
            seated = true;
        }
        if seated {
            self.with_game(now, out, |game, t| {
                t.room_frame(game);
                t.capacity();
            });
        }
    }

    /// A spectator connection: it gets `watching`, the state everybody may see, and
    /// from then on every frame the room broadcasts. Refused (close 1008) when the room
    /// already has [`MAX_SPECTATORS`].
    fn add_spectator(&mut self, now: u64, conn: ConnId, out: &mut Vec<Effect>) -> Admission {
        if self.spectators.len() >= MAX_SPECTATORS {
            return Admission::Refuse {
                code: ErrorCode::RateLimited,
                message: "too many spectators in this room",
                close: CloseCode::RateLimited,
            };
        }
        self.spectators.push(Spectator {
            conn: conn.clone(),
            last_seen: now,
            bucket: Bucket::full(now),
            claim: None,
        });
        let watching = SharedServerFrame::Watching {
            room: self.name.to_string(),
            game: self.game.kind().name().into(),
            size: self.seats.len(),
        };
        out.push(Effect::send_to(&conn, Frame::of(&watching)));
        let mut frames = Vec::new();
        self.with_game(now, out, |game, t| {
            frames = game.catch_up(t, None);
            frames.push(Frame::of(&t.room_frame_of(game)));
        });
        out.extend(
            frames
                .into_iter()
                .map(|frame| Effect::send_to(&conn, frame)),
        );
        Admission::Accept
    }

    /// A private room lets in only people with its code; a public room only people the
    /// matchmaker sent (who bring no code).
    fn admits(&self, code: Option<&Code>) -> bool {
        self.private.as_ref().map(|p| &p.code) == code
    }

    /// Nothing has happened in this room yet (it was just created).
    fn incarnation_is_fresh(&self) -> bool {
        self.private.is_none()
            && self.capacity_version == 0
            && self.seats.iter().all(Option::is_none)
            && self.spectators.is_empty()
    }

    /// A resume token only works for the player it was issued to: a leaked token is
    /// no use to anyone else.
    fn seat_for_token(&self, token: &ResumeToken, player: &str) -> Option<usize> {
        self.seats.iter().position(|s| {
            s.as_ref().is_some_and(|s| {
                s.is_person() && s.token.as_ref() == Some(token) && s.player == player
            })
        })
    }

    fn seat_of_player(&self, player: &str) -> Option<usize> {
        self.seats.iter().position(|s| {
            s.as_ref()
                .is_some_and(|s| s.is_person() && !player.is_empty() && s.player == player)
        })
    }

    /// A resume: if the seat is still held it moves to the new connection (closing an
    /// older one still attached). Otherwise the connection is told the seat is gone.
    fn resume_seat(
        &mut self,
        now: u64,
        conn: ConnId,
        token: &ResumeToken,
        player: &str,
        online: u64,
        out: &mut Vec<Effect>,
    ) -> Admission {
        match self.seat_for_token(token, player) {
            Some(slot) => {
                let online = match online {
                    0 => self.online,
                    known => known,
                };
                self.take_over(now, slot, conn, online, out);
                Admission::Accept
            }
            None => Admission::seat_gone(),
        }
    }

    /// Moves the person's seat at `slot` to `conn` (closing an older connection still
    /// attached), which then gets `hi`, the frames it missed and the game's catch-up.
    fn take_over(
        &mut self,
        now: u64,
        slot: usize,
        conn: ConnId,
        online: u64,
        out: &mut Vec<Effect>,
    ) {
        let Some(seat) = self.seats[slot].as_mut() else {
            return;
        };
        let was_away = seat.is_away();
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
        out.push(self.hi(slot, &conn, online, true));
        let mut catch_up = Vec::new();
        self.with_game(now, out, |game, t| catch_up = game.catch_up(t, Some(slot)));
        // A catch-up frame the replay already carries (the last result, say) goes once.
        catch_up.retain(|frame| !missed.iter().any(|text| text.as_str() == frame.text()));
        out.extend(missed.into_iter().map(|text| Effect::Send {
            to: vec![conn.clone()],
            frame: Frame::from_text(text),
        }));
        out.extend(
            catch_up
                .into_iter()
                .map(|frame| Effect::send_to(&conn, frame)),
        );
        self.with_game(now, out, |game, t| {
            t.room_frame(game);
            if was_away {
                t.capacity(); // back: no longer counted as away
            }
        });
    }

    /// A text frame from `conn`. Any frame, even a bad one, proves the connection alive.
    fn on_text(&mut self, now: u64, conn: &str, text: &str, out: &mut Vec<Effect>) -> Persistence {
        self.note_alive(conn, now);
        match self.rate_limit(now, conn, out) {
            Allowance::Ok => {}
            Allowance::Over => return Persistence::Ephemeral,
            Allowance::Close => return Persistence::Durable,
        }
        let envelope = match Envelope::read(text) {
            Ok(envelope) => envelope,
            Err(ProtocolError::TooBig { .. }) => {
                // Too big to be ours: close the connection and release its seat; a
                // client that does this is broken, and holding the seat helps nobody.
                out.push(Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::TooBig,
                });
                self.drop_spectator(now, conn, out);
                if let Some(slot) = self.slot_of(conn) {
                    self.release(now, slot, out);
                }
                return Persistence::Durable;
            }
            Err(ProtocolError::Refused { code, message }) => {
                out.push(Effect::send_to(conn, Frame::error(code, message)));
                return Persistence::Ephemeral;
            }
        };
        match self.route(conn, &envelope) {
            Route::Shared(frame) => self.shared_frame(now, conn, frame, out),
            Route::Game => self.game_frame(now, conn, &envelope, out),
            Route::Refused(code, message) => {
                out.push(Effect::send_to(conn, Frame::error(code, message)));
                Persistence::Ephemeral
            }
        }
    }

    /// Who reads a frame of this `type`: the room (a shared frame), this room's game,
    /// or nobody (a frame of another game, or of none).
    fn route(&self, conn: &str, envelope: &Envelope<'_>) -> Route {
        let kind = envelope.kind();
        if crate::envelope::variants::<SharedClientFrame>().contains(&kind) {
            return match envelope.decode::<SharedClientFrame>().and_then(|f| {
                f.validate()?;
                Ok(f)
            }) {
                Ok(frame) => Route::Shared(frame),
                Err(err) => Route::refused(err),
            };
        }
        let ours = self.game.kind();
        let spectating = || self.watcher_refusal(conn);
        // The common case, a frame of this room's game from a player: the game reads it
        // itself (reading it here too would cost a second parse on every move).
        if !self.is_spectator(conn) && ours.client_frames().contains(&kind) {
            return Route::Game;
        }
        match GameKind::owning(kind) {
            Some(owner) => match owner.check(envelope) {
                Err(refusal) => Route::Refused(refusal.code, refusal.message),
                Ok(()) if self.is_spectator(conn) => spectating(),
                Ok(()) if owner == ours => Route::Game,
                Ok(()) => Route::Refused(
                    ErrorCode::WrongGame,
                    format!("this room plays {}, not {}", ours.name(), owner.name()).into(),
                ),
            },
            None => Route::Refused(
                ErrorCode::UnknownType,
                format!("unknown frame type `{kind}`").into(),
            ),
        }
    }

    fn shared_frame(
        &mut self,
        now: u64,
        conn: &str,
        frame: SharedClientFrame,
        out: &mut Vec<Effect>,
    ) -> Persistence {
        if self.is_spectator(conn) {
            return self.spectator_frame(now, conn, frame, out);
        }
        let Some(slot) = self.slot_of(conn) else {
            return not_seated(conn, out);
        };
        match frame {
            SharedClientFrame::Hello { name, avatar } => {
                if let Some(seat) = self.seats[slot].as_mut() {
                    if let Some(name) = name {
                        seat.profile.name = name;
                    }
                    if let Some(avatar) = avatar {
                        seat.profile.avatar = avatar;
                    }
                }
                self.with_game(now, out, |game, t| t.room_frame(game));
                Persistence::Durable
            }
            SharedClientFrame::Leave {} => {
                out.push(Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::Normal,
                });
                self.release(now, slot, out);
                Persistence::Durable
            }
            SharedClientFrame::Join {} => {
                let mut refused = None;
                self.with_game(now, out, |game, t| refused = game.join(t, slot).err());
                let persistence = self.refusal_or_durable(conn, refused, out);
                self.move_persistence(now, persistence)
            }
            SharedClientFrame::Ping {} => {
                out.push(Effect::send_to(
                    conn,
                    Frame::of(&SharedServerFrame::Pong {}),
                ));
                Persistence::Ephemeral
            }
        }
    }

    fn game_frame(
        &mut self,
        now: u64,
        conn: &str,
        envelope: &Envelope<'_>,
        out: &mut Vec<Effect>,
    ) -> Persistence {
        let Some(slot) = self.slot_of(conn) else {
            return not_seated(conn, out);
        };
        let mut played = Ok(Played::Changed);
        let mut sent = Vec::new();
        self.with_game(now, &mut sent, |game, t| {
            played = game.play(t, slot, envelope);
        });
        let only_sends = sent.iter().all(|e| matches!(e, Effect::Send { .. }));
        out.extend(sent);
        match played {
            Ok(Played::Relayed) if only_sends => Persistence::Ephemeral,
            Ok(_) => self.move_persistence(now, Persistence::Durable),
            Err(refusal) => self.refusal_or_durable(conn, Some(refusal), out),
        }
    }

    /// A player's move that changed the room (a `join`, a game's frame) is stored before
    /// anyone hears of it, unless the room keeps moves in memory until its next write
    /// ([`Durability::SettledRounds`]). Then the room notes since when, so that its
    /// next deadline stores them at the latest [`MOVES_STORED_WITHIN_MS`] later. What
    /// else the move did (a seat freed, a record, a close) is stored as always: the
    /// outcome is stored whenever its effects are more than frames sent.
    fn move_persistence(&mut self, now: u64, persistence: Persistence) -> Persistence {
        match (persistence, self.config.durability) {
            (Persistence::Durable, Durability::SettledRounds) => {
                self.moves_unstored_since.get_or_insert(now);
                Persistence::Ephemeral
            }
            _ => persistence,
        }
    }

    fn refusal_or_durable(
        &mut self,
        conn: &str,
        refused: Option<crate::game::Refusal>,
        out: &mut Vec<Effect>,
    ) -> Persistence {
        match refused {
            Some(refusal) => {
                out.push(Effect::send_to(
                    conn,
                    Frame::error(refusal.code, refusal.message),
                ));
                Persistence::Ephemeral
            }
            None => Persistence::Durable,
        }
    }

    /// A binary frame from `conn`: not part of the protocol.
    fn on_binary(&mut self, now: u64, conn: &str, out: &mut Vec<Effect>) -> Persistence {
        self.note_alive(conn, now);
        match self.rate_limit(now, conn, out) {
            Allowance::Ok => {
                let refusal = Frame::error(ErrorCode::BinaryFrame, "frames are JSON text");
                out.push(Effect::send_to(conn, refusal));
                Persistence::Ephemeral
            }
            Allowance::Over => Persistence::Ephemeral,
            Allowance::Close => Persistence::Durable,
        }
    }

    fn is_spectator(&self, conn: &str) -> bool {
        self.spectators.iter().any(|s| s.conn == conn)
    }

    /// What a watcher is told when it tries to play: a spectator watches; a person
    /// waiting for a bot's seat plays from the next round.
    fn watcher_refusal(&self, conn: &str) -> Route {
        let waiting = self
            .spectators
            .iter()
            .any(|s| s.conn == conn && s.claim.is_some());
        match waiting {
            true => Route::Refused(
                ErrorCode::NotSeated,
                "you take a bot's seat when this round ends".into(),
            ),
            false => Route::Refused(
                ErrorCode::Spectating,
                "spectators watch; they cannot play".into(),
            ),
        }
    }

    /// Forgets the watcher `conn`; if it was waiting for a bot's seat, the seat is open
    /// again and the matchmaker hears so.
    fn drop_spectator(&mut self, now: u64, conn: &str, out: &mut Vec<Effect>) {
        let Some(at) = self.spectators.iter().position(|s| s.conn == conn) else {
            return;
        };
        if self.spectators.remove(at).claim.is_some() {
            self.with_game(now, out, |_, t| t.capacity());
        }
    }

    /// A spectator may only leave and ping; a person waiting for a bot's seat may also
    /// say who they are.
    fn spectator_frame(
        &mut self,
        now: u64,
        conn: &str,
        frame: SharedClientFrame,
        out: &mut Vec<Effect>,
    ) -> Persistence {
        match frame {
            SharedClientFrame::Hello { name, avatar } => {
                let Some(claim) = self
                    .spectators
                    .iter_mut()
                    .find(|s| s.conn == conn)
                    .and_then(|s| s.claim.as_mut())
                else {
                    return self.refuse_watcher(conn, out);
                };
                if let Some(name) = name {
                    claim.profile.name = name;
                }
                if let Some(avatar) = avatar {
                    claim.profile.avatar = avatar;
                }
                out.push(Effect::send_to(
                    conn,
                    Frame::of(&SharedServerFrame::Pong {}),
                ));
                Persistence::Durable
            }
            SharedClientFrame::Leave {} => {
                self.drop_spectator(now, conn, out);
                out.push(Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::Normal,
                });
                Persistence::Durable
            }
            SharedClientFrame::Ping {} => {
                out.push(Effect::send_to(
                    conn,
                    Frame::of(&SharedServerFrame::Pong {}),
                ));
                Persistence::Ephemeral
            }
            SharedClientFrame::Join {} => self.refuse_watcher(conn, out),
        }
    }

    fn refuse_watcher(&self, conn: &str, out: &mut Vec<Effect>) -> Persistence {
        if let Route::Refused(code, message) = self.watcher_refusal(conn) {
            out.push(Effect::send_to(conn, Frame::error(code, message)));
        }
        Persistence::Ephemeral
    }

    /// Charges one frame to `conn`'s bucket. Over the limit: `rate_limited`; far over
    /// it: close 1008 and release the seat (a flooder does not get it held).
    fn rate_limit(&mut self, now: u64, conn: &str, out: &mut Vec<Effect>) -> Allowance {
        let slot = self.slot_of(conn);
        let bucket = match slot {
            Some(slot) => match self.seats[slot].as_mut() {
                Some(Seat {
                    occupant: Occupant::Human { bucket, .. },
                    ..
                }) => bucket,
                _ => return Allowance::Ok,
            },
            None => match self.spectators.iter_mut().find(|s| s.conn == conn) {
                Some(spectator) => &mut spectator.bucket,
                None => return Allowance::Ok,
            },
        };
        let allowance = bucket.take(now);
        match allowance {
            Allowance::Ok => {}
            Allowance::Over => out.push(Effect::send_to(
                conn,
                Frame::error(ErrorCode::RateLimited, "too many frames; slow down"),
            )),
            Allowance::Close => {
                out.push(Effect::Close {
                    conn: conn.to_string(),
                    code: CloseCode::RateLimited,
                });
                self.drop_spectator(now, conn, out);
                if let Some(slot) = slot {
                    self.release(now, slot, out);
                }
            }
        }
        allowance
    }

    /// `conn` was heard from at `at` (a frame, or a heartbeat the platform answered).
    fn note_alive(&mut self, conn: &str, at: u64) {
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

    /// A seat is held for the grace window; a spectator is simply gone.
    fn on_closed(&mut self, now: u64, conn: &str, out: &mut Vec<Effect>) {
        self.drop_spectator(now, conn, out);
        if let Some(slot) = self.slot_of(conn) {
            self.set_away(now, slot, out);
        }
    }

    /// Seats whose connection is not among `live` are away from now on.
    /// Returns whether any connection was lost.
    fn on_restart(&mut self, now: u64, live: &[ConnId], out: &mut Vec<Effect>) -> bool {
        let gone: Vec<ConnId> = self
            .spectators
            .iter()
            .filter(|s| !live.contains(&s.conn))
            .map(|s| s.conn.clone())
            .collect();
        let mut lost_any = !gone.is_empty();
        for conn in gone {
            self.drop_spectator(now, &conn, out);
        }
        for slot in 0..self.seats.len() {
            let lost = self.seats[slot]
                .as_ref()
                .and_then(Seat::conn)
                .is_some_and(|c| !live.contains(c));
            if lost {
                self.set_away(now, slot, out);
                lost_any = true;
            }
        }
        lost_any
    }

    /// The stats shards confirmed these records: stop sending them.
    fn confirm_records(&mut self, round_ids: &[String]) {
        self.unrecorded.retain(|r| !round_ids.contains(&r.round_id));
        self.records_in_flight = false;
        if self.unrecorded.is_empty() {
            self.records_due_at = None;
        }
    }

    /// Does whatever is due at `now`: silent connections go away, grace windows end,
    /// the game's timers fire, unconfirmed records are sent again. Idempotent: a second
    /// call at the same time (a retried alarm) finds nothing due.
    fn pass_time(&mut self, now: u64) -> Vec<Effect> {
        let mut out = Vec::new();
        if !self.wants_heard(now) {
            return out;
        }
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
            out.push(Effect::Close {
                conn: conn.clone(),
                code: CloseCode::HeartbeatTimeout,
            });
            self.drop_spectator(now, &conn, &mut out);
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

    /// Anyone real here: seated (connected or away), or waiting for a bot's seat.
    fn has_people(&self) -> bool {
        self.seats.iter().flatten().any(Seat::is_person)
            || seats::claims(&self.spectators).next().is_some()
    }

    /// `hi` for the person at `slot`.
    fn hi(&self, slot: usize, conn: &str, online: u64, resumed: bool) -> Effect {
        let token = self.seats[slot].as_ref().and_then(|s| s.token.as_ref());
        let frame = match token {
            Some(token) => self.hi_frame(slot, token, online, resumed),
            None => Frame::error(ErrorCode::NotSeated, "that seat holds no person"),
        };
        Effect::send_to(conn, frame)
    }

    fn hi_frame(&self, slot: usize, token: &ResumeToken, online: u64, resumed: bool) -> Frame {
        Frame::of(&SharedServerFrame::Hi {
            room: self.name.to_string(),
            seat: slot,
            size: self.seats.len(),
            online,
            round_ms: self.config.round_ms,
            resume: token.as_str().to_string(),
            resumed,
        })
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
                private,
                in_alarm,
                in_handshake,
                ..
            } = self;
            let mut table = Table {
                now,
                alarm: *in_alarm,
                handshake: *in_handshake,
                config,
                name,
                seats,
                spectators,
                out,
                rng_state,
                capacity_version,
                private: private.as_ref(),
                records: &mut records,
                clock_started: false,
            };
            f(game.get_mut(), &mut table);
            if table.clock_started {
                self.clock_decided_at = Some(now);
            }
        }
        self.file_records(now, records);
        self.send_records_if_due(now, out);
    }

    /// Puts the rounds the game just settled in the outbox.
    fn file_records(&mut self, now: u64, records: Vec<(u64, Vec<RecordLine>)>) {
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
        self.send_records(now, out);
    }

    /// Hands every unconfirmed record to the shell, to be sent again after the retry
    /// time if no confirmation comes.
    fn send_records(&mut self, now: u64, out: &mut Vec<Effect>) {
        out.push(Effect::Records(self.unrecorded.clone()));
        self.records_in_flight = true;
        let retry = RECORD_RETRY_MS.max(self.config.stats_flush_ms);
        self.records_due_at = Some(now + retry);
    }

    /// Round records wait here that were not sent yet (or whose answer came back
    /// without confirming them).
    pub fn has_records_waiting(&self) -> bool {
        !self.unrecorded.is_empty() && !self.records_in_flight
    }

    /// Nobody is in this public room any more (no seat held, nobody watching), it owes
    /// the stats shards nothing and nothing is due: it can be forgotten. Its matchmaker
    /// forgot it already (its last report said no one is here) and never numbers a room
    /// the same again, so only a player the matchmaker sent just before that can still
    /// arrive, and they find a fresh room of that name (a new incarnation, so its round
    /// ids are new too). A private room stays: its code still leads to it.
    pub fn is_vacant(&self) -> bool {
        self.private.is_none()
            && self.seats.iter().all(Option::is_none)
            && self.spectators.is_empty()
            && self.unrecorded.is_empty()
            && self.next_deadline().is_none()
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
        // Everybody sees the seat away; the matchmaker counts it as away, not playing.
        self.with_game(now, out, |game, t| {
            t.room_frame(game);
            t.capacity();
        });
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
            // Nobody real is left: bots and forfeits go too, spectators hear of it, and
            // the game starts over.
            self.seats.iter_mut().for_each(|s| *s = None);
            self.with_game(now, out, |game, t| game.released(t, slot, &name));
            self.game.get_mut().emptied();
        } else {
            self.with_game(now, out, |game, t| game.released(t, slot, &name));
        }
        self.with_game(now, out, |_, t| t.capacity());
    }
}

/// Where a frame goes (see [`Room::route`]).
enum Route {
    Shared(SharedClientFrame),
    Game,
    Refused(ErrorCode, std::borrow::Cow<'static, str>),
}

impl Route {
    fn refused(err: ProtocolError) -> Route {
        let refusal = crate::game::Refusal::from(err);
        Route::Refused(refusal.code, refusal.message)
    }
}

/// The answer to a frame from a connection that holds no seat.
fn not_seated(conn: &str, out: &mut Vec<Effect>) -> Persistence {
    let refusal = Frame::error(ErrorCode::NotSeated, "this connection holds no seat");
    out.push(Effect::send_to(conn, refusal));
    Persistence::Ephemeral
}
