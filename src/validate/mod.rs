//! Validation: field and record rules with structured reports, including Chinese identifiers.
//!
//! A [`Validator`] checks one record ([`Validator::validate`]) or a batch in parallel
//! ([`Validator::validate_all`]) and returns [`Issue`]s: record id, field path (`phones[1]`), a
//! stable [`IssueCode`] (`phone.invalid_length`), a [`Severity`] and a message that never holds
//! the full personal value. Reports count records per code, so an import job can say
//! "3 records: phone.invalid_length". It never stops at the first problem and never drops a
//! record.
//!
//! ```
//! use clientele::validate::{IssueCode, Validator};
//! use clientele::{Customer, CustomerId, CustomerKind};
//! use chrono::NaiveDate;
//!
//! let v = Validator::new().default_region("CN").as_of(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
//! let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
//!     .full_name("李娜")
//!     .phone("138 0013 800")          // one digit short
//!     .email("li..na@qq.com")         // two dots in a row
//!     .build();
//! let report = v.validate(&c);
//! let codes: Vec<&str> = report.issues.iter().map(|i| i.code.as_str()).collect();
//! assert_eq!(codes, ["phone.invalid_for_region", "email.dot_position"]);
//! assert!(!report.issues[1].message.contains("li..na"));
//! # Ok::<(), clientele::Error>(())
//! ```

mod cn;
mod codes;
mod email;
mod field;
mod postcode;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate, Utc};
use rayon::prelude::*;
use regex::Regex;
use serde::{Deserialize, Serialize};

pub use cn::{ResidentId, check_cn_resident_id, check_uscc};
pub use codes::{currency_minor_units, is_country};
pub use email::check_email;
pub use field::{FieldVerdict, ValueKind, check_field};
pub use postcode::{check_postcode, postcode_countries};

use crate::error::Error;
use crate::import::FieldProblem;
use crate::model::{
    self, Customer, CustomerId, CustomerKind, FieldGroup, NationalIdKind, mask_email, mask_id,
    mask_phone, mask_value,
};
use crate::normalize::{FieldKind, Normalizer, PhoneError};
use crate::store::{CustomerStore, batches};

/// How serious an issue is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Informational: nothing wrong, something to know.
    Info,
    /// Suspicious or unusual; the value is kept and usable.
    Warning,
    /// Wrong: the value cannot be trusted.
    Error,
}

macro_rules! issue_codes {
    ($($variant:ident = $code:literal, $sev:ident, $desc:literal;)*) => {
        /// A stable, machine-readable issue code, serialized as its dotted name
        /// (`phone.invalid_length`). `docs/VALIDATION.md` lists them all.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum IssueCode {
            $(#[doc = $desc] $variant,)*
            /// A caller-defined code.
            Custom(String),
        }

        impl IssueCode {
            /// Every built-in code.
            pub const BUILT_IN: &'static [IssueCode] = &[$(IssueCode::$variant,)*];

            /// The dotted name.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $code,)*
                    Self::Custom(s) => s,
                }
            }

            /// What the code means.
            pub fn description(&self) -> &str {
                match self {
                    $(Self::$variant => $desc,)*
                    Self::Custom(_) => "a caller-defined rule",
                }
            }

            /// The severity issues of this code get.
            pub fn severity(&self) -> Severity {
                match self {
                    $(Self::$variant => Severity::$sev,)*
                    Self::Custom(_) => Severity::Error,
                }
            }

            /// Reads a dotted name; unknown names are [`IssueCode::Custom`].
            pub fn parse(s: &str) -> Self {
                match s {
                    $($code => Self::$variant,)*
                    other => Self::Custom(other.to_owned()),
                }
            }
        }
    };
}

issue_codes! {
    RequiredMissingName = "required.missing_name", Error, "a person has no name";
    RequiredMissingContact = "required.missing_contact", Error, "a person has neither phone nor email";
    RequiredMissingCompanyName = "required.missing_company_name", Error, "a company has no name";
    RequiredMissingField = "required.missing_field", Error, "a field the caller requires is empty";
    RequiredMissingAnyOf = "required.missing_any_of", Error, "none of a group of fields the caller requires one of is filled";
    EmailEmpty = "email.empty", Error, "the email is empty";
    EmailMissingAt = "email.missing_at", Error, "the email has no @";
    EmailMultipleAt = "email.multiple_at", Error, "the email has more than one @";
    EmailLocalTooLong = "email.local_too_long", Error, "the part before the @ is longer than 64 octets";
    EmailTooLong = "email.too_long", Error, "the address is longer than 254 octets";
    EmailLabelTooLong = "email.label_too_long", Error, "a domain label is longer than 63 octets";
    EmailBadLocalChar = "email.bad_local_char", Error, "the part before the @ is empty or holds a character not allowed there (space, comma, brackets...)";
    EmailBadDomainChar = "email.bad_domain_char", Error, "the domain is empty or holds a character not allowed in domains";
    EmailDotPosition = "email.dot_position", Error, "a leading, trailing or doubled dot in the local part or the domain";
    EmailNoDot = "email.no_dot", Error, "the domain has no dot";
    EmailBadTld = "email.bad_tld", Error, "the top-level domain is not letters (2 or more) or punycode";
    EmailBadHyphen = "email.bad_hyphen", Error, "a domain label starts or ends with a hyphen";
    EmailQuotedLocal = "email.quoted_local", Error, "a quoted local part (legal in RFC 5321, refused in customer data)";
    EmailIpLiteral = "email.ip_literal", Error, "an IP-address domain (legal in RFC 5321, refused in customer data)";
    PhoneEmpty = "phone.empty", Error, "the phone is empty";
    PhoneNotANumber = "phone.not_a_number", Error, "the phone holds letters or other characters where digits are expected: cannot parse";
    PhoneNoRegion = "phone.no_region", Error, "no country code written and no region known: cannot parse";
    PhoneUnknownRegion = "phone.unknown_region", Error, "the region given for the phone is unknown";
    PhoneUnknownCountryCode = "phone.unknown_country_code", Error, "the written country calling code is assigned to no region";
    PhoneInvalidLength = "phone.invalid_length", Error, "no number of its region has this length";
    PhoneInvalidForRegion = "phone.invalid_for_region", Error, "a possible length, but no number of its region looks like this";
    PhoneUnusual = "phone.unusual", Warning, "a valid number, but an unusual kind for a customer (premium rate, shared cost, VoIP, personal, UAN, or no known kind)";
    CnIdBadLength = "cn_id.bad_length", Error, "a resident ID must have 18 characters (or 15 for first-generation IDs)";
    CnIdBadChar = "cn_id.bad_char", Error, "a resident ID holds a character other than digits and a final X";
    CnIdBadCheckDigit = "cn_id.bad_check_digit", Error, "the resident ID's check character (ISO 7064 MOD 11-2) does not match";
    CnIdBadBirthDate = "cn_id.bad_birth_date", Error, "the birth date in the resident ID does not exist (or is before 1850)";
    CnIdFutureBirthDate = "cn_id.future_birth_date", Error, "the birth date in the resident ID is in the future";
    CnIdBadProvince = "cn_id.bad_province", Error, "the first two digits of the resident ID are no province-level code";
    CnIdFirstGeneration = "cn_id.first_generation", Warning, "a 15-digit first-generation resident ID: valid, convertible to 18 digits";
    CnIdBirthDateMismatch = "cn_id.birth_date_mismatch", Warning, "the record's birth date differs from the one in its resident ID";
    UsccBadLength = "uscc.bad_length", Error, "a Unified Social Credit Code must have 18 characters";
    UsccBadChar = "uscc.bad_char", Error, "a credit code holds a character outside 0-9A-HJ-NPQRTUWXY";
    UsccBadAuthority = "uscc.bad_authority", Error, "the registration-authority code (1st character) is not assigned";
    UsccBadOrgType = "uscc.bad_org_type", Error, "the organisation-type code (2nd character) is not allowed for its authority";
    UsccBadDivision = "uscc.bad_division", Error, "characters 3-8 are not an administrative division code";
    UsccBadOrgCheckChar = "uscc.bad_org_check_char", Error, "the organisation code's own check character (GB 11714) does not match";
    UsccBadCheckChar = "uscc.bad_check_char", Error, "the credit code's final check character does not match";
    DateUnparseable = "date.unparseable", Error, "a date could not be read (the raw text is kept in a custom field)";
    DateFutureBirthDate = "date.future_birth_date", Error, "the birth date is in the future";
    DateImplausibleAge = "date.implausible_age", Warning, "the birth date gives an age over 130 years";
    DateCreatedAfterUpdated = "date.created_after_updated", Error, "the record was created after its last update";
    PostcodeBadFormat = "postcode.bad_format", Error, "the postcode does not fit its country's format";
    PostcodeUnexpected = "postcode.unexpected", Warning, "a postcode is given for a country that has none (HK, MO)";
    PostcodeUnsupportedCountry = "postcode.unsupported_country", Info, "no postcode rule for this country: not checked";
    CountryUnknown = "country.unknown", Error, "not an assigned ISO 3166-1 alpha-2 country code";
    CurrencyUnknown = "currency.unknown", Error, "not an ISO 4217 currency code";
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for IssueCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for IssueCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self::parse(&s))
    }
}

impl From<PhoneError> for IssueCode {
    fn from(e: PhoneError) -> Self {
        Self::parse(e.code())
    }
}

/// One problem found in one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Issue {
    /// The record.
    pub id: CustomerId,
    /// The field path (`phones[1]`, `addresses[0].postcode`, `birth_date`).
    pub field: String,
    /// The code.
    pub code: IssueCode,
    /// How serious.
    pub severity: Severity,
    /// A human message; personal values appear masked only.
    pub message: String,
}

impl Issue {
    fn new(id: &CustomerId, field: impl Into<String>, code: IssueCode, detail: &str) -> Self {
        let message = if detail.is_empty() {
            code.description().to_owned()
        } else {
            format!("{}: {detail}", code.description())
        };
        Self {
            id: id.clone(),
            field: field.into(),
            severity: code.severity(),
            code,
            message,
        }
    }

    /// The issue a cell the importer could not type becomes (`date.unparseable` for dates,
    /// `country.unknown` for a country that is not a code).
    ///
    /// ```
    /// use clientele::import::FieldProblem;
    /// use clientele::validate::{Issue, IssueCode};
    /// use clientele::CustomerId;
    /// let p = FieldProblem { line: 7, field: "birth_date".into(), reason: "no such day".into() };
    /// let issue = Issue::from_import(&CustomerId::new("C7")?, &p);
    /// assert_eq!(issue.code, IssueCode::DateUnparseable);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn from_import(id: &CustomerId, problem: &FieldProblem) -> Self {
        let code = match problem.field.as_str() {
            "country" => IssueCode::CountryUnknown,
            _ => IssueCode::DateUnparseable,
        };
        Self::new(
            id,
            problem.field.clone(),
            code,
            &format!("line {}, {}", problem.line, problem.reason),
        )
    }
}

/// The outcome of validating one record or many.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ValidationReport {
    /// How many records were checked.
    pub records: usize,
    /// Every issue, by record in input order, then by field.
    pub issues: Vec<Issue>,
    /// For each code, how many records have at least one issue of it.
    pub records_per_code: BTreeMap<IssueCode, usize>,
}

impl ValidationReport {
    fn from_issues(records: usize, issues: Vec<Issue>) -> Self {
        let mut records_per_code: BTreeMap<IssueCode, usize> = BTreeMap::new();
        let mut seen: Vec<(&CustomerId, &IssueCode)> =
            issues.iter().map(|i| (&i.id, &i.code)).collect();
        seen.sort();
        seen.dedup();
        for (_, code) in seen {
            *records_per_code.entry(code.clone()).or_default() += 1;
        }
        Self {
            records,
            issues,
            records_per_code,
        }
    }

    /// Adds issues found elsewhere (the importer's, say), keeping issues ordered by record id
    /// then field, and the per-code counts right.
    ///
    /// ```
    /// use clientele::validate::{Issue, ValidationReport};
    /// let mut report = ValidationReport::default();
    /// report.add(Vec::<Issue>::new());
    /// assert!(report.issues.is_empty());
    /// ```
    pub fn add(&mut self, issues: impl IntoIterator<Item = Issue>) {
        let mut all = std::mem::take(&mut self.issues);
        all.extend(issues);
        all.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.field.cmp(&b.field)));
        *self = Self::from_issues(self.records, all);
    }

    /// Whether no issue of severity error was found.
    pub fn is_valid(&self) -> bool {
        !self.issues.iter().any(|i| i.severity == Severity::Error)
    }

    /// Lines such as `3 records: phone.invalid_length`, most frequent first.
    pub fn summary(&self) -> Vec<String> {
        let mut rows: Vec<(&IssueCode, &usize)> = self.records_per_code.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        rows.into_iter()
            .map(|(code, n)| format!("{n} record{}: {code}", if *n == 1 { "" } else { "s" }))
            .collect()
    }
}

/// A field a caller can require: the usual groups ("a name", "a phone") or any field of the
/// field model.
///
/// ```
/// use clientele::model;
/// use clientele::validate::{Field, IssueCode, Requirement, Validator};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let v = Validator::new().require(CustomerKind::Person, vec![Requirement {
///     any_of: vec![Field::Field(model::Field::parse("loyalty_card"))],
///     code: IssueCode::RequiredMissingField,
/// }]);
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("Ann").build();
/// assert_eq!(v.validate(&c).issues[0].field, "loyalty_card");
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Field {
    /// A person's name (any part) or, for companies, the company name.
    Name,
    /// A company name.
    CompanyName,
    /// At least one phone.
    Phone,
    /// At least one email.
    Email,
    /// At least one non-empty address.
    Address,
    /// A birth date.
    BirthDate,
    /// At least one national identifier.
    NationalId,
    /// Any field of the field model, custom fields included (`{"field": "loyalty_card"}`).
    Field(model::Field),
}

impl Field {
    fn filled(&self, c: &Customer) -> bool {
        let group = |g: FieldGroup| g.fields().any(|f| f.is_filled(c));
        match self {
            Self::Name => group(FieldGroup::PersonName) || model::Field::CompanyName.is_filled(c),
            Self::CompanyName => model::Field::CompanyName.is_filled(c),
            Self::Phone => model::Field::Phone.is_filled(c),
            Self::Email => model::Field::Email.is_filled(c),
            Self::Address => group(FieldGroup::Addresses),
            Self::BirthDate => model::Field::BirthDate.is_filled(c),
            Self::NationalId => model::Field::NationalId.is_filled(c),
            Self::Field(f) => f.is_filled(c),
        }
    }

    fn name(&self) -> &str {
        match self {
            Self::Name => "name",
            Self::CompanyName => "company_name",
            Self::Phone => "phones",
            Self::Email => "emails",
            Self::Address => "addresses",
            Self::BirthDate => "birth_date",
            Self::NationalId => "national_ids",
            Self::Field(f) => f.name(),
        }
    }
}

/// What records of one kind must have: every group needs at least one of its fields filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// The fields, at least one of which must be filled.
    pub any_of: Vec<Field>,
    /// The code reported when none is.
    pub code: IssueCode,
}

/// A caller-defined check of a whole record; returns `(field, detail)` for each finding.
type CheckFn = dyn Fn(&Customer) -> Vec<(String, String)> + Send + Sync;

#[derive(Clone)]
struct CustomRule {
    code: IssueCode,
    severity: Severity,
    check: Arc<CheckFn>,
}

/// The record validator; see the [module docs](self).
#[derive(Clone)]
pub struct Validator {
    today: NaiveDate,
    default_region: Option<String>,
    person: Vec<Requirement>,
    company: Vec<Requirement>,
    custom: Vec<CustomRule>,
    normalizer: Normalizer,
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Validator")
            .field("today", &self.today)
            .field("default_region", &self.default_region)
            .field("person", &self.person)
            .field("company", &self.company)
            .field("custom_rules", &self.custom.len())
            .finish()
    }
}

impl Default for Validator {
    fn default() -> Self {
        Self::new()
    }
}

impl Validator {
    /// The built-in rules: a person needs a name and a phone or an email; a company needs a
    /// name; dates are judged as of today (UTC); phones without a country code use the record's
    /// country.
    pub fn new() -> Self {
        Self {
            today: Utc::now().date_naive(),
            default_region: None,
            person: vec![
                Requirement {
                    any_of: vec![Field::Name],
                    code: IssueCode::RequiredMissingName,
                },
                Requirement {
                    any_of: vec![Field::Phone, Field::Email],
                    code: IssueCode::RequiredMissingContact,
                },
            ],
            company: vec![Requirement {
                any_of: vec![Field::CompanyName],
                code: IssueCode::RequiredMissingCompanyName,
            }],
            custom: Vec::new(),
            normalizer: Normalizer::default(),
        }
    }

    /// Judges dates as of this day (for reproducible reports).
    #[must_use]
    pub fn as_of(mut self, today: NaiveDate) -> Self {
        self.today = today;
        self
    }

    /// The region for phones written without a country code, when the record has no country.
    #[must_use]
    pub fn default_region(mut self, region: &str) -> Self {
        self.default_region = Some(region.trim().to_ascii_uppercase());
        self
    }

    /// Replaces the requirements for one kind of customer.
    ///
    /// ```
    /// use clientele::validate::{Field, IssueCode, Requirement, Validator};
    /// use clientele::CustomerKind;
    /// let v = Validator::new().require(CustomerKind::Company, vec![
    ///     Requirement { any_of: vec![Field::CompanyName], code: IssueCode::RequiredMissingCompanyName },
    ///     Requirement { any_of: vec![Field::NationalId], code: IssueCode::RequiredMissingField },
    /// ]);
    /// # let _ = v;
    /// ```
    #[must_use]
    pub fn require(mut self, kind: CustomerKind, requirements: Vec<Requirement>) -> Self {
        match kind {
            CustomerKind::Person => self.person = requirements,
            CustomerKind::Company => self.company = requirements,
        }
        self
    }

    /// Adds a caller-defined rule: a function returning `(field, detail)` per finding, reported
    /// with the caller's code and severity. The detail must not hold full personal values.
    ///
    /// ```
    /// use clientele::validate::{Severity, Validator};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let v = Validator::new().rule_fn("crm.no_source", Severity::Warning, |c: &Customer| {
    ///     if c.source.is_none() { vec![("source".into(), "every record needs its source system".into())] } else { vec![] }
    /// });
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Company).company_name("Acme").build();
    /// assert_eq!(v.validate(&c).issues[0].code.as_str(), "crm.no_source");
    /// # Ok::<(), clientele::Error>(())
    /// ```
    #[must_use]
    pub fn rule_fn<F>(mut self, code: &str, severity: Severity, check: F) -> Self
    where
        F: Fn(&Customer) -> Vec<(String, String)> + Send + Sync + 'static,
    {
        self.custom.push(CustomRule {
            code: IssueCode::parse(code),
            severity,
            check: Arc::new(check),
        });
        self
    }

    /// Adds a caller-defined rule requiring every value of a field, when present, to match a
    /// regex (whole value). The field is named as the field model names it
    /// ([`model::Field::parse`]):
    /// a custom field (`loyalty_card`, reported as `custom.loyalty_card`) or a built-in one
    /// (`postcode`, `owner`).
    ///
    /// # Errors
    /// [`Error::InvalidValue`] when the regex does not compile.
    ///
    /// ```
    /// use clientele::validate::{Severity, Validator};
    /// use clientele::model::CustomValue;
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let v = Validator::new().rule_regex("loyalty_card", r"LC-\d{6}", "crm.bad_card", Severity::Error, "loyalty cards are LC- and six digits")?;
    /// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Company)
    ///     .company_name("Acme").custom("loyalty_card", CustomValue::Text("LC-12".into())).build();
    /// assert_eq!(v.validate(&c).issues[0].message, "loyalty cards are LC- and six digits");
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn rule_regex(
        self,
        field: &str,
        pattern: &str,
        code: &str,
        severity: Severity,
        message: &str,
    ) -> Result<Self, Error> {
        let re = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| Error::InvalidValue {
            field: "pattern".to_owned(),
            reason: e.to_string(),
            masked: String::new(),
        })?;
        let field = model::Field::parse(field);
        let reported = match &field {
            model::Field::Custom(name) => format!("custom.{name}"),
            built_in => built_in.name().to_owned(),
        };
        let message = message.to_owned();
        Ok(self.rule_fn(code, severity, move |c: &Customer| {
            if field.texts(c).iter().any(|v| !re.is_match(v)) {
                vec![(reported.clone(), message.clone())]
            } else {
                Vec::new()
            }
        }))
    }

    /// Validates one record.
    pub fn validate(&self, c: &Customer) -> ValidationReport {
        ValidationReport::from_issues(1, self.issues(c))
    }

    /// Validates a batch in parallel; issues come in input order.
    pub fn validate_all(&self, customers: &[Customer]) -> ValidationReport {
        let issues: Vec<Issue> = customers
            .par_iter()
            .flat_map_iter(|c| self.issues(c))
            .collect();
        ValidationReport::from_issues(customers.len(), issues)
    }

    /// Validates every record of a store, batch by batch.
    ///
    /// # Errors
    /// The store's own errors.
    pub fn validate_store<S: CustomerStore + ?Sized>(
        &self,
        store: &S,
    ) -> Result<ValidationReport, S::Error> {
        let mut records = 0;
        let mut issues = Vec::new();
        for batch in batches(store, 4096) {
            let batch = batch?;
            records += batch.len();
            issues.extend(self.validate_all(&batch).issues);
        }
        Ok(ValidationReport::from_issues(records, issues))
    }

    /// Every issue of one record.
    fn issues(&self, c: &Customer) -> Vec<Issue> {
        let mut out = Vec::new();
        let id = &c.id;
        let requirements = match c.kind {
            CustomerKind::Person => &self.person,
            CustomerKind::Company => &self.company,
        };
        for r in requirements {
            if !r.any_of.iter().any(|f| f.filled(c)) {
                let fields: Vec<&str> = r.any_of.iter().map(|f| f.name()).collect();
                out.push(Issue::new(id, fields.join("|"), r.code.clone(), ""));
            }
        }

        let region = c
            .addresses
            .iter()
            .filter_map(|a| a.country)
            .map(|cc| cc.as_str().to_owned())
            .find(|cc| crate::normalize::phone::country_code_of(cc).is_some())
            .or_else(|| self.default_region.clone());
        for (i, p) in c.phones.iter().enumerate() {
            let field = format!("phones[{i}]");
            match self.normalizer.phone(&p.number, region.as_deref()) {
                Ok(n) if !n.valid => out.push(Issue::new(
                    id,
                    field,
                    IssueCode::PhoneInvalidForRegion,
                    &format!("{} in {}", mask_phone(&p.number), n.region),
                )),
                Ok(n) if !n.kind.is_usual() => out.push(Issue::new(
                    id,
                    field,
                    IssueCode::PhoneUnusual,
                    &format!("{} is {:?}", mask_phone(&p.number), n.kind),
                )),
                Ok(_) => {}
                Err(e) => out.push(Issue::new(id, field, e.into(), &mask_phone(&p.number))),
            }
        }
        for (i, e) in c.emails.iter().enumerate() {
            let text = self
                .normalizer
                .normalize(FieldKind::Email, &e.address)
                .canonical;
            if let Err(code) = check_email(&text) {
                out.push(Issue::new(
                    id,
                    format!("emails[{i}]"),
                    code,
                    &mask_email(&text),
                ));
            }
        }
        for (i, n) in c.national_ids.iter().enumerate() {
            let field = format!("national_ids[{i}]");
            match n.kind {
                NationalIdKind::CnResidentId => match check_cn_resident_id(&n.value, self.today) {
                    Ok(rid) => {
                        if rid.first_generation {
                            out.push(Issue::new(
                                id,
                                field.clone(),
                                IssueCode::CnIdFirstGeneration,
                                &mask_id(&n.value),
                            ));
                        }
                        if c.birth_date.is_some_and(|b| b != rid.birth_date) {
                            out.push(Issue::new(id, field, IssueCode::CnIdBirthDateMismatch, ""));
                        }
                    }
                    Err(code) => out.push(Issue::new(id, field, code, &mask_id(&n.value))),
                },
                NationalIdKind::CnUscc => {
                    if let Err(code) = check_uscc(&n.value) {
                        out.push(Issue::new(id, field, code, &mask_id(&n.value)));
                    }
                }
                _ => {}
            }
        }
        if let Some(b) = c.birth_date {
            if b > self.today {
                out.push(Issue::new(
                    id,
                    "birth_date",
                    IssueCode::DateFutureBirthDate,
                    &b.year().to_string(),
                ));
            } else if self.today.year() - b.year() > 130 {
                out.push(Issue::new(
                    id,
                    "birth_date",
                    IssueCode::DateImplausibleAge,
                    &b.year().to_string(),
                ));
            }
        }
        if c.created_at > c.updated_at {
            out.push(Issue::new(
                id,
                "created_at",
                IssueCode::DateCreatedAfterUpdated,
                "",
            ));
        }
        for (i, a) in c.addresses.iter().enumerate() {
            if let Some(cc) = a.country {
                if !is_country(cc.as_str()) {
                    out.push(Issue::new(
                        id,
                        format!("addresses[{i}].country"),
                        IssueCode::CountryUnknown,
                        cc.as_str(),
                    ));
                    continue;
                }
                if let Some(pc) = a.postcode.as_deref().filter(|p| !p.trim().is_empty())
                    && let Err(code) = check_postcode(pc, cc.as_str())
                {
                    out.push(Issue::new(
                        id,
                        format!("addresses[{i}].postcode"),
                        code,
                        &format!("{} for {cc}", mask_value(pc)),
                    ));
                }
            }
        }
        for rule in &self.custom {
            for (field, detail) in (rule.check)(c) {
                out.push(Issue {
                    id: id.clone(),
                    field,
                    code: rule.code.clone(),
                    severity: rule.severity,
                    message: detail,
                });
            }
        }
        out
    }
}
