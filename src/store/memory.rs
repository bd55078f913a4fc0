//! The in-memory reference store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use super::{Change, ContactKeys, CustomerStore, KeyIndexer, SecondaryKey};
use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};

/// The reference [`CustomerStore`]: records in a B-tree by id, activity beside them, and a
/// secondary-key index kept consistent with every write.
///
/// Writes cost O(k log n) for k keys per record; a failed batch is rolled back from an undo log,
/// so its cost is proportional to what it had done. Reads are lock-free (`&self`), so a store
/// behind an `Arc` serves matching threads in parallel.
///
/// # Examples
/// ```
/// use clientele::store::{Change, CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let mut store = MemoryStore::new();
/// let a = Customer::builder(CustomerId::new("A")?, CustomerKind::Person).build();
/// store.insert(a.clone())?;
/// // Inserting "A" again is refused, so the whole batch is: "B" is not kept either.
/// let b = Customer::builder(CustomerId::new("B")?, CustomerKind::Person).build();
/// assert!(store.apply(vec![Change::Insert(b.clone()), Change::Insert(a)]).is_err());
/// assert_eq!(store.get(&b.id)?, None);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone)]
pub struct MemoryStore {
    customers: BTreeMap<CustomerId, Customer>,
    activity: HashMap<CustomerId, Activity>,
    index: HashMap<SecondaryKey, BTreeSet<CustomerId>>,
    indexer: Arc<dyn KeyIndexer>,
    merges: BTreeMap<MergeId, MergeRecord>,
    merge_index: HashMap<CustomerId, BTreeSet<MergeId>>,
}

/// What rolls back one applied change.
enum Undo {
    Merge(MergeId, Option<Box<MergeRecord>>),
    Customer(CustomerId, Option<Box<Customer>>),
    Activity(CustomerId, Option<Activity>),
    PopTransaction(CustomerId),
    PopInteraction(CustomerId),
}

impl MemoryStore {
    /// An empty store indexing contact keys ([`ContactKeys`]).
    pub fn new() -> Self {
        Self::with_indexer(Arc::new(ContactKeys))
    }

    /// An empty store indexing the keys of the given indexer.
    ///
    /// ```
    /// use clientele::store::{ContactKeys, MemoryStore};
    /// use std::sync::Arc;
    /// let store = MemoryStore::with_indexer(Arc::new(ContactKeys));
    /// # let _ = store;
    /// ```
    pub fn with_indexer(indexer: Arc<dyn KeyIndexer>) -> Self {
        Self {
            customers: BTreeMap::new(),
            activity: HashMap::new(),
            index: HashMap::new(),
            indexer,
            merges: BTreeMap::new(),
            merge_index: HashMap::new(),
        }
    }

    /// The number of distinct secondary keys in the index.
    pub fn key_count(&self) -> usize {
        self.index.len()
    }

    /// Sets or removes a record, keeping the index consistent; returns the previous record.
    fn set_customer(&mut self, id: &CustomerId, new: Option<Customer>) -> Option<Customer> {
        let old = match new {
            Some(c) => {
                for key in self.indexer.keys_of(&c) {
                    self.index.entry(key).or_default().insert(id.clone());
                }
                self.customers.insert(id.clone(), c)
            }
            None => self.customers.remove(id),
        };
        if let Some(old) = &old {
            let still: BTreeSet<SecondaryKey> = self
                .customers
                .get(id)
                .map(|c| self.indexer.keys_of(c).into_iter().collect())
                .unwrap_or_default();
            for key in self.indexer.keys_of(old) {
                if still.contains(&key) {
                    continue;
                }
                if let Some(ids) = self.index.get_mut(&key) {
                    ids.remove(id);
                    if ids.is_empty() {
                        self.index.remove(&key);
                    }
                }
            }
        }
        old
    }

    /// Sets or removes a merge record, keeping the merge index consistent; returns the previous
    /// record.
    fn set_merge(&mut self, id: &MergeId, new: Option<MergeRecord>) -> Option<MergeRecord> {
        let old = match new {
            Some(r) => {
                for c in r.customers() {
                    self.merge_index
                        .entry(c.clone())
                        .or_default()
                        .insert(id.clone());
                }
                self.merges.insert(id.clone(), r)
            }
            None => self.merges.remove(id),
        };
        if let Some(old) = &old {
            let still: BTreeSet<CustomerId> = self
                .merges
                .get(id)
                .map(|r| r.customers().cloned().collect())
                .unwrap_or_default();
            for c in old.customers() {
                if still.contains(c) {
                    continue;
                }
                if let Some(ids) = self.merge_index.get_mut(c) {
                    ids.remove(id);
                    if ids.is_empty() {
                        self.merge_index.remove(c);
                    }
                }
            }
        }
        old
    }

    fn require(&self, id: &CustomerId) -> Result<(), Error> {
        if self.customers.contains_key(id) {
            Ok(())
        } else {
            Err(Error::NotFound { id: id.clone() })
        }
    }

    fn apply_one(&mut self, change: Change, undo: &mut Vec<Undo>) -> Result<(), Error> {
        match change {
            Change::Put(c) => {
                let id = c.id.clone();
                let old = self.set_customer(&id, Some(c));
                undo.push(Undo::Customer(id, old.map(Box::new)));
            }
            Change::Insert(c) => {
                if self.customers.contains_key(&c.id) {
                    return Err(Error::AlreadyExists { id: c.id });
                }
                let id = c.id.clone();
                let old = self.set_customer(&id, Some(c));
                undo.push(Undo::Customer(id, old.map(Box::new)));
            }
            Change::Delete(id) => {
                self.require(&id)?;
                let old = self.set_customer(&id, None);
                undo.push(Undo::Customer(id.clone(), old.map(Box::new)));
                let old_activity = self.activity.remove(&id);
                undo.push(Undo::Activity(id, old_activity));
            }
            Change::AddTransaction(t) => {
                self.require(&t.customer)?;
                let id = t.customer.clone();
                self.activity
                    .entry(id.clone())
                    .or_default()
                    .transactions
                    .push(t);
                undo.push(Undo::PopTransaction(id));
            }
            Change::AddInteraction(i) => {
                self.require(&i.customer)?;
                let id = i.customer.clone();
                self.activity
                    .entry(id.clone())
                    .or_default()
                    .interactions
                    .push(i);
                undo.push(Undo::PopInteraction(id));
            }
            Change::SetActivity { customer, activity } => {
                self.require(&customer)?;
                let foreign = activity.transactions.iter().any(|t| t.customer != customer)
                    || activity.interactions.iter().any(|i| i.customer != customer);
                if foreign {
                    return Err(Error::InvalidValue {
                        field: "activity".to_owned(),
                        reason: format!("an item names a customer other than `{customer}`"),
                        masked: String::new(),
                    });
                }
                let old = if activity.is_empty() {
                    self.activity.remove(&customer)
                } else {
                    self.activity.insert(customer.clone(), activity)
                };
                undo.push(Undo::Activity(customer, old));
            }
            Change::InsertMergeRecord(r) => {
                if self.merges.contains_key(&r.id) {
                    return Err(Error::InvalidValue {
                        field: "merge_record".to_owned(),
                        reason: format!("merge `{}` already exists", r.id),
                        masked: String::new(),
                    });
                }
                let id = r.id.clone();
                let old = self.set_merge(&id, Some(r));
                undo.push(Undo::Merge(id, old.map(Box::new)));
            }
            Change::PutMergeRecord(r) => {
                let id = r.id.clone();
                let old = self.set_merge(&id, Some(r));
                undo.push(Undo::Merge(id, old.map(Box::new)));
            }
            Change::DeleteMergeRecord(id) => {
                if !self.merges.contains_key(&id) {
                    return Err(Error::MergeNotFound {
                        merge: id.to_string(),
                    });
                }
                let old = self.set_merge(&id, None);
                undo.push(Undo::Merge(id, old.map(Box::new)));
            }
        }
        Ok(())
    }

    fn rollback(&mut self, undo: Vec<Undo>) {
        for step in undo.into_iter().rev() {
            match step {
                Undo::Merge(id, old) => {
                    self.set_merge(&id, old.map(|r| *r));
                }
                Undo::Customer(id, old) => {
                    self.set_customer(&id, old.map(|c| *c));
                }
                Undo::Activity(id, Some(old)) => {
                    self.activity.insert(id, old);
                }
                Undo::Activity(id, None) => {
                    self.activity.remove(&id);
                }
                Undo::PopTransaction(id) => {
                    if let Some(a) = self.activity.get_mut(&id) {
                        a.transactions.pop();
                        if a.is_empty() {
                            self.activity.remove(&id);
                        }
                    }
                }
                Undo::PopInteraction(id) => {
                    if let Some(a) = self.activity.get_mut(&id) {
                        a.interactions.pop();
                        if a.is_empty() {
                            self.activity.remove(&id);
                        }
                    }
                }
            }
        }
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("customers", &self.customers.len())
            .field("with_activity", &self.activity.len())
            .field("keys", &self.index.len())
            .field("merges", &self.merges.len())
            .field("indexer", &self.indexer)
            .finish()
    }
}

impl CustomerStore for MemoryStore {
    type Error = Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>, Error> {
        Ok(self.customers.get(id).cloned())
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>, Error> {
        use std::ops::Bound;
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(self
            .customers
            .range::<CustomerId, _>((lower, Bound::Unbounded))
            .take(limit)
            .map(|(_, c)| c.clone())
            .collect())
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, Error> {
        Ok(self
            .index
            .get(key)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default())
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity, Error> {
        Ok(self.activity.get(id).cloned().unwrap_or_default())
    }

    fn apply(&mut self, changes: Vec<Change>) -> Result<(), Error> {
        let mut undo = Vec::with_capacity(changes.len());
        for (index, change) in changes.into_iter().enumerate() {
            if let Err(source) = self.apply_one(change, &mut undo) {
                self.rollback(undo);
                return Err(Error::BatchRefused {
                    index,
                    source: Box::new(source),
                });
            }
        }
        Ok(())
    }

    fn len(&self) -> Result<usize, Error> {
        Ok(self.customers.len())
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        self.indexer.as_ref()
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, Error> {
        Ok(self.merges.get(id).cloned())
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, Error> {
        Ok(self
            .merge_index
            .get(customer)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| self.merges.get(id).cloned())
                    .collect()
            })
            .unwrap_or_default())
    }

    fn scan_merges(
        &self,
        after: Option<&MergeId>,
        limit: usize,
    ) -> Result<Vec<MergeRecord>, Error> {
        use std::ops::Bound;
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        Ok(self
            .merges
            .range::<MergeId, _>((lower, Bound::Unbounded))
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect())
    }
}
