//! Passwords: Argon2id hashes match their password only, and the decoy an
//! unknown address is checked against costs the same work.

#![allow(clippy::unwrap_used)] // tests fail by panicking

use argon2::Params;
use argon2::password_hash::PasswordHash;
use entitle_portal::password::{check, decoy, hash, matches_with};

#[test]
fn a_hash_matches_its_password_only() {
    let stored = hash("correct horse battery").unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
    let mut memory = Vec::new();
    assert!(matches_with(&mut memory, "correct horse battery", &stored));
    assert!(!matches_with(&mut memory, "correct horse batterY", &stored));
    assert!(check("correct horse battery", &stored));
    assert!(!check("wrong", &stored));
    assert!(hash("short").is_err());
}

#[test]
fn the_decoy_costs_a_full_check_and_matches_nothing() {
    // An unknown address does the same Argon2id work as a known one: the
    // decoy parses with the same parameters.
    let parsed = PasswordHash::new(decoy()).unwrap();
    let params = Params::try_from(&parsed).unwrap();
    assert_eq!(
        (params.m_cost(), params.t_cost(), params.p_cost()),
        (19_456, 2, 1)
    );
    assert!(parsed.hash.is_some() && parsed.salt.is_some());
    assert!(!matches_with(&mut Vec::new(), "", decoy()));
    // Not an Argon2id string: no match.
    assert!(!matches_with(
        &mut Vec::new(),
        "x",
        "$argon2i$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA"
    ));
}
