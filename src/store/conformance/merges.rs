//! Merge records: stored, read back, indexed by every customer they name, all or nothing.

use super::Failure;
use super::suite::{Suite, at, merge_record, ok, sample};
use crate::model::{Customer, CustomerId, MergeId};
use crate::store::{Change, CustomerStore};

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

pub(super) fn checks<S: CustomerStore + ?Sized>(
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
        let ids = merges_of_ids(s.store, "merge.index", who)?;
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
    let ids = merges_of_ids(s.store, "merge.index.order", &a.id)?;
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
    let ids = merges_of_ids(s.store, "merge.put.stale", &gone.id)?;
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
        let ids = merges_of_ids(s.store, "merge.delete.index", who)?;
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
