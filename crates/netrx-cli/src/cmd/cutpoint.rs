//! `netrx cutpoint`: the maximally selected log-rank statistic over a continuous marker, with a
//! p-value corrected for the search (R maxstat's `maxstat.test(..., smethod = "LogRank",
//! pmethod = "Lau92")`).

use crate::cmd::km::{load, missing_note, pval, sig, table};
use crate::error::{CliError, CliResult};
use crate::io;
use netrx_stats::cutpoint::{CutpointOptions, maxstat};
use serde_json::json;
use std::path::PathBuf;

/// Find the best-separating cut-point of a continuous marker (e.g. Ki-67) with a search-corrected p-value.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx cutpoint lung.csv --time time --event status --marker age
  netrx cutpoint cohort.csv --time pfs_months --event progressed --marker ki67 --json

The statistic is the largest standardised log-rank statistic over all splits 'marker <= c'
leaving between --min-prop and --max-prop of the patients below c (Lausen & Schumacher 1992;
Hothorn & Lausen 2003; as R's maxstat). Its p-value accounts for having searched: the
Miller-Siegmund / Lausen-Schumacher approximation (p, as maxstat's Lau92), and the improved
Bonferroni bound (p_lau94). The plain log-rank p-value of the chosen split is shown for
description only: it ignores the search and is too small. A cut-point found this way should be
validated in independent data before it is used to make decisions.")]
pub struct Args {
    /// The data file (CSV with a header row), or - for standard input.
    pub data: PathBuf,
    /// Column with the follow-up time.
    #[arg(long)]
    pub time: String,
    /// Column with the event indicator (0/1, 1/2 or TRUE/FALSE).
    #[arg(long)]
    pub event: String,
    /// The continuous marker (numeric column).
    #[arg(long)]
    pub marker: String,
    /// Smallest fraction of patients below the cut-point.
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub min_prop: f64,
    /// Largest fraction of patients below the cut-point.
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    pub max_prop: f64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    if !(a.min_prop >= 0.0 && a.min_prop < a.max_prop && a.max_prop <= 1.0) {
        return Err(CliError::input(
            "--min-prop/--max-prop",
            format!(
                "got {} and {}; allowed: 0 ≤ min-prop < max-prop ≤ 1 (default 0.1 and 0.9)",
                a.min_prop, a.max_prop
            ),
        ));
    }
    let l = load(&a.data, &a.time, &a.event, &[a.marker.as_str()])?;
    let x = l.frame.numeric(&a.marker, &l.rows)?;
    let c = maxstat(
        &l.y.time,
        &l.y.event,
        &x,
        &CutpointOptions {
            min_prop: a.min_prop,
            max_prop: a.max_prop,
        },
    )
    .map_err(|e| match e.field.as_str() {
        "marker" => CliError::input("--marker", format!("column {}: {}", a.marker, e.message)),
        "min_prop" => CliError::input("--min-prop", e.message),
        "max_prop" => CliError::input("--max-prop", e.message),
        _ => e.into(),
    })?;
    let lr = &c.logrank_at_cut;
    let cut = sig(c.cutpoint, 7);
    if a.json {
        let out = json!({
            "marker": a.marker,
            "cutpoint": c.cutpoint,
            "rule": format!("low: {} <= {cut}; high: {} > {cut}", a.marker, a.marker),
            "statistic": c.statistic,
            "p": c.p_lau92,
            "p_method": "Lausen-Schumacher 1992 (Miller-Siegmund approximation), as maxstat pmethod = \"Lau92\"; capped at 1",
            "p_lau92": c.p_lau92,
            "p_lau94": c.p_lau94,
            "n": c.n,
            "events": c.events,
            "n_low": c.n_low,
            "n_high": c.n_high,
            "min_prop": c.min_prop,
            "max_prop": c.max_prop,
            "logrank_at_cut": {
                "chisq": lr.chisq, "df": lr.df, "p_uncorrected": lr.p,
                "groups": lr.groups.iter().map(|g| json!({"group": g.group, "n": g.n, "observed": g.observed, "expected": g.expected})).collect::<Vec<_>>(),
                "note": "the ordinary log-rank test of the chosen split; its p-value ignores the search and is too small",
            },
            "candidates": c.candidates.iter().map(|k| json!({"cut": k.cut, "n_low": k.n_low, "statistic": k.statistic})).collect::<Vec<_>>(),
            "event_coding": l.y.coding.describe(),
            "n_dropped_missing": l.rows.dropped,
        });
        return io::print_json(&out);
    }
    let mut s = String::new();
    s.push_str(&format!(
        "Maximally selected log-rank statistic: Surv({}, {}) by {}\n",
        a.time, a.event, a.marker
    ));
    s.push_str(&format!("Event coding: {}\n", l.y.coding.describe()));
    if let Some(n) = missing_note(&l.rows) {
        s.push_str(&n);
        s.push('\n');
    }
    s.push_str(&format!(
        "\nM = {}, p-value = {} (Lausen-Schumacher / Miller-Siegmund; improved Bonferroni: {})\n",
        sig(c.statistic, 7),
        pval(c.p_lau92),
        pval(c.p_lau94)
    ));
    s.push_str(&format!(
        "estimated cut-point: {cut}  (low: {} <= {cut}, n = {}; high: > {cut}, n = {})\n",
        a.marker, c.n_low, c.n_high
    ));
    s.push_str(&format!(
        "splits searched: {} (between {}% and {}% of patients below the cut)\n\n",
        c.candidates.len(),
        sig(c.min_prop * 100.0, 4),
        sig(c.max_prop * 100.0, 4)
    ));
    s.push_str("Log-rank test of the chosen split (p NOT corrected for the search):\n");
    let rows: Vec<Vec<String>> = lr
        .groups
        .iter()
        .map(|g| {
            vec![
                g.group.replace("marker", &a.marker),
                g.n.to_string(),
                format!("{}", g.observed),
                sig(g.expected, 6),
            ]
        })
        .collect();
    s.push_str(&table(&["", "N", "Observed", "Expected"], &rows));
    s.push_str(&format!(
        "\n Chisq= {} on {} degree of freedom, uncorrected p= {}\n",
        sig(lr.chisq, 6),
        lr.df,
        pval(lr.p)
    ));
    s.push_str("\nNote: a data-derived cut-point must be validated in independent data before clinical use.");
    io::print_text(&s)
}
