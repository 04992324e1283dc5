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
