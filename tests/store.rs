//! The storage contract: the conformance suites on MemoryStore (single-threaded, 8 threads,
//! faults), all-or-nothing batches, several indexers, and typed errors.

mod common;

use clientele::model::{CurrencyCode, Money, Transaction};
use clientele::store::conformance::{self, snapshot};
use clientele::store::{Change, CustomerStore, KeyIndexers, MemoryStore, SecondaryKey};
use clientele::{CustomerId, Error};
use proptest::prelude::*;

#[test]
fn memory_store_passes_the_conformance_suite() {
    let store = MemoryStore::new();
    let report = conformance::run(&store).unwrap();
    assert!(report.checks > 100, "only {} checks ran", report.checks);
    assert_eq!(store.len().unwrap(), 0);
}

#[test]
fn memory_store_passes_the_concurrency_suite_with_8_threads() {
    let store = MemoryStore::new();
    let report = conformance::concurrency(&store, 8).unwrap();
    assert!(report.checks >= 8 * 40, "only {} checks ran", report.checks);
    assert_eq!(store.len().unwrap(), 0);
}

#[test]
fn memory_store_passes_the_fault_suite() {
    let store = MemoryStore::new();
    let report = conformance::faults(&store).unwrap();
    assert!(report.checks > 20, "only {} checks ran", report.checks);
}

#[test]
fn the_suites_pass_on_a_store_indexing_contact_and_blocking_keys() {
    let dedupe = clientele::dedupe::Deduplicator::new();
    let store = MemoryStore::with_indexers(KeyIndexers::contact().and(dedupe.indexer()));
    conformance::run(&store).unwrap();
    conformance::faults(&store).unwrap();
}

#[test]
fn contact_lookups_keep_working_beside_the_detectors_keys() {
    let dedupe = clientele::dedupe::Deduplicator::new();
    let both = MemoryStore::with_indexers(KeyIndexers::contact().and(dedupe.indexer()));
    let blocking_only = MemoryStore::with_indexer(dedupe.indexer());
    let c = clientele::Customer::builder(
        CustomerId::new("C1").unwrap(),
        clientele::CustomerKind::Person,
    )
    .full_name("Zhang Wei")
    .phone("+86 138 0013 5678")
    .email("zhang.wei@example.com")
    .build();
    both.put(c.clone()).unwrap();
    blocking_only.put(c.clone()).unwrap();
    for key in [
        SecondaryKey::phone("13800135678").unwrap(),
        SecondaryKey::email("Zhang.Wei@example.com").unwrap(),
    ] {
        assert_eq!(both.lookup(&key).unwrap(), vec![c.id.clone()]);
        assert!(blocking_only.lookup(&key).unwrap().is_empty());
    }
    // And every blocking key of the detector is there too.
    for key in dedupe.indexer().keys_of(&c) {
        assert_eq!(both.lookup(&key).unwrap(), vec![c.id.clone()]);
    }
    assert!(both.key_count().unwrap() > blocking_only.key_count().unwrap());
}

#[test]
fn storage_errors_keep_their_cause_and_phone_and_email_errors_convert() {
    use std::error::Error as _;
    let io = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "read-only file");
    let e = Error::storage("opening", io);
    let cause = e.source().and_then(|s| s.downcast_ref::<std::io::Error>());
    assert_eq!(
        cause.map(|c| c.kind()),
        Some(std::io::ErrorKind::PermissionDenied)
    );
    // A cause that is already ours comes back as itself.
    let ours = Error::storage("x", Error::Cancelled);
    assert!(matches!(ours, Error::Cancelled));

    let n = clientele::normalize::Normalizer::default();
    let phone: Result<_, Error> = n.phone("no digits", Some("CN")).map_err(Error::from);
    assert!(matches!(phone, Err(Error::InvalidPhone(_))));
    let email: Result<_, Error> = n.email("nobody").map_err(Error::from);
    assert!(matches!(email, Err(Error::InvalidEmail(_))));
}

#[test]
fn conformance_refuses_a_store_that_is_not_empty() {
    let store = MemoryStore::new();
    store
        .put(
            clientele::Customer::builder(
                CustomerId::new("X").unwrap(),
                clientele::CustomerKind::Person,
            )
            .build(),
        )
        .unwrap();
    assert!(matches!(
        conformance::run(&store),
        Err(conformance::Failure::NotEmpty(1))
    ));
}

#[test]
fn a_refused_batch_names_the_change_that_failed() {
    let store = MemoryStore::new();
    let err = store
        .apply(vec![Change::Delete(CustomerId::new("nobody").unwrap())])
        .unwrap_err();
    match err {
        Error::BatchRefused { index, source } => {
            assert_eq!(index, 0);
            assert!(matches!(*source, Error::NotFound { .. }));
        }
        other => panic!("{other:?}"),
    }
}

fn change() -> impl Strategy<Value = Change> {
    let id = "[A-E]";
    prop_oneof![
        common::customer().prop_map(Change::Put),
        id.prop_flat_map(common::customer_with_id)
            .prop_map(Change::Put),
        id.prop_flat_map(common::customer_with_id)
            .prop_map(Change::Insert),
        id.prop_map(|i| Change::Delete(CustomerId::new(i).unwrap())),
        (id, 1i64..10_000).prop_map(|(i, cents)| Change::AddTransaction(Transaction::new(
            CustomerId::new(i).unwrap(),
            chrono::DateTime::UNIX_EPOCH,
            Money {
                minor_units: cents,
                currency: CurrencyCode::new("EUR").unwrap()
            }
        ))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever a batch holds, it is applied whole or not at all: the store after `apply` equals
    /// either the store before it or the result of applying every change one by one.
    #[test]
    fn apply_is_all_or_nothing(
        setup in proptest::collection::vec(change(), 0..8),
        batch in proptest::collection::vec(change(), 1..8),
    ) {
        let store = MemoryStore::new();
        for c in setup {
            let _ = store.apply(vec![c]);
        }
        let before = snapshot(&store).unwrap();

        // The expected result, change by change on a copy; None if any change is refused.
        let stepwise = store.clone();
        let all_ok = batch.iter().all(|c| stepwise.apply(vec![c.clone()]).is_ok());

        let result = store.apply(batch);
        let after = snapshot(&store).unwrap();
        prop_assert_eq!(result.is_ok(), all_ok);
        if all_ok {
            prop_assert_eq!(after, snapshot(&stepwise).unwrap());
        } else {
            prop_assert_eq!(after, before);
        }
    }
}

#[test]
fn a_faulty_store_without_a_fault_passes_the_conformance_suite() {
    let store = clientele::store::FaultyStore::new(MemoryStore::new());
    conformance::run(&store).unwrap();
    assert!(store.writes() > 40);
}
