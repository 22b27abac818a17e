//! Reliability of the server (issue 7 §6), over real HTTP on loopback against a
//! child `netrx serve` on a real SQLite file: crash safety under SIGKILL,
//! optimistic concurrency without lost updates, and bad input that never
//! changes the store.

mod server_support;

use serde_json::{Value, json};
use server_support::*;
use std::collections::HashMap;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

/// An acknowledged write: (case id, revision) → the Ki-67 value sent.
type Acked = Arc<Mutex<HashMap<(String, i64), f64>>>;

fn writer(addr: std::net::SocketAddr, tok: String, prefix: String, acked: Acked, seed: u64) {
    let mut rng = Rng(seed | 1);
    let mut mine: Vec<(String, i64)> = Vec::new();
    for n in 0.. {
        // Mostly new cases, sometimes a new revision of one of ours.
        let r = if !mine.is_empty() && rng.below(3) == 0 {
            let i = rng.below(mine.len() as u64) as usize;
            let (id, rev) = mine[i].clone();
            let ki = (rng.below(1000) as f64) / 10.0;
            match Req::new(addr, "PUT", &format!("/api/v1/cases/{id}"))
                .bearer(&tok)
                .if_match(&format!("\"{rev}\""))
                .json(&case(&id, ki))
                .try_send()
            {
                Ok(r) if r.status == 200 => {
                    let new = r.json()["revision"].as_i64().unwrap();
                    acked.lock().unwrap().insert((id.clone(), new), ki);
                    mine[i].1 = new;
                    Ok(())
                }
                Ok(r) => panic!("unexpected answer {r:?}"),
                Err(e) => Err(e),
            }
        } else {
            let id = format!("{prefix}-{n}");
            let ki = (rng.below(1000) as f64) / 10.0;
            match Req::new(addr, "POST", "/api/v1/cases")
                .bearer(&tok)
                .json(&case(&id, ki))
                .try_send()
            {
                Ok(r) if r.status == 201 => {
                    acked.lock().unwrap().insert((id.clone(), 1), ki);
                    mine.push((id, 1));
                    Ok(())
                }
                Ok(r) => panic!("unexpected answer {r:?}"),
                Err(e) => Err(e),
            }
        };
        if r.is_err() {
            return; // the server is gone
        }
    }
}

fn check_acked(s: &Server, tok: &str, acked: &Acked) -> usize {
    let acked = acked.lock().unwrap().clone();
    // Group the checks by case: one revisions list each, then the revision bodies.
    let mut by_case: HashMap<String, Vec<(i64, f64)>> = HashMap::new();
    for ((id, rev), ki) in &acked {
        by_case.entry(id.clone()).or_default().push((*rev, *ki));
    }
    for (id, revs) in &by_case {
        let list = s
            .req("GET", &format!("/api/v1/cases/{id}/revisions"))
            .bearer(tok)
            .send()
            .expect(200)
            .json();
        let stored = list["revisions"].as_array().unwrap().len() as i64;
        for (rev, ki) in revs {
            assert!(
                *rev <= stored,
                "acknowledged revision {rev} of {id} lost ({stored} stored)"
            );
            let r = s
                .req("GET", &format!("/api/v1/cases/{id}/revisions/{rev}"))
                .bearer(tok)
                .send()
                .expect(200);
            assert_eq!(
                r.json()["tumor"]["ki67_percent"].as_f64().unwrap(),
                *ki,
                "{id} revision {rev} content"
            );
        }
    }
    acked.len()
}

#[test]
fn crash_safety_sigkill_loses_no_acknowledged_write() {
    let d = TempDir::new("crash");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let acked: Acked = Arc::new(Mutex::new(HashMap::new()));
    let mut rng = Rng::from_time();
    const ROUNDS: usize = 20;
    let started = Instant::now();
    for round in 0..ROUNDS {
        let mut s = Server::start(&db, &[]);
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (addr, tok, acked) = (s.addr, tok.clone(), acked.clone());
                let seed = rng.next();
                std::thread::spawn(move || writer(addr, tok, format!("r{round}t{t}"), acked, seed))
            })
            .collect();
        // Kill at a random moment under load.
        std::thread::sleep(Duration::from_millis(40 + rng.below(400)));
        s.kill();
        for t in threads {
            t.join().unwrap();
        }
        // After the crash: the file is sound (SQLite's integrity_check, every revision whole,
        // heads pointing at their last revision, no gaps).
        let problems = integrity(&db);
        assert!(problems.is_empty(), "round {round}: {problems:?}");
    }
    // Restart once more and read back every acknowledged write.
    let s = Server::start(&db, &[]);
    let n = check_acked(&s, &tok, &acked);
    let (revisions, cases, _, _) = store_fingerprint(&db);
    eprintln!(
        "{ROUNDS} SIGKILL rounds in {:.1} s: {n} acknowledged writes, all present ({cases} cases, {revisions} revisions stored)",
        started.elapsed().as_secs_f64()
    );
    assert!(n >= ROUNDS, "enough writes were acknowledged to test something ({n})");
    assert!(revisions as usize >= n);
}

#[test]
fn same_if_match_gives_exactly_one_success() {
    let d = TempDir::new("conc");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let s = Server::start(&db, &[]);
    s.req("POST", "/api/v1/cases")
        .bearer(&tok)
        .json(&case("c", 0.0))
        .send()
        .expect(201);
    const CLIENTS: usize = 16;
    for rev in 1..=3i64 {
        let barrier = Arc::new(Barrier::new(CLIENTS));
        let handles: Vec<_> = (0..CLIENTS)
            .map(|i| {
                let (addr, tok, b) = (s.addr, tok.clone(), barrier.clone());
                std::thread::spawn(move || {
                    b.wait();
                    Req::new(addr, "PUT", "/api/v1/cases/c")
                        .bearer(&tok)
                        .if_match(&format!("\"{rev}\""))
                        .json(&case("c", i as f64))
                        .send()
                })
            })
            .collect();
        let answers: Vec<Resp> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let ok: Vec<&Resp> = answers.iter().filter(|r| r.status == 200).collect();
        assert_eq!(ok.len(), 1, "exactly one success for revision {rev}");
        assert_eq!(ok[0].json()["revision"], rev + 1);
        for r in answers.iter().filter(|r| r.status != 200) {
            assert_eq!(r.status, 412, "{r:?}");
            assert_eq!(r.json()["current_revision"], rev + 1);
        }
    }
    // No lost update: clients increment a value with read-modify-write, retrying on 412.
    const WORKERS: usize = 8;
    const EACH: usize = 5;
    let handles: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (addr, tok) = (s.addr, tok.clone());
            std::thread::spawn(move || {
                let mut retries = 0;
                for _ in 0..EACH {
                    loop {
                        let r = Req::new(addr, "GET", "/api/v1/cases/c").bearer(&tok).send().expect(200);
                        let etag = r.etag();
                        let mut v = r.json();
                        let ki = v["tumor"]["ki67_percent"].as_f64().unwrap();
                        v["tumor"]["ki67_percent"] = json!(ki + 1.0);
                        let w = Req::new(addr, "PUT", "/api/v1/cases/c")
                            .bearer(&tok)
                            .if_match(&etag)
                            .json(&v)
                            .send();
                        match w.status {
                            200 => break,
                            412 => retries += 1,
                            _ => panic!("{w:?}"),
                        }
                    }
                }
                retries
            })
        })
        .collect();
    let retries: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    let v = s.req("GET", "/api/v1/cases/c").bearer(&tok).send().expect(200);
    let start = s
        .req("GET", "/api/v1/cases/c/revisions/4")
        .bearer(&tok)
        .send()
        .expect(200)
        .json()["tumor"]["ki67_percent"]
        .as_f64()
        .unwrap();
    assert_eq!(
        v.json()["tumor"]["ki67_percent"].as_f64().unwrap(),
        start + (WORKERS * EACH) as f64,
        "no lost update"
    );
    assert_eq!(v.etag(), format!("\"{}\"", 4 + WORKERS * EACH));
    eprintln!("{} increments with {retries} retries after 412", WORKERS * EACH);
}

/// (method, path, body, extra headers, expected status, expected field).
type BadCase = (
    &'static str,
    String,
    Option<Vec<u8>>,
    Vec<(&'static str, &'static str)>,
    u16,
    Option<&'static str>,
);

#[test]
fn bad_input_gets_the_right_4xx_and_changes_nothing() {
    let d = TempDir::new("bad");
    let db = d.path("netrx.db");
    let tok = user_with_token(&db, "ann", "clinician", "ann-password-1");
    let s = Server::start(&db, &[]);
    s.req("POST", "/api/v1/cases")
        .bearer(&tok)
        .json(&case("keep", 5.0))
        .send()
        .expect(201);
    let before = store_fingerprint(&db);
    let good = case("new-one", 5.0);
    let mut wrong_type = good.clone();
    wrong_type["patient"]["age_years"] = json!("sixty");
    let mut out_of_range = good.clone();
    out_of_range["tumor"]["ki67_percent"] = json!(140);
    let mut unknown = good.clone();
    unknown["tumor"]["colour"] = json!("red");
    let mut bad_enum = good.clone();
    bad_enum["tumor"]["primary_site"] = json!("liver'); DROP TABLE cases; --");
    let mut bad_id = good.clone();
    bad_id["id"] = json!("../../etc/passwd");
    let huge = format!("{{\"id\":\"h\",\"pad\":\"{}\"}}", "x".repeat(1 << 20));
    let cases: Vec<BadCase> = vec![
        // (method, path, body, extra headers, status, field)
        (
            "POST",
            "/api/v1/cases".into(),
            Some(b"{\"id\": ".to_vec()),
            vec![],
            400,
            Some("(document)"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(b"".to_vec()),
            vec![],
            400,
            Some("(document)"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(b"[1,2]".to_vec()),
            vec![],
            400,
            None,
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(vec![0xff, 0xfe, b'{']),
            vec![],
            400,
            Some("(document)"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(wrong_type.to_string().into()),
            vec![],
            400,
            Some("patient.age_years"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(out_of_range.to_string().into()),
            vec![],
            400,
            Some("tumor.ki67_percent"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(unknown.to_string().into()),
            vec![],
            400,
            Some("tumor.colour"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(bad_enum.to_string().into()),
            vec![],
            400,
            Some("tumor.primary_site"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(bad_id.to_string().into()),
            vec![],
            400,
            Some("id"),
        ),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(huge.clone().into()),
            vec![],
            413,
            None,
        ),
        ("POST", "/api/v1/grade".into(), Some(huge.into()), vec![], 413, None),
        (
            "POST",
            "/api/v1/cases".into(),
            Some(case("keep", 9.0).to_string().into()),
            vec![],
            409,
            Some("id"),
        ),
        (
            "POST",
            "/api/v1/cases?x=1".into(),
            Some(good.to_string().into()),
            vec![],
            400,
            Some("x"),
        ),
        (
            "PUT",
            "/api/v1/cases/keep".into(),
            Some(good.to_string().into()),
            vec![("If-Match", "\"1\"")],
            400,
            Some("id"),
        ),
        (
            "PUT",
            "/api/v1/cases/keep".into(),
            Some(case("keep", 9.0).to_string().into()),
            vec![],
            428,
            Some("If-Match"),
        ),
        (
            "PUT",
            "/api/v1/cases/keep".into(),
            Some(case("keep", 9.0).to_string().into()),
            vec![("If-Match", "*")],
            400,
            Some("If-Match"),
        ),
        (
            "PUT",
            "/api/v1/cases/keep".into(),
            Some(case("keep", 9.0).to_string().into()),
            vec![("If-Match", "\"7\"")],
            412,
            Some("If-Match"),
        ),
        (
            "PUT",
            "/api/v1/cases/keep".into(),
            Some(b"{\"id\":\"keep\"}".to_vec()),
            vec![("If-Match", "\"1\"")],
            400,
            None,
        ),
        (
            "DELETE",
            "/api/v1/cases/keep".into(),
            None,
            vec![("If-Match", "\"0\"")],
            400,
            Some("If-Match"),
        ),
        (
            "DELETE",
            "/api/v1/cases/keep".into(),
            None,
            vec![("If-Match", "\"2\"")],
            412,
            Some("If-Match"),
        ),
        // Path traversal and odd ids.
        (
            "GET",
            "/api/v1/cases/..%2F..%2Fetc%2Fpasswd".into(),
            None,
            vec![],
            400,
            Some("id"),
        ),
        ("GET", "/api/v1/cases/%2e%2e".into(), None, vec![], 400, Some("id")),
        ("GET", "/api/v1/cases/../../etc/passwd".into(), None, vec![], 404, None),
        (
            "PUT",
            "/api/v1/cases/..%2Fkeep".into(),
            Some(case("keep", 9.0).to_string().into()),
            vec![("If-Match", "\"1\"")],
            400,
            Some("id"),
        ),
        (
            "DELETE",
            "/api/v1/cases/a%00b".into(),
            None,
            vec![("If-Match", "\"1\"")],
            400,
            Some("id"),
        ),
        (
            "GET",
            "/api/v1/cases/keep/revisions/abc".into(),
            None,
            vec![],
            400,
            Some("rev"),
        ),
        (
            "GET",
            "/api/v1/cases/keep/revisions/0".into(),
            None,
            vec![],
            400,
            Some("rev"),
        ),
        (
            "GET",
            "/api/v1/cases/keep/revisions/-1".into(),
            None,
            vec![],
            400,
            Some("rev"),
        ),
        (
            "GET",
            "/api/v1/cases/keep/grade?revision=x".into(),
            None,
            vec![],
            400,
            Some("revision"),
        ),
        // SQL metacharacters in the search.
        (
            "GET",
            "/api/v1/cases?id=%27%20OR%201%3D1%20--".into(),
            None,
            vec![],
            400,
            Some("id"),
        ),
        ("GET", "/api/v1/cases?id=keep%25".into(), None, vec![], 400, Some("id")),
        (
            "GET",
            "/api/v1/cases?site=pancreas%27%20OR%20%271%27%3D%271".into(),
            None,
            vec![],
            400,
            Some("site"),
        ),
        (
            "GET",
            "/api/v1/cases?grade=G1%3B%20DROP%20TABLE%20cases".into(),
            None,
            vec![],
            400,
            Some("grade"),
        ),
        ("GET", "/api/v1/cases?limit=-5".into(), None, vec![], 400, Some("limit")),
        (
            "GET",
            "/api/v1/cases?limit=1&limit=2".into(),
            None,
            vec![],
            400,
            Some("limit"),
        ),
        (
            "GET",
            "/api/v1/cases?deleted=maybe".into(),
            None,
            vec![],
            400,
            Some("deleted"),
        ),
        ("GET", "/api/v1/nowhere".into(), None, vec![], 404, None),
        (
            "PATCH",
            "/api/v1/cases/keep".into(),
            Some(b"{}".to_vec()),
            vec![],
            405,
            None,
        ),
        (
            "POST",
            "/api/v1/astrology".into(),
            Some(good.to_string().into()),
            vec![],
            404,
            Some("capability"),
        ),
    ];
    for (method, path, body, headers, status, field) in cases {
        let mut r = s.req(method, &path).bearer(&tok);
        for (k, v) in headers {
            r = r.header(k, v);
        }
        if let Some(b) = body {
            r = r.header("Content-Type", "application/json").body(b);
        }
        let resp = r.send();
        assert_eq!(resp.status, status, "{method} {path}: {}", resp.body);
        let v: Value = resp.json();
        assert!(
            v["error"].is_string() && v["message"].is_string() && v.get("field").is_some(),
            "{method} {path}: {v}"
        );
        if let Some(f) = field {
            assert_eq!(v["field"], f, "{method} {path}: {v}");
        }
        assert_eq!(store_fingerprint(&db), before, "{method} {path} changed the store");
    }
    // The store still answers normally, the kept case is untouched.
    let r = s.req("GET", "/api/v1/cases/keep").bearer(&tok).send().expect(200);
    assert_eq!(r.etag(), "\"1\"");
    assert!(integrity(&db).is_empty());
    // A body of exactly 1 MiB is not refused for its size.
    let pad = (1 << 20) - r#"{"id":"h","pad":""}"#.len();
    let exact = format!("{{\"id\":\"h\",\"pad\":\"{}\"}}", "x".repeat(pad));
    assert_eq!(exact.len(), 1 << 20);
    let resp = s
        .req("POST", "/api/v1/cases")
        .bearer(&tok)
        .header("Content-Type", "application/json")
        .body(exact)
        .send();
    assert_eq!(
        resp.status,
        400,
        "1 MiB exactly is read and then refused as a case file: {}",
        &resp.body[..200.min(resp.body.len())]
    );
}
