//! Roles with field-level access: an [`AccessPolicy`] (serde data the application loads and
//! keeps with its customers) gives each role one [`Access`] per field of the field model —
//! none, masked, read or write — and a record scope. [`AccessPolicy::view`] is what a role sees
//! of a record; [`AccessPolicy::check_write`] refuses a change to a field the role may not
//! write, naming it; [`AccessPolicy::in_scope`] says whether a record is the actor's at all.
//!
//! ```
//! use clientele::access::{Access, AccessPolicy, Actor};
//! use clientele::model::Field;
//! use clientele::{Customer, CustomerId, CustomerKind};
//! let policy = AccessPolicy::default();
//! policy.check()?;
//! let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
//!     .full_name("韩梅梅").phone("13912345678").build();
//! let viewer = Actor::new("ann", "viewer");
//! assert_eq!(policy.access(&viewer.role, &Field::Phone)?, Access::Masked);
//! let seen = policy.view(&viewer, &c)?;
//! assert_eq!(seen.phones[0].number, "139****5678");
//! // A viewer changes nothing: the refusal names the field.
//! let mut changed = c.clone();
//! changed.tags.insert("vip".into());
//! let e = policy.check_write(&viewer, &c, &changed).unwrap_err();
//! assert!(e.to_string().contains("tags"));
//! assert!(policy.check_write(&Actor::new("li", "editor"), &c, &changed).is_ok());
//! # Ok::<(), clientele::Error>(())
//! ```

mod policy;
mod restrict;
mod view;

pub use policy::{Access, AccessPolicy, Actor, Role, Scope};
#[cfg(feature = "governance")]
pub(crate) use restrict::Restrictions;
