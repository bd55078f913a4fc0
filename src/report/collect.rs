//! The one pass over customers that every report figure is counted in: per customer, its
//! activity summarised once ([`ActivitySummary`]), its stage and tier at each period's end, its
//! churn events, its cohort and its lifecycle summary; added up in parallel.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rayon::prelude::*;

use super::config::ReportConfig;
use super::period::{MAX_PERIODS, PeriodSpan, from_month_index, month_index};
use crate::error::{Error, Result};
use crate::lifecycle::{CustomerSummary, TimeUnit, summarize_one};
use crate::model::{CurrencyCode, Customer, CustomerId, Interaction, InteractionKind, Transaction};
use crate::privacy::is_erased;
use crate::segment::{ActivityIndex, ActivitySummary, Stage, plus_days, sort_by_id, window_start};
use crate::store::{CustomerStore, batches};

/// How many records the store path reads per batch.
const STORE_BATCH: usize = 1_000;

/// The stages in the order of their tally slots ([`stage_slot`]).
pub(crate) const STAGES: [Stage; 6] = [
    Stage::Lead,
    Stage::New,
    Stage::Active,
    Stage::AtRisk,
    Stage::Churned,
    Stage::Reactivated,
];

pub(crate) fn stage_slot(stage: Stage) -> usize {
    STAGES.iter().position(|s| *s == stage).unwrap_or(0)
}

/// What the pass reads everything with.
pub(crate) struct Context<'a> {
    pub(crate) config: &'a ReportConfig,
    pub(crate) as_of: DateTime<Utc>,
    /// The spend currency (the scores' currency).
    pub(crate) currency: Option<CurrencyCode>,
    pub(crate) spans: Vec<PeriodSpan>,
    /// Per span, the instants every customer is looked at: its last instant (up to the date),
    /// the instant before it starts, and the start of the tier window ending at its last
    /// instant (computed once here rather than per customer).
    edges: Vec<Edges>,
    /// The month index of the first cohort and of the date's month.
    pub(crate) first_cohort: i32,
    pub(crate) last_month: i32,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        config: &'a ReportConfig,
        as_of: DateTime<Utc>,
        currency: Option<CurrencyCode>,
    ) -> Self {
        let last_month = month_index(as_of.date_naive());
        let cohorts = i32::try_from(config.cohorts.clamp(1, MAX_PERIODS)).unwrap_or(1);
        let spans = PeriodSpan::ending_at(as_of, config.period, config.periods);
        let edges = spans
            .iter()
            .map(|span| {
                let end = span.last_instant(as_of);
                Edges {
                    end,
                    before: span.start - Duration::nanoseconds(1),
                    tier_from: window_start(end, config.scoring.tiers.window_days),
                }
            })
            .collect();
        Self {
            config,
            as_of,
            currency,
            spans,
            edges,
            first_cohort: last_month.saturating_sub(cohorts - 1),
            last_month,
        }
    }

    /// The first day of a cohort by its slot.
    pub(crate) fn cohort_month(&self, slot: usize) -> Option<NaiveDate> {
        from_month_index(self.first_cohort + i32::try_from(slot).ok()?)
    }
}

/// The instants of one span a customer is looked at ([`Context`]).
#[derive(Debug, Clone, Copy)]
struct Edges {
    end: DateTime<Utc>,
    before: DateTime<Utc>,
    tier_from: DateTime<Utc>,
}

/// Feedback ratings added up.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RatingTally {
    pub(crate) count: usize,
    pub(crate) sum: u64,
    pub(crate) satisfied: usize,
}

impl RatingTally {
    fn add(&mut self, rating: u8, satisfied_at_least: u8) {
        self.count += 1;
        self.sum += u64::from(rating);
        if rating >= satisfied_at_least {
            self.satisfied += 1;
        }
    }

    fn merge(&mut self, o: &Self) {
        self.count += o.count;
        self.sum += o.sum;
        self.satisfied += o.satisfied;
    }
}

/// Money and purchases added up (spend in minor units of the report currency).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SalesTally {
    /// Purchases in every currency.
    pub(crate) purchases: usize,
    /// Purchases in the report currency, and their gross amount.
    pub(crate) purchases_in_currency: usize,
    pub(crate) gross: i128,
    /// Purchases minus refunds, in the report currency.
    pub(crate) net: i128,
}

impl SalesTally {
    fn merge(&mut self, o: &Self) {
        self.purchases += o.purchases;
        self.purchases_in_currency += o.purchases_in_currency;
        self.gross += o.gross;
        self.net += o.net;
    }
}

/// One period's counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct PeriodTally {
    pub(crate) new: usize,
    pub(crate) active: usize,
    pub(crate) churned: usize,
    pub(crate) live_at_start: usize,
    pub(crate) sales: SalesTally,
    pub(crate) ratings: RatingTally,
    /// Customers per stage at the period's end, by [`stage_slot`].
    pub(crate) stages: [usize; 6],
    /// Customers per tier at the period's end, by tier index; the last slot: no tier.
    pub(crate) tiers: Vec<usize>,
}

/// One monthly cohort's counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct CohortTally {
    pub(crate) size: usize,
    /// Customers with a purchase in the cohort's month + offset, by offset.
    pub(crate) active: Vec<usize>,
}

/// Everything added up over customers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) customers: usize,
    pub(crate) buyers: usize,
    pub(crate) repeat_buyers: usize,
    pub(crate) sales: SalesTally,
    pub(crate) ratings: RatingTally,
    pub(crate) periods: Vec<PeriodTally>,
    pub(crate) cohorts: Vec<CohortTally>,
}

impl Tally {
    fn new(ctx: &Context<'_>) -> Self {
        let tiers = ctx.config.scoring.tiers.tiers.len() + 1;
        let cohorts = usize::try_from(ctx.last_month - ctx.first_cohort + 1).unwrap_or(1);
        Self {
            periods: vec![
                PeriodTally {
                    tiers: vec![0; tiers],
                    ..PeriodTally::default()
                };
                ctx.spans.len()
            ],
            cohorts: (0..cohorts)
                .map(|slot| CohortTally {
                    size: 0,
                    active: vec![0; cohorts - slot],
                })
                .collect(),
            ..Self::default()
        }
    }

    fn merge(mut self, o: Self) -> Self {
        self.customers += o.customers;
        self.buyers += o.buyers;
        self.repeat_buyers += o.repeat_buyers;
        self.sales.merge(&o.sales);
        self.ratings.merge(&o.ratings);
        for (p, q) in self.periods.iter_mut().zip(&o.periods) {
            p.new += q.new;
            p.active += q.active;
            p.churned += q.churned;
            p.live_at_start += q.live_at_start;
            p.sales.merge(&q.sales);
            p.ratings.merge(&q.ratings);
            add_into(&mut p.stages, &q.stages);
            add_into(&mut p.tiers, &q.tiers);
        }
        for (c, d) in self.cohorts.iter_mut().zip(&o.cohorts) {
            c.size += d.size;
            add_into(&mut c.active, &d.active);
        }
        self
    }
}

fn add_into(a: &mut [usize], b: &[usize]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

/// What the report keeps of one customer after the pass.
#[derive(Debug, Clone)]
pub(crate) struct CustomerFacts {
    pub(crate) id: CustomerId,
    pub(crate) owner: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) erased: bool,
    /// The lifecycle summary of its purchases in the report currency, in weeks.
    pub(crate) summary: Option<CustomerSummary>,
    /// Net spend over the tier window, in minor units of the report currency.
    pub(crate) window_spend: i128,
}

/// Counts one customer into the tally.
fn observe(
    ctx: &Context<'_>,
    c: &Customer,
    transactions: &[&Transaction],
    interactions: &[&Interaction],
    tally: &mut Tally,
) -> CustomerFacts {
    let as_of = ctx.as_of;
    let config = ctx.config;
    let s = ActivitySummary::new(transactions.iter().copied(), [], as_of);
    let times: Vec<DateTime<Utc>> = s.purchase_times().collect();
    let ratings: Vec<(DateTime<Utc>, u8)> = interactions
        .iter()
        .filter(|i| i.at <= as_of && i.kind == InteractionKind::Feedback)
        .filter_map(|i| i.rating.map(|r| (i.at, r)))
        .collect();

    tally.customers += 1;
    if !times.is_empty() {
        tally.buyers += 1;
    }
    if times.len() >= 2 {
        tally.repeat_buyers += 1;
    }
    tally.sales.merge(&sales(&s, ctx));
    for (_, r) in &ratings {
        tally.ratings.add(*r, config.satisfied_at_least);
    }

    let churns = churn_events(&times, ctx);
    let windows = &config.scoring.stages;
    // The phase after each purchase, so that each period's stages cost a binary search.
    let phases = windows.phases(&times);
    let stage_at = |t: DateTime<Utc>| {
        let upto = times.partition_point(|p| *p <= t);
        let phase = upto.checked_sub(1).and_then(|k| phases.get(k));
        windows.stage_after(phase, t, c.created_at).0
    };
    let spans = ctx.spans.iter().zip(&ctx.edges);
    for ((span, edges), p) in spans.zip(tally.periods.iter_mut()) {
        let stage = stage_at(edges.end);
        p.stages[stage_slot(stage)] += 1;
        let at_start = stage_at(edges.before);
        if span.start <= as_of && !matches!(at_start, Stage::Lead | Stage::Churned) {
            p.live_at_start += 1;
        }
        let tier_slot = tier_at(&s, ctx, edges);
        if let Some(slot) = p.tiers.get_mut(tier_slot) {
            *slot += 1;
        }
        // Purchases, their times and the churn events are sorted and none is after the date:
        // a span's items are one range of each.
        let (from, to) = (span.start, span.end.min(after(as_of)));
        if times.first().is_some_and(|t| span.holds(*t, as_of)) {
            p.new += 1;
        }
        if !between(&times, |t| *t, from, to).is_empty() {
            p.active += 1;
        }
        p.churned += between(&churns, |t| *t, from, to).len();
        p.sales.merge(&sales_of(
            between(s.purchases(), |x| x.0, from, to),
            between(s.refunds(), |x| x.0, from, to),
            ctx,
        ));
        for (at, r) in &ratings {
            if span.holds(*at, as_of) {
                p.ratings.add(*r, config.satisfied_at_least);
            }
        }
    }
    cohort(&times, ctx, tally);

    let summary = ctx.currency.as_ref().and_then(|cur| {
        let mine = transactions
            .iter()
            .copied()
            .filter(|t| t.at <= as_of && t.amount.currency == *cur);
        summarize_one(&c.id, mine, as_of.date_naive(), TimeUnit::Week)
    });
    let window_spend = ctx.currency.as_ref().map_or(0, |cur| {
        s.spend(cur, Some(config.scoring.tiers.window_days))
    });
    CustomerFacts {
        id: c.id.clone(),
        owner: c.owner.clone(),
        created_at: c.created_at,
        erased: is_erased(c),
        summary,
        window_spend,
    }
}

/// Purchases and spend in a period (or all of them up to the date).
fn sales(s: &ActivitySummary, ctx: &Context<'_>) -> SalesTally {
    sales_of(s.purchases(), s.refunds(), ctx)
}

/// The sales of purchases and refunds (time, currency, minor units).
fn sales_of(
    purchases: &[(DateTime<Utc>, CurrencyCode, i64)],
    refunds: &[(DateTime<Utc>, CurrencyCode, i64)],
    ctx: &Context<'_>,
) -> SalesTally {
    let mine = |c: &CurrencyCode| ctx.currency.as_ref() == Some(c);
    let mut out = SalesTally::default();
    for (_, code, minor) in purchases {
        out.purchases += 1;
        if mine(code) {
            out.purchases_in_currency += 1;
            out.gross += i128::from(*minor);
            out.net += i128::from(*minor);
        }
    }
    for (_, _, minor) in refunds.iter().filter(|(_, code, _)| mine(code)) {
        out.net += i128::from(*minor);
    }
    out
}

/// The items of a sorted slice at times in `[from, to)`.
fn between<T>(
    items: &[T],
    at: impl Fn(&T) -> DateTime<Utc>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> &[T] {
    let lo = items.partition_point(|x| at(x) < from);
    let hi = items.partition_point(|x| at(x) < to).max(lo);
    items.get(lo..hi).unwrap_or(&[])
}

/// The first instant after `t` (times are whole nanoseconds).
fn after(t: DateTime<Utc>) -> DateTime<Utc> {
    t.checked_add_signed(chrono::Duration::nanoseconds(1))
        .unwrap_or(t)
}

/// The tier slot of a customer as of a span's end: spend and purchases over the tier window
/// ending there (the last slot when no tier admits it).
fn tier_at(s: &ActivitySummary, ctx: &Context<'_>, edges: &Edges) -> usize {
    let tiers = &ctx.config.scoring.tiers;
    // The window ends at the span's end, inclusive.
    let (from, to) = (edges.tier_from, after(edges.end));
    let bought = between(s.purchases(), |x| x.0, from, to);
    let refunded = between(s.refunds(), |x| x.0, from, to);
    let purchases = bought.len();
    let spend: i128 = bought
        .iter()
        .chain(refunded)
        .filter(|(_, code, _)| ctx.currency.as_ref() == Some(code))
        .map(|(_, _, minor)| i128::from(*minor))
        .sum();
    tiers
        .tiers
        .iter()
        .position(|t| t.admits(spend, purchases))
        .unwrap_or(tiers.tiers.len())
}

/// The instants a customer turned churned: `churned_days` after a purchase not followed by
/// another within that many days (the moment [`crate::segment::StageWindows`] moves it to
/// `churned`), up to the date.
fn churn_events(times: &[DateTime<Utc>], ctx: &Context<'_>) -> Vec<DateTime<Utc>> {
    let days = ctx.config.scoring.stages.churned_days;
    let mut out = Vec::new();
    for (i, p) in times.iter().enumerate() {
        let turns = plus_days(*p, days);
        let next = times.get(i + 1);
        if next.is_none_or(|n| *n > turns) && turns < ctx.as_of {
            out.push(turns);
        }
    }
    out
}

/// Counts a customer into its monthly cohort (the month of its first purchase), when that is
/// one of the report's cohorts.
fn cohort(times: &[DateTime<Utc>], ctx: &Context<'_>, tally: &mut Tally) {
    let Some(first) = times.first() else {
        return;
    };
    let first_month = month_index(first.date_naive());
    let Ok(slot) = usize::try_from(first_month - ctx.first_cohort) else {
        return;
    };
    let Some(c) = tally.cohorts.get_mut(slot) else {
        return;
    };
    c.size += 1;
    let mut seen = vec![false; c.active.len()];
    for t in times {
        let offset = usize::try_from(month_index(t.date_naive()) - first_month).unwrap_or(0);
        if let Some(s) = seen.get_mut(offset) {
            *s = true;
        }
    }
    for (a, s) in c.active.iter_mut().zip(seen) {
        *a += usize::from(s);
    }
}

/// Customers observed in one piece of work.
const COLLECT_CHUNK: usize = 4096;

/// The pass over slices: facts per customer sorted by id, and the tally.
pub(crate) fn collect_slices(
    ctx: &Context<'_>,
    customers: &[Customer],
    index: &ActivityIndex<'_>,
) -> (Vec<CustomerFacts>, Tally) {
    // Pieces of known size, joined once (a fold's growing vectors would be copied over and
    // over); tallies are integer counts, so their sum does not depend on the pieces.
    let parts: Vec<(Vec<CustomerFacts>, Tally)> = customers
        .par_chunks(COLLECT_CHUNK)
        .enumerate()
        .map(|(n, chunk)| {
            let mut tally = Tally::new(ctx);
            let mut facts = Vec::with_capacity(chunk.len());
            for (j, c) in chunk.iter().enumerate() {
                let (t, i) = index.items_of(customers, n * COLLECT_CHUNK + j);
                facts.push(observe(ctx, c, t, i, &mut tally));
            }
            (facts, tally)
        })
        .collect();
    let mut facts = Vec::with_capacity(customers.len());
    let mut tally = Tally::new(ctx);
    for (f, t) in parts {
        facts.extend(f);
        tally = tally.merge(t);
    }
    (sort_by_id(facts, |f| &f.id), tally)
}

fn join(
    (mut a, ta): (Vec<CustomerFacts>, Tally),
    (b, tb): (Vec<CustomerFacts>, Tally),
) -> (Vec<CustomerFacts>, Tally) {
    a.extend(b);
    (a, ta.merge(tb))
}

/// The pass over a store, batch by batch (keyset scan), each batch's activity read in one call
/// and counted in parallel; facts come in id order.
pub(crate) fn collect_store<S>(ctx: &Context<'_>, store: &S) -> Result<(Vec<CustomerFacts>, Tally)>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    let mut all = (Vec::new(), Tally::new(ctx));
    for batch in batches(store, STORE_BATCH) {
        let batch = batch?;
        let ids: Vec<CustomerId> = batch.iter().map(|c| c.id.clone()).collect();
        let activity = store.activity_many(&ids)?;
        let part = batch
            .par_iter()
            .zip(&activity)
            .fold(
                || (Vec::new(), Tally::new(ctx)),
                |(mut facts, mut tally), (c, a)| {
                    let t: Vec<&Transaction> = a.transactions.iter().collect();
                    let i: Vec<&Interaction> = a.interactions.iter().collect();
                    facts.push(observe(ctx, c, &t, &i, &mut tally));
                    (facts, tally)
                },
            )
            .reduce(|| (Vec::new(), Tally::new(ctx)), join);
        all = join(all, part);
    }
    Ok(all)
}
