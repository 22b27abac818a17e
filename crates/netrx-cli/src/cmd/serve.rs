//! `netrx serve`: the HTTP API on an SQLite database.

use crate::error::{CliError, CliResult};
use crate::io;
use std::path::PathBuf;

/// Serve the netrx web app, HTTP API, FHIR import and CDS Hooks service on an SQLite database.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx serve --demo                          # netrx.db here, bundled example cases, a demo account
  netrx serve --db /srv/netrx/netrx.db --addr 0.0.0.0:8080
  NETRX_DEMO_PASSWORD='choose-one' netrx serve --demo

The database is created and migrated on first start (WAL mode; every write is on disk before it
is acknowledged). --demo adds the bundled example cases that are not stored yet, and on first use
creates the account 'demo' (role clinician) with the password from NETRX_DEMO_PASSWORD or a random
one printed once. Add real accounts with 'netrx user add'. Stop with Ctrl-C or SIGTERM: requests
in flight are finished first. Logs go to stderr (RUST_LOG=debug for more). See docs/api.md.")]
pub struct Args {
    /// The SQLite database file (created if absent).
    #[arg(long, default_value = "netrx.db")]
    pub db: PathBuf,
    /// Address to listen on (port 0: any free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Seed the bundled example cases and a demo account.
    #[arg(long)]
    pub demo: bool,
    /// Mark the session cookie Secure (when clients reach netrx over HTTPS, e.g. behind a proxy).
    #[arg(long)]
    pub cookie_secure: bool,
}

pub fn run(a: Args) -> CliResult {
    let addr: std::net::SocketAddr = a.addr.parse().map_err(|_| {
        CliError::input(
            "--addr",
            format!("got {:?}; allowed: IP:PORT, e.g. 127.0.0.1:8080", a.addr),
        )
    })?;
    netrx_server::init_logging();
    let _lock = netrx_store::lock::ServerLock::acquire(&a.db).map_err(|e| CliError::input("--db", e.to_string()))?;
    let state = netrx_server::AppState::open(&a.db, a.cookie_secure).map_err(|e| CliError::input("--db", e))?;
    let mut notes = Vec::new();
    if a.demo {
        let pw = std::env::var("NETRX_DEMO_PASSWORD").ok().filter(|p| !p.is_empty());
        let s = netrx_server::demo::seed(&state, pw).map_err(CliError::Failure)?;
        notes.push(format!(
            "Demo data: {} example case(s) added, {} already stored{}.",
            s.added.len(),
            s.present.len(),
            if s.skipped.is_empty() {
                String::new()
            } else {
                format!(", {} example file(s) that are not case files skipped", s.skipped.len())
            }
        ));
        match s.new_password {
            Some(pw) => notes.push(format!(
                "Demo account created: username '{}' (role clinician), password '{pw}' — shown only now.",
                netrx_server::demo::DEMO_USER
            )),
            None => notes.push(format!(
                "Demo account '{}' exists; its password is unchanged (reset: netrx user passwd {} --db {}).",
                netrx_server::demo::DEMO_USER,
                netrx_server::demo::DEMO_USER,
                a.db.display()
            )),
        }
    }
    let no_accounts = state
        .store
        .read(netrx_store::users::list)
        .map(|u| u.is_empty())
        .unwrap_or(false);
    if no_accounts {
        notes.push(format!(
            "No accounts yet: add one with 'netrx user add NAME --role clinician --db {}' (or start with --demo).",
            a.db.display()
        ));
    }
    let config = netrx_server::Config {
        db: a.db.clone(),
        addr,
        cookie_secure: a.cookie_secure,
        request_timeout: std::time::Duration::from_secs(30),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failure(format!("cannot start the runtime: {e}")))?;
    let state = std::sync::Arc::new(state);
    let db = a.db.display().to_string();
    let result = rt.block_on(netrx_server::serve(config, state.clone(), move |bound| {
        let url = format!("http://{bound}");
        let mut text = format!("netrx is serving {url}/ (database {db})\n");
        text.push_str(&format!("  Web app:  {url}/ — open it in a browser and sign in\n"));
        text.push_str(&format!("  Health:   {url}/api/v1/health\n"));
        text.push_str(&format!("  API:      {url}/api/v1/openapi.json (signed in)\n"));
        text.push_str(&format!(
            "  Sign in:  curl -c cookies.txt -H 'Content-Type: application/json' \
             -d '{{\"username\":\"demo\",\"password\":\"…\"}}' {url}/api/v1/login\n"
        ));
        for n in &notes {
            text.push_str(n);
            text.push('\n');
        }
        text.push_str("Stop with Ctrl-C.");
        let _ = io::print_text(&text);
    }));
    drop(rt);
    // Commit whatever is queued and close the database.
    if let Ok(state) = std::sync::Arc::try_unwrap(state)
        && let Ok(store) = std::sync::Arc::try_unwrap(state.store)
    {
        store.close();
    }
    result.map_err(CliError::Failure)
}
