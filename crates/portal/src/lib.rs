//! The Enterprise Portal (docs/portal.md): customers and partners sign in
//! and see, download and act on their licences, in the views of the
//! ThinPrint seed (Customer, System Integrator, Service Provider, Reseller,
//! Distributor, Partner) with exactly the functions its table gives each
//! view. `entitle portal` runs it; every action asks the one decision
//! (`entitle_lifecycle::decide`, the ledger's `admit`, the role table) and
//! signs only what an appliance then accepts.
//!
//! ```
//! use entitle_lifecycle::{Role, ViewFunction};
//! use entitle_portal::store::{Company, Store, User};
//! use entitle_portal::{Portal, now, password};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = std::env::temp_dir().join(format!("entitle-portal-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let mut store = Store::open(&dir.join("portal.sqlite"))?;
//! store.put_company(&Company {
//!     id: "ACME-1".into(),
//!     name: "ACME GmbH".into(),
//!     views: vec![Role::Customer],
//!     contract_seats: None,
//!     vendor: false,
//! })?;
//! let anna = User { email: "anna@acme.example".into(), name: "Anna".into(), company: "ACME-1".into() };
//! store.put_user(&anna, &password::hash("correct horse battery")?)?;
//!
//! let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys-example");
//! let key = entitle_issue::SigningKey::from_pem(&std::fs::read_to_string(
//!     format!("{example}/vendor.secret.pem"),
//! )?)?;
//! let portal = Portal::new(vec![store], Box::new(key), Vec::new(), None);
//!
//! // Anna acts in her company's one view, with the seed's functions.
//! let actor = portal.actor("anna@acme.example", None)?;
//! assert_eq!(actor.view, Role::Customer);
//! assert!(Portal::offers(&actor, ViewFunction::Activation).is_ok());
//! assert_eq!(portal.licences(&actor, "", 0, now())?.total, 0);
//! // A view her company does not have is refused.
//! assert!(portal.actor("anna@acme.example", Some(Role::Reseller)).is_err());
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod csv;
pub mod downloads;
mod error;
pub mod extra;
pub mod password;
mod portal;
pub mod standing;
pub mod store;
pub mod web;

pub use error::Error;
pub use portal::{Actor, Held, Listing, Machine, PER_PAGE, Portal, Vendor, Writing, now, serial};
