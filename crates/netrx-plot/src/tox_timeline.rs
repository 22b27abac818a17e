//! Toxicity timeline of an everolimus course: the dose in force over time (a step line,
//! withheld periods shaded) above one lane per adverse event (a bar from onset to
//! resolution, coloured by CTCAE grade, with the action the label's rule gave). Pure
//! function of its inputs; hand-written SVG (see [`crate::svg`]).

use crate::svg::{Doc, GRID, INK, Scale, c, escape, fmt_num, nice_ticks, text_width};
use std::fmt::Write;

/// The dose from a day on.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseStep {
    /// Day from the origin.
    pub day: f64,
    /// Dose, mg (0 = withheld).
    pub dose_mg: f64,
    /// "daily" / "every other day" (shown beside the dose).
    pub frequency: String,
}

/// One adverse event (or a graded lab value) on the timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct EventBar {
    /// Lane label (the CTCAE term), events with the same label share a lane.
    pub label: String,
    /// CTCAE grade 1–5.
    pub grade: u8,
    /// Onset day from the origin.
    pub start_day: f64,
    /// Day it resolved or improved (`None`: ongoing at the end of the chart).
    pub end_day: Option<f64>,
    /// The action the rule gave (withhold, reduce, continue, discontinue…), shown under the bar.
    pub action: String,
}

/// What to draw.
#[derive(Debug, Clone)]
pub struct ToxTimeline {
    /// Chart title.
    pub title: String,
    /// What day 0 is (e.g. "everolimus start 2024-03-01").
    pub origin_label: String,
    /// Last day shown.
    pub end_day: f64,
    /// Dose steps, oldest first.
    pub doses: Vec<DoseStep>,
    /// Events.
    pub events: Vec<EventBar>,
    /// Date labels at chosen days (day, label); if empty, the axis shows day numbers.
    pub date_ticks: Vec<(f64, String)>,
}

/// Fill of a CTCAE grade (light to dark; text stays readable: dark text on light fills).
pub fn grade_fill(grade: u8) -> (&'static str, &'static str) {
    match grade {
        0 | 1 => ("#FDE0C5", INK),
        2 => ("#F6A35C", INK),
        3 => ("#D55E00", "#FFFFFF"),
        _ => ("#8C1C13", "#FFFFFF"),
    }
}

/// Render the chart as a standalone SVG document.
pub fn tox_timeline_svg(t: &ToxTimeline) -> String {
    let width = 960.0;
    let lanes: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for e in &t.events {
            if !v.contains(&e.label) {
                v.push(e.label.clone());
            }
        }
        v
    };
    let label_w = lanes
        .iter()
        .map(|l| text_width(l, 12.0))
        .fold(90.0f64, f64::max)
        .min(260.0)
        + 16.0;
    let (left, right) = (label_w, 24.0);
    let top = 66.0;
    let dose_h = 120.0;
    let lane_h = 34.0;
    let lanes_top = top + dose_h + 34.0;
    let axis_y = lanes_top + lane_h * lanes.len().max(1) as f64 + 8.0;
    let height = axis_y + 64.0;
    let end = t.end_day.max(1.0);
    let x = Scale {
        d0: 0.0,
        d1: end,
        r0: left,
        r1: width - right,
    };
    let max_dose = t.doses.iter().map(|d| d.dose_mg).fold(0.0f64, f64::max).max(1.0);
    // Headroom above the highest dose for its label.
    let yt = nice_ticks(0.0, max_dose * 1.12, 4);
    let y_top = *yt.last().unwrap_or(&max_dose);
    let y = Scale {
        d0: 0.0,
        d1: y_top,
        r0: top + dose_h,
        r1: top,
    };
    let mut d = Doc::new(width, height);
    d.text((left, 24.0), "start", 16.0, INK, &t.title, "font-weight=\"bold\"");
    d.text(
        (left, 40.0),
        "start",
        12.0,
        "#555555",
        &format!("Day 0 = {}", t.origin_label),
        "",
    );
    // Dose panel: grid and y axis.
    for v in &yt {
        let py = y.map(*v);
        d.line((left, py), (width - right, py), GRID, 1.0, "");
        d.text((left - 6.0, py + 4.0), "end", 11.0, INK, &fmt_num(*v), "");
    }
    d.text(
        (14.0, top + dose_h / 2.0),
        "middle",
        12.0,
        INK,
        "dose (mg)",
        &format!("transform=\"rotate(-90 14 {})\"", c(top + dose_h / 2.0)),
    );
    // Withheld periods shaded, then the step line.
    let mut path = String::new();
    for (i, s) in t.doses.iter().enumerate() {
        let x0 = x.map(s.day.clamp(0.0, end));
        let x1 = x.map(t.doses.get(i + 1).map(|n| n.day).unwrap_or(end).clamp(0.0, end));
        if s.dose_mg == 0.0 && x1 > x0 {
            d.raw(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#EEEEEE\"/>",
                c(x0),
                c(top),
                c(x1 - x0),
                c(dose_h)
            ));
            d.text(((x0 + x1) / 2.0, top + 14.0), "middle", 10.0, "#555555", "withheld", "");
        }
        let py = y.map(s.dose_mg);
        if i == 0 {
            let _ = write!(path, "M{} {}", c(x0), c(py));
        } else {
            let _ = write!(path, " L{} {}", c(x0), c(py));
        }
        let _ = write!(path, " L{} {}", c(x1), c(py));
        if s.dose_mg > 0.0 && x1 - x0 > 40.0 {
            let f = if s.frequency.is_empty() {
                String::new()
            } else {
                format!(" {}", s.frequency)
            };
            d.text(
                (x0 + 4.0, py - 5.0),
                "start",
                11.0,
                "#0072B2",
                &format!("{} mg{f}", fmt_num(s.dose_mg)),
                "",
            );
        }
    }
    if !path.is_empty() {
        d.raw(&format!(
            "<path d=\"{path}\" fill=\"none\" stroke=\"#0072B2\" stroke-width=\"2.5\"/>"
        ));
    }
    // Event lanes.
    for (li, lane) in lanes.iter().enumerate() {
        let ly = lanes_top + li as f64 * lane_h;
        d.line((left, ly + lane_h), (width - right, ly + lane_h), GRID, 1.0, "");
        d.text((left - 8.0, ly + lane_h / 2.0 + 4.0), "end", 12.0, INK, lane, "");
    }
    for e in &t.events {
        let li = lanes.iter().position(|l| *l == e.label).unwrap_or(0);
        let ly = lanes_top + li as f64 * lane_h + 5.0;
        let x0 = x.map(e.start_day.clamp(0.0, end));
        let x1 = x.map(e.end_day.unwrap_or(end).clamp(0.0, end)).max(x0 + 6.0);
        let (fill, ink) = grade_fill(e.grade);
        d.raw(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"16\" rx=\"3\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"0.6\"/>",
            c(x0),
            c(ly),
            c(x1 - x0)
        ));
        if e.end_day.is_none() {
            d.text((x1 - 2.0, ly + 12.0), "end", 11.0, ink, "→", "");
        }
        let label = format!("G{}", e.grade);
        if x1 - x0 >= 22.0 {
            d.text(
                (x0 + 4.0, ly + 12.0),
                "start",
                11.0,
                ink,
                &label,
                "font-weight=\"bold\"",
            );
        } else {
            d.text(
                (x1 + 3.0, ly + 12.0),
                "start",
                11.0,
                INK,
                &label,
                "font-weight=\"bold\"",
            );
        }
        if !e.action.is_empty() {
            d.text((x0, ly + 27.0), "start", 10.0, "#333333", &e.action, "");
        }
    }
    // Time axis.
    d.line((left, axis_y), (width - right, axis_y), INK, 1.0, "");
    let ticks: Vec<(f64, String)> = if t.date_ticks.is_empty() {
        nice_ticks(0.0, end, 8)
            .into_iter()
            .filter(|v| *v <= end + 1e-9)
            .map(|v| (v, fmt_num(v)))
            .collect()
    } else {
        t.date_ticks.clone()
    };
    for (day, l) in &ticks {
        let px = x.map(*day);
        d.line((px, axis_y), (px, axis_y + 5.0), INK, 1.0, "");
        d.text((px, axis_y + 18.0), "middle", 11.0, INK, l, "");
    }
    d.text(
        (left, axis_y + 39.0),
        "start",
        12.0,
        INK,
        if t.date_ticks.is_empty() {
            "days from day 0"
        } else {
            "date"
        },
        "",
    );
    // Legend of grades, under the axis on the right.
    let ly = axis_y + 28.0;
    let mut lx = width - right - 4.0 * 48.0;
    d.text((lx - 8.0, ly + 11.0), "end", 11.0, INK, "CTCAE grade", "");
    for g in 1..=4u8 {
        let (fill, ink) = grade_fill(g);
        d.raw(&format!(
            "<rect x=\"{}\" y=\"{}\" width=\"40\" height=\"14\" rx=\"3\" fill=\"{fill}\" stroke=\"{INK}\" stroke-width=\"0.6\"/>",
            c(lx),
            c(ly)
        ));
        d.text((lx + 20.0, ly + 11.0), "middle", 10.0, ink, &format!("G{g}"), "");
        lx += 48.0;
    }
    let mut svg = d.finish(&t.title);
    // Give the root an accessible name (the title is also its first child).
    svg = svg.replacen(
        "role=\"img\">",
        &format!("role=\"img\" aria-label=\"{}\">", escape(&t.title)),
        1,
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> ToxTimeline {
        ToxTimeline {
            title: "case-1: toxicity and dose".into(),
            origin_label: "everolimus start 2024-03-01".into(),
            end_day: 90.0,
            doses: vec![
                DoseStep {
                    day: 0.0,
                    dose_mg: 10.0,
                    frequency: "daily".into(),
                },
                DoseStep {
                    day: 13.0,
                    dose_mg: 0.0,
                    frequency: "daily".into(),
                },
                DoseStep {
                    day: 21.0,
                    dose_mg: 5.0,
                    frequency: "daily".into(),
                },
            ],
            events: vec![
                EventBar {
                    label: "Mucositis oral".into(),
                    grade: 2,
                    start_day: 13.0,
                    end_day: Some(20.0),
                    action: "withhold".into(),
                },
                EventBar {
                    label: "Hyperglycemia".into(),
                    grade: 3,
                    start_day: 80.0,
                    end_day: None,
                    action: "withhold".into(),
                },
            ],
            date_ticks: vec![],
        }
    }

    #[test]
    fn draws_doses_withheld_periods_and_one_lane_per_term() {
        let svg = tox_timeline_svg(&chart());
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("aria-label=\"case-1: toxicity and dose\""));
        assert_eq!(svg.matches(">withheld<").count(), 1, "one withheld period");
        assert!(svg.contains(">10 mg daily<") && svg.contains(">5 mg daily<"));
        assert!(svg.contains(">Mucositis oral<") && svg.contains(">Hyperglycemia<"));
        // Grade 3 bar uses the grade-3 fill, and the ongoing event carries an arrow.
        assert!(svg.contains(grade_fill(3).0));
        assert!(svg.contains(">→<"));
        // The step line visits every dose level: y of 0 mg equals the panel bottom.
        assert!(svg.contains("<path d=\"M"));
    }

    #[test]
    fn event_bars_sit_at_their_days() {
        let t = chart();
        let svg = tox_timeline_svg(&t);
        // x scale: 0..90 days over [left, 936]; the mucositis bar starts at day 13.
        let left = 90.0f64.max(text_width("Mucositis oral", 12.0)).min(260.0) + 16.0;
        let x13 = left + 13.0 / 90.0 * (960.0 - 24.0 - left);
        assert!(svg.contains(&format!("<rect x=\"{}\"", c(x13))), "{svg}");
    }
}
