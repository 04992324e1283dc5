//! One module per command.

pub mod inspect;
pub mod issue;
pub mod keygen;
pub mod verify;
