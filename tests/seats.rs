//! The seat server through the real binary: `entitle serve` on loopback,
//! administered with `entitle seats`, used with `entitle lease`
//! (docs/concurrent-seats.md; GoToAssist, ../shared/MODELS.md §3).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::io::Read as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::seat_site::{GERMAN, Server, Site, entitle, issue, ok};
use common::{example, stderr, stdout};

/// Waits for what a refresh (every second in these tests) brings about,
/// checking every 200 ms; fails after 20 seconds, however busy the machine.
fn eventually(what: &str, mut holds: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !holds() {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn fifteen_agents_on_ten_shared_seats_exhaustion_release_and_admin_end() {
    let site = Site::new(10, 1);
    // The audit log keeps a month: today's lines all stay.
    let server = site.serve(&["--audit-days", "30"]);
    site.grant(&server, 15);
    let named = site.admin(&server, &["seats", "assign", "--agent", "a14"]);
    assert!(named.status.success(), "{}", stderr(&named));

    let mut leases: Vec<String> = (0..10)
        .map(|i| site.claim(&server, &format!("a{i}")).unwrap())
        .collect();
    let refused = site.claim(&server, "a10").unwrap_err();
    assert_eq!(refused.status.code(), Some(7), "no seat free");
    assert!(stderr(&refused).contains(GERMAN), "{}", stderr(&refused));
    let check = site.lease(&server, "a11", &["lease", "signin"]);
    assert_eq!(
        check.status.code(),
        Some(7),
        "no session can start: exit 7, as without --json"
    );
    let check: serde_json::Value = serde_json::from_str(&stdout(&check)).unwrap();
    assert_eq!(check["can_start"], false);
    assert_eq!(check["message_de"], GERMAN);

    // The named seat is never taken by the full pool.
    assert!(
        site.claim(&server, "a14").is_ok(),
        "a named seat is always available"
    );
    // Its holder's every session is on it ("ihnen und nur ihnen gehört"):
    // a second session, with the shared pool full, is neither refused nor
    // takes a shared seat.
    site.claim(&server, "a14").unwrap();

    // A session ends: its seat is free again.
    let released = site.lease(
        &server,
        "a0",
        &["lease", "release", "--id", &leases.remove(0)],
    );
    assert!(released.status.success(), "{}", stderr(&released));
    leases.push(site.claim(&server, "a10").unwrap());
    assert!(site.claim(&server, "a11").is_err());

    // The administrator ends two sessions.
    let end = site.admin(
        &server,
        &["seats", "end", "--lease", &leases[0], "--lease", &leases[1]],
    );
    assert!(stdout(&end).contains("ended 2 of 2"), "{}", stdout(&end));
    site.claim(&server, "a11").unwrap();
    site.claim(&server, "a12").unwrap();
    assert!(site.claim(&server, "a13").is_err());
    assert_eq!(
        site.sessions(&server).len(),
        12,
        "10 shared + 2 on the named seat"
    );

    // Without a grant, whatever the pool holds.
    std::fs::write(site.path().join("stranger.cred"), "esa1_not-a-credential").unwrap();
    let stranger = site.lease(&server, "stranger", &["lease", "claim"]);
    assert_eq!(stranger.status.code(), Some(4), "{}", stderr(&stranger));

    let audit = stdout(&site.admin(&server, &["seats", "audit"]));
    for event in ["claimed", "released", "ended", "granted", "assigned"] {
        assert!(audit.contains(event), "{event}: {audit}");
    }
}

#[test]
fn a_lease_not_renewed_frees_its_seat_and_cannot_be_revived() {
    let site = Site::new(1, 0);
    // Leases count in whole seconds: with a TTL of 3, a0's lease is live
    // for at least two full seconds after its claim, however the claims
    // fall against the clock's ticks (a TTL of 1 made this test flaky).
    let server = site.serve(&["--lease-ttl", "3"]);
    site.grant(&server, 2);
    let lease = site.claim(&server, "a0").unwrap();
    let refused = site.claim(&server, "a1").unwrap_err();
    assert_eq!(refused.status.code(), Some(7), "{}", stderr(&refused));
    eventually("a0's lease runs out and a1 gets its seat", || {
        site.claim(&server, "a1").is_ok()
    });
    let revived = site.lease(&server, "a0", &["lease", "renew", "--id", &lease]);
    assert_eq!(revived.status.code(), Some(5), "{}", stderr(&revived));
    assert!(
        stderr(&revived).contains("has expired"),
        "{}",
        stderr(&revived)
    );
}

#[test]
fn a_restart_keeps_live_leases_and_revives_no_released_one() {
    let site = Site::new(3, 0);
    let server = site.serve(&[]);
    site.grant(&server, 3);
    let kept = site.claim(&server, "a0").unwrap();
    let released = site.claim(&server, "a1").unwrap();
    let out = site.lease(&server, "a1", &["lease", "release", "--id", &released]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The store holds names, e-mail addresses and the audit log: the
    // owner's alone, its WAL and shared-memory files too.
    #[cfg(unix)]
    for file in ["seats.sqlite", "seats.sqlite-wal", "seats.sqlite-shm"] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(site.path().join("state").join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
    }
    drop(server); // SIGKILL: no chance to tidy up

    let server = site.serve(&[]);
    let live: Vec<String> = site
        .sessions(&server)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(live.as_slice(), std::slice::from_ref(&kept));
    assert!(
        site.lease(&server, "a0", &["lease", "renew", "--id", &kept])
            .status
            .success()
    );
    assert!(
        !site
            .lease(&server, "a1", &["lease", "renew", "--id", &released])
            .status
            .success()
    );
}

#[test]
fn a_copy_of_the_state_on_another_machine_serves_nothing() {
    let site = Site::new(3, 0);
    let refused = site
        .serve_on(&example("appliance/new-machine-id"), &[])
        .err()
        .unwrap();
    assert!(refused.contains("nothing to serve"), "{refused}");
    assert!(site.serve_on(&example("appliance/machine-id"), &[]).is_ok());
}

#[test]
fn a_revocation_added_to_the_material_shrinks_the_pool_and_ends_leases_beyond_it() {
    let site = Site::new(2, 0);
    let server = site.serve(&["--refresh", "1"]);
    site.grant(&server, 2);
    site.claim(&server, "a0").unwrap();
    site.claim(&server, "a1").unwrap();
    // The vendor destroys the licence; the list joins the material file.
    let licence = std::fs::read_to_string(site.path().join("licence-0.txt")).unwrap();
    let serial = ok(site.path(), &["inspect", "--json", licence.trim()]);
    let serial: serde_json::Value = serde_json::from_str(&serial).unwrap();
    let list = ok(
        site.path(),
        &[
            "revoke",
            "--sequence",
            "1",
            "--serial",
            serial["serial"].as_str().unwrap(),
        ],
    );
    let path: PathBuf = site.path().join("licences.txt");
    let mut material = std::fs::read_to_string(&path).unwrap();
    material.push_str(&list);
    std::fs::write(&path, material).unwrap();
    // At the next refresh (every second here).
    the_pool_is_gone(&site, &server, "a0");
}

/// Within a refresh (`--refresh 1`), the pool has left: every lease ended,
/// and `agent`'s claim refused as no longer licensed here.
fn the_pool_is_gone(site: &Site, server: &Server, agent: &str) {
    eventually("no licence, no seat", || site.sessions(server).is_empty());
    let refused = site.claim(server, agent).unwrap_err();
    assert!(
        stderr(&refused).contains("not licensed here now"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn a_licence_deactivated_while_serving_leaves_the_pool_within_a_refresh() {
    // Root on the server's machine deactivates the licence (its receipt
    // lets the vendor activate it elsewhere) and leaves the server running:
    // within one refresh, the seats and the lease keys read from the state
    // are gone, and nothing more is handed out or signed.
    let site = Site::new(2, 0);
    let server = site.serve(&["--refresh", "1"]);
    site.grant(&server, 2);
    site.claim(&server, "a0").unwrap();
    ok(
        site.path(),
        &[
            "activate",
            "deactivate",
            "--state-dir",
            "state",
            "--machine-id",
            &example("appliance/machine-id"),
            "--license",
            "@licence-0.txt",
        ],
    );
    the_pool_is_gone(&site, &server, "a1");
}

#[test]
fn bad_requests_get_a_reason_and_never_crash_the_server() {
    let site = Site::new(1, 0);
    let server = site.serve(&[]);
    let admin = std::fs::read_to_string(site.path().join("state/admin.credential")).unwrap();
    let address = server.url.trim_start_matches("http://").to_string();
    // A raw HTTP/1.1 request: the answer's body, a line break, its status.
    let post = |path: &str, auth: &str, body: &str| {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {auth}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status = answer.split(' ').nth(1).unwrap_or_default().to_string();
        let body = answer
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string();
        format!("{body}\n{status}")
    };
    let admin = admin.trim();
    assert!(post("/v1/agents", admin, "{bad").ends_with("\n400"));
    let missing = post("/v1/agents", admin, r#"{"id":"x"}"#);
    assert!(
        missing.ends_with("\n400") && missing.contains("missing field"),
        "{missing}"
    );
    assert!(post("/v1/agents", "esk1_wrong", "{}").ends_with("\n401"));
    // Every error answer is JSON with a code, whichever layer makes it.
    for (path, body, status, code) in [
        ("/v1/agents", "x".repeat(20_000), "413", "too_large"),
        ("/v1/nothing", "{}".to_string(), "404", "not_found"),
        ("/v1/health", "{}".to_string(), "405", "method_not_allowed"),
    ] {
        let answer = post(path, admin, &body);
        let (json, got) = answer.rsplit_once('\n').unwrap();
        assert_eq!(got, status, "{path}: {answer}");
        let json: serde_json::Value =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{path}: {e}: {answer}"));
        assert_eq!(json["error"]["code"], code, "{path}: {answer}");
    }
    let no_address = post(
        "/v1/agents",
        admin,
        r#"{"id":"a","name":"A","email":"not an address","pool":"gotoassist/corporate/FIRMA-1"}"#,
    );
    assert!(
        no_address.ends_with("\n400") && no_address.contains("not an e-mail address"),
        "{no_address}"
    );
    let agent = post(
        "/v1/agents",
        admin,
        r#"{"id":"a","name":"A","email":"a@example.com","pool":"gotoassist/corporate/FIRMA-1"}"#,
    );
    assert!(agent.ends_with("\n201"), "{agent}");
    // Still serving.
    assert_eq!(site.sessions(&server).len(), 0);
}

#[test]
fn a_lease_is_signed_by_the_activated_server_and_checks_back_to_the_vendor_key() {
    let site = Site::new(2, 0);
    let server = site.serve(&["--lease-ttl", "600"]);
    site.grant(&server, 1);
    let out = site.lease(&server, "a0", &["lease", "claim"]);
    let lease: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let signed = lease["signed"].as_str().unwrap().to_string();
    assert!(signed.starts_with("entl1."), "{signed}");
    std::fs::write(site.path().join("lease.txt"), &signed).unwrap();
    let public = example("vendor.public.pem");
    let check = |licence: &str, lease: &str, extra: &[&str]| {
        let mut args = vec![
            "lease",
            "verify",
            "--public",
            &public,
            "--license",
            licence,
            lease,
        ];
        args.extend_from_slice(extra);
        entitle(site.path(), &args)
    };
    let genuine = check("@licence-0.txt", "@lease.txt", &[]);
    assert!(genuine.status.success(), "{}", stderr(&genuine));
    assert!(
        stdout(&genuine).contains("genuine lease"),
        "{}",
        stdout(&genuine)
    );

    // Its time over: not valid now.
    let later = check("@licence-0.txt", "@lease.txt", &["--now", "2099-01-01"]);
    assert_eq!(later.status.code(), Some(5), "{}", stderr(&later));
    assert!(
        stderr(&later).contains("the lease: expired at"),
        "{}",
        stderr(&later)
    );

    // For another licence (one the server holds no activation of).
    let other = issue(site.path(), "concurrent", 50);
    std::fs::write(site.path().join("other.txt"), other).unwrap();
    let wrong = check("@other.txt", "@lease.txt", &[]);
    assert!(
        stderr(&wrong).contains("for another licence"),
        "{}",
        stderr(&wrong)
    );

    // Altered after signing (or signed by any key but the one the
    // activation binds): the last characters carry the signature.
    let mut forged = signed.clone().into_bytes();
    let last = forged.len() - 2;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    std::fs::write(site.path().join("forged.txt"), forged).unwrap();
    let forged = check("@licence-0.txt", "@forged.txt", &[]);
    assert_eq!(forged.status.code(), Some(4), "{}", stderr(&forged));
}

#[test]
fn kill_9_in_the_middle_of_a_load_run_loses_no_lease_and_doubles_none() {
    use entitle_seats::client::Client;
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};

    let site = Site::new(5, 0);
    let mut server = site.serve(&["--lease-ttl", "600"]);
    site.grant(&server, 20);
    #[derive(Default)]
    struct Seen {
        held: HashSet<String>,     // claims answered 201
        released: HashSet<String>, // releases answered 200
        unsure: HashSet<String>,   // releases sent, no answer
        unsure_claims: usize,      // claims sent, no answer
    }
    let seen = Arc::new(Mutex::new(Seen::default()));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (seen, url, dir) = (seen.clone(), server.url.clone(), site.path().to_path_buf());
            std::thread::spawn(move || {
                let agents: Vec<Client> = (0..5)
                    .map(|i| {
                        let cred =
                            std::fs::read_to_string(dir.join(format!("a{}.cred", t * 5 + i)));
                        Client::new(&url, &cred.unwrap())
                    })
                    .collect();
                let mut mine: Vec<Option<String>> = vec![None; 5];
                for round in 0.. {
                    let i = round % 5;
                    match mine[i].take() {
                        None => match agents[i].claim() {
                            Ok(lease) => {
                                seen.lock().unwrap().held.insert(lease.id.clone());
                                mine[i] = Some(lease.id);
                            }
                            Err(entitle_seats::Error::Exhausted { .. }) => {}
                            Err(_) => {
                                seen.lock().unwrap().unsure_claims += 1;
                                return;
                            }
                        },
                        Some(id) => match agents[i].release(&id) {
                            Ok(()) => {
                                seen.lock().unwrap().released.insert(id);
                            }
                            Err(_) => {
                                seen.lock().unwrap().unsure.insert(id);
                                return;
                            }
                        },
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(700));
    server.child.kill().unwrap(); // SIGKILL, mid-run
    server.child.wait().unwrap();
    for thread in threads {
        thread.join().unwrap();
    }

    let server = site.serve(&[]);
    let live: HashSet<String> = site
        .sessions(&server)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let seen = seen.lock().unwrap();
    assert!(
        seen.held.len() > 20,
        "the load ran: {} claims",
        seen.held.len()
    );
    assert!(live.len() <= 5, "{} live leases on 5 seats", live.len());
    for lease in &live {
        assert!(
            !seen.released.contains(lease),
            "released lease {lease} revived"
        );
    }
    let must_live = seen
        .held
        .iter()
        .filter(|l| !seen.released.contains(*l) && !seen.unsure.contains(*l));
    for lease in must_live {
        assert!(live.contains(lease), "granted lease {lease} lost");
    }
    // A claim cut off by the kill may have committed: at most that many
    // live leases the clients never heard of.
    let unheard = live.iter().filter(|l| !seen.held.contains(*l)).count();
    assert!(
        unheard <= seen.unsure_claims,
        "{unheard} leases nobody was granted"
    );
}

#[test]
fn a_client_that_never_finishes_its_headers_is_dropped_and_others_are_served() {
    use std::io::{Read as _, Write as _};
    let site = Site::new(1, 0);
    let server = site.serve(&[]);
    let address = server.url.trim_start_matches("http://").to_string();
    let mut slow = std::net::TcpStream::connect(&address).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = std::time::Instant::now();
    // Meanwhile the server answers everyone else.
    assert_eq!(site.sessions(&server).len(), 0);
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(15),
        "the slow client held its connection {waited:?}"
    );
    assert!(!String::from_utf8_lossy(&rest).contains("200 OK"));
}

#[test]
fn beyond_loopback_the_server_speaks_tls_and_clients_pin_its_certificate() {
    let site = Site::new(1, 0);
    let server = site.serve(&["--listen", "0.0.0.0:0"]);
    assert!(server.url.starts_with("https://0.0.0.0:"), "{}", server.url);
    let url = server.url.replace("0.0.0.0", "127.0.0.1");
    let cert = site.path().join("state/tls.cert.pem");
    let key = site.path().join("state/tls.key.pem");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the TLS key is the server's alone");
    }
    let admin = |extra: &[&str]| {
        let mut args = vec![
            "seats",
            "grant",
            "--agent",
            "a0",
            "--name",
            "A",
            "--email",
            "a@example.com",
            "--credential-out",
            "a0.cred",
            "--server",
            &url,
            "--admin-credential",
            "state/admin.credential",
        ];
        args.extend_from_slice(extra);
        entitle(site.path(), &args)
    };
    let pinned = admin(&["--server-cert", cert.to_str().unwrap()]);
    assert!(pinned.status.success(), "{}", stderr(&pinned));

    // No certificate given: refused before connecting.
    let unpinned = admin(&[]);
    assert_eq!(unpinned.status.code(), Some(3));
    assert!(
        stderr(&unpinned).contains("needs --server-cert"),
        "{}",
        stderr(&unpinned)
    );
    // Another certificate (a man in the middle's): refused.
    let other = Site::new(1, 0);
    let other_server = other.serve(&["--tls"]);
    let wrong = admin(&[
        "--server-cert",
        other.path().join("state/tls.cert.pem").to_str().unwrap(),
    ]);
    drop(other_server);
    assert_eq!(wrong.status.code(), Some(3));
    assert!(
        stderr(&wrong).contains("invalid peer certificate"),
        "{}",
        stderr(&wrong)
    );
    // Plain HTTP to it: nothing.
    let plain = entitle(
        site.path(),
        &[
            "lease",
            "claim",
            "--server",
            &url.replace("https", "http"),
            "--credential",
            "a0.cred",
        ],
    );
    assert_eq!(plain.status.code(), Some(3), "{}", stderr(&plain));
    assert!(
        stderr(&plain).contains("this server speaks TLS only: use https://"),
        "{}",
        stderr(&plain)
    );
    // A browser's sign-in over TLS: the cookie is `Secure`.
    let browser = common::pinned_browser(&cert);
    let credential = std::fs::read_to_string(site.path().join("state/admin.credential")).unwrap();
    let signed_in = browser
        .post(&format!("{url}/admin/signin"))
        .send_form([("credential", credential.trim())])
        .unwrap();
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.ends_with("; Secure"),
        "{cookie}"
    );
    // And the pinned agent gets its seat.
    let claim = entitle(
        site.path(),
        &[
            "lease",
            "claim",
            "--server",
            &url,
            "--credential",
            "a0.cred",
            "--server-cert",
            cert.to_str().unwrap(),
        ],
    );
    assert!(claim.status.success(), "{}", stderr(&claim));

    // On every address, the certificate names this host and its LAN
    // addresses: a client on the LAN reaches it by either, pinned.
    let names = std::fs::read_to_string(site.path().join("state/tls.names")).unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert!(names.lines().any(|n| n == host.trim()), "{names}");
    let port = url.rsplit(':').next().unwrap();
    if let Some(lan) = names.lines().find_map(|n| {
        n.parse::<std::net::Ipv4Addr>()
            .ok()
            .filter(|a| !a.is_loopback())
    }) {
        let by_lan = entitle(
            site.path(),
            &[
                "lease",
                "claim",
                "--server",
                &format!("https://{lan}:{port}"),
                "--credential",
                "a0.cred",
                "--server-cert",
                cert.to_str().unwrap(),
            ],
        );
        assert!(by_lan.status.success(), "{lan}: {}", stderr(&by_lan));
    }
    drop(server);
    // Moved to an address the certificate does not name: refused at
    // start, saying what to do, never served with a certificate clients
    // would reject.
    let moved = site.serve_on(
        &example("appliance/machine-id"),
        &["--listen", "127.0.0.2:0", "--tls"],
    );
    let refused = moved
        .err()
        .expect("a certificate that does not fit is refused");
    assert!(
        refused.contains("but not 127.0.0.2") && refused.contains("to make a new one"),
        "{refused}"
    );
}

/// Two servers, each activated on its own machine with its own licence (6
/// and 4 seats), keep their seats in one PostgreSQL: agents claim through
/// either at once, and together the servers never hand out more than the
/// 10 bought. When one stops, its seats leave the pool.
#[test]
fn two_servers_on_one_postgresql_never_hand_out_more_than_their_licences_together() {
    let Some(db) = common::postgres::Database::new() else {
        return;
    };
    let site = Site::new(6, 0);
    let d = site.path();
    let second = issue(d, "concurrent", 4);
    std::fs::write(d.join("licence-b.txt"), &second).unwrap();
    let material = std::fs::read_to_string(d.join("licences.txt")).unwrap() + &second;
    std::fs::write(d.join("licences.txt"), material).unwrap();
    let machine_b = d.join("machine-b").display().to_string();
    std::fs::write(&machine_b, "example-appliance-000b\n").unwrap();
    site.activate("licence-b.txt", "state-b", &machine_b);

    let shared = ["--database", db.url.as_str(), "--refresh", "1"];
    let a = site
        .serve_as("state", &example("appliance/machine-id"), &shared)
        .unwrap();
    let b = site.serve_as("state-b", &machine_b, &shared).unwrap();
    site.grant(&a, 14);
    let results: Vec<_> = std::thread::scope(|s| {
        let claims: Vec<_> = (0..14)
            .map(|i| {
                let (site, server) = (&site, if i % 2 == 0 { &a } else { &b });
                s.spawn(move || site.claim(server, &format!("a{i}")))
            })
            .collect();
        claims.into_iter().map(|c| c.join().unwrap()).collect()
    });
    let granted = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(granted, 10, "6 + 4 seats, through either server");
    for refused in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(refused.status.code(), Some(7));
        assert!(stderr(refused).contains(GERMAN), "{}", stderr(refused));
    }
    // One pool, seen from either (each server has its own administrator).
    let admin = |server: &common::seat_site::Server, credential: &str, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            "--json",
            "--server",
            &server.url,
            "--admin-credential",
            credential,
        ]);
        serde_json::from_str::<serde_json::Value>(&ok(d, &all)).unwrap()
    };
    for (server, credential) in [
        (&a, "state/admin.credential"),
        (&b, "state-b/admin.credential"),
    ] {
        let sessions = admin(server, credential, &["seats", "sessions"]);
        assert_eq!(sessions.as_array().unwrap().len(), 10);
        let list = admin(server, credential, &["seats", "list"]);
        assert_eq!(list["pools"][0]["shared"], 10, "{list}");
        let mut figures: Vec<(u64, bool)> = list["pools"][0]["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["shared"].as_u64().unwrap(), f["holds"].as_bool().unwrap()))
            .collect();
        figures.sort_unstable();
        assert_eq!(figures, [(4, true), (6, true)], "{list}");
        // Each server says which host it is, beside its opaque id.
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        for figure in list["pools"][0]["servers"].as_array().unwrap() {
            assert_eq!(figure["host"], host.trim(), "{list}");
            assert!(
                figure["server"].as_str().unwrap().starts_with("m-"),
                "{list}"
            );
        }
    }

    // b stops. A session it served renews through a: its agent app knows
    // both servers (a list, the one that answered last first).
    let (i, through_b) = results
        .iter()
        .enumerate()
        .find_map(|(i, r)| {
            r.as_ref()
                .ok()
                .filter(|_| i % 2 == 1)
                .map(|l| (i, l.clone()))
        })
        .unwrap();
    let both = format!("{},{}", b.url, a.url);
    drop(b);
    let renewed = entitle(
        d,
        &[
            "lease",
            "renew",
            "--id",
            &through_b,
            "--server",
            &both,
            "--credential",
            &format!("a{i}.cred"),
        ],
    );
    assert!(renewed.status.success(), "{}", stderr(&renewed));
    // After three missed refreshes b's 4 seats lapse, and a ends the 4
    // newest leases.
    eventually("the pool falls to a's 6 seats", || {
        site.sessions(&a).len() == 6
    });
    let list = admin(&a, "state/admin.credential", &["seats", "list"]);
    assert_eq!(list["pools"][0]["shared"], 6, "{list}");
    let lapsed: Vec<&serde_json::Value> = list["pools"][0]["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["holds"] == false)
        .collect();
    assert_eq!(lapsed.len(), 1, "b's figure, lapsed: {list}");
    assert_eq!(lapsed[0]["shared"], 4, "{list}");
    let shown = ok(
        d,
        &[
            "seats",
            "list",
            "--server",
            &a.url,
            "--admin-credential",
            "state/admin.credential",
        ],
    );
    assert!(shown.contains("(lapsed)"), "{shown}");
    assert_eq!(list["pools"][0]["shared_in_use"], 6, "{list}");

    // A stop on SIGTERM is clean: the database connections close as they
    // should, off the server's async threads.
    let mut a = a;
    let pid = a.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    assert!(a.child.wait().unwrap().success());
    let mut errors = String::new();
    a.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut errors)
        .unwrap();
    assert!(!errors.contains("panicked"), "{errors}");
}

/// A database that cannot be reached, or is no connection string at all,
/// stops the server with one line that never shows the password.
#[test]
fn a_bad_database_is_one_line_that_keeps_the_password() {
    let site = Site::new(2, 0);
    let machine = example("appliance/machine-id");
    for url in [
        "not a connection string = = =",
        "postgres://entitle:s3cret-pw@127.0.0.1:1/seats",
    ] {
        let refused = site
            .serve_as("state", &machine, &["--database", url])
            .err()
            .unwrap();
        let lines: Vec<&str> = refused.lines().collect();
        assert_eq!(lines.len(), 2, "one line, then the status: {refused}");
        assert!(
            lines[0].contains("PostgreSQL") || lines[0].contains("--database"),
            "{refused}"
        );
        assert!(!refused.contains("s3cret"), "{refused}");
        assert!(!refused.contains("panicked"), "{refused}");
    }
}

/// "wenn z. B. 10 Techniker derzeit 10 gemeinsam genutzte Lizenzen
/// belegen, muss der 11. …": the manual counts technicians, not sessions.
/// One technician with ten sessions once took all ten shared seats.
#[test]
fn gotoassist_a_technician_holds_one_shared_seat_whatever_the_number_of_sessions() {
    let site = Site::new(10, 0);
    let server = site.serve(&[]);
    site.grant(&server, 11);
    for _ in 0..10 {
        site.claim(&server, "a0").unwrap();
    }
    for i in 1..10 {
        site.claim(&server, &format!("a{i}")).unwrap();
    }
    let eleventh = site.claim(&server, "a10").unwrap_err();
    assert_eq!(eleventh.status.code(), Some(7), "{}", stderr(&eleventh));
    assert!(stderr(&eleventh).contains(GERMAN));
    assert_eq!(site.sessions(&server).len(), 19);
}

/// `allocate` and `serve` on the same GoToAssist tokens say the same: 10
/// shared seats that every configured agent may use, and 2 named seats
/// (allocate once handed out 12 named seats and denied 3).
#[test]
fn gotoassist_allocate_and_serve_agree_on_named_and_shared_seats() {
    let site = Site::new(10, 2);
    let server = site.serve(&[]);
    let listed = site.admin(&server, &["seats", "list", "--json"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: serde_json::Value = serde_json::from_str(&stdout(&listed)).unwrap();
    let pool = &listed["pools"][0];
    assert_eq!(
        (pool["shared"].as_u64(), pool["named"].as_u64()),
        (Some(10), Some(2)),
        "{listed}"
    );

    let mut users = String::from("id,site,group,team,role,licenses\n");
    for i in 0..15 {
        users.push_str(&format!("agent{i:02},s,g,,member,corporate\n"));
    }
    std::fs::write(site.path().join("users.csv"), users).unwrap();
    let out = entitle(
        site.path(),
        &[
            "allocate",
            "--json",
            "--public",
            &example("vendor.public.pem"),
            "--tenant",
            "FIRMA-1",
            "--users",
            "users.csv",
            "@licences.txt",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let allocated: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let granted = allocated["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["licenses"][0]["granted"] == true)
        .count();
    assert_eq!(granted, 15, "{allocated}");
    assert!(
        allocated["warnings"].to_string().contains(
            "2 of 2 named seats held by their users; 13 users have access to a concurrent pool of 10 seats"
        ),
        "{allocated}"
    );
}

/// "Administratoren oder Manager mit den Berechtigungen "Benutzer
/// hinzufügen/löschen" und "Produkte verwalten" können den Zugriff …
/// gewähren und entziehen" (GoToAssist): each person signs in with an
/// account of their own, may do exactly what the role and permissions
/// say, and the audit log names who did what.
#[test]
fn administrators_and_managers_have_their_own_accounts_and_the_audit_names_them() {
    let site = Site::new(2, 1);
    let server = site.serve(&[]);
    let add = |id: &str, role: &str, may: &[&str]| {
        let file = format!("{id}.account");
        let mut args = vec![
            "seats",
            "add-account",
            "--id",
            id,
            "--name",
            id,
            "--role",
            role,
            "--credential-out",
            &file,
        ];
        for permission in may {
            args.extend(["--may", permission]);
        }
        let out = site.admin(&server, &args);
        assert!(out.status.success(), "{id}: {}", stderr(&out));
        file
    };
    let manager = add("mara", "manager", &["add-remove-users", "manage-products"]);
    let half = add("hugo", "manager", &["add-remove-users"]);
    let boss = add("berta", "administrator", &[]);
    let grant = |credential: &str, agent: &str| {
        site.admin_as(
            &server,
            credential,
            &[
                "seats",
                "grant",
                "--agent",
                agent,
                "--name",
                agent,
                "--email",
                "x@example.com",
                "--credential-out",
                &format!("{agent}.cred"),
            ],
        )
    };

    // Both permissions: the manager grants and assigns.
    assert!(grant(&manager, "a0").status.success());
    assert!(grant(&manager, "a1").status.success());
    let assign = site.admin_as(&server, &manager, &["seats", "assign", "--agent", "a1"]);
    assert!(assign.status.success(), "{}", stderr(&assign));
    // One of the two: refused, saying why, and nothing changes.
    let refused = grant(&half, "a2");
    assert_eq!(refused.status.code(), Some(4), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("both permissions"),
        "{}",
        stderr(&refused)
    );
    let revoke = site.admin_as(&server, &half, &["seats", "revoke", "--agent", "a0"]);
    assert_eq!(revoke.status.code(), Some(4), "{}", stderr(&revoke));
    // Ending a session is the administrators' ("Dort können
    // Administratoren eine genutzte Lizenz … löschen"); so are accounts.
    let lease = site.claim(&server, "a0").unwrap();
    let end = site.admin_as(&server, &manager, &["seats", "end", "--lease", &lease]);
    assert_eq!(end.status.code(), Some(4), "{}", stderr(&end));
    assert_eq!(site.sessions(&server).len(), 1, "the manager ended nothing");
    let sneak = site.admin_as(
        &server,
        &manager,
        &[
            "seats",
            "add-account",
            "--id",
            "x",
            "--name",
            "x",
            "--role",
            "administrator",
        ],
    );
    assert_eq!(sneak.status.code(), Some(4), "{}", stderr(&sneak));
    let end = site.admin_as(&server, &boss, &["seats", "end", "--lease", &lease]);
    assert!(end.status.success(), "{}", stderr(&end));

    // Who did what.
    let audit = site.admin(&server, &["seats", "audit", "--json"]);
    let audit: Vec<serde_json::Value> = serde_json::from_str(&stdout(&audit)).unwrap();
    let by = |event: &str, agent: &str| {
        audit
            .iter()
            .find(|e| e["event"] == event && e["agent"] == agent)
            .and_then(|e| e["actor"].as_str())
            .map(str::to_string)
    };
    assert_eq!(by("granted", "a0").as_deref(), Some("mara"));
    assert_eq!(by("assigned", "a1").as_deref(), Some("mara"));
    assert_eq!(by("ended", "a0").as_deref(), Some("berta"));
    assert_eq!(by("claimed", "a0"), None, "the agent claimed for itself");
    assert!(
        audit
            .iter()
            .any(|e| e["event"] == "account added" && e["actor"] == "admin"),
        "{audit:?}"
    );

    // An id is never silently replaced, and `admin` is the site's.
    for id in ["mara", "admin"] {
        let again = site.admin(
            &server,
            &[
                "seats",
                "add-account",
                "--id",
                id,
                "--name",
                "X",
                "--role",
                "manager",
            ],
        );
        assert_eq!(again.status.code(), Some(3), "{id}: {}", stderr(&again));
    }
    // A removed account's credential stops working.
    let remove = site.admin(&server, &["seats", "remove-account", "--id", "mara"]);
    assert!(remove.status.success(), "{}", stderr(&remove));
    let after = grant(&manager, "a3");
    assert_eq!(after.status.code(), Some(4), "{}", stderr(&after));
    assert!(stderr(&after).contains("not valid"), "{}", stderr(&after));
    let listed = stdout(&site.admin(&server, &["seats", "accounts"]));
    assert!(
        !listed.contains("mara") && listed.contains("hugo"),
        "{listed}"
    );
}

/// A technician is told why a session ended, by a code of its own, in
/// English and German: an administrator ended it, access was revoked, the
/// named seat was taken back, or the lease lapsed.
#[test]
fn a_technician_is_told_why_the_session_ended() {
    let site = Site::new(3, 1);
    let server = site.serve(&[]);
    site.grant(&server, 3);
    let named = site.admin(&server, &["seats", "assign", "--agent", "a2"]);
    assert!(named.status.success(), "{}", stderr(&named));
    let leases: Vec<String> = (0..3)
        .map(|i| site.claim(&server, &format!("a{i}")).unwrap())
        .collect();
    assert!(
        site.admin(&server, &["seats", "end", "--lease", &leases[0]])
            .status
            .success()
    );
    assert!(
        site.admin(&server, &["seats", "revoke", "--agent", "a1"])
            .status
            .success()
    );
    assert!(
        site.admin(&server, &["seats", "unassign", "--agent", "a2"])
            .status
            .success()
    );
    for (agent, lease, reason, german) in [
        (
            "a0",
            &leases[0],
            "ended_by_admin",
            "Ein Administrator hat die Sitzung beendet",
        ),
        ("a1", &leases[1], "access_revoked", "Ihr Zugriff"),
        ("a2", &leases[2], "named_seat_taken_back", "benannte Lizenz"),
    ] {
        let renew = site.lease(&server, agent, &["lease", "renew", "--id", lease]);
        assert_eq!(renew.status.code(), Some(5), "{agent}: {}", stderr(&renew));
        let error: serde_json::Value = serde_json::from_str(stderr(&renew).trim()).unwrap();
        let error = &error["error"];
        assert_eq!(error["reason"], reason, "{agent}: {error}");
        assert!(
            error["message"].as_str().unwrap().contains(german),
            "{error}"
        );
    }
    // Ending what is not live says so, and fails.
    let again = site.admin(&server, &["seats", "end", "--lease", &leases[0]]);
    assert_eq!(again.status.code(), Some(3), "{}", stderr(&again));
    assert!(
        stderr(&again).contains(leases[0].as_str()),
        "{}",
        stderr(&again)
    );

    // The metrics count every end an administrator caused (the session
    // ended, the agent revoked, the named seat taken back), per pool, and
    // follow Prometheus' naming: counters end in `_total`, gauges do not.
    let metrics = ureq::get(&format!("{}/metrics", server.url))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    let pool = "pool=\"gotoassist/corporate/FIRMA-1\"";
    let value = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(&format!("{name}{{")) && l.contains(pool))
            .and_then(|l| l.rsplit(' ').next())
            .unwrap_or_else(|| panic!("{name}: {metrics}"))
            .to_string()
    };
    assert_eq!(value("entitle_admin_ends_total"), "3", "{metrics}");
    assert_eq!(value("entitle_claims_total"), "3", "{metrics}");
    assert_eq!(value("entitle_shared_seats"), "3", "{metrics}");
    assert_eq!(value("entitle_server_figure_holds"), "1", "{metrics}");
    for line in metrics.lines().filter(|l| l.starts_with("# TYPE ")) {
        let mut words = line.split(' ').skip(2);
        let (name, kind) = (words.next().unwrap(), words.next().unwrap());
        assert_eq!(name.ends_with("_total"), kind == "counter", "{line}");
    }
}

/// A seat server with several licences (shared and named seats) is
/// activated in one round: a request per licence, a response per request.
/// A request whose licence is not given gets no response, nor does any
/// other in the same call, and the ledger is untouched.
#[test]
fn a_licence_file_is_activated_in_one_round_and_none_is_answered_unless_all_can_be() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(example("gotoassist/tokens.txt"), d.join("licences.txt")).unwrap();
    let first = std::fs::read_to_string(d.join("licences.txt"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("ent1."))
        .unwrap()
        .to_string();
    std::fs::write(d.join("first.txt"), format!("{first}\n")).unwrap();
    let machine = example("appliance/machine-id");
    let appliance = ["--state-dir", "state", "--machine-id", machine.as_str()];
    let mut request = vec!["activate", "request", "--license", "@licences.txt"];
    request.extend(appliance);
    let requests = ok(d, &request);
    assert_eq!(requests.lines().count(), 2, "{requests}");
    std::fs::write(d.join("requests.txt"), &requests).unwrap();
    let key = example("vendor.secret.pem");
    let respond = |licences: &str| {
        entitle(
            d,
            &[
                "activate",
                "respond",
                "--key",
                &key,
                "--ledger",
                "vendor.ledger",
                "--license",
                licences,
                "@requests.txt",
            ],
        )
    };
    let partial = respond("@first.txt");
    assert_eq!(partial.status.code(), Some(3), "{}", stderr(&partial));
    assert!(
        stderr(&partial).contains("which --license does not hold"),
        "{}",
        stderr(&partial)
    );
    assert!(
        stdout(&partial).is_empty(),
        "no response: {}",
        stdout(&partial)
    );
    assert!(
        std::fs::read_to_string(d.join("vendor.ledger"))
            .unwrap_or_default()
            .is_empty(),
        "the ledger is untouched"
    );
    let responses = respond("@licences.txt");
    assert!(responses.status.success(), "{}", stderr(&responses));
    assert_eq!(stdout(&responses).lines().count(), 2);
    std::fs::write(d.join("responses.txt"), stdout(&responses)).unwrap();
    let public = example("vendor.public.pem");
    let mut accept = vec![
        "activate",
        "accept",
        "--public",
        public.as_str(),
        "--license",
        "@licences.txt",
        "@responses.txt",
    ];
    accept.extend(appliance);
    let accepted = ok(d, &accept);
    assert_eq!(
        accepted.matches("is activated on this machine").count(),
        2,
        "{accepted}"
    );
}

/// Every endpoint of the API answers its errors the same way: a status
/// that says which, and a JSON body `{"error":{"code","message"}}` whose
/// code names it. Without a credential, with a wrong one, with an agent's
/// where an account's is needed, with a manager's that lacks the
/// permission, with a method the endpoint does not take, with a body that
/// is not JSON.
#[test]
fn every_api_endpoint_answers_its_errors_in_json() {
    let site = Site::new(2, 1);
    let server = site.serve(&[]);
    site.grant(&server, 1);
    let weak = site.admin(
        &server,
        &[
            "seats",
            "add-account",
            "--id",
            "weak",
            "--name",
            "Weak",
            "--role",
            "manager",
            "--may",
            "add-remove-users",
            "--credential-out",
            "weak.account",
        ],
    );
    assert!(weak.status.success(), "{}", stderr(&weak));
    let read = |file: &str| {
        std::fs::read_to_string(site.path().join(file))
            .unwrap()
            .trim()
            .to_string()
    };
    let (admin, agent, manager) = (
        read("state/admin.credential"),
        read("a0.cred"),
        read("weak.account"),
    );
    let address = server.url.trim_start_matches("http://").to_string();
    let call = |method: &str, path: &str, auth: Option<&str>, body: &str| {
        use std::io::{Read as _, Write as _};
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        let auth = auth
            .map(|a| format!("Authorization: Bearer {a}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        let status: u16 = answer.split(' ').nth(1).unwrap().parse().unwrap();
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or_default();
        (status, body.to_string())
    };
    let error = |what: &str, (status, body): (u16, String), want: u16, code: &str| {
        assert_eq!(status, want, "{what}: {body}");
        let json: serde_json::Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {body}"));
        assert_eq!(json["error"]["code"], code, "{what}: {body}");
        assert!(json["error"]["message"].is_string(), "{what}: {body}");
    };
    // (method, path, a body it takes, who may: "agent", "account", "change", "admin")
    let endpoints = [
        ("GET", "/v1/signin", "", "agent"),
        ("POST", "/v1/leases", "", "agent"),
        ("POST", "/v1/leases/x/renew", "", "agent"),
        ("DELETE", "/v1/leases/x", "", "agent"),
        ("GET", "/v1/pools", "", "account"),
        ("GET", "/v1/agents", "", "account"),
        (
            "POST",
            "/v1/agents",
            r#"{"id":"n","name":"N","email":"n@example.com","pool":"gotoassist/corporate/FIRMA-1"}"#,
            "change",
        ),
        ("DELETE", "/v1/agents/a0", "", "change"),
        ("PUT", "/v1/agents/a0/named", r#"{"named":true}"#, "change"),
        ("GET", "/v1/sessions", "", "account"),
        ("POST", "/v1/sessions/end", r#"{"leases":[]}"#, "admin"),
        ("GET", "/v1/audit", "", "account"),
        ("GET", "/v1/accounts", "", "account"),
        (
            "POST",
            "/v1/accounts",
            r#"{"id":"x","name":"X","role":"manager","add_remove_users":true,"manage_products":true}"#,
            "admin",
        ),
        ("DELETE", "/v1/accounts/weak", "", "admin"),
    ];
    for (method, path, body, who) in endpoints {
        let what = format!("{method} {path}");
        error(&what, call(method, path, None, body), 401, "unauthorized");
        error(
            &what,
            call(method, path, Some("esk1_wrong"), body),
            401,
            "unauthorized",
        );
        if who != "agent" {
            error(
                &what,
                call(method, path, Some(&agent), body),
                401,
                "unauthorized",
            );
        }
        if who == "change" || who == "admin" {
            error(
                &what,
                call(method, path, Some(&manager), body),
                403,
                "forbidden",
            );
        }
        if !body.is_empty() {
            error(
                &what,
                call(method, path, Some(&admin), "{not json"),
                400,
                "bad_request",
            );
        }
        let other = if method == "PATCH" { "GET" } else { "PATCH" };
        error(
            &what,
            call(other, path, Some(&admin), body),
            405,
            "method_not_allowed",
        );
    }
    // And with the right credential, each answers (nothing above changed
    // anything: the agent still holds its grant, the manager its account).
    assert_eq!(call("GET", "/v1/signin", Some(&agent), "").0, 200);
    assert_eq!(call("GET", "/v1/accounts", Some(&manager), "").0, 200);
    for (path, code) in [("/v1/health", 200), ("/metrics", 200)] {
        assert_eq!(call("GET", path, None, "").0, code, "{path}");
        error(
            path,
            call("DELETE", path, None, ""),
            405,
            "method_not_allowed",
        );
    }
}

/// A standby: one licence activated on a primary and a standby server,
/// both bound to one PostgreSQL store (the vendor's ledger allows the pair
/// as one activation). Both serve; the pool is the licence's 10 seats,
/// never 20. The primary is killed (`kill -9`) while its sessions renew
/// through the standby: the pool keeps its 10 seats when the primary's
/// figure lapses, no session loses its seat, and an eleventh is refused
/// throughout. The pair serves nothing on another store, and no third
/// machine joins it.
#[test]
fn a_standby_keeps_the_pool_when_the_primary_is_killed_and_never_doubles_it() {
    let Some(db) = common::postgres::Database::new() else {
        return;
    };
    let Some(other_db) = common::postgres::Database::new() else {
        return;
    };
    let site = Site::new(10, 0);
    let d = site.path();
    let identity = ok(
        d,
        &["seats", "store-identity", "--database", db.url.as_str()],
    )
    .trim()
    .to_string();
    assert_eq!(identity.len(), 32, "{identity}");
    let machine_a = example("appliance/machine-id");
    let machine_b = d.join("machine-b").display().to_string();
    std::fs::write(&machine_b, "example-appliance-000b\n").unwrap();
    let machine_c = d.join("machine-c").display().to_string();
    std::fs::write(&machine_c, "example-appliance-000c\n").unwrap();
    // Asks the vendor to activate licence-0 on `machine` (state `state`),
    // bound to `store` if given; the vendor's answer as it came.
    let activate = |state: &str, machine: &str, store: Option<&str>| {
        site.try_activate("licence-0.txt", state, machine, store)
    };
    // The primary's first, unbound activation (Site::new made it).
    std::fs::copy(d.join("response.txt"), d.join("unbound-response.txt")).unwrap();
    // Unbound, the licence is on one machine: no second one.
    let second = activate("state-b", &machine_b, None);
    assert_eq!(second.status.code(), Some(4), "{}", stderr(&second));
    // Nor a standby while the primary's activation is not bound.
    let early = activate("state-b", &machine_b, Some(&identity));
    assert_eq!(early.status.code(), Some(4), "{}", stderr(&early));
    assert!(
        stderr(&early).contains("not bound to the same seat store"),
        "{}",
        stderr(&early)
    );
    // The primary, bound to the store; then its standby, bound to it too.
    let primary = activate("state", &machine_a, Some(&identity));
    assert!(primary.status.success(), "{}", stderr(&primary));
    let standby = activate("state-b", &machine_b, Some(&identity));
    assert!(standby.status.success(), "{}", stderr(&standby));
    // A pair is two machines: no third, bound or not.
    for store in [Some(identity.as_str()), None] {
        let third = activate("state-c", &machine_c, store);
        assert_eq!(
            third.status.code(),
            Some(4),
            "{store:?}: {}",
            stderr(&third)
        );
    }
    // On another database, the licence counts nowhere: nothing to serve.
    let elsewhere = site.serve_as(
        "state-b",
        &machine_b,
        &["--database", other_db.url.as_str()],
    );
    let refused = elsewhere.err().expect("a pair serves only on its store");
    assert!(refused.contains("bound to seat store"), "{refused}");
    // Nor does the primary's old, unbound activation make it count there.
    let mut material = std::fs::read_to_string(d.join("licences.txt")).unwrap();
    material.push_str(&std::fs::read_to_string(d.join("unbound-response.txt")).unwrap());
    std::fs::write(d.join("licences.txt"), material).unwrap();
    let old = site.serve_as("state", &machine_a, &["--database", other_db.url.as_str()]);
    let refused = old.err().expect("an unbound activation no longer counts");
    assert!(refused.contains("bound to a seat store"), "{refused}");
    // Both servers on their store.
    let shared = ["--database", db.url.as_str(), "--refresh", "1"];
    let a = site.serve_as("state", &machine_a, &shared).unwrap();
    let b = site.serve_as("state-b", &machine_b, &shared).unwrap();
    site.grant(&a, 11);
    let pool = |server: &common::seat_site::Server, credential: &str| {
        let list = ok(
            d,
            &[
                "seats",
                "list",
                "--json",
                "--server",
                &server.url,
                "--admin-credential",
                credential,
            ],
        );
        serde_json::from_str::<serde_json::Value>(&list).unwrap()["pools"][0].clone()
    };
    assert_eq!(pool(&a, "state/admin.credential")["shared"], 10, "never 20");
    let both = format!("{},{}", a.url, b.url);
    let lease = |agent: &str, args: &[&str]| {
        let mut all = args.to_vec();
        let cred = format!("{agent}.cred");
        all.extend(["--server", &both, "--credential", &cred, "--json"]);
        entitle(d, &all)
    };
    let leases: Vec<(String, String)> = (0..10)
        .map(|i| {
            let agent = format!("a{i}");
            let out = lease(&agent, &["lease", "claim"]);
            assert!(out.status.success(), "{agent}: {}", stderr(&out));
            let id = serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            (agent, id)
        })
        .collect();
    assert_eq!(lease("a10", &["lease", "claim"]).status.code(), Some(7));

    // The primary dies; its sessions renew through the standby, round
    // after round, past the lapse of the primary's figure.
    drop(a);
    let deadline = std::time::Instant::now() + Duration::from_secs(6);
    while std::time::Instant::now() < deadline {
        for (agent, id) in &leases {
            let renewed = lease(agent, &["lease", "renew", "--id", id]);
            assert!(renewed.status.success(), "{agent}: {}", stderr(&renewed));
        }
        let eleventh = lease("a10", &["lease", "claim"]);
        assert_eq!(
            eleventh.status.code(),
            Some(7),
            "never more than 10: {}",
            stderr(&eleventh)
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let seen = pool(&b, "state-b/admin.credential");
    assert_eq!(seen["shared"], 10, "the standby keeps the pool: {seen}");
    let lapsed = seen["servers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["holds"] == false)
        .count();
    assert_eq!(lapsed, 1, "the primary's figure lapsed: {seen}");
    let sessions = site.admin_as(
        &b,
        "state-b/admin.credential",
        &["seats", "sessions", "--json"],
    );
    let sessions: Vec<serde_json::Value> = serde_json::from_str(&stdout(&sessions)).unwrap();
    assert_eq!(sessions.len(), 10, "no session lost its seat");
}

/// A revocation given to one server of a shared store reaches every
/// server there: two servers on one PostgreSQL, with licences of 6 and 4
/// seats; the vendor revokes the second licence, and the list is put only
/// beside the first server's material. The second server's 4 seats leave
/// the pool all the same: its decision takes the lists the store shares.
#[test]
fn a_revocation_given_to_one_server_reaches_every_server_on_the_store() {
    let Some(db) = common::postgres::Database::new() else {
        return;
    };
    let site = Site::new(6, 0);
    let d = site.path();
    let second = issue(d, "concurrent", 4);
    std::fs::write(d.join("licence-b.txt"), &second).unwrap();
    let material = std::fs::read_to_string(d.join("licences.txt")).unwrap() + &second;
    std::fs::write(d.join("licences.txt"), material).unwrap();
    let machine_b = d.join("machine-b").display().to_string();
    std::fs::write(&machine_b, "example-appliance-000b\n").unwrap();
    site.activate("licence-b.txt", "state-b", &machine_b);
    let inspected = ok(d, &["inspect", "--json", "@licence-b.txt"]);
    let serial = serde_json::from_str::<serde_json::Value>(&inspected).unwrap()["serial"]
        .as_str()
        .unwrap()
        .to_string();
    let list = ok(d, &["revoke", "--sequence", "1", "--serial", &serial]);
    std::fs::write(d.join("list.txt"), list).unwrap();

    let shared = ["--database", db.url.as_str(), "--refresh", "1"];
    let mut with_list = shared.to_vec();
    with_list.push("@list.txt");
    // b first: with the list in the store, b would not start at all.
    let b = site.serve_as("state-b", &machine_b, &shared).unwrap();
    let a = site
        .serve_as("state", &example("appliance/machine-id"), &with_list)
        .unwrap();
    let figures = || {
        let list = ok(
            d,
            &[
                "seats",
                "list",
                "--json",
                "--server",
                &b.url,
                "--admin-credential",
                "state-b/admin.credential",
            ],
        );
        let list: serde_json::Value = serde_json::from_str(&list).unwrap();
        let pool = &list["pools"][0];
        let mut servers: Vec<u64> = pool["servers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["shared"].as_u64().unwrap())
            .collect();
        servers.sort_unstable();
        (pool["shared"].as_u64().unwrap(), servers)
    };
    eventually("b's revoked licence leaves the pool", || {
        let (pool, servers) = figures();
        pool == 6 && servers.iter().all(|&n| n == 6 || n == 0)
    });
    drop(a);
    drop(b);
    // Started again, b now finds the list in the store: nothing to serve.
    let again = site.serve_as("state-b", &machine_b, &shared);
    let refused = again
        .err()
        .expect("a revoked licence is never served again");
    assert!(refused.contains("nothing to serve"), "{refused}");
}
