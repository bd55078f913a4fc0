//! Privacy requests: export, erasure (memory and, with the `sqlite` feature, SQLite: every
//! table and the file's bytes searched), consent withdrawal.

#[cfg(feature = "sqlite")]
mod sqlite_raw;

use chrono::{DateTime, TimeZone, Utc};
use clientele::merge::{AuditAction, Merger, OnSurvivorChange, unmerge};
use clientele::model::{
    ConsentPurpose, ConsentStatus, CurrencyCode, Interaction, InteractionKind, Money,
    NationalIdKind, Transaction,
};
use clientele::privacy::{
    erase_customer, export_customer, is_erased, may_contact, withdraw_consent,
};
use clientele::store::conformance::snapshot;
use clientele::store::{Change, CustomerStore, MemoryStore, SecondaryKey};
use clientele::{Customer, CustomerId, CustomerKind, Error};

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 2, day, 0, 0, 0).unwrap()
}

fn id(s: &str) -> CustomerId {
    CustomerId::new(s).unwrap()
}

const SECRETS: [&str; 8] = [
    "13800135678",
    "00135678",
    "wang.fang@example.com",
    "fang.w@example.com",
    "王芳",
    "Wang Fang",
    "11010519491231002X",
    "110105",
];

/// Two records of one person (merged), one unrelated customer, activity with notes.
fn fill<S: CustomerStore<Error = Error>>(store: &S) {
    let a = Customer::builder(id("A"), CustomerKind::Person)
        .full_name("王芳")
        .phone("13800135678")
        .email("wang.fang@example.com")
        .national_id(NationalIdKind::CnResidentId, "11010519491231002X")
        .tag("vip")
        .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
        .created_at(t(1))
        .build();
    let b = Customer::builder(id("B"), CustomerKind::Person)
        .full_name("Wang Fang")
        .phone("+86 138 0013 5678")
        .email("fang.w@example.com")
        .created_at(t(2))
        .build();
    let z = Customer::builder(id("Z"), CustomerKind::Person)
        .full_name("Zhao Lei")
        .phone("13911112222")
        .created_at(t(3))
        .build();
    for c in [a, b, z] {
        store.put(c).unwrap();
    }
    store
        .apply(vec![
            Change::AddTransaction(
                Transaction::new(
                    id("B"),
                    t(4),
                    Money {
                        minor_units: 1999,
                        currency: CurrencyCode::new("CNY").unwrap(),
                    },
                )
                .with_channel("app")
                .with_reference("order-7"),
            ),
            Change::AddInteraction(
                Interaction::new(id("A"), t(5), InteractionKind::Call)
                    .with_note("Wang Fang asked to call 13800135678"),
            ),
        ])
        .unwrap();
}

fn serialized<S: CustomerStore<Error = Error>>(store: &S) -> String {
    serde_json::to_string(&snapshot(store).unwrap()).unwrap()
}

fn check_erasure<S: CustomerStore<Error = Error>>(store: &S) -> String {
    fill(store);
    let (plan, _) = Merger::new()
        .default_region("CN")
        .merge(store, &[id("A"), id("B")], t(6))
        .unwrap();
    let before = serialized(store);
    assert!(SECRETS.iter().any(|s| before.contains(s)));

    // The absorbed id leads to the survivor.
    let erasure = erase_customer(store, &id("B"), t(7)).unwrap();
    assert_eq!(erasure.customer, id("A"));
    assert_eq!(erasure.scrubbed_merges, vec![plan.id.clone()]);
    assert_eq!(erasure.events[0].action, AuditAction::Erase);
    let events = serde_json::to_string(&erasure.events).unwrap();

    let after = serialized(store);
    for s in SECRETS {
        assert!(!after.contains(s), "{s} survives in the store");
        assert!(!events.contains(s), "{s} in the audit events");
    }
    // No index entry finds the customer any more.
    for key in [
        SecondaryKey::phone("13800135678").unwrap(),
        SecondaryKey::email("wang.fang@example.com").unwrap(),
        SecondaryKey::national_id("11010519491231002X").unwrap(),
    ] {
        assert!(store.lookup(&key).unwrap().is_empty());
    }
    // The tombstone, and the others untouched.
    let tomb = store.get(&id("A")).unwrap().unwrap();
    assert!(is_erased(&tomb));
    assert_eq!(tomb.consents.len(), 1);
    assert!(!may_contact(&tomb, &ConsentPurpose::Marketing, t(8)));
    assert_eq!(store.activity(&id("A")).unwrap().transactions.len(), 1);
    assert!(store.get(&id("Z")).unwrap().unwrap().phones.len() == 1);
    // A scrubbed merge cannot be undone.
    assert!(matches!(
        unmerge(store, &plan.id, t(9), OnSurvivorChange::Restore),
        Err(Error::MergeErased { .. })
    ));
    after
}

#[test]
fn erasure_leaves_no_personal_value_in_the_memory_store() {
    let store = MemoryStore::new();
    check_erasure(&store);
}

#[cfg(feature = "sqlite")]
#[test]
fn erasure_leaves_no_personal_value_anywhere_in_the_sqlite_database() {
    let (store, scratch) = sqlite_raw::file_store("erasure");
    let path = scratch.path("store.db");
    check_erasure(&store);
    let raw = sqlite_raw::dump(&path).join("\n");
    for s in SECRETS {
        assert!(!raw.contains(s), "{s} survives in a table");
    }
    // Nor in the file's bytes (secure_delete zeroes what was deleted or overwritten) once the
    // write-ahead log is checkpointed.
    store.checkpoint().unwrap();
    let bytes = sqlite_raw::file_bytes(&path);
    assert!(bytes.len() > 4096);
    for s in SECRETS {
        assert!(!sqlite_raw::contains(&bytes, s), "{s} survives in the file");
    }
    // The feed holds the tombstone, not the former record.
    let feed = serde_json::to_string(&store.changes_since(0, usize::MAX).unwrap()).unwrap();
    for s in SECRETS {
        assert!(!feed.contains(s), "{s} survives in the change feed");
    }
}

#[test]
fn erasure_leaves_nothing_in_the_memory_stores_feed() {
    let store = MemoryStore::new();
    check_erasure(&store);
    let feed = serde_json::to_string(&store.changes_since(0, usize::MAX).unwrap()).unwrap();
    for s in SECRETS {
        assert!(!feed.contains(s), "{s} survives in the change feed");
    }
}

#[test]
fn erasure_racing_new_activity_loses_nothing_and_leaves_no_value() {
    // A writer keeps adding interactions with notes while the customer is erased: erasure
    // retries when its read goes stale, so no note written before it survives, and every
    // interaction accepted is kept (notes dropped when the erasure came after).
    for _ in 0..20 {
        let store = MemoryStore::new();
        fill(&store);
        let added = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..50 {
                    let note = Interaction::new(id("A"), t(5), InteractionKind::Note)
                        .with_note("called 13800135678");
                    if store.apply(vec![Change::AddInteraction(note)]).is_ok() {
                        added.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            });
            s.spawn(|| match erase_customer(&store, &id("A"), t(7)) {
                Ok(_) => {}
                // Lost every retry to the writer: then it changed nothing.
                Err(Error::Conflict { .. }) => {}
                Err(e) => panic!("{e}"),
            });
        });
        if !is_erased(&store.get(&id("A")).unwrap().unwrap()) {
            erase_customer(&store, &id("A"), t(7)).unwrap();
        }
        let act = store.activity(&id("A")).unwrap();
        assert_eq!(
            act.interactions.len(),
            1 + added.load(std::sync::atomic::Ordering::SeqCst)
        );
        // Notes are gone up to the erasure; only interactions written after it have one.
        let first = act.interactions.iter().position(|i| i.note.is_some());
        if let Some(first) = first {
            assert!(first > 0);
            assert!(act.interactions[first..].iter().all(|i| i.note.is_some()));
        }
    }
}

#[test]
fn export_holds_record_activity_and_provenance() {
    let store = MemoryStore::new();
    fill(&store);
    Merger::new()
        .merge(&store, &[id("A"), id("B")], t(6))
        .unwrap();
    let export = export_customer(&store, &id("B"), t(7)).unwrap();
    assert_eq!(export.customer.id, id("A"));
    assert_eq!(export.activity.transactions.len(), 1);
    assert_eq!(export.activity.interactions.len(), 1);
    assert_eq!(export.merges.len(), 1);
    let json = serde_json::to_value(&export).unwrap();
    assert!(json["merges"][0]["discarded"].as_array().is_some());
    // B's own spelling of the name is in the export, through provenance.
    assert!(json.to_string().contains("Wang Fang"));
    let debug = format!("{export:?}");
    assert!(
        !debug.contains("13800135678") && !debug.contains("王芳") && !debug.contains("Wang Fang")
    );
    assert!(matches!(
        export_customer(&store, &id("nobody"), t(7)),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn consent_withdrawal_is_appended_and_respected() {
    let store = MemoryStore::new();
    fill(&store);
    let events = withdraw_consent(
        &store,
        &id("A"),
        ConsentPurpose::Marketing,
        t(10),
        "call_centre",
    )
    .unwrap();
    assert_eq!(events[0].action, AuditAction::WithdrawConsent);
    let c = store.get(&id("A")).unwrap().unwrap();
    assert_eq!(c.consents.len(), 2);
    assert_eq!(c.consents[1].status, ConsentStatus::Withdrawn);
    assert!(may_contact(&c, &ConsentPurpose::Marketing, t(9)));
    assert!(!may_contact(&c, &ConsentPurpose::Marketing, t(10)));
    assert!(!may_contact(&c, &ConsentPurpose::Marketing, t(11)));
    // Never consented: no.
    let z = store.get(&id("Z")).unwrap().unwrap();
    assert!(!may_contact(&z, &ConsentPurpose::Marketing, t(11)));
    assert!(matches!(
        withdraw_consent(&store, &id("Q"), ConsentPurpose::Marketing, t(10), "web"),
        Err(Error::NotFound { .. })
    ));
}
