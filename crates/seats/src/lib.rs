//! The entitle seat server: concurrent ("shared") and named seats on a
//! site's own LAN, for licences whose seats are counted while in use
//! (GoToAssist's model, ../shared/MODELS.md §3; docs/concurrent-seats.md).
//!
//! The pools come from `entitle_lifecycle::decide`, never from here: the
//! `entitle serve` command decides on the licence material and hands this
//! crate the seats that decision counts. This crate keeps who may use a
//! pool, who holds a seat now, and until when.
//!
//! ```
//! use entitle_seats::{Account, Agent, PoolSpec, Store};
//!
//! # fn main() -> Result<(), entitle_seats::Error> {
//! let mut store = Store::in_memory()?;
//! // One shared seat, as `entitle serve` finds it in the licences.
//! let pool = PoolSpec::new("gotoassist", "corporate", None, 1, 0);
//! store.set_pools(&[pool.clone()], 1_800_000_000)?;
//! // The site's administrator grants two agents access.
//! let admin = Account::site_admin();
//! let alice = Agent::new("alice", "Alice", "alice@example.com", &pool.id);
//! let alice = store.grant(&admin, &alice, false, 1_800_000_000)?;
//! let bob = Agent::new("bob", "Bob", "bob@example.com", &pool.id);
//! let bob = store.grant(&admin, &bob, false, 1_800_000_000)?;
//! let lease = store.claim(&alice, 1_800_000_000, 60)?;
//! assert!(store.claim(&bob, 1_800_000_001, 60).is_err()); // every shared seat in use
//! store.release(&alice, &lease.id, 1_800_000_002)?;
//! assert!(store.claim(&bob, 1_800_000_003, 60).is_ok());
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod admin;
mod api;
pub mod client;
pub mod db;
mod error;
mod metrics;
mod one_server;
pub mod server;
pub mod site;
mod store;
pub mod tls;

/// The admin center's stylesheet, HTML escaping and cookie reading, which
/// the portal's pages share.
pub use admin::cookie;
pub use admin::html::{STYLE, esc};
pub use error::{EXHAUSTED_DE, EXHAUSTED_EN, Error};
pub use one_server::ServedHere;
pub use store::{
    Account, Action, Agent, AuditEntry, Counters, Ending, Kind, Lease, PoolCounters, PoolSpec,
    PoolUse, Role, ServerFigure, Session, Store, hash, new_secret,
};
