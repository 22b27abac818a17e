//! The pictures of the tumour-board view, drawn by netrx-plot from the same answers
//! the page shows: RECIST spider and waterfall plots, QoL trajectories, the
//! toxicity timeline with dose changes, and the individual everolimus
//! concentration curve.

use netrx_case::{Case, Date};
use netrx_kb::Kb;
use netrx_pk::tdm::PriorSteadyState;
use netrx_pk::{Hours, Liters, LitersPerHour, PerHour, Peripheral, PkParams};
use netrx_plot::pk::{PkChart, concentration_svg};
use netrx_plot::tox_timeline::{DoseStep, EventBar, ToxTimeline, tox_timeline_svg};
use serde_json::Value;

/// An SVG chart with its text alternative.
#[derive(Debug, Clone)]
pub struct Chart {
    /// The SVG document (inline; netrx-plot escapes every text it draws).
    pub svg: String,
    /// What it shows, for screen readers and as the caption.
    pub alt: String,
}

/// RECIST spider plot and per-lesion waterfall (netrx-plot, as `netrx recist --svg/--waterfall`).
pub fn recist(case: &Case, kb: &Kb) -> Option<(Chart, Chart)> {
    let r = netrx_clinical::recist::assess(case, kb, &netrx_clinical::recist::RecistOptions::default()).ok()?;
    let spider = Chart {
        svg: netrx_plot::spider::spider(&r),
        alt: format!(
            "Spider plot: percent change of the sum of target-lesion diameters from baseline at each of {} imaging \
             visits, with the −30 % (partial response) and +20 % (progression) lines.",
            r.visits.len()
        ),
    };
    let waterfall = Chart {
        svg: netrx_plot::waterfall::lesion_waterfall(&r),
        alt: "Waterfall plot: best percent change from baseline of each target lesion.".to_string(),
    };
    Some((spider, waterfall))
}

/// QoL trajectories (netrx-plot, as `netrx qol --svg`).
pub fn qol(case: &Case, kb: &Kb) -> Option<Chart> {
    let r = netrx_clinical::qol::analyse(case, kb, &netrx_clinical::qol::QolOptions::default()).ok()?;
    Some(Chart {
        svg: netrx_plot::qol::trajectories(&r),
        alt: format!(
            "Quality-of-life trajectories: the scale scores of {} questionnaire(s) over time, per instrument, \
             with the deterioration threshold.",
            r.assessments.len()
        ),
    })
}

/// The toxicity timeline from the `tox` answer and the case's dose history.
pub fn tox_timeline(case: &Case, tox: &Value) -> Option<Chart> {
    let e = case.everolimus.as_ref()?;
    let start = e.start_date;
    let day = |d: Date| start.days_until(d) as f64;
    let parse = |v: &Value| v.as_str().and_then(|s| s.parse::<Date>().ok());
    let mut doses: Vec<DoseStep> = e
        .history
        .iter()
        .map(|h| DoseStep {
            day: day(h.date),
            dose_mg: h.dose_mg,
            frequency: super::view::freq_text(h.frequency.id()),
        })
        .collect();
    if doses.first().is_none_or(|d| d.day > 0.0) && e.history.is_empty() {
        doses.insert(
            0,
            DoseStep {
                day: 0.0,
                dose_mg: e.dose_mg,
                frequency: super::view::freq_text(e.frequency.id()),
            },
        );
    }
    let timeline = tox
        .get("timeline")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut events = Vec::new();
    let mut last = 0.0f64;
    for t in &timeline {
        let ev = &t["event"];
        let Some(d0) = parse(&ev["date"]).or_else(|| parse(&t["date"])) else {
            continue;
        };
        let end = parse(&t["recovered_on"]).map(day);
        last = last.max(day(d0)).max(end.unwrap_or(0.0));
        events.push(EventBar {
            label: ev["term_name"].as_str().unwrap_or("event").to_string(),
            grade: ev["grade"].as_u64().unwrap_or(0).min(5) as u8,
            start_day: day(d0),
            end_day: end,
            action: t["action"].as_str().unwrap_or("").replace('_', " "),
        });
    }
    if let Some(asof) = parse(&tox["as_of"]) {
        last = last.max(day(asof));
    }
    for d in &doses {
        last = last.max(d.day);
    }
    let end_day = (last + (last * 0.08).max(7.0)).ceil();
    let n = 6.0;
    let step = (end_day / n).max(1.0).ceil();
    let date_ticks = (0..=(n as i64))
        .map(|k| k as f64 * step)
        .filter(|d| *d <= end_day)
        .map(|d| (d, start.add_days(d as i64).to_string()))
        .collect();
    let title = format!("{}: toxicity and everolimus dose", case.id);
    let chart = ToxTimeline {
        title: title.clone(),
        origin_label: format!("everolimus start {start}"),
        end_day,
        doses,
        events,
        date_ticks,
    };
    let n_events = chart.events.len();
    Some(Chart {
        svg: tox_timeline_svg(&chart),
        alt: format!(
            "Toxicity timeline: everolimus dose in mg over time (withheld periods shaded) and {n_events} adverse \
             event(s) as bars from onset to resolution, coloured by CTCAE grade, with the action taken."
        ),
    })
}

/// The individual (MAP) everolimus concentration curve from the `pk` answer, with the measured
/// concentrations and the target band (as `netrx pk tdm --svg`).
pub fn pk_curve(case: &Case, pk: &Value) -> Option<Chart> {
    let mp = &pk["map_params"];
    let f = |v: &Value| v.as_f64();
    let p = PkParams {
        cl: LitersPerHour(f(&mp["cl_l_h"])?),
        v1: Liters(f(&mp["v1_l"])?),
        peripheral: match (f(&mp["q_l_h"]), f(&mp["v2_l"])) {
            (Some(q), Some(v2)) => Some(Peripheral {
                q: LitersPerHour(q),
                v2: Liters(v2),
            }),
            _ => None,
        },
        ka: PerHour(f(&mp["ka_per_h"])?),
        f: f(&mp["f"]).unwrap_or(1.0),
        tlag: Hours(0.0),
    };
    let observed: Vec<(f64, f64)> = pk["fit"]
        .as_array()?
        .iter()
        .filter_map(|x| Some((f(&x["time_h"])?, f(&x["observed_ng_ml"])?)))
        .collect();
    let prior = &pk["dosing_record"]["assumed_prior_steady_state"];
    let prior = match (f(&prior["dose_mg"]), f(&prior["interval_h"]), f(&prior["first_dose_h"])) {
        (Some(dose_mg), Some(interval_h), Some(first_dose_h)) => Some(PriorSteadyState {
            dose_mg,
            interval_h,
            first_dose_h,
        }),
        _ => None,
    };
    let last = observed.iter().map(|o| o.0).fold(0.0, f64::max);
    let curve = netrx_clinical::tdm::individual_curve(case, &p, prior, last).ok()??;
    let target = match (f(&pk["target"][0]), f(&pk["target"][1])) {
        (Some(l), Some(h)) => Some([l, h]),
        _ => None,
    };
    let model = pk["model"].as_str().unwrap_or("");
    let title = format!("{}: individual (MAP) everolimus profile — model {model}", case.id);
    let label = target
        .map(|[l, h]| format!("target {l}–{h} ng/mL (not label-endorsed for NET)"))
        .unwrap_or_default();
    let chart = PkChart {
        title: &title,
        times_h: &curve.times_h,
        conc_ng_ml: &curve.conc_ng_ml,
        target,
        target_label: &label,
        observed: &observed,
        y_label: "whole-blood everolimus (ng/mL)",
    };
    Some(Chart {
        svg: concentration_svg(&chart),
        alt: format!(
            "Everolimus whole-blood concentration (ng/mL) over hours since the first recorded dose: the individual \
             model curve, {} measured concentration(s) as points, and the target band.",
            observed.len()
        ),
    })
}

/// The forest plot of an agent's randomised hazard ratios (as `netrx forest`).
pub fn forest(kb: &Kb, agent: &str, endpoint: &str, population: Option<&str>) -> Result<Chart, String> {
    let data = netrx_clinical::compare::forest(
        &netrx_clinical::compare::Evidence::of(kb),
        agent,
        endpoint,
        population,
        false,
    )
    .map_err(|e| e.message)?;
    if data.entries.is_empty() {
        return Err(format!(
            "{} has no randomised hazard ratio with a confidence interval for {}{}.",
            data.agent_name,
            data.endpoint.label(),
            data.population
                .as_ref()
                .map(|p| format!(" in population {p}"))
                .unwrap_or_default()
        ));
    }
    let f = netrx_plot::evidence_forest::chart(&data);
    Ok(Chart {
        alt: format!(
            "Forest plot: {} randomised hazard ratio(s) with 95 % confidence intervals for {} ({}), on a log scale \
             with a line at 1; HR below 1 favours {}.",
            data.entries.len(),
            data.agent_name,
            data.endpoint.label(),
            data.agent_name
        ),
        svg: netrx_plot::forest::forest_svg(&f),
    })
}
