//! `POST /fhir/import`: a FHIR R4 Bundle becomes a stored case.
//!
//! The Bundle is mapped by `netrx_clinical::fhir::import_bundle` (the case goes
//! through `load_case` like every other case) and stored like `POST
//! /api/v1/cases` — same roles, revisions, audit. The answer is `{ "case_id",
//! "revision", "outcome": <OperationOutcome> }` (201), or, when the Bundle cannot
//! yield a valid case, 400 with the API's error JSON plus the `outcome`; nothing
//! is stored then.
//!
//! Query parameters: `id` — the case id to use (default: a new pseudonym
//! `fhir-` + 12 hex digits; never the MRN). With `id` of an existing case and
//! `If-Match: "<revision>"`, the import is a new revision of that case (as PUT).
//! Without `If-Match`, a live case with the same MRN makes the import 409 (no
//! duplicate patients).

use crate::api::cases::{check_id, deny, index_of, record};
use crate::api::{Body, etag, json, param, params};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, ErrorBody, code};
use crate::{MAX_BODY_BYTES, Shared};
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::routing::post;
use netrx_clinical::fhir::{ImportOptions, OperationOutcome, import_bundle};
use netrx_store::audit;
use netrx_store::cases::{self as store, Write};
use serde::Serialize;

/// The routes (state applied).
pub fn router(state: Shared, request_timeout: std::time::Duration) -> Router {
    Router::new()
        .route("/fhir/import", post(import).fallback(method_not_allowed))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(axum::middleware::from_fn(crate::api::log_request))
        .with_state(state)
}

async fn method_not_allowed(req: axum::extract::Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        format!("{} is not allowed on {}; allowed: POST", req.method(), req.uri().path()),
    )
}

/// The answer to an import.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = FhirImported)]
pub struct Imported {
    /// The knowledge base the codes were mapped with.
    pub knowledge_version: String,
    /// The stored case.
    pub case_id: String,
    /// Its revision (1 for a new case).
    pub revision: i64,
    /// What was mapped and what was not: a FHIR R4 OperationOutcome (`resourceType`, `issue[]`, one
    /// issue per resource or element read).
    #[schema(value_type = Object)]
    pub outcome: OperationOutcome,
}

/// A refused import (400): the API's error JSON; when the Bundle itself cannot yield a valid case it also
/// carries `knowledge_version` and the OperationOutcome, and nothing is stored.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = FhirImportRefused)]
struct Refused {
    #[serde(flatten)]
    error: ErrorBody,
    /// The knowledge base the codes were mapped with (when the Bundle was refused).
    #[schema(required = false)]
    knowledge_version: String,
    /// Why the Bundle was refused: a FHIR R4 OperationOutcome (when the Bundle was refused).
    #[schema(value_type = Object, required = false)]
    outcome: OperationOutcome,
}

/// Today's date (UTC), at which the patient's age is computed.
pub fn today() -> netrx_case::Date {
    let now = netrx_store::time::now();
    now.get(..10)
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| netrx_case::Date::from_ymd(1970, 1, 1).expect("a valid date"))
}

fn new_id() -> ApiResult<String> {
    let hex = netrx_store::auth::random_hex(6).map_err(|e| ApiError::internal("generating a case id", e))?;
    Ok(format!("fhir-{hex}"))
}

/// `POST /fhir/import`: a FHIR R4 Bundle becomes a stored case (or a new revision of one).
#[utoipa::path(post, path = "/fhir/import", tag = "fhir", operation_id = "fhir_import",
    params(("id" = Option<String>, Query, description = "The case id to store under (default: a new pseudonym \
            `fhir-` + 12 hex digits, never the MRN). With If-Match: the existing case to bring up to date"),
        ("If-Match" = Option<String>, Header, description = "The revision of case `id` the import replaces, e.g. \
            \"3\"; needs ?id=. Without it, a live case with the Bundle's MRN makes the import 409")),
    request_body(content = Object, content_type = "application/json", description = "A FHIR R4 Bundle \
        (resourceType \"Bundle\") holding the patient's Patient, Condition, Observation and MedicationRequest \
        resources; see docs/fhir-cds-hooks.md for what is read. At most 1 MiB."),
    responses(
        (status = 201, body = Imported, description = "Stored as a new case (revision 1); Location: \
            /api/v1/cases/{id} and ETag headers"),
        (status = 200, body = Imported, description = "Stored as a new revision of case `id` (If-Match given); \
            Location and ETag headers"),
        (status = 400, body = Refused, description = "The Bundle cannot yield a valid case (the error JSON with \
            knowledge_version and the OperationOutcome; nothing stored), or a bad query parameter, id, If-Match \
            or non-UTF-8 body (the error JSON alone)"),
        (status = 401, body = ErrorBody, description = "No, unknown or revoked credential"),
        (status = 403, body = ErrorBody, description = "The role may not write cases (clinician or pharmacist \
            only), or a session request without the X-CSRF-Token / with a foreign Origin"),
        (status = 404, body = ErrorBody, description = "If-Match given and there is no case `id`"),
        (status = 409, body = ErrorBody, description = "A live case has this patient's MRN (field patient.mrn), or \
            case `id` exists (field id): import into it with If-Match"),
        (status = 410, body = ErrorBody, description = "Case `id` was deleted"),
        (status = 412, body = ErrorBody, description = "Case `id` has changed since the If-Match revision; \
            current_revision and ETag give the current one"),
        (status = 413, body = ErrorBody, description = "The body is larger than 1 MiB"),
    ))]
pub async fn import(
    State(st): State<Shared>,
    p: Principal,
    uri: Uri,
    headers: HeaderMap,
    Body(text): Body,
) -> ApiResult {
    let q = params(&uri, &["id"])?;
    if !p.role().writes_cases() {
        return Err(deny(&st, &p, "case.create", None, "create or change cases").await);
    }
    let expected = if headers.contains_key(header::IF_MATCH) {
        Some(crate::api::if_match(&headers)?)
    } else {
        None
    };
    let id = match param(&q, "id") {
        Some(id) => {
            check_id(id)?;
            id.to_string()
        }
        None if expected.is_some() => {
            return Err(ApiError::bad(
                "id",
                "missing while If-Match is given; allowed: ?id=<the case to update> with If-Match",
            ));
        }
        None => new_id()?,
    };
    let action = if expected.is_some() {
        "case.update"
    } else {
        "case.create"
    };
    let opts = ImportOptions {
        case_id: id.clone(),
        today: today(),
    };
    let imported = match import_bundle(&text, st.kb, &opts) {
        Ok(i) => i,
        Err(f) => {
            let entry = p
                .audit(action, "invalid")
                .case(Some(&id), None)
                .detail(format!("fhir.import: {}", f.error.field));
            record(&st, entry).await?;
            let body = Refused {
                error: ErrorBody {
                    error: code(StatusCode::BAD_REQUEST).into(),
                    field: Some(f.error.field),
                    message: f.error.message,
                    current_revision: None,
                },
                knowledge_version: st.kb.version().to_string(),
                outcome: f.outcome,
            };
            return Ok(json(StatusCode::BAD_REQUEST, &body));
        }
    };
    let case = imported.case;
    let body = serde_json::to_string(&case).map_err(|e| ApiError::internal("serialising the case", e))?;
    let ix = index_of(&case, st.kb);
    let mrn = case.patient.mrn.clone();
    let (id2, user) = (id.clone(), p.user.username.clone());
    let mut entry = p.audit(action, "").detail("fhir.import");
    enum R {
        Written(Write),
        SameMrn(Vec<String>),
    }
    let r = st
        .write(move |c| {
            if expected.is_none()
                && let Some(m) = &mrn
            {
                let same = netrx_store::cds::cases_by_mrn(c, m)?;
                if !same.is_empty() {
                    entry.outcome = "conflict".into();
                    audit::append(c, &entry.case(Some(&id2), None))?;
                    return Ok(R::SameMrn(same));
                }
            }
            let w = match &expected {
                Some(revs) => store::update(c, &id2, revs, &body, &ix, &user)?,
                None => store::create(c, &id2, &body, &ix, &user)?,
            };
            let (outcome, rev) = match &w {
                Write::Stored(r) => ("ok", Some(*r)),
                Write::Exists(r, _) => ("conflict", Some(*r)),
                Write::NotFound => ("not_found", None),
                Write::Gone(r) => ("gone", Some(*r)),
                Write::Stale(r) => ("stale", Some(*r)),
            };
            entry.outcome = outcome.into();
            audit::append(c, &entry.case(Some(&id2), rev))?;
            Ok(R::Written(w))
        })
        .await?;
    match r {
        R::SameMrn(ids) => Err(ApiError::new(
            StatusCode::CONFLICT,
            Some("patient.mrn"),
            format!(
                "a stored case has this patient's MRN ({}); to bring it up to date import with ?id={} and If-Match: \"<its revision>\"",
                ids.join(", "),
                ids[0]
            ),
        )),
        R::Written(Write::Stored(rev)) => {
            let status = if rev == 1 { StatusCode::CREATED } else { StatusCode::OK };
            let mut res = json(
                status,
                &Imported {
                    knowledge_version: st.kb.version().to_string(),
                    case_id: id.clone(),
                    revision: rev,
                    outcome: imported.outcome,
                },
            );
            res.headers_mut().insert(header::ETAG, etag(rev));
            if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/cases/{id}")) {
                res.headers_mut().insert(header::LOCATION, v);
            }
            Ok(res)
        }
        R::Written(Write::Exists(rev, deleted)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            Some("id"),
            if deleted {
                format!("case {id:?} existed and was deleted (revision {rev}); a deleted case's id is not reused")
            } else {
                format!("case {id:?} exists (revision {rev}); to import into it send If-Match: \"{rev}\"")
            },
        )),
        R::Written(Write::NotFound) => Err(ApiError::not_found("id", format!("no case {id:?} to update"))),
        R::Written(Write::Gone(rev)) => Err(ApiError::new(
            StatusCode::GONE,
            Some("id"),
            format!("case {id:?} was deleted (revision {rev})"),
        )),
        R::Written(Write::Stale(cur)) => {
            let mut e = ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                Some("If-Match"),
                format!(
                    "case {id:?} has changed: the current revision is {cur}; review it and send If-Match: \"{cur}\""
                ),
            );
            e.current_revision = Some(cur);
            Err(e)
        }
    }
}
