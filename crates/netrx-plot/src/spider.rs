//! Spider plot of a RECIST assessment: the change from baseline of every target
//! lesion and of the sum of diameters over time, with the PR line (−30 %), the
//! PD threshold as it applies at each visit (from the nadir: +20 % and +5 mm,
//! expressed as change from baseline), the overall response at each visit and the
//! progression date.

use crate::followup_svg::{
    BAD, Frame, GOOD, INK, Linear, MUTED, PALETTE, SERIES, Svg, axes, label_num, nice_bounds, ticks, wrap,
};
use netrx_clinical::recist::{OverallResponse, RecistReport};

const DAYS_PER_MONTH: f64 = 365.25 / 12.0;

/// Colour of an overall response.
pub fn response_colour(r: OverallResponse) -> &'static str {
    match r {
        OverallResponse::CR | OverallResponse::PR => GOOD,
        OverallResponse::SD | OverallResponse::NonCrNonPd => PALETTE[0],
        OverallResponse::PD => BAD,
        OverallResponse::NE => MUTED,
    }
}

/// Split a series with gaps into drawable runs.
pub(crate) fn runs(pts: &[Option<(f64, f64)>]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for p in pts {
        match p {
            Some(p) => cur.push(*p),
            None => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The spider plot as an SVG document.
pub fn spider(r: &RecistReport) -> String {
    let (w, h) = (960.0, 580.0);
    let f = Frame {
        left: 70.0,
        top: 78.0,
        width: 600.0,
        height: 330.0,
    };
    let mut svg = Svg::new(w, h, &format!("{}: RECIST spider plot", r.case_id));
    let months: Vec<f64> = r
        .visits
        .iter()
        .map(|v| v.days_from_baseline as f64 / DAYS_PER_MONTH)
        .collect();
    let c = &r.criteria;
    let base_sum = r.visits[0].sum_mm.unwrap_or(0.0);
    let has_targets = !r.lesions.is_empty() && base_sum > 0.0;

    // PD threshold at each follow-up visit, as % change from baseline.
    let pd_line: Vec<(f64, f64)> = if has_targets {
        r.visits
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(i, v)| {
                v.nadir_mm.map(|nadir| {
                    let limit =
                        (nadir * (1.0 + c.pd_increase_from_nadir_pct / 100.0)).max(nadir + c.pd_min_increase_mm);
                    (months[i], (limit - base_sum) / base_sum * 100.0)
                })
            })
            .collect()
    } else {
        Vec::new()
    };

    // Ranges.
    let mut lo = -c.pr_decrease_from_baseline_pct - 10.0;
    let mut hi = c.pd_increase_from_nadir_pct + 10.0;
    for l in &r.lesions {
        for v in l.change_from_baseline_pct.iter().flatten() {
            lo = lo.min(*v);
            hi = hi.max(*v);
        }
    }
    for v in &r.visits {
        if let Some(p) = v.change_from_baseline_pct {
            lo = lo.min(p);
            hi = hi.max(p);
        }
    }
    for (_, p) in &pd_line {
        hi = hi.max(*p);
        lo = lo.min(*p);
    }
    let (lo, hi) = nice_bounds(lo.max(-100.0), hi, 7);
    let xmax = months.last().copied().unwrap_or(0.0).max(1.0);
    let (_, xmax) = nice_bounds(0.0, xmax, 8);
    let x = Linear::new(0.0, xmax, f.left, f.right());
    let y = Linear::new(lo, hi, f.bottom(), f.top);

    // Title and summary.
    svg.text(
        f.left,
        28.0,
        &format!("{} — target lesions, change from baseline", r.case_id),
        17.0,
        "start",
        INK,
        true,
    );
    let best = |b: Option<OverallResponse>| b.map(|b| b.as_str().to_string()).unwrap_or_else(|| "—".into());
    let pfs = match (r.pfs_months, r.pfs_event) {
        (Some(m), Some(true)) => format!(
            "PFS {} months (progression {})",
            label_num(m, 1),
            r.progression_date.map(|d| d.to_string()).unwrap_or_default()
        ),
        (Some(m), _) => format!("PFS ≥ {} months (censored)", label_num(m, 1)),
        _ => "PFS not computed".into(),
    };
    svg.text(
        f.left,
        52.0,
        &format!(
            "Best overall response {} (confirmed: {}) · {} · from {} {}",
            best(r.best_overall_response),
            best(r.best_overall_response_confirmed),
            pfs,
            r.pfs_origin.basis,
            r.pfs_origin.date
        ),
        12.5,
        "start",
        MUTED,
        false,
    );

    let xt = ticks(0.0, xmax, 8);
    let yt = ticks(lo, hi, 7);
    axes(&mut svg, f, x, y, &xt, &yt, " %", 11.0);
    svg.text(
        f.left + f.width / 2.0,
        f.bottom() + 34.0,
        "Months from baseline imaging",
        12.0,
        "middle",
        MUTED,
        false,
    );
    svg.vtext(22.0, f.top + f.height / 2.0, "Change from baseline (%)", 12.0, MUTED);

    // Reference lines.
    svg.line(f.left, y.map(0.0), f.right(), y.map(0.0), MUTED, 1.2, None);
    let pr = -c.pr_decrease_from_baseline_pct;
    svg.line(f.left, y.map(pr), f.right(), y.map(pr), GOOD, 1.3, Some("6 4"));
    if !pd_line.is_empty() {
        // Stepped: the threshold that applies at a visit holds from the previous visit to it.
        let mut steps = Vec::new();
        for (k, (mx, p)) in pd_line.iter().enumerate() {
            let from = if k == 0 { 0.0 } else { pd_line[k - 1].0 };
            steps.push((x.map(from), y.map(*p)));
            steps.push((x.map(*mx), y.map(*p)));
        }
        svg.polyline(&steps, BAD, 1.3, Some("6 4"));
    }
    if let Some(pd) = r.progression_date
        && let Some(i) = r.visits.iter().position(|v| v.date == pd)
    {
        let px = x.map(months[i]);
        svg.line(px, f.top, px, f.bottom(), BAD, 1.0, Some("2 3"));
        let right_half = px > f.left + f.width / 2.0;
        svg.text(
            if right_half { px - 3.0 } else { px + 3.0 },
            f.top + 12.0,
            &format!("progression {pd}"),
            10.5,
            if right_half { "end" } else { "start" },
            BAD,
            false,
        );
    }

    // Lesions.
    let legend_x = f.right() + 24.0;
    let mut legend_y = f.top + 4.0;
    svg.text(legend_x, legend_y, "Target lesions", 12.0, "start", INK, true);
    legend_y += 20.0;
    for (k, l) in r.lesions.iter().enumerate() {
        let colour = SERIES[k % SERIES.len()];
        let dash = if l.lymph_node { Some("5 3") } else { None };
        let pts: Vec<Option<(f64, f64)>> = l
            .change_from_baseline_pct
            .iter()
            .enumerate()
            .map(|(i, p)| p.map(|p| (x.map(months[i]), y.map(p))))
            .collect();
        for run in runs(&pts) {
            svg.polyline(&run, colour, 1.6, dash);
        }
        for (i, p) in pts.iter().enumerate() {
            if let Some((px, py)) = p {
                let d = l.diameters_mm[i].unwrap_or(0.0);
                let tip = format!(
                    "{} ({}) {}: {} mm, {} %",
                    l.id,
                    l.organ,
                    r.visits[i].date,
                    label_num(d, 1),
                    label_num(l.change_from_baseline_pct[i].unwrap_or(0.0), 1)
                );
                svg.circle(*px, *py, 2.8, colour, colour, Some(&tip));
            }
        }
        svg.line(
            legend_x,
            legend_y - 4.0,
            legend_x + 22.0,
            legend_y - 4.0,
            colour,
            2.0,
            dash,
        );
        let label = if l.lymph_node {
            format!("{} ({}, node, short axis)", l.id, l.organ)
        } else {
            format!("{} ({})", l.id, l.organ)
        };
        for line in wrap(&label, 30) {
            svg.text(legend_x + 28.0, legend_y, &line, 11.0, "start", INK, false);
            legend_y += 14.0;
        }
        legend_y += 4.0;
    }

    // Sum of diameters.
    if has_targets {
        let pts: Vec<Option<(f64, f64)>> = r
            .visits
            .iter()
            .enumerate()
            .map(|(i, v)| v.change_from_baseline_pct.map(|p| (x.map(months[i]), y.map(p))))
            .collect();
        for run in runs(&pts) {
            svg.polyline(&run, INK, 3.0, None);
        }
        for (i, p) in pts.iter().enumerate() {
            if let Some((px, py)) = p {
                let v = &r.visits[i];
                let tip = format!(
                    "{}: sum {} mm, {} % from baseline{}",
                    v.date,
                    label_num(v.sum_mm.unwrap_or(0.0), 1),
                    label_num(v.change_from_baseline_pct.unwrap_or(0.0), 1),
                    v.overall_response.map(|o| format!(", overall {o}")).unwrap_or_default()
                );
                svg.circle(*px, *py, 4.0, "#ffffff", INK, Some(&tip));
            }
        }
        svg.line(
            legend_x,
            legend_y - 4.0,
            legend_x + 22.0,
            legend_y - 4.0,
            INK,
            3.0,
            None,
        );
        svg.text(legend_x + 28.0, legend_y, "Sum of diameters", 11.0, "start", INK, true);
        legend_y += 18.0;
    } else {
        svg.text(
            f.left + f.width / 2.0,
            f.top + f.height / 2.0,
            "No target lesions: response from non-target disease and new lesions only",
            12.0,
            "middle",
            MUTED,
            false,
        );
    }
    legend_y += 8.0;
    svg.line(
        legend_x,
        legend_y - 4.0,
        legend_x + 22.0,
        legend_y - 4.0,
        GOOD,
        1.3,
        Some("6 4"),
    );
    let pr_label = format!("PR: −{} % from baseline", label_num(c.pr_decrease_from_baseline_pct, 1));
    for line in wrap(&pr_label, 30) {
        svg.text(legend_x + 28.0, legend_y, &line, 11.0, "start", INK, false);
        legend_y += 14.0;
    }
    legend_y += 4.0;
    if !pd_line.is_empty() {
        svg.line(
            legend_x,
            legend_y - 4.0,
            legend_x + 22.0,
            legend_y - 4.0,
            BAD,
            1.3,
            Some("6 4"),
        );
        let pd_label = format!(
            "PD threshold at each visit: +{} % and +{} mm from the nadir, shown as change from baseline",
            label_num(c.pd_increase_from_nadir_pct, 1),
            label_num(c.pd_min_increase_mm, 1)
        );
        for line in wrap(&pd_label, 30) {
            svg.text(legend_x + 28.0, legend_y, &line, 11.0, "start", INK, false);
            legend_y += 14.0;
        }
    }

    // Overall response per visit.
    let row = f.bottom() + 74.0;
    svg.text(
        f.left - 60.0,
        row - 18.0,
        "Overall response at each visit",
        11.0,
        "start",
        MUTED,
        true,
    );
    for (i, v) in r.visits.iter().enumerate() {
        let px = x.map(months[i]);
        match v.overall_response {
            Some(o) => {
                let mut label = o.as_str().to_string();
                if v.new_lesions {
                    label.push('*');
                }
                svg.text(px, row, &label, 11.0, "middle", response_colour(o), true);
            }
            None => svg.text(px, row, "BL", 11.0, "middle", MUTED, true),
        }
    }
    let any_new = r.visits.iter().any(|v| v.new_lesions);
    let note = format!(
        "BL = baseline{}. Knowledge {}. Source: {} [{}].",
        if any_new { "; * = new lesion(s)" } else { "" },
        r.knowledge_version,
        c.sources
            .get(1)
            .map(|s| s.reference.as_str())
            .unwrap_or(c.title.as_str()),
        c.sources.get(1).map(|s| s.status.mark()).unwrap_or(""),
    );
    for (k, line) in wrap(&note, 140).iter().enumerate() {
        svg.text(f.left, h - 34.0 + 14.0 * k as f64, line, 10.0, "start", MUTED, false);
    }
    svg.finish()
}
