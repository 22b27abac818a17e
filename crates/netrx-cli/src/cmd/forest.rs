//! `netrx forest --agent A [--out forest.svg]`: a forest plot of every randomised hazard ratio
//! that tests an agent, per trial and subgroup, with N, "HR (95% CI)", a line at 1 and a log
//! axis — plus its sources underneath.

use crate::error::CliResult;
use crate::io;
use netrx_clinical::compare::{Evidence, ForestData, ForestEntry, forest};
use netrx_kb::Kb;
use netrx_kb::provenance::Status;
use netrx_kb::trials::Endpoint;
use netrx_plot::forest::{Forest, ForestItem, ForestRow, est_text, forest_svg};
use std::collections::BTreeMap;
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

/// The chart: one section per trial (a header when it has several rows).
pub fn chart(d: &ForestData) -> Forest {
    let mut by_trial: Vec<(String, Vec<&ForestEntry>)> = Vec::new();
    for e in &d.entries {
        match by_trial.iter_mut().find(|(t, _)| *t == e.trial) {
            Some((_, v)) => v.push(e),
            None => by_trial.push((e.trial.clone(), vec![e])),
        }
    }
    let mut items = Vec::new();
    let mut used_marks = BTreeMap::new();
    let mut sources: Vec<String> = Vec::new();
    for (_, es) in &by_trial {
        let several = es.len() > 1;
        let contrast = format!("{} vs {}", es[0].agent_name, es[0].comparator_name);
        if several {
            items.push(ForestItem::Header(format!("{} — {contrast}", es[0].trial_name)));
        }
        for e in es {
            let mut mark = String::new();
            if e.inverted {
                mark.push('*');
                used_marks.insert(
                    '*',
                    "* published with the agent as the control arm; shown inverted (agent vs comparator).",
                );
            }
            if e.endpoint == Endpoint::Ttp {
                mark.push('§');
                used_marks.insert(
                    '§',
                    "§ time to progression (deaths without progression censored), not PFS.",
                );
            }
            if !is_verified(e.status) {
                mark.push('†');
                used_marks.insert(
                    '†',
                    "† not verified against the primary paper (secondary source or UNVERIFIED) — check before use.",
                );
            }
            let what = {
                let mut v = vec![e.endpoint.label().to_string()];
                if let Some(a) = e.assessment {
                    v.push(a.label().to_string());
                }
                v.push(format!("{:?}", e.kind).to_lowercase().replace("posthoc", "post hoc"));
                v.join(", ")
            };
            let (label, detail) = if e.cohort == "all" {
                if several {
                    ("Whole trial".to_string(), what)
                } else {
                    (e.trial_name.clone(), format!("{what} · {contrast}"))
                }
            } else if several {
                (e.cohort_label.trim_start_matches("Subgroup: ").to_string(), what)
            } else {
                (
                    format!("{} — {}", e.trial_name, e.cohort_label.trim_start_matches("Subgroup: ")),
                    format!("{what} · {contrast}"),
                )
            };
            items.push(ForestItem::Row(ForestRow {
                label,
                detail,
                indent: several,
                n: e.n.clone(),
                estimate: e.hr,
                lower: e.ci_low,
                upper: e.ci_high,
                text: Some(estimate_text(e)),
                mark,
                bold: e.cohort == "all" && e.preferred,
            }));
            let line = format!("{}: {}", e.trial_name, e.source.reference);
            if !sources.contains(&line) {
                sources.push(line);
            }
        }
    }
    let mut footnotes = vec![
        "Squares: hazard ratio (size ∝ precision); lines: 95% CI; N = patients per arm (agent / comparator) or in the subgroup."
            .to_string(),
    ];
    footnotes.extend(used_marks.values().map(|s| s.to_string()));
    footnotes.push("Sources:".into());
    footnotes.extend(sources.into_iter().map(|s| format!("  {s}")));
    footnotes.push(format!(
        "Trials differ in population, comparator, assessment and era: do not compare the rows with each other. Knowledge {}",
        d.knowledge_version
    ));
    Forest {
        title: format!("{}: randomised hazard ratios ({})", d.agent_name, d.endpoint.label()),
        subtitle: format!(
            "Per trial and subgroup, {} vs comparator{}",
            d.agent_name,
            d.population
                .as_ref()
                .map(|p| format!(" — population {p}"))
                .unwrap_or_default()
        ),
        measure: "HR".into(),
        favours_left: format!("Favours {}", d.agent_name),
        favours_right: "Favours comparator".into(),
        items,
        footnotes,
    }
}

/// The published precision for a published HR (0.276 (0.182–0.418)); two decimals for an inverted one.
fn estimate_text(e: &ForestEntry) -> String {
    if e.inverted {
        est_text(e.hr, e.ci_low, e.ci_high)
    } else {
        use netrx_kb::trials::fmt_ratio;
        format!("{} ({}–{})", fmt_ratio(e.hr), fmt_ratio(e.ci_low), fmt_ratio(e.ci_high))
    }
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
