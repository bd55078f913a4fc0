//! The contract test suite for [`CustomerStore`] implementations.
//!
//! Run its three parts on an empty store in your own tests; each returns the first broken
//! expectation:
//! - [`run`]: reads, writes, pagination, the secondary index, activity, the all-or-nothing rule
//!   of [`CustomerStore::apply`], merge records, batch reads, expectations, the change feed and
//!   keyed documents;
//! - [`concurrency`]: threads reading and writing at once (no lost update, no torn batch);
//! - [`faults`]: a failure injected at every write of a batch of every kind of change leaves
//!   the store unchanged.
//!
//! ```
//! use clientele::store::{conformance, MemoryStore};
//! let store = MemoryStore::new();
//! let report = conformance::run(&store)?;
//! assert!(report.checks > 20);
//! conformance::concurrency(&store, 4)?;
//! conformance::faults(&store)?;
//! # Ok::<(), conformance::Failure>(())
//! ```

mod basic;
mod documents;
mod expect;
mod faults;
mod feed;
mod merges;
mod reads;
mod snapshot;
mod suite;
mod threads;

pub use faults::faults;
pub use snapshot::{Snapshot, snapshot};
pub use threads::concurrency;

use crate::store::CustomerStore;
use suite::{Suite, ok};

/// What the suite found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The store answered an error where the contract expects success.
    #[error("check `{check}`: the store failed: {message}")]
    Store {
        /// Which check was running.
        check: &'static str,
        /// The store's error, as text.
        message: String,
    },
    /// The store answered, but not as the contract says.
    #[error("check `{check}`: {detail}")]
    Broken {
        /// Which check failed.
        check: &'static str,
        /// What was expected and what came.
        detail: String,
    },
    /// The suite needs an empty store to start from.
    #[error("the store must be empty before the suite runs (it holds {0} records)")]
    NotEmpty(usize),
}

/// What a successful run covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// How many expectations were checked.
    pub checks: usize,
}
/// Runs the single-threaded suite on an empty store and leaves it empty again on success:
/// reads, writes, pagination, the secondary index, activity, all-or-nothing batches, merge
/// records, batch reads (equal to single reads), expectations (optimistic concurrency: refusals
/// change nothing) and the change feed (replayed into an empty [`crate::store::MemoryStore`]
/// after every kind of change, it gives the same records, activity and merge records).
///
/// Run [`concurrency`] and [`faults`] too.
///
/// # Errors
/// The first broken expectation, as a [`Failure`] naming the check.
pub fn run<S: CustomerStore + ?Sized>(store: &S) -> Result<Report, Failure> {
    let mut s = Suite::new(store);
    let n = ok("empty", s.store.len())?;
    if n != 0 {
        return Err(Failure::NotEmpty(n));
    }
    basic::checks(&mut s)?;
    reads::checks(&mut s)?;
    expect::checks(&mut s)?;
    feed::checks(&mut s)?;
    documents::checks(&mut s)?;
    Ok(Report { checks: s.checks })
}
