//! The Enterprise Portal through HTTP against the real `entitle portal
//! serve` (docs/portal.md): the seed's table cell by cell, each company
//! seeing only its own licences, an activation the appliance then accepts
//! and a second machine refused, destroyed keys revoked on the appliance,
//! downloads the update service covers, and the sign-in's defences.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::portal_site::{Browser, PASSWORD, PortalSite, VIEWS, textarea};
use common::seat_site::{entitle, ok};
use common::{example, stderr};

/// The functions of the seed's table, as the page marks them.
const FUNCTIONS: [&str; 5] = [
    "download",
    "activation",
    "service_quote",
    "destroy_keys",
    "extra_keys",
];

/// The table of MODELS.md section 4 ("Die folgende Tabelle zeigt die
/// verfügbaren Funktionen"), written out here so that the page is checked
/// against the seed and not against the code that draws it.
fn seed_offers(view: &str, function: &str) -> bool {
    match function {
        "download" => true,
        "activation" | "destroy_keys" | "extra_keys" => {
            matches!(view, "customer" | "system-integrator" | "service-provider")
        }
        "service_quote" => view != "partner",
        _ => unreachable!(),
    }
}

/// The seats an ACME-1 appliance counts with `files` (`@name` each): the
/// real `entitle verify`, which must keep a licence.
fn acme_seats(site: &PortalSite, files: &[&str]) -> u64 {
    let public = example("vendor.public.pem");
    let mut args = vec![
        "verify", "--json", "--public", &public, "--tenant", "ACME-1",
    ];
    args.extend_from_slice(files);
    let out = entitle(site.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["licenses"][0]["seats"].as_u64().unwrap()
}

/// An activation request for `licence_file` from the appliance whose
/// state is `state` on the machine whose id is in `machine`.
fn request(site: &PortalSite, licence_file: &str, state: &str, machine: &str) -> String {
    std::fs::write(
        site.path().join(machine),
        format!("{machine}-0123456789abcdef\n"),
    )
    .unwrap();
    ok(
        site.path(),
        &[
            "activate",
            "request",
            "--state-dir",
            state,
            "--machine-id",
            machine,
            "--license",
            &format!("@{licence_file}"),
        ],
    )
}

#[test]
fn every_cell_of_the_table_is_a_button_and_an_action_or_neither() {
    // All 30 cells: six views, five functions each; for the extra keys of
    // a customer and a system integrator, with an annual-model licence
    // held (the footnote; `free_extra_keys_…` tests it without).
    let site = PortalSite::new();
    let portal = site.serve(&[]);
    let activation = request(&site, "shared.txt", "appliance", "machine-a");
    for (view, _, email) in VIEWS {
        let mut browser = Browser::new(&portal);
        assert_eq!(browser.sign_in(email, PASSWORD).status, 303, "{view}");
        let page = browser.get("/");
        assert_eq!(page.status, 200, "{view}: {}", page.body);
        assert!(
            page.body.contains(&site.shared_serial),
            "{view} sees its licence"
        );
        let csrf = Browser::csrf(&page);
        for function in FUNCTIONS {
            let button = page.body.contains(&format!("data-function=\"{function}\""));
            assert_eq!(
                button,
                seed_offers(view, function),
                "{view}: the {function} button"
            );
        }
        // Each action, whether or not its button is there.
        let s = site.shared_serial.as_str();
        let download = browser.get(&format!("/downloads?serial={s}"));
        let quote = browser.post(
            "/quote",
            &[("csrf", &csrf), ("serial", s), ("note", "two years")],
        );
        let activate = browser.post("/activate", &[("csrf", &csrf), ("request", &activation)]);
        let destroy = browser.post("/destroy", &[("csrf", &csrf), ("serial", s)]);
        let extra = browser.post(
            "/extra-key",
            &[
                ("csrf", &csrf),
                ("serial", &site.annual_serial),
                ("seats", "1"),
            ],
        );
        for (function, answer) in [
            ("download", &download),
            ("service_quote", &quote),
            ("activation", &activate),
            ("destroy_keys", &destroy),
            ("extra_keys", &extra),
        ] {
            if seed_offers(view, function) {
                assert_eq!(
                    answer.status, 200,
                    "{view}: {function} allowed: {}",
                    answer.body
                );
            } else {
                assert_eq!(answer.status, 400, "{view}: {function} refused");
                assert!(
                    answer.body.contains("does not offer"),
                    "{view}: {}",
                    answer.body
                );
            }
        }
        if seed_offers(view, "destroy_keys") {
            // Asked first: nothing is destroyed by the first press.
            assert!(
                destroy.body.contains("id=\"confirm\""),
                "{view}: {}",
                destroy.body
            );
        }
    }
    // The refused destroys destroyed nothing, the confirmation none either.
    let audit = site.portal_report("audit");
    assert!(!audit.contains("destroy"), "{audit}");
    // Three views activated the same machine's request: one machine.
    assert_eq!(audit.matches(",\"activate\",").count(), 3, "{audit}");
    // Five views asked for quotes; the vendor lists them.
    let quotes = site.portal_report("quotes");
    assert_eq!(quotes.lines().count(), 1 + 5, "{quotes}");
    assert!(quotes.contains("\"two years\""), "{quotes}");
}

#[test]
fn a_company_sees_and_acts_on_only_its_own_licences() {
    isolation(None);
}

#[test]
fn a_company_sees_and_acts_on_only_its_own_licences_on_postgresql() {
    if let Some(db) = common::postgres::Database::new() {
        isolation(Some(&db.url));
    }
}

fn isolation(database: Option<&str>) {
    let site = PortalSite::on(database);
    let portal = site.serve(&[]);
    for (view, _, email) in VIEWS {
        let mut browser = Browser::new(&portal);
        browser.sign_in(email, PASSWORD);
        let page = browser.get("/");
        assert!(
            !page.body.contains(&site.other_serial),
            "{view} sees another company's licence"
        );
        let csrf = Browser::csrf(&page);
        let o = site.other_serial.as_str();
        for answer in [
            browser.get(&format!("/downloads?serial={o}")),
            browser.post("/quote", &[("csrf", &csrf), ("serial", o)]),
            browser.post(
                "/destroy",
                &[("csrf", &csrf), ("serial", o), ("confirmed", "yes")],
            ),
        ] {
            assert_eq!(answer.status, 400, "{view}");
            assert!(
                answer.body.contains("is not one of") || answer.body.contains("does not offer"),
                "{view}: {}",
                answer.body
            );
        }
        // Another company's licence is not activated for this one.
        if seed_offers(view, "activation") {
            let foreign = request(
                &site,
                "other.txt",
                &format!("appliance-{view}"),
                "machine-o",
            );
            let answer = browser.post("/activate", &[("csrf", &csrf), ("request", &foreign)]);
            assert_eq!(answer.status, 400, "{view}");
            assert!(answer.body.contains("is not one of"), "{}", answer.body);
        }
    }
    // A reseller never sees another reseller's customers; the other
    // reseller sees its own.
    let mut rita = Browser::new(&portal);
    rita.sign_in("rita@res2.example", PASSWORD);
    let page = rita.get("/");
    assert!(page.body.contains(&site.other_serial) && !page.body.contains(&site.shared_serial));
    // A company with two views switches between them at the top left, and
    // each view shows its own buttons; a view it does not have is refused.
    let mut mia = Browser::new(&portal);
    mia.sign_in("mia@multi.example", PASSWORD);
    let reseller = mia.get("/?view=reseller");
    assert!(
        reseller
            .body
            .contains("aria-current=\"page\" class=\"current\">Reseller View")
    );
    assert!(
        !reseller.body.contains(&site.other_serial),
        "MULTI-1 sold nothing"
    );
    assert!(!reseller.body.contains("data-function=\"activation\""));
    let provider = mia.get("/?view=service-provider");
    assert!(
        provider.body.contains(&site.other_serial),
        "MULTI-1 runs OTHER-1's licence"
    );
    assert!(provider.body.contains("data-function=\"activation\""));
    assert_eq!(mia.get("/?view=customer").status, 400);
    // Not signed in: the sign-in form, and no action.
    let stranger = Browser::new(&portal);
    assert!(stranger.get("/").body.contains("id=\"sign-in\""));
    assert_eq!(
        stranger
            .post("/quote", &[("serial", &site.shared_serial)])
            .status,
        401
    );
}

#[test]
fn an_activation_from_the_portal_is_accepted_on_the_appliance_and_holds_one_machine() {
    one_machine(None);
}

#[test]
fn an_activation_from_the_portal_is_accepted_on_the_appliance_and_holds_one_machine_on_postgresql()
{
    if let Some(db) = common::postgres::Database::new() {
        one_machine(Some(&db.url));
    }
}

fn one_machine(database: Option<&str>) {
    let site = PortalSite::on(database);
    let portal = site.serve(&[]);
    let mut anna = Browser::new(&portal);
    anna.sign_in("anna@acme.example", PASSWORD);
    let csrf = Browser::csrf(&anna.get("/"));
    let first = request(&site, "shared.txt", "appliance-a", "machine-a");
    let page = anna.post("/activate", &[("csrf", &csrf), ("request", &first)]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("<svg"), "the response as a QR code");
    let response = textarea(&page, "response");
    std::fs::write(site.path().join("response.txt"), &response).unwrap();
    let accept = |state: &str, machine: &str| {
        entitle(
            site.path(),
            &[
                "activate",
                "accept",
                "--public",
                &example("vendor.public.pem"),
                "--state-dir",
                state,
                "--machine-id",
                machine,
                "--license",
                "@shared.txt",
                "@response.txt",
            ],
        )
    };
    let accepted = accept("appliance-a", "machine-a");
    assert!(
        accepted.status.success(),
        "the appliance accepts what the portal signed: {}",
        stderr(&accepted)
    );
    // The page shows where it is activated: the machine's fingerprint, as
    // its request carries it.
    std::fs::write(site.path().join("request-a.txt"), &first).unwrap();
    let shown: serde_json::Value =
        serde_json::from_str(&ok(site.path(), &["inspect", "--json", "@request-a.txt"])).unwrap();
    let fingerprint = &shown["fingerprint"].as_str().unwrap()[..12];
    // The same request answered again is still one machine.
    let again = anna.post("/activate", &[("csrf", &csrf), ("request", &first)]);
    assert_eq!(again.status, 200, "{}", again.body);
    let page = anna.get("/").body;
    assert!(
        page.contains("1 machine(s)") && page.contains(fingerprint),
        "{page}"
    );

    // A response pasted back (replayed) is not a request: refused, and
    // nothing changes.
    let replayed = anna.post("/activate", &[("csrf", &csrf), ("request", &response)]);
    assert_eq!(replayed.status, 400);
    assert!(
        replayed.body.contains("not an activation request"),
        "{}",
        replayed.body
    );
    // A second machine: refused, from any view, user or instance.
    let second = request(&site, "shared.txt", "appliance-b", "machine-b");
    let page = anna.post("/activate", &[("csrf", &csrf), ("request", &second)]);
    assert_eq!(page.status, 400);
    assert!(
        page.body.contains("activated on another machine"),
        "{}",
        page.body
    );
    let mut sam = Browser::new(&portal);
    sam.sign_in("sam@si.example", PASSWORD);
    let sam_csrf = Browser::csrf(&sam.get("/"));
    assert_eq!(
        sam.post("/activate", &[("csrf", &sam_csrf), ("request", &second)])
            .status,
        400
    );
    let other_instance = site.serve(&[]);
    let mut again = Browser::new(&other_instance);
    again.sign_in("anna@acme.example", PASSWORD);
    let again_csrf = Browser::csrf(&again.get("/"));
    assert_eq!(
        again
            .post("/activate", &[("csrf", &again_csrf), ("request", &second)])
            .status,
        400
    );

    // The first machine's receipt frees the licence for the second.
    let receipt = ok(
        site.path(),
        &[
            "activate",
            "deactivate",
            "--state-dir",
            "appliance-a",
            "--machine-id",
            "machine-a",
            "--license",
            "@shared.txt",
        ],
    );
    let page = anna.post(
        "/activate",
        &[("csrf", &csrf), ("request", &second), ("receipt", &receipt)],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    std::fs::write(
        site.path().join("response.txt"),
        textarea(&page, "response"),
    )
    .unwrap();
    assert!(accept("appliance-b", "machine-b").status.success());
    // A receipt is spent once.
    let third = request(&site, "shared.txt", "appliance-c", "machine-c");
    let page = anna.post(
        "/activate",
        &[("csrf", &csrf), ("request", &third), ("receipt", &receipt)],
    );
    assert_eq!(page.status, 400);
    assert!(page.body.contains("spent once"), "{}", page.body);

    // Bad input: a clear message, nothing changed.
    for (bad, says) in [
        ("entq1.garbage", "not an activation request"),
        ("", "not an activation request"),
        (&site.shared as &str, "not an activation request"),
    ] {
        let page = anna.post("/activate", &[("csrf", &csrf), ("request", bad)]);
        assert_eq!(page.status, 400);
        assert!(page.body.contains(says), "{}", page.body);
    }
    // A form without its token, or another sign-in's, is refused.
    for token in ["", "00"] {
        let page = anna.post("/activate", &[("csrf", token), ("request", &third)]);
        assert_eq!(page.status, 400);
        assert!(page.body.contains("out of date"), "{}", page.body);
    }
    // Three answers: machine A, A again, and B with A's receipt.
    let audit = site.portal_report("audit");
    assert_eq!(audit.matches(",\"activate\",").count(), 3, "{audit}");
    assert!(audit.contains("\"anna@acme.example\""), "{audit}");
}

#[test]
fn destroyed_keys_are_revoked_on_the_appliance_and_the_list_is_cumulative() {
    let site = PortalSite::new();
    let portal = site.serve(&[]);
    let mut anna = Browser::new(&portal);
    anna.sign_in("anna@acme.example", PASSWORD);
    let csrf = Browser::csrf(&anna.get("/"));
    let verify = |list: &str| {
        std::fs::write(site.path().join("list.txt"), list).unwrap();
        entitle(
            site.path(),
            &[
                "verify",
                "--json",
                "--public",
                &example("vendor.public.pem"),
                "--tenant",
                "ACME-1",
                "@shared.txt",
                "@list.txt",
            ],
        )
    };
    let s = site.shared_serial.as_str();
    let page = anna.post(
        "/destroy",
        &[("csrf", &csrf), ("serial", s), ("confirmed", "yes")],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let list = textarea(&page, "list");
    let out = verify(&list);
    assert!(
        !out.status.success(),
        "the appliance refuses the destroyed licence"
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("revoked"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(anna.get("/").body.contains("data-status=\"revoked\""));
    // A destroyed licence is not activated.
    let req = request(&site, "shared.txt", "appliance", "machine-a");
    let page = anna.post("/activate", &[("csrf", &csrf), ("request", &req)]);
    assert_eq!(page.status, 400);
    assert!(page.body.contains("is revoked"), "{}", page.body);
    // The next list (OTHER-1's licence, destroyed by its customer) still
    // names the first: an appliance that only gets the newest is complete.
    let mut otto = Browser::new(&portal);
    otto.sign_in("otto@other.example", PASSWORD);
    let otto_csrf = Browser::csrf(&otto.get("/"));
    let page = otto.post(
        "/destroy",
        &[
            ("csrf", &otto_csrf),
            ("serial", &site.other_serial),
            ("confirmed", "yes"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let newest = anna.get("/revocations.txt").body;
    assert!(
        !verify(&newest).status.success(),
        "the newest list still revokes the first licence"
    );
}

#[test]
fn downloads_are_the_versions_the_update_service_covers() {
    let site = PortalSite::new();
    let d = site.path();
    for (version, date, bytes) in [
        ("1.0", "2026-01-15", "setup one"),
        ("9.0", "2031-06-01", "setup nine"),
    ] {
        let dir = d.join("downloads/thinprint").join(version);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("BUILD-DATE"), date).unwrap();
        std::fs::write(dir.join("setup.bin"), bytes).unwrap();
    }
    let portal = site.serve(&["--downloads", "downloads"]);
    let mut rolf = Browser::new(&portal);
    rolf.sign_in("rolf@res.example", PASSWORD);
    let s = &site.shared_serial;
    let page = rolf.get(&format!("/downloads?serial={s}"));
    assert_eq!(page.status, 200);
    // 1.0 is covered (updates until 2030), 9.0 is not.
    assert!(page.body.contains("/1.0/setup.bin"), "{}", page.body);
    assert!(!page.body.contains("/9.0/"), "{}", page.body);
    // SHA-256 of "setup one".
    assert!(
        page.body.contains(&sha256_hex(b"setup one")),
        "{}",
        page.body
    );
    let file = rolf.get(&format!("/download/{s}/1.0/setup.bin"));
    assert_eq!((file.status, file.body.as_str()), (200, "setup one"));
    let refused = rolf.get(&format!("/download/{s}/9.0/setup.bin"));
    assert_eq!(refused.status, 400);
    let escape = rolf.get(&format!("/download/{s}/1.0/..%2F..%2FBUILD-DATE"));
    assert_ne!(escape.status, 200);
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn sign_in_is_slowed_after_five_failures_and_its_cookie_is_strict() {
    let site = PortalSite::new();
    let portal = site.serve(&[]);
    let mut browser = Browser::new(&portal);
    let page = browser.sign_in("anna@acme.example", PASSWORD);
    let cookie = page
        .set_cookie
        .iter()
        .find(|c| c.starts_with("entitle_portal="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    for _ in 0..5 {
        let page = Browser::new(&portal).sign_in("anna@acme.example", "wrong password here");
        assert_eq!(page.status, 401);
        assert!(page.body.contains("password is wrong"));
    }
    // The right password is refused too, for 15 minutes.
    let page = Browser::new(&portal).sign_in("anna@acme.example", PASSWORD);
    assert_eq!(page.status, 429, "{}", page.body);
    // An unknown address gets the same answer as a wrong password.
    let page = Browser::new(&portal).sign_in("nobody@acme.example", PASSWORD);
    assert_eq!(page.status, 401);
    // No page can be framed (a confirmation clicked through another
    // site's frame), none runs script.
    let home = browser.get("/");
    assert_eq!(home.header("x-frame-options"), Some("DENY"));
    let csp = home.header("content-security-policy").unwrap_or_default();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    // The German page keeps the seed's words.
    let german = browser.get("/?lang=de");
    assert!(
        german.body.contains("Software-Aktivierung")
            && german.body.contains("Vernichtung von Lizenzschlüsseln")
    );
    // Signing out ends the sign-in on the server.
    let out = browser.post("/signout", &[]);
    assert_eq!(out.status, 303);
    assert!(browser.get("/").body.contains("id=\"sign-in\""));
    // Passwords never come from an argument, and short ones are refused.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args([
            "portal",
            "user",
            "--state-dir",
            "portal",
            "--email",
            "x@acme.example",
            "--name",
            "X",
            "--company",
            "ACME-1",
        ])
        .env("ENTITLE_PORTAL_PASSWORD", "short")
        .current_dir(site.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("too short"), "{}", stderr(&out));
}

#[test]
fn import_records_only_genuine_licences_for_the_companies_they_belong_to() {
    let site = PortalSite::new();
    let public = example("vendor.public.pem");
    let import = |args: &[&str]| {
        let mut all = vec![
            "portal",
            "import",
            "--state-dir",
            "portal",
            "--public",
            &public,
        ];
        all.extend_from_slice(args);
        entitle(site.path(), &all)
    };
    // A licence for ACME-1 cannot be given to another customer.
    let out = import(&["--customer", "OTHER-1", "@shared.txt"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("bound to company ACME-1"),
        "{}",
        stderr(&out)
    );
    // A forged licence (a signature that does not check out) is refused.
    let mut forged = site.shared.trim().to_string();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert!(
        !import(&[&forged]).status.success(),
        "a forged licence is not recorded"
    );
    // A company must have the view it is named in.
    let out = import(&["--reseller", "ACME-1", "@shared.txt"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("has no reseller view"),
        "{}",
        stderr(&out)
    );
    // Nothing to import is said so.
    let out = entitle(
        site.path(),
        &[
            "portal",
            "import",
            "--state-dir",
            "portal",
            "--public",
            &public,
        ],
    );
    assert!(!out.status.success());
}

/// `n` users posting at the same moment, through the portals in turn:
/// user `i` signs in as `job(i).0` and posts `job(i).2` to `job(i).1`.
/// The answers' statuses.
fn race(
    portals: &[&common::portal_site::Portal],
    n: usize,
    job: impl Fn(usize) -> (&'static str, &'static str, Vec<(&'static str, String)>) + Sync,
) -> Vec<u16> {
    let start = std::sync::Barrier::new(n);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let (portal, job, start) = (portals[i % portals.len()], &job, &start);
                scope.spawn(move || {
                    let (email, path, fields) = job(i);
                    let mut browser = Browser::new(portal);
                    browser.sign_in(email, PASSWORD);
                    let csrf = Browser::csrf(&browser.get("/"));
                    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
                    form.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
                    start.wait();
                    browser.post(path, &form).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

#[test]
fn two_instances_on_one_postgresql_activate_a_licence_on_one_machine() {
    let Some(db) = common::postgres::Database::new() else {
        return;
    };
    let site = PortalSite::on(Some(&db.url));
    // Two instances, each with its own state directory, one database.
    let (a, b) = (
        site.serve_in("portal-a", &[]),
        site.serve_in("portal-b", &[]),
    );
    let requests: Vec<String> = (0..8)
        .map(|i| {
            request(
                &site,
                "shared.txt",
                &format!("appliance-{i}"),
                &format!("machine-{i}"),
            )
        })
        .collect();
    let answers = race(&[&a, &b], requests.len(), |i| {
        (
            "anna@acme.example",
            "/activate",
            vec![("request", requests[i].clone())],
        )
    });
    assert_eq!(
        answers.iter().filter(|s| **s == 200).count(),
        1,
        "{answers:?}"
    );
    assert_eq!(
        answers.iter().filter(|s| **s == 400).count(),
        7,
        "{answers:?}"
    );
    // Both instances show the one machine; a sign-in on one holds on the other.
    let mut anna = Browser::new(&a);
    anna.sign_in("anna@acme.example", PASSWORD);
    assert!(anna.get("/").body.contains("1 machine(s)"));
}

#[test]
fn free_extra_keys_come_out_of_annual_licences_in_total_and_the_appliance_agrees() {
    extra_keys_in_total(None);
}

#[test]
fn free_extra_keys_come_out_of_annual_licences_in_total_and_the_appliance_agrees_on_postgresql() {
    if let Some(db) = common::postgres::Database::new() {
        extra_keys_in_total(Some(&db.url));
    }
}

fn extra_keys_in_total(database: Option<&str>) {
    let site = PortalSite::on(database);
    let portal = site.serve(&[]);
    let a = site.annual_serial.as_str();
    let obtain = |email: &str, seats: &str| {
        let mut browser = Browser::new(&portal);
        browser.sign_in(email, PASSWORD);
        let csrf = Browser::csrf(&browser.get("/"));
        browser.post(
            "/extra-key",
            &[("csrf", &csrf), ("serial", a), ("seats", seats)],
        )
    };
    // ACME-1 holds 5 annual seats: its own 3 and its integrator's 2 fit,
    // nothing more, whoever asks.
    let first = obtain("anna@acme.example", "3");
    assert_eq!(first.status, 200, "{}", first.body);
    let over = obtain("sam@si.example", "3");
    assert_eq!(over.status, 400);
    assert!(over.body.contains("would not count it"), "{}", over.body);
    let second = obtain("sam@si.example", "2");
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(obtain("anna@acme.example", "1").status, 400);
    // The appliance counts exactly what the portal issued: 5 + 3 + 2.
    std::fs::write(site.path().join("extra1.txt"), textarea(&first, "extra")).unwrap();
    std::fs::write(site.path().join("extra2.txt"), textarea(&second, "extra")).unwrap();
    assert_eq!(
        acme_seats(&site, &["@annual.txt", "@extra1.txt", "@extra2.txt"]),
        10
    );
    // Without the annual licence the appliance counts no extra key.
    let out = entitle(
        site.path(),
        &[
            "verify",
            "--json",
            "--public",
            &example("vendor.public.pem"),
            "--tenant",
            "ACME-1",
            "@extra1.txt",
        ],
    );
    assert!(!out.status.success());
    // A service provider's keys come out of its contract (4 seats) in
    // total, not out of annual licences it does not hold (docs/catalog.md,
    // "free extra keys"); the appliance counts them beside the others.
    assert_eq!(obtain("sara@sp.example", "5").status, 400);
    let sp = obtain("sara@sp.example", "4");
    assert_eq!(sp.status, 200, "{}", sp.body);
    let more = obtain("sara@sp.example", "1");
    assert_eq!(more.status, 400);
    assert!(
        more.body.contains("service-provider contract"),
        "{}",
        more.body
    );
    std::fs::write(site.path().join("extra3.txt"), textarea(&sp, "extra")).unwrap();
    assert_eq!(
        acme_seats(
            &site,
            &["@annual.txt", "@extra1.txt", "@extra2.txt", "@extra3.txt"]
        ),
        14
    );
    // Footnote 1: a customer holding no annual-model licence has no button
    // and gets no extra key.
    let mut otto = Browser::new(&portal);
    otto.sign_in("otto@other.example", PASSWORD);
    let page = otto.get("/");
    assert!(
        !page.body.contains("data-function=\"extra_keys\""),
        "{}",
        page.body
    );
    let csrf = Browser::csrf(&page);
    let refused = otto.post(
        "/extra-key",
        &[
            ("csrf", &csrf),
            ("serial", &site.other_serial),
            ("seats", "1"),
        ],
    );
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("perpetual"), "{}", refused.body);
    // A destroyed annual licence backs no new extra key.
    let mut anna = Browser::new(&portal);
    anna.sign_in("anna@acme.example", PASSWORD);
    let csrf = Browser::csrf(&anna.get("/"));
    let destroyed = anna.post(
        "/destroy",
        &[("csrf", &csrf), ("serial", a), ("confirmed", "yes")],
    );
    assert_eq!(destroyed.status, 200);
    assert_eq!(obtain("sam@si.example", "1").status, 400);
}

#[test]
fn extra_keys_raced_through_two_instances_on_one_postgresql_stay_within_the_annual_seats() {
    let Some(db) = common::postgres::Database::new() else {
        return;
    };
    let site = PortalSite::on(Some(&db.url));
    let (a, b) = (
        site.serve_in("portal-a", &[]),
        site.serve_in("portal-b", &[]),
    );
    // ACME-1 holds 5 annual seats; its users and its integrator's ask for
    // one seat each, twelve times, through both instances at once.
    let asked = race(&[&a, &b], 12, |i| {
        let email = if i % 3 == 0 {
            "sam@si.example"
        } else {
            "anna@acme.example"
        };
        let fields = vec![
            ("serial", site.annual_serial.clone()),
            ("seats", "1".to_string()),
        ];
        (email, "/extra-key", fields)
    });
    assert_eq!(asked.iter().filter(|s| **s == 200).count(), 5, "{asked:?}");
    assert_eq!(asked.iter().filter(|s| **s == 400).count(), 7, "{asked:?}");
}

#[test]
fn the_vendor_renews_a_term_from_its_own_view_and_the_appliance_takes_it() {
    let site = PortalSite::new();
    let portal = site.serve(&[]);
    let a = site.annual_serial.as_str();
    let mut vera = Browser::new(&portal);
    vera.sign_in("vera@vendor.example", PASSWORD);
    let page = vera.get("/?q=ACME-1");
    assert!(page.body.contains("Vendor View"), "{}", page.body);
    assert!(
        page.body.contains(a) && !page.body.contains(&site.other_serial),
        "the search finds ACME-1's licences only"
    );
    let csrf = Browser::csrf(&page);
    let renewed = vera.post(
        "/renew",
        &[
            ("csrf", &csrf),
            ("serial", a),
            ("expires", "2031-01-01"),
            ("updates_until", "2031-01-01"),
        ],
    );
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let renewal = textarea(&renewed, "renewal");
    // The customer sees the new term, and takes the renewal to the appliance.
    let mut anna = Browser::new(&portal);
    anna.sign_in("anna@acme.example", PASSWORD);
    let page = anna.get("/");
    assert!(
        page.body.contains("data-status=\"renewed\"") && page.body.contains("2031-01-01"),
        "{}",
        page.body
    );
    let served = anna.get(&format!("/renewal?serial={a}"));
    assert_eq!((served.status, served.body.trim()), (200, renewal.as_str()));
    std::fs::write(site.path().join("renewal.txt"), &served.body).unwrap();
    let public = example("vendor.public.pem");
    let verify = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            "--json",
            "--public",
            &public,
            "--tenant",
            "ACME-1",
            "--now",
            "2030-06-01",
            "@annual.txt",
        ];
        args.extend_from_slice(extra);
        entitle(site.path(), &args)
    };
    assert!(
        !verify(&[]).status.success(),
        "without the renewal the term is over in 2030"
    );
    let out = verify(&["@renewal.txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Only the vendor's users renew; a bad date is refused and signs nothing.
    let anna_csrf = Browser::csrf(&page);
    let refused = anna.post(
        "/renew",
        &[
            ("csrf", &anna_csrf),
            ("serial", a),
            ("expires", "2040-01-01"),
        ],
    );
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("only the vendor"), "{}", refused.body);
    let bad = vera.post(
        "/renew",
        &[("csrf", &csrf), ("serial", a), ("expires", "next year")],
    );
    assert_eq!(bad.status, 400);
    let audit = site.portal_report("audit");
    assert_eq!(audit.matches(",\"renew\",").count(), 1, "{audit}");
    // The vendor lists the quote requests on its page.
    let quote = anna.post(
        "/quote",
        &[
            ("csrf", &anna_csrf),
            ("serial", a),
            ("note", "three years please"),
        ],
    );
    assert_eq!(quote.status, 200);
    assert!(vera.get("/").body.contains("three years please"));
    // And exports them as CSV, where words a customer typed cannot run as
    // a spreadsheet formula; nobody else gets the export.
    let formula = anna.post(
        "/quote",
        &[
            ("csrf", &anna_csrf),
            ("serial", a),
            ("note", "=HYPERLINK(\"http://x\")"),
        ],
    );
    assert_eq!(formula.status, 200);
    let csv = vera.get("/quotes.csv");
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.starts_with("at,company,email,view,serials,note\n"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("\"three years please\""), "{}", csv.body);
    assert!(
        csv.body.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{}",
        csv.body
    );
    assert_eq!(anna.get("/quotes.csv").status, 400);
    assert_eq!(site.portal_report("quotes"), csv.body);
}

#[test]
fn orders_from_the_issuance_ledger_land_with_who_sold_them_and_no_vendor_revocation_is_forgotten() {
    let site = PortalSite::new();
    let d = site.path();
    // Orders name their reseller and distributor: one on the command line,
    // two in a batch; the ledger keeps them beside the licence.
    let single = ok(
        d,
        &[
            "issue",
            "--ledger",
            "vendor.ledger",
            "--order",
            "SO-1",
            "--product",
            "thinprint",
            "--edition",
            "premium",
            "--seats",
            "3",
            "--tenant",
            "ACME-1",
            "--expires",
            "2029-01-01",
            "--reseller",
            "RES-1",
            "--distributor",
            "DIST-1",
        ],
    );
    std::fs::write(
        d.join("orders.csv"),
        "order,product,edition,kind,seats,tenant,expires,reseller,distributor\n\
         SO-2,starface,compact,base,,ACME-1,2036-01-01,RES-1,DIST-1\n\
         SO-3,starface,compact,base,,OTHER-1,2036-01-01,UNKNOWN-9,\n",
    )
    .unwrap();
    ok(
        d,
        &[
            "issue",
            "--batch",
            "orders.csv",
            "--catalog",
            &example("starface/catalog.signed"),
            "--ledger",
            "vendor.ledger",
        ],
    );
    // Without a ledger the sellers would be lost: refused.
    let lost = entitle(
        d,
        &[
            "issue",
            "--product",
            "thinprint",
            "--edition",
            "premium",
            "--seats",
            "1",
            "--perpetual",
            "--reseller",
            "RES-1",
        ],
    );
    assert!(!lost.status.success());
    assert!(
        stderr(&lost).contains("kept in the issuance ledger"),
        "{}",
        stderr(&lost)
    );
    // The vendor revokes the single licence and renews nothing else.
    let single_serial = common::portal_site::serial_of(d, &single);
    ok(
        d,
        &[
            "revoke",
            "--ledger",
            "vendor.ledger",
            "--sequence",
            "1",
            "--serial",
            &single_serial,
        ],
    );
    let public = example("vendor.public.pem");
    let imported = entitle(
        d,
        &[
            "portal",
            "import",
            "--state-dir",
            "portal",
            "--public",
            &public,
            "--ledger",
            "vendor.ledger",
        ],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let said = String::from_utf8_lossy(&imported.stdout).to_string();
    assert!(
        said.contains(&format!(
            "licence {single_serial} thinprint premium: ACME-1 (customer), RES-1 (reseller), DIST-1 (distributor)"
        )),
        "{said}"
    );
    assert!(said.contains("revocation list of the vendor"), "{said}");
    assert!(
        stderr(&imported).contains("UNKNOWN-9 is not in the portal"),
        "{}",
        stderr(&imported)
    );
    // Importing again changes nothing.
    let again = ok(
        d,
        &[
            "portal",
            "import",
            "--state-dir",
            "portal",
            "--public",
            &public,
            "--ledger",
            "vendor.ledger",
        ],
    );
    assert!(!again.contains("revocation list of the vendor"), "{again}");

    let portal = site.serve(&[]);
    let page_of = |email: &str| {
        let mut browser = Browser::new(&portal);
        browser.sign_in(email, PASSWORD);
        (browser.get("/").body, browser)
    };
    let (reseller, _) = page_of("rolf@res.example");
    let (distributor, _) = page_of("dora@dist.example");
    let (other_reseller, _) = page_of("rita@res2.example");
    for page in [&reseller, &distributor] {
        assert_eq!(
            page.matches("starface compact").count(),
            1,
            "SO-2 only: {page}"
        );
        assert!(page.contains(&single_serial), "{page}");
    }
    assert!(
        !other_reseller.contains(&single_serial) && !other_reseller.contains("starface"),
        "{other_reseller}"
    );
    // The vendor's revocation is not forgotten: revoked on the page, not
    // activated, and in the lists the page offers the appliance.
    let (page, anna) = page_of("anna@acme.example");
    assert!(
        page.contains(&format!(
            "data-serial=\"{single_serial}\" data-status=\"revoked\""
        )),
        "{page}"
    );
    std::fs::write(d.join("single.txt"), &single).unwrap();
    let request = request(&site, "single.txt", "appliance", "machine-s");
    let csrf = Browser::csrf(&anna.get("/"));
    let refused = anna.post("/activate", &[("csrf", &csrf), ("request", &request)]);
    assert_eq!(refused.status, 400);
    assert!(refused.body.contains("is revoked"), "{}", refused.body);
    let lists = anna.get("/revocations.txt").body;
    std::fs::write(d.join("lists.txt"), &lists).unwrap();
    let out = entitle(
        d,
        &[
            "verify",
            "--json",
            "--public",
            &public,
            "--tenant",
            "ACME-1",
            "@single.txt",
            "@lists.txt",
        ],
    );
    assert!(
        !out.status.success(),
        "the lists the portal offers revoke it on the appliance"
    );
    // The portal's own next list is cumulative over the vendor's too, and
    // numbered after it: alone it still revokes the vendor's revocation.
    let page = anna.post(
        "/destroy",
        &[
            ("csrf", &csrf),
            ("serial", &site.shared_serial),
            ("confirmed", "yes"),
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    std::fs::write(d.join("newest.txt"), textarea(&page, "list")).unwrap();
    let shown = ok(d, &["inspect", "--json", "@newest.txt"]);
    assert!(
        shown.contains("\"sequence\":2") && shown.contains(&single_serial),
        "{shown}"
    );
    let out = entitle(
        d,
        &[
            "verify",
            "--json",
            "--public",
            &public,
            "--tenant",
            "ACME-1",
            "@single.txt",
            "@newest.txt",
        ],
    );
    assert!(
        !out.status.success(),
        "the portal's newest list alone revokes the vendor's revocation"
    );
}

#[test]
fn over_tls_the_sign_in_cookie_is_secure_and_plain_http_is_refused() {
    let site = PortalSite::new();
    let portal = site.serve(&["--tls"]);
    assert!(portal.url.starts_with("https://"), "{}", portal.url);
    let cert = site.path().join("portal/tls.cert.pem");
    let browser = common::pinned_browser(&cert);
    let signed_in = browser
        .post(&format!("{}/signin", portal.url))
        .send_form([("email", "anna@acme.example"), ("password", PASSWORD)])
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303);
    let cookie = signed_in
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.ends_with("; Secure"),
        "{cookie}"
    );
    // Plain HTTP on the TLS port is told to use TLS, and gets no page.
    let plain: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let answer = plain
        .get(&portal.url.replace("https://", "http://"))
        .call()
        .unwrap();
    assert_eq!(answer.status().as_u16(), 400);
    assert!(
        answer
            .into_body()
            .read_to_string()
            .unwrap()
            .contains("tls_required")
    );
}

#[test]
fn a_machine_the_vendor_activated_offline_counts_in_the_portal() {
    let site = PortalSite::new();
    let d = site.path();
    // The vendor answered machine A from its own activation ledger file.
    let first = request(&site, "shared.txt", "appliance-a", "machine-a");
    std::fs::write(d.join("request-a.txt"), &first).unwrap();
    ok(
        d,
        &[
            "activate",
            "respond",
            "--ledger",
            "activations.jsonl",
            "--license",
            "@shared.txt",
            "@request-a.txt",
        ],
    );
    let imported = site.portal_report_with(&[
        "import",
        "--public",
        &example("vendor.public.pem"),
        "--activations",
        "activations.jsonl",
    ]);
    assert!(
        imported.contains("activation ledger: 1 new entries of 1"),
        "{imported}"
    );
    let again = site.portal_report_with(&[
        "import",
        "--public",
        &example("vendor.public.pem"),
        "--activations",
        "activations.jsonl",
    ]);
    assert!(again.contains("0 new entries"), "{again}");
    // The portal then answers no second machine.
    let portal = site.serve(&[]);
    let mut anna = Browser::new(&portal);
    anna.sign_in("anna@acme.example", PASSWORD);
    let page = anna.get("/");
    assert!(page.body.contains("1 machine(s)"), "{}", page.body);
    let second = request(&site, "shared.txt", "appliance-b", "machine-b");
    let refused = anna.post(
        "/activate",
        &[("csrf", &Browser::csrf(&page)), ("request", &second)],
    );
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains("activated on another machine"),
        "{}",
        refused.body
    );
}

#[test]
fn a_view_of_many_licences_comes_in_pages_and_searches_only_its_own() {
    let site = PortalSite::new();
    let d = site.path();
    // RES-1 sold 120 licences more, to ACME-1 (perpetual, so that the
    // annual one that backs extra keys sorts last, on the third page).
    let mut tokens = String::new();
    for _ in 0..120 {
        tokens.push_str(&ok(
            d,
            &[
                "issue",
                "--product",
                "thinprint",
                "--edition",
                "basic",
                "--seats",
                "1",
                "--tenant",
                "ACME-1",
                "--perpetual",
            ],
        ));
    }
    std::fs::write(d.join("many.txt"), &tokens).unwrap();
    site.portal_report_with(&[
        "import",
        "--public",
        &example("vendor.public.pem"),
        "--reseller",
        "RES-1",
        "@many.txt",
    ]);
    let portal = site.serve(&[]);
    let mut rolf = Browser::new(&portal);
    rolf.sign_in("rolf@res.example", PASSWORD);
    let first = rolf.get("/");
    assert_eq!(
        first.body.matches("<tr data-serial=").count(),
        50,
        "50 a page"
    );
    assert!(
        first.body.contains("Page 1 / 3 · 122 licences"),
        "{}",
        first.body
    );
    let last = rolf.get("/?view=reseller&page=2");
    assert_eq!(last.body.matches("<tr data-serial=").count(), 22);
    assert!(
        last.body.contains(&site.annual_serial),
        "premium sorts after basic"
    );
    // A search finds one licence by its serial, and never another
    // reseller's.
    let found = rolf.get(&format!("/?view=reseller&q={}", site.annual_serial));
    assert_eq!(
        found.body.matches("<tr data-serial=").count(),
        1,
        "{}",
        found.body
    );
    let other = rolf.get(&format!("/?view=reseller&q={}", site.other_serial));
    assert_eq!(other.body.matches("<tr data-serial=").count(), 0);
    // The extra-keys footnote holds whatever page the annual licence is on.
    let mut anna = Browser::new(&portal);
    anna.sign_in("anna@acme.example", PASSWORD);
    let page = anna.get("/");
    assert!(
        !page
            .body
            .contains(&format!("data-serial=\"{}\"", site.annual_serial)),
        "not on page 1"
    );
    assert!(
        page.body.contains("data-function=\"extra_keys\""),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(&format!("<option value=\"{}\">", site.annual_serial))
    );
}

#[test]
fn a_database_of_the_portals_first_version_opens_and_gains_its_columns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("portal")).unwrap();
    let db = rusqlite::Connection::open(dir.path().join("portal/portal.sqlite")).unwrap();
    // The first version's companies and licences, one company in them.
    db.execute_batch(
        "CREATE TABLE companies (id TEXT PRIMARY KEY, name TEXT NOT NULL);
         CREATE TABLE licences (serial TEXT PRIMARY KEY, token TEXT NOT NULL, product TEXT NOT NULL, edition TEXT NOT NULL, imported_at BIGINT NOT NULL);
         INSERT INTO companies (id, name) VALUES ('ACME-1', 'ACME GmbH');",
    )
    .unwrap();
    drop(db);
    let d = dir.path();
    ok(
        d,
        &[
            "portal",
            "company",
            "--state-dir",
            "portal",
            "--id",
            "ACME-1",
            "--name",
            "ACME GmbH",
            "--view",
            "customer",
        ],
    );
    let licence = common::portal_site::issue(d, "ACME-1", "2030-01-01");
    std::fs::write(d.join("acme.txt"), &licence).unwrap();
    let imported = ok(
        d,
        &[
            "portal",
            "import",
            "--state-dir",
            "portal",
            "--public",
            &example("vendor.public.pem"),
            "@acme.txt",
        ],
    );
    assert!(imported.contains("ACME-1 (customer)"), "{imported}");
}

#[test]
fn a_raised_service_provider_contract_gives_more_extra_keys_within_it_in_total() {
    let site = PortalSite::new();
    let portal = site.serve(&[]);
    let a = site.annual_serial.clone();
    let obtain = |seats: &str| {
        let mut sara = Browser::new(&portal);
        sara.sign_in("sara@sp.example", PASSWORD);
        let csrf = Browser::csrf(&sara.get("/"));
        sara.post(
            "/extra-key",
            &[("csrf", &csrf), ("serial", &a), ("seats", seats)],
        )
    };
    // The contract is 4 seats: all of them, then none.
    let first = obtain("4");
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(obtain("1").status, 400);
    // The vendor raises it to 6: two more, in total, never a third.
    site.portal_report_with(&[
        "company",
        "--id",
        "SP-1",
        "--name",
        "SP-1 GmbH",
        "--view",
        "service-provider",
        "--contract-seats",
        "6",
    ]);
    let second = obtain("2");
    assert_eq!(second.status, 200, "{}", second.body);
    let over = obtain("1");
    assert_eq!(over.status, 400);
    assert!(
        over.body
            .contains("service-provider contract: 6 seats, 6 obtained"),
        "{}",
        over.body
    );
    // The appliance counts both keys, each under its own contract's
    // certificate: 5 annual seats and 4 + 2.
    std::fs::write(site.path().join("sp1.txt"), textarea(&first, "extra")).unwrap();
    std::fs::write(site.path().join("sp2.txt"), textarea(&second, "extra")).unwrap();
    assert_eq!(
        acme_seats(&site, &["@annual.txt", "@sp1.txt", "@sp2.txt"]),
        11
    );
}

#[test]
fn a_portal_whose_key_the_appliance_does_not_trust_signs_no_destruction_and_no_activation() {
    let site = PortalSite::new();
    ok(
        site.path(),
        &["keygen", "--secret", "other.pem", "--public", "other.pub"],
    );
    // Licences chain to the vendor key; the portal signs with another.
    let portal = site.serve(&["--key", "other.pem"]);
    let mut anna = Browser::new(&portal);
    anna.sign_in("anna@acme.example", PASSWORD);
    let csrf = Browser::csrf(&anna.get("/"));
    let destroyed = anna.post(
        "/destroy",
        &[
            ("csrf", &csrf),
            ("serial", &site.shared_serial),
            ("confirmed", "yes"),
        ],
    );
    assert_eq!(destroyed.status, 400);
    assert!(
        destroyed.body.contains("would not be revoked"),
        "{}",
        destroyed.body
    );
    assert_eq!(anna.get("/revocations.txt").status, 404, "no list was kept");
    assert!(anna.get("/").body.contains("data-status=\"active\""));
    let req = request(&site, "shared.txt", "appliance", "machine-a");
    let refused = anna.post("/activate", &[("csrf", &csrf), ("request", &req)]);
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("only the key that issued a licence activates it"),
        "{}",
        refused.body
    );
}
