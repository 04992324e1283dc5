//! One decision, and no way around it: each case of the issue that found
//! `verify`, `allocate` and `activate accept` deciding differently, or a
//! customer, a reseller or a paste getting more than was bought, through
//! the real `entitle` binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::world::{EXAMPLE, NOW, T0, World, seats};
use serde_json::Value;

/// `allocate --json` of the same material as `verify`, with `users`.
fn allocate(w: &World, users: &str, extra: &[&str]) -> (i32, Value, String) {
    w.write("users.csv", users);
    let mut args = vec![
        "allocate",
        "--json",
        "--public",
        "vendor.public.pem",
        "--users",
        "users.csv",
    ];
    args.extend_from_slice(extra);
    let (code, out, err) = w.run(&args);
    (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

/// License type to available count, from `allocate --json`.
fn allocated_supply(json: &Value) -> Vec<(String, u64)> {
    let mut lines: Vec<(String, u64)> = json["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["license"].as_str().unwrap().to_string(),
                l["available"].as_u64().unwrap(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    lines.sort();
    lines
}

/// License type to available count, from `verify --json`.
fn verified_supply(json: &Value) -> Vec<(String, u64)> {
    let mut lines: Vec<(String, u64)> = json["supply"]["licenses"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect();
    lines.sort();
    lines
}

#[test]
fn xphone_example_keeps_all_twelve_licenses_and_lists_every_input() {
    let w = World::new();
    let tokens = format!("@{EXAMPLE}/xphone/tokens.txt");
    let (code, json, err) = w.verify(&["--now", "2027-06-01", &tokens]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json["licenses"].as_array().unwrap().len(), 12, "{json}");
    let inputs = json["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 12);
    assert!(inputs.iter().all(|i| i["verdict"] == "kept"), "{json}");
    assert!(json["rejected"].as_array().unwrap().is_empty());
}

#[test]
fn verify_and_allocate_agree_on_every_example() {
    let w = World::new();
    for product in ["starface", "xphone", "pcvisit"] {
        let catalog = format!("{EXAMPLE}/{product}/catalog.signed");
        let tokens = format!("@{EXAMPLE}/{product}/tokens.txt");
        let users = std::fs::read_to_string(format!("{EXAMPLE}/{product}/users.csv")).unwrap();
        for tenant in [None, Some("FIRMA-000789"), Some("FIRMA-000123")] {
            let mut args = vec!["--now", "2027-06-01", "--catalog", &catalog];
            if let Some(tenant) = tenant {
                args.extend(["--tenant", tenant]);
            }
            args.push(&tokens);
            let (_, verified, _) = w.verify(&args);
            let (code, allocated, err) = allocate(&w, &users, &args);
            assert_eq!(code, 0, "{err}");
            assert_eq!(
                verified_supply(&verified),
                allocated_supply(&allocated),
                "{product} {tenant:?}"
            );
            assert_eq!(
                verified["rejected"].as_array().unwrap().len(),
                allocated["rejected"].as_array().unwrap().len(),
                "{product} {tenant:?}: the same inputs refused"
            );
        }
    }
}

#[test]
fn a_revoked_pack_counts_for_neither_verify_nor_allocate() {
    let w = World::new();
    let base = w.license("base.txt", "vendor.secret.pem", None, &["--cap", "20"]);
    let pack = |name: &str| {
        w.license(
            name,
            "vendor.secret.pem",
            None,
            &["--kind", "addon", "--seats", "5", "--cap", "20"],
        )
    };
    let packs: Vec<String> = (0..4).map(|i| pack(&format!("pack{i}.txt"))).collect();
    let list = w.revoke("list.txt", "vendor.secret.pem", None, &[&packs[0]]);
    let mut args = vec!["--now", NOW, base.as_str()];
    args.extend(packs.iter().map(String::as_str));
    args.push(&list);
    let (code, verified, err) = w.verify(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&verified), 18, "3 + 3 packs of 5: {verified}");
    let (code, allocated, err) = allocate(&w, "id,site,group,team,role,licenses\n", &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(allocated_supply(&allocated), [("compact".to_string(), 18)]);
}

#[test]
fn allocate_follows_partner_chains_and_never_drops_an_artifact() {
    let w = World::new();
    w.partners(&["issue"]);
    let license = w.license("license.txt", "reseller.key", Some("reseller.cert"), &[]);
    let users = "id,site,group,team,role,licenses\n";
    let (code, json, err) = allocate(&w, users, &["--now", NOW, &license]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(allocated_supply(&json), [("compact".to_string(), 3)]);
    // A life-cycle artifact that cannot be read is refused with its reason.
    let (code, json, err) = allocate(&w, users, &["--now", NOW, &license, "entr1.AAAA"]);
    assert_eq!(code, 0, "{err}");
    let rejected = json["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{json}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("revocation list"),
        "{json}"
    );
}

#[test]
fn a_customer_certificate_mints_no_seats_for_a_customer_without_licenses() {
    let w = World::new();
    // Default options: the role's preset (activate, revoke, extra keys).
    w.customer("FIRMA-000123");
    let minted = w.license(
        "minted.txt",
        "customer.key",
        Some("customer.cert"),
        &["--seats", "5000"],
    );
    let (code, json, err) = w.verify(&["--now", NOW, &minted]);
    assert_eq!(code, 4, "{json}");
    assert!(err.contains("out of the annual-model licenses"), "{err}");
}

#[test]
fn a_customer_certificate_names_its_tenant_and_revokes_only_there() {
    let w = World::new();
    w.keygen("customer");
    let certify = |tenant: Option<&str>| {
        let mut args = vec![
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
            "--not-after",
            "2029-01-01",
        ];
        if let Some(tenant) = tenant {
            args.extend(["--tenant", tenant]);
        }
        w.run(&args)
    };
    let (code, _, err) = certify(None);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("must name its tenant"), "{err}");
    let (code, cert, err) = certify(Some("FIRMA-000123"));
    assert_eq!(code, 0, "{err}");
    w.write("customer.cert", &cert);
    // Another tenant's license, issued by the vendor.
    let theirs = w.license(
        "theirs.txt",
        "vendor.secret.pem",
        None,
        &["--tenant", "FIRMA-000999"],
    );
    let list = w.revoke(
        "list.txt",
        "customer.key",
        Some("customer.cert"),
        &[&theirs],
    );
    let (code, json, err) = w.verify(&["--now", NOW, &theirs, &list]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 3, "{json}");
}

#[test]
fn a_revocation_list_pasted_in_any_quotes_still_revokes() {
    let w = World::new();
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    w.revoke("list.txt", "vendor.secret.pem", None, &[&license]);
    let list = w.read("list.txt");
    let list = list.trim();
    let pastes = [
        format!("\u{201a}{list}\u{2018}"),
        format!("\u{2039}{list}\u{203a}"),
        format!("\u{2019}{list}\u{2019}"),
        format!("\u{feff}{list}"),
        format!("\u{200b}{list}"),
        format!("\u{300c}{list}\u{300d}"),
    ];
    for paste in pastes {
        // In a file ...
        let file = w.write("pasted.txt", &format!("{paste}\n"));
        let (code, _, err) = w.verify(&["--now", NOW, &license, &file]);
        assert_eq!(code, 4, "{paste:?}: {err}");
        assert!(err.contains("was revoked"), "{paste:?}: {err}");
        // ... and as an argument.
        let (code, _, err) = w.verify(&["--now", NOW, &license, &paste]);
        assert_eq!(code, 4, "{paste:?}: {err}");
        assert!(err.contains("was revoked"), "{paste:?}: {err}");
    }
}

#[test]
fn verify_without_state_refuses_a_clock_before_the_newest_issue_time() {
    let w = World::new();
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    // Issued at T0 (2027-01-01): a clock reading a day earlier was set back.
    let (code, _, err) = w.verify(&["--now", "2026-12-31", &license]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("the clock was set back"), "{err}");
    // Within the tolerance (600 s) it is not.
    let (code, _, err) = w.verify(&["--now", "2026-12-31T23:55:00Z", &license]);
    assert_ne!(err, "", "not yet valid, but not a clock set back");
    assert!(!err.contains("set back"), "{err}");
    assert_eq!(code, 5);
}

#[test]
fn a_resellers_keys_for_one_tenant_stay_within_its_limit_in_total() {
    let w = World::new();
    w.partners(&["issue"]); // the reseller may issue 25 seats
    let keys: Vec<String> = (0..4)
        .map(|i| {
            w.license(
                &format!("key{i}.txt"),
                "reseller.key",
                Some("reseller.cert"),
                &["--seats", "25"],
            )
        })
        .collect();
    let mut args = vec!["--now", NOW];
    args.extend(keys.iter().map(String::as_str));
    let (code, json, err) = w.verify(&args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 25, "four keys of 25, not 100: {json}");
    let rejected = json["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3, "{json}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("allows 25 seats in total"),
        "{json}"
    );
}

#[test]
fn a_partner_add_on_never_widens_the_features_of_a_vendor_base() {
    let w = World::new();
    w.partners(&["issue"]);
    let base = w.license(
        "base.txt",
        "vendor.secret.pem",
        None,
        &["--feature", "office"],
    );
    let addon = w.license(
        "addon.txt",
        "reseller.key",
        Some("reseller.cert"),
        &[
            "--kind",
            "addon",
            "--seats",
            "1",
            "--feature",
            "call-center",
            "--feature",
            "premium",
        ],
    );
    let (code, json, err) = w.verify(&["--now", NOW, &base, &addon]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        json["licenses"][0]["features"],
        serde_json::json!(["office"])
    );
    assert_eq!(seats(&json), 3, "{json}");
    let reason = json["rejected"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("its base licenses do not grant"),
        "{reason}"
    );
}

#[test]
fn a_reseller_revokes_only_what_it_issued() {
    let w = World::new();
    w.partners(&["issue", "revoke"]);
    let vendors = w.license("vendors.txt", "vendor.secret.pem", None, &[]);
    let own = w.license(
        "own.txt",
        "reseller.key",
        Some("reseller.cert"),
        &["--tenant", "FIRMA-000456"],
    );
    let list = w.revoke(
        "list.txt",
        "reseller.key",
        Some("reseller.cert"),
        &[&vendors, &own],
    );
    let (code, json, err) = w.verify(&["--now", NOW, &vendors, &own, &list]);
    assert_eq!(code, 0, "{err}");
    let licenses = json["licenses"].as_array().unwrap();
    assert_eq!(licenses.len(), 1, "{json}");
    assert_eq!(licenses[0]["tenant"], "FIRMA-000123", "the vendor's stays");
    let reason = json["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("was revoked"), "{reason}");
}

#[test]
fn activate_accept_refuses_what_verify_refuses() {
    let w = World::new();
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let list = w.revoke("list.txt", "vendor.secret.pem", None, &[&license]);
    // The appliance has seen the list ...
    let (code, _, _) = w.verify(&["--state-dir", "app", "--now", NOW, &license, &list]);
    assert_eq!(code, 4);
    // ... so an activation of the revoked license is not accepted.
    let (code, err) = w.activate("app", "machine-a", &license, "vendor.secret.pem", None);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("was revoked"), "{err}");
}

mod mixes {
    //! Random mixes of material: the pool `verify` reports is the supply
    //! `allocate` distributes.

    use entitle_issue::{Issuer, LicenseSpec, SigningKey};
    use entitle_lifecycle::{Renewal, RevocationList, Signed};
    use entitle_verify::Kind;
    use proptest::prelude::*;

    use super::*;

    const ISSUED: u64 = 1_798_761_600; // 2027-01-01
    const EXPIRES: u64 = 1_830_297_600; // 2028-01-01

    /// One piece of material.
    #[derive(Debug, Clone)]
    enum Piece {
        /// A license: by the reseller?, add-on?, seats, tenant index, expired?
        License(bool, bool, u32, u8, bool),
        /// The vendor revokes the n-th license so far.
        Revoke(usize),
        /// The vendor renews the n-th license so far to 2028-06-01.
        Renew(usize),
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            4 => (any::<bool>(), any::<bool>(), 1u32..30, 0u8..2, prop::bool::weighted(0.2))
                .prop_map(|(r, a, s, t, e)| Piece::License(r, a, s, t, e)),
            1 => (0usize..8).prop_map(Piece::Revoke),
            1 => (0usize..8).prop_map(Piece::Renew),
        ]
    }

    fn texts(w: &World, pieces: &[Piece]) -> Vec<String> {
        let vendor = SigningKey::from_pem(&w.read("vendor.secret.pem")).unwrap();
        let reseller = SigningKey::from_pem(&w.read("reseller.key")).unwrap();
        let mut out = vec![w.read("reseller.cert").trim().to_string()];
        let mut serials = Vec::new();
        let mut sequence = 0;
        for piece in pieces {
            match *piece {
                Piece::License(by_reseller, addon, seats, tenant, expired) => {
                    let mut spec = LicenseSpec::new("starface", "compact", seats);
                    spec.kind = if addon { Kind::Addon } else { Kind::Base };
                    spec.tenant =
                        Some(["FIRMA-000123", "FIRMA-000456"][usize::from(tenant)].into());
                    spec.issued_at = Some(ISSUED);
                    spec.expires_at = Some(if expired { ISSUED + 86_400 } else { EXPIRES });
                    let key = if by_reseller { &reseller } else { &vendor };
                    let token = Issuer::new(SigningKey::from_pem(&key.to_pem().unwrap()).unwrap())
                        .issue(&spec)
                        .unwrap();
                    serials.push(token.serial.0);
                    out.push(token.text);
                }
                Piece::Revoke(n) if !serials.is_empty() => {
                    sequence += 1;
                    let list = RevocationList {
                        version: 1,
                        signer: vendor.id().0,
                        sequence,
                        issued_at: ISSUED,
                        licenses: vec![serials[n % serials.len()]],
                        certificates: vec![],
                        activations: vec![],
                    };
                    out.push(Signed::sign(list, &vendor).unwrap().text().to_string());
                }
                Piece::Renew(n) if !serials.is_empty() => {
                    let renewal = Renewal {
                        version: 1,
                        signer: vendor.id().0,
                        serial: serials[n % serials.len()],
                        issued_at: ISSUED,
                        expires_at: Some(1_843_430_400),
                        updates_until: None,
                        license: None,
                    };
                    out.push(Signed::sign(renewal, &vendor).unwrap().text().to_string());
                }
                _ => {}
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn verify_pool_equals_allocate_supply(pieces in prop::collection::vec(piece(), 1..8)) {
            let w = World::new();
            w.partners(&["issue"]);
            let file = w.write("material.txt", &texts(&w, &pieces).join("\n"));
            for tenant in [None, Some("FIRMA-000456")] {
                let mut args = vec!["--now", "2027-06-01"];
                if let Some(tenant) = tenant {
                    args.extend(["--tenant", tenant]);
                }
                args.push(&file);
                let (_, verified, _) = w.verify(&args);
                let (code, allocated, err) =
                    allocate(&w, "id,site,group,team,role,licenses\n", &args);
                prop_assert_eq!(code, 0, "{}", err);
                prop_assert_eq!(verified_supply(&verified), allocated_supply(&allocated));
                let pooled: u64 = seats(&verified);
                let supplied: u64 = verified_supply(&verified).iter().map(|(_, n)| n).sum();
                prop_assert_eq!(pooled, supplied, "{}", verified);
            }
        }
    }
}

#[test]
fn a_partner_cannot_issue_what_would_not_count() {
    let w = World::new();
    w.customer("FIRMA-000123");
    let issue = |existing: Option<&str>| {
        let mut args = vec![
            "issue",
            "--key",
            "customer.key",
            "--cert",
            "customer.cert",
            "--public",
            "vendor.public.pem",
            "--now",
            NOW,
            "--product",
            "starface",
            "--edition",
            "compact",
            "--seats",
            "2",
            "--tenant",
            "FIRMA-000123",
            "--expires",
            "2028-01-01",
        ];
        if let Some(existing) = existing {
            args.extend(["--existing", existing]);
        }
        w.run(&args)
    };
    // Extra keys out of nothing: refused before anything is printed.
    let (code, out, err) = issue(None);
    assert_eq!(code, 4, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("not issued"), "{err}");
    assert!(err.contains("out of the annual-model licenses"), "{err}");
    // Out of an annual-model license of 3 seats: issued, chain attached,
    // and verify counts it.
    let annual = w.license(
        "annual.txt",
        "vendor.secret.pem",
        None,
        &["--expires", "2028-01-01"],
    );
    let (code, out, err) = issue(Some(&annual));
    assert_eq!(code, 0, "{err}");
    let extra = w.write("extra.txt", &out);
    let (code, json, err) = w.verify(&["--now", NOW, &annual, &extra]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 5, "{json}");
}

#[test]
fn a_remembered_list_still_revokes_when_its_signers_certificate_is_left_out() {
    let w = World::new();
    w.customer("FIRMA-000123");
    // The customer destroys its own key (say, for a replacement) ...
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    let list = w.revoke(
        "list.txt",
        "customer.key",
        Some("customer.cert"),
        &[&license],
    );
    let state = ["--state-dir", "app", "--now", NOW];
    let mut args = state.to_vec();
    args.extend([license.as_str(), list.as_str(), "@customer.cert"]);
    let (code, _, err) = w.verify(&args);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("was revoked"), "{err}");
    // ... and later hands over the key alone, without list or certificate.
    let mut args = state.to_vec();
    args.push(&license);
    let (code, _, err) = w.verify(&args);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("was revoked"), "{err}");
}

#[test]
fn an_expired_partner_key_does_not_use_up_the_limit_of_a_valid_one() {
    let w = World::new();
    w.partners(&["issue"]); // 25 seats in total
    let old = w.ok(&[
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
        "25",
        "--tenant",
        "FIRMA-000123",
        "--expires",
        "2027-01-10",
    ]);
    let old = w.write("old.txt", &format!("{old}{}", w.read("reseller.cert")));
    let new = w.license(
        "new.txt",
        "reseller.key",
        Some("reseller.cert"),
        &["--seats", "25"],
    );
    let (code, json, err) = w.verify(&["--now", NOW, &old, &new]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 25, "{json}");
    let reason = json["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("expired"), "{reason}");
}
