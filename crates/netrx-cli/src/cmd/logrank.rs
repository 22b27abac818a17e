//! `netrx logrank`: the log-rank / G-rho family of tests over a CSV file, with R's numbers
//! (survival 3.5-3 `survdiff`).

use crate::cmd::km::{load, missing_note, pval, sig, table};
use crate::error::{CliError, CliResult};
use crate::io;
use netrx_stats::logrank::{SurvdiffOptions, survdiff};
use serde_json::json;
use std::path::PathBuf;

/// Compare survival between groups (R's survdiff): log-rank (rho 0) or Peto-Peto (rho 1), stratified or not.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx logrank lung.csv --time time --event status --group sex
  netrx logrank lung.csv --time time --event status --group sex --rho 1
  netrx logrank lung.csv --time time --event status --group sex --strata ph.ecog --json

Weights are S(t-)^rho with S the pooled Kaplan-Meier (within strata): rho 0 is the log-rank test,
rho 1 the Peto-Peto modification of the Gehan-Wilcoxon test (R has no gamma; lifelines'
fleming-harrington p=rho, q=0 is the same). With rho > 0 Observed and Expected are weighted sums,
as R prints them. Rows with a missing value in a used column are dropped and counted.
Near-tied times (within 1.5e-8) are merged as R's timefix does, unless --no-timefix.")]
pub struct Args {
    /// The data file (CSV with a header row), or - for standard input.
    pub data: PathBuf,
    /// Column with the follow-up time.
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator (0/1, 1/2 or TRUE/FALSE).
    #[arg(long)]
    pub event: String,
    /// Column whose levels are compared (2 or more).
    #[arg(long)]
    pub group: String,
    /// Stratify by this column (O, E and V summed over strata).
    #[arg(long)]
    pub strata: Option<String>,
    /// G-rho weight exponent (0 = log-rank, 1 = Peto-Peto).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub rho: f64,
    /// Keep near-tied floating-point times apart (R: timefix = FALSE).
    #[arg(long)]
    pub no_timefix: bool,
    /// Print one JSON object instead of R-like text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    if !(a.rho.is_finite() && a.rho >= 0.0) {
        return Err(CliError::input(
            "--rho",
            format!("got {}; allowed: a number ≥ 0 (0 = log-rank, 1 = Peto-Peto)", a.rho),
        ));
    }
    let mut more = vec![a.group.as_str()];
    more.extend(a.strata.as_deref());
    let l = load(&a.data, &a.time, &a.event, &more)?;
    let g = l.frame.factor(&a.group, &l.rows)?;
    let labels: Vec<String> = (0..g.nlevels()).map(|k| g.label(k)).collect();
    let st = match &a.strata {
        Some(s) => Some(l.frame.factor(s, &l.rows)?.codes),
        None => None,
    };
    let t = survdiff(
        &l.y.time,
        &l.y.event,
        &g.codes,
        &labels,
        st.as_deref(),
        &SurvdiffOptions {
            rho: a.rho,
            timefix: !a.no_timefix,
        },
    )
    .map_err(|e| match e.field.as_str() {
        "group" => CliError::input("--group", format!("column {}: {}", a.group, e.message)),
        _ => e.into(),
    })?;
    let mut notes = Vec::new();
    for grp in t.groups.iter().filter(|g| g.observed == 0.0) {
        notes.push(format!("{}: no events in this group", grp.group));
    }
    for grp in t.groups.iter().filter(|g| g.expected == 0.0) {
        notes.push(format!(
            "{}: expected 0 (no one at risk at any event time); left out of the test, as R does",
            grp.group
        ));
    }
    if a.json {
        let k = t.groups.len();
        let out = json!({
            "chisq": t.chisq,
            "df": t.df,
            "p": t.p,
            "groups": t.groups.iter().enumerate().map(|(i, g)| json!({
                "group": g.group, "n": g.n, "observed": g.observed, "expected": g.expected,
                "oe2_e": g.oe2_e, "oe2_v": g.oe2_v, "variance": t.var[i * k + i],
            })).collect::<Vec<_>>(),
            "rho": t.rho,
            "test": if t.rho == 0.0 { "log-rank".to_string() } else if t.rho == 1.0 { "Peto-Peto (G-rho, rho = 1)".to_string() } else { format!("G-rho, rho = {}", t.rho) },
            "strata": a.strata,
            "nstrata": t.nstrata,
            "timefix": !a.no_timefix,
            "event_coding": l.y.coding.describe(),
            "n": l.rows.len(),
            "n_dropped_missing": l.rows.dropped,
            "variance_matrix": (0..k).map(|i| t.var[i * k..(i + 1) * k].to_vec()).collect::<Vec<_>>(),
            "notes": notes,
        });
        return io::print_json(&out);
    }
    let mut s = String::new();
    let rhs = match &a.strata {
        Some(st) => format!("{} + strata({st})", a.group),
        None => a.group.clone(),
    };
    s.push_str(&format!(
        "survdiff: Surv({}, {}) ~ {rhs}, rho = {}{}\n",
        a.time,
        a.event,
        sig(a.rho, 6),
        if a.rho == 0.0 {
            " (log-rank)"
        } else if a.rho == 1.0 {
            " (Peto-Peto)"
        } else {
            ""
        }
    ));
    s.push_str(&format!("Event coding: {}\n", l.y.coding.describe()));
    if let Some(n) = missing_note(&l.rows) {
        s.push_str(&n);
        s.push('\n');
    }
    s.push('\n');
    let integer_obs = t.groups.iter().all(|g| g.observed == g.observed.round());
    let rows: Vec<Vec<String>> = t
        .groups
        .iter()
        .map(|g| {
            vec![
                g.group.clone(),
                g.n.to_string(),
                if integer_obs {
                    format!("{}", g.observed)
                } else {
                    sig(g.observed, 6)
                },
                sig(g.expected, 6),
                sig(g.oe2_e, 6),
                sig(g.oe2_v, 6),
            ]
        })
        .collect();
    s.push_str(&table(
        &["", "N", "Observed", "Expected", "(O-E)^2/E", "(O-E)^2/V"],
        &rows,
    ));
    s.push_str(&format!(
        "\n\n Chisq= {}  on {} degrees of freedom, p= {}",
        sig(t.chisq, 6),
        t.df,
        pval(t.p)
    ));
    for n in &notes {
        s.push_str(&format!("\nNote: {n}"));
    }
    io::print_text(&s)
}
