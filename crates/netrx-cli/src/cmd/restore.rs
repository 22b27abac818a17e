//! `netrx restore`: put a backup in place.

use crate::error::{CliError, CliResult};
use std::path::PathBuf;

/// Restore a database from a backup made by 'netrx backup' (stop the server first).
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx restore --db netrx.db backups/netrx-2026-01-31.db
  netrx restore --db netrx.db backups/netrx-2026-01-31.db --force   # replace an existing database

The backup is checked before anything is written. With --force an existing database is first
copied to <db>.before-restore-<time>, so a restore never destroys data. Refused while a server
runs on the database.")]
pub struct Args {
    /// The database file to restore into.
    #[arg(long, default_value = "netrx.db")]
    pub db: PathBuf,
    /// The backup file.
    pub input: PathBuf,
    /// Replace an existing database (it is kept as <db>.before-restore-<time>).
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> CliResult {
    if !a.input.exists() {
        return Err(CliError::input("IN", format!("{}: no such file", a.input.display())));
    }
    if netrx_store::lock::ServerLock::held(&a.db) {
        return Err(CliError::input(
            "--db",
            format!(
                "{}: a netrx server is running on this database; stop it first",
                a.db.display()
            ),
        ));
    }
    let _lock = netrx_store::lock::ServerLock::acquire(&a.db).map_err(|e| CliError::input("--db", e.to_string()))?;
    let kept = netrx_store::backup::restore(&a.input, &a.db, a.force).map_err(|e| match e {
        netrx_store::StoreError::Io(m) if m.contains("--force") => CliError::input("--db", m),
        netrx_store::StoreError::Schema(m) => CliError::input("IN", m),
        e => CliError::Failure(e.to_string()),
    })?;
    if let Some(k) = kept {
        eprintln!("the previous database was kept as {}", k.display());
    }
    eprintln!("restored {} from {}, checked", a.db.display(), a.input.display());
    Ok(())
}
