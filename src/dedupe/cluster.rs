//! Clustering: connected components over strong pairs, with a guard against long chains.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use rayon::prelude::*;

use super::Cluster;
use crate::model::CustomerId;

/// Where each record's cluster is in a list of clusters, built on the first lookup
/// ([`super::DedupeResult::cluster_of`]). A found position is checked against the list (whose
/// members are sorted) before it is trusted, so a list changed after the map was built is
/// still answered right, by a scan.
#[derive(Default)]
pub(crate) struct ClusterLookup(OnceLock<HashMap<String, usize>>);

impl ClusterLookup {
    pub(crate) fn find<'a>(&self, clusters: &'a [Cluster], id: &str) -> Option<&'a Cluster> {
        let has = |c: &Cluster| c.members.binary_search_by(|m| m.as_str().cmp(id)).is_ok();
        let map = self.0.get_or_init(|| {
            let mut map = HashMap::with_capacity(clusters.len());
            for (at, c) in clusters.iter().enumerate() {
                for m in &c.members {
                    map.insert(m.as_str().to_owned(), at);
                }
            }
            map
        });
        match map.get(id).and_then(|&at| clusters.get(at)) {
            Some(c) if has(c) => Some(c),
            _ => clusters.iter().find(|c| has(c)),
        }
    }
}

impl Clone for ClusterLookup {
    /// A clone builds its own map when first asked.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for ClusterLookup {
    /// A cache: never part of what a result is.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for ClusterLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClusterLookup")
    }
}

/// Union-find with path halving and union by size.
pub(crate) struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while let Some(&p) = self.parent.get(x as usize) {
            if p == x {
                break;
            }
            let gp = self.parent.get(p as usize).copied().unwrap_or(p);
            if let Some(slot) = self.parent.get_mut(x as usize) {
                *slot = gp;
            }
            x = gp;
        }
        x
    }

    pub(crate) fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (sa, sb) = (
            self.size.get(ra as usize).copied().unwrap_or(1),
            self.size.get(rb as usize).copied().unwrap_or(1),
        );
        let (big, small) = if sa >= sb { (ra, rb) } else { (rb, ra) };
        if let Some(p) = self.parent.get_mut(small as usize) {
            *p = big;
        }
        if let Some(s) = self.size.get_mut(big as usize) {
            *s = sa + sb;
        }
    }
}

/// Component label of every record: components over pairs at or above `threshold`; a component
/// of three or more records is re-formed from its pairs at or above `split_threshold`, so a
/// chain held together by one weak link falls apart.
pub(crate) fn components(
    n: usize,
    pairs: &[(u32, u32, f64)],
    threshold: f64,
    split_threshold: f64,
) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for &(a, b, p) in pairs {
        if p >= threshold {
            uf.union(a, b);
        }
    }
    let mut size = vec![0u32; n];
    let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
    for &r in &roots {
        if let Some(s) = size.get_mut(r as usize) {
            *s += 1;
        }
    }
    let big = |i: u32| {
        roots
            .get(i as usize)
            .and_then(|r| size.get(*r as usize))
            .is_some_and(|s| *s >= 3)
    };
    if split_threshold <= threshold || !(0..n as u32).any(big) {
        return roots;
    }
    // Re-form the large components from strong links only.
    let mut strong = UnionFind::new(n);
    for &(a, b, p) in pairs {
        if p >= threshold && (!big(a) || p >= split_threshold) {
            strong.union(a, b);
        }
    }
    (0..n as u32).map(|i| strong.find(i)).collect()
}

/// Clusters from component labels and the records' ids (moved into the clusters). `ranks`
/// holds each record's rank by id, so that members are put in id order, and clusters in order
/// of their smallest id, by sorting integers.
pub(super) fn make_clusters(
    mut ids: Vec<Option<CustomerId>>,
    ranks: &[u32],
    labels: &[u32],
) -> Vec<Cluster> {
    // (label, rank, record) sorted: each cluster's members are consecutive and in id order.
    let mut tagged: Vec<(u32, u32, u32)> = labels
        .iter()
        .zip(ranks)
        .enumerate()
        .map(|(i, (&l, &r))| (l, r, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    tagged.par_sort_unstable();
    let mut groups: Vec<&[(u32, u32, u32)]> = tagged.chunk_by(|x, y| x.0 == y.0).collect();
    // The smallest member id is unique to its cluster, so the order is total.
    groups.par_sort_unstable_by_key(|g| g.first().map_or(u32::MAX, |m| m.1));
    // Ids are moved, not cloned: a clone would write to each id's shared count, in memory
    // far apart (a cache miss per record).
    let mut clusters: Vec<Cluster> = groups
        .iter()
        .map(|group| Cluster {
            cluster_id: String::new(),
            members: group
                .iter()
                .filter_map(|&(_, _, i)| ids.get_mut(i as usize).and_then(Option::take))
                .collect(),
        })
        .collect();
    clusters.par_iter_mut().for_each(|c| {
        c.cluster_id = c.members.first().map(|m| m.to_string()).unwrap_or_default();
    });
    clusters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weak_link_in_a_chain_splits_it() {
        let pairs = [(0, 1, 0.99), (1, 2, 0.6), (3, 4, 0.6)];
        let c = components(5, &pairs, 0.5, 0.9);
        assert_eq!(c[0], c[1]);
        assert_ne!(c[1], c[2]);
        // A pair on its own is kept at the first threshold.
        assert_eq!(c[3], c[4]);
    }
}
