//! Merging duplicates: plans, survivorship rules, provenance, undo and audit events.
//!
//! A cluster of duplicate records (from [`crate::dedupe`], or the caller's own) becomes a
//! [`MergePlan`] made by a [`Merger`]: which record survives ([`SurvivorRule`]) and, field by
//! field, which values survive ([`FieldRule`]: most recent, most complete, most frequent,
//! preferred source, valid values only, union without repeats after normalization). The plan
//! can be inspected, then [`apply_plan`] writes it through [`CustomerStore::apply`] as one
//! all-or-nothing batch: the survivor replaced, the absorbed records deleted, their activity
//! moved to the survivor, and a [`MergeRecord`] stored holding every value that did not survive
//! ([`Discarded`]: origin, last update, discarding rule) and full snapshots of the inputs, so
//! that [`unmerge`] restores every record exactly. Every operation returns [`AuditEvent`]s.
//!
//! ```
//! use clientele::merge::{apply_plan, history, unmerge, Merger, OnSurvivorChange};
//! use clientele::store::{CustomerStore, MemoryStore};
//! use clientele::{Customer, CustomerId, CustomerKind};
//! use chrono::{TimeZone, Utc};
//!
//! let t = |d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap();
//! let store = MemoryStore::new();
//! store.put(Customer::builder(CustomerId::new("A")?, CustomerKind::Person)
//!     .full_name("李娜").email("li.na@example.com").created_at(t(1)).build())?;
//! store.put(Customer::builder(CustomerId::new("B")?, CustomerKind::Person)
//!     .full_name("李娜").email("Li.Na@Example.com").phone("13800135678").created_at(t(2)).build())?;
//!
//! let cluster = [CustomerId::new("A")?, CustomerId::new("B")?];
//! let plan = Merger::new().default_region("CN").plan(&store, &cluster, t(3))?;
//! assert_eq!(plan.survivor.as_str(), "A");            // the oldest survives
//! assert_eq!(plan.merged.customer.emails.len(), 1);   // one mailbox, written twice
//! assert_eq!(plan.merged.customer.phones.len(), 1);   // B's phone joins A
//! apply_plan(&store, &plan)?;
//!
//! // The provenance is in the store: B's spelling of the email was discarded by `union`.
//! let merges = history(&store, &CustomerId::new("A")?)?;
//! assert!(merges[0].discarded.iter().any(|d| d.from.as_str() == "B" && d.rule == "union"));
//!
//! // And the merge can be undone.
//! unmerge(&store, &plan.id, t(4), OnSurvivorChange::Refuse)?;
//! assert_eq!(store.len()?, 2);
//! # Ok::<(), clientele::Error>(())
//! ```
//!
//! [`CustomerStore::apply`]: crate::store::CustomerStore::apply

mod apply;
mod audit;
mod plan;
mod rules;

/// Provenance types live in the model (a store holds them); re-exported here, where merges make
/// them.
#[allow(deprecated)]
pub use crate::model::{Discarded, FieldValue, MergeField, MergeId, MergeRecord, RecordSnapshot};
pub use apply::{OnSurvivorChange, apply_plan, history, unmerge};
pub use audit::{AuditAction, AuditEvent};
pub use plan::{Kept, MergePlan, Merger};
pub use rules::{FieldRule, SurvivorFn, SurvivorRule};

pub(crate) use apply::apply_event;
#[cfg(feature = "entry")]
pub(crate) use apply::merge_events;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::model::CustomerId;
use crate::store::CustomerStore;

impl Merger {
    /// Plans and applies the merge of a cluster in one call; returns the plan that was applied
    /// and the audit events.
    ///
    /// ```
    /// use clientele::merge::Merger;
    /// use clientele::store::{CustomerStore, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let store = MemoryStore::new();
    /// for id in ["A", "B", "C"] {
    ///     store.put(Customer::builder(CustomerId::new(id)?, CustomerKind::Person).build())?;
    /// }
    /// let cluster = [CustomerId::new("A")?, CustomerId::new("C")?];
    /// let (plan, _events) = Merger::new().merge(&store, &cluster, chrono::Utc::now())?;
    /// assert_eq!(plan.absorbed, vec![CustomerId::new("C")?]);
    /// assert_eq!(store.len()?, 2);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Merger::plan`] and [`apply_plan`].
    pub fn merge<S>(
        &self,
        store: &S,
        cluster: &[CustomerId],
        at: DateTime<Utc>,
    ) -> Result<(MergePlan, Vec<AuditEvent>)>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let plan = self.plan(store, cluster, at)?;
        let events = apply_plan(store, &plan)?;
        Ok((plan, events))
    }
}
