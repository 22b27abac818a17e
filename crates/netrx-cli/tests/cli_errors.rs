//! Usage errors are one stderr line and exit code 2, and that one line keeps everything
//! clap said: the conflicting flags, the missing arguments, the allowed values. Clap puts
//! those lists on indented lines after its first line; the CLI used to keep the first line
//! only ("the argument '--history <HISTORY>' cannot be used with:") — acceptance review
//! of issue 9 against DEVELOPERS.md's error contract.

use std::process::Command;

/// Run `netrx` with `args`; return (exit code, stdout, stderr).
fn netrx(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_netrx")).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A usage error: exit 2, nothing on stdout, exactly one `error: ` line on stderr. Returns it.
fn usage_error(args: &[&str]) -> String {
    let (code, stdout, stderr) = netrx(args);
    assert_eq!(code, Some(2), "{args:?}: exit code; stderr {stderr:?}");
    assert!(stdout.is_empty(), "{args:?}: stdout {stdout:?}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{args:?}: stderr must be one line, got {stderr:?}");
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    assert!(
        !lines[0].trim_end().ends_with(':'),
        "{args:?}: a dangling list header: {}",
        lines[0]
    );
    lines[0].to_string()
}

fn history_file() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("netrx-cli-errors-{}-history.json", std::process::id()));
    std::fs::write(&p, r#"[{"time_h": 0, "dose_mg": 10}]"#).unwrap();
    p
}

#[test]
fn a_conflict_names_every_conflicting_flag() {
    let h = history_file();
    let h = h.to_str().unwrap();
    let line = usage_error(&[
        "pk",
        "simulate",
        "--history",
        h,
        "--dose",
        "10",
        "--interval",
        "24",
        "--days",
        "2",
    ]);
    assert!(line.contains("'--history <HISTORY>' cannot be used with"), "{line}");
    assert!(line.contains("'--dose <DOSE>'"), "{line}");
    assert!(line.contains("'--interval <"), "{line}");
    // A conflict with a flag that takes no value.
    let line = usage_error(&["pk", "at", "--history", h, "--steady-state", "--times-h", "1"]);
    assert!(
        line.contains("'--history <HISTORY>' cannot be used with '--steady-state'"),
        "{line}"
    );
    // The same flag twice is named as such, not as a conflict with itself.
    let line = usage_error(&["pk", "at", "--history", h, "--history", h, "--times-h", "1"]);
    assert!(
        line.contains("'--history <HISTORY>' cannot be used multiple times"),
        "{line}"
    );
}

#[test]
fn missing_required_arguments_are_named() {
    let line = usage_error(&["pk", "at", "--dose", "10", "--interval", "24"]);
    assert!(line.contains("required arguments were not provided"), "{line}");
    assert!(line.contains("--times-h"), "{line}");
    let line = usage_error(&["km", "data.csv"]);
    assert!(line.contains("--time") && line.contains("--event"), "{line}");
    let line = usage_error(&["pk", "tdm"]);
    assert!(line.contains("<CASE>"), "{line}");
}

#[test]
fn invalid_values_name_the_value_and_the_possible_values() {
    let line = usage_error(&["pk", "population", "--region", "xx"]);
    assert!(line.contains("--region: got \"xx\"; allowed: us, eu"), "{line}");
    let line = usage_error(&["pk", "population", "--region"]);
    assert!(line.contains("--region: no value given; allowed: us, eu"), "{line}");
    let line = usage_error(&["pk", "simulate", "--dose", "abc", "--interval", "24", "--days", "2"]);
    assert!(line.contains("'abc'") && line.contains("--dose"), "{line}");
}

#[test]
fn unknown_arguments_keep_clap_tips() {
    let line = usage_error(&["grade", "--bogus", "x"]);
    assert!(line.contains("'--bogus'") && line.contains("tip:"), "{line}");
    let line = usage_error(&["grad"]);
    assert!(line.contains("'grad'") && line.contains("'grade'"), "{line}");
}
