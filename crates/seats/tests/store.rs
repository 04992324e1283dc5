//! The seat store's promises: never more live shared leases than shared
//! seats, under any sequence of operations; leases expire; a named seat is
//! never taken by another agent; nothing is lost or revived by a restart.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use entitle_seats::{Account, EXHAUSTED_DE, Error, Kind, PoolSpec, Store};
use proptest::prelude::*;

const NOW: u64 = 1_800_000_000;
const TTL: u64 = 60;

fn pool(shared: u32, named: u32) -> PoolSpec {
    PoolSpec::new("gotoassist", "corporate", Some("FIRMA-1"), shared, named)
}

/// A store with `pool(shared, named)` and agents a0..a{n}.
fn store_with(shared: u32, named: u32, agents: usize) -> (Store, Vec<String>) {
    let mut store = Store::in_memory().unwrap();
    store.set_pools(&[pool(shared, named)], NOW).unwrap();
    let credentials = (0..agents)
        .map(|i| {
            let id = format!("a{i}");
            store
                .grant(
                    &Account::site_admin(),
                    &entitle_seats::Agent::new(
                        &id,
                        &format!("Agent {i}"),
                        &format!("a{i}@example.com"),
                        &pool(0, 0).id,
                    ),
                    false,
                    NOW,
                )
                .unwrap()
        })
        .collect();
    (store, credentials)
}

fn live_shared(store: &mut Store, now: u64) -> u32 {
    store.pools(now).unwrap()[0].shared_in_use
}

#[test]
fn fifteen_agents_on_ten_seats_the_eleventh_is_refused_with_the_manuals_words() {
    let (mut store, agents) = store_with(10, 0, 15);
    for agent in &agents[..10] {
        store.claim(agent, NOW, TTL).unwrap();
    }
    let refused = store.claim(&agents[10], NOW, TTL).unwrap_err();
    assert!(matches!(refused, Error::Exhausted { seats: 10, .. }));
    assert!(refused.to_string().contains(EXHAUSTED_DE));
    assert_eq!(store.counters().unwrap().total().claims_refused, 1);
    assert_eq!(live_shared(&mut store, NOW), 10);
}

#[test]
fn a_released_seat_is_free_again_and_an_expired_one_too() {
    let (mut store, agents) = store_with(1, 0, 3);
    let lease = store.claim(&agents[0], NOW, TTL).unwrap();
    // Ids a command line never takes for a flag (one starting with '-' did).
    assert!(lease.id.len() == 32 && lease.id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(store.claim(&agents[1], NOW + 1, TTL).is_err());
    store.release(&agents[0], &lease.id, NOW + 2).unwrap();
    store.claim(&agents[1], NOW + 3, TTL).unwrap();
    // agent 1's client dies: no renewal, the seat frees when the TTL passes.
    assert!(store.claim(&agents[2], NOW + 3 + TTL - 1, TTL).is_err());
    store.claim(&agents[2], NOW + 3 + TTL, TTL).unwrap();
    assert_eq!(store.counters().unwrap().total().leases_expired, 1);
}

#[test]
fn a_renewal_keeps_the_seat_and_an_expired_lease_is_never_revived() {
    let (mut store, agents) = store_with(1, 0, 2);
    let lease = store.claim(&agents[0], NOW, TTL).unwrap();
    let renewed = store.renew(&agents[0], &lease.id, NOW + 50, TTL).unwrap();
    assert_eq!(renewed.not_after, NOW + 50 + TTL);
    assert!(
        store.claim(&agents[1], NOW + 100, TTL).is_err(),
        "renewed: still held"
    );
    let expired = store.renew(&agents[0], &lease.id, NOW + 50 + TTL, TTL);
    assert!(matches!(
        expired,
        Err(Error::LeaseEnded {
            ending: entitle_seats::Ending::Lapsed,
            ..
        })
    ));
    // Someone else's lease cannot be renewed or released either.
    let other = store.claim(&agents[1], NOW + 200, TTL).unwrap();
    assert!(store.renew(&agents[0], &other.id, NOW + 201, TTL).is_err());
    assert!(store.release(&agents[0], &other.id, NOW + 201).is_err());
}

#[test]
fn unknown_and_revoked_credentials_are_refused_whatever_the_pool_holds() {
    let (mut store, agents) = store_with(5, 0, 1);
    assert!(matches!(
        store.claim("esa1_forged", NOW, TTL),
        Err(Error::Unauthorized)
    ));
    let lease = store.claim(&agents[0], NOW, TTL).unwrap();
    store.revoke(&Account::site_admin(), "a0", NOW + 1).unwrap();
    assert!(matches!(
        store.claim(&agents[0], NOW + 2, TTL),
        Err(Error::Unauthorized)
    ));
    assert!(
        store
            .sessions(NOW + 2)
            .unwrap()
            .iter()
            .all(|s| s.lease.id != lease.id)
    );
}

#[test]
fn a_named_seat_is_never_taken_by_a_full_pool() {
    let (mut store, agents) = store_with(2, 1, 4);
    store
        .assign(&Account::site_admin(), "a3", true, NOW)
        .unwrap();
    assert!(
        store
            .assign(&Account::site_admin(), "a2", true, NOW)
            .is_err(),
        "one named seat only"
    );
    for agent in &agents[..2] {
        store.claim(agent, NOW, TTL).unwrap();
    }
    assert!(store.claim(&agents[2], NOW, TTL).is_err());
    let named = store.claim(&agents[3], NOW, TTL).unwrap();
    assert_eq!(named.kind, Kind::Named);
    assert_eq!(live_shared(&mut store, NOW), 2);
    // The named seat is its holder's with every session ("ihnen und nur
    // ihnen gehört"): a second session, while the shared pool is full,
    // takes no shared seat and is never refused.
    let second = store.claim(&agents[3], NOW, TTL).unwrap();
    assert_eq!(second.kind, Kind::Named);
    assert_eq!(live_shared(&mut store, NOW), 2);
    store.release(&agents[3], &named.id, NOW + 1).unwrap();
    assert_eq!(
        store.claim(&agents[3], NOW + 1, TTL).unwrap().kind,
        Kind::Named
    );
}

#[test]
fn a_smaller_pool_ends_the_newest_leases_beyond_it() {
    let (mut store, agents) = store_with(4, 0, 4);
    let leases: Vec<_> = agents
        .iter()
        .enumerate()
        .map(|(i, a)| store.claim(a, NOW + i as u64, TTL).unwrap().id)
        .collect();
    let ended = store.set_pools(&[pool(2, 0)], NOW + 10).unwrap();
    assert_eq!(ended, [leases[3].clone(), leases[2].clone()]);
    assert_eq!(live_shared(&mut store, NOW + 10), 2);
    let gone = store.set_pools(&[], NOW + 11).unwrap();
    assert_eq!(gone.len(), 2, "a pool no longer licensed ends every lease");
}

#[test]
fn a_restart_loses_no_live_lease_and_revives_no_released_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seats.sqlite");
    let (kept, released, agents) = {
        let mut store = Store::open(&path).unwrap();
        store.set_pools(&[pool(3, 0)], NOW).unwrap();
        let agents: Vec<String> = (0..3)
            .map(|i| {
                store
                    .grant(
                        &Account::site_admin(),
                        &entitle_seats::Agent::new(
                            &format!("a{i}"),
                            "A",
                            "a@example.com",
                            &pool(0, 0).id,
                        ),
                        false,
                        NOW,
                    )
                    .unwrap()
            })
            .collect();
        let kept = store.claim(&agents[0], NOW, TTL).unwrap();
        let released = store.claim(&agents[1], NOW, TTL).unwrap();
        store.release(&agents[1], &released.id, NOW + 1).unwrap();
        (kept, released, agents)
    };
    let mut store = Store::open(&path).unwrap();
    let sessions = store.sessions(NOW + 2).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].lease, kept);
    assert!(store.renew(&agents[1], &released.id, NOW + 2, TTL).is_err());
    store.renew(&agents[0], &kept.id, NOW + 2, TTL).unwrap();
}

/// A store made before pools were shared (their seats in `pools`) opens:
/// its agents and live leases stay, and the pool's seats come from the
/// decision again.
#[test]
fn a_store_of_the_first_schema_opens_with_its_leases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seats.sqlite");
    let id = pool(0, 0).id;
    let credential = "esa1_an-agent-of-the-first-schema";
    {
        let old = rusqlite::Connection::open(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE pools (
                id TEXT PRIMARY KEY, product TEXT NOT NULL, edition TEXT NOT NULL, tenant TEXT,
                shared INTEGER NOT NULL, named INTEGER NOT NULL);
             CREATE TABLE agents (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, pool TEXT NOT NULL,
                credential BLOB NOT NULL UNIQUE, named INTEGER NOT NULL DEFAULT 0,
                granted_at INTEGER NOT NULL);
             CREATE TABLE leases (
                id TEXT PRIMARY KEY, agent TEXT NOT NULL, pool TEXT NOT NULL, kind TEXT NOT NULL,
                since INTEGER NOT NULL, heartbeat INTEGER NOT NULL, not_after INTEGER NOT NULL);
             CREATE TABLE audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, event TEXT NOT NULL,
                agent TEXT, lease TEXT, detail TEXT);
             CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);",
        )
        .unwrap();
        old.execute(
            "INSERT INTO pools VALUES (?1, 'gotoassist', 'corporate', 'FIRMA-1', 1, 0)",
            [&id],
        )
        .unwrap();
        old.execute(
            "INSERT INTO agents VALUES ('a0', 'A', 'a@example.com', ?1, ?2, 0, ?3)",
            rusqlite::params![id, entitle_seats::hash(credential).as_slice(), NOW],
        )
        .unwrap();
        old.execute(
            "INSERT INTO leases VALUES ('0123456789abcdef0123456789abcdef', 'a0', ?1, 'shared', ?2, ?2, ?3)",
            rusqlite::params![id, NOW, NOW + TTL],
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    store.set_pools(&[pool(2, 0)], NOW + 1).unwrap();
    assert_eq!(
        store.sessions(NOW + 1).unwrap().len(),
        1,
        "the live lease stays"
    );
    assert_eq!(live_shared(&mut store, NOW + 1), 1);
    // a0 holds one seat whatever the number of its sessions; two more
    // technicians find one seat left.
    store.claim(credential, NOW + 1, TTL).unwrap();
    assert_eq!(live_shared(&mut store, NOW + 1), 1);
    let others: Vec<String> = ["a1", "a2"]
        .iter()
        .map(|id| {
            store
                .grant(
                    &Account::site_admin(),
                    &entitle_seats::Agent::new(id, "B", "b@example.com", &pool(0, 0).id),
                    false,
                    NOW,
                )
                .unwrap()
        })
        .collect();
    store.claim(&others[0], NOW + 1, TTL).unwrap();
    assert!(
        store.claim(&others[1], NOW + 1, TTL).is_err(),
        "2 seats, from the decision"
    );
}

/// "wenn z. B. 10 Techniker derzeit 10 gemeinsam genutzte Lizenzen
/// belegen, muss der 11. …": the manual counts technicians. One technician
/// with ten sessions holds one shared seat, and nine others still find
/// theirs.
#[test]
fn a_technician_holds_one_shared_seat_whatever_the_number_of_sessions() {
    let (mut store, agents) = store_with(10, 0, 11);
    for _ in 0..10 {
        store.claim(&agents[0], NOW, TTL).unwrap();
    }
    assert_eq!(live_shared(&mut store, NOW), 1);
    for agent in &agents[1..10] {
        store.claim(agent, NOW, TTL).unwrap();
    }
    assert_eq!(live_shared(&mut store, NOW), 10);
    assert!(matches!(
        store.claim(&agents[10], NOW, TTL),
        Err(Error::Exhausted { .. })
    ));
    // A shrinking pool takes the seats of the technicians who came last,
    // every session of theirs.
    let ended = store.set_pools(&[pool(5, 0)], NOW + 1).unwrap();
    assert_eq!(ended.len(), 5);
    assert_eq!(live_shared(&mut store, NOW + 1), 5);
    assert_eq!(
        store.sessions(NOW + 1).unwrap().len(),
        14,
        "a0 keeps its ten"
    );
}

/// Someone with root on the server's disk writes a second server's seats
/// into the SQLite file: the next refresh of the pools drops them, and a
/// figure of this server's edited upwards is set back to the decision's.
#[test]
fn figures_written_into_the_file_by_hand_go_at_the_next_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("seats.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.set_pools(&[pool(2, 0)], NOW).unwrap();
    let by_hand = rusqlite::Connection::open(&path).unwrap();
    by_hand
        .execute(
            "INSERT INTO pool_seats VALUES (?1, 'forged', 50, 0, NULL, NULL, 'ff', ?2, 'evil')",
            rusqlite::params![pool(0, 0).id, i64::MAX],
        )
        .unwrap();
    by_hand
        .execute(
            "UPDATE pool_seats SET shared = 40 WHERE instance = 'local'",
            [],
        )
        .unwrap();
    assert_eq!(
        store.pools(NOW).unwrap()[0].spec.shared,
        90,
        "until the refresh"
    );
    store.set_pools(&[pool(2, 0)], NOW + 1).unwrap();
    assert_eq!(store.pools(NOW + 1).unwrap()[0].spec.shared, 2);
}

#[test]
fn bad_names_and_addresses_are_refused() {
    let (mut store, _) = store_with(1, 0, 0);
    let id = pool(0, 0).id;
    for (agent, name, email) in [
        ("", "A", "a@x.example"),
        ("a", "A\u{7}", "a@x.example"),
        ("a", "A", &"x".repeat(201)),
        ("a", "A", "not an address"),
        ("a", "A", "a@localhost"),
        ("a", "A", "a@b@c.example"),
    ] {
        assert!(matches!(
            store.grant(
                &Account::site_admin(),
                &entitle_seats::Agent::new(agent, name, email, &id),
                false,
                NOW
            ),
            Err(Error::Invalid(_))
        ));
    }
    assert!(matches!(
        store.grant(
            &Account::site_admin(),
            &entitle_seats::Agent::new("a", "A", "a@x.example", "nope/pool"),
            false,
            NOW
        ),
        Err(Error::NotFound(_))
    ));
}

/// Granting an agent granted already is refused unless asked to replace
/// it; replaced, its running session keeps its seat: the old credential
/// renews and releases that session, and claims nothing new.
#[test]
fn granting_again_is_asked_for_and_keeps_running_sessions() {
    let (mut store, agents) = store_with(2, 0, 1);
    let lease = store.claim(&agents[0], NOW, TTL).unwrap();
    let again = entitle_seats::Agent::new("a0", "Agent Zero", "zero@example.com", &pool(0, 0).id);
    let admin = Account::site_admin();
    assert!(matches!(
        store.grant(&admin, &again, false, NOW + 1),
        Err(Error::Exists(_))
    ));
    let fresh = store.grant(&admin, &again, true, NOW + 1).unwrap();
    assert_eq!(store.agents().unwrap()[0].name, "Agent Zero");
    // The old credential still renews the session it started...
    store.renew(&agents[0], &lease.id, NOW + 30, TTL).unwrap();
    // ...but starts no new one; the new credential does.
    assert!(matches!(
        store.claim(&agents[0], NOW + 31, TTL),
        Err(Error::Unauthorized)
    ));
    store.claim(&fresh, NOW + 31, TTL).unwrap();
    store.release(&agents[0], &lease.id, NOW + 32).unwrap();
}

#[derive(Debug, Clone)]
enum Op {
    Claim(usize),
    Renew(usize),
    Release(usize),
    End(usize),
    Resize(u32),
    Wait(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..8usize).prop_map(Op::Claim),
        2 => (0..8usize).prop_map(Op::Renew),
        2 => (0..8usize).prop_map(Op::Release),
        1 => (0..8usize).prop_map(Op::End),
        1 => (0..6u32).prop_map(Op::Resize),
        2 => (0..90u64).prop_map(Op::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Under any interleaving of claims, renewals, releases, admin ends,
    /// pool changes and time, live shared leases never exceed the pool.
    #[test]
    fn live_leases_never_exceed_the_pool(ops in proptest::collection::vec(op(), 1..60)) {
        let (mut store, agents) = store_with(3, 0, 8);
        let mut capacity = 3u32;
        let mut now = NOW;
        let mut held: Vec<Option<String>> = vec![None; 8];
        for op in ops {
            match op {
                Op::Claim(a) => {
                    if let Ok(lease) = store.claim(&agents[a], now, TTL) {
                        held[a] = Some(lease.id);
                    }
                }
                Op::Renew(a) => {
                    if let Some(id) = &held[a] {
                        let _ = store.renew(&agents[a], id, now, TTL);
                    }
                }
                Op::Release(a) => {
                    if let Some(id) = held[a].take() {
                        let _ = store.release(&agents[a], &id, now);
                    }
                }
                Op::End(a) => {
                    if let Some(id) = held[a].take() {
                        store.end(&Account::site_admin(), &[id], now).unwrap();
                    }
                }
                Op::Resize(n) => {
                    capacity = n;
                    store.set_pools(&[pool(n, 0)], now).unwrap();
                }
                Op::Wait(s) => now += s,
            }
            let live = live_shared(&mut store, now);
            prop_assert!(live <= capacity, "{live} live leases on {capacity} seats");
            let sessions = store.sessions(now).unwrap();
            prop_assert!(sessions.iter().all(|s| s.lease.not_after > now));
        }
    }
}

/// The audit log keeps its lines for the days it is told, and drops older
/// ones at the next refresh of the pools; told 0, it keeps them all.
#[test]
fn the_audit_log_keeps_its_lines_for_the_days_it_is_told() {
    let day = 86_400;
    for (days, kept) in [(30, 1), (0, 2)] {
        let (mut store, agents) = store_with(2, 0, 1);
        store.keep_audit_for(days);
        // One line 40 days ago (the grant at NOW), one now.
        let later = NOW + 40 * day;
        let lease = store.claim(&agents[0], later, TTL).unwrap();
        store.set_pools(&[pool(2, 0)], later).unwrap();
        let events: Vec<String> = store
            .audit(100)
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(events.len(), kept, "{days} days: {events:?}");
        assert_eq!(events[0], "claimed", "the newest stays: {events:?}");
        store.release(&agents[0], &lease.id, later + 1).unwrap();
    }
}
