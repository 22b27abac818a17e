//! `GET /api/v1/audit`: the audit trail (admin role only). There is no endpoint
//! that changes or deletes it, and the database refuses UPDATE and DELETE on it.

use super::cases::{deny, record};
use super::{json, param, params};
use crate::Shared;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use netrx_store::audit;
use netrx_store::users::Role;
use serde::{Deserialize, Serialize};

/// One entry.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    /// Sequence number.
    pub seq: i64,
    /// When (RFC 3339 UTC).
    pub time: String,
    /// Who.
    pub user: Option<String>,
    /// What (case.read, case.create, case.update, case.delete, case.list, case.revisions, case.evaluate,
    /// evaluate, login, logout, user.add, user.update, user.token, user.revoke_token, audit.read).
    pub action: String,
    /// Which case.
    pub case_id: Option<String>,
    /// Which revision.
    pub revision: Option<i64>,
    /// From where.
    pub remote: Option<String>,
    /// ok, denied, not_found, gone, conflict, stale, invalid, failure, throttled.
    pub outcome: String,
    /// Extra detail.
    pub detail: Option<String>,
}

/// The trail.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditPage {
    /// Oldest first.
    pub entries: Vec<AuditEntry>,
}

/// Audit entries, oldest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit",
    params(("case" = Option<String>, Query, description = "Only this case id"),
        ("user" = Option<String>, Query, description = "Only this user"),
        ("after" = Option<i64>, Query, description = "Only entries after this sequence number"),
        ("limit" = Option<i64>, Query, description = "At most this many (1–10000, default 1000)")),
    responses((status = 200, body = AuditPage), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)))]
pub async fn query(State(st): State<Shared>, p: Principal, uri: Uri) -> ApiResult {
    let q = params(&uri, &["case", "user", "after", "limit"])?;
    if p.role() != Role::Admin {
        return Err(deny(&st, &p, "audit.read", None, "read the audit trail").await);
    }
    let num = |k: &str, lo: i64, hi: i64| -> ApiResult<Option<i64>> {
        match param(&q, k) {
            None => Ok(None),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (lo..=hi).contains(&n) => Ok(Some(n)),
                _ => Err(ApiError::bad(
                    k,
                    format!("got {v:?}; allowed: an integer from {lo} to {hi}"),
                )),
            },
        }
    };
    let aq = audit::Query {
        case_id: param(&q, "case").map(str::to_string),
        user: param(&q, "user").map(str::to_string),
        after: num("after", 0, i64::MAX / 2)?,
        limit: Some(num("limit", 1, 10_000)?.unwrap_or(1000)),
    };
    let rows = st.read(move |c| audit::query(c, &aq)).await?;
    record(
        &st,
        p.audit("audit.read", "ok").detail(format!("{} entries", rows.len())),
    )
    .await?;
    Ok(json(
        StatusCode::OK,
        &AuditPage {
            entries: rows
                .into_iter()
                .map(|e| AuditEntry {
                    seq: e.id,
                    time: e.time,
                    user: e.user,
                    action: e.action,
                    case_id: e.case_id,
                    revision: e.revision,
                    remote: e.remote,
                    outcome: e.outcome,
                    detail: e.detail,
                })
                .collect(),
        },
    ))
}
