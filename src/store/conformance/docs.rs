//! Documents: written, replaced, listed by namespace in key order with keyset pagination,
//! removed (an absent key is not refused), and kept out of a refused batch.

use super::Failure;
use super::suite::{Suite, ok, sample};
use crate::store::{Change, CustomerStore, DocKey};

fn put(space: &str, key: &str, value: &str) -> Change {
    Change::PutDoc {
        key: DocKey::new(space, key),
        value: value.into(),
    }
}

pub(super) fn checks<S: CustomerStore + ?Sized>(s: &mut Suite<'_, S>) -> Result<(), Failure> {
    let k = DocKey::new("conformance", "b");
    ok("docs.absent", s.store.doc(&k))?.map_or(Ok(()), |_| {
        s.expect("docs.absent", false, || {
            "a document before any write".into()
        })
    })?;
    ok(
        "docs.put",
        s.store.apply(vec![
            put("conformance", "b", "1"),
            put("conformance", "a", "2"),
            put("conformance", "c", "3"),
            put("conformance-other", "a", "x"),
            put("conformance", "b", "4"),
        ]),
    )?;
    let got = ok("docs.get", s.store.doc(&k))?;
    s.expect("docs.get", got.as_deref() == Some("4"), || {
        format!("the last write of a batch wins: got {got:?}")
    })?;
    let all = ok("docs.list", s.store.docs("conformance", None, 10))?;
    let keys: Vec<&str> = all.iter().map(|(k, _)| k.key.as_str()).collect();
    s.expect("docs.list", keys == ["a", "b", "c"], || {
        format!("one namespace in key order, got {keys:?}")
    })?;
    let page = ok("docs.page", s.store.docs("conformance", Some("a"), 1))?;
    s.expect(
        "docs.page",
        page.len() == 1 && page.first().is_some_and(|(k, v)| k.key == "b" && v == "4"),
        || format!("a page after `a` of limit 1, got {} entries", page.len()),
    )?;

    // A refused batch keeps no document.
    let held = sample(500)?;
    ok("docs.refused.setup", s.store.insert(held.clone()))?;
    let before = s.state("docs.refused")?;
    let refused = s.store.apply(vec![
        put("conformance", "z", "never"),
        Change::DeleteDoc(k.clone()),
        Change::Insert(held.clone()),
    ]);
    s.expect("docs.refused", refused.is_err(), || {
        "a batch inserting a held id succeeded".into()
    })?;
    s.unchanged("docs.refused", &before)?;

    ok(
        "docs.delete",
        s.store.apply(vec![
            Change::DeleteDoc(DocKey::new("conformance", "never-written")),
            Change::DeleteDoc(DocKey::new("conformance", "a")),
            Change::DeleteDoc(k),
            Change::DeleteDoc(DocKey::new("conformance", "c")),
            Change::DeleteDoc(DocKey::new("conformance-other", "a")),
            Change::Delete(held.id),
        ]),
    )?;
    let left = ok("docs.delete", s.store.docs("conformance", None, 10))?;
    s.expect("docs.delete", left.is_empty(), || {
        format!("{} documents left after deleting them all", left.len())
    })
}
