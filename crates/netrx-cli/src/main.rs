//! `netrx`: decision support and evidence for everolimus in advanced
//! neuroendocrine tumours. Each subcommand is a thin shell over a library call
//! (see ARCHITECTURE.md); this file only parses arguments and maps failures to
//! exit codes.

mod cmd;
mod error;
mod io;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use error::EXIT_INPUT;

const ABOUT: &str = "Decision support and evidence for everolimus in advanced neuroendocrine tumours (NETs).";

const LONG_ABOUT: &str = "\
Decision support and evidence for everolimus in advanced neuroendocrine tumours (NETs).

netrx classifies a tumour (WHO/ENETS), lists a patient's systemic options with their evidence,
doses everolimus and manages its toxicity from the label's rules, follows response and quality of
life, and analyses survival data. Every statement names its source; unverified rules say so.
It supports, and does not replace, the judgement of the treating team.";

const EXAMPLES: &str = "\
Examples:
  netrx grade examples/pnet-g2-progressive.json
  netrx grade examples/lung-atypical-carcinoid.json --json
  netrx --version            # shows the knowledge-base version too";

#[derive(Parser)]
#[command(name = "netrx", about = ABOUT, long_about = LONG_ABOUT, after_help = EXAMPLES, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Grade(cmd::grade::Args),
    Trials(cmd::trials::Args),
    Compare(cmd::compare::Args),
    Forest(cmd::forest::Args),
    Assess(cmd::assess::Args),
    Dose(cmd::dose::Args),
    Ctcae(cmd::ctcae::Args),
    Tox(cmd::tox::Args),
    Pk(cmd::pk::Args),
    Km(cmd::km::Args),
    Logrank(cmd::logrank::Args),
    Cutpoint(cmd::cutpoint::Args),
    Recist(cmd::recist::Args),
    Qol(cmd::qol::Args),
    Schema(cmd::schema::Args),
    Serve(cmd::serve::Args),
    User(cmd::user::Args),
    Audit(cmd::audit::Args),
    Backup(cmd::backup::Args),
    Restore(cmd::restore::Args),
    Cox(cmd::cox::Args),
    Survreg(cmd::survreg::Args),
    ImportFhir(cmd::import_fhir::Args),
    CdsClient(cmd::cds_client::Args),
    Simulate(cmd::simulate::Args),
    SimulateMerge(cmd::simulate::MergeArgs),
    Reconstruct(cmd::reconstruct::Args),
    Nma(cmd::nma::Args),
}

fn run(cli: Cli) -> error::CliResult {
    match cli.command {
        Command::Grade(a) => cmd::grade::run(a),
        Command::Trials(a) => cmd::trials::run(a),
        Command::Compare(a) => cmd::compare::run(a),
        Command::Forest(a) => cmd::forest::run(a),
        Command::Assess(a) => cmd::assess::run(a),
        Command::Dose(a) => cmd::dose::run(a),
        Command::Ctcae(a) => cmd::ctcae::run(a),
        Command::Tox(a) => cmd::tox::run(a),
        Command::Pk(a) => cmd::pk::run(a),
        Command::Km(a) => cmd::km::run(a),
        Command::Logrank(a) => cmd::logrank::run(a),
        Command::Cutpoint(a) => cmd::cutpoint::run(a),
        Command::Recist(a) => cmd::recist::run(a),
        Command::Qol(a) => cmd::qol::run(a),
        Command::Schema(a) => cmd::schema::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::User(a) => cmd::user::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Backup(a) => cmd::backup::run(a),
        Command::Restore(a) => cmd::restore::run(a),
        Command::Cox(a) => cmd::cox::run(a),
        Command::Survreg(a) => cmd::survreg::run(a),
        Command::ImportFhir(a) => cmd::import_fhir::run(a),
        Command::CdsClient(a) => cmd::cds_client::run(a),
        Command::Simulate(a) => cmd::simulate::run(a),
        Command::SimulateMerge(a) => cmd::simulate::run_merge(a),
        Command::Reconstruct(a) => cmd::reconstruct::run(a),
        Command::Nma(a) => cmd::nma::run(a),
    }
}

/// The version line: package version and knowledge-base version.
fn version() -> String {
    let kb = match netrx_kb::Kb::embedded() {
        Ok(kb) => kb.version().to_string(),
        Err(e) => format!("unavailable ({e})"),
    };
    format!("{} (knowledge {kb})", env!("CARGO_PKG_VERSION"))
}

/// Render a clap usage error as one line: the option, the value and what is allowed.
/// Clap's own message puts lists (conflicting flags, missing arguments, possible values)
/// on indented lines after the first; they are kept, joined into the one line.
fn one_line(e: &clap::Error) -> String {
    let get = |k: ContextKind| e.get(k);
    let strings = |k: ContextKind| -> Vec<String> {
        match get(k) {
            Some(ContextValue::String(s)) => vec![s.clone()],
            Some(ContextValue::Strings(v)) => v.clone(),
            _ => Vec::new(),
        }
    };
    let quoted = |v: &[String]| v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
    let full_arg = strings(ContextKind::InvalidArg);
    let arg = full_arg
        .first()
        .map(|s| s.split_whitespace().next().unwrap_or(s).to_string())
        .unwrap_or_default();
    let value = match get(ContextKind::InvalidValue) {
        Some(ContextValue::String(s)) => s.clone(),
        _ => String::new(),
    };
    let allowed = strings(ContextKind::ValidValue).join(", ");
    let see = "; see 'netrx --help'";
    match e.kind() {
        ErrorKind::InvalidValue if !allowed.is_empty() && value.is_empty() => {
            format!("{arg}: no value given; allowed: {allowed}")
        }
        ErrorKind::InvalidValue if !allowed.is_empty() => {
            format!("{arg}: got {value:?}; allowed: {allowed}")
        }
        ErrorKind::ArgumentConflict if !full_arg.is_empty() && !strings(ContextKind::PriorArg).is_empty() => {
            let prior = strings(ContextKind::PriorArg);
            if prior == full_arg[..1] {
                format!("the argument '{}' cannot be used multiple times{see}", full_arg[0])
            } else {
                format!(
                    "the argument '{}' cannot be used with {}{see}",
                    full_arg[0],
                    quoted(&prior)
                )
            }
        }
        ErrorKind::MissingRequiredArgument if !full_arg.is_empty() => {
            format!(
                "the following required arguments were not provided: {}{see}",
                quoted(&full_arg)
            )
        }
        _ => format!("{}{see}", rendered_one_line(&e.render().to_string())),
    }
}

/// Clap's rendered message as one line: the first paragraph (the `error:` line and its
/// indented continuation lines, joined with ", "), plus any `tip:` line.
fn rendered_one_line(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("invalid arguments");
    let first = first.trim_start_matches("error: ").trim();
    let more: Vec<&str> = lines
        .by_ref()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .filter(|l| !l.starts_with("tip:"))
        .collect();
    let mut out = first.to_string();
    if !more.is_empty() {
        let sep = if out.ends_with(':') { " " } else { ": " };
        out = format!("{out}{sep}{}", more.join(", "));
    }
    if let Some(t) = rendered.lines().map(str::trim).find(|l| l.starts_with("tip:")) {
        out.push_str(&format!(" ({t})"));
    }
    out
}

fn main() {
    let version: &'static str = Box::leak(version().into_boxed_str());
    let matches = Cli::command().version(version).try_get_matches();
    let cli = match matches.and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            _ => {
                eprintln!("error: {}", one_line(&e));
                std::process::exit(EXIT_INPUT);
            }
        },
    };
    if let Err(e) = run(cli) {
        eprintln!("error: {e}");
        std::process::exit(e.code());
    }
}
