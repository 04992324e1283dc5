//! Seat leases: what a seat server (`entitle serve`) hands an agent app,
//! signed by the server's activation key, so that the app can check
//! offline that its seat is genuine and current, back to the vendor key:
//! vendor key → licence → activation (signed by the licence's issuer,
//! binding the server's key to that licence and machine) → lease.
//! A rogue server without an activation of a genuine licence cannot make
//! one (docs/lifecycle-format.md, "Seat lease").

use entitle_verify::format::LEASE_CONTEXT;
use entitle_verify::{ArtifactKind, KeyId, PublicKey, Token, Verifier};
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::envelope::{Artifact, Signed};
use crate::error::Error;

/// Longest lease id, agent id or pool id a lease carries.
pub const MAX_LEASE_TEXT: usize = 200;

/// A seat held by an agent until `not_after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// Format version: 1.
    pub version: u8,
    /// Key id of the server's activation key, which signs it.
    pub signer: [u8; 4],
    /// The activation of the pool's licence on the server (its text, with
    /// its signature).
    pub activation: String,
    /// The lease id.
    pub lease: String,
    /// The agent holding it.
    pub agent: String,
    /// The pool (`product/edition[/tenant]`).
    pub pool: String,
    /// When it was signed (a claim or a renewal), Unix seconds.
    pub issued_at: u64,
    /// When it ends unless renewed, Unix seconds.
    pub not_after: u64,
}

impl Artifact for Lease {
    const KIND: ArtifactKind = ArtifactKind::Lease;
    const CONTEXT: &'static [u8] = LEASE_CONTEXT;

    fn signer(&self) -> KeyId {
        KeyId(self.signer)
    }

    fn check(&self) -> Result<(), String> {
        if self.version != 1 {
            return Err(format!("version {} (this reader knows 1)", self.version));
        }
        for (what, text) in [
            ("lease", &self.lease),
            ("agent", &self.agent),
            ("pool", &self.pool),
        ] {
            if text.is_empty() || text.len() > MAX_LEASE_TEXT {
                return Err(format!("{what}: 1 to {MAX_LEASE_TEXT} bytes"));
            }
        }
        if self.not_after <= self.issued_at {
            return Err("it ends before it was signed".into());
        }
        Ok(())
    }
}

/// The longest lease a seat server grants (`entitle serve --lease-ttl`),
/// in seconds: a signed lease that lasts longer is refused.
pub const MAX_LEASE_SECONDS: u64 = 86_400;

/// Checks a lease for an agent app, offline, at `now`: the licence
/// `license` verifies under a `trusted` vendor key; the lease's activation
/// is for that licence and signed by the key that issued it; the lease is
/// signed by the key that activation binds; its pool is the licence's
/// (`product/edition[/tenant]`); it lasts at most [`MAX_LEASE_SECONDS`];
/// and it is current (`issued_at <= now + tolerance`, `now < not_after`).
/// Returns the lease.
///
/// Licences issued by partners (whose activations a certificate chain
/// vouches for) are not covered yet: the activation must be signed by the
/// licence's own issuing key.
pub fn verify_lease(
    lease: &Signed<Lease>,
    license: &Token<'_>,
    trusted: &[PublicKey],
    now: u64,
    tolerance: u64,
) -> Result<Lease, Error> {
    let licence = Verifier::new(trusted)
        .verify(*license, now)
        .map_err(Error::Token)?;
    let body = lease.unverified();
    let activation = Signed::<Activation>::decode(&body.activation)?;
    let issuer =
        trusted
            .iter()
            .find(|k| k.id() == license.key_id())
            .ok_or(Error::UnknownSigner {
                what: Activation::NAME,
                key_id: license.key_id(),
            })?;
    let bound = activation.verify(issuer).map_err(|_| {
        Error::Activation("the lease's activation is not signed by the licence's issuer".into())
    })?;
    if bound.serial != licence.serial().0 {
        return Err(Error::Activation(
            "the lease's activation is for another licence".into(),
        ));
    }
    let server = PublicKey::from_bytes(&bound.appliance).map_err(|_| Error::Malformed {
        what: Lease::NAME,
        detail: "the activation's server key is not valid".into(),
    })?;
    let body = lease.verify(&server).map_err(|_| {
        Error::Activation("the lease is not signed by the activated server's key".into())
    })?;
    let claims = licence.claims();
    let pool = match claims.tenant {
        Some(tenant) => format!("{}/{}/{tenant}", claims.product, claims.edition),
        None => format!("{}/{}", claims.product, claims.edition),
    };
    if body.pool != pool {
        return Err(Error::NotAllowed(format!(
            "the lease is for pool {}, but the licence is of pool {pool}",
            body.pool
        )));
    }
    let length = body.not_after.saturating_sub(body.issued_at);
    if length > MAX_LEASE_SECONDS {
        return Err(Error::NotAllowed(format!(
            "the lease lasts {length} seconds; a seat server grants at most {MAX_LEASE_SECONDS}"
        )));
    }
    if body.issued_at > now.saturating_add(tolerance) {
        return Err(Error::NotAllowed(format!(
            "the lease was signed at {}, after now ({}): a clock is wrong",
            entitle_verify::Utc(body.issued_at),
            entitle_verify::Utc(now)
        )));
    }
    if now >= body.not_after {
        // Genuine but over: not valid now (exit 5), like an expired token.
        return Err(Error::Token(entitle_verify::Error::Expired {
            now,
            expires_at: body.not_after,
        }));
    }
    Ok(body.clone())
}
