//! `netrx backup`: a consistent copy of the database, safe while the server runs.

use crate::error::{CliError, CliResult};
use std::path::PathBuf;

/// Copy the whole database (cases with every revision, accounts, audit trail) with SQLite's online backup.
#[derive(clap::Args)]
#[command(after_help = "\
Example:
  netrx backup --db netrx.db backups/netrx-$(date +%F).db

Safe while 'netrx serve' runs: the copy is one consistent snapshot and the server keeps writing.
The copy is checked (PRAGMA integrity_check and netrx's revision checks). OUT must not exist.
Restore with 'netrx restore --db PATH IN'.")]
pub struct Args {
    /// The SQLite database file to back up.
    #[arg(long, default_value = "netrx.db")]
    pub db: PathBuf,
    /// The backup file to write (must not exist).
    pub out: PathBuf,
}

pub fn run(a: Args) -> CliResult {
    if !a.db.exists() {
        return Err(CliError::input("--db", format!("{}: no such database", a.db.display())));
    }
    if a.out.exists() {
        return Err(CliError::input(
            "OUT",
            format!(
                "{}: exists already; allowed: a new file name (a backup never overwrites)",
                a.out.display()
            ),
        ));
    }
    let (live, all) = netrx_store::backup::backup(&a.db, &a.out).map_err(|e| CliError::Failure(e.to_string()))?;
    eprintln!(
        "backed up {} to {}: {live} case(s), {} deleted, checked",
        a.db.display(),
        a.out.display(),
        all - live
    );
    Ok(())
}
