//! Trough-guided everolimus dosing for a case (`netrx pk tdm CASE.json`, capability
//! `pk`): the adapter from the case file's `everolimus` block (`doses`, `samples`,
//! `dose_mg`, `frequency`, `start_date`, `history`), `patient.weight_kg`,
//! `patient.child_pugh` and `medications` to netrx-pk's MAP fit.

use crate::capability::Region;
use netrx_case::{Case, DateTime, Everolimus, InputError};
use netrx_kb::pk::{Pk, Statement};
use netrx_kb::{Kb, Source};
use netrx_pk::model::{Applied, Covariates, PopModel, modifiers};
use netrx_pk::tdm::{self, Observation, PriorSteadyState, TdmInput};
use netrx_pk::{Dose, Regimen, WholeBloodConc};
use serde::Serialize;

/// Options of a TDM evaluation (CLI flags / query parameters).
#[derive(Debug, Clone)]
pub struct TdmOptions {
    /// Model id (`None` = the knowledge base's default, de Wit 2016).
    pub model: Option<String>,
    /// Target trough window [low, high] ng/mL (`None` = the knowledge default).
    pub target: Option<[f64; 2]>,
    /// Which tablet strengths are available.
    pub region: Region,
    /// Seed of the posterior draws (PTA).
    pub seed: u64,
    /// Number of posterior draws.
    pub draws: usize,
}

impl Default for TdmOptions {
    fn default() -> Self {
        TdmOptions {
            model: None,
            target: None,
            region: Region::Us,
            seed: 1,
            draws: 4000,
        }
    }
}

/// How the dosing record was read.
#[derive(Debug, Clone, Serialize)]
pub struct DosingRecord {
    /// The origin of the hour clock (the first recorded dose, or the first sample).
    pub origin: String,
    pub recorded_doses: usize,
    /// Doses netrx added before the first record (from `start_date`), if any.
    pub assumed_doses: usize,
    /// Steady state assumed before the record, if any.
    pub assumed_prior_steady_state: Option<PriorSteadyState>,
    pub current_regimen: Regimen,
}

/// The answer of `netrx pk tdm --json` and of capability `pk`.
#[derive(Debug, Clone, Serialize)]
pub struct TdmReport {
    pub case_id: String,
    pub model: String,
    pub model_title: String,
    pub model_source: Source,
    pub model_caveats: Vec<String>,
    pub map_params: tdm::MapParams,
    pub fit: Vec<tdm::FitPoint>,
    pub predicted_troughs: Vec<tdm::RegimenPrediction>,
    pub pta: Vec<tdm::PtaEntry>,
    pub recommended: tdm::Recommendation,
    pub target: [f64; 2],
    pub target_caveat: String,
    pub target_source: Source,
    pub routine_tdm_note: String,
    /// The sampling advice as one line (each part marked unless verified).
    pub sampling_advice: String,
    /// The sampling advice, statement by statement with its source.
    pub sampling: Vec<Statement>,
    pub modifiers: Vec<Applied>,
    pub dosing_record: DosingRecord,
    pub warnings: Vec<String>,
    pub knowledge_version: String,
}

fn hours(origin: &DateTime, t: &DateTime, field: String) -> Result<f64, InputError> {
    origin.hours_until(t).ok_or_else(|| {
        InputError::invalid(
            field,
            t,
            "date-times that all carry a UTC offset, or none of which do (doses and samples are compared on one clock)",
        )
    })
}

/// Check that the everolimus block's doses and samples can be put on one clock
/// (all with a UTC offset or none). Called by `check_case`.
pub fn check_everolimus_times(case: &Case) -> Result<(), InputError> {
    let Some(e) = &case.everolimus else { return Ok(()) };
    let first = e
        .doses
        .first()
        .map(|d| d.datetime)
        .or_else(|| e.samples.first().map(|s| s.datetime));
    let Some(origin) = first else { return Ok(()) };
    for (i, d) in e.doses.iter().enumerate() {
        hours(&origin, &d.datetime, format!("everolimus.doses[{i}].datetime"))?;
    }
    for (i, s) in e.samples.iter().enumerate() {
        hours(&origin, &s.datetime, format!("everolimus.samples[{i}].datetime"))?;
    }
    Ok(())
}

/// Resolve a medication name to an id with PK interaction data: the PK id itself, or
/// the id the medication vocabulary maps the name (brand, spelling variant) to.
/// `Ok(None)`: a known or unknown medication without PK data.
pub fn pk_interaction_id(kb: &Kb, name: &str) -> Option<String> {
    let key = netrx_kb::medications::normalize_id(name);
    if kb.pk.interaction(&key).is_some() {
        return Some(key);
    }
    let m = kb.medications.resolve(name)?;
    kb.pk.interaction(&m.medication.id).map(|i| i.id.clone())
}

/// `--comedication ID`: an id (or alias) with PK interaction data, or a clear error.
pub fn resolve_comedication(kb: &Kb, name: &str, field: &str) -> Result<String, InputError> {
    pk_interaction_id(kb, name).ok_or_else(|| {
        let known = kb.medications.resolve(name).map(|m| m.medication.id.clone());
        let allowed: Vec<&str> = kb.pk.interactions.iter().map(|i| i.id.as_str()).collect();
        let what = match known {
            Some(id) => format!("{name:?} (medication {id}, which has no quantitative PK magnitude in knowledge/pk)"),
            None => format!("{name:?}"),
        };
        InputError::invalid(
            field,
            what,
            format!("a medication with PK interaction data: {}", allowed.join(", ")),
        )
    })
}

/// The label's interaction class naming medication `id`, if any.
fn label_interaction_class(kb: &Kb, id: &str) -> Option<String> {
    kb.everolimus
        .interactions
        .class
        .iter()
        .find(|c| {
            [c.us.as_ref(), c.eu.as_ref()]
                .into_iter()
                .flatten()
                .any(|r| r.members.iter().any(|m| m == id))
        })
        .map(|c| c.name.clone())
}

fn strengths(pk: &Pk, region: Region) -> Vec<f64> {
    match region {
        Region::Us => pk.regimens.tablets.us_mg.clone(),
        Region::Eu => pk.regimens.tablets.eu_mg.clone(),
    }
}

/// The target window: given, or the knowledge default; checked.
pub fn target_window(pk: &Pk, given: Option<[f64; 2]>, field: &str) -> Result<[f64; 2], InputError> {
    let t = given.unwrap_or([pk.target.low_ng_ml, pk.target.high_ng_ml]);
    if !(t[0].is_finite() && t[1].is_finite() && t[0] > 0.0 && t[1] > t[0] && t[1] <= 1000.0) {
        return Err(InputError::invalid(
            field,
            format!("{}-{}", t[0], t[1]),
            "0 < low < high <= 1000 ng/mL",
        ));
    }
    Ok(t)
}

/// The dose in force at `date` from the case's `history` (latest change on or before it).
fn dose_in_force(e: &Everolimus, date: netrx_case::Date) -> Option<f64> {
    e.history
        .iter()
        .filter(|h| h.date <= date)
        .max_by_key(|h| h.date)
        .map(|h| h.dose_mg)
}

/// Trough-guided individualisation for a case.
pub fn tdm(case: &Case, kb: &Kb, opts: &TdmOptions) -> Result<TdmReport, InputError> {
    let pk = &kb.pk;
    let e = case.everolimus.as_ref().ok_or_else(|| {
        InputError::new(
            "everolimus",
            "the case has no everolimus block; allowed: an everolimus course with samples (and doses)",
        )
    })?;
    if e.samples.is_empty() {
        return Err(InputError::new(
            "everolimus.samples",
            "no measured concentration; allowed: at least one { datetime, conc_ng_ml }",
        ));
    }
    let model = PopModel::by_id(pk, opts.model.as_deref(), "--model")?;
    let target = target_window(pk, opts.target, "--target-low/--target-high")?;
    let mut warnings = vec![pk.target.routine_tdm_note.clone()];

    // Patient.
    let weight = match case.patient.weight_kg {
        Some(w) => w,
        None => {
            // The model's reference weight (the typical patient), else netrx-pk's default.
            let w = model
                .def
                .cl
                .weight
                .as_ref()
                .map_or(Covariates::default().weight_kg, |s| s.reference_kg);
            warnings.push(format!(
                "patient.weight_kg not given: {w} kg assumed (the model's reference weight)."
            ));
            w
        }
    };
    let covariates = Covariates {
        weight_kg: weight,
        ..Covariates::default()
    };
    let mut comeds = Vec::new();
    for (i, name) in case.medications.iter().enumerate() {
        match pk_interaction_id(kb, name) {
            Some(id) => comeds.push(id),
            None => {
                let known = kb.medications.resolve(name).map(|m| m.medication.id.clone());
                if let Some(id) = known
                    && let Some(class) = label_interaction_class(kb, &id)
                {
                    warnings.push(format!(
                        "medications[{i}] {name} ({id}, {class}): interacts with everolimus per the label, but knowledge/pk has no quantitative magnitude — NOT modelled; the predictions may be badly off."
                    ));
                }
            }
        }
    }
    let child_pugh = case.patient.child_pugh.map(|c| c.id());
    let mods = modifiers(pk, &comeds, child_pugh, "medications")?;
    warnings.extend(mods.warnings.iter().cloned());

    // The clock: the first recorded dose, else the first sample.
    let current_interval = e.frequency.interval_hours();
    let mut doses_sorted = e.doses.clone();
    doses_sorted.sort_by(|a, b| a.datetime.epoch_seconds().total_cmp(&b.datetime.epoch_seconds()));
    let mut samples_sorted: Vec<(usize, &netrx_case::Sample)> = e.samples.iter().enumerate().collect();
    samples_sorted.sort_by(|a, b| a.1.datetime.epoch_seconds().total_cmp(&b.1.datetime.epoch_seconds()));
    let origin = doses_sorted
        .first()
        .map(|d| d.datetime)
        .unwrap_or(samples_sorted[0].1.datetime);
    let mut doses: Vec<Dose> = Vec::new();
    for d in &doses_sorted {
        let i = e.doses.iter().position(|x| x == d).unwrap_or(0);
        doses.push(Dose {
            time_h: hours(&origin, &d.datetime, format!("everolimus.doses[{i}].datetime"))?,
            dose_mg: d.dose_mg,
        });
    }
    // Samples in the case file's order, so errors and the fit name `samples[i]` as written.
    let mut samples = Vec::new();
    for (i, s) in e.samples.iter().enumerate() {
        samples.push(Observation {
            time_h: hours(&origin, &s.datetime, format!("everolimus.samples[{i}].datetime"))?,
            conc: WholeBloodConc::ng_ml(s.conc_ng_ml),
        });
    }

    // The regimen in force now.
    let current_dose = if e.dose_mg > 0.0 {
        e.dose_mg
    } else if let Some(d) = doses.iter().rev().find(|d| d.dose_mg > 0.0) {
        warnings.push(format!(
            "everolimus.dose_mg is 0 (withheld): predictions use the last recorded dose, {} mg.",
            d.dose_mg
        ));
        d.dose_mg
    } else {
        return Err(InputError::invalid(
            "everolimus.dose_mg",
            e.dose_mg,
            "a dose > 0 mg, or recorded doses > 0 mg",
        ));
    };
    let current = Regimen::new(current_dose, current_interval, "everolimus.dose_mg")?;

    // Doses before the record.
    let mut prior_ss = None;
    let mut assumed = 0usize;
    if doses.is_empty() {
        // No record: steady state on the current regimen, a dose just after each trough.
        prior_ss = Some(PriorSteadyState {
            dose_mg: current_dose,
            interval_h: current_interval,
            first_dose_h: 0.0,
        });
        let last = samples.iter().map(|s| s.time_h).fold(0.0, f64::max);
        let mut k = 0.0;
        while k * current_interval < last {
            doses.push(Dose {
                time_h: k * current_interval,
                dose_mg: current_dose,
            });
            k += 1.0;
        }
        warnings.push(format!(
            "No dose records (everolimus.doses): steady state on {current_dose} mg every {current_interval} h is assumed, each sample taken as a trough just before a dose at the first sample's clock time. Record the doses taken for an exact fit."
        ));
    } else {
        let first_date = doses_sorted[0].datetime.date();
        let missing_days = e.start_date.days_until(first_date);
        if missing_days > 0 {
            let n = ((missing_days as f64 * 24.0) / current_interval).floor() as usize;
            let first_amount = doses[0].dose_mg;
            if n > 200 {
                prior_ss = Some(PriorSteadyState {
                    dose_mg: first_amount,
                    interval_h: current_interval,
                    first_dose_h: 0.0,
                });
                warnings.push(format!(
                    "Doses before the first record ({}) are not recorded: steady state on {first_amount} mg every {current_interval} h is assumed before it.",
                    doses_sorted[0].datetime
                ));
            } else if n > 0 {
                for k in 1..=n {
                    let t = -(k as f64) * current_interval;
                    let date = first_date.add_days((t / 24.0).floor() as i64);
                    doses.push(Dose {
                        time_h: t,
                        dose_mg: dose_in_force(e, date).unwrap_or(first_amount),
                    });
                }
                assumed = n;
                warnings.push(format!(
                    "{n} doses between start_date {} and the first recorded dose are not recorded: assumed taken every {current_interval} h at the same clock time, at the dose in force from everolimus.history (else {first_amount} mg).",
                    e.start_date
                ));
            }
        }
        doses.sort_by(|a, b| a.time_h.total_cmp(&b.time_h));
    }

    // Sample timing.
    for (i, s) in &samples_sorted {
        let t = hours(&origin, &s.datetime, format!("everolimus.samples[{i}].datetime"))?;
        if let Some(last) = doses
            .iter()
            .filter(|d| d.time_h <= t)
            .map(|d| t - d.time_h)
            .reduce(f64::min)
            && !e.doses.is_empty()
            && last < pk.tdm.trough_min_fraction_of_interval.value * current_interval
        {
            // Numbered as the user counts them (1-based, the case file's order), with the time written.
            warnings.push(format!(
                "Sample {} ({}) was drawn {last:.1} h after a dose — not a trough; the fit uses its exact time, and a peak-region sample also informs Vc/F.",
                i + 1,
                s.datetime
            ));
        }
    }

    if child_pugh == Some("C") {
        let cap = pk.regimens.child_pugh_c_max_daily_mg.value;
        let daily = current.dose_mg * 24.0 / current.interval_h;
        if daily > cap {
            warnings.push(format!(
                "Child-Pugh C: the current regimen ({} mg every {} h) exceeds the label maximum of {cap} mg daily ({}); candidates are limited to it.",
                current.dose_mg, current.interval_h, pk.regimens.child_pugh_c_max_daily_mg.source
            ));
        }
    }
    let strengths = strengths(pk, opts.region);
    let candidates = tdm::candidate_regimens(pk, &strengths, mods.inducer, child_pugh == Some("C"));
    let input = TdmInput {
        covariates,
        modifiers: mods.clone(),
        doses,
        prior_ss,
        samples,
        sample_datetimes: e.samples.iter().map(|s| s.datetime.to_string()).collect(),
        current,
        candidates,
        target,
        draws: opts.draws,
        seed: opts.seed,
        settings: pk.tdm.clone(),
    };
    let mut r = tdm::fit(&model, &input)?;
    warnings.extend(r.warnings.iter().cloned());
    let trough = &pk.tdm.trough_min_fraction_of_interval;
    r.recommended.assumptions.push(format!(
        "A sample drawn earlier than {} × the dosing interval after a dose is reported as not a trough ({}).",
        trough.value, trough.source
    ));
    Ok(TdmReport {
        case_id: case.id.clone(),
        model: model.id().to_string(),
        model_title: model.def.title.clone(),
        model_source: model.def.source.clone(),
        model_caveats: model.def.caveats.clone(),
        map_params: r.map_params,
        fit: r.fit,
        predicted_troughs: r.predicted_troughs,
        pta: r.pta,
        recommended: r.recommended,
        target,
        target_caveat: pk.target.caveat.clone(),
        target_source: pk.target.source.clone(),
        routine_tdm_note: pk.target.routine_tdm_note.clone(),
        sampling_advice: pk.sampling.advice(),
        sampling: pk.sampling.statements(),
        modifiers: mods.applied,
        dosing_record: DosingRecord {
            origin: origin.to_string(),
            recorded_doses: e.doses.len(),
            assumed_doses: assumed,
            assumed_prior_steady_state: prior_ss,
            current_regimen: current,
        },
        warnings,
        knowledge_version: kb.version().to_string(),
    })
}

/// The individual (MAP) concentration curve that `netrx pk tdm --svg` and the tumour-board view
/// draw: hours since the clock's origin (the first recorded dose, or the first sample), every
/// 15 minutes up to 24 h after the last sample, from the individual parameters, the recorded
/// doses and any steady state assumed before them. `Ok(None)` when the case has no everolimus
/// doses or samples to put on a clock.
pub struct IndividualCurve {
    pub times_h: Vec<f64>,
    pub conc_ng_ml: Vec<f64>,
}

/// The curve over the sampled period for the individual parameters `p` (see [`IndividualCurve`]).
pub fn individual_curve(
    case: &Case,
    p: &netrx_pk::PkParams,
    prior: Option<PriorSteadyState>,
    last_sample_h: f64,
) -> Result<Option<IndividualCurve>, netrx_pk::solve::ParamError> {
    use netrx_pk::{Mg, Solution};
    let sol = Solution::new(p)?;
    let Some(e) = case.everolimus.as_ref() else {
        return Ok(None);
    };
    let Some(origin) = e
        .doses
        .first()
        .map(|d| d.datetime)
        .or(e.samples.first().map(|s| s.datetime))
    else {
        return Ok(None);
    };
    let doses: Vec<Dose> = e
        .doses
        .iter()
        .filter_map(|d| {
            origin.hours_until(&d.datetime).map(|t| Dose {
                time_h: t,
                dose_mg: d.dose_mg,
            })
        })
        .collect();
    let end = last_sample_h.max(0.0) + 24.0;
    let times_h: Vec<f64> = (0..=((end * 4.0) as usize)).map(|i| i as f64 * 0.25).collect();
    let conc_ng_ml = times_h
        .iter()
        .map(|&t| {
            let mut c = sol.history(&doses, t);
            if let Some(pr) = prior {
                c += sol.prior_steady_state(Mg(pr.dose_mg), pr.interval_h, t - pr.first_dose_h);
            }
            c
        })
        .collect();
    Ok(Some(IndividualCurve { times_h, conc_ng_ml }))
}
