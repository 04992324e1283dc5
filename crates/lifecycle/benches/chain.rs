//! Verifying a token signed through a 3-link partner chain (vendor ->
//! distributor -> reseller -> sub-reseller), beside a token the vendor
//! signed, in the same run. `cargo bench -p entitle-lifecycle --bench chain`;
//! figures in docs/performance.md.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_lifecycle::{
    Artifacts, Capability, Certificate, Limits, Options, Role, Signed, evaluate,
};
use entitle_verify::{MAX_TOKEN_BYTES, Token, Verifier};

const NOW: u64 = 1_800_000_000;

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

fn bench(c: &mut Criterion) {
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
    let artifacts = Artifacts {
        certificates,
        ..Artifacts::default()
    };
    let empty = Artifacts::default();
    let options = Options {
        now: NOW,
        build_date: None,
        machine: None,
    };

    let mut group = c.benchmark_group("chain");
    group.bench_function("plain_token_verifier", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            Verifier::new(&keys)
                .verify_text(black_box(&plain), &mut buf, NOW)
                .unwrap()
                .claims()
                .seats
        })
    });
    group.bench_function("plain_token_evaluate", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let token = Token::decode(black_box(&plain), &mut buf).unwrap();
            let eval = evaluate(&keys, &[token], &empty, None, options);
            assert_eq!(eval.licenses.len(), 1);
        })
    });
    group.bench_function("three_link_chain_evaluate", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let token = Token::decode(black_box(&chained), &mut buf).unwrap();
            let eval = evaluate(&keys, &[token], &artifacts, None, options);
            assert_eq!(eval.licenses.len(), 1, "{:?}", eval.refused);
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    targets = bench
}
criterion_main!(benches);
