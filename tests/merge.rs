//! Merging: plans and survivorship rules, provenance, undo, atomic apply (memory and, with the
//! `sqlite` feature, SQLite), and merges racing other writers.

mod common;
#[cfg(feature = "sqlite")]
mod sqlite_raw;

use chrono::{DateTime, TimeZone, Utc};
use clientele::merge::{
    AuditAction, FieldRule, FieldValue, Merger, OnSurvivorChange, SurvivorRule, apply_plan,
    history, unmerge,
};
use clientele::model::{
    ConsentPurpose, ConsentStatus, CurrencyCode, CustomValue, Field, FieldGroup, Interaction,
    InteractionKind, Money, Transaction,
};
use clientele::store::conformance::snapshot;
use clientele::store::{Change, CustomerStore, FaultyStore, MemoryStore};
use clientele::{Customer, CustomerId, CustomerKind, Error};
use proptest::prelude::*;

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, day, 0, 0, 0).unwrap()
}

fn id(s: &str) -> CustomerId {
    CustomerId::new(s).unwrap()
}

fn tx(customer: &CustomerId, cents: i64) -> Transaction {
    Transaction::new(
        customer.clone(),
        t(3),
        Money {
            minor_units: cents,
            currency: CurrencyCode::new("CNY").unwrap(),
        },
    )
    .with_channel("store")
    .with_reference(format!("order-{cents}"))
}

fn person(i: &str, day: u32) -> clientele::model::CustomerBuilder {
    Customer::builder(id(i), CustomerKind::Person)
        .created_at(t(day))
        .updated_at(t(day))
}

fn two(store: &MemoryStore, a: Customer, b: Customer) -> [CustomerId; 2] {
    let ids = [a.id.clone(), b.id.clone()];
    store.put(a).unwrap();
    store.put(b).unwrap();
    ids
}

#[test]
fn union_keeps_each_phone_email_and_id_once_after_normalization() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1)
            .full_name("张伟")
            .phone("+86 138 0013 5678")
            .email("Zhang.Wei@Example.com")
            .tag("vip")
            .build(),
        person("B", 2)
            .full_name("张伟")
            .phone("138-0013-5678")
            .phone("13900001111")
            .email("zhang.wei@example.com")
            .tag("VIP")
            .tag("new")
            .build(),
    );
    let plan = Merger::new()
        .default_region("CN")
        .plan(&store, &ids, t(9))
        .unwrap();
    let m = &plan.merged.customer;
    assert_eq!(plan.survivor, id("A"));
    assert_eq!(
        m.phones
            .iter()
            .map(|p| p.number.as_str())
            .collect::<Vec<_>>(),
        ["+86 138 0013 5678", "13900001111"]
    );
    assert_eq!(m.emails.len(), 1);
    assert_eq!(m.tags.len(), 2, "vip and VIP are one tag");
    assert_eq!(m.phones.iter().filter(|p| p.primary).count(), 1);
    // The repeats are in provenance, with origin and rule.
    let repeats: Vec<_> = plan
        .discarded
        .iter()
        .filter(|d| d.rule == "union")
        .collect();
    assert_eq!(repeats.len(), 3);
    assert!(
        repeats
            .iter()
            .all(|d| d.from == id("B") && d.updated_at == t(2))
    );
}

#[test]
fn survivor_rules_choose_as_documented() {
    let store = MemoryStore::new();
    let a = person("A", 5).full_name("Ann").source("web").build();
    let b = person("B", 1)
        .full_name("Ann Lee")
        .phone("13800135678")
        .email("ann@example.com")
        .source("erp")
        .updated_at(t(2))
        .build();
    let ids = two(&store, a, b);
    let pick = |rule: SurvivorRule| {
        Merger::new()
            .survivor(rule)
            .plan(&store, &ids, t(9))
            .unwrap()
            .survivor
    };
    assert_eq!(pick(SurvivorRule::Oldest), id("B"));
    assert_eq!(pick(SurvivorRule::MostComplete), id("B"));
    assert_eq!(pick(SurvivorRule::MostRecentlyUpdated), id("A"));
    assert_eq!(
        pick(SurvivorRule::SourcePriority(vec![
            "web".into(),
            "erp".into()
        ])),
        id("A")
    );
    assert_eq!(
        pick(SurvivorRule::custom("largest_id", |cs| cs
            .iter()
            .map(|c| c.id.clone())
            .max())),
        id("B")
    );
    let bad = Merger::new()
        .survivor(SurvivorRule::custom("nobody", |_| None))
        .plan(&store, &ids, t(9));
    assert!(matches!(bad, Err(Error::InvalidCluster { .. })));
}

#[test]
fn field_rules_choose_as_documented() {
    let store = MemoryStore::new();
    let mut ids = Vec::new();
    for (i, (name, birth, source, day)) in [
        ("Li", "1990-01-02", "erp", 1),
        ("Li Na Zhang", "1990-01-02", "web", 2),
        ("Li Na", "1991-05-06", "crm", 3),
    ]
    .into_iter()
    .enumerate()
    {
        let c = person(&format!("R{i}"), day)
            .full_name(name)
            .birth_date(clientele::model::parse_date(birth).unwrap())
            .source(source)
            .build();
        ids.push(c.id.clone());
        store.put(c).unwrap();
    }
    let name_under = |rule: FieldRule| {
        Merger::new()
            .rule(FieldGroup::PersonName, rule)
            .plan(&store, &ids, t(9))
            .unwrap()
            .merged
            .customer
            .display_name()
    };
    assert_eq!(name_under(FieldRule::MostRecent), "Li Na");
    assert_eq!(name_under(FieldRule::MostComplete), "Li Na Zhang");
    assert_eq!(name_under(FieldRule::Survivor), "Li");
    assert_eq!(
        name_under(FieldRule::PreferredSource(vec!["web".into()])),
        "Li Na Zhang"
    );
    let plan = Merger::new().plan(&store, &ids, t(9)).unwrap();
    assert_eq!(
        plan.merged
            .customer
            .birth_date
            .map(|d| d.to_string())
            .as_deref(),
        Some("1990-01-02"),
        "most frequent"
    );
    let d = plan
        .discarded
        .iter()
        .find(|d| d.field == FieldGroup::BirthDate && d.from == id("R2"))
        .unwrap();
    assert_eq!(d.rule, "most_frequent");
    // Every kept value says where it came from.
    let kept: Vec<_> = plan.kept_for(FieldGroup::PersonName).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].rule, "most_complete");
}

#[test]
fn valid_only_drops_values_the_validator_rejects() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1)
            .email("li..na@qq.com")
            .phone("138 0013 800")
            .build(),
        person("B", 2)
            .email("lina@qq.com")
            .phone("13800135678")
            .build(),
    );
    let plan = Merger::new()
        .default_region("CN")
        .rule(
            FieldGroup::Emails,
            FieldRule::ValidOnly(Box::new(FieldRule::Union)),
        )
        .rule(
            FieldGroup::Phones,
            FieldRule::ValidOnly(Box::new(FieldRule::Survivor)),
        )
        .plan(&store, &ids, t(9))
        .unwrap();
    let m = &plan.merged.customer;
    assert_eq!(m.emails.len(), 1);
    assert_eq!(m.emails[0].address, "lina@qq.com");
    assert_eq!(m.phones.len(), 1);
    assert_eq!(m.phones[0].number, "13800135678");
    assert!(plan.discarded.iter().any(|d| d.rule == "valid_only(union)"
        && matches!(&d.value, FieldValue::Email(e) if e.address == "li..na@qq.com")));
}

#[test]
fn activity_moves_to_the_survivor_and_merge_is_audited() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1).full_name("Ann").build(),
        person("B", 2).full_name("Ann").build(),
    );
    store
        .apply(vec![
            Change::AddTransaction(tx(&ids[0], 100)),
            Change::AddTransaction(tx(&ids[1], 250)),
            Change::AddInteraction(
                Interaction::new(ids[1].clone(), t(4), InteractionKind::Call)
                    .with_note("asked about delivery"),
            ),
        ])
        .unwrap();
    let (plan, events) = Merger::new().merge(&store, &ids, t(9)).unwrap();
    let act = store.activity(&ids[0]).unwrap();
    assert_eq!(act.transactions.len(), 2);
    assert_eq!(act.interactions.len(), 1);
    assert!(act.transactions.iter().all(|x| x.customer == ids[0]));
    assert!(store.activity(&ids[1]).unwrap().is_empty());
    assert_eq!(store.get(&ids[1]).unwrap(), None);
    assert_eq!(events[0].action, AuditAction::Merge);
    assert_eq!(events[0].rule.as_deref(), Some("oldest"));
    assert_eq!(events[0].customers, ids.to_vec());
    assert_eq!(events[1].action, AuditAction::Apply);
    for e in &events {
        let json = serde_json::to_string(e).unwrap();
        assert!(json.contains(plan.id.as_str()));
    }
    // Provenance is readable from either id.
    assert_eq!(history(&store, &ids[1]).unwrap().len(), 1);
    assert_eq!(store.merges_of(&ids[0]).unwrap()[0].id, plan.id);
}

#[test]
fn a_stale_plan_is_refused_and_writes_nothing() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1).build(),
        person("B", 2).tag("x").build(),
    );
    let plan = Merger::new().plan(&store, &ids, t(9)).unwrap();
    store.put(person("B", 2).tag("y").build()).unwrap();
    let before = snapshot(&store).unwrap();
    assert!(matches!(
        apply_plan(&store, &plan),
        Err(Error::StalePlan { id }) if id == ids[1]
    ));
    assert_eq!(snapshot(&store).unwrap(), before);
}

#[test]
fn unmerge_refuses_when_the_survivor_changed_unless_asked_to_restore() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1).full_name("Ann").build(),
        person("B", 2).full_name("Ann Lee").build(),
    );
    store.put(person("Z", 3).full_name("Zoe").build()).unwrap();
    let before = snapshot(&store).unwrap();
    let (plan, _) = Merger::new().merge(&store, &ids, t(9)).unwrap();
    // A later change to the survivor.
    store
        .apply(vec![Change::AddTransaction(tx(&ids[0], 999))])
        .unwrap();
    let err = unmerge(&store, &plan.id, t(10), OnSurvivorChange::Refuse).unwrap_err();
    assert!(matches!(err, Error::SurvivorChanged { .. }));
    assert!(store.merge_record(&plan.id).unwrap().is_some());
    let events = unmerge(&store, &plan.id, t(10), OnSurvivorChange::Restore).unwrap();
    assert_eq!(events[0].action, AuditAction::Unmerge);
    assert!(events[0].detail.contains("dropped"));
    assert_eq!(snapshot(&store).unwrap(), before);
    assert!(matches!(
        unmerge(&store, &plan.id, t(11), OnSurvivorChange::Refuse),
        Err(Error::MergeNotFound { .. })
    ));
}

#[test]
fn unmerge_after_unrelated_changes_restores_only_the_merged_records() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1).full_name("Ann").phone("13800135678").build(),
        person("B", 2).full_name("Ann").phone("13800135678").build(),
    );
    store.put(person("Z", 3).full_name("Zoe").build()).unwrap();
    let (plan, _) = Merger::new().merge(&store, &ids, t(9)).unwrap();
    store.put(person("Z", 3).full_name("Zoë").build()).unwrap();
    store.put(person("Y", 4).full_name("Yan").build()).unwrap();
    store
        .apply(vec![Change::AddTransaction(tx(&id("Z"), 5))])
        .unwrap();
    let expected_other = (
        store.get(&id("Z")).unwrap(),
        store.activity(&id("Z")).unwrap(),
    );
    unmerge(&store, &plan.id, t(10), OnSurvivorChange::Refuse).unwrap();
    assert_eq!(
        store.get(&ids[0]).unwrap(),
        Some(plan.inputs[0].customer.clone())
    );
    assert_eq!(
        store.get(&ids[1]).unwrap(),
        Some(plan.inputs[1].customer.clone())
    );
    assert_eq!(
        (
            store.get(&id("Z")).unwrap(),
            store.activity(&id("Z")).unwrap()
        ),
        expected_other
    );
    assert_eq!(store.len().unwrap(), 4);
}

#[test]
fn plans_and_records_mask_personal_values_in_debug() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1)
            .full_name("Wang Fang")
            .phone("13800135678")
            .email("wang.fang@example.com")
            .build(),
        person("B", 2)
            .full_name("Wang Fang Li")
            .phone("13911112222")
            .email("fang.wang@example.com")
            .national_id(
                clientele::model::NationalIdKind::CnResidentId,
                "11010519491231002X",
            )
            .build(),
    );
    let plan = Merger::new().plan(&store, &ids, t(9)).unwrap();
    let debug = format!("{plan:?}{:?}", plan.record());
    for secret in [
        "0013",
        "1111",
        "wang.fang@",
        "fang.wang@",
        "19491231",
        "Wang Fang",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked");
    }
}

#[test]
fn invalid_clusters_are_refused() {
    let store = MemoryStore::new();
    store.put(person("A", 1).build()).unwrap();
    let m = Merger::new();
    assert!(matches!(
        m.plan(&store, &[id("A")], t(9)),
        Err(Error::InvalidCluster { .. })
    ));
    assert!(matches!(
        m.plan(&store, &[id("A"), id("A")], t(9)),
        Err(Error::InvalidCluster { .. })
    ));
    assert!(matches!(
        m.plan(&store, &[id("A"), id("Q")], t(9)),
        Err(Error::NotFound { .. })
    ));
}

// ---- Properties -------------------------------------------------------------------------------

/// A store's worth of customers (ids K0..Kn) with some transactions, and a cluster of 2+ of them.
fn scenario() -> impl Strategy<Value = (Vec<Customer>, Vec<(usize, i64)>, Vec<usize>)> {
    (2usize..6).prop_flat_map(|n| {
        let customers: Vec<_> = (0..n)
            .map(|i| common::customer_with_id(format!("K{i}")))
            .collect();
        (
            customers,
            proptest::collection::vec((0..n, 1i64..10_000), 0..6),
            proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 2..=n),
        )
    })
}

fn fill<S: CustomerStore<Error = Error>>(store: &S, customers: &[Customer], txs: &[(usize, i64)]) {
    for c in customers {
        store.put(c.clone()).unwrap();
    }
    for (i, cents) in txs {
        if let Some(c) = customers.get(*i) {
            store
                .apply(vec![Change::AddTransaction(tx(&c.id, *cents))])
                .unwrap();
        }
    }
}

fn merge_unmerge_restores<S: CustomerStore<Error = Error>>(
    store: &S,
    cluster: &[CustomerId],
) -> Result<(), TestCaseError> {
    let before = snapshot(store).unwrap();
    let (plan, _) = Merger::new().merge(store, cluster, t(20)).unwrap();
    prop_assert_eq!(
        store.len().unwrap(),
        before.customers.len() + 1 - cluster.len()
    );
    unmerge(store, &plan.id, t(21), OnSurvivorChange::Refuse).unwrap();
    prop_assert_eq!(snapshot(store).unwrap(), before);
    Ok(())
}

fn faults_leave_store_unchanged<S: CustomerStore<Error = Error>>(
    store: &S,
    cluster: &[CustomerId],
) -> Result<(), TestCaseError> {
    let before = snapshot(store).unwrap();
    let feed = store.changes_since(0, usize::MAX).unwrap();
    let plan = Merger::new().plan(store, cluster, t(20)).unwrap();
    let n = plan.changes().len();
    for k in 1..=n {
        let faulty = FaultyStore::new(store).fail_at_write(k);
        prop_assert!(apply_plan(&faulty, &plan).is_err());
        prop_assert_eq!(faulty.writes(), n);
        prop_assert_eq!(&snapshot(store).unwrap(), &before);
        prop_assert_eq!(&store.changes_since(0, usize::MAX).unwrap(), &feed);
    }
    // And without a fault the plan applies.
    apply_plan(store, &plan).unwrap();
    Ok(())
}

fn value_text(v: &FieldValue) -> String {
    serde_json::to_string(v).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn merge_then_unmerge_restores_the_memory_store((customers, txs, picks) in scenario()) {
        let store = MemoryStore::new();
        fill(&store, &customers, &txs);
        let cluster: Vec<CustomerId> = picks.iter().map(|&i| customers[i].id.clone()).collect();
        merge_unmerge_restores(&store, &cluster)?;
    }


    #[test]
    fn every_absorbed_value_is_in_the_survivor_or_its_provenance((customers, txs, picks) in scenario()) {
        let store = MemoryStore::new();
        fill(&store, &customers, &txs);
        let cluster: Vec<CustomerId> = picks.iter().map(|&i| customers[i].id.clone()).collect();
        let (plan, _) = Merger::new().default_region("CN").merge(&store, &cluster, t(20)).unwrap();
        let survivor = store.get(&plan.survivor).unwrap().unwrap();
        let record = store.merge_record(&plan.id).unwrap().unwrap();
        let survivor_json = serde_json::to_string(&survivor).unwrap();
        for input in &plan.inputs {
            let c = &input.customer;
            let mut values: Vec<FieldValue> = Vec::new();
            values.extend(c.phones.iter().cloned().map(FieldValue::Phone));
            values.extend(c.emails.iter().cloned().map(FieldValue::Email));
            values.extend(c.addresses.iter().cloned().map(FieldValue::Address));
            values.extend(c.national_ids.iter().cloned().map(FieldValue::NationalId));
            values.extend(c.tags.iter().cloned().map(FieldValue::Tag));
            values.extend(c.person_name.iter().cloned().map(FieldValue::PersonName));
            values.extend(c.company_name.iter().cloned().map(FieldValue::CompanyName));
            values.extend(c.birth_date.iter().copied().map(FieldValue::BirthDate));
            values.extend(c.source.iter().cloned().map(FieldValue::Source));
            values.extend(c.industry.iter().cloned().map(FieldValue::Industry));
            if c.owner.is_some() || c.team.is_some() {
                values.push(FieldValue::Ownership(c.owner.clone(), c.team.clone()));
            }
            values.extend(c.custom.iter().map(|(k, v)| FieldValue::Custom(k.clone(), v.clone())));
            for v in values {
                let in_survivor = match &v {
                    FieldValue::Phone(p) => survivor.phones.iter().any(|x| x.number == p.number && x.label == p.label),
                    FieldValue::Email(e) => survivor.emails.iter().any(|x| x.address == e.address && x.label == e.label),
                    FieldValue::Address(a) => survivor.addresses.contains(a),
                    FieldValue::NationalId(n) => survivor.national_ids.contains(n),
                    FieldValue::Tag(t) => survivor.tags.contains(t),
                    FieldValue::PersonName(n) => survivor.person_name.as_ref() == Some(n),
                    FieldValue::CompanyName(n) => survivor.company_name.as_ref() == Some(n),
                    FieldValue::BirthDate(d) => survivor.birth_date == Some(*d),
                    FieldValue::Source(s) => survivor.source.as_ref() == Some(s),
                    FieldValue::Industry(s) => survivor.industry.as_ref() == Some(s),
                    FieldValue::Ownership(o, t) => (&survivor.owner, &survivor.team) == (o, t),
                    FieldValue::Custom(k, x) => survivor.custom.get(k) == Some(x),
                    _ => false,
                };
                let in_provenance = record.discarded.iter().any(|d| d.from == c.id && d.value == v);
                prop_assert!(
                    in_survivor || in_provenance,
                    "value {} of {} lost (survivor {})", value_text(&v), c.id, survivor_json
                );
            }
            // Activity moved, none lost.
            let act = store.activity(&plan.survivor).unwrap();
            for x in &input.activity.transactions {
                prop_assert!(act.transactions.iter().any(|y| y.amount == x.amount && y.reference == x.reference));
            }
        }
        prop_assert_eq!(
            store.activity(&plan.survivor).unwrap().transactions.len(),
            plan.inputs.iter().map(|i| i.activity.transactions.len()).sum::<usize>()
        );
    }

    #[test]
    fn a_fault_at_any_write_of_a_merge_leaves_the_memory_store_unchanged((customers, txs, picks) in scenario()) {
        let store = MemoryStore::new();
        fill(&store, &customers, &txs);
        let cluster: Vec<CustomerId> = picks.iter().map(|&i| customers[i].id.clone()).collect();
        faults_leave_store_unchanged(&store, &cluster)?;
    }
}

#[cfg(feature = "sqlite")]
proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn merge_then_unmerge_restores_the_sqlite_store((customers, txs, picks) in scenario()) {
        let (store, scratch) = sqlite_raw::file_store("merge-unmerge");
        fill(&store, &customers, &txs);
        let rows = sqlite_raw::dump(&scratch.path("store.db"));
        let cluster: Vec<CustomerId> = picks.iter().map(|&i| customers[i].id.clone()).collect();
        merge_unmerge_restores(&store, &cluster)?;
        // Every table holds what it held, the change feed aside (it records the undo) and the
        // numbering of customer rows (the order they were written in).
        let now = sqlite_raw::dump(&scratch.path("store.db"));
        let data = |rows: &[String]| -> Vec<String> {
            let mut out: Vec<String> = rows
                .iter()
                .filter(|r| !r.starts_with("feed\t"))
                .map(|r| match r.strip_prefix("customers\t").and_then(|r| r.split_once('\t')) {
                    Some((_, rest)) => format!("customers\t{rest}"),
                    None => r.clone(),
                })
                .collect();
            out.sort();
            out
        };
        prop_assert_eq!(data(&now), data(&rows));
    }

    #[test]
    fn a_fault_at_any_write_of_a_merge_leaves_the_sqlite_store_unchanged((customers, txs, picks) in scenario()) {
        let (store, scratch) = sqlite_raw::file_store("merge-faults");
        fill(&store, &customers, &txs);
        let rows = sqlite_raw::dump(&scratch.path("store.db"));
        let cluster: Vec<CustomerId> = picks.iter().map(|&i| customers[i].id.clone()).collect();
        faults_leave_store_unchanged(&store, &cluster)?;
        prop_assert_ne!(sqlite_raw::dump(&scratch.path("store.db")), rows);
    }
}

/// One thread keeps adding transactions to B while another merges A and B, planning again
/// whenever its plan went stale: whatever the interleaving, no transaction is lost (each one
/// accepted is on the survivor afterwards, or on B if the merge had not happened yet).
fn merge_racing_appends<S: CustomerStore<Error = Error>>(store: &S) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let (a, b) = (id("A"), id("B"));
    store
        .put(person("A", 1).full_name("Li Na").build())
        .unwrap();
    store
        .put(person("B", 2).full_name("Li Na").build())
        .unwrap();
    let added = AtomicUsize::new(0);
    let stale = AtomicUsize::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            for cents in 1..=150 {
                if store
                    .apply(vec![Change::AddTransaction(tx(&b, cents))])
                    .is_ok()
                {
                    added.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        s.spawn(|| {
            loop {
                let plan = Merger::new()
                    .plan(store, &[a.clone(), b.clone()], t(9))
                    .unwrap();
                match apply_plan(store, &plan) {
                    Ok(_) => break,
                    Err(Error::StalePlan { .. }) => {
                        stale.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => panic!("{e}"),
                }
            }
        });
    });
    assert_eq!(store.len().unwrap(), 1);
    let kept = store.activity(&a).unwrap().transactions.len();
    assert_eq!(kept, added.load(Ordering::SeqCst));
}

#[test]
fn a_merge_racing_new_transactions_never_loses_one_in_memory() {
    for _ in 0..20 {
        merge_racing_appends(&MemoryStore::new());
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn a_merge_racing_new_transactions_never_loses_one_in_sqlite() {
    for _ in 0..5 {
        let (store, _scratch) = sqlite_raw::file_store("merge-race");
        merge_racing_appends(&store);
    }
}

#[test]
fn a_plan_whose_inputs_activity_changed_is_refused() {
    let store = MemoryStore::new();
    let ids = two(&store, person("A", 1).build(), person("B", 2).build());
    let plan = Merger::new().plan(&store, &ids, t(9)).unwrap();
    store
        .apply(vec![Change::AddTransaction(tx(&ids[1], 77))])
        .unwrap();
    let before = snapshot(&store).unwrap();
    assert!(matches!(
        apply_plan(&store, &plan),
        Err(Error::StalePlan { id }) if id == ids[1]
    ));
    assert_eq!(snapshot(&store).unwrap(), before);
}

#[test]
fn industry_ownership_consents_and_timestamps_are_decided_and_nothing_is_lost() {
    let store = MemoryStore::new();
    let ids = two(
        &store,
        person("A", 1)
            .full_name("Ann Lee")
            .owner("sales-07")
            .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
            .build(),
        person("B", 4)
            .full_name("Ann Lee")
            .industry("retail")
            .owner("sales-12")
            .team("east")
            .consent(
                ConsentPurpose::Marketing,
                ConsentStatus::Withdrawn,
                t(4),
                "call",
            )
            .build(),
    );
    let before = snapshot(&store).unwrap();
    let (plan, _) = Merger::new().merge(&store, &ids, t(9)).unwrap();
    let merged = store.get(&plan.survivor).unwrap().unwrap();
    assert_eq!(plan.survivor, ids[0]);
    // The survivor has no industry: the most recent one is kept; the survivor's ownership
    // stays, B's goes to provenance whole (owner and team together).
    assert_eq!(merged.industry.as_deref(), Some("retail"));
    assert_eq!(
        (merged.owner.as_deref(), merged.team.as_deref()),
        (Some("sales-07"), None)
    );
    let record = store.merge_record(&plan.id).unwrap().unwrap();
    assert!(
        record
            .discarded
            .iter()
            .any(|d| d.field == FieldGroup::Ownership
                && d.from == ids[1]
                && d.value == FieldValue::Ownership(Some("sales-12".into()), Some("east".into())))
    );
    // Consents: every record's history; timestamps: the earliest creation, the merge time.
    assert_eq!(merged.consents.len(), 2);
    assert_eq!(merged.created_at, t(1));
    assert_eq!(merged.updated_at, t(9));
    // Provenance names every group with its rule.
    let groups: Vec<FieldGroup> = record.field_rules.iter().map(|(g, _)| *g).collect();
    for g in FieldGroup::ALL {
        assert!(groups.contains(g), "{g:?} missing from the field rules");
    }
    assert!(
        record
            .field_rules
            .contains(&(FieldGroup::Consents, "union".to_owned()))
    );
    unmerge(&store, &plan.id, t(10), OnSurvivorChange::Refuse).unwrap();
    assert_eq!(snapshot(&store).unwrap(), before);
}

#[test]
fn a_custom_field_is_decided_by_its_own_rule() {
    let store = MemoryStore::new();
    let points = |n| CustomValue::Integer(n);
    let records = [
        person("A", 1)
            .custom("loyalty_points", points(10))
            .custom("wechat", CustomValue::Text("ann_old".into()))
            .build(),
        person("B", 2).custom("loyalty_points", points(10)).build(),
        person("C", 3)
            .custom("loyalty_points", points(99))
            .custom("wechat", CustomValue::Text("ann_new".into()))
            .build(),
    ];
    let ids: Vec<CustomerId> = records.iter().map(|c| c.id.clone()).collect();
    for c in records {
        store.put(c).unwrap();
    }
    let merger = Merger::new().field_rule(
        &Field::Custom("loyalty_points".into()),
        FieldRule::MostFrequent,
    );
    let plan = merger.plan(&store, &ids, t(9)).unwrap();
    let custom = &plan.merged.customer.custom;
    // loyalty_points by its own rule (most frequent), wechat by the custom group's (most recent).
    assert_eq!(custom.get("loyalty_points"), Some(&points(10)));
    assert_eq!(
        custom.get("wechat"),
        Some(&CustomValue::Text("ann_new".into()))
    );
    let dropped = plan
        .discarded
        .iter()
        .find(|d| d.value == FieldValue::Custom("loyalty_points".into(), points(99)))
        .expect("99 points in provenance");
    assert_eq!(dropped.rule, "most_frequent");
    assert_eq!(dropped.field, FieldGroup::Custom);
    // Without the rule, the most recent value wins.
    let plan = Merger::new().plan(&store, &ids, t(9)).unwrap();
    assert_eq!(
        plan.merged.customer.custom.get("loyalty_points"),
        Some(&points(99))
    );
}

#[test]
fn provenance_names_field_groups_as_it_always_did() {
    for g in FieldGroup::ALL {
        assert_eq!(
            serde_json::to_string(&g).unwrap(),
            format!("\"{}\"", g.as_str())
        );
    }
    // The names merge records were written with before the field model.
    for (name, group) in [
        ("kind", FieldGroup::Kind),
        ("person_name", FieldGroup::PersonName),
        ("company_name", FieldGroup::CompanyName),
        ("phones", FieldGroup::Phones),
        ("emails", FieldGroup::Emails),
        ("addresses", FieldGroup::Addresses),
        ("birth_date", FieldGroup::BirthDate),
        ("national_ids", FieldGroup::NationalIds),
        ("tags", FieldGroup::Tags),
        ("custom", FieldGroup::Custom),
        ("source", FieldGroup::Source),
    ] {
        let parsed: FieldGroup = serde_json::from_str(&format!("\"{name}\"")).unwrap();
        assert_eq!(parsed, group);
    }
    let old = r#"{"field":"phones","value":{"type":"phone","value":{"number":"13800135678"}},"from":"B","updated_at":"2024-01-02T00:00:00Z","rule":"union"}"#;
    let d: clientele::merge::Discarded = serde_json::from_str(old).unwrap();
    assert_eq!(d.field, FieldGroup::Phones);
}
