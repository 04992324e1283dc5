//! The one error type of entitle-allocate.

use std::fmt;

/// Why a catalog, a signed catalog or a users file was refused.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The catalog breaks a rule: where, and which rule.
    Catalog {
        /// 1-based line of the offending value (0 when unknown).
        line: usize,
        /// Dotted TOML path of the value, e.g. `products.xphone-8.licenses.fax`.
        path: String,
        /// The rule, in words.
        message: String,
    },
    /// A signed catalog whose signature is missing, malformed or wrong.
    Signature(String),
    /// A users file line that cannot be used.
    Users {
        /// 1-based line in the file (the header is line 1).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A license spec the catalog forbids (`entitle issue --catalog`).
    Forbidden {
        /// The flag or field concerned.
        field: &'static str,
        /// The catalog rule it breaks.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Catalog {
                line,
                path,
                message,
            } if *line > 0 => {
                write!(f, "line {line}: {path}: {message}")
            }
            Error::Catalog { path, message, .. } if !path.is_empty() => {
                write!(f, "{path}: {message}")
            }
            Error::Catalog { message, .. } => f.write_str(message),
            Error::Signature(message) => write!(f, "catalog signature: {message}"),
            Error::Users { line, message } => write!(f, "line {line}: {message}"),
            Error::Forbidden { field, message } => write!(f, "{field}: {message}"),
        }
    }
}

impl std::error::Error for Error {}
