//! A failure at every write of a batch holding every kind of change leaves the store unchanged.

use super::suite::{Suite, at, id, merge_record, ok, sample, transaction};
use super::{Failure, Report};
use crate::error::Error;
use crate::model::{Activity, Interaction, InteractionKind};
use crate::store::{Change, CustomerStore, Document, FaultyStore};

const NS: &str = "clientele.conformance";

/// Fills an empty store, then applies one batch holding every kind of change (expectations
/// included) through a [`FaultyStore`] failing at its first write, then at its second, and so
/// on to its last: each time the call must fail and the store (records, index, merge records,
/// change feed) be exactly as before. Then the batch applies without a fault. Leaves the store
/// empty.
///
/// # Errors
/// The first broken expectation, as a [`Failure`].
pub fn faults<S>(store: &S) -> Result<Report, Failure>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut s = Suite::new(store);
    let n = ok("faults.empty", s.store.len())?;
    if n != 0 {
        return Err(Failure::NotEmpty(n));
    }
    let (a, b, c) = (sample(400)?, sample(401)?, sample(402)?);
    let m1 = merge_record(40, &a, &[&b])?;
    ok(
        "faults.setup",
        s.store.apply(vec![
            Change::Put(a.clone()),
            Change::Put(b.clone()),
            Change::Put(c.clone()),
            Change::AddTransaction(transaction(&a.id, 3, 120)?),
            Change::AddTransaction(transaction(&b.id, 4, 340)?),
            Change::InsertMergeRecord(m1.clone()),
            Change::PutDocument(Document::new(NS, "gone", "x")),
        ]),
    )?;

    let d = sample(403)?;
    let mut a2 = a.clone();
    a2.tags.insert("faulted".into());
    a2.emails.clear();
    let mut moved = Activity::default();
    moved.transactions.push(transaction(&c.id, 6, 560)?);
    let m2 = merge_record(41, &c, &[&d])?;
    let batch = vec![
        Change::expect_record(&a),
        Change::Put(a2),
        Change::Insert(d.clone()),
        Change::AddTransaction(transaction(&d.id, 5, 780)?),
        Change::AddInteraction(Interaction {
            customer: b.id.clone(),
            at: at(7),
            kind: InteractionKind::Message,
            note: Some("sent the catalogue".into()),
            rating: None,
        }),
        Change::SetActivity {
            customer: c.id.clone(),
            activity: moved,
        },
        Change::Delete(b.id.clone()),
        Change::InsertMergeRecord(m2.clone()),
        Change::PutMergeRecord(m1.scrubbed(at(8))),
        Change::expect_merge(&m2),
        Change::DeleteMergeRecord(m1.id.clone()),
        Change::expect_absent(id("conf-fault-free")?),
        Change::PutDocument(Document::new(NS, "kept", "y")),
        Change::DeleteDocument {
            namespace: NS.into(),
            key: "gone".into(),
        },
    ];
    let before = s.state("faults.before")?;
    for k in 1..=batch.len() {
        let faulty = FaultyStore::new(s.store).fail_at_write(k);
        let failed = faulty.apply(batch.clone()).is_err();
        s.expect("faults.refused", failed, || {
            format!("the batch succeeded with a fault at write {k}")
        })?;
        s.unchanged("faults.unchanged", &before)?;
    }
    ok("faults.clean", s.store.apply(batch))?;

    ok(
        "faults.cleanup",
        s.store.apply(vec![
            Change::Delete(a.id.clone()),
            Change::Delete(c.id.clone()),
            Change::Delete(d.id.clone()),
            Change::DeleteMergeRecord(m2.id.clone()),
            Change::DeleteDocument {
                namespace: NS.into(),
                key: "kept".into(),
            },
        ]),
    )?;
    Ok(Report { checks: s.checks })
}
