//! `netrx cox`: Cox proportional-hazards regression over a CSV file, with R's
//! numbers (survival 3.5-3 `coxph`, `summary.coxph`, `cox.zph`).

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_stats::cox::{self, CoxData, CoxFit, CoxOptions, Ties};
use netrx_stats::data::{Design, Frame, Rows};
use netrx_stats::zph::{Zph, ZphTransform, cox_zph};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Cox proportional-hazards model (R's coxph): hazard ratios, robust SEs, tests, concordance, PH test.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx cox lung.csv --time time --event status --covariates age,sex,ph.ecog
  netrx cox lung.csv --time time --event status --covariates age,factor(ph.ecog) --zph km
  netrx cox lung.csv --time time --event status --covariates age,ph.ecog --strata sex --json
  netrx cox rossi.csv --time week --event arrest --covariates fin,age,prio --ties breslow --robust

Events coded 0/1, 1/2 (1 = censored, 2 = event, as R's Surv() reads lung$status) or TRUE/FALSE.
Text columns (and numeric ones written factor(col)) become indicator columns; the first level is
the reference, as in R. Rows with a missing value in any used column are dropped (and counted).
Near-tied times are merged as R's aeqSurv() does. --cluster implies --robust (as in R).")]
pub struct Args {
    /// The data file (CSV with a header row), or - for standard input.
    pub data: PathBuf,
    /// Column with the follow-up time.
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator (0/1, 1/2 or TRUE/FALSE).
    #[arg(long)]
    pub event: String,
    /// Covariates, comma-separated; write factor(col) to treat a numeric column as categorical.
    #[arg(long, value_delimiter = ',')]
    pub covariates: Vec<String>,
    /// Stratify the baseline hazard by this column (separate risk sets, common coefficients).
    #[arg(long)]
    pub strata: Option<String>,
    /// Cluster column for robust (sandwich) standard errors; implies --robust.
    #[arg(long)]
    pub cluster: Option<String>,
    /// Case-weight column (finite, > 0).
    #[arg(long)]
    pub weights: Option<String>,
    /// Offset column (added to the linear predictor with coefficient 1).
    #[arg(long)]
    pub offset: Option<String>,
    /// How tied event times are handled (exact: the discrete-time exact partial likelihood;
    /// slow for large risk sets with many ties, no weights or robust SEs, as in R).
    #[arg(long, default_value = "efron", value_parser = ["efron", "breslow", "exact"])]
    pub ties: String,
    /// Robust (sandwich) standard errors, one cluster per row unless --cluster is given.
    #[arg(long)]
    pub robust: bool,
    /// Test proportional hazards (R's cox.zph) with this time transform.
    #[arg(long, value_parser = ["km", "rank", "identity", "log"])]
    pub zph: Option<String>,
    /// Also report the baseline cumulative hazard at every distinct time (R's basehaz(fit,
    /// centered)): centered = at the covariate means used by the fit, uncentered = covariates 0.
    #[arg(long, value_parser = ["centered", "uncentered"])]
    pub basehaz: Option<String>,
    /// Print one JSON object instead of R-like text.
    #[arg(long)]
    pub json: bool,
}

/// The data of an analysis read from a frame: rows, outcome and design.
pub(crate) struct Model {
    pub rows: Rows,
    pub y: netrx_stats::data::Surv,
    pub design: Design,
}

pub(crate) fn load_model(f: &Frame, time: &str, event: &str, covs: &[String], extra: &[&str]) -> CliResult<Model> {
    let mut used: Vec<&str> = vec![time, event];
    used.extend(covs.iter().map(String::as_str));
    used.extend_from_slice(extra);
    if let Some(c) = covs.iter().find(|c| c.trim().is_empty()) {
        return Err(CliError::input(
            "--covariates",
            format!("got an empty name ({c:?}); allowed: column names separated by commas"),
        ));
    }
    let rows = f.complete_rows(&used)?;
    let y = f.surv(time, event, &rows)?;
    let names: Vec<&str> = covs.iter().map(String::as_str).collect();
    let design = f.design(&names, &rows)?;
    Ok(Model { rows, y, design })
}

pub fn run(a: Args) -> CliResult {
    let text = io::read_input("data", &a.data)?;
    let f = Frame::from_csv(&text)?;
    let mut extra: Vec<&str> = Vec::new();
    extra.extend(a.strata.as_deref());
    extra.extend(a.cluster.as_deref());
    extra.extend(a.weights.as_deref());
    extra.extend(a.offset.as_deref());
    let m = load_model(&f, &a.time, &a.event, &a.covariates, &extra)?;
    let strata = a.strata.as_deref().map(|s| f.factor(s, &m.rows)).transpose()?;
    let cluster = a.cluster.as_deref().map(|s| f.factor(s, &m.rows)).transpose()?;
    let weights = a.weights.as_deref().map(|s| f.numeric(s, &m.rows)).transpose()?;
    let offset = a.offset.as_deref().map(|s| f.numeric(s, &m.rows)).transpose()?;
    if let Some(w) = &weights
        && let Some((i, v)) = w.iter().enumerate().find(|(_, v)| !(v.is_finite() && **v > 0.0))
    {
        return Err(CliError::input(
            "--weights",
            format!("row {} of the rows used: got {v}; allowed: finite numbers > 0", i + 1),
        ));
    }
    let d = &m.design;
    let cols: Vec<&[f64]> = (0..d.p).map(|j| d.col(j)).collect();
    let mut data = CoxData::new(&m.y.time, &m.y.event, cols, d.names.clone());
    data.terms = d
        .terms
        .iter()
        .map(|t| cox::Term {
            name: t.name.clone(),
            columns: (t.first_col..t.first_col + t.ncol).collect(),
        })
        .collect();
    data.strata = strata.as_ref().map(|s| s.codes.as_slice());
    data.cluster = cluster.as_ref().map(|s| s.codes.as_slice());
    data.weights = weights.as_deref();
    data.offset = offset.as_deref();
    let opt = CoxOptions {
        ties: match a.ties.as_str() {
            "breslow" => Ties::Breslow,
            "exact" => Ties::Exact,
            _ => Ties::Efron,
        },
        robust: a.robust,
        ..CoxOptions::default()
    };
    let fit = cox::fit(&data, &opt)?;
    let zph = match a.zph.as_deref() {
        Some(t) => Some(cox_zph(&data, &fit, ZphTransform::parse(t)?)?),
        None => None,
    };
    let basehaz = a
        .basehaz
        .as_deref()
        .filter(|_| fit.nevent > 0)
        .map(|c| (c == "centered", cox::baseline_hazard(&data, &fit, c == "centered")));
    let ctx = Context {
        a: &a,
        m: &m,
        nstrata: strata.as_ref().map(|s| s.nlevels()),
        nclusters: cluster.as_ref().map(|s| s.nlevels()),
    };
    let strata_label = |k: u32| strata.as_ref().map(|s| s.label(k as usize));
    if a.json {
        let mut v = to_json(&ctx, &fit, zph.as_ref());
        if let Some((centered, bh)) = &basehaz {
            let rows: Vec<Value> = (0..bh.time.len())
                .map(|i| json!({ "stratum": strata_label(bh.stratum[i]), "time": bh.time[i], "hazard": bh.hazard[i] }))
                .collect();
            v["baseline_hazard"] = json!({ "centered": centered, "rows": rows });
        }
        io::print_json(&v)
    } else {
        let mut s = render(&ctx, &fit, zph.as_ref());
        if let Some((centered, bh)) = &basehaz {
            s.push_str(&format!(
                "\n\nBaseline cumulative hazard (basehaz, centered = {})\n",
                if *centered { "TRUE" } else { "FALSE" }
            ));
            let body: Vec<Vec<String>> = (0..bh.time.len())
                .map(|i| {
                    let mut r = vec![String::new(), sig(bh.hazard[i], 8), sig(bh.time[i], 10)];
                    if let Some(l) = strata_label(bh.stratum[i]) {
                        r.push(l);
                    }
                    r
                })
                .collect();
            let mut header = vec!["", "hazard", "time"];
            if strata.is_some() {
                header.push("strata");
            }
            s.push_str(table(&header, &body).trim_end());
        }
        io::print_text(&s)
    }
}

struct Context<'a> {
    a: &'a Args,
    m: &'a Model,
    nstrata: Option<usize>,
    nclusters: Option<usize>,
}

fn num(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

fn test_json(t: &cox::ChiSqTest) -> Value {
    json!({ "statistic": num(Some(t.statistic)), "df": t.df, "p": num(Some(t.p)) })
}

pub(crate) fn references(d: &Design) -> Vec<Value> {
    d.terms
        .iter()
        .filter_map(|t| {
            t.reference
                .as_ref()
                .map(|r| json!({ "term": t.name, "reference": r, "levels": t.levels }))
        })
        .collect()
}

fn to_json(c: &Context, fit: &CoxFit, zph: Option<&Zph>) -> Value {
    let coefs: Vec<Value> = fit
        .table()
        .iter()
        .map(|r| {
            json!({
                "name": r.name, "coef": num(r.coef), "exp_coef": num(r.exp_coef), "se": num(r.se),
                "robust_se": num(r.robust_se), "z": num(r.z), "p": num(r.p),
                "lower95": num(r.lower95), "upper95": num(r.upper95),
            })
        })
        .collect();
    let conc = fit.concordance;
    json!({
        "n": fit.n,
        "events": fit.nevent,
        "dropped_missing": c.m.rows.dropped,
        "event_coding": c.m.y.coding.describe(),
        "ties": fit.ties.as_str(),
        "strata": c.a.strata, "n_strata": c.nstrata,
        "cluster": c.a.cluster, "n_clusters": c.nclusters,
        "robust": fit.robust_var.is_some(),
        "coefficients": coefs,
        "factor_references": references(&c.m.design),
        "loglik_null": num(Some(fit.loglik_null)),
        "loglik": num(Some(fit.loglik)),
        "lr_test": test_json(&fit.lr_test),
        "wald_test": test_json(&fit.wald_test),
        "score_test": test_json(&fit.score_test),
        "robust_score_test": fit.robust_score_test.as_ref().map(test_json),
        "concordance": num(conc.map(|c| c.concordance)),
        "concordance_se": num(conc.map(|c| c.std_err)),
        "concordance_pairs": conc.map(|c| json!({
            "concordant": c.concordant, "discordant": c.discordant, "tied_x": c.tied_x,
            "tied_y": c.tied_y, "tied_xy": c.tied_xy })),
        "zph": zph,
        "iterations": fit.iter,
        "converged": fit.converged,
        "warnings": fit.warnings,
        "method": "R survival 3.5-3 coxph/summary.coxph/cox.zph semantics (timefix on)",
    })
}

/// R-like significant-digit formatting of one number.
pub(crate) fn sig(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "NA".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs().log10().floor() as i32;
    if !(-5..15).contains(&mag) {
        let s = format!("{:.*e}", digits.saturating_sub(1), x);
        return r_exp(&s);
    }
    let dec = (digits as i32 - 1 - mag).max(0) as usize;
    let s = format!("{x:.dec$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Rust's `1.5e-7` → R's `1.5e-07`.
fn r_exp(s: &str) -> String {
    match s.split_once('e') {
        Some((m, e)) => {
            let (sign, digits) = if let Some(d) = e.strip_prefix('-') {
                ("-", d)
            } else {
                ("+", e)
            };
            let m = if m.contains('.') {
                m.trim_end_matches('0').trim_end_matches('.')
            } else {
                m
            };
            format!("{m}e{sign}{digits:0>2}")
        }
        None => s.to_string(),
    }
}

/// R's `format(round(x, d))`: round to `d` decimals, drop trailing zeros.
pub(crate) fn round(x: f64, d: usize) -> String {
    if !x.is_finite() {
        return sig(x, 1);
    }
    let s = format!("{x:.d$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A p-value to 3 significant digits, in R's e-notation below 1e-4.
pub(crate) fn p3(p: f64) -> String {
    if p.is_finite() && p > 0.0 && p < 1e-4 {
        r_exp(&format!("{:.2e}", p))
    } else {
        sig(p, 3)
    }
}

/// R's `format.pval` with 5 significant digits.
pub(crate) fn pval(p: f64) -> String {
    if p.is_nan() {
        "NA".into()
    } else if p < 2.22e-16 {
        "< 2e-16".into()
    } else if p < 1e-4 {
        r_exp(&format!("{:.4e}", p))
    } else {
        sig(p, 5)
    }
}

/// A right-aligned table: header row then rows; the first column left-aligned.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let ncol = header.len();
    let mut w = vec![0usize; ncol];
    for (j, h) in header.iter().enumerate() {
        w[j] = h.chars().count();
    }
    for r in rows {
        for (j, c) in r.iter().enumerate() {
            w[j] = w[j].max(c.chars().count());
        }
    }
    let mut s = String::new();
    let line = |cells: Vec<&str>| -> String {
        let mut l = String::new();
        for (j, c) in cells.iter().enumerate() {
            if j == 0 {
                l.push_str(&format!("{c:<width$}", width = w[0]));
            } else {
                l.push_str(&format!(" {c:>width$}", width = w[j]));
            }
        }
        l.trim_end().to_string()
    };
    s.push_str(&line(header.to_vec()));
    s.push('\n');
    for r in rows {
        s.push_str(&line(r.iter().map(String::as_str).collect()));
        s.push('\n');
    }
    s
}

fn render(c: &Context, fit: &CoxFit, zph: Option<&Zph>) -> String {
    let a = c.a;
    let mut s = String::new();
    let mut rhs: Vec<String> = a.covariates.clone();
    if let Some(st) = &a.strata {
        rhs.push(format!("strata({st})"));
    }
    if let Some(o) = &a.offset {
        rhs.push(format!("offset({o})"));
    }
    if rhs.is_empty() {
        rhs.push("1".into());
    }
    let mut opts = format!("ties = \"{}\"", fit.ties.as_str());
    if let Some(w) = &a.weights {
        opts.push_str(&format!(", weights = {w}"));
    }
    if let Some(cl) = &a.cluster {
        opts.push_str(&format!(", cluster = {cl}"));
    } else if a.robust {
        opts.push_str(", robust = TRUE");
    }
    s.push_str(&format!(
        "Call:\ncoxph(Surv({}, {}) ~ {}, {opts})\n\n",
        a.time,
        a.event,
        rhs.join(" + ")
    ));
    s.push_str(&format!("  n= {}, number of events= {} \n", fit.n, fit.nevent));
    if c.m.rows.dropped > 0 {
        let k = c.m.rows.dropped;
        s.push_str(&format!(
            "   ({k} observation{} deleted due to missingness)\n",
            if k == 1 { "" } else { "s" }
        ));
    }
    s.push_str(&format!("  event coding: {}\n", c.m.y.coding.describe()));
    for t in &c.m.design.terms {
        if let Some(r) = &t.reference {
            s.push_str(&format!("  {}: reference level {r}\n", t.name));
        }
    }
    s.push('\n');
    if fit.p() == 0 {
        s.push_str(&format!("Null model\n  log likelihood= {}\n", sig(fit.loglik, 7)));
        return finish(s, fit);
    }
    let rows = fit.table();
    let robust = fit.robust_var.is_some();
    let mut header = vec!["", "coef", "exp(coef)", "se(coef)"];
    if robust {
        header.push("robust se");
    }
    header.extend(["z", "Pr(>|z|)"]);
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let f = |v: Option<f64>| v.map(|x| sig(x, 7)).unwrap_or_else(|| "NA".into());
            let mut v = vec![r.name.clone(), f(r.coef), f(r.exp_coef), f(r.se)];
            if robust {
                v.push(f(r.robust_se));
            }
            v.push(r.z.map(|x| sig(x, 6)).unwrap_or_else(|| "NA".into()));
            v.push(r.p.map(pval).unwrap_or_else(|| "NA".into()));
            v
        })
        .collect();
    s.push_str(&table(&header, &body));
    s.push('\n');
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let f = |v: Option<f64>| v.map(|x| sig(x, 7)).unwrap_or_else(|| "NA".into());
            vec![
                r.name.clone(),
                f(r.exp_coef),
                f(r.coef.map(|b| (-b).exp())),
                f(r.lower95),
                f(r.upper95),
            ]
        })
        .collect();
    s.push_str(&table(
        &["", "exp(coef)", "exp(-coef)", "lower .95", "upper .95"],
        &body,
    ));
    s.push('\n');
    if let Some(cc) = fit.concordance {
        s.push_str(&format!(
            "Concordance= {}  (se = {} )\n",
            round(cc.concordance, 3),
            round(cc.std_err, 3)
        ));
    }
    let t =
        |name: &str, x: &cox::ChiSqTest| format!("{name}= {}  on {} df,   p={}", round(x.statistic, 2), x.df, p3(x.p));
    s.push_str(&t("Likelihood ratio test", &fit.lr_test));
    s.push('\n');
    s.push_str(&t("Wald test            ", &fit.wald_test));
    s.push('\n');
    s.push_str(&t("Score (logrank) test ", &fit.score_test));
    if let Some(rs) = &fit.robust_score_test {
        s.push_str(&format!(",   Robust = {}  p={}", round(rs.statistic, 2), p3(rs.p)));
    }
    s.push('\n');
    if robust {
        s.push_str(
            "\n  (Note: the likelihood ratio and score tests assume independence of\n     observations within a cluster, the Wald and robust score tests do not).\n",
        );
    }
    s.push_str(&format!("iterations: {}\n", fit.iter));
    if let Some(z) = zph {
        s.push_str(&format!(
            "\ncox.zph (proportional hazards), transform = {}\n",
            z.transform
        ));
        let body: Vec<Vec<String>> = z
            .table
            .iter()
            .map(|r| vec![r.term.clone(), sig(r.chisq, 6), r.df.to_string(), pval(r.p)])
            .collect();
        s.push_str(&table(&["", "chisq", "df", "p"], &body));
    }
    finish(s, fit)
}

fn finish(mut s: String, fit: &CoxFit) -> String {
    for w in &fit.warnings {
        s.push_str(&format!("Warning: {w}\n"));
    }
    s.trim_end().to_string()
}
