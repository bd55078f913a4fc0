//! The refusals every crate store gives, in one place so that they agree.

use super::{Expected, Fingerprint};
use crate::error::Error;
use crate::model::{Activity, Customer, CustomerId, MergeId, MergeRecord};

/// Refuses activity that names a customer other than its owner.
pub(crate) fn foreign_activity(customer: &CustomerId, activity: &Activity) -> Result<(), Error> {
    let foreign = activity
        .transactions
        .iter()
        .any(|t| &t.customer != customer)
        || activity
            .interactions
            .iter()
            .any(|i| &i.customer != customer);
    if foreign {
        Err(Error::InvalidValue {
            field: "activity".to_owned(),
            reason: format!("an item names a customer other than `{customer}`"),
            masked: String::new(),
        })
    } else {
        Ok(())
    }
}

/// The refusal of a merge record inserted under an id already held.
pub(crate) fn merge_exists(id: &MergeId) -> Error {
    Error::InvalidValue {
        field: "merge_record".to_owned(),
        reason: format!("merge `{id}` already exists"),
        masked: String::new(),
    }
}

/// The refusal of a deletion of a merge record not held.
pub(crate) fn merge_absent(id: &MergeId) -> Error {
    Error::MergeNotFound {
        merge: id.to_string(),
    }
}

/// Checks a customer expectation against what is held now.
pub(crate) fn expect_customer(
    id: &CustomerId,
    expected: &Expected,
    now: Option<&Customer>,
    activity: Option<&Activity>,
) -> Result<(), Error> {
    if expected.holds(now, activity) {
        Ok(())
    } else {
        Err(Error::Conflict { id: id.clone() })
    }
}

/// Checks a merge record expectation against what is held now.
pub(crate) fn expect_merge(
    id: &MergeId,
    expected: Option<Fingerprint>,
    now: Option<&MergeRecord>,
) -> Result<(), Error> {
    if now.map(Fingerprint::merge) == expected {
        Ok(())
    } else {
        Err(Error::MergeConflict {
            merge: id.to_string(),
        })
    }
}

/// The refusal of a deletion of a document not held.
pub(crate) fn document_absent(namespace: &str, key: &str) -> Error {
    Error::InvalidValue {
        field: "document".to_owned(),
        reason: format!("no document `{key}` in namespace `{namespace}`"),
        masked: String::new(),
    }
}
