//! Systemic agents and treatment regimens netrx knows (`knowledge/agents.toml`).
//!
//! An **agent** is one drug, procedure or strategy (`everolimus`, `octreotide_lar`,
//! `liver_directed_therapy`, `watch_and_wait`, `placebo`). A **regimen** is a
//! network node that is not a single agent at its standard dose: a combination
//! (`everolimus+octreotide_lar`), a dose level that must not be merged with the
//! standard one (`octreotide_lar_60mg`), or a sequence (SEQTOR's arms). Every trial
//! arm names its agents (for filtering) and its node (for indirect comparisons);
//! a node is an agent id or a regimen id.
//!
//! Ids are lowercase INN names in snake_case; brand names and spelling variants
//! are aliases.

use crate::provenance::Source;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The agents file.
///
/// Deserialising builds the lookup indexes (exact ids, normalised aliases), so that
/// [`Agents::agent`], [`Agents::resolve_agent`] and [`Agents::resolve_node`] are hash lookups.
/// A list changed after loading is detected (the indexes no longer match its length) and
/// scanned instead; call [`Agents::reindex`] after changing it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "AgentsFile")]
pub struct Agents {
    /// Every agent.
    #[serde(rename = "agent")]
    pub agents: Vec<Agent>,
    /// Combination, dose-level and sequence nodes.
    #[serde(rename = "regimen")]
    pub regimens: Vec<Regimen>,
    #[serde(skip)]
    index: NodeIndex,
}

/// `agents.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentsFile {
    #[serde(rename = "agent")]
    agents: Vec<Agent>,
    #[serde(rename = "regimen", default)]
    regimens: Vec<Regimen>,
}

impl From<AgentsFile> for Agents {
    fn from(f: AgentsFile) -> Agents {
        Agents::new(f.agents, f.regimens)
    }
}

/// Positions in `agents` / `regimens` by key. The first entry naming a key wins, as in a scan.
#[derive(Debug, Clone, Default)]
struct NodeIndex {
    /// The list lengths the index was built for.
    built_for: Option<(usize, usize)>,
    /// Exact agent id → position.
    agent_ids: HashMap<String, usize>,
    /// Exact regimen id → position.
    regimen_ids: HashMap<String, usize>,
    /// Agent id, or normalised alias → position (as [`Agents::resolve_agent`] matches).
    agent_keys: HashMap<String, usize>,
    /// Regimen id, or normalised alias → position.
    regimen_keys: HashMap<String, usize>,
}

/// What kind of thing an agent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentKind {
    /// A drug or a fixed drug combination given as one regimen (e.g. capecitabine + temozolomide).
    Drug,
    /// A radiopharmaceutical (PRRT).
    Radioligand,
    /// A procedure (liver-directed therapy).
    Procedure,
    /// A management strategy without anticancer treatment (watch and wait).
    Strategy,
    /// A control without active drug (placebo).
    Control,
}

/// One agent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agent {
    /// Lowercase INN in snake_case.
    pub id: String,
    /// Display name.
    pub name: String,
    pub kind: AgentKind,
    /// Brand names, code names and spelling variants (matched case-insensitively).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Pharmacological class as the references state it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Route of administration, where the references give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// Dose / schedule as used in the NET trials or the label, where the references give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regimen: Option<String>,
    /// Label basics (approved NET indications), where the references give them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Anything a user must know when reading trials of this agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Source,
}

/// A network node that is not a single agent at its standard dose.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regimen {
    /// Node id: agent ids joined by `+` for combinations, or a dose/sequence qualifier.
    pub id: String,
    pub name: String,
    /// The agents it contains.
    pub agents: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub source: Source,
}

impl Agents {
    /// Agents and regimens with their lookup indexes.
    pub fn new(agents: Vec<Agent>, regimens: Vec<Regimen>) -> Agents {
        let mut a = Agents {
            agents,
            regimens,
            index: NodeIndex::default(),
        };
        a.reindex();
        a
    }

    /// Rebuild the lookup indexes (after changing `agents` or `regimens`).
    pub fn reindex(&mut self) {
        let mut ix = NodeIndex {
            built_for: Some((self.agents.len(), self.regimens.len())),
            ..NodeIndex::default()
        };
        for (i, a) in self.agents.iter().enumerate() {
            ix.agent_ids.entry(a.id.clone()).or_insert(i);
            ix.agent_keys.entry(a.id.clone()).or_insert(i);
            for x in &a.aliases {
                ix.agent_keys.entry(normalise(x)).or_insert(i);
            }
        }
        for (i, r) in self.regimens.iter().enumerate() {
            ix.regimen_ids.entry(r.id.clone()).or_insert(i);
            ix.regimen_keys.entry(r.id.clone()).or_insert(i);
            for x in &r.aliases {
                ix.regimen_keys.entry(normalise(x)).or_insert(i);
            }
        }
        self.index = ix;
    }

    /// Whether the indexes describe the lists (else they are scanned).
    fn indexed(&self) -> bool {
        self.index.built_for == Some((self.agents.len(), self.regimens.len()))
    }

    /// An agent by id.
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        if !self.indexed() {
            return self.agents.iter().find(|a| a.id == id);
        }
        self.index.agent_ids.get(id).and_then(|&i| self.agents.get(i))
    }

    /// A regimen by id.
    pub fn regimen(&self, id: &str) -> Option<&Regimen> {
        if !self.indexed() {
            return self.regimens.iter().find(|r| r.id == id);
        }
        self.index.regimen_ids.get(id).and_then(|&i| self.regimens.get(i))
    }

    /// Whether `id` is a valid network node (an agent or a regimen).
    pub fn is_node(&self, id: &str) -> bool {
        self.agent(id).is_some() || self.regimen(id).is_some()
    }

    /// The display name of a node (agent or regimen); the id itself if unknown.
    pub fn node_name<'a>(&'a self, id: &'a str) -> &'a str {
        if let Some(a) = self.agent(id) {
            &a.name
        } else if let Some(r) = self.regimen(id) {
            &r.name
        } else {
            id
        }
    }

    /// The agents a node contains.
    pub fn node_agents<'a>(&'a self, id: &'a str) -> Vec<&'a str> {
        match self.regimen(id) {
            Some(r) => r.agents.iter().map(String::as_str).collect(),
            None => vec![id],
        }
    }

    /// Resolve an agent id or alias (case-insensitive; `-` and spaces read as `_`).
    pub fn resolve_agent(&self, s: &str) -> Option<&Agent> {
        if !self.indexed() {
            let k = normalise(s);
            return self
                .agents
                .iter()
                .find(|a| a.id == k || a.aliases.iter().any(|x| normalise(x) == k));
        }
        let i = if is_normalised(s) {
            self.index.agent_keys.get(s)
        } else {
            self.index.agent_keys.get(&normalise(s))
        };
        i.and_then(|&i| self.agents.get(i))
    }

    /// Resolve a node: an agent (id or alias) or a regimen (id or alias).
    pub fn resolve_node(&self, s: &str) -> Option<&str> {
        if let Some(a) = self.resolve_agent(s) {
            return Some(&a.id);
        }
        if !self.indexed() {
            let k = normalise(s);
            return self
                .regimens
                .iter()
                .find(|r| r.id == k || r.aliases.iter().any(|x| normalise(x) == k))
                .map(|r| r.id.as_str());
        }
        let i = if is_normalised(s) {
            self.index.regimen_keys.get(s)
        } else {
            self.index.regimen_keys.get(&normalise(s))
        };
        i.and_then(|&i| self.regimens.get(i)).map(|r| r.id.as_str())
    }

    /// Every agent id, in file order.
    pub fn agent_ids(&self) -> Vec<&str> {
        self.agents.iter().map(|a| a.id.as_str()).collect()
    }

    /// Every node id: agents then regimens.
    pub fn node_ids(&self) -> Vec<&str> {
        self.agents
            .iter()
            .map(|a| a.id.as_str())
            .chain(self.regimens.iter().map(|r| r.id.as_str()))
            .collect()
    }

    /// Internal consistency (ids unique and well-formed, regimen agents exist).
    pub(crate) fn check(&self) -> Vec<String> {
        let mut errs = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.agents {
            if !is_snake_id(&a.id) {
                errs.push(format!("agent id {:?} is not lowercase snake_case", a.id));
            }
            if !seen.insert(a.id.clone()) {
                errs.push(format!("agent id {:?} is defined twice", a.id));
            }
        }
        let mut aliases = std::collections::BTreeMap::new();
        for a in &self.agents {
            for x in &a.aliases {
                let k = normalise(x);
                if self.agents.iter().any(|b| b.id == k && b.id != a.id) {
                    errs.push(format!("alias {x:?} of {} is another agent's id", a.id));
                }
                if let Some(prev) = aliases.insert(k, a.id.clone())
                    && prev != a.id
                {
                    errs.push(format!("alias {x:?} is used by both {prev} and {}", a.id));
                }
            }
        }
        for r in &self.regimens {
            if !seen.insert(r.id.clone()) {
                errs.push(format!(
                    "regimen id {:?} is defined twice or clashes with an agent",
                    r.id
                ));
            }
            if r.id.chars().any(|c| c.is_ascii_uppercase() || c.is_whitespace()) {
                errs.push(format!("regimen id {:?} must be lowercase without spaces", r.id));
            }
            if r.agents.is_empty() {
                errs.push(format!("regimen {} lists no agents", r.id));
            }
            for ag in &r.agents {
                if self.agent(ag).is_none() {
                    errs.push(format!("regimen {} names unknown agent {ag:?}", r.id));
                }
            }
            for x in &r.aliases {
                if aliases.contains_key(&normalise(x)) {
                    errs.push(format!("alias {x:?} of regimen {} is also an agent alias", r.id));
                }
            }
        }
        errs
    }
}

/// Whether [`normalise`] would return `s` unchanged (ASCII without upper case, whitespace or `-`).
fn is_normalised(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase() && !b.is_ascii_whitespace() && b != b'-')
}

/// Lowercase, with `-` and spaces read as `_`.
pub fn normalise(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c == '-' || c == ' ' { '_' } else { c })
        .collect()
}

pub(crate) fn is_snake_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookups as they were before the indexes: scans normalising every alias.
    fn scan_agent<'a>(a: &'a Agents, s: &str) -> Option<&'a str> {
        let k = normalise(s);
        a.agents
            .iter()
            .find(|a| a.id == k || a.aliases.iter().any(|x| normalise(x) == k))
            .map(|a| a.id.as_str())
    }

    fn scan_node<'a>(a: &'a Agents, s: &str) -> Option<&'a str> {
        scan_agent(a, s).or_else(|| {
            let k = normalise(s);
            a.regimens
                .iter()
                .find(|r| r.id == k || r.aliases.iter().any(|x| normalise(x) == k))
                .map(|r| r.id.as_str())
        })
    }

    #[test]
    fn indexed_lookups_answer_as_the_scans_for_every_id_and_alias() {
        let kb = crate::Kb::embedded().expect("knowledge loads");
        let a = &kb.agents;
        assert!(a.indexed());
        let keys: Vec<&String> = a
            .agents
            .iter()
            .flat_map(|x| std::iter::once(&x.id).chain(x.aliases.iter()))
            .chain(
                a.regimens
                    .iter()
                    .flat_map(|r| std::iter::once(&r.id).chain(r.aliases.iter())),
            )
            .collect();
        let mut n = 0;
        for k in keys {
            for v in [
                k.to_string(),
                k.to_uppercase(),
                format!(" {k} "),
                k.replace('_', "-"),
                k.replace('_', " "),
                format!("{k}_x"),
            ] {
                assert_eq!(a.resolve_agent(&v).map(|x| x.id.as_str()), scan_agent(a, &v), "{v:?}");
                assert_eq!(a.resolve_node(&v), scan_node(a, &v), "{v:?}");
                n += 1;
            }
        }
        assert!(n > 6 * a.agents.len(), "{n} keys checked");
        for x in &a.agents {
            assert_eq!(a.agent(&x.id).map(|y| &y.id), Some(&x.id));
            assert!(a.regimen(&x.id).is_none());
        }
        for r in &a.regimens {
            assert_eq!(a.regimen(&r.id).map(|y| &y.id), Some(&r.id));
            assert!(a.agent(&r.id).is_none());
        }
        assert!(a.agent("Everolimus").is_none(), "agent() is exact");
        for k in ["", "  ", "nope", "ÉVEROLIMUS"] {
            assert_eq!(a.resolve_node(k), scan_node(a, k), "{k:?}");
        }
    }

    #[test]
    fn changed_lists_are_scanned_until_reindexed() {
        let kb = crate::Kb::embedded().expect("knowledge loads");
        let mut a = kb.agents.clone();
        let mut extra = a.agents[0].clone();
        extra.id = "zz_test_agent".into();
        extra.aliases = vec!["ZZ Brand".into()];
        a.agents.push(extra);
        assert!(!a.indexed());
        assert_eq!(a.resolve_node("zz brand"), Some("zz_test_agent"));
        assert!(a.agent("zz_test_agent").is_some());
        a.reindex();
        assert!(a.indexed());
        assert_eq!(a.resolve_node("ZZ-brand"), Some("zz_test_agent"));
    }
}
