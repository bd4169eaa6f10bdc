//! The `ArenaStats` Durable Object: one shard of player statistics, in SQLite.
//!
//! Players are spread over `STATS_SHARDS` of these (named `stats-<n>`) by a hash of
//! their identity, so each round touches at most one shard per player and no object
//! sees every round. Each request runs without an `.await` between its reads and
//! writes, so the runtime commits it as one transaction: a record is applied whole or
//! not at all.
//!
//! - `POST /records` (from rooms): a batch of [`RoundRecord`]s, each applied
//!   idempotently → [`crate::stats::Recorded`] (summed over the batch).
//! - `GET /player?id=…`: one player's [`PlayerStats`] (404 if none).
//! - `GET /top?limit=…`: this shard's best players, in leaderboard order.
//! - `GET /higher?total=…`: how many players here have a higher total.
//! - `GET /status`: players and duplicates ignored so far (tests, operators).

use std::cell::Cell;

use serde::Deserialize;
use worker::{durable_object, DurableObject, Env, Request, Response, SqlStorage, State};

use super::now_ms;
use crate::stats::{record, PlayerStats, Recorded, RoundRecord, StatsStore};

/// Applied-round marks older than this are pruned: retries happen within minutes.
const MARK_TTL_MS: u64 = 24 * 3600 * 1000;
/// Most players `/top` returns.
pub const MAX_TOP: usize = 100;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS players (
  player TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  total INTEGER NOT NULL,
  best_streak INTEGER NOT NULL,
  rounds INTEGER NOT NULL,
  wins INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS players_by_total ON players (total DESC, best_streak DESC, wins DESC);
CREATE TABLE IF NOT EXISTS applied (
  round_id TEXT NOT NULL,
  player TEXT NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (round_id, player)
);
CREATE INDEX IF NOT EXISTS applied_by_time ON applied (at);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
";

#[durable_object]
pub struct ArenaStats {
    state: State,
    /// The schema was created by this instance.
    ready: Cell<bool>,
}

impl DurableObject for ArenaStats {
    fn new(state: State, _env: Env) -> Self {
        ArenaStats {
            state,
            ready: Cell::new(false),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let sql = self.state.storage().sql();
        if !self.ready.get() {
            sql.exec(SCHEMA, None)?;
            self.ready.set(true);
        }
        let url = req.url()?;
        let param = |key: &str| {
            url.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        };
        match url.path() {
            "/records" => {
                let batch: Vec<RoundRecord> = serde_json::from_str(&req.text().await?)?;
                let now = now_ms();
                let mut store = SqlStats { sql: &sql, now };
                let mut done = Recorded::default();
                for rec in &batch {
                    let one = record(&mut store, rec);
                    done.applied += one.applied;
                    done.duplicates += one.duplicates;
                }
                if done.duplicates > 0 {
                    sql.exec(
                        "INSERT INTO counters (name, value) VALUES ('duplicates', ?)
                         ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
                        vec![i64::from(done.duplicates).into()],
                    )?;
                }
                let cutoff = now.saturating_sub(MARK_TTL_MS) as i64;
                sql.exec("DELETE FROM applied WHERE at < ?", vec![cutoff.into()])?;
                Response::from_json(&done)
            }
            "/player" => {
                let id = param("id").unwrap_or_default();
                match (SqlStats { sql: &sql, now: 0 }).load(&id) {
                    Some(stats) => Response::from_json(&stats),
                    None => Response::error("no such player", 404),
                }
            }
            "/top" => {
                let limit = param("limit")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(10)
                    .clamp(1, MAX_TOP);
                let rows: Vec<Row> = sql
                    .exec(
                        "SELECT * FROM players
                         ORDER BY total DESC, best_streak DESC, wins DESC, rounds ASC, player ASC
                         LIMIT ?",
                        vec![(limit as i64).into()],
                    )?
                    .to_array()?;
                let top: Vec<PlayerStats> = rows.into_iter().map(Row::into_stats).collect();
                Response::from_json(&top)
            }
            "/higher" => {
                let total = param("total")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
                let count: Count = sql
                    .exec(
                        "SELECT COUNT(*) AS n FROM players WHERE total > ?",
                        vec![total.into()],
                    )?
                    .one()?;
                #[derive(serde::Serialize)]
                struct Above {
                    count: u64,
                }
                Response::from_json(&Above {
                    count: count.n as u64,
                })
            }
            "/status" => {
                let players: Count = sql.exec("SELECT COUNT(*) AS n FROM players", None)?.one()?;
                let dups: Vec<Count> = sql
                    .exec(
                        "SELECT value AS n FROM counters WHERE name = 'duplicates'",
                        None,
                    )?
                    .to_array()?;
                #[derive(serde::Serialize)]
                struct Status {
                    players: u64,
                    duplicates_ignored: u64,
                }
                Response::from_json(&Status {
                    players: players.n as u64,
                    duplicates_ignored: dups.first().map_or(0, |c| c.n as u64),
                })
            }
            _ => Response::error("not found", 404),
        }
    }
}

/// A `COUNT(*)` or counter value (SQLite integers arrive as JS numbers).
#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// A `players` row as SQLite hands it over.
#[derive(Deserialize)]
struct Row {
    player: String,
    name: String,
    total: f64,
    best_streak: f64,
    rounds: f64,
    wins: f64,
}

impl Row {
    fn into_stats(self) -> PlayerStats {
        PlayerStats {
            player: self.player,
            name: self.name,
            total: self.total as i64,
            best_streak: self.best_streak as u32,
            rounds: self.rounds as u64,
            wins: self.wins as u64,
        }
    }
}

/// [`StatsStore`] over this shard's SQLite database.
struct SqlStats<'a> {
    sql: &'a SqlStorage,
    now: u64,
}

impl StatsStore for SqlStats<'_> {
    fn mark(&mut self, round_id: &str, player: &str) -> bool {
        let seen = self
            .sql
            .exec(
                "SELECT COUNT(*) AS n FROM applied WHERE round_id = ? AND player = ?",
                vec![round_id.into(), player.into()],
            )
            .and_then(|c| c.one::<Count>())
            .map(|c| c.n > 0.0);
        match seen {
            Ok(false) => self
                .sql
                .exec(
                    "INSERT INTO applied (round_id, player, at) VALUES (?, ?, ?)",
                    vec![round_id.into(), player.into(), (self.now as i64).into()],
                )
                .is_ok(),
            // Seen before, or the database failed us: either way do not apply it now.
            // A failure surfaces as an unconfirmed record, which the room sends again.
            _ => false,
        }
    }

    fn load(&self, player: &str) -> Option<PlayerStats> {
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT * FROM players WHERE player = ?",
                vec![player.into()],
            )
            .ok()?
            .to_array()
            .ok()?;
        rows.into_iter().next().map(Row::into_stats)
    }

    fn save(&mut self, s: &PlayerStats) {
        let result = self.sql.exec(
            "INSERT INTO players (player, name, total, best_streak, rounds, wins)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (player) DO UPDATE SET name = excluded.name, total = excluded.total,
               best_streak = excluded.best_streak, rounds = excluded.rounds, wins = excluded.wins",
            vec![
                s.player.as_str().into(),
                s.name.as_str().into(),
                s.total.into(),
                i64::from(s.best_streak).into(),
                (s.rounds as i64).into(),
                (s.wins as i64).into(),
            ],
        );
        if let Err(err) = result {
            worker::console_error!("saving stats of {} failed: {err}", s.player);
        }
    }
}
