//! The encrypted store's own state, kept in the inner store as one document: the key ids it
//! is sealed with, each with a key check value (a known text sealed with that key, so a wrong
//! key is refused instead of answering garbage), the sealed-field list and the logical
//! indexers its blind keys were derived with.

use serde::{Deserialize, Serialize};

use super::ring::{Generation, Ring};
use super::translate::NAMESPACE;
use crate::error::{Error, Result};
use crate::store::{Change, CustomerStore, Document};

/// The document's key in [`NAMESPACE`].
const KEY: &str = "state";
/// The text a key check value seals, and the field it is sealed for.
const CHECK_TEXT: &str = "clientele key check";
const CHECK_FIELD: &str = "clientele.key-check";

/// One key the store's values may be sealed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct KeyCheck {
    pub(crate) id: String,
    pub(crate) check: String,
}

/// The state document's body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct State {
    pub(crate) version: u32,
    /// The current key first; more than one while a rotation is unfinished.
    pub(crate) keys: Vec<KeyCheck>,
    pub(crate) sealed: String,
    pub(crate) indexers: String,
}

impl State {
    pub(crate) fn new(ring: &Ring, sealed: String, indexers: String) -> Result<Self> {
        let keys = ring
            .all()
            .map(|g| {
                Ok(KeyCheck {
                    id: g.id().to_owned(),
                    check: g.cipher.encrypt(CHECK_FIELD, CHECK_TEXT)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            version: 1,
            keys,
            sealed,
            indexers,
        })
    }

    /// Reads the state of a store, if it has one.
    pub(crate) fn read<S>(inner: &S) -> Result<Option<Self>>
    where
        S: CustomerStore,
        Error: From<S::Error>,
    {
        let Some(doc) = inner.document(NAMESPACE, KEY)? else {
            return Ok(None);
        };
        serde_json::from_str(&doc.body)
            .map(Some)
            .map_err(|e| Error::storage_message(format!("the encryption state is unreadable: {e}")))
    }

    /// The change that writes it.
    pub(crate) fn put(&self) -> Result<Change> {
        let body = serde_json::to_string(self)
            .map_err(|e| Error::storage_message(format!("encoding the encryption state: {e}")))?;
        Ok(Change::PutDocument(Document::new(NAMESPACE, KEY, body)))
    }

    /// The ring of the given generations that opens this state's keys, the current first.
    ///
    /// # Errors
    /// [`Error::Decrypt`] (field `store key`) when a key the store needs was not given or a
    /// given key does not open its check value.
    pub(crate) fn ring(&self, given: &[Generation]) -> Result<Ring> {
        let mut found = Vec::new();
        for kc in &self.keys {
            let g = given.iter().find(|g| {
                g.id() == kc.id
                    && g.cipher
                        .decrypt(CHECK_FIELD, &kc.check)
                        .is_ok_and(|t| t == CHECK_TEXT)
            });
            match g {
                Some(g) => found.push(g.clone()),
                None => return Err(self.missing(&kc.id, given)),
            }
        }
        let mut all = found.into_iter();
        let current = all.next().ok_or_else(|| {
            Error::storage_message("the encryption state names no key".to_owned())
        })?;
        Ok(Ring {
            current,
            others: all.collect(),
        })
    }

    fn missing(&self, id: &str, given: &[Generation]) -> Error {
        let given: Vec<&str> = given.iter().map(Generation::id).collect();
        let reason = if self.keys.len() > 1 {
            let ids: Vec<&str> = self.keys.iter().map(|k| k.id.as_str()).collect();
            format!(
                "a key rotation did not finish: the store needs the keys {} (key {id} not given \
                 or not matching; given: {}); open it with both (EncryptionOptions::previous_key) \
                 and rotate again",
                ids.join(", "),
                given.join(", ")
            )
        } else {
            format!(
                "the store was encrypted with another key (key id {id}; this key's id is {})",
                given.join(", ")
            )
        };
        Error::Decrypt {
            field: "store key".to_owned(),
            reason,
        }
    }
}
