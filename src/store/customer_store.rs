//! The storage trait, its blanket implementations for shared handles, and batched scans.

use std::borrow::Cow;
use std::sync::Arc;

use super::{Change, Document, FeedEntry, KeyIndexer, SecondaryKey};
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};

/// Storage of customer records and their activity, shared by every thread of an application.
///
/// Every method takes `&self`: a store is `Send + Sync` and serves many threads and request
/// handlers at once (put it in an `Arc`; `&S` and `Arc<S>` are stores too). Implementations
/// make each [`CustomerStore::apply`] atomic and isolated: a reader sees a batch whole or not
/// at all. The batch reads ([`get_many`](CustomerStore::get_many),
/// [`activity_many`](CustomerStore::activity_many),
/// [`lookup_many`](CustomerStore::lookup_many)) have defaults that read one by one; a database
/// answers them with one query and one consistent view, and the crate's callers (`match_one`,
/// merges, store-wide scoring) use them.
///
/// Run [`conformance::run`](super::conformance::run) (and the concurrency and fault suites of
/// [`conformance`](super::conformance)) in your tests to prove an implementation honours the
/// contract.
///
/// # Examples
/// ```
/// use clientele::store::{CustomerStore, MemoryStore, SecondaryKey};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let store = MemoryStore::new();
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("李娜").phone("+86 138 0013 5678").build();
/// store.put(c.clone())?;
/// assert_eq!(store.get(&c.id)?, Some(c.clone()));
/// // "Who has this phone?", whatever way it was written.
/// let key = SecondaryKey::phone("138-0013-5678").unwrap();
/// assert_eq!(store.lookup(&key)?, vec![c.id.clone()]);
/// // Threads share the store by reference.
/// std::thread::scope(|s| {
///     s.spawn(|| store.get(&c.id).map(|c| assert!(c.is_some())));
/// });
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

    /// Reads one record and hands it to `f`: borrowed where the store holds it in memory (no
    /// copy is made), owned otherwise. Returns whether the record exists (`f` is called only
    /// then). For a caller that keeps only part of a record, or a view of it (an access-checked
    /// handle building a viewer's masked copy), this saves copying what it drops.
    ///
    /// `f` may run while the store holds a lock: it must not call the store.
    ///
    /// # Errors
    /// Back-end failures only.
    ///
    /// # Examples
    /// ```
    /// use clientele::store::{CustomerStore, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let store = MemoryStore::new();
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
    ///     .full_name("李娜").build();
    /// store.put(c.clone())?;
    /// let mut name = None;
    /// let found = store.get_with(&c.id, &mut |c| name = Some(c.display_name()))?;
    /// assert!(found);
    /// assert_eq!(name.as_deref(), Some("李娜"));
    /// assert!(!store.get_with(&CustomerId::new("C2")?, &mut |_| unreachable!())?);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    fn get_with(
        &self,
        id: &CustomerId,
        f: &mut dyn FnMut(Cow<'_, Customer>),
    ) -> Result<bool, Self::Error> {
        Ok(self.get(id)?.map(|c| f(Cow::Owned(c))).is_some())
    }

    /// Reads many records at once: one answer per id, in the order given (`None` for an absent
    /// id; a repeated id is answered each time). Stores that can should read them from one
    /// consistent view (the crate's stores do).
    ///
    /// # Errors
    /// Back-end failures only.
    fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>, Self::Error> {
        ids.iter().map(|id| self.get(id)).collect()
    }

    /// [`CustomerStore::get_many`] lending the records instead of returning them: calls
    /// `f(i, record)` for each id held, `i` its position in `ids`, in that order. A store that
    /// holds records in memory lends them without copying (`MemoryStore` does, under its read
    /// lock, so `f` should be short: writers wait for it); the default reads them with
    /// `get_many` and hands them over. `match_one` reads its candidates this way.
    ///
    /// # Errors
    /// Back-end failures only.
    ///
    /// # Examples
    /// ```
    /// use clientele::store::{CustomerStore, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let store = MemoryStore::new();
    /// store.put(Customer::builder(CustomerId::new("A")?, CustomerKind::Person).full_name("Ann Li").build())?;
    /// let ids = [CustomerId::new("B")?, CustomerId::new("A")?];
    /// let mut seen = Vec::new();
    /// store.get_many_with(&ids, &mut |i, c| seen.push((i, c.id.to_string())))?;
    /// assert_eq!(seen, vec![(1, "A".to_owned())]);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    fn get_many_with(
        &self,
        ids: &[CustomerId],
        f: &mut dyn FnMut(usize, Cow<'_, Customer>),
    ) -> Result<(), Self::Error> {
        for (i, c) in self.get_many(ids)?.into_iter().enumerate() {
            if let Some(c) = c {
                f(i, Cow::Owned(c));
            }
        }
        Ok(())
    }

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

    /// [`CustomerStore::lookup`] of many keys at once: one answer per key, in the order given,
    /// each holding at most `limit` ids (the first in id order; `usize::MAX` for all). A caller
    /// that ignores keys shared by more than n records asks for n + 1 and reads no more.
    ///
    /// # Errors
    /// Back-end failures only.
    fn lookup_many(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
    ) -> Result<Vec<Vec<CustomerId>>, Self::Error> {
        keys.iter()
            .map(|k| {
                self.lookup(k).map(|mut ids| {
                    ids.truncate(limit);
                    ids
                })
            })
            .collect()
    }

    /// [`CustomerStore::lookup_many`] without copying the answers out: `f(i, id)` for each id
    /// of the answer to the key at `i`, keys in the order given and ids in ascending order, at
    /// most `limit` per key. The default reads them with [`CustomerStore::lookup_many`]; a
    /// store holding its index in memory lends its own ids.
    ///
    /// # Errors
    /// Back-end failures only.
    ///
    /// # Examples
    /// ```
    /// use clientele::store::{CustomerStore, MemoryStore, SecondaryKey};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let store = MemoryStore::new();
    /// for id in ["A", "B"] {
    ///     store.put(Customer::builder(CustomerId::new(id)?, CustomerKind::Person)
    ///         .email("shared@example.com").build())?;
    /// }
    /// let shared = SecondaryKey::email("shared@example.com").unwrap();
    /// let mut seen = Vec::new();
    /// store.lookup_many_with(&[shared], 10, &mut |i, id| seen.push((i, id.to_string())))?;
    /// assert_eq!(seen, vec![(0, "A".to_owned()), (0, "B".to_owned())]);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    fn lookup_many_with(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
        f: &mut dyn FnMut(usize, &CustomerId),
    ) -> Result<(), Self::Error> {
        for (i, ids) in self.lookup_many(keys, limit)?.iter().enumerate() {
            for id in ids {
                f(i, id);
            }
        }
        Ok(())
    }

    /// How many records hold each key, counting at most `limit` (a larger block is answered
    /// `limit`): one answer per key, in the order given, equal to the lengths of
    /// [`CustomerStore::lookup_many`]'s answers. A caller sizes blocks with it before reading
    /// any id (`match_one` skips the largest and reads the smallest first); stores that keep
    /// counts answer without reading the ids.
    ///
    /// # Errors
    /// Back-end failures only.
    ///
    /// # Examples
    /// ```
    /// use clientele::store::{CustomerStore, MemoryStore, SecondaryKey};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let store = MemoryStore::new();
    /// for id in ["A", "B", "C"] {
    ///     store.put(Customer::builder(CustomerId::new(id)?, CustomerKind::Person)
    ///         .email("shared@example.com").build())?;
    /// }
    /// let shared = SecondaryKey::email("shared@example.com").unwrap();
    /// let other = SecondaryKey::email("nobody@example.com").unwrap();
    /// assert_eq!(store.key_counts(&[shared.clone(), other], usize::MAX)?, vec![3, 0]);
    /// assert_eq!(store.key_counts(&[shared], 2)?, vec![2]);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    fn key_counts(&self, keys: &[SecondaryKey], limit: usize) -> Result<Vec<usize>, Self::Error> {
        Ok(self
            .lookup_many(keys, limit)?
            .iter()
            .map(Vec::len)
            .collect())
    }

    /// A customer's activity (empty for an unknown id).
    ///
    /// # Errors
    /// Back-end failures only.
    fn activity(&self, id: &CustomerId) -> Result<Activity, Self::Error>;

    /// The activity of many customers at once: one answer per id, in the order given.
    ///
    /// # Errors
    /// Back-end failures only.
    fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>, Self::Error> {
        ids.iter().map(|id| self.activity(id)).collect()
    }

    /// Applies a batch of changes in order, all or nothing, isolated from readers.
    ///
    /// # Errors
    /// When any change is refused (see [`Change`] for what is refused, expectations included)
    /// or the back end fails; the store is then exactly as it was before the call.
    fn apply(&self, changes: Vec<Change>) -> Result<(), Self::Error>;

    /// The change feed: up to `limit` entries with a sequence number above `after` (0 for the
    /// start), in sequence order. See [`FeedEntry`] for what an entry holds; an empty result
    /// means the consumer is up to date.
    ///
    /// # Errors
    /// Back-end failures only.
    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>, Self::Error>;

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

    /// Reads one document ([`Document`]).
    ///
    /// # Errors
    /// Back-end failures only; an absent document is `Ok(None)`.
    fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>, Self::Error>;

    /// Reads up to `limit` documents of a namespace in ascending key order (byte order),
    /// starting after the key `after`. An empty result means the end.
    ///
    /// # Errors
    /// Back-end failures only.
    fn scan_documents(
        &self,
        namespace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Document>, Self::Error>;

    /// The namespaces that hold at least one document, in ascending byte order (what a backup
    /// walks with [`CustomerStore::scan_documents`]).
    ///
    /// # Errors
    /// Back-end failures only.
    fn document_namespaces(&self) -> Result<Vec<String>, Self::Error>;

    /// The indexer that derives this store's secondary keys (often a [`super::KeyIndexers`]
    /// list).
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
    fn put(&self, customer: Customer) -> Result<(), Self::Error> {
        self.apply(vec![Change::Put(customer)])
    }

    /// Inserts one record, refusing an id already present.
    ///
    /// # Errors
    /// As [`CustomerStore::apply`].
    fn insert(&self, customer: Customer) -> Result<(), Self::Error> {
        self.apply(vec![Change::Insert(customer)])
    }

    /// Deletes one record and its activity, refusing an absent id.
    ///
    /// # Errors
    /// As [`CustomerStore::apply`].
    fn delete(&self, id: &CustomerId) -> Result<(), Self::Error> {
        self.apply(vec![Change::Delete(id.clone())])
    }
}

/// Delegates every method, overridden ones included, to the store behind the handle.
macro_rules! delegate {
    () => {
        type Error = S::Error;
        fn get(&self, id: &CustomerId) -> Result<Option<Customer>, S::Error> {
            (**self).get(id)
        }
        fn get_with(
            &self,
            id: &CustomerId,
            f: &mut dyn FnMut(Cow<'_, Customer>),
        ) -> Result<bool, S::Error> {
            (**self).get_with(id, f)
        }
        fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>, S::Error> {
            (**self).get_many(ids)
        }
        fn get_many_with(
            &self,
            ids: &[CustomerId],
            f: &mut dyn FnMut(usize, Cow<'_, Customer>),
        ) -> Result<(), S::Error> {
            (**self).get_many_with(ids, f)
        }
        fn scan(
            &self,
            after: Option<&CustomerId>,
            limit: usize,
        ) -> Result<Vec<Customer>, S::Error> {
            (**self).scan(after, limit)
        }
        fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, S::Error> {
            (**self).lookup(key)
        }
        fn lookup_many(
            &self,
            keys: &[SecondaryKey],
            limit: usize,
        ) -> Result<Vec<Vec<CustomerId>>, S::Error> {
            (**self).lookup_many(keys, limit)
        }
        fn lookup_many_with(
            &self,
            keys: &[SecondaryKey],
            limit: usize,
            f: &mut dyn FnMut(usize, &CustomerId),
        ) -> Result<(), S::Error> {
            (**self).lookup_many_with(keys, limit, f)
        }
        fn key_counts(&self, keys: &[SecondaryKey], limit: usize) -> Result<Vec<usize>, S::Error> {
            (**self).key_counts(keys, limit)
        }
        fn activity(&self, id: &CustomerId) -> Result<Activity, S::Error> {
            (**self).activity(id)
        }
        fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>, S::Error> {
            (**self).activity_many(ids)
        }
        fn apply(&self, changes: Vec<Change>) -> Result<(), S::Error> {
            (**self).apply(changes)
        }
        fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>, S::Error> {
            (**self).changes_since(after, limit)
        }
        fn len(&self) -> Result<usize, S::Error> {
            (**self).len()
        }
        fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, S::Error> {
            (**self).merge_record(id)
        }
        fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, S::Error> {
            (**self).merges_of(customer)
        }
        fn scan_merges(
            &self,
            after: Option<&MergeId>,
            limit: usize,
        ) -> Result<Vec<MergeRecord>, S::Error> {
            (**self).scan_merges(after, limit)
        }
        fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>, S::Error> {
            (**self).document(namespace, key)
        }
        fn scan_documents(
            &self,
            namespace: &str,
            after: Option<&str>,
            limit: usize,
        ) -> Result<Vec<Document>, S::Error> {
            (**self).scan_documents(namespace, after, limit)
        }
        fn document_namespaces(&self) -> Result<Vec<String>, S::Error> {
            (**self).document_namespaces()
        }
        fn indexer(&self) -> &dyn KeyIndexer {
            (**self).indexer()
        }
        fn is_empty(&self) -> Result<bool, S::Error> {
            (**self).is_empty()
        }
    };
}

impl<S: CustomerStore + ?Sized> CustomerStore for &S {
    delegate!();
}

impl<S: CustomerStore + ?Sized> CustomerStore for Arc<S> {
    delegate!();
}

impl<S: CustomerStore + ?Sized> CustomerStore for Box<S> {
    delegate!();
}

/// Iterates over every record of a store in batches of `size` (at least 1), in id order.
///
/// ```
/// use clientele::store::{batches, CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let store = MemoryStore::new();
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
