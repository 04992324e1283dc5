//! The one error type of the seat server.

use std::fmt;

use crate::store::Ending;

/// The refusal the manual gives, in German, when every shared seat is in use.
pub const EXHAUSTED_DE: &str = "Alle gemeinsam genutzten Lizenzen sind in Gebrauch. Um eine Sitzung zu starten, warten Sie bitte auf eine verfügbare Lizenz";
/// The same refusal in English.
pub const EXHAUSTED_EN: &str =
    "All shared licenses are in use; to start a session, wait for a free license";

/// Why a seat operation was refused or failed.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// Every shared seat of the pool is occupied.
    Exhausted {
        /// The pool.
        pool: String,
        /// Its shared seats.
        seats: u32,
    },
    /// The credential is not one the server issued (or was revoked).
    Unauthorized,
    /// The account may not do this; the message says what it may not do.
    Forbidden(String),
    /// What would be made exists already, and is not replaced unasked; the
    /// message says how to replace it.
    Exists(String),
    /// No such agent, lease or pool; the message says which.
    NotFound(String),
    /// The lease ended (its time ran out, or the server ended it, `ending`
    /// says why): its seat may be someone else's now.
    LeaseEnded {
        /// The lease.
        lease: String,
        /// Why it ended.
        ending: Ending,
    },
    /// A request that breaks a rule (a name too long, a named seat beyond
    /// the pool's); the message says which.
    Invalid(String),
    /// The store failed.
    Store(String),
    /// The server could not talk to a client or the client to the server.
    Http(String),
}

impl Error {
    /// A stable code for JSON bodies and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Exhausted { .. } => "pool_exhausted",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::Exists(_) => "exists",
            Error::NotFound(_) => "not_found",
            Error::LeaseEnded {
                ending: Ending::Lapsed,
                ..
            } => "lease_expired",
            Error::LeaseEnded { .. } => "lease_ended",
            Error::Invalid(_) => "invalid",
            Error::Store(_) => "store",
            Error::Http(_) => "http",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Exhausted { .. } => write!(f, "{EXHAUSTED_EN} ({EXHAUSTED_DE})"),
            Error::Unauthorized => f.write_str("the credential is not valid here"),
            Error::Forbidden(what) | Error::NotFound(what) | Error::Exists(what) => {
                write!(f, "{what}")
            }
            Error::LeaseEnded {
                lease,
                ending: Ending::Lapsed,
            } => write!(
                f,
                "lease {lease} has expired and its seat may be taken: claim a new one"
            ),
            Error::LeaseEnded { lease, ending } => write!(
                f,
                "lease {lease} has ended: {} ({})",
                ending.english(),
                ending.german()
            ),
            Error::Invalid(why) => f.write_str(why),
            Error::Store(why) => write!(f, "the seat store failed: {why}"),
            Error::Http(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Error {
        Error::Store(error.to_string())
    }
}

impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Error {
        Error::Store(error.to_string())
    }
}

impl From<Error> for entitle::Error {
    fn from(error: Error) -> entitle::Error {
        let exit = match &error {
            Error::Exhausted { .. } => entitle::Exit::NoSeat,
            Error::Unauthorized | Error::Forbidden(_) => entitle::Exit::Invalid,
            Error::LeaseEnded { .. } => entitle::Exit::NotValidNow,
            _ => entitle::Exit::Input,
        };
        let reason = match &error {
            Error::LeaseEnded { ending, .. } => Some(ending.code()),
            _ => Some(error.code()),
        };
        entitle::Error {
            exit,
            message: error.to_string(),
            reason,
        }
    }
}
