//! Signing in and out of the web app, and who is looking at a page.
//!
//! The sign-in form is a plain HTML form (no JavaScript). It is posted to
//! `/login`, checked against login CSRF (a same-site, double-submitted form
//! token and the `Origin` check), and then handed to the API's own login
//! handler (`api::session::login`): the same password check, throttling,
//! session cookie and audit entries as `POST /api/v1/login`.
//!
//! Every state-changing form of the app carries the session's CSRF token in a
//! hidden `csrf_token` field, checked with [`crate::auth::check_csrf`] (and the
//! `Origin` check) before anything is done.

use super::{Chrome, error_page, render};
use crate::api::Body;
use crate::auth::{Principal, Via, check_csrf, check_origin, cookie, remote};
use crate::error::ApiError;
use crate::{SESSION_COOKIE, Shared};
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header, request::Parts};
use axum::response::{IntoResponse, Redirect, Response};
use netrx_store::auth::{constant_time_eq, random_hex};
use netrx_store::users;
use std::net::SocketAddr;

/// The cookie holding the sign-in form's token (login CSRF).
pub const LOGIN_COOKIE: &str = "netrx_login";

/// A signed-in user looking at a page (session cookie only: pages are for browsers).
pub struct Page {
    /// The caller, as the API sees them.
    pub p: Principal,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
}

/// Where to go back to after signing in: only a path on this server.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.starts_with("/login") => {
            n.to_string()
        }
        _ => "/cases".to_string(),
    }
}

fn to_login(parts: &Parts, expired: bool) -> Response {
    let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/cases");
    let mut q = vec![("next", next)];
    if expired {
        q.push(("expired", "1"));
    }
    let qs = serde_urlencoded::to_string(q).unwrap_or_default();
    Redirect::to(&format!("/login?{qs}")).into_response()
}

impl FromRequestParts<Shared> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> Result<Self, Self::Rejection> {
        let Some(c) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login(parts, false));
        };
        let c2 = c.clone();
        let s = st
            .read(move |conn| users::by_session(conn, &c2))
            .await
            .map_err(|e| super::api_error_page(&e, None))?;
        let Some(s) = s else {
            return Err(to_login(parts, true));
        };
        let csrf = s.csrf_token.clone();
        Ok(Page {
            p: Principal {
                user: s.user,
                via: Via::Session {
                    cookie: c,
                    csrf: s.csrf_token,
                },
                remote: remote(parts),
            },
            csrf,
        })
    }
}

impl Page {
    /// Check a posted form: same origin and the session's CSRF token. The error is a 403 page.
    pub fn check_post(&self, headers: &HeaderMap, form: &[(String, String)]) -> Result<(), Response> {
        let token = form.iter().find(|(k, _)| k == "csrf_token").map(|(_, v)| v.as_str());
        check_origin(headers)
            .and_then(|_| check_csrf(&self.p, token))
            .map_err(|_| {
                error_page(
                    StatusCode::FORBIDDEN,
                    "The form could not be accepted",
                    "The form did not carry this session's security token (it may come from another site, or \
                     from a page opened before you signed in again). Nothing was changed. Reload the page and \
                     submit it again.",
                    None,
                )
            })
    }
}

/// Parse a form body (`application/x-www-form-urlencoded`) into its pairs, in order.
pub fn parse_form(body: &str) -> Result<Vec<(String, String)>, Response> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(body).map_err(|e| {
        error_page(
            StatusCode::BAD_REQUEST,
            "The form could not be read",
            &format!("The submitted form is not valid form data ({e})."),
            None,
        )
    })
}

/// The value of a form field.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    token: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
}

fn login_form(
    status: StatusCode,
    next: String,
    username: String,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let token = random_hex(16).unwrap_or_default();
    let mut r = render(
        status,
        &LoginPage {
            chrome: Chrome {
                title: "Sign in".into(),
                ..Chrome::default()
            },
            next,
            token: token.clone(),
            username,
            error,
            notice,
        },
    );
    let c = format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// `GET /login`: the sign-in form (or straight on when already signed in).
pub async fn login_page(State(st): State<Shared>, uri: Uri, headers: HeaderMap) -> Response {
    let q: Vec<(String, String)> = uri
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let next = safe_next(get("next"));
    if let Some(c) = cookie(&headers, SESSION_COOKIE)
        && let Ok(Some(_)) = st.read(move |conn| users::by_session(conn, &c)).await
    {
        return Redirect::to(&next).into_response();
    }
    let notice = if get("signed_out").is_some() {
        Some("You have signed out.".to_string())
    } else if get("expired").is_some() {
        Some("Your session has ended; please sign in again.".to_string())
    } else {
        None
    };
    login_form(StatusCode::OK, next, String::new(), None, notice)
}

/// `POST /login`: check the form token, then sign in through the API's login handler.
pub async fn login_submit(
    State(st): State<Shared>,
    headers: HeaderMap,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    Body(body): Body,
) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    let next = safe_next(field(&form, "next"));
    let username = field(&form, "username").unwrap_or("").trim().to_string();
    let password = field(&form, "password").unwrap_or("").to_string();
    if check_origin(&headers).is_err() {
        return error_page(
            StatusCode::FORBIDDEN,
            "Sign-in refused",
            "The sign-in form was sent from another site.",
            None,
        );
    }
    let given = field(&form, "login_token").unwrap_or("");
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if expected.is_empty() || !constant_time_eq(given, &expected) {
        return login_form(
            StatusCode::FORBIDDEN,
            next,
            username,
            Some("The sign-in form had expired (or cookies are blocked for this site). Please sign in again.".into()),
            None,
        );
    }
    if username.is_empty() || password.is_empty() {
        return login_form(
            StatusCode::BAD_REQUEST,
            next,
            username,
            Some("Enter your username and your password.".into()),
            None,
        );
    }
    // Hand over to the API's login: same checks, throttling, session and audit trail.
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for k in [header::HOST, header::ORIGIN] {
        if let Some(v) = headers.get(&k) {
            h.insert(k, v.clone());
        }
    }
    let json = serde_json::json!({ "username": username, "password": password }).to_string();
    let uri: Uri = Uri::from_static("/api/v1/login");
    match crate::api::session::login(State(st), uri, h, ConnectInfo(addr), Body(json)).await {
        Ok(r) => {
            let mut out = Redirect::to(&next).into_response();
            for v in r.headers().get_all(header::SET_COOKIE) {
                out.headers_mut().append(header::SET_COOKIE, v.clone());
            }
            let clear = format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
            if let Ok(v) = HeaderValue::from_str(&clear) {
                out.headers_mut().append(header::SET_COOKIE, v);
            }
            out
        }
        Err(e) => {
            let (status, msg) = login_error(&e);
            let mut r = login_form(status, next, username, Some(msg), None);
            if let Some(s) = e.retry_after
                && let Ok(v) = HeaderValue::from_str(&s.to_string())
            {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
    }
}

fn login_error(e: &ApiError) -> (StatusCode, String) {
    match e.status.as_u16() {
        401 => (e.status, "Unknown username or wrong password.".into()),
        429 => (e.status, format!("Too many failed sign-ins: {}.", e.message)),
        _ => (e.status, e.message.clone()),
    }
}

/// `POST /logout`: end the session (CSRF-checked) through the API's logout handler.
pub async fn logout(State(st): State<Shared>, page: Page, headers: HeaderMap, Body(body): Body) -> Response {
    let form = match parse_form(&body) {
        Ok(f) => f,
        Err(r) => return r,
    };
    if let Err(r) = page.check_post(&headers, &form) {
        return r;
    }
    let uri: Uri = Uri::from_static("/api/v1/logout");
    match crate::api::session::logout(State(st), page.p, uri).await {
        Ok(r) => {
            let mut out = Redirect::to("/login?signed_out=1").into_response();
            for v in r.headers().get_all(header::SET_COOKIE) {
                out.headers_mut().append(header::SET_COOKIE, v.clone());
            }
            out
        }
        Err(e) => super::api_error_page(&e, None),
    }
}
