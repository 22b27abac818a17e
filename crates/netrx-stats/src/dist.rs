//! Distribution functions used for every p-value and confidence limit in the crate:
//! the standard normal (CDF, upper tail, quantile), chi-square tails and the regularised
//! incomplete gamma function behind them. One place, so that all analyses agree.
//!
//! Methods (accuracy checked against R 4.2.2 in the tests, ≤ 1e-13 relative):
//! - `ln_gamma`: Lanczos approximation (g = 7, 9 terms; Numerical Recipes 3rd ed. §6.1),
//!   ≈ 1e-15 relative for x > 0.
//! - `gamma_p` / `gamma_q`: the series for x < a + 1, otherwise the continued fraction
//!   evaluated by the modified Lentz method (Numerical Recipes §6.2), so the smaller tail is
//!   always computed directly (no cancellation in far tails).
//! - `pnorm` / `pnorm_upper`: through erfc(x) = Q(½, x²), accurate far into the tails
//!   (pnorm(−37) ≈ 5.7e-300).
//! - `qnorm`: Acklam's rational approximation (relative error < 1.2e-9) refined by one
//!   Halley step on `pnorm`, giving full double precision.

use std::f64::consts::{PI, SQRT_2};

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

/// ln Γ(x) for x > 0 (NaN otherwise).
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        // reflection: Γ(x)Γ(1−x) = π / sin(πx)
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = LANCZOS[0];
    let t = x + LANCZOS_G + 0.5;
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

const EPS: f64 = 1e-16;
const TINY: f64 = 1e-300;
const MAX_ITER: usize = 10_000;

/// ln of the prefactor x^a e^{−x} / Γ(a).
fn gamma_prefactor_ln(a: f64, x: f64) -> f64 {
    a * x.ln() - x - ln_gamma(a)
}

/// Series for P(a, x), valid for x < a + 1.
fn gamma_p_series(a: f64, x: f64) -> f64 {
    let mut ap = a;
    let mut del = 1.0 / a;
    let mut sum = del;
    for _ in 0..MAX_ITER {
        ap += 1.0;
        del *= x / ap;
        sum += del;
        if del.abs() < sum.abs() * EPS {
            break;
        }
    }
    sum * gamma_prefactor_ln(a, x).exp()
}

/// Continued fraction for Q(a, x), valid for x ≥ a + 1 (modified Lentz).
fn gamma_q_cf(a: f64, x: f64) -> f64 {
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..MAX_ITER {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < EPS {
            break;
        }
    }
    (gamma_prefactor_ln(a, x)).exp() * h
}

/// Regularised lower incomplete gamma P(a, x) = γ(a, x)/Γ(a), a > 0, x ≥ 0.
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x.is_nan() || a.is_nan() || a <= 0.0 || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return 0.0;
    }
    if x.is_infinite() {
        return 1.0;
    }
    if x < a + 1.0 {
        gamma_p_series(a, x)
    } else {
        1.0 - gamma_q_cf(a, x)
    }
}

/// Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly in the tail.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x.is_nan() || a.is_nan() || a <= 0.0 || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    if x < a + 1.0 {
        1.0 - gamma_p_series(a, x)
    } else {
        gamma_q_cf(a, x)
    }
}

/// Complementary error function erfc(x).
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x >= 0.0 {
        gamma_q(0.5, x * x)
    } else {
        1.0 + gamma_p(0.5, x * x)
    }
}

/// Standard normal CDF Φ(z).
pub fn pnorm(z: f64) -> f64 {
    0.5 * erfc(-z / SQRT_2)
}

/// Standard normal upper tail 1 − Φ(z), accurate for large z.
pub fn pnorm_upper(z: f64) -> f64 {
    0.5 * erfc(z / SQRT_2)
}

/// Two-sided normal p-value 2·(1 − Φ(|z|)).
pub fn p_two_sided(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    (2.0 * pnorm_upper(z.abs())).min(1.0)
}

/// Standard normal quantile Φ⁻¹(p), p in [0, 1] (±∞ at the ends, NaN outside).
pub fn qnorm(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.02425;
    let x = if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step; work in the smaller tail for precision.
    let e = if x < 0.0 {
        pnorm(x) - p
    } else {
        (1.0 - p) - pnorm_upper(x)
    };
    let u = e * (2.0 * PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Chi-square upper tail P(X > x) with `df` degrees of freedom (R's
/// `pchisq(x, df, lower.tail = FALSE)`). df must be > 0; x ≤ 0 gives 1.
pub fn pchisq_upper(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(df / 2.0, x / 2.0)
}

/// Chi-square CDF P(X ≤ x).
pub fn pchisq(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    gamma_p(df / 2.0, x / 2.0)
}

/// The two-sided normal critical value for a confidence level (0.95 → 1.959964).
pub fn z_for_level(level: f64) -> f64 {
    qnorm(1.0 - (1.0 - level) / 2.0)
}

#[cfg(test)]
#[allow(clippy::excessive_precision)] // reference values exactly as R printed them (17 digits)
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(f64::MIN_POSITIVE)
    }

    /// Reference values printed by R 4.2.2 with options(digits = 17); tolerance 1e-13 relative.
    #[test]
    fn matches_r() {
        let cases: [(f64, f64); 14] = [
            (pnorm(-1.96), 2.4997895148220428e-02),
            (pnorm(1.5), 9.3319279873114191e-01),
            (pnorm(-10.0), 7.6198530241605269e-24),
            (qnorm(0.975), 1.9599639845400536e+00),
            (qnorm(1e-10), -6.3613409024040557e+00),
            (qnorm(0.3), -5.2440051270804067e-01),
            (qnorm(0.999), 3.0902323061678132e+00),
            (pchisq_upper(10.3267419549, 1.0), 1.3111645203452821e-03),
            (pchisq_upper(3.5, 3.0), 3.2076212080563887e-01),
            (pchisq_upper(250.0, 10.0), 5.4278339609692809e-48),
            (pchisq(0.5, 7.0), 5.5351860957503435e-04),
            (ln_gamma(0.5), 5.7236494292470008e-01),
            (ln_gamma(100.5), 3.6143554046777757e+02),
            (pchisq_upper(1e-3, 4.0), 9.9999987504165888e-01),
        ];
        for (i, (got, want)) in cases.iter().enumerate() {
            assert!(close(*got, *want, 1e-13), "case {i}: got {got:e}, want {want:e}");
        }
    }

    #[test]
    fn quantile_inverts_cdf() {
        for &p in &[1e-300, 1e-20, 1e-5, 0.01, 0.024, 0.025, 0.2, 0.5, 0.77, 0.975, 0.9999] {
            let z = qnorm(p);
            let back = if z < 0.0 { pnorm(z) } else { 1.0 - pnorm_upper(z) };
            assert!(close(back, p, 1e-12), "p={p}: z={z}, back={back}");
        }
        assert_eq!(qnorm(0.5), 0.0);
        assert!(qnorm(1.2).is_nan());
    }

    #[test]
    fn far_tails_do_not_underflow_early() {
        assert!(pnorm(-37.0) > 0.0 && pnorm(-37.0) < 1e-298);
        assert_eq!(p_two_sided(0.0), 1.0);
    }
}
