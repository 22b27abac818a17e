//! Tabular input: CSV text → named columns → a survival outcome, grouping
//! factors and a numeric design matrix, with R's conventions.
//!
//! ```
//! use netrx_stats::data::Frame;
//! let f = Frame::from_csv("time,status,sex,arm\n306,2,1,A\n455,2,1,B\n1010,1,2,\n210,2,2,B\n").unwrap();
//! let rows = f.complete_rows(&["time", "status", "arm"]).unwrap(); // na.omit over the used columns
//! assert_eq!((rows.len(), rows.dropped), (3, 1));
//! let y = f.surv("time", "status", &rows).unwrap();                // 1/2 coding read as R's Surv()
//! assert_eq!(y.event, vec![true, true, true]);
//! let d = f.design(&["sex", "arm"], &rows).unwrap();               // factor → indicators, first level = reference
//! assert_eq!(d.names, vec!["sex", "armB"]);
//! assert_eq!(d.terms[1].reference.as_deref(), Some("A"));
//! ```
//!
//! Conventions (each is R's unless said otherwise):
//! - **Columns.** A column whose every non-missing cell parses as a number is numeric; one whose
//!   every non-missing cell is `TRUE`/`FALSE` (also `T`/`F`, `true`/`false`, `True`/`False`) is
//!   logical (as `read.csv` types them); anything else is text.
//! - **Missing values**: an empty cell, `NA`, `NaN` or `.` (the last is not R's, but is what
//!   SAS/Stata exports write). Unlike `read.csv`, an empty cell in a text column is missing too.
//! - **Rows with a missing value in any used column are dropped** ([`Frame::complete_rows`],
//!   like `na.omit`) and the count is reported in [`Rows::dropped`].
//! - **Event codes** ([`Frame::surv`]): `0/1` (1 = event), `1/2` as in R's `lung` (1 = censored,
//!   2 = event; chosen, as `Surv()` does, when the largest code is 2), or logical (`TRUE` = event).
//!   Anything else is an error naming the row.
//! - **Factors** ([`Frame::factor`], [`Frame::design`]): levels of a numeric column sort
//!   numerically; levels of a text column sort as R sorts character vectors in an English UTF-8
//!   locale (case-insensitive first, lower case before upper case on ties); `FALSE < TRUE`.
//!   The first level is the reference; indicator columns are named `<column><level>` as
//!   `model.matrix()` names them. In [`Frame::design`] numeric columns enter as numbers, unless
//!   written `factor(col)`.
//!
//! Row numbers in errors count data rows from 1 (the header is not a row) and also give the line.

use netrx_case::InputError;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Cell values treated as missing.
pub const MISSING_TOKENS: [&str; 4] = ["", "NA", "NaN", "."];

/// One column of a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Numbers; a missing cell is NaN.
    Numeric(Vec<f64>),
    /// `TRUE`/`FALSE`; a missing cell is `None`.
    Logical(Vec<Option<bool>>),
    /// Text; a missing cell is `None`.
    Text(Vec<Option<String>>),
}

impl Column {
    fn is_missing(&self, i: usize) -> bool {
        match self {
            Column::Numeric(v) => v[i].is_nan(),
            Column::Logical(v) => v[i].is_none(),
            Column::Text(v) => v[i].is_none(),
        }
    }

    /// The kind, as a word for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Column::Numeric(_) => "numeric",
            Column::Logical(_) => "logical",
            Column::Text(_) => "text",
        }
    }
}

/// A table of named columns read from CSV text.
#[derive(Debug, Clone)]
pub struct Frame {
    names: Vec<String>,
    columns: Vec<Column>,
    /// The file line of each data row (1-based), for messages.
    lines: Vec<u64>,
    /// The raw text of each cell, kept for error messages about cells that parsed
    /// as another kind (e.g. a text cell in the time column).
    raw: Vec<Vec<String>>,
}

/// The rows used by an analysis: complete cases of the used columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rows {
    /// Indices (0-based) of the kept data rows, ascending.
    pub index: Vec<usize>,
    /// Rows dropped for a missing value in a used column (R: "n observations deleted due to missingness").
    pub dropped: usize,
}

impl Rows {
    /// Number of kept rows.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// No rows kept.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// How the event column was coded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventCoding {
    /// 0 = censored, 1 = event.
    ZeroOne,
    /// 1 = censored, 2 = event (R's `lung$status`).
    OneTwo,
    /// FALSE = censored, TRUE = event.
    Logical,
}

impl EventCoding {
    /// A phrase for output ("1 = censored, 2 = event").
    pub fn describe(self) -> &'static str {
        match self {
            EventCoding::ZeroOne => "0 = censored, 1 = event",
            EventCoding::OneTwo => "1 = censored, 2 = event (as R's Surv() reads it)",
            EventCoding::Logical => "FALSE = censored, TRUE = event",
        }
    }
}

/// A right-censored survival outcome over [`Rows`].
#[derive(Debug, Clone, PartialEq)]
pub struct Surv {
    /// Follow-up times (finite, ≥ 0).
    pub time: Vec<f64>,
    /// `true` = event, `false` = censored.
    pub event: Vec<bool>,
    /// How the event column was read.
    pub coding: EventCoding,
}

impl Surv {
    /// Number of observations.
    pub fn len(&self) -> usize {
        self.time.len()
    }

    /// No observations.
    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Number of events.
    pub fn events(&self) -> usize {
        self.event.iter().filter(|&&e| e).count()
    }
}

/// A categorical variable over [`Rows`]: sorted levels and a level code per row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    /// The column (or combined name).
    pub name: String,
    /// Levels in R's order; the first is the reference.
    pub levels: Vec<String>,
    /// Level index (into `levels`) per row.
    pub codes: Vec<u32>,
}

impl Factor {
    /// A factor with a single level for `n` rows (no grouping).
    pub fn single(name: &str, level: &str, n: usize) -> Self {
        Factor {
            name: name.to_string(),
            levels: vec![level.to_string()],
            codes: vec![0; n],
        }
    }

    /// Number of levels.
    pub fn nlevels(&self) -> usize {
        self.levels.len()
    }

    /// R's label for level `k`: `name=level` (as `survfit`/`survdiff` print strata).
    pub fn label(&self, k: usize) -> String {
        format!("{}={}", self.name, self.levels[k])
    }

    /// The cross-classification of several factors (R's `strata(a, b)` / `interaction`), keeping
    /// only combinations that occur, ordered by the first factor, then the second, …; labels
    /// `a=1, b=x`. With one factor, returns it with labels unchanged.
    pub fn cross(factors: &[&Factor]) -> Option<Factor> {
        let first = factors.first()?;
        if factors.len() == 1 {
            return Some((*first).clone());
        }
        let n = first.codes.len();
        let mut combos: BTreeMap<Vec<u32>, u32> = BTreeMap::new();
        for i in 0..n {
            combos.insert(factors.iter().map(|f| f.codes[i]).collect(), 0);
        }
        let mut levels = Vec::with_capacity(combos.len());
        for (k, (key, slot)) in combos.iter_mut().enumerate() {
            *slot = k as u32;
            let parts: Vec<String> = factors
                .iter()
                .zip(key)
                .map(|(f, &c)| format!("{}={}", f.name, f.levels[c as usize]))
                .collect();
            levels.push(parts.join(", "));
        }
        let codes = (0..n)
            .map(|i| combos[&factors.iter().map(|f| f.codes[i]).collect::<Vec<_>>()])
            .collect();
        Some(Factor {
            name: String::new(),
            levels,
            codes,
        })
    }

    /// Label for level `k`, using the bare level when the factor has no name (a cross).
    pub fn display(&self, k: usize) -> String {
        if self.name.is_empty() {
            self.levels[k].clone()
        } else {
            self.label(k)
        }
    }
}

/// How one requested variable entered a [`Design`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Term {
    /// The name as requested (`age`, `factor(ph.ecog)`).
    pub name: String,
    /// First design column of this term.
    pub first_col: usize,
    /// Number of design columns (1 for a number, levels − 1 for a factor).
    pub ncol: usize,
    /// The factor's levels (empty for a numeric term).
    pub levels: Vec<String>,
    /// The reference level of a factor (`None` for a numeric term).
    pub reference: Option<String>,
}

/// A numeric design (model) matrix, without an intercept column.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Rows.
    pub n: usize,
    /// Columns.
    pub p: usize,
    /// Column-major values: column j is `x[j*n .. (j+1)*n]`.
    pub x: Vec<f64>,
    /// Column names as R's `model.matrix` names them (`age`, `sexM`, `factor(ph.ecog)1`).
    pub names: Vec<String>,
    /// One entry per requested variable.
    pub terms: Vec<Term>,
}

impl Design {
    /// Column `j`.
    pub fn col(&self, j: usize) -> &[f64] {
        &self.x[j * self.n..(j + 1) * self.n]
    }
}

fn is_missing_token(s: &str) -> bool {
    MISSING_TOKENS.contains(&s)
}

fn parse_logical(s: &str) -> Option<bool> {
    match s {
        "TRUE" | "T" | "true" | "True" => Some(true),
        "FALSE" | "F" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn parse_number(s: &str) -> Option<f64> {
    // Rust's parser accepts "inf"/"infinity"/"nan" in any case; R reads "Inf"/"-Inf".
    s.parse::<f64>().ok().filter(|v| !v.is_nan())
}

/// R's order for character levels in an English UTF-8 locale (ICU/glibc collation restricted to
/// the cases that matter in data files): compare case-insensitively, then lower case first.
pub fn r_text_order(a: &str, b: &str) -> Ordering {
    let la = a.to_lowercase();
    let lb = b.to_lowercase();
    la.cmp(&lb).then_with(|| {
        // on a case-insensitive tie, lower case sorts first (R: "a" < "A")
        let flip = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_lowercase() {
                        c.to_uppercase().next().unwrap_or(c)
                    } else {
                        c.to_lowercase().next().unwrap_or(c)
                    }
                })
                .collect()
        };
        flip(a).cmp(&flip(b))
    })
}

/// Format a number as R prints a factor level made from it (`1`, `0.5`, `1e+06`-free).
pub fn format_level(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl Frame {
    /// Read CSV text (comma-separated, or tab-separated when the header has tabs and no commas;
    /// a header row of column names; `"` quoting). Errors: no header, duplicate or empty column
    /// names, rows with the wrong number of fields, no data rows.
    pub fn from_csv(text: &str) -> Result<Frame, InputError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let header_line = text.lines().next().unwrap_or("");
        let delim = if !header_line.contains(',') && header_line.contains('\t') {
            b'\t'
        } else {
            b','
        };
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delim)
            .has_headers(true)
            .flexible(false)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = rdr
            .headers()
            .map_err(|e| InputError::new("data", format!("cannot read the header row: {e}")))?
            .clone();
        let names: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        if names.is_empty() || (names.len() == 1 && names[0].is_empty()) {
            return Err(InputError::invalid(
                "data",
                "an empty file",
                "CSV text with a header row of column names and at least one data row",
            ));
        }
        for (j, n) in names.iter().enumerate() {
            if n.is_empty() {
                return Err(InputError::invalid(
                    "data",
                    format!("an empty name for column {}", j + 1),
                    "a header row naming every column",
                ));
            }
            if names[..j].contains(n) {
                return Err(InputError::invalid(
                    "data",
                    format!("column name {n:?} twice in the header"),
                    "unique column names",
                ));
            }
        }
        let mut raw: Vec<Vec<String>> = vec![Vec::new(); names.len()];
        let mut lines = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| {
                let msg = match e.kind() {
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                        "row {} (line {}): got {len} fields; allowed: {expected_len} fields, as in the header",
                        i + 1,
                        e.position().map(|p| p.line()).unwrap_or(0)
                    ),
                    _ => format!("row {}: {e}", i + 1),
                };
                InputError::new("data", msg)
            })?;
            lines.push(rec.position().map(|p| p.line()).unwrap_or(i as u64 + 2));
            for (j, cell) in rec.iter().enumerate() {
                raw[j].push(cell.to_string());
            }
        }
        if lines.is_empty() {
            return Err(InputError::invalid(
                "data",
                "a header but no data rows",
                "at least one data row",
            ));
        }
        let columns = raw.iter().map(|cells| type_column(cells)).collect();
        Ok(Frame {
            names,
            columns,
            lines,
            raw,
        })
    }

    /// Number of data rows.
    pub fn nrows(&self) -> usize {
        self.lines.len()
    }

    /// Column names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    fn index_of(&self, name: &str) -> Result<usize, InputError> {
        self.names.iter().position(|n| n == name).ok_or_else(|| {
            InputError::invalid(
                format!("column {name}"),
                format!("{name:?}, which is not a column of the data"),
                format!("one of {}", self.names.join(", ")),
            )
        })
    }

    /// A column by name; an unknown name is an error listing the columns.
    pub fn column(&self, name: &str) -> Result<&Column, InputError> {
        Ok(&self.columns[self.index_of(name)?])
    }

    fn row_ref(&self, i: usize) -> String {
        format!("row {} (line {})", i + 1, self.lines[i])
    }

    /// The complete cases of the named columns (R's `na.omit`). Names may be written
    /// `factor(col)`. Errors on unknown columns and when no row is complete.
    pub fn complete_rows(&self, names: &[&str]) -> Result<Rows, InputError> {
        let mut idx = Vec::with_capacity(names.len());
        for n in names {
            idx.push(self.index_of(strip_factor(n).0)?);
        }
        let index: Vec<usize> = (0..self.nrows())
            .filter(|&i| idx.iter().all(|&j| !self.columns[j].is_missing(i)))
            .collect();
        if index.is_empty() {
            return Err(InputError::invalid(
                "data",
                format!("no row without a missing value in {}", names.join(", ")),
                "at least one complete row",
            ));
        }
        let dropped = self.nrows() - index.len();
        Ok(Rows { index, dropped })
    }

    /// The survival outcome `Surv(time, event)` over `rows`: times must be finite numbers ≥ 0,
    /// event codes 0/1, 1/2 or TRUE/FALSE (see the module docs).
    pub fn surv(&self, time: &str, event: &str, rows: &Rows) -> Result<Surv, InputError> {
        let tj = self.index_of(time)?;
        let ej = self.index_of(event)?;
        let tfield = format!("column {time}");
        let t: Vec<f64> = match &self.columns[tj] {
            Column::Numeric(v) => {
                let mut out = Vec::with_capacity(rows.len());
                for &i in &rows.index {
                    let x = v[i];
                    if !x.is_finite() || x < 0.0 {
                        return Err(InputError::new(
                            tfield,
                            format!(
                                "{}: got {:?}; allowed: a finite follow-up time ≥ 0",
                                self.row_ref(i),
                                self.raw[tj][i]
                            ),
                        ));
                    }
                    out.push(x);
                }
                out
            }
            _ => {
                let i = self.first_non_numeric(tj, rows).unwrap_or(rows.index[0]);
                return Err(InputError::new(
                    tfield,
                    format!(
                        "{}: got {:?}; allowed: a number ≥ 0 (follow-up time), or empty/NA for missing",
                        self.row_ref(i),
                        self.raw[tj][i]
                    ),
                ));
            }
        };
        let efield = format!("column {event}");
        let (ev, coding) = match &self.columns[ej] {
            Column::Logical(v) => (
                rows.index.iter().map(|&i| v[i].unwrap_or(false)).collect(),
                EventCoding::Logical,
            ),
            Column::Numeric(v) => {
                let max = rows.index.iter().map(|&i| v[i]).fold(f64::NEG_INFINITY, f64::max);
                let one_two = max == 2.0;
                let mut out = Vec::with_capacity(rows.len());
                for &i in &rows.index {
                    let x = v[i];
                    let e = if one_two {
                        match x {
                            1.0 => false,
                            2.0 => true,
                            _ => {
                                return Err(InputError::new(
                                    efield,
                                    format!(
                                        "{}: got {:?}; allowed: 1 (censored) or 2 (event) — the column uses 1/2 coding since its largest code is 2; or 0/1, or TRUE/FALSE, throughout",
                                        self.row_ref(i),
                                        self.raw[ej][i]
                                    ),
                                ));
                            }
                        }
                    } else {
                        match x {
                            0.0 => false,
                            1.0 => true,
                            _ => {
                                return Err(InputError::new(
                                    efield,
                                    format!(
                                        "{}: got {:?}; allowed: 0 (censored) or 1 (event), 1/2 as in R's lung data (1 = censored, 2 = event), or TRUE/FALSE",
                                        self.row_ref(i),
                                        self.raw[ej][i]
                                    ),
                                ));
                            }
                        }
                    };
                    out.push(e);
                }
                (
                    out,
                    if one_two {
                        EventCoding::OneTwo
                    } else {
                        EventCoding::ZeroOne
                    },
                )
            }
            Column::Text(v) => {
                let i = rows
                    .index
                    .iter()
                    .copied()
                    .find(|&i| {
                        v[i].as_deref()
                            .is_some_and(|s| parse_number(s).is_none() && parse_logical(s).is_none())
                    })
                    .unwrap_or(rows.index[0]);
                return Err(InputError::new(
                    efield,
                    format!(
                        "{}: got {:?}; allowed: event codes 0/1 (1 = event), 1/2 (2 = event, as R's lung data) or TRUE/FALSE",
                        self.row_ref(i),
                        self.raw[ej][i]
                    ),
                ));
            }
        };
        Ok(Surv {
            time: t,
            event: ev,
            coding,
        })
    }

    fn first_non_numeric(&self, j: usize, rows: &Rows) -> Option<usize> {
        rows.index.iter().copied().find(|&i| {
            let s = self.raw[j][i].as_str();
            !is_missing_token(s) && parse_number(s).is_none()
        })
    }

    /// A numeric column over `rows` (a marker, weights). Non-numeric cells are errors.
    pub fn numeric(&self, name: &str, rows: &Rows) -> Result<Vec<f64>, InputError> {
        let j = self.index_of(name)?;
        match &self.columns[j] {
            Column::Numeric(v) => Ok(rows.index.iter().map(|&i| v[i]).collect()),
            _ => {
                let i = self.first_non_numeric(j, rows).unwrap_or(rows.index[0]);
                Err(InputError::new(
                    format!("column {name}"),
                    format!(
                        "{}: got {:?}; allowed: a number, or empty/NA for missing",
                        self.row_ref(i),
                        self.raw[j][i]
                    ),
                ))
            }
        }
    }

    /// A column as a factor over `rows` (any column kind; see the module docs for level order).
    /// `factor(col)` is accepted and named `col`.
    pub fn factor(&self, name: &str, rows: &Rows) -> Result<Factor, InputError> {
        let (col, _) = strip_factor(name);
        let j = self.index_of(col)?;
        let (levels, codes) = factor_codes(&self.columns[j], &rows.index);
        Ok(Factor {
            name: col.to_string(),
            levels,
            codes,
        })
    }

    /// The design matrix for the named variables over `rows`, as R's `model.matrix` builds it
    /// without the intercept: numeric columns as they are; logical and text columns (and
    /// numeric ones written `factor(col)`) as indicators of every level but the first.
    /// A factor with a single level among the rows is an error (R: "contrasts can be applied only
    /// to factors with 2 or more levels").
    pub fn design(&self, names: &[&str], rows: &Rows) -> Result<Design, InputError> {
        let n = rows.len();
        let mut x = Vec::new();
        let mut cols = Vec::new();
        let mut terms = Vec::new();
        for &name in names {
            let (col, as_factor) = strip_factor(name);
            let j = self.index_of(col)?;
            let column = &self.columns[j];
            let first_col = cols.len();
            match column {
                Column::Numeric(v) if !as_factor => {
                    x.extend(rows.index.iter().map(|&i| v[i]));
                    cols.push(name.to_string());
                    terms.push(Term {
                        name: name.to_string(),
                        first_col,
                        ncol: 1,
                        levels: Vec::new(),
                        reference: None,
                    });
                }
                _ => {
                    let (levels, codes) = factor_codes(column, &rows.index);
                    if levels.len() < 2 {
                        return Err(InputError::invalid(
                            format!("column {col}"),
                            format!(
                                "a single level ({}) among the {n} rows used",
                                levels.first().map(String::as_str).unwrap_or("none")
                            ),
                            "a categorical covariate with at least 2 levels",
                        ));
                    }
                    for (k, lev) in levels.iter().enumerate().skip(1) {
                        x.extend(codes.iter().map(|&c| if c as usize == k { 1.0 } else { 0.0 }));
                        cols.push(format!("{name}{lev}"));
                    }
                    terms.push(Term {
                        name: name.to_string(),
                        first_col,
                        ncol: levels.len() - 1,
                        reference: Some(levels[0].clone()),
                        levels,
                    });
                }
            }
        }
        Ok(Design {
            n,
            p: cols.len(),
            x,
            names: cols,
            terms,
        })
    }
}

/// `factor(col)` → (`col`, true); `col` → (`col`, false).
fn strip_factor(name: &str) -> (&str, bool) {
    match name.strip_prefix("factor(").and_then(|s| s.strip_suffix(')')) {
        Some(inner) => (inner.trim(), true),
        None => (name, false),
    }
}

fn type_column(cells: &[String]) -> Column {
    let present = || cells.iter().map(String::as_str).filter(|s| !is_missing_token(s));
    if present().all(|s| parse_number(s).is_some()) {
        return Column::Numeric(
            cells
                .iter()
                .map(|s| {
                    if is_missing_token(s) {
                        f64::NAN
                    } else {
                        parse_number(s).unwrap_or(f64::NAN)
                    }
                })
                .collect(),
        );
    }
    if present().all(|s| parse_logical(s).is_some()) {
        return Column::Logical(
            cells
                .iter()
                .map(|s| if is_missing_token(s) { None } else { parse_logical(s) })
                .collect(),
        );
    }
    Column::Text(
        cells
            .iter()
            .map(|s| if is_missing_token(s) { None } else { Some(s.clone()) })
            .collect(),
    )
}

/// Levels (sorted as R sorts them) and per-row codes of a column over the given rows.
/// Missing cells must have been removed by the caller (they get code 0 otherwise).
fn factor_codes(column: &Column, index: &[usize]) -> (Vec<String>, Vec<u32>) {
    match column {
        Column::Numeric(v) => {
            let mut vals: Vec<f64> = index.iter().map(|&i| v[i]).filter(|x| !x.is_nan()).collect();
            vals.sort_by(|a, b| a.total_cmp(b));
            vals.dedup();
            let codes = index
                .iter()
                .map(|&i| vals.binary_search_by(|p| p.total_cmp(&v[i])).unwrap_or(0) as u32)
                .collect();
            (vals.into_iter().map(format_level).collect(), codes)
        }
        Column::Logical(v) => {
            let has = |b: bool| index.iter().any(|&i| v[i] == Some(b));
            let mut levels = Vec::new();
            if has(false) {
                levels.push(false);
            }
            if has(true) {
                levels.push(true);
            }
            let codes = index
                .iter()
                .map(|&i| levels.iter().position(|&l| Some(l) == v[i]).unwrap_or(0) as u32)
                .collect();
            (
                levels
                    .iter()
                    .map(|&b| if b { "TRUE" } else { "FALSE" }.to_string())
                    .collect(),
                codes,
            )
        }
        Column::Text(v) => {
            let mut levels: Vec<&str> = index.iter().filter_map(|&i| v[i].as_deref()).collect();
            levels.sort_by(|a, b| r_text_order(a, b));
            levels.dedup();
            let map: BTreeMap<&str, u32> = levels.iter().enumerate().map(|(k, s)| (*s, k as u32)).collect();
            let codes = index
                .iter()
                .map(|&i| v[i].as_deref().and_then(|s| map.get(s).copied()).unwrap_or(0))
                .collect();
            (levels.into_iter().map(str::to_string).collect(), codes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LUNG_HEAD: &str = "\"inst\",\"time\",\"status\",\"age\",\"sex\",\"ph.ecog\"\n3,306,2,74,1,1\n3,455,2,68,1,0\n3,1010,1,56,1,\n5,210,2,57,1,1\n";

    #[test]
    fn reads_quoted_header_and_one_two_coding() {
        let f = Frame::from_csv(LUNG_HEAD).unwrap();
        assert_eq!(f.names(), &["inst", "time", "status", "age", "sex", "ph.ecog"]);
        let all = f.complete_rows(&["time", "status"]).unwrap();
        assert_eq!(all.len(), 4);
        let y = f.surv("time", "status", &all).unwrap();
        assert_eq!(y.event, vec![true, true, false, true]);
        assert_eq!(y.coding, EventCoding::OneTwo);
        let r = f.complete_rows(&["time", "status", "ph.ecog"]).unwrap();
        assert_eq!((r.len(), r.dropped), (3, 1));
    }

    #[test]
    fn zero_one_and_logical_events() {
        let f = Frame::from_csv("t,e,l\n1,0,TRUE\n2,1,F\n").unwrap();
        let r = f.complete_rows(&["t"]).unwrap();
        assert_eq!(f.surv("t", "e", &r).unwrap().event, vec![false, true]);
        let y = f.surv("t", "l", &r).unwrap();
        assert_eq!((y.event.clone(), y.coding), (vec![true, false], EventCoding::Logical));
    }

    #[test]
    fn bad_event_code_names_row_and_value() {
        let f = Frame::from_csv("t,e\n1,0\n2,3\n").unwrap();
        let r = f.complete_rows(&["t", "e"]).unwrap();
        let e = f.surv("t", "e", &r).unwrap_err();
        assert_eq!(e.field, "column e");
        assert!(
            e.message.contains("row 2 (line 3)") && e.message.contains("\"3\""),
            "{e}"
        );
        // 0 mixed with 1/2 coding
        let f = Frame::from_csv("t,e\n1,0\n2,2\n3,1\n").unwrap();
        let r = f.complete_rows(&["t", "e"]).unwrap();
        let e = f.surv("t", "e", &r).unwrap_err();
        assert!(e.message.contains("row 1") && e.message.contains("1/2"), "{e}");
    }

    #[test]
    fn bad_times() {
        let f = Frame::from_csv("t,e\n1,0\nabc,1\n").unwrap();
        let r = f.complete_rows(&["t", "e"]).unwrap();
        let e = f.surv("t", "e", &r).unwrap_err();
        assert_eq!(e.field, "column t");
        assert!(e.message.contains("row 2") && e.message.contains("abc"), "{e}");
        let f = Frame::from_csv("t,e\n1,0\n-2,1\n").unwrap();
        let r = f.complete_rows(&["t", "e"]).unwrap();
        let e = f.surv("t", "e", &r).unwrap_err();
        assert!(e.message.contains("-2") && e.message.contains("≥ 0"), "{e}");
    }

    #[test]
    fn unknown_column_lists_columns() {
        let f = Frame::from_csv("t,e\n1,0\n").unwrap();
        let e = f.complete_rows(&["time"]).unwrap_err();
        assert!(e.message.contains("one of t, e"), "{e}");
    }

    #[test]
    fn empty_inputs() {
        assert!(Frame::from_csv("").is_err());
        assert!(Frame::from_csv("a,b\n").unwrap_err().message.contains("no data rows"));
        assert!(
            Frame::from_csv("a,b\n1,2,3\n")
                .unwrap_err()
                .message
                .contains("3 fields")
        );
        let f = Frame::from_csv("a,b\n1,NA\n").unwrap();
        assert!(f.complete_rows(&["a", "b"]).is_err());
    }

    #[test]
    fn factor_levels_sorted_as_r() {
        let f = Frame::from_csv("g,x,b\nb,10,TRUE\nA,2,FALSE\na,2.5,TRUE\nB,10,\nc,2,TRUE\n").unwrap();
        let r = f.complete_rows(&["g", "x"]).unwrap();
        let g = f.factor("g", &r).unwrap();
        assert_eq!(g.levels, vec!["a", "A", "b", "B", "c"]);
        assert_eq!(g.codes, vec![2, 1, 0, 3, 4]);
        let x = f.factor("x", &r).unwrap();
        assert_eq!(x.levels, vec!["2", "2.5", "10"]);
        assert_eq!(x.label(2), "x=10");
        let rb = f.complete_rows(&["b"]).unwrap();
        assert_eq!(f.factor("b", &rb).unwrap().levels, vec!["FALSE", "TRUE"]);
    }

    #[test]
    fn design_expands_factors() {
        let f = Frame::from_csv("age,cell,e\n60,squamous,1\n70,adeno,0\n50,large,1\n65,squamous,0\n").unwrap();
        let r = f.complete_rows(&["age", "cell"]).unwrap();
        let d = f.design(&["age", "cell", "factor(e)"], &r).unwrap();
        assert_eq!(d.names, vec!["age", "celllarge", "cellsquamous", "factor(e)1"]);
        assert_eq!(d.terms[1].reference.as_deref(), Some("adeno"));
        assert_eq!(d.col(0), &[60.0, 70.0, 50.0, 65.0]);
        assert_eq!(d.col(2), &[1.0, 0.0, 0.0, 1.0]);
        assert_eq!(d.col(3), &[1.0, 0.0, 1.0, 0.0]);
        let f = Frame::from_csv("g\nx\nx\n").unwrap();
        let r = f.complete_rows(&["g"]).unwrap();
        assert!(f.design(&["g"], &r).unwrap_err().message.contains("single level"));
    }

    #[test]
    fn cross_of_factors() {
        let f = Frame::from_csv("a,b\n1,x\n2,y\n1,y\n1,x\n").unwrap();
        let r = f.complete_rows(&["a", "b"]).unwrap();
        let a = f.factor("a", &r).unwrap();
        let b = f.factor("b", &r).unwrap();
        let c = Factor::cross(&[&a, &b]).unwrap();
        assert_eq!(c.levels, vec!["a=1, b=x", "a=1, b=y", "a=2, b=y"]);
        assert_eq!(c.codes, vec![0, 2, 1, 0]);
    }

    #[test]
    fn tab_separated() {
        let f = Frame::from_csv("t\te\n1\t1\n").unwrap();
        assert_eq!(f.names(), &["t", "e"]);
    }
}
