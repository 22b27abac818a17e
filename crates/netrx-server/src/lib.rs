//! The netrx server: an HTTP API under `/api/v1` on the embedded SQLite store.
//!
//! Every clinical answer comes from `netrx_clinical::capability::evaluate` on a
//! case loaded by `netrx_clinical::load_case` — the same calls as the CLI — so
//! the API and `netrx <capability> --json` give the same JSON. The server adds
//! storage (append-only revisions, optimistic concurrency with ETag/If-Match),
//! accounts and roles, de-identified views for researchers, and the audit trail.
//!
//! Layout: [`api`] (the JSON API, mounted at `/api/v1`), [`web`] (the browser
//! pages, a later issue; mounted at `/`), [`auth`] (who is calling, sessions,
//! CSRF, login throttling), [`deid`] (the researcher view), [`demo`] (the
//! bundled example cases), [`openapi`] (the generated description).

pub mod answers;
pub mod api;
pub mod auth;
pub mod cds;
pub mod deid;
pub mod demo;
pub mod error;
pub mod fhir;
pub mod openapi;
pub mod web;

use error::{ApiError, ApiResult};
use netrx_kb::Kb;
use netrx_store::Store;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// Largest request body accepted (1 MiB); larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// How long a browser session lasts.
pub const SESSION_TTL_MS: i64 = 8 * 3600 * 1000;

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "netrx_session";

/// Server configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite database file (created and migrated if absent).
    pub db: PathBuf,
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// Mark the session cookie `Secure` (set when serving behind HTTPS).
    pub cookie_secure: bool,
    /// A request taking longer is answered 408 (so a shutdown never waits longer than this).
    pub request_timeout: std::time::Duration,
}

/// State shared by the handlers.
pub struct AppState {
    /// The store.
    pub store: Arc<Store>,
    /// The knowledge base (loaded once).
    pub kb: &'static Kb,
    /// Secret of the per-case date shift of de-identified views.
    pub deid_secret: String,
    /// Failed-login bookkeeping.
    pub throttle: auth::Throttle,
    /// Capability answers on stored revisions.
    pub answers: answers::Answers,
    /// `Secure` attribute on the session cookie.
    pub cookie_secure: bool,
}

/// Shared state handle.
pub type Shared = Arc<AppState>;

impl AppState {
    /// Open the store and load the knowledge base.
    pub fn open(db: &std::path::Path, cookie_secure: bool) -> Result<AppState, String> {
        let kb = Kb::embedded().map_err(|e| format!("knowledge base: {e}"))?;
        let store = Store::open(db).map_err(|e| format!("{}: {e}", db.display()))?;
        let deid_secret = store
            .read(|c| Ok(netrx_store::meta(c, netrx_store::DEID_SECRET_KEY)))
            .and_then(|r| r)
            .map_err(|e| e.to_string())?
            .ok_or("the database has no de-identification secret")?;
        Ok(AppState {
            store: Arc::new(store),
            kb,
            deid_secret,
            throttle: auth::Throttle::default(),
            answers: answers::Answers::default(),
            cookie_secure,
        })
    }

    /// Run a write job (group-committed); resolves after the commit.
    pub async fn write<R, F>(&self, job: F) -> ApiResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&netrx_store::Connection) -> rusqlite_result::Result<R> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.store.write(job, move |r| {
            let _ = tx.send(r);
        });
        match rx.await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(ApiError::internal("the database write", e)),
            Err(e) => Err(ApiError::internal("the database write", e)),
        }
    }

    /// Run a read on a pooled connection. The reads the API makes are single
    /// indexed lookups (tens of microseconds; WAL readers never wait for the
    /// writer), so they run in place: handing them to the blocking pool would cost
    /// more than the query.
    pub async fn read<R, F>(&self, f: F) -> ApiResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&netrx_store::Connection) -> rusqlite_result::Result<R> + Send + 'static,
    {
        self.store
            .read(f)
            .map_err(|e| ApiError::internal("the database read", e))
    }
}

/// rusqlite's result type, re-exported through the store.
pub mod rusqlite_result {
    /// Result of an SQLite call.
    pub type Result<T> = std::result::Result<T, netrx_store::SqliteError>;
}

/// The whole application: the API at `/api/v1` and (later) the web pages at `/`.
pub fn app(state: Shared, request_timeout: std::time::Duration) -> axum::Router {
    axum::Router::new()
        .nest("/api/v1", api::router(state.clone(), request_timeout))
        .merge(fhir::router(state.clone(), request_timeout))
        .merge(cds::router(state.clone(), request_timeout))
        .merge(web::router(state, request_timeout))
}

/// Start serving: bind, call `ready` with the bound address, and serve until
/// SIGINT/SIGTERM; in-flight requests are finished before returning.
pub async fn serve(config: Config, state: Shared, ready: impl FnOnce(SocketAddr)) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .map_err(|e| format!("--addr {}: cannot listen: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = app(state.clone(), config.request_timeout);
    ready(addr);
    tracing::info!(%addr, db = %config.db.display(), "listening");
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server: {e}"))?;
    tracing::info!("stopped accepting connections; in-flight requests finished");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => tracing::info!("SIGINT: shutting down"),
        _ = term => tracing::info!("SIGTERM: shutting down"),
    }
}

/// Install the log subscriber (structured lines on stderr; `RUST_LOG` filters, default `info`).
/// Colour only when stderr is a terminal and `NO_COLOR` is not set: a log redirected to a
/// file or a pipe gets plain lines, no ANSI escape codes.
pub fn init_logging() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = log_colour(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR").as_deref());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false)
        .try_init();
}

/// Whether log lines are coloured: only on a terminal, and not when `NO_COLOR` is set to a
/// non-empty value (<https://no-color.org>: "when present and not an empty string").
pub fn log_colour(stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    stderr_is_terminal && no_color.is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod log_tests {
    use super::log_colour;
    use std::ffi::OsStr;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        assert!(log_colour(true, None));
        assert!(!log_colour(false, None), "redirected stderr gets no ANSI codes");
        assert!(!log_colour(true, Some(OsStr::new("1"))), "NO_COLOR=1 turns colour off");
        // no-color.org: an empty NO_COLOR does not count.
        assert!(log_colour(true, Some(OsStr::new(""))));
        assert!(!log_colour(false, Some(OsStr::new(""))));
    }
}
