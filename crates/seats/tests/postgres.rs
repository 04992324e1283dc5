//! The store on PostgreSQL, shared by several servers: together they never
//! hold more live shared leases than the pool, whatever the interleaving.
//!
//! Runs when `ENTITLE_TEST_POSTGRES` is set (tests/common/postgres.rs);
//! `.ci/run` sets it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

#[path = "../../../tests/common/postgres.rs"]
mod database;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Barrier};

use database::Database;
use entitle_seats::{Account, Error, PoolSpec, Store};

const NOW: u64 = 1_800_000_000;
const TTL: u64 = 60;
/// How long a server's figures hold unless recorded again.
const HOLDS: u64 = 180;

fn store(db: &Database, instance: &str) -> Store {
    Store::postgres(&db.url, instance, HOLDS).unwrap()
}

fn pool(shared: u32, serials: &[&str]) -> PoolSpec {
    let mut pool = PoolSpec::new("gotoassist", "corporate", Some("FIRMA-1"), shared, 0);
    pool.serials = serials.iter().map(|s| s.to_string()).collect();
    pool
}

/// Servers `m-a` and `m-b` on one database, with licences of their own
/// (serials s1 and s2) of 6 and 4 shared seats in one pool.
fn two_servers(db: &Database) -> (Store, Store) {
    let (mut a, mut b) = (store(db, "m-a"), store(db, "m-b"));
    a.set_pools(&[pool(6, &["s1"])], NOW).unwrap();
    b.set_pools(&[pool(4, &["s2"])], NOW).unwrap();
    (a, b)
}

/// Server `m-a` alone, with a licence (serial s1) of 2 shared seats, and
/// `agents` agents granted on it.
fn one_server(db: &Database, agents: usize) -> (Store, Vec<String>) {
    let mut a = store(db, "m-a");
    a.set_pools(&[pool(2, &["s1"])], NOW).unwrap();
    let agents = grant(&mut a, agents);
    (a, agents)
}

fn grant(store: &mut Store, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            store
                .grant(
                    &Account::site_admin(),
                    &entitle_seats::Agent::new(
                        &format!("a{i}"),
                        "Agent",
                        "a@example.com",
                        &pool(0, &[]).id,
                    ),
                    false,
                    NOW,
                )
                .unwrap()
        })
        .collect()
}

fn shared(store: &mut Store, now: u64) -> (u32, u32) {
    let pools = store.pools(now).unwrap();
    (pools[0].spec.shared, pools[0].shared_in_use)
}

#[test]
fn two_servers_with_their_own_licences_serve_the_sum_and_a_licence_both_count_once() {
    let Some(db) = Database::new() else { return };
    let (mut a, mut b) = two_servers(&db);
    assert_eq!(shared(&mut a, NOW).0, 10);
    // A licence activated on both (a stale figure after a move): once.
    b.set_pools(&[pool(10, &["s1", "s2"])], NOW).unwrap();
    assert_eq!(shared(&mut a, NOW).0, 10);
    // The smallest cap either server knows holds for the sum.
    let mut capped = pool(4, &["s2"]);
    capped.shared_cap = Some(8);
    b.set_pools(&[capped], NOW).unwrap();
    assert_eq!(shared(&mut b, NOW).0, 8);
}

#[test]
fn a_stopped_servers_seats_leave_the_pool_when_its_figures_lapse() {
    let Some(db) = Database::new() else { return };
    let (mut a, mut b) = two_servers(&db);
    let agents = grant(&mut a, 12);
    for agent in &agents[..10] {
        a.claim(agent, NOW + 1, 10 * HOLDS).unwrap();
    }
    assert!(matches!(
        b.claim(&agents[10], NOW + 1, TTL),
        Err(Error::Exhausted { seats: 10, .. })
    ));
    // b stops; a goes on refreshing: b's 4 seats lapse, and a's next
    // refresh ends the 4 newest leases.
    let later = NOW + HOLDS + 1;
    let ended = a.set_pools(&[pool(6, &["s1"])], later).unwrap();
    assert_eq!(ended.len(), 4);
    assert_eq!(shared(&mut a, later), (6, 6));
    assert!(matches!(
        a.claim(&agents[11], later, TTL),
        Err(Error::Exhausted { seats: 6, .. })
    ));
}

#[test]
fn a_restart_loses_no_live_lease_and_revives_no_released_one() {
    let Some(db) = Database::new() else { return };
    let (mut a, agents) = one_server(&db, 3);
    let kept = a.claim(&agents[0], NOW, TTL).unwrap();
    let released = a.claim(&agents[1], NOW, TTL).unwrap();
    a.release(&agents[1], &released.id, NOW + 1).unwrap();
    drop(a);
    let mut a = store(&db, "m-a");
    let live: Vec<String> = a
        .sessions(NOW + 2)
        .unwrap()
        .into_iter()
        .map(|s| s.lease.id)
        .collect();
    assert_eq!(live, vec![kept.id]);
    a.claim(&agents[2], NOW + 2, TTL).unwrap();
    assert!(a.claim(&agents[1], NOW + 2, TTL).is_err());
}

/// Two servers, four connections each, claiming, renewing and releasing
/// at once on a pool of 10 their licences make together; a watcher
/// counts the technicians holding shared seats all along.
#[test]
fn two_servers_under_concurrent_claims_never_exceed_the_pool() {
    let Some(db) = Database::new() else { return };
    let (mut a, _b) = two_servers(&db);
    let agents = Arc::new(grant(&mut a, 40));
    let (stop, peak, granted) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU32::new(0)),
        Arc::new(AtomicU32::new(0)),
    );
    let watcher = {
        let (stop, peak, url) = (stop.clone(), peak.clone(), db.url.clone());
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            while !stop.load(Ordering::Relaxed) {
                let live: i64 = client
                    // Seats, not sessions: a technician's sessions hold one.
                    .query_one(
                        "SELECT count(DISTINCT agent) FROM leases WHERE kind = 'shared'",
                        &[],
                    )
                    .unwrap()
                    .get(0);
                peak.fetch_max(u32::try_from(live).unwrap(), Ordering::Relaxed);
            }
        })
    };
    let workers = 8;
    let start = Arc::new(Barrier::new(workers));
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let (agents, start, granted) = (agents.clone(), start.clone(), granted.clone());
            let mut server = store(&db, if w % 2 == 0 { "m-a" } else { "m-b" });
            std::thread::spawn(move || {
                start.wait();
                let mut held = Vec::new();
                for round in 0..150usize {
                    let agent = &agents[(w * 5 + round) % agents.len()];
                    match server.claim(agent, NOW + 1, TTL) {
                        Ok(lease) => {
                            granted.fetch_add(1, Ordering::Relaxed);
                            held.push((agent.clone(), lease.id));
                        }
                        Err(Error::Exhausted { .. }) => {}
                        Err(e) => panic!("claim: {e}"),
                    }
                    if round % 3 == 0 {
                        if let Some((agent, lease)) = held.pop() {
                            server.renew(&agent, &lease, NOW + 2, TTL).unwrap();
                            server.release(&agent, &lease, NOW + 2).unwrap();
                        }
                    }
                }
                for (agent, lease) in held {
                    server.release(&agent, &lease, NOW + 3).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    watcher.join().unwrap();
    assert_eq!(
        peak.load(Ordering::Relaxed),
        10,
        "the pool was filled, never exceeded"
    );
    assert!(granted.load(Ordering::Relaxed) > 100);
    assert_eq!(shared(&mut a, NOW + 4), (10, 0));
    assert_eq!(
        a.counters().unwrap().total().claims,
        u64::from(granted.load(Ordering::Relaxed))
    );
    // Each granted claim wrote its lease, its count and its audit line (on
    // PostgreSQL in one statement).
    let claimed = a
        .audit(10_000)
        .unwrap()
        .iter()
        .filter(|e| e.event == "claimed" && e.lease.is_some() && e.agent.is_some())
        .count();
    assert_eq!(claimed, granted.load(Ordering::Relaxed) as usize);
}

#[test]
fn a_stores_debug_form_never_shows_the_connection_string() {
    let Some(db) = Database::new() else { return };
    let shown = format!("{:?}", store(&db, "m-a"));
    let password = db
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, password)| password.to_string())
        .unwrap();
    assert!(!shown.contains(&password), "{shown}");
    assert!(shown.contains("withheld"), "{shown}");
}

/// The database drops every connection (a restart, a failover): the
/// request that finds its connection gone fails with a reason, and the
/// next one connects anew and is served; nothing is lost.
#[test]
fn a_dropped_connection_is_made_anew() {
    let Some(db) = Database::new() else { return };
    let (mut a, agents) = one_server(&db, 2);
    let kept = a.claim(&agents[0], NOW, TTL).unwrap();
    let mut admin = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let dropped: i64 = admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(dropped >= 1, "the store's connection was dropped");
    let first = a.claim(&agents[1], NOW + 1, TTL);
    let lease = match first {
        Ok(lease) => lease,
        Err(Error::Store(why)) => {
            assert!(!why.is_empty());
            a.claim(&agents[1], NOW + 1, TTL).unwrap()
        }
        Err(other) => panic!("{other}"),
    };
    let live: Vec<String> = a
        .sessions(NOW + 2)
        .unwrap()
        .into_iter()
        .map(|s| s.lease.id)
        .collect();
    assert_eq!(live.len(), 2, "{live:?}");
    assert!(live.contains(&kept.id) && live.contains(&lease.id));
}
