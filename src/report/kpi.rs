//! KPIs as of a date and as series: customers per stage, tier and segment; new, active and
//! churned customers; repeat-purchase, churn and retention rates; order value and frequency;
//! revenue and predicted lifetime value; purchases expected next; satisfaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::collect::{
    CohortTally, Context, CustomerFacts, PeriodTally, RatingTally, SalesTally, Tally,
    collect_slices, collect_store, stage_slot,
};
use super::config::ReportConfig;
use super::followup::{FollowUp, build_follow_ups};
use super::period::{Period, PeriodSpan};
use super::predict::{Predicted, fit_models, predict};
use crate::error::{Error, Result};
use crate::lifecycle::{BgNbd, GammaGamma};
use crate::model::{CurrencyCode, Customer, Interaction, Transaction};
use crate::segment::{ActivityIndex, CustomerScore, Stage, score_indexed, score_store};
use crate::store::CustomerStore;

/// `n / d`, `None` when `d` is zero.
pub(crate) fn share(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64)
}

/// Converts exact minor units of the report currency to major units (yuan, dollars).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Major(i32);

impl Major {
    pub(crate) fn of(currency: Option<&CurrencyCode>) -> Self {
        let exponent = currency
            .and_then(|c| crate::validate::currency_minor_units(c.as_str()).flatten())
            .unwrap_or(2);
        Self(i32::from(exponent))
    }

    pub(crate) fn major(self, minor: i128) -> f64 {
        minor as f64 / 10f64.powi(self.0)
    }
}

/// Feedback satisfaction: the ratings of feedback interactions that carry one.
///
/// ```
/// use clientele::report::Satisfaction;
/// let s = Satisfaction { ratings: 4, mean: Some(4.25), satisfied_share: Some(0.75) };
/// assert_eq!(serde_json::to_value(&s).unwrap()["satisfied_share"], 0.75);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Satisfaction {
    /// Rated feedback interactions.
    pub ratings: usize,
    /// Their mean rating (`None` without any).
    pub mean: Option<f64>,
    /// The share rated at or above [`ReportConfig::satisfied_at_least`] (CSAT).
    pub satisfied_share: Option<f64>,
}

impl From<RatingTally> for Satisfaction {
    fn from(t: RatingTally) -> Self {
        Self {
            ratings: t.count,
            mean: (t.count > 0).then(|| t.sum as f64 / t.count as f64),
            satisfied_share: share(t.satisfied, t.count),
        }
    }
}

/// A group's size and value: a stage, a tier or an RFM segment. Money in major units of
/// [`Kpis::currency`].
///
/// ```
/// use clientele::report::GroupKpis;
/// let g = GroupKpis { name: "vip".into(), customers: 3, revenue: 1200.5, lifetime_value: None, expected_purchases: None };
/// assert_eq!(g.customers, 3);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupKpis {
    /// The stage (`at_risk`), tier (`vip`) or segment (`Champions`).
    pub name: String,
    /// Customers in the group.
    pub customers: usize,
    /// Their net spend up to the date.
    pub revenue: f64,
    /// Their predicted lifetime value (sum), when the lifecycle models could be fitted.
    pub lifetime_value: Option<f64>,
    /// Purchases they are expected to make in the next period (BG/NBD), when fitted.
    pub expected_purchases: Option<f64>,
}

/// A name and a number of customers.
///
/// ```
/// use clientele::report::Count;
/// assert_eq!(Count { name: "new".into(), customers: 2 }.customers, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// The stage or tier.
    pub name: String,
    /// How many customers.
    pub customers: usize,
}

/// One period of the series. Money in major units of [`Kpis::currency`].
///
/// - **new**: customers whose first purchase falls in the period;
/// - **active**: customers with at least one purchase in the period;
/// - **churned**: customers who turned `churned` in the period: `churned_days` (the stage
///   windows') after a purchase with no purchase since;
/// - **churn rate**: churned ÷ customers live at the period's start (a stage other than `lead`
///   and `churned` just before it); **retention rate** = 1 − churn rate;
/// - stages and tiers are counted as of the period's last instant (the date, for the last
///   period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodKpis {
    /// Which period.
    #[serde(flatten)]
    pub span: PeriodSpan,
    /// Customers whose first purchase falls in the period.
    pub new_customers: usize,
    /// Customers with a purchase in the period.
    pub active_customers: usize,
    /// Customers who turned churned in the period.
    pub churned_customers: usize,
    /// Customers live at the period's start.
    pub live_at_start: usize,
    /// `churned_customers / live_at_start`.
    pub churn_rate: Option<f64>,
    /// `1 - churn_rate`.
    pub retention_rate: Option<f64>,
    /// Purchases in the period (every currency).
    pub purchases: usize,
    /// Net spend in the period (purchases minus refunds, in the report currency).
    pub revenue: f64,
    /// Gross spend per purchase in the report currency.
    pub average_order_value: Option<f64>,
    /// Purchases per active customer.
    pub purchase_frequency: Option<f64>,
    /// Rated feedback in the period.
    pub satisfaction: Satisfaction,
    /// Customers per stage at the period's end, funnel order.
    pub stages: Vec<Count>,
    /// Customers per tier at the period's end, in the tiers' order (customers no tier admits
    /// are left out).
    pub tiers: Vec<Count>,
}

/// A monthly cohort: the customers whose first purchase falls in one calendar month (UTC), and
/// how many of them bought again in each month after.
///
/// ```
/// use clientele::report::Cohort;
/// use chrono::NaiveDate;
/// let c = Cohort {
///     label: "2024-01".into(), month: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
///     size: 4, active: vec![4, 1], retention: vec![Some(1.0), Some(0.25)],
/// };
/// assert_eq!(c.retention[1], Some(0.25));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    /// `2026-01`.
    pub label: String,
    /// The month's first day.
    pub month: NaiveDate,
    /// Customers whose first purchase falls in the month.
    pub size: usize,
    /// By month offset (0 = the cohort's month, up to the date's month): customers of the
    /// cohort with a purchase in that month.
    pub active: Vec<usize>,
    /// `active / size` by offset (offset 0 is 1 by definition).
    pub retention: Vec<Option<f64>>,
}

/// One cell of the RFM grid: customers with this recency and frequency score.
///
/// ```
/// use clientele::report::RfmCell;
/// assert_eq!(RfmCell { r: 5, f: 5, customers: 1, revenue: 10.0 }.r, 5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RfmCell {
    /// Recency score 1..=5.
    pub r: u8,
    /// Frequency score 1..=5.
    pub f: u8,
    /// Customers with these scores.
    pub customers: usize,
    /// Their net spend.
    pub revenue: f64,
}

/// The lifecycle models fitted for the report (BG/NBD and Gamma-Gamma, in weeks, on the
/// purchases in the report currency), or why not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifecycleModels {
    /// Customers with a purchase in the report currency (the models' population).
    pub customers: usize,
    /// The purchase model.
    pub bgnbd: Option<BgNbd>,
    /// Why it could not be fitted.
    pub bgnbd_error: Option<String>,
    /// The spend model.
    pub gamma_gamma: Option<GammaGamma>,
    /// Why it could not be fitted.
    pub gamma_gamma_error: Option<String>,
}

/// KPIs as of a date, with their series and cohorts. Money is in major units (yuan, dollars)
/// of `currency`, converted from exact integer sums; a rate is `None` when its denominator is
/// zero. The definitions are in `docs/REPORTS.md` and on each field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    /// The date.
    pub as_of: DateTime<Utc>,
    /// The spend currency (as the scores: configured, or that of most transactions).
    pub currency: Option<CurrencyCode>,
    /// The step of `series`.
    pub period: Period,
    /// Records.
    pub customers: usize,
    /// Customers with at least one purchase (a positive transaction, any currency).
    pub buyers: usize,
    /// Customers with at least two purchases.
    pub repeat_buyers: usize,
    /// `repeat_buyers / buyers`.
    pub repeat_purchase_rate: Option<f64>,
    /// Purchases up to the date (every currency).
    pub purchases: usize,
    /// Net spend up to the date in `currency`.
    pub revenue: f64,
    /// Gross spend per purchase in `currency`.
    pub average_order_value: Option<f64>,
    /// Purchases per buyer.
    pub purchase_frequency: Option<f64>,
    /// Rated feedback up to the date.
    pub satisfaction: Satisfaction,
    /// Purchases the BG/NBD model expects in the period after the date, over every customer.
    pub expected_purchases_next_period: Option<f64>,
    /// Predicted lifetime value over every customer ([`ReportConfig::clv_months`]).
    pub lifetime_value: Option<f64>,
    /// Per stage, funnel order (lead, new, active, reactivated, at risk, churned).
    pub by_stage: Vec<GroupKpis>,
    /// Per tier, in the tiers' order.
    pub by_tier: Vec<GroupKpis>,
    /// Per RFM segment, in the table's order (buyers only).
    pub by_segment: Vec<GroupKpis>,
    /// Customers per recency and frequency score (25 cells, r then f ascending).
    pub rfm_grid: Vec<RfmCell>,
    /// The series, oldest first; the last period holds the date.
    pub series: Vec<PeriodKpis>,
    /// Monthly cohorts of first purchase, oldest first, ending with the date's month.
    pub cohorts: Vec<Cohort>,
    /// The lifecycle models behind `lifetime_value` and `expected_purchases_*`.
    pub models: LifecycleModels,
}

impl Kpis {
    /// The period that holds the date (the series' last).
    pub fn current_period(&self) -> Option<&PeriodKpis> {
        self.series.last()
    }
}

/// The funnel order of stages.
pub(crate) const FUNNEL: [Stage; 6] = [
    Stage::Lead,
    Stage::New,
    Stage::Active,
    Stage::Reactivated,
    Stage::AtRisk,
    Stage::Churned,
];

/// Everything one pass yields: the KPIs and the follow-up list.
pub(crate) struct Analysis {
    pub(crate) kpis: Kpis,
    /// Empty unless asked for ([`Want::FollowUps`]).
    pub(crate) follow_ups: Vec<FollowUp>,
}

/// What an analysis is for: the KPIs alone, or the follow-up list too (a caller of [`kpis`]
/// does not pay for a list it never sees).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Kpis,
    FollowUps,
}

/// Adds customers' money into named groups.
struct Groups {
    names: Vec<String>,
    rows: BTreeMap<String, GroupKpis>,
    fitted: bool,
}

impl Groups {
    fn new(names: Vec<String>, fitted: bool) -> Self {
        let rows = names
            .iter()
            .map(|n| {
                let row = GroupKpis {
                    name: n.clone(),
                    customers: 0,
                    revenue: 0.0,
                    lifetime_value: fitted.then_some(0.0),
                    expected_purchases: fitted.then_some(0.0),
                };
                (n.clone(), row)
            })
            .collect();
        Self {
            names,
            rows,
            fitted,
        }
    }

    fn add(&mut self, name: &str, revenue: f64, p: &Predicted) {
        let fitted = self.fitted;
        let row = self.rows.entry(name.to_owned()).or_insert_with(|| {
            self.names.push(name.to_owned());
            GroupKpis {
                name: name.to_owned(),
                customers: 0,
                revenue: 0.0,
                lifetime_value: fitted.then_some(0.0),
                expected_purchases: fitted.then_some(0.0),
            }
        });
        row.customers += 1;
        row.revenue += revenue;
        if let (Some(total), Some(v)) = (row.lifetime_value.as_mut(), p.clv) {
            *total += v;
        }
        if let (Some(total), Some(v)) = (row.expected_purchases.as_mut(), p.expected) {
            *total += v;
        }
    }

    fn into_rows(mut self) -> Vec<GroupKpis> {
        self.names
            .iter()
            .filter_map(|n| self.rows.remove(n))
            .collect()
    }
}

fn groups(
    scores: &[CustomerScore],
    predicted: &[Predicted],
    config: &ReportConfig,
    major: Major,
    fitted: bool,
) -> [Vec<GroupKpis>; 3] {
    let mut stages = Groups::new(
        FUNNEL.iter().map(|s| s.as_str().to_owned()).collect(),
        fitted,
    );
    let tier_names = config
        .scoring
        .tiers
        .tiers
        .iter()
        .map(|t| t.name.clone())
        .collect();
    let mut tiers = Groups::new(tier_names, fitted);
    let segment_names = config
        .scoring
        .rfm
        .rules
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let mut segments = Groups::new(segment_names, fitted);
    for (s, p) in scores.iter().zip(predicted) {
        let revenue = major.major(s.total_spend);
        stages.add(s.stage.as_str(), revenue, p);
        if let Some(t) = &s.tier {
            tiers.add(t, revenue, p);
        }
        if let Some(g) = &s.rfm_segment {
            segments.add(g, revenue, p);
        }
    }
    [stages.into_rows(), tiers.into_rows(), segments.into_rows()]
}

fn rfm_grid(scores: &[CustomerScore], major: Major) -> Vec<RfmCell> {
    let mut cells: Vec<RfmCell> = (1..=5u8)
        .flat_map(|r| {
            (1..=5u8).map(move |f| RfmCell {
                r,
                f,
                customers: 0,
                revenue: 0.0,
            })
        })
        .collect();
    for s in scores {
        if let (Some(r), Some(f)) = (s.r, s.f) {
            let slot = usize::from(r.clamp(1, 5) - 1) * 5 + usize::from(f.clamp(1, 5) - 1);
            if let Some(c) = cells.get_mut(slot) {
                c.customers += 1;
                c.revenue += major.major(s.total_spend);
            }
        }
    }
    cells
}

fn period_kpis(
    span: &PeriodSpan,
    t: &PeriodTally,
    config: &ReportConfig,
    major: Major,
) -> PeriodKpis {
    let churn_rate = share(t.churned, t.live_at_start);
    let stages = FUNNEL
        .iter()
        .map(|s| Count {
            name: s.as_str().to_owned(),
            customers: t.stages.get(stage_slot(*s)).copied().unwrap_or(0),
        })
        .collect();
    let tiers = config
        .scoring
        .tiers
        .tiers
        .iter()
        .zip(&t.tiers)
        .map(|(tier, n)| Count {
            name: tier.name.clone(),
            customers: *n,
        })
        .collect();
    let (aov, _) = order_value(&t.sales, major);
    PeriodKpis {
        span: span.clone(),
        new_customers: t.new,
        active_customers: t.active,
        churned_customers: t.churned,
        live_at_start: t.live_at_start,
        churn_rate,
        retention_rate: churn_rate.map(|c| 1.0 - c),
        purchases: t.sales.purchases,
        revenue: major.major(t.sales.net),
        average_order_value: aov,
        purchase_frequency: share(t.sales.purchases, t.active),
        satisfaction: t.ratings.into(),
        stages,
        tiers,
    }
}

/// Gross spend per purchase in the currency, and net revenue.
fn order_value(s: &SalesTally, major: Major) -> (Option<f64>, f64) {
    let aov = (s.purchases_in_currency > 0)
        .then(|| major.major(s.gross) / s.purchases_in_currency as f64);
    (aov, major.major(s.net))
}

fn cohorts(ctx: &Context<'_>, tallies: &[CohortTally]) -> Vec<Cohort> {
    tallies
        .iter()
        .enumerate()
        .filter_map(|(slot, c)| {
            let month = ctx.cohort_month(slot)?;
            Some(Cohort {
                label: month.format("%Y-%m").to_string(),
                month,
                size: c.size,
                active: c.active.clone(),
                retention: c.active.iter().map(|a| share(*a, c.size)).collect(),
            })
        })
        .collect()
}

/// Puts the pass's results together.
fn assemble(
    ctx: &Context<'_>,
    scores: &[CustomerScore],
    facts: &[CustomerFacts],
    tally: Tally,
    want: Want,
) -> Analysis {
    let config = ctx.config;
    let major = Major::of(ctx.currency.as_ref());
    let models = fit_models(facts);
    let predicted = predict(facts, &models, config);
    let fitted = models.bgnbd.is_some();
    let total = |f: fn(&Predicted) -> Option<f64>| {
        fitted.then(|| predicted.iter().filter_map(f).sum::<f64>())
    };
    let [by_stage, by_tier, by_segment] = groups(scores, &predicted, config, major, fitted);
    let (aov, revenue) = order_value(&tally.sales, major);
    let series = ctx
        .spans
        .iter()
        .zip(&tally.periods)
        .map(|(span, t)| period_kpis(span, t, config, major))
        .collect();
    let kpis = Kpis {
        as_of: ctx.as_of,
        currency: ctx.currency,
        period: config.period,
        customers: tally.customers,
        buyers: tally.buyers,
        repeat_buyers: tally.repeat_buyers,
        repeat_purchase_rate: share(tally.repeat_buyers, tally.buyers),
        purchases: tally.sales.purchases,
        revenue,
        average_order_value: aov,
        purchase_frequency: share(tally.sales.purchases, tally.buyers),
        satisfaction: tally.ratings.into(),
        expected_purchases_next_period: total(|p| p.expected),
        lifetime_value: total(|p| p.clv).filter(|_| models.gamma_gamma.is_some()),
        by_stage,
        by_tier,
        by_segment,
        rfm_grid: rfm_grid(scores, major),
        series,
        cohorts: cohorts(ctx, &tally.cohorts),
        models,
    };
    let follow_ups = match want {
        Want::FollowUps => build_follow_ups(ctx, scores, facts, &predicted, major),
        Want::Kpis => Vec::new(),
    };
    Analysis { kpis, follow_ups }
}

/// One pass over slices.
pub(crate) fn analyze(
    customers: &[Customer],
    transactions: &[Transaction],
    interactions: &[Interaction],
    config: &ReportConfig,
    as_of: DateTime<Utc>,
    want: Want,
) -> Analysis {
    let index = ActivityIndex::new(customers, transactions, interactions);
    let scores = score_indexed(customers, &index, &config.scoring, as_of);
    let currency = scores
        .first()
        .and_then(|s| s.currency)
        .or(config.scoring.currency);
    let ctx = Context::new(config, as_of, currency);
    let (facts, tally) = collect_slices(&ctx, customers, &index);
    assemble(&ctx, &scores, &facts, tally, want)
}

/// One pass over a store.
pub(crate) fn analyze_store<S>(
    store: &S,
    config: &ReportConfig,
    as_of: DateTime<Utc>,
    want: Want,
) -> Result<Analysis>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let scores = score_store(store, &config.scoring, as_of)?;
    let currency = scores
        .first()
        .and_then(|s| s.currency)
        .or(config.scoring.currency);
    let ctx = Context::new(config, as_of, currency);
    let (facts, tally) = collect_store(&ctx, store)?;
    Ok(assemble(&ctx, &scores, &facts, tally, want))
}

/// The KPIs of customers and their activity as of `as_of` (activity after it is ignored),
/// with the series of [`ReportConfig::periods`] periods and [`ReportConfig::cohorts`] monthly
/// cohorts ending at the date. Scores come from [`crate::segment::score_records`] with
/// [`ReportConfig::scoring`]; lifetime value and expected purchases from BG/NBD and
/// Gamma-Gamma models fitted on the purchases in the spend currency (weeks). Per-customer work
/// runs in parallel.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use clientele::model::{CurrencyCode, Money, Transaction};
/// use clientele::report::{ReportConfig, kpis};
/// use clientele::{Customer, CustomerId, CustomerKind};
///
/// let as_of = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
/// let ids = ["A", "B", "C"].map(|i| CustomerId::new(i).unwrap());
/// let customers: Vec<Customer> = ids.iter().map(|id| Customer::builder(id.clone(), CustomerKind::Person).build()).collect();
/// let buy = |id: &CustomerId, days: i64| {
///     Transaction::new(
///         id.clone(),
///         as_of - Duration::days(days),
///         Money {
///             minor_units: 10_000,
///             currency: CurrencyCode::new("CNY").unwrap(),
///         },
///     )
/// };
/// // A bought twice, B once, C never.
/// let log = [buy(&ids[0], 40), buy(&ids[0], 3), buy(&ids[1], 10)];
/// let k = kpis(&customers, &log, &[], &ReportConfig::default(), as_of);
/// assert_eq!((k.customers, k.buyers, k.repeat_buyers), (3, 2, 1));
/// assert_eq!(k.repeat_purchase_rate, Some(0.5));
/// assert_eq!(k.revenue, 300.0); // yuan
/// assert_eq!(k.average_order_value, Some(100.0));
/// let june = k.current_period().unwrap();
/// assert_eq!((june.span.label.as_str(), june.active_customers, june.new_customers), ("2024-06", 2, 1));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn kpis(
    customers: &[Customer],
    transactions: &[Transaction],
    interactions: &[Interaction],
    config: &ReportConfig,
    as_of: DateTime<Utc>,
) -> Kpis {
    analyze(
        customers,
        transactions,
        interactions,
        config,
        as_of,
        Want::Kpis,
    )
    .kpis
}

/// [`kpis`] over a store: records read in batches (keyset scan) and each batch's activity read
/// and counted in parallel. Gives the same figures as [`kpis`] on the same records and
/// activity.
///
/// # Errors
/// The store's errors (the first one met).
///
/// ```
/// use chrono::Utc;
/// use clientele::report::{ReportConfig, kpis_store};
/// use clientele::store::{CustomerStore, MemoryStore};
/// use clientele::{Customer, CustomerId, CustomerKind};
/// let mut store = MemoryStore::new();
/// store.put(Customer::builder(CustomerId::new("C1")?, CustomerKind::Person).build())?;
/// let k = kpis_store(&store, &ReportConfig::default(), Utc::now())?;
/// assert_eq!((k.customers, k.buyers), (1, 0));
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn kpis_store<S>(store: &S, config: &ReportConfig, as_of: DateTime<Utc>) -> Result<Kpis>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    Ok(analyze_store(store, config, as_of, Want::Kpis)?.kpis)
}

#[cfg(test)]
mod tests {
    use super::super::collect::STAGES;
    use super::*;

    #[test]
    fn stage_slots_cover_every_stage_once() {
        for s in FUNNEL {
            assert_eq!(STAGES[stage_slot(s)], s);
        }
    }
}
