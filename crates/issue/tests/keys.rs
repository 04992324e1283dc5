//! Key handling through the public API of entitle-issue.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use entitle_issue::{Error, SigningKey, public_key_from_pem, public_key_to_pem, write_key_pair};

#[test]
fn debug_never_shows_the_secret() {
    let key = SigningKey::generate().unwrap();
    let pem = key.to_pem().unwrap();
    let debug = format!("{key:?}");
    assert!(debug.contains("<redacted>"), "{debug}");
    assert!(debug.contains(&key.id().to_string()));
    let secret_b64 = pem.lines().nth(1).unwrap();
    assert!(!debug.contains(secret_b64));
}

#[test]
fn pem_round_trips() {
    let key = SigningKey::generate().unwrap();
    let again = SigningKey::from_pem(&key.to_pem().unwrap()).unwrap();
    assert_eq!(again.public_key(), key.public_key());
    let public = public_key_from_pem(&public_key_to_pem(&key.public_key()).unwrap()).unwrap();
    assert_eq!(public, key.public_key());
}

#[test]
fn the_wrong_pem_is_a_format_error_that_names_what_was_expected() {
    let key = SigningKey::generate().unwrap();
    let public_pem = public_key_to_pem(&key.public_key()).unwrap();
    let err = SigningKey::from_pem(&public_pem).unwrap_err();
    assert!(matches!(err, Error::KeyFormat { .. }));
    assert!(err.to_string().contains("PRIVATE KEY"), "{err}");
    let err = public_key_from_pem(&key.to_pem().unwrap()).unwrap_err();
    assert!(err.to_string().contains("PUBLIC KEY"), "{err}");
    assert!(SigningKey::from_pem("").is_err());
}

#[test]
fn key_files_are_not_overwritten_without_force() {
    let dir = tempfile::TempDir::new().unwrap();
    let (secret, public) = (dir.path().join("k.pem"), dir.path().join("k.pub"));
    let first = SigningKey::generate().unwrap();
    write_key_pair(&first, &secret, &public, false).unwrap();
    let second = SigningKey::generate().unwrap();
    assert!(matches!(
        write_key_pair(&second, &secret, &public, false),
        Err(Error::Exists(_))
    ));
    let on_disk = SigningKey::from_pem(&std::fs::read_to_string(&secret).unwrap()).unwrap();
    assert_eq!(on_disk.public_key(), first.public_key());
    write_key_pair(&second, &secret, &public, true).unwrap();
    let on_disk = SigningKey::from_pem(&std::fs::read_to_string(&secret).unwrap()).unwrap();
    assert_eq!(on_disk.public_key(), second.public_key());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left behind");
}
