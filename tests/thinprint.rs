//! ThinPrint (../shared/MODELS.md section 4): partner roles, views, the
//! key life cycle. One test per rule, through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::world::{NOW, T0, World};
use serde_json::Value;

/// The vendor certifies `company.pub` in `role` with `extra` arguments:
/// the certificate's `@file` named `name`.
fn certify(w: &World, name: &str, role: &str, extra: &[&str]) -> String {
    certify_key(w, "company.pub", name, role, extra)
}

fn certify_key(w: &World, subject: &str, name: &str, role: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "partner",
        "certify",
        "--key",
        "vendor.secret.pem",
        "--public",
        "vendor.public.pem",
        "--now",
        T0,
        "--subject",
        subject,
        "--name",
        "Firma",
        "--role",
        role,
        "--not-after",
        "2029-01-01",
    ];
    args.extend_from_slice(extra);
    let cert = w.ok(&args);
    w.write(name, &cert)
}

fn refused_reasons(json: &Value) -> Vec<String> {
    json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["verdict"] == "refused")
        .map(|i| i["reason"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn thinprint_a_company_acts_in_the_view_it_has_open_not_in_all_its_roles() {
    // One key certified as customer (may destroy its keys) and as reseller
    // (may not): the customer's destruction is refused as ambiguous,
    // whatever the order of the certificates, never granted by the union.
    let w = World::new();
    w.keygen("company");
    let customer = certify(
        &w,
        "customer.cert",
        "customer",
        &["--tenant", "FIRMA-000123"],
    );
    let reseller = certify(
        &w,
        "reseller.cert",
        "reseller",
        &[
            "--grant",
            "issue",
            "--product",
            "starface",
            "--max-seats",
            "25",
        ],
    );
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let list = w.revoke(
        "list.txt",
        "company.key",
        Some("customer.cert"),
        &["license.txt"],
    );

    // In the customer view alone, the destruction holds.
    let (code, _, err) = w.verify(&["--now", NOW, &license, &list, &customer]);
    assert_eq!(code, 4, "revoked: {err}");

    for order in [[&customer, &reseller], [&reseller, &customer]] {
        let (code, json, err) = w.verify(&["--now", NOW, &license, &list, order[0], order[1]]);
        assert_eq!(code, 0, "the license stands: {err}");
        let reasons = refused_reasons(&json);
        assert!(
            reasons.iter().any(|r| r
                .contains("is certified in several views (customer, reseller)")
                || r.contains("is certified in several views (reseller, customer)")),
            "{reasons:?}"
        );
    }
}

#[test]
fn thinprint_every_partner_action_names_exactly_one_view() {
    let w = World::new();
    w.keygen("company");
    certify(
        &w,
        "customer.cert",
        "customer",
        &["--tenant", "FIRMA-000123"],
    );
    certify(
        &w,
        "reseller.cert",
        "reseller",
        &[
            "--grant",
            "issue",
            "--product",
            "starface",
            "--max-seats",
            "25",
        ],
    );
    w.license("license.txt", "vendor.secret.pem", None, &[]);
    let serial = w.serial("license.txt");
    let (code, _, err) = w.run(&[
        "revoke",
        "--key",
        "company.key",
        "--cert",
        "customer.cert",
        "--cert",
        "reseller.cert",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--serial",
        &serial,
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("--cert holds 2 certificates for the signing key: give exactly one chain"),
        "{err}"
    );
}

#[test]
fn thinprint_a_term_extension_keeps_status_service_and_term_visible() {
    let w = World::new();
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let member = |extra: &[&str]| {
        let mut args = vec!["--now", NOW, license.as_str()];
        args.extend_from_slice(extra);
        let (code, json, err) = w.verify(&args);
        assert_eq!(code, 0, "{err}");
        json["licenses"][0]["members"][0].clone()
    };
    let before = member(&[]);
    assert_eq!(before["status"], "active");
    assert_eq!(before["expires_at"], "2028-01-01T00:00:00Z");
    assert_eq!(before["updates_until"], Value::Null);
    let renewal = w.ok(&[
        "renew",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--license",
        &license,
        "--expires",
        "2030-01-01",
        "--updates-until",
        "2029-01-01",
    ]);
    let renewal = w.write("renewal.txt", &renewal);
    let after = member(&[&renewal]);
    assert_eq!(after["status"], "renewed");
    assert_eq!(after["expires_at"], "2030-01-01T00:00:00Z");
    assert_eq!(after["updates_until"], "2029-01-01T00:00:00Z");
    // The plain output says the same, line by line.
    let (_, out, _) = w.run(&[
        "verify",
        "--public",
        "vendor.public.pem",
        "--now",
        NOW,
        &license,
        &renewal,
    ]);
    assert!(
        out.contains(
            "renewed, term until 2030-01-01T00:00:00Z, service until 2029-01-01T00:00:00Z"
        ),
        "{out}"
    );
}

#[test]
fn thinprint_the_role_table_holds_cell_by_cell() {
    // MODELS.md section 4, the columns entitle enforces: activation (signing
    // an activation response), destroying keys, free extra keys. Download
    // and service quotes are portal functions, not entitle operations.
    // The customer's "Software-Aktivierung" is its request, answered by the
    // vendor or by the integrator or provider who manages its keys: its own
    // signature activates nothing (a customer activating itself would be
    // node locking to as many machines as it likes).
    // The table of MODELS.md section 4, row by row: download, activation,
    // service quote, destroy keys, extra keys.
    let seed: [(&str, [bool; 5]); 6] = [
        ("customer", [true, true, true, true, true]),
        ("system-integrator", [true, true, true, true, true]),
        ("service-provider", [true, true, true, true, true]),
        ("reseller", [true, false, true, false, false]),
        ("distributor", [true, false, true, false, false]),
        ("partner", [true, false, false, false, false]),
    ];
    // (role, its preset's grants, signs activations, destroys, extra keys)
    let table: [(&str, &[&str], bool, bool, bool); 6] = [
        ("customer", &["revoke", "extra-keys"], false, true, true),
        (
            "system-integrator",
            &["activate", "revoke", "extra-keys"],
            true,
            true,
            true,
        ),
        (
            "service-provider",
            &["activate", "revoke", "extra-keys"],
            true,
            true,
            true,
        ),
        ("reseller", &[], false, false, false),
        ("distributor", &[], false, false, false),
        ("partner", &[], false, false, false),
    ];
    for (role, preset, activates, destroys, extra_keys) in table {
        let w = World::new();
        w.keygen("company");
        // A service provider's free keys come out of its contract (its
        // max seats); for the others, max seats change nothing here.
        let cert = certify(
            &w,
            "company.cert",
            role,
            &["--tenant", "FIRMA-000123", "--max-seats", "10"],
        );
        let shown: Value =
            serde_json::from_str(&w.ok(&["partner", "show", "--json", &cert])).unwrap();
        let mut granted: Vec<&str> = shown[0]["capabilities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        granted.sort_unstable();
        let mut expected = preset.to_vec();
        expected.sort_unstable();
        assert_eq!(granted, expected, "{role}: the preset is the table's row");

        // The view's five functions, the table's row (download and quotes
        // are portal functions: shown, not entitle operations).
        let view = &shown[0]["view"];
        let (_, row) = seed.iter().find(|(r, _)| *r == role).unwrap();
        let functions = [
            "download",
            "activation",
            "service_quote",
            "destroy_keys",
            "extra_keys",
        ];
        for (function, offered) in functions.iter().zip(row) {
            assert_eq!(view[*function], *offered, "{role}: {function}");
        }
        // What entitle enforces follows the same row (the customer's
        // activation being its request, see above).
        assert_eq!([destroys, extra_keys], [row[3], row[4]], "{role}");
        assert_eq!(activates, row[1] && role != "customer", "{role}");

        // The customer's annual-model license, 3 seats, from the vendor.
        let annual = w.license(
            "annual.txt",
            "vendor.secret.pem",
            None,
            &["--expires", "2028-01-01"],
        );

        // Free extra keys: one seat, out of the annual license.
        let extra = w.license(
            "extra.txt",
            "company.key",
            Some("company.cert"),
            &["--seats", "1", "--expires", "2028-01-01"],
        );
        let (code, json, err) = w.verify(&["--now", NOW, &annual, &extra]);
        assert_eq!(code, 0, "{role}: {err}");
        let seats = json["licenses"][0]["seats"].as_u64().unwrap();
        assert_eq!(seats, if extra_keys { 4 } else { 3 }, "{role}: extra keys");

        // Destroying the customer's key, signed anyway (no --public check).
        let serial = w.serial("annual.txt");
        let mut list = w.ok(&[
            "revoke",
            "--key",
            "company.key",
            "--now",
            NOW,
            "--sequence",
            "1",
            "--serial",
            &serial,
        ]);
        list.push_str(&w.read("company.cert"));
        let list = w.write("list.txt", &list);
        let (code, _, err) = w.verify(&["--now", NOW, &annual, &list]);
        assert_eq!(code != 0, destroys, "{role}: destroy: {err}");

        // Activation: the role's preset plus `issue`, so that its license
        // counts; its own response activates it only where it may activate.
        w.keygen("issuer");
        let mut grants = vec!["--tenant", "FIRMA-000123", "--grant", "issue"];
        for grant in preset {
            grants.extend(["--grant", grant]);
        }
        certify_key(&w, "issuer.pub", "issuer.cert", role, &grants);
        let license = w.license("own.txt", "issuer.key", Some("issuer.cert"), &[]);
        let (code, err) = w.activate(
            "app",
            "machine-a",
            &license,
            "issuer.key",
            Some("issuer.cert"),
        );
        assert_eq!(code == 0, activates, "{role}: activate: {err}");
    }
}

/// "Abruf kostenfreier Lizenzschlüssel im Rahmen des Annual Licensing (ALM)
/// sowie des Service Provider Modells": the service provider's cell has no
/// ALM footnote. Its free keys were bounded by ALM licences it does not
/// hold, so it got none; they come out of its own contract, its
/// certificate's `max_seats`, counted in total.
#[test]
fn thinprint_a_service_providers_free_keys_come_out_of_its_contract() {
    let w = World::new();
    w.keygen("company");
    certify(
        &w,
        "provider.cert",
        "service-provider",
        &["--max-seats", "10"],
    );
    certify_key(&w, "company.pub", "unbounded.cert", "service-provider", &[]);
    let key = |name: &str, cert: &str, seats: &str| {
        w.license(name, "company.key", Some(cert), &["--seats", seats])
    };
    let six = key("six.txt", "provider.cert", "6");
    let four = key("four.txt", "provider.cert", "4");
    let one_more = key("more.txt", "provider.cert", "1");
    let (code, json, err) = w.verify(&["--now", NOW, &six, &four]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["licenses"][0]["seats"].as_u64(), Some(10), "{json}");
    // One more seat breaks the contract: a key is refused (in a fixed
    // order: oldest issued first, then by serial), never 11 seats.
    let (_, json, _) = w.verify(&["--now", NOW, &six, &four, &one_more]);
    assert!(
        json["licenses"][0]["seats"].as_u64().unwrap() <= 10,
        "{json}"
    );
    assert!(
        json["rejected"].to_string().contains("seat_limit"),
        "{json}"
    );
    // A contract that names no seats gives none.
    let unbounded = key("unbounded.txt", "unbounded.cert", "1");
    let (code, json, _) = w.verify(&["--now", NOW, &unbounded]);
    assert_eq!(code, 4);
    assert!(
        json["rejected"]
            .to_string()
            .contains("extra_keys_exceed_contract"),
        "{json}"
    );
    let shown = w.ok(&["partner", "show", "@provider.cert"]);
    assert!(shown.contains("within its contract's max seats"), "{shown}");
}

/// A service provider's free keys come out of its contract, and use none
/// of what the customer's annual-model licenses allow the customer: the
/// provider's key issued first does not crowd out the customer's own
/// (it did, when every extra key of the pool counted against the annual
/// seats, so that the same keys counted or not by the order of issue).
#[test]
fn thinprint_a_providers_free_keys_leave_the_customers_annual_allowance_whole() {
    let w = World::new();
    w.customer("FIRMA-000123");
    w.keygen("company");
    certify(
        &w,
        "provider.cert",
        "service-provider",
        &["--max-seats", "10"],
    );
    let annual = w.license("annual.txt", "vendor.secret.pem", None, &["--seats", "3"]);
    // The provider's 4 seats first (T0), then the customer's 3 (a day later).
    let provider = w.license(
        "provider.txt",
        "company.key",
        Some("provider.cert"),
        &["--seats", "4"],
    );
    let mut customer = w.ok(&[
        "issue",
        "--key",
        "customer.key",
        "--now",
        "2027-01-02",
        "--product",
        "starface",
        "--edition",
        "compact",
        "--seats",
        "3",
        "--tenant",
        "FIRMA-000123",
        "--expires",
        "2028-01-01",
    ]);
    customer.push_str(&w.read("customer.cert"));
    let customer = w.write("customer.txt", &customer);
    let (code, json, err) = w.verify(&["--now", NOW, &annual, &provider, &customer]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json["licenses"][0]["seats"].as_u64(),
        Some(3 + 4 + 3),
        "{json}"
    );
    assert_eq!(json["rejected"].as_array().map(Vec::len), Some(0), "{json}");
}

/// "Software-Aktivierung" is a function of the vendor's portal (its ledger
/// answers). However many parties hold certificates for a tenant (customer,
/// system integrator, service provider), one licence is never active on
/// two machines: offline, only the licence's issuer answers, from its one
/// ledger; every other party's answer is refused when signed, and when
/// signed past that check, by the appliance.
#[test]
fn thinprint_one_licence_is_never_active_on_two_machines_whoever_holds_certificates() {
    let w = World::new();
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    for (who, role) in [
        ("customer", "customer"),
        ("integrator", "system-integrator"),
        ("provider", "service-provider"),
    ] {
        w.keygen(who);
        certify_key(
            &w,
            &format!("{who}.pub"),
            &format!("{who}.cert"),
            role,
            &[
                "--tenant",
                "FIRMA-000123",
                "--grant",
                "activate",
                "--grant",
                "revoke",
            ],
        );
    }
    // The vendor activates machine A.
    assert_eq!(
        w.activate("a", "machine-a", &license, "vendor.secret.pem", None)
            .0,
        0
    );
    let request = w.request("b", "machine-b", &license, &[]);
    // Machine B: the vendor's ledger refuses a second machine without a receipt.
    let (code, _, err) = w.run(&[
        "activate",
        "respond",
        "--key",
        "vendor.secret.pem",
        "--ledger",
        "vendor.secret.pem.ledger",
        "--now",
        NOW,
        "--license",
        &license,
        &request,
    ]);
    assert_ne!(code, 0, "a second machine: {err}");
    // Every other party, each with a fresh ledger of its own: refused.
    for who in ["customer", "integrator", "provider"] {
        let (code, out, err) = w.run(&[
            "activate",
            "respond",
            "--key",
            &format!("{who}.key"),
            "--cert",
            &format!("{who}.cert"),
            "--public",
            "vendor.public.pem",
            "--ledger",
            &format!("{who}.ledger"),
            "--now",
            NOW,
            "--license",
            &license,
            &request,
        ]);
        assert_eq!((code, out.as_str()), (4, ""), "{who}: {err}");
    }
    // Machine B holds no activation; machine A does.
    let active = |state: &str, machine: &str| {
        w.verify(&[
            "--now",
            NOW,
            "--state-dir",
            state,
            "--machine-id",
            machine,
            "--require-activation",
            &license,
        ])
        .0 == 0
    };
    assert!(active("a", "machine-a"));
    assert!(!active("b", "machine-b"));
}
