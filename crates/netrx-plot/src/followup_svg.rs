//! SVG building blocks of the follow-up charts (spider, waterfall, QoL
//! trajectories): a string builder with tooltips and dashes, linear scales, ticks
//! inside the data range, text wrapping and the palettes. Escaping, coordinate
//! formatting, ink and font come from the crate's shared `svg.rs`. No I/O.

use std::fmt::Write;

/// Okabe–Ito palette (colour-blind safe), without black.
pub const PALETTE: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
];
/// Series colours that avoid the green and vermillion used for response/progression lines.
pub const SERIES: [&str; 6] = ["#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#8C6D31", "#7F7F7F"];
pub const INK: &str = crate::svg::INK;
pub const GRID: &str = "#e3e3e3";
pub const MUTED: &str = "#777777";
pub const GOOD: &str = "#009E73";
pub const BAD: &str = "#D55E00";
pub const FONT: &str = crate::svg::FONT;

/// Escape text for XML content and attribute values (the shared helper of `svg.rs`).
pub fn esc(s: &str) -> String {
    crate::svg::escape(s)
}

/// A number for SVG coordinates (2 decimals, no trailing zeros; the shared helper of `svg.rs`).
pub fn n(v: f64) -> String {
    crate::svg::c(v)
}

/// A number for labels: up to `dp` decimals, no trailing zeros, a real minus sign.
pub fn label_num(v: f64, dp: usize) -> String {
    let s = format!("{v:.dp$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    let s = if s == "-0" { "0".to_string() } else { s };
    s.replace('-', "−")
}

/// Break text into lines of at most `max_chars` characters at spaces.
pub fn wrap(s: &str, max_chars: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > max_chars {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Maps a data interval onto a pixel interval.
#[derive(Debug, Clone, Copy)]
pub struct Linear {
    pub d0: f64,
    pub d1: f64,
    pub r0: f64,
    pub r1: f64,
}

impl Linear {
    pub fn new(d0: f64, d1: f64, r0: f64, r1: f64) -> Self {
        let (d0, d1) = if (d1 - d0).abs() < 1e-12 {
            (d0 - 1.0, d1 + 1.0)
        } else {
            (d0, d1)
        };
        Linear { d0, d1, r0, r1 }
    }

    pub fn map(&self, v: f64) -> f64 {
        self.r0 + (v - self.d0) / (self.d1 - self.d0) * (self.r1 - self.r0)
    }
}

/// Round tick positions covering [lo, hi], about `target` of them.
pub fn ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo];
    }
    let raw = (hi - lo) / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let start = (lo / step).ceil() * step;
    let mut out = Vec::new();
    let mut v = start;
    while v <= hi + step * 1e-9 {
        out.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        v += step;
    }
    out
}

/// Round an interval outwards to the tick step.
pub fn nice_bounds(lo: f64, hi: f64, target: usize) -> (f64, f64) {
    let t = ticks(lo, hi, target);
    if t.len() < 2 {
        return (lo, hi);
    }
    let step = t[1] - t[0];
    ((lo / step).floor() * step, (hi / step).ceil() * step)
}

/// An SVG document under construction.
pub struct Svg {
    buf: String,
    width: f64,
    height: f64,
}

impl Svg {
    /// Start a document with a title (for screen readers) and a white background.
    pub fn new(width: f64, height: f64, title: &str) -> Svg {
        let mut buf = String::new();
        let _ = write!(
            buf,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
             font-family=\"{FONT}\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n\
             <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n",
            w = n(width),
            h = n(height),
            t = esc(title)
        );
        Svg { buf, width, height }
    }

    pub fn width(&self) -> f64 {
        self.width
    }

    pub fn height(&self) -> f64 {
        self.height
    }

    /// A straight line; `dash` like "6 4".
    #[allow(clippy::too_many_arguments)]
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, stroke: &str, width: f64, dash: Option<&str>) {
        let dash = dash.map(|d| format!(" stroke-dasharray=\"{d}\"")).unwrap_or_default();
        let _ = writeln!(
            self.buf,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{stroke}\" stroke-width=\"{}\"{dash}/>",
            n(x1),
            n(y1),
            n(x2),
            n(y2),
            n(width)
        );
    }

    /// A polyline through the points (no fill).
    pub fn polyline(&mut self, pts: &[(f64, f64)], stroke: &str, width: f64, dash: Option<&str>) {
        if pts.len() < 2 {
            return;
        }
        let p: Vec<String> = pts.iter().map(|(x, y)| format!("{},{}", n(*x), n(*y))).collect();
        let dash = dash.map(|d| format!(" stroke-dasharray=\"{d}\"")).unwrap_or_default();
        let _ = writeln!(
            self.buf,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{}\" \
             stroke-linejoin=\"round\" stroke-linecap=\"round\"{dash}/>",
            p.join(" "),
            n(width)
        );
    }

    /// A circle with an optional tooltip.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: &str, stroke: &str, tip: Option<&str>) {
        match tip {
            Some(t) => {
                let _ = writeln!(
                    self.buf,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\">\
                     <title>{}</title></circle>",
                    n(cx),
                    n(cy),
                    n(r),
                    esc(t)
                );
            }
            None => {
                let _ = writeln!(
                    self.buf,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.5\"/>",
                    n(cx),
                    n(cy),
                    n(r)
                );
            }
        }
    }

    /// A rectangle with an optional tooltip.
    #[allow(clippy::too_many_arguments)]
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: Option<&str>, tip: Option<&str>) {
        let stroke = stroke
            .map(|s| format!(" stroke=\"{s}\" stroke-width=\"1\""))
            .unwrap_or_default();
        let tip = tip.map(|t| format!("<title>{}</title>", esc(t))).unwrap_or_default();
        let _ = writeln!(
            self.buf,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\"{stroke}>{tip}</rect>",
            n(x),
            n(y),
            n(w.max(0.0)),
            n(h.max(0.0))
        );
    }

    /// Text; `anchor` is start, middle or end.
    #[allow(clippy::too_many_arguments)]
    pub fn text(&mut self, x: f64, y: f64, s: &str, size: f64, anchor: &str, fill: &str, bold: bool) {
        let weight = if bold { " font-weight=\"600\"" } else { "" };
        let _ = writeln!(
            self.buf,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"{anchor}\" fill=\"{fill}\"{weight}>{}</text>",
            n(x),
            n(y),
            n(size),
            esc(s)
        );
    }

    /// Text rotated by −90° about its anchor (axis titles).
    pub fn vtext(&mut self, x: f64, y: f64, s: &str, size: f64, fill: &str) {
        let _ = writeln!(
            self.buf,
            "<text x=\"{x}\" y=\"{y}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{fill}\" \
             transform=\"rotate(-90 {x} {y})\">{}</text>",
            n(size),
            esc(s),
            x = n(x),
            y = n(y)
        );
    }

    /// Finish the document.
    pub fn finish(mut self) -> String {
        self.buf.push_str("</svg>\n");
        self.buf
    }
}

/// Plot area of a panel.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Frame {
    pub fn right(&self) -> f64 {
        self.left + self.width
    }
    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

/// Draw horizontal grid lines with y labels and x ticks with labels.
#[allow(clippy::too_many_arguments)]
pub fn axes(
    svg: &mut Svg,
    f: Frame,
    x: Linear,
    y: Linear,
    xticks: &[f64],
    yticks: &[f64],
    ylabel_suffix: &str,
    size: f64,
) {
    for t in yticks {
        let py = y.map(*t);
        svg.line(f.left, py, f.right(), py, GRID, 1.0, None);
        svg.text(
            f.left - 6.0,
            py + size * 0.35,
            &format!("{}{ylabel_suffix}", label_num(*t, 1)),
            size,
            "end",
            MUTED,
            false,
        );
    }
    svg.line(f.left, f.bottom(), f.right(), f.bottom(), MUTED, 1.0, None);
    svg.line(f.left, f.top, f.left, f.bottom(), MUTED, 1.0, None);
    for t in xticks {
        let px = x.map(*t);
        svg.line(px, f.bottom(), px, f.bottom() + 4.0, MUTED, 1.0, None);
        svg.text(
            px,
            f.bottom() + 4.0 + size,
            &label_num(*t, 1),
            size,
            "middle",
            MUTED,
            false,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(ticks(0.0, 10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(
            ticks(-100.0, 40.0, 7),
            vec![-100.0, -80.0, -60.0, -40.0, -20.0, 0.0, 20.0, 40.0]
        );
        assert_eq!(nice_bounds(-73.0, 12.0, 6), (-80.0, 20.0));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
        let mut s = Svg::new(10.0, 10.0, "x & y");
        s.text(1.0, 1.0, "<script>", 10.0, "start", INK, false);
        let out = s.finish();
        assert!(out.contains("&lt;script&gt;") && !out.contains("<script>"));
        assert!(out.contains("<title>x &amp; y</title>"));
    }

    #[test]
    fn long_text_wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc dd", 5), ["aa bb", "cc dd"]);
        assert_eq!(wrap("short", 80), ["short"]);
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(n(1.0), "1");
        assert_eq!(n(1.256), "1.26");
        assert_eq!(n(-0.001), "0");
        assert_eq!(label_num(-30.0, 1), "−30");
        assert_eq!(label_num(2.5, 1), "2.5");
    }
}
