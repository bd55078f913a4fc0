//! Planning a merge: survivor, field-by-field survivorship and provenance, before any write.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::rules::{FieldRule, SurvivorRule};
use crate::error::{Error, Result};
use crate::model::{
    Activity, Customer, CustomerId, Discarded, Field, FieldGroup, FieldValue, MergeId, MergeRecord,
    RecordSnapshot,
};
use crate::normalize::{FieldKind, Normalizer, national_id_key};
use crate::store::{Change, CustomerStore};
use crate::validate::{Severity, Validator};

/// The merger: a survivor rule and a survivorship rule per field, with the normalizer that
/// decides which values repeat and the validator behind [`FieldRule::ValidOnly`].
///
/// Rules are set per group of the field model ([`FieldGroup`]), and for a custom field by name
/// ([`Merger::field_rule`] with [`Field::Custom`]). Defaults: the oldest record survives; names
/// take the most complete value; phones, emails, addresses, identifiers and tags take the
/// union; birth date the most frequent value; custom fields the most recent value; kind,
/// source, industry and ownership (owner and team together) the survivor's (the most recent
/// when the survivor has none). Three groups have fixed rules: the id is the survivor's,
/// consents are always the union of every record's history (it is legal evidence), and of the
/// timestamps `created_at` is the earliest and `updated_at` the merge time. Every value that
/// does not survive is kept in the merge record ([`MergeRecord::discarded`]), and every input
/// whole ([`MergeRecord::before`]).
///
/// # Examples
/// ```
/// use clientele::merge::{FieldRule, Merger, SurvivorRule};
/// use clientele::model::{Field, FieldGroup};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// use chrono::{TimeZone, Utc};
///
/// let t = |d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap();
/// let store = MemoryStore::new();
/// store.put(Customer::builder(CustomerId::new("A")?, CustomerKind::Person)
///     .full_name("Wei Zhang").phone("+86 138 0013 5678").created_at(t(1)).build())?;
/// store.put(Customer::builder(CustomerId::new("B")?, CustomerKind::Person)
///     .full_name("Zhang Wei").phone("13800135678").email("wei@example.com").created_at(t(5)).build())?;
///
/// let merger = Merger::new()
///     .survivor(SurvivorRule::Oldest)
///     .rule(FieldGroup::PersonName, FieldRule::MostRecent)
///     .field_rule(&Field::Custom("loyalty_points".into()), FieldRule::MostFrequent)
///     .default_region("CN");
/// let cluster = [CustomerId::new("A")?, CustomerId::new("B")?];
/// let plan = merger.plan(&store, &cluster, t(9))?;
/// // Inspect before applying: A survives, B's repeated phone is not kept twice.
/// assert_eq!(plan.survivor.as_str(), "A");
/// assert_eq!(plan.merged.customer.phones.len(), 1);
/// assert_eq!(plan.merged.customer.emails.len(), 1);
/// assert_eq!(plan.merged.customer.display_name(), "Zhang Wei");
///
/// let events = clientele::merge::apply_plan(&store, &plan)?;
/// assert_eq!(store.len()?, 1);
/// assert_eq!(events.len(), 2);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Merger {
    survivor: SurvivorRule,
    rules: BTreeMap<FieldGroup, FieldRule>,
    custom_rules: BTreeMap<String, FieldRule>,
    normalizer: Normalizer,
    validator: Validator,
    region: Option<String>,
}

impl Default for Merger {
    fn default() -> Self {
        Self::new()
    }
}

impl Merger {
    /// The default rules (see the type's documentation).
    pub fn new() -> Self {
        let rules = DECIDED
            .into_iter()
            .map(|f| {
                let rule = match f {
                    FieldGroup::Kind
                    | FieldGroup::Source
                    | FieldGroup::Industry
                    | FieldGroup::Ownership => FieldRule::Survivor,
                    FieldGroup::PersonName | FieldGroup::CompanyName => FieldRule::MostComplete,
                    FieldGroup::BirthDate => FieldRule::MostFrequent,
                    FieldGroup::Custom => FieldRule::MostRecent,
                    _ => FieldRule::Union,
                };
                (f, rule)
            })
            .collect();
        Self {
            survivor: SurvivorRule::Oldest,
            rules,
            custom_rules: BTreeMap::new(),
            normalizer: Normalizer::default(),
            validator: Validator::new(),
            region: None,
        }
    }

    /// Sets the survivor rule.
    #[must_use]
    pub fn survivor(mut self, rule: SurvivorRule) -> Self {
        self.survivor = rule;
        self
    }

    /// Sets the rule of one group of fields (a group is decided whole: a person's name, an
    /// address). The id, consents and timestamps have fixed rules (see the type's
    /// documentation); a rule given for them is not used.
    #[must_use]
    pub fn rule(mut self, group: FieldGroup, rule: FieldRule) -> Self {
        self.rules.insert(group, rule);
        self
    }

    /// Sets the rule of one field of the field model: a custom field by name
    /// (`Field::Custom("loyalty_points")`) gets a rule of its own, ahead of the
    /// [`FieldGroup::Custom`] rule that decides the other custom fields; a built-in field sets
    /// its group's rule ([`Merger::rule`]), since a group is decided whole.
    ///
    /// ```
    /// use clientele::merge::{FieldRule, Merger};
    /// use clientele::model::{Field, FieldGroup};
    /// let points = Field::Custom("loyalty_points".into());
    /// let merger = Merger::new().field_rule(&points, FieldRule::MostFrequent);
    /// assert_eq!(merger.custom_rule_of("loyalty_points"), &FieldRule::MostFrequent);
    /// assert_eq!(merger.custom_rule_of("wechat"), merger.rule_of(FieldGroup::Custom));
    /// ```
    #[must_use]
    pub fn field_rule(mut self, field: &Field, rule: FieldRule) -> Self {
        match field {
            Field::Custom(name) => {
                self.custom_rules.insert(name.clone(), rule);
            }
            built_in => {
                self.rules.insert(built_in.group(), rule);
            }
        }
        self
    }

    /// The rule of a group.
    pub fn rule_of(&self, group: FieldGroup) -> &FieldRule {
        self.rules.get(&group).unwrap_or(&FieldRule::MostRecent)
    }

    /// The rule of a custom field: its own ([`Merger::field_rule`]), else the
    /// [`FieldGroup::Custom`] rule.
    pub fn custom_rule_of(&self, name: &str) -> &FieldRule {
        self.custom_rules
            .get(name)
            .unwrap_or_else(|| self.rule_of(FieldGroup::Custom))
    }

    /// Sets the normalizer that decides which values repeat.
    #[must_use]
    pub fn normalizer(mut self, normalizer: Normalizer) -> Self {
        self.normalizer = normalizer;
        self
    }

    /// Sets the validator behind [`FieldRule::ValidOnly`].
    #[must_use]
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = validator;
        self
    }

    /// Sets the region (ISO 3166 alpha-2) of phones written without a country code, for
    /// telling repeated phones apart; also given to the validator.
    #[must_use]
    pub fn default_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self.validator = self.validator.default_region(region);
        self
    }

    /// Plans the merge of a cluster of records held by a store, reading each record and its
    /// activity. Nothing is written.
    ///
    /// # Errors
    /// [`Error::InvalidCluster`] for fewer than two distinct ids or a custom survivor rule that
    /// names no record of the cluster; [`Error::NotFound`] for an id the store does not hold;
    /// the store's own errors.
    pub fn plan<S>(&self, store: &S, cluster: &[CustomerId], at: DateTime<Utc>) -> Result<MergePlan>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let mut seen = HashSet::new();
        for id in cluster {
            if !seen.insert(id) {
                return Err(Error::InvalidCluster {
                    reason: format!("customer `{id}` is named twice"),
                });
            }
        }
        // Two batch reads; should a write fall between them, the plan's expectations
        // (`MergePlan::changes`) make `apply_plan` refuse it as stale.
        let records = store.get_many(cluster)?;
        let activity = store.activity_many(cluster)?;
        let mut inputs = Vec::with_capacity(cluster.len());
        for ((id, customer), activity) in cluster.iter().zip(records).zip(activity) {
            let customer = customer.ok_or_else(|| Error::NotFound { id: id.clone() })?;
            inputs.push(RecordSnapshot { customer, activity });
        }
        self.plan_records(inputs, at)
    }

    /// Plans the merge of records given with their activity (no store involved).
    ///
    /// # Errors
    /// [`Error::InvalidCluster`] for fewer than two records, repeated ids, or a custom survivor
    /// rule that names no record of the cluster.
    pub fn plan_records(
        &self,
        inputs: Vec<RecordSnapshot>,
        at: DateTime<Utc>,
    ) -> Result<MergePlan> {
        if inputs.len() < 2 {
            return Err(Error::InvalidCluster {
                reason: "a merge needs at least two records".into(),
            });
        }
        let distinct: HashSet<&CustomerId> = inputs.iter().map(|s| &s.customer.id).collect();
        if distinct.len() != inputs.len() {
            return Err(Error::InvalidCluster {
                reason: "a record is named twice".into(),
            });
        }
        let survivor = self.choose_survivor(&inputs)?;
        // Survivor first, then the most recently updated, then by id.
        let mut inputs = inputs;
        inputs.sort_by(|a, b| {
            let (x, y) = (&a.customer, &b.customer);
            (y.id == survivor)
                .cmp(&(x.id == survivor))
                .then_with(|| y.updated_at.cmp(&x.updated_at))
                .then_with(|| x.id.cmp(&y.id))
        });
        let records: Vec<&Customer> = inputs.iter().map(|s| &s.customer).collect();
        let invalid: Vec<HashSet<String>> = records
            .iter()
            .map(|c| {
                self.validator
                    .validate(c)
                    .issues
                    .into_iter()
                    .filter(|i| i.severity == Severity::Error)
                    .map(|i| i.field)
                    .collect()
            })
            .collect();
        let ctx = Ctx {
            records: &records,
            invalid: &invalid,
            normalizer: &self.normalizer,
            region: self.region.as_deref(),
        };

        let mut kept: Vec<Kept> = Vec::new();
        let mut discarded: Vec<Discarded> = Vec::new();
        let mut field_rules = Vec::new();
        let first = records.first().copied().ok_or(Error::InvalidCluster {
            reason: "a merge needs at least two records".into(),
        })?;
        let mut merged = first.clone();
        for field in DECIDED {
            let rule = self.rule_of(field);
            field_rules.push((field, rule.name()));
            if field == FieldGroup::Custom {
                let names: BTreeSet<&String> =
                    records.iter().flat_map(|c| c.custom.keys()).collect();
                merged.custom.clear();
                for name in names {
                    let rule = self.custom_rule_of(name);
                    let groups = ctx.groups(field, Some(name));
                    let (k, d) = ctx.decide(field, rule, groups);
                    for c in &k {
                        if let FieldValue::Custom(n, v) = &c.value {
                            merged.custom.insert(n.clone(), v.clone());
                        }
                    }
                    ctx.record(field, &rule.name(), k, d, &mut kept, &mut discarded);
                }
                continue;
            }
            let groups = ctx.groups(field, None);
            let (k, d) = ctx.decide(field, rule, groups);
            set_field(
                &mut merged,
                field,
                k.iter().map(|c| c.value.clone()).collect(),
            );
            ctx.record(field, &rule.name(), k, d, &mut kept, &mut discarded);
        }
        field_rules.extend(FIXED.map(|(group, rule)| (group, rule.to_owned())));
        let mut consents = Vec::new();
        for c in &records {
            for consent in &c.consents {
                if !consents.contains(consent) {
                    consents.push(consent.clone());
                }
            }
        }
        consents.sort_by_key(|c| c.at);
        merged.consents = consents;
        merged.created_at = records
            .iter()
            .map(|c| c.created_at)
            .min()
            .unwrap_or(merged.created_at);
        let latest = records
            .iter()
            .map(|c| c.updated_at)
            .max()
            .unwrap_or(merged.updated_at);
        merged.updated_at = at.max(latest);

        let mut activity = Activity::default();
        for s in &inputs {
            activity
                .transactions
                .extend(s.activity.transactions.iter().map(|t| {
                    let mut t = t.clone();
                    t.customer = merged.id.clone();
                    t
                }));
            activity
                .interactions
                .extend(s.activity.interactions.iter().map(|i| {
                    let mut i = i.clone();
                    i.customer = merged.id.clone();
                    i
                }));
        }
        let absorbed: Vec<CustomerId> = records.iter().skip(1).map(|c| c.id.clone()).collect();
        let id = default_merge_id(&merged.id, &absorbed, at)?;
        Ok(MergePlan {
            id,
            at,
            survivor: merged.id.clone(),
            survivor_rule: self.survivor.name().to_owned(),
            absorbed,
            field_rules,
            kept,
            discarded,
            merged: RecordSnapshot {
                customer: merged,
                activity,
            },
            inputs,
        })
    }

    fn choose_survivor(&self, inputs: &[RecordSnapshot]) -> Result<CustomerId> {
        let oldest = |a: &&Customer, b: &&Customer| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.id.cmp(&b.id))
        };
        let records: Vec<&Customer> = inputs.iter().map(|s| &s.customer).collect();
        let chosen = match &self.survivor {
            SurvivorRule::Oldest => records.iter().min_by(|a, b| oldest(a, b)),
            SurvivorRule::MostComplete => records
                .iter()
                .min_by(|a, b| filled(b).cmp(&filled(a)).then_with(|| oldest(a, b))),
            SurvivorRule::MostRecentlyUpdated => records.iter().min_by(|a, b| {
                b.updated_at
                    .cmp(&a.updated_at)
                    .then_with(|| a.id.cmp(&b.id))
            }),
            SurvivorRule::SourcePriority(list) => records.iter().min_by(|a, b| {
                source_rank(list, a)
                    .cmp(&source_rank(list, b))
                    .then_with(|| oldest(a, b))
            }),
            SurvivorRule::Custom { choose, .. } => {
                let owned: Vec<Customer> = records.iter().map(|c| (*c).clone()).collect();
                let id = choose(&owned);
                return id.filter(|id| records.iter().any(|c| &c.id == id)).ok_or(
                    Error::InvalidCluster {
                        reason: "the custom survivor rule named no record of the cluster".into(),
                    },
                );
            }
        };
        chosen.map(|c| c.id.clone()).ok_or(Error::InvalidCluster {
            reason: "a merge needs at least two records".into(),
        })
    }
}

/// The groups survivorship rules decide, in the order provenance lists them.
const DECIDED: [FieldGroup; 13] = [
    FieldGroup::Kind,
    FieldGroup::PersonName,
    FieldGroup::CompanyName,
    FieldGroup::Phones,
    FieldGroup::Emails,
    FieldGroup::Addresses,
    FieldGroup::BirthDate,
    FieldGroup::NationalIds,
    FieldGroup::Tags,
    FieldGroup::Custom,
    FieldGroup::Source,
    FieldGroup::Industry,
    FieldGroup::Ownership,
];

/// The groups with a fixed rule, and its name in provenance.
const FIXED: [(FieldGroup, &str); 3] = [
    (FieldGroup::Id, "survivor"),
    (FieldGroup::Consents, "union"),
    (FieldGroup::Timestamps, "earliest_created_merge_updated"),
];

fn source_rank(list: &[String], c: &Customer) -> usize {
    c.source
        .as_ref()
        .and_then(|s| list.iter().position(|x| x == s))
        .unwrap_or(list.len())
}

/// How many fields of a record are filled (each list item counts one).
fn filled(c: &Customer) -> usize {
    usize::from(c.person_name.as_ref().is_some_and(|n| !n.is_empty()))
        + usize::from(
            c.company_name
                .as_ref()
                .is_some_and(|n| !n.legal.trim().is_empty()),
        )
        + c.phones.len()
        + c.emails.len()
        + c.addresses.len()
        + usize::from(c.birth_date.is_some())
        + c.national_ids.len()
        + c.tags.len()
        + c.custom.len()
        + usize::from(c.source.is_some())
}

/// FNV-1a, 64 bits: a stable hash for merge ids.
fn fnv(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

fn default_merge_id(
    survivor: &CustomerId,
    absorbed: &[CustomerId],
    at: DateTime<Utc>,
) -> Result<MergeId> {
    let when = at.format("%Y%m%dT%H%M%S%.9fZ").to_string();
    let mut parts: Vec<&str> = vec![survivor.as_str(), when.as_str()];
    parts.extend(absorbed.iter().map(CustomerId::as_str));
    MergeId::new(format!("m-{when}-{:016x}", fnv(&parts)))
}

fn set_field(c: &mut Customer, field: FieldGroup, values: Vec<FieldValue>) {
    match field {
        FieldGroup::Kind => {
            if let Some(FieldValue::Kind(k)) = values.into_iter().next() {
                c.kind = k;
            }
        }
        FieldGroup::PersonName => {
            c.person_name = values.into_iter().find_map(|v| match v {
                FieldValue::PersonName(n) => Some(n),
                _ => None,
            });
        }
        FieldGroup::CompanyName => {
            c.company_name = values.into_iter().find_map(|v| match v {
                FieldValue::CompanyName(n) => Some(n),
                _ => None,
            });
        }
        FieldGroup::Phones => {
            c.phones = values
                .into_iter()
                .filter_map(|v| match v {
                    FieldValue::Phone(p) => Some(p),
                    _ => None,
                })
                .collect();
            let mut seen = false;
            for p in &mut c.phones {
                p.primary = p.primary && !seen;
                seen |= p.primary;
            }
        }
        FieldGroup::Emails => {
            c.emails = values
                .into_iter()
                .filter_map(|v| match v {
                    FieldValue::Email(e) => Some(e),
                    _ => None,
                })
                .collect();
            let mut seen = false;
            for e in &mut c.emails {
                e.primary = e.primary && !seen;
                seen |= e.primary;
            }
        }
        FieldGroup::Addresses => {
            c.addresses = values
                .into_iter()
                .filter_map(|v| match v {
                    FieldValue::Address(a) => Some(a),
                    _ => None,
                })
                .collect();
        }
        FieldGroup::BirthDate => {
            c.birth_date = values.into_iter().find_map(|v| match v {
                FieldValue::BirthDate(d) => Some(d),
                _ => None,
            });
        }
        FieldGroup::NationalIds => {
            c.national_ids = values
                .into_iter()
                .filter_map(|v| match v {
                    FieldValue::NationalId(n) => Some(n),
                    _ => None,
                })
                .collect();
        }
        FieldGroup::Tags => {
            c.tags = values
                .into_iter()
                .filter_map(|v| match v {
                    FieldValue::Tag(t) => Some(t),
                    _ => None,
                })
                .collect();
        }
        FieldGroup::Industry => {
            c.industry = values.into_iter().find_map(|v| match v {
                FieldValue::Industry(s) => Some(s),
                _ => None,
            });
        }
        FieldGroup::Ownership => {
            (c.owner, c.team) = values
                .into_iter()
                .find_map(|v| match v {
                    FieldValue::Ownership(owner, team) => Some((owner, team)),
                    _ => None,
                })
                .unwrap_or((None, None));
        }
        FieldGroup::Custom => {}
        FieldGroup::Source => {
            c.source = values.into_iter().find_map(|v| match v {
                FieldValue::Source(s) => Some(s),
                _ => None,
            });
        }
        // Fixed rules, set in `plan_records` (see `FIXED`).
        FieldGroup::Id | FieldGroup::Timestamps | FieldGroup::Consents => {}
    }
}

/// One value taking part in a field's decision.
struct Cand {
    /// Index of its record (0 is the survivor).
    rec: usize,
    value: FieldValue,
    /// Normalized key: equal keys are repeats.
    key: String,
    /// Validator path of the value in its record (`phones[1]`), if it has one.
    path: Option<String>,
}

struct Ctx<'a> {
    records: &'a [&'a Customer],
    invalid: &'a [HashSet<String>],
    normalizer: &'a Normalizer,
    region: Option<&'a str>,
}

impl Ctx<'_> {
    fn key(&self, v: &FieldValue) -> String {
        let n = self.normalizer;
        match v {
            FieldValue::Kind(k) => k.as_str().to_owned(),
            FieldValue::PersonName(p) => {
                let k = n.person_name(p).key;
                if k.is_empty() { p.display() } else { k }
            }
            FieldValue::CompanyName(c) => {
                let trading = c.trading.as_deref().unwrap_or("");
                format!(
                    "{}|{}",
                    n.normalize(FieldKind::CompanyName, &c.legal).key,
                    n.normalize(FieldKind::CompanyName, trading).key
                )
            }
            // Match keys ([`Normalizer::phone_key`] and its kin), so that merge and dedupe agree
            // on which written forms are one value; a phone's extension tells two lines apart.
            FieldValue::Phone(p) => {
                // Too short for a key: its digits, or its text, still tell it apart.
                let (key, extension) = n
                    .phone_key_and_extension(&p.number, self.region)
                    .unwrap_or_else(|| {
                        let digits: String =
                            p.number.chars().filter(char::is_ascii_digit).collect();
                        let text = if digits.is_empty() {
                            p.number.clone()
                        } else {
                            digits
                        };
                        (text, None)
                    });
                match extension {
                    Some(ext) => format!("{key}x{ext}"),
                    None => key,
                }
            }
            FieldValue::Email(e) => n
                .email_key(&e.address)
                .unwrap_or_else(|| n.normalize(FieldKind::Email, &e.address).key),
            FieldValue::Address(a) => {
                let x = n.address(a);
                format!(
                    "{}|{}|{}",
                    x.key,
                    x.postcode.unwrap_or_default(),
                    x.country.map(|c| c.to_string()).unwrap_or_default()
                )
            }
            FieldValue::BirthDate(d) => d.to_string(),
            FieldValue::NationalId(id) => format!(
                "{}:{}",
                id.kind.as_str(),
                national_id_key(&id.value).unwrap_or_else(|| id.value.clone())
            ),
            FieldValue::Tag(t) => n.normalize(FieldKind::Text, t).key,
            FieldValue::Custom(name, v) => format!("{name}={}", v.to_text()),
            FieldValue::Source(s) | FieldValue::Industry(s) => n.normalize(FieldKind::Text, s).key,
            FieldValue::Ownership(owner, team) => {
                let key = |v: &Option<String>| {
                    v.as_deref()
                        .map(|v| n.normalize(FieldKind::Text, v).key)
                        .unwrap_or_default()
                };
                format!("{}|{}", key(owner), key(team))
            }
        }
    }

    /// The values of a field, record by record (in record order).
    fn groups(&self, field: FieldGroup, custom: Option<&String>) -> Vec<Vec<Cand>> {
        self.records
            .iter()
            .enumerate()
            .map(|(rec, c)| {
                let values: Vec<(FieldValue, Option<String>)> = match field {
                    FieldGroup::Kind => vec![(FieldValue::Kind(c.kind), None)],
                    FieldGroup::PersonName => c
                        .person_name
                        .iter()
                        .map(|n| (FieldValue::PersonName(n.clone()), None))
                        .collect(),
                    FieldGroup::CompanyName => c
                        .company_name
                        .iter()
                        .map(|n| (FieldValue::CompanyName(n.clone()), None))
                        .collect(),
                    FieldGroup::Phones => c
                        .phones
                        .iter()
                        .enumerate()
                        .map(|(i, p)| (FieldValue::Phone(p.clone()), Some(format!("phones[{i}]"))))
                        .collect(),
                    FieldGroup::Emails => c
                        .emails
                        .iter()
                        .enumerate()
                        .map(|(i, e)| (FieldValue::Email(e.clone()), Some(format!("emails[{i}]"))))
                        .collect(),
                    FieldGroup::Addresses => c
                        .addresses
                        .iter()
                        .enumerate()
                        .map(|(i, a)| {
                            (
                                FieldValue::Address(a.clone()),
                                Some(format!("addresses[{i}]")),
                            )
                        })
                        .collect(),
                    FieldGroup::BirthDate => c
                        .birth_date
                        .iter()
                        .map(|d| (FieldValue::BirthDate(*d), Some("birth_date".to_owned())))
                        .collect(),
                    FieldGroup::NationalIds => c
                        .national_ids
                        .iter()
                        .enumerate()
                        .map(|(i, n)| {
                            (
                                FieldValue::NationalId(n.clone()),
                                Some(format!("national_ids[{i}]")),
                            )
                        })
                        .collect(),
                    FieldGroup::Tags => c
                        .tags
                        .iter()
                        .map(|t| (FieldValue::Tag(t.clone()), None))
                        .collect(),
                    FieldGroup::Custom => custom
                        .and_then(|name| c.custom.get_key_value(name))
                        .map(|(n, v)| (FieldValue::Custom(n.clone(), v.clone()), None))
                        .into_iter()
                        .collect(),
                    FieldGroup::Source => c
                        .source
                        .iter()
                        .map(|s| (FieldValue::Source(s.clone()), None))
                        .collect(),
                    FieldGroup::Industry => c
                        .industry
                        .iter()
                        .map(|s| (FieldValue::Industry(s.clone()), Some("industry".to_owned())))
                        .collect(),
                    FieldGroup::Ownership if c.owner.is_some() || c.team.is_some() => {
                        vec![(FieldValue::Ownership(c.owner.clone(), c.team.clone()), None)]
                    }
                    // Decided by fixed rules, never by `groups` (see `DECIDED`).
                    _ => Vec::new(),
                };
                values
                    .into_iter()
                    .map(|(value, path)| Cand {
                        rec,
                        key: self.key(&value),
                        value,
                        path,
                    })
                    .collect()
            })
            .collect()
    }

    fn is_valid(&self, c: &Cand) -> bool {
        let Some(path) = &c.path else { return true };
        let Some(bad) = self.invalid.get(c.rec) else {
            return true;
        };
        !bad.iter().any(|f| {
            f == path
                || f.strip_prefix(path.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    fn updated(&self, rec: usize) -> Option<DateTime<Utc>> {
        self.records.get(rec).map(|c| c.updated_at)
    }

    /// The record with the best score among records with values; ties go to the earlier record
    /// (the survivor first).
    fn best_record(
        &self,
        groups: &[Vec<Cand>],
        score: impl Fn(usize, &[Cand]) -> i128,
    ) -> Option<usize> {
        let mut best: Option<(usize, i128)> = None;
        for (rec, g) in groups.iter().enumerate() {
            if g.is_empty() {
                continue;
            }
            let s = score(rec, g);
            if best.is_none_or(|(_, b)| s > b) {
                best = Some((rec, s));
            }
        }
        best.map(|(rec, _)| rec)
    }

    fn most_recent(&self, groups: &[Vec<Cand>]) -> Option<usize> {
        self.best_record(groups, |rec, _| {
            self.updated(rec)
                .map_or(i128::MIN, |t| i128::from(t.timestamp_micros()))
        })
    }

    /// Keeps or discards every value of a field; returns (kept, discarded with rule name).
    fn decide(
        &self,
        field: FieldGroup,
        rule: &FieldRule,
        groups: Vec<Vec<Cand>>,
    ) -> (Vec<Cand>, Vec<(Cand, String)>) {
        let name = rule.name();
        match rule {
            FieldRule::ValidOnly(inner) => {
                let mut dropped = Vec::new();
                let mut valid_groups = Vec::with_capacity(groups.len());
                for g in groups {
                    let (ok, bad): (Vec<Cand>, Vec<Cand>) =
                        g.into_iter().partition(|c| self.is_valid(c));
                    dropped.extend(bad.into_iter().map(|c| (c, name.clone())));
                    valid_groups.push(ok);
                }
                let (kept, mut discarded) = self.decide(field, inner, valid_groups);
                for d in &mut discarded {
                    d.1 = format!("valid_only({})", d.1);
                }
                dropped.extend(discarded);
                (kept, dropped)
            }
            FieldRule::Union if field.is_multi_valued() => {
                let mut seen = HashSet::new();
                let mut kept = Vec::new();
                let mut discarded = Vec::new();
                for c in groups.into_iter().flatten() {
                    if seen.insert(c.key.clone()) {
                        kept.push(c);
                    } else {
                        discarded.push((c, name.clone()));
                    }
                }
                (kept, discarded)
            }
            _ => {
                let chosen = match rule {
                    FieldRule::Survivor => groups
                        .first()
                        .filter(|g| !g.is_empty())
                        .map(|_| 0)
                        .or_else(|| self.most_recent(&groups)),
                    FieldRule::MostComplete => self.best_record(&groups, |_, g| {
                        g.iter().map(|c| c.key.chars().count() as i128).sum()
                    }),
                    FieldRule::MostFrequent => {
                        let mut counts: HashMap<&str, i128> = HashMap::new();
                        for c in groups.iter().flatten() {
                            *counts.entry(c.key.as_str()).or_default() += 1;
                        }
                        self.best_record(&groups, |_, g| {
                            g.iter()
                                .map(|c| counts.get(c.key.as_str()).copied().unwrap_or(0))
                                .sum()
                        })
                    }
                    FieldRule::PreferredSource(list) => {
                        let recent = self.most_recent(&groups);
                        self.best_record(&groups, |rec, _| {
                            let rank = self
                                .records
                                .get(rec)
                                .map_or(list.len(), |c| source_rank(list, c));
                            -(rank as i128) * 2 + i128::from(Some(rec) == recent)
                        })
                    }
                    _ => self.most_recent(&groups),
                };
                let mut kept = Vec::new();
                let mut discarded = Vec::new();
                for (rec, g) in groups.into_iter().enumerate() {
                    if Some(rec) == chosen {
                        kept.extend(g);
                    } else {
                        discarded.extend(g.into_iter().map(|c| (c, name.clone())));
                    }
                }
                (kept, discarded)
            }
        }
    }

    fn record(
        &self,
        field: FieldGroup,
        rule: &str,
        kept: Vec<Cand>,
        discarded: Vec<(Cand, String)>,
        kept_out: &mut Vec<Kept>,
        discarded_out: &mut Vec<Discarded>,
    ) {
        let id_of = |rec: usize| self.records.get(rec).map(|c| c.id.clone());
        for c in kept {
            if let Some(from) = id_of(c.rec) {
                kept_out.push(Kept {
                    field,
                    value: c.value,
                    from,
                    rule: rule.to_owned(),
                });
            }
        }
        for (c, rule) in discarded {
            if let (Some(from), Some(updated_at)) = (id_of(c.rec), self.updated(c.rec)) {
                discarded_out.push(Discarded {
                    field,
                    value: c.value,
                    from,
                    updated_at,
                    rule,
                });
            }
        }
    }
}

/// A value that survived a merge, with the record it came from and the rule that chose it.
/// `Debug` masks the value.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    /// The field.
    pub field: FieldGroup,
    /// The value.
    pub value: FieldValue,
    /// The record it came from.
    pub from: CustomerId,
    /// The name of the rule that chose it.
    pub rule: String,
}

impl fmt::Debug for Kept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kept")
            .field("field", &self.field)
            .field("value", &self.value)
            .field("from", &self.from)
            .field("rule", &self.rule)
            .finish()
    }
}

/// A merge worked out and not yet applied: the survivor, every field's surviving values with
/// their origin, every discarded value, the survivor and activity as they will be written, and
/// the inputs as read. Inspect it, then apply it with [`crate::merge::apply_plan`].
///
/// `Debug` masks personal values.
#[derive(Debug, Clone, PartialEq)]
pub struct MergePlan {
    /// The id the merge record will have (change it with [`MergePlan::with_id`]).
    pub id: MergeId,
    /// The merge time.
    pub at: DateTime<Utc>,
    /// The surviving record's id.
    pub survivor: CustomerId,
    /// The name of the rule that chose it.
    pub survivor_rule: String,
    /// The records to be absorbed (deleted), in order.
    pub absorbed: Vec<CustomerId>,
    /// The rule of each field, by name.
    pub field_rules: Vec<(FieldGroup, String)>,
    /// Every surviving value, field by field, with the record it comes from.
    pub kept: Vec<Kept>,
    /// Every value that will not survive, with its origin and the rule that discarded it.
    pub discarded: Vec<Discarded>,
    /// The survivor and its activity (the absorbed records' activity moved to it) as they will
    /// be written.
    pub merged: RecordSnapshot,
    /// Every input record and its activity as read, survivor first.
    pub inputs: Vec<RecordSnapshot>,
}

impl MergePlan {
    /// The same plan under another merge id.
    #[must_use]
    pub fn with_id(mut self, id: MergeId) -> Self {
        self.id = id;
        self
    }

    /// The surviving values of one field.
    pub fn kept_for(&self, field: FieldGroup) -> impl Iterator<Item = &Kept> {
        self.kept.iter().filter(move |k| k.field == field)
    }

    /// The merge record (provenance) the plan stores.
    pub fn record(&self) -> MergeRecord {
        MergeRecord {
            id: self.id.clone(),
            at: self.at,
            survivor: self.survivor.clone(),
            absorbed: self.absorbed.clone(),
            survivor_rule: self.survivor_rule.clone(),
            field_rules: self.field_rules.clone(),
            discarded: self.discarded.clone(),
            before: self.inputs.clone(),
            after: Some(self.merged.clone()),
            erased_at: None,
        }
    }

    /// The batch of changes that applies the plan: first an expectation per input (the record
    /// and its activity as planned on, [`Change::expect_with_activity`]), then the survivor
    /// replaced, its activity set, the absorbed records deleted, the merge record inserted. A
    /// store refuses the whole batch if any input changed since planning.
    pub fn changes(&self) -> Vec<Change> {
        let mut out: Vec<Change> = self
            .inputs
            .iter()
            .map(|i| Change::expect_with_activity(&i.customer, &i.activity))
            .collect();
        out.push(Change::Put(self.merged.customer.clone()));
        out.push(Change::SetActivity {
            customer: self.survivor.clone(),
            activity: self.merged.activity.clone(),
        });
        out.extend(self.absorbed.iter().cloned().map(Change::Delete));
        out.push(Change::InsertMergeRecord(self.record()));
        out
    }
}
