//! Normalization: idempotence, no panics, and equal keys for the variants of one name.

use clientele::model::{Address, PersonName};
use clientele::normalize::{FieldKind, Normalizer, PhoneFormat, PhoneKind};
use proptest::prelude::*;

mod common;

fn messy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ 　a-zA-Zａ-ｚＡ-Ｚ0-9０-９.,'&()（）【】—-]{0,30}",
        "[張伟華為技術有限责任公司集团北京（）() 　·・先生Mr.Dr]{0,20}",
        "[+0-9０-９ ()-]{0,20}( ?(ext\\.?|x|转) ?[0-9]{1,4})?",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalizing_twice_equals_normalizing_once(kind in prop::sample::select(FieldKind::ALL.to_vec()), s in messy()) {
        let n = Normalizer::default();
        let once = n.normalize(kind, &s);
        let twice = n.normalize(kind, &once.canonical);
        prop_assert_eq!(&twice.canonical, &once.canonical, "canonical of canonical");
        prop_assert_eq!(&twice.key, &once.key, "key of canonical");
    }

    #[test]
    fn structured_normalizers_never_panic_and_are_stable(s in messy(), t in messy()) {
        let n = Normalizer::default();
        if let Ok(p) = n.phone(&s, Some("CN")) {
            prop_assert!(p.e164.starts_with('+'));
            let again = n.phone(&p.e164, None).unwrap();
            prop_assert_eq!(again.e164, p.e164);
        }
        let _ = n.phone(&s, None);
        if let Ok(e) = n.email(&s) {
            prop_assert_eq!(n.email(&e.canonical).unwrap().key, e.key.clone());
            prop_assert_eq!(n.email(&e.key).unwrap().key, e.key);
        }
        let name = n.person_name(&PersonName { full: Some(s.clone()), given: Some(t.clone()), ..Default::default() });
        let again = n.person_name(&PersonName { full: Some(name.canonical.clone()), given: Some(t), ..Default::default() });
        prop_assert_eq!(again.key, name.key);
        let a = n.address(&Address { lines: vec![s.clone()], postcode: Some(s), ..Address::default() });
        let b = n.address(&Address { lines: a.lines.clone(), postcode: a.postcode.clone(), ..Address::default() });
        prop_assert_eq!(b.key, a.key);
    }
}

fn company_key(s: &str) -> String {
    Normalizer::default()
        .normalize(FieldKind::CompanyName, s)
        .key
}

#[test]
fn company_keys_agree_across_case_width_bracket_spacing_script_and_legal_form() {
    let groups: &[&[&str]] = &[
        &[
            "华为技术有限公司",
            "華為技術有限公司",
            "华为技术有限责任公司",
            "（深圳）华为技术有限公司",
            "华为技术(深圳)有限公司",
            "华为 技术 有限公司",
            "深圳市华为技术有限公司",
        ],
        &[
            "Acme Widgets Ltd.",
            "ACME WIDGETS LIMITED",
            "Acme Widgets Ltd",
            "The Acme Widgets Co., Ltd.",
            "Acme  Widgets Co Ltd",
            "Ａｃｍｅ Ｗｉｄｇｅｔｓ Ｌｔｄ",
        ],
        &[
            "Smith & Sons Inc.",
            "Smith and Sons, Incorporated",
            "SMITH & SONS INC",
        ],
        &[
            "Müller Maschinenbau GmbH",
            "Muller Maschinenbau G.m.b.H.",
            "MÜLLER MASCHINENBAU GMBH",
        ],
        &["Dupont Conseil S.A.", "Dupont Conseil SA", "Dupont Conseil"],
        &[
            "Shenzhen Huada Electronics Co., Ltd.",
            "Huada Electronics Co. Ltd. (Shenzhen)",
            "HUADA ELECTRONICS CO LTD",
        ],
        &["トヨタ株式会社", "株式会社トヨタ"],
    ];
    for group in groups {
        let keys: Vec<String> = group.iter().map(|s| company_key(s)).collect();
        assert!(
            keys.windows(2).all(|w| w[0] == w[1]),
            "{group:?} -> {keys:?}"
        );
    }
}

#[test]
fn different_entities_keep_different_company_keys() {
    let apart = [
        ("瑞达精密仪器有限公司", "瑞达精密仪器有限公司广州分公司"),
        ("瑞达精密仪器有限公司", "瑞达精密仪器控股有限公司"),
        ("Acme Holdings Ltd", "Acme Ltd"),
        ("Acme Ltd", "Acme Ltd London Branch"),
        ("北京银行", "上海银行"),
    ];
    for (a, b) in apart {
        assert_ne!(company_key(a), company_key(b), "{a} vs {b}");
    }
}

#[test]
fn company_parts_are_kept() {
    let n = Normalizer::default();
    let r = n.normalize(
        FieldKind::CompanyName,
        "上海市瑞达精密仪器有限公司广州分公司",
    );
    assert_eq!(r.parts.region.as_deref(), Some("上海"));
    assert_eq!(r.parts.legal_form.as_deref(), Some("有限公司"));
    assert_eq!(r.parts.branch.as_deref(), Some("广州分公司"));
    let r = n.normalize(FieldKind::CompanyName, "Harbour Bridge Imports Pty. Ltd.");
    assert_eq!(r.parts.legal_form.as_deref(), Some("pty ltd"));
    assert_eq!(r.key, "harbour bridge imports");
}

fn person_key(s: &str) -> String {
    Normalizer::default()
        .person_name(&PersonName {
            full: Some(s.into()),
            ..Default::default()
        })
        .key
}

#[test]
fn person_keys_agree_across_variants() {
    let groups: &[&[&str]] = &[
        &["张伟", "張偉", "张 伟", "張　偉", "张伟先生", "张伟 先生"],
        &[
            "John Smith",
            "Smith, John",
            "SMITH John",
            "Mr. John Smith",
            "john  smith",
            "Ｊｏｈｎ Ｓｍｉｔｈ",
        ],
        &["Anna Müller", "Anna Muller", "Dr. Anna MÜLLER"],
        &["欧阳娜娜", "歐陽娜娜", "欧阳娜娜女士"],
        &["Seán O'Brien", "Sean OBrien", "O'BRIEN, Seán"],
    ];
    for group in groups {
        let keys: Vec<String> = group.iter().map(|s| person_key(s)).collect();
        assert!(
            keys.windows(2).all(|w| w[0] == w[1]),
            "{group:?} -> {keys:?}"
        );
    }
}

#[test]
fn han_names_meet_their_romanized_forms_through_pinyin() {
    let n = Normalizer::default();
    let pinyin = |s: &str| {
        n.person_name(&PersonName {
            full: Some(s.into()),
            ..Default::default()
        })
        .pinyin
    };
    assert_eq!(
        pinyin("张伟").as_deref(),
        Some(person_key("Zhang Wei").as_str())
    );
    assert_eq!(
        pinyin("王晓明").as_deref(),
        Some(person_key("Xiaoming Wang").as_str())
    );
    assert_eq!(
        pinyin("欧阳娜娜").as_deref(),
        Some(person_key("OUYANG Nana").as_str())
    );
    assert_eq!(pinyin("单雄信").as_deref(), Some("shan xiongxin"));
    assert_eq!(pinyin("John"), None);
}

#[test]
fn compound_surnames_are_detected() {
    let n = Normalizer::default();
    for (name, family) in [
        ("欧阳娜娜", "欧阳"),
        ("司马光明", "司马"),
        ("诸葛亮", "诸葛"),
        ("上官婉儿", "上官"),
        ("张伟", "张"),
    ] {
        let r = n.person_name(&PersonName {
            full: Some(name.into()),
            ..Default::default()
        });
        assert_eq!(r.family.as_deref(), Some(family), "{name}");
    }
}

#[test]
fn email_keys_follow_provider_rules() {
    let n = Normalizer::default();
    let key = |s: &str| n.email(s).unwrap().key;
    assert_eq!(
        key("John.Smith+news@gmail.com"),
        key("johnsmith@googlemail.com")
    );
    assert_eq!(key("ann+crm@example.com"), "ann@example.com");
    // Dots matter outside gmail.
    assert_ne!(key("a.b@example.com"), key("ab@example.com"));
    // The canonical value keeps the local part as written.
    assert_eq!(
        n.email(" Ann.Lee@EXAMPLE.com").unwrap().canonical,
        "Ann.Lee@example.com"
    );
    assert_eq!(
        n.email("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ")
            .unwrap()
            .canonical,
        "john@example.com"
    );
}

#[test]
fn address_keys_expand_abbreviations() {
    let n = Normalizer::default();
    let key = |s: &str| {
        n.address(&Address {
            lines: vec![s.into()],
            ..Address::default()
        })
        .key
    };
    assert_eq!(key("12 Main St."), key("12 MAIN STREET"));
    assert_eq!(key("5 Oak Ave"), key("5 oak avenue"));
    assert_eq!(key("Hauptstr. 5"), key("Hauptstraße 5"));
    assert_eq!(key("北京市朝阳区建國路88號"), key("北京市朝阳区建国路88号"));
}

#[test]
fn traces_explain_each_change() {
    let n = Normalizer::default();
    let r = n.normalize_traced(FieldKind::CompanyName, "（北京）華為技術有限公司");
    let rules: Vec<&str> = r.trace.iter().map(|s| s.rule.as_str()).collect();
    assert_eq!(
        rules,
        [
            "text.nfkc",
            "key.traditional_to_simplified",
            "company.region",
            "company.legal_form"
        ]
    );
    for w in r.trace.windows(2) {
        assert_eq!(w[0].after, w[1].before, "steps chain");
    }
    assert_eq!(
        r.trace.last().map(|s| s.after.as_str()),
        Some(r.key.as_str())
    );
}

#[test]
fn names_with_titles_and_commas_settle_in_one_pass() {
    let n = Normalizer::default();
    for s in [
        "Smith, John, Jr",
        "Smith, Mr John",
        "Dr., Ann",
        "Weber, Prof. Dr. Hans",
        "O'Brien, Seán PhD",
    ] {
        let once = n.normalize(FieldKind::PersonName, s).canonical;
        assert_eq!(
            n.normalize(FieldKind::PersonName, &once).canonical,
            once,
            "{s}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A record normalized twice equals the record normalized once, for any record.
    #[test]
    fn record_normalization_is_idempotent(c in common::customer(), region in prop::option::of(prop::sample::select(vec!["CN", "GB", "US", "DE"]))) {
        let n = Normalizer::default();
        let once = n.customer(&c, region);
        let twice = n.customer(&once.customer, region);
        prop_assert_eq!(&twice.changes, &vec![]);
        prop_assert_eq!(&twice.customer, &once.customer);
        // Nothing vanishes without a trace: every phone and email of the input is either kept
        // as it was or named as the `before` of a change.
        for p in &c.phones {
            prop_assert!(once.customer.phones.iter().any(|q| q.number == p.number)
                || once.changes.iter().any(|ch| ch.before == p.number));
        }
        for e in &c.emails {
            prop_assert!(once.customer.emails.iter().any(|q| q.address == e.address)
                || once.changes.iter().any(|ch| ch.before == e.address));
        }
        prop_assert_eq!(&once.customer.id, &c.id);
        prop_assert_eq!(&once.customer.custom, &c.custom);
        prop_assert_eq!(&once.customer.consents, &c.consents);
    }
}

#[test]
fn record_normalization_is_idempotent_on_generated_messy_records() {
    use clientele::synth::{SynthConfig, generate};
    let data = generate(&SynthConfig {
        customers: 3_000,
        duplicate_share: 0.5,
        seed: 7,
        ..SynthConfig::default()
    })
    .unwrap();
    let n = Normalizer::default();
    let mut changed = 0;
    for c in &data.customers {
        let once = n.customer(c, Some("CN"));
        changed += usize::from(!once.changes.is_empty());
        let twice = n.customer(&once.customer, Some("CN"));
        assert_eq!(twice.changes, vec![], "{:?}", c.id);
        assert_eq!(twice.customer, once.customer);
    }
    assert!(changed > 1_000, "only {changed} records changed");
}

#[test]
fn record_normalization_canonicalizes_each_field_and_keeps_repeats_once() {
    use clientele::model::{NationalId, NationalIdKind};
    use clientele::{Customer, CustomerId, CustomerKind};
    let n = Normalizer::default();
    let mut c = Customer::builder(CustomerId::new("C9").unwrap(), CustomerKind::Person)
        .full_name("張偉先生")
        .phone("138 0013 8000")
        .phone("+86 138-0013-8000")
        .phone("010 6552 9988 转 12")
        .email("Zhang.Wei@Example.COM ")
        .tag(" vip ")
        .tag("vip")
        .build();
    c.phones[1].primary = true;
    c.national_ids.push(NationalId::new(
        NationalIdKind::CnResidentId,
        "11010519491231 002x",
    ));
    let r = n.customer(&c, Some("CN"));
    let phones: Vec<(&str, bool)> = r
        .customer
        .phones
        .iter()
        .map(|p| (p.number.as_str(), p.primary))
        .collect();
    assert_eq!(
        phones,
        [("+8613800138000", true), ("+861065529988 ext. 12", false)]
    );
    assert_eq!(r.customer.emails[0].address, "Zhang.Wei@example.com");
    assert_eq!(r.customer.national_ids[0].value, "11010519491231002X");
    assert_eq!(r.customer.tags.iter().collect::<Vec<_>>(), ["vip"]);
    let name = r
        .customer
        .person_name
        .as_ref()
        .and_then(|p| p.full.as_deref());
    assert_eq!(name, Some("張偉"));
    // The dropped repeat is listed, and Debug masks the values.
    assert!(
        r.changes
            .iter()
            .any(|ch| ch.field == "phones[1]" && ch.after.is_empty())
    );
    let debug = format!("{:?}", r.changes);
    assert!(!debug.contains("0013"), "{debug}");
}

/// libphonenumber's name of a number type.
fn libphonenumber_type(kind: PhoneKind) -> &'static str {
    match kind {
        PhoneKind::FixedLine => "FIXED_LINE",
        PhoneKind::Mobile => "MOBILE",
        PhoneKind::FixedLineOrMobile => "FIXED_LINE_OR_MOBILE",
        PhoneKind::TollFree => "TOLL_FREE",
        PhoneKind::PremiumRate => "PREMIUM_RATE",
        PhoneKind::SharedCost => "SHARED_COST",
        PhoneKind::Voip => "VOIP",
        PhoneKind::Personal => "PERSONAL_NUMBER",
        PhoneKind::Pager => "PAGER",
        PhoneKind::Uan => "UAN",
        PhoneKind::Voicemail => "VOICEMAIL",
        _ => "UNKNOWN",
    }
}

/// One row of `tests/data/phones.csv` (written by `docs/scripts/gen_phone_corpus.py` with the
/// `phonenumbers` package): a written number, its default region and libphonenumber's verdict.
#[derive(Debug, serde::Deserialize)]
struct PhoneRow {
    region: String,
    default_region: String,
    input: String,
    valid: bool,
    e164: String,
    #[serde(rename = "type")]
    kind: String,
    national: String,
    international: String,
    error: String,
}

/// Inputs on which this crate deliberately reads otherwise than libphonenumber (none so far).
const TOLERATED: &[(&str, &str)] = &[];

/// Validity, E.164, type and display formats agree with libphonenumber on the written numbers of
/// 14 regions, at least 99.5% per region on validity and E.164 (a row agrees when both call it
/// valid or not, and give the same E.164 when both parse it).
#[test]
fn phones_read_as_libphonenumber_reads_them() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/phones.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let rows: Vec<PhoneRow> = rdr.deserialize().map(Result::unwrap).collect();
    assert!(rows.len() > 4000, "{} rows", rows.len());
    let n = Normalizer::default();
    // Per region: rows, validity and E.164 agreements, type and format disagreements.
    let mut by_region: std::collections::BTreeMap<&str, [usize; 4]> = Default::default();
    let mut misses = Vec::new();
    for row in &rows {
        let ours = n.phone(&row.input, Some(&row.default_region));
        let ours_valid = ours.as_ref().is_ok_and(|p| p.valid);
        let parsed_both = row.error.is_empty() && ours.is_ok();
        let e164_ok = match &ours {
            Ok(p) if parsed_both => p.e164 == row.e164,
            _ => !row.valid,
        };
        let agrees = ours_valid == row.valid && e164_ok;
        let tolerated = TOLERATED.contains(&(row.input.as_str(), row.default_region.as_str()));
        let stats = by_region.entry(&row.region).or_default();
        stats[0] += 1;
        if agrees || tolerated {
            stats[1] += 1;
        } else {
            misses.push(format!(
                "{} in {}: ours {:?}, libphonenumber valid {} {} {}",
                row.input,
                row.default_region,
                ours.as_ref().map(|p| (&p.e164, p.valid)),
                row.valid,
                row.e164,
                row.error
            ));
        }
        if let (Ok(p), true) = (&ours, agrees && row.valid) {
            if libphonenumber_type(p.kind) != row.kind {
                stats[2] += 1;
                misses.push(format!(
                    "{} in {}: type {:?}, libphonenumber {}",
                    row.input, row.default_region, p.kind, row.kind
                ));
            }
            let national = p.format(PhoneFormat::National);
            let international = p.format(PhoneFormat::International);
            if national != row.national || international != row.international {
                stats[3] += 1;
                misses.push(format!(
                    "{} in {}: formats {national:?} / {international:?}, libphonenumber {:?} / {:?}",
                    row.input, row.default_region, row.national, row.international
                ));
            }
        }
    }
    println!("region  rows  agree (validity and E.164)  type misses  format misses");
    for (region, [total, agree, kinds, formats]) in &by_region {
        println!(
            "{region}  {total}  {agree} ({:.2}%)  {kinds}  {formats}",
            100.0 * *agree as f64 / *total as f64
        );
    }
    for m in &misses {
        println!("miss: {m}");
    }
    for (region, [total, agree, kinds, formats]) in &by_region {
        let share = *agree as f64 / *total as f64;
        assert!(share >= 0.995, "{region}: {agree} of {total} agree");
        assert_eq!(*kinds, 0, "{region}: number types differ");
        assert_eq!(*formats, 0, "{region}: display formats differ");
    }
}
