//! Accounts, API tokens and sessions.

use crate::auth;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users; reads the audit trail; no access to patient data.
    Admin,
    /// Reads and writes cases.
    Clinician,
    /// Reads and writes cases.
    Pharmacist,
    /// Reads de-identified cases only.
    Researcher,
}

impl Role {
    /// Every role.
    pub const ALL: &'static [Role] = &[Role::Admin, Role::Clinician, Role::Pharmacist, Role::Researcher];

    /// The role's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Clinician => "clinician",
            Role::Pharmacist => "pharmacist",
            Role::Researcher => "researcher",
        }
    }

    /// Parse a role name; `Err` is the message naming the allowed values.
    pub fn parse(s: &str) -> Result<Role, String> {
        Role::ALL.iter().copied().find(|r| r.as_str() == s).ok_or_else(|| {
            format!(
                "got {s:?}; allowed: {}",
                Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// Reads and writes identified patient data.
    pub fn writes_cases(self) -> bool {
        matches!(self, Role::Clinician | Role::Pharmacist)
    }

    /// Reads patient data (identified or, for researchers, de-identified).
    pub fn reads_cases(self) -> bool {
        matches!(self, Role::Clinician | Role::Pharmacist | Role::Researcher)
    }
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Row id.
    #[serde(skip)]
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// A disabled account cannot log in and its tokens and sessions do not work.
    pub disabled: bool,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(User, String)> {
    let role: String = r.get(2)?;
    Ok((
        User {
            id: r.get(0)?,
            username: r.get(1)?,
            role: Role::parse(&role).unwrap_or(Role::Researcher),
            disabled: r.get::<_, i64>(3)? != 0,
            created_at: r.get(5)?,
            updated_at: r.get(6)?,
        },
        r.get(4)?,
    ))
}

/// The columns `user_from_row` reads, in order (the joins below spell them out with `u.`).
const USER_COLS: &str = "id, username, role, disabled, password_hash, created_at, updated_at";

/// A user and their password hash, by name (case-insensitive).
pub fn find(conn: &Connection, username: &str) -> rusqlite::Result<Option<(User, String)>> {
    conn.query_row(
        &format!("SELECT {USER_COLS} FROM users WHERE username = ?1"),
        [username],
        user_from_row,
    )
    .optional()
}

/// Every user, by name.
pub fn list(conn: &Connection) -> rusqlite::Result<Vec<User>> {
    let mut st = conn.prepare(&format!("SELECT {USER_COLS} FROM users ORDER BY username"))?;
    let rows = st.query_map([], user_from_row)?;
    rows.map(|r| r.map(|(u, _)| u)).collect()
}

/// Add a user; `Ok(None)` if the name is taken.
pub fn add(conn: &Connection, username: &str, role: Role, password_hash: &str) -> rusqlite::Result<Option<User>> {
    if find(conn, username)?.is_some() {
        return Ok(None);
    }
    let now = crate::time::now();
    conn.execute(
        "INSERT INTO users (username, role, password_hash, disabled, created_at, updated_at) \
         VALUES (?1, ?2, ?3, 0, ?4, ?4)",
        params![username, role.as_str(), password_hash, now],
    )?;
    Ok(find(conn, username)?.map(|(u, _)| u))
}

/// Change role, disabled flag and/or password hash; `Ok(None)` if there is no such user.
pub fn update(
    conn: &Connection,
    username: &str,
    role: Option<Role>,
    disabled: Option<bool>,
    password_hash: Option<&str>,
) -> rusqlite::Result<Option<User>> {
    let Some((u, _)) = find(conn, username)? else {
        return Ok(None);
    };
    let now = crate::time::now();
    if let Some(r) = role {
        conn.execute(
            "UPDATE users SET role = ?1, updated_at = ?2 WHERE id = ?3",
            params![r.as_str(), now, u.id],
        )?;
    }
    if let Some(d) = disabled {
        conn.execute(
            "UPDATE users SET disabled = ?1, updated_at = ?2 WHERE id = ?3",
            params![d as i64, now, u.id],
        )?;
    }
    if let Some(h) = password_hash {
        conn.execute(
            "UPDATE users SET password_hash = ?1, updated_at = ?2 WHERE id = ?3",
            params![h, now, u.id],
        )?;
    }
    if role.is_some() || disabled == Some(true) || password_hash.is_some() {
        // A change of role or password, or disabling, ends the user's open sessions.
        conn.execute(
            "UPDATE sessions SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
            params![now, u.id],
        )?;
    }
    Ok(find(conn, username)?.map(|(u, _)| u))
}

/// Store a new API token for a user; returns the token (shown once, stored hashed).
pub fn create_token(conn: &Connection, user: &User) -> crate::Result<String> {
    let token = auth::new_token()?;
    add_token(conn, user, &token)?;
    Ok(token)
}

/// Store (the hash of) a token made with [`auth::new_token`].
pub fn add_token(conn: &Connection, user: &User, token: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES (?1, ?2, ?3)",
        params![user.id, auth::sha256_hex(token), crate::time::now()],
    )?;
    Ok(())
}

/// Revoke a user's tokens: one (`Some(token)`) or all. Returns how many were revoked.
pub fn revoke_tokens(conn: &Connection, user: &User, token: Option<&str>) -> rusqlite::Result<usize> {
    let now = crate::time::now();
    match token {
        Some(t) => conn.execute(
            "UPDATE api_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND token_hash = ?3 AND revoked_at IS NULL",
            params![now, user.id, auth::sha256_hex(t)],
        ),
        None => conn.execute(
            "UPDATE api_tokens SET revoked_at = ?1 WHERE user_id = ?2 AND revoked_at IS NULL",
            params![now, user.id],
        ),
    }
}

/// Number of live (unrevoked) tokens of a user.
pub fn live_tokens(conn: &Connection, user: &User) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT COUNT(*) FROM api_tokens WHERE user_id = ?1 AND revoked_at IS NULL",
        [user.id],
        |r| r.get(0),
    )
}

/// The enabled user owning a live bearer token. (Runs on every API request: the
/// statement is prepared once per connection.)
pub fn by_token(conn: &Connection, token: &str) -> rusqlite::Result<Option<User>> {
    conn.prepare_cached(
        "SELECT u.id, u.username, u.role, u.disabled, u.password_hash, u.created_at, u.updated_at \
         FROM api_tokens t JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND u.disabled = 0",
    )?
    .query_row([auth::sha256_hex(token)], user_from_row)
    .optional()
    .map(|o| o.map(|(u, _)| u))
}

/// A browser session.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user.
    pub user: User,
    /// The CSRF token state-changing requests must echo.
    pub csrf_token: String,
    /// When it expires.
    pub expires_at: String,
}

/// Open a session for a user lasting `ttl_ms`, identified by `cookie` (random,
/// from [`auth::random_hex`]; stored hashed) with CSRF token `csrf`.
pub fn create_session(
    conn: &Connection,
    user: &User,
    cookie: &str,
    csrf: &str,
    ttl_ms: i64,
) -> rusqlite::Result<Session> {
    let now = crate::time::now_millis();
    let expires_at = crate::time::format_millis(now + ttl_ms);
    conn.execute(
        "INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            user.id,
            auth::sha256_hex(cookie),
            csrf,
            crate::time::format_millis(now),
            expires_at
        ],
    )?;
    Ok(Session {
        user: user.clone(),
        csrf_token: csrf.to_string(),
        expires_at,
    })
}

/// The live session with this cookie value, if any (not expired, not revoked, user enabled).
pub fn by_session(conn: &Connection, cookie: &str) -> rusqlite::Result<Option<Session>> {
    conn.prepare_cached(
        "SELECT u.id, u.username, u.role, u.disabled, u.password_hash, u.created_at, u.updated_at, \
                s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = ?1 AND s.revoked_at IS NULL AND s.expires_at > ?2 AND u.disabled = 0",
    )?
    .query_row(params![auth::sha256_hex(cookie), crate::time::now()], |r| {
        let (user, _) = user_from_row(r)?;
        Ok(Session {
            user,
            csrf_token: r.get(7)?,
            expires_at: r.get(8)?,
        })
    })
    .optional()
}

/// End a session (logout).
pub fn revoke_session(conn: &Connection, cookie: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE sessions SET revoked_at = ?1 WHERE token_hash = ?2 AND revoked_at IS NULL",
        params![crate::time::now(), auth::sha256_hex(cookie)],
    )
}
