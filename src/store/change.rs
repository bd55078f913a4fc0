//! The writes of a batch, and the expectations that make a batch conditional.

use serde::{Deserialize, Serialize};

use super::{Document, Fingerprint};
use crate::model::{
    Activity, Customer, CustomerId, Interaction, MergeId, MergeRecord, Transaction,
};

/// One write in a batch given to [`CustomerStore::apply`](super::CustomerStore::apply), or a
/// condition on the batch ([`Change::Expect`], [`Change::ExpectMerge`]).
///
/// Changes of a batch are applied in order, each seeing the effect of the ones before it (a batch
/// may insert a customer and then add its transactions).
///
/// ```
/// use clientele::store::Change;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).full_name("Ann Lee").build();
/// let batch = vec![Change::Insert(c), Change::Delete(CustomerId::new("C0")?)];
/// assert_eq!(batch.len(), 2);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// Inserts the record, or replaces the record with the same id (its activity is kept).
    Put(Customer),
    /// Inserts the record; refused if its id is already present.
    Insert(Customer),
    /// Deletes the record and its activity; refused if the id is absent.
    Delete(CustomerId),
    /// Appends a transaction; refused if its customer is absent.
    AddTransaction(Transaction),
    /// Appends an interaction; refused if its customer is absent.
    AddInteraction(Interaction),
    /// Replaces a customer's whole activity (used by merges and their undo); refused if the
    /// customer is absent or an item names another customer.
    SetActivity {
        /// Whose activity.
        customer: CustomerId,
        /// The new activity.
        activity: Activity,
    },
    /// Stores the provenance of a merge; refused if a merge record with its id exists.
    InsertMergeRecord(MergeRecord),
    /// Stores the provenance of a merge, replacing the record with the same id (used by privacy
    /// erasure to scrub it).
    PutMergeRecord(MergeRecord),
    /// Deletes a merge record (used by unmerge); refused if the id is absent.
    DeleteMergeRecord(MergeId),
    /// Stores a document, replacing the one with the same namespace and key.
    PutDocument(Document),
    /// Deletes a document; refused if it is absent.
    DeleteDocument {
        /// The document's namespace.
        namespace: String,
        /// Its key.
        key: String,
    },
    /// Writes nothing; refused (with `Error::Conflict` in the crate's stores) unless the
    /// customer is, at this point of the batch, in the expected state. This is optimistic
    /// concurrency: state what you read, and a write planned on stale data is refused whole,
    /// inside the same all-or-nothing batch (no read-then-write race).
    ///
    /// ```
    /// use clientele::store::{Change, CustomerStore, MemoryStore};
    /// use clientele::{Customer, CustomerId, CustomerKind, Error};
    /// let store = MemoryStore::new();
    /// let read = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build();
    /// store.put(read.clone())?;
    /// // Someone else writes in between.
    /// let mut theirs = read.clone();
    /// theirs.tags.insert("theirs".into());
    /// store.put(theirs)?;
    /// // Our write states what it read, and is refused: their change is not lost.
    /// let mut ours = read.clone();
    /// ours.tags.insert("ours".into());
    /// let err = store.apply(vec![Change::expect_record(&read), Change::Put(ours)]).unwrap_err();
    /// assert!(matches!(err.refusal(), Error::Conflict { .. }));
    /// assert!(store.get(&read.id)?.unwrap().tags.contains("theirs"));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    Expect {
        /// Whose state.
        customer: CustomerId,
        /// The state expected.
        expected: Expected,
    },
    /// Writes nothing; refused (with `Error::MergeConflict` in the crate's stores) unless the
    /// merge record is in the expected state: `None` absent, `Some` present with that
    /// fingerprint ([`Fingerprint::merge`]).
    ExpectMerge {
        /// Which merge record.
        merge: MergeId,
        /// Its expected fingerprint, or `None` for absent.
        expected: Option<Fingerprint>,
    },
}

impl Change {
    /// Expects the record exactly as given (its activity may have changed).
    pub fn expect_record(customer: &Customer) -> Self {
        Self::Expect {
            customer: customer.id.clone(),
            expected: Expected::Record(Fingerprint::record(customer)),
        }
    }

    /// Expects the record and its activity exactly as given.
    pub fn expect_with_activity(customer: &Customer, activity: &Activity) -> Self {
        Self::Expect {
            customer: customer.id.clone(),
            expected: Expected::WithActivity(Fingerprint::with_activity(customer, activity)),
        }
    }

    /// Expects no record with this id.
    pub fn expect_absent(id: CustomerId) -> Self {
        Self::Expect {
            customer: id,
            expected: Expected::Absent,
        }
    }

    /// Expects the merge record exactly as given.
    pub fn expect_merge(record: &MergeRecord) -> Self {
        Self::ExpectMerge {
            merge: record.id.clone(),
            expected: Some(Fingerprint::merge(record)),
        }
    }

    /// Whether the change writes something (every change but the expectations).
    pub fn is_write(&self) -> bool {
        !matches!(self, Self::Expect { .. } | Self::ExpectMerge { .. })
    }
}

/// The state a [`Change::Expect`] requires of a customer.
///
/// Stores check it with [`Expected::holds`], reading the activity only when
/// [`Expected::needs_activity`] says so.
///
/// ```
/// use clientele::store::Expected;
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build();
/// assert!(Expected::Absent.holds(None, None));
/// assert!(!Expected::Absent.holds(Some(&c), None));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "fingerprint", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Expected {
    /// No record with the id.
    Absent,
    /// The record, with this fingerprint ([`Fingerprint::record`]).
    Record(Fingerprint),
    /// The record and its activity, with this fingerprint ([`Fingerprint::with_activity`]).
    WithActivity(Fingerprint),
}

impl Expected {
    /// Whether checking needs the customer's activity.
    pub fn needs_activity(&self) -> bool {
        matches!(self, Self::WithActivity(_))
    }

    /// Whether the state holds for what the store holds now: the record (`None` when absent)
    /// and, when [`Expected::needs_activity`], its activity (`None` counts as empty).
    pub fn holds(&self, customer: Option<&Customer>, activity: Option<&Activity>) -> bool {
        match (self, customer) {
            (Self::Absent, c) => c.is_none(),
            (_, None) => false,
            (Self::Record(f), Some(c)) => Fingerprint::record(c) == *f,
            (Self::WithActivity(f), Some(c)) => {
                let empty = Activity::default();
                Fingerprint::with_activity(c, activity.unwrap_or(&empty)) == *f
            }
        }
    }
}
