//! Capabilities (grade, and every other in `Capability::ALL`): on a stored case
//! (`GET /api/v1/cases/{id}/{capability}`) or on a case file in the body
//! (`POST /api/v1/{capability}`, nothing stored). The answer is
//! `netrx_clinical::capability::evaluate` — the JSON `netrx <capability> --json` prints.

use super::cases::{Which, check_id, deny, read_audited, record};
use super::{Body, json, param, params};
use crate::Shared;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use netrx_clinical::capability::{Capability, Options, Region, evaluate};

/// The ids of every capability.
pub fn ids() -> Vec<&'static str> {
    Capability::ALL.iter().map(|c| c.id()).collect()
}

fn capability(id: &str) -> ApiResult<Capability> {
    Capability::from_id(id)
        .ok_or_else(|| ApiError::not_found("capability", format!("got {id:?}; allowed: {}", ids().join(", "))))
}

/// Map query parameters onto the capability options (the CLI's flags).
pub fn options(q: &[(String, String)]) -> ApiResult<Options> {
    let mut o = Options::default();
    if let Some(r) = param(q, "region") {
        o.region = Region::parse("region", r)?;
    }
    if let Some(s) = param(q, "scheme") {
        if !netrx_clinical::grade::SCHEME_CHOICES.contains(&s) {
            return Err(ApiError::bad(
                "scheme",
                format!(
                    "got {s:?}; allowed: {}",
                    netrx_clinical::grade::SCHEME_CHOICES.join(", ")
                ),
            ));
        }
        o.scheme = s.to_string();
    }
    Ok(o)
}

async fn run(st: &Shared, cap: Capability, text: String, opts: Options) -> ApiResult {
    let kb = st.kb;
    let out = tokio::task::spawn_blocking(move || {
        let case = netrx_clinical::load_case(&text, kb)?;
        evaluate(cap, &case, kb, &opts)
    })
    .await
    .map_err(|e| ApiError::internal("the evaluation", e))?;
    Ok(json(StatusCode::OK, &out?))
}

/// Evaluate a capability on a stored case (latest revision, or `?revision=N`).
#[utoipa::path(get, path = "/api/v1/cases/{id}/{capability}", tag = "capabilities",
    params(("id" = String, Path, description = "Case id"),
        ("capability" = String, Path, description = "A capability id (see the enum)"),
        ("region" = Option<String>, Query, description = "Label region: us (default) or eu"),
        ("scheme" = Option<String>, Query, description = "Grading scheme (default auto)"),
        ("revision" = Option<i64>, Query, description = "Evaluate this revision instead of the latest")),
    responses((status = 200, body = serde_json::Value, description = "The same JSON as `netrx <capability> --json`"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 410, body = crate::error::ErrorBody)))]
pub async fn on_case(
    State(st): State<Shared>,
    p: Principal,
    Path((id, cap)): Path<(String, String)>,
    uri: Uri,
) -> ApiResult {
    let cap = capability(&cap)?;
    let q = params(&uri, &["region", "scheme", "revision"])?;
    check_id(&id)?;
    let opts = options(&q)?;
    let which = match param(&q, "revision") {
        None => Which::Latest,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => Which::Rev(n),
            _ => {
                return Err(ApiError::bad(
                    "revision",
                    format!("got {v:?}; allowed: a revision number ≥ 1"),
                ));
            }
        },
    };
    if !p.role().reads_cases() {
        return Err(deny(&st, &p, "case.evaluate", Some(&id), "read cases").await);
    }
    let (rev, body) = read_audited(&st, &p, "case.evaluate", &id, which, Some(cap.id().to_string())).await?;
    let mut r = run(&st, cap, body, opts).await?;
    r.headers_mut().insert(header::ETAG, super::etag(rev));
    Ok(r)
}

/// Evaluate a capability on the case file in the body (nothing is stored).
#[utoipa::path(post, path = "/api/v1/{capability}", tag = "capabilities",
    params(("capability" = String, Path, description = "A capability id (see the enum)"),
        ("region" = Option<String>, Query, description = "Label region: us (default) or eu"),
        ("scheme" = Option<String>, Query, description = "Grading scheme (default auto)")),
    request_body(content = serde_json::Value, description = "A case file", content_type = "application/json"),
    responses((status = 200, body = serde_json::Value, description = "The same JSON as `netrx <capability> --json`"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody)))]
pub async fn stateless(
    State(st): State<Shared>,
    p: Principal,
    Path(cap): Path<String>,
    uri: Uri,
    Body(text): Body,
) -> ApiResult {
    let cap = capability(&cap)?;
    let q = params(&uri, &["region", "scheme"])?;
    let opts = options(&q)?;
    if !p.role().reads_cases() {
        return Err(deny(&st, &p, "evaluate", None, "evaluate cases").await);
    }
    // The case id (if readable) goes into the audit trail; the case itself is not stored.
    let case_id = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
        .filter(|i| netrx_case::validate::check_case_id("id", i).is_ok());
    let result = run(&st, cap, text, opts).await;
    let outcome = if result.is_ok() { "ok" } else { "invalid" };
    record(
        &st,
        p.audit("evaluate", outcome)
            .case(case_id.as_deref(), None)
            .detail(cap.id()),
    )
    .await?;
    result
}
