//! `netrx recist`: RECIST 1.1 response per visit, best overall response,
//! progression date and PFS from the case's imaging visits; optional spider and
//! waterfall plots (SVG).

use crate::error::CliResult;
use crate::io;
use netrx_case::validate::fmt_num;
use netrx_clinical::recist::{RecistOptions, RecistReport};
use std::path::PathBuf;

/// RECIST 1.1 response, best overall response, progression and PFS from the case's imaging visits.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx recist examples/si-net-followup.json
  netrx recist examples/si-net-followup.json --json
  netrx recist examples/si-net-followup.json --svg spider.svg --waterfall waterfall.svg
  netrx recist examples/si-net-followup.json --sd-min-days 42

The first visit is the baseline. Target lesions keep their ids at every visit (diameter_mm null when
not measured → NE); nodes are measured by short axis. PFS runs from everolimus.start_date when the
case has one, otherwise from the baseline visit. Thresholds and their sources: knowledge/recist.toml.")]
pub struct Args {
    /// The case file (JSON; see docs/case-file.md), or - for standard input.
    pub case: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write a spider plot (change of each target lesion and of the sum over time) as SVG.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write a waterfall plot (best change per target lesion and of the sum) as SVG.
    #[arg(long, value_name = "FILE")]
    pub waterfall: Option<PathBuf>,
    /// Minimum days between a CR/PR and the assessment confirming it [default: the knowledge base's value].
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub confirmation_days: Option<u32>,
    /// Minimum days from the time origin before SD counts as best response (protocol-defined).
    #[arg(long, value_name = "DAYS", default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub sd_min_days: u32,
}

pub fn run(a: Args) -> CliResult {
    let kb = netrx_kb::Kb::embedded()?;
    let text = io::read_input("case", &a.case)?;
    let case = netrx_clinical::load_case(&text, kb)?;
    let opts = RecistOptions {
        confirmation_days: a.confirmation_days,
        sd_min_days: a.sd_min_days,
    };
    let r = netrx_clinical::recist::assess(&case, kb, &opts)?;
    if let Some(path) = &a.svg {
        io::write_output(path, &netrx_plot::spider::spider(&r))?;
    }
    if let Some(path) = &a.waterfall {
        io::write_output(path, &netrx_plot::waterfall::lesion_waterfall(&r))?;
    }
    if a.json {
        io::print_json(&r)
    } else {
        io::print_text(&render(&r))
    }
}

fn opt(v: Option<f64>, dp: usize) -> String {
    match v {
        Some(v) => {
            let s = format!("{v:+.dp$}");
            s.replace('-', "−")
        }
        None => "—".into(),
    }
}

fn mm(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1}")).unwrap_or_else(|| "—".into())
}

/// The human summary.
pub fn render(r: &RecistReport) -> String {
    let mut s = String::new();
    let c = &r.criteria;
    s.push_str(&format!("{}: {}\n", r.case_id, c.title));
    s.push_str(&format!(
        "  {:<10}  {:>7}  {:>8}  {:>9}  {:<6}  {:<23}  {:<3}  {}\n",
        "Date", "Sum mm", "vs BL %", "vs nadir", "Target", "Non-target", "New", "Overall"
    ));
    for v in &r.visits {
        s.push_str(&format!(
            "  {:<10}  {:>7}  {:>8}  {:>9}  {:<6}  {:<23}  {:<3}  {}\n",
            v.date.to_string(),
            mm(v.sum_mm),
            if v.target_response.is_none() {
                "".into()
            } else {
                opt(v.change_from_baseline_pct, 1)
            },
            opt(v.change_from_nadir_pct, 1),
            v.target_response.map(|t| t.as_str()).unwrap_or("BL"),
            netrx_case::NonTarget::id(v.non_target),
            if v.new_lesions { "yes" } else { "no" },
            v.overall_response.map(|o| o.as_str()).unwrap_or("baseline"),
        ));
    }
    s.push_str("  Basis\n");
    for v in r.visits.iter().skip(1) {
        s.push_str(&format!("    {}  {}", v.date, v.basis));
        if let (Some(o), Some(rule)) = (v.overall_response, &v.overall_rule)
            && Some(o.as_str()) != v.target_response.map(|t| t.as_str())
        {
            s.push_str(&format!("; overall {o} ({rule})"));
        }
        s.push('\n');
    }
    let best = |b: Option<netrx_clinical::recist::OverallResponse>| b.map(|b| b.as_str()).unwrap_or("—");
    s.push_str(&format!(
        "  Best overall response   {} unconfirmed; {} with confirmation (≥ {} days)\n",
        best(r.best_overall_response),
        best(r.best_overall_response_confirmed),
        c.confirmation_min_days
    ));
    s.push_str(&format!(
        "  Progression             {}\n",
        r.progression_date
            .map(|d| d.to_string())
            .unwrap_or_else(|| "none observed".into())
    ));
    match (r.pfs_months, r.pfs_event) {
        (Some(m), Some(ev)) => s.push_str(&format!(
            "  PFS                     {:.1} months from {} {} ({})\n",
            m,
            r.pfs_origin.basis,
            r.pfs_origin.date,
            if ev {
                "progression"
            } else {
                "censored at the last adequate assessment"
            }
        )),
        _ => s.push_str("  PFS                     not computed (see warnings)\n"),
    }
    s.push_str(&format!(
        "  Criteria                PR ≥ {} % decrease from baseline; PD ≥ {} % and ≥ {} mm increase from the nadir; \
         CR: non-nodal targets gone, nodes < {} mm{}\n",
        fmt_num(c.pr_decrease_from_baseline_pct),
        fmt_num(c.pd_increase_from_nadir_pct),
        fmt_num(c.pd_min_increase_mm),
        fmt_num(c.cr_node_short_axis_below_mm),
        if c.sd_min_days > 0 {
            format!("; SD counts from day {}", c.sd_min_days)
        } else {
            String::new()
        }
    ));
    for (i, src) in c.sources.iter().enumerate() {
        s.push_str(if i == 0 {
            "  Sources                 "
        } else {
            "                          "
        });
        s.push_str(&src.to_string());
        s.push('\n');
    }
    if !r.warnings.is_empty() {
        s.push_str("  Warnings\n");
        for w in &r.warnings {
            s.push_str(&format!("    ! {w}\n"));
        }
    }
    s.push_str(&format!("  Knowledge               {}", r.knowledge_version));
    s
}
