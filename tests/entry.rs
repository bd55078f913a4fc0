//! Duplicate check on entry: the importer over a SqliteStore — inserts, merges in one batch,
//! re-imports that change nothing, the review queue and keep-apart decisions across restarts,
//! and arbitrary rows (property test).
#![cfg(all(feature = "entry", feature = "sqlite"))]

mod common;
mod sqlite_raw;

use chrono::{TimeZone, Utc};
use clientele::dedupe::Deduplicator;
use clientele::entry::{
    EntryPolicy, Importer, OnMatch, Outcome, decided_apart, keep_apart, review_items,
};
use clientele::store::{CustomerStore, KeyIndexers, SqliteOptions, SqliteStore};
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;
use sqlite_raw::Scratch;

fn dedupe() -> Deduplicator {
    Deduplicator::new().default_region("CN")
}

fn options() -> SqliteOptions {
    SqliteOptions::default().indexers(KeyIndexers::contact().and(dedupe().indexer()))
}

fn person(id: &str, name: &str, phone: &str, email: &str) -> Customer {
    Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
        .full_name(name)
        .phone(phone)
        .email(email)
        .build()
}

/// A few people, two of them twice (same phone and email, the name spelt alike).
fn rows() -> Vec<Customer> {
    vec![
        person(
            "r1",
            "Wang Fang",
            "+86 139 1234 5678",
            "wang.fang@example.com",
        ),
        person("r2", "Li Wei", "+86 138 0000 1111", "li.wei@example.com"),
        person(
            "r3",
            "Zhang Min",
            "+86 137 2222 3333",
            "zhang.min@example.com",
        ),
        person(
            "r4",
            "Wang Fang",
            "+86 139 1234 5678",
            "wang.fang@example.com",
        ),
        person(
            "r5",
            "Chen Jing",
            "+86 136 4444 5555",
            "chen.jing@example.com",
        ),
    ]
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn import_all(store: &SqliteStore, policy: EntryPolicy) -> Vec<Outcome> {
    let rows = rows();
    let importer = Importer::open(store, dedupe(), &rows, policy).unwrap();
    rows.into_iter()
        .map(|c| {
            let row = c.id.as_str().to_owned();
            importer.import(Some(("crm", &row)), c, at()).unwrap()
        })
        .collect()
}

#[test]
fn a_file_is_matched_against_itself_and_a_second_import_changes_nothing() {
    let scratch = Scratch::new("entry-twice");
    let path = scratch.path("x.db");
    let store = SqliteStore::open_with(&path, options()).unwrap();
    let first = import_all(&store, EntryPolicy::default());
    let merged = first
        .iter()
        .filter(|o| matches!(o, Outcome::Merged(_)))
        .count();
    assert_eq!(merged, 1, "{first:?}");
    assert_eq!(store.len().unwrap(), 4);
    // The merge is undoable like any other: its record is kept.
    assert_eq!(store.scan_merges(None, 10).unwrap().len(), 1);
    drop(store);
    let store = SqliteStore::open_with(&path, options()).unwrap();
    let feed = store.changes_since(0, usize::MAX).unwrap();
    let second = import_all(&store, EntryPolicy::default());
    assert!(
        second.iter().all(|o| matches!(o, Outcome::Unchanged(_))),
        "{second:?}"
    );
    assert_eq!(store.changes_since(0, usize::MAX).unwrap(), feed);
}

#[test]
fn a_pair_kept_apart_is_not_proposed_again_after_reopening() {
    let scratch = Scratch::new("entry-review");
    let path = scratch.path("x.db");
    let policy = EntryPolicy::default().on_match(OnMatch::Review);
    let held = {
        let store = SqliteStore::open_with(&path, options()).unwrap();
        let out = import_all(&store, policy);
        let held: Vec<CustomerId> = out
            .iter()
            .filter_map(|o| match o {
                Outcome::Held(id) => Some(id.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(held.len(), 1, "{out:?}");
        let items = review_items(&store).unwrap();
        assert_eq!(items.len(), 1);
        assert!(!items[0].candidates.is_empty());
        keep_apart(&store, &held[0]).unwrap();
        assert!(review_items(&store).unwrap().is_empty());
        (held[0].clone(), items[0].candidates[0].id.clone())
    };
    let store = SqliteStore::open_with(&path, options()).unwrap();
    assert!(decided_apart(&store, &held.0, &held.1).unwrap());
    assert_eq!(store.len().unwrap(), 5);
    // The file again: the row kept apart is a row seen before, not a new proposal.
    let out = import_all(&store, policy);
    assert!(
        out.iter().all(|o| matches!(o, Outcome::Unchanged(_))),
        "{out:?}"
    );
    assert!(review_items(&store).unwrap().is_empty());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    #[test]
    fn arbitrary_rows_never_panic_and_the_store_holds_what_was_reported(
        records in proptest::collection::vec(common::customer(), 1..8)
    ) {
        let store = SqliteStore::in_memory_with(options()).unwrap();
        let importer = Importer::open(&store, dedupe(), &records, EntryPolicy::default()).unwrap();
        let mut inserted = 0usize;
        let mut merged = 0usize;
        for (n, c) in records.into_iter().enumerate() {
            let row = n.to_string();
            match importer.import(Some(("p", &row)), c, at()) {
                Ok(Outcome::Inserted(id)) => {
                    inserted += 1;
                    prop_assert!(store.get(&id).unwrap().is_some());
                }
                Ok(Outcome::Merged(id)) => {
                    merged += 1;
                    prop_assert!(store.get(&id).unwrap().is_some());
                }
                Ok(_) => {}
                // A refused batch (an id already held) wrote nothing.
                Err(_) => {}
            }
        }
        prop_assert_eq!(store.len().unwrap(), inserted);
        prop_assert_eq!(store.scan_merges(None, 100).unwrap().len(), merged);
    }
}

/// The built `cli` example, if there is one.
fn cli() -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let bin = exe
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("cli{}", std::env::consts::EXE_SUFFIX));
    if bin.exists() {
        Some(bin)
    } else {
        eprintln!("skipped: {} not built", bin.display());
        None
    }
}

/// The bundled sample in three parts (header in each), through `cli import` three times; a
/// fourth run of the first part reports every row unchanged and changes nothing.
#[test]
fn the_cli_imports_the_sample_in_three_parts_and_a_fourth_run_changes_nothing() {
    let Some(bin) = cli() else { return };
    let scratch = Scratch::new("entry-cli");
    let sample =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data/customers.csv");
    let mut reader = csv::Reader::from_path(&sample).unwrap();
    let header = reader.headers().unwrap().clone();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let third = records.len().div_ceil(3);
    let mut parts = Vec::new();
    for (n, chunk) in records.chunks(third).enumerate() {
        let p = scratch.path(&format!("part{n}.csv"));
        let mut w = csv::Writer::from_path(&p).unwrap();
        w.write_record(&header).unwrap();
        for r in chunk {
            w.write_record(r).unwrap();
        }
        w.flush().unwrap();
        parts.push(p);
    }
    let db = scratch.path("x.db");
    let import = |part: &std::path::Path| {
        let out = std::process::Command::new(&bin)
            .args([
                "import",
                part.to_str().unwrap(),
                "--store",
                db.to_str().unwrap(),
            ])
            .args(["--region", "CN"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    for p in &parts {
        import(p);
    }
    let store = SqliteStore::open_with(&db, options()).unwrap();
    let feed = store.changes_since(0, usize::MAX).unwrap();
    assert!(store.len().unwrap() > 0);
    drop(store);
    let fourth = import(&parts[0]);
    assert!(fourth.contains("unchanged:"), "{fourth}");
    assert!(
        !fourth.contains("inserted:") && !fourth.contains("merged:"),
        "{fourth}"
    );
    let store = SqliteStore::open_with(&db, options()).unwrap();
    assert_eq!(store.changes_since(0, usize::MAX).unwrap(), feed);
}
