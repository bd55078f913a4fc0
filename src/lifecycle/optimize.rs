//! A small quasi-Newton minimizer (BFGS with a backtracking line search) for the models' few
//! parameters, so that fitting needs no numerical dependency.

/// Where a minimization ended.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    /// The best point found.
    pub(crate) x: Vec<f64>,
    /// The objective there.
    pub(crate) value: f64,
    /// Whether the gradient became negligible (as opposed to running out of iterations or of
    /// line-search steps).
    pub(crate) converged: bool,
    /// Whether a coordinate left `[-bound, bound]`, which ends the search.
    pub(crate) escaped: bool,
}

/// Largest move of any coordinate in one step; the models work on log-parameters, where 3 is a
/// factor of 20.
const MAX_STEP: f64 = 3.0;

/// Minimizes `f` from `x0`. `f` returns the objective and its gradient; a non-finite objective
/// marks a point as outside the domain, and the line search backs away from it.
///
/// Stops when the largest gradient component is below `gtol` (or below its square root once
/// steps no longer lower the objective beyond rounding), after `max_iter` iterations, or
/// when a coordinate leaves `[-bound, bound]` (the models' parameters running off to zero or
/// infinity, where a likelihood has no maximum).
pub(crate) fn bfgs<F>(f: F, x0: &[f64], gtol: f64, max_iter: usize, bound: f64) -> Minimum
where
    F: Fn(&[f64]) -> (f64, Vec<f64>),
{
    let n = x0.len();
    let mut x = x0.to_vec();
    let (mut fx, mut g) = f(&x);
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Minimum {
            x,
            value: fx,
            converged: false,
            escaped: false,
        };
    }
    let identity = |scale: f64| -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| (0..n).map(|j| if i == j { scale } else { 0.0 }).collect())
            .collect()
    };
    let mut h = identity(1.0);
    let mut fresh = true;
    let mut stalls = 0;
    for _ in 0..max_iter {
        if norm_inf(&g) < gtol {
            return Minimum {
                x,
                value: fx,
                converged: true,
                escaped: false,
            };
        }
        let mut p: Vec<f64> = h.iter().map(|row| -dot(row, &g)).collect();
        let mut slope = dot(&p, &g);
        if slope >= 0.0 || !slope.is_finite() {
            // Not a descent direction: forget the curvature learnt so far.
            h = identity(1.0);
            fresh = true;
            p = g.iter().map(|v| -v).collect();
            slope = dot(&p, &g);
        }
        let longest = norm_inf(&p);
        let mut step = if longest > MAX_STEP {
            MAX_STEP / longest
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..60 {
            let trial: Vec<f64> = x.iter().zip(&p).map(|(xi, pi)| xi + step * pi).collect();
            let (ft, gt) = f(&trial);
            if ft.is_finite() && gt.iter().all(|v| v.is_finite()) && ft <= fx + 1e-4 * step * slope
            {
                accepted = Some((trial, ft, gt));
                break;
            }
            step *= 0.5;
        }
        let Some((x_new, f_new, g_new)) = accepted else {
            if fresh {
                // Even steepest descent cannot improve: as good as the arithmetic allows.
                let converged = norm_inf(&g) < gtol.sqrt();
                return Minimum {
                    x,
                    value: fx,
                    converged,
                    escaped: false,
                };
            }
            h = identity(1.0);
            fresh = true;
            continue;
        };
        // Progress at the level of rounding noise: the minimum is as good as the arithmetic
        // allows, unless the gradient says otherwise.
        if fx - f_new <= 1e-15 * (1.0 + fx.abs()) {
            stalls += 1;
            if stalls >= 3 {
                return Minimum {
                    converged: norm_inf(&g_new) < gtol.sqrt(),
                    x: x_new,
                    value: f_new,
                    escaped: false,
                };
            }
        } else {
            stalls = 0;
        }
        let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() && sy > 0.0 {
            if fresh {
                // Scale the first approximation to the curvature seen (Nocedal and Wright 6.20).
                h = identity(sy / dot(&y, &y));
            }
            update_inverse_hessian(&mut h, &s, &y, sy);
            fresh = false;
        }
        x = x_new;
        fx = f_new;
        g = g_new;
        if norm_inf(&x) > bound {
            return Minimum {
                x,
                value: fx,
                converged: false,
                escaped: true,
            };
        }
    }
    let converged = norm_inf(&g) < gtol;
    Minimum {
        x,
        value: fx,
        converged,
        escaped: false,
    }
}

/// The BFGS update of the inverse Hessian approximation `h`.
fn update_inverse_hessian(h: &mut [Vec<f64>], s: &[f64], y: &[f64], sy: f64) {
    let rho = 1.0 / sy;
    let hy: Vec<f64> = h.iter().map(|row| dot(row, y)).collect();
    let yhy = dot(y, &hy);
    for (i, row) in h.iter_mut().enumerate() {
        for (j, cell) in row.iter_mut().enumerate() {
            let (si, sj) = (
                s.get(i).copied().unwrap_or(0.0),
                s.get(j).copied().unwrap_or(0.0),
            );
            let (hyi, hyj) = (
                hy.get(i).copied().unwrap_or(0.0),
                hy.get(j).copied().unwrap_or(0.0),
            );
            *cell += (1.0 + rho * yhy) * rho * si * sj - rho * (hyi * sj + si * hyj);
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm_inf(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_rosenbrock() {
        let f = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let v = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = vec![
                -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                200.0 * (b - a * a),
            ];
            (v, g)
        };
        let m = bfgs(f, &[-1.2, 1.0], 1e-10, 500, 1e3);
        assert!(m.converged);
        assert!((m.x[0] - 1.0).abs() < 1e-7 && (m.x[1] - 1.0).abs() < 1e-7);
    }

    #[test]
    fn backs_away_from_points_outside_the_domain() {
        // ln barrier: defined for x > 0 only, minimum at x = 1.
        let f = |x: &[f64]| {
            if x[0] <= 0.0 {
                (f64::NAN, vec![f64::NAN])
            } else {
                (x[0] - x[0].ln(), vec![1.0 - 1.0 / x[0]])
            }
        };
        let m = bfgs(f, &[5.0], 1e-12, 200, 1e3);
        assert!(m.converged && (m.x[0] - 1.0).abs() < 1e-9);
    }
}
