//! The Fellegi-Sunter model: m and u probabilities per comparison level, the prior, term
//! frequencies, and match weights that explain themselves.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::compare::{
    BuiltIn, EMAIL_LEVELS, NAME_BUILT_EXACT, NAME_BUILT_NUMBERED, NAME_BUILT_ONE_EDIT, Pattern,
};
use super::compiled::{Compiled, SlotKind};
use super::config::{DedupeConfig, Evidence};
use super::prepare::Prepared;

/// One level's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelParams {
    /// The level's label (`exact`, `jaro_winkler>=0.92`, ...).
    pub label: String,
    /// P(level | the records match).
    pub m: f64,
    /// P(level | the records do not match).
    pub u: f64,
}

impl LevelParams {
    /// The level's match weight, log2(m / u); 0 for the missing level.
    pub fn weight(&self) -> f64 {
        if self.label == "missing" {
            0.0
        } else {
            (self.m / self.u).log2()
        }
    }
}

/// One comparison's parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonParams {
    /// The comparison's name (`given_name`).
    pub name: String,
    /// Its levels, missing first.
    pub levels: Vec<LevelParams>,
}

/// Term frequencies of exact-match values (given names, family names, company names), as
/// shares of the records, for values seen more than once. The values are names: `Debug` shows
/// only how many there are per comparison.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TermFrequencies {
    /// Number of records counted.
    pub records: u64,
    /// Share of records per value, per comparison name.
    pub shares: HashMap<String, HashMap<String, f64>>,
}

impl fmt::Debug for TermFrequencies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut values: Vec<(&str, usize)> = self
            .shares
            .iter()
            .map(|(name, shares)| (name.as_str(), shares.len()))
            .collect();
        values.sort_unstable();
        f.debug_struct("TermFrequencies")
            .field("records", &self.records)
            .field("values_per_comparison", &values)
            .finish()
    }
}

/// A trained model, serde-serializable so an application can save and reuse it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainedModel {
    /// The comparisons and their level parameters.
    pub comparisons: Vec<ComparisonParams>,
    /// The prior probability that a candidate pair is a match.
    pub prior: f64,
    /// Term frequencies for the exact levels of names.
    pub term_frequencies: TermFrequencies,
    /// EM iterations run.
    pub em_iterations: usize,
    /// Record pairs the u probabilities were counted on: the random sample, or every pair when
    /// the records have fewer pairs than the sample's size.
    pub u_sample_pairs: u64,
    /// The configuration the model was trained with: its comparisons are the ones
    /// [`super::Deduplicator::run_with_model`] and [`super::Deduplicator::match_one`] compare
    /// with. A model saved before configurations existed has none and reads as the default.
    #[serde(default)]
    pub config: DedupeConfig,
}

/// One comparison's part of an explanation.
///
/// The names are borrowed from the built-in comparisons when they are those (so that the
/// explanations of a large result cost no allocation per field), owned otherwise.
///
/// ```
/// use std::borrow::Cow;
/// use clientele::dedupe::Contribution;
/// let c = Contribution {
///     comparison: Cow::Borrowed("phone"),
///     level: Cow::Borrowed("exact"),
///     weight: 9.5,
///     tf_adjustment: 0.0,
/// };
/// assert_eq!(c.comparison, "phone");
/// assert_eq!(serde_json::to_string(&c.level)?, r#""exact""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The comparison.
    pub comparison: Cow<'static, str>,
    /// The level reached.
    pub level: Cow<'static, str>,
    /// Its match weight (with the term-frequency adjustment, if any).
    pub weight: f64,
    /// The term-frequency part of the weight.
    pub tf_adjustment: f64,
}

/// Why a pair scored what it did: prior, contribution of every comparison, total and probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// log2 of the prior odds.
    pub prior_weight: f64,
    /// Per comparison.
    pub contributions: Vec<Contribution>,
    /// The total match weight.
    pub match_weight: f64,
    /// The match probability.
    pub probability: f64,
    /// Set when the records are exact copies (scored 1 whatever the weights).
    pub identical: bool,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<14} {:<22} {:>8}", "comparison", "level", "weight")?;
        writeln!(
            f,
            "{:<14} {:<22} {:>+8.2}",
            "(prior)", "", self.prior_weight
        )?;
        for c in &self.contributions {
            let tf = if c.tf_adjustment.abs() > 1e-9 {
                format!(" (tf {:+.2})", c.tf_adjustment)
            } else {
                String::new()
            };
            writeln!(
                f,
                "{:<14} {:<22} {:>+8.2}{tf}",
                c.comparison, c.level, c.weight
            )?;
        }
        write!(
            f,
            "{:<14} {:<22} {:>+8.2}  probability {:.4}{}",
            "total",
            "",
            self.match_weight,
            self.probability,
            if self.identical {
                " (identical records)"
            } else {
                ""
            }
        )
    }
}

pub(crate) fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

pub(crate) use crate::rng::SplitMix;

/// Level frequencies among random pairs: the u probabilities (smoothed, over non-missing
/// levels), and the number of pairs they were counted on.
///
/// Pairs are drawn by rank in id order: `positions[rank]` is where the record of that rank is in
/// `records` (empty: records are in id order), so that the sample depends on the records alone,
/// not on how they are laid out in memory. When the records have no more than `pairs` pairs in
/// all, every pair is counted once instead (exact, and two records cost one comparison, not a
/// million).
///
/// This draws the pairs, as places in the records (through `positions`), sorted; their levels
/// are counted by [`count_u_levels`] and turned into u by [`u_from_counts`].
pub(crate) fn draw_u_pairs(n: usize, positions: &[u32], pairs: u64, seed: u64) -> Vec<(u32, u32)> {
    // The pairs are drawn in sequence from the seed (so the estimate is reproducible), then
    // compared in parallel; level counts are integers, so their sum does not depend on the
    // order in which the threads add them.
    let mut rng = SplitMix(seed);
    let at = |k: usize| positions.get(k).map_or(k as u32, |&p| p);
    let mut drawn: Vec<(u32, u32)> = Vec::new();
    let all = (n as u64).saturating_mul(n.saturating_sub(1) as u64) / 2;
    if n >= 2 && all <= pairs {
        drawn.reserve(usize::try_from(all).unwrap_or(0));
        for i in 0..n {
            drawn.extend((i + 1..n).map(|j| (at(i), at(j))));
        }
    } else if n >= 2 {
        drawn.reserve(usize::try_from(pairs).unwrap_or(0));
        for _ in 0..pairs {
            let i = rng.below(n);
            let mut j = rng.below(n - 1);
            if j >= i {
                j += 1;
            }
            drawn.push((at(i), at(j)));
        }
    }
    // Compared in record order, for the cache (the counts do not depend on the order).
    drawn.par_sort_unstable();
    drawn
}

/// The level counts of the pairs `drawn` (places in `records`): one row per comparison, and
/// a last one for the email levels the pairs would reach if their names agreed
/// (`compare::email_given_name`).
pub(crate) fn count_u_levels(
    c: &Compiled,
    records: &[Prepared],
    drawn: &[(u32, u32)],
) -> Vec<Vec<f64>> {
    let email_at = c.at(BuiltIn::Email);
    let empty = || -> Vec<Vec<f64>> {
        c.level_counts()
            .map(|n| vec![0.0; n])
            .chain([vec![0.0; EMAIL_LEVELS]])
            .collect()
    };
    drawn
        .par_chunks(16_384)
        .fold(empty, |mut counts, chunk| {
            for (at, &(i, j)) in chunk.iter().enumerate() {
                // The second records are at random places: prefetched some pairs ahead.
                if let Some(ahead) = chunk
                    .get(at + crate::prefetch::AHEAD)
                    .and_then(|x| records.get(x.1 as usize))
                {
                    crate::prefetch::prefetch(ahead);
                }
                if let (Some(a), Some(b)) = (records.get(i as usize), records.get(j as usize)) {
                    let p = c.compare(a, b);
                    for (k, &l) in p.iter().take(c.len()).enumerate() {
                        if let Some(x) = counts.get_mut(k).and_then(|v| v.get_mut(l as usize)) {
                            *x += 1.0;
                        }
                    }
                    if email_at.is_some() {
                        let given_name = super::compare::email_given_name(a, b);
                        if let Some(x) = counts
                            .last_mut()
                            .and_then(|v| v.get_mut(given_name as usize))
                        {
                            *x += 1.0;
                        }
                    }
                }
            }
            counts
        })
        .reduce(empty, |mut a, b| {
            for (x, y) in a.iter_mut().zip(b) {
                for (u, v) in x.iter_mut().zip(y) {
                    *u += v;
                }
            }
            a
        })
}

/// The u probabilities from level counts ([`count_u_levels`]), smoothed.
pub(crate) fn u_from_counts(c: &Compiled, mut counts: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let email_at = c.at(BuiltIn::Email);
    let given_name = counts.pop().unwrap_or_default();
    let mut u: Vec<Vec<f64>> = counts
        .into_iter()
        .map(|levels| {
            // Half a count of smoothing keeps unseen agreement levels finite but rare.
            let total: f64 = levels.iter().skip(1).sum::<f64>() + 0.5 * (levels.len() - 1) as f64;
            levels
                .iter()
                .enumerate()
                .map(|(l, &x)| if l == 0 { 1.0 } else { (x + 0.5) / total })
                .collect()
        })
        .collect();
    // The name-built levels' u is conditional on the names agreeing (their agreement is
    // already weighed by the name comparisons): the share of random pairs, both with an
    // email, whose mailboxes have one shape (or shapes one edit apart), as if they were built
    // from one name.
    let with_email: f64 = given_name.iter().skip(1).sum::<f64>() + 1.0;
    if let Some(email) = email_at.and_then(|at| u.get_mut(at)) {
        for level in [NAME_BUILT_NUMBERED, NAME_BUILT_EXACT, NAME_BUILT_ONE_EDIT] {
            if let (Some(slot), Some(&x)) = (email.get_mut(level), given_name.get(level)) {
                *slot = (x + 0.5) / with_email;
            }
        }
    }
    u
}

/// Initial m: strong agreement likely among matches, decreasing with the level.
fn initial_m(levels: usize) -> Vec<f64> {
    let raw: Vec<f64> = (0..levels)
        .map(|l| {
            if l == 0 {
                0.0
            } else {
                0.5f64.powi(2 * (l as i32 - 1))
            }
        })
        .collect();
    let total: f64 = raw.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    raw.iter()
        .enumerate()
        .map(|(l, x)| if l == 0 { 1.0 } else { x / total })
        .collect()
}

/// Expectation-maximisation of m and the prior over unique patterns with their counts, u fixed.
pub(crate) fn em(
    patterns: &[(Pattern, u64)],
    u: &[Vec<f64>],
    max_iter: usize,
) -> (Vec<Vec<f64>>, f64, usize) {
    let mut m: Vec<Vec<f64>> = u.iter().map(|l| initial_m(l.len())).collect();
    let mut prior = 0.1f64;
    let mut iterations = 0;
    let total: f64 = patterns.iter().map(|(_, c)| *c as f64).sum();
    if total == 0.0 {
        return (m, prior, 0);
    }
    for _ in 0..max_iter {
        iterations += 1;
        let mut m_acc: Vec<Vec<f64>> = u.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut matched = 0.0;
        for (p, count) in patterns {
            let mut w = (prior / (1.0 - prior)).log2();
            for (c, &l) in p.iter().enumerate() {
                if l == 0 {
                    continue;
                }
                let (mm, uu) = (m[c][l as usize], u[c][l as usize]);
                w += (mm.max(1e-12) / uu.max(1e-12)).log2();
            }
            let post = probability(w) * *count as f64;
            matched += post;
            for (c, &l) in p.iter().enumerate() {
                if l != 0 {
                    m_acc[c][l as usize] += post;
                }
            }
        }
        let new_prior = (matched / total).clamp(1e-9, 1.0 - 1e-9);
        let mut delta = (new_prior - prior).abs();
        for (c, acc) in m_acc.iter().enumerate() {
            let s: f64 = acc.iter().skip(1).sum();
            if s <= 0.0 {
                continue;
            }
            for l in 1..acc.len() {
                // A little smoothing so no level of a field seen among matches is impossible.
                let v = (acc[l] + 1e-3) / (s + 1e-3 * (acc.len() - 1) as f64);
                delta = delta.max((v - m[c][l]).abs());
                m[c][l] = v;
            }
        }
        prior = new_prior;
        if delta < 1e-7 {
            break;
        }
    }
    (m, prior, iterations)
}

/// EM of the prior alone, with m and u fixed: the probability that two records drawn at random
/// from all `total_pairs` pairs are one customer. Pairs that blocking did not propose count as
/// non-matches.
///
/// The prior is over all pairs, not over candidate pairs, because u is estimated from random
/// pairs: a candidate pair was proposed *because* it agrees on some key (a name, say), and a
/// prior over candidates would count that agreement a second time. With the prior over all
/// pairs, a larger customer base rightly needs more evidence before two records of one common
/// name are called one customer.
pub(crate) fn em_prior(
    patterns: &[(Pattern, u64)],
    m: &[Vec<f64>],
    u: &[Vec<f64>],
    max_iter: usize,
    total_pairs: f64,
) -> f64 {
    let candidates: f64 = patterns.iter().map(|(_, c)| *c as f64).sum();
    let total = total_pairs.max(candidates);
    if total == 0.0 {
        return 0.1;
    }
    // The pattern weights do not change: compute them once.
    let weights: Vec<(f64, f64)> = patterns
        .iter()
        .map(|(p, c)| {
            let w: f64 = p
                .iter()
                .enumerate()
                .filter(|(_, l)| **l != 0)
                .map(|(ci, &l)| {
                    let mm = m
                        .get(ci)
                        .and_then(|v| v.get(l as usize))
                        .copied()
                        .unwrap_or(1.0);
                    let uu = u
                        .get(ci)
                        .and_then(|v| v.get(l as usize))
                        .copied()
                        .unwrap_or(1.0);
                    (mm.max(1e-12) / uu.max(1e-12)).log2()
                })
                .sum();
            (w, *c as f64)
        })
        .collect();
    let mut prior = (candidates / total * 0.1).clamp(1e-15, 0.5);
    for _ in 0..max_iter.max(200) {
        let logit = (prior / (1.0 - prior)).log2();
        let matched: f64 = weights
            .iter()
            .map(|(w, c)| probability(logit + w) * c)
            .sum();
        let next = (matched / total).clamp(1e-15, 1.0 - 1e-9);
        let done = (next - prior).abs() <= 1e-6 * prior;
        prior = next;
        if done {
            break;
        }
    }
    prior
}

/// Fewest pairs a session (and a comparison within it) needs for its estimate to be used.
const MIN_SESSION_PAIRS: u64 = 20;

/// A training session: the comparisons it selects its pairs on (and holds out), and which
/// exact agreements select a pair (any of the clauses, each a set of comparisons all at their
/// first level).
struct Session {
    held_out: Vec<usize>,
    clauses: Vec<Vec<usize>>,
}

impl Session {
    fn selects(&self, p: &Pattern) -> bool {
        self.clauses
            .iter()
            .any(|clause| clause.iter().all(|&at| p.get(at) == Some(&1)))
    }
}

/// The sessions of a configuration, in order of trust: shared identifiers (national ID, phone,
/// email, and field comparisons configured as identifiers), the birth date, the name (both
/// parts) or company name, the place. A clause naming a comparison the configuration lacks is
/// dropped, and a session left without clauses is too.
fn sessions(c: &Compiled) -> Vec<Session> {
    let at = |k: BuiltIn| c.at(k);
    let clause = |ks: &[BuiltIn]| ks.iter().map(|&k| at(k)).collect::<Option<Vec<usize>>>();
    let identifiers = c.slots().iter().enumerate().filter_map(|(i, s)| {
        matches!(
            s.kind,
            SlotKind::Field {
                evidence: Evidence::Identifier,
                ..
            }
        )
        .then_some(vec![i])
    });
    let built_in = |groups: &[&[BuiltIn]]| -> Vec<Vec<usize>> {
        groups.iter().filter_map(|g| clause(g)).collect()
    };
    let mut first = built_in(&[&[BuiltIn::NationalId], &[BuiltIn::Phone], &[BuiltIn::Email]]);
    first.extend(identifiers);
    let name = |ks: &[BuiltIn]| ks.iter().filter_map(|&k| at(k)).collect::<Vec<_>>();
    [
        (
            name(&[BuiltIn::NationalId, BuiltIn::Phone, BuiltIn::Email])
                .into_iter()
                .chain(first.iter().flatten().copied())
                .collect::<Vec<_>>(),
            first.clone(),
        ),
        (
            name(&[BuiltIn::BirthDate]),
            built_in(&[&[BuiltIn::BirthDate]]),
        ),
        (
            name(&[
                BuiltIn::GivenName,
                BuiltIn::FamilyName,
                BuiltIn::CompanyName,
            ]),
            built_in(&[
                &[BuiltIn::GivenName, BuiltIn::FamilyName],
                &[BuiltIn::CompanyName],
            ]),
        ),
        (name(&[BuiltIn::Place]), built_in(&[&[BuiltIn::Place]])),
    ]
    .into_iter()
    .filter(|(_, clauses)| !clauses.is_empty())
    .map(|(mut held_out, clauses)| {
        held_out.sort_unstable();
        held_out.dedup();
        Session { held_out, clauses }
    })
    .collect()
}

/// Training sessions: each estimates m for the comparisons it does not select on, from the
/// candidate pairs that agree exactly on the ones it does. Pairs chosen for agreeing on a field
/// say nothing about how often matches agree on it, and holding that field out stops it from
/// turning "same surname in the same town" into the match class.
pub(crate) fn train_sessions(
    c: &Compiled,
    unique: &[(Pattern, u64)],
    u: &[Vec<f64>],
    max_iter: usize,
    total_pairs: f64,
) -> (Vec<Vec<f64>>, f64, usize) {
    let sessions = sessions(c);
    let n = c.len();
    let mut chosen: Vec<Option<Vec<f64>>> = vec![None; n];
    let mut iterations = 0;
    // Sessions in order of trust: two records sharing a national ID, phone or email are
    // overwhelmingly one customer, so that subset is the least confounded; a comparison takes
    // its m from the first session that saw it often enough.
    for session in &sessions {
        let held_out = &session.held_out;
        if (0..n).all(|c| held_out.contains(&c) || chosen[c].is_some()) {
            continue;
        }
        let mut counts: HashMap<Pattern, u64> = HashMap::new();
        for (p, c) in unique.iter().filter(|(p, _)| session.selects(p)) {
            let mut masked = *p;
            for &h in held_out {
                if let Some(slot) = masked.get_mut(h) {
                    *slot = 0;
                }
            }
            *counts.entry(masked).or_default() += c;
        }
        let mut subset: Vec<(Pattern, u64)> = counts.into_iter().collect();
        subset.sort_unstable();
        let pairs: u64 = subset.iter().map(|(_, c)| c).sum();
        if pairs < MIN_SESSION_PAIRS {
            continue;
        }
        let (m, _, it) = em(&subset, u, max_iter);
        iterations += it;
        for c in (0..n).filter(|c| !held_out.contains(c)) {
            let seen: u64 = subset
                .iter()
                .filter(|(p, _)| p[c] != 0)
                .map(|(_, k)| k)
                .sum();
            if seen >= MIN_SESSION_PAIRS && chosen[c].is_none() {
                chosen[c] = m.get(c).cloned();
            }
        }
    }
    if chosen.iter().all(Option::is_none) {
        // Too few pairs for sessions: plain EM on everything.
        let (m, _, iterations) = em(unique, u, max_iter);
        let m = monotone(m, u);
        let prior = em_prior(unique, &m, u, max_iter, total_pairs);
        return (m, prior, iterations);
    }
    let fallback = if chosen.iter().any(Option::is_none) {
        em(unique, u, max_iter).0
    } else {
        Vec::new()
    };
    let m: Vec<Vec<f64>> = (0..n)
        .map(|c| {
            chosen[c]
                .clone()
                .or_else(|| fallback.get(c).cloned())
                .unwrap_or_else(|| initial_m(u.get(c).map_or(0, Vec::len)))
        })
        .collect();
    let m = monotone(m, u);
    let prior = em_prior(unique, &m, u, max_iter, total_pairs);
    (m, prior, iterations)
}

/// m raised where an agreement level would weigh less than its comparison's "different"
/// level (the last): agreeing, however weakly, is never stronger evidence against a match
/// than disagreeing. EM can put such a level's m near 0 when the matches of the data never
/// reach it (two mailboxes of one name one edit apart, in data where a customer's copies keep
/// their mailbox), and a pair reaching it would then weigh as if it were told apart.
fn monotone(mut m: Vec<Vec<f64>>, u: &[Vec<f64>]) -> Vec<Vec<f64>> {
    for (mc, uc) in m.iter_mut().zip(u) {
        let (Some(&m_last), Some(&u_last)) = (mc.last(), uc.last()) else {
            continue;
        };
        let floor = m_last / u_last.max(1e-12);
        let last = mc.len().saturating_sub(1);
        for (l, (mm, &uu)) in mc.iter_mut().zip(uc).enumerate() {
            if (1..last).contains(&l) && *mm < uu * floor {
                *mm = uu * floor;
            }
        }
    }
    m
}

/// The comparisons whose exact level is weighted by term frequency, in the order of
/// [`TrainedModel::tf_weights`].
const TF_ADJUSTED: [BuiltIn; 3] = [
    BuiltIn::GivenName,
    BuiltIn::FamilyName,
    BuiltIn::CompanyName,
];

impl TrainedModel {
    pub(crate) fn new(
        (c, config): (&Compiled, &DedupeConfig),
        (m, u, prior): (Vec<Vec<f64>>, Vec<Vec<f64>>, f64),
        tf: TermFrequencies,
        em_iterations: usize,
        u_sample_pairs: u64,
    ) -> Self {
        let comparisons = c
            .slots()
            .iter()
            .enumerate()
            .map(|(k, slot)| ComparisonParams {
                name: slot.name.clone().into_owned(),
                levels: slot
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(l, label)| LevelParams {
                        label: label.clone().into_owned(),
                        m: m.get(k).and_then(|v| v.get(l)).copied().unwrap_or(1.0),
                        u: u.get(k).and_then(|v| v.get(l)).copied().unwrap_or(1.0),
                    })
                    .collect(),
            })
            .collect();
        Self {
            comparisons,
            prior,
            term_frequencies: tf,
            em_iterations,
            u_sample_pairs,
            config: config.clone(),
        }
    }

    /// The model's configuration, compiled, after checking that the model's comparisons and
    /// levels are the ones it names (a model saved by an earlier version may not have them:
    /// before 2026-12-02 the email comparison had no name-built levels), so that no level is
    /// read with another level's weight.
    ///
    /// # Errors
    /// As [`DedupeConfig::check`] for its configuration, and [`crate::Error::InvalidValue`]
    /// for the field `model`, naming the first comparison that differs: train the model again.
    pub(crate) fn compile(&self) -> Result<Compiled, crate::Error> {
        let c = Compiled::new(&self.config)?;
        let differs = |name: &str| crate::Error::InvalidValue {
            field: "model".to_owned(),
            reason: "trained with other comparison levels than this version's: train it again"
                .to_owned(),
            masked: name.to_owned(),
        };
        if self.comparisons.len() != c.len() {
            let name = c
                .slots()
                .get(self.comparisons.len())
                .map_or("", |s| &s.name);
            return Err(differs(name));
        }
        for (slot, params) in c.slots().iter().zip(&self.comparisons) {
            let same = params.name == slot.name
                && params.levels.len() == slot.labels.len()
                && params
                    .levels
                    .iter()
                    .zip(&slot.labels)
                    .all(|(l, k)| l.label == *k);
            if !same {
                return Err(differs(&slot.name));
            }
        }
        Ok(c)
    }

    /// The weight table: `[comparison][level]`.
    pub(crate) fn weights(&self) -> Vec<Vec<f64>> {
        self.comparisons
            .iter()
            .map(|c| c.levels.iter().map(LevelParams::weight).collect())
            .collect()
    }

    fn tf_adjustment(&self, c: &Compiled, comparison: usize, level: u8, a: &Prepared) -> f64 {
        if level != 1 {
            return 0.0;
        }
        let kind = match c.slots().get(comparison).map(|s| &s.kind) {
            Some(SlotKind::BuiltIn(k)) => *k,
            _ => return 0.0,
        };
        // Names are counted by their cross-script words (pinyin for Han names), so that a
        // romanized name is as common as the Han name it romanizes.
        let (name, value) = match kind {
            BuiltIn::GivenName => (
                "given_name",
                a.cross
                    .as_ref()
                    .map(|(g, _)| g.as_str())
                    .or(a.given.as_ref().map(|t| t.as_str())),
            ),
            BuiltIn::FamilyName => (
                "family_name",
                a.cross
                    .as_ref()
                    .map(|(_, f)| f.as_str())
                    .or(a.family.as_ref().map(|t| t.as_str())),
            ),
            BuiltIn::CompanyName => ("company_name", a.company_name.as_ref().map(|t| t.as_str())),
            _ => return 0.0,
        };
        let (Some(value), Some(params)) = (value, self.comparisons.get(comparison)) else {
            return 0.0;
        };
        let u_exact = params.levels.get(1).map_or(1.0, |l| l.u);
        let records = self.term_frequencies.records.max(1) as f64;
        let share_in = |table: &str| {
            self.term_frequencies
                .shares
                .get(table)
                .and_then(|m| m.get(value))
                .copied()
                .unwrap_or(1.0 / records)
        };
        // A person's name counts as common if it is common in either role: names written in
        // swapped fields ("Garcia Sarah") must not pass for rare given names.
        let share = match name {
            "given_name" | "family_name" => share_in("given_name").max(share_in("family_name")),
            _ => share_in(name),
        };
        (u_exact / share.max(1.0 / records)).log2()
    }

    /// The match weight of a pattern before term-frequency adjustment: prior odds plus the
    /// weight of every level.
    pub(crate) fn base_weight(&self, weights: &[Vec<f64>], p: &Pattern) -> f64 {
        let mut w = (self.prior / (1.0 - self.prior)).log2();
        for (c, &l) in p.iter().enumerate() {
            w += weights
                .get(c)
                .and_then(|v| v.get(l as usize))
                .copied()
                .unwrap_or(0.0);
        }
        w
    }

    /// A record's term-frequency adjustments of the exact given-name, family-name and company
    /// levels (the only levels adjusted), computed once per record.
    pub(crate) fn tf_weights(&self, c: &Compiled, a: &Prepared) -> [f64; 3] {
        TF_ADJUSTED.map(|k| c.at(k).map_or(0.0, |at| self.tf_adjustment(c, at, 1, a)))
    }

    /// Which of the term-frequency-adjusted comparisons (given name, family name, company) a
    /// pattern agrees on exactly, as bits 0, 1 and 2.
    pub(crate) fn tf_exact(c: &Compiled, p: &Pattern) -> u8 {
        TF_ADJUSTED
            .iter()
            .enumerate()
            .filter(|(_, k)| c.at(**k).is_some() && c.level(p, **k) == 1)
            .fold(0, |m, (k, _)| m | (1 << k))
    }

    /// The total match weight of a pattern whose base weight, exact-agreement bits
    /// ([`TrainedModel::tf_exact`]) and first record's adjustments are known.
    pub(crate) fn adjusted(base: f64, exact: u8, tf: &[f64; 3]) -> f64 {
        let mut w = base;
        for (k, t) in tf.iter().enumerate() {
            if exact & (1 << k) != 0 {
                w += t;
            }
        }
        w
    }

    /// The total match weight of a pair with its levels (`a` gives the values for term
    /// frequencies; on exact levels both records hold the same value).
    pub(crate) fn score(
        &self,
        c: &Compiled,
        weights: &[Vec<f64>],
        p: &Pattern,
        a: &Prepared,
    ) -> f64 {
        Self::adjusted(
            self.base_weight(weights, p),
            Self::tf_exact(c, p),
            &self.tf_weights(c, a),
        )
    }

    pub(crate) fn explain(
        &self,
        compiled: &Compiled,
        p: &Pattern,
        a: &Prepared,
        identical: bool,
    ) -> Explanation {
        let prior_weight = (self.prior / (1.0 - self.prior)).log2();
        let contributions: Vec<Contribution> = p
            .iter()
            .enumerate()
            .filter_map(|(k, &l)| {
                let params = self.comparisons.get(k)?;
                let level = params.levels.get(l as usize)?;
                if level.label == "missing" {
                    return None;
                }
                let tf = self.tf_adjustment(compiled, k, l, a);
                // The configuration's names (borrowed for the built-in comparisons), when the
                // model's are those.
                let slot = compiled.slots().get(k);
                let label = |own: &String, known: Option<&Cow<'static, str>>| match known {
                    Some(known) if known == own.as_str() => known.clone(),
                    _ => Cow::Owned(own.clone()),
                };
                Some(Contribution {
                    comparison: label(&params.name, slot.map(|s| &s.name)),
                    level: label(&level.label, slot.and_then(|s| s.labels.get(l as usize))),
                    weight: level.weight() + tf,
                    tf_adjustment: tf,
                })
            })
            .collect();
        let match_weight = prior_weight + contributions.iter().map(|c| c.weight).sum::<f64>();
        Explanation {
            prior_weight,
            contributions,
            match_weight,
            probability: if identical {
                1.0
            } else {
                probability(match_weight)
            },
            identical,
        }
    }
}

/// The word a name is counted by: its cross-script word (pinyin for Han names), else its key.
/// A romanized name is then exactly as common as the Han name it romanizes.
pub(crate) fn name_word(p: &Prepared, given: bool) -> Option<&str> {
    match (&p.cross, given) {
        (Some((g, _)), true) => Some(g.as_str()),
        (Some((_, f)), false) => Some(f.as_str()),
        (None, true) => p.given.as_ref().map(|t| t.as_str()),
        (None, false) => p.family.as_ref().map(|t| t.as_str()),
    }
}

/// Records per value of the names term frequencies are counted on (given name, family name,
/// company name, in the order of [`TF_NAMES`]).
pub(crate) type NameCounts<'a> = [HashMap<&'a str, u64>; 3];

/// The names of the term-frequency tables, in the order of [`NameCounts`].
pub(crate) const TF_NAMES: [&str; 3] = ["given_name", "family_name", "company_name"];

/// Counts the records holding each name value ([`NameCounts`]).
pub(crate) fn name_counts(records: &[Prepared]) -> NameCounts<'_> {
    type Counts<'a> = HashMap<&'a str, u64>;
    fn values(p: &Prepared) -> [Option<&str>; 3] {
        [
            name_word(p, true),
            name_word(p, false),
            p.company_name.as_ref().map(|t| t.as_str()),
        ]
    }
    // Counted in parallel, a table per comparison, merged.
    records
        .par_chunks(1 << 15)
        .fold(
            || std::array::from_fn(|_| Counts::default()),
            |mut counts: [Counts<'_>; 3], chunk| {
                for p in chunk {
                    for (table, v) in counts.iter_mut().zip(values(p)) {
                        if let Some(v) = v {
                            *table.entry(v).or_default() += 1;
                        }
                    }
                }
                counts
            },
        )
        .reduce(
            || std::array::from_fn(|_| Counts::default()),
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(b) {
                    for (v, c) in y {
                        *x.entry(v).or_default() += c;
                    }
                }
                a
            },
        )
}

/// Term frequencies from the counts of names ([`name_counts`]) over `records` records: the
/// values held by more than one record.
pub(crate) fn term_frequencies(
    counts: &[HashMap<String, u64>; 3],
    records: u64,
) -> TermFrequencies {
    let n = records.max(1) as f64;
    let shares = TF_NAMES
        .iter()
        .zip(counts)
        .map(|(name, counts)| {
            let table = counts
                .iter()
                .filter(|(_, c)| **c > 1)
                .map(|(v, &c)| (v.clone(), c as f64 / n))
                .collect();
            ((*name).to_owned(), table)
        })
        .collect();
    TermFrequencies { records, shares }
}
