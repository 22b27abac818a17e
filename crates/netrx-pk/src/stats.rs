//! Small numerical helpers: quantiles, Nelder–Mead, Cholesky.

/// Quantile of sorted data, R's type 7 (linear interpolation between order statistics).
pub fn quantile_sorted(x: &[f64], p: f64) -> f64 {
    if x.is_empty() {
        return f64::NAN;
    }
    let h = (x.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(x.len() - 1);
    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
}

/// Minimise `f` from `x0` with the Nelder–Mead simplex (standard coefficients),
/// restarting once from the best point. Non-finite values of `f` must be mapped to a
/// large finite penalty by the caller. Returns (argmin, min, evaluations).
pub fn nelder_mead(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    tol: f64,
    max_eval: usize,
) -> (Vec<f64>, f64, usize) {
    let mut evals = 0;
    let mut best = x0.to_vec();
    let mut fbest = f64::INFINITY;
    for _restart in 0..3 {
        let (x, fx, e) = nm_once(f, &best, step, tol, max_eval.saturating_sub(evals));
        evals += e;
        let improved = fbest - fx;
        best = x;
        fbest = fx;
        if improved.abs() <= tol || evals >= max_eval {
            break;
        }
    }
    (best, fbest, evals)
}

fn nm_once(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    tol: f64,
    max_eval: usize,
) -> (Vec<f64>, f64, usize) {
    let n = x0.len();
    let mut evals = 0;
    let mut eval = |x: &[f64], evals: &mut usize| {
        *evals += 1;
        f(x)
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let fx0 = eval(x0, &mut evals);
    simplex.push((x0.to_vec(), fx0));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step;
        let fx = eval(&x, &mut evals);
        simplex.push((x, fx));
    }
    let (alpha, gamma, rho, sigma) = (1.0, 2.0, 0.5, 0.5);
    while evals < max_eval {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let spread = simplex[n].1 - simplex[0].1;
        let size = simplex
            .iter()
            .skip(1)
            .map(|(x, _)| {
                x.iter()
                    .zip(&simplex[0].0)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
            })
            .fold(0.0, f64::max);
        if spread.abs() <= tol && size <= tol.sqrt() {
            break;
        }
        let mut c = vec![0.0; n];
        for (x, _) in &simplex[..n] {
            for (ci, xi) in c.iter_mut().zip(x) {
                *ci += xi / n as f64;
            }
        }
        let worst = simplex[n].clone();
        let along = |t: f64| -> Vec<f64> { c.iter().zip(&worst.0).map(|(ci, wi)| ci + t * (wi - ci)).collect() };
        let xr = along(-alpha);
        let fr = eval(&xr, &mut evals);
        if fr < simplex[0].1 {
            let xe = along(-alpha * gamma);
            let fe = eval(&xe, &mut evals);
            simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (xr, fr);
        } else {
            let (xc, fc) = if fr < worst.1 {
                let x = along(-alpha * rho);
                let fx = eval(&x, &mut evals);
                (x, fx)
            } else {
                let x = along(rho);
                let fx = eval(&x, &mut evals);
                (x, fx)
            };
            if fc < worst.1.min(fr) {
                simplex[n] = (xc, fc);
            } else {
                let b = simplex[0].0.clone();
                for item in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = b.iter().zip(&item.0).map(|(bi, xi)| bi + sigma * (xi - bi)).collect();
                    let fx = eval(&x, &mut evals);
                    *item = (x, fx);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, fx) = simplex.swap_remove(0);
    (x, fx, evals)
}

/// Cholesky factor L (row-major, lower) of a symmetric positive-definite matrix; `None` if not PD.
pub fn cholesky(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = a[i][i] - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[i][j] = d.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Inverse of a symmetric positive-definite matrix via Cholesky; `None` if not PD.
pub fn spd_inverse(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = a.len();
    let l = cholesky(a)?;
    let mut inv = vec![vec![0.0; n]; n];
    for col in 0..n {
        // Solve L y = e_col, then Lᵀ x = y.
        let mut y = vec![0.0; n];
        for i in 0..n {
            let e = if i == col { 1.0 } else { 0.0 };
            let s: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
            y[i] = (e - s) / l[i][i];
        }
        let mut x = vec![0.0; n];
        for i in (0..n).rev() {
            let s: f64 = (i + 1..n).map(|k| l[k][i] * x[k]).sum();
            x[i] = (y[i] - s) / l[i][i];
        }
        for (row, xi) in inv.iter_mut().zip(&x) {
            row[col] = *xi;
        }
    }
    Some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_quantiles_match_r() {
        // R: quantile(c(1, 2, 4, 8, 16), c(.05, .25, .5, .75, .95)) = 1.2 2 4 8 14.4
        let x = [1.0, 2.0, 4.0, 8.0, 16.0];
        let want = [1.2, 2.0, 4.0, 8.0, 14.4];
        for (p, w) in [0.05, 0.25, 0.5, 0.75, 0.95].iter().zip(want) {
            assert!((quantile_sorted(&x, *p) - w).abs() < 1e-12);
        }
    }

    #[test]
    fn nelder_mead_finds_the_rosenbrock_minimum() {
        let mut f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let (x, fx, _) = nelder_mead(&mut f, &[-1.2, 1.0], 0.5, 1e-14, 20_000);
        assert!((x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4, "{x:?} {fx}");
    }

    #[test]
    fn spd_inverse_inverts() {
        let a = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let inv = spd_inverse(&a).unwrap();
        // [[3, -1], [-1, 4]] / 11
        assert!((inv[0][0] - 3.0 / 11.0).abs() < 1e-15 && (inv[0][1] + 1.0 / 11.0).abs() < 1e-15);
        assert!(spd_inverse(&[vec![1.0, 2.0], vec![2.0, 1.0]]).is_none());
    }
}
