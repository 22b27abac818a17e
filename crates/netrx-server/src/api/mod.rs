//! The JSON API under `/api/v1`. See docs/api.md and `/api/v1/openapi.json`.

pub mod audit;
pub mod capability;
pub mod cases;
pub mod session;
pub mod users;

use crate::error::{ApiError, ApiResult, ErrorBody, code};
use crate::{MAX_BODY_BYTES, Shared};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Query, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// The API routes (state applied).
pub fn router(state: Shared, request_timeout: std::time::Duration) -> Router {
    Router::new()
        .route("/health", get(session::health))
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/openapi.json", get(crate::openapi::serve))
        .route("/cases", get(cases::list).post(cases::create))
        .route("/cases/{id}", get(cases::read).put(cases::update).delete(cases::delete))
        .route("/cases/{id}/revisions", get(cases::revisions))
        .route("/cases/{id}/revisions/{rev}", get(cases::read_revision))
        .route("/cases/{id}/{capability}", get(capability::on_case))
        .route("/{capability}", post(capability::stateless))
        .route("/users", get(users::list).post(users::add))
        .route("/users/{username}", get(users::read).patch(users::update))
        .route(
            "/users/{username}/tokens",
            post(users::new_token).delete(users::revoke_tokens),
        )
        .route("/audit", get(audit::query))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

async fn not_found(uri: Uri) -> ApiError {
    no_endpoint(&uri)
}

fn no_endpoint(uri: &Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        None,
        format!("no such endpoint: /api/v1{}; see /api/v1/openapi.json", uri.path()),
    )
}

/// The fixed one-segment endpoints (anything else at `/api/v1/{x}` is a capability or nothing).
const FIXED: &[&str] = &[
    "health",
    "login",
    "logout",
    "me",
    "openapi.json",
    "cases",
    "users",
    "audit",
];

async fn method_not_allowed(req: axum::extract::Request) -> ApiError {
    let path = req.uri().path().trim_matches('/');
    // `/api/v1/{capability}` matches every single segment: an unknown one is 404, not 405.
    if !path.contains('/') && !FIXED.contains(&path) && netrx_clinical::capability::Capability::from_id(path).is_none()
    {
        return no_endpoint(req.uri());
    }
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        format!("{} is not allowed on /api/v1{}", req.method(), req.uri().path()),
    )
}

/// Safety net: any error response that is not already in the API's JSON shape
/// (a rejection inside axum, a timeout) is rewritten into it.
async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return res;
    }
    let (parts, body) = res.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut out = (
        status,
        axum::Json(ErrorBody {
            error: code(status).to_string(),
            field: None,
            message,
            current_revision: None,
        }),
    )
        .into_response();
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// One structured log line per request: method, route, status, milliseconds.
/// Never the body or query (they may hold patient data).
pub(crate) async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let t = std::time::Instant::now();
    let res = next.run(req).await;
    tracing::info!(
        %method,
        route = %route,
        status = res.status().as_u16(),
        ms = format!("{:.1}", t.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    res
}

/// A request body: at most 1 MiB (413 beyond), UTF-8.
pub struct Body(pub String);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|r| {
            let status = r.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    status,
                    Some("(body)"),
                    format!("the request body is larger than 1 MiB; allowed: at most {MAX_BODY_BYTES} bytes"),
                )
            } else {
                ApiError::new(status, Some("(body)"), r.body_text())
            }
        })?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
            ApiError::bad(
                netrx_case::DOCUMENT,
                format!(
                    "the body is not UTF-8 (byte {}); allowed: a UTF-8 JSON document",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Ok(Body(text))
    }
}

/// The query parameters, refusing unknown and repeated ones.
pub fn params(uri: &Uri, allowed: &[&str]) -> ApiResult<Vec<(String, String)>> {
    let Query(pairs) = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map_err(|e| ApiError::bad("(query)", format!("malformed query string: {}", e.body_text())))?;
    let mut seen: Vec<&str> = Vec::new();
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            let allowed = if allowed.is_empty() {
                "no query parameters".to_string()
            } else {
                allowed.join(", ")
            };
            return Err(ApiError::bad(
                k,
                format!("unknown query parameter {k:?}; allowed: {allowed}"),
            ));
        }
        if seen.contains(&k.as_str()) {
            return Err(ApiError::bad(
                k,
                format!("query parameter {k:?} given twice; allowed: once"),
            ));
        }
        seen.push(k);
    }
    Ok(pairs)
}

/// Look up a parameter from [`params`].
pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The `ETag` of a revision.
pub fn etag(rev: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{rev}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The revisions listed in `If-Match` (428 if absent, 400 if not revision ETags).
pub fn if_match(headers: &HeaderMap) -> ApiResult<Vec<i64>> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::new(
            StatusCode::PRECONDITION_REQUIRED,
            Some("If-Match"),
            "missing If-Match; allowed: the ETag of the revision you edited, e.g. If-Match: \"3\" (from GET)",
        ));
    };
    let raw = v.to_str().unwrap_or("");
    let bad = || {
        ApiError::bad(
            "If-Match",
            format!(
                "got {raw:?}; allowed: the ETag of the revision you edited, e.g. \"3\" (weak ETags and * are not accepted)"
            ),
        )
    };
    let mut out = Vec::new();
    for part in raw.split(',') {
        let p = part.trim();
        let inner = p.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(p);
        match inner.parse::<i64>() {
            Ok(n) if n >= 1 && !p.starts_with("W/") => out.push(n),
            _ => return Err(bad()),
        }
    }
    if out.is_empty() { Err(bad()) } else { Ok(out) }
}

/// A JSON response with a status.
pub fn json(status: StatusCode, v: &impl serde::Serialize) -> Response {
    (status, axum::Json(v)).into_response()
}

/// A response carrying stored JSON text as it is.
pub fn raw_json(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        text,
    )
        .into_response()
}
