//! Storage: the [`CustomerStore`] trait that callers implement, the [`MemoryStore`] reference
//! implementation, [`SqliteStore`] (feature `sqlite`), and a [`conformance`] suite every
//! implementation can run in its own tests.
//!
//! The library does no I/O of its own outside the SQLite store. Everything it reads or writes
//! goes through this trait, so a CRM back end plugs in its database and gets matching, merging
//! and scoring on top.
//!
//! # The contract in brief
//! - A store is shared: every method takes `&self`, stores are `Send + Sync`, and one store
//!   serves many threads and request handlers.
//! - Records are keyed by [`CustomerId`](crate::CustomerId); [`CustomerStore::scan`] walks them
//!   in id order in batches (keyset pagination, which a database answers with an index range
//!   scan). Batch reads (`get_many`, `activity_many`, `lookup_many`) read many at once.
//! - Each store derives **secondary keys** from every record it holds through its indexers
//!   ([`KeyIndexer`], several at once with [`KeyIndexers`]) and answers
//!   [`CustomerStore::lookup`] from an index kept consistent with every write. The default,
//!   [`ContactKeys`], answers "who has this phone / email / ID"; the duplicate detector
//!   supplies an indexer of blocking keys for incremental matching.
//! - Every write goes through [`CustomerStore::apply`], which applies a batch of [`Change`]s in
//!   order and **atomically**: if any change is refused, none of the batch is visible
//!   afterwards, and readers never see half a batch. A batch may state what it expects
//!   ([`Change::Expect`] with a [`Fingerprint`]): optimistic concurrency, checked inside the
//!   batch.
//! - A **change feed** ([`CustomerStore::changes_since`], [`FeedEntry`]) lists what changed
//!   since a cursor, so other systems stay in step ([`replay`], [`sync`]).
//! - Beside the records, a store keeps small keyed [`Document`]s in namespaces (the importer's
//!   external ids, review queue and saved model), written in the same batches and listed in the
//!   feed.
//! - A whole store is backed up with `backup` and restored into an empty store of any kind
//!   with `restore` (feature `backup`): a versioned, checksummed, streaming format.

#[cfg(feature = "backup")]
mod backup;
mod change;
pub mod conformance;
mod customer_store;
mod document;
mod fault;
mod feed;
mod fingerprint;
mod keys;
mod memory;
mod refuse;
#[cfg(feature = "sqlite")]
mod sqlite;

#[cfg(feature = "backup")]
#[cfg_attr(docsrs, doc(cfg(feature = "backup")))]
pub use backup::{
    BackupCounts, BackupOptions, BackupSummary, RestoreOptions, RestoreSummary, backup, restore,
    verify_backup,
};
pub use change::{Change, Expected};
pub use customer_store::{Batches, CustomerStore, batches};
pub use document::Document;
pub use fault::FaultyStore;
pub use feed::{FeedEntry, FeedItem, FeedKey, replay, sync};
pub use fingerprint::Fingerprint;
pub use keys::{ContactKeys, KeyIndexer, KeyIndexers, SecondaryKey};
pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::{SqliteOptions, SqliteStore, rusqlite};
