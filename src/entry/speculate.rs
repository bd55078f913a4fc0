//! Speculative planning: a row planned against the store as it stood before its chunk, with
//! everything the plan read recorded, so that the plan can be kept when no earlier row of the
//! chunk wrote any of it (the plan is then exactly the one a sequential import would make).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::Mutex;

use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};
use crate::store::{Change, CustomerStore, Document, FeedEntry, KeyIndexer, SecondaryKey};

/// What a plan read, or what a batch writes: customer ids (records, their activity and the
/// merges naming them), secondary keys (lookups and block sizes), merge ids and documents.
/// `all` stands for a read or write of the store as a whole (a scan, its length).
///
/// Of keys, a batch writes those its records join or leave (`keys`), and of them, apart, those
/// they leave (`left`); a plan reads the keys whose blocks or exact sizes it saw (`keys`), and
/// apart those it only saw to be at least a limit (`saturated`), which a record joining them
/// cannot change.
#[derive(Debug, Default)]
pub(super) struct Footprint {
    ids: HashSet<CustomerId>,
    keys: HashSet<SecondaryKey>,
    left: HashSet<SecondaryKey>,
    saturated: HashSet<SecondaryKey>,
    merges: HashSet<MergeId>,
    documents: HashSet<(String, String)>,
    all: bool,
}

impl Footprint {
    /// Whether a plan that read `self` could read otherwise after the writes of `written`.
    pub(super) fn touches(&self, written: &Footprint) -> bool {
        if self.all || written.all {
            return !(self.is_empty() || written.is_empty());
        }
        self.ids.iter().any(|id| written.ids.contains(id))
            || self.keys.iter().any(|k| written.keys.contains(k))
            || self.saturated.iter().any(|k| written.left.contains(k))
            || self.merges.iter().any(|m| written.merges.contains(m))
            || self.documents.iter().any(|d| written.documents.contains(d))
    }

    fn is_empty(&self) -> bool {
        !self.all
            && self.ids.is_empty()
            && self.keys.is_empty()
            && self.saturated.is_empty()
            && self.merges.is_empty()
            && self.documents.is_empty()
    }

    /// Adds another footprint to this one.
    pub(super) fn extend(&mut self, other: Footprint) {
        self.ids.extend(other.ids);
        self.keys.extend(other.keys);
        self.left.extend(other.left);
        self.saturated.extend(other.saturated);
        self.merges.extend(other.merges);
        self.documents.extend(other.documents);
        self.all |= other.all;
    }

    /// What a batch writes: its records' keys are those of the stored versions (read from
    /// `store`) and of the new ones (through the store's indexer), less those in both (a
    /// record staying in a block changes neither the block's ids nor its size).
    pub(super) fn of_changes<S>(store: &S, changes: &[Change]) -> Result<Self, S::Error>
    where
        S: CustomerStore + ?Sized,
    {
        let mut out = Self::default();
        let indexer = store.indexer();
        let record = |out: &mut Self, id: &CustomerId, c: Option<&Customer>| {
            let new = c.map(|c| indexer.keys_of(c)).unwrap_or_default();
            let mut old = Vec::new();
            store.get_with(id, &mut |stored| old = indexer.keys_of(&stored))?;
            for k in &old {
                if new.binary_search(k).is_err() {
                    out.left.insert(k.clone());
                    out.keys.insert(k.clone());
                }
            }
            for k in &new {
                if old.binary_search(k).is_err() {
                    out.keys.insert(k.clone());
                }
            }
            out.ids.insert(id.clone());
            Ok(())
        };
        for change in changes {
            match change {
                Change::Put(c) | Change::Insert(c) => record(&mut out, &c.id, Some(c))?,
                Change::Delete(id) => record(&mut out, id, None)?,
                Change::AddTransaction(t) => {
                    out.ids.insert(t.customer.clone());
                }
                Change::AddInteraction(i) => {
                    out.ids.insert(i.customer.clone());
                }
                Change::SetActivity { customer, .. } => {
                    out.ids.insert(customer.clone());
                }
                Change::InsertMergeRecord(m) | Change::PutMergeRecord(m) => {
                    out.merges.insert(m.id.clone());
                    out.ids.insert(m.survivor.clone());
                    out.ids.extend(m.absorbed.iter().cloned());
                }
                // Which customers it named is not known without reading it.
                Change::DeleteMergeRecord(_) => out.all = true,
                Change::PutDocument(d) => {
                    out.documents.insert((d.namespace.clone(), d.key.clone()));
                }
                Change::DeleteDocument { namespace, key } => {
                    out.documents.insert((namespace.clone(), key.clone()));
                }
                Change::Expect { .. } | Change::ExpectMerge { .. } => {}
            }
        }
        Ok(out)
    }
}

/// A store that passes every read through and records what was read.
pub(super) struct Recording<'a, S: ?Sized> {
    inner: &'a S,
    read: Mutex<Footprint>,
}

impl<'a, S: CustomerStore + ?Sized> Recording<'a, S> {
    pub(super) fn new(inner: &'a S) -> Self {
        Self {
            inner,
            read: Mutex::new(Footprint::default()),
        }
    }

    /// What was read (everything, if the record was lost to a panic elsewhere).
    pub(super) fn into_read(self) -> Footprint {
        self.read.into_inner().unwrap_or_else(|_| Footprint {
            all: true,
            ..Footprint::default()
        })
    }

    fn note(&self, f: impl FnOnce(&mut Footprint)) {
        match self.read.lock() {
            Ok(mut g) => f(&mut g),
            Err(poisoned) => poisoned.into_inner().all = true,
        }
    }

    fn ids<'b>(&self, ids: impl IntoIterator<Item = &'b CustomerId>) {
        self.note(|r| r.ids.extend(ids.into_iter().cloned()));
    }

    fn keys<'b>(&self, keys: impl IntoIterator<Item = &'b SecondaryKey>) {
        self.note(|r| r.keys.extend(keys.into_iter().cloned()));
    }

    fn everything(&self) {
        self.note(|r| r.all = true);
    }
}

impl<S: CustomerStore + ?Sized> CustomerStore for Recording<'_, S> {
    type Error = S::Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>, S::Error> {
        self.ids([id]);
        self.inner.get(id)
    }

    fn get_with(
        &self,
        id: &CustomerId,
        f: &mut dyn FnMut(Cow<'_, Customer>),
    ) -> Result<bool, S::Error> {
        self.ids([id]);
        self.inner.get_with(id, f)
    }

    fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>, S::Error> {
        self.ids(ids);
        self.inner.get_many(ids)
    }

    fn get_many_with(
        &self,
        ids: &[CustomerId],
        f: &mut dyn FnMut(usize, Cow<'_, Customer>),
    ) -> Result<(), S::Error> {
        self.ids(ids);
        self.inner.get_many_with(ids, f)
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>, S::Error> {
        self.everything();
        self.inner.scan(after, limit)
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, S::Error> {
        self.keys([key]);
        self.inner.lookup(key)
    }

    fn lookup_many(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
    ) -> Result<Vec<Vec<CustomerId>>, S::Error> {
        self.keys(keys);
        self.inner.lookup_many(keys, limit)
    }

    fn lookup_many_with(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
        f: &mut dyn FnMut(usize, &CustomerId),
    ) -> Result<(), S::Error> {
        self.keys(keys);
        self.inner.lookup_many_with(keys, limit, f)
    }

    fn key_counts(&self, keys: &[SecondaryKey], limit: usize) -> Result<Vec<usize>, S::Error> {
        let counts = self.inner.key_counts(keys, limit)?;
        self.note(|r| {
            for (k, n) in keys.iter().zip(&counts) {
                if *n >= limit {
                    r.saturated.insert(k.clone());
                } else {
                    r.keys.insert(k.clone());
                }
            }
        });
        Ok(counts)
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity, S::Error> {
        self.ids([id]);
        self.inner.activity(id)
    }

    fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>, S::Error> {
        self.ids(ids);
        self.inner.activity_many(ids)
    }

    fn apply(&self, changes: Vec<Change>) -> Result<(), S::Error> {
        self.everything();
        self.inner.apply(changes)
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>, S::Error> {
        self.everything();
        self.inner.changes_since(after, limit)
    }

    fn len(&self) -> Result<usize, S::Error> {
        self.everything();
        self.inner.len()
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, S::Error> {
        self.note(|r| {
            r.merges.insert(id.clone());
        });
        self.inner.merge_record(id)
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, S::Error> {
        self.ids([customer]);
        self.inner.merges_of(customer)
    }

    fn scan_merges(
        &self,
        after: Option<&MergeId>,
        limit: usize,
    ) -> Result<Vec<MergeRecord>, S::Error> {
        self.everything();
        self.inner.scan_merges(after, limit)
    }

    fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>, S::Error> {
        self.note(|r| {
            r.documents.insert((namespace.to_owned(), key.to_owned()));
        });
        self.inner.document(namespace, key)
    }

    fn scan_documents(
        &self,
        namespace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Document>, S::Error> {
        self.everything();
        self.inner.scan_documents(namespace, after, limit)
    }

    fn document_namespaces(&self) -> Result<Vec<String>, S::Error> {
        self.everything();
        self.inner.document_namespaces()
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        self.inner.indexer()
    }

    fn is_empty(&self) -> Result<bool, S::Error> {
        self.everything();
        self.inner.is_empty()
    }
}
