//! The in-memory reference store.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::{
    Change, CustomerStore, Document, FeedEntry, FeedItem, FeedKey, KeyIndexer, KeyIndexers,
    SecondaryKey, refuse,
};
use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord, RecordSnapshot};

/// The reference [`CustomerStore`]: records in a B-tree by id, activity beside them, a
/// secondary-key index kept consistent with every write, and the change feed.
///
/// Shared by reference across threads: reads take a read lock, a batch takes the write lock for
/// its whole length, so a reader sees a batch whole or not at all, and readers run in parallel
/// between batches. Writes cost O(k log n) for k keys per record; a failed batch is rolled back
/// from an undo log, so its cost is proportional to what it had done.
///
/// # Examples
/// ```
/// use clientele::store::{Change, CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let store = MemoryStore::new();
/// let a = Customer::builder(CustomerId::new("A")?, CustomerKind::Person).build();
/// store.insert(a.clone())?;
/// // Inserting "A" again is refused, so the whole batch is: "B" is not kept either.
/// let b = Customer::builder(CustomerId::new("B")?, CustomerKind::Person).build();
/// assert!(store.apply(vec![Change::Insert(b.clone()), Change::Insert(a)]).is_err());
/// assert_eq!(store.get(&b.id)?, None);
/// # Ok::<(), clientele::Error>(())
/// ```
pub struct MemoryStore {
    inner: RwLock<Inner>,
    indexer: KeyIndexers,
}

/// What the lock guards.
#[derive(Clone, Default)]
struct Inner {
    /// Records by id, hashed: a point read is one probe, not a walk down a tree of string
    /// comparisons (the reads of `match_one`'s candidates); their ids in order, for scans.
    customers: HashMap<CustomerId, Customer>,
    order: BTreeSet<CustomerId>,
    activity: HashMap<CustomerId, Activity>,
    index: HashMap<SecondaryKey, BTreeSet<CustomerId>>,
    merges: BTreeMap<MergeId, MergeRecord>,
    merge_index: HashMap<CustomerId, BTreeSet<MergeId>>,
    /// Documents by namespace and key.
    documents: BTreeMap<(String, String), Document>,
    /// The change feed: the key at each sequence number, and each key's number.
    feed: BTreeMap<u64, FeedKey>,
    feed_seq: HashMap<FeedKey, u64>,
    last_seq: u64,
}

/// What rolls back one applied change.
enum Undo {
    Merge(MergeId, Option<Box<MergeRecord>>),
    Customer(CustomerId, Option<Box<Customer>>),
    Activity(CustomerId, Option<Activity>),
    PopTransaction(CustomerId),
    PopInteraction(CustomerId),
    Document((String, String), Option<Document>),
}

impl MemoryStore {
    /// An empty store indexing contact keys ([`super::ContactKeys`]).
    pub fn new() -> Self {
        Self::with_indexers(KeyIndexers::contact())
    }

    /// An empty store indexing the keys of the given indexer (alone).
    ///
    /// ```
    /// use clientele::store::{ContactKeys, MemoryStore};
    /// use std::sync::Arc;
    /// let store = MemoryStore::with_indexer(Arc::new(ContactKeys));
    /// # let _ = store;
    /// ```
    pub fn with_indexer(indexer: Arc<dyn KeyIndexer>) -> Self {
        Self::with_indexers(KeyIndexers::one(indexer))
    }

    /// An empty store indexing the keys of every indexer of the list.
    ///
    /// ```
    /// use clientele::dedupe::Deduplicator;
    /// use clientele::store::{KeyIndexers, MemoryStore};
    /// let store = MemoryStore::with_indexers(KeyIndexers::contact().and(Deduplicator::new().indexer()));
    /// # let _ = store;
    /// ```
    pub fn with_indexers(indexers: KeyIndexers) -> Self {
        Self {
            inner: RwLock::new(Inner::default()),
            indexer: indexers,
        }
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, Inner>, Error> {
        self.inner.read().map_err(|_| poisoned())
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, Inner>, Error> {
        self.inner.write().map_err(|_| poisoned())
    }

    /// The number of distinct secondary keys in the index.
    ///
    /// # Errors
    /// Only when a writer panicked inside a batch (the lock is poisoned).
    pub fn key_count(&self) -> Result<usize, Error> {
        Ok(self.read()?.index.len())
    }
}

fn poisoned() -> Error {
    Error::storage_message("memory store unusable: a batch panicked while holding its lock")
}

impl Inner {
    /// Sets or removes a record, keeping the index consistent; returns the previous record.
    fn set_customer(
        &mut self,
        indexer: &dyn KeyIndexer,
        id: &CustomerId,
        new: Option<Customer>,
    ) -> Option<Customer> {
        let old = match new {
            Some(c) => {
                for key in indexer.keys_of(&c) {
                    self.index.entry(key).or_default().insert(id.clone());
                }
                let old = self.customers.insert(id.clone(), c);
                if old.is_none() {
                    self.order.insert(id.clone());
                }
                old
            }
            None => {
                let old = self.customers.remove(id);
                if old.is_some() {
                    self.order.remove(id);
                }
                old
            }
        };
        if let Some(old) = &old {
            let still: BTreeSet<SecondaryKey> = self
                .customers
                .get(id)
                .map(|c| indexer.keys_of(c).into_iter().collect())
                .unwrap_or_default();
            for key in indexer.keys_of(old) {
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

    fn lookup(&self, key: &SecondaryKey) -> Vec<CustomerId> {
        self.index
            .get(key)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn require(&self, id: &CustomerId) -> Result<(), Error> {
        if self.customers.contains_key(id) {
            Ok(())
        } else {
            Err(Error::NotFound { id: id.clone() })
        }
    }

    fn apply_one(
        &mut self,
        indexer: &dyn KeyIndexer,
        change: Change,
        undo: &mut Vec<Undo>,
    ) -> Result<(), Error> {
        match change {
            Change::Put(c) => {
                let id = c.id.clone();
                let old = self.set_customer(indexer, &id, Some(c));
                undo.push(Undo::Customer(id, old.map(Box::new)));
            }
            Change::Insert(c) => {
                if self.customers.contains_key(&c.id) {
                    return Err(Error::AlreadyExists { id: c.id });
                }
                let id = c.id.clone();
                let old = self.set_customer(indexer, &id, Some(c));
                undo.push(Undo::Customer(id, old.map(Box::new)));
            }
            Change::Delete(id) => {
                self.require(&id)?;
                let old = self.set_customer(indexer, &id, None);
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
                refuse::foreign_activity(&customer, &activity)?;
                let old = if activity.is_empty() {
                    self.activity.remove(&customer)
                } else {
                    self.activity.insert(customer.clone(), activity)
                };
                undo.push(Undo::Activity(customer, old));
            }
            Change::InsertMergeRecord(r) => {
                if self.merges.contains_key(&r.id) {
                    return Err(refuse::merge_exists(&r.id));
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
                    return Err(refuse::merge_absent(&id));
                }
                let old = self.set_merge(&id, None);
                undo.push(Undo::Merge(id, old.map(Box::new)));
            }
            Change::PutDocument(d) => {
                let k = (d.namespace.clone(), d.key.clone());
                let old = self.documents.insert(k.clone(), d);
                undo.push(Undo::Document(k, old));
            }
            Change::DeleteDocument { namespace, key } => {
                let k = (namespace, key);
                let Some(old) = self.documents.remove(&k) else {
                    return Err(refuse::document_absent(&k.0, &k.1));
                };
                undo.push(Undo::Document(k, Some(old)));
            }
            Change::Expect { customer, expected } => {
                let now = self.customers.get(&customer);
                let activity = self.activity.get(&customer);
                refuse::expect_customer(&customer, &expected, now, activity)?;
            }
            Change::ExpectMerge { merge, expected } => {
                refuse::expect_merge(&merge, expected, self.merges.get(&merge))?;
            }
        }
        Ok(())
    }

    /// Moves each key a batch wrote to the end of the feed, in the order of its last write.
    fn advance_feed(&mut self, touched: Vec<FeedKey>) {
        for key in touched {
            if let Some(old) = self.feed_seq.remove(&key) {
                self.feed.remove(&old);
            }
            self.last_seq += 1;
            self.feed.insert(self.last_seq, key.clone());
            self.feed_seq.insert(key, self.last_seq);
        }
    }

    fn feed_item(&self, key: &FeedKey) -> FeedItem {
        match key {
            FeedKey::Customer(id) => match self.customers.get(id) {
                Some(c) => FeedItem::Customer(RecordSnapshot {
                    customer: c.clone(),
                    activity: self.activity.get(id).cloned().unwrap_or_default(),
                }),
                None => FeedItem::CustomerDeleted(id.clone()),
            },
            FeedKey::Merge(id) => match self.merges.get(id) {
                Some(r) => FeedItem::Merge(r.clone()),
                None => FeedItem::MergeDeleted(id.clone()),
            },
            FeedKey::Document(ns, key) => match self.documents.get(&(ns.clone(), key.clone())) {
                Some(d) => FeedItem::Document(d.clone()),
                None => FeedItem::DocumentDeleted {
                    namespace: ns.clone(),
                    key: key.clone(),
                },
            },
        }
    }

    fn rollback(&mut self, indexer: &dyn KeyIndexer, undo: Vec<Undo>) {
        for step in undo.into_iter().rev() {
            match step {
                Undo::Merge(id, old) => {
                    self.set_merge(&id, old.map(|r| *r));
                }
                Undo::Customer(id, old) => {
                    self.set_customer(indexer, &id, old.map(|c| *c));
                }
                Undo::Activity(id, Some(old)) => {
                    self.activity.insert(id, old);
                }
                Undo::Activity(id, None) => {
                    self.activity.remove(&id);
                }
                Undo::Document(k, Some(old)) => {
                    self.documents.insert(k, old);
                }
                Undo::Document(k, None) => {
                    self.documents.remove(&k);
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

impl Clone for MemoryStore {
    /// A copy of everything the store holds, feed included (an empty store if the lock is
    /// poisoned).
    fn clone(&self) -> Self {
        let inner = self.read().map(|g| g.clone()).unwrap_or_default();
        Self {
            inner: RwLock::new(inner),
            indexer: self.indexer.clone(),
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
        let mut d = f.debug_struct("MemoryStore");
        if let Ok(g) = self.read() {
            d.field("customers", &g.customers.len())
                .field("with_activity", &g.activity.len())
                .field("keys", &g.index.len())
                .field("merges", &g.merges.len())
                .field("documents", &g.documents.len())
                .field("feed_seq", &g.last_seq);
        }
        d.field("indexer", &self.indexer.names()).finish()
    }
}

impl CustomerStore for MemoryStore {
    type Error = Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>, Error> {
        Ok(self.read()?.customers.get(id).cloned())
    }

    fn get_with(
        &self,
        id: &CustomerId,
        f: &mut dyn FnMut(std::borrow::Cow<'_, Customer>),
    ) -> Result<bool, Error> {
        Ok(self
            .read()?
            .customers
            .get(id)
            .map(|c| f(std::borrow::Cow::Borrowed(c)))
            .is_some())
    }

    fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>, Error> {
        let g = self.read()?;
        Ok(ids.iter().map(|id| g.customers.get(id).cloned()).collect())
    }

    fn get_many_with(
        &self,
        ids: &[CustomerId],
        f: &mut dyn FnMut(usize, std::borrow::Cow<'_, Customer>),
    ) -> Result<(), Error> {
        let g = self.read()?;
        for (i, id) in ids.iter().enumerate() {
            if let Some(c) = g.customers.get(id) {
                f(i, std::borrow::Cow::Borrowed(c));
            }
        }
        Ok(())
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>, Error> {
        use std::ops::Bound;
        let lower = after.map_or(Bound::Unbounded, Bound::Excluded);
        let g = self.read()?;
        Ok(g.order
            .range::<CustomerId, _>((lower, Bound::Unbounded))
            .filter_map(|id| g.customers.get(id).cloned())
            .take(limit)
            .collect())
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, Error> {
        Ok(self.read()?.lookup(key))
    }

    fn lookup_many(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
    ) -> Result<Vec<Vec<CustomerId>>, Error> {
        let g = self.read()?;
        Ok(keys
            .iter()
            .map(|k| {
                g.index
                    .get(k)
                    .map(|ids| ids.iter().take(limit).cloned().collect())
                    .unwrap_or_default()
            })
            .collect())
    }

    fn lookup_many_with(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
        f: &mut dyn FnMut(usize, &CustomerId),
    ) -> Result<(), Error> {
        let g = self.read()?;
        for (i, k) in keys.iter().enumerate() {
            for id in g.index.get(k).into_iter().flatten().take(limit) {
                f(i, id);
            }
        }
        Ok(())
    }

    fn key_counts(&self, keys: &[SecondaryKey], limit: usize) -> Result<Vec<usize>, Error> {
        let g = self.read()?;
        Ok(keys
            .iter()
            .map(|k| g.index.get(k).map_or(0, |ids| ids.len().min(limit)))
            .collect())
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity, Error> {
        Ok(self.read()?.activity.get(id).cloned().unwrap_or_default())
    }

    fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>, Error> {
        let g = self.read()?;
        Ok(ids
            .iter()
            .map(|id| g.activity.get(id).cloned().unwrap_or_default())
            .collect())
    }

    fn apply(&self, changes: Vec<Change>) -> Result<(), Error> {
        let mut g = self.write()?;
        let mut undo = Vec::with_capacity(changes.len());
        let mut touched = Vec::with_capacity(changes.len());
        for (index, change) in changes.into_iter().enumerate() {
            let key = FeedKey::of(&change);
            if let Err(source) = g.apply_one(&self.indexer, change, &mut undo) {
                g.rollback(&self.indexer, undo);
                return Err(Error::BatchRefused {
                    index,
                    source: Box::new(source),
                });
            }
            touched.extend(key);
        }
        g.advance_feed(touched);
        Ok(())
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>, Error> {
        let g = self.read()?;
        Ok(g.feed
            .range(after.saturating_add(1)..)
            .take(limit)
            .map(|(&seq, key)| FeedEntry {
                seq,
                item: g.feed_item(key),
            })
            .collect())
    }

    fn len(&self) -> Result<usize, Error> {
        Ok(self.read()?.customers.len())
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        &self.indexer
    }

    fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>, Error> {
        Ok(self
            .read()?
            .documents
            .get(&(namespace.to_owned(), key.to_owned()))
            .cloned())
    }

    fn scan_documents(
        &self,
        namespace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Document>, Error> {
        use std::ops::Bound;
        let ns = namespace.to_owned();
        let lower = match after {
            Some(k) => Bound::Excluded((ns.clone(), k.to_owned())),
            None => Bound::Included((ns.clone(), String::new())),
        };
        Ok(self
            .read()?
            .documents
            .range((lower, Bound::Unbounded))
            .take_while(|((n, _), _)| *n == ns)
            .take(limit)
            .map(|(_, d)| d.clone())
            .collect())
    }

    fn document_namespaces(&self) -> Result<Vec<String>, Error> {
        let g = self.read()?;
        let mut out: Vec<String> = Vec::new();
        for (ns, _) in g.documents.keys() {
            if out.last() != Some(ns) {
                out.push(ns.clone());
            }
        }
        Ok(out)
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, Error> {
        Ok(self.read()?.merges.get(id).cloned())
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, Error> {
        let g = self.read()?;
        Ok(g.merge_index
            .get(customer)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| g.merges.get(id).cloned())
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
            .read()?
            .merges
            .range::<MergeId, _>((lower, Bound::Unbounded))
            .take(limit)
            .map(|(_, r)| r.clone())
            .collect())
    }
}
