//! Customers drawn from a BG/NBD model, for tests, benches and checking a fit recovers what
//! generated the data (feature `synth`).

use super::bgnbd::BgNbd;
use super::summary::{CustomerSummary, TimeUnit};
use crate::model::CustomerId;
use crate::rng::SplitMix;

impl BgNbd {
    /// Draws `customers` summaries from the model, deterministically from `seed`.
    ///
    /// Each customer gets λ ~ Gamma(r, alpha) and p ~ Beta(a, b), makes a first purchase at time
    /// 0, then buys as a Poisson process of rate λ, dropping out after each purchase with
    /// probability p, until the calibration end `T` days later, `T` drawn uniformly from
    /// `ages_in_days` (inclusive). As in a log's dates, recency is rounded to whole days, so
    /// histories repeat as in real data; purchases falling on one day are not merged (the
    /// model's continuous-time process, which [`summarize`](super::summarize) of a real log
    /// approximates by counting purchase days). The model's rates are per `unit`, and so are the
    /// summaries' times. Ids are `S0`, `S1`, ...; `monetary` is 0.
    ///
    /// Parameters that are not finite and positive give no customers (an empty result). A
    /// customer's purchases are capped at 1,000,000 so that extreme rates cannot loop for ever.
    ///
    /// Cost: O(customers + purchases) time, one allocation per customer for the id.
    ///
    /// ```
    /// use clientele::lifecycle::{BgNbd, TimeUnit};
    /// let truth = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let customers = truth.simulate(2_000, TimeUnit::Week, (189, 273), 7);
    /// assert_eq!(customers.len(), 2_000);
    /// assert!(customers.iter().all(|c| c.recency <= c.t && c.t <= 39.0));
    /// ```
    pub fn simulate(
        &self,
        customers: usize,
        unit: TimeUnit,
        ages_in_days: (u32, u32),
        seed: u64,
    ) -> Vec<CustomerSummary> {
        let usable = |v: f64| v.is_finite() && v > 0.0;
        if ![self.r, self.alpha, self.a, self.b].into_iter().all(usable) {
            return Vec::new();
        }
        let mut rng = Sampler(SplitMix(seed));
        let (lo, hi) = (
            ages_in_days.0.min(ages_in_days.1),
            ages_in_days.0.max(ages_in_days.1),
        );
        let per_day = 1.0 / unit.days();
        (0..customers)
            .filter_map(|i| {
                let span = u64::from(hi - lo) + 1;
                let age_days = lo + (rng.0.next() % span) as u32;
                let rate_per_day = rng.gamma(self.r) / self.alpha * per_day;
                let g = rng.gamma(self.a);
                let p = g / (g + rng.gamma(self.b));
                let age = f64::from(age_days);
                let (mut now, mut last, mut repeats) = (0.0, 0.0, 0u32);
                if rate_per_day > 0.0 && rate_per_day.is_finite() && p.is_finite() {
                    while repeats < 1_000_000 {
                        now += rng.exponential() / rate_per_day;
                        if now >= age {
                            break;
                        }
                        repeats += 1;
                        last = now;
                        if rng.0.unit() < p {
                            break;
                        }
                    }
                }
                Some(CustomerSummary {
                    customer: CustomerId::new(format!("S{i}")).ok()?,
                    frequency: f64::from(repeats),
                    // A log's dates: the time since the first purchase to the nearest day
                    // (never past T, as last < age and age is whole).
                    recency: last.round() * per_day,
                    t: age * per_day,
                    monetary: 0.0,
                })
            })
            .collect()
    }
}

/// Continuous distributions on top of SplitMix64.
struct Sampler(SplitMix);

impl Sampler {
    /// A number in (0, 1].
    fn open_unit(&mut self) -> f64 {
        1.0 - self.0.unit()
    }

    fn exponential(&mut self) -> f64 {
        -self.open_unit().ln()
    }

    fn normal(&mut self) -> f64 {
        // Box-Muller; one of the pair is enough here.
        let (u, v) = (self.open_unit(), self.0.unit());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    /// Gamma(shape, 1) by Marsaglia and Tsang (2000), boosted for shapes below 1.
    fn gamma(&mut self, shape: f64) -> f64 {
        if !(shape > 0.0 && shape.is_finite()) {
            return 0.0;
        }
        if shape < 1.0 {
            return self.gamma(shape + 1.0) * self.open_unit().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = (1.0 + c * x).powi(3);
            if v <= 0.0 {
                continue;
            }
            let u = self.open_unit();
            if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
                return d * v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gamma_draws_have_the_right_mean_and_variance() {
        let mut s = Sampler(SplitMix(3));
        for shape in [0.243, 0.793, 2.426, 9.0] {
            let n = 200_000;
            let draws: Vec<f64> = (0..n).map(|_| s.gamma(shape)).collect();
            let mean = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / n as f64;
            assert!((mean / shape - 1.0).abs() < 0.02, "{shape}: mean {mean}");
            assert!((var / shape - 1.0).abs() < 0.05, "{shape}: var {var}");
        }
    }
}
