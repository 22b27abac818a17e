//! Pure clinical logic of netrx, one module per capability. Every function
//! takes the case (or its parts) and the knowledge base and returns a result
//! value that front ends print as text or JSON; nothing here does I/O.

pub mod assess;
pub mod capability;
pub mod compare;
pub mod ctcae;
pub mod dose;
pub mod fhir;
pub mod grade;
pub mod meds;
pub mod network;
pub mod qol;
pub mod recist;
pub mod tdm;
pub mod tox;
pub mod units;

use netrx_case::{Case, InputError};
use netrx_kb::Kb;

/// Parse a case file and check it completely: structure (netrx-case) and every
/// vocabulary that lives in the knowledge base. This is the one entry point the
/// CLI, the server and the importers use, so a case accepted by one is accepted
/// by all.
pub fn load_case(text: &str, kb: &Kb) -> Result<Case, InputError> {
    let case = netrx_case::parse_case(text)?;
    check_case(&case, kb)?;
    Ok(case)
}

/// The knowledge-dependent checks of [`load_case`], for a case built in memory.
pub fn check_case(case: &Case, kb: &Kb) -> Result<(), InputError> {
    recist::check_visits(&case.visits, &kb.recist)?;
    qol::check_assessments(&case.qol, &kb.qol)?;
    tdm::check_everolimus_times(case)?;
    ctcae::check_labs_and_events(case, kb)?;
    assess::check_prior_therapies(case, kb)?;
    Ok(())
}
