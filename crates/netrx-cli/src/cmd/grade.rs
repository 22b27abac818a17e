//! `netrx grade`: the WHO/ENETS name and grade of a tumour.

use crate::error::CliResult;
use crate::io;
use netrx_clinical::grade::{Basis, Classification};
use std::path::PathBuf;

/// Name and grade a tumour under the WHO/ENETS systems (Ki-67, mitoses, necrosis, differentiation, site).
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx grade examples/pnet-g2-progressive.json
  netrx grade examples/who2010-ki67-gap.json --scheme who2010
  netrx grade examples/lung-atypical-carcinoid.json --json

Schemes: auto picks the newest for the site (GEP: who2022; lung/thymus: who2021_thoracic).
A gastroenteropancreatic scheme for a lung or thymic tumour (or the reverse) is an error.")]
pub struct Args {
    /// The case file (JSON; see docs/case-file.md), or - for standard input.
    pub case: PathBuf,
    /// Grading scheme.
    #[arg(long, default_value = "auto", value_parser = clap::builder::PossibleValuesParser::new(netrx_clinical::grade::SCHEME_CHOICES))]
    pub scheme: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let kb = netrx_kb::Kb::embedded()?;
    let text = io::read_input("case", &a.case)?;
    let case = netrx_clinical::load_case(&text, kb)?;
    let c = netrx_clinical::grade::classify(&case.tumor, &a.scheme, kb).map_err(|e| {
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
        io::print_json(&c)
    } else {
        io::print_text(&render(&case.id, &c))
    }
}

fn basis_name(b: Basis) -> &'static str {
    match b {
        Basis::Ki67 => "Ki-67",
        Basis::Mitoses => "mitoses",
        Basis::Necrosis => "necrosis",
        Basis::Differentiation => "differentiation",
    }
}

/// The human summary: name, grade, what decided it, warnings, source.
pub fn render(case_id: &str, c: &Classification) -> String {
    let mut s = String::new();
    let grade = c
        .grade
        .map(|g| g.as_str())
        .unwrap_or(if c.scheme.ends_with("thoracic") {
            "— (thoracic NENs are named, not graded)"
        } else {
            "— (not determinable)"
        });
    s.push_str(&format!("{case_id}: {}\n", c.name));
    s.push_str(&format!("  Grade       {grade}\n"));
    s.push_str(&format!("  Scheme      {} — {}\n", c.scheme, c.scheme_title));
    if let Some(m) = c.mitoses_per_2mm2 {
        let m = format!("{m:.2}");
        s.push_str(&format!(
            "  Mitoses     {} per 2 mm²\n",
            m.trim_end_matches('0').trim_end_matches('.')
        ));
    }
    let decided: Vec<&str> = c.decided_by.iter().map(|b| basis_name(*b)).collect();
    s.push_str(&format!(
        "  Decided by  {}\n",
        if decided.is_empty() {
            "nothing decisive (see warnings)".to_string()
        } else {
            decided.join(", ")
        }
    ));
    for (i, b) in c.basis.iter().enumerate() {
        s.push_str(if i == 0 { "  Basis       " } else { "              " });
        s.push_str(b);
        s.push('\n');
    }
    s.push_str(&format!("  Source      {}\n", c.source));
    if !c.warnings.is_empty() {
        s.push_str("  Warnings\n");
        for w in &c.warnings {
            s.push_str(&format!("    ! {w}\n"));
        }
    }
    s.push_str(&format!("  Knowledge   {}", c.knowledge_version));
    s
}
