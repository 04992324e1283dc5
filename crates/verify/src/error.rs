//! The one error type of the verifier.

use core::fmt;

use crate::key::KeyId;
use crate::time::Utc;

/// Why a token was refused.
///
/// Every variant is `Copy`: the verifier never allocates, not even for its
/// errors. [`Display`](fmt::Display) gives a one-line, human message;
/// [`Error::kind`] groups the variants for callers that only need to know
/// what to do next (the `entitle` CLI maps kinds to exit codes).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The text does not start with the `ent1.` armour prefix.
    Prefix,
    /// The text is an entitle token of another format version.
    UnsupportedArmor {
        /// The version named by the prefix (`ent2.` gives 2).
        version: u8,
    },
    /// A character that is not base64url (or whitespace) was found, or
    /// the text ends where no token can.
    Encoding {
        /// Where, in characters from the start of the token text (0-based).
        offset: usize,
        /// The character found; `None` when the text ends there.
        found: Option<char>,
    },
    /// The token is longer than the caller's buffer or the format's limit.
    TooLong {
        /// Bytes (decoded) or characters (armoured) found.
        len: usize,
        /// The most that is accepted.
        max: usize,
    },
    /// The token is shorter than its header and signature.
    TooShort {
        /// Bytes found after decoding.
        len: usize,
    },
    /// The binary token names a format version this verifier does not read.
    UnsupportedVersion(u8),
    /// The token sets flags this verifier does not know.
    UnknownFlags(u32),
    /// A field is cut short.
    Truncated(Field),
    /// A field holds a value the format does not allow.
    Invalid(Field),
    /// A public key is not a valid Ed25519 key (or is a weak, small-order one).
    InvalidKey,
    /// No trusted key has the token's key id.
    UnknownKey(KeyId),
    /// The signature does not match the token and the key.
    BadSignature,
    /// The token is not valid yet.
    NotYetValid {
        /// The caller's time, Unix seconds.
        now: u64,
        /// When the token becomes valid, Unix seconds.
        not_before: u64,
    },
    /// The token has expired.
    Expired {
        /// The caller's time, Unix seconds.
        now: u64,
        /// When the token stopped being valid, Unix seconds.
        expires_at: u64,
    },
    /// The running software was built after the token's update entitlement ended.
    NotEntitledToBuild {
        /// Build date of the running software, Unix seconds.
        build_date: u64,
        /// Newest build date the token covers, Unix seconds.
        updates_until: u64,
    },
    /// An add-on has no valid base license of the same product, edition,
    /// tenant and seat model to add to.
    AddonWithoutBase,
}

/// The field of a token an [`Error`] is about.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Version, key id, serial and flags.
    Header,
    /// The product name.
    Product,
    /// The edition name.
    Edition,
    /// The seat count.
    Seats,
    /// The seat cap.
    Cap,
    /// The time of issue.
    IssuedAt,
    /// The start of validity.
    NotBefore,
    /// The end of validity.
    ExpiresAt,
    /// The end of the update entitlement.
    UpdatesUntil,
    /// The tenant (customer company id).
    Tenant,
    /// The feature list.
    Features,
}

/// What kind of problem an [`Error`] is, for callers that act on kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not a well-formed token, a bad signature, or a key nobody trusts:
    /// the token must not be used, ever.
    Invalid,
    /// A genuine token that is not usable now or for this build: expired,
    /// not yet valid, not entitled to this version.
    NotValidNow,
    /// A genuine add-on that lacks the base license it extends.
    Incomplete,
}

impl Error {
    /// The kind of this error.
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Error::NotYetValid { .. }
            | Error::Expired { .. }
            | Error::NotEntitledToBuild { .. } => ErrorKind::NotValidNow,
            Error::AddonWithoutBase => ErrorKind::Incomplete,
            _ => ErrorKind::Invalid,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Header => "header",
            Field::Product => "product",
            Field::Edition => "edition",
            Field::Seats => "seats",
            Field::Cap => "cap",
            Field::IssuedAt => "issued_at",
            Field::NotBefore => "not_before",
            Field::ExpiresAt => "expires_at",
            Field::UpdatesUntil => "updates_until",
            Field::Tenant => "tenant",
            Field::Features => "features",
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::Prefix => f.write_str("not an entitle token: it must start with \"ent1.\""),
            Error::UnsupportedArmor { version } => write!(
                f,
                "this is an entitle format {version} token; this verifier reads format 1"
            ),
            Error::Encoding {
                offset,
                found: Some(c),
            } => write!(
                f,
                "the token stops making sense at character {}: {c:?} is not base64url (a typo, or text joined to it there)",
                offset.saturating_add(1)
            ),
            Error::Encoding {
                offset,
                found: None,
            } => write!(
                f,
                "the token ends after {offset} characters, where no token can: it was cut short"
            ),
            Error::TooLong { len, max } => {
                write!(f, "the token is too long ({len}, at most {max})")
            }
            Error::TooShort { len } => {
                write!(
                    f,
                    "the token is truncated ({len} bytes, too short to hold a signature)"
                )
            }
            Error::UnsupportedVersion(v) => {
                write!(
                    f,
                    "unsupported token format version {v} (this verifier reads 1)"
                )
            }
            Error::UnknownFlags(flags) => {
                write!(
                    f,
                    "the token sets unknown flags {flags:#x}; a newer verifier is needed"
                )
            }
            Error::Truncated(field) => write!(f, "the token is truncated in its {field} field"),
            Error::Invalid(field) => write!(f, "the token's {field} field is malformed"),
            Error::InvalidKey => f.write_str("not a valid Ed25519 public key"),
            Error::UnknownKey(id) => {
                write!(
                    f,
                    "signed by key {id}, which is not among the trusted keys; if a partner issued it, give the partner's certificate chain (entc1. lines) with it"
                )
            }
            Error::BadSignature => f.write_str("bad signature: the token was altered or forged"),
            Error::NotYetValid { now, not_before } => write!(
                f,
                "not valid yet: valid from {}, now is {}",
                Utc(not_before),
                Utc(now)
            ),
            Error::Expired { now, expires_at } => {
                write!(f, "expired at {}, now is {}", Utc(expires_at), Utc(now))
            }
            Error::NotEntitledToBuild {
                build_date,
                updates_until,
            } => write!(
                f,
                "not entitled to this version: updates end {}, this build is from {}",
                Utc(updates_until),
                Utc(build_date)
            ),
            Error::AddonWithoutBase => {
                f.write_str("add-on without a valid base license of the same product and edition")
            }
        }
    }
}

impl core::error::Error for Error {}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    fn from(error: Error) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, error)
    }
}
