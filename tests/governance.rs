//! The governance layer: an actor's handle on a store (views, refused writes, audit history,
//! archive, erasure, retention) and the data-management policy document.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use clientele::access::{Access, AccessPolicy, Actor, Role, Scope};
use clientele::dedupe::Deduplicator;
use clientele::governance::{
    AUDIT_NAMESPACE, ActorStore, AuditOp, DataPolicy, RecordClass, RetentionRule, archived,
    audit_by, audit_of,
};
use clientele::merge::Merger;
use clientele::model::{
    CurrencyCode, Email, Money, NationalId, NationalIdKind, Phone, Transaction,
};
use clientele::store::conformance::snapshot;
use clientele::store::{Change, CustomerStore, MemoryStore, SecondaryKey, SqliteStore};
use clientele::validate::Validator;
use clientele::{Customer, CustomerId, CustomerKind, Error};
use proptest::prelude::*;

fn t(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::days(day)
}

fn id(s: &str) -> CustomerId {
    CustomerId::new(s).unwrap()
}

/// A person with a Chinese mobile, an email and a resident ID built from `n`.
fn person(n: u32) -> Customer {
    let mut c = Customer::builder(id(&format!("C{n}")), CustomerKind::Person)
        .full_name(format!("王{}", ["芳", "伟", "娜", "磊"][(n % 4) as usize]))
        .build();
    c.phones
        .push(Phone::new(format!("139{:08}", 10_000_000 + n * 7919)));
    c.emails.push(Email::new(format!("user{n}.li@example.cn")));
    c.national_ids.push(NationalId::new(
        NationalIdKind::CnResidentId,
        format!("1101051990{:08}", 10_000_000 + n * 31),
    ));
    c.created_at = t(0);
    c.updated_at = t(0);
    c
}

fn cny(minor_units: i64) -> Money {
    Money {
        minor_units,
        currency: CurrencyCode::new("CNY").unwrap(),
    }
}

/// The full personal values of a record, as a leak test searches them.
fn secrets(c: &Customer) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(c.phones.iter().map(|p| p.number.clone()));
    out.extend(c.emails.iter().map(|e| e.address.clone()));
    out.extend(c.national_ids.iter().map(|n| n.value.clone()));
    out
}

fn admin(store: Arc<MemoryStore>) -> ActorStore<Arc<MemoryStore>> {
    ActorStore::new(store, AccessPolicy::default(), Actor::new("wang", "admin"))
        .unwrap()
        .clock(|| t(1))
}

fn as_role(store: Arc<MemoryStore>, name: &str, role: &str) -> ActorStore<Arc<MemoryStore>> {
    ActorStore::new(store, policy(), Actor::new(name, role))
        .unwrap()
        .clock(|| t(2))
}

/// The default roles and a clerk who writes tags only and sees personal fields masked.
fn policy() -> AccessPolicy {
    let mut p = AccessPolicy::default();
    p.roles.push(Role {
        name: "clerk".into(),
        default: Access::Read,
        personal: Access::Masked,
        fields: [("tags".to_owned(), Access::Write)].into(),
        scope: Scope::All,
    });
    p
}

fn filled(n: u32) -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    let a = admin(store.clone());
    for i in 0..n {
        a.insert(person(i)).unwrap();
        a.apply(vec![Change::AddTransaction(
            Transaction::new(id(&format!("C{i}")), t(1), cny(1000))
                .with_reference(format!("order for {}", person(i).phones[0].number)),
        )])
        .unwrap();
    }
    store
}

fn leaked(outputs: &str, records: &[Customer]) -> Option<String> {
    records
        .iter()
        .flat_map(secrets)
        .find(|s| outputs.contains(s.as_str()))
}

#[test]
fn a_viewer_never_sees_a_full_phone_email_or_id_through_any_read_path() {
    let store = filled(6);
    // Two of them are one person, merged by the admin: provenance holds both records.
    let originals: Vec<Customer> = (0..6).map(person).collect();
    let mut dup = person(1);
    dup.id = id("D1");
    admin(store.clone()).insert(dup.clone()).unwrap();
    Merger::new()
        .merge(&admin(store.clone()), &[id("C1"), id("D1")], t(3))
        .unwrap();
    for role in ["viewer", "clerk"] {
        let v = as_role(store.clone(), "ann", role);
        let mut out = String::new();
        let all = v.scan(None, 100).unwrap();
        assert_eq!(all.len(), 6, "{role} sees every record, masked");
        out += &format!("{all:?}{}", serde_json::to_string(&all).unwrap());
        let ids: Vec<CustomerId> = all.iter().map(|c| c.id.clone()).collect();
        out += &serde_json::to_string(&v.get_many(&ids).unwrap()).unwrap();
        out += &serde_json::to_string(&v.get(&id("C2")).unwrap()).unwrap();
        for c in &originals {
            let key = SecondaryKey::phone(&c.phones[0].number).unwrap();
            assert!(!v.lookup(&key).unwrap().is_empty(), "lookups still find");
        }
        out += &serde_json::to_string(&v.activity_many(&ids).unwrap()).unwrap();
        out += &serde_json::to_string(&v.scan_merges(None, 10).unwrap()).unwrap();
        out += &serde_json::to_string(&v.merges_of(&id("C1")).unwrap()).unwrap();
        for ns in v.document_namespaces().unwrap() {
            out += &serde_json::to_string(&v.scan_documents(&ns, None, 1000).unwrap()).unwrap();
        }
        let export = clientele::privacy::export_customer(&v, &id("C3"), t(4)).unwrap();
        out += &serde_json::to_string(&export).unwrap();
        out += &format!("{:?}", Validator::default().validate_store(&v).unwrap());
        let segment = clientele::segment::Segment::new(
            "ids",
            clientele::segment::Rule::Field {
                field: clientele::model::Field::Phone,
                test: clientele::segment::ValueTest::Text(clientele::segment::TextTest::Eq(
                    originals[2].phones[0].number.clone(),
                )),
            },
        )
        .compile()
        .unwrap();
        assert!(
            segment.select_store(&v, t(4), 10).unwrap().is_empty(),
            "a segment on a masked field cannot probe full values"
        );
        let dedupe = Deduplicator::default();
        let model = dedupe.run(&originals).unwrap().model;
        for c in &originals {
            let matches = dedupe.match_one(c, &v, &model).unwrap();
            out += &format!("{matches:?}");
        }
        let columns = clientele::files::Columns::for_records(&all);
        let mut w = clientele::files::RecordWriter::new(Vec::new(), "export", columns).unwrap();
        for c in &all {
            w.write(c).unwrap();
        }
        out += &String::from_utf8(w.finish().unwrap().0).unwrap();
        assert_eq!(leaked(&out, &originals), None, "{role} saw a full value");
        assert!(out.contains("139****"), "the masked values are there");
    }
    // The same reads as an admin show the full values: the search above would catch a leak.
    let a = admin(store.clone());
    let all = serde_json::to_string(&a.scan(None, 100).unwrap()).unwrap();
    assert!(leaked(&all, &originals).is_some());
}

#[test]
fn a_clerk_writes_back_a_view_without_clobbering_what_it_could_not_see() {
    let store = filled(2);
    let clerk = as_role(store.clone(), "zhou", "clerk");
    let mut seen = clerk.get(&id("C0")).unwrap().unwrap();
    assert!(seen.phones[0].number.contains('*'));
    seen.tags.insert("回访".into());
    clerk.put(seen.clone()).unwrap();
    let stored = store.get(&id("C0")).unwrap().unwrap();
    assert_eq!(stored.phones, person(0).phones);
    assert_eq!(stored.national_ids, person(0).national_ids);
    assert!(stored.tags.contains("回访"));
    // Changing a masked value is refused, naming the field, and nothing changes.
    seen.phones[0].number = "13900000000".into();
    let before = snapshot(&*store).unwrap();
    let e = clerk.put(seen).unwrap_err();
    assert!(
        matches!(e.refusal(), Error::AccessDenied { field: Some(f), .. } if f == "phone"),
        "{e}"
    );
    assert_eq!(snapshot(&*store).unwrap(), before);
}

#[test]
fn an_erasure_through_the_handle_scrubs_the_audit_history_and_keeps_the_fact() {
    let store = filled(3);
    // Erasing removes national IDs: a role that writes every field (an editor only reads them).
    let editor = as_role(store.clone(), "li", "editor");
    assert!(clientele::privacy::erase_customer(&editor, &id("C1"), t(5)).is_err());
    let editor = as_role(store.clone(), "li", "admin");
    let mut c = editor.get(&id("C1")).unwrap().unwrap();
    c.phones.push(Phone::new("13700001111"));
    editor.put(c).unwrap();
    clientele::privacy::erase_customer(&editor, &id("C1"), t(5)).unwrap();
    let history = audit_of(&*store, &id("C1")).unwrap();
    assert!(history.len() >= 4, "{history:?}");
    assert!(
        history
            .iter()
            .any(|e| e.op == AuditOp::Erase && e.actor == "li")
    );
    for e in &history {
        assert!(
            e.changes
                .iter()
                .all(|c| c.old.is_empty() && c.new.is_empty()),
            "{e:?}"
        );
    }
    // Other customers' history keeps its values.
    let other = audit_of(&*store, &id("C2")).unwrap();
    assert!(other[0].changes.iter().any(|c| !c.new.is_empty()));
    // A viewer may not erase.
    let viewer = as_role(store.clone(), "ann", "viewer");
    assert!(clientele::privacy::erase_customer(&viewer, &id("C2"), t(5)).is_err());
}

#[test]
fn a_deleted_customer_is_archived_and_restored_with_its_activity() {
    let store = filled(2);
    // Deleting needs write access to every field the record holds (an editor only reads IDs).
    let editor = as_role(store.clone(), "li", "editor");
    assert!(editor.delete(&id("C0")).is_err());
    let editor = as_role(store.clone(), "li", "admin");
    let before = store.get(&id("C0")).unwrap().unwrap();
    let activity = store.activity(&id("C0")).unwrap();
    editor.delete(&id("C0")).unwrap();
    assert!(store.get(&id("C0")).unwrap().is_none());
    let a = archived(&*store, &id("C0")).unwrap().unwrap();
    assert_eq!((a.deleted_by.as_str(), a.deleted_at), ("li", t(2)));
    editor.restore_archived(&id("C0")).unwrap();
    assert_eq!(store.get(&id("C0")).unwrap(), Some(before));
    assert_eq!(store.activity(&id("C0")).unwrap(), activity);
    let ops: Vec<AuditOp> = audit_of(&*store, &id("C0"))
        .unwrap()
        .iter()
        .map(|e| e.op)
        .collect();
    assert_eq!(
        ops,
        [
            AuditOp::Insert,
            AuditOp::AddTransaction,
            AuditOp::Delete,
            AuditOp::Restore,
            AuditOp::SetActivity
        ]
    );
    // A merge's absorbed record is not archived: its provenance keeps it.
    let mut dup = person(1);
    dup.id = id("D1");
    editor.insert(dup).unwrap();
    Merger::new()
        .merge(&editor, &[id("C1"), id("D1")], t(3))
        .unwrap();
    assert!(archived(&*store, &id("D1")).unwrap().is_none());
    assert!(archived(&*store, &id("C1")).unwrap().is_none());
}

#[test]
fn a_scoped_role_sees_only_its_records() {
    let store = filled(4);
    let a = admin(store.clone());
    let mut c = a.get(&id("C2")).unwrap().unwrap();
    c.owner = Some("zhao".into());
    a.put(c).unwrap();
    let mut p = policy();
    p.roles.push(Role {
        name: "sales".into(),
        default: Access::Write,
        personal: Access::Write,
        fields: Default::default(),
        scope: Scope::Owned,
    });
    let sales = ActorStore::new(store.clone(), p, Actor::new("zhao", "sales")).unwrap();
    let mine: Vec<CustomerId> = sales
        .scan(None, 1)
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(mine, [id("C2")], "a scan page skips records out of scope");
    assert!(sales.get(&id("C1")).unwrap().is_none());
    let key = SecondaryKey::phone(&person(1).phones[0].number).unwrap();
    assert!(sales.lookup(&key).unwrap().is_empty());
    assert!(sales.delete(&id("C1")).is_err());
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u32),
    Tag(u32, String),
    Phone(u32),
    Delete(u32),
    Buy(u32),
}

fn op() -> impl Strategy<Value = (usize, Op)> {
    let n = 0u32..6;
    let o = prop_oneof![
        n.clone().prop_map(Op::Insert),
        (n.clone(), "[a-z]{1,3}").prop_map(|(i, t)| Op::Tag(i, t)),
        n.clone().prop_map(Op::Phone),
        n.clone().prop_map(Op::Delete),
        n.prop_map(Op::Buy),
    ];
    (0usize..3, o)
}

const ACTORS: [(&str, &str); 3] = [("wang", "admin"), ("zhou", "clerk"), ("ann", "viewer")];

fn run(h: &ActorStore<Arc<MemoryStore>>, op: &Op) -> Result<usize, Error> {
    let get = |i: u32| h.get(&id(&format!("C{i}")));
    match op {
        Op::Insert(i) => h.insert(person(*i)).map(|()| 1),
        Op::Tag(i, tag) => {
            let Some(mut c) = get(*i)? else { return Ok(0) };
            c.tags.insert(tag.clone());
            h.apply(vec![Change::expect_record(&c.clone()), Change::Put(c)])
                .map(|()| 1)
        }
        Op::Phone(i) => {
            let Some(mut c) = get(*i)? else { return Ok(0) };
            c.phones.push(Phone::new("13811112222"));
            h.put(c).map(|()| 1)
        }
        Op::Delete(i) => h.delete(&id(&format!("C{i}"))).map(|()| 1),
        Op::Buy(i) => h
            .apply(vec![Change::AddTransaction(Transaction::new(
                id(&format!("C{i}")),
                t(3),
                cny(500),
            ))])
            .map(|()| 1),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Every applied change has exactly one audit entry, with the actor who made it; a refused
    /// batch changes nothing at all (records, activity, documents, audit).
    #[test]
    fn the_audit_holds_one_entry_per_applied_change_and_a_refused_write_changes_nothing(
        ops in proptest::collection::vec(op(), 1..24)
    ) {
        let store = Arc::new(MemoryStore::new());
        let handles: Vec<_> = ACTORS.iter().map(|(n, r)| ActorStore::new(store.clone(), policy(), Actor::new(*n, *r)).unwrap()).collect();
        let mut applied = [0usize; 3];
        for (who, op) in &ops {
            let before = snapshot(&*store).unwrap();
            match run(&handles[*who], op) {
                Ok(n) => applied[*who] += n,
                Err(e) => {
                    prop_assert_eq!(snapshot(&*store).unwrap(), before, "refused {:?}: {}", op, e);
                }
            }
        }
        for (i, (name, _)) in ACTORS.iter().enumerate() {
            let entries = audit_by(&*store, name).unwrap();
            prop_assert_eq!(entries.len(), applied[i], "{}", name);
            prop_assert!(entries.iter().all(|e| e.actor == *name));
        }
        let total = store.scan_documents(AUDIT_NAMESPACE, None, 10_000).unwrap().len();
        prop_assert_eq!(total, applied.iter().sum::<usize>());
    }
}

#[test]
fn a_retention_purge_and_an_erasure_leave_no_value_in_the_database_file() {
    let dir = std::env::temp_dir().join(format!("clientele-gov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("retention.db");
    let _ = std::fs::remove_file(&path);
    let purged: Vec<Customer> = (0..40).map(person).collect();
    {
        let store = SqliteStore::open(&path).unwrap();
        let a = ActorStore::new(&store, AccessPolicy::default(), Actor::new("wang", "admin"))
            .unwrap()
            .clock(|| t(10));
        for c in &purged {
            a.insert(c.clone()).unwrap();
        }
        let kept = person(1000);
        a.insert(kept.clone()).unwrap();
        // Half are deleted (archived), then purged by a rule; the other half erased.
        for c in &purged[..20] {
            a.delete(&c.id).unwrap();
        }
        for c in &purged[20..] {
            clientele::privacy::erase_customer(&a, &c.id, t(11)).unwrap();
        }
        let rules = [RetentionRule::purge(
            "archive-1y",
            RecordClass::Archived,
            365,
        )];
        let report = a.run_retention(&rules, t(10 + 366)).unwrap();
        assert_eq!(report.rules[0].customers.len(), 20);
        assert!(report.rules[0].audit_entries_scrubbed >= 20);
        assert_eq!(store.get(&kept.id).unwrap(), Some(kept));
    }
    let mut bytes = std::fs::read(&path).unwrap();
    for ext in ["db-wal", "db-shm"] {
        if let Ok(more) = std::fs::read(path.with_extension(ext)) {
            bytes.extend(more);
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert_eq!(leaked(&text, &purged), None);
    assert!(
        text.contains(&person(1000).phones[0].number),
        "the kept customer is still there"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn drop_fields_clears_old_customers_sensitive_fields_and_their_history() {
    let store = filled(3);
    let a = admin(store.clone());
    let mut young = a.get(&id("C2")).unwrap().unwrap();
    young.updated_at = t(400);
    a.put(young).unwrap();
    let rules = [RetentionRule::drop_fields(
        "idle-1y",
        365,
        ["national_id", "phone"],
    )];
    let report = a.run_retention(&rules, t(500)).unwrap();
    assert_eq!(report.rules[0].customers, [id("C0"), id("C1")]);
    let c0 = store.get(&id("C0")).unwrap().unwrap();
    assert!(c0.national_ids.is_empty() && c0.phones.is_empty());
    assert_eq!(c0.emails, person(0).emails);
    let history = audit_of(&*store, &id("C0")).unwrap();
    assert!(history.iter().any(|e| e.op == AuditOp::Purge));
    for e in history {
        for ch in e
            .changes
            .iter()
            .filter(|c| c.field == "phone" || c.field == "national_id")
        {
            assert!(ch.old.is_empty() && ch.new.is_empty(), "{e:?}");
        }
    }
    assert!(!store.get(&id("C2")).unwrap().unwrap().phones.is_empty());
    // Only a role that writes every field runs retention.
    let editor = as_role(store, "li", "editor");
    assert!(matches!(
        editor.run_retention(&rules, t(500)),
        Err(Error::AccessDenied { .. })
    ));
}

#[test]
fn the_data_policy_is_checked_on_load_with_the_path_of_the_offending_entry() {
    let bad = [
        (r#"{"colour": 1}"#, "colour"),
        (r#"{"access": {"roles": []}}"#, "access.roles"),
        (
            r#"{"access": {"roles": [{"name": "a", "default": "read", "personal": "read", "fields": {"wechat": "read"}}]}}"#,
            "access.roles[0].fields.wechat",
        ),
        (r#"{"encrypted": ["full_name"]}"#, "encrypted[0]"),
        (r#"{"encrypted": ["phone", "phone"]}"#, "encrypted[1]"),
        (r#"{"reverify": {"phone": 0}}"#, "reverify.phone"),
        (
            r#"{"retention": [{"name": "a", "applies_to": "inactive", "after_days": 10, "action": "drop_fields"}]}"#,
            "retention[0].fields",
        ),
        (
            r#"{"retention": [{"name": "a", "applies_to": "inactive", "after_days": 10}, {"name": "b", "applies_to": "inactive", "after_days": 20, "action": "drop_fields", "fields": ["phone"]}]}"#,
            "retention[1].after_days",
        ),
        (
            r#"{"retention": [{"name": "a", "applies_to": "someday", "after_days": 10}]}"#,
            "retention[0].applies_to",
        ),
        (r#"{"audit": "loud"}"#, "audit"),
        (
            r#"{"actors": {"ann": {"role": "boss"}}}"#,
            "actors.ann.role",
        ),
    ];
    for (json, path) in bad {
        let e = DataPolicy::from_json(json).unwrap_err();
        assert!(e.to_string().contains(path), "{json}: {e}");
    }
    let good = DataPolicy::from_json(
        r#"{"encrypted": ["phone"], "reverify": {"email": 365},
        "retention": [{"name": "a", "applies_to": "archived", "after_days": 90}]}"#,
    )
    .unwrap();
    let store = MemoryStore::new();
    good.save(&store).unwrap();
    assert_eq!(DataPolicy::load(&store).unwrap(), Some(good.clone()));
    assert_eq!(
        DataPolicy::from_json(&good.to_json().unwrap()).unwrap(),
        good
    );
}

#[test]
fn the_audit_history_lasts_in_a_sqlite_file() {
    let dir = std::env::temp_dir().join(format!("clientele-gov-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.db");
    let _ = std::fs::remove_file(&path);
    {
        let store = SqliteStore::open(&path).unwrap();
        let a =
            ActorStore::new(&store, AccessPolicy::default(), Actor::new("wang", "admin")).unwrap();
        a.insert(person(7)).unwrap();
        let mut c = a.get(&id("C7")).unwrap().unwrap();
        c.tags.insert("vip".into());
        a.put(c).unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let history = audit_of(&store, &id("C7")).unwrap();
    let ops: Vec<AuditOp> = history.iter().map(|e| e.op).collect();
    assert_eq!(ops, [AuditOp::Insert, AuditOp::Update]);
    assert_eq!(history[1].changes[0].field, "tags");
    assert_eq!(audit_by(&store, "wang").unwrap(), history);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

mod common;

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Any records, any of their values: what a viewer or a clerk reads through get, scan,
    /// lookup, activity and merge provenance never holds a full phone, email or ID number.
    #[test]
    fn no_read_path_shows_a_restricted_role_a_full_value(
        records in proptest::collection::vec(common::customer(), 1..6)
    ) {
        let store = Arc::new(MemoryStore::new());
        let a = admin(store.clone());
        let mut kept = Vec::new();
        for c in records {
            if a.insert(c.clone()).is_ok() {
                kept.push(c);
            }
        }
        // Values long enough that finding them elsewhere is not chance.
        let secrets: Vec<String> = kept
            .iter()
            .flat_map(secrets)
            .filter(|s| s.chars().count() >= 8 && s.chars().any(|c| c.is_ascii_digit() || c == '@'))
            .collect();
        for role in ["viewer", "clerk"] {
            let v = as_role(store.clone(), "ann", role);
            let mut out = serde_json::to_string(&v.scan(None, 100).unwrap()).unwrap();
            for c in &kept {
                out += &format!("{:?}", v.get(&c.id).unwrap());
                for p in &c.phones {
                    if let Some(k) = SecondaryKey::phone(&p.number) {
                        out += &format!("{:?}", v.lookup(&k).unwrap());
                    }
                }
                out += &serde_json::to_string(&v.activity(&c.id).unwrap()).unwrap();
            }
            for s in &secrets {
                prop_assert!(!out.contains(s.as_str()), "{} saw a full value", role);
            }
        }
    }
}

#[test]
fn a_deletion_archives_the_activity_added_earlier_in_its_batch() {
    let store = filled(1);
    let a = admin(store.clone());
    a.apply(vec![
        Change::AddTransaction(Transaction::new(id("C0"), t(2), cny(700))),
        Change::Delete(id("C0")),
    ])
    .unwrap();
    let archived = archived(&*store, &id("C0")).unwrap().unwrap();
    assert_eq!(archived.activity.transactions.len(), 2);
}
