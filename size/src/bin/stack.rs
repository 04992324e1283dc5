//! entitle-verify with stacking: tokens verified and added up into pools.
//! Two tokens in fixed buffers, one call site each for decode and verify,
//! so that the harness allocates nothing beyond the baseline and inlines
//! nothing twice: what it adds is the library's.
use std::hint::black_box;
use entitle_verify::{License, MAX_TOKEN_BYTES, PublicKey, Token, Verifier, pools};
fn main() {
    let key = [7u8; 32];
    let Ok(k) = PublicKey::from_bytes(black_box(&key)) else { return };
    let keys = [k];
    let verifier = Verifier::new(&keys);
    let texts = [std::env::args().nth(1).unwrap_or_default(), std::env::args().nth(2).unwrap_or_default()];
    let mut bufs = [[0u8; MAX_TOKEN_BYTES]; 2];
    let mut licenses: [Option<License<'_>>; 2] = [None, None];
    for ((text, buf), slot) in texts.iter().zip(bufs.iter_mut()).zip(licenses.iter_mut()) {
        *slot = Token::decode(text, buf)
            .ok()
            .and_then(|t| verifier.verify(t, black_box(1_800_000_000)).ok());
    }
    let [Some(a), Some(b)] = licenses else { return };
    let licenses = [a, b];
    let seats: u64 = pools(black_box(&licenses)).map(|p| p.seats()).sum();
    std::process::exit(i32::try_from(black_box(seats)).unwrap_or(0));
}
