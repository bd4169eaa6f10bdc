//! The `ArenaMatchmaker` Durable Object around [`Matchmaker`].
//!
//! One instance per shard (named `matchmaker-<n>`, `MATCHMAKER_SHARDS` of them) serves
//! the joins of the players that hash to it. Its input gate runs one request at a time,
//! which is what makes "first room that is not full" race-free. Its state is
//! small (one entry per room with people in it) and is stored after every change, so a
//! restart of the runtime loses no reservations.

use std::cell::RefCell;

use worker::{durable_object, DurableObject, Env, Request, Response, State};

use super::{now_ms, vars};
use crate::matchmaker::{AssignRequest, CapacityReport, Matchmaker};
use crate::protocol::GameKind;

const MATCHMAKER_KEY: &str = "matchmaker";

#[durable_object]
pub struct ArenaMatchmaker {
    state: State,
    env: Env,
    matchmaker: RefCell<Option<Matchmaker>>,
}

impl DurableObject for ArenaMatchmaker {
    fn new(state: State, env: Env) -> Self {
        ArenaMatchmaker {
            state,
            env,
            matchmaker: RefCell::new(None),
        }
    }

    /// `POST /assign` (from the Worker), `POST /report` (from rooms) and `GET /rooms`.
    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let url = req.url()?;
        let param = |key: &str| {
            url.query_pairs()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.into_owned())
        };
        let shard = param("shard").and_then(|v| v.parse().ok()).unwrap_or(0);
        let game = param("game")
            .and_then(|g| GameKind::from_name(&g))
            .unwrap_or_default();
        self.load(game, shard).await?;
        let size = vars::room_config(&self.env).for_game(game).size;
        let path = req.path();
        let answer = match path.as_str() {
            "/assign" => {
                let body: AssignRequest = req.json().await?;
                let now = now_ms();
                let assignment =
                    self.with(|mm| mm.assign(size, &body.player, body.refused.as_deref(), now));
                Some(Response::from_json(&assignment)?)
            }
            "/rooms" => {
                let (online, rooms) = {
                    let cache = self.matchmaker.borrow();
                    let mm = cache.as_ref();
                    (
                        mm.map_or(0, Matchmaker::online),
                        mm.map(|m| m.listing(size)).unwrap_or_default(),
                    )
                };
                // A read: nothing to store.
                return Response::from_json(
                    &serde_json::json!({ "online": online, "rooms": rooms }),
                );
            }
            "/report" => {
                let r: CapacityReport = req.json().await?;
                let now = now_ms();
                self.with(|mm| mm.report(&r, now));
                Some(Response::empty()?.with_status(204))
            }
            _ => None,
        };
        let Some(answer) = answer else {
            return Response::error("not found", 404);
        };
        let json = match self.matchmaker.borrow().as_ref() {
            Some(mm) => serde_json::to_string(mm)?,
            None => return Ok(answer),
        };
        self.state.storage().put(MATCHMAKER_KEY, json).await?;
        Ok(answer)
    }
}

impl ArenaMatchmaker {
    /// Fills the cache from storage; a shard never stored starts empty.
    async fn load(&self, game: GameKind, shard: u32) -> worker::Result<()> {
        if self.matchmaker.borrow().is_some() {
            return Ok(());
        }
        let stored: Option<String> = self.state.storage().get(MATCHMAKER_KEY).await?;
        let loaded = stored
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_else(|| Matchmaker::new(game, shard));
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
