//! Record model: serde round-trips and masking of personal data.

mod common;

use clientele::model::{NationalIdKind, mask_email, mask_id, mask_phone};
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;

proptest! {
    #[test]
    fn customer_survives_a_json_round_trip(c in common::customer()) {
        let json = serde_json::to_string(&c).unwrap();
        let back: Customer = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, c);
    }

    #[test]
    fn debug_never_shows_a_whole_phone_email_or_id(c in common::customer()) {
        let debug = format!("{c:?}");
        for p in &c.phones {
            let digits: String = p.number.chars().filter(|ch| ch.is_ascii_digit()).collect();
            if digits.len() >= 9 {
                prop_assert!(!debug.contains(&digits));
                prop_assert!(debug.contains(&mask_phone(&p.number)));
            }
        }
        for e in &c.emails {
            prop_assert!(!debug.contains(&e.address));
            prop_assert!(debug.contains(&mask_email(&e.address)));
        }
        for n in &c.national_ids {
            if n.value.len() >= 4 {
                prop_assert!(!debug.contains(&n.value));
                prop_assert!(debug.contains(&mask_id(&n.value)));
            }
        }
    }
}

#[test]
fn debug_of_a_realistic_customer_hides_contacts_and_ids() {
    let c = Customer::builder(CustomerId::new("C0001").unwrap(), CustomerKind::Person)
        .full_name("王芳")
        .phone("+86 138 0013 5678")
        .phone("010-6552-9988")
        .email("wang.fang@example.com")
        .national_id(NationalIdKind::CnResidentId, "11010519491231002X")
        .build();
    let debug = format!("{c:?}");
    for secret in [
        "13800135678",
        "0013 5678",
        "65529988",
        "6552-9988",
        "wang.fang@",
        "11010519491231002X",
        "19491231",
        "王芳",
    ] {
        assert!(!debug.contains(secret), "{secret} leaked: {debug}");
    }
    assert!(debug.contains("861****5678"));
    assert!(debug.contains("w***@example.com"));
    assert!(!debug.contains("王芳"), "names are masked too: {debug}");
}

#[test]
fn serialized_form_is_stable_json() {
    let c = Customer::builder(CustomerId::new("C1").unwrap(), CustomerKind::Company)
        .company_name("北京星辰科技有限公司")
        .tag("b2b")
        .build();
    let json = serde_json::to_value(&c).unwrap();
    assert_eq!(json["id"], "C1");
    assert_eq!(json["kind"], "company");
    assert_eq!(json["company_name"]["legal"], "北京星辰科技有限公司");
    assert_eq!(json["tags"][0], "b2b");
    assert!(json.get("phones").is_none(), "empty lists are omitted");
}

#[test]
fn invalid_ids_are_refused_when_deserializing() {
    let bad = r#"{"id":"  ","kind":"person","created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z"}"#;
    assert!(serde_json::from_str::<Customer>(bad).is_err());
}

#[test]
fn non_finite_custom_floats_compare_equal_to_themselves_and_survive_json() {
    use clientele::model::CustomValue;
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1.5e300] {
        let c = Customer::builder(CustomerId::new("C1").unwrap(), CustomerKind::Person)
            .custom("score", CustomValue::Float(v))
            .build();
        assert_eq!(c, c.clone(), "{v}");
        let json = serde_json::to_string(&c).unwrap();
        let back: Customer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c, "{v} as {json}");
    }
    let nan = serde_json::json!({"type": "float", "value": "NaN"});
    let v: CustomValue = serde_json::from_value(nan).unwrap();
    assert!(matches!(v, CustomValue::Float(f) if f.is_nan()));
    let bad = serde_json::json!({"type": "float", "value": "lots"});
    assert!(serde_json::from_value::<CustomValue>(bad).is_err());
}

#[test]
fn a_record_holding_a_nan_custom_value_can_be_merged_and_unmerged() {
    use chrono::{TimeZone, Utc};
    use clientele::merge::{Merger, OnSurvivorChange, unmerge};
    use clientele::model::CustomValue;
    use clientele::store::conformance::snapshot;
    use clientele::store::{CustomerStore, MemoryStore};
    let at = Utc.with_ymd_and_hms(2024, 1, 9, 0, 0, 0).unwrap();
    #[allow(unused_mut)]
    let mut store = MemoryStore::new();
    let a = Customer::builder(CustomerId::new("A").unwrap(), CustomerKind::Person)
        .full_name("Ann Lee")
        .custom("score", CustomValue::Float(f64::NAN))
        .build();
    let b = Customer::builder(CustomerId::new("B").unwrap(), CustomerKind::Person)
        .full_name("Ann Lee")
        .custom("score", CustomValue::Float(2.0))
        .build();
    store.put(a.clone()).unwrap();
    store.put(b.clone()).unwrap();
    let before = snapshot(&store).unwrap();
    let (plan, _) = Merger::new()
        .merge(&store, &[a.id.clone(), b.id.clone()], at)
        .unwrap();
    assert_eq!(store.len().unwrap(), 1);
    unmerge(&store, &plan.id, at, OnSurvivorChange::Refuse).unwrap();
    assert_eq!(snapshot(&store).unwrap(), before);
}
