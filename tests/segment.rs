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
    Transaction::new(
        id(customer),
        days_ago(days),
        Money {
            minor_units,
            currency,
        },
    )
}

fn contact(customer: &str, days: i64, kind: InteractionKind) -> Interaction {
    Interaction::new(id(customer), days_ago(days), kind)
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
    let birthday_soon = Rule::Date {
        field: DateField::Birth,
        window: DateWindow::AnniversaryWithinDays(7),
    };
    assert_eq!(select(birthday_soon, &c, &t, &i), ["A"]);
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
    let store = MemoryStore::new();
    for x in &c {
        store.put(x.clone()).unwrap();
    }
    clientele::privacy::erase_customer(&store, &id("A"), days_ago(1)).unwrap();
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
    let store = MemoryStore::new();
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

// ---------------------------------------------------------------------------------------------
// Tiers

#[test]
fn tiers_go_to_the_first_tier_whose_thresholds_are_met_over_the_window() {
    let tiers = TierConfig::default();
    let name = |txs: &[Transaction]| {
        let s = ActivitySummary::new(txs, [], as_of());
        tiers.assign(&s, &cny()).map(|t| t.name.clone())
    };
    let big: Vec<Transaction> = (0..5).map(|d| buy("X", d * 10, 300_000)).collect();
    assert_eq!(name(&big).as_deref(), Some("vip"));
    // Big spend but too few purchases is regular; the same purchases over a year ago count
    // for nothing.
    assert_eq!(name(&big[..2]).as_deref(), Some("regular"));
    let old: Vec<Transaction> = (0..5).map(|d| buy("X", 400 + d, 300_000)).collect();
    assert_eq!(name(&old).as_deref(), Some("potential"));
    assert_eq!(name(&[]).as_deref(), Some("potential"));

    // Caller-named tiers, first match wins even when a later tier is stricter.
    let custom = TierConfig {
        window_days: 30,
        tiers: vec![
            Tier::new("gold").min_spend(100_000),
            Tier::new("platinum").min_spend(1_000_000),
        ],
    };
    assert_eq!(
        custom.tier_for(5_000_000, 0).map(|t| t.name.as_str()),
        Some("gold")
    );
    // No catch-all: no tier.
    assert_eq!(custom.tier_for(10, 9), None);
}

// ---------------------------------------------------------------------------------------------
// RFM

#[test]
fn quintiles_give_ties_the_score_of_their_first_position() {
    assert_eq!(
        quintile_scores(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    );
    // Three 5s straddle the 2nd/3rd quintile boundary: all take the score of the first.
    assert_eq!(
        quintile_scores(&[5, 1, 5, 9, 5, 2, 8, 7, 10, 6]),
        [2, 1, 2, 5, 2, 1, 4, 4, 5, 3]
    );
    assert_eq!(quintile_scores(&[3, 3, 3, 3]), [1, 1, 1, 1]);
    assert_eq!(quintile_scores(&[42]), [1]);
    assert_eq!(quintile_scores(&[i64::MIN, i64::MAX]), [1, 3]);
}

#[test]
fn rfm_scores_recency_inverted_and_buyers_only() {
    // Ten buyers: buyer k bought k times, last k days ago, k * 100 each; and one lead.
    let mut customers: Vec<Customer> = (1..=10).map(|k| person(&format!("K{k:02}"))).collect();
    customers.push(person("LEAD"));
    let mut txs = Vec::new();
    for k in 1..=10i64 {
        for j in 0..k {
            txs.push(buy(&format!("K{k:02}"), k + 30 * j, 100 * k));
        }
    }
    let scores = score_records(&customers, &txs, &[], &ScoringConfig::default(), as_of());
    let get = |i: &str| scores.iter().find(|s| s.id.as_str() == i).unwrap();
    let k1 = get("K01");
    assert_eq!((k1.r, k1.f, k1.m), (Some(5), Some(1), Some(1)));
    assert_eq!(k1.rfm_segment.as_deref(), Some("New"));
    let k10 = get("K10");
    assert_eq!((k10.r, k10.f, k10.m), (Some(1), Some(5), Some(5)));
    assert_eq!(k10.rfm_segment.as_deref(), Some("Can't Lose Them"));
    let k5 = get("K05");
    // Five of ten bought longer ago than K05: 1 + 5 * 5 / 10 = 3.
    assert_eq!((k5.r, k5.f, k5.m), (Some(3), Some(3), Some(3)));
    assert_eq!(k5.rfm_segment.as_deref(), Some("Need Attention"));
    let k4 = get("K04");
    assert_eq!((k4.r, k4.f, k4.m), (Some(4), Some(2), Some(2)));
    assert_eq!(k4.rfm_segment.as_deref(), Some("Potential Loyalist"));
    let lead = get("LEAD");
    assert_eq!(
        (lead.r, lead.f, lead.m, lead.rfm_segment.as_deref()),
        (None, None, None, None)
    );
    assert_eq!(lead.stage, Stage::Lead);
}

#[test]
fn the_default_rfm_table_names_every_score_and_has_the_eleven_segments() {
    let table = RfmTable::default();
    let mut seen = std::collections::BTreeSet::new();
    for r in 1..=5 {
        for f in 1..=5 {
            for m in 1..=5 {
                let name = table.segment_of(RfmScore { r, f, m });
                seen.insert(name.expect("every score has a segment").to_owned());
            }
        }
    }
    let expected = [
        "About to Sleep",
        "At Risk",
        "Can't Lose Them",
        "Champions",
        "Hibernating",
        "Lost",
        "Loyal",
        "Need Attention",
        "New",
        "Potential Loyalist",
        "Promising",
    ];
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), expected);
    let s = |r, f| table.segment_of(RfmScore { r, f, m: 3 });
    assert_eq!(s(5, 5), Some("Champions"));
    assert_eq!(s(4, 4), Some("Loyal"));
    assert_eq!(s(4, 1), Some("Promising"));
    assert_eq!(s(3, 3), Some("Need Attention"));
    assert_eq!(s(3, 2), Some("About to Sleep"));
    assert_eq!(s(2, 4), Some("At Risk"));
    assert_eq!(s(1, 1), Some("Lost"));
    assert_eq!(s(2, 2), Some("Hibernating"));
}

#[test]
fn a_custom_rfm_table_round_trips_and_first_rule_wins() {
    let json = r#"{"rules": [
        {"name": "whales", "r": [1, 5], "f": [1, 5], "m": [5, 5]},
        {"name": "others", "r": [1, 5], "f": [1, 5], "m": [1, 5]}
    ]}"#;
    let table: RfmTable = serde_json::from_str(json).unwrap();
    assert_eq!(
        table.segment_of(RfmScore { r: 1, f: 1, m: 5 }),
        Some("whales")
    );
    assert_eq!(
        table.segment_of(RfmScore { r: 5, f: 5, m: 4 }),
        Some("others")
    );
    let back: RfmTable = serde_json::from_str(&serde_json::to_string(&table).unwrap()).unwrap();
    assert_eq!(back, table);
    let empty = RfmTable { rules: vec![] };
    assert_eq!(empty.segment_of(RfmScore { r: 5, f: 5, m: 5 }), None);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle stages and follow-ups

fn stage_at(purchase_days: &[i64], day: i64) -> (Stage, i64) {
    // Purchases on the given days after a start; the stage on `day`, and since which day.
    let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let txs: Vec<Transaction> = purchase_days
        .iter()
        .map(|d| {
            let mut t = buy("X", 0, 100);
            t.at = start + Duration::days(*d);
            t
        })
        .collect();
    let s = ActivitySummary::new(&txs, [], start + Duration::days(day));
    let (stage, since) = StageWindows::default().stage(&s, start - Duration::days(10));
    (stage, (since - start).num_days())
}

#[test]
fn stages_move_through_new_active_at_risk_churned_and_reactivated() {
    // Default windows: new 30, at risk after 90, churned after 180, reactivated 30.
    assert_eq!(stage_at(&[], 5), (Stage::Lead, -10));
    assert_eq!(stage_at(&[0], 0), (Stage::New, 0));
    assert_eq!(stage_at(&[0], 30), (Stage::New, 0));
    assert_eq!(stage_at(&[0, 20], 31), (Stage::Active, 30));
    assert_eq!(stage_at(&[0, 20], 110), (Stage::Active, 30));
    assert_eq!(stage_at(&[0, 20], 111), (Stage::AtRisk, 110));
    assert_eq!(stage_at(&[0, 20], 201), (Stage::Churned, 200));
    // Back after 150 days (at risk, not churned): active from that purchase.
    assert_eq!(stage_at(&[0, 20, 170], 175), (Stage::Active, 170));
    // Back after 300 days: reactivated from that purchase, for 30 days, then active.
    assert_eq!(stage_at(&[0, 20, 320], 320), (Stage::Reactivated, 320));
    assert_eq!(stage_at(&[0, 20, 320, 330], 345), (Stage::Reactivated, 320));
    assert_eq!(stage_at(&[0, 20, 320, 330], 351), (Stage::Active, 350));
    // Reactivated, then lapsing again.
    assert_eq!(stage_at(&[0, 320], 420), (Stage::AtRisk, 410));
    // A purchase after the date does not count yet.
    assert_eq!(stage_at(&[0, 320], 250), (Stage::Churned, 180));
    // Refunds are not purchases.
    let start = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
    let mut refund = buy("X", 0, -500);
    refund.at = start;
    let s = ActivitySummary::new([&refund], [], start + Duration::days(1));
    assert_eq!(StageWindows::default().stage(&s, start).0, Stage::Lead);
}

#[test]
fn scores_carry_stage_and_stage_since() {
    let customers = vec![person("R")];
    let txs = vec![buy("R", 400, 1_000), buy("R", 10, 1_000)];
    let scores = score_records(&customers, &txs, &[], &ScoringConfig::default(), as_of());
    assert_eq!(scores[0].stage, Stage::Reactivated);
    assert_eq!(scores[0].stage_since, days_ago(10));
    assert_eq!(scores[0].recency_days, Some(10));
}

#[test]
fn follow_ups_list_customers_past_their_tiers_interval() {
    // V is vip (30 days), last contacted 45 days ago: due. W is vip, contacted 10 days ago.
    // P is potential (180 days), contacted 100 days ago: not due. Q is potential, never
    // contacted, created 1000 days ago: due. E is erased: never due.
    let customers: Vec<Customer> = ["E", "P", "Q", "V", "W"]
        .iter()
        .map(|i| person(i))
        .collect();
    let mut customers = customers;
    customers[0].custom.insert(
        clientele::privacy::ERASED_AT_FIELD.into(),
        CustomValue::Timestamp(days_ago(1)),
    );
    let vip_spend =
        |c: &str| -> Vec<Transaction> { (0..5).map(|d| buy(c, d + 1, 300_000)).collect() };
    let txs: Vec<Transaction> = vip_spend("V").into_iter().chain(vip_spend("W")).collect();
    let ints = vec![
        contact("V", 45, InteractionKind::Call),
        contact("W", 10, InteractionKind::Visit),
        contact("P", 100, InteractionKind::Message),
    ];
    let scores = score_records(&customers, &txs, &ints, &ScoringConfig::default(), as_of());
    let tiers: Vec<Option<&str>> = scores.iter().map(|s| s.tier.as_deref()).collect();
    assert_eq!(
        tiers,
        [
            Some("potential"),
            Some("potential"),
            Some("potential"),
            Some("vip"),
            Some("vip")
        ]
    );
    let due: Vec<&str> = follow_ups(&scores).iter().map(|s| s.id.as_str()).collect();
    assert_eq!(due, ["Q", "V"]);
}

// ---------------------------------------------------------------------------------------------
// Scoring entry points, currencies, CSV cells

#[test]
fn spend_is_summed_in_one_currency_and_others_are_counted() {
    let jpy = CurrencyCode::new("JPY").unwrap();
    let customers = vec![person("A"), person("B")];
    let txs = vec![
        buy("A", 5, 10_000),
        buy("A", 6, -2_000),
        buy_in("A", 7, 500_000, jpy),
        buy("B", 8, 1_000),
    ];
    // Default: the main currency (CNY, three transactions to one).
    let scores = score_records(&customers, &txs, &[], &ScoringConfig::default(), as_of());
    let a = &scores[0];
    assert_eq!(
        (a.total_spend, a.currency, a.other_currency_transactions),
        (8_000, Some(cny()), 1)
    );
    assert_eq!(
        a.purchases, 2,
        "a yen purchase is still a purchase, a refund is not"
    );
    // Configured: yen.
    let config = ScoringConfig {
        currency: Some(jpy),
        ..ScoringConfig::default()
    };
    let scores = score_records(&customers, &txs, &[], &config, as_of());
    assert_eq!(
        (scores[0].total_spend, scores[0].other_currency_transactions),
        (500_000, 2)
    );
    assert_eq!(
        (scores[1].total_spend, scores[1].other_currency_transactions),
        (0, 1)
    );
}

#[test]
fn score_store_equals_score_records() {
    let (c, (t, i)) = (shop(), shop_activity());
    let mut customers = c.clone();
    customers.extend((0..30).map(|k| person(&format!("P{k:02}"))));
    let mut txs = t.clone();
    for k in 0..30i64 {
        for j in 0..(k % 7) {
            txs.push(buy(&format!("P{k:02}"), 3 * k + 50 * j, 1_000 + 37 * k));
        }
    }
    let store = store_of(&customers, &txs, &i);
    let config = ScoringConfig::default();
    let from_store = score_store(&store, &config, as_of()).unwrap();
    // Records given out of order: the result is sorted by id all the same.
    customers.reverse();
    let from_records = score_records(&customers, &txs, &i, &config, as_of());
    assert_eq!(from_store, from_records);
    assert_eq!(from_store.len(), 33);
    assert!(from_store.windows(2).all(|w| w[0].id < w[1].id));
}

#[test]
fn cells_follow_the_columns() {
    let customers = vec![person("A")];
    let txs = vec![buy("A", 3, 1_000)];
    let scores = score_records(&customers, &txs, &[], &ScoringConfig::default(), as_of());
    let cells = scores[0].cells();
    assert_eq!(cells.len(), CustomerScore::COLUMNS.len());
    assert_eq!(
        &CustomerScore::COLUMNS[..7],
        ["id", "r", "f", "m", "rfm_segment", "tier", "stage"]
    );
    assert_eq!(
        &cells[..7],
        ["A", "1", "1", "1", "Lost", "potential", "new"]
    );
    let col = |name: &str| {
        let i = CustomerScore::COLUMNS
            .iter()
            .position(|c| *c == name)
            .unwrap();
        cells[i].clone()
    };
    assert_eq!(col("stage_since"), "2024-06-27T12:00:00Z");
    assert_eq!(col("total_spend_minor"), "1000");
    assert_eq!(col("currency"), "CNY");
    assert_eq!(col("last_interaction"), "");
}

// ---------------------------------------------------------------------------------------------
// Properties

fn population() -> impl Strategy<Value = (Vec<Customer>, Vec<Transaction>, Vec<Interaction>)> {
    let tx = (
        0usize..12,
        0i64..800,
        -2_000i64..50_000,
        prop::bool::weighted(0.1),
    );
    let int = (0usize..12, 0i64..800, prop::bool::ANY);
    (
        1usize..12,
        prop::collection::vec(tx, 0..60),
        prop::collection::vec(int, 0..30),
    )
        .prop_map(|(n, txs, ints)| {
            let name = |k: usize| format!("C{:02}", k % n);
            let customers = (0..n).map(|k| person(&name(k))).collect();
            let jpy = CurrencyCode::new("JPY").unwrap();
            let txs = txs
                .into_iter()
                .map(|(k, d, v, yen)| {
                    let cur = if yen { jpy } else { cny() };
                    // Coarse amounts and days make ties common.
                    buy_in(&name(k), d / 20 * 20, v / 1000 * 1000, cur)
                })
                .collect();
            let ints = ints
                .into_iter()
                .map(|(k, d, complaint)| {
                    let kind = if complaint {
                        InteractionKind::Complaint
                    } else {
                        InteractionKind::Call
                    };
                    contact(&name(k), d, kind)
                })
                .collect();
            (customers, txs, ints)
        })
}

fn shuffled<T: Clone>(v: &[T], seed: u64) -> Vec<T> {
    // A deterministic Fisher-Yates driven by SplitMix64.
    let mut out = v.to_vec();
    let mut x = seed;
    for i in (1..out.len()).rev() {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        out.swap(i, (z % (i as u64 + 1)) as usize);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn scores_do_not_depend_on_record_order((c, t, i) in population(), seed in any::<u64>()) {
        let config = ScoringConfig::default();
        let a = score_records(&c, &t, &i, &config, as_of());
        let b = score_records(&shuffled(&c, seed), &shuffled(&t, seed ^ 1), &shuffled(&i, seed ^ 2), &config, as_of());
        prop_assert_eq!(a, b);
    }

    #[test]
    fn rfm_scores_are_within_one_to_five_exactly_for_buyers((c, t, i) in population()) {
        for s in score_records(&c, &t, &i, &ScoringConfig::default(), as_of()) {
            let buyer = s.purchases > 0;
            for v in [s.r, s.f, s.m] {
                prop_assert_eq!(v.is_some(), buyer);
                prop_assert!(v.is_none_or(|v| (1..=5).contains(&v)));
            }
            prop_assert_eq!(s.rfm_segment.is_some(), buyer);
        }
    }

    #[test]
    fn quintiles_are_in_range_monotone_and_tie_consistent(values in prop::collection::vec(-50i64..50, 0..80)) {
        let scores = quintile_scores(&values);
        for (a, sa) in values.iter().zip(&scores) {
            prop_assert!((1..=5).contains(sa));
            for (b, sb) in values.iter().zip(&scores) {
                if a == b { prop_assert_eq!(sa, sb); }
                if a < b { prop_assert!(sa <= sb); }
            }
        }
    }

    #[test]
    fn parallel_segment_evaluation_equals_sequential((c, t, i) in population(), min in 0u32..4, days in 0u32..400) {
        let rule = Rule::Any(vec![
            Rule::Activity { measure: Measure::Purchases { within_days: Some(days) }, cmp: Cmp::Ge(f64::from(min)) },
            Rule::All(vec![
                Rule::Activity { measure: Measure::Complaints { within_days: days }, cmp: Cmp::Ge(1.0) },
                Rule::Not(Box::new(Rule::Text { field: TextField::Id, test: TextTest::Regex("[02468]$".into()) })),
            ]),
        ]);
        let segment = Segment::new("p", rule).compile().unwrap();
        let parallel = segment.select(&c, &t, &i, as_of());
        let sequential: Vec<CustomerId> = c
            .iter()
            .filter(|x| {
                let mine_t = t.iter().filter(|t| t.customer == x.id);
                let mine_i = i.iter().filter(|i| i.customer == x.id);
                segment.matches(x, &ActivitySummary::new(mine_t, mine_i, as_of()))
            })
            .map(|x| x.id.clone())
            .collect();
        prop_assert_eq!(&parallel, &sequential);
        let store = store_of(&c, &t, &i);
        prop_assert_eq!(segment.select_store(&store, as_of(), 3).unwrap(), sequential);
    }
}

#[test]
fn huge_purchases_and_their_refunds_sum_to_exactly_zero() {
    // 1,150 purchases and 1,150 refunds of ±89,999,999,999,999.99 (in fen): an i64 running
    // sum saturates after about a thousand of them; the sum must still come out at 0.
    let big = 8_999_999_999_999_999i64;
    let mut txs = Vec::new();
    for k in 0..1_150 {
        txs.push(buy("C1", 10 + k % 300, big));
    }
    for k in 0..1_150 {
        txs.push(buy("C1", 5 + k % 300, -big));
    }
    let s = ActivitySummary::new(&txs, [], as_of());
    assert_eq!(s.spend(&cny(), None), 0);
    let purchases_only = ActivitySummary::new(&txs[..1_150], [], as_of());
    assert_eq!(purchases_only.spend(&cny(), None), 1_150 * i128::from(big));
    let scores = score_records(
        &[person("C1")],
        &txs,
        &[],
        &ScoringConfig::default(),
        as_of(),
    );
    assert_eq!(scores[0].total_spend, 0);
}

#[test]
fn a_field_rule_tests_any_field_of_the_field_model_built_in_or_custom() {
    let mut a = person("A");
    a.custom
        .insert("loyalty_points".into(), CustomValue::Integer(1_500));
    a.industry = Some("制造业".into());
    let mut b = person("B");
    b.custom
        .insert("loyalty_points".into(), CustomValue::Integer(20));
    b.addresses.push(Address {
        locality: Some("北京".into()),
        ..Address::default()
    });
    let rule: Rule = serde_json::from_str(
        r#"{"field": {"field": "loyalty_points", "test": {"number": {"ge": 1000}}}}"#,
    )
    .unwrap();
    assert_eq!(select(rule, &[a.clone(), b.clone()], &[], &[]), ["A"]);
    let rule: Rule = serde_json::from_str(
        r#"{"any": [{"field": {"field": "locality", "test": {"text": {"eq": "北京"}}}},
                    {"field": {"field": "industry", "test": "present"}}]}"#,
    )
    .unwrap();
    assert_eq!(select(rule, &[a, b], &[], &[]), ["A", "B"]);
}
