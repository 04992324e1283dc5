//! From a parsed [`Token`] to a trusted [`License`].

use crate::claims::{Claims, Serial};
use crate::error::Error;
use crate::format::TOKEN_CONTEXT;
use crate::key::{KeyId, PublicKey};
use crate::token::Token;

/// Verifies tokens against a set of trusted public keys.
///
/// Several keys may be trusted at once (key rotation): each token names its
/// key by [`KeyId`], and only keys with that id are tried.
#[derive(Debug, Clone, Copy)]
pub struct Verifier<'k> {
    keys: &'k [PublicKey],
}

impl<'k> Verifier<'k> {
    /// A verifier trusting `keys`.
    pub const fn new(keys: &'k [PublicKey]) -> Verifier<'k> {
        Verifier { keys }
    }

    /// The trusted keys.
    pub fn keys(&self) -> &'k [PublicKey] {
        self.keys
    }

    /// Checks the token's signature, and nothing else.
    ///
    /// Errors: [`Error::UnknownKey`] when no trusted key has the token's key
    /// id; [`Error::BadSignature`] when one does but the signature fails.
    pub fn check_signature(&self, token: &Token<'_>) -> Result<(), Error> {
        let mut known = false;
        for key in self.keys.iter().filter(|k| k.id() == token.key_id()) {
            known = true;
            if key
                .verify_signature(TOKEN_CONTEXT, token.body(), token.signature())
                .is_ok()
            {
                return Ok(());
            }
        }
        Err(if known {
            Error::BadSignature
        } else {
            Error::UnknownKey(token.key_id())
        })
    }

    /// Checks the signature only: the token is genuine, valid or not.
    pub fn authenticate<'a>(&self, token: Token<'a>) -> Result<Authentic<'a>, Error> {
        self.check_signature(&token)?;
        Ok(Authentic { token })
    }

    /// Checks the signature, then that the token is valid at `now` (Unix
    /// seconds; the library has no clock). An [`Error::Expired`] or
    /// [`Error::NotYetValid`] therefore always means the token is genuine.
    pub fn verify<'a>(&self, token: Token<'a>, now: u64) -> Result<License<'a>, Error> {
        self.authenticate(token)?.valid_at(now)
    }

    /// Decodes token text into `buf` and verifies it: [`Token::decode`], then
    /// [`Verifier::verify`].
    pub fn verify_text<'a>(
        &self,
        text: &str,
        buf: &'a mut [u8],
        now: u64,
    ) -> Result<License<'a>, Error> {
        self.verify(Token::decode(text, buf)?, now)
    }
}

/// When a license may be used. A token carries its own; a renewal signed
/// later may replace `expires_at` and `updates_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start of validity.
    pub not_before: u64,
    /// End of validity (exclusive); `None` for perpetual.
    pub expires_at: Option<u64>,
    /// Newest build date covered; `None` for all.
    pub updates_until: Option<u64>,
}

/// A token whose signature checked out under a trusted key, not yet checked
/// against the time. Only [`Verifier::authenticate`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authentic<'a> {
    token: Token<'a>,
}

impl<'a> Authentic<'a> {
    /// The token.
    pub fn token(&self) -> &Token<'a> {
        &self.token
    }

    /// The validity the token itself carries.
    pub fn own_validity(&self) -> Validity {
        let claims = self.token.claims();
        Validity {
            not_before: claims.not_before,
            expires_at: claims.expires_at,
            updates_until: claims.updates_until,
        }
    }

    /// Checks the token's own validity window against `now`.
    pub fn valid_at(self, now: u64) -> Result<License<'a>, Error> {
        let validity = self.own_validity();
        validity.check(now)?;
        Ok(License {
            token: self.token,
            validity,
        })
    }
}

impl Validity {
    /// Refuses a `now` (Unix seconds) outside the window: before
    /// `not_before`, or at or after `expires_at`. The one check of a
    /// validity window, for a token's own and for a renewed one.
    pub fn check(&self, now: u64) -> Result<(), Error> {
        if now < self.not_before {
            return Err(Error::NotYetValid {
                now,
                not_before: self.not_before,
            });
        }
        if let Some(expires_at) = self.expires_at {
            if now >= expires_at {
                return Err(Error::Expired { now, expires_at });
            }
        }
        Ok(())
    }

    /// Refuses software built at `build_date` (Unix seconds) after the
    /// update entitlement ended.
    pub fn check_build(&self, build_date: u64) -> Result<(), Error> {
        match self.updates_until {
            Some(updates_until) if build_date > updates_until => Err(Error::NotEntitledToBuild {
                build_date,
                updates_until,
            }),
            _ => Ok(()),
        }
    }
}

/// A genuine token that was valid at the time given. Only
/// [`Authentic::valid_at`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct License<'a> {
    token: Token<'a>,
    validity: Validity,
}

impl<'a> License<'a> {
    /// The verified claims (as signed in the token; see [`License::validity`]
    /// for the validity in force).
    pub fn claims(&self) -> &Claims<'a> {
        self.token.claims()
    }

    /// The validity in force: the token's own, or a renewal's.
    pub fn validity(&self) -> Validity {
        self.validity
    }

    /// The serial number.
    pub fn serial(&self) -> Serial {
        self.token.serial()
    }

    /// The id of the key that signed it.
    pub fn key_id(&self) -> KeyId {
        self.token.key_id()
    }

    /// The underlying token.
    pub fn token(&self) -> &Token<'a> {
        &self.token
    }

    /// Checks that the license covers software built at `build_date` (Unix
    /// seconds): refused when its update entitlement ended before that.
    pub fn check_build(&self, build_date: u64) -> Result<(), Error> {
        self.validity.check_build(build_date)
    }
}
