//! Nothing but reading input, as every other program reads it: what each
//! adds to this is what it measures.
use std::hint::black_box;
fn main() {
    let input = [std::env::args().nth(1).unwrap_or_default(), std::env::args().nth(2).unwrap_or_default()];
    std::process::exit(i32::from(black_box(input.iter().map(String::len).sum::<usize>() > 3)));
}
