//! Settings from `wrangler.toml` `[vars]` (or `wrangler dev --var KEY:VALUE`).
//!
//! Every setting has a default and a sane range; a value that does not parse or is out
//! of range falls back to the default rather than failing a request, and the shell logs
//! it once. Reading is a pure function over a lookup so the host tests can drive it.

use serde::{Deserialize, Serialize};

/// How one room plays. Frozen into the room when it is created, so changing a var
/// never changes the rules of a game already running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomConfig {
    /// Seats per room (`ROOM_SIZE`, 2..=8, default 2).
    pub size: usize,
    /// Round length in ms (`ROUND_MS`, 500..=120000, default 5000).
    pub round_ms: u64,
    /// How long a lone player waits before bots fill the room (`BOT_WAIT_MS`,
    /// 0..=600000, default 1000; the demo used about 1 s).
    pub bot_wait_ms: u64,
    /// A connection that has sent nothing (heartbeats included) for this long is
    /// treated as gone (`HEARTBEAT_TIMEOUT_MS`, 1000..=600000, default 45000).
    pub heartbeat_timeout_ms: u64,
    /// How long a seat whose connection dropped is held for its player to resume
    /// (`RESUME_GRACE_MS`, 0..=600000, default 30000).
    pub resume_grace_ms: u64,
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            size: 2,
            round_ms: 5_000,
            bot_wait_ms: 1_000,
            heartbeat_timeout_ms: 45_000,
            resume_grace_ms: 30_000,
        }
    }
}

/// A var that was set but refused, for the shell to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub key: &'static str,
    pub value: String,
}

impl RoomConfig {
    /// Reads the config through `var` (name → value). Returns the config and the vars
    /// it had to ignore.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> (RoomConfig, Vec<Rejected>) {
        let defaults = RoomConfig::default();
        let mut rejected = Vec::new();
        let mut read = |key: &'static str, min: u64, max: u64, default: u64| -> u64 {
            match var(key) {
                None => default,
                Some(value) => match value.trim().parse::<u64>() {
                    Ok(n) if (min..=max).contains(&n) => n,
                    _ => {
                        rejected.push(Rejected { key, value });
                        default
                    }
                },
            }
        };
        let config = RoomConfig {
            size: read("ROOM_SIZE", 2, 8, defaults.size as u64) as usize,
            round_ms: read("ROUND_MS", 500, 120_000, defaults.round_ms),
            bot_wait_ms: read("BOT_WAIT_MS", 0, 600_000, defaults.bot_wait_ms),
            heartbeat_timeout_ms: read(
                "HEARTBEAT_TIMEOUT_MS",
                1_000,
                600_000,
                defaults.heartbeat_timeout_ms,
            ),
            resume_grace_ms: read("RESUME_GRACE_MS", 0, 600_000, defaults.resume_grace_ms),
        };
        (config, rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_unset() {
        let (config, rejected) = RoomConfig::from_vars(|_| None);
        assert_eq!(config, RoomConfig::default());
        assert!(rejected.is_empty());
    }

    #[test]
    fn reads_values_and_rejects_bad_ones() {
        let (config, rejected) = RoomConfig::from_vars(|k| match k {
            "ROOM_SIZE" => Some("3".into()),
            "ROUND_MS" => Some("fast".into()),
            "BOT_WAIT_MS" => Some(" 250 ".into()),
            _ => None,
        });
        assert_eq!(config.size, 3);
        assert_eq!(config.round_ms, RoomConfig::default().round_ms);
        assert_eq!(config.bot_wait_ms, 250);
        assert_eq!(
            rejected,
            vec![Rejected {
                key: "ROUND_MS",
                value: "fast".into()
            }]
        );
    }

    #[test]
    fn out_of_range_falls_back() {
        let (config, rejected) =
            RoomConfig::from_vars(|k| (k == "ROOM_SIZE").then(|| "1".to_string()));
        assert_eq!(config.size, 2);
        assert_eq!(rejected.len(), 1);
    }
}
