//! `netrx import-fhir`: a FHIR R4 Bundle becomes a stored case (the same
//! mapping and store as `POST /fhir/import`).

use crate::cmd::user::{actor, open};
use crate::error::{CliError, CliResult};
use crate::io;
use netrx_clinical::fhir::{ImportOptions, IssueType, OperationOutcome, Severity, import_bundle};
use netrx_kb::Kb;
use netrx_store::audit;
use netrx_store::cases::{self as store, Write};
use std::path::PathBuf;

/// Import a FHIR R4 Bundle (mCODE-style resources) into the case store.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx import-fhir --db netrx.db examples/fhir/pnet-g2-everolimus.json
  netrx import-fhir --db netrx.db bundle.json --id tb-2026-014           # choose the case id (a pseudonym)
  netrx import-fhir --db netrx.db bundle.json --id tb-2026-014 --revision 3   # a new revision of that case
  netrx import-fhir --db netrx.db bundle.json --json                      # { case_id, revision, outcome }

Prints the case id, then the OperationOutcome's issues: what was mapped (and by which
table of knowledge/fhir/, with its source and status), what was not and why. Codes netrx
has no mapping for are listed, never guessed. A Bundle that cannot yield a valid case is
refused (exit 2) and nothing is stored; a live case with the same MRN is refused unless
--id and --revision name it. The patient's age is computed at today's date (UTC).")]
pub struct Args {
    /// The FHIR R4 Bundle (JSON), or - for standard input.
    pub bundle: PathBuf,
    /// The SQLite database file (created and migrated if absent).
    #[arg(long, default_value = "netrx.db")]
    pub db: PathBuf,
    /// The case id (letters, digits, '-', '_'; default: fhir- and 12 random hex digits). Never the MRN.
    #[arg(long)]
    pub id: Option<String>,
    /// Update the case given by --id: the revision you are replacing (as If-Match).
    #[arg(long, requires = "id")]
    pub revision: Option<i64>,
    /// Print { case_id, revision, outcome } as JSON.
    #[arg(long)]
    pub json: bool,
    /// Also list the information issues (every mapping), not only warnings and errors.
    #[arg(long, short)]
    pub verbose: bool,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Fatal => "fatal",
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information => "info",
    }
}

fn mappings(o: &OperationOutcome) -> usize {
    o.issue.iter().filter(|i| i.code == IssueType::Informational).count()
}

fn print_outcome(o: &OperationOutcome, verbose: bool) -> CliResult {
    let shown: Vec<_> = o
        .issue
        .iter()
        .filter(|i| verbose || i.code != IssueType::Informational)
        .collect();
    for i in &shown {
        let mut line = format!("  {:<7} {}", severity(i.severity), i.details.text);
        if let Some(e) = i.expression.first() {
            line.push_str(&format!("  [{e}]"));
        }
        if verbose && let Some(d) = &i.diagnostics {
            line.push_str(&format!("\n          source: {d}"));
        }
        io::print_text(&line)?;
    }
    let info = mappings(o);
    if !verbose && info > 0 {
        io::print_text(&format!(
            "  ({info} mapping(s) not shown; --verbose lists them with their sources)"
        ))?;
    }
    Ok(())
}

pub fn run(a: Args) -> CliResult {
    let kb = Kb::embedded()?;
    let text = io::read_input("BUNDLE", &a.bundle)?;
    if let Some(id) = &a.id {
        netrx_case::validate::check_case_id("--id", id)?;
    }
    if let Some(r) = a.revision
        && r < 1
    {
        return Err(CliError::input(
            "--revision",
            format!("got {r}; allowed: a revision number ≥ 1"),
        ));
    }
    let conn = open(&a.db)?;
    let id = match &a.id {
        Some(id) => id.clone(),
        None => format!(
            "fhir-{}",
            netrx_store::auth::random_hex(6).map_err(|e| CliError::Failure(e.to_string()))?
        ),
    };
    let opts = ImportOptions {
        case_id: id.clone(),
        today: netrx_server::fhir::today(),
    };
    let action = if a.revision.is_some() {
        "case.update"
    } else {
        "case.create"
    };
    let db_err = |e: netrx_store::SqliteError| CliError::Failure(format!("database: {e}"));
    let imported = match import_bundle(&text, kb, &opts) {
        Ok(i) => i,
        Err(f) => {
            audit::append(
                &conn,
                &audit::Entry::new(Some(&actor()), action, "invalid")
                    .remote(Some("local"))
                    .case(Some(&id), None)
                    .detail(format!("fhir.import: {}", f.error.field)),
            )
            .map_err(db_err)?;
            if a.json {
                io::print_json(&serde_json::json!({
                    "knowledge_version": kb.version(), "case_id": null, "outcome": f.outcome
                }))?;
            } else {
                io::print_text("not imported: the Bundle cannot yield a valid case")?;
                print_outcome(&f.outcome, a.verbose)?;
            }
            return Err(f.error.into());
        }
    };
    let case = imported.case;
    let body = serde_json::to_string(&case).map_err(|e| CliError::Failure(e.to_string()))?;
    let ix = netrx_server::api::cases::index_of(&case, kb);
    let tx = conn.unchecked_transaction().map_err(db_err)?;
    if a.revision.is_none()
        && let Some(m) = &case.patient.mrn
    {
        let same = netrx_store::cds::cases_by_mrn(&tx, m).map_err(db_err)?;
        if !same.is_empty() {
            return Err(CliError::input(
                "patient.mrn",
                format!(
                    "a stored case has this patient's MRN ({}); to bring it up to date: --id {} --revision <its revision>",
                    same.join(", "),
                    same[0]
                ),
            ));
        }
    }
    let w = match a.revision {
        Some(r) => store::update(&tx, &id, &[r], &body, &ix, &actor()),
        None => store::create(&tx, &id, &body, &ix, &actor()),
    }
    .map_err(db_err)?;
    let (outcome, rev) = match &w {
        Write::Stored(r) => ("ok", Some(*r)),
        Write::Exists(r, _) => ("conflict", Some(*r)),
        Write::NotFound => ("not_found", None),
        Write::Gone(r) => ("gone", Some(*r)),
        Write::Stale(r) => ("stale", Some(*r)),
    };
    audit::append(
        &tx,
        &audit::Entry::new(Some(&actor()), action, outcome)
            .remote(Some("local"))
            .case(Some(&id), rev)
            .detail("fhir.import"),
    )
    .map_err(db_err)?;
    tx.commit().map_err(db_err)?;
    let rev = match w {
        Write::Stored(r) => r,
        Write::Exists(r, deleted) => {
            return Err(CliError::input(
                "--id",
                if deleted {
                    format!("case {id:?} existed and was deleted (revision {r}); a deleted case's id is not reused")
                } else {
                    format!("case {id:?} exists (revision {r}); to import into it add --revision {r}")
                },
            ));
        }
        Write::NotFound => {
            return Err(CliError::input(
                "--id",
                format!("got {id:?}; allowed: an existing case to update"),
            ));
        }
        Write::Gone(r) => {
            return Err(CliError::input(
                "--id",
                format!("case {id:?} was deleted (revision {r})"),
            ));
        }
        Write::Stale(cur) => {
            return Err(CliError::input(
                "--revision",
                format!("case {id:?} has changed: the current revision is {cur}; review it and use --revision {cur}"),
            ));
        }
    };
    if a.json {
        return io::print_json(&serde_json::json!({
            "knowledge_version": kb.version(), "case_id": id, "revision": rev, "outcome": imported.outcome
        }));
    }
    io::print_text(&format!("case {id} (revision {rev})"))?;
    let o = &imported.outcome;
    io::print_text(&format!(
        "  {} mapping(s), {} warning(s), {} not mapped or not used",
        mappings(o),
        o.count(Severity::Warning),
        o.issue
            .iter()
            .filter(|i| i.severity == Severity::Information && i.code != IssueType::Informational)
            .count()
    ))?;
    print_outcome(o, a.verbose)
}
