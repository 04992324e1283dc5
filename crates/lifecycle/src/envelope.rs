//! The armour every life-cycle artifact shares (docs/lifecycle-format.md):
//!
//! ```text
//! text      = PREFIX base64url(body || signature)        (no padding)
//! body      = postcard(the artifact's fields)
//! signature = Ed25519(CONTEXT || SHA-512(body))          (verify_strict)
//! ```
//!
//! Each kind has its own prefix and signature context, so that no artifact
//! passes for another. Reading forgives whitespace, line breaks and quotes,
//! as for tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_issue::SigningKey;
use entitle_verify::{KeyId, PublicKey, SIGNATURE_LEN};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha512};

use crate::error::Error;

/// Longest artifact text accepted, in characters.
pub const MAX_ARTIFACT_LEN: usize = 64 * 1024;

/// A kind of signed artifact.
pub trait Artifact: Serialize + DeserializeOwned {
    /// Armour prefix, e.g. `entc1.`.
    const PREFIX: &'static str;
    /// Signature context.
    const CONTEXT: &'static [u8];
    /// Name in messages.
    const NAME: &'static str;
    /// The id of the key that signs it.
    fn signer(&self) -> KeyId;
    /// Checks the format version and field rules after decoding.
    fn check(&self) -> Result<(), String>;
}

/// A decoded artifact and the bytes its signature covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<T> {
    /// The fields.
    pub body: T,
    body_bytes: Vec<u8>,
    signature: [u8; SIGNATURE_LEN],
    text: String,
}

impl<T: Artifact> Signed<T> {
    /// Signs `body` with `key`.
    pub fn sign(body: T, key: &SigningKey) -> Result<Signed<T>, Error> {
        let body_bytes = postcard::to_allocvec(&body).map_err(|e| Error::Malformed {
            what: T::NAME,
            detail: e.to_string(),
        })?;
        let signature = key.sign(T::CONTEXT, &Sha512::digest(&body_bytes));
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
        let body = exact::<T>(body_bytes).map_err(&malformed)?;
        body.check().map_err(malformed)?;
        Ok(Signed {
            body,
            body_bytes: body_bytes.to_vec(),
            signature: *signature,
            text: format!("{}{}", T::PREFIX, URL_SAFE_NO_PAD.encode(&bytes)),
        })
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

/// Decodes postcard bytes, refusing bytes left over.
pub(crate) fn exact<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(format!("{} bytes after the last field", rest.len())),
        Err(e) => Err(e.to_string()),
    }
}

/// Text to bytes: quotes and whitespace around and inside are dropped,
/// the prefix checked, base64url decoded.
pub(crate) fn unarmor(text: &str, prefix: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    let malformed = |detail: String| Error::Malformed { what, detail };
    if text.len() > MAX_ARTIFACT_LEN {
        return Err(malformed(format!(
            "{} characters, at most {MAX_ARTIFACT_LEN}",
            text.len()
        )));
    }
    let compact: String = text
        .trim_matches(|c: char| {
            c.is_whitespace()
                || "\"'`\u{201c}\u{201d}\u{201e}\u{2018}\u{2019}\u{ab}\u{bb}".contains(c)
        })
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let body = compact
        .strip_prefix(prefix)
        .ok_or_else(|| malformed(format!("it must start with {prefix:?}")))?;
    URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| malformed("a character that is not base64url".into()))
}

/// Text of an unsigned artifact (an activation request).
pub(crate) fn armor(prefix: &str, bytes: &[u8]) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}
