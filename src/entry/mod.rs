//! Duplicate check on entry (录入查重): records arriving one at a time or a file at a time go
//! into a live store, each matched against what the store holds, then inserted, merged into
//! its match, held for review or refused, per the caller's [`EntryPolicy`].
//!
//! The stages have their homes: [`policy`](EntryPolicy) (what to do with a match),
//! `import` ([`Importer`]: validate, normalize, match, apply one batch per record) and
//! `review` (the queue of records held for a person, and the pair decisions it leaves). The
//! importer's state lives in the store's documents ([`crate::store::DocKey`]), namespaces
//! `entry.*`, so it survives restarts and follows the change feed.

mod import;
mod policy;
mod review;

pub use import::{Importer, Outcome};
pub use policy::{EntryPolicy, OnMatch};
pub use review::{Candidate, ReviewItem, decided_apart, keep_apart, merge_reviewed, review_items};
