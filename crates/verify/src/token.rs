//! Binary token parsing: bytes to [`Token`], before any trust.

use crate::armor;
use crate::claims::{Claims, Features, Kind, SeatModel, Serial};
use crate::error::{Error, Field};
use crate::format::limits::MAX_FEATURES;
use crate::format::{FIXED_HEADER_LEN, MAX_TOKEN_BYTES, VERSION, flags};
use crate::key::{KeyId, SIGNATURE_LEN};
use crate::names::{is_valid_name, is_valid_name_bytes, is_valid_tenant};
use crate::wire::Reader;

/// A decoded token whose signature has **not** been checked.
///
/// Parse with [`Token::decode`] (text) or [`Token::from_bytes`], then hand it
/// to [`Verifier::verify`](crate::Verifier::verify). Reading its claims
/// before that is fine for display ("inspect"), never for a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    key_id: KeyId,
    serial: Serial,
    claims: Claims<'a>,
    body: &'a [u8],
    signature: &'a [u8; SIGNATURE_LEN],
}

impl<'a> Token<'a> {
    /// Decodes token text (`ent1.` + base64url) into `buf` and parses it.
    /// [`MAX_TOKEN_BYTES`] of buffer fit any token.
    pub fn decode(text: &str, buf: &'a mut [u8]) -> Result<Token<'a>, Error> {
        let bytes = armor::decode(text, buf)?;
        Token::from_bytes(bytes)
    }

    /// Decodes token text that is exactly `ent1.` + base64url, with nothing
    /// around or inside it, into `buf` and parses it: for firmware reading
    /// a token it stored itself, at 1.5 KB less code than [`Token::decode`],
    /// which also takes a token as mail and chat paste it (quote marks,
    /// whitespace, zero-width characters) and is what a person's input
    /// goes through. Whatever this accepts, `decode` accepts the same way.
    ///
    /// ```
    /// # use entitle_verify::{Error, Token, MAX_TOKEN_BYTES};
    /// let mut buf = [0u8; MAX_TOKEN_BYTES];
    /// assert!(matches!(
    ///     Token::decode_exact(" ent1.AAAA", &mut buf),
    ///     Err(Error::Prefix)
    /// ));
    /// ```
    pub fn decode_exact(text: &str, buf: &'a mut [u8]) -> Result<Token<'a>, Error> {
        let bytes = armor::decode_exact(text, buf)?;
        Token::from_bytes(bytes)
    }

    /// Parses a binary token: body, then a 64-byte signature.
    pub fn from_bytes(bytes: &'a [u8]) -> Result<Token<'a>, Error> {
        if bytes.len() > MAX_TOKEN_BYTES {
            return Err(Error::TooLong {
                len: bytes.len(),
                max: MAX_TOKEN_BYTES,
            });
        }
        let (body, signature) = bytes
            .split_last_chunk::<SIGNATURE_LEN>()
            .filter(|(body, _)| body.len() > FIXED_HEADER_LEN)
            .ok_or(Error::TooShort { len: bytes.len() })?;

        let mut r = Reader::new(body);
        let [version] = r.array::<1>(Field::Header)?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let key_id = KeyId(r.array::<4>(Field::Header)?);
        let serial = Serial(r.array::<8>(Field::Header)?);
        let flags = r.varint(Field::Header)?;
        if flags & !flags::KNOWN != 0 {
            return Err(Error::UnknownFlags(flags & !flags::KNOWN));
        }
        let has = |bit: u32| flags & bit != 0;

        let product = name(r.str(Field::Product)?, Field::Product)?;
        let edition = name(r.str(Field::Edition)?, Field::Edition)?;
        let seats = positive(r.varint(Field::Seats)?, Field::Seats)?;
        let cap = if has(flags::CAP) {
            let cap = positive(r.varint(Field::Cap)?, Field::Cap)?;
            // A cap below the token's own seats grants nothing it says.
            if cap < seats {
                return Err(Error::Invalid(Field::Cap));
            }
            Some(cap)
        } else {
            None
        };
        let issued_at = r.time(Field::IssuedAt)?;
        let not_before = if has(flags::NOT_BEFORE) {
            // Present only when it differs: one encoding per set of claims.
            let not_before = r.time(Field::NotBefore)?;
            if not_before == issued_at {
                return Err(Error::Invalid(Field::NotBefore));
            }
            not_before
        } else {
            issued_at
        };
        let expires_at = if has(flags::EXPIRES_AT) {
            let expires_at = r.time(Field::ExpiresAt)?;
            if expires_at <= not_before {
                return Err(Error::Invalid(Field::ExpiresAt));
            }
            Some(expires_at)
        } else {
            None
        };
        let updates_until = if has(flags::UPDATES_UNTIL) {
            Some(r.time(Field::UpdatesUntil)?)
        } else {
            None
        };
        let tenant = if has(flags::TENANT) {
            let tenant = r.str(Field::Tenant)?;
            if !is_valid_tenant(tenant) {
                return Err(Error::Invalid(Field::Tenant));
            }
            Some(tenant)
        } else {
            None
        };
        let features = features(r.rest_str(Field::Features)?)?;

        Ok(Token {
            key_id,
            serial,
            claims: Claims {
                product,
                edition,
                seats,
                model: if has(flags::CONCURRENT) {
                    SeatModel::Concurrent
                } else {
                    SeatModel::Named
                },
                cap,
                kind: if has(flags::ADDON) {
                    Kind::Addon
                } else {
                    Kind::Base
                },
                issued_at,
                not_before,
                expires_at,
                updates_until,
                tenant,
                features,
            },
            body,
            signature,
        })
    }

    /// The id of the key that signed (or claims to have signed) the token.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The token's serial number.
    pub fn serial(&self) -> Serial {
        self.serial
    }

    /// The claims, unverified.
    pub fn claims(&self) -> &Claims<'a> {
        &self.claims
    }

    /// The signed bytes (everything but the signature).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The Ed25519 signature.
    pub fn signature(&self) -> &'a [u8; SIGNATURE_LEN] {
        self.signature
    }
}

fn name(text: &str, field: Field) -> Result<&str, Error> {
    if is_valid_name(text) {
        Ok(text)
    } else {
        Err(Error::Invalid(field))
    }
}

fn positive(value: u32, field: Field) -> Result<u32, Error> {
    if value == 0 {
        Err(Error::Invalid(field))
    } else {
        Ok(value)
    }
}

/// Feature list: empty, or names joined by single commas, no repeats.
fn features(list: &str) -> Result<Features<'_>, Error> {
    if list.is_empty() {
        return Ok(Features(list));
    }
    // Split by bytes: a comma is ASCII, and byte slices split with less
    // code than a `str` pattern.
    let names = || list.as_bytes().split(|&b| b == b',');
    let mut count = 0usize;
    for (i, feature) in names().enumerate() {
        let repeated = names().take(i).any(|earlier| earlier == feature);
        if !is_valid_name_bytes(feature) || repeated {
            return Err(Error::Invalid(Field::Features));
        }
        count = count.saturating_add(1);
    }
    if count > MAX_FEATURES {
        return Err(Error::Invalid(Field::Features));
    }
    Ok(Features(list))
}
