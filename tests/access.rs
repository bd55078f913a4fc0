//! Roles with field-level access: a viewer never sees a full phone, email or ID; a refused write
//! names its field; scopes keep records out; a loaded policy is checked with paths.

mod common;

use clientele::access::{Access, AccessPolicy, Actor, Role, Scope};
use clientele::model::Field;
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;

fn sample() -> Vec<Customer> {
    let path = std::path::Path::new("examples/data/customers.csv");
    clientele::files::read_path(path, &Default::default())
        .unwrap()
        .customers
}

/// Every phone, email and ID number of a record, as digits or lower-case text.
fn secrets(c: &Customer) -> Vec<String> {
    let mut out: Vec<String> = c
        .phones
        .iter()
        .map(|p| p.number.chars().filter(char::is_ascii_digit).collect())
        .collect();
    out.extend(c.emails.iter().map(|e| e.address.to_lowercase()));
    out.extend(c.national_ids.iter().map(|n| n.value.clone()));
    out.retain(|s| s.len() >= 6);
    out
}

#[test]
fn a_viewer_sees_no_full_phone_email_or_id_of_the_sample() {
    let policy = AccessPolicy::default();
    let viewer = Actor::new("ann", "viewer");
    for c in sample() {
        let seen = policy.view(&viewer, &c).unwrap();
        let text = format!(
            "{}{}",
            serde_json::to_string(&seen).unwrap(),
            serde_json::to_string(&seen)
                .unwrap()
                .replace(|ch: char| !ch.is_ascii_digit(), "")
        )
        .to_lowercase();
        for s in secrets(&c) {
            assert!(!text.contains(&s), "{} shows a full value", c.id);
        }
        // What is not personal is shown as stored.
        assert_eq!(seen.id, c.id);
        assert_eq!(seen.source, c.source);
        assert_eq!(seen.phones.len(), c.phones.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The generator's records, any of them: a viewer's view holds none of their phones,
    /// emails or ID numbers in full.
    #[test]
    fn no_view_of_a_viewer_holds_a_full_personal_value(c in common::customer()) {
        let seen = AccessPolicy::default().view(&Actor::new("v", "viewer"), &c).unwrap();
        let json = serde_json::to_string(&seen).unwrap().to_lowercase();
        for s in secrets(&c) {
            prop_assert!(!json.contains(&s));
        }
    }

    /// A refused write changes nothing and names the field: a viewer may change no field.
    #[test]
    fn a_viewer_may_change_no_field(c in common::customer(), tag in "[a-z]{1,8}") {
        let mut after = c.clone();
        after.tags.insert(format!("new-{tag}"));
        let policy = AccessPolicy::default();
        let e = policy.check_write(&Actor::new("v", "viewer"), &c, &after).unwrap_err();
        prop_assert!(e.to_string().contains("tags"));
        prop_assert!(policy.check_write(&Actor::new("a", "admin"), &c, &after).is_ok());
        prop_assert!(policy.check_write(&Actor::new("v", "viewer"), &c, &c).is_ok());
    }
}

#[test]
fn an_editor_may_not_change_a_national_id_and_scopes_keep_records_out() {
    let policy = AccessPolicy {
        roles: vec![Role {
            name: "sales".into(),
            default: Access::Write,
            personal: Access::Write,
            fields: [("national_id".to_owned(), Access::Read)].into(),
            scope: Scope::Owned,
        }],
        custom_fields: Default::default(),
    };
    policy.check().unwrap();
    let li = Actor::new("li.na", "sales");
    let mine = Customer::builder(CustomerId::new("C1").unwrap(), CustomerKind::Person)
        .owner("li.na")
        .build();
    let theirs = Customer::builder(CustomerId::new("C2").unwrap(), CustomerKind::Person)
        .owner("wang")
        .build();
    assert!(policy.view(&li, &mine).is_ok());
    assert!(policy.view(&li, &theirs).is_err());
    let mut with_id = mine.clone();
    with_id.national_ids.push(clientele::model::NationalId::new(
        clientele::model::NationalIdKind::CnResidentId,
        "11010519491231002X",
    ));
    let e = policy
        .check_write(&li, &mine, &with_id)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("national_id") && !e.contains("11010519491231002X"),
        "{e}"
    );
    // Giving the record away is refused too: the new owner is outside the scope.
    let mut given = mine.clone();
    given.owner = Some("wang".into());
    assert!(policy.check_write(&li, &mine, &given).is_err());
    assert_eq!(
        policy.access("sales", &Field::NationalId).unwrap(),
        Access::Read
    );
}

#[test]
fn a_loaded_policy_is_checked_with_the_path_of_the_bad_entry() {
    let text = r#"{"roles": [
        {"name": "viewer", "default": "read", "personal": "masked"},
        {"name": "ops", "default": "read", "personal": "none", "fields": {"wechat": "read"}}
    ]}"#;
    let policy: AccessPolicy = serde_json::from_str(text).unwrap();
    let e = policy.check().unwrap_err().to_string();
    assert!(e.contains("roles[1].fields.wechat"), "{e}");
    let mut declared = policy.clone();
    declared.custom_fields.insert("wechat".into());
    declared.check().unwrap();
    let mut twice = declared.clone();
    twice.roles.push(twice.roles[0].clone());
    assert!(
        twice
            .check()
            .unwrap_err()
            .to_string()
            .contains("roles[2].name")
    );
    // Unknown keys are refused when the document is read.
    let typo =
        r#"{"roles": [{"name": "v", "default": "read", "personal": "masked", "feilds": {}}]}"#;
    assert!(serde_json::from_str::<AccessPolicy>(typo).is_err());
    assert!(declared.role("nobody").is_err());
}
