//! Schema migrations, versioned in the repository (`migrations/NNNN_name.sql`)
//! and tracked with SQLite's `PRAGMA user_version`. Each migration runs in its
//! own transaction together with the version bump, so a crash leaves the
//! database at the old or the new version, never in between.

use crate::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};

/// The migrations, in order: (version, SQL).
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_initial.sql")),
    (2, include_str!("../migrations/0002_cds.sql")),
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// The schema version of a database.
pub fn version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the database to the latest schema version.
pub fn migrate(conn: &mut Connection) -> Result<()> {
    let current = version(conn)?;
    if current > latest() {
        return Err(StoreError::Schema(format!(
            "the database has schema version {current}, newer than this netrx understands ({}); \
             use a newer netrx",
            latest()
        )));
    }
    for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-check inside the write lock: another process may have migrated meanwhile.
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if now >= *v {
            continue;
        }
        tx.execute_batch(sql)?;
        tx.execute_batch(&format!("PRAGMA user_version = {v}"))?;
        tx.commit()?;
    }
    Ok(())
}
