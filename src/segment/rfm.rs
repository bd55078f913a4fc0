//! RFM: recency, frequency and monetary scores by quintiles, and named segments.

use serde::{Deserialize, Serialize};

/// One customer's raw RFM values as of a date (customers with at least one purchase only).
///
/// ```
/// use clientele::segment::RfmValues;
/// let v = RfmValues { recency_days: 12, frequency: 3, monetary: 45_000 };
/// assert_eq!(v.frequency, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RfmValues {
    /// Whole days since the last purchase (fewer is better).
    pub recency_days: i64,
    /// Number of purchases (more is better).
    pub frequency: usize,
    /// Net spend in minor units of the scoring currency (more is better), exact.
    pub monetary: i128,
}

/// Recency, frequency and monetary scores, each 1 (worst) to 5 (best).
///
/// ```
/// use clientele::segment::RfmScore;
/// let s = RfmScore { r: 5, f: 4, m: 3 };
/// assert_eq!(s.to_string(), "543");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RfmScore {
    /// Recency score.
    pub r: u8,
    /// Frequency score.
    pub f: u8,
    /// Monetary score.
    pub m: u8,
}

impl std::fmt::Display for RfmScore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.r, self.f, self.m)
    }
}

/// Quintile scores 1..=5 of `values`, higher values scoring higher, in input order.
///
/// **Ties**: a value scores by the position of its **first** occurrence in ascending order:
/// with `p` the number of values strictly smaller and `n` the population,
/// `score = 1 + ⌊5p / n⌋`. Equal values therefore always get the same score (the lower one, when
/// a run of ties straddles a quintile boundary), and scores depend only on the multiset of
/// values, never on input order. A population where everyone ties scores 1 throughout, and
/// the lowest value always scores 1. O(n log n).
///
/// ```
/// use clientele::segment::quintile_scores;
/// assert_eq!(quintile_scores(&[10, 20, 30, 40, 50]), vec![1, 2, 3, 4, 5]);
/// // Ties share the score of their first position.
/// assert_eq!(quintile_scores(&[1, 1, 1, 1, 9]), vec![1, 1, 1, 1, 5]);
/// assert_eq!(quintile_scores(&[7, 7, 7]), vec![1, 1, 1]);
/// assert!(quintile_scores::<i64>(&[]).is_empty());
/// ```
pub fn quintile_scores<T: Ord + Copy>(values: &[T]) -> Vec<u8> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    // A value scores q + 1 when at least ceil(q * n / 5) values are below it, that is when it
    // is above the value at that place in the sorted list: four comparisons a value.
    let edges: Vec<T> = (1..=4usize)
        .filter_map(|q| {
            let place = q.saturating_mul(n).div_ceil(5).checked_sub(1)?;
            sorted.get(place).copied()
        })
        .collect();
    values
        .iter()
        .map(|v| {
            let above = edges.iter().filter(|e| *e < v).count();
            u8::try_from(above.min(4)).unwrap_or(4) + 1
        })
        .collect()
}

/// RFM scores of a population, in input order: recency scored on days since the last purchase
/// (fewer days score higher), frequency on the number of purchases, monetary on net spend, each
/// by [`quintile_scores`] (so ties share a score, and the result does not depend on order).
///
/// ```
/// use clientele::segment::{rfm_scores, RfmScore, RfmValues};
/// let pop = [
///     RfmValues { recency_days: 1, frequency: 9, monetary: 900 },
///     RfmValues { recency_days: 300, frequency: 1, monetary: 10 },
/// ];
/// assert_eq!(rfm_scores(&pop), vec![RfmScore { r: 3, f: 3, m: 3 }, RfmScore { r: 1, f: 1, m: 1 }]);
/// ```
pub fn rfm_scores(population: &[RfmValues]) -> Vec<RfmScore> {
    let column =
        |f: fn(&RfmValues) -> i128| quintile_scores(&population.iter().map(f).collect::<Vec<_>>());
    let r = column(|v| -i128::from(v.recency_days));
    let f = column(|v| i128::try_from(v.frequency).unwrap_or(i128::MAX));
    let m = column(|v| v.monetary);
    r.into_iter()
        .zip(f)
        .zip(m)
        .map(|((r, f), m)| RfmScore { r, f, m })
        .collect()
}

/// One row of an [`RfmTable`]: a name and inclusive score ranges `[low, high]` for r, f and m.
///
/// ```
/// use clientele::segment::{RfmRule, RfmScore};
/// let rule = RfmRule::new("Champions", [5, 5], [4, 5], [1, 5]);
/// assert!(rule.matches(RfmScore { r: 5, f: 4, m: 1 }));
/// assert!(!rule.matches(RfmScore { r: 4, f: 5, m: 5 }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmRule {
    /// The named segment.
    pub name: String,
    /// Recency range, both ends included.
    pub r: [u8; 2],
    /// Frequency range, both ends included.
    pub f: [u8; 2],
    /// Monetary range, both ends included.
    pub m: [u8; 2],
}

impl RfmRule {
    /// A rule from its name and ranges.
    ///
    /// ```
    /// use clientele::segment::RfmRule;
    /// let r = RfmRule::new("Sleepers", [1, 2], [1, 5], [1, 5]);
    /// assert_eq!(r.r, [1, 2]);
    /// ```
    pub fn new(name: impl Into<String>, r: [u8; 2], f: [u8; 2], m: [u8; 2]) -> Self {
        Self {
            name: name.into(),
            r,
            f,
            m,
        }
    }

    /// Whether the scores fall in every range.
    ///
    /// ```
    /// use clientele::segment::{RfmRule, RfmScore};
    /// let r = RfmRule::new("Big spenders", [1, 5], [1, 5], [4, 5]);
    /// assert!(r.matches(RfmScore { r: 1, f: 1, m: 4 }));
    /// assert!(!r.matches(RfmScore { r: 5, f: 5, m: 3 }));
    /// ```
    pub fn matches(&self, s: RfmScore) -> bool {
        let within = |[lo, hi]: [u8; 2], v: u8| lo <= v && v <= hi;
        within(self.r, s.r) && within(self.f, s.f) && within(self.m, s.m)
    }
}

/// Named RFM segments: ordered rules, the **first** that matches names the segment (`None`
/// when none matches).
///
/// The default is the widely used map over recency and frequency (monetary is left open, as
/// it mostly follows frequency; tables of your own can use it), complete over all 125 score
/// combinations:
///
/// | segment | R | F | M |
/// |---|---|---|---|
/// | Champions | 5 | 4–5 | 1–5 |
/// | Loyal | 3–4 | 4–5 | 1–5 |
/// | Potential Loyalist | 4–5 | 2–3 | 1–5 |
/// | New | 5 | 1 | 1–5 |
/// | Promising | 4 | 1 | 1–5 |
/// | Need Attention | 3 | 3 | 1–5 |
/// | About to Sleep | 3 | 1–2 | 1–5 |
/// | Can't Lose Them | 1–2 | 5 | 1–5 |
/// | At Risk | 1–2 | 3–4 | 1–5 |
/// | Lost | 1 | 1 | 1–5 |
/// | Hibernating | 1–2 | 1–2 | 1–5 |
///
/// ```
/// use clientele::segment::{RfmScore, RfmTable};
/// let table = RfmTable::default();
/// assert_eq!(table.segment_of(RfmScore { r: 5, f: 5, m: 5 }), Some("Champions"));
/// assert_eq!(table.segment_of(RfmScore { r: 1, f: 1, m: 3 }), Some("Lost"));
/// assert_eq!(table.segment_of(RfmScore { r: 2, f: 1, m: 1 }), Some("Hibernating"));
/// let json = serde_json::to_string(&table).unwrap();
/// assert_eq!(serde_json::from_str::<RfmTable>(&json).unwrap(), table);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmTable {
    /// The rules, in order of precedence.
    pub rules: Vec<RfmRule>,
}

impl Default for RfmTable {
    fn default() -> Self {
        let any = [1, 5];
        let rule = |name: &str, r, f| RfmRule::new(name, r, f, any);
        Self {
            rules: vec![
                rule("Champions", [5, 5], [4, 5]),
                rule("Loyal", [3, 4], [4, 5]),
                rule("Potential Loyalist", [4, 5], [2, 3]),
                rule("New", [5, 5], [1, 1]),
                rule("Promising", [4, 4], [1, 1]),
                rule("Need Attention", [3, 3], [3, 3]),
                rule("About to Sleep", [3, 3], [1, 2]),
                rule("Can't Lose Them", [1, 2], [5, 5]),
                rule("At Risk", [1, 2], [3, 4]),
                rule("Lost", [1, 1], [1, 1]),
                rule("Hibernating", [1, 2], [1, 2]),
            ],
        }
    }
}

impl RfmTable {
    /// The name of the first rule that matches the scores.
    ///
    /// ```
    /// use clientele::segment::{RfmScore, RfmTable};
    /// assert_eq!(RfmTable::default().segment_of(RfmScore { r: 2, f: 5, m: 5 }), Some("Can't Lose Them"));
    /// ```
    pub fn segment_of(&self, score: RfmScore) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.matches(score))
            .map(|r| r.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The definition: a fifth of the values below each score.
    fn by_counting(values: &[i64]) -> Vec<u8> {
        let n = values.len();
        values
            .iter()
            .map(|v| {
                let below = values.iter().filter(|x| *x < v).count();
                u8::try_from((below * 5 / n).min(4)).unwrap_or(4) + 1
            })
            .collect()
    }

    proptest! {
        #[test]
        fn quintiles_count_the_values_below(values in prop::collection::vec(-20i64..20, 0..80)) {
            prop_assert_eq!(quintile_scores(&values), by_counting(&values));
        }
    }
}
