//! The audit history: one entry per applied change, kept as store documents written in the
//! change's own batch, queryable per customer and per actor.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{
    Customer, CustomerId, Field, MergeId, Sensitivity, mask_email, mask_id, mask_phone, mask_value,
};
use crate::store::{Change, CustomerStore, Document};

/// The namespace of audit entries, keyed by customer then time.
pub const AUDIT_NAMESPACE: &str = "clientele.audit";
/// The namespace of the per-actor index of audit entries (bodies are entry keys).
pub const AUDIT_BY_ACTOR_NAMESPACE: &str = "clientele.audit.actor";
/// Separates the parts of an audit key (a control character: no id or name holds one).
const SEP: char = '\u{1}';

/// What an audited change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditOp {
    /// A new record.
    Insert,
    /// A record rewritten.
    Update,
    /// A record deleted (archived, unless a merge absorbed it).
    Delete,
    /// An archived record brought back.
    Restore,
    /// A transaction appended.
    AddTransaction,
    /// An interaction appended.
    AddInteraction,
    /// A customer's whole activity replaced (merges and their undo).
    SetActivity,
    /// Merge provenance written or removed.
    MergeRecord,
    /// A document written or removed.
    Document,
    /// A customer's personal data erased (the record became a tombstone).
    Erase,
    /// Values removed by a retention rule.
    Purge,
}

/// How an entry keeps the old and new values of a personal field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditValues {
    /// Masked as everywhere else in the crate (`139****5678`).
    #[default]
    Masked,
    /// Keyed hashes (HMAC-SHA-256), so "did the value change back to X" can be answered by
    /// whoever holds the key; needs the feature `encryption` and a key given to the handle.
    Hashed,
    /// Left out: only the field's name is kept.
    Omitted,
}

/// One field's change in an [`AuditEntry`]: its old and new values as the policy keeps them
/// (personal values masked, hashed or left out; other values as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field's name in the field model.
    pub field: String,
    /// Its values before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub old: Vec<String>,
    /// Its values after.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new: Vec<String>,
}

/// One entry of the audit history: who did what, when, to which record, which fields changed.
///
/// `Debug` is derived: an entry holds no full personal value (see [`AuditValues`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The entry's key in [`AUDIT_NAMESPACE`] (unique, in time order within a customer).
    #[serde(default)]
    pub key: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The actor's name.
    pub actor: String,
    /// The actor's role.
    pub role: String,
    /// What was done.
    pub op: AuditOp,
    /// The customer concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<CustomerId>,
    /// The merge concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeId>,
    /// The document concerned (`namespace/key`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The fields changed, in field-model order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<FieldChange>,
    /// Set when an erasure or a retention purge removed the entry's values (the fact stays).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scrubbed: bool,
}

impl AuditEntry {
    pub(super) fn new(at: DateTime<Utc>, actor: &crate::access::Actor, op: AuditOp) -> Self {
        Self {
            key: String::new(),
            at,
            actor: actor.name.clone(),
            role: actor.role.clone(),
            op,
            customer: None,
            merge: None,
            document: None,
            changes: Vec::new(),
            scrubbed: false,
        }
    }

    /// The entry without values: field names kept, `scrubbed` set.
    pub fn scrubbed(&self) -> Self {
        let mut e = self.clone();
        for c in &mut e.changes {
            c.old.clear();
            c.new.clear();
        }
        e.scrubbed = true;
        e
    }

    /// The entry with the values of these fields removed (`scrubbed` set when any were).
    pub(super) fn without_fields(&self, fields: &[Field]) -> Self {
        let mut e = self.clone();
        for c in &mut e.changes {
            if fields.iter().any(|f| f.name() == c.field) && !(c.old.is_empty() && c.new.is_empty())
            {
                c.old.clear();
                c.new.clear();
                e.scrubbed = true;
            }
        }
        e
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A stamp unique within the process and ordered by time: nanoseconds, then a counter.
fn stamp(at: DateTime<Utc>) -> String {
    let nanos = at.timestamp_nanos_opt().unwrap_or_default().max(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed) % 100_000_000;
    format!("{nanos:020}{n:08}")
}

fn customer_prefix(id: Option<&CustomerId>) -> String {
    format!("{}{SEP}", id.map(CustomerId::as_str).unwrap_or_default())
}

fn actor_prefix(actor: &str) -> String {
    format!("{actor}{SEP}")
}

fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::InvalidSetting {
        setting: "audit".into(),
        reason: format!("cannot encode an audit entry: {e}"),
        value: String::new(),
    })
}

pub(super) fn from_json(body: &str) -> Result<AuditEntry> {
    serde_json::from_str(body).map_err(|e| Error::InvalidSetting {
        setting: AUDIT_NAMESPACE.into(),
        reason: format!("an audit entry cannot be read: {e}"),
        value: String::new(),
    })
}

/// The documents that store a new entry: the entry under its customer, and the actor index.
pub(super) fn write(mut entry: AuditEntry, out: &mut Vec<Change>) -> Result<()> {
    let s = stamp(entry.at);
    entry.key = format!("{}{s}", customer_prefix(entry.customer.as_ref()));
    let by_actor = format!("{}{s}", actor_prefix(&entry.actor));
    out.push(Change::PutDocument(Document::new(
        AUDIT_BY_ACTOR_NAMESPACE,
        by_actor,
        entry.key.clone(),
    )));
    let body = to_json(&entry)?;
    out.push(Change::PutDocument(Document::new(
        AUDIT_NAMESPACE,
        entry.key,
        body,
    )));
    Ok(())
}

/// The document that stores an existing entry rewritten (scrubbed).
pub(super) fn rewrite(entry: &AuditEntry) -> Result<Change> {
    Ok(Change::PutDocument(Document::new(
        AUDIT_NAMESPACE,
        entry.key.clone(),
        to_json(entry)?,
    )))
}

/// Every document of `namespace` whose key starts with `prefix`, in key order.
fn scan_prefix<S>(store: &S, namespace: &str, prefix: &str) -> Result<Vec<Document>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    const PAGE: usize = 256;
    let mut out = Vec::new();
    // Every key of the prefix sorts after the prefix without its separator.
    let mut after = prefix.strip_suffix(SEP).map(str::to_owned);
    loop {
        let page = store.scan_documents(namespace, after.as_deref(), PAGE)?;
        let full = page.len() == PAGE;
        for d in page {
            if !d.key.starts_with(prefix) {
                return Ok(out);
            }
            after = Some(d.key.clone());
            out.push(d);
        }
        if !full {
            return Ok(out);
        }
    }
}

/// The audit history of a customer, oldest first.
///
/// ```
/// use clientele::access::{AccessPolicy, Actor};
/// use clientele::governance::{ActorStore, AuditOp, audit_of};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let store = ActorStore::new(MemoryStore::new(), AccessPolicy::default(), Actor::new("li", "admin"))?;
/// let id = CustomerId::new("C1")?;
/// store.insert(Customer::builder(id.clone(), CustomerKind::Person).phone("13912345678").build())?;
/// let history = audit_of(store.inner(), &id)?;
/// assert_eq!(history.len(), 1);
/// assert_eq!((history[0].op, history[0].actor.as_str()), (AuditOp::Insert, "li"));
/// assert_eq!(history[0].changes.iter().find(|c| c.field == "phone").unwrap().new, ["139****5678"]);
/// # Ok::<(), clientele::Error>(())
/// ```
///
/// # Errors
/// The store's errors; [`Error::InvalidSetting`] for an entry that cannot be read.
pub fn audit_of<S>(store: &S, customer: &CustomerId) -> Result<Vec<AuditEntry>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    scan_prefix(store, AUDIT_NAMESPACE, &customer_prefix(Some(customer)))?
        .iter()
        .map(|d| from_json(&d.body))
        .collect()
}

/// The audit history of an actor, oldest first.
///
/// # Errors
/// As [`audit_of`].
pub fn audit_by<S>(store: &S, actor: &str) -> Result<Vec<AuditEntry>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut out = Vec::new();
    for d in scan_prefix(store, AUDIT_BY_ACTOR_NAMESPACE, &actor_prefix(actor))? {
        if let Some(doc) = store.document(AUDIT_NAMESPACE, &d.body)? {
            out.push(from_json(&doc.body)?);
        }
    }
    Ok(out)
}

/// A personal value as the audit keeps it.
pub(super) fn keep(
    field: &Field,
    value: &str,
    mode: AuditValues,
    hash: &dyn Fn(&str, &str) -> Option<String>,
) -> Option<String> {
    if field.spec().sensitivity == Sensitivity::NotPersonal {
        return Some(value.to_owned());
    }
    match mode {
        AuditValues::Omitted => None,
        AuditValues::Hashed => hash(field.name(), value),
        AuditValues::Masked => Some(match field {
            Field::Phone => mask_phone(value),
            Field::Email => mask_email(value),
            Field::NationalId => mask_id(value),
            _ => mask_value(value),
        }),
    }
}

/// The fields that differ between two versions of a record, with their values as kept.
pub(super) fn diff(
    before: Option<&Customer>,
    after: Option<&Customer>,
    mode: AuditValues,
    hash: &dyn Fn(&str, &str) -> Option<String>,
) -> Vec<FieldChange> {
    let custom: std::collections::BTreeSet<&String> = before
        .into_iter()
        .chain(after)
        .flat_map(|c| c.custom.keys())
        .collect();
    let fields = Field::built_in().chain(custom.into_iter().map(|n| Field::Custom(n.clone())));
    let texts = |c: Option<&Customer>, f: &Field| c.map(|c| f.texts(c)).unwrap_or_default();
    fields
        .filter(|f| !matches!(f, Field::Id))
        .filter_map(|f| {
            let (old, new) = (texts(before, &f), texts(after, &f));
            (old != new).then(|| {
                let kept =
                    |v: Vec<String>| v.iter().filter_map(|x| keep(&f, x, mode, hash)).collect();
                FieldChange {
                    field: f.name().to_owned(),
                    old: kept(old),
                    new: kept(new),
                }
            })
        })
        .collect()
}

/// The entries of a customer rewritten: all values scrubbed (`fields` empty) or those of the
/// named fields.
pub(super) fn scrub_customer<S>(
    store: &S,
    customer: &CustomerId,
    fields: &[Field],
    out: &mut Vec<Change>,
) -> Result<()>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    for e in audit_of(store, customer)? {
        let scrubbed = if fields.is_empty() {
            e.scrubbed()
        } else {
            e.without_fields(fields)
        };
        if scrubbed != e {
            out.push(rewrite(&scrubbed)?);
        }
    }
    Ok(())
}
