//! Label indications per agent and region (`knowledge/indications.toml`):
//! product-specific indications, explicit limitations and flags, each a
//! [`Condition`] with its [`Source`]. `complete` says whether the references
//! state the product's NET indications fully (outside them = off-label) or only
//! in fragments (outside them = not stated in the references).

use crate::KbError;
use crate::guidelines::{Condition, Guidelines, vocab};
use crate::provenance::Source;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The file.
pub const FILE: &str = "indications.toml";

/// An indication, limitation or flag.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelRule {
    pub id: String,
    /// The label's wording (or the reference's paraphrase of it).
    pub text: String,
    #[serde(default)]
    pub when: Condition,
    pub source: Source,
}

/// One product's label in one region.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// Agent id.
    pub agent: String,
    /// `us` or `eu`.
    pub region: String,
    /// The product and document the rules were read from.
    pub product: String,
    /// The references state the product's NET indications fully.
    pub complete: bool,
    pub source: Source,
    #[serde(default, rename = "indication")]
    pub indications: Vec<LabelRule>,
    #[serde(default, rename = "limitation")]
    pub limitations: Vec<LabelRule>,
    #[serde(default, rename = "flag")]
    pub flags: Vec<LabelRule>,
}

/// All labels.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indications {
    #[serde(rename = "label")]
    pub labels: Vec<Label>,
}

impl Indications {
    /// The label of an agent in a region.
    pub fn label(&self, agent: &str, region: &str) -> Option<&Label> {
        self.labels.iter().find(|l| l.agent == agent && l.region == region)
    }

    fn check(&self, agents: &BTreeSet<String>, g: &Guidelines) -> Vec<String> {
        let mut errs = Vec::new();
        let groups = g.group_ids();
        let mut seen_labels = BTreeSet::new();
        let mut seen_ids = BTreeSet::new();
        for l in &self.labels {
            let p = format!("label {}/{}", l.agent, l.region);
            if !agents.is_empty() && !agents.contains(&l.agent) {
                errs.push(format!("{p}: unknown agent id"));
            }
            if !vocab::REGION.contains(&l.region.as_str()) {
                errs.push(format!("{p}: region must be one of {}", vocab::REGION.join(", ")));
            }
            if !seen_labels.insert((l.agent.clone(), l.region.clone())) {
                errs.push(format!("{p}: defined twice"));
            }
            if l.complete && l.indications.is_empty() {
                errs.push(format!("{p}: complete = true needs at least one indication"));
            }
            for (kind, rules) in [
                ("indication", &l.indications),
                ("limitation", &l.limitations),
                ("flag", &l.flags),
            ] {
                for r in rules {
                    if !seen_ids.insert(r.id.clone()) {
                        errs.push(format!("{p} {kind} {}: id used twice", r.id));
                    }
                    if !r.id.starts_with(&format!("{}.{}.", l.agent, l.region)) {
                        errs.push(format!(
                            "{p} {kind} {}: id must start with \"{}.{}.\"",
                            r.id, l.agent, l.region
                        ));
                    }
                    r.when
                        .check(&format!("{p} {kind} {}", r.id), agents, &groups, &mut errs);
                }
            }
        }
        errs
    }
}

/// Load and check `indications.toml` against the agent ids and the guideline groups.
pub fn load(files: &[(String, String)], agents: &BTreeSet<String>, g: &Guidelines) -> Result<Indications, KbError> {
    let text = files
        .iter()
        .find(|(p, _)| p == FILE)
        .map(|(_, c)| c.as_str())
        .ok_or_else(|| KbError {
            file: FILE.into(),
            message: "missing".into(),
        })?;
    let ind: Indications = toml::from_str(text).map_err(|e| KbError {
        file: FILE.into(),
        message: e.to_string(),
    })?;
    let errs = ind.check(agents, g);
    if !errs.is_empty() {
        return Err(KbError {
            file: FILE.into(),
            message: format!("{} problem(s): {}", errs.len(), errs.join("; ")),
        });
    }
    Ok(ind)
}
