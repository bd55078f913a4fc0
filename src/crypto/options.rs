//! How an [`EncryptedStore`](super::EncryptedStore) is configured.

use super::key::Key;
use super::seal::DEFAULT_SEALED;
use crate::model::Field;
use crate::store::KeyIndexers;

/// How an [`EncryptedStore`](super::EncryptedStore) seals and indexes. Configuration as data:
/// every field has a default.
///
/// ```
/// use clientele::crypto::{DEFAULT_SEALED, EncryptionOptions};
/// use clientele::model::Field;
/// let options = EncryptionOptions::default().seal(Field::parse("wechat"));
/// assert_eq!(options.sealed.len(), DEFAULT_SEALED.len() + 1);
/// assert!(options.seal_activity_text);
/// ```
#[derive(Debug, Clone)]
pub struct EncryptionOptions {
    /// The fields sealed (default [`DEFAULT_SEALED`]: phones, emails, national ids, birth
    /// date). Custom fields may be added (their values, of any type, are sealed as text).
    /// The list is recorded in the store: a store is opened with the list it was created with.
    pub sealed: Vec<Field>,
    /// Whether transaction references and interaction notes, free text that may hold a phone
    /// or an email, are sealed too (default `true`).
    pub seal_activity_text: bool,
    /// The logical indexers: the keys lookups answer, derived from the plain records and
    /// stored only blinded (default: contact keys; an importer needs
    /// [`Importer::indexers`](crate::entry::Importer::indexers) when feature `entry` is on).
    /// Opening a store with other indexers than it was written with re-derives every record's
    /// blind keys.
    pub indexers: KeyIndexers,
    /// Keys an unfinished rotation still needs to read (the store names them by key id).
    pub previous_keys: Vec<Key>,
    /// Records, merge records or documents rewritten per batch by a rotation or a re-index
    /// (default 256): the write lock is held for one batch at a time.
    pub batch: usize,
}

impl Default for EncryptionOptions {
    fn default() -> Self {
        Self {
            sealed: DEFAULT_SEALED.to_vec(),
            seal_activity_text: true,
            indexers: KeyIndexers::contact(),
            previous_keys: Vec::new(),
            batch: 256,
        }
    }
}

impl EncryptionOptions {
    /// The options with other logical indexers.
    #[must_use]
    pub fn indexers(mut self, indexers: KeyIndexers) -> Self {
        self.indexers = indexers;
        self
    }

    /// The options sealing one more field.
    #[must_use]
    pub fn seal(mut self, field: Field) -> Self {
        if !self.sealed.contains(&field) {
            self.sealed.push(field);
        }
        self
    }

    /// The options with a key of an unfinished rotation.
    #[must_use]
    pub fn previous_key(mut self, key: Key) -> Self {
        self.previous_keys.push(key);
        self
    }
}
