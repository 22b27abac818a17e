//! Kaplan–Meier chart as journals print it: one step curve per group with its pointwise
//! confidence band (shaded), censoring ticks, axis labels, a legend, an optional annotation
//! (e.g. the log-rank p-value), and a numbers-at-risk table under the x axis whose columns sit
//! under the x ticks. Pure function of its inputs: returns an SVG string.

use crate::svg::{Doc, GRID, INK, PALETTE, Scale, c, escape, fmt_num, nice_ticks, text_width};
use std::fmt::Write;

/// One curve, in the shape of a fitted KM curve (one entry per distinct time).
#[derive(Debug, Clone)]
pub struct KmSeries<'a> {
    /// Legend label (e.g. `sex=1`).
    pub label: &'a str,
    /// Distinct times, ascending.
    pub time: &'a [f64],
    /// Number at risk just before each time.
    pub n_risk: &'a [u64],
    /// Censorings at each time (a tick is drawn where > 0).
    pub n_censor: &'a [u64],
    /// S(t).
    pub surv: &'a [f64],
    /// Lower pointwise limit (NaN = none).
    pub lower: &'a [f64],
    /// Upper pointwise limit (NaN = none).
    pub upper: &'a [f64],
}

impl KmSeries<'_> {
    /// Number at risk at time t: those with a time ≥ t.
    fn at_risk(&self, t: f64) -> u64 {
        let k = self.time.partition_point(|&x| x < t);
        self.n_risk.get(k).copied().unwrap_or(0)
    }
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct KmPlot<'a> {
    /// Title above the chart (optional).
    pub title: Option<&'a str>,
    /// X axis label (e.g. "Time (days)").
    pub x_label: &'a str,
    /// Y axis label (e.g. "Survival probability").
    pub y_label: &'a str,
    /// The curves.
    pub series: Vec<KmSeries<'a>>,
    /// Shade the pointwise confidence bands.
    pub conf_band: bool,
    /// Text for the band in the caption, e.g. "95% CI (log)".
    pub band_label: &'a str,
    /// An annotation in the plot area (e.g. "Log-rank p = 0.0013").
    pub annotation: Option<&'a str>,
    /// Cut the x axis at this time (default: the last time).
    pub x_max: Option<f64>,
}

const W: f64 = 760.0;
const LEFT: f64 = 140.0; // room for the y label and the risk-table labels
const RIGHT: f64 = 30.0;
const PLOT_H: f64 = 360.0;
const ROW_H: f64 = 20.0;

/// Step path through (t, S) starting at (0, 1); NaN values break the path.
fn step_path(xs: &Scale, ys: &Scale, time: &[f64], vals: &[f64], x_max: f64) -> String {
    let mut d = String::new();
    let mut prev: Option<f64> = Some(1.0);
    let _ = write!(d, "M{},{}", c(xs.map(0.0)), c(ys.map(1.0)));
    for (&t, &v) in time.iter().zip(vals) {
        if t > x_max {
            break;
        }
        match (prev, v.is_nan()) {
            (Some(p), false) => {
                let _ = write!(d, "H{}", c(xs.map(t)));
                if v != p {
                    let _ = write!(d, "V{}", c(ys.map(v)));
                }
            }
            (Some(_), true) => {
                let _ = write!(d, "H{}", c(xs.map(t)));
            }
            (None, false) => {
                let _ = write!(d, "M{},{}", c(xs.map(t)), c(ys.map(v)));
            }
            (None, true) => {}
        }
        prev = if v.is_nan() { None } else { Some(v) };
    }
    if prev.is_some() {
        let _ = write!(d, "H{}", c(xs.map(x_max.min(*time.last().unwrap_or(&0.0)))));
    }
    d
}

/// Closed polygons of the band between the lower and upper step functions, one per run of
/// defined limits.
fn band_paths(xs: &Scale, ys: &Scale, s: &KmSeries, x_max: f64) -> Vec<String> {
    // segments [t_k, t_{k+1}) with limits (lo_k, hi_k); before the first time the band is [1, 1]
    let mut runs: Vec<Vec<(f64, f64, f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64, f64, f64)> = Vec::new();
    let last_t = s.time.last().copied().unwrap_or(0.0).min(x_max);
    for k in 0..s.time.len() {
        let t0 = s.time[k];
        if t0 > x_max {
            break;
        }
        let t1 = s.time.get(k + 1).copied().unwrap_or(last_t).min(x_max);
        let (lo, hi) = (s.lower[k], s.upper[k]);
        if lo.is_nan() || hi.is_nan() {
            if !cur.is_empty() {
                runs.push(std::mem::take(&mut cur));
            }
            continue;
        }
        cur.push((t0, t1, lo, hi));
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs.iter()
        .map(|run| {
            let mut d = String::new();
            let (t0, _, _, h0) = run[0];
            let _ = write!(d, "M{},{}", c(xs.map(t0)), c(ys.map(h0)));
            for &(a, b, _, h) in run {
                let _ = write!(
                    d,
                    "L{},{}L{},{}",
                    c(xs.map(a)),
                    c(ys.map(h)),
                    c(xs.map(b)),
                    c(ys.map(h))
                );
            }
            for &(a, b, l, _) in run.iter().rev() {
                let _ = write!(
                    d,
                    "L{},{}L{},{}",
                    c(xs.map(b)),
                    c(ys.map(l)),
                    c(xs.map(a)),
                    c(ys.map(l))
                );
            }
            d.push('Z');
            d
        })
        .collect()
}

/// Render the chart.
pub fn km_svg(p: &KmPlot) -> String {
    let ng = p.series.len();
    let top = if p.title.is_some() { 46.0 } else { 20.0 };
    let table_top = top + PLOT_H + 58.0;
    let height = table_top + 26.0 + ROW_H * ng as f64 + 16.0;
    let last = p
        .series
        .iter()
        .filter_map(|s| s.time.last().copied())
        .fold(0.0f64, f64::max);
    let x_end = p.x_max.unwrap_or(last).max(f64::MIN_POSITIVE);
    let ticks: Vec<f64> = {
        let t = nice_ticks(0.0, x_end, 6);
        // keep ticks within the axis; the axis ends at the last tick ≥ x_end only if close
        let mut t: Vec<f64> = t.into_iter().filter(|&v| v <= x_end * 1.0001).collect();
        if t.len() < 2 {
            t = vec![0.0, x_end];
        }
        t
    };
    let axis_max = x_end.max(*ticks.last().unwrap_or(&x_end));
    let xs = Scale {
        d0: 0.0,
        d1: axis_max,
        r0: LEFT,
        r1: W - RIGHT,
    };
    let ys = Scale {
        d0: 0.0,
        d1: 1.0,
        r0: top + PLOT_H,
        r1: top,
    };
    let mut doc = Doc::new(W, height);
    if let Some(t) = p.title {
        doc.text((W / 2.0, 28.0), "middle", 16.0, INK, t, r#"font-weight="bold""#);
    }
    // grid and y axis
    for k in 0..=4 {
        let v = k as f64 * 0.25;
        let y = ys.map(v);
        if k > 0 {
            doc.line((xs.r0, y), (xs.r1, y), GRID, 1.0, "");
        }
        doc.line((xs.r0 - 5.0, y), (xs.r0, y), INK, 1.0, "");
        doc.text((xs.r0 - 8.0, y + 4.0), "end", 12.0, INK, &format!("{v:.2}"), "");
    }
    doc.line((xs.r0, ys.r0), (xs.r0, ys.r1), INK, 1.2, "");
    let ymid = (ys.r0 + ys.r1) / 2.0;
    doc.text(
        (LEFT - 48.0, ymid),
        "middle",
        13.0,
        INK,
        p.y_label,
        &format!(r#"transform="rotate(-90 {} {})""#, c(LEFT - 48.0), c(ymid)),
    );
    // x axis
    doc.line((xs.r0, ys.r0), (xs.r1, ys.r0), INK, 1.2, "");
    for &t in &ticks {
        let x = xs.map(t);
        doc.line((x, ys.r0), (x, ys.r0 + 5.0), INK, 1.0, "");
        doc.text((x, ys.r0 + 19.0), "middle", 12.0, INK, &fmt_num(t), "");
    }
    doc.text(
        ((xs.r0 + xs.r1) / 2.0, ys.r0 + 40.0),
        "middle",
        13.0,
        INK,
        p.x_label,
        "",
    );

    // bands, then curves, then censoring ticks
    let colour = |i: usize| PALETTE[i % PALETTE.len()];
    if p.conf_band {
        for (i, s) in p.series.iter().enumerate() {
            for d in band_paths(&xs, &ys, s, x_end) {
                doc.raw(&format!(
                    r#"<path d="{d}" fill="{}" fill-opacity="0.15" stroke="none" class="ci-band"/>"#,
                    colour(i)
                ));
            }
        }
    }
    for (i, s) in p.series.iter().enumerate() {
        let d = step_path(&xs, &ys, s.time, s.surv, x_end);
        doc.raw(&format!(
            r#"<path d="{d}" fill="none" stroke="{}" stroke-width="2" class="km-curve"><title>{}</title></path>"#,
            colour(i),
            escape(s.label)
        ));
        let mut ticks_d = String::new();
        for k in 0..s.time.len() {
            if s.n_censor[k] > 0 && s.time[k] <= x_end && !s.surv[k].is_nan() {
                let (x, y) = (xs.map(s.time[k]), ys.map(s.surv[k]));
                let _ = write!(ticks_d, "M{},{}V{}", c(x), c(y - 5.0), c(y + 5.0));
            }
        }
        if !ticks_d.is_empty() {
            doc.raw(&format!(
                r#"<path d="{ticks_d}" stroke="{}" stroke-width="1.3" class="censor"/>"#,
                colour(i)
            ));
        }
    }

    // legend (top right, inside the plot area)
    let lw = p
        .series
        .iter()
        .map(|s| text_width(s.label, 12.0))
        .fold(text_width(&format!("shaded: {}", p.band_label), 11.0), f64::max)
        + 44.0;
    let lx = xs.r1 - lw - 6.0;
    let mut ly = ys.r1 + 8.0;
    let lh = 18.0 * ng as f64 + if p.conf_band { 34.0 } else { 20.0 } + 6.0;
    doc.raw(&format!(
        r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#FFFFFF" fill-opacity="0.85" stroke="{GRID}" class="legend"/>"##,
        c(lx),
        c(ly),
        c(lw),
        c(lh)
    ));
    ly += 16.0;
    for (i, s) in p.series.iter().enumerate() {
        doc.line((lx + 8.0, ly - 4.0), (lx + 30.0, ly - 4.0), colour(i), 2.0, "");
        doc.text((lx + 36.0, ly), "start", 12.0, INK, s.label, "");
        ly += 18.0;
    }
    if p.conf_band {
        doc.text(
            (lx + 8.0, ly),
            "start",
            11.0,
            "#555555",
            &format!("shaded: {}", p.band_label),
            "",
        );
        ly += 16.0;
    }
    doc.text((lx + 8.0, ly), "start", 11.0, "#555555", "| censored", "");
    if let Some(a) = p.annotation {
        doc.text((xs.r0 + 10.0, ys.r0 - 12.0), "start", 12.0, INK, a, "");
    }

    // numbers at risk, aligned with the x ticks
    doc.text(
        (8.0, table_top),
        "start",
        12.0,
        INK,
        "No. at risk",
        r#"font-weight="bold""#,
    );
    for (i, s) in p.series.iter().enumerate() {
        let y = table_top + 22.0 + ROW_H * i as f64;
        let label = if text_width(s.label, 12.0) > LEFT - 20.0 {
            let keep = ((LEFT - 20.0) / (12.0 * 0.56)) as usize;
            format!("{}…", s.label.chars().take(keep.saturating_sub(1)).collect::<String>())
        } else {
            s.label.to_string()
        };
        doc.text((8.0, y), "start", 12.0, colour(i), &label, "");
        for &t in &ticks {
            doc.text(
                (xs.map(t), y),
                "middle",
                12.0,
                INK,
                &s.at_risk(t).to_string(),
                r#"class="at-risk""#,
            );
        }
    }
    doc.finish(p.title.unwrap_or("Kaplan–Meier estimate"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series<'a>(label: &'a str, time: &'a [f64], surv: &'a [f64]) -> KmSeries<'a> {
        KmSeries {
            label,
            time,
            n_risk: &[4, 3, 2, 1],
            n_censor: &[0, 1, 0, 1],
            surv,
            lower: &[0.4, 0.4, f64::NAN, f64::NAN],
            upper: &[1.0, 1.0, f64::NAN, f64::NAN],
        }
    }

    #[test]
    fn draws_curves_ticks_legend_and_risk_table() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let s = [0.75, 0.75, 0.375, 0.375];
        let p = KmPlot {
            title: Some("A & B"),
            x_label: "Time (days)",
            y_label: "Survival probability",
            series: vec![series("arm=<A>", &t, &s), series("arm=B", &t, &s)],
            conf_band: true,
            band_label: "95% CI (log)",
            annotation: Some("Log-rank p = 0.5"),
            x_max: None,
        };
        let svg = km_svg(&p);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("class=\"km-curve\"").count(), 2);
        assert_eq!(svg.matches("class=\"censor\"").count(), 2);
        assert!(svg.contains("A &amp; B") && svg.contains("arm=&lt;A&gt;"));
        assert!(svg.contains("No. at risk"));
        // at-risk numbers at ticks 0, 0.5, …, 4 for each group: 4 at 0, 0 never (last tick = 4 → 1)
        assert!(svg.matches("class=\"at-risk\"").count() >= 2 * 5);
        assert!(svg.contains("class=\"ci-band\""));
        // step: horizontal then vertical moves only
        let d = svg.split("class=\"km-curve\"").next().unwrap();
        assert!(d.contains('H') && d.contains('V'));
    }

    #[test]
    fn at_risk_counts_those_with_time_at_or_after() {
        let t = [1.0, 2.0, 3.0, 4.0];
        let s = [0.75, 0.75, 0.375, 0.375];
        let k = series("x", &t, &s);
        assert_eq!(
            (k.at_risk(0.0), k.at_risk(2.0), k.at_risk(2.5), k.at_risk(5.0)),
            (4, 3, 2, 0)
        );
    }
}
