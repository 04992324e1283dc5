//! Verifies a vendor-signed token, a token signed through a 3-link chain,
//! or a token beside 1,000 adversarial certificates N times, for counting
//! instructions with callgrind (docs/performance.md):
//!
//! ```sh
//! cargo build --release -p entitle-lifecycle --example chain_instructions
//! for mode in plain chain adversarial; do for n in 0 10; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/chain_instructions $mode $n 2>&1 | grep refs
//! done; done
//! ```

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

#[path = "../benches/fixture.rs"]
mod fixture;

use std::hint::black_box;

use entitle_lifecycle::{Material, decide};
use entitle_verify::{MAX_TOKEN_BYTES, Token};

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let n: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);
    let (keys, plain, chained, chain) = fixture::setup();
    let catalog = fixture::catalog();
    let setting = fixture::setting(&keys, &catalog);
    let (forged, adversarial) = fixture::adversarial(1000);
    let (text, certificates, counted) = match mode.as_str() {
        "plain" => (&plain, Vec::new(), 1),
        "chain" => (&chained, chain, 1),
        "adversarial" => (&forged, adversarial, 0),
        other => panic!("unknown mode {other:?}: plain, chain or adversarial"),
    };
    for _ in 0..n {
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(black_box(text), &mut buf).unwrap();
        let material = Material {
            tokens: vec![token],
            certificates: certificates.clone(),
            ..Material::default()
        };
        assert_eq!(decide(&material, &setting).licenses.len(), counted);
    }
}
