//! Structural checks that need no knowledge base: ranges, identifiers and
//! combinations of fields. Knowledge-dependent checks live in
//! `netrx_clinical::load_case`.

use crate::{CASE_ID_MAX_LEN, Case, InputError, Mitoses};

fn range(field: &str, v: f64, lo: f64, hi: f64, allowed: &str) -> Result<(), InputError> {
    if v.is_finite() && v >= lo && v <= hi {
        Ok(())
    } else {
        Err(InputError::invalid(field, fmt_num(v), allowed))
    }
}

fn positive(field: &str, v: f64, allowed: &str) -> Result<(), InputError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(InputError::invalid(field, fmt_num(v), allowed))
    }
}

fn non_negative(field: &str, v: f64) -> Result<(), InputError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(InputError::invalid(field, fmt_num(v), "a number ≥ 0"))
    }
}

/// Numbers as a user typed them (no trailing ".0").
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Check a case id: letters, digits, '-' and '_', 1–64 characters.
pub fn check_case_id(field: &str, id: &str) -> Result<(), InputError> {
    let ok = !id.is_empty()
        && id.len() <= CASE_ID_MAX_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        let shown: String = id.chars().take(80).collect();
        Err(InputError::invalid(
            field,
            format!("{shown:?}"),
            "1–64 characters, each a letter, digit, '-' or '_'",
        ))
    }
}

/// Structural checks. The numeric bounds here are plausibility limits of the
/// input format (a 5 mm microscope field, 40 mg of everolimus, 500 kg), chosen
/// well outside any clinical value so that typing errors are caught; they are
/// not clinical rules — those live in knowledge/.
pub(crate) fn structural(c: &Case) -> Result<(), InputError> {
    check_case_id("id", &c.id)?;

    let p = &c.patient;
    range("patient.age_years", p.age_years, 0.0, 130.0, "a number from 0 to 130")?;
    if let Some(w) = p.weight_kg
        && !(w.is_finite() && w > 0.0 && w <= 500.0)
    {
        return Err(InputError::invalid(
            "patient.weight_kg",
            fmt_num(w),
            "a number > 0 and ≤ 500 (kg)",
        ));
    }
    if let Some(e) = p.ecog
        && e > 4
    {
        return Err(InputError::invalid("patient.ecog", e, "0, 1, 2, 3 or 4"));
    }
    for (field, v) in [("patient.name", &p.name), ("patient.mrn", &p.mrn)] {
        if let Some(s) = v
            && (s.trim().is_empty() || s.len() > 200)
        {
            return Err(InputError::invalid(
                field,
                format!("{s:?}"),
                "a non-empty string of at most 200 characters",
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (i, m) in p.comorbidities.iter().enumerate() {
        if !seen.insert(*m) {
            return Err(InputError::invalid(
                format!("patient.comorbidities[{i}]"),
                m.id(),
                "each comorbidity at most once",
            ));
        }
    }

    let t = &c.tumor;
    if let Some(k) = t.ki67_percent {
        range("tumor.ki67_percent", k, 0.0, 100.0, "a number from 0 to 100 (percent)")?;
    }
    if let Some(m) = t.mitoses {
        match m {
            Mitoses::Area { count, area_mm2 } => {
                non_negative("tumor.mitoses.count", count)?;
                positive("tumor.mitoses.area_mm2", area_mm2, "an area > 0 (mm²)")?;
            }
            Mitoses::Fields {
                count,
                hpf,
                field_diameter_mm,
            } => {
                non_negative("tumor.mitoses.count", count)?;
                positive("tumor.mitoses.hpf", hpf, "a number of fields > 0")?;
                range(
                    "tumor.mitoses.field_diameter_mm",
                    field_diameter_mm,
                    f64::MIN_POSITIVE,
                    5.0,
                    "a field diameter > 0 and ≤ 5 mm",
                )?;
            }
            Mitoses::Per2mm2 { per_2mm2 } => non_negative("tumor.mitoses.per_2mm2", per_2mm2)?,
            Mitoses::Per10Hpf { per_10hpf } => non_negative("tumor.mitoses.per_10hpf", per_10hpf)?,
        }
    }
    if let Some(b) = t.liver_burden_percent {
        range(
            "tumor.liver_burden_percent",
            b,
            0.0,
            100.0,
            "a number from 0 to 100 (percent)",
        )?;
    }
    if let Some(pr) = &t.progression
        && let Some(mo) = pr.months_observed
    {
        non_negative("tumor.progression.months_observed", mo)?;
    }
    if let (Some(false), Some(s)) = (t.functional, t.syndrome) {
        return Err(InputError::invalid(
            "tumor.syndrome",
            s.id(),
            "null when tumor.functional is false (a syndrome makes the tumour functional)",
        ));
    }

    for (i, pt) in c.prior_therapies.iter().enumerate() {
        let f = format!("prior_therapies[{i}]");
        if pt.agent.trim().is_empty() {
            return Err(InputError::invalid(format!("{f}.agent"), "\"\"", "an agent id"));
        }
        if pt.line == 0 || pt.line > 20 {
            return Err(InputError::invalid(
                format!("{f}.line"),
                pt.line,
                "a line number from 1 to 20",
            ));
        }
    }

    for (i, m) in c.medications.iter().enumerate() {
        if m.trim().is_empty() || m.len() > 200 {
            return Err(InputError::invalid(
                format!("medications[{i}]"),
                format!("{m:?}"),
                "a medication name of 1–200 characters",
            ));
        }
    }

    for (i, l) in c.labs.iter().enumerate() {
        let f = format!("labs[{i}]");
        range(&format!("{f}.value"), l.value, 0.0, 1e9, "a number ≥ 0")?;
        for (name, v) in [("lln", l.lln), ("uln", l.uln), ("baseline", l.baseline)] {
            if let Some(v) = v {
                range(&format!("{f}.{name}"), v, 0.0, 1e9, "a number ≥ 0 in the value's unit")?;
            }
        }
        if let (Some(lo), Some(hi)) = (l.lln, l.uln)
            && lo > hi
        {
            return Err(InputError::invalid(
                format!("{f}.lln"),
                fmt_num(lo),
                format!("a lower limit of normal ≤ the upper limit ({})", fmt_num(hi)),
            ));
        }
    }

    for (i, e) in c.adverse_events.iter().enumerate() {
        let f = format!("adverse_events[{i}]");
        if !(1..=5).contains(&e.grade) {
            return Err(InputError::invalid(
                format!("{f}.grade"),
                e.grade,
                "a CTCAE grade from 1 to 5",
            ));
        }
        if let Some(g) = e.resolved_to_grade {
            if g >= e.grade {
                return Err(InputError::invalid(
                    format!("{f}.resolved_to_grade"),
                    g,
                    format!("a grade below the event's grade ({})", e.grade),
                ));
            }
            if e.resolved_date.is_none() {
                return Err(InputError::new(
                    format!("{f}.resolved_date"),
                    "missing; required when resolved_to_grade is given",
                ));
            }
        }
        if let Some(d) = e.resolved_date {
            if d < e.date {
                return Err(InputError::invalid(
                    format!("{f}.resolved_date"),
                    d,
                    format!("a date on or after the onset ({})", e.date),
                ));
            }
            if e.resolved_to_grade.is_none() {
                return Err(InputError::new(
                    format!("{f}.resolved_to_grade"),
                    "missing; required when resolved_date is given (0 = resolved)",
                ));
            }
        }
    }

    if let Some(ev) = &c.everolimus {
        positive("everolimus.dose_mg", ev.dose_mg, "a dose > 0 and ≤ 40 mg")?;
        range("everolimus.dose_mg", ev.dose_mg, 0.0, 40.0, "a dose > 0 and ≤ 40 mg")?;
        let mut prev = ev.start_date;
        for (i, h) in ev.history.iter().enumerate() {
            let f = format!("everolimus.history[{i}]");
            range(
                &format!("{f}.dose_mg"),
                h.dose_mg,
                0.0,
                40.0,
                "a dose from 0 (withheld) to 40 mg",
            )?;
            if h.date < prev {
                return Err(InputError::invalid(
                    format!("{f}.date"),
                    h.date,
                    format!("a date on or after everolimus.start_date and the previous change ({prev})"),
                ));
            }
            prev = h.date;
        }
        for (i, d) in ev.doses.iter().enumerate() {
            positive(
                &format!("everolimus.doses[{i}].dose_mg"),
                d.dose_mg,
                "a dose > 0 and ≤ 40 mg",
            )?;
            range(
                &format!("everolimus.doses[{i}].dose_mg"),
                d.dose_mg,
                0.0,
                40.0,
                "a dose > 0 and ≤ 40 mg",
            )?;
        }
        for (i, s) in ev.samples.iter().enumerate() {
            range(
                &format!("everolimus.samples[{i}].conc_ng_ml"),
                s.conc_ng_ml,
                0.0,
                1e4,
                "a concentration ≥ 0 ng/mL",
            )?;
        }
        let first_offset = ev
            .doses
            .iter()
            .map(|d| d.datetime)
            .chain(ev.samples.iter().map(|s| s.datetime))
            .next()
            .map(|d| d.has_offset());
        if let Some(first) = first_offset {
            for (i, d) in ev.doses.iter().enumerate() {
                if d.datetime.has_offset() != first {
                    return Err(mixed_offsets(format!("everolimus.doses[{i}].datetime"), d.datetime));
                }
            }
            for (i, s) in ev.samples.iter().enumerate() {
                if s.datetime.has_offset() != first {
                    return Err(mixed_offsets(format!("everolimus.samples[{i}].datetime"), s.datetime));
                }
            }
        }
    }

    let mut prev = None;
    for (i, v) in c.visits.iter().enumerate() {
        if let Some(p) = prev
            && v.date <= p
        {
            return Err(InputError::invalid(
                format!("visits[{i}].date"),
                v.date,
                format!("a date after the previous visit ({p}); visits are in date order, the first is the baseline"),
            ));
        }
        prev = Some(v.date);
        for (j, l) in v.target_lesions.iter().enumerate() {
            if let Some(d) = l.diameter_mm {
                range(
                    &format!("visits[{i}].target_lesions[{j}].diameter_mm"),
                    d,
                    0.0,
                    2000.0,
                    "a diameter ≥ 0 mm, or null when not measured",
                )?;
            }
            if l.id.trim().is_empty() {
                return Err(InputError::invalid(
                    format!("visits[{i}].target_lesions[{j}].id"),
                    "\"\"",
                    "a lesion id",
                ));
            }
        }
    }
    Ok(())
}

fn mixed_offsets(field: String, v: crate::DateTime) -> InputError {
    InputError::invalid(
        field,
        v,
        "date-times that all carry a UTC offset or all carry none (mixing them makes the intervals ambiguous)",
    )
}
