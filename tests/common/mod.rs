//! Shared proptest strategies for records.
#![allow(dead_code)]

pub mod clusters;
pub mod planted;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clientele::model::{
    Address, CompanyName, Consent, ConsentPurpose, ConsentStatus, ContactLabel, CountryCode,
    CustomValue, Email, NationalId, NationalIdKind, PersonName, Phone,
};
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z .'-]{0,12}",
        "[张王李赵欧阳娜伟華為有限公司]{1,6}",
        any::<String>().prop_map(|s| s.chars().take(10).collect()),
    ]
}

pub fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

pub fn timestamp() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_000_000_000).prop_map(|s| Utc.timestamp_opt(s, 0).single().unwrap_or_default())
}

pub fn date() -> impl Strategy<Value = NaiveDate> {
    (1900i32..2030, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn label() -> impl Strategy<Value = ContactLabel> {
    prop_oneof![
        Just(ContactLabel::Unspecified),
        Just(ContactLabel::Mobile),
        Just(ContactLabel::Work),
        text().prop_map(ContactLabel::Other),
    ]
}

fn custom_value() -> impl Strategy<Value = CustomValue> {
    prop_oneof![
        text().prop_map(CustomValue::Text),
        any::<i64>().prop_map(CustomValue::Integer),
        (-1e12f64..1e12).prop_map(CustomValue::Float),
        // NaN, infinities, signed zeros and subnormals too: no record may become unmergeable.
        any::<f64>().prop_map(CustomValue::Float),
        any::<bool>().prop_map(CustomValue::Bool),
        date().prop_map(CustomValue::Date),
        timestamp().prop_map(CustomValue::Timestamp),
    ]
}

pub fn customer_with_id(id: String) -> impl Strategy<Value = Customer> {
    let names = (
        prop_oneof![Just(CustomerKind::Person), Just(CustomerKind::Company)],
        proptest::option::of((opt_text(), opt_text(), opt_text(), opt_text())),
        proptest::option::of((text(), opt_text())),
    );
    let contacts = (
        proptest::collection::vec(("[+0-9 ()-]{5,16}", label(), any::<bool>()), 0..3),
        proptest::collection::vec(
            ("[a-z.]{1,8}@[a-z]{1,6}\\.(com|cn)", label(), any::<bool>()),
            0..3,
        ),
        proptest::collection::vec(
            (
                opt_text(),
                proptest::collection::vec(text(), 0..2),
                opt_text(),
                "[0-9]{4,6}",
                proptest::option::of("[A-Z]{2}"),
            ),
            0..2,
        ),
    );
    let rest = (
        proptest::option::of(date()),
        proptest::collection::vec(("[0-9X]{15,18}", 0u8..3), 0..2),
        proptest::collection::btree_set(text(), 0..3),
        proptest::collection::btree_map("[a-z_]{1,8}", custom_value(), 0..3),
        opt_text(),
        (timestamp(), timestamp()),
        proptest::collection::vec((any::<bool>(), timestamp(), text()), 0..2),
    );
    (names, contacts, rest).prop_map(move |(names, contacts, rest)| {
        let (kind, person, company) = names;
        let (phones, emails, addresses) = contacts;
        let (birth, ids, tags, custom, source, (created, updated), consents) = rest;
        let mut c = Customer::builder(CustomerId::new(&id).unwrap(), kind).build();
        c.person_name = person.map(|(full, given, middle, family)| PersonName {
            full,
            given,
            middle,
            family,
        });
        c.company_name = company.map(|(legal, trading)| CompanyName { legal, trading });
        c.phones = phones
            .into_iter()
            .map(|(number, label, primary)| {
                let mut phone = Phone::new(number);
                phone.primary = primary;
                phone.label = label;
                // Verified some time after creation, on every other phone.
                phone.verified_at = primary.then_some(created);
                phone
            })
            .collect();
        c.emails = emails
            .into_iter()
            .map(|(address, label, primary)| {
                let mut email = Email::new(address);
                email.primary = primary;
                email.label = label;
                email.verified_at = (!primary).then_some(updated);
                email
            })
            .collect();
        c.addresses = addresses
            .into_iter()
            .map(
                |(house_number, lines, locality, postcode, country)| Address {
                    house_number,
                    lines,
                    locality,
                    postcode: Some(postcode),
                    country: country.and_then(|c| CountryCode::new(&c).ok()),
                    ..Address::default()
                },
            )
            .collect();
        c.birth_date = birth;
        c.national_ids = ids
            .into_iter()
            .map(|(value, k)| {
                let kind = match k {
                    0 => NationalIdKind::CnResidentId,
                    1 => NationalIdKind::CnUscc,
                    _ => NationalIdKind::Other("passport".into()),
                };
                NationalId::new(kind, value)
            })
            .collect();
        c.tags = tags;
        c.custom = custom;
        c.source = source;
        c.industry = c.source.clone().map(|s| format!("industry of {s}"));
        c.owner = (c.tags.len() % 2 == 1).then(|| "u-1".to_owned());
        c.team = c.owner.as_ref().map(|_| "east".to_owned());
        c.created_at = created.min(updated);
        c.updated_at = created.max(updated);
        c.consents = consents
            .into_iter()
            .map(|(given, at, channel)| {
                Consent::new(
                    ConsentPurpose::Marketing,
                    if given {
                        ConsentStatus::Given
                    } else {
                        ConsentStatus::Withdrawn
                    },
                    at,
                    channel,
                )
            })
            .collect();
        c
    })
}

pub fn customer() -> impl Strategy<Value = Customer> {
    "[A-Z][0-9]{1,4}".prop_flat_map(customer_with_id)
}

/// `n` customers from the seeded generator's default population.
pub fn generated(n: usize) -> Vec<Customer> {
    clientele::synth::generate(&clientele::synth::SynthConfig {
        customers: n,
        ..Default::default()
    })
    .map(|d| d.customers)
    .unwrap_or_default()
}
