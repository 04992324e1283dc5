//! One module per command.

pub mod allocate;
pub mod catalog;
pub mod inspect;
pub mod issue;
pub mod keygen;
pub mod verify;
