//! The masking policy, swept over every public type: `Debug` (and `Display` where a type has
//! one) of values built from planted personal data never shows a planted value in full.
//!
//! The sweep cannot be forgotten: `every_public_type_is_swept_or_allowed` reads `src/` for every
//! `pub struct` and `pub enum` and fails for a type that is neither rendered here nor on the list
//! of types that hold no caller value (with the reason why).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clientele::dedupe::Deduplicator;
use clientele::dedupe::similarity::Chars;
use clientele::import::{ColumnMap, RowReader};
use clientele::merge::{AuditAction, AuditEvent, Merger, RecordSnapshot};
use clientele::model::{
    Activity, Address, CompanyName, Consent, ConsentPurpose, ConsentStatus, ContactLabel,
    CountryCode, CurrencyCode, CustomValue, Email, Interaction, InteractionKind, MaskPolicy, Money,
    NationalId, NationalIdKind, PersonName, Phone, Transaction, parse_date,
};
use clientele::normalize::{Context, FieldKind, Normalizer};
use clientele::privacy::{CustomerExport, Erasure};
use clientele::segment::{ActivitySummary, ScoringConfig, score_records};
use clientele::store::conformance::snapshot;
use clientele::store::{Change, CustomerStore, FaultyStore, MemoryStore, SecondaryKey, batches};
use clientele::validate::{Validator, ValueKind, check_cn_resident_id, check_field};
use clientele::{Customer, CustomerId, CustomerKind, Error};

use common::planted::SECRETS;

/// Planted values, each distinctive, and the pieces of them that must never show.
const PHONE: &str = "+86 139 1234 5678";
const EMAIL: &str = "meimei.han@example.org";
const RESIDENT_ID: &str = "11010519491231002X";
const NAME: &str = "韩梅梅";
const LATIN_NAME: &str = "Meimei Han";
const COMPANY: &str = "梅梅贸易有限公司";
const STREET: &str = "建国路88号院";
const LATIN_STREET: &str = "88 Jianguo Road";
const POSTCODE: &str = "100022";
const CUSTOM_PHONE: &str = "18688889999";
const CUSTOM_ID: &str = "44030419900101001X";
const WECHAT: &str = "wxid_secret42";
const NOTE: &str = "says the PIN is hunter2";
const TAG: &str = "diabetic";
const REFERENCE: &str = "order-778899";

fn t(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 3, day, 9, 0, 0).unwrap()
}

fn id(s: &str) -> CustomerId {
    CustomerId::new(s).unwrap()
}

fn planted_person(key: &str) -> Customer {
    Customer::builder(id(key), CustomerKind::Person)
        .full_name(NAME)
        .given_name("Meimei")
        .family_name("Han")
        .phone(PHONE)
        .email(EMAIL)
        .address(planted_address())
        .birth_date(NaiveDate::from_ymd_opt(1949, 12, 31).unwrap())
        .national_id(NationalIdKind::CnResidentId, RESIDENT_ID)
        .tag(TAG)
        .custom("手机", CustomValue::Text(CUSTOM_PHONE.into()))
        .custom("手机号", CustomValue::infer(CUSTOM_PHONE))
        .custom("身份证号", CustomValue::Text(CUSTOM_ID.into()))
        .custom("wechat", CustomValue::Text(WECHAT.into()))
        .custom(
            "born",
            CustomValue::Date(NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()),
        )
        .source("crm")
        .consent(ConsentPurpose::Marketing, ConsentStatus::Given, t(1), "web")
        .created_at(t(1))
        .build()
}

fn planted_company(key: &str) -> Customer {
    Customer::builder(id(key), CustomerKind::Company)
        .company_name(COMPANY)
        .full_name(LATIN_NAME)
        .phone("13912345678")
        .email(EMAIL)
        .created_at(t(2))
        .build()
}

fn planted_address() -> Address {
    Address {
        house_number: Some("88".into()),
        lines: vec![STREET.into(), LATIN_STREET.into()],
        locality: Some("北京".into()),
        region: Some("朝阳区".into()),
        postcode: Some(POSTCODE.into()),
        country: Some(CountryCode::new("CN").unwrap()),
        ..Address::default()
    }
}

fn planted_activity(key: &str) -> Activity {
    Activity {
        transactions: vec![
            Transaction::new(
                id(key),
                t(3),
                Money {
                    minor_units: 12_900,
                    currency: CurrencyCode::new("CNY").unwrap(),
                },
            )
            .with_channel("app")
            .with_reference(REFERENCE),
        ],
        interactions: vec![
            Interaction::new(id(key), t(4), InteractionKind::Other(CUSTOM_PHONE.into()))
                .with_note(format!("{NAME} {NOTE}, call {PHONE}")),
        ],
    }
}

/// Renders one value's `Debug`.
fn debug(name: &'static str, v: &impl std::fmt::Debug) -> (&'static str, String) {
    (name, format!("{v:?}"))
}

/// Renders one value's `Debug` and `Display`.
fn both(
    name: &'static str,
    v: &(impl std::fmt::Debug + std::fmt::Display),
) -> (&'static str, String) {
    (name, format!("{v:?}\n{v}"))
}

/// Every swept type, rendered from planted values.
fn rendered() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let person = planted_person("P1");
    let company = planted_company("P2");
    let activity = planted_activity("P1");
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();

    // model
    out.push(debug("Customer", &person));
    out.push(debug("Customer", &company));
    out.push(debug(
        "Masked",
        &MaskPolicy::new()
            .non_personal_custom("source_no")
            .show(&person),
    ));
    out.push(debug(
        "CustomerBuilder",
        &Customer::builder(id("P3"), CustomerKind::Person)
            .full_name(NAME)
            .phone(PHONE)
            .custom("wechat", CustomValue::Text(WECHAT.into())),
    ));
    out.push(debug("PersonName", &person.person_name));
    out.push(debug("CompanyName", &CompanyName::new(COMPANY)));
    out.push(debug("Phone", &Phone::new(PHONE)));
    out.push(debug("Email", &Email::new(EMAIL)));
    out.push(debug("Address", &planted_address()));
    out.push(debug(
        "NationalId",
        &NationalId::new(NationalIdKind::CnResidentId, RESIDENT_ID),
    ));
    out.push(debug("NationalIdKind", &NationalIdKind::parse(CUSTOM_ID)));
    out.push(debug("ContactLabel", &ContactLabel::Other(EMAIL.into())));
    out.push(debug("CustomValue", &CustomValue::infer(CUSTOM_PHONE)));
    out.push(debug("CustomValue", &CustomValue::Text(WECHAT.into())));
    out.push(debug(
        "ConsentPurpose",
        &ConsentPurpose::Other(CUSTOM_PHONE.into()),
    ));
    out.push(debug(
        "Consent",
        &Consent::new(
            ConsentPurpose::Other(EMAIL.into()),
            ConsentStatus::Given,
            t(1),
            "web",
        ),
    ));
    out.push(debug("Transaction", &activity.transactions[0]));
    out.push(debug("Interaction", &activity.interactions[0]));
    out.push(debug(
        "InteractionKind",
        &InteractionKind::Other(RESIDENT_ID.into()),
    ));
    out.push(debug("Activity", &activity));

    // errors, from planted cells
    let long_id = format!("{}{}", CUSTOM_PHONE, "9".repeat(260));
    for e in [
        CustomerId::new(&long_id).unwrap_err(),
        CountryCode::new(CUSTOM_PHONE).unwrap_err(),
        CurrencyCode::new(WECHAT).unwrap_err(),
        parse_date(CUSTOM_ID).unwrap_err(),
        parse_date("1949-12-32").unwrap_err(),
    ] {
        out.push(both("Error", &e));
    }

    // import
    let header = [
        "id",
        "kind",
        "full_name",
        "phone",
        "country",
        "birth_date",
        "created_at",
        "手机",
        "wechat",
    ];
    let map = ColumnMap::parse_all(["mobile=phone"]).unwrap();
    out.push(debug("ColumnMap", &map));
    let mut reader = RowReader::new(&header, &map);
    let cells = [
        "R1",
        "person",
        NAME,
        PHONE,
        CUSTOM_PHONE,
        RESIDENT_ID,
        EMAIL,
        CUSTOM_PHONE,
        WECHAT,
    ];
    // Parsed before it is read: parsing does not check ids against the rows read.
    out.push(debug("ParsedRow", &reader.parse(2, &cells)));
    out.push(debug("ParsedRow", &reader.parse(2, &cells[..3])));
    let good = reader.read(2, &cells).unwrap();
    out.push(debug("ImportedRow", &good));
    for p in &good.problems {
        out.push(debug("FieldProblem", p));
    }
    for bad in [
        vec!["R2", RESIDENT_ID, NAME, "", "", "", "", "", ""],
        vec!["R1", "person", NAME, PHONE, "", "", "", "", ""],
        vec![long_id.as_str(), "person", "", "", "", "", "", "", ""],
        vec!["R3", EMAIL],
    ] {
        out.push(both("Error", &reader.read(3, &bad).unwrap_err()));
    }
    out.push(debug("RowReader", &reader));
    let chunk = clientele::files::Chunk {
        customers: vec![good.customer.clone()],
        lines: vec![2],
        problems: vec![good.problems.clone()],
    };
    out.push(debug("Chunk", &chunk));
    let dedupe = Deduplicator::new();
    let mut batch = dedupe.batch().unwrap();
    batch.add(std::slice::from_ref(&good.customer));
    out.push(debug("Batch", &batch));

    // files: a file with a good row, a runaway quote and a row of the wrong width
    let csv = format!(
        "id,kind,full_name,phone,手机\nF1,person,{NAME},{PHONE},{CUSTOM_PHONE}\n\
         F2,person,\"{NAME},{EMAIL}\nF3,person,{WECHAT}\n"
    );
    let file =
        clientele::files::read(csv.as_bytes(), &clientele::files::ReadOptions::default()).unwrap();
    assert_eq!(file.customers.len(), 1, "{file:?}");
    out.push(debug("FileRead", &file));
    for r in &file.rejected {
        out.push(debug("RejectedRow", r));
    }
    let rows = clientele::files::CsvRows::new(csv.as_bytes(), &Default::default()).unwrap();
    for row in rows {
        out.push(debug("RawRow", &row.unwrap()));
    }
    let columns = clientele::files::Columns::for_records(&file.customers);
    out.push(debug("Columns", &columns));
    let mut writer = clientele::files::RecordWriter::new(Vec::new(), "out.csv", columns).unwrap();
    writer.write(&person).unwrap();

    // normalize
    let n = Normalizer::default();
    out.push(debug(
        "NormalizedPhone",
        &n.phone(PHONE, Some("CN")).unwrap(),
    ));
    out.push(debug("NormalizedEmail", &n.email(EMAIL).unwrap()));
    out.push(debug("MatchKeys", &n.match_keys(&person, Some("CN"))));
    out.push(debug(
        "NormalizedPersonName",
        &n.person_name(person.person_name.as_ref().unwrap()),
    ));
    out.push(debug("NormalizedAddress", &n.address(&planted_address())));
    out.push(debug(
        "Normalized",
        &n.normalize_traced(FieldKind::PersonName, "  韩梅梅 女士 "),
    ));
    let traced = n.normalize_traced(FieldKind::CompanyName, "（北京）梅梅貿易有限公司");
    out.push(debug("Normalized", &traced));
    for step in &traced.trace {
        out.push(debug("TraceStep", step));
    }
    out.push(debug("Parts", &traced.parts));
    out.push(debug(
        "Context",
        &Context {
            kind: FieldKind::CompanyName,
            parts: traced.parts.clone(),
        },
    ));
    let mut messy = planted_person("P4");
    messy.phones.push(Phone::new("139-1234-5678"));
    messy.emails[0].address = " MeiMei.Han@Example.ORG ".into();
    let record = n.customer(&messy, Some("CN"));
    out.push(debug("NormalizedRecord", &record));
    for change in &record.changes {
        out.push(debug("FieldChange", change));
    }

    // validate
    let v = Validator::new().default_region("CN").as_of(today);
    let mut broken = planted_person("P5");
    broken.phones.push(Phone::new("139123456789"));
    broken.emails.push(Email::new("meimei..han@example.org"));
    broken.national_ids.push(NationalId::new(
        NationalIdKind::CnResidentId,
        "110105194912310021",
    ));
    broken.addresses[0].postcode = Some("1000229".into());
    let report = v.validate(&broken);
    assert!(report.issues.len() >= 4, "{report:?}");
    for i in &report.issues {
        out.push(debug("Issue", i));
    }
    out.push(debug("ValidationReport", &report));
    out.push(debug(
        "ResidentId",
        &check_cn_resident_id(RESIDENT_ID, today).unwrap(),
    ));
    for (kind, value) in [
        (ValueKind::Phone, PHONE),
        (ValueKind::Email, EMAIL),
        (ValueKind::CnId, RESIDENT_ID),
        (ValueKind::PersonName, NAME),
        (ValueKind::Address, LATIN_STREET),
    ] {
        out.push(debug(
            "FieldVerdict",
            &check_field(kind, value, Some("CN"), today),
        ));
    }

    // dedupe
    let mut twin = planted_person("P6");
    twin.person_name = Some(PersonName {
        full: Some("韓梅梅".into()),
        ..PersonName::default()
    });
    let mut customers = vec![person.clone(), twin, company.clone()];
    let background = clientele::synth::generate(&clientele::synth::SynthConfig {
        customers: 200,
        ..Default::default()
    })
    .unwrap();
    customers.extend(background.customers);
    let result = Deduplicator::new()
        .default_region("CN")
        .threshold(0.0)
        .run(&customers)
        .unwrap();
    assert!(!result.pairs.is_empty());
    out.push(debug("DedupeResult", &result));
    for p in &result.pairs {
        out.push(debug("ScoredPair", p));
        out.push(both("Explanation", &p.explanation));
        for c in &p.explanation.contributions {
            out.push(debug("Contribution", c));
        }
    }
    for c in &result.clusters {
        out.push(debug("Cluster", c));
    }
    out.push(debug("TrainedModel", &result.model));
    out.push(debug("TermFrequencies", &result.model.term_frequencies));
    out.push(debug(
        "TrainingStats",
        &Deduplicator::new()
            .default_region("CN")
            .record_stats(&customers)
            .unwrap(),
    ));
    for c in &result.model.comparisons {
        out.push(debug("ComparisonParams", c));
        for l in &c.levels {
            out.push(debug("LevelParams", l));
        }
    }
    let capped = Deduplicator::new()
        .default_region("CN")
        .max_block_size(2)
        .run(&customers)
        .unwrap();
    assert!(!capped.blocking.warnings.is_empty());
    out.push(debug("BlockingReport", &capped.blocking));
    for r in &capped.blocking.rules {
        out.push(debug("RuleReport", r));
    }
    out.push(debug("Chars", &Chars::new("韩梅梅 meimei han")));

    // store
    let store = MemoryStore::new();
    let changes = vec![
        Change::Insert(person.clone()),
        Change::Put(company.clone()),
        Change::SetActivity {
            customer: id("P1"),
            activity: activity.clone(),
        },
        Change::AddInteraction(activity.interactions[0].clone()),
        Change::AddTransaction(activity.transactions[0].clone()),
    ];
    for c in &changes {
        out.push(debug("Change", c));
    }
    store.apply(changes).unwrap();
    out.push(debug("MemoryStore", &store));
    out.push(debug("Batches", &batches(&store, 1)));
    out.push(debug("Snapshot", &snapshot(&store).unwrap()));
    for key in [
        SecondaryKey::phone(PHONE),
        SecondaryKey::email(EMAIL),
        SecondaryKey::national_id(RESIDENT_ID),
    ] {
        out.push(debug("SecondaryKey", &key.unwrap()));
    }
    out.push(debug("FaultyStore", &FaultyStore::new(MemoryStore::new())));
    let matcher = Deduplicator::new().default_region("CN").threshold(0.0);
    let indexed = MemoryStore::with_indexer(matcher.indexer());
    indexed.apply(vec![Change::Put(person.clone())]).unwrap();
    let matches = matcher
        .match_one(&planted_person("P9"), &indexed, &result.model)
        .unwrap();
    assert!(!matches.is_empty());
    for m in &matches {
        out.push(debug("Match", m));
    }
    out.push(debug(
        "Matcher",
        &matcher.matcher(result.model.clone()).unwrap(),
    ));

    // merge: a second record of the same person with another phone and WeChat id
    let mut other = planted_person("P7");
    other.phones = vec![Phone::new(CUSTOM_PHONE)];
    other
        .custom
        .insert("wechat".into(), CustomValue::Text("wxid_secret43".into()));
    let inputs = vec![
        RecordSnapshot {
            customer: person.clone(),
            activity: activity.clone(),
        },
        RecordSnapshot {
            customer: other,
            activity: Activity::default(),
        },
    ];
    let plan = Merger::new()
        .default_region("CN")
        .plan_records(inputs, t(9))
        .unwrap();
    assert!(!plan.discarded.is_empty());
    out.push(debug("MergePlan", &plan));
    for k in &plan.kept {
        out.push(debug("Kept", k));
        out.push(debug("FieldValue", &k.value));
    }
    for d in &plan.discarded {
        out.push(debug("Discarded", d));
        out.push(debug(
            "Masked",
            &MaskPolicy::new()
                .non_personal_custom("loyalty")
                .show(&d.value),
        ));
    }
    out.push(debug("RecordSnapshot", &plan.merged));
    let merge_record = plan.record();
    out.push(debug("MergeRecord", &merge_record));
    let event = AuditEvent::new(AuditAction::Merge, t(9))
        .merge(plan.id.clone())
        .customers(vec![id("P1"), id("P7")])
        .rule("oldest");
    out.push(debug("AuditEvent", &event));
    let document = clientele::store::Document::new(
        "clientele.entry.review",
        "P1",
        format!("{{\"phone\":\"{PHONE}\",\"email\":\"{EMAIL}\",\"name\":\"{NAME}\"}}"),
    );
    out.push(debug("Document", &document));

    // entry: the importer on a planted record, held for review against its twin.
    {
        use clientele::entry::{Importer, Incoming, OnMatch, Policy, review_queue};
        let importer = Importer::new("planted").policy(Policy::default().on_match(OnMatch::Review));
        out.push(debug("Importer", &importer));
        let store = MemoryStore::with_indexers(importer.indexers());
        let mut twin = planted_person("P1");
        twin.id = id("P1-twin");
        let rows = vec![
            Incoming::new(2, planted_person("P1")),
            Incoming::new(3, twin),
        ];
        out.push(debug("Incoming", &rows[0]));
        let report = importer.import(&store, rows, t(9)).unwrap();
        out.push(debug("ImportReport", &report));
        for r in &report.rows {
            out.push(debug("RowOutcome", r));
            out.push(debug("Outcome", &r.outcome));
        }
        for item in review_queue(&store).unwrap() {
            out.push(debug("ReviewItem", &item));
            for c in &item.candidates {
                out.push(debug("Candidate", c));
            }
        }
    }

    // privacy
    out.push(debug(
        "CustomerExport",
        &CustomerExport {
            exported_at: t(10),
            customer: person.clone(),
            activity: activity.clone(),
            merges: vec![merge_record],
        },
    ));
    out.push(debug(
        "Erasure",
        &Erasure {
            customer: id("P1"),
            scrubbed_merges: vec![plan.id.clone()],
            events: vec![event],
        },
    ));

    // segment and lifecycle
    let scores = score_records(
        &customers[..3],
        &activity.transactions,
        &activity.interactions,
        &ScoringConfig::default(),
        t(20),
    );
    for s in &scores {
        out.push(debug("CustomerScore", s));
    }
    out.push(debug(
        "ActivitySummary",
        &ActivitySummary::new(&activity.transactions, &activity.interactions, t(20)),
    ));
    for s in clientele::lifecycle::summarize(
        &activity.transactions,
        NaiveDate::from_ymd_opt(2024, 6, 1).unwrap(),
        clientele::lifecycle::TimeUnit::Week,
    ) {
        out.push(debug("CustomerSummary", &s));
    }

    // report: aggregates, ids and owners; the page and the follow-up CSV are searched too.
    let mut owned = customers[..3].to_vec();
    owned[0].owner = Some("li.na".into());
    let clusters = [clientele::dedupe::Cluster {
        cluster_id: "P1".into(),
        members: vec![owned[0].id.clone(), owned[1].id.clone()],
    }];
    let report_config = clientele::report::ReportConfig::default();
    let report = clientele::report::build_report(
        clientele::report::ReportData {
            customers: &owned,
            transactions: &activity.transactions,
            interactions: &activity.interactions,
            clusters: Some(&clusters),
        },
        &Validator::new(),
        &report_config,
        t(20),
    );
    let k = &report.kpis;
    out.push(debug(
        "ReportData",
        &clientele::report::ReportData {
            customers: &owned,
            transactions: &activity.transactions,
            interactions: &activity.interactions,
            clusters: Some(&clusters),
        },
    ));
    out.push(debug("Report", &report));
    out.push(debug("Kpis", k));
    out.push(debug("Satisfaction", &k.satisfaction));
    out.push(debug("GroupKpis", &k.by_stage));
    out.push(debug("RfmCell", &k.rfm_grid));
    out.push(debug("PeriodKpis", &k.series));
    out.push(debug("Count", &k.series.first().map(|p| p.stages.clone())));
    out.push(debug(
        "PeriodSpan",
        &k.series.first().map(|p| p.span.clone()),
    ));
    out.push(debug("Period", &k.period));
    out.push(debug("Cohort", &k.cohorts));
    out.push(debug("LifecycleModels", &k.models));
    let q = &report.quality;
    out.push(debug("Scorecard", q));
    out.push(debug("FieldCompleteness", &q.completeness));
    out.push(debug("Validity", &q.validity));
    out.push(debug("CodeValidity", &q.validity.codes));
    out.push(debug("Duplicates", &q.duplicates));
    out.push(debug("Staleness", &q.staleness));
    out.push(debug("ConsentCoverage", &q.consent));
    let change = q.change_since(q);
    out.push(debug("RateChange", &change.headline));
    out.push(debug("ScorecardChange", &change));
    out.push(debug("FollowUp", &report.follow_ups));
    out.push(debug(
        "FollowUpReason",
        &report
            .follow_ups
            .iter()
            .map(|f| f.reasons.clone())
            .collect::<Vec<_>>(),
    ));
    out.push((
        "FollowUp",
        clientele::report::follow_ups_csv(&report.follow_ups),
    ));
    out.push(debug("ReportConfig", &report_config));
    out.push(debug("FollowUpConfig", &report_config.follow_up));
    out.push(debug("QualityConfig", &report_config.quality));
    let options = clientele::report::HtmlOptions::default();
    out.push(debug("HtmlOptions", &options));
    out.push((
        "Report",
        clientele::report::render_html(&report, &options).unwrap(),
    ));

    // synth: generated records are as personal as real ones.
    let data = clientele::synth::generate(&clientele::synth::SynthConfig {
        customers: 1,
        ..Default::default()
    })
    .unwrap();
    out.push(debug("SynthData", &data));

    // governance: the handle, its audit history and archive.
    let governed = clientele::governance::ActorStore::new(
        MemoryStore::new(),
        clientele::access::AccessPolicy::default(),
        clientele::access::Actor::new("li", "admin"),
    )
    .unwrap();
    governed.insert(person.clone()).unwrap();
    let mut changed = person.clone();
    changed.phones.push(Phone::new(PHONE));
    changed.emails.clear();
    governed.put(changed).unwrap();
    out.push(debug("ActorStore", &governed));
    let history = clientele::governance::audit_of(governed.inner(), &person.id).unwrap();
    assert_eq!(history.len(), 2);
    out.push(debug("AuditEntry", &history));
    out.push(debug(
        "AuditEntry",
        &serde_json::to_string(&history).unwrap(),
    ));
    governed.delete(&person.id).unwrap();
    let archived = clientele::governance::archived(governed.inner(), &person.id)
        .unwrap()
        .unwrap();
    out.push(debug("ArchivedCustomer", &archived));
    out
}

#[test]
fn no_debug_or_display_shows_a_planted_value() {
    let all = rendered();
    if std::env::var_os("CLIENTELE_SHOW_MASKED").is_some() {
        for (name, text) in &all {
            eprintln!("{name}: {text}");
        }
    }
    for (name, text) in all {
        for secret in SECRETS {
            assert!(!text.contains(secret), "{name} shows `{secret}`:\n{text}");
        }
    }
}

#[test]
fn generated_records_are_masked_like_real_ones() {
    let data = clientele::synth::generate(&clientele::synth::SynthConfig {
        customers: 50,
        ..Default::default()
    })
    .unwrap();
    let text = format!("{data:?}");
    for c in &data.customers {
        for p in &c.phones {
            let digits: String = p.number.chars().filter(char::is_ascii_digit).collect();
            assert!(digits.len() < 9 || !text.contains(&digits), "{}", p.number);
        }
        for e in &c.emails {
            assert!(!text.contains(&e.address), "{}", e.address);
        }
        let name = c.display_name();
        if name.chars().count() >= 3 {
            assert!(!text.contains(&name), "{name}");
        }
    }
}

#[test]
fn declared_custom_fields_are_shown_and_nothing_else_is() {
    let mut c = planted_person("P1");
    c.custom
        .insert("loyalty_points".into(), CustomValue::Integer(4711));
    let strict = format!("{c:?}");
    assert!(!strict.contains("4711"), "{strict}");
    assert!(
        strict.contains("loyalty_points"),
        "field names are shown: {strict}"
    );
    let policy = MaskPolicy::new().non_personal_custom("loyalty_points");
    let shown = format!("{:?}", policy.show(&c));
    assert!(shown.contains("Integer(4711)"), "{shown}");
    for secret in SECRETS {
        assert!(!shown.contains(secret), "`{secret}` in {shown}");
    }
    // Rows and normalized records pass the policy on.
    let row = RowReader::new(&["id", "loyalty_points", "wechat"], &ColumnMap::default())
        .read(2, &["R1", "4711", WECHAT])
        .unwrap();
    let shown = format!("{:?}", policy.show(&row));
    assert!(
        shown.contains("4711") && !shown.contains("wxid_secret"),
        "{shown}"
    );
    let normalized = Normalizer::default().customer(&c, None);
    assert!(format!("{:?}", policy.show(&normalized)).contains("4711"));
    assert!(!format!("{normalized:?}").contains("4711"));
}

#[test]
fn settings_are_shown_so_that_a_typo_can_be_fixed() {
    let e = ColumnMap::parse_all(["surname"]).unwrap_err();
    assert!(e.to_string().contains("`surname`"), "{e}");
    let flag = parse_date("2026-13-01")
        .unwrap_err()
        .for_setting("--as-of", "2026-13-01");
    assert!(flag.to_string().contains("2026-13-01"), "{flag}");
    assert!(matches!(flag, Error::InvalidSetting { .. }));
    // The same text as a record's cell is masked.
    let cell = parse_date("2026-13-01").unwrap_err().to_string();
    assert!(!cell.contains("2026-13-01"), "{cell}");
    // Column names and codes are shown.
    let mut r = RowReader::new(&["id", "country"], &ColumnMap::default());
    let row = r.read(2, &["C1", "China"]).unwrap();
    assert_eq!(row.problems[0].field, "country");
    assert!(!row.problems[0].reason.contains("China"));
}

/// Types that hold no caller value, or hold only values the policy shows (keys, codes,
/// settings), and why.
const ALLOWED: &[(&str, &str)] = &[
    ("AuditOp", "a kind of audited change"),
    ("BackupCounts", "counts of what a backup holds"),
    ("BackupOptions", "settings: frame size and a fixed time"),
    (
        "ScaleOptions",
        "settings: a memory limit, partitions and a spill directory",
    ),
    ("BackupSummary", "counts and a checksum of a backup"),
    ("RestoreOptions", "settings: batch size"),
    ("RestoreSummary", "counts of what a restore wrote"),
    ("ActorSpec", "configuration: a user's role and team names"),
    ("AuditValues", "how the audit keeps values: a setting"),
    (
        "DataPolicy",
        "configuration written by the application: roles, field names, windows, rules",
    ),
    ("RecordClass", "which records a retention rule applies to"),
    ("RetentionAction", "what a retention rule does"),
    (
        "RetentionRule",
        "configuration: a rule's name, days and field names",
    ),
    (
        "RetentionReport",
        "customer ids, field names and counts only",
    ),
    ("RuleOutcome", "customer ids, field names and counts only"),
    ("Access", "a level of access"),
    (
        "AccessPolicy",
        "configuration written by the application: role and field names, scopes",
    ),
    (
        "Role",
        "configuration: a role's name, field names, a scope's tag or region as configured",
    ),
    (
        "Scope",
        "configuration: which records a role sees, no customer value",
    ),
    (
        "Actor",
        "a staff user's name, role and team, not a customer's value",
    ),
    (
        "Key",
        "holds no personal value; its Debug shows nothing (tests/crypto.rs)",
    ),
    (
        "AesGcmCipher",
        "holds a key; its Debug shows only the key id",
    ),
    ("BlindIndex", "holds a key; its Debug shows nothing"),
    (
        "EncryptedStore",
        "a store wrapper; its Debug shows key ids, sealed field names and indexer names",
    ),
    (
        "EncryptionOptions",
        "field names, indexer names and keys (whose Debug shows nothing)",
    ),
    ("BlindKeys", "an indexer: no state"),
    ("Rewritten", "numbers of rewritten records"),
    ("EncryptionDoctests", "a doctest holder"),
    (
        "CustomerId",
        "the caller's key: shown in full by the policy",
    ),
    ("MergeId", "made of a time and a hash of ids: shown in full"),
    ("CountryCode", "a code"),
    ("FieldGroup", "the name of a part of the record"),
    (
        "FieldSpec",
        "a built-in field's declaration: names and classes",
    ),
    ("Cardinality", "one or many"),
    ("AddressPart", "the name of an address column's part"),
    ("AtomicFile", "an output path and its temporary file"),
    ("Column", "the name of an import column"),
    ("Encoding", "a text encoding's name"),
    ("InputFormat", "a file format's name"),
    ("Limits", "sizes"),
    (
        "ReadOptions",
        "column renames, limits, a format, an encoding and a sheet name: no values",
    ),
    ("RepeatedColumns", "how a repeated column name is read"),
    ("RowCounts", "numbers of lines"),
    ("Expected", "a record id and a fingerprint (a hash)"),
    ("FeedEntry", "a feed position and a key (ids)"),
    (
        "FeedItem",
        "a feed entry and a record whose own Debug masks it",
    ),
    ("FeedKey", "a customer or merge id"),
    ("Fingerprint", "a hash of a record"),
    ("KeyIndexers", "the names of key indexers"),
    ("SqliteOptions", "sizes and flags of a store"),
    ("SqliteStore", "a database path and pool"),
    ("StoreDoctests", "a doctest holder"),
    ("CsvRows", "no Debug or Display (a reader of rows)"),
    ("RecordWriter", "no Debug or Display (a writer of rows)"),
    ("ValueType", "the name of a value type"),
    ("CurrencyCode", "a code"),
    ("CustomerKind", "a kind"),
    ("ConsentStatus", "a status"),
    ("Money", "an amount and a currency"),
    ("MaskPolicy", "custom field names, a setting"),
    ("Sensitivity", "a class"),
    ("FieldKind", "a kind"),
    ("Stage", "normalization and lifecycle stages"),
    ("RuleInfo", "a rule's name and description"),
    ("Normalizer", "rules (settings)"),
    ("PhoneKind", "a kind"),
    ("PhoneError", "a reason"),
    ("PhoneFormat", "a display format choice"),
    ("EmailError", "a reason"),
    ("Severity", "a level"),
    ("IssueCode", "a code (caller-defined codes are settings)"),
    ("Field", "a field name"),
    ("Requirement", "fields and a code (settings)"),
    ("Validator", "settings; Debug counts the caller's rules"),
    ("ValueKind", "a kind"),
    ("BlockingRule", "a rule name"),
    (
        "Blocking",
        "configuration: rule names and field names composed",
    ),
    ("BuiltIn", "a comparison name"),
    (
        "Comparison",
        "configuration: a comparison's field name and levels",
    ),
    (
        "DedupeConfig",
        "configuration written by the application: comparisons and blocking rules",
    ),
    ("Evidence", "a comparison's evidence role"),
    (
        "FieldComparison",
        "configuration: a field name, levels and thresholds",
    ),
    ("Level", "a comparison level's kind and threshold"),
    ("Progress", "a stage and counts"),
    ("Evaluation", "figures"),
    (
        "Deduplicator",
        "settings; Debug counts the caller's key functions",
    ),
    ("FieldRule", "a rule (settings)"),
    ("SurvivorRule", "a rule (settings: source names)"),
    ("OnSurvivorChange", "a choice"),
    ("AuditAction", "an action"),
    ("Merger", "rules and settings"),
    ("ContactKeys", "no fields"),
    (
        "Failure",
        "the conformance suite's messages about its own fixed records",
    ),
    // `store::conformance::Report` (a count) shares the name: `report::Report` is swept.
    ("Segment", "a segment definition (settings)"),
    ("Rule", "a segment rule (settings)"),
    ("TextField", "a field name"),
    ("TextTest", "a segment test (settings)"),
    ("ValueTest", "a segment test (settings)"),
    ("DateField", "a field name"),
    ("DateWindow", "a window (settings)"),
    ("Measure", "a measure"),
    ("Cmp", "a comparison (settings)"),
    (
        "CompiledSegment",
        "a compiled segment definition (settings)",
    ),
    ("ScoringConfig", "settings"),
    ("StageWindows", "settings"),
    ("Tier", "settings"),
    ("TierConfig", "settings"),
    ("RfmValues", "figures"),
    ("RfmScore", "scores"),
    ("RfmRule", "settings"),
    ("RfmTable", "settings"),
    ("BgNbd", "model parameters"),
    ("GammaGamma", "model parameters"),
    ("TimeUnit", "a unit"),
    ("SynthConfig", "settings"),
    ("Corruptions", "settings"),
    ("Population", "settings"),
    ("ReadmeDoctests", "doc tests only"),
    ("NormalizationDoctests", "doc tests only"),
    ("DedupeDoctests", "doc tests only"),
    ("MergeDoctests", "doc tests only"),
    ("ImportDoctests", "doc tests only"),
    ("Counts", "numbers of rows"),
    ("OnMatch", "a policy's name"),
    ("Policy", "thresholds and switches"),
    ("LifecycleDoctests", "doc tests only"),
    ("SegmentsDoctests", "doc tests only"),
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names of every `pub struct` and `pub enum` under `src/` (macro templates aside).
fn public_types() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut names = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read file");
        for line in text.lines() {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("pub struct ")
                .or_else(|| line.strip_prefix("pub enum "));
            if let Some(rest) = rest {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                    .collect();
                if !name.is_empty() && !name.starts_with('$') {
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn every_public_type_is_swept_or_allowed() {
    let swept: BTreeSet<&str> = rendered().iter().map(|(n, _)| *n).collect();
    let allowed: BTreeSet<&str> = ALLOWED.iter().map(|(n, _)| *n).collect();
    let overlap: Vec<&&str> = swept.intersection(&allowed).collect();
    assert!(overlap.is_empty(), "swept and allowed: {overlap:?}");
    let public = public_types();
    assert!(public.contains("Customer") && public.contains("MergeRecord"));
    let missing: Vec<&String> = public
        .iter()
        .filter(|n| !swept.contains(n.as_str()) && !allowed.contains(n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "public types neither swept in tests/masking.rs nor allowed there (with a reason): {missing:?}"
    );
    // Entries for types that no longer exist are dropped too.
    let stale: Vec<&&str> = swept
        .iter()
        .chain(allowed.iter())
        .filter(|n| !public.contains(**n) && !["CountryCode", "CurrencyCode"].contains(*n))
        .collect();
    assert!(stale.is_empty(), "no such public type: {stale:?}");
}
