//! The capabilities a case can be asked for, behind one dispatcher, so that the
//! CLI's `--json` output and the server's answers are produced by the same call
//! and serialise the same value.
//!
//! To add a capability: add a variant to [`Capability`] (its `id` is the URL
//! segment and the CLI subcommand name), extend [`Capability::ALL`], and add the
//! arm in [`evaluate`] calling the capability's library function.

use netrx_case::{Case, InputError};
use netrx_kb::Kb;
use serde::Serialize;

/// Regulatory region whose label applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    /// United States (FDA label).
    #[default]
    Us,
    /// European Union (EMA SmPC).
    Eu,
}

impl Region {
    /// "us" or "eu".
    pub fn id(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
        }
    }

    /// Parse "us" / "eu" (case-insensitive); the error names `field`.
    pub fn parse(field: &str, s: &str) -> Result<Region, InputError> {
        match s.to_ascii_lowercase().as_str() {
            "us" => Ok(Region::Us),
            "eu" => Ok(Region::Eu),
            _ => Err(InputError::invalid(field, format!("{s:?}"), "us, eu")),
        }
    }
}

/// Options shared by the capabilities (CLI flags / query parameters).
#[derive(Debug, Clone)]
pub struct Options {
    /// `--region` / `?region=`.
    pub region: Region,
    /// `--scheme` / `?scheme=` (grading).
    pub scheme: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            region: Region::Us,
            scheme: "auto".into(),
        }
    }
}

/// A capability evaluated on one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// WHO/ENETS classification (`netrx grade`).
    Grade,
    /// Tumour-board assessment: options with label, role, evidence, cautions (`netrx assess`).
    Assess,
    /// RECIST 1.1 response and progression (`netrx recist`).
    Recist,
    /// Quality-of-life scores and deterioration (`netrx qol`).
    Qol,
    /// Everolimus dose from the label's rules (`netrx dose`).
    Dose,
    /// Everolimus toxicity course and current action (`netrx tox`).
    Tox,
    /// Trough-guided everolimus individualisation (`netrx pk tdm`).
    Pk,
}

impl Capability {
    /// Every capability that exists.
    pub const ALL: &'static [Capability] = &[
        Capability::Grade,
        Capability::Assess,
        Capability::Recist,
        Capability::Qol,
        Capability::Dose,
        Capability::Tox,
        Capability::Pk,
    ];

    /// The id: URL segment and CLI subcommand.
    pub fn id(self) -> &'static str {
        match self {
            Capability::Grade => "grade",
            Capability::Assess => "assess",
            Capability::Recist => "recist",
            Capability::Qol => "qol",
            Capability::Dose => "dose",
            Capability::Tox => "tox",
            Capability::Pk => "pk",
        }
    }

    /// Look up by id.
    pub fn from_id(id: &str) -> Option<Capability> {
        Self::ALL.iter().copied().find(|c| c.id() == id)
    }
}

fn to_value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).expect("capability outputs serialise to JSON")
}

/// Evaluate a capability on a case: the JSON the CLI prints with `--json` and the API returns.
pub fn evaluate(cap: Capability, case: &Case, kb: &Kb, opts: &Options) -> Result<serde_json::Value, InputError> {
    match cap {
        Capability::Grade => crate::grade::classify(&case.tumor, &opts.scheme, kb).map(|c| to_value(&c)),
        Capability::Recist => {
            crate::recist::assess(case, kb, &crate::recist::RecistOptions::default()).map(|r| to_value(&r))
        }
        Capability::Assess => crate::assess::assess(case, kb, opts).map(|r| to_value(&r)),
        Capability::Qol => crate::qol::analyse(case, kb, &crate::qol::QolOptions::default()).map(|r| to_value(&r)),
        Capability::Dose => crate::dose::advise(case, kb, opts.region).map(|r| to_value(&r)),
        Capability::Pk => {
            let o = crate::tdm::TdmOptions {
                region: opts.region,
                ..Default::default()
            };
            crate::tdm::tdm(case, kb, &o).map(|r| to_value(&r))
        }
        Capability::Tox => crate::tox::replay(case, kb, opts.region).map(|r| to_value(&r)),
    }
}
