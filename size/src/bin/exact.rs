//! entitle-verify as firmware reads a token it stored: exactly `ent1.` +
//! base64url (`Token::decode_exact`), checked against a key, one claim read.
use std::hint::black_box;
use entitle_verify::{MAX_TOKEN_BYTES, PublicKey, Token, Verifier};
fn main() {
    let input = [std::env::args().nth(1).unwrap_or_default(), std::env::args().nth(2).unwrap_or_default()];
    let key = [7u8; 32];
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let seats = PublicKey::from_bytes(black_box(&key)).ok().and_then(|k| {
        let keys = [k];
        let token = Token::decode_exact(&input[0], &mut buf).ok()?;
        Verifier::new(&keys).verify(token, black_box(1_800_000_000)).ok().map(|l| l.claims().seats)
    });
    std::process::exit(i32::try_from(black_box(seats.unwrap_or(0))).unwrap_or(0));
}
