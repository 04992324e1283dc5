//! Runs one verification path N times, for counting instructions with
//! callgrind (stable on a noisy machine, unlike wall time):
//!
//! ```sh
//! cargo build --release -p entitle-verify --example verify_instructions
//! for mode in raw entitle raw100 stack100; do for n in 0 100; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/verify_instructions $mode $n 2>&1 | grep refs
//! done; done
//! ```
//!
//! (instructions at n=100 − instructions at n=0) / 100 is the cost of one
//! iteration; docs/performance.md lists the figures.

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

use std::hint::black_box;

use ed25519_dalek::VerifyingKey;
use entitle_verify::{Kind, MAX_TOKEN_BYTES, Token, Verifier, pools};

#[path = "../benches/workload.rs"]
mod workload;

use workload::{NOW, compact, raw_parts};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);

    let issuer = workload::issuer();
    let serial = |i: usize| entitle_verify::Serial((i as u64).to_be_bytes());
    let texts: Vec<String> = std::iter::once(compact(Kind::Base, 3))
        .chain((0..99).map(|_| compact(Kind::Addon, 5)))
        .enumerate()
        .map(|(i, s)| issuer.issue_with_serial(&s, serial(i)).unwrap().text)
        .collect();
    let keys = [issuer.key().public_key()];
    let verifier = Verifier::new(&keys);
    let raw_key = VerifyingKey::from_bytes(&keys[0].to_bytes()).unwrap();
    let raw: Vec<_> = texts.iter().map(|text| raw_parts(text)).collect();
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];

    for _ in 0..n {
        match mode.as_str() {
            "raw" => raw_key
                .verify_strict(black_box(&raw[0].0), black_box(&raw[0].1))
                .unwrap(),
            "entitle" => {
                let mut buf = [0u8; MAX_TOKEN_BYTES];
                let token = Token::decode(black_box(&texts[0]), &mut buf).unwrap();
                black_box(verifier.verify(token, NOW).unwrap());
            }
            "raw100" => {
                for (message, signature) in &raw {
                    raw_key
                        .verify_strict(black_box(message), black_box(signature))
                        .unwrap();
                }
            }
            "stack100" => {
                let licenses: Vec<_> = texts
                    .iter()
                    .zip(bufs.iter_mut())
                    .map(|(text, buf)| verifier.verify_text(black_box(text), buf, NOW).unwrap())
                    .collect();
                let pool = pools(&licenses).next().unwrap();
                black_box((
                    pool.seats(),
                    pool.seats_bought(),
                    pool.features().count(),
                    pool.expires_at(),
                ));
            }
            other => panic!("unknown mode {other:?}: raw, entitle, raw100 or stack100"),
        }
    }
}
