//! One value of one kind checked and normalized: the engine of the CLI's `field` command.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{IssueCode, check_cn_resident_id, check_email, check_postcode, check_uscc};
use crate::model::{Address, Field, PersonName, ValueType, mask_value};
use crate::normalize::{FieldKind, Normalizer};

/// The kinds of value [`check_field`] answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ValueKind {
    /// A person's name.
    PersonName,
    /// A company's name.
    CompanyName,
    /// A phone number.
    Phone,
    /// An email address.
    Email,
    /// One address line.
    Address,
    /// A Unified Social Credit Code.
    Uscc,
    /// A Chinese resident ID number.
    CnId,
    /// A postcode (needs a region).
    Postcode,
}

impl ValueKind {
    /// The check that answers for a field's values, from its value type in the field model;
    /// `None` for fields [`check_field`] has no check of its own for (dates, codes, custom
    /// fields: the [`crate::validate::Validator`] checks those on the record). A national
    /// identifier's check depends on its scheme: see [`ValueKind::of_identifier`].
    ///
    /// ```
    /// use clientele::model::Field;
    /// use clientele::validate::ValueKind;
    /// assert_eq!(ValueKind::of(&Field::Email), Some(ValueKind::Email));
    /// assert_eq!(ValueKind::of(&Field::Street2), Some(ValueKind::Address));
    /// assert_eq!(ValueKind::of(&Field::Source), None);
    /// ```
    pub fn of(field: &Field) -> Option<Self> {
        Some(match field.spec().value {
            ValueType::PersonName => Self::PersonName,
            ValueType::CompanyName => Self::CompanyName,
            ValueType::Phone => Self::Phone,
            ValueType::Email => Self::Email,
            ValueType::AddressPart => Self::Address,
            ValueType::Postcode => Self::Postcode,
            _ => return None,
        })
    }

    /// The check for a national identifier of this scheme; `None` for schemes without one.
    ///
    /// ```
    /// use clientele::model::NationalIdKind;
    /// use clientele::validate::ValueKind;
    /// assert_eq!(ValueKind::of_identifier(&NationalIdKind::CnUscc), Some(ValueKind::Uscc));
    /// assert_eq!(ValueKind::of_identifier(&NationalIdKind::parse("ssn")), None);
    /// ```
    pub fn of_identifier(kind: &crate::model::NationalIdKind) -> Option<Self> {
        match kind {
            crate::model::NationalIdKind::CnResidentId => Some(Self::CnId),
            crate::model::NationalIdKind::CnUscc => Some(Self::Uscc),
            _ => None,
        }
    }
}

/// The verdict on one value. `Debug` masks the normalized value and the key (they are as
/// personal as the value checked).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldVerdict {
    /// Whether the value is valid for its kind.
    pub valid: bool,
    /// The canonical form (E.164 for a phone that parses).
    pub normalized: String,
    /// The match key.
    pub key: String,
    /// The issue code when not valid (or a warning code such as `cn_id.first_generation`).
    pub code: Option<IssueCode>,
}

impl fmt::Debug for FieldVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldVerdict")
            .field("valid", &self.valid)
            .field("normalized", &mask_value(&self.normalized))
            .field("key", &mask_value(&self.key))
            .field("code", &self.code)
            .finish()
    }
}

/// Checks and normalizes one value. `region` is the default region of phones and the country of
/// postcodes; `today` judges birth dates in IDs.
///
/// ```
/// use clientele::validate::{check_field, ValueKind};
/// use chrono::NaiveDate;
/// let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
/// let v = check_field(ValueKind::Phone, "010-6552 9988", Some("CN"), today);
/// assert!(v.valid);
/// assert_eq!(v.normalized, "+861065529988");
/// let id = check_field(ValueKind::CnId, "11010519491231002x", None, today);
/// assert_eq!((id.valid, id.normalized.as_str()), (true, "11010519491231002X"));
/// let bad = check_field(ValueKind::Email, "li..na@qq.com", None, today);
/// assert_eq!(bad.code.map(|c| c.to_string()).as_deref(), Some("email.dot_position"));
/// ```
pub fn check_field(
    kind: ValueKind,
    value: &str,
    region: Option<&str>,
    today: NaiveDate,
) -> FieldVerdict {
    let n = Normalizer::default();
    let verdict =
        |valid: bool, normalized: String, key: String, code: Option<IssueCode>| FieldVerdict {
            valid,
            normalized,
            key,
            code,
        };
    match kind {
        ValueKind::PersonName => {
            let r = n.person_name(&PersonName {
                full: Some(value.to_owned()),
                ..Default::default()
            });
            let ok = !r.key.is_empty();
            verdict(
                ok,
                r.canonical,
                r.key,
                (!ok).then_some(IssueCode::RequiredMissingName),
            )
        }
        ValueKind::CompanyName => {
            let r = n.normalize(FieldKind::CompanyName, value);
            let ok = !r.key.is_empty();
            verdict(
                ok,
                r.canonical,
                r.key,
                (!ok).then_some(IssueCode::RequiredMissingCompanyName),
            )
        }
        ValueKind::Phone => match n.phone(value, region) {
            Ok(p) if p.valid && p.kind.is_usual() => verdict(true, p.e164.clone(), p.e164, None),
            Ok(p) if p.valid => {
                verdict(true, p.e164.clone(), p.e164, Some(IssueCode::PhoneUnusual))
            }
            Ok(p) => verdict(
                false,
                p.e164.clone(),
                p.e164,
                Some(IssueCode::PhoneInvalidForRegion),
            ),
            Err(e) => {
                let text = n.normalize(FieldKind::Phone, value).canonical;
                let digits = text.chars().filter(char::is_ascii_digit).collect();
                verdict(false, text, digits, Some(e.into()))
            }
        },
        ValueKind::Email => {
            let text = n.normalize(FieldKind::Email, value).canonical;
            let key = n.email(&text).map(|e| e.key).unwrap_or_default();
            let canonical = n.email(&text).map(|e| e.canonical).unwrap_or(text.clone());
            match check_email(&text) {
                Ok(()) => verdict(true, canonical, key, None),
                Err(code) => verdict(false, canonical, key, Some(code)),
            }
        }
        ValueKind::Address => {
            let a = n.address(&Address {
                lines: vec![value.to_owned()],
                ..Address::default()
            });
            let ok = !a.key.is_empty();
            verdict(
                ok,
                a.lines.join(", "),
                a.key,
                (!ok).then_some(IssueCode::RequiredMissingField),
            )
        }
        ValueKind::Uscc => match check_uscc(value) {
            Ok(c) => verdict(true, c.clone(), c, None),
            Err(code) => verdict(
                false,
                value.trim().to_uppercase(),
                String::new(),
                Some(code),
            ),
        },
        ValueKind::CnId => match check_cn_resident_id(value, today) {
            Ok(id) => {
                let code = id
                    .first_generation
                    .then_some(IssueCode::CnIdFirstGeneration);
                verdict(true, id.canonical.clone(), id.canonical, code)
            }
            Err(code) => verdict(
                false,
                value.trim().to_uppercase(),
                String::new(),
                Some(code),
            ),
        },
        ValueKind::Postcode => match region {
            Some(r) => match check_postcode(value, r) {
                Ok(p) => verdict(true, p.clone(), p.replace([' ', '-'], ""), None),
                Err(IssueCode::PostcodeUnsupportedCountry) => {
                    let t = value.trim().to_uppercase();
                    verdict(
                        true,
                        t.clone(),
                        t.replace([' ', '-'], ""),
                        Some(IssueCode::PostcodeUnsupportedCountry),
                    )
                }
                Err(code) => verdict(
                    false,
                    value.trim().to_uppercase(),
                    String::new(),
                    Some(code),
                ),
            },
            None => verdict(
                false,
                value.trim().to_uppercase(),
                String::new(),
                Some(IssueCode::PostcodeUnsupportedCountry),
            ),
        },
    }
}
