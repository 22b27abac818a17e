//! The case editor's form: a case file shown as form fields and read back.
//!
//! Every input is named by its dotted path in the case file (`tumor.ki67_percent`,
//! `labs[2].value`), so an `InputError` from `netrx_clinical::load_case` — the one
//! check the CLI and the API make — lands next to the input it names. The form
//! builds the case file's JSON and never checks a clinical rule itself; it only
//! refuses what cannot be put into JSON at all (text in a number box, malformed
//! JSON in a JSON box). A blank input means "not given" (missing = unknown).
//!
//! Lists of simple rows (prior therapies, labs, adverse events, dose changes) are
//! rows of inputs; blank rows are ignored and error paths are mapped back to the
//! row the user sees. Imaging visits, questionnaires and the dosing/sampling record
//! are edited as JSON inside the form.

use netrx_case::InputError;
use netrx_kb::Kb;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What kind of input a field is.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Free text.
    Text,
    /// A date `YYYY-MM-DD`.
    Date,
    /// A number (decimal point).
    Number,
    /// A whole number.
    Integer,
    /// One of the listed ids (blank = not given).
    Choice(fn() -> Vec<&'static str>),
    /// Yes / no / not stated.
    Bool,
    /// Several of the listed ids (checkboxes).
    Multi(fn() -> Vec<&'static str>),
    /// One entry per line (a list of strings).
    Lines,
    /// A JSON value (list) edited as text.
    Json,
}

/// A field of the form: its case-file path, label, unit and kind.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Dotted path in the case file.
    pub path: &'static str,
    /// The label shown.
    pub label: &'static str,
    /// The unit shown beside the label ("" for none).
    pub unit: &'static str,
    /// Input kind.
    pub kind: Kind,
}

const fn f(path: &'static str, label: &'static str, unit: &'static str, kind: Kind) -> Spec {
    Spec {
        path,
        label,
        unit,
        kind,
    }
}

/// The case-file vocabularies (from netrx-case, so they cannot drift from the parser).
pub mod vocab {
    use netrx_case::*;

    macro_rules! vocab {
        ($($name:ident => $t:ty),* $(,)?) => {
            $(
                #[doc = concat!("The ids of `", stringify!($t), "`.")]
                pub fn $name() -> Vec<&'static str> {
                    <$t>::ALL.iter().map(|x| x.id()).collect()
                }
            )*
        };
    }

    vocab! {
        sex => Sex,
        child_pugh => ChildPugh,
        comorbidity => Comorbidity,
        site => PrimarySite,
        differentiation => Differentiation,
        cell_type => CellType,
        necrosis => Necrosis,
        syndrome => Syndrome,
        sstr => SstrImaging,
        progression => ProgressionStatus,
        extent => Extent,
        outcome => TherapyOutcome,
        best_response => BestResponse,
        frequency => Frequency,
    }
}

/// The single-valued fields, in form order.
pub const FIELDS: &[Spec] = &[
    f("id", "Case id", "", Kind::Text),
    f("patient.age_years", "Age", "years", Kind::Number),
    f("patient.sex", "Sex", "", Kind::Choice(vocab::sex)),
    f("patient.weight_kg", "Weight", "kg", Kind::Number),
    f("patient.ecog", "ECOG performance status", "", Kind::Integer),
    f(
        "patient.child_pugh",
        "Child–Pugh class",
        "",
        Kind::Choice(vocab::child_pugh),
    ),
    f(
        "patient.chemo_contraindicated",
        "Cytotoxic chemotherapy contraindicated",
        "",
        Kind::Bool,
    ),
    f(
        "patient.comorbidities",
        "Comorbidities",
        "",
        Kind::Multi(vocab::comorbidity),
    ),
    f("patient.name", "Name", "", Kind::Text),
    f("patient.birth_date", "Date of birth", "", Kind::Date),
    f("patient.mrn", "Medical record number", "", Kind::Text),
    f("tumor.primary_site", "Primary site", "", Kind::Choice(vocab::site)),
    f(
        "tumor.differentiation",
        "Differentiation",
        "",
        Kind::Choice(vocab::differentiation),
    ),
    f(
        "tumor.cell_type",
        "Cell type (carcinomas)",
        "",
        Kind::Choice(vocab::cell_type),
    ),
    f("tumor.ki67_percent", "Ki-67 index", "%", Kind::Number),
    f("tumor.mitoses.count", "Mitoses counted", "", Kind::Number),
    f("tumor.mitoses.area_mm2", "… in an area of", "mm²", Kind::Number),
    f("tumor.mitoses.hpf", "… or in high-power fields", "HPF", Kind::Number),
    f(
        "tumor.mitoses.field_diameter_mm",
        "HPF field diameter",
        "mm",
        Kind::Number,
    ),
    f("tumor.mitoses.per_2mm2", "Or: mitoses per 2 mm²", "", Kind::Number),
    f(
        "tumor.mitoses.per_10hpf",
        "Or: mitoses per 10 HPF (legacy)",
        "",
        Kind::Number,
    ),
    f("tumor.necrosis", "Necrosis", "", Kind::Choice(vocab::necrosis)),
    f("tumor.functional", "Functional (hormone syndrome)", "", Kind::Bool),
    f("tumor.syndrome", "Syndrome", "", Kind::Choice(vocab::syndrome)),
    f("tumor.sstr_imaging", "SSTR imaging", "", Kind::Choice(vocab::sstr)),
    f(
        "tumor.progression.status",
        "Growth on imaging",
        "",
        Kind::Choice(vocab::progression),
    ),
    f(
        "tumor.progression.months_observed",
        "Growth observed over",
        "months",
        Kind::Number,
    ),
    f(
        "tumor.liver_burden_percent",
        "Liver tumour burden",
        "% of liver",
        Kind::Number,
    ),
    f("tumor.extrahepatic_disease", "Extrahepatic disease", "", Kind::Bool),
    f("tumor.extent", "Extent", "", Kind::Choice(vocab::extent)),
    f("tumor.symptomatic", "Tumour-related symptoms", "", Kind::Bool),
    f("medications", "Current medications", "", Kind::Lines),
    f("everolimus.start_date", "Start date", "", Kind::Date),
    f("everolimus.dose_mg", "Dose now", "mg", Kind::Number),
    f(
        "everolimus.frequency",
        "Frequency now",
        "",
        Kind::Choice(vocab::frequency),
    ),
    f("everolimus.doses", "Doses taken", "", Kind::Json),
    f("everolimus.samples", "Whole-blood samples", "", Kind::Json),
    f(
        "visits",
        "Imaging visits (RECIST 1.1; the first is the baseline)",
        "",
        Kind::Json,
    ),
    f("qol", "Quality-of-life questionnaires", "", Kind::Json),
];

/// A list of rows: its case-file path, its columns, and how many blank rows to offer.
#[derive(Debug, Clone, Copy)]
pub struct RowSpec {
    /// The list's path (`labs`, `everolimus.history`).
    pub path: &'static str,
    /// The columns (`date`, `value`, …).
    pub cols: &'static [Spec],
    /// Blank rows offered below the filled ones.
    pub blank: usize,
}

/// The row lists, in form order.
pub const ROWS: &[RowSpec] = &[
    RowSpec {
        path: "prior_therapies",
        cols: &[
            f("agent", "Agent", "", Kind::Text),
            f("line", "Line", "", Kind::Integer),
            f("outcome", "Outcome", "", Kind::Choice(vocab::outcome)),
            f("best_response", "Best response", "", Kind::Choice(vocab::best_response)),
        ],
        blank: 2,
    },
    RowSpec {
        path: "labs",
        cols: &[
            f("date", "Date", "", Kind::Date),
            f("test", "Test", "", Kind::Text),
            f("value", "Value", "", Kind::Number),
            f("unit", "Unit", "", Kind::Text),
            f("lln", "Lower limit of normal", "", Kind::Number),
            f("uln", "Upper limit of normal", "", Kind::Number),
            f("baseline", "Baseline", "", Kind::Number),
        ],
        blank: 2,
    },
    RowSpec {
        path: "adverse_events",
        cols: &[
            f("date", "Onset", "", Kind::Date),
            f("term", "Term", "", Kind::Text),
            f("grade", "Grade", "", Kind::Integer),
            f("resolved_date", "Resolved or improved on", "", Kind::Date),
            f("resolved_to_grade", "To grade", "", Kind::Integer),
        ],
        blank: 2,
    },
    RowSpec {
        path: "everolimus.history",
        cols: &[
            f("date", "Date", "", Kind::Date),
            f("dose_mg", "Dose (mg)", "", Kind::Number),
            f("frequency", "Frequency", "", Kind::Choice(vocab::frequency)),
            f("reason", "Reason", "", Kind::Text),
        ],
        blank: 2,
    },
];

/// Find the spec of a single-valued field.
pub fn spec(path: &str) -> Option<&'static Spec> {
    FIELDS.iter().find(|s| s.path == path)
}

/// The spec of any input: a field, or a row's cell (`labs[2].value`, or `labs.value`).
pub fn any_spec(name: &str) -> Option<&'static Spec> {
    spec(name).or_else(|| {
        ROWS.iter().find_map(|r| {
            let rest = name.strip_prefix(r.path)?;
            let col = match rest.strip_prefix('[') {
                Some(x) => x.split_once("].")?.1,
                None => rest.strip_prefix('.')?,
            };
            r.cols.iter().find(|c| c.path == col)
        })
    })
}

/// How an input is named to the user: "Ki-67 index", "Lab results, row 3: Value".
pub fn label_of(name: &str) -> String {
    if let Some((list, i, col)) = row_of(name) {
        let section = ROW_TITLES
            .iter()
            .find(|(p, _)| *p == list)
            .map(|(_, t)| *t)
            .unwrap_or(list);
        let col = any_spec(name).map(|s| s.label).unwrap_or(col.as_str()).to_string();
        return if col.is_empty() {
            format!("{section}, row {}", i + 1)
        } else {
            format!("{section}, row {}: {col}", i + 1)
        };
    }
    if let Some(s) = any_spec(name) {
        return match name {
            "tumor.mitoses.area_mm2" => "Mitotic count: area counted".into(),
            "tumor.mitoses.hpf" => "Mitotic count: high-power fields counted".into(),
            "tumor.mitoses.field_diameter_mm" => "Mitotic count: HPF field diameter".into(),
            _ => s.label.trim_start_matches("Or: ").to_string(),
        };
    }
    match name {
        "tumor.mitoses" => "Mitotic count".into(),
        "tumor.progression" => "Growth on imaging".into(),
        n if n == netrx_case::DOCUMENT => "The case".into(),
        n => ROW_TITLES
            .iter()
            .find(|(p, _)| *p == n)
            .map(|(_, t)| t.to_string())
            .unwrap_or_else(|| n.to_string()),
    }
}

/// Titles of the row lists.
pub const ROW_TITLES: &[(&str, &str)] = &[
    ("prior_therapies", "Prior therapies"),
    ("labs", "Laboratory results"),
    ("adverse_events", "Adverse events"),
    ("everolimus.history", "Dose changes"),
];

/// A problem shown next to an input.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The form input it belongs to (a field path, a row `labs[2]`, a group `tumor.mitoses`,
    /// or `(document)` for the whole case).
    pub field: String,
    /// The path the check reported (in the case file as saved).
    pub path: String,
    /// What is wrong, and what is allowed.
    pub message: String,
}

/// Rows a list may have on the form (more: use the JSON view).
pub const MAX_ROWS: usize = 1000;

/// The editor's state: the raw text of every input, and the number of rows of each list.
#[derive(Debug, Clone, Default)]
pub struct CaseForm {
    /// Input name → text as typed.
    pub values: BTreeMap<String, String>,
    /// List path → rows shown.
    pub rows: BTreeMap<&'static str, usize>,
    /// Lists posted with more than [`MAX_ROWS`] rows (the extra rows are not read).
    pub too_many: Vec<&'static str>,
}

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(x) => netrx_case::validate::fmt_num(x),
            None => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

fn get_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |cur, k| cur.get(k))
}

fn set_path(root: &mut Map<String, Value>, path: &str, value: Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let last = parts.pop().unwrap_or_default();
    let mut cur = root;
    for p in parts {
        let e = cur.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new()));
        if !e.is_object() {
            *e = Value::Object(Map::new());
        }
        cur = e.as_object_mut().expect("just made an object");
    }
    cur.insert(last.to_string(), value);
}

impl CaseForm {
    /// An empty form (a new case) with blank rows.
    pub fn blank() -> CaseForm {
        let mut f = CaseForm::default();
        for r in ROWS {
            f.rows.insert(r.path, r.blank);
        }
        f
    }

    /// The form of a stored case file.
    pub fn from_case(case: &Value) -> CaseForm {
        let mut f = CaseForm::default();
        for s in FIELDS {
            let Some(v) = get_path(case, s.path) else { continue };
            let text = match s.kind {
                Kind::Multi(_) => v
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","))
                    .unwrap_or_default(),
                Kind::Lines => v
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default(),
                _ => fmt_value(v),
            };
            if !text.is_empty() {
                f.values.insert(s.path.to_string(), text);
            }
        }
        for r in ROWS {
            let items = get_path(case, r.path)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                for c in r.cols {
                    if let Some(v) = item.get(c.path) {
                        let t = fmt_value(v);
                        if !t.is_empty() {
                            f.values.insert(format!("{}[{i}].{}", r.path, c.path), t);
                        }
                    }
                }
            }
            f.rows.insert(r.path, items.len() + r.blank);
        }
        f
    }

    /// The form as posted (every `name=value` pair; repeated checkboxes are joined).
    pub fn from_post(pairs: &[(String, String)]) -> CaseForm {
        let mut f = CaseForm::default();
        for (k, v) in pairs {
            let multi = spec(k).is_some_and(|s| matches!(s.kind, Kind::Multi(_)));
            let row = row_of(k);
            if let Some((list, i, _)) = &row
                && *i >= MAX_ROWS
            {
                if !f.too_many.contains(list) {
                    f.too_many.push(list);
                }
                continue;
            }
            let known = spec(k).is_some() || row.is_some();
            if !known {
                continue;
            }
            if multi {
                let e = f.values.entry(k.clone()).or_default();
                if !e.is_empty() {
                    e.push(',');
                }
                e.push_str(v);
            } else {
                f.values.insert(k.clone(), v.clone());
            }
        }
        for r in ROWS {
            let max = f
                .values
                .keys()
                .filter_map(|k| row_of(k).filter(|(p, _, _)| *p == r.path).map(|(_, i, _)| i + 1))
                .max()
                .unwrap_or(0);
            // Keep the rows as posted, with at least one blank row to type into.
            let filled = (0..max).filter(|i| !row_blank(&f.values, r, *i)).count();
            f.rows.insert(r.path, max.max(filled + 1).min(MAX_ROWS));
        }
        f
    }

    /// The text of an input.
    pub fn get(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    /// The text of a row's cell.
    pub fn cell(&self, list: &str, i: &usize, col: &str) -> &str {
        self.get(&format!("{list}[{i}].{col}"))
    }

    /// Whether a checkbox option of a multi-valued field is ticked.
    pub fn checked(&self, name: &str, option: &str) -> bool {
        self.get(name).split(',').any(|x| x == option)
    }

    /// Rows of a list.
    pub fn row_count(&self, list: &str) -> usize {
        self.rows.get(list).copied().unwrap_or(1)
    }

    /// Build the case file. Returns the JSON, the form errors that stopped a value from
    /// being put into JSON (text in a number box, malformed JSON), and for each list the
    /// form row of each JSON entry (blank rows are skipped).
    pub fn to_json(&self) -> (Value, Vec<FieldError>, BTreeMap<&'static str, Vec<usize>>) {
        let mut root = Map::new();
        let mut errors = Vec::new();
        for s in FIELDS {
            let raw = self.get(s.path);
            match convert(s.kind, raw) {
                Ok(Some(v)) => set_path(&mut root, s.path, v),
                Ok(None) => {}
                Err(m) => errors.push(FieldError {
                    field: s.path.to_string(),
                    path: s.path.to_string(),
                    message: m,
                }),
            }
        }
        for list in &self.too_many {
            errors.push(FieldError {
                field: list.to_string(),
                path: list.to_string(),
                message: format!(
                    "more than {MAX_ROWS} rows were sent; allowed: at most {MAX_ROWS} rows on the form (use the JSON view for longer lists)"
                ),
            });
        }
        let mut index = BTreeMap::new();
        for r in ROWS {
            let mut items = Vec::new();
            let mut rows = Vec::new();
            for i in 0..self.row_count(r.path) {
                if row_blank(&self.values, r, i) {
                    continue;
                }
                let mut item = Map::new();
                for c in r.cols {
                    let name = format!("{}[{i}].{}", r.path, c.path);
                    match convert(c.kind, self.get(&name)) {
                        Ok(Some(v)) => {
                            item.insert(c.path.to_string(), v);
                        }
                        Ok(None) => {}
                        Err(m) => errors.push(FieldError {
                            field: name.clone(),
                            path: name,
                            message: m,
                        }),
                    }
                }
                items.push(Value::Object(item));
                rows.push(i);
            }
            if !items.is_empty() {
                set_path(&mut root, r.path, Value::Array(items));
            }
            index.insert(r.path, rows);
        }
        (Value::Object(root), errors, index)
    }
}

fn row_blank(values: &BTreeMap<String, String>, r: &RowSpec, i: usize) -> bool {
    r.cols.iter().all(|c| {
        values
            .get(&format!("{}[{i}].{}", r.path, c.path))
            .is_none_or(|v| v.trim().is_empty())
    })
}

/// `labs[2].value` → (`labs`, 2, `value`).
fn row_of(name: &str) -> Option<(&'static str, usize, String)> {
    ROWS.iter().find_map(|r| {
        let rest = name.strip_prefix(r.path)?.strip_prefix('[')?;
        let (i, rest) = rest.split_once(']')?;
        let i: usize = i.parse().ok()?;
        let col = rest.strip_prefix('.').unwrap_or("");
        (col.is_empty() || r.cols.iter().any(|c| c.path == col)).then(|| (r.path, i, col.to_string()))
    })
}

/// Put one input's text into JSON: `Ok(None)` for blank.
fn convert(kind: Kind, raw: &str) -> Result<Option<Value>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match kind {
        Kind::Text | Kind::Date | Kind::Choice(_) => Ok(Some(Value::String(t.to_string()))),
        Kind::Number | Kind::Integer => {
            if t.contains(',') && !t.contains('.') {
                return Err(format!(
                    "got {t:?}; allowed: a number with a decimal point, e.g. {}",
                    t.replace(',', ".")
                ));
            }
            match t.parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let v = if x.fract() == 0.0 && x.abs() < 1e15 {
                        if x >= 0.0 {
                            serde_json::json!(x as u64)
                        } else {
                            serde_json::json!(x as i64)
                        }
                    } else {
                        serde_json::json!(x)
                    };
                    Ok(Some(v))
                }
                _ => Err(format!(
                    "got {t:?}; allowed: {}",
                    if matches!(kind, Kind::Integer) {
                        "a whole number"
                    } else {
                        "a number"
                    }
                )),
            }
        }
        Kind::Bool => match t {
            "true" => Ok(Some(Value::Bool(true))),
            "false" => Ok(Some(Value::Bool(false))),
            _ => Err(format!("got {t:?}; allowed: yes, no or not stated")),
        },
        Kind::Multi(_) => Ok(Some(Value::Array(
            t.split(',')
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| Value::String(x.to_string()))
                .collect(),
        ))),
        Kind::Lines => {
            let items: Vec<Value> = t
                .lines()
                .map(str::trim)
                .filter(|x| !x.is_empty())
                .map(|x| Value::String(x.to_string()))
                .collect();
            Ok((!items.is_empty()).then_some(Value::Array(items)))
        }
        Kind::Json => serde_json::from_str::<Value>(t)
            .map(Some)
            .map_err(|e| format!("malformed JSON: {e}; allowed: a JSON list, e.g. [ {{ … }}, {{ … }} ]")),
    }
}

/// Drop serde_json's " at line L column C" (it points into JSON the user never saw).
pub fn tidy_message(m: &str) -> String {
    match m.rfind(" at line ") {
        Some(i) if m[i..].contains(" column ") => m[..i].to_string(),
        _ => m.to_string(),
    }
}

/// Every problem `load_case` finds in a case file, not just the first: after each error
/// the offending value is taken out (an optional field) or replaced by a neutral stand-in
/// (a required field, see [`stand_in`]) and the check repeated, at most 40 rounds. The
/// messages are `load_case`'s own; stand-ins are never stored and errors about them are
/// not reported.
pub fn all_errors(case: &Value, kb: &Kb) -> Vec<InputError> {
    let mut v = case.clone();
    let mut out: Vec<InputError> = Vec::new();
    let mut stood_in: Vec<String> = Vec::new();
    for _ in 0..40 {
        let text = v.to_string();
        let e = match netrx_clinical::load_case(&text, kb) {
            Ok(_) => break,
            Err(e) => e,
        };
        if let Some(child) = missing_child(&e) {
            let reported = out.iter().any(|x| x.field == child);
            if !reported {
                out.push(e);
            }
            let placed =
                !stood_in.contains(&child) && stand_in(&child).is_some_and(|x| set_path_value(&mut v, &child, x));
            if !placed {
                break;
            }
            stood_in.push(child);
            continue;
        }
        if out.iter().any(|x| x.field == e.field) || stood_in.contains(&e.field) {
            break;
        }
        let removed = remove_path(&mut v, &e.field);
        out.push(e);
        if !removed {
            break;
        }
    }
    out
}

/// A neutral value for a required field, so that checking can go on past its absence.
/// Only fields whose value cannot make another field wrong have one.
fn stand_in(path: &str) -> Option<Value> {
    let mut key = String::new();
    let mut in_index = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                in_index = true;
                key.push_str("[]");
            }
            ']' => in_index = false,
            c if !in_index => key.push(c),
            _ => {}
        }
    }
    let v = match key.as_str() {
        "id" => serde_json::json!("stand-in"),
        "patient.age_years" => serde_json::json!(50),
        "patient.sex" => serde_json::json!("unknown"),
        "tumor.primary_site" => serde_json::json!("unknown_primary"),
        "tumor.differentiation" => serde_json::json!("unknown"),
        "tumor.progression.status" => serde_json::json!("unknown"),
        "everolimus.dose_mg" | "everolimus.history[].dose_mg" => serde_json::json!(10),
        "everolimus.frequency" | "everolimus.history[].frequency" => serde_json::json!("daily"),
        "everolimus.history[].reason" => serde_json::json!("stand-in"),
        "prior_therapies[].line" => serde_json::json!(1),
        "prior_therapies[].outcome" => serde_json::json!("completed"),
        _ => return None,
    };
    Some(v)
}

/// Set the value at a path whose parent exists (an object). True if set.
fn set_path_value(v: &mut Value, path: &str, x: Value) -> bool {
    let Some(mut segs) = segments(path) else { return false };
    let Some(Ok(last)) = segs.pop() else { return false };
    let mut cur = v;
    for s in segs {
        let next = match s {
            Ok(k) => cur.get_mut(&k),
            Err(i) => cur.get_mut(i),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    match cur.as_object_mut() {
        Some(o) => {
            o.insert(last, x);
            true
        }
        None => false,
    }
}

/// For a missing required field (`from_json` names the field itself): its path.
fn missing_child(e: &InputError) -> Option<String> {
    e.message.strip_prefix("required field `")?;
    Some(e.field.clone())
}

/// Split `a.b[2].c` into keys and indices.
fn segments(path: &str) -> Option<Vec<Result<String, usize>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Ok(key.to_string()));
        }
        while let Some(r) = rest.strip_prefix('[') {
            let (n, tail) = r.split_once(']')?;
            out.push(Err(n.parse().ok()?));
            rest = tail;
        }
    }
    Some(out)
}

/// Remove the value at a path from an object (not list entries: that would shift the
/// indices of later errors). True if something was removed.
fn remove_path(v: &mut Value, path: &str) -> bool {
    let Some(mut segs) = segments(path) else { return false };
    let Some(Ok(last)) = segs.pop() else { return false };
    let mut cur = v;
    for s in segs {
        let next = match s {
            Ok(k) => cur.get_mut(&k),
            Err(i) => cur.get_mut(i),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    cur.as_object_mut().is_some_and(|o| o.remove(&last).is_some())
}

/// Map an error of `load_case` (on the JSON from [`CaseForm::to_json`]) to the form input
/// it belongs to: the field itself, its row, its group, or the whole case.
pub fn place(e: &InputError, index: &BTreeMap<&'static str, Vec<usize>>) -> FieldError {
    let message = tidy_message(&e.message);
    // Row indices in the JSON → rows on the form.
    let mut path = e.field.clone();
    for r in ROWS {
        if let Some(rest) = path.strip_prefix(r.path).and_then(|x| x.strip_prefix('['))
            && let Some((n, tail)) = rest.split_once(']')
            && let Ok(n) = n.parse::<usize>()
            && let Some(row) = index.get(r.path).and_then(|v| v.get(n))
        {
            path = format!("{}[{row}]{tail}", r.path);
            break;
        }
    }
    let missing = missing_child(&InputError::new(path.clone(), e.message.clone()));
    let candidates = [missing.clone(), Some(path.clone())];
    for c in candidates.iter().flatten() {
        if spec(c).is_some() || row_of(c).is_some_and(|(_, _, col)| !col.is_empty()) {
            let message = if missing.as_deref() == Some(c.as_str()) {
                "required: please fill this in".to_string()
            } else {
                message.clone()
            };
            return FieldError {
                field: c.clone(),
                path: path.clone(),
                message,
            };
        }
    }
    // Inside a JSON box, a row, or a group: the nearest enclosing input.
    let mut p = path.as_str();
    loop {
        if spec(p).is_some() || row_of(p).is_some() || GROUPS.contains(&p) {
            let field = match row_of(p) {
                Some((list, i, _)) => format!("{list}[{i}]"),
                None => p.to_string(),
            };
            return FieldError {
                field,
                path: path.clone(),
                message,
            };
        }
        match p.rfind(['.', '[']) {
            Some(i) => p = &p[..i],
            None => break,
        }
    }
    FieldError {
        field: netrx_case::DOCUMENT.into(),
        path,
        message,
    }
}

/// Groups of inputs that carry errors of their own (a mitotic count's shape, a whole section).
pub const GROUPS: &[&str] = &[
    "tumor.mitoses",
    "tumor.progression",
    "patient",
    "tumor",
    "everolimus",
    "prior_therapies",
    "labs",
    "adverse_events",
    "everolimus.history",
];

/// Check a form: the form's own conversion errors, then every `load_case` error, placed.
pub fn check(form: &CaseForm, kb: &Kb) -> (Value, Vec<FieldError>) {
    let (json, mut errors, index) = form.to_json();
    let found = all_errors(&json, kb);
    for e in &found {
        let placed = place(e, &index);
        // A value the form could not convert was left out: "missing" there is not news.
        if errors.iter().any(|x| x.field == placed.field) {
            continue;
        }
        errors.push(placed);
    }
    (json, errors)
}

/// Check a case file given as JSON text (the JSON view): every `load_case` error.
pub fn check_json(text: &str, kb: &Kb) -> Vec<FieldError> {
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => {
            // Not JSON at all: load_case says where.
            return netrx_clinical::load_case(text, kb)
                .err()
                .map(|e| FieldError {
                    field: netrx_case::DOCUMENT.into(),
                    path: e.field,
                    message: e.message,
                })
                .into_iter()
                .collect();
        }
    };
    all_errors(&v, kb)
        .into_iter()
        .map(|e| FieldError {
            field: netrx_case::DOCUMENT.into(),
            path: e.field,
            message: e.message,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kb() -> &'static Kb {
        Kb::embedded().unwrap()
    }

    fn example(name: &str) -> Value {
        let (_, text) = crate::demo::DEMO_FILES.iter().find(|(f, _)| *f == name).unwrap();
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn every_example_round_trips_through_the_form() {
        // Case file → form → case file gives the same case (as load_case parses it).
        for (name, text) in crate::demo::DEMO_FILES {
            let Ok(case) = netrx_clinical::load_case(text, kb()) else {
                continue;
            };
            let v: Value = serde_json::from_str(text).unwrap();
            let form = CaseForm::from_case(&v);
            let (json, errors) = check(&form, kb());
            assert!(errors.is_empty(), "{name}: {errors:?}");
            let back = netrx_clinical::load_case(&json.to_string(), kb()).unwrap();
            assert_eq!(back, case, "{name}");
        }
    }

    #[test]
    fn errors_land_next_to_their_input_with_load_case_messages() {
        let mut v = example("pnet-g2-progressive.json");
        v["tumor"]["ki67_percent"] = serde_json::json!(120);
        let form = CaseForm::from_case(&v);
        let (_, errors) = check(&form, kb());
        let direct = netrx_clinical::load_case(&v.to_string(), kb()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "tumor.ki67_percent");
        assert_eq!(errors[0].message, tidy_message(&direct.message));
    }

    #[test]
    fn several_errors_are_reported_at_once_and_rows_map_back() {
        let mut form = CaseForm::from_case(&example("pnet-everolimus-stomatitis-course.json"));
        form.values.insert("patient.age_years".into(), "abc".into());
        form.values.insert("tumor.ki67_percent".into(), "140".into());
        form.values.insert("patient.ecog".into(), "7".into());
        // A blank row before a bad one: the error must name the row on the form (row 9).
        let n = form.row_count("labs");
        form.values.insert(format!("labs[{}].date", n + 1), "2024-06-01".into());
        form.values.insert(format!("labs[{}].test", n + 1), "platelets".into());
        form.values.insert(format!("labs[{}].value", n + 1), "100".into());
        form.values.insert(format!("labs[{}].unit", n + 1), "furlongs".into());
        form.rows.insert("labs", n + 2);
        let (_, errors) = check(&form, kb());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"patient.age_years"), "{errors:?}");
        assert!(fields.contains(&"tumor.ki67_percent"), "{errors:?}");
        assert!(fields.contains(&"patient.ecog"), "{errors:?}");
        let unit = format!("labs[{}].unit", n + 1);
        assert!(fields.contains(&unit.as_str()), "{errors:?}");
        assert!(
            errors
                .iter()
                .find(|e| e.field == "patient.age_years")
                .unwrap()
                .message
                .contains("a number"),
            "{errors:?}"
        );
        assert!(!fields.contains(&"patient"), "no 'missing field' echo: {errors:?}");
    }

    #[test]
    fn decimal_commas_and_bad_json_are_refused_not_guessed() {
        let mut form = CaseForm::blank();
        form.values.insert("tumor.ki67_percent".into(), "2,5".into());
        form.values.insert("visits".into(), "[{".into());
        let (_, errors, _) = form.to_json();
        assert!(
            errors
                .iter()
                .any(|e| e.field == "tumor.ki67_percent" && e.message.contains("2.5"))
        );
        assert!(
            errors
                .iter()
                .any(|e| e.field == "visits" && e.message.starts_with("malformed JSON"))
        );
    }

    #[test]
    fn every_input_has_a_label_and_errors_name_it() {
        for s in FIELDS {
            assert!(!s.label.is_empty(), "{}", s.path);
        }
        for r in ROWS {
            assert!(ROW_TITLES.iter().any(|(p, _)| *p == r.path), "{}", r.path);
            for c in r.cols {
                assert!(!c.label.is_empty(), "{}.{}", r.path, c.path);
            }
        }
        assert_eq!(label_of("tumor.ki67_percent"), "Ki-67 index");
        assert_eq!(label_of("labs[2].value"), "Laboratory results, row 3: Value");
        assert_eq!(label_of("adverse_events[0]"), "Adverse events, row 1");
        assert_eq!(label_of("tumor.mitoses"), "Mitotic count");
        assert_eq!(label_of("tumor.mitoses.per_2mm2"), "mitoses per 2 mm²");
    }

    #[test]
    fn absurd_row_numbers_are_refused_not_looped_over() {
        let pairs = vec![("labs[99999999].value".to_string(), "1".to_string())];
        let f = CaseForm::from_post(&pairs);
        assert!(f.row_count("labs") <= MAX_ROWS);
        let (_, errors, _) = f.to_json();
        assert!(
            errors
                .iter()
                .any(|e| e.field == "labs" && e.message.contains("JSON view")),
            "{errors:?}"
        );
    }

    #[test]
    fn missing_required_fields_are_named() {
        let form = CaseForm::blank();
        let (_, errors) = check(&form, kb());
        assert!(errors.iter().any(|e| e.field == "id"), "{errors:?}");
    }
}
