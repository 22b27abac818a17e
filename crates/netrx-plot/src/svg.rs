//! Small shared helpers for hand-written SVG charts: text escaping, number formatting,
//! "nice" axis ticks, linear scales, a colour-blind-safe palette and a tiny document builder.
//! Deterministic output (fixed decimals), no fonts or system libraries.

use std::fmt::Write;

/// Okabe–Ito colour-blind-safe palette (black omitted), in the order series are coloured.
pub const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#7F7F00",
];

/// Ink for axes and text.
pub const INK: &str = "#222222";
/// Light grey for grid lines.
pub const GRID: &str = "#E5E5E5";
/// Font stack used by every chart.
pub const FONT: &str = "Helvetica, Arial, 'Liberation Sans', sans-serif";

/// Escape text for SVG/XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A tick label: integers without decimals, otherwise up to 3 significant decimals, no trailing zeros.
pub fn fmt_num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e12 {
        return format!("{}", v as i64);
    }
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A coordinate with 2 decimals (stable, compact output).
pub fn c(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// "Nice" ticks (steps of 1, 2 or 5 × 10^k) covering [lo, hi] with about `target` intervals.
/// The first tick is ≤ lo and the last ≥ hi.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).floor() * step;
    let mut ticks = Vec::new();
    let mut k = 0;
    loop {
        let t = start + k as f64 * step;
        // clean floating noise (0.30000000000000004)
        let t = (t / step).round() * step;
        ticks.push(t);
        if t >= hi - 1e-9 * step || k > 1000 {
            break;
        }
        k += 1;
    }
    ticks
}

/// A linear map from a data interval to a pixel interval.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Data start.
    pub d0: f64,
    /// Data end.
    pub d1: f64,
    /// Pixel start.
    pub r0: f64,
    /// Pixel end.
    pub r1: f64,
}

impl Scale {
    /// Map a data value to pixels.
    pub fn map(&self, v: f64) -> f64 {
        if self.d1 == self.d0 {
            return self.r0;
        }
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Rough width of a string in pixels at a font size (sans-serif average ≈ 0.6 em per character).
pub fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.6
}

/// A minimal SVG document builder.
#[derive(Debug, Default)]
pub struct Doc {
    body: String,
    width: f64,
    height: f64,
}

impl Doc {
    /// A new document of the given size (pixels).
    pub fn new(width: f64, height: f64) -> Self {
        Doc {
            body: String::new(),
            width,
            height,
        }
    }

    /// Append raw SVG.
    pub fn raw(&mut self, s: &str) {
        self.body.push_str(s);
        self.body.push('\n');
    }

    /// A line.
    pub fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64, extra: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"{}{extra}/>"#,
            c(x1),
            c(y1),
            c(x2),
            c(y2),
            c(width),
            if extra.is_empty() { "" } else { " " }
        );
    }

    /// Text; `anchor` is start, middle or end; the content is escaped here.
    pub fn text(&mut self, (x, y): (f64, f64), anchor: &str, size: f64, fill: &str, content: &str, extra: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" text-anchor="{anchor}" font-size="{}" fill="{fill}"{}{extra}>{}</text>"#,
            c(x),
            c(y),
            c(size),
            if extra.is_empty() { "" } else { " " },
            escape(content)
        );
    }

    /// The finished document.
    pub fn finish(self, title: &str) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" role=\"img\">\n<title>{t}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n{b}</svg>\n",
            w = c(self.width),
            h = c(self.height),
            t = escape(title),
            b = self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice_and_cover() {
        assert_eq!(
            nice_ticks(0.0, 1022.0, 5),
            vec![0.0, 250.0, 500.0, 750.0, 1000.0, 1250.0]
        );
        assert_eq!(nice_ticks(0.0, 1.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(0.0, 60.0, 6), vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
    }

    #[test]
    fn escapes_and_formats() {
        assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(fmt_num(250.0), "250");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(c(-0.001), "0");
    }
}
