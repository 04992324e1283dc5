//! The one error type of the library: a failure, one line for people and
//! an exit code for scripts (the `entitle` command exits with it).

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
    /// 7: no seat free: every shared seat of the pool is in use.
    NoSeat = 7,
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

/// A failure: one line for stderr and an exit code ([`Exit`]).
#[derive(Debug)]
pub struct Error {
    /// The exit code.
    pub exit: Exit,
    /// The one-line message.
    pub message: String,
    /// A stable snake_case code saying why, where the exit code alone does
    /// not (`ended_by_admin` for a lease an administrator ended); in the
    /// JSON error as `reason`.
    pub reason: Option<&'static str>,
}

impl Error {
    /// Bad input or I/O.
    pub fn input(message: impl Into<String>) -> Error {
        Error::new(Exit::Input, message)
    }

    /// A failure with exit code `exit`.
    pub fn new(exit: Exit, message: impl Into<String>) -> Error {
        Error {
            exit,
            message: message.into(),
            reason: None,
        }
    }

    /// A token refused by the verifier, with where it came from.
    pub fn token(error: entitle_verify::Error, context: impl fmt::Display) -> Error {
        Error::new(error.kind().into(), format!("{context}: {error}"))
    }
}

impl Error {
    /// `{"error":{"code":4,"kind":"invalid","message":"…","input":"tokens.txt line 2"}}`:
    /// the error of a command run with `--json`. `input` is where the input
    /// the message is about came from, when it names one.
    pub fn to_json(&self) -> String {
        const NOTHING: &str = "no usable license: ";
        let (lead, body) = match self.message.strip_prefix(NOTHING) {
            Some(body) => (NOTHING, body),
            None => ("", self.message.as_str()),
        };
        let (input, message) = match body.split_once(": ") {
            Some((origin, rest)) if is_origin(origin) => (Some(origin), format!("{lead}{rest}")),
            _ => (None, self.message.clone()),
        };
        let kind = match self.exit {
            Exit::Input => "input",
            Exit::Invalid => "invalid",
            Exit::NotValidNow => "not_valid_now",
            Exit::Incomplete => "incomplete",
            Exit::NoSeat => "no_seat",
        };
        let mut error = serde_json::json!({
            "code": self.exit as u8,
            "kind": kind,
            "message": message,
        });
        if let Some(object) = error.as_object_mut() {
            if let Some(input) = input {
                object.insert("input".into(), input.into());
            }
            if let Some(reason) = self.reason {
                object.insert("reason".into(), reason.into());
            }
        }
        serde_json::json!({ "error": error }).to_string()
    }
}

/// Whether `text` is where an input came from: `argument 2`, `standard
/// input line 1`, `tokens.txt line 4, character 17`.
fn is_origin(text: &str) -> bool {
    text.starts_with("argument ") || text.contains(" line ") || text.starts_with("standard input")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
