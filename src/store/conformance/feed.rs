//! The change feed: replayed into an empty store after every kind of change, it gives what the
//! store holds; sequence numbers increase; each id appears once; refusals leave it alone.

use std::collections::BTreeSet;

use super::suite::{Suite, at, merge_record, ok, sample, transaction};
use super::{Failure, snapshot};
use crate::model::{Activity, Interaction, InteractionKind};
use crate::store::{Change, CustomerStore, Document, FeedItem, FeedKey, MemoryStore, replay};

const NS: &str = "clientele.conformance";

/// Replays the whole feed into a new memory store, and the entries after `cursor` into
/// `replica`; both must then hold what the store holds. Returns the new cursor.
fn check_replay<S: CustomerStore + ?Sized>(
    s: &mut Suite<'_, S>,
    step: &'static str,
    replica: &MemoryStore,
    cursor: u64,
) -> Result<u64, Failure> {
    let want = s.snap(step)?.data();
    let feed = s.feed(step)?;
    let fresh = MemoryStore::new();
    ok(step, replay(&fresh, &feed))?;
    let got = ok(step, snapshot(&fresh))?.data();
    s.expect(step, got == want, || {
        format!("the feed replayed into an empty store differs from the store after `{step}`")
    })?;
    let since = ok(step, s.store.changes_since(cursor, usize::MAX))?;
    let next = ok(step, replay(replica, &since))?.unwrap_or(cursor);
    let got = ok(step, snapshot(replica))?.data();
    s.expect(step, got == want, || {
        format!("a replica kept in step from the cursor differs from the store after `{step}`")
    })?;

    let seqs: Vec<u64> = feed.iter().map(|e| e.seq).collect();
    s.expect(step, seqs.windows(2).all(|w| w[0] < w[1]), || {
        "feed sequence numbers do not increase".into()
    })?;
    let keys: BTreeSet<FeedKey> = feed.iter().map(|e| key(&e.item)).collect();
    s.expect(step, keys.len() == feed.len(), || {
        "an id appears twice in the feed (it must be compacted)".into()
    })?;
    s.expect(step, since.iter().all(|e| e.seq > cursor), || {
        "changes_since returned an entry at or before the cursor".into()
    })?;
    Ok(next)
}

fn key(item: &FeedItem) -> FeedKey {
    match item {
        FeedItem::Customer(s) => FeedKey::Customer(s.customer.id.clone()),
        FeedItem::CustomerDeleted(id) => FeedKey::Customer(id.clone()),
        FeedItem::Merge(r) => FeedKey::Merge(r.id.clone()),
        FeedItem::MergeDeleted(id) => FeedKey::Merge(id.clone()),
        FeedItem::Document(d) => FeedKey::Document(d.namespace.clone(), d.key.clone()),
        FeedItem::DocumentDeleted { namespace, key } => {
            FeedKey::Document(namespace.clone(), key.clone())
        }
    }
}

pub(super) fn checks<S: CustomerStore + ?Sized>(s: &mut Suite<'_, S>) -> Result<(), Failure> {
    let replica = MemoryStore::new();
    let mut cursor = check_replay(s, "feed.start", &replica, 0)?;
    let x = sample(300)?;
    let y = sample(301)?;
    let mut x2 = x.clone();
    x2.phones.clear();
    x2.tags.insert("replaced".into());
    let note = Interaction {
        customer: x.id.clone(),
        at: at(6),
        kind: InteractionKind::Visit,
        note: Some("came by".into()),
        rating: None,
    };
    let mut set = Activity::default();
    set.transactions.push(transaction(&x.id, 7, 4200)?);
    let m = merge_record(30, &x, &[&y])?;
    let steps: Vec<(&'static str, Vec<Change>)> = vec![
        ("feed.put", vec![Change::Put(x.clone())]),
        ("feed.insert", vec![Change::Insert(y.clone())]),
        (
            "feed.add_transaction",
            vec![Change::AddTransaction(transaction(&y.id, 5, 990)?)],
        ),
        ("feed.add_interaction", vec![Change::AddInteraction(note)]),
        (
            "feed.set_activity",
            vec![Change::SetActivity {
                customer: x.id.clone(),
                activity: set,
            }],
        ),
        ("feed.replace", vec![Change::Put(x2.clone())]),
        (
            "feed.insert_merge",
            vec![Change::InsertMergeRecord(m.clone())],
        ),
        (
            "feed.put_merge",
            vec![Change::PutMergeRecord(m.scrubbed(at(8)))],
        ),
        ("feed.expect_only", vec![Change::expect_record(&x2)]),
        (
            "feed.delete_merge",
            vec![Change::DeleteMergeRecord(m.id.clone())],
        ),
        ("feed.delete", vec![Change::Delete(y.id.clone())]),
        (
            "feed.put_document",
            vec![Change::PutDocument(Document::new(NS, "d1", "one"))],
        ),
        (
            "feed.replace_document",
            vec![Change::PutDocument(Document::new(NS, "d1", "two"))],
        ),
        (
            "feed.delete_document",
            vec![Change::DeleteDocument {
                namespace: NS.into(),
                key: "d1".into(),
            }],
        ),
        (
            "feed.recreate",
            vec![
                Change::Insert(y.clone()),
                Change::AddTransaction(transaction(&y.id, 9, 1)?),
            ],
        ),
        (
            "feed.empty_activity",
            vec![Change::SetActivity {
                customer: y.id.clone(),
                activity: Activity::default(),
            }],
        ),
        (
            "feed.cleanup",
            vec![Change::Delete(x.id.clone()), Change::Delete(y.id.clone())],
        ),
    ];
    for (step, batch) in steps {
        let before = s.feed(step)?;
        ok(step, s.store.apply(batch))?;
        if step == "feed.expect_only" {
            let after = s.feed(step)?;
            s.expect(step, after == before, || {
                "a batch of expectations alone moved the feed".into()
            })?;
        }
        cursor = check_replay(s, step, &replica, cursor)?;
    }

    // Paging through the feed one entry at a time gives the whole feed.
    let whole = s.feed("feed.paging")?;
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = ok("feed.paging", s.store.changes_since(after, 1))?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        s.expect("feed.paging", page.len() == 1, || {
            format!("a page of limit 1 held {} entries", page.len())
        })?;
        paged.extend(page);
    }
    s.expect("feed.paging", paged == whole, || {
        "paging through the feed one entry at a time differs from reading it whole".into()
    })?;
    Ok(())
}
