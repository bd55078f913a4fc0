//! The caller's secret key and the purpose keys derived from it.

use std::fmt;
use std::path::Path;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::{Error, Result};

/// A 32-byte secret key. `Debug` never shows it.
///
/// ```
/// use clientele::crypto::Key;
/// let key = Key::from_hex(&"ab".repeat(32))?;
/// assert_eq!(format!("{key:?}"), "Key(..)");
/// assert!(Key::from_hex("abcd").is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Key([u8; 32]);

impl Key {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A key from 64 hex digits (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] when the text is not 64 hex digits (the text is not shown).
    pub fn from_hex(text: &str) -> Result<Self> {
        let t = text.trim();
        let bad = || Error::InvalidSetting {
            setting: "key".to_owned(),
            reason: "a key is 64 hex digits (32 bytes)".to_owned(),
            value: String::new(),
        };
        if t.len() != 64 || !t.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(t.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
            *slot = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }

    /// A key read from a file holding its 64 hex digits (the CLI's `--key-file`).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read, [`Error::InvalidSetting`] when it does not
    /// hold a key.
    pub fn read_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Self::from_hex(&text)
    }

    /// The key for one purpose: HMAC-SHA-256 of the purpose's name under this key, so the
    /// cipher's key and the blind index's key are independent and neither reveals the other.
    pub(crate) fn derive(&self, purpose: &str) -> [u8; 32] {
        hmac_sha256(&self.0, &[b"clientele/", purpose.as_bytes()])
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key(..)")
    }
}

/// HMAC-SHA-256 of the concatenated parts under `key` (32 bytes).
pub(crate) fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts a key of any length, so this never fails; the zero result is unreachable.
    let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(key) else {
        return [0; 32];
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Bytes of lower- or upper-case hex, or `None`.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
        .collect()
}
