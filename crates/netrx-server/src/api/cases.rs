//! `/api/v1/cases`: the case store. Every change is a new revision; deletion is
//! a tombstone; updates need `If-Match` with the revision edited.

use super::{Body, etag, if_match, json, param, params, raw_json};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::{Shared, deid};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use netrx_case::{Case, PrimarySite};
use netrx_kb::Kb;
use netrx_store::audit;
use netrx_store::cases::{self as store, Filter, Index, Write};
use serde::Serialize;

/// The searchable columns of a case: primary site and the grade under the automatic scheme.
pub fn index_of(case: &Case, kb: &Kb) -> Index {
    Index {
        primary_site: Some(case.tumor.primary_site.id().to_string()),
        grade: netrx_clinical::grade::classify(&case.tumor, "auto", kb)
            .ok()
            .and_then(|c| c.grade)
            .map(|g| g.as_str().to_string()),
    }
}

/// Check a case id from the path (also refuses path traversal and odd characters).
pub fn check_id(id: &str) -> ApiResult<()> {
    netrx_case::validate::check_case_id("id", id).map_err(ApiError::from)
}

/// Record a refused access and return the 403.
pub async fn deny(st: &Shared, p: &Principal, action: &str, case_id: Option<&str>, what: &str) -> ApiError {
    let e = p.audit(action, "denied").case(case_id, None);
    let _ = st.write(move |c| audit::append(c, &e)).await;
    ApiError::forbidden(p.role().as_str(), what)
}

/// Record an outcome (a rejected write, say) in the audit trail.
pub async fn record(st: &Shared, e: audit::Entry) -> ApiResult<()> {
    st.write(move |c| audit::append(c, &e)).await
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("id", format!("no case {id:?}"))
}

fn gone(id: &str, rev: i64) -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        Some("id"),
        format!(
            "case {id:?} was deleted (revision {rev}); its earlier revisions remain readable at /api/v1/cases/{id}/revisions"
        ),
    )
}

/// Which revision to read.
#[derive(Debug, Clone, Copy)]
pub enum Which {
    /// The latest (410 if it is a tombstone).
    Latest,
    /// A given one.
    Rev(i64),
}

/// Read a case file with its audit entry (written in the same transaction), and
/// de-identify it for researchers. Returns (revision, case file JSON).
pub async fn read_audited(
    st: &Shared,
    p: &Principal,
    action: &str,
    id: &str,
    which: Which,
    detail: Option<String>,
) -> ApiResult<(i64, String)> {
    enum R {
        NotFound,
        NoRevision,
        Gone(i64),
        Ok(i64, String),
    }
    let researcher = !p.role().writes_cases();
    let mut entry = p.audit(action, "");
    if let Some(d) = detail {
        entry = entry.detail(d);
    }
    if researcher {
        let d = entry
            .detail
            .take()
            .map(|d| format!("{d}; de-identified"))
            .unwrap_or("de-identified".into());
        entry = entry.detail(d);
    }
    let id2 = id.to_string();
    let r = st
        .write(move |c| {
            let r = match store::head(c, &id2)? {
                None => R::NotFound,
                Some(h) => {
                    let rev = match which {
                        Which::Latest => h.revision,
                        Which::Rev(n) => n,
                    };
                    match store::revision(c, &id2, rev)? {
                        None => R::NoRevision,
                        Some(r) => match r.body {
                            Some(b) => R::Ok(rev, b),
                            None => R::Gone(rev),
                        },
                    }
                }
            };
            let (outcome, rev) = match &r {
                R::NotFound | R::NoRevision => ("not_found", None),
                R::Gone(n) => ("gone", Some(*n)),
                R::Ok(n, _) => ("ok", Some(*n)),
            };
            entry.outcome = outcome.into();
            audit::append(c, &entry.case(Some(&id2), rev))?;
            Ok(r)
        })
        .await?;
    match r {
        R::NotFound => Err(not_found(id)),
        R::NoRevision => Err(ApiError::not_found("rev", format!("case {id:?} has no such revision"))),
        R::Gone(n) => Err(gone(id, n)),
        R::Ok(n, body) if researcher => deid::deidentify(&body, id, &st.deid_secret)
            .map(|b| (n, b))
            .map_err(|e| ApiError::internal("de-identification", e)),
        R::Ok(n, body) => Ok((n, body)),
    }
}

/// An entry of the case list.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CaseListItem {
    /// Case id.
    pub id: String,
    /// Latest revision.
    pub revision: i64,
    /// Time of the latest revision (RFC 3339 UTC).
    pub updated_at: String,
    /// Primary site id (case-file vocabulary).
    pub primary_site: Option<String>,
    /// WHO grade under the automatic scheme (G1, G2, G3), or null (thoracic tumours are named, not graded).
    pub grade: Option<String>,
    /// Present and true only when listing deleted cases (`?deleted=true`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// The case list.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CaseList {
    /// The cases, by id.
    pub cases: Vec<CaseListItem>,
    /// Offset of the next page, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<i64>,
}

/// Answer to a write.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CaseWritten {
    /// Case id.
    pub id: String,
    /// The revision stored.
    pub revision: i64,
    /// True for a deletion.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

/// A revision's metadata.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RevisionItem {
    /// Revision number, from 1.
    pub revision: i64,
    /// When it was stored (RFC 3339 UTC).
    pub created_at: String,
    /// Who stored it.
    pub user: String,
    /// A tombstone (the case was deleted).
    pub deleted: bool,
}

/// The revisions of a case.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct RevisionList {
    /// Oldest first.
    pub revisions: Vec<RevisionItem>,
}

const DEFAULT_LIMIT: i64 = 1000;
const MAX_LIMIT: i64 = 10_000;

fn parse_count(field: &str, v: &str, lo: i64, hi: i64) -> ApiResult<i64> {
    match v.parse::<i64>() {
        Ok(n) if (lo..=hi).contains(&n) => Ok(n),
        _ => Err(ApiError::bad(
            field,
            format!("got {v:?}; allowed: an integer from {lo} to {hi}"),
        )),
    }
}

fn parse_bool(field: &str, v: &str) -> ApiResult<bool> {
    match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(ApiError::bad(field, format!("got {v:?}; allowed: true, false"))),
    }
}

/// List (and search) the cases.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases",
    params(
        ("id" = Option<String>, Query, description = "Only ids containing this text (letters, digits, '-', '_')"),
        ("site" = Option<String>, Query, description = "Only this primary site (case-file vocabulary, e.g. pancreas)"),
        ("grade" = Option<String>, Query, description = "Only this grade: G1, G2 or G3"),
        ("deleted" = Option<bool>, Query, description = "Include deleted cases (default false)"),
        ("limit" = Option<i64>, Query, description = "At most this many (1–10000, default 1000)"),
        ("offset" = Option<i64>, Query, description = "Skip this many (default 0)"),
    ),
    responses((status = 200, body = CaseList), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(st): State<Shared>, p: Principal, uri: Uri) -> ApiResult {
    let q = params(&uri, &["id", "site", "grade", "deleted", "limit", "offset"])?;
    if !p.role().reads_cases() {
        return Err(deny(&st, &p, "case.list", None, "read cases").await);
    }
    let mut f = Filter {
        limit: DEFAULT_LIMIT,
        ..Filter::default()
    };
    if let Some(v) = param(&q, "id") {
        if v.is_empty()
            || v.len() > netrx_case::CASE_ID_MAX_LEN
            || !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ApiError::bad(
                "id",
                format!("got {v:?}; allowed: 1–64 letters, digits, '-' or '_' (part of a case id)"),
            ));
        }
        f.id_contains = Some(v.to_string());
    }
    if let Some(v) = param(&q, "site") {
        let ok = PrimarySite::ALL.iter().any(|s| s.id() == v);
        if !ok {
            let allowed: Vec<&str> = PrimarySite::ALL.iter().map(|s| s.id()).collect();
            return Err(ApiError::bad(
                "site",
                format!("got {v:?}; allowed: {}", allowed.join(", ")),
            ));
        }
        f.primary_site = Some(v.to_string());
    }
    if let Some(v) = param(&q, "grade") {
        if !["G1", "G2", "G3"].contains(&v) {
            return Err(ApiError::bad("grade", format!("got {v:?}; allowed: G1, G2, G3")));
        }
        f.grade = Some(v.to_string());
    }
    if let Some(v) = param(&q, "deleted") {
        f.include_deleted = parse_bool("deleted", v)?;
    }
    if let Some(v) = param(&q, "limit") {
        f.limit = parse_count("limit", v, 1, MAX_LIMIT)?;
    }
    if let Some(v) = param(&q, "offset") {
        f.offset = parse_count("offset", v, 0, i64::MAX / 2)?;
    }
    let entry = p.audit("case.list", "ok");
    let fetch = Filter {
        limit: f.limit + 1,
        ..f.clone()
    };
    let mut heads = st
        .write(move |c| {
            let heads = store::list(c, &fetch)?;
            audit::append(
                c,
                &entry.detail(format!("{} case(s)", heads.len().min(fetch.limit as usize - 1))),
            )?;
            Ok(heads)
        })
        .await?;
    let more = heads.len() as i64 > f.limit;
    heads.truncate(f.limit as usize);
    let body = CaseList {
        cases: heads
            .into_iter()
            .map(|h| CaseListItem {
                id: h.id,
                revision: h.revision,
                updated_at: h.updated_at,
                primary_site: h.primary_site,
                grade: h.grade,
                deleted: h.deleted,
            })
            .collect(),
        next_offset: more.then_some(f.offset + f.limit),
    };
    Ok(json(StatusCode::OK, &body))
}

/// Validate a case file body with the CLI's loader; audit the rejection.
async fn load_body(st: &Shared, p: &Principal, action: &str, path_id: Option<&str>, text: &str) -> ApiResult<Case> {
    match netrx_clinical::load_case(text, st.kb) {
        Ok(c) => Ok(c),
        Err(e) => {
            let entry = p.audit(action, "invalid").case(path_id, None).detail(e.field.clone());
            record(st, entry).await?;
            Err(e.into())
        }
    }
}

fn written(status: StatusCode, id: &str, rev: i64, deleted: bool) -> Response {
    let mut r = json(
        status,
        &CaseWritten {
            id: id.to_string(),
            revision: rev,
            deleted,
        },
    );
    r.headers_mut().insert(header::ETAG, etag(rev));
    r
}

/// Store a new case (its `id` must be new).
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases",
    request_body(content = serde_json::Value, description = "A case file (schemas/case.schema.json)", content_type = "application/json"),
    responses((status = 201, body = CaseWritten, description = "Stored as revision 1; Location and ETag headers"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn create(State(st): State<Shared>, p: Principal, uri: Uri, Body(text): Body) -> ApiResult {
    params(&uri, &[])?;
    if !p.role().writes_cases() {
        return Err(deny(&st, &p, "case.create", None, "create or change cases").await);
    }
    let case = load_body(&st, &p, "case.create", None, &text).await?;
    let body = serde_json::to_string(&case).map_err(|e| ApiError::internal("serialising the case", e))?;
    let ix = index_of(&case, st.kb);
    let id = case.id.clone();
    let (id2, user) = (id.clone(), p.user.username.clone());
    let mut entry = p.audit("case.create", "");
    let w = st
        .write(move |c| {
            let w = store::create(c, &id2, &body, &ix, &user)?;
            entry.outcome = outcome_of(&w).into();
            audit::append(c, &entry.case(Some(&id2), entry_rev(&w)))?;
            Ok(w)
        })
        .await?;
    match w {
        Write::Stored(rev) => {
            let mut r = written(StatusCode::CREATED, &id, rev, false);
            if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/cases/{id}")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            Ok(r)
        }
        Write::Exists(rev, deleted) => Err(ApiError::new(
            StatusCode::CONFLICT,
            Some("id"),
            if deleted {
                format!("case {id:?} existed and was deleted (revision {rev}); a deleted case's id is not reused")
            } else {
                format!("case {id:?} exists (revision {rev}); change it with PUT /api/v1/cases/{id} and If-Match")
            },
        )),
        other => Err(ApiError::internal("creating the case", format!("{other:?}"))),
    }
}

fn entry_rev(w: &Write) -> Option<i64> {
    match w {
        Write::Stored(r) | Write::Exists(r, _) | Write::Gone(r) | Write::Stale(r) => Some(*r),
        Write::NotFound => None,
    }
}

/// The latest revision of a case file (ETag: its revision).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = serde_json::Value, description = "The case file (de-identified for researchers); ETag header"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 410, body = crate::error::ErrorBody)))]
pub async fn read(State(st): State<Shared>, p: Principal, Path(id): Path<String>, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    check_id(&id)?;
    if !p.role().reads_cases() {
        return Err(deny(&st, &p, "case.read", Some(&id), "read cases").await);
    }
    let (rev, body) = read_audited(&st, &p, "case.read", &id, Which::Latest, None).await?;
    let mut r = raw_json(StatusCode::OK, body);
    r.headers_mut().insert(header::ETAG, etag(rev));
    Ok(r)
}

/// One revision of a case file.
#[utoipa::path(get, path = "/api/v1/cases/{id}/revisions/{rev}", tag = "cases",
    params(("id" = String, Path, description = "Case id"), ("rev" = i64, Path, description = "Revision number")),
    responses((status = 200, body = serde_json::Value, description = "The case file as of that revision; ETag header"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 410, body = crate::error::ErrorBody, description = "The revision is the deletion (tombstone)")))]
pub async fn read_revision(
    State(st): State<Shared>,
    p: Principal,
    Path((id, rev)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    params(&uri, &[])?;
    check_id(&id)?;
    let n = parse_count("rev", &rev, 1, i64::MAX / 2)?;
    if !p.role().reads_cases() {
        return Err(deny(&st, &p, "case.read", Some(&id), "read cases").await);
    }
    let (rev, body) = read_audited(&st, &p, "case.read", &id, Which::Rev(n), None).await?;
    let mut r = raw_json(StatusCode::OK, body);
    r.headers_mut().insert(header::ETAG, etag(rev));
    Ok(r)
}

/// The revisions of a case (also of a deleted case).
#[utoipa::path(get, path = "/api/v1/cases/{id}/revisions", tag = "cases",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, body = RevisionList), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn revisions(State(st): State<Shared>, p: Principal, Path(id): Path<String>, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    check_id(&id)?;
    if !p.role().reads_cases() {
        return Err(deny(&st, &p, "case.revisions", Some(&id), "read cases").await);
    }
    let mut entry = p.audit("case.revisions", "");
    let id2 = id.clone();
    let revs = st
        .write(move |c| {
            let revs = store::revisions(c, &id2)?;
            entry.outcome = if revs.is_empty() { "not_found" } else { "ok" }.into();
            let last = revs.last().map(|r| r.revision);
            audit::append(c, &entry.case(Some(&id2), last))?;
            Ok(revs)
        })
        .await?;
    if revs.is_empty() {
        return Err(not_found(&id));
    }
    let body = RevisionList {
        revisions: revs
            .into_iter()
            .map(|r| RevisionItem {
                revision: r.revision,
                created_at: r.created_at,
                user: r.user,
                deleted: r.deleted,
            })
            .collect(),
    };
    Ok(json(StatusCode::OK, &body))
}

fn write_error(id: &str, w: Write) -> ApiError {
    match w {
        Write::NotFound => not_found(id),
        Write::Gone(rev) => gone(id, rev),
        Write::Stale(cur) => {
            let mut e = ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                Some("If-Match"),
                format!(
                    "case {id:?} has changed: the current revision is {cur}; fetch it, re-apply your change and send If-Match: \"{cur}\""
                ),
            );
            e.current_revision = Some(cur);
            e
        }
        other => ApiError::internal("writing the case", format!("{other:?}")),
    }
}

fn outcome_of(w: &Write) -> &'static str {
    match w {
        Write::Stored(_) => "ok",
        Write::Exists(..) => "conflict",
        Write::NotFound => "not_found",
        Write::Gone(_) => "gone",
        Write::Stale(_) => "stale",
    }
}

/// Store a new revision of a case (`If-Match` required).
#[utoipa::path(put, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag of the revision edited, e.g. \"3\"")),
    request_body(content = serde_json::Value, description = "The whole case file; its id must equal the path's", content_type = "application/json"),
    responses((status = 200, body = CaseWritten, description = "Stored; ETag header"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 410, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody), (status = 428, body = crate::error::ErrorBody)))]
pub async fn update(
    State(st): State<Shared>,
    p: Principal,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Body(text): Body,
) -> ApiResult {
    params(&uri, &[])?;
    check_id(&id)?;
    if !p.role().writes_cases() {
        return Err(deny(&st, &p, "case.update", Some(&id), "create or change cases").await);
    }
    let expected = if_match(&headers)?;
    let case = load_body(&st, &p, "case.update", Some(&id), &text).await?;
    if case.id != id {
        record(
            &st,
            p.audit("case.update", "invalid").case(Some(&id), None).detail("id"),
        )
        .await?;
        return Err(ApiError::bad(
            "id",
            format!(
                "got {:?}; allowed: {id:?}, the id in the URL (a case's id cannot change)",
                case.id
            ),
        ));
    }
    let body = serde_json::to_string(&case).map_err(|e| ApiError::internal("serialising the case", e))?;
    let ix = index_of(&case, st.kb);
    let (id2, user) = (id.clone(), p.user.username.clone());
    let mut entry = p.audit("case.update", "");
    let w = st
        .write(move |c| {
            let w = store::update(c, &id2, &expected, &body, &ix, &user)?;
            entry.outcome = outcome_of(&w).into();
            audit::append(c, &entry.case(Some(&id2), entry_rev(&w)))?;
            Ok(w)
        })
        .await?;
    match w {
        Write::Stored(rev) => Ok(written(StatusCode::OK, &id, rev, false)),
        w => Err(write_error(&id, w)),
    }
}

/// Delete a case: a tombstone revision (`If-Match` required); earlier revisions stay readable.
#[utoipa::path(delete, path = "/api/v1/cases/{id}", tag = "cases",
    params(("id" = String, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag of the latest revision, e.g. \"3\"")),
    responses((status = 200, body = CaseWritten, description = "The tombstone revision; ETag header"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 410, body = crate::error::ErrorBody), (status = 412, body = crate::error::ErrorBody),
        (status = 428, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(st): State<Shared>,
    p: Principal,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> ApiResult {
    params(&uri, &[])?;
    check_id(&id)?;
    if !p.role().writes_cases() {
        return Err(deny(&st, &p, "case.delete", Some(&id), "create or change cases").await);
    }
    let expected = if_match(&headers)?;
    let (id2, user) = (id.clone(), p.user.username.clone());
    let mut entry = p.audit("case.delete", "");
    let w = st
        .write(move |c| {
            let w = store::delete(c, &id2, &expected, &user)?;
            entry.outcome = outcome_of(&w).into();
            audit::append(c, &entry.case(Some(&id2), entry_rev(&w)))?;
            Ok(w)
        })
        .await?;
    match w {
        Write::Stored(rev) => Ok(written(StatusCode::OK, &id, rev, true)),
        w => Err(write_error(&id, w)),
    }
}
