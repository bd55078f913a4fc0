//! The contract test suite for [`CustomerStore`] implementations.
//!
//! Run [`run`] on an empty store in your own tests; it exercises reads, writes, pagination, the
//! secondary index, activity and the all-or-nothing rule of [`CustomerStore::apply`], and returns
//! the first broken expectation.
//!
//! ```
//! use clientele::store::{conformance, MemoryStore};
//! let mut store = MemoryStore::new();
//! let report = conformance::run(&mut store)?;
//! assert!(report.checks > 20);
//! # Ok::<(), conformance::Failure>(())
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::{Change, CustomerStore, SecondaryKey, batches};
use crate::merge::{MergeId, MergeRecord, RecordSnapshot};
use crate::model::{
    Activity, CurrencyCode, Customer, CustomerId, CustomerKind, Interaction, InteractionKind,
    Money, NationalIdKind, Transaction,
};

/// What the suite found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// The store answered an error where the contract expects success.
    #[error("check `{check}`: the store failed: {message}")]
    Store {
        /// Which check was running.
        check: &'static str,
        /// The store's error, as text.
        message: String,
    },
    /// The store answered, but not as the contract says.
    #[error("check `{check}`: {detail}")]
    Broken {
        /// Which check failed.
        check: &'static str,
        /// What was expected and what came.
        detail: String,
    },
    /// The suite needs an empty store to start from.
    #[error("the store must be empty before the suite runs (it holds {0} records)")]
    NotEmpty(usize),
}

/// What a successful run covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// How many expectations were checked.
    pub checks: usize,
}

/// Everything a store holds, read through the trait: records, activity, the index entries of
/// every key the records derive, and merge records with their index. Two equal snapshots mean two stores that no caller can tell
/// apart through the trait (stale index entries aside, which [`run`] checks separately).
///
/// ```
/// use clientele::store::{conformance::snapshot, CustomerStore, MemoryStore};
/// let store = MemoryStore::new();
/// assert!(snapshot(&store)?.customers.is_empty());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Snapshot {
    /// Every record, in id order.
    pub customers: Vec<Customer>,
    /// Every non-empty activity, by customer.
    pub activity: BTreeMap<CustomerId, Activity>,
    /// For every key derived from a held record, the ids the store returns.
    pub index: BTreeMap<SecondaryKey, Vec<CustomerId>>,
    /// Every merge record, by id.
    pub merges: BTreeMap<MergeId, MergeRecord>,
    /// For every customer id a merge record names (and every held record), the merge ids
    /// [`CustomerStore::merges_of`] returns, when there are any.
    pub merge_index: BTreeMap<CustomerId, Vec<MergeId>>,
}

/// Reads a [`Snapshot`] of a store.
///
/// # Errors
/// The store's own errors.
pub fn snapshot<S: CustomerStore + ?Sized>(store: &S) -> Result<Snapshot, S::Error> {
    let mut snap = Snapshot::default();
    for batch in batches(store, 512) {
        for c in batch? {
            let activity = store.activity(&c.id)?;
            if !activity.is_empty() {
                snap.activity.insert(c.id.clone(), activity);
            }
            for key in store.indexer().keys_of(&c) {
                if let std::collections::btree_map::Entry::Vacant(slot) = snap.index.entry(key) {
                    let ids = store.lookup(slot.key())?;
                    slot.insert(ids);
                }
            }
            snap.customers.push(c);
        }
    }
    let mut after: Option<MergeId> = None;
    loop {
        let batch = store.scan_merges(after.as_ref(), 512)?;
        let Some(last) = batch.last() else { break };
        after = Some(last.id.clone());
        for r in batch {
            snap.merges.insert(r.id.clone(), r);
        }
    }
    let named: std::collections::BTreeSet<CustomerId> = snap
        .merges
        .values()
        .flat_map(|r| r.customers().cloned())
        .chain(snap.customers.iter().map(|c| c.id.clone()))
        .collect();
    for id in named {
        let ids: Vec<MergeId> = store.merges_of(&id)?.into_iter().map(|r| r.id).collect();
        if !ids.is_empty() {
            snap.merge_index.insert(id, ids);
        }
    }
    Ok(snap)
}

struct Suite<'a, S: CustomerStore + ?Sized> {
    store: &'a mut S,
    checks: usize,
}

impl<S: CustomerStore + ?Sized> Suite<'_, S> {
    fn expect(
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

    fn snap(&self, check: &'static str) -> Result<Snapshot, Failure> {
        ok(check, snapshot(&*self.store))
    }
}

fn ok<T, E: std::fmt::Display>(check: &'static str, r: Result<T, E>) -> Result<T, Failure> {
    r.map_err(|e| Failure::Store {
        check,
        message: e.to_string(),
    })
}

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, day.clamp(1, 28), 12, 0, 0)
        .single()
        .unwrap_or(DateTime::UNIX_EPOCH)
}

fn id(s: &str) -> Result<CustomerId, Failure> {
    CustomerId::new(s).map_err(|e| Failure::Broken {
        check: "setup",
        detail: e.to_string(),
    })
}

fn sample(n: usize) -> Result<Customer, Failure> {
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

fn transaction(customer: &CustomerId, day: u32, cents: i64) -> Result<Transaction, Failure> {
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

fn merge_record(
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

fn merges_of_ids<S: CustomerStore + ?Sized>(
    store: &S,
    check: &'static str,
    id: &CustomerId,
) -> Result<Vec<MergeId>, Failure> {
    Ok(ok(check, store.merges_of(id))?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

fn merge_checks<S: CustomerStore + ?Sized>(
    s: &mut Suite<'_, S>,
    a: &Customer,
    c: &Customer,
) -> Result<(), Failure> {
    let gone = sample(90)?;
    let m1 = merge_record(1, a, &[&gone])?;
    let got = ok("merge.empty", s.store.merge_record(&m1.id))?;
    s.expect("merge.empty", got.is_none(), || {
        "merge_record of an unknown id returned a record".into()
    })?;
    ok(
        "merge.insert",
        s.store.apply(vec![Change::InsertMergeRecord(m1.clone())]),
    )?;
    let got = ok("merge.get", s.store.merge_record(&m1.id))?;
    s.expect("merge.get", got.as_ref() == Some(&m1), || {
        "the merge record read back differs from the one inserted".into()
    })?;
    for who in [&a.id, &gone.id] {
        let ids = merges_of_ids(&*s.store, "merge.index", who)?;
        s.expect("merge.index", ids == vec![m1.id.clone()], || {
            format!("merges_of({who}) gave {ids:?}")
        })?;
    }
    let refused = s
        .store
        .apply(vec![Change::InsertMergeRecord(m1.clone())])
        .is_err();
    s.expect("merge.insert.existing", refused, || {
        "inserting an existing merge id succeeded".into()
    })?;

    // A second merge naming `a` lists after the first; replacing one moves its index entries.
    let m2 = merge_record(2, c, &[a])?;
    ok(
        "merge.second",
        s.store.apply(vec![Change::InsertMergeRecord(m2.clone())]),
    )?;
    let ids = merges_of_ids(&*s.store, "merge.index.order", &a.id)?;
    s.expect(
        "merge.index.order",
        ids == vec![m1.id.clone(), m2.id.clone()],
        || format!("merges_of gave {ids:?}"),
    )?;
    let m1b = m1.scrubbed(at(11));
    let mut m1c = m1b.clone();
    m1c.absorbed.clear();
    ok(
        "merge.put",
        s.store.apply(vec![Change::PutMergeRecord(m1c.clone())]),
    )?;
    let got = ok("merge.put.get", s.store.merge_record(&m1.id))?;
    s.expect("merge.put.get", got.as_ref() == Some(&m1c), || {
        "a replaced merge record reads back differently".into()
    })?;
    let ids = merges_of_ids(&*s.store, "merge.put.stale", &gone.id)?;
    s.expect("merge.put.stale", ids.is_empty(), || {
        format!("a customer no longer named still lists {ids:?}")
    })?;
    let scanned = ok("merge.scan", s.store.scan_merges(None, 10))?;
    let scanned: Vec<MergeId> = scanned.into_iter().map(|r| r.id).collect();
    s.expect(
        "merge.scan",
        scanned == vec![m1.id.clone(), m2.id.clone()],
        || format!("scan_merges gave {scanned:?}"),
    )?;
    let scanned = ok("merge.scan.after", s.store.scan_merges(Some(&m1.id), 10))?;
    s.expect(
        "merge.scan.after",
        scanned.len() == 1 && scanned.first().map(|r| &r.id) == Some(&m2.id),
        || format!("scan_merges after the first gave {} records", scanned.len()),
    )?;

    // All or nothing, merge records included.
    let before = s.snap("merge.atomic.before")?;
    let absent = MergeId::new("conf-merge-absent").map_err(|e| Failure::Broken {
        check: "setup",
        detail: e.to_string(),
    })?;
    let batch = vec![
        Change::DeleteMergeRecord(m2.id.clone()),
        Change::PutMergeRecord(m1.clone()),
        Change::InsertMergeRecord(merge_record(3, a, &[c])?),
        Change::DeleteMergeRecord(absent),
    ];
    let refused = s.store.apply(batch).is_err();
    s.expect("merge.atomic.refused", refused, || {
        "deleting an absent merge record succeeded".into()
    })?;
    let after = s.snap("merge.atomic.after")?;
    s.expect("merge.atomic.unchanged", before == after, || {
        "a refused batch left merge record changes behind".into()
    })?;

    // Deleting merge records empties the index.
    ok(
        "merge.delete",
        s.store.apply(vec![
            Change::DeleteMergeRecord(m1.id.clone()),
            Change::DeleteMergeRecord(m2.id.clone()),
        ]),
    )?;
    for who in [&a.id, &c.id, &gone.id] {
        let ids = merges_of_ids(&*s.store, "merge.delete.index", who)?;
        s.expect("merge.delete.index", ids.is_empty(), || {
            format!("after deleting every merge, merges_of({who}) gave {ids:?}")
        })?;
    }
    let left = ok("merge.delete.scan", s.store.scan_merges(None, 10))?;
    s.expect("merge.delete.scan", left.is_empty(), || {
        format!("{} merge records left after deleting all", left.len())
    })?;
    Ok(())
}

/// Runs the whole suite on an empty store and leaves it empty again on success.
///
/// # Errors
/// The first broken expectation, as a [`Failure`] naming the check.
pub fn run<S: CustomerStore + ?Sized>(store: &mut S) -> Result<Report, Failure> {
    let mut s = Suite { store, checks: 0 };
    let n = ok("empty", s.store.len())?;
    if n != 0 {
        return Err(Failure::NotEmpty(n));
    }

    // Reads on an empty store.
    let a = sample(1)?;
    let got = ok("empty.get", s.store.get(&a.id))?;
    s.expect("empty.get", got.is_none(), || {
        "get on an empty store returned a record".into()
    })?;
    let scanned = ok("empty.scan", s.store.scan(None, 10))?;
    s.expect("empty.scan", scanned.is_empty(), || {
        "scan on an empty store returned records".into()
    })?;
    let act = ok("empty.activity", s.store.activity(&a.id))?;
    s.expect("empty.activity", act.is_empty(), || {
        "activity of an unknown id is not empty".into()
    })?;

    // Put and get round-trip exactly.
    ok("put", s.store.put(a.clone()))?;
    let got = ok("put.get", s.store.get(&a.id))?;
    s.expect("put.get", got.as_ref() == Some(&a), || {
        "the record read back differs from the one put".into()
    })?;
    let len = ok("put.len", s.store.len())?;
    s.expect("put.len", len == 1, || {
        format!("len is {len} after one put")
    })?;

    // Every derived key finds the record.
    let keys = s.store.indexer().keys_of(&a);
    for key in &keys {
        let ids = ok("index.lookup", s.store.lookup(key))?;
        s.expect("index.lookup", ids == vec![a.id.clone()], || {
            format!("lookup of {key:?} gave {ids:?}")
        })?;
    }

    // Replacing a record moves its index entries.
    let mut a2 = a.clone();
    a2.phones.clear();
    a2.emails.clear();
    a2.national_ids.clear();
    a2.phones.push(crate::model::Phone::new("+44 20 7946 0018"));
    ok("replace", s.store.put(a2.clone()))?;
    let len = ok("replace.len", s.store.len())?;
    s.expect("replace.len", len == 1, || {
        format!("len is {len} after replacing the only record")
    })?;
    let new_keys = s.store.indexer().keys_of(&a2);
    for key in &keys {
        let ids = ok("replace.stale_keys", s.store.lookup(key))?;
        let expect_hit = new_keys.contains(key);
        s.expect(
            "replace.stale_keys",
            ids.contains(&a.id) == expect_hit,
            || format!("after replace, lookup of old key {key:?} gave {ids:?}"),
        )?;
    }
    for key in &new_keys {
        let ids = ok("replace.new_keys", s.store.lookup(key))?;
        s.expect("replace.new_keys", ids.contains(&a.id), || {
            format!("after replace, new key {key:?} finds nothing")
        })?;
    }

    // Insert refuses an existing id; delete refuses an absent one.
    let refused = s.store.insert(a.clone()).is_err();
    s.expect("insert.existing", refused, || {
        "insert of an existing id succeeded".into()
    })?;
    let got = ok("insert.existing.unchanged", s.store.get(&a.id))?;
    s.expect(
        "insert.existing.unchanged",
        got.as_ref() == Some(&a2),
        || "a refused insert changed the record".into(),
    )?;
    let absent = id("conf-absent")?;
    let refused = s.store.delete(&absent).is_err();
    s.expect("delete.absent", refused, || {
        "delete of an absent id succeeded".into()
    })?;

    // Activity: appended in order, refused for absent customers.
    let t1 = transaction(&a.id, 2, 1999)?;
    let t2 = transaction(&a.id, 3, 500)?;
    let i1 = Interaction {
        customer: a.id.clone(),
        at: at(4),
        kind: InteractionKind::Call,
        note: Some("asked about delivery".into()),
        rating: None,
    };
    ok(
        "activity.add",
        s.store.apply(vec![
            Change::AddTransaction(t1.clone()),
            Change::AddTransaction(t2.clone()),
            Change::AddInteraction(i1.clone()),
        ]),
    )?;
    let act = ok("activity.read", s.store.activity(&a.id))?;
    s.expect(
        "activity.read",
        act.transactions == vec![t1.clone(), t2.clone()] && act.interactions == vec![i1.clone()],
        || format!("activity read back as {act:?}"),
    )?;
    let orphan = transaction(&absent, 2, 100)?;
    let refused = s.store.apply(vec![Change::AddTransaction(orphan)]).is_err();
    s.expect("activity.orphan", refused, || {
        "a transaction of an absent customer was accepted".into()
    })?;
    let mut foreign = Activity::default();
    foreign.transactions.push(transaction(&absent, 2, 1)?);
    let refused = s
        .store
        .apply(vec![Change::SetActivity {
            customer: a.id.clone(),
            activity: foreign,
        }])
        .is_err();
    s.expect("activity.foreign", refused, || {
        "SetActivity with another customer's item was accepted".into()
    })?;

    // All or nothing: a batch whose last change is refused leaves no trace.
    let before = s.snap("atomic.before")?;
    let b = sample(2)?;
    let mut a3 = a2.clone();
    a3.tags.insert("changed".into());
    let batch = vec![
        Change::Insert(b.clone()),
        Change::AddTransaction(transaction(&b.id, 5, 700)?),
        Change::Put(a3),
        Change::SetActivity {
            customer: a.id.clone(),
            activity: Activity::default(),
        },
        Change::Delete(absent.clone()),
    ];
    let refused = s.store.apply(batch).is_err();
    s.expect("atomic.refused", refused, || {
        "a batch with a refused change succeeded".into()
    })?;
    let after = s.snap("atomic.after")?;
    s.expect("atomic.unchanged", before == after, || {
        "a refused batch left changes behind".into()
    })?;
    for key in s.store.indexer().keys_of(&b) {
        let ids = ok("atomic.index", s.store.lookup(&key))?;
        s.expect("atomic.index", ids.is_empty(), || {
            format!("a refused insert left index entry {key:?}")
        })?;
    }
    let got = ok("atomic.get", s.store.get(&b.id))?;
    s.expect("atomic.get", got.is_none(), || {
        "a refused batch's insert is visible".into()
    })?;

    // A batch sees its own earlier changes.
    ok(
        "batch.sequential",
        s.store.apply(vec![
            Change::Insert(b.clone()),
            Change::AddTransaction(transaction(&b.id, 5, 700)?),
        ]),
    )?;
    let act = ok("batch.sequential.read", s.store.activity(&b.id))?;
    s.expect("batch.sequential.read", act.transactions.len() == 1, || {
        "a transaction added after its customer in one batch is missing".into()
    })?;

    // Shared keys list every holder, in id order.
    let mut c = sample(3)?;
    c.phones = b.phones.clone();
    ok("index.shared", s.store.put(c.clone()))?;
    if let Some(key) = SecondaryKey::phone(b.phones.first().map_or("", |p| p.number.as_str()))
        .filter(|k| s.store.indexer().keys_of(&b).contains(k))
    {
        let ids = ok("index.shared", s.store.lookup(&key))?;
        s.expect(
            "index.shared",
            ids == vec![b.id.clone(), c.id.clone()],
            || format!("shared phone key gave {ids:?}"),
        )?;
    }

    // Pagination: every record exactly once, in id order, whatever the batch size.
    let mut ids = vec![a.id.clone(), b.id.clone(), c.id.clone()];
    for n in 10..40 {
        let x = sample(n)?;
        ids.push(x.id.clone());
        ok("scan.fill", s.store.put(x))?;
    }
    ids.sort();
    for size in [1, 7, 33, 100] {
        let all: Vec<Vec<Customer>> = ok("scan.batches", batches(&*s.store, size).collect())?;
        let mut seen = Vec::new();
        for batch in all {
            s.expect("scan.batch_size", batch.len() <= size, || {
                format!("a batch of {} for limit {size}", batch.len())
            })?;
            seen.extend(batch.into_iter().map(|c| c.id));
        }
        s.expect("scan.order", seen == ids, || {
            format!(
                "batches of {size} returned {} ids, not every id once in order",
                seen.len()
            )
        })?;
    }
    let from_middle = ok("scan.after", s.store.scan(ids.get(4), 3))?;
    let expected: Vec<CustomerId> = ids.iter().skip(5).take(3).cloned().collect();
    let got: Vec<CustomerId> = from_middle.into_iter().map(|c| c.id).collect();
    s.expect("scan.after", got == expected, || {
        format!("scan after the 5th id gave {got:?}")
    })?;

    // Delete removes the record, its activity and its index entries.
    ok("delete", s.store.delete(&b.id))?;
    let got = ok("delete.get", s.store.get(&b.id))?;
    s.expect("delete.get", got.is_none(), || {
        "a deleted record is still readable".into()
    })?;
    let act = ok("delete.activity", s.store.activity(&b.id))?;
    s.expect("delete.activity", act.is_empty(), || {
        "a deleted record's activity is still readable".into()
    })?;
    for key in s.store.indexer().keys_of(&b) {
        let ids = ok("delete.index", s.store.lookup(&key))?;
        s.expect("delete.index", !ids.contains(&b.id), || {
            format!("a deleted record is still found under {key:?}")
        })?;
    }

    // Merge records: stored, read back, indexed by every customer they name.
    merge_checks(&mut s, &a, &c)?;

    // Leave the store empty again.
    let all: Vec<Change> = ids
        .into_iter()
        .filter(|i| i != &b.id)
        .map(Change::Delete)
        .collect();
    ok("cleanup", s.store.apply(all))?;
    let len = ok("cleanup.len", s.store.len())?;
    s.expect("cleanup.len", len == 0, || {
        format!("{len} records left after deleting all")
    })?;
    Ok(Report { checks: s.checks })
}
