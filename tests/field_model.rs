//! One field model: a caller's custom field, declared nowhere but in the data and named by
//! `model::Field`, is imported from a CSV column, exported back, checked by a caller's rule,
//! merged by a survivorship rule and used in a segment rule.

use chrono::{TimeZone, Utc};
use clientele::CustomerId;
use clientele::files::{ReadOptions, read, write_path};
use clientele::merge::{FieldRule, Merger, SurvivorRule};
use clientele::model::{CustomValue, Field};
use clientele::segment::{Rule, Segment, TextTest, ValueTest};
use clientele::store::{CustomerStore, MemoryStore};
use clientele::validate::{Severity, Validator};

const CSV: &str = "id,kind,full_name,phone,loyalty_card,updated_at\n\
    C1,person,Wang Fang,13800138000,LC-000123,2024-01-01\n\
    C2,person,Wang Fang,+86 138 0013 8000,LC-000999,2024-03-01\n\
    C3,person,Li Na,13900001111,LC-12,2024-02-01\n";

#[test]
fn a_custom_field_is_imported_exported_checked_merged_and_segmented() {
    let card = Field::parse("loyalty_card");
    assert_eq!(card, Field::Custom("loyalty_card".into()));

    // Imported from its CSV column.
    let file = read(CSV.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(file.customers.len(), 3);
    let texts: Vec<Vec<String>> = file.customers.iter().map(|c| card.texts(c)).collect();
    assert_eq!(texts, [["LC-000123"], ["LC-000999"], ["LC-12"]]);

    // Exported back: the column is written and reads back as the same values.
    let dir = std::env::temp_dir().join(format!("clientele-field-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out.csv");
    write_path(&out, &file.customers).unwrap();
    let written = std::fs::read_to_string(&out).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        written
            .lines()
            .next()
            .unwrap()
            .split(',')
            .any(|h| h == "loyalty_card")
    );
    let again = read(written.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(again.customers, file.customers);

    // Checked by a caller's rule on the field.
    let v = Validator::new()
        .rule_regex(
            card.name(),
            r"LC-\d{6}",
            "crm.bad_card",
            Severity::Error,
            "cards are LC- and six digits",
        )
        .unwrap();
    let flagged: Vec<&str> = file
        .customers
        .iter()
        .filter(|c| {
            v.validate(c)
                .issues
                .iter()
                .any(|i| i.code.as_str() == "crm.bad_card")
        })
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(flagged, ["C3"]);

    // Merged by a survivorship rule: the most recent card wins, the other is kept in provenance.
    let store = MemoryStore::new();
    for c in &file.customers {
        store.put(c.clone()).unwrap();
    }
    let merger = Merger::new()
        .survivor(SurvivorRule::Oldest)
        .field_rule(&card, FieldRule::MostRecent)
        .default_region("CN");
    let at = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
    let cluster = [
        CustomerId::new("C1").unwrap(),
        CustomerId::new("C2").unwrap(),
    ];
    let plan = merger.plan(&store, &cluster, at).unwrap();
    assert_eq!(card.texts(&plan.merged.customer), ["LC-000999"]);
    clientele::merge::apply_plan(&store, &plan).unwrap();
    let merged = store.get(&plan.survivor).unwrap().unwrap();
    assert_eq!(
        merged.custom.get("loyalty_card"),
        Some(&CustomValue::Text("LC-000999".into()))
    );

    // Used in a segment rule.
    let gold = Segment::new(
        "gold_cards",
        Rule::Field {
            field: card.clone(),
            test: ValueTest::Text(TextTest::Regex(r"^LC-000\d{3}$".into())),
        },
    )
    .compile()
    .unwrap();
    let summary = clientele::segment::ActivitySummary::new(&[], &[], at);
    let stored = store.scan(None, 100).unwrap();
    let members: Vec<&str> = stored
        .iter()
        .filter(|c| gold.matches(c, &summary))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(members, [plan.survivor.as_str()]);
}

/// One definition of match keys: the forms of one phone and one email that the detector treats as
/// one value are one value to merge survivorship and to the store's contact index too.
#[test]
fn dedupe_merge_and_the_store_agree_on_match_keys() {
    use clientele::normalize::{Normalizer, phone_tail};
    use clientele::store::SecondaryKey;
    use clientele::{Customer as C, CustomerKind};
    let n = Normalizer::default();
    let id = |s: &str| CustomerId::new(s).unwrap();
    let a = C::builder(id("A"), CustomerKind::Person)
        .full_name("Ann Lee")
        .phone("+86 138 0013 5678")
        .email("Ann.Lee+shop@GoogleMail.com")
        .build();
    let b = C::builder(id("B"), CustomerKind::Person)
        .full_name("Ann Lee")
        .phone("138-0013-5678")
        .email("annlee@gmail.com")
        .build();
    let (ka, kb) = (n.match_keys(&a, Some("CN")), n.match_keys(&b, Some("CN")));
    assert_eq!(ka, kb);

    // The store finds both records by either written form.
    let store = MemoryStore::new();
    store.put(a.clone()).unwrap();
    store.put(b.clone()).unwrap();
    for form in ["annlee@gmail.com", "ann.lee+news@gmail.com"] {
        let key = SecondaryKey::email(form).unwrap();
        assert_eq!(key.value(), ka.emails[0]);
        assert_eq!(store.lookup(&key).unwrap(), vec![id("A"), id("B")]);
    }
    let phone = SecondaryKey::phone("0086 13800135678").unwrap();
    assert_eq!(phone.value(), phone_tail(&ka.phones[0]));
    assert_eq!(store.lookup(&phone).unwrap(), vec![id("A"), id("B")]);

    // Merge keeps one phone and one email: they are the same values.
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let plan = Merger::new()
        .default_region("CN")
        .plan(&store, &[id("A"), id("B")], at)
        .unwrap();
    assert_eq!(plan.merged.customer.phones.len(), 1);
    assert_eq!(plan.merged.customer.emails.len(), 1);
}

/// `DedupeResult::cluster_of` answers for every record, also after the cluster list is changed.
#[test]
fn cluster_of_finds_every_member() {
    use clientele::dedupe::Deduplicator;
    let records =
        clientele::files::read_path("examples/data/customers.csv", &ReadOptions::default())
            .unwrap()
            .customers;
    let mut result = Deduplicator::new().run(&records).unwrap();
    for c in &result.clusters {
        for m in &c.members {
            assert_eq!(result.cluster_of(m.as_str()), Some(c.cluster_id.as_str()));
        }
    }
    assert_eq!(result.cluster_of("no such id"), None);
    let last = result.clusters.pop().unwrap();
    assert_eq!(result.cluster_of(last.members[0].as_str()), None);
    let first = result.clusters[0].clone();
    result.clusters.reverse();
    assert_eq!(
        result.cluster_of(first.members[0].as_str()),
        Some(first.cluster_id.as_str())
    );
}

/// When each contact value was last verified is a field of the model: read by position from its
/// column, a bad entry kept as text and reported, and written back.
#[test]
fn contact_verification_times_are_read_by_position_and_written_back() {
    use clientele::import::{ColumnMap, RowReader};
    let header = [
        "id",
        "phone",
        "phone_verified_at",
        "email",
        "email_verified_at",
    ];
    let mut reader = RowReader::new(&header, &ColumnMap::default());
    let row = reader
        .read(
            2,
            &[
                "C1",
                "13800138000;13900139000",
                ";2024-05-01",
                "a@x.cn",
                "2024-06-01T08:00:00Z",
            ],
        )
        .unwrap();
    let c = &row.customer;
    assert!(row.problems.is_empty());
    assert_eq!(c.phones[0].verified_at, None);
    assert_eq!(
        c.phones[1].verified_at,
        Some(Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap())
    );
    assert_eq!(
        c.emails[0].verified_at,
        Some(Utc.with_ymd_and_hms(2024, 6, 1, 8, 0, 0).unwrap())
    );
    assert_eq!(
        Field::PhoneVerifiedAt.texts(c),
        ["", "2024-05-01T00:00:00+00:00"]
    );

    // Written back: the column appears because a record fills it, and reads to the same record.
    let columns = clientele::files::Columns::for_records([c]);
    let mut w = clientele::files::RecordWriter::new(Vec::new(), "out", columns).unwrap();
    w.write(c).unwrap();
    let (bytes, _) = w.finish().unwrap();
    let back = read(bytes.as_slice(), &ReadOptions::default()).unwrap();
    assert_eq!(&back.customers[..], std::slice::from_ref(c));

    // More entries than phones, or a bad time: kept as text under the column, and reported.
    for bad in ["2024-05-01;2024-05-02;2024-05-03", "yesterday"] {
        let row = reader
            .read(
                3,
                &[&format!("C{bad}"), "13800138000;13900139000", bad, "", ""],
            )
            .unwrap();
        assert_eq!(row.problems.len(), 1, "{bad}");
        assert_eq!(row.problems[0].field, "phone_verified_at");
        assert!(row.customer.custom.contains_key("phone_verified_at"));
        assert!(row.customer.phones.iter().all(|p| p.verified_at.is_none()));
    }
}

#[test]
fn is_filled_agrees_with_the_texts_of_every_field() {
    use clientele::model::{Address, Email, Phone};
    use clientele::synth::{SynthConfig, generate};
    use clientele::{Customer, CustomerKind};
    let data = generate(&SynthConfig {
        customers: 2_000,
        ..SynthConfig::default()
    })
    .expect("generator");
    // Records with values that are present but blank, and parts missing between others.
    let mut blank = Customer::builder(CustomerId::new("B1").unwrap(), CustomerKind::Person)
        .full_name("  ")
        .given_name("")
        .build();
    blank.phones.push(Phone::new(" "));
    blank.emails.push(Email::new(""));
    blank.addresses.push(Address {
        lines: vec![String::new(), "Second line".into()],
        locality: Some(" ".into()),
        ..Default::default()
    });
    blank.tags.insert(" ".into());
    blank
        .custom
        .insert("note".into(), CustomValue::Text("  ".into()));
    blank
        .custom
        .insert("points".into(), CustomValue::Integer(0));
    let mut fields: Vec<Field> = Field::built_in().collect();
    fields.extend(["note", "points", "absent"].map(Field::parse));
    for c in data.customers.iter().chain([&blank]) {
        for f in &fields {
            let by_texts = !f.texts(c).iter().all(|t| t.trim().is_empty());
            assert_eq!(f.is_filled(c), by_texts, "{} of {}", f.name(), c.id);
        }
    }
}
