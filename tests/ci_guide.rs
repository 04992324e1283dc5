//! docs/ci.md cannot rot: its shell blocks run as written, in order, with
//! the real `entitle`, in a folder holding a copy of keys-example/: once
//! with the vendor key's PEM text in `ENTITLE_SIGNING_KEY`, once with a
//! `pkcs11:` URI there and the key inside SoftHSM2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;
use std::path::Path;

use common::docs::{run_blocks, shell_blocks, workspace};
use common::softhsm::Hsm;

const GUIDE: &str = include_str!("../docs/ci.md");

/// Runs every block in `dir` with `env`; returns each block's output.
fn run_guide(dir: &Path, env: &[(&str, String)]) -> Vec<String> {
    let blocks = shell_blocks(GUIDE);
    assert_eq!(blocks.len(), 5, "the guide lost or gained commands");
    run_blocks(dir, &blocks, env)
        .into_iter()
        .map(|(stdout, _)| stdout)
        .collect()
}

/// What the guide says the reader will see.
fn check(dir: &Path, outputs: &[String]) {
    assert_eq!(outputs[0], "FIRMA-000123.txt\nFIRMA-000777.txt\n");
    assert_eq!(outputs[1], "5\n", "a re-run mints nothing new");
    assert!(
        outputs[2].contains("9 usable (9 bought, cap 20)"),
        "{}",
        outputs[2]
    );
    assert_eq!(outputs[3].lines().count(), 3, "{}", outputs[3]);
    assert!(outputs[3].contains("order SO-2026-0002"), "{}", outputs[3]);
    assert!(
        outputs[4].contains("8 usable (8 bought, cap 20)"),
        "{}",
        outputs[4]
    );
    let ledger = fs::read_to_string(dir.join("ledger/issued.jsonl")).unwrap();
    assert_eq!(ledger.matches(r#""event":"issued""#).count(), 5, "{ledger}");
    assert_eq!(
        ledger.matches(r#""event":"revoked""#).count(),
        1,
        "{ledger}"
    );
}

#[test]
fn the_ci_guide_runs_as_written_with_the_key_in_a_secret() {
    let dir = workspace();
    let key = fs::read_to_string(dir.path().join("keys-example/vendor.secret.pem")).unwrap();
    let outputs = run_guide(dir.path(), &[("ENTITLE_SIGNING_KEY", key)]);
    check(dir.path(), &outputs);
}

#[test]
fn the_ci_guide_runs_as_written_with_the_key_in_softhsm2() {
    let Some(hsm) = Hsm::new() else { return };
    let dir = workspace();
    let example = dir.path().join("keys-example");
    // The vendor's key is made inside the module; its public key and the
    // catalog signed with it replace the example's.
    let public = example.join("vendor.public.pem");
    let public = public.to_str().unwrap();
    let made = hsm.entitle(&[
        "keygen",
        "--key",
        &hsm.uri("vendor"),
        "--public",
        public,
        "--force",
    ]);
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let signed = hsm.run_to(
        "catalog.signed",
        &[
            "catalog",
            "sign",
            "--key",
            &hsm.uri("vendor"),
            example.join("starface/catalog.toml").to_str().unwrap(),
        ],
    );
    fs::write(example.join("starface/catalog.signed"), signed).unwrap();

    let uri = format!(
        "pkcs11:token=entitle;object=vendor?module-path={}",
        hsm.module
    );
    let outputs = run_guide(
        dir.path(),
        &[
            ("ENTITLE_SIGNING_KEY", uri),
            ("ENTITLE_PKCS11_PIN", "1234".to_string()),
            ("SOFTHSM2_CONF", hsm.conf.display().to_string()),
        ],
    );
    check(dir.path(), &outputs);
}
