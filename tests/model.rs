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
