//! The air-gapped life cycle end to end, with the real `entitle` binary:
//! partner delegation, offline activation, rehosting, revocation, renewal,
//! clock rollback, switching between bundled and own licenses.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::fs;

use common::world::{EXAMPLE, LATER, NOW, T0, World, seats};
use serde_json::Value;

// ---- partner delegation ------------------------------------------------

#[test]
fn vendor_to_distributor_to_reseller_to_an_activated_customer_appliance_offline() {
    let w = World::new();
    w.partners(&["issue", "activate"]);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    let (code, json, err) = w.verify(&["--now", NOW, &license]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 3);

    let (code, err) = w.activate(
        "appliance",
        "machine-a",
        &license,
        "reseller.key",
        Some("reseller.cert"),
    );
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = w.verify(&[
        "--now",
        NOW,
        "--state-dir",
        "appliance",
        "--machine-id",
        "machine-a",
        "--require-activation",
        &license,
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 3);

    // Without activation on this appliance, nothing.
    let (code, _, err) = w.verify(&[
        "--now",
        NOW,
        "--state-dir",
        "other",
        "--machine-id",
        "machine-a",
        "--require-activation",
        &license,
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("not activated on this machine"), "{err}");
}

#[test]
fn the_same_response_on_another_machine_is_refused() {
    let w = World::new();
    w.partners(&["issue", "activate"]);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    assert_eq!(
        w.activate(
            "appliance",
            "machine-a",
            &license,
            "reseller.key",
            Some("reseller.cert")
        )
        .0,
        0
    );
    // Copy the whole appliance state to machine B, response included.
    fs::create_dir_all(w.path("copy")).unwrap();
    for entry in fs::read_dir(w.path("appliance")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), w.path("copy").join(entry.file_name())).unwrap();
    }
    let (code, _, err) = w.verify(&[
        "--now",
        NOW,
        "--state-dir",
        "copy",
        "--machine-id",
        "machine-b",
        "--require-activation",
        &license,
    ]);
    assert_eq!(code, 4);
    assert!(
        err.contains("activation refused: it is for another machine"),
        "{err}"
    );
    // And machine B cannot accept it for its own request either.
    w.request("b", "machine-b", &license, &[]);
    let (code, err) = w.accept("b", "machine-b", &license, "@appliance.response", &[]);
    assert_eq!(code, 4);
    assert!(err.contains("activation refused"), "{err}");
}

#[test]
fn a_reseller_trying_to_widen_its_limits_is_refused() {
    let w = World::new();
    w.partners(&["issue", "activate", "delegate"]);
    // More seats per key than its 25.
    let big = w.license(
        "big.txt",
        "reseller.key",
        Some("reseller.cert"),
        &["--seats", "30"],
    );
    let (code, _, err) = w.verify(&["--now", NOW, &big]);
    assert_eq!(code, 4);
    assert!(err.contains("may issue at most 25 seats per key"), "{err}");
    // Another edition than its compact.
    let other = w.license(
        "other.txt",
        "reseller.key",
        Some("reseller.cert"),
        &["--edition", "appliance"],
    );
    let (code, _, err) = w.verify(&["--now", NOW, &other]);
    assert_eq!(code, 4);
    assert!(
        err.contains("edition starface appliance is outside its limits"),
        "{err}"
    );
    // Beyond its window.
    let long = w.license(
        "long.txt",
        "reseller.key",
        Some("reseller.cert"),
        &["--expires", "2029-06-01"],
    );
    assert_eq!(w.verify(&["--now", NOW, &long]).0, 4);
    // Certifying a sub-reseller wider than itself: refused before signing
    // (it has no depth to delegate with, and asks for 100 seats).
    w.keygen("sub");
    let (code, _, err) = w.run(&[
        "partner",
        "certify",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--public",
        "vendor.public.pem",
        "--now",
        NOW,
        "--subject",
        "sub.pub",
        "--name",
        "Sub",
        "--role",
        "reseller",
        "--grant",
        "issue",
        "--max-seats",
        "100",
        "--product",
        "starface:compact",
        "--not-after",
        "2028-06-01",
    ]);
    assert_eq!(code, 4);
    assert!(err.contains("certificate chain refused"), "{err}");
    // Nor without --public: a partner's chain is always checked.
    let (code, _, err) = w.run(&[
        "partner",
        "certify",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--now",
        NOW,
        "--subject",
        "sub.pub",
        "--name",
        "Sub",
        "--role",
        "reseller",
        "--grant",
        "issue",
        "--not-after",
        "2028-06-01",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("must give --public"), "{err}");
    // Signed anyway, with the library: the appliance refuses the chain.
    let cert = {
        use entitle_lifecycle::{Capability, Certificate, Limits, ProductLimit, Role, Signed};
        let reseller = entitle_issue::SigningKey::from_pem(&w.read("reseller.key")).unwrap();
        let sub = entitle_issue::public_key_from_pem(&w.read("sub.pub")).unwrap();
        let wider = Certificate {
            version: 1,
            signer: reseller.id().0,
            serial: [7; 8],
            subject: sub.to_bytes(),
            name: "Sub".into(),
            role: Role::Reseller,
            granted: vec![Capability::Issue],
            depth: 0,
            limits: Limits {
                products: vec![ProductLimit {
                    product: "starface".into(),
                    editions: vec!["compact".into()],
                }],
                max_seats: Some(100),
                not_before: 1_800_000_000,
                not_after: 1_843_000_000,
                tenants: vec![],
            },
            issued_at: 1_800_000_000,
        };
        let mut text = Signed::sign(wider, &reseller).unwrap().text().to_string();
        text.push('\n');
        text.push_str(&w.read("reseller.cert"));
        text
    };
    w.write("sub.cert", &cert);
    let sub = w.license("sub.txt", "sub.key", Some("sub.cert"), &[]);
    let (code, _, err) = w.verify(&["--now", NOW, &sub]);
    assert_eq!(code, 4);
    assert!(
        err.contains("certificate chain refused: Reseller certified Sub"),
        "{err}"
    );
}

#[test]
fn a_reseller_with_the_plain_preset_cannot_activate() {
    let w = World::new();
    w.partners(&["issue"]); // no explicit "activate"
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    let request = w.request("app", "machine-a", &license, &[]);
    let (code, _, err) = w.run(&[
        "activate",
        "respond",
        "--ledger",
        "reseller.key.ledger",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--public",
        "vendor.public.pem",
        "--now",
        NOW,
        "--license",
        &license,
        &request,
    ]);
    assert_eq!(code, 4);
    assert!(
        err.contains("Reseller (reseller) may not activate: its certificate does not grant it"),
        "{err}"
    );
    // Signed anyway: the appliance refuses it.
    let response = w.ok(&[
        "activate",
        "respond",
        "--ledger",
        "reseller.key.ledger",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--now",
        NOW,
        "--license",
        &license,
        &request,
    ]);
    let response = w.write("response.txt", &response);
    let (code, err) = w.accept("app", "machine-a", &license, &response, &[]);
    assert_eq!(code, 4);
    assert!(err.contains("may not activate"), "{err}");
}

#[test]
fn a_reseller_trying_to_revoke_is_refused_it_is_not_its_role() {
    let w = World::new();
    w.partners(&["issue", "activate"]);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    let serial = w.verify(&["--now", NOW, &license]).1["licenses"][0]["serials"][0]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _, err) = w.run(&[
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
        "--serial",
        &serial,
    ]);
    assert_eq!(code, 4);
    assert!(err.contains("may not revoke"), "{err}");
    // Signed anyway: the list is refused and the license keeps working.
    let list = w.ok(&[
        "revoke",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--serial",
        &serial,
    ]);
    let list = w.write("list.txt", &list);
    let (code, json, err) = w.verify(&["--now", NOW, &license, &list]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 3);
    assert!(
        json["rejected"].to_string().contains("may not revoke"),
        "{json}"
    );
}

#[test]
fn rehosting_with_a_deactivation_receipt() {
    let w = World::new();
    w.partners(&["issue", "activate"]);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    assert_eq!(
        w.activate(
            "old",
            "machine-a",
            &license,
            "reseller.key",
            Some("reseller.cert")
        )
        .0,
        0
    );
    let receipt = w.deactivate("old", "machine-a", &license);
    assert!(
        w.read(receipt.trim_start_matches('@'))
            .starts_with("entd1.")
    );
    assert!(
        !w.path("old").read_dir().unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("activation-")),
        "the license key is gone"
    );

    // The new machine, with the receipt.
    let request = w.request("new", "machine-b", &license, &[]);
    let response = w.ok(&[
        "activate",
        "respond",
        "--ledger",
        "reseller.key.ledger",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--public",
        "vendor.public.pem",
        "--now",
        NOW,
        "--license",
        &license,
        "--receipt",
        &receipt,
        &request,
    ]);
    let response = w.write("new.response", &response);
    let (code, err) = w.accept("new", "machine-b", &license, &response, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = w.verify(&[
        "--now",
        NOW,
        "--state-dir",
        "new",
        "--machine-id",
        "machine-b",
        "--require-activation",
        &license,
    ]);
    assert_eq!(code, 0, "{err}");

    // The old machine: its old response, pasted again, no longer works.
    let (code, _, err) = w.verify(&[
        "--now",
        NOW,
        "--state-dir",
        "old",
        "--machine-id",
        "machine-a",
        "--require-activation",
        &license,
        "@old.response",
    ]);
    assert_eq!(code, 4);
    assert!(
        err.contains("does not hold the key it was activated for"),
        "{err}"
    );

    // A forged receipt (another license's key) is refused.
    let (code, _, err) = w.run(&[
        "activate",
        "respond",
        "--ledger",
        "reseller.key.ledger",
        "--key",
        "reseller.key",
        "--now",
        NOW,
        "--license",
        &license,
        "--receipt",
        "entd1.AAAA",
        &request,
    ]);
    assert_eq!(code, 4, "{err}");
}

#[test]
fn a_customer_destroys_its_own_key() {
    let w = World::new();
    w.customer("FIRMA-000123");
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let list = w.revoke(
        "list.txt",
        "customer.key",
        Some("customer.cert"),
        &[&license],
    );
    let (code, _, err) = w.verify(&["--now", NOW, &license, &list]);
    assert_eq!(code, 4);
    assert!(err.contains("was revoked"), "{err}");
}

#[test]
fn customers_get_free_extra_keys_only_out_of_their_annual_licenses() {
    let w = World::new();
    w.customer("FIRMA-000123");
    let extra = |name: &str, seats: &str, term: &[&str]| {
        let mut args = vec!["--seats", seats];
        args.extend_from_slice(term);
        w.license(name, "customer.key", Some("customer.cert"), &args)
    };
    let annual_term: &[&str] = &["--expires", "2028-01-01"];
    // Holding no license at all, the preset's extra keys give nothing.
    let first = extra("first.txt", "3", annual_term);
    let (code, _, err) = w.verify(&["--now", NOW, &first]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("out of the annual-model licenses"), "{err}");

    // With an annual-model license of 3 seats from the vendor, extra keys
    // up to 3 seats count; more do not, nor a perpetual one.
    let annual = w.license("annual.txt", "vendor.secret.pem", None, annual_term);
    let second = extra("second.txt", "2", annual_term);
    let perpetual = extra("perpetual.txt", "1", &["--perpetual"]);
    let (code, json, err) = w.verify(&["--now", NOW, &annual, &first, &second, &perpetual]);
    assert_eq!(code, 0, "{err}");
    // 3 bought, and of the extra keys (3 and 2, issued in the same second)
    // the one that fits: 3 + 3 or 3 + 2, never 3 + 5.
    let seats = json["licenses"][0]["seats"].as_u64().unwrap();
    assert!(seats == 6 || seats == 5, "{json}");
    let rejected = json["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 2, "{json}");
    let over = rejected
        .iter()
        .find(|r| r["token"] != w.read("perpetual.txt").lines().next().unwrap())
        .unwrap();
    assert!(
        over["reason"]
            .as_str()
            .unwrap()
            .contains("out of the annual-model licenses FIRMA-000123 holds"),
        "{json}"
    );
}

// ---- revocation lists ----------------------------------------------------

#[test]
fn an_old_revocation_list_given_again_un_revokes_nothing() {
    let w = World::new();
    let a = w.license("a.txt", "vendor.secret.pem", None, &[]);
    let b = w.license(
        "b.txt",
        "vendor.secret.pem",
        None,
        &["--tenant", "FIRMA-000999"],
    );
    let serial = |file: &str| {
        w.verify(&["--now", NOW, file]).1["licenses"][0]["serials"][0]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (sa, sb) = (serial(&a), serial(&b));
    let one = w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--serial",
        &sa,
    ]);
    let one = w.write("list1.txt", &one);
    let two = w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        LATER,
        "--sequence",
        "2",
        "--serial",
        &sa,
        "--serial",
        &sb,
    ]);
    let two = w.write("list2.txt", &two);

    let (code, _, _) = w.verify(&["--now", LATER, "--state-dir", "app", &b, &two]);
    assert_eq!(code, 4, "b is revoked by list 2");
    // List 1 does not name b: given again, it revokes what it names (a),
    // and list 2, which the appliance remembers, still applies.
    let (code, json, err) = w.verify(&["--now", LATER, "--state-dir", "app", &b, &one, &a]);
    assert_eq!(code, 4, "{err}");
    assert!(json["licenses"].as_array().unwrap().is_empty(), "{json}");
    assert!(err.contains("was revoked"), "{err}");
    // Without a state directory there is no memory, and list 1 alone does not revoke b.
    assert_eq!(w.verify(&["--now", LATER, &b, &one]).0, 0);
}

// ---- clock -----------------------------------------------------------------

#[test]
fn a_clock_set_back_is_refused() {
    let w = World::new();
    let license = w.license(
        "license.txt",
        "vendor.secret.pem",
        None,
        &["--expires", "2027-03-01"],
    );
    assert_eq!(
        w.verify(&["--now", "2027-02-01", "--state-dir", "app", &license])
            .0,
        0
    );
    assert_eq!(
        w.verify(&["--now", "2027-02-20", "--state-dir", "app", &license])
            .0,
        0
    );
    let (code, _, err) = w.verify(&["--now", "2027-03-05", "--state-dir", "app", &license]);
    assert_eq!(code, 5, "expired");
    assert!(err.contains("expired"), "{err}");
    // Set the clock back to before the expiry: refused.
    let (code, _, err) = w.verify(&["--now", "2027-02-25", "--state-dir", "app", &license]);
    assert_eq!(code, 5);
    assert!(err.contains("the clock was set back: it reads 2027-02-25T00:00:00Z, but this appliance has seen 2027-03-05T00:00:00Z"), "{err}");
    // Within the tolerance (default 10 minutes) is fine.
    assert_eq!(
        w.verify(&[
            "--now",
            "2027-03-04T23:55:00Z",
            "--state-dir",
            "app",
            "--clock-tolerance",
            "600",
            &license
        ])
        .0,
        5,
        "expired, not set back"
    );
}

#[test]
fn losing_or_editing_the_state_does_not_bring_an_expired_license_back() {
    let w = World::new();
    let license = w.license(
        "license.txt",
        "vendor.secret.pem",
        None,
        &["--expires", "2027-03-01"],
    );
    // The appliance signs its state (the key is made at its first save).
    w.ok(&[
        "activate",
        "request",
        "--state-dir",
        "app",
        "--machine-id",
        "machine-a",
        "--license",
        &license,
        "--now",
        "2027-02-01",
    ]);
    assert_eq!(
        w.verify(&["--now", "2027-03-05", "--state-dir", "app", &license])
            .0,
        5
    );

    // Edited: the high-water mark lowered by hand.
    let state = w.read("app/state.json");
    let mark = state
        .split("\"high_water\": ")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    let edited = state.replace(
        &format!("\"high_water\": {mark}"),
        "\"high_water\": 1801353600",
    );
    assert_ne!(state, edited, "the high-water mark is in the file");
    fs::write(w.path("app/state.json"), &edited).unwrap();
    let (code, _, err) = w.verify(&["--now", "2027-02-25", "--state-dir", "app", &license]);
    assert_eq!(code, 4);
    assert!(err.contains("was altered"), "{err}");

    // Deleted: refused too.
    fs::remove_file(w.path("app/state.json")).unwrap();
    let (code, _, err) = w.verify(&["--now", "2027-02-25", "--state-dir", "app", &license]);
    assert_eq!(code, 4);
    assert!(err.contains("state.json was deleted"), "{err}");
}

#[test]
fn without_state_an_artifact_newer_than_the_clock_still_shows_it_was_set_back() {
    let w = World::new();
    let license = w.license(
        "license.txt",
        "vendor.secret.pem",
        None,
        &["--expires", "2027-03-01"],
    );
    let list = w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        "2027-04-01",
        "--sequence",
        "5",
    ]);
    let list = w.write("list.txt", &list);
    let (code, _, err) = w.verify(&[
        "--now",
        "2027-02-15",
        "--state-dir",
        "fresh",
        &license,
        &list,
    ]);
    assert_eq!(code, 5);
    assert!(err.contains("clock was set back"), "{err}");
}

// ---- renewal -----------------------------------------------------------------

#[test]
fn a_renewal_extends_the_term_and_the_latest_one_wins() {
    let w = World::new();
    let license = w.license(
        "license.txt",
        "vendor.secret.pem",
        None,
        &["--expires", "2027-03-01", "--updates-until", "2027-03-01"],
    );
    assert_eq!(w.verify(&["--now", LATER, &license]).0, 5, "expired");
    let first = w.ok(&[
        "renew",
        "--key",
        "vendor.secret.pem",
        "--now",
        "2027-02-01",
        "--license",
        &license,
        "--expires",
        "2027-12-01",
        "--updates-until",
        "2027-12-01",
    ]);
    let first = w.write("renew1.txt", &first);
    let (code, json, err) = w.verify(&["--now", LATER, &license, &first]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["licenses"][0]["expires_at"], "2027-12-01T00:00:00Z");
    assert_eq!(json["licenses"][0]["updates_until"], "2027-12-01T00:00:00Z");
    let second = w.ok(&[
        "renew",
        "--key",
        "vendor.secret.pem",
        "--now",
        "2027-05-01",
        "--license",
        &license,
        "--expires",
        "2028-12-01",
    ]);
    let second = w.write("renew2.txt", &second);
    let (_, json, _) = w.verify(&["--now", LATER, &license, &second, &first]);
    assert_eq!(
        json["licenses"][0]["expires_at"], "2028-12-01T00:00:00Z",
        "the latest issued wins"
    );

    // A partner without `extend` cannot renew.
    w.partners(&["issue"]);
    let (code, _, err) = w.run(&[
        "renew",
        "--key",
        "reseller.key",
        "--cert",
        "reseller.cert",
        "--public",
        "vendor.public.pem",
        "--now",
        NOW,
        "--license",
        &license,
        "--expires",
        "2030-01-01",
    ]);
    assert_eq!(code, 4);
    assert!(err.contains("may not extend terms"), "{err}");
}

// ---- switching ---------------------------------------------------------------

#[test]
fn switching_between_bundled_and_own_license_comes_from_the_catalog_only() {
    let w = World::new();
    let catalog = format!("{EXAMPLE}/pcvisit/catalog.signed");
    let args = |edition: &'static str, now: &'static str, tenant: bool| {
        let mut args = vec![
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            now,
            "--product",
            "pcvisit",
            "--edition",
            edition,
            "--seats",
            "1",
            "--expires",
            "2029-01-01",
        ];
        if tenant {
            args.extend(["--tenant", "FIRMA-000789"]);
        }
        args
    };
    let bundled = w.ok(&args("remotesimple", T0, false));
    let bundled = w.write("bundled.txt", &bundled);
    // The vendor's manual step: the company's own license, issued later.
    let own = w.ok(&args("profi", "2027-01-10", true));
    let own = w.write("own.txt", &own);
    let with_catalog = ["--catalog", &catalog, "--tenant", "FIRMA-000789"];

    // Without the catalog nothing replaces anything: both count.
    let (code, json, err) = w.verify(&["--now", NOW, &bundled, &own]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["licenses"].as_array().unwrap().len(), 2, "{json}");
    assert!(json["rejected"].as_array().unwrap().is_empty(), "{json}");

    // The catalog says one of the two is in use at a time: the newer.
    let mut all = vec!["--now", NOW];
    all.extend(with_catalog);
    all.extend([bundled.as_str(), own.as_str()]);
    let (code, json, err) = w.verify(&all);
    assert_eq!(code, 0, "{err}");
    let licenses = json["licenses"].as_array().unwrap();
    assert_eq!(licenses.len(), 1, "{json}");
    assert_eq!(licenses[0]["edition"], "profi");
    let reason = json["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("catalog rule `exclusive`"), "{reason}");

    // Back to the bundled license at any time: a newer bundled one wins.
    let again = w.ok(&args("remotesimple", "2027-01-12", false));
    let again = w.write("again.txt", &again);
    let mut all = vec!["--now", NOW];
    all.extend(with_catalog);
    all.extend([bundled.as_str(), own.as_str(), again.as_str()]);
    let (code, json, err) = w.verify(&all);
    assert_eq!(code, 0, "{err}");
    let licenses = json["licenses"].as_array().unwrap();
    assert_eq!(licenses.len(), 1, "{json}");
    assert_eq!(licenses[0]["edition"], "remotesimple");
}

// ---- role presets ------------------------------------------------------------

#[test]
fn role_presets_follow_the_thinprint_table_exactly() {
    use entitle_lifecycle::{Capability::*, Role};
    // MODELS.md section 4: activate / destroy (revoke) / free extra keys;
    // download and quotes are not entitle operations.
    // Extra keys always come out of the annual-model licenses held
    // (footnote (1)); the decision bounds them for every role.
    let table = [
        (Role::Customer, vec![Revoke, ExtraKeys]),
        (Role::SystemIntegrator, vec![Activate, Revoke, ExtraKeys]),
        (Role::ServiceProvider, vec![Activate, Revoke, ExtraKeys]),
        (Role::Reseller, vec![]),
        (Role::Distributor, vec![]),
        (Role::Partner, vec![]),
    ];
    for (role, capabilities) in table {
        let preset = role.preset();
        assert_eq!(preset, capabilities, "{role:?}");
        for beyond in [Issue, Extend, Delegate] {
            assert!(
                !preset.contains(&beyond),
                "{role:?} gets {beyond:?} only explicitly"
            );
        }
    }
}

#[test]
fn only_the_vendor_revokes_partner_certificates() {
    let w = World::new();
    w.partners(&["issue", "activate"]);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    let shown: Value =
        serde_json::from_str(&w.ok(&["partner", "show", "--json", "@reseller.cert"])).unwrap();
    let reseller_serial = shown[0]["serial"].as_str().unwrap().to_string();
    // A customer may revoke (its preset), but not a partner's certificate.
    w.customer("FIRMA-000123");
    let list = w.ok(&[
        "revoke",
        "--key",
        "customer.key",
        "--cert",
        "customer.cert",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--certificate",
        &reseller_serial,
    ]);
    let list = w.write("customer-list.txt", &list);
    assert_eq!(
        w.verify(&["--now", NOW, &license, &list]).0,
        0,
        "the reseller's chain stands"
    );
    // The vendor's list does cut the reseller off.
    let list = w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--certificate",
        &reseller_serial,
    ]);
    let list = w.write("vendor-list.txt", &list);
    let (code, _, err) = w.verify(&["--now", NOW, &license, &list]);
    assert_eq!(code, 4);
    assert!(
        err.contains("the certificate of Reseller was revoked"),
        "{err}"
    );
}
