//! The part of the Edge Arena protocol the load generator speaks, and an independent
//! model of the scoring rule to check every `result` against.
//!
//! Written from the README's description of the protocol, not from the server's code,
//! so a bug in the server's types or scoring shows up here as a wrong result.

use serde::Deserialize;

/// The heartbeat, byte for byte (the platform answers it by auto-response).
pub const PING: &str = r#"{"type":"ping"}"#;
pub const JOIN: &str = r#"{"type":"join"}"#;
pub const LEAVE: &str = r#"{"type":"leave"}"#;
pub const FACES: [&str; 4] = ["laugh", "cry", "angry", "smirk"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hand {
    Rock,
    Paper,
    Scissors,
}

impl Hand {
    pub const ALL: [Hand; 3] = [Hand::Rock, Hand::Paper, Hand::Scissors];

    pub fn name(self) -> &'static str {
        match self {
            Hand::Rock => "rock",
            Hand::Paper => "paper",
            Hand::Scissors => "scissors",
        }
    }

    pub fn choice_frame(self) -> String {
        format!(r#"{{"type":"choice","choice":"{}"}}"#, self.name())
    }

    /// Rock blunts scissors, scissors cut paper, paper wraps rock.
    fn wins_against(self, other: Hand) -> bool {
        (self as u8 + 3 - other as u8) % 3 == 1
    }
}

pub fn face_frame(face: &str) -> String {
    format!(r#"{{"type":"face","face":"{face}"}}"#)
}

#[derive(Debug, Clone, Deserialize)]
pub struct Hi {
    pub room: String,
    pub seat: usize,
    pub size: usize,
    #[serde(default)]
    pub round_ms: u64,
}

/// A spectator's welcome.
#[derive(Debug, Clone, Deserialize)]
pub struct Watching {
    pub room: String,
    pub size: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Start {
    pub round: u64,
    pub ends_in_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Movement {
    pub seat: usize,
    pub what: String,
    #[serde(default)]
    pub face: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SeatLine {
    pub seat: usize,
    pub choice: Option<Hand>,
    pub base: i64,
    pub score: i64,
    pub total: i64,
    pub streak: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RoundResult {
    pub round: u64,
    pub seats: Vec<SeatLine>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorFrame {
    pub code: String,
}

/// Server frames we look at; everything else (`room`, `state`, …) is `Other`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Frame {
    Hi(Hi),
    Watching(Watching),
    Start(Start),
    Movement(Movement),
    Result(RoundResult),
    Error(ErrorFrame),
    Pong,
    #[serde(other)]
    Other,
}

/// A seat's standing carried between rounds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub total: i64,
    pub streak: u64,
}

/// What a round should give each seat: `seats` pairs each seat number with the hand it
/// played (None: chose nothing) and its standing before the round.
///
/// Every pair of seats plays once: +1 to the winner, −1 to the loser; a missing hand
/// loses to any hand and two missing hands draw. A positive sum is a win: the streak
/// grows by one and the round scores sum × streak. Anything else resets the streak and
/// scores nothing. Totals accumulate the scores.
pub fn expected_lines(seats: &[(usize, Option<Hand>, Standing)]) -> Vec<SeatLine> {
    seats
        .iter()
        .map(|&(seat, mine, before)| {
            let mut base = 0i64;
            for &(other, theirs, _) in seats {
                if other == seat {
                    continue;
                }
                base += match (mine, theirs) {
                    (Some(a), Some(b)) if a.wins_against(b) => 1,
                    (Some(a), Some(b)) if b.wins_against(a) => -1,
                    (Some(_), None) => 1,
                    (None, Some(_)) => -1,
                    _ => 0,
                };
            }
            let (streak, score) = if base > 0 {
                let streak = before.streak + 1;
                (streak, base * streak as i64)
            } else {
                (0, 0)
            };
            SeatLine {
                seat,
                choice: mine,
                base,
                score,
                total: before.total + score,
                streak,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Hand::*;

    fn fresh(hands: &[Option<Hand>]) -> Vec<(usize, Option<Hand>, Standing)> {
        hands
            .iter()
            .enumerate()
            .map(|(i, h)| (i, *h, Standing::default()))
            .collect()
    }

    #[test]
    fn hands_form_a_cycle() {
        assert!(Rock.wins_against(Scissors));
        assert!(Scissors.wins_against(Paper));
        assert!(Paper.wins_against(Rock));
        for h in Hand::ALL {
            assert!(!h.wins_against(h));
        }
    }

    #[test]
    fn two_seats() {
        let out = expected_lines(&fresh(&[Some(Paper), Some(Rock)]));
        assert_eq!((out[0].base, out[0].score, out[0].streak), (1, 1, 1));
        assert_eq!((out[1].base, out[1].score, out[1].streak), (-1, 0, 0));
    }

    #[test]
    fn streak_and_nothing_chosen() {
        let before = Standing {
            total: 4,
            streak: 2,
        };
        let out = expected_lines(&[(0, Some(Rock), before), (1, None, Standing::default())]);
        assert_eq!((out[0].streak, out[0].score, out[0].total), (3, 3, 7));
        assert_eq!(out[1].base, -1);
        let out = expected_lines(&[(0, None, before), (1, None, before)]);
        assert_eq!((out[0].base, out[0].streak, out[0].total), (0, 0, 4));
    }

    #[test]
    fn three_seats() {
        let out = expected_lines(&fresh(&[Some(Rock), Some(Rock), Some(Scissors)]));
        let bases: Vec<i64> = out.iter().map(|l| l.base).collect();
        assert_eq!(bases, vec![1, 1, -2]);
    }

    #[test]
    fn frames_parse() {
        let f: Frame = serde_json::from_str(r#"{"type":"pong"}"#).unwrap();
        assert!(matches!(f, Frame::Pong));
        let f: Frame =
            serde_json::from_str(r#"{"type":"room","phase":"waiting","seats":[]}"#).unwrap();
        assert!(matches!(f, Frame::Other));
        let f: Frame = serde_json::from_str(
            r#"{"type":"result","round":2,"seats":[{"seat":0,"choice":null,"base":-1,"score":0,"total":0,"streak":0}]}"#,
        )
        .unwrap();
        assert!(matches!(f, Frame::Result(r) if r.seats[0].choice.is_none()));
        let f: Frame =
            serde_json::from_str(r#"{"type":"movement","seat":1,"what":"face","face":"laugh"}"#)
                .unwrap();
        assert!(matches!(f, Frame::Movement(m) if m.face.as_deref() == Some("laugh")));
    }
}
