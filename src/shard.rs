//! Spreading keys over shards: which of `n` objects is responsible for a key.
//!
//! FNV-1a, because it must be stable across builds, platforms and releases (std's
//! hasher is randomised and may change): a player's stats and matchmaker shard must not
//! move when the Worker is redeployed.

/// Which of `shards` (at least 1) objects holds `key`.
pub fn shard_of(key: &str, shards: u32) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        hash ^= u32::from(b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % shards.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_and_spread() {
        // Pinned values: a change here would move every player to another shard.
        assert_eq!(shard_of("", 1_000_000), 0x811c_9dc5 % 1_000_000);
        assert_eq!(shard_of("wx:o-alice", 8), shard_of("wx:o-alice", 8));
        assert_eq!(shard_of("anything", 1), 0);
        assert_eq!(shard_of("anything", 0), 0, "no division by zero");
        let mut counts = [0u32; 8];
        for i in 0..8000 {
            counts[shard_of(&format!("guest:{i:016x}"), 8) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }
}
