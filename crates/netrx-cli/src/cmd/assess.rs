//! `netrx assess`: the tumour-board assessment — classification, then every
//! systemic option with label status, guideline role, evidence and cautions.

use crate::error::CliResult;
use crate::io;
use netrx_clinical::assess::facts::GapKind;
use netrx_clinical::assess::{AgentOption, Assessment, Evidence, LabelStatus, OptionRole};
use netrx_clinical::capability::{Options, Region};
use netrx_kb::cautions::Severity;
use netrx_kb::provenance::Status;
use netrx_kb::trials::num;
use std::path::PathBuf;

/// Tumour-board assessment: every systemic option with label status, guideline role, evidence and cautions.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx assess examples/pnet-g2-progressive.json
  netrx assess examples/si-net-carcinoid-syndrome.json --region eu
  netrx assess examples/lung-atypical-carcinoid.json --json

Roles come from guideline rules (knowledge/guidelines/: ENETS 2016, the NCCN-style algorithm, the pNET,
small-intestine (ENETS 2024), lung/thymus (ESMO 2021) and NEC tables); labels from
knowledge/indications.toml for the region; cautions from knowledge/cautions.toml. Every statement shows
its source and verification status; UNVERIFIED rules say so. A missing input that decides a role or a
label is named with what would change — nothing is filled in by default: an option whose role a missing
input decides has role `undetermined` (listed as \"not positioned yet\"). See docs/assess.md.")]
pub struct Args {
    /// The case file (JSON; see docs/case-file.md), or - for standard input.
    pub case: PathBuf,
    /// Whose label applies: us (FDA label) or eu (EMA SmPC).
    #[arg(long, default_value = "us", value_parser = clap::builder::PossibleValuesParser::new(["us", "eu"]))]
    pub region: String,
    /// Grading scheme for the classification (auto picks the newest for the site).
    #[arg(long, default_value = "auto", value_parser = clap::builder::PossibleValuesParser::new(netrx_clinical::grade::SCHEME_CHOICES))]
    pub scheme: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let kb = netrx_kb::Kb::embedded()?;
    let region = Region::parse("--region", &a.region)?;
    let text = io::read_input("case", &a.case)?;
    let case = netrx_clinical::load_case(&text, kb)?;
    let opts = Options {
        region,
        scheme: a.scheme.clone(),
    };
    let r = netrx_clinical::assess::assess(&case, kb, &opts).map_err(|e| {
        if e.field == "scheme" {
            netrx_case::InputError {
                field: "--scheme".into(),
                ..e
            }
        } else {
            e
        }
    })?;
    if a.json {
        io::print_json(&r)
    } else {
        io::print_text(&render(&r))
    }
}

fn mark(s: Status) -> &'static str {
    s.mark()
}

fn label_text(l: LabelStatus, region: Region) -> String {
    let r = region.id().to_uppercase();
    match l {
        LabelStatus::Approved => format!("label: approved ({r})"),
        LabelStatus::NotApproved => format!("label: NOT approved for this indication ({r})"),
        LabelStatus::OffLabelEvidence => format!("label: off-label, with guideline/trial support ({r})"),
        LabelStatus::Undetermined => format!("label: undetermined — input missing ({r})"),
        LabelStatus::NotStated => "label: not stated in the references".into(),
        LabelStatus::NotApplicable => "no drug label (procedure/strategy)".into(),
    }
}

fn heading(r: OptionRole) -> &'static str {
    match r {
        OptionRole::Preferred => "PREFERRED",
        OptionRole::Option => "OPTIONS",
        OptionRole::LaterLine => "LATER LINE",
        OptionRole::NotRecommended => "NOT RECOMMENDED",
        OptionRole::Undetermined => "NOT POSITIONED YET — A MISSING INPUT DECIDES (role undetermined)",
        OptionRole::NotIndicated => "NOT INDICATED",
    }
}

/// One line per trial: name, N, endpoint, medians per arm, effect with CI, p.
pub fn evidence_line(e: &Evidence) -> String {
    let mut s = e.name.clone();
    let mut paren = Vec::new();
    if e.cohort != "all" {
        paren.push(e.cohort_label.clone());
    }
    if let Some(n) = e.n {
        paren.push(format!("n={n}"));
    }
    if !paren.is_empty() {
        s.push_str(&format!(" ({})", paren.join(", ")));
    }
    if e.relation == "comparator" {
        s.push_str(" [as comparator]");
    }
    s.push_str(&format!(": {}", serde_label(&e.endpoint)));
    let medians: Vec<String> = e
        .arms
        .iter()
        .filter_map(|a| {
            a.median
                .map(|m| format!("{} {}", m, a.treatment.split(['(', ',']).next().unwrap_or("").trim()))
                .or_else(|| a.percent.map(|p| format!("{} % {}", num(p), a.treatment)))
        })
        .collect();
    if !medians.is_empty() {
        s.push_str(&format!(" {}", medians.join(" vs ")));
        if let Some(u) = &e.unit {
            s.push_str(&format!(" ({})", if u == "months" { "mo" } else { u.as_str() }));
        }
    }
    if let Some(eff) = &e.effect {
        s.push_str(&format!(
            "; {} {}{}",
            eff.measure.to_uppercase(),
            if eff.approximate { "≈" } else { "" },
            num(eff.value)
        ));
        if let (Some(lo), Some(hi)) = (eff.ci_low, eff.ci_high) {
            s.push_str(&format!(" ({}–{})", num(lo), num(hi)));
        }
    }
    if let Some(p) = &e.p {
        s.push_str(&format!("; {p}"));
    }
    if let Some(a) = &e.assessment {
        s.push_str(&format!(
            "; {}",
            serde_json::to_value(a)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        ));
    }
    if e.status != Status::Verified {
        s.push_str(&format!(" [{}]", mark(e.status)));
    }
    if !e.population_notes.is_empty() {
        s.push_str(&format!(" — differs: {}", e.population_notes.join("; ")));
    }
    s
}

fn serde_label(e: &netrx_kb::trials::Endpoint) -> &'static str {
    e.label()
}

fn option_block(o: &AgentOption, region: Region, s: &mut String) {
    let current = if o.current { " — current therapy" } else { "" };
    s.push_str(&format!("  {}{current} — {}\n", o.name, label_text(o.label, region)));
    let shown = 3;
    for w in o.why.iter().take(shown) {
        let mut line = format!("      why  {} — {} [{}]", w.text, w.source, mark(w.status));
        if let Some(l) = &w.level {
            line.push_str(&format!(" ({l})"));
        }
        if let Some(n) = &w.not_checked {
            line.push_str(&format!(" (not checked: {n})"));
        }
        s.push_str(&line);
        s.push('\n');
    }
    if o.why.len() > shown {
        s.push_str(&format!("           (+{} more rules: --json)\n", o.why.len() - shown));
    }
    for b in o
        .label_detail
        .basis
        .iter()
        .filter(|b| matches!(b.effect.as_str(), "limitation" | "flag" | "outside_label"))
        .take(3)
    {
        s.push_str(&format!("    label  {} — {} [{}]\n", b.text, b.source, mark(b.status)));
    }
    let mut trials_shown = Vec::new();
    for e in &o.evidence {
        if trials_shown.contains(&e.trial) || trials_shown.len() >= 3 {
            continue;
        }
        trials_shown.push(e.trial.clone());
        s.push_str(&format!("    trial  {}\n", evidence_line(e)));
    }
    cautions_block(o, s);
    if let Some(m) = missing_summary(o) {
        s.push_str(&format!("     ?    depends on {m}\n"));
    }
}

/// The cautions, `!!` high, `!` moderate, `·` info.
fn cautions_block(o: &AgentOption, s: &mut String) {
    for c in &o.cautions {
        let tag = match c.severity {
            Severity::High => "  !!",
            Severity::Moderate => "   !",
            Severity::Info => "   ·",
        };
        let st = if c.status == Status::Verified {
            String::new()
        } else {
            format!("; {}", mark(c.status))
        };
        s.push_str(&format!("{tag}    {} [{}{st}]\n", c.text, c.source));
    }
}

fn role_word(r: OptionRole) -> &'static str {
    match r {
        OptionRole::Preferred => "preferred",
        OptionRole::Option => "option",
        OptionRole::LaterLine => "later line",
        OptionRole::NotRecommended => "not recommended",
        OptionRole::Undetermined => "undetermined",
        OptionRole::NotIndicated => "not indicated",
    }
}

/// One line: each missing categorical input with what each value would give; inputs that decide a
/// rule only together (or numbers, borderline values) with what the rule would give.
fn missing_summary(o: &AgentOption) -> Option<String> {
    if o.missing.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for m in o.missing.iter().filter(|m| !m.outcomes.is_empty()) {
        let outs: Vec<String> = m
            .outcomes
            .iter()
            .map(|x| {
                let mut t = format!("{} → {}", x.value, role_word(x.role));
                if x.label != o.label {
                    t.push_str(&format!(", label {}", x.label.id()));
                }
                t
            })
            .collect();
        parts.push(format!("{} ({})", m.fields[0], outs.join("; ")));
    }
    for m in o.missing.iter().filter(|m| m.outcomes.is_empty()) {
        let what = if m.kind == GapKind::Borderline || !m.borderline.is_empty() {
            format!("{} [borderline: {}]", m.fields.join(" + "), m.detail)
        } else {
            m.fields.join(" + ")
        };
        let would = m.would.split(" if this ").next().unwrap_or(&m.would);
        let t = format!("{what} → {would}");
        if !parts.contains(&t) {
            parts.push(t);
        }
    }
    Some(parts.join("; "))
}

/// The tumour-board summary.
pub fn render(r: &Assessment) -> String {
    let mut s = String::new();
    let c = &r.classification;
    let f = &r.facts;
    s.push_str(&format!(
        "{}: tumour-board assessment ({} label)\n",
        r.case_id,
        r.region.id().to_uppercase()
    ));
    s.push_str(&format!(
        "  Classification  {}{} — {} ({})\n",
        c.name,
        c.grade
            .filter(|g| !c.name.contains(g.as_str()))
            .map(|g| format!(" ({})", g.as_str()))
            .unwrap_or_default(),
        f.site,
        c.scheme
    ));
    let yn = |v: Option<bool>, yes: &str, no: &str| match v {
        Some(true) => yes.to_string(),
        Some(false) => no.to_string(),
        None => "?".to_string(),
    };
    let mut pt = vec![
        match (&f.functional, &f.syndrome) {
            (Some(true), Some(syn)) => format!("functional ({syn})"),
            (Some(true), None) => "functional".into(),
            (Some(false), _) => "non-functional".into(),
            (None, _) => "function ?".into(),
        },
        format!("SSTR {}", f.sstr.as_deref().unwrap_or("?")),
        match (&f.progression, f.progression_months) {
            (Some(p), Some(m)) => format!("{p} over {} months", num(m)),
            (Some(p), None) => p.clone(),
            (None, _) => "progression ?".into(),
        },
        f.extent.clone().unwrap_or_else(|| "extent ?".into()).replace('_', " "),
    ];
    if let Some(k) = f.ki67_percent {
        pt.insert(0, format!("Ki-67 {} %", num(k)));
    }
    if let Some(b) = f.liver_burden_percent {
        pt.push(format!("liver burden {} %", num(b)));
    }
    pt.push(yn(
        f.extrahepatic,
        "extrahepatic disease",
        "liver-only/no extrahepatic disease",
    ));
    pt.push(yn(f.symptomatic, "symptomatic", "asymptomatic"));
    s.push_str(&format!("  Patient         {}\n", pt.join("; ")));
    if !f.prior_therapies.is_empty() {
        let p: Vec<String> = f
            .prior_therapies
            .iter()
            .map(|p| {
                format!(
                    "{} (line {}, {})",
                    p.agent,
                    p.line,
                    serde_json::to_value(p.outcome)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default()
                )
            })
            .collect();
        s.push_str(&format!("  Prior therapy   {}\n", p.join("; ")));
    }
    if !f.comorbidities.is_empty() {
        s.push_str(&format!("  Comorbidities   {}\n", f.comorbidities.join(", ")));
    }
    for a in &r.advice {
        s.push_str(&format!(
            "  Note            {} [{}; {}]\n",
            a.text,
            a.source,
            mark(a.status)
        ));
    }
    for role in [
        OptionRole::Preferred,
        OptionRole::Option,
        OptionRole::LaterLine,
        OptionRole::NotRecommended,
    ] {
        let opts: Vec<&AgentOption> = r.options.iter().filter(|o| o.role == role).collect();
        if opts.is_empty() {
            continue;
        }
        s.push_str(&format!("\n{}\n", heading(role)));
        for o in opts {
            if role == OptionRole::NotRecommended {
                let w = o.why.first();
                s.push_str(&format!(
                    "  {} — {}{}\n",
                    o.name,
                    w.map(|w| w.text.as_str()).unwrap_or(""),
                    w.map(|w| format!(" [{}; {}]", w.source, mark(w.status)))
                        .unwrap_or_default()
                ));
                if let Some(m) = missing_summary(o) {
                    s.push_str(&format!("     ?    depends on {m}\n"));
                }
            } else {
                option_block(o, r.region, &mut s);
            }
        }
    }
    // Undetermined: a missing input decides; one line each (what it depends on), and the cautions.
    let undecided: Vec<&AgentOption> = r
        .options
        .iter()
        .filter(|o| o.role == OptionRole::Undetermined)
        .collect();
    if !undecided.is_empty() {
        s.push_str(&format!("\n{}\n", heading(OptionRole::Undetermined)));
        for o in &undecided {
            let could: Vec<&str> = o.possible_roles.iter().map(|r| role_word((*r).into())).collect();
            s.push_str(&format!(
                "  {} — {}; could be {}; depends on {}\n",
                o.name,
                label_text(o.label, r.region),
                could.join(" / "),
                missing_summary(o).unwrap_or_default()
            ));
            cautions_block(o, &mut s);
        }
    }
    let ni: Vec<&AgentOption> = r
        .options
        .iter()
        .filter(|o| o.role == OptionRole::NotIndicated)
        .collect();
    if !ni.is_empty() {
        s.push_str("\nNOT INDICATED for this patient (no guideline position, or a prerequisite not met)\n");
        for o in ni.iter().filter(|o| o.why.iter().any(|w| w.id != "no_rule")) {
            let w = &o.why[0];
            s.push_str(&format!(
                "  {} — {} [{}; {}]\n",
                o.agent,
                w.text,
                w.source,
                mark(w.status)
            ));
        }
        let rest: Vec<&str> = ni
            .iter()
            .filter(|o| o.why.iter().all(|w| w.id == "no_rule"))
            .map(|o| o.agent.as_str())
            .collect();
        if !rest.is_empty() {
            s.push_str(&format!("  no guideline rule for this patient: {}\n", rest.join(", ")));
        }
    }
    if !r.missing.is_empty() {
        s.push_str("\nMISSING OR BORDERLINE INPUTS (nothing is assumed for them)\n");
        for m in &r.missing {
            let kind = serde_json::to_value(m.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            s.push_str(&format!("  {} ({kind}) → decides {}\n", m.field, m.affects.join(", ")));
        }
    }
    s.push_str(&format!(
        "\nNO HEAD-TO-HEAD TRIAL DECIDES AMONG THESE OPTIONS\n  {} [{}; {}]\n",
        r.standing_note.text,
        r.standing_note.source,
        mark(r.standing_note.status)
    ));
    if !r.compare_hints.is_empty() {
        let all_derived = r.compare_hints.iter().all(|h| h.estimate == "derived");
        s.push_str(if all_derived {
            "  Indirect/direct estimates (derived by netrx, not published; see the caveats with the command):\n"
        } else {
            "  Indirect/direct estimates (see the caveats with the command):\n"
        });
        for h in &r.compare_hints {
            let origin = match (all_derived, h.estimate.as_str()) {
                (true, _) => "",
                (false, "published") => ", the trial's published result",
                (false, _) => ", derived by netrx, not published",
            };
            s.push_str(&format!(
                "    {} vs {}: PFS HR {} ({}–{}), {} via {}{origin} — {}\n",
                h.agents[0],
                h.agents[1],
                fmt2(h.hr),
                fmt2(h.ci_low),
                fmt2(h.ci_high),
                h.method,
                h.path.join(", "),
                h.command
            ));
        }
    }
    let warn: Vec<&String> = r
        .warnings
        .iter()
        .filter(|w| !w.contains("(see options[].missing)"))
        .collect();
    if !warn.is_empty() {
        s.push_str("\nWARNINGS\n");
        for w in warn {
            s.push_str(&format!("  ! {w}\n"));
        }
    }
    s.push_str(&format!("\nKnowledge {}", r.knowledge_version));
    s
}

fn fmt2(v: f64) -> String {
    format!("{v:.2}")
}
