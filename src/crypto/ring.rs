//! The key generations an encrypted store holds: the one it writes with, and the ones it can
//! still read (during a rotation).

use std::fmt;
use std::sync::Arc;

use super::blind::BlindIndex;
use super::cipher::{AesGcmCipher, FieldCipher};
use super::key::Key;
use crate::error::{Error, Result};

/// One key generation: a cipher and the blind index that goes with it.
#[derive(Clone)]
pub(crate) struct Generation {
    pub(crate) cipher: Arc<dyn FieldCipher>,
    pub(crate) blind: BlindIndex,
}

impl Generation {
    /// The generation of a caller's key (AES-256-GCM and the key's blind index).
    pub(crate) fn of_key(key: &Key) -> Self {
        Self {
            cipher: Arc::new(AesGcmCipher::new(key)),
            blind: BlindIndex::new(key),
        }
    }

    pub(crate) fn id(&self) -> &str {
        self.cipher.key_id()
    }
}

/// The generations: `current` seals every new value; `others` only open old ones.
#[derive(Clone)]
pub(crate) struct Ring {
    pub(crate) current: Generation,
    pub(crate) others: Vec<Generation>,
}

impl fmt::Debug for Ring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ring")
            .field("current", &self.current.id())
            .field(
                "others",
                &self.others.iter().map(Generation::id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// The key id a value sealed in the shipped format names (`enc1:<id>:...`).
fn named_key(sealed: &str) -> Option<&str> {
    sealed
        .strip_prefix("enc1:")?
        .split_once(':')
        .map(|(id, _)| id)
}

impl Ring {
    pub(crate) fn new(current: Generation) -> Self {
        Self {
            current,
            others: Vec::new(),
        }
    }

    /// Every generation, the current one first.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Generation> {
        std::iter::once(&self.current).chain(self.others.iter())
    }

    /// Whether a sealed value was sealed by the current generation (as far as its text says:
    /// values of a caller's cipher in another format count as current).
    pub(crate) fn is_current(&self, sealed: &str) -> bool {
        named_key(sealed).is_none_or(|id| id == self.current.id())
    }
}

impl FieldCipher for Ring {
    fn key_id(&self) -> &str {
        self.current.id()
    }

    fn encrypt(&self, field: &str, plaintext: &str) -> Result<String> {
        self.current.cipher.encrypt(field, plaintext)
    }

    fn decrypt(&self, field: &str, sealed: &str) -> Result<String> {
        // The generation the value names, else each in turn (a caller's cipher may write
        // another format).
        if let Some(id) = named_key(sealed)
            && let Some(g) = self.all().find(|g| g.id() == id)
        {
            return g.cipher.decrypt(field, sealed);
        }
        let mut last = None;
        for g in self.all() {
            match g.cipher.decrypt(field, sealed) {
                Ok(plain) => return Ok(plain),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::Decrypt {
            field: field.to_owned(),
            reason: "no key".to_owned(),
        }))
    }
}
