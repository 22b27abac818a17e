//! Small helpers that turn the capabilities' JSON answers (the API's contract) into
//! what a page shows: strings, numbers with their units, and sources with their
//! verification status.

use serde_json::Value;

/// A string field ("" when absent or not a string).
pub fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

/// An optional string field.
pub fn os(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// An optional number field.
pub fn of(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// A boolean field (false when absent).
pub fn b(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// A list field (empty when absent).
pub fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// A list of strings.
pub fn strings(v: &Value, key: &str) -> Vec<String> {
    list(v, key)
        .iter()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// A number as a clinician writes it: up to `dp` decimals, no trailing zeros.
pub fn num(v: f64, dp: usize) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    let s = format!("{v:.dp$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// A number with its unit ("10 mg", "8 %", "11.2 months").
pub fn qty(v: f64, dp: usize, unit: &str) -> String {
    if unit.is_empty() {
        num(v, dp)
    } else {
        format!("{} {unit}", num(v, dp))
    }
}

/// A snake_case id as words ("jejunum_ileum" → "jejunum ileum").
pub fn words(id: &str) -> String {
    id.replace('_', " ")
}

/// A stored timestamp (`2026-01-31T09:15:02.123Z`) as "2026-01-31 09:15 UTC".
pub fn when(ts: &str) -> String {
    match (ts.get(..10), ts.get(11..16)) {
        (Some(d), Some(t)) => format!("{d} {t} UTC"),
        _ => ts.to_string(),
    }
}

/// A source of a statement, as shown to the user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Src {
    /// The reference (file and section, paper, label).
    pub reference: String,
    /// verified, verified_secondary, unverified or derived.
    pub status: String,
    /// Why it has that status, when given.
    pub note: Option<String>,
}

impl Src {
    /// The status as shown ("✔ verified", "UNVERIFIED", …).
    pub fn mark(&self) -> &'static str {
        match self.status.as_str() {
            "verified" => "✔ verified",
            "verified_secondary" => "✔ verified (secondary source)",
            "unverified" => "UNVERIFIED",
            "derived" => "derived",
            _ => "status not given",
        }
    }

    /// CSS class of the status badge.
    pub fn class(&self) -> &'static str {
        match self.status.as_str() {
            "verified" => "st-ok",
            "verified_secondary" => "st-sec",
            "unverified" => "st-unv",
            _ => "st-der",
        }
    }

    /// Not verified against a primary source (shown prominently).
    pub fn flagged(&self) -> bool {
        self.status == "unverified"
    }

    /// A short form of the reference for the collapsed line.
    pub fn short(&self) -> String {
        let r = self.reference.trim();
        let mut out: String = r.chars().take(60).collect();
        if r.chars().count() > 60 {
            out.push('…');
        }
        out
    }
}

/// The source of a JSON item: either `source: { ref, status, note }` or `source: "…"` with
/// `status` (and `note`) beside it.
pub fn src(v: &Value) -> Option<Src> {
    match v.get("source")? {
        Value::Object(o) => Some(Src {
            reference: o.get("ref").and_then(Value::as_str).unwrap_or("").to_string(),
            status: o.get("status").and_then(Value::as_str).unwrap_or("").to_string(),
            note: o.get("note").and_then(Value::as_str).map(str::to_string),
        }),
        Value::String(r) => Some(Src {
            reference: r.clone(),
            status: s(v, "status"),
            note: os(v, "note"),
        }),
        _ => None,
    }
}

/// A source from the knowledge base's typed provenance.
pub fn kb_src(s: &netrx_kb::Source) -> Src {
    Src {
        reference: s.reference.clone(),
        status: s.status.id().to_string(),
        note: s.note.clone(),
    }
}

/// A statement with its source.
#[derive(Debug, Clone, Default)]
pub struct Stmt {
    /// The text.
    pub text: String,
    /// Its source.
    pub src: Option<Src>,
}

/// Statements from a list of `{ text, source… }` items.
pub fn stmts(v: &Value, key: &str) -> Vec<Stmt> {
    list(v, key)
        .iter()
        .map(|x| Stmt {
            text: s(x, "text"),
            src: src(x),
        })
        .collect()
}

/// Dose text: "10 mg daily", "2.5 mg every other day", "withheld".
pub fn dose_text(dose_mg: Option<f64>, frequency: &str) -> String {
    match dose_mg {
        Some(0.0) => "withheld (0 mg)".into(),
        Some(d) => format!("{} {}", qty(d, 2, "mg"), freq_text(frequency)),
        None => "–".into(),
    }
}

/// "daily" / "every other day".
pub fn freq_text(f: &str) -> String {
    match f {
        "every_other_day" => "every other day".into(),
        "" => String::new(),
        other => words(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_units_and_drop_trailing_zeros() {
        assert_eq!(num(10.0, 2), "10");
        assert_eq!(num(2.50, 2), "2.5");
        assert_eq!(num(11.039014, 1), "11");
        assert_eq!(num(-0.04, 1), "0");
        assert_eq!(qty(7.5, 2, "mg"), "7.5 mg");
        assert_eq!(dose_text(Some(0.0), "daily"), "withheld (0 mg)");
        assert_eq!(dose_text(Some(5.0), "every_other_day"), "5 mg every other day");
    }

    #[test]
    fn both_source_shapes_are_read() {
        let a: Value = serde_json::json!({"text":"t","source":"clinical-rules.md §C.4","status":"verified"});
        let b: Value = serde_json::json!({"source":{"ref":"pk.md §3","status":"unverified","note":"why"}});
        assert_eq!(src(&a).unwrap().mark(), "✔ verified");
        let sb = src(&b).unwrap();
        assert!(sb.flagged() && sb.note.as_deref() == Some("why") && sb.reference == "pk.md §3");
        assert!(src(&serde_json::json!({})).is_none());
    }
}
