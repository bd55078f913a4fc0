//! Contact points and identifiers: phones, emails, addresses, national identifiers.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::id::CountryCode;
use super::mask::{mask_category, mask_email, mask_id, mask_phone, mask_value};

/// What a phone or email is used for.
///
/// ```
/// use clientele::model::ContactLabel;
/// assert_eq!(ContactLabel::parse("Mobile"), ContactLabel::Mobile);
/// assert_eq!(ContactLabel::parse("pager"), ContactLabel::Other("pager".into()));
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ContactLabel {
    /// No label was given.
    #[default]
    Unspecified,
    /// A mobile phone.
    Mobile,
    /// Work phone or email.
    Work,
    /// Home phone or personal email.
    Home,
    /// A fax line.
    Fax,
    /// Any other label, as written.
    Other(String),
}

impl fmt::Debug for ContactLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unspecified => f.write_str("Unspecified"),
            Self::Mobile => f.write_str("Mobile"),
            Self::Work => f.write_str("Work"),
            Self::Home => f.write_str("Home"),
            Self::Fax => f.write_str("Fax"),
            Self::Other(name) => f.debug_tuple("Other").field(&mask_category(name)).finish(),
        }
    }
}

impl ContactLabel {
    /// Reads a label as written (case-insensitive; common English and Chinese words).
    pub fn parse(raw: &str) -> Self {
        let t = raw.trim();
        match t.to_lowercase().as_str() {
            "" => Self::Unspecified,
            "mobile" | "cell" | "手机" | "移动电话" => Self::Mobile,
            "work" | "office" | "business" | "工作" | "办公" | "单位" => Self::Work,
            "home" | "personal" | "private" | "家庭" | "住宅" | "个人" => Self::Home,
            "fax" | "传真" => Self::Fax,
            _ => Self::Other(t.to_owned()),
        }
    }
}

/// A phone number as written, with its label and primary flag.
///
/// The value is kept exactly as the caller gave it; canonical (E.164) forms come from the
/// normalization module. `Debug` masks the number.
///
/// ```
/// use clientele::model::Phone;
/// let p = Phone::new("138 0013 5678");
/// assert_eq!(format!("{p:?}"), r#"Phone { number: "138****5678", label: Unspecified, primary: false }"#);
/// let work = Phone::new("010 6552 9988").with_label(clientele::model::ContactLabel::Work).with_primary(true);
/// assert!(work.primary && work.verified_at.is_none());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Phone {
    /// The number as written.
    pub number: String,
    /// What it is used for.
    #[serde(default)]
    pub label: ContactLabel,
    /// Whether this is the customer's preferred number.
    #[serde(default)]
    pub primary: bool,
    /// When the value was last confirmed with the customer (a call, a reply, a delivery);
    /// `None` when never. The periodic review of outdated data reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
}

impl Phone {
    /// A phone with no label, not primary.
    pub fn new(number: impl Into<String>) -> Self {
        Self {
            number: number.into(),
            label: ContactLabel::Unspecified,
            primary: false,
            verified_at: None,
        }
    }
}

/// The builder methods every contact value (phone, email) has.
macro_rules! contact_builders {
    ($t:ty, $what:literal) => {
        impl $t {
            #[doc = concat!("The ", $what, " with `label`.")]
            #[must_use]
            pub fn with_label(mut self, label: ContactLabel) -> Self {
                self.label = label;
                self
            }

            #[doc = concat!("The ", $what, " marked primary (or not).")]
            #[must_use]
            pub fn with_primary(mut self, primary: bool) -> Self {
                self.primary = primary;
                self
            }

            #[doc = concat!("The ", $what, " last confirmed with the customer at `at`.")]
            #[must_use]
            pub fn with_verified_at(mut self, at: DateTime<Utc>) -> Self {
                self.verified_at = Some(at);
                self
            }
        }
    };
}

contact_builders!(Phone, "phone");
contact_builders!(Email, "email");

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Phone")
            .field("number", &mask_phone(&self.number))
            .field("label", &self.label)
            .field("primary", &self.primary)
            .finish()
    }
}

/// An email address as written, with its label and primary flag. `Debug` masks the address.
///
/// ```
/// use clientele::model::Email;
/// let e = Email::new("john@example.com");
/// assert!(format!("{e:?}").contains("j***@example.com"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Email {
    /// The address as written.
    pub address: String,
    /// What it is used for.
    #[serde(default)]
    pub label: ContactLabel,
    /// Whether this is the customer's preferred address.
    #[serde(default)]
    pub primary: bool,
    /// When the value was last confirmed with the customer (a call, a reply, a delivery);
    /// `None` when never. The periodic review of outdated data reads it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
}

impl Email {
    /// An email with no label, not primary.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            label: ContactLabel::Unspecified,
            primary: false,
            verified_at: None,
        }
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Email")
            .field("address", &mask_email(&self.address))
            .field("label", &self.label)
            .field("primary", &self.primary)
            .finish()
    }
}

/// A postal address. Every part is optional; lines hold the street part as written.
///
/// ```
/// use clientele::model::{Address, CountryCode};
/// let a = Address {
///     house_number: Some("7".into()),
///     lines: vec!["Wallaby Place".into()],
///     locality: Some("Cleveland".into()),
///     region: Some("QLD".into()),
///     postcode: Some("4163".into()),
///     country: Some(CountryCode::new("AU")?),
///     ..Address::default()
/// };
/// assert!(!a.is_empty());
/// // Addresses are personal: `Debug` masks every part but the label and the country.
/// let debug = format!("{a:?}");
/// assert!(!debug.contains("Wallaby") && !debug.contains("4163") && debug.contains("AU"));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Address {
    /// What the address is used for (billing, shipping, home...).
    #[serde(default)]
    pub label: ContactLabel,
    /// House or building number, when written apart from the street.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub house_number: Option<String>,
    /// Street lines as written (street, building, unit).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<String>,
    /// City, town or suburb.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State, province or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Postal code as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<CountryCode>,
    /// When the address was last confirmed (a delivery, a visit); `None` when never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = |p: &Option<String>| p.as_deref().map(mask_value);
        let lines: Vec<String> = self.lines.iter().map(|l| mask_value(l)).collect();
        f.debug_struct("Address")
            .field("label", &self.label)
            .field("house_number", &m(&self.house_number))
            .field("lines", &lines)
            .field("locality", &m(&self.locality))
            .field("region", &m(&self.region))
            .field("postcode", &m(&self.postcode))
            .field("country", &self.country)
            .finish()
    }
}

impl Address {
    /// Whether no part of the address is filled.
    pub fn is_empty(&self) -> bool {
        self.house_number.is_none()
            && self.lines.iter().all(|l| l.trim().is_empty())
            && self.locality.is_none()
            && self.region.is_none()
            && self.postcode.is_none()
            && self.country.is_none()
    }
}

/// The kind of a national identifier.
///
/// ```
/// use clientele::model::NationalIdKind;
/// assert_eq!(NationalIdKind::parse("cn_resident_id"), NationalIdKind::CnResidentId);
/// assert_eq!(NationalIdKind::parse("USCC"), NationalIdKind::CnUscc);
/// assert_eq!(NationalIdKind::parse("ssn"), NationalIdKind::Other("ssn".into()));
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NationalIdKind {
    /// Chinese resident identity card number (GB 11643-1999), 18 characters.
    CnResidentId,
    /// Chinese Unified Social Credit Code of an organisation (GB 32100-2015), 18 characters.
    CnUscc,
    /// Any other scheme, named as the caller names it (may be empty when unknown).
    Other(String),
}

impl fmt::Debug for NationalIdKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CnResidentId => f.write_str("CnResidentId"),
            Self::CnUscc => f.write_str("CnUscc"),
            Self::Other(name) => f.debug_tuple("Other").field(&mask_category(name)).finish(),
        }
    }
}

impl NationalIdKind {
    /// Reads a kind as written: `cn_resident_id` / `cn-id` / `身份证`, `cn_uscc` / `uscc` /
    /// `统一社会信用代码`; anything else is [`NationalIdKind::Other`].
    pub fn parse(raw: &str) -> Self {
        let t = raw.trim();
        match t.to_lowercase().replace('-', "_").as_str() {
            "cn_resident_id" | "cn_id" | "resident_id" | "身份证" | "身份证号" | "居民身份证" => {
                Self::CnResidentId
            }
            "cn_uscc" | "uscc" | "统一社会信用代码" | "credit_code" => Self::CnUscc,
            "other" | "" => Self::Other(String::new()),
            _ => Self::Other(t.to_owned()),
        }
    }

    /// The snake-case name used in CSV files (`cn_resident_id`, `cn_uscc`, or the other name).
    pub fn as_str(&self) -> &str {
        match self {
            Self::CnResidentId => "cn_resident_id",
            Self::CnUscc => "cn_uscc",
            Self::Other(name) if name.is_empty() => "other",
            Self::Other(name) => name,
        }
    }
}

/// Parses as [`NationalIdKind::parse`] does (any text is a kind).
///
/// ```
/// use clientele::model::NationalIdKind;
/// let k: NationalIdKind = "统一社会信用代码".parse().unwrap();
/// assert_eq!(k, NationalIdKind::CnUscc);
/// assert_eq!(k.as_ref(), "cn_uscc");
/// ```
impl std::str::FromStr for NationalIdKind {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl AsRef<str> for NationalIdKind {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// A national identifier: scheme and value as written. `Debug` masks the value.
///
/// ```
/// use clientele::model::{NationalId, NationalIdKind};
/// let id = NationalId::new(NationalIdKind::CnResidentId, "11010519491231002X");
/// assert!(!format!("{id:?}").contains("19491231"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NationalId {
    /// The scheme.
    pub kind: NationalIdKind,
    /// The value as written.
    pub value: String,
}

impl NationalId {
    /// An identifier of the given kind.
    pub fn new(kind: NationalIdKind, value: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.into(),
        }
    }
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NationalId")
            .field("kind", &self.kind)
            .field("value", &mask_id(&self.value))
            .finish()
    }
}
