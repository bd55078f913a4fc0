//! The BG/NBD model of repeat purchasing (Fader, Hardie and Lee 2005).

use std::cmp::Ordering;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::optimize::bfgs;
use super::special::{digamma, hyp2f1, ln_gamma};
use super::summary::CustomerSummary;
use crate::error::{Error, Result};

/// A fitted (or given) BG/NBD model: "beta-geometric / negative binomial distribution".
///
/// While alive, a customer buys as a Poisson process of rate λ; after each purchase they drop out
/// for good with probability p. Across customers λ ~ Gamma(shape `r`, rate `alpha`) and
/// p ~ Beta(`a`, `b`). Times are in the unit of the summaries the model was fitted on.
///
/// The fields are public so that a model can be written down from published figures:
///
/// ```
/// use clientele::lifecycle::BgNbd;
/// // Fader, Hardie and Lee (2005), CDNOW, weeks.
/// let m = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: -9582.4 };
/// // A customer with 2 repeat purchases, the last 8 weeks ago, 39 weeks after the first.
/// let p = m.p_alive(2.0, 30.43, 38.86);
/// assert!((p - 0.727).abs() < 0.001);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    /// Shape of the gamma distribution of purchase rates.
    pub r: f64,
    /// Rate (inverse scale, in time units) of the gamma distribution of purchase rates.
    pub alpha: f64,
    /// First shape of the beta distribution of dropout probabilities.
    pub a: f64,
    /// Second shape of the beta distribution of dropout probabilities.
    pub b: f64,
    /// The log-likelihood of the data at the fitted parameters (summed over customers; weights
    /// count as that many customers).
    pub log_likelihood: f64,
}

/// Rows of the likelihood per parallel task.
const CHUNK: usize = 8192;

/// A parameter beyond e^±12 (about 160,000 or 1/160,000) means the likelihood has no interior
/// maximum: typically a and b growing together (every customer has the same dropout
/// probability), or r falling to zero.
const LOG_PARAM_BOUND: f64 = 12.0;

impl BgNbd {
    /// Fits the model to customer summaries by maximum likelihood.
    ///
    /// Customers with the same `(frequency, recency, T)` are counted once with a weight, so the
    /// cost grows with the number of distinct tuples (summaries of real logs, with times in whole
    /// days, repeat many), plus an O(n log n) sort. The likelihood is summed in parallel
    /// (rayon) and maximized over the log-parameters by BFGS with an analytic gradient, from two
    /// starting points; the result is deterministic whatever the number of threads.
    ///
    /// # Errors
    /// - [`Error::InvalidSummary`] for a summary with a value that is not finite, negative, a
    ///   fractional frequency, or a recency greater than `T`.
    /// - [`Error::NoData`] when `customers` is empty or nobody made a repeat purchase.
    /// - [`Error::FitFailed`] when no maximum is found (a parameter runs off to zero or infinity
    ///   because the data do not pin it down, or the optimizer does not converge).
    ///
    /// ```
    /// use clientele::lifecycle::{BgNbd, TimeUnit};
    /// // Customers drawn from known parameters (`simulate` needs the `synth` feature).
    /// let truth = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let customers = truth.simulate(20_000, TimeUnit::Week, (189, 273), 1);
    /// let model = BgNbd::fit(&customers)?;
    /// assert!((model.r / truth.r - 1.0).abs() < 0.1);
    /// assert!((model.alpha / truth.alpha - 1.0).abs() < 0.1);
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn fit(customers: &[CustomerSummary]) -> Result<Self> {
        let tuples: Vec<(f64, f64, f64, f64)> = customers
            .iter()
            .map(|c| (c.frequency, c.recency, c.t, 1.0))
            .collect();
        Self::fit_weighted(&tuples)
    }

    /// Fits the model to weighted tuples `(frequency, recency, T, weight)`: a weight of `w`
    /// counts as `w` customers with that history. Equal tuples are merged first, so this gives
    /// the same model as [`BgNbd::fit`] on the expanded customers.
    ///
    /// # Errors
    /// As [`BgNbd::fit`]; a weight must be finite and non-negative, and the weights must not all
    /// be zero.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use clientele::lifecycle::{BgNbd, TimeUnit};
    /// let truth = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let customers = truth.simulate(5_000, TimeUnit::Day, (189, 273), 2);
    /// // Count each distinct history once (times in whole days repeat).
    /// let mut counts: BTreeMap<(u32, u32, u32), f64> = BTreeMap::new();
    /// for c in &customers {
    ///     *counts.entry((c.frequency as u32, c.recency as u32, c.t as u32)).or_default() += 1.0;
    /// }
    /// let tuples: Vec<(f64, f64, f64, f64)> = counts
    ///     .iter()
    ///     .map(|(&(x, tx, t), &w)| (x.into(), tx.into(), t.into(), w))
    ///     .collect();
    /// assert!(tuples.len() < customers.len());
    /// let (weighted, plain) = (BgNbd::fit_weighted(&tuples)?, BgNbd::fit(&customers)?);
    /// assert!((weighted.r / plain.r - 1.0).abs() < 1e-9);
    /// assert!(BgNbd::fit_weighted(&[(1.0, 40.0, 30.0, 1.0)]).is_err()); // recency > T
    /// # Ok::<(), clientele::Error>(())
    /// ```
    pub fn fit_weighted(tuples: &[(f64, f64, f64, f64)]) -> Result<Self> {
        let data = Prepared::new(tuples)?;
        let scale = (data.mean_t).max(1e-6);
        let starts = [[1.0, scale, 1.0, 1.0], [0.25, 0.1 * scale, 0.8, 2.5]];
        let objective = |theta: &[f64]| data.objective(theta);
        let mut best: Option<(Vec<f64>, f64)> = None;
        let mut last_problem = String::from("the likelihood is not finite at any starting point");
        for start in starts {
            let theta0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
            let m = bfgs(objective, &theta0, 1e-8, 1000, LOG_PARAM_BOUND);
            if m.escaped {
                let i =
                    m.x.iter()
                        .position(|v| v.abs() > LOG_PARAM_BOUND)
                        .unwrap_or(0);
                let name = ["r", "alpha", "a", "b"].get(i).copied().unwrap_or("?");
                let limit = if m.x.get(i).is_some_and(|v| *v > 0.0) {
                    "infinity"
                } else {
                    "zero"
                };
                last_problem =
                    format!("parameter `{name}` runs off to {limit} (the data do not pin it down)");
                continue;
            }
            if !m.value.is_finite() {
                continue;
            }
            if !m.converged {
                last_problem = "the optimizer did not converge in 1000 iterations".into();
                continue;
            }
            if best.as_ref().is_none_or(|(_, v)| m.value < *v) {
                best = Some((m.x, m.value));
            }
        }
        let Some((theta, value)) = best else {
            return Err(Error::FitFailed {
                reason: last_problem,
            });
        };
        let p = |i: usize| theta.get(i).copied().unwrap_or(0.0).exp();
        Ok(Self {
            r: p(0),
            alpha: p(1),
            a: p(2),
            b: p(3),
            log_likelihood: -value * data.total_weight,
        })
    }

    /// The probability that a customer with this history is still alive (has not dropped out)
    /// at the end of the calibration period: `frequency` repeat purchases, the last `recency`
    /// after the first, which was `age` (`T`) ago.
    ///
    /// 1 for a customer without repeat purchases (the model lets customers drop out only right
    /// after a purchase). NaN for invalid input (negative or not finite values, recency > T).
    ///
    /// ```
    /// use clientele::lifecycle::BgNbd;
    /// let m = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// assert_eq!(m.p_alive(0.0, 0.0, 30.0), 1.0);
    /// // The longer the silence since the last purchase, the likelier the customer has gone.
    /// assert!(m.p_alive(5.0, 10.0, 20.0) > m.p_alive(5.0, 10.0, 40.0));
    /// ```
    pub fn p_alive(&self, frequency: f64, recency: f64, age: f64) -> f64 {
        if !valid_history(frequency, recency, age) {
            return f64::NAN;
        }
        if frequency == 0.0 {
            return 1.0;
        }
        let log_odds_dead = self.a.ln() - (self.b + frequency - 1.0).ln()
            + (self.r + frequency) * ((self.alpha + age).ln() - (self.alpha + recency).ln());
        1.0 / (1.0 + log_odds_dead.exp())
    }

    /// The expected number of purchases in a period of length `t` by a customer picked at random
    /// who made a first purchase at its start (FHL 2005, equation 9; uses [`hyp2f1`]).
    ///
    /// NaN for negative or non-finite `t`.
    ///
    /// ```
    /// use clientele::lifecycle::BgNbd;
    /// let m = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// let one_year = m.expected_purchases(52.0);
    /// assert!(one_year > 1.0 && one_year < 2.0);
    /// assert!(m.expected_purchases(78.0) > one_year);
    /// ```
    pub fn expected_purchases(&self, t: f64) -> f64 {
        if !(t >= 0.0 && t.is_finite()) {
            return f64::NAN;
        }
        if t == 0.0 {
            return 0.0;
        }
        let Self { r, alpha, b, .. } = *self;
        near_a_one(self.a, |a| {
            // FHL's (alpha / (alpha + t))^r 2F1(r, b; a + b - 1; z) after Euler's transformation,
            // whose parameters stay small.
            let z = t / (alpha + t);
            let h = hyp2f1(a + b - 1.0 - r, a - 1.0, a + b - 1.0, z);
            (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)).powf(a - 1.0) * h)
        })
    }

    /// The expected number of purchases in the next `t` time units by a customer with this
    /// history: `frequency` repeat purchases, the last `recency` after the first, which was
    /// `age` (`T`) ago (FHL 2005, equation 10; uses [`hyp2f1`]).
    ///
    /// NaN for invalid input (negative or not finite values, recency > T).
    ///
    /// ```
    /// use clientele::lifecycle::BgNbd;
    /// let m = BgNbd { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, log_likelihood: 0.0 };
    /// // FHL (2005): 2 repeat purchases, the last at week 30.43 of 38.86, next 39 weeks: 1.226.
    /// let e = m.conditional_expected_purchases(39.0, 2.0, 30.43, 38.86);
    /// assert!((e - 1.226).abs() < 0.01);
    /// ```
    pub fn conditional_expected_purchases(
        &self,
        t: f64,
        frequency: f64,
        recency: f64,
        age: f64,
    ) -> f64 {
        let alive = self.p_alive(frequency, recency, age);
        self.conditional_with(t, frequency, recency, age, alive, || {
            self.expected_if_alive(t, frequency, age)
        })
    }

    /// [`BgNbd::conditional_expected_purchases`] from its two factors: `alive`, which must be
    /// `self.p_alive(frequency, recency, age)`, and `if_alive`, which must give
    /// `self.expected_if_alive(t, frequency, age)` (called only when it is needed), so that a
    /// caller can evaluate each once and reuse it.
    pub(crate) fn conditional_with(
        &self,
        t: f64,
        frequency: f64,
        recency: f64,
        age: f64,
        alive: f64,
        if_alive: impl FnOnce() -> f64,
    ) -> f64 {
        if !(t >= 0.0 && t.is_finite() && valid_history(frequency, recency, age)) {
            return f64::NAN;
        }
        if t == 0.0 {
            return 0.0;
        }
        if_alive() * alive
    }

    /// The part of [`BgNbd::conditional_expected_purchases`] that does not depend on the
    /// recency: the purchases expected in the next `t` (> 0) units if the customer is alive.
    /// Many customers share a frequency and an age, so a caller predicting for a population
    /// can evaluate the hypergeometric function once per pair (see `report`'s predictions).
    pub(crate) fn expected_if_alive(&self, t: f64, frequency: f64, age: f64) -> f64 {
        let Self { r, alpha, b, .. } = *self;
        let x = frequency;
        near_a_one(self.a, |a| {
            // FHL's ((alpha + T) / (alpha + T + t))^(r + x) 2F1(r + x, b + x; a + b + x - 1; z)
            // after Euler's transformation: for a heavy buyer (large x) the original factors
            // overflow and underflow, the transformed ones stay moderate.
            let z = t / (alpha + age + t);
            let h = hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z);
            (a + b + x - 1.0) / (a - 1.0)
                * (1.0 - ((alpha + age) / (alpha + age + t)).powf(a - 1.0) * h)
        })
    }
}

/// Evaluates `f(a)`, which has a removable singularity at `a = 1`, by interpolating between
/// two points on either side when `a` is that close to 1.
fn near_a_one(a: f64, f: impl Fn(f64) -> f64) -> f64 {
    const NEAR: f64 = 1e-4;
    if (a - 1.0).abs() >= NEAR {
        return f(a);
    }
    let (a1, a2) = (1.0 - NEAR, 1.0 + NEAR);
    let (f1, f2) = (f(a1), f(a2));
    f1 + (f2 - f1) * (a - a1) / (a2 - a1)
}

/// Whether a history is one the models can score.
fn valid_history(frequency: f64, recency: f64, age: f64) -> bool {
    frequency.is_finite()
        && recency.is_finite()
        && age.is_finite()
        && frequency >= 0.0
        && frequency.fract() == 0.0
        && recency >= 0.0
        && recency <= age
}

/// Checks one input tuple, naming what is wrong.
pub(crate) fn check_history(index: usize, frequency: f64, recency: f64, age: f64) -> Result<()> {
    let bad = |reason: String| Err(Error::InvalidSummary { index, reason });
    for (name, v) in [("frequency", frequency), ("recency", recency), ("T", age)] {
        if !v.is_finite() {
            return bad(format!("{name} is not a finite number"));
        }
        if v < 0.0 {
            return bad(format!("{name} is negative ({v})"));
        }
    }
    if frequency.fract() != 0.0 {
        return bad(format!(
            "frequency must be a whole number of repeat purchases ({frequency})"
        ));
    }
    if recency > age {
        return bad(format!("recency ({recency}) is greater than T ({age})"));
    }
    Ok(())
}

/// One distinct history with its weight, as indexes into the tables of [`Prepared`].
#[derive(Debug, Clone, Copy)]
struct Row {
    x: u32,
    recency: u32,
    age: u32,
    weight: f64,
}

/// The data of a fit: distinct histories, and the distinct frequencies and times they use, so
/// that the expensive terms (ln Γ, ψ, ln) are computed once per distinct value per evaluation.
struct Prepared {
    xs: Vec<f64>,
    times: Vec<f64>,
    rows: Vec<Row>,
    total_weight: f64,
    mean_t: f64,
}

impl Prepared {
    fn new(tuples: &[(f64, f64, f64, f64)]) -> Result<Self> {
        if tuples.is_empty() {
            return Err(Error::NoData {
                reason: "no customers to fit on".into(),
            });
        }
        for (index, &(x, tx, t, w)) in tuples.iter().enumerate() {
            check_history(index, x, tx, t)?;
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::InvalidSummary {
                    index,
                    reason: format!("weight must be finite and non-negative ({w})"),
                });
            }
        }
        let mut sorted: Vec<(f64, f64, f64, f64)> =
            tuples.iter().copied().filter(|t| t.3 > 0.0).collect();
        let key = |a: &(f64, f64, f64, f64), b: &(f64, f64, f64, f64)| {
            a.0.total_cmp(&b.0)
                .then(a.1.total_cmp(&b.1))
                .then(a.2.total_cmp(&b.2))
        };
        // Weights last in the order too, so that equal histories add their weights in the same
        // order whatever the input order (float addition is not associative).
        sorted.par_sort_unstable_by(|a, b| key(a, b).then(a.3.total_cmp(&b.3)));
        let mut merged: Vec<(f64, f64, f64, f64)> = Vec::with_capacity(sorted.len() / 4 + 1);
        for t in sorted {
            match merged.last_mut() {
                Some(last) if key(last, &t) == Ordering::Equal => last.3 += t.3,
                _ => merged.push(t),
            }
        }
        let total_weight: f64 = merged.iter().map(|t| t.3).sum();
        if total_weight <= 0.0 {
            return Err(Error::NoData {
                reason: "the weights are all zero".into(),
            });
        }
        if merged.iter().all(|t| t.0 == 0.0) {
            // The likelihood then grows without bound as r falls to zero.
            return Err(Error::NoData {
                reason: "no customer made a repeat purchase".into(),
            });
        }
        let mean_t = merged.iter().map(|t| t.2 * t.3).sum::<f64>() / total_weight;
        let mut xs: Vec<f64> = merged.iter().map(|t| t.0).collect();
        xs.dedup_by(|a, b| a.total_cmp(b) == Ordering::Equal);
        let mut times: Vec<f64> = merged.iter().flat_map(|t| [t.1, t.2]).collect();
        times.par_sort_unstable_by(f64::total_cmp);
        times.dedup_by(|a, b| a.total_cmp(b) == Ordering::Equal);
        let index = |table: &[f64], v: f64| -> u32 {
            // Every value is in its table by construction.
            table.partition_point(|e| e.total_cmp(&v) == Ordering::Less) as u32
        };
        let rows = merged
            .par_iter()
            .map(|&(x, tx, t, weight)| Row {
                x: index(&xs, x),
                recency: index(&times, tx),
                age: index(&times, t),
                weight,
            })
            .collect();
        Ok(Self {
            xs,
            times,
            rows,
            total_weight,
            mean_t,
        })
    }

    /// The mean negative log-likelihood at log-parameters `theta` = ln(r, alpha, a, b), and its
    /// gradient with respect to `theta`.
    fn objective(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let p = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN).exp();
        let (r, alpha, a, b) = (p(0), p(1), p(2), p(3));
        let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
        let (dg_r, dg_b, dg_ab) = (digamma(r), digamma(b), digamma(a + b));
        let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
        let per_x: Vec<PerX> = self
            .xs
            .iter()
            .map(|&x| {
                let dg_abx = digamma(a + b + x);
                PerX {
                    x,
                    base: ln_gamma(r + x) - lg_r + r * ln_alpha + lg_ab + ln_gamma(b + x)
                        - lg_b
                        - ln_gamma(a + b + x),
                    d_r: digamma(r + x) - dg_r + ln_alpha,
                    d_a: dg_ab - dg_abx,
                    d_b: dg_ab + digamma(b + x) - dg_b - dg_abx,
                    // Zero for x = 0, where the term does not exist (and b - 1 may be 0).
                    log_drop: if x > 0.0 {
                        ln_a - (b + x - 1.0).ln()
                    } else {
                        0.0
                    },
                    d_b_drop: if x > 0.0 { -1.0 / (b + x - 1.0) } else { 0.0 },
                }
            })
            .collect();
        let per_t: Vec<(f64, f64)> = self
            .times
            .iter()
            .map(|&t| ((alpha + t).ln(), 1.0 / (alpha + t)))
            .collect();
        let partial: Vec<[f64; 5]> = self
            .rows
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut s = [0.0; 5];
                for row in chunk {
                    let (Some(px), Some(&(ln_t, inv_t)), Some(&(ln_tx, inv_tx))) = (
                        per_x.get(row.x as usize),
                        per_t.get(row.age as usize),
                        per_t.get(row.recency as usize),
                    ) else {
                        continue;
                    };
                    let k = r + px.x;
                    let alive = -k * ln_t;
                    // Weights of the "alive at T" and "dropped after the last purchase" terms.
                    let (ll, w_alive, w_drop) = if px.x > 0.0 {
                        let dropped = px.log_drop - k * ln_tx;
                        let (hi, lo) = if alive >= dropped {
                            (alive, dropped)
                        } else {
                            (dropped, alive)
                        };
                        let e = (lo - hi).exp();
                        let share_lo = e / (1.0 + e);
                        let w_alive = if alive >= dropped {
                            1.0 - share_lo
                        } else {
                            share_lo
                        };
                        (hi + e.ln_1p(), w_alive, 1.0 - w_alive)
                    } else {
                        (alive, 1.0, 0.0)
                    };
                    let w = row.weight;
                    s[0] += w * (px.base + ll);
                    s[1] += w * (px.d_r - w_alive * ln_t - w_drop * ln_tx);
                    s[2] += w * (r / alpha - k * (w_alive * inv_t + w_drop * inv_tx));
                    s[3] += w * (px.d_a + w_drop / a);
                    s[4] += w * (px.d_b + w_drop * px.d_b_drop);
                }
                s
            })
            .collect();
        let mut total = [0.0; 5];
        for s in &partial {
            for (t, v) in total.iter_mut().zip(s) {
                *t += v;
            }
        }
        let n = self.total_weight;
        let [ll, gr, galpha, ga, gb] = total;
        (
            -ll / n,
            vec![-gr * r / n, -galpha * alpha / n, -ga * a / n, -gb * b / n],
        )
    }
}

/// The terms of the likelihood that depend on the frequency only.
struct PerX {
    x: f64,
    /// ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b)
    base: f64,
    d_r: f64,
    d_a: f64,
    d_b: f64,
    /// ln(a / (b + x - 1)), the dropout term's constant (x > 0 only).
    log_drop: f64,
    d_b_drop: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let data = Prepared::new(&[
            (0.0, 0.0, 30.0, 3.0),
            (1.0, 5.0, 30.0, 2.0),
            (2.0, 20.0, 31.0, 1.0),
            (7.0, 29.0, 33.0, 1.5),
            (1.0, 0.0, 12.0, 1.0),
        ])
        .unwrap();
        let theta = [(-0.5f64), 1.2, -0.2, 0.9];
        let (_, g) = data.objective(&theta);
        for i in 0..4 {
            let h = 1e-6;
            let mut up = theta;
            let mut down = theta;
            up[i] += h;
            down[i] -= h;
            let num = (data.objective(&up).0 - data.objective(&down).0) / (2.0 * h);
            assert!(
                (g[i] - num).abs() < 1e-7,
                "component {i}: {} vs {num}",
                g[i]
            );
        }
    }

    #[test]
    fn likelihood_matches_the_direct_formula() {
        // FHL (2005) equation 6, written out for one customer.
        let (r, alpha, a, b) = (0.243f64, 4.414f64, 0.793f64, 2.426f64);
        let (x, tx, t) = (2.0f64, 30.43f64, 38.86f64);
        let beta = |p: f64, q: f64| ln_gamma(p) + ln_gamma(q) - ln_gamma(p + q);
        let direct = (beta(a, b + x) - beta(a, b) + ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln())
            .exp()
            * ((alpha + t).powf(-(r + x)) + a / (b + x - 1.0) * (alpha + tx).powf(-(r + x)));
        let data = Prepared::new(&[(x, tx, t, 1.0)]).unwrap();
        let (nll, _) = data.objective(&[r.ln(), alpha.ln(), a.ln(), b.ln()]);
        assert!((-nll - direct.ln()).abs() < 1e-12);
    }

    #[test]
    fn expectations_are_continuous_through_a_equal_one() {
        let m = |a: f64| BgNbd {
            r: 0.5,
            alpha: 3.0,
            a,
            b: 2.0,
            log_likelihood: 0.0,
        };
        for t in [1.0, 10.0, 100.0] {
            let (lo, mid, hi) = (
                m(0.999).expected_purchases(t),
                m(1.0).expected_purchases(t),
                m(1.001).expected_purchases(t),
            );
            assert!(mid.is_finite() && (lo - mid).abs() < 1e-2 && (hi - mid).abs() < 1e-2);
            let c = m(1.0).conditional_expected_purchases(t, 3.0, 10.0, 20.0);
            assert!(c.is_finite() && c > 0.0);
        }
    }
}
