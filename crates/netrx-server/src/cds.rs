//! The CDS Hooks 2.0 service (docs/fhir-cds-hooks.md):
//!
//! | method and path | what |
//! |---|---|
//! | `GET /cds-services` | discovery (no credential needed: it holds no patient data) |
//! | `POST /cds-services/netrx-net-options` | the `patient-view` hook: cards |
//! | `POST /cds-services/netrx-net-options/feedback` | accepted / overridden cards, stored and audited |
//!
//! Callers authenticate with `Authorization: Bearer <token>`: a netrx API token
//! of a clinician or pharmacist (`nrx_…`), or the CDS Hooks JWT signed by a
//! registered client (`netrx cds-client add ISS --jwks FILE`): asymmetric
//! algorithms only, `aud` = the URL called, `exp`, `iat` and a `jti` that is
//! accepted once. CORS is open (`*`, no cookies) so that browser-based CDS
//! clients such as the CDS Hooks sandbox can call the service.
//!
//! The cards come from `netrx_clinical::fhir::cds` (the prefetch becomes a case
//! through the FHIR importer, then the same capability calls as everywhere).
//! The server adds each card's uuid, the link to the stored case matched by MRN,
//! and records the cards issued and every call in the audit trail.

use crate::api::{Body, json, params};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::{MAX_BODY_BYTES, Shared};
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use netrx_clinical::capability::Region;
use netrx_clinical::fhir::cds::{self, CdsOptions, SERVICE_ID};
use netrx_store::users::{self, Role};
use serde::Deserialize;
use serde_json::Value;

/// The routes (state applied).
pub fn router(state: Shared, request_timeout: std::time::Duration) -> Router {
    Router::new()
        .route("/cds-services", get(discovery).options(preflight))
        .route("/cds-services/{service}", post(invoke).options(preflight))
        .route("/cds-services/{service}/feedback", post(feedback).options(preflight))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            request_timeout,
        ))
        .layer(middleware::from_fn(cors))
        .layer(middleware::from_fn(crate::api::log_request))
        .with_state(state)
}

/// Open CORS for browser-based CDS clients (no cookies are read here, so `*` is safe).
async fn cors(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Authorization, Content-Type"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    res
}

async fn preflight() -> StatusCode {
    StatusCode::NO_CONTENT
}

/// `GET /cds-services`: the CDS Hooks discovery document.
#[utoipa::path(get, path = "/cds-services", tag = "cds-hooks", operation_id = "cds_discovery",
    responses(
        (status = 200, body = Object, description = "The CDS Hooks 2.0 discovery document: { services: [ { hook: \
            \"patient-view\", id: \"netrx-net-options\", title, description, prefetch, usageRequirements } ] }. \
            No credential needed (it holds no patient data); CORS open"),
        (status = 400, body = ErrorBody, description = "A query parameter was given (none are allowed)"),
    ))]
pub async fn discovery(uri: Uri) -> ApiResult {
    params(&uri, &[])?;
    Ok(json(StatusCode::OK, &cds::discovery()))
}

/// Who is calling the CDS service.
#[derive(Debug, Clone)]
pub struct Caller {
    /// For the audit trail and the stored cards: the username, or `cds:<iss>`.
    pub name: String,
    /// The remote address.
    pub remote: String,
}

impl Caller {
    fn audit(&self, action: &str, outcome: &str) -> netrx_store::audit::Entry {
        netrx_store::audit::Entry::new(Some(&self.name), action, outcome).remote(Some(&self.remote))
    }
}

fn unauthorized(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, Some("Authorization"), msg)
}

/// The algorithms a CDS client may sign with (asymmetric only; `none` and HMAC are refused).
const ALGORITHMS: &[Algorithm] = &[
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
];

#[derive(Deserialize)]
struct Claims {
    iss: String,
    exp: i64,
    #[serde(default)]
    jti: Option<String>,
    #[serde(default)]
    iat: Option<i64>,
}

/// The URLs a JWT's `aud` may name for this request: the URL called, as http or https.
fn audiences(parts: &Parts) -> Vec<String> {
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let path = parts.uri.path().trim_end_matches('/');
    ["http", "https"]
        .iter()
        .flat_map(|s| [format!("{s}://{host}{path}"), format!("{s}://{host}{path}/")])
        .collect()
}

async fn verify_jwt(state: &Shared, parts: &Parts, token: &str) -> Result<String, ApiError> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| {
        unauthorized(format!(
            "the bearer token is not a netrx token and not a readable JWT ({e})"
        ))
    })?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(unauthorized(format!(
            "JWT algorithm {:?} refused; allowed: ES256, ES384, RS256, RS384, RS512, PS256, PS384, PS512 (CDS Hooks: asymmetric keys only)",
            header.alg
        )));
    }
    let unverified: Claims = jsonwebtoken::dangerous::insecure_decode_claims(token)
        .map_err(|e| unauthorized(format!("the JWT has no readable iss/exp claims ({e})")))?;
    let iss = unverified.iss.clone();
    let iss2 = iss.clone();
    let client = state.read(move |c| netrx_store::cds::client(c, &iss2)).await?;
    let client = match client {
        Some(c) if c.disabled_at.is_none() => c,
        Some(_) => return Err(unauthorized(format!("the CDS client {iss:?} is disabled"))),
        None => {
            return Err(unauthorized(format!(
                "no CDS client {iss:?} is registered; allowed: a client registered with 'netrx cds-client add ISS --jwks FILE', or a netrx bearer token"
            )));
        }
    };
    let set: JwkSet = serde_json::from_str(&client.jwks)
        .map_err(|e| ApiError::internal("reading the client's registered keys", e))?;
    let jwk = match &header.kid {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
    .ok_or_else(|| {
        unauthorized(format!(
            "no registered key of {iss:?} matches the JWT's kid {:?}; register the client's current JWKS again",
            header.kid
        ))
    })?;
    let key =
        DecodingKey::from_jwk(jwk).map_err(|e| unauthorized(format!("the registered key cannot be used: {e}")))?;
    let mut v = Validation::new(header.alg);
    v.set_issuer(&[&iss]);
    v.set_audience(&audiences(parts));
    v.set_required_spec_claims(&["exp", "iss", "aud"]);
    v.leeway = 60;
    let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| {
        unauthorized(format!(
            "JWT refused: {e} (aud must be the URL called, e.g. {})",
            audiences(parts)[1]
        ))
    })?;
    let claims = data.claims;
    let now = netrx_store::time::now_millis() / 1000;
    if claims.iat.is_some_and(|t| t > now + 60) {
        return Err(unauthorized("JWT refused: issued in the future (iat)"));
    }
    let Some(jti) = claims.jti.filter(|j| !j.is_empty()) else {
        return Err(unauthorized(
            "JWT refused: no jti (CDS Hooks requires a unique jti per call)",
        ));
    };
    let (iss3, exp) = (iss.clone(), claims.exp);
    let fresh = state
        .write(move |c| netrx_store::cds::use_jti(c, &iss3, &jti, exp, now))
        .await?;
    if !fresh {
        return Err(unauthorized("JWT refused: its jti was used before (replay)"));
    }
    Ok(format!("cds:{iss}"))
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Self::Rejection> {
        let remote = crate::auth::remote(parts);
        let raw = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let token = match raw.and_then(|v| v.split_once(' ')) {
            Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") && !t.trim().is_empty() => t.trim().to_string(),
            _ => {
                return Err(unauthorized(
                    "missing or malformed Authorization; allowed: 'Bearer <netrx token>' or 'Bearer <CDS Hooks JWT of a registered client>'",
                ));
            }
        };
        if token.starts_with("nrx_") {
            let t = token.clone();
            let user = state.read(move |c| users::by_token(c, &t)).await?;
            let user = user.ok_or_else(|| unauthorized("unknown, revoked or disabled bearer token"))?;
            if !matches!(user.role, Role::Clinician | Role::Pharmacist) {
                let e =
                    netrx_store::audit::Entry::new(Some(&user.username), "cds.invoke", "denied").remote(Some(&remote));
                let _ = state.write(move |c| netrx_store::audit::append(c, &e)).await;
                return Err(ApiError::forbidden(
                    user.role.as_str(),
                    "use the CDS service (clinician or pharmacist only)",
                ));
            }
            return Ok(Caller {
                name: user.username,
                remote,
            });
        }
        let name = verify_jwt(state, parts, &token).await?;
        Ok(Caller { name, remote })
    }
}

fn check_service(service: &str) -> ApiResult<()> {
    if service == SERVICE_ID {
        Ok(())
    } else {
        Err(ApiError::not_found(
            "service",
            format!("no CDS service {service:?}; allowed: {SERVICE_ID:?} (see GET /cds-services)"),
        ))
    }
}

/// A random version-4 UUID.
pub fn uuid_v4() -> ApiResult<String> {
    let hex = netrx_store::auth::random_hex(16).map_err(|e| ApiError::internal("generating a card uuid", e))?;
    let mut b: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap_or(0))
        .collect();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = netrx_store::auth::hex(&b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// The base URL the caller reached this server at (for links in cards).
fn base_url(headers: &HeaderMap, secure: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|p| *p == "https" || *p == "http")
        .unwrap_or(if secure { "https" } else { "http" });
    format!("{proto}://{host}")
}

/// `POST /cds-services/{service}`: the `patient-view` hook; answers with cards.
#[utoipa::path(post, path = "/cds-services/{service}", tag = "cds-hooks", operation_id = "cds_invoke",
    params(("service" = String, Path, description = "The service id (see the enum and GET /cds-services)")),
    security(("bearer" = []), ("cdsJwt" = [])),
    request_body(content = Object, content_type = "application/json", description = "A CDS Hooks 2.0 request: \
        hook \"patient-view\", hookInstance, context { patientId, userId }, and the prefetch (patient, conditions, \
        ki67, medications: FHIR R4 resources or Bundles) — the service does not query the FHIR server. At most \
        1 MiB."),
    responses(
        (status = 200, body = Object, description = "A CDS Hooks response { cards: [ { uuid, summary, detail, \
            indicator, source { label, url }, links } ] } (no systemActions); no cards for a patient without a \
            neuroendocrine neoplasm"),
        (status = 400, body = ErrorBody, description = "Malformed request (field names the member: hook, \
            hookInstance, context.patientId, prefetch...) or a query parameter"),
        (status = 401, body = ErrorBody, description = "Missing or malformed Authorization, unknown or revoked \
            netrx token, or a refused JWT (unregistered or disabled iss, unknown kid, symmetric algorithm, wrong \
            aud, expired, no or replayed jti)"),
        (status = 403, body = ErrorBody, description = "A netrx token of a role other than clinician or pharmacist"),
        (status = 404, body = ErrorBody, description = "No such service"),
        (status = 412, body = Object, description = "A FHIR R4 OperationOutcome: required prefetch is missing"),
        (status = 413, body = ErrorBody, description = "The body is larger than 1 MiB"),
    ))]
pub async fn invoke(
    State(st): State<Shared>,
    caller: Caller,
    Path(service): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Body(text): Body,
) -> ApiResult {
    params(&uri, &[])?;
    check_service(&service)?;
    let req = match cds::parse_request(&text) {
        Ok(r) => r,
        Err(e) => {
            let entry = caller.audit("cds.invoke", "invalid").detail(e.field.clone());
            st.write(move |c| netrx_store::audit::append(c, &entry)).await?;
            return Err(e.into());
        }
    };
    let matched = match cds::mrn(&req, st.kb) {
        Some(m) => st.read(move |c| netrx_store::cds::cases_by_mrn(c, &m)).await?,
        None => vec![],
    };
    let base = base_url(&headers, st.cookie_secure);
    let case_link = matched.first().map(|id| (id.clone(), format!("{base}/cases/{id}")));
    let opts = CdsOptions {
        today: crate::fhir::today(),
        region: Region::Us,
        case_link,
    };
    let mut res = match cds::cards(&req, st.kb, &opts) {
        Ok(r) => r,
        Err(missing) => {
            let entry = caller.audit("cds.invoke", "invalid").detail("prefetch missing");
            st.write(move |c| netrx_store::audit::append(c, &entry)).await?;
            return Ok(json(StatusCode::PRECONDITION_FAILED, &missing.outcome));
        }
    };
    let mut issued = Vec::new();
    for card in &mut res.cards {
        let uuid = uuid_v4()?;
        card.uuid = Some(uuid.clone());
        issued.push(netrx_store::cds::IssuedCard {
            uuid,
            service: SERVICE_ID.into(),
            hook_instance: req.hook_instance.clone(),
            kind: card.kind.clone(),
            indicator: card.indicator.clone(),
            summary: card.summary.clone(),
            case_id: matched.first().cloned(),
            client: caller.name.clone(),
        });
    }
    let entry = caller
        .audit("cds.invoke", "ok")
        .case(matched.first().map(String::as_str), None)
        .detail(format!("{SERVICE_ID}: {} card(s)", issued.len()));
    st.write(move |c| {
        netrx_store::cds::record_cards(c, &issued)?;
        netrx_store::audit::append(c, &entry)
    })
    .await?;
    Ok(json(StatusCode::OK, &res))
}

/// One feedback item as CDS Hooks 2.0 sends it.
struct Item {
    card: String,
    outcome: String,
    accepted: Option<String>,
    override_reason: Option<String>,
    timestamp: String,
}

fn parse_feedback(text: &str) -> Result<Vec<Item>, ApiError> {
    let v: Value =
        serde_json::from_str(text).map_err(|e| ApiError::bad(netrx_case::DOCUMENT, format!("malformed JSON: {e}")))?;
    let list = v
        .get("feedback")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| {
            ApiError::bad(
                "feedback",
                "missing or empty; allowed: a non-empty array of feedback items",
            )
        })?;
    let mut out = Vec::new();
    for (i, f) in list.iter().enumerate() {
        let field = |k: &str| format!("feedback[{i}].{k}");
        let s = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
        let card = s("card")
            .ok_or_else(|| ApiError::bad(&field("card"), "missing; allowed: the uuid of a card netrx issued"))?;
        let outcome = match s("outcome").as_deref() {
            Some(o @ ("accepted" | "overridden")) => o.to_string(),
            Some(o) => {
                return Err(ApiError::bad(
                    &field("outcome"),
                    format!("got {o:?}; allowed: accepted, overridden"),
                ));
            }
            None => {
                return Err(ApiError::bad(
                    &field("outcome"),
                    "missing; allowed: accepted, overridden",
                ));
            }
        };
        let timestamp = s("outcomeTimestamp")
            .filter(|t| t.parse::<netrx_case::DateTime>().is_ok())
            .ok_or_else(|| ApiError::bad(&field("outcomeTimestamp"), "missing or not an RFC 3339 date-time"))?;
        let accepted = f.get("acceptedSuggestions").map(Value::to_string);
        let override_reason = f.get("overrideReason").map(Value::to_string);
        if outcome == "accepted" && override_reason.is_some() {
            return Err(ApiError::bad(
                &field("overrideReason"),
                "given with outcome accepted; allowed: an override reason only with outcome overridden",
            ));
        }
        out.push(Item {
            card,
            outcome,
            accepted,
            override_reason,
            timestamp,
        });
    }
    Ok(out)
}

/// The answer to feedback.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = CdsFeedbackRecorded)]
pub struct Recorded {
    /// The number of feedback items stored.
    pub recorded: usize,
}

/// `POST /cds-services/{service}/feedback`: accepted or overridden cards, stored and audited.
#[utoipa::path(post, path = "/cds-services/{service}/feedback", tag = "cds-hooks",
    operation_id = "cds_feedback",
    params(("service" = String, Path, description = "The service id (see the enum and GET /cds-services)")),
    security(("bearer" = []), ("cdsJwt" = [])),
    request_body(content = Object, content_type = "application/json", description = "CDS Hooks 2.0 feedback: \
        { feedback: [ { card: <uuid of a card netrx issued>, outcome: \"accepted\" | \"overridden\", \
        outcomeTimestamp: <RFC 3339>, acceptedSuggestions?, overrideReason? (only with overridden) } ] }, \
        non-empty; all items are stored or none."),
    responses(
        (status = 200, body = Recorded, description = "All items stored (and audited)"),
        (status = 400, body = ErrorBody, description = "Malformed feedback (field feedback[i].<member>), a card \
            uuid netrx did not issue (field feedback[i].card), or a query parameter"),
        (status = 401, body = ErrorBody, description = "As for the service call"),
        (status = 403, body = ErrorBody, description = "A netrx token of a role other than clinician or pharmacist"),
        (status = 404, body = ErrorBody, description = "No such service"),
        (status = 413, body = ErrorBody, description = "The body is larger than 1 MiB"),
    ))]
pub async fn feedback(
    State(st): State<Shared>,
    caller: Caller,
    Path(service): Path<String>,
    uri: Uri,
    Body(text): Body,
) -> ApiResult {
    params(&uri, &[])?;
    check_service(&service)?;
    let items = parse_feedback(&text)?;
    let n = items.len();
    let c2 = caller.clone();
    // Check every card and store all items (with their audit rows) in one transaction, or none.
    let r = st
        .write(move |c| {
            let mut cases = Vec::new();
            for (i, it) in items.iter().enumerate() {
                match netrx_store::cds::card(c, &it.card, SERVICE_ID)? {
                    Some((_, case_id)) => cases.push(case_id),
                    None => return Ok(Err(i)),
                }
            }
            let rows: Vec<netrx_store::cds::Feedback> = items
                .iter()
                .map(|it| netrx_store::cds::Feedback {
                    card_uuid: it.card.clone(),
                    outcome: it.outcome.clone(),
                    accepted_suggestions: it.accepted.clone(),
                    override_reason: it.override_reason.clone(),
                    outcome_timestamp: it.timestamp.clone(),
                    client: c2.name.clone(),
                })
                .collect();
            netrx_store::cds::record_feedback(c, &rows)?;
            for (it, case_id) in items.iter().zip(cases) {
                let e = c2
                    .audit("cds.feedback", "ok")
                    .case(case_id.as_deref(), None)
                    .detail(format!("card {}: {}", it.card, it.outcome));
                netrx_store::audit::append(c, &e)?;
            }
            Ok(Ok(()))
        })
        .await?;
    match r {
        Ok(()) => Ok(json(StatusCode::OK, &Recorded { recorded: n })),
        Err(i) => {
            let entry = caller
                .audit("cds.feedback", "not_found")
                .detail(format!("feedback[{i}].card"));
            st.write(move |c| netrx_store::audit::append(c, &entry)).await?;
            Err(ApiError::bad(
                &format!("feedback[{i}].card"),
                format!(
                    "no card with this uuid was issued by {SERVICE_ID}; allowed: the uuid of a card netrx answered with"
                ),
            ))
        }
    }
}

/// Check a JWK Set before it is registered: JSON, at least one key, every key
/// public and asymmetric (RSA, EC or OKP) and usable. Returns the number of keys.
pub fn check_jwks(text: &str) -> Result<usize, String> {
    let raw: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let keys = raw
        .get("keys")
        .and_then(Value::as_array)
        .filter(|k| !k.is_empty())
        .ok_or("no \"keys\" array with at least one key; allowed: a JWK Set {\"keys\": [...]}")?;
    for (i, k) in keys.iter().enumerate() {
        if k.get("d").is_some() || k.get("p").is_some() {
            return Err(format!(
                "keys[{i}] holds a private key; allowed: the client's public keys only"
            ));
        }
        match k.get("kty").and_then(Value::as_str) {
            Some("RSA" | "EC" | "OKP") => {}
            Some(t) => {
                return Err(format!(
                    "keys[{i}].kty {t:?}; allowed: RSA, EC, OKP (asymmetric keys only)"
                ));
            }
            None => return Err(format!("keys[{i}] has no kty")),
        }
    }
    let set: JwkSet = serde_json::from_value(raw.clone()).map_err(|e| format!("not a JWK Set: {e}"))?;
    for (i, k) in set.keys.iter().enumerate() {
        DecodingKey::from_jwk(k).map_err(|e| format!("keys[{i}] cannot be used: {e}"))?;
    }
    Ok(set.keys.len())
}
