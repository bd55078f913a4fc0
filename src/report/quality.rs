//! The data-quality scorecard of the periodic review (定期审查): completeness per field,
//! validity per validation code, duplicates, outdated records and contacts, consent coverage,
//! and the change between two scorecards.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::kpi::share;
use crate::dedupe::Cluster;
use crate::error::{Error, Result};
use crate::model::{ConsentPurpose, ConsentStatus, Customer, CustomerKind, Field, FieldGroup};
use crate::privacy::{is_erased, may_contact};
use crate::segment::window_start;
use crate::store::{CustomerStore, batches};
use crate::validate::{IssueCode, Severity, ValidationReport, Validator};

/// How many records the store path reads per batch.
const STORE_BATCH: usize = 4_096;

/// The scorecard's windows and fields.
///
/// ```
/// use clientele::report::QualityConfig;
/// let c = QualityConfig::default();
/// assert_eq!((c.stale_after_days, c.verify_within_days), (365, 365));
/// assert!(c.fields.is_none()); // every built-in field but id, kind and timestamps, and every custom field seen
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QualityConfig {
    /// A record not updated for more than this many days is outdated (default 365).
    pub stale_after_days: u32,
    /// A phone, email or address not verified within this many days (or never) is unverified
    /// (default 365).
    pub verify_within_days: u32,
    /// The fields whose completeness is measured; `None`: every built-in field except `id`,
    /// `kind`, `created_at` and `updated_at` (always filled), then every custom field that
    /// some record has, by name.
    pub fields: Option<Vec<Field>>,
}

impl Default for QualityConfig {
    fn default() -> Self {
        Self {
            stale_after_days: 365,
            verify_within_days: 365,
            fields: None,
        }
    }
}

/// How often one field is filled, among the records it applies to: person-name fields and the
/// birth date apply to persons, company-name fields to companies, every other field to all.
///
/// ```
/// use clientele::model::Field;
/// use clientele::report::FieldCompleteness;
/// let f = FieldCompleteness { field: Field::Email, applicable: 4, filled: 3, rate: Some(0.75) };
/// assert_eq!(serde_json::to_value(&f).unwrap()["field"], "email");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldCompleteness {
    /// The field.
    pub field: Field,
    /// Records the field applies to.
    pub applicable: usize,
    /// Of those, records with a non-empty value.
    pub filled: usize,
    /// `filled / applicable`.
    pub rate: Option<f64>,
}

/// Records free of one validation code.
///
/// ```
/// use clientele::report::CodeValidity;
/// use clientele::validate::{IssueCode, Severity};
/// let c = CodeValidity { code: IssueCode::EmailMissingAt, severity: Severity::Error, records: 1, validity_rate: Some(0.9) };
/// assert_eq!(serde_json::to_value(&c).unwrap()["code"], "email.missing_at");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeValidity {
    /// The code.
    pub code: IssueCode,
    /// Its severity.
    pub severity: Severity,
    /// Records with at least one issue of the code.
    pub records: usize,
    /// The share of records without it.
    pub validity_rate: Option<f64>,
}

/// Validation figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Validity {
    /// Records without an issue of severity error.
    pub valid_records: usize,
    /// `valid_records / records`.
    pub valid_rate: Option<f64>,
    /// Per code found, most frequent first.
    pub codes: Vec<CodeValidity>,
}

/// Duplicate figures, from clusters of a duplicate-detection run (`dedupe::Deduplicator`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Duplicates {
    /// Clusters of two records or more.
    pub clusters: usize,
    /// Records in them.
    pub records_in_clusters: usize,
    /// Records a merge of every cluster would absorb (each cluster's size less one).
    pub absorbed: usize,
    /// `absorbed / records`: the share of records that are extra copies.
    pub duplicate_rate: Option<f64>,
}

/// Outdated information: records not updated, contacts not re-verified, within the windows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Staleness {
    /// [`QualityConfig::stale_after_days`].
    pub stale_after_days: u32,
    /// [`QualityConfig::verify_within_days`].
    pub verify_within_days: u32,
    /// Records whose `updated_at` is older than the window.
    pub not_updated: usize,
    /// Phones, emails and addresses held.
    pub contacts: usize,
    /// Of those, never verified or verified before the window.
    pub contacts_unverified: usize,
    /// Records with at least one unverified contact.
    pub records_with_unverified_contact: usize,
    /// Records outdated or with an unverified contact: the review's work.
    pub stale_records: usize,
    /// `stale_records / records`.
    pub stale_rate: Option<f64>,
    /// `contacts_unverified / contacts`.
    pub unverified_rate: Option<f64>,
}

/// Consent coverage for marketing as of the date (`privacy::may_contact`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConsentCoverage {
    /// Records that may be contacted for marketing.
    pub contactable: usize,
    /// Records whose marketing consent was withdrawn (latest event).
    pub withdrawn: usize,
    /// Records with no marketing consent event.
    pub never_asked: usize,
    /// Erased records (tombstones).
    pub erased: usize,
    /// `contactable / records`.
    pub contactable_rate: Option<f64>,
}

/// The data-quality scorecard as of a date. Two scorecards compare with
/// [`Scorecard::change_since`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// The date.
    pub as_of: DateTime<Utc>,
    /// Records reviewed.
    pub records: usize,
    /// Per field.
    pub completeness: Vec<FieldCompleteness>,
    /// Per validation code.
    pub validity: Validity,
    /// Duplicates, when clusters were given.
    pub duplicates: Option<Duplicates>,
    /// Outdated records and contacts.
    pub staleness: Staleness,
    /// Marketing consent.
    pub consent: ConsentCoverage,
}

/// One figure of two scorecards.
///
/// ```
/// use clientele::report::RateChange;
/// let c = RateChange::new("valid_rate", Some(0.8), Some(0.9));
/// assert!((c.change.unwrap() - 0.1).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateChange {
    /// What is measured (`valid_rate`, `completeness.email`, `validity.email.missing_at`).
    pub name: String,
    /// In the earlier scorecard.
    pub before: Option<f64>,
    /// In the later one.
    pub after: Option<f64>,
    /// `after - before`, when both are known.
    pub change: Option<f64>,
}

impl RateChange {
    /// A change from two values.
    pub fn new(name: impl Into<String>, before: Option<f64>, after: Option<f64>) -> Self {
        let change = before.zip(after).map(|(b, a)| a - b);
        Self {
            name: name.into(),
            before,
            after,
            change,
        }
    }
}

/// What changed between two scorecards: the headline rates, then completeness per field and
/// validity per code (a field or code present in only one scorecard has one side `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorecardChange {
    /// The earlier scorecard's date.
    pub from: DateTime<Utc>,
    /// The later one's.
    pub to: DateTime<Utc>,
    /// Records in the later less records in the earlier.
    pub records: i64,
    /// `valid_rate`, `duplicate_rate`, `stale_rate`, `unverified_rate`, `contactable_rate`.
    pub headline: Vec<RateChange>,
    /// `completeness.<field>`.
    pub completeness: Vec<RateChange>,
    /// `validity.<code>`.
    pub validity: Vec<RateChange>,
}

impl Scorecard {
    /// The change from an earlier scorecard to this one.
    ///
    /// ```
    /// use chrono::Utc;
    /// use clientele::report::{QualityConfig, scorecard};
    /// use clientele::validate::Validator;
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let v = Validator::new();
    /// let ann = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("Ann").build();
    /// let before = scorecard(&[ann.clone()], &v, None, &QualityConfig::default(), Utc::now());
    /// let mut fixed = ann.clone();
    /// fixed.emails = vec![clientele::model::Email::new("ann@example.com")];
    /// let after = scorecard(&[fixed], &v, None, &QualityConfig::default(), Utc::now());
    /// let change = after.change_since(&before);
    /// let valid = change.headline.iter().find(|c| c.name == "valid_rate").unwrap();
    /// assert_eq!((valid.before, valid.after), (Some(0.0), Some(1.0)));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn change_since(&self, earlier: &Scorecard) -> ScorecardChange {
        let headline = |s: &Scorecard| {
            [
                ("valid_rate", s.validity.valid_rate),
                (
                    "duplicate_rate",
                    s.duplicates.and_then(|d| d.duplicate_rate),
                ),
                ("stale_rate", s.staleness.stale_rate),
                ("unverified_rate", s.staleness.unverified_rate),
                ("contactable_rate", s.consent.contactable_rate),
            ]
        };
        let headline = headline(earlier)
            .into_iter()
            .zip(headline(self))
            .map(|((name, b), (_, a))| RateChange::new(name, b, a))
            .collect();
        let fields = |s: &Scorecard| -> BTreeMap<String, Option<f64>> {
            s.completeness
                .iter()
                .map(|f| (format!("completeness.{}", f.field), f.rate))
                .collect()
        };
        let codes = |s: &Scorecard| -> BTreeMap<String, Option<f64>> {
            s.validity
                .codes
                .iter()
                .map(|c| (format!("validity.{}", c.code), c.validity_rate))
                .collect()
        };
        ScorecardChange {
            from: earlier.as_of,
            to: self.as_of,
            records: i64::try_from(self.records).unwrap_or(i64::MAX)
                - i64::try_from(earlier.records).unwrap_or(i64::MAX),
            headline,
            completeness: pair_up(fields(earlier), fields(self)),
            validity: pair_up(codes(earlier), codes(self)),
        }
    }
}

fn pair_up(
    mut before: BTreeMap<String, Option<f64>>,
    after: BTreeMap<String, Option<f64>>,
) -> Vec<RateChange> {
    let mut out: Vec<RateChange> = after
        .into_iter()
        .map(|(name, a)| {
            let b = before.remove(&name).flatten();
            RateChange::new(name, b, a)
        })
        .collect();
    out.extend(
        before
            .into_iter()
            .map(|(name, b)| RateChange::new(name, b, None)),
    );
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Counts added up over records.
#[derive(Debug, Clone, Default)]
struct QualityTally {
    records: usize,
    persons: usize,
    companies: usize,
    /// Filled counts of the configured (or built-in) fields, in order.
    filled: Vec<usize>,
    /// Filled counts of custom fields by name (when no fields are configured).
    custom: BTreeMap<String, usize>,
    not_updated: usize,
    contacts: usize,
    contacts_unverified: usize,
    records_with_unverified_contact: usize,
    stale_records: usize,
    contactable: usize,
    withdrawn: usize,
    never_asked: usize,
    erased: usize,
}

impl QualityTally {
    fn merge(mut self, o: Self) -> Self {
        self.records += o.records;
        self.persons += o.persons;
        self.companies += o.companies;
        if self.filled.len() < o.filled.len() {
            self.filled.resize(o.filled.len(), 0);
        }
        for (a, b) in self.filled.iter_mut().zip(&o.filled) {
            *a += b;
        }
        for (k, v) in o.custom {
            *self.custom.entry(k).or_default() += v;
        }
        self.not_updated += o.not_updated;
        self.contacts += o.contacts;
        self.contacts_unverified += o.contacts_unverified;
        self.records_with_unverified_contact += o.records_with_unverified_contact;
        self.stale_records += o.stale_records;
        self.contactable += o.contactable;
        self.withdrawn += o.withdrawn;
        self.never_asked += o.never_asked;
        self.erased += o.erased;
        self
    }
}

/// The fields measured when none are configured.
fn default_fields() -> Vec<Field> {
    Field::built_in()
        .filter(|f| {
            !matches!(
                f,
                Field::Id | Field::Kind | Field::CreatedAt | Field::UpdatedAt
            )
        })
        .collect()
}

/// The kind of record a field applies to (`None`: every record).
fn applies_to(field: &Field) -> Option<CustomerKind> {
    match field.group() {
        FieldGroup::PersonName | FieldGroup::BirthDate => Some(CustomerKind::Person),
        FieldGroup::CompanyName => Some(CustomerKind::Company),
        _ => None,
    }
}

struct Reviewer<'a> {
    fields: Vec<Field>,
    with_custom: bool,
    config: &'a QualityConfig,
    as_of: DateTime<Utc>,
}

impl<'a> Reviewer<'a> {
    fn new(config: &'a QualityConfig, as_of: DateTime<Utc>) -> Self {
        Self {
            fields: config.fields.clone().unwrap_or_else(default_fields),
            with_custom: config.fields.is_none(),
            config,
            as_of,
        }
    }

    fn tally(&self) -> QualityTally {
        QualityTally {
            filled: vec![0; self.fields.len()],
            ..QualityTally::default()
        }
    }

    fn observe(&self, c: &Customer, t: &mut QualityTally) {
        t.records += 1;
        match c.kind {
            CustomerKind::Person => t.persons += 1,
            CustomerKind::Company => t.companies += 1,
        }
        for (f, n) in self.fields.iter().zip(t.filled.iter_mut()) {
            if applies_to(f).is_none_or(|k| k == c.kind) && f.is_filled(c) {
                *n += 1;
            }
        }
        if self.with_custom {
            for (name, v) in &c.custom {
                if !v.to_text().trim().is_empty() {
                    *t.custom.entry(name.clone()).or_default() += 1;
                }
            }
        }
        let updated_since = window_start(self.as_of, self.config.stale_after_days);
        let verified_since = window_start(self.as_of, self.config.verify_within_days);
        let outdated = c.updated_at < updated_since;
        let verified = c
            .phones
            .iter()
            .map(|p| p.verified_at)
            .chain(c.emails.iter().map(|e| e.verified_at))
            .chain(c.addresses.iter().map(|a| a.verified_at));
        let (mut held, mut unverified) = (0, 0);
        for v in verified {
            held += 1;
            if v.is_none_or(|at| at < verified_since) {
                unverified += 1;
            }
        }
        t.not_updated += usize::from(outdated);
        t.contacts += held;
        t.contacts_unverified += unverified;
        t.records_with_unverified_contact += usize::from(unverified > 0);
        t.stale_records += usize::from(outdated || unverified > 0);
        let erased = is_erased(c);
        t.erased += usize::from(erased);
        if may_contact(c, &ConsentPurpose::Marketing, self.as_of) {
            t.contactable += 1;
        }
        let latest = c
            .consents
            .iter()
            .filter(|e| e.purpose == ConsentPurpose::Marketing && e.at <= self.as_of)
            .max_by_key(|e| e.at);
        match latest {
            None => t.never_asked += 1,
            Some(e) if e.status == ConsentStatus::Withdrawn => t.withdrawn += 1,
            Some(_) => {}
        }
    }

    fn observe_all(&self, customers: &[Customer]) -> QualityTally {
        customers
            .par_iter()
            .fold(
                || self.tally(),
                |mut t, c| {
                    self.observe(c, &mut t);
                    t
                },
            )
            .reduce(|| self.tally(), QualityTally::merge)
    }

    fn finish(
        &self,
        t: QualityTally,
        report: &ValidationReport,
        clusters: Option<&[Cluster]>,
    ) -> Scorecard {
        let applicable = |f: &Field| match applies_to(f) {
            Some(CustomerKind::Person) => t.persons,
            Some(CustomerKind::Company) => t.companies,
            None => t.records,
        };
        let mut completeness: Vec<FieldCompleteness> = self
            .fields
            .iter()
            .zip(&t.filled)
            .map(|(f, n)| FieldCompleteness {
                field: f.clone(),
                applicable: applicable(f),
                filled: *n,
                rate: share(*n, applicable(f)),
            })
            .collect();
        completeness.extend(t.custom.iter().map(|(name, n)| FieldCompleteness {
            field: Field::Custom(name.clone()),
            applicable: t.records,
            filled: *n,
            rate: share(*n, t.records),
        }));
        let duplicates = clusters.map(|cs| {
            let big = cs.iter().filter(|c| c.members.len() >= 2);
            let (clusters, records) = big.fold((0, 0), |(n, r), c| (n + 1, r + c.members.len()));
            Duplicates {
                clusters,
                records_in_clusters: records,
                absorbed: records - clusters,
                duplicate_rate: share(records - clusters, t.records),
            }
        });
        Scorecard {
            as_of: self.as_of,
            records: t.records,
            completeness,
            validity: validity(report, t.records),
            duplicates,
            staleness: Staleness {
                stale_after_days: self.config.stale_after_days,
                verify_within_days: self.config.verify_within_days,
                not_updated: t.not_updated,
                contacts: t.contacts,
                contacts_unverified: t.contacts_unverified,
                records_with_unverified_contact: t.records_with_unverified_contact,
                stale_records: t.stale_records,
                stale_rate: share(t.stale_records, t.records),
                unverified_rate: share(t.contacts_unverified, t.contacts),
            },
            consent: ConsentCoverage {
                contactable: t.contactable,
                withdrawn: t.withdrawn,
                never_asked: t.never_asked,
                erased: t.erased,
                contactable_rate: share(t.contactable, t.records),
            },
        }
    }
}

fn validity(report: &ValidationReport, records: usize) -> Validity {
    let mut invalid: Vec<&crate::model::CustomerId> = report
        .issues
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| &i.id)
        .collect();
    invalid.sort();
    invalid.dedup();
    let mut codes: Vec<CodeValidity> = report
        .records_per_code
        .iter()
        .map(|(code, n)| CodeValidity {
            code: code.clone(),
            severity: code.severity(),
            records: *n,
            validity_rate: share(records.saturating_sub(*n), records),
        })
        .collect();
    codes.sort_by(|a, b| b.records.cmp(&a.records).then_with(|| a.code.cmp(&b.code)));
    let valid = records.saturating_sub(invalid.len());
    Validity {
        valid_records: valid,
        valid_rate: share(valid, records),
        codes,
    }
}

/// The data-quality scorecard of records as of `as_of`: completeness per field, validity per
/// code (by `validator`; give it [`Validator::as_of`] the same day for reproducible figures),
/// duplicates when the clusters of a duplicate-detection run are given, outdated records and
/// contacts by [`QualityConfig`]'s windows, and marketing consent coverage.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use clientele::model::{ConsentPurpose, ConsentStatus, Field};
/// use clientele::report::{QualityConfig, scorecard};
/// use clientele::validate::Validator;
/// use clientele::{Customer, CustomerId, CustomerKind};
///
/// let as_of = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
/// let ann = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .full_name("Ann Lee").email("ann@example.com")
///     .consent(ConsentPurpose::Marketing, ConsentStatus::Given, as_of - Duration::days(9), "web")
///     .updated_at(as_of - Duration::days(30))
///     .build();
/// let bob = Customer::builder(CustomerId::new("C2")?, CustomerKind::Person).full_name("Bob").build();
/// let card = scorecard(&[ann, bob], &Validator::new(), None, &QualityConfig::default(), as_of);
/// let email = card.completeness.iter().find(|f| f.field == Field::Email).unwrap();
/// assert_eq!((email.filled, email.applicable), (1, 2));
/// assert_eq!(card.validity.valid_records, 1); // Bob has neither phone nor email
/// assert_eq!(card.consent.contactable, 1);
/// assert_eq!(card.staleness.not_updated, 1); // Bob's record was never updated
/// assert_eq!(card.staleness.contacts_unverified, 1); // Ann's email was never verified
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn scorecard(
    customers: &[Customer],
    validator: &Validator,
    clusters: Option<&[Cluster]>,
    config: &QualityConfig,
    as_of: DateTime<Utc>,
) -> Scorecard {
    let reviewer = Reviewer::new(config, as_of);
    let tally = reviewer.observe_all(customers);
    let report = validator.validate_all(customers);
    reviewer.finish(tally, &report, clusters)
}

/// [`scorecard`] over a store, read in batches; the same figures as [`scorecard`] on the same
/// records.
///
/// # Errors
/// The store's errors (the first one met).
///
/// ```
/// use chrono::Utc;
/// use clientele::report::{QualityConfig, scorecard_store};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::validate::Validator;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let mut store = MemoryStore::new();
/// store.put(Customer::builder(CustomerId::new("C1")?, CustomerKind::Company).company_name("Acme").build())?;
/// let card = scorecard_store(&store, &Validator::new(), None, &QualityConfig::default(), Utc::now())?;
/// assert_eq!((card.records, card.validity.valid_records), (1, 1));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn scorecard_store<S>(
    store: &S,
    validator: &Validator,
    clusters: Option<&[Cluster]>,
    config: &QualityConfig,
    as_of: DateTime<Utc>,
) -> Result<Scorecard>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let reviewer = Reviewer::new(config, as_of);
    let mut tally = reviewer.tally();
    let mut report = ValidationReport::default();
    for batch in batches(store, STORE_BATCH) {
        let batch = batch?;
        tally = tally.merge(reviewer.observe_all(&batch));
        let part = validator.validate_all(&batch);
        report.records += part.records;
        for (code, n) in part.records_per_code {
            *report.records_per_code.entry(code).or_default() += n;
        }
        report.issues.extend(
            part.issues
                .into_iter()
                .filter(|i| i.severity == Severity::Error),
        );
    }
    Ok(reviewer.finish(tally, &report, clusters))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_apply_to_their_kind() {
        assert_eq!(applies_to(&Field::GivenName), Some(CustomerKind::Person));
        assert_eq!(applies_to(&Field::TradingName), Some(CustomerKind::Company));
        assert_eq!(applies_to(&Field::Email), None);
        assert!(!default_fields().contains(&Field::Id));
    }

    #[test]
    fn a_code_only_in_one_scorecard_keeps_its_other_side_empty() {
        let before = BTreeMap::from([("validity.a".to_owned(), Some(0.5))]);
        let after = BTreeMap::from([("validity.b".to_owned(), Some(1.0))]);
        let rows = pair_up(before, after);
        assert_eq!(rows[0], RateChange::new("validity.a", Some(0.5), None));
        assert_eq!(rows[1], RateChange::new("validity.b", None, Some(1.0)));
    }
}
