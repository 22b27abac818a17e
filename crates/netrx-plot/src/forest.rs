//! Forest plot of ratio estimates (hazard ratios) with confidence intervals, laid out the way
//! journals and slides show them: a label column (trial, subgroup, analysis), an N column,
//! the plot on a log scale with a line of no effect at 1, and an "HR (95 % CI)" column, with
//! "favours" captions under the axis and footnotes (sources, marks) below. Squares are sized
//! by precision (1/SE²); a CI beyond the axis ends in an arrow. Pure function of its inputs:
//! returns an SVG string (shared helpers from [`crate::svg`]).

use crate::svg::{Doc, GRID, INK, PALETTE, c, fmt_num, text_width};
use std::fmt::Write;

/// One line of the plot.
#[derive(Debug, Clone)]
pub enum ForestItem {
    /// A section heading (e.g. a trial with several rows).
    Header(String),
    /// An estimate.
    Row(ForestRow),
}

/// An estimate with its interval.
#[derive(Debug, Clone)]
pub struct ForestRow {
    /// Main label (e.g. "RADIANT-3").
    pub label: String,
    /// Second line under the label, smaller (e.g. "pNET · PFS, investigator (primary)").
    pub detail: String,
    /// Indent (subgroups under their trial).
    pub indent: bool,
    /// N column text (e.g. "207 / 203").
    pub n: String,
    pub estimate: f64,
    pub lower: f64,
    pub upper: f64,
    /// The estimate column's text, when the caller keeps the source's precision
    /// (e.g. "0.276 (0.182–0.418)"); default: two decimals.
    pub text: Option<String>,
    /// A mark after the estimate text (e.g. "†"), explained in the footnotes.
    pub mark: String,
    /// Draw emphasised (whole-trial primary results).
    pub bold: bool,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct Forest {
    pub title: String,
    pub subtitle: String,
    /// Name of the measure for the column header and axis ("HR").
    pub measure: String,
    /// Caption left of 1 (e.g. "Favours everolimus").
    pub favours_left: String,
    /// Caption right of 1 (e.g. "Favours control").
    pub favours_right: String,
    pub items: Vec<ForestItem>,
    /// Lines under the chart (sources, marks, provenance).
    pub footnotes: Vec<String>,
}

const W: f64 = 1100.0;
const ROW: f64 = 34.0;
const TOP: f64 = 96.0;
const X_LABEL: f64 = 24.0;
const X_N: f64 = 470.0;
const X_PLOT0: f64 = 540.0;
const X_PLOT1: f64 = 880.0;
const X_EST: f64 = 1080.0;
const FS: f64 = 15.0;
const FS_SMALL: f64 = 12.0;

/// Log-scale ticks covering [lo, hi] from the 1–2–5 series.
fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let mut t = Vec::new();
    let mut k = lo.log10().floor() as i32 - 1;
    while t.last().is_none_or(|&x: &f64| x < hi) && k < 6 {
        for m in [1.0, 2.0, 5.0] {
            let v = m * 10f64.powi(k);
            if v >= lo * 0.999 && v <= hi * 1.001 {
                t.push(v);
            }
        }
        k += 1;
    }
    t
}

/// The axis range: from the data, always including 0.5–2 (so both sides of 1 show), snapped to
/// the 1–2–5 series.
fn range(items: &[ForestItem]) -> (f64, f64) {
    let mut lo: f64 = 0.5;
    let mut hi: f64 = 2.0;
    for it in items {
        if let ForestItem::Row(r) = it {
            lo = lo.min(r.lower);
            hi = hi.max(r.upper);
        }
    }
    // Keep the axis readable: clip at 0.05 and 20 (arrows show what lies beyond).
    let lo = lo.max(0.05);
    let hi = hi.min(20.0);
    let snap_down = |v: f64| {
        let k = v.log10().floor();
        let base = 10f64.powf(k);
        [5.0, 2.0, 1.0]
            .iter()
            .map(|m| m * base)
            .find(|x| *x <= v * 1.000_001)
            .unwrap_or(base)
    };
    let snap_up = |v: f64| {
        let k = v.log10().floor();
        let base = 10f64.powf(k);
        [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * base)
            .find(|x| *x >= v * 0.999_999)
            .unwrap_or(10.0 * base)
    };
    (snap_down(lo), snap_up(hi))
}

/// Format an estimate with 2 decimals.
pub fn est_text(e: f64, lo: f64, hi: f64) -> String {
    format!("{e:.2} ({lo:.2}–{hi:.2})")
}

/// Draw the forest plot.
pub fn forest_svg(f: &Forest) -> String {
    let n_lines = f.items.len().max(1);
    let plot_h = n_lines as f64 * ROW;
    let axis_y = TOP + plot_h + 8.0;
    let foot_y = axis_y + 78.0;
    let height = foot_y + f.footnotes.len() as f64 * 18.0 + 20.0;
    let mut d = Doc::new(W, height);
    let (lo, hi) = range(&f.items);
    let x = |v: f64| X_PLOT0 + (v.ln() - lo.ln()) / (hi.ln() - lo.ln()) * (X_PLOT1 - X_PLOT0);

    // Title.
    d.text((X_LABEL, 30.0), "start", 20.0, INK, &f.title, r#"font-weight="bold""#);
    if !f.subtitle.is_empty() {
        d.text((X_LABEL, 52.0), "start", FS_SMALL + 1.0, "#555555", &f.subtitle, "");
    }
    // Column headers.
    let hy = TOP - 14.0;
    d.text(
        (X_LABEL, hy),
        "start",
        FS,
        INK,
        "Trial / analysis",
        r#"font-weight="bold""#,
    );
    d.text((X_N, hy), "middle", FS, INK, "N", r#"font-weight="bold""#);
    d.text(
        ((X_PLOT0 + X_PLOT1) / 2.0, hy),
        "middle",
        FS,
        INK,
        &format!("{} (log scale)", f.measure),
        r#"font-weight="bold""#,
    );
    d.text(
        (X_EST, hy),
        "end",
        FS,
        INK,
        &format!("{} (95% CI)", f.measure),
        r#"font-weight="bold""#,
    );
    d.line((X_LABEL, hy + 8.0), (X_EST, hy + 8.0), INK, 1.0, "");

    // Grid at the ticks and the line of no effect.
    let ticks = log_ticks(lo, hi);
    for t in &ticks {
        if (*t - 1.0).abs() > 1e-12 {
            d.line((x(*t), TOP), (x(*t), axis_y), GRID, 1.0, "");
        }
    }
    d.line((x(1.0), TOP - 4.0), (x(1.0), axis_y), INK, 1.5, "");

    // Square size by precision.
    let prec: Vec<f64> = f
        .items
        .iter()
        .filter_map(|i| match i {
            ForestItem::Row(r) if r.upper > r.lower && r.lower > 0.0 => {
                let se = (r.upper.ln() - r.lower.ln()) / (2.0 * 1.959_963_984_540_054);
                Some(1.0 / (se * se))
            }
            _ => None,
        })
        .collect();
    let pmax = prec.iter().cloned().fold(0.0, f64::max);

    let mut y = TOP + ROW / 2.0;
    for it in &f.items {
        match it {
            ForestItem::Header(h) => {
                d.text((X_LABEL, y + 5.0), "start", FS, INK, h, r#"font-weight="bold""#);
            }
            ForestItem::Row(r) => {
                let lx = X_LABEL + if r.indent { 18.0 } else { 0.0 };
                let weight = if r.bold { r#"font-weight="bold""# } else { "" };
                // Keep labels inside their column.
                let room = X_N - 40.0 - lx;
                let fit = |s: &str, size: f64| -> String {
                    if text_width(s, size) <= room {
                        return s.to_string();
                    }
                    let keep = (room / (size * 0.6)) as usize;
                    let mut t: String = s.chars().take(keep.saturating_sub(1)).collect();
                    t.push('…');
                    t
                };
                if r.detail.is_empty() {
                    d.text((lx, y + 5.0), "start", FS, INK, &fit(&r.label, FS), weight);
                } else {
                    d.text((lx, y), "start", FS, INK, &fit(&r.label, FS), weight);
                    d.text(
                        (lx, y + 14.0),
                        "start",
                        FS_SMALL,
                        "#555555",
                        &fit(&r.detail, FS_SMALL),
                        "",
                    );
                }
                d.text((X_N, y + 5.0), "middle", FS, INK, &r.n, "");
                // Interval, clipped with arrows.
                let (cl, ch) = (r.lower.max(lo), r.upper.min(hi));
                let colour = PALETTE[0];
                d.line((x(cl), y), (x(ch), y), colour, 2.0, "");
                let mut arrows = String::new();
                if r.lower < lo {
                    let _ = write!(
                        arrows,
                        r#"<path d="M{} {} l8 -5 v10 z" fill="{colour}"/>"#,
                        c(x(lo)),
                        c(y)
                    );
                }
                if r.upper > hi {
                    let _ = write!(
                        arrows,
                        r#"<path d="M{} {} l-8 -5 v10 z" fill="{colour}"/>"#,
                        c(x(hi)),
                        c(y)
                    );
                }
                if !arrows.is_empty() {
                    d.raw(&arrows);
                }
                if r.estimate >= lo && r.estimate <= hi {
                    let p = if r.upper > r.lower && r.lower > 0.0 {
                        let se = (r.upper.ln() - r.lower.ln()) / (2.0 * 1.959_963_984_540_054);
                        1.0 / (se * se)
                    } else {
                        pmax
                    };
                    let s = 7.0 + 9.0 * (p / pmax.max(1e-12)).sqrt();
                    d.raw(&format!(
                        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                        c(x(r.estimate) - s / 2.0),
                        c(y - s / 2.0),
                        c(s),
                        c(s),
                        if r.bold { INK } else { colour }
                    ));
                }
                d.text(
                    (X_EST, y + 5.0),
                    "end",
                    FS,
                    INK,
                    &format!(
                        "{}{}",
                        r.text.clone().unwrap_or_else(|| est_text(r.estimate, r.lower, r.upper)),
                        r.mark
                    ),
                    weight,
                );
            }
        }
        y += ROW;
    }

    // Axis.
    d.line((X_PLOT0, axis_y), (X_PLOT1, axis_y), INK, 1.0, "");
    for t in &ticks {
        d.line((x(*t), axis_y), (x(*t), axis_y + 6.0), INK, 1.0, "");
        d.text((x(*t), axis_y + 22.0), "middle", FS_SMALL + 1.0, INK, &fmt_num(*t), "");
    }
    let cap_y = axis_y + 46.0;
    d.text(
        (x(1.0) - 8.0, cap_y),
        "end",
        FS_SMALL + 1.0,
        INK,
        &format!("← {}", f.favours_left),
        "",
    );
    d.text(
        (x(1.0) + 8.0, cap_y),
        "start",
        FS_SMALL + 1.0,
        INK,
        &format!("{} →", f.favours_right),
        "",
    );

    // Footnotes.
    let mut fy = foot_y;
    for line in &f.footnotes {
        d.text((X_LABEL, fy), "start", FS_SMALL, "#444444", line, "");
        fy += 18.0;
    }
    d.finish(&f.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, e: f64, lo: f64, hi: f64) -> ForestItem {
        ForestItem::Row(ForestRow {
            label: label.into(),
            detail: "PFS".into(),
            indent: false,
            n: "207 / 203".into(),
            estimate: e,
            lower: lo,
            upper: hi,
            text: None,
            mark: String::new(),
            bold: true,
        })
    }

    fn plot(items: Vec<ForestItem>) -> Forest {
        Forest {
            title: "Everolimus: hazard ratios".into(),
            subtitle: "PFS".into(),
            measure: "HR".into(),
            favours_left: "Favours everolimus".into(),
            favours_right: "Favours control".into(),
            items,
            footnotes: vec!["Source: Yao, NEJM 2011 & Lancet 2016".into()],
        }
    }

    /// The x position of the square's centre and of the line at 1 on a log axis.
    fn attr(svg: &str, tag: &str, name: &str) -> Vec<f64> {
        svg.lines()
            .filter(|l| l.contains(tag))
            .filter_map(|l| {
                let k = format!("{name}=\"");
                let i = l.find(&k)? + k.len();
                l[i..].split('"').next()?.parse().ok()
            })
            .collect()
    }

    #[test]
    fn log_scale_places_reciprocal_estimates_symmetrically_about_one() {
        let svg = forest_svg(&plot(vec![row("A", 0.5, 0.4, 0.625), row("B", 2.0, 1.6, 2.5)]));
        // Range snaps to [0.2, 5] (data 0.4–2.5, 1 included), so 1 sits in the middle.
        let rect_x = attr(&svg, "<rect x", "x");
        let w = attr(&svg, "<rect x", "width");
        let centre: Vec<f64> = rect_x.iter().zip(&w).map(|(x, w)| x + w / 2.0).collect();
        let one = X_PLOT0 + (X_PLOT1 - X_PLOT0) / 2.0;
        assert!(
            (centre[0] + centre[1] - 2.0 * one).abs() < 0.02,
            "{centre:?} about {one}"
        );
        assert!(svg.contains("0.50 (0.40–0.6") && svg.contains("2.00 (1.60–2.50)"));
        // Equal precision → equal squares.
        assert!((w[0] - w[1]).abs() < 1e-9);
    }

    #[test]
    fn has_the_columns_a_reader_needs() {
        let svg = forest_svg(&plot(vec![
            ForestItem::Header("RADIANT-4".into()),
            row("Whole trial", 0.48, 0.35, 0.67),
        ]));
        for s in [
            "Trial / analysis",
            ">N<",
            "HR (log scale)",
            "HR (95% CI)",
            "← Favours everolimus",
            "Favours control →",
            "0.48 (0.35–0.67)",
            "207 / 203",
            "Source: Yao, NEJM 2011 &amp; Lancet 2016",
        ] {
            assert!(svg.contains(s), "missing {s}");
        }
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn intervals_beyond_the_axis_end_in_arrows() {
        let svg = forest_svg(&plot(vec![row("wide", 0.6, 0.01, 40.0), row("narrow", 0.5, 0.4, 0.6)]));
        assert_eq!(svg.matches("<path").count(), 2);
        assert_eq!(
            log_ticks(0.05, 20.0),
            vec![0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0]
        );
    }
}
