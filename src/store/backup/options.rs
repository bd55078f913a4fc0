//! The knobs of a backup and a restore, and what each reports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How [`backup`](crate::store::backup()) writes a store.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use clientele::store::BackupOptions;
/// // A fixed creation time makes two backups of the same content byte-identical.
/// let options = BackupOptions::new().created(Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap());
/// assert_eq!(options.page_size(), 512);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupOptions {
    created: Option<DateTime<Utc>>,
    page: usize,
    frame_bytes: usize,
}

impl Default for BackupOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl BackupOptions {
    /// The defaults: the creation time is the clock's when the backup starts, pages of 512
    /// read from the store, frames of about 1 MiB.
    pub fn new() -> Self {
        Self {
            created: None,
            page: 512,
            frame_bytes: 1 << 20,
        }
    }

    /// Records `at` as the backup's creation time instead of the clock's (the only value of a
    /// backup that is not the store's content: fix it and two backups of equal stores are
    /// byte-identical).
    #[must_use]
    pub fn created(mut self, at: DateTime<Utc>) -> Self {
        self.created = Some(at);
        self
    }

    /// Reads the store `n` items at a time (at least 1; the default is 512): records, activity,
    /// merge records and documents alike. Memory holds one page and one frame at a time.
    #[must_use]
    pub fn page(mut self, n: usize) -> Self {
        self.page = n.max(1);
        self
    }

    /// Closes a frame once its payload reaches `n` bytes (at least 1; the default is 1 MiB).
    /// An item is never split, so one frame holds at least one item. Smaller frames mean
    /// less memory and finer error positions, at 37 bytes of framing each.
    #[must_use]
    pub fn frame_bytes(mut self, n: usize) -> Self {
        self.frame_bytes = n.max(1);
        self
    }

    /// The page size (see [`BackupOptions::page`]).
    pub fn page_size(&self) -> usize {
        self.page
    }

    /// The frame size (see [`BackupOptions::frame_bytes`]).
    pub fn frame_size(&self) -> usize {
        self.frame_bytes
    }

    /// The creation time to record: the fixed one, or now.
    pub(super) fn created_at(&self) -> DateTime<Utc> {
        self.created.unwrap_or_else(Utc::now)
    }
}

/// How [`restore`](crate::store::restore()) writes into the target store.
///
/// ```
/// use clientele::store::RestoreOptions;
/// assert_eq!(RestoreOptions::new().batch(50_000).batch_size(), 50_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreOptions {
    batch: usize,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl RestoreOptions {
    /// The defaults: batches of 10,000 changes.
    pub fn new() -> Self {
        Self { batch: 10_000 }
    }

    /// Applies the restored items to the store `n` changes at a time (at least 1; the default
    /// is 10,000), each batch one [`apply`](crate::store::CustomerStore::apply) (one
    /// transaction in `SqliteStore`). A backup of at most `n` items is checked whole before
    /// anything is written; a larger one is written batch by batch as its frames check out, and
    /// removed again if a later frame fails.
    #[must_use]
    pub fn batch(mut self, n: usize) -> Self {
        self.batch = n.max(1);
        self
    }

    /// The batch size (see [`RestoreOptions::batch`]).
    pub fn batch_size(&self) -> usize {
        self.batch
    }
}

/// How many items of each kind a backup holds (written in its trailer and checked on restore).
///
/// ```
/// use clientele::store::BackupCounts;
/// let counts = BackupCounts::default();
/// assert_eq!(counts.customers + counts.documents, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BackupCounts {
    /// Customer records.
    pub customers: u64,
    /// Customers with activity (one activity item each).
    pub activities: u64,
    /// Transactions, over all customers.
    pub transactions: u64,
    /// Interactions, over all customers.
    pub interactions: u64,
    /// Merge records.
    pub merges: u64,
    /// Documents, over all namespaces.
    pub documents: u64,
}

/// What [`backup`](crate::store::backup()) wrote.
///
/// ```
/// use clientele::store::{backup, BackupOptions, MemoryStore};
/// let mut out = Vec::new();
/// let summary = backup(&MemoryStore::new(), &mut out, &BackupOptions::new())?;
/// assert_eq!(summary.bytes, out.len() as u64);
/// assert_eq!(summary.sha256.len(), 64);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct BackupSummary {
    /// The items written.
    pub counts: BackupCounts,
    /// Frames written (header and trailer included).
    pub frames: u64,
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256 of every byte written, in lower-case hex: what `sha256sum` says of the file.
    pub sha256: String,
    /// The creation time recorded in the backup.
    pub created: DateTime<Utc>,
}

/// What [`restore`](crate::store::restore()) (or [`verify_backup`](crate::store::verify_backup))
/// read.
///
/// ```
/// use clientele::store::{backup, verify_backup, BackupOptions, MemoryStore};
/// let mut out = Vec::new();
/// backup(&MemoryStore::new(), &mut out, &BackupOptions::new())?;
/// let summary = verify_backup(out.as_slice())?;
/// assert_eq!(summary.format_version, 1);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RestoreSummary {
    /// The items read (and, for a restore, written).
    pub counts: BackupCounts,
    /// Frames read (header and trailer included).
    pub frames: u64,
    /// Bytes read.
    pub bytes: u64,
    /// SHA-256 of every byte read, in lower-case hex (equal to the backup's
    /// [`BackupSummary::sha256`]).
    pub sha256: String,
    /// The creation time recorded in the backup.
    pub created: DateTime<Utc>,
    /// The backup's format version.
    pub format_version: u32,
    /// The document namespaces the backup holds, in byte order (a backup of an encrypted
    /// store holds `clientele.encryption`, the store's key check: its values are sealed).
    pub namespaces: Vec<String>,
    /// Batches applied to the store (0 for [`verify_backup`](crate::store::verify_backup)).
    pub batches: u64,
}
