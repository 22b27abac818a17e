//! Whole-database checks: SQLite's own `integrity_check` and `foreign_key_check`,
//! plus netrx's invariants — every revision's body matches its SHA-256 and is a
//! JSON object whose `id` is the case id, revisions are numbered 1..n without
//! gaps, and each case's head points at its last revision. Used by the crash
//! tests, `netrx backup` and `netrx restore`.

use crate::auth::sha256_hex;
use rusqlite::Connection;

/// Problems found (empty: the database is sound).
pub fn check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut problems = Vec::new();
    let mut st = conn.prepare("PRAGMA integrity_check")?;
    let rows: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    if rows != ["ok"] {
        problems.extend(rows.into_iter().map(|r| format!("integrity_check: {r}")));
    }
    let mut st = conn.prepare("PRAGMA foreign_key_check")?;
    let n = st.query_map([], |_| Ok(()))?.count();
    if n > 0 {
        problems.push(format!("foreign_key_check: {n} violation(s)"));
    }

    let mut st = conn.prepare("SELECT case_id, revision, deleted, body, body_sha256 FROM case_revisions")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (id, rev): (String, i64) = (r.get(0)?, r.get(1)?);
        let deleted: i64 = r.get(2)?;
        let body: Option<String> = r.get(3)?;
        let sha: Option<String> = r.get(4)?;
        match (deleted, body, sha) {
            (1, None, None) => {}
            (0, Some(b), Some(h)) => {
                if sha256_hex(&b) != h {
                    problems.push(format!("case {id} revision {rev}: body does not match its SHA-256"));
                }
                let parsed: Result<serde_json::Value, _> = serde_json::from_str(&b);
                match parsed.ok().as_ref().and_then(|v| v.get("id")).and_then(|v| v.as_str()) {
                    Some(i) if i == id => {}
                    _ => problems.push(format!(
                        "case {id} revision {rev}: body is not a case file with id {id:?}"
                    )),
                }
            }
            _ => problems.push(format!("case {id} revision {rev}: inconsistent tombstone")),
        }
    }

    let mut st = conn.prepare(
        "SELECT c.id, c.revision, c.deleted, MAX(r.revision), COUNT(r.revision), \
                (SELECT deleted FROM case_revisions WHERE case_id = c.id AND revision = c.revision) \
         FROM cases c LEFT JOIN case_revisions r ON r.case_id = c.id GROUP BY c.id",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let (head, deleted): (i64, i64) = (r.get(1)?, r.get(2)?);
        let (max, n): (Option<i64>, i64) = (r.get(3)?, r.get(4)?);
        let rev_deleted: Option<i64> = r.get(5)?;
        if max != Some(head) {
            problems.push(format!(
                "case {id}: head revision {head} is not the last revision ({max:?})"
            ));
        }
        if n != head {
            problems.push(format!(
                "case {id}: {n} revisions stored for head revision {head} (a gap)"
            ));
        }
        if rev_deleted != Some(deleted) {
            problems.push(format!("case {id}: head deleted flag disagrees with its revision"));
        }
    }
    let orphans: i64 = conn.query_row(
        "SELECT COUNT(DISTINCT case_id) FROM case_revisions WHERE case_id NOT IN (SELECT id FROM cases)",
        [],
        |r| r.get(0),
    )?;
    if orphans > 0 {
        problems.push(format!("{orphans} case(s) have revisions but no head"));
    }
    Ok(problems)
}
