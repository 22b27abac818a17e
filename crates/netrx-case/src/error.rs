//! The one error shape for bad input, shared by every front end.
//!
//! A CLI prints it as one line and exits 2; the server answers 400 with
//! `{ "error", "field", "message" }`. `field` is a dotted path into the input
//! (`tumor.ki67_percent`, `visits[2].target_lesions[0].diameter_mm`) or the
//! name of a command-line option (`--scheme`).

use std::fmt;

/// Bad input: which field, and a message that names the value given and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// Dotted path of the offending field, or the option name; `"(document)"` when
    /// the input is not parseable at all.
    pub field: String,
    /// What is wrong: the value given and what is allowed.
    pub message: String,
}

impl InputError {
    /// A free-form message about `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The standard shape: `got <value>; allowed: <allowed>`.
    pub fn invalid(field: impl Into<String>, value: impl fmt::Display, allowed: impl fmt::Display) -> Self {
        Self::new(field, format!("got {value}; allowed: {allowed}"))
    }

    /// Prefix the field path (used when a sub-document is validated on its own).
    pub fn under(mut self, prefix: &str) -> Self {
        if prefix.is_empty() {
            return self;
        }
        self.field = if self.field.is_empty() || self.field == DOCUMENT {
            prefix.to_string()
        } else if self.field.starts_with('[') {
            format!("{prefix}{}", self.field)
        } else {
            format!("{prefix}.{}", self.field)
        };
        self
    }
}

/// Field name used when the whole document is unreadable (malformed JSON).
pub const DOCUMENT: &str = "(document)";

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}
