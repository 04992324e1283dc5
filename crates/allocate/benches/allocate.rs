//! Allocation for 5,000 users with 8 licenses each, beside the cost of one
//! token verification in the same run. Target: allocation ≤ 100
//! verifications. `cargo bench -p entitle-allocate --bench allocate`;
//! figures in docs/performance.md.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a benchmark

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use entitle_allocate::{Installation, Supply, allocate, open_signed_catalog, parse_users};
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_verify::{MAX_TOKEN_BYTES, Token, Verifier};

const NOW: u64 = 1_800_000_000;

/// 5,000 users on 7 sites, 13 groups, 50 teams, 8 licenses each.
pub fn users_csv() -> String {
    let mut csv = String::from("id,site,group,team,role,licenses\n");
    for i in 0..5000 {
        let licenses = if i % 2 == 0 {
            "office-plus;teamdesk;voicemail:mobile;voicemail:sms;fax:client;contacts;dashboard;tapi-line"
        } else {
            "office;voicemail:client;voicemail:sms;fax;fax:client;contacts;dashboard;tapi-line"
        };
        let role = if i % 25 == 0 { "leader" } else { "member" };
        csv.push_str(&format!(
            "user{:05},site{},group{},team{},{role},{licenses}\n",
            (i * 7919) % 100_000,
            i % 7,
            i % 13,
            i % 50
        ));
    }
    csv
}

fn bench(c: &mut Criterion) {
    let issuer = Issuer::new(
        SigningKey::from_pem(include_str!("../../../keys-example/vendor.secret.pem")).unwrap(),
    );
    let keys = [issuer.key().public_key()];
    let catalog = open_signed_catalog(
        include_str!("../../../keys-example/xphone/catalog.signed"),
        &keys,
    )
    .unwrap();
    let texts: Vec<String> = [
        ("server", 1),
        ("office", 2000),
        ("office-plus", 2000),
        ("teamdesk", 1500),
        ("voicemail", 3000),
        ("fax", 3000),
        ("tapi-line", 4000),
        ("contacts", 5000),
        ("dashboard", 2000),
        ("ip-channel", 200),
    ]
    .iter()
    .map(|&(edition, seats)| {
        let mut spec = LicenseSpec::new("xphone", edition, seats);
        spec.issued_at = Some(NOW - 10);
        spec.expires_at = Some(NOW + 10);
        issuer.issue(&spec).unwrap().text
    })
    .collect();
    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
    let tokens: Vec<Token<'_>> = texts
        .iter()
        .zip(buffers.iter_mut())
        .map(|(t, b)| Token::decode(t, b).unwrap())
        .collect();
    let verifier = Verifier::new(&keys);
    let installation = Installation {
        tenant: None,
        now: NOW,
    };
    let supply = Supply::from_tokens(&catalog, &verifier, &tokens, &installation);
    let csv = users_csv();
    let users = parse_users(&csv).unwrap();
    assert_eq!(users.len(), 5000);
    assert!(users.iter().all(|u| u.licenses.len() == 8));

    let mut group = c.benchmark_group("allocate_5000x8");
    group.bench_function("verify_one_token", |b| {
        b.iter(|| {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            verifier
                .verify_text(black_box(&texts[1]), &mut buf, NOW)
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
    group.bench_function("supply_from_10_tokens", |b| {
        b.iter(|| {
            Supply::from_tokens(&catalog, &verifier, black_box(&tokens), &installation)
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
