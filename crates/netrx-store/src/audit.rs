//! The audit trail: one appended row per read or write of patient data, login
//! and user change. The table's triggers abort any UPDATE or DELETE.

use rusqlite::{Connection, params};
use serde::Serialize;

/// One audit entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Sequence number (assigned on append).
    #[serde(skip)]
    pub id: i64,
    /// When (RFC 3339 UTC).
    pub time: String,
    /// Who: the username (for a failed login, the name that was tried), `cli:<os user>` for the CLI.
    pub user: Option<String>,
    /// What, e.g. `case.read`, `case.update`, `login`, `user.add`.
    pub action: String,
    /// Which case.
    pub case_id: Option<String>,
    /// Which revision (read, or written).
    pub revision: Option<i64>,
    /// From where: the client's IP address, or `local` for the CLI.
    pub remote: Option<String>,
    /// How it ended: `ok`, `denied`, `not_found`, `gone`, `conflict`, `stale`, `invalid`, `failure`, `throttled`.
    pub outcome: String,
    /// Extra detail (never patient data), e.g. the capability or the role given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Entry {
    /// A new entry stamped now.
    pub fn new(user: Option<&str>, action: &str, outcome: &str) -> Entry {
        Entry {
            time: crate::time::now(),
            user: user.map(str::to_string),
            action: action.to_string(),
            outcome: outcome.to_string(),
            ..Entry::default()
        }
    }

    /// With a case id and revision.
    pub fn case(mut self, id: Option<&str>, revision: Option<i64>) -> Entry {
        self.case_id = id.map(str::to_string);
        self.revision = revision;
        self
    }

    /// With the remote address.
    pub fn remote(mut self, remote: Option<&str>) -> Entry {
        self.remote = remote.map(str::to_string);
        self
    }

    /// With detail.
    pub fn detail(mut self, d: impl Into<String>) -> Entry {
        self.detail = Some(d.into());
        self
    }
}

/// Append an entry.
pub fn append(conn: &Connection, e: &Entry) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (time, user, action, case_id, revision, remote, outcome, detail) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        e.time, e.user, e.action, e.case_id, e.revision, e.remote, e.outcome, e.detail
    ])?;
    Ok(())
}

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only this case.
    pub case_id: Option<String>,
    /// Only this user.
    pub user: Option<String>,
    /// Only entries after this sequence number.
    pub after: Option<i64>,
    /// At most this many (the oldest first); `None` for all.
    pub limit: Option<i64>,
}

/// The entries matching a query, oldest first.
pub fn query(conn: &Connection, q: &Query) -> rusqlite::Result<Vec<Entry>> {
    let mut st = conn.prepare(
        "SELECT id, time, user, action, case_id, revision, remote, outcome, detail FROM audit \
         WHERE (?1 IS NULL OR case_id = ?1) AND (?2 IS NULL OR user = ?2) AND id > ?3 \
         ORDER BY id LIMIT ?4",
    )?;
    let rows = st.query_map(
        params![q.case_id, q.user, q.after.unwrap_or(0), q.limit.unwrap_or(-1)],
        |r| {
            Ok(Entry {
                id: r.get(0)?,
                time: r.get(1)?,
                user: r.get(2)?,
                action: r.get(3)?,
                case_id: r.get(4)?,
                revision: r.get(5)?,
                remote: r.get(6)?,
                outcome: r.get(7)?,
                detail: r.get(8)?,
            })
        },
    )?;
    rows.collect()
}
