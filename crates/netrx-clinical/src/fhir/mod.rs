//! FHIR R4 at netrx's edge: a Bundle of mCODE-style resources becomes a case
//! file ([`import`]), and the CDS Hooks `patient-view` service turns the
//! prefetched resources into cards ([`cds`]). Pure functions: text and values
//! in, values out; the server and the CLI do the I/O.
//!
//! FHIR resources are read leniently (`serde_json::Value`, unknown elements
//! ignored, as FHIR requires), but nothing is guessed: every code is looked up
//! in the tables of `knowledge/fhir/`, and what could not be mapped is listed
//! in the [`OperationOutcome`] with the resource and the element it came from.

pub mod cds;
pub mod import;
pub mod outcome;
pub(crate) mod read;

pub use import::{Import, ImportFailure, ImportOptions, import_bundle};
pub use outcome::{Issue, IssueType, OperationOutcome, Severity};
