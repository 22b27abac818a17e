//! Capabilities (grade, and every other in `Capability::ALL`): on a stored case
//! (`GET /api/v1/cases/{id}/{capability}`) or on a case file in the body
//! (`POST /api/v1/{capability}`, nothing stored). The answer is
//! `netrx_clinical::capability::evaluate` — the JSON `netrx <capability> --json` prints.

use super::cases::{Which, check_id, deny, read_audited, record};
use super::{Body, param, params};
use crate::Shared;
use crate::answers::Key;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderValue;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
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

/// Load the case file and evaluate: the CLI's two calls. The answer's JSON text.
async fn run(st: &Shared, cap: Capability, text: String, opts: Options) -> ApiResult<Bytes> {
    let kb = st.kb;
    let out = tokio::task::spawn_blocking(move || {
        let case = netrx_clinical::load_case(&text, kb)?;
        let v = evaluate(cap, &case, kb, &opts)?;
        Ok::<_, netrx_case::InputError>(serde_json::to_vec(&v))
    })
    .await
    .map_err(|e| ApiError::internal("the evaluation", e))??;
    out.map(Bytes::from)
        .map_err(|e| ApiError::internal("serialising the answer", e))
}

fn json_bytes(b: Bytes) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        b,
    )
        .into_response()
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
    let mut options: Vec<(String, String)> = q.into_iter().filter(|(k, _)| k != "revision").collect();
    options.sort();
    let key = Key {
        case_id: id,
        revision: rev,
        deidentified: !p.role().writes_cases(),
        capability: cap.id(),
        options,
    };
    let answer = match st.answers.get(&key) {
        Some(a) => a,
        None => {
            let a = run(&st, cap, body, opts).await?;
            st.answers.put(key, a.clone());
            a
        }
    };
    let mut r = json_bytes(answer);
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
    let result = run(&st, cap, text, opts).await.map(json_bytes);
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
