//! Lab tests and units from the knowledge base (`knowledge/units.toml`), with
//! errors that name the field, the value and what is allowed.

use netrx_case::InputError;
use netrx_kb::Kb;
use netrx_kb::units::{LabTest, UnitDef};

/// The lab test a name (id or alias, case-insensitive) refers to.
pub fn test<'k>(kb: &'k Kb, field: &str, name: &str) -> Result<&'k LabTest, InputError> {
    kb.units.test(name).ok_or_else(|| {
        InputError::invalid(
            field,
            format!("{name:?}"),
            format!("one of the lab tests {}", kb.units.test_ids().join(", ")),
        )
    })
}

/// The unit definition a unit string names, for this test.
pub fn unit<'k>(test: &'k LabTest, field: &str, unit: &str) -> Result<&'k UnitDef, InputError> {
    test.unit(unit).ok_or_else(|| {
        let mut allowed: Vec<String> = Vec::new();
        for u in &test.unit {
            if u.aliases.is_empty() {
                allowed.push(u.id.clone());
            } else {
                allowed.push(format!("{} (also {})", u.id, u.aliases.join(", ")));
            }
        }
        InputError::invalid(
            field,
            format!("{unit:?}"),
            format!("for {}: {}", test.id, allowed.join("; ")),
        )
    })
}

/// A value converted to the test's canonical unit.
pub fn to_canonical(unit: &UnitDef, value: f64) -> f64 {
    unit.to_canonical(value)
}
