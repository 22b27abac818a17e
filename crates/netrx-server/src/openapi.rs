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
        an audit trail; FHIR R4 import and a CDS Hooks 2.0 service. Paths are absolute (the server's root is \
        the base URL): the JSON API under /api/v1, POST /fhir/import and /cds-services outside it. Every 4xx \
        answer is { error, field, message }, except where a response names another body (FHIR \
        OperationOutcome). See docs/api.md and docs/fhir-cds-hooks.md."),
    paths(
        api::session::health, api::session::login, api::session::logout, api::session::me,
        api::cases::list, api::cases::create, api::cases::read, api::cases::update, api::cases::delete,
        api::cases::revisions, api::cases::read_revision,
        api::capability::on_case, api::capability::stateless,
        api::users::list, api::users::read, api::users::add, api::users::update,
        api::users::new_token, api::users::revoke_tokens,
        api::audit::query,
        crate::fhir::import,
        crate::cds::discovery, crate::cds::invoke, crate::cds::feedback,
    ),
    components(schemas(crate::error::ErrorBody)),
    tags(
        (name = "session", description = "Health, sign-in and sign-out"),
        (name = "cases", description = "Stored cases: revisions, ETag/If-Match"),
        (name = "capabilities", description = "Clinical answers, the same JSON as the CLI's --json"),
        (name = "users", description = "Accounts (admin)"),
        (name = "audit", description = "The audit trail (admin)"),
        (name = "fhir", description = "FHIR R4 Bundle import into a stored case (outside /api/v1)"),
        (name = "cds-hooks", description = "The CDS Hooks 2.0 service (outside /api/v1; bearer token or signed JWT, \
            no session cookie; CORS open)"),
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
                        // The CDS service path parameter: the one service of this build.
                        if p["name"] == "service" && p["in"] == "path" {
                            p["schema"] = json!({ "type": "string", "enum": [netrx_clinical::fhir::cds::SERVICE_ID] });
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
                // Their own references to each other are rewritten as well.
                let text = serde_json::to_string(&d)
                    .unwrap_or_default()
                    .replace("#/$defs/", "#/components/schemas/CaseFile_");
                v["components"]["schemas"][format!("CaseFile_{k}")] = serde_json::from_str(&text).unwrap_or(d);
            }
        }
    }
    let text = serde_json::to_string(&case)
        .unwrap_or_default()
        .replace("#/$defs/", "#/components/schemas/CaseFile_");
    v["components"]["schemas"]["CaseFile"] = serde_json::from_str(&text).unwrap_or(Value::Null);
    // The FHIR import reads the body whatever its media type: FHIR's own is documented too.
    if let Some(c) = v
        .pointer_mut("/paths/~1fhir~1import/post/requestBody/content")
        .and_then(Value::as_object_mut)
        && let Some(j) = c.get("application/json").cloned()
    {
        c.insert("application/fhir+json".into(), j);
    }
    v["components"]["securitySchemes"] = json!({
        "bearer": { "type": "http", "scheme": "bearer", "description": "An API token from `netrx user token NAME`" },
        "session": { "type": "apiKey", "in": "cookie", "name": crate::SESSION_COOKIE,
                     "description": "Set by POST /api/v1/login; state-changing requests also send X-CSRF-Token" },
        "cdsJwt": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "CDS Hooks 2.0 JWT signed by a client registered with `netrx cds-client add ISS \
                     --jwks FILE`: asymmetric algorithms only (ES256/384, RS256/384/512, PS256/384/512), aud = the \
                     URL called, exp, iat and a jti accepted once (CDS Hooks endpoints only)" }
    });
    v["security"] = json!([{ "bearer": [] }, { "session": [] }]);
    for open in ["/api/v1/health", "/api/v1/login", "/cds-services"] {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses(op: &Value) -> Vec<&str> {
        op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect()
    }

    #[test]
    fn fhir_and_cds_operations_are_described_at_their_real_paths() {
        let d = document();
        // No `servers`: the base URL is the server's root, so every path below is absolute.
        assert!(d.get("servers").is_none(), "{:?}", d.get("servers"));
        for (path, method, codes, security) in [
            (
                "/fhir/import",
                "post",
                &["200", "201", "400", "401", "403", "404", "409", "410", "412", "413"][..],
                None,
            ),
            ("/cds-services", "get", &["200", "400"][..], Some(json!([]))),
            (
                "/cds-services/{service}",
                "post",
                &["200", "400", "401", "403", "404", "412", "413"][..],
                Some(json!([{ "bearer": [] }, { "cdsJwt": [] }])),
            ),
            (
                "/cds-services/{service}/feedback",
                "post",
                &["200", "400", "401", "403", "404", "413"][..],
                Some(json!([{ "bearer": [] }, { "cdsJwt": [] }])),
            ),
        ] {
            let item = d["paths"][path]
                .as_object()
                .unwrap_or_else(|| panic!("{path} documented"));
            assert_eq!(item.keys().collect::<Vec<_>>(), [method], "{path}: the only method");
            let op = &item[method];
            assert_eq!(statuses(op), codes, "{method} {path}");
            // Bodies are not case files (the CaseFile default is for /api/v1 bodies only).
            if method == "post" {
                assert_eq!(
                    op["requestBody"]["content"]["application/json"]["schema"],
                    json!({ "type": "object" })
                );
                let fhir_json = op["requestBody"]["content"].get("application/fhir+json").is_some();
                assert_eq!(fhir_json, path == "/fhir/import", "{path}");
            }
            match security {
                Some(s) => assert_eq!(op["security"], s, "{path}"),
                None => assert!(op.get("security").is_none(), "{path}: the document's bearer or session"),
            }
        }
        let import = &d["paths"]["/fhir/import"]["post"]["responses"];
        assert_eq!(
            import["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/FhirImported"
        );
        let imported = &d["components"]["schemas"]["FhirImported"];
        for k in ["case_id", "revision", "outcome", "knowledge_version"] {
            assert!(imported["required"].as_array().unwrap().contains(&json!(k)), "{k}");
        }
        let service = &d["paths"]["/cds-services/{service}"]["post"]["parameters"][0];
        assert_eq!(
            service["schema"]["enum"],
            json!([netrx_clinical::fhir::cds::SERVICE_ID])
        );
        assert_eq!(d["components"]["securitySchemes"]["cdsJwt"]["bearerFormat"], "JWT");
        // Every $ref resolves.
        let text = d.to_string();
        for r in text.split("\"$ref\":\"").skip(1) {
            let r = &r[..r.find('"').unwrap()];
            let ptr = r.strip_prefix('#').unwrap();
            assert!(d.pointer(ptr).is_some(), "{r} resolves");
        }
    }
}
