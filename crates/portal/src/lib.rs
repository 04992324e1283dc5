//! The Enterprise Portal (docs/portal.md): customers and partners sign in
//! and see, download and act on their licences, in the views of the
//! ThinPrint seed (Customer, System Integrator, Service Provider, Reseller,
//! Distributor, Partner) with exactly the functions its table gives each
//! view. `entitle portal` runs it; every action asks the one decision
//! (`entitle_lifecycle::decide`, the ledger's `admit`, the role table) and
//! signs only what an appliance then accepts.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod downloads;
mod error;
pub mod extra;
pub mod password;
mod portal;
pub mod standing;
pub mod store;
pub mod web;

pub use error::Error;
pub use portal::{Actor, Held, Portal, Vendor, now, serial};
