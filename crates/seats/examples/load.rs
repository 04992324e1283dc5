//! Load on a seat server over loopback HTTP: agents claiming and releasing
//! seats of one pool, every change durable before it is answered. Prints
//! claims per second, latency percentiles, and whether the pool was ever
//! exceeded (docs/performance.md, "Seat server").
//!
//! ```sh
//! cargo run --release -p entitle-seats --example load -- [AGENTS] [SEATS] [SECONDS] [THREADS]
//! ```
//! Defaults: 1,000 agents, 50 seats, 10 seconds, 16 client threads. Where
//! the server is:
//! - by default in this process (axum on 2 worker threads, the pool given
//!   rather than decided), its store a SQLite file opened as `entitle serve`
//!   opens it, or the PostgreSQL database `ENTITLE_DATABASE` names;
//! - with `ENTITLE_LOAD_SERVER=http://…` and `ENTITLE_ADMIN_CREDENTIAL`, a
//!   running `entitle serve`: the agents are granted on its pool for the
//!   tenant LOAD, or its first (SEATS is then the pool's), and with
//!   `ENTITLE_LOAD_SERVER_PID` its peak memory is read from `/proc`
//!   (`load-serve.sh` sets this up).

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use entitle_seats::client::Client;
use entitle_seats::server::{Server, router};
use entitle_seats::{Error, PoolSpec, Store, hash};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().unwrap());
    let agents = args.next().unwrap_or(1000) as usize;
    let mut seats = args.next().unwrap_or(50) as u32;
    let seconds = args.next().unwrap_or(10);
    let threads = args.next().unwrap_or(16) as usize;

    let _dir;
    let _runtime;
    let (url, credentials, store) = match std::env::var("ENTITLE_LOAD_SERVER") {
        Ok(url) => {
            let admin = std::env::var("ENTITLE_ADMIN_CREDENTIAL").unwrap();
            let admin = Client::new(&url, admin.trim());
            let pools = admin.pools().unwrap();
            let pool = pools
                .iter()
                .find(|p| p.spec.tenant.as_deref() == Some("LOAD"))
                .unwrap_or(&pools[0])
                .spec
                .clone();
            seats = pool.shared;
            // A database used before: its leases end first.
            let live: Vec<String> = admin
                .sessions()
                .unwrap()
                .into_iter()
                .map(|s| s.lease.id)
                .collect();
            admin.end(&live).unwrap();
            let credentials = (0..agents)
                .map(|i| {
                    let id = format!("agent-{i}");
                    admin
                        .grant(&id, "Agent", "a@example.com", &pool.id)
                        .unwrap()
                })
                .collect();
            (url, credentials, "a running entitle serve".to_string())
        }
        Err(_) => {
            let dir = tempfile::tempdir().unwrap();
            let (mut store, what) = match std::env::var("ENTITLE_DATABASE") {
                Ok(url) => (
                    Store::postgres(&url, "load", 600).unwrap(),
                    "PostgreSQL".to_string(),
                ),
                Err(_) => (
                    Store::open(&dir.path().join("seats.sqlite")).unwrap(),
                    "SQLite".to_string(),
                ),
            };
            _dir = dir;
            let pool = PoolSpec::new("gotoassist", "corporate", None, seats, 0);
            let now = entitle_seats::server::now();
            store.set_pools(std::slice::from_ref(&pool), now).unwrap();
            // A database used before: its leases end first.
            let live: Vec<String> = store
                .sessions(now)
                .unwrap()
                .into_iter()
                .map(|s| s.lease.id)
                .collect();
            store.end(&live, now).unwrap();
            let credentials: Vec<String> = (0..agents)
                .map(|i| {
                    let id = format!("agent-{i}");
                    store
                        .grant(&id, "Agent", "a@example.com", &pool.id, now)
                        .unwrap()
                })
                .collect();
            let server = Server::new(
                store,
                hash("esk1_load"),
                60,
                Box::new(move || Ok(vec![pool.clone()])),
                None,
            )
            .unwrap();
            server.refresh().unwrap();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            let listener = runtime
                .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
                .unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            runtime.spawn(async move { axum::serve(listener, router(server)).await });
            _runtime = runtime;
            (url, credentials, format!("in this process, {what}"))
        }
    };

    let stop = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicU32::new(0));
    let most = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (stop, held, most, url) = (stop.clone(), held.clone(), most.clone(), url.clone());
            let mine: Vec<Client> = credentials
                .iter()
                .skip(t)
                .step_by(threads)
                .map(|c| Client::new(&url, c))
                .collect();
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let (mut granted, mut refused) = (0u64, 0u64);
                let mut leases: Vec<Option<String>> = vec![None; mine.len()];
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let k = i % mine.len();
                    i += 1;
                    let began = Instant::now();
                    let wrote = match leases[k].take() {
                        Some(id) => {
                            held.fetch_sub(1, Ordering::SeqCst);
                            mine[k].release(&id).unwrap();
                            true
                        }
                        None => match mine[k].claim() {
                            Ok(lease) => {
                                let now_held = held.fetch_add(1, Ordering::SeqCst) + 1;
                                most.fetch_max(now_held, Ordering::SeqCst);
                                leases[k] = Some(lease.id);
                                granted += 1;
                                true
                            }
                            Err(Error::Exhausted { .. }) => {
                                refused += 1;
                                false
                            }
                            Err(e) => panic!("{e}"),
                        },
                    };
                    latencies.push((began.elapsed(), wrote));
                }
                (latencies, granted, refused)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let (mut granted, mut refused) = (0u64, 0u64);
    for worker in workers {
        let (l, g, r) = worker.join().unwrap();
        latencies.extend(l);
        granted += g;
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize].0;
    // Writes (a granted claim, a release) and reads (a refusal) apart.
    let p99 = |wrote: bool| {
        let kind: Vec<Duration> = latencies
            .iter()
            .filter(|l| l.1 == wrote)
            .map(|l| l.0)
            .collect();
        kind.get(kind.len().saturating_sub(1) * 99 / 100)
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let claims = granted + refused;
    println!(
        "server {store}; agents {agents}, seats {seats}, {seconds} s, {threads} client threads"
    );
    println!(
        "requests {} ({:.0}/s); claims {claims} ({:.0}/s: {granted} granted, {refused} refused)",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        claims as f64 / elapsed
    );
    println!(
        "latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; p99 of writes {:.2} ms, of refusals {:.2} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        p99(true),
        p99(false)
    );
    let most = most.load(Ordering::SeqCst);
    println!("most leases held at once (as the clients saw it): {most} of {seats}");
    assert!(most <= seats, "the pool was exceeded");
    let (whose, status) = match std::env::var("ENTITLE_LOAD_SERVER_PID") {
        Ok(pid) => ("the server", format!("/proc/{}/status", pid.trim())),
        Err(_) => (
            "this process (server and clients)",
            "/proc/self/status".into(),
        ),
    };
    let status = std::fs::read_to_string(status).unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "peak memory of {whose}: {}\n",
            line.trim_start_matches("VmHWM:").trim()
        );
    }
}
