//! entitle-verify with stacking: tokens verified and added up into pools.
//! Two tokens, each decoded into its own fixed buffer by one function
//! called twice, as firmware verifying its stored tokens in turn would:
//! the harness allocates nothing beyond the baseline and inlines nothing
//! twice, so that what it adds is the library's.
use std::hint::black_box;
use entitle_verify::{License, MAX_TOKEN_BYTES, PublicKey, Token, Verifier, pools};
#[inline(never)]
fn license<'b>(verifier: &Verifier<'_>, text: &str, buf: &'b mut [u8; MAX_TOKEN_BYTES]) -> Option<License<'b>> {
    let token = Token::decode_exact(text, buf).ok()?;
    verifier.verify(token, black_box(1_800_000_000)).ok()
}
fn main() {
    let input = [std::env::args().nth(1).unwrap_or_default(), std::env::args().nth(2).unwrap_or_default()];
    let key = [7u8; 32];
    let Ok(k) = PublicKey::from_bytes(black_box(&key)) else { return };
    let keys = [k];
    let verifier = Verifier::new(&keys);
    let (mut a, mut b) = ([0u8; MAX_TOKEN_BYTES], [0u8; MAX_TOKEN_BYTES]);
    let (Some(a), Some(b)) = (license(&verifier, &input[0], &mut a), license(&verifier, &input[1], &mut b)) else {
        return;
    };
    let seats: u64 = pools(black_box(&[a, b])).map(|p| p.seats()).sum();
    std::process::exit(i32::try_from(black_box(seats)).unwrap_or(0));
}
