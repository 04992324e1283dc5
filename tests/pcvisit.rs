//! pcvisit in servereye (../shared/MODELS.md section 5): bring-your-own vs
//! bundled licenses, switching, and a legacy edition that falls back to
//! Free at a date. One test per rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::*;
use entitle_allocate::{Catalog, Supply};
use entitle_issue::LicenseSpec;
use entitle_verify::Kind;

const COMPANY_A: &str = "FIRMA-000789";
const COMPANY_B: &str = "FIRMA-000999";
/// 2019-06-01 and 2020-06-01.
const BEFORE_CUTOFF: u64 = 1_559_347_200;
const AFTER_CUTOFF: u64 = 1_590_969_600;

fn byo(catalog: &Catalog, company: &str, seats: u32) -> String {
    let mut spec = LicenseSpec::new("pcvisit", "profi", seats);
    spec.tenant = Some(company.into());
    spec.issued_at = Some(NOW - 86_400);
    spec.expires_at = Some(NOW + 86_400);
    entitle_issue::prepare_spec(catalog, &mut spec, NOW).unwrap();
    issue(&spec)
}

fn bundled(catalog: &Catalog, seats: u32) -> String {
    issue(&spec(catalog, "pcvisit", "remotesimple", Kind::Base, seats))
}

fn pay_per_use(catalog: &Catalog, issued: u64, expires: u64) -> String {
    let mut spec = LicenseSpec::new("pcvisit", "pay-per-use", 2);
    spec.tenant = Some(COMPANY_A.into());
    spec.issued_at = Some(issued);
    spec.expires_at = Some(expires);
    entitle_issue::prepare_spec(catalog, &mut spec, issued).unwrap();
    issue(&spec)
}

fn seats(catalog: &Catalog, supply: &Supply) -> u64 {
    available(catalog, supply, "remote-support")
}

fn features(supply: &Supply) -> Vec<String> {
    supply.features[0].clone()
}

#[test]
fn bundled_and_byo_are_two_ways_to_license_the_same_product() {
    let catalog = catalog("pcvisit");
    let (_, profi) = catalog.edition("pcvisit", "profi").unwrap();
    let (_, simple) = catalog.edition("pcvisit", "remotesimple").unwrap();
    assert_eq!(profi.license, simple.license, "both grant remote-support");
    assert_eq!(
        seats(&catalog, &supply(&catalog, &[bundled(&catalog, 10)])),
        10
    );
    assert_eq!(
        seats(
            &catalog,
            &supply_at(
                &catalog,
                &[byo(&catalog, COMPANY_A, 5)],
                Some(COMPANY_A),
                NOW
            )
        ),
        5
    );
}

#[test]
fn a_byo_license_is_bound_to_its_company_id() {
    let catalog = catalog("pcvisit");
    let mut unbound = LicenseSpec::new("pcvisit", "profi", 5);
    assert!(
        entitle_issue::prepare_spec(&catalog, &mut unbound, NOW)
            .unwrap_err()
            .to_string()
            .contains("give --tenant")
    );
    let text = byo(&catalog, COMPANY_A, 5);
    for (installation, expected) in [(Some(COMPANY_A), 5), (Some(COMPANY_B), 0), (None, 0)] {
        let supply = supply_at(&catalog, std::slice::from_ref(&text), installation, NOW);
        assert_eq!(
            seats(&catalog, &supply),
            expected,
            "installation {installation:?}"
        );
        if expected == 0 {
            assert!(
                supply.refused[0]
                    .1
                    .to_string()
                    .contains("bound to company id FIRMA-000789")
            );
        }
    }
}

#[test]
fn a_bundled_license_is_usable_only_through_the_platform_and_carries_no_company_id() {
    let catalog = catalog("pcvisit");
    let mut with_company = LicenseSpec::new("pcvisit", "remotesimple", 10);
    with_company.tenant = Some(COMPANY_A.into());
    let error = entitle_issue::prepare_spec(&catalog, &mut with_company, NOW).unwrap_err();
    assert!(
        error.to_string().contains("bound to the platform"),
        "{error}"
    );
    // Free to the partner, but with the reduced feature set of the platform.
    let supply = supply(&catalog, &[bundled(&catalog, 10)]);
    assert_eq!(features(&supply), ["remote-control"]);
}

#[test]
fn enabling_the_integration_needs_the_administrator_role() {
    let catalog = catalog("pcvisit");
    let supply = supply(&catalog, &[bundled(&catalog, 10)]);
    let users = users(&csv(&[
        "boss,s,g,,admin,enable-integration",
        "tech,s,g,,user,enable-integration",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(outcome(&allocation, "boss", "enable-integration"), Ok(()));
    assert_eq!(
        outcome(&allocation, "tech", "enable-integration"),
        Err("role")
    );
}

#[test]
fn using_the_integration_needs_the_user_role() {
    let catalog = catalog("pcvisit");
    let supply = supply(&catalog, &[bundled(&catalog, 10)]);
    let users = users(&csv(&[
        "tech,s,g,,user,remote-support",
        "guest,s,g,,member,remote-support",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(outcome(&allocation, "tech", "remote-support"), Ok(()));
    assert_eq!(outcome(&allocation, "guest", "remote-support"), Err("role"));
    assert_eq!(used(&catalog, &allocation, "remote-support"), 1);
}

#[test]
fn switching_to_the_bundled_license_is_possible_at_any_time() {
    let catalog = catalog("pcvisit");
    let texts = [bundled(&catalog, 10), byo(&catalog, COMPANY_A, 5)];
    // With its company id configured, the installation runs on its own license ...
    let own = supply_at(&catalog, &texts, Some(COMPANY_A), NOW);
    assert_eq!(seats(&catalog, &own), 5);
    assert!(features(&own).contains(&"session-recording".to_string()));
    assert!(
        own.refused
            .iter()
            .any(|(_, why)| why.to_string().contains("catalog rule `exclusive`")),
        "{own:?}"
    );
    // ... and without it, at once, on the bundled one: no vendor involved.
    let platform = supply_at(&catalog, &texts, None, NOW);
    assert_eq!(seats(&catalog, &platform), 10);
    assert_eq!(features(&platform), ["remote-control"]);
}

#[test]
fn switching_from_one_byo_company_id_to_another_is_replacing_the_id() {
    let catalog = catalog("pcvisit");
    let texts = [byo(&catalog, COMPANY_A, 5), byo(&catalog, COMPANY_B, 8)];
    assert_eq!(
        seats(&catalog, &supply_at(&catalog, &texts, Some(COMPANY_A), NOW)),
        5
    );
    assert_eq!(
        seats(&catalog, &supply_at(&catalog, &texts, Some(COMPANY_B), NOW)),
        8
    );
}

#[test]
fn switching_from_bundled_to_byo_needs_a_manual_step_by_the_vendor() {
    let catalog = catalog("pcvisit");
    // A company id the vendor has issued nothing for changes nothing: the
    // installation stays on the bundled license ...
    let platform_only = [bundled(&catalog, 10)];
    let supply = supply_at(&catalog, &platform_only, Some(COMPANY_B), NOW);
    assert_eq!(seats(&catalog, &supply), 10);
    assert_eq!(features(&supply), ["remote-control"]);
    // ... until the vendor issues the BYO license for it (signed: nobody else can).
    let mut with_vendor_step = platform_only.to_vec();
    with_vendor_step.push(byo(&catalog, COMPANY_B, 5));
    let supply = supply_at(&catalog, &with_vendor_step, Some(COMPANY_B), NOW);
    assert_eq!(seats(&catalog, &supply), 5);
    assert!(features(&supply).contains(&"unattended".to_string()));
}

#[test]
fn legacy_pay_per_use_licenses_fall_back_to_free_on_2020_01_01_instead_of_stopping() {
    let catalog = catalog("pcvisit");
    let text = pay_per_use(
        &catalog,
        BEFORE_CUTOFF - 86_400,
        AFTER_CUTOFF + 365 * 86_400,
    );
    let before = supply_at(
        &catalog,
        std::slice::from_ref(&text),
        Some(COMPANY_A),
        BEFORE_CUTOFF,
    );
    assert_eq!(seats(&catalog, &before), 2);
    assert!(features(&before).contains(&"file-transfer".to_string()));
    let after = supply_at(
        &catalog,
        std::slice::from_ref(&text),
        Some(COMPANY_A),
        AFTER_CUTOFF,
    );
    assert_eq!(seats(&catalog, &after), 1, "a Free license: 1 seat");
    assert_eq!(features(&after), ["remote-control"], "reduced features");
    assert!(
        after
            .warnings
            .iter()
            .any(|w| w.contains("reached 2020-01-01T00:00:00Z: it counts as free now"))
    );
    assert!(after.refused.is_empty(), "it still works");
}

#[test]
fn a_license_with_a_fallback_edition_keeps_working_as_that_edition_after_it_expires() {
    let catalog = catalog("pcvisit");
    let text = pay_per_use(
        &catalog,
        BEFORE_CUTOFF - 200 * 86_400,
        BEFORE_CUTOFF - 86_400,
    );
    let fallen = supply_at(
        &catalog,
        std::slice::from_ref(&text),
        Some(COMPANY_A),
        BEFORE_CUTOFF,
    );
    assert_eq!(seats(&catalog, &fallen), 1);
    assert!(
        fallen.warnings.iter().any(|w| w.contains("expired at")),
        "{:?}",
        fallen.warnings
    );
    // An edition without a fallback simply expires.
    let mut spec = LicenseSpec::new("pcvisit", "remotesimple", 10);
    spec.issued_at = Some(NOW - 200);
    spec.expires_at = Some(NOW - 100);
    let expired = supply(&catalog, &[issue(&spec)]);
    assert_eq!(seats(&catalog, &expired), 0);
    assert!(expired.refused[0].1.to_string().starts_with("expired at"));
}

#[test]
fn the_example_installation_runs_on_its_byo_license() {
    let out = entitle(&[
        "allocate",
        "--json",
        "--public",
        &example("vendor.public.pem"),
        "--catalog",
        &example("pcvisit/catalog.signed"),
        "--users",
        &example("pcvisit/users.csv"),
        "--tenant",
        COMPANY_A,
        "--now",
        "2027-01-15",
        &format!("@{}", example("pcvisit/tokens.txt")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let license = &json["licenses"][0];
    assert_eq!(
        (license["license"].as_str(), license["available"].as_u64()),
        (Some("remote-support"), Some(6)),
        "5 PROFI + 1 Free (was pay-per-use)"
    );
    assert!(
        json["features"]["pcvisit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "session-recording")
    );
}

#[test]
fn deactivation_needs_a_manual_step_by_the_vendor() {
    // The installation cannot end a license by itself: only a revocation
    // signed by the vendor (or a party the vendor allows to revoke) does.
    let catalog = catalog("pcvisit");
    let license = byo(&catalog, COMPANY_A, 5);
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("license.txt");
    std::fs::write(&file, &license).unwrap();
    let public = example("vendor.public.pem");
    let verify = |extra: &[&str]| {
        let mut args = vec!["verify", "--public", public.as_str(), "--now", "2027-01-15"];
        args.extend_from_slice(extra);
        entitle(&args).status.code()
    };
    let license_arg = format!("@{}", file.display());
    assert_eq!(verify(&[&license_arg]), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&entitle(&[
        "verify",
        "--json",
        "--public",
        &public,
        "--now",
        "2027-01-15",
        &license_arg,
    ])))
    .unwrap();
    let serial = json["licenses"][0]["serials"][0]
        .as_str()
        .unwrap()
        .to_string();

    // A list the installation signs itself (any key but the vendor's) changes nothing.
    let own_key = dir.path().join("own.pem");
    let out = entitle(&[
        "keygen",
        "--secret",
        own_key.to_str().unwrap(),
        "--public",
        dir.path().join("own.pub").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let own_list = stdout(&entitle(&[
        "revoke",
        "--key",
        own_key.to_str().unwrap(),
        "--sequence",
        "1",
        "--serial",
        &serial,
    ]));
    assert_eq!(
        verify(&[&license_arg, own_list.trim()]),
        Some(0),
        "still active"
    );

    // The vendor's manual step: a revocation it signs.
    let vendor_list = stdout(&entitle(&[
        "revoke",
        "--key",
        &example("vendor.secret.pem"),
        "--sequence",
        "1",
        "--serial",
        &serial,
    ]));
    assert_eq!(
        verify(&[&license_arg, vendor_list.trim()]),
        Some(4),
        "deactivated"
    );
}
