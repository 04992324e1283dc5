//! Failures of the `entitle` command and their exit codes.

use std::fmt;
use std::process::ExitCode;

use entitle_verify::ErrorKind;

/// What went wrong, as an exit code scripts can test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 3: bad input or I/O (a file that cannot be read, a malformed key
    /// file, date or catalog, a license field that breaks a rule).
    Input = 3,
    /// 4: a token that must never be used: malformed, bad signature, or
    /// signed by a key that is not trusted.
    Invalid = 4,
    /// 5: a genuine token that is not valid now: expired, not yet valid,
    /// or not entitled to this software version.
    NotValidNow = 5,
    /// 6: a genuine add-on without the base license it extends.
    Incomplete = 6,
}

impl From<ErrorKind> for Exit {
    fn from(kind: ErrorKind) -> Exit {
        match kind {
            ErrorKind::Invalid => Exit::Invalid,
            ErrorKind::NotValidNow => Exit::NotValidNow,
            ErrorKind::Incomplete => Exit::Incomplete,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

/// A failure: one line for stderr and an exit code.
#[derive(Debug)]
pub struct CliError {
    /// The exit code.
    pub exit: Exit,
    /// The one-line message.
    pub message: String,
}

impl CliError {
    /// Bad input or I/O.
    pub fn input(message: impl Into<String>) -> CliError {
        CliError {
            exit: Exit::Input,
            message: message.into(),
        }
    }

    /// A token refused by the verifier, with where it came from.
    pub fn token(error: entitle_verify::Error, context: impl fmt::Display) -> CliError {
        CliError {
            exit: error.kind().into(),
            message: format!("{context}: {error}"),
        }
    }
}

impl From<entitle_issue::Error> for CliError {
    fn from(error: entitle_issue::Error) -> CliError {
        CliError::input(error.to_string())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
