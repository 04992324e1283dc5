//! The armour every life-cycle artifact shares (docs/lifecycle-format.md):
//!
//! ```text
//! text      = PREFIX base64url(body || signature)        (no padding)
//! body      = postcard(the artifact's fields)
//! signature = Ed25519(CONTEXT || SHA-512(body))          (verify_strict)
//! ```
//!
//! Each kind has its own prefix and signature context, so that no artifact
//! passes for another. Reading forgives what a paste adds around the text
//! ([`entitle_verify::unwrap_paste`], shared with tokens) and line breaks
//! inside it. One artifact has one encoding: bytes that postcard would
//! write differently (a longer varint, bytes left over) are refused.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_verify::{ArtifactKind, KeyId, PublicKey, SIGNATURE_LEN, Signer, unwrap_paste};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha512};

use crate::error::Error;

/// Longest artifact text accepted, in characters.
pub const MAX_ARTIFACT_LEN: usize = 64 * 1024;

/// A kind of signed artifact.
pub trait Artifact: Serialize + DeserializeOwned {
    /// Its kind: armour prefix and name.
    const KIND: ArtifactKind;
    /// Armour prefix, e.g. `entc1.`.
    const PREFIX: &'static str = Self::KIND.prefix();
    /// Name in messages.
    const NAME: &'static str = Self::KIND.name();
    /// Signature context.
    const CONTEXT: &'static [u8];
    /// The id of the key that signs it.
    fn signer(&self) -> KeyId;
    /// Checks the format version and field rules after decoding.
    fn check(&self) -> Result<(), String>;
}

/// A decoded artifact and the bytes its signature covers.
///
/// The fields are private and cannot change after decoding: what
/// [`Signed::verify`] returns is exactly what the signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<T> {
    body: T,
    body_bytes: Vec<u8>,
    signature: [u8; SIGNATURE_LEN],
    text: String,
}

impl<T: Artifact> Signed<T> {
    /// Signs `body` with `key`.
    pub fn sign(body: T, key: &dyn Signer) -> Result<Signed<T>, Error> {
        body.check().map_err(|detail| Error::Malformed {
            what: T::NAME,
            detail,
        })?;
        let body_bytes = postcard::to_allocvec(&body).map_err(|e| Error::Malformed {
            what: T::NAME,
            detail: e.to_string(),
        })?;
        let signature = key
            .sign(T::CONTEXT, &Sha512::digest(&body_bytes))
            .map_err(Error::Sign)?;
        let mut bytes = body_bytes.clone();
        bytes.extend_from_slice(&signature);
        let text = format!("{}{}", T::PREFIX, URL_SAFE_NO_PAD.encode(&bytes));
        Ok(Signed {
            body,
            body_bytes,
            signature,
            text,
        })
    }

    /// Decodes artifact text; the signature is not checked yet.
    pub fn decode(text: &str) -> Result<Signed<T>, Error> {
        let bytes = unarmor(text, T::PREFIX, T::NAME)?;
        let malformed = |detail: String| Error::Malformed {
            what: T::NAME,
            detail,
        };
        let (body_bytes, signature) = bytes
            .split_last_chunk::<SIGNATURE_LEN>()
            .ok_or_else(|| malformed("too short to hold a signature".into()))?;
        let body = canonical::<T>(body_bytes).map_err(&malformed)?;
        body.check().map_err(malformed)?;
        Ok(Signed {
            body,
            body_bytes: body_bytes.to_vec(),
            signature: *signature,
            text: format!("{}{}", T::PREFIX, URL_SAFE_NO_PAD.encode(&bytes)),
        })
    }

    /// The id of the key that claims to have signed it (unchecked).
    pub fn signer(&self) -> KeyId {
        self.body.signer()
    }

    /// The fields, **unchecked**: for display only (`entitle partner show`).
    /// Decisions read the fields through [`Signed::verify`].
    pub fn unverified(&self) -> &T {
        &self.body
    }

    /// Checks the signature with `key` and returns the fields it covers.
    pub fn verify(&self, key: &PublicKey) -> Result<&T, Error> {
        self.check_signature(key)?;
        Ok(&self.body)
    }

    /// Checks the signature with `key`.
    pub fn check_signature(&self, key: &PublicKey) -> Result<(), Error> {
        if key.id() != self.body.signer() {
            return Err(Error::UnknownSigner {
                what: T::NAME,
                key_id: self.body.signer(),
            });
        }
        key.verify_signature(
            T::CONTEXT,
            &Sha512::digest(&self.body_bytes),
            &self.signature,
        )
        .map_err(|_| Error::BadSignature { what: T::NAME })
    }

    /// The artifact as text, one line.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// The version rule every format-1 artifact shares.
pub(crate) fn version_1(version: u8) -> Result<(), String> {
    if version == 1 {
        Ok(())
    } else {
        Err(format!("version {version} (this entitle reads 1)"))
    }
}

/// Decodes postcard bytes in their one canonical encoding: refuses bytes
/// left over, and any encoding postcard would not write itself (a varint
/// longer than it needs, say), so that one artifact has one encoding.
pub(crate) fn canonical<T: Serialize + DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let value = match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => value,
        Ok((_, rest)) => return Err(format!("{} bytes after the last field", rest.len())),
        Err(e) => return Err(e.to_string()),
    };
    match postcard::to_allocvec(&value) {
        Ok(again) if again == bytes => Ok(value),
        _ => Err("not in canonical encoding (a number written longer than it needs)".into()),
    }
}

/// Text to bytes: the paste around it and whitespace inside dropped, the
/// prefix checked, base64url decoded.
pub(crate) fn unarmor(text: &str, prefix: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    let malformed = |detail: String| Error::Malformed { what, detail };
    if text.len() > MAX_ARTIFACT_LEN {
        return Err(malformed(format!(
            "{} characters, at most {MAX_ARTIFACT_LEN}",
            text.len()
        )));
    }
    // Exactly what the token reader does: the paste around it dropped, the
    // prefix checked, then whitespace and invisible characters inside the
    // rest skipped; anything else inside is an error.
    let body = unwrap_paste(text)
        .strip_prefix(prefix)
        .ok_or_else(|| malformed(format!("it must start with {prefix:?}")))?;
    let body: String = body
        .chars()
        .filter(|&c| !c.is_whitespace() && !entitle_verify::INVISIBLE.contains(&c))
        .collect();
    URL_SAFE_NO_PAD.decode(&body).map_err(|e| match e {
        base64::DecodeError::InvalidByte(i, b) => malformed(format!(
            "it stops making sense at character {}: {:?} is not base64url",
            prefix.len().saturating_add(i).saturating_add(1),
            char::from(b)
        )),
        _ => malformed(format!(
            "it ends after {} characters, where no {what} can: it was cut short",
            prefix.len().saturating_add(body.len())
        )),
    })
}

/// Text of an unsigned artifact (an activation request).
pub(crate) fn armor(prefix: &str, bytes: &[u8]) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}
