//! Ed25519 `verify_strict` alone: the floor of any verifier.
use std::hint::black_box;
fn main() {
    let input = [std::env::args().nth(1).unwrap_or_default(), std::env::args().nth(2).unwrap_or_default()];
    let mut key = [0u8; 32];
    let mut sig = [0u8; 64];
    for (k, b) in key.iter_mut().chain(sig.iter_mut()).zip(input[0].bytes()) {
        *k = b;
    }
    let ok = ed25519_dalek::VerifyingKey::from_bytes(black_box(&key)).is_ok_and(|k| {
        k.verify_strict(black_box(input[1].as_bytes()), &ed25519_dalek::Signature::from_bytes(&sig))
            .is_ok()
    });
    std::process::exit(i32::from(black_box(ok)));
}
