//! One scoring entry point: RFM, tier, lifecycle stage and follow-up for every customer.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::rfm::{RfmTable, RfmValues, rfm_scores};
use super::stage::{Stage, StageWindows};
use super::summary::{
    ActivityIndex, ActivitySummary, days_between, map_indexed, map_store, sort_by_id, window_start,
};
use super::tier::TierConfig;
use crate::error::{Error, Result};
use crate::model::{CurrencyCode, Customer, CustomerId, Interaction, Transaction};
use crate::privacy::is_erased;
use crate::store::CustomerStore;

/// How many records [`score_store`] reads per batch.
const STORE_BATCH: usize = 1_000;

/// Everything [`score_records`] and [`score_store`] need besides the data. Serde-serializable;
/// every part has a documented default.
///
/// **Currency.** Spend (tiers, the monetary score, `total_spend`) is summed in **one**
/// currency: `currency` when set, otherwise the population's main currency, the one with the
/// most transactions as of the scoring date (ties go to the alphabetically first code).
/// Transactions in other currencies add nothing to spend and are counted in
/// [`CustomerScore::other_currency_transactions`]; they still count as purchases for
/// frequency, recency and stages, since a purchase is a purchase in any currency.
///
/// ```
/// use clientele::segment::ScoringConfig;
/// use clientele::model::CurrencyCode;
/// let config = ScoringConfig { currency: Some(CurrencyCode::new("EUR")?), ..ScoringConfig::default() };
/// let json = serde_json::to_string(&config).unwrap();
/// assert_eq!(serde_json::from_str::<ScoringConfig>(&json).unwrap(), config);
/// // Every part may be left out of a configuration file.
/// assert_eq!(serde_json::from_str::<ScoringConfig>("{}").unwrap(), ScoringConfig::default());
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ScoringConfig {
    /// The currency spend is summed in; `None`: the population's main currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<CurrencyCode>,
    /// The tiers.
    #[serde(default)]
    pub tiers: TierConfig,
    /// The named RFM segments.
    #[serde(default)]
    pub rfm: RfmTable,
    /// The lifecycle stage windows.
    #[serde(default)]
    pub stages: StageWindows,
}

/// One customer's scores as of a date.
///
/// Customers with no purchase get no RFM scores and no RFM segment (`None`), rather than a
/// made-up "worst" score: they are leads, not lost customers.
///
/// ```
/// use clientele::segment::{score_records, CustomerScore, ScoringConfig, Stage};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// use chrono::Utc;
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build();
/// let scores = score_records(&[c], &[], &[], &ScoringConfig::default(), Utc::now());
/// let s: &CustomerScore = &scores[0];
/// assert_eq!((s.r, s.rfm_segment.as_deref(), s.stage), (None, None, Stage::Lead));
/// assert_eq!(&s.cells()[..7], ["C1", "", "", "", "", "potential", "lead"]);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerScore {
    /// The customer.
    pub id: CustomerId,
    /// Whole days since the last purchase; `None` without a purchase.
    pub recency_days: Option<i64>,
    /// Number of purchases (every currency).
    pub purchases: usize,
    /// Net spend, all time up to the scoring date, in minor units of `currency`.
    pub total_spend: i128,
    /// The currency of `total_spend` (`None` when nobody has a transaction and no currency was
    /// configured).
    pub currency: Option<CurrencyCode>,
    /// Transactions in other currencies, left out of spend.
    pub other_currency_transactions: usize,
    /// Recency score 1..=5 (`None` without a purchase).
    pub r: Option<u8>,
    /// Frequency score 1..=5 (`None` without a purchase).
    pub f: Option<u8>,
    /// Monetary score 1..=5 (`None` without a purchase).
    pub m: Option<u8>,
    /// The named RFM segment (`None` without a purchase or when no rule of the table matches).
    pub rfm_segment: Option<String>,
    /// The tier's name (`None` when no tier admits the customer).
    pub tier: Option<String>,
    /// The lifecycle stage.
    pub stage: Stage,
    /// When the stage was entered.
    pub stage_since: DateTime<Utc>,
    /// When the last interaction took place.
    pub last_interaction: Option<DateTime<Utc>>,
    /// Whether the customer is due a follow-up: its tier has a follow-up interval and the last
    /// interaction (or, without any, the record's creation) is more than that many days old.
    /// Never for erased records.
    pub follow_up_due: bool,
}

impl CustomerScore {
    /// The CSV header matching [`CustomerScore::cells`].
    ///
    /// ```
    /// use clientele::segment::CustomerScore;
    /// assert_eq!(CustomerScore::COLUMNS[0], "id");
    /// assert!(CustomerScore::COLUMNS.contains(&"stage_since"));
    /// ```
    pub const COLUMNS: &[&str] = &[
        "id",
        "r",
        "f",
        "m",
        "rfm_segment",
        "tier",
        "stage",
        "stage_since",
        "recency_days",
        "purchases",
        "total_spend_minor",
        "currency",
        "other_currency_transactions",
        "last_interaction",
        "follow_up_due",
    ];

    /// The score as CSV cells in the order of [`CustomerScore::COLUMNS`]; absent values are
    /// empty cells, times RFC 3339 in UTC, spend in minor units.
    ///
    /// ```
    /// use clientele::segment::CustomerScore;
    /// assert_eq!(&CustomerScore::COLUMNS[..7], ["id", "r", "f", "m", "rfm_segment", "tier", "stage"]);
    /// ```
    pub fn cells(&self) -> Vec<String> {
        fn opt<T: ToString>(v: Option<T>) -> String {
            v.map(|v| v.to_string()).unwrap_or_default()
        }
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        vec![
            self.id.to_string(),
            opt(self.r),
            opt(self.f),
            opt(self.m),
            opt(self.rfm_segment.as_ref()),
            opt(self.tier.as_ref()),
            self.stage.as_str().to_owned(),
            time(self.stage_since),
            opt(self.recency_days),
            self.purchases.to_string(),
            self.total_spend.to_string(),
            opt(self.currency.as_ref().map(CurrencyCode::as_str)),
            self.other_currency_transactions.to_string(),
            opt(self.last_interaction.map(time)),
            self.follow_up_due.to_string(),
        ]
    }
}

/// Spend figures of one customer in one currency.
#[derive(Debug, Clone, Copy, Default)]
struct CurrencyFacts {
    transactions: usize,
    total: i128,
    window: i128,
}

/// What is known of one customer before the population-wide steps (currency, RFM).
#[derive(Debug)]
struct Facts {
    score: CustomerScore,
    /// Where the follow-up clock starts when there is no interaction.
    created_at: DateTime<Utc>,
    erased: bool,
    window_purchases: usize,
    by_currency: PerCurrency,
}

/// Spend figures per currency, ordered by code: a short sorted list (a customer buys in one
/// currency or a few), one small allocation rather than a map's node.
#[derive(Debug, Default)]
struct PerCurrency(Vec<(CurrencyCode, CurrencyFacts)>);

impl PerCurrency {
    fn entry(&mut self, code: CurrencyCode) -> &mut CurrencyFacts {
        let at = match self.0.binary_search_by(|(c, _)| c.cmp(&code)) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (code, CurrencyFacts::default()));
                at
            }
        };
        // `at` is in the list: found there, or just inserted.
        &mut self.0[at].1
    }

    fn get(&self, code: &CurrencyCode) -> Option<&CurrencyFacts> {
        let at = self.0.binary_search_by(|(c, _)| c.cmp(code)).ok()?;
        self.0.get(at).map(|(_, f)| f)
    }

    fn iter(&self) -> impl Iterator<Item = (&CurrencyCode, &CurrencyFacts)> {
        self.0.iter().map(|(c, f)| (c, f))
    }

    fn values(&self) -> impl Iterator<Item = &CurrencyFacts> {
        self.0.iter().map(|(_, f)| f)
    }
}

fn facts(customer: &Customer, s: &ActivitySummary, config: &ScoringConfig) -> Facts {
    let window = Some(config.tiers.window_days);
    // What `transactions_by_currency` and `spend` give, in one pass over the transactions.
    let from = window_start(s.as_of(), config.tiers.window_days);
    let mut by_currency = PerCurrency::default();
    for (at, currency, minor) in s.purchases().iter().chain(s.refunds()) {
        let f = by_currency.entry(*currency);
        f.transactions += 1;
        f.total += i128::from(*minor);
        if *at >= from {
            f.window += i128::from(*minor);
        }
    }
    let (stage, stage_since) = config.stages.stage(s, customer.created_at);
    Facts {
        score: CustomerScore {
            id: customer.id.clone(),
            recency_days: s.days_since_last_purchase(),
            purchases: s.purchase_count(None),
            total_spend: 0,
            currency: None,
            other_currency_transactions: 0,
            r: None,
            f: None,
            m: None,
            rfm_segment: None,
            tier: None,
            stage,
            stage_since,
            last_interaction: s.last_interaction(),
            follow_up_due: false,
        },
        created_at: customer.created_at,
        erased: is_erased(customer),
        window_purchases: s.purchase_count(window),
        by_currency,
    }
}

/// The currency with the most transactions (ties: the first code).
fn main_currency(facts: &[Facts]) -> Option<CurrencyCode> {
    let mut counts: BTreeMap<CurrencyCode, usize> = BTreeMap::new();
    for (c, f) in facts.iter().flat_map(|f| f.by_currency.iter()) {
        *counts.entry(*c).or_insert(0) += f.transactions;
    }
    most_used(counts)
}

fn most_used(counts: BTreeMap<CurrencyCode, usize>) -> Option<CurrencyCode> {
    // max_by_key keeps the last maximum; iterate in reverse so ties go to the first code.
    counts
        .into_iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .map(|(c, _)| c)
}

/// The currency of most transactions in a log (ties: the alphabetically first code): the spend
/// currency [`score_records`] uses when [`ScoringConfig::currency`] is not set.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use clientele::model::{CurrencyCode, Money, Transaction};
/// use clientele::segment::main_currency_of;
/// use clientele::CustomerId;
/// let tx = |code: &str| -> clientele::Result<Transaction> {
///     Ok(Transaction::new(
///         CustomerId::new("C1")?,
///         Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap(),
///         Money {
///             minor_units: 100,
///             currency: CurrencyCode::new(code)?,
///         },
///     ))
/// };
/// let log = [tx("USD")?, tx("EUR")?, tx("USD")?];
/// assert_eq!(main_currency_of(&log).map(|c| c.as_str().to_owned()).as_deref(), Some("USD"));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn main_currency_of(transactions: &[Transaction]) -> Option<CurrencyCode> {
    let mut counts: BTreeMap<CurrencyCode, usize> = BTreeMap::new();
    for t in transactions {
        *counts.entry(t.amount.currency).or_insert(0) += 1;
    }
    most_used(counts)
}

/// The population-wide steps: currency, spend, tier, follow-up, RFM; sorted by id.
fn finish(facts: Vec<Facts>, config: &ScoringConfig, as_of: DateTime<Utc>) -> Vec<CustomerScore> {
    let currency = config.currency.or_else(|| main_currency(&facts));
    let mut scores: Vec<CustomerScore> = facts
        .into_par_iter()
        .map(|f| {
            let mine = currency
                .and_then(|c| f.by_currency.get(&c))
                .copied()
                .unwrap_or_default();
            let all: usize = f.by_currency.values().map(|c| c.transactions).sum();
            let tier = config.tiers.tier_for(mine.window, f.window_purchases);
            // Without any interaction, the follow-up clock starts at the record's creation;
            // with neither known, the customer is due now.
            let clock = follow_up_clock(f.score.last_interaction, f.created_at, as_of);
            let due = tier.and_then(|t| t.follow_up_days).is_some_and(|d| {
                !f.erased && clock.is_none_or(|c| days_between(c, as_of) > i64::from(d))
            });
            CustomerScore {
                total_spend: mine.total,
                currency,
                other_currency_transactions: all.saturating_sub(mine.transactions),
                tier: tier.map(|t| t.name.clone()),
                follow_up_due: due,
                ..f.score
            }
        })
        .collect();
    assign_rfm(&mut scores, &config.rfm);
    sort_by_id(scores, |s| &s.id)
}

/// Fills r, f, m and the named segment of the scores with a purchase.
fn assign_rfm(scores: &mut [CustomerScore], table: &RfmTable) {
    let buyers: Vec<(usize, RfmValues)> = scores
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            s.recency_days.map(|recency_days| {
                let v = RfmValues {
                    recency_days,
                    frequency: s.purchases,
                    monetary: s.total_spend,
                };
                (i, v)
            })
        })
        .collect();
    let values: Vec<RfmValues> = buyers.iter().map(|(_, v)| *v).collect();
    for ((i, _), score) in buyers.iter().zip(rfm_scores(&values)) {
        if let Some(s) = scores.get_mut(*i) {
            s.r = Some(score.r);
            s.f = Some(score.f);
            s.m = Some(score.m);
            s.rfm_segment = table.segment_of(score).map(str::to_owned);
        }
    }
}

/// Scores every customer of a slice as of `as_of`: recency, frequency and spend, RFM scores
/// and segment, tier, lifecycle stage and follow-up (see [`CustomerScore`] and
/// [`ScoringConfig`]), sorted by customer id. Activity is taken from the two slices, grouped
/// by customer id; items of customers not in `customers`, and items after `as_of`, are
/// ignored. Per-customer work runs in parallel (rayon); O(n log n) overall.
///
/// ```
/// use clientele::segment::{score_records, ScoringConfig, Stage};
/// use clientele::model::{CurrencyCode, Money, Transaction};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// use chrono::{Duration, TimeZone, Utc};
/// let as_of = Utc.with_ymd_and_hms(2024, 6, 1, 0, 0, 0).unwrap();
/// let ids: Vec<CustomerId> = (1..=5).map(|i| CustomerId::new(format!("C{i}")).unwrap()).collect();
/// let customers: Vec<Customer> =
///     ids.iter().map(|id| Customer::builder(id.clone(), CustomerKind::Person).build()).collect();
/// // Customer i bought i times, the last time 10 * i days ago.
/// let mut txs = Vec::new();
/// for (i, id) in ids.iter().enumerate() {
///     for k in 0..=i {
///         txs.push(Transaction::new(
///             id.clone(),
///             as_of - Duration::days(10 * (i as i64 + 1) + 15 * k as i64),
///             Money {
///                 minor_units: 1_000,
///                 currency: CurrencyCode::new("CNY")?,
///             },
///         ));
///     }
/// }
/// let scores = score_records(&customers, &txs, &[], &ScoringConfig::default(), as_of);
/// assert_eq!((scores[0].r, scores[0].f), (Some(5), Some(1)));
/// assert_eq!(scores[0].rfm_segment.as_deref(), Some("New"));
/// assert_eq!((scores[4].r, scores[4].f, scores[4].m), (Some(1), Some(5), Some(5)));
/// assert_eq!(scores[4].rfm_segment.as_deref(), Some("Can't Lose Them"));
/// assert_eq!(scores[4].stage, Stage::Active);
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn score_records(
    customers: &[Customer],
    transactions: &[Transaction],
    interactions: &[Interaction],
    config: &ScoringConfig,
    as_of: DateTime<Utc>,
) -> Vec<CustomerScore> {
    let index = ActivityIndex::new(customers, transactions, interactions);
    score_indexed(customers, &index, config, as_of)
}

/// [`score_records`] over activity already indexed (the report scores and counts from one
/// index).
pub(crate) fn score_indexed(
    customers: &[Customer],
    index: &ActivityIndex<'_>,
    config: &ScoringConfig,
    as_of: DateTime<Utc>,
) -> Vec<CustomerScore> {
    let facts = map_indexed(customers, index, as_of, |c, s| facts(c, s, config));
    finish(facts, config, as_of)
}

/// Scores every customer of a store as of `as_of`, exactly as [`score_records`] would score
/// the same records and activity. The store is read in batches (keyset scan), each batch's
/// activity read and summarised in parallel; memory holds one batch and a small summary per
/// customer.
///
/// # Errors
/// The store's errors (the first one met).
///
/// ```
/// use clientele::segment::{score_store, ScoringConfig};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// use chrono::Utc;
/// let store = MemoryStore::new();
/// store.put(Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build())?;
/// let scores = score_store(&store, &ScoringConfig::default(), Utc::now())?;
/// assert_eq!(scores.len(), 1);
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn score_store<S>(
    store: &S,
    config: &ScoringConfig,
    as_of: DateTime<Utc>,
) -> Result<Vec<CustomerScore>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let all = map_store(store, STORE_BATCH, as_of, true, |c, s| facts(c, s, config))?;
    Ok(finish(all, config, as_of))
}

/// The customers due a follow-up ([`CustomerScore::follow_up_due`]), most overdue first: by
/// last interaction, oldest first, those never contacted leading; then by id.
///
/// ```
/// use clientele::segment::{follow_ups, score_records, ScoringConfig};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// use chrono::{TimeZone, Utc};
/// let created = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap();
/// let c = Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).created_at(created).build();
/// // A lead ("potential": every 180 days), never contacted, created long ago.
/// let as_of = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
/// let scores = score_records(&[c], &[], &[], &ScoringConfig::default(), as_of);
/// assert_eq!(follow_ups(&scores).len(), 1);
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn follow_ups(scores: &[CustomerScore]) -> Vec<&CustomerScore> {
    let mut due: Vec<&CustomerScore> = scores.iter().filter(|s| s.follow_up_due).collect();
    due.sort_by(|a, b| {
        a.last_interaction
            .cmp(&b.last_interaction)
            .then_with(|| a.id.cmp(&b.id))
    });
    due
}

/// Where a customer's follow-up interval is counted from: the last interaction, else the
/// record's creation (not after `as_of`); `None` when neither is known (never contacted, the
/// creation time unknown), which makes the customer due now.
pub(crate) fn follow_up_clock(
    last_interaction: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    as_of: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    last_interaction.or_else(|| crate::model::known_time(created_at).map(|c| c.min(as_of)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts_with(counts: &[(&str, usize)]) -> Facts {
        let id = CustomerId::new("C").unwrap();
        let c = Customer::builder(id, crate::CustomerKind::Person).build();
        let mut f = facts(
            &c,
            &ActivitySummary::new([], [], DateTime::UNIX_EPOCH),
            &ScoringConfig::default(),
        );
        for (code, n) in counts {
            if let Ok(code) = CurrencyCode::new(code) {
                let cf = CurrencyFacts {
                    transactions: *n,
                    ..CurrencyFacts::default()
                };
                *f.by_currency.entry(code) = cf;
            }
        }
        f
    }

    #[test]
    fn spend_per_currency_in_one_pass_equals_the_summary_queries() {
        use crate::model::{Money, Transaction};
        let as_of = DateTime::UNIX_EPOCH + chrono::Duration::days(20_000);
        let id = CustomerId::new("C").unwrap();
        let codes = ["CNY", "USD", "JPY"].map(|c| CurrencyCode::new(c).unwrap());
        let log: Vec<Transaction> = (0..200i64)
            .map(|k| {
                let amount = Money {
                    minor_units: (k * 7919) % 5_000 - 1_000,
                    currency: codes[(k % 3) as usize],
                };
                let at = as_of - chrono::Duration::hours(k * 53) + chrono::Duration::days(3);
                Transaction::new(id.clone(), at, amount)
            })
            .collect();
        let s = ActivitySummary::new(&log, [], as_of);
        let c = Customer::builder(id.clone(), crate::CustomerKind::Person).build();
        let config = ScoringConfig::default();
        let f = facts(&c, &s, &config);
        let counts = s.transactions_by_currency();
        assert_eq!(f.by_currency.0.len(), counts.len());
        for (code, cf) in f.by_currency.iter() {
            assert_eq!(Some(&cf.transactions), counts.get(code));
            assert_eq!(cf.total, s.spend(code, None));
            assert_eq!(cf.window, s.spend(code, Some(config.tiers.window_days)));
        }
    }

    #[test]
    fn the_main_currency_has_the_most_transactions_and_ties_go_to_the_first_code() {
        let code = |c: Option<CurrencyCode>| c.map(|c| c.as_str().to_owned());
        let pop = [
            facts_with(&[("USD", 2), ("EUR", 1)]),
            facts_with(&[("EUR", 2)]),
        ];
        assert_eq!(code(main_currency(&pop)).as_deref(), Some("EUR"));
        let tie = [facts_with(&[("USD", 2), ("JPY", 2)])];
        assert_eq!(code(main_currency(&tie)).as_deref(), Some("JPY"));
        assert_eq!(main_currency(&[]), None);
    }
}
