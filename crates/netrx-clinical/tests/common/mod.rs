//! Helpers shared by the assessment tests: the embedded knowledge base, example case files,
//! and one assessment per case and region.
#![allow(dead_code)] // each test file uses its own subset

use netrx_case::Case;
use netrx_clinical::assess::{AgentOption, Assessment, assess};
use netrx_clinical::capability::{Options, Region};
use netrx_kb::Kb;
use serde_json::Value;
use std::path::Path;

pub fn kb() -> &'static Kb {
    Kb::embedded().expect("embedded knowledge base")
}

/// A bundled example case file (`examples/NAME`) as JSON.
pub fn example(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(name);
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// Load a case file's text with every check of `load_case`.
pub fn load_text(text: &str) -> Case {
    netrx_clinical::load_case(text, kb()).expect("case loads")
}

pub fn load(v: &Value) -> Case {
    load_text(&v.to_string())
}

/// The assessment of a case file's text in a region (scheme `auto`).
pub fn run_text(text: &str, region: Region) -> Assessment {
    let opts = Options {
        region,
        scheme: "auto".into(),
    };
    assess(&load_text(text), kb(), &opts).expect("assessment")
}

pub fn run(v: &Value, region: Region) -> Assessment {
    run_text(&v.to_string(), region)
}

/// The option of an agent (it must be listed).
pub fn opt<'a>(a: &'a Assessment, agent: &str) -> &'a AgentOption {
    a.options
        .iter()
        .find(|o| o.agent == agent)
        .unwrap_or_else(|| panic!("{agent} is listed"))
}
