//! Keyed documents: small named values the crate (or a caller) keeps in the store beside the
//! records, such as the importer's external ids, review queue, pair decisions and saved model.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A document held by a store: a text body under a key inside a namespace.
///
/// Stores keep documents as they keep records: written by [`Change::PutDocument`]
/// (and removed by [`Change::DeleteDocument`]) inside the same all-or-nothing batches, read by
/// [`CustomerStore::document`] and [`CustomerStore::scan_documents`] (in key order within a
/// namespace), and listed in the change feed. The store does not read the body; the crate's
/// own namespaces start with `clientele.` and hold JSON.
///
/// `Debug` shows the namespace, the key and the body's length, never the body (it may hold
/// personal values).
///
/// ```
/// use clientele::store::{Change, CustomerStore, Document, MemoryStore};
/// let store = MemoryStore::new();
/// store.apply(vec![Change::PutDocument(Document::new("app.notes", "k1", "{}"))])?;
/// assert_eq!(store.document("app.notes", "k1")?.map(|d| d.body), Some("{}".to_owned()));
/// assert_eq!(store.scan_documents("app.notes", None, 10)?.len(), 1);
/// assert!(store.document("other", "k1")?.is_none());
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// [`Change::PutDocument`]: super::Change::PutDocument
/// [`Change::DeleteDocument`]: super::Change::DeleteDocument
/// [`CustomerStore::document`]: super::CustomerStore::document
/// [`CustomerStore::scan_documents`]: super::CustomerStore::scan_documents
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Document {
    /// The namespace (who owns the document and what kind it is).
    pub namespace: String,
    /// The key, unique within the namespace.
    pub key: String,
    /// The body, opaque to the store.
    pub body: String,
}

impl Document {
    /// A document from its namespace, key and body.
    pub fn new(
        namespace: impl Into<String>,
        key: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            key: key.into(),
            body: body.into(),
        }
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("namespace", &self.namespace)
            .field("key", &self.key)
            .field("body_len", &self.body.len())
            .finish()
    }
}
