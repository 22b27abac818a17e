//! `netrx ctcae`: one lab value to its CTCAE v5.0 grade.

use crate::error::CliResult;
use crate::io;
use netrx_clinical::ctcae::{LabGrade, LabInput, grade_lab};

/// Grade one lab value with CTCAE v5.0 (platelets, neutrophils, hemoglobin, triglycerides, cholesterol, creatinine, glucose).
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx ctcae platelets 74.999 --unit 10^9/L --lln 150
  netrx ctcae neutrophils 1000 --unit /mm3 --json
  netrx ctcae creatinine 2.1 --unit mg/dL --uln 1.1 --baseline 0.8
  netrx ctcae triglycerides 3.42 --unit mmol/L

LLN, ULN and baseline are in the same unit as the value. \"<A – B\" intervals are lower-inclusive
(platelets 50 → grade 2), \"> A – B\" upper-inclusive (triglycerides 300 mg/dL → grade 1); where
×ULN and ×baseline criteria both exist the higher grade is taken; a grade bounded by LLN/ULN is
not assigned without it (grade null). CTCAE v5.0 has no value-based grade for hyperglycaemia.")]
pub struct Args {
    /// Lab test id: platelets, neutrophils, hemoglobin, triglycerides, cholesterol, creatinine, glucose.
    pub test: String,
    /// The measured value, in --unit.
    #[arg(allow_negative_numbers = true)]
    pub value: f64,
    /// Unit of the value, e.g. 10^9/L, /mm3, g/dL, g/L, mmol/L, mg/dL, umol/L.
    #[arg(long)]
    pub unit: String,
    /// The lab's lower limit of normal, in --unit.
    #[arg(long, allow_negative_numbers = true)]
    pub lln: Option<f64>,
    /// The lab's upper limit of normal, in --unit.
    #[arg(long, allow_negative_numbers = true)]
    pub uln: Option<f64>,
    /// The patient's baseline value, in --unit.
    #[arg(long, allow_negative_numbers = true)]
    pub baseline: Option<f64>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    let kb = netrx_kb::Kb::embedded()?;
    let g = grade_lab(
        kb,
        &LabInput {
            test: &a.test,
            value: a.value,
            unit: &a.unit,
            lln: a.lln,
            uln: a.uln,
            baseline: a.baseline,
        },
    )
    .map_err(|e| netrx_case::InputError {
        field: match e.field.as_str() {
            "test" => "TEST".into(),
            "value" => "VALUE".into(),
            other => format!("--{other}"),
        },
        ..e
    })?;
    if a.json {
        io::print_json(&g)
    } else {
        io::print_text(&render(&g))
    }
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}

/// The human summary.
pub fn render(g: &LabGrade) -> String {
    let mut s = String::new();
    let grade = match g.grade {
        Some(n) => format!("grade {n}"),
        None if g.possible_grades.is_empty() => "not gradable from a value".to_string(),
        None => format!(
            "undetermined (grade {})",
            g.possible_grades
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    s.push_str(&format!(
        "{} {} {} → CTCAE v{} {}: {grade}\n",
        g.test,
        num(g.value),
        g.unit,
        g.version,
        g.term_name
    ));
    s.push_str(&format!("  Criterion   {}\n", g.criterion));
    if let Some(c) = &g.converted {
        s.push_str(&format!("  Converted   {} {}\n", num(c.value), c.unit));
    }
    for (name, v) in [("LLN", g.lln), ("ULN", g.uln), ("Baseline", g.baseline)] {
        if let Some(v) = v {
            s.push_str(&format!("  {name:<11} {} {}\n", num(v), g.unit));
        }
    }
    for (i, b) in g.basis.iter().enumerate() {
        s.push_str(if i == 0 { "  Basis       " } else { "              " });
        s.push_str(b);
        s.push('\n');
    }
    for n in &g.notes {
        s.push_str(&format!("  ! {n}\n"));
    }
    s.push_str(&format!("  Source      {}\n", crate::cmd::dose::src(&g.source)));
    s.push_str(&format!("  Knowledge   {}", g.knowledge_version));
    s
}
