//! Waterfall plots of the best (largest decrease, or smallest increase) change
//! from baseline up to progression: per target lesion of one case
//! ([`lesion_waterfall`]), or per case for a cohort ([`cohort_waterfall`]), with
//! the PR line.

use crate::followup_svg::{
    BAD, Frame, GOOD, INK, Linear, MUTED, SERIES, Svg, axes, label_num, nice_bounds, ticks, wrap,
};
use crate::spider::response_colour;
use netrx_clinical::recist::{OverallResponse, RecistReport};

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// Best change from baseline, %.
    pub value_pct: f64,
    pub colour: String,
    pub tip: String,
}

/// Index of the last visit that counts for best change (the progression visit, or the last).
fn last_counted(r: &RecistReport) -> usize {
    r.visits
        .iter()
        .position(|v| v.overall_response == Some(OverallResponse::PD))
        .unwrap_or(r.visits.len() - 1)
}

fn best(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    values
        .flatten()
        .fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |a| a.min(v))))
}

/// Best change of the sum of diameters after baseline, up to progression (None without a follow-up sum).
pub fn best_sum_change(r: &RecistReport) -> Option<f64> {
    let k = last_counted(r);
    best(r.visits[1..=k].iter().map(|v| v.change_from_baseline_pct))
}

/// Bars for each target lesion and the sum of one case.
pub fn lesion_bars(r: &RecistReport) -> Vec<Bar> {
    let k = last_counted(r);
    let mut bars: Vec<Bar> = r
        .lesions
        .iter()
        .enumerate()
        .filter_map(|(j, l)| {
            best(l.change_from_baseline_pct[1..=k].iter().copied()).map(|v| Bar {
                label: l.id.clone(),
                value_pct: v,
                colour: SERIES[j % SERIES.len()].to_string(),
                tip: format!("{} ({}): best change {} %", l.id, l.organ, label_num(v, 1)),
            })
        })
        .collect();
    if let Some(v) = best_sum_change(r) {
        bars.push(Bar {
            label: "Sum".into(),
            value_pct: v,
            colour: INK.to_string(),
            tip: format!("Sum of diameters: best change {} %", label_num(v, 1)),
        });
    }
    bars.sort_by(|a, b| b.value_pct.total_cmp(&a.value_pct));
    bars
}

/// Bars for a cohort: one per case, coloured by best overall response.
pub fn cohort_bars(reports: &[RecistReport]) -> Vec<Bar> {
    let mut bars: Vec<Bar> = reports
        .iter()
        .filter_map(|r| {
            best_sum_change(r).map(|v| {
                let bor = r.best_overall_response;
                Bar {
                    label: r.case_id.clone(),
                    value_pct: v,
                    colour: bor.map(response_colour).unwrap_or(MUTED).to_string(),
                    tip: format!(
                        "{}: best change {} %, best overall response {}",
                        r.case_id,
                        label_num(v, 1),
                        bor.map(|b| b.as_str()).unwrap_or("—")
                    ),
                }
            })
        })
        .collect();
    bars.sort_by(|a, b| b.value_pct.total_cmp(&a.value_pct));
    bars
}

/// Render bars (already sorted) as a waterfall.
pub fn render(title: &str, subtitle: &str, bars: &[Bar], pr_pct: Option<f64>, footer: &str) -> String {
    let n = bars.len().max(1) as f64;
    let bar_w = (520.0 / n).clamp(10.0, 60.0);
    let f = Frame {
        left: 70.0,
        top: 70.0,
        width: bar_w * n + 20.0,
        height: 300.0,
    };
    let w = (f.right() + 40.0).max(560.0);
    let h = 480.0;
    let mut svg = Svg::new(w, h, title);
    svg.text(f.left, 28.0, title, 16.0, "start", INK, true);
    svg.text(f.left, 50.0, subtitle, 12.0, "start", MUTED, false);
    let mut lo = pr_pct.map_or(-10.0, |p| -p - 10.0);
    let mut hi = 30.0f64;
    for b in bars {
        lo = lo.min(b.value_pct);
        hi = hi.max(b.value_pct);
    }
    let (lo, hi) = nice_bounds(lo.max(-100.0), hi, 7);
    let y = Linear::new(lo, hi, f.bottom(), f.top);
    let x = Linear::new(0.0, 1.0, f.left, f.right());
    axes(&mut svg, f, x, y, &[], &ticks(lo, hi, 7), " %", 11.0);
    svg.vtext(
        22.0,
        f.top + f.height / 2.0,
        "Best change from baseline (%)",
        12.0,
        MUTED,
    );
    let zero = y.map(0.0);
    for (i, b) in bars.iter().enumerate() {
        let x0 = f.left + 10.0 + i as f64 * bar_w;
        let yv = y.map(b.value_pct);
        let (top, height) = if yv < zero { (yv, zero - yv) } else { (zero, yv - zero) };
        svg.rect(
            x0 + 2.0,
            top,
            bar_w - 4.0,
            height.max(1.0),
            &b.colour,
            None,
            Some(&b.tip),
        );
        let ly = if b.value_pct >= 0.0 {
            top - 4.0
        } else {
            top + height + 12.0
        };
        svg.text(
            x0 + bar_w / 2.0,
            ly,
            &label_num(b.value_pct, 0),
            10.0,
            "middle",
            MUTED,
            false,
        );
        svg.vtext(x0 + bar_w / 2.0 + 3.0, f.bottom() + 30.0, &b.label, 10.0, INK);
    }
    svg.line(f.left, zero, f.right(), zero, MUTED, 1.2, None);
    if let Some(pr) = pr_pct {
        svg.line(f.left, y.map(-pr), f.right(), y.map(-pr), GOOD, 1.3, Some("6 4"));
        svg.text(
            f.right() + 4.0,
            y.map(-pr) + 4.0,
            &format!("PR −{} %", label_num(pr, 1)),
            10.5,
            "start",
            GOOD,
            false,
        );
    }
    if bars.is_empty() {
        svg.text(
            f.left + f.width / 2.0,
            f.top + f.height / 2.0,
            "No follow-up measurements",
            12.0,
            "middle",
            BAD,
            false,
        );
    }
    let lines = wrap(footer, ((w - f.left - 10.0) / 5.6) as usize);
    for (k, line) in lines.iter().enumerate() {
        svg.text(f.left, h - 30.0 + 13.0 * k as f64, line, 10.0, "start", MUTED, false);
    }
    svg.finish()
}

fn footer(r: &RecistReport) -> String {
    let s = r.criteria.sources.get(1);
    format!(
        "Best change up to progression. {} [{}]. Knowledge {}.",
        r.criteria.title,
        s.map(|s| s.status.mark()).unwrap_or(""),
        r.knowledge_version
    )
}

/// Waterfall of one case's target lesions and sum.
pub fn lesion_waterfall(r: &RecistReport) -> String {
    render(
        &format!("{} — best change per target lesion", r.case_id),
        &format!(
            "Best overall response {} (confirmed: {})",
            r.best_overall_response.map(|b| b.as_str()).unwrap_or("—"),
            r.best_overall_response_confirmed.map(|b| b.as_str()).unwrap_or("—")
        ),
        &lesion_bars(r),
        Some(r.criteria.pr_decrease_from_baseline_pct),
        &footer(r),
    )
}

/// Waterfall of a cohort: best change of the sum of diameters per case.
pub fn cohort_waterfall(reports: &[RecistReport]) -> String {
    let pr = reports.first().map(|r| r.criteria.pr_decrease_from_baseline_pct);
    let footer = reports.first().map(footer).unwrap_or_default();
    render(
        "Best change in the sum of target-lesion diameters",
        &format!(
            "{} case(s), coloured by best overall response (unconfirmed)",
            reports.len()
        ),
        &cohort_bars(reports),
        pr,
        &footer,
    )
}
