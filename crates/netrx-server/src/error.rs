//! The one error shape of the API: every 4xx (and 5xx) under /api/v1 is
//! `{ "error", "field", "message" }` — `error` a stable code, `field` the input
//! at fault (a dotted path into the case file, a query parameter, a header) or
//! null, `message` what was given and what is allowed.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use netrx_case::InputError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The field at fault.
    pub field: Option<String>,
    /// What is wrong, and what is allowed.
    pub message: String,
    /// For 412: the current revision (also sent as the ETag).
    pub current_revision: Option<i64>,
    /// For 429: seconds to wait.
    pub retry_after: Option<u64>,
}

/// The JSON body of an error.
#[derive(Debug, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable code: bad_request, unauthorized, forbidden, not_found, method_not_allowed, conflict, gone,
    /// precondition_failed, payload_too_large, unsupported_media_type, precondition_required,
    /// too_many_requests, request_timeout, internal_error.
    pub error: String,
    /// The input at fault (dotted path into the case file, query parameter or header), or null.
    pub field: Option<String>,
    /// What was given and what is allowed.
    pub message: String,
    /// For 412 Precondition Failed: the case's current revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_revision: Option<i64>,
}

/// The stable code of a status.
pub fn code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "bad_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        408 => "request_timeout",
        409 => "conflict",
        410 => "gone",
        412 => "precondition_failed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        428 => "precondition_required",
        429 => "too_many_requests",
        503 => "unavailable",
        s if s >= 500 => "internal_error",
        _ => "error",
    }
}

impl ApiError {
    /// An error with a status, field and message.
    pub fn new(status: StatusCode, field: Option<&str>, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            field: field.map(str::to_string),
            message: message.into(),
            current_revision: None,
            retry_after: None,
        }
    }

    /// 400 about a field.
    pub fn bad(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, Some(field), message)
    }

    /// 401.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            Some("Authorization"),
            "not signed in; allowed: 'Authorization: Bearer <token>' (netrx user token NAME) or the session cookie \
             from POST /api/v1/login",
        )
    }

    /// 403 for a role.
    pub fn forbidden(role: &str, what: &str) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, None, format!("the {role} role may not {what}"))
    }

    /// 404.
    pub fn not_found(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, Some(field), message)
    }

    /// 500 without internals (they go to the log).
    pub fn internal(context: &str, e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "{context}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            format!("{context} failed; the server log has the details"),
        )
    }
}

impl From<InputError> for ApiError {
    fn from(e: InputError) -> ApiError {
        ApiError::bad(&e.field, e.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: code(self.status).to_string(),
            field: self.field,
            message: self.message,
            current_revision: self.current_revision,
        };
        let mut r = (self.status, axum::Json(body)).into_response();
        if let Some(rev) = self.current_revision
            && let Ok(v) = HeaderValue::from_str(&format!("\"{rev}\""))
        {
            r.headers_mut().insert(header::ETAG, v);
        }
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        r
    }
}

/// Result of a handler.
pub type ApiResult<T = Response> = Result<T, ApiError>;
