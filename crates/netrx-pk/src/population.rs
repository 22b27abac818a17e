//! Virtual populations: N patients drawn from a model's between-patient
//! variability, their steady-state troughs under candidate regimens, and the
//! probability of target attainment (PTA).
//!
//! Patient `i` of a run with seed `s` draws its etas from its own fixed block of the
//! ChaCha8 keystream keyed by `s` (see [`crate::rng`]), a pure function of `(s, i)`, so
//! results are identical for any number of threads; work is split into fixed chunks
//! with rayon and gathered (or reduced) in patient order.

use crate::model::{Covariates, PopModel};
use crate::rng::Stream;
use crate::simulate::Regimen;
use crate::solve::Solution;
use crate::stats::quantile_sorted;
use crate::units::Mg;
use netrx_case::InputError;
use rayon::prelude::*;
use serde::Serialize;

/// Most virtual patients per run.
pub const MAX_N: u64 = 100_000_000;
/// Patients per parallel work item (also the progress granularity).
pub const CHUNK: usize = 16_384;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct PopulationSpec {
    pub n: u64,
    pub seed: u64,
    pub regimens: Vec<Regimen>,
    /// Target trough window [low, high], ng/mL.
    pub target: [f64; 2],
    pub covariates: Covariates,
    /// Between-patient CV of body weight (log-normal, median `covariates.weight_kg`); 0 = fixed.
    pub weight_cv: f64,
    /// Product of exposure modifiers on CL/F.
    pub cl_factor: f64,
}

/// Five quantiles of the steady-state trough, ng/mL.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantiles {
    pub p05: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// The result for one regimen.
#[derive(Debug, Clone, Serialize)]
pub struct RegimenResult {
    pub dose_mg: f64,
    pub interval_h: f64,
    pub trough_quantiles: Quantiles,
    /// Fraction of patients whose steady-state trough lies in the target window (inclusive).
    pub pta: f64,
    /// Fraction below the window.
    pub below: f64,
    /// Fraction above the window.
    pub above: f64,
    /// Mean steady-state trough.
    pub mean: f64,
    /// Steady-state trough of the typical patient (eta = 0).
    pub typical: f64,
}

/// Per-patient covariates: body weight log-normal with median `cov.weight_kg` and CV
/// `weight_cv` (one extra normal draw per patient when `weight_cv > 0`).
#[derive(Debug, Clone, Copy)]
struct WeightDraw {
    log_sd: f64,
}

impl WeightDraw {
    fn new(cv: f64) -> Option<WeightDraw> {
        (cv > 0.0).then(|| WeightDraw {
            log_sd: (1.0 + cv * cv).ln().sqrt(),
        })
    }
}

/// Steady-state troughs per mg for every patient and every distinct interval:
/// row-major `n × intervals.len()`. `weight_cv > 0` draws each patient's weight
/// (log-normal, median `cov.weight_kg`).
#[allow(clippy::too_many_arguments)]
pub fn unit_troughs(
    model: &PopModel,
    cov: &Covariates,
    weight_cv: f64,
    cl_factor: f64,
    intervals: &[f64],
    n: u64,
    seed: u64,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<f64> {
    let k = intervals.len();
    let typ = model.typical(cov);
    let wd = WeightDraw::new(weight_cv);
    let sd: Vec<f64> = model.omega2().iter().map(|w| w.sqrt()).collect();
    let nz = sd.len() + usize::from(wd.is_some());
    let words = Stream::words_per_patient(nz);
    let mut out = vec![0.0; n as usize * k];
    out.par_chunks_mut(CHUNK * k).enumerate().for_each(|(c, chunk)| {
        let mut s = Stream::for_patients(seed, (c * CHUNK) as u64, words);
        let mut z = [0.0; crate::model::MAX_ETA + 1];
        for row in chunk.chunks_mut(k) {
            s.patient_normals(&mut z[..nz]);
            let mut eta = [0.0; crate::model::MAX_ETA];
            for ((e, z), sd) in eta.iter_mut().zip(&z).zip(&sd) {
                *e = z * sd;
            }
            let typ_i = match wd {
                Some(w) => model.typical(&Covariates {
                    weight_kg: cov.weight_kg * (w.log_sd * z[sd.len()]).exp(),
                    ..*cov
                }),
                None => typ,
            };
            let p = model.individual(&typ_i, cl_factor, &eta[..sd.len()]);
            match Solution::new(&p) {
                Ok(sol) => {
                    for (v, tau) in row.iter_mut().zip(intervals) {
                        *v = sol.steady_state_trough(Mg(1.0), *tau);
                    }
                }
                // Unreachable for finite etas; keep the slot defined rather than NaN.
                Err(_) => row.iter_mut().for_each(|v| *v = 0.0),
            }
        }
        progress((chunk.len() / k) as u64);
    });
    out
}

/// Run a virtual population.
pub fn simulate_population(
    model: &PopModel,
    spec: &PopulationSpec,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<RegimenResult>, InputError> {
    if spec.n < 2 || spec.n > MAX_N {
        return Err(InputError::invalid("--n", spec.n, format!("2 to {MAX_N}")));
    }
    let [lo, hi] = spec.target;
    if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && hi > lo) {
        return Err(InputError::invalid(
            "--target-low/--target-high",
            format!("{lo}-{hi}"),
            "0 < low < high (ng/mL)",
        ));
    }
    if spec.regimens.is_empty() {
        return Err(InputError::new(
            "--regimen",
            "no regimen given; allowed: MG@H, e.g. 5@24",
        ));
    }
    let mut intervals: Vec<f64> = Vec::new();
    for r in &spec.regimens {
        if !intervals.contains(&r.interval_h) {
            intervals.push(r.interval_h);
        }
    }
    let k = intervals.len();
    if !(spec.weight_cv.is_finite() && (0.0..=2.0).contains(&spec.weight_cv)) {
        return Err(InputError::invalid("--weight-cv", spec.weight_cv, "a CV from 0 to 2"));
    }
    let all = unit_troughs(
        model,
        &spec.covariates,
        spec.weight_cv,
        spec.cl_factor,
        &intervals,
        spec.n,
        spec.seed,
        progress,
    );
    let typ = model.typical(&spec.covariates);
    let typical_sol = Solution::new(&model.individual(
        &typ,
        spec.cl_factor,
        &[0.0; crate::model::MAX_ETA][..model.omega2().len()],
    ))
    .map_err(|e| InputError::new("--weight", e.to_string()))?;
    let mut sorted: Vec<Vec<f64>> = Vec::with_capacity(k);
    for j in 0..k {
        let mut v: Vec<f64> = all.iter().skip(j).step_by(k).copied().collect();
        v.par_sort_unstable_by(f64::total_cmp);
        sorted.push(v);
    }
    let n = spec.n as f64;
    Ok(spec
        .regimens
        .iter()
        .map(|r| {
            let j = intervals
                .iter()
                .position(|t| *t == r.interval_h)
                .expect("interval listed");
            let v = &sorted[j];
            let d = r.dose_mg;
            // Troughs scale exactly with dose (linear PK): count on the per-mg scale.
            let below = v.partition_point(|&x| x * d < lo) as f64;
            let upto = v.partition_point(|&x| x * d <= hi) as f64;
            let q = |p: f64| d * quantile_sorted(v, p);
            RegimenResult {
                dose_mg: d,
                interval_h: r.interval_h,
                trough_quantiles: Quantiles {
                    p05: q(0.05),
                    p25: q(0.25),
                    p50: q(0.50),
                    p75: q(0.75),
                    p95: q(0.95),
                },
                pta: (upto - below) / n,
                below: below / n,
                above: (n - upto) / n,
                mean: d * v.iter().sum::<f64>() / n,
                typical: typical_sol.steady_state_trough(Mg(d), r.interval_h),
            }
        })
        .collect())
}

/// The population's mean concentration–time profile (and the highest and lowest
/// individual values at each time) for `regimen` over `days` days every `step_h`
/// hours: every patient's full profile is computed with the exact regimen solution.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileSummary {
    pub times_h: Vec<f64>,
    pub mean_ng_ml: Vec<f64>,
    pub min_ng_ml: Vec<f64>,
    pub max_ng_ml: Vec<f64>,
}

/// Profiles of `n` virtual patients (seeded as [`unit_troughs`]), summarised per time.
#[allow(clippy::too_many_arguments)]
pub fn profile_summary(
    model: &PopModel,
    cov: &Covariates,
    cl_factor: f64,
    regimen: Regimen,
    days: f64,
    step_h: f64,
    n: u64,
    seed: u64,
) -> ProfileSummary {
    let end = days * 24.0;
    let m = (end / step_h + 1e-9).floor() as usize + 1;
    let times: Vec<f64> = (0..m).map(|i| i as f64 * step_h).collect();
    let n_doses = ((end / regimen.interval_h).ceil() as u64).max(1);
    let typ = model.typical(cov);
    let sd: Vec<f64> = model.omega2().iter().map(|w| w.sqrt()).collect();
    let chunks = (n as usize).div_ceil(CHUNK);
    let words = Stream::words_per_patient(sd.len());
    // Per chunk: (sum, min, max) per time; reduced in chunk order, so the result does not
    // depend on the number of threads.
    let parts: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut sum = vec![0.0; m];
            let mut lo = vec![f64::INFINITY; m];
            let mut hi = vec![f64::NEG_INFINITY; m];
            let mut buf = Vec::with_capacity(m);
            let mut eta = [0.0; crate::model::MAX_ETA];
            let first = c * CHUNK;
            let last = ((c + 1) * CHUNK).min(n as usize);
            let mut s = Stream::for_patients(seed, first as u64, words);
            for _ in first..last {
                s.patient_normals(&mut eta[..sd.len()]);
                for (e, sd) in eta.iter_mut().zip(&sd) {
                    *e *= sd;
                }
                let p = model.individual(&typ, cl_factor, &eta[..sd.len()]);
                let Ok(sol) = Solution::new(&p) else { continue };
                sol.regimen_profile_grid(Mg(regimen.dose_mg), regimen.interval_h, n_doses, step_h, m, &mut buf);
                for (k, v) in buf.iter().enumerate() {
                    sum[k] += v;
                    lo[k] = lo[k].min(*v);
                    hi[k] = hi[k].max(*v);
                }
            }
            (sum, lo, hi)
        })
        .collect();
    let mut mean = vec![0.0; m];
    let mut lo = vec![f64::INFINITY; m];
    let mut hi = vec![f64::NEG_INFINITY; m];
    for (s, l, h) in &parts {
        for k in 0..m {
            mean[k] += s[k];
            lo[k] = lo[k].min(l[k]);
            hi[k] = hi[k].max(h[k]);
        }
    }
    for v in mean.iter_mut() {
        *v /= n as f64;
    }
    ProfileSummary {
        times_h: times,
        mean_ng_ml: mean,
        min_ng_ml: lo,
        max_ng_ml: hi,
    }
}
