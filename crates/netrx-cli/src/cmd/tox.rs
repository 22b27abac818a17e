//! `netrx tox`: replay an everolimus toxicity course under the label's rules.

use crate::error::CliResult;
use crate::io;
use netrx_case::Frequency;
use netrx_clinical::capability::Region;
use netrx_clinical::tox::{Decision, ToxReport};
use netrx_kb::label::Action;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  netrx tox examples/pnet-everolimus-stomatitis-course.json
  netrx tox examples/pnet-everolimus-stomatitis-course.json --region eu --json

Lab values are graded with CTCAE v5.0; adverse events are taken as graded. Each onset or
worsening gets continue | withhold | discontinue, the condition to resume, and the resume dose
one step down the region's reduction ladder (knowledge/everolimus/dosing.toml; the output names
the steps and their source) from the dose in force (everolimus.history). A recurrence (an earlier
episode of the same event reached this grade or higher) gets the label's recurrence rule.
`netrx tox --help` lists the accepted adverse-event terms.";

/// Everolimus toxicity course: CTCAE grades from labs and events, the label's action for each, and what to do now.
#[derive(clap::Args)]
#[command(after_help = EXAMPLES, after_long_help = long_help())]
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

/// `--help`: the examples and the adverse-event vocabulary (knowledge/ctcae.toml) by the label's
/// row family, so that a user told "unknown term" can find the accepted names.
fn long_help() -> String {
    let mut s = format!("{EXAMPLES}\n\n");
    let kb = match netrx_kb::Kb::embedded() {
        Ok(kb) => kb,
        Err(e) => return format!("{s}(adverse-event terms unavailable: {e})"),
    };
    s.push_str(&format!(
        "Adverse-event terms ({}; knowledge/ctcae.toml). Aliases in parentheses; * = the term's \
         source is UNVERIFIED in the references. Grouped by the row of the label's dose-modification \
         table each takes:\n",
        kb.ctcae.version.name
    ));
    let mut families: Vec<&str> = vec![];
    for t in &kb.ctcae.term {
        if !families.contains(&t.category.as_str()) {
            families.push(&t.category);
        }
    }
    for f in families {
        let heading = if f == "none" {
            "none (no row in the label table; clinician to decide)".to_string()
        } else {
            kb.everolimus
                .modifications
                .category
                .iter()
                .find(|c| c.id == f)
                .map(|c| format!("{f} — {}", c.name))
                .unwrap_or_else(|| f.to_string())
        };
        s.push_str(&format!("  {heading}:\n"));
        let items: Vec<String> = kb
            .ctcae
            .term
            .iter()
            .filter(|t| t.category == f)
            .map(|t| {
                let star = if t.source.status == netrx_kb::Status::Unverified {
                    "*"
                } else {
                    ""
                };
                if t.aliases.is_empty() {
                    format!("{}{star}", t.id)
                } else {
                    format!("{}{star} ({})", t.id, t.aliases.join(", "))
                }
            })
            .collect();
        let mut line = String::from("    ");
        for (i, item) in items.iter().enumerate() {
            let piece = if i + 1 < items.len() {
                format!("{item}; ")
            } else {
                item.clone()
            };
            if line.len() > 4 && line.chars().count() + piece.chars().count() > 92 {
                s.push_str(line.trim_end());
                s.push('\n');
                line = String::from("    ");
            }
            line.push_str(&piece);
        }
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s
}

pub fn run(a: Args) -> CliResult {
    let kb = netrx_kb::Kb::embedded()?;
    let region = Region::parse("--region", &a.region)?;
    let text = io::read_input("case", &a.case)?;
    let case = netrx_clinical::load_case(&text, kb)?;
    let report = netrx_clinical::tox::replay(&case, kb, region)?;
    if a.json {
        io::print_json(&report)
    } else {
        io::print_text(&render(&case.id, &report))
    }
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}

fn regimen(d: Option<f64>, f: Option<Frequency>) -> String {
    match (d, f) {
        (Some(d), Some(Frequency::EveryOtherDay)) => format!("{} mg every other day", num(d)),
        (Some(d), _) => format!("{} mg daily", num(d)),
        _ => "dose not recorded".into(),
    }
}

fn action(a: Option<Action>, consider: bool) -> String {
    let s = match a {
        Some(Action::Continue) => "CONTINUE",
        Some(Action::Withhold) => "WITHHOLD",
        Some(Action::Discontinue) => "DISCONTINUE",
        None => "NO LABEL RULE",
    };
    if consider {
        format!("{s} (consider)")
    } else {
        s.to_string()
    }
}

fn decision(s: &mut String, d: &Decision) {
    let e = &d.event;
    let occ = match (d.occurrence.as_str(), d.recurrence_of) {
        ("recurrent", Some(p)) => format!("recurrence (earlier episode {p})"),
        (o, _) => o.to_string(),
    };
    let lab = e
        .lab
        .as_ref()
        .map(|l| format!(", {} {} {}", l.test, num(l.value), l.unit))
        .unwrap_or_default();
    s.push_str(&format!(
        "    {}  {} G{} ({}{lab}) — {occ}; on {}\n",
        d.date,
        e.term_name,
        e.grade,
        e.entry,
        d.dose_in_force
            .map(|r| regimen(Some(r.dose_mg), Some(r.frequency)))
            .unwrap_or_else(|| "dose not recorded".into())
    ));
    let mut line = format!("          → {}", action(d.action, d.consider));
    if d.action == Some(Action::Withhold) {
        line.push_str(&format!(
            "; resume when {} at {}",
            d.resume_when.as_deref().unwrap_or("recovered"),
            regimen(d.resume_dose_mg, d.resume_frequency)
        ));
    }
    if let Some(r) = d.recovered_on {
        line.push_str(&format!("; recovered {r}"));
    }
    s.push_str(&line);
    s.push('\n');
    s.push_str(&format!("            {}", d.rule));
    if let Some(src) = &d.source {
        s.push_str(&format!(" — {}", crate::cmd::dose::src(src)));
    }
    s.push('\n');
    if let Some(i) = &d.if_intolerable {
        s.push_str(&format!("            If intolerable: {}\n", i.rule));
    }
    if let Some(l) = &d.ladder {
        s.push_str(&format!("            Ladder: {l}\n"));
    }
    if let Some(rs) = &d.resume_when_source {
        s.push_str(&format!(
            "            Recovery threshold — {}\n",
            crate::cmd::dose::src(rs)
        ));
    }
    crate::cmd::dose::details(s, "            ", &d.supportive);
    crate::cmd::dose::details(s, "            ", &d.details);
    if let Some(c) = &d.recorded_change {
        s.push_str(&format!(
            "            Recorded: {} from {} ({})\n",
            if c.dose_mg == 0.0 {
                "withheld".to_string()
            } else {
                regimen(Some(c.dose_mg), Some(c.frequency))
            },
            c.date,
            c.reason
        ));
    }
    if let Some(c) = &d.recorded_resume
        && d.recorded_change.as_ref().is_none_or(|x| x.date != c.date)
    {
        s.push_str(&format!(
            "            Recorded resumption: {} from {} ({})\n",
            regimen(Some(c.dose_mg), Some(c.frequency)),
            c.date,
            c.reason
        ));
    }
    for n in &d.notes {
        s.push_str(&format!("            ! {n}\n"));
    }
}

/// The human summary.
pub fn render(case_id: &str, r: &ToxReport) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{case_id}: everolimus toxicity course ({} label, CTCAE v{}){}\n",
        r.region.id().to_uppercase(),
        r.ctcae_version,
        r.as_of.map(|d| format!(", as of {d}")).unwrap_or_default()
    ));
    let c = &r.current;
    let mut now = format!("  Now         {}", action(c.action, c.consider));
    if let Some(e) = &c.event {
        now.push_str(&format!(
            " — {} grade {} of {} ({})",
            e.term_name, e.grade, e.date, e.entry
        ));
    }
    s.push_str(&now);
    s.push('\n');
    if c.action == Some(Action::Withhold) {
        s.push_str(&format!(
            "              resume when {} at {}\n",
            c.resume_when.as_deref().unwrap_or("recovered"),
            regimen(c.resume_dose_mg, c.resume_frequency)
        ));
    }
    s.push_str(&format!("              {}", c.rule));
    if let Some(src) = &c.source {
        s.push_str(&format!(" — {}", crate::cmd::dose::src(src)));
    }
    s.push('\n');
    if let Some(i) = &c.if_intolerable {
        s.push_str(&format!("              If intolerable: {}\n", i.rule));
    }
    if let Some(d) = c.dose_in_force {
        s.push_str(&format!(
            "  In force    {} (everolimus.dose_mg)\n",
            regimen(Some(d.dose_mg), Some(d.frequency))
        ));
    }
    for e in &c.also_active {
        s.push_str(&format!(
            "  Also active {} grade {} of {} ({})\n",
            e.term_name, e.grade, e.date, e.entry
        ));
    }
    if !r.timeline.is_empty() {
        s.push_str("  Timeline\n");
        for d in &r.timeline {
            decision(&mut s, d);
        }
    }
    if !r.warnings.is_empty() {
        s.push_str("  Warnings\n");
        for w in &r.warnings {
            s.push_str(&format!("    ! {w}\n"));
        }
    }
    s.push_str(&format!("  Ladder      {}\n", r.ladder));
    s.push_str(&format!("  Caveat      {}\n", r.caveat));
    s.push_str(&format!("  Knowledge   {}", r.knowledge_version));
    s
}
