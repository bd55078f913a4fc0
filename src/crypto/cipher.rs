//! The cipher trait and the shipped AES-256-GCM cipher.

use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

use super::key::{Key, hex, hmac_sha256, unhex};
use crate::error::{Error, Result};

/// Encrypts and decrypts field values. Implement it to keep keys in a KMS or an HSM; the
/// crate ships [`AesGcmCipher`].
///
/// A sealed value is text (so it fits the record's text fields) and must name the key it was
/// sealed with, so that a store being re-keyed can tell old values from new ones.
pub trait FieldCipher: Send + Sync + fmt::Debug {
    /// A short public name of the key (never the key): the prefix of every sealed value.
    fn key_id(&self) -> &str;

    /// Seals `plaintext` of the field named `field`.
    ///
    /// # Errors
    /// The cipher's own failure.
    fn encrypt(&self, field: &str, plaintext: &str) -> Result<String>;

    /// Opens a value sealed by [`FieldCipher::encrypt`] for the same field.
    ///
    /// # Errors
    /// [`Error::Decrypt`] when the value was sealed with another key or for another field, or
    /// was changed.
    fn decrypt(&self, field: &str, sealed: &str) -> Result<String>;
}

/// The text every sealed value starts with, before the key id.
const PREFIX: &str = "enc1:";

/// AES-256-GCM (RustCrypto `aes-gcm`) under a key derived from the caller's [`Key`]: a fresh
/// random 96-bit nonce per value, the field's name as associated data. A sealed value is
/// `enc1:<key id>:<hex of nonce and ciphertext with its tag>`.
///
/// ```
/// use clientele::crypto::{AesGcmCipher, FieldCipher, Key};
/// let cipher = AesGcmCipher::new(&Key::from_hex(&"07".repeat(32))?);
/// let sealed = cipher.encrypt("phone", "13800135678")?;
/// assert!(sealed.starts_with("enc1:") && !sealed.contains("13800135678"));
/// assert_eq!(cipher.decrypt("phone", &sealed)?, "13800135678");
/// // Two seals of one value differ (fresh nonces); neither opens as another field.
/// assert_ne!(cipher.encrypt("phone", "13800135678")?, sealed);
/// assert!(cipher.decrypt("email", &sealed).is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
pub struct AesGcmCipher {
    aead: Aes256Gcm,
    key_id: String,
}

impl AesGcmCipher {
    /// The cipher of `key`.
    pub fn new(key: &Key) -> Self {
        let derived = key.derive("aes-256-gcm");
        let id = hmac_sha256(&key.derive("key-id"), &[]);
        Self {
            aead: Aes256Gcm::new(&derived.into()),
            key_id: hex(id.get(..4).unwrap_or_default()),
        }
    }
}

impl fmt::Debug for AesGcmCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AesGcmCipher")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn decrypt_error(field: &str, reason: &str) -> Error {
    Error::Decrypt {
        field: field.to_owned(),
        reason: reason.to_owned(),
    }
}

impl FieldCipher for AesGcmCipher {
    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn encrypt(&self, field: &str, plaintext: &str) -> Result<String> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: field.as_bytes(),
        };
        let sealed = self
            .aead
            .encrypt(&nonce, payload)
            .map_err(|_| decrypt_error(field, "encryption failed"))?;
        Ok(format!(
            "{PREFIX}{}:{}{}",
            self.key_id,
            hex(nonce.as_slice()),
            hex(&sealed)
        ))
    }

    fn decrypt(&self, field: &str, sealed: &str) -> Result<String> {
        let rest = sealed
            .strip_prefix(PREFIX)
            .ok_or_else(|| decrypt_error(field, "not a sealed value"))?;
        let (key_id, body) = rest
            .split_once(':')
            .ok_or_else(|| decrypt_error(field, "not a sealed value"))?;
        if key_id != self.key_id {
            return Err(decrypt_error(field, "sealed with another key"));
        }
        let bytes = unhex(body).ok_or_else(|| decrypt_error(field, "not a sealed value"))?;
        if bytes.len() < 12 + 16 {
            return Err(decrypt_error(field, "truncated"));
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let payload = Payload {
            msg: ciphertext,
            aad: field.as_bytes(),
        };
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| decrypt_error(field, "wrong key, wrong field, or changed"))?;
        String::from_utf8(plain).map_err(|_| decrypt_error(field, "not text"))
    }
}

/// Whether a value looks sealed (by any key).
pub(crate) fn looks_sealed(value: &str) -> bool {
    value.starts_with(PREFIX)
}
