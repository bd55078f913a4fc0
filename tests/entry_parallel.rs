//! The importer's chunks (rows planned in parallel, committed together) give exactly the
//! outcome of importing one row at a time: the same reports and the same store.

use chrono::{TimeZone, Utc};
use clientele::entry::{Importer, Incoming, OnMatch, Policy};
use clientele::store::conformance::snapshot;
use clientele::store::{Change, CustomerStore, MemoryStore, SqliteOptions, SqliteStore};
use clientele::synth::{SynthConfig, generate};
use clientele::{Customer, CustomerId};

#[path = "sqlite_raw/mod.rs"]
mod sqlite_raw;
use sqlite_raw::Scratch;

fn population(seed: u64, n: usize) -> Vec<Customer> {
    generate(&SynthConfig {
        customers: n,
        duplicate_share: 0.4,
        seed,
        ..SynthConfig::default()
    })
    .unwrap()
    .customers
}

fn rows(records: &[Customer], first_line: u64) -> Vec<Incoming> {
    records
        .iter()
        .enumerate()
        .map(|(i, c)| Incoming::new(first_line + i as u64, c.clone()))
        .collect()
}

fn importer(on_match: OnMatch, chunk: usize) -> Importer {
    Importer::new("synth")
        .policy(
            Policy::default()
                .on_match(on_match)
                .merge_above(0.8)
                .review_above(0.3),
        )
        .chunk_rows(chunk)
}

/// Trains the model once and saves the same one in every store (training sums in parallel, so
/// two trainings can differ in the last bits).
fn same_model<S>(stores: &[&S], files: &[Vec<Incoming>])
where
    S: CustomerStore,
    clientele::Error: From<S::Error>,
{
    // The first two files: every id once.
    let records: Vec<Customer> = files
        .iter()
        .take(2)
        .flatten()
        .map(|r| r.customer.clone())
        .collect();
    let Some((first, others)) = stores.split_first() else {
        return;
    };
    importer(OnMatch::Merge, 1)
        .train_on(*first, &records)
        .unwrap();
    let model = first
        .document("clientele.entry.model", "model")
        .unwrap()
        .unwrap();
    for s in others {
        s.apply(vec![Change::PutDocument(model.clone())]).unwrap();
    }
}

/// Imports the files one after the other and returns every report.
fn import_all<S>(store: &S, importer: &Importer, files: &[Vec<Incoming>]) -> Vec<String>
where
    S: CustomerStore,
    clientele::Error: From<S::Error>,
{
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    files
        .iter()
        .map(|f| format!("{:?}", importer.import(store, f.clone(), at).unwrap()))
        .collect()
}

fn files(seed: u64) -> Vec<Vec<Incoming>> {
    let records = population(seed, 900);
    let (a, b) = records.split_at(500);
    // The second file again (unchanged), and a file whose rows repeat ids of the first with
    // other values (changed rows) beside rows of their own.
    let mut changed: Vec<Customer> = a.iter().step_by(3).cloned().collect();
    for c in &mut changed {
        c.tags.insert("changed".into());
    }
    changed.extend(population(seed + 1000, 100).into_iter().map(|mut c| {
        c.id = CustomerId::new(format!("x{}", c.id)).unwrap();
        c
    }));
    vec![rows(a, 2), rows(b, 2), rows(b, 2), rows(&changed, 2)]
}

#[test]
fn chunked_imports_into_a_memory_store_end_as_one_row_at_a_time() {
    for (seed, on_match) in [
        (1, OnMatch::Merge),
        (2, OnMatch::Review),
        (3, OnMatch::Skip),
    ] {
        let files = files(seed);
        for chunk in [7, 256] {
            let one = MemoryStore::with_indexers(importer(on_match, 1).indexers());
            let many = MemoryStore::with_indexers(importer(on_match, chunk).indexers());
            same_model(&[&one, &many], &files);
            let reports = import_all(&many, &importer(on_match, chunk), &files);
            let reports_one = import_all(&one, &importer(on_match, 1), &files);
            assert_eq!(reports, reports_one, "seed {seed}, chunk {chunk}");
            // The files exercise what they should: merges or held rows within a file, and
            // unchanged and updated rows on the later files.
            let all = reports.concat();
            let within = match on_match {
                OnMatch::Merge => "Merged",
                OnMatch::Review => "Held",
                _ => "Rejected",
            };
            for outcome in [within, "Unchanged", "Updated"] {
                assert!(all.contains(outcome), "seed {seed}: no {outcome} row");
            }
            let (a, b) = (snapshot(&one).unwrap(), snapshot(&many).unwrap());
            assert_eq!(a.customers, b.customers, "seed {seed}, chunk {chunk}");
            assert_eq!(a.merges, b.merges, "seed {seed}, chunk {chunk}");
            assert_same_documents(
                &a.documents,
                &b.documents,
                &format!("seed {seed}, chunk {chunk}"),
            );
            assert_eq!(a.index, b.index, "seed {seed}, chunk {chunk}");
        }
    }
}

#[test]
fn chunked_imports_into_a_sqlite_store_end_as_one_row_at_a_time() {
    let scratch = Scratch::new("entry-parallel");
    let files = files(4);
    let open = |name: &str, importer: &Importer| {
        SqliteStore::open_with(
            scratch.path(name),
            SqliteOptions::default().indexers(importer.indexers()),
        )
        .unwrap()
    };
    let (seq, par) = (importer(OnMatch::Merge, 1), importer(OnMatch::Merge, 64));
    let one = open("one.db", &seq);
    let many = open("many.db", &par);
    same_model(&[&one, &many], &files);
    assert_eq!(
        import_all(&many, &par, &files),
        import_all(&one, &seq, &files)
    );
    let (a, b) = (snapshot(&one).unwrap(), snapshot(&many).unwrap());
    assert_eq!(a.customers, b.customers);
    assert_eq!(a.merges, b.merges);
    assert_same_documents(&a.documents, &b.documents, "sqlite");
}

type Documents = std::collections::BTreeMap<(String, String), clientele::store::Document>;

/// The same documents, naming the first that differs (not dumping them all).
fn assert_same_documents(a: &Documents, b: &Documents, what: &str) {
    let keys = |d: &Documents| d.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(a), keys(b), "{what}: document keys");
    for (k, d) in a {
        assert!(
            b.get(k).is_some_and(|e| e.body == d.body),
            "{what}: document {k:?}"
        );
    }
}
