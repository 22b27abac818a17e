//! The server's claim on a database: `netrx serve` holds an exclusive lock on
//! `<db>-serve.lock` while it runs, so that `netrx restore` can refuse to replace
//! a database under a running server. (SQLite's own locks stay in charge of
//! concurrent access; this lock only answers "is a server running here?".)

use crate::{Result, StoreError};
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// The lock file of a database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push("-serve.lock");
    db.with_file_name(name)
}

/// A held server lock (released on drop).
pub struct ServerLock {
    _file: File,
}

impl ServerLock {
    /// Take the lock, or fail if a server already holds it.
    pub fn acquire(db: &Path) -> Result<ServerLock> {
        let p = lock_path(db);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&p)
            .map_err(|e| StoreError::Io(format!("{}: {e}", p.display())))?;
        match file.try_lock() {
            Ok(()) => Ok(ServerLock { _file: file }),
            Err(_) => Err(StoreError::Io(format!(
                "{}: a netrx server is already running on this database",
                db.display()
            ))),
        }
    }

    /// Whether a server holds the lock now.
    pub fn held(db: &Path) -> bool {
        let p = lock_path(db);
        match OpenOptions::new().write(true).open(&p) {
            Ok(f) => f.try_lock().is_err(),
            Err(_) => false,
        }
    }
}
