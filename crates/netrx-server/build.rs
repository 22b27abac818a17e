//! Embeds every `examples/*.json` of the repository for `netrx serve --demo`, so
//! an installed binary needs no examples directory next to it.

use std::io::Write;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let dir = manifest.join("../../examples");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("demo_cases.rs");
    let mut f = std::fs::File::create(&out).expect("create demo_cases.rs");
    writeln!(f, "/// (file name, contents) of every bundled example.").unwrap();
    writeln!(f, "pub const DEMO_FILES: &[(&str, &str)] = &[").unwrap();
    for p in &files {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let abs = p.canonicalize().unwrap_or_else(|_| p.clone());
        writeln!(f, "    ({name:?}, include_str!({:?})),", abs.display().to_string()).unwrap();
        println!("cargo:rerun-if-changed={}", abs.display());
    }
    writeln!(f, "];").unwrap();
}
