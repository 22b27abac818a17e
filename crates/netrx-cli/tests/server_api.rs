//! The netrx server's API over real HTTP on loopback against a child
//! `netrx serve` on a real SQLite file: case storage with revisions and
//! optimistic concurrency, capabilities identical to the CLI, sessions, CSRF,
//! throttling, de-identification, the audit trail, backup/restore, demo data
//! and graceful shutdown.

mod server_support;

use serde_json::{Value, json};
use server_support::*;

#[test]
fn case_lifecycle_revisions_etags_and_tombstones() {
    let d = TempDir::new("api-life");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let s = Server::start(&db, &[]);

    // Create: 201, Location, ETag "1", { id, revision }.
    let r = s
        .req("POST", "/api/v1/cases")
        .bearer(&tok)
        .json(&case("p1", 12.0))
        .send()
        .expect(201);
    assert_eq!(r.header("location"), Some("/api/v1/cases/p1"));
    assert_eq!(r.etag(), "\"1\"");
    assert_eq!(r.json(), json!({ "id": "p1", "revision": 1 }));
    // The same id again: 409.
    let r = s
        .req("POST", "/api/v1/cases")
        .bearer(&tok)
        .json(&case("p1", 3.0))
        .send()
        .expect(409);
    assert_eq!(r.json()["field"], "id");

    // Read: the case file, with its ETag.
    let r = s.req("GET", "/api/v1/cases/p1").bearer(&tok).send().expect(200);
    assert_eq!(r.etag(), "\"1\"");
    let stored = r.json();
    assert_eq!(stored["tumor"]["ki67_percent"], 12.0);
    assert_eq!(
        stored["patient"]["name"], "Ann Example",
        "clinicians see identified data"
    );

    // Update: If-Match required (428), must be current (412 with the current revision), ids must agree (400).
    let r = s
        .req("PUT", "/api/v1/cases/p1")
        .bearer(&tok)
        .json(&case("p1", 25.0))
        .send()
        .expect(428);
    assert_eq!(r.json()["field"], "If-Match");
    let r = s
        .req("PUT", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("\"1\"")
        .json(&case("other", 25.0))
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "id");
    let r = s
        .req("PUT", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("\"1\"")
        .json(&case("p1", 25.0))
        .send()
        .expect(200);
    assert_eq!(r.etag(), "\"2\"");
    assert_eq!(r.json()["revision"], 2);
    let r = s
        .req("PUT", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("\"1\"")
        .json(&case("p1", 30.0))
        .send()
        .expect(412);
    assert_eq!(r.json()["current_revision"], 2);
    assert_eq!(r.etag(), "\"2\"");
    let r = s
        .req("PUT", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("W/\"2\"")
        .json(&case("p1", 30.0))
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "If-Match");
    s.req("PUT", "/api/v1/cases/nope")
        .bearer(&tok)
        .if_match("\"1\"")
        .json(&case("nope", 1.0))
        .send()
        .expect(404);

    // The list shows the latest revision and its grade: the one GET .../grade answers (the CLI's classify).
    let r = s.req("GET", "/api/v1/cases").bearer(&tok).send().expect(200);
    let cases = r.json()["cases"].as_array().unwrap().clone();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0]["id"], "p1");
    assert_eq!(cases[0]["revision"], 2);
    assert_eq!(cases[0]["primary_site"], "pancreas");
    let grade = s
        .req("GET", "/api/v1/cases/p1/grade")
        .bearer(&tok)
        .send()
        .expect(200)
        .json();
    assert_eq!(cases[0]["grade"], grade["grade"]);
    assert!(cases[0]["updated_at"].as_str().unwrap().ends_with('Z'));

    // Delete: tombstone (If-Match needed), then 410, gone from the list, revisions still readable.
    s.req("DELETE", "/api/v1/cases/p1").bearer(&tok).send().expect(428);
    s.req("DELETE", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("\"1\"")
        .send()
        .expect(412);
    let r = s
        .req("DELETE", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("\"2\"")
        .send()
        .expect(200);
    assert_eq!(r.json(), json!({ "id": "p1", "revision": 3, "deleted": true }));
    s.req("GET", "/api/v1/cases/p1").bearer(&tok).send().expect(410);
    s.req("GET", "/api/v1/cases/p1/grade").bearer(&tok).send().expect(410);
    s.req("PUT", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("\"3\"")
        .json(&case("p1", 1.0))
        .send()
        .expect(410);
    s.req("DELETE", "/api/v1/cases/p1")
        .bearer(&tok)
        .if_match("\"3\"")
        .send()
        .expect(410);
    s.req("POST", "/api/v1/cases")
        .bearer(&tok)
        .json(&case("p1", 1.0))
        .send()
        .expect(409);
    let r = s.req("GET", "/api/v1/cases").bearer(&tok).send().expect(200);
    assert_eq!(r.json()["cases"], json!([]));
    let r = s
        .req("GET", "/api/v1/cases?deleted=true")
        .bearer(&tok)
        .send()
        .expect(200);
    assert_eq!(r.json()["cases"][0]["deleted"], true);
    let r = s
        .req("GET", "/api/v1/cases/p1/revisions")
        .bearer(&tok)
        .send()
        .expect(200);
    let revs = r.json()["revisions"].as_array().unwrap().clone();
    assert_eq!(revs.len(), 3);
    for (i, rv) in revs.iter().enumerate() {
        assert_eq!(rv["revision"], i as i64 + 1);
        assert_eq!(rv["user"], "ann");
        assert_eq!(rv["deleted"], i == 2);
        assert!(rv["created_at"].is_string());
    }
    let r = s
        .req("GET", "/api/v1/cases/p1/revisions/1")
        .bearer(&tok)
        .send()
        .expect(200);
    assert_eq!(r.etag(), "\"1\"");
    assert_eq!(r.json()["tumor"]["ki67_percent"], 12.0);
    let r = s
        .req("GET", "/api/v1/cases/p1/revisions/2")
        .bearer(&tok)
        .send()
        .expect(200);
    assert_eq!(r.json()["tumor"]["ki67_percent"], 25.0);
    s.req("GET", "/api/v1/cases/p1/revisions/3")
        .bearer(&tok)
        .send()
        .expect(410);
    s.req("GET", "/api/v1/cases/p1/revisions/4")
        .bearer(&tok)
        .send()
        .expect(404);
    // An old revision can still be evaluated.
    let g1 = s
        .req("GET", "/api/v1/cases/p1/grade?revision=1")
        .bearer(&tok)
        .send()
        .expect(200)
        .json();
    assert_eq!(g1["grade"], "G2", "Ki-67 12 % is G2 (3–20 %)");
}

#[test]
fn search_filters_and_pages() {
    let d = TempDir::new("api-search");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "pharmacist", "ann-password-1");
    let s = Server::start(&db, &[]);
    for (id, ki) in [("pnet-a", 1.0), ("pnet-b", 10.0), ("pnet-c", 40.0), ("other-x", 2.0)] {
        s.req("POST", "/api/v1/cases")
            .bearer(&tok)
            .json(&case(id, ki))
            .send()
            .expect(201);
    }
    let ids = |q: &str| -> Vec<String> {
        let v = s
            .req("GET", &format!("/api/v1/cases{q}"))
            .bearer(&tok)
            .send()
            .expect(200)
            .json();
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(""), ["other-x", "pnet-a", "pnet-b", "pnet-c"]);
    assert_eq!(ids("?id=pnet"), ["pnet-a", "pnet-b", "pnet-c"]);
    assert_eq!(ids("?grade=G1"), ["other-x", "pnet-a"], "Ki-67 < 3 % is G1");
    assert_eq!(ids("?grade=G3&site=pancreas"), ["pnet-c"]);
    assert_eq!(ids("?site=lung"), Vec::<String>::new());
    let v = s
        .req("GET", "/api/v1/cases?limit=2")
        .bearer(&tok)
        .send()
        .expect(200)
        .json();
    assert_eq!(v["next_offset"], 2);
    assert_eq!(ids("?limit=2&offset=2"), ["pnet-b", "pnet-c"]);
}

/// Every example file, every capability: the API's answer is the CLI's `--json` output.
#[test]
fn capabilities_match_the_cli_for_every_example() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files: Vec<_> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "examples/*.json exist");
    let d = TempDir::new("api-cli");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    // --demo stores every example that is a valid case file.
    let s = Server::start_env(&db, &["--demo"], &[("NETRX_DEMO_PASSWORD", "demo-password-1")]);
    let caps: Vec<&str> = netrx_clinical::capability::Capability::ALL
        .iter()
        .map(|c| c.id())
        .collect();
    let kb = netrx_kb::Kb::embedded().unwrap();
    let compared = std::sync::atomic::AtomicUsize::new(0);
    let next = std::sync::atomic::AtomicUsize::new(0);
    // Four workers share the files (CLI runs and server requests overlap on two cores).
    let work = || {
        while let Some(f) = files.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) {
            let text = std::fs::read_to_string(f).unwrap();
            let loaded = netrx_clinical::load_case(&text, kb);
            for cap in &caps {
                // The CLI command of each capability (capability.rs documents it: `pk` is `netrx pk tdm`).
                let mut args: Vec<&str> = if *cap == "pk" { vec!["pk", "tdm"] } else { vec![cap] };
                args.extend([f.to_str().unwrap(), "--json"]);
                let (code, out, err) = netrx(&args, None);
                // Stateless: the case file in the body.
                let r = s
                    .req("POST", &format!("/api/v1/{cap}"))
                    .bearer(&tok)
                    .json(&serde_json::from_str(&text).unwrap())
                    .send();
                match code {
                    0 => {
                        let cli: Value = serde_json::from_str(&out).unwrap();
                        assert_eq!(r.status, 200, "{cap} {f:?}: {}", r.body);
                        assert_eq!(r.json(), cli, "{cap} {f:?}: POST answer differs from the CLI");
                        assert_eq!(r.body, serde_json::to_string(&cli).unwrap(), "same JSON text (compact)");
                    }
                    2 => {
                        assert_eq!(
                            r.status, 400,
                            "{cap} {f:?}: CLI refused ({err}) but API said {}",
                            r.body
                        );
                        let v = r.json();
                        let line = format!(
                            "error: {}: {}",
                            v["field"].as_str().unwrap(),
                            v["message"].as_str().unwrap()
                        );
                        assert_eq!(line, err.trim(), "{cap} {f:?}: same error as the CLI");
                    }
                    c => panic!("netrx {cap} {f:?} exited {c}: {err}"),
                }
                // Stored: the demo seeded it under its id.
                if let Ok(case) = &loaded {
                    let r = s
                        .req("GET", &format!("/api/v1/cases/{}/{cap}", case.id))
                        .bearer(&tok)
                        .send();
                    if code == 0 {
                        assert_eq!(r.status, 200, "{cap} {f:?}: {}", r.body);
                        assert_eq!(
                            r.json(),
                            serde_json::from_str::<Value>(&out).unwrap(),
                            "{cap} {f:?}: stored answer"
                        );
                        // Asked again: the kept answer (see netrx-server's answers.rs), byte for byte.
                        let again = s
                            .req("GET", &format!("/api/v1/cases/{}/{cap}", case.id))
                            .bearer(&tok)
                            .send()
                            .expect(200);
                        assert_eq!(again.body, r.body, "{cap} {f:?}: repeated answer");
                        compared.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    } else {
                        assert_eq!(r.status, 400, "{cap} {f:?}: {}", r.body);
                    }
                }
            }
        }
    };
    std::thread::scope(|sc| {
        for _ in 0..4 {
            sc.spawn(work);
        }
    });
    let compared = compared.into_inner();
    assert!(compared >= files.len() / 2, "most examples compared ({compared})");
    // Query parameters map to the CLI's flags; unknown ones are refused.
    let lung = files
        .iter()
        .find(|f| f.to_string_lossy().contains("lung"))
        .expect("a lung example");
    let lung_id = netrx_clinical::load_case(&std::fs::read_to_string(lung).unwrap(), kb)
        .unwrap()
        .id;
    let (_, out, _) = netrx(
        &[
            "grade",
            lung.to_str().unwrap(),
            "--json",
            "--scheme",
            "who2021_thoracic",
        ],
        None,
    );
    let r = s
        .req("GET", &format!("/api/v1/cases/{lung_id}/grade?scheme=who2021_thoracic"))
        .bearer(&tok)
        .send()
        .expect(200);
    assert_eq!(r.json(), serde_json::from_str::<Value>(&out).unwrap());
    let r = s
        .req("GET", &format!("/api/v1/cases/{lung_id}/grade?scheme=who2022"))
        .bearer(&tok)
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "scheme");
    let r = s
        .req("GET", &format!("/api/v1/cases/{lung_id}/grade?colour=red"))
        .bearer(&tok)
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "colour");
    let r = s
        .req("GET", &format!("/api/v1/cases/{lung_id}/grade?region=mars"))
        .bearer(&tok)
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "region");
    let r = s
        .req("GET", &format!("/api/v1/cases/{lung_id}/astrology"))
        .bearer(&tok)
        .send()
        .expect(404);
    assert_eq!(r.json()["field"], "capability");
}

#[test]
fn demo_seeds_examples_and_a_demo_account_once() {
    let d = TempDir::new("api-demo");
    let db = d.path("netrx.db");
    let mut s = Server::start(&db, &["--demo"]);
    assert!(s.banner.contains("Demo account created"), "{}", s.banner);
    let pw = s
        .banner
        .split("password '")
        .nth(1)
        .unwrap()
        .split('\'')
        .next()
        .unwrap()
        .to_string();
    let r = s
        .req("POST", "/api/v1/login")
        .json(&json!({ "username": "demo", "password": pw }))
        .send()
        .expect(200);
    let cookie = r.header("set-cookie").unwrap().split(';').next().unwrap().to_string();
    let v = s
        .req("GET", "/api/v1/cases")
        .header("Cookie", &cookie)
        .send()
        .expect(200)
        .json();
    let n = v["cases"].as_array().unwrap().len();
    assert!(n >= 3, "example cases seeded: {n}");
    assert_eq!(s.terminate().code(), Some(0));
    // A second start adds nothing and keeps the password.
    let s = Server::start(&db, &["--demo"]);
    assert!(s.banner.contains("0 example case(s) added"), "{}", s.banner);
    assert!(s.banner.contains("exists; its password is unchanged"), "{}", s.banner);
    s.req("POST", "/api/v1/login")
        .json(&json!({ "username": "demo", "password": pw }))
        .send()
        .expect(200);
}

#[test]
fn sessions_cookies_csrf_logout_and_throttling() {
    let d = TempDir::new("api-session");
    let db = d.path("netrx.db");
    user_with_token(&db, "ann", "clinician", "ann-password-1");
    let s = Server::start(&db, &[]);
    // Login needs JSON (a cross-site form cannot send it).
    s.req("POST", "/api/v1/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("username=ann&password=ann-password-1")
        .send()
        .expect(415);
    let r = s
        .req("POST", "/api/v1/login")
        .json(&json!({ "username": "ann", "password": "ann-password-1", "x": 1 }))
        .send()
        .expect(400);
    assert_eq!(r.json()["field"], "x", "unknown fields are errors");
    let r = s
        .req("POST", "/api/v1/login")
        .json(&json!({ "username": "ann", "password": "ann-password-1" }))
        .send()
        .expect(200);
    let set = r.header("set-cookie").unwrap().to_string();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let login = r.json();
    assert_eq!(login["role"], "clinician");
    let csrf = login["csrf_token"].as_str().unwrap().to_string();
    let me = s
        .req("GET", "/api/v1/me")
        .header("Cookie", &cookie)
        .send()
        .expect(200)
        .json();
    assert_eq!(me, json!({ "username": "ann", "role": "clinician", "via": "session" }));
    // A state change with the cookie needs the CSRF token, and a same-origin Origin.
    let r = s
        .req("POST", "/api/v1/cases")
        .header("Cookie", &cookie)
        .json(&case("s1", 5.0))
        .send()
        .expect(403);
    assert_eq!(r.json()["field"], "X-CSRF-Token");
    s.req("POST", "/api/v1/cases")
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", "wrong")
        .json(&case("s1", 5.0))
        .send()
        .expect(403);
    let r = s
        .req("POST", "/api/v1/cases")
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .header("Origin", "http://evil.example")
        .json(&case("s1", 5.0))
        .send()
        .expect(403);
    assert_eq!(r.json()["field"], "Origin");
    s.req("POST", "/api/v1/cases")
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&case("s1", 5.0))
        .send()
        .expect(201);
    // Logout ends the session.
    let r = s
        .req("POST", "/api/v1/logout")
        .header("Cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send()
        .expect(204);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    s.req("GET", "/api/v1/cases")
        .header("Cookie", &cookie)
        .send()
        .expect(401);
    // Throttling: after 5 failures even the right password waits (429 with Retry-After).
    for _ in 0..5 {
        s.req("POST", "/api/v1/login")
            .json(&json!({ "username": "ann", "password": "wrong-password" }))
            .send()
            .expect(401);
    }
    let r = s
        .req("POST", "/api/v1/login")
        .json(&json!({ "username": "ann", "password": "ann-password-1" }))
        .send()
        .expect(429);
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    // Unknown users fail the same way, and everything is in the audit trail.
    s.req("POST", "/api/v1/login")
        .json(&json!({ "username": "nobody", "password": "whatever-1" }))
        .send()
        .expect(401);
    let (code, out, _) = netrx(&["audit", "--db", db.to_str().unwrap(), "--json"], None);
    assert_eq!(code, 0);
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let count = |action: &str, outcome: &str| {
        lines
            .iter()
            .filter(|l| l["action"] == action && l["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("login", "ok"), 1);
    assert_eq!(count("login", "failure"), 6);
    assert_eq!(count("login", "throttled"), 1);
    assert_eq!(count("logout", "ok"), 1);
    for l in &lines {
        for k in ["time", "user", "action", "case_id", "revision", "remote", "outcome"] {
            assert!(l.get(k).is_some(), "audit line has {k}: {l}");
        }
    }
    let created = lines
        .iter()
        .find(|l| l["action"] == "case.create" && l["outcome"] == "ok")
        .unwrap();
    assert_eq!(created["case_id"], "s1");
    assert_eq!(created["revision"], 1);
    assert_eq!(created["remote"], "127.0.0.1");
}

#[test]
fn researchers_see_deidentified_cases_with_intervals_kept() {
    let d = TempDir::new("api-deid");
    let db = d.path("netrx.db");
    let clin = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let res = user_with_token(&db, "rita", "researcher", "rita-password-1");
    let s = Server::start(&db, &[]);
    // A case with dates (the follow-up example) plus identifying fields.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut c: Value = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| serde_json::from_str::<Value>(&std::fs::read_to_string(p).unwrap()).ok())
        .find(|v| v["visits"].as_array().is_some_and(|a| a.len() >= 2) && v["everolimus"]["start_date"].is_string())
        .expect("an example with an everolimus start date and two imaging visits");
    c["id"] = json!("d1");
    c["patient"]["age_years"] = json!(93);
    c["patient"]["name"] = json!("Ann Example");
    c["patient"]["birth_date"] = json!("1931-04-02");
    c["patient"]["mrn"] = json!("MRN-0042");
    s.req("POST", "/api/v1/cases").bearer(&clin).json(&c).send().expect(201);
    let full = s.req("GET", "/api/v1/cases/d1").bearer(&clin).send().expect(200).json();
    let r = s.req("GET", "/api/v1/cases/d1").bearer(&res).send().expect(200);
    assert_eq!(r.etag(), "\"1\"");
    let v = r.json();
    let p = v["patient"].as_object().unwrap();
    for f in ["name", "birth_date", "mrn"] {
        assert!(!p.contains_key(f), "{f} removed: {v}");
        assert!(
            !r.body.contains(full["patient"][f].as_str().unwrap()),
            "{f} value absent anywhere"
        );
    }
    assert_eq!(v["tumor"], full["tumor"], "clinical data kept");
    assert_eq!(v["patient"]["age_years"], 90.0, "ages of 90 or more reported as 90");
    let day = |x: &Value| x.as_str().unwrap().parse::<netrx_case::Date>().unwrap();
    let shift = day(&full["visits"][0]["date"]).days_until(day(&v["visits"][0]["date"]));
    assert!(shift != 0 && shift.abs() <= 365, "dates shifted by 1–365 days: {shift}");
    for (a, b) in [
        (&full["everolimus"]["start_date"], &v["everolimus"]["start_date"]),
        (&full["visits"][1]["date"], &v["visits"][1]["date"]),
    ] {
        assert_eq!(
            day(a).days_until(day(b)),
            shift,
            "one shift per case keeps every interval"
        );
    }
    // Revisions and capabilities are de-identified too; researchers cannot write.
    let r = s
        .req("GET", "/api/v1/cases/d1/revisions/1")
        .bearer(&res)
        .send()
        .expect(200);
    assert!(!r.body.contains("Ann Example"));
    s.req("GET", "/api/v1/cases/d1/grade").bearer(&res).send().expect(200);
    s.req("POST", "/api/v1/cases")
        .bearer(&res)
        .json(&case("d2", 1.0))
        .send()
        .expect(403);
    s.req("PUT", "/api/v1/cases/d1")
        .bearer(&res)
        .if_match("\"1\"")
        .json(&case("d1", 1.0))
        .send()
        .expect(403);
    let (_, out, _) = netrx(
        &["audit", "--db", db.to_str().unwrap(), "--user", "rita", "--json"],
        None,
    );
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l["action"] == "case.read" && l["detail"].as_str().unwrap_or("").contains("de-identified"))
    );
    assert_eq!(lines.iter().filter(|l| l["outcome"] == "denied").count(), 2);
}

#[test]
fn every_access_to_patient_data_is_audited() {
    let d = TempDir::new("api-audit");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let admin = user_with_token(&db, "root", "admin", "root-password-1");
    let s = Server::start(&db, &[]);
    s.req("POST", "/api/v1/cases")
        .bearer(&tok)
        .json(&case("a1", 5.0))
        .send()
        .expect(201);
    s.req("GET", "/api/v1/cases/a1").bearer(&tok).send().expect(200);
    s.req("PUT", "/api/v1/cases/a1")
        .bearer(&tok)
        .if_match("\"1\"")
        .json(&case("a1", 6.0))
        .send()
        .expect(200);
    s.req("PUT", "/api/v1/cases/a1")
        .bearer(&tok)
        .if_match("\"1\"")
        .json(&case("a1", 7.0))
        .send()
        .expect(412);
    s.req("GET", "/api/v1/cases/a1/revisions")
        .bearer(&tok)
        .send()
        .expect(200);
    s.req("GET", "/api/v1/cases/a1/revisions/1")
        .bearer(&tok)
        .send()
        .expect(200);
    s.req("GET", "/api/v1/cases/a1/grade").bearer(&tok).send().expect(200);
    s.req("GET", "/api/v1/cases").bearer(&tok).send().expect(200);
    s.req("POST", "/api/v1/grade")
        .bearer(&tok)
        .json(&case("a1", 5.0))
        .send()
        .expect(200);
    s.req("DELETE", "/api/v1/cases/a1")
        .bearer(&tok)
        .if_match("\"2\"")
        .send()
        .expect(200);
    s.req("GET", "/api/v1/cases/a1").bearer(&tok).send().expect(410);
    s.req("GET", "/api/v1/cases/a1").bearer(&admin).send().expect(403);
    let (code, out, err) = netrx(&["audit", "--db", db.to_str().unwrap(), "--case", "a1", "--json"], None);
    assert_eq!(code, 0, "{err}");
    let got: Vec<(String, String, String, Value)> = out
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| {
            (
                v["user"].as_str().unwrap().to_string(),
                v["action"].as_str().unwrap().to_string(),
                v["outcome"].as_str().unwrap().to_string(),
                v["revision"].clone(),
            )
        })
        .collect();
    let want: Vec<(&str, &str, &str, Value)> = vec![
        ("ann", "case.create", "ok", json!(1)),
        ("ann", "case.read", "ok", json!(1)),
        ("ann", "case.update", "ok", json!(2)),
        ("ann", "case.update", "stale", json!(2)),
        ("ann", "case.revisions", "ok", json!(2)),
        ("ann", "case.read", "ok", json!(1)),
        ("ann", "case.evaluate", "ok", json!(2)),
        ("ann", "evaluate", "ok", Value::Null),
        ("ann", "case.delete", "ok", json!(3)),
        ("ann", "case.read", "gone", json!(3)),
        ("root", "case.read", "denied", Value::Null),
    ];
    let want: Vec<(String, String, String, Value)> = want
        .into_iter()
        .map(|(a, b, c, d)| (a.into(), b.into(), c.into(), d))
        .collect();
    assert_eq!(got, want);
    // The list read is audited without a case id; the API offers no way to change the trail.
    let (_, all, _) = netrx(
        &["audit", "--db", db.to_str().unwrap(), "--user", "ann", "--json"],
        None,
    );
    assert!(all.lines().any(|l| l.contains("\"case.list\"")));
    let v = s
        .req("GET", "/api/v1/audit?case=a1")
        .bearer(&admin)
        .send()
        .expect(200)
        .json();
    assert_eq!(v["entries"].as_array().unwrap().len(), 11);
    s.req("DELETE", "/api/v1/audit").bearer(&admin).send().expect(405);
    s.req("PUT", "/api/v1/audit")
        .bearer(&admin)
        .json(&json!({}))
        .send()
        .expect(405);
    // And the database itself refuses to rewrite it.
    let c = netrx_store::connect(&db).unwrap();
    assert!(c.execute("DELETE FROM audit", []).is_err());
    assert!(c.execute("UPDATE audit SET user = 'x'", []).is_err());
}

#[test]
fn backup_while_serving_and_restore() {
    let d = TempDir::new("api-backup");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let s = Server::start(&db, &[]);
    for i in 0..20 {
        s.req("POST", "/api/v1/cases")
            .bearer(&tok)
            .json(&case(&format!("b{i}"), 5.0))
            .send()
            .expect(201);
    }
    // Keep writing while the backup runs.
    let addr = s.addr;
    let t2 = tok.clone();
    let writer = std::thread::spawn(move || {
        for i in 20..60 {
            Req::new(addr, "POST", "/api/v1/cases")
                .bearer(&t2)
                .json(&case(&format!("b{i}"), 5.0))
                .send()
                .expect(201);
        }
    });
    let out = d.path("backup.db");
    let (code, _, err) = netrx(&["backup", "--db", db.to_str().unwrap(), out.to_str().unwrap()], None);
    assert_eq!(code, 0, "{err}");
    writer.join().unwrap();
    assert!(integrity(&out).is_empty());
    let backed = store_fingerprint(&out).1;
    assert!((20..=60).contains(&backed), "a consistent snapshot: {backed} cases");
    // Never overwrites; restore refuses while a server runs on the target.
    let (code, _, _) = netrx(&["backup", "--db", db.to_str().unwrap(), out.to_str().unwrap()], None);
    assert_eq!(code, 2);
    let (code, _, err) = netrx(
        &[
            "restore",
            "--db",
            db.to_str().unwrap(),
            out.to_str().unwrap(),
            "--force",
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("running"), "{err}");
    // Restore into a new file and serve it: the backed-up cases and accounts are there.
    let restored = d.path("restored.db");
    let (code, _, err) = netrx(
        &["restore", "--db", restored.to_str().unwrap(), out.to_str().unwrap()],
        None,
    );
    assert_eq!(code, 0, "{err}");
    drop(s);
    let s2 = Server::start(&restored, &[]);
    let v = s2.req("GET", "/api/v1/cases").bearer(&tok).send().expect(200).json();
    assert_eq!(v["cases"].as_array().unwrap().len() as i64, backed);
    // A file that is not a netrx database is refused.
    let junk = d.path("junk.db");
    std::fs::write(&junk, "not a database").unwrap();
    let (code, _, err) = netrx(
        &[
            "restore",
            "--db",
            d.path("x.db").to_str().unwrap(),
            junk.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 2, "{err}");
}

#[test]
fn graceful_shutdown_finishes_in_flight_requests() {
    use std::io::Write;
    let d = TempDir::new("api-shutdown");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let mut s = Server::start(&db, &[]);
    // Start a request and send only half of its body.
    let body = case("g1", 5.0).to_string();
    let mut conn = std::net::TcpStream::connect(s.addr).unwrap();
    write!(
        conn,
        "POST /api/v1/cases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..body.len() / 2]
    )
    .unwrap();
    conn.flush().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    s.sigterm();
    std::thread::sleep(std::time::Duration::from_millis(300));
    // The in-flight request completes after the signal...
    conn.write_all(&body.as_bytes()[body.len() / 2..]).unwrap();
    let r = read_response(&mut conn).unwrap();
    assert_eq!(r.status, 201, "{r:?}");
    // ...the server then exits cleanly, and the write is durable.
    let status = s.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let s2 = Server::start(&db, &[]);
    s2.req("GET", "/api/v1/cases/g1").bearer(&tok).send().expect(200);
}

/// Every operation the OpenAPI document describes answers on a running server: never 404 (no such
/// route) nor 405 (method not routed). Path parameters take real values: a stored case, revision 1,
/// every capability and CDS service the document enumerates, an existing user.
#[test]
fn openapi_every_documented_operation_answers() {
    let d = TempDir::new("api-openapi-answers");
    let db = d.path("netrx.db");
    let clin = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let admin = user_with_token(&db, "root", "admin", "root-password-1");
    user_with_token(&db, "bob", "clinician", "bob-password-1");
    let s = Server::start(&db, &[]);
    s.req("POST", "/api/v1/cases")
        .bearer(&clin)
        .json(&case("oa1", 12.0))
        .send()
        .expect(201);
    let o = s
        .req("GET", "/api/v1/openapi.json")
        .bearer(&clin)
        .send()
        .expect(200)
        .json();
    let mut checked = 0;
    for (path, item) in o["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // Each path parameter: the values its schema enumerates, else a real one.
            let mut urls = vec![path.clone()];
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] != "path" {
                    continue;
                }
                let name = p["name"].as_str().unwrap();
                let values: Vec<String> = match p["schema"]["enum"].as_array() {
                    Some(e) => e.iter().map(|v| v.as_str().unwrap().to_string()).collect(),
                    None => vec![
                        match name {
                            "id" => "oa1",
                            "rev" => "1",
                            "username" => "bob",
                            other => panic!("{method} {path}: no test value for path parameter {other}"),
                        }
                        .to_string(),
                    ],
                };
                urls = urls
                    .iter()
                    .flat_map(|u| values.iter().map(move |v| u.replace(&format!("{{{name}}}"), v)))
                    .collect();
            }
            let admin_only = path.starts_with("/api/v1/users") || path == "/api/v1/audit";
            let token = if admin_only { &admin } else { &clin };
            for url in urls {
                assert!(!url.contains('{'), "{method} {url}: every path parameter substituted");
                let m = method.to_uppercase();
                let mut req = s.req(&m, &url).bearer(token);
                if op.get("requestBody").is_some() {
                    req = req.json(&json!({}));
                }
                let r = req.send();
                assert!(r.status != 404 && r.status != 405, "{m} {url} answers: {r:?}");
                checked += 1;
            }
        }
    }
    // The /api/v1 routes, the capabilities, the FHIR import and the three CDS operations.
    let caps = netrx_clinical::capability::Capability::ALL.len();
    assert!(checked >= 22 + 2 * caps, "{checked} operations checked");
}

#[test]
fn openapi_health_and_user_cli() {
    let d = TempDir::new("api-openapi");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let s = Server::start(&db, &[]);
    let h = s.req("GET", "/api/v1/health").send().expect(200).json();
    assert_eq!(h["status"], "ok");
    assert!(h["knowledge_version"].is_string());
    s.req("GET", "/api/v1/openapi.json").send().expect(401);
    let o = s
        .req("GET", "/api/v1/openapi.json")
        .bearer(&tok)
        .send()
        .expect(200)
        .json();
    assert!(o["openapi"].as_str().unwrap().starts_with("3."));
    for p in [
        "/api/v1/cases",
        "/api/v1/cases/{id}",
        "/api/v1/cases/{id}/revisions",
        "/api/v1/cases/{id}/revisions/{rev}",
        "/api/v1/cases/{id}/{capability}",
        "/api/v1/{capability}",
        "/api/v1/health",
        "/api/v1/login",
    ] {
        assert!(o["paths"].get(p).is_some(), "OpenAPI documents {p}");
    }
    // The FHIR import and the CDS Hooks service, at their real (absolute) paths outside /api/v1:
    // no `servers` entry moves the base away from the server's root.
    assert!(o.get("servers").is_none(), "paths are absolute: {:?}", o.get("servers"));
    for (path, method, codes) in [
        (
            "/fhir/import",
            "post",
            &["200", "201", "400", "401", "403", "404", "409", "410", "412", "413"][..],
        ),
        ("/cds-services", "get", &["200", "400"][..]),
        (
            "/cds-services/{service}",
            "post",
            &["200", "400", "401", "403", "404", "412", "413"][..],
        ),
        (
            "/cds-services/{service}/feedback",
            "post",
            &["200", "400", "401", "403", "404", "413"][..],
        ),
    ] {
        let op = &o["paths"][path][method];
        let documented: Vec<&str> = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("OpenAPI documents {method} {path}"))
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(documented, codes, "{method} {path}");
    }
    // Auth as implemented: the import takes the API's credentials (document default), discovery none,
    // the CDS calls a netrx bearer token or a registered client's JWT (no session cookie).
    assert!(o["paths"]["/fhir/import"]["post"].get("security").is_none());
    assert_eq!(o["security"], json!([{ "bearer": [] }, { "session": [] }]));
    assert_eq!(o["paths"]["/cds-services"]["get"]["security"], json!([]));
    for p in ["/cds-services/{service}", "/cds-services/{service}/feedback"] {
        assert_eq!(
            o["paths"][p]["post"]["security"],
            json!([{ "bearer": [] }, { "cdsJwt": [] }]),
            "{p}"
        );
    }
    assert_eq!(o["components"]["securitySchemes"]["cdsJwt"]["bearerFormat"], "JWT");
    let params = o["paths"]["/api/v1/cases/{id}/{capability}"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let cap = params.iter().find(|p| p["name"] == "capability").unwrap();
    let listed: Vec<&str> = cap["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let all: Vec<&str> = netrx_clinical::capability::Capability::ALL
        .iter()
        .map(|c| c.id())
        .collect();
    assert_eq!(listed, all, "every capability of this build is documented");
    assert!(o["components"]["schemas"]["CaseFile"]["properties"]["tumor"].is_object());
    // User commands: duplicate names and bad roles are input errors; revoked tokens stop working.
    let dbs = db.to_str().unwrap();
    let (code, _, err) = netrx(
        &[
            "user",
            "add",
            "ANN",
            "--role",
            "clinician",
            "--password-stdin",
            "--db",
            dbs,
        ],
        Some("xxxxxxxxx\n"),
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = netrx(
        &["user", "add", "bob", "--role", "boss", "--password-stdin", "--db", dbs],
        Some("xxxxxxxxx\n"),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--role"), "{err}");
    let (code, _, err) = netrx(
        &[
            "user",
            "add",
            "bob",
            "--role",
            "clinician",
            "--password-stdin",
            "--db",
            dbs,
        ],
        Some("short\n"),
    );
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = netrx(&["user", "revoke-token", "ann", "--db", dbs], None);
    assert_eq!(code, 0);
    s.req("GET", "/api/v1/me").bearer(&tok).send().expect(401);
    let (code, out, _) = netrx(&["user", "list", "--db", dbs, "--json"], None);
    assert_eq!(code, 0);
    assert!(out.contains("\"ann\"") && !out.contains("argon2"), "{out}");
    // A fresh --db in a missing directory is an input error.
    let (code, _, err) = netrx(
        &["user", "list", "--db", d.path("no/such/dir.db").to_str().unwrap()],
        None,
    );
    assert_eq!(code, 2, "{err}");
}
