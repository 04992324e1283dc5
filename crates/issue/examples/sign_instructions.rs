//! Raw Ed25519 signatures, N of them, for counting instructions with
//! callgrind beside `entitle issue --batch` (docs/performance.md,
//! "Minting a batch"):
//!
//! ```sh
//! cargo build --release -p entitle-issue --example sign_instructions
//! for n in 0 10000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/sign_instructions $n 2>&1 | grep refs
//! done
//! ```

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

use std::hint::black_box;

use ed25519_dalek::Signer as _;
use ed25519_dalek::pkcs8::DecodePrivateKey as _;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let pem = include_str!("../../../keys-example/vendor.secret.pem");
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(pem).unwrap();
    // A message as long as a batch token's context and body.
    let mut message = vec![0x5a_u8; 17 + 60];
    let mut sum = 0u8;
    for i in 0..n {
        message[0] = i as u8;
        sum ^= key.sign(black_box(&message)).to_bytes()[0];
    }
    println!("{sum}");
}
