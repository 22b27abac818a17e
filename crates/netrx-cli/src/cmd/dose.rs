//! `netrx dose`: the everolimus start (or current) dose from the label's rules.

use crate::error::CliResult;
use crate::io;
use netrx_clinical::capability::Region;
use netrx_clinical::dose::{AdjustmentEffect, DoseAdvice};
use netrx_kb::label::{Effect, Sourced};
use std::path::PathBuf;

/// Everolimus dose for NET from the label: liver function, interacting medications, monitoring, counselling.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx dose examples/pnet-everolimus-interactions.json
  netrx dose examples/pnet-everolimus-interactions.json --region eu --json

The dose is the label's standard NET dose (knowledge/everolimus/dosing.toml; or the case's
everolimus.dose_mg) capped by the label's hepatic-impairment and interaction rules. An interacting medication together with hepatic
impairment is flagged for the clinician, never multiplied (R-B3.1). Medication names netrx does
not know are listed for a manual check. Every rule shows its source; UNVERIFIED rules say so.")]
pub struct Args {
    /// The case file (JSON; see docs/case-file.md), or - for standard input.
    pub case: PathBuf,
    /// Whose label applies: us (FDA label) or eu (EMA SmPC).
    #[arg(long, default_value = "us", value_parser = clap::builder::PossibleValuesParser::new(["us", "eu"]))]
    pub region: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let kb = netrx_kb::Kb::embedded()?;
    let region = Region::parse("--region", &a.region)?;
    let text = io::read_input("case", &a.case)?;
    let case = netrx_clinical::load_case(&text, kb)?;
    let advice = netrx_clinical::dose::advise(&case, kb, region)?;
    if a.json {
        io::print_json(&advice)
    } else {
        io::print_text(&render(&case.id, &advice))
    }
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}

/// A source as shown to people: reference, verification mark and, if any, the note.
pub(crate) fn src(source: &netrx_kb::Source) -> String {
    match &source.note {
        Some(n) => format!("{source} ({n})"),
        None => source.to_string(),
    }
}

pub(crate) fn details(s: &mut String, indent: &str, details: &[Sourced]) {
    for d in details {
        s.push_str(&format!("{indent}· {} — {}\n", d.text, src(&d.source)));
    }
}

/// The human summary.
pub fn render(case_id: &str, a: &DoseAdvice) -> String {
    let mut s = String::new();
    let region = a.region.id().to_uppercase();
    s.push_str(&format!(
        "{case_id}: everolimus {} dose ({region} label)\n",
        if a.basis == "start" { "start" } else { "current" }
    ));
    match (a.dose_mg, a.frequency) {
        (Some(d), Some(f)) => s.push_str(&format!(
            "  Dose          {} mg {}\n",
            num(d),
            match f {
                netrx_case::Frequency::Daily => "once daily",
                netrx_case::Frequency::EveryOtherDay => "every other day",
            }
        )),
        _ => s.push_str("  Dose          AVOID — the label gives no everolimus dose for this combination\n"),
    }
    if let Some(alt) = &a.alternative {
        s.push_str(&format!("  If unavoidable {} — {}\n", alt.text, src(&alt.source)));
    }
    s.push_str("  Adjustments\n");
    for adj in &a.adjustments {
        let effect = match (adj.effect, adj.dose_mg) {
            (AdjustmentEffect::Base, Some(d)) => format!("start from {} mg", num(d)),
            (AdjustmentEffect::Cap, Some(d)) => format!("at most {} mg", num(d)),
            (AdjustmentEffect::Avoid, _) => "avoid".into(),
            _ => "no change".into(),
        };
        s.push_str(&format!(
            "    {} [{}] {} → {effect}{}\n",
            if adj.conflict { "!" } else { "•" },
            adj.kind,
            adj.reason,
            if adj.conflict {
                " (CONFLICT: clinician to decide)"
            } else {
                ""
            }
        ));
        s.push_str(&format!("        {} — {}\n", adj.text, src(&adj.source)));
        details(&mut s, "        ", &adj.details);
    }
    if !a.interactions.is_empty() {
        s.push_str("  Interactions\n");
        for i in &a.interactions {
            let effect = match i.effect {
                Effect::Avoid => "AVOID".to_string(),
                Effect::Cap => format!("dose at most {} mg", num(i.dose_mg.unwrap_or(0.0))),
                Effect::AvoidFood => "stop it".into(),
                Effect::Warning => "warning".into(),
                Effect::Info => "information".into(),
            };
            let matched = if i.matched_as != i.id {
                format!(" (\"{}\" → {})", i.matched_as, i.id)
            } else {
                String::new()
            };
            s.push_str(&format!(
                "    • {}{matched}: {} — {effect}\n",
                i.medication, i.class_name
            ));
            s.push_str(&format!("        {} — {}\n", i.text, src(&i.source)));
            details(&mut s, "        ", &i.details);
        }
    }
    if !a.unknown_medications.is_empty() {
        s.push_str(&format!(
            "  Unknown       {} — not in netrx's list: check interactions by hand\n",
            a.unknown_medications.join(", ")
        ));
    }
    if !a.no_listed_interaction.is_empty() {
        let names: Vec<&str> = a.no_listed_interaction.iter().map(|m| m.given.as_str()).collect();
        s.push_str(&format!(
            "  No listed interaction  {} (the label's lists are examples, not exhaustive)\n",
            names.join(", ")
        ));
    }
    s.push_str("  Monitoring\n");
    for m in &a.monitoring {
        s.push_str(&format!(
            "    {} {}: {} — {}\n",
            if m.because.is_some() { "!" } else { "•" },
            m.what,
            m.when,
            src(&m.source)
        ));
        if let Some(b) = &m.because {
            s.push_str(&format!("        especially: {b}\n"));
        }
        details(&mut s, "        ", &m.details);
    }
    s.push_str("  Counselling\n");
    for c in &a.counselling {
        s.push_str(&format!(
            "    {} {}: {} — {}\n",
            if c.because.is_some() { "!" } else { "•" },
            c.topic,
            c.text,
            src(&c.source)
        ));
        if let Some(b) = &c.because {
            s.push_str(&format!("        especially: {b}\n"));
        }
    }
    if !a.warnings.is_empty() {
        s.push_str("  Warnings\n");
        for w in &a.warnings {
            s.push_str(&format!("    ! {w}\n"));
        }
    }
    s.push_str(&format!("  Label         {}\n", a.label.label));
    s.push_str(&format!("                {}\n", a.label.caveat));
    s.push_str(&format!("  Knowledge     {}", a.knowledge_version));
    s
}
