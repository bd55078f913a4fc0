//! The change feed: what changed since a cursor, in order, to keep other systems in step.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Change, CustomerStore, Document};
use crate::error::Error;
use crate::model::{CustomerId, MergeId, MergeRecord, RecordSnapshot};

/// One entry of a store's change feed ([`CustomerStore::changes_since`]): a customer or merge
/// record that changed, as it is now.
///
/// The feed is **compacted**: each customer id and merge id appears once, at the sequence
/// number of the last batch change that touched it, carrying its current state (or its
/// deletion). A consumer that applies every entry after its cursor, in order, holds what the
/// store holds; one that starts from 0 rebuilds the whole store. Because only the current
/// state is kept, an erased customer's former values are not in the feed either. Deletions
/// stay in the feed as ids, so that consumers learn of them.
///
/// `Debug` masks personal values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedEntry {
    /// The entry's position: strictly increasing along the feed, never reused. Pass the last
    /// one seen to [`CustomerStore::changes_since`] to continue.
    pub seq: u64,
    /// What changed.
    pub item: FeedItem,
}

/// What a [`FeedEntry`] says changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FeedItem {
    /// A customer written (created, replaced, or its activity changed): its record and
    /// activity now.
    Customer(RecordSnapshot),
    /// A customer deleted.
    CustomerDeleted(CustomerId),
    /// A merge record written: the record now.
    Merge(MergeRecord),
    /// A merge record deleted.
    MergeDeleted(MergeId),
    /// A document written: the document now.
    Document(Document),
    /// A document deleted.
    DocumentDeleted {
        /// Its namespace.
        namespace: String,
        /// Its key.
        key: String,
    },
}

/// What a [`FeedItem`] is about, for stores that keep the feed's positions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FeedKey {
    /// A customer (its record and activity).
    Customer(CustomerId),
    /// A merge record.
    Merge(MergeId),
    /// A document: its namespace and key.
    Document(String, String),
}

impl FeedKey {
    /// The feed key a write touches; `None` for the expectations, which write nothing.
    pub fn of(change: &Change) -> Option<Self> {
        Some(match change {
            Change::Put(c) | Change::Insert(c) => Self::Customer(c.id.clone()),
            Change::Delete(id) => Self::Customer(id.clone()),
            Change::AddTransaction(t) => Self::Customer(t.customer.clone()),
            Change::AddInteraction(i) => Self::Customer(i.customer.clone()),
            Change::SetActivity { customer, .. } => Self::Customer(customer.clone()),
            Change::InsertMergeRecord(r) | Change::PutMergeRecord(r) => Self::Merge(r.id.clone()),
            Change::DeleteMergeRecord(id) => Self::Merge(id.clone()),
            Change::PutDocument(d) => Self::Document(d.namespace.clone(), d.key.clone()),
            Change::DeleteDocument { namespace, key } => {
                Self::Document(namespace.clone(), key.clone())
            }
            Change::Expect { .. } | Change::ExpectMerge { .. } => return None,
        })
    }
}

/// Applies feed entries to a store as one all-or-nothing batch, so that it holds what the
/// source held at the last entry; returns the last entry's `seq` (the cursor to continue from),
/// or `None` for no entries.
///
/// A customer entry becomes a `Put` and a `SetActivity`, a merge entry a `PutMergeRecord`, a
/// deletion a `Delete` (or `DeleteMergeRecord`) when the target holds the id.
///
/// ```
/// use clientele::store::{conformance::snapshot, replay, CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let source = MemoryStore::new();
/// for id in ["A", "B"] {
///     source.put(Customer::builder(CustomerId::new(id)?, CustomerKind::Person).build())?;
/// }
/// source.delete(&CustomerId::new("A")?)?;
/// let copy = MemoryStore::new();
/// let cursor = replay(&copy, &source.changes_since(0, 100)?)?;
/// assert_eq!(snapshot(&copy)?, snapshot(&source)?);
/// assert!(source.changes_since(cursor.unwrap(), 100)?.is_empty());
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// The target's own errors (its refusal of the batch included); the target is then unchanged.
pub fn replay<T>(target: &T, entries: &[FeedEntry]) -> Result<Option<u64>, T::Error>
where
    T: CustomerStore + ?Sized,
{
    // Whether each id is held once the batch so far is applied (entries may repeat an id when
    // pages are concatenated).
    let mut held: HashMap<FeedKey, bool> = HashMap::new();
    let mut changes = Vec::with_capacity(entries.len() * 2);
    for e in entries {
        match &e.item {
            FeedItem::Customer(s) => {
                held.insert(FeedKey::Customer(s.customer.id.clone()), true);
                changes.push(Change::Put(s.customer.clone()));
                changes.push(Change::SetActivity {
                    customer: s.customer.id.clone(),
                    activity: s.activity.clone(),
                });
            }
            FeedItem::CustomerDeleted(id) => {
                let key = FeedKey::Customer(id.clone());
                let present = match held.get(&key) {
                    Some(p) => *p,
                    None => target.get(id)?.is_some(),
                };
                if present {
                    changes.push(Change::Delete(id.clone()));
                }
                held.insert(key, false);
            }
            FeedItem::Merge(r) => {
                held.insert(FeedKey::Merge(r.id.clone()), true);
                changes.push(Change::PutMergeRecord(r.clone()));
            }
            FeedItem::MergeDeleted(id) => {
                let key = FeedKey::Merge(id.clone());
                let present = match held.get(&key) {
                    Some(p) => *p,
                    None => target.merge_record(id)?.is_some(),
                };
                if present {
                    changes.push(Change::DeleteMergeRecord(id.clone()));
                }
                held.insert(key, false);
            }
            FeedItem::Document(d) => {
                held.insert(FeedKey::Document(d.namespace.clone(), d.key.clone()), true);
                changes.push(Change::PutDocument(d.clone()));
            }
            FeedItem::DocumentDeleted { namespace, key } => {
                let fk = FeedKey::Document(namespace.clone(), key.clone());
                let present = match held.get(&fk) {
                    Some(p) => *p,
                    None => target.document(namespace, key)?.is_some(),
                };
                if present {
                    changes.push(Change::DeleteDocument {
                        namespace: namespace.clone(),
                        key: key.clone(),
                    });
                }
                held.insert(fk, false);
            }
        }
    }
    if !changes.is_empty() {
        target.apply(changes)?;
    }
    Ok(entries.last().map(|e| e.seq))
}

/// Brings `target` up to date with `source`'s feed from `after` (0 for everything), a page of
/// `page` entries (at least 1) per batch; returns the cursor to continue from next time.
///
/// ```
/// use clientele::store::{conformance::snapshot, sync, CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let (source, copy) = (MemoryStore::new(), MemoryStore::new());
/// source.put(Customer::builder(CustomerId::new("A")?, CustomerKind::Person).build())?;
/// let cursor = sync(&source, &copy, 0, 100)?;
/// source.put(Customer::builder(CustomerId::new("B")?, CustomerKind::Person).build())?;
/// sync(&source, &copy, cursor, 100)?;
/// assert_eq!(snapshot(&copy)?, snapshot(&source)?);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// Either store's errors; pages applied before the error stay applied (each page is one
/// batch), so calling again from the returned cursor of the last success resumes.
pub fn sync<S, T>(source: &S, target: &T, after: u64, page: usize) -> Result<u64, Error>
where
    S: CustomerStore + ?Sized,
    T: CustomerStore + ?Sized,
    Error: From<S::Error> + From<T::Error>,
{
    let mut cursor = after;
    loop {
        let entries = source.changes_since(cursor, page.max(1))?;
        match replay(target, &entries)? {
            Some(last) => cursor = last,
            None => return Ok(cursor),
        }
    }
}
