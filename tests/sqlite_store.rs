//! The shipped SQLite store (feature `sqlite`) honours the storage contract: the conformance
//! suites (single-threaded, 8 threads, faults), persistence, the schema's versions and
//! migrations, WAL mode, index rebuilds, and real transactions under injected faults.
#![cfg(feature = "sqlite")]

mod common;
mod sqlite_raw;

use clientele::dedupe::Deduplicator;
use clientele::model::{Activity, CurrencyCode, Money, Transaction};
use clientele::store::conformance::{self, snapshot};
use clientele::store::rusqlite::{Connection, params};
use clientele::store::{
    Change, CustomerStore, Document, FaultyStore, KeyIndexers, SecondaryKey, SqliteOptions,
    SqliteStore,
};
use clientele::{Customer, CustomerId, CustomerKind, Error};
use proptest::prelude::*;
use sqlite_raw::{Scratch, dump, file_store, file_store_with, raw};

fn person(id: &str) -> Customer {
    Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
        .full_name("周杰")
        .phone("+86 139 1234 5678")
        .email("zhou.jie@example.com")
        .build()
}

fn tx(customer: &str, cents: i64) -> Transaction {
    Transaction::new(
        CustomerId::new(customer).unwrap(),
        chrono::DateTime::UNIX_EPOCH,
        Money {
            minor_units: cents,
            currency: CurrencyCode::new("CNY").unwrap(),
        },
    )
    .with_reference(format!("order-{cents}"))
}

#[test]
fn a_file_store_passes_the_conformance_suite() {
    let (store, scratch) = file_store("conformance");
    let report = conformance::run(&store).unwrap();
    assert!(report.checks > 100, "only {} checks ran", report.checks);
    assert_eq!(store.len().unwrap(), 0);
    let rows = dump(&scratch.path("store.db"));
    for table in ["customers", "activity", "keys", "merges", "merge_members"] {
        assert!(
            !rows.iter().any(|r| r.starts_with(&format!("{table}\t"))),
            "rows left in {table}"
        );
    }
}

#[test]
fn an_in_memory_store_passes_the_conformance_and_fault_suites() {
    let store = SqliteStore::in_memory().unwrap();
    conformance::run(&store).unwrap();
    conformance::faults(&store).unwrap();
}

#[test]
fn a_file_store_passes_the_concurrency_suite_with_8_threads() {
    let (store, _scratch) = file_store("threads");
    let report = conformance::concurrency(&store, 8).unwrap();
    assert!(report.checks >= 8 * 40);
}

#[test]
fn a_store_sharing_one_connection_passes_the_concurrency_suite() {
    let options = SqliteOptions {
        readers: 0,
        ..SqliteOptions::default()
    };
    let (store, _scratch) = file_store_with("one-connection", options);
    conformance::concurrency(&store, 8).unwrap();
}

#[test]
fn a_file_store_passes_the_fault_suite() {
    let (store, _scratch) = file_store("faults");
    conformance::faults(&store).unwrap();
}

#[test]
fn the_suites_pass_with_contact_and_blocking_keys_together() {
    let options = SqliteOptions::default()
        .indexers(KeyIndexers::contact().and(Deduplicator::new().indexer()));
    let (store, _scratch) = file_store_with("two-indexers", options);
    conformance::run(&store).unwrap();
    let c = person("C1");
    store.put(c.clone()).unwrap();
    assert_eq!(
        store
            .lookup(&SecondaryKey::phone("13912345678").unwrap())
            .unwrap(),
        vec![c.id.clone()]
    );
    for key in Deduplicator::new().indexer().keys_of(&c) {
        assert_eq!(store.lookup(&key).unwrap(), vec![c.id.clone()]);
    }
}

#[test]
fn records_survive_reopening_and_the_file_is_in_wal_mode() {
    let scratch = Scratch::new("reopen");
    let path = scratch.path("store.db");
    let c = person("P1");
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .apply(vec![
                Change::Put(c.clone()),
                Change::AddTransaction(tx("P1", 5)),
            ])
            .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(&c.id).unwrap(), Some(c.clone()));
    assert_eq!(store.activity(&c.id).unwrap().transactions.len(), 1);
    let conn = raw(&path);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
    // Every merge member has an index, every secondary key a primary key.
    let indexes: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(indexes.iter().any(|i| i == "members_by_merge"));
    // Lookups by key are seeks of the primary key of `keys` (key first).
    let plan: String = conn
        .query_row(
            "EXPLAIN QUERY PLAN SELECT customer_id FROM keys WHERE key = 'phone:1'",
            [],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("USING PRIMARY KEY (key=?)"), "{plan}");
}

/// The layout of the worked example that preceded the shipped store (schema version 1, no
/// `user_version`): activity as one JSON body per customer, no feed, no record of the indexer.
const V1: &str = "
CREATE TABLE customers (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE activity (customer_id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE keys (key TEXT NOT NULL, customer_id TEXT NOT NULL, PRIMARY KEY (key, customer_id)) WITHOUT ROWID;
CREATE INDEX keys_by_customer ON keys (customer_id);
CREATE TABLE merges (id TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE merge_members (customer_id TEXT NOT NULL, merge_id TEXT NOT NULL, PRIMARY KEY (customer_id, merge_id)) WITHOUT ROWID;
CREATE INDEX members_by_merge ON merge_members (merge_id);
";

#[test]
fn a_version_1_file_is_upgraded_on_opening() {
    let scratch = Scratch::new("v1");
    let path = scratch.path("old.db");
    let a = person("A");
    let b = Customer::builder(CustomerId::new("B").unwrap(), CustomerKind::Person)
        .email("b@example.com")
        .build();
    let mut activity = Activity::default();
    activity.transactions.push(tx("A", 100));
    activity.transactions.push(tx("A", 200));
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(V1).unwrap();
        for c in [&a, &b] {
            conn.execute(
                "INSERT INTO customers (id, body) VALUES (?1, ?2)",
                params![c.id.as_str(), serde_json::to_string(c).unwrap()],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO activity (customer_id, body) VALUES ('A', ?1)",
            [serde_json::to_string(&activity).unwrap()],
        )
        .unwrap();
        // A v1 key, written by the example's contact indexer.
        conn.execute(
            "INSERT INTO keys (key, customer_id) VALUES (?1, 'A')",
            [SecondaryKey::phone("13912345678").unwrap().as_str()],
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(&a.id).unwrap(), Some(a.clone()));
    assert_eq!(store.activity(&a.id).unwrap(), activity);
    // The index was rebuilt: B's email, which v1 had not indexed here, is found.
    assert_eq!(
        store
            .lookup(&SecondaryKey::email("b@example.com").unwrap())
            .unwrap(),
        vec![b.id.clone()]
    );
    // The feed lists what the old file held, so a replay from 0 rebuilds it.
    let copy = clientele::store::MemoryStore::new();
    clientele::store::sync(&store, &copy, 0, 10).unwrap();
    assert_eq!(snapshot(&copy).unwrap(), snapshot(&store).unwrap());
    // And the upgraded file works as any other.
    store
        .apply(vec![Change::AddTransaction(tx("A", 300))])
        .unwrap();
    assert_eq!(store.activity(&a.id).unwrap().transactions.len(), 3);
    drop(store);
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
}

#[test]
fn a_version_2_file_gets_the_documents_table_and_keeps_its_records_and_feed() {
    let scratch = Scratch::new("v2");
    let path = scratch.path("store.db");
    let c = person("P1");
    {
        let store = SqliteStore::open(&path).unwrap();
        store.apply(vec![Change::Put(c.clone())]).unwrap();
    }
    // What version 2 wrote: the same file without the documents table.
    Connection::open(&path)
        .unwrap()
        .execute_batch("DROP TABLE documents; PRAGMA user_version = 2;")
        .unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.get(&c.id).unwrap(), Some(c.clone()));
    assert_eq!(store.changes_since(0, 10).unwrap().len(), 1);
    let doc = Document::new("clientele.conformance", "k", "v");
    store.apply(vec![Change::PutDocument(doc.clone())]).unwrap();
    assert_eq!(
        store.document("clientele.conformance", "k").unwrap(),
        Some(doc)
    );
    drop(store);
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 3);
    assert_eq!(version, SqliteStore::SCHEMA_VERSION);
}

#[test]
fn a_file_of_a_newer_schema_is_refused_and_left_untouched() {
    let scratch = Scratch::new("newer");
    let path = scratch.path("new.db");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = dump(&path);
    match SqliteStore::open(&path) {
        Err(Error::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (99, SqliteStore::SCHEMA_VERSION));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
    assert_eq!(dump(&path), before);
    let version: i64 = raw(&path)
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 99);
}

#[test]
fn opening_with_other_indexers_rebuilds_the_index() {
    let scratch = Scratch::new("reindex");
    let path = scratch.path("store.db");
    let c = person("C1");
    let dedupe = Deduplicator::new();
    {
        let store = SqliteStore::open(&path).unwrap();
        store.put(c.clone()).unwrap();
        let block = dedupe.indexer().keys_of(&c);
        assert!(store.lookup(&block[0]).unwrap().is_empty());
    }
    let both = SqliteOptions::default().indexers(KeyIndexers::contact().and(dedupe.indexer()));
    let store = SqliteStore::open_with(&path, both).unwrap();
    for key in dedupe.indexer().keys_of(&c) {
        assert_eq!(store.lookup(&key).unwrap(), vec![c.id.clone()]);
    }
    drop(store);
    // Back to contact keys only: the blocking keys are gone again.
    let store = SqliteStore::open(&path).unwrap();
    for key in dedupe.indexer().keys_of(&c) {
        assert!(store.lookup(&key).unwrap().is_empty());
    }
    assert_eq!(
        store
            .lookup(&SecondaryKey::phone("13912345678").unwrap())
            .unwrap(),
        vec![c.id]
    );
}

#[test]
fn an_unreadable_file_is_a_storage_error_with_its_cause() {
    use std::error::Error as _;
    let scratch = Scratch::new("garbage");
    let path = scratch.path("not-a-db.db");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, Error::Storage { .. }), "{err:?}");
    let cause = err
        .source()
        .and_then(|s| s.downcast_ref::<clientele::store::rusqlite::Error>());
    assert!(cause.is_some(), "the rusqlite error is kept as the source");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// A fault at any write of a batch leaves the database exactly as it was, every row of
    /// every table included: the SQLite transaction is rolled back.
    #[test]
    fn a_fault_at_any_write_leaves_the_database_unchanged(
        setup in proptest::collection::vec(common::customer(), 1..5),
        batch in proptest::collection::vec(common::customer(), 1..5),
    ) {
        let (store, scratch) = file_store("prop-faults");
        let path = scratch.path("store.db");
        for c in setup {
            store.put(c).unwrap();
        }
        let before = snapshot(&store).unwrap();
        let rows = dump(&path);
        let changes: Vec<Change> = batch.into_iter().map(Change::Put).collect();
        for k in 1..=changes.len() {
            let faulty = FaultyStore::new(&store).fail_at_write(k);
            prop_assert!(faulty.apply(changes.clone()).is_err());
            prop_assert_eq!(&snapshot(&store).unwrap(), &before);
            prop_assert_eq!(&dump(&path), &rows);
        }
    }
}

#[test]
fn match_one_finds_the_same_matches_in_sqlite_as_in_memory() {
    use clientele::synth::{SynthConfig, generate};
    let data = generate(&SynthConfig {
        customers: 3_000,
        ..SynthConfig::default()
    })
    .unwrap();
    let d = Deduplicator::new();
    let model = d.train(&data.customers).unwrap();
    let indexers = KeyIndexers::contact().and(d.indexer());
    let memory = clientele::store::MemoryStore::with_indexers(indexers.clone());
    let (sqlite, _scratch) =
        file_store_with("match-one", SqliteOptions::default().indexers(indexers));
    let (held, stored): (Vec<_>, Vec<_>) = data
        .customers
        .iter()
        .enumerate()
        .partition(|(i, _)| i % 30 == 0);
    let batch: Vec<Change> = stored
        .iter()
        .map(|(_, c)| Change::Insert((*c).clone()))
        .collect();
    memory.apply(batch.clone()).unwrap();
    sqlite.apply(batch).unwrap();
    let mut found = 0;
    for (_, c) in &held {
        let a = d.match_one(c, &memory, &model).unwrap();
        let b = d.match_one(c, &sqlite, &model).unwrap();
        let ids = |m: &[clientele::dedupe::Match]| -> Vec<String> {
            m.iter().map(|x| x.id.to_string()).collect()
        };
        assert_eq!(ids(&a), ids(&b), "record {}", c.id);
        found += a.len();
    }
    assert!(found > 0, "no held-out record found a duplicate");
}

/// Index rows held back to the end of a batch: a record rewritten within the batch keeps only
/// its last keys, a key dropped and added again stays, a record deleted in the batch keeps none.
#[test]
fn a_batch_that_rewrites_a_record_indexes_only_its_last_keys() {
    let scratch = Scratch::new("rewrite-keys");
    let store = SqliteStore::open(scratch.path("store.db")).unwrap();
    let with_phone = |id: &str, phone: &str| {
        Customer::builder(CustomerId::new(id).unwrap(), CustomerKind::Person)
            .phone(phone)
            .build()
    };
    let key = |phone: &str| SecondaryKey::phone(phone).unwrap();
    store
        .apply(vec![
            Change::Put(with_phone("A", "13800000001")),
            Change::Put(with_phone("A", "13900000002")),
            Change::Put(with_phone("A", "13800000001")),
            Change::Insert(with_phone("B", "13700000003")),
            Change::Delete(CustomerId::new("B").unwrap()),
        ])
        .unwrap();
    assert_eq!(
        store.lookup(&key("13800000001")).unwrap(),
        vec![CustomerId::new("A").unwrap()]
    );
    assert!(store.lookup(&key("13900000002")).unwrap().is_empty());
    assert!(store.lookup(&key("13700000003")).unwrap().is_empty());
}
