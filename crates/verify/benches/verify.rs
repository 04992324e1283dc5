//! Verification cost beside the raw Ed25519 primitive, in the same run.
//!
//! `cargo bench -p entitle-verify --bench verify`; figures and ratios are in
//! docs/performance.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::VerifyingKey;
use entitle_verify::{Kind, MAX_TOKEN_BYTES, Token, Verifier, pools};

mod workload;

use workload::{NOW, compact, issuer, raw_parts};

fn verify_one(c: &mut Criterion) {
    let issuer = issuer();
    let text = issuer.issue(&compact(Kind::Base, 3)).unwrap().text;
    let keys = [issuer.key().public_key()];
    let verifier = Verifier::new(&keys);
    let raw_key = VerifyingKey::from_bytes(&keys[0].to_bytes()).unwrap();
    let (message, signature) = raw_parts(&text);

    let mut group = c.benchmark_group("verify_one");
    group.bench_function("raw_verify_strict", |b| {
        b.iter(|| {
            raw_key
                .verify_strict(black_box(&message), black_box(&signature))
                .unwrap()
        })
    });
    group.bench_function("entitle_decode_verify", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let token = Token::decode(black_box(&text), &mut buf).unwrap();
            verifier
                .verify(token, black_box(NOW))
                .unwrap()
                .claims()
                .seats
        })
    });
    group.bench_function("entitle_decode_only", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            Token::decode(black_box(&text), &mut buf)
                .unwrap()
                .claims()
                .seats
        })
    });
    group.finish();
}

fn verify_stack_100(c: &mut Criterion) {
    let issuer = issuer();
    let texts: Vec<String> = std::iter::once(compact(Kind::Base, 3))
        .chain((0..99).map(|_| compact(Kind::Addon, 5)))
        .map(|spec| issuer.issue(&spec).unwrap().text)
        .collect();
    let keys = [issuer.key().public_key()];
    let verifier = Verifier::new(&keys);
    let raw_key = VerifyingKey::from_bytes(&keys[0].to_bytes()).unwrap();
    let raw: Vec<_> = texts.iter().map(|t| raw_parts(t)).collect();

    let mut group = c.benchmark_group("verify_stack_100");
    group.bench_function("raw_verify_strict_x100", |b| {
        b.iter(|| {
            for (message, signature) in &raw {
                raw_key
                    .verify_strict(black_box(message), black_box(signature))
                    .unwrap();
            }
        })
    });
    group.bench_function("entitle_verify_and_stack_100", |b| {
        let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
        b.iter(|| {
            let licenses: Vec<_> = texts
                .iter()
                .zip(bufs.iter_mut())
                .map(|(text, buf)| verifier.verify_text(black_box(text), buf, NOW).unwrap())
                .collect();
            let pool = pools(&licenses).next().unwrap();
            assert_eq!(pool.seats(), 20);
            (
                pool.seats_bought(),
                pool.features().count(),
                pool.expires_at(),
            )
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = verify_one, verify_stack_100
}
criterion_main!(benches);
