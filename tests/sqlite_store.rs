//! The SQLite store (tests/sqlite/mod.rs) honours the storage contract: the conformance suite,
//! persistence across connections, and real transactions under injected faults.

mod common;
mod sqlite;

use clientele::store::conformance::{self, snapshot};
use clientele::store::{Change, CustomerStore, FaultyStore};
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;
use sqlite::SqliteStore;

#[test]
fn sqlite_store_passes_the_conformance_suite() {
    let mut store = SqliteStore::in_memory().unwrap();
    let report = conformance::run(&mut store).unwrap();
    assert!(report.checks > 40, "only {} checks ran", report.checks);
    assert_eq!(store.len().unwrap(), 0);
    assert!(store.dump().unwrap().is_empty());
}

#[test]
fn records_survive_reopening_the_database_file() {
    let dir = std::env::temp_dir().join(format!("clientele-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.db");
    let _ = std::fs::remove_file(&path);
    let c = Customer::builder(CustomerId::new("P1").unwrap(), CustomerKind::Person)
        .full_name("周杰")
        .phone("+86 139 1234 5678")
        .build();
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store.put(c.clone()).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(&c.id).unwrap(), Some(c));
    drop(store);
    let _ = std::fs::remove_file(&path);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A fault at any write of a batch leaves the database exactly as it was: the SQLite
    /// transaction is rolled back.
    #[test]
    fn a_fault_at_any_write_leaves_the_database_unchanged(
        setup in proptest::collection::vec(common::customer(), 1..5),
        batch in proptest::collection::vec(common::customer(), 1..5),
    ) {
        let mut store = SqliteStore::in_memory().unwrap();
        for c in setup {
            store.put(c).unwrap();
        }
        let before = snapshot(&store).unwrap();
        let dump = store.dump().unwrap();
        let changes: Vec<Change> = batch.into_iter().map(Change::Put).collect();
        for k in 1..=changes.len() {
            let mut faulty = FaultyStore::new(store).fail_at_write(k);
            prop_assert!(faulty.apply(changes.clone()).is_err());
            store = faulty.into_inner();
            prop_assert_eq!(&snapshot(&store).unwrap(), &before);
            prop_assert_eq!(&store.dump().unwrap(), &dump);
        }
    }
}
