//! Transaction logs to per-customer summaries (frequency, recency, T, monetary).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{CurrencyCode, CustomerId, Transaction};

/// The unit in which summaries and models measure time.
///
/// ```
/// use clientele::lifecycle::TimeUnit;
/// assert_eq!(TimeUnit::Week.days(), 7.0);
/// assert_eq!(TimeUnit::Day.month(), 30.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimeUnit {
    /// Seven days; the unit of the BG/NBD literature's CDNOW results.
    Week,
    /// One calendar day.
    Day,
}

impl TimeUnit {
    /// Days in one unit.
    ///
    /// ```
    /// # use clientele::lifecycle::TimeUnit;
    /// assert_eq!(TimeUnit::Day.days(), 1.0);
    /// ```
    pub fn days(self) -> f64 {
        match self {
            Self::Week => 7.0,
            Self::Day => 1.0,
        }
    }

    /// Units in one month, as the `lifetimes` library counts them: 4.345 weeks or 30 days.
    ///
    /// ```
    /// # use clientele::lifecycle::TimeUnit;
    /// assert_eq!(TimeUnit::Week.month(), 4.345);
    /// ```
    pub fn month(self) -> f64 {
        match self {
            Self::Week => 4.345,
            Self::Day => 30.0,
        }
    }
}

/// One customer's purchase history in the form the lifecycle models read.
///
/// Purchases on one calendar day count as one. With `n` purchase days up to the calibration end:
/// - `frequency` is `n - 1`, the number of repeat purchase days;
/// - `recency` is the time from the first to the last purchase day;
/// - `t` (the literature's `T`) is the time from the first purchase day to the calibration end;
/// - `monetary` is the mean amount per repeat purchase day (the first purchase is left out), 0
///   when there is none.
///
/// Times are in the [`TimeUnit`] the summary was made with.
///
/// ```
/// use clientele::lifecycle::CustomerSummary;
/// use clientele::CustomerId;
/// let s = CustomerSummary {
///     customer: CustomerId::new("1")?,
///     frequency: 2.0,
///     recency: 30.43,
///     t: 38.86,
///     monetary: 22.35,
/// };
/// assert!(s.recency <= s.t);
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerSummary {
    /// The customer.
    pub customer: CustomerId,
    /// Repeat purchases (purchase days after the first).
    pub frequency: f64,
    /// Time from the first to the last purchase.
    pub recency: f64,
    /// Time from the first purchase to the calibration end (`T`).
    pub t: f64,
    /// Mean spend per repeat purchase, in major units of the currency; 0 without repeats.
    pub monetary: f64,
}

/// Summarizes a transaction log per customer for a calibration period ending on
/// `calibration_end` (inclusive), with times in `unit`.
///
/// Transactions dated after `calibration_end` are ignored, and so are customers whose first
/// purchase is after it. Dates are the UTC calendar dates of [`Transaction::at`]. Amounts of one
/// day are added; each is converted to major units with its currency's exponent (2 for unknown
/// codes); currencies are not converted into one another, so a customer's log is expected to be
/// in one currency. Refunds (negative amounts) count toward the day's amount; a day whose amounts
/// add up to less than zero is a refund day, not a purchase day. Amounts are added exactly (as
/// integers), so the result does not depend on the order of the transactions.
///
/// The result is sorted by customer id. Cost: O(n log n) time for n transactions, memory for
/// one entry per customer and purchase day.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use clientele::lifecycle::{TimeUnit, summarize};
/// use clientele::model::{CurrencyCode, Money, Transaction};
/// use clientele::CustomerId;
///
/// let buy = |day: u32, cents: i64| -> clientele::Result<Transaction> {
///     Ok(Transaction::new(
///         CustomerId::new("C1")?,
///         Utc.with_ymd_and_hms(2024, 1, day, 12, 0, 0).unwrap(),
///         Money {
///             minor_units: cents,
///             currency: CurrencyCode::new("USD")?,
///         },
///     ))
/// };
/// let log = vec![buy(1, 1000)?, buy(8, 2000)?, buy(8, 500)?, buy(15, 3500)?, buy(30, 9900)?];
/// let end = NaiveDate::from_ymd_opt(2024, 1, 22).unwrap();
/// let s = &summarize(&log, end, TimeUnit::Week)[0];
/// assert_eq!(s.frequency, 2.0); // Jan 8 (two purchases, one day) and Jan 15
/// assert_eq!(s.recency, 2.0); // Jan 1 to Jan 15
/// assert_eq!(s.t, 3.0); // Jan 1 to Jan 22
/// assert_eq!(s.monetary, 30.0); // (25 + 35) / 2
/// # Ok::<(), clientele::Error>(())
/// ```
pub fn summarize(
    transactions: &[Transaction],
    calibration_end: NaiveDate,
    unit: TimeUnit,
) -> Vec<CustomerSummary> {
    let mut days: BTreeMap<&CustomerId, BTreeMap<NaiveDate, i128>> = BTreeMap::new();
    let mut scales = Scales::default();
    for tx in transactions {
        let Some((date, scaled)) = scaled_day(tx, calibration_end, &mut scales) else {
            continue;
        };
        let day = days
            .entry(&tx.customer)
            .or_default()
            .entry(date)
            .or_insert(0);
        *day = day.saturating_add(scaled);
    }
    days.into_iter()
        .filter_map(|(customer, by_day)| from_days(customer, by_day, calibration_end, unit))
        .collect()
}

/// Amounts are added as integers in ten-thousandths of a major unit (every ISO 4217 exponent
/// is at most 4), so a day's total does not depend on the order of its transactions.
const SCALE_EXPONENT: u8 = 4;

/// The factor that brings minor units of a currency to [`SCALE_EXPONENT`] decimals, kept for
/// the last currency met: a log is mostly in one currency, and the table lookup upper-cases
/// the code into a new string.
#[derive(Default)]
struct Scales(Option<(CurrencyCode, i128)>);

impl Scales {
    fn of(&mut self, currency: CurrencyCode) -> i128 {
        if let Some((known, factor)) = self.0
            && known == currency
        {
            return factor;
        }
        let exponent = crate::validate::currency_minor_units(currency.as_str())
            .flatten()
            .unwrap_or(2)
            .min(SCALE_EXPONENT);
        let factor = 10i128.pow(u32::from(SCALE_EXPONENT - exponent));
        self.0 = Some((currency, factor));
        factor
    }
}

/// A transaction's day and amount (scaled to [`SCALE_EXPONENT`]); `None` after the calibration
/// end.
fn scaled_day(
    tx: &Transaction,
    calibration_end: NaiveDate,
    scales: &mut Scales,
) -> Option<(NaiveDate, i128)> {
    let date = tx.at.date_naive();
    if date > calibration_end {
        return None;
    }
    Some((
        date,
        i128::from(tx.amount.minor_units) * scales.of(tx.amount.currency),
    ))
}

/// One customer's summary from its day totals, in date order, one per day; `None` without a
/// purchase day.
fn from_days(
    customer: &CustomerId,
    by_day: impl IntoIterator<Item = (NaiveDate, i128)>,
    calibration_end: NaiveDate,
    unit: TimeUnit,
) -> Option<CustomerSummary> {
    let per_unit = unit.days();
    let major = |scaled: i128| scaled as f64 / 10f64.powi(i32::from(SCALE_EXPONENT));
    // A day whose amounts add up to less than zero (a refund, not a purchase) is not a
    // purchase day.
    let mut days = by_day
        .into_iter()
        .filter(|(_, v)| *v >= 0)
        .map(|(d, v)| (d, major(v)));
    let (first, _) = days.next()?;
    // The repeat days' spends are not negative: adding them from +0 gives what `sum` gives.
    let (mut last, mut repeats, mut repeat_spend) = (first, 0usize, 0.0f64);
    for (day, spend) in days {
        (last, repeats, repeat_spend) = (day, repeats + 1, repeat_spend + spend);
    }
    let elapsed = |from: NaiveDate, to: NaiveDate| (to - from).num_days() as f64 / per_unit;
    Some(CustomerSummary {
        customer: customer.clone(),
        frequency: repeats as f64,
        recency: elapsed(first, last),
        t: elapsed(first, calibration_end),
        monetary: if repeats == 0 {
            0.0
        } else {
            repeat_spend / repeats as f64
        },
    })
}

/// The summary of one customer's transactions (all taken as `customer`'s), as [`summarize`]
/// would give it; `None` when there is no purchase day up to the calibration end. Days are
/// totalled in a sorted vector rather than a map: this runs once per customer of a report.
pub(crate) fn summarize_one<'a>(
    customer: &CustomerId,
    transactions: impl IntoIterator<Item = &'a Transaction>,
    calibration_end: NaiveDate,
    unit: TimeUnit,
) -> Option<CustomerSummary> {
    let mut scales = Scales::default();
    let mut days: Vec<(NaiveDate, i128)> = transactions
        .into_iter()
        .filter_map(|tx| scaled_day(tx, calibration_end, &mut scales))
        .collect();
    // Stable: a day's amounts are added in input order, as the map in `summarize` adds them.
    days.sort_by_key(|(d, _)| *d);
    days.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = kept.1.saturating_add(later.1);
        }
        same
    });
    from_days(customer, days, calibration_end, unit)
}
