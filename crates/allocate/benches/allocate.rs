//! Allocation for 5,000 users with 8 licenses each, beside the cost of one
//! token verification in the same run. Target: allocation ≤ 100
//! verifications. `cargo bench -p entitle-allocate --bench allocate`;
//! figures in docs/performance.md.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use entitle_allocate::{allocate, open_signed_catalog, parse_users};
use entitle_verify::{MAX_TOKEN_BYTES, Verifier};

mod workload;

fn bench(c: &mut Criterion) {
    let issuer = workload::issuer();
    let keys = [issuer.key().public_key()];
    let catalog = open_signed_catalog(workload::XPHONE_CATALOG, &keys).unwrap();
    let texts = workload::tokens(&issuer);
    let verifier = Verifier::new(&keys);
    let supply = workload::supply(&catalog, &keys, &texts);
    let csv = workload::users_csv();
    let users = parse_users(&csv).unwrap();
    assert_eq!(users.len(), 5000);
    assert!(users.iter().all(|u| u.licenses.len() == 8));

    let mut group = c.benchmark_group("allocate_5000x8");
    group.bench_function("verify_one_token", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            verifier
                .verify_text(black_box(&texts[1]), &mut buf, workload::NOW)
                .unwrap()
                .claims()
                .seats
        })
    });
    group.bench_function("allocate", |b| {
        b.iter(|| {
            allocate(&catalog, &supply, black_box(&users))
                .unwrap()
                .totals
                .len()
        })
    });
    group.bench_function("parse_users_csv", |b| {
        b.iter(|| parse_users(black_box(&csv)).unwrap().len())
    });
    group.bench_function("decide_supply_from_10_tokens", |b| {
        b.iter(|| {
            workload::supply(&catalog, &keys, black_box(&texts))
                .available
                .len()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
