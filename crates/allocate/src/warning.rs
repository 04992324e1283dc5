//! Things to know that did not stop a licence from working: each with a
//! stable snake_case code (docs/cli.md, "Warning codes") and its words,
//! which may change between versions.

use std::fmt;

/// A warning of the decision or the allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What it is, for programs: stable across versions.
    pub code: &'static str,
    /// What it says, for people.
    pub message: String,
}

impl Warning {
    /// A warning `code` saying `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Warning {
        Warning {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
