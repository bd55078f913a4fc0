//! [`EncryptedStore`]: any [`CustomerStore`] with its sensitive values sealed at rest and its
//! secondary keys blinded.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::blind::BlindIndex;
use super::cipher::FieldCipher;
use super::codec::{BlindKeys, Codec, blind_key};
use super::key::Key;
use super::options::EncryptionOptions;
use super::ring::{Generation, Ring};
use super::state::State;
use super::translate::{Context, NAMESPACE, Translated, retryable};
use crate::error::{Error, Result};
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};
use crate::store::{
    Change, CustomerStore, Document, FeedEntry, FeedItem, KeyIndexer, KeyIndexers, MemoryStore,
    SecondaryKey,
};

/// How many times a batch is translated again when the inner store refuses it for a state that
/// moved under it (a concurrent write, a rotation step).
const RETRIES: usize = 8;

/// A [`CustomerStore`] over another one that never hands it a plain sensitive value: phones,
/// emails, national ids and birth dates (by default; [`EncryptionOptions::sealed`]) are sealed
/// with AES-256-GCM (or the caller's [`FieldCipher`]) before they reach the inner store, in
/// records, merge provenance (discarded values and snapshots), and the activity's free text;
/// document bodies are sealed whole. Every read opens them again, so callers (the importer,
/// duplicate detection, segments, privacy requests, reports) see plain records and work
/// unchanged.
///
/// **Lookups through blind keys.** The logical indexers ([`EncryptionOptions::indexers`],
/// contact keys by default) derive the keys of each plain record; the inner store holds only
/// their keyed HMAC ([`BlindIndex`]), written into the sealed record (custom field
/// [`BLIND_KEYS_FIELD`](super::BLIND_KEYS_FIELD)) and indexed by the inner store's indexer
/// [`BlindKeys`]. [`CustomerStore::lookup`] blinds the key it is given and asks the inner store.
/// Equal keys meet, so duplicates are still found; what the file reveals is which records share
/// a key (see docs/ENCRYPTION.md).
///
/// **Keys.** The store keeps a key check value (a known text sealed with the key) in a
/// document of its own, hidden from readers: opening with another key is refused with
/// [`Error::Decrypt`] (field `store key`). [`EncryptedStore::rotate`] re-seals every value and
/// re-blinds every key under a new key while the store stays readable.
///
/// ```
/// use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
/// use clientele::store::{CustomerStore, SecondaryKey};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let key = Key::from_hex(&"42".repeat(32))?;
/// let store = EncryptedStore::memory(&key, EncryptionOptions::default())?;
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("李娜").phone("+86 138 0013 5678").email("li.na@example.cn").build();
/// store.put(c.clone())?;
/// assert_eq!(store.get(&c.id)?, Some(c.clone()));
/// assert_eq!(store.lookup(&SecondaryKey::phone("13800135678").unwrap())?, vec![c.id.clone()]);
/// // The inner store holds ciphertext and blind keys only.
/// let raw = store.inner().get(&c.id)?.unwrap();
/// assert!(raw.phones[0].number.starts_with("enc1:"));
/// assert!(store.inner().lookup(&SecondaryKey::phone("13800135678").unwrap())?.is_empty());
/// # Ok::<(), clientele::Error>(())
/// ```
pub struct EncryptedStore<S> {
    inner: S,
    ring: RwLock<Arc<Ring>>,
    /// Writers share it; a rotation or re-index step takes it alone.
    gate: RwLock<()>,
    /// One rotation or re-index at a time.
    rotating: Mutex<()>,
    codec: Codec,
    indexers: KeyIndexers,
    batch: usize,
}

impl<S> fmt::Debug for EncryptedStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedStore")
            .field("keys", &*self.ring())
            .field("sealed", &self.codec.describe())
            .field("indexers", &self.indexers.names())
            .finish_non_exhaustive()
    }
}

impl EncryptedStore<MemoryStore> {
    /// An empty encrypted store in memory (a [`MemoryStore`] with [`BlindKeys`] inside).
    ///
    /// # Errors
    /// As [`EncryptedStore::new`].
    pub fn memory(key: &Key, options: EncryptionOptions) -> Result<Self> {
        Self::new(
            MemoryStore::with_indexers(Self::inner_indexers()),
            key,
            options,
        )
    }
}

#[cfg(feature = "sqlite")]
impl EncryptedStore<crate::store::SqliteStore> {
    /// Opens (or creates) an encrypted SQLite store at `path`, with default SQLite options.
    ///
    /// ```
    /// use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
    /// use clientele::store::CustomerStore;
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let dir = std::env::temp_dir().join(format!("clientele-enc-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("crm.db");
    /// # let _ = std::fs::remove_file(&path);
    /// let key = Key::from_hex(&"42".repeat(32))?;
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).phone("13800135678").build();
    /// EncryptedStore::open_sqlite(&path, &key, EncryptionOptions::default())?.put(c.clone())?;
    /// let store = EncryptedStore::open_sqlite(&path, &key, EncryptionOptions::default())?;
    /// assert_eq!(store.get(&c.id)?, Some(c));
    /// drop(store);
    /// // Another key is refused.
    /// let other = Key::from_hex(&"43".repeat(32))?;
    /// assert!(EncryptedStore::open_sqlite(&path, &other, EncryptionOptions::default()).is_err());
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`EncryptedStore::open_sqlite_with`].
    pub fn open_sqlite(
        path: impl AsRef<std::path::Path>,
        key: &Key,
        options: EncryptionOptions,
    ) -> Result<Self> {
        Self::open_sqlite_with(path, key, options, crate::store::SqliteOptions::default())
    }

    /// Whether the SQLite file at `path` holds an encrypted store (so that a caller opening
    /// files of both kinds can ask for the key, or refuse to open it plain). A missing file
    /// is not.
    ///
    /// ```
    /// use clientele::crypto::EncryptedStore;
    /// use clientele::store::SqliteStore;
    /// assert!(!EncryptedStore::<SqliteStore>::file_is_encrypted("no-such-file.db")?);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// SQLite's errors (a file that is not a database).
    pub fn file_is_encrypted(path: impl AsRef<std::path::Path>) -> Result<bool> {
        super::plain_file::is_encrypted(path.as_ref())
    }

    /// Opens (or creates) an encrypted SQLite store with the given SQLite options (their
    /// indexers are replaced by [`EncryptedStore::inner_indexers`]).
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a file that holds a plain store (it is left untouched);
    /// [`Error::Decrypt`] for a wrong key; the store's errors.
    pub fn open_sqlite_with(
        path: impl AsRef<std::path::Path>,
        key: &Key,
        options: EncryptionOptions,
        sqlite: crate::store::SqliteOptions,
    ) -> Result<Self> {
        let path = path.as_ref();
        super::plain_file::refuse_plain(path)?;
        let inner =
            crate::store::SqliteStore::open_with(path, sqlite.indexers(Self::inner_indexers()))?;
        Self::new(inner, key, options)
    }
}

fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl<S> EncryptedStore<S> {
    /// The indexers the inner store must be created with: [`BlindKeys`] alone.
    ///
    /// ```
    /// use clientele::crypto::EncryptedStore;
    /// use clientele::store::MemoryStore;
    /// assert_eq!(EncryptedStore::<MemoryStore>::inner_indexers().names(), "clientele.blind-keys.1");
    /// ```
    pub fn inner_indexers() -> KeyIndexers {
        KeyIndexers::one(Arc::new(BlindKeys))
    }

    /// The inner store (sealed values, blind keys).
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Unwraps the inner store.
    pub fn into_inner(self) -> S {
        self.inner
    }

    /// The id of the key new values are sealed with (public: it prefixes every sealed value).
    pub fn key_id(&self) -> String {
        self.ring().current.id().to_owned()
    }

    pub(crate) fn ring(&self) -> Arc<Ring> {
        Arc::clone(&read(&self.ring))
    }

    pub(crate) fn set_ring(&self, ring: Ring) {
        *write(&self.ring) = Arc::new(ring);
    }

    pub(crate) fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        write(&self.gate)
    }

    pub(crate) fn rotation(&self) -> MutexGuard<'_, ()> {
        self.rotating.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn codec(&self) -> &Codec {
        &self.codec
    }

    pub(crate) fn batch_size(&self) -> usize {
        self.batch.max(1)
    }

    /// Runs a read with the current keys; when a rotation step changed them meanwhile (the
    /// read may have met values of the new key, or missed keys moved to it), runs it again.
    fn read_with<T>(&self, f: impl Fn(&Ring) -> Result<T>) -> Result<T> {
        let mut ring = self.ring();
        for _ in 0..RETRIES {
            let out = f(&ring);
            let now = self.ring();
            if Arc::ptr_eq(&ring, &now) {
                return out;
            }
            ring = now;
        }
        f(&ring)
    }
}

impl<S> EncryptedStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    /// Checks, reading only the store's key check document and writing nothing, that `key`
    /// opens the encrypted store `inner` (a store restored from a backup, say, before it is
    /// opened: [`EncryptedStore::new`] may re-derive blind keys on open).
    ///
    /// ```
    /// use clientele::crypto::{EncryptedStore, EncryptionOptions, Key};
    /// use clientele::store::MemoryStore;
    /// let key = Key::from_hex(&"42".repeat(32))?;
    /// let store = EncryptedStore::memory(&key, EncryptionOptions::default())?;
    /// assert!(EncryptedStore::check_key(store.inner(), &key).is_ok());
    /// let other = Key::from_hex(&"17".repeat(32))?;
    /// assert!(EncryptedStore::check_key(store.inner(), &other).is_err());
    /// assert!(EncryptedStore::check_key(&MemoryStore::new(), &key).is_err());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Decrypt`] (field `store key`) for another key; [`Error::InvalidSetting`] for a
    /// store that is not encrypted; the store's errors.
    pub fn check_key(inner: &S, key: &Key) -> Result<()> {
        match State::read(inner)? {
            Some(state) => state.ring(&[Generation::of_key(key)]).map(|_| ()),
            None => Err(Error::InvalidSetting {
                setting: "store key".to_owned(),
                reason: "the store is not encrypted (it holds no key check)".to_owned(),
                value: String::new(),
            }),
        }
    }

    /// Wraps `inner`, sealing with `key` (AES-256-GCM, [`super::AesGcmCipher`], and the key's
    /// [`BlindIndex`]). A new store records the key's check value; an existing one must have
    /// been sealed with `key` (and [`EncryptionOptions::previous_keys`] during an unfinished
    /// rotation). When the logical indexers differ from the ones the store was written with,
    /// every record's blind keys are derived again before this returns.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] when the inner store was not built with
    /// [`EncryptedStore::inner_indexers`], holds plain data, or was sealed with another field
    /// list; [`Error::Decrypt`] (field `store key`) for a wrong key; the store's errors.
    pub fn new(inner: S, key: &Key, options: EncryptionOptions) -> Result<Self> {
        let previous: Vec<Generation> = options
            .previous_keys
            .iter()
            .map(Generation::of_key)
            .collect();
        Self::open(inner, Generation::of_key(key), previous, options)
    }

    /// Wraps `inner` with a caller's cipher (a KMS, an HSM) and blind index; see
    /// [`EncryptedStore::new`].
    ///
    /// # Errors
    /// As [`EncryptedStore::new`].
    pub fn with_cipher(
        inner: S,
        cipher: Arc<dyn FieldCipher>,
        blind: BlindIndex,
        options: EncryptionOptions,
    ) -> Result<Self> {
        Self::open(inner, Generation { cipher, blind }, Vec::new(), options)
    }

    fn open(
        inner: S,
        key: Generation,
        previous: Vec<Generation>,
        options: EncryptionOptions,
    ) -> Result<Self> {
        let expected = BlindKeys.name();
        let found = inner.indexer().name();
        if found != expected {
            return Err(Error::InvalidSetting {
                setting: "inner store".to_owned(),
                reason: format!(
                    "an encrypted store's inner store must index blind keys only (indexers \
                     `{expected}`: EncryptedStore::inner_indexers()), this one indexes `{found}`"
                ),
                value: found,
            });
        }
        let codec = Codec::new(&options.sealed, options.seal_activity_text)?;
        let mut given = vec![key.clone()];
        given.extend(previous);
        let (ring, reindex) = match State::read(&inner)? {
            Some(state) => {
                if state.sealed != codec.describe() {
                    return Err(Error::InvalidSetting {
                        setting: "sealed fields".to_owned(),
                        reason: format!(
                            "the store was sealed with the field list `{}`; open it with that \
                             list",
                            state.sealed
                        ),
                        value: codec.describe(),
                    });
                }
                let reindex = state.indexers != options.indexers.names();
                (state.ring(&given)?, reindex)
            }
            None => {
                refuse_unsealed(&inner)?;
                let ring = Ring::new(key);
                let state = State::new(&ring, codec.describe(), options.indexers.names())?;
                inner.apply(vec![state.put()?])?;
                (ring, false)
            }
        };
        let store = Self {
            inner,
            ring: RwLock::new(Arc::new(ring)),
            gate: RwLock::new(()),
            rotating: Mutex::new(()),
            codec,
            indexers: options.indexers,
            batch: options.batch,
        };
        if reindex {
            store.reindex()?;
        }
        Ok(store)
    }

    /// The state document as it should be now.
    pub(crate) fn state(&self, ring: &Ring) -> Result<State> {
        State::new(ring, self.codec.describe(), self.indexers.names())
    }

    /// A batch for the inner store, applied as it is (rotation steps).
    pub(crate) fn apply_inner(&self, changes: Vec<Change>) -> Result<()> {
        Ok(self.inner.apply(changes)?)
    }

    /// The logical indexers.
    pub(crate) fn logical(&self) -> &KeyIndexers {
        &self.indexers
    }

    fn open_item(&self, ring: &Ring, item: FeedItem) -> Result<Option<FeedItem>> {
        Ok(Some(match item {
            FeedItem::Customer(s) => FeedItem::Customer(self.codec.open_snapshot(&s, ring)?),
            FeedItem::Merge(r) => FeedItem::Merge(self.codec.open_merge(&r, ring)?),
            FeedItem::Document(d) if d.namespace == NAMESPACE => return Ok(None),
            FeedItem::Document(d) => FeedItem::Document(self.codec.open_document(&d, ring)?),
            FeedItem::DocumentDeleted { namespace, .. } if namespace == NAMESPACE => {
                return Ok(None);
            }
            other @ (FeedItem::CustomerDeleted(_)
            | FeedItem::MergeDeleted(_)
            | FeedItem::DocumentDeleted { .. }) => other,
        }))
    }

    fn blinded(ring: &Ring, keys: &[SecondaryKey]) -> Vec<SecondaryKey> {
        keys.iter()
            .flat_map(|k| ring.all().map(move |g| blind_key(&g.blind, k)))
            .collect()
    }
}

/// Refuses an inner store without encryption state that holds something (a plain store).
fn refuse_unsealed<S>(inner: &S) -> Result<()>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    let holds = inner.len()? > 0
        || !inner.scan_merges(None, 1)?.is_empty()
        || !inner.document_namespaces()?.is_empty();
    if holds {
        return Err(Error::InvalidSetting {
            setting: "inner store".to_owned(),
            reason: "it holds data but no encryption state: a plain store, which an encrypted \
                     store cannot open"
                .to_owned(),
            value: String::new(),
        });
    }
    Ok(())
}

impl<S> CustomerStore for EncryptedStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    type Error = Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>> {
        self.read_with(|ring| {
            self.inner
                .get(id)?
                .map(|c| self.codec.open_customer(&c, ring))
                .transpose()
        })
    }

    fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>> {
        self.read_with(|ring| {
            self.inner
                .get_many(ids)?
                .into_iter()
                .map(|c| c.map(|c| self.codec.open_customer(&c, ring)).transpose())
                .collect()
        })
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>> {
        self.read_with(|ring| {
            self.inner
                .scan(after, limit)?
                .iter()
                .map(|c| self.codec.open_customer(c, ring))
                .collect()
        })
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>> {
        let mut out = self.lookup_many(std::slice::from_ref(key), usize::MAX)?;
        Ok(out.pop().unwrap_or_default())
    }

    fn lookup_many(&self, keys: &[SecondaryKey], limit: usize) -> Result<Vec<Vec<CustomerId>>> {
        self.read_with(|ring| {
            let per = 1 + ring.others.len();
            let lists = self.inner.lookup_many(&Self::blinded(ring, keys), limit)?;
            Ok(lists
                .chunks(per)
                .map(|chunk| {
                    let mut ids: Vec<CustomerId> = chunk.iter().flatten().cloned().collect();
                    if per > 1 {
                        ids.sort();
                        ids.dedup();
                        ids.truncate(limit);
                    }
                    ids
                })
                .collect())
        })
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity> {
        self.read_with(|ring| self.codec.open_activity(&self.inner.activity(id)?, ring))
    }

    fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>> {
        self.read_with(|ring| {
            self.inner
                .activity_many(ids)?
                .iter()
                .map(|a| self.codec.open_activity(a, ring))
                .collect()
        })
    }

    fn apply(&self, changes: Vec<Change>) -> Result<()> {
        let _shared = read(&self.gate);
        let ring = self.ring();
        let cx = Context {
            inner: &self.inner,
            ring: &ring,
            codec: &self.codec,
            indexer: &self.indexers,
        };
        let mut attempt = 0;
        loop {
            let Translated {
                changes: sealed,
                held,
            } = cx.translate(&changes)?;
            match self.inner.apply(sealed) {
                Ok(()) => return Ok(()),
                Err(e) => {
                    let e = Error::from(e);
                    attempt += 1;
                    if !(attempt < RETRIES && retryable(&held, &e)) {
                        return Err(e);
                    }
                }
            }
        }
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>> {
        let mut cursor = after;
        loop {
            let raw = self.inner.changes_since(cursor, limit)?;
            let Some(last) = raw.last().map(|e| e.seq) else {
                return Ok(Vec::new());
            };
            let ring = self.ring();
            let mut out = Vec::with_capacity(raw.len());
            for e in raw {
                if let Some(item) = self.open_item(&ring, e.item)? {
                    out.push(FeedEntry { seq: e.seq, item });
                }
            }
            if !out.is_empty() {
                return Ok(out);
            }
            cursor = last;
        }
    }

    fn len(&self) -> Result<usize> {
        Ok(self.inner.len()?)
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>> {
        self.read_with(|ring| {
            self.inner
                .merge_record(id)?
                .map(|r| self.codec.open_merge(&r, ring))
                .transpose()
        })
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>> {
        self.read_with(|ring| {
            self.inner
                .merges_of(customer)?
                .iter()
                .map(|r| self.codec.open_merge(r, ring))
                .collect()
        })
    }

    fn scan_merges(&self, after: Option<&MergeId>, limit: usize) -> Result<Vec<MergeRecord>> {
        self.read_with(|ring| {
            self.inner
                .scan_merges(after, limit)?
                .iter()
                .map(|r| self.codec.open_merge(r, ring))
                .collect()
        })
    }

    fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>> {
        if namespace == NAMESPACE {
            return Ok(None);
        }
        self.read_with(|ring| {
            self.inner
                .document(namespace, key)?
                .map(|d| self.codec.open_document(&d, ring))
                .transpose()
        })
    }

    fn scan_documents(
        &self,
        namespace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Document>> {
        if namespace == NAMESPACE {
            return Ok(Vec::new());
        }
        self.read_with(|ring| {
            self.inner
                .scan_documents(namespace, after, limit)?
                .iter()
                .map(|d| self.codec.open_document(d, ring))
                .collect()
        })
    }

    fn document_namespaces(&self) -> Result<Vec<String>> {
        let mut all = self.inner.document_namespaces()?;
        all.retain(|ns| ns != NAMESPACE);
        Ok(all)
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        &self.indexers
    }
}
