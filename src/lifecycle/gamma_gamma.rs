//! The Gamma-Gamma model of spend per purchase (Fader and Hardie 2013), and customer lifetime
//! value on top of a [`BgNbd`] model.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bgnbd::{BgNbd, check_history};
use super::optimize::bfgs;
use super::special::{digamma, ln_gamma};
use super::summary::{CustomerSummary, TimeUnit};
use crate::error::{Error, Result};

/// A fitted (or given) Gamma-Gamma spend model.
///
/// A customer's purchase amounts are Gamma(`p`, ν) with a mean `p / ν` of their own; across
/// customers ν ~ Gamma(`q`, `gamma`). Spend is assumed independent of purchase frequency. The
/// mean spend of the population is `p * gamma / (q - 1)` (for `q > 1`).
///
/// ```
/// use clientele::lifecycle::GammaGamma;
/// // Fader and Hardie (2013), CDNOW.
/// let m = GammaGamma { p: 6.25, q: 3.74, gamma: 15.44 };
/// // Few purchases: the estimate leans toward the population mean (35.2).
/// let e = m.conditional_expected_spend(1.0, 10.0);
/// assert!(e > 10.0 && e < 35.2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// Shape of the gamma distribution of one customer's purchase amounts.
    pub p: f64,
    /// Shape of the gamma distribution of the customers' rate parameters ν.
    pub q: f64,
    /// Rate of the gamma distribution of the customers' rate parameters ν.
    pub gamma: f64,
}

impl GammaGamma {
    /// Fits the model by maximum likelihood on the customers with at least one repeat purchase,
    /// from their `frequency` and `monetary` (mean spend per repeat purchase); others are left
    /// out. BFGS on the log-parameters with an analytic gradient, from two starting points.
    ///
    /// # Errors
    /// - [`Error::InvalidSummary`] for a summary with a value that is not finite, negative, a
    ///   fractional frequency, a recency greater than `T`, or a repeat buyer whose `monetary` is
    ///   not positive.
    /// - [`Error::NoData`] when no customer has a repeat purchase.
    /// - [`Error::FitFailed`] when no maximum is found (for instance every customer spends the
    ///   same).
    ///
    /// ```
    /// use clientele::lifecycle::{CustomerSummary, GammaGamma};
    /// use clientele::CustomerId;
    /// // (repeat purchases, mean spend) of the first twelve repeat buyers of CDNOW.
    /// let rows = [(2.0, 22.35), (1.0, 11.77), (7.0, 73.74), (1.0, 11.77), (2.0, 25.55),
    ///             (5.0, 29.44), (10.0, 24.24), (1.0, 9.99), (3.0, 25.08), (2.0, 32.3),
    ///             (1.0, 227.14), (1.0, 80.46)];
    /// let customers: Vec<CustomerSummary> = rows
    ///     .iter()
    ///     .enumerate()
    ///     .map(|(i, &(frequency, monetary))| CustomerSummary {
    ///         customer: CustomerId::new(format!("C{i}")).unwrap(),
    ///         frequency, recency: 10.0, t: 20.0, monetary,
    ///     })
    ///     .collect();
    /// let model = GammaGamma::fit(&customers)?;
    /// assert!(model.p > 0.0 && model.q > 1.0 && model.gamma > 0.0);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn fit(customers: &[CustomerSummary]) -> Result<Self> {
        let mut data = Vec::new();
        for (index, c) in customers.iter().enumerate() {
            check_history(index, c.frequency, c.recency, c.t)?;
            if c.frequency == 0.0 {
                continue;
            }
            if !c.monetary.is_finite() || c.monetary < 0.0 {
                return Err(Error::InvalidSummary {
                    index,
                    reason: format!(
                        "monetary must be a finite, non-negative amount ({})",
                        c.monetary
                    ),
                });
            }
            if c.monetary == 0.0 {
                // Repeat purchases that cost nothing (gifts, fully refunded days) say nothing
                // about spend: such a customer is left out of the spend model.
                continue;
            }
            data.push((c.frequency, c.monetary));
        }
        if data.is_empty() {
            return Err(Error::NoData {
                reason: "no customer with a repeat purchase".into(),
            });
        }
        let mean_spend = data.iter().map(|d| d.1).sum::<f64>() / data.len() as f64;
        let spends = Spends::new(data);
        let objective = |theta: &[f64]| objective(&spends, theta);
        let starts = [[1.0, 1.0, 1.0], [2.0, 3.0, mean_spend]];
        let mut best: Option<(Vec<f64>, f64)> = None;
        for start in starts {
            let theta0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
            let m = bfgs(objective, &theta0, 1e-9, 1000, 25.0);
            if m.converged && m.value.is_finite() && best.as_ref().is_none_or(|(_, v)| m.value < *v)
            {
                best = Some((m.x, m.value));
            }
        }
        let Some((theta, _)) = best else {
            return Err(Error::FitFailed {
                reason: "no maximum of the spend likelihood (do the amounts vary?)".into(),
            });
        };
        let p = |i: usize| theta.get(i).copied().unwrap_or(0.0).exp();
        Ok(Self {
            p: p(0),
            q: p(1),
            gamma: p(2),
        })
    }

    /// The expected mean spend per purchase of a customer with `frequency` repeat purchases of
    /// mean `monetary`: a weighted average of the population mean `p * gamma / (q - 1)` and
    /// `monetary`, the latter weighing more the more purchases there are.
    ///
    /// Needs `q > 1` (otherwise the population mean is infinite and NaN or infinity comes out);
    /// NaN for a negative or non-finite input.
    ///
    /// ```
    /// use clientele::lifecycle::GammaGamma;
    /// let m = GammaGamma { p: 6.25, q: 3.74, gamma: 15.44 };
    /// let population = 6.25 * 15.44 / 2.74;
    /// assert!((m.conditional_expected_spend(0.0, 0.0) - population).abs() < 1e-9);
    /// assert!(m.conditional_expected_spend(50.0, 20.0) < 21.0);
    /// ```
    pub fn conditional_expected_spend(&self, frequency: f64, monetary: f64) -> f64 {
        if !(frequency.is_finite() && monetary.is_finite() && frequency >= 0.0 && monetary >= 0.0) {
            return f64::NAN;
        }
        let Self { p, q, gamma } = *self;
        let denominator = p * frequency + q - 1.0;
        if denominator <= 0.0 {
            // The posterior mean does not exist (q <= 1 with too few purchases).
            return f64::NAN;
        }
        p * (gamma + frequency * monetary) / denominator
    }

    /// The customer lifetime value over the next `months` months, discounted at
    /// `monthly_discount_rate` per month: the sum over months of the purchases `model` expects in
    /// that month times [`GammaGamma::conditional_expected_spend`], divided by
    /// `(1 + rate)^month`, as the `lifetimes` library's `customer_lifetime_value` does. A month is
    /// [`TimeUnit::month`] time units (4.345 weeks or 30 days); `unit` must be the one the
    /// summary and the model use.
    ///
    /// NaN for invalid input (a summary the models cannot score, a negative or non-finite rate,
    /// a horizon over [`MAX_CLV_MONTHS`]); [`GammaGamma::try_clv`] says which.
    ///
    /// ```
    /// use clientele::lifecycle::{BgNbd, CustomerSummary, GammaGamma, TimeUnit};
    /// use clientele::CustomerId;
    /// let bgnbd = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let spend = GammaGamma { p: 6.25, q: 3.74, gamma: 15.44 };
    /// let c = CustomerSummary {
    ///     customer: CustomerId::new("6")?, frequency: 7.0, recency: 29.43, t: 38.86, monetary: 73.74,
    /// };
    /// let year = spend.clv(&bgnbd, &c, 12, 0.01, TimeUnit::Week);
    /// assert!(year > 0.0);
    /// assert!(spend.clv(&bgnbd, &c, 24, 0.01, TimeUnit::Week) > year);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn clv(
        &self,
        model: &BgNbd,
        customer: &CustomerSummary,
        months: u32,
        monthly_discount_rate: f64,
        unit: TimeUnit,
    ) -> f64 {
        self.try_clv(model, customer, months, monthly_discount_rate, unit)
            .unwrap_or(f64::NAN)
    }

    /// [`GammaGamma::clv`], with a typed error for a horizon or rate it refuses.
    ///
    /// ```
    /// use clientele::lifecycle::{BgNbd, CustomerSummary, GammaGamma, TimeUnit, MAX_CLV_MONTHS};
    /// use clientele::CustomerId;
    /// let bgnbd = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let spend = GammaGamma { p: 6.25, q: 3.74, gamma: 15.44 };
    /// let c = CustomerSummary {
    ///     customer: CustomerId::new("6")?, frequency: 7.0, recency: 29.43, t: 38.86, monetary: 73.74,
    /// };
    /// assert!(spend.try_clv(&bgnbd, &c, 12, 0.01, TimeUnit::Week)? > 0.0);
    /// assert!(spend.try_clv(&bgnbd, &c, MAX_CLV_MONTHS + 1, 0.01, TimeUnit::Week).is_err());
    /// assert!(spend.try_clv(&bgnbd, &c, 12, f64::NAN, TimeUnit::Week).is_err());
    /// # Ok::<(), clientele::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidValue`] (field `months` or `monthly_discount_rate`) for a horizon over
    /// [`MAX_CLV_MONTHS`] or a rate that is negative or not finite. A summary the models cannot
    /// score gives `Ok(NaN)`, as the models' own figures do.
    pub fn try_clv(
        &self,
        model: &BgNbd,
        customer: &CustomerSummary,
        months: u32,
        monthly_discount_rate: f64,
        unit: TimeUnit,
    ) -> Result<f64> {
        if months > MAX_CLV_MONTHS {
            return Err(Error::InvalidValue {
                field: "months".to_owned(),
                reason: format!("a lifetime value horizon is at most {MAX_CLV_MONTHS} months"),
                masked: months.to_string(),
            });
        }
        if !(monthly_discount_rate.is_finite() && monthly_discount_rate >= 0.0) {
            return Err(Error::InvalidValue {
                field: "monthly_discount_rate".to_owned(),
                reason: "must be a finite number, 0 or more".to_owned(),
                masked: monthly_discount_rate.to_string(),
            });
        }
        let CustomerSummary {
            frequency,
            recency,
            t,
            monetary,
            ..
        } = *customer;
        Ok(self.clv_from(
            frequency,
            monetary,
            months,
            monthly_discount_rate,
            unit,
            |horizon| model.conditional_expected_purchases(horizon, frequency, recency, t),
        ))
    }

    /// The sum of [`GammaGamma::try_clv`] (arguments already checked) with the purchases
    /// expected up to each horizon (in `unit`s) given by `upto`: the report evaluates those
    /// once per (frequency, age) pair of its population instead of once per customer.
    pub(crate) fn clv_from(
        &self,
        frequency: f64,
        monetary: f64,
        months: u32,
        monthly_discount_rate: f64,
        unit: TimeUnit,
        mut upto: impl FnMut(f64) -> f64,
    ) -> f64 {
        let spend = self.conditional_expected_spend(frequency, monetary);
        let month = unit.month();
        let mut value = 0.0;
        let mut before = 0.0;
        for i in 1..=months {
            let i = f64::from(i);
            let expected = upto(i * month);
            value += spend * (expected - before) / (1.0 + monthly_discount_rate).powf(i);
            before = expected;
        }
        value
    }

    /// Whether [`GammaGamma::try_clv`] accepts the horizon and the discount rate.
    pub(crate) fn clv_arguments_valid(months: u32, monthly_discount_rate: f64) -> bool {
        months <= MAX_CLV_MONTHS
            && monthly_discount_rate.is_finite()
            && monthly_discount_rate >= 0.0
    }
}

/// The longest lifetime value horizon [`GammaGamma::try_clv`] computes: 1,200 months (100
/// years; the sum takes one model evaluation per month).
pub const MAX_CLV_MONTHS: u32 = 1200;

/// Repeat buyers' `(frequency, mean spend)` pairs grouped by frequency, so that the terms of the
/// likelihood that depend on the frequency alone (the gamma functions) are evaluated once per
/// frequency, and the logarithms of the spends once per fit.
struct Spends {
    /// Per frequency: the frequency, its logarithm, the number of pairs, the sum of the
    /// logarithms of their spends, and their range in `spend`.
    groups: Vec<(f64, f64, f64, f64, std::ops::Range<usize>)>,
    /// The mean spends, ordered by frequency.
    spend: Vec<f64>,
}

/// Spends summed in one piece of work; pieces are summed in order, so that the sums do not
/// depend on the number of threads.
const SPEND_CHUNK: usize = 4096;

/// Pools whose logarithms are taken as one logarithm of their product: eight values below
/// about 10^38 each stay far inside the range of an `f64`.
const LOG_RUN: usize = 8;

impl Spends {
    fn new(mut data: Vec<(f64, f64)>) -> Self {
        data.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut groups = Vec::new();
        let mut from = 0;
        while let Some(&(x, _)) = data.get(from) {
            let to = from
                + data
                    .get(from..)
                    .map_or(0, |d| d.partition_point(|p| p.0 == x));
            let sum_ln_m = data
                .get(from..to)
                .map_or(0.0, |d| d.iter().map(|p| p.1.ln()).sum());
            groups.push((x, x.ln(), (to - from) as f64, sum_ln_m, from..to));
            from = to;
        }
        let spend = data.into_iter().map(|p| p.1).collect();
        Self { groups, spend }
    }

    /// The sums of `ln(gamma + m * x)` and `1 / (gamma + m * x)` over the spends `m` in `range`.
    fn pool_sums(&self, range: std::ops::Range<usize>, x: f64, gamma: f64) -> (f64, f64) {
        let spend = self.spend.get(range).unwrap_or(&[]);
        // The logarithm of a product of LOG_RUN pools rather than a logarithm each (the
        // logarithm is most of a fit's time); a product that is not a positive normal number
        // (an overflow, an underflow) falls back to one logarithm a pool.
        let sums = |m: &[f64]| {
            let (mut l, mut r) = (0.0, 0.0);
            for run in m.chunks(LOG_RUN) {
                let mut product = 1.0;
                for &m in run {
                    let pool = gamma + m * x;
                    product *= pool;
                    r += 1.0 / pool;
                }
                if product.is_normal() && product > 0.0 {
                    l += product.ln();
                } else {
                    l += run.iter().map(|&m| (gamma + m * x).ln()).sum::<f64>();
                }
            }
            (l, r)
        };
        if spend.len() <= SPEND_CHUNK {
            return sums(spend);
        }
        let parts: Vec<(f64, f64)> = spend.par_chunks(SPEND_CHUNK).map(sums).collect();
        parts
            .iter()
            .fold((0.0, 0.0), |(l, r), p| (l + p.0, r + p.1))
    }

    fn len(&self) -> usize {
        self.spend.len()
    }
}

/// The mean negative log-likelihood of the spends at log-parameters `theta` = ln(p, q, gamma),
/// and its gradient with respect to `theta`.
fn objective(data: &Spends, theta: &[f64]) -> (f64, Vec<f64>) {
    let v = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN).exp();
    let (p, q, gamma) = (v(0), v(1), v(2));
    let (lg_q, dg_q, ln_gamma_rate) = (ln_gamma(q), digamma(q), gamma.ln());
    let mut s = [0.0; 4];
    for (x, ln_x, n, sum_ln_m, range) in &data.groups {
        let (x, ln_x, n, sum_ln_m) = (*x, *ln_x, *n, *sum_ln_m);
        let px = p * x;
        let (lg_pxq, dg_pxq) = (ln_gamma(px + q), digamma(px + q));
        let (lg_px, dg_px) = (ln_gamma(px), digamma(px));
        let (sum_ln_pool, sum_inv_pool) = data.pool_sums(range.clone(), x, gamma);
        s[0] += n * (lg_pxq - lg_px - lg_q + q * ln_gamma_rate + px * ln_x) + (px - 1.0) * sum_ln_m
            - (px + q) * sum_ln_pool;
        s[1] += x * (n * (dg_pxq - dg_px + ln_x) + sum_ln_m - sum_ln_pool);
        s[2] += n * (dg_pxq - dg_q + ln_gamma_rate) - sum_ln_pool;
        s[3] += n * q / gamma - (px + q) * sum_inv_pool;
    }
    let n = data.len() as f64;
    let [ll, gp, gq, gg] = s;
    (-ll / n, vec![-gp * p / n, -gq * q / n, -gg * gamma / n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let pairs = [
            (1.0, 12.0),
            (3.0, 25.5),
            (2.0, 40.0),
            (6.0, 18.2),
            (3.0, 7.0),
        ];
        let data = Spends::new(pairs.to_vec());
        let theta = [1.5f64, 1.0, 2.5];
        let (_, g) = objective(&data, &theta);
        for i in 0..3 {
            let h = 1e-6;
            let (mut up, mut down) = (theta, theta);
            up[i] += h;
            down[i] -= h;
            let num = (objective(&data, &up).0 - objective(&data, &down).0) / (2.0 * h);
            assert!((g[i] - num).abs() < 1e-7, "component {i}");
        }
    }

    #[test]
    fn grouped_likelihood_equals_the_sum_over_pairs() {
        // Each pair on its own, straight from the Gamma-Gamma likelihood.
        let pairs: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (f64::from(1 + i % 7), 5.0 + f64::from(i % 97) * 1.3))
            .collect();
        let (p, q, gamma): (f64, f64, f64) = (2.5, 3.5, 12.0);
        let direct: f64 = pairs
            .iter()
            .map(|&(x, m)| {
                ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q)
                    + q * gamma.ln()
                    + (p * x - 1.0) * m.ln()
                    + p * x * x.ln()
                    - (p * x + q) * (gamma + m * x).ln()
            })
            .sum::<f64>()
            / pairs.len() as f64;
        let (value, _) = objective(&Spends::new(pairs), &[p.ln(), q.ln(), gamma.ln()]);
        assert!(
            (value + direct).abs() < 1e-9 * direct.abs(),
            "{value} vs {direct}"
        );
    }
}
