//! Survivorship rules: which record survives, and which value of each field.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{Customer, CustomerId};

/// A caller-defined choice of the surviving record among a cluster's records.
pub type SurvivorFn = dyn Fn(&[Customer]) -> Option<CustomerId> + Send + Sync;

/// How the surviving record of a cluster is chosen. Ties are broken by the oldest record, then
/// the smallest id, so every rule is deterministic.
///
/// ```
/// use clientele::merge::SurvivorRule;
/// assert_eq!(SurvivorRule::Oldest.name(), "oldest");
/// let by_source = SurvivorRule::SourcePriority(vec!["erp".into(), "web".into()]);
/// assert_eq!(by_source.name(), "source_priority");
/// let custom = SurvivorRule::custom("smallest_id", |records| records.iter().map(|c| c.id.clone()).min());
/// assert_eq!(custom.name(), "smallest_id");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum SurvivorRule {
    /// The record created first.
    Oldest,
    /// The record with the most filled fields (each phone, email, address, identifier, tag and
    /// custom field counts one).
    MostComplete,
    /// The record updated last.
    MostRecentlyUpdated,
    /// The record whose source comes first in the list (records of unlisted sources last).
    SourcePriority(Vec<String>),
    /// A caller-defined choice; it must name a record of the cluster.
    Custom {
        /// The rule's name, as recorded in provenance and audit events.
        name: String,
        /// The choice.
        choose: Arc<SurvivorFn>,
    },
}

impl SurvivorRule {
    /// A caller-defined rule under a name.
    pub fn custom(
        name: impl Into<String>,
        choose: impl Fn(&[Customer]) -> Option<CustomerId> + Send + Sync + 'static,
    ) -> Self {
        Self::Custom {
            name: name.into(),
            choose: Arc::new(choose),
        }
    }

    /// The rule's name, as recorded in provenance and audit events.
    pub fn name(&self) -> &str {
        match self {
            Self::Oldest => "oldest",
            Self::MostComplete => "most_complete",
            Self::MostRecentlyUpdated => "most_recently_updated",
            Self::SourcePriority(_) => "source_priority",
            Self::Custom { name, .. } => name,
        }
    }
}

impl fmt::Debug for SurvivorRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SourcePriority(list) => f.debug_tuple("SourcePriority").field(list).finish(),
            other => write!(f, "{}", other.name()),
        }
    }
}

/// How the surviving value of one field is chosen among the cluster's records.
///
/// Single-valued rules pick **one record** and keep its value (for a multi-valued field, its
/// whole list); [`FieldRule::Union`] keeps every distinct value. Ties go to the survivor, then to
/// the most recently updated record. Every value not kept goes to the merge's provenance under
/// the rule's name.
///
/// ```
/// use clientele::merge::FieldRule;
/// assert_eq!(FieldRule::MostRecent.name(), "most_recent");
/// assert_eq!(FieldRule::ValidOnly(Box::new(FieldRule::Union)).name(), "valid_only(union)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldRule {
    /// The survivor's value; when the survivor has none, the most recent one.
    Survivor,
    /// The value of the most recently updated record that has one.
    MostRecent,
    /// The longest value after normalization (for lists: the longest in total).
    MostComplete,
    /// The value held by most records after normalization.
    MostFrequent,
    /// The value of the record whose source comes first in the list (then the most recent).
    PreferredSource(Vec<String>),
    /// Only values the validator finds no error in take part; the inner rule decides among them.
    /// When no value is valid the field is left empty (every value goes to provenance).
    ValidOnly(Box<FieldRule>),
    /// Every distinct value (distinct after normalization: `+86 138 0013 5678` and
    /// `13800135678` are one phone), the survivor's first. Only for multi-valued fields (phones,
    /// emails, addresses, identifiers, tags); on a single-valued field it acts as
    /// [`FieldRule::MostRecent`].
    Union,
}

impl FieldRule {
    /// The rule's name, as recorded in provenance.
    pub fn name(&self) -> String {
        match self {
            Self::Survivor => "survivor".into(),
            Self::MostRecent => "most_recent".into(),
            Self::MostComplete => "most_complete".into(),
            Self::MostFrequent => "most_frequent".into(),
            Self::PreferredSource(_) => "preferred_source".into(),
            Self::ValidOnly(inner) => format!("valid_only({})", inner.name()),
            Self::Union => "union".into(),
        }
    }
}
