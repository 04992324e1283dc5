//! The one error type of the issuer.

use std::fmt;
use std::path::PathBuf;

/// Why a key could not be made, read or written, or a token not issued.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// A license field breaks a rule; the message names field and rule.
    InvalidSpec {
        /// The field, as the CLI flag names it (`seats`, `tenant`, ...).
        field: &'static str,
        /// What is wrong, in words.
        reason: String,
    },
    /// Key text that is not a PEM Ed25519 key of the expected kind.
    KeyFormat {
        /// Which key file format was expected.
        expected: &'static str,
        /// What the parser said.
        detail: String,
    },
    /// A key that is not usable (a weak public key, for instance).
    InvalidKey(entitle_verify::Error),
    /// Refusing to overwrite an existing file.
    Exists(PathBuf),
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The operating system's random number generator failed.
    Random,
    /// The signer failed (a hardware module, say).
    Sign(entitle_verify::SignError),
    /// A hardware module (PKCS#11) refused or failed; the message says
    /// which step and why.
    Module(String),
    /// A freshly signed token failed its own verification or did not read
    /// back as the claims given (a bug or a hardware fault); it was not
    /// handed out.
    SelfCheck(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidSpec { field, reason } => write!(f, "{field}: {reason}"),
            Error::KeyFormat { expected, detail } => {
                write!(f, "not a PEM Ed25519 {expected} ({detail})")
            }
            Error::InvalidKey(e) => write!(f, "unusable key: {e}"),
            Error::Exists(path) => write!(
                f,
                "{} exists; refusing to overwrite it (use --force to replace it)",
                path.display()
            ),
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Random => f.write_str("the operating system's random number generator failed"),
            Error::Sign(e) => write!(f, "cannot sign: {e}"),
            Error::Module(why) => write!(f, "PKCS#11: {why}"),
            Error::SelfCheck(e) => write!(
                f,
                "the new token failed verification ({e}); nothing was issued"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::InvalidKey(e) => Some(e),
            _ => None,
        }
    }
}

pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidSpec {
        field,
        reason: reason.into(),
    }
}
