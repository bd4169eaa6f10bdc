//! The `ArenaMatchmaker` Durable Object around [`Matchmaker`].
//!
//! One instance per game and shard (named `matchmaker-<game>-<n>`, `MATCHMAKER_SHARDS`
//! per game) serves the joins of the players that hash to it. Its input gate runs one
//! request at a time, which is what makes "first room that is not full" race-free. Its
//! state (one row per room with people in it, one per seated player, one per player
//! seated in another shard's room) lives in SQLite; each request writes only the rows
//! it changed ([`Changes`]), in the same synchronous stretch as the change, so the
//! runtime commits them together and a restart loses no reservation.
//!
//! `/assign` carries what the Worker asks for a player (`ask`, see [`Ask`]): their own
//! shard first (`home`, which may answer "look next door"), other shards for an
//! existing seat (`probe`), their own shard again (`open`, or `elsewhere` with the
//! `room` another shard gave them). Every decision is the core's; this only reads the
//! query and stores the rows.

use std::borrow::Cow;
use std::cell::RefCell;

use serde::Deserialize;
use worker::{durable_object, DurableObject, Env, Request, Response, SqlStorage, State};

use super::{matchmaker, now_ms, vars};
use crate::address::Address;
use crate::games::{GameKind, Settings};
use crate::matchmaker::{
    owner_of_room, Ask, CapacityReport, Changes, Elsewhere, Matchmaker, RoomEstimate, RoomListing,
    Seating,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mm_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mm_rooms (
  number INTEGER PRIMARY KEY,
  free INTEGER NOT NULL,
  humans INTEGER NOT NULL,
  version INTEGER NOT NULL,
  away INTEGER NOT NULL DEFAULT 0,
  bots INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS mm_seats (
  player TEXT PRIMARY KEY,
  room INTEGER NOT NULL,
  reserved_at INTEGER
);
CREATE TABLE IF NOT EXISTS mm_elsewhere (
  player TEXT PRIMARY KEY,
  room TEXT NOT NULL,
  at INTEGER NOT NULL
);
";

#[durable_object]
pub struct ArenaMatchmaker {
    state: State,
    /// Read once: vars do not change while an instance lives, and every join needs
    /// the room size.
    settings: Settings,
    matchmaker: RefCell<Option<Matchmaker>>,
}

impl DurableObject for ArenaMatchmaker {
    fn new(state: State, env: Env) -> Self {
        ArenaMatchmaker {
            state,
            settings: vars::room_settings(&env).1,
            matchmaker: RefCell::new(None),
        }
    }

    /// `POST /assign` (from the Worker), `POST /report` (from rooms) and `GET /rooms`.
    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let href = req.inner().url();
        let url = Address::parse(&href);
        let param = |key: &str| url.param(key).map(Cow::into_owned);
        let shard = param("shard").and_then(|v| v.parse().ok()).unwrap_or(0);
        let game = param("game")
            .and_then(|g| GameKind::from_name(&g))
            .unwrap_or_default();
        self.load(game, shard).await?;
        let size = game.room_size(&self.settings);
        let path = req.path();
        let answer = match path.as_str() {
            "/assign" => {
                // `player`, `refused` when a room just turned them away, and `ask`
                // (with `shards` for `home`, `room` for `elsewhere`).
                let player = param("player").unwrap_or_default();
                let refused = param("refused").filter(|r| !r.is_empty());
                let refused = refused.as_deref();
                if player.is_empty() {
                    return Response::error("player is required", 400);
                }
                let now = now_ms();
                let room = param("room").unwrap_or_default();
                let ask = match param("ask").as_deref() {
                    Some("home") => {
                        let shards = param("shards").and_then(|v| v.parse().ok());
                        Some(Ask::Home {
                            shards: shards.unwrap_or(1),
                        })
                    }
                    Some("probe") => Some(Ask::Probe),
                    Some("open") => Some(Ask::OpenHere),
                    Some("elsewhere") => Some(Ask::SatElsewhere { room: &room }),
                    Some(_) => return Response::error("unknown ask", 400),
                    // A Worker from before `ask` (mid-deploy): the lone shard's answer.
                    None => None,
                };
                match ask {
                    Some(ask) => {
                        let answer = self.with(|mm| mm.ask(size, &player, refused, ask, now));
                        Some(Response::from_json(&answer)?)
                    }
                    None => {
                        let assignment = self.with(|mm| mm.assign(size, &player, refused, now));
                        Some(Response::from_json(&assignment)?)
                    }
                }
            }
            "/rooms" => {
                let listing = {
                    let cache = self.matchmaker.borrow();
                    let mm = cache.as_ref();
                    Listing {
                        online: mm.map_or(0, Matchmaker::online),
                        away: mm.map_or(0, Matchmaker::away),
                        rooms: mm.map(|m| m.listing(size)).unwrap_or_default(),
                    }
                };
                // A read: nothing to store.
                return Response::from_json(&listing);
            }
            "/report" => {
                let r: CapacityReport = serde_json::from_str(&req.text().await?)?;
                let now = now_ms();
                self.with(|mm| mm.report(&r, now));
                Some(Response::empty()?.with_status(204))
            }
            _ => None,
        };
        let Some(answer) = answer else {
            return Response::error("not found", 404);
        };
        let changes = self.with(Matchmaker::take_changes);
        if let Err(err) = store(&self.state.storage().sql(), &changes) {
            // Memory is ahead of storage now: forget it, the next request reloads.
            self.matchmaker.borrow_mut().take();
            return Err(err);
        }
        Ok(answer)
    }
}

impl ArenaMatchmaker {
    /// Fills the cache from storage; a shard never stored starts empty.
    async fn load(&self, game: GameKind, shard: u32) -> worker::Result<()> {
        if self.matchmaker.borrow().is_some() {
            return Ok(());
        }
        let sql = self.state.storage().sql();
        sql.exec(SCHEMA, None)?;
        // Shards stored before rooms reported bots and away seats get the columns now
        // (SQLite has no ADD COLUMN IF NOT EXISTS: the error for a column already
        // there is the expected case).
        for column in ["away", "bots"] {
            let add =
                format!("ALTER TABLE mm_rooms ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0");
            let _ = sql.exec(&add, None);
        }
        let next_room: Vec<Number> = sql
            .exec(
                "SELECT value AS n FROM mm_meta WHERE name = 'next_room'",
                None,
            )?
            .to_array()?;
        let rooms: Vec<RoomRow> = sql.exec("SELECT * FROM mm_rooms", None)?.to_array()?;
        let seats: Vec<SeatRow> = sql.exec("SELECT * FROM mm_seats", None)?.to_array()?;
        let opened_at: Vec<Number> = sql
            .exec(
                "SELECT value AS n FROM mm_meta WHERE name = 'opened_at'",
                None,
            )?
            .to_array()?;
        let elsewhere: Vec<ElsewhereRow> =
            sql.exec("SELECT * FROM mm_elsewhere", None)?.to_array()?;
        let loaded = Matchmaker::restore(
            game,
            shard,
            next_room.first().map_or(0, |n| n.n as u64),
            opened_at.first().map(|n| n.n as u64),
            rooms.into_iter().map(|r| {
                let estimate = RoomEstimate {
                    free: r.free as usize,
                    humans: r.humans as u64,
                    away: r.away as u64,
                    bots: r.bots as usize,
                    version: r.version as u64,
                };
                (r.number as u64, estimate)
            }),
            seats.into_iter().map(|s| {
                let seating = Seating {
                    room: s.room as u64,
                    reserved_at: s.reserved_at.map(|at| at as u64),
                };
                (s.player, seating)
            }),
            elsewhere.into_iter().map(|e| {
                let pointer = Elsewhere {
                    room: e.room,
                    at: e.at as u64,
                };
                (e.player, pointer)
            }),
        );
        self.matchmaker.borrow_mut().get_or_insert(loaded);
        Ok(())
    }

    fn with<T>(&self, f: impl FnOnce(&mut Matchmaker) -> T) -> T {
        f(self
            .matchmaker
            .borrow_mut()
            .get_or_insert_with(Matchmaker::default))
    }
}

/// Tells the matchmaker that owns the report's room (from its name,
/// `<game>-<shard>-<n>`) how many seats it has free (`POST /report`). Rooms call this.
pub async fn report_capacity(env: &Env, report: &CapacityReport) -> worker::Result<()> {
    let Some((game, shard)) = owner_of_room(&report.room) else {
        return Ok(());
    };
    let (stub, url) = matchmaker(env, game, shard, "/report")?;
    stub.post_json(&url, report).await?;
    Ok(())
}

/// Writes the rows `changes` names (no `.await` in between: one implicit transaction).
fn store(sql: &SqlStorage, changes: &Changes) -> worker::Result<()> {
    if let Some(next) = changes.next_room {
        sql.exec(
            "INSERT OR REPLACE INTO mm_meta (name, value) VALUES ('next_room', ?)",
            vec![(next as i64).into()],
        )?;
    }
    if let Some(at) = changes.opened_at {
        sql.exec(
            "INSERT OR REPLACE INTO mm_meta (name, value) VALUES ('opened_at', ?)",
            vec![(at as i64).into()],
        )?;
    }
    for (number, row) in &changes.rooms {
        let number = (*number as i64).into();
        match row {
            Some(e) => sql.exec(
                "INSERT OR REPLACE INTO mm_rooms (number, free, humans, version, away, bots)
                 VALUES (?, ?, ?, ?, ?, ?)",
                vec![
                    number,
                    (e.free as i64).into(),
                    (e.humans as i64).into(),
                    (e.version as i64).into(),
                    (e.away as i64).into(),
                    (e.bots as i64).into(),
                ],
            )?,
            None => sql.exec("DELETE FROM mm_rooms WHERE number = ?", vec![number])?,
        };
    }
    for (player, row) in &changes.seats {
        let player = player.as_str().into();
        match row {
            Some(s) => sql.exec(
                "INSERT OR REPLACE INTO mm_seats (player, room, reserved_at) VALUES (?, ?, ?)",
                vec![
                    player,
                    (s.room as i64).into(),
                    s.reserved_at.map(|at| at as i64).into(),
                ],
            )?,
            None => sql.exec("DELETE FROM mm_seats WHERE player = ?", vec![player])?,
        };
    }
    for (player, row) in &changes.elsewhere {
        let player = player.as_str().into();
        match row {
            Some(e) => sql.exec(
                "INSERT OR REPLACE INTO mm_elsewhere (player, room, at) VALUES (?, ?, ?)",
                vec![player, e.room.as_str().into(), (e.at as i64).into()],
            )?,
            None => sql.exec("DELETE FROM mm_elsewhere WHERE player = ?", vec![player])?,
        };
    }
    Ok(())
}

// Rows as SQLite hands them over (its integers arrive as JS numbers).

#[derive(Deserialize)]
struct Number {
    n: f64,
}

#[derive(Deserialize)]
struct RoomRow {
    number: f64,
    free: f64,
    humans: f64,
    version: f64,
    #[serde(default)]
    away: f64,
    #[serde(default)]
    bots: f64,
}

#[derive(Deserialize)]
struct SeatRow {
    player: String,
    room: f64,
    reserved_at: Option<f64>,
}

#[derive(Deserialize)]
struct ElsewhereRow {
    player: String,
    room: String,
    at: f64,
}

/// The answer to `GET /rooms`: people seated in this shard and its rooms with people.
#[derive(serde::Serialize)]
struct Listing {
    online: u64,
    away: u64,
    rooms: Vec<RoomListing>,
}
