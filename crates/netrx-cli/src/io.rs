//! The CLI's only file and terminal I/O helpers: reading inputs (files or `-` for
//! stdin), writing outputs, and printing JSON.

use crate::error::{CliError, CliResult};
use std::io::{Read, Write};
use std::path::Path;

/// Read a text input file (or stdin for `-`). A missing or unreadable file is bad input.
pub fn read_input(field: &str, path: &Path) -> CliResult<String> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::input(field, format!("cannot read standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| {
        CliError::input(
            field,
            format!(
                "cannot read {:?}: {}; allowed: a readable UTF-8 file",
                path.display().to_string(),
                e
            ),
        )
    })
}

/// Write an output file (e.g. an SVG).
#[allow(dead_code)] // used by the plotting commands
pub fn write_output(path: &Path, contents: &str) -> CliResult {
    std::fs::write(path, contents).map_err(|e| CliError::Failure(format!("cannot write {}: {e}", path.display())))
}

/// Print a serialisable value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(v: &T) -> CliResult {
    let s = serde_json::to_string_pretty(v).map_err(|e| CliError::Failure(format!("serialising output: {e}")))?;
    print_text(&s)
}

/// Print text on stdout, followed by a newline; a closed pipe is not an error.
pub fn print_text(s: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{s}").and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failure(format!("writing output: {e}"))),
    }
}
