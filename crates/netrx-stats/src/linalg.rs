//! Small dense linear algebra for the survival models: a generalised Cholesky
//! decomposition with R `survival`'s singularity semantics, and solves and
//! inverses built on it.
//!
//! Matrices are square, stored row-major in a `Vec<f64>` of length `n * n`. The module also
//! holds the stable radix sort of (key, index) pairs that the Cox code sorts with.
//!
//! The decomposition is C = L D Lᵀ with L unit lower triangular and D diagonal
//! (no square roots), exactly the form R's `cholesky2` uses. A pivot smaller
//! than `toler × max(diag(C))` (or non-finite) marks that column as redundant:
//! its D entry is set to zero, it takes no part in later eliminations, and
//! solves and inverses return zero in its position. This is what lets a Cox or
//! parametric model report a coefficient as "not estimable" (R prints `NA`)
//! instead of failing on collinear columns.

// Index loops mirror the matrix algebra (and R's C code) they implement.
#![allow(clippy::needless_range_loop)]

/// Default tolerance of `coxph.control(toler.chol)`: `.Machine$double.eps^0.75`.
pub fn toler_chol_default() -> f64 {
    f64::EPSILON.powf(0.75)
}

/// An L D Lᵀ factorisation with singular columns flagged.
#[derive(Debug, Clone)]
pub struct Ldl {
    n: usize,
    /// Unit lower triangle in the strict lower part, D on the diagonal.
    f: Vec<f64>,
    /// Number of non-redundant columns.
    pub rank: usize,
    /// False if some pivot was clearly negative (the matrix is not non-negative definite).
    pub nonneg: bool,
}

impl Ldl {
    /// Factor the symmetric matrix `m` (only the upper triangle and diagonal are read).
    pub fn new(m: &[f64], n: usize, toler: f64) -> Self {
        assert_eq!(m.len(), n * n, "matrix must be n×n");
        // Work on a full symmetric copy built from the upper triangle.
        let mut f = vec![0.0; n * n];
        let mut maxdiag: f64 = 0.0;
        for i in 0..n {
            let d = m[i * n + i];
            if d > maxdiag {
                maxdiag = d;
            }
            for j in i..n {
                f[j * n + i] = m[i * n + j];
            }
        }
        if maxdiag == 0.0 || n == 0 {
            // No positive diagonal at all: every column is redundant.
            return Ldl {
                n,
                f: vec![0.0; n * n],
                rank: 0,
                nonneg: true,
            };
        }
        let eps = maxdiag * toler;
        let mut rank = 0;
        let mut nonneg = true;
        for i in 0..n {
            let pivot = f[i * n + i];
            if !pivot.is_finite() || pivot < eps {
                f[i * n + i] = 0.0;
                if pivot < -8.0 * eps {
                    nonneg = false;
                }
                // The column takes no part in the elimination: clear its multipliers.
                for j in (i + 1)..n {
                    f[j * n + i] = 0.0;
                }
            } else {
                rank += 1;
                for j in (i + 1)..n {
                    let t = f[j * n + i] / pivot;
                    f[j * n + i] = t;
                    f[j * n + j] -= t * t * pivot;
                    for k in (j + 1)..n {
                        f[k * n + j] -= t * f[k * n + i];
                    }
                }
            }
        }
        Ldl { n, f, rank, nonneg }
    }

    /// Dimension.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Whether column `i` was found redundant.
    pub fn is_singular(&self, i: usize) -> bool {
        self.f[i * self.n + i] == 0.0
    }

    /// Solve C b = y in place; redundant positions get 0.
    pub fn solve_in_place(&self, y: &mut [f64]) {
        let n = self.n;
        // L z = y
        for i in 0..n {
            let mut t = y[i];
            for j in 0..i {
                t -= y[j] * self.f[i * n + j];
            }
            y[i] = t;
        }
        // D Lᵀ b = z
        for i in (0..n).rev() {
            let d = self.f[i * n + i];
            if d == 0.0 {
                y[i] = 0.0;
            } else {
                let mut t = y[i] / d;
                for j in (i + 1)..n {
                    t -= y[j] * self.f[j * n + i];
                }
                y[i] = t;
            }
        }
    }

    /// Solve C b = y, returning b.
    pub fn solve(&self, y: &[f64]) -> Vec<f64> {
        let mut b = y.to_vec();
        self.solve_in_place(&mut b);
        b
    }

    /// The (generalised) inverse of C: rows and columns of redundant positions are zero.
    pub fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        // Inverse of the unit lower triangle L (column by column).
        let mut linv = vec![0.0; n * n];
        for i in 0..n {
            linv[i * n + i] = 1.0;
        }
        for j in 0..n {
            for i in (j + 1)..n {
                let mut s = 0.0;
                for k in j..i {
                    s -= self.f[i * n + k] * linv[k * n + j];
                }
                linv[i * n + j] = s;
            }
        }
        // C⁻ = L⁻ᵀ D⁻ L⁻¹, with D⁻ = 0 on redundant positions.
        let dinv: Vec<f64> = (0..n)
            .map(|i| {
                let d = self.f[i * n + i];
                if d == 0.0 { 0.0 } else { 1.0 / d }
            })
            .collect();
        let mut out = vec![0.0; n * n];
        for a in 0..n {
            for b in a..n {
                let mut s = 0.0;
                for k in b..n {
                    s += linv[k * n + a] * dinv[k] * linv[k * n + b];
                }
                out[a * n + b] = s;
                out[b * n + a] = s;
            }
        }
        for i in 0..n {
            if dinv[i] == 0.0 {
                for j in 0..n {
                    out[i * n + j] = 0.0;
                    out[j * n + i] = 0.0;
                }
            }
        }
        out
    }
}

/// The quadratic form bᵀ C⁻ b computed through the generalised Cholesky (R's
/// `coxph.wtest`): returns (statistic, rank). Used for Wald and score tests.
pub fn quad_form_inv(m: &[f64], n: usize, b: &[f64], toler: f64) -> (f64, usize) {
    let l = Ldl::new(m, n, toler);
    let s = l.solve(b);
    let stat = b.iter().zip(&s).map(|(x, y)| x * y).sum();
    (stat, l.rank)
}

/// Solve a general square system A x = b by Gaussian elimination with partial
/// pivoting (the equivalent of R's `solve()` for the small systems in `cox.zph`).
/// Returns `None` if A is numerically singular.
pub fn solve_general(a: &[f64], n: usize, b: &[f64]) -> Option<Vec<f64>> {
    let mut m = a.to_vec();
    let mut x = b.to_vec();
    let scale = m.iter().fold(0.0_f64, |s, v| s.max(v.abs()));
    if scale == 0.0 || !scale.is_finite() {
        return None;
    }
    for c in 0..n {
        let (piv, pmax) = (c..n)
            .map(|r| (r, m[r * n + c].abs()))
            .fold((c, -1.0), |acc, v| if v.1 > acc.1 { v } else { acc });
        if pmax <= scale * f64::EPSILON * (n as f64) {
            return None;
        }
        if piv != c {
            for k in 0..n {
                m.swap(c * n + k, piv * n + k);
            }
            x.swap(c, piv);
        }
        let d = m[c * n + c];
        for r in (c + 1)..n {
            let f = m[r * n + c] / d;
            if f != 0.0 {
                for k in c..n {
                    m[r * n + k] -= f * m[c * n + k];
                }
                x[r] -= f * x[c];
            }
        }
    }
    for c in (0..n).rev() {
        let mut s = x[c];
        for k in (c + 1)..n {
            s -= m[c * n + k] * x[k];
        }
        x[c] = s / m[c * n + c];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
        let mut c = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                c[i * n + j] = (0..n).map(|k| a[i * n + k] * b[k * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn inverse_of_spd_matrix_is_exact() {
        // A hand-checkable SPD matrix; A·A⁻¹ must be the identity to 1e-12.
        let a = vec![4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let l = Ldl::new(&a, 3, toler_chol_default());
        assert_eq!(l.rank, 3);
        let inv = l.inverse();
        let id = matmul(&a, &inv, 3);
        for i in 0..3 {
            for j in 0..3 {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((id[i * 3 + j] - want).abs() < 1e-12, "{id:?}");
            }
        }
        let b = [1.0, 2.0, 3.0];
        let x = l.solve(&b);
        let g = solve_general(&a, 3, &b).unwrap();
        for i in 0..3 {
            assert!((x[i] - g[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn collinear_column_is_flagged_and_zeroed() {
        // Third column = first + second: rank 2, third position zero in the inverse.
        let x: [[f64; 3]; 4] = [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 1.0, 2.0], [2.0, 1.0, 3.0]];
        let mut xtx = vec![0.0; 9];
        for r in &x {
            for i in 0..3 {
                for j in 0..3 {
                    xtx[i * 3 + j] += r[i] * r[j];
                }
            }
        }
        let l = Ldl::new(&xtx, 3, toler_chol_default());
        assert_eq!(l.rank, 2);
        assert!(l.is_singular(2));
        let inv = l.inverse();
        for j in 0..3 {
            assert_eq!(inv[2 * 3 + j], 0.0);
            assert_eq!(inv[j * 3 + 2], 0.0);
        }
        // The 2×2 block is the inverse of the leading 2×2 block of XᵀX.
        let (a, b, d) = (xtx[0], xtx[1], xtx[4]);
        let det = a * d - b * b;
        assert!((inv[0] - d / det).abs() < 1e-12);
        assert!((inv[1] + b / det).abs() < 1e-12);
    }
}

/// Stable LSD radix sort of (key, payload) pairs by key, 8 bits per pass; passes over a
/// byte that is the same in every key are skipped (day-valued times need 2–3 passes).
/// Used for the O(n) sorts of the Cox fit and the concordance (n up to 10⁷).
pub fn radix_sort_pairs(v: &mut Vec<(u64, u32)>) {
    let n = v.len();
    if n < 2 {
        return;
    }
    if n < 256 {
        v.sort_by_key(|e| e.0); // stable
        return;
    }
    let (mut and, mut or) = (u64::MAX, 0u64);
    for e in v.iter() {
        and &= e.0;
        or |= e.0;
    }
    let varying = and ^ or;
    let mut buf = vec![(0u64, 0u32); n];
    for pass in 0..8 {
        let shift = pass * 8;
        if (varying >> shift) & 0xff == 0 {
            continue;
        }
        let mut count = [0usize; 257];
        for e in v.iter() {
            count[((e.0 >> shift) & 0xff) as usize + 1] += 1;
        }
        for b in 0..256 {
            count[b + 1] += count[b];
        }
        for e in v.iter() {
            let b = ((e.0 >> shift) & 0xff) as usize;
            buf[count[b]] = *e;
            count[b] += 1;
        }
        std::mem::swap(v, &mut buf);
    }
}

#[cfg(test)]
mod radix_tests {
    use super::radix_sort_pairs;

    #[test]
    fn radix_sort_is_stable_and_sorted() {
        let mut v: Vec<(u64, u32)> = (0..5000u32)
            .map(|i| (((i as u64 * 7919) % 613) << 40 | (i % 3) as u64, i))
            .collect();
        let mut w = v.clone();
        radix_sort_pairs(&mut v);
        w.sort_by_key(|e| e.0);
        assert_eq!(v, w);
    }
}
