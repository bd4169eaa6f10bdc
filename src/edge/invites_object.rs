//! The `ArenaInvites` Durable Object: the directory of private rooms' codes, around
//! [`crate::invites`].
//!
//! One instance (`invites`) holds every code: private rooms are opened and joined once
//! per game, far below one object's request budget, and one place is what makes a
//! code unique and a player's failed joins countable. Storage is key-value, one key
//! per code (`code:<CODE>`) and one per player with failed joins (`tries:<player>`);
//! each request reads and writes only its own keys. While a request waits on its own
//! storage reads, the runtime's input gate holds every other request, so two rooms can
//! never be handed the same code.
//!
//! - `POST /open?game=…&creator=…&bots=0|1`: a new code and room name →
//!   `{code, room, expires_at}` (the Worker then opens the room).
//! - `GET /lookup?code=…&player=…`: `{room, game}`, 404 for a code that opens nothing,
//!   429 `{retry_after_ms}` when the player has failed too often.
//! - `POST /occupancy` `{code, people}` (from private rooms): keeps a code alive while
//!   its room has people in it.

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Request, Response, State, Storage};

use super::hop::Hop;
use super::{now_ms, random_u64, vars, INVITES_BINDING};
use crate::address::Address;
use crate::games::GameKind;
use crate::ids::Code;
use crate::invites::{look_up, private_room_name, Invite, Lookup, Tries};

/// The one directory's name, and the host of its internal URLs.
pub const INVITES: &str = "invites";
const INVITES_URL: &str = "https://invites.internal";
/// Codes tried for a new room before giving up (each clash is one in a billion).
const CODE_ATTEMPTS: usize = 8;

#[durable_object]
pub struct ArenaInvites {
    state: State,
    env: Env,
}

/// Body of `POST /occupancy`.
#[derive(Serialize, Deserialize)]
pub struct Occupancy {
    pub code: Code,
    pub people: u64,
}

/// The answer to `POST /open`.
#[derive(Serialize, Deserialize)]
pub struct Opened {
    pub code: Code,
    pub room: String,
    pub expires_at: u64,
}

/// The answer to `GET /lookup`.
#[derive(Serialize, Deserialize)]
pub struct Found {
    pub room: String,
    pub game: GameKind,
}

impl DurableObject for ArenaInvites {
    fn new(state: State, env: Env) -> Self {
        ArenaInvites { state, env }
    }

    async fn fetch(&self, mut req: Request) -> worker::Result<Response> {
        let href = req.inner().url();
        let url = Address::parse(&href);
        let param = |key: &str| url.param(key).unwrap_or_default().into_owned();
        let grace = vars::room_settings(&self.env).0.resume_grace_ms;
        let storage = self.state.storage();
        let now = now_ms();
        match url.path() {
            "/open" => {
                let Some(game) = GameKind::from_name(&param("game")) else {
                    return Response::error("no such game", 400);
                };
                for _ in 0..CODE_ATTEMPTS {
                    let code = Code::from_random(random_u64());
                    let key = code_key(&code);
                    let existing: Option<Invite> = read(&storage, &key).await?;
                    if !Invite::code_free(existing.as_ref(), now, grace) {
                        continue;
                    }
                    let room = private_room_name(game, random_u64());
                    let invite = Invite::new(
                        code,
                        game,
                        room,
                        &param("creator"),
                        param("bots") == "1",
                        now,
                    );
                    write(&storage, &key, &invite).await?;
                    return Response::from_json(&Opened {
                        expires_at: invite.expires_at(grace).unwrap_or(now),
                        room: invite.room.to_string(),
                        code: invite.code,
                    });
                }
                Response::error("no free code; try again", 503)
            }
            "/lookup" => {
                let Some(code) = Code::parse(&param("code")) else {
                    return Response::error("not a code", 400);
                };
                let tries_key = format!("tries:{}", param("player"));
                let invite: Option<Invite> = read(&storage, &code_key(&code)).await?;
                let tries: Tries = read(&storage, &tries_key).await?.unwrap_or_default();
                let (found, after) = look_up(invite.as_ref(), tries, now, grace);
                if after != tries {
                    write(&storage, &tries_key, &after).await?;
                }
                match found {
                    Lookup::Found(invite) => Response::from_json(&Found {
                        room: invite.room.to_string(),
                        game: invite.game,
                    }),
                    Lookup::Unknown => Response::error("unknown code", 404),
                    Lookup::Wait(ms) => {
                        #[derive(Serialize)]
                        struct Wait {
                            retry_after_ms: u64,
                        }
                        Ok(Response::from_json(&Wait { retry_after_ms: ms })?.with_status(429))
                    }
                }
            }
            "/occupancy" => {
                let report: Occupancy = serde_json::from_str(&req.text().await?)?;
                let key = code_key(&report.code);
                if let Some(mut invite) = read::<Invite>(&storage, &key).await? {
                    invite.occupied_by(report.people, now);
                    write(&storage, &key, &invite).await?;
                }
                Response::empty()
            }
            _ => Response::error("not found", 404),
        }
    }
}

/// A stored value, kept as JSON text: the Worker already carries serde_json, while
/// storing structured values would bring a second serializer into the wasm.
async fn read<T: serde::de::DeserializeOwned>(
    storage: &Storage,
    key: &str,
) -> worker::Result<Option<T>> {
    let text: Option<String> = storage.get(key).await?;
    Ok(text.and_then(|json| serde_json::from_str(&json).ok()))
}

async fn write<T: Serialize>(storage: &Storage, key: &str, value: &T) -> worker::Result<()> {
    storage.put(key, serde_json::to_string(value)?).await
}

fn code_key(code: &Code) -> String {
    format!("code:{}", code.as_str())
}

/// The directory, from the Worker or a room.
pub fn directory(env: &Env) -> worker::Result<Hop> {
    Hop::to(&env.durable_object(INVITES_BINDING)?, INVITES)
}

/// `url` on the directory (`/open`, `/lookup`, `/occupancy`) with these query pairs.
pub fn directory_url(path: &str, pairs: &[(&str, &str)]) -> String {
    super::with_query(&format!("{INVITES_URL}{path}"), pairs)
}
