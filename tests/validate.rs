//! Validation: the bundled sample's planted bad values, check characters, and no panics.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::NaiveDate;
use clientele::import::{ColumnMap, RowReader};
use clientele::validate::{
    Issue, IssueCode, Validator, ValueKind, check_cn_resident_id, check_email, check_field,
    check_postcode, check_uscc,
};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
}

#[test]
fn the_sample_reports_exactly_its_planted_bad_values() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data");
    let mut rdr = csv::Reader::from_path(root.join("customers.csv")).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_owned).collect();
    let mut reader = RowReader::new(&header, &ColumnMap::default());
    let mut customers = Vec::new();
    let mut import_issues = Vec::new();
    for record in rdr.records() {
        let record = record.unwrap();
        let cells: Vec<&str> = record.iter().collect();
        let row = reader
            .read(record.position().unwrap().line(), &cells)
            .unwrap();
        import_issues.extend(
            row.problems
                .iter()
                .map(|p| Issue::from_import(&row.customer.id, p)),
        );
        customers.push(row.customer);
    }
    let mut report = Validator::new().as_of(today()).validate_all(&customers);
    report.add(import_issues);
    let found: BTreeSet<(String, String)> = report
        .issues
        .iter()
        .map(|i| (i.id.to_string(), i.code.to_string()))
        .collect();
    let expected: BTreeSet<(String, String)> =
        csv::Reader::from_path(root.join("expected_issues.csv"))
            .unwrap()
            .records()
            .map(|r| {
                let r = r.unwrap();
                (r[0].to_owned(), r[2].to_owned())
            })
            .collect();
    assert_eq!(found, expected);
    assert_eq!(
        report.issues.len(),
        expected.len(),
        "one issue per planted value"
    );
    for issue in &report.issues {
        let raw = customers.iter().find(|c| c.id == issue.id).unwrap();
        for e in &raw.emails {
            assert!(
                e.address.len() < 6 || !issue.message.contains(&e.address),
                "{}",
                issue.message
            );
        }
        for n in &raw.national_ids {
            assert!(!issue.message.contains(&n.value), "{}", issue.message);
        }
    }
}

#[test]
fn every_code_has_a_description_and_round_trips_through_its_name() {
    for code in IssueCode::BUILT_IN {
        assert!(!code.description().is_empty());
        assert_eq!(&IssueCode::parse(code.as_str()), code);
        let json = serde_json::to_string(code).unwrap();
        assert_eq!(json, format!("\"{}\"", code.as_str()));
    }
    assert_eq!(
        IssueCode::parse("crm.mine"),
        IssueCode::Custom("crm.mine".into())
    );
}

#[test]
fn batch_reports_count_records_per_code() {
    let v = Validator::new().as_of(today()).default_region("CN");
    let people: Vec<_> = ["13800", "13900", "13800138000"]
        .iter()
        .enumerate()
        .map(|(i, p)| {
            clientele::Customer::builder(
                clientele::CustomerId::new(format!("P{i}")).unwrap(),
                clientele::CustomerKind::Person,
            )
            .full_name("王芳")
            .phone(*p)
            .build()
        })
        .collect();
    let report = v.validate_all(&people);
    assert_eq!(
        report.records_per_code.get(&IssueCode::PhoneInvalidLength),
        Some(&2)
    );
    assert_eq!(
        report.summary(),
        vec!["2 records: phone.invalid_length".to_owned()]
    );
}

const USCC_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

fn valid_uscc() -> impl Strategy<Value = String> {
    // Bodies whose check characters are computed by the field checker itself would be circular;
    // instead search a random body for its one valid final character.
    (
        prop::sample::select(vec!["91", "92", "93", "11", "12", "51", "52", "53", "Y1"]),
        prop::sample::select(vec!["110105", "310115", "440305", "100000", "650102"]),
        "[0-9A-HJ-NPQRTUWXY]{8}",
    )
        .prop_filter_map("org check must be a code character", |(p, d, org)| {
            let w = [3u32, 7, 9, 10, 5, 8, 4, 2];
            let val = |c: char| c.to_digit(10).unwrap_or_else(|| c as u32 - 'A' as u32 + 10);
            let sum: u32 = org.chars().zip(w).map(|(c, w)| val(c) * w).sum();
            let oc = match 11 - sum % 11 {
                10 => 'X',
                11 => '0',
                d => char::from_digit(d, 10)?,
            };
            let body = format!("{p}{d}{org}{oc}");
            USCC_ALPHABET
                .chars()
                .map(|c| format!("{body}{c}"))
                .find(|s| check_uscc(s).is_ok())
        })
}

fn valid_id() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["110105", "310115", "440305", "650102", "810000"]),
        1900i32..2020,
        1u32..=12,
        1u32..=28,
        0u32..1000,
    )
        .prop_map(|(div, y, m, d, seq)| {
            let body = format!("{div}{y:04}{m:02}{d:02}{seq:03}");
            let w = [7u32, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = body
                .chars()
                .zip(w)
                .map(|(c, w)| c.to_digit(10).unwrap() * w)
                .sum();
            let check = "10X98765432".chars().nth((sum % 11) as usize).unwrap();
            format!("{body}{check}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn no_input_panics_any_checker(s in any::<String>(), region in "[A-Z]{2}") {
        let _ = check_uscc(&s);
        let _ = check_cn_resident_id(&s, today());
        let _ = check_email(&s);
        let _ = check_postcode(&s, &region);
        for kind in [ValueKind::PersonName, ValueKind::CompanyName, ValueKind::Phone, ValueKind::Email, ValueKind::Address, ValueKind::Uscc, ValueKind::CnId, ValueKind::Postcode] {
            let _ = check_field(kind, &s, Some(&region), today());
        }
    }

    #[test]
    fn any_single_character_change_of_a_credit_code_is_rejected(code in valid_uscc(), pos in 0usize..18, with in prop::sample::select(USCC_ALPHABET.chars().collect::<Vec<_>>())) {
        prop_assert!(check_uscc(&code).is_ok());
        let mut chars: Vec<char> = code.chars().collect();
        prop_assume!(chars[pos] != with);
        chars[pos] = with;
        let changed: String = chars.into_iter().collect();
        prop_assert!(check_uscc(&changed).is_err(), "{code} -> {changed}");
    }

    #[test]
    fn any_single_character_change_of_a_resident_id_is_rejected(id in valid_id(), pos in 0usize..18, with in prop::sample::select("0123456789X".chars().collect::<Vec<_>>())) {
        prop_assert!(check_cn_resident_id(&id, today()).is_ok());
        let mut chars: Vec<char> = id.chars().collect();
        prop_assume!(chars[pos] != with);
        chars[pos] = with;
        let changed: String = chars.into_iter().collect();
        prop_assert!(check_cn_resident_id(&changed, today()).is_err(), "{id} -> {changed}");
    }
}

#[test]
fn the_validation_guide_lists_every_code() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/VALIDATION.md"))
            .unwrap();
    for code in IssueCode::BUILT_IN {
        assert!(
            doc.contains(&format!("| `{}` |", code.as_str())),
            "{code} is not in docs/VALIDATION.md"
        );
    }
}
