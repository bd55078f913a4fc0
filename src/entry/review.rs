//! The review queue: rows held with their candidates, resolved later as merge or keep apart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::docs::{self, EXTERNAL, External, PAIR, REVIEW};
use super::import::snapshot_of;
use super::policy::Outcome;
use crate::dedupe::Explanation;
use crate::error::{Error, Result};
use crate::merge::{MergePlan, Merger};
use crate::model::{Customer, CustomerId, RecordSnapshot};
use crate::store::{Change, CustomerStore, Fingerprint};

/// A stored customer proposed as a duplicate of a held row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The stored customer.
    pub id: CustomerId,
    /// The match probability.
    pub probability: f64,
    /// The match weight.
    pub match_weight: f64,
    /// Why the pair scored what it did (when the model could explain it).
    pub explanation: Option<Explanation>,
}

/// A row held for review: the record (normalized, not yet in the store) and its candidates.
/// `Debug` masks the record's personal values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// The row's source system.
    pub source: String,
    /// The row's id in it.
    pub row_id: String,
    /// Its line in the file it came in.
    pub line: u64,
    /// A fingerprint of the record (a re-import of the same row leaves the item alone).
    pub fingerprint: Fingerprint,
    /// The record held.
    pub record: Customer,
    /// The candidates, best first.
    pub candidates: Vec<Candidate>,
}

/// Every item of the review queue, by source and row id.
///
/// ```
/// use clientele::entry::{Importer, Incoming, OnMatch, Outcome, Policy, is_kept_apart, keep_apart, merge_held, review_queue};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let person = |id: &str, i: usize| Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
///     .full_name(format!("Ann {i}")).phone(format!("+86 138 0013 {i:04}")).build();
/// let importer = Importer::new("crm").policy(Policy::default().on_match(OnMatch::Review));
/// let store = MemoryStore::with_indexers(importer.indexers());
/// let rows = (0..40).map(|i| Incoming::new(i as u64 + 2, person(&format!("C{i}"), i))).collect();
/// importer.import(&store, rows, chrono::Utc::now())?;
/// let twins = vec![Incoming::new(2, person("X3", 3)), Incoming::new(3, person("X5", 5))];
/// importer.import(&store, twins, chrono::Utc::now())?;
/// assert_eq!(review_queue(&store)?.len(), 2);
/// keep_apart(&store, "crm", "X3", chrono::Utc::now())?;
/// assert!(is_kept_apart(&store, &CustomerId::new("C3")?, &CustomerId::new("X3")?)?);
/// let merged = merge_held(&store, importer.merger_ref(), "crm", "X5", chrono::Utc::now())?;
/// assert!(matches!(merged, Outcome::Merged { .. }));
/// assert!(review_queue(&store)?.is_empty());
/// assert_eq!(store.len()?, 41);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// The store's errors; an unreadable item.
pub fn review_queue<S>(store: &S) -> Result<Vec<ReviewItem>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    docs::all(store, REVIEW)
}

fn held<S>(store: &S, source: &str, row_id: &str) -> Result<(String, ReviewItem)>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let key = docs::row_key(source, row_id);
    match docs::get::<_, ReviewItem>(store, REVIEW, &key)? {
        Some(item) => Ok((key, item)),
        None => Err(Error::InvalidValue {
            field: "review".into(),
            reason: format!("no held row `{row_id}` of source `{source}`"),
            masked: String::new(),
        }),
    }
}

/// The batch that inserts a record and merges it with stored customers (their current
/// survivors), and the plan; a record with no candidate left is only inserted.
pub(super) fn merge_changes<S>(
    merger: &Merger,
    store: &S,
    customer: Customer,
    ids: &[CustomerId],
    at: DateTime<Utc>,
) -> Result<(MergePlan, Vec<Change>)>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut current: Vec<CustomerId> = Vec::new();
    for id in ids {
        if let Some(c) = docs::current(store, id)?
            && !current.contains(&c)
            && c != customer.id
        {
            current.push(c);
        }
    }
    let records = store.get_many(&current)?;
    let activity = store.activity_many(&current)?;
    let mut inputs: Vec<RecordSnapshot> = records
        .into_iter()
        .zip(activity)
        .filter_map(|(c, activity)| c.map(|customer| RecordSnapshot { customer, activity }))
        .collect();
    inputs.push(snapshot_of(customer.clone()));
    let plan = merger.plan_records(inputs, at)?;
    let mut changes = vec![Change::Insert(customer)];
    changes.extend(plan.changes());
    Ok((plan, changes))
}

/// Resolves a held row as a merge: inserts its record and merges it with its candidates (as
/// they are now), in one batch with its external id; the item leaves the queue. With no
/// candidate left, the record is inserted.
///
/// See [`review_queue`] for an example.
///
/// # Errors
/// [`Error::InvalidValue`] for a row not held; the merger's and the store's errors (the store
/// is then unchanged).
pub fn merge_held<S>(
    store: &S,
    merger: &Merger,
    source: &str,
    row_id: &str,
    at: DateTime<Utc>,
) -> Result<Outcome>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let (key, item) = held(store, source, row_id)?;
    let ids: Vec<CustomerId> = item.candidates.iter().map(|c| c.id.clone()).collect();
    let best = item.candidates.first().map_or(0.0, |c| c.probability);
    let mut external = External {
        customer: item.record.id.clone(),
        fingerprint: item.fingerprint,
    };
    let (outcome, mut changes) = match merge_changes(merger, store, item.record.clone(), &ids, at) {
        Ok((plan, changes)) => {
            external.customer = plan.survivor.clone();
            (
                Outcome::Merged {
                    customer: plan.survivor.clone(),
                    merge: plan.id.clone(),
                    probability: best,
                },
                changes,
            )
        }
        Err(Error::InvalidCluster { .. }) => (
            Outcome::Inserted {
                customer: item.record.id.clone(),
            },
            vec![Change::Insert(item.record.clone())],
        ),
        Err(e) => return Err(e),
    };
    changes.push(docs::put(EXTERNAL, key.clone(), &external)?);
    changes.push(Change::DeleteDocument {
        namespace: REVIEW.into(),
        key,
    });
    store.apply(changes)?;
    Ok(outcome)
}

/// Resolves a held row as "keep apart": inserts its record as a new customer and remembers
/// that it is not a duplicate of any of its candidates, so those pairs are never proposed
/// again; the item leaves the queue.
///
/// See [`review_queue`] for an example.
///
/// # Errors
/// [`Error::InvalidValue`] for a row not held; the store's errors (the store is then
/// unchanged).
pub fn keep_apart<S>(store: &S, source: &str, row_id: &str, at: DateTime<Utc>) -> Result<Outcome>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let (key, item) = held(store, source, row_id)?;
    let id = item.record.id.clone();
    let mut changes = vec![Change::Insert(item.record.clone())];
    for c in &item.candidates {
        changes.push(docs::put(PAIR, docs::pair_key(&id, &c.id), &at)?);
    }
    changes.push(docs::put(
        EXTERNAL,
        key.clone(),
        &External {
            customer: id.clone(),
            fingerprint: item.fingerprint,
        },
    )?);
    changes.push(Change::DeleteDocument {
        namespace: REVIEW.into(),
        key,
    });
    store.apply(changes)?;
    Ok(Outcome::Inserted { customer: id })
}

/// Whether the pair was kept apart by [`keep_apart`] (in either order): the importer never
/// proposes it again.
///
/// See [`review_queue`] for an example.
///
/// # Errors
/// The store's errors.
pub fn is_kept_apart<S>(store: &S, a: &CustomerId, b: &CustomerId) -> Result<bool>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    docs::kept_apart(store, a, b)
}
