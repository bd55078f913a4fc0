//! The storage contract: the conformance suite on MemoryStore, and all-or-nothing batches.

mod common;

use clientele::model::{CurrencyCode, Money, Transaction};
use clientele::store::conformance::{self, snapshot};
use clientele::store::{Change, CustomerStore, MemoryStore};
use clientele::{CustomerId, Error};
use proptest::prelude::*;

#[test]
fn memory_store_passes_the_conformance_suite() {
    let mut store = MemoryStore::new();
    let report = conformance::run(&mut store).unwrap();
    assert!(report.checks > 30, "only {} checks ran", report.checks);
    assert_eq!(store.len().unwrap(), 0);
}

#[test]
fn conformance_refuses_a_store_that_is_not_empty() {
    let mut store = MemoryStore::new();
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
        conformance::run(&mut store),
        Err(conformance::Failure::NotEmpty(1))
    ));
}

#[test]
fn a_refused_batch_names_the_change_that_failed() {
    let mut store = MemoryStore::new();
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
        (id, 1i64..10_000).prop_map(|(i, cents)| Change::AddTransaction(Transaction {
            customer: CustomerId::new(i).unwrap(),
            at: chrono::DateTime::UNIX_EPOCH,
            amount: Money {
                minor_units: cents,
                currency: CurrencyCode::new("EUR").unwrap()
            },
            channel: None,
            reference: None,
        })),
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
        let mut store = MemoryStore::new();
        for c in setup {
            let _ = store.apply(vec![c]);
        }
        let before = snapshot(&store).unwrap();

        // The expected result, change by change on a copy; None if any change is refused.
        let mut stepwise = store.clone();
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
    let mut store = clientele::store::FaultyStore::new(MemoryStore::new());
    conformance::run(&mut store).unwrap();
    assert!(store.writes() > 40);
}
