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

    /// Golden values, from an independent FNV-1a (32-bit) written in Python (the
    /// 32-bit hashes are in the comments): a changed hash would silently move every
    /// deployed player's stats and seat to another shard, so it must fail here first.
    #[test]
    fn shards_are_pinned() {
        let golden: [(&str, u32, u32); 10] = [
            ("", 1_000_000, 136_261),           // 0x811c9dc5, the offset basis
            ("wx:o-alice", 8, 0),               // 0x4e34ffe8
            ("wx:o-alice", 256, 232),           // 0x4e34ffe8
            ("guest:0000000000000001", 8, 0),   // 0xe156dc98
            ("guest:00000000deadbeef", 64, 19), // 0xc91ed913
            ("wx:oZx_Q7-xyz", 16, 14),          // 0x1e6551ce
            ("玩家", 8, 6),                     // 0x22094106 (hashes UTF-8 bytes)
            ("guest:ffffffffffffffff", 3, 1),   // 0x1708bc2b
            // tests/together.test.mjs relies on these two being on different shards.
            ("guest:next-door-3", 4, 1), // 0xdb29c2f5
            ("guest:next-door-2", 4, 2), // 0xda29c162
        ];
        let got: Vec<(&str, u32, u32)> = golden
            .iter()
            .map(|&(key, shards, _)| (key, shards, shard_of(key, shards)))
            .collect();
        assert_eq!(got, golden);
    }

    #[test]
    fn shards_are_stable_and_spread() {
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
