//! `netrx cds-client`: the CDS Hooks clients whose signed JWTs the service
//! accepts (their public keys), and the feedback on the cards issued.

use crate::cmd::user::{actor, open};
use crate::error::{CliError, CliResult};
use crate::io;
use netrx_store::audit;
use std::path::PathBuf;

/// Register CDS Hooks clients (JWT issuers and their public keys); card feedback.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx cds-client add https://sandbox.cds-hooks.org --jwks sandbox-jwks.json --db netrx.db
  netrx cds-client list --db netrx.db
  netrx cds-client disable https://sandbox.cds-hooks.org --db netrx.db
  netrx cds-client feedback --db netrx.db       # cards issued, accepted and overridden, by kind

A client's JWTs must be signed with one of its registered keys (asymmetric: RS*/PS*/ES*),
carry its iss, aud = the URL called, exp, iat and a unique jti. Adding an issuer again
replaces its keys (key rotation) and re-enables it. Clients may also use a netrx bearer
token of a clinician or pharmacist (netrx user token NAME).")]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// What to do.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Register a client (or replace its keys).
    #[command(
        after_help = "Example:\n  netrx cds-client add https://ehr.hospital.example --jwks ehr-public-jwks.json --db netrx.db"
    )]
    Add {
        /// The issuer (`iss` claim) the client signs its JWTs with.
        iss: String,
        /// The client's public keys: a JWK Set file ({"keys": [...]}), or - for standard input.
        #[arg(long)]
        jwks: PathBuf,
        /// The SQLite database file (created and migrated if absent).
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// List the registered clients.
    #[command(after_help = "Example:\n  netrx cds-client list --db netrx.db --json")]
    List {
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Disable a client (its JWTs are refused).
    #[command(after_help = "Example:\n  netrx cds-client disable https://ehr.hospital.example --db netrx.db")]
    Disable {
        /// The issuer to disable.
        iss: String,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// Cards issued and the feedback on them, by card kind (the override rate).
    #[command(after_help = "Example:\n  netrx cds-client feedback --db netrx.db")]
    Feedback {
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

fn db_err(e: impl std::fmt::Display) -> CliError {
    CliError::Failure(format!("database: {e}"))
}

pub fn run(a: Args) -> CliResult {
    match a.command {
        Command::Add { iss, jwks, db } => {
            if iss.trim().is_empty() || iss.len() > 512 {
                return Err(CliError::input(
                    "ISS",
                    format!("got {iss:?}; allowed: the issuer URL, 1–512 characters"),
                ));
            }
            let text = io::read_input("--jwks", &jwks)?;
            let n = netrx_server::cds::check_jwks(&text).map_err(|m| CliError::input("--jwks", m))?;
            let conn = open(&db)?;
            let compact: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| CliError::input("--jwks", e.to_string()))?;
            let new = netrx_store::cds::add_client(&conn, &iss, &compact.to_string()).map_err(db_err)?;
            audit::append(
                &conn,
                &audit::Entry::new(Some(&actor()), "cds.client.add", "ok")
                    .remote(Some("local"))
                    .detail(format!("{iss} ({n} key(s){})", if new { "" } else { ", replaced" })),
            )
            .map_err(db_err)?;
            io::print_text(&format!(
                "{} CDS client {iss} with {n} key(s)",
                if new { "registered" } else { "replaced the keys of" }
            ))
        }
        Command::List { db, json } => {
            let conn = open(&db)?;
            let list = netrx_store::cds::clients(&conn).map_err(db_err)?;
            if json {
                return io::print_json(&serde_json::json!({ "clients": list }));
            }
            if list.is_empty() {
                return io::print_text("no CDS clients registered (netrx cds-client add ISS --jwks FILE)");
            }
            for c in list {
                io::print_text(&format!(
                    "{}  registered {}{}",
                    c.iss,
                    c.created_at,
                    c.disabled_at.map(|d| format!("  DISABLED {d}")).unwrap_or_default()
                ))?;
            }
            Ok(())
        }
        Command::Disable { iss, db } => {
            let conn = open(&db)?;
            if !netrx_store::cds::disable_client(&conn, &iss).map_err(db_err)? {
                return Err(CliError::input(
                    "ISS",
                    format!("got {iss:?}; allowed: an enabled registered client (netrx cds-client list)"),
                ));
            }
            audit::append(
                &conn,
                &audit::Entry::new(Some(&actor()), "cds.client.disable", "ok")
                    .remote(Some("local"))
                    .detail(iss.clone()),
            )
            .map_err(db_err)?;
            io::print_text(&format!("disabled CDS client {iss}"))
        }
        Command::Feedback { db, json } => {
            let conn = open(&db)?;
            let rows = netrx_store::cds::feedback_summary(&conn).map_err(db_err)?;
            if json {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(k, n, acc, ov)| serde_json::json!({ "kind": k, "issued": n, "accepted": acc, "overridden": ov }))
                    .collect();
                return io::print_json(&serde_json::json!({ "cards": v }));
            }
            if rows.is_empty() {
                return io::print_text("no cards issued yet");
            }
            io::print_text(&format!(
                "{:<32} {:>7} {:>9} {:>11}",
                "card kind", "issued", "accepted", "overridden"
            ))?;
            for (k, n, acc, ov) in rows {
                io::print_text(&format!("{k:<32} {n:>7} {acc:>9} {ov:>11}"))?;
            }
            Ok(())
        }
    }
}
