//! The OpenAPI 3 description, generated from the handlers' annotations
//! (utoipa) and completed at run time with what only exists at run time: the
//! capability ids of this build and the case file's JSON Schema.

use crate::api::{self, params};
use crate::auth::Principal;
use crate::error::ApiResult;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(title = "netrx API", description = "Decision support and evidence for everolimus in advanced \
        neuroendocrine tumours: cases with revisions, capabilities identical to the CLI, accounts, roles and \
        an audit trail. Every 4xx answer is { error, field, message }. See docs/api.md."),
    paths(
        api::session::health, api::session::login, api::session::logout, api::session::me,
        api::cases::list, api::cases::create, api::cases::read, api::cases::update, api::cases::delete,
        api::cases::revisions, api::cases::read_revision,
        api::capability::on_case, api::capability::stateless,
        api::users::list, api::users::read, api::users::add, api::users::update,
        api::users::new_token, api::users::revoke_tokens,
        api::audit::query,
    ),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "session", description = "Health, sign-in and sign-out"),
        (name = "cases", description = "Stored cases: revisions, ETag/If-Match"),
        (name = "capabilities", description = "Clinical answers, the same JSON as the CLI's --json"),
        (name = "users", description = "Accounts (admin)"),
        (name = "audit", description = "The audit trail (admin)"),
    )
)]
struct ApiDoc;

/// The complete description as JSON.
pub fn document() -> Value {
    let mut v = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    v["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    let caps = api::capability::ids();
    // The capability path parameter: exactly the capabilities of this build.
    if let Some(paths) = v.get_mut("paths").and_then(Value::as_object_mut) {
        for (_, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else { continue };
            for (_, op) in item.iter_mut() {
                if let Some(ps) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                    for p in ps.iter_mut() {
                        if p["name"] == "capability" {
                            p["schema"] = json!({ "type": "string", "enum": caps });
                        }
                    }
                }
                // Case-file bodies and answers refer to the case schema.
                if let Some(rb) = op.pointer_mut("/requestBody/content/application~1json/schema")
                    && (rb.get("$ref").is_none() && rb.get("type").is_none() || rb == &json!({}))
                {
                    *rb = json!({ "$ref": "#/components/schemas/CaseFile" });
                }
            }
        }
    }
    let mut case = netrx_case::case_schema();
    if let Some(o) = case.as_object_mut() {
        o.remove("$schema");
        o.remove("$id");
        // Nested definitions move under components so that $refs resolve.
        if let Some(Value::Object(defs)) = o.remove("$defs") {
            for (k, d) in defs {
                v["components"]["schemas"][format!("CaseFile_{k}")] = d;
            }
        }
    }
    let text = serde_json::to_string(&case)
        .unwrap_or_default()
        .replace("#/$defs/", "#/components/schemas/CaseFile_");
    v["components"]["schemas"]["CaseFile"] = serde_json::from_str(&text).unwrap_or(Value::Null);
    v["components"]["securitySchemes"] = json!({
        "bearer": { "type": "http", "scheme": "bearer", "description": "An API token from `netrx user token NAME`" },
        "session": { "type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE,
                     "description": "Set by POST /api/v1/login; state-changing requests also send X-CSRF-Token" }
    });
    v["security"] = json!([{ "bearer": [] }, { "session": [] }]);
    for open in ["/api/v1/health", "/api/v1/login"] {
        for (_, op) in v["paths"][open].as_object_mut().into_iter().flatten() {
            op["security"] = json!([]);
        }
    }
    v
}

/// `GET /api/v1/openapi.json` (authenticated like every endpoint but health and login).
pub async fn serve(_p: Principal, uri: Uri) -> ApiResult<Response> {
    params(&uri, &[])?;
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Ok(api::json(StatusCode::OK, DOC.get_or_init(document)))
}
