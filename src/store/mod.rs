//! Storage: the [`CustomerStore`] trait that callers implement, the [`MemoryStore`] reference
//! implementation, and a [`conformance`] suite every implementation can run in its own tests.
//!
//! The library does no I/O of its own. Everything it reads or writes goes through this trait, so a
//! CRM back end plugs in its database and gets matching, merging and scoring on top.
//!
//! # The contract in brief
//! - Records are keyed by [`CustomerId`]; [`CustomerStore::scan`] walks them in id order in
//!   batches (keyset pagination, which a database answers with an index range scan).
//! - Each store derives **secondary keys** from every record it holds through a [`KeyIndexer`]
//!   and answers [`CustomerStore::lookup`] from an index kept consistent with every write. The
//!   default indexer, [`ContactKeys`], answers "who has this phone / email / ID"; the duplicate
//!   detector supplies an indexer of blocking keys for incremental matching.
//! - Every write goes through [`CustomerStore::apply`], which applies a batch of [`Change`]s in
//!   order and **atomically**: if any change is refused, none of the batch is visible afterwards.

pub mod conformance;
mod fault;
mod keys;
mod memory;

use crate::model::{
    Activity, Customer, CustomerId, Interaction, MergeId, MergeRecord, Transaction,
};

pub use fault::FaultyStore;
pub use keys::{ContactKeys, KeyIndexer, SecondaryKey};
pub use memory::MemoryStore;

/// One write in a batch given to [`CustomerStore::apply`].
///
/// Changes of a batch are applied in order, each seeing the effect of the ones before it (a batch
/// may insert a customer and then add its transactions).
///
/// ```
/// use clientele::store::Change;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("Ann Lee").build();
/// let batch = vec![Change::Insert(c), Change::Delete(CustomerId::new("C0")?)];
/// assert_eq!(batch.len(), 2);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Change {
    /// Inserts the record, or replaces the record with the same id (its activity is kept).
    Put(Customer),
    /// Inserts the record; refused if its id is already present.
    Insert(Customer),
    /// Deletes the record and its activity; refused if the id is absent.
    Delete(CustomerId),
    /// Appends a transaction; refused if its customer is absent.
    AddTransaction(Transaction),
    /// Appends an interaction; refused if its customer is absent.
    AddInteraction(Interaction),
    /// Replaces a customer's whole activity (used by merges and their undo); refused if the
    /// customer is absent or an item names another customer.
    SetActivity {
        /// Whose activity.
        customer: CustomerId,
        /// The new activity.
        activity: Activity,
    },
    /// Stores the provenance of a merge; refused if a merge record with its id exists.
    InsertMergeRecord(MergeRecord),
    /// Stores the provenance of a merge, replacing the record with the same id (used by privacy
    /// erasure to scrub it).
    PutMergeRecord(MergeRecord),
    /// Deletes a merge record (used by unmerge); refused if the id is absent.
    DeleteMergeRecord(MergeId),
}

/// Storage of customer records and their activity, implemented by callers.
///
/// Only the required methods need implementing; `put`, `delete` and `insert` are single-change
/// batches. Run [`conformance::run`] in your tests to prove an implementation honours the
/// contract.
///
/// # Examples
/// ```
/// use clientele::store::{CustomerStore, MemoryStore, SecondaryKey};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let mut store = MemoryStore::new();
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("李娜").phone("+86 138 0013 5678").build();
/// store.put(c.clone())?;
/// assert_eq!(store.get(&c.id)?, Some(c.clone()));
/// // "Who has this phone?", whatever way it was written.
/// let key = SecondaryKey::phone("138-0013-5678").unwrap();
/// assert_eq!(store.lookup(&key)?, vec![c.id.clone()]);
/// # Ok::<(), clientele::Error>(())
/// ```
pub trait CustomerStore: Send + Sync {
    /// The back end's error type.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Reads one record.
    ///
    /// # Errors
    /// Back-end failures only; an absent id is `Ok(None)`.
    fn get(&self, id: &CustomerId) -> Result<Option<Customer>, Self::Error>;

    /// Reads up to `limit` records in ascending id order, starting after `after` (from the first
    /// record when `None`). An empty result means the end.
    ///
    /// # Errors
    /// Back-end failures only.
    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>, Self::Error>;

    /// The ids of the records whose indexed keys include `key`, in ascending id order.
    ///
    /// # Errors
    /// Back-end failures only.
    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, Self::Error>;

    /// A customer's activity (empty for an unknown id).
    ///
    /// # Errors
    /// Back-end failures only.
    fn activity(&self, id: &CustomerId) -> Result<Activity, Self::Error>;

    /// Applies a batch of changes in order, all or nothing.
    ///
    /// # Errors
    /// When any change is refused (see [`Change`] for what is refused) or the back end fails;
    /// the store is then exactly as it was before the call.
    fn apply(&mut self, changes: Vec<Change>) -> Result<(), Self::Error>;

    /// The number of records held.
    ///
    /// # Errors
    /// Back-end failures only.
    fn len(&self) -> Result<usize, Self::Error>;

    /// Reads the provenance of one merge.
    ///
    /// # Errors
    /// Back-end failures only; an absent id is `Ok(None)`.
    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, Self::Error>;

    /// Every merge record that names the customer, as survivor or as absorbed record, in
    /// ascending merge id order (empty for an unknown id). Answered from an index kept consistent
    /// with every write, like [`CustomerStore::lookup`].
    ///
    /// # Errors
    /// Back-end failures only.
    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, Self::Error>;

    /// Reads up to `limit` merge records in ascending id order, starting after `after`. An empty
    /// result means the end.
    ///
    /// # Errors
    /// Back-end failures only.
    fn scan_merges(
        &self,
        after: Option<&MergeId>,
        limit: usize,
    ) -> Result<Vec<MergeRecord>, Self::Error>;

    /// The indexer that derives this store's secondary keys.
    fn indexer(&self) -> &dyn KeyIndexer;

    /// Whether the store holds no record.
    ///
    /// # Errors
    /// Back-end failures only.
    fn is_empty(&self) -> Result<bool, Self::Error> {
        Ok(self.len()? == 0)
    }

    /// Inserts or replaces one record.
    ///
    /// # Errors
    /// As [`CustomerStore::apply`].
    fn put(&mut self, customer: Customer) -> Result<(), Self::Error> {
        self.apply(vec![Change::Put(customer)])
    }

    /// Inserts one record, refusing an id already present.
    ///
    /// # Errors
    /// As [`CustomerStore::apply`].
    fn insert(&mut self, customer: Customer) -> Result<(), Self::Error> {
        self.apply(vec![Change::Insert(customer)])
    }

    /// Deletes one record and its activity, refusing an absent id.
    ///
    /// # Errors
    /// As [`CustomerStore::apply`].
    fn delete(&mut self, id: &CustomerId) -> Result<(), Self::Error> {
        self.apply(vec![Change::Delete(id.clone())])
    }
}

/// Iterates over every record of a store in batches of `size` (at least 1), in id order.
///
/// ```
/// use clientele::store::{batches, CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let mut store = MemoryStore::new();
/// for i in 0..5 {
///     store.put(Customer::builder(CustomerId::new(format!("C{i}"))?, CustomerKind::Person).build())?;
/// }
/// let sizes: Vec<usize> = batches(&store, 2).map(|b| b.map(|v| v.len())).collect::<Result<_, _>>()?;
/// assert_eq!(sizes, vec![2, 2, 1]);
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn batches<S: CustomerStore + ?Sized>(store: &S, size: usize) -> Batches<'_, S> {
    Batches {
        store,
        size: size.max(1),
        after: None,
        done: false,
    }
}

/// Iterator returned by [`batches`].
#[derive(Debug)]
pub struct Batches<'a, S: ?Sized> {
    store: &'a S,
    size: usize,
    after: Option<CustomerId>,
    done: bool,
}

impl<S: CustomerStore + ?Sized> Iterator for Batches<'_, S> {
    type Item = Result<Vec<Customer>, S::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.store.scan(self.after.as_ref(), self.size) {
            Ok(batch) => {
                match batch.last() {
                    None => {
                        self.done = true;
                        return None;
                    }
                    Some(last) => self.after = Some(last.id.clone()),
                }
                if batch.len() < self.size {
                    self.done = true;
                }
                Some(Ok(batch))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
