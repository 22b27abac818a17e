//! Primary sites and the populations netrx compares treatments in
//! (`knowledge/populations.toml`).
//!
//! A population (`pnet`, `gi_lung`, `midgut`, `lung`, `gep`) is a set of primary
//! sites. Its `members` say which trial cohorts (a whole trial, a separately
//! randomised cohort, or a subgroup) belong to it. How well a cohort fits is not
//! declared but derived from the sites the cohort enrolled:
//! [`Fit::Exact`] (same sites), [`Fit::Subset`] (only sites of the population, but
//! not all of them) or [`Fit::Mixed`] (also sites outside the population). Only
//! exact fits are free of a site-mix warning.

use crate::provenance::Source;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The populations file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Populations {
    /// The primary-site vocabulary.
    #[serde(rename = "site")]
    pub sites: Vec<Site>,
    /// The populations.
    #[serde(rename = "population")]
    pub populations: Vec<Population>,
}

/// A primary site.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A population.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The primary sites it consists of.
    pub sites: Vec<String>,
    pub source: Source,
    /// Trial cohorts that belong to it.
    #[serde(default)]
    pub members: Vec<Member>,
}

/// A trial cohort that belongs to a population.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Trial id.
    pub trial: String,
    /// Cohort id within the trial (`all` = the whole randomised population).
    #[serde(default = "all")]
    pub cohort: String,
    /// Why it belongs (and what does not fit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn all() -> String {
    "all".into()
}

/// How a cohort's sites fit a population's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    /// The cohort enrolled exactly the population's sites.
    Exact,
    /// Only sites of the population, but not all of them (e.g. a pNET trial for `gep`).
    Subset,
    /// Also sites outside the population (e.g. CLARINET's mixed sites for `pnet`).
    Mixed,
}

impl Fit {
    /// Derive the fit from site sets.
    pub fn of(cohort_sites: &[String], population_sites: &[String]) -> Fit {
        let c: BTreeSet<&str> = cohort_sites.iter().map(String::as_str).collect();
        let p: BTreeSet<&str> = population_sites.iter().map(String::as_str).collect();
        if c == p {
            Fit::Exact
        } else if c.is_subset(&p) {
            Fit::Subset
        } else {
            Fit::Mixed
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Fit::Exact => "exact",
            Fit::Subset => "subset",
            Fit::Mixed => "mixed",
        }
    }
}

impl Populations {
    /// A population by id.
    pub fn population(&self, id: &str) -> Option<&Population> {
        self.populations.iter().find(|p| p.id == id)
    }

    /// A site by id.
    pub fn site(&self, id: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.id == id)
    }

    /// Every population id.
    pub fn ids(&self) -> Vec<&str> {
        self.populations.iter().map(|p| p.id.as_str()).collect()
    }

    /// Every site id.
    pub fn site_ids(&self) -> Vec<&str> {
        self.sites.iter().map(|s| s.id.as_str()).collect()
    }

    /// The populations a trial (any of its cohorts) belongs to.
    pub fn of_trial(&self, trial: &str) -> Vec<&Population> {
        self.populations
            .iter()
            .filter(|p| p.members.iter().any(|m| m.trial == trial))
            .collect()
    }

    /// The display name of a site (the id if unknown).
    pub fn site_name<'a>(&'a self, id: &'a str) -> &'a str {
        self.site(id).map(|s| s.name.as_str()).unwrap_or(id)
    }
}
