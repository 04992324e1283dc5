//! License models for `entitle`: product catalogs, prerequisites, and
//! deterministic seat allocation.
//!
//! A vendor describes its license model in a catalog (TOML, see
//! docs/catalog.md) and signs it. An installation then works out, from
//! signed material only, who may use what:
//!
//! 1. [`open_signed_catalog`] checks the catalog's signature and rules;
//! 2. [`Supply::from_candidates`] adds up the licenses that verified tokens
//!    give under the catalog's rules (caps, packs, included licenses,
//!    capacity units, fallback editions, exclusive editions). Only the
//!    decision function `entitle_lifecycle::decide`, which verifies the
//!    tokens, their signers and everything else, calls it in a product;
//!    the example below hands it tokens the vendor signed itself;
//! 3. [`allocate`] hands them to the configured users (read with
//!    [`parse_users`]) by a fixed, documented scheme: the same users hold
//!    the same licenses whatever the order of the input and after every
//!    restart.
//!
//! ```
//! use entitle_allocate::{allocate, open_signed_catalog, parse_users, Candidate, Installation, Supply};
//! use entitle_verify::{PublicKey, Token, Verifier, MAX_TOKEN_BYTES};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let keys = [PublicKey::from_bytes(&include!("../../../keys-example/vendor.public.rs"))?];
//! let catalog = open_signed_catalog(
//!     include_str!("../../../keys-example/xphone/catalog.signed"),
//!     &keys,
//! )?;
//! let texts: Vec<&str> = include_str!("../../../keys-example/xphone/tokens.txt")
//!     .lines()
//!     .filter(|l| l.starts_with("ent1."))
//!     .collect();
//! let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
//! let mut tokens = Vec::new();
//! for (text, buf) in texts.iter().zip(buffers.iter_mut()) {
//!     tokens.push(Token::decode(text, buf)?);
//! }
//! let now = 1_800_000_000;
//! let mut candidates = Vec::new();
//! for token in tokens {
//!     let license = Verifier::new(&keys).verify(token, now)?;
//!     candidates.push(Candidate { license, expired_at: None, vendor_issued: true });
//! }
//! let installation = Installation { tenant: None, now };
//! let supply = Supply::from_candidates(&catalog, &candidates, &installation);
//!
//! let office = catalog.resolve("office")?;
//! assert_eq!(supply.available[office], 150); // 100 Office + 50 Office Plus
//!
//! let users = parse_users(include_str!("../../../keys-example/xphone/users.csv"))?;
//! let allocation = allocate(&catalog, &supply, &users)?;
//! assert!(allocation.totals[office].used <= 150);
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod allocate;
mod catalog;
mod error;
mod setup;
mod signed;
mod supply;
mod users;
mod warning;

pub use allocate::{
    Allocation, Count, Denial, Grant, Missing, UserGrants, allocate, allocate_with_setup,
};
pub use catalog::{
    BASE_ROLES, Catalog, Edition, LicenseId, LicenseKind, LicenseType, Product, TenantRule, Unit,
    UnitId, Usage,
};
pub use error::Error;
pub use setup::Setup;
pub use signed::{SIGNATURE_LINE, open_signed_catalog, sign_catalog};
pub use supply::{Candidate, Installation, PoolLine, Refusal, Supply};
pub use users::{COLUMNS, User, parse_users};
pub use warning::Warning;
