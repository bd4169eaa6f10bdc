//! Settings from `wrangler.toml` `[vars]` (or `wrangler dev --var KEY:VALUE`).
//!
//! Every setting has a default and a sane range; a value that does not parse or is out
//! of range falls back to the default rather than failing a request, and the shell logs
//! it once. Reading goes through [`Vars`], a pure function over a lookup, so the host
//! tests can drive it. The settings every room shares are here ([`RoomConfig`]); each
//! game reads its own (`crate::games`).

use std::ops::RangeInclusive;

use serde::de::{DeserializeOwned, IntoDeserializer};
use serde::{Deserialize, Serialize};

/// A var that was set but refused, for the shell to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub key: &'static str,
    pub value: String,
}

/// Reads settings by name through a lookup, noting the values it had to refuse.
pub struct Vars<'a> {
    get: &'a dyn Fn(&str) -> Option<String>,
    /// Vars that were set but refused (their defaults were used).
    pub rejected: Vec<Rejected>,
}

impl<'a> Vars<'a> {
    pub fn new(get: &'a dyn Fn(&str) -> Option<String>) -> Vars<'a> {
        Vars {
            get,
            rejected: Vec::new(),
        }
    }

    /// The whole number `key`, if set and in `range`; else `default` (and, if it was
    /// set, a note in [`Vars::rejected`]).
    pub fn number(&mut self, key: &'static str, range: RangeInclusive<u64>, default: u64) -> u64 {
        match (self.get)(key) {
            None => default,
            Some(value) => match value.trim().parse::<u64>() {
                Ok(n) if range.contains(&n) => n,
                _ => {
                    self.rejected.push(Rejected { key, value });
                    default
                }
            },
        }
    }

    /// The unit variant of `T` that `key` names, spelt as `T` is stored (its serde
    /// names, so the var and the stored room use one spelling), if set to one; else
    /// `default` (and, if it was set, a note in [`Vars::rejected`]).
    pub fn named<T: DeserializeOwned>(&mut self, key: &'static str, default: T) -> T {
        let Some(value) = (self.get)(key) else {
            return default;
        };
        let named: Result<T, serde::de::value::Error> =
            T::deserialize(value.trim().into_deserializer());
        named.unwrap_or_else(|_| {
            self.rejected.push(Rejected { key, value });
            default
        })
    }
}

/// What a room stores before anyone hears of it (`DURABILITY`): the price of a restart
/// of the server (a crash, a deploy) against rows written per round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Durability {
    /// `every-move`, the default: every change a player hears of is stored first, so a
    /// hand, a `join` or a chat line survives a restart (RELIABILITY.md). About five
    /// rows written per two-player round (BENCHMARKS.md, session 21).
    #[default]
    EveryMove,
    /// `settled-rounds`: a player's moves (`join`, a hand, a game's own frames) are kept
    /// in memory and go out at once; they are stored with the room's next write (a round
    /// settling, a seat taken or freed), or `MOVES_STORED_WITHIN_MS` after the first of
    /// them at the latest, so a room waiting on a slow player is stored before it could
    /// hibernate. A restart loses the moves since the last write, and with them the
    /// round in play: it either never started, or it settles without them. Settled
    /// rounds, scores, seats and stats are kept as with `every-move`. About one row per
    /// round, as a server that keeps rounds in memory writes.
    SettledRounds,
}

/// The longest a player's move waits in memory under [`Durability::SettledRounds`]
/// before the room is stored for it. Under the instance's timer horizon
/// ([`crate::effects::TIMER_AHEAD_MS`]), so the wait is kept by a timer, and while a timer
/// is pending the runtime does not hibernate the object: only a dead instance loses the
/// moves. Longer than a usual round plus the `join`s around it, so in steady play the
/// round's settlement stores them first.
pub const MOVES_STORED_WITHIN_MS: u64 = 10_000;

/// How every room plays, whatever its game. Frozen into the room when it is created,
/// so changing a var never changes the rules of a game already running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomConfig {
    /// Round length in ms (`ROUND_MS`, 500..=120000, default 5000), announced in `hi`.
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
    /// A settled round's record waits up to this long to go to the stats shards in one
    /// batch with the room's next ones (`STATS_FLUSH_MS`, 0..=60000, default 10000; 0
    /// sends each at once). Fewer, larger deliveries keep busy rooms' alarms short.
    #[serde(default = "default_stats_flush_ms")]
    pub stats_flush_ms: u64,
    /// How much longer a round is when it starts in the turn that seats someone
    /// (`HANDSHAKE_MS`, 0..=5000, default 100). A round counts from when its `start`
    /// leaves the object, but a seat that arrived in that very turn has no live socket
    /// yet: its `start` waits until the Worker has passed the object's `101` back,
    /// behind whatever else the isolate is doing, and the room cannot see when that
    /// is. Measured (bench/run.sh `vs_rounds`, 200 players joining at once, without the
    /// allowance): first rounds gave 911 ms at p1 against 1,000 ms for later ones, so
    /// the handshake held `start` back by up to about 90 ms. `start`'s `ends_in_ms`
    /// includes the allowance, so nobody is told a round is shorter than it is. Every
    /// clock a game announces gets it the same way (`Table::clock_ms`): a dig-gold turn,
    /// a guessing round.
    #[serde(default = "default_handshake_ms")]
    pub handshake_ms: u64,
    /// What the room stores before anyone hears of it (`DURABILITY`, `every-move` or
    /// `settled-rounds`, default `every-move`).
    #[serde(default)]
    pub durability: Durability,
}

fn default_handshake_ms() -> u64 {
    RoomConfig::default().handshake_ms
}

fn default_stats_flush_ms() -> u64 {
    RoomConfig::default().stats_flush_ms
}

impl Default for RoomConfig {
    fn default() -> Self {
        RoomConfig {
            round_ms: 5_000,
            bot_wait_ms: 1_000,
            heartbeat_timeout_ms: 45_000,
            resume_grace_ms: 30_000,
            stats_flush_ms: 10_000,
            handshake_ms: 100,
            durability: Durability::EveryMove,
        }
    }
}

impl RoomConfig {
    /// The shared settings, read through `vars`.
    pub fn read(vars: &mut Vars<'_>) -> RoomConfig {
        let d = RoomConfig::default();
        RoomConfig {
            round_ms: vars.number("ROUND_MS", 500..=120_000, d.round_ms),
            bot_wait_ms: vars.number("BOT_WAIT_MS", 0..=600_000, d.bot_wait_ms),
            heartbeat_timeout_ms: vars.number(
                "HEARTBEAT_TIMEOUT_MS",
                1_000..=600_000,
                d.heartbeat_timeout_ms,
            ),
            resume_grace_ms: vars.number("RESUME_GRACE_MS", 0..=600_000, d.resume_grace_ms),
            stats_flush_ms: vars.number("STATS_FLUSH_MS", 0..=60_000, d.stats_flush_ms),
            handshake_ms: vars.number("HANDSHAKE_MS", 0..=5_000, d.handshake_ms),
            durability: vars.named("DURABILITY", d.durability),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(get: impl Fn(&str) -> Option<String>) -> (RoomConfig, Vec<Rejected>) {
        let mut vars = Vars::new(&get);
        let config = RoomConfig::read(&mut vars);
        (config, vars.rejected)
    }

    #[test]
    fn defaults_when_unset() {
        let (config, rejected) = read(|_| None);
        assert_eq!(config, RoomConfig::default());
        assert!(rejected.is_empty());
    }

    #[test]
    fn reads_values_and_rejects_bad_ones() {
        let (config, rejected) = read(|k| match k {
            "ROUND_MS" => Some("fast".into()),
            "BOT_WAIT_MS" => Some(" 250 ".into()),
            "STATS_FLUSH_MS" => Some("0".into()),
            "HEARTBEAT_TIMEOUT_MS" => Some("1".into()),
            _ => None,
        });
        assert_eq!(
            config.stats_flush_ms, 0,
            "0 is allowed: every record at once"
        );
        assert_eq!(config.round_ms, RoomConfig::default().round_ms);
        assert_eq!(config.bot_wait_ms, 250);
        assert_eq!(
            config.heartbeat_timeout_ms, 45_000,
            "out of range falls back"
        );
        assert_eq!(
            rejected.iter().map(|r| r.key).collect::<Vec<_>>(),
            ["ROUND_MS", "HEARTBEAT_TIMEOUT_MS"]
        );
    }

    #[test]
    fn durability_is_one_of_two_names_and_anything_else_keeps_every_move() {
        let with =
            |value: &'static str| read(move |k| (k == "DURABILITY").then(|| value.to_string()));
        let (config, rejected) = with(" settled-rounds ");
        assert_eq!(config.durability, Durability::SettledRounds);
        assert!(rejected.is_empty());
        assert_eq!(with("every-move").0.durability, Durability::EveryMove);
        let (config, rejected) = with("none");
        assert_eq!(config.durability, Durability::EveryMove);
        assert_eq!(rejected[0].key, "DURABILITY");
        // A room stored before the setting existed keeps every move.
        let stored = serde_json::to_value(RoomConfig::default()).unwrap();
        let mut old = stored.as_object().unwrap().clone();
        old.remove("durability").unwrap();
        let config: RoomConfig = serde_json::from_value(old.into()).unwrap();
        assert_eq!(config.durability, Durability::EveryMove);
    }

    #[test]
    fn a_room_stored_before_games_owned_their_settings_still_reads() {
        let old = r#"{"size":2,"round_ms":3000,"bot_wait_ms":1000,"heartbeat_timeout_ms":45000,
            "resume_grace_ms":30000,"game":"dig","dig_room_size":2,"dig_board":8}"#;
        let config: RoomConfig = serde_json::from_str(old).unwrap();
        assert_eq!((config.round_ms, config.stats_flush_ms), (3000, 10_000));
    }
}
