//! `netrx reconstruct --curve C.csv [--at-risk N.csv] [--total-events E] --out ipd.csv`: patient
//! data rebuilt from a digitised Kaplan–Meier curve (Guyot 2012 with the IPDfromKM cleaning), with
//! a cleaning report and a fit report. The output (`time,event`) reads straight into `netrx km`
//! and `netrx cox`.

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_stats::ipd::{Curve, Input, Reconstruction, fmt, reconstruct, risk_table_from_csv, to_csv};
use serde_json::json;
use std::path::PathBuf;

/// Rebuild individual patient data (time, event) from a published Kaplan–Meier curve.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx reconstruct --curve examples/radiant4/everolimus_curve_SYNTHETIC.csv \\
      --at-risk examples/radiant4/everolimus_at_risk.csv --total-events 109 --out eve.csv
  netrx reconstruct --curve placebo.csv --at-risk placebo_risk.csv --out pbo.csv --arm placebo
  netrx reconstruct --curve curve.csv --n 150 --total-events 96 --out ipd.csv --json
  netrx km eve.csv --time time --event event          # the reconstructed arm, as any cohort

Inputs (CSV, header optional, comma/tab/semicolon separated):
  --curve     time,survival   digitised points (e.g. WebPlotDigitizer), survival as a proportion
                              (0-1) or a percentage (0-100): detected and reported. Ideally click
                              every step corner (top and bottom of each drop), starting at (0, 1).
  --at-risk   time,n_at_risk  the numbers-at-risk table printed under the figure, first row at 0.
  --total-events E            the total number of events, when the paper reports it.
Without a risk table give --n (patients randomised): HRs are then much less reliable (Guyot 2012).

Digitisation noise is cleaned with a report, not refused: points out of order, duplicated times
(the top and bottom of a drop are kept), rises of the curve (running minimum), isolated outliers,
reads a hair above 100 % or below 0, points after the risk table reaches zero. Survival above
100.5 %, negative times, non-numeric cells or numbers at risk that increase are errors (exit 2).

Output: one row per patient, time,event (1 = event, 0 = censored), sorted by time; --arm adds an
arm column so two arms can be stacked for 'netrx cox'/'netrx logrank'. The rows approximate the
published curve; they are not the trial's patient data.")]
pub struct Args {
    /// Digitised curve: CSV time,survival.
    #[arg(long)]
    pub curve: PathBuf,
    /// Published numbers at risk: CSV time,n_at_risk (first row at time 0).
    #[arg(long)]
    pub at_risk: Option<PathBuf>,
    /// Reported total number of events.
    #[arg(long)]
    pub total_events: Option<u64>,
    /// Number of patients (needed without --at-risk; must match its first row otherwise).
    #[arg(long)]
    pub n: Option<u64>,
    /// Write the patient rows here (CSV time,event); - for standard output (the report then goes
    /// to standard error).
    #[arg(long)]
    pub out: PathBuf,
    /// Add an `arm` column with this label.
    #[arg(long)]
    pub arm: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let curve_text = io::read_input("--curve", &a.curve)?;
    let curve = Curve::from_csv("--curve", &curve_text)?;
    let (at_risk, risk_notes) = match &a.at_risk {
        Some(p) => {
            let t = io::read_input("--at-risk", p)?;
            let (r, n) = risk_table_from_csv("--at-risk", &t)?;
            (Some(r), n)
        }
        None => (None, Vec::new()),
    };
    if let Some(arm) = &a.arm
        && arm.trim().is_empty()
    {
        return Err(CliError::input(
            "--arm",
            "got an empty label; allowed: a non-empty arm label",
        ));
    }
    let input = Input {
        curve,
        at_risk,
        n_patients: a.n,
        total_events: a.total_events,
    };
    let mut r = reconstruct(&input)?;
    // Reading notes about the risk table go with the cleaning notes.
    r.cleaning.notes.extend(risk_notes);
    let csv = to_csv(&r.rows, a.arm.as_deref());
    let to_stdout = a.out.as_os_str() == "-";
    if to_stdout {
        io::print_text(csv.trim_end())?;
    } else {
        io::write_output(&a.out, &csv)?;
    }
    let report = if a.json {
        serde_json::to_string_pretty(&json_report(&a, &r)).map_err(|e| CliError::Failure(e.to_string()))?
    } else {
        text_report(&a, &r)
    };
    if to_stdout {
        eprintln!("{report}");
        Ok(())
    } else {
        io::print_text(&report)
    }
}

fn json_report(a: &Args, r: &Reconstruction) -> serde_json::Value {
    json!({
        "method": "Guyot et al. 2012 (BMC Med Res Methodol 12:9) with the IPDfromKM cleaning (Liu, Zhou & Lee 2021)",
        "status": "derived",
        "note": "Reconstructed patient data approximate the published curve; they are not the trial's patient data.",
        "curve": a.curve.display().to_string(),
        "at_risk_file": a.at_risk.as_ref().map(|p| p.display().to_string()),
        "out": a.out.display().to_string(),
        "arm": a.arm,
        "scale": r.scale,
        "n": r.fit.n,
        "events": r.fit.events,
        "censored": r.fit.censored,
        "total_events_reported": r.fit.total_events_reported,
        "median": if r.fit.median.is_finite() { json!(r.fit.median) } else { serde_json::Value::Null },
        "cleaning": r.cleaning,
        "fit": {
            "points_compared": r.fit.points_compared,
            "max_abs_deviation": r.fit.max_abs_deviation,
            "max_deviation_time": r.fit.max_deviation_time,
            "mean_abs_deviation": r.fit.mean_abs_deviation,
            "rmse": r.fit.rmse,
            "max_at_risk_difference": r.fit.max_at_risk_difference,
        },
        "at_risk": r.fit.at_risk,
        "warnings": r.fit.warnings,
    })
}

fn pct(v: f64) -> String {
    format!("{:.2} %", v * 100.0)
}

fn text_report(a: &Args, r: &Reconstruction) -> String {
    let mut s = String::new();
    let mut w = |l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    w("IPD reconstruction from a published Kaplan–Meier curve".into());
    w("  Method      Guyot et al. 2012 (BMC Med Res Methodol 12:9), IPDfromKM cleaning (Liu et al. 2021)".into());
    w(format!(
        "  Curve       {}: {} points read, survival read as a {}",
        a.curve.display(),
        r.cleaning.points_read,
        r.scale.label()
    ));
    match &a.at_risk {
        Some(p) => w(format!("  At risk     {}: {} rows", p.display(), r.fit.at_risk.len())),
        None => w(
            "  At risk     no table (number of patients only: censoring cannot be located; HRs are much less reliable)"
                .into(),
        ),
    }
    w(format!(
        "  Cleaning    {} points used{}",
        r.cleaning.points_used,
        if r.cleaning.notes.is_empty() { "" } else { ":" }
    ));
    for n in &r.cleaning.notes {
        w(format!("              - {n}"));
    }
    w(format!(
        "  Patients    {} ({} events, {} censored){}",
        r.fit.n,
        r.fit.events,
        r.fit.censored,
        r.fit
            .total_events_reported
            .map(|d| format!("; reported total of events {d}"))
            .unwrap_or_default()
    ));
    w(format!(
        "  Fit         max |KM − digitised| {} at t = {}; mean {}; RMSE {} (over {} digitised points; a point on a vertical drop is on the curve)",
        pct(r.fit.max_abs_deviation),
        fmt(r.fit.max_deviation_time),
        pct(r.fit.mean_abs_deviation),
        pct(r.fit.rmse),
        r.fit.points_compared
    ));
    if !r.fit.at_risk.is_empty() {
        w("  Numbers at risk      time  published  reconstructed".into());
        for c in &r.fit.at_risk {
            w(format!(
                "                  {:>8}  {:>9}  {:>13}{}",
                fmt(c.time),
                c.published,
                c.reconstructed,
                if c.used { "" } else { "   (not used: see cleaning)" }
            ));
        }
        w(format!(
            "              largest difference over the rows used: {}",
            r.fit.max_at_risk_difference
        ));
    }
    w(format!(
        "  Median      {}",
        if r.fit.median.is_finite() {
            fmt((r.fit.median * 1000.0).round() / 1000.0)
        } else {
            "not reached".into()
        }
    ));
    if !r.fit.warnings.is_empty() {
        w("  Warnings".into());
        for x in &r.fit.warnings {
            w(format!("    ! {x}"));
        }
    }
    w(format!(
        "  Output      {} ({} rows: time,event{})",
        if a.out.as_os_str() == "-" {
            "standard output".to_string()
        } else {
            a.out.display().to_string()
        },
        r.rows.len(),
        if a.arm.is_some() { ",arm" } else { "" }
    ));
    w("  Status      derived — reconstructed data approximate the published curve; they are not the trial's patient data".into());
    s.trim_end().to_string()
}
