//! WHO/ENETS naming and grading of a neuroendocrine neoplasm
//! (shared/reference/clinical-rules.md §A; cut-offs in `knowledge/grading.toml`).
//!
//! GEP schemes grade Ki-67 and the mitotic count separately and take the higher
//! grade; differentiation decides NET G3 vs NEC. Thoracic schemes name the
//! tumour from the mitotic count and necrosis; Ki-67 is reported, not used.

use netrx_case::{CellType, Differentiation, InputError, Mitoses, Necrosis, PrimarySite, Tumor};
use netrx_kb::Kb;
use netrx_kb::grading::{Band, Family, MitosesUnit, Scheme};
use serde::Serialize;
use std::f64::consts::PI;

/// The scheme ids a user may ask for, `auto` first.
pub const SCHEME_CHOICES: [&str; 6] = [
    "auto",
    "who2010",
    "who2019",
    "who2022",
    "who2015_thoracic",
    "who2021_thoracic",
];

/// GEP grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Grade {
    G1,
    G2,
    G3,
}

impl Grade {
    fn parse(s: &str) -> Option<Grade> {
        match s {
            "G1" => Some(Grade::G1),
            "G2" => Some(Grade::G2),
            "G3" => Some(Grade::G3),
            _ => None,
        }
    }

    /// "G1", "G2" or "G3".
    pub fn as_str(self) -> &'static str {
        match self {
            Grade::G1 => "G1",
            Grade::G2 => "G2",
            Grade::G3 => "G3",
        }
    }
}

/// What decided the name and grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Ki67,
    Mitoses,
    Necrosis,
    Differentiation,
}

/// The classification of a tumour (the JSON contract of `netrx grade --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    /// Version of the knowledge base that produced this answer.
    pub knowledge_version: String,
    /// The scheme id used.
    pub scheme: String,
    /// The WHO name.
    pub name: String,
    /// "G1" | "G2" | "G3", or null for thoracic entities and the indeterminate case.
    pub grade: Option<Grade>,
    /// The mitotic count normalised to per 2 mm² (approximate for legacy per-10-HPF input).
    pub mitoses_per_2mm2: Option<f64>,
    /// The indices that decided the name and grade.
    pub decided_by: Vec<Basis>,
    /// Everything the reader must know: missing indices, gaps, approximations, discordances.
    pub warnings: Vec<String>,
    /// How each index was read (for people; not part of the JSON contract).
    #[serde(skip)]
    pub basis: Vec<String>,
    /// Title of the scheme used.
    #[serde(skip)]
    pub scheme_title: String,
    /// Source of the scheme's rules, with its verification mark.
    #[serde(skip)]
    pub source: String,
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Resolve a scheme choice for a site: `auto` picks the newest scheme for the
/// site's family; an explicit scheme must belong to the site's family.
pub fn resolve_scheme<'k>(kb: &'k Kb, choice: &str, site: PrimarySite) -> Result<&'k Scheme, InputError> {
    let g = &kb.grading;
    let id = if choice == "auto" {
        if site.is_thoracic() {
            g.auto.thoracic.as_str()
        } else if site == PrimarySite::UnknownPrimary {
            g.auto.unknown_primary.as_str()
        } else {
            g.auto.gep.as_str()
        }
    } else {
        choice
    };
    let scheme = g
        .scheme(id)
        .ok_or_else(|| InputError::invalid("scheme", format!("{choice:?}"), SCHEME_CHOICES.join(", ")))?;
    let fits = match scheme.family {
        Family::Gep => !site.is_thoracic(),
        Family::Thoracic => site.is_thoracic() || site == PrimarySite::UnknownPrimary,
    };
    if !fits {
        let allowed: Vec<&str> = std::iter::once("auto")
            .chain(
                g.scheme
                    .iter()
                    .filter(|s| (s.family == Family::Thoracic) == site.is_thoracic())
                    .map(|s| s.id.as_str()),
            )
            .collect();
        return Err(InputError::invalid(
            "scheme",
            format!(
                "{choice:?} ({} scheme) for a {} primary",
                if scheme.family == Family::Gep {
                    "gastroenteropancreatic"
                } else {
                    "thoracic"
                },
                site.id()
            ),
            format!("for this site: {}", allowed.join(", ")),
        ));
    }
    Ok(scheme)
}

/// The mitotic count as read from the case.
#[derive(Debug, Clone, Copy)]
struct MitosesReading {
    /// Per 2 mm² (approximate for legacy input).
    per_2mm2: f64,
    /// Legacy per-10-HPF input: the per-2-mm² range implied by the usual field sizes.
    legacy_range: Option<(f64, f64)>,
    /// The value as given, in the scheme's native unit when that is per 10 HPF.
    native_per_10hpf: Option<f64>,
    description: &'static str,
}

fn field_area_mm2(diameter_mm: f64) -> f64 {
    PI * (diameter_mm / 2.0).powi(2)
}

fn read_mitoses(m: Mitoses, kb: &Kb) -> MitosesReading {
    match m {
        Mitoses::Area { count, area_mm2 } => MitosesReading {
            per_2mm2: count * 2.0 / area_mm2,
            legacy_range: None,
            native_per_10hpf: None,
            description: "count × 2 / area",
        },
        Mitoses::Fields {
            count,
            hpf,
            field_diameter_mm,
        } => MitosesReading {
            per_2mm2: count * 2.0 / (hpf * field_area_mm2(field_diameter_mm)),
            legacy_range: None,
            native_per_10hpf: None,
            description: "count × 2 / (fields × π(d/2)²)",
        },
        Mitoses::Per2mm2 { per_2mm2 } => MitosesReading {
            per_2mm2,
            legacy_range: None,
            native_per_10hpf: None,
            description: "as given per 2 mm²",
        },
        Mitoses::Per10Hpf { per_10hpf } => {
            let h = &kb.grading.hpf;
            let lo = per_10hpf * 2.0 / (10.0 * field_area_mm2(h.field_diameter_max_mm));
            let hi = per_10hpf * 2.0 / (10.0 * field_area_mm2(h.field_diameter_min_mm));
            MitosesReading {
                per_2mm2: per_10hpf,
                legacy_range: Some((lo, hi)),
                native_per_10hpf: Some(per_10hpf),
                description: "legacy per 10 HPF, taken as ≈ per 2 mm²",
            }
        }
    }
}

/// A band in words, e.g. "< 2", "2–10", "> 10", "≤ 2" (the message text follows the data).
fn phrase(b: &Band) -> String {
    match (b.max, b.min == 0.0 && b.min_inclusive) {
        (Some(m), true) => format!("{} {}", if b.max_inclusive { "≤" } else { "<" }, num(m)),
        (None, _) => format!("{} {}", if b.min_inclusive { "≥" } else { ">" }, num(b.min)),
        (Some(m), false) if b.min_inclusive && b.max_inclusive => format!("{}–{}", num(b.min), num(m)),
        (Some(_), false) => b.interval(),
    }
}

/// The phrase of the band named `grade` in `bands` ("?" if the data lacks it).
fn phrase_of(bands: &[Band], grade: &str) -> String {
    bands
        .iter()
        .find(|b| b.grade == grade)
        .map(phrase)
        .unwrap_or_else(|| "?".into())
}

fn band_of(bands: &[Band], v: f64) -> Option<&Band> {
    bands.iter().find(|b| b.contains(v))
}

/// Classify a tumour under the chosen scheme (`auto` or a scheme id).
pub fn classify(tumor: &Tumor, choice: &str, kb: &Kb) -> Result<Classification, InputError> {
    let scheme = resolve_scheme(kb, choice, tumor.primary_site)?;
    let mut c = Classification {
        knowledge_version: kb.version().to_string(),
        scheme: scheme.id.clone(),
        name: String::new(),
        grade: None,
        mitoses_per_2mm2: None,
        decided_by: Vec::new(),
        warnings: Vec::new(),
        basis: Vec::new(),
        scheme_title: scheme.title.clone(),
        source: scheme.source.to_string(),
    };
    if choice == "auto" && tumor.primary_site == PrimarySite::UnknownPrimary {
        c.warnings.push(kb.grading.auto.unknown_primary_note.clone());
    }
    if tumor.cell_type.is_some_and(|t| t != CellType::Unknown) && tumor.differentiation == Differentiation::Well {
        c.warnings.push(
            "cell_type describes poorly differentiated carcinomas; it is ignored for a well-differentiated tumour."
                .into(),
        );
    }
    let mitoses = tumor.mitoses.map(|m| read_mitoses(m, kb));
    c.mitoses_per_2mm2 = mitoses.map(|m| m.per_2mm2);
    match scheme.family {
        Family::Gep => classify_gep(tumor, scheme, mitoses, kb, &mut c)?,
        Family::Thoracic => classify_thoracic(tumor, scheme, mitoses, kb, &mut c)?,
    }
    Ok(c)
}

/// A legacy per-10-HPF count whose plausible per-2-mm² range crosses a cut-off.
fn legacy_warning(m: &MitosesReading, bands: &[Band], kb: &Kb, c: &mut Classification) {
    let h = &kb.grading.hpf;
    if let (Some((lo, hi)), Some(raw)) = (m.legacy_range, m.native_per_10hpf) {
        let (a, b) = (band_of(bands, lo), band_of(bands, hi));
        if a.map(|x| &x.grade) != b.map(|x| &x.grade) {
            c.warnings.push(format!(
                "Mitoses given per 10 HPF ({}) with unknown field size: for field diameters of {}–{} mm this is \
                 {}–{} per 2 mm², which crosses a cut-off, so the mitotic grade is uncertain (R-A4.1/R-A4.2). \
                 Give the count with its area or field diameter.",
                num(raw),
                num(h.field_diameter_min_mm),
                num(h.field_diameter_max_mm),
                num(lo),
                num(hi)
            ));
        } else {
            c.warnings.push(format!(
                "Mitoses given per 10 HPF ({}) with unknown field size, taken as ≈ per 2 mm² (R-A4.2); \
                 the plausible range {}–{} per 2 mm² does not cross a cut-off.",
                num(raw),
                num(lo),
                num(hi)
            ));
        }
    }
}

fn classify_gep(
    t: &Tumor,
    scheme: &Scheme,
    mitoses: Option<MitosesReading>,
    kb: &Kb,
    c: &mut Classification,
) -> Result<(), InputError> {
    if t.ki67_percent.is_none() && mitoses.is_none() {
        return Err(InputError::new(
            "tumor.ki67_percent",
            "missing, and no tumor.mitoses either; allowed: at least one of tumor.ki67_percent (0–100) \
             and tumor.mitoses — both are recommended (R-A2.1)",
        ));
    }
    let native = scheme.mitoses_unit == MitosesUnit::Per10hpf;

    // Ki-67: a grade, or the WHO 2010 gap.
    let mut ki_gap = false;
    let ki_grade = match t.ki67_percent {
        None => {
            c.warnings.push(
                "Ki-67 not given: graded on the mitotic count alone; WHO grades on both indices (R-A2.1).".into(),
            );
            None
        }
        Some(k) => match band_of(&scheme.ki67, k) {
            Some(b) => {
                let g = Grade::parse(&b.grade);
                c.basis
                    .push(format!("Ki-67 {} % → {} (band {} %)", num(k), b.grade, b.interval()));
                g
            }
            None => {
                ki_gap = true;
                c.basis.push(format!(
                    "Ki-67 {} % → no grade: falls between the G1 and G2 bands",
                    num(k)
                ));
                c.warnings.push(format!(
                    "Ki-67 {} % is in the WHO 2010 gap: {}",
                    num(k),
                    scheme
                        .gap_note
                        .as_deref()
                        .unwrap_or("no band of this scheme contains it")
                ));
                None
            }
        },
    };

    // Mitoses: in the scheme's unit (per 10 HPF for WHO 2010: a native per-10-HPF count is used as is).
    let mit_grade = match mitoses {
        None => {
            c.warnings
                .push("Mitotic count not given: graded on Ki-67 alone; WHO grades on both indices (R-A2.1).".into());
            None
        }
        Some(m) => {
            let v = m.per_2mm2;
            let b = band_of(&scheme.mitoses, v);
            let unit = if native {
                "per 10 HPF (≈ per 2 mm²)"
            } else {
                "per 2 mm²"
            };
            if let Some(b) = b {
                c.basis.push(format!(
                    "Mitoses {} {unit} ({}) → {} (band {})",
                    num(v),
                    m.description,
                    b.grade,
                    b.interval()
                ));
            }
            if !native {
                legacy_warning(&m, &scheme.mitoses, kb, c);
            }
            b.and_then(|b| Grade::parse(&b.grade))
        }
    };

    // The higher grade wins (R-A1.1, R-A2.1).
    let proliferation: Option<Grade> = match (ki_grade, mit_grade, ki_gap) {
        (Some(k), Some(m), _) => Some(k.max(m)),
        (Some(k), None, _) => Some(k),
        (None, Some(m), false) => Some(m),
        // Ki-67 in the gap could be G1 or G2: the mitotic grade decides only if it is G2 or higher.
        (None, Some(m), true) if m >= Grade::G2 => Some(m),
        _ => None,
    };
    if let Some(g) = proliferation {
        if ki_grade == Some(g) {
            c.decided_by.push(Basis::Ki67);
        }
        if mit_grade == Some(g) {
            c.decided_by.push(Basis::Mitoses);
        }
        if let (Some(k), Some(m)) = (ki_grade, mit_grade)
            && k != m
        {
            c.warnings.push(format!(
                "Ki-67 grade ({}) and mitotic grade ({}) disagree: the higher grade, {}, is assigned (R-A1.1, R-A2.1).",
                k.as_str(),
                m.as_str(),
                g.as_str()
            ));
        }
        if ki_gap {
            c.warnings.push(format!(
                "The mitotic count alone decides: it gives {}, which is at least the highest grade the Ki-67 gap allows.",
                g.as_str()
            ));
        }
    }

    let nec_name = |ct: Option<CellType>| match ct {
        Some(CellType::SmallCell) => "NEC, small-cell type",
        Some(CellType::LargeCell) => "NEC, large-cell type",
        _ => "NEC",
    };

    // Differentiation decides NET G3 vs NEC (R-A2.3).
    match t.differentiation {
        Differentiation::Poor => {
            c.name = nec_name(t.cell_type).into();
            c.grade = Some(Grade::G3);
            c.decided_by = vec![Basis::Differentiation];
            c.basis.push(
                "Poorly differentiated morphology → neuroendocrine carcinoma, high grade by definition (R-A2.3)".into(),
            );
            if t.cell_type.is_none() || t.cell_type == Some(CellType::Unknown) {
                c.warnings.push(
                    "Cell type (small-cell or large-cell) not given for a poorly differentiated carcinoma.".into(),
                );
            }
            match proliferation {
                Some(g) if g < Grade::G3 => c.warnings.push(format!(
                    "Poorly differentiated morphology with proliferation in the {} range: NEC is named by morphology \
                     (R-A2.3), but this discordance should be reviewed (crush artefact, MiNEN, sampling).",
                    g.as_str()
                )),
                None if ki_gap => c.warnings.push(
                    "Poorly differentiated morphology with proliferation in the low range: review the discordance."
                        .into(),
                ),
                _ => {}
            }
        }
        d => match proliferation {
            None => {
                c.name = "Indeterminate (WHO 2010 Ki-67 gap)".into();
                c.grade = None;
                c.decided_by.clear();
                let newest = kb.grading.scheme(&kb.grading.auto.gep);
                let g1 = newest.map(|n| phrase_of(&n.ki67, "G1")).unwrap_or_else(|| "?".into());
                let newest_id = newest.map(|n| n.id.as_str()).unwrap_or("who2022");
                let regrade = format!(
                    "re-grade under the newer scheme (--scheme {newest_id}), where Ki-67 {g1} % is G1 (R-A1.2, R-A2.2)"
                );
                c.warnings.push(match mit_grade {
                    Some(m) => format!(
                        "Not graded: the mitotic count gives {}, which cannot settle whether the tumour is G1 or G2; \
                         {regrade}.",
                        m.as_str()
                    ),
                    None => format!("Not graded: give a mitotic count, or {regrade}."),
                });
            }
            Some(Grade::G3) if scheme.g3_is_nec => {
                c.name = nec_name(None).into();
                c.grade = Some(Grade::G3);
                if d == Differentiation::Well {
                    c.warnings.push(
                        "WHO 2010 names every G3 tumour NEC; under WHO 2019/2022 a well-differentiated tumour with \
                         this proliferation is NET G3 (R-A2.3, R-A2.6)."
                            .into(),
                    );
                }
            }
            Some(Grade::G3) if d == Differentiation::Well => {
                c.name = "NET G3".into();
                c.grade = Some(Grade::G3);
                c.decided_by.push(Basis::Differentiation);
                c.basis
                    .push("Well-differentiated morphology with G3 proliferation → NET G3, not NEC (R-A2.3)".into());
            }
            Some(Grade::G3) => {
                c.name = "High-grade NEN, NET G3 vs NEC undetermined".into();
                c.grade = Some(Grade::G3);
                c.warnings.push(
                    "Differentiation unknown: proliferation alone cannot separate NET G3 from NEC (R-A2.3); \
                     the pathologist's assessment of morphology (and p53/Rb) is needed."
                        .into(),
                );
            }
            Some(g) => {
                c.name = format!("NET {}", g.as_str());
                c.grade = Some(g);
                if d == Differentiation::Unknown {
                    c.warnings.push(format!(
                        "Differentiation not reported: named NET from the {} proliferation grade; confirm \
                         well-differentiated morphology.",
                        g.as_str()
                    ));
                }
            }
        },
    }
    Ok(())
}

fn classify_thoracic(
    t: &Tumor,
    scheme: &Scheme,
    mitoses: Option<MitosesReading>,
    kb: &Kb,
    c: &mut Classification,
) -> Result<(), InputError> {
    c.grade = None; // WHO names thoracic NENs rather than grading them.
    if let Some(k) = t.ki67_percent {
        c.warnings.push(format!(
            "Ki-67 {} % is reported but not used to classify lung/thymic NENs (R-A3.2).",
            num(k)
        ));
    }
    if t.primary_site == PrimarySite::Thymus
        && let Some(n) = &scheme.thymus_note
    {
        c.warnings.push(n.clone());
    }
    let necrosis = t.necrosis.unwrap_or(Necrosis::Unknown);
    let necrosis_present = matches!(necrosis, Necrosis::Punctate | Necrosis::Extensive);
    let high = phrase_of(&scheme.mitoses, "high");
    let low = phrase_of(&scheme.mitoses, "low");
    let mitoses_band = mitoses.and_then(|m| band_of(&scheme.mitoses, m.per_2mm2));
    let band = mitoses_band.map(|b| b.grade.as_str());
    if let (Some(m), Some(b)) = (mitoses, mitoses_band) {
        c.basis.push(format!(
            "Mitoses {} per 2 mm² ({}) → {} range (band {})",
            num(m.per_2mm2),
            m.description,
            match b.grade.as_str() {
                "low" => "typical-carcinoid",
                "mid" => "atypical-carcinoid",
                _ => "carcinoma",
            },
            b.interval()
        ));
        legacy_warning(&m, &scheme.mitoses, kb, c);
    }
    c.basis.push(format!("Necrosis: {}", necrosis.id()));

    if t.differentiation == Differentiation::Poor {
        c.name = match t.cell_type {
            Some(CellType::SmallCell) => "Small-cell carcinoma",
            Some(CellType::LargeCell) => "Large-cell neuroendocrine carcinoma",
            _ => "NEC",
        }
        .into();
        c.decided_by.push(Basis::Differentiation);
        if band == Some("high") {
            c.decided_by.push(Basis::Mitoses);
        }
        if t.cell_type.is_none() || t.cell_type == Some(CellType::Unknown) {
            c.warnings
                .push("Cell type (small-cell or large-cell) not given for a poorly differentiated carcinoma.".into());
        }
        match band {
            Some("high") => {}
            Some(_) => c.warnings.push(format!(
                "Poorly differentiated morphology with a mitotic count below the carcinoma range ({high} per 2 mm²): \
                 review (crushed carcinoid in a small biopsy? R-A3.2)."
            )),
            _ => c
                .warnings
                .push("Mitotic count not given: named by morphology alone.".into()),
        }
        return Ok(());
    }

    let unknown_diff = t.differentiation == Differentiation::Unknown;
    match band {
        Some("high") if unknown_diff => {
            c.name = "High-grade NEN, NET G3 vs NEC undetermined".into();
            c.decided_by.push(Basis::Mitoses);
            c.warnings.push(format!(
                "Mitoses {high} per 2 mm² with differentiation unknown: LCNEC/small-cell carcinoma range, but only \
                 morphology separates a carcinoma from a carcinoid with elevated mitoses (R-A3.3)."
            ));
        }
        Some("high") => {
            c.name = "Atypical carcinoid".into();
            c.decided_by.push(Basis::Differentiation);
            c.decided_by.push(Basis::Mitoses);
            c.warnings.push(format!(
                "Carcinoid morphology with mitoses above the atypical-carcinoid range ({high} per 2 mm²). {} \
                 Review for large-cell neuroendocrine carcinoma.",
                scheme.elevated_note.as_deref().unwrap_or("")
            ));
        }
        Some("mid") => {
            c.name = "Atypical carcinoid".into();
            c.decided_by.push(Basis::Mitoses);
            if necrosis_present {
                c.decided_by.push(Basis::Necrosis);
            }
        }
        Some(_) => {
            if necrosis_present {
                c.name = "Atypical carcinoid".into();
                c.decided_by.push(Basis::Necrosis);
            } else {
                c.name = "Typical carcinoid".into();
                c.decided_by.push(Basis::Mitoses);
                if necrosis == Necrosis::None {
                    c.decided_by.push(Basis::Necrosis);
                } else {
                    c.warnings.push(format!(
                        "Necrosis not reported: a typical carcinoid requires {low} mitoses per 2 mm² AND no necrosis; \
                         any necrosis makes it an atypical carcinoid (R-A3.1)."
                    ));
                }
            }
        }
        None => {
            if necrosis_present {
                c.name = "Atypical carcinoid".into();
                c.decided_by.push(Basis::Necrosis);
                c.warnings.push(format!(
                    "Mitotic count not given: atypical carcinoid from necrosis alone (R-A3.1); give the count to \
                     exclude the carcinoma range ({high} per 2 mm²)."
                ));
            } else {
                return Err(InputError::new(
                    "tumor.mitoses",
                    "missing; lung and thymic NENs are classified by mitoses per 2 mm² and necrosis (Ki-67 is not a \
                     criterion, R-A3.2); allowed: one of the tumor.mitoses shapes",
                ));
            }
        }
    }
    if necrosis == Necrosis::Extensive && c.name == "Atypical carcinoid" {
        c.warnings.push(
            "Extensive necrosis is usual in large-cell and small-cell carcinoma; with carcinoid morphology it still \
             counts as necrosis for atypical carcinoid (R-A3.1) — review morphology."
                .into(),
        );
    }
    if unknown_diff && c.name.ends_with("carcinoid") {
        c.warnings.push(
            "Differentiation not reported: carcinoid named from mitoses and necrosis; confirm carcinoid morphology."
                .into(),
        );
    }
    Ok(())
}
