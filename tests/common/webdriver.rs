//! Headless Chromium over WebDriver (chromedriver), for the pages' tests
//! (tests/admin_page.rs, tests/portal_page.rs).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a port of its own, stopped when dropped.
pub struct Driver {
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
    pub fn start() -> Driver {
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

    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
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
pub struct Browser<'d> {
    driver: &'d Driver,
    session: String,
}

impl Browser<'_> {
    /// A browser whose preferred language is `language` (`en-US`, `de-DE`).
    pub fn open<'d>(driver: &'d Driver, profile: &Path, language: &str) -> Browser<'d> {
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
                         format!("--lang={language}"), format!("--accept-lang={language}"),
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let session = driver.call("POST", "/session", Some(caps))["sessionId"]
            .as_str()
            .unwrap()
            .to_string();
        Browser { driver, session }
    }

    pub fn go(&self, url: &str) {
        self.driver.call(
            "POST",
            &format!("/session/{}/url", self.session),
            Some(json!({"url": url})),
        );
    }

    pub fn find(&self, css: &str) -> String {
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

    pub fn find_all(&self, css: &str) -> Vec<String> {
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

    pub fn click(&self, element: &str) {
        self.driver.call(
            "POST",
            &format!("/session/{}/element/{element}/click", self.session),
            None,
        );
    }

    pub fn type_into(&self, element: &str, text: &str) {
        self.driver.call(
            "POST",
            &format!("/session/{}/element/{element}/value", self.session),
            Some(json!({"text": text})),
        );
    }

    pub fn source(&self) -> String {
        self.driver
            .call("GET", &format!("/session/{}/source", self.session), None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The page source once it contains `text` (a click's navigation may
    /// still be under way when the click returns); fails after 20 seconds.
    pub fn wait_for(&self, text: &str) -> String {
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

    pub fn screenshot(&self, path: &Path) {
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

/// Whether Chromium and chromedriver are here; without them a test says
/// so and passes, unless `ENTITLE_TEST_CHROMIUM` is set (as `.ci/run`
/// does): then it fails, so CI never skips it.
pub fn available() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var_os("ENTITLE_TEST_CHROMIUM").is_none(),
        "ENTITLE_TEST_CHROMIUM is set but chromium or chromedriver is missing"
    );
    eprintln!("chromium and chromium-driver are not installed: skipped");
    false
}
