//! Duplicate detection planned on Apache DataFusion (feature `datafusion`): the stages that
//! shuffle records by key run as a query plan within a memory pool of the caller's size,
//! spilling to disk past it, and give the answers of the in-memory run.
//!
//! - [`udfs`]: scalar functions for a caller's own plans and SQL (a name's, company's,
//!   phone's and email's match key, through the crate's own normalization).
//! - [`run_batch`] / [`run`]: the whole dedupe. Records are prepared as the in-memory run
//!   prepares them; their blocking keys become a table `(rule, key, record)`, grouped by
//!   `(rule, key)` in the plan (block sizes, the block cap, the blocks kept, their members
//!   sorted), each block's candidate pairs found by the in-memory blocking code, the pairs
//!   of all rules made distinct in the plan; comparison, training from summed statistics
//!   ([`crate::dedupe::TrainingStats`]), scoring and clustering (the crate's union-find on
//!   the pairs, which fit in memory) follow as in the in-memory run. docs/SCALE.md has what
//!   is shuffled, the measurements and what remains (a distributed run on Ballista).
//!
//! ```
//! use clientele::dedupe::Deduplicator;
//! use clientele::scale::{ScaleOptions, run};
//! use clientele::{Customer, CustomerId, CustomerKind};
//!
//! let person = |id: &str, name: &str, phone: &str| {
//!     Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
//!         .full_name(name).phone(phone).build()
//! };
//! let customers = vec![
//!     person("A", "张伟", "+86 138 0013 8000"),
//!     person("B", "張偉", "13800138000"),
//!     person("C", "王芳", "+86 139 0000 1111"),
//! ];
//! let dedupe = Deduplicator::new().default_region("CN");
//! let result = run(&dedupe, &customers, &ScaleOptions::default())?;
//! assert_eq!(result, dedupe.run(&customers)?);
//! # Ok::<(), clientele::Error>(())
//! ```

mod block;
mod run;
mod udf;

pub use run::{ScaleOptions, run, run_batch};
pub use udf::udfs;
