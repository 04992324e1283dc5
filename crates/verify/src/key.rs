//! Trusted public keys, key ids, and the one signature check every artifact uses.

use core::fmt;

use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha512};

use crate::error::Error;

/// Length of an Ed25519 public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub const SIGNATURE_LEN: usize = 64;
/// Longest domain-separation context [`PublicKey::verify_signature`] takes.
pub const MAX_CONTEXT_LEN: usize = 64;
/// Longest message [`PublicKey::verify_signature`] takes. Larger artifacts
/// are signed over a SHA-512 digest of their bytes instead (see docs/format.md).
pub const MAX_MESSAGE_LEN: usize = 1024;

/// Domain separation for key ids: `key_id = SHA-512(KEY_ID_CONTEXT || public key)[..4]`.
const KEY_ID_CONTEXT: &[u8] = b"entitle key id v1\0";

/// Four bytes derived from a public key; a token names the key that signed it
/// by this id, so that a verifier trusting several keys (rotation) picks the
/// right one, and can tell "signed by a key I do not trust" from "forged".
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 4]);

impl KeyId {
    /// The key id of an Ed25519 public key.
    pub fn of(public_key: &[u8; PUBLIC_KEY_LEN]) -> KeyId {
        // One call on one buffer: the hasher's incremental calls cost
        // firmware half a kilobyte more (docs/performance.md, "Code size").
        let mut joined = [0u8; KEY_ID_CONTEXT.len() + PUBLIC_KEY_LEN];
        let (context, key) = joined.split_at_mut(KEY_ID_CONTEXT.len());
        context.copy_from_slice(KEY_ID_CONTEXT);
        key.copy_from_slice(public_key);
        let digest = Sha512::digest(joined);
        KeyId(digest.first_chunk().copied().unwrap_or_default())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::hex::Hex(&self.0).fmt(f)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A trusted Ed25519 public key and its [`KeyId`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: KeyId,
}

impl PublicKey {
    /// Reads a raw 32-byte Ed25519 public key. Refuses encodings that are not
    /// a curve point or not in canonical form, and weak (small-order) keys,
    /// which could "verify" forged signatures under lax rules.
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_LEN]) -> Result<PublicKey, Error> {
        let key = VerifyingKey::from_bytes(bytes).map_err(|_| Error::InvalidKey)?;
        if key.is_weak() || key.to_edwards().compress().as_bytes() != bytes {
            return Err(Error::InvalidKey);
        }
        Ok(PublicKey {
            key,
            id: KeyId::of(bytes),
        })
    }

    /// The key's id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The raw 32 key bytes.
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.key.to_bytes()
    }

    /// Checks an Ed25519 signature over `context || message` with
    /// [`VerifyingKey::verify_strict`], which refuses malleable and
    /// small-order signatures.
    ///
    /// This is the single signature check of entitle: tokens call it with
    /// their context (see [`crate::format::TOKEN_CONTEXT`]) and body, other
    /// artifacts with theirs, so that a signature made for one kind of
    /// artifact can never pass as another. The bytes are joined in a stack
    /// buffer; nothing is allocated.
    pub fn verify_signature(
        &self,
        context: &[u8],
        message: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<(), Error> {
        if context.len() > MAX_CONTEXT_LEN || message.len() > MAX_MESSAGE_LEN {
            return Err(Error::TooLong {
                len: message.len(),
                max: MAX_MESSAGE_LEN,
            });
        }
        let mut joined = [0u8; MAX_CONTEXT_LEN + MAX_MESSAGE_LEN];
        let signed_len = context.len().saturating_add(message.len());
        let (ctx_part, rest) = joined.split_at_mut(context.len());
        ctx_part.copy_from_slice(context);
        let msg_part = rest.get_mut(..message.len()).ok_or(Error::BadSignature)?;
        msg_part.copy_from_slice(message);
        let signed = joined.get(..signed_len).ok_or(Error::BadSignature)?;
        self.key
            .verify_strict(signed, &Signature::from_bytes(signature))
            .map_err(|_| Error::BadSignature)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

/// Something that signs with an Ed25519 key: a key in memory
/// (`entitle_issue::SigningKey`), or one a hardware module holds.
///
/// Every signed artifact is `Ed25519(context || message)`: the signer never
/// sees a message without its domain-separation context.
pub trait Signer {
    /// The public half.
    fn public_key(&self) -> PublicKey;

    /// The id of the public half.
    fn key_id(&self) -> KeyId {
        self.public_key().id()
    }

    /// Signs `context || message`. A key in memory never fails; a module
    /// may (removed, session closed, PIN expired).
    fn sign(&self, context: &[u8], message: &[u8]) -> Result<[u8; SIGNATURE_LEN], SignError>;
}

/// Why a [`Signer`] could not sign, in words (a hardware module's
/// failure, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignError(pub &'static str);

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl core::error::Error for SignError {}
