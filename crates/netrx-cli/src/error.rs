//! How the CLI fails: bad input is exit code 2 and one line on stderr naming the
//! field, the value and what is allowed; anything else is exit code 1. Never a
//! panic or a backtrace.

use netrx_case::InputError;
use std::fmt;

/// Exit code for bad input (the same code clap uses for usage errors).
pub const EXIT_INPUT: i32 = 2;
/// Exit code for failures that are not the user's input (I/O on output, corrupt knowledge base).
pub const EXIT_FAILURE: i32 = 1;

/// A CLI failure.
#[derive(Debug)]
pub enum CliError {
    /// Bad input (exit 2).
    Input(InputError),
    /// Anything else (exit 1).
    Failure(String),
}

impl CliError {
    /// Bad input about `field`.
    pub fn input(field: impl Into<String>, message: impl Into<String>) -> Self {
        CliError::Input(InputError::new(field, message))
    }

    /// The exit code.
    pub fn code(&self) -> i32 {
        match self {
            CliError::Input(_) => EXIT_INPUT,
            CliError::Failure(_) => EXIT_FAILURE,
        }
    }
}

impl From<InputError> for CliError {
    fn from(e: InputError) -> Self {
        CliError::Input(e)
    }
}

impl From<netrx_kb::KbError> for CliError {
    fn from(e: netrx_kb::KbError) -> Self {
        CliError::Failure(format!("knowledge base: {e}"))
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(e) => write!(f, "{e}"),
            CliError::Failure(m) => f.write_str(m),
        }
    }
}

/// Result of a command.
pub type CliResult<T = ()> = Result<T, CliError>;
