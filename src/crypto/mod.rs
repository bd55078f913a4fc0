//! Field encryption at rest and keyed blind indexes (feature `encryption`): the primitives a
//! store uses so that its database never holds a plain phone, email, ID number or birth date,
//! while lookups and duplicate detection still find them.
//!
//! - [`Key`]: a 32-byte secret the caller supplies (from bytes, hex, or a key file); the keys of
//!   the cipher and of the blind index are derived from it, each for its own purpose.
//! - [`FieldCipher`]: the trait a caller can implement (a KMS, an HSM); [`AesGcmCipher`] is the
//!   shipped one, AES-256-GCM from RustCrypto's `aes-gcm` with a fresh random nonce per value
//!   and the field's name bound in as associated data (a value moved to another field does not
//!   decrypt).
//! - [`BlindIndex`]: HMAC-SHA-256 of a value's match key under its own key, so equal values give
//!   equal index keys and nothing else can be learned from them without the key.
//! - [`seal`] / [`unseal`]: a record's sensitive fields encrypted in place and back.
//! - [`EncryptedStore`]: any [`CustomerStore`](crate::store::CustomerStore) with those fields
//!   sealed before they reach it (records, merge provenance, activity text, documents) and its
//!   secondary keys stored only as blind keys; key rotation while it stays readable
//!   ([`EncryptedStore::rotate`]). The design and what it reveals: docs/ENCRYPTION.md.
//!
//! No cryptography is written here: every primitive is RustCrypto's (`aes-gcm`, `hmac`, `sha2`).
//!
//! ```
//! use clientele::crypto::{AesGcmCipher, BlindIndex, Key, seal, unseal};
//! use clientele::{Customer, CustomerId, CustomerKind};
//! let key = Key::from_hex(&"11".repeat(32))?;
//! let cipher = AesGcmCipher::new(&key);
//! let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
//!     .full_name("Li Na").phone("138 0013 5678").email("li.na@example.cn").build();
//! let sealed = seal(&c, &cipher)?;
//! assert!(!format!("{}", serde_json::to_string(&sealed).unwrap()).contains("0013"));
//! assert_eq!(unseal(&sealed, &cipher)?, c);
//! // Equal match keys give equal blind keys; another key gives others.
//! let blind = BlindIndex::new(&key);
//! assert_eq!(blind.blind("phone", "00135678"), blind.blind("phone", "00135678"));
//! let other = BlindIndex::new(&Key::from_hex(&"22".repeat(32))?);
//! assert_ne!(blind.blind("phone", "00135678"), other.blind("phone", "00135678"));
//! # Ok::<(), clientele::Error>(())
//! ```

mod blind;
mod cipher;
mod codec;
mod key;
mod options;
#[cfg(feature = "sqlite")]
mod plain_file;
mod ring;
mod rotate;
mod seal;
mod state;
mod store;
mod translate;

pub use blind::BlindIndex;
pub use cipher::{AesGcmCipher, FieldCipher};
pub use codec::{BLIND_KEYS_FIELD, BlindKeys};
pub use key::Key;
pub use options::EncryptionOptions;
pub use rotate::Rewritten;
pub use seal::{DEFAULT_SEALED, SEALED_BIRTH_DATE, is_sealed, seal, seal_fields, unseal};
pub use store::EncryptedStore;
