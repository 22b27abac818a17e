//! Concentration–time curve of everolimus with the target trough band
//! (`netrx pk simulate --svg`, `netrx pk tdm --svg`). Hand-written SVG, no fonts or
//! dependencies; pure function of its inputs.

use std::fmt::Write;

/// What to draw.
#[derive(Debug, Clone)]
pub struct PkChart<'a> {
    pub title: &'a str,
    /// Hours.
    pub times_h: &'a [f64],
    /// ng/mL.
    pub conc_ng_ml: &'a [f64],
    /// Target trough window [low, high], ng/mL, drawn as a band.
    pub target: Option<[f64; 2]>,
    /// Label of the band (e.g. "target 10–20 ng/mL (not label-endorsed for NET)").
    pub target_label: &'a str,
    /// Measured concentrations (hours, ng/mL), drawn as points.
    pub observed: &'a [(f64, f64)],
    /// Y-axis label, e.g. "whole-blood everolimus (ng/mL)".
    pub y_label: &'a str,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A "nice" step for about `n` ticks over `span`.
fn nice_step(span: f64, n: f64) -> f64 {
    if !(span > 0.0 && span.is_finite()) {
        return 1.0;
    }
    let raw = span / n;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let k = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    k * p
}

fn fmt_num(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Render the chart as a standalone SVG document (width 800, height 450).
pub fn concentration_svg(c: &PkChart) -> String {
    let (w, h) = (800.0, 450.0);
    let (ml, mr, mt, mb) = (70.0, 20.0, 40.0, 55.0);
    let pw = w - ml - mr;
    let ph = h - mt - mb;
    let finite = |v: &f64| v.is_finite();
    let t_max = c.times_h.iter().copied().filter(finite).fold(0.0, f64::max).max(1.0);
    let mut y_max = c.conc_ng_ml.iter().copied().filter(finite).fold(0.0, f64::max);
    if let Some([_, hi]) = c.target {
        y_max = y_max.max(hi * 1.1);
    }
    for (_, y) in c.observed {
        y_max = y_max.max(*y);
    }
    let y_step = nice_step(y_max.max(1e-9), 6.0);
    let y_top = (y_max / y_step).ceil().max(1.0) * y_step;
    let x_step = if t_max > 72.0 {
        nice_step(t_max / 24.0, 8.0).max(1.0) * 24.0
    } else {
        nice_step(t_max, 8.0)
    };
    let x = |t: f64| ml + pw * t / t_max;
    let y = |v: f64| mt + ph * (1.0 - v / y_top);
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">
<title>{}</title>
<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>
<text x="{}" y="22" font-size="15" font-weight="bold">{}</text>
"##,
        esc(c.title),
        ml,
        esc(c.title)
    );
    if let Some([lo, hi]) = c.target {
        let _ = write!(
            s,
            r##"<rect class="target-band" x="{ml}" y="{:.2}" width="{pw}" height="{:.2}" fill="#4caf50" fill-opacity="0.15" stroke="#4caf50" stroke-dasharray="4 3"/>
<text x="{:.2}" y="{:.2}" fill="#2e7d32" text-anchor="end">{}</text>
"##,
            y(hi),
            (y(lo) - y(hi)).max(0.0),
            ml + pw - 4.0,
            y(hi) - 4.0,
            esc(c.target_label)
        );
    }
    // Axes and ticks.
    let _ = writeln!(
        s,
        r##"<g stroke="#444"><line x1="{ml}" y1="{}" x2="{}" y2="{}"/><line x1="{ml}" y1="{mt}" x2="{ml}" y2="{}"/></g>"##,
        mt + ph,
        ml + pw,
        mt + ph,
        mt + ph
    );
    let mut v = 0.0;
    while v <= y_top + 1e-9 {
        let _ = writeln!(
            s,
            r##"<line x1="{}" y1="{:.2}" x2="{ml}" y2="{:.2}" stroke="#444"/><text x="{}" y="{:.2}" text-anchor="end">{}</text>"##,
            ml - 5.0,
            y(v),
            y(v),
            ml - 8.0,
            y(v) + 4.0,
            fmt_num(v)
        );
        v += y_step;
    }
    let mut t = 0.0;
    while t <= t_max + 1e-9 {
        let _ = writeln!(
            s,
            r##"<line x1="{:.2}" y1="{}" x2="{:.2}" y2="{}" stroke="#444"/><text x="{:.2}" y="{}" text-anchor="middle">{}</text>"##,
            x(t),
            mt + ph,
            x(t),
            mt + ph + 5.0,
            x(t),
            mt + ph + 19.0,
            fmt_num(t)
        );
        t += x_step;
    }
    let _ = writeln!(
        s,
        r##"<text x="{:.2}" y="{}" text-anchor="middle">time (h)</text><text transform="translate(18 {:.2}) rotate(-90)" text-anchor="middle">{}</text>"##,
        ml + pw / 2.0,
        h - 12.0,
        mt + ph / 2.0,
        esc(c.y_label)
    );
    // The curve.
    let mut d = String::new();
    for (i, (t, v)) in c.times_h.iter().zip(c.conc_ng_ml).enumerate() {
        if !(t.is_finite() && v.is_finite()) {
            continue;
        }
        let _ = write!(d, "{}{:.2},{:.2}", if i == 0 { "M" } else { " L" }, x(*t), y(*v));
    }
    let _ = writeln!(
        s,
        r##"<path class="concentration" d="{d}" fill="none" stroke="#1565c0" stroke-width="1.8"/>"##
    );
    for (t, v) in c.observed {
        let _ = writeln!(
            s,
            r##"<circle class="observed" cx="{:.2}" cy="{:.2}" r="4" fill="#c62828"><title>{} ng/mL at {} h</title></circle>"##,
            x(*t),
            y(*v),
            fmt_num(*v),
            fmt_num(*t)
        );
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_curve_band_and_points() {
        let t: Vec<f64> = (0..=48).map(|i| i as f64).collect();
        let c: Vec<f64> = t.iter().map(|t| 20.0 * (-t / 10.0f64).exp()).collect();
        let svg = concentration_svg(&PkChart {
            title: "test <curve>",
            times_h: &t,
            conc_ng_ml: &c,
            target: Some([10.0, 20.0]),
            target_label: "target 10-20",
            observed: &[(24.0, 3.0)],
            y_label: "ng/mL",
        });
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("class=\"target-band\""));
        assert!(svg.contains("class=\"observed\""));
        assert!(svg.contains("test &lt;curve&gt;"));
        assert_eq!(svg.matches(" L").count(), 48);
    }
}
