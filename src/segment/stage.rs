//! Lifecycle stages from purchase history, with the date each stage was entered.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::summary::ActivitySummary;

/// Where a customer stands in its lifecycle as of a date (see [`StageWindows`] for the rules).
///
/// ```
/// use clientele::segment::Stage;
/// assert_eq!(Stage::AtRisk.as_str(), "at_risk");
/// assert_eq!(serde_json::to_string(&Stage::Reactivated).unwrap(), r#""reactivated""#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No purchase yet.
    Lead,
    /// First purchase recent.
    New,
    /// Buying regularly.
    Active,
    /// No purchase for a while.
    AtRisk,
    /// No purchase for long: considered gone.
    Churned,
    /// Bought again after having churned, recently.
    Reactivated,
}

impl Stage {
    /// The stage's name in snake case (as serialized).
    ///
    /// ```
    /// use clientele::segment::Stage;
    /// assert_eq!(Stage::Lead.as_str(), "lead");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::New => "new",
            Self::Active => "active",
            Self::AtRisk => "at_risk",
            Self::Churned => "churned",
            Self::Reactivated => "reactivated",
        }
    }
}

/// The windows, in days, that move customers between stages. Only purchases count (a refund
/// or an interaction does not make a customer active).
///
/// With `last` the latest purchase before the date:
/// - **lead**: no purchase; since the record's creation.
/// - **churned**: more than `churned_days` since `last`; since `last + churned_days`.
/// - **at risk**: more than `at_risk_days` since `last`; since `last + at_risk_days`.
/// - otherwise the customer is live, in the phase begun by the latest purchase that opened one:
///   the first purchase opens **new**, a purchase after a gap of more than `churned_days` opens
///   **reactivated**, a purchase after a gap of more than `at_risk_days` opens **active**. A new
///   or reactivated phase lasts `new_days` / `reactivated_days` from its opening purchase and
///   then turns **active** (since the end of that period).
///
/// The default: `new_days` 30, `at_risk_days` 90, `churned_days` 180, `reactivated_days` 30.
///
/// ```
/// use clientele::segment::{ActivitySummary, Stage, StageWindows};
/// use clientele::model::{CurrencyCode, Money, Transaction};
/// use clientele::CustomerId;
/// use chrono::{Duration, TimeZone, Utc};
/// let start = Utc.with_ymd_and_hms(2023, 1, 1, 0, 0, 0).unwrap();
/// let buy = |day: i64| {
///     Transaction::new(
///         CustomerId::new("C1").unwrap(),
///         start + Duration::days(day),
///         Money {
///             minor_units: 100,
///             currency: CurrencyCode::new("CNY").unwrap(),
///         },
///     )
/// };
/// // Bought on day 0, nothing for 300 days, then again on day 300.
/// let txs = [buy(0), buy(300)];
/// let w = StageWindows::default();
/// let at = |day| ActivitySummary::new(&txs, [], start + Duration::days(day));
/// assert_eq!(w.stage(&at(10), start), (Stage::New, start));
/// assert_eq!(w.stage(&at(100), start), (Stage::AtRisk, start + Duration::days(90)));
/// assert_eq!(w.stage(&at(200), start), (Stage::Churned, start + Duration::days(180)));
/// assert_eq!(w.stage(&at(310), start), (Stage::Reactivated, start + Duration::days(300)));
/// assert_eq!(w.stage(&at(340), start), (Stage::Active, start + Duration::days(330)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageWindows {
    /// How long a first purchase keeps a customer new.
    pub new_days: u32,
    /// Days without a purchase after which a customer is at risk.
    pub at_risk_days: u32,
    /// Days without a purchase after which a customer has churned.
    pub churned_days: u32,
    /// How long a return after churning keeps a customer reactivated.
    pub reactivated_days: u32,
}

impl Default for StageWindows {
    fn default() -> Self {
        Self {
            new_days: 30,
            at_risk_days: 90,
            churned_days: 180,
            reactivated_days: 30,
        }
    }
}

pub(crate) fn plus_days(t: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    t.checked_add_signed(Duration::days(i64::from(days)))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl StageWindows {
    /// The stage of a customer as of its summary's date, and when that stage was entered.
    /// `created_at` is the record's creation (the start of the lead stage; a creation after
    /// the summary date counts as the summary date).
    ///
    /// ```
    /// use clientele::segment::{ActivitySummary, Stage, StageWindows};
    /// use chrono::{TimeZone, Utc};
    /// let created = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    /// let nothing = ActivitySummary::new([], [], Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap());
    /// assert_eq!(StageWindows::default().stage(&nothing, created), (Stage::Lead, created));
    /// ```
    pub fn stage(
        &self,
        activity: &ActivitySummary,
        created_at: DateTime<Utc>,
    ) -> (Stage, DateTime<Utc>) {
        self.stage_at(activity.purchase_times(), activity.as_of(), created_at)
    }

    /// [`StageWindows::stage`] from the purchase times up to `as_of`, oldest first (what
    /// [`ActivitySummary::purchase_times`] gives): the reports ask for the stage at many
    /// dates of one sorted history.
    pub(crate) fn stage_at(
        &self,
        purchases: impl IntoIterator<Item = DateTime<Utc>>,
        as_of: DateTime<Utc>,
        created_at: DateTime<Utc>,
    ) -> (Stage, DateTime<Utc>) {
        let phase = purchases
            .into_iter()
            .fold(None, |before, p| Some(self.step(before.as_ref(), p)));
        self.stage_after(phase.as_ref(), as_of, created_at)
    }

    /// The phase after each purchase of a history (oldest first): `out[k]` is the phase after
    /// `purchases[..=k]`. The reports ask for the stage at many dates of one history: each
    /// date's stage is then [`StageWindows::stage_after`] the phase of the purchases up to
    /// it, without going over the history again.
    pub(crate) fn phases(&self, purchases: &[DateTime<Utc>]) -> Vec<Phase> {
        let mut out: Vec<Phase> = Vec::with_capacity(purchases.len());
        for p in purchases {
            let next = self.step(out.last(), *p);
            out.push(next);
        }
        out
    }

    /// The phase after one more purchase `p` (not before the last one of `before`).
    fn step(&self, before: Option<&Phase>, p: DateTime<Utc>) -> Phase {
        // The phase opened by the latest purchase that opened one.
        let opens = match before {
            None => Some(Stage::New),
            Some(b) if p > b.churned => Some(Stage::Reactivated),
            Some(b) if p > b.at_risk => Some(Stage::Active),
            Some(_) => None,
        };
        let (phase, opened, ends) = match (opens, before) {
            (None, Some(b)) => (b.phase, b.opened, b.ends),
            (opens, _) => {
                let phase = opens.unwrap_or(Stage::New);
                let lasts = match phase {
                    Stage::New => Some(self.new_days),
                    Stage::Reactivated => Some(self.reactivated_days),
                    _ => None,
                };
                (phase, p, lasts.map_or(p, |d| plus_days(p, d)))
            }
        };
        Phase {
            phase,
            opened,
            ends,
            at_risk: plus_days(p, self.at_risk_days),
            churned: plus_days(p, self.churned_days),
        }
    }

    /// The stage as of `as_of` of a customer whose purchases up to then left it in `phase`
    /// (`None`: no purchase), and when that stage was entered.
    pub(crate) fn stage_after(
        &self,
        phase: Option<&Phase>,
        as_of: DateTime<Utc>,
        created_at: DateTime<Utc>,
    ) -> (Stage, DateTime<Utc>) {
        let Some(s) = phase else {
            return (Stage::Lead, created_at.min(as_of));
        };
        if as_of > s.churned {
            return (Stage::Churned, s.churned);
        }
        if as_of > s.at_risk {
            return (Stage::AtRisk, s.at_risk);
        }
        match s.phase {
            Stage::New | Stage::Reactivated if as_of > s.ends => (Stage::Active, s.ends),
            Stage::New | Stage::Reactivated => (s.phase, s.opened),
            _ => (Stage::Active, s.opened),
        }
    }
}

/// Where a purchase history leaves a customer, with the instants its stage changes next
/// ([`StageWindows::phases`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Phase {
    /// The phase opened by the latest purchase that opened one: new, active or reactivated.
    phase: Stage,
    /// That purchase.
    opened: DateTime<Utc>,
    /// When a new or reactivated phase turns active (`opened` for an active one).
    ends: DateTime<Utc>,
    /// When the customer is at risk, then churned, without another purchase.
    at_risk: DateTime<Utc>,
    churned: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The stage as first written: one walk over the history per date asked about.
    fn reference(
        w: &StageWindows,
        purchases: &[DateTime<Utc>],
        as_of: DateTime<Utc>,
        created_at: DateTime<Utc>,
    ) -> (Stage, DateTime<Utc>) {
        let Some((&first, rest)) = purchases.split_first() else {
            return (Stage::Lead, created_at.min(as_of));
        };
        let (mut phase, mut opened, mut last) = (Stage::New, first, first);
        for &p in rest {
            if p > plus_days(last, w.churned_days) {
                (phase, opened) = (Stage::Reactivated, p);
            } else if p > plus_days(last, w.at_risk_days) {
                (phase, opened) = (Stage::Active, p);
            }
            last = p;
        }
        let churned = plus_days(last, w.churned_days);
        let at_risk = plus_days(last, w.at_risk_days);
        if as_of > churned {
            return (Stage::Churned, churned);
        }
        if as_of > at_risk {
            return (Stage::AtRisk, at_risk);
        }
        let lasts = match phase {
            Stage::New => w.new_days,
            Stage::Reactivated => w.reactivated_days,
            _ => return (Stage::Active, opened),
        };
        let ends = plus_days(opened, lasts);
        if as_of > ends {
            (Stage::Active, ends)
        } else {
            (phase, opened)
        }
    }

    proptest! {
        #[test]
        fn phases_give_the_stage_of_one_walk_per_date(
            gaps in prop::collection::vec(0i64..400 * 86_400, 0..12),
            asks in prop::collection::vec(-10i64..3_000 * 86_400, 1..8),
            windows in (0u32..60, 0u32..200, 0u32..400, 0u32..60),
        ) {
            let w = StageWindows {
                new_days: windows.0,
                at_risk_days: windows.1,
                churned_days: windows.2,
                reactivated_days: windows.3,
            };
            let start = DateTime::<Utc>::UNIX_EPOCH + Duration::days(20_000);
            let mut at = start;
            let purchases: Vec<DateTime<Utc>> = gaps
                .iter()
                .map(|g| {
                    at += Duration::seconds(*g);
                    at
                })
                .collect();
            let phases = w.phases(&purchases);
            for ask in asks {
                let as_of = start + Duration::seconds(ask);
                let upto = purchases.partition_point(|p| *p <= as_of);
                let expected = reference(&w, &purchases[..upto], as_of, start);
                let phase = upto.checked_sub(1).and_then(|k| phases.get(k));
                prop_assert_eq!(w.stage_after(phase, as_of, start), expected);
                prop_assert_eq!(
                    w.stage_at(purchases[..upto].iter().copied(), as_of, start),
                    expected
                );
            }
        }
    }
}
