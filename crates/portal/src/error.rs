//! The portal's one error type.

use std::fmt;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The user asked for something the portal refuses, with the reason
    /// shown on the page (a malformed request, another company's licence,
    /// a function the view does not offer, a second machine).
    Refused(String),
    /// Not signed in, or the sign-in is wrong.
    Unauthorized(String),
    /// The database failed.
    Store(String),
    /// The portal cannot start or sign (its key, its state directory).
    Setup(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Refused(why) | Error::Unauthorized(why) | Error::Setup(why) => f.write_str(why),
            Error::Store(why) => write!(f, "the portal's database: {why}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<entitle_seats::Error> for Error {
    fn from(error: entitle_seats::Error) -> Error {
        let why = match error {
            entitle_seats::Error::Store(why) => why,
            other => other.to_string(),
        };
        // One line: a database's message may quote the statement.
        Error::Store(why.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

impl From<Error> for entitle::Error {
    fn from(error: Error) -> entitle::Error {
        let exit = match &error {
            Error::Refused(_) | Error::Unauthorized(_) => entitle::Exit::Invalid,
            Error::Store(_) | Error::Setup(_) => entitle::Exit::Input,
        };
        entitle::Error::new(exit, error.to_string())
    }
}
