//! Laboratory tests and their units (`knowledge/units.toml`).
//!
//! A unit string is matched after [`normalize_unit`]; a value converts to the
//! test's canonical unit as `value × factor_num / factor_den`.

use crate::medications::normalize_id;
use crate::provenance::Source;
use serde::Deserialize;

/// Normalise a unit as printed by a lab: lowercase, no spaces, µ/μ → u,
/// superscript digits as digits (after "10" they become "10^n"), a leading
/// "x"/"×" before "10" dropped.
pub fn normalize_unit(s: &str) -> String {
    let mut out = String::new();
    for ch in s.trim().chars() {
        let sup = match ch {
            '⁰' => Some('0'),
            '¹' => Some('1'),
            '²' => Some('2'),
            '³' => Some('3'),
            '⁴' => Some('4'),
            '⁵' => Some('5'),
            '⁶' => Some('6'),
            '⁷' => Some('7'),
            '⁸' => Some('8'),
            '⁹' => Some('9'),
            _ => None,
        };
        if let Some(d) = sup {
            if out.ends_with("10") {
                out.push('^');
            }
            out.push(d);
            continue;
        }
        match ch {
            c if c.is_whitespace() => {}
            'µ' | 'μ' => out.push('u'),
            '×' => out.push('x'),
            c => out.extend(c.to_lowercase()),
        }
    }
    if let Some(rest) = out.strip_prefix('x')
        && rest.starts_with("10")
    {
        return rest.to_string();
    }
    out
}

fn one() -> f64 {
    1.0
}

/// One accepted unit of a test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitDef {
    /// The unit as netrx prints it.
    pub id: String,
    /// Other spellings.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// value × factor_num / factor_den = value in the canonical unit.
    #[serde(default = "one")]
    pub factor_num: f64,
    #[serde(default = "one")]
    pub factor_den: f64,
    pub source: Source,
}

impl UnitDef {
    /// Convert a value in this unit to the test's canonical unit.
    pub fn to_canonical(&self, v: f64) -> f64 {
        v * self.factor_num / self.factor_den
    }

    /// Whether `s` names this unit.
    pub fn matches(&self, s: &str) -> bool {
        let n = normalize_unit(s);
        normalize_unit(&self.id) == n || self.aliases.iter().any(|a| normalize_unit(a) == n)
    }
}

/// A laboratory test.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabTest {
    /// The test id used in case files (`labs[].test`).
    pub id: String,
    pub name: String,
    /// Other names accepted for the test.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The canonical unit (one of `unit`, with factors 1).
    pub canonical: String,
    pub unit: Vec<UnitDef>,
}

impl LabTest {
    /// The unit definition a unit string names.
    pub fn unit(&self, s: &str) -> Option<&UnitDef> {
        self.unit.iter().find(|u| u.matches(s))
    }

    /// The units accepted, as netrx prints them.
    pub fn unit_ids(&self) -> Vec<&str> {
        self.unit.iter().map(|u| u.id.as_str()).collect()
    }
}

/// All laboratory tests.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Units {
    pub test: Vec<LabTest>,
}

impl Units {
    /// Parse and check `units.toml`.
    pub(crate) fn load(text: &str) -> Result<Units, crate::KbError> {
        let u: Units = crate::parse_toml("units.toml", text)?;
        u.check().map_err(|message| crate::KbError {
            file: "units.toml".into(),
            message,
        })?;
        Ok(u)
    }

    fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for t in &self.test {
            for n in std::iter::once(&t.id).chain(t.aliases.iter()) {
                if !names.insert(normalize_id(n)) {
                    return Err(format!("test name {n:?} is used twice"));
                }
            }
            let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
            for u in &t.unit {
                if !(u.factor_num > 0.0 && u.factor_den > 0.0 && u.factor_num.is_finite() && u.factor_den.is_finite()) {
                    return Err(format!("{}: unit {} has a non-positive factor", t.id, u.id));
                }
                for a in std::iter::once(&u.id).chain(u.aliases.iter()) {
                    if let Some(other) = seen.insert(normalize_unit(a), &u.id)
                        && other != u.id
                    {
                        return Err(format!("{}: unit spelling {a:?} names both {other} and {}", t.id, u.id));
                    }
                }
            }
            match t.unit.iter().find(|u| u.id == t.canonical) {
                Some(c) if c.factor_num == 1.0 && c.factor_den == 1.0 => {}
                _ => {
                    return Err(format!(
                        "{}: canonical unit {} must be a unit with factor 1",
                        t.id, t.canonical
                    ));
                }
            }
        }
        Ok(())
    }

    /// A test by id or alias (case-insensitive).
    pub fn test(&self, name: &str) -> Option<&LabTest> {
        let n = normalize_id(name);
        self.test
            .iter()
            .find(|t| t.id == n || t.aliases.iter().any(|a| normalize_id(a) == n))
    }

    /// The test ids.
    pub fn test_ids(&self) -> Vec<&str> {
        self.test.iter().map(|t| t.id.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_spellings() {
        assert_eq!(normalize_unit("×10⁹/L"), "10^9/l");
        assert_eq!(normalize_unit("x10^9/L"), "10^9/l");
        assert_eq!(normalize_unit("/mm³"), "/mm3");
        assert_eq!(normalize_unit("µmol/L"), "umol/l");
        assert_eq!(normalize_unit("μmol/L"), "umol/l");
        assert_eq!(normalize_unit(" g / dL "), "g/dl");
        assert_eq!(normalize_unit("10³/µL"), "10^3/ul");
    }

    #[test]
    fn embedded_units_convert() {
        let kb = crate::Kb::embedded().expect("embedded knowledge loads");
        let plt = kb.units.test("Platelets").expect("platelets");
        let u = plt.unit("/µL").expect("/µL");
        assert_eq!(u.to_canonical(75_000.0), 75.0);
        assert_eq!(plt.unit("x10^9/l").map(|u| u.id.as_str()), Some("10^9/L"));
        assert!(plt.unit("mg/dL").is_none());
        let hb = kb.units.test("haemoglobin").expect("alias");
        assert_eq!(hb.unit("g/L").expect("g/L").to_canonical(100.0), 10.0);
        assert_eq!(kb.units.test("anc").map(|t| t.id.as_str()), Some("neutrophils"));
        assert!(kb.units.test("alt").is_none());
    }
}
