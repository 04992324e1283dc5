//! pcvisit in servereye (../shared/MODELS.md section 5): bring-your-own vs
//! bundled licenses, one license per company without a seat count,
//! switching, and a withdrawn legacy edition that falls back to Free at a
//! date. One test per rule.

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

fn byo(catalog: &Catalog, company: &str) -> String {
    let mut spec = LicenseSpec::new("pcvisit", "profi", 0);
    spec.tenant = Some(company.into());
    // Issued after the bundled license: the vendor's switch to BYO.
    spec.issued_at = Some(NOW - 40_000);
    spec.expires_at = Some(NOW + 86_400);
    entitle_issue::prepare_spec(catalog, &mut spec, NOW).unwrap();
    issue(&spec)
}

fn bundled(catalog: &Catalog) -> String {
    issue(&spec(catalog, "pcvisit", "remotesimple", Kind::Base, 0))
}

fn free(catalog: &Catalog) -> String {
    issue(&spec(catalog, "pcvisit", "free", Kind::Base, 0))
}

/// A legacy pay-per-use license, issued before it was withdrawn.
fn pay_per_use(catalog: &Catalog, issued: u64, expires: u64) -> String {
    let mut spec = LicenseSpec::new("pcvisit", "pay-per-use", 0);
    spec.tenant = Some(COMPANY_A.into());
    spec.issued_at = Some(issued);
    spec.expires_at = Some(expires);
    entitle_issue::prepare_spec(catalog, &mut spec, issued).unwrap();
    issue(&spec)
}

/// Licenses of remote-support the installation holds (1: it is licensed).
fn licensed(catalog: &Catalog, supply: &Supply) -> u64 {
    available(catalog, supply, "remote-support")
}

fn features(supply: &Supply) -> Vec<String> {
    supply.features[0].clone()
}

/// The edition and tenant of the license in use.
fn in_use(supply: &Supply) -> (String, Option<String>) {
    let line = supply
        .pools
        .iter()
        .find(|l| l.license.is_some())
        .expect("a license in use");
    (line.edition.clone(), line.tenant.clone())
}

#[test]
fn bundled_and_byo_are_two_ways_to_license_the_same_product() {
    let catalog = catalog("pcvisit");
    let (_, profi) = catalog.edition("pcvisit", "profi").unwrap();
    let (_, simple) = catalog.edition("pcvisit", "remotesimple").unwrap();
    assert_eq!(profi.license, simple.license, "both grant remote-support");
    assert_eq!(
        licensed(&catalog, &supply(&catalog, &[bundled(&catalog)])),
        1
    );
    let own = supply_at(&catalog, &[byo(&catalog, COMPANY_A)], Some(COMPANY_A), NOW);
    assert_eq!(licensed(&catalog, &own), 1);
}

#[test]
fn pcvisit_one_license_per_company_without_a_seat_count() {
    // Every employee with the role "pcvisit" uses the one bundled license.
    let catalog = catalog("pcvisit");
    let mut lines: Vec<String> = (0..25)
        .map(|i| format!("tech{i:02},s,g,,pcvisit,remote-support"))
        .collect();
    lines.push("boss,s,g,,architekt,enable-integration".to_string());
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (code, json, err) = allocate_bin("pcvisit", &[bundled(&catalog)], &lines, &[]);
    assert_eq!(code, 0, "{err}");
    for i in 0..25 {
        assert!(granted(&json, &format!("tech{i:02}"), "remote-support"));
    }
    let row = &json["licenses"][0];
    assert_eq!(
        (row["license"].as_str(), row["kind"].as_str()),
        (Some("remote-support"), Some("company"))
    );
    // Without any license, nobody uses it.
    let (code, _, err) = allocate_bin("pcvisit", &[], &lines, &[]);
    assert_ne!(code, 0, "{err}");
    // The catalog gives no seat count to buy: a bundled license with seats is refused.
    let mut seats = LicenseSpec::new("pcvisit", "remotesimple", 10);
    assert!(
        entitle_issue::prepare_spec(&catalog, &mut seats, NOW)
            .unwrap_err()
            .to_string()
            .contains("includes 1 seats")
    );
}

#[test]
fn a_byo_license_is_bound_to_its_company_id() {
    let catalog = catalog("pcvisit");
    let mut unbound = LicenseSpec::new("pcvisit", "profi", 0);
    assert!(
        entitle_issue::prepare_spec(&catalog, &mut unbound, NOW)
            .unwrap_err()
            .to_string()
            .contains("give --tenant")
    );
    let text = byo(&catalog, COMPANY_A);
    for (installation, expected) in [(Some(COMPANY_A), 1), (Some(COMPANY_B), 0), (None, 0)] {
        let supply = supply_at(&catalog, std::slice::from_ref(&text), installation, NOW);
        assert_eq!(
            licensed(&catalog, &supply),
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
    let mut with_company = LicenseSpec::new("pcvisit", "remotesimple", 0);
    with_company.tenant = Some(COMPANY_A.into());
    let error = entitle_issue::prepare_spec(&catalog, &mut with_company, NOW).unwrap_err();
    assert!(
        error.to_string().contains("bound to the platform"),
        "{error}"
    );
    // Free to the partner, but with the reduced scope of the platform.
    let supply = supply(&catalog, &[bundled(&catalog)]);
    assert_eq!(features(&supply), ["essential"]);
}

#[test]
fn enabling_the_integration_needs_the_architekt_role() {
    let catalog = catalog("pcvisit");
    let supply = supply(&catalog, &[bundled(&catalog)]);
    let users = users(&csv(&[
        "boss,s,g,,architekt,enable-integration",
        "tech,s,g,,pcvisit,enable-integration",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(outcome(&allocation, "boss", "enable-integration"), Ok(()));
    assert_eq!(
        outcome(&allocation, "tech", "enable-integration"),
        Err("role")
    );
}

#[test]
fn using_the_integration_needs_the_pcvisit_role() {
    let catalog = catalog("pcvisit");
    let supply = supply(&catalog, &[bundled(&catalog)]);
    let users = users(&csv(&[
        "boss,s,g,,architekt,enable-integration",
        "tech,s,g,,pcvisit,remote-support",
        "guest,s,g,,member,remote-support",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(outcome(&allocation, "tech", "remote-support"), Ok(()));
    assert_eq!(outcome(&allocation, "guest", "remote-support"), Err("role"));
}

#[test]
fn switching_to_the_bundled_license_is_possible_at_any_time() {
    let catalog = catalog("pcvisit");
    let texts = [bundled(&catalog), byo(&catalog, COMPANY_A)];
    // With its company id configured, the installation runs on its own license ...
    let own = supply_at(&catalog, &texts, Some(COMPANY_A), NOW);
    assert_eq!(
        in_use(&own),
        ("profi".to_string(), Some(COMPANY_A.to_string()))
    );
    assert!(features(&own).contains(&"extended".to_string()));
    assert!(
        own.refused
            .iter()
            .any(|(_, why)| why.to_string().contains("catalog rule `exclusive`")),
        "{own:?}"
    );
    // ... and without it, at once, on the bundled one: no vendor involved.
    let platform = supply_at(&catalog, &texts, None, NOW);
    assert_eq!(in_use(&platform), ("remotesimple".to_string(), None));
    assert_eq!(features(&platform), ["essential"]);
}

#[test]
fn switching_from_one_byo_company_id_to_another_is_replacing_the_id() {
    let catalog = catalog("pcvisit");
    let texts = [byo(&catalog, COMPANY_A), byo(&catalog, COMPANY_B)];
    for company in [COMPANY_A, COMPANY_B] {
        let supply = supply_at(&catalog, &texts, Some(company), NOW);
        assert_eq!(
            in_use(&supply),
            ("profi".to_string(), Some(company.to_string()))
        );
    }
}

#[test]
fn switching_from_bundled_to_byo_needs_a_manual_step_by_the_vendor() {
    let catalog = catalog("pcvisit");
    // A company id the vendor has issued nothing for changes nothing: the
    // installation stays on the bundled license ...
    let platform_only = [bundled(&catalog)];
    let supply = supply_at(&catalog, &platform_only, Some(COMPANY_B), NOW);
    assert_eq!(in_use(&supply), ("remotesimple".to_string(), None));
    // ... until the vendor issues the BYO license for it (signed: nobody else can).
    let mut with_vendor_step = platform_only.to_vec();
    with_vendor_step.push(byo(&catalog, COMPANY_B));
    let supply = supply_at(&catalog, &with_vendor_step, Some(COMPANY_B), NOW);
    assert_eq!(
        in_use(&supply),
        ("profi".to_string(), Some(COMPANY_B.to_string()))
    );
    assert!(features(&supply).contains(&"extended".to_string()));
}

#[test]
fn a_company_that_used_its_own_license_keeps_it_as_profi_with_the_same_company_id() {
    // The example: FIRMA-000789's own license is PROFI with its Firmen ID,
    // beside the bundled one and a legacy license that counts as Free.
    let out = entitle(&[
        "verify",
        "--json",
        "--public",
        &example("vendor.public.pem"),
        "--catalog",
        &example("pcvisit/catalog.signed"),
        "--tenant",
        COMPANY_A,
        "--now",
        "2027-01-15",
        &format!("@{}", example("pcvisit/tokens.txt")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let lines = json["licenses"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "one license in use: {lines:?}");
    assert_eq!(
        (lines[0]["edition"].as_str(), lines[0]["tenant"].as_str()),
        (Some("profi"), Some(COMPANY_A))
    );
}

#[test]
fn pcvisit_leftover_free_never_displaces_the_integrated_license() {
    let catalog = catalog("pcvisit");
    let lines = [
        "boss,s,g,,architekt,enable-integration",
        "tech,s,g,,pcvisit,remote-support",
    ];
    // The Free license is the newer one; the bundled license stays in use.
    let (code, json, err) =
        allocate_bin("pcvisit", &[bundled(&catalog), free(&catalog)], &lines, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(granted(&json, "tech", "remote-support"));
    let rejected = json["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert!(
        rejected[0]["reason"]
            .as_str()
            .unwrap()
            .contains("edition free do not carry over into remotesimple"),
        "{rejected:?}"
    );
    // Beside the own license too.
    let supply = supply_at(
        &catalog,
        &[byo(&catalog, COMPANY_A), free(&catalog)],
        Some(COMPANY_A),
        NOW,
    );
    assert_eq!(in_use(&supply).0, "profi");
    assert!(features(&supply).contains(&"extended".to_string()));
    // Alone, it works.
    assert_eq!(
        licensed(&catalog, &supply_at(&catalog, &[free(&catalog)], None, NOW)),
        1
    );
}

#[test]
fn legacy_pay_per_use_licenses_fall_back_to_free_on_2020_01_01_shrinking_features_not_seats() {
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
    let after = supply_at(
        &catalog,
        std::slice::from_ref(&text),
        Some(COMPANY_A),
        AFTER_CUTOFF,
    );
    assert!(features(&before).contains(&"extended".to_string()));
    assert_eq!(features(&after), ["essential"], "reduced features");
    assert_eq!(in_use(&after).0, "free");
    assert_eq!(
        after.pools[0].seats, before.pools[0].seats,
        "the seed says the features shrink, nothing about seats"
    );
    assert_eq!(licensed(&catalog, &after), 1);
    assert!(after.warnings.iter().any(|w| {
        w.code == "edition_fell_back"
            && w.message
                .contains("reached 2020-01-01T00:00:00Z: it counts as free now")
    }));
    assert!(after.refused.is_empty(), "it still works");
}

#[test]
fn pcvisit_pay_per_use_is_withdrawn_and_no_new_one_is_issued() {
    let w = common::world::World::new();
    let (code, _, err) = w.run(&[
        "issue",
        "--key",
        "vendor.secret.pem",
        "--catalog",
        &example("pcvisit/catalog.toml"),
        "--product",
        "pcvisit",
        "--edition",
        "pay-per-use",
        "--tenant",
        COMPANY_A,
        "--expires",
        "2030-01-01",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("pcvisit pay-per-use was withdrawn on 2020-01-01"),
        "{err}"
    );
    // One signed without the catalog after the withdrawal does not count.
    let mut late = LicenseSpec::new("pcvisit", "pay-per-use", 1);
    late.tenant = Some(COMPANY_A.into());
    late.issued_at = Some(NOW - 86_400);
    late.expires_at = Some(NOW + 86_400);
    let (code, json, err) = allocate_bin(
        "pcvisit",
        &[issue(&late)],
        &["tech,s,g,,pcvisit,remote-support"],
        &["--tenant", COMPANY_A],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!granted(&json, "tech", "remote-support"));
    let reason = json["rejected"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("edition pay-per-use was withdrawn on 2020-01-01"),
        "{reason}"
    );
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
    assert_eq!(licensed(&catalog, &fallen), 1);
    assert!(
        fallen
            .warnings
            .iter()
            .any(|w| w.code == "edition_fell_back" && w.message.contains("expired at")),
        "{:?}",
        fallen.warnings
    );
    // An edition without a fallback simply expires.
    let mut spec = LicenseSpec::new("pcvisit", "remotesimple", 1);
    spec.issued_at = Some(NOW - 200);
    spec.expires_at = Some(NOW - 100);
    let expired = supply(&catalog, &[issue(&spec)]);
    assert_eq!(licensed(&catalog, &expired), 0);
    assert!(expired.refused[0].1.to_string().starts_with("expired at"));
}

#[test]
fn the_example_installation_runs_on_its_byo_license() {
    let (code, json, err) = {
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
        (
            out.status.code(),
            serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap(),
            stderr(&out),
        )
    };
    assert_eq!(code, Some(0), "{err}");
    assert!(granted(&json, "tech09", "remote-support"));
    assert!(
        !granted(&json, "trainee", "remote-support"),
        "a member without the pcvisit role"
    );
    assert!(granted(&json, "architect", "enable-integration"));
    let features = json["features"]["pcvisit"].as_array().unwrap();
    assert!(features.iter().any(|f| f == "extended"), "{features:?}");
}

#[test]
fn deactivation_needs_a_manual_step_by_the_vendor() {
    // The installation cannot end a license by itself: only a revocation
    // signed by the vendor (or a party the vendor allows to revoke) does.
    let catalog = catalog("pcvisit");
    let license = byo(&catalog, COMPANY_A);
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

#[test]
fn pcvisit_bundled_to_byo_and_deactivation_need_the_vendors_signature() {
    use common::world::{NOW as WORLD_NOW, T0, World};
    let w = World::new();
    let catalog_file = example("pcvisit/catalog.signed");
    let bundled = w.ok(&[
        "issue",
        "--key",
        "vendor.secret.pem",
        "--now",
        T0,
        "--catalog",
        &example("pcvisit/catalog.toml"),
        "--product",
        "pcvisit",
        "--edition",
        "remotesimple",
        "--expires",
        "2028-01-01",
    ]);
    let bundled = w.write("bundled.txt", &bundled);
    // A reseller allowed to issue pcvisit licenses, and the customer.
    w.keygen("reseller");
    let cert = w.ok(&[
        "partner",
        "certify",
        "--key",
        "vendor.secret.pem",
        "--public",
        "vendor.public.pem",
        "--now",
        T0,
        "--subject",
        "reseller.pub",
        "--name",
        "Reseller",
        "--role",
        "reseller",
        "--grant",
        "issue",
        "--product",
        "pcvisit",
        "--not-after",
        "2029-01-01",
    ]);
    w.write("reseller.cert", &cert);
    let mut own = w.ok(&[
        "issue",
        "--key",
        "reseller.key",
        "--now",
        "2027-01-10",
        "--catalog",
        &example("pcvisit/catalog.toml"),
        "--product",
        "pcvisit",
        "--edition",
        "profi",
        "--tenant",
        COMPANY_A,
        "--expires",
        "2028-01-01",
    ]);
    own.push_str(&cert);
    let own = w.write("own.txt", &own);
    let in_use = |extra: &[&str]| {
        let mut args = vec![
            "--now",
            WORLD_NOW,
            "--catalog",
            catalog_file.as_str(),
            "--tenant",
            COMPANY_A,
        ];
        args.extend_from_slice(extra);
        let (code, json, err) = w.verify(&args);
        assert_eq!(code, 0, "{err}");
        let lines = json["licenses"].as_array().unwrap().clone();
        assert_eq!(lines.len(), 1, "{json}");
        lines[0]["edition"].as_str().unwrap().to_string()
    };
    // The reseller's own license does not switch the company away from the
    // bundled one, newer as it is: that switch is the vendor's step.
    assert_eq!(in_use(&[&bundled, &own]), "remotesimple");
    // Nor does the customer deactivate the bundled license.
    w.customer(COMPANY_A);
    let list = w.revoke(
        "customer-list.txt",
        "customer.key",
        Some("customer.cert"),
        &["bundled.txt"],
    );
    assert_eq!(in_use(&[&bundled, &list]), "remotesimple");
    // The vendor's own license does switch it, and the vendor's list deactivates.
    let profi = w.ok(&[
        "issue",
        "--key",
        "vendor.secret.pem",
        "--now",
        "2027-01-10",
        "--catalog",
        &example("pcvisit/catalog.toml"),
        "--product",
        "pcvisit",
        "--edition",
        "profi",
        "--tenant",
        COMPANY_A,
        "--expires",
        "2028-01-01",
    ]);
    let profi = w.write("profi.txt", &profi);
    assert_eq!(in_use(&[&bundled, &profi]), "profi");
    let vendor_list = w.revoke(
        "vendor-list.txt",
        "vendor.secret.pem",
        None,
        &["bundled.txt"],
    );
    let (code, _, _) = w.verify(&[
        "--now",
        WORLD_NOW,
        "--catalog",
        &catalog_file,
        "--tenant",
        COMPANY_A,
        &bundled,
        &vendor_list,
    ]);
    assert_eq!(code, 4, "deactivated: nothing usable is left");
}

#[test]
fn pcvisit_nobody_uses_the_integration_before_an_architekt_enables_it() {
    let catalog = catalog("pcvisit");
    let texts = [bundled(&catalog)];
    let tech = "tech,s,g,,pcvisit,remote-support";
    let (code, before, err) = allocate_bin("pcvisit", &texts, &[tech], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!granted(&before, "tech", "remote-support"));
    let reason = before["users"][0]["licenses"][0]["reason"]
        .as_str()
        .unwrap();
    assert!(
        reason.contains("no user of the installation holds enable-integration yet"),
        "{reason}"
    );
    // An employee without the Architekt role cannot enable it either.
    let (_, by_tech, _) = allocate_bin(
        "pcvisit",
        &texts,
        &["tech,s,g,,pcvisit,enable-integration;remote-support"],
        &[],
    );
    assert!(!granted(&by_tech, "tech", "enable-integration"));
    assert!(!granted(&by_tech, "tech", "remote-support"));
    // Once an Architekt has, every pcvisit employee may.
    let (_, after, _) = allocate_bin(
        "pcvisit",
        &texts,
        &["boss,s,g,,architekt,enable-integration", tech],
        &[],
    );
    assert!(granted(&after, "tech", "remote-support"));
}

#[test]
fn pcvisit_a_fallen_back_license_stays_bound_to_its_company() {
    // Expired, it counts as Free, but only for the company it names.
    let catalog = catalog("pcvisit");
    let text = pay_per_use(
        &catalog,
        BEFORE_CUTOFF - 200 * 86_400,
        BEFORE_CUTOFF - 86_400,
    );
    let own = supply_at(
        &catalog,
        std::slice::from_ref(&text),
        Some(COMPANY_A),
        BEFORE_CUTOFF,
    );
    assert_eq!(licensed(&catalog, &own), 1);
    let other = supply_at(
        &catalog,
        std::slice::from_ref(&text),
        Some(COMPANY_B),
        BEFORE_CUTOFF,
    );
    assert_eq!(licensed(&catalog, &other), 0);
    assert!(
        other.refused[0]
            .1
            .to_string()
            .contains("bound to company id FIRMA-000789"),
        "{:?}",
        other.refused
    );
}

/// `verify --json` through the binary at `now` for the installation of
/// `company`: the edition in use and the features granted.
fn in_use_bin(texts: &[String], company: Option<&str>, now: &str) -> (String, Vec<String>) {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("licenses.txt");
    std::fs::write(&file, texts.join("\n")).unwrap();
    let public = example("vendor.public.pem");
    let catalog = example("pcvisit/catalog.signed");
    let file = format!("@{}", file.display());
    let mut args = vec![
        "verify",
        "--json",
        "--public",
        &public,
        "--catalog",
        &catalog,
        "--now",
        now,
    ];
    if let Some(company) = company {
        args.extend(["--tenant", company]);
    }
    args.push(&file);
    let out = entitle(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let lines = json["licenses"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "one license in use: {json}");
    let features = lines[0]["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    (lines[0]["edition"].as_str().unwrap().to_string(), features)
}

#[test]
fn pcvisit_switching_through_the_binary() {
    let catalog = catalog("pcvisit");
    // To the bundled license at any time: the installation without its id.
    let texts = [bundled(&catalog), byo(&catalog, COMPANY_A)];
    assert_eq!(in_use_bin(&texts, Some(COMPANY_A), "2027-01-15").0, "profi");
    assert_eq!(
        in_use_bin(&texts, None, "2027-01-15"),
        ("remotesimple".to_string(), vec!["essential".to_string()])
    );
    // From one own company id to another: replacing the id.
    let texts = [byo(&catalog, COMPANY_A), byo(&catalog, COMPANY_B)];
    for company in [COMPANY_A, COMPANY_B] {
        assert_eq!(in_use_bin(&texts, Some(company), "2027-01-15").0, "profi");
        let (code, json, err) = allocate_bin(
            "pcvisit",
            &texts,
            &["boss,s,g,,architekt,enable-integration"],
            &["--tenant", company],
        );
        assert_eq!(code, 0, "{err}");
        let refused = rejected(&json);
        assert_eq!(refused.len(), 1, "the other company's license: {refused:?}");
        let other = if company == COMPANY_A {
            COMPANY_B
        } else {
            COMPANY_A
        };
        assert!(
            refused[0].contains(&format!("bound to company id {other}")),
            "{refused:?}"
        );
    }
}

#[test]
fn pcvisit_the_2020_fallback_shrinks_features_through_the_binary() {
    let catalog = catalog("pcvisit");
    let text = pay_per_use(
        &catalog,
        BEFORE_CUTOFF - 86_400,
        AFTER_CUTOFF + 365 * 86_400,
    );
    let before = in_use_bin(std::slice::from_ref(&text), Some(COMPANY_A), "2019-06-01");
    let after = in_use_bin(std::slice::from_ref(&text), Some(COMPANY_A), "2020-06-01");
    assert_eq!(before.0, "pay-per-use");
    assert!(before.1.contains(&"extended".to_string()), "{before:?}");
    assert_eq!(after, ("free".to_string(), vec!["essential".to_string()]));
}

/// "Willst Du von der integrierten servereye pcvisit Lizenz zu einer eigenen
/// PROFI Lizenz wechseln, so sind manuelle Schritte notwendig": when the
/// bundled license ended, an
/// older own PROFI license came back by itself. A license the vendor
/// replaced stays replaced until the vendor issues again.
#[test]
fn pcvisit_an_own_license_the_bundled_one_replaced_does_not_come_back_by_itself() {
    let w = common::world::World::new();
    let toml = example("pcvisit/catalog.toml");
    let signed = example("pcvisit/catalog.signed");
    let issue = |name: &str, now: &str, edition: &str, extra: &[&str]| {
        let mut args = vec![
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            now,
            "--catalog",
            &toml,
            "--product",
            "pcvisit",
            "--edition",
            edition,
        ];
        args.extend_from_slice(extra);
        w.write(name, &w.ok(&args))
    };
    let own = issue(
        "own.txt",
        "2027-01-01",
        "profi",
        &["--tenant", "FIRMA-000789", "--expires", "2030-01-01"],
    );
    let bundled = issue(
        "bundled.txt",
        "2027-02-01",
        "remotesimple",
        &["--expires", "2027-06-01"],
    );
    let in_use = |now: &str, material: &[&str]| {
        let mut args = vec![
            "--now",
            now,
            "--catalog",
            &signed,
            "--tenant",
            "FIRMA-000789",
        ];
        args.extend_from_slice(material);
        let (_, json, _) = w.verify(&args);
        json["licenses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["edition"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(in_use("2027-01-15", &[&own]), ["profi"]);
    assert_eq!(in_use("2027-03-01", &[&own, &bundled]), ["remotesimple"]);
    // The bundled license ends: the own one stays replaced.
    assert!(in_use("2027-07-01", &[&own, &bundled]).is_empty());
    // The vendor's manual step: it issues the own license again.
    let again = issue(
        "again.txt",
        "2027-07-01",
        "profi",
        &["--tenant", "FIRMA-000789", "--expires", "2030-01-01"],
    );
    assert_eq!(in_use("2027-07-02", &[&own, &bundled, &again]), ["profi"]);
}

/// "alle Mitarbeiter …, welche die Rolle "pcvisit" besitzen": one employee
/// may hold several roles (an Architekt who also uses pcvisit); users.csv
/// allowed one. Roles are listed like licenses, separated by `;`.
#[test]
fn pcvisit_an_employee_may_hold_several_roles() {
    let texts = vec![bundled(&catalog("pcvisit"))];
    let (code, json, err) = allocate_bin(
        "pcvisit",
        &texts,
        &[
            "boss,s,g,,architekt;pcvisit,enable-integration;remote-support",
            "tech,s,g,,pcvisit,enable-integration;remote-support",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(granted(&json, "boss", "enable-integration"), "{json}");
    assert!(granted(&json, "boss", "remote-support"), "{json}");
    assert!(granted(&json, "tech", "remote-support"));
    assert!(!granted(&json, "tech", "enable-integration"));
    // An unknown role among several is still named.
    let (code, _, err) = allocate_bin(
        "pcvisit",
        &texts,
        &["x,s,g,,pcvisit;chef,remote-support"],
        &[],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("unknown role") && err.contains("chef"),
        "{err}"
    );
}
