//! QoL trajectories: a large panel for the scale whose deterioration is tracked
//! (zoomed to the data, with the baseline, the threshold — baseline minus the MID
//! for well-being scales, plus the MID for symptom scales — and the deterioration
//! events), then one small panel per scale of every instrument assessed, on the
//! scale's full range.

use crate::followup_svg::{BAD, Frame, INK, Linear, MUTED, PALETTE, Svg, axes, label_num, nice_bounds, ticks, wrap};
use crate::spider::runs;
use netrx_clinical::qol::QolReport;

const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
const COLS: usize = 4;
const PANEL_W: f64 = 250.0;
const PANEL_H: f64 = 180.0;
const HERO_H: f64 = 260.0;

/// One scale to draw.
struct Panel<'a> {
    instrument: &'a str,
    code: &'a str,
    name: &'a str,
    higher_is_better: bool,
    min: f64,
    max: f64,
}

/// Shared drawing context.
struct Ctx<'a> {
    r: &'a QolReport,
    xs: Vec<f64>,
    xmin: f64,
    xmax: f64,
    origin: netrx_case::Date,
}

impl Ctx<'_> {
    fn month(&self, d: netrx_case::Date) -> f64 {
        self.origin.days_until(d) as f64 / DAYS_PER_MONTH
    }

    /// (months, score) of the panel's instrument, in order.
    fn series(&self, p: &Panel) -> Vec<(f64, Option<f64>)> {
        self.r
            .assessments
            .iter()
            .zip(&self.xs)
            .filter(|(a, _)| a.instrument.id() == p.instrument)
            .map(|(a, mx)| (*mx, a.scales.get(p.code).copied().flatten()))
            .collect()
    }
}

fn draw_panel(svg: &mut Svg, ctx: &Ctx, p: &Panel, f: Frame, y_range: (f64, f64), hero: bool) {
    let d = &ctx.r.definition;
    let is_det = p.instrument == d.instrument && p.code == d.scale;
    let (lo, hi) = y_range;
    let x = Linear::new(ctx.xmin, ctx.xmax, f.left, f.right());
    let y = Linear::new(lo, hi, f.bottom(), f.top);
    let title_size = if hero { 13.0 } else { 11.5 };
    let title = format!("{} {}", p.code, if p.higher_is_better { "↑ better" } else { "↑ worse" });
    let title_x = f.left - 36.0;
    svg.text(
        title_x,
        f.top - 12.0,
        &title,
        title_size,
        "start",
        if is_det { BAD } else { INK },
        true,
    );
    let name_x = title_x + title.chars().count() as f64 * title_size * 0.7 + 8.0;
    let name = if hero {
        format!("{} — {}", p.name, p.instrument)
    } else {
        p.name.to_string()
    };
    svg.text(
        name_x,
        f.top - 12.0,
        &name,
        if hero { 11.0 } else { 9.5 },
        "start",
        MUTED,
        false,
    );
    let label_size = if hero { 10.5 } else { 9.0 };
    axes(
        svg,
        f,
        x,
        y,
        &ticks(ctx.xmin, ctx.xmax, if hero { 8 } else { 4 }),
        &ticks(lo, hi, if hero { 6 } else { 4 }),
        "",
        label_size,
    );
    if hero {
        svg.text(
            f.left + f.width / 2.0,
            f.bottom() + 30.0,
            "Months from the time origin",
            11.0,
            "middle",
            MUTED,
            false,
        );
    }
    let series = ctx.series(p);
    if let Some((_, Some(b))) = series.first() {
        svg.line(f.left, y.map(*b), f.right(), y.map(*b), MUTED, 1.0, Some("4 3"));
        if is_det {
            let t = if p.higher_is_better {
                b - d.threshold
            } else {
                b + d.threshold
            };
            if t >= lo && t <= hi {
                svg.line(f.left, y.map(t), f.right(), y.map(t), BAD, 1.2, Some("6 3"));
                let label = format!(
                    "{}{}{}",
                    if p.higher_is_better { "−" } else { "+" },
                    label_num(d.threshold, 1),
                    if hero { " points: deterioration threshold" } else { "" }
                );
                svg.text(
                    f.right(),
                    y.map(t) + if p.higher_is_better { label_size + 2.0 } else { -4.0 },
                    &label,
                    label_size,
                    "end",
                    BAD,
                    false,
                );
            }
        }
    }
    let colour = PALETTE[0];
    let pts: Vec<Option<(f64, f64)>> = series
        .iter()
        .map(|(mx, v)| v.filter(|v| *v >= lo && *v <= hi).map(|v| (x.map(*mx), y.map(v))))
        .collect();
    for run in runs(&pts) {
        svg.polyline(&run, colour, if hero { 2.4 } else { 1.8 }, None);
    }
    for ((mx, v), pt) in series.iter().zip(&pts) {
        let Some((px, py)) = pt else { continue };
        let event = if is_det {
            ctx.r
                .deterioration
                .iter()
                .find(|e| (ctx.month(e.date) - mx).abs() < 1e-9)
        } else {
            None
        };
        let tip = format!("{} {}: {}", p.code, label_num(*mx, 1), label_num(v.unwrap_or(0.0), 2));
        let r_pt = if hero { 5.0 } else { 4.0 };
        match event {
            Some(e) if e.counts => svg.circle(*px, *py, r_pt, BAD, BAD, Some(&format!("{tip} — deterioration"))),
            Some(_) => svg.circle(
                *px,
                *py,
                r_pt,
                "#ffffff",
                BAD,
                Some(&format!("{tip} — worse by the threshold, not definitive")),
            ),
            None => svg.circle(*px, *py, if hero { 3.5 } else { 2.8 }, colour, colour, Some(&tip)),
        }
    }
}

/// The trajectory panels as an SVG document.
pub fn trajectories(r: &QolReport) -> String {
    let origin = r
        .time_origin
        .as_ref()
        .map(|o| o.date)
        .or_else(|| r.assessments.iter().map(|a| a.date).min())
        .expect("a QoL report has assessments");
    let xs: Vec<f64> = r
        .assessments
        .iter()
        .map(|a| origin.days_until(a.date) as f64 / DAYS_PER_MONTH)
        .collect();
    let (xmin, xmax) = nice_bounds(
        xs.iter().copied().fold(0.0, f64::min),
        xs.iter().copied().fold(1.0, f64::max),
        5,
    );
    let ctx = Ctx {
        r,
        xs,
        xmin,
        xmax,
        origin,
    };

    // Panels: every scale with at least one score.
    let mut panels = Vec::new();
    let mut unscored = Vec::new();
    for inst in &r.instruments {
        for s in &inst.scales {
            let p = Panel {
                instrument: &inst.id,
                code: &s.code,
                name: &s.name,
                higher_is_better: s.higher_is_better,
                min: s.min,
                max: s.max,
            };
            if ctx.series(&p).iter().any(|(_, v)| v.is_some()) {
                panels.push(p);
            } else {
                unscored.push(format!("{} {}", inst.id, s.code));
            }
        }
    }
    let d = &r.definition;
    let hero = panels
        .iter()
        .find(|p| p.instrument == d.instrument && p.code == d.scale);
    let hero_space = if hero.is_some() { HERO_H + 40.0 } else { 0.0 };
    let rows = panels.len().div_ceil(COLS).max(1);
    let top = 86.0;
    let w = 40.0 + COLS as f64 * PANEL_W;
    let grid_top = top + hero_space;
    let h = grid_top + rows as f64 * PANEL_H + 60.0;
    let mut svg = Svg::new(w, h, &format!("{}: quality-of-life trajectories", r.case_id));
    svg.text(
        30.0,
        28.0,
        &format!("{} — quality of life over time", r.case_id),
        17.0,
        "start",
        INK,
        true,
    );
    let ttd = match (r.time_to_deterioration_months, r.time_to_deterioration_event) {
        (Some(m), Some(true)) => format!("time to deterioration {} months", label_num(m, 1)),
        (Some(m), _) => format!("no deterioration; followed {} months (censored)", label_num(m, 1)),
        _ => "time to deterioration not assessable".into(),
    };
    svg.text(
        30.0,
        50.0,
        &format!("Deterioration: {} — {ttd}", d.title),
        12.5,
        "start",
        MUTED,
        false,
    );
    svg.text(
        30.0,
        68.0,
        &format!(
            "x: months from {} ({}) · dashed grey: baseline · dashed red: deterioration threshold · filled red: \
             deterioration, hollow: not definitive",
            r.time_origin
                .as_ref()
                .map(|o| o.basis.as_str())
                .unwrap_or("first assessment"),
            origin
        ),
        11.0,
        "start",
        MUTED,
        false,
    );

    if let Some(p) = hero {
        // Zoom to the data, the baseline and the threshold, within the scale's range.
        let series = ctx.series(p);
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for v in series.iter().filter_map(|(_, v)| *v) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if let Some((_, Some(b))) = series.first() {
            let t = if p.higher_is_better {
                b - d.threshold
            } else {
                b + d.threshold
            };
            lo = lo.min(t);
            hi = hi.max(t);
        }
        let pad = (hi - lo).max(1.0) * 0.15;
        let (lo, hi) = nice_bounds((lo - pad).max(p.min), (hi + pad).min(p.max), 6);
        let f = Frame {
            left: 30.0 + 50.0,
            top: top + 30.0,
            width: 2.0 * PANEL_W + 120.0,
            height: HERO_H - 70.0,
        };
        draw_panel(&mut svg, &ctx, p, f, (lo.max(p.min), hi.min(p.max)), true);
    }

    for (k, p) in panels.iter().enumerate() {
        let col = k % COLS;
        let row = k / COLS;
        let f = Frame {
            left: 30.0 + col as f64 * PANEL_W + 40.0,
            top: grid_top + row as f64 * PANEL_H + 26.0,
            width: PANEL_W - 60.0,
            height: PANEL_H - 70.0,
        };
        draw_panel(&mut svg, &ctx, p, f, (p.min, p.max), false);
    }
    if panels.is_empty() {
        svg.text(
            w / 2.0,
            top + 60.0,
            "No scale could be scored",
            13.0,
            "middle",
            BAD,
            false,
        );
    }
    let mut foot = Vec::new();
    if !unscored.is_empty() {
        foot.extend(wrap(&format!("Not scored: {}", unscored.join(", ")), 180));
    }
    foot.extend(wrap(
        &format!(
            "Deterioration source: {} [{}]. Knowledge {}.",
            d.source.reference,
            d.source.status.mark(),
            r.knowledge_version
        ),
        180,
    ));
    for (k, line) in foot.iter().enumerate() {
        svg.text(
            30.0,
            grid_top + rows as f64 * PANEL_H + 14.0 * k as f64,
            line,
            10.0,
            "start",
            MUTED,
            false,
        );
    }
    svg.finish()
}
