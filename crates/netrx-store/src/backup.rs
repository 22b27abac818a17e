//! Backup and restore with SQLite's online backup API: a consistent snapshot
//! of a database that may be in use by a running server (in WAL mode the backup
//! holds a read snapshot and never blocks the server's writes).

use crate::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Copy `src` into `dst` (which must not exist) and check the copy. Returns the
/// copy's number of (live, all) cases.
pub fn backup(src: &Path, dst: &Path) -> Result<(i64, i64)> {
    if !src.exists() {
        return Err(StoreError::Io(format!("{}: no such database", src.display())));
    }
    if dst.exists() {
        return Err(StoreError::Io(format!(
            "{}: exists already; a backup never overwrites a file",
            dst.display()
        )));
    }
    let conn = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    check_netrx(&conn, src)?;
    // One step (-1 pages) copies every page under one read snapshot: the copy is
    // consistent, and a server writing meanwhile cannot force a restart.
    {
        let mut out = Connection::open(dst)?;
        copy_all(&conn, &mut out)?;
    }
    drop(conn);
    verify(dst)
}

/// Restore `src` (a backup) into `dst`. `dst` must not exist unless `force`; with
/// `force` an existing `dst` is first backed up to `dst.before-restore-<time>`
/// (returned), so a restore destroys nothing. The server must not be running on `dst`.
pub fn restore(src: &Path, dst: &Path, force: bool) -> Result<Option<std::path::PathBuf>> {
    let (_live, _all) = verify(src)?;
    let mut saved = None;
    if dst.exists() {
        if !force {
            return Err(StoreError::Io(format!(
                "{}: exists already; pass --force to replace it (the current database is kept as a backup first)",
                dst.display()
            )));
        }
        let stamp = crate::time::now().replace([':', '.'], "-");
        let keep = dst.with_file_name(format!(
            "{}.before-restore-{stamp}",
            dst.file_name().and_then(|n| n.to_str()).unwrap_or("netrx.db")
        ));
        backup(dst, &keep)?;
        saved = Some(keep);
    }
    let source = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut target = crate::connect(dst)?;
    {
        copy_all(&source, &mut target)?;
    }
    crate::migrate::migrate(&mut target)?;
    drop(target);
    verify(dst)?;
    Ok(saved)
}

/// Copy every page in one step (one read snapshot), retrying while a lock is held.
fn copy_all(src: &Connection, dst: &mut Connection) -> Result<()> {
    use rusqlite::backup::{Backup, StepResult};
    let b = Backup::new(src, dst)?;
    for _ in 0..200 {
        match b.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More | StepResult::Busy | StepResult::Locked => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            _ => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
    Err(StoreError::Io(
        "the database stayed locked for 10 s; backup not completed".into(),
    ))
}

fn check_netrx(conn: &Connection, path: &Path) -> Result<()> {
    let v = crate::migrate::version(conn)?;
    let has_cases: i64 = conn.query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'case_revisions'",
        [],
        |r| r.get(0),
    )?;
    if v < 1 || has_cases == 0 {
        return Err(StoreError::Schema(format!("{}: not a netrx database", path.display())));
    }
    if v > crate::migrate::latest() {
        return Err(StoreError::Schema(format!(
            "{}: schema version {v} is newer than this netrx understands ({})",
            path.display(),
            crate::migrate::latest()
        )));
    }
    Ok(())
}

/// Open a database read-only, check it is a sound netrx database, and count its cases.
pub fn verify(path: &Path) -> Result<(i64, i64)> {
    if !path.exists() {
        return Err(StoreError::Io(format!("{}: no such file", path.display())));
    }
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Schema(format!("{}: not an SQLite database ({e})", path.display())))?;
    check_netrx(&conn, path).map_err(|e| match e {
        StoreError::Sqlite(s) => StoreError::Schema(format!("{}: not a netrx database ({s})", path.display())),
        e => e,
    })?;
    let problems = crate::integrity::check(&conn)?;
    if !problems.is_empty() {
        return Err(StoreError::Schema(format!(
            "{}: failed the integrity check: {}",
            path.display(),
            problems.join("; ")
        )));
    }
    Ok(crate::cases::count(&conn)?)
}
