//! A newcomer's first hour: real pastes, key files as people have them,
//! typos in names and counts, each through the real binary with the message
//! that says what is wrong and how to fix it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;
use std::process::Command;

use common::world::{NOW, World};

/// A token of the example vendor, and `verify` of `pasted` beside nothing
/// else: (exit code, stdout JSON, stderr).
fn verify_paste(w: &World, pasted: &str) -> (i32, serde_json::Value, String) {
    w.write("paste.txt", pasted);
    w.verify(&["--now", NOW, "@paste.txt"])
}

#[test]
fn pasted_tokens_are_found_in_what_people_paste() {
    let w = World::new();
    let token = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let token = w.read(token.trim_start_matches('@')).trim().to_string();
    let list = w.revoke("list.txt", "vendor.secret.pem", None, &["@license.txt"]);
    let list = w.read(list.trim_start_matches('@')).trim().to_string();
    for paste in [
        format!("{token}."),
        format!("{token},"),
        format!("> {token}"),
        format!("> > {token}"),
        format!("License key: {token}"),
        format!("Dear customer, here is your key: {token}. Best regards"),
        format!("Your key:\n\n  {token}\n\nThanks, Bob"),
    ] {
        let (code, json, err) = verify_paste(&w, &paste);
        assert_eq!(code, 0, "{paste:?}: {err}");
        assert_eq!(json["licenses"][0]["seats"], 3, "{paste:?}");
    }
    // Two artifacts glued on one line are told apart: the list revokes.
    for paste in [format!("{token}{list}"), format!("{token} {list}")] {
        let (code, _, err) = verify_paste(&w, &paste);
        assert_eq!(code, 4, "{paste:?}: {err}");
        assert!(err.contains("was revoked"), "{paste:?}: {err}");
    }
}

#[test]
fn a_mistyped_or_truncated_token_says_where_it_stops_making_sense() {
    let w = World::new();
    let token = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let token = w.read(token.trim_start_matches('@')).trim().to_string();
    let mistyped = format!("{}*{}", &token[..40], &token[41..]);
    let (code, _, err) = verify_paste(&w, &mistyped);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("at character 41"), "{err}");
    let (code, _, err) = w.verify(&["--now", NOW, &token[..60]]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("truncated") || err.contains("cut short"),
        "{err}"
    );
}

#[test]
fn a_token_of_an_unknown_key_names_the_key_and_the_missing_certificate() {
    let w = World::new();
    w.partners(&["issue"]);
    let license = w.ok(&[
        "issue",
        "--key",
        "reseller.key",
        "--now",
        "2027-01-01",
        "--product",
        "starface",
        "--edition",
        "compact",
        "--seats",
        "3",
        "--expires",
        "2028-01-01",
    ]);
    let (code, _, err) = w.verify(&["--now", NOW, license.trim()]);
    assert_eq!(code, 4, "{err}");
    let shown: serde_json::Value =
        serde_json::from_str(&w.ok(&["partner", "show", "--json", "@reseller.cert"])).unwrap();
    let key_id = shown[0]["key_id"].as_str().unwrap();
    assert!(err.contains(&format!("signed by key {key_id}")), "{err}");
    assert!(err.contains("certificate chain"), "{err}");
}

/// `entitle issue` with the signing key `key` (`--key`), or with
/// `ENTITLE_SIGNING_KEY` set to `env`.
fn issue_with(w: &World, key: Option<&str>, env: Option<&str>) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_entitle"));
    command
        .current_dir(w.path("."))
        .env_remove("ENTITLE_SIGNING_KEY");
    command.args(["issue", "--product", "starface", "--edition", "compact"]);
    command.args(["--seats", "3", "--perpetual"]);
    if let Some(key) = key {
        command.args(["--key", key]);
    }
    if let Some(env) = env {
        command.env("ENTITLE_SIGNING_KEY", env);
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn key_files_as_people_have_them_get_a_message_with_the_fix() {
    let w = World::new();
    let (code, err) = issue_with(&w, None, Some(""));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("ENTITLE_SIGNING_KEY: ") && err.contains("it is empty"),
        "{err}"
    );

    // Indented, as a wiki or a mail shows it: read.
    let pem = w.read("vendor.secret.pem");
    let indented: String = pem.lines().map(|l| format!("    {l}\n")).collect();
    let (code, err) = issue_with(&w, None, Some(&indented));
    assert_eq!(code, 0, "{err}");

    fs::copy(w.path("vendor.public.pem"), w.path("public-as-secret.pem")).unwrap();
    let (code, err) = issue_with(&w, Some("public-as-secret.pem"), None);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("this is a public key"), "{err}");

    let encrypted = Command::new("openssl")
        .args([
            "pkcs8",
            "-topk8",
            "-in",
            "vendor.secret.pem",
            "-out",
            "encrypted.pem",
        ])
        .args(["-passout", "pass:secret"])
        .current_dir(w.path("."))
        .output()
        .unwrap();
    assert!(encrypted.status.success(), "openssl: {:?}", encrypted);
    let (code, err) = issue_with(&w, Some("encrypted.pem"), None);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("encrypted with a passphrase") && err.contains("openssl pkey"),
        "{err}"
    );

    let der = Command::new("openssl")
        .args([
            "pkey",
            "-in",
            "vendor.secret.pem",
            "-outform",
            "DER",
            "-out",
            "key.der",
        ])
        .current_dir(w.path("."))
        .output()
        .unwrap();
    assert!(der.status.success(), "openssl: {:?}", der);
    let (code, err) = issue_with(&w, Some("key.der"), None);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("binary (DER?)") && err.contains("-inform DER"),
        "{err}"
    );
}

#[test]
fn issue_names_unknown_names_and_absurd_counts() {
    let w = World::new();
    let catalog = format!("{}/starface/catalog.toml", common::world::EXAMPLE);
    let issue = |extra: &[&str]| {
        let mut args = vec![
            "issue",
            "--key",
            "vendor.secret.pem",
            "--expires",
            "2030-01-01",
        ];
        args.extend_from_slice(extra);
        w.run(&args)
    };
    let (code, _, err) = issue(&[
        "--catalog",
        &catalog,
        "--product",
        "starfcae",
        "--edition",
        "compact",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("did you mean \"starface\""), "{err}");
    let pcvisit = format!("{}/pcvisit/catalog.toml", common::world::EXAMPLE);
    let (code, _, err) = issue(&[
        "--catalog",
        &pcvisit,
        "--product",
        "pcvisit",
        "--edition",
        "remotesimple",
        "--feature",
        "extendet",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("did you mean \"extended\""), "{err}");
    // Without a catalog nothing is checked, and issue says so.
    let (code, out, err) = issue(&[
        "--product",
        "starfcae",
        "--edition",
        "compact",
        "--seats",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ent1."));
    assert!(
        err.contains("no --catalog") && err.contains("not checked"),
        "{err}"
    );
    let (code, _, err) = issue(&[
        "--product",
        "starface",
        "--edition",
        "compact",
        "--seats",
        "4294967295",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("more than 100000 is refused"), "{err}");
}

#[test]
fn with_json_every_verb_fails_in_json() {
    let w = World::new();
    let cases: [&[&str]; 12] = [
        &[
            "issue",
            "--json",
            "--key",
            "vendor.secret.pem",
            "--product",
            "x",
            "--edition",
            "y",
            "--seats",
            "0",
            "--perpetual",
        ],
        &[
            "verify",
            "--json",
            "--public",
            "vendor.public.pem",
            "ent1.AAAA",
        ],
        &["inspect", "--json", "ent1.AAAA"],
        &[
            "allocate",
            "--json",
            "--public",
            "vendor.public.pem",
            "--users",
            "missing.csv",
            "ent1.AAAA",
        ],
        &[
            "partner",
            "certify",
            "--json",
            "--key",
            "missing.key",
            "--subject",
            "x.pub",
            "--name",
            "n",
            "--role",
            "reseller",
            "--not-after",
            "2030-01-01",
        ],
        &["partner", "show", "--json", "entc1.AAAA"],
        &[
            "activate",
            "request",
            "--json",
            "--state-dir",
            "app",
            "--license",
            "ent1.AAAA",
        ],
        &[
            "activate",
            "respond",
            "--json",
            "--key",
            "missing.key",
            "--ledger",
            "l",
            "--license",
            "ent1.AAAA",
            "entq1.AAAA",
        ],
        &[
            "activate",
            "accept",
            "--json",
            "--public",
            "vendor.public.pem",
            "--state-dir",
            "app",
            "--license",
            "ent1.AAAA",
            "enta1.AAAA",
        ],
        &[
            "activate",
            "deactivate",
            "--json",
            "--state-dir",
            "app",
            "--license",
            "ent1.AAAA",
        ],
        &[
            "revoke",
            "--json",
            "--key",
            "missing.key",
            "--sequence",
            "1",
            "--serial",
            "00",
        ],
        &[
            "renew",
            "--json",
            "--key",
            "missing.key",
            "--license",
            "ent1.AAAA",
            "--perpetual",
        ],
    ];
    for args in cases {
        let out = common::world::run_in(w.path(".").as_path(), args);
        let code = out.status.code().unwrap();
        assert!(code == 3 || code == 4, "{args:?}: exit {code}");
        let err = String::from_utf8(out.stderr).unwrap();
        let json: serde_json::Value = serde_json::from_str(err.trim())
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {err}"));
        assert_eq!(json["error"]["code"], code, "{args:?}");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[test]
fn completions_and_the_manual_page_come_from_the_command_itself() {
    let w = World::new();
    for shell in ["bash", "zsh", "fish"] {
        let script = w.ok(&["completions", shell]);
        for verb in ["issue", "verify", "allocate", "activate", "revoke"] {
            assert!(script.contains(verb), "{shell}: {verb} missing");
        }
    }
    let page = w.ok(&["man"]);
    assert!(page.contains(".TH entitle 1"), "{page}");
    assert!(page.contains("verify"), "{page}");
}
