//! A vendor key that never leaves a hardware security module: SoftHSM2
//! through PKCS#11, every signing command, through the real binary.
//!
//! Needs Debian's `softhsm2`. Without it the tests say so and pass, unless
//! `ENTITLE_TEST_SOFTHSM` is set (as `.ci/run` does): then they fail, so CI
//! never skips them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::softhsm::{Hsm, MODULES};
use common::{example, stderr, stdout};

#[test]
fn every_signing_command_signs_with_a_key_inside_the_module() {
    let Some(hsm) = Hsm::new() else { return };
    let vendor = hsm.uri("vendor");
    let public = hsm.path("vendor.public.pem");
    let made = hsm.run_to(
        "keygen.txt",
        &["keygen", "--key", &vendor, "--public", &public],
    );
    assert!(made.starts_with("key id "), "{made}");
    assert!(!Path::new(&hsm.path("vendor.secret.pem")).exists());
    hsm.assert_never_extractable("vendor");

    // catalog sign
    hsm.run_to(
        "catalog.signed",
        &[
            "catalog",
            "sign",
            "--key",
            &vendor,
            &example("starface/catalog.toml"),
        ],
    );
    let catalog = hsm.path("catalog.signed");
    let checked = hsm.entitle(&["catalog", "check", "--public", &public, &catalog]);
    assert!(checked.status.success(), "{}", stderr(&checked));

    // issue, and issue --batch
    let now = ["--now", "2027-01-01"];
    hsm.run_to(
        "base.txt",
        &[
            "issue",
            "--key",
            &vendor,
            "--catalog",
            &catalog,
            "--product",
            "starface",
            "--edition",
            "appliance",
            "--tenant",
            "FIRMA-1",
            "--expires",
            "2028-01-01",
            "--order",
            "SO-1",
            now[0],
            now[1],
        ],
    );
    fs::write(
        hsm.path("orders.csv"),
        "order,product,edition,kind,seats,tenant,expires\n\
         SO-2,starface,appliance,addon,5,FIRMA-1,2028-01-01\n\
         SO-3,starface,appliance,addon,1,FIRMA-1,2028-01-01\n",
    )
    .unwrap();
    let ledger = hsm.path("ledger.jsonl");
    let tokens_dir = hsm.path("tokens");
    let mut batch = vec![
        "issue",
        "--batch",
        "orders.csv",
        "--key",
        &vendor,
        "--catalog",
        &catalog,
        "--ledger",
        &ledger,
        "--out-dir",
        &tokens_dir,
    ];
    batch.extend_from_slice(&now);
    hsm.run_to("batch.txt", &batch);

    // renew, revoke
    let renewal = hsm.run_to(
        "renewal.txt",
        &[
            "renew",
            "--key",
            &vendor,
            "--license",
            "@base.txt",
            "--expires",
            "2029-01-01",
        ],
    );
    assert!(renewal.starts_with("entn1."), "{renewal}");
    let addons = fs::read_to_string(hsm.path("tokens/FIRMA-1.txt")).unwrap();
    let one_seat = addons.lines().nth(1).unwrap().to_string();
    let inspect = hsm.entitle(&["inspect", "--json", &one_seat]);
    let serial: serde_json::Value = serde_json::from_str(&stdout(&inspect)).unwrap();
    let serial = serial["serial"].as_str().unwrap().to_string();
    hsm.run_to(
        "revoked.txt",
        &[
            "revoke",
            "--key",
            &vendor,
            "--sequence",
            "1",
            "--serial",
            &serial,
        ],
    );

    // partner certify: the module's key vouches for a reseller.
    let cert = hsm.run_to(
        "reseller.cert",
        &[
            "partner",
            "certify",
            "--key",
            &vendor,
            "--subject",
            &example("partners/reseller.public.pem"),
            "--name",
            "Reseller",
            "--role",
            "reseller",
            "--not-after",
            "2030-01-01",
            "--now",
            "2026-12-01",
        ],
    );
    let cert_file = format!("@{}", hsm.path("reseller.cert"));
    let shown = hsm.entitle(&["partner", "show", "--public", &public, &cert_file]);
    assert!(
        stdout(&shown).contains("chain        valid"),
        "{cert}\n{}",
        stdout(&shown)
    );

    // activate respond: the vendor activates its own license.
    let state = hsm.path("state");
    let machine = example("appliance/machine-id");
    hsm.run_to(
        "request.txt",
        &[
            "activate",
            "request",
            "--state-dir",
            &state,
            "--machine-id",
            &machine,
            "--license",
            "@base.txt",
            "--now",
            "2027-02-01",
        ],
    );
    hsm.run_to(
        "response.txt",
        &[
            "activate",
            "respond",
            "--key",
            &vendor,
            "--public",
            &public,
            "--ledger",
            &hsm.path("activations.ledger"),
            "--license",
            "@base.txt",
            "@request.txt",
            "--now",
            "2027-02-01",
        ],
    );
    let accepted = hsm.entitle(&[
        "activate",
        "accept",
        "--public",
        &public,
        "--state-dir",
        &state,
        "--machine-id",
        &machine,
        "--license",
        "@base.txt",
        "@response.txt",
        "--now",
        "2027-02-01",
    ]);
    assert!(
        stdout(&accepted).contains("is activated on this machine"),
        "{}{}",
        stdout(&accepted),
        stderr(&accepted)
    );

    let activated = hsm.entitle(&[
        "verify",
        "--public",
        &public,
        "--state-dir",
        &state,
        "--machine-id",
        &machine,
        "--require-activation",
        "--now",
        "2027-03-01",
        "@base.txt",
    ]);
    assert!(
        activated.status.success() && stdout(&activated).contains("1 usable"),
        "{}{}",
        stdout(&activated),
        stderr(&activated)
    );

    // The appliance decides on all of it with the exported public key.
    let decided = hsm.entitle(&[
        "verify",
        "--public",
        &public,
        "--catalog",
        &catalog,
        "--tenant",
        "FIRMA-1",
        "--now",
        "2027-06-01",
        "@base.txt",
        "@tokens/FIRMA-1.txt",
        "@renewal.txt",
        "@revoked.txt",
    ]);
    let report = stdout(&decided);
    assert!(decided.status.success(), "{}", stderr(&decided));
    assert!(
        report.contains("6 usable (6 bought)"),
        "renewed base 1 + pack 5, pack 1 revoked: {report}"
    );
    assert!(report.contains("was revoked"), "{report}");
    assert!(
        report.contains("renewed, term until 2029-01-01"),
        "{report}"
    );
}

#[test]
fn the_module_refuses_what_it_must() {
    let Some(hsm) = Hsm::new() else { return };
    let vendor = hsm.uri("vendor");
    let public = hsm.path("vendor.public.pem");
    assert!(
        hsm.entitle(&["keygen", "--key", &vendor, "--public", &public])
            .status
            .success()
    );

    let again = hsm.entitle(&[
        "keygen",
        "--key",
        &vendor,
        "--public",
        &hsm.path("other.pem"),
    ]);
    assert_eq!(again.status.code(), Some(3));
    assert!(
        stderr(&again).contains("exists already; entitle never replaces a key"),
        "{}",
        stderr(&again)
    );

    let sign = |uri: &str| {
        hsm.entitle(&[
            "issue",
            "--key",
            uri,
            "--product",
            "starface",
            "--edition",
            "appliance",
            "--seats",
            "1",
            "--perpetual",
        ])
    };
    fs::write(hsm.path("bad-pin"), "9999").unwrap();
    let wrong_pin = vendor.replace(&hsm.path("pin"), &hsm.path("bad-pin"));
    for (uri, says) in [
        (wrong_pin, "C_Login failed: PinIncorrect"),
        (
            hsm.uri("nobody"),
            "no Ed25519 private key with token \"entitle\", object \"nobody\"",
        ),
        (
            vendor.replace("token=entitle", "token=other"),
            "no token matches the URI",
        ),
        (format!("{vendor}&pin-value=1234"), "pin-value is refused"),
        (
            vendor.replace(MODULES[0], "/nonexistent/module.so"),
            "cannot load the module",
        ),
        (
            vendor.replace("object=", "objekt="),
            "unknown attribute \"objekt\"",
        ),
    ] {
        let out = sign(&uri);
        assert_eq!(out.status.code(), Some(3), "{uri}");
        assert!(stderr(&out).contains(says), "{uri}: {}", stderr(&out));
        assert_eq!(stdout(&out), "", "{uri}");
    }

    // The PIN from the environment, the URI from ENTITLE_SIGNING_KEY, as a
    // CI job holds them in secrets.
    let uri = format!(
        "pkcs11:token=entitle;object=vendor?module-path={}",
        hsm.module
    );
    let out = Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args([
            "issue",
            "--product",
            "starface",
            "--edition",
            "appliance",
            "--seats",
            "1",
        ])
        .arg("--perpetual")
        .env("SOFTHSM2_CONF", &hsm.conf)
        .env("ENTITLE_SIGNING_KEY", &uri)
        .env("ENTITLE_PKCS11_PIN", "1234")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let verified = hsm.entitle(&["verify", "--public", &public, stdout(&out).trim()]);
    assert!(verified.status.success(), "{}", stderr(&verified));
}
