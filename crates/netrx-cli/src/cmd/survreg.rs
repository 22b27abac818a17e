//! `netrx survreg`: parametric survival regression over a CSV file — the AFT
//! models of R's `survreg` (Weibull, exponential, log-normal, log-logistic) with
//! R's parameterisation and numbers, plus Gompertz (flexsurv parameterisation).

use crate::cmd::cox::{load_model, p3, pval, references, sig, table};
use crate::error::CliResult;
use crate::io;
use netrx_stats::data::Frame;
use netrx_stats::survreg::{Dist, SurvregFit, SurvregOptions, survreg};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Parametric survival model (R's survreg; Gompertz as flexsurv): coefficients, scale, log-likelihood, median, RMST.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx survreg lung.csv --time time --event status --covariates age,sex --dist weibull
  netrx survreg lung.csv --time time --event status --dist lognormal --rmst 365 --json
  netrx survreg lung.csv --time time --event status --covariates age,sex --dist gompertz

AFT models (weibull, exponential, lognormal, loglogistic) are parameterised as R's survreg:
log T = Xb + scale*W, with (Intercept), covariates and Log(scale). Gompertz uses flexsurv's
parameterisation: hazard rate*exp(shape*t), covariates on log(rate) (coefficients are log hazard
ratios), shape any real number (negative: a fraction never fails). The median and restricted
mean are predictions at the covariate means. Times must be > 0.")]
pub struct Args {
    /// The data file (CSV with a header row), or - for standard input.
    pub data: PathBuf,
    /// Column with the follow-up time (> 0).
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator (0/1, 1/2 or TRUE/FALSE).
    #[arg(long)]
    pub event: String,
    /// Covariates, comma-separated; write factor(col) to treat a numeric column as categorical.
    #[arg(long, value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Distribution.
    #[arg(long, default_value = "weibull", value_parser = ["weibull", "exponential", "lognormal", "loglogistic", "gompertz"])]
    pub dist: String,
    /// Case-weight column (finite, > 0).
    #[arg(long)]
    pub weights: Option<String>,
    /// Also report the restricted mean survival up to this time (at the covariate means).
    #[arg(long, allow_hyphen_values = true)]
    pub rmst: Option<f64>,
    /// Print one JSON object instead of R-like text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let text = io::read_input("data", &a.data)?;
    let f = Frame::from_csv(&text)?;
    let extra: Vec<&str> = a.weights.as_deref().into_iter().collect();
    let m = load_model(&f, &a.time, &a.event, &a.covariates, &extra)?;
    let weights = a.weights.as_deref().map(|s| f.numeric(s, &m.rows)).transpose()?;
    if let Some(t) = a.rmst
        && !(t.is_finite() && t > 0.0)
    {
        return Err(crate::error::CliError::input(
            "--rmst",
            format!("got {t}; allowed: a time > 0"),
        ));
    }
    let d = Dist::parse(&a.dist)?;
    let cols: Vec<&[f64]> = (0..m.design.p).map(|j| m.design.col(j)).collect();
    let fit = survreg(
        &m.y.time,
        &m.y.event,
        &cols,
        &m.design.names,
        weights.as_deref(),
        d,
        &SurvregOptions::default(),
    )
    .map_err(|e| {
        if e.field == "time" {
            netrx_case::InputError::new(format!("column {}", a.time), e.message)
        } else {
            e
        }
    })?;
    let at = fit.means.clone();
    let median = fit.quantile(&at, 0.5);
    let rmst = a.rmst.map(|t| fit.restricted_mean(&at, t));
    if a.json {
        let se = fit.se();
        let coefs: Vec<Value> = fit
            .names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                if fit.singular[i] {
                    return json!({ "name": n, "value": null, "se": null, "z": null, "p": null });
                }
                let z = fit.estimate[i] / se[i];
                json!({ "name": n, "value": fit.estimate[i], "se": fin(se[i]), "z": fin(z),
                        "p": fin(netrx_stats::dist::p_two_sided(z)) })
            })
            .collect();
        let (lr, df, p) = fit.lr_test();
        let v = json!({
            "dist": d.as_str(),
            "coefficients": coefs,
            "scale": fin(fit.scale),
            "loglik": fit.loglik,
            "loglik_null": fit.loglik_null,
            "lr_test": { "statistic": lr, "df": df, "p": fin(p) },
            "n": fit.n, "events": fit.nevent, "dropped_missing": m.rows.dropped,
            "event_coding": m.y.coding.describe(),
            "factor_references": references(&m.design),
            "iterations": fit.iter, "converged": fit.converged,
            "prediction_at": m.design.names.iter().zip(&at).map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
            "median": median.and_then(|x| fin(x).as_f64()),
            "rmst": rmst.map(|r| json!({ "tau": a.rmst, "value": r })),
            "parameterisation": parameterisation(d),
            "warnings": fit.warnings,
        });
        io::print_json(&v)
    } else {
        io::print_text(&render(&a, &fit, &m, median, rmst))
    }
}

fn fin(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

fn parameterisation(d: Dist) -> &'static str {
    match d {
        Dist::Gompertz => {
            "flexsurv Gompertz: h(t) = rate*exp(shape*t), S(t) = exp(-(rate/shape)*(exp(shape*t)-1)); log(rate) = (Intercept) + covariates"
        }
        _ => "R survreg AFT: log(T) = (Intercept) + covariates + scale*W",
    }
}

fn render(a: &Args, fit: &SurvregFit, m: &crate::cmd::cox::Model, median: Option<f64>, rmst: Option<f64>) -> String {
    let mut s = String::new();
    let rhs = if a.covariates.is_empty() {
        "1".to_string()
    } else {
        a.covariates.join(" + ")
    };
    s.push_str(&format!(
        "Call:\nsurvreg(Surv({}, {}) ~ {rhs}, dist = \"{}\")\n",
        a.time,
        a.event,
        fit.dist.as_str()
    ));
    let se = fit.se();
    let body: Vec<Vec<String>> = fit
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            if fit.singular[i] {
                return vec![n.clone(), "NA".into(), "NA".into(), "NA".into(), "NA".into()];
            }
            let z = fit.estimate[i] / se[i];
            vec![
                n.clone(),
                sig(fit.estimate[i], 8),
                sig(se[i], 7),
                sig(z, 6),
                pval(netrx_stats::dist::p_two_sided(z)),
            ]
        })
        .collect();
    s.push_str(&table(&["", "Value", "Std. Error", "z", "p"], &body));
    s.push('\n');
    match fit.dist {
        Dist::Exponential => s.push_str("Scale fixed at 1 \n\n"),
        Dist::Gompertz => {}
        _ => s.push_str(&format!("Scale= {} \n\n", sig(fit.scale, 6))),
    }
    s.push_str(&format!("{} distribution\n", fit.dist.title()));
    s.push_str(&format!(
        "Loglik(model)= {}   Loglik(intercept only)= {}\n",
        sig(fit.loglik, 5),
        sig(fit.loglik_null, 5)
    ));
    if fit.ncov > 0 {
        let (lr, df, p) = fit.lr_test();
        s.push_str(&format!(
            "\tChisq= {} on {df} degrees of freedom, p= {} \n",
            sig(lr, 4),
            p3(p)
        ));
    }
    s.push_str(&format!("Number of Newton-Raphson Iterations: {} \n", fit.iter));
    s.push_str(&format!("n= {} ", fit.n));
    if m.rows.dropped > 0 {
        s.push_str(&format!("({} observations deleted due to missingness)", m.rows.dropped));
    }
    s.push_str(&format!("\nevent coding: {}\n", m.y.coding.describe()));
    for t in &m.design.terms {
        if let Some(r) = &t.reference {
            s.push_str(&format!("{}: reference level {r}\n", t.name));
        }
    }
    s.push_str(&format!("parameterisation: {}\n", parameterisation(fit.dist)));
    let at = if fit.ncov == 0 {
        String::new()
    } else {
        " at the covariate means".to_string()
    };
    s.push_str(&format!(
        "\nMedian survival{at}: {}\n",
        median
            .map(|x| sig(x, 6))
            .unwrap_or_else(|| "not reached (plateau)".into())
    ));
    if let (Some(r), Some(t)) = (rmst, a.rmst) {
        s.push_str(&format!(
            "Restricted mean survival to {}{at}: {}\n",
            sig(t, 6),
            sig(r, 6)
        ));
    }
    for w in &fit.warnings {
        s.push_str(&format!("Warning: {w}\n"));
    }
    s.trim_end().to_string()
}
