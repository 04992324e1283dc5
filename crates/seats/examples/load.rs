//! Load on a seat server over loopback HTTP: agents claiming and releasing
//! seats of one pool, every change durable before it is answered. Prints
//! claims per second, latency percentiles, and whether the pool was ever
//! exceeded (docs/performance.md, "Seat server").
//!
//! ```sh
//! cargo run --release -p entitle-seats --example load -- [AGENTS] [SEATS] [SECONDS] [THREADS] [RATE]
//! ```
//! Defaults: 1,000 agents, 50 seats, 10 seconds, 16 client threads, and
//! RATE 0: each client thread sends its next request as soon as the last
//! is answered (the most the server can do, latency at saturation). With a
//! RATE, the threads together send RATE requests per second on a fixed
//! schedule, and a request's latency counts from when the schedule said to
//! send it, so a slow answer also charges the requests it held up (no
//! coordinated omission): latency at that load. Each request goes to one
//! of the thread's agents picked at random. Where the server is:
//! - by default in this process (axum on 2 worker threads, the pool given
//!   rather than decided), its store a SQLite file opened as `entitle serve`
//!   opens it, or the PostgreSQL database `ENTITLE_DATABASE` names;
//! - with `ENTITLE_LOAD_SERVER=http://…` and `ENTITLE_ADMIN_CREDENTIAL`, a
//!   running `entitle serve`: the agents are granted on its pool for the
//!   tenant LOAD, or its first (SEATS is then the pool's), and with
//!   `ENTITLE_LOAD_SERVER_PID` its peak memory and CPU time are read from
//!   `/proc` (`load-serve.sh` sets this up).

#![allow(missing_docs)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measuring tool

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use entitle_seats::client::Client;
use entitle_seats::server::{Server, router};
use entitle_seats::{Account, PoolSpec, Store, hash};

/// Left out of the figures: the first seconds, while every agent's first
/// request opens its connection.
const WARM_UP: Duration = Duration::from_secs(2);

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Granted,
    Refused,
    Released,
}

/// One request: when it was sent (or due), how long until its answer.
struct Sample {
    at: Duration,
    latency: Duration,
    outcome: Outcome,
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().unwrap());
    let agents = args.next().unwrap_or(1000) as usize;
    let mut seats = args.next().unwrap_or(50) as u32;
    let seconds = args.next().unwrap_or(10);
    let threads = args.next().unwrap_or(16) as usize;
    let rate = args.next().unwrap_or(0);
    // Each thread's gap between scheduled requests; none at saturation.
    let gap = (rate > 0).then(|| Duration::from_secs_f64(threads as f64 / rate as f64));

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
                        .grant(
                            &entitle_seats::Agent::new(&id, "Agent", "a@example.com", &pool.id),
                            true,
                        )
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
            store.end(&Account::site_admin(), &live, now).unwrap();
            let credentials: Vec<String> = (0..agents)
                .map(|i| {
                    let id = format!("agent-{i}");
                    store
                        .grant(
                            &Account::site_admin(),
                            &entitle_seats::Agent::new(&id, "Agent", "a@example.com", &pool.id),
                            true,
                            now,
                        )
                        .unwrap()
                })
                .collect();
            let server = Server::new(
                store,
                hash("esk1_load"),
                60,
                Box::new(move |_: &[String]| Ok((vec![pool.clone()], Vec::new()))),
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
    // Each thread's agents; each connects on its first request.
    let clients: Vec<Vec<Agent>> = (0..threads)
        .map(|t| {
            credentials
                .iter()
                .skip(t)
                .step_by(threads)
                .map(|c| Agent::connect(&url, c))
                .collect()
        })
        .collect();
    let started = Instant::now();
    let workers: Vec<_> = clients
        .into_iter()
        .enumerate()
        .map(|(t, mut mine)| {
            let (stop, held, most) = (stop.clone(), held.clone(), most.clone());
            std::thread::spawn(move || {
                let mut samples = Vec::new();
                let mut leases: Vec<Option<String>> = vec![None; mine.len()];
                let mut random = 0x9e37_79b9_7f4a_7c15_u64 ^ (t as u64 + 1);
                // Threads start their schedules spread over one gap.
                let mut due =
                    started + gap.map_or(Duration::ZERO, |g| g * t as u32 / threads as u32);
                while !stop.load(Ordering::Relaxed) {
                    // Agents in random order (xorshift64): in turn, the
                    // leases claimed together at the start would be
                    // released together every round, a wave no site sees.
                    random ^= random << 13;
                    random ^= random >> 7;
                    random ^= random << 17;
                    let k = (random % mine.len() as u64) as usize;
                    let began = match gap {
                        Some(gap) => {
                            std::thread::sleep(due.saturating_duration_since(Instant::now()));
                            due += gap;
                            due - gap
                        }
                        None => Instant::now(),
                    };
                    let outcome = match leases[k].take() {
                        Some(id) => {
                            held.fetch_sub(1, Ordering::SeqCst);
                            let (status, body) =
                                mine[k].send("DELETE", &format!("/v1/leases/{id}"));
                            assert_eq!(status, 200, "release: {body}");
                            Outcome::Released
                        }
                        None => match mine[k].send("POST", "/v1/leases") {
                            (201, body) => {
                                let now_held = held.fetch_add(1, Ordering::SeqCst) + 1;
                                most.fetch_max(now_held, Ordering::SeqCst);
                                let lease: serde_json::Value = serde_json::from_str(&body).unwrap();
                                leases[k] = Some(lease["id"].as_str().unwrap().to_string());
                                Outcome::Granted
                            }
                            (409, body) if body.contains("\"pool_exhausted\"") => Outcome::Refused,
                            (status, body) => panic!("claim: {status} {body}"),
                        },
                    };
                    samples.push(Sample {
                        at: began - started,
                        latency: began.elapsed(),
                        outcome,
                    });
                }
                samples
            })
        })
        .collect();
    let server_pid = std::env::var("ENTITLE_LOAD_SERVER_PID").ok();
    let server_pid = server_pid.as_deref().map(str::trim);
    std::thread::sleep(WARM_UP);
    let cpu_from = Cpu::now(server_pid);
    std::thread::sleep(Duration::from_secs(seconds).saturating_sub(WARM_UP));
    let cpu = Cpu::now(server_pid).since(&cpu_from);
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for worker in workers {
        samples.extend(worker.join().unwrap());
    }
    // The figures leave out the warm-up, when every agent's first request
    // opens its connection.
    let measured = started.elapsed().saturating_sub(WARM_UP).as_secs_f64();
    samples.retain(|s| s.at >= WARM_UP);
    let of = |outcome: Outcome| samples.iter().filter(|s| s.outcome == outcome).count();
    let (granted, refused) = (of(Outcome::Granted), of(Outcome::Refused));
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let quantile = |q: f64, kinds: &[Outcome]| {
        let mut latencies: Vec<Duration> = samples
            .iter()
            .filter(|s| kinds.contains(&s.outcome))
            .map(|s| s.latency)
            .collect();
        latencies.sort_unstable();
        latencies
            .get(((latencies.len().saturating_sub(1)) as f64 * q) as usize)
            .map_or(0.0, |d| ms(*d))
    };
    let all = [Outcome::Granted, Outcome::Refused, Outcome::Released];
    // Writes (a granted claim, a release) and reads (a refusal) apart.
    let writes = [Outcome::Granted, Outcome::Released];
    let claims = granted + refused;
    let load = match rate {
        0 => "as fast as answered".to_string(),
        rate => format!("{rate} requests/s scheduled"),
    };
    println!(
        "server {store}; agents {agents}, seats {seats}, {seconds} s ({} s warm-up left out), {threads} client threads, {load}",
        WARM_UP.as_secs()
    );
    println!(
        "requests {} ({:.0}/s); claims {claims} ({:.0}/s: {granted} granted, {refused} refused)",
        samples.len(),
        samples.len() as f64 / measured,
        claims as f64 / measured
    );
    println!(
        "latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; p99 of writes {:.2} ms, of refusals {:.2} ms",
        quantile(0.50, &all),
        quantile(0.99, &all),
        quantile(1.0, &all),
        quantile(0.99, &writes),
        quantile(0.99, &[Outcome::Refused])
    );
    let most = most.load(Ordering::SeqCst);
    println!("most leases held at once (as the clients saw it): {most} of {seats}");
    assert!(most <= seats, "the pool was exceeded");
    // Where the machine's time went: the load generator shares the cores.
    print!(
        "CPU while measured: machine {:.0} % busy of {} cores, {:.1} % stolen",
        cpu.percent(cpu.machine.busy),
        cpu.cores,
        cpu.percent(cpu.machine.stolen)
    );
    match cpu.server {
        Some(server) => println!(
            "; server {server:.1} s ({:.0} µs a request), load generator {:.1} s",
            server * 1e6 / samples.len() as f64,
            cpu.this
        ),
        None => println!("; this process (server and clients) {:.1} s", cpu.this),
    }
    let (whose, status) = match server_pid {
        Some(pid) => ("the server", format!("/proc/{pid}/status")),
        None => (
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

/// CPU time read from /proc: this process's, the server's, the machine's.
struct Cpu {
    this: f64,
    server: Option<f64>,
    /// The whole machine's busy, stolen (by the hypervisor, for other
    /// guests) and all time, and its cores.
    machine: Machine,
    cores: usize,
}

struct Machine {
    busy: f64,
    stolen: f64,
    all: f64,
}

impl Cpu {
    fn now(server: Option<&str>) -> Cpu {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let cores = stat
            .lines()
            .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
            .count();
        // user nice system idle iowait irq softirq steal: idle and iowait
        // are idle; steal, time this machine wanted and did not get.
        let ticks: Vec<f64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .take(8)
            .filter_map(|n| n.parse().ok())
            .collect();
        let tick = |i: usize| ticks.get(i).copied().unwrap_or(0.0);
        let all: f64 = ticks.iter().sum();
        Cpu {
            this: process_seconds("self").unwrap_or(0.0),
            server: server.and_then(process_seconds),
            machine: Machine {
                busy: all - tick(3) - tick(4) - tick(7),
                stolen: tick(7),
                all,
            },
            cores,
        }
    }

    /// The time spent between `before` and this reading.
    fn since(&self, before: &Cpu) -> Cpu {
        Cpu {
            this: self.this - before.this,
            server: self.server.zip(before.server).map(|(a, b)| a - b),
            machine: Machine {
                busy: self.machine.busy - before.machine.busy,
                stolen: self.machine.stolen - before.machine.stolen,
                all: self.machine.all - before.machine.all,
            },
            cores: self.cores,
        }
    }

    /// A part of the machine's time, in percent.
    fn percent(&self, part: f64) -> f64 {
        if self.machine.all > 0.0 {
            part * 100.0 / self.machine.all
        } else {
            0.0
        }
    }
}

/// User and system CPU seconds of process `pid` (Linux counts them in
/// hundredths of a second in /proc/PID/stat, fields 14 and 15).
fn process_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which may hold spaces: field 3 first.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |field: usize| fields.get(field - 3)?.parse::<f64>().ok();
    Some((ticks(14)? + ticks(15)?) / 100.0)
}

/// One agent's kept-alive connection, speaking just enough HTTP/1.1 for
/// the load: a request without a body, an answer with a Content-Length.
/// (The crate's [`Client`] is made for agent apps; its per-request cost
/// would be the load generator's, on the cores the server uses.) It
/// connects on first use and again when the server has closed it for
/// idling, as an agent app's client does.
struct Agent {
    stream: Option<TcpStream>,
    host: String,
    credential: String,
    buffer: Vec<u8>,
}

impl Agent {
    fn connect(url: &str, credential: &str) -> Agent {
        let host = url
            .strip_prefix("http://")
            .expect("the load speaks plain HTTP on loopback");
        Agent {
            stream: None,
            host: host.to_string(),
            credential: credential.trim().to_string(),
            buffer: Vec::with_capacity(4096),
        }
    }

    /// Sends `method path`; returns the status and the body.
    fn send(&mut self, method: &str, path: &str) -> (u16, String) {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Length: 0\r\n\r\n",
            self.host, self.credential
        );
        // A kept connection the server closed answers nothing: once more
        // on a new one.
        let reused = self.stream.is_some();
        match self.exchange(request.as_bytes()) {
            Some(answer) => answer,
            None if reused => {
                self.stream = None;
                self.exchange(request.as_bytes())
                    .expect("the server closed a new connection")
            }
            None => panic!("the server closed a new connection"),
        }
    }

    /// One request and its answer; None if the connection was closed
    /// before any of the answer came.
    fn exchange(&mut self, request: &[u8]) -> Option<(u16, String)> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(&self.host).unwrap();
            stream.set_nodelay(true).unwrap();
            self.stream = Some(stream);
        }
        let stream = self.stream.as_mut()?;
        if stream.write_all(request).is_err() {
            return None;
        }
        self.buffer.clear();
        let mut chunk = [0u8; 4096];
        let mut read = |buffer: &mut Vec<u8>| match stream.read(&mut chunk) {
            Ok(n) if n > 0 => {
                buffer.extend_from_slice(&chunk[..n]);
                true
            }
            _ => false,
        };
        let (head_end, body_len) = loop {
            if !read(&mut self.buffer) {
                assert!(self.buffer.is_empty(), "the server closed mid-answer");
                return None;
            }
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                break (end + 4, length);
            }
        };
        while self.buffer.len() < head_end + body_len {
            assert!(read(&mut self.buffer), "the server closed mid-answer");
        }
        let status = String::from_utf8_lossy(&self.buffer[9..12])
            .parse()
            .unwrap();
        let body = String::from_utf8_lossy(&self.buffer[head_end..head_end + body_len]);
        Some((status, body.into_owned()))
    }
}
