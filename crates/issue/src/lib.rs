//! Issuer for `entitle` license tokens: key generation, key files, signing.
//!
//! ```
//! use entitle_issue::{Issuer, LicenseSpec, SigningKey};
//! use entitle_verify::{PublicKey, Token, Verifier, MAX_TOKEN_BYTES};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let issuer = Issuer::new(SigningKey::generate()?);
//!
//! let mut spec = LicenseSpec::new("starface", "compact", 3);
//! spec.cap = Some(20);
//! spec.tenant = Some("FIRMA-000123".into());
//! spec.issued_at = Some(1_790_000_000);
//! spec.expires_at = Some(1_830_000_000);
//! let token = issuer.issue(&spec)?;
//! assert!(token.text.starts_with("ent1.") && token.text.len() <= 190);
//!
//! // What an appliance does with it:
//! let keys = [issuer.key().public_key()];
//! let mut buf = [0u8; MAX_TOKEN_BYTES];
//! let license = Verifier::new(&keys).verify(Token::decode(&token.text, &mut buf)?, 1_800_000_000)?;
//! assert_eq!(license.claims().seats, 3);
//! # Ok(())
//! # }
//! ```
//!
//! Secret keys are wiped from memory on drop and redacted in `Debug`; key
//! files are PEM (PKCS#8 secret, SPKI public), interchangeable with
//! `openssl genpkey -algorithm ed25519` and `openssl pkey`, and secret key
//! files are written with mode 0600.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod catalog;
mod encode;
mod error;
mod issuer;
mod keys;
mod order;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
mod spec;

pub use catalog::prepare_spec;
pub use entitle_verify;
pub use error::Error;
pub use issuer::{IssuedToken, Issuer, unix_now};
pub use keys::{
    SigningKey, public_key_from_pem, public_key_to_der, public_key_to_pem, write_file,
    write_key_pair,
};
pub use order::{MAX_ORDER_LEN, check_order_id, order_serial};
pub use spec::{LicenseSpec, MAX_TIME};
