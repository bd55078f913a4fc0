//! The model's sufficient statistics: counts that parts of the records (partitions, machines)
//! compute on their own and add, and the model estimated from their sum. The in-memory run
//! trains through them too ([`Deduplicator::train`]), so the two cannot drift apart.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::{Add, AddAssign};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compiled::Compiled;
use super::model::{self, TrainedModel};
use super::patterns::{KindCounts, comparable_of_kinds, kind_counts};
use super::prepare::Prepared;
use super::{Deduplicator, compare, oriented};
use crate::error::Error;
use crate::model::Customer;

/// What training counts, in a form that parts of the records compute apart and add (`+`,
/// `+=`, `sum`): candidate pairs per comparison pattern (EM's input), the comparison levels
/// of random pairs (u), the records of each kind (the prior's pairs) and the name values of
/// the records (term frequencies). Counts are integers, so the sum does not depend on how the
/// records were split nor in what order the parts are added, and
/// [`Deduplicator::train_from_stats`] gives the model [`Deduplicator::train`] gives.
///
/// The statistics are of one configuration: add only parts computed by detectors of the
/// same comparisons. `Debug` shows counts, never the names counted.
///
/// ```
/// use clientele::dedupe::{Deduplicator, TrainingStats};
/// use clientele::{Customer, CustomerId, CustomerKind};
///
/// let person = |id: &str, name: &str, phone: &str| {
///     Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
///         .full_name(name).phone(phone).build()
/// };
/// let (a, b, c) = (person("A", "Wei Zhang", "13800138000"), person("B", "Wei Zhang", "13800138000"),
///     person("C", "Fang Wang", "13900001111"));
/// let dedupe = Deduplicator::new().default_region("CN");
/// // Two partitions: each counts its own records and candidate pairs.
/// let left = dedupe.record_stats(&[a.clone(), b.clone()])? + dedupe.candidate_stats(&[(&a, &b)])?;
/// let right = dedupe.record_stats(&[c.clone()])?;
/// let all = [a, b, c];
/// let random: Vec<(&Customer, &Customer)> = dedupe.random_pairs(3).iter()
///     .map(|&(i, j)| (&all[i as usize], &all[j as usize])).collect();
/// let stats = left + right + dedupe.random_pair_stats(&random)?;
/// assert_eq!(stats.records(), 3);
/// let model = dedupe.train_from_stats(&stats)?;
/// assert!(model.prior > 0.0);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingStats {
    /// Candidate pairs per packed pattern (without the identical bit).
    patterns: BTreeMap<u32, u64>,
    /// Level counts of the random pairs, one row per comparison and a last one for the email
    /// levels they would reach if their names agreed (empty: no random pair counted).
    u_levels: Vec<Vec<u64>>,
    /// Random pairs counted.
    u_pairs: u64,
    /// Records per kind and source.
    kinds: KindCounts,
    /// Records per name value: given name, family name, company name.
    names: [HashMap<String, u64>; 3],
}

impl fmt::Debug for TrainingStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrainingStats")
            .field("records", &self.records())
            .field("candidate_pairs", &self.candidate_pairs())
            .field("patterns", &self.patterns.len())
            .field("u_pairs", &self.u_pairs)
            .field("name_values", &self.names.each_ref().map(HashMap::len))
            .finish()
    }
}

impl TrainingStats {
    /// Records counted.
    pub fn records(&self) -> u64 {
        self.kinds.iter().flatten().sum()
    }

    /// Candidate pairs counted.
    pub fn candidate_pairs(&self) -> u64 {
        self.patterns.values().sum()
    }

    /// Random pairs counted (for u).
    pub fn random_pairs(&self) -> u64 {
        self.u_pairs
    }

    /// Adds another part's counts to these.
    pub fn merge(&mut self, other: &Self) {
        for (&code, &n) in &other.patterns {
            *self.patterns.entry(code).or_default() += n;
        }
        if self.u_levels.is_empty() {
            self.u_levels.clone_from(&other.u_levels);
        } else {
            for (a, b) in self.u_levels.iter_mut().zip(&other.u_levels) {
                for (x, y) in a.iter_mut().zip(b) {
                    *x += y;
                }
            }
        }
        self.u_pairs += other.u_pairs;
        for (a, b) in self.kinds.iter_mut().zip(&other.kinds) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (a, b) in self.names.iter_mut().zip(&other.names) {
            for (v, &n) in b {
                *a.entry(v.clone()).or_default() += n;
            }
        }
    }

    /// The statistics of prepared records: their kinds and name values.
    pub(crate) fn of_records(records: &[Prepared]) -> Self {
        let counts = model::name_counts(records);
        Self {
            kinds: kind_counts(records),
            names: counts.map(|m| m.into_iter().map(|(v, n)| (v.to_owned(), n)).collect()),
            ..Self::default()
        }
    }

    /// The statistics of compared candidate pairs, from their codes.
    pub(crate) fn of_codes(codes: impl IntoIterator<Item = u32>) -> Self {
        let mut patterns = BTreeMap::new();
        for code in codes {
            *patterns.entry(compare::pattern_code(code)).or_default() += 1;
        }
        Self {
            patterns,
            ..Self::default()
        }
    }

    /// The statistics of distinct patterns with their counts (`count_patterns`).
    pub(crate) fn of_patterns(c: &Compiled, unique: &[(compare::Pattern, u64)]) -> Self {
        Self {
            patterns: unique.iter().map(|(p, n)| (c.pack(p), *n)).collect(),
            ..Self::default()
        }
    }

    /// The statistics of random pairs, from their level counts (`model::count_u_levels`).
    pub(crate) fn of_u_levels(levels: &[Vec<f64>], pairs: u64) -> Self {
        Self {
            u_levels: levels
                .iter()
                .map(|row| row.iter().map(|&x| x as u64).collect())
                .collect(),
            u_pairs: pairs,
            ..Self::default()
        }
    }

    /// The model these counts give under a configuration (`cross`: a linkage of two
    /// sources, whose comparable pairs are those across them).
    pub(crate) fn model(
        &self,
        d: &Deduplicator,
        compiled: &Compiled,
        cross: bool,
    ) -> Result<TrainedModel, Error> {
        let mut unique: Vec<(compare::Pattern, u64)> = self
            .patterns
            .iter()
            .map(|(&code, &n)| (compiled.unpack(code), n))
            .collect();
        unique.sort_unstable();
        let levels: Vec<Vec<f64>> = if self.u_levels.is_empty() {
            compiled
                .level_counts()
                .map(|n| vec![0.0; n])
                .chain([vec![0.0; compare::EMAIL_LEVELS]])
                .collect()
        } else {
            self.u_levels
                .iter()
                .map(|row| row.iter().map(|&x| x as f64).collect())
                .collect()
        };
        if levels.len() != compiled.len() + 1 {
            return Err(Error::InvalidValue {
                field: "stats".to_owned(),
                reason: "counted under another configuration than the detector's".to_owned(),
                masked: levels.len().to_string(),
            });
        }
        let u = model::u_from_counts(compiled, levels);
        let (m, prior, iterations) = model::train_sessions(
            compiled,
            &unique,
            &u,
            d.em_iterations,
            comparable_of_kinds(&self.kinds, cross),
        );
        Ok(TrainedModel::new(
            (compiled, &d.config),
            (m, u, prior),
            model::term_frequencies(&self.names, self.records()),
            iterations,
            self.u_pairs,
        ))
    }
}

impl AddAssign<&TrainingStats> for TrainingStats {
    fn add_assign(&mut self, other: &TrainingStats) {
        self.merge(other);
    }
}

impl AddAssign for TrainingStats {
    fn add_assign(&mut self, other: TrainingStats) {
        self.merge(&other);
    }
}

impl Add for TrainingStats {
    type Output = TrainingStats;
    fn add(mut self, other: TrainingStats) -> TrainingStats {
        self.merge(&other);
        self
    }
}

impl std::iter::Sum for TrainingStats {
    fn sum<I: Iterator<Item = TrainingStats>>(iter: I) -> TrainingStats {
        iter.fold(TrainingStats::default(), Add::add)
    }
}

impl Deduplicator {
    /// The statistics of some records: their kinds (persons, companies) and the name values
    /// term frequencies are counted on. Each record once over all parts.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a configuration that does not compile.
    pub fn record_stats(&self, customers: &[Customer]) -> Result<TrainingStats, Error> {
        let compiled = Compiled::new(&self.config)?;
        let records: Vec<Prepared> = customers
            .par_iter()
            .map(|c| self.prepare_one(c, &compiled))
            .collect();
        Ok(TrainingStats::of_records(&records))
    }

    /// The statistics of candidate pairs (those blocking proposes; each once over all parts):
    /// the comparison pattern of each, counted. A pair is compared in the order a run compares
    /// it in, whichever record is given first.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a configuration that does not compile.
    pub fn candidate_stats(
        &self,
        pairs: &[(&Customer, &Customer)],
    ) -> Result<TrainingStats, Error> {
        let compiled = Compiled::new(&self.config)?;
        let codes: Vec<u32> = pairs
            .par_iter()
            .map(|(a, b)| {
                let (x, y) = (
                    self.prepare_one(a, &compiled),
                    self.prepare_one(b, &compiled),
                );
                let (x, y) = oriented(&x, &y);
                compiled.code(x, y)
            })
            .collect();
        Ok(TrainingStats::of_codes(codes))
    }

    /// The statistics of random pairs (u): the comparison levels of each, counted. The pairs
    /// are those [`Deduplicator::random_pairs`] names, each once over all parts, in that
    /// order.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a configuration that does not compile.
    pub fn random_pair_stats(
        &self,
        pairs: &[(&Customer, &Customer)],
    ) -> Result<TrainingStats, Error> {
        let compiled = Compiled::new(&self.config)?;
        let mut records = Vec::with_capacity(2 * pairs.len());
        for (a, b) in pairs {
            records.push(self.prepare_one(a, &compiled));
            records.push(self.prepare_one(b, &compiled));
        }
        let places: Vec<(u32, u32)> = (0..pairs.len())
            .filter_map(|k| Some((u32::try_from(2 * k).ok()?, u32::try_from(2 * k + 1).ok()?)))
            .collect();
        let levels = model::count_u_levels(&compiled, &records, &places);
        Ok(TrainingStats::of_u_levels(&levels, places.len() as u64))
    }

    /// The random pairs u is counted on among `records` records, as ranks in id order (the
    /// record with the smallest id is 0), each pair in the order it is compared in: every pair
    /// when they have no more than [`Deduplicator::u_sample_pairs`], else that many drawn from
    /// the seed. The same for the same number of records and seed, wherever it is computed.
    pub fn random_pairs(&self, records: u64) -> Vec<(u64, u64)> {
        let n = usize::try_from(records.min(u64::from(u32::MAX))).unwrap_or(0);
        model::draw_u_pairs(n, &[], self.u_pairs, self.seed)
            .into_iter()
            .map(|(i, j)| (u64::from(i), u64::from(j)))
            .collect()
    }

    /// The model estimated from statistics added over all parts (see [`TrainingStats`]): the
    /// model [`Deduplicator::train`] gives on all the records.
    ///
    /// # Errors
    /// [`Error::InvalidSetting`] for a configuration that does not compile;
    /// [`Error::InvalidValue`] for statistics counted under another configuration.
    pub fn train_from_stats(&self, stats: &TrainingStats) -> Result<TrainedModel, Error> {
        self.check_knobs()?;
        let compiled = Compiled::new(&self.config)?;
        stats.model(self, &compiled, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{SynthConfig, generate};
    use proptest::prelude::*;

    fn customers(n: usize, seed: u64) -> Vec<Customer> {
        generate(&SynthConfig {
            customers: n,
            seed,
            ..SynthConfig::default()
        })
        .map(|d| d.customers)
        .unwrap_or_default()
    }

    type RecordPairs<'a> = Vec<(&'a Customer, &'a Customer)>;

    /// The candidate pairs of a run, as records, and the random pairs by rank in id order.
    fn pairs_of<'a>(d: &Deduplicator, all: &'a [Customer]) -> (RecordPairs<'a>, RecordPairs<'a>) {
        let compiled = Compiled::new(&d.config).unwrap();
        let compared = d.compare_all(all, &compiled).unwrap();
        let by_id: HashMap<&str, &Customer> = all.iter().map(|c| (c.id.as_str(), c)).collect();
        let record = |i: u32| {
            let id = compared.records[i as usize].id.as_ref().unwrap();
            by_id[id.as_str()]
        };
        let candidates = compared
            .pairs
            .parts()
            .iter()
            .flat_map(|p| p.iter())
            .map(|(i, j)| (record(i), record(j)))
            .collect();
        let mut sorted: Vec<&Customer> = all.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let random = d
            .random_pairs(all.len() as u64)
            .into_iter()
            .map(|(i, j)| (sorted[i as usize], sorted[j as usize]))
            .collect();
        (candidates, random)
    }

    #[test]
    fn the_public_statistics_give_the_model_training_gives() {
        let all = customers(3000, 7);
        let d = Deduplicator::new().u_sample_pairs(20_000);
        let (candidates, random) = pairs_of(&d, &all);
        let stats = d.record_stats(&all).unwrap()
            + d.candidate_stats(&candidates).unwrap()
            + d.random_pair_stats(&random).unwrap();
        assert_eq!(stats.records(), 3000);
        assert_eq!(stats.candidate_pairs(), candidates.len() as u64);
        assert_eq!(d.train_from_stats(&stats).unwrap(), d.train(&all).unwrap());
    }

    #[test]
    fn statistics_of_another_configuration_are_refused() {
        let stats = TrainingStats::of_u_levels(&[vec![1.0, 2.0]], 3);
        let err = Deduplicator::new().train_from_stats(&stats).unwrap_err();
        assert!(matches!(err, Error::InvalidValue { field, .. } if field == "stats"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        // Records, candidate pairs and random pairs split into k parts at random places, each
        // part counted on its own, added in any order: the model of one part.
        #[test]
        fn parts_added_give_the_model_of_the_whole(
            k in 1usize..6,
            cuts in prop::collection::vec(0.0f64..1.0, 3),
            seed in 0u64..4,
        ) {
            let all = customers(600, seed);
            let d = Deduplicator::new().u_sample_pairs(5_000);
            let (candidates, random) = pairs_of(&d, &all);
            let whole = d.record_stats(&all).unwrap()
                + d.candidate_stats(&candidates).unwrap()
                + d.random_pair_stats(&random).unwrap();
            let split = |n: usize, at: f64| -> Vec<std::ops::Range<usize>> {
                let step = ((n as f64 * at) as usize / k).max(1);
                let mut out = Vec::new();
                let mut lo = 0;
                while lo < n {
                    let hi = if out.len() + 1 == k { n } else { (lo + step).min(n) };
                    out.push(lo..hi);
                    lo = hi;
                }
                out
            };
            let mut parts: Vec<TrainingStats> = Vec::new();
            for r in split(all.len(), cuts[0]) {
                parts.push(d.record_stats(&all[r]).unwrap());
            }
            for r in split(candidates.len(), cuts[1]) {
                parts.push(d.candidate_stats(&candidates[r]).unwrap());
            }
            for r in split(random.len(), cuts[2]) {
                parts.push(d.random_pair_stats(&random[r]).unwrap());
            }
            parts.reverse();
            let added: TrainingStats = parts.into_iter().sum();
            prop_assert_eq!(&added, &whole);
            prop_assert_eq!(d.train_from_stats(&added).unwrap(), d.train_from_stats(&whole).unwrap());
        }
    }
}
