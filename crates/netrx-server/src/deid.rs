//! The researcher's view of a case: de-identified.
//!
//! - `patient.name`, `patient.birth_date` and `patient.mrn` are removed (the
//!   case file's identifying fields, see `netrx_case::Patient`).
//! - Every date and date-time in the case is shifted by the same number of days,
//!   between 1 and 365 days earlier or later, chosen per case from a secret kept
//!   in the database (SHA-256 of secret and case id). One shift per case keeps
//!   every interval — time on treatment, progression-free survival, days between
//!   a dose change and a trough sample — exactly as recorded, so every capability
//!   gives the same clinical answer on the de-identified case; real calendar
//!   dates cannot be read back without the secret. Removing dates instead would
//!   break RECIST timing, PK sampling times and survival intervals.
//! - An age of 90 years or more is reported as 90 (as the HIPAA Safe Harbor
//!   method, 45 CFR 164.514(b)(2)(i)(C), aggregates ages over 89).
//! - Case ids are kept: they must be pseudonyms, never an MRN or a name (docs/api.md).
//!
//! This is pseudonymisation for a research team inside the institution, not
//! anonymisation for publication.

use netrx_case::{Date, DateTime};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Identifying fields removed from `patient`.
pub const REMOVED_PATIENT_FIELDS: &[&str] = &["name", "birth_date", "mrn"];

/// Ages at or above this are reported as this.
pub const AGE_CAP: f64 = 90.0;

/// The day shift of a case: ±1..365 days, never 0.
pub fn shift_days(secret: &str, case_id: &str) -> i64 {
    let h = Sha256::digest(format!("{secret}\u{0}{case_id}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h[..8]);
    let n = (u64::from_le_bytes(b) % 730) as i64;
    if n < 365 { -(n + 1) } else { n - 364 }
}

/// Shift a date or date-time string by `days`; `None` if it is neither.
pub fn shift_str(s: &str, days: i64) -> Option<String> {
    if let Ok(d) = s.parse::<Date>() {
        return Some(d.add_days(days).to_string());
    }
    if s.len() > 10 && s.parse::<DateTime>().is_ok() {
        let d: Date = s.get(..10)?.parse().ok()?;
        return Some(format!("{}{}", d.add_days(days), &s[10..]));
    }
    None
}

fn walk(v: &mut Value, days: i64) {
    match v {
        Value::String(s) => {
            if let Some(n) = shift_str(s, days) {
                *s = n;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| walk(x, days)),
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                // Identifiers are never dates, even when they look like one.
                if k != "id" {
                    walk(x, days);
                }
            }
        }
        _ => {}
    }
}

/// De-identify a stored case file (JSON text) for case `case_id`.
pub fn deidentify(body: &str, case_id: &str, secret: &str) -> Result<String, String> {
    let mut v: Value = serde_json::from_str(body).map_err(|e| format!("stored case is not JSON: {e}"))?;
    if let Some(p) = v.get_mut("patient").and_then(Value::as_object_mut) {
        for f in REMOVED_PATIENT_FIELDS {
            p.remove(*f);
        }
        if let Some(age) = p.get("age_years").and_then(Value::as_f64)
            && age >= AGE_CAP
        {
            p.insert("age_years".into(), serde_json::json!(AGE_CAP));
        }
    }
    walk(&mut v, shift_days(secret, case_id));
    serde_json::to_string(&v).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shift_is_per_case_nonzero_and_bounded() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..500 {
            let d = shift_days("s", &format!("case-{i}"));
            assert!(d != 0 && (-365..=365).contains(&d), "{d}");
            seen.insert(d);
        }
        assert!(seen.len() > 200, "shifts are spread out");
        assert_eq!(shift_days("s", "a"), shift_days("s", "a"));
        assert_ne!(shift_days("s1", "a"), shift_days("s2", "a"));
    }

    #[test]
    fn dates_shift_together_and_identifiers_go() {
        let body = r#"{"id":"2024-01-01","patient":{"age_years":93,"sex":"female","name":"Ann Example",
            "birth_date":"1931-02-03","mrn":"123"},"visits":[{"date":"2024-02-29"},{"date":"2024-05-01"}],
            "everolimus":{"samples":[{"time":"2024-03-01T08:30:00+01:00"}]}}"#;
        let out: Value = serde_json::from_str(&deidentify(body, "2024-01-01", "k").unwrap()).unwrap();
        let p = &out["patient"];
        assert!(p.get("name").is_none() && p.get("birth_date").is_none() && p.get("mrn").is_none());
        assert_eq!(p["age_years"], 90.0);
        assert_eq!(out["id"], "2024-01-01", "ids are not dates");
        let d = |s: &Value| s.as_str().unwrap().parse::<Date>().unwrap();
        let (a, b) = (d(&out["visits"][0]["date"]), d(&out["visits"][1]["date"]));
        // 2024-02-29 → 2024-05-01 is 62 days; the interval survives the shift.
        assert_eq!(a.days_until(b), 62);
        let shift = shift_days("k", "2024-01-01");
        assert_eq!("2024-02-29".parse::<Date>().unwrap().days_until(a), shift);
        let t = out["everolimus"]["samples"][0]["time"].as_str().unwrap();
        assert!(t.ends_with("T08:30:00+01:00"), "{t}");
        assert_eq!(
            d(&Value::String(t[..10].into())),
            "2024-03-01".parse::<Date>().unwrap().add_days(shift)
        );
    }
}
