//! CTCAE v5.0 (`knowledge/ctcae.toml`): laboratory grading bands and the
//! adverse-event term vocabulary with aliases.
//!
//! The version is pinned in the data ([`Version`]); the grading itself lives in
//! `netrx_clinical::ctcae`.

use crate::medications::normalize_id;
use crate::provenance::Source;
use crate::units::{Units, normalize_unit};
use serde::Deserialize;

/// The pinned CTCAE version.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Version {
    /// "5.0".
    pub id: String,
    pub name: String,
    pub published: String,
    pub source: Source,
    pub note: String,
}

/// A lab limit a band may be bounded by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Limit {
    /// The lab's lower limit of normal.
    Lln,
    /// The lab's upper limit of normal.
    Uln,
}

/// A band bound: a number in the scale's unit, or the lab's LLN/ULN.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Bound {
    Value(f64),
    Limit(Limit),
}

/// One grade's interval.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub grade: u8,
    #[serde(default)]
    pub min: Option<Bound>,
    #[serde(default)]
    pub min_inclusive: bool,
    #[serde(default)]
    pub max: Option<Bound>,
    #[serde(default)]
    pub max_inclusive: bool,
    /// The CTCAE criterion as printed.
    pub text: String,
}

impl Band {
    /// The limit this band needs, if any.
    pub fn needs(&self) -> Option<Limit> {
        [self.min, self.max].into_iter().flatten().find_map(|b| match b {
            Bound::Limit(l) => Some(l),
            Bound::Value(_) => None,
        })
    }
}

/// Bands in one unit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    pub unit: String,
    pub bands: Vec<Band>,
}

/// What a ratio criterion divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RatioOf {
    Uln,
    Baseline,
}

/// Bands on value / ULN or value / baseline.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatioScale {
    pub of: RatioOf,
    pub bands: Vec<Band>,
}

fn yes() -> bool {
    true
}

/// How one lab test is graded.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabCriterion {
    /// Lab test id (knowledge/units.toml).
    pub test: String,
    /// The CTCAE term the value grades.
    pub term: String,
    /// False when CTCAE v5.0 gives no value-based grade (hyperglycaemia).
    #[serde(default = "yes")]
    pub gradable: bool,
    #[serde(default)]
    pub not_gradable_reason: Option<String>,
    pub source: Source,
    /// Bands on the value, per unit.
    #[serde(default)]
    pub scale: Vec<Scale>,
    /// Bands on multiples of ULN / baseline (the higher grade wins).
    #[serde(default)]
    pub ratio: Vec<RatioScale>,
    /// Highest grade a value alone can show (higher grades are clinical).
    #[serde(default)]
    pub value_grade_max: Option<u8>,
    #[serde(default)]
    pub value_grade_max_note: Option<String>,
}

/// An adverse-event term.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    /// snake_case CTCAE v5.0 term.
    pub id: String,
    /// The CTCAE name.
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Row family of the everolimus dose-modification table, or "none".
    pub category: String,
    /// Grade 1–4 text where the reference gives it ("–" = not available).
    #[serde(default)]
    pub grades: Vec<String>,
    #[serde(default)]
    pub min_grade: Option<u8>,
    #[serde(default)]
    pub max_grade: Option<u8>,
    pub source: Source,
}

impl Term {
    /// Lowest and highest grade a case may record for this term (CTCAE 1–5).
    pub fn grade_range(&self) -> (u8, u8) {
        (self.min_grade.unwrap_or(1), self.max_grade.unwrap_or(5))
    }

    /// The CTCAE text of a grade (1–4), when the reference gives it.
    pub fn grade_text(&self, g: u8) -> Option<&str> {
        if g == 0 {
            return None;
        }
        self.grades
            .get(g as usize - 1)
            .map(String::as_str)
            .filter(|t| *t != "–" && !t.is_empty())
    }
}

/// All CTCAE knowledge.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ctcae {
    pub version: Version,
    pub lab: Vec<LabCriterion>,
    pub term: Vec<Term>,
}

impl Ctcae {
    /// Parse and check `ctcae.toml` against the lab tests of `units.toml`.
    pub(crate) fn load(text: &str, units: &Units) -> Result<Ctcae, crate::KbError> {
        let c: Ctcae = crate::parse_toml("ctcae.toml", text)?;
        c.check(units).map_err(|message| crate::KbError {
            file: "ctcae.toml".into(),
            message,
        })?;
        Ok(c)
    }

    fn check(&self, units: &Units) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for t in &self.term {
            if normalize_id(&t.id) != t.id {
                return Err(format!("term id {:?} is not snake_case", t.id));
            }
            for n in std::iter::once(&t.id).chain(t.aliases.iter()) {
                if !names.insert(normalize_id(n)) {
                    return Err(format!("term name {n:?} is used twice"));
                }
            }
            let (lo, hi) = t.grade_range();
            if !(1 <= lo && lo <= hi && hi <= 5) {
                return Err(format!("{}: bad grade range {lo}–{hi}", t.id));
            }
            if t.grades.len() > 4 {
                return Err(format!("{}: more than 4 grade texts", t.id));
            }
        }
        for test in &units.test {
            if !self.lab.iter().any(|l| l.test == test.id) {
                return Err(format!("lab test {} (units.toml) has no CTCAE criterion", test.id));
            }
        }
        for l in &self.lab {
            let test = units
                .test
                .iter()
                .find(|t| t.id == l.test)
                .ok_or_else(|| format!("lab {}: not a test of units.toml", l.test))?;
            if self.term(&l.term).is_none() {
                return Err(format!("lab {}: unknown term {}", l.test, l.term));
            }
            if l.gradable == l.not_gradable_reason.is_some() {
                return Err(format!(
                    "lab {}: a reason is required exactly when not gradable",
                    l.test
                ));
            }
            if l.gradable && l.scale.is_empty() && l.ratio.is_empty() {
                return Err(format!("lab {}: gradable but has no bands", l.test));
            }
            for s in &l.scale {
                let n = normalize_unit(&s.unit);
                if !test.unit.iter().any(|u| normalize_unit(&u.id) == n) {
                    return Err(format!(
                        "lab {}: scale unit {} is not a unit of the test",
                        l.test, s.unit
                    ));
                }
                check_bands(&l.test, &s.bands)?;
            }
            for r in &l.ratio {
                check_bands(&l.test, &r.bands)?;
                if r.bands.iter().any(|b| b.needs().is_some()) {
                    return Err(format!("lab {}: ratio bands must be numeric", l.test));
                }
            }
            if !l.scale.is_empty()
                && !l
                    .scale
                    .iter()
                    .any(|s| normalize_unit(&s.unit) == normalize_unit(&test.canonical))
            {
                return Err(format!(
                    "lab {}: no scale in the canonical unit {}",
                    l.test, test.canonical
                ));
            }
        }
        Ok(())
    }

    /// A term by id or alias (case-insensitive).
    pub fn term(&self, name: &str) -> Option<&Term> {
        let n = normalize_id(name);
        self.term
            .iter()
            .find(|t| t.id == n || t.aliases.iter().any(|a| normalize_id(a) == n))
    }

    /// The grading criterion of a lab test id.
    pub fn lab(&self, test_id: &str) -> Option<&LabCriterion> {
        self.lab.iter().find(|l| l.test == test_id)
    }

    /// The term ids.
    pub fn term_ids(&self) -> Vec<&str> {
        self.term.iter().map(|t| t.id.as_str()).collect()
    }

    /// Up to three term ids close to an unknown `name` (for "did you mean"):
    /// ids or aliases that contain it or are contained in it (at least 4
    /// characters), then those within a small edit distance, nearest first.
    pub fn suggest(&self, name: &str) -> Vec<&str> {
        let n = normalize_id(name);
        if n.is_empty() {
            return vec![];
        }
        let mut scored: Vec<(usize, &str)> = vec![];
        for t in &self.term {
            let best = std::iter::once(t.id.clone())
                .chain(t.aliases.iter().map(|a| normalize_id(a)))
                .filter_map(|c| {
                    if n.len() >= 4 && c.len() >= 4 && (c.contains(&n) || n.contains(&c)) {
                        return Some(0);
                    }
                    let d = edit_distance(&n, &c);
                    (d <= (n.len().max(c.len()) / 4).max(1)).then_some(d)
                })
                .min();
            if let Some(d) = best {
                scored.push((d, t.id.as_str()));
            }
        }
        scored.sort_by_key(|&(d, _)| d);
        scored.into_iter().take(3).map(|(_, id)| id).collect()
    }
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn check_bands(test: &str, bands: &[Band]) -> Result<(), String> {
    let mut prev = 0;
    for b in bands {
        if b.grade == 0 || b.grade > 4 || b.grade <= prev {
            return Err(format!("lab {test}: grades must rise from 1 to 4 (got {})", b.grade));
        }
        prev = b.grade;
        if b.min.is_none() && b.max.is_none() {
            return Err(format!("lab {test}: grade {} band has no bound", b.grade));
        }
        if let (Some(Bound::Value(lo)), Some(Bound::Value(hi))) = (b.min, b.max)
            && lo >= hi
        {
            return Err(format!("lab {test}: grade {} band is empty", b.grade));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::edit_distance;
    use crate::Kb;
    use crate::provenance::Status;

    fn kb() -> &'static Kb {
        Kb::embedded().expect("embedded knowledge loads")
    }

    #[test]
    fn label_warning_and_reference_terms_resolve_with_aliases() {
        let c = &kb().ctcae;
        // (name as a user may write it, term id, §B.4 row family)
        for (name, id, category) in [
            ("angioedema", "angioedema", "other_non_hematologic"),
            ("Angio-oedema", "angioedema", "other_non_hematologic"),
            ("acute_kidney_injury", "acute_kidney_injury", "other_non_hematologic"),
            ("renal failure", "acute_kidney_injury", "other_non_hematologic"),
            ("hypophosphatemia", "hypophosphatemia", "other_non_hematologic"),
            ("Hypophosphataemia", "hypophosphatemia", "other_non_hematologic"),
            ("hypokalaemia", "hypokalemia", "other_non_hematologic"),
            ("impaired wound healing", "wound_complication", "other_non_hematologic"),
            (
                "hand-foot syndrome",
                "palmar_plantar_erythrodysesthesia_syndrome",
                "other_non_hematologic",
            ),
            ("nail_disorder", "nail_changes", "other_non_hematologic"),
            ("hypertension", "hypertension", "other_non_hematologic"),
            ("hypersensitivity", "allergic_reaction", "other_non_hematologic"),
            ("HBV reactivation", "hepatitis_b_reactivation", "infection"),
            ("lymphopenia", "lymphocyte_count_decreased", "none"),
            ("leucopenia", "white_blood_cell_decreased", "none"),
            // the terms the review's Table 5 names, already in the vocabulary
            ("peripheral oedema", "edema_limbs", "other_non_hematologic"),
            ("decreased appetite", "anorexia", "other_non_hematologic"),
            ("weight_loss", "weight_loss", "other_non_hematologic"),
        ] {
            let t = c.term(name).unwrap_or_else(|| panic!("{name} is accepted"));
            assert_eq!((t.id.as_str(), t.category.as_str()), (id, category), "{name}");
        }
    }

    #[test]
    fn unconfirmed_term_names_say_so() {
        // Names not checked against a CTCAE v5.0 source are UNVERIFIED; the names checked
        // against admiral's machine-readable v5.0 criteria are verified_secondary, never verified.
        let c = &kb().ctcae;
        let s = &c.term("angioedema").unwrap().source;
        assert_eq!(s.status, Status::Unverified);
        assert!(s.note.as_deref().unwrap_or("").contains("not checked"));
        for id in [
            "hypokalemia",
            "lymphocyte_count_decreased",
            "alanine_aminotransferase_increased",
        ] {
            let s = &c.term(id).unwrap().source;
            assert_eq!(s.status, Status::VerifiedSecondary, "{id}");
            assert!(s.reference.contains("admiral"), "{id}");
        }
        // No criterion text is invented for the clinician-graded terms.
        for id in ["angioedema", "acute_kidney_injury", "hypophosphatemia", "hypertension"] {
            assert!(c.term(id).unwrap().grades.is_empty(), "{id}");
        }
    }

    #[test]
    fn suggestions_for_unknown_terms() {
        let c = &kb().ctcae;
        assert_eq!(c.suggest("mucositis").first(), Some(&"mucositis_oral"));
        assert_eq!(c.suggest("angiodema").first(), Some(&"angioedema"));
        assert_eq!(c.suggest("hypophosphatemie").first(), Some(&"hypophosphatemia"));
        assert_eq!(c.suggest("kidney injury").first(), Some(&"acute_kidney_injury"));
        assert!(c.suggest("xyzzy_quux").is_empty());
        assert!(c.suggest("").is_empty());
        assert!(c.suggest("infection").len() <= 3);
    }

    #[test]
    fn edit_distance_known_values() {
        // Textbook values: kitten → sitting 3, flaw → lawn 2.
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("flaw", "lawn"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
