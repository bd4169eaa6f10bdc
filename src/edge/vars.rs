//! Reading `[vars]` and secrets from the Worker environment.
//!
//! Vars and secrets are fixed for the life of an isolate: changing one (`wrangler
//! deploy`, `wrangler secret put`, an edit of `.dev.vars`) starts new isolates. So the
//! ones read on every connection are read once per isolate and kept here: each read is
//! a call out to the runtime, and the room settings alone are a dozen of them, which was
//! 3.5 % of a burst's CPU (profile in BENCHMARKS.md, session 12).

use std::cell::OnceCell;
use std::rc::Rc;

use worker::Env;

use crate::auth::TokenKey;
use crate::config::{RoomConfig, Vars};
use crate::games::Settings;
use crate::origin::OriginPolicy;
use crate::wechat::DEFAULT_API_BASE;

thread_local! {
    static ROOM_SETTINGS: OnceCell<(RoomConfig, Settings)> = const { OnceCell::new() };
    static AUTH_SETTINGS: OnceCell<Rc<AuthSettings>> = const { OnceCell::new() };
    static MATCHMAKER_SHARDS: OnceCell<u32> = const { OnceCell::new() };
}

/// The settings in force: those every room shares, and every game's. Ignored values
/// are logged (once per isolate), never fatal.
pub fn room_settings(env: &Env) -> (RoomConfig, Settings) {
    ROOM_SETTINGS.with(|cell| *cell.get_or_init(|| read_room_settings(env)))
}

fn read_room_settings(env: &Env) -> (RoomConfig, Settings) {
    let get = |key: &str| text(env, key);
    let mut vars = Vars::new(&get);
    let config = RoomConfig::read(&mut vars);
    let settings = Settings::read(&mut vars);
    for r in vars.rejected {
        worker::console_warn!("ignoring {}={:?}: not a number in range", r.key, r.value);
    }
    (config, settings)
}

/// How many stats shards players are spread over (`STATS_SHARDS`, 1..=256, default 8).
/// Fixed for the life of a deployment: changing it moves players to other shards.
pub fn stats_shards(env: &Env) -> u32 {
    text(env, "STATS_SHARDS")
        .and_then(|v| v.trim().parse().ok())
        .filter(|n| (1..=256).contains(n))
        .unwrap_or(8)
}

/// How many matchmakers share the joins (`MATCHMAKER_SHARDS`, 1..=64, default 1).
/// Fixed for the life of a deployment, like `STATS_SHARDS`.
pub fn matchmaker_shards(env: &Env) -> u32 {
    MATCHMAKER_SHARDS.with(|cell| {
        *cell.get_or_init(|| {
            text(env, "MATCHMAKER_SHARDS")
                .and_then(|v| v.trim().parse().ok())
                .filter(|n| (1..=64).contains(n))
                .unwrap_or(1)
        })
    })
}

/// A var that is on when set to `1` (test hooks).
pub fn flag(env: &Env, key: &str) -> bool {
    text(env, key).is_some_and(|v| v.trim() == "1")
}

/// Default lifetime of a session token: 7 days.
const DEFAULT_TOKEN_TTL_S: u64 = 7 * 24 * 3600;

/// Who may connect, and how we tell.
pub struct AuthSettings {
    /// From the secret `TOKEN_SECRET` (at least 32 bytes); `None` when it is missing
    /// or too short, and then nobody can log in or connect.
    pub key: Option<TokenKey>,
    /// `ALLOW_GUESTS` = `1`: guest tokens are issued and accepted.
    pub guests: bool,
    /// `TOKEN_TTL_S`: how long a token lasts, 60 s to 30 days.
    pub ttl_s: u64,
    /// `ALLOWED_ORIGINS` and `ALLOW_WECHAT_ORIGINS`: which pages and clients may
    /// connect (see [`OriginPolicy`]).
    pub origins: OriginPolicy,
}

impl AuthSettings {
    /// The settings, read once per isolate.
    pub fn read(env: &Env) -> Rc<AuthSettings> {
        AUTH_SETTINGS.with(|cell| Rc::clone(cell.get_or_init(|| Rc::new(Self::read_now(env)))))
    }

    fn read_now(env: &Env) -> AuthSettings {
        let key = text(env, "TOKEN_SECRET").and_then(|s| TokenKey::new(s.as_bytes()));
        if key.is_none() {
            worker::console_error!(
                "TOKEN_SECRET is missing or shorter than 32 bytes: every login and connection \
                 is refused (set it with `wrangler secret put TOKEN_SECRET`, or in .dev.vars)"
            );
        }
        let ttl_s = text(env, "TOKEN_TTL_S")
            .and_then(|v| v.trim().parse().ok())
            .filter(|ttl| (60..=30 * 24 * 3600).contains(ttl))
            .unwrap_or(DEFAULT_TOKEN_TTL_S);
        AuthSettings {
            key,
            guests: flag(env, "ALLOW_GUESTS"),
            ttl_s,
            origins: OriginPolicy::parse(
                text(env, "ALLOWED_ORIGINS").as_deref(),
                text(env, "ALLOW_WECHAT_ORIGINS").as_deref(),
            ),
        }
    }
}

/// The mini-program's WeChat credentials and where WeChat's API is.
pub struct WechatSettings {
    pub appid: String,
    pub secret: String,
    pub api_base: String,
}

impl WechatSettings {
    /// `None` unless both `WECHAT_APPID` and the secret `WECHAT_SECRET` are set.
    pub fn read(env: &Env) -> Option<WechatSettings> {
        let appid = text(env, "WECHAT_APPID").filter(|v| !v.is_empty())?;
        let secret = text(env, "WECHAT_SECRET").filter(|v| !v.is_empty())?;
        let api_base = text(env, "WECHAT_API_BASE")
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_API_BASE.to_string());
        Some(WechatSettings {
            appid,
            secret,
            api_base,
        })
    }
}

/// A var or secret as text (both are plain strings to the Worker).
fn text(env: &Env, key: &str) -> Option<String> {
    env.var(key).ok().map(|v| v.to_string())
}
