//! `netrx user`: accounts, roles and API tokens (works with or without a running server).

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_store::users::{self, Role, User};
use netrx_store::{Connection, audit, auth};
use std::io::Read;
use std::path::PathBuf;

/// Manage accounts and API tokens (creates and migrates the database if absent).
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx user add ann --role clinician --db netrx.db          # prompts for the password
  printf '%s\\n' \"$PW\" | netrx user add bob --role researcher --password-stdin --db netrx.db
  TOKEN=$(netrx user token ann --db netrx.db)                 # the token alone on stdout
  curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/cases
  netrx user revoke-token ann --db netrx.db                   # every token of ann
  netrx user list --db netrx.db

Roles: clinician and pharmacist read and write cases; researcher reads de-identified cases only;
admin manages users and reads the audit trail (no patient data). Every change is audited.")]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
}

/// What to do.
#[derive(clap::Subcommand)]
pub enum UserCommand {
    /// Add an account.
    #[command(after_help = "Example:\n  netrx user add ann --role clinician --db netrx.db")]
    Add {
        /// Username: 1–64 letters, digits, '.', '_', '-', '@'.
        name: String,
        /// Role.
        #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["admin", "clinician", "pharmacist", "researcher"]))]
        role: String,
        /// Read the password from standard input (first line) instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// Print a new bearer API token for an account, alone on stdout (stored hashed; shown once).
    #[command(after_help = "Example:\n  TOKEN=$(netrx user token ann --db netrx.db)")]
    Token {
        /// Username.
        name: String,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// Revoke an account's API tokens (all, or the one given with --token).
    #[command(after_help = "Example:\n  netrx user revoke-token ann --db netrx.db")]
    RevokeToken {
        /// Username.
        name: String,
        /// Revoke only this token (read from the value; default: all of the user's tokens).
        #[arg(long)]
        token: Option<String>,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// Set a new password (ends the account's sessions).
    #[command(after_help = "Example:\n  netrx user passwd ann --db netrx.db")]
    Passwd {
        /// Username.
        name: String,
        /// Read the password from standard input (first line) instead of prompting.
        #[arg(long)]
        password_stdin: bool,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// Change an account's role (ends its sessions).
    #[command(after_help = "Example:\n  netrx user set-role ann pharmacist --db netrx.db")]
    SetRole {
        /// Username.
        name: String,
        /// New role.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(["admin", "clinician", "pharmacist", "researcher"]))]
        role: String,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// Disable an account (no sign-in, tokens stop working).
    #[command(after_help = "Example:\n  netrx user disable ann --db netrx.db")]
    Disable {
        /// Username.
        name: String,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// Enable a disabled account.
    #[command(after_help = "Example:\n  netrx user enable ann --db netrx.db")]
    Enable {
        /// Username.
        name: String,
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
    },
    /// List the accounts.
    #[command(after_help = "Example:\n  netrx user list --db netrx.db --json")]
    List {
        /// The SQLite database file.
        #[arg(long, default_value = "netrx.db")]
        db: PathBuf,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

/// Who the audit trail names for CLI actions.
pub fn actor() -> String {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{who}")
}

/// Open (create, migrate) the database named by --db.
pub fn open(db: &std::path::Path) -> CliResult<Connection> {
    netrx_store::open_and_migrate(db).map_err(|e| CliError::input("--db", e.to_string()))
}

fn db_err(e: impl std::fmt::Display) -> CliError {
    CliError::Failure(format!("database: {e}"))
}

fn find(conn: &Connection, name: &str) -> CliResult<User> {
    users::find(conn, name).map_err(db_err)?.map(|(u, _)| u).ok_or_else(|| {
        CliError::input(
            "NAME",
            format!("got {name:?}; allowed: an existing user (netrx user list)"),
        )
    })
}

fn log(conn: &Connection, action: &str, outcome: &str, detail: String) -> CliResult {
    audit::append(
        conn,
        &audit::Entry::new(Some(&actor()), action, outcome)
            .remote(Some("local"))
            .detail(detail),
    )
    .map_err(db_err)
}

fn read_password(stdin: bool) -> CliResult<String> {
    let pw = if stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::input("--password-stdin", format!("cannot read standard input: {e}")))?;
        s.lines().next().unwrap_or("").to_string()
    } else {
        let a = rpassword::prompt_password("Password: ").map_err(|e| {
            CliError::input(
                "password",
                format!("cannot prompt for it ({e}); allowed: a terminal, or --password-stdin"),
            )
        })?;
        let b = rpassword::prompt_password("Repeat:   ")
            .map_err(|e| CliError::input("password", format!("cannot prompt for it ({e})")))?;
        if a != b {
            return Err(CliError::input("password", "the two entries differ"));
        }
        a
    };
    auth::check_password(&pw).map_err(|m| CliError::input("password", m))?;
    Ok(pw)
}

fn in_tx<T>(conn: &mut Connection, f: impl FnOnce(&Connection) -> CliResult<T>) -> CliResult<T> {
    let tx = conn
        .transaction_with_behavior(netrx_store::TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let v = f(&tx)?;
    tx.commit().map_err(db_err)?;
    Ok(v)
}

pub fn run(a: Args) -> CliResult {
    match a.command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
            db,
        } => {
            auth::check_username(&name).map_err(|m| CliError::input("NAME", m))?;
            let role = Role::parse(&role).map_err(|m| CliError::input("--role", m))?;
            let mut conn = open(&db)?;
            if users::find(&conn, &name).map_err(db_err)?.is_some() {
                return Err(CliError::input(
                    "NAME",
                    format!("got {name:?}; allowed: a new username (it exists)"),
                ));
            }
            let pw = read_password(password_stdin)?;
            let hash = auth::hash_password(&pw).map_err(db_err)?;
            in_tx(&mut conn, |c| {
                let u = users::add(c, &name, role, &hash).map_err(db_err)?;
                if u.is_none() {
                    return Err(CliError::input(
                        "NAME",
                        format!("got {name:?}; allowed: a new username (it exists)"),
                    ));
                }
                log(c, "user.add", "ok", format!("{name} role={}", role.as_str()))
            })?;
            eprintln!("added {name} ({})", role.as_str());
            Ok(())
        }
        UserCommand::Token { name, db } => {
            let mut conn = open(&db)?;
            let token = in_tx(&mut conn, |c| {
                let u = find(c, &name)?;
                let t = users::create_token(c, &u).map_err(db_err)?;
                log(c, "user.token", "ok", name.clone())?;
                Ok(t)
            })?;
            io::print_text(&token)
        }
        UserCommand::RevokeToken { name, token, db } => {
            let mut conn = open(&db)?;
            let n = in_tx(&mut conn, |c| {
                let u = find(c, &name)?;
                let n = users::revoke_tokens(c, &u, token.as_deref()).map_err(db_err)?;
                log(c, "user.revoke_token", "ok", format!("{name} revoked={n}"))?;
                Ok(n)
            })?;
            if token.is_some() && n == 0 {
                return Err(CliError::input(
                    "--token",
                    format!("no live token of {name} matches; allowed: a token printed by 'netrx user token {name}'"),
                ));
            }
            eprintln!("revoked {n} token(s) of {name}");
            Ok(())
        }
        UserCommand::Passwd {
            name,
            password_stdin,
            db,
        } => {
            let mut conn = open(&db)?;
            find(&conn, &name)?;
            let pw = read_password(password_stdin)?;
            let hash = auth::hash_password(&pw).map_err(db_err)?;
            in_tx(&mut conn, |c| {
                users::update(c, &name, None, None, Some(&hash)).map_err(db_err)?;
                log(c, "user.update", "ok", format!("{name} password"))
            })?;
            eprintln!("password of {name} changed");
            Ok(())
        }
        UserCommand::SetRole { name, role, db } => {
            let role = Role::parse(&role).map_err(|m| CliError::input("ROLE", m))?;
            let mut conn = open(&db)?;
            in_tx(&mut conn, |c| {
                find(c, &name)?;
                users::update(c, &name, Some(role), None, None).map_err(db_err)?;
                log(c, "user.update", "ok", format!("{name} role={}", role.as_str()))
            })?;
            eprintln!("{name} is now {}", role.as_str());
            Ok(())
        }
        UserCommand::Disable { name, db } => set_disabled(&db, &name, true),
        UserCommand::Enable { name, db } => set_disabled(&db, &name, false),
        UserCommand::List { db, json } => {
            let conn = open(&db)?;
            let list = users::list(&conn).map_err(db_err)?;
            if json {
                for u in &list {
                    let line = serde_json::to_string(u).map_err(|e| CliError::Failure(e.to_string()))?;
                    io::print_text(&line)?;
                }
                return Ok(());
            }
            let mut s = format!("{:<24} {:<11} {:<9} {}", "USERNAME", "ROLE", "STATUS", "CREATED");
            for u in &list {
                s.push_str(&format!(
                    "\n{:<24} {:<11} {:<9} {}",
                    u.username,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    u.created_at
                ));
            }
            io::print_text(&s)
        }
    }
}

fn set_disabled(db: &std::path::Path, name: &str, disabled: bool) -> CliResult {
    let mut conn = open(db)?;
    in_tx(&mut conn, |c| {
        find(c, name)?;
        users::update(c, name, None, Some(disabled), None).map_err(db_err)?;
        log(c, "user.update", "ok", format!("{name} disabled={disabled}"))
    })?;
    eprintln!("{name} {}", if disabled { "disabled" } else { "enabled" });
    Ok(())
}
