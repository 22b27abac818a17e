//! `netrx simulate` and `netrx simulate-merge`: treatment-sequence microsimulation
//! (netrx-sim) from a SPEC file, optionally as one shard of a larger run, and the merge of
//! shard part files into the same report a single run gives.

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_kb::Kb;
use netrx_plot::ce::{PlaneSeries, ceac_svg, plane_svg};
use netrx_plot::sequence::{BarItem, CurveSeries, curves_svg, dashboard_svg, outcome_bars_svg};
use netrx_sim::engine::{self, Part, RunSpec, SimError};
use netrx_sim::report::{self, Report};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Simulate treatment sequences in virtual patients (modelling, not evidence).
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx simulate examples/sequences/pnet.toml --patients 100000 --psa 200 --seed 1
  netrx simulate examples/sequences/midgut.toml --patients 50000 --psa 500 --seed 7 --json > midgut.json
  netrx simulate examples/sequences/pnet.toml --patients 100000 --psa 200 --seed 1 --svg pnet.svg
  netrx simulate SPEC.toml --patients 1000000 --psa 1000 --seed 42 --shard 3/64 --out part-003.json
  netrx simulate-merge part-*.json --json

The SPEC (TOML) names each treatment's time-to-event source (a trial of the knowledge base, an
explicit median or an explicit parametric fit), its grade 3–4 AE table, the death hazards, the
utilities and their sources (see docs/simulation.md). Results are identical for a seed whatever
--threads or the sharding. Everything printed is modelling, not evidence.")]
pub struct Args {
    /// The SPEC file (TOML), or - for standard input.
    pub spec: PathBuf,
    /// Virtual patients per sequence (per PSA draw).
    #[arg(long, default_value_t = 10_000)]
    pub patients: u64,
    /// PSA draws (parameter sets drawn from their uncertainty distributions); 0 = base case only.
    #[arg(long, default_value_t = 0)]
    pub psa: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Worker threads (default: all cores, or RAYON_NUM_THREADS). Does not change results.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run only shard I of N (0-based, I/N): write its part file with --out; merge with simulate-merge.
    #[arg(long, value_name = "I/N", requires = "out")]
    pub shard: Option<String>,
    /// Write the run's part file (mergeable summaries) to this file.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write an SVG (curves, outcomes with PSA intervals, incremental plane).
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Merge shard part files of one `netrx simulate` run and report (modelling, not evidence).
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx simulate-merge part-*.json
  netrx simulate-merge part-*.json --json --svg result.svg --out merged.json

The parts must come from the same SPEC, knowledge version, seed, --patients and --psa, and
together cover every shard exactly once; the merged report is identical (bit for bit) to the
report of the same run as one shard.")]
pub struct MergeArgs {
    /// Part files written by `netrx simulate --shard I/N --out FILE`.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Write the merged part file (mergeable again with other parts).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write an SVG (curves, outcomes with PSA intervals, incremental plane).
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

fn sim_err(e: SimError) -> CliError {
    CliError::input(e.field, e.message)
}

fn parse_shard(s: &str) -> CliResult<(u64, u64)> {
    let bad = || {
        CliError::input(
            "--shard",
            format!("got {s:?}; allowed: I/N with integers 0 ≤ I < N (0-based shard index, e.g. 3/64)"),
        )
    };
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: u64 = i.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

fn progress_enabled(total: u64) -> bool {
    std::io::stderr().is_terminal() && std::env::var("CI").map(|v| v != "true").unwrap_or(true) && total >= 200_000
}

pub fn run(a: Args) -> CliResult {
    if a.patients == 0 || a.patients > 1_000_000_000_000 {
        return Err(CliError::input(
            "--patients",
            format!("got {}; allowed: 1 to 10^12 virtual patients", a.patients),
        ));
    }
    if a.psa > 1_000_000 {
        return Err(CliError::input(
            "--psa",
            format!("got {}; allowed: 0 to 1000000 draws", a.psa),
        ));
    }
    if let Some(t) = a.threads.filter(|t| *t == 0 || *t > 1024) {
        return Err(CliError::input("--threads", format!("got {t}; allowed: 1 to 1024")));
    }
    let shard = a.shard.as_deref().map(parse_shard).transpose()?;
    let kb = Kb::embedded()?;
    let text = io::read_input("spec", &a.spec)?;
    let model = netrx_sim::load(&text, kb)?;
    let rs = RunSpec {
        seed: a.seed,
        patients: a.patients,
        psa_draws: a.psa,
    };
    let units = match shard {
        Some((i, n)) => rs.shard_units(i, n),
        None => [0, rs.units_total()],
    };
    let total_patients = rs.patients_in(units);
    let bar = progress_enabled(total_patients).then(|| {
        let b = indicatif::ProgressBar::new(total_patients);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} virtual patients × sequences ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |k: u64| {
        if let Some(b) = &bar {
            b.set_position(k);
        }
    };
    let start = Instant::now();
    let go = || engine::run_units(&model, rs, units, &progress);
    let (part, threads) = match a.threads {
        Some(t) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .map_err(|e| CliError::Failure(format!("cannot start {t} threads: {e}")))?;
            (pool.install(go).map_err(sim_err)?, t)
        }
        None => (go().map_err(sim_err)?, rayon::current_num_threads()),
    };
    let secs = start.elapsed().as_secs_f64();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let lines: u64 = part
        .draws
        .iter()
        .flat_map(|d| d.sequences.iter().map(|s| s.lines_started))
        .sum();
    if !a.json {
        eprintln!(
            "simulated {lines} patient-lines in {secs:.2} s ({:.1} million patient-lines/s, {threads} threads)",
            lines as f64 / secs.max(1e-9) / 1e6
        );
    }
    if let Some(out) = &a.out {
        write_part(out, &part)?;
    }
    if let Some((i, n)) = shard {
        let msg = serde_json::json!({
            "label": report::LABEL,
            "shard": format!("{i}/{n}"),
            "units": part.units,
            "units_total": part.units_total,
            "part": a.out.as_ref().map(|p| p.display().to_string()),
            "model_hash": part.model_hash,
            "knowledge_version": part.model.knowledge_version,
        });
        return if a.json {
            io::print_json(&msg)
        } else {
            io::print_text(&format!(
                "Shard {i}/{n}: units {}..{} of {} written to {}. Merge all {n} parts with `netrx simulate-merge`.\n{}",
                part.units[0],
                part.units[1],
                part.units_total,
                a.out.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                report::LABEL
            ))
        };
    }
    finish(&part, a.json, a.svg.as_deref())
}

pub fn run_merge(a: MergeArgs) -> CliResult {
    let mut parts = Vec::with_capacity(a.parts.len());
    for (i, p) in a.parts.iter().enumerate() {
        let field = format!("part[{i}]");
        let text = io::read_input(&field, p)?;
        let part: Part = netrx_case::from_json(&text).map_err(|e| e.under(&field))?;
        parts.push(part);
    }
    let merged = engine::merge(parts).map_err(sim_err)?;
    if let Some(out) = &a.out {
        write_part(out, &merged)?;
    }
    finish(&merged, a.json, a.svg.as_deref())
}

fn write_part(path: &Path, part: &Part) -> CliResult {
    let s = serde_json::to_string(part).map_err(|e| CliError::Failure(format!("serialising the part: {e}")))?;
    io::write_output(path, &s)
}

fn finish(part: &Part, json: bool, svg: Option<&Path>) -> CliResult {
    let r = report::report(part).map_err(sim_err)?;
    if let Some(path) = svg {
        io::write_output(path, &render_svg(&r))?;
    }
    if json {
        io::print_json(&r)
    } else {
        io::print_text(report::render_text(&r).trim_end())
    }
}

/// The dashboard: curves, mean QALYs and OS with PSA intervals, the incremental plane (and the
/// acceptability curve with costs).
fn render_svg(r: &Report) -> String {
    let mut panels = Vec::new();
    let series: Vec<CurveSeries> = r
        .sequences
        .iter()
        .map(|s| CurveSeries {
            label: &s.label,
            step_months: s.curves.step_months,
            os: &s.curves.os,
            total_pfs: &s.curves.total_pfs,
        })
        .collect();
    panels.push(curves_svg(
        "Modelled survival per sequence (base case)",
        &series,
        r.run.horizon_months,
    ));
    for (key, title) in [
        ("qalys", "Mean QALYs (bars: base case; whiskers: PSA 95% interval)"),
        ("os", "Mean overall survival within the horizon, months"),
        ("total_pfs", "Mean total PFS across lines, months"),
    ] {
        let items: Vec<BarItem> = r
            .sequences
            .iter()
            .filter_map(|s| {
                s.outcomes.iter().find(|(k, _)| k == key).map(|(_, o)| BarItem {
                    label: &s.id,
                    mean: o.mean,
                    interval: o.psa_mean.as_ref().map(|i| (i.lower, i.upper)),
                })
            })
            .collect();
        let unit = r.sequences[0]
            .outcomes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, o)| o.unit.clone())
            .unwrap_or_default();
        panels.push(outcome_bars_svg(title, &unit, &items));
    }
    if r.sequences.len() > 1 {
        let has_costs = r.cost_effectiveness.is_some();
        // y: Δcost with costs, otherwise Δ time on treatment (treatment burden).
        let (yi, y_label) = if has_costs {
            (
                5,
                format!(
                    "incremental cost ({})",
                    r.cost_effectiveness.as_ref().map(|c| c.currency.as_str()).unwrap_or("")
                ),
            )
        } else {
            (
                2,
                "incremental time on treatment, months (no costs in the SPEC)".to_string(),
            )
        };
        let labels: Vec<String> = r
            .comparison
            .iter()
            .map(|c| format!("{} vs {}", c.sequence, c.versus))
            .collect();
        let pts: Vec<Vec<(f64, f64)>> = (1..r.sequences.len())
            .map(|si| {
                r.psa_draws
                    .iter()
                    .map(|d| (d.means[si][4] - d.means[0][4], d.means[si][yi] - d.means[0][yi]))
                    .collect()
            })
            .collect();
        let series: Vec<PlaneSeries> = r
            .comparison
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let get = |k: &str| {
                    c.differences
                        .iter()
                        .find(|d| d.outcome == k)
                        .map(|d| d.mean)
                        .unwrap_or(0.0)
                };
                PlaneSeries {
                    label: &labels[i],
                    points: &pts[i],
                    base: (get("qalys"), get(if has_costs { "costs" } else { "on_treatment" })),
                }
            })
            .collect();
        let wtp = r
            .cost_effectiveness
            .as_ref()
            .and_then(|c| c.acceptability.iter().map(|a| a.wtp_per_qaly).reduce(f64::max));
        panels.push(plane_svg(
            "Incremental plane against the first sequence (PSA draws)",
            "incremental QALYs",
            &y_label,
            &series,
            wtp,
        ));
        if let Some(ce) = r.cost_effectiveness.as_ref().filter(|_| !r.psa_draws.is_empty()) {
            let max = ce
                .acceptability
                .iter()
                .map(|a| a.wtp_per_qaly)
                .fold(0.0, f64::max)
                .max(1.0)
                * 2.0;
            let grid: Vec<f64> = (0..=40).map(|i| max * i as f64 / 40.0).collect();
            let curves = report::acceptability_curve(r, &grid);
            let series: Vec<(&str, Vec<f64>)> = curves.iter().map(|(id, p)| (id.as_str(), p.clone())).collect();
            panels.push(ceac_svg(
                "Probability of the highest net monetary benefit",
                &ce.currency,
                &grid,
                &series,
            ));
        }
    }
    dashboard_svg(&r.title, report::LABEL, &panels)
}
