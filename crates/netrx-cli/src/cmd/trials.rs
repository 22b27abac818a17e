//! `netrx trials`: list and filter the trial base; `netrx trials show ID`: one trial in full,
//! every number with its source and verification status.

use crate::error::CliResult;
use crate::io;
use netrx_case::InputError;
use netrx_kb::Kb;
use netrx_kb::populations::Fit;
use netrx_kb::provenance::{Source, Status};
use netrx_kb::trials::{
    AeRow, ArmValue, Bound, CrossoverPolicy, Endpoint, Median, Outcome, StoppedEarly, TimeUnit, Trial, fmt_median,
    fmt_ratio, num,
};
use serde::Serialize;

/// List and filter the trial base, or show one trial in full with its sources.
#[derive(clap::Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
Examples:
  netrx trials                                # every trial, one line each
  netrx trials --agent everolimus --phase 3
  netrx trials --site pnet --endpoint os      # a population id or a primary site
  netrx trials --json | jq '.trials[].id'
  netrx trials --review-table 2               # the trials of the review's Table 2
  netrx trials show radiant-3                 # one trial in full, sources included
  netrx trials show 'SUN-1111' --json         # ids, names, aliases and NCT numbers work

Statuses: every number carries its source; 'UNVERIFIED' marks figures the references could not
confirm, 'secondary' figures seen only in a secondary source, 'derived' figures computed from others."
)]
pub struct Args {
    #[command(subcommand)]
    pub sub: Option<Sub>,
    /// Only trials with an arm using this agent (agent or regimen id, or an alias).
    #[arg(long)]
    pub agent: Option<String>,
    /// Only trials in this population (pnet, gi_lung, midgut, lung, gep) or enrolling this primary site.
    #[arg(long)]
    pub site: Option<String>,
    /// Only trials of this phase (1–4 or I–IV; 2 also matches 1b-2 and 2-3), or `observational`.
    #[arg(long)]
    pub phase: Option<String>,
    /// Only trials reporting this endpoint (pfs, ttp, os, pfs_rate, os_rate, response, …).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Only trials shown in this table of the review (2–6); `trials show ID` prints the review's row.
    #[arg(long, value_name = "N")]
    pub review_table: Option<u8>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Subcommand)]
pub enum Sub {
    /// Show one trial in full: design, population, arms, every result, adverse events, the
    /// review's figures with their verdict, notes — each with its source.
    Show(ShowArgs),
}

#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx trials show radiant-3
  netrx trials show NCT01524783 --json")]
pub struct ShowArgs {
    /// Trial id, name, alias or registry number (e.g. radiant-3, RADIANT-3, NCT00510068).
    pub id: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// A trial with the populations it belongs to, as printed in JSON.
#[derive(Serialize)]
struct TrialView<'a> {
    #[serde(flatten)]
    trial: &'a Trial,
    /// Population memberships (population id, cohort, fit).
    populations: Vec<Membership>,
}

#[derive(Serialize)]
struct Membership {
    population: String,
    cohort: String,
    fit: Fit,
}

#[derive(Serialize)]
struct ListOut<'a> {
    knowledge_version: &'a str,
    filters: Filters,
    count: usize,
    trials: Vec<TrialView<'a>>,
}

#[derive(Serialize, Default)]
struct Filters {
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    site: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    review_table: Option<u8>,
}

#[derive(Serialize)]
struct ShowOut<'a> {
    knowledge_version: &'a str,
    trial: TrialView<'a>,
}

pub fn run(a: Args) -> CliResult {
    let kb = Kb::embedded()?;
    if let Some(Sub::Show(s)) = a.sub {
        return show(kb, &s);
    }
    let mut filters = Filters::default();
    let mut list: Vec<&Trial> = kb.trials.trials.iter().collect();
    if let Some(ag) = &a.agent {
        let id = kb
            .agents
            .resolve_node(ag)
            .ok_or_else(|| InputError::invalid("--agent", format!("{ag:?}"), kb.agents.node_ids().join(", ")))?;
        list.retain(|t| t.arms.iter().any(|x| x.node == id || x.agents.iter().any(|g| g == id)));
        filters.agent = Some(id.to_string());
    }
    if let Some(s) = &a.site {
        let k = netrx_kb::agents::normalise(s);
        if let Some(p) = kb.populations.population(&k) {
            list.retain(|t| p.members.iter().any(|m| m.trial == t.id));
        } else if kb.populations.site(&k).is_some() {
            list.retain(|t| t.population.sites.contains(&k) || t.cohorts.iter().any(|c| c.sites.contains(&k)));
        } else {
            let mut allowed: Vec<&str> = kb.populations.ids();
            allowed.extend(kb.populations.site_ids());
            return Err(InputError::invalid("--site", format!("{s:?}"), allowed.join(", ")).into());
        }
        filters.site = Some(k);
    }
    if let Some(p) = &a.phase {
        let want = parse_phase(p)?;
        list.retain(|t| match want {
            Some(n) => t.phase_numbers().contains(&n),
            None => t.phase == "observational",
        });
        filters.phase = Some(p.clone());
    }
    if let Some(e) = &a.endpoint {
        let ep = Endpoint::parse(e).ok_or_else(|| {
            InputError::invalid(
                "--endpoint",
                format!("{e:?}"),
                Endpoint::ALL.iter().map(|x| x.id()).collect::<Vec<_>>().join(", "),
            )
        })?;
        list.retain(|t| t.results.iter().any(|r| r.endpoint == ep));
        filters.endpoint = Some(ep.id().to_string());
    }
    if let Some(n) = a.review_table {
        if !(2..=6).contains(&n) {
            return Err(
                InputError::invalid("--review-table", n, "2, 3, 4, 5, 6 (the review's evidence tables)").into(),
            );
        }
        list.retain(|t| t.review_tables.contains(&n));
        filters.review_table = Some(n);
    }
    if a.json {
        io::print_json(&ListOut {
            knowledge_version: kb.version(),
            filters,
            count: list.len(),
            trials: list.iter().map(|t| view(kb, t)).collect(),
        })
    } else {
        io::print_text(&table(kb, &list))
    }
}

fn parse_phase(s: &str) -> Result<Option<u8>, InputError> {
    let k = s.trim().to_ascii_lowercase();
    let n = match k.as_str() {
        "1" | "i" => 1,
        "2" | "ii" => 2,
        "3" | "iii" => 3,
        "4" | "iv" => 4,
        "observational" => return Ok(None),
        _ => {
            return Err(InputError::invalid(
                "--phase",
                format!("{s:?}"),
                "1, 2, 3, 4 (or I–IV), observational",
            ));
        }
    };
    Ok(Some(n))
}

fn view<'a>(kb: &'a Kb, t: &'a Trial) -> TrialView<'a> {
    let populations = kb
        .populations
        .populations
        .iter()
        .flat_map(|p| {
            p.members.iter().filter(|m| m.trial == t.id).map(move |m| Membership {
                population: p.id.clone(),
                cohort: m.cohort.clone(),
                fit: Fit::of(t.cohort_sites(&m.cohort), &p.sites),
            })
        })
        .collect();
    TrialView { trial: t, populations }
}

fn mark(s: Status) -> String {
    match s {
        Status::Verified => String::new(),
        Status::VerifiedSecondary => " [secondary]".into(),
        Status::Unverified => " [UNVERIFIED]".into(),
        Status::Derived => " [derived]".into(),
    }
}

fn median(m: &Median, unit: TimeUnit) -> String {
    match m {
        Median::NotReached => "NR".into(),
        Median::Value(v) => format!(
            "{} {}",
            fmt_median(*v),
            match unit {
                TimeUnit::Months => "mo",
                TimeUnit::Weeks => "wk",
            }
        ),
    }
}

/// One line summarising a result: medians (or rates), effect and p.
fn headline(t: &Trial, r: &Outcome) -> String {
    let mut parts = Vec::new();
    let arms: Vec<String> = r
        .arms
        .iter()
        .filter_map(|v| {
            if let Some(m) = &v.median {
                Some(median(m, r.unit))
            } else if let Some(p) = v.percent {
                Some(format!("{} %", num(p)))
            } else {
                v.orr.map(|o| format!("ORR {} %", num(o)))
            }
        })
        .collect();
    let mut s = r.endpoint.label().to_string();
    if let Some(l) = r.landmark_months {
        s.push_str(&format!(" at {} mo", num(l)));
    }
    if !arms.is_empty() {
        s.push(' ');
        s.push_str(&arms.join(" vs "));
    }
    parts.push(s);
    if let Some(e) = &r.effect {
        let ci =
            e.ci.map(|[l, h]| format!(" ({}–{})", fmt_ratio(l), fmt_ratio(h)))
                .unwrap_or_default();
        parts.push(format!(
            "{} {}{}{}",
            e.measure.label(),
            if e.approximate { "≈" } else { "" },
            fmt_ratio(e.value),
            ci
        ));
    }
    if let Some(p) = &r.p {
        parts.push(p.display());
    }
    if let Some(a) = r.assessment {
        parts.push(a.label().to_string());
    }
    let _ = t;
    const SHOWN: &[&str] = &["median", "percent", "orr", "effect", "effect.ci", "p"];
    let st = [r.source.status]
        .into_iter()
        .chain(
            r.overrides
                .iter()
                .filter(|o| SHOWN.contains(&o.field.as_str()))
                .map(|o| o.status),
        )
        .max_by_key(|s| match s {
            Status::Verified => 0,
            Status::Derived => 1,
            Status::VerifiedSecondary => 2,
            Status::Unverified => 3,
        })
        .unwrap_or(Status::Verified);
    format!("{}{}", parts.join("; "), mark(st))
}

fn arms_text(kb: &Kb, t: &Trial) -> String {
    t.arms
        .iter()
        .map(|a| kb.agents.node_name(&a.node).to_string())
        .collect::<Vec<_>>()
        .join(" vs ")
}

/// Pad to a width in characters.
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn table(kb: &Kb, list: &[&Trial]) -> String {
    if list.is_empty() {
        return format!("No trial matches.\nKnowledge   {}", kb.version());
    }
    let rows: Vec<[String; 7]> = list
        .iter()
        .map(|t| {
            let pops: Vec<String> = kb.populations.of_trial(&t.id).iter().map(|p| p.id.clone()).collect();
            [
                t.id.clone(),
                t.name.clone(),
                t.phase.clone(),
                t.population.n.map(|n| n.to_string()).unwrap_or_else(|| "–".into()),
                if pops.is_empty() { "–".into() } else { pops.join(",") },
                arms_text(kb, t),
                t.headline().map(|r| headline(t, r)).unwrap_or_else(|| {
                    t.recruitment
                        .as_ref()
                        .map(|r| r.status.clone())
                        .unwrap_or_else(|| "no results".into())
                }),
            ]
        })
        .collect();
    let head = ["ID", "Trial", "Phase", "N", "Populations", "Arms", "Primary result"];
    let mut w = [0usize; 7];
    for (i, h) in head.iter().enumerate() {
        w[i] = h.chars().count();
    }
    for r in &rows {
        for i in 0..6 {
            w[i] = w[i].max(r[i].chars().count());
        }
    }
    // Keep the arms column readable.
    w[5] = w[5].min(44);
    let mut s = String::new();
    let line = |cells: &[String; 7], w: &[usize; 7]| -> String {
        let mut l = String::new();
        for i in 0..6 {
            let cell = if cells[i].chars().count() > w[i] {
                let mut c: String = cells[i].chars().take(w[i] - 1).collect();
                c.push('…');
                c
            } else {
                cells[i].clone()
            };
            l.push_str(&pad(&cell, w[i]));
            l.push_str("  ");
        }
        l.push_str(&cells[6]);
        l.trim_end().to_string()
    };
    s.push_str(&line(&head.map(String::from), &w));
    s.push('\n');
    for r in &rows {
        s.push_str(&line(r, &w));
        s.push('\n');
    }
    s.push_str(&format!(
        "\n{} trial(s). 'netrx trials show ID' prints one in full with every source. Knowledge {}",
        rows.len(),
        kb.version()
    ));
    s
}

fn show(kb: &Kb, a: &ShowArgs) -> CliResult {
    let t = kb.trials.get(&a.id).ok_or_else(|| {
        InputError::invalid(
            "ID",
            format!("{:?}", a.id),
            format!(
                "a trial id, name, alias or registry number: {}",
                kb.trials.ids().join(", ")
            ),
        )
    })?;
    if a.json {
        io::print_json(&ShowOut {
            knowledge_version: kb.version(),
            trial: view(kb, t),
        })
    } else {
        io::print_text(&render(kb, t))
    }
}

fn src(s: &Source) -> String {
    let mut out = format!("{} [{}]", s.reference, s.status.mark());
    if let Some(n) = &s.note {
        out.push_str(&format!(" — {n}"));
    }
    out
}

fn bound(b: &Bound) -> String {
    match b {
        Bound::Value(v) => fmt_median(*v),
        Bound::NotEstimable => "NE".into(),
    }
}

fn arm_value(v: &ArmValue, r: &Outcome) -> String {
    let mut p = Vec::new();
    if let Some(n) = v.n {
        p.push(format!("n={n}"));
    }
    if let Some(m) = &v.median {
        let ci = v
            .median_ci
            .map(|[l, h]| format!(" ({}–{})", bound(&l), bound(&h)))
            .unwrap_or_default();
        p.push(format!("median {}{ci}", median(m, r.unit)));
    }
    if let Some(x) = v.percent {
        let ci = v
            .percent_ci
            .map(|[l, h]| format!(" ({}–{})", num(l), num(h)))
            .unwrap_or_default();
        p.push(format!("{} %{ci}", num(x)));
    }
    for (name, x) in [
        ("ORR", v.orr),
        ("CR", v.cr),
        ("PR", v.pr),
        ("SD", v.sd),
        ("PD", v.pd),
        ("DCR", v.dcr),
    ] {
        if let Some(x) = x {
            p.push(format!("{name} {} %", num(x)));
        }
    }
    if let Some(e) = v.events {
        p.push(format!("events {e}"));
    }
    p.join(", ")
}

fn pct(x: &Option<netrx_kb::trials::Pct>) -> String {
    x.map(|p| p.to_string()).unwrap_or_else(|| "–".into())
}

/// The full text of one trial.
pub fn render(kb: &Kb, t: &Trial) -> String {
    let mut s = String::new();
    let mut w = |line: String| {
        s.push_str(&line);
        s.push('\n');
    };
    w(format!("{} — {}", t.name, t.title));
    let mut id = format!("  Id           {}", t.id);
    if !t.aliases.is_empty() {
        id.push_str(&format!("  (also: {})", t.aliases.join(", ")));
    }
    w(id);
    if !t.registry.is_empty() {
        // The registry ids' own source: trials.md marks some NCT numbers UNVERIFIED.
        let mark = t
            .registry_source
            .as_ref()
            .map(|s| format!(" — {}", src(s)))
            .unwrap_or_else(|| " [UNVERIFIED] — no source".into());
        w(format!("  Registry     {}{mark}", t.registry.join(", ")));
    }
    let d = &t.design;
    w(format!(
        "  Phase        {} · {} · {}{}",
        t.phase,
        d.kind.label(),
        d.blinding.label(),
        d.allocation.as_ref().map(|a| format!(" · {a}")).unwrap_or_default()
    ));
    let pops: Vec<String> = view(kb, t)
        .populations
        .iter()
        .map(|m| {
            if m.cohort == "all" {
                format!("{} ({})", m.population, m.fit.id())
            } else {
                format!("{} ({}, {})", m.population, m.cohort, m.fit.id())
            }
        })
        .collect();
    if !pops.is_empty() {
        w(format!("  Populations  {}", pops.join(", ")));
    }
    if !t.review_tables.is_empty() {
        w(format!(
            "  Review       table(s) {}",
            t.review_tables
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(r) = &t.recruitment {
        w(format!("  Status       {} — {}", r.status, src(&r.source)));
    }
    w(String::new());
    w("Publications".into());
    for p in &t.publications {
        w(format!(
            "  - {}{} [{}] — {}",
            p.citation,
            p.pmid.as_ref().map(|x| format!(", PMID {x}")).unwrap_or_default(),
            p.role,
            src(&p.source)
        ));
    }
    w(String::new());
    w("Design".into());
    w(format!("  {}", d.summary));
    let stop = match d.stopped_early {
        StoppedEarly::No => "no".to_string(),
        StoppedEarly::Benefit => "yes, for benefit".into(),
        StoppedEarly::Interim => "yes, at an interim analysis".into(),
        StoppedEarly::PoorAccrual => "yes, for poor accrual".into(),
        StoppedEarly::NotStated => "not stated".into(),
    };
    w(format!(
        "  Stopped early: {stop}{}",
        d.stopped_early_note
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    ));
    if let Some(c) = &d.crossover {
        let pol = match c.policy {
            CrossoverPolicy::Allowed => "allowed",
            CrossoverPolicy::PostStudy => "after the study",
            CrossoverPolicy::NotAllowed => "not allowed",
            CrossoverPolicy::NotApplicable => "not applicable",
            CrossoverPolicy::NotStated => "not stated",
        };
        w(format!(
            "  Crossover: {pol}{} — {} — {}",
            c.percent.map(|p| format!(", {} %", num(p))).unwrap_or_default(),
            c.text,
            src(c.source.as_ref().unwrap_or(&d.source))
        ));
    }
    if let Some(e) = &d.era {
        w(format!(
            "  Era: {}–{} ({}) — {}",
            e.from,
            e.to,
            e.basis.replace('_', " "),
            src(&e.source)
        ));
    }
    if let Some(r) = &d.region {
        w(format!("  Region: {r}"));
    }
    w(format!("  Source: {}", src(&d.source)));
    for o in &d.overrides {
        w(format!("  ! {}: {} — {}", o.field, o.status.mark(), o.note));
    }
    w(String::new());
    let p = &t.population;
    w("Population".into());
    w(format!("  {}", p.description));
    let sites: Vec<&str> = p.sites.iter().map(|x| kb.populations.site_name(x)).collect();
    w(format!(
        "  N {} · sites: {} · {}",
        p.n.map(|n| n.to_string()).unwrap_or_else(|| "not stated".into()),
        sites.join(", "),
        p.functional.label()
    ));
    if !p.site_mix.is_empty() {
        w(format!(
            "  Site mix: {}",
            p.site_mix
                .iter()
                .map(|x| format!(
                    "{} {} %{}",
                    x.label,
                    num(x.percent),
                    x.status.map(mark).unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if let Some(g) = &p.grade {
        let read = if p.grades.is_empty() {
            " [grades not stated]".to_string()
        } else {
            format!(
                " [grades: {}]",
                p.grades.iter().map(|g| g.id()).collect::<Vec<_>>().join(", ")
            )
        };
        w(format!(
            "  Grade: {g}{}{read}",
            p.ki67_max
                .map(|k| format!(" (Ki-67 ≤ {} %)", num(k)))
                .unwrap_or_default()
        ));
    }
    w(format!(
        "  Progression at entry: {}{}",
        p.progression.label(),
        p.progression_note
            .as_ref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default()
    ));
    w(format!(
        "  Prior therapy: {}{}",
        p.prior_therapy.label(),
        p.prior_therapy_note
            .as_ref()
            .map(|n| format!(" — {n}"))
            .unwrap_or_default()
    ));
    w(format!(
        "  SSA background: {}",
        format!("{:?}", p.ssa_background).to_lowercase()
    ));
    w(format!("  Source: {}", src(&p.source)));
    for o in &p.overrides {
        w(format!("  ! {}: {} — {}", o.field, o.status.mark(), o.note));
    }
    w(String::new());
    w("Arms".into());
    for a in &t.arms {
        w(format!(
            "  {}  n={}  {}  [node {}]{}",
            a.id,
            a.n.map(|n| n.to_string()).unwrap_or_else(|| "–".into()),
            a.label,
            a.node,
            a.source.as_ref().map(|s| format!(" — {}", src(s))).unwrap_or_default()
        ));
    }
    if !t.cohorts.is_empty() {
        w(String::new());
        w("Cohorts and subgroups".into());
        for c in &t.cohorts {
            let arms: Vec<String> = c.arm_n.iter().map(|(k, v)| format!("{k} {v}")).collect();
            w(format!(
                "  {}  {} ({:?}){}{} — {}",
                c.id,
                c.label,
                c.kind,
                c.n.map(|n| format!(", n={n}")).unwrap_or_default(),
                if arms.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", arms.join(", "))
                },
                src(&c.source)
            ));
        }
    }
    w(String::new());
    w("Results".into());
    for r in &t.results {
        let cohort = if r.cohort == "all" {
            "whole trial".to_string()
        } else {
            t.cohort_label(&r.cohort)
        };
        w(format!(
            "  {} · {} · {}{} — {}",
            r.endpoint.label(),
            cohort,
            format!("{:?}", r.kind).to_lowercase().replace("posthoc", "post hoc"),
            if r.preferred { " (preferred)" } else { "" },
            r.analysis
        ));
        if let Some(l) = r.landmark_months {
            w(format!("      landmark {} months", num(l)));
        }
        for v in &r.arms {
            let name = t.arm(&v.arm).map(|a| kb.agents.node_name(&a.node)).unwrap_or(&v.arm);
            w(format!("      {name}: {}", arm_value(v, r)));
        }
        if let Some(e) = &r.effect {
            let ci =
                e.ci.map(|[l, h]| format!(" ({}–{}, {} % CI)", fmt_ratio(l), fmt_ratio(h), num(e.ci_level)))
                    .unwrap_or_else(|| " (no CI reported)".into());
            let a1 = t
                .arm(&e.contrast[0])
                .map(|a| kb.agents.node_name(&a.node))
                .unwrap_or("?");
            let a2 = t
                .arm(&e.contrast[1])
                .map(|a| kb.agents.node_name(&a.node))
                .unwrap_or("?");
            w(format!(
                "      {} {}{}{ci}, {a1} vs {a2}",
                e.measure.label(),
                if e.approximate { "≈" } else { "" },
                fmt_ratio(e.value)
            ));
        }
        if let Some(p) = &r.p {
            w(format!(
                "      {}{}",
                p.display(),
                p.test.as_ref().map(|x| format!(" ({x})")).unwrap_or_default()
            ));
        }
        if let Some(n) = &r.note {
            w(format!("      Note: {n}"));
        }
        w(format!("      Source: {}", src(&r.source)));
        for o in &r.overrides {
            w(format!(
                "      ! {}{}: {} — {}",
                o.field,
                o.arm.as_ref().map(|a| format!(" ({a})")).unwrap_or_default(),
                o.status.mark(),
                o.note
            ));
        }
    }
    if !t.ae_tables.is_empty() {
        w(String::new());
        w("Adverse events (% of patients: all grades / grade 3–4 or ≥ 3)".into());
        for tab in &t.ae_tables {
            w(format!(
                "  {} ({}) — {}",
                tab.label,
                tab.attribution.replace('_', " "),
                src(&tab.source)
            ));
            if let Some(n) = &tab.note {
                w(format!("    Note: {n}"));
            }
            let term_w = tab
                .rows
                .iter()
                .map(|r| r.term.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            for row in &tab.rows {
                w(format!("    {}", ae_line(kb, t, tab.arm.as_deref(), row, term_w)));
            }
        }
    }
    if !t.review.is_empty() {
        w(String::new());
        w("The review's figures (as printed), checked against the primary paper".into());
        for r in &t.review {
            w(format!("  {}: \"{}\"", r.place, r.quoted));
            w(format!(
                "    Verdict: {:?}{} — {}",
                r.verdict,
                r.note.as_ref().map(|n| format!(" — {n}")).unwrap_or_default(),
                src(&r.source)
            ));
        }
    }
    if !t.notes.is_empty() {
        w(String::new());
        w("Notes".into());
        for n in &t.notes {
            w(format!("  - {} — {}", n.text, src(&n.source)));
        }
    }
    w(String::new());
    w(format!("Knowledge   {}", kb.version()));
    s.trim_end().to_string()
}

fn ae_line(kb: &Kb, t: &Trial, table_arm: Option<&str>, r: &AeRow, term_w: usize) -> String {
    let arm = r.arm.as_deref().or(table_arm).unwrap_or("?");
    let name = t.arm(arm).map(|a| kb.agents.node_name(&a.node)).unwrap_or(arm);
    let mut vals = format!("{} / {}", pct(&r.all_grades), pct(&r.grade_3_4));
    if r.grade_3_plus.is_some() {
        vals = format!("{} / ≥3: {}", pct(&r.all_grades), pct(&r.grade_3_plus));
    } else if r.grade_3.is_some() && r.grade_3_4.is_none() {
        vals = format!("{} / grade 3: {}", pct(&r.all_grades), pct(&r.grade_3));
    }
    format!(
        "{}  {vals}  ({name}){}",
        pad(&r.term.replace('_', " "), term_w),
        r.source.as_ref().map(|s| format!(" — {}", src(s))).unwrap_or_default()
    )
}
