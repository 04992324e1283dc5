//! The appliance holds against someone with its disk, and receipts cannot
//! be forged: each finding of the security review, through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;

use common::copy_dir;
use common::world::{NOW, T0, World};
use entitle_issue::SigningKey;
use entitle_lifecycle::{Activation, Receipt, Signed};
use serde_json::Value;

/// The reseller answers `request`, with a receipt if given.
fn respond(
    w: &World,
    license: &str,
    request: &str,
    receipt: Option<&str>,
) -> (i32, String, String) {
    let mut args = vec![
        "activate",
        "respond",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--public",
        "vendor.public.pem",
        "--ledger",
        "reseller.key.ledger",
        "--now",
        NOW,
        "--license",
        license,
    ];
    if let Some(receipt) = receipt {
        args.extend(["--receipt", receipt]);
    }
    args.push(request);
    w.run(&args)
}

fn runs_on(w: &World, state: &str, machine: &str, extra: &[&str]) -> (i32, String) {
    let mut args = vec![
        "--now",
        NOW,
        "--state-dir",
        state,
        "--machine-id",
        machine,
        "--require-activation",
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = w.verify(&args);
    (code, err)
}

/// A reseller license activated on machine A (state `a`).
fn activated_on_a(grants: &[&str]) -> (World, String) {
    let w = World::new();
    w.partners(grants);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    let (code, err) = w.activate(
        "a",
        "machine-a",
        &license,
        "reseller.key",
        Some("reseller.cert"),
    );
    assert_eq!(code, 0, "{err}");
    (w, license)
}

#[test]
fn a_receipt_whose_activation_chains_to_no_trusted_key_is_refused() {
    let (w, license) = activated_on_a(&["issue", "activate"]);
    let serial = w.serial(&license);
    // A receipt made up end to end: an "activation" signed by a key of the
    // forger's, ended by an "appliance" key of the forger's.
    let forger = SigningKey::generate().unwrap();
    let appliance = SigningKey::generate().unwrap();
    let serial: [u8; 8] = u64::from_str_radix(&serial, 16).unwrap().to_be_bytes();
    let activation = Signed::sign(
        Activation {
            version: 1,
            signer: forger.id().0,
            serial,
            fingerprint: [1; 16],
            nonce: [2; 8],
            appliance: appliance.public_key().to_bytes(),
            issued_at: 1_800_000_000,
            store: None,
        },
        &forger,
    )
    .unwrap();
    let receipt = Signed::sign(
        Receipt {
            version: 1,
            signer: appliance.id().0,
            activation: activation.text().to_string(),
            deactivated_at: 1_800_000_000,
        },
        &appliance,
    )
    .unwrap();
    let receipt = w.write("forged.receipt", receipt.text());
    let b = w.request("b", "machine-b", &license, &[]);
    let (code, _, err) = respond(&w, &license, &b, Some(&receipt));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("does not chain to a trusted key"), "{err}");
}

#[test]
fn a_receipt_is_spent_once_and_a_second_machine_needs_one() {
    let (w, license) = activated_on_a(&["issue", "activate"]);
    // Machine B without a receipt: A holds the license.
    let b = w.request("b", "machine-b", &license, &[]);
    let (code, _, err) = respond(&w, &license, &b, None);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("activated on another machine"), "{err}");
    // A deactivates; its receipt moves the license to B ...
    let receipt = w.deactivate("a", "machine-a", &license);
    let (code, _, err) = respond(&w, &license, &b, Some(&receipt));
    assert_eq!(code, 0, "{err}");
    // ... once: the same receipt does not move it to C as well.
    fs::write(w.path("machine-c"), "machine-c\n").unwrap();
    let c = w.request("c", "machine-c", &license, &[]);
    let (code, _, err) = respond(&w, &license, &c, Some(&receipt));
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("a receipt is spent once"), "{err}");
    let (code, _, err) = respond(&w, &license, &c, None);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("activated on another machine"), "{err}");
}

#[test]
fn revoking_a_move_receipt_ends_only_the_old_machine() {
    let (w, license) = activated_on_a(&["issue", "activate", "revoke"]);
    // Root keeps a copy of A's state from before the move.
    copy_dir(&w.path("a"), &w.path("a-backup"));
    let receipt = w.deactivate("a", "machine-a", &license);
    let b = w.request("b", "machine-b", &license, &[]);
    let (code, response, err) = respond(&w, &license, &b, Some(&receipt));
    assert_eq!(code, 0, "{err}");
    let response = w.write("b.response", &response);
    let (code, err) = w.accept("b", "machine-b", &license, &response, &[]);
    assert_eq!(code, 0, "{err}");
    let list = w.ok(&[
        "revoke",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--public",
        "vendor.public.pem",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--receipt",
        &receipt,
    ]);
    let list = w.write("list.txt", &list);
    // The restored backup of A: its activation is revoked.
    let (code, err) = runs_on(&w, "a-backup", "machine-a", &[&license, &list]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("this activation was revoked"), "{err}");
    // B keeps the license.
    let (code, err) = runs_on(&w, "b", "machine-b", &[&license, &list]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_customer_cannot_activate_the_vendors_license() {
    let w = World::new();
    w.customer("FIRMA-000123");
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let cert = w.ok(&[
        "partner",
        "certify",
        "--key",
        "vendor.secret.pem",
        "--now",
        T0,
        "--subject",
        "customer.pub",
        "--name",
        "Firma",
        "--role",
        "customer",
        "--grant",
        "activate",
        "--tenant",
        "FIRMA-000123",
        "--not-after",
        "2029-01-01",
    ]);
    w.write("granted.cert", &cert);
    // `activate respond` refuses to sign what every appliance refuses: the
    // preset grants no activation, and a customer granted `activate`
    // explicitly activates only the licenses it issued itself.
    let request = w.request("a", "machine-a", &license, &[]);
    for (cert, why) in [
        ("customer.cert", "may not activate"),
        ("granted.cert", "only the key that issued license"),
    ] {
        let (code, out, err) = w.run(&[
            "activate",
            "respond",
            "--key",
            "customer.key",
            "--cert",
            cert,
            "--public",
            "vendor.public.pem",
            "--ledger",
            "customer.key.ledger",
            "--now",
            NOW,
            "--license",
            &license,
            &request,
        ]);
        assert_eq!((code, out.as_str()), (4, ""), "{err}");
        assert!(err.contains(why), "{err}");
    }
    // Signed past those checks (the customer's own code), the appliance
    // refuses the response on every machine.
    let key = SigningKey::from_pem(&w.read("customer.key")).unwrap();
    fs::write(w.path("machine-c"), "machine-c\n").unwrap();
    for machine in ["machine-a", "machine-b", "machine-c"] {
        let state = format!("{machine}-state");
        let request = w.request(&state, machine, &license, &[]);
        let request =
            entitle_lifecycle::Request::from_text(w.read(request.trim_start_matches('@')).trim())
                .unwrap();
        let answer = Activation::answer(&request, key.id(), 1_800_000_000);
        let signed = Signed::sign(answer, &key).unwrap();
        let response = w.write(
            &format!("{state}.response"),
            &format!("{}\n{}", signed.text(), w.read("granted.cert")),
        );
        let (code, err) = w.accept(&state, machine, &license, &response, &[]);
        assert_eq!(code, 4, "{machine}: {err}");
        assert!(
            err.contains("which issued the license, activates it"),
            "{err}"
        );
    }
}

#[test]
fn a_revoked_partners_list_counts_for_nothing() {
    let w = World::new();
    w.partners(&["issue", "revoke"]);
    let own = w.license("own.txt", "reseller.key", Some("reseller.cert"), &[]);
    let list = w.revoke(
        "partner-list.txt",
        "reseller.key",
        Some("reseller.cert"),
        &[&own],
    );
    let shown: Value =
        serde_json::from_str(&w.ok(&["partner", "show", "--json", "@reseller.cert"])).unwrap();
    let reseller = shown[0]["serial"].as_str().unwrap().to_string();
    let vendor_list = w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--certificate",
        &reseller,
    ]);
    let vendor_list = w.write("vendor-list.txt", &vendor_list);
    let (_, json, _) = w.verify(&["--now", NOW, &list, &vendor_list, "@reseller.cert"]);
    let verdicts: Vec<(String, String)> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["verdict"].as_str().unwrap().to_string(),
                i["reason"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(verdicts[0].0, "refused", "{json}");
    assert!(verdicts[0].1.contains("was revoked"), "{json}");
}

#[test]
fn two_lists_with_one_sequence_number_both_revoke() {
    let w = World::new();
    let x = w.license("x.txt", "vendor.secret.pem", None, &[]);
    let y = w.license(
        "y.txt",
        "vendor.secret.pem",
        None,
        &["--tenant", "FIRMA-000999"],
    );
    let a = w.revoke("a.txt", "vendor.secret.pem", None, &[&x]);
    let b = w.revoke("b.txt", "vendor.secret.pem", None, &[&y]);
    for order in [[&a, &b], [&b, &a]] {
        let (code, json, err) = w.verify(&["--now", NOW, &x, &y, order[0], order[1]]);
        assert_eq!(code, 4, "neither license counts: {json}");
        assert!(err.contains("was revoked"), "{err}");
        assert!(json["licenses"].as_array().unwrap().is_empty(), "{json}");
    }
    // An appliance that saw one keeps both once it saw the other.
    let (code, _, _) = w.verify(&["--state-dir", "app", "--now", NOW, &x, &y, &a]);
    assert_eq!(code, 0, "y still counts");
    let (code, _, _) = w.verify(&["--state-dir", "app", "--now", NOW, &x, &y, &b]);
    assert_eq!(code, 4);
    let (code, _, _) = w.verify(&["--state-dir", "app", "--now", NOW, &x, &y]);
    assert_eq!(code, 4, "both lists remembered");
}

/// Accepts the reseller's response to `state`'s request on `machine`,
/// with `extra` arguments (a `--tpm`).
fn activate_on(w: &World, state: &str, machine: &str, license: &str, extra: &[&str]) -> String {
    let request = w.request(state, machine, license, extra);
    let (code, response, err) = respond(w, license, &request, None);
    assert_eq!(code, 0, "{err}");
    let response = w.write(&format!("{state}.response"), &response);
    let (code, err) = w.accept(state, machine, license, &response, extra);
    assert_eq!(code, 0, "{err}");
    response
}

#[test]
fn deleting_the_state_and_its_key_but_keeping_the_activation_key_is_refused() {
    let w = World::new();
    w.partners(&["issue", "activate"]);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    let response = activate_on(&w, "a", "machine-a", &license, &[]);
    for file in [
        "state.json",
        "appliance.key",
        "appliance.pub",
        "counter.json",
    ] {
        fs::remove_file(w.path("a").join(file)).unwrap();
    }
    let (code, err) = runs_on(&w, "a", "machine-a", &[&license, &response]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("appliance state missing or altered: re-activate"),
        "{err}"
    );
    assert!(
        !w.path("a").join("state.json").exists(),
        "nothing started afresh"
    );
}

#[test]
fn restoring_an_older_state_file_is_refused() {
    let w = World::new();
    let x = w.license("x.txt", "vendor.secret.pem", None, &[]);
    let (code, _, err) = w.verify(&["--state-dir", "app", "--now", NOW, &x]);
    assert_eq!(code, 0, "{err}");
    let old = fs::read(w.path("app").join("state.json")).unwrap();
    // The appliance then sees a revocation list ...
    let list = w.revoke("list.txt", "vendor.secret.pem", None, &[&x]);
    let (code, _, _) = w.verify(&["--state-dir", "app", "--now", NOW, &x, &list]);
    assert_eq!(code, 4);
    // ... root puts the older (validly signed) state file back.
    fs::write(w.path("app").join("state.json"), old).unwrap();
    let (code, _, err) = w.verify(&["--state-dir", "app", "--now", NOW, &x]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("restored from an older copy"), "{err}");
}

#[cfg(feature = "tpm")]
mod tpm {
    //! The TPM platform against a software TPM: `.ci/run` starts two swtpm
    //! instances and names them in ENTITLE_TEST_TPM and ENTITLE_TEST_TPM2.
    //! With the feature on and no TPM named, these tests fail: they are
    //! never skipped.

    use super::*;

    /// One test at a time on the software TPM: it is reached over TCP
    /// without a resource manager, so two tests loading keys at once can
    /// fill its few object slots ("out of memory for object contexts").
    /// An appliance reaches its TPM through the kernel's resource manager
    /// (`device:/dev/tpmrm0`), which does not have that limit.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn tcti(var: &str) -> String {
        std::env::var(var).unwrap_or_else(|_| {
            panic!("{var} names no TPM (e.g. swtpm:host=127.0.0.1,port=2321); .ci/run starts one")
        })
    }

    #[test]
    fn on_a_tpm_a_restored_copy_of_the_whole_state_directory_is_refused() {
        let _tpm = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let w = World::new();
        let tpm = tcti("ENTITLE_TEST_TPM");
        w.partners(&["issue", "activate"]);
        let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
        activate_on(&w, "a", "machine-a", &license, &["--tpm", &tpm]);
        assert!(w.path("a").join("sealed.json").exists());
        assert!(
            !w.path("a").join("appliance.key").exists(),
            "no key on disk"
        );
        let boot = |w: &World| {
            let (code, _, err) = w.verify(&[
                "--now",
                NOW,
                "--state-dir",
                "a",
                "--tpm",
                &tpm,
                "--require-activation",
                &license,
            ]);
            (code, err)
        };
        assert_eq!(boot(&w).0, 0);
        // Root copies every file of the directory, the appliance runs on,
        // root puts the whole copy back: the TPM's counter has moved on.
        copy_dir(&w.path("a"), &w.path("copy"));
        assert_eq!(boot(&w).0, 0);
        fs::remove_dir_all(w.path("a")).unwrap();
        copy_dir(&w.path("copy"), &w.path("a"));
        let (code, err) = boot(&w);
        assert_eq!(code, 4, "{err}");
        assert!(err.contains("restored from an older copy"), "{err}");
    }

    /// The NV counter's index was 16 bits of a hash of the state
    /// directory's path: a backup put at a path whose index equals a fresh
    /// state directory's (raised to the backup's count by plain runs) was
    /// accepted, with what was revoked since. The index follows the
    /// sealing key now: a restored state meets its own counter, wherever it
    /// is put.
    #[test]
    fn on_a_tpm_a_restored_copy_is_refused_at_any_path() {
        use sha2::{Digest as _, Sha256};
        use std::path::Path;
        let _tpm = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let w = World::new();
        let tpm = tcti("ENTITLE_TEST_TPM");
        w.partners(&["issue", "activate"]);
        let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
        activate_on(&w, "a", "machine-a", &license, &["--tpm", &tpm]);
        let boot = |state: &str| {
            let (code, _, err) = w.verify(&[
                "--now",
                NOW,
                "--state-dir",
                state,
                "--tpm",
                &tpm,
                "--require-activation",
                &license,
            ]);
            (code, err)
        };
        let counter = |state: &str| -> u64 {
            let file: Value =
                serde_json::from_str(&w.read(&format!("{state}/state.json"))).unwrap();
            file["state"]["counter"].as_u64().unwrap()
        };
        assert_eq!(boot("a").0, 0);
        copy_dir(&w.path("a"), &w.path("backup"));
        let backed_up = counter("backup");
        // A fresh state directory on the same TPM, raised to the backup's
        // count by plain runs (a new counter starts at the TPM's highest).
        for _ in 0..64 {
            let (code, _, err) = w.verify(&[
                "--now",
                NOW,
                "--state-dir",
                "fresh",
                "--tpm",
                &tpm,
                &license,
            ]);
            assert_eq!(code, 0, "{err}");
            if counter("fresh") >= backed_up {
                break;
            }
        }
        assert_eq!(
            counter("fresh"),
            backed_up,
            "the fresh counter passed the backup's"
        );
        // The appliance runs on (a revocation, say): its counter moves on.
        assert_eq!(boot("a").0, 0);
        // A path whose 16-bit path index is the fresh directory's.
        let index = |path: &Path| {
            let digest = Sha256::digest(path.to_string_lossy().as_bytes());
            [digest[0], digest[1]]
        };
        let base = fs::canonicalize(w.dir.path()).unwrap();
        let target = index(&fs::canonicalize(w.path("fresh")).unwrap());
        let name = (0u32..)
            .map(|n| format!("p{n}"))
            .find(|name| index(&base.join(name)) == target)
            .unwrap();
        copy_dir(&w.path("backup"), &w.path(&name));
        let (code, err) = boot(&name);
        assert_eq!(code, 4, "the backup verified at {name}: {err}");
        assert!(err.contains("restored from an older copy"), "{err}");
    }

    #[test]
    fn on_a_tpm_the_state_copied_to_another_machine_is_refused() {
        let _tpm = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        let w = World::new();
        let (tpm, other) = (tcti("ENTITLE_TEST_TPM"), tcti("ENTITLE_TEST_TPM2"));
        w.partners(&["issue", "activate"]);
        let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
        activate_on(&w, "a", "machine-a", &license, &["--tpm", &tpm]);
        // The whole directory, and the same machine-id file, on a machine
        // with another TPM.
        let (code, _, err) = w.verify(&[
            "--now",
            NOW,
            "--state-dir",
            "a",
            "--tpm",
            &other,
            "--require-activation",
            &license,
        ]);
        assert_eq!(code, 4, "{err}");
        assert!(err.contains("appliance state missing or altered"), "{err}");
    }
}
