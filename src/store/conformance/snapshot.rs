//! Whole-store snapshots, read through the trait, for comparing stores.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};
use crate::store::{CustomerStore, Document, SecondaryKey, batches};

/// Everything a store holds, read through the trait: records, activity, the index entries of
/// every key the records derive, and merge records with their index. Two equal snapshots mean
/// two stores that no caller can tell apart through the trait (stale index entries aside, which
/// [`super::run`] checks separately).
///
/// ```
/// use clientele::store::{conformance::snapshot, CustomerStore, MemoryStore};
/// let store = MemoryStore::new();
/// assert!(snapshot(&store)?.customers.is_empty());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every record, in id order.
    pub customers: Vec<Customer>,
    /// Every non-empty activity, by customer.
    pub activity: BTreeMap<CustomerId, Activity>,
    /// For every key derived from a held record, the ids the store returns.
    pub index: BTreeMap<SecondaryKey, Vec<CustomerId>>,
    /// Every merge record, by id.
    pub merges: BTreeMap<MergeId, MergeRecord>,
    /// For every customer id a merge record names (and every held record), the merge ids
    /// [`CustomerStore::merges_of`] returns, when there are any.
    pub merge_index: BTreeMap<CustomerId, Vec<MergeId>>,
    /// Every document, by namespace and key.
    #[serde(default)]
    pub documents: BTreeMap<(String, String), Document>,
}

/// Reads a [`Snapshot`] of a store.
///
/// # Errors
/// The store's own errors.
pub fn snapshot<S: CustomerStore + ?Sized>(store: &S) -> Result<Snapshot, S::Error> {
    let mut snap = Snapshot::default();
    for batch in batches(store, 512) {
        for c in batch? {
            let activity = store.activity(&c.id)?;
            if !activity.is_empty() {
                snap.activity.insert(c.id.clone(), activity);
            }
            for key in store.indexer().keys_of(&c) {
                if let std::collections::btree_map::Entry::Vacant(slot) = snap.index.entry(key) {
                    let ids = store.lookup(slot.key())?;
                    slot.insert(ids);
                }
            }
            snap.customers.push(c);
        }
    }
    let mut after: Option<MergeId> = None;
    loop {
        let batch = store.scan_merges(after.as_ref(), 512)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        for r in batch {
            snap.merges.insert(r.id.clone(), r);
        }
    }
    let named: BTreeSet<CustomerId> = snap
        .merges
        .values()
        .flat_map(|r| r.customers().cloned())
        .chain(snap.customers.iter().map(|c| c.id.clone()))
        .collect();
    for id in named {
        let ids: Vec<MergeId> = store.merges_of(&id)?.into_iter().map(|r| r.id).collect();
        if !ids.is_empty() {
            snap.merge_index.insert(id, ids);
        }
    }
    for ns in &store.document_namespaces()? {
        let mut after: Option<String> = None;
        loop {
            let batch = store.scan_documents(ns, after.as_deref(), 512)?;
            let Some(last) = batch.last() else { break };
            after = Some(last.key.clone());
            for d in batch {
                snap.documents
                    .insert((d.namespace.clone(), d.key.clone()), d);
            }
        }
    }
    Ok(snap)
}

impl Snapshot {
    /// The snapshot without its index: what two stores with different indexers can share.
    pub fn data(&self) -> Snapshot {
        Snapshot {
            index: BTreeMap::new(),
            ..self.clone()
        }
    }
}
