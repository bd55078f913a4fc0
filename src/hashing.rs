//! Fixed, fast hashes: FNV-1a over bytes (blocking keys, fingerprints) and a hasher for tables
//! keyed by small integers (packed comparison patterns, characters).

/// FNV-1a's offset basis: the state of a hash of nothing.
pub(crate) const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over the bytes, continuing from `state`: a fixed, fast hash for grouping blocking
/// keys, and for a record's fingerprint and the order of its lists.
pub(crate) fn fnv_from(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One multiplication and a shift per key instead of SipHash: for tables of fixed data or of
/// the crate's own numbers, looked up millions of times, where there is no flooding to defend
/// against. Keys written as bytes fall back to FNV-1a.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl std::hash::Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv_from(self.0, bytes);
    }

    fn write_u32(&mut self, n: u32) {
        // Fibonacci hashing: neighbouring keys land in different buckets (the low bits), and
        // the high bits (hashbrown's tag) are mixed down.
        let x = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`IntHasher`].
pub(crate) type IntMap<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IntHasher>>;
