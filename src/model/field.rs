//! The field model: one name for every field of a customer record, built-in or custom.
//!
//! A [`Field`] is what a CSV column, a normalization kind, a validation rule, a survivorship
//! rule, a segment rule, an access policy or a comparison refers to. Each built-in field has one
//! [`FieldSpec`] — its name, the part of the record it lives in ([`FieldGroup`]), whether a
//! record holds one value or several, what its values are ([`ValueType`]) and how personal they
//! are ([`Sensitivity`]) — declared once, in the table at the top of this file. Caller fields
//! are [`Field::Custom`], named as the caller names them; their values live in
//! [`Customer::custom`].
//!
//! Values are read from a record with [`Field::values`] (typed, as [`CustomValue`]s) or
//! [`Field::texts`] (as the text a CSV cell would hold), and written with [`Field::set_texts`],
//! which parses text the way an import does and says why when it cannot.
//!
//! ```
//! use clientele::model::{Field, FieldGroup, Sensitivity};
//! use clientele::{Customer, CustomerId, CustomerKind};
//!
//! let phone: Field = "phone".parse()?;
//! assert_eq!(phone, Field::Phone);
//! assert_eq!(phone.group(), FieldGroup::Phones);
//! assert_eq!(Field::NationalId.spec().sensitivity, Sensitivity::Sensitive);
//! // Any other name is a custom field.
//! assert_eq!("wechat".parse::<Field>()?, Field::Custom("wechat".into()));
//!
//! let mut c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build();
//! Field::Phone.set_texts(&mut c, &["138 0013 5678", "010-6552 9988"])?;
//! Field::Locality.set_texts(&mut c, &["北京"])?;
//! assert_eq!(Field::Phone.texts(&c), ["138 0013 5678", "010-6552 9988"]);
//! assert!(c.phones[0].primary);
//! assert_eq!(c.addresses[0].locality.as_deref(), Some("北京"));
//! # Ok::<(), clientele::Error>(())
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::contact::{Address, Email, NationalId, NationalIdKind, Phone};
use super::customer::{CompanyName, CustomValue, Customer, CustomerKind, PersonName};
use super::date::parse_date;
use super::id::CountryCode;
use super::mask::mask_value;
use crate::error::{Error, Result};

/// The part of a record a field lives in. Merges, provenance and access decisions that must
/// treat a value whole (a person's name, an address) work per group.
///
/// ```
/// use clientele::model::{Field, FieldGroup};
/// assert_eq!(Field::GivenName.group(), FieldGroup::PersonName);
/// assert_eq!(FieldGroup::Addresses.fields().count(), 7);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldGroup {
    /// The record's id.
    Id,
    /// Person or company.
    Kind,
    /// The person's name, all parts together.
    PersonName,
    /// The company's name, legal and trading.
    CompanyName,
    /// Phone numbers.
    Phones,
    /// Email addresses.
    Emails,
    /// Postal addresses.
    Addresses,
    /// Date of birth.
    BirthDate,
    /// National identifiers.
    NationalIds,
    /// Tags.
    Tags,
    /// The source system.
    Source,
    /// The industry (行业).
    Industry,
    /// The owner (负责人) and team.
    Ownership,
    /// Creation and update times.
    Timestamps,
    /// Consent history.
    Consents,
    /// Caller-defined fields.
    Custom,
}

impl FieldGroup {
    /// Every group, in declaration order.
    pub const ALL: &[FieldGroup] = &[
        Self::Id,
        Self::Kind,
        Self::PersonName,
        Self::CompanyName,
        Self::Phones,
        Self::Emails,
        Self::Addresses,
        Self::BirthDate,
        Self::NationalIds,
        Self::Tags,
        Self::Source,
        Self::Industry,
        Self::Ownership,
        Self::Timestamps,
        Self::Consents,
        Self::Custom,
    ];

    /// The group's snake-case name, as serde writes it.
    ///
    /// ```
    /// use clientele::model::FieldGroup;
    /// assert_eq!(FieldGroup::NationalIds.as_str(), "national_ids");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Kind => "kind",
            Self::PersonName => "person_name",
            Self::CompanyName => "company_name",
            Self::Phones => "phones",
            Self::Emails => "emails",
            Self::Addresses => "addresses",
            Self::BirthDate => "birth_date",
            Self::NationalIds => "national_ids",
            Self::Tags => "tags",
            Self::Source => "source",
            Self::Industry => "industry",
            Self::Ownership => "ownership",
            Self::Timestamps => "timestamps",
            Self::Consents => "consents",
            Self::Custom => "custom",
        }
    }

    /// Whether a record holds a list of values of the group, so that a union applies (phones,
    /// emails, addresses, identifiers, tags, consents).
    ///
    /// ```
    /// use clientele::model::FieldGroup;
    /// assert!(FieldGroup::Phones.is_multi_valued());
    /// assert!(!FieldGroup::BirthDate.is_multi_valued());
    /// ```
    pub fn is_multi_valued(self) -> bool {
        matches!(
            self,
            Self::Phones
                | Self::Emails
                | Self::Addresses
                | Self::NationalIds
                | Self::Tags
                | Self::Consents
        )
    }

    /// The built-in fields of this group, in table order (none for [`FieldGroup::Custom`]).
    pub fn fields(self) -> impl Iterator<Item = Field> {
        Field::built_in().filter(move |f| f.group() == self)
    }
}

/// Whether a record holds one value of a field or a list of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cardinality {
    /// At most one value.
    One,
    /// A list (phones, emails, tags, national IDs, one part per address).
    Many,
}

/// What a field's values are: what normalizes, validates and compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ValueType {
    /// A record id.
    Id,
    /// `person` or `company`.
    Kind,
    /// A person's name or a part of it.
    PersonName,
    /// A company's name.
    CompanyName,
    /// A phone number.
    Phone,
    /// An email address.
    Email,
    /// A part of a postal address (street, house number, locality, region).
    AddressPart,
    /// A postcode.
    Postcode,
    /// An ISO 3166-1 alpha-2 country code.
    Country,
    /// A calendar date.
    Date,
    /// An instant.
    Timestamp,
    /// An identifier number (resident ID, credit code).
    Identifier,
    /// A short code or label (an identifier's scheme, a tag, a source system, an owner).
    Code,
    /// Free text.
    Text,
    /// A caller-defined value of any [`CustomValue`] type.
    Custom,
}

/// How personal a field's values are, in the terms of China's PIPL (个人信息 and 敏感个人信息),
/// which also cover what GDPR calls personal data. Personal values are masked in `Debug`,
/// errors and reports (see [`MaskPolicy`](super::MaskPolicy) for what counts as personal).
///
/// ```
/// use clientele::model::{Field, Sensitivity};
/// assert!(Field::Email.spec().sensitivity.is_personal());
/// assert!(!Field::Kind.spec().sensitivity.is_personal());
/// assert!(Field::BirthDate.spec().sensitivity >= Sensitivity::Personal);
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Not personal information (a kind, a tag, a source system).
    NotPersonal,
    /// Personal information (个人信息): identifies or relates to a person.
    #[default]
    Personal,
    /// Sensitive personal information (敏感个人信息): identity numbers and the like, whose
    /// leak can harm a person; PIPL asks for separate consent and stronger protection.
    Sensitive,
}

impl Sensitivity {
    /// Whether values of this class are personal (masked in `Debug`, errors and logs).
    pub fn is_personal(self) -> bool {
        self != Self::NotPersonal
    }
}

/// The declaration of a built-in field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldSpec {
    /// The field's name: its CSV column, its key in policies and configurations.
    pub name: &'static str,
    /// The part of the record it lives in.
    pub group: FieldGroup,
    /// One value or a list.
    pub cardinality: Cardinality,
    /// What its values are.
    pub value: ValueType,
    /// How personal its values are.
    pub sensitivity: Sensitivity,
}

/// Declares the built-in fields once: the enum, the table of specs and the list in order.
macro_rules! fields {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $group:ident, $card:ident, $value:ident, $sens:ident; )*) => {
        /// A field of a customer record: a built-in one, or a caller's custom field by name.
        ///
        /// Serialized as its name (`"phone"`, `"locality"`, or the custom field's own name);
        /// [`Field::parse`] reads a name back, any name that is not built-in being a custom
        /// field.
        ///
        /// ```
        /// use clientele::model::Field;
        /// assert_eq!(Field::FamilyName.name(), "family_name");
        /// assert_eq!(Field::parse("loyalty_points"), Field::Custom("loyalty_points".into()));
        /// assert_eq!(serde_json::to_string(&Field::Email).unwrap(), "\"email\"");
        /// ```
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Field {
            $( $(#[$doc])* $variant, )*
            /// A caller-defined field, by name (its values are in [`Customer::custom`]).
            Custom(String),
        }

        impl Field {
            /// Every built-in field, in the documented column order.
            const BUILT_IN: &'static [Field] = &[ $( Field::$variant, )* ];

            /// The names of the built-in fields, in the documented column order: the columns a
            /// file of records has (`import::KNOWN_COLUMNS` is this list).
            ///
            /// ```
            /// use clientele::model::Field;
            /// assert_eq!(Field::NAMES.first(), Some(&"id"));
            /// assert!(Field::NAMES.contains(&"industry"));
            /// assert_eq!(Field::NAMES.len(), Field::built_in().count());
            /// ```
            pub const NAMES: &'static [&'static str] = &[ $( $name, )* ];

            /// The declaration of a built-in field; `None` for a custom field.
            fn built_in_spec(&self) -> Option<&'static FieldSpec> {
                match self {
                    $( Self::$variant => Some(&FieldSpec {
                        name: $name,
                        group: FieldGroup::$group,
                        cardinality: Cardinality::$card,
                        value: ValueType::$value,
                        sensitivity: Sensitivity::$sens,
                    }), )*
                    Self::Custom(_) => None,
                }
            }

            /// The position of a built-in field in [`Field::NAMES`]; `None` for a custom
            /// field. A jump, not a search: views look access up by it per field.
            pub(crate) fn built_in_index(&self) -> Option<usize> {
                /// The built-in fields' positions, in declaration order.
                enum Position { $( $variant, )* }
                match self {
                    $( Self::$variant => Some(Position::$variant as usize), )*
                    Self::Custom(_) => None,
                }
            }

            /// The built-in field of this name.
            fn from_built_in_name(name: &str) -> Option<Self> {
                match name {
                    $( $name => Some(Self::$variant), )*
                    _ => None,
                }
            }
        }
    };
}

fields! {
    /// The record's id.
    Id = "id", Id, One, Id, NotPersonal;
    /// Person or company.
    Kind = "kind", Kind, One, Kind, NotPersonal;
    /// A person's name as written, whole.
    FullName = "full_name", PersonName, One, PersonName, Personal;
    /// Given (first) name.
    GivenName = "given_name", PersonName, One, PersonName, Personal;
    /// Middle name(s).
    MiddleName = "middle_name", PersonName, One, PersonName, Personal;
    /// Family name (surname).
    FamilyName = "family_name", PersonName, One, PersonName, Personal;
    /// A company's legal name.
    CompanyName = "company_name", CompanyName, One, CompanyName, Personal;
    /// A company's trading name or brand.
    TradingName = "trading_name", CompanyName, One, CompanyName, Personal;
    /// Phone numbers (the first is primary).
    Phone = "phone", Phones, Many, Phone, Personal;
    /// Email addresses (the first is primary).
    Email = "email", Emails, Many, Email, Personal;
    /// House or building number of each address.
    HouseNumber = "house_number", Addresses, Many, AddressPart, Personal;
    /// First street line of each address.
    Street = "street", Addresses, Many, AddressPart, Personal;
    /// Second street line of each address.
    Street2 = "street2", Addresses, Many, AddressPart, Personal;
    /// City, town or suburb of each address.
    Locality = "locality", Addresses, Many, AddressPart, Personal;
    /// State, province or region of each address.
    Region = "region", Addresses, Many, AddressPart, Personal;
    /// Postcode of each address.
    Postcode = "postcode", Addresses, Many, Postcode, Personal;
    /// Country (ISO 3166-1 alpha-2) of each address.
    Country = "country", Addresses, Many, Country, NotPersonal;
    /// Date of birth.
    BirthDate = "birth_date", BirthDate, One, Date, Personal;
    /// National identifier values (resident ID, credit code...).
    NationalId = "national_id", NationalIds, Many, Identifier, Sensitive;
    /// The scheme of each national identifier.
    NationalIdKind = "national_id_kind", NationalIds, Many, Code, NotPersonal;
    /// Free tags.
    Tags = "tags", Tags, Many, Code, Personal;
    /// The system the record came from.
    Source = "source", Source, One, Code, NotPersonal;
    /// The industry (行业), for classification.
    Industry = "industry", Industry, One, Text, NotPersonal;
    /// Who follows the customer up (负责人): a user id of the caller's system.
    Owner = "owner", Ownership, One, Code, NotPersonal;
    /// The team the customer belongs to.
    Team = "team", Ownership, One, Code, NotPersonal;
    /// When each phone was last confirmed with the customer, by position (`;`-separated, an
    /// empty entry for a phone never verified), for the periodic review of outdated data.
    PhoneVerifiedAt = "phone_verified_at", Phones, Many, Timestamp, NotPersonal;
    /// When each email was last confirmed with the customer, by position, as
    /// [`Field::PhoneVerifiedAt`].
    EmailVerifiedAt = "email_verified_at", Emails, Many, Timestamp, NotPersonal;
    /// When the record was created.
    CreatedAt = "created_at", Timestamps, One, Timestamp, NotPersonal;
    /// When the record was last changed.
    UpdatedAt = "updated_at", Timestamps, One, Timestamp, NotPersonal;
}

impl Field {
    /// Every built-in field, in the documented column order (`id, kind, full_name, ...`).
    ///
    /// ```
    /// use clientele::model::Field;
    /// let names: Vec<&str> = Field::built_in().map(|f| f.spec().name).take(3).collect();
    /// assert_eq!(names, ["id", "kind", "full_name"]);
    /// ```
    pub fn built_in() -> impl Iterator<Item = Field> {
        Self::BUILT_IN.iter().cloned()
    }

    /// The field of this name: a built-in one, or a custom field named `name` (trimmed).
    pub fn parse(name: &str) -> Self {
        let name = name.trim();
        Self::from_built_in_name(name).unwrap_or_else(|| Self::Custom(name.to_owned()))
    }

    /// The field's name: its CSV column and its key in policies and configurations.
    pub fn name(&self) -> &str {
        match self {
            Self::Custom(name) => name,
            built_in => built_in.spec().name,
        }
    }

    /// Whether this is a caller-defined field.
    pub fn is_custom(&self) -> bool {
        matches!(self, Self::Custom(_))
    }

    /// The field's declaration. A custom field is declared as one personal value of any type
    /// in the [`FieldGroup::Custom`] group (personal unless the caller's policy says not); its
    /// spec's `name` is empty ([`Field::name`] gives the caller's name).
    pub fn spec(&self) -> FieldSpec {
        self.built_in_spec().copied().unwrap_or(FieldSpec {
            name: "",
            group: FieldGroup::Custom,
            cardinality: Cardinality::One,
            value: ValueType::Custom,
            sensitivity: Sensitivity::Personal,
        })
    }

    /// The part of the record the field lives in.
    pub fn group(&self) -> FieldGroup {
        self.spec().group
    }

    /// The field's values on a record, typed: text for names, numbers, address parts and codes,
    /// [`CustomValue::Date`] for the birth date, [`CustomValue::Timestamp`] for timestamps, the
    /// custom value itself for a custom field. Empty when the record has none.
    ///
    /// For address parts, one value per address that has the part, in address order.
    pub fn values(&self, c: &Customer) -> Vec<CustomValue> {
        match self {
            Self::BirthDate => c.birth_date.map(CustomValue::Date).into_iter().collect(),
            Self::CreatedAt => vec![CustomValue::Timestamp(c.created_at)],
            Self::UpdatedAt => vec![CustomValue::Timestamp(c.updated_at)],
            Self::PhoneVerifiedAt => c
                .phones
                .iter()
                .filter_map(|p| p.verified_at.map(CustomValue::Timestamp))
                .collect(),
            Self::EmailVerifiedAt => c
                .emails
                .iter()
                .filter_map(|e| e.verified_at.map(CustomValue::Timestamp))
                .collect(),
            Self::Custom(name) => c.custom.get(name).cloned().into_iter().collect(),
            text => text.texts(c).into_iter().map(CustomValue::Text).collect(),
        }
    }

    /// The field's values on a record as text, as a CSV cell holds them (dates `YYYY-MM-DD`,
    /// timestamps RFC 3339, custom values by [`CustomValue::to_text`]). Empty values are left
    /// out, but for [`Field::PhoneVerifiedAt`] and [`Field::EmailVerifiedAt`], which are by
    /// position: one entry per phone (email), empty when that one was never verified, or none
    /// at all when none was.
    pub fn texts(&self, c: &Customer) -> Vec<String> {
        let one = |v: Option<&String>| v.filter(|s| !s.is_empty()).cloned().into_iter().collect();
        let name = c.person_name.as_ref();
        let parts = |part: fn(&Address) -> Option<String>| -> Vec<String> {
            c.addresses
                .iter()
                .filter_map(part)
                .filter(|s| !s.is_empty())
                .collect()
        };
        match self {
            Self::Id => vec![c.id.to_string()],
            Self::Kind => vec![c.kind.as_str().to_owned()],
            Self::FullName => one(name.and_then(|n| n.full.as_ref())),
            Self::GivenName => one(name.and_then(|n| n.given.as_ref())),
            Self::MiddleName => one(name.and_then(|n| n.middle.as_ref())),
            Self::FamilyName => one(name.and_then(|n| n.family.as_ref())),
            Self::CompanyName => one(c.company_name.as_ref().map(|n| &n.legal)),
            Self::TradingName => one(c.company_name.as_ref().and_then(|n| n.trading.as_ref())),
            Self::Phone => c.phones.iter().map(|p| p.number.clone()).collect(),
            Self::Email => c.emails.iter().map(|e| e.address.clone()).collect(),
            Self::HouseNumber => parts(|a| a.house_number.clone()),
            Self::Street => parts(|a| a.lines.first().cloned()),
            Self::Street2 => parts(|a| a.lines.get(1).cloned()),
            Self::Locality => parts(|a| a.locality.clone()),
            Self::Region => parts(|a| a.region.clone()),
            Self::Postcode => parts(|a| a.postcode.clone()),
            Self::Country => parts(|a| a.country.map(|cc| cc.to_string())),
            Self::BirthDate => c.birth_date.map(|d| d.to_string()).into_iter().collect(),
            Self::NationalId => c.national_ids.iter().map(|n| n.value.clone()).collect(),
            Self::NationalIdKind => c
                .national_ids
                .iter()
                .map(|n| n.kind.as_str().to_owned())
                .collect(),
            Self::Tags => c.tags.iter().cloned().collect(),
            Self::Source => one(c.source.as_ref()),
            Self::Industry => one(c.industry.as_ref()),
            Self::Owner => one(c.owner.as_ref()),
            Self::Team => one(c.team.as_ref()),
            Self::PhoneVerifiedAt => by_position(c.phones.iter().map(|p| p.verified_at)),
            Self::EmailVerifiedAt => by_position(c.emails.iter().map(|e| e.verified_at)),
            Self::CreatedAt => vec![c.created_at.to_rfc3339()],
            Self::UpdatedAt => vec![c.updated_at.to_rfc3339()],
            Self::Custom(name) => c
                .custom
                .get(name)
                .map(CustomValue::to_text)
                .into_iter()
                .collect(),
        }
    }

    /// Whether the record has a non-empty value of the field.
    ///
    /// ```
    /// use clientele::model::Field;
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("Ann").build();
    /// assert!(Field::FullName.is_filled(&c));
    /// assert!(!Field::Email.is_filled(&c));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn is_filled(&self, c: &Customer) -> bool {
        // What `texts` would give, without writing the values out (a scorecard asks this of
        // every field of every record).
        fn text(s: &str) -> bool {
            !s.trim().is_empty()
        }
        let opt = |v: Option<&String>| v.is_some_and(|s| text(s));
        let name = c.person_name.as_ref();
        let part = |f: fn(&Address) -> Option<&String>| c.addresses.iter().any(|a| opt(f(a)));
        match self {
            Self::Id => text(c.id.as_str()),
            Self::Kind => text(c.kind.as_str()),
            Self::FullName => opt(name.and_then(|n| n.full.as_ref())),
            Self::GivenName => opt(name.and_then(|n| n.given.as_ref())),
            Self::MiddleName => opt(name.and_then(|n| n.middle.as_ref())),
            Self::FamilyName => opt(name.and_then(|n| n.family.as_ref())),
            Self::CompanyName => opt(c.company_name.as_ref().map(|n| &n.legal)),
            Self::TradingName => opt(c.company_name.as_ref().and_then(|n| n.trading.as_ref())),
            Self::Phone => c.phones.iter().any(|p| text(&p.number)),
            Self::Email => c.emails.iter().any(|e| text(&e.address)),
            Self::HouseNumber => part(|a| a.house_number.as_ref()),
            Self::Street => part(|a| a.lines.first()),
            Self::Street2 => part(|a| a.lines.get(1)),
            Self::Locality => part(|a| a.locality.as_ref()),
            Self::Region => part(|a| a.region.as_ref()),
            Self::Postcode => part(|a| a.postcode.as_ref()),
            Self::Country => c.addresses.iter().any(|a| a.country.is_some()),
            Self::BirthDate => c.birth_date.is_some(),
            Self::NationalId => c.national_ids.iter().any(|n| text(&n.value)),
            Self::NationalIdKind => c.national_ids.iter().any(|n| text(n.kind.as_str())),
            Self::Tags => c.tags.iter().any(|t| text(t)),
            Self::Source => opt(c.source.as_ref()),
            Self::Industry => opt(c.industry.as_ref()),
            Self::Owner => opt(c.owner.as_ref()),
            Self::Team => opt(c.team.as_ref()),
            Self::PhoneVerifiedAt => c.phones.iter().any(|p| p.verified_at.is_some()),
            Self::EmailVerifiedAt => c.emails.iter().any(|e| e.verified_at.is_some()),
            Self::CreatedAt | Self::UpdatedAt => true,
            Self::Custom(name) => c.custom.get(name).is_some_and(|v| match v {
                CustomValue::Text(s) => text(s),
                other => text(&other.to_text()),
            }),
        }
    }

    /// Sets the field's values on a record from text, as an import reads cells: each value
    /// trimmed; the values replace what the record held (an empty list clears the field).
    ///
    /// - Lists (phones, emails, tags, national IDs): one entry per value, the first phone and
    ///   email primary. A national ID's scheme is set through [`Field::NationalIdKind`], by
    ///   position, after the values.
    /// - Address parts: value *i* goes to the *i*-th address (addresses are added as needed); an
    ///   empty value, or no value, leaves that address's part empty. Addresses left empty at the
    ///   end of the list are dropped; one left empty between others stays, so that the parts of
    ///   the addresses after it keep their positions.
    /// - One-valued fields take the first value; more than one is an error.
    /// - Dates are read by [`parse_date`], timestamps as RFC 3339 or a date (midnight UTC),
    ///   countries as ISO codes, kinds by [`CustomerKind::parse`], custom values by
    ///   [`CustomValue::infer`].
    ///
    /// # Errors
    /// [`Error::InvalidValue`] naming the field when a value cannot be read (the value
    /// masked), or when a one-valued field is given several values; the record is then left
    /// unchanged. Setting [`Field::Id`] is refused: a record's id is not a field to overwrite.
    pub fn set_texts<S: AsRef<str>>(&self, c: &mut Customer, values: &[S]) -> Result<()> {
        let values: Vec<&str> = values.iter().map(|v| v.as_ref().trim()).collect();
        if self.spec().cardinality == Cardinality::One && values.len() > 1 {
            return Err(self.invalid("several values for a field that holds one", ""));
        }
        let first = values.first().copied().filter(|v| !v.is_empty());
        let owned = || first.map(str::to_owned);
        match self {
            Self::Id => return Err(self.invalid("the id of a record cannot be set as a field", "")),
            Self::Kind => {
                if let Some(raw) = first {
                    c.kind = CustomerKind::parse(raw)
                        .ok_or_else(|| self.invalid("must be person or company", raw))?;
                }
            }
            Self::FullName => set_name_part(c, owned(), |n| &mut n.full),
            Self::GivenName => set_name_part(c, owned(), |n| &mut n.given),
            Self::MiddleName => set_name_part(c, owned(), |n| &mut n.middle),
            Self::FamilyName => set_name_part(c, owned(), |n| &mut n.family),
            Self::CompanyName => match (owned(), c.company_name.as_mut()) {
                (Some(legal), Some(n)) => n.legal = legal,
                (Some(legal), None) => c.company_name = Some(CompanyName::new(legal)),
                (None, Some(n)) if n.trading.is_some() => n.legal.clear(),
                (None, _) => c.company_name = None,
            },
            Self::TradingName => match (owned(), c.company_name.as_mut()) {
                (trading, Some(n)) => {
                    n.trading = trading;
                    if n.legal.is_empty() && n.trading.is_none() {
                        c.company_name = None;
                    }
                }
                (Some(trading), None) => {
                    c.company_name = Some(CompanyName {
                        legal: String::new(),
                        trading: Some(trading),
                    });
                }
                (None, None) => {}
            },
            Self::Phone => {
                c.phones = non_empty(&values)
                    .enumerate()
                    .map(|(i, v)| Phone {
                        primary: i == 0,
                        ..Phone::new(v)
                    })
                    .collect();
            }
            Self::Email => {
                c.emails = non_empty(&values)
                    .enumerate()
                    .map(|(i, v)| Email {
                        primary: i == 0,
                        ..Email::new(v)
                    })
                    .collect();
            }
            Self::HouseNumber => set_parts(c, &values, |a, v| a.house_number = v),
            Self::Street => set_parts(c, &values, |a, v| set_line(a, 0, v)),
            Self::Street2 => set_parts(c, &values, |a, v| set_line(a, 1, v)),
            Self::Locality => set_parts(c, &values, |a, v| a.locality = v),
            Self::Region => set_parts(c, &values, |a, v| a.region = v),
            Self::Postcode => set_parts(c, &values, |a, v| a.postcode = v),
            Self::Country => {
                let codes = values
                    .iter()
                    .map(|v| match *v {
                        "" => Ok(None),
                        raw => CountryCode::new(raw)
                            .map(Some)
                            .map_err(|_| self.invalid("not an ISO 3166 alpha-2 code", raw)),
                    })
                    .collect::<Result<Vec<_>>>()?;
                grow_addresses(c, codes.len());
                for (i, a) in c.addresses.iter_mut().enumerate() {
                    a.country = codes.get(i).copied().flatten();
                }
                drop_trailing_empty(c);
            }
            Self::BirthDate => {
                c.birth_date = match first {
                    Some(raw) => {
                        Some(parse_date(raw).map_err(|_| self.invalid("not a date", raw))?)
                    }
                    None => None,
                };
            }
            Self::NationalId => {
                let kinds: Vec<NationalIdKind> =
                    c.national_ids.iter().map(|n| n.kind.clone()).collect();
                c.national_ids = non_empty(&values)
                    .enumerate()
                    .map(|(i, v)| {
                        let kind = kinds
                            .get(i)
                            .cloned()
                            .unwrap_or(NationalIdKind::Other(String::new()));
                        NationalId::new(kind, v)
                    })
                    .collect();
            }
            Self::NationalIdKind => {
                for (n, kind) in c.national_ids.iter_mut().zip(&values) {
                    n.kind = NationalIdKind::parse(kind);
                }
            }
            Self::Tags => c.tags = non_empty(&values).map(str::to_owned).collect(),
            Self::Source => c.source = owned(),
            Self::Industry => c.industry = owned(),
            Self::Owner => c.owner = owned(),
            Self::Team => c.team = owned(),
            Self::PhoneVerifiedAt => {
                let times = self.verified_times(&values, c.phones.len())?;
                for (p, at) in c.phones.iter_mut().zip(times) {
                    p.verified_at = at;
                }
            }
            Self::EmailVerifiedAt => {
                let times = self.verified_times(&values, c.emails.len())?;
                for (e, at) in c.emails.iter_mut().zip(times) {
                    e.verified_at = at;
                }
            }
            Self::CreatedAt | Self::UpdatedAt => {
                let at = match first {
                    Some(raw) => parse_timestamp(raw)
                        .ok_or_else(|| self.invalid("not a timestamp or date", raw))?,
                    None => DateTime::UNIX_EPOCH,
                };
                if *self == Self::CreatedAt {
                    c.created_at = at;
                } else {
                    c.updated_at = at;
                }
            }
            Self::Custom(name) => match first {
                Some(raw) => {
                    c.custom.insert(name.clone(), CustomValue::infer(raw));
                }
                None => {
                    c.custom.remove(name);
                }
            },
        }
        Ok(())
    }

    /// Verification times by position for `n` contact values: an empty entry is `None`, and
    /// entries past the list are refused.
    fn verified_times(&self, values: &[&str], n: usize) -> Result<Vec<Option<DateTime<Utc>>>> {
        if values.len() > n {
            return Err(self.invalid("more verification times than values", ""));
        }
        let mut out = vec![None; n];
        for (slot, raw) in out.iter_mut().zip(values) {
            if !raw.is_empty() {
                *slot = Some(
                    parse_timestamp(raw)
                        .ok_or_else(|| self.invalid("not a timestamp or date", raw))?,
                );
            }
        }
        Ok(out)
    }

    fn invalid(&self, reason: &str, raw: &str) -> Error {
        let masked = if self.spec().sensitivity.is_personal() {
            mask_value(raw)
        } else {
            format!("{raw:?}")
        };
        Error::InvalidValue {
            field: self.name().to_owned(),
            reason: reason.to_owned(),
            masked,
        }
    }
}

/// Timestamps by position (RFC 3339, empty for `None`), or nothing when all are `None`.
fn by_position(times: impl Iterator<Item = Option<DateTime<Utc>>>) -> Vec<String> {
    let texts: Vec<String> = times
        .map(|t| t.map(|t| t.to_rfc3339()).unwrap_or_default())
        .collect();
    if texts.iter().all(String::is_empty) {
        Vec::new()
    } else {
        texts
    }
}

fn non_empty<'a>(values: &'a [&'a str]) -> impl Iterator<Item = &'a str> {
    values.iter().copied().filter(|v| !v.is_empty())
}

fn set_name_part(
    c: &mut Customer,
    value: Option<String>,
    part: fn(&mut PersonName) -> &mut Option<String>,
) {
    let name = c.person_name.get_or_insert_with(PersonName::default);
    *part(name) = value;
    if name.is_empty() {
        c.person_name = None;
    }
}

fn grow_addresses(c: &mut Customer, n: usize) {
    if c.addresses.len() < n {
        c.addresses.resize_with(n, Address::default);
    }
}

/// Sets one text part on each address by position (value *i* on address *i*, no value: the
/// part cleared); empty addresses at the end are dropped.
fn set_parts(c: &mut Customer, values: &[&str], set: fn(&mut Address, Option<String>)) {
    grow_addresses(c, values.len());
    for (i, a) in c.addresses.iter_mut().enumerate() {
        let v = values.get(i).copied().filter(|v| !v.is_empty());
        set(a, v.map(str::to_owned));
    }
    drop_trailing_empty(c);
}

/// Drops the empty addresses at the end of the list; empty ones between others stay, so the
/// parts of later addresses keep their positions.
fn drop_trailing_empty(c: &mut Customer) {
    while c.addresses.last().is_some_and(Address::is_empty) {
        c.addresses.pop();
    }
}

/// Sets street line `i` (0 or 1) of an address, keeping the lines in order.
fn set_line(a: &mut Address, i: usize, v: Option<String>) {
    match (v, i) {
        (Some(v), _) => {
            if a.lines.len() <= i {
                a.lines.resize(i + 1, String::new());
            }
            if let Some(line) = a.lines.get_mut(i) {
                *line = v;
            }
        }
        (None, _) => {
            if let Some(line) = a.lines.get_mut(i) {
                line.clear();
            }
        }
    }
    while a.lines.last().is_some_and(|l| l.is_empty()) {
        a.lines.pop();
    }
}

/// An RFC 3339 timestamp, or a date (taken as midnight UTC).
pub(crate) fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    parse_date(raw)
        .ok()
        .map(|d| d.and_time(NaiveTime::MIN).and_utc())
}

impl FromStr for Field {
    type Err = Error;

    /// Parses a field name ([`Field::parse`]); refuses an empty name.
    fn from_str(s: &str) -> Result<Self> {
        if s.trim().is_empty() {
            return Err(Error::InvalidValue {
                field: "field".to_owned(),
                reason: "a field name cannot be empty".to_owned(),
                masked: String::new(),
            });
        }
        Ok(Self::parse(s))
    }
}

impl AsRef<str> for Field {
    fn as_ref(&self) -> &str {
        self.name()
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Custom(name) => write!(f, "Custom({name:?})"),
            built_in => f.write_str(built_in.name()),
        }
    }
}

impl Serialize for Field {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CustomerId;

    fn empty() -> Customer {
        Customer::builder(CustomerId::new("C1").unwrap(), CustomerKind::Person).build()
    }

    #[test]
    fn every_built_in_name_parses_back_to_its_field_and_names_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for f in Field::built_in() {
            assert!(seen.insert(f.name().to_owned()), "{} twice", f.name());
            assert_eq!(Field::parse(f.name()), f);
            assert!(!f.is_custom());
        }
        assert_eq!(Field::parse(" wechat "), Field::Custom("wechat".into()));
    }

    #[test]
    fn set_then_read_gives_the_values_back_for_every_text_field() {
        for f in Field::built_in() {
            let sample: &[&str] = match f {
                Field::Id => continue,
                Field::Kind => &["company"],
                Field::Country => &["CN", "AU"],
                Field::BirthDate => &["1990-07-01"],
                Field::CreatedAt | Field::UpdatedAt => &["2024-03-01T09:00:00+00:00"],
                Field::NationalIdKind => continue,
                Field::PhoneVerifiedAt | Field::EmailVerifiedAt => {
                    &["", "2024-03-01T09:00:00+00:00"]
                }
                _ if f.spec().cardinality == Cardinality::Many => &["a1", "b2"],
                _ => &["value"],
            };
            let mut c = empty();
            // Verification times are by position of the phones and emails.
            Field::Phone.set_texts(&mut c, &["1", "2"]).unwrap();
            Field::Email.set_texts(&mut c, &["a@x", "b@x"]).unwrap();
            f.set_texts(&mut c, sample).unwrap();
            assert_eq!(f.texts(&c), sample, "{f}");
            f.set_texts::<&str>(&mut c, &[]).unwrap();
            if !matches!(
                f,
                Field::Kind | Field::CreatedAt | Field::UpdatedAt | Field::Phone | Field::Email
            ) {
                assert!(!f.is_filled(&c), "{f} not cleared");
            }
        }
    }

    #[test]
    fn address_parts_line_up_by_position() {
        let mut c = empty();
        Field::Locality
            .set_texts(&mut c, &["北京", "", "Sydney"])
            .unwrap();
        Field::Street
            .set_texts(&mut c, &["长安街1号", "x", ""])
            .unwrap();
        assert_eq!(c.addresses.len(), 3);
        assert_eq!(c.addresses[1].locality, None);
        assert_eq!(c.addresses[1].lines, ["x"]);
        assert_eq!(c.addresses[2].lines, Vec::<String>::new());
        Field::Street.set_texts(&mut c, &["", "", ""]).unwrap();
        // The second address had only its street: it stays, empty, so the third keeps its place.
        assert_eq!(Field::Locality.texts(&c), ["北京", "Sydney"]);
        assert_eq!(c.addresses.len(), 3);
        Field::Locality.set_texts(&mut c, &["北京"]).unwrap();
        assert_eq!(c.addresses.len(), 1);
    }

    #[test]
    fn bad_values_are_refused_with_the_field_named_and_personal_values_masked() {
        let mut c = empty();
        let before = c.clone();
        let e = Field::BirthDate
            .set_texts(&mut c, &["31/02/1990"])
            .unwrap_err();
        assert!(e.to_string().contains("birth_date"));
        assert!(!e.to_string().contains("31/02/1990"));
        let e = Field::Country
            .set_texts(&mut c, &["CN", "China"])
            .unwrap_err();
        assert!(
            e.to_string().contains("\"China\""),
            "a country is not personal: {e}"
        );
        assert!(Field::Source.set_texts(&mut c, &["a", "b"]).is_err());
        assert!(Field::Id.set_texts(&mut c, &["C2"]).is_err());
        assert_eq!(c, before);
    }

    #[test]
    fn a_national_id_keeps_its_scheme_when_its_value_is_set_again() {
        let mut c = empty();
        Field::NationalId
            .set_texts(&mut c, &["11010519491231002X"])
            .unwrap();
        Field::NationalIdKind
            .set_texts(&mut c, &["身份证"])
            .unwrap();
        Field::NationalId
            .set_texts(&mut c, &["110105194912310021"])
            .unwrap();
        assert_eq!(c.national_ids[0].kind, NationalIdKind::CnResidentId);
    }

    #[test]
    fn serde_writes_and_reads_fields_as_names() {
        let fields = vec![Field::Phone, Field::Custom("手机".into())];
        let json = serde_json::to_string(&fields).unwrap();
        assert_eq!(json, r#"["phone","手机"]"#);
        let back: Vec<Field> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, fields);
        assert!(serde_json::from_str::<Field>(r#""  ""#).is_err());
    }
}
