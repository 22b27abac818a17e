//! `/api/v1/users`: account management (admin role only). Every change is audited.

use super::cases::deny;
use super::{Body, json, params};
use crate::Shared;
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use netrx_store::users::{self, Role, User};
use netrx_store::{audit, auth};
use serde::{Deserialize, Serialize};

/// An account as shown to admins (never the password hash).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserView {
    /// Username.
    pub username: String,
    /// admin, clinician, pharmacist or researcher.
    pub role: String,
    /// A disabled account cannot sign in; its tokens stop working.
    pub disabled: bool,
    /// Created (RFC 3339 UTC).
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            username: u.username,
            role: u.role.as_str().into(),
            disabled: u.disabled,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// The user list.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserList {
    /// By name.
    pub users: Vec<UserView>,
}

/// A new account.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// 1–64 letters, digits, '.', '_', '-', '@'.
    pub username: String,
    /// admin, clinician, pharmacist or researcher.
    pub role: String,
    /// 8–1024 characters.
    pub password: String,
}

/// A change to an account (each field optional).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// New role.
    pub role: Option<String>,
    /// Disable (true) or enable (false).
    pub disabled: Option<bool>,
    /// New password.
    pub password: Option<String>,
}

/// A new API token, shown once.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// Username.
    pub username: String,
    /// The bearer token (only its SHA-256 is stored).
    pub token: String,
}

/// Tokens revoked.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revoked {
    /// Username.
    pub username: String,
    /// How many tokens were revoked.
    pub revoked: usize,
}

async fn admin_only(st: &Shared, p: &Principal, action: &str) -> ApiResult<()> {
    if p.role() == Role::Admin {
        Ok(())
    } else {
        Err(deny(st, p, action, None, "manage users").await)
    }
}

fn no_user(name: &str) -> ApiError {
    ApiError::not_found("username", format!("no user {name:?}"))
}

fn role(field: &str, r: &str) -> ApiResult<Role> {
    Role::parse(r).map_err(|m| ApiError::bad(field, m))
}

/// All accounts.
#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = UserList), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(State(st): State<Shared>, p: Principal, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    admin_only(&st, &p, "user.list").await?;
    let users = st.read(users::list).await?;
    Ok(json(
        StatusCode::OK,
        &UserList {
            users: users.into_iter().map(UserView::from).collect(),
        },
    ))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{username}", tag = "users",
    params(("username" = String, Path, description = "Username")),
    responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn read(State(st): State<Shared>, p: Principal, Path(name): Path<String>, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    admin_only(&st, &p, "user.read").await?;
    let n2 = name.clone();
    match st.read(move |c| users::find(c, &n2)).await? {
        Some((u, _)) => Ok(json(StatusCode::OK, &UserView::from(u))),
        None => Err(no_user(&name)),
    }
}

/// Create an account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)))]
pub async fn add(State(st): State<Shared>, p: Principal, uri: Uri, Body(text): Body) -> ApiResult {
    params(&uri, &[])?;
    admin_only(&st, &p, "user.add").await?;
    let req: NewUser = netrx_case::from_json(&text)?;
    auth::check_username(&req.username).map_err(|m| ApiError::bad("username", m))?;
    let r = role("role", &req.role)?;
    auth::check_password(&req.password).map_err(|m| ApiError::bad("password", m))?;
    let pw = req.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| ApiError::internal("hashing", e))?
        .map_err(|e| ApiError::internal("hashing", e))?;
    let name = req.username.clone();
    let e = p
        .audit("user.add", "")
        .detail(format!("{} role={}", req.username, r.as_str()));
    let added = st
        .write(move |c| {
            let u = users::add(c, &name, r, &hash)?;
            let mut e = e;
            e.outcome = if u.is_some() { "ok" } else { "conflict" }.into();
            audit::append(c, &e)?;
            Ok(u)
        })
        .await?;
    match added {
        Some(u) => Ok(json(StatusCode::CREATED, &UserView::from(u))),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            Some("username"),
            format!("user {:?} exists", req.username),
        )),
    }
}

/// Change an account's role, password or disabled flag (ends their sessions).
#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "users", request_body = UserChange,
    params(("username" = String, Path, description = "Username")),
    responses((status = 200, body = UserView), (status = 400, body = crate::error::ErrorBody),
        (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody)))]
pub async fn update(
    State(st): State<Shared>,
    p: Principal,
    Path(name): Path<String>,
    uri: Uri,
    Body(text): Body,
) -> ApiResult {
    params(&uri, &[])?;
    admin_only(&st, &p, "user.update").await?;
    let req: UserChange = netrx_case::from_json(&text)?;
    let new_role = req.role.as_deref().map(|r| role("role", r)).transpose()?;
    let hash = match req.password {
        Some(pw) => {
            auth::check_password(&pw).map_err(|m| ApiError::bad("password", m))?;
            Some(
                tokio::task::spawn_blocking(move || auth::hash_password(&pw))
                    .await
                    .map_err(|e| ApiError::internal("hashing", e))?
                    .map_err(|e| ApiError::internal("hashing", e))?,
            )
        }
        None => None,
    };
    let mut what = Vec::new();
    if let Some(r) = new_role {
        what.push(format!("role={}", r.as_str()));
    }
    if let Some(d) = req.disabled {
        what.push(format!("disabled={d}"));
    }
    if hash.is_some() {
        what.push("password".into());
    }
    let e = p.audit("user.update", "").detail(format!("{name} {}", what.join(" ")));
    let (n2, disabled) = (name.clone(), req.disabled);
    let u = st
        .write(move |c| {
            let u = users::update(c, &n2, new_role, disabled, hash.as_deref())?;
            let mut e = e;
            e.outcome = if u.is_some() { "ok" } else { "not_found" }.into();
            audit::append(c, &e)?;
            Ok(u)
        })
        .await?;
    u.map(|u| json(StatusCode::OK, &UserView::from(u)))
        .ok_or_else(|| no_user(&name))
}

/// Issue a new API token for an account (shown once).
#[utoipa::path(post, path = "/api/v1/users/{username}/tokens", tag = "users",
    params(("username" = String, Path, description = "Username")),
    responses((status = 201, body = NewToken), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn new_token(State(st): State<Shared>, p: Principal, Path(name): Path<String>, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    admin_only(&st, &p, "user.token").await?;
    let token = auth::new_token().map_err(|e| ApiError::internal("making a token", e))?;
    let (n2, t2) = (name.clone(), token.clone());
    let e = p.audit("user.token", "").detail(name.clone());
    let ok = st
        .write(move |c| {
            let u = users::find(c, &n2)?;
            if let Some((u, _)) = &u {
                users::add_token(c, u, &t2)?;
            }
            let mut e = e;
            e.outcome = if u.is_some() { "ok" } else { "not_found" }.into();
            audit::append(c, &e)?;
            Ok(u.map(|(u, _)| u.username))
        })
        .await?;
    match ok {
        Some(username) => Ok(json(StatusCode::CREATED, &NewToken { username, token })),
        None => Err(no_user(&name)),
    }
}

/// Revoke every API token of an account.
#[utoipa::path(delete, path = "/api/v1/users/{username}/tokens", tag = "users",
    params(("username" = String, Path, description = "Username")),
    responses((status = 200, body = Revoked), (status = 401, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn revoke_tokens(State(st): State<Shared>, p: Principal, Path(name): Path<String>, uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    admin_only(&st, &p, "user.revoke_token").await?;
    let n2 = name.clone();
    let e = p.audit("user.revoke_token", "").detail(name.clone());
    let r = st
        .write(move |c| {
            let u = users::find(c, &n2)?;
            let n = match &u {
                Some((u, _)) => Some(users::revoke_tokens(c, u, None)?),
                None => None,
            };
            let mut e = e;
            e.outcome = if n.is_some() { "ok" } else { "not_found" }.into();
            audit::append(c, &e)?;
            Ok(n.zip(u.map(|(u, _)| u.username)))
        })
        .await?;
    match r {
        Some((revoked, username)) => Ok(json(StatusCode::OK, &Revoked { username, revoked })),
        None => Err(no_user(&name)),
    }
}
