//! Small readers over FHIR JSON (`serde_json::Value`): codings, references,
//! dates, quantities. Lenient about what they ignore, strict about what they return.

use netrx_case::Date;
use serde_json::Value;

/// One coding of a CodeableConcept.
#[derive(Debug, Clone)]
pub struct Coding {
    pub system: String,
    pub code: String,
    pub display: Option<String>,
    /// FHIRPath of the coding.
    pub path: String,
}

impl Coding {
    /// "system|code (display)".
    pub fn describe(&self) -> String {
        match &self.display {
            Some(d) => format!("{}|{} ({d})", self.system, self.code),
            None => format!("{}|{}", self.system, self.code),
        }
    }
}

/// A string element.
pub fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The codings of a CodeableConcept at `path`.
pub fn codings(cc: &Value, path: &str) -> Vec<Coding> {
    let mut out = Vec::new();
    if let Some(list) = cc.get("coding").and_then(Value::as_array) {
        for (i, c) in list.iter().enumerate() {
            if let (Some(system), Some(code)) = (s(c, "system"), s(c, "code")) {
                out.push(Coding {
                    system: system.to_string(),
                    code: code.to_string(),
                    display: s(c, "display").map(str::to_string),
                    path: format!("{path}.coding[{i}]"),
                });
            }
        }
    }
    out
}

/// The names a CodeableConcept carries: its text, then each coding's display.
pub fn names(cc: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if let Some(t) = s(cc, "text") {
        out.push(t.to_string());
    }
    if let Some(list) = cc.get("coding").and_then(Value::as_array) {
        for c in list {
            if let Some(d) = s(c, "display")
                && !out.iter().any(|x| x.eq_ignore_ascii_case(d))
            {
                out.push(d.to_string());
            }
        }
    }
    out
}

/// Elements of an array (empty if absent or not an array).
pub fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// The `meta.profile` URLs of a resource.
pub fn profiles(r: &Value) -> Vec<&str> {
    r.get("meta")
        .map(|m| arr(m, "profile").iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The `reference` of a Reference element.
pub fn reference<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|r| s(r, "reference"))
}

/// A FHIR date or dateTime's calendar date. `Err` says why it cannot be used
/// (a partial date such as "2024-03", or not a date).
pub fn date(text: &str) -> Result<Date, String> {
    let t = text.trim();
    if t.len() < 10 {
        return Err(format!(
            "{t:?} is a partial date; allowed: a full date YYYY-MM-DD (netrx does not guess a day)"
        ));
    }
    t.get(..10)
        .ok_or_else(|| format!("{t:?} is not a date; allowed: YYYY-MM-DD"))?
        .parse::<Date>()
        .map_err(|e| format!("{t:?} is not a date: {e}"))
}

/// The first date among the given keys of a resource (`effectiveDateTime`,
/// `effectivePeriod.start`, `issued`, …), with the key used.
pub fn first_date(r: &Value, keys: &[&str]) -> Option<(String, Result<Date, String>)> {
    for k in keys {
        let v = match k.split_once('.') {
            Some((a, b)) => r.get(a).and_then(|x| s(x, b)),
            None => s(r, k),
        };
        if let Some(v) = v {
            return Some((k.to_string(), date(v)));
        }
    }
    None
}

/// A Quantity: value and unit (the UCUM `code`, else the printed `unit`).
#[derive(Debug, Clone)]
pub struct Quantity {
    pub value: f64,
    pub unit: Option<String>,
    pub comparator: Option<String>,
}

/// A Quantity element.
pub fn quantity(v: &Value) -> Option<Quantity> {
    let value = v.get("value").and_then(Value::as_f64)?;
    Some(Quantity {
        value,
        unit: s(v, "code").or_else(|| s(v, "unit")).map(str::to_string),
        comparator: s(v, "comparator").map(str::to_string),
    })
}

/// Units compared case-insensitively without spaces.
pub fn same_unit(a: &str, b: &str) -> bool {
    let n = |x: &str| -> String {
        x.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    n(a) == n(b)
}

/// An integer answer: valueInteger, a whole valueDecimal, or a coding/string whose code is an integer.
pub fn integer(v: &Value, prefix: &str) -> Option<i64> {
    if let Some(i) = v.get(format!("{prefix}Integer")).and_then(Value::as_i64) {
        return Some(i);
    }
    if let Some(d) = v.get(format!("{prefix}Decimal")).and_then(Value::as_f64)
        && d.fract() == 0.0
    {
        return Some(d as i64);
    }
    if let Some(c) = v.get(format!("{prefix}Coding")) {
        return s(c, "code").and_then(|x| x.parse().ok());
    }
    if let Some(cc) = v.get(format!("{prefix}CodeableConcept")) {
        return arr(cc, "coding")
            .iter()
            .find_map(|c| s(c, "code").and_then(|x| x.parse().ok()));
    }
    s(v, &format!("{prefix}String")).and_then(|x| x.parse().ok())
}
