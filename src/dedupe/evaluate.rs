//! Pairwise and cluster-level accuracy of found pairs against the truth.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// Accuracy figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Pairs found.
    pub pairs_found: usize,
    /// True pairs.
    pub true_pairs: usize,
    /// Found pairs that are true.
    pub true_positives: usize,
    /// Found pairs that are not true.
    pub false_positives: usize,
    /// True pairs not found.
    pub false_negatives: usize,
    /// Pairwise precision.
    pub precision: f64,
    /// Pairwise recall.
    pub recall: f64,
    /// Pairwise F1.
    pub f1: f64,
    /// Clusters (connected components of the found pairs).
    pub clusters_found: usize,
    /// True clusters (of two or more records).
    pub true_clusters: usize,
    /// True clusters found exactly, member for member.
    pub clusters_exactly_found: usize,
    /// Exact clusters over clusters found.
    pub cluster_precision: f64,
    /// Exact clusters over true clusters.
    pub cluster_recall: f64,
}

/// An unordered pair, stored in order.
pub fn ordered_pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// Every pair of records that share an entity, from `(record, entity)` rows.
///
/// ```
/// use clientele::dedupe::{pairs_from_entities, ordered_pair};
/// let pairs = pairs_from_entities([("a", "1"), ("b", "1"), ("c", "2")]);
/// assert_eq!(pairs.into_iter().collect::<Vec<_>>(), vec![ordered_pair("a", "b")]);
/// ```
pub fn pairs_from_entities<'a>(
    rows: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> BTreeSet<(String, String)> {
    let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, entity) in rows {
        by.entry(entity).or_default().push(id);
    }
    let mut out = BTreeSet::new();
    for ids in by.values() {
        for (i, a) in ids.iter().enumerate() {
            for b in ids.iter().skip(i + 1) {
                if a != b {
                    out.insert(ordered_pair(a, b));
                }
            }
        }
    }
    out
}

fn components(pairs: &BTreeSet<(String, String)>) -> BTreeSet<Vec<String>> {
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for (a, b) in pairs {
        for x in [a, b] {
            let n = index.len();
            index.entry(x.as_str()).or_insert(n);
        }
    }
    let mut uf = super::cluster::UnionFind::new(index.len());
    for (a, b) in pairs {
        if let (Some(&i), Some(&j)) = (index.get(a.as_str()), index.get(b.as_str())) {
            uf.union(i as u32, j as u32);
        }
    }
    let mut groups: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for (id, &i) in &index {
        groups
            .entry(uf.find(i as u32))
            .or_default()
            .push((*id).to_owned());
    }
    groups.into_values().collect()
}

/// Pairwise precision, recall and F1, and cluster-level figures, of `found` against `truth`
/// (both sets of ordered pairs, see [`ordered_pair`]).
///
/// ```
/// use clientele::dedupe::{evaluate, ordered_pair};
/// let truth = [ordered_pair("a", "b"), ordered_pair("c", "d")].into_iter().collect();
/// let found = [ordered_pair("a", "b"), ordered_pair("a", "e")].into_iter().collect();
/// let e = evaluate(&found, &truth);
/// assert_eq!((e.precision, e.recall), (0.5, 0.5));
/// assert_eq!(evaluate(&truth, &truth).f1, 1.0);
/// ```
pub fn evaluate(
    found: &BTreeSet<(String, String)>,
    truth: &BTreeSet<(String, String)>,
) -> Evaluation {
    let tp = found.intersection(truth).count();
    let (fp, fneg) = (found.len() - tp, truth.len() - tp);
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(tp, tp + fp), ratio(tp, tp + fneg));
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let (fc, tc) = (components(found), components(truth));
    let exact = fc.intersection(&tc).count();
    Evaluation {
        pairs_found: found.len(),
        true_pairs: truth.len(),
        true_positives: tp,
        false_positives: fp,
        false_negatives: fneg,
        precision,
        recall,
        f1,
        clusters_found: fc.len(),
        true_clusters: tc.len(),
        clusters_exactly_found: exact,
        cluster_precision: ratio(exact, fc.len()),
        cluster_recall: ratio(exact, tc.len()),
    }
}
