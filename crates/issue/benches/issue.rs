//! Issuing cost beside the raw Ed25519 signature, in the same run.
//!
//! `cargo bench -p entitle-issue --bench issue`; figures in docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::Signer as _;
use entitle_issue::{Issuer, LicenseSpec, SigningKey, order_serial};

fn issue_one(c: &mut Criterion) {
    let pem = include_str!("../../../keys-example/vendor.secret.pem");
    let issuer = Issuer::new(SigningKey::from_pem(pem).unwrap());
    let raw_key =
        <ed25519_dalek::SigningKey as ed25519_dalek::pkcs8::DecodePrivateKey>::from_pkcs8_pem(pem)
            .unwrap();
    let mut spec = LicenseSpec::new("starface", "compact", 3);
    spec.cap = Some(20);
    spec.tenant = Some("FIRMA-000123".into());
    spec.features = vec!["office".into(), "voicemail".into(), "fax".into()];
    spec.expires_at = Some(u64::from(u32::MAX));
    // A message as long as the token's context and body.
    let message = vec![0x5a_u8; 17 + 75];

    let mut group = c.benchmark_group("issue_one");
    group.bench_function("raw_sign", |b| b.iter(|| raw_key.sign(black_box(&message))));
    group.bench_function("entitle_issue", |b| {
        b.iter(|| issuer.issue(black_box(&spec)).unwrap().text.len())
    });
    group.finish();
}

/// 100 licences per iteration through `issue_batch` (order serials, claims
/// read back, the first signature verified) beside 100 raw signatures.
fn issue_batch(c: &mut Criterion) {
    let pem = include_str!("../../../keys-example/vendor.secret.pem");
    let issuer = Issuer::new(SigningKey::from_pem(pem).unwrap());
    let raw_key =
        <ed25519_dalek::SigningKey as ed25519_dalek::pkcs8::DecodePrivateKey>::from_pkcs8_pem(pem)
            .unwrap();
    let specs: Vec<_> = (0..100)
        .map(|i| {
            let mut spec = LicenseSpec::new("starface", "appliance", 5);
            spec.kind = entitle_verify::Kind::Addon;
            spec.tenant = Some(format!("T-{i:04}"));
            spec.issued_at = Some(1_800_000_000);
            let order = format!("SO-{i:06}");
            (spec, order_serial(issuer.key().key_id(), &order).unwrap())
        })
        .collect();
    let message = vec![0x5a_u8; 17 + 60];

    let mut group = c.benchmark_group("issue_batch_100");
    group.throughput(criterion::Throughput::Elements(100));
    group.bench_function("raw_sign_x100", |b| {
        b.iter(|| {
            (0..100)
                .map(|_| raw_key.sign(black_box(&message)).to_bytes()[0])
                .fold(0u8, |a, x| a ^ x)
        })
    });
    group.bench_function("entitle_issue_batch", |b| {
        b.iter(|| issuer.issue_batch(black_box(&specs)).unwrap().len())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = issue_one, issue_batch
}
criterion_main!(benches);
