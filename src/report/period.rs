//! Calendar periods (weeks, months, quarters) in UTC, and the spans a series is made of.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// The length of one step of a series: an ISO week (Monday to Sunday), a calendar month or a
/// calendar quarter, in UTC.
///
/// ```
/// use clientele::report::Period;
/// assert_eq!(serde_json::to_string(&Period::Quarter).unwrap(), r#""quarter""#);
/// assert_eq!(Period::default(), Period::Month);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// An ISO week, Monday 00:00 UTC to the next Monday.
    Week,
    /// A calendar month.
    #[default]
    Month,
    /// A calendar quarter (January, April, July, October).
    Quarter,
}

impl Period {
    /// The period's length in weeks, as the lifecycle models count time: 1, 4.345 (the
    /// `lifetimes` library's month) or 13.035.
    ///
    /// ```
    /// use clientele::report::Period;
    /// assert_eq!(Period::Month.weeks(), 4.345);
    /// ```
    pub fn weeks(self) -> f64 {
        match self {
            Self::Week => 1.0,
            Self::Month => 4.345,
            Self::Quarter => 3.0 * 4.345,
        }
    }

    /// The first day of the period that holds `day`.
    fn first_day(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).unwrap_or(day),
            Self::Quarter => {
                let month = (day.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
            }
        }
    }

    /// The first day of the period after the one starting on `first`.
    fn next(self, first: NaiveDate) -> NaiveDate {
        match self {
            Self::Week => first + Duration::days(7),
            Self::Month => add_months(first, 1),
            Self::Quarter => add_months(first, 3),
        }
    }

    /// The first day of the period before the one starting on `first`.
    fn previous(self, first: NaiveDate) -> NaiveDate {
        match self {
            Self::Week => first - Duration::days(7),
            Self::Month => add_months(first, -1),
            Self::Quarter => add_months(first, -3),
        }
    }

    /// The label of the period starting on `first`: `2026-W05`, `2026-01`, `2026-Q1`.
    fn label(self, first: NaiveDate) -> String {
        match self {
            Self::Week => {
                let w = first.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Self::Month => format!("{}-{:02}", first.year(), first.month()),
            Self::Quarter => format!("{}-Q{}", first.year(), first.month0() / 3 + 1),
        }
    }
}

/// The first of the month `months` months after (or before) the month of `day`.
pub(crate) fn add_months(day: NaiveDate, months: i32) -> NaiveDate {
    let index = month_index(day) + months;
    from_month_index(index).unwrap_or(day)
}

/// Months since year 0: `year * 12 + month0`.
pub(crate) fn month_index(day: NaiveDate) -> i32 {
    day.year() * 12 + i32::try_from(day.month0()).unwrap_or(0)
}

/// The first day of a month given by [`month_index`].
pub(crate) fn from_month_index(index: i32) -> Option<NaiveDate> {
    let month = u32::try_from(index.rem_euclid(12)).ok()? + 1;
    NaiveDate::from_ymd_opt(index.div_euclid(12), month, 1)
}

/// Midnight UTC at the start of a day.
pub(crate) fn midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// One period of a series: `[start, end)` in UTC, cut at the report's date for the last one.
///
/// ```
/// use clientele::report::{Period, PeriodSpan};
/// use chrono::{TimeZone, Utc};
/// let as_of = Utc.with_ymd_and_hms(2024, 3, 15, 12, 0, 0).unwrap();
/// let spans = PeriodSpan::ending_at(as_of, Period::Month, 3);
/// let labels: Vec<&str> = spans.iter().map(|s| s.label.as_str()).collect();
/// assert_eq!(labels, ["2024-01", "2024-02", "2024-03"]);
/// assert!(spans[2].partial && !spans[1].partial);
/// assert_eq!(spans[1].end, Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodSpan {
    /// `2026-W05`, `2026-01` or `2026-Q1`.
    pub label: String,
    /// The first instant of the period.
    pub start: DateTime<Utc>,
    /// The first instant after the period (the next period's start).
    pub end: DateTime<Utc>,
    /// Whether the report's date falls inside the period, so that it is counted only to that
    /// date.
    pub partial: bool,
}

/// The most periods of a series and monthly cohorts a report computes (100 years of months);
/// a configuration asking for more gets this many.
pub const MAX_PERIODS: usize = 1200;

impl PeriodSpan {
    /// The `count` periods ending with the one that holds `as_of`, oldest first (at least one).
    pub fn ending_at(as_of: DateTime<Utc>, period: Period, count: usize) -> Vec<PeriodSpan> {
        let count = count.clamp(1, MAX_PERIODS);
        let mut first = period.first_day(as_of.date_naive());
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let next = period.next(first);
            let end = midnight(next);
            out.push(PeriodSpan {
                label: period.label(first),
                start: midnight(first),
                end,
                partial: as_of < end - Duration::nanoseconds(1),
            });
            first = period.previous(first);
        }
        out.reverse();
        out
    }

    /// The last instant the period counts: its end's eve, or `as_of` when that comes first.
    pub(crate) fn last_instant(&self, as_of: DateTime<Utc>) -> DateTime<Utc> {
        (self.end - Duration::nanoseconds(1)).min(as_of)
    }

    /// Whether `t` falls in the period (and not after `as_of`).
    pub(crate) fn holds(&self, t: DateTime<Utc>, as_of: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end && t <= as_of
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn weeks_and_quarters_are_labelled_and_cut_as_documented() {
        let as_of = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(); // a Thursday
        let weeks = PeriodSpan::ending_at(as_of, Period::Week, 2);
        assert_eq!(weeks[1].label, "2026-W01");
        assert_eq!(
            weeks[1].start,
            Utc.with_ymd_and_hms(2025, 12, 29, 0, 0, 0).unwrap()
        );
        assert_eq!(weeks[0].label, "2025-W52");
        let quarters = PeriodSpan::ending_at(as_of, Period::Quarter, 5);
        let labels: Vec<&str> = quarters.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(
            labels,
            ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
        );
        assert!(quarters[4].partial);
        // A date on the period's last instant makes it whole.
        let eve = Utc.with_ymd_and_hms(2025, 12, 31, 23, 59, 59).unwrap()
            + Duration::nanoseconds(999_999_999);
        assert!(!PeriodSpan::ending_at(eve, Period::Month, 1)[0].partial);
    }

    #[test]
    fn month_indexes_round_trip() {
        let d = NaiveDate::from_ymd_opt(1997, 1, 1).unwrap();
        assert_eq!(from_month_index(month_index(d)), Some(d));
        assert_eq!(
            add_months(d, -1),
            NaiveDate::from_ymd_opt(1996, 12, 1).unwrap()
        );
        assert_eq!(
            add_months(d, 14),
            NaiveDate::from_ymd_opt(1998, 3, 1).unwrap()
        );
    }
}
