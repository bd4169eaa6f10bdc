//! Rock-paper-scissors, the seed demo's game.
//!
//! When every seat is taken and everyone is ready, a round starts; hands may change
//! until the deadline; at the deadline the round settles by [`scoring::settle`] and
//! every seat learns every hand. A lone player gets bots after `bot_wait_ms`; a bot
//! "chooses" at a random moment of the round (its avatar spins like anyone's). Hands
//! are never revealed before `result`: `movement` says that a seat chose, not what.
//!
//! Frames: players send `choice` and `face` (beside the shared `join`); the room hears
//! `start`, `movement`, `result`, and a resumed player `state`.

pub mod scoring;

use serde::{Deserialize, Serialize};

use crate::config::Vars;
use crate::effects::Frame;
use crate::envelope::Envelope;
use crate::game::{Game, GameType, Played, Refusal, Release, SeatScore, Table};
use crate::protocol::{ErrorCode, RoomPhase, SeatView};
use crate::seats::Profile;
use crate::stats::RecordLine;
use scoring::{settle, Standing};

pub use scoring::Choice;

/// Expressions a player can pull while the round runs (the demo's faces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Face {
    Laugh,
    Cry,
    Angry,
    Smirk,
}

/// What `movement` says a player did. It never carries the hand itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum MovementKind {
    /// Chose or changed a hand (which one stays secret until `result`).
    Choice,
    /// Pulled a face.
    Face,
}

/// Frames players send to a rock-paper-scissors room.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(test, derive(ts_rs::TS), ts(tag = "type", rename = "RpsClientFrame"))]
pub enum ClientFrame {
    /// Pick or change a hand; allowed until the round's deadline.
    Choice { choice: Choice },
    /// Pull a face; relayed to the others as `movement`.
    Face { face: Face },
}

/// One seat's line in a `result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct SeatResult {
    pub seat: usize,
    /// `null` when the seat chose nothing (which loses to any hand).
    pub choice: Option<Choice>,
    /// Sum of +1 / −1 against every other seat.
    pub base: i32,
    /// Points this round: base × streak when base > 0, else 0.
    pub score: i64,
    pub total: i64,
    pub streak: u32,
}

/// Frames a rock-paper-scissors room sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "RpsServerFrame"))]
pub enum ServerFrame {
    /// The room as it is now; sent after a resume (after the frames missed while away).
    State {
        phase: RoomPhase,
        round: u64,
        /// Milliseconds left in the running round, if one runs.
        ends_in_ms: Option<u64>,
        seats: Vec<SeatView>,
        /// Your own hand in the running round, if you chose one.
        choice: Option<Choice>,
    },
    /// A round begins.
    Start {
        round: u64,
        round_ms: u64,
        /// Milliseconds until the server settles the round.
        ends_in_ms: u64,
        seats: Vec<SeatView>,
    },
    /// Another seat just did something: spin their avatar.
    Movement {
        seat: usize,
        what: MovementKind,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        face: Option<Face>,
    },
    /// The round is settled. A player who resumes between rounds gets the last one
    /// again, before `state` (the first copy may have been lost with the old socket):
    /// a round already shown can be ignored.
    Result { round: u64, seats: Vec<SeatResult> },
}

/// What an operator can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RpsSettings {
    /// Seats per room (`ROOM_SIZE`, 2..=8, default 2; N players work too).
    pub size: usize,
}

impl Default for RpsSettings {
    fn default() -> Self {
        RpsSettings { size: 2 }
    }
}

/// The rule for a round's end: it settles when its alarm fires, and every hand that
/// reached the room before the alarm counts. Under load a room's events queue behind
/// one another; a hand a player sent in time may be handled after the deadline, but
/// the platform delivers the alarm in arrival order, after it. A late hand carries no
/// advantage: no hand is shown before `result`. Should the alarm be this late, any
/// other event settles the round instead.
const LATE_ALARM_MS: u64 = 2_000;

/// One seat's part of the game.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct RpsSeat {
    total: i64,
    streak: u32,
    /// Wants to play the next round.
    ready: bool,
    /// Takes part in the running round (a seat taken mid-round waits for the next).
    in_round: bool,
    choice: Option<Choice>,
    /// A bot's moment to choose in the running round.
    choose_at: Option<u64>,
    /// This seat's holder played the last settled round (see [`Rps::last_result`]).
    #[serde(default)]
    in_last_result: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rps {
    seats: Vec<RpsSeat>,
    /// Number of the running round, or of the last one settled.
    round: u64,
    /// When the running round settles; `None` between rounds.
    deadline: Option<u64>,
    /// When bots fill the free seats of a room with a lone player.
    bot_at: Option<u64>,
    /// The last settled round's lines, sent again to a player who resumes between
    /// rounds. A result that went to a live socket just before the server died (or the
    /// network did) may never have arrived, and nothing else would tell them how that
    /// round went; a client that did get it sees the same round again and drops it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_result: Option<Vec<SeatResult>>,
}

impl Rps {
    /// People with free seats around them get bots after `bot_wait_ms` (the wait
    /// restarts whenever someone arrives), so a room of 3 never waits forever for its
    /// third.
    fn arm_bot_timer(&mut self, t: &Table<'_>) {
        let wants_bots = t.bots_allowed() && t.free_seats() > 0 && t.people() > 0;
        self.bot_at = wants_bots.then(|| t.now + t.config.bot_wait_ms);
    }

    fn seat_bots(&mut self, t: &mut Table<'_>) {
        if t.people() == 0 || t.free_seats() == 0 {
            return;
        }
        for seat in 0..t.size() {
            if !t.occupied(seat) {
                t.seat_bot(
                    seat,
                    Profile {
                        name: format!("Bot {}", seat + 1),
                        avatar: "🤖".into(),
                    },
                );
                self.seats[seat] = RpsSeat {
                    ready: true,
                    ..RpsSeat::default()
                };
            }
        }
        t.room_frame(self);
        t.capacity();
        self.maybe_start(t);
    }

    /// Starts a round when every seat is taken and everyone is ready.
    fn maybe_start(&mut self, t: &mut Table<'_>) {
        let everyone_ready = (0..t.size()).all(|i| t.occupied(i) && self.seats[i].ready);
        if self.deadline.is_some() || !everyone_ready {
            return;
        }
        let now = t.now;
        let round_ms = t.config.round_ms;
        let ends_in_ms = t.clock_ms(round_ms);
        let mut rng = t.rng();
        for (i, seat) in self.seats.iter_mut().enumerate() {
            seat.ready = false;
            seat.in_round = true;
            seat.choice = None;
            if t.is_bot(i) {
                // Somewhere between 10% and 80% of the round, like a person thinking.
                seat.choose_at = Some(now + rng.u64(round_ms / 10..=round_ms * 8 / 10));
            }
        }
        t.put_rng(rng);
        self.round += 1;
        self.deadline = Some(now + ends_in_ms);
        self.bot_at = None;
        let frame = ServerFrame::Start {
            round: self.round,
            round_ms,
            ends_in_ms,
            seats: t.views(self),
        };
        t.broadcast(&frame, true);
    }

    fn settle_round(&mut self, t: &mut Table<'_>) {
        self.deadline = None;
        let playing: Vec<usize> = (0..self.seats.len())
            .filter(|&i| self.seats[i].in_round && t.occupied(i))
            .collect();
        let input: Vec<(Option<Choice>, Standing)> = playing
            .iter()
            .map(|&i| {
                let s = &self.seats[i];
                let choice = s.choice.filter(|_| !t.is_forfeit(i));
                let before = Standing {
                    total: s.total,
                    streak: s.streak,
                };
                (choice, before)
            })
            .collect();
        let mut lines = Vec::with_capacity(playing.len());
        let mut records = Vec::new();
        for ((&slot, outcome), (choice, _)) in playing.iter().zip(settle(&input)).zip(&input) {
            let seat = &mut self.seats[slot];
            lines.push(SeatResult {
                seat: slot,
                choice: *choice,
                base: outcome.base,
                score: outcome.score,
                total: outcome.standing.total,
                streak: outcome.standing.streak,
            });
            records.push(RecordLine {
                player: t.player_of(slot),
                name: t.name_of(slot),
                score: outcome.score,
                streak: outcome.standing.streak,
                won: outcome.base > 0,
            });
            seat.total = outcome.standing.total;
            seat.streak = outcome.standing.streak;
            seat.in_round = false;
            seat.choice = None;
            seat.choose_at = None;
            // Bots are always up for another round; people say so with `join`.
            seat.ready = t.is_bot(slot);
        }
        for (slot, seat) in self.seats.iter_mut().enumerate() {
            seat.in_last_result = playing.contains(&slot);
        }
        self.last_result = Some(lines.clone());
        let result = ServerFrame::Result {
            round: self.round,
            seats: lines,
        };
        t.broadcast(&result, true);
        t.record(self.round, records);
        // Forfeited seats are released now that their round is over.
        let gone: Vec<usize> = (0..t.size()).filter(|&i| t.is_forfeit(i)).collect();
        if !gone.is_empty() {
            for slot in gone {
                t.free(slot);
                self.seats[slot] = RpsSeat::default();
            }
            self.arm_bot_timer(t);
            t.room_frame(self);
            t.capacity();
        }
    }
}

impl GameType for Rps {
    const NAME: &'static str = "rps";
    type ClientFrame = ClientFrame;
    type Settings = RpsSettings;

    fn settings(vars: &mut Vars<'_>) -> RpsSettings {
        RpsSettings {
            size: vars.number("ROOM_SIZE", 2..=8, 2) as usize,
        }
    }

    fn room_size(settings: &RpsSettings) -> usize {
        settings.size
    }

    fn new(settings: &RpsSettings) -> Rps {
        Rps {
            seats: vec![RpsSeat::default(); settings.size],
            round: 0,
            deadline: None,
            bot_at: None,
            last_result: None,
        }
    }

    #[cfg(test)]
    fn typescript(cfg: &ts_rs::Config) -> crate::game::Typescript {
        use ts_rs::TS;
        crate::game::Typescript::of::<ClientFrame, ServerFrame>(
            cfg,
            vec![
                Choice::decl(cfg),
                Face::decl(cfg),
                MovementKind::decl(cfg),
                SeatResult::decl(cfg),
            ],
        )
    }
}

impl Game for Rps {
    fn phase(&self) -> RoomPhase {
        if self.deadline.is_some() {
            RoomPhase::Playing
        } else {
            RoomPhase::Waiting
        }
    }

    fn score(&self, seat: usize) -> SeatScore {
        let s = &self.seats[seat];
        SeatScore {
            ready: s.ready,
            total: s.total,
            streak: s.streak,
        }
    }

    fn seated(&mut self, t: &mut Table<'_>, seat: usize) {
        self.seats[seat] = RpsSeat {
            ready: true,
            ..RpsSeat::default()
        };
        self.arm_bot_timer(t);
        t.room_frame(self);
        self.maybe_start(t);
    }

    fn release(&mut self, _t: &Table<'_>, seat: usize) -> Release {
        // In a running round the seat stays as a forfeit (no choice, which loses)
        // until it settles.
        if self.deadline.is_some() && self.seats[seat].in_round {
            self.seats[seat].ready = false;
            self.seats[seat].choice = None;
            Release::Forfeit
        } else {
            self.seats[seat] = RpsSeat::default();
            Release::Free
        }
    }

    fn released(&mut self, t: &mut Table<'_>, _seat: usize, _name: &str) {
        self.arm_bot_timer(t);
        t.room_frame(self);
        self.maybe_start(t);
    }

    fn emptied(&mut self) {
        *self = Rps {
            round: self.round,
            ..Rps::new(&RpsSettings {
                size: self.seats.len(),
            })
        };
    }

    fn join(&mut self, t: &mut Table<'_>, seat: usize) -> Result<(), Refusal> {
        if self.deadline.is_some() {
            return Err(Refusal::new(
                ErrorCode::RoundInProgress,
                "a round is running; join after its result",
            ));
        }
        self.seats[seat].ready = true;
        t.room_frame(self);
        self.maybe_start(t);
        Ok(())
    }

    fn play(
        &mut self,
        t: &mut Table<'_>,
        seat: usize,
        frame: &Envelope<'_>,
    ) -> Result<Played, Refusal> {
        match Self::decode(frame)? {
            ClientFrame::Choice { choice } => {
                // Until the round settles: see `tick`.
                let in_round = self.deadline.is_some() && self.seats[seat].in_round;
                if !in_round {
                    return Err(Refusal::new(
                        ErrorCode::NotInRound,
                        "no round is running for this seat",
                    ));
                }
                self.seats[seat].choice = Some(choice);
                movement(t, seat, MovementKind::Choice, None);
            }
            ClientFrame::Face { face } => {
                movement(t, seat, MovementKind::Face, Some(face));
                return Ok(Played::Relayed);
            }
        }
        Ok(Played::Changed)
    }

    fn tick(&mut self, t: &mut Table<'_>) {
        let now = t.now;
        if self.bot_at.is_some_and(|at| at <= now) {
            self.bot_at = None;
            self.seat_bots(t);
        }
        let mut rng = t.rng();
        for seat in 0..self.seats.len() {
            if self.seats[seat].choose_at.is_some_and(|at| at <= now) && t.is_bot(seat) {
                self.seats[seat].choose_at = None;
                self.seats[seat].choice = rng.choice(Choice::ALL);
                movement(t, seat, MovementKind::Choice, None);
            }
        }
        t.put_rng(rng);
        if self.deadline.is_some_and(|d| d <= now && (t.alarm || d + LATE_ALARM_MS <= now)) {
            self.settle_round(t);
        }
    }

    fn next_deadline(&self) -> Option<u64> {
        self.seats
            .iter()
            .filter_map(|s| s.choose_at)
            .chain(self.deadline)
            .chain(self.bot_at)
            .min()
    }

    /// A round runs, or somebody is ready for the next one while others are not.
    fn waits_on_people(&self) -> bool {
        self.deadline.is_some() || self.seats.iter().any(|s| s.ready)
    }

    /// The rule: a round lasts `round_ms` from when its `start` went out, as `start`'s
    /// `ends_in_ms` tells the players. The deadline fixed when the round was decided
    /// moves on by however long the frame was held; the bots' moments move with it.
    fn announced(&mut self, held: u64) {
        let Some(deadline) = self.deadline else {
            return;
        };
        self.deadline = Some(deadline + held);
        for seat in &mut self.seats {
            if let Some(at) = seat.choose_at.as_mut() {
                *at += held;
            }
        }
    }

    fn catch_up(&self, t: &Table<'_>, viewer: Option<usize>) -> Vec<Frame> {
        // Only the viewer's own hand, and only in a running round it plays.
        let seat = viewer.and_then(|v| self.seats.get(v));
        let choice = seat.and_then(|s| s.choice.filter(|_| s.in_round));
        let mut frames = Vec::with_capacity(2);
        // Between rounds, the round this player last played, once more (the room drops
        // it if the frames replayed on this resume hold it already).
        if let (None, Some(true), Some(lines)) = (
            self.deadline,
            seat.map(|s| s.in_last_result),
            &self.last_result,
        ) {
            frames.push(Frame::of(&ServerFrame::Result {
                round: self.round,
                seats: lines.clone(),
            }));
        }
        frames.push(Frame::of(&ServerFrame::State {
            phase: self.phase(),
            round: self.round,
            ends_in_ms: self.deadline.map(|d| d.saturating_sub(t.now)),
            seats: t.views(self),
            choice,
        }));
        frames
    }
}

/// `movement` for everyone but the mover. Carries the face, never the hand.
fn movement(t: &mut Table<'_>, seat: usize, what: MovementKind, face: Option<Face>) {
    t.broadcast_except(seat, &ServerFrame::Movement { seat, what, face });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn movement_never_names_the_hand() {
        let json = Frame::of(&ServerFrame::Movement {
            seat: 1,
            what: MovementKind::Choice,
            face: None,
        });
        assert_eq!(json.text(), r#"{"type":"movement","seat":1,"what":"choice"}"#);
    }

    #[test]
    fn frames_read_strictly() {
        let read = |text: &str| Rps::decode(&Envelope::read(text).unwrap());
        assert_eq!(
            read(r#"{"type":"choice","choice":"rock"}"#),
            Ok(ClientFrame::Choice {
                choice: Choice::Rock
            })
        );
        assert_eq!(
            read(r#"{"type":"face","face":"smirk"}"#),
            Ok(ClientFrame::Face { face: Face::Smirk })
        );
        for bad in [
            r#"{"type":"choice","choice":"lizard"}"#,
            r#"{"type":"choice","choice":"rock","seat":1}"#,
            r#"{"type":"choice"}"#,
            r#"{"type":"choice","choice":null}"#,
        ] {
            assert_eq!(read(bad).unwrap_err().code, ErrorCode::BadFrame, "{bad}");
        }
    }
}
