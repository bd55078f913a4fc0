//! The lifecycle models of a report: BG/NBD and Gamma-Gamma fitted on the customers'
//! summaries, and each customer's probability alive, purchases expected next period and
//! lifetime value.
//!
//! The expected purchases at a horizon factor into the probability alive (which depends on
//! the recency) and the purchases expected if alive, whose hypergeometric function depends on
//! the frequency and the age only. A population holds far fewer (frequency, age) pairs than
//! customers (ages are whole days), so those are evaluated once per pair and horizon: the
//! figures are the same, bit for bit, as one evaluation per customer.

use rayon::prelude::*;

use super::collect::CustomerFacts;
use super::config::ReportConfig;
use super::kpi::LifecycleModels;
use crate::lifecycle::{BgNbd, CustomerSummary, GammaGamma, TimeUnit};

/// What the lifecycle models say of one customer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Predicted {
    pub(crate) p_alive: Option<f64>,
    pub(crate) expected: Option<f64>,
    pub(crate) clv: Option<f64>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

pub(crate) fn fit_models(facts: &[CustomerFacts]) -> LifecycleModels {
    let summaries: Vec<CustomerSummary> = facts.iter().filter_map(|f| f.summary.clone()).collect();
    let bgnbd = BgNbd::fit(&summaries);
    let spend = GammaGamma::fit(&summaries);
    LifecycleModels {
        customers: summaries.len(),
        bgnbd_error: bgnbd.as_ref().err().map(ToString::to_string),
        bgnbd: bgnbd.ok(),
        gamma_gamma_error: spend.as_ref().err().map(ToString::to_string),
        gamma_gamma: spend.ok(),
    }
}

/// The most values [`Curves`] holds (32 MB); beyond, customers evaluate their own.
const MAX_CACHED: usize = 4 << 20;

/// The purchases expected if alive ([`BgNbd::expected_if_alive`]) at every horizon, per
/// (frequency, age) pair: the next period first, then each month of the lifetime value.
struct Curves {
    horizons: Vec<f64>,
    /// The pairs as bits, sorted, and their curves.
    keys: Vec<(u64, u64)>,
    curves: Vec<Vec<f64>>,
}

impl Curves {
    fn new(
        bg: &BgNbd,
        summaries: &[&CustomerSummary],
        horizons: Vec<f64>,
        max_cached: usize,
    ) -> Self {
        let mut keys: Vec<(u64, u64)> = summaries
            .iter()
            .map(|c| (c.frequency.to_bits(), c.t.to_bits()))
            .collect();
        keys.par_sort_unstable();
        keys.dedup();
        if keys.len().saturating_mul(horizons.len()) > max_cached {
            // A long horizon over very many pairs: each customer evaluates its own.
            keys.clear();
        }
        let curves = keys
            .par_iter()
            .map(|&(x, age)| {
                let (x, age) = (f64::from_bits(x), f64::from_bits(age));
                horizons
                    .iter()
                    .map(|&h| bg.expected_if_alive(h, x, age))
                    .collect()
            })
            .collect();
        Self {
            horizons,
            keys,
            curves,
        }
    }

    fn of(&self, c: &CustomerSummary) -> &[f64] {
        let key = (c.frequency.to_bits(), c.t.to_bits());
        self.keys
            .binary_search(&key)
            .ok()
            .and_then(|i| self.curves.get(i))
            .map_or(&[], Vec::as_slice)
    }
}

/// Each customer's predictions (in the order of `facts`).
pub(crate) fn predict(
    facts: &[CustomerFacts],
    models: &LifecycleModels,
    config: &ReportConfig,
) -> Vec<Predicted> {
    predict_caching(facts, models, config, MAX_CACHED)
}

/// [`predict`], holding at most `max_cached` values of the curves.
fn predict_caching(
    facts: &[CustomerFacts],
    models: &LifecycleModels,
    config: &ReportConfig,
    max_cached: usize,
) -> Vec<Predicted> {
    let Some(bg) = &models.bgnbd else {
        return vec![Predicted::default(); facts.len()];
    };
    let months = config.clv_months;
    let discount = config.clv_monthly_discount;
    let clv_model = models
        .gamma_gamma
        .as_ref()
        .filter(|_| GammaGamma::clv_arguments_valid(months, discount));
    let month = TimeUnit::Week.month();
    let mut horizons = vec![config.period.weeks()];
    if clv_model.is_some() {
        horizons.extend((1..=months).map(|i| f64::from(i) * month));
    }
    let summaries: Vec<&CustomerSummary> =
        facts.iter().filter_map(|f| f.summary.as_ref()).collect();
    let curves = Curves::new(bg, &summaries, horizons, max_cached);
    facts
        .par_iter()
        .map(|f| {
            let Some(c) = &f.summary else {
                return Predicted::default();
            };
            let alive = bg.p_alive(c.frequency, c.recency, c.t);
            let curve = curves.of(c);
            let at = |k: usize, h: f64| {
                bg.conditional_with(h, c.frequency, c.recency, c.t, alive, || {
                    curve
                        .get(k)
                        .copied()
                        .unwrap_or_else(|| bg.expected_if_alive(h, c.frequency, c.t))
                })
            };
            let expected = at(0, curves.horizons.first().copied().unwrap_or(f64::NAN));
            // `clv_from` asks for the months' horizons in order: curve slots 1, 2, ...
            let mut slot = 0;
            let clv = clv_model.map(|gg| {
                gg.clv_from(
                    c.frequency,
                    c.monetary,
                    months,
                    discount,
                    TimeUnit::Week,
                    |h| {
                        slot += 1;
                        at(slot, h)
                    },
                )
            });
            Predicted {
                p_alive: finite(alive),
                expected: finite(expected),
                clv: clv.and_then(finite),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The per-customer evaluation the curves replace.
    fn predict_each(
        facts: &[CustomerFacts],
        models: &LifecycleModels,
        config: &ReportConfig,
    ) -> Vec<Predicted> {
        let weeks = config.period.weeks();
        facts
            .iter()
            .map(|f| match (&f.summary, &models.bgnbd) {
                (Some(c), Some(bg)) => Predicted {
                    p_alive: finite(bg.p_alive(c.frequency, c.recency, c.t)),
                    expected: finite(bg.conditional_expected_purchases(
                        weeks,
                        c.frequency,
                        c.recency,
                        c.t,
                    )),
                    clv: models.gamma_gamma.as_ref().and_then(|gg| {
                        let months = config.clv_months;
                        finite(gg.clv(bg, c, months, config.clv_monthly_discount, TimeUnit::Week))
                    }),
                },
                _ => Predicted::default(),
            })
            .collect()
    }

    #[test]
    fn shared_curves_predict_exactly_what_one_evaluation_per_customer_does() {
        use crate::CustomerId;
        // Histories in whole days (as summaries are), many sharing a frequency and an age,
        // drawn from a model; spends varied around a mean.
        let truth = BgNbd {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
            log_likelihood: 0.0,
        };
        let facts: Vec<CustomerFacts> = truth
            .simulate(4_000, TimeUnit::Week, (30, 400), 11)
            .into_iter()
            .enumerate()
            .map(|(k, mut c)| {
                let k = k as u32;
                if c.frequency > 0.0 {
                    c.monetary = 20.0 + f64::from(k * 37 % 50) + f64::from(k % 7) / 8.0;
                }
                CustomerFacts {
                    id: CustomerId::new(format!("C{k}")).unwrap(),
                    owner: None,
                    created_at: chrono::DateTime::UNIX_EPOCH,
                    erased: false,
                    summary: (!k.is_multiple_of(11)).then_some(c),
                    window_spend: 0,
                }
            })
            .collect();
        let models = fit_models(&facts);
        assert!(models.bgnbd.is_some(), "{:?}", models.bgnbd_error);
        assert!(
            models.gamma_gamma.is_some(),
            "{:?}",
            models.gamma_gamma_error
        );
        for (period, months, discount) in [
            (super::super::Period::Month, 12, 0.01),
            (super::super::Period::Week, 3, 0.0),
            (super::super::Period::Quarter, 0, 0.05),
            (super::super::Period::Month, 12, -1.0),
            (super::super::Period::Month, 240, 0.01),
        ] {
            let config = ReportConfig {
                period,
                clv_months: months,
                clv_monthly_discount: discount,
                ..ReportConfig::default()
            };
            let fast = predict(&facts, &models, &config);
            let each = predict_each(&facts, &models, &config);
            let uncached = predict_caching(&facts, &models, &config, 0);
            let bits = |p: &[Predicted]| {
                p.iter()
                    .map(|p| [p.p_alive, p.expected, p.clv].map(|v| v.map(f64::to_bits)))
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&fast), bits(&each), "{period:?} {months} {discount}");
            assert_eq!(
                bits(&uncached),
                bits(&each),
                "{period:?} {months} {discount}"
            );
        }
        let unfitted = LifecycleModels {
            bgnbd: None,
            ..models
        };
        let config = ReportConfig::default();
        assert_eq!(
            predict(&facts, &unfitted, &config),
            predict_each(&facts, &unfitted, &config)
        );
    }
}
