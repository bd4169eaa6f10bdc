//! Private rooms from the Worker: `POST /api/rooms` opens one, `/ws?join=<code>` seats
//! a friend in it (or, with `&watch=1`, lets them watch).
//!
//! The code's directory (`ArenaInvites`) says which room a code opens; the room itself
//! checks the code again when someone arrives, so a room name alone opens nothing.

use serde::Deserialize;
use worker::{Env, Request, Response};

use super::access::{check_origin, Credentials, Door};
use super::invites_object::{directory, directory_url, Found, Opened};
use super::vars::AuthSettings;
use super::{json_error, one_error_socket, room_object, turned_away, with_query, ROOM_CONNECT_URL};
use crate::effects::Admission;
use crate::games::GameKind;
use crate::ids::Code;
use crate::protocol::{CloseCode, ErrorCode};

/// Body of `POST /api/rooms`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenRoom {
    game: String,
    #[serde(default)]
    bots: bool,
}

/// `POST /api/rooms {"game": "rps"|"dig"|"chat", "bots"?: bool}` with the session token:
/// a private room → `{room, code, expires_at}`. The code opens it (`/ws?join=<code>`)
/// while anyone is in it, and for the resume window after it empties.
pub async fn open(mut req: Request, env: &Env) -> worker::Result<Response> {
    let settings = AuthSettings::read(env);
    let cors = match check_origin(req.inner(), &settings)? {
        Door::Open { cors } => cors,
        Door::Refused(refused) => return Ok(refused),
    };
    let claims = match Credentials::of(req.inner()).verify(&settings) {
        Ok(claims) => claims,
        Err(why) => return json_error(401, "unauthorized", why.message()),
    };
    let body = req.text().await?;
    let asked: OpenRoom = match serde_json::from_str(&body) {
        Ok(asked) if body.len() <= 1024 => asked,
        _ => {
            return json_error(
                400,
                "bad_request",
                r#"expected {"game": "rps", "bots": false}"#,
            )
        }
    };
    let Some(game) = GameKind::from_name(&asked.game) else {
        return json_error(400, "bad_request", "no such game");
    };
    let bots = if asked.bots { "1" } else { "0" };
    let url = directory_url(
        "/open",
        &[
            ("game", game.name()),
            ("creator", &claims.sub),
            ("bots", bots),
        ],
    );
    let answer = directory(env)?.post_json(&url, &()).await?;
    if answer.status != 200 {
        return json_error(
            503,
            "unavailable",
            "no private room could be opened; try again",
        );
    }
    let opened: Opened = answer.json()?;
    // The room learns it is private before anyone can reach it.
    let room = room_object(env, &opened.room)?;
    let open_url = with_query(
        "https://room.internal/open",
        &[
            ("room", &opened.room),
            ("code", opened.code.as_str()),
            ("bots", bots),
        ],
    );
    let made = room.post_json(&open_url, &()).await?;
    if made.status != 200 {
        return json_error(
            503,
            "unavailable",
            "the private room did not open; try again",
        );
    }
    let mut resp = Response::from_json(&opened)?;
    if let Some(origin) = cors {
        resp.headers_mut()
            .set("access-control-allow-origin", &origin)?;
        resp.headers_mut().append("vary", "Origin")?;
    }
    Ok(resp)
}

/// Who is joining by code, and how they want to be seen.
pub struct Joiner<'a> {
    pub conn: &'a str,
    pub player: &'a str,
    pub protocol: &'a str,
    pub name: &'a str,
    pub avatar: &'a str,
    pub watch: bool,
}

/// `GET /ws?join=<code>`: the room the code opens, or a socket that says why not (an
/// unknown or expired code closes with 4004, which clients take as final).
pub async fn join(
    env: &worker::Env,
    typed: &str,
    who: Joiner<'_>,
) -> worker::Result<worker::web_sys::Response> {
    let Some(code) = Code::parse(typed) else {
        return Ok(turned_away(Admission::unknown_code(), who.protocol)?.into());
    };
    let url = directory_url(
        "/lookup",
        &[("code", code.as_str()), ("player", who.player)],
    );
    let answer = directory(env)?.get(&url).await?;
    let found: Found = match answer.status {
        200 => answer.json()?,
        429 => {
            let message = "too many wrong codes lately; wait a few minutes, then ask your friend for the code again";
            let refused = one_error_socket(
                ErrorCode::RateLimited,
                message,
                CloseCode::NoEntry,
                who.protocol,
            )?;
            return Ok(refused.into());
        }
        _ => return Ok(turned_away(Admission::unknown_code(), who.protocol)?.into()),
    };
    let room = room_object(env, &found.room)?;
    let mut query = vec![
        ("room", found.room.as_str()),
        ("conn", who.conn),
        ("protocol", who.protocol),
        ("code", code.as_str()),
    ];
    if who.watch {
        query.push(("watch", "1"));
    } else {
        query.extend([
            ("player", who.player),
            ("name", who.name),
            ("avatar", who.avatar),
        ]);
    }
    let resp = room.upgrade(&with_query(ROOM_CONNECT_URL, &query)).await?;
    if resp.status() == 409 {
        let message = "this private room is full";
        return Ok(one_error_socket(
            ErrorCode::RoomFull,
            message,
            CloseCode::NoEntry,
            who.protocol,
        )?
        .into());
    }
    Ok(resp)
}
