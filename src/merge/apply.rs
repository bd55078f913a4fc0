//! Applying a plan, undoing a merge, and reading a customer's merge history.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Utc};

use super::audit::{AuditAction, AuditEvent};
use super::plan::MergePlan;
use crate::error::{Error, Result};
use crate::model::CustomerId;
use crate::model::{MergeId, MergeRecord};
use crate::store::{Change, CustomerStore};

/// The audit event of a batch written through `CustomerStore::apply`.
pub(crate) fn apply_event(
    at: DateTime<Utc>,
    merge: Option<&MergeId>,
    customers: Vec<CustomerId>,
    changes: usize,
) -> AuditEvent {
    let e = AuditEvent::new(AuditAction::Apply, at)
        .customers(customers)
        .detail(format!("{changes} changes in one batch"));
    match merge {
        Some(m) => e.merge(m.clone()),
        None => e,
    }
}

/// Applies a merge plan as one all-or-nothing batch ([`MergePlan::changes`]) and returns its
/// audit events (a `merge` event, then an `apply` event).
///
/// The check that the inputs are as planned is part of the batch ([`MergePlan::changes`]
/// starts with an expectation per input), so it and the write happen together: a merge planned
/// on data that changed since, by any thread or process, is refused and nothing is written.
///
/// ```
/// use clientele::merge::{apply_plan, AuditAction, Merger};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let store = MemoryStore::new();
/// for id in ["A", "B"] {
///     store.put(Customer::builder(CustomerId::new(id)?, CustomerKind::Person).email("ann@example.com").build())?;
/// }
/// let cluster = [CustomerId::new("A")?, CustomerId::new("B")?];
/// let plan = Merger::new().plan(&store, &cluster, chrono::Utc::now())?;
/// let events = apply_plan(&store, &plan)?;
/// assert_eq!(events[0].action, AuditAction::Merge);
/// assert_eq!(store.merges_of(&cluster[1])?.len(), 1);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// [`Error::StalePlan`] when a record (or its activity) changed since planning; the store's
/// refusal of the batch (a merge record with the plan's id exists) or its own errors. On any
/// error the store is unchanged.
pub fn apply_plan<S>(store: &S, plan: &MergePlan) -> Result<Vec<AuditEvent>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let changes = plan.changes();
    let n = changes.iter().filter(|c| c.is_write()).count();
    store.apply(changes).map_err(|e| {
        let e = Error::from(e);
        match e.refusal() {
            Error::Conflict { id } => Error::StalePlan { id: id.clone() },
            _ => e,
        }
    })?;
    Ok(merge_events(plan, n))
}

/// The audit events of an applied plan whose batch held `n` writes: a `merge` event, then an
/// `apply` event.
pub(crate) fn merge_events(plan: &MergePlan, n: usize) -> Vec<AuditEvent> {
    let customers: Vec<CustomerId> = std::iter::once(plan.survivor.clone())
        .chain(plan.absorbed.iter().cloned())
        .collect();
    let rules: Vec<String> = plan
        .field_rules
        .iter()
        .map(|(f, r)| format!("{}={r}", f.as_str()))
        .collect();
    let merge = AuditEvent::new(AuditAction::Merge, plan.at)
        .merge(plan.id.clone())
        .customers(customers.clone())
        .rule(plan.survivor_rule.clone())
        .detail(format!(
            "{} values kept, {} discarded; {}",
            plan.kept.len(),
            plan.discarded.len(),
            rules.join(", ")
        ));
    vec![merge, apply_event(plan.at, Some(&plan.id), customers, n)]
}

/// What [`unmerge`] does when the survivor (or its activity) changed after the merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnSurvivorChange {
    /// Refuse with [`Error::SurvivorChanged`] (the default): later changes are never lost
    /// silently.
    #[default]
    Refuse,
    /// Restore the survivor as it was before the merge anyway, dropping its later changes (the
    /// audit event says so).
    Restore,
}

/// Undoes a merge: the survivor and every absorbed record are restored exactly as they were
/// before it, activity included, and the merge record is deleted, in one all-or-nothing batch.
/// Other customers are not touched, whatever happened to them since.
///
/// Returns the audit events (an `unmerge` event, then an `apply` event).
///
/// ```
/// use clientele::merge::{apply_plan, unmerge, Merger, OnSurvivorChange};
/// use clientele::store::{conformance::snapshot, CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let store = MemoryStore::new();
/// for id in ["A", "B"] {
///     store.put(Customer::builder(CustomerId::new(id)?, CustomerKind::Person).full_name(id).build())?;
/// }
/// let before = snapshot(&store)?;
/// let cluster = [CustomerId::new("A")?, CustomerId::new("B")?];
/// let plan = Merger::new().plan(&store, &cluster, chrono::Utc::now())?;
/// apply_plan(&store, &plan)?;
/// unmerge(&store, &plan.id, chrono::Utc::now(), OnSurvivorChange::Refuse)?;
/// assert_eq!(snapshot(&store)?, before);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// [`Error::MergeNotFound`]; [`Error::MergeErased`] when a privacy erasure scrubbed the merge;
/// [`Error::SurvivorChanged`] when the survivor changed (or is gone) and `on_change` is
/// [`OnSurvivorChange::Refuse`] (checked again inside the batch, so a change racing the undo is
/// caught too); [`Error::MergeConflict`] when the merge record changed meanwhile (a concurrent
/// erasure scrubbed it); the store's refusal of the batch (an absorbed id was reused by a new
/// record) or its own errors. On any error the store is unchanged.
pub fn unmerge<S>(
    store: &S,
    merge: &MergeId,
    at: DateTime<Utc>,
    on_change: OnSurvivorChange,
) -> Result<Vec<AuditEvent>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let record = store
        .merge_record(merge)?
        .ok_or_else(|| Error::MergeNotFound {
            merge: merge.to_string(),
        })?;
    if record.erased_at.is_some() || record.before.is_empty() {
        return Err(Error::MergeErased {
            merge: merge.to_string(),
        });
    }
    let current = store.get(&record.survivor)?;
    let unchanged = match (&record.after, &current) {
        (Some(after), Some(now)) => {
            &after.customer == now && store.activity(&record.survivor)? == after.activity
        }
        _ => false,
    };
    if !unchanged && on_change == OnSurvivorChange::Refuse {
        return Err(Error::SurvivorChanged {
            merge: merge.to_string(),
            survivor: record.survivor.clone(),
        });
    }
    let mut changes = vec![
        Change::expect_merge(&record),
        Change::DeleteMergeRecord(record.id.clone()),
    ];
    if on_change == OnSurvivorChange::Refuse
        && let Some(after) = &record.after
    {
        changes.insert(
            0,
            Change::expect_with_activity(&after.customer, &after.activity),
        );
    }
    for snap in &record.before {
        let c = snap.customer.clone();
        let id = c.id.clone();
        if id == record.survivor {
            changes.push(Change::Put(c));
        } else {
            changes.push(Change::Insert(c));
        }
        changes.push(Change::SetActivity {
            customer: id,
            activity: snap.activity.clone(),
        });
    }
    let n = changes.iter().filter(|c| c.is_write()).count();
    store.apply(changes).map_err(|e| {
        let e = Error::from(e);
        match e.refusal() {
            Error::Conflict { .. } => Error::SurvivorChanged {
                merge: merge.to_string(),
                survivor: record.survivor.clone(),
            },
            _ => e,
        }
    })?;
    let customers: Vec<CustomerId> = record.customers().cloned().collect();
    let detail = if unchanged {
        "every record restored as before the merge".to_owned()
    } else {
        "every record restored as before the merge; later changes to the survivor dropped"
            .to_owned()
    };
    let event = AuditEvent::new(AuditAction::Unmerge, at)
        .merge(record.id.clone())
        .customers(customers.clone())
        .rule(record.survivor_rule.clone())
        .detail(detail);
    Ok(vec![event, apply_event(at, Some(&record.id), customers, n)])
}

/// Every merge record linked to a customer: the merges it survived, the merges of the records
/// it absorbed, the merge that absorbed it, and so on transitively, ordered by merge time.
/// This is the full history of a merged customer.
///
/// ```
/// use clientele::merge::history;
/// use clientele::store::MemoryStore;
/// use clientele::CustomerId;
/// assert!(history(&MemoryStore::new(), &CustomerId::new("A")?)?.is_empty());
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// The store's own errors.
pub fn history<S>(store: &S, customer: &CustomerId) -> Result<Vec<MergeRecord>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut found: BTreeMap<MergeId, MergeRecord> = BTreeMap::new();
    let mut seen: BTreeSet<CustomerId> = BTreeSet::new();
    let mut queue: VecDeque<CustomerId> = VecDeque::from([customer.clone()]);
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id.clone()) {
            continue;
        }
        for r in store.merges_of(&id)? {
            for c in r.customers() {
                if !seen.contains(c) {
                    queue.push_back(c.clone());
                }
            }
            found.entry(r.id.clone()).or_insert(r);
        }
    }
    let mut out: Vec<MergeRecord> = found.into_values().collect();
    out.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}
