//! Cases as append-only revisions. A case's head (`cases` row) points at its
//! latest revision; every create, update and delete inserts a new revision in
//! the same transaction as the head change, so both or neither are stored.

use crate::auth::sha256_hex;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// The head of a case: its latest revision and the searchable columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseHead {
    /// Case id.
    pub id: String,
    /// Latest revision.
    pub revision: i64,
    /// Whether the latest revision is a tombstone.
    pub deleted: bool,
    /// Time of revision 1.
    pub created_at: String,
    /// Time of the latest revision.
    pub updated_at: String,
    /// Primary site of the latest revision.
    pub primary_site: Option<String>,
    /// Grade of the latest revision (as classified when it was stored).
    pub grade: Option<String>,
}

/// One revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// Revision number, from 1.
    pub revision: i64,
    /// When it was stored.
    pub created_at: String,
    /// Who stored it.
    pub user: String,
    /// A tombstone (deletion).
    pub deleted: bool,
    /// The case file (None for a tombstone).
    #[serde(skip)]
    pub body: Option<String>,
}

/// The searchable columns of a new revision.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Primary site id.
    pub primary_site: Option<String>,
    /// Grade ("G1", "G2", "G3") if one was assigned.
    pub grade: Option<String>,
}

/// The outcome of a write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    /// Stored as this revision.
    Stored(i64),
    /// Create: the id exists already (latest revision, deleted?).
    Exists(i64, bool),
    /// Update/delete: no such case.
    NotFound,
    /// Update/delete: the case is deleted (tombstone revision).
    Gone(i64),
    /// Update/delete: the expected revision is not the latest (the latest is given).
    Stale(i64),
}

fn head_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CaseHead> {
    Ok(CaseHead {
        id: r.get(0)?,
        revision: r.get(1)?,
        deleted: r.get::<_, i64>(2)? != 0,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
        primary_site: r.get(5)?,
        grade: r.get(6)?,
    })
}

const HEAD_COLS: &str = "id, revision, deleted, created_at, updated_at, primary_site, grade";

/// The head of a case (also for a deleted case).
pub fn head(conn: &Connection, id: &str) -> rusqlite::Result<Option<CaseHead>> {
    conn.prepare_cached(
        "SELECT id, revision, deleted, created_at, updated_at, primary_site, grade FROM cases WHERE id = ?1",
    )?
    .query_row([id], head_from_row)
    .optional()
}

/// One revision with its body.
pub fn revision(conn: &Connection, id: &str, rev: i64) -> rusqlite::Result<Option<Revision>> {
    conn.prepare_cached(
        "SELECT revision, created_at, user, deleted, body FROM case_revisions WHERE case_id = ?1 AND revision = ?2",
    )?
    .query_row(params![id, rev], rev_from_row)
    .optional()
}

fn rev_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Revision> {
    Ok(Revision {
        revision: r.get(0)?,
        created_at: r.get(1)?,
        user: r.get(2)?,
        deleted: r.get::<_, i64>(3)? != 0,
        body: r.get(4)?,
    })
}

/// The revisions of a case, oldest first, without bodies.
pub fn revisions(conn: &Connection, id: &str) -> rusqlite::Result<Vec<Revision>> {
    let mut st = conn.prepare_cached(
        "SELECT revision, created_at, user, deleted, NULL FROM case_revisions WHERE case_id = ?1 ORDER BY revision",
    )?;
    let rows = st.query_map([id], rev_from_row)?;
    rows.collect()
}

/// A search of the case list. All given criteria must hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The id contains this text (case-sensitive).
    pub id_contains: Option<String>,
    /// Exact primary site.
    pub primary_site: Option<String>,
    /// Exact grade.
    pub grade: Option<String>,
    /// Include deleted cases.
    pub include_deleted: bool,
    /// At most this many (after `offset`).
    pub limit: i64,
    /// Skip this many.
    pub offset: i64,
}

/// The cases matching a filter, by id. Values are bound as parameters (never spliced into SQL).
pub fn list(conn: &Connection, f: &Filter) -> rusqlite::Result<Vec<CaseHead>> {
    let mut st = conn.prepare_cached(&format!(
        "SELECT {HEAD_COLS} FROM cases \
         WHERE (?1 IS NULL OR instr(id, ?1) > 0) \
           AND (?2 IS NULL OR primary_site = ?2) \
           AND (?3 IS NULL OR grade = ?3) \
           AND (?4 = 1 OR deleted = 0) \
         ORDER BY id LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = st.query_map(
        params![
            f.id_contains,
            f.primary_site,
            f.grade,
            f.include_deleted as i64,
            f.limit,
            f.offset
        ],
        head_from_row,
    )?;
    rows.collect()
}

/// Number of cases (live, and including deleted).
pub fn count(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("SELECT COALESCE(SUM(deleted = 0), 0), COUNT(*) FROM cases", [], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
}

fn insert_revision(
    conn: &Connection,
    id: &str,
    rev: i64,
    now: &str,
    user: &str,
    body: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO case_revisions (case_id, revision, created_at, user, deleted, body, body_sha256) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        id,
        rev,
        now,
        user,
        body.is_none() as i64,
        body,
        body.map(sha256_hex)
    ])?;
    Ok(())
}

/// Store a new case as revision 1.
pub fn create(conn: &Connection, id: &str, body: &str, ix: &Index, user: &str) -> rusqlite::Result<Write> {
    if let Some(h) = head(conn, id)? {
        return Ok(Write::Exists(h.revision, h.deleted));
    }
    let now = crate::time::now();
    insert_revision(conn, id, 1, &now, user, Some(body))?;
    conn.prepare_cached(
        "INSERT INTO cases (id, revision, deleted, created_at, updated_at, primary_site, grade) \
         VALUES (?1, 1, 0, ?2, ?2, ?3, ?4)",
    )?
    .execute(params![id, now, ix.primary_site, ix.grade])?;
    Ok(Write::Stored(1))
}

fn check_head(conn: &Connection, id: &str, expected: &[i64]) -> rusqlite::Result<Result<CaseHead, Write>> {
    Ok(match head(conn, id)? {
        None => Err(Write::NotFound),
        Some(h) if h.deleted => Err(Write::Gone(h.revision)),
        Some(h) if !expected.contains(&h.revision) => Err(Write::Stale(h.revision)),
        Some(h) => Ok(h),
    })
}

/// Store a new revision of a case whose latest revision is one of `expected` (If-Match).
pub fn update(
    conn: &Connection,
    id: &str,
    expected: &[i64],
    body: &str,
    ix: &Index,
    user: &str,
) -> rusqlite::Result<Write> {
    let h = match check_head(conn, id, expected)? {
        Ok(h) => h,
        Err(w) => return Ok(w),
    };
    let now = crate::time::now();
    let rev = h.revision + 1;
    insert_revision(conn, id, rev, &now, user, Some(body))?;
    conn.prepare_cached(
        "UPDATE cases SET revision = ?2, updated_at = ?3, primary_site = ?4, grade = ?5 WHERE id = ?1",
    )?
    .execute(params![id, rev, now, ix.primary_site, ix.grade])?;
    Ok(Write::Stored(rev))
}

/// Delete a case by a tombstone revision (its earlier revisions stay readable).
pub fn delete(conn: &Connection, id: &str, expected: &[i64], user: &str) -> rusqlite::Result<Write> {
    let h = match check_head(conn, id, expected)? {
        Ok(h) => h,
        Err(w) => return Ok(w),
    };
    let now = crate::time::now();
    let rev = h.revision + 1;
    insert_revision(conn, id, rev, &now, user, None)?;
    conn.prepare_cached("UPDATE cases SET revision = ?2, updated_at = ?3, deleted = 1 WHERE id = ?1")?
        .execute(params![id, rev, now])?;
    Ok(Write::Stored(rev))
}
