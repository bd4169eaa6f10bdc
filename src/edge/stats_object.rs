//! The `ArenaStats` Durable Object: one shard of player statistics, in SQLite.
//!
//! Players are spread over `STATS_SHARDS` of these (named `stats-<n>`) by a hash of
//! their identity, so each round touches at most one shard per player and no object
//! sees every round. A delivery is applied in one `transactionSync`: if any statement
//! fails, the runtime rolls all of it back and the shard answers 500, so the room sends
//! the batch again and every line still counts exactly once ([`record_batch`]).
//!
//! - `POST /records` (from rooms): a batch of [`RoundRecord`]s, each applied
//!   idempotently → [`crate::stats::Recorded`] (summed over the batch).
//! - `GET /player?game=…&id=…`: one player's [`PlayerStats`] in a game (404 if none).
//! - `GET /top?game=…&limit=…`: this shard's best players of a game, in leaderboard
//!   order.
//! - `GET /higher?game=…&total=…`: how many players here have a higher total in it.
//! - `GET /status`: players, duplicates ignored and failures injected so far (tests,
//!   operators).
//! - `POST /fail?plan=before,after,…` (test hook, reachable only through the Worker's
//!   `DEBUG_ROUTES`): the next `/records` requests throw, one per word: `before`
//!   throws before anything is stored (the platform's "object reset" or an overloaded
//!   shard), `after` stores the batch and then throws (the answer is lost on the way
//!   back, so the room cannot know the batch landed and must send it again).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use serde::Deserialize;
use wasm_bindgen::{prelude::*, JsCast};
use worker::{durable_object, DurableObject, Env, Request, Response, SqlStorage, State};

use super::hop::Hop;
use super::{now_ms, stats_shard, vars, STATS_BINDING, STATS_RECORD_URL};
use crate::address::Address;
use crate::stats::{
    batch_by_shard, record_batch, PlayerStats, Recorded, RoundRecord, StatsStore, StoreError,
};

/// Marks that no new round moved for this long are pruned: a room retries within
/// minutes. A room whose records waited longer than this (a shard down for a day) would
/// have them counted again on the shards that had them; the per-round marks before had
/// the same limit.
const MARK_TTL_MS: u64 = 24 * 3600 * 1000;
/// Pruning scans the marks (no index on `at`: one would cost a row on every mark
/// write), so it runs at most this often per instance, and on an instance's first
/// delivery.
const PRUNE_EVERY_MS: u64 = 3600 * 1000;
/// Most players `/top` returns.
pub const MAX_TOP: usize = 100;

// Stats are kept per game (`game_players`). Shards stored before that kept one line per
// player in `players`, every game summed in it; those lines are carried over once as
// rock-paper-scissors, the game that was most of them, and the old table dropped.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS game_players (
  game TEXT NOT NULL,
  player TEXT NOT NULL,
  name TEXT NOT NULL,
  total INTEGER NOT NULL,
  best_streak INTEGER NOT NULL,
  rounds INTEGER NOT NULL,
  wins INTEGER NOT NULL,
  PRIMARY KEY (game, player)
);
CREATE INDEX IF NOT EXISTS game_players_by_total
  ON game_players (game, total DESC, best_streak DESC, wins DESC);
CREATE TABLE IF NOT EXISTS marks (
  source TEXT PRIMARY KEY,
  round INTEGER NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
DROP TABLE IF EXISTS applied;
";
// `applied`, dropped above, held the marks of before: one per round and player (five
// rows written per line). Only a batch delivered before an upgrade and retried after
// it could count twice for want of them; the service had no deployment then.

#[wasm_bindgen]
extern "C" {
    /// The object's storage seen through the one method the `worker` crate does not
    /// bind yet.
    type SyncTransactions;

    /// Runs `f` in a transaction: if it throws, every write it made is rolled back and
    /// the exception rethrown.
    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    fn transaction_sync(
        this: &SyncTransactions,
        f: &worker::js_sys::Function,
    ) -> Result<JsValue, JsValue>;
}

#[durable_object]
pub struct ArenaStats {
    state: State,
    /// The schema was created by this instance.
    ready: Cell<bool>,
    /// When this instance last pruned old marks (0: not yet).
    pruned_at: Cell<u64>,
    /// Failures armed by `POST /fail`, the next first (in memory only: a restart
    /// disarms them, as it would end a real outage).
    planned_failures: RefCell<VecDeque<InjectedFailure>>,
    /// Failures carried out so far by this instance.
    injected: Cell<u64>,
}

/// When an armed failure throws, relative to storing the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InjectedFailure {
    BeforeStoring,
    AfterStoring,
}

impl InjectedFailure {
    fn parse_plan(plan: &str) -> Option<VecDeque<InjectedFailure>> {
        plan.split(',')
            .filter(|w| !w.is_empty())
            .map(|w| match w {
                "before" => Some(InjectedFailure::BeforeStoring),
                "after" => Some(InjectedFailure::AfterStoring),
                _ => None,
            })
            .collect()
    }
}

impl DurableObject for ArenaStats {
    fn new(state: State, _env: Env) -> Self {
        ArenaStats {
            state,
            ready: Cell::new(false),
            pruned_at: Cell::new(0),
            planned_failures: RefCell::new(VecDeque::new()),
            injected: Cell::new(0),
        }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let sql = self.state.storage().sql();
        if !self.ready.get() {
            sql.exec(SCHEMA, None)?;
            if table_exists(&sql, "players")? {
                sql.exec(
                    "INSERT OR IGNORE INTO game_players
                       SELECT 'rps', player, name, total, best_streak, rounds, wins FROM players;
                     DROP TABLE players;",
                    None,
                )?;
            }
            self.ready.set(true);
        }
        let href = req.inner().url();
        let url = Address::parse(&href);
        let param = |key: &str| url.param(key).map(Cow::into_owned);
        // The game a read is about (stats are kept per game); rock-paper-scissors, the
        // seed's game, when none is named.
        let game = param("game").unwrap_or_else(|| "rps".to_string());
        match url.path() {
            "/records" => {
                let batch: Vec<RoundRecord> = serde_json::from_str(&req.text().await?)?;
                let failure = self.planned_failures.borrow_mut().pop_front();
                if failure == Some(InjectedFailure::BeforeStoring) {
                    return Err(self.inject(failure, batch.len()));
                }
                let applied = self.apply(&sql, &batch);
                if failure.is_some() && applied.is_ok() {
                    return Err(self.inject(failure, batch.len()));
                }
                match applied {
                    Ok(done) => Response::from_json(&done),
                    Err(err) => {
                        worker::console_error!("stats batch rolled back: {err}");
                        Response::error("stats not stored; send them again", 500)
                    }
                }
            }
            "/player" => {
                let id = param("id").unwrap_or_default();
                let reader = SqlStats { sql: &sql, now: 0 };
                match reader
                    .load(&[(&game, &id)])
                    .map(|found| found.into_iter().next())
                {
                    Ok(Some(stats)) => Response::from_json(&stats),
                    Ok(None) => Response::error("no such player", 404),
                    Err(err) => Response::error(err.to_string(), 500),
                }
            }
            "/top" => {
                let limit = param("limit")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(10)
                    .clamp(1, MAX_TOP);
                let rows: Vec<Row> = sql
                    .exec(
                        "SELECT * FROM game_players WHERE game = ?
                         ORDER BY total DESC, best_streak DESC, wins DESC, rounds ASC, player ASC
                         LIMIT ?",
                        vec![game.as_str().into(), (limit as i64).into()],
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
                        "SELECT COUNT(*) AS n FROM game_players WHERE game = ? AND total > ?",
                        vec![game.as_str().into(), total.into()],
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
                let players: Count = sql
                    .exec("SELECT COUNT(DISTINCT player) AS n FROM game_players", None)?
                    .one()?;
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
                    failures_injected: u64,
                }
                Response::from_json(&Status {
                    players: players.n as u64,
                    duplicates_ignored: dups.first().map_or(0, |c| c.n as u64),
                    failures_injected: self.injected.get(),
                })
            }
            "/fail" => match InjectedFailure::parse_plan(&param("plan").unwrap_or_default()) {
                Some(plan) => {
                    *self.planned_failures.borrow_mut() = plan;
                    Response::empty()
                }
                None => Response::error("plan: before|after, comma-separated", 400),
            },
            _ => Response::error("not found", 404),
        }
    }
}

impl ArenaStats {
    /// Carries out an armed failure: logs it and gives the error the handler throws.
    fn inject(&self, failure: Option<InjectedFailure>, lines: usize) -> worker::Error {
        self.injected.set(self.injected.get() + 1);
        let left = self.planned_failures.borrow().len();
        worker::console_warn!(
            "stats shard: injected failure {failure:?} on a batch of {lines} ({left} more armed)"
        );
        worker::Error::RustError(format!("injected failure {failure:?}"))
    }

    /// Applies `batch` in one transaction (see the module notes), counts the duplicates
    /// and prunes old marks, all or nothing.
    fn apply(&self, sql: &SqlStorage, batch: &[RoundRecord]) -> Result<Recorded, StoreError> {
        let result: Rc<RefCell<Option<Result<Recorded, StoreError>>>> = Rc::default();
        let now = now_ms();
        let prune = now.saturating_sub(self.pruned_at.get()) >= PRUNE_EVERY_MS;
        let body = {
            let (sql, batch, result) = (sql.clone(), batch.to_vec(), Rc::clone(&result));
            Closure::once(move || -> Result<JsValue, JsValue> {
                let store = SqlStats { sql: &sql, now };
                let outcome = apply_batch(store, &batch, prune);
                let failed = outcome.as_ref().err().map(|e| JsValue::from_str(&e.0));
                *result.borrow_mut() = Some(outcome);
                // Throwing is what makes the runtime roll the transaction back.
                failed.map_or(Ok(JsValue::UNDEFINED), Err)
            })
        };
        let storage: SyncTransactions = self
            .state
            .as_raw()
            .storage()
            .map_err(|e| StoreError(format!("{e:?}")))?
            .unchecked_into();
        let thrown = storage
            .transaction_sync(body.as_ref().unchecked_ref())
            .err();
        let outcome = result.borrow_mut().take();
        let outcome = match (outcome, thrown) {
            (Some(outcome), _) => outcome,
            (None, thrown) => Err(StoreError(format!("transaction did not run: {thrown:?}"))),
        };
        if prune && outcome.is_ok() {
            self.pruned_at.set(now);
        }
        outcome
    }
}

/// The body of a `/records` transaction: the batch, the duplicates counter and, when
/// `prune`, the marks of rooms gone quiet for a day.
fn apply_batch(
    mut store: SqlStats<'_>,
    batch: &[RoundRecord],
    prune: bool,
) -> Result<Recorded, StoreError> {
    let done = record_batch(&mut store, batch)?;
    let sql = store.sql;
    if done.duplicates > 0 {
        sql.exec(
            "INSERT INTO counters (name, value) VALUES ('duplicates', ?)
             ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            vec![i64::from(done.duplicates).into()],
        )
        .map_err(db)?;
    }
    if prune {
        let cutoff = store.now.saturating_sub(MARK_TTL_MS) as i64;
        sql.exec("DELETE FROM marks WHERE at < ?", vec![cutoff.into()])
            .map_err(db)?;
    }
    Ok(done)
}

/// Whether this shard's database has a table called `name`.
fn table_exists(sql: &SqlStorage, name: &str) -> worker::Result<bool> {
    let found: Vec<Count> = sql
        .exec(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
            vec![name.into()],
        )?
        .to_array()?;
    Ok(found.first().is_some_and(|c| c.n > 0.0))
}

/// A database error, as the core's [`StoreError`].
fn db(err: worker::Error) -> StoreError {
    StoreError(err.to_string())
}

/// Sends each stats shard its part of `records` (`POST /records`), all shards at once;
/// Ok when every shard confirmed. Rooms call this for their outboxes.
pub async fn deliver(env: &Env, records: &[RoundRecord]) -> worker::Result<()> {
    let namespace = env.durable_object(STATS_BINDING)?;
    let namespace = &namespace;
    let sends = batch_by_shard(records, vars::stats_shards(env))
        .into_iter()
        .map(|(shard, parts)| async move {
            let stub = Hop::to(namespace, &stats_shard(shard))?;
            let answer = stub.post_json(STATS_RECORD_URL, &parts).await?;
            match answer.status {
                200 => Ok(()),
                status => Err(format!("stats shard {shard} answered {status}").into()),
            }
        });
    futures_util::future::join_all(sends)
        .await
        .into_iter()
        .collect()
}

/// A `COUNT(*)` or counter value (SQLite integers arrive as JS numbers).
#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// A `game_players` row as SQLite hands it over.
#[derive(Deserialize)]
struct Row {
    game: String,
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
            game: self.game,
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

/// A mark as SQLite hands it over (its integers arrive as JS numbers).
#[derive(Deserialize)]
struct MarkRow {
    source: String,
    round: f64,
}

/// Most keys one statement carries. Keys go in one JSON array parameter (`json_each`),
/// not one parameter each: an object's statement binds at most 100 parameters
/// (https://developers.cloudflare.com/durable-objects/platform/limits/). A chunk of
/// this many players is about 60 KB of JSON, far below the 2 MB a value may take.
const KEYS_PER_STATEMENT: usize = 500;

/// `items` as JSON arrays of at most [`KEYS_PER_STATEMENT`], one per statement.
fn json_chunks<T: serde::Serialize>(items: &[T]) -> Result<Vec<String>, StoreError> {
    items
        .chunks(KEYS_PER_STATEMENT)
        .map(|chunk| serde_json::to_string(chunk).map_err(|e| StoreError(e.to_string())))
        .collect()
}

/// Each call is one statement per [`KEYS_PER_STATEMENT`] keys, whatever the batch's
/// size: a statement was about half a millisecond of CPU here, and a shard applying
/// the records of a burst's 500 rooms made six per room (BENCHMARKS.md, session 14).
impl StatsStore for SqlStats<'_> {
    fn marks(&self, sources: &[&str]) -> Result<Vec<(String, u64)>, StoreError> {
        let mut found = Vec::new();
        for keys in json_chunks(sources)? {
            let rows: Vec<MarkRow> = self
                .sql
                .exec(
                    "SELECT source, round FROM marks
                     WHERE source IN (SELECT value FROM json_each(?))",
                    vec![keys.into()],
                )
                .and_then(|c| c.to_array())
                .map_err(db)?;
            found.extend(rows.into_iter().map(|m| (m.source, m.round as u64)));
        }
        Ok(found)
    }

    fn load(&self, players: &[(&str, &str)]) -> Result<Vec<PlayerStats>, StoreError> {
        let mut found = Vec::new();
        for keys in json_chunks(players)? {
            let rows: Vec<Row> = self
                .sql
                .exec(
                    "SELECT p.* FROM json_each(?) AS k JOIN game_players AS p
                       ON p.game = json_extract(k.value, '$[0]')
                      AND p.player = json_extract(k.value, '$[1]')",
                    vec![keys.into()],
                )
                .and_then(|c| c.to_array())
                .map_err(db)?;
            found.extend(rows.into_iter().map(Row::into_stats));
        }
        Ok(found)
    }

    fn set_marks(&mut self, marks: &[(&str, u64)]) -> Result<(), StoreError> {
        for rows in json_chunks(marks)? {
            // `WHERE true`: SQLite's rule for an upsert whose rows come from a SELECT.
            self.sql
                .exec(
                    "INSERT INTO marks (source, round, at)
                     SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), ?
                     FROM json_each(?) WHERE true
                     ON CONFLICT (source) DO UPDATE SET round = excluded.round, at = excluded.at",
                    vec![(self.now as i64).into(), rows.into()],
                )
                .map_err(db)?;
        }
        Ok(())
    }

    fn save(&mut self, stats: &[&PlayerStats]) -> Result<(), StoreError> {
        for rows in json_chunks(stats)? {
            self.sql
                .exec(
                    "INSERT INTO game_players (game, player, name, total, best_streak, rounds, wins)
                     SELECT json_extract(value, '$.game'), json_extract(value, '$.player'),
                       json_extract(value, '$.name'), json_extract(value, '$.total'),
                       json_extract(value, '$.best_streak'), json_extract(value, '$.rounds'),
                       json_extract(value, '$.wins')
                     FROM json_each(?) WHERE true
                     ON CONFLICT (game, player) DO UPDATE SET name = excluded.name,
                       total = excluded.total, best_streak = excluded.best_streak,
                       rounds = excluded.rounds, wins = excluded.wins",
                    vec![rows.into()],
                )
                .map_err(db)?;
        }
        Ok(())
    }
}
