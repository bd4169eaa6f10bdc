//! How a matchmaker shard keeps its [`Matchmaker`] in its object's SQLite storage.
//!
//! A shard's matchmaker lives in the object that also holds the shard's rooms
//! ([`crate::house::house_of`], `edge::room_object`). Its state (one row per room with
//! people in it, one per seated player, one per player seated in another shard's room)
//! lives in tables of its own, beside the rooms' keys; each request writes only the
//! rows it changed ([`Changes`]), in the same synchronous stretch as the change, so the
//! runtime commits them together (with the room that seats the player) and a restart
//! loses no reservation.

use serde::Deserialize;
use worker::{SqlStorage, Storage};

use crate::games::GameKind;
use crate::matchmaker::{Changes, Elsewhere, Matchmaker, RoomEstimate, RoomListing, Seating};

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

/// Shard `shard` of `game`'s matchmaker as stored; a shard never stored starts empty.
pub fn load(storage: &Storage, game: GameKind, shard: u32) -> worker::Result<Matchmaker> {
    let sql = storage.sql();
    sql.exec(SCHEMA, None)?;
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
    let elsewhere: Vec<ElsewhereRow> = sql.exec("SELECT * FROM mm_elsewhere", None)?.to_array()?;
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
    Ok(loaded)
}

/// Writes the rows `changes` names (no `.await` in between: one implicit transaction).
pub fn store(sql: &SqlStorage, changes: &Changes) -> worker::Result<()> {
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
pub struct Listing {
    pub online: u64,
    pub away: u64,
    pub rooms: Vec<RoomListing>,
}
