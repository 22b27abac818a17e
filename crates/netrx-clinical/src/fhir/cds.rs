//! The CDS Hooks 2.0 `patient-view` service `netrx-net-options` (pure part):
//! the discovery document, the request checks, and the cards built from the
//! prefetched FHIR resources — a summary of classification and options, and
//! everolimus interaction warnings — each with its source. The server adds
//! card uuids, the link to a stored case, authentication and storage.
//!
//! The cards are computed by the same calls as every other answer: the
//! prefetch becomes a case through [`super::import`] (and so through
//! `load_case`), then `capability::evaluate` gives the assessment and the dose
//! advice. No `systemActions`: netrx never changes the record by itself.

use super::import::{Import, ImportFailure, ImportOptions, Resource, import_resources};
use super::outcome::{IssueType, OperationOutcome, Severity};
use super::read;
use crate::capability::{Capability, Options, evaluate};
use netrx_case::{Case, Date, InputError};
use netrx_kb::Kb;
use serde::Serialize;
use serde_json::{Value, json};

/// The service id (URL segment).
pub const SERVICE_ID: &str = "netrx-net-options";
/// The hook it answers.
pub const HOOK: &str = "patient-view";
/// A card's summary is shorter than this (CDS Hooks 2.0).
pub const SUMMARY_MAX: usize = 140;

/// The prefetch templates (key → FHIR query).
pub const PREFETCH: [(&str, &str); 4] = [
    ("patient", "Patient/{{context.patientId}}"),
    ("conditions", "Condition?patient={{context.patientId}}"),
    (
        "ki67",
        "Observation?patient={{context.patientId}}&code=http://loinc.org|29593-1",
    ),
    (
        "medications",
        "MedicationRequest?patient={{context.patientId}}&status=active",
    ),
];

/// The discovery document (`GET /cds-services`).
pub fn discovery() -> Value {
    let prefetch: serde_json::Map<String, Value> = PREFETCH
        .iter()
        .map(|(k, q)| (k.to_string(), Value::String(q.to_string())))
        .collect();
    json!({
        "services": [{
            "hook": HOOK,
            "id": SERVICE_ID,
            "title": "netrx: neuroendocrine tumour classification and treatment options",
            "description": "For a patient with a neuroendocrine neoplasm: the WHO/ENETS classification from the \
                coded pathology (Ki-67 LOINC 29593-1, morphology, primary site), the systemic treatment options with \
                their guideline position and evidence, and everolimus interaction warnings for the active \
                medications. Every card names its source; unverified knowledge is marked. Patients without a \
                neuroendocrine neoplasm get no cards.",
            "prefetch": prefetch,
            "usageRequirements": "Authenticate with a netrx bearer token (netrx user token NAME), or with a CDS \
                Hooks JWT from a client whose key is registered (netrx cds-client add ISS --jwks FILE). The \
                service does not query the FHIR server: send the prefetch."
        }]
    })
}

/// The parts of a CDS Hooks request netrx reads.
#[derive(Debug, Clone)]
pub struct Request {
    pub hook_instance: String,
    pub patient_id: String,
    pub user_id: Option<String>,
    /// The prefetch object (key → resource, Bundle, or null).
    pub prefetch: serde_json::Map<String, Value>,
}

/// Check a CDS Hooks request body for this service.
pub fn parse_request(text: &str) -> Result<Request, InputError> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| InputError::new(netrx_case::DOCUMENT, format!("malformed JSON: {e}")))?;
    let Some(obj) = v.as_object() else {
        return Err(InputError::invalid(
            netrx_case::DOCUMENT,
            "a non-object",
            "a CDS Hooks request object",
        ));
    };
    match obj.get("hook").and_then(Value::as_str) {
        Some(HOOK) => {}
        Some(h) => {
            return Err(InputError::invalid(
                "hook",
                format!("{h:?}"),
                format!("{HOOK:?} (this service's hook)"),
            ));
        }
        None => return Err(InputError::new("hook", format!("missing; allowed: {HOOK:?}"))),
    }
    let hook_instance = match obj.get("hookInstance").and_then(Value::as_str) {
        Some(h) if !h.trim().is_empty() && h.len() <= 128 => h.to_string(),
        Some(h) => {
            return Err(InputError::invalid(
                "hookInstance",
                format!("{h:?}"),
                "a UUID (1–128 characters)",
            ));
        }
        None => {
            return Err(InputError::new(
                "hookInstance",
                "missing; allowed: a UUID, unique per call",
            ));
        }
    };
    let ctx = obj
        .get("context")
        .and_then(Value::as_object)
        .ok_or_else(|| InputError::new("context", "missing; allowed: an object with patientId and userId"))?;
    let patient_id = ctx
        .get("patientId")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            InputError::new(
                "context.patientId",
                "missing; allowed: the FHIR id of the patient in view",
            )
        })?
        .to_string();
    let user_id = ctx.get("userId").and_then(Value::as_str).map(str::to_string);
    let prefetch = match obj.get("prefetch") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            return Err(InputError::invalid(
                "prefetch",
                "a non-object",
                "an object of prefetch key → resource",
            ));
        }
    };
    if obj.contains_key("fhirAuthorization") && !obj.contains_key("fhirServer") {
        return Err(InputError::new(
            "fhirServer",
            "missing while fhirAuthorization is given; allowed: the FHIR server's URL (CDS Hooks 2.0)",
        ));
    }
    Ok(Request {
        hook_instance,
        patient_id,
        user_id,
        prefetch,
    })
}

/// The MRN of the prefetched Patient (identifier of type MR), for matching a stored case.
pub fn mrn(req: &Request, kb: &Kb) -> Option<String> {
    let p = req.prefetch.get("patient")?;
    read::arr(p, "identifier").iter().find_map(|id| {
        let is_mrn = id.get("type").is_some_and(|t| {
            read::codings(t, "").iter().any(|c| {
                kb.fhir
                    .mrn
                    .type_codings
                    .iter()
                    .any(|m| m.system == c.system && m.code == c.code)
            })
        });
        if is_mrn {
            read::s(id, "value").map(str::to_string)
        } else {
            None
        }
    })
}

/// Data the service cannot work without is missing from the prefetch (HTTP 412).
#[derive(Debug, Clone)]
pub struct MissingPrefetch {
    pub outcome: OperationOutcome,
}

/// A link on a card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Link {
    pub label: String,
    pub url: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A card's source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CardSource {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A CDS Hooks card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Card {
    /// Set by the server (echoed in feedback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    pub summary: String,
    pub detail: String,
    /// info | warning | critical
    pub indicator: String,
    pub source: CardSource,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// What the card is about (stored with feedback; not sent).
    #[serde(skip)]
    pub kind: String,
}

/// The response body (no `systemActions`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Response {
    pub cards: Vec<Card>,
}

/// Options of a call.
#[derive(Debug, Clone)]
pub struct CdsOptions {
    pub today: Date,
    pub region: crate::capability::Region,
    /// A stored case of this patient (matched by MRN): (case id, absolute URL of its tumour-board view).
    pub case_link: Option<(String, String)>,
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() < max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(2)).collect();
    out = out.trim_end().to_string();
    out.push('…');
    out
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('*', "\\*").replace('_', "\\_")
}

type Listed<'a> = Vec<(String, Option<&'a str>, &'a Value)>;

fn prefetch_resources<'a>(req: &'a Request, out: &mut OperationOutcome) -> Result<Listed<'a>, MissingPrefetch> {
    let mut missing = Vec::new();
    for key in ["patient", "conditions"] {
        match req.prefetch.get(key) {
            None => missing.push(key),
            Some(Value::Null) if key == "patient" => missing.push(key),
            _ => {}
        }
    }
    if !missing.is_empty() {
        let mut o = OperationOutcome::default();
        for k in &missing {
            let q = PREFETCH.iter().find(|(p, _)| p == k).map(|(_, q)| *q).unwrap_or("");
            o.push(
                Severity::Error,
                IssueType::Required,
                format!("prefetch {k:?} is missing; netrx does not query the FHIR server: send it ({q})"),
                None,
                Some(format!("prefetch.{k}")),
            );
        }
        return Err(MissingPrefetch { outcome: o });
    }
    let mut list: Vec<(String, Option<&'a str>, &'a Value)> = Vec::new();
    for (key, _) in PREFETCH {
        match req.prefetch.get(key) {
            None => out.push(
                Severity::Warning,
                IssueType::Required,
                format!("prefetch {key:?} not sent: treated as unavailable"),
                None,
                Some(format!("prefetch.{key}")),
            ),
            Some(Value::Null) => {}
            Some(v) if v.get("resourceType").and_then(Value::as_str) == Some("Bundle") => {
                for (i, e) in read::arr(v, "entry").iter().enumerate() {
                    if let Some(r) = e.get("resource")
                        && r.get("resourceType").and_then(Value::as_str).is_some()
                    {
                        list.push((format!("prefetch.{key}.entry[{i}].resource"), read::s(e, "fullUrl"), r));
                    }
                }
            }
            Some(v) if v.get("resourceType").and_then(Value::as_str).is_some() => {
                list.push((format!("prefetch.{key}"), None, v));
            }
            Some(_) => out.push(
                Severity::Warning,
                IssueType::Structure,
                format!("prefetch {key:?} is neither a resource nor a Bundle: ignored"),
                None,
                Some(format!("prefetch.{key}")),
            ),
        }
    }
    Ok(list)
}

/// Whether the prefetch shows a neuroendocrine neoplasm (a mapped morphology or a NET code).
fn has_net(resources: &[Resource<'_>], kb: &Kb) -> bool {
    let f = &kb.fhir;
    resources
        .iter()
        .filter(|r| r.value.get("resourceType").and_then(Value::as_str) == Some("Condition"))
        .any(|r| {
            let mut codes = r.value.get("code").map(|c| read::codings(c, "")).unwrap_or_default();
            for e in read::arr(r.value, "extension") {
                if read::s(e, "url").is_some_and(|u| f.morphology_extension.urls.iter().any(|x| x == u))
                    && let Some(cc) = e.get("valueCodeableConcept")
                {
                    codes.extend(read::codings(cc, ""));
                }
            }
            codes
                .iter()
                .any(|c| f.morphology(&c.system, &c.code).is_some() || f.is_net_code(&c.system, &c.code))
        })
}

/// The cards for a patient-view call. `Err` when the prefetch lacks what the service needs (HTTP 412).
pub fn cards(req: &Request, kb: &Kb, opts: &CdsOptions) -> Result<Response, MissingPrefetch> {
    let mut pre = OperationOutcome::default();
    let list = prefetch_resources(req, &mut pre)?;
    let resources: Vec<Resource<'_>> = list
        .iter()
        .map(|(p, u, r)| Resource {
            path: p,
            full_url: *u,
            value: r,
        })
        .collect();
    if opts.case_link.is_none() && !has_net(&resources, kb) {
        return Ok(Response { cards: vec![] });
    }
    let io = ImportOptions {
        case_id: "cds-patient-view".into(),
        today: opts.today,
    };
    let source = CardSource {
        label: format!("netrx knowledge base {}", kb.version()),
        url: None,
    };
    let links: Vec<Link> = opts
        .case_link
        .iter()
        .map(|(id, url)| Link {
            label: format!("netrx tumour-board view (case {id})"),
            url: url.clone(),
            kind: "absolute".into(),
        })
        .collect();
    let unavailable: Vec<&str> = ["ki67", "medications"]
        .into_iter()
        .filter(|k| !req.prefetch.contains_key(*k))
        .collect();
    match import_resources(&resources, kb, &io, pre) {
        Err(ImportFailure { error, outcome }) => {
            let mut detail = format!(
                "netrx could not build a case from the EHR data: **{}** — {}\n\n",
                md_escape(&error.field),
                md_escape(&error.message)
            );
            push_issues(&mut detail, &outcome);
            Ok(Response {
                cards: vec![Card {
                    uuid: None,
                    summary: truncate(
                        "netrx: NET classification not possible from the coded data",
                        SUMMARY_MAX,
                    ),
                    detail,
                    indicator: "info".into(),
                    source,
                    links,
                    kind: "summary".into(),
                }],
            })
        }
        Ok(Import { case, outcome }) => {
            let o = Options {
                region: opts.region,
                ..Options::default()
            };
            let mut cards = Vec::new();
            let assess = evaluate(Capability::Assess, &case, kb, &o).ok();
            cards.push(summary_card(
                &case,
                assess.as_ref(),
                &outcome,
                &unavailable,
                source.clone(),
                links.clone(),
            ));
            if let Ok(dose) = evaluate(Capability::Dose, &case, kb, &o) {
                let on = case.everolimus.is_some();
                let candidate = assess.as_ref().is_some_and(|a| {
                    read::arr(a, "options")
                        .iter()
                        .any(|x| read::s(x, "agent") == Some("everolimus") && (positioned(x) || pending(x)))
                });
                if on || candidate {
                    cards.extend(interaction_cards(&dose, on, &links));
                }
            }
            Ok(Response { cards })
        }
    }
}

/// The option has a role a clinician would consider now.
fn positioned(o: &Value) -> bool {
    matches!(read::s(o, "role"), Some("preferred" | "option" | "later_line"))
}

/// The option's role is `undetermined`: a missing input decides it (see the assessment's
/// `options[].missing`).
fn pending(o: &Value) -> bool {
    read::s(o, "role") == Some("undetermined")
}

/// The fields a pending option waits for: those that leave its role undetermined.
fn pending_fields(o: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in read::arr(o, "missing")
        .iter()
        .filter(|m| m.get("decisive").and_then(Value::as_bool) == Some(true))
    {
        for f in read::arr(m, "fields").iter().filter_map(Value::as_str) {
            if !out.iter().any(|x| x == f) {
                out.push(f.to_string());
            }
        }
    }
    out
}

fn push_issues(detail: &mut String, outcome: &OperationOutcome) {
    let notable: Vec<_> = outcome
        .issue
        .iter()
        .filter(|i| i.severity <= Severity::Warning)
        .collect();
    if notable.is_empty() {
        return;
    }
    detail.push_str("**From the EHR data, not used or not certain:**\n\n");
    for i in notable.iter().take(12) {
        detail.push_str(&format!("- {}\n", md_escape(&i.details.text)));
    }
    if notable.len() > 12 {
        detail.push_str(&format!("- … and {} more\n", notable.len() - 12));
    }
}

fn role_title(role: &str) -> &'static str {
    match role {
        "preferred" => "Preferred",
        "option" => "Options",
        "later_line" => "Later line",
        "not_recommended" => "Not recommended",
        "undetermined" => "Not positioned yet — a missing input decides",
        _ => "Other",
    }
}

fn status_mark(status: Option<&str>) -> &'static str {
    match status {
        Some("unverified") => " **[UNVERIFIED]**",
        Some("verified_secondary") => " [verified, secondary source]",
        Some("derived") => " [derived]",
        _ => "",
    }
}

fn summary_card(
    case: &Case,
    assess: Option<&Value>,
    outcome: &OperationOutcome,
    unavailable: &[&str],
    source: CardSource,
    links: Vec<Link>,
) -> Card {
    let site = case.tumor.primary_site.id().replace('_', " ");
    let Some(a) = assess else {
        return Card {
            uuid: None,
            summary: truncate(
                &format!("netrx: {site} neuroendocrine neoplasm — assessment not available"),
                SUMMARY_MAX,
            ),
            detail: "The assessment could not be computed from the EHR data.".into(),
            indicator: "info".into(),
            source,
            links,
            kind: "summary".into(),
        };
    };
    let cls = a.get("classification").cloned().unwrap_or(Value::Null);
    let name = read::s(&cls, "name").unwrap_or("unclassified").to_string();
    let options = read::arr(a, "options");
    let named = |role: &str| -> Vec<String> {
        options
            .iter()
            .filter(|o| read::s(o, "role") == Some(role))
            .filter_map(|o| read::s(o, "name").map(str::to_string))
            .collect()
    };
    let preferred = named("preferred");
    let opts = named("option");
    let mut summary = format!("{name}, {site}");
    if !preferred.is_empty() {
        summary.push_str(&format!(": preferred {}", preferred.join(", ")));
    } else if !opts.is_empty() {
        summary.push_str(&format!(": options {}", opts.join(", ")));
    } else {
        let waiting: Vec<String> = options
            .iter()
            .filter(|o| pending(o))
            .filter_map(|o| read::s(o, "name").map(str::to_string))
            .collect();
        if waiting.is_empty() {
            summary.push_str(": no option positioned from the coded data");
        } else {
            summary.push_str(&format!(": pending inputs — {}", waiting.join(", ")));
        }
    }
    let mut d = String::new();
    d.push_str(&format!("**Classification:** {}", md_escape(&name)));
    if let Some(k) = case.tumor.ki67_percent {
        d.push_str(&format!(" — Ki-67 {k} %"));
    }
    if let Some(s) = read::s(&cls, "scheme") {
        d.push_str(&format!(" ({s})"));
    }
    d.push_str("\n\n");
    for w in read::arr(&cls, "warnings").iter().filter_map(Value::as_str) {
        d.push_str(&format!("- {}\n", md_escape(w)));
    }
    if !unavailable.is_empty() {
        d.push_str(&format!(
            "- Not sent by the EHR: {} — treated as unknown.\n",
            unavailable.join(", ")
        ));
    }
    for role in ["preferred", "option", "later_line"] {
        let list: Vec<&Value> = options.iter().filter(|o| read::s(o, "role") == Some(role)).collect();
        if list.is_empty() {
            continue;
        }
        d.push_str(&format!("\n**{}**\n\n", role_title(role)));
        for o in list {
            let oname = read::s(o, "name").unwrap_or("?");
            let label = read::s(o, "label").unwrap_or("");
            d.push_str(&format!(
                "- **{}** (label: {})",
                md_escape(oname),
                label.replace('_', " ")
            ));
            if let Some(w) = read::arr(o, "why").first() {
                d.push_str(&format!(
                    " — {} _Source: {}_{}",
                    md_escape(read::s(w, "text").unwrap_or("")),
                    md_escape(read::s(w, "source").unwrap_or("")),
                    status_mark(read::s(w, "status"))
                ));
            }
            d.push('\n');
        }
    }
    let waiting: Vec<&Value> = options.iter().filter(|o| pending(o)).collect();
    if !waiting.is_empty() {
        d.push_str("\n**Not positioned yet — a missing input decides**\n\n");
        for o in waiting {
            d.push_str(&format!(
                "- **{}** — depends on {}\n",
                md_escape(read::s(o, "name").unwrap_or("?")),
                md_escape(&pending_fields(o).join(", "))
            ));
        }
    }
    let missing: Vec<String> = read::arr(a, "missing")
        .iter()
        .filter_map(|m| read::s(m, "field").map(str::to_string))
        .collect();
    if !missing.is_empty() {
        d.push_str(&format!(
            "\n**Not in the EHR data, and deciding options:** {} — enter them in the netrx case (tumour board).\n",
            md_escape(&missing.join(", "))
        ));
    }
    if let Some(n) = a.get("standing_note") {
        d.push_str(&format!(
            "\n_{}_ (Source: {}{})\n",
            md_escape(read::s(n, "text").unwrap_or("")),
            md_escape(read::s(n, "source").unwrap_or("")),
            status_mark(read::s(n, "status"))
        ));
    }
    d.push('\n');
    push_issues(&mut d, outcome);
    Card {
        uuid: None,
        summary: truncate(&format!("netrx: {summary}"), SUMMARY_MAX),
        detail: d,
        indicator: "info".into(),
        source,
        links,
        kind: "summary".into(),
    }
}

fn interaction_cards(dose: &Value, on_everolimus: bool, links: &[Link]) -> Vec<Card> {
    let mut out = Vec::new();
    for i in read::arr(dose, "interactions") {
        let med = read::s(i, "medication").unwrap_or("?");
        let id = read::s(i, "id").unwrap_or("?");
        let class = read::s(i, "class_name").unwrap_or("");
        let text = read::s(i, "text").unwrap_or("");
        let src = i.get("source").cloned().unwrap_or(Value::Null);
        let reference = read::s(&src, "ref").unwrap_or("netrx knowledge base");
        let status = read::s(&src, "status");
        let when = if on_everolimus {
            "On everolimus"
        } else {
            "If everolimus is started"
        };
        let mut d = format!(
            "{when}: **{}** ({}) — {}.\n\n{}{}\n\n_Source: {}_\n",
            md_escape(med),
            md_escape(class),
            md_escape(id),
            md_escape(text),
            status_mark(status),
            md_escape(reference)
        );
        for x in read::arr(i, "details") {
            let s = x.get("source").cloned().unwrap_or(Value::Null);
            d.push_str(&format!(
                "- {} _({})_{}\n",
                md_escape(read::s(x, "text").unwrap_or("")),
                md_escape(read::s(&s, "ref").unwrap_or("")),
                status_mark(read::s(&s, "status"))
            ));
        }
        let label = match status {
            Some("verified") | None => reference.to_string(),
            Some(_) => format!("{reference} [UNVERIFIED]"),
        };
        out.push(Card {
            uuid: None,
            summary: truncate(&format!("Everolimus + {med}: {text}"), SUMMARY_MAX),
            detail: d,
            indicator: "warning".into(),
            source: CardSource {
                label: truncate(&label, 200),
                url: None,
            },
            links: links.to_vec(),
            kind: format!("interaction:{id}"),
        });
    }
    let unknown: Vec<&str> = read::arr(dose, "unknown_medications")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if !unknown.is_empty() && on_everolimus {
        out.push(Card {
            uuid: None,
            summary: truncate(
                &format!("Everolimus: check interactions by hand for {}", unknown.join(", ")),
                SUMMARY_MAX,
            ),
            detail: format!(
                "netrx does not know these medications, so it cannot say whether they interact with everolimus \
                 (CYP3A4/P-gp): {}. No listed interaction is not the same as no interaction.",
                md_escape(&unknown.join(", "))
            ),
            indicator: "warning".into(),
            source: CardSource {
                label: "netrx medication list (knowledge/medications.toml)".into(),
                url: None,
            },
            links: links.to_vec(),
            kind: "interaction:unknown".into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_stay_under_140_characters() {
        let long = "x".repeat(400);
        assert!(truncate(&long, SUMMARY_MAX).chars().count() < SUMMARY_MAX);
        assert_eq!(truncate("short", SUMMARY_MAX), "short");
    }

    #[test]
    fn requests_name_the_field_at_fault() {
        let e = parse_request(r#"{"hook":"order-sign","hookInstance":"a","context":{"patientId":"p"}}"#).unwrap_err();
        assert_eq!(e.field, "hook");
        let e = parse_request(r#"{"hook":"patient-view","context":{"patientId":"p"}}"#).unwrap_err();
        assert_eq!(e.field, "hookInstance");
        let e = parse_request(r#"{"hook":"patient-view","hookInstance":"a","context":{}}"#).unwrap_err();
        assert_eq!(e.field, "context.patientId");
        let ok =
            parse_request(r#"{"hook":"patient-view","hookInstance":"a","context":{"patientId":"p"},"prefetch":{}}"#);
        assert!(ok.is_ok());
    }

    #[test]
    fn discovery_lists_the_four_prefetch_keys() {
        let d = discovery();
        let s = &d["services"][0];
        assert_eq!(s["id"], SERVICE_ID);
        assert_eq!(s["hook"], HOOK);
        for k in ["patient", "conditions", "ki67", "medications"] {
            assert!(s["prefetch"][k].is_string(), "{k}");
        }
        assert!(s["prefetch"]["ki67"].as_str().unwrap().contains("29593-1"));
    }
}
