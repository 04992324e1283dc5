//! The Enterprise Portal in a real headless Chromium, driven over
//! WebDriver: every view signed in, its buttons the seed's table; a
//! customer downloads, activates (the response then accepted by `entitle
//! activate accept` on an appliance), requests a quote, obtains a free
//! extra key and destroys a licence after its confirmation; a company
//! with two views switches between them in a German browser. Screenshots
//! are kept as `target/test-artifacts/portal-*.png` (the guide's,
//! docs/images/).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use std::path::Path;

use common::portal_site::{PASSWORD, PortalSite, VIEWS, textarea_in};
use common::seat_site::{entitle, ok};
use common::webdriver::{self, Browser, Driver};
use common::{example, stderr};

/// The functions of the seed's table and the views that offer them
/// (extra keys: those with an annual-model licence, or a contract).
const TABLE: [(&str, &[&str]); 5] = [
    (
        "download",
        &[
            "customer",
            "system-integrator",
            "service-provider",
            "reseller",
            "distributor",
            "partner",
        ],
    ),
    (
        "activation",
        &["customer", "system-integrator", "service-provider"],
    ),
    (
        "service_quote",
        &[
            "customer",
            "system-integrator",
            "service-provider",
            "reseller",
            "distributor",
        ],
    ),
    (
        "destroy_keys",
        &["customer", "system-integrator", "service-provider"],
    ),
    (
        "extra_keys",
        &["customer", "system-integrator", "service-provider"],
    ),
];

fn sign_in(browser: &Browser<'_>, url: &str, email: &str) {
    browser.go(url);
    let field = browser.find("input[name=email]");
    browser.type_into(&field, email);
    let field = browser.find("input[name=password]");
    browser.type_into(&field, PASSWORD);
    let button = browser.find("#sign-in");
    browser.click(&button);
    browser.wait_for("action=\"/signout\"");
}

fn sign_out(browser: &Browser<'_>) {
    let button = browser.find("form[action='/signout'] button");
    browser.click(&button);
    browser.wait_for("id=\"sign-in\"");
}

#[test]
fn every_view_in_a_real_browser_and_a_customers_day() {
    if !webdriver::available() {
        return;
    }
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    let site = PortalSite::new();
    let downloads = site.path().join("downloads/thinprint/1.0");
    std::fs::create_dir_all(&downloads).unwrap();
    std::fs::write(downloads.join("BUILD-DATE"), "2026-01-15").unwrap();
    std::fs::write(downloads.join("setup.bin"), "the installer").unwrap();
    let portal = site.serve(&["--downloads", "downloads"]);
    let driver = Driver::start();
    let profile = tempfile::tempdir().unwrap();
    let browser = Browser::open(&driver, profile.path(), "en-US");

    // Each view: its buttons, exactly the table's.
    for (view, _, email) in VIEWS {
        sign_in(&browser, &portal.url, email);
        let page = browser.source();
        for (function, views) in TABLE {
            let shown = !browser
                .find_all(&format!("[data-function={function}]"))
                .is_empty();
            assert_eq!(shown, views.contains(&view), "{view}: {function}: {page}");
        }
        sign_out(&browser);
    }

    // A customer's day.
    sign_in(&browser, &portal.url, "anna@acme.example");
    browser.screenshot(&artifacts.join("portal-customer-en.png"));
    // Download: the version the update service covers, with its checksum.
    let link = browser.find("[data-function=download]");
    browser.click(&link);
    let page = browser.wait_for("SHA-256");
    assert!(page.contains("setup.bin"), "{page}");
    // Activation: the appliance's request pasted, the response carried back.
    std::fs::write(site.path().join("machine-a"), "machine-a-0123456789\n").unwrap();
    let request = ok(
        site.path(),
        &[
            "activate",
            "request",
            "--state-dir",
            "appliance",
            "--machine-id",
            "machine-a",
            "--license",
            "@shared.txt",
        ],
    );
    browser.go(&portal.url);
    let field = browser.find("textarea[name=request]");
    browser.type_into(&field, request.trim());
    let button = browser.find("[data-function=activation]");
    browser.click(&button);
    let page = browser.wait_for("id=\"response\"");
    assert!(page.contains("<svg"), "the QR code");
    browser.screenshot(&artifacts.join("portal-activation-en.png"));
    std::fs::write(
        site.path().join("response.txt"),
        textarea_in(&page, "response"),
    )
    .unwrap();
    let accepted = entitle(
        site.path(),
        &[
            "activate",
            "accept",
            "--public",
            &example("vendor.public.pem"),
            "--state-dir",
            "appliance",
            "--machine-id",
            "machine-a",
            "--license",
            "@shared.txt",
            "@response.txt",
        ],
    );
    assert!(accepted.status.success(), "{}", stderr(&accepted));
    // A quote for the annual licence.
    browser.go(&portal.url);
    let tick = browser.find(&format!("input[value='{}']", site.annual_serial));
    browser.click(&tick);
    let note = browser.find("textarea[name=note]");
    browser.type_into(&note, "Update Services for 3 years");
    let button = browser.find("[data-function=service_quote]");
    browser.click(&button);
    browser.wait_for("id=\"done\"");
    // A free extra key beside the annual licence.
    browser.go(&portal.url);
    let button = browser.find("[data-function=extra_keys]");
    browser.click(&button);
    let page = browser.wait_for("id=\"extra\"");
    assert!(
        textarea_in(&page, "extra").contains("entc1."),
        "the key comes with its certificate"
    );
    // Destroying the perpetual licence, after the confirmation.
    browser.go(&portal.url);
    let tick = browser.find(&format!("input[value='{}']", site.shared_serial));
    browser.click(&tick);
    let button = browser.find("[data-function=destroy_keys]");
    browser.click(&button);
    browser.wait_for("id=\"confirm\"");
    let confirm = browser.find("#confirm");
    browser.click(&confirm);
    browser.wait_for("id=\"list\"");
    browser.go(&portal.url);
    let page = browser.source();
    assert!(
        page.contains(&format!(
            "data-serial=\"{}\" data-status=\"revoked\"",
            site.shared_serial
        )),
        "{page}"
    );
    sign_out(&browser);
    let quotes = ok(site.path(), &["portal", "quotes", "--state-dir", "portal"]);
    assert!(quotes.contains("Update Services for 3 years"), "{quotes}");

    // A company with two views switches at the top left, in German.
    let other = tempfile::tempdir().unwrap();
    let german = Browser::open(&driver, other.path(), "de-DE");
    sign_in(&german, &portal.url, "mia@multi.example");
    let switch = german.find("a[data-view=reseller]");
    german.click(&switch);
    german.wait_for("aria-current=\"page\" class=\"current\">Reseller View");
    assert!(german.find_all("[data-function=activation]").is_empty());
    let switch = german.find("a[data-view=service-provider]");
    german.click(&switch);
    let page = german.wait_for("Software-Aktivierung");
    assert!(
        page.contains("Anforderung von unverbindlichen Service-Angeboten"),
        "{page}"
    );
    assert!(page.contains(&site.other_serial), "{page}");
    german.screenshot(&artifacts.join("portal-provider-de.png"));
}
