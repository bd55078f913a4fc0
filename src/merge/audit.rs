//! Audit events: what merges, unmerges, erasures and store writes did, for callers to persist.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::CustomerId;
use crate::model::MergeId;

/// What an audited operation was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditAction {
    /// Records were merged into a survivor.
    Merge,
    /// A merge was undone.
    Unmerge,
    /// A customer's personal data was erased.
    Erase,
    /// A consent was withdrawn.
    WithdrawConsent,
    /// A batch of changes was written to the store through `CustomerStore::apply`.
    Apply,
}

impl AuditAction {
    /// The action's snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Merge => "merge",
            Self::Unmerge => "unmerge",
            Self::Erase => "erase",
            Self::WithdrawConsent => "withdraw_consent",
            Self::Apply => "apply",
        }
    }
}

/// One audit event: what happened, when, to which records, under which rule. It never holds a
/// personal value (ids are the caller's keys, rules are names), so it can be logged and kept
/// after an erasure.
///
/// ```
/// use clientele::merge::{AuditAction, AuditEvent};
/// use clientele::CustomerId;
/// let e = AuditEvent::new(AuditAction::Erase, chrono::DateTime::UNIX_EPOCH)
///     .customers(vec![CustomerId::new("C1")?])
///     .detail("privacy request");
/// assert_eq!(e.action, AuditAction::Erase);
/// assert!(e.merge.is_none());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// What was done.
    pub action: AuditAction,
    /// When.
    pub at: DateTime<Utc>,
    /// The merge concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeId>,
    /// The customers concerned (for a merge: the survivor first, then the absorbed records).
    pub customers: Vec<CustomerId>,
    /// The rule that decided (for a merge: the survivor rule), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// More about it, free of personal values (counts, field rules, purposes).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl AuditEvent {
    /// An event of an action at a time, naming nothing yet.
    pub fn new(action: AuditAction, at: DateTime<Utc>) -> Self {
        Self {
            action,
            at,
            merge: None,
            customers: Vec::new(),
            rule: None,
            detail: String::new(),
        }
    }

    /// Sets the merge concerned.
    #[must_use]
    pub fn merge(mut self, id: MergeId) -> Self {
        self.merge = Some(id);
        self
    }

    /// Sets the customers concerned.
    #[must_use]
    pub fn customers(mut self, ids: Vec<CustomerId>) -> Self {
        self.customers = ids;
        self
    }

    /// Sets the deciding rule.
    #[must_use]
    pub fn rule(mut self, rule: impl Into<String>) -> Self {
        self.rule = Some(rule.into());
        self
    }

    /// Sets the detail.
    #[must_use]
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}
