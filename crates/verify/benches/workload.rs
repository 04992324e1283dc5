//! The workload shared by the verification benchmark and the instruction
//! counter: the example vendor key and STARFACE Compact tokens.

#![allow(missing_docs, clippy::unwrap_used)] // measuring code

use ed25519_dalek::Signature;
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_verify::format::TOKEN_CONTEXT;
use entitle_verify::{Kind, MAX_TOKEN_BYTES, Token};

pub const NOW: u64 = 1_800_000_000;

pub fn issuer() -> Issuer {
    Issuer::new(
        SigningKey::from_pem(include_str!("../../../keys-example/vendor.secret.pem")).unwrap(),
    )
}

/// A Compact base (cap 20) or add-on pack, valid around NOW.
pub fn compact(kind: Kind, seats: u32) -> LicenseSpec {
    let mut spec = LicenseSpec::new("starface", "compact", seats);
    spec.kind = kind;
    spec.cap = (kind == Kind::Base).then_some(20);
    spec.tenant = Some("FIRMA-000123".into());
    spec.features = vec!["office".into(), "voicemail".into(), "fax".into()];
    spec.issued_at = Some(NOW - 1000);
    spec.expires_at = Some(NOW + 1000);
    spec
}

/// The signed message and signature of a token, for the raw baseline.
pub fn raw_parts(text: &str) -> (Vec<u8>, Signature) {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let token = Token::decode(text, &mut buf).unwrap();
    (
        [TOKEN_CONTEXT, token.body()].concat(),
        Signature::from_bytes(token.signature()),
    )
}
