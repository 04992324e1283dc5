//! Failures of the `entitle` command and their exit codes: the library's
//! ([`entitle::Error`]), and those of the signing and seat-server crates the
//! command uses beside it.

use std::fmt;

pub use entitle::Exit;

/// A failure: one line for stderr and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// The one-line message.
    pub message: String,
    /// Why, as a stable code, where the exit code alone does not say
    /// ([`entitle::Error::reason`]).
    pub reason: Option<&'static str>,
}

impl From<entitle::Error> for CliError {
    fn from(error: entitle::Error) -> CliError {
        CliError {
            exit: error.exit,
            message: error.message,
            reason: error.reason,
        }
    }
}

impl From<entitle_seats::Error> for CliError {
    fn from(error: entitle_seats::Error) -> CliError {
        CliError::from(entitle::Error::from(error))
    }
}

impl From<entitle_issue::Error> for CliError {
    fn from(error: entitle_issue::Error) -> CliError {
        CliError::input(error.to_string())
    }
}

impl CliError {
    /// Bad input or I/O.
    pub fn input(message: impl Into<String>) -> CliError {
        entitle::Error::input(message).into()
    }

    /// A token refused by the verifier, with where it came from.
    pub fn token(error: entitle_verify::Error, context: impl fmt::Display) -> CliError {
        entitle::Error::token(error, context).into()
    }

    /// The error of a command run with `--json`, one line
    /// ([`entitle::Error::to_json`]).
    pub fn to_json(&self) -> String {
        entitle::Error {
            exit: self.exit,
            message: self.message.clone(),
            reason: self.reason,
        }
        .to_json()
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
