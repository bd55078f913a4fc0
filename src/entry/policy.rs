//! What the caller decides: what to do with a match and with an invalid record; and what each
//! row became.

use serde::{Deserialize, Serialize};

use crate::merge::AuditEvent;
use crate::model::{CustomerId, MergeId};

/// What to do with a record that matches a stored customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OnMatch {
    /// Merge it into its matches at or above [`Policy::merge_above`], hold it for review at or
    /// above [`Policy::review_above`] (the default).
    #[default]
    Merge,
    /// Hold every match at or above [`Policy::review_above`] for review.
    Review,
    /// Skip (reject) a record that matches.
    Skip,
    /// Insert it as a new customer anyway.
    Insert,
}

/// The importer's policy; the defaults merge at 0.9 and review from 0.5, and keep invalid
/// records with their issues.
///
/// ```
/// use clientele::entry::{OnMatch, Policy};
/// let p = Policy::default().on_match(OnMatch::Review).merge_above(0.95);
/// assert_eq!(p.review_above, 0.5);
/// assert_eq!(p.merge_above, 0.95);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Policy {
    /// What to do with a match.
    pub on_match: OnMatch,
    /// Match probability at or above which a record is merged automatically (default 0.9).
    pub merge_above: f64,
    /// Match probability at or above which a record is held for review (default 0.5).
    pub review_above: f64,
    /// Reject a record with an error-severity validation issue (default: keep it).
    pub reject_invalid: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            on_match: OnMatch::Merge,
            merge_above: 0.9,
            review_above: 0.5,
            reject_invalid: false,
        }
    }
}

impl Policy {
    /// Sets what to do with a match.
    #[must_use]
    pub fn on_match(mut self, on_match: OnMatch) -> Self {
        self.on_match = on_match;
        self
    }

    /// Sets the probability at or above which a match is merged.
    #[must_use]
    pub fn merge_above(mut self, p: f64) -> Self {
        self.merge_above = p;
        self
    }

    /// Sets the probability at or above which a match is held for review.
    #[must_use]
    pub fn review_above(mut self, p: f64) -> Self {
        self.review_above = p;
        self
    }

    /// Sets whether records with an error-severity issue are rejected.
    #[must_use]
    pub fn reject_invalid(mut self, reject: bool) -> Self {
        self.reject_invalid = reject;
        self
    }
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Inserted as a new customer.
    Inserted {
        /// The new customer.
        customer: CustomerId,
    },
    /// Merged into stored customers.
    Merged {
        /// The surviving customer.
        customer: CustomerId,
        /// The merge (undo it with [`crate::merge::unmerge`]).
        merge: MergeId,
        /// The best match probability.
        probability: f64,
    },
    /// Held in the review queue (nothing else written).
    Held {
        /// The candidates proposed.
        candidates: Vec<CustomerId>,
    },
    /// Not written.
    Rejected {
        /// Why (no personal value).
        reason: String,
    },
    /// Seen before with the same values: nothing written.
    Unchanged {
        /// Its customer now.
        customer: CustomerId,
    },
    /// Seen before with other values: its customer replaced.
    Updated {
        /// Its customer.
        customer: CustomerId,
    },
}

/// One row's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RowOutcome {
    /// The row's line in its file (as given in [`super::Incoming`]).
    pub line: u64,
    /// The row id (the record's id in its file).
    pub row_id: String,
    /// What became of it.
    pub outcome: Outcome,
    /// The audit events of its batch (empty when nothing was written).
    pub audit: Vec<AuditEvent>,
}

/// What an import did, row by row.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ImportReport {
    /// Whether a model was trained (and saved) by this import.
    pub trained: bool,
    /// Every row, in input order.
    pub rows: Vec<RowOutcome>,
}

/// How many rows had each outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Counts {
    /// Inserted.
    pub inserted: usize,
    /// Merged.
    pub merged: usize,
    /// Held for review.
    pub held: usize,
    /// Rejected.
    pub rejected: usize,
    /// Unchanged.
    pub unchanged: usize,
    /// Updated.
    pub updated: usize,
}

impl ImportReport {
    /// How many rows had each outcome.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.rows {
            match r.outcome {
                Outcome::Inserted { .. } => c.inserted += 1,
                Outcome::Merged { .. } => c.merged += 1,
                Outcome::Held { .. } => c.held += 1,
                Outcome::Rejected { .. } => c.rejected += 1,
                Outcome::Unchanged { .. } => c.unchanged += 1,
                Outcome::Updated { .. } => c.updated += 1,
            }
        }
        c
    }

    /// The lines of the rejected rows.
    pub fn rejected_lines(&self) -> Vec<u64> {
        self.rows
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Rejected { .. }))
            .map(|r| r.line)
            .collect()
    }
}
