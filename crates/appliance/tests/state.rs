//! The appliance state tells "absent" from "unreadable": an unreadable or
//! altered file is an error, never "nothing there", and an existing key is
//! never replaced.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::path::Path;

use entitle_appliance::{Appliance, FilePlatform};
use entitle_verify::Serial;

const SERIAL: Serial = Serial([7; 8]);

fn open(dir: &Path) -> Result<Appliance, entitle_lifecycle::Error> {
    let machine = dir.join("machine-id");
    if !machine.exists() {
        std::fs::write(&machine, "test-machine\n").unwrap();
    }
    Appliance::open(dir, Box::new(FilePlatform::new(&machine)))
}

#[test]
fn an_unreadable_activation_key_is_an_error_not_an_absent_key() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut appliance = open(dir.path()).unwrap();
    assert!(
        appliance.activation_key(SERIAL).unwrap().is_none(),
        "absent"
    );
    appliance.request(SERIAL, [1; 16]).unwrap();
    let held = appliance.activation_key(SERIAL).unwrap().unwrap();

    // A second request keeps the key it has.
    appliance.request(SERIAL, [1; 16]).unwrap();
    assert_eq!(appliance.activation_key(SERIAL).unwrap(), Some(held));

    // Garbled, it is an error, and a request does not replace it.
    let path = dir.path().join(format!("activation-{SERIAL}.key"));
    std::fs::write(&path, "not a key").unwrap();
    let error = appliance.activation_key(SERIAL).unwrap_err();
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
    assert!(appliance.request(SERIAL, [1; 16]).is_err());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key");
    // And so is everything the decision would be handed.
    assert!(appliance.remembered().is_err());
}

#[test]
fn an_altered_or_deleted_state_is_refused() {
    let dir = tempfile::TempDir::new().unwrap();
    let mut appliance = open(dir.path()).unwrap();
    appliance.request(SERIAL, [1; 16]).unwrap();
    appliance.save().unwrap();
    let state = dir.path().join("state.json");
    let text = std::fs::read_to_string(&state).unwrap();
    std::fs::write(
        &state,
        text.replace("\"high_water\": 0", "\"high_water\": 1"),
    )
    .unwrap();
    let error = open(dir.path()).unwrap_err();
    assert!(error.to_string().contains("was altered"), "{error}");
    std::fs::remove_file(&state).unwrap();
    let error = open(dir.path()).unwrap_err();
    assert!(error.to_string().contains("was deleted"), "{error}");
}
