//! A fault-injecting store wrapper for testing all-or-nothing writes.

use std::sync::Mutex;

use super::{Change, CustomerStore, Document, FeedEntry, KeyIndexer, SecondaryKey};
use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};

/// Wraps any [`CustomerStore`] and makes its k-th write fail, to prove that a failure in the
/// middle of a batch leaves the wrapped store exactly as it was.
///
/// Writes are counted change by change across every [`CustomerStore::apply`] call (a batch of
/// three changes is writes n+1, n+2 and n+3). When the batch holding the failing write arrives,
/// the wrapper hands the wrapped store the changes before it **followed by a change the store
/// must refuse** (the deletion of a customer id it does not hold), so the wrapped store really
/// applies part of the batch and must roll it back by its own means: this tests the store's
/// atomicity, not the wrapper's. The call then fails with [`Error::Storage`]. Reads pass
/// through unchanged.
///
/// Wrap a reference (`FaultyStore::new(&store)`) to inject faults into a store you keep.
///
/// # Examples
/// ```
/// use clientele::store::{conformance::snapshot, Change, CustomerStore, FaultyStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = |id: &str| Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person).build();
/// let store = FaultyStore::new(MemoryStore::new()).fail_at_write(2);
/// let before = snapshot(&store)?;
/// // The second change fails: the first one is rolled back by the memory store.
/// assert!(store.apply(vec![Change::Insert(c("A")), Change::Insert(c("B"))]).is_err());
/// assert_eq!(snapshot(&store)?, before);
/// // The fault fires once; later writes pass.
/// store.apply(vec![Change::Insert(c("A"))])?;
/// assert_eq!(store.len()?, 1);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug)]
pub struct FaultyStore<S> {
    inner: S,
    /// The write that fails (if still to come) and the writes counted so far.
    state: Mutex<Counter>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Counter {
    fail_at: Option<usize>,
    writes: usize,
}

impl<S> FaultyStore<S> {
    /// Wraps a store; no write fails until [`FaultyStore::fail_at_write`] is set.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            state: Mutex::new(Counter::default()),
        }
    }

    /// Makes the k-th write from now on (1-based, counted change by change) fail once;
    /// `0` disables the fault.
    #[must_use]
    pub fn fail_at_write(self, k: usize) -> Self {
        let counter = Counter {
            fail_at: (k > 0).then_some(k),
            writes: 0,
        };
        Self {
            inner: self.inner,
            state: Mutex::new(counter),
        }
    }

    /// How many writes (changes) were attempted since the fault was last set.
    pub fn writes(&self) -> usize {
        self.state.lock().map_or(0, |c| c.writes)
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Unwraps the store.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

/// An id the store does not hold and the batch does not name, whose deletion must be refused.
fn absent_id<S: CustomerStore>(store: &S, batch: &[Change]) -> Result<CustomerId, Error>
where
    Error: From<S::Error>,
{
    let named = |id: &CustomerId| {
        batch.iter().any(|c| match c {
            Change::Put(x) | Change::Insert(x) => &x.id == id,
            _ => false,
        })
    };
    for n in 0u32.. {
        let id = CustomerId::new(format!("clientele-injected-fault-{n}"))?;
        if store.get(&id)?.is_none() && !named(&id) {
            return Ok(id);
        }
    }
    Err(Error::storage_message("no free id for fault injection"))
}

impl<S> CustomerStore for FaultyStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    type Error = Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>, Error> {
        Ok(self.inner.get(id)?)
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>, Error> {
        Ok(self.inner.scan(after, limit)?)
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, Error> {
        Ok(self.inner.lookup(key)?)
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity, Error> {
        Ok(self.inner.activity(id)?)
    }

    fn apply(&self, changes: Vec<Change>) -> Result<(), Error> {
        // The count is held for the whole call, so that concurrent batches count in turn.
        let mut state = self
            .state
            .lock()
            .map_err(|_| Error::storage_message("fault counter lock poisoned"))?;
        let start = state.writes;
        state.writes += changes.len();
        match state.fail_at {
            Some(k) if k > start && k <= state.writes => {
                state.fail_at = None;
                let mut partial: Vec<Change> = changes.into_iter().take(k - start - 1).collect();
                let absent = absent_id(&self.inner, &partial)?;
                partial.push(Change::Delete(absent));
                let outcome = self.inner.apply(partial);
                Err(Error::storage_message(match outcome {
                    Err(_) => format!("injected fault at write #{k}"),
                    Ok(()) => format!(
                        "injected fault at write #{k}, and the wrapped store accepted a change \
                         it must refuse"
                    ),
                }))
            }
            _ => Ok(self.inner.apply(changes)?),
        }
    }

    fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>, Error> {
        Ok(self.inner.document(namespace, key)?)
    }

    fn scan_documents(
        &self,
        namespace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Document>, Error> {
        Ok(self.inner.scan_documents(namespace, after, limit)?)
    }

    fn document_namespaces(&self) -> Result<Vec<String>, Error> {
        Ok(self.inner.document_namespaces()?)
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>, Error> {
        Ok(self.inner.changes_since(after, limit)?)
    }

    fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>, Error> {
        Ok(self.inner.get_many(ids)?)
    }

    fn lookup_many(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
    ) -> Result<Vec<Vec<CustomerId>>, Error> {
        Ok(self.inner.lookup_many(keys, limit)?)
    }

    fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>, Error> {
        Ok(self.inner.activity_many(ids)?)
    }

    fn len(&self) -> Result<usize, Error> {
        Ok(self.inner.len()?)
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        self.inner.indexer()
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, Error> {
        Ok(self.inner.merge_record(id)?)
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, Error> {
        Ok(self.inner.merges_of(customer)?)
    }

    fn scan_merges(
        &self,
        after: Option<&MergeId>,
        limit: usize,
    ) -> Result<Vec<MergeRecord>, Error> {
        Ok(self.inner.scan_merges(after, limit)?)
    }
}
