//! Lifecycle models: the published CDNOW results, summaries of a real log, properties of the
//! BG/NBD model and typed errors.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use clientele::lifecycle::{BgNbd, CustomerSummary, GammaGamma, TimeUnit, summarize};
use clientele::model::{CurrencyCode, Money, Transaction};
use clientele::{CustomerId, Error};
use proptest::prelude::*;

/// The CDNOW files, or `None` (with a message) where the shared data is not on this machine.
fn cdnow(file: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/cdnow")
        .join(file);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipped: {} is absent", path.display());
        None
    }
}

/// `CDNOW_sample.txt`: master id, sample id (1..2357), yyyymmdd, CDs, dollars.
fn read_cdnow_log(path: &Path) -> Vec<Transaction> {
    let text = std::fs::read_to_string(path).unwrap();
    let usd = CurrencyCode::new("USD").unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let id: u32 = f[1].parse().unwrap();
            let date = NaiveDate::parse_from_str(f[2], "%Y%m%d").unwrap();
            let dollars: f64 = f[4].parse().unwrap();
            Transaction::new(
                CustomerId::new(id.to_string()).unwrap(),
                Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap()),
                Money {
                    minor_units: (dollars * 100.0).round() as i64,
                    currency: usd,
                },
            )
        })
        .collect()
}

/// Rows of a CDNOW summary CSV, by id: the named columns, as numbers.
fn read_csv(path: &Path, columns: &[&str]) -> BTreeMap<String, Vec<f64>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    let header = rdr.headers().unwrap().clone();
    let at: Vec<usize> = columns
        .iter()
        .map(|c| header.iter().position(|h| h == *c).unwrap())
        .collect();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            let values = at.iter().map(|&i| r[i].parse().unwrap()).collect();
            (r[0].to_owned(), values)
        })
        .collect()
}

fn summaries_from(rows: &BTreeMap<String, Vec<f64>>) -> Vec<CustomerSummary> {
    rows.iter()
        .map(|(id, v)| CustomerSummary {
            customer: CustomerId::new(id).unwrap(),
            frequency: v[0],
            recency: v[1],
            t: v[2],
            monetary: v.get(3).copied().unwrap_or(0.0),
        })
        .collect()
}

fn calibration_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(1997, 9, 30).unwrap()
}

#[test]
fn summary_of_the_cdnow_log_matches_the_published_summary() {
    let (Some(log), Some(published), Some(spend)) = (
        cdnow("CDNOW_sample.txt"),
        cdnow("cdnow_customers_summary.csv"),
        cdnow("cdnow_customers_summary_with_transactions.csv"),
    ) else {
        return;
    };
    let ours = summarize(&read_cdnow_log(&log), calibration_end(), TimeUnit::Week);
    let published = read_csv(&published, &["frequency", "recency", "T"]);
    let spend = read_csv(&spend, &["zbar"]);
    assert_eq!(ours.len(), published.len());
    assert_eq!(ours.len(), 2357);
    for s in &ours {
        let p = &published[s.customer.as_str()];
        assert_eq!(s.frequency, p[0], "{}", s.customer);
        assert!((s.recency - p[1]).abs() <= 0.01, "{}", s.customer);
        assert!((s.t - p[2]).abs() <= 0.01, "{}", s.customer);
        let zbar = spend[s.customer.as_str()][0];
        assert!((s.monetary - zbar).abs() <= 0.01, "{}", s.customer);
    }
    // Sorted by id, as documented.
    assert!(ours.windows(2).all(|w| w[0].customer < w[1].customer));
}

#[test]
fn bgnbd_fit_on_cdnow_reproduces_the_published_estimates() {
    let Some(path) = cdnow("cdnow_customers_summary.csv") else {
        return;
    };
    let customers = summaries_from(&read_csv(&path, &["frequency", "recency", "T"]));
    let m = BgNbd::fit(&customers).unwrap();
    // Fader, Hardie and Lee (2005): r 0.243, alpha 4.414, a 0.793, b 2.426, LL -9582.4.
    for (got, published) in [(m.r, 0.243), (m.alpha, 4.414), (m.a, 0.793), (m.b, 2.426)] {
        assert!(
            (got / published - 1.0).abs() < 0.005,
            "{got} vs {published}: {m:?}"
        );
    }
    assert!((m.log_likelihood + 9582.4).abs() < 0.1, "{m:?}");
    // FHL (2005), figure 5's customer: 2 repeat purchases, the last at 30.43 of 38.86 weeks,
    // expects 1.226 purchases in the next 39 weeks.
    let e = m.conditional_expected_purchases(39.0, 2.0, 30.43, 38.86);
    assert!((e - 1.226).abs() < 0.005, "{e}");
}

#[test]
fn bgnbd_fit_on_our_own_summary_of_cdnow_agrees() {
    let Some(log) = cdnow("CDNOW_sample.txt") else {
        return;
    };
    let ours = summarize(&read_cdnow_log(&log), calibration_end(), TimeUnit::Week);
    let m = BgNbd::fit(&ours).unwrap();
    assert!((m.r / 0.243 - 1.0).abs() < 0.01 && (m.b / 2.426 - 1.0).abs() < 0.01);
    assert!((m.log_likelihood + 9582.4).abs() < 1.0, "{m:?}");
}

#[test]
fn gamma_gamma_fit_on_cdnow_reproduces_the_published_estimates() {
    let Some(path) = cdnow("cdnow_customers_summary_with_transactions.csv") else {
        return;
    };
    let customers = summaries_from(&read_csv(&path, &["x", "t_x", "T", "zbar"]));
    assert_eq!(customers.iter().filter(|c| c.frequency > 0.0).count(), 946);
    let m = GammaGamma::fit(&customers).unwrap();
    // Fader and Hardie (2013): p 6.25, q 3.74, gamma 15.44.
    for (got, published) in [(m.p, 6.25), (m.q, 3.74), (m.gamma, 15.44)] {
        assert!(
            (got / published - 1.0).abs() < 0.01,
            "{got} vs {published}: {m:?}"
        );
    }
}

fn model() -> BgNbd {
    BgNbd {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
        log_likelihood: 0.0,
    }
}

#[test]
fn unconditional_expectation_matches_lifetimes() {
    // FHL (2005) equations 9 and 10 evaluated with mpmath at 30 digits.
    let m = model();
    assert!((m.expected_purchases(39.0) - 1.196_723_193_320_817).abs() < 1e-9);
    assert!((m.expected_purchases(78.0) - 1.860_519_057_942_769).abs() < 1e-9);
    let e = m.conditional_expected_purchases(39.0, 2.0, 30.43, 38.86);
    assert!((e - 1.226_028_174_767_144).abs() < 1e-9);
    assert_eq!(m.expected_purchases(0.0), 0.0);
    let mut last = 0.0;
    for t in [1.0, 5.0, 20.0, 39.0, 78.0, 500.0, 1e5] {
        let e = m.expected_purchases(t);
        assert!(e > last, "grows with t: {t} {e}");
        last = e;
    }
    // A heavy buyer (2,000 purchases in 39 weeks): no overflow in the hypergeometric factors,
    // which FHL's form raises to the power r + x (mpmath on that form: 27.6888254039056).
    let heavy = m.conditional_expected_purchases(1.0, 2000.0, 38.7, 38.86);
    assert!((heavy - 27.688_825_403_905_6).abs() < 1e-8, "{heavy}");
    // Over a year FHL's factors would be about e^±1550, beyond f64.
    let year = m.conditional_expected_purchases(52.0, 2000.0, 38.86, 38.86);
    assert!(
        year.is_finite() && year > 45.0 && year < 52.0 * 2000.0 / 38.86,
        "{year}"
    );
    // Early on, purchases accrue at the mean rate r / alpha (dropout has not yet begun).
    let t = 1e-4;
    assert!((m.expected_purchases(t) / t - 0.243 / 4.414).abs() < 1e-4);
    // A customer with no history beyond a first purchase at time 0 and age 0 expects the same.
    let c = m.conditional_expected_purchases(10.0, 0.0, 0.0, 0.0);
    assert!((c - m.expected_purchases(10.0)).abs() < 1e-9);
}

#[test]
fn clv_adds_discounted_monthly_purchases_times_spend() {
    let (bgnbd, spend) = (
        model(),
        GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        },
    );
    let c = CustomerSummary {
        customer: CustomerId::new("6").unwrap(),
        frequency: 7.0,
        recency: 29.43,
        t: 38.86,
        monetary: 73.74,
    };
    let per_purchase = spend.conditional_expected_spend(7.0, 73.74);
    // Undiscounted, the value is the expected purchases of the whole horizon times the spend.
    let flat = spend.clv(&bgnbd, &c, 12, 0.0, TimeUnit::Week);
    let purchases = bgnbd.conditional_expected_purchases(12.0 * 4.345, 7.0, 29.43, 38.86);
    assert!((flat - purchases * per_purchase).abs() < 1e-9);
    // Discounting lowers it; zero months are worth nothing.
    assert!(spend.clv(&bgnbd, &c, 12, 0.01, TimeUnit::Week) < flat);
    assert_eq!(spend.clv(&bgnbd, &c, 0, 0.01, TimeUnit::Week), 0.0);
    assert!(spend.clv(&bgnbd, &c, 12, f64::NAN, TimeUnit::Week).is_nan());
}

fn summary(frequency: f64, recency: f64, t: f64) -> CustomerSummary {
    CustomerSummary {
        customer: CustomerId::new("C").unwrap(),
        frequency,
        recency,
        t,
        monetary: 10.0,
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    assert!(matches!(BgNbd::fit(&[]), Err(Error::NoData { .. })));
    assert!(matches!(GammaGamma::fit(&[]), Err(Error::NoData { .. })));
    let cases = [
        summary(f64::NAN, 1.0, 2.0),
        summary(1.0, f64::INFINITY, 2.0),
        summary(-1.0, 1.0, 2.0),
        summary(1.0, -1.0, 2.0),
        summary(1.0, 1.0, -2.0),
        summary(1.0, 3.0, 2.0),
        summary(1.5, 1.0, 2.0),
    ];
    for bad in cases {
        let data = vec![summary(1.0, 1.0, 5.0), bad.clone()];
        let err = BgNbd::fit(&data).unwrap_err();
        assert!(
            matches!(err, Error::InvalidSummary { index: 1, .. }),
            "{bad:?}: {err}"
        );
        assert!(matches!(
            GammaGamma::fit(&data),
            Err(Error::InvalidSummary { index: 1, .. })
        ));
    }
    assert!(matches!(
        BgNbd::fit_weighted(&[(1.0, 1.0, 2.0, -1.0)]),
        Err(Error::InvalidSummary { index: 0, .. })
    ));
    assert!(matches!(
        BgNbd::fit_weighted(&[(1.0, 1.0, 2.0, 0.0)]),
        Err(Error::NoData { .. })
    ));
    // A negative spend is refused; repeat purchases that cost nothing are left out of the spend
    // model (alone, they leave nothing to fit), not an error for the whole population.
    let mut negative = summary(2.0, 1.0, 2.0);
    negative.monetary = -5.0;
    assert!(matches!(
        GammaGamma::fit(&[negative]),
        Err(Error::InvalidSummary { index: 0, .. })
    ));
    let mut free = summary(2.0, 1.0, 2.0);
    free.monetary = 0.0;
    assert!(matches!(
        GammaGamma::fit(&[free]),
        Err(Error::NoData { .. })
    ));
    assert!(matches!(
        GammaGamma::fit(&[summary(0.0, 0.0, 3.0)]),
        Err(Error::NoData { .. })
    ));
    // Nobody ever came back: nothing tells purchase rates from dropout.
    let never: Vec<CustomerSummary> = (1..20).map(|t| summary(0.0, 0.0, t as f64)).collect();
    assert!(matches!(BgNbd::fit(&never), Err(Error::NoData { .. })));
    // Scoring functions answer NaN, never panic.
    assert!(model().p_alive(1.0, 3.0, 2.0).is_nan());
    assert!(
        model()
            .conditional_expected_purchases(-1.0, 1.0, 1.0, 2.0)
            .is_nan()
    );
    assert!(model().expected_purchases(f64::NAN).is_nan());
}

/// A history the models can score: whole frequency, recency within T.
fn history() -> impl Strategy<Value = (f64, f64, f64)> {
    (0u32..60, 0.0f64..1.0, 0.0f64..200.0).prop_map(|(x, share, t)| {
        let recency = if x == 0 { 0.0 } else { share * t };
        (f64::from(x), recency, t)
    })
}

fn params() -> impl Strategy<Value = BgNbd> {
    (0.01f64..5.0, 0.1f64..50.0, 0.05f64..5.0, 0.05f64..10.0).prop_map(|(r, alpha, a, b)| BgNbd {
        r,
        alpha,
        a,
        b,
        log_likelihood: 0.0,
    })
}

/// Customers drawn from a BG/NBD model of moderate parameters: times in whole days repeat, as
/// in real logs.
fn simulated() -> impl Strategy<Value = Vec<CustomerSummary>> {
    (
        0.3f64..2.0,
        2.0f64..10.0,
        0.5f64..2.0,
        1.0f64..5.0,
        50usize..300,
        any::<u64>(),
    )
        .prop_map(|(r, alpha, a, b, n, seed)| {
            let m = BgNbd {
                r,
                alpha,
                a,
                b,
                log_likelihood: 0.0,
            };
            m.simulate(n, TimeUnit::Week, (60, 120), seed)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn p_alive_is_a_probability((x, tx, t) in history(), m in params()) {
        let p = m.p_alive(x, tx, t);
        prop_assert!((0.0..=1.0).contains(&p), "{p}");
    }

    #[test]
    fn p_alive_is_one_without_repeat_purchases(t in 0.0f64..500.0, m in params()) {
        prop_assert_eq!(m.p_alive(0.0, 0.0, t), 1.0);
    }

    #[test]
    fn p_alive_falls_as_silence_grows(
        (x, tx, t) in history(),
        more in 0.5f64..100.0,
        m in params(),
    ) {
        prop_assume!(x > 0.0);
        let (now, later) = (m.p_alive(x, tx, t), m.p_alive(x, tx, t + more));
        prop_assert!(later <= now, "{now} -> {later}");
        // Strictly, unless both are already at the floating-point floor.
        prop_assert!(later < now || now < 1e-300 || now == 1.0);
    }

    #[test]
    fn conditional_expectation_is_finite_and_grows_with_the_horizon(
        (x, tx, t) in history(),
        horizon in 0.1f64..100.0,
        m in params(),
    ) {
        let short = m.conditional_expected_purchases(horizon, x, tx, t);
        let long = m.conditional_expected_purchases(2.0 * horizon, x, tx, t);
        prop_assert!(short.is_finite() && short >= 0.0, "{short}");
        prop_assert!(long >= short * (1.0 - 1e-9), "{short} {long}");
    }

    #[test]
    fn weighted_fit_on_unique_histories_equals_fit_on_the_expanded_data(
        expanded in simulated(),
    ) {
        let mut counts: BTreeMap<(u64, u64, u64), f64> = BTreeMap::new();
        for c in &expanded {
            let key = (c.frequency.to_bits(), c.recency.to_bits(), c.t.to_bits());
            *counts.entry(key).or_default() += 1.0;
        }
        prop_assume!(counts.len() < expanded.len());
        let unique: Vec<(f64, f64, f64, f64)> = counts
            .iter()
            .map(|(&(x, tx, t), &w)| (f64::from_bits(x), f64::from_bits(tx), f64::from_bits(t), w))
            .collect();
        match (BgNbd::fit(&expanded), BgNbd::fit_weighted(&unique)) {
            (Ok(a), Ok(b)) => {
                for (u, v) in [(a.r, b.r), (a.alpha, b.alpha), (a.a, b.a), (a.b, b.b)] {
                    prop_assert!((u / v - 1.0).abs() < 1e-9, "{a:?} {b:?}");
                }
                prop_assert!((a.log_likelihood - b.log_likelihood).abs() < 1e-6);
            }
            (Err(a), Err(b)) => prop_assert_eq!(a.to_string(), b.to_string()),
            (a, b) => prop_assert!(false, "one fit failed: {a:?} {b:?}"),
        }
    }
}

#[test]
fn same_day_purchases_are_one_and_later_ones_are_ignored() {
    let usd = CurrencyCode::new("USD").unwrap();
    let tx = |id: &str, y: i32, m: u32, d: u32, h: u32, cents: i64| {
        Transaction::new(
            CustomerId::new(id).unwrap(),
            Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap(),
            Money {
                minor_units: cents,
                currency: usd,
            },
        )
    };
    let log = vec![
        tx("B", 2024, 1, 10, 9, 500),
        tx("A", 2024, 1, 1, 9, 1000),
        tx("A", 2024, 1, 1, 18, 1000), // same day as the first: not a repeat
        tx("A", 2024, 1, 3, 9, 700),
        tx("A", 2024, 1, 3, 20, 300),
        tx("A", 2024, 2, 1, 9, 9999),  // after the calibration end
        tx("C", 2024, 2, 1, 9, 100),   // first purchase after it: no summary
        tx("J", 2024, 1, 4, 9, 12345), // yen have no minor unit
    ];
    let mut log = log;
    log[7].amount.currency = CurrencyCode::new("JPY").unwrap();
    log.push(tx("J", 2024, 1, 5, 9, 100));
    log[8].amount.currency = CurrencyCode::new("JPY").unwrap();
    let end = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
    let s = summarize(&log, end, TimeUnit::Day);
    let ids: Vec<&str> = s.iter().map(|c| c.customer.as_str()).collect();
    assert_eq!(ids, ["A", "B", "J"]);
    assert_eq!(
        (s[0].frequency, s[0].recency, s[0].t, s[0].monetary),
        (1.0, 2.0, 9.0, 10.0)
    );
    assert_eq!(
        (s[1].frequency, s[1].recency, s[1].t, s[1].monetary),
        (0.0, 0.0, 0.0, 0.0)
    );
    assert_eq!(s[2].monetary, 100.0);
    assert!(summarize(&[], end, TimeUnit::Week).is_empty());
}

#[test]
fn refund_days_are_not_purchase_days_and_order_does_not_change_spend() {
    use chrono::{NaiveDate, TimeZone, Utc};
    use clientele::lifecycle::{TimeUnit, summarize};
    use clientele::model::{CurrencyCode, Money, Transaction};
    let tx = |day: u32, cents: i64| {
        Transaction::new(
            clientele::CustomerId::new("R1").unwrap(),
            Utc.with_ymd_and_hms(2024, 1, day, 12, 0, 0).unwrap(),
            Money {
                minor_units: cents,
                currency: CurrencyCode::new("USD").unwrap(),
            },
        )
    };
    let end = NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    // Purchases on the 1st, 8th and 15th; a refund alone on the 10th.
    let mut log = vec![
        tx(1, 1000),
        tx(8, 10),
        tx(8, 20),
        tx(8, 30),
        tx(10, -500),
        tx(15, 4000),
    ];
    let s = summarize(&log, end, TimeUnit::Day);
    assert_eq!(s.len(), 1);
    assert_eq!((s[0].frequency, s[0].recency), (2.0, 14.0));
    assert_eq!(s[0].monetary, 20.3); // (0.60 + 40.00) / 2
    log.reverse();
    assert_eq!(summarize(&log, end, TimeUnit::Day), s);
}
