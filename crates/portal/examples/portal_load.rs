//! The portal under load, measured (not a test): USERS users sign in at
//! once, each browses its licences and answers activation requests for
//! them, ACTIVATIONS in all, through a real `entitle portal serve`
//! (started by `load-portal.sh`, which prepares the companies, users and
//! licences). Prints p50 and p99 per action. docs/performance.md, "Portal".
//!
//!   ENTITLE_LOAD_PORTAL=http://127.0.0.1:PORT portal_load USERS ACTIVATIONS PASSWORD

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a measurement, not a library

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use entitle_issue::SigningKey;
use entitle_lifecycle::Request;
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;

/// Every answer's time, per action.
#[derive(Default)]
struct Times {
    sign_in: Vec<Duration>,
    browse: Vec<Duration>,
    activate: Vec<Duration>,
}

fn percentile(times: &mut [Duration], p: f64) -> f64 {
    times.sort_unstable();
    let Some(last) = times.len().checked_sub(1) else {
        return 0.0;
    };
    let at = ((last as f64) * p).round() as usize;
    times[at.min(last)].as_secs_f64() * 1000.0
}

fn between<'a>(text: &'a str, start: &str, end: char) -> Vec<&'a str> {
    text.match_indices(start)
        .filter_map(|(at, _)| {
            let rest = &text[at + start.len()..];
            rest.find(end).map(|close| &rest[..close])
        })
        .collect()
}

fn random<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    SysRng.try_fill_bytes(&mut bytes).unwrap();
    bytes
}

fn hex_serial(text: &str) -> [u8; 8] {
    let mut out = [0u8; 8];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
    }
    out
}

fn user(url: &str, n: usize, activations: usize, password: &str, start: &Barrier) -> Times {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut times = Times::default();
    let appliance = SigningKey::generate().unwrap().public_key().to_bytes();
    start.wait();
    let begun = Instant::now();
    let answer = agent
        .post(format!("{url}/signin"))
        .send_form([
            ("email", format!("u{n}@c{n}.example")),
            ("password", password.to_string()),
        ])
        .unwrap();
    times.sign_in.push(begun.elapsed());
    assert_eq!(answer.status().as_u16(), 303, "user {n} signs in");
    let cookie = answer
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let mut done = 0;
    while done < activations {
        let begun = Instant::now();
        let page = agent
            .get(format!("{url}/"))
            .header("cookie", &cookie)
            .call()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        times.browse.push(begun.elapsed());
        let csrf = between(&page, "name=\"csrf\" value=\"", '"')[0].to_string();
        let serials: Vec<String> = between(&page, "data-serial=\"", '"')
            .iter()
            .map(|s| s.to_string())
            .collect();
        for serial in serials.iter().take(activations - done) {
            let request = Request {
                version: 1,
                serial: hex_serial(serial),
                fingerprint: random(),
                nonce: random(),
                appliance,
            }
            .to_text()
            .unwrap();
            let begun = Instant::now();
            let answer = agent
                .post(format!("{url}/activate"))
                .header("cookie", &cookie)
                .send_form([("csrf", csrf.as_str()), ("request", request.as_str())])
                .unwrap();
            times.activate.push(begun.elapsed());
            // A licence activated before (a second round) is refused: one
            // machine; both are answers the portal must give.
            let status = answer.status().as_u16();
            assert!(status == 200 || status == 400, "activate: {status}");
            done += 1;
        }
    }
    times
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let users: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let activations: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let password = args.get(3).cloned().unwrap_or_default();
    let url = std::env::var("ENTITLE_LOAD_PORTAL").expect("ENTITLE_LOAD_PORTAL: the portal's URL");
    let start = Arc::new(Barrier::new(users));
    let began = Instant::now();
    let threads: Vec<_> = (0..users)
        .map(|n| {
            let (url, password, start) = (url.clone(), password.clone(), Arc::clone(&start));
            let share = activations / users + usize::from(n < activations % users);
            std::thread::spawn(move || user(&url, n, share, &password, &start))
        })
        .collect();
    let mut all = Times::default();
    for thread in threads {
        let times = thread.join().unwrap();
        all.sign_in.extend(times.sign_in);
        all.browse.extend(times.browse);
        all.activate.extend(times.activate);
    }
    let elapsed = began.elapsed().as_secs_f64();
    println!("portal load: {users} users at once, {activations} activations, {elapsed:.1} s");
    for (name, times) in [
        ("sign-in", &mut all.sign_in),
        ("browse", &mut all.browse),
        ("activate", &mut all.activate),
    ] {
        let n = times.len();
        println!(
            "{name:<9} n={n:<5} p50 {:>7.2} ms  p99 {:>7.2} ms",
            percentile(times, 0.50),
            percentile(times, 0.99)
        );
    }
}
