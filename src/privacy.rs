//! Privacy requests (PIPL, GDPR): export everything held about a customer, erase it, record
//! consent withdrawal, and ask whether a customer may be contacted.
//!
//! - [`export_customer`]: the record, its activity and every merge record linked to it, as one
//!   serde-serializable [`CustomerExport`] (the right of access and portability).
//! - [`erase_customer`]: the record is replaced by a **tombstone** (id, kind, source, creation
//!   time, consent history and an `erased_at` custom field; no name, contact, address, birth
//!   date, identifier, tag or custom field), interaction notes and transaction references are
//!   dropped, and every merge record linked to the customer is scrubbed to ids, times and rule
//!   names, in one all-or-nothing batch. Afterwards no record, provenance entry or index of the
//!   store holds the customer's personal values; the tombstone and the audit events say who
//!   was erased and when. A scrubbed merge can no longer be undone.
//! - [`withdraw_consent`] appends a withdrawal to the consent history; [`may_contact`] is the
//!   query segments use: the latest consent event for the purpose, as of a time, must be a
//!   `Given`, and the customer must not be erased.
//!
//! ```
//! use clientele::model::ConsentPurpose;
//! use clientele::privacy::{erase_customer, export_customer, may_contact, withdraw_consent};
//! use clientele::store::{CustomerStore, MemoryStore};
//! use clientele::model::ConsentStatus;
//! use clientele::{Customer, CustomerId, CustomerKind};
//! use chrono::{TimeZone, Utc};
//!
//! let t = |d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap();
//! let id = CustomerId::new("C1")?;
//! let store = MemoryStore::new();
//! store.put(Customer::builder(id.clone(), CustomerKind::Person)
//!     .full_name("王芳").phone("13800135678")
//!     .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
//!     .build())?;
//!
//! assert_eq!(export_customer(&store, &id, t(2))?.customer.phones.len(), 1);
//! withdraw_consent(&store, &id, ConsentPurpose::Marketing, t(3), "call_centre")?;
//! let c = store.get(&id)?.unwrap();
//! assert!(may_contact(&c, &ConsentPurpose::Marketing, t(2)));   // as it stood then
//! assert!(!may_contact(&c, &ConsentPurpose::Marketing, t(4)));
//!
//! let erasure = erase_customer(&store, &id, t(5))?;
//! let tombstone = store.get(&id)?.unwrap();
//! assert!(tombstone.phones.is_empty() && tombstone.person_name.is_none());
//! assert_eq!(erasure.events[0].action, clientele::merge::AuditAction::Erase);
//! # Ok::<(), clientele::Error>(())
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::merge::{AuditAction, AuditEvent, MergeId, MergeRecord, apply_event, history};
use crate::model::{
    Activity, Consent, ConsentPurpose, ConsentStatus, CustomValue, Customer, CustomerId,
};
use crate::store::{Change, CustomerStore};

/// The custom field a tombstone carries: when the customer was erased.
pub const ERASED_AT_FIELD: &str = "erased_at";

/// How many times a request that read the store and lost a race with another writer (its
/// batch refused by an expectation) reads again and retries before giving up.
const RETRIES: usize = 8;

/// Runs `attempt` until its batch is not refused by an expectation (another writer changed
/// what it read), at most [`RETRIES`] more times; the last conflict is returned as it came.
fn retrying<T>(mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    let mut left = RETRIES;
    loop {
        match attempt() {
            Err(e)
                if left > 0
                    && matches!(
                        e.refusal(),
                        Error::Conflict { .. } | Error::MergeConflict { .. }
                    ) =>
            {
                left -= 1;
            }
            other => return other,
        }
    }
}

/// Everything a store holds about one customer. Serialize it (JSON, say) to answer an access
/// or portability request. `Debug` masks personal values (activity prints as counts, since
/// interaction notes are free text).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The record.
    pub customer: Customer,
    /// Its transactions and interactions.
    pub activity: Activity,
    /// Every merge record linked to it (its own merges and those of the records it absorbed),
    /// with the values that did not survive.
    pub merges: Vec<MergeRecord>,
}

impl std::fmt::Debug for CustomerExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerExport")
            .field("exported_at", &self.exported_at)
            .field("customer", &self.customer.id)
            .field("transactions", &self.activity.transactions.len())
            .field("interactions", &self.activity.interactions.len())
            .field("merges", &self.merges)
            .finish()
    }
}

/// What an erasure did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Erasure {
    /// The customer erased (the survivor, when an absorbed id was given).
    pub customer: CustomerId,
    /// The merge records scrubbed.
    pub scrubbed_merges: Vec<MergeId>,
    /// The audit events (an `erase` event, then an `apply` event).
    pub events: Vec<AuditEvent>,
}

/// The id under which a customer is held now: itself, or the survivor of the merge that
/// absorbed it (followed through later merges).
fn resolve<S>(store: &S, id: &CustomerId) -> Result<CustomerId>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut current = id.clone();
    // A chain of merges can be no longer than the number of merge records; this bound only
    // guards against a corrupt store that loops.
    for _ in 0..10_000 {
        if store.get(&current)?.is_some() {
            return Ok(current);
        }
        let next = store
            .merges_of(&current)?
            .into_iter()
            .filter(|r| r.absorbed.contains(&current))
            .max_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)))
            .map(|r| r.survivor);
        match next {
            Some(n) => current = n,
            None => break,
        }
    }
    Err(Error::NotFound { id: id.clone() })
}

/// Everything held about a customer: record, activity and linked merge records. An id that
/// was absorbed by a merge leads to its survivor.
///
/// # Errors
/// [`Error::NotFound`] when the store holds no such customer (nor a merge that absorbed it);
/// the store's own errors.
pub fn export_customer<S>(store: &S, id: &CustomerId, at: DateTime<Utc>) -> Result<CustomerExport>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let id = resolve(store, id)?;
    let customer = store
        .get(&id)?
        .ok_or_else(|| Error::NotFound { id: id.clone() })?;
    Ok(CustomerExport {
        exported_at: at,
        activity: store.activity(&id)?,
        merges: history(store, &id)?,
        customer,
    })
}

/// Whether a record is an erasure tombstone.
///
/// ```
/// use clientele::privacy::is_erased;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// assert!(!is_erased(&Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build()));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn is_erased(customer: &Customer) -> bool {
    customer.custom.contains_key(ERASED_AT_FIELD)
}

/// The tombstone that replaces an erased record.
fn tombstone(c: &Customer, at: DateTime<Utc>) -> Customer {
    let mut t = Customer::builder(c.id.clone(), c.kind).build();
    t.source = c.source.clone();
    t.created_at = c.created_at;
    t.updated_at = at.max(c.created_at);
    t.consents = c.consents.clone();
    t.custom
        .insert(ERASED_AT_FIELD.to_owned(), CustomValue::Timestamp(at));
    t
}

/// Erases a customer's personal data everywhere in the store, in one all-or-nothing batch:
/// the record becomes a tombstone, interaction notes and transaction references are dropped
/// (amounts, times and channels stay, as bookkeeping may require), and every merge record
/// linked to the customer is scrubbed (see [`MergeRecord::scrubbed`]). An id that was absorbed
/// by a merge leads to its survivor, which holds the same person's data.
///
/// The customer id stays, as the key of the tombstone: ids are the caller's keys, not personal
/// data (see [`CustomerId`]).
///
/// The batch states what it read (the record, its activity and every merge record), so a write
/// racing the erasure (a transaction added meanwhile, a new merge) refuses it; the erasure then
/// reads again and retries, a few times.
///
/// # Errors
/// [`Error::NotFound`] when the store holds no such customer; [`Error::Conflict`] (or
/// [`Error::MergeConflict`]) when other writers kept changing the customer through every retry;
/// the store's own errors. On error the store is unchanged.
pub fn erase_customer<S>(store: &S, id: &CustomerId, at: DateTime<Utc>) -> Result<Erasure>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    retrying(|| erase_once(store, id, at))
}

fn erase_once<S>(store: &S, id: &CustomerId, at: DateTime<Utc>) -> Result<Erasure>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let id = resolve(store, id)?;
    let customer = store
        .get(&id)?
        .ok_or_else(|| Error::NotFound { id: id.clone() })?;
    let read = store.activity(&id)?;
    let mut activity = read.clone();
    for t in &mut activity.transactions {
        t.reference = None;
    }
    for i in &mut activity.interactions {
        i.note = None;
    }
    let merges = history(store, &id)?;
    let mut changes = vec![Change::expect_with_activity(&customer, &read)];
    changes.extend(merges.iter().map(Change::expect_merge));
    changes.push(Change::Put(tombstone(&customer, at)));
    changes.push(Change::SetActivity {
        customer: id.clone(),
        activity,
    });
    let scrubbed_merges: Vec<MergeId> = merges.iter().map(|r| r.id.clone()).collect();
    changes.extend(
        merges
            .iter()
            .map(|r| Change::PutMergeRecord(r.scrubbed(at))),
    );
    let n = changes.iter().filter(|c| c.is_write()).count();
    store.apply(changes)?;
    let erase = AuditEvent::new(AuditAction::Erase, at)
        .customers(vec![id.clone()])
        .detail(format!(
            "record replaced by a tombstone; {} merge records scrubbed",
            scrubbed_merges.len()
        ));
    Ok(Erasure {
        events: vec![erase, apply_event(at, None, vec![id.clone()], n)],
        customer: id,
        scrubbed_merges,
    })
}

/// Records the withdrawal of a consent: a `Withdrawn` event is appended to the customer's
/// consent history (earlier events stay, as evidence), and the record is written back.
///
/// The write states the record it read, so a concurrent change is never overwritten: the
/// withdrawal reads again and retries, a few times.
///
/// # Errors
/// [`Error::NotFound`] when the store holds no such customer; [`Error::Conflict`] when other
/// writers kept changing the record through every retry; the store's own errors.
pub fn withdraw_consent<S>(
    store: &S,
    id: &CustomerId,
    purpose: ConsentPurpose,
    at: DateTime<Utc>,
    channel: &str,
) -> Result<Vec<AuditEvent>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let id = retrying(|| {
        let id = resolve(store, id)?;
        let read = store
            .get(&id)?
            .ok_or_else(|| Error::NotFound { id: id.clone() })?;
        let mut customer = read.clone();
        customer.consents.push(Consent {
            purpose: purpose.clone(),
            status: ConsentStatus::Withdrawn,
            at,
            channel: channel.to_owned(),
        });
        customer.updated_at = customer.updated_at.max(at);
        store.apply(vec![Change::expect_record(&read), Change::Put(customer)])?;
        Ok(id)
    })?;
    let detail = match &purpose {
        ConsentPurpose::Marketing => "purpose marketing".to_owned(),
        ConsentPurpose::Other(p) => format!("purpose {p}"),
    };
    let event = AuditEvent::new(AuditAction::WithdrawConsent, at)
        .customers(vec![id.clone()])
        .detail(format!("{detail}, channel {channel}"));
    Ok(vec![event, apply_event(at, None, vec![id], 1)])
}

/// Whether a customer may be contacted for a purpose as of a time: the latest consent event
/// for the purpose recorded at or before `as_of` is `Given`, and the record is not an erasure
/// tombstone. No consent at all means no.
///
/// ```
/// use clientele::model::{ConsentPurpose, ConsentStatus};
/// use clientele::privacy::may_contact;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// use chrono::{TimeZone, Utc};
/// let t = |d| Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap();
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person)
///     .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
///     .consent(ConsentPurpose::Marketing, ConsentStatus::Withdrawn, t(10), "call")
///     .build();
/// assert!(!may_contact(&c, &ConsentPurpose::Marketing, t(1) - chrono::Duration::days(1)));
/// assert!(may_contact(&c, &ConsentPurpose::Marketing, t(5)));
/// assert!(!may_contact(&c, &ConsentPurpose::Marketing, t(10)));
/// assert!(!may_contact(&c, &ConsentPurpose::Other("survey".into()), t(5)));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn may_contact(customer: &Customer, purpose: &ConsentPurpose, as_of: DateTime<Utc>) -> bool {
    if is_erased(customer) {
        return false;
    }
    // The latest event at or before `as_of`; of events at the same instant, the last recorded.
    customer
        .consents
        .iter()
        .enumerate()
        .filter(|(_, c)| &c.purpose == purpose && c.at <= as_of)
        .max_by_key(|(i, c)| (c.at, *i))
        .is_some_and(|(_, c)| c.status == ConsentStatus::Given)
}
