//! The basic contract: reads, writes, pagination, the secondary index, activity, all or nothing.

use super::suite::{Suite, at, id, ok, sample, transaction};
use super::{Failure, merges};
use crate::model::{Activity, Customer, CustomerId, Interaction, InteractionKind};
use crate::store::{Change, CustomerStore, SecondaryKey, batches};

/// Reads, writes, pagination, the index, activity, all-or-nothing batches and merge records;
/// leaves the store empty.
pub(super) fn checks<S: CustomerStore + ?Sized>(s: &mut Suite<'_, S>) -> Result<(), Failure> {
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
        let all: Vec<Vec<Customer>> = ok("scan.batches", batches(s.store, size).collect())?;
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
    merges::checks(s, &a, &c)?;

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
    Ok(())
}
