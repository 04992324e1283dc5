//! Load on a seat server over loopback HTTP: agents claiming and releasing
//! seats of one pool, the store in a file with every change synced before
//! it is answered. Prints claims per second, latency percentiles, and
//! whether the pool was ever exceeded (docs/performance.md, "Seat server").
//!
//! ```sh
//! cargo run --release -p entitle-seats --example load -- [AGENTS] [SEATS] [SECONDS] [THREADS]
//! ```
//! Defaults: 1,000 agents, 50 seats, 10 seconds, 16 client threads. The
//! server runs in this process (axum on 2 worker threads, the store as
//! `entitle serve` opens it), the pool given rather than decided.

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
    let seats = args.next().unwrap_or(50) as u32;
    let seconds = args.next().unwrap_or(10);
    let threads = args.next().unwrap_or(16) as usize;

    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("seats.sqlite")).unwrap();
    let pool = PoolSpec::new("gotoassist", "corporate", None, seats, 0);
    let now = entitle_seats::server::now();
    store.set_pools(std::slice::from_ref(&pool), now).unwrap();
    let credentials: Vec<String> = (0..agents)
        .map(|i| {
            store
                .grant(
                    &format!("agent-{i}"),
                    "Agent",
                    "a@example.com",
                    &pool.id,
                    now,
                )
                .unwrap()
        })
        .collect();
    let admin = "esk1_load";
    let spec = pool.clone();
    let server = Server::new(
        store,
        hash(admin),
        60,
        Box::new(move || Ok(vec![spec.clone()])),
        None,
    );
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
                    match leases[k].take() {
                        Some(id) => {
                            held.fetch_sub(1, Ordering::SeqCst);
                            mine[k].release(&id).unwrap();
                        }
                        None => match mine[k].claim() {
                            Ok(lease) => {
                                let now_held = held.fetch_add(1, Ordering::SeqCst) + 1;
                                most.fetch_max(now_held, Ordering::SeqCst);
                                leases[k] = Some(lease.id);
                                granted += 1;
                            }
                            Err(Error::Exhausted { .. }) => refused += 1,
                            Err(e) => panic!("{e}"),
                        },
                    }
                    latencies.push(began.elapsed());
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
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    let claims = granted + refused;
    println!("agents {agents}, seats {seats}, {seconds} s, {threads} client threads");
    println!(
        "requests {} ({:.0}/s); claims {claims} ({:.0}/s: {granted} granted, {refused} refused)",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        claims as f64 / elapsed
    );
    println!(
        "latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    );
    let most = most.load(Ordering::SeqCst);
    println!("most leases held at once (as the clients saw it): {most} of {seats}");
    assert!(most <= seats, "the pool was exceeded");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!(
            "peak memory of server and clients together: {}",
            line.trim_start_matches("VmHWM:").trim()
        );
    }
}
