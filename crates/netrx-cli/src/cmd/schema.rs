//! `netrx schema`: print the JSON Schema of the case file.

use crate::error::CliResult;

/// Print the JSON Schema of the case file (the committed schemas/case.schema.json is this output).
#[derive(clap::Args)]
#[command(after_help = "Example:\n  netrx schema > schemas/case.schema.json")]
pub struct Args {}

pub fn run(_: Args) -> CliResult {
    crate::io::print_json(&netrx_case::case_schema())
}
