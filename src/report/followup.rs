//! The follow-up work list: who to contact, why, by when, for whom, and what is at stake.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::collect::{Context, CustomerFacts};
use super::config::ReportConfig;
use super::kpi::{Major, Want, analyze, analyze_store};
use super::predict::Predicted;
use crate::error::{Error, Result};
use crate::model::{CurrencyCode, Customer, CustomerId, Interaction, Transaction};
use crate::segment::{CustomerScore, Stage, follow_up_clock};
use crate::store::CustomerStore;

/// Why a customer is on the follow-up list.
///
/// ```
/// use clientele::report::FollowUpReason;
/// assert_eq!(FollowUpReason::LowPAlive.as_str(), "low_p_alive");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpReason {
    /// Its tier's follow-up interval has passed since the last interaction (or, without one,
    /// the record's creation).
    TierInterval,
    /// Its stage is one of [`crate::report::FollowUpConfig::lapsed_stages`].
    LapsedStage,
    /// Its probability of being alive is below [`crate::report::FollowUpConfig::p_alive_below`].
    LowPAlive,
}

impl FollowUpReason {
    /// The reason's name in snake case (as serialized).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TierInterval => "tier_interval",
            Self::LapsedStage => "lapsed_stage",
            Self::LowPAlive => "low_p_alive",
        }
    }
}

/// One customer to contact. Money in major units of `currency`.
///
/// - **due**: the earliest of: the last interaction (or the creation) plus the tier's interval;
///   the day the lapsed stage began; the report's date for a low probability alive.
/// - **value at risk**: the customer's net spend over the tier window (by default the last
///   365 days), what a lapse would cost a year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    /// The customer.
    pub id: CustomerId,
    /// Who follows it up ([`Customer::owner`]); `None`: unassigned.
    pub owner: Option<String>,
    /// Its tier.
    pub tier: Option<String>,
    /// Its stage.
    pub stage: Stage,
    /// Why it is on the list.
    pub reasons: Vec<FollowUpReason>,
    /// When contact became due.
    pub due: DateTime<Utc>,
    /// The last interaction.
    pub last_contact: Option<DateTime<Utc>>,
    /// Probability alive (BG/NBD), when the model could be fitted and the customer bought.
    pub p_alive: Option<f64>,
    /// Net spend over the tier window.
    pub value_at_risk: f64,
    /// Predicted lifetime value, when the models could be fitted.
    pub lifetime_value: Option<f64>,
    /// The currency of the money columns.
    pub currency: Option<CurrencyCode>,
}

impl FollowUp {
    /// The CSV header matching [`FollowUp::cells`].
    ///
    /// ```
    /// use clientele::report::FollowUp;
    /// assert_eq!(FollowUp::COLUMNS[..3], ["id", "owner", "tier"]);
    /// ```
    pub const COLUMNS: &[&str] = &[
        "id",
        "owner",
        "tier",
        "stage",
        "reasons",
        "due",
        "last_contact",
        "p_alive",
        "value_at_risk",
        "lifetime_value",
        "currency",
    ];

    /// The row as CSV cells in the order of [`FollowUp::COLUMNS`]: absent values empty, times
    /// RFC 3339 in UTC, reasons joined with `;`, numbers with up to 4 decimals.
    pub fn cells(&self) -> Vec<String> {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let number = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_default();
        let reasons: Vec<&str> = self.reasons.iter().map(|r| r.as_str()).collect();
        vec![
            self.id.to_string(),
            self.owner.clone().unwrap_or_default(),
            self.tier.clone().unwrap_or_default(),
            self.stage.as_str().to_owned(),
            reasons.join(";"),
            time(self.due),
            self.last_contact.map(time).unwrap_or_default(),
            number(self.p_alive),
            format!("{:.2}", self.value_at_risk),
            number(self.lifetime_value),
            self.currency
                .as_ref()
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
        ]
    }
}

/// The list as CSV text (RFC 4180: a header row of [`FollowUp::COLUMNS`], cells holding a
/// comma, quote or line break quoted, lines ended by CRLF).
///
/// ```
/// use clientele::report::{FollowUp, follow_ups_csv};
/// assert_eq!(follow_ups_csv(&[]), format!("{}\r\n", FollowUp::COLUMNS.join(",")));
/// ```
pub fn follow_ups_csv(list: &[FollowUp]) -> String {
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    };
    line(
        &FollowUp::COLUMNS
            .iter()
            .map(|c| (*c).to_owned())
            .collect::<Vec<_>>(),
    );
    for f in list {
        line(&f.cells());
    }
    out
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

/// The list from the report's pass: one row per customer with a reason, by value at risk
/// (highest first), then due date (earliest first), then id. Erased records never appear.
pub(crate) fn build_follow_ups(
    ctx: &Context<'_>,
    scores: &[CustomerScore],
    facts: &[CustomerFacts],
    predicted: &[Predicted],
    major: Major,
) -> Vec<FollowUp> {
    let config: &ReportConfig = ctx.config;
    // Who is due, why and when, as small items sorted before the rows are built (sorting the
    // rows themselves moves every one several times).
    let mut due: Vec<Due> = scores
        .par_iter()
        .zip(facts)
        .zip(predicted)
        .enumerate()
        .filter(|(_, ((_, f), _))| !f.erased)
        .filter_map(|(k, ((s, f), p))| {
            let mut reasons: Vec<(FollowUpReason, DateTime<Utc>)> = Vec::new();
            if s.follow_up_due {
                let interval = s.tier.as_ref().and_then(|name| {
                    let tiers = &config.scoring.tiers.tiers;
                    tiers.iter().find(|t| &t.name == name)?.follow_up_days
                });
                let clock = follow_up_clock(s.last_interaction, f.created_at, ctx.as_of);
                let days = Duration::days(i64::from(interval.unwrap_or(0)));
                let when = clock
                    .and_then(|c| c.checked_add_signed(days))
                    .unwrap_or(ctx.as_of);
                reasons.push((FollowUpReason::TierInterval, when.min(ctx.as_of)));
            }
            if config.follow_up.lapsed_stages.contains(&s.stage) {
                reasons.push((FollowUpReason::LapsedStage, s.stage_since));
            }
            let low = p
                .p_alive
                .is_some_and(|v| v < config.follow_up.p_alive_below);
            if low && s.stage != Stage::Churned {
                reasons.push((FollowUpReason::LowPAlive, ctx.as_of));
            }
            let when = reasons.iter().map(|(_, t)| *t).min()?;
            Some(Due {
                k,
                value_at_risk: major.major(f.window_spend),
                when,
                reasons: reasons.into_iter().map(|(r, _)| r).collect(),
            })
        })
        .collect();
    let id = |k: usize| scores.get(k).map(|s| &s.id);
    // Most value at risk first, then the longest overdue, then by id; the position last, so
    // that the order is the one a stable sort gives.
    due.par_sort_unstable_by(|a, b| {
        b.value_at_risk
            .total_cmp(&a.value_at_risk)
            .then_with(|| a.when.cmp(&b.when))
            .then_with(|| id(a.k).cmp(&id(b.k)))
            .then(a.k.cmp(&b.k))
    });
    due.into_par_iter()
        .filter_map(|d| {
            let (s, f, p) = (scores.get(d.k)?, facts.get(d.k)?, predicted.get(d.k)?);
            Some(FollowUp {
                id: s.id.clone(),
                owner: f.owner.clone(),
                tier: s.tier.clone(),
                stage: s.stage,
                reasons: d.reasons,
                due: d.when,
                last_contact: s.last_interaction,
                p_alive: p.p_alive,
                value_at_risk: d.value_at_risk,
                lifetime_value: p.clv,
                currency: ctx.currency,
            })
        })
        .collect()
}

/// A customer due a follow-up, before its row is built: its position in the scores.
struct Due {
    k: usize,
    value_at_risk: f64,
    when: DateTime<Utc>,
    reasons: Vec<FollowUpReason>,
}

/// The follow-up work list as of `as_of`: customers due a contact by their tier's interval,
/// customers in a lapsed stage, and customers whose probability alive is below the threshold
/// (not yet churned), each with its owner, due date and value at risk, sorted by value at
/// risk (highest first). Computed in the same pass as [`crate::report::kpis`].
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use clientele::model::{CurrencyCode, Money, Transaction};
/// use clientele::report::{FollowUpReason, ReportConfig, follow_ups};
/// use clientele::segment::Stage;
/// use clientele::{Customer, CustomerId, CustomerKind};
///
/// let as_of = Utc.with_ymd_and_hms(2024, 6, 30, 0, 0, 0).unwrap();
/// let id = CustomerId::new("C1")?;
/// let c = Customer::builder(id.clone(), CustomerKind::Person).owner("li.na").created_at(as_of).build();
/// let buy = Transaction::new(
///     id.clone(),
///     as_of - Duration::days(100),
///     Money {
///         minor_units: 50_000,
///         currency: CurrencyCode::new("CNY")?,
///     },
/// );
/// let list = follow_ups(&[c], &[buy], &[], &ReportConfig::default(), as_of);
/// assert_eq!(list[0].stage, Stage::AtRisk);
/// assert!(list[0].reasons.contains(&FollowUpReason::LapsedStage));
/// assert_eq!(list[0].owner.as_deref(), Some("li.na"));
/// assert_eq!(list[0].due, as_of - Duration::days(10)); // 90 days after the purchase
/// assert_eq!(list[0].value_at_risk, 500.0);
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn follow_ups(
    customers: &[Customer],
    transactions: &[Transaction],
    interactions: &[Interaction],
    config: &ReportConfig,
    as_of: DateTime<Utc>,
) -> Vec<FollowUp> {
    analyze(
        customers,
        transactions,
        interactions,
        config,
        as_of,
        Want::FollowUps,
    )
    .follow_ups
}

/// [`follow_ups`] over a store, read in batches.
///
/// # Errors
/// The store's errors (the first one met).
pub fn follow_ups_store<S>(
    store: &S,
    config: &ReportConfig,
    as_of: DateTime<Utc>,
) -> Result<Vec<FollowUp>>
where
    S: CustomerStore + ?Sized,
    Error: From<S::Error>,
{
    Ok(analyze_store(store, config, as_of, Want::FollowUps)?.follow_ups)
}
