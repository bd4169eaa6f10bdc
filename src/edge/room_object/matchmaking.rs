//! The object's other role: a matchmaker shard's object is also the house of every room
//! the shard numbers ([`crate::house::house_of`]), so it picks a player's room and
//! seats them in it in the one request the Worker forwards (`/seat`). With the
//! matchmaker in an object of its own, each player took two hops (ask it, then go to
//! the room's house), and the platform's floor with one extra hop per match already
//! lost a fifth of its matchmaking rate (BENCHMARKS.md).
//!
//! Routes (the Worker's, with `game` and `shard` in the query):
//! - `GET /seat` with `Upgrade: websocket`: the player's own shard, asked first
//!   ([`Ask::Home`]). A seat here: 101 with the socket. Anything else (look next door,
//!   or a seat in another shard's room the player sits in): 200 with the [`Answer`], for
//!   the Worker to follow.
//! - `GET /assign?ask=probe|open|elsewhere`: the other asks of the sharded join
//!   ([`crate::matchmaker`]), answered as before with the [`Answer`] as JSON.
//! - `GET /rooms`: this shard's rooms with people, for `GET /api/rooms`.
//!
//! A room's capacity report ([`Effect::Capacity`](crate::effects::Effect::Capacity))
//! goes straight to the matchmaker here, no request: its rooms are all in this object.
//! Every decision is the core's; this reads the query, stores the rows and carries out
//! the rooms' outcomes as the rest of the object does.

use std::borrow::Cow;
use std::rc::Rc;

use worker::Response;

use super::*;
use crate::address::Address;

/// How often a player may be turned away by one of this shard's rooms that is full
/// after all before the Worker is told so (each refusal corrects the matchmaker's
/// estimate, so one retry almost always suffices).
const SEAT_ATTEMPTS: usize = 4;

/// The matchmaker a request names: its game and shard, from the query.
fn shard_of_query(url: &Address<'_>) -> (GameKind, u32) {
    let game = url
        .param("game")
        .and_then(|g| GameKind::from_name(&g))
        .unwrap_or_default();
    let shard = url.param("shard").and_then(|v| v.parse().ok()).unwrap_or(0);
    (game, shard)
}

impl RoomShell {
    /// Seats in a room of `game` (the vars, read once per isolate).
    fn room_size(&self, game: GameKind) -> usize {
        game.room_size(&vars::room_settings(&self.env).1)
    }

    /// Runs `f` on shard `shard` of `game`'s matchmaker, then writes the rows it
    /// changed in the same synchronous stretch. On first use the matchmaker is read
    /// from storage and learns its rooms from the house, which must be loaded.
    fn with_matchmaker<T>(
        &self,
        game: GameKind,
        shard: u32,
        f: impl FnOnce(&mut Matchmaker) -> T,
    ) -> worker::Result<T> {
        let storage = self.state.storage();
        let mut cache = self.matchmaker.borrow_mut();
        let mm = match cache.as_mut() {
            Some(mm) => mm,
            None => {
                let house = self.house.borrow();
                let Some(house) = house.as_ref() else {
                    return Err("the matchmaker is read after its house".into());
                };
                let mut mm = matchmaker_store::load(&storage, game, shard)?;
                let rooms = house
                    .rooms()
                    .filter_map(|room| CapacityReport::of(room.name(), room.capacity()?));
                mm.recall(rooms, now_ms());
                cache.insert(mm)
            }
        };
        let answer = f(mm);
        let changes = mm.take_changes();
        if let Err(err) = matchmaker_store::store(&storage.sql(), &changes) {
            // Memory is ahead of storage now: forget it, the next request reloads.
            cache.take();
            return Err(err);
        }
        Ok(answer)
    }

    /// A room of this house reports its seats to its matchmaker, here.
    pub(super) fn report(&self, report: &CapacityReport) -> worker::Result<()> {
        let Some((game, shard)) = owner_of_room(&report.room) else {
            return Ok(());
        };
        let now = now_ms();
        self.with_matchmaker(game, shard, |mm| mm.report(report, now))
    }

    /// `GET /seat?game=…&shard=…&shards=…&player=…&refused=…&conn=…&protocol=…&name=…
    /// &avatar=…` with `Upgrade: websocket`: the player's own shard picks their seat and,
    /// when it is in one of its rooms (the usual case), seats them there at once.
    pub(super) async fn seat(self: &Rc<Self>, url: &Address<'_>) -> worker::Result<Response> {
        let query = |key: &str| url.param(key).map(Cow::into_owned).unwrap_or_default();
        let (game, shard) = shard_of_query(url);
        let (conn, player, protocol) = (query("conn"), query("player"), query("protocol"));
        if conn.is_empty() || player.is_empty() {
            return Response::error("conn and player are required", 400);
        }
        let shards = query("shards").parse().unwrap_or(1);
        let size = self.room_size(game);
        let here = shard_house(game.name(), shard);
        let mut refused = Some(query("refused")).filter(|r| !r.is_empty());
        self.load_house().await?;
        for _ in 0..SEAT_ATTEMPTS {
            let ask = Ask::Home { shards };
            let now = now_ms();
            let answer = self.with_matchmaker(game, shard, |mm| {
                mm.ask(size, &player, refused.as_deref(), ask, now)
            })?;
            let assignment = match answer {
                Answer::Seat(seat) => seat,
                other => return Response::from_json(&other),
            };
            let room = match RoomName::parse(&assignment.room) {
                Some(room) if house_of(&room) == here => room,
                // Another shard's room (they sit there already): the Worker takes them.
                _ => return Response::from_json(&Answer::Seat(assignment)),
            };
            if !self.load(&room, true).await? {
                return Response::error("no game plays in that room", 404);
            }
            let arrival = arrival(url, &conn, &player, assignment.online, None);
            let outcome = self.handle(&room, Event::Connect(arrival));
            // No await between the room's decision and taking the socket.
            let admission = outcome.admission.clone();
            let full = admission == Admission::Full;
            let answer = (!full).then(|| self.answer(&conn, &room, &protocol, admission));
            // In a burst of arrivals, seats share commits as frames received do.
            self.finish_grouped(room, outcome).await?;
            match answer {
                Some(answer) => return answer,
                None => refused = Some(assignment.room),
            }
        }
        Response::error("every room we tried was full; try again", 503)
    }

    /// `GET /assign?game=…&shard=…&player=…&ask=…` (with `refused`, `shards` for
    /// `home`, `room` for `elsewhere`): the matchmaker's [`Answer`], for the asks that
    /// seat nobody here at once.
    pub(super) async fn assign(self: &Rc<Self>, url: &Address<'_>) -> worker::Result<Response> {
        let query = |key: &str| url.param(key).map(Cow::into_owned).unwrap_or_default();
        let (game, shard) = shard_of_query(url);
        let player = query("player");
        if player.is_empty() {
            return Response::error("player is required", 400);
        }
        let refused = Some(query("refused")).filter(|r| !r.is_empty());
        let room = query("room");
        let ask = match query("ask").as_str() {
            "home" => Ask::Home {
                shards: query("shards").parse().unwrap_or(1),
            },
            "probe" => Ask::Probe,
            "open" => Ask::OpenHere,
            "elsewhere" => Ask::SatElsewhere { room: &room },
            _ => return Response::error("unknown ask", 400),
        };
        let size = self.room_size(game);
        self.load_house().await?;
        let now = now_ms();
        let answer = self.with_matchmaker(game, shard, |mm| {
            mm.ask(size, &player, refused.as_deref(), ask, now)
        })?;
        Response::from_json(&answer)
    }

    /// `GET /rooms?game=…&shard=…`: the people seated through this shard and its rooms
    /// with people (a read: nothing is stored).
    pub(super) async fn listing(self: &Rc<Self>, url: &Address<'_>) -> worker::Result<Response> {
        let (game, shard) = shard_of_query(url);
        self.load_house().await?;
        let size = self.room_size(game);
        let listing = self.with_matchmaker(game, shard, |mm| Listing {
            online: mm.online(),
            away: mm.away(),
            rooms: mm.listing(size),
        })?;
        Response::from_json(&listing)
    }
}
