//! Deleted customers kept restorable: an archive document per customer, written in the
//! deletion's batch, read back by [`ActorStore::restore_archived`] until a retention rule purges it.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::handle::ActorStore;
use crate::error::{Error, Result};
use crate::model::{Activity, Customer, CustomerId};
use crate::store::{Change, CustomerStore, Document};

/// The namespace of archived customers, keyed by customer id.
pub const ARCHIVE_NAMESPACE: &str = "clientele.archive";

/// A deleted customer as the archive keeps it: the record and its activity as they were, when
/// and by whom it was deleted. `Debug` shows the id and the time only.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ArchivedCustomer {
    /// The record as it was.
    pub customer: Customer,
    /// Its activity as it was.
    #[serde(default)]
    pub activity: Activity,
    /// When it was deleted.
    pub deleted_at: DateTime<Utc>,
    /// Who deleted it.
    pub deleted_by: String,
}

impl fmt::Debug for ArchivedCustomer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ArchivedCustomer")
            .field("customer", &self.customer.id)
            .field("deleted_at", &self.deleted_at)
            .field("deleted_by", &self.deleted_by)
            .finish_non_exhaustive()
    }
}

fn bad(reason: String) -> Error {
    Error::InvalidSetting {
        setting: ARCHIVE_NAMESPACE.into(),
        reason,
        value: String::new(),
    }
}

/// The document that archives a record being deleted.
pub(super) fn archive_change(
    customer: &Customer,
    activity: &Activity,
    at: DateTime<Utc>,
    by: &str,
) -> Result<Change> {
    let a = ArchivedCustomer {
        customer: customer.clone(),
        activity: activity.clone(),
        deleted_at: at,
        deleted_by: by.to_owned(),
    };
    let body = serde_json::to_string(&a).map_err(|e| bad(format!("cannot encode: {e}")))?;
    Ok(Change::PutDocument(Document::new(
        ARCHIVE_NAMESPACE,
        customer.id.as_str(),
        body,
    )))
}

fn read(d: &Document) -> Result<ArchivedCustomer> {
    serde_json::from_str(&d.body).map_err(|e| bad(format!("an archive cannot be read: {e}")))
}

/// The archived customer of this id, if any.
///
/// # Errors
/// The store's errors; [`Error::InvalidSetting`] for an archive that cannot be read.
pub fn archived<S>(store: &S, id: &CustomerId) -> Result<Option<ArchivedCustomer>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    store
        .document(ARCHIVE_NAMESPACE, id.as_str())?
        .map(|d| read(&d))
        .transpose()
}

/// Up to `limit` archived customers in id order, after `after`; empty at the end.
///
/// # Errors
/// As [`archived`].
pub fn scan_archived<S>(
    store: &S,
    after: Option<&CustomerId>,
    limit: usize,
) -> Result<Vec<ArchivedCustomer>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    store
        .scan_documents(ARCHIVE_NAMESPACE, after.map(CustomerId::as_str), limit)?
        .iter()
        .map(read)
        .collect()
}

impl<S> ActorStore<S>
where
    S: CustomerStore,
    Error: From<S::Error>,
{
    /// Brings an archived customer back, with its activity, in one all-or-nothing batch that
    /// removes the archive and audits the restore (checked as an insert by this actor).
    ///
    /// ```
    /// use clientele::access::{AccessPolicy, Actor};
    /// use clientele::governance::{ActorStore, archived};
    /// use clientele::store::{CustomerStore, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind};
    /// let store = ActorStore::new(MemoryStore::new(), AccessPolicy::default(), Actor::new("li", "admin"))?;
    /// let id = CustomerId::new("C1")?;
    /// store.insert(Customer::builder(id.clone(), CustomerKind::Person).full_name("王芳").build())?;
    /// store.delete(&id)?;
    /// assert!(store.get(&id)?.is_none());
    /// assert!(archived(store.inner(), &id)?.is_some());
    /// store.restore_archived(&id)?;
    /// assert!(store.get(&id)?.is_some());
    /// assert!(archived(store.inner(), &id)?.is_none());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NotFound`] when no archive of the id exists; [`Error::AccessDenied`] (inside
    /// [`Error::BatchRefused`]) when the actor may not create the record; the store's
    /// refusals (a live record of the id exists).
    pub fn restore_archived(&self, id: &CustomerId) -> Result<Customer> {
        let a = archived(&self.inner, id)?.ok_or_else(|| Error::NotFound { id: id.clone() })?;
        let changes = vec![
            Change::expect_absent(id.clone()),
            Change::Insert(a.customer.clone()),
            Change::SetActivity {
                customer: id.clone(),
                activity: a.activity,
            },
            Change::DeleteDocument {
                namespace: ARCHIVE_NAMESPACE.into(),
                key: id.as_str().to_owned(),
            },
        ];
        let batch = self.checked_with(changes, true)?;
        self.inner.apply(batch)?;
        Ok(a.customer)
    }
}
