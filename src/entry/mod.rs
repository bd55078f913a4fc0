//! Importing records into a store that already holds customers (feature `entry`): each incoming
//! record is validated, normalized, matched against the store with the trained model, and then
//! inserted, merged into its match, held for review or rejected, as the caller's [`Policy`] says.
//!
//! Every record's outcome is one all-or-nothing [`CustomerStore::apply`] batch, with its audit
//! event. The importer's state lives in the store as [`Document`]s, so any
//! [`CustomerStore`] works and a restart loses nothing:
//! - the **external id** of every row (its source system and row id) and a fingerprint of what
//!   it held, so that re-importing a file changes nothing and a changed row updates its customer;
//! - the **review queue** ([`ReviewItem`]: the record held, its candidates and their
//!   explanations), resolved by [`merge_held`] or [`keep_apart`];
//! - the **pair decisions**: a pair kept apart is never proposed again;
//! - the **trained model** ([`saved_model`], [`Importer::retrain`]).
//!
//! Rows of one file are matched against each other as well as against the store: they are
//! applied one after the other, each seeing the ones before. (The work is parallel: a chunk of
//! rows is planned at once and a row that reads what an earlier row of its chunk writes is
//! planned again; see [`Importer::import`] and [`Importer::chunk_rows`].)
//!
//! ```
//! use clientele::entry::{Importer, Incoming, Policy};
//! use clientele::store::{CustomerStore, MemoryStore};
//! use clientele::{Customer, CustomerId, CustomerKind};
//! let importer = Importer::new("crm");
//! let store = MemoryStore::with_indexers(importer.indexers());
//! let row = |id: &str, name: &str| Incoming::new(1, Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
//!     .full_name(name).phone("+86 138 0013 5678").email("ann@example.com").build());
//! let rows: Vec<Incoming> = (0..30).map(|i| row(&format!("C{i}"), &format!("Person {i}"))).collect();
//! let report = importer.import(&store, rows.clone(), chrono::Utc::now())?;
//! assert_eq!(report.rows.len(), 30);
//! // The same file again changes nothing.
//! let again = importer.import(&store, rows, chrono::Utc::now())?;
//! assert_eq!(again.counts().unchanged, 30);
//! # Ok::<(), clientele::Error>(())
//! ```
//!
//! [`CustomerStore::apply`]: crate::store::CustomerStore::apply
//! [`CustomerStore`]: crate::store::CustomerStore
//! [`Document`]: crate::store::Document

mod docs;
mod import;
mod policy;
mod review;
mod speculate;

pub use import::{Importer, Incoming, saved_model};
pub use policy::{Counts, ImportReport, OnMatch, Outcome, Policy, RowOutcome};
pub use review::{Candidate, ReviewItem, is_kept_apart, keep_apart, merge_held, review_queue};
