//! Runs the allocation workload or one token verification N times, for
//! counting instructions with callgrind (docs/performance.md). `allocate`
//! is the allocation on a decided supply; `decide_allocate` the whole path
//! of `entitle allocate`: decide over the 10 tokens, then allocate.
//!
//! ```sh
//! cargo build --release -p entitle-allocate --example allocate_instructions
//! for mode in verify allocate decide_allocate; do for n in 0 10; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/allocate_instructions $mode $n 2>&1 | grep refs
//! done; done
//! ```

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

#[path = "../benches/workload.rs"]
mod workload;

use std::hint::black_box;

use entitle_allocate::{allocate, open_signed_catalog, parse_users};
use entitle_verify::{MAX_TOKEN_BYTES, Verifier};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);

    let issuer = workload::issuer();
    let keys = [issuer.key().public_key()];
    let catalog = open_signed_catalog(workload::XPHONE_CATALOG, &keys).unwrap();
    let texts = workload::tokens(&issuer);
    let verifier = Verifier::new(&keys);
    let supply = workload::supply(&catalog, &keys, &texts);
    let csv = workload::users_csv();
    let users = parse_users(&csv).unwrap();

    for _ in 0..n {
        match mode.as_str() {
            "verify" => {
                let mut buf = [0u8; MAX_TOKEN_BYTES];
                black_box(
                    verifier
                        .verify_text(black_box(&texts[1]), &mut buf, workload::NOW)
                        .unwrap(),
                );
            }
            "allocate" => {
                black_box(allocate(&catalog, &supply, black_box(&users)).unwrap());
            }
            "decide_allocate" => {
                let supply = workload::supply(&catalog, &keys, black_box(&texts));
                black_box(allocate(&catalog, &supply, black_box(&users)).unwrap());
            }
            other => panic!("unknown mode {other:?}: verify, allocate or decide_allocate"),
        }
    }
}
