//! Chains: the length bound, a cycle of certificates, and a link that
//! widens its issuer, all refused by the one chain check.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use entitle_issue::SigningKey;
use entitle_lifecycle::{Capability, Certificate, Chains, Limits, MAX_CHAIN, Role, Signed};

const NOW: u64 = 1_800_000_000;

fn cert(
    issuer: &SigningKey,
    subject: &SigningKey,
    depth: u8,
    max_seats: u32,
) -> Signed<Certificate> {
    let body = Certificate {
        version: 1,
        signer: issuer.id().0,
        serial: subject.id().0.repeat(2).try_into().unwrap(),
        subject: subject.public_key().to_bytes(),
        name: format!("holder of {}", subject.id()),
        role: Role::Distributor,
        granted: vec![Capability::Delegate, Capability::Issue],
        depth,
        limits: Limits {
            products: Vec::new(),
            max_seats: Some(max_seats),
            not_before: NOW - 1000,
            not_after: NOW + 1000,
            tenants: Vec::new(),
        },
        issued_at: NOW - 900,
    };
    Signed::sign(body, issuer).unwrap()
}

/// vendor -> keys[0] -> keys[1] -> ..., each certificate allowing the rest.
fn chain(vendor: &SigningKey, keys: &[SigningKey]) -> Vec<Signed<Certificate>> {
    let n = u8::try_from(keys.len()).unwrap();
    let mut certs = Vec::new();
    let mut issuer = vendor;
    for (i, key) in keys.iter().enumerate() {
        let depth = n - 1 - u8::try_from(i).unwrap();
        certs.push(cert(issuer, key, depth, 100));
        issuer = key;
    }
    certs
}

#[test]
fn a_chain_of_max_chain_certificates_holds_and_one_more_does_not() {
    let vendor = SigningKey::generate().unwrap();
    let trusted = [vendor.public_key()];
    let keys: Vec<SigningKey> = (0..=MAX_CHAIN)
        .map(|_| SigningKey::generate().unwrap())
        .collect();

    let certs = chain(&vendor, &keys[..MAX_CHAIN]);
    let leaf = keys[MAX_CHAIN - 1].id();
    let found = Chains::new(&trusted, &certs, Vec::new())
        .authorities(leaf)
        .unwrap();
    assert_eq!(found[0].chain().len(), MAX_CHAIN);

    let certs = chain(&vendor, &keys);
    let leaf = keys[MAX_CHAIN].id();
    let error = Chains::new(&trusted, &certs, Vec::new())
        .authorities(leaf)
        .unwrap_err();
    assert!(
        error.to_string().contains("more than 4 certificates"),
        "{error}"
    );
}

#[test]
fn a_cycle_of_certificates_ends() {
    let vendor = SigningKey::generate().unwrap();
    let (a, b) = (
        SigningKey::generate().unwrap(),
        SigningKey::generate().unwrap(),
    );
    // a certifies b, b certifies a: neither reaches the vendor.
    let certs = vec![cert(&a, &b, 1, 10), cert(&b, &a, 1, 10)];
    let error = Chains::new(&[vendor.public_key()], &certs, Vec::new())
        .authorities(a.id())
        .unwrap_err();
    assert!(
        error.to_string().contains("certificates between"),
        "{error}"
    );
}

#[test]
fn a_link_wider_than_its_issuer_is_refused_and_a_revoked_one_too() {
    let vendor = SigningKey::generate().unwrap();
    let trusted = [vendor.public_key()];
    let (a, b) = (
        SigningKey::generate().unwrap(),
        SigningKey::generate().unwrap(),
    );
    let certs = vec![cert(&vendor, &a, 1, 10), cert(&a, &b, 0, 11)];
    let error = Chains::new(&trusted, &certs, Vec::new())
        .authorities(b.id())
        .unwrap_err();
    assert!(
        error.to_string().contains("allows 11 seats per key"),
        "{error}"
    );

    let certs = vec![cert(&vendor, &a, 1, 10), cert(&a, &b, 0, 10)];
    assert!(
        Chains::new(&trusted, &certs, Vec::new())
            .authorities(b.id())
            .is_ok()
    );
    let revoked = vec![certs[0].unverified().serial];
    let error = Chains::new(&trusted, &certs, revoked)
        .authorities(b.id())
        .unwrap_err();
    assert!(error.to_string().contains("was revoked"), "{error}");
}
