//! Persistence of netrx in one embedded SQLite file: cases as append-only
//! revisions, accounts, sessions and API tokens, and the append-only audit trail.
//!
//! Durability: the database runs in WAL mode with `synchronous = FULL`, so a
//! transaction is on disk (the WAL is fsync'ed) when `COMMIT` returns. All writes
//! go through one writer thread ([`Store::write`]) that commits the jobs waiting
//! at that moment together (group commit): each job runs inside its own savepoint,
//! and every caller is answered only after the shared `COMMIT` has returned. A
//! crash therefore loses no acknowledged write and never leaves half a job.
//!
//! Reads use a small pool of read-only connections ([`Store::read`]); in WAL mode
//! they never block the writer and always see a committed snapshot.

pub mod audit;
pub mod auth;
pub mod backup;
pub mod cases;
pub mod cds;
pub mod integrity;
pub mod lock;
pub mod migrate;
pub mod time;
pub mod users;
mod writer;

pub use rusqlite::{Connection, Error as SqliteError, OptionalExtension, TransactionBehavior};

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A failure of the store (not of the user's input).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database file is not a netrx database this version can use.
    #[error("{0}")]
    Schema(String),
    /// The writer thread has stopped.
    #[error("the database writer has stopped")]
    Closed,
    /// A file operation failed.
    #[error("{0}")]
    Io(String),
}

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// How long a connection waits for a lock held by another process (the CLI
/// writing while the server runs) before giving up.
const BUSY_TIMEOUT_MS: u64 = 10_000;

/// Open a connection with the pragmas every netrx connection uses.
pub fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    // WAL is persistent in the file; setting it again is cheap. It fails only on a read-only medium.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Schema(format!(
            "{}: cannot switch the database to WAL mode (journal_mode is {mode})",
            path.display()
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(conn)
}

/// Open (creating if needed) and migrate a database, then make sure its
/// per-database secrets exist. Used by every command that takes `--db`.
pub fn open_and_migrate(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        return Err(StoreError::Io(format!(
            "{}: the directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    let mut conn = connect(path)?;
    migrate::migrate(&mut conn)?;
    ensure_secret(&conn)?;
    Ok(conn)
}

/// Key of the secret that seeds the per-case date shift of de-identified views.
pub const DEID_SECRET_KEY: &str = "deid_secret";

fn ensure_secret(conn: &Connection) -> Result<()> {
    let secret = auth::random_hex(32)?;
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
        (DEID_SECRET_KEY, secret),
    )?;
    Ok(())
}

/// Read a value from the meta table.
pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

/// The store used by the server: one writer thread with group commit and a pool of readers.
pub struct Store {
    path: PathBuf,
    writer: writer::Writer,
    readers: Mutex<Vec<Connection>>,
}

impl Store {
    /// Open (create and migrate) the database at `path` and start the writer thread.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = open_and_migrate(path)?;
        Ok(Store {
            path: path.to_path_buf(),
            writer: writer::Writer::start(conn)?,
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run a read on a pooled read-only connection (blocking).
    pub fn read<R>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<R>) -> Result<R> {
        let conn = self.readers.lock().map_err(|_| StoreError::Closed)?.pop();
        let conn = match conn {
            Some(c) => c,
            None => {
                let c = connect(&self.path)?;
                c.execute_batch("PRAGMA query_only = ON;")?;
                c
            }
        };
        let r = f(&conn);
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < 16
        {
            pool.push(conn);
        }
        Ok(r?)
    }

    /// Queue a write job; `done` is called with its result once the transaction
    /// holding it has committed (or failed). The job runs in its own savepoint: an
    /// `Err` from it rolls back its changes only.
    pub fn write<R, F, D>(&self, job: F, done: D)
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
        D: FnOnce(Result<R>) + Send + 'static,
    {
        self.writer.submit(job, done)
    }

    /// A write job, waiting for its commit (blocking).
    pub fn write_blocking<R, F>(&self, job: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let (tx, rx) = std::sync::mpsc::channel();
        self.write(job, move |r| {
            let _ = tx.send(r);
        });
        rx.recv().map_err(|_| StoreError::Closed)?
    }

    /// Stop the writer after the queued jobs are committed.
    pub fn close(self) {
        self.writer.stop();
    }
}

#[cfg(test)]
mod tests;
