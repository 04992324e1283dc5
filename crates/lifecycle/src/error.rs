//! The one error type of entitle-lifecycle.

use std::fmt;
use std::path::PathBuf;

use entitle_verify::{KeyId, Serial, Utc};

/// What to do about an [`Error`]: the `entitle` CLI maps kinds to exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Forged, tampered, replayed, revoked, out of its signer's rights, or
    /// for another machine: never to be used.
    Invalid,
    /// Genuine, but not now (the clock was set back).
    NotValidNow,
    /// A file could not be read or written, or is not what was expected.
    Input,
    /// An add-on without its base license.
    Incomplete,
}

/// Why a life-cycle artifact or operation was refused.
#[non_exhaustive]
#[derive(Debug)]
pub enum Error {
    /// Text that is not a well-formed artifact of the expected kind.
    Malformed {
        /// The kind of artifact expected.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// Signed by a key that is neither trusted nor certified by a trusted key.
    UnknownSigner {
        /// The kind of artifact.
        what: &'static str,
        /// The key id it names.
        key_id: KeyId,
    },
    /// The signature does not match.
    BadSignature {
        /// The kind of artifact.
        what: &'static str,
    },
    /// A certificate chain that does not hold: a link that widens its
    /// parent, delegates without the right, is too deep, or is revoked.
    Chain(String),
    /// A party acting outside its role or limits.
    NotAllowed(String),
    /// A limit that holds in total over the tokens at hand (a partner's
    /// `max_seats`, extra keys out of annual-model licenses, an add-on's
    /// features), with its code.
    Limit {
        /// The limit's code: `seat_limit`, `extra_keys_exceed_annual`,
        /// `extra_key_outlives_annual`, `extra_key_feature`, `addon_feature`.
        code: &'static str,
        /// What was exceeded.
        why: String,
    },
    /// An activation that is not for this machine, license or request.
    Activation(String),
    /// The license was revoked.
    Revoked {
        /// Its serial.
        serial: Serial,
    },
    /// Another license at hand carries the same serial with other content;
    /// one serial is one license, and the other counts.
    SerialConflict {
        /// The serial they share.
        serial: Serial,
    },
    /// The clock reads earlier than times already seen.
    ClockSetBack {
        /// The clock.
        now: u64,
        /// The latest time this appliance has seen.
        seen: u64,
    },
    /// The appliance state is unusable.
    State(String),
    /// The appliance state is missing, altered or restored from an older
    /// copy while the appliance holds activations: it fails closed.
    StateLost(String),
    /// Reading or writing a file failed.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A key could not be made or read.
    Key(String),
    /// The signer failed (a hardware module, say).
    Sign(entitle_verify::SignError),
    /// The catalog does not let the license count here.
    Catalog(String),
    /// The token verifier refused a token.
    Token(entitle_verify::Error),
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::ClockSetBack { .. } => ErrorKind::NotValidNow,
            Error::Io { .. } | Error::Key(_) | Error::Sign(_) => ErrorKind::Input,
            Error::Token(e) => match e.kind() {
                entitle_verify::ErrorKind::NotValidNow => ErrorKind::NotValidNow,
                entitle_verify::ErrorKind::Incomplete => ErrorKind::Incomplete,
                entitle_verify::ErrorKind::Invalid => ErrorKind::Invalid,
            },
            _ => ErrorKind::Invalid,
        }
    }
}

/// The stable snake_case code of a token error (docs/cli.md, "Reason
/// codes").
pub fn token_code(error: &entitle_verify::Error) -> &'static str {
    use entitle_verify::Error as T;
    match error {
        T::Prefix => "not_a_token",
        T::UnsupportedArmor { .. } | T::UnsupportedVersion(_) => "unsupported_format",
        T::Encoding { .. } => "bad_encoding",
        T::TooLong { .. } => "too_long",
        T::TooShort { .. } => "too_short",
        T::UnknownFlags(_) => "unknown_flags",
        T::Truncated(_) => "truncated",
        T::Invalid(_) => "invalid_field",
        T::InvalidKey => "invalid_key",
        T::UnknownKey(_) => "unknown_signer",
        T::BadSignature => "bad_signature",
        T::NotYetValid { .. } => "not_yet_valid",
        T::Expired { .. } => "expired",
        T::NotEntitledToBuild { .. } => "not_entitled_to_build",
        T::AddonWithoutBase => "addon_without_base",
        _ => "invalid",
    }
}

impl Error {
    /// The stable snake_case code of this error, for programs: the same
    /// for every message of a kind (docs/cli.md, "Reason codes").
    pub fn code(&self) -> &'static str {
        match self {
            Error::Malformed { .. } => "malformed",
            Error::UnknownSigner { .. } => "unknown_signer",
            Error::BadSignature { .. } => "bad_signature",
            Error::Chain(_) => "chain_refused",
            Error::NotAllowed(_) => "not_allowed",
            Error::Limit { code, .. } => code,
            Error::Activation(_) => "activation_refused",
            Error::Revoked { .. } => "revoked",
            Error::SerialConflict { .. } => "serial_conflict",
            Error::ClockSetBack { .. } => "clock_set_back",
            Error::State(_) => "state_unusable",
            Error::StateLost(_) => "state_lost",
            Error::Io { .. } => "io",
            Error::Key(_) => "key",
            Error::Sign(_) => "sign_failed",
            Error::Catalog(_) => "catalog",
            Error::Token(e) => token_code(e),
        }
    }

    /// A copy of this error, for results remembered and handed out again
    /// (an I/O error, which cannot be copied, becomes its message).
    pub(crate) fn replicate(&self) -> Error {
        match self {
            Error::Malformed { what, detail } => Error::Malformed {
                what,
                detail: detail.clone(),
            },
            Error::UnknownSigner { what, key_id } => Error::UnknownSigner {
                what,
                key_id: *key_id,
            },
            Error::BadSignature { what } => Error::BadSignature { what },
            Error::Chain(why) => Error::Chain(why.clone()),
            Error::NotAllowed(why) => Error::NotAllowed(why.clone()),
            Error::Limit { code, why } => Error::Limit {
                code,
                why: why.clone(),
            },
            Error::Activation(why) => Error::Activation(why.clone()),
            Error::Revoked { serial } => Error::Revoked { serial: *serial },
            Error::SerialConflict { serial } => Error::SerialConflict { serial: *serial },
            Error::ClockSetBack { now, seen } => Error::ClockSetBack {
                now: *now,
                seen: *seen,
            },
            Error::State(why) => Error::State(why.clone()),
            Error::StateLost(why) => Error::StateLost(why.clone()),
            Error::Key(why) => Error::Key(why.clone()),
            Error::Sign(e) => Error::Sign(*e),
            Error::Catalog(why) => Error::Catalog(why.clone()),
            Error::Token(e) => Error::Token(*e),
            Error::Io { .. } => Error::State(self.to_string()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Malformed { what, detail } => write!(f, "not a valid {what}: {detail}"),
            Error::UnknownSigner { what, key_id } => write!(
                f,
                "{what} signed by key {key_id}, which is neither trusted nor certified by a trusted key"
            ),
            Error::BadSignature { what } => {
                write!(f, "bad signature: the {what} was altered or forged")
            }
            Error::Chain(why) => write!(f, "certificate chain refused: {why}"),
            Error::NotAllowed(why) | Error::Limit { why, .. } => write!(f, "not allowed: {why}"),
            Error::Activation(why) => write!(f, "activation refused: {why}"),
            Error::Revoked { serial } => write!(f, "license {serial} was revoked"),
            Error::SerialConflict { serial } => write!(
                f,
                "another license with serial {serial} and other content is at hand; one serial is one license, and of the two the vendor's, then the one that grants less, counts"
            ),
            Error::ClockSetBack { now, seen } => write!(
                f,
                "the clock was set back: it reads {}, but this appliance has seen {}",
                Utc(*now),
                Utc(*seen)
            ),
            Error::State(why) => write!(f, "appliance state: {why}"),
            Error::StateLost(why) => {
                write!(f, "appliance state missing or altered: re-activate ({why})")
            }
            Error::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Key(why) => write!(f, "key: {why}"),
            Error::Sign(e) => write!(f, "cannot sign: {e}"),
            Error::Catalog(why) => write!(f, "the catalog does not count it: {why}"),
            Error::Token(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::Token(e) => Some(e),
            _ => None,
        }
    }
}
