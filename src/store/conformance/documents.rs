//! Keyed documents: read back as written, scanned in key order within their namespace only,
//! replaced and deleted in all-or-nothing batches.

use super::Failure;
use super::suite::{Suite, ok, sample};
use crate::store::{Change, CustomerStore, Document};

const NS: &str = "clientele.conformance";
const OTHER: &str = "clientele.conformance.other";

fn delete(key: &str) -> Change {
    Change::DeleteDocument {
        namespace: NS.into(),
        key: key.into(),
    }
}

/// Every key of the namespace, paging `page` at a time.
fn keys<S: CustomerStore + ?Sized>(
    s: &Suite<'_, S>,
    check: &'static str,
    page: usize,
) -> Result<Vec<String>, Failure> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let batch = ok(check, s.store.scan_documents(NS, after.as_deref(), page))?;
        let Some(last) = batch.last() else {
            return Ok(out);
        };
        after = Some(last.key.clone());
        out.extend(batch.into_iter().map(|d| d.key));
    }
}

pub(super) fn checks<S: CustomerStore + ?Sized>(s: &mut Suite<'_, S>) -> Result<(), Failure> {
    let written = ["b", "a", "c/1", "c", "é"];
    let mut batch: Vec<Change> = written
        .iter()
        .map(|k| Change::PutDocument(Document::new(NS, *k, format!("body of {k}"))))
        .collect();
    batch.push(Change::PutDocument(Document::new(OTHER, "a", "other")));
    ok("documents.put", s.store.apply(batch))?;
    let got = ok("documents.get", s.store.document(NS, "c/1"))?;
    s.expect(
        "documents.get",
        got == Some(Document::new(NS, "c/1", "body of c/1")),
        || format!("read back {got:?}"),
    )?;
    let absent = ok("documents.get_absent", s.store.document(NS, "zz"))?;
    s.expect("documents.get_absent", absent.is_none(), || {
        "an absent document was found".into()
    })?;
    let other = ok("documents.namespace", s.store.document(OTHER, "a"))?;
    s.expect(
        "documents.namespace",
        other.map(|d| d.body) == Some("other".into()),
        || "a namespace's document was not kept apart".into(),
    )?;
    let namespaces = ok("documents.namespaces", s.store.document_namespaces())?;
    s.expect(
        "documents.namespaces",
        namespaces.iter().any(|n| n == NS)
            && namespaces.iter().any(|n| n == OTHER)
            && namespaces.windows(2).all(|w| w[0] < w[1]),
        || format!("listed namespaces {namespaces:?}"),
    )?;
    let mut sorted: Vec<String> = written.iter().map(|k| (*k).to_owned()).collect();
    sorted.sort();
    for page in [1, 2, 100] {
        let got = keys(s, "documents.scan", page)?;
        s.expect("documents.scan", got == sorted, || {
            format!("scan with pages of {page} gave {got:?}, want {sorted:?}")
        })?;
    }

    ok(
        "documents.replace",
        s.store
            .apply(vec![Change::PutDocument(Document::new(NS, "a", "new"))]),
    )?;
    let got = ok("documents.replace", s.store.document(NS, "a"))?;
    s.expect(
        "documents.replace",
        got.map(|d| d.body) == Some("new".into()),
        || "a replaced document kept its old body".into(),
    )?;

    // A refused batch writes none of its documents and deletes none.
    let before = s.state("documents.atomic")?;
    let refused = s.store.apply(vec![
        Change::PutDocument(Document::new(NS, "new", "x")),
        delete("a"),
        delete("never-written"),
    ]);
    s.expect("documents.delete_absent", refused.is_err(), || {
        "deleting an absent document was accepted".into()
    })?;
    s.unchanged("documents.atomic", &before)?;
    // A batch may write documents beside records.
    let c = sample(500)?;
    ok(
        "documents.with_records",
        s.store.apply(vec![
            Change::Insert(c.clone()),
            Change::PutDocument(Document::new(NS, "owner", c.id.as_str())),
        ]),
    )?;

    let mut cleanup: Vec<Change> = written.iter().map(|k| delete(k)).collect();
    cleanup.push(delete("owner"));
    cleanup.push(Change::DeleteDocument {
        namespace: OTHER.into(),
        key: "a".into(),
    });
    cleanup.push(Change::Delete(c.id.clone()));
    ok("documents.cleanup", s.store.apply(cleanup))?;
    let left = keys(s, "documents.cleanup", 10)?;
    s.expect("documents.cleanup", left.is_empty(), || {
        format!("deleted documents still scanned: {left:?}")
    })
}
