//! The third attack round ("Nothing counts twice, nothing hangs", and
//! "Decisions that hold at the seams"), each attack through the real
//! `entitle` binary. docs/threat-model.md names every test here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::time::{Duration, Instant};

use common::world::{NOW, World};
use entitle_issue::SigningKey;
use entitle_lifecycle::{Certificate, Limits, Role, Signed};
use serde_json::Value;

fn seats(json: &Value) -> u64 {
    json["licenses"]
        .as_array()
        .map_or(0, |l| l.iter().map(|x| x["seats"].as_u64().unwrap()).sum())
}

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
