//! `tumor`: site, morphology, proliferation, function, imaging and course.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// The tumour as the pathologist and the imaging describe it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tumor {
    /// Primary site.
    pub primary_site: PrimarySite,
    /// Morphological differentiation (decides NET G3 vs NEC).
    pub differentiation: Differentiation,
    /// Cell type of a poorly differentiated carcinoma.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cell_type: Option<CellType>,
    /// Ki-67 labelling index in percent, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub ki67_percent: Option<f64>,
    /// Mitotic count, in one of four shapes (raw count over an area, raw count over
    /// high-power fields of known diameter, already per 2 mm², or legacy per 10 HPF).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mitoses: Option<Mitoses>,
    /// Necrosis (decisive for lung and thymus).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub necrosis: Option<Necrosis>,
    /// Hormonally functional (a clinical hormone syndrome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub functional: Option<bool>,
    /// The hormone syndrome, if functional.
    #[serde(default)]
    pub syndrome: Option<Syndrome>,
    /// Somatostatin-receptor imaging (68Ga-DOTATATE/TOC PET or scintigraphy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sstr_imaging: Option<SstrImaging>,
    /// Growth on imaging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progression: Option<Progression>,
    /// Hepatic tumour load in percent of liver volume, 0–100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 100))]
    pub liver_burden_percent: Option<f64>,
    /// Metastases outside the liver (bone, peritoneum, lung, distant nodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extrahepatic_disease: Option<bool>,
    /// Extent of disease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extent: Option<Extent>,
    /// Tumour-related symptoms (bulk, pain), distinct from a hormone syndrome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symptomatic: Option<bool>,
}

/// Primary tumour site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrimarySite {
    Pancreas,
    Stomach,
    Duodenum,
    JejunumIleum,
    Appendix,
    Colon,
    Rectum,
    Lung,
    Thymus,
    UnknownPrimary,
}

impl PrimarySite {
    /// Lung or thymus (graded by the thoracic criteria).
    pub fn is_thoracic(self) -> bool {
        matches!(self, PrimarySite::Lung | PrimarySite::Thymus)
    }

    /// Gastroenteropancreatic.
    pub fn is_gep(self) -> bool {
        !self.is_thoracic() && self != PrimarySite::UnknownPrimary
    }
}

/// Morphological differentiation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Differentiation {
    Well,
    Poor,
    Unknown,
}

/// Cell type of a poorly differentiated neuroendocrine carcinoma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CellType {
    SmallCell,
    LargeCell,
    Unknown,
}

/// Necrosis as reported by the pathologist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Necrosis {
    None,
    Punctate,
    Extensive,
    Unknown,
}

/// Hormone syndrome of a functional tumour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Syndrome {
    Carcinoid,
    Insulinoma,
    Gastrinoma,
    Vipoma,
    Glucagonoma,
    Other,
}

/// Somatostatin-receptor imaging result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SstrImaging {
    Positive,
    Negative,
    Unknown,
}

/// Growth of the disease on imaging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Progression {
    /// Progressive, stable or unknown.
    pub status: ProgressionStatus,
    /// Over how many months the status was observed (e.g. progression within 6 months).
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub months_observed: Option<f64>,
}

/// Progression status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgressionStatus {
    Progressive,
    Stable,
    Unknown,
}

/// Extent of disease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Extent {
    Localized,
    LocallyAdvancedUnresectable,
    Metastatic,
}

/// A mitotic count. Exactly one of four shapes:
/// `{ "count", "area_mm2" }`, `{ "count", "hpf", "field_diameter_mm" }`,
/// `{ "per_2mm2" }`, or the legacy `{ "per_10hpf" }` (field size unknown).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, JsonSchema)]
#[serde(untagged, deny_unknown_fields)]
pub enum Mitoses {
    /// Mitoses counted over a measured area.
    Area {
        /// Number of mitoses counted (≥ 0).
        #[schemars(range(min = 0))]
        count: f64,
        /// Area counted, mm² (> 0).
        #[schemars(range(min = 0))]
        area_mm2: f64,
    },
    /// Mitoses counted over high-power fields of a known field diameter.
    Fields {
        /// Number of mitoses counted (≥ 0).
        #[schemars(range(min = 0))]
        count: f64,
        /// Number of high-power fields counted (> 0).
        #[schemars(range(min = 0))]
        hpf: f64,
        /// Field diameter in mm (eyepiece field number / objective magnification), > 0.
        #[schemars(range(min = 0))]
        field_diameter_mm: f64,
    },
    /// Already normalised to mitoses per 2 mm².
    Per2mm2 {
        /// Mitoses per 2 mm² (≥ 0).
        #[schemars(range(min = 0))]
        per_2mm2: f64,
    },
    /// Legacy report per 10 HPF with unknown field size (≈ per 2 mm² only for a
    /// 0.5 mm field).
    Per10Hpf {
        /// Mitoses per 10 high-power fields (≥ 0).
        #[schemars(range(min = 0))]
        per_10hpf: f64,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MitosesRaw {
    count: Option<f64>,
    area_mm2: Option<f64>,
    hpf: Option<f64>,
    field_diameter_mm: Option<f64>,
    per_2mm2: Option<f64>,
    per_10hpf: Option<f64>,
}

const MITOSES_SHAPES: &str =
    "{\"count\", \"area_mm2\"} | {\"count\", \"hpf\", \"field_diameter_mm\"} | {\"per_2mm2\"} | {\"per_10hpf\"}";

impl<'de> Deserialize<'de> for Mitoses {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let r = MitosesRaw::deserialize(d)?;
        let given: Vec<&str> = [
            ("count", r.count.is_some()),
            ("area_mm2", r.area_mm2.is_some()),
            ("hpf", r.hpf.is_some()),
            ("field_diameter_mm", r.field_diameter_mm.is_some()),
            ("per_2mm2", r.per_2mm2.is_some()),
            ("per_10hpf", r.per_10hpf.is_some()),
        ]
        .iter()
        .filter(|(_, present)| *present)
        .map(|(k, _)| *k)
        .collect();
        let m = match (r.count, r.area_mm2, r.hpf, r.field_diameter_mm, r.per_2mm2, r.per_10hpf) {
            (Some(count), Some(area_mm2), None, None, None, None) => Mitoses::Area { count, area_mm2 },
            (Some(count), None, Some(hpf), Some(field_diameter_mm), None, None) => Mitoses::Fields {
                count,
                hpf,
                field_diameter_mm,
            },
            (None, None, None, None, Some(per_2mm2), None) => Mitoses::Per2mm2 { per_2mm2 },
            (None, None, None, None, None, Some(per_10hpf)) => Mitoses::Per10Hpf { per_10hpf },
            _ => {
                return Err(D::Error::custom(format!(
                    "got the keys {{{}}}; allowed: exactly one of the shapes {MITOSES_SHAPES}",
                    given.join(", ")
                )));
            }
        };
        Ok(m)
    }
}
