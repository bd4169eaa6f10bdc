//! The HTTP API for logging in: `POST /api/login` (WeChat) and `POST /api/guest`.
//!
//! Both answer `{token, player, expires_at}` or a JSON error `{error, message}` with a
//! clear status. WeChat's `session_key` and our secrets never leave the Worker.

use std::rc::Rc;

use serde::Deserialize;
use worker::{Env, Fetch, Method, Request, Response};

use super::access::{check_origin, Door};
use super::vars::{AuthSettings, WechatSettings};
use super::{json_error, now_ms, random_u64};
use crate::auth::{guest_subject, wechat_subject, Claims, Kind, TokenKey};
use crate::protocol::check_name;
use crate::wechat::{interpret, parse_login, session_url, ApiError};

/// Largest request body the API reads.
const MAX_BODY_BYTES: usize = 1024;

/// `POST /api/login {"code": "<from wx.login()>"}`.
pub async fn login(req: Request, env: &Env) -> worker::Result<Response> {
    let settings = AuthSettings::read(env);
    match check_origin(req.inner(), &settings)? {
        Door::Open { cors } => with_cors(cors, login_answer(req, env, settings).await?),
        Door::Refused(refused) => with_cors(req.headers().get("origin")?, refused),
    }
}

/// `POST /api/guest`: a token for a new guest identity, when `ALLOW_GUESTS` is `1`.
pub async fn guest(req: Request, env: &Env) -> worker::Result<Response> {
    let settings = AuthSettings::read(env);
    match check_origin(req.inner(), &settings)? {
        Door::Open { cors } => with_cors(cors, guest_answer(req, settings).await?),
        Door::Refused(refused) => with_cors(req.headers().get("origin")?, refused),
    }
}

async fn login_answer(
    mut req: Request,
    env: &Env,
    settings: Rc<AuthSettings>,
) -> worker::Result<Response> {
    let Some(key) = settings.key.as_ref() else {
        return not_configured("TOKEN_SECRET");
    };
    let Some(wechat) = WechatSettings::read(env) else {
        return not_configured("WECHAT_APPID and WECHAT_SECRET");
    };
    let body = match read_body(&mut req).await? {
        Ok(body) => body,
        Err(resp) => return Ok(resp),
    };
    let code = match parse_login(&body) {
        Ok(code) => code,
        Err(err) => return api_error(&err),
    };
    let url = session_url(&wechat.api_base, &wechat.appid, &wechat.secret, &code);
    let answer = async {
        let mut resp = Fetch::Request(Request::new(&url, Method::Get)?)
            .send()
            .await?;
        let status = resp.status_code();
        Ok::<_, worker::Error>((status, resp.text().await?))
    }
    .await;
    let openid = match answer {
        Ok((status, body)) => interpret(status, &body),
        Err(err) => {
            // The error text may contain the URL, and with it the secret: log the
            // kind of failure only.
            worker::console_warn!("jscode2session unreachable: {}", redact(&err.to_string()));
            Err(ApiError::new(
                502,
                "wechat_unavailable",
                "WeChat login service unreachable",
            ))
        }
    };
    match openid {
        Ok(openid) => issue(
            key,
            Claims::new(
                wechat_subject(&openid),
                Kind::Wechat,
                now_ms(),
                settings.ttl_s,
            ),
        ),
        Err(err) => api_error(&err),
    }
}

/// Body of `POST /api/guest` (optional).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct GuestRequest {
    #[serde(default)]
    name: Option<String>,
}

async fn guest_answer(mut req: Request, settings: Rc<AuthSettings>) -> worker::Result<Response> {
    if !settings.guests {
        return json_error(
            403,
            "guests_disabled",
            "guest play is switched off here; log in with WeChat",
        );
    }
    let Some(key) = settings.key.as_ref() else {
        return not_configured("TOKEN_SECRET");
    };
    let body = match read_body(&mut req).await? {
        Ok(body) => body,
        Err(resp) => return Ok(resp),
    };
    let parsed: Result<GuestRequest, _> = if body.trim().is_empty() {
        Ok(GuestRequest::default())
    } else {
        serde_json::from_str(&body)
    };
    match parsed {
        // The name is checked only so a client hears early that it would be refused.
        Ok(GuestRequest { name: Some(name) }) if check_name(&name).is_err() => json_error(
            400,
            "bad_request",
            "name must be 1 to 32 printable characters",
        ),
        Ok(_) => issue(
            key,
            Claims::new(
                guest_subject(random_u64()),
                Kind::Guest,
                now_ms(),
                settings.ttl_s,
            ),
        ),
        Err(err) => json_error(
            400,
            "bad_request",
            &format!("expected {{\"name\":\"…\"}} or no body: {err}"),
        ),
    }
}

/// `OPTIONS /api/…`: CORS preflight for pages on other allowed origins.
pub async fn preflight(req: Request, env: &Env) -> worker::Result<Response> {
    let settings = AuthSettings::read(env);
    let cors = match check_origin(req.inner(), &settings)? {
        Door::Open { cors } => cors,
        Door::Refused(refused) => return Ok(refused),
    };
    let mut resp = Response::empty()?.with_status(204);
    let headers = resp.headers_mut();
    headers.set("access-control-allow-methods", "GET, POST, OPTIONS")?;
    headers.set(
        "access-control-allow-headers",
        "content-type, authorization",
    )?;
    headers.set("access-control-max-age", "86400")?;
    with_cors(cors, resp)
}

/// Echoes a page's origin in `Access-Control-Allow-Origin`, so it can read the answer.
/// WeChat clients get none: they are not pages and do not apply CORS. A refused page's
/// origin is echoed on its 403 too, which holds no token, so that page learns why.
fn with_cors(origin: Option<String>, mut resp: Response) -> worker::Result<Response> {
    if let Some(origin) = origin {
        resp.headers_mut()
            .set("access-control-allow-origin", &origin)?;
        resp.headers_mut().append("vary", "Origin")?;
    }
    Ok(resp)
}

/// The body as text, or a 413 response when it is larger than we read.
async fn read_body(req: &mut Request) -> worker::Result<Result<String, Response>> {
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    if declared > MAX_BODY_BYTES {
        return Ok(Err(json_error(413, "too_large", "request body too large")?));
    }
    let body = req.text().await?;
    if body.len() > MAX_BODY_BYTES {
        return Ok(Err(json_error(413, "too_large", "request body too large")?));
    }
    Ok(Ok(body))
}

fn issue(key: &TokenKey, claims: Claims) -> worker::Result<Response> {
    #[derive(serde::Serialize)]
    struct Issued {
        token: String,
        player: String,
        expires_at: u64,
    }
    Response::from_json(&Issued {
        token: key.issue(&claims),
        expires_at: claims.expires_at_ms(),
        player: claims.sub,
    })
}

fn api_error(err: &ApiError) -> worker::Result<Response> {
    let mut resp = json_error(err.status, err.error, &err.message)?;
    if err.status == 429 {
        resp.headers_mut().set("retry-after", "60")?;
    }
    Ok(resp)
}

fn not_configured(what: &str) -> worker::Result<Response> {
    json_error(
        503,
        "not_configured",
        &format!("login is not configured on this server: set {what}"),
    )
}

/// Drops everything after `?` in a URL inside an error message.
fn redact(text: &str) -> String {
    text.split('?').next().unwrap_or_default().to_string()
}
