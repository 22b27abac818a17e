//! Authorisation: every endpoint, for each role and for no (or a bad) credential.
//! Clinicians and pharmacists read and write cases; researchers read
//! de-identified cases only; admins manage users and read the audit trail but
//! see no patient data; nobody gets patient data anonymously.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Admin,
    Clinician,
    Pharmacist,
    Researcher,
    Nobody,
    BadToken,
}

const ALL: [Who; 6] = [
    Who::Admin,
    Who::Clinician,
    Who::Pharmacist,
    Who::Researcher,
    Who::Nobody,
    Who::BadToken,
];

/// Expected status per caller: (admin, clinician, pharmacist, researcher); no credential → 401 always
/// (except the two open endpoints).
struct Row {
    method: &'static str,
    path: String,
    body: Option<Value>,
    /// Needs the current ETag of this case as If-Match.
    if_match: Option<&'static str>,
    expect: [u16; 4],
    open: bool,
}

fn row(method: &'static str, path: &str, expect: [u16; 4]) -> Row {
    Row {
        method,
        path: path.into(),
        body: None,
        if_match: None,
        expect,
        open: false,
    }
}

#[test]
fn every_endpoint_for_every_role_and_no_session() {
    let d = TempDir::new("authz");
    let db = d.path("netrx.db");
    let tokens: Vec<String> = [
        ("root", "admin"),
        ("cleo", "clinician"),
        ("phil", "pharmacist"),
        ("rita", "researcher"),
    ]
    .iter()
    .map(|(n, r)| user_with_token(&db, n, r, &format!("{n}-password-1")))
    .collect();
    let s = Server::start(&db, &[]);
    // Cases to work on: one per writing role (so each can update and delete its own).
    for id in ["c-cleo", "c-phil", "shared"] {
        s.req("POST", "/api/v1/cases")
            .bearer(&tokens[1])
            .json(&case(id, 5.0))
            .send()
            .expect(201);
    }
    let who_case = |w: Who| match w {
        Who::Pharmacist => "c-phil",
        _ => "c-cleo",
    };
    let caps: Vec<&str> = netrx_clinical::capability::Capability::ALL
        .iter()
        .map(|c| c.id())
        .collect();

    let mut rows: Vec<Row> = vec![
        Row {
            open: true,
            ..row("GET", "/api/v1/health", [200, 200, 200, 200])
        },
        row("GET", "/api/v1/me", [200, 200, 200, 200]),
        row("GET", "/api/v1/openapi.json", [200, 200, 200, 200]),
        row("GET", "/api/v1/cases", [403, 200, 200, 200]),
        row("GET", "/api/v1/cases/shared", [403, 200, 200, 200]),
        row("GET", "/api/v1/cases/shared/revisions", [403, 200, 200, 200]),
        row("GET", "/api/v1/cases/shared/revisions/1", [403, 200, 200, 200]),
        row("GET", "/api/v1/cases/shared/grade", [403, 200, 200, 200]),
        Row {
            body: Some(case("stateless", 5.0)),
            ..row("POST", "/api/v1/grade", [403, 200, 200, 200])
        },
        Row {
            body: Some(case("{new}", 5.0)),
            ..row("POST", "/api/v1/cases", [403, 201, 201, 403])
        },
        Row {
            body: Some(case("{own}", 7.0)),
            if_match: Some("{own}"),
            ..row("PUT", "/api/v1/cases/{own}", [403, 200, 200, 403])
        },
        Row {
            if_match: Some("{own}"),
            ..row("DELETE", "/api/v1/cases/{own}", [403, 200, 200, 403])
        },
        row("GET", "/api/v1/users", [200, 403, 403, 403]),
        Row {
            body: Some(json!({ "username": "{new}", "role": "researcher", "password": "a-long-password" })),
            ..row("POST", "/api/v1/users", [201, 403, 403, 403])
        },
        row("GET", "/api/v1/users/rita", [200, 403, 403, 403]),
        Row {
            body: Some(json!({ "disabled": false })),
            ..row("PATCH", "/api/v1/users/{new}", [200, 403, 403, 403])
        },
        row("POST", "/api/v1/users/{new}/tokens", [201, 403, 403, 403]),
        row("DELETE", "/api/v1/users/{new}/tokens", [200, 403, 403, 403]),
        row("GET", "/api/v1/audit", [200, 403, 403, 403]),
    ];
    // Every capability on a stored case and stateless: the same role rule (answers may be 400 when
    // the case lacks what a capability needs; never 200 for admins or anonymous callers).
    for cap in &caps {
        rows.push(row("GET", &format!("/api/v1/cases/shared/{cap}"), [403, 0, 0, 0]));
        rows.push(Row {
            body: Some(case("stateless", 5.0)),
            ..row("POST", &format!("/api/v1/{cap}"), [403, 0, 0, 0])
        });
    }
    rows.push(row("POST", "/api/v1/logout", [204, 204, 204, 204]));

    let mut checked = 0;
    for r in &rows {
        for (wi, w) in ALL.iter().enumerate() {
            let name = format!("{w:?}").to_lowercase();
            let path = r
                .path
                .replace("{own}", who_case(*w))
                .replace("{new}", &format!("n-{name}"));
            let mut req = s.req(r.method, &path);
            req = match w {
                Who::Nobody => req,
                Who::BadToken => req.bearer("nrx_0000000000000000000000000000000000000000000000000000000000000000"),
                _ => req.bearer(&tokens[wi]),
            };
            if let Some(b) = &r.body {
                let text = b
                    .to_string()
                    .replace("{own}", who_case(*w))
                    .replace("{new}", &format!("n-{name}"));
                req = req.header("Content-Type", "application/json").body(text);
            }
            if let Some(c) = r.if_match {
                let id = c.replace("{own}", who_case(*w));
                let cur = s
                    .req("GET", &format!("/api/v1/cases/{id}/revisions"))
                    .bearer(&tokens[1])
                    .send()
                    .expect(200)
                    .json();
                let rev = cur["revisions"].as_array().unwrap().len();
                req = req.if_match(&format!("\"{rev}\""));
            }
            let resp = req.send();
            let want = match w {
                Who::Nobody | Who::BadToken if !r.open => 401,
                Who::Nobody | Who::BadToken => r.expect[1],
                _ => r.expect[wi],
            };
            if want == 0 {
                assert!(
                    resp.status == 200 || resp.status == 400,
                    "{w:?} {} {path}: {}",
                    r.method,
                    resp.body
                );
                if resp.status == 400 {
                    assert_ne!(resp.json()["field"], Value::Null, "a 400 names the field");
                }
            } else {
                assert_eq!(resp.status, want, "{w:?} {} {path}: {}", r.method, resp.body);
            }
            if resp.status >= 400 {
                let v = resp.json();
                assert!(v["error"].is_string() && v["message"].is_string(), "{w:?} {path}: {v}");
            }
            // No patient data to a caller who may not see it.
            if matches!(w, Who::Admin | Who::Nobody | Who::BadToken) {
                assert!(
                    !resp.body.contains("Ann Example") && !resp.body.contains("MRN-0042"),
                    "{w:?} {path} leaked"
                );
            }
            if *w == Who::Researcher {
                assert!(
                    !resp.body.contains("Ann Example") && !resp.body.contains("MRN-0042"),
                    "researcher {path} identified"
                );
            }
            checked += 1;
        }
    }
    eprintln!("{checked} endpoint × caller checks");
    // Every refusal of an authenticated caller is in the audit trail.
    let v = s
        .req("GET", "/api/v1/audit?limit=10000")
        .bearer(&tokens[0])
        .send()
        .expect(200)
        .json();
    let denied = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"] == "denied")
        .count();
    let expected_denied: usize = rows
        .iter()
        .map(|r| r.expect.iter().filter(|s| **s == 403).count())
        .sum();
    assert_eq!(denied, expected_denied, "each 403 is audited");
}

#[test]
fn disabled_accounts_and_role_changes_take_effect_at_once() {
    let d = TempDir::new("authz-change");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "cleo", "clinician", "cleo-password-1");
    let admin = user_with_token(&db, "root", "admin", "root-password-1");
    let s = Server::start(&db, &[]);
    s.req("GET", "/api/v1/cases").bearer(&tok).send().expect(200);
    // Role change through the API → the same token now gets the researcher's rights.
    s.req("PATCH", "/api/v1/users/cleo")
        .bearer(&admin)
        .json(&json!({ "role": "researcher" }))
        .send()
        .expect(200);
    s.req("POST", "/api/v1/cases")
        .bearer(&tok)
        .json(&case("x", 1.0))
        .send()
        .expect(403);
    // Disabled → no access at all; via the CLI while the server runs.
    let (code, _, err) = netrx(&["user", "disable", "cleo", "--db", db.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    s.req("GET", "/api/v1/cases").bearer(&tok).send().expect(401);
    s.req("POST", "/api/v1/login")
        .json(&json!({ "username": "cleo", "password": "cleo-password-1" }))
        .send()
        .expect(401);
    // Admin API validation: bad role, unknown fields, unknown user.
    let r = s
        .req("PATCH", "/api/v1/users/cleo")
        .bearer(&admin)
        .json(&json!({ "role": "boss" }))
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "role");
    let r = s
        .req("PATCH", "/api/v1/users/cleo")
        .bearer(&admin)
        .json(&json!({ "rank": 1 }))
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "rank");
    s.req("PATCH", "/api/v1/users/nobody")
        .bearer(&admin)
        .json(&json!({ "disabled": true }))
        .send()
        .expect(404);
    let r = s
        .req("POST", "/api/v1/users")
        .bearer(&admin)
        .json(&json!({ "username": "new", "role": "clinician", "password": "short" }))
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "password");
    // User changes are audited, by the CLI too.
    let (_, out, _) = netrx(&["audit", "--db", db.to_str().unwrap(), "--json"], None);
    assert!(
        out.lines()
            .any(|l| l.contains("\"user.update\"") && l.contains("\"root\""))
    );
    assert!(out.lines().any(|l| l.contains("\"user.update\"") && l.contains("cli:")));
    assert!(out.lines().filter(|l| l.contains("\"user.add\"")).count() >= 2);
}
