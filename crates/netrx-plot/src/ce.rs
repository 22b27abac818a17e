//! Cost-effectiveness-style charts for the sequence simulation: the incremental plane (one
//! point per PSA draw, the base case marked, quadrant axes through the origin, an optional
//! willingness-to-pay line) and the acceptability curve. Pure functions to SVG strings.

use crate::svg::{Doc, GRID, INK, PALETTE, Scale, c, escape, fmt_num, nice_ticks};

/// One comparison on the plane.
#[derive(Debug, Clone)]
pub struct PlaneSeries<'a> {
    /// e.g. "prrt_first vs everolimus_first".
    pub label: &'a str,
    /// (Δx, Δy) per PSA draw.
    pub points: &'a [(f64, f64)],
    /// Base-case (Δx, Δy).
    pub base: (f64, f64),
}

/// The incremental plane: x = incremental effect (e.g. QALYs), y = incremental cost or burden.
/// `wtp` draws the line y = wtp · x.
pub fn plane_svg(title: &str, x_label: &str, y_label: &str, series: &[PlaneSeries], wtp: Option<f64>) -> String {
    let (w, h) = (820.0, 460.0);
    let (ml, mr, mt, mb) = (84.0, 24.0, 44.0, 92.0);
    let mut d = Doc::new(w, h);
    d.text((16.0, 26.0), "start", 15.0, INK, title, "font-weight=\"bold\"");
    let pts = series
        .iter()
        .flat_map(|s| s.points.iter().copied().chain(std::iter::once(s.base)))
        .filter(|(x, y)| x.is_finite() && y.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for (x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    // Symmetric-ish padding so the origin is always inside.
    let padx = ((x1 - x0) * 0.08).max(1e-6);
    let pady = ((y1 - y0) * 0.08).max(1e-6);
    let xt = nice_ticks(x0 - padx, x1 + padx, 7);
    let yt = nice_ticks(y0 - pady, y1 + pady, 6);
    let xs = Scale {
        d0: xt[0],
        d1: *xt.last().unwrap_or(&1.0),
        r0: ml,
        r1: w - mr,
    };
    let ys = Scale {
        d0: yt[0],
        d1: *yt.last().unwrap_or(&1.0),
        r0: h - mb,
        r1: mt,
    };
    for t in &xt {
        let x = xs.map(*t);
        d.line((x, mt), (x, h - mb), GRID, 1.0, "");
        d.text((x, h - mb + 16.0), "middle", 11.0, INK, &fmt_num(*t), "");
    }
    for t in &yt {
        let y = ys.map(*t);
        d.line((ml, y), (w - mr, y), GRID, 1.0, "");
        d.text((ml - 6.0, y + 4.0), "end", 11.0, INK, &fmt_num(*t), "");
    }
    // Quadrant axes through the origin.
    d.line(
        (xs.map(0.0), mt),
        (xs.map(0.0), h - mb),
        INK,
        1.2,
        "class=\"axis-zero\"",
    );
    d.line(
        (ml, ys.map(0.0)),
        (w - mr, ys.map(0.0)),
        INK,
        1.2,
        "class=\"axis-zero\"",
    );
    d.text(((ml + w - mr) / 2.0, h - mb + 34.0), "middle", 12.0, INK, x_label, "");
    d.text(
        (18.0, (mt + h - mb) / 2.0),
        "middle",
        12.0,
        INK,
        y_label,
        &format!("transform=\"rotate(-90 18 {})\"", c((mt + h - mb) / 2.0)),
    );
    if let Some(k) = wtp {
        // y = k·x clipped to the frame.
        let (a, b) = (xs.d0, xs.d1);
        let mut seg = vec![];
        for x in [a, b] {
            let y = k * x;
            if y >= ys.d0 && y <= ys.d1 {
                seg.push((x, y));
            }
        }
        if k != 0.0 {
            for y in [ys.d0, ys.d1] {
                let x = y / k;
                if x >= a && x <= b {
                    seg.push((x, y));
                }
            }
        }
        if seg.len() >= 2 {
            seg.sort_by(|p, q| p.0.total_cmp(&q.0));
            let (p, q) = (seg[0], seg[seg.len() - 1]);
            d.line(
                (xs.map(p.0), ys.map(p.1)),
                (xs.map(q.0), ys.map(q.1)),
                "#555555",
                1.2,
                "stroke-dasharray=\"5 4\" class=\"wtp-line\"",
            );
            d.text(
                (xs.map(q.0) - 4.0, ys.map(q.1) + 14.0),
                "end",
                11.0,
                "#555555",
                &format!("WTP {} per unit", fmt_num(k)),
                "",
            );
        }
    }
    for (i, s) in series.iter().enumerate() {
        let col = PALETTE[(i + 1) % PALETTE.len()];
        let mut g = String::from("<g class=\"psa-points\">");
        for (x, y) in s.points.iter().filter(|(x, y)| x.is_finite() && y.is_finite()) {
            g.push_str(&format!(
                r#"<circle cx="{}" cy="{}" r="2.2" fill="{col}" fill-opacity="0.45"/>"#,
                c(xs.map(*x)),
                c(ys.map(*y))
            ));
        }
        g.push_str("</g>");
        d.raw(&g);
        let (bx, by) = (xs.map(s.base.0), ys.map(s.base.1));
        d.raw(&format!(
            r#"<path class="base-case" d="M{},{} L{},{} M{},{} L{},{}" stroke="{INK}" stroke-width="2.5"><title>{}: base case</title></path>"#,
            c(bx - 6.0),
            c(by),
            c(bx + 6.0),
            c(by),
            c(bx),
            c(by - 6.0),
            c(bx),
            c(by + 6.0),
            escape(s.label)
        ));
        let y = h - mb + 56.0 + i as f64 * 16.0;
        d.raw(&format!(
            r#"<circle cx="{}" cy="{}" r="4" fill="{col}"/>"#,
            c(ml + 6.0),
            c(y - 4.0)
        ));
        d.text(
            (ml + 16.0, y),
            "start",
            11.0,
            INK,
            &format!("{} (dots: PSA draws; cross: base case)", s.label),
            "",
        );
    }
    d.finish(title)
}

/// Acceptability curves: probability each option has the highest net benefit, per WTP.
pub fn ceac_svg(title: &str, currency: &str, wtp: &[f64], series: &[(&str, Vec<f64>)]) -> String {
    let (w, h) = (820.0, 380.0);
    let (ml, mr, mt, mb) = (64.0, 24.0, 44.0, 84.0);
    let mut d = Doc::new(w, h);
    d.text((16.0, 26.0), "start", 15.0, INK, title, "font-weight=\"bold\"");
    let xmax = wtp.iter().copied().fold(0.0, f64::max).max(1.0);
    let xt = nice_ticks(0.0, xmax, 6);
    let xs = Scale {
        d0: 0.0,
        d1: *xt.last().unwrap_or(&xmax),
        r0: ml,
        r1: w - mr,
    };
    let ys = Scale {
        d0: 0.0,
        d1: 1.0,
        r0: h - mb,
        r1: mt,
    };
    for t in &xt {
        let x = xs.map(*t);
        d.line((x, mt), (x, h - mb), GRID, 1.0, "");
        d.text((x, h - mb + 16.0), "middle", 11.0, INK, &fmt_num(*t), "");
    }
    for k in 0..=4 {
        let v = k as f64 / 4.0;
        d.line((ml, ys.map(v)), (w - mr, ys.map(v)), GRID, 1.0, "");
        d.text((ml - 6.0, ys.map(v) + 4.0), "end", 11.0, INK, &fmt_num(v), "");
    }
    d.text(
        ((ml + w - mr) / 2.0, h - mb + 34.0),
        "middle",
        12.0,
        INK,
        &format!("willingness to pay per QALY ({currency})"),
        "",
    );
    for (i, (label, p)) in series.iter().enumerate() {
        let col = PALETTE[i % PALETTE.len()];
        let mut path = String::new();
        for (j, (x, y)) in wtp.iter().zip(p).enumerate() {
            path.push_str(&format!(
                "{}{},{}",
                if j == 0 { "M" } else { " L" },
                c(xs.map(*x)),
                c(ys.map(*y))
            ));
        }
        d.raw(&format!(
            r#"<path class="ceac" d="{path}" fill="none" stroke="{col}" stroke-width="2"><title>{}</title></path>"#,
            escape(label)
        ));
        let y = h - mb + 52.0 + i as f64 * 16.0;
        d.line((ml, y - 4.0), (ml + 26.0, y - 4.0), col, 2.0, "");
        d.text((ml + 32.0, y), "start", 11.0, INK, label, "");
    }
    d.finish(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plane_has_points_base_and_axes() {
        let pts = [(0.1, 1000.0), (-0.05, 2000.0), (0.2, -500.0)];
        let svg = plane_svg(
            "Plane",
            "ΔQALY",
            "Δcost",
            &[PlaneSeries {
                label: "B vs A",
                points: &pts,
                base: (0.08, 900.0),
            }],
            Some(20000.0),
        );
        assert_eq!(svg.matches("<circle").count(), 4); // 3 draws + legend
        assert_eq!(svg.matches("class=\"base-case\"").count(), 1);
        assert_eq!(svg.matches("class=\"axis-zero\"").count(), 2);
        assert!(svg.contains("class=\"wtp-line\""));
    }

    #[test]
    fn ceac_draws_one_curve_per_option() {
        let svg = ceac_svg(
            "CEAC",
            "EUR",
            &[0.0, 10000.0, 20000.0],
            &[("A", vec![1.0, 0.6, 0.3]), ("B", vec![0.0, 0.4, 0.7])],
        );
        assert_eq!(svg.matches("class=\"ceac\"").count(), 2);
    }
}
