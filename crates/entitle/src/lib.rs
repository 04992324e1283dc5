//! The whole entitle decision from text, for any program that is not the
//! command line: read license material (text, files, `@FILE` lists, pastes
//! from mail and chat), open the appliance's state, call
//! `entitle_lifecycle::decide`, and report what counts exactly as `entitle
//! verify --json` does. The `entitle` command, the C ABI's level 2 and the
//! seat server are faces of this crate; it decides nothing itself.
//!
//! ```
//! use entitle::args::MaterialArgs;
//! use entitle::decision::decide_args;
//!
//! # fn main() -> Result<(), entitle::Error> {
//! let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys-example");
//! let material = MaterialArgs {
//!     public: vec![format!("{example}/vendor.public.pem").into()],
//!     catalog: Some(format!("{example}/starface/catalog.signed").into()),
//!     tenant: Some("FIRMA-000123".into()),
//!     now: Some(1_800_000_000), // 2027-01-15
//!     build_date: None,
//!     state_dir: None,
//!     require_activation: false,
//!     machine_id: "/etc/machine-id".into(),
//!     tpm: None,
//!     clock_tolerance: 600,
//!     tokens: vec![format!("@{example}/starface/tokens.txt")],
//! };
//! let outcome = decide_args(&material)?;
//! // STARFACE Compact: 3 users included and four packs of 5 bought, never
//! // more than 20.
//! let compact = &outcome.supply.pools[0];
//! assert_eq!((compact.seats_bought, compact.seats), (23, 20));
//!
//! // The same as `entitle verify --json`, in one call.
//! let (status, json) = entitle::report::verify_json(&[
//!     "--public", &format!("{example}/vendor.public.pem"),
//!     "--now", "2027-01-15",
//!     &format!("@{example}/starface/tokens.txt"),
//! ]);
//! assert_eq!(status, 0);
//! assert!(json.starts_with(r#"{"licenses":[{"#));
//! # Ok(())
//! # }
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod allocation;
pub mod appliance;
pub mod args;
pub mod artifacts;
pub mod decision;
mod error;
pub mod input;
pub mod json;
pub mod report;

pub use error::{Error, Exit};
