//! `netrx audit`: show the audit trail.

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_store::audit::{self, Query};
use serde::Serialize;
use std::path::PathBuf;

/// Show the audit trail: every read and write of patient data, sign-in and user change.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx audit --db netrx.db
  netrx audit --db netrx.db --case pnet-g2-progressive
  netrx audit --db netrx.db --user ann --json | jq .

--json prints one object a line: time, user, action, case_id, revision, remote, outcome, detail.")]
pub struct Args {
    /// The SQLite database file.
    #[arg(long, default_value = "netrx.db")]
    pub db: PathBuf,
    /// Only this case.
    #[arg(long)]
    pub case: Option<String>,
    /// Only this user.
    #[arg(long)]
    pub user: Option<String>,
    /// Only the last N entries.
    #[arg(long)]
    pub last: Option<usize>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Line<'a> {
    time: &'a str,
    user: Option<&'a str>,
    action: &'a str,
    case_id: Option<&'a str>,
    revision: Option<i64>,
    remote: Option<&'a str>,
    outcome: &'a str,
    detail: Option<&'a str>,
}

pub fn run(a: Args) -> CliResult {
    if !a.db.exists() {
        return Err(CliError::input(
            "--db",
            format!(
                "{}: no such database; allowed: the file netrx serve uses",
                a.db.display()
            ),
        ));
    }
    let conn = super::user::open(&a.db)?;
    let mut rows = audit::query(
        &conn,
        &Query {
            case_id: a.case.clone(),
            user: a.user.clone(),
            ..Query::default()
        },
    )
    .map_err(|e| CliError::Failure(format!("database: {e}")))?;
    if let Some(n) = a.last {
        let skip = rows.len().saturating_sub(n);
        rows.drain(..skip);
    }
    let mut out = String::new();
    if a.json {
        for e in &rows {
            let line = Line {
                time: &e.time,
                user: e.user.as_deref(),
                action: &e.action,
                case_id: e.case_id.as_deref(),
                revision: e.revision,
                remote: e.remote.as_deref(),
                outcome: &e.outcome,
                detail: e.detail.as_deref(),
            };
            out.push_str(&serde_json::to_string(&line).map_err(|e| CliError::Failure(e.to_string()))?);
            out.push('\n');
        }
        let out = out.trim_end_matches('\n');
        return if out.is_empty() { Ok(()) } else { io::print_text(out) };
    }
    out.push_str(&format!(
        "{:<24} {:<16} {:<16} {:<24} {:>4} {:<15} {:<10} {}",
        "TIME", "USER", "ACTION", "CASE", "REV", "REMOTE", "OUTCOME", "DETAIL"
    ));
    for e in &rows {
        out.push_str(&format!(
            "\n{:<24} {:<16} {:<16} {:<24} {:>4} {:<15} {:<10} {}",
            e.time,
            e.user.as_deref().unwrap_or("-"),
            e.action,
            e.case_id.as_deref().unwrap_or("-"),
            e.revision.map(|r| r.to_string()).unwrap_or("-".into()),
            e.remote.as_deref().unwrap_or("-"),
            e.outcome,
            e.detail.as_deref().unwrap_or("")
        ));
    }
    io::print_text(&out)
}
