//! Network meta-analysis checked on netmeta's documented example, the Senn et al. (2013) diabetes
//! network (26 studies, 10 treatments, 28 contrasts, one three-arm study), data in
//! tests/data/ipd_nma/senn2013.csv (source and provenance in tests/data/ipd_nma/README.md).
//!
//! Two kinds of expected numbers:
//! 1. netmeta's published summary of this example, as printed (4 significant digits): Q = 96.99 on
//!    18 df; within designs 74.46 (11 df), between designs 22.53 (7 df); τ² = 0.1087;
//!    I² = 81.4 % [72.0 %; 87.7 %]. Tolerance: half a unit of the last printed digit.
//! 2. Full-precision oracle from an independent implementation, R metafor 3.8-1 `rma.mv` (GLS with
//!    the exact covariance of the three-arm study), script gen_senn2013_oracle.R, output
//!    senn2013_oracle.tsv: every pairwise estimate and SE (fixed, and random given τ²), Q, the
//!    P-scores and the within-design Q. Tolerance 1e-8 (both are direct linear algebra; the
//!    difference is rounding).

use netrx_stats::nma::{Model, Options, contrasts_from_csv, nma};
use std::collections::HashMap;

fn data() -> Vec<netrx_stats::nma::Contrast> {
    contrasts_from_csv("senn2013.csv", include_str!("data/ipd_nma/senn2013.csv"), &["te"]).unwrap()
}

fn oracle() -> HashMap<String, f64> {
    include_str!("data/ipd_nma/senn2013_oracle.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once('\t').unwrap();
            (k.to_string(), v.trim().parse().unwrap())
        })
        .collect()
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want} (tol {tol})");
}

#[test]
fn published_summary_as_printed_by_netmeta() {
    let r = nma(&data(), Model::Fixed, &Options::default()).unwrap();
    assert_eq!(r.n_studies, 26);
    assert_eq!(r.treatments.len(), 10);
    assert_eq!(r.n_contrasts, 28);
    assert_eq!(r.multi_arm, vec![("Willms1999".to_string(), 3)]);
    close(r.heterogeneity.q, 96.99, 0.005, "Q");
    assert_eq!(r.heterogeneity.df, 18);
    let inc = &r.inconsistency;
    close(inc.within_designs.q, 74.46, 0.005, "Q within designs");
    assert_eq!(inc.within_designs.df, 11);
    close(inc.between_designs.q, 22.53, 0.005, "Q between designs");
    assert_eq!(inc.between_designs.df, 7);
    close(r.tau2.unwrap(), 0.1087, 0.00005, "tau2");
    let i2 = r.i2.unwrap();
    close(i2.i2 * 100.0, 81.4, 0.05, "I2");
    close(i2.lower * 100.0, 72.0, 0.05, "I2 lower");
    close(i2.upper * 100.0, 87.7, 0.05, "I2 upper");
}

#[test]
fn fixed_and_random_effects_match_metafor_to_full_precision() {
    let o = oracle();
    let rows = data();
    for (model, prefix) in [(Model::Fixed, "fe"), (Model::Random, "re")] {
        let r = nma(&rows, model, &Options::default()).unwrap();
        let mut n = 0;
        for x in &r.league {
            let k = format!("{prefix}.{}.{}", x.treat1, x.treat2);
            close(x.estimate.te, o[&format!("{k}.te")], 1e-8, &format!("{k}.te"));
            close(x.estimate.se, o[&format!("{k}.se")], 1e-8, &format!("{k}.se"));
            n += 1;
        }
        assert_eq!(n, 90, "all ordered pairs of 10 treatments");
        for (t, p) in &r.p_scores {
            close(
                *p,
                o[&format!("{prefix}.pscore.{t}")],
                1e-8,
                &format!("{prefix} P-score {t}"),
            );
        }
    }
    let r = nma(&rows, Model::Fixed, &Options::default()).unwrap();
    close(r.heterogeneity.q, o["fe.Q"], 1e-8, "Q");
    assert_eq!(r.heterogeneity.df as f64, o["fe.df"]);
    close(r.tau2.unwrap(), o["dl.tau2"], 1e-10, "tau2");
    close(r.inconsistency.within_designs.q, o["within.Q"], 1e-8, "within-design Q");
    assert_eq!(r.inconsistency.within_designs.df as f64, o["within.df"]);
    // The ranking the P-scores give (fixed effect): rosiglitazone first, placebo last.
    assert_eq!(r.p_scores[0].0, "rosi");
    assert_eq!(r.p_scores.last().unwrap().0, "plac");
}

/// The pairwise special case: one comparison's studies alone give metafor's DerSimonian–Laird τ².
#[test]
fn pairwise_tau2_equals_metafor_dl() {
    let o = oracle();
    let rows: Vec<_> = data()
        .into_iter()
        .filter(|c| c.treat1 == "rosi" && c.treat2 == "plac")
        .collect();
    let r = nma(&rows, Model::Random, &Options::default()).unwrap();
    close(r.tau2.unwrap(), o["dl2.tau2"], 1e-10, "pairwise DL tau2");
}

/// Node-splitting on this network: every comparison with direct evidence reports the direct and
/// (where the loop allows) indirect estimate; the back-calculation is exact — the network estimate
/// is the inverse-variance combination of direct and indirect.
#[test]
fn node_splitting_recombines_to_the_network_estimate() {
    let r = nma(&data(), Model::Fixed, &Options::default()).unwrap();
    let ns = &r.inconsistency.node_split;
    assert_eq!(ns.len(), r.edges.len());
    let mut with_indirect = 0;
    for s in ns {
        if let Some(ind) = &s.indirect {
            with_indirect += 1;
            let (vd, vi) = (s.direct.se.powi(2), ind.se.powi(2));
            let comb = (s.direct.te / vd + ind.te / vi) / (1.0 / vd + 1.0 / vi);
            close(comb, s.network.te, 1e-10, "recombined estimate");
            close(
                (1.0 / (1.0 / vd + 1.0 / vi)).sqrt(),
                s.network.se,
                1e-10,
                "recombined SE",
            );
        } else {
            assert!(s.direct_proportion > 1.0 - 1e-9);
        }
    }
    assert!(
        with_indirect >= 5,
        "the Senn network has loops through placebo and metformin"
    );
}
