//! Treatment-sequence simulation charts (`netrx simulate --svg`): modelled survival curves
//! (OS and total PFS across lines) per sequence, mean outcomes with PSA intervals, and a
//! dashboard that stacks panels under the "modelling, not evidence" banner. Pure functions
//! from plain data to SVG strings.

use crate::svg::{Doc, GRID, INK, PALETTE, Scale, c, escape, fmt_num, nice_ticks};
use std::fmt::Write;

/// One sequence's modelled curves: survival at 0, step, 2·step, … months.
#[derive(Debug, Clone)]
pub struct CurveSeries<'a> {
    pub label: &'a str,
    pub step_months: f64,
    pub os: &'a [f64],
    pub total_pfs: &'a [f64],
}

/// Modelled OS (solid) and total PFS across lines (dashed) per sequence.
pub fn curves_svg(title: &str, series: &[CurveSeries], horizon_months: f64) -> String {
    let (w, h) = (820.0, 420.0);
    let (ml, mr, mt, mb) = (64.0, 24.0, 44.0, 96.0);
    let mut d = Doc::new(w, h);
    d.text((ml, 26.0), "start", 15.0, INK, title, "font-weight=\"bold\"");
    let xs = Scale {
        d0: 0.0,
        d1: horizon_months.max(1.0),
        r0: ml,
        r1: w - mr,
    };
    let ys = Scale {
        d0: 0.0,
        d1: 1.0,
        r0: h - mb,
        r1: mt,
    };
    for t in nice_ticks(0.0, horizon_months.max(1.0), 8) {
        if t > horizon_months + 1e-9 {
            break;
        }
        let x = xs.map(t);
        d.line((x, mt), (x, h - mb), GRID, 1.0, "");
        d.text((x, h - mb + 16.0), "middle", 11.0, INK, &fmt_num(t), "");
    }
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        let y = ys.map(v);
        d.line((ml, y), (w - mr, y), GRID, 1.0, "");
        d.text(
            (ml - 6.0, y + 4.0),
            "end",
            11.0,
            INK,
            &format!("{}%", (v * 100.0) as i64),
            "",
        );
    }
    d.line((ml, h - mb), (w - mr, h - mb), INK, 1.0, "");
    d.line((ml, mt), (ml, h - mb), INK, 1.0, "");
    d.text(
        ((ml + w - mr) / 2.0, h - mb + 34.0),
        "middle",
        12.0,
        INK,
        "months from the start of the first line",
        "",
    );
    d.text(
        (16.0, (mt + h - mb) / 2.0),
        "middle",
        12.0,
        INK,
        "proportion of virtual patients",
        &format!("transform=\"rotate(-90 16 {})\"", c((mt + h - mb) / 2.0)),
    );
    let path = |ys_: &[f64], step: f64| {
        let mut p = String::new();
        let mut prev: Option<f64> = None;
        for (i, v) in ys_.iter().enumerate() {
            let t = i as f64 * step;
            if t > horizon_months + 1e-9 || !v.is_finite() {
                break;
            }
            let (x, y) = (xs.map(t), ys.map(*v));
            match prev {
                None => {
                    let _ = write!(p, "M{},{}", c(x), c(y));
                }
                Some(py) => {
                    // step function: horizontal then vertical
                    let _ = write!(p, " L{},{} L{},{}", c(x), c(py), c(x), c(y));
                }
            }
            prev = Some(y);
        }
        p
    };
    for (i, s) in series.iter().enumerate() {
        let col = PALETTE[i % PALETTE.len()];
        d.raw(&format!(
            r#"<path class="os" d="{}" fill="none" stroke="{col}" stroke-width="2"><title>{} — OS</title></path>"#,
            path(s.os, s.step_months),
            escape(s.label)
        ));
        d.raw(&format!(
            r#"<path class="total-pfs" d="{}" fill="none" stroke="{col}" stroke-width="2" stroke-dasharray="6 4"><title>{} — total PFS across lines</title></path>"#,
            path(s.total_pfs, s.step_months),
            escape(s.label)
        ));
        let y = h - mb + 54.0 + i as f64 * 16.0;
        d.line((ml, y - 4.0), (ml + 26.0, y - 4.0), col, 2.0, "");
        d.text((ml + 32.0, y), "start", 11.0, INK, s.label, "");
    }
    let y = h - mb + 54.0 + series.len() as f64 * 16.0;
    d.text(
        (ml, y),
        "start",
        11.0,
        "#555555",
        "solid: overall survival · dashed: total PFS across lines (to the last progression or death)",
        "",
    );
    d.finish(title)
}

/// One bar: a mean with an optional PSA interval.
#[derive(Debug, Clone)]
pub struct BarItem<'a> {
    pub label: &'a str,
    pub mean: f64,
    pub interval: Option<(f64, f64)>,
}

/// Horizontal bars of one outcome per sequence, with PSA intervals as whiskers.
pub fn outcome_bars_svg(title: &str, unit: &str, items: &[BarItem]) -> String {
    let row = 30.0;
    let (w, ml, mr, mt) = (820.0, 260.0, 40.0, 44.0);
    let h = mt + row * items.len() as f64 + 50.0;
    let mut d = Doc::new(w, h);
    d.text((16.0, 26.0), "start", 15.0, INK, title, "font-weight=\"bold\"");
    let hi = items
        .iter()
        .map(|b| b.interval.map(|i| i.1).unwrap_or(b.mean).max(b.mean))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let lo = items
        .iter()
        .map(|b| b.interval.map(|i| i.0).unwrap_or(b.mean).min(b.mean))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::min);
    let ticks = nice_ticks(lo, if hi > lo { hi } else { lo + 1.0 }, 6);
    let xs = Scale {
        d0: ticks[0],
        d1: *ticks.last().unwrap_or(&1.0),
        r0: ml,
        r1: w - mr,
    };
    let bottom = mt + row * items.len() as f64;
    for t in &ticks {
        let x = xs.map(*t);
        d.line((x, mt - 4.0), (x, bottom), GRID, 1.0, "");
        d.text((x, bottom + 16.0), "middle", 11.0, INK, &fmt_num(*t), "");
    }
    d.text(((ml + w - mr) / 2.0, bottom + 36.0), "middle", 12.0, INK, unit, "");
    let x0 = xs.map(0.0);
    for (i, b) in items.iter().enumerate() {
        let col = PALETTE[i % PALETTE.len()];
        let yc = mt + row * i as f64 + row / 2.0;
        d.text((ml - 8.0, yc + 4.0), "end", 12.0, INK, b.label, "");
        if b.mean.is_finite() {
            let xm = xs.map(b.mean);
            d.raw(&format!(
                r#"<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{col}" fill-opacity="0.75"><title>{}: {}</title></rect>"#,
                c(x0.min(xm)),
                c(yc - 9.0),
                c((xm - x0).abs()),
                c(18.0),
                escape(b.label),
                fmt_num((b.mean * 1000.0).round() / 1000.0)
            ));
        }
        if let Some((l, u)) = b.interval {
            let (xl, xu) = (xs.map(l), xs.map(u));
            d.line((xl, yc), (xu, yc), INK, 1.5, "class=\"psa-interval\"");
            d.line((xl, yc - 6.0), (xl, yc + 6.0), INK, 1.5, "");
            d.line((xu, yc - 6.0), (xu, yc + 6.0), INK, 1.5, "");
        }
    }
    d.line((x0, mt - 4.0), (x0, bottom), INK, 1.0, "");
    d.finish(title)
}

/// Stack panels (complete SVG documents) vertically under a title and a banner.
pub fn dashboard_svg(title: &str, banner: &str, panels: &[String]) -> String {
    let w = 820.0;
    let lines = wrap(banner, 118);
    let box_h = 10.0 + 15.0 * lines.len() as f64;
    let head = 48.0 + box_h + 8.0;
    let heights: Vec<f64> = panels.iter().map(|p| attr(p, "height").unwrap_or(400.0)).collect();
    let h = head + heights.iter().sum::<f64>() + 10.0;
    let mut d = Doc::new(w, h);
    d.text((16.0, 28.0), "start", 17.0, INK, title, "font-weight=\"bold\"");
    d.raw(&format!(
        r##"<rect class="banner" x="12" y="40" width="{}" height="{}" fill="#FFF4E5" stroke="#D55E00"/>"##,
        c(w - 24.0),
        c(box_h)
    ));
    for (i, l) in lines.iter().enumerate() {
        d.text(
            (20.0, 56.0 + 15.0 * i as f64),
            "start",
            11.5,
            "#8A3B00",
            l,
            "font-weight=\"bold\"",
        );
    }
    let mut y = head;
    for (p, ph) in panels.iter().zip(&heights) {
        let inner = p.replacen("<svg ", &format!("<svg x=\"0\" y=\"{}\" ", c(y)), 1);
        d.raw(inner.trim_end());
        y += ph;
    }
    d.finish(title)
}

fn attr(svg: &str, name: &str) -> Option<f64> {
    let head = &svg[..svg.find('>')?];
    let key = format!(" {name}=\"");
    let i = head.find(&key)? + key.len();
    let j = head[i..].find('"')? + i;
    head[i..j].parse().ok()
}

/// Greedy word wrap to lines of at most `max` characters.
fn wrap(s: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > max {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curves_bars_and_dashboard() {
        let os = [1.0, 0.9, 0.7, 0.4, 0.1];
        let pfs = [1.0, 0.6, 0.3, 0.1, 0.0];
        let svg = curves_svg(
            "Modelled <curves>",
            &[CurveSeries {
                label: "A → B",
                step_months: 12.0,
                os: &os,
                total_pfs: &pfs,
            }],
            48.0,
        );
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("class=\"os\"").count(), 1);
        assert_eq!(svg.matches("class=\"total-pfs\"").count(), 1);
        assert!(svg.contains("Modelled &lt;curves&gt;"));
        let bars = outcome_bars_svg(
            "QALYs",
            "QALYs",
            &[
                BarItem {
                    label: "A",
                    mean: 3.2,
                    interval: Some((2.9, 3.6)),
                },
                BarItem {
                    label: "B",
                    mean: 3.4,
                    interval: None,
                },
            ],
        );
        assert_eq!(bars.matches("class=\"bar\"").count(), 2);
        assert_eq!(bars.matches("class=\"psa-interval\"").count(), 1);
        let dash = dashboard_svg("T", "MODELLING, NOT EVIDENCE", &[svg, bars]);
        assert!(dash.contains("MODELLING, NOT EVIDENCE"));
        assert_eq!(dash.matches("<svg").count(), 3);
        assert!(dash.contains("<svg x=\"0\" y=\"81\""), "{}", &dash[..600]);
        assert_eq!(wrap("a bb ccc dddd", 6), vec!["a bb", "ccc", "dddd"]);
    }
}
