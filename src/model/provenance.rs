//! Provenance: merge ids, the values a merge discarded, and the merge record a store keeps.
//!
//! These are model types (a store holds them like records), re-exported from `merge`, which
//! makes them; the model knows nothing of the merger or the store.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    Activity, Address, CompanyName, CustomValue, Customer, CustomerId, CustomerKind, Email,
    FieldGroup, MASKED_DATE, MaskPolicy, MaskedDebug, NationalId, PersonName, Phone, STRICT,
    mask_email, mask_id, mask_phone, mask_value,
};

/// The identifier of one merge, unique within a store.
///
/// Ids follow the rules of [`CustomerId`] (trimmed, non-empty, at most 256 bytes, no control
/// characters). Ids made by the merger (`m-20240301T090000.000000000Z-3f2a9c01d4e5b6a7`) hold the
/// merge time and a hash of the ids involved, never personal data.
///
/// ```
/// use clientele::merge::MergeId;
/// let id = MergeId::new("m-1")?;
/// assert_eq!(id.as_str(), "m-1");
/// assert!(MergeId::new(" ").is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MergeId(String);

impl MergeId {
    /// Makes a merge id from text, trimming surrounding whitespace.
    ///
    /// # Errors
    /// [`Error::InvalidId`] under the same rules as [`CustomerId::new`].
    pub fn new(raw: impl AsRef<str>) -> Result<Self> {
        let checked = CustomerId::new(raw)?;
        Ok(Self(checked.as_str().to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MergeId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::new(value)
    }
}

impl From<MergeId> for String {
    fn from(id: MergeId) -> Self {
        id.0
    }
}

impl fmt::Display for MergeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MergeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MergeId({:?})", self.0)
    }
}

/// The former name of [`FieldGroup`]: survivorship rules are set per group of the one field
/// model, and provenance names a group by the same snake-case names as before (`"phones"`,
/// `"person_name"`, ...), so merge records written earlier read back unchanged.
///
/// ```
/// #[allow(deprecated)]
/// use clientele::merge::MergeField;
/// use clientele::model::FieldGroup;
/// #[allow(deprecated)]
/// let field: MergeField = FieldGroup::Phones;
/// assert_eq!(field.as_str(), "phones");
/// ```
#[deprecated(note = "use `model::FieldGroup`: the merger decides per group of the field model")]
pub type MergeField = FieldGroup;

/// One value of a record's field, as kept in a plan or in provenance. `Debug` masks it.
///
/// ```
/// use clientele::merge::FieldValue;
/// use clientele::model::Phone;
/// let v = FieldValue::Phone(Phone::new("13800135678"));
/// assert!(!format!("{v:?}").contains("0013"));
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldValue {
    /// A kind.
    Kind(CustomerKind),
    /// A person's name.
    PersonName(PersonName),
    /// A company's name.
    CompanyName(CompanyName),
    /// A phone.
    Phone(Phone),
    /// An email.
    Email(Email),
    /// An address.
    Address(Address),
    /// A birth date.
    BirthDate(NaiveDate),
    /// A national identifier.
    NationalId(NationalId),
    /// A tag.
    Tag(String),
    /// A custom field: name and value.
    Custom(String, CustomValue),
    /// A source system.
    Source(String),
    /// An industry.
    Industry(String),
    /// The owner and team, decided together (`None` where the record has none).
    Ownership(Option<String>, Option<String>),
}

impl fmt::Debug for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_masked(&STRICT, f)
    }
}

/// A custom value is shown in full when the policy declares its field non-personal.
impl MaskedDebug for FieldValue {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kind(k) => write!(f, "Kind({k:?})"),
            Self::PersonName(n) => write!(f, "PersonName({})", mask_value(&n.display())),
            Self::CompanyName(n) => write!(f, "CompanyName({})", mask_value(&n.legal)),
            Self::Phone(p) => write!(f, "Phone({})", mask_phone(&p.number)),
            Self::Email(e) => write!(f, "Email({})", mask_email(&e.address)),
            Self::Address(a) => {
                let text = a.lines.join(" ");
                write!(f, "Address({})", mask_value(&text))
            }
            Self::BirthDate(_) => write!(f, "BirthDate({MASKED_DATE})"),
            Self::NationalId(n) => write!(f, "NationalId({:?}, {})", n.kind, mask_id(&n.value)),
            Self::Tag(t) => write!(f, "Tag({})", mask_value(t)),
            Self::Custom(name, v) => write!(f, "Custom({name}, {})", policy.custom_text(name, v)),
            Self::Source(s) => write!(f, "Source({s:?})"),
            Self::Industry(s) => write!(f, "Industry({s:?})"),
            Self::Ownership(owner, team) => write!(f, "Ownership({owner:?}, {team:?})"),
        }
    }
}

/// A value that did not survive a merge: what it was, where it came from and which rule
/// discarded it. `Debug` masks the value.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Discarded {
    /// The field.
    pub field: FieldGroup,
    /// The value.
    pub value: FieldValue,
    /// The record it came from.
    pub from: CustomerId,
    /// When that record was last updated.
    pub updated_at: DateTime<Utc>,
    /// The name of the rule that discarded it (`most_recent`, `union`, `valid_only`, ...).
    pub rule: String,
}

impl fmt::Debug for Discarded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Discarded")
            .field("field", &self.field)
            .field("value", &self.value)
            .field("from", &self.from)
            .field("updated_at", &self.updated_at)
            .field("rule", &self.rule)
            .finish()
    }
}

/// A record and its activity as they were just before a merge; what an unmerge restores.
/// `Debug` prints the id and counts only.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSnapshot {
    /// The record.
    pub customer: Customer,
    /// Its activity.
    pub activity: Activity,
}

impl fmt::Debug for RecordSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordSnapshot")
            .field("customer", &self.customer.id)
            .field("transactions", &self.activity.transactions.len())
            .field("interactions", &self.activity.interactions.len())
            .finish_non_exhaustive()
    }
}

/// The provenance of one merge, kept in the store: who survived, who was absorbed, every value
/// that did not survive, and full snapshots of the inputs so that the merge can be undone.
///
/// After a privacy erasure (`privacy::erase_customer`) the record keeps only ids, times
/// and rule names (`erased_at` is set): values and snapshots are gone, and the merge can no
/// longer be undone. `Debug` masks every personal value.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeRecord {
    /// The merge's id.
    pub id: MergeId,
    /// When the merge was applied.
    pub at: DateTime<Utc>,
    /// The surviving record.
    pub survivor: CustomerId,
    /// The records absorbed into it (deleted from the store).
    pub absorbed: Vec<CustomerId>,
    /// The name of the rule that chose the survivor.
    pub survivor_rule: String,
    /// The rule applied to each field, by name.
    pub field_rules: Vec<(FieldGroup, String)>,
    /// Every value that did not survive.
    pub discarded: Vec<Discarded>,
    /// Every input record and its activity as it was before the merge (survivor first).
    pub before: Vec<RecordSnapshot>,
    /// The survivor and its activity as the merge wrote them (to detect later changes).
    pub after: Option<RecordSnapshot>,
    /// When the record's personal values were erased, if they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub erased_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for MergeRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MergeRecord")
            .field("id", &self.id)
            .field("at", &self.at)
            .field("survivor", &self.survivor)
            .field("absorbed", &self.absorbed)
            .field("survivor_rule", &self.survivor_rule)
            .field("field_rules", &self.field_rules)
            .field("discarded", &self.discarded)
            .field("before", &self.before)
            .field("after", &self.after)
            .field("erased_at", &self.erased_at)
            .finish()
    }
}

impl MergeRecord {
    /// Every customer id the merge names: the survivor, then the absorbed records.
    ///
    /// ```
    /// use clientele::merge::{MergeId, MergeRecord};
    /// use clientele::CustomerId;
    /// let r = MergeRecord {
    ///     id: MergeId::new("m-1")?,
    ///     at: chrono::DateTime::UNIX_EPOCH,
    ///     survivor: CustomerId::new("A")?,
    ///     absorbed: vec![CustomerId::new("B")?],
    ///     survivor_rule: "oldest".into(),
    ///     field_rules: Vec::new(),
    ///     discarded: Vec::new(),
    ///     before: Vec::new(),
    ///     after: None,
    ///     erased_at: None,
    /// };
    /// assert_eq!(r.customers().count(), 2);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn customers(&self) -> impl Iterator<Item = &CustomerId> {
        std::iter::once(&self.survivor).chain(self.absorbed.iter())
    }

    /// The same record with every personal value removed: values, snapshots and the result are
    /// dropped, ids, times and rule names kept, `erased_at` set.
    pub fn scrubbed(&self, at: DateTime<Utc>) -> Self {
        Self {
            id: self.id.clone(),
            at: self.at,
            survivor: self.survivor.clone(),
            absorbed: self.absorbed.clone(),
            survivor_rule: self.survivor_rule.clone(),
            field_rules: self.field_rules.clone(),
            discarded: Vec::new(),
            before: Vec::new(),
            after: None,
            erased_at: Some(self.erased_at.unwrap_or(at)),
        }
    }
}
