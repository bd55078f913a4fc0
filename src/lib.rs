//! # clientele
//!
//! The core of a customer data platform, as a library: typed customer records, a storage trait
//! your application implements, and (as the crate grows) normalization, validation, fuzzy
//! duplicate detection, merging and lifecycle scoring, correct on Chinese as well as
//! Latin-script data. It does no I/O of its own.
//!
//! ## A first record
//! ```
//! use clientele::{Customer, CustomerId, CustomerKind};
//! use clientele::store::{CustomerStore, MemoryStore, SecondaryKey};
//!
//! let wei = Customer::builder(CustomerId::new("C0001")?, CustomerKind::Person)
//!     .full_name("张伟")
//!     .family_name("张")
//!     .given_name("伟")
//!     .phone("+86 138 0013 5678")
//!     .email("zhang.wei@example.com")
//!     .tag("vip")
//!     .build();
//!
//! let store = MemoryStore::new();
//! store.put(wei.clone())?;
//!
//! // Find customers by a phone number however it was written.
//! let hits = store.lookup(&SecondaryKey::phone("138-0013-5678").unwrap())?;
//! assert_eq!(hits, vec![wei.id.clone()]);
//!
//! // Personal data never reaches logs through Debug.
//! assert!(!format!("{wei:?}").contains("0013"));
//! # Ok::<(), clientele::Error>(())
//! ```
//!
//! ## Concepts
//! - [`model`]: [`Customer`] and its parts (names, phones, emails, addresses, national IDs, tags,
//!   custom fields, consent), and activity ([`model::Transaction`], [`model::Interaction`]).
//!   Values are kept as written; `Debug` masks every personal value, under one policy
//!   ([`model::MaskPolicy`]).
//! - [`store`]: the [`store::CustomerStore`] trait (shared by threads: get and batch reads, scan
//!   in batches, secondary-key lookup, activity, an all-or-nothing `apply` with optimistic
//!   concurrency, and a change feed), the [`store::MemoryStore`] reference implementation, a
//!   SQLite store (feature `sqlite`) and the [`store::conformance`] suites for your own
//!   implementations. Guide: docs/STORE.md.
//! - [`import`]: rows of text (CSV cells, form fields) to records, with line-numbered errors and
//!   nothing lost.
//! - `files` (feature `files`): customer files read into records with a report in which every
//!   row is read or refused with its line (stray quotes caught), and records written back
//!   without loss.
//! - [`Error`]: one error type; messages never carry full personal values.

#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod access;
#[cfg(feature = "encryption")]
#[cfg_attr(docsrs, doc(cfg(feature = "encryption")))]
pub mod crypto;
pub mod dedupe;
#[cfg(feature = "entry")]
#[cfg_attr(docsrs, doc(cfg(feature = "entry")))]
pub mod entry;
pub mod error;
#[cfg(feature = "files")]
#[cfg_attr(docsrs, doc(cfg(feature = "files")))]
pub mod files;
#[cfg(feature = "governance")]
#[cfg_attr(docsrs, doc(cfg(feature = "governance")))]
pub mod governance;
mod hashing;
pub mod import;
pub mod lifecycle;
pub mod merge;
pub mod model;
pub mod normalize;
mod prefetch;
pub mod privacy;
pub mod report;
mod rng;
#[cfg(feature = "datafusion")]
#[cfg_attr(docsrs, doc(cfg(feature = "datafusion")))]
pub mod scale;
pub mod segment;
pub mod store;
#[cfg(feature = "synth")]
#[cfg_attr(docsrs, doc(cfg(feature = "synth")))]
pub mod synth;
pub mod validate;

pub use error::{Error, Result};
pub use model::{Customer, CustomerId, CustomerKind};

/// The README's code examples, compiled and run as doc tests so the tour stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// The normalization guide's code examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/NORMALIZATION.md")]
pub struct NormalizationDoctests;

/// The duplicate-detection guide's code examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/DEDUPE.md")]
pub struct DedupeDoctests;

/// The storage guide's code examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/STORE.md")]
pub struct StoreDoctests;

/// The import guide's code examples, compiled and run as doc tests.
#[cfg(all(doctest, feature = "entry"))]
#[doc = include_str!("../docs/IMPORT.md")]
pub struct ImportDoctests;

/// The merge guide's code examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/MERGE.md")]
pub struct MergeDoctests;

/// The encryption guide's code examples, compiled and run as doc tests.
#[cfg(all(doctest, feature = "encryption"))]
#[doc = include_str!("../docs/ENCRYPTION.md")]
pub struct EncryptionDoctests;

/// The lifecycle guide's code examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../docs/LIFECYCLE.md")]
pub struct LifecycleDoctests;
