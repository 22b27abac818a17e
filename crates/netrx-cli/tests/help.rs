//! Every subcommand's `--help` shows an example (the foundation issue's contract),
//! including nested subcommands. The list of commands is read from `netrx --help`,
//! so new commands are covered without touching this test.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// Subcommand names listed under "Commands:" in a help text (excluding `help`).
fn subcommands(text: &str) -> Vec<String> {
    let mut in_cmds = false;
    let mut v = Vec::new();
    for line in text.lines() {
        if line.trim_end() == "Commands:" {
            in_cmds = true;
            continue;
        }
        if in_cmds {
            if !line.starts_with("  ") {
                break;
            }
            let name = line.split_whitespace().next().unwrap_or("");
            if !name.is_empty() && name != "help" && line.starts_with("  ") && !line.starts_with("    ") {
                v.push(name.to_string());
            }
        }
    }
    v
}

fn check(path: &mut Vec<String>, checked: &mut usize) {
    let args: Vec<&str> = path.iter().map(String::as_str).collect();
    let text = help(&args);
    assert!(
        text.contains("Example"),
        "`netrx {} --help` shows no example:\n{text}",
        args.join(" ")
    );
    *checked += 1;
    for sub in subcommands(&text) {
        path.push(sub);
        check(path, checked);
        path.pop();
    }
}

#[test]
fn every_command_help_shows_an_example() {
    let mut checked = 0;
    check(&mut Vec::new(), &mut checked);
    assert!(checked >= 3, "top level plus at least grade and schema, got {checked}");
}
