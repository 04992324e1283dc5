//! Verifying a token allocates nothing: a counting global allocator watches
//! decode, signature check, validity check and stacking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking
#![allow(unsafe_code)] // a GlobalAlloc implementation, forwarding to System

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use entitle_verify::{MAX_TOKEN_BYTES, PublicKey, Token, Verifier, pools};

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator unchanged; only counts calls.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

const VENDOR_KEY: [u8; 32] = include!("../../../keys-example/vendor.public.rs");
const TOKENS: &str = include_str!("../../../keys-example/starface/tokens.txt");
const NOW: u64 = 1_800_000_000; // 2027-01-15

#[test]
fn the_counter_sees_allocations() {
    // Guards the test itself: if the allocator were not counting, the
    // zero below would prove nothing.
    assert!(allocations_during(|| drop(std::hint::black_box(vec![1u8; 64]))) >= 1);
}

#[test]
fn verifying_one_token_allocates_nothing() {
    let text = TOKENS.lines().find(|l| l.starts_with("ent1.")).unwrap();
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let mut seats = 0;
    let count = allocations_during(|| {
        let keys = [PublicKey::from_bytes(&VENDOR_KEY).unwrap()];
        let verifier = Verifier::new(&keys);
        let token = Token::decode(text, &mut buf).unwrap();
        let license = verifier.verify(token, NOW).unwrap();
        license.check_build(NOW).unwrap();
        license.check_build(1_830_384_000).unwrap_err(); // built 2028-01-04
        seats = pools(std::slice::from_ref(&license))
            .map(|p| p.seats())
            .sum();
    });
    assert_eq!(seats, 3);
    assert_eq!(count, 0, "verifying a token allocated {count} times");
}

#[test]
fn wrapped_and_quoted_text_allocates_nothing_either() {
    let text = TOKENS.lines().find(|l| l.starts_with("ent1.")).unwrap();
    let (head, tail) = text.split_at(60);
    let pasted = format!("  \u{201c}{head}\r\n   {tail}\u{201d}\n");
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let count = allocations_during(|| {
        let keys = [PublicKey::from_bytes(&VENDOR_KEY).unwrap()];
        Verifier::new(&keys)
            .verify_text(&pasted, &mut buf, NOW)
            .unwrap();
    });
    assert_eq!(count, 0);
}
