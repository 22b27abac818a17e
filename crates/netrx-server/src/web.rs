//! The browser pages (issue 8) will live here, mounted at `/`. Until then `/`
//! only points to the API.

use crate::Shared;
use axum::Router;
use axum::routing::get;

/// The web routes.
pub fn router(_state: Shared) -> Router {
    Router::new().route(
        "/",
        get(|| async {
            "netrx server. API: /api/v1 (health: /api/v1/health, description: /api/v1/openapi.json). \
             See docs/api.md.\n"
        }),
    )
}
