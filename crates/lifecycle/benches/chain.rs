//! Verifying a token signed through a 3-link partner chain (vendor ->
//! distributor -> reseller -> sub-reseller), beside a token the vendor
//! signed, and a token beside 1,000 adversarial certificates, in the same
//! run. `cargo bench -p entitle-lifecycle --bench chain`;
//! figures in docs/performance.md.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use entitle_lifecycle::{Material, decide};
use entitle_verify::{MAX_TOKEN_BYTES, Token, Verifier};

mod fixture;

use fixture::NOW;

fn bench(c: &mut Criterion) {
    let (keys, plain, chained, certificates) = fixture::setup();
    let catalog = fixture::catalog();
    let setting = fixture::setting(&keys, &catalog);

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
    group.bench_function("plain_token_decide", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let token = Token::decode(black_box(&plain), &mut buf).unwrap();
            let material = Material {
                tokens: vec![token],
                ..Material::default()
            };
            assert_eq!(decide(&material, &setting).licenses.len(), 1);
        })
    });
    group.bench_function("three_link_chain_decide", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let token = Token::decode(black_box(&chained), &mut buf).unwrap();
            let material = Material {
                tokens: vec![token],
                certificates: certificates.clone(),
                ..Material::default()
            };
            let decision = decide(&material, &setting);
            assert_eq!(decision.licenses.len(), 1, "{:?}", decision.verdicts);
        })
    });
    let (forged, adversarial) = fixture::adversarial(1000);
    group.sample_size(10);
    group.bench_function("thousand_adversarial_certificates_decide", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let token = Token::decode(black_box(&forged), &mut buf).unwrap();
            let material = Material {
                tokens: vec![token],
                certificates: adversarial.clone(),
                ..Material::default()
            };
            assert!(decide(&material, &setting).licenses.is_empty());
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
