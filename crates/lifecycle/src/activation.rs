//! Offline activation (node locking), deactivation receipts (rehosting).
//!
//! 1. The appliance makes a request: the license serial, a fingerprint of
//!    the machine, a fresh nonce, and the appliance's own public key (made at
//!    its first activation). Short enough to read out; also shown as a QR
//!    code.
//! 2. A party allowed to activate (the vendor, or a partner whose
//!    certificate grants `activate` for that license) signs a response
//!    binding all four.
//! 3. The appliance accepts the response only for its pending request: same
//!    serial, same machine, same nonce, its own key.
//! 4. To move the license, the appliance deactivates: it signs a receipt
//!    with its key, deletes the activation and the key, and the receipt lets
//!    the vendor or partner activate the license elsewhere, or revoke it.

use entitle_verify::ArtifactKind;
use entitle_verify::format::{ACTIVATION_CONTEXT, DEACTIVATION_CONTEXT};
use entitle_verify::{KeyId, PublicKey, Serial};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cert::KeyIdBytes;
use crate::envelope::{Artifact, Signed, armor, canonical, unarmor, version_1};
use crate::error::Error;
use crate::revocation::Elements;

/// Bytes of a machine fingerprint.
pub const FINGERPRINT_LEN: usize = 16;

/// A machine fingerprint: `SHA-256("entitle machine v1\0" || product || 0x00
/// || machine bytes)[..16]`. The product acts as a salt, so that two
/// vendors' fingerprints of one machine cannot be linked. The caller picks
/// the machine bytes (the CLI: /etc/machine-id).
pub fn fingerprint(product: &str, machine: &[u8]) -> [u8; FINGERPRINT_LEN] {
    let digest = Sha256::new()
        .chain_update(b"entitle machine v1\0")
        .chain_update(product.as_bytes())
        .chain_update([0u8])
        .chain_update(machine)
        .finalize();
    let mut out = [0u8; FINGERPRINT_LEN];
    for (o, d) in out.iter_mut().zip(digest.iter()) {
        *o = *d;
    }
    out
}

/// An activation request, made on the appliance. Not signed: everything in
/// it is bound by the response, and only the appliance holds the secret of
/// `appliance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// Format version: 1.
    pub version: u8,
    /// The license to activate.
    pub serial: [u8; 8],
    /// The machine.
    pub fingerprint: [u8; FINGERPRINT_LEN],
    /// Fresh for each request.
    pub nonce: [u8; 8],
    /// The appliance's own public key.
    pub appliance: [u8; 32],
}

impl Request {
    /// Armour prefix.
    pub const PREFIX: &'static str = ArtifactKind::Request.prefix();

    /// The request as text.
    pub fn to_text(&self) -> Result<String, Error> {
        let bytes = postcard::to_allocvec(self).map_err(|e| Error::Malformed {
            what: "activation request",
            detail: e.to_string(),
        })?;
        Ok(armor(Self::PREFIX, &bytes))
    }

    /// Reads request text.
    pub fn from_text(text: &str) -> Result<Request, Error> {
        let bytes = unarmor(text, Self::PREFIX, "activation request")?;
        let request: Request = canonical(&bytes).map_err(|detail| Error::Malformed {
            what: "activation request",
            detail,
        })?;
        version_1(request.version).map_err(|detail| Error::Malformed {
            what: "activation request",
            detail,
        })?;
        Ok(request)
    }
}

/// An activation response: a party allowed to activate binds a license to
/// one machine and one appliance key. Format 2 also binds it to one seat
/// store ([`Activation::store`]): a licence served by a primary and a
/// standby seat server counts only on the store both are bound to, so
/// that the pair never serves the pool twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    /// Format version: 1, or 2 with a store.
    pub version: u8,
    /// Key id of the activating party.
    pub signer: KeyIdBytes,
    /// The license.
    pub serial: [u8; 8],
    /// The machine.
    pub fingerprint: [u8; FINGERPRINT_LEN],
    /// The request's nonce.
    pub nonce: [u8; 8],
    /// The appliance's key.
    pub appliance: [u8; 32],
    /// When it was signed.
    pub issued_at: u64,
    /// Format 2: the identity of the one seat store on which the licence
    /// counts on this machine (`entitle serve` prints it). `None` in
    /// format 1.
    pub store: Option<[u8; STORE_ID_LEN]>,
}

/// Bytes of a seat store's identity.
pub const STORE_ID_LEN: usize = 16;

impl Serialize for Activation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let mut fields = serializer.serialize_tuple(if self.store.is_some() { 8 } else { 7 })?;
        fields.serialize_element(&self.version)?;
        fields.serialize_element(&self.signer)?;
        fields.serialize_element(&self.serial)?;
        fields.serialize_element(&self.fingerprint)?;
        fields.serialize_element(&self.nonce)?;
        fields.serialize_element(&self.appliance)?;
        fields.serialize_element(&self.issued_at)?;
        if let Some(store) = &self.store {
            fields.serialize_element(store)?;
        }
        fields.end()
    }
}

impl<'de> Deserialize<'de> for Activation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = Activation;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an activation")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut fields = Elements::new(seq, "an activation");
                let version: u8 = fields.next()?;
                Ok(Activation {
                    version,
                    signer: fields.next()?,
                    serial: fields.next()?,
                    fingerprint: fields.next()?,
                    nonce: fields.next()?,
                    appliance: fields.next()?,
                    issued_at: fields.next()?,
                    store: if version == 2 {
                        Some(fields.next()?)
                    } else {
                        None
                    },
                })
            }
        }
        deserializer.deserialize_tuple(8, Fields)
    }
}

impl Activation {
    /// The response to `request` (format 1: not bound to a store).
    pub fn answer(request: &Request, signer: KeyId, issued_at: u64) -> Activation {
        Activation {
            version: 1,
            signer: signer.0,
            serial: request.serial,
            fingerprint: request.fingerprint,
            nonce: request.nonce,
            appliance: request.appliance,
            issued_at,
            store: None,
        }
    }

    /// The response to `request` bound to the seat store `store` (format 2).
    pub fn answer_for_store(
        request: &Request,
        signer: KeyId,
        issued_at: u64,
        store: [u8; STORE_ID_LEN],
    ) -> Activation {
        Activation {
            version: 2,
            store: Some(store),
            ..Activation::answer(request, signer, issued_at)
        }
    }

    /// Checks that it answers `request`, made on this appliance.
    pub fn matches(&self, request: &Request) -> Result<(), Error> {
        let refuse = |why: &str| Err(Error::Activation(why.to_string()));
        if self.serial != request.serial {
            return refuse("it is for another license");
        }
        if self.fingerprint != request.fingerprint {
            return refuse("it is for another machine");
        }
        if self.appliance != request.appliance {
            return refuse("it is for another appliance key");
        }
        if self.nonce != request.nonce {
            return refuse("it answers an older request of this machine");
        }
        Ok(())
    }

    /// The license serial.
    pub fn serial(&self) -> Serial {
        Serial(self.serial)
    }
}

impl Artifact for Activation {
    const KIND: ArtifactKind = ArtifactKind::Activation;
    const CONTEXT: &'static [u8] = ACTIVATION_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        match (self.version, self.store.is_some()) {
            (1, false) | (2, true) => Ok(()),
            (1 | 2, _) => Err(format!(
                "format {} {} a store: format 2 exactly when it has one",
                self.version,
                if self.store.is_some() {
                    "with"
                } else {
                    "without"
                }
            )),
            (other, _) => Err(format!("version {other} (this entitle reads 1 and 2)")),
        }
    }
}

/// Proof, signed by the appliance's own key, that a license left a machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Format version: 1.
    pub version: u8,
    /// Key id of the appliance key that signs it.
    pub signer: KeyIdBytes,
    /// The activation that ended (its text, with its signature).
    pub activation: String,
    /// When the license was deactivated.
    pub deactivated_at: u64,
}

impl Receipt {
    /// The activation the receipt ends, decoded (its signature is checked by
    /// [`verify_receipt`]).
    pub fn ended(&self) -> Result<Signed<Activation>, Error> {
        Signed::<Activation>::decode(&self.activation)
    }
}

impl Artifact for Receipt {
    const KIND: ArtifactKind = ArtifactKind::Receipt;
    const CONTEXT: &'static [u8] = DEACTIVATION_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        version_1(self.version)
    }
}

/// Checks a receipt: signed by the very appliance key its activation bound.
/// (The activation's own signer is checked by the caller, against the
/// certificate chain.) Returns the ended activation.
pub fn verify_receipt(receipt: &Signed<Receipt>) -> Result<Signed<Activation>, Error> {
    let ended = receipt.unverified().ended()?;
    let appliance =
        PublicKey::from_bytes(&ended.unverified().appliance).map_err(|_| Error::Malformed {
            what: Receipt::NAME,
            detail: "the activation's appliance key is not valid".into(),
        })?;
    receipt.check_signature(&appliance).map_err(|_| {
        Error::Activation(
            "the receipt is not signed by the appliance key of the activation it ends".into(),
        )
    })?;
    Ok(ended)
}

/// The activation a deactivation receipt's text ends, checked whole for
/// the signer that answers activations of licence `serial`: the receipt
/// signed by the appliance key its activation bound, the activation
/// chaining to a `trusted` key (through `certificates`), and for `serial`.
/// `entitle activate respond --receipt` and the portal both take receipts
/// through this.
pub fn receipt_ends(
    text: &str,
    trusted: &[PublicKey],
    certificates: &[Signed<crate::Certificate>],
    serial: Serial,
) -> Result<Activation, Error> {
    let receipt = Signed::<Receipt>::decode(text)?;
    let ended = verify_receipt(&receipt)?;
    let (_, body) = crate::Chains::new(trusted, certificates, Vec::new())
        .signer_of(ended.signer(), |key| ended.verify(key).cloned())
        .map_err(|e| {
            Error::Chain(format!(
                "the activation it ends does not chain to a trusted key: {e}"
            ))
        })?;
    if body.serial != serial.0 {
        return Err(Error::Activation(format!(
            "the receipt ends license {}, not {serial}",
            Serial(body.serial)
        )));
    }
    Ok(body)
}
