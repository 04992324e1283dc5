//! The seat server's admin page in a real headless Chromium, driven over
//! WebDriver (chromedriver): sign in, see the sessions, select two,
//! confirm, see them gone. A screenshot is kept as
//! `target/test-artifacts/admin-page.png`.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! says so and passes, unless `ENTITLE_TEST_CHROMIUM` is set (as `.ci/run`
//! does): then it fails, so CI never skips it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use common::seat_site::Site;
use common::{stderr, stdout};
use serde_json::{Value, json};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a port of its own, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
    http: ureq::Agent,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if http.get(&format!("{url}/status")).call().is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Driver { child, url, http }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.url);
        let mut response = match (method, body) {
            ("GET", _) => self.http.get(&url).call(),
            ("DELETE", _) => self.http.delete(&url).call(),
            (_, Some(body)) => self.http.post(&url).send_json(&body),
            (_, None) => self.http.post(&url).send_json(json!({})),
        }
        .unwrap();
        let value: Value = response.body_mut().read_json().unwrap();
        assert!(
            value["value"].get("error").is_none(),
            "{method} {path}: {value}"
        );
        value["value"].clone()
    }
}

/// A WebDriver session in headless Chromium.
struct Browser<'d> {
    driver: &'d Driver,
    session: String,
}

impl Browser<'_> {
    fn open<'d>(driver: &'d Driver, profile: &Path) -> Browser<'d> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1200,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let session = driver.call("POST", "/session", Some(caps))["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        Browser { driver, session }
    }

    fn go(&self, url: &str) {
        self.driver.call(
            "POST",
            &format!("/session/{}/url", self.session),
            Some(json!({"url": url})),
        );
    }

    fn find(&self, css: &str) -> String {
        let found = self.driver.call(
            "POST",
            &format!("/session/{}/element", self.session),
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap()
            .to_string()
    }

    fn find_all(&self, css: &str) -> Vec<String> {
        let found = self.driver.call(
            "POST",
            &format!("/session/{}/elements", self.session),
            Some(json!({"using": "css selector", "value": css})),
        );
        found
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e.as_object()?.values().next()?.as_str().map(str::to_string))
            .collect()
    }

    fn click(&self, element: &str) {
        self.driver.call(
            "POST",
            &format!("/session/{}/element/{element}/click", self.session),
            None,
        );
    }

    fn type_into(&self, element: &str, text: &str) {
        self.driver.call(
            "POST",
            &format!("/session/{}/element/{element}/value", self.session),
            Some(json!({"text": text})),
        );
    }

    fn source(&self) -> String {
        self.driver
            .call("GET", &format!("/session/{}/source", self.session), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The page source once it contains `text` (a click's navigation may
    /// still be under way when the click returns); fails after 20 seconds.
    fn wait_for(&self, text: &str) -> String {
        let started = std::time::Instant::now();
        loop {
            let source = self.source();
            if source.contains(text) {
                return source;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the page never showed {text:?}: {source}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn screenshot(&self, path: &Path) {
        let png = self.driver.call(
            "GET",
            &format!("/session/{}/screenshot", self.session),
            None,
        );
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let url = format!("{}/session/{}", self.driver.url, self.session);
        let _ = self.driver.http.delete(&url).call();
    }
}

#[test]
fn the_admin_signs_in_selects_two_sessions_confirms_and_they_are_gone() {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        assert!(
            std::env::var_os("ENTITLE_TEST_CHROMIUM").is_none(),
            "ENTITLE_TEST_CHROMIUM is set but chromium or chromedriver is missing"
        );
        eprintln!("chromium and chromium-driver are not installed: skipped");
        return;
    }
    let site = Site::new(4, 1);
    let server = site.serve(&[]);
    site.grant(&server, 5);
    let leases: Vec<String> = (0..4)
        .map(|i| site.claim(&server, &format!("a{i}")).unwrap())
        .collect();

    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::open(&driver, profile.path());
    browser.go(&format!("{}/admin", server.url));
    browser.wait_for("Sign in");
    let admin = std::fs::read_to_string(site.path().join("state/admin.credential")).unwrap();
    browser.type_into(&browser.find("input[name=credential]"), admin.trim());
    browser.click(&browser.find("#sign-in"));

    let page = browser.wait_for("Active sessions (4)");
    assert!(
        page.contains("a0@example.com") && page.contains("Agent 3"),
        "{page}"
    );
    assert!(page.contains("4 of 4"), "the pool is full: {page}");

    let boxes = browser.find_all("input[name=lease]");
    assert_eq!(boxes.len(), 4);
    browser.click(&boxes[0]);
    browser.click(&boxes[1]);
    browser.click(&browser.find("#end-selected"));
    browser.wait_for("End 2 sessions?");
    browser.click(&browser.find("#confirm-end"));
    browser.wait_for("Active sessions (2)");
    browser.screenshot(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts/admin-page.png"),
    );
    let live: Vec<String> = site
        .sessions(&server)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(live.len(), 2);
    assert_eq!(leases.iter().filter(|l| !live.contains(l)).count(), 2);
    assert_eq!(browser.find_all("input[name=lease]").len(), 2);
    // The two freed seats are claimable again (by the technicians whose
    // sessions ended), and no more: a fifth technician finds none.
    for i in (0..4).filter(|&i| !live.contains(&leases[i])) {
        site.claim(&server, &format!("a{i}")).unwrap();
    }
    assert!(site.claim(&server, "a4").is_err());

    // Grant an agent on the page: its credential is shown once, and the
    // server takes it (the pool is full: refused as full, not as unknown).
    browser.type_into(&browser.find("input[name=id]"), "newbie");
    browser.type_into(&browser.find("input[name=name]"), "New Agent");
    browser.type_into(&browser.find("input[name=email]"), "newbie@example.com");
    browser.click(&browser.find("#grant"));
    let shown = browser.wait_for("Agent granted");
    let credential = shown
        .split_once("<code id=\"credential\">")
        .and_then(|(_, rest)| rest.split_once("</code>"))
        .map(|(credential, _)| credential.to_string())
        .unwrap();
    assert!(credential.starts_with("esa1_"), "{shown}");
    std::fs::write(site.path().join("newbie.cred"), &credential).unwrap();
    let full = site.claim(&server, "newbie").unwrap_err();
    assert_eq!(full.status.code(), Some(7), "a granted agent, a full pool");

    // Assign the named seat to a3: it gets a seat while the pool is full.
    browser.go(&format!("{}/admin", server.url));
    browser.click(&browser.find("#named-a3"));
    let page = browser.wait_for("Take back");
    assert!(page.contains("1 of 1"), "one named seat assigned: {page}");
    site.claim(&server, "a3").unwrap();

    // Revoke a2 after a confirmation: its session ends, its credential
    // stops working.
    browser.click(&browser.find("#revoke-a2"));
    browser.wait_for("Revoke a2?");
    browser.click(&browser.find("#confirm-revoke"));
    let page = browser.wait_for("Grant an agent");
    assert!(!page.contains("a2@example.com"), "{page}");
    let revoked = site.claim(&server, "a2").unwrap_err();
    assert_eq!(revoked.status.code(), Some(4), "{}", stderr(&revoked));

    // An account for a manager with both permissions, added on the page:
    // its credential is shown once.
    browser.type_into(
        &browser.find("form[action='/admin/account-add'] input[name=id]"),
        "mara",
    );
    browser.type_into(
        &browser.find("form[action='/admin/account-add'] input[name=name]"),
        "Mara Manager",
    );
    browser.click(&browser.find("input[name=users]"));
    browser.click(&browser.find("input[name=products]"));
    browser.click(&browser.find("#add-account"));
    let shown = browser.wait_for("Account added");
    let manager = shown
        .split_once("<code id=\"credential\">")
        .and_then(|(_, rest)| rest.split_once("</code>"))
        .map(|(credential, _)| credential.to_string())
        .unwrap();

    // Without signing in, nothing: a fresh browser profile sees the form.
    drop(browser);
    let other = tempfile::tempdir().unwrap();
    let stranger = Browser::open(&driver, other.path());
    stranger.go(&format!("{}/admin", server.url));
    let form = stranger.wait_for("Sign in");
    assert!(!form.contains("Active sessions"), "{form}");

    // The manager signs in with her own credential: she grants, but ends
    // no session and manages no account; the audit log names her.
    stranger.type_into(&stranger.find("input[name=credential]"), &manager);
    stranger.click(&stranger.find("#sign-in"));
    let page = stranger.wait_for("Signed in as");
    assert!(page.contains("Mara Manager"), "{page}");
    assert!(stranger.find_all("#end-selected").is_empty(), "{page}");
    assert!(stranger.find_all("#add-account").is_empty(), "{page}");
    stranger.type_into(&stranger.find("input[name=id]"), "via-mara");
    stranger.type_into(&stranger.find("input[name=name]"), "Via Mara");
    stranger.type_into(&stranger.find("input[name=email]"), "via@example.com");
    stranger.click(&stranger.find("#grant"));
    stranger.wait_for("Agent granted");
    let audit = stdout(&site.admin(&server, &["seats", "audit"]));
    assert!(
        audit
            .lines()
            .any(|l| l.contains("granted") && l.contains("by mara") && l.contains("via-mara")),
        "{audit}"
    );
}
