//! The third attack round ("Nothing counts twice, nothing hangs", and
//! "Decisions that hold at the seams"), each attack through the real
//! `entitle` binary. docs/threat-model.md names every test here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::time::{Duration, Instant};

use common::world::{NOW, World, seats};
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_lifecycle::{Certificate, Limits, Role, Signed};
use serde_json::Value;

// ---- nothing hangs ------------------------------------------------------

/// Certificates whose signer is their own subject's key, with signatures
/// that check out (self-signed) or not (forged), beside a token of that key:
/// the chain walk once went up before checking any signature and grew near
/// N^5 (24 certificates: over a minute). Bounded work per certificate now.
#[test]
fn a_thousand_self_certified_certificates_are_refused_in_well_under_a_second() {
    let w = World::new();
    w.keygen("mallory");
    let mallory = SigningKey::from_pem(&w.read("mallory.key")).unwrap();
    let other = SigningKey::generate().unwrap();
    let mut certificates = String::new();
    for i in 0..1000u32 {
        let certificate = Certificate {
            version: 1,
            signer: mallory.id().0,
            serial: [&i.to_be_bytes()[..], &[0; 4]].concat().try_into().unwrap(),
            subject: mallory.public_key().to_bytes(),
            name: format!("Mallory {i}"),
            role: Role::Reseller,
            granted: Role::Reseller.preset(),
            depth: 3,
            limits: Limits {
                products: vec![],
                max_seats: None,
                not_before: 0,
                not_after: u64::from(u32::MAX),
                tenants: vec![],
            },
            issued_at: 1_700_000_000,
        };
        // Half signed by the subject itself, half forged (another key).
        let key = if i % 2 == 0 { &mallory } else { &other };
        certificates.push_str(Signed::sign(certificate, key).unwrap().text());
        certificates.push('\n');
    }
    let certificates = w.write("mallory.certs", &certificates);
    let license = w.license("mallory.txt", "mallory.key", None, &[]);
    let started = Instant::now();
    let (code, json, err) = w.verify(&["--now", NOW, &license, &certificates]);
    let took = started.elapsed();
    assert_eq!(code, 4, "{err}");
    assert_eq!(seats(&json), 0);
    // A generous bound for a shared, noisy machine; the benchmark
    // (crates/lifecycle/benches) measures it.
    assert!(took < Duration::from_secs(10), "verify took {took:?}");
}

/// `cmd` through the binary, killed after `limit`: `None` if it hung.
fn run_within(w: &World, args: &[&str], limit: Duration) -> Option<(i32, String, String)> {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args(args)
        .current_dir(w.dir.path())
        .env_remove("ENTITLE_SIGNING_KEY")
        .env_remove("ENTITLE_LEDGER")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while started.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            return Some((
                out.status.code().unwrap(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            ));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    None
}

/// `entitle renew --order ID --ledger FILE`, as docs/ci.md shows it, took
/// the ledger's exclusive lock twice and never returned.
#[test]
fn renew_by_order_with_a_ledger_returns() {
    let w = World::new();
    w.ok(&[
        "issue",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
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
        "--order",
        "SO-1",
        "--ledger",
        "l.jsonl",
    ]);
    let (code, out, err) = run_within(
        &w,
        &[
            "renew",
            "--key",
            "vendor.secret.pem",
            "--now",
            NOW,
            "--order",
            "SO-1",
            "--ledger",
            "l.jsonl",
            "--expires",
            "2029-01-01",
        ],
        Duration::from_secs(60),
    )
    .expect("renew --order hung");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("entn1."), "{out}");
    assert!(w.read("l.jsonl").contains("\"event\":\"renewed\""));
}

// ---- revocation never forgets ----------------------------------------------

/// The flow of docs/ci.md: list 1 revokes A, list 2 (with the ledger)
/// revokes B. List 2 once held only B, list 1 was refused as older, and A
/// counted again, also on an appliance that had seen list 1.
#[test]
fn revocation_is_never_forgotten_by_a_later_list() {
    let w = World::new();
    let a = w.license("a.txt", "vendor.secret.pem", None, &[]);
    let b = w.license(
        "b.txt",
        "vendor.secret.pem",
        None,
        &["--tenant", "FIRMA-000999"],
    );
    let (sa, sb) = (w.serial(&a), w.serial(&b));
    let revoke = |sequence: &str, serial: &str, ledger: bool| {
        let mut args = vec![
            "revoke",
            "--key",
            "vendor.secret.pem",
            "--now",
            NOW,
            "--sequence",
            sequence,
            "--serial",
            serial,
        ];
        if ledger {
            args.extend(["--ledger", "l.jsonl"]);
        }
        w.ok(&args)
    };
    let one = w.write("list1.txt", &revoke("1", &sa, true));
    let two = w.write("list2.txt", &revoke("2", &sb, true));
    let licensed = |args: &[&str]| {
        let mut all = vec!["--now", NOW];
        all.extend_from_slice(args);
        let (_, json, err) = w.verify(&all);
        (seats(&json), err)
    };
    // The newest list alone is complete.
    let (count, err) = licensed(&[&a, &b, &two]);
    assert_eq!(count, 0, "{err}");
    // Both lists, in either order: both revoked, neither list refused.
    for lists in [[&one, &two], [&two, &one]] {
        let (code, json, err) = w.verify(&["--now", NOW, &a, &b, lists[0], lists[1]]);
        assert_eq!(seats(&json), 0, "{err}");
        assert_eq!(code, 4);
        assert!(!err.contains("older"), "{err}");
    }
    // A list signed without the ledger, naming only B: the appliance that
    // saw list 1 keeps A revoked.
    let partial = w.write("list2-partial.txt", &revoke("2", &sb, false));
    assert_eq!(licensed(&["--state-dir", "app", &a, &one]).0, 0);
    assert_eq!(licensed(&["--state-dir", "app", &a, &b, &partial]).0, 0);
    assert_eq!(
        licensed(&["--state-dir", "app", &a]).0,
        0,
        "A stays revoked"
    );
    assert_eq!(
        licensed(&["--state-dir", "app", &b]).0,
        0,
        "B stays revoked"
    );
    // The ledger refuses a sequence number it has already seen.
    let (code, _, err) = w.run(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "2",
        "--serial",
        &sa,
        "--ledger",
        "l.jsonl",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("give --sequence 3"), "{err}");
}

/// A ledger line whose revocation list was swapped for another text is
/// refused, not obeyed.
#[test]
fn an_altered_revocation_in_the_ledger_is_refused() {
    let w = World::new();
    let a = w.license("a.txt", "vendor.secret.pem", None, &[]);
    let sa = w.serial(&a);
    w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--serial",
        &sa,
        "--ledger",
        "l.jsonl",
    ]);
    let other = w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--serial",
        "0123456789abcdef",
    ]);
    let ledger = w.read("l.jsonl");
    let line: serde_json::Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    let altered = ledger.replace(
        line["artifact"].as_str().unwrap(),
        other.lines().next().unwrap(),
    );
    w.write("l.jsonl", &altered);
    let (code, _, err) = w.run(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "2",
        "--serial",
        "00000000000000ff",
        "--ledger",
        "l.jsonl",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("the ledger was altered"), "{err}");
}

// ---- nothing counts twice ---------------------------------------------------

/// An extra key of the customer's certificate, for `seats`, with `extra`
/// arguments (`--existing`, say): the exit code, stdout, stderr of `issue`.
fn customer_extra_key(w: &World, seats: &str, extra: &[&str]) -> (i32, String, String) {
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
        seats,
        "--tenant",
        "FIRMA-000123",
        "--expires",
        "2028-01-01",
    ];
    args.extend_from_slice(extra);
    w.run(&args)
}

/// What a dishonest holder of `key` (with its chain `cert`) signs past the
/// CLI's checks: a Compact token for FIRMA-000123 of `seats`, until 2028,
/// with the chain appended; its `@file`.
fn signed_past_the_checks(w: &World, name: &str, key: &str, cert: &str, seats: u32) -> String {
    let key = SigningKey::from_pem(&w.read(key)).unwrap();
    let mut spec = LicenseSpec::new("starface", "compact", seats);
    spec.tenant = Some("FIRMA-000123".into());
    spec.issued_at = Some(1_799_000_000); // 2027-01-03
    spec.expires_at = Some(1_830_000_000); // 2027-12-28
    let mut text = Issuer::new(key).issue(&spec).unwrap().text;
    text.push('\n');
    text.push_str(&w.read(cert));
    w.write(name, &text)
}

/// A 100-seat extra key beside one 10-seat annual licence is refused; it
/// once counted beside the same licence pasted ten times (110 seats), also
/// through `issue --cert --existing`.
#[test]
fn the_same_annual_licence_given_ten_times_backs_extra_keys_once() {
    let w = World::new();
    w.customer("FIRMA-000123");
    let annual = w.license("annual.txt", "vendor.secret.pem", None, &["--seats", "10"]);
    let once = w.read("annual.txt");
    let ten = w.write("ten.txt", &once.repeat(10));
    let extra = signed_past_the_checks(&w, "extra.txt", "customer.key", "customer.cert", 100);
    for material in [&annual, &ten] {
        let (_, json, err) = w.verify(&["--now", NOW, material, &extra]);
        assert_eq!(seats(&json), 10, "{err}");
        assert!(
            json["rejected"]
                .to_string()
                .contains("out of the annual-model licenses"),
            "{json}"
        );
    }
    // The issuer refuses to sign it, whatever the repeats.
    let (code, out, err) = customer_extra_key(
        &w,
        "100",
        &["--public", "vendor.public.pem", "--existing", &ten],
    );
    assert_eq!(code, 4, "{err}");
    assert_eq!(out, "");
    // Ten seats out of ten are fine, once.
    let (code, out, err) = customer_extra_key(
        &w,
        "10",
        &["--public", "vendor.public.pem", "--existing", &ten],
    );
    assert_eq!(code, 0, "{err}");
    let extra = w.write("extra10.txt", &out);
    let (_, json, _) = w.verify(&["--now", NOW, &ten, &extra]);
    assert_eq!(seats(&json), 20);
}

/// One order minted twice without its ledger (same serial, 3 seats, then
/// 5): the first in input order used to win whole, so the answer was 3 in
/// one order and 5 in the other. One licence counts, the same in every
/// order, and it never grants more than either alone.
#[test]
fn one_order_minted_twice_gives_one_answer_in_every_order() {
    let w = World::new();
    let mint = |name: &str, seats: &str| {
        w.license(
            name,
            "vendor.secret.pem",
            None,
            &["--seats", seats, "--order", "SO-7"],
        )
    };
    let (three, five) = (mint("three.txt", "3"), mint("five.txt", "5"));
    assert_eq!(w.serial(&three), w.serial(&five), "an order's serial");
    let mut answers = Vec::new();
    for order in [[&three, &five], [&five, &three]] {
        let (code, json, err) = w.verify(&["--now", NOW, order[0], order[1]]);
        assert_eq!(code, 0, "{err}");
        assert!(
            json["rejected"]
                .to_string()
                .contains("one serial is one license"),
            "{json}"
        );
        answers.push((seats(&json), json["supply"].clone()));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0].0, 3);
    // An add-on with the serial of a base does not knock the base out.
    let addon = w.license(
        "addon.txt",
        "vendor.secret.pem",
        None,
        &["--seats", "5", "--order", "SO-7", "--kind", "addon"],
    );
    for order in [[&three, &addon], [&addon, &three]] {
        let (_, json, err) = w.verify(&["--now", NOW, order[0], order[1]]);
        assert_eq!(seats(&json), 3, "{err}");
    }
}

/// A reseller limited to 25 seats issues four 25-seat annual keys: three
/// are refused for `max_seats`, and a customer's 100-seat extra key once
/// counted beside them all the same (125 usable).
#[test]
fn refused_licences_back_no_extra_keys() {
    let w = World::new();
    w.partners(&["issue"]);
    w.customer("FIRMA-000123");
    let mut material = Vec::new();
    for i in 0..4 {
        let name = format!("r{i}.txt");
        material.push(w.license(
            &name,
            "reseller.key",
            Some("reseller.cert"),
            &["--seats", "25", "--order", &format!("R-{i}")],
        ));
    }
    let extra = signed_past_the_checks(&w, "extra.txt", "customer.key", "customer.cert", 100);
    let mut args: Vec<&str> = vec!["--now", NOW];
    args.extend(material.iter().map(String::as_str));
    let (_, json, err) = w.verify(&args);
    assert_eq!(seats(&json), 25, "{err}");
    args.push(&extra);
    let (_, json, err) = w.verify(&args);
    assert_eq!(seats(&json), 25, "{err}");
    assert!(
        json["rejected"]
            .to_string()
            .contains("out of the annual-model licenses"),
        "{json}"
    );
}

/// The example Compact gives 20 users (its cap). A second Compact base with
/// packs and no tenant, or for the concurrent model, once stood in a pool
/// of its own with a cap of its own: 40, then 80 users on an edition that
/// never has more than 20. And a reseller limited to 25 seats put 100 on
/// one installation, 25 per tenant.
#[test]
fn a_cap_and_a_partners_seat_limit_hold_for_the_installation() {
    let w = World::new();
    let catalog = format!("{}/starface/catalog.signed", common::world::EXAMPLE);
    let tokens = format!("@{}/starface/tokens.txt", common::world::EXAMPLE);
    let compact = |name: &str, extra: &[&str]| {
        let mut out = String::new();
        let mut args = vec![
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            NOW,
            "--catalog",
            &catalog,
            "--product",
            "starface",
            "--edition",
            "compact",
            "--expires",
            "2031-01-01",
        ];
        args.extend_from_slice(extra);
        out.push_str(&w.ok(&args));
        for _ in 0..4 {
            let mut pack = args.clone();
            pack.extend(["--kind", "addon", "--seats", "5"]);
            out.push_str(&w.ok(&pack));
        }
        w.write(name, &out)
    };
    let untenanted = &compact("untenanted.txt", &[]) as &str;
    let concurrent = &compact(
        "concurrent.txt",
        &["--tenant", "FIRMA-000123", "--model", "concurrent"],
    );
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "--now",
            NOW,
            "--catalog",
            &catalog,
            "--tenant",
            "FIRMA-000123",
            &tokens,
        ];
        args.extend_from_slice(extra);
        let (_, json, err) = w.verify(&args);
        (seats(&json), json, err)
    };
    assert_eq!(verify(&[]).0, 20);
    for extra in [
        vec![untenanted],
        vec![concurrent],
        vec![untenanted, concurrent],
    ] {
        let (count, json, err) = verify(&extra);
        assert_eq!(count, 20, "{json} {err}");
        assert!(
            json["warnings"]
                .to_string()
                .contains("on one installation, but the cap is 20"),
            "{json}"
        );
    }

    // The reseller (max 25 seats) issues 25 seats for each of four tenants.
    w.partners(&["issue"]);
    let mut material = Vec::new();
    for i in 0..4 {
        let tenant = format!("FIRMA-00012{i}");
        material.push(w.license(
            &format!("t{i}.txt"),
            "reseller.key",
            Some("reseller.cert"),
            &["--seats", "25", "--tenant", &tenant],
        ));
    }
    let mut args: Vec<&str> = vec!["--now", NOW];
    args.extend(material.iter().map(String::as_str));
    let (_, json, err) = w.verify(&args);
    assert_eq!(seats(&json), 25, "{err}");
    assert!(
        json["rejected"]
            .to_string()
            .contains("allows 25 seats in total on an installation"),
        "{json}"
    );
}

// ---- one answer for one set of inputs -----------------------------------------

/// Random mixes of vendor and reseller licences (bases and add-ons, two
/// tenants, some expired), a customer's extra keys, orders minted twice with
/// other content, revocation lists and renewals: the decision is the same
/// in any order, and with inputs repeated every total is the total without
/// the repeats.
mod one_answer {
    use entitle_lifecycle::{Renewal, RevocationList};
    use entitle_verify::{Kind, Serial};
    use proptest::prelude::*;

    use super::*;

    const ISSUED: u64 = 1_798_761_600; // 2027-01-01
    const EXPIRES: u64 = 1_830_297_600; // 2028-01-01

    #[derive(Debug, Clone)]
    enum Piece {
        /// A licence: signer (0 vendor, 1 reseller, 2 customer), add-on?,
        /// seats, tenant index, expired?, `Some(n)`: the serial of the n-th
        /// licence so far (an order minted again).
        License(u8, bool, u32, u8, bool, Option<usize>),
        /// The vendor (or the reseller) revokes the n-th licence so far.
        Revoke(bool, usize, u64),
        /// The vendor renews the n-th licence so far.
        Renew(usize),
    }

    fn piece() -> impl Strategy<Value = Piece> {
        prop_oneof![
            6 => (0u8..3, any::<bool>(), 1u32..30, 0u8..2, prop::bool::weighted(0.15),
                  prop::option::weighted(0.2, 0usize..8))
                .prop_map(|(k, a, s, t, e, again)| Piece::License(k, a, s, t, e, again)),
            1 => (any::<bool>(), 0usize..8, 1u64..4).prop_map(|(r, n, q)| Piece::Revoke(r, n, q)),
            1 => (0usize..8).prop_map(Piece::Renew),
        ]
    }

    fn texts(w: &World, pieces: &[Piece]) -> Vec<String> {
        let key = |file: &str| SigningKey::from_pem(&w.read(file)).unwrap();
        let keys = [
            key("vendor.secret.pem"),
            key("reseller.key"),
            key("customer.key"),
        ];
        let mut out = vec![
            w.read("reseller.cert").trim().to_string(),
            w.read("customer.cert").trim().to_string(),
        ];
        let mut serials: Vec<[u8; 8]> = Vec::new();
        for piece in pieces {
            match *piece {
                Piece::License(signer, addon, seats, tenant, expired, again) => {
                    let mut spec = LicenseSpec::new("starface", "compact", seats);
                    spec.kind = if addon { Kind::Addon } else { Kind::Base };
                    spec.tenant =
                        Some(["FIRMA-000123", "FIRMA-000456"][usize::from(tenant)].into());
                    spec.issued_at = Some(ISSUED);
                    spec.expires_at = Some(if expired { ISSUED + 86_400 } else { EXPIRES });
                    let signer = &keys[usize::from(signer)];
                    let issuer =
                        Issuer::new(SigningKey::from_pem(&signer.to_pem().unwrap()).unwrap());
                    let serial = match again {
                        Some(n) if !serials.is_empty() => serials[n % serials.len()],
                        _ => rand_serial(serials.len(), pieces.len()),
                    };
                    let token = issuer.issue_with_serial(&spec, Serial(serial)).unwrap();
                    serials.push(serial);
                    out.push(token.text);
                }
                Piece::Revoke(by_reseller, n, sequence) if !serials.is_empty() => {
                    let signer = &keys[usize::from(by_reseller)];
                    let list = RevocationList {
                        version: 1,
                        signer: signer.id().0,
                        sequence,
                        issued_at: ISSUED,
                        licenses: vec![serials[n % serials.len()]],
                        certificates: vec![],
                        activations: vec![],
                    };
                    out.push(Signed::sign(list, signer).unwrap().text().to_string());
                }
                Piece::Renew(n) if !serials.is_empty() => {
                    let renewal = Renewal {
                        version: 1,
                        signer: keys[0].id().0,
                        serial: serials[n % serials.len()],
                        issued_at: ISSUED,
                        expires_at: Some(1_843_430_400),
                        updates_until: None,
                        license: None,
                    };
                    out.push(Signed::sign(renewal, &keys[0]).unwrap().text().to_string());
                }
                _ => {}
            }
        }
        out
    }

    /// A serial that depends only on the position (so that a shrunk case
    /// is the same case).
    fn rand_serial(position: usize, salt: usize) -> [u8; 8] {
        let x = (position as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt as u64;
        x.to_be_bytes()
    }

    /// The decision, with everything that follows the input order sorted:
    /// pools, their serials, members and features, the warnings, and the
    /// inputs as a multiset of (text, kind, verdict, reason).
    fn decision(w: &World, texts: &[String], tenant: Option<&str>) -> Value {
        let file = w.write("material.txt", &texts.join("\n"));
        let mut args = vec!["--now", "2027-06-01"];
        if let Some(tenant) = tenant {
            args.extend(["--tenant", tenant]);
        }
        args.push(&file);
        let (_, mut json, err) = w.verify(&args);
        assert!(json.is_object(), "{err}");
        let sort = |v: &mut Value| {
            if let Some(items) = v.as_array_mut() {
                items.sort_by_key(Value::to_string);
            }
        };
        for line in json["licenses"].as_array_mut().unwrap() {
            for field in ["serials", "members", "features"] {
                sort(&mut line[field]);
            }
        }
        sort(&mut json["licenses"]);
        sort(&mut json["warnings"]);
        sort(&mut json["rejected"]);
        for line in json["inputs"].as_array_mut().unwrap() {
            line.as_object_mut().unwrap().remove("origin");
        }
        sort(&mut json["inputs"]);
        json
    }

    fn distinct(json: &Value) -> Value {
        let mut json = json.clone();
        for field in ["inputs", "rejected"] {
            json[field].as_array_mut().unwrap().dedup();
        }
        // "given N times" warnings count the repeats themselves.
        json["warnings"]
            .as_array_mut()
            .unwrap()
            .retain(|w| !w.as_str().unwrap().contains("times; it counts once"));
        json["warning_codes"]
            .as_array_mut()
            .unwrap()
            .retain(|c| c != "given_again");
        json
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn any_order_and_any_repeat_give_one_answer(
            pieces in prop::collection::vec(piece(), 1..10),
            order in prop::collection::vec(any::<u32>(), 12),
            repeats in prop::collection::vec(0usize..12, 0..6),
        ) {
            let w = World::new();
            w.partners(&["issue", "revoke"]);
            w.customer("FIRMA-000123");
            let texts = texts(&w, &pieces);
            let mut shuffled: Vec<(u32, String)> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| (order[i % order.len()].wrapping_add(i as u32), t.clone()))
                .collect();
            shuffled.sort();
            let shuffled: Vec<String> = shuffled.into_iter().map(|(_, t)| t).collect();
            let mut repeated = shuffled.clone();
            for r in &repeats {
                repeated.push(texts[r % texts.len()].clone());
            }
            repeated.reverse();
            for tenant in [None, Some("FIRMA-000123")] {
                let first = decision(&w, &texts, tenant);
                let again = decision(&w, &shuffled, tenant);
                prop_assert_eq!(&first, &again);
                let with_repeats = decision(&w, &repeated, tenant);
                for field in ["licenses", "supply"] {
                    prop_assert_eq!(&first[field], &with_repeats[field]);
                }
                prop_assert_eq!(distinct(&first), distinct(&with_repeats));
            }
        }
    }
}

// ---- keys, not key ids ---------------------------------------------------------

/// Copies the two colliding keys of tests/vectors/colliding-keys (one key
/// id, found by a birthday search: search.py) into the world as `a.key`,
/// `a.pub`, `b.key`, `b.pub`.
fn colliding_keys(w: &World) {
    let dir = format!("{}/../tests/vectors/colliding-keys", common::world::EXAMPLE);
    for name in ["a", "b"] {
        w.write(
            &format!("{name}.key"),
            &std::fs::read_to_string(format!("{dir}/{name}.pem")).unwrap(),
        );
        w.write(
            &format!("{name}.pub"),
            &std::fs::read_to_string(format!("{dir}/{name}.pub.pem")).unwrap(),
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(
                w.path(&format!("{name}.key")),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
    }
}

fn certify(w: &World, name: &str, subject: &str, role: &str, grant: &str) -> String {
    let cert = w.ok(&[
        "partner",
        "certify",
        "--key",
        "vendor.secret.pem",
        "--public",
        "vendor.public.pem",
        "--now",
        "2027-01-01",
        "--subject",
        subject,
        "--name",
        name,
        "--role",
        role,
        "--grant",
        grant,
        "--product",
        "starface",
        "--not-after",
        "2030-01-01",
    ]);
    w.write(&format!("{name}.cert"), &cert)
}

/// Key ids are 4 bytes. Certified as a reseller (`issue`, key a) and as a
/// service provider (`extend`, key b with a's key id), the second once
/// renewed what the first issued, as if it were its own: "is this signer
/// under that one" compared key ids. It compares keys now.
#[test]
fn a_key_that_shares_another_keys_id_shares_none_of_its_rights() {
    let w = World::new();
    colliding_keys(&w);
    let id = |public: &str| {
        w.ok(&["key", "export", "--public", public, "--format", "hex"])
            .lines()
            .find(|l| l.contains("key id"))
            .map(str::to_string)
    };
    assert_eq!(
        id("a.pub"),
        id("b.pub"),
        "the fixture's keys share one key id"
    );
    certify(&w, "a", "a.pub", "reseller", "issue");
    certify(&w, "b", "b.pub", "service-provider", "extend");
    let license = w.license(
        "license.txt",
        "a.key",
        Some("a.cert"),
        &["--expires", "2027-03-01"],
    );
    let renewal = w.ok(&[
        "renew",
        "--key",
        "b.key",
        "--cert",
        "b.cert",
        "--now",
        NOW,
        "--license",
        &license,
        "--expires",
        "2029-12-01",
    ]);
    let mut renewal_with_chain = renewal.clone();
    renewal_with_chain.push_str(&w.read("b.cert"));
    let renewal = w.write("renewal.txt", &renewal_with_chain);
    let (code, json, err) = w.verify(&["--now", "2027-06-01", &license, &renewal]);
    assert_eq!(code, 5, "expired, not renewed by another key: {json} {err}");
    assert_eq!(seats(&json), 0);
}

// ---- a renewal binds to its licence ------------------------------------------

/// The vendor renews its licence S to 2040. A reseller (window to 2029)
/// signs a token for another tenant carrying serial S; with the vendor's
/// renewal at hand it once counted until 2040. A renewal (format 2) names
/// the token it renews; an old one (format 1) extends only a token of its
/// own signer.
#[test]
fn a_vendor_renewal_extends_no_other_token_with_its_serial() {
    let w = World::new();
    w.partners(&["issue"]);
    let license = w.license(
        "vendor.txt",
        "vendor.secret.pem",
        None,
        &["--expires", "2028-01-01"],
    );
    let renewal = w.ok(&[
        "renew",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--license",
        &license,
        "--expires",
        "2040-01-01",
    ]);
    let renewal = w.write("renewal.txt", &renewal);
    let serial = u64::from_str_radix(&w.serial(&license), 16)
        .unwrap()
        .to_be_bytes();
    // The same renewal in format 1, as entitle wrote it before.
    let vendor = SigningKey::from_pem(&w.read("vendor.secret.pem")).unwrap();
    let old = Signed::sign(
        entitle_lifecycle::Renewal {
            version: 1,
            signer: vendor.id().0,
            serial,
            issued_at: 1_800_000_000,
            expires_at: Some(2_208_988_800),
            updates_until: None,
            license: None,
        },
        &vendor,
    )
    .unwrap();
    let old = w.write("renewal-v1.txt", old.text());

    let reseller = SigningKey::from_pem(&w.read("reseller.key")).unwrap();
    let mut spec = LicenseSpec::new("starface", "compact", 3);
    spec.tenant = Some("FIRMA-000999".into());
    spec.issued_at = Some(1_799_000_000); // 2027-01-03
    spec.expires_at = Some(1_830_297_600); // 2028-01-01
    let token = Issuer::new(reseller)
        .issue_with_serial(&spec, entitle_verify::Serial(serial))
        .unwrap();
    let mut text = token.text;
    text.push('\n');
    text.push_str(&w.read("reseller.cert"));
    let collider = w.write("collider.txt", &text);

    let later = "2029-06-01";
    // The vendor's licence is renewed, by either format.
    for renewal in [&renewal, &old] {
        let (code, json, err) = w.verify(&["--now", later, &license, renewal]);
        assert_eq!(code, 0, "{err}");
        assert_eq!(seats(&json), 3);
    }
    // The reseller's token with the same serial is not.
    for renewal in [&renewal, &old] {
        let (code, json, err) = w.verify(&["--now", later, &collider, renewal]);
        assert_eq!(seats(&json), 0, "{json}");
        assert_eq!(code, 5, "{err}");
    }
}

// ---- the seat server ------------------------------------------------------------

/// One activation of a 10-seat GoToAssist licence once fed a pool per
/// process: the same state directory served again (another port, another
/// database), or a copy of it (`cp -a`, the store and credential dropped),
/// gave 20 live sessions. The licence is held by the server that serves
/// it; a second one on the machine serves nothing of it until the first
/// stops (however it stops).
#[test]
fn one_activation_feeds_one_pool_on_its_machine() {
    let site = common::seat_site::Site::new(10, 0);
    let machine = common::example("appliance/machine-id");
    let refused = |started: Result<common::seat_site::Server, String>| match started {
        Ok(_) => panic!("a second server serves the same licence"),
        Err(why) => assert!(why.contains("already served on this machine"), "{why}"),
    };
    let first = site.serve(&[]);
    refused(site.serve_on(&machine, &[]));
    let d = site.path();
    common::copy_dir(&d.join("state"), &d.join("copy"));
    for file in [
        "seats.sqlite",
        "seats.sqlite-wal",
        "seats.sqlite-shm",
        "admin.credential",
    ] {
        let _ = std::fs::remove_file(d.join("copy").join(file));
    }
    refused(site.serve_as("copy", &machine, &[]));
    // The first server is killed (-9): the copy may serve now, alone.
    drop(first);
    let copy = site.serve_as("copy", &machine, &[]).unwrap();
    refused(site.serve_on(&machine, &[]));
    drop(copy);
}

/// A concurrent licence that expired on 2026-12-01, served with `--now
/// 2026-11-28`, kept granting claims after every refresh. A server runs on
/// the machine's clock.
#[test]
fn serve_takes_no_clock_of_its_own() {
    let site = common::seat_site::Site::new(10, 0);
    let machine = common::example("appliance/machine-id");
    match site.serve_on(&machine, &["--now", "2026-11-28"]) {
        Ok(_) => panic!("served with a clock of its own"),
        Err(why) => assert!(why.contains("runs on this machine's clock"), "{why}"),
    }
}

/// Root on the seat server's host set `leases.kind = 'named'` in
/// seats.sqlite and held 30 live leases on a 10-seat pool: the count of
/// shared seats read the stored kind. Which seat a lease takes follows
/// from who holds it now.
#[test]
fn a_lease_kind_written_into_the_store_frees_no_seat() {
    let site = common::seat_site::Site::new(10, 0);
    let server = site.serve(&[]);
    site.grant(&server, 30);
    let store = site.path().join("state/seats.sqlite");
    let mut granted = 0;
    for i in 0..30 {
        if site.claim(&server, &format!("a{i}")).is_ok() {
            granted += 1;
        }
        let db = rusqlite::Connection::open(&store).unwrap();
        db.busy_timeout(Duration::from_secs(10)).unwrap();
        db.execute("UPDATE leases SET kind = 'named'", []).unwrap();
    }
    assert_eq!(granted, 10, "a 10-seat pool");
    let db = rusqlite::Connection::open(&store).unwrap();
    let live: i64 = db
        .query_row("SELECT count(*) FROM leases", [], |r| r.get(0))
        .unwrap();
    assert_eq!(live, 10);
}

/// Root on the seat server's host raises the pool's stored figure (10 to
/// 30) between two refreshes: a claim never counts on more than the
/// server's own decision.
#[test]
fn a_pool_size_written_into_the_store_grants_no_seat() {
    let site = common::seat_site::Site::new(10, 0);
    let server = site.serve(&["--refresh", "3600"]);
    site.grant(&server, 30);
    let store = site.path().join("state/seats.sqlite");
    let db = rusqlite::Connection::open(&store).unwrap();
    db.busy_timeout(Duration::from_secs(10)).unwrap();
    let raised = db
        .execute("UPDATE pool_seats SET shared = 30, shared_cap = NULL", [])
        .unwrap();
    assert!(raised > 0);
    let granted = (0..30)
        .filter(|i| site.claim(&server, &format!("a{i}")).is_ok())
        .count();
    assert_eq!(granted, 10, "a 10-seat pool");
}

/// Root on the seat server's host reads the activation key in the state
/// directory and signs any lease: another pool, years long. `lease verify`
/// called it genuine. The pool must be the licence's, and a lease lasts at
/// most what a server grants (a day).
#[test]
fn lease_verify_refuses_a_lease_for_another_pool_or_of_years() {
    let site = common::seat_site::Site::new(10, 0);
    let d = site.path();
    let token = std::fs::read_to_string(d.join("licence-0.txt")).unwrap();
    let mut buf = [0u8; entitle_verify::MAX_TOKEN_BYTES];
    let serial = entitle_verify::Token::decode(token.trim(), &mut buf)
        .unwrap()
        .serial();
    let platform = entitle_appliance::FilePlatform::new(std::path::Path::new(&common::example(
        "appliance/machine-id",
    )));
    let appliance =
        entitle_appliance::Appliance::open(&d.join("state"), Box::new(platform)).unwrap();
    let now = entitle_issue::unix_now();
    let sign = |pool: &str, seconds: u64| {
        let lease = appliance
            .lease_key(serial)
            .unwrap()
            .sign(entitle_appliance::LeaseTerms {
                id: "l-1",
                agent: "mallory",
                pool,
                issued_at: now,
                not_after: now + seconds,
            })
            .unwrap();
        std::fs::write(d.join("lease.txt"), lease).unwrap();
        common::seat_site::entitle(
            d,
            &[
                "lease",
                "verify",
                "--public",
                &common::example("vendor.public.pem"),
                "--license",
                "@licence-0.txt",
                "@lease.txt",
            ],
        )
    };
    let out = sign("gotoassist/corporate/FIRMA-1", 60);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let out = sign("gotoassist/corporate/FIRMA-2", 60);
    assert_eq!(out.status.code(), Some(4));
    assert!(common::stderr(&out).contains("the licence is of pool gotoassist/corporate/FIRMA-1"));
    let out = sign("gotoassist/corporate/FIRMA-1", 5 * 365 * 86_400);
    assert_eq!(out.status.code(), Some(4));
    assert!(common::stderr(&out).contains("a seat server grants at most 86400"));
}

// ---- forged input changes nothing but its own verdict --------------------------

/// A token signed by an untrusted key, for another product with the same
/// edition name, renamed the supply key from `compact` to
/// `starface/compact`. Names, keys and warnings come only from material
/// that counts.
#[test]
fn a_forged_token_changes_nothing_but_its_own_verdict() {
    let w = World::new();
    w.keygen("mallory");
    let tokens = format!("@{}/starface/tokens.txt", common::world::EXAMPLE);
    let forged = w.license(
        "forged.txt",
        "mallory.key",
        None,
        &[
            "--product",
            "xphone-8",
            "--edition",
            "compact",
            "--seats",
            "500",
        ],
    );
    let (_, alone, _) = w.verify(&["--now", NOW, &tokens]);
    for args in [[&tokens, &forged], [&forged, &tokens]] {
        let (_, json, _) = w.verify(&["--now", NOW, args[0], args[1]]);
        for field in ["licenses", "supply", "warnings"] {
            assert_eq!(json[field], alone[field], "{field}: {json}");
        }
        assert_eq!(json["rejected"].as_array().unwrap().len(), 1, "{json}");
    }
    assert!(alone["supply"]["licenses"]["compact"].is_u64(), "{alone}");
}

// ---- sign only what counts ----------------------------------------------------

/// A system integrator's `activate respond` exited 0, and every appliance
/// then refused the response; a service provider's revocation list for a
/// customer's licence was signed and then silently revoked nothing. Each
/// signing command refuses, with the appliance's own reason, what would be
/// refused or have no effect; a list kept that changes nothing says why.
#[test]
fn signers_sign_nothing_an_appliance_would_refuse_or_ignore() {
    let w = World::new();
    let license = w.license("license.txt", "vendor.secret.pem", None, &[]);
    w.keygen("integrator");
    w.keygen("provider");
    for (who, role) in [
        ("integrator", "system-integrator"),
        ("provider", "service-provider"),
    ] {
        let cert = w.ok(&[
            "partner",
            "certify",
            "--key",
            "vendor.secret.pem",
            "--public",
            "vendor.public.pem",
            "--now",
            "2027-01-01",
            "--subject",
            &format!("{who}.pub"),
            "--name",
            who,
            "--role",
            role,
            "--not-after",
            "2030-01-01",
        ]);
        w.write(&format!("{who}.cert"), &cert);
    }
    let request = w.request("app", "machine-a", &license, &[]);
    let (code, out, err) = w.run(&[
        "activate",
        "respond",
        "--key",
        "integrator.key",
        "--cert",
        "integrator.cert",
        "--public",
        "vendor.public.pem",
        "--ledger",
        "integrator.ledger",
        "--now",
        NOW,
        "--license",
        &license,
        &request,
    ]);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert!(err.contains("only the key that issued license"), "{err}");
    assert!(!w.path("integrator.ledger").exists() || w.read("integrator.ledger").is_empty());

    let serial = w.serial(&license);
    let revoke = |extra: &[&str]| {
        let mut args = vec![
            "revoke",
            "--key",
            "provider.key",
            "--cert",
            "provider.cert",
            "--public",
            "vendor.public.pem",
            "--now",
            NOW,
            "--sequence",
            "1",
            "--serial",
            &serial,
        ];
        args.extend_from_slice(extra);
        w.run(&args)
    };
    let (code, out, err) = revoke(&["--license", &license]);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert!(err.contains("revokes nothing here"), "{err}");
    // Signed without the licence at hand, the list is kept and says why it
    // changes nothing.
    let (code, list, err) = revoke(&[]);
    assert_eq!(code, 0, "{err}");
    let list = w.write("list.txt", &list);
    let (code, json, err) = w.verify(&["--now", NOW, &license, &list]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(seats(&json), 3);
    assert!(
        json["warnings"]
            .to_string()
            .contains("revokes nothing here"),
        "{json}"
    );
}

// ---- the ledger is checked, not obeyed -------------------------------------------

/// Someone who can write the vendor's ledger: an order's `serial` edited
/// made `revoke --order` revoke the fake serial while the real licence
/// stayed valid; an entry whose tenant is `../../../pwned` (with a matching
/// order row) made `issue --batch --out-dir DIR` write any text outside
/// DIR. Every line the ledger is taken at is checked against its own
/// licence, and a tenant never becomes a path.
#[test]
fn a_ledger_written_by_hand_is_refused_not_obeyed() {
    let w = World::new();
    let catalog = format!("{}/starface/catalog.toml", common::world::EXAMPLE);
    let orders = "order,product,edition,kind,seats,cap,model,tenant,not_before,expires,updates_until,features\n\
                  SO-1,starface,compact,base,,,,FIRMA-000123,,2036-01-01,,\n";
    w.write("orders.csv", orders);
    let batch = |file: &str| {
        w.run(&[
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            NOW,
            "--batch",
            file,
            "--catalog",
            &catalog,
            "--ledger",
            "l.jsonl",
            "--out-dir",
            "out",
        ])
    };
    let (code, _, err) = batch("orders.csv");
    assert_eq!(code, 0, "{err}");
    let ledger = w.read("l.jsonl");
    let line: Value = serde_json::from_str(ledger.lines().next().unwrap()).unwrap();
    let serial = line["serial"].as_str().unwrap().to_string();

    // Another serial in the line: revoke --order refuses it.
    w.write("l.jsonl", &ledger.replace(&serial, "0123456789abcdef"));
    let (code, out, err) = w.run(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "1",
        "--order",
        "SO-1",
        "--ledger",
        "l.jsonl",
    ]);
    assert_eq!((code, out.as_str()), (3, ""), "{err}");
    assert!(err.contains("the ledger was altered"), "{err}");

    // A tenant that is a path, in the ledger and in the order file.
    let mut forged = line.clone();
    forged["order"] = "SO-2".into();
    forged["tenant"] = "../../../pwned".into();
    forged["artifact"] = "whatever the attacker likes".into();
    forged["request"]["tenant"] = "../../../pwned".into();
    w.write("l.jsonl", &format!("{ledger}{forged}\n"));
    w.write(
        "orders2.csv",
        &format!("{orders}SO-2,starface,compact,base,,,,../../../pwned,,2036-01-01,,\n"),
    );
    let (code, _, err) = batch("orders2.csv");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("is not a company id"), "{err}");
    assert!(!w.dir.path().join("../../pwned.txt").exists());
    // With a valid tenant in the row, the forged line is still refused.
    let mut forged = line.clone();
    forged["order"] = "SO-2".into();
    forged["artifact"] = "whatever the attacker likes".into();
    w.write("l.jsonl", &format!("{ledger}{forged}\n"));
    w.write(
        "orders3.csv",
        &format!("{orders}SO-2,starface,compact,base,,,,FIRMA-000123,,2036-01-01,,\n"),
    );
    let (code, _, err) = batch("orders3.csv");
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("the ledger was altered"), "{err}");
}

/// A reseller's renewal of the vendor's licence was signed and then
/// extended nothing on any appliance. With the vendor keys at hand, `renew`
/// decides as the appliance would and refuses it; its own licence it
/// renews.
#[test]
fn renew_signs_no_renewal_that_extends_nothing() {
    let w = World::new();
    w.partners(&["issue", "extend"]);
    let theirs = w.license("vendor.txt", "vendor.secret.pem", None, &[]);
    let own = w.license("own.txt", "reseller.key", Some("reseller.cert"), &[]);
    let renew = |license: &str| {
        w.run(&[
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
            license,
            "--expires",
            "2028-06-01",
        ])
    };
    let (code, out, err) = renew(&theirs);
    assert_eq!((code, out.as_str()), (4, ""), "{err}");
    assert!(err.contains("the renewal extends nothing here"), "{err}");
    let (code, out, err) = renew(&own);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("entn1."), "{out}");
}
