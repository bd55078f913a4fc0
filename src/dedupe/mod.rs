//! Fuzzy duplicate detection: blocking, graded comparisons, an unsupervised Fellegi-Sunter
//! model, explainable scores, clustering, incremental matching and linkage of two sources.
//!
//! ```
//! use clientele::dedupe::Deduplicator;
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
//! let result = Deduplicator::new().default_region("CN").run(&customers)?;
//! let same = |a: &str, b: &str| result.cluster_of(a) == result.cluster_of(b);
//! assert!(same("A", "B") && !same("A", "C"));
//! # Ok::<(), clientele::Error>(())
//! ```

mod batch;
mod blocking;
mod cluster;
mod compare;
mod compiled;
mod config;
mod evaluate;
mod evidence;
mod features;
mod layout;
mod match_one;
mod model;
mod patterns;
mod prepare;
mod score;
pub mod similarity;
mod stats;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use batch::Batch;
pub use blocking::{BlockingReport, BlockingRule, RuleReport};
pub(crate) use blocking::{KeyedRule, Pairs};
#[cfg(feature = "datafusion")]
pub(crate) use blocking::{block_pairs, key_hashes, shown_key, skipped_warning};
pub use compare::{BuiltIn, Pattern};
pub(crate) use compiled::Compiled;
pub use config::{
    Blocking, Comparison, DedupeConfig, Evidence, FieldComparison, Level, MAX_COMPARISONS,
    MAX_PATTERNS,
};
pub use evaluate::{Evaluation, evaluate, ordered_pair, pairs_from_entities};
pub use match_one::{Match, Matcher};
pub use model::{
    ComparisonParams, Contribution, Explanation, LevelParams, TermFrequencies, TrainedModel,
};
pub(crate) use prepare::Prepared;
use score::oriented;
pub use stats::TrainingStats;

use crate::error::Error;
use crate::model::{Customer, CustomerId};
use crate::normalize::Normalizer;
use cluster::make_clusters;
use layout::{check_size, layout, permute, positions_by_id, sorted_refs};
use patterns::{CodeMap, count_patterns};

/// Progress of a long run, given to the caller's callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The stage (`prepare`, `block`, `compare`, `train`, `score`, `cluster`).
    pub stage: &'static str,
    /// Units done.
    pub done: u64,
    /// Units in all.
    pub total: u64,
}

type ProgressFn = dyn Fn(Progress) + Send + Sync;
type KeyFn = dyn Fn(&Customer) -> Vec<String> + Send + Sync;

/// A scored candidate pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredPair {
    /// The first record (the smaller id; in linkage, the record of the first source).
    pub id_1: CustomerId,
    /// The second record.
    pub id_2: CustomerId,
    /// The match probability.
    pub probability: f64,
    /// The total match weight (log2 odds).
    pub match_weight: f64,
    /// Why: prior and the contribution of every comparison.
    pub explanation: Explanation,
}

/// A cluster of records judged to be one customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    /// A stable id derived from the members: the smallest member id.
    pub cluster_id: String,
    /// The members, sorted.
    pub members: Vec<CustomerId>,
}

/// Everything a run found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DedupeResult {
    /// Candidate pairs at or above the threshold that agree on real evidence (docs/DEDUPE.md,
    /// "Evidence"), sorted by ids.
    pub pairs: Vec<ScoredPair>,
    /// Every record's cluster (singletons included), sorted by cluster id.
    pub clusters: Vec<Cluster>,
    /// What blocking did.
    pub blocking: BlockingReport,
    /// The model used (trained on the input unless one was given).
    pub model: TrainedModel,
    /// Candidate pairs compared.
    pub compared: u64,
    /// Each record's cluster by id, built on the first [`DedupeResult::cluster_of`].
    #[serde(skip)]
    lookup: cluster::ClusterLookup,
}

impl DedupeResult {
    /// The cluster id of a record, by id: a hash lookup (the map is built on the first call).
    pub fn cluster_of(&self, id: &str) -> Option<&str> {
        self.lookup
            .find(&self.clusters, id)
            .map(|c| c.cluster_id.as_str())
    }
}

/// The duplicate detector; configure with the builder methods, then [`Deduplicator::run`].
#[derive(Clone)]
pub struct Deduplicator {
    normalizer: Normalizer,
    region: Option<String>,
    threshold: f64,
    split_threshold: f64,
    config: DedupeConfig,
    custom_keys: Vec<Arc<KeyFn>>,
    max_block: usize,
    u_pairs: u64,
    em_iterations: usize,
    seed: u64,
    progress: Option<Arc<ProgressFn>>,
    cancel: Option<Arc<AtomicBool>>,
    /// Stored records prepared for `match_one`, shared by the detectors of a region (see
    /// `features`).
    features: Arc<features::Features>,
}

impl fmt::Debug for Deduplicator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deduplicator")
            .field("region", &self.region)
            .field("threshold", &self.threshold)
            .field("split_threshold", &self.split_threshold)
            .field("config", &self.config)
            .field("custom_keys", &self.custom_keys.len())
            .field("max_block", &self.max_block)
            .finish()
    }
}

impl Default for Deduplicator {
    fn default() -> Self {
        Self::new()
    }
}

impl Deduplicator {
    /// Defaults: every built-in blocking rule, threshold 0.5, chains split below 0.9, blocks
    /// capped at 1,000 records, u from 1,000,000 random pairs, up to 100 EM iterations.
    pub fn new() -> Self {
        Self {
            normalizer: Normalizer::default(),
            region: None,
            threshold: 0.5,
            split_threshold: 0.9,
            config: DedupeConfig::default(),
            custom_keys: Vec::new(),
            max_block: 1000,
            u_pairs: 1_000_000,
            em_iterations: 100,
            seed: 0x5EED,
            progress: None,
            cancel: None,
            features: features::Features::shared(None),
        }
    }

    /// Default region for phones written without a country code (without it, such phones are
    /// compared on their digits).
    #[must_use]
    pub fn default_region(mut self, region: &str) -> Self {
        self.region = Some(region.trim().to_ascii_uppercase());
        self.features = features::Features::shared(self.region.as_deref());
        self
    }

    /// The match probability at or above which pairs are reported and clustered, from 0 to 1.
    ///
    /// The value is checked when the detector is used: [`Deduplicator::run`], `train`, `link`
    /// and `match_one` refuse a NaN, infinite or out-of-range threshold with
    /// [`Error::InvalidValue`] naming `threshold` (it is never clamped).
    ///
    /// ```
    /// use clientele::dedupe::Deduplicator;
    /// let err = Deduplicator::new().threshold(f64::NAN).run(&[]).unwrap_err();
    /// use clientele::Error;
    /// assert!(matches!(err, Error::InvalidValue { field, .. } if field == "threshold"));
    /// ```
    #[must_use]
    pub fn threshold(mut self, p: f64) -> Self {
        self.threshold = p;
        self
    }

    /// The probability below which a link cannot hold a cluster of three or more together,
    /// from 0 to 1; checked as [`Deduplicator::threshold`] is (`split_threshold`).
    #[must_use]
    pub fn split_threshold(mut self, p: f64) -> Self {
        self.split_threshold = p;
        self
    }

    /// Replaces the blocking rules with built-in ones (the configuration's `blocking`; see
    /// [`Deduplicator::config`] for composed rules).
    #[must_use]
    pub fn blocking_rules(mut self, rules: &[BlockingRule]) -> Self {
        self.config.blocking = rules.iter().map(|&r| Blocking::Rule(r)).collect();
        self
    }

    /// Replaces the comparisons and blocking rules (default: [`DedupeConfig::default`], the
    /// zero-configuration detector). The configuration is checked when the detector is used
    /// ([`DedupeConfig::check`]), and saved with the model a run trains
    /// ([`TrainedModel::config`]).
    ///
    /// ```
    /// use clientele::dedupe::{Comparison, DedupeConfig, Deduplicator, Evidence, Level};
    /// use clientele::model::{CustomValue, Field};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    ///
    /// let mut config = DedupeConfig::default();
    /// config.comparisons.push(
    ///     Comparison::field(Field::parse("card"), vec![Level::Exact]).evidence(Evidence::Identifier),
    /// );
    /// let person = |id: &str, card: &str| {
    ///     let mut c = Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
    ///         .full_name("Wei Zhang").build();
    ///     c.custom.insert("card".into(), CustomValue::Text(card.into()));
    ///     c
    /// };
    /// let result = Deduplicator::new().config(config).run(&[person("A", "LC-1"), person("B", "LC-2")])?;
    /// assert_eq!(result.model.comparisons.last().map(|c| c.name.as_str()), Some("card"));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    #[must_use]
    pub fn config(mut self, config: DedupeConfig) -> Self {
        self.config = config;
        self
    }

    /// The comparisons and blocking rules the detector uses.
    pub fn configuration(&self) -> &DedupeConfig {
        &self.config
    }

    /// Adds a caller-defined blocking key function.
    #[must_use]
    pub fn blocking_key(
        mut self,
        f: impl Fn(&Customer) -> Vec<String> + Send + Sync + 'static,
    ) -> Self {
        self.custom_keys.push(Arc::new(f));
        self
    }

    /// The largest block compared (default 1,000; blocks over 32 records are walked as sorted
    /// neighbourhoods); larger ones are skipped, with one warning per rule. Blocks of exact
    /// copies have no cap. At least 2; checked as [`Deduplicator::threshold`] is
    /// (`max_block_size`).
    #[must_use]
    pub fn max_block_size(mut self, n: usize) -> Self {
        self.max_block = n;
        self
    }

    /// Random pairs sampled for the u probabilities (default 1,000,000; when the records have
    /// fewer pairs in all, every pair is counted instead). At least 1; checked as
    /// [`Deduplicator::threshold`] is (`u_sample_pairs`).
    #[must_use]
    pub fn u_sample_pairs(mut self, n: u64) -> Self {
        self.u_pairs = n;
        self
    }

    /// The seed of the random-pair sample (results are deterministic for a seed).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A callback told of progress.
    #[must_use]
    pub fn on_progress(mut self, f: impl Fn(Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// A flag that cancels the run when set.
    #[must_use]
    pub fn cancel_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.cancel = Some(flag);
        self
    }

    /// The normalizer and default region records are prepared with.
    #[cfg(feature = "datafusion")]
    pub(crate) fn normalization(&self) -> (&Normalizer, Option<&str>) {
        (&self.normalizer, self.region.as_deref())
    }

    /// The block cap ([`Deduplicator::max_block_size`]).
    #[cfg(feature = "datafusion")]
    pub(crate) fn block_cap(&self) -> usize {
        self.max_block
    }

    fn report(&self, stage: &'static str, done: u64, total: u64) {
        if let Some(f) = &self.progress {
            f(Progress { stage, done, total });
        }
    }

    /// Refuses a knob that is NaN, infinite or out of its range, naming it: a value is never
    /// clamped into range behind the caller's back.
    fn check_knobs(&self) -> Result<(), Error> {
        let invalid = |field: &str, reason: &str, value: String| Error::InvalidValue {
            field: field.to_owned(),
            reason: reason.to_owned(),
            masked: value,
        };
        for (field, p) in [
            ("threshold", self.threshold),
            ("split_threshold", self.split_threshold),
        ] {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(invalid(field, "a probability from 0 to 1", p.to_string()));
            }
        }
        if self.max_block < 2 {
            return Err(invalid(
                "max_block_size",
                "a block holds at least 2 records",
                self.max_block.to_string(),
            ));
        }
        if self.u_pairs == 0 {
            return Err(invalid(
                "u_sample_pairs",
                "at least one pair is needed",
                "0".to_owned(),
            ));
        }
        Ok(())
    }

    fn check_cancel(&self) -> Result<(), Error> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
        {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// One record prepared for comparison under a compiled configuration (its field
    /// comparisons' keys included).
    pub(crate) fn prepare_one(&self, c: &Customer, compiled: &Compiled) -> Prepared {
        let mut p = prepare::prepare(c, &self.normalizer, self.region.as_deref());
        if !compiled.fields().is_empty() {
            p.fields = Some(Box::new(prepare::prepare_fields(
                c,
                &self.normalizer,
                compiled.fields(),
            )));
        }
        p
    }

    /// Every record prepared; an error when a field comparison's field is held by no record
    /// (a typo in the configuration, most likely).
    fn prepare_all(
        &self,
        customers: &[&Customer],
        sources: &[u8],
        compiled: &Compiled,
    ) -> Result<Vec<Prepared>, Error> {
        self.report("prepare", 0, customers.len() as u64);
        let out: Vec<Prepared> = customers
            .par_iter()
            .zip(sources.par_iter())
            .map(|(c, s)| {
                let mut p = self.prepare_one(c, compiled);
                p.source = *s;
                p
            })
            .collect();
        check_fields(&out, compiled)?;
        self.report("prepare", customers.len() as u64, customers.len() as u64);
        Ok(out)
    }

    /// The blocking rules given by keys: the caller's key functions (one rule, `custom`) and
    /// the configured rules that are not built-in ones.
    fn keyed_rules(
        &self,
        records: &[Prepared],
        customers: &[&Customer],
        compiled: &Compiled,
    ) -> Vec<KeyedRule> {
        let mut out = Vec::new();
        if !self.custom_keys.is_empty() {
            let keys = customers
                .par_iter()
                .map(|c| {
                    self.custom_keys
                        .iter()
                        .enumerate()
                        .flat_map(|(i, f)| f(c).into_iter().map(move |k| format!("{i}:{k}")))
                        .collect()
                })
                .collect();
            out.push(KeyedRule {
                name: "custom".to_owned(),
                keys,
            });
        }
        out.extend(compiled.composed_rules(records, customers, &self.normalizer));
        out
    }

    /// Compares candidate pairs in parallel: their codes (see [`compare::code`]), part by part
    /// of `pairs`, in pair order.
    fn compare_pairs(
        &self,
        compiled: &Compiled,
        records: &[Prepared],
        pairs: &Pairs,
    ) -> Result<Vec<Vec<u32>>, Error> {
        let total = pairs.len() as u64;
        self.report("compare", 0, total);
        let done = AtomicU64::new(0);
        let cancelled = AtomicBool::new(false);
        let out: Vec<Vec<u32>> = pairs
            .parts()
            .par_iter()
            .map(|part| {
                if self
                    .cancel
                    .as_ref()
                    .is_some_and(|c| c.load(Ordering::Relaxed))
                {
                    cancelled.store(true, Ordering::Relaxed);
                }
                if cancelled.load(Ordering::Relaxed) {
                    return Vec::new();
                }
                // The second record of a pair is usually far from the first in memory (pairs
                // from birth-date or postcode blocks): the one of the pair `prefetch::AHEAD` places
                // on is asked for in advance, so that its cache misses overlap this work
                // (comparison 0.9 s faster of 4.0 s at 1,000,000; docs/DECISIONS.md).
                let js = part.js();
                let codes: Vec<u32> = part
                    .iter()
                    .enumerate()
                    .map(|(at, (i, j))| {
                        if let Some(ahead) = js
                            .get(at + crate::prefetch::AHEAD)
                            .and_then(|&x| records.get(x as usize))
                        {
                            crate::prefetch::prefetch(ahead);
                        }
                        match (records.get(i as usize), records.get(j as usize)) {
                            (Some(a), Some(b)) => compiled.code(a, b),
                            _ => 0,
                        }
                    })
                    .collect();
                let d = done.fetch_add(part.len() as u64, Ordering::Relaxed) + part.len() as u64;
                self.report("compare", d, total);
                codes
            })
            .collect();
        if cancelled.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        Ok(out)
    }

    /// Trains under the detector's configuration (`compiled` is it, compiled), through the
    /// statistics partitions would add ([`TrainingStats`]). `positions`: where each rank by id
    /// is in `records` (see [`model::draw_u_pairs`]).
    fn train_on(
        &self,
        compiled: &Compiled,
        records: &[Prepared],
        positions: &[u32],
        unique: &[(Pattern, u64)],
        cross: bool,
    ) -> Result<TrainedModel, Error> {
        self.report("train", 0, 1);
        let drawn = model::draw_u_pairs(records.len(), positions, self.u_pairs, self.seed);
        let levels = model::count_u_levels(compiled, records, &drawn);
        let stats = TrainingStats::of_records(records)
            + TrainingStats::of_patterns(compiled, unique)
            + TrainingStats::of_u_levels(&levels, drawn.len() as u64);
        let model = stats.model(self, compiled, cross);
        self.report("train", 1, 1);
        model
    }

    /// Prepares, lays out, blocks and compares (what training and a run share).
    ///
    /// `compiled` gives the comparisons (the detector's, or a given model's); the blocking
    /// rules are the detector's.
    fn compare_all(&self, customers: &[Customer], compiled: &Compiled) -> Result<Compared, Error> {
        let mut batch = self.batch_compiled(compiled.clone())?;
        batch.add(customers);
        batch.compare()
    }

    /// Lays out, blocks and compares prepared records (with each keyed rule's keys of each
    /// record): records were prepared in input order (the customers read front to back, as
    /// they lie in memory), and are laid out by name with ties by rank in id order.
    fn compare_prepared(
        &self,
        records: Vec<Prepared>,
        keyed: Vec<KeyedRule>,
        compiled: (&Compiled, &Compiled),
    ) -> Result<Compared, Error> {
        self.compare_prepared_with(records, keyed, compiled, |records, ranks, rules, keyed| {
            Ok(blocking::candidate_pairs(
                records,
                ranks,
                rules,
                keyed,
                self.max_block,
                false,
            ))
        })
    }

    /// [`Deduplicator::compare_prepared`] with the candidate pairs found by `block` (given the
    /// records laid out, their ranks by id, the built-in rules and the keyed ones): the
    /// in-memory blocking, or a query engine's (`clientele::scale`).
    pub(crate) fn compare_prepared_with(
        &self,
        mut records: Vec<Prepared>,
        mut keyed: Vec<KeyedRule>,
        (compiled, blocking): (&Compiled, &Compiled),
        block: impl FnOnce(
            &[Prepared],
            &[u32],
            &[BlockingRule],
            &[KeyedRule],
        ) -> Result<(Pairs, BlockingReport), Error>,
    ) -> Result<Compared, Error> {
        self.check_knobs()?;
        check_fields(&records, compiled)?;
        self.report("prepare", 0, records.len() as u64);
        let mut rank_of = vec![0u32; records.len()];
        for (rank, at) in positions_by_id(&records, |p| p.id.as_ref())?
            .into_iter()
            .enumerate()
        {
            if let Some(r) = rank_of.get_mut(at as usize) {
                *r = u32::try_from(rank).unwrap_or(u32::MAX);
            }
        }
        let (order, ranks) = layout(&records, &rank_of);
        drop(rank_of);
        permute(&mut records, &order);
        for rule in &mut keyed {
            permute(&mut rule.keys, &order);
        }
        drop(order);
        self.report("prepare", records.len() as u64, records.len() as u64);
        self.check_cancel()?;
        self.report("block", 0, 1);
        let (pairs, blocking) = block(&records, &ranks, blocking.blocking().0, &keyed)?;
        drop(keyed);
        self.report("block", 1, 1);
        self.check_cancel()?;
        let codes = self.compare_pairs(compiled, &records, &pairs)?;
        let unique = count_patterns(compiled, &codes);
        Ok(Compared {
            records,
            ranks,
            pairs,
            blocking,
            codes,
            unique,
        })
    }

    /// Trains on compared records; u is drawn by rank in id order, so it does not depend on
    /// the layout.
    fn train_compared(&self, compiled: &Compiled, c: &Compared) -> Result<TrainedModel, Error> {
        // Where each rank by id is now.
        let mut positions = vec![0u32; c.ranks.len()];
        for (at, &rank) in c.ranks.iter().enumerate() {
            if let Some(p) = positions.get_mut(rank as usize) {
                *p = u32::try_from(at).unwrap_or(u32::MAX);
            }
        }
        self.train_on(compiled, &c.records, &positions, &c.unique, false)
    }

    /// Trains a model on the records (no labels needed).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for repeated ids or a knob out of range (see
    /// [`Deduplicator::threshold`]); [`Error::Cancelled`] when cancelled.
    pub fn train(&self, customers: &[Customer]) -> Result<TrainedModel, Error> {
        let compiled = Compiled::new(&self.config)?;
        let compared = self.compare_all(customers, &compiled)?;
        self.train_compared(&compiled, &compared)
    }

    /// Deduplicates: block, compare, train (unless `model` is given), score, cluster.
    ///
    /// The result does not depend on the order of the input records. A pair is a match only
    /// if it agrees on real evidence (docs/DEDUPE.md), and exact copies of a record that holds
    /// evidence are always one cluster, however many there are.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for repeated ids or a knob out of range (see
    /// [`Deduplicator::threshold`]); [`Error::Cancelled`] when cancelled.
    pub fn run(&self, customers: &[Customer]) -> Result<DedupeResult, Error> {
        self.run_inner(customers, None)
    }

    /// As [`Deduplicator::run`], with a model trained before.
    ///
    /// # Errors
    /// As [`Deduplicator::run`], and [`Error::InvalidValue`] for the field `model` when the
    /// model was trained with other comparison levels than this version's (saved by an earlier
    /// version): train it again.
    pub fn run_with_model(
        &self,
        customers: &[Customer],
        model: &TrainedModel,
    ) -> Result<DedupeResult, Error> {
        self.run_inner(customers, Some(model))
    }

    fn run_inner(
        &self,
        customers: &[Customer],
        given: Option<&TrainedModel>,
    ) -> Result<DedupeResult, Error> {
        let compiled = match given {
            Some(m) => m.compile()?,
            None => Compiled::new(&self.config)?,
        };
        let c = self.compare_all(customers, &compiled)?;
        self.run_compared(&compiled, c, given)
    }

    /// Trains (unless `given`), scores and clusters compared records.
    pub(crate) fn run_compared(
        &self,
        compiled: &Compiled,
        c: Compared,
        given: Option<&TrainedModel>,
    ) -> Result<DedupeResult, Error> {
        let model = match given {
            Some(m) => m.clone(),
            None => self.train_compared(compiled, &c)?,
        };
        self.check_cancel()?;
        self.report("score", 0, 1);
        let scored = self.score(compiled, &c, &model);
        let compared = c.pairs.len() as u64;
        let Compared {
            records,
            ranks,
            pairs,
            blocking,
            codes,
            ..
        } = c;
        drop((pairs, codes));
        self.report("cluster", 0, 1);
        let labels = cluster::components(
            records.len(),
            &scored.iter().map(|s| (s.0, s.1, s.2)).collect::<Vec<_>>(),
            self.threshold,
            self.split_threshold,
        );
        // Records are laid out by name, not id: each pair is written smaller id first and the
        // pairs sorted by ids, through the records' ranks by id.
        let mut out_pairs: Vec<((u32, u32), ScoredPair)> = scored
            .into_par_iter()
            .filter_map(|(i, j, p, w, code)| {
                let pattern = compiled.unpack(code);
                let (a, b) = (records.get(i as usize)?, records.get(j as usize)?);
                let (ra, rb) = (*ranks.get(i as usize)?, *ranks.get(j as usize)?);
                let (id_a, id_b) = (a.id.clone()?, b.id.clone()?);
                let (key, id_1, id_2) = if ra <= rb {
                    ((ra, rb), id_a, id_b)
                } else {
                    ((rb, ra), id_b, id_a)
                };
                let pair = ScoredPair {
                    id_1,
                    id_2,
                    probability: p,
                    match_weight: w,
                    explanation: model.explain(
                        compiled,
                        &pattern,
                        a,
                        code & compare::IDENTICAL != 0,
                    ),
                };
                Some((key, pair))
            })
            .collect();
        out_pairs.par_sort_unstable_by_key(|x| x.0);
        let out_pairs = out_pairs.into_iter().map(|x| x.1).collect();
        // The records are done with: their ids move into the clusters.
        let ids: Vec<Option<CustomerId>> = records.into_par_iter().map(|p| p.id).collect();
        let clusters = make_clusters(ids, &ranks, &labels);
        self.report("cluster", 1, 1);
        Ok(DedupeResult {
            pairs: out_pairs,
            clusters,
            blocking,
            model,
            compared,
            lookup: cluster::ClusterLookup::default(),
        })
    }

    /// Scores every compared pair and keeps those at or above the threshold that have
    /// evidence (all that clustering and the output use; see [`evidence`]): (i, j,
    /// probability, weight, code: the packed pattern with the [`compare::IDENTICAL`] bit). The
    /// weight
    /// of each distinct pattern is computed once, and each record's term-frequency adjustments
    /// once, so a pair costs a table lookup and at most three additions.
    fn score(
        &self,
        compiled: &Compiled,
        c: &Compared,
        model: &TrainedModel,
    ) -> Vec<(u32, u32, f64, f64, u32)> {
        let Compared {
            records,
            ranks,
            pairs,
            codes,
            unique,
            ..
        } = c;
        let weights = model.weights();
        // Per distinct pattern: its base weight and which adjusted comparisons it agrees on.
        let base: CodeMap<(f64, u8)> = unique
            .iter()
            .map(|(p, _)| {
                let at = (
                    model.base_weight(&weights, p),
                    TrainedModel::tf_exact(compiled, p),
                );
                (compiled.pack(p), at)
            })
            .collect();
        let tf: Vec<[f64; 3]> = records
            .par_iter()
            .map(|a| model.tf_weights(compiled, a))
            .collect();
        let scored: Vec<(u32, u32, f64, f64, u32)> = pairs
            .parts()
            .par_iter()
            .zip(codes.par_iter())
            .flat_map_iter(|(part, codes)| part.iter().zip(codes.iter().copied()))
            .filter_map(|((i, j), code)| {
                let &(weight, exact) = base.get(&compare::pattern_code(code))?;
                let w = TrainedModel::adjusted(weight, exact, tf.get(i as usize)?);
                let p = if code & compare::IDENTICAL != 0 {
                    1.0
                } else {
                    model::probability(w)
                };
                (p >= self.threshold).then_some((i, j, p, w, code))
            })
            .collect();
        let keyed: Vec<(u32, u32, u32)> = scored.iter().map(|s| (s.0, s.1, s.4)).collect();
        let common = evidence::Common::count(compiled, records, ranks, &keyed);
        drop(keyed);
        scored
            .into_par_iter()
            .filter(|&(i, j, _, _, code)| {
                match (records.get(i as usize), records.get(j as usize)) {
                    (Some(a), Some(b)) => {
                        let identical = code & compare::IDENTICAL != 0;
                        common.has_evidence(compiled, (a, b), &compiled.unpack(code), identical)
                    }
                    _ => false,
                }
            })
            .collect()
    }

    /// Links two sources (an import file against the customer base): pairs only across
    /// sources, trained on both.
    ///
    /// # Errors
    /// [`Error::InvalidValue`] for repeated ids within a source or a knob out of range;
    /// [`Error::Cancelled`].
    pub fn link(&self, a: &[Customer], b: &[Customer]) -> Result<Vec<ScoredPair>, Error> {
        self.check_knobs()?;
        check_size(a.len().saturating_add(b.len()))?;
        let ra = sorted_refs(a)?;
        let rb = sorted_refs(b)?;
        let refs: Vec<&Customer> = ra.iter().chain(rb.iter()).copied().collect();
        let sources: Vec<u8> = std::iter::repeat_n(0u8, ra.len())
            .chain(std::iter::repeat_n(1u8, rb.len()))
            .collect();
        let compiled = Compiled::new(&self.config)?;
        let records = self.prepare_all(&refs, &sources, &compiled)?;
        let keyed = self.keyed_rules(&records, &refs, &compiled);
        let (pairs, blocking) = blocking::candidate_pairs(
            &records,
            &[],
            compiled.blocking().0,
            &keyed,
            self.max_block,
            true,
        );
        drop(keyed);
        let codes = self.compare_pairs(&compiled, &records, &pairs)?;
        let unique = count_patterns(&compiled, &codes);
        let model = self.train_on(&compiled, &records, &[], &unique, true)?;
        let c = Compared {
            records,
            ranks: Vec::new(),
            pairs,
            blocking,
            codes,
            unique,
        };
        let scored = self.score(&compiled, &c, &model);
        let records = c.records;
        Ok(scored
            .into_iter()
            .filter_map(|(i, j, p, w, code)| {
                let pattern = compiled.unpack(code);
                let (x, y) = (records.get(i as usize)?, records.get(j as usize)?);
                // `i < j` and sources are concatenated, so `x` is from the first source.
                Some(ScoredPair {
                    id_1: x.id.clone()?,
                    id_2: y.id.clone()?,
                    probability: p,
                    match_weight: w,
                    explanation: model.explain(
                        &compiled,
                        &pattern,
                        x,
                        code & compare::IDENTICAL != 0,
                    ),
                })
            })
            .collect())
    }
}

/// Records prepared, laid out, blocked and compared (see `Deduplicator::compare_all`).
pub(crate) struct Compared {
    records: Vec<Prepared>,
    /// Each record's rank in id order.
    ranks: Vec<u32>,
    pairs: Pairs,
    blocking: BlockingReport,
    /// Each pair's code, part by part of `pairs`.
    codes: Vec<Vec<u32>>,
    /// The distinct patterns and their counts.
    unique: Vec<(Pattern, u64)>,
}

/// An error when a field comparison's field is held by no record (a typo in the
/// configuration, most likely).
fn check_fields(records: &[Prepared], compiled: &Compiled) -> Result<(), Error> {
    if !records.is_empty()
        && let Some(field) = compiled
            .fields()
            .iter()
            .enumerate()
            .find(|(at, _)| records.iter().all(|p| p.field_keys(*at).is_empty()))
            .map(|(_, f)| f)
    {
        return Err(Error::InvalidSetting {
            setting: "comparisons".to_owned(),
            reason: format!(
                "no record holds the field `{}` a comparison names (custom fields are \
                     named as their columns are)",
                field.name()
            ),
            value: field.name().to_owned(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CustomerKind;
    use proptest::prelude::*;

    proptest! {
        // Sorting on the ids' first 16 bytes as numbers keeps text order: shared prefixes,
        // ids shorter and longer than 8 and 16 bytes, non-ASCII.
        #[test]
        fn records_sort_by_id_text(ids in prop::collection::btree_set("[ab0é]{1,20}", 0..40)) {
            let customers: Vec<Customer> = ids
                .iter()
                .rev()
                .filter_map(|id| CustomerId::new(id).ok())
                .map(|id| Customer::builder(id, CustomerKind::Person).build())
                .collect();
            let refs = sorted_refs(&customers).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let got: Vec<&str> = refs.iter().map(|c| c.id.as_str()).collect();
            let mut want: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
            want.sort_unstable();
            prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn exact_copies_count_as_their_pattern() {
        let c = Compiled::new(&DedupeConfig::default()).unwrap();
        let mut p: Pattern = [0; MAX_COMPARISONS];
        p[..11].copy_from_slice(&[1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0]);
        let code = c.pack(&p);
        let counted = count_patterns(&c, &[vec![code, code | compare::IDENTICAL], vec![code]]);
        assert_eq!(counted, vec![(p, 3)]);
        assert_eq!(c.unpack(code | compare::IDENTICAL), p);
    }

    #[test]
    fn permute_moves_each_item_to_its_place() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e'];
        permute(&mut items, &[3, 0, 4, 1, 2]);
        assert_eq!(items, vec!['d', 'a', 'e', 'b', 'c']);
    }
}
