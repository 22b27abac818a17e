//! Regimens in a region, from knowledge data: which tablets make up a dose, whether a
//! regimen is one the label uses, and the default candidate regimens of
//! `netrx pk population` (audit C1).
//!
//! Data: `knowledge/pk/regimens.toml` (tablet strengths per region, the standard and
//! every-other-day intervals, the inducer ceiling, how tablets combine, the default
//! candidate list) and the region's dose-reduction ladder in
//! `knowledge/everolimus/dosing.toml` (whose floor is the dose given every other day at
//! the ladder's end). No clinical number lives here.

use crate::simulate::Regimen;
use netrx_case::InputError;
use netrx_kb::{Kb, Source};
use serde::Serialize;

/// How a regimen stands in a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// One tablet of a strength the region has, at the label's standard interval.
    TabletStrength,
    /// Several of the region's tablets, at the standard interval.
    CombinedTablets,
    /// Every other day at a dose the label gives every other day (the lowest strength, or
    /// the last step of the region's reduction ladder).
    LabelEveryOtherDay,
    /// Made up of the region's tablets, but not a regimen the label uses.
    NotALabelRegimen,
    /// No combination of the region's tablets makes up the dose.
    NotAvailable,
}

/// A regimen's standing in a region, with the data it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct RegimenBasis {
    pub dose_mg: f64,
    pub interval_h: f64,
    pub basis: Basis,
    /// The tablets of one dose, largest first (fewest tablets); null when not available.
    pub tablets_mg: Option<Vec<f64>>,
    /// What the user should know, in words.
    pub note: String,
    /// The sources of the statements in `note`.
    pub sources: Vec<Source>,
}

/// The default candidate regimens of `netrx pk population` for a region.
#[derive(Debug, Clone, Serialize)]
pub struct PopulationDefaults {
    /// "us" or "eu".
    pub region: String,
    /// The regimens to simulate (the default list minus those not available).
    pub regimens: Vec<Regimen>,
    /// The basis of each regimen in `regimens`, in the same order.
    pub basis: Vec<RegimenBasis>,
    /// Regimens of the default list that no combination of the region's tablets makes up.
    pub not_available: Vec<RegimenBasis>,
    /// The source of the default list.
    pub source: Source,
}

/// Resolution of dose arithmetic: 0.01 mg.
const UNITS_PER_MG: f64 = 100.0;

fn region_strengths<'k>(kb: &'k Kb, region: &str) -> Result<&'k [f64], InputError> {
    kb.pk
        .regimens
        .tablets
        .for_region(region)
        .ok_or_else(|| InputError::invalid("--region", format!("{region:?}"), "us, eu"))
}

fn to_units(mg: f64) -> Option<usize> {
    let u = mg * UNITS_PER_MG;
    let r = u.round();
    ((u - r).abs() < 1e-6 && (0.0..=1e7).contains(&r)).then_some(r as usize)
}

/// The fewest tablets of `strengths` that add up to `dose_mg` exactly, largest first;
/// `None` when no combination does.
pub fn compose(dose_mg: f64, strengths: &[f64]) -> Option<Vec<f64>> {
    let target = to_units(dose_mg).filter(|&u| u > 0)?;
    let mut tabs: Vec<(usize, f64)> = strengths
        .iter()
        .filter_map(|&s| to_units(s).filter(|&u| u > 0).map(|u| (u, s)))
        .collect();
    tabs.sort_by_key(|t| std::cmp::Reverse(t.0));
    tabs.dedup_by_key(|t| t.0);
    // best[u] = fewest tablets summing to u units.
    let mut best = vec![u32::MAX; target + 1];
    best[0] = 0;
    for u in 1..=target {
        for &(s, _) in &tabs {
            if s <= u && best[u - s] != u32::MAX {
                best[u] = best[u].min(best[u - s] + 1);
            }
        }
    }
    if best[target] == u32::MAX {
        return None;
    }
    let mut out = Vec::new();
    let mut u = target;
    while u > 0 {
        let &(s, mg) = tabs
            .iter()
            .find(|&&(s, _)| s <= u && best[u - s] != u32::MAX && best[u - s] + 1 == best[u])
            .expect("a step on an optimal path");
        out.push(mg);
        u -= s;
    }
    Some(out)
}

fn same(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn list(mg: &[f64]) -> String {
    mg.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

/// Where regimen `r` stands in `region` ("us" or "eu").
pub fn classify(kb: &Kb, region: &str, r: &Regimen) -> Result<RegimenBasis, InputError> {
    let strengths = region_strengths(kb, region)?;
    let reg = &kb.pk.regimens;
    let name = region.to_uppercase();
    let (d, tau) = (r.dose_mg, r.interval_h);
    let tablets = compose(d, strengths);
    let out = |basis, note: String, sources: Vec<Source>| RegimenBasis {
        dose_mg: d,
        interval_h: tau,
        basis,
        tablets_mg: tablets.clone(),
        note,
        sources,
    };
    let Some(tabs) = &tablets else {
        return Ok(out(
            Basis::NotAvailable,
            format!(
                "No combination of {name} tablets ({} mg) makes up {d} mg.",
                list(strengths)
            ),
            vec![reg.tablets.source.clone()],
        ));
    };
    let std = &reg.standard;
    let eod = &reg.every_other_day;
    let ladder = kb.everolimus.ladder(region);
    if same(tau, std.interval_h) {
        let (mut basis, mut note, mut sources) = if tabs.len() == 1 {
            (
                Basis::TabletStrength,
                format!(
                    "One {d} mg tablet every {tau} h ({name} strengths {} mg).",
                    list(strengths)
                ),
                vec![reg.tablets.source.clone()],
            )
        } else {
            (
                Basis::CombinedTablets,
                format!(
                    "No {d} mg tablet in the {name} (strengths {} mg): {} mg tablets. {}",
                    list(strengths),
                    tabs.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(" + "),
                    reg.combination.text
                ),
                vec![reg.tablets.source.clone(), reg.combination.source.clone()],
            )
        };
        let ceiling = &reg.inducer_ceiling;
        if d > ceiling.max_daily_mg + 1e-9 {
            basis = Basis::NotALabelRegimen;
            note.push_str(&format!(
                " Above the {} mg daily the label allows even with a strong inducer: {}",
                ceiling.max_daily_mg, ceiling.note
            ));
            sources.push(ceiling.source.clone());
        } else if d > std.dose_mg + 1e-9 {
            note.push_str(&format!(
                " Above the standard {} mg daily: {}",
                std.dose_mg, ceiling.note
            ));
            sources.push(ceiling.source.clone());
        }
        return Ok(out(basis, note, sources));
    }
    if same(tau, eod.interval_h) {
        let lowest = strengths.iter().copied().fold(f64::INFINITY, f64::min);
        let ladder_text = ladder
            .map(|l| format!("the {name} dose-reduction ladder: {}", l.steps))
            .unwrap_or_else(|| format!("no {name} dose-reduction ladder in the knowledge base"));
        let floor = ladder.map(|l| l.floor_mg);
        let mean_daily = d * std.interval_h / tau;
        if same(d, lowest) || floor.is_some_and(|f| same(d, f)) {
            let mut sources = vec![eod.source.clone()];
            let mut note = if same(d, lowest) {
                format!(
                    "Every other day at the lowest {name} strength ({lowest} mg): {}",
                    eod.note
                )
            } else {
                format!("Every other day at {d} mg: the last step of {ladder_text}.")
            };
            if let Some(l) = ladder.filter(|l| same(d, l.floor_mg)) {
                if same(d, lowest) {
                    note.push_str(&format!(" It is the last step of {ladder_text}."));
                }
                sources.push(l.source.clone());
                sources.push(l.end_source.clone());
            }
            return Ok(out(Basis::LabelEveryOtherDay, note, sources));
        }
        let mut sources = vec![eod.source.clone()];
        if let Some(l) = ladder {
            sources.push(l.source.clone());
        }
        return Ok(out(
            Basis::NotALabelRegimen,
            format!(
                "{d} mg every other day is not a step of {ladder_text}. {} It gives the same mean daily dose as {mean_daily} mg daily.",
                eod.note
            ),
            sources,
        ));
    }
    Ok(out(
        Basis::NotALabelRegimen,
        format!(
            "The label doses once every {} h, and every {} h when a dose below the lowest strength is needed; every {tau} h is not a label interval.",
            std.interval_h, eod.interval_h
        ),
        vec![std.source.clone(), eod.source.clone()],
    ))
}

/// The default candidate regimens of `netrx pk population` in `region`: the list of
/// `[population_default]` in `knowledge/pk/regimens.toml`, less the regimens no
/// combination of the region's tablets makes up, each with its basis.
pub fn population_defaults(kb: &Kb, region: &str) -> Result<PopulationDefaults, InputError> {
    let def = &kb.pk.regimens.population_default;
    let mut out = PopulationDefaults {
        region: region.to_string(),
        regimens: Vec::new(),
        basis: Vec::new(),
        not_available: Vec::new(),
        source: def.source.clone(),
    };
    for r in &def.regimens {
        let reg = Regimen {
            dose_mg: r.dose_mg,
            interval_h: r.interval_h,
        };
        let b = classify(kb, region, &reg)?;
        if b.basis == Basis::NotAvailable {
            out.not_available.push(b);
        } else {
            out.regimens.push(reg);
            out.basis.push(b);
        }
    }
    Ok(out)
}

/// The regimens whose mean daily dose exceeds the label's Child–Pugh C maximum
/// (`knowledge/pk/regimens.toml` `child_pugh_c_max_daily_mg`).
pub fn above_child_pugh_c_maximum(kb: &Kb, regimens: &[Regimen]) -> Vec<Regimen> {
    let reg = &kb.pk.regimens;
    let cap = reg.child_pugh_c_max_daily_mg.value;
    regimens
        .iter()
        .filter(|r| r.dose_mg * reg.standard.interval_h / r.interval_h > cap + 1e-9)
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::compose;

    #[test]
    fn compose_uses_the_fewest_tablets() {
        let us = [2.5, 5.0, 7.5, 10.0];
        let eu = [2.5, 5.0, 10.0];
        assert_eq!(compose(7.5, &us), Some(vec![7.5]));
        assert_eq!(compose(7.5, &eu), Some(vec![5.0, 2.5]));
        assert_eq!(compose(15.0, &us), Some(vec![10.0, 5.0]));
        assert_eq!(compose(17.5, &us), Some(vec![10.0, 7.5]));
        assert_eq!(compose(17.5, &eu), Some(vec![10.0, 5.0, 2.5]));
        assert_eq!(compose(3.0, &us), None);
        assert_eq!(compose(1.25, &eu), None);
        assert_eq!(compose(0.0, &eu), None);
        // With strengths 3 and 5 the greedy answer for 9 (5 + ...) fails; the exact one is 3 + 3 + 3.
        assert_eq!(compose(9.0, &[3.0, 5.0]), Some(vec![3.0, 3.0, 3.0]));
    }
}
