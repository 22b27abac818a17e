//! Patient-specific cautions (`knowledge/cautions.toml`): for the agents a
//! caution names, when its [`Condition`] holds for the patient, its text is shown
//! with its severity and [`Source`].

use crate::KbError;
use crate::guidelines::{Condition, Guidelines};
use crate::provenance::Source;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The file.
pub const FILE: &str = "cautions.toml";

/// How much a caution weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// A serious documented risk, or an explicit statement against use in this situation.
    High,
    /// Monitor or adjust.
    Moderate,
    /// Context: e.g. the patient is outside the trial population.
    Info,
}

impl Severity {
    pub fn id(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Moderate => "moderate",
            Severity::Info => "info",
        }
    }
}

/// One caution.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caution {
    pub id: String,
    /// Agent ids it concerns.
    pub agents: Vec<String>,
    pub severity: Severity,
    #[serde(default)]
    pub when: Condition,
    pub text: String,
    pub source: Source,
}

/// All cautions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cautions {
    #[serde(rename = "caution")]
    pub cautions: Vec<Caution>,
}

impl Cautions {
    /// The cautions that concern an agent.
    pub fn for_agent<'a>(&'a self, agent: &'a str) -> impl Iterator<Item = &'a Caution> {
        self.cautions
            .iter()
            .filter(move |c| c.agents.iter().any(|a| a == agent))
    }

    fn check(&self, agents: &BTreeSet<String>, g: &Guidelines) -> Vec<String> {
        let mut errs = Vec::new();
        let groups = g.group_ids();
        let mut seen = BTreeSet::new();
        for c in &self.cautions {
            let p = format!("caution {}", c.id);
            if !seen.insert(c.id.clone()) {
                errs.push(format!("{p}: id used twice"));
            }
            if c.agents.is_empty() {
                errs.push(format!("{p}: names no agent"));
            }
            for a in &c.agents {
                if !agents.is_empty() && !agents.contains(a) {
                    errs.push(format!("{p}: unknown agent id {a:?}"));
                }
            }
            if c.text.trim().is_empty() {
                errs.push(format!("{p}: empty text"));
            }
            c.when.check(&format!("{p}.when"), agents, &groups, &mut errs);
        }
        errs
    }
}

/// Load and check `cautions.toml` against the agent ids and the guideline groups.
pub fn load(files: &[(String, String)], agents: &BTreeSet<String>, g: &Guidelines) -> Result<Cautions, KbError> {
    let text = files
        .iter()
        .find(|(p, _)| p == FILE)
        .map(|(_, c)| c.as_str())
        .ok_or_else(|| KbError {
            file: FILE.into(),
            message: "missing".into(),
        })?;
    let c: Cautions = toml::from_str(text).map_err(|e| KbError {
        file: FILE.into(),
        message: e.to_string(),
    })?;
    let errs = c.check(agents, g);
    if !errs.is_empty() {
        return Err(KbError {
            file: FILE.into(),
            message: format!("{} problem(s): {}", errs.len(), errs.join("; ")),
        });
    }
    Ok(c)
}
