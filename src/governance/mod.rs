//! Governance (feature `governance`): a store handle that acts as one actor under the access
//! policy ([`ActorStore`]), the audit history of every write it applies ([`audit_of`],
//! [`audit_by`]), the archive of deleted customers ([`ActorStore::restore_archived`]),
//! retention rules ([`ActorStore::run_retention`]) and the data-management policy document that
//! holds them all ([`DataPolicy`]).
//!
//! Everything is kept in the store itself, as documents written in the same all-or-nothing
//! batch as the change they describe, so it is as durable as the customers (a `SqliteStore`
//! keeps it across restarts) and goes with them into backups; an encrypting store underneath
//! seals it like the rest.
//!
//! ```
//! use clientele::access::{AccessPolicy, Actor};
//! use clientele::governance::{ActorStore, AuditOp, audit_by};
//! use clientele::store::{CustomerStore, MemoryStore};
//! use clientele::{Customer, CustomerId, CustomerKind};
//! let store = ActorStore::new(MemoryStore::new(), AccessPolicy::default(), Actor::new("li", "editor"))?;
//! let id = CustomerId::new("C1")?;
//! store.insert(Customer::builder(id.clone(), CustomerKind::Person).full_name("李雷").build())?;
//! let mut c = store.get(&id)?.unwrap();
//! c.tags.insert("vip".into());
//! store.put(c)?;
//! let ops: Vec<AuditOp> = audit_by(store.inner(), "li")?.iter().map(|e| e.op).collect();
//! assert_eq!(ops, [AuditOp::Insert, AuditOp::Update]);
//! # Ok::<(), clientele::Error>(())
//! ```

mod archive;
mod audit;
mod handle;
mod policy;
mod retention;
mod write;

pub use archive::{ARCHIVE_NAMESPACE, ArchivedCustomer, archived, scan_archived};
pub use audit::{
    AUDIT_BY_ACTOR_NAMESPACE, AUDIT_NAMESPACE, AuditEntry, AuditOp, AuditValues, FieldChange,
    audit_by, audit_of,
};
pub use handle::ActorStore;
pub use policy::{ActorSpec, DataPolicy, POLICY_NAMESPACE};
pub use retention::{RecordClass, RetentionAction, RetentionReport, RetentionRule, RuleOutcome};
