//! Backup and restore of a whole store (feature `backup`): a versioned, streaming snapshot of
//! everything a [`CustomerStore`] holds, written to any `io::Write` and restored from any
//! `io::Read` into an empty store of any kind.
//!
//! The format (docs/STORE.md, "Backup and restore"): a magic string and a format version, then
//! frames, each a JSON array of items with a SHA-256 digest chained to the frame before it, in
//! restore order: a header (creation time), customers, activity, merge records, documents
//! (every namespace: the importer's external ids, review queue and model, audit history,
//! policies), and a trailer with the counts and the SHA-256 of everything before it. Items are
//! in key order and serialized deterministically, so equal stores give byte-identical backups
//! when the creation time is fixed ([`BackupOptions::created`]).

mod frame;
mod options;
mod read;
mod restore;
mod section;
mod write;

use std::io::{Read, Write};

pub use options::{BackupCounts, BackupOptions, BackupSummary, RestoreOptions, RestoreSummary};

use crate::error::Result;
use crate::store::CustomerStore;

/// Writes a backup of everything `store` holds to `out`.
///
/// The store is read page by page ([`BackupOptions::page`]) in restore order: records, then
/// their activity (a second walk over the records), merge records, and the documents of every
/// namespace. Memory holds one page and one frame at a time, whatever the store's size. The
/// writes of other threads during a backup may or may not be in it, and a record deleted between
/// the two walks leaves its activity out; take a backup while the store is not written (the
/// crate's stores read each page from one consistent view, not the whole walk).
///
/// # Errors
/// The store's own errors (as `Error::Storage`, or the crate's error itself), `Error::Io` when
/// `out` fails, `Error::Storage` when the store lists items out of the trait's ascending order.
/// What was written to `out` before an error is not a valid backup (it has no trailer).
///
/// # Examples
/// ```
/// use clientele::store::{backup, restore, BackupOptions, CustomerStore, MemoryStore, RestoreOptions};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let store = MemoryStore::new();
/// store.put(Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("李娜").build())?;
///
/// let mut file = Vec::new();
/// let written = backup(&store, &mut file, &BackupOptions::new())?;
/// assert_eq!(written.counts.customers, 1);
///
/// let copy = MemoryStore::new();
/// let read = restore(file.as_slice(), &copy, &RestoreOptions::new())?;
/// assert_eq!(read.sha256, written.sha256);
/// assert_eq!(copy.get(&CustomerId::new("C1")?)?, store.get(&CustomerId::new("C1")?)?);
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn backup<S, W>(store: &S, out: W, options: &BackupOptions) -> Result<BackupSummary>
where
    S: CustomerStore + ?Sized,
    W: Write,
{
    write::write(store, out, options)
}

/// Restores a backup from `input` into `store`, which must be empty, all or nothing.
///
/// Items are written in priority order (customers first, then activity, merge records,
/// documents), in batches of [`RestoreOptions::batch`] changes, each frame's digest checked
/// before its items are used. Whatever goes wrong (a changed byte, a stream cut short, a
/// missing or moved frame, bytes after the trailer, counts or checksum that differ, the store
/// refusing a change), the batches already written are deleted again, so the store is left
/// empty, as it was found. The check is complete before the last batch is written: a backup of
/// at most one batch is checked whole before anything is written. A restore assumes nothing
/// else writes into the target meanwhile. The target's change feed lists the restored items
/// (and, after a failure, their removal).
///
/// # Errors
/// - `Error::RestoreTargetNotEmpty` when the store holds any record, merge record or document
///   (nothing is written).
/// - `Error::BackupCorrupt` (with the byte position) for a stream that is not a backup, is
///   truncated, has a changed byte, frames missing or out of order, items out of order, or
///   counts or a checksum that differ from its trailer's.
/// - `Error::BackupTooNew` for a format version newer than this crate reads.
/// - `Error::Io` when `input` fails; the store's own errors when it refuses a change.
/// - `Error::Storage` when removing a failed restore fails too (its message says so).
///
/// # Examples
/// ```
/// use clientele::store::{backup, restore, BackupOptions, CustomerStore, MemoryStore, RestoreOptions};
/// use clientele::{Customer, CustomerId, CustomerKind, Error};
/// let store = MemoryStore::new();
/// store.put(Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build())?;
/// let mut file = Vec::new();
/// backup(&store, &mut file, &BackupOptions::new())?;
///
/// // Cut short: refused, and the target stays empty.
/// let target = MemoryStore::new();
/// let err = restore(&file[..file.len() - 1], &target, &RestoreOptions::new()).unwrap_err();
/// assert!(matches!(err, Error::BackupCorrupt { .. }));
/// assert!(target.is_empty()?);
///
/// // A store that holds something is refused.
/// let err = restore(file.as_slice(), &store, &RestoreOptions::new()).unwrap_err();
/// assert!(matches!(err, Error::RestoreTargetNotEmpty { .. }));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn restore<R, S>(input: R, store: &S, options: &RestoreOptions) -> Result<RestoreSummary>
where
    R: Read,
    S: CustomerStore + ?Sized,
{
    restore::restore(input, store, options)
}

/// Reads a whole backup and checks it as [`restore`] does (every frame's digest, order, counts
/// and checksum, every item decoded), writing nothing.
///
/// # Errors
/// As [`restore`], the store's errors aside.
///
/// # Examples
/// ```
/// use clientele::store::{backup, verify_backup, BackupOptions, MemoryStore};
/// let mut file = Vec::new();
/// let written = backup(&MemoryStore::new(), &mut file, &BackupOptions::new())?;
/// assert_eq!(verify_backup(file.as_slice())?.sha256, written.sha256);
/// file[30] ^= 1;
/// assert!(verify_backup(file.as_slice()).is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn verify_backup<R: Read>(input: R) -> Result<RestoreSummary> {
    let mut decoder = read::Decoder::open(input)?;
    while decoder.next()?.is_some() {}
    Ok(decoder.summary(0))
}
