//! Revocation lists and renewals.

use entitle_verify::ArtifactKind;
use entitle_verify::format::{RENEWAL_CONTEXT, REVOCATION_CONTEXT};
use entitle_verify::{KeyId, Serial};
use serde::{Deserialize, Serialize};

use crate::cert::KeyIdBytes;
use crate::envelope::{Artifact, version_1};

/// A signed list of revoked licenses and certificates. Lists are
/// cumulative: each replaces the signer's earlier ones, and an appliance
/// refuses a list whose sequence number is below the newest it has seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationList {
    /// Format version: 1.
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
}

impl RevocationList {
    /// Whether the license `serial` is on the list.
    pub fn revokes(&self, serial: Serial) -> bool {
        self.licenses.contains(&serial.0)
    }
}

impl Artifact for RevocationList {
    const KIND: ArtifactKind = ArtifactKind::RevocationList;
    const CONTEXT: &'static [u8] = REVOCATION_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        version_1(self.version)
    }
}

/// A signed renewal of one license: new end of term and of updates. Of
/// several valid renewals of a license, the latest issued wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Renewal {
    /// Format version: 1.
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
}

impl Artifact for Renewal {
    const KIND: ArtifactKind = ArtifactKind::Renewal;
    const CONTEXT: &'static [u8] = RENEWAL_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        version_1(self.version)
    }
}
