//! The air-gapped life cycle of `entitle` licenses: partner delegation,
//! offline activation, rehosting, revocation, renewal, and clock-rollback
//! protection, all without a network.
//!
//! - [`Certificate`]: the vendor certifies partners (distributors,
//!   resellers, ...) with a role, explicit extra capabilities and limits;
//!   partners may certify narrower partners below them. [`authority`] checks
//!   a chain back to a trusted vendor key.
//! - [`Request`] / [`Activation`] / [`Receipt`]: node locking with a
//!   machine [`fingerprint`], and the proof that a license left a machine.
//! - [`RevocationList`], [`Renewal`]: destroying and extending licenses.
//! - [`Appliance`]: the appliance's keys and signed state, with the
//!   high-water mark of time.
//! - [`evaluate`]: all of it applied to a set of tokens.
//!
//! ```
//! use entitle_issue::{Issuer, LicenseSpec, SigningKey};
//! use entitle_lifecycle::{evaluate, Artifacts, Capability, Certificate, Limits, Options, Role, Signed};
//! use entitle_verify::{Token, MAX_TOKEN_BYTES};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let vendor = SigningKey::generate()?;
//! let reseller = SigningKey::generate()?;
//! let now = 1_800_000_000;
//!
//! // The vendor certifies a reseller: its role grants no issuing, so the
//! // vendor grants it explicitly, for STARFACE, up to 25 seats a key.
//! let certificate = Signed::sign(Certificate {
//!     version: 1,
//!     signer: vendor.id().0,
//!     serial: [1; 8],
//!     subject: reseller.public_key().to_bytes(),
//!     name: "Reseller AG".into(),
//!     role: Role::Reseller,
//!     granted: vec![Capability::Issue],
//!     depth: 0,
//!     limits: Limits { products: vec![], max_seats: Some(25), not_before: now - 100,
//!                      not_after: now + 1_000_000, tenants: vec![] },
//!     issued_at: now - 100,
//! }, &vendor)?;
//!
//! // The reseller issues a license ...
//! let mut spec = LicenseSpec::new("starface", "compact", 3);
//! spec.issued_at = Some(now - 10);
//! spec.expires_at = Some(now + 1000);
//! let text = Issuer::new(reseller).issue(&spec)?.text;
//!
//! // ... which an appliance trusting only the vendor key accepts, through the chain.
//! let mut buf = [0u8; MAX_TOKEN_BYTES];
//! let token = Token::decode(&text, &mut buf)?;
//! let artifacts = Artifacts { certificates: vec![certificate], ..Artifacts::default() };
//! let options = Options { now, build_date: None, machine: None };
//! let evaluation = evaluate(&[vendor.public_key()], &[token], &artifacts, None, options);
//! assert_eq!(evaluation.licenses.len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! Every artifact is signed Ed25519 with its own context
//! (docs/lifecycle-format.md); docs/threat-model.md says what this protects
//! against and what not.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod activation;
mod cert;
mod envelope;
mod error;
mod evaluate;
mod revocation;
mod state;

pub use activation::{Activation, FINGERPRINT_LEN, Receipt, Request, fingerprint, verify_receipt};
pub use cert::{
    Authority, Capability, Certificate, Certified, KeyIdBytes, Limits, MAX_CHAIN, ProductLimit,
    Rights, Role, authority,
};
pub use envelope::{Artifact, MAX_ARTIFACT_LEN, Signed};
pub use error::{Error, ErrorKind};
pub use evaluate::{Artifacts, Evaluation, Options, check_activation, evaluate};
pub use revocation::{Renewal, RevocationList};
pub use state::{Appliance, State};
