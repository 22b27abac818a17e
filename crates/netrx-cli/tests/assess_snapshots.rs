//! Output guard for the performance work on the assessment path (indexes in the
//! knowledge base, memoised comparisons): the output of `netrx assess` for every bundled
//! example (both regions, JSON and text), of `netrx compare` for the commands of its help
//! (JSON and text), and of the comparison library call for every pair of network nodes in
//! every population and endpoint must stay byte for byte what it was when the digests were
//! recorded (from the binary of commit 2cf2d6f, before the work).
//!
//! The digests (64-bit FNV-1a of stdout, stderr and exit code) are in
//! `tests/snapshots/assess_compare.digests`. The knowledge version is replaced by a
//! placeholder before hashing, so an unrelated knowledge edit (a PK table, say) does not
//! trip the guard; anything that changes what assess or compare says does. Tolerance: none —
//! any byte that differs fails. When an output is meant to change, re-record with
//! `NETRX_BLESS=1 cargo test -p netrx-cli --test assess_snapshots` and say why in the commit.

use netrx_clinical::compare::{CompareError, Request, compare};
use netrx_kb::Kb;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn digests_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/assess_compare.digests")
}

/// 64-bit FNV-1a (detects accidental changes; not a cryptographic hash).
fn fnv(parts: &[&[u8]]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.iter().chain(b"\x1f") {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

fn normalise(bytes: &[u8], version: &str) -> Vec<u8> {
    String::from_utf8_lossy(bytes)
        .replace(version, "<knowledge_version>")
        .into_bytes()
}

fn run(args: &[&str], version: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_netrx"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("netrx runs");
    let code = out.status.code().unwrap_or(-1).to_string();
    fn_digest(&out.stdout, &out.stderr, &code, version)
}

fn fn_digest(stdout: &[u8], stderr: &[u8], code: &str, version: &str) -> String {
    fnv(&[
        &normalise(stdout, version),
        &normalise(stderr, version),
        code.as_bytes(),
    ])
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".json"))
        .map(|n| format!("examples/{n}"))
        .collect();
    v.sort();
    v
}

/// The `netrx compare` commands of its help, and refusals.
const COMPARE_CLI: &[&[&str]] = &[
    &["everolimus", "sunitinib", "--population", "pnet"],
    &["everolimus", "surufatinib", "--population", "gi_lung"],
    &["lu177_edotreotide", "everolimus", "--population", "gep"],
    &["everolimus", "sunitinib", "--population", "pnet", "--endpoint", "os"],
    &["everolimus", "octreotide_lar", "--population", "midgut", "--allow-ttp"],
    &["everolimus", "cabozantinib", "--population", "gi_lung"],
    &["everolimus", "lu177_dotatate", "--population", "midgut"],
    &["octreotide_lar_60mg", "everolimus", "--population", "midgut"],
    &["everolimus", "placebo", "--population", "lung"],
];

fn actual() -> BTreeMap<String, String> {
    let kb = Kb::embedded().expect("knowledge loads");
    let v = kb.version();
    let mut m = BTreeMap::new();
    for ex in examples() {
        for region in ["us", "eu"] {
            m.insert(
                format!("assess {ex} --region {region} --json"),
                run(&["assess", &ex, "--region", region, "--json"], v),
            );
            m.insert(
                format!("assess {ex} --region {region}"),
                run(&["assess", &ex, "--region", region], v),
            );
        }
    }
    for args in COMPARE_CLI {
        let mut a: Vec<&str> = vec!["compare"];
        a.extend_from_slice(args);
        m.insert(a.join(" "), run(&a, v));
        a.push("--json");
        m.insert(a.join(" "), run(&a, v));
    }
    // The library call for every ordered pair of nodes, population and endpoint (one digest
    // per population and endpoint, over the JSON answers or error texts in a fixed order).
    let nodes = kb.agents.node_ids();
    for pop in kb.populations.ids() {
        for (endpoint, allow_ttp) in [("pfs", false), ("pfs", true), ("ttp", false), ("os", false)] {
            let mut all = Vec::new();
            for a in &nodes {
                for b in &nodes {
                    let req = Request {
                        a: a.to_string(),
                        b: b.to_string(),
                        population: pop.to_string(),
                        endpoint: endpoint.into(),
                        allow_ttp,
                    };
                    let text = match compare(kb, &req) {
                        Ok(c) => serde_json::to_string(&c).unwrap(),
                        Err(CompareError::Refused(r)) => serde_json::to_string(&r).unwrap(),
                        Err(CompareError::Input(e)) => format!("input error: {e}"),
                    };
                    all.extend_from_slice(text.as_bytes());
                    all.push(b'\n');
                }
            }
            m.insert(
                format!(
                    "library compare (every node pair) --population {pop} --endpoint {endpoint}{}",
                    if allow_ttp { " --allow-ttp" } else { "" }
                ),
                fn_digest(&all, b"", "", v),
            );
        }
    }
    m
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(' ').map(|(d, k)| (k.to_string(), d.to_string())))
        .collect()
}

#[test]
fn assess_and_compare_outputs_are_unchanged() {
    let got = actual();
    if std::env::var_os("NETRX_BLESS").is_some() {
        let mut text = String::from(
            "# Digests of assess / compare outputs (see tests/assess_snapshots.rs); knowledge version normalised.\n",
        );
        for (k, d) in &got {
            text.push_str(&format!("{d} {k}\n"));
        }
        std::fs::create_dir_all(digests_file().parent().unwrap()).unwrap();
        std::fs::write(digests_file(), text).unwrap();
        return;
    }
    let want = parse(&std::fs::read_to_string(digests_file()).expect("digests recorded"));
    assert!(want.len() > 80, "the digest file lists {} outputs", want.len());
    let mut problems = Vec::new();
    for (k, d) in &want {
        match got.get(k) {
            Some(g) if g == d => {}
            Some(g) => problems.push(format!("changed: {k} (recorded {d}, now {g})")),
            None => problems.push(format!("no longer produced: {k}")),
        }
    }
    for k in got.keys().filter(|k| !want.contains_key(*k)) {
        problems.push(format!("not recorded: {k}"));
    }
    assert!(
        problems.is_empty(),
        "{} output(s) differ from the recorded digests:\n{}\n(re-record with NETRX_BLESS=1 only if the change is intended)",
        problems.len(),
        problems.join("\n")
    );
}
