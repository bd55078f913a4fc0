//! The importer: validate, normalize, match against the store, apply the policy; each record's
//! outcome one all-or-nothing batch.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::policy::{EntryPolicy, OnMatch};
use super::review::{REVIEW, ReviewItem, decided_apart};
use crate::dedupe::{Deduplicator, TrainedModel};
use crate::error::{Error, Result};
use crate::merge::{AuditAction, AuditEvent, Merger};
use crate::model::{Customer, CustomerId, RecordSnapshot};
use crate::normalize::Normalizer;
use crate::store::{Change, CustomerStore, DocKey, Fingerprint, batches};
use crate::validate::Validator;

/// The namespace of external ids (key: source system and row id joined by U+001F).
const EXTERNAL: &str = "entry.external";
/// The namespace of the saved model (key `current`).
const MODEL: &str = "entry.model";

/// What became of one incoming record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "customer", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Inserted as a new customer.
    Inserted(CustomerId),
    /// Merged into a stored customer (the survivor's id).
    Merged(CustomerId),
    /// Held in the review queue (the held record's id).
    Held(CustomerId),
    /// A row seen before, now changed: its customer was updated.
    Updated(CustomerId),
    /// A row seen before, unchanged: nothing was written.
    Unchanged(CustomerId),
    /// Matched, and the policy said skip: nothing was written.
    Skipped(CustomerId),
    /// Refused (validation issues under a rejecting policy): nothing was written.
    Rejected(CustomerId),
}

/// The external id of a row, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct ExternalRow {
    customer: CustomerId,
    fingerprint: Fingerprint,
}

/// JSON text of a document (serde_json's messages may quote data: not kept).
pub(crate) fn to_doc<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| {
        Error::storage_message(format!("entry: unwritable document ({:?})", e.classify()))
    })
}

/// A document read back.
pub(crate) fn from_doc<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| {
        Error::storage_message(format!("entry: unreadable document ({:?})", e.classify()))
    })
}

fn external_key(source: &str, row: &str) -> DocKey {
    DocKey::new(EXTERNAL, format!("{source}\u{1f}{row}"))
}

fn external_doc(
    target: &CustomerId,
    incoming: &Customer,
    ext: &(String, String),
) -> Result<Change> {
    Ok(Change::PutDoc {
        key: external_key(&ext.0, &ext.1),
        value: to_doc(&ExternalRow {
            customer: target.clone(),
            fingerprint: Fingerprint::record(incoming),
        })?,
    })
}

/// The changes that insert `c` (and record its external id).
pub(crate) fn insert_changes(c: &Customer, ext: Option<&(String, String)>) -> Result<Vec<Change>> {
    let mut out = vec![Change::Insert(c.clone())];
    if let Some(ext) = ext {
        out.push(external_doc(&c.id, c, ext)?);
    }
    Ok(out)
}

/// The changes that insert `c` and merge it with the stored `into`, in one batch.
pub(crate) fn merge_changes<S>(
    store: &S,
    merger: &Merger,
    c: &Customer,
    into: &CustomerId,
    ext: Option<&(String, String)>,
    at: DateTime<Utc>,
) -> Result<(Vec<Change>, Outcome)>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let stored = store
        .get(into)?
        .ok_or_else(|| Error::NotFound { id: into.clone() })?;
    let activity = store.activity(into)?;
    let plan = merger.plan_records(
        vec![
            RecordSnapshot {
                customer: stored,
                activity,
            },
            RecordSnapshot {
                customer: c.clone(),
                activity: crate::model::Activity::default(),
            },
        ],
        at,
    )?;
    let mut out = vec![Change::Insert(c.clone())];
    out.extend(plan.changes());
    if let Some(ext) = ext {
        out.push(external_doc(&plan.survivor, c, ext)?);
    }
    Ok((out, Outcome::Merged(plan.survivor)))
}

/// Follows merges from `id` to the customer that holds it now.
fn current<S>(store: &S, id: &CustomerId) -> Result<Option<CustomerId>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut id = id.clone();
    for _ in 0..64 {
        if store.get(&id)?.is_some() {
            return Ok(Some(id));
        }
        let next = store
            .merges_of(&id)?
            .into_iter()
            .find(|r| r.absorbed.contains(&id))
            .map(|r| r.survivor);
        match next {
            Some(n) => id = n,
            None => return Ok(None),
        }
    }
    Ok(None)
}

/// Joins validation, normalization, matching and merging over any [`CustomerStore`].
///
/// The store must index the detector's blocking keys ([`Deduplicator::indexer`]).
///
/// ```
/// use clientele::dedupe::Deduplicator;
/// use clientele::entry::{EntryPolicy, Importer, Outcome};
/// use clientele::store::{KeyIndexers, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let dedupe = Deduplicator::new().default_region("CN");
/// let store = MemoryStore::with_indexers(KeyIndexers::contact().and(dedupe.indexer()));
/// let c = Customer::builder(CustomerId::new("R1")?, CustomerKind::Person)
///     .full_name("Wang Fang").phone("+86 139 1234 5678").build();
/// let importer = Importer::open(&store, dedupe, &[c.clone()], EntryPolicy::default())?;
/// let now = chrono::Utc::now();
/// assert_eq!(importer.import(Some(("crm", "1")), c.clone(), now)?, Outcome::Inserted(c.id.clone()));
/// // The same row again changes nothing.
/// assert_eq!(importer.import(Some(("crm", "1")), c.clone(), now)?, Outcome::Unchanged(c.id));
/// # Ok::<(), clientele::Error>(())
/// ```
pub struct Importer<'s, S: ?Sized> {
    store: &'s S,
    dedupe: Deduplicator,
    model: TrainedModel,
    merger: Merger,
    normalizer: Normalizer,
    validator: Option<Validator>,
    policy: EntryPolicy,
}

impl<S: ?Sized> std::fmt::Debug for Importer<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Importer")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl<'s, S> Importer<'s, S>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    /// An importer over `store` with the model saved in it, or else one trained on the store's
    /// records (on `first` when the store is empty) and saved.
    ///
    /// # Errors
    /// The store's errors; training's ([`Deduplicator::train`]).
    pub fn open(
        store: &'s S,
        dedupe: Deduplicator,
        first: &[Customer],
        policy: EntryPolicy,
    ) -> Result<Self> {
        let model = match store.doc(&DocKey::new(MODEL, "current"))? {
            Some(raw) => from_doc(&raw)?,
            None => train_and_save(store, &dedupe, first)?,
        };
        Ok(Self {
            store,
            dedupe,
            model,
            merger: Merger::new(),
            normalizer: Normalizer::default(),
            validator: None,
            policy,
        })
    }

    /// Retrains the model on the store's records (on `first` when the store is empty) and
    /// saves it.
    ///
    /// # Errors
    /// As [`Importer::open`].
    pub fn retrain(&mut self, first: &[Customer]) -> Result<()> {
        self.model = train_and_save(self.store, &self.dedupe, first)?;
        Ok(())
    }

    /// Uses this merger (survivorship rules) for merges.
    #[must_use]
    pub fn merger(mut self, merger: Merger) -> Self {
        self.merger = merger;
        self
    }

    /// Validates records with this validator (refused or kept per the policy).
    #[must_use]
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Imports one record (with its source system and row id, when it has them): one batch.
    ///
    /// # Errors
    /// The store's errors and refusals (then nothing of the record was written).
    pub fn import(
        &self,
        external: Option<(&str, &str)>,
        record: Customer,
        at: DateTime<Utc>,
    ) -> Result<Outcome> {
        let ext = external.map(|(s, r)| (s.to_owned(), r.to_owned()));
        let c = self.normalizer.customer(&record, None).customer;
        if let Some(v) = &self.validator
            && self.policy.reject_invalid
            && !v.validate(&c).issues.is_empty()
        {
            return Ok(Outcome::Rejected(c.id));
        }
        if let Some(ext) = &ext
            && let Some(seen) = self.seen(&c, ext)?
        {
            return Ok(seen);
        }
        // Held before and not yet resolved: held still, nothing written.
        if self
            .store
            .doc(&DocKey::new(REVIEW, c.id.as_str()))?
            .is_some()
        {
            return Ok(Outcome::Held(c.id));
        }
        let mut matches = Vec::new();
        for m in self.dedupe.match_one(&c, self.store, &self.model)? {
            if !decided_apart(self.store, &c.id, &m.id)? {
                matches.push(m);
            }
        }
        let best = matches.first();
        let (changes, outcome) = match (self.policy.decide(best.map(|m| m.probability)), best) {
            (OnMatch::Merge, Some(m)) => {
                merge_changes(self.store, &self.merger, &c, &m.id, ext.as_ref(), at)?
            }
            (OnMatch::Skip, Some(m)) => return Ok(Outcome::Skipped(m.id.clone())),
            (OnMatch::Review, Some(_)) => {
                let item = ReviewItem::new(c.clone(), ext.clone(), &matches);
                let change = Change::PutDoc {
                    key: item.key(),
                    value: to_doc(&item)?,
                };
                (vec![change], Outcome::Held(c.id.clone()))
            }
            _ => (
                insert_changes(&c, ext.as_ref())?,
                Outcome::Inserted(c.id.clone()),
            ),
        };
        self.store.apply(changes)?;
        Ok(outcome)
    }

    /// The outcome of a row seen before: unchanged, or its customer updated.
    fn seen(&self, c: &Customer, ext: &(String, String)) -> Result<Option<Outcome>> {
        let key = external_key(&ext.0, &ext.1);
        let Some(raw) = self.store.doc(&key)? else {
            return Ok(None);
        };
        let row: ExternalRow = from_doc(&raw)?;
        let Some(target) = current(self.store, &row.customer)? else {
            return Ok(None);
        };
        if row.fingerprint == Fingerprint::record(c) {
            return Ok(Some(Outcome::Unchanged(target)));
        }
        let stored = self
            .store
            .get(&target)?
            .ok_or_else(|| Error::NotFound { id: target.clone() })?;
        let mut updated = c.clone();
        updated.id = target.clone();
        updated.created_at = stored.created_at;
        self.store.apply(vec![
            Change::expect_record(&stored),
            Change::Put(updated),
            external_doc(&target, c, ext)?,
        ])?;
        Ok(Some(Outcome::Updated(target)))
    }

    /// The audit event of one outcome's batch.
    pub fn audit(outcome: &Outcome, at: DateTime<Utc>) -> AuditEvent {
        let (id, what) = match outcome {
            Outcome::Inserted(id) => (id, "entry: inserted"),
            Outcome::Merged(id) => (id, "entry: inserted and merged"),
            Outcome::Held(id) => (id, "entry: held for review"),
            Outcome::Updated(id) => (id, "entry: row seen before, updated"),
            Outcome::Unchanged(id) => (id, "entry: row seen before, unchanged"),
            Outcome::Skipped(id) => (id, "entry: matched, skipped"),
            Outcome::Rejected(id) => (id, "entry: rejected"),
        };
        AuditEvent::new(AuditAction::Apply, at)
            .customers(vec![id.clone()])
            .detail(what)
    }
}

/// Trains on the store's records (or `first` when it is empty) and saves the model.
fn train_and_save<S>(store: &S, dedupe: &Deduplicator, first: &[Customer]) -> Result<TrainedModel>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut records = Vec::new();
    for batch in batches(store, 1024) {
        records.extend(batch?);
    }
    let model = if records.is_empty() {
        dedupe.train(first)?
    } else {
        dedupe.train(&records)?
    };
    store.apply(vec![Change::PutDoc {
        key: DocKey::new(MODEL, "current"),
        value: to_doc(&model)?,
    }])?;
    Ok(model)
}
