//! Keyed blind indexes: HMAC-SHA-256 of match keys.

use std::fmt;

use super::key::{Key, hex, hmac_sha256};

/// Index keys that equal values share and nobody without the key can compute or reverse:
/// HMAC-SHA-256, under a key derived from the caller's [`Key`], of a namespace and a value's
/// match key (`normalize::Normalizer::match_keys`), its first 16 bytes in hex.
///
/// ```
/// use clientele::crypto::{BlindIndex, Key};
/// let blind = BlindIndex::new(&Key::from_hex(&"01".repeat(32))?);
/// let k = blind.blind("phone", "00135678");
/// assert_eq!(k.len(), 32);
/// assert!(!k.contains("00135678"));
/// // Namespaces keep one value's keys of different kinds apart.
/// assert_ne!(k, blind.blind("nid", "00135678"));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone)]
pub struct BlindIndex {
    key: [u8; 32],
}

impl BlindIndex {
    /// The blind index of `key`.
    pub fn new(key: &Key) -> Self {
        Self {
            key: key.derive("blind-index"),
        }
    }

    /// The blind key of `value` in `namespace`.
    pub fn blind(&self, namespace: &str, value: &str) -> String {
        let mac = hmac_sha256(&self.key, &[namespace.as_bytes(), &[0], value.as_bytes()]);
        hex(mac.get(..16).unwrap_or_default())
    }
}

impl fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndex(..)")
    }
}
