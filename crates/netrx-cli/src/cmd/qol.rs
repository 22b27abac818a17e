//! `netrx qol`: quality-of-life scores per assessment and scale (FACT-G,
//! QLQ-C30, QLQ-GI.NET21), change from baseline, deterioration and time to
//! deterioration; optional trajectory plot (SVG).

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_case::InputError;
use netrx_clinical::qol::{QolOptions, QolReport, fmt_score};
use std::path::PathBuf;

/// Quality-of-life scores, change from baseline and time to deterioration from the case's questionnaires.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx qol examples/si-net-followup.json
  netrx qol examples/si-net-followup.json --json --svg qol.svg
  netrx qol examples/si-net-followup.json --mid 5
  netrx qol examples/si-net-followup.json --instrument QLQ-C30 --scale QL2 --mid 10
  netrx qol examples/si-net-followup.json --definition c30_ql2_10 --any-drop
  netrx qol CASE.json --instrument-file ginet21-licensed.toml

Default deterioration: the default definition of knowledge/qol/deterioration.toml (a definitive
decrease in the FACT-G total from baseline, as in RADIANT-4; the file lists every definition with
its threshold and source, and the output states the one used). Item texts are
copyrighted and not shipped; the QLQ-GI.NET21 item→scale map comes with the EORTC licence and is
supplied with --instrument-file (format: knowledge/qol/qlq-ginet21.toml with the items filled in).")]
pub struct Args {
    /// The case file (JSON; see docs/case-file.md), or - for standard input.
    pub case: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Write the trajectory plot (one panel per scale, with the deterioration threshold) as SVG.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Deterioration definition id from knowledge/qol/deterioration.toml [default: its default definition].
    #[arg(long, value_name = "ID")]
    pub definition: Option<String>,
    /// Instrument of the deterioration scale (FACT-G, QLQ-C30, QLQ-GINET21); needs --scale when changed.
    #[arg(long, value_name = "ID")]
    pub instrument: Option<String>,
    /// Scale whose deterioration is tracked (e.g. FACTG, PWB, QL2, FA).
    #[arg(long, value_name = "CODE")]
    pub scale: Option<String>,
    /// Deterioration threshold in points (the minimal important difference to use).
    #[arg(long, value_name = "POINTS")]
    pub mid: Option<f64>,
    /// Count the first worsening by the threshold even if the score recovers later (default: definitive).
    #[arg(long)]
    pub any_drop: bool,
    /// A site-supplied instrument definition (TOML, format of knowledge/qol/*.toml) replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub instrument_file: Vec<PathBuf>,
}

fn option_field(e: InputError) -> InputError {
    match e.field.as_str() {
        "definition" | "instrument" | "scale" | "mid" => InputError {
            field: format!("--{}", e.field),
            ..e
        },
        _ => e,
    }
}

pub fn run(a: Args) -> CliResult {
    let embedded = netrx_kb::Kb::embedded()?;
    let mut site = Vec::new();
    let kb_owned;
    let kb = if a.instrument_file.is_empty() {
        embedded
    } else {
        let mut k = embedded.clone();
        for path in &a.instrument_file {
            let text = io::read_input("--instrument-file", path)?;
            let def = netrx_kb::qol::parse_instrument(&text).map_err(|m| {
                CliError::input(
                    "--instrument-file",
                    format!(
                        "{}: {m}; allowed: an instrument definition in the format of knowledge/qol/*.toml",
                        path.display()
                    ),
                )
            })?;
            let id = def.id.clone();
            k.qol
                .replace_instrument(def)
                .map_err(|m| CliError::input("--instrument-file", format!("{}: {m}", path.display())))?;
            site.push(format!(
                "{id} is scored with the site-supplied definition {} instead of the built-in one.",
                path.display()
            ));
        }
        kb_owned = k;
        &kb_owned
    };
    let text = io::read_input("case", &a.case)?;
    let case = netrx_clinical::load_case(&text, kb)?;
    let opts = QolOptions {
        definition: a.definition,
        instrument: a.instrument,
        scale: a.scale,
        mid: a.mid,
        any_drop: a.any_drop,
    };
    let mut r = netrx_clinical::qol::analyse(&case, kb, &opts).map_err(option_field)?;
    r.warnings.extend(site);
    if let Some(path) = &a.svg {
        io::write_output(path, &netrx_plot::qol::trajectories(&r))?;
    }
    if a.json {
        io::print_json(&r)
    } else {
        io::print_text(&render(&r))
    }
}

/// "v4" for a version number; "(version not stated in the references)" for the data's
/// wording when the references give no number.
fn version_label(v: &str) -> String {
    if v.starts_with(|c: char| c.is_ascii_digit()) {
        format!("v{v}")
    } else {
        format!("(version {v})")
    }
}

/// The human summary: per instrument, a table of scales (rows) by assessment date (columns).
pub fn render(r: &QolReport) -> String {
    let mut s = String::new();
    s.push_str(&format!("{}: quality of life\n", r.case_id));
    for inst in &r.instruments {
        let cols: Vec<_> = r.assessments.iter().filter(|a| a.instrument.id() == inst.id).collect();
        s.push_str(&format!(
            "  {} {} — {}\n",
            inst.id,
            version_label(&inst.version),
            inst.title
        ));
        s.push_str(&format!("    {:<8}", "Scale"));
        for a in &cols {
            s.push_str(&format!("  {:>10}", a.date.to_string()));
        }
        s.push_str("  Δ last vs BL\n");
        for sc in &inst.scales {
            s.push_str(&format!("    {:<8}", sc.code));
            for a in &cols {
                s.push_str(&format!(
                    "  {:>10}",
                    fmt_score(a.scales.get(&sc.code).copied().flatten())
                ));
            }
            let delta = cols
                .last()
                .and_then(|a| a.change_from_baseline.get(&sc.code).copied().flatten());
            let delta = delta
                .map(|d| format!("{d:+.1}").replace('-', "−"))
                .unwrap_or_else(|| "—".into());
            s.push_str(&format!("  {delta:>12}  {}\n", sc.name));
        }
        s.push_str(&format!("    {:<8}", "answered"));
        for a in &cols {
            s.push_str(&format!("  {:>10}", format!("{}/{}", a.items_answered, a.items_total)));
        }
        s.push('\n');
        s.push_str(&format!("    {:<8}", "valid"));
        for a in &cols {
            s.push_str(&format!("  {:>10}", if a.valid { "yes" } else { "no" }));
        }
        s.push('\n');
        for a in &cols {
            // "CODE: reason" notes with the same reason are listed once, with their codes.
            let mut grouped: Vec<(String, Vec<&str>)> = Vec::new();
            for m in &a.missing {
                let (code, reason) = m.split_once(": ").unwrap_or(("", m.as_str()));
                match grouped.iter_mut().find(|(r, _)| r == reason) {
                    Some((_, codes)) => codes.push(code),
                    None => grouped.push((reason.to_string(), vec![code])),
                }
            }
            for (reason, codes) in grouped {
                s.push_str(&format!("    {}  {}: {reason}\n", a.date, codes.join(", ")));
            }
        }
    }
    let d = &r.definition;
    s.push_str(&format!("  Deterioration           {}\n", d.title));
    s.push_str(&format!("  Source                  {}\n", d.source));
    if d.definitive {
        s.push_str(&format!("  'Definitive'            {}\n", d.definitive_source));
    }
    if r.deterioration.is_empty() {
        s.push_str("  Events                  none\n");
    }
    for (i, e) in r.deterioration.iter().enumerate() {
        s.push_str(if i == 0 {
            "  Events                  "
        } else {
            "                          "
        });
        s.push_str(&format!(
            "{}  {} {} → {} ({}){}\n",
            e.date,
            e.scale,
            fmt_score(Some(e.baseline_score)),
            fmt_score(Some(e.score)),
            format!("{:+.1}", e.change).replace('-', "−"),
            if e.counts {
                if e.definitive { ", definitive" } else { "" }
            } else {
                ", recovered later (not definitive)"
            }
        ));
    }
    match (
        r.time_to_deterioration_months,
        r.time_to_deterioration_event,
        &r.time_origin,
    ) {
        (Some(m), Some(ev), Some(o)) => s.push_str(&format!(
            "  Time to deterioration   {m:.1} months from {} {} ({})\n",
            o.basis,
            o.date,
            if ev {
                "event"
            } else {
                "censored at the last scored assessment"
            }
        )),
        _ => s.push_str("  Time to deterioration   not assessable (see warnings)\n"),
    }
    if !r.warnings.is_empty() {
        s.push_str("  Warnings\n");
        for w in &r.warnings {
            s.push_str(&format!("    ! {w}\n"));
        }
    }
    for inst in &r.instruments {
        s.push_str(&format!("  {}  {}\n", inst.id, inst.copyright));
    }
    s.push_str(&format!("  Knowledge               {}", r.knowledge_version));
    s
}
