//! A batch run fed a chunk of records at a time: each chunk is turned into prepared keys as it
//! comes, so the caller need not hold every record at once (a large file read in chunks).

use rayon::prelude::*;

use super::blocking::KeyedRule;
use super::compiled::Compiled;
use super::prepare::Prepared;
use super::{Compared, DedupeResult, Deduplicator};
use crate::error::Error;
use crate::model::Customer;

/// A batch run whose records are added a chunk at a time ([`Deduplicator::batch`]): each
/// chunk's records are prepared for comparison (in parallel) as they are added, and only
/// their prepared keys are kept (under 500 bytes a record, where a record read from a file
/// takes about 2 KB), so a caller reading a large file can drop each chunk once added.
///
/// The result is the same as [`Deduplicator::run`] on all the records in the order they were
/// added (and, as there, it does not depend on that order).
///
/// ```
/// use clientele::dedupe::Deduplicator;
/// use clientele::{Customer, CustomerId, CustomerKind};
///
/// let person = |id: &str, name: &str, phone: &str| {
///     Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
///         .full_name(name).phone(phone).build()
/// };
/// let dedupe = Deduplicator::new().default_region("CN");
/// let mut batch = dedupe.batch()?;
/// batch.add(&[person("A", "张伟", "+86 138 0013 8000")]);
/// batch.add(&[person("B", "張偉", "13800138000"), person("C", "王芳", "+86 139 0000 1111")]);
/// assert_eq!(batch.len(), 3);
/// let result = batch.run()?;
/// assert_eq!(result.cluster_of("A"), result.cluster_of("B"));
/// # Ok::<(), clientele::Error>(())
/// ```
pub struct Batch<'a> {
    pub(crate) dedupe: &'a Deduplicator,
    /// The comparisons records are prepared for.
    pub(crate) compiled: Compiled,
    /// The blocking rules (the detector's).
    pub(crate) blocking: Compiled,
    pub(crate) records: Vec<Prepared>,
    /// The keys of each record under each rule keyed by text (the caller's keys, rules of
    /// fields; none without such rules).
    pub(crate) keyed: Vec<KeyedRule>,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("records", &self.records.len())
            .finish_non_exhaustive()
    }
}

impl Deduplicator {
    /// Starts a batch run to which records are added a chunk at a time (see [`Batch`]).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for a knob out of range (see [`Deduplicator::threshold`]);
    /// [`Error::InvalidSetting`] for a configuration that does not compile.
    pub fn batch(&self) -> Result<Batch<'_>, Error> {
        self.batch_compiled(Compiled::new(&self.config)?)
    }

    /// A batch run whose records are prepared for the comparisons `compiled`.
    pub(super) fn batch_compiled(&self, compiled: Compiled) -> Result<Batch<'_>, Error> {
        self.check_knobs()?;
        Ok(Batch {
            dedupe: self,
            blocking: Compiled::new(&self.config)?,
            compiled,
            records: Vec::new(),
            keyed: Vec::new(),
        })
    }
}

impl Batch<'_> {
    /// Prepares the records (in parallel) and keeps their keys; the records themselves are
    /// not kept.
    pub fn add(&mut self, customers: &[Customer]) {
        let d = self.dedupe;
        let before = self.records.len() as u64;
        let after = before + customers.len() as u64;
        d.report("prepare", before, after);
        let at = self.records.len();
        self.records.par_extend(
            customers
                .par_iter()
                .map(|c| d.prepare_one(c, &self.compiled)),
        );
        let refs: Vec<&Customer> = customers.iter().collect();
        let added = self.records.get(at..).unwrap_or(&[]);
        let keyed = d.keyed_rules(added, &refs, &self.blocking);
        if self.keyed.is_empty() {
            self.keyed = keyed;
        } else {
            // The same rules in the same order for every chunk.
            for (all, chunk) in self.keyed.iter_mut().zip(keyed) {
                all.keys.extend(chunk.keys);
            }
        }
        d.report("prepare", after, after);
    }

    /// The records added so far.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no record was added.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Blocks, compares, trains, scores and clusters the records added, as
    /// [`Deduplicator::run`] does.
    ///
    /// # Errors
    /// As [`Deduplicator::run`].
    pub fn run(self) -> Result<DedupeResult, Error> {
        let d = self.dedupe;
        let compiled = self.compiled.clone();
        d.run_compared(&compiled, self.compare()?, None)
    }

    /// Lays out, blocks and compares the records added.
    pub(super) fn compare(self) -> Result<Compared, Error> {
        self.dedupe
            .compare_prepared(self.records, self.keyed, (&self.compiled, &self.blocking))
    }
}
