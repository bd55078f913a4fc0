//! [`SqliteStore`]: a durable [`CustomerStore`] over one SQLite file, shared by many threads.
//!
//! Records, activity items and merge records are stored as JSON bodies; secondary keys, the
//! customers named by merge records and the change feed live in tables kept in step with every
//! write. Files by stage: `schema` (versions and migrations), `pool` (connections), `read`,
//! `write`, `codec` (bodies and errors).

mod codec;
mod pool;
mod read;
mod schema;
mod write;

use std::path::Path;
use std::time::Duration;

/// The rusqlite crate the store is built on, for callers who want to read the file themselves
/// (audits, reports) with the same SQLite.
pub use rusqlite;

use codec::db;
use pool::Pool;
use rayon::prelude::*;
use rusqlite::TransactionBehavior;

use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};
use crate::store::{
    Change, CustomerStore, Document, FeedEntry, KeyIndexer, KeyIndexers, SecondaryKey,
};

/// How a [`SqliteStore`] is opened. Configuration as data: every field has a default.
///
/// ```
/// use clientele::store::{KeyIndexers, SqliteOptions};
/// let options = SqliteOptions { readers: 4, ..SqliteOptions::default() }
///     .indexers(KeyIndexers::contact());
/// assert!(!options.durable);
/// ```
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// The indexers whose keys the store indexes (default: contact keys). Their names are
    /// recorded in the file; opening with other indexers rebuilds the index.
    pub indexers: KeyIndexers,
    /// Reader connections kept open for reuse. Reads run on them in parallel with each other
    /// and with the writer (WAL mode); a read finding none idle opens one more. `0` makes every
    /// read share the writer's connection (one at a time).
    pub readers: usize,
    /// How long a write waits for another process holding the write lock.
    pub busy_timeout: Duration,
    /// `synchronous = FULL`: every committed batch survives a power cut. By default
    /// (`NORMAL`), a committed batch survives the process being killed, and the file stays
    /// consistent on a power cut, but the last batches before it may be lost.
    pub durable: bool,
    /// The writer connection's page cache, in MiB (bulk loads go faster with more).
    pub cache_mib: usize,
    /// The page size of a new file, in bytes (a power of two from 512 to 65536; an existing
    /// file keeps its own). Record bodies are several hundred bytes, so larger pages than
    /// SQLite's default of 4096 hold more of them.
    pub page_size: u32,
    /// How many pages the write-ahead log may hold before a batch's commit copies them into
    /// the file (`wal_autocheckpoint`). Each such checkpoint syncs the file, so a larger value
    /// makes bulk loads faster, at the cost of a larger log.
    pub checkpoint_pages: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            indexers: KeyIndexers::contact(),
            readers: 8,
            busy_timeout: Duration::from_secs(5),
            durable: false,
            cache_mib: 128,
            page_size: 8192,
            checkpoint_pages: 8192,
        }
    }
}

impl SqliteOptions {
    /// The options with other indexers.
    #[must_use]
    pub fn indexers(mut self, indexers: KeyIndexers) -> Self {
        self.indexers = indexers;
        self
    }
}

/// A [`CustomerStore`] in a SQLite database file (feature `sqlite`).
///
/// - **Shared**: one `SqliteStore` serves every thread (`&self` everywhere). Writes go through
///   one connection, one at a time, each [`CustomerStore::apply`] one `BEGIN IMMEDIATE`
///   transaction; reads run on a pool of reader connections in parallel (WAL mode), each call
///   seeing one committed state, so no reader ever sees half a batch. Other processes may open
///   the same file; SQLite serialises their writes.
/// - **Durable and atomic**: a batch is committed whole or not at all, also when the process is
///   killed mid-write (see [`SqliteOptions::durable`] for power cuts).
/// - **Versioned schema**: opening a file of an older layout upgrades it in one transaction;
///   a file of a newer one is refused with [`Error::SchemaTooNew`] and left untouched.
/// - **Indexed**: every secondary key, every customer named by a merge record, and the change
///   feed have their index; lookups are index seeks.
/// - **Erasure**: `secure_delete` is on, so deleted and overwritten rows are zeroed in the
///   file; [`SqliteStore::checkpoint`] then clears the write-ahead log too.
///
/// ```
/// use clientele::store::{CustomerStore, SecondaryKey, SqliteStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let dir = std::env::temp_dir().join(format!("clientele-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("crm.db");
/// # let _ = std::fs::remove_file(&path);
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("周杰").phone("+86 139 1234 5678").build();
/// {
///     let store = SqliteStore::open(&path)?;
///     store.put(c.clone())?;
/// }
/// let store = SqliteStore::open(&path)?;
/// assert_eq!(store.get(&c.id)?, Some(c.clone()));
/// assert_eq!(store.lookup(&SecondaryKey::phone("13912345678").unwrap())?, vec![c.id]);
/// # drop(store);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SqliteStore {
    pool: Pool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.pool.path())
            .field("indexers", &self.pool.options().indexers.names())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// The schema version this crate writes (`PRAGMA user_version`).
    pub const SCHEMA_VERSION: i64 = schema::CURRENT;

    /// Opens (or creates) a database file with the default options.
    ///
    /// # Errors
    /// [`Error::SchemaTooNew`] for a file written by a newer version; SQLite's errors (an
    /// unreadable or locked file) as [`Error::Storage`] with rusqlite's error as the cause.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::open_with(path, SqliteOptions::default())
    }

    /// Opens (or creates) a database file: switches it to WAL mode, creates or upgrades the
    /// schema, and rebuilds the key index if it was built by other indexers.
    ///
    /// # Errors
    /// As [`SqliteStore::open`].
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, Error> {
        Self::start(Pool::open(Some(path.as_ref()), options)?)
    }

    /// A store in a private in-memory database (tests, scratch work); reads share the writer's
    /// connection.
    ///
    /// # Errors
    /// SQLite's errors.
    pub fn in_memory() -> Result<Self, Error> {
        Self::in_memory_with(SqliteOptions::default())
    }

    /// [`SqliteStore::in_memory`] with options.
    ///
    /// # Errors
    /// SQLite's errors.
    pub fn in_memory_with(options: SqliteOptions) -> Result<Self, Error> {
        Self::start(Pool::open(None, options)?)
    }

    fn start(pool: Pool) -> Result<Self, Error> {
        let store = Self { pool };
        let names = store.pool.options().indexers.names();
        let mut conn = store.pool.writer()?;
        schema::migrate(&mut conn)?;
        if schema::indexed_with(&conn)?.as_deref() != Some(names.as_str()) {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db)?;
            write::reindex(&tx, &store.pool.options().indexers)?;
            schema::set_indexed_with(&tx, &names)?;
            tx.commit().map_err(db)?;
        }
        drop(conn);
        Ok(store)
    }

    /// The database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.pool.path()
    }

    /// Rebuilds the key index from every record, in one transaction (after changing what an
    /// indexer derives without changing its name).
    ///
    /// # Errors
    /// SQLite's errors; the index is then as before.
    pub fn reindex(&self) -> Result<(), Error> {
        let mut conn = self.pool.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        write::reindex(&tx, &self.pool.options().indexers)?;
        tx.commit().map_err(db)
    }

    /// Copies every committed page from the write-ahead log into the file and truncates the
    /// log. After an erasure this leaves no former value in the log either (with
    /// `secure_delete`, none is left in the file).
    ///
    /// # Errors
    /// SQLite's errors (a reader of another process still using old pages).
    pub fn checkpoint(&self) -> Result<(), Error> {
        let conn = self.pool.writer()?;
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(db)?;
        if busy != 0 {
            return Err(Error::storage_message(
                "sqlite: the checkpoint could not complete (a reader still uses old pages)",
            ));
        }
        Ok(())
    }
}

impl CustomerStore for SqliteStore {
    type Error = Error;

    fn get(&self, id: &CustomerId) -> Result<Option<Customer>, Error> {
        self.pool.read(|c| read::customer(c, id.as_str()))
    }

    fn get_many(&self, ids: &[CustomerId]) -> Result<Vec<Option<Customer>>, Error> {
        self.pool.read(|c| {
            let tx = c.unchecked_transaction().map_err(db)?;
            ids.iter()
                .map(|id| read::customer(&tx, id.as_str()))
                .collect()
        })
    }

    fn scan(&self, after: Option<&CustomerId>, limit: usize) -> Result<Vec<Customer>, Error> {
        self.pool.read(|c| read::scan(c, after, limit))
    }

    fn lookup(&self, key: &SecondaryKey) -> Result<Vec<CustomerId>, Error> {
        self.pool.read(|c| read::lookup(c, key, usize::MAX))
    }

    fn lookup_many(
        &self,
        keys: &[SecondaryKey],
        limit: usize,
    ) -> Result<Vec<Vec<CustomerId>>, Error> {
        self.pool.read(|c| {
            let tx = c.unchecked_transaction().map_err(db)?;
            keys.iter().map(|k| read::lookup(&tx, k, limit)).collect()
        })
    }

    fn key_counts(&self, keys: &[SecondaryKey], limit: usize) -> Result<Vec<usize>, Error> {
        self.pool.read(|c| {
            let tx = c.unchecked_transaction().map_err(db)?;
            keys.iter()
                .map(|k| read::key_count(&tx, k, limit))
                .collect()
        })
    }

    fn activity(&self, id: &CustomerId) -> Result<Activity, Error> {
        self.pool.read(|c| read::activity(c, id.as_str()))
    }

    fn activity_many(&self, ids: &[CustomerId]) -> Result<Vec<Activity>, Error> {
        self.pool.read(|c| {
            let tx = c.unchecked_transaction().map_err(db)?;
            ids.iter()
                .map(|id| read::activity(&tx, id.as_str()))
                .collect()
        })
    }

    fn apply(&self, changes: Vec<Change>) -> Result<(), Error> {
        let indexer = &self.pool.options().indexers;
        // Bodies and keys are made before taking the write lock (in parallel for large
        // batches), so that the lock is held for SQLite's work only.
        let encoded: Vec<Result<Option<write::Encoded>, Error>> = if changes.len() >= 64 {
            changes
                .par_iter()
                .map(|c| write::encode(c, indexer))
                .collect()
        } else {
            changes.iter().map(|c| write::encode(c, indexer)).collect()
        };
        let mut conn = self.pool.writer()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let mut w = write::Writer::new(&tx)?;
        for (index, (change, encoded)) in changes.into_iter().zip(encoded).enumerate() {
            let applied = encoded.and_then(|e| write::apply_one(&mut w, change, e));
            if let Err(source) = applied {
                // Dropping the transaction rolls it back.
                drop(tx);
                return Err(Error::BatchRefused {
                    index,
                    source: Box::new(source),
                });
            }
        }
        w.finish()?;
        tx.commit().map_err(db)
    }

    fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>, Error> {
        self.pool.read(|c| {
            let tx = c.unchecked_transaction().map_err(db)?;
            read::changes_since(&tx, after, limit)
        })
    }

    fn len(&self) -> Result<usize, Error> {
        self.pool.read(read::len)
    }

    fn merge_record(&self, id: &MergeId) -> Result<Option<MergeRecord>, Error> {
        self.pool.read(|c| read::merge(c, id.as_str()))
    }

    fn merges_of(&self, customer: &CustomerId) -> Result<Vec<MergeRecord>, Error> {
        self.pool.read(|c| read::merges_of(c, customer))
    }

    fn scan_merges(
        &self,
        after: Option<&MergeId>,
        limit: usize,
    ) -> Result<Vec<MergeRecord>, Error> {
        self.pool.read(|c| read::scan_merges(c, after, limit))
    }

    fn indexer(&self) -> &dyn KeyIndexer {
        &self.pool.options().indexers
    }

    fn document(&self, namespace: &str, key: &str) -> Result<Option<Document>, Error> {
        self.pool.read(|c| read::document(c, namespace, key))
    }

    fn scan_documents(
        &self,
        namespace: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Document>, Error> {
        self.pool
            .read(|c| read::scan_documents(c, namespace, after, limit))
    }

    fn document_namespaces(&self) -> Result<Vec<String>, Error> {
        self.pool.read(read::document_namespaces)
    }
}
