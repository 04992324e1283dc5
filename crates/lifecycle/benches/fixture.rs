//! The chain workload shared by the benchmark and the instruction counter:
//! vendor -> distributor -> reseller -> sub-reseller, each certifying the
//! next, the last signing a token; and a token the vendor signed.

#![allow(missing_docs, clippy::unwrap_used)] // measuring code

use entitle_allocate::Catalog;
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_lifecycle::{Capability, Certificate, Limits, Role, Setting, Signed};
use entitle_verify::PublicKey;

pub const NOW: u64 = 1_800_000_000;

fn cert(
    issuer: &SigningKey,
    subject: &SigningKey,
    role: Role,
    granted: Vec<Capability>,
    depth: u8,
) -> Signed<Certificate> {
    let body = Certificate {
        version: 1,
        signer: issuer.id().0,
        serial: subject.id().0.repeat(2).try_into().unwrap(),
        subject: subject.public_key().to_bytes(),
        name: role.name().to_string(),
        role,
        granted,
        depth,
        limits: Limits {
            products: Vec::new(),
            max_seats: Some(100),
            not_before: NOW - 1000,
            not_after: NOW + 100_000,
            tenants: Vec::new(),
        },
        issued_at: NOW - 900,
    };
    Signed::sign(body, issuer).unwrap()
}

fn spec() -> LicenseSpec {
    let mut spec = LicenseSpec::new("starface", "compact", 3);
    spec.cap = Some(20);
    spec.tenant = Some("FIRMA-000123".into());
    spec.issued_at = Some(NOW - 500);
    spec.expires_at = Some(NOW + 50_000);
    spec
}

/// The catalog of the workload: STARFACE Compact, without rules.
pub fn catalog() -> Catalog {
    Catalog::implicit([("starface", "compact")])
}

/// The setting every measurement decides in.
pub fn setting<'s>(keys: &'s [PublicKey], catalog: &'s Catalog) -> Setting<'s> {
    Setting {
        trusted: keys,
        catalog,
        remembered: None,
        now: NOW,
        clock_tolerance: 600,
        build_date: None,
        machine: None,
        tenant: None,
        store: None,
    }
}

/// (trusted vendor keys, vendor-signed token, chain-signed token, the chain)
pub fn setup() -> ([PublicKey; 1], String, String, Vec<Signed<Certificate>>) {
    let vendor =
        SigningKey::from_pem(include_str!("../../../keys-example/vendor.secret.pem")).unwrap();
    let distributor = SigningKey::generate().unwrap();
    let reseller = SigningKey::generate().unwrap();
    let sub = SigningKey::generate().unwrap();
    use Capability::{Delegate, Issue};
    let certificates = vec![
        cert(
            &vendor,
            &distributor,
            Role::Distributor,
            vec![Delegate, Issue],
            2,
        ),
        cert(
            &distributor,
            &reseller,
            Role::Reseller,
            vec![Delegate, Issue],
            1,
        ),
        cert(&reseller, &sub, Role::Reseller, vec![Issue], 0),
    ];
    let keys = [vendor.public_key()];
    let plain = Issuer::new(vendor).issue(&spec()).unwrap().text;
    let chained = Issuer::new(sub).issue(&spec()).unwrap().text;
    (keys, plain, chained, certificates)
}

/// What an attacker hands over to make verification slow: `n` certificates
/// whose signer is their own subject's key, half of them signed by that key
/// (self-certified), half forged, and a token of that key. The chain walk
/// once grew near N^5 on them (24 certificates: over a minute).
pub fn adversarial(n: u32) -> (String, Vec<Signed<Certificate>>) {
    let mallory = SigningKey::generate().unwrap();
    let other = SigningKey::generate().unwrap();
    let certificates = (0..n)
        .map(|i| {
            let mut body = cert(
                &mallory,
                &mallory,
                Role::Reseller,
                vec![Capability::Issue],
                3,
            )
            .unverified()
            .clone();
            body.serial = [&i.to_be_bytes()[..], &[0; 4]].concat().try_into().unwrap();
            let key = if i % 2 == 0 { &mallory } else { &other };
            Signed::sign(body, key).unwrap()
        })
        .collect();
    let token = Issuer::new(mallory).issue(&spec()).unwrap().text;
    (token, certificates)
}
