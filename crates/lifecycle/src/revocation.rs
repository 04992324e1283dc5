//! Revocation lists and renewals.

use entitle_verify::ArtifactKind;
use entitle_verify::format::{RENEWAL_CONTEXT, REVOCATION_CONTEXT};
use entitle_verify::{KeyId, Serial, Token};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha512};

use crate::cert::KeyIdBytes;
use crate::envelope::Artifact;

/// A signed list of revoked licenses, certificates and activations. Every
/// authentic list its signer may issue revokes what it names, whatever its
/// sequence number: a later list never un-revokes. The issuer writes lists
/// cumulatively (each names every earlier entry of its signer), so the
/// newest list alone is complete; an appliance keeps every list it has
/// seen that no other list of the same signer covers.
///
/// Format 1 has no `activations`; format 2 adds them at the end. A list is
/// written in format 1 whenever it revokes no activation, so that every
/// appliance reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    /// Format version: 1, or 2 when `activations` is not empty.
    pub version: u8,
    /// Key id of the signer (the vendor, or a partner allowed to revoke).
    pub signer: KeyIdBytes,
    /// Increases with every list the signer issues.
    pub sequence: u64,
    /// When it was signed.
    pub issued_at: u64,
    /// Revoked licenses (token serials).
    pub licenses: Vec<[u8; 8]>,
    /// Revoked partner certificates (certificate serials).
    pub certificates: Vec<[u8; 8]>,
    /// Revoked activations (the nonces of activation responses): the
    /// machine each was for no longer holds the license, the license itself
    /// stays valid elsewhere. Format 2.
    pub activations: Vec<[u8; 8]>,
}

impl RevocationList {
    /// Whether the license `serial` is on the list.
    pub fn revokes(&self, serial: Serial) -> bool {
        self.licenses.contains(&serial.0)
    }

    /// Whether the activation with `nonce` is on the list.
    pub fn revokes_activation(&self, nonce: [u8; 8]) -> bool {
        self.activations.contains(&nonce)
    }

    /// Whether this list is of the same signer as `other` and names
    /// everything `other` names.
    pub fn covers(&self, other: &RevocationList) -> bool {
        self.signer == other.signer
            && other.licenses.iter().all(|s| self.licenses.contains(s))
            && other
                .certificates
                .iter()
                .all(|s| self.certificates.contains(s))
            && other
                .activations
                .iter()
                .all(|s| self.activations.contains(s))
    }

    /// The format a list with these entries is written in.
    pub fn version_for(activations: &[[u8; 8]]) -> u8 {
        if activations.is_empty() { 1 } else { 2 }
    }
}

impl Serialize for RevocationList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let v2 = self.version == 2;
        let mut fields = serializer.serialize_tuple(if v2 { 7 } else { 6 })?;
        fields.serialize_element(&self.version)?;
        fields.serialize_element(&self.signer)?;
        fields.serialize_element(&self.sequence)?;
        fields.serialize_element(&self.issued_at)?;
        fields.serialize_element(&self.licenses)?;
        fields.serialize_element(&self.certificates)?;
        if v2 {
            fields.serialize_element(&self.activations)?;
        }
        fields.end()
    }
}

impl<'de> Deserialize<'de> for RevocationList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = RevocationList;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a revocation list")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields = Elements::new(seq, "a revocation list");
                let version: u8 = fields.next()?;
                let signer = fields.next()?;
                let sequence = fields.next()?;
                let issued_at = fields.next()?;
                let licenses = fields.next()?;
                let certificates = fields.next()?;
                let activations = if version == 2 {
                    fields.next()?
                } else {
                    Vec::new()
                };
                Ok(RevocationList {
                    version,
                    signer,
                    sequence,
                    issued_at,
                    licenses,
                    certificates,
                    activations,
                })
            }
        }
        deserializer.deserialize_tuple(7, Fields)
    }
}

impl Artifact for RevocationList {
    const KIND: ArtifactKind = ArtifactKind::RevocationList;
    const CONTEXT: &'static [u8] = REVOCATION_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        match self.version {
            1 | 2 if self.version == Self::version_for(&self.activations) => Ok(()),
            1 | 2 => Err(format!(
                "format {} with {} activations: format 2 exactly when it revokes activations",
                self.version,
                self.activations.len()
            )),
            other => Err(format!("version {other} (this entitle reads 1 and 2)")),
        }
    }
}

/// A signed renewal of one license: new end of term and of updates. Of
/// several valid renewals of a license, the latest issued wins.
///
/// Format 2 binds the renewal to the license it renews, its content and its
/// signature ([`Renewal::binding_of`]), so that it extends no other token
/// that carries the same serial. Format 1 names only the serial; it still
/// verifies, and extends only a token its own key signed (or, for a
/// partner, one it or a party it certified signed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    /// Format version: 2 (1: not bound to the token's content).
    pub version: u8,
    /// Key id of the signer (the vendor, or a partner allowed to extend).
    pub signer: KeyIdBytes,
    /// The license renewed.
    pub serial: [u8; 8],
    /// When it was signed.
    pub issued_at: u64,
    /// New end of validity; `None` for perpetual.
    pub expires_at: Option<u64>,
    /// New end of updates; `None` to keep the license's own.
    pub updates_until: Option<u64>,
    /// Format 2: [`Renewal::binding_of`] the token renewed. `None` in
    /// format 1.
    pub license: Option<[u8; BINDING_LEN]>,
}

/// Length of a renewal's binding to its token.
pub const BINDING_LEN: usize = 16;

impl Renewal {
    /// What a format 2 renewal names of the token it renews: the first 16
    /// bytes of SHA-512 over the token's signed bytes and its signature.
    pub fn binding_of(token: &Token<'_>) -> [u8; BINDING_LEN] {
        let mut hasher = Sha512::new();
        hasher.update(token.body());
        hasher.update(token.signature());
        let digest = hasher.finalize();
        let mut binding = [0u8; BINDING_LEN];
        binding.copy_from_slice(digest.get(..BINDING_LEN).unwrap_or(&[0; BINDING_LEN]));
        binding
    }

    /// Whether this renewal names `token`: format 2 by its binding; format 1
    /// by its serial alone (the decision then asks who signed the token).
    pub fn names(&self, token: &Token<'_>) -> bool {
        self.serial == token.serial().0
            && self.license.is_none_or(|b| b == Renewal::binding_of(token))
    }
}

impl Serialize for Renewal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let mut fields = serializer.serialize_tuple(if self.license.is_some() { 7 } else { 6 })?;
        fields.serialize_element(&self.version)?;
        fields.serialize_element(&self.signer)?;
        fields.serialize_element(&self.serial)?;
        fields.serialize_element(&self.issued_at)?;
        fields.serialize_element(&self.expires_at)?;
        fields.serialize_element(&self.updates_until)?;
        if let Some(license) = &self.license {
            fields.serialize_element(license)?;
        }
        fields.end()
    }
}

impl<'de> Deserialize<'de> for Renewal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Renewal;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a renewal")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields = Elements::new(seq, "a renewal");
                let version: u8 = fields.next()?;
                Ok(Renewal {
                    version,
                    signer: fields.next()?,
                    serial: fields.next()?,
                    issued_at: fields.next()?,
                    expires_at: fields.next()?,
                    updates_until: fields.next()?,
                    license: if version == 2 {
                        Some(fields.next()?)
                    } else {
                        None
                    },
                })
            }
        }
        deserializer.deserialize_tuple(7, Fields)
    }
}

impl Artifact for Renewal {
    const KIND: ArtifactKind = ArtifactKind::Renewal;
    const CONTEXT: &'static [u8] = RENEWAL_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        match (self.version, self.license.is_some()) {
            (1, false) | (2, true) => Ok(()),
            (1 | 2, _) => Err(format!(
                "format {} {} the license's binding: format 2 exactly when it has one",
                self.version,
                if self.license.is_some() {
                    "with"
                } else {
                    "without"
                }
            )),
            (other, _) => Err(format!("version {other} (this entitle reads 1 and 2)")),
        }
    }
}

/// Reads a tuple's elements in order, naming what is short when one is missing.
pub(crate) struct Elements<A> {
    seq: A,
    read: usize,
    what: &'static str,
}

impl<'de, A: serde::de::SeqAccess<'de>> Elements<A> {
    pub(crate) fn new(seq: A, what: &'static str) -> Self {
        Self { seq, read: 0, what }
    }

    pub(crate) fn next<T: Deserialize<'de>>(&mut self) -> Result<T, A::Error> {
        let index = self.read;
        self.read += 1;
        self.seq
            .next_element()?
            .ok_or_else(|| serde::de::Error::invalid_length(index, &self.what))
    }
}
