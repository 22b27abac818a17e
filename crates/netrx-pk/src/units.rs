//! Units as types. Doses are mg, volumes L, clearances L/h, rate constants 1/h,
//! times h, concentrations ng/mL — and a whole-blood concentration is a different
//! type from a plasma concentration, so one cannot be compared with the other by
//! accident (pk.md §7 pitfall 7).

use serde::Serialize;
use std::marker::PhantomData;

macro_rules! unit {
    ($(#[$doc:meta])* $name:ident, $unit:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub f64);
        impl $name {
            /// The unit symbol.
            pub const UNIT: &'static str = $unit;
            /// The bare number in this unit.
            pub fn get(self) -> f64 {
                self.0
            }
        }
    };
}

unit!(
    /// An amount of drug, mg.
    Mg,
    "mg"
);
unit!(
    /// A volume, L.
    Liters,
    "L"
);
unit!(
    /// A clearance or flow, L/h.
    LitersPerHour,
    "L/h"
);
unit!(
    /// A first-order rate constant, 1/h.
    PerHour,
    "1/h"
);
unit!(
    /// A time or duration, h.
    Hours,
    "h"
);
unit!(
    /// Body weight, kg.
    Kg,
    "kg"
);

/// Marker: everolimus measured in whole blood (the TDM matrix; de Wit 2016).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WholeBlood;
/// Marker: everolimus measured in plasma (e.g. ter Heine 2018).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plasma;

/// A biological matrix.
pub trait Matrix: Copy {
    /// "whole_blood" or "plasma".
    const ID: &'static str;
}
impl Matrix for WholeBlood {
    const ID: &'static str = "whole_blood";
}
impl Matrix for Plasma {
    const ID: &'static str = "plasma";
}

/// A concentration in ng/mL in matrix `M`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Conc<M: Matrix> {
    ng_ml: f64,
    _matrix: PhantomData<M>,
}

impl<M: Matrix> Conc<M> {
    /// From ng/mL.
    pub fn ng_ml(v: f64) -> Self {
        Conc {
            ng_ml: v,
            _matrix: PhantomData,
        }
    }
    /// The value in ng/mL.
    pub fn get(self) -> f64 {
        self.ng_ml
    }
}

impl<M: Matrix> Serialize for Conc<M> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.ng_ml)
    }
}

/// A whole-blood concentration, ng/mL.
pub type WholeBloodConc = Conc<WholeBlood>;
/// A plasma concentration, ng/mL.
pub type PlasmaConc = Conc<Plasma>;

/// mg/L → ng/mL.
pub const NG_ML_PER_MG_L: f64 = 1000.0;
