//! The importer's documents in the store: names, keys and JSON bodies.

use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::{Error, Result};
use crate::model::CustomerId;
use crate::store::{Change, CustomerStore, Document, Fingerprint};

pub(super) const EXTERNAL: &str = "clientele.entry.external";
pub(super) const REVIEW: &str = "clientele.entry.review";
pub(super) const PAIR: &str = "clientele.entry.pair";
pub(super) const MODEL: &str = "clientele.entry.model";

/// Separates the parts of a key (a control character: in no source name or id).
const SEP: char = '\u{1f}';

/// The key of a row: its source system and row id.
pub(super) fn row_key(source: &str, row_id: &str) -> String {
    format!("{source}{SEP}{row_id}")
}

/// The key of a pair of customers, in either order.
pub(super) fn pair_key(a: &CustomerId, b: &CustomerId) -> String {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    format!("{x}{SEP}{y}")
}

/// What an external id points at: the customer a row became and what the row held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct External {
    pub(super) customer: CustomerId,
    pub(super) fingerprint: Fingerprint,
}

pub(super) fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| {
        Error::storage_message(format!(
            "entry: a document could not be written ({:?})",
            e.classify()
        ))
    })
}

/// Reads a document's body; serde_json's messages can quote the input, so only its category
/// and position are kept.
pub(super) fn from_json<T: DeserializeOwned>(d: &Document) -> Result<T> {
    serde_json::from_str(&d.body).map_err(|e| {
        Error::storage_message(format!(
            "entry: document `{}` of `{}` is unreadable ({:?} at line {}, column {})",
            d.key.replace(SEP, "/"),
            d.namespace,
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

pub(super) fn put<T: Serialize>(namespace: &str, key: String, v: &T) -> Result<Change> {
    Ok(Change::PutDocument(Document::new(
        namespace,
        key,
        to_json(v)?,
    )))
}

pub(super) fn get<S, T>(store: &S, namespace: &str, key: &str) -> Result<Option<T>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
    T: DeserializeOwned,
{
    store
        .document(namespace, key)?
        .map(|d| from_json(&d))
        .transpose()
}

/// Every document of a namespace, parsed, in key order.
pub(super) fn all<S, T>(store: &S, namespace: &str) -> Result<Vec<T>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
    T: DeserializeOwned,
{
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = store.scan_documents(namespace, after.as_deref(), 256)?;
        let Some(last) = batch.last() else {
            return Ok(out);
        };
        after = Some(last.key.clone());
        for d in &batch {
            out.push(from_json(d)?);
        }
    }
}

/// Whether the pair was kept apart.
pub(super) fn kept_apart<S>(store: &S, a: &CustomerId, b: &CustomerId) -> Result<bool>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    Ok(store.document(PAIR, &pair_key(a, b))?.is_some())
}

/// The customer a record became, following merges to their survivor (at most 64 steps).
pub(super) fn current<S>(store: &S, id: &CustomerId) -> Result<Option<CustomerId>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut id = id.clone();
    for _ in 0..64 {
        if store.get(&id)?.is_some() {
            return Ok(Some(id));
        }
        let next = store
            .merges_of(&id)?
            .into_iter()
            .find(|m| m.absorbed.contains(&id))
            .map(|m| m.survivor);
        match next {
            Some(n) => id = n,
            None => return Ok(None),
        }
    }
    Ok(None)
}
