//! Guess the number: the example game of docs/ADDING_A_GAME.md, compiled for tests only.
//!
//! When every seat is taken, the server thinks of a number from 1 to 100. Players
//! guess; each guess gets a hint only the guesser sees (`higher` or `lower`), and the
//! first right guess wins the round. A round nobody solves in time ends with the number
//! revealed. `join` asks for the next round.
//!
//! This file is the whole game: frames, settings, rules, tests. Its one other line is
//! in the registry (`crate::games`). The engine gives it seats, timers on the room's one
//! alarm, resume, spectators, rate limits, stats and storage.

use serde::{Deserialize, Serialize};

use crate::config::Vars;
use crate::effects::Frame;
use crate::envelope::Envelope;
use crate::game::{Game, GameType, Played, Refusal, Release, SeatScore, Table};
use crate::protocol::{ErrorCode, RoomPhase};
use crate::stats::RecordLine;

/// Frames players send: one variant per `type`, fields as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(test, derive(ts_rs::TS), ts(tag = "type", rename = "GuessClientFrame"))]
pub enum ClientFrame {
    /// "Is it `n`?"
    Guess { n: u8 },
}

/// Is the number higher or lower than the guess?
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Hint {
    Higher,
    Lower,
}

/// Frames the room sends, tagged by `type` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "GuessServerFrame"))]
pub enum ServerFrame {
    /// A round begins: guess a number from 1 to `max` within `ends_in_ms`.
    Thinking { round: u64, max: u8, ends_in_ms: u64 },
    /// To the guesser only.
    Hint { n: u8, hint: Hint },
    /// Someone guessed it.
    Solved { round: u64, seat: usize, n: u8 },
    /// Nobody did in time.
    TimedOut { round: u64, n: u8 },
}

/// What an operator can tune (`GUESS_ROUND_MS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuessSettings {
    pub round_ms: u64,
}

impl Default for GuessSettings {
    fn default() -> Self {
        GuessSettings { round_ms: 30_000 }
    }
}

/// The highest number the server thinks of.
const MAX: u8 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guess {
    round_ms: u64,
    /// Points per seat; `ready` seats want the next round.
    wins: Vec<u32>,
    ready: Vec<bool>,
    round: u64,
    /// The number and the round's deadline, while a round runs.
    secret: Option<(u8, u64)>,
}

impl GameType for Guess {
    const NAME: &'static str = "guess";
    const PUBLISHED: bool = false;
    type ClientFrame = ClientFrame;
    type Settings = GuessSettings;

    fn settings(vars: &mut Vars<'_>) -> GuessSettings {
        GuessSettings {
            round_ms: vars.number("GUESS_ROUND_MS", 1_000..=600_000, 30_000),
        }
    }

    fn room_size(_: &GuessSettings) -> usize {
        2
    }

    fn new(settings: &GuessSettings) -> Guess {
        Guess {
            round_ms: settings.round_ms,
            wins: vec![0; 2],
            ready: vec![false; 2],
            round: 0,
            secret: None,
        }
    }

    /// Reads a frame and checks its values (`decode` is where a game refuses a value).
    fn decode(frame: &Envelope<'_>) -> Result<ClientFrame, Refusal> {
        let frame: ClientFrame = frame.decode()?;
        let ClientFrame::Guess { n } = frame;
        if !(1..=MAX).contains(&n) {
            return Err(Refusal::new(ErrorCode::BadValue, "guess from 1 to 100"));
        }
        Ok(frame)
    }

    #[cfg(test)]
    fn typescript(cfg: &ts_rs::Config) -> crate::game::Typescript {
        use ts_rs::TS;
        crate::game::Typescript::of::<ClientFrame, ServerFrame>(cfg, vec![Hint::decl(cfg)])
    }
}

impl Guess {
    /// Thinks of a number once every seat is taken and ready.
    fn maybe_start(&mut self, t: &mut Table<'_>) {
        let everyone = (0..t.size()).all(|s| t.is_person(s) && self.ready[s]);
        if self.secret.is_some() || !everyone {
            return;
        }
        let mut rng = t.rng();
        let n = rng.u8(1..=MAX);
        t.put_rng(rng);
        self.round += 1;
        self.ready.iter_mut().for_each(|r| *r = false);
        let ends_in_ms = t.clock_ms(self.round_ms);
        self.secret = Some((n, t.now + ends_in_ms));
        let thinking = ServerFrame::Thinking {
            round: self.round,
            max: MAX,
            ends_in_ms,
        };
        t.broadcast(&thinking, true);
        t.room_frame(self);
    }

    /// Ends the round: `winner` solved it (or nobody did).
    fn end(&mut self, t: &mut Table<'_>, n: u8, winner: Option<usize>) {
        self.secret = None;
        match winner {
            Some(seat) => {
                self.wins[seat] += 1;
                let solved = ServerFrame::Solved {
                    round: self.round,
                    seat,
                    n,
                };
                t.broadcast(&solved, true);
            }
            None => t.broadcast(&ServerFrame::TimedOut { round: self.round, n }, true),
        }
        let lines = (0..t.size())
            .filter(|&s| t.is_person(s))
            .map(|s| RecordLine {
                player: t.player_of(s),
                name: t.name_of(s),
                score: i64::from(winner == Some(s)),
                streak: 0,
                won: winner == Some(s),
            })
            .collect();
        t.record(self.round, lines);
        t.room_frame(self);
    }
}

impl Game for Guess {
    fn phase(&self) -> RoomPhase {
        match self.secret {
            Some(_) => RoomPhase::Playing,
            None => RoomPhase::Waiting,
        }
    }

    fn score(&self, seat: usize) -> SeatScore {
        SeatScore {
            ready: self.ready[seat],
            total: i64::from(self.wins[seat]),
            streak: 0,
        }
    }

    fn seated(&mut self, t: &mut Table<'_>, seat: usize) {
        self.ready[seat] = true;
        self.wins[seat] = 0;
        t.room_frame(self);
        self.maybe_start(t);
    }

    fn release(&mut self, _: &Table<'_>, seat: usize) -> Release {
        self.ready[seat] = false;
        Release::Free
    }

    fn released(&mut self, t: &mut Table<'_>, _: usize, _: &str) {
        t.room_frame(self);
    }

    fn emptied(&mut self) {
        *self = Guess {
            round: self.round,
            ..Guess::new(&GuessSettings {
                round_ms: self.round_ms,
            })
        };
    }

    fn join(&mut self, t: &mut Table<'_>, seat: usize) -> Result<(), Refusal> {
        if self.secret.is_some() {
            return Err(Refusal::new(ErrorCode::RoundInProgress, "guess first"));
        }
        self.ready[seat] = true;
        t.room_frame(self);
        self.maybe_start(t);
        Ok(())
    }

    fn play(&mut self, t: &mut Table<'_>, seat: usize, frame: &Envelope<'_>) -> Result<Played, Refusal> {
        let ClientFrame::Guess { n: guess } = Self::decode(frame)?;
        let Some((n, _)) = self.secret else {
            return Err(Refusal::new(ErrorCode::NotInRound, "no number yet"));
        };
        match guess.cmp(&n) {
            std::cmp::Ordering::Equal => self.end(t, n, Some(seat)),
            order => {
                let hint = match order {
                    std::cmp::Ordering::Less => Hint::Higher,
                    _ => Hint::Lower,
                };
                t.send(seat, &ServerFrame::Hint { n: guess, hint });
            }
        }
        Ok(Played::Changed)
    }

    fn tick(&mut self, t: &mut Table<'_>) {
        if let Some((n, deadline)) = self.secret {
            if deadline <= t.now {
                self.end(t, n, None);
            }
        }
    }

    fn next_deadline(&self) -> Option<u64> {
        self.secret.map(|(_, deadline)| deadline)
    }

    /// A round lasts `round_ms` from when its `thinking` frame went out.
    fn announced(&mut self, held: u64) {
        if let Some((_, deadline)) = self.secret.as_mut() {
            *deadline += held;
        }
    }

    fn catch_up(&self, t: &Table<'_>, _viewer: Option<usize>) -> Vec<Frame> {
        // The number is the secret; a (re)joining player learns only that a round runs.
        self.secret
            .map(|(_, deadline)| {
                Frame::of(&ServerFrame::Thinking {
                    round: self.round,
                    max: MAX,
                    ends_in_ms: deadline.saturating_sub(t.now),
                })
            })
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RoomConfig;
    use crate::effects::Effect;
    use crate::seats::Profile;
    use crate::testkit::{client_text, default_settings, frames_to, room, Drive, Wire};

    fn guesses(effects: &[Effect], conn: &str) -> Vec<ServerFrame> {
        frames_to(effects, conn)
            .into_iter()
            .filter_map(|f| match f {
                Wire::Guess(f) => Some(f),
                _ => None,
            })
            .collect()
    }

    fn guess(n: u8) -> String {
        client_text(&ClientFrame::Guess { n })
    }

    /// The engine plays the game on the virtual clock: seats, a round, hints to the
    /// guesser only, a winner, a record for the stats, and a round that times out.
    #[test]
    fn the_engine_plays_guess_the_number() {
        let mut room = room("guess-0-0", RoomConfig::default(), &default_settings(), 9);
        let profile = |name: &str| Profile {
            name: name.into(),
            avatar: String::new(),
        };
        room.connect(0, "a", "guest:a", profile("a"), 1).unwrap();
        let out = room.connect(10, "b", "guest:b", profile("b"), 2).unwrap();
        assert!(
            matches!(guesses(&out, "a")[..], [ServerFrame::Thinking { round: 1, max: 100, .. }]),
            "a full room starts a round"
        );

        // Halve the range until the number is found: the hints steer every guess.
        let (mut low, mut high, mut now) = (1u8, 100u8, 100);
        let winner = loop {
            let n = low + (high - low) / 2;
            now += 200;
            let out = room.receive(now, "a", &guess(n));
            assert!(guesses(&out, "b").iter().all(|f| !matches!(f, ServerFrame::Hint { .. })), "hints are private");
            match guesses(&out, "a").pop() {
                Some(ServerFrame::Hint { hint: Hint::Higher, .. }) => low = n + 1,
                Some(ServerFrame::Hint { hint: Hint::Lower, .. }) => high = n - 1,
                Some(ServerFrame::Solved { seat, n: solved, .. }) => {
                    assert_eq!(solved, n);
                    assert!(guesses(&out, "b").contains(&ServerFrame::Solved { round: 1, seat, n }));
                    break seat;
                }
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(winner, 0);
        let between = room.receive(now + 1, "a", &guess(5));
        assert!(
            matches!(&between[..], [Effect::Send { frame, .. }] if frame.text().contains("not_in_round")),
            "no guessing between rounds"
        );
        let refused = room.receive(now + 2, "b", &guess(0));
        assert!(matches!(&refused[..], [Effect::Send { frame, .. }] if frame.text().contains("bad_value")));

        // The next round nobody solves: at its deadline the number is revealed.
        room.receive(now + 10, "a", r#"{"type":"join"}"#);
        let out = room.receive(now + 20, "b", r#"{"type":"join"}"#);
        assert!(matches!(guesses(&out, "b")[..], [ServerFrame::Thinking { round: 2, .. }]));
        let round_ends = now + 20 + 30_000;
        assert!(room.tick(round_ends - 1).iter().all(|e| guesses(std::slice::from_ref(e), "a").is_empty()));
        let mut records = Vec::new();
        let mut timed_out = false;
        // Wake the room whenever it asks, as its alarm would, until both rounds are
        // with the stats.
        while let Some(at) = room.next_deadline().filter(|&at| at <= round_ends + 60_000) {
            let out = room.tick(at);
            if guesses(&out, "a").iter().any(|f| matches!(f, ServerFrame::TimedOut { round: 2, .. })) {
                assert_eq!(at, round_ends, "the round's timer is on the room's alarm");
                timed_out = true;
            }
            for effect in out {
                if let Effect::Records(batch) = effect {
                    for record in batch {
                        room.recorded(at, &record.round_id);
                        records.push(record);
                    }
                }
            }
            if records.len() == 2 {
                break;
            }
        }
        assert!(timed_out);
        // Both rounds went to the stats: the winner scored in the first.
        assert_eq!(records[0].round_id, "guess-0-0:9:1");
        let scores: Vec<(&str, i64)> =
            records[0].lines.iter().map(|l| (l.player.as_str(), l.score)).collect();
        assert_eq!(scores, [("guest:a", 1), ("guest:b", 0)]);
        assert_eq!(records[1].round_id, "guess-0-0:9:2");
    }

    /// A round started as b sits down waits out b's handshake, and counts from when
    /// its `thinking` frame went out (`Game::announced`).
    #[test]
    fn a_round_counts_from_when_its_thinking_frame_went_out() {
        use crate::room::Event;
        let config = RoomConfig {
            handshake_ms: 100,
            ..RoomConfig::default()
        };
        let mut room = room("guess-0-0", config, &default_settings(), 9);
        let profile = |name: &str| Profile {
            name: name.into(),
            avatar: String::new(),
        };
        room.connect(0, "a", "guest:a", profile("a"), 1).unwrap();
        let out = room.connect(10, "b", "guest:b", profile("b"), 2).unwrap();
        let round = 30_000 + 100;
        assert!(matches!(
            guesses(&out, "b")[..],
            [ServerFrame::Thinking { round: 1, ends_in_ms, .. }] if ends_in_ms == round
        ));
        assert_eq!(room.next_deadline(), Some(10 + round), "provisional");
        let released = room.handle(310, &[], Event::Released);
        assert!(released.reschedule);
        assert_eq!(released.next_deadline, Some(310 + round));
        assert!(guesses(&room.tick(10 + round), "a").is_empty(), "not over yet");
        let out = room.tick(310 + round);
        assert!(matches!(guesses(&out, "a")[..], [ServerFrame::TimedOut { round: 1, .. }]));
    }

    #[test]
    fn out_of_range_and_malformed_guesses_are_refused() {
        let read = |text: &str| Guess::decode(&Envelope::read(text).unwrap()).map_err(|r| r.code);
        assert_eq!(read(r#"{"type":"guess","n":0}"#), Err(ErrorCode::BadValue));
        assert_eq!(read(r#"{"type":"guess","n":101}"#), Err(ErrorCode::BadValue));
        assert_eq!(read(r#"{"type":"guess","n":300}"#), Err(ErrorCode::BadFrame));
        assert_eq!(read(r#"{"type":"guess"}"#), Err(ErrorCode::BadFrame));
        assert_eq!(read(r#"{"type":"guess","n":50}"#), Ok(ClientFrame::Guess { n: 50 }));
    }
}
