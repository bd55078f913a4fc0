//! Batch reads answer exactly what single reads answer.

use super::Failure;
use super::suite::{Suite, id, ok, sample, transaction};
use crate::model::CustomerId;
use crate::store::{Change, CustomerStore, SecondaryKey};

pub(super) fn checks<S: CustomerStore + ?Sized>(s: &mut Suite<'_, S>) -> Result<(), Failure> {
    let mut held = Vec::new();
    let mut batch = Vec::new();
    let shared = sample(100)?.phones;
    for n in 100..106 {
        let mut c = sample(n)?;
        if n < 103 {
            // Three holders of one phone key, for the limit.
            c.phones = shared.clone();
        }
        held.push(c.id.clone());
        batch.push(Change::AddTransaction(transaction(&c.id, 3, n as i64)?));
        batch.insert(0, Change::Put(c));
    }
    ok("reads.fill", s.store.apply(batch))?;

    // Absent ids, repeats and any order are answered one for one.
    let absent = id("conf-absent-read")?;
    let mut ids: Vec<CustomerId> = held.iter().rev().cloned().collect();
    ids.insert(2, absent.clone());
    ids.extend(held.first().cloned());
    let many = ok("reads.get_many", s.store.get_many(&ids))?;
    let mut single = Vec::new();
    for i in &ids {
        single.push(ok("reads.get", s.store.get(i))?);
    }
    s.expect("reads.get_many", many == single, || {
        format!(
            "get_many gave {} answers ({} records), single reads {} ({} records)",
            many.len(),
            many.iter().flatten().count(),
            single.len(),
            single.iter().flatten().count()
        )
    })?;

    // A lent read is the read, and says whether the record exists.
    let mut lent = Vec::new();
    for i in &ids {
        let mut got = None;
        let found = ok(
            "reads.get_with",
            s.store.get_with(i, &mut |c| got = Some(c.into_owned())),
        )?;
        s.expect("reads.get_with", found == got.is_some(), || {
            format!(
                "get_with said found={found} but handed {} record",
                if got.is_some() { "a" } else { "no" }
            )
        })?;
        lent.push(got);
    }
    s.expect("reads.get_with", lent == single, || {
        "get_with handed other records than get".into()
    })?;

    let many = ok("reads.activity_many", s.store.activity_many(&ids))?;
    let mut single = Vec::new();
    for i in &ids {
        single.push(ok("reads.activity", s.store.activity(i))?);
    }
    s.expect("reads.activity_many", many == single, || {
        "activity_many differs from activity read one by one".into()
    })?;

    let mut keys: Vec<SecondaryKey> = Vec::new();
    for c in ok("reads.keys", s.store.get_many(&held))?
        .into_iter()
        .flatten()
    {
        keys.extend(s.store.indexer().keys_of(&c));
    }
    keys.push(SecondaryKey::new("conf", "no-such-key"));
    keys.extend(keys.first().cloned());
    let many = ok("reads.lookup_many", s.store.lookup_many(&keys, usize::MAX))?;
    let mut single = Vec::new();
    for k in &keys {
        single.push(ok("reads.lookup", s.store.lookup(k))?);
    }
    s.expect("reads.lookup_many", many == single, || {
        "lookup_many differs from lookup one by one".into()
    })?;
    // A limit keeps the first ids of each answer.
    let capped = ok("reads.lookup_many.limit", s.store.lookup_many(&keys, 1))?;
    let firsts: Vec<Vec<CustomerId>> = single
        .iter()
        .map(|ids| ids.iter().take(1).cloned().collect())
        .collect();
    s.expect(
        "reads.lookup_many.limit",
        capped == firsts && single.iter().any(|ids| ids.len() == 3),
        || "lookup_many with a limit of 1 did not keep the first id of each answer".into(),
    )?;
    // The visiting lookup lends the same ids, with and without a limit.
    for limit in [usize::MAX, 2] {
        let mut visited: Vec<Vec<CustomerId>> = vec![Vec::new(); keys.len()];
        ok(
            "reads.lookup_many_with",
            s.store.lookup_many_with(&keys, limit, &mut |i, id| {
                if let Some(v) = visited.get_mut(i) {
                    v.push(id.clone());
                }
            }),
        )?;
        let wanted: Vec<Vec<CustomerId>> = single
            .iter()
            .map(|ids| ids.iter().take(limit).cloned().collect())
            .collect();
        s.expect("reads.lookup_many_with", visited == wanted, || {
            format!("lookup_many_with with a limit of {limit} differs from lookup_many")
        })?;
    }
    // Counts agree with the answers' lengths, with and without a limit.
    for limit in [usize::MAX, 2] {
        let counts = ok("reads.key_counts", s.store.key_counts(&keys, limit))?;
        let lengths: Vec<usize> = single.iter().map(|ids| ids.len().min(limit)).collect();
        s.expect("reads.key_counts", counts == lengths, || {
            format!("key_counts with a limit of {limit} differs from the lookups' lengths")
        })?;
    }

    let none = ok("reads.empty", s.store.get_many(&[]))?;
    let no_activity = ok("reads.empty", s.store.activity_many(&[]))?;
    let no_keys = ok("reads.empty", s.store.lookup_many(&[], 10))?;
    s.expect(
        "reads.empty",
        none.is_empty() && no_activity.is_empty() && no_keys.is_empty(),
        || "a batch read of nothing answered something".into(),
    )?;

    ok(
        "reads.cleanup",
        s.store
            .apply(held.into_iter().map(Change::Delete).collect()),
    )?;
    Ok(())
}
