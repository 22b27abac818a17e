//! Reconstruction of individual patient data (IPD) from a published Kaplan–Meier curve:
//! the algorithm of Guyot, Ades, Ouwens & Welton (BMC Med Res Methodol 2012;12:9) with the
//! refinements of IPDfromKM (Liu, Zhou & Lee, BMC Med Res Methodol 2021;21:111), as restated in
//! shared/reference/stats-anchors.md §5.
//!
//! A general module: it knows nothing about trials or diseases, and does no I/O — callers hand in
//! the CSV text of the digitised curve (`time,survival`) and, when published, of the numbers-at-risk
//! table (`time,n_at_risk`), and get back the patient-level rows (`time,event`) with a cleaning
//! report and a fit report.
//!
//! **Inputs.** Survival may be given as proportions (0–1) or percentages (0–100): the scale is
//! detected (percent when any value exceeds 1.5) and reported. Values a hair above the top of the
//! scale (≤ 0.5 percentage points, the thickness of a plotted line) or a hair below 0 are read as
//! digitisation noise and clipped, with a note; anything further out, negative times, non-numeric
//! or empty cells, and an at-risk table that increases are errors naming the row, the column, the
//! value and what is allowed.
//!
//! **Cleaning** (IPDfromKM `preprocess()`, each step counted in [`Cleaning`]): sort by time (and,
//! at one time, from the top of a vertical drop to its bottom); force the first point to (0, 1);
//! drop exact duplicates and keep at most two reads per time (top and bottom of a drop); drop
//! isolated downward outliers (a point more than 0.02 below both of the next two reads); enforce a
//! non-increasing curve (running minimum); drop trailing zero rows of the risk table and the
//! curve points at or after the time the risk table reaches zero, and risk-table rows after the
//! last digitised time; add a point at each risk-table time (the step value just before it) so
//! that every interval of the risk table has its own points.
//!
//! **Reconstruction** (Guyot 2012, stats-anchors §5.2): for each interval of the risk table,
//! censorings are placed evenly and their number adjusted until the implied number at risk at the
//! start of the next interval equals the published one; events at each digitised point follow
//! from the drop of the curve, d_k = round(n̂_k·(1 − S_k/Ŝ_last)). The last interval assumes the
//! average censoring rate of the earlier ones (capped, IPDfromKM, by what the reported total of
//! events leaves); a reported total of events then adjusts the last interval's censoring until the
//! total agrees. Without a risk table, the number of patients alone gives one interval with no
//! censoring unless the total of events is known. Loops are guarded (IPDfromKM: censoring can never
//! exceed the published drop in the number at risk; at most [`MAX_ITER`] adjustments; a repeated
//! state ends the loop) and a published number at risk that cannot be reached is reported, not
//! silently used.
//!
//! **Output.** Events at the digitised times, censorings at the midpoint between the digitised
//! times that bracket them, everyone still at risk at the end censored at the last time — sorted by
//! time, one row per patient.
//!
//! **Fit report** ([`FitReport`]): the Kaplan–Meier estimate of the reconstructed data against the
//! digitised points, each measured as its vertical distance from the step curve's graph at its
//! time — a point on a vertical drop (between Ŝ(t) and Ŝ(t−)) is on the curve, one off it is
//! measured to the nearer of Ŝ(t) and Ŝ(t−) ([`step_graph_distance`]): maximum, mean and
//! root-mean-square absolute deviation; the published numbers at risk next to the
//! reconstructed ones; events against the reported total; the median.

use crate::km::{KmOptions, survfit};
use netrx_case::InputError;
use serde::Serialize;

/// The largest number of censoring adjustments per interval.
pub const MAX_ITER: usize = 10_000;

/// How far above the top of the scale (or below 0) a survival read is taken as digitisation
/// noise and clipped, as a proportion (0.005 = half a percentage point).
pub const CLIP_TOLERANCE: f64 = 0.005;

/// A downward jump this large (as a proportion) that the curve climbs back from at the next two
/// reads is an isolated outlier and is dropped.
pub const OUTLIER_JUMP: f64 = 0.02;

/// How the survival column was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurvivalScale {
    /// Proportions 0–1.
    Proportion,
    /// Percentages 0–100.
    Percent,
}

impl SurvivalScale {
    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            SurvivalScale::Proportion => "proportion (0–1)",
            SurvivalScale::Percent => "percentage (0–100)",
        }
    }
}

/// One digitised point, survival as a proportion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub time: f64,
    pub surv: f64,
}

/// One row of a numbers-at-risk table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RiskRow {
    pub time: f64,
    pub n_risk: u64,
}

/// A digitised curve as read: points in file order (survival already converted to proportions),
/// the scale detected, and notes about the reading.
#[derive(Debug, Clone, Serialize)]
pub struct Curve {
    pub points: Vec<CurvePoint>,
    pub scale: SurvivalScale,
    /// File line of each point (1-based, header included).
    #[serde(skip)]
    pub lines: Vec<u64>,
    /// Notes on the reading (header absent, values clipped).
    pub notes: Vec<String>,
}

struct Table {
    /// (line, cells) of each data row.
    rows: Vec<(u64, Vec<String>)>,
    had_header: bool,
}

/// Read a two-column CSV whose header (if any) must be exactly `names`; a first row of two numbers
/// is data (a digitiser's export without header).
fn read_table(what: &str, text: &str, names: [&str; 2]) -> Result<Table, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let delim = if !first.contains(',') && first.contains('\t') {
        b'\t'
    } else if !first.contains(',') && first.contains(';') {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let allowed_header = format!("a header row `{},{}` (or none) and two columns", names[0], names[1]);
    let mut rows = Vec::new();
    let mut had_header = false;
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| InputError::new(what, format!("cannot read row {}: {e}", i + 1)))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(i as u64 + 1);
        let cells: Vec<String> = rec.iter().map(|c| c.to_string()).collect();
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        if rows.is_empty() && !had_header && cells.first().is_some_and(|c| c.parse::<f64>().is_err()) {
            // A header row: must name exactly the two columns.
            let got: Vec<String> = cells.iter().map(|c| c.to_lowercase()).collect();
            if got.len() != 2 || got[0] != names[0] || got[1] != names[1] {
                return Err(InputError::invalid(
                    format!("{what} line {line} (header)"),
                    format!("{:?}", cells.join(",")),
                    &allowed_header,
                ));
            }
            had_header = true;
            continue;
        }
        if cells.len() != 2 {
            return Err(InputError::invalid(
                format!("{what} line {line}"),
                format!("{} fields ({:?})", cells.len(), cells.join(",")),
                format!("exactly two fields: {},{}", names[0], names[1]),
            ));
        }
        rows.push((line, cells));
    }
    if rows.is_empty() {
        return Err(InputError::invalid(
            what,
            "no data rows",
            format!("CSV rows `{},{}`", names[0], names[1]),
        ));
    }
    Ok(Table { rows, had_header })
}

fn number(what: &str, line: u64, column: &str, cell: &str, allowed: &str) -> Result<f64, InputError> {
    let v: f64 = cell.parse().map_err(|_| {
        InputError::invalid(
            format!("{what} line {line}, column {column}"),
            format!("{cell:?}"),
            allowed,
        )
    })?;
    if !v.is_finite() {
        return Err(InputError::invalid(
            format!("{what} line {line}, column {column}"),
            format!("{cell:?}"),
            allowed,
        ));
    }
    Ok(v)
}

impl Curve {
    /// Read a digitised curve: CSV `time,survival` (header optional; comma, tab or semicolon
    /// separated). `what` names the input in errors (e.g. `--curve`).
    pub fn from_csv(what: &str, text: &str) -> Result<Curve, InputError> {
        let table = read_table(what, text, ["time", "survival"])?;
        let mut raw = Vec::with_capacity(table.rows.len());
        let mut lines = Vec::with_capacity(table.rows.len());
        for (line, cells) in &table.rows {
            let t = number(what, *line, "time", &cells[0], "a number ≥ 0")?;
            if t < 0.0 {
                return Err(InputError::invalid(
                    format!("{what} line {line}, column time"),
                    &cells[0],
                    "a time ≥ 0 (the curve starts at time 0)",
                ));
            }
            let s = number(
                what,
                *line,
                "survival",
                &cells[1],
                "a number: a proportion 0–1 or a percentage 0–100",
            )?;
            raw.push((t, s));
            lines.push(*line);
        }
        let max_s = raw.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let scale = if max_s > 1.5 {
            SurvivalScale::Percent
        } else {
            SurvivalScale::Proportion
        };
        let (top, unit) = match scale {
            SurvivalScale::Percent => (100.0, 100.0),
            SurvivalScale::Proportion => (1.0, 1.0),
        };
        let mut notes = Vec::new();
        if !table.had_header {
            notes.push("no header row: columns read as time,survival".to_string());
        }
        notes.push(format!(
            "survival read as a {} (largest value {})",
            scale.label(),
            crate::ipd::fmt(max_s)
        ));
        let mut clipped = 0usize;
        let mut points = Vec::with_capacity(raw.len());
        for (i, &(t, s)) in raw.iter().enumerate() {
            let line = lines[i];
            let allowed = match scale {
                SurvivalScale::Percent => "a percentage from 0 to 100",
                SurvivalScale::Proportion => "a proportion from 0 to 1 (or percentages 0–100 throughout)",
            };
            let mut p = s / unit;
            if s > top {
                if p - 1.0 > CLIP_TOLERANCE {
                    return Err(InputError::invalid(
                        format!("{what} line {line}, column survival"),
                        format!("{} (survival above 100 %)", table.rows[i].1[1]),
                        allowed,
                    ));
                }
                p = 1.0;
                clipped += 1;
            } else if s < 0.0 {
                if -p > CLIP_TOLERANCE {
                    return Err(InputError::invalid(
                        format!("{what} line {line}, column survival"),
                        format!("{} (negative survival)", table.rows[i].1[1]),
                        allowed,
                    ));
                }
                p = 0.0;
                clipped += 1;
            }
            points.push(CurvePoint { time: t, surv: p });
        }
        if clipped > 0 {
            notes.push(format!(
                "{clipped} survival value{} within {} percentage points outside 0–100 % clipped (digitisation noise)",
                if clipped == 1 { "" } else { "s" },
                CLIP_TOLERANCE * 100.0
            ));
        }
        Ok(Curve {
            points,
            scale,
            lines,
            notes,
        })
    }
}

/// Read a numbers-at-risk table: CSV `time,n_at_risk` (header optional). Rows are sorted by time
/// (noted); duplicated times, negative or non-integer counts and counts that increase over time
/// are errors.
pub fn risk_table_from_csv(what: &str, text: &str) -> Result<(Vec<RiskRow>, Vec<String>), InputError> {
    let table = read_table(what, text, ["time", "n_at_risk"])?;
    let mut rows: Vec<(u64, f64, u64)> = Vec::with_capacity(table.rows.len());
    for (line, cells) in &table.rows {
        let t = number(what, *line, "time", &cells[0], "a number ≥ 0")?;
        if t < 0.0 {
            return Err(InputError::invalid(
                format!("{what} line {line}, column time"),
                &cells[0],
                "a time ≥ 0",
            ));
        }
        let n = number(what, *line, "n_at_risk", &cells[1], "a whole number ≥ 0")?;
        if n < 0.0 || n.fract() != 0.0 || n > 1e9 {
            return Err(InputError::invalid(
                format!("{what} line {line}, column n_at_risk"),
                &cells[1],
                "a whole number ≥ 0",
            ));
        }
        rows.push((*line, t, n as u64));
    }
    let mut notes = Vec::new();
    if !table.had_header {
        notes.push("at-risk table: no header row, columns read as time,n_at_risk".to_string());
    }
    if rows.windows(2).any(|w| w[1].1 < w[0].1) {
        rows.sort_by(|a, b| a.1.total_cmp(&b.1));
        notes.push("at-risk table rows sorted by time".to_string());
    }
    for w in rows.windows(2) {
        if w[1].1 == w[0].1 {
            return Err(InputError::invalid(
                format!("{what} line {}, column time", w[1].0),
                format!("{} (also on line {})", fmt(w[1].1), w[0].0),
                "each time once",
            ));
        }
        if w[1].2 > w[0].2 {
            return Err(InputError::invalid(
                format!("{what} line {}, column n_at_risk", w[1].0),
                format!(
                    "{} at time {} after {} at time {}",
                    w[1].2,
                    fmt(w[1].1),
                    w[0].2,
                    fmt(w[0].1)
                ),
                "numbers at risk that never increase over time",
            ));
        }
    }
    if rows[0].1 != 0.0 {
        return Err(InputError::invalid(
            format!("{what} line {}, column time", rows[0].0),
            format!("a first row at time {}", fmt(rows[0].1)),
            "a first row at time 0 with the number of patients randomised",
        ));
    }
    if rows[0].2 == 0 {
        return Err(InputError::invalid(
            format!("{what} line {}, column n_at_risk", rows[0].0),
            "0 at time 0",
            "the number of patients randomised (≥ 1)",
        ));
    }
    Ok((
        rows.into_iter()
            .map(|(_, t, n)| RiskRow { time: t, n_risk: n })
            .collect(),
        notes,
    ))
}

/// What to reconstruct from.
#[derive(Debug, Clone)]
pub struct Input {
    /// The digitised curve.
    pub curve: Curve,
    /// The published numbers at risk (first row at time 0), if any.
    pub at_risk: Option<Vec<RiskRow>>,
    /// Number of patients, when there is no risk table (must agree with its first row otherwise).
    pub n_patients: Option<u64>,
    /// Reported total number of events.
    pub total_events: Option<u64>,
}

/// What cleaning did, step by step.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Cleaning {
    /// Points read.
    pub points_read: usize,
    /// Points used by the reconstruction (after cleaning, including points added at risk times).
    pub points_used: usize,
    /// Points that were out of time order.
    pub reordered: usize,
    /// Whether the point (0, 1) was added or the reads at time 0 replaced by it.
    pub origin_forced: bool,
    /// Exact duplicates and extra reads at one time (beyond the top and bottom of a drop) dropped.
    pub duplicates_dropped: usize,
    /// Isolated downward outliers dropped.
    pub outliers_dropped: usize,
    /// Points raised or lowered to make the curve non-increasing (running minimum).
    pub monotone_fixed: usize,
    /// Largest upward step removed by the running minimum (as a proportion).
    pub largest_rise_removed: f64,
    /// Points at or after the time the risk table reaches zero, dropped.
    pub points_after_zero_risk_dropped: usize,
    /// Risk-table rows dropped (trailing zeros, rows after the last digitised time).
    pub risk_rows_dropped: usize,
    /// Points after the last (kept) risk-table time: the open last interval.
    pub points_after_last_risk_time: usize,
    /// Points added at risk-table times.
    pub points_added_at_risk_times: usize,
    /// Every step in words, including the reading notes.
    pub notes: Vec<String>,
}

/// A published number at risk next to the reconstructed one.
#[derive(Debug, Clone, Serialize)]
pub struct RiskCheck {
    pub time: f64,
    pub published: u64,
    pub reconstructed: u64,
    /// Whether this row was used by the reconstruction (false: dropped in cleaning).
    pub used: bool,
}

/// How well the reconstruction reproduces its inputs.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    /// Patients reconstructed.
    pub n: usize,
    /// Events reconstructed.
    pub events: usize,
    /// Censored patients.
    pub censored: usize,
    /// Reported total of events, if given.
    pub total_events_reported: Option<u64>,
    /// Digitised points compared (points added at risk times are not compared).
    pub points_compared: usize,
    /// max over the digitised points (t_k, S_k) of their distance from the reconstructed KM
    /// curve's graph at t_k ([`step_graph_distance`]): |Ŝ(t_k) − S_k|, except that where Ŝ drops
    /// at t_k a read between Ŝ(t_k) and Ŝ(t_k−) is on the drop (0) and one outside it is measured
    /// to the nearer of the two.
    pub max_abs_deviation: f64,
    /// mean of the same distances.
    pub mean_abs_deviation: f64,
    /// √mean of their squares.
    pub rmse: f64,
    /// Time of the largest deviation.
    pub max_deviation_time: f64,
    /// Published vs reconstructed numbers at risk.
    pub at_risk: Vec<RiskCheck>,
    /// Largest |published − reconstructed| over the used risk rows.
    pub max_at_risk_difference: u64,
    /// Median of the reconstructed KM (NaN: not reached).
    pub median: f64,
    /// Things the user should know (unreachable numbers at risk, loops stopped, totals not met).
    pub warnings: Vec<String>,
}

/// The reconstruction: patient rows and the reports.
#[derive(Debug, Clone, Serialize)]
pub struct Reconstruction {
    /// (time, event) per patient, sorted by time (events before censorings at a tie).
    pub rows: Vec<(f64, bool)>,
    pub scale: SurvivalScale,
    pub cleaning: Cleaning,
    pub fit: FitReport,
    /// The cleaned curve that was used.
    pub curve_used: Vec<CurvePoint>,
}

/// A number for messages: integers plain, otherwise up to 6 significant digits.
pub fn fmt(v: f64) -> String {
    if v.is_nan() {
        return "NA".into();
    }
    if v == v.round() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A cleaned point: time, survival, whether it was added (not digitised).
#[derive(Debug, Clone, Copy)]
struct Pt {
    t: f64,
    s: f64,
    added: bool,
}

/// Clean the curve and the risk table (see the module documentation).
fn clean(input: &Input) -> Result<(Vec<Pt>, Vec<RiskRow>, Cleaning), InputError> {
    let mut c = Cleaning {
        points_read: input.curve.points.len(),
        notes: input.curve.notes.clone(),
        ..Cleaning::default()
    };
    // 1. Sort by time; at one time, top of a drop first.
    let mut pts: Vec<Pt> = input
        .curve
        .points
        .iter()
        .map(|p| Pt {
            t: p.time,
            s: p.surv,
            added: false,
        })
        .collect();
    let out_of_order = pts.windows(2).filter(|w| w[1].t < w[0].t).count();
    pts.sort_by(|a, b| a.t.total_cmp(&b.t).then(b.s.total_cmp(&a.s)));
    if out_of_order > 0 {
        c.reordered = out_of_order;
        c.notes.push(format!(
            "{} out of time order: sorted by time",
            plural(out_of_order, "point was", "points were")
        ));
    }
    // 2. The origin (0, 1).
    let at_zero: Vec<&Pt> = pts.iter().filter(|p| p.t == 0.0).collect();
    if at_zero.len() != 1 || at_zero[0].s != 1.0 {
        c.origin_forced = true;
        if at_zero.is_empty() {
            c.notes.push("no point at time 0: (0, 100 %) added".into());
        } else {
            c.notes.push(format!(
                "{} at time 0 replaced by (0, 100 %)",
                plural(at_zero.len(), "read", "reads")
            ));
        }
        pts.retain(|p| p.t != 0.0);
        pts.insert(
            0,
            Pt {
                t: 0.0,
                s: 1.0,
                added: false,
            },
        );
    }
    // 3. Duplicates: at most two reads per time (top and bottom of a vertical drop).
    let mut kept: Vec<Pt> = Vec::with_capacity(pts.len());
    let mut dropped = 0usize;
    let mut i = 0;
    while i < pts.len() {
        let mut j = i;
        while j + 1 < pts.len() && pts[j + 1].t == pts[i].t {
            j += 1;
        }
        // pts[i..=j] share a time, sorted by survival descending.
        kept.push(pts[i]);
        if j > i {
            if pts[j].s != pts[i].s {
                kept.push(pts[j]);
                dropped += j - i - 1;
            } else {
                dropped += j - i;
            }
        }
        i = j + 1;
    }
    if dropped > 0 {
        c.duplicates_dropped = dropped;
        c.notes.push(format!(
            "{} dropped (duplicated times: kept the top and bottom of each vertical drop)",
            plural(dropped, "duplicate read", "duplicate reads")
        ));
    }
    let mut pts = kept;
    // 4. Isolated downward outliers: a read far below the two reads after it.
    let mut outliers = 0usize;
    let mut k = 1;
    while k + 1 < pts.len() {
        let next = pts[k + 1].s;
        let after = pts.get(k + 2).map(|p| p.s).unwrap_or(next);
        if pts[k].s + OUTLIER_JUMP < next && pts[k].s + OUTLIER_JUMP < after && pts[k].t != pts[k + 1].t {
            pts.remove(k);
            outliers += 1;
            // Re-check the read before: a run of low reads is removed from its end backwards.
            k = (k - 1).max(1);
        } else {
            k += 1;
        }
    }
    if outliers > 0 {
        c.outliers_dropped = outliers;
        c.notes.push(format!(
            "{} dropped (more than {} percentage points below the curve on both sides)",
            plural(outliers, "isolated outlier", "isolated outliers"),
            OUTLIER_JUMP * 100.0
        ));
    }
    // 5. Non-increasing: running minimum.
    let mut fixed = 0usize;
    let mut largest = 0.0f64;
    for k in 1..pts.len() {
        if pts[k].s > pts[k - 1].s {
            largest = largest.max(pts[k].s - pts[k - 1].s);
            pts[k].s = pts[k - 1].s;
            fixed += 1;
        }
    }
    if fixed > 0 {
        c.monotone_fixed = fixed;
        c.largest_rise_removed = largest;
        c.notes.push(format!(
            "{} the curve before lowered to keep survival non-increasing (largest rise {} percentage points)",
            plural(fixed, "point above", "points above"),
            fmt((largest * 1e4).round() / 1e2)
        ));
    }
    // Collapse reads that became identical (same time and survival) after the running minimum.
    let before = pts.len();
    pts.dedup_by(|b, a| a.t == b.t && a.s == b.s);
    if pts.len() < before {
        c.duplicates_dropped += before - pts.len();
    }
    // 6. The risk table.
    let n_from_table = input.at_risk.as_ref().map(|r| r[0].n_risk);
    if let (Some(a), Some(b)) = (n_from_table, input.n_patients)
        && a != b
    {
        return Err(InputError::invalid(
            "--n",
            b,
            format!("the at-risk table's number at time 0 ({a}), or leave --n out"),
        ));
    }
    let n0 = match (n_from_table, input.n_patients) {
        (Some(a), _) => a,
        (None, Some(b)) if b > 0 => b,
        (None, Some(_)) => return Err(InputError::invalid("--n", 0, "the number of patients (≥ 1)")),
        (None, None) => {
            return Err(InputError::invalid(
                "--at-risk",
                "nothing",
                "a numbers-at-risk table (--at-risk), or at least the number of patients (--n)",
            ));
        }
    };
    let mut risk: Vec<RiskRow> = input
        .at_risk
        .clone()
        .unwrap_or_else(|| vec![RiskRow { time: 0.0, n_risk: n0 }]);
    if let Some(z) = risk.iter().position(|r| r.n_risk == 0) {
        let t0 = risk[z].time;
        let dropped_rows = risk.len() - z;
        risk.truncate(z);
        c.risk_rows_dropped += dropped_rows;
        let before = pts.len();
        pts.retain(|p| p.t < t0);
        let gone = before - pts.len();
        c.points_after_zero_risk_dropped = gone;
        c.notes.push(format!(
            "at-risk table reaches 0 at time {}: {} dropped{}",
            fmt(t0),
            plural(dropped_rows, "zero row", "zero rows"),
            if gone > 0 {
                format!(
                    ", and {} at or after that time (no patient was at risk)",
                    plural(gone, "curve point", "curve points")
                )
            } else {
                String::new()
            }
        ));
    }
    if pts.len() < 2 {
        return Err(InputError::invalid(
            "--curve",
            format!("{} usable", plural(pts.len(), "point", "points")),
            "a curve with at least two points at distinct times (the first at time 0)",
        ));
    }
    let t_end = pts.last().map(|p| p.t).unwrap_or(0.0);
    let before_rows = risk.len();
    risk.retain(|r| r.time <= t_end);
    if risk.len() < before_rows {
        let n = before_rows - risk.len();
        c.risk_rows_dropped += n;
        c.notes.push(format!(
            "{} after the last digitised time ({}) not used",
            plural(n, "at-risk row", "at-risk rows"),
            fmt(t_end)
        ));
    }
    // A risk time equal to the last digitised time opens an empty last interval: drop it.
    if risk.len() > 1 && risk.last().is_some_and(|r| r.time == t_end) {
        risk.pop();
        c.risk_rows_dropped += 1;
        c.notes.push(format!(
            "the at-risk row at the last digitised time ({}) not used (no interval after it)",
            fmt(t_end)
        ));
    }
    let last_risk_t = risk.last().map(|r| r.time).unwrap_or(0.0);
    if input.at_risk.is_some() {
        let after = pts.iter().filter(|p| p.t > last_risk_t).count();
        c.points_after_last_risk_time = after;
        if after > 0 && risk.len() > 1 {
            c.notes.push(format!(
                "{} after the last at-risk time used ({}): censoring there assumed at the earlier average rate",
                plural(after, "point", "points"),
                fmt(last_risk_t)
            ));
        }
    }
    // 7. A point at each risk time (the step value just before it).
    let mut added = 0usize;
    for r in risk.iter().skip(1) {
        let t = r.time;
        if pts.iter().any(|p| p.t == t) {
            continue;
        }
        let k = pts.partition_point(|p| p.t < t);
        let s = pts[k - 1].s;
        pts.insert(k, Pt { t, s, added: true });
        added += 1;
    }
    if added > 0 {
        c.points_added_at_risk_times = added;
        c.notes.push(format!(
            "{} at at-risk times (the curve's value just before)",
            plural(added, "point added", "points added")
        ));
    }
    c.points_used = pts.len();
    Ok((pts, risk, c))
}

/// The state of one reconstruction (Guyot 2012, stats-anchors §5.2), indices 0-based.
struct Guyot<'a> {
    t: &'a [f64],
    s: &'a [f64],
    d: Vec<i64>,
    cen: Vec<i64>,
    n_hat: Vec<i64>,
    km_hat: Vec<f64>,
    warnings: Vec<String>,
}

impl Guyot<'_> {
    /// Spread `n` censorings evenly over (t[lo], t[hi]) and count them per digitised sub-interval
    /// (t_k, t_{k+1}], k = lo..hi−1.
    fn place(&mut self, lo: usize, hi: usize, n: i64) {
        for k in lo..hi {
            self.cen[k] = 0;
        }
        if n <= 0 || hi <= lo {
            return;
        }
        let (a, b) = (self.t[lo], self.t[hi]);
        for j in 1..=n {
            let ct = a + j as f64 * (b - a) / (n as f64 + 1.0);
            // The last k in lo..hi with t_k < ct.
            let k = lo + self.t[lo..=hi].partition_point(|&x| x < ct);
            let k = k.saturating_sub(1).clamp(lo, hi - 1);
            self.cen[k] += 1;
        }
    }

    /// Walk points lo..=hi from `n_start` at risk, with `last` the index of the last point with an
    /// event before lo. Returns the new `last`.
    fn walk(&mut self, lo: usize, hi: usize, n_start: i64, mut last: usize, first_interval: bool) -> usize {
        self.n_hat[lo] = n_start;
        for k in lo..=hi {
            let n = self.n_hat[k];
            if first_interval && k == lo {
                self.d[k] = 0;
                self.km_hat[k] = 1.0;
            } else if n > 0 && self.km_hat[last] > 0.0 {
                let raw = (n as f64 * (1.0 - self.s[k] / self.km_hat[last])).round();
                let d = (raw as i64).clamp(0, n);
                self.d[k] = d;
                self.km_hat[k] = self.km_hat[last] * (1.0 - d as f64 / n as f64);
            } else {
                self.d[k] = 0;
                self.km_hat[k] = self.km_hat[last];
            }
            let room = (n - self.d[k]).max(0);
            if self.cen[k] > room {
                self.cen[k] = room;
            }
            self.n_hat[k + 1] = n - self.d[k] - self.cen[k];
            if self.d[k] != 0 {
                last = k;
            }
        }
        last
    }
}

/// Reconstruct patient data from a digitised curve (see the module documentation).
pub fn reconstruct(input: &Input) -> Result<Reconstruction, InputError> {
    let (pts, risk, cleaning) = clean(input)?;
    let t: Vec<f64> = pts.iter().map(|p| p.t).collect();
    let s: Vec<f64> = pts.iter().map(|p| p.s).collect();
    let nt = t.len();
    let m = risk.len();
    // Interval starts: the point at each risk time (exists after cleaning).
    let lower: Vec<usize> = risk.iter().map(|r| t.partition_point(|&x| x < r.time)).collect();
    let upper: Vec<usize> = (0..m)
        .map(|i| if i + 1 < m { lower[i + 1] - 1 } else { nt - 1 })
        .collect();
    let mut n_risk: Vec<i64> = risk.iter().map(|r| r.n_risk as i64).collect();
    let mut g = Guyot {
        t: &t,
        s: &s,
        d: vec![0; nt],
        cen: vec![0; nt],
        n_hat: vec![n_risk[0] + 1; nt + 1],
        km_hat: vec![1.0; nt],
        warnings: Vec::new(),
    };
    let mut last_i = vec![0usize; m];
    let mut censored_before_last = 0i64;
    // Intervals 1..m−1: match the next published number at risk.
    for i in 0..m.saturating_sub(1) {
        let (lo, hi, next) = (lower[i], upper[i], lower[i + 1]);
        let ratio = if s[lo] > 0.0 { s[next] / s[lo] } else { 0.0 };
        let mut nc = (n_risk[i] as f64 * ratio - n_risk[i + 1] as f64).round() as i64;
        let cap = n_risk[i] - n_risk[i + 1];
        let mut seen = std::collections::HashSet::new();
        let mut last;
        let mut iter = 0usize;
        loop {
            nc = nc.clamp(0, cap.max(0));
            g.place(lo, next, nc);
            last = g.walk(lo, hi, n_risk[i], last_i[i], i == 0);
            let diff = g.n_hat[next] - n_risk[i + 1];
            if diff == 0 || (diff < 0 && nc == 0) || (diff > 0 && nc >= cap) {
                break;
            }
            iter += 1;
            if !seen.insert(nc) || iter >= MAX_ITER {
                break;
            }
            nc += diff;
        }
        let reached = g.n_hat[next];
        if reached != n_risk[i + 1] {
            g.warnings.push(format!(
                "at time {}: the curve implies {} at risk, the table says {} — {}",
                fmt(t[next]),
                reached,
                n_risk[i + 1],
                if reached < n_risk[i + 1] {
                    "more events on the curve than the table allows; the reconstructed number was used"
                } else {
                    "not enough room for censoring between the table's times; the reconstructed number was used"
                }
            ));
            n_risk[i + 1] = reached;
        }
        censored_before_last += g.cen[lo..next].iter().sum::<i64>();
        last_i[i + 1] = last;
    }
    // The last interval.
    let (lo, hi) = (lower[m - 1], upper[m - 1]);
    let mut nc_last: i64 = if m > 1 {
        let span = t[lower[m - 1]] - t[lower[0]];
        let rate = if span > 0.0 {
            censored_before_last as f64 / span
        } else {
            0.0
        };
        ((rate * (t[hi] - t[lo])).round() as i64).min(n_risk[m - 1])
    } else {
        0
    };
    let events_before: i64 = g.d[..lo].iter().sum();
    if let Some(dtot) = input.total_events {
        let still_needed = (dtot as i64 - events_before).max(0);
        nc_last = nc_last.min((n_risk[m - 1] - still_needed).max(0));
    }
    g.place(lo, hi, nc_last);
    let mut last = g.walk(lo, hi, n_risk[m - 1], last_i[m - 1], m == 1);
    let _ = last;
    if let Some(dtot) = input.total_events {
        let dtot = dtot as i64;
        if dtot > n_risk[0] {
            return Err(InputError::invalid(
                "--total-events",
                dtot,
                format!("at most the number of patients ({})", n_risk[0]),
            ));
        }
        if m > 1 && events_before >= dtot {
            for k in lo..=hi {
                g.d[k] = 0;
                g.cen[k] = 0;
                g.n_hat[k + 1] = n_risk[m - 1];
            }
            if events_before > dtot {
                g.warnings.push(format!(
                    "the curve before the last at-risk time already implies {events_before} events, more than the reported total {dtot}"
                ));
            }
            g.warnings.push(format!(
                "no events or censorings reconstructed after time {}: the reported total of events was already reached",
                fmt(t[lo])
            ));
        } else {
            let mut seen = std::collections::HashSet::new();
            let mut iter = 0usize;
            loop {
                let sumd: i64 = g.d.iter().sum();
                if sumd == dtot || (sumd < dtot && nc_last <= 0) || (sumd > dtot && nc_last >= n_risk[m - 1]) {
                    if sumd != dtot {
                        g.warnings.push(format!(
                            "reconstructed {sumd} events; the reported total {dtot} could not be matched by adjusting the last interval's censoring"
                        ));
                    }
                    break;
                }
                iter += 1;
                if !seen.insert(nc_last) || iter >= MAX_ITER {
                    g.warnings.push(format!(
                        "reconstructed {sumd} events against a reported total of {dtot}: the adjustment did not settle"
                    ));
                    break;
                }
                nc_last = (nc_last + (sumd - dtot)).clamp(0, n_risk[m - 1]);
                g.place(lo, hi, nc_last);
                last = g.walk(lo, hi, n_risk[m - 1], last_i[m - 1], m == 1);
                let _ = last;
            }
        }
    }
    // Emit the patients.
    let n0 = risk[0].n_risk as i64;
    let mut rows: Vec<(f64, bool)> = Vec::with_capacity(n0 as usize);
    for (&tk, &dk) in t.iter().zip(&g.d) {
        for _ in 0..dk {
            rows.push((tk, true));
        }
    }
    for k in 0..nt.saturating_sub(1) {
        let mid = (t[k] + t[k + 1]) / 2.0;
        for _ in 0..g.cen[k] {
            rows.push((mid, false));
        }
    }
    let used = rows.len() as i64;
    if used > n0 {
        // Cannot happen with the clamps above; keep the output consistent all the same.
        rows.truncate(n0 as usize);
    }
    for _ in used..n0 {
        rows.push((t[nt - 1], false));
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let fit = fit_report(&rows, &pts, input, &risk, g.warnings, &cleaning)?;
    Ok(Reconstruction {
        rows,
        scale: input.curve.scale,
        cleaning,
        fit,
        curve_used: pts.iter().map(|p| CurvePoint { time: p.t, surv: p.s }).collect(),
    })
}

/// Distance of a digitised survival read `s` from the graph of a step curve at its time t,
/// given the curve just before t (`s_before` = Ŝ(t−)) and at t (`s_at` = Ŝ(t)). Where the
/// curve drops at t its graph includes the vertical segment between Ŝ(t) and Ŝ(t−): a read on
/// that segment (a click on the drop, e.g. a jittered duplicate at the same time) lies on the
/// curve (distance 0); a read off it is as far as the nearer end. Without a drop at t this is
/// |Ŝ(t) − s|.
pub fn step_graph_distance(s: f64, s_before: f64, s_at: f64) -> f64 {
    let (lo, hi) = if s_at <= s_before {
        (s_at, s_before)
    } else {
        (s_before, s_at)
    };
    if s < lo {
        lo - s
    } else if s > hi {
        s - hi
    } else {
        0.0
    }
}

fn fit_report(
    rows: &[(f64, bool)],
    pts: &[Pt],
    input: &Input,
    risk_used: &[RiskRow],
    warnings: Vec<String>,
    _cleaning: &Cleaning,
) -> Result<FitReport, InputError> {
    let time: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let event: Vec<bool> = rows.iter().map(|r| r.1).collect();
    let opts = KmOptions {
        timefix: false,
        ..KmOptions::default()
    };
    let km = survfit(&time, &event, &opts)?;
    // S just before t and at t.
    let before = |t: f64| -> f64 {
        let k = km.time.partition_point(|&x| x < t);
        if k == 0 { 1.0 } else { km.surv[k - 1] }
    };
    let mut devs = Vec::new();
    let mut worst = (0.0f64, 0.0f64);
    for p in pts {
        if p.added {
            continue;
        }
        let dev = step_graph_distance(p.s, before(p.t), km.surv_at(p.t));
        if dev > worst.0 {
            worst = (dev, p.t);
        }
        devs.push(dev);
    }
    let nd = devs.len().max(1) as f64;
    let n_at = |t: f64| rows.iter().filter(|r| r.0 >= t).count() as u64;
    let mut at_risk = Vec::new();
    let mut max_diff = 0u64;
    if let Some(table) = &input.at_risk {
        for r in table {
            let rec = n_at(r.time);
            let used = risk_used.iter().any(|u| u.time == r.time);
            if used {
                max_diff = max_diff.max(rec.abs_diff(r.n_risk));
            }
            at_risk.push(RiskCheck {
                time: r.time,
                published: r.n_risk,
                reconstructed: rec,
                used,
            });
        }
    }
    let events = event.iter().filter(|&&e| e).count();
    let mut warnings = warnings;
    if let Some(dt) = input.total_events
        && dt as usize != events
        && !warnings.iter().any(|w| w.contains("reported total"))
    {
        warnings.push(format!(
            "reconstructed {events} events against a reported total of {dt}"
        ));
    }
    Ok(FitReport {
        n: rows.len(),
        events,
        censored: rows.len() - events,
        total_events_reported: input.total_events,
        points_compared: devs.len(),
        max_abs_deviation: worst.0,
        mean_abs_deviation: devs.iter().sum::<f64>() / nd,
        rmse: (devs.iter().map(|d| d * d).sum::<f64>() / nd).sqrt(),
        max_deviation_time: worst.1,
        at_risk,
        max_at_risk_difference: max_diff,
        median: km.median().time,
        warnings,
    })
}

/// The patient rows as CSV `time,event` (event 1, censored 0), optionally with an `arm` column.
pub fn to_csv(rows: &[(f64, bool)], arm: Option<&str>) -> String {
    let mut s = String::with_capacity(rows.len() * 16);
    match arm {
        Some(_) => s.push_str("time,event,arm\n"),
        None => s.push_str("time,event\n"),
    }
    let arm_cell = arm.map(|a| {
        if a.contains([',', '"', '\n']) {
            format!("\"{}\"", a.replace('"', "\"\""))
        } else {
            a.to_string()
        }
    });
    for &(t, e) in rows {
        // 10 significant digits: exact for digitised times, no float noise in the file.
        let ts = {
            let r = format!("{t:.10}");
            let r = r.trim_end_matches('0').trim_end_matches('.').to_string();
            if r.is_empty() || r == "-0" { "0".to_string() } else { r }
        };
        s.push_str(&ts);
        s.push(',');
        s.push(if e { '1' } else { '0' });
        if let Some(a) = &arm_cell {
            s.push(',');
            s.push_str(a);
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(text: &str) -> Curve {
        Curve::from_csv("curve", text).unwrap()
    }

    #[test]
    fn detects_percentages_and_proportions() {
        let c = curve("time,survival\n0,100\n1,80\n2,50\n");
        assert_eq!(c.scale, SurvivalScale::Percent);
        assert_eq!(c.points[1].surv, 0.8);
        let c = curve("0,1\n1,0.8\n2,0.5\n");
        assert_eq!(c.scale, SurvivalScale::Proportion);
        assert!(c.notes[0].contains("no header"));
    }

    #[test]
    fn bad_cells_name_line_column_and_value() {
        let e = Curve::from_csv("--curve", "time,survival\n0,100\n1,abc\n").unwrap_err();
        assert_eq!(e.field, "--curve line 3, column survival");
        assert!(e.message.contains("\"abc\""), "{e}");
        let e = Curve::from_csv("--curve", "time,survival\n0,100\n-1,90\n").unwrap_err();
        assert_eq!(e.field, "--curve line 3, column time");
        let e = Curve::from_csv("--curve", "time,survival\n0,100\n1,120\n").unwrap_err();
        assert!(e.message.contains("above 100"), "{e}");
        // Half a percentage point above is noise, clipped.
        let c = curve("time,survival\n0,100.4\n1,90\n");
        assert_eq!(c.points[0].surv, 1.0);
        let e = Curve::from_csv("--curve", "t,s\n0,1\n").unwrap_err();
        assert!(e.field.contains("header"), "{e}");
        let e = Curve::from_csv("--curve", "time,survival\n0,1,3\n").unwrap_err();
        assert!(e.message.contains("3 fields"), "{e}");
    }

    #[test]
    fn risk_table_errors() {
        let e = risk_table_from_csv("--at-risk", "time,n_at_risk\n0,100\n6,120\n").unwrap_err();
        assert!(e.message.contains("never increase"), "{e}");
        let e = risk_table_from_csv("--at-risk", "time,n_at_risk\n0,100\n6,80.5\n").unwrap_err();
        assert_eq!(e.field, "--at-risk line 3, column n_at_risk");
        let e = risk_table_from_csv("--at-risk", "time,n_at_risk\n2,100\n6,80\n").unwrap_err();
        assert!(e.message.contains("time 0"), "{e}");
        let (r, notes) = risk_table_from_csv("--at-risk", "time,n_at_risk\n6,80\n0,100\n").unwrap();
        assert_eq!(r[0].n_risk, 100);
        assert!(notes.iter().any(|n| n.contains("sorted")));
    }

    /// A hand-checkable curve: 10 patients, no censoring, one death at each of t = 1..5 then
    /// the rest alive at 6. The digitised corners must give exactly that back.
    #[test]
    fn exact_corners_without_censoring_are_reproduced() {
        let mut text = String::from("time,survival\n0,1\n");
        for k in 1..=5 {
            text.push_str(&format!(
                "{k},{}\n{k},{}\n",
                1.0 - (k - 1) as f64 / 10.0,
                1.0 - k as f64 / 10.0
            ));
        }
        text.push_str("6,0.5\n");
        let input = Input {
            curve: curve(&text),
            at_risk: None,
            n_patients: Some(10),
            total_events: Some(5),
        };
        let r = reconstruct(&input).unwrap();
        let events: Vec<f64> = r.rows.iter().filter(|x| x.1).map(|x| x.0).collect();
        assert_eq!(events, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(r.rows.len(), 10);
        assert!(r.rows.iter().filter(|x| !x.1).all(|x| x.0 == 6.0));
        assert!(r.fit.max_abs_deviation < 1e-12, "{:?}", r.fit);
        // S reaches 0.5 at 5 and stays there to the end (no later drop): R's median is 5.
        assert_eq!(r.fit.median, 5.0);
    }

    /// A risk table forces censoring: 20 patients, 10 at risk at t = 4 while the curve only drops
    /// to 0.8 — so 6 must have been censored in [0, 4).
    #[test]
    fn risk_table_is_matched() {
        let curve = curve("time,survival\n0,1\n1,1\n1,0.9\n3,0.9\n3,0.8\n6,0.8\n6,0.6\n8,0.6\n");
        let (risk, _) = risk_table_from_csv("r", "0,20\n4,10\n").unwrap();
        let r = reconstruct(&Input {
            curve,
            at_risk: Some(risk),
            n_patients: None,
            total_events: None,
        })
        .unwrap();
        assert_eq!(r.rows.len(), 20);
        let at4 = r.rows.iter().filter(|x| x.0 >= 4.0).count();
        assert_eq!(at4, 10);
        assert_eq!(r.fit.max_at_risk_difference, 0);
        // Guyot by hand: first guess c = round(20·0.8/1 − 10) = 6 censorings, placed at 4j/7
        // (0.57, 1.14, 1.71, 2.29, 2.86, 3.43): one before t = 1, so n = 19 there and
        // d = round(19·0.1) = 2; four in (1, 3], so n = 13 at t = 3 and d = round(13·(1 − 0.8/0.9)) = 1;
        // one in (3, 4]: n(4) = 13 − 1 − 1 = 11 > 10, so c → 7 (placed at 4j/8: 0.5, 1, 1.5, 2, 2.5,
        // 3, 3.5): two in [0, 1] → n(1) = 18, d = 2; three in (1, 3] → n(3) = 13, d = 1; one in (3, 4]
        // → n(4) = 11 … the loop settles when n(4) = 10.
        let ev: Vec<f64> = r.rows.iter().filter(|x| x.1 && x.0 < 4.0).map(|x| x.0).collect();
        assert_eq!(ev.iter().filter(|&&t| t == 1.0).count(), 2, "{ev:?}");
        assert!(!ev.is_empty() && ev.iter().all(|&t| t == 1.0 || t == 3.0), "{ev:?}");
        let cens_before_4 = r.rows.iter().filter(|x| !x.1 && x.0 < 4.0).count();
        assert_eq!(cens_before_4 + ev.len(), 10, "20 − 10 left the risk set before 4");
    }

    #[test]
    fn cleaning_reports_every_step() {
        // Out of order, duplicated, non-monotone, an isolated dip, no origin.
        let text = "time,survival\n2,0.9\n1,0.95\n1,0.95\n3,0.91\n4,0.5\n5,0.88\n6,0.85\n7,0.8\n";
        let (risk, _) = risk_table_from_csv("r", "0,50\n5,40\n10,0\n").unwrap();
        let input = Input {
            curve: curve(text),
            at_risk: Some(risk),
            n_patients: None,
            total_events: None,
        };
        let (pts, risk, c) = clean(&input).unwrap();
        assert!(c.reordered > 0 && c.origin_forced);
        assert_eq!(c.duplicates_dropped, 1);
        assert_eq!(c.outliers_dropped, 1, "{:?}", c.notes);
        assert_eq!(c.monotone_fixed, 1, "{:?}", c.notes);
        assert_eq!(c.risk_rows_dropped, 1);
        assert_eq!(risk.len(), 2);
        assert!(pts.windows(2).all(|w| w[1].s <= w[0].s && w[1].t >= w[0].t));
        assert!(pts.iter().any(|p| p.t == 5.0));
    }

    #[test]
    fn points_after_zero_risk_are_dropped() {
        let text = "0,1\n2,0.8\n4,0.5\n6,0.4\n8,0.3\n";
        let (risk, _) = risk_table_from_csv("r", "0,10\n5,5\n7,0\n").unwrap();
        let input = Input {
            curve: curve(text),
            at_risk: Some(risk),
            n_patients: None,
            total_events: None,
        };
        let r = reconstruct(&input).unwrap();
        assert_eq!(r.cleaning.points_after_zero_risk_dropped, 1);
        assert!(r.rows.iter().all(|x| x.0 < 7.0));
        assert_eq!(r.rows.len(), 10);
    }

    #[test]
    fn needs_a_size() {
        let input = Input {
            curve: curve("0,1\n1,0.5\n"),
            at_risk: None,
            n_patients: None,
            total_events: None,
        };
        assert_eq!(reconstruct(&input).unwrap_err().field, "--at-risk");
    }

    #[test]
    fn csv_output_reads_back() {
        let s = to_csv(&[(0.5, true), (1.25, false)], Some("everolimus"));
        assert_eq!(s, "time,event,arm\n0.5,1,everolimus\n1.25,0,everolimus\n");
        let f = crate::data::Frame::from_csv(&to_csv(&[(0.5, true), (1.0, false)], None)).unwrap();
        let rows = f.complete_rows(&["time", "event"]).unwrap();
        let y = f.surv("time", "event", &rows).unwrap();
        assert_eq!(y.events(), 1);
    }

    /// Product-limit estimate from (time, event) rows just before `t` and at `t`, counted by
    /// hand (independent of `km::survfit`).
    fn hand_km(rows: &[(f64, bool)], t: f64) -> (f64, f64) {
        let mut times: Vec<f64> = rows.iter().filter(|r| r.1).map(|r| r.0).collect();
        times.dedup();
        let (mut before, mut at) = (1.0, 1.0);
        for &u in &times {
            let n = rows.iter().filter(|r| r.0 >= u).count() as f64;
            let d = rows.iter().filter(|r| r.0 == u && r.1).count() as f64;
            if u < t {
                before *= 1.0 - d / n;
            }
            if u <= t {
                at *= 1.0 - d / n;
            }
        }
        (before, at)
    }

    #[test]
    fn step_graph_distance_is_zero_on_a_drop_and_to_the_nearer_end_off_it() {
        // Drop from 1.0 to 0.896 at t: reads on the drop are on the curve.
        assert_eq!(step_graph_distance(0.92, 1.0, 0.896), 0.0);
        assert_eq!(step_graph_distance(1.0, 1.0, 0.896), 0.0);
        assert_eq!(step_graph_distance(0.896, 1.0, 0.896), 0.0);
        // Off the drop: the nearer end (to 1e-12).
        assert!((step_graph_distance(0.85, 1.0, 0.896) - 0.046).abs() < 1e-12);
        assert!((step_graph_distance(1.02, 1.0, 0.896) - 0.02).abs() < 1e-12);
        // No drop: plain |S(t) − s|.
        assert!((step_graph_distance(0.97, 1.0, 1.0) - 0.03).abs() < 1e-12);
    }

    /// Acceptance review of issue 11: jittered duplicate clicks at t = 1 (0.9 and 0.92). The
    /// rebuilt curve drops from 1 to about 0.9 at t = 1, so (1, 0.92) lies on its vertical drop;
    /// the report used to say "max 8.00 % at t = 1" (0.92 against S(1−) = 1).
    #[test]
    fn a_click_on_a_vertical_drop_is_on_the_curve() {
        let curve = curve("time,survival\n0,1\n1,0.9\n1,0.92\n2,0.8\n3,0.7\n4,0.6\n5,0.5\n");
        let (risk, _) = risk_table_from_csv("r", "time,n_at_risk\n0,100\n2,75\n4,55\n").unwrap();
        let r = reconstruct(&Input {
            curve,
            at_risk: Some(risk),
            n_patients: None,
            total_events: None,
        })
        .unwrap();
        let (s1_before, s1) = hand_km(&r.rows, 1.0);
        // The premise: 0.92 is between S(1) and S(1−).
        assert!(s1 < 0.92 && 0.92 < s1_before, "S(1−) {s1_before}, S(1) {s1}");
        // Expected distance per digitised point, by hand: (1, 0.92) is on the drop (0); every
        // other point is compared with S at its time (t = 0: no drop; elsewhere the lower end).
        let pts = [
            (0.0, 1.0),
            (1.0, 0.9),
            (1.0, 0.92),
            (2.0, 0.8),
            (3.0, 0.7),
            (4.0, 0.6),
            (5.0, 0.5),
        ];
        let devs: Vec<f64> = pts
            .iter()
            .map(|&(t, s)| {
                let (b, a) = hand_km(&r.rows, t);
                if (t, s) == (1.0, 0.92) {
                    0.0
                } else if s < a {
                    a - s
                } else if s > b {
                    s - b
                } else {
                    0.0
                }
            })
            .collect();
        let max = devs.iter().cloned().fold(0.0, f64::max);
        let mean = devs.iter().sum::<f64>() / devs.len() as f64;
        assert_eq!(r.fit.points_compared, pts.len());
        // Tolerance 1e-12: the same arithmetic on the same rows.
        assert!((r.fit.max_abs_deviation - max).abs() < 1e-12, "{:?} vs {max}", r.fit);
        assert!((r.fit.mean_abs_deviation - mean).abs() < 1e-12, "{:?} vs {mean}", r.fit);
        assert!(r.fit.max_abs_deviation < 0.02, "{:?}", r.fit);
    }

    /// A read genuinely off the curve still counts: 10 patients, a click at (0.5, 0.97) where no
    /// patient can have died (0.3 of a death rounds to none), so the curve is 1 there.
    #[test]
    fn a_click_off_the_curve_is_measured() {
        let curve = curve("time,survival\n0,1\n0.5,0.97\n1,0.9\n1,0.92\n2,0.8\n3,0.7\n");
        let r = reconstruct(&Input {
            curve,
            at_risk: None,
            n_patients: Some(10),
            total_events: None,
        })
        .unwrap();
        let (b, a) = hand_km(&r.rows, 0.5);
        assert_eq!((b, a), (1.0, 1.0), "no event at or before 0.5: {:?}", r.rows);
        assert!((r.fit.max_abs_deviation - 0.03).abs() < 1e-12, "{:?}", r.fit);
        assert_eq!(r.fit.max_deviation_time, 0.5);
    }
}
