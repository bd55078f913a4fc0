//! What the importer does with a record and its matches.

use serde::{Deserialize, Serialize};

/// What to do with a record whose best match reaches the automatic-merge threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OnMatch {
    /// Merge it into the matched customer (the default).
    #[default]
    Merge,
    /// Hold it for review whatever its probability.
    Review,
    /// Leave the store alone (the record is skipped).
    Skip,
    /// Insert it as a new customer anyway.
    Insert,
}

/// The caller's policy: what to do on a match, and the two thresholds.
///
/// A best match at or above `merge_above` is acted on per `on_match`; one at or above
/// `review_above` (but under `merge_above`) is held for review; anything lower is inserted
/// as a new customer.
///
/// ```
/// use clientele::entry::{EntryPolicy, OnMatch};
/// let p = EntryPolicy::default().on_match(OnMatch::Review).merge_above(0.99);
/// assert_eq!(p.on_match, OnMatch::Review);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EntryPolicy {
    /// What to do at or above `merge_above`.
    pub on_match: OnMatch,
    /// The automatic-merge threshold (a probability).
    pub merge_above: f64,
    /// The review threshold (a probability).
    pub review_above: f64,
    /// Refuse a record with validation issues (otherwise it is kept with them).
    pub reject_invalid: bool,
}

impl Default for EntryPolicy {
    fn default() -> Self {
        Self {
            on_match: OnMatch::Merge,
            merge_above: 0.9,
            review_above: 0.5,
            reject_invalid: false,
        }
    }
}

impl EntryPolicy {
    /// Sets what to do on a match.
    #[must_use]
    pub fn on_match(mut self, on: OnMatch) -> Self {
        self.on_match = on;
        self
    }

    /// Sets the automatic-merge threshold.
    #[must_use]
    pub fn merge_above(mut self, p: f64) -> Self {
        self.merge_above = p;
        self
    }

    /// Sets the review threshold.
    #[must_use]
    pub fn review_above(mut self, p: f64) -> Self {
        self.review_above = p;
        self
    }

    /// What a best match of probability `p` calls for.
    pub(crate) fn decide(&self, p: Option<f64>) -> OnMatch {
        match p {
            Some(p) if p >= self.merge_above => self.on_match,
            Some(p) if p >= self.review_above => OnMatch::Review,
            _ => OnMatch::Insert,
        }
    }
}
