//! What a report is computed with besides the data: configuration as serde data.

use serde::{Deserialize, Serialize};

use super::period::Period;
use super::quality::QualityConfig;
use crate::segment::{ScoringConfig, Stage};

/// Everything the report functions need besides the data and the date. Serde-serializable;
/// every part may be left out of a configuration file and has a documented default.
///
/// ```
/// use clientele::report::{Period, ReportConfig};
/// let config: ReportConfig = serde_json::from_str(r#"{"period": "quarter", "periods": 8}"#).unwrap();
/// assert_eq!((config.period, config.periods, config.cohorts), (Period::Quarter, 8, 12));
/// assert_eq!(serde_json::from_str::<ReportConfig>("{}").unwrap(), ReportConfig::default());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportConfig {
    /// Tiers, RFM table, stage windows and spend currency, as `segment::score_records` uses
    /// them. The churn window of the report is the stage windows' `churned_days`.
    pub scoring: ScoringConfig,
    /// The step of the series (default a calendar month).
    pub period: Period,
    /// How many periods the series holds, ending with the one that holds the date (default 12;
    /// 1 to [`crate::report::MAX_PERIODS`], a number outside taken as the nearest end).
    pub periods: usize,
    /// How many monthly cohorts the retention table holds, ending with the date's month
    /// (default 12; 1 to [`crate::report::MAX_PERIODS`] as for `periods`).
    pub cohorts: usize,
    /// Months of predicted lifetime value (default 12).
    pub clv_months: u32,
    /// Monthly discount rate of lifetime value (default 0.01).
    pub clv_monthly_discount: f64,
    /// The follow-up list's rules.
    pub follow_up: FollowUpConfig,
    /// A feedback rating at or above this counts as satisfied (default 4, for 1 to 5 stars).
    pub satisfied_at_least: u8,
    /// The data-quality scorecard's windows and fields.
    pub quality: QualityConfig,
}

impl Default for ReportConfig {
    fn default() -> Self {
        Self {
            scoring: ScoringConfig::default(),
            period: Period::Month,
            periods: 12,
            cohorts: 12,
            clv_months: 12,
            clv_monthly_discount: 0.01,
            follow_up: FollowUpConfig::default(),
            satisfied_at_least: 4,
            quality: QualityConfig::default(),
        }
    }
}

/// Who goes on the follow-up list besides the customers their tier's interval makes due.
///
/// ```
/// use clientele::report::FollowUpConfig;
/// use clientele::segment::Stage;
/// let c = FollowUpConfig::default();
/// assert_eq!((c.p_alive_below, c.lapsed_stages.as_slice()), (0.5, &[Stage::AtRisk][..]));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FollowUpConfig {
    /// A customer whose probability of being alive (BG/NBD) is below this is at risk, unless
    /// its stage is already `churned` (default 0.5).
    pub p_alive_below: f64,
    /// Stages that put a customer on the list from the day the stage began (default
    /// `at_risk`).
    pub lapsed_stages: Vec<Stage>,
}

impl Default for FollowUpConfig {
    fn default() -> Self {
        Self {
            p_alive_below: 0.5,
            lapsed_stages: vec![Stage::AtRisk],
        }
    }
}
