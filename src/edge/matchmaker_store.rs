//! How a matchmaker shard keeps its [`Matchmaker`] in its object's SQLite storage.
//!
//! A shard's matchmaker lives in the object that also holds the shard's rooms
//! ([`crate::house::house_of`], `edge::room_object`). Only what no room knows lives in
//! tables of its own, beside the rooms' keys: how far room numbers are put aside (a row
//! written once per [`crate::matchmaker::ROOM_NUMBER_BLOCK`] rooms opened), and one row
//! per player seated in another shard's room. Each request
//! writes only the rows it changed ([`Changes`]), in the same synchronous stretch as the
//! change. The rooms with people and who sits in them are the rooms' own state: a
//! matchmaker read back learns them from the house ([`Matchmaker::recall`]), so seating
//! a player writes the room and nothing here (BENCHMARKS.md, session 14).

use serde::Deserialize;
use worker::{SqlStorage, Storage};

use crate::games::GameKind;
use crate::matchmaker::{Changes, Elsewhere, Matchmaker, RoomListing};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS mm_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mm_elsewhere (
  player TEXT PRIMARY KEY,
  room TEXT NOT NULL,
  at INTEGER NOT NULL
);
DROP TABLE IF EXISTS mm_rooms;
DROP TABLE IF EXISTS mm_seats;
DELETE FROM mm_meta WHERE name = 'opened_at';
";

/// Shard `shard` of `game`'s matchmaker as stored, not yet knowing its rooms (see
/// [`Matchmaker::recall`]); a shard never stored starts empty. What earlier versions
/// also kept is dropped: rows of rooms and seats (the rooms hold the same) and when
/// the shard last opened a room.
pub fn load(storage: &Storage, game: GameKind, shard: u32) -> worker::Result<Matchmaker> {
    let sql = storage.sql();
    sql.exec(SCHEMA, None)?;
    let next_room: Vec<Number> = sql
        .exec(
            "SELECT value AS n FROM mm_meta WHERE name = 'next_room'",
            None,
        )?
        .to_array()?;
    let elsewhere: Vec<ElsewhereRow> = sql.exec("SELECT * FROM mm_elsewhere", None)?.to_array()?;
    let loaded = Matchmaker::restore(
        game,
        shard,
        next_room.first().map_or(0, |n| n.n as u64),
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
