//! The single writer thread with group commit.
//!
//! Jobs queue on a channel. The thread takes the first waiting job, then every
//! other job already queued (up to [`MAX_BATCH`]), runs each in its own savepoint
//! inside one `BEGIN IMMEDIATE` transaction, commits once, and only then hands
//! each job its result. With `synchronous = FULL` one fsync covers the batch, so
//! throughput grows with concurrency while every acknowledgement still follows a
//! durable commit.

use crate::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Largest number of jobs committed together.
const MAX_BATCH: usize = 256;

trait Job: Send {
    /// Run inside the batch; returns whether the job succeeded (its savepoint is kept).
    fn run(&mut self, conn: &mut rusqlite::Transaction<'_>);
    /// Deliver the outcome once the batch is committed (`commit` is the commit's result).
    fn finish(self: Box<Self>, commit: std::result::Result<(), String>);
}

struct JobImpl<R, F, D> {
    job: Option<F>,
    result: Option<rusqlite::Result<R>>,
    done: Option<D>,
}

impl<R, F, D> Job for JobImpl<R, F, D>
where
    R: Send + 'static,
    F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    D: FnOnce(Result<R>) + Send + 'static,
{
    fn run(&mut self, tx: &mut rusqlite::Transaction<'_>) {
        let Some(job) = self.job.take() else { return };
        let r = match tx.savepoint() {
            Ok(sp) => {
                let r = job(&sp);
                match r {
                    Ok(v) => sp.commit().map(|_| v),
                    Err(e) => Err(e), // dropping the savepoint rolls it back
                }
            }
            Err(e) => Err(e),
        };
        self.result = Some(r);
    }

    fn finish(mut self: Box<Self>, commit: std::result::Result<(), String>) {
        let Some(done) = self.done.take() else { return };
        let out = match (self.result.take(), commit) {
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Err(e)), _) => Err(StoreError::Sqlite(e)),
            (Some(Ok(_)), Err(m)) | (None, Err(m)) => Err(StoreError::Io(format!("commit failed: {m}"))),
            (None, Ok(())) => Err(StoreError::Closed),
        };
        done(out);
    }
}

pub(crate) struct Writer {
    tx: Mutex<Option<mpsc::Sender<Box<dyn Job>>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    pub(crate) fn start(conn: Connection) -> Result<Writer> {
        let (tx, rx) = mpsc::channel::<Box<dyn Job>>();
        let thread = std::thread::Builder::new()
            .name("netrx-db-writer".into())
            .spawn(move || {
                let mut conn = conn;
                run(&mut conn, rx);
            })
            .map_err(|e| StoreError::Io(format!("cannot start the database writer: {e}")))?;
        Ok(Writer {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    pub(crate) fn submit<R, F, D>(&self, job: F, done: D)
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
        D: FnOnce(Result<R>) + Send + 'static,
    {
        let boxed: Box<dyn Job> = Box::new(JobImpl {
            job: Some(job),
            result: None,
            done: Some(done),
        });
        let sender = self.tx.lock().ok().and_then(|g| g.clone());
        match sender {
            Some(s) => {
                if let Err(mpsc::SendError(job)) = s.send(boxed) {
                    job.finish(Err("the database writer has stopped".into()));
                }
            }
            None => boxed.finish(Err("the database writer has stopped".into())),
        }
    }

    pub(crate) fn stop(&self) {
        if let Ok(mut g) = self.tx.lock() {
            g.take();
        }
        if let Some(t) = self.thread.lock().ok().and_then(|mut g| g.take()) {
            let _ = t.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(conn: &mut Connection, rx: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        let commit = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
            Ok(mut tx) => {
                for job in batch.iter_mut() {
                    job.run(&mut tx);
                }
                tx.commit().map_err(|e| e.to_string())
            }
            Err(e) => Err(e.to_string()),
        };
        for job in batch {
            job.finish(commit.clone());
        }
    }
}
