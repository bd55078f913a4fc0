//! Segmentation: rule segments, tiers, RFM, lifecycle stages, follow-ups and scoring.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clientele::model::{
    Address, ConsentPurpose, ConsentStatus, CountryCode, CurrencyCode, CustomValue, Interaction,
    InteractionKind, Money, Transaction,
};
use clientele::segment::{
    ActivitySummary, Cmp, CustomerScore, DateField, DateWindow, Measure, RfmScore, RfmTable, Rule,
    ScoringConfig, Segment, Stage, StageWindows, TextField, TextTest, Tier, TierConfig, ValueTest,
    follow_ups, quintile_scores, score_records, score_store,
};
use clientele::store::{Change, CustomerStore, MemoryStore};
use clientele::{Customer, CustomerId, CustomerKind, Error};
use proptest::prelude::*;

fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 30, 12, 0, 0).unwrap()
}

fn days_ago(d: i64) -> DateTime<Utc> {
    as_of() - Duration::days(d)
}

fn id(s: &str) -> CustomerId {
    CustomerId::new(s).unwrap()
}

fn cny() -> CurrencyCode {
    CurrencyCode::new("CNY").unwrap()
}

fn person(i: &str) -> Customer {
    Customer::builder(id(i), CustomerKind::Person)
        .created_at(days_ago(1000))
        .build()
}

fn buy(customer: &str, days: i64, minor_units: i64) -> Transaction {
    buy_in(customer, days, minor_units, cny())
}

fn buy_in(customer: &str, days: i64, minor_units: i64, currency: CurrencyCode) -> Transaction {
    Transaction {
        customer: id(customer),
        at: days_ago(days),
        amount: Money {
            minor_units,
            currency,
        },
        channel: None,
        reference: None,
    }
}

fn contact(customer: &str, days: i64, kind: InteractionKind) -> Interaction {
    Interaction {
        customer: id(customer),
        at: days_ago(days),
        kind,
        note: None,
    }
}

fn select(
    rule: Rule,
    customers: &[Customer],
    txs: &[Transaction],
    ints: &[Interaction],
) -> Vec<String> {
    Segment::new("test", rule)
        .compile()
        .unwrap()
        .select(customers, txs, ints, as_of())
        .into_iter()
        .map(|i| i.to_string())
        .collect()
}

fn tag(t: &str) -> Rule {
    Rule::Tag(TextTest::Eq(t.into()))
}

// ---------------------------------------------------------------------------------------------
// Rule segments

fn shop() -> Vec<Customer> {
    let addr = |city: &str, country: &str| Address {
        locality: Some(city.into()),
        country: Some(CountryCode::new(country).unwrap()),
        ..Address::default()
    };
    vec![
        Customer::builder(id("A"), CustomerKind::Person)
            .full_name("张伟")
            .tag("vip")
            .tag("wine")
            .address(addr("上海", "CN"))
            .birth_date(NaiveDate::from_ymd_opt(1990, 7, 1).unwrap())
            .custom("loyalty_points", CustomValue::Integer(1200))
            .custom(
                "member_since",
                CustomValue::Date(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()),
            )
            .source("pos")
            .created_at(days_ago(400))
            .consent(
                ConsentPurpose::Marketing,
                ConsentStatus::Given,
                days_ago(300),
                "web",
            )
            .build(),
        Customer::builder(id("B"), CustomerKind::Company)
            .company_name("北京星辰科技有限公司")
            .tag("wholesale")
            .address(addr("北京", "CN"))
            .custom("segment_code", CustomValue::Text("B2B-north".into()))
            .custom("newsletter", CustomValue::Bool(true))
            .source("crm")
            .created_at(days_ago(20))
            .build(),
        Customer::builder(id("C"), CustomerKind::Person)
            .full_name("Anna Müller")
            .tag("VIP")
            .address(addr("Berlin", "DE"))
            .birth_date(NaiveDate::from_ymd_opt(1960, 1, 15).unwrap())
            .custom("loyalty_points", CustomValue::Float(99.5))
            .source("webshop")
            .created_at(days_ago(5))
            .consent(
                ConsentPurpose::Marketing,
                ConsentStatus::Given,
                days_ago(300),
                "web",
            )
            .consent(
                ConsentPurpose::Marketing,
                ConsentStatus::Withdrawn,
                days_ago(10),
                "call",
            )
            .build(),
    ]
}

fn shop_activity() -> (Vec<Transaction>, Vec<Interaction>) {
    let txs = vec![
        buy("A", 5, 120_000),
        buy("A", 40, 80_000),
        buy("A", 400, 10_000),
        buy("B", 200, 500_000),
        buy("C", 2, 1_000),
        buy("C", -3, 9_999_999), // after as_of: ignored
    ];
    let ints = vec![
        contact("A", 3, InteractionKind::Complaint),
        contact("A", 100, InteractionKind::Complaint),
        contact("B", 60, InteractionKind::Call),
        contact("C", 1, InteractionKind::Complaint),
        contact("C", 4, InteractionKind::Complaint),
    ];
    (txs, ints)
}

#[test]
fn tags_match_case_insensitively_and_by_set_and_regex() {
    let (c, (t, i)) = (shop(), shop_activity());
    assert_eq!(select(tag("vip"), &c, &t, &i), ["A", "C"]);
    let set = Rule::Tag(TextTest::In(["wholesale".into(), "wine".into()].into()));
    assert_eq!(select(set, &c, &t, &i), ["A", "B"]);
    let re = Rule::Tag(TextTest::Regex("^whole".into()));
    assert_eq!(select(re, &c, &t, &i), ["B"]);
}

#[test]
fn logic_combines_kind_text_fields_and_negation() {
    let (c, (t, i)) = (shop(), shop_activity());
    let chinese_persons = Rule::All(vec![
        Rule::Kind(CustomerKind::Person),
        Rule::Text {
            field: TextField::Country,
            test: TextTest::Eq("cn".into()),
        },
    ]);
    assert_eq!(select(chinese_persons, &c, &t, &i), ["A"]);
    let not_pos = Rule::Not(Box::new(Rule::Text {
        field: TextField::Source,
        test: TextTest::Eq("POS".into()),
    }));
    assert_eq!(select(not_pos, &c, &t, &i), ["B", "C"]);
    let cities = Rule::Any(vec![
        Rule::Text {
            field: TextField::Locality,
            test: TextTest::In(["北京".into(), "berlin".into()].into()),
        },
        Rule::Text {
            field: TextField::Name,
            test: TextTest::Regex("^张".into()),
        },
    ]);
    assert_eq!(select(cities, &c, &t, &i), ["A", "B", "C"]);
    assert_eq!(select(Rule::Any(vec![]), &c, &t, &i), Vec::<String>::new());
    assert_eq!(select(Rule::All(vec![]), &c, &t, &i), ["A", "B", "C"]);
}

#[test]
fn custom_fields_are_tested_by_type() {
    let (c, (t, i)) = (shop(), shop_activity());
    let points = |cmp| Rule::Custom {
        field: "loyalty_points".into(),
        test: ValueTest::Number(cmp),
    };
    assert_eq!(select(points(Cmp::Ge(1000.0)), &c, &t, &i), ["A"]);
    assert_eq!(select(points(Cmp::Between(50.0, 100.0)), &c, &t, &i), ["C"]);
    let present = Rule::Custom {
        field: "loyalty_points".into(),
        test: ValueTest::Present,
    };
    assert_eq!(select(present, &c, &t, &i), ["A", "C"]);
    let code = Rule::Custom {
        field: "segment_code".into(),
        test: ValueTest::Text(TextTest::Regex("(?i)north$".into())),
    };
    assert_eq!(select(code, &c, &t, &i), ["B"]);
    let flag = Rule::Custom {
        field: "newsletter".into(),
        test: ValueTest::Bool(true),
    };
    assert_eq!(select(flag, &c, &t, &i), ["B"]);
    let since = Rule::Custom {
        field: "member_since".into(),
        test: ValueTest::Date(DateWindow::Between {
            from: None,
            to: NaiveDate::from_ymd_opt(2020, 12, 31),
        }),
    };
    assert_eq!(select(since, &c, &t, &i), ["A"]);
    // A number test on a text field is false, not an error.
    let wrong_type = Rule::Custom {
        field: "segment_code".into(),
        test: ValueTest::Number(Cmp::Ge(0.0)),
    };
    assert!(select(wrong_type, &c, &t, &i).is_empty());
}

#[test]
fn date_windows_cover_creation_age_and_absent_dates() {
    let (c, (t, i)) = (shop(), shop_activity());
    let created = |window| Rule::Date {
        field: DateField::Created,
        window,
    };
    assert_eq!(
        select(created(DateWindow::LastDays(30)), &c, &t, &i),
        ["B", "C"]
    );
    assert_eq!(
        select(created(DateWindow::OlderThanDays(30)), &c, &t, &i),
        ["A"]
    );
    // As of 2024-06-30, A (born 1990-07-01) is 33, C (1960-01-15) is 64; B has no birth date.
    let age = |min, max| Rule::Date {
        field: DateField::Birth,
        window: DateWindow::Years { min, max },
    };
    assert_eq!(select(age(Some(33), Some(33)), &c, &t, &i), ["A"]);
    assert_eq!(select(age(Some(34), None), &c, &t, &i), ["C"]);
    let no_birth = Rule::Not(Box::new(age(None, None)));
    assert_eq!(select(no_birth, &c, &t, &i), ["B"]);
}

#[test]
fn activity_aggregates_are_measured_as_of_the_date() {
    let (c, (t, i)) = (shop(), shop_activity());
    let act = |measure, cmp| Rule::Activity { measure, cmp };
    let all = Measure::Purchases { within_days: None };
    assert_eq!(select(act(all, Cmp::Ge(3.0)), &c, &t, &i), ["A"]);
    let recent = Measure::Purchases {
        within_days: Some(30),
    };
    assert_eq!(select(act(recent, Cmp::Eq(1.0)), &c, &t, &i), ["A", "C"]);
    let spend_year = Measure::Spend {
        currency: cny(),
        within_days: Some(365),
    };
    // A: 1,200 + 800 yuan in the year (the 100 yuan of 400 days ago is outside); C's big
    // purchase is after the date.
    assert_eq!(
        select(act(spend_year.clone(), Cmp::Eq(200_000.0)), &c, &t, &i),
        ["A"]
    );
    assert_eq!(select(act(spend_year, Cmp::Lt(2_000.0)), &c, &t, &i), ["C"]);
    assert_eq!(
        select(
            act(Measure::DaysSinceLastPurchase, Cmp::Gt(100.0)),
            &c,
            &t,
            &i
        ),
        ["B"]
    );
    assert_eq!(
        select(
            act(Measure::DaysSinceLastInteraction, Cmp::Le(3.0)),
            &c,
            &t,
            &i
        ),
        ["A", "C"]
    );
    let complaints = Measure::Complaints { within_days: 7 };
    assert_eq!(select(act(complaints, Cmp::Ge(2.0)), &c, &t, &i), ["C"]);
    let complaints = Measure::Complaints { within_days: 365 };
    assert_eq!(
        select(act(complaints, Cmp::Ge(2.0)), &c, &t, &i),
        ["A", "C"]
    );
}

#[test]
fn consent_rule_and_marketing_flag_exclude_withdrawn_and_erased_customers() {
    let (mut c, (t, i)) = (shop(), shop_activity());
    let consent = Rule::Consent(ConsentPurpose::Marketing);
    assert_eq!(select(consent, &c, &t, &i), ["A"]);
    let vip = Segment::new("vip", tag("vip"));
    assert_eq!(vip.compile().unwrap().select(&c, &t, &i, as_of()).len(), 2);
    let mailing = vip.for_marketing().compile().unwrap();
    assert_eq!(mailing.select(&c, &t, &i, as_of()), vec![id("A")]);
    // As of before C withdrew, C was reachable.
    assert_eq!(
        mailing.select(&c, &t, &i, days_ago(20)),
        vec![id("A"), id("C")]
    );
    // An erased record is never in a marketing segment, whatever its consent history says.
    let mut store = MemoryStore::new();
    for x in &c {
        store.put(x.clone()).unwrap();
    }
    clientele::privacy::erase_customer(&mut store, &id("A"), days_ago(1)).unwrap();
    c[0] = store.get(&id("A")).unwrap().unwrap();
    let everyone = Segment::new("all", Rule::All(vec![]))
        .for_marketing()
        .compile()
        .unwrap();
    assert!(everyone.select(&c, &t, &i, as_of()).is_empty());
}

#[test]
fn segments_round_trip_through_serde() {
    let segment = Segment::new(
        "everything",
        Rule::All(vec![
            Rule::Any(vec![tag("vip"), Rule::Kind(CustomerKind::Company)]),
            Rule::Not(Box::new(Rule::Text {
                field: TextField::Region,
                test: TextTest::Present,
            })),
            Rule::Custom {
                field: "points".into(),
                test: ValueTest::Number(Cmp::Between(1.0, 2.5)),
            },
            Rule::Date {
                field: DateField::Birth,
                window: DateWindow::Between {
                    from: NaiveDate::from_ymd_opt(1980, 1, 1),
                    to: None,
                },
            },
            Rule::Consent(ConsentPurpose::Other("survey".into())),
            Rule::Activity {
                measure: Measure::Spend {
                    currency: cny(),
                    within_days: Some(90),
                },
                cmp: Cmp::Ne(0.0),
            },
            Rule::Activity {
                measure: Measure::DaysSinceLastActivity,
                cmp: Cmp::Lt(30.0),
            },
        ]),
    )
    .for_marketing();
    let json = serde_json::to_string(&segment).unwrap();
    let back: Segment = serde_json::from_str(&json).unwrap();
    assert_eq!(back, segment);
    // And the JSON is readable by hand.
    assert!(json.contains(r#"{"tag":{"eq":"vip"}}"#), "{json}");
    assert!(json.contains(r#""marketing":true"#), "{json}");
}

#[test]
fn a_bad_regex_is_a_typed_error_at_compile_time() {
    let bad = Segment::new(
        "bad",
        Rule::All(vec![Rule::Text {
            field: TextField::Name,
            test: TextTest::Regex("[unclosed".into()),
        }]),
    );
    match bad.compile() {
        Err(Error::InvalidRegex { segment, reason }) => {
            assert_eq!(segment, "bad");
            assert!(!reason.is_empty());
        }
        other => panic!("expected InvalidRegex, got {other:?}"),
    }
}

#[test]
fn overly_deep_rules_are_refused_not_overflowed() {
    let mut rule = tag("x");
    for _ in 0..100_000 {
        rule = Rule::Not(Box::new(rule));
    }
    let segment = Segment::new("deep", rule);
    assert!(matches!(
        segment.compile(),
        Err(Error::InvalidSegment { .. })
    ));
    // Dropping a deep tree is the caller's business; leak it so the test does not recurse.
    std::mem::forget(segment);
}

#[test]
fn store_evaluation_equals_slice_evaluation() {
    let (c, (t, i)) = (shop(), shop_activity());
    let store = store_of(&c, &t, &i);
    let rule = Rule::Any(vec![
        tag("wholesale"),
        Rule::Activity {
            measure: Measure::Complaints { within_days: 30 },
            cmp: Cmp::Ge(1.0),
        },
    ]);
    let segment = Segment::new("s", rule).compile().unwrap();
    for batch in [1, 2, 100] {
        assert_eq!(
            segment.select_store(&store, as_of(), batch).unwrap(),
            segment.select(&c, &t, &i, as_of())
        );
    }
}

fn store_of(c: &[Customer], t: &[Transaction], i: &[Interaction]) -> MemoryStore {
    let mut store = MemoryStore::new();
    let mut changes: Vec<Change> = c.iter().cloned().map(Change::Put).collect();
    changes.extend(
        t.iter()
            .filter(|t| c.iter().any(|c| c.id == t.customer))
            .cloned()
            .map(Change::AddTransaction),
    );
    changes.extend(
        i.iter()
            .filter(|i| c.iter().any(|c| c.id == i.customer))
            .cloned()
            .map(Change::AddInteraction),
    );
    store.apply(changes).unwrap();
    store
}
