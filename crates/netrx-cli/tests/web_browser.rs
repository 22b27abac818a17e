//! End-to-end test of the web app in a real browser: headless Debian chromium driven by
//! chromedriver (WebDriver over HTTP, see web_support). One user's session, as a new user
//! would try it: sign in, create a case through the form (a validation error next to its
//! field, then the fix), open the tumour-board view (options with sources, charts), edit
//! the same case in two tabs and see the stale save refused, look at the evidence explorer
//! and the printable report, sign out. A screenshot of every main page is saved under
//! target/artifacts/screenshots/ (a CI artifact).
//!
//! Fails, not skips, when the browser cannot start under CI=true (see web_support).

mod server_support;
mod web_support;

use serde_json::json;
use server_support::{Server, TempDir};
use web_support::{Browser, artifact_dir, base64_decode};

const PW: &str = "demo-password-1";
const TAB: &str = "\u{E004}";

/// WCAG 2.1 AA basics checked on a loaded page, in the browser: every form control has a
/// label, every chart has a text alternative, text contrast is at least 4.5:1 (3:1 for large
/// text) against its background, the page has a language, one h1 and unique ids. Returns
/// the problems found.
const AUDIT: &str = r#"
var problems = [];
function rgb(c) { var m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null;
  var p = m[1].split(',').map(function (x) { return parseFloat(x); });
  return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; }
function lum(c) { return [c.r, c.g, c.b].map(function (v) { v /= 255;
  return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
  .reduce(function (s, v, i) { return s + v * [0.2126, 0.7152, 0.0722][i]; }, 0); }
function bg(el) { for (var e = el; e; e = e.parentElement) { var c = rgb(getComputedStyle(e).backgroundColor);
  if (c && c.a > 0.5) return c; } return { r: 255, g: 255, b: 255, a: 1 }; }
if (!document.documentElement.lang) problems.push('no lang attribute');
if (document.querySelectorAll('h1').length !== 1) problems.push('h1 count ' + document.querySelectorAll('h1').length);
var ids = {}; document.querySelectorAll('[id]').forEach(function (e) { if (ids[e.id]) problems.push('duplicate id ' + e.id); ids[e.id] = 1; });
document.querySelectorAll('input, select, textarea').forEach(function (e) {
  if (e.type === 'hidden') return;
  var named = (e.labels && e.labels.length) || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby');
  if (!named) problems.push('unlabelled ' + e.tagName + ' ' + (e.name || e.id)); });
document.querySelectorAll('figure.chart').forEach(function (f) {
  var d = f.querySelector('[role=img]'); if (!d || !d.getAttribute('aria-label')) problems.push('chart without alt text'); });
document.querySelectorAll('body *').forEach(function (e) {
  if (e.closest('svg') || e.closest('.skip')) return;
  var own = Array.prototype.some.call(e.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
  if (!own) return;
  var st = getComputedStyle(e); if (st.visibility === 'hidden' || st.display === 'none') return;
  var r = e.getBoundingClientRect(); if (r.width === 0 || r.height === 0) return;
  var fg = rgb(st.color), b = bg(e); if (!fg) return;
  var l1 = lum(fg), l2 = lum(b), ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  var size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
  var need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < need && problems.length < 30) problems.push('contrast ' + ratio.toFixed(2) + ' < ' + need + ': ' + e.tagName + '.' + e.className + ' "' + e.textContent.trim().slice(0, 40) + '"');
});
return problems;
"#;

fn audit(b: &Browser, page: &str) {
    let problems = b.exec(AUDIT, vec![]);
    assert_eq!(problems, json!([]), "accessibility problems on {page}");
}

/// A screenshot with the element `css` at the top of the viewport.
fn shot_at(b: &Browser, name: &str, css: &str) {
    let p = artifact_dir().join(name);
    b.exec(
        "document.querySelector(arguments[0]).scrollIntoView({ block: 'start' });",
        vec![json!(css)],
    );
    b.screenshot(&p);
    eprintln!("screenshot {}", p.display());
}

fn shot(b: &Browser, name: &str) {
    let p = artifact_dir().join(name);
    b.screenshot_top(&p);
    eprintln!("screenshot {}", p.display());
}

#[test]
fn a_clinician_session_in_chromium() {
    let Some(b) = Browser::start_or_skip("a_clinician_session_in_chromium") else {
        return;
    };
    let dir = TempDir::new("web-browser");
    let srv = Server::start_env(&dir.path("netrx.db"), &["--demo"], &[("NETRX_DEMO_PASSWORD", PW)]);
    let base = format!("http://{}", srv.addr);
    assert_eq!(b.viewport(), (1280, 800), "the laptop size of the issue");

    // The accessibility audit finds what it looks for (it can fail).
    b.goto(
        "data:text/html,<html><body><h1>a</h1><h1>b</h1><input name=q><p style='color:%23bbb'>faint</p></body></html>",
    );
    let found = b.exec(AUDIT, vec![]).to_string();
    for p in ["no lang attribute", "h1 count 2", "unlabelled INPUT q", "contrast"] {
        assert!(found.contains(p), "the audit reports {p:?}: {found}");
    }

    // 1. Any page sends a new user to the sign-in form (a plain HTML form).
    b.goto(&format!("{base}/cases"));
    assert!(b.url().contains("/login?next=%2Fcases"), "{}", b.url());
    assert_eq!(b.title(), "Sign in — netrx");
    shot(&b, "01-login.png");
    audit(&b, "/login");
    // A wrong password is answered on the form.
    b.fill(&b.find("#username"), "demo");
    b.fill(&b.find("#password"), "wrong-password");
    b.click(&b.find("form[action=\"/login\"] button[type=submit]"));
    assert!(
        b.text(&b.find("#login-error"))
            .contains("Unknown username or wrong password")
    );
    b.fill(&b.find("#username"), "demo");
    b.fill(&b.find("#password"), PW);
    b.click(&b.find("form[action=\"/login\"] button[type=submit]"));
    b.wait_url("the case list", |u| u.ends_with("/cases"));

    // 2. The case list: the demo cases, keyboard navigable (the first Tab reaches the skip link).
    let rows = b.find_all("#case-list tbody tr");
    assert!(rows.len() >= 10, "{} demo cases listed", rows.len());
    shot(&b, "02-cases.png");
    audit(&b, "/cases");
    b.exec(
        "document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);",
        vec![],
    );
    b.keys(TAB);
    let focused = b.exec(
        "return document.activeElement.className + '|' + document.activeElement.textContent;",
        vec![],
    );
    assert_eq!(focused, json!("skip|Skip to content"), "first Tab stop");
    let outline = b.exec("return getComputedStyle(document.activeElement).outlineStyle;", vec![]);
    assert_eq!(outline, json!("solid"), "a visible focus outline");
    // Search.
    b.fill(&b.find("#q"), "si-net");
    b.click(&b.find("form.filters button[type=submit]"));
    b.wait_url("filtered list", |u| u.contains("q=si-net"));
    let ids: Vec<String> = b.find_all("#case-list tbody th a").iter().map(|e| b.text(e)).collect();
    assert!(!ids.is_empty() && ids.iter().all(|i| i.contains("si-net")), "{ids:?}");

    // 3. A new case through the form, with a mistake.
    b.click(&b.find("a.button.primary[href=\"/cases/new\"]"));
    b.wait_url("the editor", |u| u.ends_with("/cases/new"));
    // "Add a row" adds a labelled row with the next index.
    let before = b.find_all("tbody[data-list=labs] tr").len();
    b.click(&b.find("button[data-add-row=labs]"));
    let rows = b.find_all("tbody[data-list=labs] tr");
    assert_eq!(rows.len(), before + 1);
    let added = b.find(&format!("[name=\"labs[{before}].value\"]"));
    assert_eq!(b.prop(&added, "value"), json!(""));
    assert_eq!(b.prop(&added, "ariaLabel"), json!(format!("Value, row {}", before + 1)));
    b.screenshot_full(&artifact_dir().join("03-editor-full.png"), 1280);
    for (name, value) in [
        ("id", "web-e2e"),
        ("patient.age_years", "61"),
        ("patient.weight_kg", "72"),
        ("tumor.ki67_percent", "120"),
        ("tumor.mitoses.per_2mm2", "3"),
        ("tumor.progression.months_observed", "8"),
        ("prior_therapies[0].agent", "lanreotide"),
        ("prior_therapies[0].line", "1"),
        ("everolimus.start_date", "2024-03-01"),
        ("everolimus.dose_mg", "10"),
        ("adverse_events[0].date", "2024-03-20"),
        ("adverse_events[0].term", "stomatitis"),
        ("adverse_events[0].grade", "2"),
        ("adverse_events[0].resolved_date", "2024-03-27"),
        ("adverse_events[0].resolved_to_grade", "0"),
    ] {
        b.fill_name(name, value);
    }
    b.fill_name("medications", "verapamil\nmetformin");
    for (name, value) in [
        ("patient.sex", "female"),
        ("tumor.primary_site", "pancreas"),
        ("tumor.differentiation", "well"),
        ("tumor.sstr_imaging", "positive"),
        ("tumor.progression.status", "progressive"),
        ("tumor.extent", "metastatic"),
        ("prior_therapies[0].outcome", "progressed"),
        ("everolimus.frequency", "daily"),
    ] {
        b.select_name(name, value);
    }
    b.click(&b.find("#save"));
    b.wait_for("the error summary", 60, || b.try_find("#error-summary").is_some());
    let err = b.text(&b.find("[id=\"e-tumor.ki67_percent\"]"));
    assert!(
        err.contains("allowed: a number from 0 to 100"),
        "message next to the field: {err}"
    );
    let summary = b.text(&b.find("#error-summary"));
    assert!(
        summary.contains("1 problem") && summary.contains("tumor.ki67_percent"),
        "{summary}"
    );
    assert_eq!(
        b.exec("return document.activeElement.id;", vec![]),
        json!("error-summary"),
        "focus moves to the summary"
    );
    assert_eq!(
        b.prop(&b.find("[name=\"patient.age_years\"]"), "value"),
        json!("61"),
        "inputs kept"
    );
    assert_eq!(
        b.prop(&b.find("[name=\"tumor.ki67_percent\"]"), "ariaInvalid"),
        json!("true")
    );
    shot(&b, "03-editor-error.png");
    audit(&b, "/cases/new (with an error)");
    // The fix.
    b.fill_name("tumor.ki67_percent", "12");
    b.click(&b.find("#save"));
    b.wait_url("the tumour-board view", |u| u.ends_with("/cases/web-e2e?saved=1"));

    // 4. The tumour-board view: classification, options with sources, dose, charts.
    assert!(b.text(&b.find("[role=status]")).contains("Saved as revision 1"));
    assert!(b.text(&b.find("#classification-name")).contains("NET G2"));
    let options = b.find_all("#options article.option");
    assert!(!options.is_empty(), "options are shown");
    let everolimus = b.find("#option-everolimus");
    assert!(b.text(&everolimus).contains("RADIANT-3"), "evidence for everolimus");
    assert!(
        !b.find_all("#options details.src").is_empty(),
        "every statement has a source"
    );
    let src = b.find("#option-everolimus details.src");
    b.click(&b.find("#option-everolimus details.src > summary"));
    assert_eq!(b.prop(&src, "open"), json!(true), "a source expands");
    assert!(
        b.text(&b.find("#dose-headline")).contains("2.5 mg"),
        "verapamil caps the dose"
    );
    let charts = b.find_all("#toxicity figure.chart svg");
    assert_eq!(charts.len(), 1, "the toxicity timeline is drawn");
    let size = b.exec(
        "var r = arguments[0].getBoundingClientRect(); return [r.width, r.height];",
        vec![json!({ "element-6066-11e4-a52e-4f735466cecf": charts[0].0 })],
    );
    assert!(
        size[0].as_f64().unwrap() > 300.0 && size[1].as_f64().unwrap() > 100.0,
        "{size}"
    );
    shot(&b, "04-board.png");
    audit(&b, "/cases/web-e2e");
    b.screenshot_full(&artifact_dir().join("04-board-full.png"), 1280);
    // A tablet: nothing wider than the screen.
    b.set_window(820, 1180);
    b.goto(&format!("{base}/cases/si-net-followup"));
    assert_eq!(b.viewport().0, 820, "tablet width");
    const FITS: &str = "return document.documentElement.scrollWidth <= window.innerWidth + 1;";
    let mut fits = false;
    for _ in 0..50 {
        fits = b.exec(FITS, vec![]) == json!(true);
        if fits {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let wide = b.exec(
        "var w = window.innerWidth, out = [document.documentElement.scrollWidth + ' > ' + w]; \
         document.querySelectorAll('body *').forEach(function (e) { var r = e.getBoundingClientRect(); \
         if (r.right > w + 1 && out.length < 8) { out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right)); } }); \
         return out;",
        vec![],
    );
    assert!(fits, "no horizontal scrolling at tablet width: {wide}");
    assert!(
        b.find_all("#response figure.chart svg").len() == 2,
        "spider and waterfall"
    );
    assert!(b.find_all("#qol figure.chart svg").len() == 1, "QoL trajectories");
    shot(&b, "05-board-tablet.png");
    audit(&b, "/cases/si-net-followup (tablet)");
    shot_at(&b, "05-board-response-tablet.png", "#response");
    b.set_window(1280, 800);
    b.goto(&format!("{base}/cases/pnet-everolimus-tdm#pk"));
    assert_eq!(b.find_all("#pk figure.chart svg").len(), 1, "the concentration curve");
    shot_at(&b, "05-board-pk.png", "#pk");
    b.goto(&format!("{base}/cases/pnet-everolimus-stomatitis-course"));
    shot_at(&b, "05-board-toxicity.png", "#toxicity");
    shot_at(&b, "05-board-options.png", "#options");

    // 5. The same case in two tabs: the second save is refused with a clear message.
    let tab_a = b.window();
    b.goto(&format!("{base}/cases/web-e2e/edit"));
    assert_eq!(b.prop(&b.find("[name=revision]"), "value"), json!("1"));
    let tab_b = b.new_tab();
    b.switch_to(&tab_b);
    b.goto(&format!("{base}/cases/web-e2e/edit"));
    b.fill_name("patient.weight_kg", "70");
    b.click(&b.find("#save"));
    b.wait_url("revision 2", |u| u.ends_with("/cases/web-e2e?saved=2"));
    b.switch_to(&tab_a);
    b.fill_name("patient.ecog", "1");
    b.click(&b.find("#save"));
    b.wait_for("the conflict message", 60, || b.try_find("#conflict").is_some());
    let msg = b.text(&b.find("#conflict"));
    assert!(
        msg.contains("Not saved — this case was changed by someone else"),
        "{msg}"
    );
    assert!(msg.contains("revision 2 was saved by demo"), "{msg}");
    assert_eq!(
        b.prop(&b.find("[name=\"patient.ecog\"]"), "value"),
        json!("1"),
        "the edit is kept"
    );
    shot(&b, "06-stale-save.png");
    audit(&b, "/cases/web-e2e/edit (stale)");
    // Leaving the page with unsaved edits asks first: the page's beforeunload handler
    // cancels the unload (the browser then asks the user).
    const WOULD_ASK: &str = "var e = new Event('beforeunload', { cancelable: true }); \
                             window.dispatchEvent(e); return e.defaultPrevented;";
    assert_eq!(
        b.exec(WOULD_ASK, vec![]),
        json!(true),
        "unsaved edits: the browser asks before leaving"
    );
    b.goto(&format!("{base}/cases/web-e2e/edit"));
    assert_eq!(b.exec(WOULD_ASK, vec![]), json!(false), "nothing changed: no question");
    b.fill_name("patient.ecog", "2");
    assert_eq!(
        b.exec(WOULD_ASK, vec![]),
        json!(true),
        "a change: the question comes back"
    );
    b.exec("window.onbeforeunload = null;", vec![]);
    let _ = b.try_exec("document.querySelector('form[data-warn-unsaved]').removeAttribute('data-dirty');");
    // The stored case has the first save only.
    b.goto(&format!("{base}/api/v1/cases/web-e2e"));
    let stored: serde_json::Value = serde_json::from_str(&b.text(&b.find("body"))).unwrap();
    assert_eq!(stored["patient"]["weight_kg"], 70.0);
    assert!(stored["patient"].get("ecog").is_none(), "the stale save stored nothing");

    // 6. The evidence explorer: trials, a forest plot, an indirect comparison.
    b.goto(&format!("{base}/evidence"));
    assert!(b.find_all("#trial-table tbody tr").len() >= 10);
    assert_eq!(b.find_all("#forest figure.chart svg").len(), 1, "forest plot");
    shot(&b, "07-evidence.png");
    audit(&b, "/evidence");
    b.goto(&format!(
        "{base}/evidence?c_a=everolimus&c_b=sunitinib&c_population=pnet#compare"
    ));
    let cmp = b.text(&b.find("#compare-result"));
    assert!(
        cmp.contains("HR") && cmp.contains("95 % CI") && cmp.contains("Bucher"),
        "{cmp}"
    );
    shot_at(&b, "08-evidence-compare.png", "#compare");
    b.goto(&format!("{base}/evidence"));
    shot_at(&b, "08-evidence-forest.png", "#forest");

    // 7. The printable report: the print stylesheet hides the app's chrome; a PDF prints.
    b.goto(&format!("{base}/cases/web-e2e/report"));
    assert!(b.text(&b.find("h1")).contains("Tumour-board report: web-e2e"));
    shot(&b, "09-report.png");
    audit(&b, "/cases/web-e2e/report");
    let path = format!("/session/{}/goog/cdp/execute", session_id(&b));
    let emulated = b.call(
        "POST",
        &path,
        Some(json!({ "cmd": "Emulation.setEmulatedMedia", "params": { "media": "print" } })),
    );
    if emulated.is_ok() {
        let shown = b.exec(
            "return getComputedStyle(document.querySelector('header.top')).display;",
            vec![],
        );
        assert_eq!(shown, json!("none"), "no navigation on paper");
        let _ = b.call(
            "POST",
            &path,
            Some(json!({ "cmd": "Emulation.setEmulatedMedia", "params": { "media": "" } })),
        );
    }
    let pdf = b
        .call(
            "POST",
            &format!("/session/{}/print", session_id(&b)),
            Some(json!({ "background": true })),
        )
        .expect("print to PDF");
    let bytes = base64_decode(pdf.as_str().unwrap_or("")).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    std::fs::write(artifact_dir().join("09-report.pdf"), &bytes).unwrap();

    // 8. Sign out: the session ends.
    b.goto(&format!("{base}/cases"));
    b.click(&b.find("#sign-out"));
    b.wait_url("the sign-in page", |u| u.contains("/login?signed_out=1"));
    assert!(b.text(&b.find("[role=status]")).contains("You have signed out."));
    b.goto(&format!("{base}/cases/web-e2e"));
    assert!(b.url().contains("/login?next="), "signed out: {}", b.url());
    shot(&b, "10-signed-out.png");
}

fn session_id(b: &Browser) -> String {
    b.session_id()
}
