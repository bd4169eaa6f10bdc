//! Player statistics and the leaderboard: the rules, without the storage.
//!
//! A room settles a round and hands over a [`RoundRecord`]: one line per person who
//! played it. Records are delivered at least once (the room keeps them until a stats
//! shard confirms them, and alarms may be retried), so applying them must be
//! idempotent: each round counts once, whatever arrives again. [`record_batch`] is that
//! rule over any [`StatsStore`]; the Durable Object implements the store in SQLite, the
//! tests in memory.
//!
//! How a shard knows what it has counted: one mark per room life (its *source*, the
//! room's name and incarnation), the highest round of it applied. That is enough
//! because of how rooms deliver: a room's outbox is in round order and every delivery
//! is the whole outbox, every record not yet confirmed by all shards. So a delivery
//! that holds round k also holds every earlier round this shard has not applied, and a
//! round at or below the mark has been counted. (One exception: a room whose outbox is
//! full drops its oldest record, and if a delivery holding it is overtaken by a later
//! one, it is not counted. The cap only fills in a long outage of the shards, when
//! records are being dropped anyway.) A shard writes one mark per room and
//! one line per player per delivery (a delivery carries about `STATS_FLUSH_MS` of
//! rounds), where a mark per round and player cost five rows per line (BENCHMARKS.md,
//! "What a round costs").
//!
//! Stats are kept per game: a player's rock-paper-scissors points and their dig-gold
//! gold are two lines, never one sum. The game of a record is its room's
//! ([`RoundRecord::game`]).
//!
//! Players are spread over `shards` stats objects by a stable hash of their identity
//! ([`shard_of`]), so no single object sees every round. The leaderboard merges the top
//! of each shard ([`merge_top`]), and a player's rank is one plus the number of players
//! with a higher total, counted on every shard ([`Ranked`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::PlayerId;
pub use crate::shard::shard_of;

/// One person's part in a settled round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordLine {
    pub player: PlayerId,
    /// Their name at the time (shown on the leaderboard).
    pub name: String,
    /// Points scored this round.
    pub score: i64,
    /// Their streak after the round.
    pub streak: u32,
    /// Won the round (a positive base).
    pub won: bool,
}

/// A settled round, as the stats shards receive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundRecord {
    /// Unique across the service and stable across retries: `<room>:<incarnation>:<round>`.
    pub round_id: String,
    pub lines: Vec<RecordLine>,
}

impl RoundRecord {
    /// The room life the round was played in (`<room>:<incarnation>`) and its number,
    /// which grows within it. An id of another shape is a source of its own, round 0.
    pub fn source_and_round(&self) -> (&str, u64) {
        match self.round_id.rsplit_once(':') {
            Some((source, round)) => match round.parse() {
                Ok(round) => (source, round),
                Err(_) => (self.round_id.as_str(), 0),
            },
            None => (self.round_id.as_str(), 0),
        }
    }

    /// The game the round was played in: its room's, from the round id
    /// (`<game>-…:<incarnation>:<round>`).
    pub fn game(&self) -> &str {
        let room = self.round_id.split(':').next().unwrap_or_default();
        room.split('-').next().unwrap_or_default()
    }

    /// The part of this record for one shard (the lines of its players).
    pub fn for_shard(&self, shard: u32, shards: u32) -> Option<RoundRecord> {
        let lines: Vec<RecordLine> = self
            .lines
            .iter()
            .filter(|l| shard_of(&l.player, shards) == shard)
            .cloned()
            .collect();
        (!lines.is_empty()).then(|| RoundRecord {
            round_id: self.round_id.clone(),
            lines,
        })
    }

    /// The shards this record touches, each once, in order.
    pub fn shards(&self, shards: u32) -> Vec<u32> {
        let mut out: Vec<u32> = self
            .lines
            .iter()
            .map(|l| shard_of(&l.player, shards))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A batch of records split by stats shard: each shard touched, once, in order, with
/// the parts of the records that concern its players (one request per shard).
pub fn batch_by_shard(records: &[RoundRecord], shards: u32) -> Vec<(u32, Vec<RoundRecord>)> {
    let mut touched: Vec<u32> = records.iter().flat_map(|r| r.shards(shards)).collect();
    touched.sort_unstable();
    touched.dedup();
    touched
        .into_iter()
        .map(|shard| {
            let parts = records
                .iter()
                .filter_map(|r| r.for_shard(shard, shards))
                .collect();
            (shard, parts)
        })
        .collect()
}

/// Everything we keep about a player.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayerStats {
    pub player: PlayerId,
    /// The game these numbers are for (`rps`, `dig`, …).
    #[serde(default)]
    pub game: String,
    pub name: String,
    pub total: i64,
    pub best_streak: u32,
    pub rounds: u64,
    pub wins: u64,
}

impl PlayerStats {
    fn apply(&mut self, line: &RecordLine) {
        self.name.clone_from(&line.name);
        self.total = self.total.saturating_add(line.score);
        self.best_streak = self.best_streak.max(line.streak);
        self.rounds += 1;
        self.wins += u64::from(line.won);
    }
}

/// A store failed (a database error). Nothing of the batch it was applying may stay:
/// the shard answers with a failure, and the room sends the batch again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where stats live. Any call may fail, and a failure is never taken for an answer
/// ("no stats yet" would let fresh totals overwrite a player's real ones). Each call
/// takes a whole batch's keys: a shard applies hundreds of records at once after a
/// burst, and one statement per key was most of its CPU (BENCHMARKS.md, session 14).
pub trait StatsStore {
    /// The highest round applied here of each of `sources` that has one.
    fn marks(&self, sources: &[&str]) -> Result<Vec<(String, u64)>, StoreError>;
    /// The stats of each of `players` (game, player) who has any in that game.
    fn load(&self, players: &[(&str, &str)]) -> Result<Vec<PlayerStats>, StoreError>;
    /// Notes, for each source, every round up to the one given as applied.
    fn set_marks(&mut self, marks: &[(&str, u64)]) -> Result<(), StoreError>;
    /// Saves these players' new totals (each in its `game`).
    fn save(&mut self, stats: &[&PlayerStats]) -> Result<(), StoreError>;
}

/// What [`record_batch`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub applied: u32,
    /// Lines seen before (a retried delivery): ignored.
    pub duplicates: u32,
}

/// Applies a delivery (a room's batch of records for this shard): each round that is
/// news counts once, the rest are duplicates. The store is asked once for the batch's
/// marks and once for its players; lines are summed per player, so it then sees one
/// save per player and one mark per source, marks first.
///
/// The store's writes for one batch must commit together or not at all: the caller
/// runs this in one transaction and rolls it back on an error. Otherwise a failure
/// between noting a round applied and saving the totals would lose that round for good
/// (the retry would find it marked), and a failure half-way through a batch would
/// leave the shard's answer and its contents out of step.
pub fn record_batch(
    store: &mut impl StatsStore,
    batch: &[RoundRecord],
) -> Result<Recorded, StoreError> {
    let mut done = Recorded::default();
    // Round order within each source, whatever order the batch came in.
    let mut ordered: Vec<&RoundRecord> = batch.iter().collect();
    ordered.sort_by(|a, b| a.source_and_round().cmp(&b.source_and_round()));
    // Maps keyed by what the batch itself holds, each asked of the store in one call:
    // another key or value type, a sort or a `collect` into a map would each be one
    // more copy of their code in the wasm.
    let mut marks: BTreeMap<&str, Option<u64>> = BTreeMap::new();
    for rec in &ordered {
        marks.insert(rec.source_and_round().0, None);
    }
    if !marks.is_empty() {
        let sources: Vec<&str> = marks.keys().copied().collect();
        for (source, round) in store.marks(&sources)? {
            if let Some(mark) = marks.get_mut(source.as_str()) {
                *mark = Some(round);
            }
        }
    }
    let mut moved: BTreeMap<&str, u64> = BTreeMap::new();
    let mut news: Vec<&RoundRecord> = Vec::new();
    for rec in ordered {
        let (source, round) = rec.source_and_round();
        let mark = marks.get(source).copied().flatten();
        if mark.is_some_and(|m| round <= m) {
            done.duplicates += rec.lines.len() as u32;
            continue;
        }
        marks.insert(source, Some(round));
        moved.insert(source, round);
        news.push(rec);
    }
    // Everyone the news touches starts from nothing, then from what the store has.
    let mut totals: BTreeMap<(&str, &str), PlayerStats> = BTreeMap::new();
    for rec in &news {
        let game = rec.game();
        for line in &rec.lines {
            totals
                .entry((game, line.player.as_str()))
                .or_insert_with(|| PlayerStats {
                    player: line.player.clone(),
                    game: game.to_string(),
                    ..PlayerStats::default()
                });
        }
    }
    if !totals.is_empty() {
        // In the map's order, so a loaded player's key is found by bisection.
        let players: Vec<(&str, &str)> = totals.keys().copied().collect();
        for stats in store.load(&players)? {
            let found = players.binary_search(&(stats.game.as_str(), stats.player.as_str()));
            if let Some(slot) = found.ok().and_then(|i| totals.get_mut(&players[i])) {
                *slot = stats;
            }
        }
    }
    for rec in news {
        let game = rec.game();
        for line in &rec.lines {
            if let Some(stats) = totals.get_mut(&(game, line.player.as_str())) {
                stats.apply(line);
                done.applied += 1;
            }
        }
    }
    if !moved.is_empty() {
        let moved: Vec<(&str, u64)> = moved.into_iter().collect();
        store.set_marks(&moved)?;
    }
    if !totals.is_empty() {
        let saved: Vec<&PlayerStats> = totals.values().collect();
        store.save(&saved)?;
    }
    Ok(done)
}

/// The leaderboard order: total, then best streak, then wins, then fewer rounds
/// (the same total in fewer rounds is better), then identity for a stable order.
fn board_order(a: &PlayerStats, b: &PlayerStats) -> std::cmp::Ordering {
    b.total
        .cmp(&a.total)
        .then(b.best_streak.cmp(&a.best_streak))
        .then(b.wins.cmp(&a.wins))
        .then(a.rounds.cmp(&b.rounds))
        .then(a.player.cmp(&b.player))
}

/// A leaderboard line: rank by total ("1224" ranking: equal totals share a rank).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ranked {
    pub rank: u64,
    #[serde(flatten)]
    pub stats: PlayerStats,
}

/// Merges the top lists of every shard into the overall top `n`.
pub fn merge_top(lists: Vec<Vec<PlayerStats>>, n: usize) -> Vec<Ranked> {
    let mut all: Vec<PlayerStats> = lists.into_iter().flatten().collect();
    // `board_order` ends on the player's identity, a total order, so an unstable sort
    // gives the same list (and spares the wasm a stable sort's code).
    all.sort_unstable_by(board_order);
    all.truncate(n);
    let mut out: Vec<Ranked> = Vec::with_capacity(all.len());
    for (i, stats) in all.into_iter().enumerate() {
        let rank = match out.last() {
            Some(prev) if prev.stats.total == stats.total => prev.rank,
            _ => i as u64 + 1,
        };
        out.push(Ranked { rank, stats });
    }
    out
}

/// A player's rank from the number of players with a higher total on each shard.
pub fn rank_from_counts(higher: &[u64]) -> u64 {
    higher.iter().sum::<u64>() + 1
}

/// Stats in memory: the reference store for tests (and a model of the SQLite one), with
/// transactions and failures on demand.
#[cfg(test)]
#[derive(Debug, Default, Clone)]
pub struct MemoryStats {
    marks: BTreeMap<String, u64>,
    /// By (game, player).
    players: BTreeMap<(String, String), PlayerStats>,
    /// Fail every write from the `n`th on (counting from 0), as a broken database
    /// would: possibly between noting a round applied and saving the totals.
    pub fail_from: Option<u32>,
    writes: u32,
}

#[cfg(test)]
impl MemoryStats {
    fn write(&mut self) -> Result<(), StoreError> {
        self.writes += 1;
        match self.fail_from {
            Some(n) if self.writes > n => Err(StoreError(format!("write {} failed", self.writes))),
            _ => Ok(()),
        }
    }

    /// `player`'s stats in `game`, if they have any.
    pub fn get(&self, game: &str, player: &str) -> Option<PlayerStats> {
        self.players
            .get(&(game.to_string(), player.to_string()))
            .cloned()
    }

    /// Players with a higher total than `total`.
    pub fn higher_than(&self, total: i64) -> u64 {
        self.players.values().filter(|p| p.total > total).count() as u64
    }

    /// This store's top `n`, in leaderboard order.
    pub fn top(&self, n: usize) -> Vec<PlayerStats> {
        let mut all: Vec<PlayerStats> = self.players.values().cloned().collect();
        all.sort_by(board_order);
        all.truncate(n);
        all
    }

    /// Runs `f` as one transaction: on an error nothing it wrote stays.
    pub fn transaction<R>(
        &mut self,
        f: impl FnOnce(&mut MemoryStats) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let before = (self.marks.clone(), self.players.clone());
        let result = f(self);
        if result.is_err() {
            (self.marks, self.players) = before;
        }
        result
    }
}

#[cfg(test)]
impl StatsStore for MemoryStats {
    fn marks(&self, sources: &[&str]) -> Result<Vec<(String, u64)>, StoreError> {
        let asked = |(source, _): &(&String, &u64)| sources.contains(&source.as_str());
        let found = self.marks.iter().filter(asked);
        Ok(found.map(|(s, &round)| (s.clone(), round)).collect())
    }
    fn load(&self, players: &[(&str, &str)]) -> Result<Vec<PlayerStats>, StoreError> {
        Ok(players
            .iter()
            .filter_map(|&(game, player)| self.get(game, player))
            .collect())
    }
    /// One write per mark, so a failure can fall between any two of them.
    fn set_marks(&mut self, marks: &[(&str, u64)]) -> Result<(), StoreError> {
        for &(source, round) in marks {
            self.write()?;
            self.marks.insert(source.to_string(), round);
        }
        Ok(())
    }
    fn save(&mut self, stats: &[&PlayerStats]) -> Result<(), StoreError> {
        for stats in stats {
            self.write()?;
            let key = (stats.game.clone(), stats.player.clone());
            self.players.insert(key, (*stats).clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(player: &str, score: i64, streak: u32) -> RecordLine {
        RecordLine {
            player: player.into(),
            name: player.to_uppercase(),
            score,
            streak,
            won: score > 0,
        }
    }

    fn round(id: &str, lines: Vec<RecordLine>) -> RoundRecord {
        RoundRecord {
            round_id: id.into(),
            lines,
        }
    }

    /// A delivery of one record.
    fn record(store: &mut MemoryStats, rec: &RoundRecord) -> Result<Recorded, StoreError> {
        record_batch(store, std::slice::from_ref(rec))
    }

    #[test]
    fn a_batch_reaches_each_shard_once_with_exactly_its_players_lines() {
        let shards = 4;
        let players: Vec<String> = (0..12).map(|i| format!("guest:{i}")).collect();
        let batch: Vec<RoundRecord> = (0..5)
            .map(|r| {
                let lines = (0..3)
                    .map(|k| line(&players[(r * 3 + k) % players.len()], 1, 1))
                    .collect();
                round(&format!("rps-0-0:a:{r}"), lines)
            })
            .collect();
        let split = batch_by_shard(&batch, shards);
        let touched: Vec<u32> = split.iter().map(|(s, _)| *s).collect();
        let mut expected: Vec<u32> = players.iter().map(|p| shard_of(p, shards)).collect();
        expected.sort_unstable();
        expected.dedup();
        assert_eq!(touched, expected, "each touched shard once, in order");
        // Every line lands exactly once, at its player's shard, under its round id.
        let mut delivered: Vec<(String, String)> = Vec::new();
        for (shard, parts) in &split {
            for part in parts {
                for l in &part.lines {
                    assert_eq!(shard_of(&l.player, shards), *shard);
                    delivered.push((part.round_id.clone(), l.player.clone()));
                }
            }
        }
        let mut sent: Vec<(String, String)> = batch
            .iter()
            .flat_map(|r| {
                r.lines
                    .iter()
                    .map(|l| (r.round_id.clone(), l.player.clone()))
            })
            .collect();
        delivered.sort();
        sent.sort();
        assert_eq!(delivered, sent);
    }

    #[test]
    fn a_round_counts_once_however_often_it_arrives() {
        let mut store = MemoryStats::default();
        let r1 = round(
            "rps-0:a:1",
            vec![line("guest:a", 1, 1), line("guest:b", 0, 0)],
        );
        assert_eq!(
            record(&mut store, &r1).unwrap(),
            Recorded {
                applied: 2,
                duplicates: 0
            }
        );
        // The alarm was retried, the room resent, a resumed connection resent: no change.
        for _ in 0..3 {
            assert_eq!(
                record(&mut store, &r1).unwrap(),
                Recorded {
                    applied: 0,
                    duplicates: 2
                }
            );
        }
        let a = store.get("rps", "guest:a").unwrap();
        assert_eq!((a.total, a.rounds, a.wins, a.best_streak), (1, 1, 1, 1));
        // The next round of the same room is news.
        let r2 = round(
            "rps-0:a:2",
            vec![line("guest:a", 2, 2), line("guest:b", 0, 0)],
        );
        record(&mut store, &r2).unwrap();
        let a = store.get("rps", "guest:a").unwrap();
        assert_eq!((a.total, a.rounds, a.wins, a.best_streak), (3, 2, 2, 2));
        let b = store.get("rps", "guest:b").unwrap();
        assert_eq!((b.total, b.rounds, b.wins), (0, 2, 0));
    }

    /// A delivery that fails half-way (here: between noting a line applied and saving
    /// its totals) leaves nothing behind; the room sends it again, and each line then
    /// counts exactly once.
    #[test]
    fn a_failed_delivery_is_rolled_back_and_its_retry_counts_once() {
        let batch = vec![
            round(
                "rps-0-0:a:1",
                vec![line("guest:a", 2, 1), line("guest:b", 0, 0)],
            ),
            round(
                "rps-0-0:a:2",
                vec![line("guest:a", 4, 2), line("guest:b", 0, 0)],
            ),
        ];
        // One mark and two players: three writes, and any of them may fail.
        for fail_at in 0..3 {
            let mut store = MemoryStats::default();
            record(
                &mut store,
                &round("rps-0-0:a:0", vec![line("guest:a", 5, 1)]),
            )
            .unwrap();
            let before = store.top(10);
            store.fail_from = Some(fail_at);
            store.writes = 0;
            let failed = store.transaction(|s| record_batch(s, &batch));
            assert!(failed.is_err(), "write {fail_at} failed, so the batch does");
            assert_eq!(store.top(10), before, "nothing of a failed batch stays");
            // The room did not get its confirmation: it sends the same batch again.
            store.fail_from = None;
            let done = store.transaction(|s| record_batch(s, &batch)).unwrap();
            assert_eq!((done.applied, done.duplicates), (4, 0));
            let again = store.transaction(|s| record_batch(s, &batch)).unwrap();
            assert_eq!((again.applied, again.duplicates), (0, 4));
            let a = store.get("rps", "guest:a").unwrap();
            assert_eq!((a.total, a.rounds, a.wins), (11, 3, 3));
        }
    }

    /// Without the transaction, the failure this guards against loses a line for good.
    #[test]
    fn without_a_transaction_a_half_applied_line_would_be_lost() {
        let rec = round("rps-0-0:a:1", vec![line("guest:a", 2, 1)]);
        let mut store = MemoryStats {
            fail_from: Some(1), // the mark is written, the totals are not
            ..MemoryStats::default()
        };
        // (Marks go first so that this failure loses a round rather than counting it
        // twice; the transaction is what makes it lose nothing.)
        assert!(record(&mut store, &rec).is_err());
        store.fail_from = None;
        assert_eq!(record(&mut store, &rec).unwrap().duplicates, 1);
        assert_eq!(store.get("rps", "guest:a"), None, "the round never counted");
    }

    #[test]
    fn each_game_keeps_its_own_numbers() {
        let mut store = MemoryStats::default();
        record(
            &mut store,
            &round("rps-0-3:a:1", vec![line("guest:a", 3, 1)]),
        )
        .unwrap();
        record(
            &mut store,
            &round("dig-0-1:b:1", vec![line("guest:a", 7, 0)]),
        )
        .unwrap();
        let rps = store.get("rps", "guest:a").unwrap();
        let dig = store.get("dig", "guest:a").unwrap();
        assert_eq!((rps.game.as_str(), rps.total, rps.rounds), ("rps", 3, 1));
        assert_eq!((dig.game.as_str(), dig.total, dig.rounds), ("dig", 7, 1));
        assert_eq!(round("chat-0-0:1:2", vec![]).game(), "chat");
    }

    #[test]
    fn a_record_split_over_shards_is_whole_again() {
        let r = round(
            "x:1:1",
            (0..20).map(|i| line(&format!("guest:{i}"), i, 1)).collect(),
        );
        let shards = r.shards(4);
        let parts: Vec<RoundRecord> = shards.iter().filter_map(|&s| r.for_shard(s, 4)).collect();
        assert_eq!(parts.len(), shards.len());
        assert_eq!(parts.iter().map(|p| p.lines.len()).sum::<usize>(), 20);
        assert!(parts.iter().all(|p| p.round_id == r.round_id));
        assert!(r.for_shard(99, 4).is_none());
    }

    #[test]
    fn the_board_ranks_by_total_and_ties_share_a_rank() {
        let p = |id: &str, total, best_streak, rounds| PlayerStats {
            player: id.into(),
            game: "rps".into(),
            name: id.into(),
            total,
            best_streak,
            rounds,
            wins: 0,
        };
        let shard_a = vec![p("a", 10, 3, 5), p("c", 7, 1, 9)];
        let shard_b = vec![p("b", 10, 1, 4), p("d", 3, 1, 2)];
        let board = merge_top(vec![shard_a, shard_b], 3);
        let view: Vec<(u64, &str)> = board
            .iter()
            .map(|r| (r.rank, r.stats.player.as_str()))
            .collect();
        assert_eq!(view, [(1, "a"), (1, "b"), (3, "c")]);
        assert_eq!(rank_from_counts(&[0, 0]), 1);
        assert_eq!(rank_from_counts(&[2, 1]), 4);
    }

    /// A delivery of eight rounds of two players costs one mark and one save per
    /// player, not a mark per round and player.
    #[test]
    fn a_delivery_writes_one_mark_and_one_line_per_player() {
        let batch: Vec<RoundRecord> = (1..=8)
            .map(|r| {
                round(
                    &format!("rps-0-4:c:{r}"),
                    vec![line("guest:a", 1, r), line("guest:b", 0, 0)],
                )
            })
            .collect();
        let mut store = MemoryStats::default();
        let done = record_batch(&mut store, &batch).unwrap();
        assert_eq!((done.applied, done.duplicates), (16, 0));
        assert_eq!(store.writes, 3);
        let a = store.get("rps", "guest:a").unwrap();
        assert_eq!((a.total, a.rounds, a.wins, a.best_streak), (8, 8, 8, 8));
    }

    /// An old delivery that arrives after a newer one (two requests in flight) changes
    /// nothing, and a batch in any order counts its rounds in round order.
    #[test]
    fn an_older_delivery_arriving_late_is_all_duplicates() {
        let rounds: Vec<RoundRecord> = (1..=4)
            .map(|r| {
                round(
                    &format!("rps-0-1:b:{r}"),
                    vec![line("guest:a", r as i64, 1)],
                )
            })
            .collect();
        let mut store = MemoryStats::default();
        let mut newer = rounds.clone();
        newer.reverse();
        assert_eq!(record_batch(&mut store, &newer).unwrap().applied, 4);
        let late = record_batch(&mut store, &rounds[..2]).unwrap();
        assert_eq!((late.applied, late.duplicates), (0, 2));
        let a = store.get("rps", "guest:a").unwrap();
        assert_eq!((a.total, a.rounds), (10, 4));
        // Round 10 is not mistaken for an earlier round than 9 (numbers, not text).
        let r9 = round("rps-0-1:b:9", vec![line("guest:a", 1, 1)]);
        let r10 = round("rps-0-1:b:10", vec![line("guest:a", 1, 1)]);
        assert_eq!(record_batch(&mut store, &[r10, r9]).unwrap().applied, 2);
    }

    /// How a room delivers: its outbox (every record not yet confirmed, in round
    /// order) at a time of its choosing, and requests may arrive late or twice.
    /// `steps` picks, for each delivery, how many more rounds were settled before it
    /// and which earlier delivery (if any) arrives again after it.
    fn deliveries(total: usize, steps: &[(usize, usize, bool)]) -> Vec<std::ops::Range<usize>> {
        let mut sent: Vec<std::ops::Range<usize>> = Vec::new();
        let mut out = Vec::new();
        let (mut confirmed, mut settled) = (0usize, 0usize);
        for &(more, again, confirm) in steps {
            settled = (settled + more).min(total);
            let outbox = confirmed..settled;
            sent.push(outbox.clone());
            out.push(outbox);
            if let Some(old) = sent.get(again % sent.len()).cloned() {
                out.push(old);
            }
            if confirm {
                confirmed = settled;
            }
        }
        out.push(confirmed..total);
        out
    }

    proptest! {
        // Deliveries as rooms make them (two rooms, players in common), with late and
        // repeated requests, give the same stats as applying each round once, and a
        // player's rank agrees with the merged board.
        #[test]
        fn replays_as_rooms_make_them_change_nothing(
            scores in prop::collection::vec((0u8..4, 0i64..5), 1..30),
            steps_a in prop::collection::vec((0usize..6, 0usize..10, any::<bool>()), 0..12),
            steps_b in prop::collection::vec((0usize..6, 0usize..10, any::<bool>()), 0..12),
        ) {
            let room = |name: &str| -> Vec<RoundRecord> {
                scores.iter().enumerate().map(|(i, (who, score))| {
                    round(&format!("{name}:{i}"), vec![line(&format!("guest:{who}"), *score, 1)])
                }).collect()
            };
            let (a, b) = (room("rps-0-1:a"), room("rps-0-2:7"));
            let mut once = MemoryStats::default();
            for r in a.iter().chain(&b) {
                record(&mut once, r).unwrap();
            }
            let mut noisy = MemoryStats::default();
            let (da, db) = (deliveries(a.len(), &steps_a), deliveries(b.len(), &steps_b));
            for k in 0..da.len().max(db.len()) {
                if let Some(range) = da.get(k) {
                    record_batch(&mut noisy, &a[range.clone()]).unwrap();
                }
                if let Some(range) = db.get(k) {
                    record_batch(&mut noisy, &b[range.clone()]).unwrap();
                }
            }
            prop_assert_eq!(once.top(10), noisy.top(10));
            let board = merge_top(vec![once.top(10)], 10);
            for entry in &board {
                prop_assert_eq!(entry.rank, rank_from_counts(&[once.higher_than(entry.stats.total)]));
            }
        }
    }
}
