//! Special functions the lifecycle models need: [`ln_gamma`], [`digamma`] and the Gauss
//! hypergeometric function [`hyp2f1`].
//!
//! All three are plain `f64 -> f64` functions without allocation; none panics. Accuracy figures
//! are those checked by the module's tests against closed forms and published values.

use std::f64::consts::PI;

/// Lanczos approximation, g = 7, nine coefficients (Numerical Recipes / Godfrey).
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// The natural logarithm of the absolute value of the gamma function, `ln |Γ(x)|`.
///
/// Lanczos approximation (g = 7) for `x >= 0.5`, the reflection formula below. Relative error
/// about 1e-15 away from the zeros of `ln Γ` at 1 and 2, absolute error about 1e-15 near them.
/// Returns `+∞` at the poles (0, -1, -2, ...) and NaN for NaN.
///
/// ```
/// use clientele::lifecycle::special::ln_gamma;
/// assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-13);
/// assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-14);
/// assert_eq!(ln_gamma(-2.0), f64::INFINITY);
/// ```
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    if x < 0.5 {
        if x == x.floor() {
            return f64::INFINITY;
        }
        // Γ(x) Γ(1 - x) = π / sin(π x); the sine of a reduced argument keeps its precision.
        let s = sin_pi(x).abs();
        return (PI / s).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + LANCZOS_G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// `sin(π x)` with the argument reduced first, so that it is exact at integers.
fn sin_pi(x: f64) -> f64 {
    // Reduce to [-1/2, 1/2], where π r is computed without losing the small values.
    let r = x - 2.0 * (x / 2.0).round(); // in [-1, 1]
    if r > 0.5 {
        (PI * (1.0 - r)).sin()
    } else if r < -0.5 {
        -(PI * (1.0 + r)).sin()
    } else {
        (PI * r).sin()
    }
}

/// The sign of `Γ(x)`: 1 or -1, 0 at the poles and for NaN.
pub(crate) fn gamma_sign(x: f64) -> f64 {
    if x.is_nan() || (x <= 0.0 && x == x.floor()) {
        0.0
    } else if x > 0.0 || (x.floor() as i64) % 2 == 0 {
        1.0
    } else {
        -1.0
    }
}

/// The digamma function `ψ(x) = d/dx ln Γ(x)`.
///
/// Recurrence up to `x >= 10`, then the asymptotic series; the reflection formula for negative
/// arguments. Absolute error below 1e-13 for `x > 0` (relative near the root at 1.4616...).
/// NaN at the poles (0, -1, -2, ...).
///
/// ```
/// use clientele::lifecycle::special::digamma;
/// let euler_gamma = 0.577_215_664_901_532_9;
/// assert!((digamma(1.0) + euler_gamma).abs() < 1e-14);
/// assert!(digamma(0.0).is_nan());
/// ```
pub fn digamma(x: f64) -> f64 {
    if x.is_nan() || (x <= 0.0 && x == x.floor()) {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return f64::INFINITY;
    }
    if x < 0.0 {
        // ψ(1 - x) - ψ(x) = π cot(π x)
        return digamma(1.0 - x) - PI / (sin_pi(x) / sin_pi(x + 0.5));
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv2 = 1.0 / (x * x);
    // Bernoulli terms B2k / (2k x^2k), k = 1..6.
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2
                        * (1.0 / 252.0
                            - inv2
                                * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32760.0)))));
    acc + x.ln() - 0.5 / x - series
}

/// The Gauss hypergeometric function `₂F₁(a, b; c; z)` for real arguments and `z < 1`.
///
/// - `0 <= z <= 0.9`: the defining power series, summed until terms no longer change the sum.
/// - `0.9 < z < 1`: the linear transformation to `1 - z` (Abramowitz and Stegun 15.3.6); where
///   `c - a - b` is within 1e-6 of an integer (a removable singularity of that formula) the value
///   is interpolated between two nearby `c`.
/// - `z < 0`: Pfaff's transformation `(1 - z)^(-a) ₂F₁(a, c - b; c; z / (z - 1))`, which maps
///   onto `[0, 1)`.
///
/// Relative error about 1e-13 for positive parameters of moderate size (up to a few hundred),
/// 1e-9 on the transformed branch where `c - a - b` is (next to) an integer; large negative
/// parameters can lose more to cancellation. At `z = 1` Gauss's sum is returned when `c - a - b > 0`. NaN for `z > 1`, for
/// `z = 1` with `c - a - b <= 0`, when `c` is zero or a negative integer (and the series does
/// not stop earlier), and when the series does not converge within 100,000 terms.
///
/// ```
/// use clientele::lifecycle::special::hyp2f1;
/// // ₂F₁(1, 1; 2; z) = -ln(1 - z) / z
/// for z in [-3.0, -0.4, 0.3, 0.9, 0.999] {
///     let exact = -(1.0f64 - z).ln() / z;
///     assert!((hyp2f1(1.0, 1.0, 2.0, z) / exact - 1.0).abs() < 1e-9);
/// }
/// ```
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    if [a, b, c, z].iter().any(|v| !v.is_finite()) || z > 1.0 {
        return f64::NAN;
    }
    if z == 0.0 || a == 0.0 || b == 0.0 {
        return 1.0;
    }
    if z == 1.0 {
        let m = c - a - b;
        if m <= 0.0 {
            return f64::NAN;
        }
        return gamma_ratio(&[c, m], &[c - a, c - b]);
    }
    if z < 0.0 {
        let w = z / (z - 1.0);
        return (1.0 - z).powf(-a) * hyp2f1_unit(a, c - b, c, w);
    }
    hyp2f1_unit(a, b, c, z)
}

/// Where [`hyp2f1`] switches from the power series to the transformation to `1 - z`.
const SERIES_UP_TO: f64 = 0.9;

/// `₂F₁` for `0 <= z < 1`.
fn hyp2f1_unit(a: f64, b: f64, c: f64, z: f64) -> f64 {
    // Up to 0.9 the series needs a few hundred terms at most for moderate parameters, and it
    // does not cancel when the parameters are positive, while the transformation can.
    if z <= SERIES_UP_TO {
        return series(a, b, c, z);
    }
    let m = c - a - b;
    let k = m.round();
    const NEAR: f64 = 1e-6;
    if (m - k).abs() < NEAR {
        // Both terms of the transformation blow up at integer c - a - b while their sum stays
        // finite: interpolate linearly between c at distance NEAR on either side.
        let (c1, c2) = (a + b + k - NEAR, a + b + k + NEAR);
        let (f1, f2) = (transformed(a, b, c1, z), transformed(a, b, c2, z));
        return f1 + (f2 - f1) * (c - c1) / (c2 - c1);
    }
    transformed(a, b, c, z)
}

/// Abramowitz and Stegun 15.3.6: `₂F₁` at `z` from two series at `1 - z`.
fn transformed(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let m = c - a - b;
    let w = 1.0 - z;
    let first = gamma_ratio(&[c, m], &[c - a, c - b]);
    let second = gamma_ratio(&[c, -m], &[a, b]);
    let mut out = 0.0;
    if first != 0.0 {
        out += first * series(a, b, 1.0 - m, w);
    }
    if second != 0.0 {
        out += second * w.powf(m) * series(c - a, c - b, 1.0 + m, w);
    }
    out
}

/// `Π Γ(num) / Π Γ(den)`, through logarithms so that large arguments do not overflow; 0 when a
/// denominator argument is a pole, NaN when a numerator one is.
fn gamma_ratio(num: &[f64], den: &[f64]) -> f64 {
    let mut sign = 1.0;
    let mut log = 0.0;
    for &v in num {
        let s = gamma_sign(v);
        if s == 0.0 {
            return f64::NAN;
        }
        sign *= s;
        log += ln_gamma(v);
    }
    for &v in den {
        let s = gamma_sign(v);
        if s == 0.0 {
            return 0.0;
        }
        sign *= s;
        log -= ln_gamma(v);
    }
    sign * log.exp()
}

/// The power series of `₂F₁`; converges for `|z| < 1`.
fn series(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    // Past the last sign change of (a + n), (b + n), (c + n) the term ratio tends to z
    // monotonically, so a negligible term there means the rest is negligible too.
    let settled = (-a).max(-b).max(-c).max(0.0);
    for n in 0..100_000u32 {
        let n = f64::from(n);
        let denom = (c + n) * (n + 1.0);
        if denom == 0.0 {
            return f64::NAN;
        }
        let ratio = (a + n) * (b + n) / denom * z;
        term *= ratio;
        sum += term;
        if term == 0.0 {
            return sum;
        }
        if n >= settled && ratio.abs() < 1.0 && term.abs() <= 1e-17 * sum.abs() {
            return sum;
        }
    }
    f64::NAN
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, rel: f64) -> bool {
        (x - y).abs() <= rel * y.abs().max(1e-300)
    }

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        let mut fact = 1.0f64;
        for n in 1..60 {
            assert!(close(
                ln_gamma(n as f64 + 1.0),
                (fact * n as f64).ln(),
                1e-14
            ));
            fact *= n as f64;
        }
        // Γ(1/2) = √π, Γ(-1/2) = -2√π, Γ(1e-8) ≈ 1e8
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-14));
        assert!(close(ln_gamma(-0.5), (2.0 * PI.sqrt()).ln(), 1e-14));
        assert!(close(
            ln_gamma(1e-8),
            (1e8f64 - 0.577_215_664_901_532_9).ln(),
            1e-12
        ));
        assert!(ln_gamma(1.0).abs() < 1e-15 && ln_gamma(2.0).abs() < 1e-15);
        assert!(close(ln_gamma(1e6), 12_815_504.569_147_611, 1e-14));
        assert_eq!(ln_gamma(0.0), f64::INFINITY);
        assert!(ln_gamma(f64::NAN).is_nan());
    }

    #[test]
    fn gamma_sign_alternates_between_poles() {
        assert_eq!(gamma_sign(2.5), 1.0);
        assert_eq!(gamma_sign(-0.5), -1.0);
        assert_eq!(gamma_sign(-1.5), 1.0);
        assert_eq!(gamma_sign(-3.0), 0.0);
    }

    #[test]
    fn digamma_matches_known_values() {
        let eg = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + eg).abs() < 1e-14);
        assert!((digamma(0.5) + eg + 2.0 * 2f64.ln()).abs() < 1e-14);
        // ψ(n + 1) = H_n - γ
        let h: f64 = (1..=20).map(|k| 1.0 / k as f64).sum();
        assert!((digamma(21.0) - (h - eg)).abs() < 1e-14);
        assert!((digamma(-0.5) - (digamma(1.5) + PI / (PI * -0.5).tan())).abs() < 1e-13);
        // derivative of ln_gamma, numerically
        for x in [0.2, 0.9, 3.7, 42.0] {
            let h = 1e-5;
            let num = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!((digamma(x) - num).abs() < 1e-8, "{x}");
        }
    }

    #[test]
    fn hyp2f1_matches_closed_forms_on_every_branch() {
        for z in [
            -50.0, -2.0, -0.9, -0.2, 0.1, 0.5, 0.51, 0.8, 0.99, 0.999_999,
        ] {
            // (1 - z)^(-a) = ₂F₁(a, b; b; z): c - a - b = -a, not an integer
            let a = 0.37;
            assert!(
                close(hyp2f1(a, 2.3, 2.3, z), (1.0 - z).powf(-a), 1e-12),
                "power z={z}"
            );
            // -ln(1 - z)/z = ₂F₁(1, 1; 2; z): c - a - b = 0, the interpolated case
            let exact = -(1.0f64 - z).ln() / z;
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z), exact, 1e-9), "log z={z}");
        }
        // arcsin(x)/x = ₂F₁(1/2, 1/2; 3/2; x²): c - a - b = 1/2
        for x in [0.1f64, 0.6, 0.9, 0.9999] {
            assert!(
                close(hyp2f1(0.5, 0.5, 1.5, x * x), x.asin() / x, 1e-12),
                "{x}"
            );
        }
        // Gauss's sum at z = 1: Γ(c)Γ(c-a-b)/(Γ(c-a)Γ(c-b)); here Γ(3)Γ(1)/(Γ(2)Γ(2)) = 2
        assert!(close(hyp2f1(1.0, 1.0, 3.0, 1.0), 2.0, 1e-13));
        // terminating series: ₂F₁(-2, b; c; z) is a polynomial
        let (b, c, z) = (1.5, 2.5, 0.7);
        let poly = 1.0 - 2.0 * b / c * z + b * (b + 1.0) / (c * (c + 1.0)) * z * z;
        assert!(close(hyp2f1(-2.0, b, c, z), poly, 1e-13));
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.5).is_nan());
        assert!(hyp2f1(1.0, 1.0, -2.0, 0.3).is_nan());
    }

    #[test]
    fn hyp2f1_agrees_across_the_branch_boundary() {
        // The series and the transformation must give the same value where they meet.
        for (a, b, c) in [(0.243, 2.426, 2.219), (3.2, 4.4, 6.1), (0.5, 7.0, 1.3)] {
            let z = SERIES_UP_TO;
            let (s, t) = (series(a, b, c, z), transformed(a, b, c, z));
            assert!(close(t, s, 1e-11), "{a} {b} {c}: {s} {t}");
        }
    }

    #[test]
    fn hyp2f1_matches_reference_values() {
        // mpmath.hyp2f1 at 40 digits, on the transformed branch with the BG/NBD's shapes.
        let reference = 4.375_261_367_408_536;
        assert!(close(hyp2f1(0.243, 2.426, 2.219, 0.99), reference, 1e-12));
    }
}
