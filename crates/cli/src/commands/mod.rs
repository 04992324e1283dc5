//! One module per command.

pub mod activate;
pub mod allocate;
pub mod batch;
pub mod catalog;
pub mod inspect;
pub mod issue;
pub mod key;
pub mod keygen;
pub mod ledger;
pub mod partner;
pub mod portal;
pub mod revoke;
pub mod seats;
pub mod serve;
pub mod shell;
pub mod verify;
