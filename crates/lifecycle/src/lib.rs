//! The decision of `entitle`: what a set of license material is worth, on
//! an appliance with no network. Nothing here signs or makes keys (that is
//! `entitle-issue` and `entitle-appliance`), so a verifying build carries no
//! random number generator and no key-file code.
//!
//! - [`decide`]: the one decision function. Every command, server and
//!   binding calls it; docs/architecture.md names what it decides where.
//! - [`Certificate`], [`Chains`]: the vendor certifies partners with
//!   explicit capabilities and limits; partners may certify narrower
//!   partners. An [`Authority`] exists only as the result of a checked
//!   chain.
//! - [`Request`] / [`Activation`] / [`Receipt`]: node locking with a
//!   machine [`fingerprint`], and the proof that a license left a machine.
//! - [`RevocationList`], [`Renewal`]: destroying and extending licenses.
//! - [`Signed`]: the armour and signature every artifact shares; its fields
//!   are read through [`Signed::verify`].
//!
//! ```
//! use entitle_allocate::Catalog;
//! use entitle_issue::{Issuer, LicenseSpec, SigningKey};
//! use entitle_lifecycle::{decide, Capability, Certificate, Input, Limits, Material, Role, Setting, Signed};
//! use entitle_verify::{Token, MAX_TOKEN_BYTES};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let vendor = SigningKey::generate()?;
//! let reseller = SigningKey::generate()?;
//! let now = 1_800_000_000;
//!
//! // The vendor certifies a reseller to issue STARFACE, 25 seats in total.
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
//! let material = Material { tokens: vec![token], certificates: vec![certificate], ..Material::default() };
//! let catalog = Catalog::implicit([("starface", "compact")]);
//! let trusted = [vendor.public_key()];
//! let setting = Setting { trusted: &trusted, catalog: &catalog, remembered: None, now,
//!                         clock_tolerance: 600, build_date: None, machine: None, tenant: None,
//!                         store: None };
//! let decision = decide(&material, &setting);
//! assert!(decision.verdict(Input::Token(0)).is_some_and(|v| v.is_ok()));
//! assert!(decision.verdict(Input::Certificate(0)).is_some_and(|v| v.is_ok()));
//! assert_eq!(decision.supply.pools[0].seats, 3);
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
mod decide;
mod envelope;
mod error;
mod lease;
mod ledger;
mod revocation;

pub use activation::{
    Activation, FINGERPRINT_LEN, Receipt, Request, STORE_ID_LEN, fingerprint, receipt_ends,
    verify_receipt,
};
pub use cert::{
    Authority, Capability, Certificate, Chains, KeyIdBytes, Limits, MAX_CHAIN, ProductLimit,
    Rights, Role, ViewFunction,
};
pub use decide::{
    Clock, Decision, Input, Material, Remembered, Setting, Usable, decide, implicit_catalog,
};
pub use envelope::{Artifact, MAX_ARTIFACT_LEN, Signed};
pub use error::{Error, ErrorKind, token_code};
pub use lease::{Lease, MAX_LEASE_SECONDS, MAX_LEASE_TEXT, verify_lease};
pub use ledger::{Ledger, LedgerEntry, MACHINES_PER_LICENSE};
pub use revocation::{Renewal, RevocationList};
