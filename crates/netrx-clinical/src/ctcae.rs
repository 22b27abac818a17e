//! CTCAE v5.0 grading of one laboratory value (clinical-rules.md §B.8), and the
//! case-file checks of lab tests, units and adverse-event terms.
//!
//! Boundary rules (R-B8.1–R-B8.3, bands in `knowledge/ctcae.toml`): "<A – B" is
//! lower-inclusive [B, A); "> A – B" is upper-inclusive (A, B]; where ×ULN and
//! ×baseline criteria both exist the higher grade wins; a grade whose band is
//! bounded by the lab's LLN/ULN is never assigned without that limit. Values are
//! compared with a relative tolerance of 1e-9 so that a boundary given in another
//! unit (75 000/mm³ = 75 × 10⁹/L) or as a product (1.5 × ULN) lands on the
//! boundary, not beside it.

use netrx_case::{Case, InputError};
use netrx_kb::Kb;
use netrx_kb::Source;
use netrx_kb::ctcae::{Band, Bound, LabCriterion, Limit, RatioOf};
use serde::Serialize;

/// Relative tolerance of boundary comparisons.
pub const REL_TOL: f64 = 1e-9;

fn tol(b: f64) -> f64 {
    REL_TOL * b.abs()
}

/// A lab value to grade. LLN, ULN and baseline are in the value's unit.
#[derive(Debug, Clone, Copy)]
pub struct LabInput<'a> {
    pub test: &'a str,
    pub value: f64,
    pub unit: &'a str,
    pub lln: Option<f64>,
    pub uln: Option<f64>,
    pub baseline: Option<f64>,
}

/// The value in the test's canonical unit, when the input was in another unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Converted {
    pub value: f64,
    pub unit: String,
}

/// The grade of one lab value (the JSON contract of `netrx ctcae --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabGrade {
    /// Version of the knowledge base that produced this answer.
    pub knowledge_version: String,
    /// The CTCAE term graded (snake_case), e.g. `platelet_count_decreased`.
    pub term: String,
    /// 0–4, or null when it cannot be determined (see `criterion` and `possible_grades`).
    pub grade: Option<u8>,
    /// The CTCAE criterion met (or why no grade can be given).
    pub criterion: String,
    /// CTCAE version, "5.0".
    pub version: String,
    /// The lab test id.
    pub test: String,
    /// The CTCAE term's name.
    pub term_name: String,
    pub value: f64,
    /// The unit as netrx names it.
    pub unit: String,
    /// The value in the canonical unit, when converted.
    pub converted: Option<Converted>,
    pub lln: Option<f64>,
    pub uln: Option<f64>,
    pub baseline: Option<f64>,
    /// When `grade` is null: the grades the value is compatible with (empty when the test is not gradable).
    pub possible_grades: Vec<u8>,
    /// How each criterion was read.
    pub basis: Vec<String>,
    /// What the reader must know (missing limits, criteria not assessed, clinical grades).
    pub notes: Vec<String>,
    /// Source of the criteria, with its verification status.
    pub source: Source,
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn check_number(field: &str, v: f64, positive: bool) -> Result<(), InputError> {
    let ok = v.is_finite() && if positive { v > 0.0 } else { v >= 0.0 };
    if ok {
        Ok(())
    } else {
        Err(InputError::invalid(
            field,
            num(v),
            if positive { "a number > 0" } else { "a number ≥ 0" },
        ))
    }
}

fn join_or(v: &[u8]) -> String {
    v.iter().map(|g| g.to_string()).collect::<Vec<_>>().join(" or ")
}

/// Membership of a value in a band: yes, no, or unknown (needs a missing limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum In {
    Yes,
    No,
    Unknown(Limit),
}

fn side(v: f64, bound: Option<Bound>, inclusive: bool, lower: bool, lln: Option<f64>, uln: Option<f64>) -> In {
    let b = match bound {
        None => return In::Yes,
        Some(Bound::Value(x)) => x,
        Some(Bound::Limit(Limit::Lln)) => match lln {
            Some(x) => x,
            None => return In::Unknown(Limit::Lln),
        },
        Some(Bound::Limit(Limit::Uln)) => match uln {
            Some(x) => x,
            None => return In::Unknown(Limit::Uln),
        },
    };
    let ok = match (lower, inclusive) {
        (true, true) => v >= b - tol(b),
        (true, false) => v > b + tol(b),
        (false, true) => v <= b + tol(b),
        (false, false) => v < b - tol(b),
    };
    if ok { In::Yes } else { In::No }
}

fn band_contains(b: &Band, v: f64, lln: Option<f64>, uln: Option<f64>) -> In {
    let lo = side(v, b.min, b.min_inclusive, true, lln, uln);
    let hi = side(v, b.max, b.max_inclusive, false, lln, uln);
    match (lo, hi) {
        (In::No, _) | (_, In::No) => In::No,
        (In::Unknown(l), _) | (_, In::Unknown(l)) => In::Unknown(l),
        _ => In::Yes,
    }
}

fn limit_name(l: Limit) -> &'static str {
    match l {
        Limit::Lln => "the lab's lower limit of normal (LLN)",
        Limit::Uln => "the lab's upper limit of normal (ULN)",
    }
}

/// Result of a set of bands: a grade, or the grades it could be.
struct BandResult {
    grade: Option<u8>,
    possible: Vec<u8>,
    criterion: String,
    missing: Option<Limit>,
}

fn grade_bands(bands: &[Band], v: f64, lln: Option<f64>, uln: Option<f64>, shown: &str) -> BandResult {
    let mut unknown: Vec<(&Band, Limit)> = Vec::new();
    for b in bands {
        match band_contains(b, v, lln, uln) {
            In::Yes => {
                return BandResult {
                    grade: Some(b.grade),
                    possible: vec![],
                    criterion: b.text.clone(),
                    missing: None,
                };
            }
            In::Unknown(l) => unknown.push((b, l)),
            In::No => {}
        }
    }
    if let Some((b, l)) = unknown.first() {
        let mut possible = vec![0];
        possible.extend(unknown.iter().map(|(b, _)| b.grade));
        return BandResult {
            grade: None,
            possible,
            criterion: format!(
                "grade 0 or {}: {shown} is within the grade {} band ({}) only if it is beyond {}, which was not given (a grade bounded by LLN/ULN is never assigned without it, R-B8.3)",
                b.grade,
                b.grade,
                b.text,
                limit_name(*l)
            ),
            missing: Some(*l),
        };
    }
    let g1 = bands.first().map(|b| b.text.as_str()).unwrap_or("");
    BandResult {
        grade: Some(0),
        possible: vec![],
        criterion: format!("grade 0: {shown} does not meet the lowest grade's criterion ({g1})"),
        missing: None,
    }
}

/// Grade one lab value under CTCAE v5.0. Errors name `test`, `unit`, `value`,
/// `lln`, `uln` or `baseline` (callers prefix or rename them).
pub fn grade_lab(kb: &Kb, input: &LabInput) -> Result<LabGrade, InputError> {
    let test = crate::units::test(kb, "test", input.test)?;
    let unit = crate::units::unit(test, "unit", input.unit)?;
    check_number("value", input.value, false)?;
    for (f, v) in [("lln", input.lln), ("uln", input.uln)] {
        if let Some(v) = v {
            check_number(f, v, false)?;
        }
    }
    if let Some(b) = input.baseline {
        check_number("baseline", b, true)?;
    }
    if let (Some(lo), Some(hi)) = (input.lln, input.uln)
        && lo > hi
    {
        return Err(InputError::invalid(
            "lln",
            num(lo),
            format!("a lower limit of normal ≤ the upper limit ({})", num(hi)),
        ));
    }
    let crit: &LabCriterion = kb
        .ctcae
        .lab(&test.id)
        .expect("every lab test has a CTCAE criterion (checked when the knowledge base loads)");
    let term = kb
        .ctcae
        .term(&crit.term)
        .expect("every lab criterion names a known term (checked when the knowledge base loads)");
    let converted = if unit.id != test.canonical {
        Some(Converted {
            value: unit.to_canonical(input.value),
            unit: test.canonical.clone(),
        })
    } else {
        None
    };
    let mut g = LabGrade {
        knowledge_version: kb.version().to_string(),
        term: term.id.clone(),
        grade: None,
        criterion: String::new(),
        version: kb.ctcae.version.id.clone(),
        test: test.id.clone(),
        term_name: term.name.clone(),
        value: input.value,
        unit: unit.id.clone(),
        converted,
        lln: input.lln,
        uln: input.uln,
        baseline: input.baseline,
        possible_grades: vec![],
        basis: vec![],
        notes: vec![],
        source: crit.source.clone(),
    };

    if !crit.gradable {
        g.criterion = crit.not_gradable_reason.clone().unwrap_or_default();
        return Ok(g);
    }

    if !crit.scale.is_empty() {
        // CTCAE's own numbers in the value's unit when it prints them; otherwise convert.
        let (scale, v, lln, uln, unit_shown) = match crit.scale.iter().find(|s| unit.matches(&s.unit)) {
            Some(s) => (s, input.value, input.lln, input.uln, unit.id.clone()),
            None => {
                let s = crit
                    .scale
                    .iter()
                    .find(|s| test.unit(&s.unit).is_some_and(|u| u.id == test.canonical))
                    .expect("a scale in the canonical unit (checked at load)");
                let c = |x: f64| unit.to_canonical(x);
                g.basis.push(format!(
                    "{} {} = {} {} (conversion: {})",
                    num(input.value),
                    unit.id,
                    num(c(input.value)),
                    test.canonical,
                    unit.source.reference
                ));
                (
                    s,
                    c(input.value),
                    input.lln.map(c),
                    input.uln.map(c),
                    test.canonical.clone(),
                )
            }
        };
        let shown = format!("{} {unit_shown}", num(v));
        let r = grade_bands(&scale.bands, v, lln, uln, &shown);
        g.grade = r.grade;
        g.possible_grades = r.possible;
        g.criterion = match r.grade {
            Some(0) | None => r.criterion,
            Some(n) => format!("grade {n}: {}", r.criterion),
        };
        g.basis.push(match g.grade {
            Some(n) => format!("{shown} → grade {n}"),
            None => format!("{shown} → grade {}", join_or(&g.possible_grades)),
        });
        if let Some(l) = r.missing {
            g.notes.push(format!(
                "Give {} to tell grade 0 from grade {}.",
                limit_name(l),
                g.possible_grades.last().copied().unwrap_or(1)
            ));
        }
        if let (Some(max), Some(grade)) = (crit.value_grade_max, g.grade)
            && grade == max
            && let Some(n) = &crit.value_grade_max_note
        {
            g.notes.push(n.clone());
        }
        return Ok(g);
    }

    // Ratio criteria (creatinine): × ULN and × baseline, the higher grade wins (R-B8.2).
    let mut by_uln: Option<(u8, String)> = None;
    let mut by_base: Option<(u8, String)> = None;
    for r in &crit.ratio {
        let (reference, name) = match r.of {
            RatioOf::Uln => (input.uln, "ULN"),
            RatioOf::Baseline => (input.baseline, "baseline"),
        };
        let Some(reference) = reference else {
            g.basis
                .push(format!("× {name}: not assessed ({} not given)", name.to_lowercase()));
            continue;
        };
        if reference <= 0.0 {
            return Err(InputError::invalid(
                if r.of == RatioOf::Uln { "uln" } else { "baseline" },
                num(reference),
                "a number > 0",
            ));
        }
        let ratio = input.value / reference;
        let res = grade_bands(&r.bands, ratio, None, None, &format!("{} × {name}", num(ratio)));
        let grade = res.grade.unwrap_or(0);
        let text = if grade == 0 {
            format!("{} × {name}: no grade by this criterion", num(ratio))
        } else {
            format!("{} × {name} → grade {grade}: {}", num(ratio), res.criterion)
        };
        g.basis.push(text.clone());
        match r.of {
            RatioOf::Uln => by_uln = Some((grade, text)),
            RatioOf::Baseline => by_base = Some((grade, text)),
        }
    }
    let best = [&by_uln, &by_base]
        .into_iter()
        .flatten()
        .max_by_key(|(gr, _)| *gr)
        .cloned();
    match (&by_uln, &by_base, best) {
        (None, None, _) | (_, _, None) => {
            g.possible_grades = vec![0, 1, 2, 3, 4];
            g.criterion =
                "not gradable without ULN or baseline: CTCAE v5.0 grades creatinine as multiples of ULN and of baseline"
                    .into();
            g.notes
                .push("Give the lab's ULN and/or the patient's baseline value.".into());
        }
        (None, Some(_), Some((gr, text))) if gr < 2 => {
            g.possible_grades = vec![0, 1];
            // The grade-1 band of the ×ULN criterion, as the data words it.
            let g1_uln = crit
                .ratio
                .iter()
                .find(|r| r.of == RatioOf::Uln)
                .and_then(|r| r.bands.iter().find(|b| b.grade == 1))
                .map(|b| format!(" ({})", b.text))
                .unwrap_or_default();
            g.criterion = format!(
                "grade 0 or 1: {text}; grade 1 is defined only against ULN{g1_uln}, which was not given (R-B8.3)"
            );
            g.notes
                .push("Give the lab's ULN: without it grade 0 and 1 cannot be told apart, and the ×ULN criteria (which may give a higher grade) are not assessed.".into());
        }
        (uln, base, Some((gr, text))) => {
            g.grade = Some(gr);
            g.criterion = if gr == 0 {
                "grade 0: not above ULN and no ×baseline criterion met".to_string()
            } else {
                format!("grade {gr}: {}", text.split_once(": ").map(|x| x.1).unwrap_or(&text))
            };
            if let (Some((a, _)), Some((b, _))) = (uln, base)
                && a != b
            {
                g.notes.push(format!(
                    "×ULN gives grade {a}, ×baseline gives grade {b}: the higher grade is taken (R-B8.2)."
                ));
            }
            if uln.is_none() {
                g.notes
                    .push("ULN not given: the ×ULN criteria were not assessed; the grade may be higher.".into());
            }
            if base.is_none() {
                g.notes.push(
                    "Baseline not given: the ×baseline criteria were not assessed; the grade may be higher.".into(),
                );
            }
        }
    }
    Ok(g)
}

/// The error for an adverse-event term that is not in the vocabulary: the
/// nearest terms ("did you mean"), the vocabulary's size and where it is
/// listed — one line, however large the vocabulary grows.
pub fn unknown_term(kb: &Kb, field: String, given: &str) -> InputError {
    let near = kb.ctcae.suggest(given);
    let hint = if near.is_empty() {
        String::new()
    } else {
        format!("did you mean {}? ", near.join(" or "))
    };
    InputError::invalid(
        field,
        format!("{given:?}"),
        format!(
            "a CTCAE v5.0 term in snake_case or one of its aliases (e.g. stomatitis, thrombocytopenia, rash); {hint}\
             `netrx tox --help` lists the {} terms",
            kb.ctcae.term.len()
        ),
    )
}

/// The knowledge-dependent checks of a case's `labs` and `adverse_events`:
/// lab test ids, units, and CTCAE terms with their grade ranges.
pub fn check_labs_and_events(case: &Case, kb: &Kb) -> Result<(), InputError> {
    for (i, l) in case.labs.iter().enumerate() {
        let f = format!("labs[{i}]");
        let test = crate::units::test(kb, &format!("{f}.test"), &l.test)?;
        crate::units::unit(test, &format!("{f}.unit"), &l.unit)?;
        if let Some(b) = l.baseline
            && b <= 0.0
        {
            return Err(InputError::invalid(
                format!("{f}.baseline"),
                num(b),
                "a baseline value > 0 in the value's unit",
            ));
        }
    }
    for (i, e) in case.adverse_events.iter().enumerate() {
        let f = format!("adverse_events[{i}]");
        let term = kb
            .ctcae
            .term(&e.term)
            .ok_or_else(|| unknown_term(kb, format!("{f}.term"), &e.term))?;
        let (lo, hi) = term.grade_range();
        if e.grade < lo || e.grade > hi {
            return Err(InputError::invalid(
                format!("{f}.grade"),
                e.grade,
                format!("for {} (CTCAE v5.0): grade {lo} to {hi}", term.id),
            ));
        }
    }
    Ok(())
}
