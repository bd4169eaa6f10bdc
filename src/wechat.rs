//! WeChat login, the part that needs no network: the `jscode2session` request and
//! what its answers mean.
//!
//! A mini-program calls `wx.login()`, gets a one-time `code` and posts it to
//! `POST /api/login`. The Worker exchanges it at `GET {base}/sns/jscode2session` with
//! the app's id and secret for the user's `openid` (and a `session_key` we never pass
//! on), then issues our own token (see [`crate::auth`]). The base URL is a setting so
//! tests can point it at a local stand-in that speaks the same API.

use serde::{Deserialize, Serialize};

/// WeChat's API host.
pub const DEFAULT_API_BASE: &str = "https://api.weixin.qq.com";
/// Longest login code we forward (WeChat's are 32 characters).
const MAX_CODE_CHARS: usize = 128;

/// Body of `POST /api/login`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub code: String,
}

/// What `jscode2session` answers: either `openid` (with a `session_key` we do not even
/// read), or `errcode`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SessionAnswer {
    #[serde(default)]
    pub openid: Option<String>,
    #[serde(default)]
    pub errcode: Option<i64>,
    #[serde(default)]
    pub errmsg: Option<String>,
}

/// An HTTP error the API returns: status, a stable machine-readable `error`, and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    pub status: u16,
    pub error: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, error: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error,
            message: message.into(),
        }
    }
}

/// Checks a login body and returns the code in it.
pub fn parse_login(body: &str) -> Result<String, ApiError> {
    let bad = |why: String| ApiError::new(400, "bad_request", why);
    if body.len() > 1024 {
        return Err(bad("body too large".into()));
    }
    let req: LoginRequest =
        serde_json::from_str(body).map_err(|e| bad(format!("expected {{\"code\":\"…\"}}: {e}")))?;
    let code = req.code;
    if code.is_empty()
        || code.chars().count() > MAX_CODE_CHARS
        || !code.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(bad(
            "code must be 1 to 128 printable ASCII characters".into()
        ));
    }
    Ok(code)
}

/// The `jscode2session` URL for `code`. Every value is percent-encoded.
pub fn session_url(base: &str, appid: &str, secret: &str, code: &str) -> String {
    let base = base.trim_end_matches('/');
    format!(
        "{base}/sns/jscode2session?appid={}&secret={}&js_code={}&grant_type=authorization_code",
        encode(appid),
        encode(secret),
        encode(code)
    )
}

/// Turns WeChat's answer (HTTP status and body) into the user's openid, or the error
/// our API returns. WeChat answers errors with HTTP 200 and an `errcode`.
pub fn interpret(status: u16, body: &str) -> Result<String, ApiError> {
    let unreachable = |why: &str| {
        ApiError::new(
            502,
            "wechat_unavailable",
            format!("WeChat login service failed: {why}"),
        )
    };
    if status != 200 {
        return Err(unreachable(&format!("HTTP {status}")));
    }
    let answer: SessionAnswer =
        serde_json::from_str(body).map_err(|_| unreachable("an answer that is not JSON"))?;
    match answer.errcode.unwrap_or(0) {
        0 => {}
        // The code is wrong, expired or already used: the client must call wx.login again.
        40029 | 40163 => {
            return Err(ApiError::new(
                401,
                "invalid_code",
                "the login code is invalid, expired or used; call wx.login() again",
            ))
        }
        45011 => {
            return Err(ApiError::new(
                429,
                "rate_limited",
                "too many logins for this user; wait a minute",
            ))
        }
        40226 => {
            return Err(ApiError::new(
                403,
                "user_blocked",
                "WeChat refuses this user (high-risk account)",
            ))
        }
        -1 => return Err(unreachable("WeChat is busy (errcode -1)")),
        other => {
            // Anything else (a wrong appid or secret, …) is ours to fix, not the user's.
            return Err(ApiError::new(
                502,
                "wechat_error",
                format!("WeChat refused the login (errcode {other})"),
            ));
        }
    }
    match answer.openid {
        Some(openid)
            if !openid.is_empty()
                && openid.len() <= 64
                && openid
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Ok(openid)
        }
        _ => Err(unreachable("an answer without a usable openid")),
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_answer_gives_the_openid_and_nothing_else() {
        let body = r#"{"openid":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M","session_key":"tiihtNczf5v6AKRyjwEUhQ==","unionid":"x"}"#;
        assert_eq!(
            interpret(200, body),
            Ok("o6_bmjrPTlm6_2sgVt7hMZOPfL2M".into())
        );
    }

    #[test]
    fn wechat_errors_become_clear_http_errors() {
        let status = |body: &str| interpret(200, body).unwrap_err().status;
        assert_eq!(status(r#"{"errcode":40029,"errmsg":"invalid code"}"#), 401);
        assert_eq!(
            status(r#"{"errcode":40163,"errmsg":"code been used"}"#),
            401
        );
        assert_eq!(
            status(r#"{"errcode":45011,"errmsg":"api minute-quota reach limit"}"#),
            429
        );
        assert_eq!(status(r#"{"errcode":40226,"errmsg":"high risk"}"#), 403);
        assert_eq!(status(r#"{"errcode":-1,"errmsg":"system error"}"#), 502);
        assert_eq!(status(r#"{"errcode":40013,"errmsg":"invalid appid"}"#), 502);
        assert_eq!(status("<html>gateway</html>"), 502);
        assert_eq!(status(r#"{"errcode":0}"#), 502, "no openid");
        assert_eq!(status(r#"{"openid":"a\"b"}"#), 502, "odd openid");
        assert_eq!(interpret(503, "").unwrap_err().error, "wechat_unavailable");
    }

    #[test]
    fn the_session_key_never_reaches_an_error_message() {
        let body = r#"{"errcode":40013,"session_key":"SECRET-KEY"}"#;
        let err = interpret(200, body).unwrap_err();
        assert!(!err.message.contains("SECRET"));
    }

    #[test]
    fn login_bodies_are_checked() {
        assert_eq!(parse_login(r#"{"code":"081abc"}"#), Ok("081abc".into()));
        for bad in [
            "",
            "code=1",
            r#"{"code":""}"#,
            r#"{"code":1}"#,
            r#"{"code":"a b"}"#,
            r#"{"code":"x","uid":"admin"}"#,
        ] {
            assert_eq!(parse_login(bad).unwrap_err().status, 400, "{bad}");
        }
        let long = format!(r#"{{"code":"{}"}}"#, "a".repeat(129));
        assert_eq!(parse_login(&long).unwrap_err().status, 400);
    }

    #[test]
    fn the_url_encodes_every_value() {
        assert_eq!(
            session_url("http://127.0.0.1:9/", "wx1", "s&t=1", "c d"),
            "http://127.0.0.1:9/sns/jscode2session?appid=wx1&secret=s%26t%3D1&js_code=c%20d&grant_type=authorization_code"
        );
    }
}
