//! GoToAssist (../shared/MODELS.md section 3): named and concurrent seats,
//! as far as allocation goes (the seat server decides occupancy at run
//! time). One test per rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::*;
use entitle_issue::LicenseSpec;
use entitle_verify::SeatModel;

fn seats(edition: &str, seats: u32, model: SeatModel) -> String {
    let mut spec = LicenseSpec::new("gotoassist", edition, seats);
    spec.model = model;
    spec.issued_at = Some(NOW - 86_400);
    spec.expires_at = Some(NOW + 86_400);
    issue(&spec)
}

fn agents(n: usize, license: &str) -> Vec<String> {
    (0..n)
        .map(|i| format!("agent{i:02},s,g,,member,{license}"))
        .collect()
}

#[test]
fn gotoassist_concurrent_agents_are_granted_access_not_denied() {
    // 15 agents share 10 concurrent seats: all 15 have access; which 10
    // occupy a seat is decided while sessions are open.
    let lines = agents(15, "support");
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (code, json, err) = allocate_bin(
        "",
        &[seats("support", 10, SeatModel::Concurrent)],
        &lines,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    for i in 0..15 {
        assert!(
            granted(&json, &format!("agent{i:02}"), "support"),
            "agent{i:02}"
        );
    }
    let row = &json["licenses"][0];
    assert_eq!(row["available"].as_u64(), Some(10), "the pool size");
    assert_eq!(row["denied"].as_u64(), Some(0));
    let notes = warnings(&json);
    assert!(
        notes.iter().any(|w| w.contains(
            "support: 15 users have access to a concurrent pool of 10 seats; who occupies a seat is decided at run time"
        )),
        "{notes:?}"
    );
}

#[test]
fn gotoassist_named_seats_are_each_one_users() {
    // Named seats are allocated: 12 agents on 10 named seats, 2 go without.
    let lines = agents(12, "support");
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (code, json, err) =
        allocate_bin("", &[seats("support", 10, SeatModel::Named)], &lines, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(granted(&json, "agent09", "support"));
    assert!(!granted(&json, "agent10", "support"));
    assert!(!granted(&json, "agent11", "support"));
}

/// "Gemeinsam genutzte Lizenzen sind für alle Techniker des Kontos offen":
/// with 10 shared and 2 named seats and 15 agents, `allocate` once handed
/// out 12 named seats and denied 3, while `serve` said "10 shared, 2
/// named". The named seats go to their users (id order here; the seat
/// server's administrator assigns them), every other agent has access to
/// the shared pool, and both say the same.
#[test]
fn gotoassist_named_seats_go_to_their_users_and_everyone_else_shares_the_pool() {
    let lines = agents(15, "support");
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (code, json, err) = allocate_bin(
        "",
        &[
            seats("support", 2, SeatModel::Named),
            seats("support", 10, SeatModel::Concurrent),
        ],
        &lines,
        &[],
    );
    assert_eq!(code, 0, "{err}");
    for i in 0..15 {
        assert!(
            granted(&json, &format!("agent{i:02}"), "support"),
            "agent{i:02}"
        );
    }
    let row = &json["licenses"][0];
    assert_eq!(row["used"].as_u64(), Some(2), "two named seats: {json}");
    assert_eq!(row["denied"].as_u64(), Some(0));
    let notes = warnings(&json);
    assert!(
        notes.iter().any(|w| w.contains(
            "support: 2 of 2 named seats held by their users; 13 users have access to a concurrent pool of 10 seats"
        )),
        "{notes:?}"
    );
}
