//! Parametric survival regression for right-censored data.
//!
//! **AFT models as R `survreg` parameterises them** (stats-anchors §4.1):
//! log T = xᵀβ + σ·W with an intercept always in x, W standard extreme-value
//! (`weibull`, and `exponential` with σ ≡ 1), logistic (`loglogistic`) or normal
//! (`lognormal`). The parameters are (β, log σ); the log-likelihood is that of T
//! (it includes the −log t Jacobian of each event, as R's `loglik` does), so the
//! numbers are R's: `Value`, `Std. Error` (from the observed information in
//! (β, log σ), `Log(scale)` row), `Scale`, `Loglik(model)` and
//! `Loglik(intercept only)`.
//!
//! **Gompertz, flexsurv parameterisation** (not in `survreg`): hazard
//! h(t) = b·e^{a t}, survival S(t) = exp(−(b/a)(e^{a t} − 1)), shape a any real
//! (a < 0: hazard falls and a fraction exp(b/a) never fails; a → 0: exponential
//! with rate b), rate b > 0 with covariates on log b: log b = xᵀβ (a proportional-
//! hazards model; exp(β) are hazard ratios). Parameters (β, a).
//!
//! Fitting: Newton–Raphson on the analytic gradient and Hessian, R's step
//! halving when the log-likelihood falls or is non-finite (`survreg.control`:
//! rel.tolerance 1e-9, iter.max 30, toler.chol 1e-10), with a ridge added to the
//! Hessian if it is not negative definite far from the optimum. Iteration goes on
//! until the relative change of ℓ is ≤ 1e-9 *and* the Newton step is below 1e-9,
//! so estimates are the MLE to about 1e-9.
//!
//! From a fitted model: survival, quantiles (median) and the restricted mean
//! ∫₀^τ S(t) dt (adaptive Simpson quadrature) for any covariate vector.

// Index loops mirror the matrix algebra (and R's C code) they implement.
#![allow(clippy::needless_range_loop)]

use crate::cox::ModelError;
use crate::dist;
use crate::linalg::Ldl;

/// The distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dist {
    /// Weibull (AFT; W extreme value).
    Weibull,
    /// Exponential (Weibull with σ = 1).
    Exponential,
    /// Log-normal (W normal).
    Lognormal,
    /// Log-logistic (W logistic).
    Loglogistic,
    /// Gompertz (flexsurv parameterisation, proportional hazards on log rate).
    Gompertz,
}

impl Dist {
    /// R's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Dist::Weibull => "weibull",
            Dist::Exponential => "exponential",
            Dist::Lognormal => "lognormal",
            Dist::Loglogistic => "loglogistic",
            Dist::Gompertz => "gompertz",
        }
    }

    /// Parse a name; unknown names are an error listing the choices.
    pub fn parse(s: &str) -> Result<Dist, ModelError> {
        Ok(match s {
            "weibull" => Dist::Weibull,
            "exponential" => Dist::Exponential,
            "lognormal" => Dist::Lognormal,
            "loglogistic" => Dist::Loglogistic,
            "gompertz" => Dist::Gompertz,
            _ => {
                return Err(ModelError::invalid(
                    "--dist",
                    format!("{s:?}"),
                    "weibull, exponential, lognormal, loglogistic, gompertz",
                ));
            }
        })
    }

    /// How R prints the distribution ("Weibull distribution").
    pub fn title(self) -> &'static str {
        match self {
            Dist::Weibull => "Weibull",
            Dist::Exponential => "Exponential",
            Dist::Lognormal => "Log Normal",
            Dist::Loglogistic => "Log logistic",
            Dist::Gompertz => "Gompertz (flexsurv parameterisation)",
        }
    }

    fn has_scale(self) -> bool {
        matches!(self, Dist::Weibull | Dist::Lognormal | Dist::Loglogistic)
    }
}

/// Controls (R's `survreg.control()` defaults).
#[derive(Debug, Clone)]
pub struct SurvregOptions {
    /// Relative log-likelihood tolerance (1e-9).
    pub rel_tolerance: f64,
    /// Maximum iterations (30; the extra polishing steps are not counted against it).
    pub iter_max: usize,
    /// Cholesky tolerance (1e-10).
    pub toler_chol: f64,
}

impl Default for SurvregOptions {
    fn default() -> Self {
        SurvregOptions {
            rel_tolerance: 1e-9,
            iter_max: 30,
            toler_chol: 1e-10,
        }
    }
}

/// A fitted parametric model.
#[derive(Debug, Clone)]
pub struct SurvregFit {
    /// Distribution.
    pub dist: Dist,
    /// Parameter names: `(Intercept)`, covariates, then `Log(scale)` (Weibull, lognormal,
    /// loglogistic) or `shape` (Gompertz).
    pub names: Vec<String>,
    /// Estimates (same order as `names`).
    pub estimate: Vec<f64>,
    /// Variance matrix of the estimates (row-major).
    pub var: Vec<f64>,
    /// σ (AFT models; 1 for the exponential; NaN for Gompertz).
    pub scale: f64,
    /// Log-likelihood at the estimates.
    pub loglik: f64,
    /// Log-likelihood of the intercept-only model.
    pub loglik_null: f64,
    /// Number of covariate columns (excluding the intercept).
    pub ncov: usize,
    /// Newton–Raphson iterations.
    pub iter: usize,
    /// Whether it converged.
    pub converged: bool,
    /// Observations, events.
    pub n: usize,
    /// Number of events.
    pub nevent: usize,
    /// Column means of the covariates (for "at the means" predictions).
    pub means: Vec<f64>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// Parameters that are not estimable (collinear or constant columns; R prints `NA`).
    pub singular: Vec<bool>,
}

impl SurvregFit {
    /// Standard errors.
    pub fn se(&self) -> Vec<f64> {
        let k = self.estimate.len();
        (0..k).map(|i| self.var[i * k + i].sqrt()).collect()
    }

    /// The likelihood-ratio test against the intercept-only model (statistic, df, p).
    pub fn lr_test(&self) -> (f64, usize, f64) {
        let s = 2.0 * (self.loglik - self.loglik_null);
        let p = if self.ncov == 0 {
            f64::NAN
        } else {
            dist::pchisq_upper(s, self.ncov as f64)
        };
        (s, self.ncov, p)
    }

    /// Linear predictor (location η for AFT; log rate for Gompertz) at covariates `x`
    /// (without the intercept; length `ncov`).
    pub fn linear_predictor(&self, x: &[f64]) -> f64 {
        self.estimate[0]
            + x.iter()
                .zip(&self.estimate[1..=self.ncov])
                .map(|(a, b)| a * b)
                .sum::<f64>()
    }

    fn shape_param(&self) -> f64 {
        match self.dist {
            Dist::Gompertz => self.estimate[self.ncov + 1],
            _ => self.scale,
        }
    }

    /// S(t | x).
    pub fn survival(&self, x: &[f64], t: f64) -> f64 {
        surv_at(self.dist, self.linear_predictor(x), self.shape_param(), t)
    }

    /// The time by which a fraction `p` has failed (p = 0.5: the median) at covariates `x`;
    /// `None` if never reached (Gompertz with negative shape).
    pub fn quantile(&self, x: &[f64], p: f64) -> Option<f64> {
        let eta = self.linear_predictor(x);
        match self.dist {
            Dist::Gompertz => {
                let a = self.shape_param();
                let b = eta.exp();
                let l = -(1.0 - p).ln();
                if a.abs() < 1e-12 {
                    return Some(l / b);
                }
                let arg = 1.0 + a * l / b;
                if arg <= 0.0 { None } else { Some(arg.ln() / a) }
            }
            d => {
                let w = match d {
                    Dist::Weibull | Dist::Exponential => (-(1.0 - p).ln()).ln(),
                    Dist::Loglogistic => (p / (1.0 - p)).ln(),
                    _ => dist::qnorm(p),
                };
                Some((eta + self.scale * w).exp())
            }
        }
    }

    /// Restricted mean survival ∫₀^τ S(t | x) dt.
    pub fn restricted_mean(&self, x: &[f64], tau: f64) -> f64 {
        let f = |t: f64| self.survival(x, t);
        if tau <= 0.0 {
            return 0.0;
        }
        // split at a few quantiles so the adaptive rule sees the shape of S
        let mut knots = vec![0.0];
        for p in [0.1, 0.25, 0.5, 0.75, 0.9] {
            if let Some(q) = self.quantile(x, p)
                && q > 0.0
                && q < tau
            {
                knots.push(q);
            }
        }
        knots.push(tau);
        knots.sort_by(|a, b| a.total_cmp(b));
        knots.dedup();
        knots
            .windows(2)
            .map(|w| adaptive_simpson(&f, w[0], w[1], 1e-11 * tau.max(1.0), 48))
            .sum()
    }
}

fn adaptive_simpson(f: &dyn Fn(f64) -> f64, a: f64, b: f64, tol: f64, depth: u32) -> f64 {
    #[allow(clippy::too_many_arguments)]
    fn rec(f: &dyn Fn(f64) -> f64, a: f64, b: f64, fa: f64, fm: f64, fb: f64, whole: f64, tol: f64, depth: u32) -> f64 {
        let m = 0.5 * (a + b);
        let (lm, rm) = (0.5 * (a + m), 0.5 * (m + b));
        let (flm, frm) = (f(lm), f(rm));
        let left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
        let right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
        let diff = left + right - whole;
        if depth == 0 || diff.abs() <= 15.0 * tol {
            left + right + diff / 15.0
        } else {
            rec(f, a, m, fa, flm, fm, left, tol / 2.0, depth - 1)
                + rec(f, m, b, fm, frm, fb, right, tol / 2.0, depth - 1)
        }
    }
    let (fa, fb, fm) = (f(a), f(b), f(0.5 * (a + b)));
    let whole = (b - a) / 6.0 * (fa + 4.0 * fm + fb);
    rec(f, a, b, fa, fm, fb, whole, tol, depth)
}

fn surv_at(d: Dist, eta: f64, shape: f64, t: f64) -> f64 {
    if t <= 0.0 {
        return 1.0;
    }
    match d {
        Dist::Gompertz => {
            let b = eta.exp();
            (-(b * gq(shape, t).0)).exp()
        }
        _ => {
            let z = (t.ln() - eta) / shape;
            match d {
                Dist::Weibull | Dist::Exponential => (-z.exp()).exp(),
                Dist::Loglogistic => 1.0 / (1.0 + z.exp()),
                _ => dist::pnorm_upper(z),
            }
        }
    }
}

/// (log-density or log-survival value, first and second derivative in z) of the standard W.
fn w_terms(d: Dist, z: f64, event: bool) -> (f64, f64, f64) {
    match d {
        Dist::Weibull | Dist::Exponential => {
            let ez = z.exp();
            if event {
                (z - ez, 1.0 - ez, -ez)
            } else {
                (-ez, -ez, -ez)
            }
        }
        Dist::Loglogistic => {
            // p = e^z/(1+e^z), log(1+e^z) computed stably
            let p = 1.0 / (1.0 + (-z).exp());
            let l1p = if z > 0.0 {
                z + (-z).exp().ln_1p()
            } else {
                z.exp().ln_1p()
            };
            if event {
                (z - 2.0 * l1p, 1.0 - 2.0 * p, -2.0 * p * (1.0 - p))
            } else {
                (-l1p, -p, -p * (1.0 - p))
            }
        }
        _ => {
            if event {
                (-0.5 * z * z - 0.5 * (2.0 * std::f64::consts::PI).ln(), -z, -1.0)
            } else {
                let sf = dist::pnorm_upper(z);
                let lam = if sf > 0.0 {
                    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() / sf
                } else {
                    // Mills ratio asymptote for z → ∞
                    z + 1.0 / z
                };
                let lsf = if sf > 0.0 {
                    sf.ln()
                } else {
                    -0.5 * z * z - z.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
                };
                (lsf, -lam, -lam * (lam - z))
            }
        }
    }
}

/// Gompertz helper: q(a,t) = (e^{at} − 1)/a, and its first two derivatives in a.
fn gq(a: f64, t: f64) -> (f64, f64, f64) {
    let x = a * t;
    if x.abs() < 0.05 {
        // series: q = Σ_{k≥1} a^{k−1} t^k / k!, differentiated term by term
        let (mut q, mut qa, mut qaa) = (0.0, 0.0, 0.0);
        let mut tk = 1.0; // t^k / k!
        for k in 1..=25i32 {
            let kf = k as f64;
            tk *= t / kf;
            q += tk * a.powi(k - 1);
            if k >= 2 {
                qa += (kf - 1.0) * tk * a.powi(k - 2);
            }
            if k >= 3 {
                qaa += (kf - 1.0) * (kf - 2.0) * tk * a.powi(k - 3);
            }
        }
        (q, qa, qaa)
    } else {
        let e = x.exp();
        let q = x.exp_m1() / a;
        let qa = (t * e - q) / a;
        let qaa = (t * t * e - 2.0 * qa) / a;
        (q, qa, qaa)
    }
}

struct Problem<'a> {
    dist: Dist,
    logt: Vec<f64>,
    time: &'a [f64],
    status: &'a [bool],
    wt: Vec<f64>,
    /// n × k design with intercept, row-major
    x: Vec<f64>,
    k: usize,
}

impl Problem<'_> {
    fn npar(&self) -> usize {
        self.k + usize::from(self.dist.has_scale() || self.dist == Dist::Gompertz)
    }

    /// ℓ, gradient, Hessian at θ.
    fn eval(&self, theta: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
        let k = self.k;
        let q = self.npar();
        let mut g = vec![0.0; q];
        let mut h = vec![0.0; q * q];
        let mut ll = 0.0;
        let n = self.time.len();
        for i in 0..n {
            let xi = &self.x[i * k..(i + 1) * k];
            let eta: f64 = xi.iter().zip(&theta[..k]).map(|(a, b)| a * b).sum();
            let w = self.wt[i];
            let ev = self.status[i];
            // (ℓ_i, dℓ/dη, dℓ/dφ, d²/dη², d²/dηdφ, d²/dφ²) with φ = log σ or Gompertz shape
            let (li, g1, g2, h11, h12, h22) = if self.dist == Dist::Gompertz {
                let a = theta[k];
                let t = self.time[i];
                let (qv, qa, qaa) = gq(a, t);
                let b = eta.exp();
                let d = if ev { 1.0 } else { 0.0 };
                (
                    d * (eta + a * t) - b * qv,
                    d - b * qv,
                    d * t - b * qa,
                    -b * qv,
                    -b * qa,
                    -b * qaa,
                )
            } else {
                let s = if self.dist.has_scale() { theta[k] } else { 0.0 };
                let sigma = s.exp();
                let z = (self.logt[i] - eta) / sigma;
                let (l, l1, l2) = w_terms(self.dist, z, ev);
                let evf = if ev { 1.0 } else { 0.0 };
                (
                    l - evf * (s + self.logt[i]),
                    -l1 / sigma,
                    -l1 * z - evf,
                    l2 / (sigma * sigma),
                    (l2 * z + l1) / sigma,
                    l2 * z * z + l1 * z,
                )
            };
            ll += w * li;
            for a in 0..k {
                g[a] += w * g1 * xi[a];
                for b in 0..=a {
                    h[a * q + b] += w * h11 * xi[a] * xi[b];
                }
            }
            if q > k {
                g[k] += w * g2;
                for a in 0..k {
                    h[k * q + a] += w * h12 * xi[a];
                }
                h[k * q + k] += w * h22;
            }
        }
        for a in 0..q {
            for b in 0..a {
                h[b * q + a] = h[a * q + b];
            }
        }
        (ll, g, h)
    }

    /// Newton step: solve (−H) δ = g, adding a ridge until −H is positive definite.
    fn step(&self, g: &[f64], h: &[f64], toler: f64) -> Vec<f64> {
        let q = g.len();
        let neg: Vec<f64> = h.iter().map(|v| -v).collect();
        // Redundant (collinear/constant) parameters get no step: they stay at their start
        // value (0) and are reported as not estimable, as R's generalised Cholesky does.
        let l0 = Ldl::new(&neg, q, toler);
        let singular: Vec<bool> = (0..q).map(|i| l0.is_singular(i)).collect();
        let ascent = |d: &[f64]| d.iter().zip(g).map(|(a, b)| a * b).sum::<f64>() > 0.0 || g.iter().all(|v| *v == 0.0);
        if l0.nonneg {
            let d = l0.solve(g);
            if ascent(&d) {
                return d;
            }
        }
        let maxd = (0..q).map(|i| neg[i * q + i].abs()).fold(0.0, f64::max).max(1e-8);
        let mut ridge = 1e-6 * maxd;
        for _ in 0..60 {
            let mut m = neg.clone();
            for i in 0..q {
                m[i * q + i] += ridge;
            }
            let l = Ldl::new(&m, q, toler);
            if l.rank == q && l.nonneg {
                let mut d = l.solve(g);
                for i in 0..q {
                    if singular[i] {
                        d[i] = 0.0;
                    }
                }
                if ascent(&d) {
                    return d;
                }
            }
            ridge *= 10.0;
        }
        (0..q).map(|i| if singular[i] { 0.0 } else { g[i] }).collect()
    }

    fn fit(&self, start: Vec<f64>, opt: &SurvregOptions) -> (Vec<f64>, f64, Vec<f64>, usize, bool) {
        let mut theta = start;
        let (mut ll, mut g, mut h) = self.eval(&theta);
        let mut iter = 0;
        let mut converged = false;
        let mut polish = 0;
        let max_total = opt.iter_max + 10;
        while iter < max_total {
            iter += 1;
            let d = self.step(&g, &h, opt.toler_chol);
            // step halving on a worse or non-finite likelihood
            let mut frac = 1.0;
            let mut accepted = false;
            let mut trial = theta.clone();
            for _ in 0..40 {
                for (t, (th, di)) in trial.iter_mut().zip(theta.iter().zip(&d)) {
                    *t = th + frac * di;
                }
                let (l2, g2, h2) = self.eval(&trial);
                if l2.is_finite() && g2.iter().all(|v| v.is_finite()) && l2 >= ll - 1e-12 * ll.abs() {
                    let rel = (1.0 - ll / l2).abs();
                    let small = d.iter().map(|v| (v * frac).abs()).fold(0.0, f64::max) < 1e-9;
                    theta = trial.clone();
                    ll = l2;
                    g = g2;
                    h = h2;
                    accepted = true;
                    if rel <= opt.rel_tolerance {
                        if small {
                            converged = true;
                        } else {
                            polish += 1;
                            if polish > 5 {
                                converged = true;
                            }
                        }
                    }
                    break;
                }
                frac *= 0.5;
            }
            if !accepted || converged {
                converged = converged || !accepted && g.iter().all(|v| v.abs() < 1e-6);
                break;
            }
        }
        // variance: inverse of −H
        let q = theta.len();
        let neg: Vec<f64> = h.iter().map(|v| -v).collect();
        let var = Ldl::new(&neg, q, opt.toler_chol).inverse();
        (theta, ll, var, iter.min(opt.iter_max), converged)
    }
}

/// Fit a parametric model: `time` > 0, `status` (true = event), covariate columns `x`
/// (an intercept is added), optional case weights.
pub fn survreg(
    time: &[f64],
    status: &[bool],
    x: &[&[f64]],
    names: &[String],
    weights: Option<&[f64]>,
    d: Dist,
    opt: &SurvregOptions,
) -> Result<SurvregFit, ModelError> {
    let n = time.len();
    if status.len() != n || x.iter().any(|c| c.len() != n) || names.len() != x.len() {
        return Err(ModelError::new(
            "data",
            "time, status and covariate columns differ in length",
        ));
    }
    if n == 0 {
        return Err(ModelError::new("data", "no (non-missing) observations"));
    }
    if let Some(i) = time.iter().position(|&t| !(t.is_finite() && t > 0.0)) {
        return Err(ModelError::invalid(
            "time",
            format!("{} (row {})", time[i], i + 1),
            format!("times > 0 for the {} model (log t is used)", d.as_str()),
        ));
    }
    if let Some(w) = weights
        && let Some(i) = w.iter().position(|v| !(v.is_finite() && *v > 0.0))
    {
        return Err(ModelError::invalid(
            "weights",
            format!("{} (row {})", w[i], i + 1),
            "finite numbers > 0",
        ));
    }
    let nevent = status.iter().filter(|&&s| s).count();
    if nevent == 0 {
        return Err(ModelError::invalid(
            "event",
            "no events among the rows used",
            "at least one event to fit a parametric model",
        ));
    }
    let wt: Vec<f64> = weights.map(|w| w.to_vec()).unwrap_or_else(|| vec![1.0; n]);
    let ncov = x.len();
    let k = ncov + 1;
    let mut design = vec![0.0; n * k];
    for i in 0..n {
        design[i * k] = 1.0;
        for (j, c) in x.iter().enumerate() {
            design[i * k + 1 + j] = c[i];
        }
    }
    let means: Vec<f64> = x.iter().map(|c| c.iter().sum::<f64>() / n as f64).collect();
    let logt: Vec<f64> = time.iter().map(|t| t.ln()).collect();

    // intercept-only fit first (gives R's Loglik(intercept only) and good starting values)
    let null = Problem {
        dist: d,
        logt: logt.clone(),
        time,
        status,
        wt: wt.clone(),
        x: vec![1.0; n],
        k: 1,
    };
    let sw: f64 = wt.iter().sum();
    let dw: f64 = wt.iter().zip(status).filter(|(_, s)| **s).map(|(w, _)| w).sum();
    let stw: f64 = wt.iter().zip(time).map(|(w, t)| w * t).sum();
    let mean_logt = wt.iter().zip(&logt).map(|(w, l)| w * l).sum::<f64>() / sw;
    let start0 = match d {
        Dist::Gompertz => vec![(dw / stw).ln(), 0.0],
        Dist::Exponential => vec![(stw / dw).ln()],
        Dist::Weibull => vec![(stw / dw).ln(), 0.0],
        _ => vec![mean_logt, 0.0],
    };
    let (th0, ll0, _, _, _) = null.fit(start0, opt);

    let full = Problem {
        dist: d,
        logt,
        time,
        status,
        wt,
        x: design,
        k,
    };
    let mut start = vec![0.0; full.npar()];
    start[0] = th0[0];
    if full.npar() > k {
        start[k] = th0[1];
    }
    let (theta, ll, var, iter, converged) = if ncov == 0 {
        null.fit(th0.clone(), opt)
    } else {
        full.fit(start, opt)
    };

    let mut pnames = vec!["(Intercept)".to_string()];
    pnames.extend(names.iter().cloned());
    let scale = match d {
        Dist::Exponential => 1.0,
        Dist::Gompertz => f64::NAN,
        _ => theta[k].exp(),
    };
    match d {
        Dist::Gompertz => pnames.push("shape".to_string()),
        d if d.has_scale() => pnames.push("Log(scale)".to_string()),
        _ => {}
    }
    let mut warnings = Vec::new();
    if !converged {
        warnings.push("Ran out of iterations and did not converge".to_string());
    }
    let q = theta.len();
    let singular: Vec<bool> = (0..q).map(|i| var[i * q + i] == 0.0).collect();
    if singular.iter().any(|&b| b) {
        let which: Vec<&str> = (0..q).filter(|&i| singular[i]).map(|i| pnames[i].as_str()).collect();
        warnings.push(format!(
            "X matrix deemed to be singular; {} not estimable (NA)",
            which.join(", ")
        ));
    }
    Ok(SurvregFit {
        dist: d,
        names: pnames,
        estimate: theta,
        var,
        scale,
        loglik: ll,
        loglik_null: ll0,
        ncov,
        iter,
        converged,
        n,
        nevent,
        means,
        warnings,
        singular,
    })
}
