//! Tiers: VIP, regular, potential (or the caller's own) by spend and frequency over a window.

use serde::{Deserialize, Serialize};

use super::summary::ActivitySummary;
use crate::model::CurrencyCode;

/// One tier: a name, the thresholds a customer must meet over the configuration's window, and
/// how often its customers should be contacted.
///
/// Both thresholds must be met; an absent threshold is always met (so a tier with neither is
/// a catch-all).
///
/// ```
/// use clientele::segment::Tier;
/// let gold = Tier::new("gold").min_spend(500_000).min_purchases(3).follow_up_days(60);
/// assert!(gold.admits(500_000, 3));
/// assert!(!gold.admits(499_999, 10));
/// assert!(Tier::new("everyone").admits(-10, 0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    /// The tier's name (`vip`, `regular`, `potential`, or the caller's own).
    pub name: String,
    /// Least net spend over the window, in minor units of the scoring currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_spend: Option<i64>,
    /// Fewest purchases over the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_purchases: Option<usize>,
    /// Customers of this tier are due a follow-up when their last interaction is more than
    /// this many days old; `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_days: Option<u32>,
}

impl Tier {
    /// A catch-all tier with this name (no threshold, no follow-up).
    ///
    /// ```
    /// use clientele::segment::Tier;
    /// assert!(Tier::new("all").admits(0, 0));
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            min_spend: None,
            min_purchases: None,
            follow_up_days: None,
        }
    }

    /// Sets the least spend (minor units).
    ///
    /// ```
    /// use clientele::segment::Tier;
    /// assert!(!Tier::new("big").min_spend(100).admits(99, 9));
    /// ```
    #[must_use]
    pub fn min_spend(mut self, minor_units: i64) -> Self {
        self.min_spend = Some(minor_units);
        self
    }

    /// Sets the fewest purchases.
    ///
    /// ```
    /// use clientele::segment::Tier;
    /// assert!(!Tier::new("often").min_purchases(3).admits(1_000, 2));
    /// ```
    #[must_use]
    pub fn min_purchases(mut self, n: usize) -> Self {
        self.min_purchases = Some(n);
        self
    }

    /// Sets the follow-up interval in days.
    ///
    /// ```
    /// use clientele::segment::Tier;
    /// assert_eq!(Tier::new("vip").follow_up_days(30).follow_up_days, Some(30));
    /// ```
    #[must_use]
    pub fn follow_up_days(mut self, days: u32) -> Self {
        self.follow_up_days = Some(days);
        self
    }

    /// Whether a customer with this spend and number of purchases (over the window) meets the
    /// tier's thresholds.
    ///
    /// ```
    /// use clientele::segment::Tier;
    /// let t = Tier::new("regular").min_spend(0).min_purchases(2);
    /// assert!(t.admits(0, 2));
    /// assert!(!t.admits(-1, 2)); // refunds exceeding purchases
    /// ```
    pub fn admits(&self, spend: i128, purchases: usize) -> bool {
        self.min_spend.is_none_or(|m| spend >= i128::from(m))
            && self.min_purchases.is_none_or(|m| purchases >= m)
    }
}

/// Ordered tiers over a window of days: a customer gets the **first** tier whose thresholds it
/// meets, or none when no tier admits it (the default ends with a catch-all, so every customer
/// gets one).
///
/// The default, over the last 365 days, with spend in minor units of the scoring currency:
///
/// | tier | least spend | fewest purchases | follow-up every |
/// |---|---|---|---|
/// | `vip` | 1,000,000 (10,000.00) | 5 | 30 days |
/// | `regular` | — | 2 | 90 days |
/// | `potential` | — | — | 180 days |
///
/// ```
/// use clientele::segment::{ActivitySummary, TierConfig};
/// use clientele::model::CurrencyCode;
/// use chrono::Utc;
/// let tiers = TierConfig::default();
/// let cny = CurrencyCode::new("CNY")?;
/// let nobody = ActivitySummary::new([], [], Utc::now());
/// assert_eq!(tiers.assign(&nobody, &cny).map(|t| t.name.as_str()), Some("potential"));
/// assert_eq!(tiers.tier_for(2_000_000, 6).map(|t| t.name.as_str()), Some("vip"));
/// assert_eq!(tiers.tier_for(2_000_000, 2).map(|t| t.name.as_str()), Some("regular"));
/// # Ok::<(), clientele::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierConfig {
    /// The window, in days up to the scoring date, over which spend and purchases are counted.
    pub window_days: u32,
    /// The tiers, best first.
    pub tiers: Vec<Tier>,
}

impl Default for TierConfig {
    fn default() -> Self {
        Self {
            window_days: 365,
            tiers: vec![
                Tier::new("vip")
                    .min_spend(1_000_000)
                    .min_purchases(5)
                    .follow_up_days(30),
                Tier::new("regular").min_purchases(2).follow_up_days(90),
                Tier::new("potential").follow_up_days(180),
            ],
        }
    }
}

impl TierConfig {
    /// The first tier that admits this spend and number of purchases (over the window).
    ///
    /// ```
    /// use clientele::segment::TierConfig;
    /// assert_eq!(TierConfig::default().tier_for(0, 2).map(|t| t.name.as_str()), Some("regular"));
    /// ```
    pub fn tier_for(&self, spend: i128, purchases: usize) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.admits(spend, purchases))
    }

    /// The tier of a customer's activity, spend counted in `currency` (other currencies are
    /// left out) and purchases in every currency, over the window.
    ///
    /// ```
    /// use clientele::segment::{ActivitySummary, TierConfig};
    /// use clientele::model::CurrencyCode;
    /// use chrono::Utc;
    /// let none = ActivitySummary::new([], [], Utc::now());
    /// let tier = TierConfig::default().assign(&none, &CurrencyCode::new("EUR")?).map(|t| t.name.clone());
    /// assert_eq!(tier.as_deref(), Some("potential"));
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn assign(&self, activity: &ActivitySummary, currency: &CurrencyCode) -> Option<&Tier> {
        let window = Some(self.window_days);
        self.tier_for(
            activity.spend(currency, window),
            activity.purchase_count(window),
        )
    }
}
