//! `netrx qol` text output: the instrument header names the version as a
//! number ("v4") or, where the references give none, in words — never glued
//! to a "v" (acceptance review of issue 6).

use std::process::Command;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/si-net-followup.json");

fn qol_text() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(["qol", EXAMPLE])
        .output()
        .expect("netrx runs");
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn instrument_headers_state_the_version_readably() {
    let t = qol_text();
    let headers: Vec<&str> = t
        .lines()
        .filter(|l| (l.starts_with("  FACT-G ") || l.starts_with("  QLQ-")) && l.contains(" — "))
        .collect();
    assert_eq!(headers.len(), 3, "one header per instrument in the example: {t}");
    // Versions from knowledge/qol/*.toml: FACT-G "4", QLQ-C30 "3.0", GI.NET21 none given.
    assert!(headers.iter().any(|h| h.starts_with("  FACT-G v4 — ")), "{t}");
    assert!(headers.iter().any(|h| h.starts_with("  QLQ-C30 v3.0 — ")), "{t}");
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("  QLQ-GINET21 (version not stated in the references) — ")),
        "{t}"
    );
    // In "ID VERSION — title", a "v" is only ever followed by a digit.
    for h in &headers {
        let head = h.split(" — ").next().unwrap();
        for (i, _) in head.match_indices(" v") {
            assert!(head[i + 2..].starts_with(|c: char| c.is_ascii_digit()), "{h}");
        }
    }
    assert!(!t.contains(" vnot"), "{t}");
}
