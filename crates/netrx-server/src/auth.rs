//! Who is calling: a bearer API token (`Authorization: Bearer nrx_…`) or the
//! session cookie set by `POST /api/v1/login`. Requests that change state with a
//! session cookie must echo the session's CSRF token in `X-CSRF-Token` (or, for
//! the web app's form posts, a `csrf_token` field checked with [`check_csrf`]),
//! and a cross-origin `Origin` header is refused. Bearer requests need neither:
//! a browser never attaches a bearer token by itself.

use crate::error::ApiError;
use crate::{SESSION_COOKIE, Shared};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::{HeaderMap, Method, StatusCode, header, request::Parts};
use netrx_store::auth::constant_time_eq;
use netrx_store::users::{self, Role, User};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How the caller authenticated.
#[derive(Debug, Clone)]
pub enum Via {
    /// A bearer API token.
    Token,
    /// A session cookie (value and CSRF token).
    Session {
        /// The cookie value.
        cookie: String,
        /// The session's CSRF token.
        csrf: String,
    },
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account.
    pub user: User,
    /// How they authenticated.
    pub via: Via,
    /// Their address (for the audit trail).
    pub remote: String,
}

impl Principal {
    /// The role.
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// An audit entry by this caller.
    pub fn audit(&self, action: &str, outcome: &str) -> netrx_store::audit::Entry {
        netrx_store::audit::Entry::new(Some(&self.user.username), action, outcome).remote(Some(&self.remote))
    }
}

/// The remote address of a request.
pub fn remote(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The value of a cookie.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

fn bearer(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(v) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v.to_str().unwrap_or("");
    match v.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            Some("Authorization"),
            "malformed Authorization header; allowed: 'Bearer <token>'",
        )),
    }
}

/// Whether a method changes state (and so needs CSRF protection with a cookie).
pub fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuse a request whose `Origin` is not this server (cross-site).
pub fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split_once("://").map(|(_, h)| h).unwrap_or(origin);
    if origin_host.trim_end_matches('/') == host {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            Some("Origin"),
            format!("cross-origin request from {origin:?} refused; allowed: requests from this server's own pages"),
        ))
    }
}

/// Check a CSRF token given with a session-authenticated state change (header or form field).
pub fn check_csrf(p: &Principal, given: Option<&str>) -> Result<(), ApiError> {
    match &p.via {
        Via::Token => Ok(()),
        Via::Session { csrf, .. } => match given {
            Some(g) if constant_time_eq(g, csrf) => Ok(()),
            _ => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                Some("X-CSRF-Token"),
                "missing or wrong CSRF token; allowed: the csrf_token returned by POST /api/v1/login, \
                 in the X-CSRF-Token header",
            )),
        },
    }
}

impl FromRequestParts<Shared> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Self::Rejection> {
        let remote = remote(parts);
        let principal = if let Some(token) = bearer(&parts.headers)? {
            let user = state.read(move |c| users::by_token(c, &token)).await?;
            let user = user.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    Some("Authorization"),
                    "unknown, revoked or disabled bearer token; allowed: a live token from 'netrx user token NAME'",
                )
            })?;
            Principal {
                user,
                via: Via::Token,
                remote,
            }
        } else if let Some(c) = cookie(&parts.headers, SESSION_COOKIE) {
            let c2 = c.clone();
            let s = state.read(move |conn| users::by_session(conn, &c2)).await?;
            let s = s.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    Some(SESSION_COOKIE),
                    "the session has expired or ended; sign in again with POST /api/v1/login",
                )
            })?;
            Principal {
                user: s.user,
                via: Via::Session {
                    cookie: c,
                    csrf: s.csrf_token,
                },
                remote,
            }
        } else {
            return Err(ApiError::unauthorized());
        };
        if is_unsafe(&parts.method) && matches!(principal.via, Via::Session { .. }) {
            check_origin(&parts.headers)?;
            let given = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok());
            check_csrf(&principal, given)?;
        }
        Ok(principal)
    }
}

/// Failed-login bookkeeping against password guessing. After
/// [`Throttle::FREE_FAILURES`] consecutive failures for a username (or
/// [`Throttle::FREE_FAILURES_PER_ADDRESS`] from one address), the next attempt
/// must wait 2^(n − free + 1) seconds after the n-th failure (2 s, 4 s, 8 s, …),
/// capped at 15 minutes.
/// A success clears the username's count. Kept in memory: a restart forgets it.
#[derive(Default)]
pub struct Throttle {
    map: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    /// Failures allowed per username before delays start.
    pub const FREE_FAILURES: u32 = 5;
    /// Failures allowed per address before delays start.
    pub const FREE_FAILURES_PER_ADDRESS: u32 = 20;
    const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

    fn keys(username: &str, remote: &str) -> [(String, u32); 2] {
        [
            (format!("u:{}", username.to_lowercase()), Self::FREE_FAILURES),
            (format!("a:{remote}"), Self::FREE_FAILURES_PER_ADDRESS),
        ]
    }

    /// Seconds to wait before another attempt is allowed (`None`: go ahead).
    pub fn wait(&self, username: &str, remote: &str) -> Option<u64> {
        let map = self.map.lock().ok()?;
        let now = Instant::now();
        Self::keys(username, remote)
            .iter()
            .filter_map(|(k, free)| {
                let (n, last) = map.get(k)?;
                if n < free {
                    return None;
                }
                let delay = Duration::from_secs(1u64 << (n - free + 1).min(20)).min(Self::MAX_DELAY);
                let elapsed = now.duration_since(*last);
                (elapsed < delay).then(|| (delay - elapsed).as_secs().max(1))
            })
            .max()
    }

    /// Record a failure.
    pub fn failed(&self, username: &str, remote: &str) {
        if let Ok(mut map) = self.map.lock() {
            let now = Instant::now();
            if map.len() > 10_000 {
                map.retain(|_, (_, last)| now.duration_since(*last) < Self::MAX_DELAY);
            }
            for (k, _) in Self::keys(username, remote) {
                let e = map.entry(k).or_insert((0, now));
                if now.duration_since(e.1) > Self::MAX_DELAY {
                    e.0 = 0;
                }
                e.0 += 1;
                e.1 = now;
            }
        }
    }

    /// Record a success (clears the username's failures).
    pub fn succeeded(&self, username: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(&format!("u:{}", username.to_lowercase()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_starts_after_five_failures_and_a_success_clears_it() {
        let t = Throttle::default();
        for _ in 0..Throttle::FREE_FAILURES {
            assert_eq!(t.wait("Ann", "10.0.0.1"), None);
            t.failed("ann", "10.0.0.1");
        }
        let w = t
            .wait("ANN", "10.0.0.2")
            .expect("the username is throttled from any address");
        assert!((1..=2).contains(&w), "{w}");
        assert_eq!(t.wait("bob", "10.0.0.3"), None, "other users are not");
        t.failed("ann", "10.0.0.1");
        assert!(t.wait("ann", "10.0.0.1").unwrap() >= 3, "the delay doubles");
        t.succeeded("ann");
        assert_eq!(t.wait("ann", "10.0.0.9"), None);
        // The address limit is separate and higher.
        for i in 0..Throttle::FREE_FAILURES_PER_ADDRESS {
            t.failed(&format!("user{i}"), "10.0.0.7");
        }
        assert!(t.wait("someone-new", "10.0.0.7").is_some());
    }
}
