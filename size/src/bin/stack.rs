//! entitle-verify with stacking: several tokens verified and added up.
use std::hint::black_box;
use entitle_verify::{License, MAX_TOKEN_BYTES, PublicKey, Token, Verifier, pools};
fn main() {
    let texts: Vec<String> = std::env::args().skip(1).collect();
    let key = [7u8; 32];
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
    let Ok(k) = PublicKey::from_bytes(black_box(&key)) else { return };
    let keys = [k];
    let mut licenses: Vec<License<'_>> = Vec::new();
    for (text, buf) in texts.iter().zip(bufs.iter_mut()) {
        if let Ok(token) = Token::decode(text, buf) {
            if let Ok(l) = Verifier::new(&keys).verify(token, black_box(1_800_000_000)) {
                licenses.push(l);
            }
        }
    }
    let seats: u64 = pools(&licenses).map(|p| p.seats()).sum();
    std::process::exit(i32::try_from(black_box(seats)).unwrap_or(0));
}
