//! Health, login, logout and "who am I".

use super::{Body, json, params};
use crate::auth::{Principal, Via, check_origin};
use crate::error::{ApiError, ApiResult};
use crate::{SESSION_COOKIE, SESSION_TTL_MS, Shared};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use netrx_store::{audit, auth, users};
use serde::{Deserialize, Serialize};

/// Health answer.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Health {
    /// "ok".
    pub status: String,
    /// netrx version.
    pub version: String,
    /// Knowledge-base version.
    pub knowledge_version: String,
    /// Database schema version.
    pub schema_version: i64,
}

/// Liveness and versions (no authentication).
#[utoipa::path(get, path = "/api/v1/health", tag = "session",
    responses((status = 200, body = Health), (status = 400, body = crate::error::ErrorBody)))]
pub async fn health(State(st): State<Shared>, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    let schema_version = st
        .read(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
        .await?;
    Ok(json(
        StatusCode::OK,
        &Health {
            status: "ok".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            knowledge_version: st.kb.version().into(),
            schema_version,
        },
    ))
}

/// Login request.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
}

/// Login answer (the session cookie is set alongside).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Username.
    pub username: String,
    /// Role: admin, clinician, pharmacist or researcher.
    pub role: String,
    /// Send this in `X-CSRF-Token` with every state-changing request made with the session cookie.
    pub csrf_token: String,
    /// When the session ends (RFC 3339 UTC).
    pub expires_at: String,
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Sign in with username and password: sets the session cookie (HttpOnly, SameSite=Strict).
#[utoipa::path(post, path = "/api/v1/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse, description = "Signed in; Set-Cookie: netrx_session=…"),
        (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody),
        (status = 429, body = crate::error::ErrorBody, description = "Too many failed attempts; Retry-After header")))]
pub async fn login(
    State(st): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    axum::extract::ConnectInfo(addr): axum::extract::ConnectInfo<std::net::SocketAddr>,
    Body(text): Body,
) -> ApiResult {
    params(&uri, &[])?;
    // A cross-site form cannot send application/json without a CORS preflight (which
    // this server never grants): this blocks login CSRF.
    if !is_json(&headers) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Some("Content-Type"),
            "allowed: Content-Type: application/json with { \"username\", \"password\" }",
        ));
    }
    check_origin(&headers)?;
    let req: LoginRequest = netrx_case::from_json(&text)?;
    let remote = addr.ip().to_string();
    let name: String = req.username.chars().take(64).collect();
    if let Some(wait) = st.throttle.wait(&name, &remote) {
        let e = audit::Entry::new(Some(&name), "login", "throttled").remote(Some(&remote));
        super::cases::record(&st, e).await?;
        let mut err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Some("username"),
            format!("too many failed sign-ins; try again in {wait} s"),
        );
        err.retry_after = Some(wait);
        return Err(err);
    }
    let name2 = name.clone();
    let found = st.read(move |c| users::find(c, &name2)).await?;
    let (pw, hash) = (req.password, found.as_ref().map(|(_, h)| h.clone()));
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&pw, hash.as_deref()))
        .await
        .unwrap_or(false);
    let user = match found {
        Some((u, _)) if ok && !u.disabled => u,
        other => {
            st.throttle.failed(&name, &remote);
            let detail = match other {
                None => "unknown user",
                Some((u, _)) if u.disabled => "account disabled",
                Some(_) => "wrong password",
            };
            let e = audit::Entry::new(Some(&name), "login", "failure")
                .remote(Some(&remote))
                .detail(detail);
            super::cases::record(&st, e).await?;
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                Some("password"),
                "unknown username or wrong password",
            ));
        }
    };
    st.throttle.succeeded(&name);
    let (u2, r2) = (user.clone(), remote.clone());
    let cookie = auth::random_hex(32).map_err(|e| ApiError::internal("making a session id", e))?;
    let csrf = auth::random_hex(32).map_err(|e| ApiError::internal("making a CSRF token", e))?;
    let c2 = cookie.clone();
    let session = st
        .write(move |c| {
            let s = users::create_session(c, &u2, &c2, &csrf, SESSION_TTL_MS)?;
            audit::append(
                c,
                &audit::Entry::new(Some(&u2.username), "login", "ok").remote(Some(&r2)),
            )?;
            Ok(s)
        })
        .await?;
    let mut r = json(
        StatusCode::OK,
        &LoginResponse {
            username: user.username.clone(),
            role: user.role.as_str().into(),
            csrf_token: session.csrf_token,
            expires_at: session.expires_at,
        },
    );
    let secure = if st.cookie_secure { "; Secure" } else { "" };
    let c = format!(
        "{SESSION_COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_TTL_MS / 1000
    );
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// End the session (cookie) — with a bearer token this does nothing but answer.
#[utoipa::path(post, path = "/api/v1/logout", tag = "session",
    responses((status = 204, description = "Signed out; the cookie is cleared"), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn logout(State(st): State<Shared>, p: Principal, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    if let Via::Session { cookie, .. } = &p.via {
        let cookie = cookie.clone();
        let e = p.audit("logout", "ok");
        st.write(move |c| {
            users::revoke_session(c, &cookie)?;
            audit::append(c, &e)
        })
        .await?;
    }
    let mut r = axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT);
    let c = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(v) = HeaderValue::from_str(&c) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}

/// Who is signed in.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Me {
    /// Username.
    pub username: String,
    /// Role.
    pub role: String,
    /// "token" or "session".
    pub via: String,
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(p: Principal, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    Ok(json(
        StatusCode::OK,
        &Me {
            username: p.user.username.clone(),
            role: p.role().as_str().into(),
            via: match p.via {
                Via::Token => "token",
                Via::Session { .. } => "session",
            }
            .into(),
        },
    ))
}
