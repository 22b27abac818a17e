//! `netrx forest --agent A [--out forest.svg]`: a forest plot of every randomised hazard ratio
//! that tests an agent, per trial and subgroup, with N, "HR (95% CI)", a line at 1 and a log
//! axis — plus its sources underneath.

use crate::error::CliResult;
use crate::io;
use netrx_clinical::compare::{Evidence, ForestData, forest};
use netrx_kb::Kb;
use netrx_kb::provenance::Status;
use netrx_plot::evidence_forest::{chart, estimate_text};
use netrx_plot::forest::forest_svg;
use std::path::PathBuf;

/// Forest plot (SVG) of the hazard ratios that test an agent: per trial and subgroup, with N,
/// "HR (95% CI)", a line at 1, a log scale, and the sources underneath.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx forest --agent everolimus --out forest.svg
  netrx forest --agent everolimus --population pnet --out pnet.svg
  netrx forest --agent everolimus --endpoint os --out os.svg
  netrx forest --agent everolimus --all-analyses --out all.svg   # also sensitivity/other analyses
  netrx forest --agent everolimus --no-subgroups --out trials.svg
  netrx forest --agent sunitinib > sunitinib.svg                  # SVG on stdout without --out
  netrx forest --agent everolimus --json                          # the rows, with sources

HRs are oriented agent vs comparator: a trial where the agent was the control (COMPETE) is shown
inverted and marked *. With --endpoint pfs (default) TTP results are included and marked §.
Figures that are not verified against the primary paper are marked †.")]
pub struct Args {
    /// The agent (id or alias), e.g. everolimus.
    #[arg(long)]
    pub agent: String,
    /// Endpoint: pfs (with TTP marked), ttp or os.
    #[arg(long, default_value = "pfs")]
    pub endpoint: String,
    /// Only trials of this population: pnet, gi_lung, midgut, lung, gep.
    #[arg(long)]
    pub population: Option<String>,
    /// Include every analysis (sensitivity, other assessment, updates), not only the preferred one.
    #[arg(long)]
    pub all_analyses: bool,
    /// Whole trials (and separately randomised cohorts) only, without subgroups.
    #[arg(long)]
    pub no_subgroups: bool,
    /// Write the SVG here (otherwise it goes to standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the rows as JSON instead of the SVG (the SVG is still written to --out if given).
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let kb = Kb::embedded()?;
    let mut data = forest(
        &Evidence::of(kb),
        &a.agent,
        &a.endpoint,
        a.population.as_deref(),
        a.all_analyses,
    )?;
    if a.no_subgroups {
        data.entries.retain(|e| !e.subgroup);
    }
    if data.entries.is_empty() {
        return Err(crate::error::CliError::input(
            "--agent",
            format!(
                "{:?} has no randomised hazard ratio with a CI for {}{}; see 'netrx trials --agent {}'",
                a.agent,
                data.endpoint.label(),
                data.population.as_ref().map(|p| format!(" in {p}")).unwrap_or_default(),
                data.agent
            ),
        ));
    }
    let svg = forest_svg(&chart(&data));
    if let Some(p) = &a.out {
        io::write_output(p, &svg)?;
    }
    if a.json {
        io::print_json(&data)
    } else if let Some(p) = &a.out {
        io::print_text(&summary(&data, &p.display().to_string()))
    } else {
        io::print_text(svg.trim_end())
    }
}

fn is_verified(s: Status) -> bool {
    s == Status::Verified
}

fn summary(d: &ForestData, path: &str) -> String {
    let mut s = format!(
        "Wrote {path}: {} hazard ratio(s) for {} ({}).\n",
        d.entries.len(),
        d.agent_name,
        d.endpoint.label()
    );
    for e in &d.entries {
        let cohort = if e.cohort == "all" {
            String::new()
        } else {
            format!(" — {}", e.cohort_label)
        };
        s.push_str(&format!(
            "  {}{cohort}: {} vs {}  HR {}{}\n",
            e.trial_name,
            e.contrast[0],
            e.contrast[1],
            estimate_text(e),
            if is_verified(e.status) {
                String::new()
            } else {
                format!(" [{}]", e.status.mark())
            }
        ));
    }
    s.push_str(&format!("Knowledge   {}", d.knowledge_version));
    s
}
