//! WHO/ENETS grading schemes as data (`knowledge/grading.toml`).

use crate::provenance::Source;
use serde::Deserialize;

/// All grading knowledge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    /// High-power-field geometry for legacy per-10-HPF counts.
    pub hpf: HpfGeometry,
    /// The schemes.
    pub scheme: Vec<Scheme>,
    /// Which scheme `auto` picks.
    pub auto: AutoChoice,
}

/// Range of microscope field diameters (§A.4).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HpfGeometry {
    pub field_diameter_min_mm: f64,
    pub field_diameter_max_mm: f64,
    pub source: Source,
}

/// Site family a scheme applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// Gastroenteropancreatic (and unknown primary).
    Gep,
    /// Lung and thymus.
    Thoracic,
}

/// Unit the scheme's mitotic cut-offs are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MitosesUnit {
    #[serde(rename = "per_2mm2")]
    Per2mm2,
    #[serde(rename = "per_10hpf")]
    Per10hpf,
}

/// One grading scheme.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    pub id: String,
    pub title: String,
    pub family: Family,
    pub year: u16,
    /// WHO 2010: every G3 is named NEC.
    pub g3_is_nec: bool,
    pub mitoses_unit: MitosesUnit,
    pub source: Source,
    /// Ki-67 bands (absent for thoracic schemes, which do not use Ki-67).
    #[serde(default)]
    pub ki67: Vec<Band>,
    /// Mitotic-count bands (per 2 mm², or per 10 HPF for WHO 2010).
    pub mitoses: Vec<Band>,
    #[serde(default)]
    pub gap_note: Option<String>,
    #[serde(default)]
    pub thymus_note: Option<String>,
    #[serde(default)]
    pub elevated_note: Option<String>,
}

/// An interval of an index that maps to a grade (GEP: "G1".."G3"; thoracic: "low", "mid", "high").
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub grade: String,
    pub min: f64,
    #[serde(default)]
    pub max: Option<f64>,
    pub min_inclusive: bool,
    #[serde(default)]
    pub max_inclusive: bool,
}

impl Band {
    /// Whether `v` lies in the band.
    pub fn contains(&self, v: f64) -> bool {
        let above = if self.min_inclusive {
            v >= self.min
        } else {
            v > self.min
        };
        let below = match self.max {
            None => true,
            Some(m) if self.max_inclusive => v <= m,
            Some(m) => v < m,
        };
        above && below
    }

    /// The interval in mathematical notation, e.g. "[3, 20]" or "(20, ∞)".
    pub fn interval(&self) -> String {
        let lo = if self.min_inclusive { '[' } else { '(' };
        match self.max {
            Some(m) => format!(
                "{lo}{}, {}{}",
                num(self.min),
                num(m),
                if self.max_inclusive { ']' } else { ')' }
            ),
            None => format!("{lo}{}, ∞)", num(self.min)),
        }
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Which scheme `auto` picks per site family.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AutoChoice {
    pub gep: String,
    pub thoracic: String,
    pub unknown_primary: String,
    pub unknown_primary_note: String,
}

impl Grading {
    /// A scheme by id.
    pub fn scheme(&self, id: &str) -> Option<&Scheme> {
        self.scheme.iter().find(|s| s.id == id)
    }

    /// Consistency checks run at load time.
    pub(crate) fn check(&self) -> Result<(), String> {
        for s in &self.scheme {
            for (name, bands) in [("ki67", &s.ki67), ("mitoses", &s.mitoses)] {
                for w in bands.windows(2) {
                    let (a, b) = (&w[0], &w[1]);
                    let a_max = a
                        .max
                        .ok_or_else(|| format!("{}: {name} band {} is open but not last", s.id, a.grade))?;
                    if b.min < a_max || (b.min == a_max && b.min_inclusive && a.max_inclusive) {
                        return Err(format!("{}: {name} bands {} and {} overlap", s.id, a.grade, b.grade));
                    }
                }
            }
            if s.family == Family::Gep && s.ki67.is_empty() {
                return Err(format!("{}: a GEP scheme needs Ki-67 bands", s.id));
            }
        }
        for id in [&self.auto.gep, &self.auto.thoracic, &self.auto.unknown_primary] {
            if self.scheme(id).is_none() {
                return Err(format!("auto choice {id} is not a scheme"));
            }
        }
        Ok(())
    }
}
