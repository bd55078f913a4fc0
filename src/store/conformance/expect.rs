//! Expectations: a batch that states a state the store is not in is refused whole, and changes
//! nothing; one that states the right state applies.

use super::Failure;
use super::suite::{Suite, merge_record, ok, sample, transaction};
use crate::model::MergeId;
use crate::store::{Change, CustomerStore, Expected, Fingerprint};

pub(super) fn checks<S: CustomerStore + ?Sized>(s: &mut Suite<'_, S>) -> Result<(), Failure> {
    let a = sample(200)?;
    let b = sample(201)?;
    ok("expect.fill", s.store.put(a.clone()))?;

    // The state as read: applies.
    let mut a2 = a.clone();
    a2.tags.insert("edited".into());
    ok(
        "expect.record.holds",
        s.store
            .apply(vec![Change::expect_record(&a), Change::Put(a2.clone())]),
    )?;
    let got = ok("expect.record.holds", s.store.get(&a.id))?;
    s.expect("expect.record.holds", got.as_ref() == Some(&a2), || {
        "a batch whose expectation held was not applied".into()
    })?;

    // A stale state: refused, nothing changes, the feed does not move.
    let before = s.state("expect.stale")?;
    let mut a3 = a.clone();
    a3.tags.insert("lost".into());
    let refused = s
        .store
        .apply(vec![
            Change::Insert(b.clone()),
            Change::expect_record(&a),
            Change::Put(a3),
        ])
        .is_err();
    s.expect("expect.stale.refused", refused, || {
        "a batch expecting a record as it was before a later write was applied".into()
    })?;
    s.unchanged("expect.stale.unchanged", &before)?;

    // Absent: refused for a held id, accepted for a free one.
    let refused = s
        .store
        .apply(vec![Change::expect_absent(a.id.clone())])
        .is_err();
    s.expect("expect.absent.held", refused, || {
        "expecting a held id to be absent was accepted".into()
    })?;
    ok(
        "expect.absent.free",
        s.store.apply(vec![
            Change::expect_absent(b.id.clone()),
            Change::Insert(b.clone()),
        ]),
    )?;
    let refused = s
        .store
        .apply(vec![Change::expect_record(&sample(202)?)])
        .is_err();
    s.expect("expect.record.absent", refused, || {
        "expecting a record that is not held was accepted".into()
    })?;

    // Activity: a record-only expectation ignores it, a with-activity one does not.
    let activity = ok("expect.activity", s.store.activity(&b.id))?;
    ok(
        "expect.activity.add",
        s.store
            .apply(vec![Change::AddTransaction(transaction(&b.id, 4, 300)?)]),
    )?;
    let refused = s
        .store
        .apply(vec![Change::expect_with_activity(&b, &activity)])
        .is_err();
    s.expect("expect.activity.stale", refused, || {
        "expecting the activity as it was before a transaction was added was accepted".into()
    })?;
    ok(
        "expect.activity.record_only",
        s.store.apply(vec![Change::expect_record(&b)]),
    )?;
    let now = ok("expect.activity.now", s.store.activity(&b.id))?;
    ok(
        "expect.activity.now",
        s.store.apply(vec![Change::expect_with_activity(&b, &now)]),
    )?;

    // An expectation sees the changes before it in its batch.
    let mut b2 = b.clone();
    b2.tags.insert("in-batch".into());
    ok(
        "expect.in_batch",
        s.store.apply(vec![
            Change::Put(b2.clone()),
            Change::expect_record(&b2),
            Change::Expect {
                customer: b.id.clone(),
                expected: Expected::Record(Fingerprint::record(&b2)),
            },
        ]),
    )?;

    // Merge records.
    let m = merge_record(20, &a2, &[&b2])?;
    ok(
        "expect.merge.absent",
        s.store.apply(vec![
            Change::ExpectMerge {
                merge: m.id.clone(),
                expected: None,
            },
            Change::InsertMergeRecord(m.clone()),
            Change::expect_merge(&m),
        ]),
    )?;
    let before = s.state("expect.merge.stale")?;
    let scrubbed = m.scrubbed(super::suite::at(12));
    let refused = s
        .store
        .apply(vec![
            Change::expect_merge(&scrubbed),
            Change::DeleteMergeRecord(m.id.clone()),
        ])
        .is_err();
    s.expect("expect.merge.stale", refused, || {
        "expecting a merge record in a state it is not in was accepted".into()
    })?;
    s.unchanged("expect.merge.unchanged", &before)?;
    let absent = MergeId::new("conf-merge-never").map_err(|e| Failure::Broken {
        check: "setup",
        detail: e.to_string(),
    })?;
    let refused = s
        .store
        .apply(vec![Change::ExpectMerge {
            merge: absent,
            expected: Some(Fingerprint::merge(&m)),
        }])
        .is_err();
    s.expect("expect.merge.absent_held", refused, || {
        "expecting an absent merge record to be held was accepted".into()
    })?;

    ok(
        "expect.cleanup",
        s.store.apply(vec![
            Change::DeleteMergeRecord(m.id.clone()),
            Change::Delete(a.id.clone()),
            Change::Delete(b.id.clone()),
        ]),
    )?;
    Ok(())
}
