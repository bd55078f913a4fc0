//! Counting over the compared pairs: how many pairs could be one customer, and the distinct
//! patterns with their counts (what EM trains on).

use rayon::prelude::*;

use super::compare;
use super::compare::Pattern;
use super::compiled::Compiled;
use super::prepare::Prepared;

/// Records per kind and source: `counts[kind][source]` (kind 1: a company; source 1: the
/// second source of a linkage).
pub(super) type KindCounts = [[u64; 2]; 2];

/// The records of each kind and source.
pub(super) fn kind_counts(records: &[Prepared]) -> KindCounts {
    let mut counts = [[0u64; 2]; 2];
    for p in records {
        if let Some(c) = counts
            .get_mut(usize::from(p.company))
            .and_then(|k| k.get_mut(usize::from(p.source.min(1))))
        {
            *c += 1;
        }
    }
    counts
}

/// How many pairs could be one customer, from the records of each kind and source: pairs of
/// one kind (persons with persons, companies with companies), and in linkage only pairs
/// across the two sources.
pub(super) fn comparable_of_kinds(counts: &KindCounts, cross: bool) -> f64 {
    counts
        .iter()
        .map(|&[a, b]| {
            let (a, b) = (a as f64, b as f64);
            if cross {
                a * b
            } else {
                let n = a + b;
                n * (n - 1.0) / 2.0
            }
        })
        .sum()
}

/// Packed patterns to values: tens of millions of lookups in counting and scoring.
pub(super) type CodeMap<V> = crate::hashing::IntMap<u32, V>;

/// The distinct patterns among the compared pairs and how often each occurred, sorted.
pub(super) fn count_patterns(compiled: &Compiled, codes: &[Vec<u32>]) -> Vec<(Pattern, u64)> {
    let counts = codes
        .par_iter()
        .fold(CodeMap::<u64>::default, |mut m, chunk| {
            for &c in chunk {
                *m.entry(compare::pattern_code(c)).or_default() += 1;
            }
            m
        })
        .reduce(CodeMap::<u64>::default, |mut a, b| {
            for (k, v) in b {
                *a.entry(k).or_default() += v;
            }
            a
        });
    let mut unique: Vec<(Pattern, u64)> = counts
        .into_iter()
        .map(|(c, n)| (compiled.unpack(c), n))
        .collect();
    unique.sort_unstable();
    unique
}
