//! The suite's bookkeeping and the records it writes.

use chrono::{DateTime, TimeZone, Utc};

use super::{Failure, Snapshot, snapshot};
use crate::model::{
    Activity, CurrencyCode, Customer, CustomerId, CustomerKind, MergeId, MergeRecord, Money,
    NationalIdKind, RecordSnapshot, Transaction,
};
use crate::store::{CustomerStore, FeedEntry};

/// A store under test and the number of expectations checked so far.
pub(super) struct Suite<'a, S: CustomerStore + ?Sized> {
    pub(super) store: &'a S,
    pub(super) checks: usize,
}

impl<'a, S: CustomerStore + ?Sized> Suite<'a, S> {
    pub(super) fn new(store: &'a S) -> Self {
        Self { store, checks: 0 }
    }

    pub(super) fn expect(
        &mut self,
        check: &'static str,
        cond: bool,
        detail: impl FnOnce() -> String,
    ) -> Result<(), Failure> {
        self.checks += 1;
        if cond {
            Ok(())
        } else {
            Err(Failure::Broken {
                check,
                detail: detail(),
            })
        }
    }

    pub(super) fn snap(&self, check: &'static str) -> Result<Snapshot, Failure> {
        ok(check, snapshot(self.store))
    }

    /// The whole change feed, from the start.
    pub(super) fn feed(&self, check: &'static str) -> Result<Vec<FeedEntry>, Failure> {
        ok(check, self.store.changes_since(0, usize::MAX))
    }

    /// Fails unless the store holds exactly `before` (records, index, merges, feed).
    pub(super) fn unchanged(
        &mut self,
        check: &'static str,
        before: &(Snapshot, Vec<FeedEntry>),
    ) -> Result<(), Failure> {
        let now = (self.snap(check)?, self.feed(check)?);
        self.expect(check, now.0 == before.0, || {
            "a refused batch left changes behind".into()
        })?;
        self.expect(check, now.1 == before.1, || {
            "a refused batch moved the change feed".into()
        })
    }

    /// The store's state and feed, for [`Suite::unchanged`].
    pub(super) fn state(&self, check: &'static str) -> Result<(Snapshot, Vec<FeedEntry>), Failure> {
        Ok((self.snap(check)?, self.feed(check)?))
    }
}

pub(super) fn ok<T, E: std::fmt::Display>(
    check: &'static str,
    r: Result<T, E>,
) -> Result<T, Failure> {
    r.map_err(|e| Failure::Store {
        check,
        message: e.to_string(),
    })
}

pub(super) fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, day.clamp(1, 28), 12, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

pub(super) fn id(s: &str) -> Result<CustomerId, Failure> {
    CustomerId::new(s).map_err(|e| Failure::Broken {
        check: "setup",
        detail: e.to_string(),
    })
}

pub(super) fn sample(n: usize) -> Result<Customer, Failure> {
    let c = Customer::builder(id(&format!("conf-{n:04}"))?, CustomerKind::Person)
        .full_name(format!("Sample Person {n}"))
        .phone(format!("+86 139 {:04} {:04}", n % 10_000, (n * 7) % 10_000))
        .email(format!("person{n}@example.com"))
        .national_id(NationalIdKind::Other("test".into()), format!("T{n:08}"))
        .tag("sample")
        .created_at(at(1))
        .build();
    Ok(c)
}

pub(super) fn transaction(
    customer: &CustomerId,
    day: u32,
    cents: i64,
) -> Result<Transaction, Failure> {
    Ok(Transaction {
        customer: customer.clone(),
        at: at(day),
        amount: Money {
            minor_units: cents,
            currency: CurrencyCode::new("CNY").map_err(|e| Failure::Broken {
                check: "setup",
                detail: e.to_string(),
            })?,
        },
        channel: Some("store".into()),
        reference: None,
    })
}

pub(super) fn merge_record(
    n: usize,
    survivor: &Customer,
    absorbed: &[&Customer],
) -> Result<MergeRecord, Failure> {
    let id = MergeId::new(format!("conf-merge-{n:04}")).map_err(|e| Failure::Broken {
        check: "setup",
        detail: e.to_string(),
    })?;
    Ok(MergeRecord {
        id,
        at: at(10),
        survivor: survivor.id.clone(),
        absorbed: absorbed.iter().map(|c| c.id.clone()).collect(),
        survivor_rule: "oldest".into(),
        field_rules: Vec::new(),
        discarded: Vec::new(),
        before: std::iter::once(survivor)
            .chain(absorbed.iter().copied())
            .map(|c| RecordSnapshot {
                customer: c.clone(),
                activity: Activity::default(),
            })
            .collect(),
        after: Some(RecordSnapshot {
            customer: survivor.clone(),
            activity: Activity::default(),
        }),
        erased_at: None,
    })
}
