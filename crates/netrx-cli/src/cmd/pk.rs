//! `netrx pk`: everolimus pharmacokinetics — profiles (`simulate`), exact
//! concentrations at given times (`at`), virtual populations (`population`) and
//! trough-guided individualisation of a case (`tdm`).

use crate::error::{CliError, CliResult};
use crate::io;
use netrx_case::InputError;
use netrx_clinical::capability::Region;
use netrx_clinical::tdm::{TdmOptions, TdmReport, resolve_comedication, target_window};
use netrx_kb::Kb;
use netrx_pk::model::{Applied, Covariates, Modifiers, PopModel, modifiers};
use netrx_pk::population::{PopulationSpec, RegimenResult, simulate_population};
use netrx_pk::regimens::{Basis, RegimenBasis, above_child_pugh_c_maximum, classify, population_defaults};
use netrx_pk::simulate::{Dosing, check_history, simulate};
use netrx_pk::{Dose, Mg, Regimen, Solution};
use netrx_plot::pk::{PkChart, concentration_svg};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Everolimus pharmacokinetics: simulate a regimen, exact concentrations, virtual populations, trough-guided dosing.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx pk simulate --dose 10 --interval 24 --days 14
  netrx pk simulate --dose 5 --interval 24 --days 10 --comedication verapamil --svg curve.svg
  netrx pk at --dose 10 --interval 24 --steady-state --times-h 0,1,2,24 --json
  netrx pk population --n 100000 --seed 42
  netrx pk tdm examples/pnet-everolimus-tdm.json

Model: de Wit 2016 (whole blood) by default; --model park2023 is a paediatric seizure model kept
for teaching. Everolimus TDM is not routine in NET and no trough target is label-endorsed for NET.")]
pub struct Args {
    #[command(subcommand)]
    pub command: PkCommand,
}

/// The `pk` subcommands.
#[derive(clap::Subcommand)]
pub enum PkCommand {
    Simulate(SimulateArgs),
    At(AtArgs),
    Population(PopulationArgs),
    Tdm(TdmArgs),
}

/// The patient options shared by simulate, at and population.
#[derive(clap::Args, Clone)]
pub struct PatientArgs {
    /// Body weight, kg.
    #[arg(long, default_value_t = 70.0)]
    pub weight: f64,
    /// Interacting co-medication (INN id or alias, e.g. verapamil, rifampicin); repeatable.
    #[arg(long = "comedication", value_name = "ID")]
    pub comedication: Vec<String>,
    /// Child–Pugh class of hepatic impairment.
    #[arg(long, value_parser = ["A", "B", "C"])]
    pub child_pugh: Option<String>,
    /// Population model id (default: de Wit 2016).
    #[arg(long)]
    pub model: Option<String>,
    /// ABCB1 TTT haplotype carrier (de Wit 2016: F x 0.792).
    #[arg(long)]
    pub abcb1_ttt: bool,
    /// Body-surface area, m² (models with a BSA covariate).
    #[arg(long)]
    pub bsa: Option<f64>,
}

/// Concentration–time profile of a regimen or a dosing history, with Cmax, Cmin, AUC and steady state.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx pk simulate --dose 10 --interval 24 --days 14
  netrx pk simulate --dose 5 --interval 48 --days 14 --json
  netrx pk simulate --history doses.json --days 10 --svg curve.svg
     (doses.json: [{\"time_h\": 0, \"dose_mg\": 10}, {\"time_h\": 24, \"dose_mg\": 10}, {\"time_h\": 72, \"dose_mg\": 5}])")]
pub struct SimulateArgs {
    /// Dose, mg.
    #[arg(long, required_unless_present = "history", requires = "interval")]
    pub dose: Option<f64>,
    /// Dosing interval, hours (48 = every other day).
    #[arg(long, requires = "dose")]
    pub interval: Option<f64>,
    /// Simulated period, days.
    #[arg(long)]
    pub days: f64,
    /// A dosing history (JSON list of { time_h, dose_mg }) instead of --dose/--interval.
    #[arg(long, conflicts_with_all = ["dose", "interval"])]
    pub history: Option<PathBuf>,
    #[command(flatten)]
    pub patient: PatientArgs,
    /// Time step of the profile, hours.
    #[arg(long = "step-h", default_value_t = 0.5)]
    pub step_h: f64,
    /// Write the curve with the target band as SVG.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Exact concentrations at given times, for checking against other tools.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx pk at --dose 10 --interval 24 --times-h 0.5,1,2,24 --json
  netrx pk at --dose 10 --interval 24 --steady-state --times-h 0,12,24 --json
  netrx pk at --history doses.json --times-h 30,48 --json

Times are hours after the first dose; with --steady-state, hours after a dose at steady state.")]
pub struct AtArgs {
    /// Dose, mg.
    #[arg(long, required_unless_present = "history", requires = "interval")]
    pub dose: Option<f64>,
    /// Dosing interval, hours.
    #[arg(long, requires = "dose")]
    pub interval: Option<f64>,
    /// Times are after a dose at steady state.
    #[arg(long, requires = "dose")]
    pub steady_state: bool,
    /// A dosing history (JSON list of { time_h, dose_mg }).
    #[arg(long, conflicts_with_all = ["dose", "interval", "steady_state"])]
    pub history: Option<PathBuf>,
    /// Comma-separated times, hours.
    #[arg(long = "times-h", value_delimiter = ',', required = true, num_args = 1..)]
    pub times_h: Vec<f64>,
    #[command(flatten)]
    pub patient: PatientArgs,
    /// Print JSON (the default output is a two-column table).
    #[arg(long)]
    pub json: bool,
}

/// Virtual population: steady-state trough distribution and probability of target attainment per regimen.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx pk population --n 100000 --seed 42
  netrx pk population --n 1000000 --seed 1 --regimen 5@24 --regimen 7.5@24 --json
  netrx pk population --n 50000 --seed 7 --comedication verapamil --target-low 10 --target-high 20
  netrx pk population --n 100000 --seed 1 --weight 75 --weight-cv 0.2
  netrx pk population --n 100000 --seed 1 --region eu

Default regimens: [population_default] of knowledge/pk/regimens.toml, checked against the
--region's tablet strengths; the output gives each regimen's basis (tablet strength, combined
tablets, the label's every-other-day step, or not a label regimen) and names any regimen the
region's tablets cannot make up. The result is identical for a seed whatever the number of
threads (RAYON_NUM_THREADS).")]
pub struct PopulationArgs {
    /// Number of virtual patients.
    #[arg(long, default_value_t = 10_000)]
    pub n: u64,
    /// Random seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Candidate regimen MG@H (dose mg every H hours); repeatable.
    #[arg(long = "regimen", value_name = "MG@H")]
    pub regimen: Vec<String>,
    /// Lower end of the target trough window, ng/mL (default from knowledge/pk/target.toml).
    #[arg(long, requires = "target_high")]
    pub target_low: Option<f64>,
    /// Upper end of the target trough window, ng/mL.
    #[arg(long, requires = "target_low")]
    pub target_high: Option<f64>,
    #[command(flatten)]
    pub patient: PatientArgs,
    /// Between-patient CV of body weight (log-normal with median --weight); 0 = everyone weighs --weight.
    #[arg(long, default_value_t = 0.0)]
    pub weight_cv: f64,
    /// Region whose tablet strengths and label regimens apply (default regimens and the basis of each).
    #[arg(long, default_value = "us", value_parser = ["us", "eu"])]
    pub region: String,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Bayesian (MAP) trough-guided dose individualisation of a case's everolimus course.
#[derive(clap::Args)]
#[command(after_help = "\
Examples:
  netrx pk tdm examples/pnet-everolimus-tdm.json
  netrx pk tdm examples/pnet-everolimus-tdm.json --json
  netrx pk tdm case.json --target-low 12 --target-high 20 --region eu --svg fit.svg

The case's everolimus block gives the doses taken (doses: [{datetime, dose_mg}]) and the measured
whole-blood concentrations (samples: [{datetime, conc_ng_ml}]). The suggestion is model-based.")]
pub struct TdmArgs {
    /// The case file (JSON), or - for standard input.
    pub case: PathBuf,
    /// Population model id (default: de Wit 2016).
    #[arg(long)]
    pub model: Option<String>,
    /// Lower end of the target trough window, ng/mL.
    #[arg(long, requires = "target_high")]
    pub target_low: Option<f64>,
    /// Upper end of the target trough window, ng/mL.
    #[arg(long, requires = "target_low")]
    pub target_high: Option<f64>,
    /// Region whose tablet strengths apply.
    #[arg(long, default_value = "us", value_parser = ["us", "eu"])]
    pub region: String,
    /// Seed of the posterior draws.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Write the individual curve with the samples and the target band as SVG.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: Args) -> CliResult {
    match a.command {
        PkCommand::Simulate(a) => run_simulate(a),
        PkCommand::At(a) => run_at(a),
        PkCommand::Population(a) => run_population(a),
        PkCommand::Tdm(a) => run_tdm(a),
    }
}

struct Patient<'k> {
    model: PopModel<'k>,
    covariates: Covariates,
    mods: Modifiers,
}

fn patient<'k>(kb: &'k Kb, p: &PatientArgs) -> CliResult<Patient<'k>> {
    let model = PopModel::by_id(&kb.pk, p.model.as_deref(), "--model")?;
    if !(p.weight.is_finite() && p.weight > 0.0 && p.weight <= 500.0) {
        return Err(InputError::invalid("--weight", p.weight, "kg, > 0 and <= 500").into());
    }
    if let Some(b) = p.bsa
        && !(b.is_finite() && b > 0.1 && b < 5.0)
    {
        return Err(InputError::invalid("--bsa", b, "m², 0.1 to 5").into());
    }
    let mut ids = Vec::new();
    for c in &p.comedication {
        ids.push(resolve_comedication(kb, c, "--comedication")?);
    }
    let mods = modifiers(&kb.pk, &ids, p.child_pugh.as_deref(), "--comedication")?;
    let mut mods = mods;
    if p.abcb1_ttt && !model.has_abcb1() {
        mods.warnings.push(format!(
            "Model {} has no ABCB1 covariate: --abcb1-ttt ignored.",
            model.id()
        ));
    }
    if p.bsa.is_some() && model.def.cl.bsa.is_none() {
        mods.warnings
            .push(format!("Model {} has no BSA covariate: --bsa ignored.", model.id()));
    }
    if model.def.cl.bsa.is_some() && p.bsa.is_none() {
        mods.warnings.push(format!(
            "Model {}: no --bsa given, its reference BSA is used.",
            model.id()
        ));
    }
    if !model.def.default {
        mods.warnings.extend(model.def.caveats.iter().cloned());
    }
    Ok(Patient {
        covariates: Covariates {
            weight_kg: p.weight,
            bsa_m2: p.bsa,
            abcb1_ttt: p.abcb1_ttt,
        },
        model,
        mods,
    })
}

impl Patient<'_> {
    fn solution(&self) -> CliResult<Solution> {
        let typ = self.model.typical(&self.covariates);
        let zero = vec![0.0; self.model.omega2().len()];
        Solution::new(&self.model.individual(&typ, self.mods.cl_factor, &zero))
            .map_err(|e| CliError::input("--weight", e.to_string()))
    }
}

fn read_history(path: &Path) -> CliResult<Vec<Dose>> {
    let text = io::read_input("--history", path)?;
    let doses: Vec<Dose> = netrx_case::from_json(&text).map_err(|e| e.under("--history"))?;
    Ok(check_history(doses, "--history")?)
}

#[derive(Serialize)]
struct SimulateOut<'a> {
    times_h: &'a [f64],
    conc_ng_ml: &'a [f64],
    cmax: f64,
    tmax_h: f64,
    cmin: f64,
    auc_tau: f64,
    last_interval_h: [f64; 2],
    ss_trough: Option<f64>,
    ss_auc_tau: Option<f64>,
    time_to_90pct_ss_h: Option<f64>,
    terminal_half_life_h: f64,
    model: &'a str,
    model_title: &'a str,
    matrix: &'static str,
    units: Units,
    regimen: Option<Regimen>,
    weight_kg: f64,
    modifiers: &'a [Applied],
    cl_factor: f64,
    target: [f64; 2],
    target_caveat: &'a str,
    warnings: &'a [String],
    knowledge_version: &'a str,
}

#[derive(Serialize)]
struct Units {
    time: &'static str,
    concentration: &'static str,
    auc: &'static str,
    dose: &'static str,
}

const UNITS: Units = Units {
    time: "h",
    concentration: "ng/mL",
    auc: "ng·h/mL",
    dose: "mg",
};

fn run_simulate(a: SimulateArgs) -> CliResult {
    let kb = Kb::embedded()?;
    let p = patient(kb, &a.patient)?;
    let sol = p.solution()?;
    let (dosing, regimen) = match (&a.history, a.dose, a.interval) {
        (Some(path), _, _) => (Dosing::History(read_history(path)?), None),
        (None, Some(d), Some(i)) => {
            let r = Regimen::new(d, i, "--dose/--interval")?;
            (Dosing::Regimen(r), Some(r))
        }
        _ => return Err(CliError::input("--dose", "give --dose and --interval, or --history")),
    };
    let prof = simulate(&sol, &dosing, a.days, a.step_h)?;
    let target = [kb.pk.target.low_ng_ml, kb.pk.target.high_ng_ml];
    let matrix = p.model.matrix().id();
    if let Some(svg) = &a.svg {
        let title = match regimen {
            Some(r) => format!(
                "everolimus {} mg every {} h — model {}",
                r.dose_mg,
                r.interval_h,
                p.model.id()
            ),
            None => format!("everolimus dosing history — model {}", p.model.id()),
        };
        let label = format!(
            "target {}–{} ng/mL (default; not label-endorsed for NET)",
            target[0], target[1]
        );
        let chart = PkChart {
            title: &title,
            times_h: &prof.times_h,
            conc_ng_ml: &prof.conc_ng_ml,
            target: Some(target),
            target_label: &label,
            observed: &[],
            y_label: &format!("{} everolimus (ng/mL)", matrix.replace('_', " ")),
        };
        io::write_output(svg, &concentration_svg(&chart))?;
    }
    if a.json {
        return io::print_json(&SimulateOut {
            times_h: &prof.times_h,
            conc_ng_ml: &prof.conc_ng_ml,
            cmax: prof.cmax,
            tmax_h: prof.tmax_h,
            cmin: prof.cmin,
            auc_tau: prof.auc_tau,
            last_interval_h: prof.last_interval_h,
            ss_trough: prof.ss_trough,
            ss_auc_tau: prof.ss_auc_tau,
            time_to_90pct_ss_h: prof.time_to_90pct_ss_h,
            terminal_half_life_h: prof.terminal_half_life_h,
            model: p.model.id(),
            model_title: &p.model.def.title,
            matrix,
            units: UNITS,
            regimen,
            weight_kg: p.covariates.weight_kg,
            modifiers: &p.mods.applied,
            cl_factor: p.mods.cl_factor,
            target,
            target_caveat: &kb.pk.target.caveat,
            warnings: &p.mods.warnings,
            knowledge_version: kb.version(),
        });
    }
    let mut s = String::new();
    match regimen {
        Some(r) => s.push_str(&format!(
            "everolimus {} mg every {} h for {} days — model {} ({})\n",
            r.dose_mg,
            r.interval_h,
            a.days,
            p.model.id(),
            matrix.replace('_', " ")
        )),
        None => s.push_str(&format!(
            "everolimus dosing history for {} days — model {} ({})\n",
            a.days,
            p.model.id(),
            matrix.replace('_', " ")
        )),
    }
    s.push_str(&format!("  Patient          {} kg", p.covariates.weight_kg));
    for m in &p.mods.applied {
        s.push_str(&format!("; {} (CL/F x{:.3}", m.id, m.cl_factor));
        if m.source.status != netrx_kb::Status::Verified {
            s.push_str(&format!(", {}", m.source.status.mark()));
        }
        s.push(')');
    }
    s.push('\n');
    let [t0, t1] = prof.last_interval_h;
    s.push_str(&format!("  Last interval    {t0:.1}–{t1:.1} h\n"));
    s.push_str(&format!(
        "    Cmax           {:.2} ng/mL at {:.2} h\n",
        prof.cmax, prof.tmax_h
    ));
    s.push_str(&format!("    Cmin           {:.2} ng/mL\n", prof.cmin));
    s.push_str(&format!("    AUC            {:.1} ng·h/mL\n", prof.auc_tau));
    if let Some(ss) = prof.ss_trough {
        s.push_str(&format!("  Steady state     trough {ss:.2} ng/mL"));
        if let Some(a) = prof.ss_auc_tau {
            s.push_str(&format!(", AUC/interval {a:.1} ng·h/mL"));
        }
        s.push('\n');
    }
    if let Some(t) = prof.time_to_90pct_ss_h {
        s.push_str(&format!(
            "  90 % of SS       first trough >= 90 % of the SS trough at {t:.0} h (day {:.1})\n",
            t / 24.0
        ));
    }
    s.push_str(&format!(
        "  Half-life        {:.1} h (terminal)\n",
        prof.terminal_half_life_h
    ));
    s.push_str(&format!(
        "  Target           {}–{} ng/mL trough: {}\n",
        target[0], target[1], kb.pk.target.caveat
    ));
    for w in &p.mods.warnings {
        s.push_str(&format!("  ! {w}\n"));
    }
    s.push_str(&format!("  Model source     {}\n", p.model.def.source));
    s.push_str(&format!("  Knowledge        {}", kb.version()));
    io::print_text(&s)
}

#[derive(Serialize)]
struct AtOut<'a> {
    times_h: &'a [f64],
    conc_ng_ml: &'a [f64],
    model: &'a str,
    matrix: &'static str,
    steady_state: bool,
    knowledge_version: &'a str,
}

fn run_at(a: AtArgs) -> CliResult {
    let kb = Kb::embedded()?;
    let p = patient(kb, &a.patient)?;
    let sol = p.solution()?;
    for (i, t) in a.times_h.iter().enumerate() {
        if !t.is_finite() || (*t < 0.0 && a.history.is_none()) {
            return Err(InputError::invalid(format!("--times-h[{i}]"), t, "finite hours >= 0").into());
        }
    }
    let conc: Vec<f64> = match (&a.history, a.dose, a.interval) {
        (Some(path), _, _) => {
            let doses = read_history(path)?;
            a.times_h.iter().map(|&t| sol.history(&doses, t)).collect()
        }
        (None, Some(d), Some(i)) => {
            let r = Regimen::new(d, i, "--dose/--interval")?;
            let dose = Mg(r.dose_mg);
            if a.steady_state {
                a.times_h
                    .iter()
                    .map(|&t| sol.steady_state(dose, r.interval_h, t))
                    .collect()
            } else {
                a.times_h
                    .iter()
                    .map(|&t| {
                        // Doses at 0, τ, 2τ, … up to t: the last at (n−1)·τ.
                        let n = (t / r.interval_h).floor() as u64 + 1;
                        sol.after_n_doses(dose, r.interval_h, n, t - (n - 1) as f64 * r.interval_h)
                    })
                    .collect()
            }
        }
        _ => return Err(CliError::input("--dose", "give --dose and --interval, or --history")),
    };
    if a.json {
        return io::print_json(&AtOut {
            times_h: &a.times_h,
            conc_ng_ml: &conc,
            model: p.model.id(),
            matrix: p.model.matrix().id(),
            steady_state: a.steady_state,
            knowledge_version: kb.version(),
        });
    }
    let mut s = format!("{:>12}  {:>16}\n", "time_h", "conc_ng_ml");
    for (t, c) in a.times_h.iter().zip(&conc) {
        s.push_str(&format!("{t:>12}  {c:>16.9}\n"));
    }
    s.push_str(&format!(
        "(model {}, {})",
        p.model.id(),
        p.model.matrix().id().replace('_', " ")
    ));
    io::print_text(&s)
}

fn parse_regimen(s: &str) -> Result<Regimen, InputError> {
    let bad = || InputError::invalid("--regimen", format!("{s:?}"), "MG@H, e.g. 5@24 (5 mg every 24 h)");
    let (d, h) = s.split_once('@').ok_or_else(bad)?;
    let d: f64 = d.trim().parse().map_err(|_| bad())?;
    let h: f64 = h.trim().parse().map_err(|_| bad())?;
    Regimen::new(d, h, "--regimen")
}

#[derive(Serialize)]
struct PopulationOut<'a> {
    n: u64,
    seed: u64,
    target: [f64; 2],
    regimens: &'a [RegimenResult],
    model: &'a str,
    matrix: &'static str,
    weight_kg: f64,
    weight_cv: f64,
    modifiers: &'a [Applied],
    target_caveat: &'a str,
    target_source: &'a netrx_kb::Source,
    variability: &'static str,
    region: &'a str,
    /// "default" (knowledge/pk/regimens.toml) or "given" (--regimen).
    regimens_from: &'static str,
    /// The source of the default list (when used).
    default_regimens_source: Option<&'a netrx_kb::Source>,
    /// The basis of each regimen in `regimens`, in the same order.
    regimen_basis: &'a [RegimenBasis],
    /// Default regimens the region's tablets cannot make up (left out).
    not_available_in_region: &'a [RegimenBasis],
    warnings: &'a [String],
    knowledge_version: &'a str,
}

fn run_population(a: PopulationArgs) -> CliResult {
    let kb = Kb::embedded()?;
    let mut p = patient(kb, &a.patient)?;
    let region = Region::parse("--region", &a.region)?.id();
    let (regimens, basis, not_available, default_source) = if a.regimen.is_empty() {
        let d = population_defaults(kb, region)?;
        (
            d.regimens,
            d.basis,
            d.not_available,
            Some(&kb.pk.regimens.population_default.source),
        )
    } else {
        let regimens: Vec<Regimen> = a.regimen.iter().map(|s| parse_regimen(s)).collect::<Result<_, _>>()?;
        let basis = regimens
            .iter()
            .map(|r| classify(kb, region, r))
            .collect::<Result<Vec<_>, _>>()?;
        for b in basis.iter().filter(|b| b.basis == Basis::NotAvailable) {
            p.mods.warnings.push(format!(
                "--regimen {}@{}: {} Simulated as given.",
                b.dose_mg, b.interval_h, b.note
            ));
        }
        (regimens, basis, Vec::new(), None)
    };
    if regimens.is_empty() {
        return Err(CliError::input(
            "--region",
            format!("no default regimen can be made up of the {region} tablets; give --regimen"),
        ));
    }
    if p.mods.child_pugh.as_deref() == Some("C") {
        let above = above_child_pugh_c_maximum(kb, &regimens);
        if !above.is_empty() {
            let cap = &kb.pk.regimens.child_pugh_c_max_daily_mg;
            p.mods.warnings.push(format!(
                "Child-Pugh C: the label's maximum is {} mg daily ({}); shown for comparison only: {}.",
                cap.value,
                cap.source,
                above
                    .iter()
                    .map(|r| format!("{} mg every {} h", r.dose_mg, r.interval_h))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let given = match (a.target_low, a.target_high) {
        (Some(l), Some(h)) => Some([l, h]),
        _ => None,
    };
    let target = target_window(&kb.pk, given, "--target-low/--target-high")?;
    let spec = PopulationSpec {
        n: a.n,
        seed: a.seed,
        regimens,
        target,
        covariates: p.covariates,
        weight_cv: a.weight_cv,
        cl_factor: p.mods.cl_factor,
    };
    let show_bar =
        std::io::stderr().is_terminal() && std::env::var("CI").map(|v| v != "true").unwrap_or(true) && a.n >= 200_000;
    let bar = show_bar.then(|| {
        let b = indicatif::ProgressBar::new(a.n);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} virtual patients ({eta})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let progress = |k: u64| {
        if let Some(b) = &bar {
            b.inc(k);
        }
    };
    let res = simulate_population(&p.model, &spec, &progress)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if a.json {
        return io::print_json(&PopulationOut {
            n: a.n,
            seed: a.seed,
            target,
            regimens: &res,
            model: p.model.id(),
            matrix: p.model.matrix().id(),
            weight_kg: p.covariates.weight_kg,
            weight_cv: a.weight_cv,
            modifiers: &p.mods.applied,
            target_caveat: &kb.pk.target.caveat,
            target_source: &kb.pk.target.source,
            variability: "between-patient variability of the model (log-normal etas); steady-state troughs of the true concentration (no residual error)",
            region,
            regimens_from: if default_source.is_some() { "default" } else { "given" },
            default_regimens_source: default_source,
            regimen_basis: &basis,
            not_available_in_region: &not_available,
            warnings: &p.mods.warnings,
            knowledge_version: kb.version(),
        });
    }
    let mut s = format!(
        "{} virtual patients (seed {}), model {} ({}), {} kg\n",
        a.n,
        a.seed,
        p.model.id(),
        p.model.matrix().id().replace('_', " "),
        p.covariates.weight_kg
    );
    for m in &p.mods.applied {
        s.push_str(&format!(
            "  modifier: {} (CL/F x{:.3}) — {}\n",
            m.id, m.cl_factor, m.source
        ));
    }
    s.push_str(&format!(
        "Steady-state trough (ng/mL); PTA = P({} <= trough <= {})\n",
        target[0], target[1]
    ));
    s.push_str(&format!(
        "  {:>7} {:>6} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} {:>7}\n",
        "dose", "every", "p05", "p25", "median", "p75", "p95", "typical", "PTA", "above"
    ));
    for r in &res {
        let q = &r.trough_quantiles;
        s.push_str(&format!(
            "  {:>5} mg {:>4} h {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>6.1}% {:>6.1}%\n",
            r.dose_mg,
            r.interval_h,
            q.p05,
            q.p25,
            q.p50,
            q.p75,
            q.p95,
            r.typical,
            100.0 * r.pta,
            100.0 * r.above
        ));
    }
    s.push_str(&format!(
        "Regimens ({} in the {}{})\n",
        if default_source.is_some() {
            "default"
        } else {
            "as given"
        },
        region.to_uppercase(),
        default_source.map(|s| format!("; list: {s}")).unwrap_or_default()
    ));
    for b in &basis {
        s.push_str(&format!(
            "  {:>5} mg every {:>2} h  {}: {}\n",
            b.dose_mg,
            b.interval_h,
            basis_label(b.basis),
            b.note
        ));
    }
    for b in &not_available {
        s.push_str(&format!(
            "  {:>5} mg every {:>2} h  left out — not available in the {}: {}\n",
            b.dose_mg,
            b.interval_h,
            region.to_uppercase(),
            b.note
        ));
    }
    s.push_str(&format!("Target: {}\n", kb.pk.target.caveat));
    for w in &p.mods.warnings {
        s.push_str(&format!("  ! {w}\n"));
    }
    s.push_str(&format!("Knowledge {}", kb.version()));
    io::print_text(&s)
}

/// A short name for a regimen's basis in text output.
fn basis_label(b: Basis) -> &'static str {
    match b {
        Basis::TabletStrength => "tablet strength",
        Basis::CombinedTablets => "combined tablets",
        Basis::LabelEveryOtherDay => "label every-other-day",
        Basis::NotALabelRegimen => "NOT a label regimen",
        Basis::NotAvailable => "NOT AVAILABLE",
    }
}

#[derive(Serialize)]
struct TdmOut<'a> {
    #[serde(flatten)]
    report: &'a TdmReport,
}

fn run_tdm(a: TdmArgs) -> CliResult {
    let kb = Kb::embedded()?;
    let text = io::read_input("case", &a.case)?;
    let case = netrx_clinical::load_case(&text, kb)?;
    let target = match (a.target_low, a.target_high) {
        (Some(l), Some(h)) => Some([l, h]),
        _ => None,
    };
    let opts = TdmOptions {
        model: a.model.clone(),
        target,
        region: Region::parse("--region", &a.region)?,
        seed: a.seed,
        ..TdmOptions::default()
    };
    let r = netrx_clinical::tdm::tdm(&case, kb, &opts)?;
    if let Some(svg) = &a.svg {
        write_tdm_svg(&case, &r, svg)?;
    }
    if a.json {
        return io::print_json(&TdmOut { report: &r });
    }
    io::print_text(&render_tdm(&r))
}

fn write_tdm_svg(case: &netrx_case::Case, r: &TdmReport, path: &Path) -> CliResult {
    // The individual (MAP) curve over the sampled period, rebuilt from the reported parameters.
    let obs: Vec<(f64, f64)> = r.fit.iter().map(|f| (f.time_h, f.observed_ng_ml)).collect();
    let last = obs.iter().map(|o| o.0).fold(0.0, f64::max);
    let curve = netrx_clinical::tdm::individual_curve(
        case,
        &r.map_params.pk_params(),
        r.dosing_record.assumed_prior_steady_state,
        last,
    )
    .map_err(|e| CliError::Failure(e.to_string()))?;
    let Some(curve) = curve else { return Ok(()) };
    let title = format!("{}: individual (MAP) everolimus profile — model {}", case.id, r.model);
    let label = format!(
        "target {}–{} ng/mL (not label-endorsed for NET)",
        r.target[0], r.target[1]
    );
    let chart = PkChart {
        title: &title,
        times_h: &curve.times_h,
        conc_ng_ml: &curve.conc_ng_ml,
        target: Some(r.target),
        target_label: &label,
        observed: &obs,
        y_label: "whole-blood everolimus (ng/mL)",
    };
    io::write_output(path, &concentration_svg(&chart))
}

/// The human summary of a TDM result.
pub fn render_tdm(r: &TdmReport) -> String {
    let mut s = String::new();
    s.push_str(&format!(
        "{}: trough-guided everolimus individualisation — model {} ({})\n",
        r.case_id, r.model, r.model_title
    ));
    s.push_str(&format!("  Note        {}\n", r.routine_tdm_note));
    s.push_str("  Estimate (MAP)\n");
    for e in &r.map_params.estimates {
        s.push_str(&format!(
            "    {:<6} {:>8.2} {:<4} (population {:.2}; eta {:+.3} ± {:.3}, prior SD {:.3})\n",
            e.param, e.individual, e.unit, e.population, e.eta, e.eta_sd, e.omega
        ));
    }
    s.push_str(&format!("    half-life {:.1} h\n", r.map_params.terminal_half_life_h));
    s.push_str("  Samples     observed → individual fit (population prediction)\n");
    for f in &r.fit {
        let after = f
            .hours_after_dose
            .map(|h| format!(", {h:.1} h after a dose"))
            .unwrap_or_default();
        let when = f.datetime.as_ref().map(|d| format!(" {d},")).unwrap_or_default();
        s.push_str(&format!(
            "    {}.{when} t = {:.1} h{after}: {:.2} → {:.2} ({:.2}) ng/mL\n",
            f.sample, f.time_h, f.observed_ng_ml, f.ipred_ng_ml, f.pred_ng_ml
        ));
    }
    s.push_str(&format!(
        "  Predicted steady-state troughs (target {}–{} ng/mL)\n",
        r.target[0], r.target[1]
    ));
    for p in &r.predicted_troughs {
        s.push_str(&format!(
            "    {:>5} mg every {:>2} h: {:>6.2} ng/mL (90 % {:.1}–{:.1}), PTA {:>5.1} %{}\n",
            p.dose_mg,
            p.interval_h,
            p.trough_ng_ml,
            p.trough_p05,
            p.trough_p95,
            100.0 * p.pta,
            if p.is_current { "  ← current" } else { "" }
        ));
    }
    let rec = &r.recommended;
    s.push_str(&format!(
        "  Suggestion  {} mg every {} h (trough {:.2} ng/mL, PTA {:.0} %)\n",
        rec.dose_mg,
        rec.interval_h,
        rec.trough_ng_ml,
        100.0 * rec.pta
    ));
    s.push_str(&format!("              {}\n", rec.label));
    s.push_str(&format!("              {}\n", rec.rationale));
    s.push_str(&format!(
        "              Exact dose for the window midpoint: {:.1} mg every {} h\n",
        rec.exact_dose_for_target_mid_mg, r.dosing_record.current_regimen.interval_h
    ));
    s.push_str("  Assumptions\n");
    for a in &rec.assumptions {
        s.push_str(&format!("    - {a}\n"));
    }
    s.push_str(&format!("  Target      {}\n", r.target_caveat));
    s.push_str(&format!("              source: {}\n", r.target_source));
    s.push_str(&format!("  Sampling    {}\n", r.sampling_advice));
    for m in &r.modifiers {
        s.push_str(&format!(
            "  Modifier    {} (CL/F x{:.3}) — {}\n",
            m.id, m.cl_factor, m.source
        ));
    }
    if r.warnings.len() > 1 {
        s.push_str("  Warnings\n");
        for w in r.warnings.iter().skip(1) {
            s.push_str(&format!("    ! {w}\n"));
        }
    }
    s.push_str(&format!("  Model       {}\n", r.model_source));
    s.push_str(&format!("  Knowledge   {}", r.knowledge_version));
    s
}
