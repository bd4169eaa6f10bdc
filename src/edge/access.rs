//! Who is at the door: the Origin check and the session token of a request.
//!
//! Both happen in the Worker, before a request reaches any Durable Object: a refused
//! request costs no room anything. The token may come as `?token=…` or, to keep it out
//! of URLs and logs, as a WebSocket subprotocol `bearer.<token>` offered beside
//! [`SUBPROTOCOL`] (`wx.connectSocket({protocols})`, `new WebSocket(url, protocols)`),
//! or for plain HTTP as `Authorization: Bearer <token>`.

use worker::{web_sys, Response};

use super::vars::AuthSettings;
use super::{json_error, now_ms, one_error_socket};
use crate::address::Address;
use crate::auth::{AuthError, Claims};
use crate::origin::Verdict;
use crate::protocol::{CloseCode, ErrorCode};

/// The subprotocol name a client offers with its `bearer.<token>`; echoed back.
pub const SUBPROTOCOL: &str = "edge-arena";
const BEARER_PREFIX: &str = "bearer.";

/// What a WebSocket request presented.
pub struct Credentials {
    token: String,
    /// The subprotocol to answer with, when the client offered any (a browser fails
    /// the handshake unless the answer names one of those it offered).
    pub protocol: Option<String>,
}

impl Credentials {
    pub fn of(req: &web_sys::Request) -> Credentials {
        let offered: Vec<String> = header(req, "sec-websocket-protocol")
            .map(|h| h.split(',').map(|p| p.trim().to_string()).collect())
            .unwrap_or_default();
        let from_protocol = offered
            .iter()
            .find_map(|p| p.strip_prefix(BEARER_PREFIX))
            .map(str::to_string);
        let from_header = header(req, "authorization")
            .and_then(|h| h.strip_prefix("Bearer ").map(|t| t.trim().to_string()));
        let href = req.url();
        let from_query = Address::parse(&href).param("token").map(|t| t.into_owned());
        let protocol = if offered.iter().any(|p| p == SUBPROTOCOL) {
            Some(SUBPROTOCOL.to_string())
        } else {
            offered.first().cloned()
        };
        Credentials {
            token: from_protocol
                .or(from_header)
                .or(from_query)
                .unwrap_or_default(),
            protocol,
        }
    }

    /// The token's claims, or why there are none.
    pub fn verify(&self, settings: &AuthSettings) -> Result<Claims, AuthError> {
        let key = settings.key.as_ref().ok_or(AuthError::Missing)?;
        key.verify(&self.token, now_ms(), settings.guests)
    }
}

/// What the Origin check made of a request: let through (and whether a CORS answer may
/// name its origin), or the 403 to answer with.
pub enum Door {
    Open { cors: Option<String> },
    Refused(Response),
}

/// Is this request's `Origin` (if any) allowed? A refusal is logged with the value and
/// the reason, so an operator can tell a real device from an attack (README, Deploy).
pub fn check_origin(req: &web_sys::Request, settings: &AuthSettings) -> worker::Result<Door> {
    let origin = header(req, "origin");
    let own = Address::parse(&req.url()).origin();
    let why = match settings.origins.judge(origin.as_deref(), &own) {
        Verdict::Page => return Ok(Door::Open { cors: origin }),
        Verdict::NoOrigin | Verdict::WechatClient => return Ok(Door::Open { cors: None }),
        Verdict::Refused(why) => why,
    };
    worker::console_warn!(
        "origin_not_allowed: {:?} ({})",
        origin.unwrap_or_default(),
        why.describe()
    );
    Ok(Door::Refused(json_error(
        403,
        "origin_not_allowed",
        "this page's origin may not use the service (see ALLOWED_ORIGINS)",
    )?))
}

/// A request header. Read from the runtime's own request: the Worker's hot path (`/ws`)
/// never wraps it in a `worker::Request`, whose constructor also copies the request's
/// `cf` object out of the runtime (3 % of a burst's CPU, profile in BENCHMARKS.md).
pub fn header(req: &web_sys::Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

/// A WebSocket that says why the token was refused, then closes with 4003 (so the
/// client logs in rather than retrying forever).
pub fn refuse_socket(why: AuthError, protocol: Option<&str>) -> worker::Result<Response> {
    let code = match why {
        AuthError::Expired => ErrorCode::TokenExpired,
        _ => ErrorCode::Unauthorized,
    };
    one_error_socket(
        code,
        why.message(),
        CloseCode::Unauthorized,
        protocol.unwrap_or_default(),
    )
}
