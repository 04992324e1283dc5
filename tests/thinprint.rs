//! ThinPrint (../shared/MODELS.md section 4): partner roles, views, the
//! key life cycle. One test per rule, through the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::world::{NOW, T0, World};
use serde_json::Value;

/// The vendor certifies `company.pub` in `role` with `extra` arguments:
/// the certificate's `@file` named `name`.
fn certify(w: &World, name: &str, role: &str, extra: &[&str]) -> String {
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
        "company.pub",
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
