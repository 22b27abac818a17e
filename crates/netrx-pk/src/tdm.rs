//! Trough-guided individualisation: the Bayesian maximum a posteriori (MAP)
//! estimate of a patient's parameters from measured whole-blood concentrations,
//! the individual predicted trough under each candidate regimen, the probability
//! of target attainment under the (Laplace) posterior, and a model-based
//! suggestion rounded to real tablet strengths.
//!
//! Objective (pk.md §5.2, as mapbayr and PKPDmap compute it):
//! `OFV(η) = Σⱼ [ln σⱼ² + (yⱼ − fⱼ(η))²/σⱼ²] + ηᵀ Ω⁻¹ η`, `σⱼ = σ_prop·fⱼ`
//! (the `ln σⱼ²` term is kept because σ depends on the prediction). Etas are
//! bounded to `|ηₖ| ≤ b ωₖ` (η = bω·tanh(u), optimised over u by Nelder–Mead; `b` is
//! `eta_bound_sd` of `knowledge/pk/target.toml`, 5 after pk.md §7 pitfall 4); a
//! non-finite or non-positive prediction gives a large finite penalty instead of
//! NaN. Posterior covariance: `(½ ∇²OFV)⁻¹` at the mode.
//!
//! The decision settings of the suggestion (PTA cut-offs, near-tie tolerance, the
//! "barely informed" score) are data (`[tdm]` of `knowledge/pk/target.toml`), listed
//! with their sources in every answer's assumptions.

use crate::model::{Covariates, MAX_ETA, Modifiers, ParamId, PopModel};
use crate::rng::Stream;
use crate::simulate::Regimen;
use crate::solve::{Dose, Peripheral, PkParams, Solution};
use crate::stats::{nelder_mead, quantile_sorted, spd_inverse};
use crate::units::{Hours, Liters, LitersPerHour, Mg, PerHour, WholeBloodConc};
use netrx_case::InputError;
use netrx_kb::pk::{Matrix, Sourced, TdmSettings};
use serde::Serialize;

/// OFV assigned to an impossible prediction.
pub const PENALTY: f64 = 1e30;

/// A measured whole-blood concentration at a time (hours on the dose clock).
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    pub time_h: f64,
    pub conc: WholeBloodConc,
}

/// Steady state on a regimen before the first recorded dose (an infinite train of
/// doses at `first_dose_h − k·τ`, k ≥ 1).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PriorSteadyState {
    pub dose_mg: f64,
    pub interval_h: f64,
    /// The time of the first recorded dose, h.
    pub first_dose_h: f64,
}

/// Everything the MAP fit needs.
#[derive(Debug, Clone)]
pub struct TdmInput {
    pub covariates: Covariates,
    pub modifiers: Modifiers,
    pub doses: Vec<Dose>,
    pub prior_ss: Option<PriorSteadyState>,
    pub samples: Vec<Observation>,
    /// How the user knows each sample (its date-time as written), in `samples` order;
    /// empty (or shorter) = none, and messages give the dose-clock time instead.
    pub sample_datetimes: Vec<String>,
    /// The regimen in force now.
    pub current: Regimen,
    /// Regimens to predict and rank.
    pub candidates: Vec<Regimen>,
    pub target: [f64; 2],
    /// Posterior draws for PTA.
    pub draws: usize,
    pub seed: u64,
    /// Decision settings (`knowledge/pk/target.toml` `[tdm]`).
    pub settings: TdmSettings,
}

/// One estimated parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    /// "CL/F", "Vc/F", ...
    pub param: &'static str,
    pub unit: &'static str,
    /// Population value for this patient's covariates and modifiers.
    pub population: f64,
    /// Individual MAP value.
    pub individual: f64,
    pub eta: f64,
    /// Posterior SD of eta (Laplace).
    pub eta_sd: f64,
    /// Prior SD of eta (omega).
    pub omega: f64,
    /// 1 − posterior SD / prior SD: how much the data informed this parameter.
    pub information: f64,
}

/// The MAP estimate.
#[derive(Debug, Clone, Serialize)]
pub struct MapParams {
    pub model: String,
    pub estimates: Vec<Estimate>,
    pub cl_l_h: f64,
    pub v1_l: f64,
    pub q_l_h: Option<f64>,
    pub v2_l: Option<f64>,
    pub ka_per_h: f64,
    pub f: f64,
    pub terminal_half_life_h: f64,
    /// −2 log posterior at the mode (up to a constant).
    pub ofv: f64,
    pub converged: bool,
    pub evaluations: usize,
}

impl MapParams {
    /// The individual parameters as the solver takes them (no lag time).
    pub fn pk_params(&self) -> PkParams {
        PkParams {
            cl: LitersPerHour(self.cl_l_h),
            v1: Liters(self.v1_l),
            peripheral: match (self.q_l_h, self.v2_l) {
                (Some(q), Some(v2)) => Some(Peripheral {
                    q: LitersPerHour(q),
                    v2: Liters(v2),
                }),
                _ => None,
            },
            ka: PerHour(self.ka_per_h),
            f: self.f,
            tlag: Hours(0.0),
        }
    }
}

/// Fit at one sample.
#[derive(Debug, Clone, Serialize)]
pub struct FitPoint {
    /// The sample's number as the user sees it: 1-based, in the input order.
    pub sample: usize,
    /// The sample's date-time as written in the input (null when not given).
    pub datetime: Option<String>,
    pub time_h: f64,
    /// Hours since the last dose before the sample (null if none recorded).
    pub hours_after_dose: Option<f64>,
    pub observed_ng_ml: f64,
    /// Individual prediction (MAP).
    pub ipred_ng_ml: f64,
    /// Population prediction (eta = 0).
    pub pred_ng_ml: f64,
}

/// Prediction for one regimen.
#[derive(Debug, Clone, Serialize)]
pub struct RegimenPrediction {
    pub dose_mg: f64,
    pub interval_h: f64,
    /// Individual (MAP) steady-state trough, ng/mL.
    pub trough_ng_ml: f64,
    /// 5th and 95th percentile under the posterior.
    pub trough_p05: f64,
    pub trough_p95: f64,
    /// Probability the steady-state trough is in the target window, under the posterior.
    pub pta: f64,
    pub is_current: bool,
}

/// The suggestion.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub dose_mg: f64,
    pub interval_h: f64,
    pub trough_ng_ml: f64,
    pub pta: f64,
    /// The dose (any amount, every `interval_h` of the current regimen) whose MAP trough is
    /// the target midpoint: current dose × midpoint / individual trough (linear PK).
    pub exact_dose_for_target_mid_mg: f64,
    pub label: String,
    pub rationale: String,
    pub assumptions: Vec<String>,
}

/// The TDM result.
#[derive(Debug, Clone, Serialize)]
pub struct TdmResult {
    pub map_params: MapParams,
    pub fit: Vec<FitPoint>,
    pub predicted_troughs: Vec<RegimenPrediction>,
    pub pta: Vec<PtaEntry>,
    pub recommended: Recommendation,
    pub target: [f64; 2],
    pub warnings: Vec<String>,
}

/// PTA of one regimen.
#[derive(Debug, Clone, Serialize)]
pub struct PtaEntry {
    pub dose_mg: f64,
    pub interval_h: f64,
    pub pta: f64,
}

struct Problem<'m, 'a> {
    model: &'a PopModel<'m>,
    typ: crate::model::Typical,
    cl_factor: f64,
    doses: &'a [Dose],
    prior_ss: Option<PriorSteadyState>,
    samples: &'a [Observation],
    omega2: Vec<f64>,
    bounds: Vec<f64>,
    sigma: f64,
}

impl Problem<'_, '_> {
    fn solution(&self, eta: &[f64]) -> Option<Solution> {
        Solution::new(&self.model.individual(&self.typ, self.cl_factor, eta)).ok()
    }

    fn predict(&self, sol: &Solution, t: f64) -> f64 {
        let mut c = sol.history(self.doses, t);
        if let Some(p) = self.prior_ss {
            c += sol.prior_steady_state(Mg(p.dose_mg), p.interval_h, t - p.first_dose_h);
        }
        c
    }

    fn ofv(&self, eta: &[f64]) -> f64 {
        let Some(sol) = self.solution(eta) else {
            return PENALTY;
        };
        let mut ofv = 0.0;
        for s in self.samples {
            let f = self.predict(&sol, s.time_h);
            if !(f.is_finite() && f > 1e-12) {
                return PENALTY;
            }
            let var = (self.sigma * f).powi(2);
            ofv += var.ln() + (s.conc.get() - f).powi(2) / var;
        }
        for (e, w) in eta.iter().zip(&self.omega2) {
            ofv += e * e / w;
        }
        if ofv.is_finite() { ofv } else { PENALTY }
    }

    fn eta_of(&self, u: &[f64]) -> Vec<f64> {
        u.iter().zip(&self.bounds).map(|(u, b)| b * u.tanh()).collect()
    }
}

fn hessian(f: &dyn Fn(&[f64]) -> f64, x: &[f64], h: &[f64]) -> Vec<Vec<f64>> {
    let n = x.len();
    let mut hm = vec![vec![0.0; n]; n];
    let f0 = f(x);
    let at = |d: &[(usize, f64)]| {
        let mut y = x.to_vec();
        for (i, s) in d {
            y[*i] += s;
        }
        f(&y)
    };
    for i in 0..n {
        hm[i][i] = (at(&[(i, h[i])]) - 2.0 * f0 + at(&[(i, -h[i])])) / (h[i] * h[i]);
        for j in 0..i {
            let v = (at(&[(i, h[i]), (j, h[j])]) - at(&[(i, h[i]), (j, -h[j])]) - at(&[(i, -h[i]), (j, h[j])])
                + at(&[(i, -h[i]), (j, -h[j])]))
                / (4.0 * h[i] * h[j]);
            hm[i][j] = v;
            hm[j][i] = v;
        }
    }
    hm
}

/// How messages name sample `i` (0-based in `input.samples`): numbered from 1 as the user
/// counts them, with its date-time when known, else its time on the dose clock.
pub fn sample_name(input: &TdmInput, i: usize) -> String {
    match input.sample_datetimes.get(i) {
        Some(dt) => format!("Sample {} ({dt})", i + 1),
        None => match input.samples.get(i) {
            Some(s) => format!("Sample {} (t = {:.1} h on the dose clock)", i + 1, s.time_h),
            None => format!("Sample {}", i + 1),
        },
    }
}

/// Fit the model to the samples and predict the candidate regimens.
pub fn fit(model: &PopModel, input: &TdmInput) -> Result<TdmResult, InputError> {
    if model.matrix() != Matrix::WholeBlood {
        return Err(InputError::invalid(
            "model",
            format!("{:?} (predicts {})", model.id(), model.matrix().id()),
            "a model of whole-blood concentrations (TDM samples are whole blood)",
        ));
    }
    if input.samples.is_empty() {
        return Err(InputError::new(
            "everolimus.samples",
            "no measured concentration; allowed: at least one { datetime, conc_ng_ml }",
        ));
    }
    let [lo, hi] = input.target;
    if !(lo > 0.0 && hi > lo) {
        return Err(InputError::invalid(
            "target",
            format!("{lo}-{hi}"),
            "0 < low < high (ng/mL)",
        ));
    }
    let mut warnings = Vec::new();
    let typ = model.typical(&input.covariates);
    let omega2 = model.omega2().to_vec();
    let set = &input.settings;
    let eta_bound_sd = set.eta_bound_sd.value;
    let bounds: Vec<f64> = omega2.iter().map(|w| eta_bound_sd * w.sqrt()).collect();
    let prob = Problem {
        model,
        typ,
        cl_factor: input.modifiers.cl_factor,
        doses: &input.doses,
        prior_ss: input.prior_ss,
        samples: &input.samples,
        omega2: omega2.clone(),
        bounds: bounds.clone(),
        sigma: model.sigma_prop(),
    };
    // Every sample must follow a dose (otherwise the model predicts 0).
    let zero = vec![0.0; omega2.len()];
    let sol0 = prob
        .solution(&zero)
        .ok_or_else(|| InputError::new("patient", "the typical parameters are not valid for this patient"))?;
    for (i, s) in input.samples.iter().enumerate() {
        let c0 = prob.predict(&sol0, s.time_h);
        if c0.is_nan() || c0 <= 1e-9 {
            return Err(InputError::invalid(
                format!("everolimus.samples[{i}].datetime"),
                match input.sample_datetimes.get(i) {
                    Some(dt) => format!("{dt} (sample {}, {:.1} h on the dose clock)", i + 1, s.time_h),
                    None => format!("sample {} at {:.1} h on the dose clock", i + 1, s.time_h),
                },
                "a time after a recorded dose (the model predicts no drug before the first dose)",
            ));
        }
        if s.conc.get() <= 0.0 {
            warnings.push(format!(
                "{} is 0 ng/mL: treated as a measured value (no below-the-limit-of-quantification handling).",
                sample_name(input, i)
            ));
        }
    }
    let mut obj = |u: &[f64]| prob.ofv(&prob.eta_of(u));
    let (u_hat, ofv, evals) = nelder_mead(&mut obj, &zero, 0.5, 1e-10, 4000);
    let eta_hat = prob.eta_of(&u_hat);
    let converged = evals < 4000 && ofv < PENALTY;
    if !converged {
        warnings.push("The MAP optimiser did not converge; treat the estimate with caution.".into());
    }
    let at_bound: Vec<&str> = eta_hat
        .iter()
        .zip(&bounds)
        .zip(model.eta_params())
        .filter(|((e, b), _)| e.abs() > 0.99 * *b)
        .map(|(_, p)| p.label())
        .collect();
    if !at_bound.is_empty() {
        warnings.push(format!(
            "The estimate of {} sits at the bound of ±{eta_bound_sd} SD: the data are far from what the model expects (check dose times, sample times and units).",
            at_bound.join(", ")
        ));
    }
    // Laplace posterior.
    let steps: Vec<f64> = omega2.iter().map(|w| 1e-3 * w.sqrt()).collect();
    let f_eta = |e: &[f64]| prob.ofv(e);
    let h = hessian(&f_eta, &eta_hat, &steps);
    let half: Vec<Vec<f64>> = h.iter().map(|r| r.iter().map(|v| 0.5 * v).collect()).collect();
    let cov = match spd_inverse(&half) {
        Some(c) => c,
        None => {
            warnings.push(
                "The posterior curvature is not positive definite; the prior variances are used for the uncertainty."
                    .into(),
            );
            (0..omega2.len())
                .map(|i| {
                    (0..omega2.len())
                        .map(|j| if i == j { omega2[i] } else { 0.0 })
                        .collect()
                })
                .collect()
        }
    };
    let sol = prob
        .solution(&eta_hat)
        .ok_or_else(|| InputError::new("everolimus.samples", "the MAP parameters are not valid"))?;
    let ind = model.individual(&typ, input.modifiers.cl_factor, &eta_hat);
    let pop = model.individual(&typ, input.modifiers.cl_factor, &zero);
    let estimates: Vec<Estimate> = model
        .eta_params()
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (popv, indv, unit) = match p {
                ParamId::Cl => (pop.cl.0, ind.cl.0, "L/h"),
                ParamId::V1 => (pop.v1.0, ind.v1.0, "L"),
                ParamId::Q => (
                    pop.peripheral.map_or(0.0, |x| x.q.0),
                    ind.peripheral.map_or(0.0, |x| x.q.0),
                    "L/h",
                ),
                ParamId::V2 => (
                    pop.peripheral.map_or(0.0, |x| x.v2.0),
                    ind.peripheral.map_or(0.0, |x| x.v2.0),
                    "L",
                ),
                ParamId::Ka => (pop.ka.0, ind.ka.0, "1/h"),
            };
            let sd = cov[k][k].max(0.0).sqrt();
            let omega = omega2[k].sqrt();
            Estimate {
                param: p.label(),
                unit,
                population: popv,
                individual: indv,
                eta: eta_hat[k],
                eta_sd: sd,
                omega,
                information: (1.0 - sd / omega).clamp(0.0, 1.0),
            }
        })
        .collect();
    for e in &estimates {
        if e.information < set.barely_informed.value && e.param != "CL/F" {
            warnings.push(format!(
                "{} is barely informed by these samples (posterior SD {:.2} vs prior {:.2}); its estimate stays near the population value (a trough informs CL/F only; samples near the peak inform Vc/F, pk.md §5.2).",
                e.param, e.eta_sd, e.omega
            ));
        }
    }
    let fit: Vec<FitPoint> = input
        .samples
        .iter()
        .enumerate()
        .map(|(i, s)| FitPoint {
            sample: i + 1,
            datetime: input.sample_datetimes.get(i).cloned(),
            time_h: s.time_h,
            hours_after_dose: input
                .doses
                .iter()
                .filter(|d| d.time_h <= s.time_h)
                .map(|d| s.time_h - d.time_h)
                .reduce(f64::min),
            observed_ng_ml: s.conc.get(),
            ipred_ng_ml: prob.predict(&sol, s.time_h),
            pred_ng_ml: prob.predict(&sol0, s.time_h),
        })
        .collect();

    // Posterior draws for PTA and intervals.
    let chol = crate::stats::cholesky(&cov).unwrap_or_else(|| {
        (0..omega2.len())
            .map(|i| {
                (0..omega2.len())
                    .map(|j| if i == j { cov[i][i].max(0.0).sqrt() } else { 0.0 })
                    .collect()
            })
            .collect()
    });
    let mut intervals: Vec<f64> = Vec::new();
    for r in input.candidates.iter().chain(std::iter::once(&input.current)) {
        if !intervals.contains(&r.interval_h) {
            intervals.push(r.interval_h);
        }
    }
    let draws = input.draws.max(100);
    let mut unit: Vec<Vec<f64>> = vec![Vec::with_capacity(draws); intervals.len()];
    let mut eta = [0.0; MAX_ETA];
    let n = omega2.len();
    for d in 0..draws {
        let mut s = Stream::new(input.seed, d as u64);
        let z: Vec<f64> = (0..n).map(|_| s.normal()).collect();
        for i in 0..n {
            let v = eta_hat[i] + (0..=i).map(|j| chol[i][j] * z[j]).sum::<f64>();
            eta[i] = v.clamp(-bounds[i], bounds[i]);
        }
        if let Some(sd) = prob.solution(&eta[..n]) {
            for (k, tau) in intervals.iter().enumerate() {
                unit[k].push(sd.steady_state_trough(Mg(1.0), *tau));
            }
        }
    }
    for u in unit.iter_mut() {
        u.sort_by(f64::total_cmp);
    }
    let predict = |r: &Regimen| -> RegimenPrediction {
        let k = intervals
            .iter()
            .position(|t| *t == r.interval_h)
            .expect("interval listed");
        let u = &unit[k];
        let d = r.dose_mg;
        let inside = u.iter().filter(|&&x| x * d >= lo && x * d <= hi).count();
        RegimenPrediction {
            dose_mg: d,
            interval_h: r.interval_h,
            trough_ng_ml: sol.steady_state_trough(Mg(d), r.interval_h),
            trough_p05: d * quantile_sorted(u, 0.05),
            trough_p95: d * quantile_sorted(u, 0.95),
            pta: inside as f64 / u.len().max(1) as f64,
            is_current: r == &input.current,
        }
    };
    let mut predicted: Vec<RegimenPrediction> = input.candidates.iter().map(predict).collect();
    if !input.candidates.contains(&input.current) {
        predicted.push(predict(&input.current));
    }
    let pta: Vec<PtaEntry> = predicted
        .iter()
        .map(|p| PtaEntry {
            dose_mg: p.dose_mg,
            interval_h: p.interval_h,
            pta: p.pta,
        })
        .collect();

    // Recommendation among the candidates: highest PTA; within `pta_near_tie` of it, the
    // lowest dose intensity (mg per 24 h), then the trough closest to the window's midpoint.
    // When no candidate reaches `pta_minimum`, the one whose trough is closest to the window
    // (on the log scale) instead.
    let (near_tie, minimum, adequate) = (set.pta_near_tie.value, set.pta_minimum.value, set.pta_adequate.value);
    let mid = 0.5 * (lo + hi);
    let is_candidate = |p: &&RegimenPrediction| {
        input
            .candidates
            .iter()
            .any(|c| c.dose_mg == p.dose_mg && c.interval_h == p.interval_h)
    };
    let best_pta = predicted.iter().filter(is_candidate).map(|p| p.pta).fold(0.0, f64::max);
    let log_distance = |c: f64| {
        if c < lo {
            (lo / c).ln()
        } else if c > hi {
            (c / hi).ln()
        } else {
            0.0
        }
    };
    let rec = if best_pta < minimum {
        predicted
            .iter()
            .filter(is_candidate)
            .min_by(|a, b| log_distance(a.trough_ng_ml).total_cmp(&log_distance(b.trough_ng_ml)))
    } else {
        predicted
            .iter()
            .filter(is_candidate)
            .filter(|p| p.pta >= best_pta - near_tie)
            .min_by(|a, b| {
                let ia = a.dose_mg * 24.0 / a.interval_h;
                let ib = b.dose_mg * 24.0 / b.interval_h;
                ia.total_cmp(&ib)
                    .then((a.trough_ng_ml - mid).abs().total_cmp(&(b.trough_ng_ml - mid).abs()))
            })
    }
    .ok_or_else(|| InputError::new("candidates", "no candidate regimen"))?
    .clone();
    let cur_trough = sol.steady_state_trough(Mg(input.current.dose_mg), input.current.interval_h);
    let exact = input.current.dose_mg * mid / cur_trough;
    let rationale = if best_pta < adequate {
        format!(
            "No candidate regimen reaches the {lo}-{hi} ng/mL window with probability >= {} % (best {:.0} %); {} The dose that would put the individual trough at {mid} ng/mL is {exact:.1} mg every {} h.",
            pct(adequate),
            100.0 * best_pta,
            if best_pta < minimum {
                "the suggestion is the available regimen whose trough is closest to the window."
            } else {
                "the suggestion has the highest probability."
            },
            input.current.interval_h
        )
    } else {
        format!(
            "Highest probability of a steady-state trough within {lo}-{hi} ng/mL among the available tablet regimens ({:.0} %); among near-ties (within {} points) the lowest daily dose.",
            100.0 * rec.pta,
            pct(near_tie)
        )
    };
    if best_pta < adequate {
        warnings.push(rationale.clone());
    }
    let assumptions = vec![
        format!("Population model {} ({}) with this patient's covariates; the prior is the model's between-patient variability.", model.id(), model.def.source.reference),
        "Linear, time-invariant PK: co-medication and liver function assumed unchanged over the whole dosing history and into the future.".into(),
        "The dose records are complete and the times of dosing and sampling are exact; adherence from now on is full.".into(),
        format!("Proportional residual error {:.1} %; inter-occasion variability in bioavailability is not modelled.", 100.0 * model.sigma_prop()),
        steady_state_assumption(&sol, &rec),
        "The target window is a configurable default, not a label recommendation for NET.".into(),
        format!(
            "Etas bounded to ±{eta_bound_sd} prior SD — {}.",
            sourced(&set.eta_bound_sd)
        ),
        format!(
            "Suggestion rule: the highest PTA; candidates within {} points of it count as ties and the lowest daily dose among them is taken ({}); a best PTA below {} % is warned about ({}); below {} % the regimen whose trough is closest to the window is taken instead ({}).",
            pct(near_tie),
            sourced(&set.pta_near_tie),
            pct(adequate),
            sourced(&set.pta_adequate),
            pct(minimum),
            sourced(&set.pta_minimum)
        ),
        format!(
            "A parameter other than CL/F whose information score (1 − posterior SD / prior SD) is below {} is reported as barely informed ({}).",
            set.barely_informed.value,
            sourced(&set.barely_informed)
        ),
    ];
    Ok(TdmResult {
        map_params: MapParams {
            model: model.id().to_string(),
            estimates,
            cl_l_h: ind.cl.0,
            v1_l: ind.v1.0,
            q_l_h: ind.peripheral.map(|p| p.q.0),
            v2_l: ind.peripheral.map(|p| p.v2.0),
            ka_per_h: ind.ka.0,
            f: ind.f,
            terminal_half_life_h: sol.terminal_half_life(),
            ofv,
            converged,
            evaluations: evals,
        },
        fit,
        pta,
        recommended: Recommendation {
            dose_mg: rec.dose_mg,
            interval_h: rec.interval_h,
            trough_ng_ml: rec.trough_ng_ml,
            pta: rec.pta,
            exact_dose_for_target_mid_mg: exact,
            label: "Model-based suggestion — not a prescription. Check it against the label's dose rules, tolerance and the clinical picture.".into(),
            rationale,
            assumptions,
        },
        predicted_troughs: predicted,
        target: input.target,
        warnings,
    })
}

/// A fraction as percent, without trailing zeros (0.02 → "2", 0.5 → "50").
fn pct(x: f64) -> String {
    format!("{}", (100.0 * x * 1e6).round() / 1e6)
}

/// The reference and mark of a decision setting.
fn sourced(s: &Sourced) -> String {
    format!("{}", s.source)
}

/// The individual approach to steady state on the suggested regimen: after a change, the
/// trough completes the fraction `after_n_doses / steady_state` of it (linear PK), so the
/// doses to 90 % and 99 % follow from the MAP solution.
fn steady_state_assumption(sol: &Solution, rec: &RegimenPrediction) -> String {
    let tau = rec.interval_h;
    let ss = sol.steady_state_trough(Mg(1.0), tau);
    let doses_to = |frac: f64| (1..=10_000u64).find(|&n| sol.after_n_doses(Mg(1.0), tau, n, tau) >= frac * ss);
    let days = |n: Option<u64>| match n {
        Some(n) => format!("{n} doses ({:.0} days)", n as f64 * tau / 24.0),
        None => "more than 10000 doses".to_string(),
    };
    format!(
        "Steady state on the new regimen: for this patient's estimated parameters the trough completes 90 % of a change after {} and 99 % after {} (model).",
        days(doses_to(0.90)),
        days(doses_to(0.99))
    )
}

/// The regimens netrx may suggest (knowledge/pk/regimens.toml): every tablet
/// strength once daily, the lowest strength every other day, and — only with a
/// strong inducer — up to the label's inducer ceiling in its steps. Child–Pugh C
/// caps the daily dose at the label's 2.5 mg (clinical-rules.md §B.2).
pub fn candidate_regimens(pk: &netrx_kb::pk::Pk, strengths: &[f64], inducer: bool, child_pugh_c: bool) -> Vec<Regimen> {
    let r = &pk.regimens;
    let daily = r.standard.interval_h;
    let mut out: Vec<Regimen> = strengths
        .iter()
        .map(|&d| Regimen {
            dose_mg: d,
            interval_h: daily,
        })
        .collect();
    if let Some(&lowest) = strengths.iter().min_by(|a, b| a.total_cmp(b)) {
        out.insert(
            0,
            Regimen {
                dose_mg: lowest,
                interval_h: r.every_other_day.interval_h,
            },
        );
    }
    if inducer {
        let mut d = r.standard.dose_mg + r.inducer_ceiling.step_mg;
        while d <= r.inducer_ceiling.max_daily_mg + 1e-9 {
            out.push(Regimen {
                dose_mg: d,
                interval_h: daily,
            });
            d += r.inducer_ceiling.step_mg;
        }
    }
    if child_pugh_c {
        let cap = r.child_pugh_c_max_daily_mg.value;
        out.retain(|x| x.dose_mg * 24.0 / x.interval_h <= cap + 1e-9);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use netrx_kb::Kb;

    #[test]
    fn steady_state_assumption_of_the_typical_patient() {
        // pk.md §8, typical de Wit patient on 10 mg daily: troughs after 3 / 5 / 7 doses
        // 11.531208 / 12.580405 / 12.813516 of 12.880103 ng/mL (89.5 %, 97.7 %, 99.48 %), and
        // §1.1: day 4 95 %, day 6 99 % (rounded; 98.9 %). So 90 % after 4 doses, 99 % after 7.
        let kb = Kb::embedded().unwrap();
        let model = PopModel::new(kb.pk.default_model());
        let typ = model.typical(&crate::Covariates::default());
        let sol = Solution::new(&model.individual(&typ, 1.0, &[0.0, 0.0])).unwrap();
        let rec = RegimenPrediction {
            dose_mg: 10.0,
            interval_h: 24.0,
            trough_ng_ml: 12.88,
            trough_p05: 0.0,
            trough_p95: 0.0,
            pta: 0.0,
            is_current: false,
        };
        let a = steady_state_assumption(&sol, &rec);
        assert!(a.contains("90 % of a change after 4 doses (4 days)"), "{a}");
        assert!(a.contains("99 % after 7 doses (7 days)"), "{a}");
    }

    #[test]
    fn percent_without_trailing_zeros() {
        assert_eq!(pct(0.02), "2");
        assert_eq!(pct(0.5), "50");
        assert_eq!(pct(0.025), "2.5");
    }
}
