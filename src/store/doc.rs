//! Documents: a small keyed namespace the crate (and its callers) keep their own state in,
//! beside the customers: the saved match model, review items, pair decisions, external ids.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The address of a stored document: a namespace (`space`, such as `"entry.review"`) and a key
/// within it. Documents of one space are listed in key order ([`super::CustomerStore::docs`]).
///
/// Keys are meant to be ids (row ids, pair ids), not personal data; `Debug` prints the space
/// and the key's length only, in case one is not.
///
/// # Examples
/// ```
/// use clientele::store::{Change, CustomerStore, DocKey, MemoryStore};
/// let store = MemoryStore::new();
/// let key = DocKey::new("app.settings", "theme");
/// store.apply(vec![Change::PutDoc { key: key.clone(), value: "\"dark\"".into() }])?;
/// assert_eq!(store.doc(&key)?.as_deref(), Some("\"dark\""));
/// assert_eq!(store.docs("app.settings", None, 10)?.len(), 1);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DocKey {
    /// The namespace.
    pub space: String,
    /// The key within the namespace.
    pub key: String,
}

impl DocKey {
    /// The document `key` of namespace `space`.
    pub fn new(space: impl Into<String>, key: impl Into<String>) -> Self {
        Self {
            space: space.into(),
            key: key.into(),
        }
    }
}

impl fmt::Debug for DocKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DocKey")
            .field("space", &self.space)
            .field("key_len", &self.key.len())
            .finish()
    }
}
