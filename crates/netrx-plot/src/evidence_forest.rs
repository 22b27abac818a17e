//! The forest plot of an agent's randomised hazard ratios (`netrx forest`, the web app's
//! evidence explorer): [`chart`] turns the rows of `netrx_clinical::compare::forest` into a
//! [`Forest`] — one section per trial, marks for inverted, TTP and unverified rows, and the
//! sources underneath. Drawn by [`crate::forest::forest_svg`].

use crate::forest::{Forest, ForestItem, ForestRow, est_text};
use netrx_clinical::compare::{ForestData, ForestEntry};
use std::collections::BTreeMap;

fn is_verified(e: &ForestEntry) -> bool {
    e.status.id() == "verified"
}

/// The chart: one section per trial (a header when it has several rows).
pub fn chart(d: &ForestData) -> Forest {
    let mut by_trial: Vec<(String, Vec<&ForestEntry>)> = Vec::new();
    for e in &d.entries {
        match by_trial.iter_mut().find(|(t, _)| *t == e.trial) {
            Some((_, v)) => v.push(e),
            None => by_trial.push((e.trial.clone(), vec![e])),
        }
    }
    let mut items = Vec::new();
    let mut used_marks = BTreeMap::new();
    let mut sources: Vec<String> = Vec::new();
    for (_, es) in &by_trial {
        let several = es.len() > 1;
        let contrast = format!("{} vs {}", es[0].agent_name, es[0].comparator_name);
        if several {
            items.push(ForestItem::Header(format!("{} — {contrast}", es[0].trial_name)));
        }
        for e in es {
            let mut mark = String::new();
            if e.inverted {
                mark.push('*');
                used_marks.insert(
                    '*',
                    "* published with the agent as the control arm; shown inverted (agent vs comparator).",
                );
            }
            if e.endpoint.id() == "ttp" {
                mark.push('§');
                used_marks.insert(
                    '§',
                    "§ time to progression (deaths without progression censored), not PFS.",
                );
            }
            if !is_verified(e) {
                mark.push('†');
                used_marks.insert(
                    '†',
                    "† not verified against the primary paper (secondary source or UNVERIFIED) — check before use.",
                );
            }
            let what = {
                let mut v = vec![e.endpoint.label().to_string()];
                if let Some(a) = e.assessment {
                    v.push(a.label().to_string());
                }
                v.push(format!("{:?}", e.kind).to_lowercase().replace("posthoc", "post hoc"));
                v.join(", ")
            };
            let (label, detail) = if e.cohort == "all" {
                if several {
                    ("Whole trial".to_string(), what)
                } else {
                    (e.trial_name.clone(), format!("{what} · {contrast}"))
                }
            } else if several {
                (e.cohort_label.trim_start_matches("Subgroup: ").to_string(), what)
            } else {
                (
                    format!("{} — {}", e.trial_name, e.cohort_label.trim_start_matches("Subgroup: ")),
                    format!("{what} · {contrast}"),
                )
            };
            items.push(ForestItem::Row(ForestRow {
                label,
                detail,
                indent: several,
                n: e.n.clone(),
                estimate: e.hr,
                lower: e.ci_low,
                upper: e.ci_high,
                text: Some(estimate_text(e)),
                mark,
                bold: e.cohort == "all" && e.preferred,
            }));
            let line = format!("{}: {}", e.trial_name, e.source.reference);
            if !sources.contains(&line) {
                sources.push(line);
            }
        }
    }
    let mut footnotes = vec![
        "Squares: hazard ratio (size ∝ precision); lines: 95% CI; N = patients per arm (agent / comparator) or in the subgroup."
            .to_string(),
    ];
    footnotes.extend(used_marks.values().map(|s| s.to_string()));
    footnotes.push("Sources:".into());
    footnotes.extend(sources.into_iter().map(|s| format!("  {s}")));
    footnotes.push(format!(
        "Trials differ in population, comparator, assessment and era: do not compare the rows with each other. Knowledge {}",
        d.knowledge_version
    ));
    Forest {
        title: format!("{}: randomised hazard ratios ({})", d.agent_name, d.endpoint.label()),
        subtitle: format!(
            "Per trial and subgroup, {} vs comparator{}",
            d.agent_name,
            d.population
                .as_ref()
                .map(|p| format!(" — population {p}"))
                .unwrap_or_default()
        ),
        measure: "HR".into(),
        favours_left: format!("Favours {}", d.agent_name),
        favours_right: "Favours comparator".into(),
        items,
        footnotes,
    }
}

/// The published precision for a published HR (0.276 (0.182–0.418)); two decimals for an inverted one.
pub fn estimate_text(e: &ForestEntry) -> String {
    if e.inverted {
        est_text(e.hr, e.ci_low, e.ci_high)
    } else {
        use netrx_kb::trials::fmt_ratio;
        format!("{} ({}–{})", fmt_ratio(e.hr), fmt_ratio(e.ci_low), fmt_ratio(e.ci_high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netrx_clinical::compare::{Evidence, forest};

    #[test]
    fn one_section_per_trial_and_sources_underneath() {
        let kb = netrx_kb::Kb::embedded().unwrap();
        let d = forest(&Evidence::of(kb), "everolimus", "pfs", None, false).unwrap();
        let f = chart(&d);
        let rows = f.items.iter().filter(|i| matches!(i, ForestItem::Row(_))).count();
        assert_eq!(rows, d.entries.len());
        assert!(f.footnotes.iter().any(|l| l == "Sources:"));
        for e in &d.entries {
            assert!(
                f.footnotes.iter().any(|l| l.contains(&e.source.reference)),
                "{} has its source listed",
                e.trial_name
            );
        }
    }
}
