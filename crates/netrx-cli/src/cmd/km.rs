//! `netrx km`: Kaplan–Meier estimates over a CSV file, with R's numbers
//! (survival 3.5-3 `survfit`, `summary.survfit`, `print.survfit(rmean = τ)`), and the
//! publication-style KM chart.

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_stats::data::{Factor, Frame, Rows, Surv};
use netrx_stats::km::{ConfType, KmOptions, SummaryRow, survfit_groups};
use netrx_stats::logrank::{SurvdiffOptions, survdiff};
use netrx_stats::rmst::rmst;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Kaplan–Meier survival curves (R's survfit): medians with CIs, survival at chosen times, RMST, KM chart.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx km lung.csv --time time --event status
  netrx km lung.csv --time time --event status --group sex --times 180,365,730 --rmst 365
  netrx km lung.csv --time time --event status --group sex --conf-type log-log --json
  netrx km lung.csv --time time --event status --group sex --svg km.svg --x-label 'Days'

Events coded 0/1, 1/2 (1 = censored, 2 = event, as R's Surv() reads lung$status) or TRUE/FALSE.
Rows with a missing value in a used column are dropped, and the count is shown. Confidence
limits are 'log' by default, as in R (lifelines, SAS and Stata default to log-log). Medians use
R's midpoint rule; their CIs come from the pointwise bands, so they depend on --conf-type.
Near-tied times (within 1.5e-8) are merged as R's timefix does, unless --no-timefix.
std_err in the table is the standard error of S(t), as R's summary() prints it.")]
pub struct Args {
    /// The data file (CSV with a header row), or - for standard input.
    pub data: PathBuf,
    /// Column with the follow-up time.
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator (0/1, 1/2 or TRUE/FALSE).
    #[arg(long)]
    pub event: String,
    /// One curve per level of this column.
    #[arg(long)]
    pub group: Option<String>,
    /// Also split by this column (curves per group × stratum, as survfit(~ group + strata(s))).
    #[arg(long)]
    pub strata: Option<String>,
    /// Pointwise confidence-interval transform.
    #[arg(long, default_value = "log", value_parser = ConfType::CHOICES)]
    pub conf_type: String,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95, allow_negative_numbers = true)]
    pub conf_level: f64,
    /// Times for the survival table (comma-separated); default: every event time.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub times: Vec<f64>,
    /// Restricted mean survival time up to this horizon.
    #[arg(long, allow_negative_numbers = true)]
    pub rmst: Option<f64>,
    /// Quantiles to report besides the median (fractions with the event, e.g. 0.25,0.75).
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true)]
    pub quantiles: Vec<f64>,
    /// Keep near-tied floating-point times apart (R: timefix = FALSE).
    #[arg(long)]
    pub no_timefix: bool,
    /// Write the KM chart (curves, CI bands, censoring ticks, numbers at risk) to this SVG file.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// X-axis label of the chart (default: the time column's name).
    #[arg(long)]
    pub x_label: Option<String>,
    /// Title of the chart.
    #[arg(long)]
    pub title: Option<String>,
    /// Print one JSON object instead of R-like text.
    #[arg(long)]
    pub json: bool,
}

/// The rows, outcome and grouping of a survival analysis read from a CSV file.
pub(crate) struct Loaded {
    pub frame: Frame,
    pub rows: Rows,
    pub y: Surv,
}

/// Read the file, drop rows with a missing value in any used column, read Surv(time, event).
pub(crate) fn load(path: &std::path::Path, time: &str, event: &str, more: &[&str]) -> CliResult<Loaded> {
    let text = io::read_input("data", path)?;
    let frame = Frame::from_csv(&text)?;
    let mut used = vec![time, event];
    used.extend_from_slice(more);
    let rows = frame.complete_rows(&used)?;
    let y = frame.surv(time, event, &rows)?;
    Ok(Loaded { frame, rows, y })
}

/// "n=227, 1 observation deleted due to missingness." as R prints it, or nothing.
pub(crate) fn missing_note(rows: &Rows) -> Option<String> {
    (rows.dropped > 0).then(|| {
        format!(
            "n={}, {} observation{} deleted due to missingness.",
            rows.len(),
            rows.dropped,
            if rows.dropped == 1 { "" } else { "s" }
        )
    })
}

/// A number as R prints it in tables: NA, Inf, integers plain, else 7 significant digits.
pub(crate) fn num(v: f64) -> String {
    sig(v, 7)
}

/// A number with `digits` significant digits (trailing zeros trimmed), NA for NaN.
pub(crate) fn sig(v: f64, digits: usize) -> String {
    if v.is_nan() {
        return "NA".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Inf".into() } else { "-Inf".into() };
    }
    if v == v.round() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let mag = v.abs().log10().floor() as i32;
    if !(-5..15).contains(&mag) {
        return format!("{:.*e}", digits.saturating_sub(1), v);
    }
    let decimals = (digits as i32 - 1 - mag).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A p-value as R's format.pval prints it (4 significant digits, "< 2.2e-16" below machine eps).
pub(crate) fn pval(p: f64) -> String {
    if p.is_nan() {
        "NA".into()
    } else if p < 2.220446e-16 {
        "< 2.2e-16".into()
    } else if p < 1e-4 {
        // R: 6.643e-05 (two-digit exponent)
        let e = p.log10().floor() as i32;
        let m = p / 10f64.powi(e);
        let (m, e) = if format!("{m:.3}") == "10.000" {
            (1.0, e + 1)
        } else {
            (m, e)
        };
        format!("{m:.3}e-{:02}", -e)
    } else {
        sig(p, 4)
    }
}

/// Right-aligned table: first column left-aligned (row names), others right-aligned.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let ncol = header.len();
    let mut w = vec![0usize; ncol];
    for (j, h) in header.iter().enumerate() {
        w[j] = h.chars().count();
    }
    for r in rows {
        for (j, cell) in r.iter().enumerate() {
            w[j] = w[j].max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::new();
        for (j, cell) in cells.iter().enumerate() {
            let pad = w[j] - cell.chars().count();
            if j == 0 {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push(' ');
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
        }
        s.trim_end().to_string()
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push('\n');
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

/// The grouping of the curves: group, strata, both (crossed), or one curve.
fn curve_factor(l: &Loaded, group: Option<&str>, strata: Option<&str>) -> CliResult<Factor> {
    let mut fs = Vec::new();
    if let Some(g) = group {
        fs.push(l.frame.factor(g, &l.rows)?);
    }
    if let Some(s) = strata {
        fs.push(l.frame.factor(s, &l.rows)?);
    }
    let refs: Vec<&Factor> = fs.iter().collect();
    Ok(match Factor::cross(&refs) {
        Some(f) if fs.len() > 1 => f,
        Some(f) => Factor {
            levels: (0..f.nlevels()).map(|k| f.label(k)).collect(),
            name: String::new(),
            codes: f.codes,
        },
        None => Factor::single("", "all", l.rows.len()),
    })
}

fn row_json(r: &SummaryRow) -> Value {
    json!({
        "time": r.time, "n_risk": r.n_risk, "n_event": r.n_event, "n_censor": r.n_censor,
        "surv": r.surv, "std_err": r.std_err, "lower": r.lower, "upper": r.upper,
    })
}

pub fn run(a: Args) -> CliResult {
    let conf_type = ConfType::parse(&a.conf_type).map_err(|e| CliError::input("--conf-type", e.message))?;
    if !(a.conf_level > 0.0 && a.conf_level < 1.0) {
        return Err(CliError::input(
            "--conf-level",
            format!(
                "got {}; allowed: a level strictly between 0 and 1, e.g. 0.95",
                a.conf_level
            ),
        ));
    }
    if let Some(t) = a.times.iter().find(|t| !(t.is_finite() && **t >= 0.0)) {
        return Err(CliError::input(
            "--times",
            format!("got {t}; allowed: finite times ≥ 0, comma-separated"),
        ));
    }
    if let Some(tau) = a.rmst.filter(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(CliError::input(
            "--rmst",
            format!("got {tau}; allowed: a horizon τ > 0"),
        ));
    }
    if let Some(p) = a.quantiles.iter().find(|p| !(**p > 0.0 && **p < 1.0)) {
        return Err(CliError::input(
            "--quantiles",
            format!("got {p}; allowed: fractions strictly between 0 and 1, e.g. 0.25,0.75"),
        ));
    }
    let mut more: Vec<&str> = Vec::new();
    more.extend(a.group.as_deref());
    more.extend(a.strata.as_deref());
    let l = load(&a.data, &a.time, &a.event, &more)?;
    let opts = KmOptions {
        conf_type,
        conf_level: a.conf_level,
        timefix: !a.no_timefix,
    };
    let fac = curve_factor(&l, a.group.as_deref(), a.strata.as_deref())?;
    let curves = survfit_groups(&l.y.time, &l.y.event, &fac.codes, &fac.levels, &opts)?;

    let mut notes: Vec<String> = Vec::new();
    for c in curves.iter().filter(|c| c.events == 0) {
        notes.push(format!(
            "{}: no events; the curve stays at 1 and the median is not reached",
            if c.label.is_empty() { "all" } else { &c.label }
        ));
    }
    let mut quant_probs = vec![];
    for &p in &a.quantiles {
        if !quant_probs.contains(&p) {
            quant_probs.push(p);
        }
    }

    // log-rank p-value for the chart and the text output when there is a group to compare
    let test = match &a.group {
        Some(g) if curves.len() > 1 => {
            let gf = l.frame.factor(g, &l.rows)?;
            let labels: Vec<String> = (0..gf.nlevels()).map(|k| gf.label(k)).collect();
            let st = match &a.strata {
                Some(s) => Some(l.frame.factor(s, &l.rows)?.codes),
                None => None,
            };
            survdiff(
                &l.y.time,
                &l.y.event,
                &gf.codes,
                &labels,
                st.as_deref(),
                &SurvdiffOptions {
                    rho: 0.0,
                    timefix: opts.timefix,
                },
            )
            .ok()
            .filter(|s| s.df > 0)
        }
        _ => None,
    };

    let mut beyond_all: Vec<f64> = Vec::new();
    let mut groups_json = Vec::new();
    let mut text_tables = Vec::new();
    let mut rmst_rows = Vec::new();
    let mut quant_rows = Vec::new();
    let mut summary_rows = Vec::new();
    for c in &curves {
        let label = if c.label.is_empty() {
            "all".to_string()
        } else {
            c.label.clone()
        };
        let m = c.median();
        let r = a.rmst.map(|tau| rmst(c, tau)).transpose()?;
        let (rows, beyond) = if a.times.is_empty() {
            (c.summary_events(), Vec::new())
        } else {
            c.summary_at(&a.times)
        };
        for b in beyond {
            if !beyond_all.contains(&b) {
                beyond_all.push(b);
            }
        }
        let qs = c.quantiles(&quant_probs)?;
        groups_json.push(json!({
            "group": label,
            "n": c.n,
            "events": c.events,
            "median": m.time,
            "median_lcl": m.lower,
            "median_ucl": m.upper,
            "rmst": r.map(|r| r.rmst),
            "rmst_se": r.map(|r| r.se),
            "rmst_tau": a.rmst,
            "rmst_extrapolated": r.map(|r| r.extrapolated),
            "quantiles": qs.iter().map(|q| json!({"p": q.p, "time": q.time, "lower": q.lower, "upper": q.upper})).collect::<Vec<_>>(),
            "table": rows.iter().map(row_json).collect::<Vec<_>>(),
        }));
        text_tables.push(vec![
            label.clone(),
            c.n.to_string(),
            c.events.to_string(),
            num(m.time),
            num(m.lower),
            num(m.upper),
        ]);
        if let Some(r) = r {
            rmst_rows.push(vec![label.clone(), sig(r.rmst, 7), sig(r.se, 7)]);
        }
        for q in &qs {
            quant_rows.push(vec![
                label.clone(),
                sig(q.p * 100.0, 4),
                num(q.time),
                num(q.lower),
                num(q.upper),
            ]);
        }
        summary_rows.push((label, rows));
    }
    beyond_all.sort_by(f64::total_cmp);
    if !beyond_all.is_empty() {
        notes.push(format!(
            "times after the last follow-up time of a curve are left out of its table (as R's summary(extend = FALSE)): {}",
            beyond_all.iter().map(|t| num(*t)).collect::<Vec<_>>().join(", ")
        ));
    }
    if let Some(tau) = a.rmst
        && curves.iter().any(|c| c.time.last().is_some_and(|&t| tau > t))
    {
        notes.push(format!(
            "RMST horizon {} is beyond the last follow-up time of at least one curve; its last survival value is carried forward to τ (R's print.survfit convention; survRM2 would refuse)",
            num(tau)
        ));
    }

    // two curves and a horizon: the difference in RMST (second minus first), normal CI (survRM2-style)
    let rmst_diff = match (a.rmst, curves.as_slice()) {
        (Some(tau), [c1, c2]) => {
            let (r1, r2) = (rmst(c1, tau)?, rmst(c2, tau)?);
            Some((
                c1.label.clone(),
                c2.label.clone(),
                netrx_stats::rmst::difference(&r1, &r2, a.conf_level),
            ))
        }
        _ => None,
    };

    if let Some(path) = &a.svg {
        let series: Vec<netrx_plot::km::KmSeries> = curves
            .iter()
            .map(|c| netrx_plot::km::KmSeries {
                label: if c.label.is_empty() { "all" } else { &c.label },
                time: &c.time,
                n_risk: &c.n_risk,
                n_censor: &c.n_censor,
                surv: &c.surv,
                lower: &c.lower,
                upper: &c.upper,
            })
            .collect();
        let annotation = test.as_ref().map(|t| {
            format!(
                "Log-rank{} p = {}",
                if a.strata.is_some() { " (stratified)" } else { "" },
                pval(t.p)
            )
        });
        let band = format!("{}% CI ({})", sig(a.conf_level * 100.0, 4), conf_type.as_str());
        let plot = netrx_plot::km::KmPlot {
            title: a.title.as_deref(),
            x_label: a.x_label.as_deref().unwrap_or(&a.time),
            y_label: "Survival probability",
            series,
            conf_band: true,
            band_label: &band,
            annotation: annotation.as_deref(),
            x_max: None,
        };
        io::write_output(path, &netrx_plot::km::km_svg(&plot))?;
    }

    if a.json {
        let out = json!({
            "groups": groups_json,
            "conf_type": conf_type.as_str(),
            "conf_level": a.conf_level,
            "timefix": opts.timefix,
            "event_coding": l.y.coding.describe(),
            "n": l.rows.len(),
            "n_dropped_missing": l.rows.dropped,
            "logrank": test.as_ref().map(|t| json!({"chisq": t.chisq, "df": t.df, "p": t.p, "stratified": a.strata.is_some()})),
            "rmst_difference": rmst_diff.as_ref().map(|(la, lb, d)| json!({
                "contrast": format!("{lb} minus {la}"), "estimate": d.estimate, "se": d.se,
                "lower": d.lower, "upper": d.upper, "p": d.p, "conf_level": a.conf_level,
            })),
            "notes": notes,
        });
        return io::print_json(&out);
    }

    let mut s = String::new();
    let rhs = match (&a.group, &a.strata) {
        (Some(g), Some(st)) => format!("{g} + strata({st})"),
        (Some(g), None) => g.clone(),
        (None, Some(st)) => format!("strata({st})"),
        (None, None) => "1".into(),
    };
    s.push_str(&format!(
        "Kaplan-Meier: Surv({}, {}) ~ {rhs}   (conf.type = {}, {}% CI; R survival 3.5-3 conventions)\n",
        a.time,
        a.event,
        conf_type.as_str(),
        sig(a.conf_level * 100.0, 4)
    ));
    s.push_str(&format!("Event coding: {}\n", l.y.coding.describe()));
    if let Some(n) = missing_note(&l.rows) {
        s.push_str(&n);
        s.push('\n');
    }
    let lvl = sig(a.conf_level, 4);
    let lcl = format!("{lvl}LCL");
    let ucl = format!("{lvl}UCL");
    s.push('\n');
    s.push_str(&table(&["", "n", "events", "median", &lcl, &ucl], &text_tables));
    s.push('\n');
    if !quant_rows.is_empty() {
        s.push_str("\nQuantiles (time by which a fraction p has had the event; R's quantile.survfit):\n");
        s.push_str(&table(&["", "p(%)", "time", "lower", "upper"], &quant_rows));
        s.push('\n');
    }
    if let Some(tau) = a.rmst {
        s.push_str(&format!(
            "\nRestricted mean survival time, upper limit = {}:\n",
            num(tau)
        ));
        s.push_str(&table(&["", "rmean", "se(rmean)"], &rmst_rows));
        s.push('\n');
    }
    if let Some((la, lb, d)) = &rmst_diff {
        s.push_str(&format!(
            "Difference ({lb} minus {la}): {} (SE {}), {}% CI {} to {}, p = {}\n",
            sig(d.estimate, 6),
            sig(d.se, 6),
            sig(a.conf_level * 100.0, 4),
            sig(d.lower, 6),
            sig(d.upper, 6),
            pval(d.p)
        ));
    }
    if let Some(t) = &test {
        s.push_str(&format!(
            "\nLog-rank test{}: Chisq = {} on {} df, p = {}\n",
            if a.strata.is_some() { " (stratified)" } else { "" },
            sig(t.chisq, 6),
            t.df,
            pval(t.p)
        ));
    }
    let pct = sig(a.conf_level * 100.0, 4);
    let lo_h = format!("lower {pct}% CI");
    let hi_h = format!("upper {pct}% CI");
    for (label, rows) in &summary_rows {
        s.push('\n');
        if curves.len() > 1 || label != "all" {
            s.push_str(&format!("                {label}\n"));
        }
        let body: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    String::new(),
                    num(r.time),
                    r.n_risk.to_string(),
                    r.n_event.to_string(),
                    sig(r.surv, 6),
                    sig(r.std_err, 6),
                    sig(r.lower, 6),
                    sig(r.upper, 6),
                ]
            })
            .collect();
        s.push_str(&table(
            &["", "time", "n.risk", "n.event", "survival", "std.err", &lo_h, &hi_h],
            &body,
        ));
        s.push('\n');
    }
    for n in &notes {
        s.push_str(&format!("\nNote: {n}"));
    }
    io::print_text(s.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_r() {
        assert_eq!(num(310.0), "310");
        assert_eq!(num(f64::NAN), "NA");
        assert_eq!(sig(0.863968967645, 6), "0.863969");
        assert_eq!(sig(0.0227102304342, 6), "0.0227102");
        assert_eq!(pval(0.00131116452036), "0.001311");
        assert_eq!(pval(1e-20), "< 2.2e-16");
        assert_eq!(pval(6.6431e-5), "6.643e-05");
    }
}
