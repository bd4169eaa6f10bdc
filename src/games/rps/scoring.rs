//! The hands and the settlement of a rock-paper-scissors round, as the seed article
//! states the rule.
//!
//! Rock beats scissors, scissors beat paper, paper beats rock.
//!
//! Every pair of seats plays once: the winner gets +1, the loser −1. A missing choice
//! loses to any hand; two missing choices draw. A seat's sum over its pairs is its
//! base score `x`.
//!
//! - `x > 0` is a win: the streak grows by one and the round scores `x × streak`.
//! - otherwise (a draw or a loss) the streak goes back to 0 and the round scores 0.
//!
//! The demo's own code kept the streak on a draw; the article's rule (`x × 0`) resets
//! it, and that is what we implement (see `draw_resets_the_streak`).

use serde::{Deserialize, Serialize};

/// Rock-paper-scissors hands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Choice {
    Rock,
    Paper,
    Scissors,
}

impl Choice {
    pub const ALL: [Choice; 3] = [Choice::Rock, Choice::Paper, Choice::Scissors];

    /// Does `self` beat `other`?
    pub fn beats(self, other: Choice) -> bool {
        matches!(
            (self, other),
            (Choice::Rock, Choice::Scissors)
                | (Choice::Scissors, Choice::Paper)
                | (Choice::Paper, Choice::Rock)
        )
    }
}

/// A seat's running standing, carried from round to round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    pub total: i64,
    pub streak: u32,
}

/// What one round did to one seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub base: i32,
    pub score: i64,
    pub standing: Standing,
}

/// +1 if `a` beats `b`, −1 if it loses, 0 on a draw. `None` is "chose nothing".
pub fn duel(a: Option<Choice>, b: Option<Choice>) -> i32 {
    match (a, b) {
        (Some(a), Some(b)) if a.beats(b) => 1,
        (Some(a), Some(b)) if b.beats(a) => -1,
        (Some(_), None) => 1,
        (None, Some(_)) => -1,
        _ => 0,
    }
}

/// Base score of every seat: the sum of its duels against all the others.
pub fn base_scores(choices: &[Option<Choice>]) -> Vec<i32> {
    choices
        .iter()
        .enumerate()
        .map(|(i, &mine)| {
            choices
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &theirs)| duel(mine, theirs))
                .sum()
        })
        .collect()
}

/// Settles one round. `seats` pairs each seat's choice with its standing before the round.
pub fn settle(seats: &[(Option<Choice>, Standing)]) -> Vec<Outcome> {
    let choices: Vec<Option<Choice>> = seats.iter().map(|(c, _)| *c).collect();
    base_scores(&choices)
        .into_iter()
        .zip(seats)
        .map(|(base, (_, before))| {
            let streak = if base > 0 {
                before.streak.saturating_add(1)
            } else {
                0
            };
            let score = i64::from(base) * i64::from(streak);
            Outcome {
                base,
                score,
                standing: Standing {
                    total: before.total.saturating_add(score),
                    streak,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Choice::*;

    #[test]
    fn beats_is_a_cycle() {
        for a in Choice::ALL {
            let wins = Choice::ALL.iter().filter(|b| a.beats(**b)).count();
            let losses = Choice::ALL.iter().filter(|b| b.beats(a)).count();
            assert_eq!((wins, losses), (1, 1), "{a:?}");
            assert!(!a.beats(a));
        }
    }

    fn fresh(choices: &[Option<Choice>]) -> Vec<(Option<Choice>, Standing)> {
        choices.iter().map(|c| (*c, Standing::default())).collect()
    }

    #[test]
    fn two_seats_winner_scores_one_loser_nothing() {
        let out = settle(&fresh(&[Some(Rock), Some(Scissors)]));
        assert_eq!(
            (out[0].base, out[0].score, out[0].standing.streak),
            (1, 1, 1)
        );
        assert_eq!(
            (out[1].base, out[1].score, out[1].standing.streak),
            (-1, 0, 0)
        );
        assert_eq!(out[1].standing.total, 0, "a loss never takes points away");
    }

    #[test]
    fn streak_multiplies_the_win() {
        let before = Standing {
            total: 10,
            streak: 2,
        };
        let out = settle(&[(Some(Paper), before), (Some(Rock), Standing::default())]);
        assert_eq!(out[0].standing.streak, 3);
        assert_eq!(out[0].score, 3);
        assert_eq!(out[0].standing.total, 13);
    }

    #[test]
    fn draw_resets_the_streak() {
        // The article's rule: x = 0 is not a win, so the streak goes to 0 (the demo's
        // code kept it; we follow the rule as written).
        let before = Standing {
            total: 5,
            streak: 4,
        };
        let out = settle(&[(Some(Rock), before), (Some(Rock), before)]);
        for o in &out {
            assert_eq!((o.base, o.score), (0, 0));
            assert_eq!(
                o.standing,
                Standing {
                    total: 5,
                    streak: 0
                }
            );
        }
    }

    #[test]
    fn loss_resets_the_streak() {
        let before = Standing {
            total: 7,
            streak: 3,
        };
        let out = settle(&[(Some(Rock), before), (Some(Paper), Standing::default())]);
        assert_eq!(
            out[0].standing,
            Standing {
                total: 7,
                streak: 0
            }
        );
    }

    #[test]
    fn missing_choice_loses_to_any_hand_and_two_missing_draw() {
        let out = settle(&fresh(&[None, Some(Scissors)]));
        assert_eq!((out[0].base, out[1].base), (-1, 1));
        let out = settle(&fresh(&[None, None]));
        assert_eq!((out[0].base, out[1].base), (0, 0));
        assert_eq!(out[0].standing.streak, 0);
    }

    #[test]
    fn three_seats_play_every_pair() {
        // Rock beats scissors, loses to paper: 0. Paper beats rock, loses to scissors: 0.
        let out = settle(&fresh(&[Some(Rock), Some(Paper), Some(Scissors)]));
        assert_eq!(
            out.iter().map(|o| o.base).collect::<Vec<_>>(),
            vec![0, 0, 0]
        );
        // Two rocks and a scissors: each rock +1 (beats scissors, draws rock).
        let out = settle(&fresh(&[Some(Rock), Some(Rock), Some(Scissors)]));
        assert_eq!(
            out.iter().map(|o| o.base).collect::<Vec<_>>(),
            vec![1, 1, -2]
        );
        // Paper against two rocks: +2, streak 1, score 2. One seat missing: loses to both.
        let out = settle(&fresh(&[Some(Paper), Some(Rock), None]));
        assert_eq!(
            out.iter().map(|o| o.base).collect::<Vec<_>>(),
            vec![2, 0, -2]
        );
        assert_eq!((out[0].score, out[1].standing.streak), (2, 0));
    }

    fn choice() -> impl Strategy<Value = Option<Choice>> {
        prop_oneof![
            Just(None),
            Just(Some(Rock)),
            Just(Some(Paper)),
            Just(Some(Scissors))
        ]
    }

    proptest! {
        // Pairwise ±1 is zero-sum: the bases of a round always add up to 0.
        #[test]
        fn bases_sum_to_zero(choices in prop::collection::vec(choice(), 2..8)) {
            prop_assert_eq!(base_scores(&choices).iter().sum::<i32>(), 0);
        }

        // Scores are never negative, totals never fall, and the streak rule holds.
        #[test]
        fn streak_rule_holds(
            seats in prop::collection::vec((choice(), 0i64..1000, 0u32..20), 2..8)
        ) {
            let input: Vec<_> = seats.iter()
                .map(|&(c, total, streak)| (c, Standing { total, streak }))
                .collect();
            for ((_, before), out) in input.iter().zip(settle(&input)) {
                prop_assert!(out.score >= 0);
                prop_assert!(out.standing.total >= before.total);
                if out.base > 0 {
                    prop_assert_eq!(out.standing.streak, before.streak + 1);
                    prop_assert_eq!(out.score, i64::from(out.base) * i64::from(before.streak + 1));
                } else {
                    prop_assert_eq!((out.standing.streak, out.score), (0, 0));
                }
            }
        }
    }
}
