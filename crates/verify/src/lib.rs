//! Tiny, `no_std`, allocation-free verifier for `entitle` license tokens.
//!
//! An appliance embeds the vendor's public key, and at boot:
//!
//! 1. decodes each token ([`Token::decode`], into a buffer it owns),
//! 2. verifies it with [`Verifier::verify`] (Ed25519 `verify_strict` over a
//!    domain-separation context plus the exact token bytes, then the validity
//!    window against the `now` it passes in: the library has no clock),
//! 3. adds up seats with [`pools`]: tokens of the same product, edition,
//!    tenant and seat model stack, never beyond their cap, each serial once,
//!    add-ons only beside a base.
//!
//! ```
//! use entitle_verify::{pools, PublicKey, Token, Verifier, MAX_TOKEN_BYTES};
//!
//! # fn main() -> Result<(), entitle_verify::Error> {
//! // The vendor's public key, compiled into the appliance.
//! const VENDOR_KEY: [u8; 32] = include!("../../../keys-example/vendor.public.rs");
//! let keys = [PublicKey::from_bytes(&VENDOR_KEY)?];
//! let verifier = Verifier::new(&keys);
//!
//! // A STARFACE Compact: 3 users included, cap 20, plus four packs of 5.
//! let texts: Vec<&str> = include_str!("../../../keys-example/starface/tokens.txt")
//!     .lines()
//!     .filter(|line| line.starts_with("ent1."))
//!     .collect();
//! let now = 1_800_000_000; // 2027-01-15T08:00:00Z, from the caller's clock
//!
//! let mut buffers = [[0u8; MAX_TOKEN_BYTES]; 5];
//! let mut licenses = Vec::new();
//! for (text, buf) in texts.iter().zip(buffers.iter_mut()) {
//!     licenses.push(verifier.verify(Token::decode(text, buf)?, now)?);
//! }
//!
//! let compact = pools(&licenses)
//!     .find(|p| p.product() == "starface" && p.edition() == "compact")
//!     .expect("a starface compact pool"); // ok: a doc example, the pool is there
//! compact.check()?; // a base is present
//! assert_eq!(compact.seats_bought(), 23);
//! assert_eq!(compact.seats(), 20); // never more than the cap
//! assert_eq!(compact.seats_over_cap(), 3);
//! assert!(!compact.has_feature("voicemail")); // STARFACE licenses users, not features
//! # Ok(())
//! # }
//! ```
//!
//! Nothing here allocates (a test with a counting allocator shows it); the
//! example uses `Vec` only for brevity.
//!
//! # Features
//!
//! | feature | effect |
//! |---|---|
//! | `std` | links std; adds `From<Error> for std::io::Error` |
//! | `fast` | ed25519-dalek precomputed tables: faster, about 30 KiB larger |
//!
//! The wire format is specified byte by byte in `docs/format.md`.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::panic,
    clippy::panic_in_result_fn,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod armor;
mod claims;
mod error;
pub mod format;
mod hex;
mod key;
pub mod names;
mod stack;
mod time;
mod token;
mod verifier;
mod wire;

pub use armor::{
    ArtifactKind, Artifacts, INVISIBLE, PasteError, QUOTES, artifacts, is_paste_noise, unwrap_paste,
};
pub use claims::{Claims, Features, Kind, SeatModel, Serial};
pub use error::{Error, ErrorKind, Field};
pub use format::{MAX_TOKEN_BYTES, PREFIX};
pub use hex::Hex;
pub use key::{
    KeyId, MAX_CONTEXT_LEN, MAX_MESSAGE_LEN, PUBLIC_KEY_LEN, PublicKey, SIGNATURE_LEN, SignError,
    Signer,
};
pub use stack::{Member, Pool, Pools, pools};
pub use time::Utc;
pub use token::Token;
pub use verifier::{Authentic, License, Validity, Verifier};
