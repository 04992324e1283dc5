//! Nothing but reading input: what every other program adds to.
use std::hint::black_box;
fn main() {
    let input: Vec<u8> = std::env::args().flat_map(String::into_bytes).collect();
    std::process::exit(i32::from(black_box(input.len() > 3)));
}
