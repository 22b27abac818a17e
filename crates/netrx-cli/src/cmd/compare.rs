//! `netrx compare A B --population P`: the direct estimate, a Bucher indirect comparison
//! through a shared comparator, or a refusal — with the assumption and the heterogeneity
//! warnings derived from the trials.

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_clinical::compare::{CompareError, Comparison, Request, compare};
use netrx_kb::Kb;

/// Compare two treatments in a population: the direct estimate where a head-to-head trial exists,
/// a Bucher indirect comparison through a shared comparator, or a refusal when the evidence network
/// cannot support it.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx compare everolimus sunitinib --population pnet
  netrx compare everolimus surufatinib --population gi_lung --json
  netrx compare lu177_edotreotide everolimus --population gep       # direct (COMPETE)
  netrx compare everolimus sunitinib --population pnet --endpoint os
  netrx compare everolimus octreotide_lar --population midgut --allow-ttp

A and B are agent ids (everolimus, sunitinib, cabozantinib, surufatinib, lanreotide, octreotide_lar,
lu177_dotatate, lu177_edotreotide, …), regimen ids (everolimus+octreotide_lar, octreotide_lar_60mg,
lu177_dotatate+octreotide_lar, …) or aliases. Populations: pnet (pancreatic), gi_lung (non-pancreatic
GI and lung, as RADIANT-4), midgut, lung (lung/thymus), gep (all gastroenteropancreatic).

HR < 1 favours A. A Bucher estimate (or several direct trials pooled) is derived by netrx from published
hazard ratios (SE from the 95 % CI): not a published result, and not evidence of superiority on its own.
A direct estimate from one head-to-head trial (COMPETE) is that trial's published result (JSON
\"estimate\": \"published\" vs \"derived\"). When the network is disconnected (e.g. octreotide LAR 60 mg
links to nothing else) netrx refuses: exit code 2 with the reason; with --json the refusal is also
printed as JSON on stdout, with every contract key (hr, ci_low, ci_high, p, method null; path,
warnings empty) and \"refused\": true.")]
pub struct Args {
    /// Treatment A (agent or regimen id).
    #[arg(value_name = "A")]
    pub a: String,
    /// Treatment B (agent or regimen id).
    #[arg(value_name = "B")]
    pub b: String,
    /// Population: pnet, gi_lung, midgut, lung, gep.
    #[arg(long)]
    pub population: String,
    /// Endpoint: pfs, ttp or os.
    #[arg(long, default_value = "pfs")]
    pub endpoint: String,
    /// Let TTP (deaths censored) stand in for PFS where a trial reports only TTP (warned).
    #[arg(long)]
    pub allow_ttp: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let kb = Kb::embedded()?;
    let req = Request {
        a: a.a.clone(),
        b: a.b.clone(),
        population: a.population.clone(),
        endpoint: a.endpoint.clone(),
        allow_ttp: a.allow_ttp,
    };
    match compare(kb, &req) {
        Ok(c) => {
            if a.json {
                io::print_json(&c)
            } else {
                io::print_text(&render(kb, &c))
            }
        }
        Err(CompareError::Input(e)) => Err(e.into()),
        Err(CompareError::Refused(r)) => {
            if a.json {
                // Every key of the comparison contract, null / [] where there is no estimate.
                io::print_json(&*r)?;
            }
            Err(CliError::input("A, B", r.to_string()))
        }
    }
}

fn f2(x: f64) -> String {
    format!("{x:.2}")
}

fn p_text(p: f64) -> String {
    if p < 0.001 { "< 0.001".into() } else { format!("{p:.3}") }
}

/// The human answer.
pub fn render(kb: &Kb, c: &Comparison) -> String {
    let mut s = String::new();
    let mut w = |l: String| {
        s.push_str(&l);
        s.push('\n');
    };
    w(format!(
        "{} vs {} — {} ({}), {}",
        c.a_name,
        c.b_name,
        c.population_name,
        c.population,
        c.endpoint.label()
    ));
    w(format!(
        "  HR {} (95% CI {}–{}), p = {}{}   [{}]",
        f2(c.hr),
        f2(c.ci_low),
        f2(c.ci_high),
        p_text(c.p),
        if c.p_method == "published" { " (published)" } else { "" },
        if c.method == "direct" {
            "direct randomised estimate".to_string()
        } else {
            "derived: Bucher adjusted indirect comparison".to_string()
        }
    ));
    w(format!("  HR < 1 favours {}.", c.a_name));
    let via: Vec<&str> = c.nodes[1..c.nodes.len() - 1]
        .iter()
        .map(|n| kb.agents.node_name(n))
        .collect();
    w(format!(
        "  Method      {}{}",
        c.method,
        if via.is_empty() {
            String::new()
        } else {
            format!(", through {}", via.join(" → "))
        }
    ));
    let mut first = true;
    for l in &c.links {
        for i in &l.inputs {
            let cohort = if i.cohort == "all" {
                String::new()
            } else {
                format!(", {}", i.cohort_label)
            };
            let ass = i.assessment.map(|a| format!(", {}", a.label())).unwrap_or_default();
            w(format!(
                "  {}{}{}: {} vs {}, HR {} ({}–{}){ass} — {} [{}]",
                if first { "Path        " } else { "            " },
                i.trial_name,
                cohort,
                kb.agents.node_name(&i.contrast[0]),
                kb.agents.node_name(&i.contrast[1]),
                netrx_kb::trials::fmt_ratio(i.hr),
                netrx_kb::trials::fmt_ratio(i.ci[0]),
                netrx_kb::trials::fmt_ratio(i.ci[1]),
                i.source.reference,
                i.source.status.mark()
            ));
            first = false;
        }
        if l.inputs.len() > 1 {
            w(format!(
                "              pooled {} vs {}: HR {} ({}–{})",
                kb.agents.node_name(&l.from),
                kb.agents.node_name(&l.to),
                f2(l.hr),
                f2(l.ci_low),
                f2(l.ci_high)
            ));
        }
    }
    w(format!("  Assumption  {}", c.assumption));
    w(format!("  Reading     {}", c.interpretation));
    if !c.warnings.is_empty() {
        w("  Warnings".into());
        for x in &c.warnings {
            w(format!("    ! {x}"));
        }
    }
    let passed: Vec<&str> = c.checks.iter().filter(|x| !x.warn).map(|x| x.check).collect();
    if !passed.is_empty() {
        w(format!("  No concern  {}", passed.join(", ")));
    }
    if !c.sensitivity.is_empty() {
        w("  Sensitivity (other analyses of the same trials)".into());
        for v in &c.sensitivity {
            w(format!(
                "    {} → HR {} ({}–{})",
                v.label,
                f2(v.hr),
                f2(v.ci_low),
                f2(v.ci_high)
            ));
        }
    }
    if !c.alternatives.is_empty() {
        w("  Other routes".into());
        for v in &c.alternatives {
            w(format!(
                "    {} [{}] → HR {} ({}–{})",
                v.label,
                v.path.join(", "),
                f2(v.hr),
                f2(v.ci_low),
                f2(v.ci_high)
            ));
        }
    }
    let origin = match (c.estimate, c.method) {
        ("published", _) => "the trial's published estimate (HR and CI as reported), not computed by netrx",
        (_, "direct") => "pooled by netrx from the trials' published HRs (fixed effect), not a published estimate",
        _ => "computed by netrx from published HRs, not a published estimate",
    };
    w(format!("  Status      {} — {origin}", c.status.mark()));
    w(format!("  Knowledge   {}", c.knowledge_version));
    s.trim_end().to_string()
}
