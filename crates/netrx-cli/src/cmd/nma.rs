//! `netrx nma --network FILE.csv | --from-knowledge --population P [--random] [--json] [--svg F]`:
//! frequentist network meta-analysis of log hazard ratios as R's netmeta computes it (fixed and
//! random effects with DerSimonian–Laird τ², multi-arm studies reweighted), with the league table,
//! P-scores, the design-by-treatment decomposition of Q, node-splitting and a network graph.

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_clinical::network::{KnowledgeNetwork, network};
use netrx_kb::Kb;
use netrx_plot::network::{Link, Network, Node, render};
use netrx_stats::nma::{Contrast, Estimate, Model, Nma, Options, contrasts_from_csv, nma};
use serde_json::{Value, json};
use std::path::PathBuf;

/// Network meta-analysis of hazard ratios: league table, P-scores, inconsistency, network graph.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx nma --from-knowledge --population pnet
  netrx nma --from-knowledge --population gi_lung --random --json
  netrx nma --from-knowledge --population pnet --svg pnet-network.svg
  netrx nma --network examples/radiant4/network_gi_lung.csv --json
  netrx nma --from-knowledge --population midgut --allow-ttp     # PROMID's TTP stands in (warned)

Network file (CSV, header required), one row per pairwise contrast:
  study,treat1,treat2,log_hr,se
  RADIANT-4,everolimus,placebo,-0.7340,0.1650
log_hr is the log hazard ratio of treat1 versus treat2 (SE from a 95 % CI: (ln U − ln L)/3.92).
A multi-arm study gives all its pairwise contrasts under one study label (3 arms → 3 rows).

Method as R netmeta (Rücker 2012): weighted least squares on the network graph; random effects add
the generalised DerSimonian–Laird τ² (Jackson 2012) to every contrast. League rows read as the input:
treat1 vs treat2, HR < 1 favours treat1. P-scores rank treatments (lower HR better). Inconsistency:
Q split into within- and between-design parts (Krahn 2013) and node-splitting by back-calculation.
A disconnected network is analysed on its largest connected part; the rest is listed as excluded.
Every estimate is computed by netrx from published hazard ratios: derived, not published evidence,
and only as good as the assumption that the trials are similar enough to be combined.")]
pub struct Args {
    /// Network file: CSV study,treat1,treat2,log_hr,se.
    #[arg(long, conflicts_with_all = ["from_knowledge", "population"], required_unless_present = "from_knowledge")]
    pub network: Option<PathBuf>,
    /// Build the network from the trial base (needs --population).
    #[arg(long, requires = "population")]
    pub from_knowledge: bool,
    /// Population for --from-knowledge: pnet, gi_lung, midgut, lung, gep.
    #[arg(long)]
    pub population: Option<String>,
    /// Endpoint for --from-knowledge: pfs, ttp or os.
    #[arg(long, default_value = "pfs")]
    pub endpoint: String,
    /// With --from-knowledge and PFS: let a trial's TTP stand in where it reports no PFS (warned).
    #[arg(long)]
    pub allow_ttp: bool,
    /// Random-effects model (DerSimonian–Laird τ²); default fixed (common) effect.
    #[arg(long)]
    pub random: bool,
    /// Confidence level.
    #[arg(long, default_value_t = 0.95, allow_negative_numbers = true)]
    pub level: f64,
    /// Write the network graph (SVG) here.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

struct Loaded {
    rows: Vec<Contrast>,
    kn: Option<KnowledgeNetwork>,
    label: String,
}

fn load(a: &Args) -> CliResult<Loaded> {
    if a.from_knowledge {
        let kb = Kb::embedded()?;
        let pop = a.population.as_deref().unwrap_or_default();
        let kn = network(kb, pop, &a.endpoint, a.allow_ttp)?;
        if kn.rows.is_empty() {
            return Err(CliError::input(
                "--population",
                format!(
                    "{pop:?} has no randomised hazard ratio with a CI for {}; nothing to analyse",
                    kn.endpoint.label()
                ),
            ));
        }
        let label = format!("{} ({}), {}", kn.population_name, kn.population, kn.endpoint.label());
        Ok(Loaded {
            rows: kn.contrasts(),
            label,
            kn: Some(kn),
        })
    } else {
        if a.allow_ttp {
            return Err(CliError::input(
                "--allow-ttp",
                "got it with --network; allowed: only with --from-knowledge",
            ));
        }
        let path = a.network.as_ref().expect("clap requires --network or --from-knowledge");
        let text = io::read_input("--network", path)?;
        let rows = contrasts_from_csv("--network", &text, &["log_hr"])?;
        Ok(Loaded {
            rows,
            kn: None,
            label: path.display().to_string(),
        })
    }
}

pub fn run(a: Args) -> CliResult {
    let loaded = load(&a)?;
    let model = if a.random { Model::Random } else { Model::Fixed };
    let r = nma(&loaded.rows, model, &Options { level: a.level })?;
    if let Some(p) = &a.svg {
        io::write_output(p, &svg(&r, &loaded))?;
    }
    if a.json {
        io::print_json(&to_json(&r, &loaded))
    } else {
        io::print_text(&text(&r, &loaded))
    }
}

fn name<'a>(l: &'a Loaded, id: &'a str) -> String {
    if let Some(kn) = &l.kn {
        for r in &kn.rows {
            if r.treat1 == id {
                return r.treat1_name.clone();
            }
            if r.treat2 == id {
                return r.treat2_name.clone();
            }
        }
    }
    id.to_string()
}

fn est_json(e: &Estimate) -> Value {
    json!({
        "log_hr": e.te,
        "se": e.se,
        "hr": e.te.exp(),
        "lower": e.lower.exp(),
        "upper": e.upper.exp(),
        "z": e.z,
        "p": e.p,
    })
}

fn league_json(rows: &[netrx_stats::nma::LeagueRow], l: &Loaded) -> Vec<Value> {
    rows.iter()
        .map(|x| {
            let mut v = est_json(&x.estimate);
            let o = v.as_object_mut().expect("an object");
            o.insert("treat1".into(), json!(x.treat1));
            o.insert("treat2".into(), json!(x.treat2));
            if l.kn.is_some() {
                o.insert("treat1_name".into(), json!(name(l, &x.treat1)));
                o.insert("treat2_name".into(), json!(name(l, &x.treat2)));
            }
            v
        })
        .collect()
}

fn q_json(q: &netrx_stats::nma::QTest) -> Value {
    json!({ "q": q.q, "df": q.df, "p": q.p })
}

fn model_id(m: Model) -> &'static str {
    match m {
        Model::Fixed => "fixed",
        Model::Random => "random",
    }
}

fn to_json(r: &Nma, l: &Loaded) -> Value {
    let other = match r.model {
        Model::Fixed => Model::Random,
        Model::Random => Model::Fixed,
    };
    let mut v = json!({
        "model": model_id(r.model),
        "model_label": r.model.label(),
        "tau2": r.tau2,
        "tau": r.tau,
        "i2": r.i2,
        "heterogeneity": q_json(&r.heterogeneity),
        "level": r.level,
        "treatments": r.treatments,
        "n_studies": r.n_studies,
        "n_contrasts": r.n_contrasts,
        "n_designs": r.n_designs,
        "multi_arm": r.multi_arm.iter().map(|(s, k)| json!({"study": s, "arms": k})).collect::<Vec<_>>(),
        "league": league_json(&r.league, l),
        "other_model": { "model": model_id(other), "league": league_json(&r.league_other, l) },
        "p_scores": r.p_scores.iter().enumerate().map(|(i, (t, p))| {
            let mut o = json!({"treatment": t, "p_score": p, "rank": i + 1});
            if l.kn.is_some() { o["name"] = json!(name(l, t)); }
            o
        }).collect::<Vec<_>>(),
        "inconsistency": {
            "total": q_json(&r.inconsistency.total),
            "within_designs": q_json(&r.inconsistency.within_designs),
            "between_designs": q_json(&r.inconsistency.between_designs),
            "designs": r.inconsistency.designs.iter().map(|d| json!({
                "design": d.design, "studies": d.studies, "q": d.test.q, "df": d.test.df, "p": d.test.p
            })).collect::<Vec<_>>(),
            "node_split": r.inconsistency.node_split.iter().map(|s| json!({
                "treat1": s.treat1,
                "treat2": s.treat2,
                "studies": s.studies,
                "network": est_json(&s.network),
                "direct": est_json(&s.direct),
                "indirect": s.indirect.as_ref().map(est_json),
                "difference": s.difference.as_ref().map(|d| json!({
                    "log_ratio": d.te, "se": d.se, "ratio_of_hrs": d.te.exp(), "z": d.z, "p": d.p
                })),
                "direct_proportion": s.direct_proportion,
            })).collect::<Vec<_>>(),
        },
        "contrasts": r.contrasts.iter().map(|c| json!({
            "study": c.study, "treat1": c.treat1, "treat2": c.treat2,
            "log_hr": c.te, "se": c.se, "se_used": c.se_used,
            "fitted_log_hr": c.fitted, "leverage": c.leverage,
        })).collect::<Vec<_>>(),
        "excluded": r.excluded.iter().map(|e| json!({
            "study": e.contrast.study, "treat1": e.contrast.treat1, "treat2": e.contrast.treat2,
            "log_hr": e.contrast.te, "se": e.contrast.se, "reason": e.reason,
        })).collect::<Vec<_>>(),
        "warnings": all_warnings(r, l),
        "input": l.label,
        "status": "derived",
        "note": "Computed by netrx from published hazard ratios; not a published estimate. Valid only if the trials are similar enough to be combined (transitivity).",
    });
    if let Some(kn) = &l.kn {
        let o = v.as_object_mut().expect("an object");
        o.insert("population".into(), json!(kn.population));
        o.insert("population_name".into(), json!(kn.population_name));
        o.insert("endpoint".into(), json!(kn.endpoint));
        o.insert("sources".into(), json!(kn.rows));
        o.insert("left_out".into(), json!(kn.left_out));
        o.insert("knowledge_version".into(), json!(kn.knowledge_version));
    }
    v
}

/// Whether a study of the input was left out of the analysed (connected) network.
fn excluded(r: &Nma, study: &str) -> bool {
    r.excluded.iter().any(|e| e.contrast.study == study)
}

fn all_warnings(r: &Nma, l: &Loaded) -> Vec<String> {
    let mut w = r.warnings.clone();
    if let Some(kn) = &l.kn {
        // Warnings about trials that are not in the analysed network do not apply to it.
        let out: Vec<String> = kn
            .rows
            .iter()
            .filter(|x| excluded(r, &x.study))
            .map(|x| format!("{}:", x.trial_name))
            .collect();
        w.extend(
            kn.warnings
                .iter()
                .filter(|x| !out.iter().any(|o| x.starts_with(o.as_str())))
                .cloned(),
        );
    }
    w
}

fn f2(x: f64) -> String {
    format!("{x:.2}")
}

fn p_text(p: Option<f64>) -> String {
    match p {
        None => "—".into(),
        Some(p) if p < 0.0001 => "< 0.0001".into(),
        Some(p) => format!("{p:.4}"),
    }
}

/// "p = 0.0021", "p < 0.0001" or "p —".
fn p_eq(p: Option<f64>) -> String {
    match p {
        None => "p —".into(),
        Some(x) if x < 0.0001 => "p < 0.0001".into(),
        Some(_) => format!("p = {}", p_text(p)),
    }
}

fn hr_ci(e: &Estimate) -> String {
    format!("{} ({}–{})", f2(e.te.exp()), f2(e.lower.exp()), f2(e.upper.exp()))
}

fn text(r: &Nma, l: &Loaded) -> String {
    let mut s = String::new();
    let mut w = |x: String| {
        s.push_str(&x);
        s.push('\n');
    };
    let pct = (r.level * 100.0).round();
    w(format!("Network meta-analysis — {}", l.label));
    w(format!("  Model          {}", r.model.label()));
    w(format!(
        "  Network        {} studies, {} treatments, {} contrasts, {} designs{}",
        r.n_studies,
        r.treatments.len(),
        r.n_contrasts,
        r.n_designs,
        if r.multi_arm.is_empty() {
            String::new()
        } else {
            format!(
                "; multi-arm: {}",
                r.multi_arm
                    .iter()
                    .map(|(s, k)| format!("{s} ({k} arms)"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    let h = &r.heterogeneity;
    w(format!(
        "  Heterogeneity  Q = {:.2}, df = {}, {}; τ² = {}; I² = {}",
        h.q,
        h.df,
        p_eq(h.p),
        r.tau2
            .map(|t| format!("{t:.4} (τ = {:.4})", t.sqrt()))
            .unwrap_or_else(|| "not estimable (df = 0)".into()),
        r.i2.map(|i| format!(
            "{:.1} % [{:.1} %; {:.1} %]",
            i.i2 * 100.0,
            i.lower * 100.0,
            i.upper * 100.0
        ))
        .unwrap_or_else(|| "—".into())
    ));
    let inc = &r.inconsistency;
    let loops = inc.node_split.iter().any(|x| x.indirect.is_some());
    if !loops {
        w(
            "  Inconsistency  not assessable: no closed loop of evidence (every comparison rests on a single path)"
                .into(),
        );
    }
    w(format!(
        "  Design Q       within designs Q = {:.2} (df {}, {}); between designs Q = {:.2} (df {}, {})",
        inc.within_designs.q,
        inc.within_designs.df,
        p_eq(inc.within_designs.p),
        inc.between_designs.q,
        inc.between_designs.df,
        p_eq(inc.between_designs.p)
    ));
    // Ranking.
    w(String::new());
    w("  Ranking (P-score: mean certainty of being better than each other treatment; lower HR better)".into());
    for (i, (t, p)) in r.p_scores.iter().enumerate() {
        let label = if name(l, t) == *t {
            t.clone()
        } else {
            format!("{} ({t})", name(l, t))
        };
        w(format!("    {:>2}. {:<48} {:.3}", i + 1, label, p));
    }
    // League table, in P-score order.
    w(String::new());
    w(format!(
        "  League table: HR ({pct:.0} % CI) of the row treatment vs the column treatment; HR < 1 favours the row"
    ));
    let order: Vec<&String> = r.p_scores.iter().map(|x| &x.0).collect();
    let width = 18usize;
    let head_w = order.iter().map(|t| t.chars().count()).max().unwrap_or(4).max(4);
    let mut head = format!("    {:<head_w$}", "");
    for t in &order {
        let short: String = t.chars().take(width - 1).collect();
        head.push_str(&format!(" {short:>width$}"));
    }
    w(head);
    for a in &order {
        let mut line = format!("    {a:<head_w$}");
        for b in &order {
            let cell = if a == b {
                "·".to_string()
            } else {
                r.get(a, b).map(|x| hr_ci(&x.estimate)).unwrap_or_default()
            };
            line.push_str(&format!(" {cell:>width$}"));
        }
        w(line);
    }
    // Node-splitting.
    if loops {
        w(String::new());
        w("  Direct vs indirect evidence (node-splitting by back-calculation), HR (95 % CI)".into());
        for x in &inc.node_split {
            let ind = x
                .indirect
                .as_ref()
                .map(hr_ci)
                .unwrap_or_else(|| "— (direct evidence only)".into());
            let diff = x
                .difference
                .as_ref()
                .map(|d| format!("ratio {}, {}", f2(d.te.exp()), p_eq(Some(d.p))))
                .unwrap_or_default();
            w(format!(
                "    {} vs {}: network {}; direct {} ({} {}); indirect {}{}",
                x.treat1,
                x.treat2,
                hr_ci(&x.network),
                hr_ci(&x.direct),
                x.studies,
                if x.studies == 1 { "study" } else { "studies" },
                ind,
                if diff.is_empty() {
                    String::new()
                } else {
                    format!("; {diff}")
                }
            ));
        }
    }
    if let Some(kn) = &l.kn {
        w(String::new());
        w("  Inputs (published hazard ratios; SE from the 95 % CI)".into());
        for row in &kn.rows {
            let cohort = if row.cohort == "all" {
                String::new()
            } else {
                format!(", {}", row.cohort_label)
            };
            let ass = row.assessment.map(|a| format!(", {}", a.label())).unwrap_or_default();
            w(format!(
                "    {}{}: {} vs {}, HR {} ({}–{}){} — {} [{}]{}",
                row.trial_name,
                cohort,
                row.treat1_name,
                row.treat2_name,
                netrx_kb::trials::fmt_ratio(row.hr),
                netrx_kb::trials::fmt_ratio(row.ci[0]),
                netrx_kb::trials::fmt_ratio(row.ci[1]),
                ass,
                row.source.reference,
                row.source.status.mark(),
                if excluded(r, &row.study) {
                    "  (not connected: excluded)"
                } else {
                    ""
                }
            ));
        }
        if !kn.left_out.is_empty() {
            w("  Not in the network".into());
            for x in &kn.left_out {
                w(format!("    {}: {}", x.trial_name, x.reason));
            }
        }
    }
    if !r.excluded.is_empty() {
        w("  Excluded contrasts".into());
        for e in &r.excluded {
            w(format!(
                "    {}: {} vs {} — {}",
                e.contrast.study, e.contrast.treat1, e.contrast.treat2, e.reason
            ));
        }
    }
    let warns = all_warnings(r, l);
    if !warns.is_empty() {
        w("  Warnings".into());
        for x in &warns {
            w(format!("    ! {x}"));
        }
    }
    w("  Status         derived — computed by netrx from published hazard ratios, not a published estimate;".into());
    w("                 valid only if the trials are similar enough to be combined (transitivity)".into());
    if let Some(kn) = &l.kn {
        w(format!("  Knowledge      {}", kn.knowledge_version));
    }
    s.trim_end().to_string()
}

fn svg(r: &Nma, l: &Loaded) -> String {
    let score = |t: &str| r.p_scores.iter().find(|x| x.0 == t).map(|x| x.1);
    let nodes = r
        .treatments
        .iter()
        .map(|t| Node {
            id: t.clone(),
            label: name(l, t),
            detail: score(t).map(|p| format!("P-score {p:.2}")).unwrap_or_default(),
        })
        .collect();
    let links = r
        .edges
        .iter()
        .map(|e| Link {
            from: e.treat1.clone(),
            to: e.treat2.clone(),
            studies: e.studies,
            weight: e.studies as f64,
            dashed: false,
        })
        .collect();
    let multi_arm = r
        .multi_arm
        .iter()
        .filter_map(|(s, _)| {
            let mut arms: Vec<String> = r
                .contrasts
                .iter()
                .filter(|c| &c.study == s)
                .flat_map(|c| [c.treat1.clone(), c.treat2.clone()])
                .collect();
            arms.sort();
            arms.dedup();
            (arms.len() > 2).then_some(arms)
        })
        .collect();
    let mut footnotes = vec![
        format!(
            "Edges: direct comparisons (number of studies on the edge; width ∝ studies). Model: {}{}.",
            r.model.label(),
            r.tau2.map(|t| format!(", τ² = {t:.4}")).unwrap_or_default()
        ),
        "Derived by netrx from published hazard ratios (not a published estimate); P-scores: lower HR better.".into(),
    ];
    if let Some(kn) = &l.kn {
        for e in &r.edges {
            let trials: Vec<String> = kn
                .rows
                .iter()
                .filter(|x| {
                    (x.treat1 == e.treat1 && x.treat2 == e.treat2) || (x.treat1 == e.treat2 && x.treat2 == e.treat1)
                })
                .map(|x| format!("{} [{}]", x.trial_name, x.source.status.mark()))
                .collect();
            footnotes.push(format!(
                "{} – {}: {}",
                name(l, &e.treat1),
                name(l, &e.treat2),
                trials.join(", ")
            ));
        }
        footnotes.push(format!("Knowledge version {}", kn.knowledge_version));
    }
    if !r.excluded.is_empty() {
        footnotes.push(format!(
            "Not connected, not shown: {}",
            r.excluded
                .iter()
                .map(|e| format!("{} ({} vs {})", e.contrast.study, e.contrast.treat1, e.contrast.treat2))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    render(&Network {
        title: format!("Treatment network — {}", l.label),
        subtitle: format!(
            "{} studies, {} treatments, {} direct comparisons",
            r.n_studies,
            r.treatments.len(),
            r.edges.len()
        ),
        nodes,
        links,
        multi_arm,
        footnotes,
    })
}
