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

    /// Checks the signature, then that the token is valid at `now` (Unix
    /// seconds; the library has no clock).
    pub fn verify<'a>(&self, token: Token<'a>, now: u64) -> Result<License<'a>, Error> {
        self.check_signature(&token)?;
        let claims = token.claims();
        if now < claims.not_before {
            return Err(Error::NotYetValid {
                now,
                not_before: claims.not_before,
            });
        }
        if let Some(expires_at) = claims.expires_at {
            if now >= expires_at {
                return Err(Error::Expired { now, expires_at });
            }
        }
        Ok(License { token })
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

/// A token whose signature checked out under a trusted key and that was valid
/// at the time given. Only [`Verifier::verify`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct License<'a> {
    token: Token<'a>,
}

impl<'a> License<'a> {
    /// The verified claims.
    pub fn claims(&self) -> &Claims<'a> {
        self.token.claims()
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
        match self.claims().updates_until {
            Some(updates_until) if build_date > updates_until => Err(Error::NotEntitledToBuild {
                build_date,
                updates_until,
            }),
            _ => Ok(()),
        }
    }
}
