//! `/cases` (list, search, filters), `/cases/new` and `/cases/{id}/edit` (the case editor).
//!
//! The list is the API's list (`api::cases::list`: same filters, same checks, same audit
//! entry); saving goes through the API's `create` / `update` handlers, so a form save and
//! a `POST`/`PUT /api/v1/cases` store the same thing, refuse the same input and write the
//! same audit entries — and a save made from a stale page is refused by the same
//! `If-Match` revision check (412), shown as a clear message with the user's edits kept.

use super::form::{self, CaseForm, FieldError, Kind};
use super::session::{Page, field, parse_form};
use super::view::{when, words};
use super::{Chrome, api_error_page, error_page, render};
use crate::Shared;
use crate::api::Body;
use crate::api::cases::{CaseList, Which, check_id, deny, read_audited};
use crate::error::ApiError;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use netrx_case::PrimarySite;
use netrx_kb::Kb;

/// Cases per page of the list.
pub const PAGE_SIZE: i64 = 50;

/// A row of the case list.
pub struct ListRow {
    /// Case id.
    pub id: String,
    /// Primary site, as words.
    pub site: String,
    /// Grade.
    pub grade: String,
    /// Latest revision.
    pub revision: i64,
    /// Last change (UTC).
    pub updated: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct ListPage {
    chrome: Chrome,
    q: String,
    site: String,
    grade: String,
    sites: Vec<(String, String)>,
    rows: Vec<ListRow>,
    error: Option<FieldError>,
    filtered: bool,
    offset: i64,
    prev: Option<String>,
    next: Option<String>,
    deidentified: bool,
}

impl ListPage {
    fn is_grade(&self, g: &str) -> bool {
        self.grade == g
    }
}

fn query(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default()
}

fn qget<'a>(q: &'a [(String, String)], k: &str) -> &'a str {
    q.iter().find(|(a, _)| a == k).map(|(_, v)| v.trim()).unwrap_or("")
}

/// `GET /cases`: the list, searched and filtered through the API's list.
pub async fn list(State(st): State<Shared>, page: Page, uri: Uri) -> Response {
    let chrome = Chrome::new(&st, &page, "Cases", "cases");
    let q = query(&uri);
    let (text, site, grade) = (qget(&q, "q"), qget(&q, "site"), qget(&q, "grade"));
    let offset: i64 = qget(&q, "offset").parse().unwrap_or(0).max(0);
    let mut api_q: Vec<(&str, String)> = vec![("limit", PAGE_SIZE.to_string()), ("offset", offset.to_string())];
    for (k, v) in [("id", text), ("site", site), ("grade", grade)] {
        if !v.is_empty() {
            api_q.push((k, v.to_string()));
        }
    }
    let api_uri: Uri = format!(
        "/api/v1/cases?{}",
        serde_urlencoded::to_string(&api_q).unwrap_or_default()
    )
    .parse()
    .unwrap_or(Uri::from_static("/api/v1/cases"));
    let result = crate::api::cases::list(State(st.clone()), page.p.clone(), api_uri).await;
    let (rows, next_offset, error) = match result {
        Ok(r) => {
            let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            match serde_json::from_slice::<CaseList>(&bytes) {
                Ok(l) => (
                    l.cases
                        .into_iter()
                        .map(|c| ListRow {
                            site: c.primary_site.as_deref().map(words).unwrap_or_default(),
                            grade: c.grade.unwrap_or_else(|| "–".into()),
                            revision: c.revision,
                            updated: when(&c.updated_at),
                            id: c.id,
                        })
                        .collect(),
                    l.next_offset,
                    None,
                ),
                Err(e) => return api_error_page(&ApiError::internal("reading the case list", e), Some(chrome)),
            }
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let field = match e.field.as_deref() {
                Some("id") => "q",
                Some(f) => f,
                None => "q",
            }
            .to_string();
            (
                Vec::new(),
                None,
                Some(FieldError {
                    path: field.clone(),
                    field,
                    message: e.message.clone(),
                }),
            )
        }
        Err(e) => return api_error_page(&e, Some(chrome)),
    };
    let link = |off: i64| {
        let mut v: Vec<(&str, String)> = vec![];
        for (k, x) in [("q", text), ("site", site), ("grade", grade)] {
            if !x.is_empty() {
                v.push((k, x.to_string()));
            }
        }
        if off > 0 {
            v.push(("offset", off.to_string()));
        }
        format!("/cases?{}", serde_urlencoded::to_string(&v).unwrap_or_default())
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render(
        status,
        &ListPage {
            deidentified: !page.p.role().writes_cases(),
            chrome,
            q: text.to_string(),
            site: site.to_string(),
            grade: grade.to_string(),
            sites: PrimarySite::ALL
                .iter()
                .map(|s| (s.id().to_string(), words(s.id())))
                .collect(),
            rows,
            error,
            filtered: !(text.is_empty() && site.is_empty() && grade.is_empty()),
            offset,
            prev: (offset > 0).then(|| link((offset - PAGE_SIZE).max(0))),
            next: next_offset.map(link),
        },
    )
}

/// Suggestions offered in the editor (from the knowledge base; not a check).
pub struct Suggestions {
    /// Agent ids and names (prior therapies).
    pub agents: Vec<(String, String)>,
    /// Lab test ids.
    pub tests: Vec<(String, String)>,
    /// Lab units.
    pub units: Vec<String>,
    /// CTCAE terms.
    pub terms: Vec<(String, String)>,
}

impl Suggestions {
    fn of(kb: &Kb) -> Suggestions {
        let mut units: Vec<String> = kb
            .units
            .test
            .iter()
            .flat_map(|t| t.unit.iter().map(|u| u.id.clone()))
            .collect();
        units.sort();
        units.dedup();
        Suggestions {
            agents: kb
                .agents
                .agents
                .iter()
                .filter(|a| a.kind != netrx_kb::agents::AgentKind::Control)
                .map(|a| (a.id.clone(), a.name.clone()))
                .collect(),
            tests: kb.units.test.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
            units,
            terms: kb.ctcae.term.iter().map(|t| (t.id.clone(), t.name.clone())).collect(),
        }
    }
}

/// What the editor shows after an attempted save that was refused because the case changed.
pub struct Conflict {
    /// The revision the user edited.
    pub edited: i64,
    /// The current revision.
    pub current: i64,
    /// Who stored it, when.
    pub by: String,
}

#[derive(Template)]
#[template(path = "case_form.html")]
struct FormPage {
    chrome: Chrome,
    /// `None` for a new case.
    id: Option<String>,
    /// The revision edited (hidden field; sent as If-Match).
    revision: i64,
    /// "form" or "json".
    mode: &'static str,
    form: CaseForm,
    json: String,
    errors: Vec<FieldError>,
    conflict: Option<Conflict>,
    suggest: Suggestions,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/cases/{id}/edit"),
            None => "/cases/new".into(),
        }
    }

    fn err(&self, name: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == name).map(|e| e.message.as_str())
    }

    fn errs_under(&self, prefix: &str) -> Vec<&FieldError> {
        self.errors
            .iter()
            .filter(|e| e.field == prefix || e.field.starts_with(&format!("{prefix}[")))
            .filter(|e| !e.field.contains("]."))
            .collect()
    }

    fn doc_errors(&self) -> Vec<&FieldError> {
        self.errors
            .iter()
            .filter(|e| e.field == netrx_case::DOCUMENT || form::GROUPS.contains(&e.field.as_str()))
            .collect()
    }

    /// The label of an input on the form.
    fn label(&self, name: &str) -> &'static str {
        form::any_spec(name).map(|s| s.label).unwrap_or("")
    }

    /// How an error's input is named in the summary.
    fn error_label(&self, name: &str) -> String {
        form::label_of(name)
    }

    fn unit(&self, name: &str) -> &'static str {
        form::any_spec(name).map(|s| s.unit).unwrap_or("")
    }

    fn col_label(&self, list: &str, col: &str) -> &'static str {
        form::any_spec(&format!("{list}.{col}")).map(|s| s.label).unwrap_or("")
    }

    fn invalid(&self, name: &str) -> bool {
        self.err(name).is_some()
    }

    fn options(&self, name: &str) -> Vec<(String, String)> {
        let kind = form::any_spec(name).map(|s| s.kind).unwrap_or(Kind::Text);
        match kind {
            Kind::Choice(f) | Kind::Multi(f) => f().into_iter().map(|x| (x.to_string(), words(x))).collect(),
            _ => Vec::new(),
        }
    }

    fn rows(&self, list: &str) -> Vec<usize> {
        (0..self.form.row_count(list)).collect()
    }

    fn cell_name(&self, list: &str, i: &usize, col: &str) -> String {
        format!("{list}[{i}].{col}")
    }
}

fn suggest(st: &Shared) -> Suggestions {
    Suggestions::of(st.kb)
}

fn writes_or_403(page: &Page, chrome: &Chrome, id: Option<&str>) -> Result<(), Response> {
    if page.p.role().writes_cases() {
        return Ok(());
    }
    let msg = match id {
        Some(id) => format!(
            "The {} role may not create or change cases. You can open the tumour-board view at /cases/{id}.",
            page.p.role().as_str()
        ),
        None => format!("The {} role may not create or change cases.", page.p.role().as_str()),
    };
    Err(error_page(
        StatusCode::FORBIDDEN,
        "Not allowed",
        &msg,
        Some(chrome.clone()),
    ))
}

/// A case-file skeleton for the JSON view of a new case.
const NEW_CASE_JSON: &str = "{\n  \"id\": \"\",\n  \"patient\": { \"age_years\": null, \"sex\": \"unknown\" },\n  \"tumor\": { \"primary_site\": \"pancreas\", \"differentiation\": \"well\" }\n}\n";

/// `GET /cases/new`: an empty editor (`?view=json` for the JSON view).
pub async fn new_page(State(st): State<Shared>, page: Page, uri: Uri) -> Response {
    let chrome = Chrome::new(&st, &page, "New case", "new");
    if let Err(r) = writes_or_403(&page, &chrome, None) {
        let _ = deny(&st, &page.p, "case.create", None, "create or change cases").await;
        return r;
    }
    let json_view = qget(&query(&uri), "view") == "json";
    render(
        StatusCode::OK,
        &FormPage {
            chrome,
            id: None,
            revision: 0,
            mode: if json_view { "json" } else { "form" },
            form: CaseForm::blank(),
            json: NEW_CASE_JSON.into(),
            errors: Vec::new(),
            conflict: None,
            suggest: suggest(&st),
        },
    )
}

/// `GET /cases/{id}/edit`: the editor on the latest revision.
pub async fn edit_page(State(st): State<Shared>, page: Page, Path(id): Path<String>, uri: Uri) -> Response {
    let chrome = Chrome::new(&st, &page, format!("Edit {id}"), "cases");
    if let Err(e) = check_id(&id) {
        return api_error_page(&e, Some(chrome));
    }
    if let Err(r) = writes_or_403(&page, &chrome, Some(&id)) {
        let _ = deny(&st, &page.p, "case.read", Some(&id), "create or change cases").await;
        return r;
    }
    let (rev, body) = match read_audited(&st, &page.p, "case.read", &id, Which::Latest, Some("edit form".into())).await
    {
        Ok(x) => x,
        Err(e) => return api_error_page(&e, Some(chrome)),
    };
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let json_view = qget(&query(&uri), "view") == "json";
    render(
        StatusCode::OK,
        &FormPage {
            chrome,
            id: Some(id),
            revision: rev,
            mode: if json_view { "json" } else { "form" },
            form: CaseForm::from_case(&v),
            json: serde_json::to_string_pretty(&v).unwrap_or(body),
            errors: Vec::new(),
            conflict: None,
            suggest: suggest(&st),
        },
    )
}

/// What a posted editor holds.
struct Posted {
    mode: &'static str,
    action: String,
    form: CaseForm,
    json: String,
}

fn posted(pairs: &[(String, String)]) -> Posted {
    let mode = if field(pairs, "mode") == Some("json") {
        "json"
    } else {
        "form"
    };
    Posted {
        mode,
        action: field(pairs, "action").unwrap_or("save").to_string(),
        form: CaseForm::from_post(pairs),
        json: field(pairs, "case_json").unwrap_or("").to_string(),
    }
}

/// Check the posted editor. Returns the case file text to store, or the page to show again
/// (errors, or the other view when the user switched between form and JSON).
fn prepare(st: &Shared, p: Posted) -> Result<String, (StatusCode, &'static str, CaseForm, String, Vec<FieldError>)> {
    let kb = st.kb;
    match (p.mode, p.action.as_str()) {
        ("form", "to_json") => {
            let (json, errors, _) = p.form.to_json();
            if errors.is_empty() {
                let text = serde_json::to_string_pretty(&json).unwrap_or_default();
                Err((StatusCode::OK, "json", p.form, text, Vec::new()))
            } else {
                Err((StatusCode::BAD_REQUEST, "form", p.form, p.json, errors))
            }
        }
        ("json", "to_form") => match serde_json::from_str::<serde_json::Value>(&p.json) {
            Ok(v) if v.is_object() => Err((StatusCode::OK, "form", CaseForm::from_case(&v), p.json, Vec::new())),
            _ => {
                let errors = form::check_json(&p.json, kb);
                Err((StatusCode::BAD_REQUEST, "json", p.form, p.json, errors))
            }
        },
        ("json", _) => {
            let errors = form::check_json(&p.json, kb);
            if errors.is_empty() {
                Ok(p.json)
            } else {
                Err((StatusCode::BAD_REQUEST, "json", p.form, p.json, errors))
            }
        }
        (_, _) => {
            let (json, errors) = form::check(&p.form, kb);
            if errors.is_empty() {
                Ok(json.to_string())
            } else {
                Err((StatusCode::BAD_REQUEST, "form", p.form, p.json, errors))
            }
        }
    }
}

/// Place an error the API gave on save (it should have been caught before; the API is the
/// last word) next to the right input.
fn placed_api_error(e: &ApiError, mode: &str, form: &CaseForm) -> FieldError {
    let ie = netrx_case::InputError::new(
        e.field.clone().unwrap_or_else(|| netrx_case::DOCUMENT.into()),
        e.message.clone(),
    );
    if mode == "form" {
        let (_, _, index) = form.to_json();
        form::place(&ie, &index)
    } else {
        FieldError {
            field: netrx_case::DOCUMENT.into(),
            path: ie.field,
            message: ie.message,
        }
    }
}

/// `POST /cases/new`: check and store a new case through `api::cases::create`.
pub async fn create(State(st): State<Shared>, page: Page, headers: HeaderMap, Body(body): Body) -> Response {
    let chrome = Chrome::new(&st, &page, "New case", "new");
    let pairs = match parse_form(&body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = page.check_post(&headers, &pairs) {
        return r;
    }
    if let Err(r) = writes_or_403(&page, &chrome, None) {
        let _ = deny(&st, &page.p, "case.create", None, "create or change cases").await;
        return r;
    }
    let p = posted(&pairs);
    let mode = p.mode;
    let form_copy = p.form.clone();
    let again = |status, mode, form, json, errors| {
        render(
            status,
            &FormPage {
                chrome: chrome.clone(),
                id: None,
                revision: 0,
                mode,
                form,
                json,
                errors,
                conflict: None,
                suggest: suggest(&st),
            },
        )
    };
    let text = match prepare(&st, p) {
        Ok(t) => t,
        Err((status, mode, form, json, errors)) => return again(status, mode, form, json, errors),
    };
    let uri = Uri::from_static("/api/v1/cases");
    match crate::api::cases::create(State(st.clone()), page.p.clone(), uri, Body(text.clone())).await {
        Ok(r) => {
            let id = netrx_case::from_json::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_string))
                .unwrap_or_default();
            let rev = r
                .headers()
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim_matches('"').to_string())
                .unwrap_or_else(|| "1".into());
            Redirect::to(&format!("/cases/{id}?saved={rev}")).into_response()
        }
        Err(e) if e.status == StatusCode::CONFLICT || e.status == StatusCode::BAD_REQUEST => {
            let fe = placed_api_error(&e, mode, &form_copy);
            let json = if mode == "json" { text } else { String::new() };
            again(e.status, mode, form_copy, json, vec![fe])
        }
        Err(e) => api_error_page(&e, Some(chrome.clone())),
    }
}

/// `POST /cases/{id}/edit`: check and store a new revision through `api::cases::update`,
/// with `If-Match` set to the revision the form was opened on.
pub async fn save(
    State(st): State<Shared>,
    page: Page,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> Response {
    let chrome = Chrome::new(&st, &page, format!("Edit {id}"), "cases");
    if let Err(e) = check_id(&id) {
        return api_error_page(&e, Some(chrome));
    }
    let pairs = match parse_form(&body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Err(r) = page.check_post(&headers, &pairs) {
        return r;
    }
    if let Err(r) = writes_or_403(&page, &chrome, Some(&id)) {
        let _ = deny(&st, &page.p, "case.update", Some(&id), "create or change cases").await;
        return r;
    }
    let revision: i64 = field(&pairs, "revision").and_then(|r| r.parse().ok()).unwrap_or(0);
    let p = posted(&pairs);
    let mode = p.mode;
    let form_copy = p.form.clone();
    let again = |status, mode, form, json, errors, conflict| {
        render(
            status,
            &FormPage {
                chrome: chrome.clone(),
                id: Some(id.clone()),
                revision,
                mode,
                form,
                json,
                errors,
                conflict,
                suggest: suggest(&st),
            },
        )
    };
    let text = match prepare(&st, p) {
        Ok(t) => t,
        Err((status, mode, form, json, errors)) => return again(status, mode, form, json, errors, None),
    };
    let mut h = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&format!("\"{revision}\"")) {
        h.insert(header::IF_MATCH, v);
    }
    let uri: Uri = format!("/api/v1/cases/{id}")
        .parse()
        .unwrap_or(Uri::from_static("/api/v1/cases"));
    let result = crate::api::cases::update(
        State(st.clone()),
        page.p.clone(),
        Path(id.clone()),
        uri,
        h,
        Body(text.clone()),
    )
    .await;
    let json_back = if mode == "json" { text } else { String::new() };
    match result {
        Ok(r) => {
            let rev = r
                .headers()
                .get(header::ETAG)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim_matches('"').to_string())
                .unwrap_or_default();
            Redirect::to(&format!("/cases/{id}?saved={rev}")).into_response()
        }
        Err(e) if e.status == StatusCode::PRECONDITION_FAILED => {
            let current = e.current_revision.unwrap_or(0);
            let id2 = id.clone();
            let by = st
                .read(move |c| netrx_store::cases::revisions(c, &id2))
                .await
                .ok()
                .and_then(|v| v.into_iter().find(|r| r.revision == current))
                .map(|r| format!("{} at {}", r.user, when(&r.created_at)))
                .unwrap_or_else(|| "another user".into());
            let conflict = Conflict {
                edited: revision,
                current,
                by,
            };
            again(
                StatusCode::PRECONDITION_FAILED,
                mode,
                form_copy,
                json_back,
                Vec::new(),
                Some(conflict),
            )
        }
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let fe = placed_api_error(&e, mode, &form_copy);
            again(StatusCode::BAD_REQUEST, mode, form_copy, json_back, vec![fe], None)
        }
        Err(e) => api_error_page(&e, Some(chrome.clone())),
    }
}
