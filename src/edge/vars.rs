//! Reading `[vars]` from the Worker environment.

use worker::Env;

use crate::config::RoomConfig;

/// The room settings in force now. Ignored values are logged, never fatal.
pub fn room_config(env: &Env) -> RoomConfig {
    let (config, rejected) = RoomConfig::from_vars(|key| env.var(key).ok().map(|v| v.to_string()));
    for r in rejected {
        worker::console_warn!("ignoring {}={:?}: not a number in range", r.key, r.value);
    }
    config
}
