//! Adjusted indirect comparison through a common comparator (Bucher et al., J Clin
//! Epidemiol 1997), chains of such comparisons, and fixed-effect (inverse-variance)
//! pooling of several estimates of the same contrast — all on the log scale of a ratio
//! measure (hazard ratio, odds ratio).
//!
//! A general module: it knows nothing about trials or diseases. Callers turn a published
//! ratio and its confidence interval into a [`LogRatio`] with [`LogRatio::from_ci`]
//! (SE = (ln upper − ln lower) / (2·z)), combine them, and read back the ratio, its CI
//! and a two-sided p-value.
//!
//! Formulas (shared/reference/stats-anchors.md §6.1): for A vs C and B vs C,
//! log R(A vs B) = log R(A vs C) − log R(B vs C), Var = Var(A vs C) + Var(B vs C);
//! a chain of k links sums k log ratios (oriented) and k variances. Pooling:
//! θ̂ = Σwᵢθᵢ / Σwᵢ with wᵢ = 1/SEᵢ², SE = 1/√Σwᵢ; Cochran's Q = Σwᵢ(θᵢ − θ̂)², df = k − 1,
//! I² = max(0, (Q − df)/Q).

use crate::dist::{p_two_sided, pchisq_upper, qnorm};
use std::fmt;

/// A log ratio with its standard error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRatio {
    /// ln(ratio).
    pub est: f64,
    /// Standard error of `est`.
    pub se: f64,
}

/// Why an input cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum IndirectError {
    /// The ratio or a CI bound is not a positive finite number.
    NotPositive { what: &'static str, value: f64 },
    /// The CI is not ordered around the ratio.
    BadInterval { ratio: f64, lower: f64, upper: f64 },
    /// The confidence level is not in (0, 100).
    BadLevel(f64),
    /// Nothing to pool.
    Empty,
}

impl fmt::Display for IndirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IndirectError::NotPositive { what, value } => {
                write!(f, "{what} {value} must be a positive finite number")
            }
            IndirectError::BadInterval { ratio, lower, upper } => {
                write!(
                    f,
                    "interval [{lower}, {upper}] must satisfy lower < upper and contain {ratio}"
                )
            }
            IndirectError::BadLevel(l) => write!(f, "confidence level {l} % must lie strictly between 0 and 100"),
            IndirectError::Empty => f.write_str("no estimates to pool"),
        }
    }
}

impl std::error::Error for IndirectError {}

/// z for a two-sided confidence level in percent (95 → 1.959964…).
pub fn z_for(level_percent: f64) -> Result<f64, IndirectError> {
    if !(level_percent > 0.0 && level_percent < 100.0) {
        return Err(IndirectError::BadLevel(level_percent));
    }
    Ok(qnorm(1.0 - (1.0 - level_percent / 100.0) / 2.0))
}

fn positive(what: &'static str, v: f64) -> Result<f64, IndirectError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(IndirectError::NotPositive { what, value: v })
    }
}

impl LogRatio {
    /// From a ratio and its two-sided `level_percent` confidence interval.
    pub fn from_ci(ratio: f64, lower: f64, upper: f64, level_percent: f64) -> Result<LogRatio, IndirectError> {
        let r = positive("ratio", ratio)?;
        let lo = positive("lower bound", lower)?;
        let hi = positive("upper bound", upper)?;
        if !(lo < hi && lo <= r && r <= hi) {
            return Err(IndirectError::BadInterval { ratio, lower, upper });
        }
        let z = z_for(level_percent)?;
        Ok(LogRatio {
            est: r.ln(),
            se: (hi.ln() - lo.ln()) / (2.0 * z),
        })
    }

    /// The ratio exp(est).
    pub fn ratio(self) -> f64 {
        self.est.exp()
    }

    /// The two-sided confidence interval on the ratio scale.
    pub fn ci(self, level_percent: f64) -> Result<(f64, f64), IndirectError> {
        let z = z_for(level_percent)?;
        Ok(((self.est - z * self.se).exp(), (self.est + z * self.se).exp()))
    }

    /// The Wald z statistic est / se.
    pub fn z(self) -> f64 {
        self.est / self.se
    }

    /// Two-sided p-value of H0: ratio = 1 (normal approximation).
    pub fn p_value(self) -> f64 {
        p_two_sided(self.z())
    }

    /// The reverse contrast (B vs A from A vs B).
    pub fn inverse(self) -> LogRatio {
        LogRatio {
            est: -self.est,
            se: self.se,
        }
    }
}

/// Bucher's adjusted indirect comparison: A vs B from A vs C and B vs C.
pub fn bucher(a_vs_c: LogRatio, b_vs_c: LogRatio) -> LogRatio {
    LogRatio {
        est: a_vs_c.est - b_vs_c.est,
        se: (a_vs_c.se * a_vs_c.se + b_vs_c.se * b_vs_c.se).sqrt(),
    }
}

/// A chain of links, each already oriented along the path (X₀ vs X₁, X₁ vs X₂, …):
/// X₀ vs Xₖ is their sum, with the variances added.
pub fn chain(links: &[LogRatio]) -> Result<LogRatio, IndirectError> {
    if links.is_empty() {
        return Err(IndirectError::Empty);
    }
    Ok(LogRatio {
        est: links.iter().map(|l| l.est).sum(),
        se: links.iter().map(|l| l.se * l.se).sum::<f64>().sqrt(),
    })
}

/// A fixed-effect pooled estimate with its heterogeneity statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pooled {
    pub estimate: LogRatio,
    /// Cochran's Q.
    pub q: f64,
    /// Degrees of freedom (k − 1).
    pub df: usize,
    /// I² = max(0, (Q − df)/Q), as a proportion (0 when Q = 0).
    pub i2: f64,
    /// p-value of Q against χ²(df) (1 when df = 0).
    pub p_heterogeneity: f64,
}

/// Inverse-variance fixed-effect pooling of estimates of the same contrast.
pub fn pool_fixed(estimates: &[LogRatio]) -> Result<Pooled, IndirectError> {
    if estimates.is_empty() {
        return Err(IndirectError::Empty);
    }
    for e in estimates {
        positive("standard error", e.se)?;
    }
    let w: Vec<f64> = estimates.iter().map(|e| 1.0 / (e.se * e.se)).collect();
    let sw: f64 = w.iter().sum();
    let est = estimates.iter().zip(&w).map(|(e, w)| w * e.est).sum::<f64>() / sw;
    let q: f64 = estimates.iter().zip(&w).map(|(e, w)| w * (e.est - est).powi(2)).sum();
    let df = estimates.len() - 1;
    let i2 = if q > 0.0 { ((q - df as f64) / q).max(0.0) } else { 0.0 };
    let p_heterogeneity = if df == 0 { 1.0 } else { pchisq_upper(q, df as f64) };
    Ok(Pooled {
        estimate: LogRatio {
            est,
            se: (1.0 / sw).sqrt(),
        },
        q,
        df,
        i2,
        p_heterogeneity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hr(r: f64, lo: f64, hi: f64) -> LogRatio {
        LogRatio::from_ci(r, lo, hi, 95.0).unwrap()
    }

    /// shared/reference/trials.md §3.3 (published-HR Bucher estimates, rounded to 2 decimals):
    /// each must be reproduced to within the rounding of the table (±0.005).
    #[test]
    fn reproduces_the_worked_estimates_of_trials_md_3_3() {
        let cases = [
            // (A vs placebo), (B vs placebo), expected A vs B
            ((0.35, 0.27, 0.45), (0.42, 0.26, 0.66), (0.83, 0.49, 1.42)),
            ((0.35, 0.27, 0.45), (0.491, 0.319, 0.755), (0.71, 0.43, 1.18)),
            ((0.35, 0.27, 0.45), (0.23, 0.12, 0.42), (1.52, 0.77, 2.99)),
            ((0.35, 0.27, 0.45), (0.47, 0.30, 0.73), (0.74, 0.45, 1.24)),
            ((0.48, 0.35, 0.67), (0.334, 0.223, 0.499), (1.44, 0.86, 2.41)),
            ((0.48, 0.35, 0.67), (0.38, 0.25, 0.59), (1.26, 0.74, 2.16)),
        ];
        for (a, b, want) in cases {
            let d = bucher(hr(a.0, a.1, a.2), hr(b.0, b.1, b.2));
            let (lo, hi) = d.ci(95.0).unwrap();
            for (got, w) in [(d.ratio(), want.0), (lo, want.1), (hi, want.2)] {
                assert!((got - w).abs() <= 0.005 + 1e-12, "{a:?} vs {b:?}: {got} vs {w}");
            }
        }
    }

    /// Full-precision oracle computed in R 4.2.2 (base only):
    /// `a <- log(0.35); sa <- (log(0.45)-log(0.27))/(2*qnorm(.975)); b <- log(0.42);
    ///  sb <- (log(0.66)-log(0.26))/(2*qnorm(.975)); d <- a-b; s <- sqrt(sa^2+sb^2);
    ///  exp(c(d, d-qnorm(.975)*s, d+qnorm(.975)*s)); 2*pnorm(-abs(d/s))`
    /// → 0.83333333333 0.48991015465 1.41749346867; p = 0.50114107787. Tolerance 1e-9.
    #[test]
    fn matches_r_to_full_precision() {
        let d = bucher(hr(0.35, 0.27, 0.45), hr(0.42, 0.26, 0.66));
        let (lo, hi) = d.ci(95.0).unwrap();
        assert!((d.ratio() - 0.833_333_333_3).abs() < 1e-9);
        assert!((lo - 0.489_910_154_65).abs() < 1e-9, "{lo}");
        assert!((hi - 1.417_493_468_67).abs() < 1e-9, "{hi}");
        assert!((d.p_value() - 0.501_141_077_87).abs() < 1e-9, "{}", d.p_value());
    }

    #[test]
    fn from_ci_inverts_ci() {
        let e = hr(0.48, 0.35, 0.67);
        let (lo, hi) = e.ci(95.0).unwrap();
        // The reconstructed interval is centred (on the log scale) on the ratio and keeps the
        // published interval's width: hi/lo = 0.67/0.35 and lo·hi = 0.48².
        assert!(((hi / lo) - 0.67 / 0.35).abs() < 1e-12);
        assert!((lo * hi - 0.48 * 0.48).abs() < 1e-12);
        // A 90 % interval has the same SE.
        let e90 = LogRatio::from_ci(0.48, 0.35, 0.67, 90.0).unwrap();
        assert!((e90.se / e.se - 1.959_963_984_540_054 / 1.644_853_626_951_472_2).abs() < 1e-12);
    }

    #[test]
    fn chain_of_one_and_two_links_equals_bucher() {
        let ac = hr(0.35, 0.27, 0.45);
        let bc = hr(0.42, 0.26, 0.66);
        let c2 = chain(&[ac, bc.inverse()]).unwrap();
        let b = bucher(ac, bc);
        assert!((c2.est - b.est).abs() < 1e-15 && (c2.se - b.se).abs() < 1e-15);
        assert_eq!(chain(&[ac]).unwrap(), ac);
        assert_eq!(chain(&[]), Err(IndirectError::Empty));
    }

    /// Oracle computed in R 4.2.2 (base only) for two estimates 0.35 (0.27–0.45) and
    /// 0.56 (0.37–0.84): `w <- 1/s^2; th <- sum(w*y)/sum(w); se <- sqrt(1/sum(w));
    /// Q <- sum(w*(y-th)^2); I2 <- (Q-1)/Q; pchisq(Q, 1, lower.tail=FALSE)`
    /// → exp(th) = 0.39915887893, se = 0.11060451871, Q = 3.63742937210, I² = 0.72508057265,
    /// p = 0.05649409854. Tolerance 1e-9.
    #[test]
    fn fixed_effect_pooling_matches_r() {
        let p = pool_fixed(&[hr(0.35, 0.27, 0.45), hr(0.56, 0.37, 0.84)]).unwrap();
        assert!(
            (p.estimate.ratio() - 0.399_158_878_93).abs() < 1e-9,
            "{}",
            p.estimate.ratio()
        );
        assert!((p.estimate.se - 0.110_604_518_71).abs() < 1e-9, "{}", p.estimate.se);
        assert!((p.q - 3.637_429_372_10).abs() < 1e-9, "{}", p.q);
        assert!((p.i2 - 0.725_080_572_65).abs() < 1e-9, "{}", p.i2);
        assert!(
            (p.p_heterogeneity - 0.056_494_098_54).abs() < 1e-9,
            "{}",
            p.p_heterogeneity
        );
        assert_eq!(p.df, 1);
        let one = pool_fixed(&[hr(0.35, 0.27, 0.45)]).unwrap();
        assert_eq!(one.estimate, hr(0.35, 0.27, 0.45));
        assert_eq!((one.q, one.i2, one.p_heterogeneity), (0.0, 0.0, 1.0));
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(matches!(
            LogRatio::from_ci(0.5, 0.6, 0.9, 95.0),
            Err(IndirectError::BadInterval { .. })
        ));
        assert!(matches!(
            LogRatio::from_ci(0.5, 0.0, 0.9, 95.0),
            Err(IndirectError::NotPositive { .. })
        ));
        assert!(matches!(
            LogRatio::from_ci(0.5, 0.4, 0.9, 100.0),
            Err(IndirectError::BadLevel(_))
        ));
        assert_eq!(pool_fixed(&[]), Err(IndirectError::Empty));
    }
}
