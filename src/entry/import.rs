//! The importer: each record validated, normalized, matched and applied in one batch; the
//! rows of a chunk planned in parallel against the store as it stood before the chunk, and
//! those that read what an earlier row of the chunk wrote planned again, in order.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use super::docs::{self, EXTERNAL, External, MODEL, REVIEW};
use super::policy::{ImportReport, OnMatch, Outcome, Policy, RowOutcome};
use super::review::{self, Candidate, ReviewItem};
use super::speculate::{Footprint, Recording};
use crate::dedupe::{Deduplicator, Match, Matcher, TrainedModel};
use crate::error::{Error, Result};
use crate::merge::{AuditAction, AuditEvent, Merger, apply_event, merge_events};
use crate::model::{Customer, CustomerId, RecordSnapshot};
use crate::normalize::Normalizer;
use crate::store::{Change, CustomerStore, Fingerprint, KeyIndexers, batches};
use crate::validate::{Severity, Validator};

/// One incoming record: its line in its file and the record as read (its id is the row id).
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// The line of the row in its file (for the report).
    pub line: u64,
    /// The record as read; its id is the row's id in its source.
    pub customer: Customer,
}

impl Incoming {
    /// A row from its line and record.
    pub fn new(line: u64, customer: Customer) -> Self {
        Self { line, customer }
    }
}

/// Imports records from one source system into a store; see the [module docs](super).
///
/// The store must index [`Importer::indexers`]' keys (the duplicate detector's blocking keys
/// beside the contact keys), as [`Deduplicator::match_one`] needs.
///
/// ```
/// use clientele::entry::{saved_model, Importer, Incoming};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let importer = Importer::new("crm");
/// let store = MemoryStore::with_indexers(importer.indexers());
/// let mut rows = Vec::new();
/// for i in 0..20 {
///     let c = Customer::builder(CustomerId::new(format!("C{i}"))?, CustomerKind::Person)
///         .full_name(format!("Li {i}")).email(format!("li{i}@example.com")).build();
///     rows.push(Incoming::new(i + 2, c));
/// }
/// let report = importer.import(&store, rows, chrono::Utc::now())?;
/// assert!(report.trained);
/// assert_eq!(report.counts().inserted, 20);
/// assert!(saved_model(&store)?.is_some());
/// importer.retrain(&store)?;
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Clone)]
pub struct Importer {
    source: String,
    policy: Policy,
    dedupe: Deduplicator,
    merger: Merger,
    normalizer: Normalizer,
    validator: Validator,
    region: Option<String>,
    progress: Option<Arc<dyn Fn(usize, usize) + Send + Sync>>,
    chunk: usize,
}

impl fmt::Debug for Importer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Importer")
            .field("source", &self.source)
            .field("policy", &self.policy)
            .field("region", &self.region)
            .field("chunk", &self.chunk)
            .finish_non_exhaustive()
    }
}

/// A row's planned outcome and its batch.
struct Planned {
    outcome: Outcome,
    changes: Vec<Change>,
    audit: Vec<AuditEvent>,
}

impl Planned {
    fn nothing(outcome: Outcome) -> Self {
        Self {
            outcome,
            changes: Vec::new(),
            audit: Vec::new(),
        }
    }
}

/// What every row of one import shares.
struct Run {
    matcher: Matcher,
    at: DateTime<Utc>,
    total: usize,
}

/// A row planned against the store as it stood before its chunk: the plan, what it read and
/// what its batch writes.
struct Speculation {
    planned: Result<Planned>,
    read: Footprint,
    writes: Result<Footprint>,
}

/// Rows planned at once by default ([`Importer::chunk_rows`]).
const DEFAULT_CHUNK: usize = 32;

fn rejected(reason: impl Into<String>) -> Planned {
    Planned::nothing(Outcome::Rejected {
        reason: reason.into(),
    })
}

impl Importer {
    /// An importer for rows of the named source system, with the default [`Policy`],
    /// duplicate detector, merger, normalizer and validator.
    pub fn new(source: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            policy: Policy::default(),
            dedupe: Deduplicator::new(),
            merger: Merger::new(),
            normalizer: Normalizer::default(),
            validator: Validator::new(),
            region: None,
            progress: None,
            chunk: DEFAULT_CHUNK,
        }
    }

    /// Sets how many rows are planned at once, in parallel, and committed together; the
    /// default is 32. The outcome is the same whatever the size (a row that reads what an
    /// earlier row of its chunk writes is planned again after it); `1` plans and commits one
    /// row at a time. Larger chunks use more cores and fewer store batches (one transaction
    /// per chunk in `SqliteStore`), but plan more rows twice when the rows of a file share
    /// keys. Sizes below 1 count as 1.
    ///
    /// ```
    /// use clientele::entry::Importer;
    /// let one_at_a_time = Importer::new("crm").chunk_rows(1);
    /// # let _ = one_at_a_time;
    /// ```
    #[must_use]
    pub fn chunk_rows(mut self, rows: usize) -> Self {
        self.chunk = rows.max(1);
        self
    }

    /// Calls `f(done, total)` after each row of an import (for a progress bar).
    ///
    /// ```
    /// use clientele::entry::Importer;
    /// let importer = Importer::new("crm").on_progress(|done, total| eprint!("\r{done}/{total}"));
    /// # let _ = importer;
    /// ```
    #[must_use]
    pub fn on_progress(mut self, f: impl Fn(usize, usize) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Sets the policy.
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the duplicate detector (its threshold is replaced by the policy's lower one).
    #[must_use]
    pub fn deduplicator(mut self, dedupe: Deduplicator) -> Self {
        self.dedupe = dedupe;
        self
    }

    /// Sets the merger (survivorship rules).
    #[must_use]
    pub fn merger(mut self, merger: Merger) -> Self {
        self.merger = merger;
        self
    }

    /// Sets the validator.
    #[must_use]
    pub fn validator(mut self, validator: Validator) -> Self {
        self.validator = validator;
        self
    }

    /// Sets the default region for phones without a country code (normalizer, detector and
    /// merger alike).
    #[must_use]
    pub fn default_region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self.dedupe = self.dedupe.default_region(region);
        self.merger = self.merger.default_region(region);
        self.validator = self.validator.default_region(region);
        self
    }

    /// The source system's name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The merger used for merges (and by [`super::merge_held`] callers who want the same).
    pub fn merger_ref(&self) -> &Merger {
        &self.merger
    }

    /// The keys a store must index for this importer: contact keys and the detector's
    /// blocking keys.
    pub fn indexers(&self) -> KeyIndexers {
        KeyIndexers::contact().and(self.dedupe.indexer())
    }

    fn detector(&self) -> Deduplicator {
        let p = self.policy.review_above.min(self.policy.merge_above);
        self.dedupe.clone().threshold(p.clamp(0.0, 1.0))
    }

    /// Trains the model on every record the store holds and saves it in the store.
    ///
    /// # Errors
    /// The detector's errors (see [`Deduplicator::train`]); the store's.
    pub fn retrain<S>(&self, store: &S) -> Result<TrainedModel>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let mut all = Vec::new();
        for batch in batches(store, 1024) {
            all.extend(batch?);
        }
        self.train_and_save(store, &all)
    }

    /// Trains the model on the given records (normalized as the importer normalizes) and saves
    /// it in the store: a model trained on a representative sample, before incremental imports
    /// of parts of it, matches as a one-shot run over the whole would (a model trained on a
    /// first part with no duplicates in it learns little).
    ///
    /// # Errors
    /// As [`Importer::retrain`].
    pub fn train_on<S>(&self, store: &S, records: &[Customer]) -> Result<TrainedModel>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let normalized: Vec<Customer> = records
            .iter()
            .map(|c| self.normalizer.customer(c, self.region.as_deref()).customer)
            .collect();
        self.train_and_save(store, &normalized)
    }

    fn train_and_save<S>(&self, store: &S, records: &[Customer]) -> Result<TrainedModel>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let model = self.dedupe.train(records)?;
        store.apply(vec![docs::put(MODEL, "model".into(), &model)?])?;
        Ok(model)
    }

    /// Imports rows, one all-or-nothing batch each, with the outcome of importing them in
    /// order (each row matched against the store as the rows before it left it). Trains and
    /// saves a model first if the store holds none: on the store's records, or on these rows
    /// when the store is empty.
    ///
    /// Rows are planned a chunk at a time ([`Importer::chunk_rows`]) on rayon's threads,
    /// against the store as it stood before the chunk; a row that read anything an earlier row
    /// of its chunk writes (a record, a block of a key, a document) is planned again once those
    /// rows are committed. The rows of a chunk are committed together in one store batch when
    /// none is refused; otherwise (or on any failure of that batch) one batch per row, so a
    /// refused row is rejected alone, as in a sequential import.
    ///
    /// # Errors
    /// Training errors, and the store's failures other than the refusal of a row's batch
    /// (which rejects that row); rows before the failure stay imported.
    pub fn import<S>(
        &self,
        store: &S,
        rows: Vec<Incoming>,
        at: DateTime<Utc>,
    ) -> Result<ImportReport>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let mut report = ImportReport::default();
        let normalized: Vec<(Incoming, Customer)> = rows
            .into_par_iter()
            .map(|r| {
                let c = self
                    .normalizer
                    .customer(&r.customer, self.region.as_deref());
                (r, c.customer)
            })
            .collect();
        let model = match saved_model(store)? {
            Some(m) => m,
            None if store.is_empty()? => {
                report.trained = true;
                let mut records: Vec<Customer> =
                    normalized.iter().map(|(_, c)| c.clone()).collect();
                records.sort_by(|a, b| a.id.cmp(&b.id));
                records.dedup_by(|a, b| a.id == b.id);
                self.train_and_save(store, &records)?
            }
            None => {
                report.trained = true;
                self.retrain(store)?
            }
        };
        let run = Run {
            matcher: self.detector().matcher(model)?,
            at,
            total: normalized.len(),
        };
        let mut rows = normalized.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<(Incoming, Customer)> = rows.by_ref().take(self.chunk).collect();
            self.import_chunk(store, &run, chunk, &mut report)?;
        }
        Ok(report)
    }

    /// Plans a chunk's rows speculatively in parallel, keeps the plans of rows that read
    /// nothing an earlier row of the chunk writes, plans the others again in order, and
    /// commits them in groups.
    fn import_chunk<S>(
        &self,
        store: &S,
        run: &Run,
        chunk: Vec<(Incoming, Customer)>,
        report: &mut ImportReport,
    ) -> Result<()>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let mut speculative: Vec<Option<Speculation>> = if chunk.len() > 1 {
            chunk
                .par_iter()
                .map(|(row, customer)| Some(self.speculate(store, run, row, customer.clone())))
                .collect()
        } else {
            Vec::new()
        };
        speculative.resize_with(chunk.len(), || None);
        let mut written = Footprint::default();
        let mut group: Vec<(Incoming, Customer, Planned)> = Vec::new();
        let last = chunk.len().saturating_sub(1);
        for (i, ((row, customer), spec)) in chunk.into_iter().zip(speculative).enumerate() {
            let kept = spec.filter(|s| !s.read.touches(&written));
            let (planned, writes) = match kept {
                Some(s) => match (s.planned, s.writes) {
                    (Ok(p), Ok(w)) => (p, w),
                    (Err(e), _) | (_, Err(e)) => {
                        self.commit(store, run, &mut group, report)?;
                        return Err(e);
                    }
                },
                None => {
                    self.commit(store, run, &mut group, report)?;
                    let p = self.plan_row(store, &run.matcher, &row, customer.clone(), run.at)?;
                    let w = if i < last {
                        Footprint::of_changes(store, &p.changes)?
                    } else {
                        Footprint::default()
                    };
                    (p, w)
                }
            };
            written.extend(writes);
            group.push((row, customer, planned));
        }
        self.commit(store, run, &mut group, report)
    }

    /// Plans a row against the store as it stands, recording what the plan read, and what its
    /// batch would write.
    fn speculate<S>(&self, store: &S, run: &Run, row: &Incoming, customer: Customer) -> Speculation
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let recording = Recording::new(store);
        let planned = self.plan_row(&recording, &run.matcher, row, customer, run.at);
        let read = recording.into_read();
        let writes = match &planned {
            Ok(p) => Footprint::of_changes(store, &p.changes).map_err(Error::from),
            Err(_) => Ok(Footprint::default()),
        };
        Speculation {
            planned,
            read,
            writes,
        }
    }

    /// Commits the planned rows, in one batch when there are several, and reports them. When
    /// that batch fails (nothing of it is applied), the rows are planned again and committed
    /// one batch each, in order, as a sequential import would.
    fn commit<S>(
        &self,
        store: &S,
        run: &Run,
        group: &mut Vec<(Incoming, Customer, Planned)>,
        report: &mut ImportReport,
    ) -> Result<()>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let mut rows = std::mem::take(group);
        let writing = rows.iter().filter(|r| !r.2.changes.is_empty()).count();
        let together = writing > 1 && {
            let changes: Vec<Change> = rows
                .iter_mut()
                .flat_map(|r| std::mem::take(&mut r.2.changes))
                .collect();
            store.apply(changes).is_ok()
        };
        for (row, customer, planned) in rows {
            let (outcome, audit) = if together {
                (planned.outcome, planned.audit)
            } else if writing > 1 {
                let again = self.plan_row(store, &run.matcher, &row, customer, run.at)?;
                self.apply_row(store, again)?
            } else {
                self.apply_row(store, planned)?
            };
            report.rows.push(RowOutcome {
                line: row.line,
                row_id: row.customer.id.to_string(),
                outcome,
                audit,
            });
            if let Some(f) = &self.progress {
                f(report.rows.len(), run.total);
            }
        }
        Ok(())
    }

    fn apply_row<S>(&self, store: &S, p: Planned) -> Result<(Outcome, Vec<AuditEvent>)>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        if p.changes.is_empty() {
            return Ok((p.outcome, Vec::new()));
        }
        match store.apply(p.changes).map_err(Error::from) {
            Ok(()) => Ok((p.outcome, p.audit)),
            Err(e @ Error::BatchRefused { .. }) => Ok((
                Outcome::Rejected {
                    reason: format!("refused by the store: {}", e.refusal()),
                },
                Vec::new(),
            )),
            Err(e) => Err(e),
        }
    }

    /// Decides what becomes of one row and makes its batch.
    fn plan_row<S>(
        &self,
        store: &S,
        matcher: &Matcher,
        row: &Incoming,
        customer: Customer,
        at: DateTime<Utc>,
    ) -> Result<Planned>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let key = docs::row_key(&self.source, customer.id.as_str());
        let fingerprint = Fingerprint::record(&customer);
        if self.policy.reject_invalid {
            let report = self.validator.validate(&row.customer);
            let mut codes: Vec<&str> = report
                .issues
                .iter()
                .filter(|i| i.severity == Severity::Error)
                .map(|i| i.code.as_str())
                .collect();
            codes.dedup();
            if !codes.is_empty() {
                return Ok(rejected(format!("invalid: {}", codes.join(", "))));
            }
        }
        if let Some(ext) = docs::get::<_, External>(store, EXTERNAL, &key)? {
            return self.seen_before(store, ext, customer, fingerprint, key, at);
        }
        let held = docs::get::<_, ReviewItem>(store, REVIEW, &key)?;
        if let Some(item) = &held
            && item.fingerprint == fingerprint
        {
            let candidates = item.candidates.iter().map(|c| c.id.clone()).collect();
            return Ok(Planned::nothing(Outcome::Held { candidates }));
        }
        let mut planned = self.plan_new(store, matcher, row, customer, key.clone(), at)?;
        // A row held before with other values: its stale item goes (or is replaced).
        if held.is_some()
            && !matches!(planned.outcome, Outcome::Held { .. })
            && !planned.changes.is_empty()
        {
            planned.changes.push(Change::DeleteDocument {
                namespace: REVIEW.into(),
                key,
            });
        }
        Ok(planned)
    }

    /// Plans a row never imported: matched, then inserted, merged, held or rejected.
    #[allow(clippy::too_many_arguments)]
    fn plan_new<S>(
        &self,
        store: &S,
        matcher: &Matcher,
        row: &Incoming,
        customer: Customer,
        key: String,
        at: DateTime<Utc>,
    ) -> Result<Planned>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let fingerprint = Fingerprint::record(&customer);
        if store.get(&customer.id)?.is_some() {
            return Ok(rejected(format!(
                "id `{}` is held by another customer",
                customer.id
            )));
        }
        let mut matches = Vec::new();
        for m in matcher.match_one(&customer, store)? {
            if !docs::kept_apart(store, &customer.id, &m.id)? {
                matches.push(m);
            }
        }
        let best = matches.first().map_or(0.0, |m| m.probability);
        let external = External {
            customer: customer.id.clone(),
            fingerprint,
        };
        if best < self.policy.review_above || self.policy.on_match == OnMatch::Insert {
            return self.insert(customer, external, key, at);
        }
        match self.policy.on_match {
            OnMatch::Skip => Ok(rejected(match matches.first() {
                Some(m) => format!("matches `{}` (p = {:.3})", m.id, m.probability),
                None => "matches a stored customer".to_owned(),
            })),
            OnMatch::Merge if best >= self.policy.merge_above => {
                let ids: Vec<CustomerId> = matches
                    .iter()
                    .filter(|m| m.probability >= self.policy.merge_above)
                    .map(|m| m.id.clone())
                    .collect();
                self.merge(store, customer, &ids, best, external, key, at)
            }
            _ => {
                let item =
                    self.review_item(store, matcher.model(), row, customer, fingerprint, &matches)?;
                let candidates = item.candidates.iter().map(|c| c.id.clone()).collect();
                let event = AuditEvent::new(AuditAction::Apply, at)
                    .rule("import")
                    .detail(format!("{}: row held for review", self.source));
                Ok(Planned {
                    outcome: Outcome::Held { candidates },
                    changes: vec![docs::put(REVIEW, key, &item)?],
                    audit: vec![event],
                })
            }
        }
    }

    /// A row imported before: unchanged, or its customer replaced when it was not merged since.
    fn seen_before<S>(
        &self,
        store: &S,
        ext: External,
        customer: Customer,
        fingerprint: Fingerprint,
        key: String,
        at: DateTime<Utc>,
    ) -> Result<Planned>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let now = docs::current(store, &ext.customer)?;
        if ext.fingerprint == fingerprint {
            return Ok(Planned::nothing(Outcome::Unchanged {
                customer: now.unwrap_or(ext.customer),
            }));
        }
        let stored = store.get(&ext.customer)?;
        let Some(stored) = stored.filter(|_| now.as_ref() == Some(&ext.customer)) else {
            return Ok(rejected(format!(
                "changed since it was merged or deleted (customer `{}`): unmerge it first",
                ext.customer
            )));
        };
        if !store.merges_of(&stored.id)?.is_empty() {
            return Ok(rejected(format!(
                "changed, and customer `{}` holds merged records: review it by hand",
                stored.id
            )));
        }
        let id = stored.id.clone();
        let changes = vec![
            Change::expect_record(&stored),
            Change::Put(customer),
            docs::put(
                EXTERNAL,
                key,
                &External {
                    customer: id.clone(),
                    fingerprint,
                },
            )?,
        ];
        let audit = vec![
            apply_event(at, None, vec![id.clone()], changes.len() - 1)
                .rule("import")
                .detail(format!("{}: changed row updated its customer", self.source)),
        ];
        Ok(Planned {
            outcome: Outcome::Updated { customer: id },
            changes,
            audit,
        })
    }

    fn insert(
        &self,
        customer: Customer,
        external: External,
        key: String,
        at: DateTime<Utc>,
    ) -> Result<Planned> {
        let id = customer.id.clone();
        let changes = vec![
            Change::Insert(customer),
            docs::put(EXTERNAL, key, &external)?,
        ];
        let event = apply_event(at, None, vec![id.clone()], 2)
            .rule("import")
            .detail(format!("{}: row inserted", self.source));
        Ok(Planned {
            outcome: Outcome::Inserted { customer: id },
            changes,
            audit: vec![event],
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn merge<S>(
        &self,
        store: &S,
        customer: Customer,
        ids: &[CustomerId],
        probability: f64,
        mut external: External,
        key: String,
        at: DateTime<Utc>,
    ) -> Result<Planned>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let (plan, mut changes) = review::merge_changes(&self.merger, store, customer, ids, at)?;
        external.customer = plan.survivor.clone();
        changes.push(docs::put(EXTERNAL, key, &external)?);
        let n = changes.iter().filter(|c| c.is_write()).count();
        Ok(Planned {
            outcome: Outcome::Merged {
                customer: plan.survivor.clone(),
                merge: plan.id.clone(),
                probability,
            },
            changes,
            audit: merge_events(&plan, n),
        })
    }

    fn review_item<S>(
        &self,
        store: &S,
        model: &TrainedModel,
        row: &Incoming,
        customer: Customer,
        fingerprint: Fingerprint,
        matches: &[Match],
    ) -> Result<ReviewItem>
    where
        S: CustomerStore + ?Sized,
        Error: From<S::Error>,
    {
        let ids: Vec<CustomerId> = matches.iter().map(|m| m.id.clone()).collect();
        let mut records = vec![customer.clone()];
        records.extend(store.get_many(&ids)?.into_iter().flatten());
        // Explanations with the same model, from a run over the record and its candidates.
        let pairs = self
            .detector()
            .threshold(0.0)
            .run_with_model(&records, model)
            .map(|r| r.pairs)
            .unwrap_or_default();
        let candidates = matches
            .iter()
            .map(|m| Candidate {
                id: m.id.clone(),
                probability: m.probability,
                match_weight: m.match_weight,
                explanation: pairs
                    .iter()
                    .find(|p| {
                        (p.id_1 == customer.id && p.id_2 == m.id)
                            || (p.id_2 == customer.id && p.id_1 == m.id)
                    })
                    .map(|p| p.explanation.clone()),
            })
            .collect();
        Ok(ReviewItem {
            source: self.source.clone(),
            row_id: customer.id.to_string(),
            line: row.line,
            fingerprint,
            record: customer,
            candidates,
        })
    }
}

/// The model saved in the store by an import or [`Importer::retrain`], if any (see
/// [`Importer`] for an example).
///
/// # Errors
/// The store's errors; an unreadable saved model.
pub fn saved_model<S>(store: &S) -> Result<Option<TrainedModel>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    docs::get(store, MODEL, "model")
}

/// The record of a row as a merge input (no activity yet).
pub(super) fn snapshot_of(customer: Customer) -> RecordSnapshot {
    RecordSnapshot {
        customer,
        activity: Default::default(),
    }
}
