//! Settings from `wrangler.toml` `[vars]` (or `wrangler dev --var KEY:VALUE`).
//!
//! Every setting has a default and a sane range; a value that does not parse or is out
//! of range falls back to the default rather than failing a request, and the shell logs
//! it once. Reading is a pure function over a lookup so the host tests can drive it.

use serde::{Deserialize, Serialize};

use crate::protocol::GameKind;

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
    /// The game this room hosts (from its name; see [`RoomConfig::for_game`]).
    #[serde(default)]
    pub game: GameKind,
    /// Dig gold: players per room (`DIG_ROOM_SIZE`, 2..=4, default 2).
    #[serde(default = "defaults::dig_room_size")]
    pub dig_room_size: usize,
    /// Dig gold: the board is this many cells square (`DIG_BOARD`, 4..=16, default 8).
    #[serde(default = "defaults::dig_board")]
    pub dig_board: u8,
    /// Dig gold: gold cells on the board (`DIG_GOLD`, 1..=64, at most half the board;
    /// default 10).
    #[serde(default = "defaults::dig_gold")]
    pub dig_gold: u32,
    /// Dig gold: a turn not taken in this long is skipped (`DIG_TURN_MS`,
    /// 1000..=120000, default 15000).
    #[serde(default = "defaults::dig_turn_ms")]
    pub dig_turn_ms: u64,
    /// Chat: people per room (`CHAT_ROOM_SIZE`, 2..=100, default 20).
    #[serde(default = "defaults::chat_room_size")]
    pub chat_room_size: usize,
    /// Chat: the server pushes an announcement this often (`CHAT_ANNOUNCE_MS`,
    /// 1000..=3600000, default 60000).
    #[serde(default = "defaults::chat_announce_ms")]
    pub chat_announce_ms: u64,
    /// A settled round's record waits up to this long to go to the stats shards in one
    /// batch with the room's next ones (`STATS_FLUSH_MS`, 0..=60000, default 10000; 0
    /// sends each at once). Fewer, larger deliveries keep busy rooms' alarms short.
    #[serde(default = "defaults::stats_flush_ms")]
    pub stats_flush_ms: u64,
}

/// Defaults of the fields added after rooms were first stored.
mod defaults {
    pub fn dig_room_size() -> usize {
        2
    }
    pub fn dig_board() -> u8 {
        8
    }
    pub fn dig_gold() -> u32 {
        10
    }
    pub fn dig_turn_ms() -> u64 {
        15_000
    }
    pub fn chat_room_size() -> usize {
        20
    }
    pub fn chat_announce_ms() -> u64 {
        60_000
    }
    pub fn stats_flush_ms() -> u64 {
        10_000
    }
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            size: 2,
            round_ms: 5_000,
            bot_wait_ms: 1_000,
            heartbeat_timeout_ms: 45_000,
            resume_grace_ms: 30_000,
            game: GameKind::Rps,
            dig_room_size: defaults::dig_room_size(),
            dig_board: defaults::dig_board(),
            dig_gold: defaults::dig_gold(),
            dig_turn_ms: defaults::dig_turn_ms(),
            chat_room_size: defaults::chat_room_size(),
            chat_announce_ms: defaults::chat_announce_ms(),
            stats_flush_ms: defaults::stats_flush_ms(),
        }
    }
}

impl RoomConfig {
    /// This config for a room of `game`: `size` becomes that game's room size.
    pub fn for_game(mut self, game: GameKind) -> RoomConfig {
        self.game = game;
        self.size = match game {
            GameKind::Rps => self.size,
            GameKind::Dig => self.dig_room_size,
            GameKind::Chat => self.chat_room_size,
        };
        self
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
            game: GameKind::Rps,
            dig_room_size: read("DIG_ROOM_SIZE", 2, 4, defaults.dig_room_size as u64) as usize,
            dig_board: read("DIG_BOARD", 4, 16, u64::from(defaults.dig_board)) as u8,
            dig_gold: read("DIG_GOLD", 1, 64, u64::from(defaults.dig_gold)) as u32,
            dig_turn_ms: read("DIG_TURN_MS", 1_000, 120_000, defaults.dig_turn_ms),
            chat_room_size: read("CHAT_ROOM_SIZE", 2, 100, defaults.chat_room_size as u64) as usize,
            chat_announce_ms: read(
                "CHAT_ANNOUNCE_MS",
                1_000,
                3_600_000,
                defaults.chat_announce_ms,
            ),
            stats_flush_ms: read("STATS_FLUSH_MS", 0, 60_000, defaults.stats_flush_ms),
        };
        // Gold on at most half the board, so numbers mean something.
        let cells = u32::from(config.dig_board) * u32::from(config.dig_board);
        let config = RoomConfig {
            dig_gold: config.dig_gold.min(cells / 2),
            ..config
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
            "STATS_FLUSH_MS" => Some("0".into()),
            _ => None,
        });
        assert_eq!(
            config.stats_flush_ms, 0,
            "0 is allowed: every record at once"
        );
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
