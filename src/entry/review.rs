//! The review queue: records held for a person, with their candidates, resolved later as
//! "merge" or "keep apart"; a keep-apart decision is kept so the pair is never proposed again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::import::{Outcome, from_doc, insert_changes, merge_changes};
use crate::dedupe::Match;
use crate::error::{Error, Result};
use crate::merge::Merger;
use crate::model::{Customer, CustomerId};
use crate::store::{Change, CustomerStore, DocKey};

/// The namespace of review items (key: the held record's id).
pub(crate) const REVIEW: &str = "entry.review";
/// The namespace of pair decisions (key: the two ids in order, joined by U+001F).
pub(crate) const DECISION: &str = "entry.decision";

/// One stored candidate of a review item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The stored customer.
    pub id: CustomerId,
    /// The match probability.
    pub probability: f64,
    /// The match weight (log2 odds): the explanation's total.
    pub match_weight: f64,
}

/// A record held for review, with the customers it may duplicate, best first.
///
/// ```
/// use clientele::entry::review_items;
/// use clientele::store::MemoryStore;
/// assert!(review_items(&MemoryStore::new())?.is_empty());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// The held record (not in the store's customers until resolved).
    pub customer: Customer,
    /// Its external id document, written when it is resolved.
    pub external: Option<(String, String)>,
    /// The candidates, best first.
    pub candidates: Vec<Candidate>,
}

impl ReviewItem {
    pub(crate) fn new(customer: Customer, external: Option<(String, String)>, m: &[Match]) -> Self {
        let candidates = m
            .iter()
            .map(|m| Candidate {
                id: m.id.clone(),
                probability: m.probability,
                match_weight: m.match_weight,
            })
            .collect();
        Self {
            customer,
            external,
            candidates,
        }
    }

    pub(crate) fn key(&self) -> DocKey {
        DocKey::new(REVIEW, self.customer.id.as_str())
    }
}

/// The key of a pair decision (order-free).
pub(crate) fn pair_key(a: &CustomerId, b: &CustomerId) -> DocKey {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    DocKey::new(DECISION, format!("{}\u{1f}{}", x.as_str(), y.as_str()))
}

/// Whether `a` and `b` were decided to be kept apart.
///
/// # Errors
/// The store's errors, as [`Error::Storage`].
pub fn decided_apart<S: CustomerStore + ?Sized>(
    store: &S,
    a: &CustomerId,
    b: &CustomerId,
) -> Result<bool> {
    let found = store
        .doc(&pair_key(a, b))
        .map_err(|e| Error::storage("entry: reading a decision", e))?;
    Ok(found.is_some())
}

/// Every item of the review queue, in id order of the held records.
///
/// # Errors
/// The store's errors; an unreadable item.
pub fn review_items<S: CustomerStore + ?Sized>(store: &S) -> Result<Vec<ReviewItem>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .docs(REVIEW, after.as_deref(), 256)
            .map_err(|e| Error::storage("entry: reading the review queue", e))?;
        let Some((last, _)) = page.last() else {
            return Ok(out);
        };
        after = Some(last.key.clone());
        for (_, v) in page {
            out.push(from_doc(&v)?);
        }
    }
}

fn item<S: CustomerStore + ?Sized>(store: &S, held: &CustomerId) -> Result<ReviewItem> {
    let raw = store
        .doc(&DocKey::new(REVIEW, held.as_str()))
        .map_err(|e| Error::storage("entry: reading the review queue", e))?
        .ok_or_else(|| Error::NotFound { id: held.clone() })?;
    from_doc(&raw)
}

/// Resolves an item as "keep apart": the held record is inserted as a new customer and each
/// pair with a candidate is remembered, in one batch.
///
/// # Errors
/// [`Error::NotFound`] when no item holds `held`; the store's refusal or errors.
pub fn keep_apart<S>(store: &S, held: &CustomerId) -> Result<Outcome>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let it = item(store, held)?;
    let mut changes = insert_changes(&it.customer, it.external.as_ref())?;
    for c in &it.candidates {
        changes.push(Change::PutDoc {
            key: pair_key(&it.customer.id, &c.id),
            value: "\"apart\"".into(),
        });
    }
    changes.push(Change::DeleteDoc(it.key()));
    store.apply(changes)?;
    Ok(Outcome::Inserted(it.customer.id))
}

/// Resolves an item as "merge" into `into` (one of its candidates): the held record is
/// inserted and merged in one batch, undoable like any merge.
///
/// # Errors
/// [`Error::NotFound`] when no item holds `held` or `into` is not stored; the store's refusal.
pub fn merge_reviewed<S>(
    store: &S,
    merger: &Merger,
    held: &CustomerId,
    into: &CustomerId,
    at: DateTime<Utc>,
) -> Result<Outcome>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let it = item(store, held)?;
    let (mut changes, outcome) =
        merge_changes(store, merger, &it.customer, into, it.external.as_ref(), at)?;
    changes.push(Change::DeleteDoc(it.key()));
    store.apply(changes)?;
    Ok(outcome)
}
