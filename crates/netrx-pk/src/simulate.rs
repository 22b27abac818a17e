//! A concentration–time profile for a regimen or a dosing history, with the
//! summary a pharmacist reads: Cmax, Cmin and AUC over the last dosing interval,
//! the steady-state trough and the time to 90 % of steady state.

use crate::solve::{Dose, Solution};
use crate::units::Mg;
use netrx_case::InputError;
use serde::Serialize;

/// Most time points a profile may have (a guard against `--step-h 1e-9`).
pub const MAX_POINTS: usize = 2_000_000;
/// Most doses in a history or regimen.
pub const MAX_DOSES: usize = 100_000;

/// A regimen: `dose_mg` every `interval_h` hours.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Regimen {
    pub dose_mg: f64,
    pub interval_h: f64,
}

impl Regimen {
    /// Validate a regimen; `field` names the input in errors.
    pub fn new(dose_mg: f64, interval_h: f64, field: &str) -> Result<Regimen, InputError> {
        if !(dose_mg.is_finite() && dose_mg > 0.0 && dose_mg <= 1000.0) {
            return Err(InputError::invalid(field, dose_mg, "a dose in mg, > 0 and <= 1000"));
        }
        if !(interval_h.is_finite() && (1.0..=24.0 * 28.0).contains(&interval_h)) {
            return Err(InputError::invalid(field, interval_h, "an interval in hours, 1 to 672"));
        }
        Ok(Regimen { dose_mg, interval_h })
    }
}

/// How the drug is given.
#[derive(Debug, Clone, PartialEq)]
pub enum Dosing {
    /// `regimen` from time 0 for `days` days.
    Regimen(Regimen),
    /// Doses at given times (hours from 0).
    History(Vec<Dose>),
}

/// Check a dosing history (times finite, ≥ 0; doses finite, ≥ 0), sorted by time on return.
pub fn check_history(mut doses: Vec<Dose>, field: &str) -> Result<Vec<Dose>, InputError> {
    if doses.is_empty() {
        return Err(InputError::new(
            field,
            "the history has no doses; allowed: a list of { time_h, dose_mg }",
        ));
    }
    if doses.len() > MAX_DOSES {
        return Err(InputError::invalid(
            field,
            format!("{} doses", doses.len()),
            format!("at most {MAX_DOSES}"),
        ));
    }
    for (i, d) in doses.iter().enumerate() {
        if !(d.time_h.is_finite() && d.time_h >= 0.0) {
            return Err(InputError::invalid(
                format!("{field}[{i}].time_h"),
                d.time_h,
                "hours >= 0",
            ));
        }
        if !(d.dose_mg.is_finite() && d.dose_mg >= 0.0 && d.dose_mg <= 1000.0) {
            return Err(InputError::invalid(
                format!("{field}[{i}].dose_mg"),
                d.dose_mg,
                "mg, 0 to 1000",
            ));
        }
    }
    doses.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
    Ok(doses)
}

/// The profile and its summary. Concentrations are ng/mL in the model's matrix.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub times_h: Vec<f64>,
    pub conc_ng_ml: Vec<f64>,
    /// Peak over the last dosing interval.
    pub cmax: f64,
    /// Time of the peak, hours from 0.
    pub tmax_h: f64,
    /// Lowest concentration over the last dosing interval.
    pub cmin: f64,
    /// AUC over the last dosing interval, ng·h/mL (exact).
    pub auc_tau: f64,
    /// The last dosing interval [start, end], hours.
    pub last_interval_h: [f64; 2],
    /// Steady-state trough of the regimen (null for a history).
    pub ss_trough: Option<f64>,
    /// Steady-state AUC over one interval, F·D/CL (null for a history).
    pub ss_auc_tau: Option<f64>,
    /// The first pre-dose trough at or above 90 % of the steady-state trough:
    /// hours after the first dose (null for a history).
    pub time_to_90pct_ss_h: Option<f64>,
    /// Terminal half-life ln 2 / min(β, ka), h.
    pub terminal_half_life_h: f64,
}

fn grid(end: f64, step: f64, field: &str) -> Result<Vec<f64>, InputError> {
    if !(step.is_finite() && step > 0.0) {
        return Err(InputError::invalid(field, step, "hours > 0"));
    }
    let n = (end / step + 1e-9).floor() as usize + 1;
    if n > MAX_POINTS {
        return Err(InputError::invalid(
            field,
            step,
            format!("a step giving at most {MAX_POINTS} points over {end} h"),
        ));
    }
    Ok((0..n).map(|i| (i as f64 * step).min(end)).collect())
}

/// Peak and trough of `c` over [a, b]: a 256-point scan refined by golden-section search.
fn extremes(c: &dyn Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64, f64) {
    let n = 256;
    let h = (b - a) / n as f64;
    let mut imax: usize = 0;
    let (mut vmax, mut vmin) = (f64::NEG_INFINITY, f64::INFINITY);
    for i in 0..=n {
        let v = c(a + i as f64 * h);
        if v > vmax {
            vmax = v;
            imax = i;
        }
        vmin = vmin.min(v);
    }
    // Golden section on the bracket around the sampled peak.
    let (mut lo, mut hi) = (
        a + (imax.saturating_sub(1)) as f64 * h,
        (a + (imax + 1) as f64 * h).min(b),
    );
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let mut x1 = hi - g * (hi - lo);
    let mut x2 = lo + g * (hi - lo);
    let (mut f1, mut f2) = (c(x1), c(x2));
    for _ in 0..80 {
        if f1 > f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = c(x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = c(x2);
        }
    }
    let tpk = 0.5 * (lo + hi);
    let vpk = c(tpk);
    if vpk > vmax {
        (vpk, tpk, vmin)
    } else {
        (vmax, a + imax as f64 * h, vmin)
    }
}

/// Simulate `dosing` from 0 to `days` days, sampling every `step_h` hours.
pub fn simulate(sol: &Solution, dosing: &Dosing, days: f64, step_h: f64) -> Result<Profile, InputError> {
    if !(days.is_finite() && days > 0.0 && days <= 3650.0) {
        return Err(InputError::invalid("--days", days, "days > 0 and <= 3650"));
    }
    let end = days * 24.0;
    let times = grid(end, step_h, "--step-h")?;
    let mut conc = Vec::new();
    match dosing {
        Dosing::Regimen(r) => {
            let tau = r.interval_h;
            let n = ((end / tau).ceil() as u64).max(1);
            if n as usize > MAX_DOSES {
                return Err(InputError::invalid(
                    "--days",
                    days,
                    "a period with at most 100000 doses",
                ));
            }
            let dose = Mg(r.dose_mg);
            sol.regimen_profile_grid(dose, tau, n, step_h, times.len(), &mut conc);
            let start = (n - 1) as f64 * tau;
            let c = |t: f64| sol.after_n_doses(dose, tau, n, t - start);
            let (cmax, tmax, cmin) = extremes(&c, start, start + tau);
            let doses: Vec<Dose> = (0..n)
                .map(|k| Dose {
                    time_h: k as f64 * tau,
                    dose_mg: r.dose_mg,
                })
                .collect();
            let ss = sol.steady_state_trough(dose, tau);
            let mut t90 = None;
            for k in 1..=20_000u64 {
                if sol.after_n_doses(dose, tau, k, tau) >= 0.9 * ss {
                    t90 = Some(k as f64 * tau);
                    break;
                }
            }
            Ok(Profile {
                times_h: times,
                conc_ng_ml: conc,
                cmax,
                tmax_h: tmax,
                cmin,
                auc_tau: sol.auc_history(&doses, start, start + tau),
                last_interval_h: [start, start + tau],
                ss_trough: Some(ss),
                ss_auc_tau: Some(sol.auc_tau_ss(dose)),
                time_to_90pct_ss_h: t90,
                terminal_half_life_h: sol.terminal_half_life(),
            })
        }
        Dosing::History(doses) => {
            conc.extend(times.iter().map(|&t| sol.history(doses, t)));
            // Last interval: from the last dose given before the end to the end.
            let given: Vec<&Dose> = doses.iter().filter(|d| d.time_h < end).collect();
            let start = given.last().map(|d| d.time_h).unwrap_or(0.0);
            let c = |t: f64| sol.history(doses, t);
            let (cmax, tmax, cmin) = extremes(&c, start, end);
            Ok(Profile {
                times_h: times,
                conc_ng_ml: conc,
                cmax,
                tmax_h: tmax,
                cmin,
                auc_tau: sol.auc_history(doses, start, end),
                last_interval_h: [start, end],
                ss_trough: None,
                ss_auc_tau: None,
                time_to_90pct_ss_h: None,
                terminal_half_life_h: sol.terminal_half_life(),
            })
        }
    }
}
