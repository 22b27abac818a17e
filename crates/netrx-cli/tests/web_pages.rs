//! The web app over real HTTP (no browser): every page at its stable URL, sign-in with a
//! plain form, CSRF on every state-changing form, the editor's checks (the same messages
//! as the API), stale saves refused (412), roles (researchers see de-identified data only,
//! admins no patient data), escaping of user input, security headers, and page weight
//! (no page over 300 KB before plots).

mod server_support;

use server_support::{Resp, Server, TempDir, netrx, user_with_token};
use std::collections::BTreeMap;

const PW: &str = "demo-password-1";

/// A signed-in browser-like client: the session cookie and the page's CSRF token.
struct Client<'a> {
    srv: &'a Server,
    cookie: String,
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            v.strip_prefix(&format!("{name}="))
                .map(|x| x.split(';').next().unwrap_or("").to_string())
        })
}

/// The value of a hidden input in a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let i = html.find(&key).unwrap_or_else(|| panic!("no hidden {name} in page"));
    html[i + key.len()..].split('"').next().unwrap().to_string()
}

/// Sign in through the HTML form (no JavaScript): GET /login, POST /login.
fn sign_in<'a>(srv: &'a Server, user: &str, pw: &str) -> Client<'a> {
    let page = srv.req("GET", "/login").send();
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("<form method=\"post\" action=\"/login\""),
        "plain form"
    );
    assert!(page.body.contains("<label for=\"username\">") && page.body.contains("<label for=\"password\">"));
    let login_cookie = set_cookie(&page, "netrx_login").expect("login form token cookie");
    let token = hidden(&page.body, "login_token");
    assert_eq!(token, login_cookie);
    let r = srv
        .req("POST", "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Cookie", &format!("netrx_login={login_cookie}"))
        .body(form_body(&[
            ("login_token", &token),
            ("next", "/cases"),
            ("username", user),
            ("password", pw),
        ]))
        .send();
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/cases"));
    let cookie = set_cookie(&r, "netrx_session").expect("session cookie");
    Client { srv, cookie }
}

impl Client<'_> {
    fn get(&self, path: &str) -> Resp {
        self.srv
            .req("GET", path)
            .header("Cookie", &format!("netrx_session={}", self.cookie))
            .send()
    }

    fn post(&self, path: &str, pairs: &[(&str, &str)]) -> Resp {
        self.srv
            .req("POST", path)
            .header("Cookie", &format!("netrx_session={}", self.cookie))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Origin", &format!("http://{}", self.srv.addr))
            .body(form_body(pairs))
            .send()
    }

    fn csrf(&self) -> String {
        hidden(&self.get("/cases").body, "csrf_token")
    }
}

fn start(tag: &str) -> (TempDir, Server) {
    let dir = TempDir::new(tag);
    let db = dir.path("netrx.db");
    let srv = Server::start_env(&db, &["--demo"], &[("NETRX_DEMO_PASSWORD", PW)]);
    (dir, srv)
}

/// The text of HTML with its character references decoded (askama writes `"` as `&#34;`).
fn unescape(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let ent = &rest[1..e];
            let c = match ent {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ if ent.starts_with("#x") => u32::from_str_radix(&ent[2..], 16).ok().and_then(char::from_u32),
                _ if ent.starts_with('#') => ent[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Bytes of a page without its inline SVG charts.
fn weight_before_plots(html: &str) -> usize {
    let mut n = 0;
    let mut rest = html;
    while let Some(i) = rest.find("<svg") {
        n += i;
        match rest[i..].find("</svg>") {
            Some(j) => rest = &rest[i + j + 6..],
            None => return n + rest.len(),
        }
    }
    n + rest.len()
}

#[test]
fn pages_sign_in_and_out_and_need_a_session() {
    let (_dir, srv) = start("web-pages");
    // Without a session every page sends the browser to the sign-in form, and back afterwards.
    for path in [
        "/cases",
        "/cases/new",
        "/cases/pnet-g2-progressive",
        "/cases/pnet-g2-progressive/edit",
        "/evidence",
    ] {
        let r = srv.req("GET", path).send();
        assert_eq!(r.status, 303, "{path}");
        let loc = r.header("location").unwrap();
        assert!(loc.starts_with("/login?next="), "{path} → {loc}");
    }
    let r = srv.req("GET", "/").send();
    assert_eq!((r.status, r.header("location")), (303, Some("/cases")));
    // A wrong password: 401 and the form again, with the message.
    let page = srv.req("GET", "/login").send();
    let token = hidden(&page.body, "login_token");
    let r = srv
        .req("POST", "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Cookie", &format!("netrx_login={token}"))
        .body(form_body(&[
            ("login_token", &token),
            ("username", "demo"),
            ("password", "nope-nope"),
        ]))
        .send();
    assert_eq!(r.status, 401);
    assert!(r.body.contains("Unknown username or wrong password."));
    // Login CSRF: a form without the matching token cookie is refused, nothing signed in.
    let r = srv
        .req("POST", "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("login_token", "forged"),
            ("username", "demo"),
            ("password", PW),
        ]))
        .send();
    assert_eq!(r.status, 403);
    assert!(set_cookie(&r, "netrx_session").is_none());
    // A cross-site Origin is refused.
    let r = srv
        .req("POST", "/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Cookie", &format!("netrx_login={token}"))
        .header("Origin", "http://evil.example")
        .body(form_body(&[
            ("login_token", &token),
            ("username", "demo"),
            ("password", PW),
        ]))
        .send();
    assert_eq!(r.status, 403);

    let c = sign_in(&srv, "demo", PW);
    let list = c.get("/cases");
    assert_eq!(list.status, 200);
    assert!(list.body.contains("pnet-g2-progressive") && list.body.contains("si-net-followup"));
    // Security headers: no CDN, no inline script, no framing, no caching of patient pages.
    let csp = list.header("content-security-policy").unwrap();
    assert!(
        csp.contains("default-src 'self'")
            && csp.contains("script-src 'self'")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(list.header("cache-control"), Some("no-store"));
    assert!(
        !list.body.contains("http://") && !list.body.contains("https://"),
        "nothing loaded from elsewhere"
    );
    for asset in ["/static/app.css", "/static/app.js"] {
        assert_eq!(c.get(asset).status, 200, "{asset}");
    }
    // Sign-out needs the CSRF token.
    let r = c.post("/logout", &[]);
    assert_eq!(r.status, 403);
    assert_eq!(c.get("/cases").status, 200, "still signed in");
    let r = c.post("/logout", &[("csrf_token", &c.csrf())]);
    assert_eq!((r.status, r.header("location")), (303, Some("/login?signed_out=1")));
    let r = c.get("/cases");
    assert_eq!(r.status, 303, "the session has ended");
    let login = srv.req("GET", "/login?signed_out=1").send();
    assert!(login.body.contains("You have signed out."));
}

#[test]
fn list_search_filters_and_empty_states() {
    let (_dir, srv) = start("web-list");
    let c = sign_in(&srv, "demo", PW);
    let r = c.get("/cases?site=jejunum_ileum");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("si-net-followup") && !r.body.contains(">pnet-g2-progressive<"));
    let r = c.get("/cases?q=pnet&grade=G2");
    assert!(r.body.contains(">pnet-g2-progressive<") && !r.body.contains(">si-net-followup<"));
    let r = c.get("/cases?q=no-such-case");
    assert!(r.body.contains("No case matches these filters."));
    // A bad filter is named, as the API names it.
    let r = c.get("/cases?grade=G9");
    assert_eq!(r.status, 400);
    assert!(
        unescape(&r.body).contains("grade: got \"G9\"; allowed: G1, G2, G3"),
        "{}",
        r.body
    );
    // The API's list gave the same cases.
    let api = c.get("/api/v1/cases?site=jejunum_ileum").json();
    for item in api["cases"].as_array().unwrap() {
        let id = item["id"].as_str().unwrap();
        assert!(c.get("/cases?site=jejunum_ileum").body.contains(&format!(">{id}<")));
    }
}

#[test]
fn editor_checks_with_load_case_and_refuses_stale_saves() {
    let (_dir, srv) = start("web-edit");
    let c = sign_in(&srv, "demo", PW);
    let csrf = c.csrf();
    let base: Vec<(&str, &str)> = vec![
        ("csrf_token", &csrf),
        ("mode", "form"),
        ("id", "web-1"),
        ("patient.age_years", "61"),
        ("patient.sex", "female"),
        ("tumor.primary_site", "pancreas"),
        ("tumor.differentiation", "well"),
        ("tumor.ki67_percent", "120"),
        ("prior_therapies[0].agent", "lanreotide"),
        ("prior_therapies[0].line", "1"),
        ("prior_therapies[0].outcome", "progressed"),
    ];
    // Without the CSRF token nothing is stored.
    let no_token: Vec<(&str, &str)> = base.iter().filter(|(k, _)| *k != "csrf_token").cloned().collect();
    assert_eq!(c.post("/cases/new", &no_token).status, 403);
    // An out-of-range Ki-67: 400, the message next to the field is load_case's (the API's).
    let r = c.post("/cases/new", &base);
    assert_eq!(r.status, 400);
    let mut bad = server_support::case("web-1", 120.0);
    bad["prior_therapies"] = serde_json::json!([{ "agent": "lanreotide", "line": 1, "outcome": "progressed" }]);
    let api = c
        .srv
        .req("POST", "/api/v1/grade")
        .header("Cookie", &format!("netrx_session={}", c.cookie))
        .header("X-CSRF-Token", &csrf)
        .json(&bad)
        .send();
    assert_eq!(api.status, 400);
    let msg = api.json()["message"].as_str().unwrap().to_string();
    assert!(
        r.body.contains("id=\"e-tumor.ki67_percent\""),
        "error next to the field"
    );
    assert!(unescape(&r.body).contains(&msg), "same message as the API: {msg}");
    assert!(r.body.contains("value=\"61\""), "the other inputs are kept");
    assert_eq!(c.get("/cases/web-1").status, 404, "nothing stored");
    // Fixed: stored as revision 1 through the API's create.
    let mut good = base.clone();
    good.retain(|(k, _)| *k != "tumor.ki67_percent");
    good.push(("tumor.ki67_percent", "12"));
    let r = c.post("/cases/new", &good);
    assert_eq!(
        (r.status, r.header("location")),
        (303, Some("/cases/web-1?saved=1")),
        "{}",
        r.body
    );
    let stored = c.get("/api/v1/cases/web-1");
    assert_eq!(stored.etag(), "\"1\"");
    assert_eq!(stored.json()["tumor"]["ki67_percent"], 12.0);
    assert_eq!(stored.json()["prior_therapies"][0]["agent"], "lanreotide");
    // The same id again: 409 next to the id.
    let r = c.post("/cases/new", &good);
    assert_eq!(r.status, 409);
    assert!(r.body.contains("id=\"e-id\""));

    // Two editors open on revision 1; the first save wins, the second is refused (412).
    let edit = c.get("/cases/web-1/edit");
    assert_eq!(hidden(&edit.body, "revision"), "1");
    let mut a = good.clone();
    a.retain(|(k, _)| *k != "id");
    a.push(("id", "web-1"));
    a.push(("revision", "1"));
    let mut first = a.clone();
    first.push(("patient.weight_kg", "70"));
    let r = c.post("/cases/web-1/edit", &first);
    assert_eq!((r.status, r.header("location")), (303, Some("/cases/web-1?saved=2")));
    let mut second = a.clone();
    second.push(("patient.ecog", "1"));
    let r = c.post("/cases/web-1/edit", &second);
    assert_eq!(r.status, 412);
    assert!(
        r.body.contains("Not saved — this case was changed by someone else"),
        "{}",
        r.body
    );
    assert!(r.body.contains("revision 2 was saved by demo"));
    assert!(
        r.body
            .contains("name=\"patient.ecog\" type=\"text\" inputmode=\"decimal\" value=\"1\""),
        "edits kept"
    );
    let stored = c.get("/api/v1/cases/web-1").json();
    let board = c.get("/cases/web-1").body;
    assert!(board.contains("History: 2 revisions") && board.contains("/api/v1/cases/web-1/revisions/1"));
    assert_eq!(stored["patient"]["weight_kg"], 70.0);
    assert!(stored["patient"].get("ecog").is_none(), "the stale save stored nothing");

    // The JSON view: same checks, same store.
    let r = c.post(
        "/cases/web-1/edit",
        &[
            ("csrf_token", &csrf),
            ("mode", "json"),
            ("revision", "2"),
            ("case_json", "{\"id\":\"web-1\",\"patient\":{\"age_years\":61,\"sex\":\"female\"},\"tumor\":{\"primary_site\":\"liver\",\"differentiation\":\"well\"}}"),
        ],
    );
    assert_eq!(r.status, 400);
    let text = unescape(&r.body);
    assert!(
        text.contains(">tumor.primary_site</a>: unknown variant `liver`"),
        "{}",
        r.body
    );
    // Switching views keeps the edits (nothing stored).
    let r = c.post("/cases/web-1/edit", &[&first[..], &[("action", "to_json")]].concat());
    assert_eq!(r.status, 200);
    assert!(unescape(&r.body).contains("\"weight_kg\": 70"), "{}", r.body);
}

#[test]
fn board_report_and_evidence_show_the_api_answers_within_budget() {
    let (_dir, srv) = start("web-board");
    let c = sign_in(&srv, "demo", PW);
    for (id, sections) in [
        (
            "pnet-g2-progressive",
            vec!["id=\"options\"", "class=\"option\"", "NET G2"],
        ),
        (
            "pnet-everolimus-stomatitis-course",
            vec!["Toxicity and dose changes", "<svg", "withhold"],
        ),
        (
            "si-net-followup",
            vec![
                "RECIST spider plot",
                "quality-of-life trajectories",
                "Best overall response: PR",
            ],
        ),
        (
            "pnet-everolimus-tdm",
            vec!["individual (MAP) everolimus profile", "ng/mL"],
        ),
    ] {
        let r = c.get(&format!("/cases/{id}"));
        assert_eq!(r.status, 200, "{id}");
        for s in sections {
            assert!(r.body.contains(s), "{id}: {s}");
        }
        let w = weight_before_plots(&r.body);
        assert!(w < 300 * 1024, "{id}: {w} bytes before plots (limit 300 KB)");
        let rep = c.get(&format!("/cases/{id}/report"));
        assert_eq!(rep.status, 200);
        assert!(weight_before_plots(&rep.body) < 300 * 1024, "{id} report");
        assert!(rep.body.contains("Tumour-board report"));
    }
    // The page shows the API's answer: the dose and classification the API returns appear.
    let dose = c.get("/api/v1/cases/pnet-everolimus-interactions/dose").json();
    let page = c.get("/cases/pnet-everolimus-interactions").body;
    let mg = dose["dose_mg"].as_f64().unwrap();
    assert!(
        page.contains(&format!("id=\"dose-headline\">{} mg daily<", mg)),
        "dose {mg} mg on the page"
    );
    let grade = c.get("/api/v1/cases/pnet-g2-progressive/grade").json();
    assert!(
        c.get("/cases/pnet-g2-progressive")
            .body
            .contains(grade["name"].as_str().unwrap())
    );
    // Every UNVERIFIED source stays visibly flagged.
    assert!(page.contains("UNVERIFIED"));
    // Empty states say what is missing.
    let p = c.get("/cases/pnet-g2-progressive").body;
    assert!(
        p.contains("No response assessment: visits: missing or empty"),
        "RECIST empty state"
    );
    // The trough fit names each sample as the case file orders it (1-based) with its time.
    let t = unescape(&c.get("/cases/pnet-everolimus-tdm").body);
    // An agent the patient is receiving now is marked as the current therapy.
    assert!(
        t.contains("<span class=\"label label-current\">current therapy</span>"),
        "current therapy badge"
    );
    assert!(t.contains("<th scope=\"col\">Sample</th>"), "sample column");
    assert!(
        t.contains("<td>2 (2024-03-15T10:00:00+01:00)</td>"),
        "second sample named by number and time"
    );
    // Evidence explorer: trials, a forest plot, an indirect comparison.
    let e = c.get("/evidence?t_agent=everolimus&c_a=everolimus&c_b=sunitinib&c_population=pnet");
    assert_eq!(e.status, 200);
    assert!(e.body.contains("RADIANT-3") && e.body.contains("<svg") && e.body.contains("id=\"compare-result\""));
    assert!(weight_before_plots(&e.body) < 300 * 1024);
    assert!(
        unescape(&e.body).contains("derived by netrx: Bucher"),
        "an indirect estimate is called derived"
    );
    // A single head-to-head trial's result is its published estimate, not netrx's computation.
    let d = c.get("/evidence?c_a=lu177_edotreotide&c_b=everolimus&c_population=gep");
    assert_eq!(d.status, 200);
    let d = unescape(&d.body);
    assert!(
        d.contains("the trial's published HR and CI, not computed by netrx"),
        "COMPETE is published"
    );
    assert!(!d.contains("derived by netrx"), "COMPETE is not derived");
    assert_eq!(c.get("/evidence?t_phase=9").status, 400);
    assert_eq!(c.get("/cases/no-such-case").status, 404);
    assert_eq!(c.get("/cases/bad..id").status, 400);
    assert_eq!(c.get("/no/such/page").status, 404);
}

#[test]
fn every_demo_case_renders_within_budget() {
    let (_dir, srv) = start("web-all");
    let c = sign_in(&srv, "demo", PW);
    let list = c.get("/api/v1/cases").json();
    let ids: Vec<&str> = list["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(ids.len() >= 15, "{ids:?}");
    let mut heaviest = (0, "");
    for id in &ids {
        for path in [
            format!("/cases/{id}"),
            format!("/cases/{id}/report"),
            format!("/cases/{id}/edit"),
        ] {
            let r = c.get(&path);
            assert_eq!(r.status, 200, "{path}");
            let w = weight_before_plots(&r.body);
            assert!(w < 300 * 1024, "{path}: {w} bytes before plots");
            if w > heaviest.0 {
                heaviest = (w, id);
            }
            // Every section answers or says why not; no template text leaks.
            assert!(!r.body.contains("{{") && !r.body.contains("{%"), "{path}");
        }
        let board = unescape(&c.get(&format!("/cases/{id}")).body);
        for h in [
            "Classification",
            "Systemic options",
            "Everolimus dose and interactions",
            "Toxicity and dose changes",
        ] {
            assert!(board.contains(h), "{id}: {h}");
        }
    }
    eprintln!("heaviest page before plots: {} bytes ({})", heaviest.0, heaviest.1);
}

#[test]
fn roles_researchers_see_deidentified_data_and_admins_none() {
    let (dir, srv) = start("web-roles");
    let db = dir.path("netrx.db");
    user_with_token(&db, "rita", "researcher", "research-pass-1");
    user_with_token(&db, "root", "admin", "admin-pass-123");
    // A clinician stores an identified case.
    let c = sign_in(&srv, "demo", PW);
    let csrf = c.csrf();
    let r = c.post(
        "/cases/new",
        &[
            ("csrf_token", &csrf),
            ("mode", "json"),
            ("case_json", &server_support::case("ident-1", 8.0).to_string()),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(c.get("/cases/ident-1").body.contains("Ann Example"));
    let r = sign_in(&srv, "rita", "research-pass-1");
    let page = r.get("/cases/ident-1");
    assert_eq!(page.status, 200);
    for secret in ["Ann Example", "MRN-0042", "1963-04-02"] {
        assert!(!page.body.contains(secret), "researcher sees {secret}");
    }
    assert!(page.body.contains("De-identified view"));
    assert!(
        !page.body.contains("/cases/ident-1/edit\""),
        "no edit link for researchers"
    );
    assert_eq!(r.get("/cases/ident-1/edit").status, 403);
    assert_eq!(r.get("/cases/new").status, 403);
    // Admins manage accounts, see no patient data.
    let a = sign_in(&srv, "root", "admin-pass-123");
    assert_eq!(a.get("/cases").status, 403);
    assert_eq!(a.get("/cases/ident-1").status, 403);
    assert_eq!(a.get("/evidence").status, 200, "knowledge only");
    // The refusals and the reads are in the audit trail.
    let (code, out, _) = netrx(
        &["audit", "--db", db.to_str().unwrap(), "--case", "ident-1", "--json"],
        None,
    );
    assert_eq!(code, 0);
    let lines: Vec<serde_json::Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let by: BTreeMap<(String, String), usize> = lines.iter().fold(BTreeMap::new(), |mut m, l| {
        *m.entry((
            l["user"].as_str().unwrap_or("").to_string(),
            l["outcome"].as_str().unwrap_or("").to_string(),
        ))
        .or_default() += 1;
        m
    });
    assert!(by.contains_key(&("rita".into(), "ok".into())), "{by:?}");
    assert!(by.contains_key(&("root".into(), "denied".into())), "{by:?}");
    assert!(
        lines
            .iter()
            .any(|l| l["user"] == "rita" && l["detail"].as_str().unwrap_or("").contains("de-identified")),
        "researcher reads are marked de-identified"
    );
}

#[test]
fn user_input_is_escaped_everywhere() {
    let (_dir, srv) = start("web-xss");
    let c = sign_in(&srv, "demo", PW);
    let csrf = c.csrf();
    let mut v = server_support::case("xss-1", 8.0);
    v["medications"] = serde_json::json!(["<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>"]);
    v["patient"]["name"] = serde_json::json!("<b>Bold</b>");
    let r = c.post(
        "/cases/new",
        &[("csrf_token", &csrf), ("mode", "json"), ("case_json", &v.to_string())],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    for path in ["/cases/xss-1", "/cases/xss-1/edit", "/cases/xss-1/report"] {
        let b = c.get(path).body;
        assert!(
            !b.contains("<script>alert(1)") && !b.contains("<img src=x") && !b.contains("<b>Bold</b>"),
            "{path}"
        );
        let text = unescape(&b);
        assert!(
            text.contains("<script>alert(1)</script>") || text.contains("<b>Bold</b>"),
            "{path} shows the text, escaped"
        );
    }
}
