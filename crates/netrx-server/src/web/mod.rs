//! The web app for the tumour board (issue 8): server-rendered HTML pages at
//! stable URLs, a little vendored JavaScript (progressive enhancement only:
//! every page and form works without it), everything served locally.
//!
//! | URL | page |
//! |---|---|
//! | `/login` | sign in (a plain HTML form) |
//! | `/cases` | case list with search and filters |
//! | `/cases/new` | new case (form, or JSON view with `?view=json`) |
//! | `/cases/{id}` | the tumour-board view |
//! | `/cases/{id}/edit` | case editor (form / JSON view) |
//! | `/cases/{id}/report` | printable tumour-board report |
//! | `/evidence` | evidence explorer: trials, forest plots, indirect comparisons |
//!
//! The pages are thin shells over the same calls as the API: case files are
//! checked by `netrx_clinical::load_case`, stored through the API's own
//! handlers (`api::cases::create` / `update`, so revisions, `If-Match`, audit
//! and roles are the API's), read through `api::cases::read_audited` (which
//! de-identifies for researchers), and every clinical answer is
//! `netrx_clinical::capability::evaluate` — kept in the same memo as the API's
//! answers, so a page shows byte for byte what `GET /api/v1/cases/{id}/{capability}` returns.

// Handlers return a finished page (`Response`) as their error: it is built once per
// request and sent as it is, so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod assets;
pub mod board;
pub mod cases;
pub mod charts;
pub mod evidence;
pub mod form;
pub mod session;
pub mod view;

use crate::{MAX_BODY_BYTES, Shared};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};

/// The web routes.
pub fn router(state: Shared, request_timeout: std::time::Duration) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(session::login_page).post(session::login_submit))
        .route("/logout", post(session::logout))
        .route("/cases", get(cases::list))
        .route("/cases/new", get(cases::new_page).post(cases::create))
        .route("/cases/{id}", get(board::view))
        .route("/cases/{id}/edit", get(cases::edit_page).post(cases::save))
        .route("/cases/{id}/report", get(board::report))
        .route("/evidence", get(evidence::page))
        .route("/static/{file}", get(assets::serve))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn(page_headers))
        .with_state(state)
}

async fn home() -> Redirect {
    Redirect::to("/cases")
}

async fn not_found(req: Request) -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Page not found",
        &format!("There is no page at {}.", req.uri().path()),
        None,
    )
}

/// The Content-Security-Policy of every page: nothing from elsewhere, no inline script or style.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Security headers on every page, `no-store` on everything but the static assets (pages
/// hold patient data), and one log line per request (method, route, status, ms — never the
/// query string or the body).
async fn page_headers(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "(unmatched)".into());
    let is_static = req.uri().path().starts_with("/static/");
    let t = std::time::Instant::now();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    tracing::info!(
        %method,
        route = %route,
        status = res.status().as_u16(),
        ms = format!("{:.1}", t.elapsed().as_secs_f64() * 1000.0),
        "page"
    );
    res
}

/// Render a template, or a plain 500 page if rendering fails (it never should).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><title>netrx: error</title><p>The page could not be rendered; the server log has the details.</p>".to_string()),
            )
                .into_response()
        }
    }
}

/// The page frame: who is signed in (for the header) and the CSRF token (for the sign-out form).
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// Page title.
    pub title: String,
    /// Signed-in user, if any.
    pub user: Option<String>,
    /// Their role.
    pub role: String,
    /// The session's CSRF token (for the sign-out form).
    pub csrf: String,
    /// Which navigation entry is current: "cases", "new", "evidence" or "".
    pub current: &'static str,
    /// The knowledge-base version (shown in the footer).
    pub knowledge_version: String,
}

impl Chrome {
    /// A frame for a signed-in page.
    pub fn new(st: &Shared, page: &session::Page, title: impl Into<String>, current: &'static str) -> Chrome {
        Chrome {
            title: title.into(),
            user: Some(page.p.user.username.clone()),
            role: page.p.role().as_str().to_string(),
            csrf: page.csrf.clone(),
            current,
            knowledge_version: st.kb.version().to_string(),
        }
    }

    /// Whether the user may create and change cases.
    pub fn writes(&self) -> bool {
        matches!(self.role.as_str(), "clinician" | "pharmacist")
    }

    /// Whether the user reads cases (identified or de-identified).
    pub fn reads(&self) -> bool {
        self.writes() || self.role == "researcher"
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    chrome: Chrome,
    heading: &'a str,
    message: &'a str,
    status: u16,
}

/// A page explaining an error (no patient data, no internals).
pub fn error_page(status: StatusCode, heading: &str, message: &str, chrome: Option<Chrome>) -> Response {
    let chrome = chrome.unwrap_or_else(|| Chrome {
        title: heading.to_string(),
        ..Chrome::default()
    });
    render(
        status,
        &ErrorPage {
            chrome: Chrome {
                title: heading.to_string(),
                ..chrome
            },
            heading,
            message,
            status: status.as_u16(),
        },
    )
}

/// The error page for an API error met while serving a page.
pub fn api_error_page(e: &crate::error::ApiError, chrome: Option<Chrome>) -> Response {
    let heading = match e.status.as_u16() {
        400 => "That request is not valid",
        401 => "Please sign in",
        403 => "Not allowed",
        404 => "Not found",
        410 => "This case was deleted",
        _ => "Something went wrong",
    };
    error_page(e.status, heading, &e.message, chrome)
}
