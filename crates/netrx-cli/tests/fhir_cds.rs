//! FHIR import and the CDS Hooks service end to end: a real `netrx serve` on a
//! SQLite file, real HTTP over loopback, accounts and CDS clients made with the
//! CLI, JWTs signed with a test key (ES384) exactly as a CDS client would.
//! Expected values come from the example Bundle (examples/fhir/), read by hand.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

fn example(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/fhir")
            .join(name),
    )
    .unwrap()
}

fn example_path(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/fhir")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn revisions(db: &std::path::Path) -> i64 {
    store_fingerprint(db).0
}

#[test]
fn fhir_import_over_http_stores_the_case_and_reports_the_outcome() {
    let dir = TempDir::new("fhir-http");
    let db = dir.path("n.db");
    let tok = user_with_token(&db, "ann", "clinician", "correct horse battery");
    let res_tok = user_with_token(&db, "rita", "researcher", "correct horse battery");
    let s = Server::start(&db, &[]);
    let bundle = example("pnet-g2-everolimus.json");

    s.req("POST", "/fhir/import").body(bundle.clone()).send().expect(401);
    s.req("POST", "/fhir/import")
        .bearer(&res_tok)
        .body(bundle.clone())
        .send()
        .expect(403);

    let r = s
        .req("POST", "/fhir/import")
        .bearer(&tok)
        .body(bundle.clone())
        .send()
        .expect(201);
    let v = r.json();
    let id = v["case_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("fhir-") && id.len() == 17, "{id}");
    assert_eq!(v["revision"], 1);
    assert!(v["knowledge_version"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(v["outcome"]["resourceType"], "OperationOutcome");
    let issues = v["outcome"]["issue"].as_array().unwrap();
    assert!(
        issues
            .iter()
            .all(|i| i["severity"] != "error" && i["severity"] != "fatal")
    );
    assert!(
        issues
            .iter()
            .any(|i| i["details"]["text"].as_str().unwrap().contains("8867-4")),
        "the unknown code is listed"
    );
    assert_eq!(r.header("etag"), Some("\"1\""));

    // The stored case is what the Bundle says (Ki-67 8 %, pancreas, MRN).
    let c = s
        .req("GET", &format!("/api/v1/cases/{id}"))
        .bearer(&tok)
        .send()
        .expect(200)
        .json();
    assert_eq!(c["tumor"]["ki67_percent"], 8.0);
    assert_eq!(c["tumor"]["primary_site"], "pancreas");
    assert_eq!(c["patient"]["mrn"], "MRN-0042-7781");
    let g = s
        .req("GET", &format!("/api/v1/cases/{id}/grade"))
        .bearer(&tok)
        .send()
        .expect(200)
        .json();
    assert_eq!(g["grade"], "G2");

    // The same patient again: refused (409), nothing stored.
    let before = store_fingerprint(&db);
    let e = s
        .req("POST", "/fhir/import")
        .bearer(&tok)
        .body(bundle.clone())
        .send()
        .expect(409)
        .json();
    assert_eq!(e["field"], "patient.mrn");
    assert!(e["message"].as_str().unwrap().contains(&id));
    assert_eq!(store_fingerprint(&db), before);
    // ... but a new revision of that case with ?id= and If-Match.
    let r = s
        .req("POST", &format!("/fhir/import?id={id}"))
        .bearer(&tok)
        .if_match("\"1\"")
        .body(bundle.clone())
        .send()
        .expect(200);
    assert_eq!(r.json()["revision"], 2);
    s.req("POST", &format!("/fhir/import?id={id}"))
        .bearer(&tok)
        .if_match("\"1\"")
        .body(bundle.clone())
        .send()
        .expect(412);

    // A Bundle that cannot yield a case: 400 with the field and the OperationOutcome; nothing stored.
    let n = store_fingerprint(&db);
    let e = s
        .req("POST", "/fhir/import")
        .bearer(&tok)
        .body(example("invalid-ambiguous-site.json"))
        .send()
        .expect(400)
        .json();
    assert_eq!(e["error"], "bad_request");
    assert_eq!(e["field"], "tumor.primary_site");
    assert_eq!(e["outcome"]["resourceType"], "OperationOutcome");
    assert_eq!(e["outcome"]["issue"][0]["severity"], "fatal");
    s.req("POST", "/fhir/import")
        .bearer(&tok)
        .body("{\"resourceType\":\"Patient\"}")
        .send()
        .expect(400);
    s.req("POST", "/fhir/import?nope=1")
        .bearer(&tok)
        .body(bundle.clone())
        .send()
        .expect(400);
    s.req("GET", "/fhir/import").bearer(&tok).send().expect(405);
    assert_eq!(store_fingerprint(&db), n, "nothing stored by refused imports");
    assert!(integrity(&db).is_empty());

    // Audited as case writes by the importer.
    let (code, out, _) = netrx(&["audit", "--db", db.to_str().unwrap(), "--json"], None);
    assert_eq!(code, 0);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(lines.iter().any(|l| l["action"] == "case.create"
        && l["outcome"] == "ok"
        && l["detail"] == "fhir.import"
        && l["case_id"] == id.as_str()));
    assert!(
        lines
            .iter()
            .any(|l| l["action"] == "case.create" && l["outcome"] == "invalid")
    );
}

#[test]
fn import_fhir_cli_prints_the_case_id_and_the_issues() {
    let dir = TempDir::new("fhir-cli");
    let db = dir.path("n.db");
    let dbs = db.to_str().unwrap();
    let (code, out, err) = netrx(
        &[
            "import-fhir",
            "--db",
            dbs,
            &example_path("pnet-g2-everolimus.json"),
            "--id",
            "tb-001",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("case tb-001 (revision 1)"), "{out}");
    assert!(out.contains("8867-4"), "unknown codes listed by default: {out}");
    // Invalid: exit 2, one stderr line naming the field; the issues on stdout; nothing stored.
    let (code, out, err) = netrx(
        &["import-fhir", "--db", dbs, &example_path("invalid-ambiguous-site.json")],
        None,
    );
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("tumor.primary_site"), "{err}");
    assert!(out.contains("duodenum or jejunum_ileum"), "{out}");
    assert_eq!(revisions(&db), 1);
    // The same patient again is refused; as a new revision it is accepted.
    let (code, _, err) = netrx(
        &["import-fhir", "--db", dbs, &example_path("pnet-g2-everolimus.json")],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("patient.mrn") && err.contains("tb-001"), "{err}");
    let (code, out, err) = netrx(
        &[
            "import-fhir",
            "--db",
            dbs,
            &example_path("pnet-g2-everolimus.json"),
            "--id",
            "tb-001",
            "--revision",
            "1",
            "--json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (v["case_id"].as_str(), v["revision"].as_i64()),
        (Some("tb-001"), Some(2))
    );
    let (code, _, err) = netrx(&["import-fhir", "--db", dbs, "/nonexistent.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("BUNDLE"), "{err}");
}

fn cds_request() -> Value {
    serde_json::from_str(&example("cds-request-patient-view.json")).unwrap()
}

#[test]
fn cds_hooks_discovery_cards_and_feedback() {
    let dir = TempDir::new("cds");
    let db = dir.path("n.db");
    let tok = user_with_token(&db, "ann", "clinician", "correct horse battery");
    let admin = user_with_token(&db, "root", "admin", "correct horse battery");
    let s = Server::start(&db, &[]);

    // Discovery: no credential, CORS open.
    let r = s.req("GET", "/cds-services").send().expect(200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let d = r.json();
    let svc = &d["services"][0];
    assert_eq!(
        (svc["id"].as_str(), svc["hook"].as_str()),
        (Some("netrx-net-options"), Some("patient-view"))
    );
    for k in ["patient", "conditions", "ki67", "medications"] {
        assert!(svc["prefetch"][k].is_string(), "prefetch {k}");
    }
    let pre = s.req("OPTIONS", "/cds-services/netrx-net-options").send();
    assert_eq!(pre.status, 204);
    assert!(
        pre.header("access-control-allow-headers")
            .unwrap()
            .contains("Authorization")
    );

    let path = "/cds-services/netrx-net-options";
    s.req("POST", path).json(&cds_request()).send().expect(401);
    s.req("POST", path)
        .bearer(&admin)
        .json(&cds_request())
        .send()
        .expect(403);
    s.req("POST", "/cds-services/other")
        .bearer(&tok)
        .json(&cds_request())
        .send()
        .expect(404);

    let res = s
        .req("POST", path)
        .bearer(&tok)
        .json(&cds_request())
        .send()
        .expect(200)
        .json();
    assert!(res.get("systemActions").is_none());
    let cards = res["cards"].as_array().unwrap();
    for c in cards {
        let u = c["uuid"].as_str().unwrap();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4", "a v4 uuid: {u}");
        assert!(c["summary"].as_str().unwrap().chars().count() < 140);
        assert!(!c["source"]["label"].as_str().unwrap().is_empty());
        assert!(c.get("links").is_none(), "no stored case yet, no link");
    }
    assert_eq!(cards[0]["indicator"], "info");
    assert!(cards[0]["summary"].as_str().unwrap().contains("NET G2"));
    let verapamil = cards
        .iter()
        .find(|c| c["summary"].as_str().unwrap().contains("Verapamil"))
        .expect("an interaction card for verapamil");
    assert_eq!(verapamil["indicator"], "warning");

    // Once the patient's case is stored, the cards link to its tumour-board view.
    let id = {
        let r = s
            .req("POST", "/fhir/import")
            .bearer(&tok)
            .body(example("pnet-g2-everolimus.json"))
            .send()
            .expect(201);
        r.json()["case_id"].as_str().unwrap().to_string()
    };
    let res = s
        .req("POST", path)
        .bearer(&tok)
        .json(&cds_request())
        .send()
        .expect(200)
        .json();
    let link = &res["cards"][0]["links"][0];
    assert_eq!(link["type"], "absolute");
    assert_eq!(link["url"], format!("http://{}/cases/{id}", s.addr));

    // Missing prefetch the service needs: 412 with an OperationOutcome.
    let mut req = cds_request();
    req["prefetch"].as_object_mut().unwrap().remove("conditions");
    let r = s.req("POST", path).bearer(&tok).json(&req).send();
    assert_eq!(r.status, 412);
    assert_eq!(r.json()["resourceType"], "OperationOutcome");
    // A malformed request names its field.
    let mut req = cds_request();
    req["hook"] = json!("order-sign");
    assert_eq!(
        s.req("POST", path).bearer(&tok).json(&req).send().expect(400).json()["field"],
        "hook"
    );

    // Feedback: the summary card overridden, with a reason.
    let summary_uuid = res["cards"][0]["uuid"].as_str().unwrap();
    let fb = json!({"feedback": [{
        "card": summary_uuid, "outcome": "overridden",
        "overrideReason": {"reason": {"code": "not-relevant", "system": "https://example.invalid/reasons"},
                           "userComment": "discussed at tumour board"},
        "outcomeTimestamp": "2026-02-12T10:15:00Z"}]});
    let r = s
        .req("POST", &format!("{path}/feedback"))
        .bearer(&tok)
        .json(&fb)
        .send()
        .expect(200);
    assert_eq!(r.json()["recorded"], 1);
    let bad = json!({"feedback": [{"card": "00000000-0000-4000-8000-000000000000", "outcome": "accepted",
                                   "outcomeTimestamp": "2026-02-12T10:15:00Z"}]});
    let e = s
        .req("POST", &format!("{path}/feedback"))
        .bearer(&tok)
        .json(&bad)
        .send()
        .expect(400)
        .json();
    assert_eq!(e["field"], "feedback[0].card");
    let bad =
        json!({"feedback": [{"card": summary_uuid, "outcome": "ignored", "outcomeTimestamp": "2026-02-12T10:15:00Z"}]});
    let e = s
        .req("POST", &format!("{path}/feedback"))
        .bearer(&tok)
        .json(&bad)
        .send()
        .expect(400)
        .json();
    assert_eq!(e["field"], "feedback[0].outcome");

    let (code, out, _) = netrx(
        &["cds-client", "feedback", "--db", db.to_str().unwrap(), "--json"],
        None,
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let summary = v["cards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "summary")
        .unwrap();
    assert_eq!(
        (summary["issued"].as_i64(), summary["overridden"].as_i64()),
        (Some(2), Some(1))
    );
    let (_, out, _) = netrx(&["audit", "--db", db.to_str().unwrap(), "--json"], None);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l["action"] == "cds.feedback" && l["case_id"] == id.as_str())
    );
    assert!(lines.iter().any(|l| l["action"] == "cds.invoke" && l["user"] == "ann"));
}

/// A throw-away P-384 key for these tests only (never a real client's key).
const TEST_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDAFfKGcycaSe64unsqE
FXmUqTY9L72uZB798JyZ9z3LZz0LP+JEQoFJOxY9XyAEjf6hZANiAAT2yL+e3G62
dsdflq7gV7mzEyq5PxZDDdQlwVgeX8fCQhjtAVfTqlOP2FZXRGDSHooXRmjvhNST
XYIQ5E6SP1IYzyGXovhr8NkLgng/DTFHLy7mtiK4RziJceWuEUxb/rs=
-----END PRIVATE KEY-----
";

fn test_jwks() -> Value {
    json!({"keys": [{"kty": "EC", "crv": "P-384", "kid": "test-1", "use": "sig", "alg": "ES384",
        "x": "9si_ntxutnbHX5au4Fe5sxMquT8WQw3UJcFYHl_HwkIY7QFX06pTj9hWV0Rg0h6K",
        "y": "F0Zo74TUk12CEOROkj9SGM8hl6L4a_DZC4J4Pw0xRy8u5rYiuEc4iXHlrhFMW_67"}]})
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn jwt(iss: &str, aud: &str, jti: &str) -> String {
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES384);
    h.kid = Some("test-1".into());
    h.typ = Some("JWT".into());
    let claims = json!({"iss": iss, "aud": aud, "exp": now() + 300, "iat": now(), "jti": jti});
    let key = jsonwebtoken::EncodingKey::from_ec_pem(TEST_KEY_PEM.as_bytes()).unwrap();
    jsonwebtoken::encode(&h, &claims, &key).unwrap()
}

#[test]
fn cds_clients_authenticate_with_signed_jwts_of_registered_keys() {
    let dir = TempDir::new("cds-jwt");
    let db = dir.path("n.db");
    let dbs = db.to_str().unwrap();
    let iss = "https://ehr.example.invalid";
    let jwks = dir.path("jwks.json");
    std::fs::write(&jwks, test_jwks().to_string()).unwrap();
    // A private key is never registered.
    let private = dir.path("private.json");
    let mut p = test_jwks();
    p["keys"][0]["d"] = json!("AAAA");
    std::fs::write(&private, p.to_string()).unwrap();
    let (code, _, err) = netrx(
        &[
            "cds-client",
            "add",
            iss,
            "--jwks",
            private.to_str().unwrap(),
            "--db",
            dbs,
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("private"), "{err}");
    let (code, out, err) = netrx(
        &["cds-client", "add", iss, "--jwks", jwks.to_str().unwrap(), "--db", dbs],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("registered"), "{out}");

    let s = Server::start(&db, &[]);
    let path = "/cds-services/netrx-net-options";
    let aud = format!("http://{}{path}", s.addr);
    let ok = s
        .req("POST", path)
        .bearer(&jwt(iss, &aud, "jti-1"))
        .json(&cds_request())
        .send()
        .expect(200);
    assert!(!ok.json()["cards"].as_array().unwrap().is_empty());
    // Replay of the same jti, wrong audience, unknown issuer, HMAC: refused.
    let e = s
        .req("POST", path)
        .bearer(&jwt(iss, &aud, "jti-1"))
        .json(&cds_request())
        .send()
        .expect(401)
        .json();
    assert!(e["message"].as_str().unwrap().contains("replay"), "{e}");
    let wrong_aud = format!("http://{}/cds-services/other", s.addr);
    s.req("POST", path)
        .bearer(&jwt(iss, &wrong_aud, "jti-2"))
        .json(&cds_request())
        .send()
        .expect(401);
    s.req("POST", path)
        .bearer(&jwt("https://stranger.invalid", &aud, "jti-3"))
        .json(&cds_request())
        .send()
        .expect(401);
    let hs = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &json!({"iss": iss, "aud": aud, "exp": now() + 300, "jti": "jti-4"}),
        &jsonwebtoken::EncodingKey::from_secret(b"shared"),
    )
    .unwrap();
    let e = s
        .req("POST", path)
        .bearer(&hs)
        .json(&cds_request())
        .send()
        .expect(401)
        .json();
    assert!(e["message"].as_str().unwrap().contains("HS256"), "{e}");
    // The cards and the audit trail name the client.
    let (_, out, _) = netrx(&["audit", "--db", dbs, "--json"], None);
    assert!(
        out.lines()
            .any(|l| l.contains("\"cds:https://ehr.example.invalid\"") && l.contains("cds.invoke"))
    );
    // Disabled: refused.
    let (code, _, _) = netrx(&["cds-client", "disable", iss, "--db", dbs], None);
    assert_eq!(code, 0);
    let e = s
        .req("POST", path)
        .bearer(&jwt(iss, &aud, "jti-5"))
        .json(&cds_request())
        .send()
        .expect(401)
        .json();
    assert!(e["message"].as_str().unwrap().contains("disabled"), "{e}");
}
