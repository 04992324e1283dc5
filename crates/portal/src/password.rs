//! Passwords: Argon2id (RFC 9106) with the argon2 crate's defaults (19 MiB,
//! two passes), kept as PHC strings; never the password itself.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;

use crate::error::Error;

/// Shortest password taken.
pub const MIN_PASSWORD: usize = 12;

/// The PHC string of `password`, with a fresh salt.
pub fn hash(password: &str) -> Result<String, Error> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(Error::Refused(format!(
            "the password is too short: at least {MIN_PASSWORD} characters"
        )));
    }
    let mut salt = [0u8; 16];
    SysRng.try_fill_bytes(&mut salt).map_err(|_| {
        Error::Setup("the operating system's random number generator failed".into())
    })?;
    let salt = SaltString::encode_b64(&salt)
        .map_err(|e| Error::Setup(format!("cannot make a salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Setup(format!("cannot hash the password: {e}")))
}

/// Whether `password` matches the PHC string `stored` (in constant time).
pub fn matches(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A PHC string that matches no password: checked when the user is
/// unknown, so that a sign-in takes as long whether the address exists.
pub fn decoy() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$Lr3Kb0ZkCq7bKdGhH8wM7yq2m3WwT9S1V0mJ7m0oTgc"
}
