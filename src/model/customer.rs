//! The customer record and its builder.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::contact::{Address, ContactLabel, Email, NationalId, NationalIdKind, Phone};
use super::id::CustomerId;
use super::mask::{
    CustomFields, CustomShown, MASKED_DATE, MaskPolicy, MaskedDebug, Plain, STRICT, mask_category,
    mask_value,
};
use crate::error::Error;

/// Whether a record describes a person or a company.
///
/// ```
/// use clientele::model::CustomerKind;
/// assert_eq!(CustomerKind::parse("Company"), Some(CustomerKind::Company));
/// assert_eq!(CustomerKind::parse("个人"), Some(CustomerKind::Person));
/// assert_eq!(CustomerKind::parse("robot"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerKind {
    /// A natural person.
    Person,
    /// A company or other organisation.
    Company,
}

impl CustomerKind {
    /// Reads a kind as written (`person`, `individual`, `个人`, `company`, `organisation`,
    /// `企业`, `公司`...), case-insensitively; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_lowercase().as_str() {
            "person" | "individual" | "p" | "个人" | "自然人" => Some(Self::Person),
            "company" | "organisation" | "organization" | "business" | "org" | "c" | "企业"
            | "公司" | "单位" => Some(Self::Company),
            _ => None,
        }
    }

    /// `person` or `company`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Person => "person",
            Self::Company => "company",
        }
    }
}

/// Parses as [`CustomerKind::parse`] does.
///
/// ```
/// use clientele::model::CustomerKind;
/// assert_eq!("企业".parse::<CustomerKind>()?, CustomerKind::Company);
/// assert_eq!(CustomerKind::Person.to_string(), "person");
/// assert!("robot".parse::<CustomerKind>().is_err());
/// # Ok::<(), clientele::Error>(())
/// ```
impl std::str::FromStr for CustomerKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s).ok_or_else(|| Error::InvalidValue {
            field: "kind".to_owned(),
            reason: "must be person or company".to_owned(),
            masked: mask_value(s),
        })
    }
}

impl AsRef<str> for CustomerKind {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for CustomerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A person's name: the parts when known, and the name as written.
///
/// ```
/// use clientele::model::PersonName;
/// let n = PersonName { full: Some("张伟".into()), family: Some("张".into()), given: Some("伟".into()), ..Default::default() };
/// assert_eq!(n.display(), "张伟");
/// let m = PersonName { given: Some("John".into()), family: Some("Smith".into()), ..Default::default() };
/// assert_eq!(m.display(), "John Smith");
/// // Names are personal: `Debug` masks every part.
/// assert!(!format!("{n:?}").contains("张伟"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct PersonName {
    /// The name as written, whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full: Option<String>,
    /// Given (first) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given: Option<String>,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle: Option<String>,
    /// Family name (surname).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
}

impl PersonName {
    /// Whether no part is filled.
    pub fn is_empty(&self) -> bool {
        [&self.full, &self.given, &self.middle, &self.family]
            .iter()
            .all(|p| p.as_deref().is_none_or(|s| s.trim().is_empty()))
    }

    /// The name for display: as written when known, else the parts joined (given first) with
    /// spaces.
    pub fn display(&self) -> String {
        if let Some(full) = self.full.as_deref().filter(|s| !s.trim().is_empty()) {
            return full.to_owned();
        }
        [&self.given, &self.middle, &self.family]
            .iter()
            .filter_map(|p| p.as_deref())
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A company's name as written (legal form and region included, as the caller has it).
///
/// ```
/// use clientele::model::CompanyName;
/// let c = CompanyName::new("北京星辰科技有限公司");
/// assert_eq!(c.legal, "北京星辰科技有限公司");
/// assert!(!format!("{c:?}").contains("星辰"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct CompanyName {
    /// The legal name as written.
    pub legal: String,
    /// Trading name or brand, when different.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trading: Option<String>,
}

impl CompanyName {
    /// A company name with no separate trading name.
    pub fn new(legal: impl Into<String>) -> Self {
        Self {
            legal: legal.into(),
            trading: None,
        }
    }
}

/// A typed value of a caller-defined field.
///
/// ```
/// use clientele::model::CustomValue;
/// assert_eq!(CustomValue::infer("42"), CustomValue::Integer(42));
/// // A leading zero would be lost as a number, so it stays text.
/// assert_eq!(CustomValue::infer("007"), CustomValue::Text("007".into()));
/// assert_eq!(CustomValue::infer("true"), CustomValue::Bool(true));
/// // Custom values are personal unless declared otherwise (see `MaskPolicy`): `Debug` masks them.
/// assert_eq!(format!("{:?}", CustomValue::infer("13800135678")), "Integer(1********** (11 chars))");
/// ```
///
/// A `Float` may hold any `f64`, NaN and infinities included: equality compares floats by
/// their total order (`f64::total_cmp`), so a NaN equals itself and a record holding one can
/// still be compared, merged and unmerged; serde writes a non-finite float as the string
/// `"NaN"`, `"inf"` or `"-inf"` (JSON has no number for them) and reads it back.
///
/// ```
/// use clientele::model::CustomValue;
/// assert_eq!(CustomValue::Float(f64::NAN), CustomValue::Float(f64::NAN));
/// assert_ne!(CustomValue::Float(0.0), CustomValue::Float(-0.0));
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CustomValue {
    /// Free text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// A decimal number (any `f64`; see the type's docs for NaN and infinities).
    Float(#[serde(with = "float_repr")] f64),
    /// A yes/no value.
    Bool(bool),
    /// A calendar date.
    Date(NaiveDate),
    /// An instant in UTC.
    Timestamp(DateTime<Utc>),
}

impl PartialEq for CustomValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Text(a), Self::Text(b)) => a == b,
            (Self::Integer(a), Self::Integer(b)) => a == b,
            (Self::Float(a), Self::Float(b)) => a.total_cmp(b).is_eq(),
            (Self::Bool(a), Self::Bool(b)) => a == b,
            (Self::Date(a), Self::Date(b)) => a == b,
            (Self::Timestamp(a), Self::Timestamp(b)) => a == b,
            _ => false,
        }
    }
}

/// Serde form of a custom float: a number when finite, else `"NaN"`, `"inf"` or `"-inf"`.
mod float_repr {
    use serde::{Deserialize, Deserializer, Serializer, de};

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else if v.is_nan() {
            s.serialize_str("NaN")
        } else if *v > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Number(f64),
        Text(String),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Number(v) => Ok(v),
            Repr::Text(t) => match t.as_str() {
                "NaN" => Ok(f64::NAN),
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                _ => Err(de::Error::invalid_value(
                    de::Unexpected::Other("text"),
                    &"a number, \"NaN\", \"inf\" or \"-inf\"",
                )),
            },
        }
    }
}

impl CustomValue {
    /// Infers the type of a text cell without losing anything: a value becomes a number or a
    /// boolean only when printing it back gives exactly the same text.
    pub fn infer(raw: &str) -> Self {
        if let Ok(i) = raw.parse::<i64>()
            && i.to_string() == raw
        {
            return Self::Integer(i);
        }
        if let Ok(f) = raw.parse::<f64>()
            && f.is_finite()
            && f.to_string() == raw
        {
            return Self::Float(f);
        }
        match raw {
            "true" => Self::Bool(true),
            "false" => Self::Bool(false),
            _ => Self::Text(raw.to_owned()),
        }
    }

    /// The value as text, as it would be written back to a CSV cell.
    pub fn to_text(&self) -> String {
        match self {
            Self::Text(s) => s.clone(),
            Self::Integer(i) => i.to_string(),
            Self::Float(f) => f.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Date(d) => d.to_string(),
            Self::Timestamp(t) => t.to_rfc3339(),
        }
    }
}

/// What a consent is about.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ConsentPurpose {
    /// Direct marketing (email, SMS, calls).
    Marketing,
    /// Any other purpose, named by the caller.
    Other(String),
}

/// Whether a consent was given or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// The customer agreed.
    Given,
    /// The customer withdrew (or refused).
    Withdrawn,
}

/// One consent event: purpose, status, when and through which channel.
///
/// A customer's consents are kept as a history; the latest event per purpose is in force.
///
/// ```
/// use clientele::model::{Consent, ConsentPurpose, ConsentStatus};
/// use chrono::{TimeZone, Utc};
/// let c = Consent::new(
///     ConsentPurpose::Marketing,
///     ConsentStatus::Given,
///     Utc.with_ymd_and_hms(2024, 3, 1, 9, 0, 0).unwrap(),
///     "web_form",
/// );
/// assert_eq!(c.status, ConsentStatus::Given);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Consent {
    /// What the consent covers.
    pub purpose: ConsentPurpose,
    /// Given or withdrawn.
    pub status: ConsentStatus,
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Through which channel (web form, call centre, store, ...).
    pub channel: String,
}

impl Consent {
    /// A consent (or its withdrawal) for `purpose`, recorded at `at` through `channel`.
    pub fn new(
        purpose: ConsentPurpose,
        status: ConsentStatus,
        at: DateTime<Utc>,
        channel: impl Into<String>,
    ) -> Self {
        Self {
            purpose,
            status,
            at,
            channel: channel.into(),
        }
    }
}

/// A customer record: a person or a company, with contacts, identifiers, tags, custom fields,
/// provenance of the source system, timestamps and consent history.
///
/// Build one with [`Customer::builder`]. Every field is public so callers can read and change
/// records directly; normalization and validation never change a record behind the caller's back.
/// `Debug` masks every personal value (names, contacts, addresses, birth date, identifiers, tags,
/// custom fields) under the strictest [`MaskPolicy`]; [`MaskPolicy::show`] applies another.
///
/// ```
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("张伟")
///     .phone("13800135678")
///     .email("zhang.wei@example.com")
///     .tag("vip")
///     .build();
/// assert_eq!(c.phones[0].primary, true);
/// let debug = format!("{c:?}");
/// assert!(!debug.contains("13800135678") && !debug.contains("zhang.wei@"));
/// assert!(!debug.contains("张伟") && !debug.contains("vip"));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The record's id.
    pub id: CustomerId,
    /// Person or company.
    pub kind: CustomerKind,
    /// The person's name (persons; a company's contact person may also be kept here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_name: Option<PersonName>,
    /// The company's name (companies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<CompanyName>,
    /// Phone numbers, the primary one flagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    /// Email addresses, the primary one flagged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<Email>,
    /// Postal addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    /// Date of birth (persons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// National identifiers (resident ID, credit code, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub national_ids: Vec<NationalId>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub tags: BTreeSet<String>,
    /// Caller-defined fields.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom: BTreeMap<String, CustomValue>,
    /// The system the record came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The industry (行业), for classification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    /// Who follows the customer up (负责人): a user id of the caller's system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// The team the customer belongs to (for follow-up and access scopes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When the record was last changed.
    pub updated_at: DateTime<Utc>,
    /// Consent history, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consents: Vec<Consent>,
}

impl Customer {
    /// Starts building a record with the given id and kind; every other field starts empty and
    /// both timestamps start at the Unix epoch until set (so that building is deterministic).
    pub fn builder(id: CustomerId, kind: CustomerKind) -> CustomerBuilder {
        CustomerBuilder {
            customer: Customer {
                id,
                kind,
                person_name: None,
                company_name: None,
                phones: Vec::new(),
                emails: Vec::new(),
                addresses: Vec::new(),
                birth_date: None,
                national_ids: Vec::new(),
                tags: BTreeSet::new(),
                custom: BTreeMap::new(),
                source: None,
                industry: None,
                owner: None,
                team: None,
                created_at: DateTime::UNIX_EPOCH,
                updated_at: DateTime::UNIX_EPOCH,
                consents: Vec::new(),
            },
        }
    }

    /// The consent in force for a purpose: the latest event, if any.
    ///
    /// ```
    /// # use clientele::{Customer, CustomerId, CustomerKind};
    /// # use clientele::model::{ConsentPurpose, ConsentStatus};
    /// # use chrono::{TimeZone, Utc};
    /// let t = |d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap();
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
    ///     .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
    ///     .consent(ConsentPurpose::Marketing, ConsentStatus::Withdrawn, t(9), "call")
    ///     .build();
    /// assert_eq!(c.consent_for(&ConsentPurpose::Marketing).map(|c| c.status), Some(ConsentStatus::Withdrawn));
    /// assert!(!c.may_market());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn consent_for(&self, purpose: &ConsentPurpose) -> Option<&Consent> {
        self.consents
            .iter()
            .filter(|c| &c.purpose == purpose)
            .max_by_key(|c| c.at)
    }

    /// Whether direct marketing is allowed: marketing consent was given and not withdrawn since.
    pub fn may_market(&self) -> bool {
        self.consent_for(&ConsentPurpose::Marketing)
            .is_some_and(|c| c.status == ConsentStatus::Given)
    }

    /// The name to show: the person's name for persons, the legal name for companies, falling
    /// back to whichever is filled.
    pub fn display_name(&self) -> String {
        let person = self.person_name.as_ref().map(PersonName::display);
        let company = self.company_name.as_ref().map(|c| c.legal.clone());
        let (first, second) = match self.kind {
            CustomerKind::Person => (person, company),
            CustomerKind::Company => (company, person),
        };
        first
            .filter(|s| !s.is_empty())
            .or(second)
            .unwrap_or_default()
    }
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_masked(&STRICT, f)
    }
}

impl MaskedDebug for Customer {
    fn fmt_masked(&self, policy: &MaskPolicy, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every personal part prints through its own masking Debug; custom values as the policy
        // says.
        let tags: BTreeSet<String> = self.tags.iter().map(|t| mask_value(t)).collect();
        f.debug_struct("Customer")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("person_name", &self.person_name)
            .field("company_name", &self.company_name)
            .field("phones", &self.phones)
            .field("emails", &self.emails)
            .field("addresses", &self.addresses)
            .field("birth_date", &self.birth_date.map(|_| Plain(MASKED_DATE)))
            .field("national_ids", &self.national_ids)
            .field("tags", &tags)
            .field(
                "custom",
                &CustomFields {
                    fields: self.custom.iter(),
                    policy,
                },
            )
            .field("source", &self.source)
            .field("industry", &self.industry)
            .field("owner", &self.owner)
            .field("team", &self.team)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .field("consents", &self.consents)
            .finish()
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = |p: &Option<String>| p.as_deref().map(mask_value);
        f.debug_struct("PersonName")
            .field("full", &m(&self.full))
            .field("given", &m(&self.given))
            .field("middle", &m(&self.middle))
            .field("family", &m(&self.family))
            .finish()
    }
}

impl fmt::Debug for CompanyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompanyName")
            .field("legal", &mask_value(&self.legal))
            .field("trading", &self.trading.as_deref().map(mask_value))
            .finish()
    }
}

/// Without a field name a custom value is personal: always masked.
impl fmt::Debug for CustomValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        CustomShown {
            value: self,
            masked: true,
        }
        .fmt(f)
    }
}

impl fmt::Debug for ConsentPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Marketing => f.write_str("Marketing"),
            Self::Other(name) => f.debug_tuple("Other").field(&mask_category(name)).finish(),
        }
    }
}

/// Builds a [`Customer`] field by field; see [`Customer::builder`].
///
/// The first phone and the first email added are marked primary unless one was marked
/// explicitly.
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until build() is called"]
pub struct CustomerBuilder {
    customer: Customer,
}

impl CustomerBuilder {
    fn name_mut(&mut self) -> &mut PersonName {
        self.customer
            .person_name
            .get_or_insert_with(PersonName::default)
    }

    /// Sets the person's name as written.
    pub fn full_name(mut self, name: impl Into<String>) -> Self {
        self.name_mut().full = Some(name.into());
        self
    }

    /// Sets the given name.
    pub fn given_name(mut self, name: impl Into<String>) -> Self {
        self.name_mut().given = Some(name.into());
        self
    }

    /// Sets the middle name.
    pub fn middle_name(mut self, name: impl Into<String>) -> Self {
        self.name_mut().middle = Some(name.into());
        self
    }

    /// Sets the family name.
    pub fn family_name(mut self, name: impl Into<String>) -> Self {
        self.name_mut().family = Some(name.into());
        self
    }

    /// Sets the company's legal name.
    pub fn company_name(mut self, name: impl Into<String>) -> Self {
        self.customer.company_name = Some(CompanyName::new(name));
        self
    }

    /// Adds a phone number (unlabelled).
    pub fn phone(self, number: impl Into<String>) -> Self {
        self.phone_labelled(number, ContactLabel::Unspecified)
    }

    /// Adds a phone number with a label.
    pub fn phone_labelled(mut self, number: impl Into<String>, label: ContactLabel) -> Self {
        let primary = self.customer.phones.is_empty();
        self.customer.phones.push(Phone {
            number: number.into(),
            label,
            primary,
            verified_at: None,
        });
        self
    }

    /// Adds an email address (unlabelled).
    pub fn email(self, address: impl Into<String>) -> Self {
        self.email_labelled(address, ContactLabel::Unspecified)
    }

    /// Adds an email address with a label.
    pub fn email_labelled(mut self, address: impl Into<String>, label: ContactLabel) -> Self {
        let primary = self.customer.emails.is_empty();
        self.customer.emails.push(Email {
            address: address.into(),
            label,
            primary,
            verified_at: None,
        });
        self
    }

    /// Adds a postal address.
    pub fn address(mut self, address: Address) -> Self {
        self.customer.addresses.push(address);
        self
    }

    /// Sets the birth date.
    pub fn birth_date(mut self, date: NaiveDate) -> Self {
        self.customer.birth_date = Some(date);
        self
    }

    /// Adds a national identifier.
    pub fn national_id(mut self, kind: NationalIdKind, value: impl Into<String>) -> Self {
        self.customer
            .national_ids
            .push(NationalId::new(kind, value));
        self
    }

    /// Adds a tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.customer.tags.insert(tag.into());
        self
    }

    /// Sets a custom field.
    pub fn custom(mut self, name: impl Into<String>, value: CustomValue) -> Self {
        self.customer.custom.insert(name.into(), value);
        self
    }

    /// Sets the source system.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.customer.source = Some(source.into());
        self
    }

    /// Sets the industry (行业).
    ///
    /// ```
    /// # use clientele::{Customer, CustomerId, CustomerKind};
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Company)
    ///     .industry("制造业").owner("u-lin").team("east").build();
    /// assert_eq!((c.industry.as_deref(), c.owner.as_deref()), (Some("制造业"), Some("u-lin")));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn industry(mut self, industry: impl Into<String>) -> Self {
        self.customer.industry = Some(industry.into());
        self
    }

    /// Sets the owner (负责人): the user of the caller's system who follows the customer up.
    pub fn owner(mut self, owner: impl Into<String>) -> Self {
        self.customer.owner = Some(owner.into());
        self
    }

    /// Sets the team.
    pub fn team(mut self, team: impl Into<String>) -> Self {
        self.customer.team = Some(team.into());
        self
    }

    /// Sets the creation time (and the update time, when it is earlier).
    pub fn created_at(mut self, at: DateTime<Utc>) -> Self {
        self.customer.created_at = at;
        if self.customer.updated_at < at {
            self.customer.updated_at = at;
        }
        self
    }

    /// Sets the last-update time.
    pub fn updated_at(mut self, at: DateTime<Utc>) -> Self {
        self.customer.updated_at = at;
        self
    }

    /// Records a consent event.
    pub fn consent(
        mut self,
        purpose: ConsentPurpose,
        status: ConsentStatus,
        at: DateTime<Utc>,
        channel: impl Into<String>,
    ) -> Self {
        self.customer.consents.push(Consent {
            purpose,
            status,
            at,
            channel: channel.into(),
        });
        self
    }

    /// Finishes the record.
    pub fn build(self) -> Customer {
        self.customer
    }
}
