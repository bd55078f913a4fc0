//! Reports: KPIs equal to hand-computed values on a small fixture, the store path equal to the
//! slice path, the scorecard and its change, the follow-up list and its CSV, invariants by
//! property tests, and (when `../shared/data` is present) the repeat-purchase rate and cohort
//! counts of CDNOW against an independent computation written here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clientele::dedupe::Cluster;
use clientele::model::{
    ConsentPurpose, ConsentStatus, CurrencyCode, Field, Interaction, InteractionKind, Money,
    Transaction,
};
use clientele::report::{
    FollowUp, FollowUpReason, Kpis, QualityConfig, ReportConfig, follow_ups, follow_ups_csv,
    follow_ups_store, kpis, kpis_store, scorecard, scorecard_store,
};
use clientele::segment::Stage;
use clientele::store::{Change, CustomerStore, MemoryStore};
use clientele::validate::{IssueCode, Validator};
use clientele::{Customer, CustomerId, CustomerKind};
use proptest::prelude::*;

fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn id(s: &str) -> CustomerId {
    CustomerId::new(s).unwrap()
}

fn tx(who: &str, at: DateTime<Utc>, minor: i64, code: &str) -> Transaction {
    Transaction::new(
        id(who),
        at,
        Money {
            minor_units: minor,
            currency: CurrencyCode::new(code).unwrap(),
        },
    )
}

fn talk(who: &str, at: DateTime<Utc>, kind: InteractionKind, rating: Option<u8>) -> Interaction {
    let mut talk = Interaction::new(id(who), at, kind);
    talk.rating = rating;
    talk
}

fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 30, 12, 0, 0).unwrap()
}

/// Five customers whose figures are worked out by hand in the tests below.
///
/// - A: bought 2024-01-10 (100.00), 03-05 (50.00), 06-20 (150.00), refunded 06-21 (20.00); rated
///   5 on 06-22. Stage active (the June purchase came 107 days after March: a new active phase).
/// - B: bought once, 2023-09-15 (80.00); churned 180 days later, 2024-03-13; never contacted.
/// - C: created 2024-05-01, first purchase 2024-06-05 (40.00): new.
/// - D: a lead; a call on 06-01, feedback rated 4 (04-10) and 2 (05-01), and feedback unrated.
/// - E: bought once in USD, 2024-04-01 (10.00): at risk since 06-30 00:00; never contacted.
fn fixture() -> (Vec<Customer>, Vec<Transaction>, Vec<Interaction>) {
    let person = |s: &str, created| {
        Customer::builder(id(s), CustomerKind::Person)
            .created_at(created)
            .build()
    };
    let customers = vec![
        person("A", t(2023, 1, 1)),
        person("B", t(2023, 6, 1)),
        person("C", t(2024, 5, 1)),
        person("D", t(2024, 2, 1)),
        person("E", t(2023, 1, 1)),
    ];
    let transactions = vec![
        tx("A", t(2024, 1, 10), 10_000, "CNY"),
        tx("A", t(2024, 3, 5), 5_000, "CNY"),
        tx("A", t(2024, 6, 20), 15_000, "CNY"),
        tx("A", t(2024, 6, 21), -2_000, "CNY"),
        tx("B", t(2023, 9, 15), 8_000, "CNY"),
        tx("C", t(2024, 6, 5), 4_000, "CNY"),
        tx("E", t(2024, 4, 1), 1_000, "USD"),
        // After the date: ignored.
        tx("C", t(2024, 7, 2), 99_900, "CNY"),
    ];
    let interactions = vec![
        talk("A", t(2024, 6, 22), InteractionKind::Feedback, Some(5)),
        talk("D", t(2024, 4, 10), InteractionKind::Feedback, Some(4)),
        talk("D", t(2024, 5, 1), InteractionKind::Feedback, Some(2)),
        talk("D", t(2024, 5, 2), InteractionKind::Feedback, None),
        talk("D", t(2024, 6, 1), InteractionKind::Call, Some(1)), // a call's rating is no feedback
        talk("A", t(2024, 7, 1), InteractionKind::Feedback, Some(1)), // after the date
    ];
    (customers, transactions, interactions)
}

fn config() -> ReportConfig {
    let mut c = ReportConfig::default();
    // Three buyers in CNY are too few for the lifecycle models to say anything reliable: keep
    // the follow-up list to the rules that do not need them.
    c.follow_up.p_alive_below = 0.0;
    c
}

fn fixture_kpis() -> Kpis {
    let (c, tx, i) = fixture();
    kpis(&c, &tx, &i, &config(), as_of())
}

fn count(groups: &[clientele::report::GroupKpis], name: &str) -> usize {
    groups
        .iter()
        .find(|g| g.name == name)
        .map_or(usize::MAX, |g| g.customers)
}

#[test]
fn headline_kpis_equal_the_hand_computed_values() {
    let k = fixture_kpis();
    assert_eq!(
        k.currency.map(|c| c.as_str().to_owned()).as_deref(),
        Some("CNY")
    );
    assert_eq!((k.customers, k.buyers, k.repeat_buyers), (5, 4, 1));
    assert_eq!(k.repeat_purchase_rate, Some(0.25));
    assert_eq!(k.purchases, 6);
    assert_eq!(k.revenue, 400.0); // 100 + 50 + 150 - 20 + 80 + 40
    assert_eq!(k.average_order_value, Some(84.0)); // 420 / 5 purchases in CNY
    assert_eq!(k.purchase_frequency, Some(1.5)); // 6 purchases / 4 buyers
    assert_eq!(k.satisfaction.ratings, 3);
    assert!((k.satisfaction.mean.unwrap() - 11.0 / 3.0).abs() < 1e-12);
    assert!((k.satisfaction.satisfied_share.unwrap() - 2.0 / 3.0).abs() < 1e-12);
}

#[test]
fn stages_tiers_segments_and_the_rfm_grid_are_counted_per_customer() {
    let k = fixture_kpis();
    let stages: Vec<(&str, usize)> = k
        .by_stage
        .iter()
        .map(|g| (g.name.as_str(), g.customers))
        .collect();
    assert_eq!(
        stages,
        [
            ("lead", 1),
            ("new", 1),
            ("active", 1),
            ("reactivated", 0),
            ("at_risk", 1),
            ("churned", 1)
        ]
    );
    let revenue_of = |name: &str| k.by_stage.iter().find(|g| g.name == name).unwrap().revenue;
    assert_eq!(
        (
            revenue_of("active"),
            revenue_of("churned"),
            revenue_of("at_risk")
        ),
        (280.0, 80.0, 0.0)
    );
    assert_eq!(
        (
            count(&k.by_tier, "vip"),
            count(&k.by_tier, "regular"),
            count(&k.by_tier, "potential")
        ),
        (0, 1, 4)
    );
    // Recency days A 10, B 289, C 25, E 90; frequency A 3, others 1 (quintiles of 4 values).
    assert_eq!(count(&k.by_segment, "Loyal"), 1); // A: r 4, f 4
    assert_eq!(count(&k.by_segment, "Lost"), 1); // B: r 1, f 1
    assert_eq!(count(&k.by_segment, "About to Sleep"), 1); // C: r 3, f 1
    assert_eq!(count(&k.by_segment, "Hibernating"), 1); // E: r 2, f 1
    let cell = |r: u8, f: u8| {
        k.rfm_grid
            .iter()
            .find(|c| c.r == r && c.f == f)
            .unwrap()
            .customers
    };
    assert_eq!(
        (cell(4, 4), cell(1, 1), cell(3, 1), cell(2, 1)),
        (1, 1, 1, 1)
    );
    assert_eq!(k.rfm_grid.iter().map(|c| c.customers).sum::<usize>(), 4);
    assert_eq!(k.rfm_grid.len(), 25);
}

#[test]
fn the_series_counts_new_active_and_churned_customers_per_month() {
    let k = fixture_kpis();
    assert_eq!(k.series.len(), 12);
    let month = |label: &str| k.series.iter().find(|p| p.span.label == label).unwrap();
    let june = month("2024-06");
    assert!(june.span.partial);
    assert_eq!(
        (
            june.new_customers,
            june.active_customers,
            june.churned_customers
        ),
        (1, 2, 0)
    );
    // Live just before 1 June: A (last bought 87 days before) and E (bought in April).
    assert_eq!((june.live_at_start, june.churn_rate), (2, Some(0.0)));
    assert_eq!(june.revenue, 170.0); // 150 - 20 + 40
    assert_eq!((june.purchases, june.average_order_value), (2, Some(95.0)));
    assert_eq!(june.purchase_frequency, Some(1.0));
    assert_eq!(june.satisfaction.mean, Some(5.0));
    let march = month("2024-03");
    // B turned churned on 13 March; live at the start: A and B.
    assert_eq!((march.churned_customers, march.live_at_start), (1, 2));
    assert_eq!(
        (march.churn_rate, march.retention_rate),
        (Some(0.5), Some(0.5))
    );
    assert_eq!((march.active_customers, march.new_customers), (1, 0));
    let stage_at = |p: &clientele::report::PeriodKpis, s: &str| {
        p.stages.iter().find(|c| c.name == s).unwrap().customers
    };
    // End of March: A active, B churned, D a lead (created in February), C and E not yet
    // created or buying: leads too (a record counts as a lead until it buys).
    assert_eq!(stage_at(march, "churned"), 1);
    assert_eq!(stage_at(march, "active"), 1);
    assert_eq!(stage_at(march, "lead"), 3);
    let september = month("2023-09");
    assert_eq!(
        (september.new_customers, stage_at(september, "new")),
        (1, 1)
    );
    for p in &k.series {
        assert_eq!(
            p.stages.iter().map(|c| c.customers).sum::<usize>(),
            5,
            "{}",
            p.span.label
        );
    }
    assert_eq!(
        k.current_period().map(|p| p.span.label.as_str()),
        Some("2024-06")
    );
}

#[test]
fn cohorts_are_the_months_of_first_purchase() {
    let k = fixture_kpis();
    assert_eq!(k.cohorts.len(), 12);
    assert_eq!(k.cohorts[0].label, "2023-07");
    let cohort = |label: &str| k.cohorts.iter().find(|c| c.label == label).unwrap();
    assert_eq!(
        (cohort("2023-09").size, cohort("2023-09").active[0]),
        (1, 1)
    );
    let january = cohort("2024-01");
    assert_eq!(january.size, 1);
    assert_eq!(january.active, [1, 0, 1, 0, 0, 1]); // January, March, June
    assert_eq!(january.retention[2], Some(1.0));
    assert_eq!(cohort("2024-04").active, [1, 0, 0]);
    assert_eq!(cohort("2024-06").active, [1]);
    assert_eq!(cohort("2024-02").retention, [None; 5]);
    assert_eq!(k.cohorts.iter().map(|c| c.size).sum::<usize>(), 4);
}

#[test]
fn the_follow_up_list_names_owner_reasons_due_dates_and_value_at_risk() {
    let (mut c, tx, i) = fixture();
    c[1].owner = Some("wang.fang".into());
    let list = follow_ups(&c, &tx, &i, &config(), as_of());
    let ids: Vec<&str> = list.iter().map(|f| f.id.as_str()).collect();
    // B: potential tier, never contacted, created 2023-06-01: due 180 days later; 80.00 spent in
    // the last 365 days. E: potential tier, due since 2023-06-30, and at risk; nothing in CNY.
    assert_eq!(ids, ["B", "E"]);
    let (b, e) = (&list[0], &list[1]);
    assert_eq!(b.owner.as_deref(), Some("wang.fang"));
    assert_eq!(b.reasons, [FollowUpReason::TierInterval]);
    assert_eq!(b.due, t(2023, 6, 1) + Duration::days(180));
    assert_eq!((b.stage, b.value_at_risk), (Stage::Churned, 80.0));
    assert_eq!(
        e.reasons,
        [FollowUpReason::TierInterval, FollowUpReason::LapsedStage]
    );
    assert_eq!(e.due, t(2023, 1, 1) + Duration::days(180));
    assert_eq!(e.owner, None);

    // CSV: the header and one row per customer, read back by a CSV reader.
    let text = follow_ups_csv(&list);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        FollowUp::COLUMNS
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][1], "wang.fang");
    assert_eq!(&rows[1][4], "tier_interval;lapsed_stage");
    assert_eq!(&rows[0][8], "80.00");
}

#[test]
fn a_low_probability_alive_puts_a_live_customer_on_the_list() {
    let (c, tx, i) = fixture();
    let mut config = config();
    config.follow_up.p_alive_below = 1.01; // everyone the model scores
    config.follow_up.lapsed_stages.clear();
    let list = follow_ups(&c, &tx, &i, &config, as_of());
    let k = kpis(&c, &tx, &i, &config, as_of());
    for f in &list {
        let model_says = f.reasons.contains(&FollowUpReason::LowPAlive);
        assert_eq!(
            model_says,
            f.p_alive.is_some() && f.stage != Stage::Churned,
            "{}",
            f.id
        );
    }
    if k.models.bgnbd.is_some() {
        assert!(
            list.iter()
                .any(|f| f.reasons.contains(&FollowUpReason::LowPAlive))
        );
    }
}

fn store_of(c: &[Customer], tx: &[Transaction], i: &[Interaction]) -> MemoryStore {
    let store = MemoryStore::new();
    let mut changes: Vec<Change> = c.iter().cloned().map(Change::Put).collect();
    changes.extend(tx.iter().cloned().map(Change::AddTransaction));
    changes.extend(i.iter().cloned().map(Change::AddInteraction));
    store.apply(changes).unwrap();
    store
}

#[test]
fn a_store_gives_the_same_report_as_slices() {
    let (c, tx, i) = fixture();
    let store = store_of(&c, &tx, &i);
    let config = config();
    assert_eq!(
        kpis_store(&store, &config, as_of()).unwrap(),
        kpis(&c, &tx, &i, &config, as_of())
    );
    assert_eq!(
        follow_ups_store(&store, &config, as_of()).unwrap(),
        follow_ups(&c, &tx, &i, &config, as_of())
    );
    let v = Validator::new().as_of(as_of().date_naive());
    let q = QualityConfig::default();
    assert_eq!(
        scorecard_store(&store, &v, None, &q, as_of()).unwrap(),
        scorecard(&c, &v, None, &q, as_of())
    );
}

#[test]
fn weekly_and_quarterly_series_cover_the_same_activity() {
    let (c, tx, i) = fixture();
    for period in [
        clientele::report::Period::Week,
        clientele::report::Period::Quarter,
    ] {
        let config = ReportConfig {
            period,
            periods: 200,
            ..config()
        };
        let k = kpis(&c, &tx, &i, &config, as_of());
        // Every purchase up to the date falls in one period of a long enough series.
        assert_eq!(
            k.series.iter().map(|p| p.purchases).sum::<usize>(),
            6,
            "{period:?}"
        );
        assert_eq!(k.series.iter().map(|p| p.new_customers).sum::<usize>(), 4);
        assert_eq!(k.series.iter().map(|p| p.revenue).sum::<f64>(), 400.0);
        assert_eq!(
            k.series.iter().map(|p| p.churned_customers).sum::<usize>(),
            1
        );
    }
}

fn reviewed() -> Vec<Customer> {
    let now = as_of();
    let verified = |mut c: Customer| {
        for p in &mut c.phones {
            p.verified_at = Some(now - Duration::days(30));
        }
        c
    };
    vec![
        // Complete, valid, recently updated and verified, contactable.
        verified(
            Customer::builder(id("P1"), CustomerKind::Person)
                .full_name("王芳")
                .phone("+86 138 0013 5678")
                .consent(
                    ConsentPurpose::Marketing,
                    ConsentStatus::Given,
                    now - Duration::days(5),
                    "web",
                )
                .updated_at(now - Duration::days(10))
                .build(),
        ),
        // No contact at all (invalid), never updated, consent withdrawn.
        Customer::builder(id("P2"), CustomerKind::Person)
            .full_name("Ann Lee")
            .consent(
                ConsentPurpose::Marketing,
                ConsentStatus::Given,
                now - Duration::days(50),
                "web",
            )
            .consent(
                ConsentPurpose::Marketing,
                ConsentStatus::Withdrawn,
                now - Duration::days(3),
                "call",
            )
            .build(),
        // A bad email, updated recently but the email never verified.
        Customer::builder(id("P3"), CustomerKind::Person)
            .full_name("Bo")
            .email("bo.example.com")
            .updated_at(now - Duration::days(1))
            .build(),
        // A company with a name and a custom field.
        Customer::builder(id("K1"), CustomerKind::Company)
            .company_name("星辰科技有限公司")
            .custom("loyalty_points", clientele::model::CustomValue::Integer(10))
            .updated_at(now)
            .build(),
    ]
}

#[test]
fn the_scorecard_equals_the_hand_computed_figures() {
    let customers = reviewed();
    let v = Validator::new().as_of(as_of().date_naive());
    let clusters = vec![
        Cluster {
            cluster_id: "K1".into(),
            members: vec![id("K1")],
        },
        Cluster {
            cluster_id: "P1".into(),
            members: vec![id("P1"), id("P2"), id("P3")],
        },
    ];
    let card = scorecard(
        &customers,
        &v,
        Some(&clusters),
        &QualityConfig::default(),
        as_of(),
    );
    assert_eq!(card.records, 4);
    let field = |f: Field| {
        card.completeness
            .iter()
            .find(|c| c.field == f)
            .unwrap()
            .clone()
    };
    let full_name = field(Field::FullName);
    assert_eq!(
        (full_name.filled, full_name.applicable, full_name.rate),
        (3, 3, Some(1.0))
    );
    let company = field(Field::CompanyName);
    assert_eq!((company.filled, company.applicable), (1, 1));
    assert_eq!(
        (field(Field::Phone).filled, field(Field::Phone).applicable),
        (1, 4)
    );
    assert_eq!(field(Field::Email).rate, Some(0.25));
    let custom = field(Field::Custom("loyalty_points".into()));
    assert_eq!((custom.filled, custom.applicable), (1, 4));

    assert_eq!(
        (card.validity.valid_records, card.validity.valid_rate),
        (2, Some(0.5))
    );
    let code = |c: IssueCode| {
        card.validity
            .codes
            .iter()
            .find(|x| x.code == c)
            .unwrap()
            .clone()
    };
    assert_eq!(code(IssueCode::RequiredMissingContact).records, 1);
    assert_eq!(code(IssueCode::EmailMissingAt).validity_rate, Some(0.75));

    let d = card.duplicates.unwrap();
    assert_eq!(
        (
            d.clusters,
            d.records_in_clusters,
            d.absorbed,
            d.duplicate_rate
        ),
        (1, 3, 2, Some(0.5))
    );

    let s = card.staleness;
    assert_eq!(s.not_updated, 1); // P2, never updated
    assert_eq!((s.contacts, s.contacts_unverified), (2, 1)); // P1's phone verified, P3's email not
    assert_eq!((s.records_with_unverified_contact, s.stale_records), (1, 2));
    assert_eq!(s.stale_rate, Some(0.5));

    let consent = card.consent;
    assert_eq!(
        (consent.contactable, consent.withdrawn, consent.never_asked),
        (1, 1, 2)
    );
    assert_eq!(consent.contactable_rate, Some(0.25));
}

#[test]
fn the_change_between_two_scorecards_shows_what_the_review_fixed() {
    let v = Validator::new().as_of(as_of().date_naive());
    let q = QualityConfig::default();
    let before = scorecard(&reviewed(), &v, None, &q, as_of() - Duration::days(7));
    let mut fixed = reviewed();
    fixed[2].emails[0].address = "bo@example.com".into();
    let after = scorecard(&fixed, &v, None, &q, as_of());
    let change = after.change_since(&before);
    assert_eq!(change.records, 0);
    let valid = change
        .headline
        .iter()
        .find(|c| c.name == "valid_rate")
        .unwrap();
    assert_eq!((valid.before, valid.after), (Some(0.5), Some(0.75)));
    let email = change
        .validity
        .iter()
        .find(|c| c.name == "validity.email.missing_at")
        .unwrap();
    assert_eq!((email.before, email.after), (Some(0.75), None));
    let dup = change
        .headline
        .iter()
        .find(|c| c.name == "duplicate_rate")
        .unwrap();
    assert_eq!((dup.before, dup.change), (None, None));
}

// ---------------------------------------------------------------------------------------------
// Invariants.

fn arb_population() -> impl Strategy<Value = (Vec<Customer>, Vec<Transaction>, Vec<Interaction>)> {
    let customer = (0i64..900, any::<bool>());
    let txn = (0usize..12, 0i64..900, -5_000i64..50_000, any::<bool>());
    let rated = (0usize..12, 0i64..900, 0u8..=6);
    (
        proptest::collection::vec(customer, 1..12),
        proptest::collection::vec(txn, 0..60),
        proptest::collection::vec(rated, 0..10),
    )
        .prop_map(|(cs, ts, rs)| {
            let start = t(2022, 1, 1);
            let n = cs.len();
            let customers: Vec<Customer> = cs
                .iter()
                .enumerate()
                .map(|(k, (created, company))| {
                    let kind = if *company {
                        CustomerKind::Company
                    } else {
                        CustomerKind::Person
                    };
                    Customer::builder(id(&format!("C{k:02}")), kind)
                        .created_at(start + Duration::days(*created))
                        .build()
                })
                .collect();
            let transactions = ts
                .iter()
                .map(|(who, day, minor, usd)| {
                    let code = if *usd { "USD" } else { "CNY" };
                    tx(
                        &format!("C{:02}", who % n),
                        start + Duration::days(*day),
                        *minor,
                        code,
                    )
                })
                .collect();
            let interactions = rs
                .iter()
                .map(|(who, day, r)| {
                    let at = start + Duration::days(*day);
                    talk(
                        &format!("C{:02}", who % n),
                        at,
                        InteractionKind::Feedback,
                        Some(*r),
                    )
                })
                .collect();
            (customers, transactions, interactions)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn counts_add_up_and_rates_stay_within_bounds((c, tx, i) in arb_population()) {
        let as_of = t(2024, 6, 30);
        let config = ReportConfig { periods: 30, cohorts: 30, ..ReportConfig::default() };
        let k = kpis(&c, &tx, &i, &config, as_of);
        prop_assert_eq!(k.by_stage.iter().map(|g| g.customers).sum::<usize>(), c.len());
        prop_assert!(k.repeat_buyers <= k.buyers && k.buyers <= k.customers);
        prop_assert_eq!(k.rfm_grid.iter().map(|g| g.customers).sum::<usize>(), k.buyers);
        for p in &k.series {
            prop_assert_eq!(p.stages.iter().map(|s| s.customers).sum::<usize>(), c.len());
            prop_assert!(p.churned_customers <= p.live_at_start);
            prop_assert!(p.new_customers <= p.active_customers);
            prop_assert!(p.churn_rate.is_none_or(|r| (0.0..=1.0).contains(&r)));
        }
        for cohort in &k.cohorts {
            prop_assert_eq!(cohort.active.first().copied().unwrap_or(0), cohort.size);
            prop_assert!(cohort.active.iter().all(|a| *a <= cohort.size));
        }
        let buyers: BTreeSet<&CustomerId> = tx.iter().filter(|t| t.at <= as_of && t.amount.minor_units > 0).map(|t| &t.customer).collect();
        prop_assert_eq!(k.buyers, buyers.len());
        // The order of the inputs changes nothing.
        let (mut rc, mut rt) = (c.clone(), tx.clone());
        rc.reverse();
        rt.reverse();
        prop_assert_eq!(kpis(&rc, &rt, &i, &config, as_of), k);
    }
}

// ---------------------------------------------------------------------------------------------
// CDNOW.

fn cdnow_log() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cdnow/CDNOW_sample.txt");
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

#[test]
fn cdnow_repeat_purchase_rate_and_cohorts_equal_an_independent_count() {
    let Some(path) = cdnow_log() else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    // The independent computation: straight from the text, per customer the purchase days
    // (rows with a positive dollar value) as (year, month) and a count.
    let mut rows: BTreeMap<u32, Vec<(NaiveDate, f64)>> = BTreeMap::new();
    let usd = CurrencyCode::new("USD").unwrap();
    let mut transactions = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        let who: u32 = f[1].parse().unwrap();
        let date = NaiveDate::parse_from_str(f[2], "%Y%m%d").unwrap();
        let dollars: f64 = f[4].parse().unwrap();
        rows.entry(who).or_default().push((date, dollars));
        transactions.push(Transaction::new(
            id(&who.to_string()),
            date.and_hms_opt(0, 0, 0).unwrap().and_utc(),
            Money {
                minor_units: (dollars * 100.0).round() as i64,
                currency: usd,
            },
        ));
    }
    let buys: BTreeMap<u32, Vec<NaiveDate>> = rows
        .iter()
        .map(|(k, v)| {
            (
                *k,
                v.iter()
                    .filter(|(_, d)| *d > 0.0)
                    .map(|(t, _)| *t)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let buyers = buys.len();
    let repeat = buys.values().filter(|v| v.len() >= 2).count();
    let month = |d: &NaiveDate| d.format("%Y-%m").to_string();
    let mut cohort_size: BTreeMap<String, usize> = BTreeMap::new();
    let mut cohort_active: BTreeMap<(String, String), usize> = BTreeMap::new();
    for days in buys.values() {
        let first = month(days.iter().min().unwrap());
        *cohort_size.entry(first.clone()).or_default() += 1;
        let months: BTreeSet<String> = days.iter().map(month).collect();
        for m in months {
            *cohort_active.entry((first.clone(), m)).or_default() += 1;
        }
    }

    let customers: Vec<Customer> = rows
        .keys()
        .map(|k| Customer::builder(id(&k.to_string()), CustomerKind::Person).build())
        .collect();
    let config = ReportConfig {
        cohorts: 18,
        ..ReportConfig::default()
    };
    let as_of = Utc.with_ymd_and_hms(1998, 6, 30, 23, 59, 59).unwrap();
    let k = kpis(&customers, &transactions, &[], &config, as_of);

    assert_eq!(k.customers, 2357);
    assert_eq!((k.buyers, k.repeat_buyers), (buyers, repeat));
    assert_eq!(k.repeat_purchase_rate, Some(repeat as f64 / buyers as f64));
    eprintln!(
        "CDNOW: {buyers} buyers, {repeat} repeat buyers ({:.4})",
        repeat as f64 / buyers as f64
    );
    assert_eq!(k.cohorts.first().map(|c| c.label.as_str()), Some("1997-01"));
    for c in &k.cohorts {
        assert_eq!(
            c.size,
            cohort_size.get(&c.label).copied().unwrap_or(0),
            "cohort {}",
            c.label
        );
        for (offset, active) in c.active.iter().enumerate() {
            let m = clientele_month(c.month, offset);
            let want = cohort_active
                .get(&(c.label.clone(), m.clone()))
                .copied()
                .unwrap_or(0);
            assert_eq!(*active, want, "cohort {} in {m}", c.label);
        }
    }
    // Every CDNOW customer's first purchase is in the first quarter of 1997.
    let sizes: Vec<usize> = k.cohorts.iter().map(|c| c.size).collect();
    assert_eq!(sizes.iter().sum::<usize>(), buyers);
    assert!(sizes[3..].iter().all(|s| *s == 0));
}

/// `YYYY-MM` of the month `offset` months after `first`.
fn clientele_month(first: NaiveDate, offset: usize) -> String {
    let index = first.format("%Y").to_string().parse::<usize>().unwrap() * 12
        + first.format("%m").to_string().parse::<usize>().unwrap()
        - 1
        + offset;
    format!("{}-{:02}", index / 12, index % 12 + 1)
}

#[test]
fn a_configuration_asking_for_too_many_periods_gets_the_most_allowed() {
    let (c, tx, i) = fixture();
    let many = ReportConfig {
        periods: usize::MAX,
        cohorts: usize::MAX,
        ..config()
    };
    let k = kpis(&c, &tx, &i, &many, as_of());
    assert_eq!(k.series.len(), clientele::report::MAX_PERIODS);
    assert_eq!(k.cohorts.len(), clientele::report::MAX_PERIODS);
    let zero = ReportConfig {
        periods: 0,
        cohorts: 0,
        ..config()
    };
    let k = kpis(&c, &tx, &i, &zero, as_of());
    assert_eq!((k.series.len(), k.cohorts.len()), (1, 1));
}
