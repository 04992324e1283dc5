//! The seat server's admin center in a real headless Chromium, driven over
//! WebDriver (chromedriver), at 1,005 agents: sign in, page and search,
//! end sessions, grant and grant again, assign and take back a named
//! seat, revoke, each after its confirmation; switch to German; a
//! manager's own account in a German browser. Screenshots are kept as
//! `target/test-artifacts/seat-admin-en.png` and `seat-admin-de.png`
//! (the guide's, docs/images/).
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! says so and passes, unless `ENTITLE_TEST_CHROMIUM` is set (as `.ci/run`
//! does): then it fails, so CI never skips it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::Path;

use common::seat_site::Site;
use common::webdriver::{self, Browser, Driver};
use common::{stderr, stdout};
use serde_json::json;

/// Grants `n` agents `agent-0000`… through the API (the page is tested
/// at a site's size, not clicked 1,000 times).
fn grant_many(site: &Site, url: &str, n: usize) {
    let admin = std::fs::read_to_string(site.path().join("state/admin.credential")).unwrap();
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for i in 0..n {
        let answer = http
            .post(&format!("{url}/v1/agents"))
            .header("Authorization", &format!("Bearer {}", admin.trim()))
            .send_json(json!({
                "id": format!("agent-{i:04}"),
                "name": format!("Techniker {i}"),
                "email": format!("agent-{i:04}@firma-1.example"),
                "pool": "gotoassist/corporate/FIRMA-1",
            }))
            .unwrap();
        assert_eq!(answer.status().as_u16(), 201);
    }
}

/// The credential a page shows once.
fn shown_credential(page: &str) -> String {
    page.split_once("<code id=\"credential\">")
        .and_then(|(_, rest)| rest.split_once("</code>"))
        .map(|(credential, _)| credential.to_string())
        .unwrap()
}

#[test]
fn the_admin_center_at_a_thousand_agents_in_english_and_german() {
    if !webdriver::available() {
        return;
    }
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    let site = Site::new(4, 1);
    let server = site.serve(&[]);
    site.grant(&server, 5);
    grant_many(&site, &server.url, 1000);
    let leases: Vec<String> = (0..4)
        .map(|i| site.claim(&server, &format!("a{i}")).unwrap())
        .collect();

    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::open(&driver, profile.path(), "en-US");
    browser.go(&format!("{}/admin", server.url));
    browser.wait_for("Sign in");
    let admin = std::fs::read_to_string(site.path().join("state/admin.credential")).unwrap();
    browser.type_into(&browser.find("input[name=credential]"), admin.trim());
    browser.click(&browser.find("#sign-in"));

    // 1,005 agents, 50 to a page; the pool is full.
    let page = browser.wait_for("Active sessions (4)");
    assert!(
        page.contains("<html lang=\"en\">"),
        "the browser's language"
    );
    assert!(
        page.contains("Agents (1005)") && page.contains("Page 1 of 21"),
        "{page}"
    );
    assert!(page.contains("4 of 4"), "the pool is full");
    assert_eq!(
        browser.find_all("#agents tr").len(),
        51,
        "a header and 50 agents"
    );
    assert!(
        page.len() < 120_000,
        "one page, not every agent: {} bytes",
        page.len()
    );
    // Times are shown in the browser's zone and language (the page's
    // script), not as the UTC the server writes.
    assert!(
        page.contains("<time datetime=") && !page.contains(" UTC</time>"),
        "{page}"
    );
    browser.screenshot(&artifacts.join("seat-admin-en.png"));
    browser.click(&browser.find("#page-next"));
    let second = browser.wait_for("Page 2 of 21");
    assert!(
        second.contains("agent-0045") && !second.contains(">agent-0100<"),
        "{second}"
    );
    // Search: one agent among a thousand.
    browser.type_into(&browser.find("input[name=q]"), "agent-0777");
    browser.click(&browser.find("#search"));
    let found = browser.wait_for("Agents (1)");
    assert!(found.contains("agent-0777@firma-1.example"), "{found}");

    // End two sessions, after a confirmation; the page says what was done.
    browser.go(&format!("{}/admin", server.url));
    let boxes = browser.find_all("input[name=lease]");
    assert_eq!(boxes.len(), 4);
    browser.click(&boxes[0]);
    browser.click(&boxes[1]);
    browser.click(&browser.find("#end-selected"));
    browser.wait_for("End 2 session(s)?");
    browser.click(&browser.find("#confirm-end"));
    let page = browser.wait_for("2 session(s) ended.");
    assert!(page.contains("Active sessions (2)"), "{page}");
    let live: Vec<String> = site
        .sessions(&server)
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(live.len(), 2);
    assert_eq!(leases.iter().filter(|l| !live.contains(l)).count(), 2);

    // Grant an agent; its credential is shown once, and the server takes it.
    let grant = |id: &str, name: &str, email: &str| {
        browser.type_into(
            &browser.find("form[action='/admin/grant'] input[name=id]"),
            id,
        );
        browser.type_into(
            &browser.find("form[action='/admin/grant'] input[name=name]"),
            name,
        );
        browser.type_into(
            &browser.find("form[action='/admin/grant'] input[name=email]"),
            email,
        );
        browser.click(&browser.find("#grant"));
    };
    grant("newbie", "New Agent", "newbie@example.com");
    let first = shown_credential(&browser.wait_for("Agent granted"));
    assert!(first.starts_with("esa1_"));
    std::fs::write(site.path().join("newbie.cred"), &first).unwrap();
    let newbie = site.claim(&server, "newbie").unwrap();
    // Granting it again warns first; confirmed, the new credential works
    // and the running session keeps its seat.
    browser.go(&format!("{}/admin", server.url));
    grant("newbie", "New Agent Two", "newbie2@example.com");
    let warning = browser.wait_for("is granted already");
    assert!(
        warning.contains("newbie@example.com"),
        "what it replaces: {warning}"
    );
    browser.click(&browser.find("#confirm-grant"));
    let second = shown_credential(&browser.wait_for("Agent granted"));
    assert_ne!(first, second);
    let renewed = site.lease(&server, "newbie", &["lease", "renew", "--id", &newbie]);
    assert!(renewed.status.success(), "{}", stderr(&renewed));

    // Assign the named seat to a3, then take it back after a confirmation.
    browser.go(&format!("{}/admin?q=a3", server.url));
    browser.click(&browser.find("#named-a3"));
    let page = browser.wait_for("a3 holds a named seat now.");
    assert!(page.contains("1 of 1"), "one named seat assigned: {page}");
    browser.go(&format!("{}/admin?q=a3", server.url));
    browser.click(&browser.find("#named-a3"));
    browser.wait_for("Take a3's named seat back?");
    browser.click(&browser.find("#confirm-take-back"));
    browser.wait_for("a3's named seat was taken back.");

    // Revoke a2 after a confirmation: its session ends, its credential
    // stops working.
    browser.go(&format!("{}/admin?q=a2", server.url));
    browser.click(&browser.find("#revoke-a2"));
    browser.wait_for("Revoke a2?");
    browser.click(&browser.find("#confirm-revoke"));
    browser.wait_for("a2's access was revoked.");
    let revoked = site.claim(&server, "a2").unwrap_err();
    assert_eq!(revoked.status.code(), Some(4), "{}", stderr(&revoked));

    // The switch: German, kept for the next pages.
    browser.go(&format!("{}/admin", server.url));
    browser.click(&browser.find("#lang-de"));
    let german = browser.wait_for("Aktive Sitzungen");
    assert!(german.contains("<html lang=\"de\">") && german.contains("Techniker freischalten"));
    browser.go(&format!("{}/admin", server.url));
    browser.wait_for("Seite 1 von 21");

    // A manager's account, added on the page; its credential shown once.
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
    let manager = shown_credential(&browser.wait_for("Konto hinzugefügt"));

    // Without signing in, nothing: a German browser sees the German form.
    drop(browser);
    let other = tempfile::tempdir().unwrap();
    let german = Browser::open(&driver, other.path(), "de-DE");
    german.go(&format!("{}/admin", server.url));
    let form = german.wait_for("Anmelden");
    assert!(
        form.contains("<html lang=\"de\">") && !form.contains("Aktive Sitzungen"),
        "{form}"
    );

    // The manager signs in with her own credential: she grants, but ends
    // no session and manages no account; the audit log names her.
    german.type_into(&german.find("input[name=credential]"), &manager);
    german.click(&german.find("#sign-in"));
    let page = german.wait_for("Angemeldet als");
    assert!(page.contains("Mara Manager"), "{page}");
    assert!(german.find_all("#end-selected").is_empty(), "{page}");
    assert!(german.find_all("#add-account").is_empty(), "{page}");
    german.screenshot(&artifacts.join("seat-admin-de.png"));
    german.type_into(
        &german.find("form[action='/admin/grant'] input[name=id]"),
        "via-mara",
    );
    german.type_into(
        &german.find("form[action='/admin/grant'] input[name=name]"),
        "Via Mara",
    );
    german.type_into(
        &german.find("form[action='/admin/grant'] input[name=email]"),
        "via@example.com",
    );
    german.click(&german.find("#grant"));
    german.wait_for("Techniker freigeschaltet");
    let audit = stdout(&site.admin(&server, &["seats", "audit"]));
    assert!(
        audit
            .lines()
            .any(|l| l.contains("granted") && l.contains("by mara") && l.contains("via-mara")),
        "{audit}"
    );
}
