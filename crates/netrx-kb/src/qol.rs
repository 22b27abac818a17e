//! Quality-of-life instruments as data (`knowledge/qol/*.toml`): item codes,
//! response ranges, reverse-keyed items, scale membership and the scoring rule of
//! each scale — no item text (the questionnaires are copyrighted) — and the
//! definitions of deterioration (`knowledge/qol/deterioration.toml`).
//!
//! A site may replace an instrument definition at run time (for example with the
//! licensed QLQ-GI.NET21 item→scale map): [`parse_instrument`] reads and checks
//! such a file and [`Qol::replace_instrument`] swaps it in.

use crate::provenance::Source;
use crate::{KbError, parse_toml};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Directory of the QoL files, relative to knowledge/.
pub const DIR: &str = "qol/";
/// The deterioration definitions file.
pub const DETERIORATION_FILE: &str = "qol/deterioration.toml";

/// All QoL knowledge.
#[derive(Debug, Clone)]
pub struct Qol {
    /// The instruments, in file-name order.
    pub instruments: Vec<InstrumentDef>,
    /// How deterioration is defined.
    pub deterioration: Deterioration,
}

/// One questionnaire.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstrumentDef {
    /// As the case file writes it: "FACT-G", "QLQ-C30", "QLQ-GINET21".
    pub id: String,
    pub title: String,
    pub version: String,
    /// Who owns the questionnaire and what is (not) shipped.
    pub copyright: String,
    pub source: Source,
    /// Item codes as the form prints them, with their response range.
    pub items: Vec<ItemDef>,
    /// Scales in display order.
    #[serde(rename = "scale")]
    pub scales: Vec<ScaleDef>,
}

/// One item: its code, response range and whether it is reverse-keyed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    pub code: String,
    pub min: u8,
    pub max: u8,
    /// Scored as `min + max − response`.
    #[serde(default)]
    pub reverse: bool,
}

/// How a scale is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// FACIT: sum of item scores × items in scale / items answered.
    ProratedSum,
    /// EORTC functional scale: (1 − (RS − min) / range) × 100.
    EortcFunctional,
    /// EORTC symptom scale or item: (RS − min) / range × 100.
    EortcSymptom,
    /// EORTC global health status: (RS − min) / range × 100.
    EortcGlobal,
    /// Sum of other scales' scores (FACT-G total).
    SumOfScales,
    /// Mean of other scales' scores, some inverted as 100 − score (QLQ-C30 summary).
    MeanOfScales,
}

impl Method {
    /// Whether the scale is computed from items (rather than from other scales).
    pub fn is_item_based(self) -> bool {
        !matches!(self, Method::SumOfScales | Method::MeanOfScales)
    }
}

/// The least share of items that must be answered for a score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinAnswered {
    /// A share from 0 to 1.
    pub fraction: f64,
    /// `true`: answered/total ≥ fraction; `false`: answered/total > fraction.
    pub inclusive: bool,
}

impl MinAnswered {
    /// Whether `answered` of `total` items is enough.
    pub fn allows(&self, answered: usize, total: usize) -> bool {
        if total == 0 || answered == 0 {
            return false;
        }
        let share = answered as f64 / total as f64;
        if self.inclusive {
            share >= self.fraction
        } else {
            share > self.fraction
        }
    }

    /// "more than 50 %" / "at least 50 %".
    pub fn describe(&self) -> String {
        let pct = self.fraction * 100.0;
        let pct = if pct.fract() == 0.0 {
            format!("{}", pct as i64)
        } else {
            format!("{pct}")
        };
        if self.inclusive {
            format!("at least {pct} %")
        } else {
            format!("more than {pct} %")
        }
    }
}

/// One scale (subscale, symptom item, total or summary score).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleDef {
    /// Abbreviation as the scoring manual writes it (PWB, QL2, …).
    pub code: String,
    pub name: String,
    pub method: Method,
    /// Item codes (item-based methods). Empty when the map is not known (scale not scored).
    #[serde(default)]
    pub items: Vec<String>,
    /// The number of items the scale should have, when the items are not listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_items: Option<usize>,
    /// Component scales (sum_of_scales, mean_of_scales).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scales: Vec<String>,
    /// Component scales entering as 100 − score (mean_of_scales).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invert: Vec<String>,
    /// Items that must be answered: of the scale's items, or (sum_of_scales) of all component items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_answered: Option<MinAnswered>,
    /// Whether a higher score is better (functioning, global QoL, FACT-G) or worse (symptoms).
    pub higher_is_better: bool,
    pub source: Source,
}

impl InstrumentDef {
    /// An item by code.
    pub fn item(&self, code: &str) -> Option<&ItemDef> {
        self.items.iter().find(|i| i.code == code)
    }

    /// A scale by code.
    pub fn scale(&self, code: &str) -> Option<&ScaleDef> {
        self.scales.iter().find(|s| s.code == code)
    }

    /// The item codes compactly, for error messages: "GP1–GP7, GS1–GS7, …".
    pub fn item_codes_summary(&self) -> String {
        let mut groups: Vec<(String, u32, u32, String, String)> = Vec::new();
        for it in &self.items {
            let split = it.code.find(|c: char| c.is_ascii_digit());
            let (prefix, num) = match split {
                Some(p) => (&it.code[..p], it.code[p..].parse::<u32>().ok()),
                None => (it.code.as_str(), None),
            };
            match (groups.last_mut(), num) {
                (Some(g), Some(n)) if g.0 == prefix && g.2 + 1 == n => {
                    g.2 = n;
                    g.4 = it.code.clone();
                }
                (_, Some(n)) => groups.push((prefix.to_string(), n, n, it.code.clone(), it.code.clone())),
                (_, None) => groups.push((prefix.to_string(), 0, 0, it.code.clone(), it.code.clone())),
            }
        }
        groups
            .iter()
            .map(|g| {
                if g.3 == g.4 {
                    g.3.clone()
                } else {
                    format!("{}–{}", g.3, g.4)
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Consistency checks (run at load time and on site-supplied definitions).
    pub fn check(&self) -> Result<(), String> {
        let id = &self.id;
        if self.items.is_empty() {
            return Err(format!("{id}: no items"));
        }
        let mut codes = HashSet::new();
        for it in &self.items {
            if it.code.trim().is_empty() || !codes.insert(it.code.as_str()) {
                return Err(format!("{id}: item code {:?} is empty or repeated", it.code));
            }
            if it.min >= it.max {
                return Err(format!("{id}: item {} has min {} ≥ max {}", it.code, it.min, it.max));
            }
        }
        let mut scale_codes = HashSet::new();
        let mut used = HashSet::new();
        for s in &self.scales {
            let sc = &s.code;
            if !scale_codes.insert(sc.as_str()) {
                return Err(format!("{id}: scale {sc} is defined twice"));
            }
            let expected_direction = match s.method {
                Method::EortcFunctional | Method::EortcGlobal => Some(true),
                Method::EortcSymptom => Some(false),
                _ => None,
            };
            if expected_direction.is_some_and(|d| d != s.higher_is_better) {
                return Err(format!(
                    "{id}: scale {sc}: higher_is_better = {} contradicts its method",
                    s.higher_is_better
                ));
            }
            if s.method.is_item_based() {
                if !s.scales.is_empty() || !s.invert.is_empty() {
                    return Err(format!(
                        "{id}: scale {sc}: an item-based scale takes no `scales`/`invert`"
                    ));
                }
                let rule = s
                    .min_answered
                    .ok_or_else(|| format!("{id}: scale {sc}: min_answered is required"))?;
                if !(rule.fraction.is_finite() && (0.0..=1.0).contains(&rule.fraction)) {
                    return Err(format!("{id}: scale {sc}: min_answered.fraction must be from 0 to 1"));
                }
                if s.items.is_empty() && s.expected_items.is_none() {
                    return Err(format!(
                        "{id}: scale {sc}: lists no items (give expected_items if unmapped)"
                    ));
                }
                let mut range = None;
                for code in &s.items {
                    let it = self
                        .item(code)
                        .ok_or_else(|| format!("{id}: scale {sc}: unknown item {code}"))?;
                    if !used.insert(code.as_str()) {
                        return Err(format!("{id}: item {code} belongs to more than one scale"));
                    }
                    if s.method != Method::ProratedSum {
                        if *range.get_or_insert((it.min, it.max)) != (it.min, it.max) {
                            return Err(format!("{id}: scale {sc}: items have different response ranges"));
                        }
                        if it.reverse {
                            return Err(format!("{id}: scale {sc}: EORTC items are not reverse-keyed ({code})"));
                        }
                    }
                }
            } else {
                if !s.items.is_empty() || s.scales.is_empty() {
                    return Err(format!(
                        "{id}: scale {sc}: a combined scale lists component `scales`, no items"
                    ));
                }
                for c in s.scales.iter().chain(&s.invert) {
                    let comp = self
                        .scales
                        .iter()
                        .take_while(|x| x.code != *sc)
                        .find(|x| x.code == *c)
                        .ok_or_else(|| format!("{id}: scale {sc}: component {c} is not an earlier scale"))?;
                    if !comp.method.is_item_based() {
                        return Err(format!("{id}: scale {sc}: component {c} must be item-based"));
                    }
                }
                if s.invert.iter().any(|c| !s.scales.contains(c)) {
                    return Err(format!("{id}: scale {sc}: every inverted scale must be a component"));
                }
                if s.method == Method::SumOfScales && s.min_answered.is_none() {
                    return Err(format!("{id}: scale {sc}: min_answered is required"));
                }
            }
        }
        Ok(())
    }
}

/// How deterioration is defined.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deterioration {
    /// The definition used unless the user picks another.
    pub default: String,
    #[serde(rename = "definition")]
    pub definitions: Vec<DeteriorationDef>,
}

/// One definition of a deterioration event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeteriorationDef {
    pub id: String,
    pub title: String,
    /// Instrument id.
    pub instrument: String,
    /// Scale code.
    pub scale: String,
    /// Points worse than baseline (> 0).
    pub threshold: f64,
    /// Whether the worsening must persist at every later assessment.
    pub definitive: bool,
    /// Source of the threshold/endpoint.
    pub source: Source,
    /// Source of the "definitive" rule.
    pub definitive_source: Source,
}

impl Deterioration {
    /// A definition by id.
    pub fn definition(&self, id: &str) -> Option<&DeteriorationDef> {
        self.definitions.iter().find(|d| d.id == id)
    }

    /// The default definition.
    pub fn default_definition(&self) -> &DeteriorationDef {
        self.definition(&self.default)
            .expect("the default deterioration definition exists (checked at load)")
    }
}

impl Qol {
    /// An instrument by id.
    pub fn instrument(&self, id: &str) -> Option<&InstrumentDef> {
        self.instruments.iter().find(|i| i.id == id)
    }

    /// Replace the instrument with the same id by a (checked) site-supplied definition.
    pub fn replace_instrument(&mut self, def: InstrumentDef) -> Result<(), String> {
        def.check()?;
        match self.instruments.iter_mut().find(|i| i.id == def.id) {
            Some(slot) => {
                *slot = def;
                self.check_deterioration()
            }
            None => Err(format!(
                "unknown instrument id {:?}; allowed: {}",
                def.id,
                self.instruments
                    .iter()
                    .map(|i| i.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    fn check_deterioration(&self) -> Result<(), String> {
        let d = &self.deterioration;
        if d.definition(&d.default).is_none() {
            return Err(format!("default definition {:?} does not exist", d.default));
        }
        let mut ids = HashSet::new();
        for def in &d.definitions {
            if !ids.insert(def.id.as_str()) {
                return Err(format!("definition {} is defined twice", def.id));
            }
            let inst = self
                .instrument(&def.instrument)
                .ok_or_else(|| format!("definition {}: unknown instrument {}", def.id, def.instrument))?;
            if inst.scale(&def.scale).is_none() {
                return Err(format!(
                    "definition {}: {} has no scale {}",
                    def.id, def.instrument, def.scale
                ));
            }
            if !(def.threshold.is_finite() && def.threshold > 0.0) {
                return Err(format!("definition {}: threshold must be > 0", def.id));
            }
        }
        Ok(())
    }
}

/// Parse and check an instrument definition (the format of `knowledge/qol/*.toml`).
pub fn parse_instrument(text: &str) -> Result<InstrumentDef, String> {
    let def: InstrumentDef = toml::from_str(text).map_err(|e| {
        // One line: the position and the message (toml's own rendering spans several lines).
        let line = e
            .span()
            .map(|sp| text[..sp.start.min(text.len())].matches('\n').count() + 1);
        match line {
            Some(l) => format!("line {l}: {}", e.message().trim()),
            None => e.message().trim().to_string(),
        }
    })?;
    def.check()?;
    Ok(def)
}

/// Load every instrument under `qol/` and the deterioration definitions.
pub(crate) fn load(files: &[(String, String)]) -> Result<Qol, KbError> {
    let mut instruments: Vec<InstrumentDef> = Vec::new();
    let mut deterioration = None;
    for (path, text) in files {
        if !path.starts_with(DIR) || !path.ends_with(".toml") {
            continue;
        }
        if path == DETERIORATION_FILE {
            deterioration = Some(parse_toml::<Deterioration>(path, text)?);
            continue;
        }
        let def: InstrumentDef = parse_toml(path, text)?;
        def.check().map_err(|m| KbError {
            file: path.clone(),
            message: m,
        })?;
        if instruments.iter().any(|i| i.id == def.id) {
            return Err(KbError {
                file: path.clone(),
                message: format!("instrument {} is defined twice", def.id),
            });
        }
        instruments.push(def);
    }
    let deterioration = deterioration.ok_or_else(|| KbError {
        file: DETERIORATION_FILE.into(),
        message: "missing".into(),
    })?;
    let qol = Qol {
        instruments,
        deterioration,
    };
    qol.check_deterioration().map_err(|m| KbError {
        file: DETERIORATION_FILE.into(),
        message: m,
    })?;
    Ok(qol)
}

#[cfg(test)]
mod tests {
    use crate::Kb;

    use super::*;

    #[test]
    fn embedded_instruments_have_the_published_structure() {
        let q = &Kb::embedded().unwrap().qol;
        let f = q.instrument("FACT-G").unwrap();
        assert_eq!(f.items.len(), 27);
        let reversed: Vec<&str> = f.items.iter().filter(|i| i.reverse).map(|i| i.code.as_str()).collect();
        assert_eq!(
            reversed,
            [
                "GP1", "GP2", "GP3", "GP4", "GP5", "GP6", "GP7", "GE1", "GE3", "GE4", "GE5", "GE6"
            ]
        );
        assert_eq!(f.item_codes_summary(), "GP1–GP7, GS1–GS7, GE1–GE6, GF1–GF7");
        let c = q.instrument("QLQ-C30").unwrap();
        assert_eq!(c.items.len(), 30);
        // Every C30 item belongs to exactly one of the 15 scales.
        let mapped: usize = c.scales.iter().map(|s| s.items.len()).sum();
        assert_eq!(mapped, 30);
        assert_eq!(c.scales.len(), 16);
        let g = q.instrument("QLQ-GINET21").unwrap();
        assert_eq!(g.item_codes_summary(), "Q31–Q51");
        let expected: usize = g.scales.iter().filter_map(|s| s.expected_items).sum();
        assert_eq!(expected, 21);
        assert_eq!(q.deterioration.default_definition().threshold, 7.0);
    }

    #[test]
    fn min_answered_rules_are_strict_or_inclusive() {
        let more_than_half = MinAnswered {
            fraction: 0.5,
            inclusive: false,
        };
        assert!(more_than_half.allows(4, 7));
        assert!(!more_than_half.allows(3, 7));
        assert!(!more_than_half.allows(3, 6));
        let at_least_half = MinAnswered {
            fraction: 0.5,
            inclusive: true,
        };
        assert!(at_least_half.allows(1, 2));
        assert!(!at_least_half.allows(0, 2));
        let more_than_80 = MinAnswered {
            fraction: 0.8,
            inclusive: false,
        };
        assert!(more_than_80.allows(22, 27));
        assert!(!more_than_80.allows(21, 27));
        assert!(!more_than_80.allows(4, 5));
    }

    #[test]
    fn site_definitions_are_checked() {
        let kb = Kb::embedded().unwrap();
        let text = Kb::embedded_files()
            .iter()
            .find(|(p, _)| *p == "qol/qlq-ginet21.toml")
            .unwrap()
            .1;
        // Two scales claiming the same item are refused.
        let bad = text
            .replacen(
                "items = []\nexpected_items = 3",
                "items = [\"Q31\"]\nexpected_items = 3",
                2,
            )
            .to_string();
        assert!(parse_instrument(&bad).unwrap_err().contains("more than one scale"));
        let mut q = kb.qol.clone();
        let mut def = parse_instrument(text).unwrap();
        def.id = "QLQ-XX".into();
        assert!(q.replace_instrument(def).unwrap_err().contains("unknown instrument id"));
    }
}
