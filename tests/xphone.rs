//! XPhone Connect (../shared/MODELS.md section 2): features,
//! prerequisites, capacity licenses, allocation. One test per rule.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::*;
use entitle_allocate::{
    Catalog, Error, LicenseKind, Setup, Supply, User, allocate, allocate_with_setup, parse_users,
};

/// An installation with a CTI connection set up, which Analytics needs.
fn cti() -> Setup {
    Setup {
        facilities: vec!["cti".to_string()],
        ..Setup::default()
    }
}

/// Server plus what is given.
fn installation(catalog: &Catalog, skus: &[(&str, u32)]) -> Supply {
    let mut all = vec![("server", 1)];
    all.extend_from_slice(skus);
    supply(catalog, &tokens(catalog, "xphone-8", &all))
}

fn unit(catalog: &Catalog, supply: &Supply, name: &str) -> u64 {
    let id = catalog.units.iter().position(|u| u.name == name).unwrap();
    supply.units[id]
}

fn lines(lines: &[String]) -> Vec<User> {
    users(&csv(&lines.iter().map(String::as_str).collect::<Vec<_>>()))
}

#[test]
fn a_user_license_is_consumed_as_soon_as_configured_whether_or_not_the_user_logs_in() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("office", 3)]);
    // Nobody here has ever logged in: the file knows only configuration.
    let users = users(&csv(&[
        "a,s,g,,member,office",
        "b,s,g,,member,office",
        "c,s,g,,member,",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(used(&catalog, &allocation, "office"), 2);
}

#[test]
fn office_requires_server() {
    let catalog = catalog("xphone");
    let without_server = supply(&catalog, &tokens(&catalog, "xphone-8", &[("office", 5)]));
    let users = users(&csv(&["a,s,g,,member,office"]));
    let allocation = allocate_csv(&catalog, &without_server, &users);
    assert_eq!(
        outcome(&allocation, "a", "office"),
        Err("missing_prerequisite")
    );
    assert!(
        reason(&catalog, &allocation, "a", "office").contains("requires system license server")
    );
    let with_server = installation(&catalog, &[("office", 5)]);
    assert_eq!(
        outcome(&allocate_csv(&catalog, &with_server, &users), "a", "office"),
        Ok(())
    );
}

#[test]
fn office_plus_requires_server_and_office_and_carries_its_own_office_base() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("office-plus", 2)]);
    let users = users(&csv(&["a,s,g,,member,office-plus"]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(
        outcome(&allocation, "a", "office-plus"),
        Ok(()),
        "its own Office base satisfies the prerequisite"
    );
    assert_eq!(
        used(&catalog, &allocation, "office"),
        1,
        "and is consumed with it"
    );
    assert_eq!(used(&catalog, &allocation, "office-plus"), 1);
}

#[test]
fn buying_100_office_and_50_office_plus_gives_150_office_50_of_them_plus_not_200() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("office", 100), ("office-plus", 50)]);
    assert_eq!(available(&catalog, &supply, "office"), 150);
    assert_eq!(available(&catalog, &supply, "office-plus"), 50);
    // 160 users want an Office base (120 plain, 40 with Plus): 150 get one.
    // Office Plus is settled first: all 40 Plus users hold one (with its
    // Office base); 110 bases are left for the 120 plain users, whose ids
    // sort first among them.
    let mut all: Vec<String> = (0..120)
        .map(|i| format!("o{i:03},s,g,,member,office"))
        .collect();
    all.extend((0..40).map(|i| format!("p{i:03},s,g,,member,office-plus")));
    let users = lines(&all);
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(used(&catalog, &allocation, "office"), 150);
    assert_eq!(used(&catalog, &allocation, "office-plus"), 40);
    assert_eq!(outcome(&allocation, "p039", "office-plus"), Ok(()));
    assert_eq!(outcome(&allocation, "o109", "office"), Ok(()));
    assert_eq!(
        outcome(&allocation, "o110", "office"),
        Err("pool_exhausted")
    );
    assert!(reason(&catalog, &allocation, "o110", "office").contains("all 150 office licenses"));
}

#[test]
fn teamdesk_requires_server_and_office_plus() {
    let catalog = catalog("xphone");
    let supply = installation(
        &catalog,
        &[("office", 5), ("office-plus", 5), ("teamdesk", 5)],
    );
    let users = users(&csv(&[
        "a,s,g,,member,office;teamdesk",
        "b,s,g,,member,office-plus;teamdesk",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(
        outcome(&allocation, "a", "teamdesk"),
        Err("missing_prerequisite")
    );
    assert!(reason(&catalog, &allocation, "a", "teamdesk").contains("requires office-plus"));
    assert_eq!(outcome(&allocation, "b", "teamdesk"), Ok(()));
}

#[test]
fn voicemail_requires_server_and_at_least_2_ip_channels() {
    let catalog = catalog("xphone");
    let users = users(&csv(&["a,s,g,,member,voicemail"]));
    let one = installation(&catalog, &[("voicemail", 5), ("ip-channel", 1)]);
    let allocation = allocate_csv(&catalog, &one, &users);
    assert_eq!(outcome(&allocation, "a", "voicemail"), Err("missing_units"));
    assert!(
        reason(&catalog, &allocation, "a", "voicemail")
            .contains("at least 2 ip-channel units, the installation has 1")
    );
    let two = installation(&catalog, &[("voicemail", 5), ("ip-channel", 2)]);
    assert_eq!(
        outcome(&allocate_csv(&catalog, &two, &users), "a", "voicemail"),
        Ok(())
    );
}

#[test]
fn voicemail_in_the_desktop_client_needs_office_or_office_plus() {
    let catalog = catalog("xphone");
    let supply = installation(
        &catalog,
        &[
            ("voicemail", 5),
            ("ip-channel", 2),
            ("office", 5),
            ("office-plus", 5),
        ],
    );
    let users = users(&csv(&[
        "a,s,g,,member,voicemail:client",
        "b,s,g,,member,office;voicemail:client",
        "c,s,g,,member,office-plus;voicemail:client",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(
        outcome(&allocation, "a", "voicemail:client"),
        Err("missing_prerequisite")
    );
    assert_eq!(
        used(&catalog, &allocation, "voicemail"),
        2,
        "a denied usage consumes nothing"
    );
    assert_eq!(outcome(&allocation, "b", "voicemail:client"), Ok(()));
    assert_eq!(outcome(&allocation, "c", "voicemail:client"), Ok(()));
}

#[test]
fn voicemail_in_the_mobile_app_needs_office_plus() {
    let catalog = catalog("xphone");
    let supply = installation(
        &catalog,
        &[
            ("voicemail", 5),
            ("ip-channel", 2),
            ("office", 5),
            ("office-plus", 5),
        ],
    );
    let users = users(&csv(&[
        "a,s,g,,member,office;voicemail:mobile",
        "b,s,g,,member,office-plus;voicemail:mobile",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(
        outcome(&allocation, "a", "voicemail:mobile"),
        Err("missing_prerequisite")
    );
    assert!(reason(&catalog, &allocation, "a", "voicemail:mobile").contains("office-plus"));
    assert_eq!(outcome(&allocation, "b", "voicemail:mobile"), Ok(()));
}

#[test]
fn voicemail_sms_notification_needs_office() {
    let catalog = catalog("xphone");
    let supply = installation(
        &catalog,
        &[("voicemail", 5), ("ip-channel", 2), ("office", 5)],
    );
    let users = users(&csv(&[
        "a,s,g,,member,voicemail;voicemail:sms",
        "b,s,g,,member,office;voicemail:sms",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(
        outcome(&allocation, "a", "voicemail"),
        Ok(()),
        "plain voicemail needs no Office"
    );
    assert_eq!(
        outcome(&allocation, "a", "voicemail:sms"),
        Err("missing_prerequisite")
    );
    assert_eq!(outcome(&allocation, "b", "voicemail:sms"), Ok(()));
}

#[test]
fn fax_requires_server_and_at_least_1_ip_channel() {
    let catalog = catalog("xphone");
    let users = users(&csv(&["a,s,g,,member,fax"]));
    let none = installation(&catalog, &[("fax", 5)]);
    assert_eq!(
        outcome(&allocate_csv(&catalog, &none, &users), "a", "fax"),
        Err("missing_units")
    );
    let one = installation(&catalog, &[("fax", 5), ("ip-channel", 1)]);
    assert_eq!(
        outcome(&allocate_csv(&catalog, &one, &users), "a", "fax"),
        Ok(())
    );
}

#[test]
fn tapi_line_and_contacts_require_server() {
    let catalog = catalog("xphone");
    let users = users(&csv(&["a,s,g,,member,tapi-line;contacts"]));
    let without = supply(
        &catalog,
        &tokens(&catalog, "xphone-8", &[("tapi-line", 1), ("contacts", 1)]),
    );
    let allocation = allocate_csv(&catalog, &without, &users);
    assert_eq!(
        outcome(&allocation, "a", "tapi-line"),
        Err("missing_prerequisite")
    );
    assert_eq!(
        outcome(&allocation, "a", "contacts"),
        Err("missing_prerequisite")
    );
    let with = installation(&catalog, &[("tapi-line", 1), ("contacts", 1)]);
    let allocation = allocate_csv(&catalog, &with, &users);
    assert_eq!(outcome(&allocation, "a", "tapi-line"), Ok(()));
    assert_eq!(outcome(&allocation, "a", "contacts"), Ok(()));
}

#[test]
fn dashboard_extends_contacts_and_requires_contacts_and_server() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("contacts", 1), ("dashboard", 5)]);
    let users = users(&csv(&[
        "a,s,g,,member,dashboard",
        "b,s,g,,member,dashboard;contacts",
        "c,s,g,,member,contacts;dashboard",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(
        outcome(&allocation, "a", "dashboard"),
        Err("missing_prerequisite")
    );
    assert_eq!(
        outcome(&allocation, "b", "dashboard"),
        Ok(()),
        "the order within a line does not matter"
    );
    // c comes after b and finds the one Contacts license taken.
    assert_eq!(outcome(&allocation, "c", "contacts"), Err("pool_exhausted"));
    assert_eq!(
        outcome(&allocation, "c", "dashboard"),
        Err("missing_prerequisite")
    );
    assert!(reason(&catalog, &allocation, "c", "dashboard").contains("contacts, which was denied"));
}

#[test]
fn server_is_a_system_license_prerequisite_of_everything_and_includes_10_data_sources() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[]);
    assert_eq!(unit(&catalog, &supply, "data-source"), 10);
    // System licenses count per installation, never per user.
    let users = parse_users(&csv(&["a,s,g,,member,server"])).unwrap();
    let error = allocate(&catalog, &supply, &users).unwrap_err();
    assert!(matches!(error, Error::Users { line: 2, .. }));
    assert!(
        error
            .to_string()
            .contains("system license, counted per installation")
    );
    // Every user license requires it.
    let server = catalog.resolve("server").unwrap();
    for license in catalog
        .licenses
        .iter()
        .filter(|l| l.kind == LicenseKind::User)
    {
        assert!(
            license.requires.contains(&server),
            "{} does not require server",
            license.name
        );
    }
}

#[test]
fn one_ip_channel_license_is_one_channel() {
    let catalog = catalog("xphone");
    assert_eq!(
        unit(
            &catalog,
            &installation(&catalog, &[("ip-channel", 7)]),
            "ip-channel"
        ),
        7
    );
}

#[test]
fn one_auto_attendant_license_is_20_channels_and_needs_at_least_2_ip_channels() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("auto-attendant", 2), ("ip-channel", 2)]);
    assert_eq!(unit(&catalog, &supply, "auto-attendant-channel"), 40);
    let short = installation(&catalog, &[("auto-attendant", 2), ("ip-channel", 1)]);
    assert_eq!(unit(&catalog, &short, "auto-attendant-channel"), 0);
    assert_eq!(available(&catalog, &short, "auto-attendant"), 0);
    assert!(
        short
            .warnings
            .iter()
            .any(|w| w.code == "system_license_unmet"
                && w.message.contains("auto-attendant does not work")
                && w.message.contains("at least 2 ip-channel")),
        "{:?}",
        short.warnings
    );
}

#[test]
fn each_additional_databases_license_adds_10_data_sources() {
    let catalog = catalog("xphone");
    assert_eq!(
        unit(
            &catalog,
            &installation(&catalog, &[("additional-databases", 3)]),
            "data-source"
        ),
        40
    );
    // Without a server nothing works, not even the databases.
    let alone = supply(
        &catalog,
        &tokens(&catalog, "xphone-8", &[("additional-databases", 3)]),
    );
    assert_eq!(unit(&catalog, &alone, "data-source"), 0);
}

#[test]
fn under_licensing_hands_out_licenses_by_a_fixed_scheme_so_the_same_users_hold_them_after_a_restart()
 {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("office", 3)]);
    let mut order = [
        "e,s,g,,member,office",
        "a,s,g,,member,office",
        "d,s,g,,member,office",
        "b,s,g,,member,office",
        "c,s,g,,member,office",
    ];
    let holders = |lines: &[&str]| -> Vec<String> {
        let users = users(&csv(lines));
        let allocation = allocate_csv(&catalog, &supply, &users);
        allocation
            .users
            .iter()
            .filter(|u| u.grants[0].denial.is_none())
            .map(|u| u.user.id.clone())
            .collect()
    };
    let first = holders(&order);
    assert_eq!(first, ["a", "b", "c"], "ids in byte order win");
    assert_eq!(holders(&order), first, "the same after a restart");
    order.reverse();
    assert_eq!(holders(&order), first, "whatever the order of the lines");
}

#[test]
fn users_left_without_a_license_are_flagged_per_site_and_per_configuration_group() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("office", 2)]);
    let users = users(&csv(&[
        "a,berlin,sales,,member,office",
        "b,berlin,support,,member,office",
        "c,hamburg,sales,,member,office",
        "d,hamburg,support,,member,office",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    let office = catalog.resolve("office").unwrap();
    let count = |map: &std::collections::BTreeMap<&str, Vec<entitle_allocate::Count>>,
                 key: &str| (map[key][office].granted, map[key][office].denied);
    assert_eq!(count(&allocation.sites, "berlin"), (2, 0));
    assert_eq!(count(&allocation.sites, "hamburg"), (0, 2));
    assert_eq!(count(&allocation.groups, "sales"), (1, 1));
    assert_eq!(outcome(&allocation, "c", "office"), Err("pool_exhausted"));
}

#[test]
fn analytics_for_a_team_only_if_every_member_holds_a_license_team_leaders_need_none() {
    let catalog = catalog("xphone");
    let supply = installation(&catalog, &[("office-plus", 10), ("teamdesk", 10)]);
    let users = users(&csv(&[
        "lead1,s,g,hotline,leader,analytics",
        "m1,s,g,hotline,member,office-plus;teamdesk",
        "m2,s,g,hotline,member,office-plus;teamdesk",
        "lead2,s,g,service,leader,office-plus;analytics",
        "m3,s,g,service,member,office-plus;teamdesk",
        "m4,s,g,service,member,office-plus",
    ]));
    let allocation = allocate_with_setup(&catalog, &supply, &users, &cti()).unwrap();
    assert_eq!(
        outcome(&allocation, "lead1", "analytics"),
        Ok(()),
        "the leader holds no TeamDesk and needs none"
    );
    assert_eq!(outcome(&allocation, "lead2", "analytics"), Err("team_gate"));
    assert!(
        reason(&catalog, &allocation, "lead2", "analytics")
            .contains("1 of team service hold no teamdesk license (m4)")
    );
    assert_eq!(
        used(&catalog, &allocation, "analytics"),
        0,
        "consumes nothing itself"
    );

    // The CLI warns about it.
    let out = entitle(&[
        "allocate",
        "--public",
        &example("vendor.public.pem"),
        "--catalog",
        &example("xphone/catalog.signed"),
        "--users",
        &example("xphone/users.csv"),
        "--setup",
        &example("xphone/setup.toml"),
        "--now",
        "2027-01-15",
        &format!("@{}", example("xphone/tokens.txt")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(
            "warning   team service: no analytics: 2 of 4 members hold no teamdesk license"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn up_to_5000_users_per_server() {
    let catalog = catalog("xphone");
    let supply = installation(
        &catalog,
        &[
            ("office", 3000),
            ("office-plus", 1000),
            ("teamdesk", 300),
            ("voicemail", 2000),
            ("ip-channel", 200),
            ("contacts", 5000),
        ],
    );
    let all: Vec<String> = (0..5000)
        .map(|i| {
            let licenses = match i % 4 {
                0 => "office-plus;teamdesk;voicemail:mobile;contacts",
                1 => "office;voicemail:client;contacts",
                2 => "office;contacts",
                _ => "office-plus;voicemail;contacts",
            };
            format!(
                "user{i:04},site{},group{},team{},member,{licenses}",
                i % 7,
                i % 13,
                i % 50
            )
        })
        .collect();
    let users = lines(&all);
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(allocation.users.len(), 5000);
    for license in ["office", "office-plus", "teamdesk", "voicemail", "contacts"] {
        assert!(
            used(&catalog, &allocation, license) <= available(&catalog, &supply, license),
            "{license}"
        );
    }
    // 2500 want Office Plus (1000 exist); 2500 want plain Office; 4000 Office bases in all.
    assert_eq!(used(&catalog, &allocation, "office-plus"), 1000);
    assert_eq!(used(&catalog, &allocation, "office"), 3500);
    assert_eq!(used(&catalog, &allocation, "contacts"), 5000);
}

#[test]
fn xphone_office_plus_user_not_starved() {
    // 0 Office + 2 Office Plus; a and b want Office, c wants Office Plus.
    let catalog = catalog("xphone");
    let texts = tokens(&catalog, "xphone-8", &[("server", 1), ("office-plus", 2)]);
    let lines = [
        "a,s,g,,member,office",
        "b,s,g,,member,office",
        "c,s,g,,member,office-plus",
    ];
    let (code, json, err) = allocate_bin("xphone", &texts, &lines, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        granted(&json, "c", "office-plus"),
        "c holds one Office Plus"
    );
    assert!(
        granted(&json, "a", "office"),
        "a takes the other's Office base"
    );
    assert!(!granted(&json, "b", "office"), "nothing is left for b");
    // Whatever the order of the lines.
    let reversed: Vec<&str> = lines.iter().rev().copied().collect();
    let (_, again, _) = allocate_bin("xphone", &texts, &reversed, &[]);
    assert_eq!(again["users"], json["users"]);
}

#[test]
fn xphone_more_than_5000_users_on_one_server_are_refused_and_flagged() {
    // "bis 5.000 Benutzer": 6,000 configured, 6,000 Office bought; the
    // 1,000 whose ids sort last hold nothing, and a warning says so.
    let catalog = catalog("xphone");
    let texts = tokens(&catalog, "xphone-8", &[("server", 1), ("office", 6000)]);
    let lines: Vec<String> = (0..6000)
        .map(|i| format!("user{i:04},s,g,,member,office"))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (code, json, err) = allocate_bin("xphone", &texts, &lines, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(granted(&json, "user4999", "office"));
    assert!(!granted(&json, "user5000", "office"));
    let office = json["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["license"] == "office")
        .unwrap();
    assert_eq!(office["granted"].as_u64(), Some(5000));
    let user = json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "user5999")
        .unwrap();
    assert_eq!(user["licenses"][0]["reason_code"], "user_limit");
    let notes = warnings(&json);
    assert!(
        notes.iter().any(|w| w.contains(
            "xphone-8: 6000 users configured, one server serves at most 5000: the last 1000 in id order"
        )),
        "{notes:?}"
    );
}

/// The example's users, tokens and catalog, with `setup` (a file of
/// keys-example/xphone, or none) and `users` replacing users.csv when given.
fn example_allocation(setup: Option<&str>, users: Option<&str>) -> serde_json::Value {
    let dir = tempfile::TempDir::new().unwrap();
    let users_path = match users {
        Some(text) => {
            let path = dir.path().join("users.csv");
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        }
        None => example("xphone/users.csv"),
    };
    let mut args = vec![
        "allocate".to_string(),
        "--json".to_string(),
        "--public".to_string(),
        example("vendor.public.pem"),
        "--catalog".to_string(),
        example("xphone/catalog.signed"),
        "--users".to_string(),
        users_path,
        "--now".to_string(),
        "2027-01-15".to_string(),
    ];
    if let Some(text) = setup {
        let path = dir.path().join("setup.toml");
        std::fs::write(&path, text).unwrap();
        args.extend(["--setup".to_string(), path.display().to_string()]);
    }
    args.push(format!("@{}", example("xphone/tokens.txt")));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = entitle(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

fn reason_code(json: &serde_json::Value, id: &str, entry: &str) -> String {
    json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .and_then(|u| {
            u["licenses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["license"] == entry)
        })
        .map(|g| g["reason_code"].as_str().unwrap_or("granted").to_string())
        .unwrap()
}

#[test]
fn xphone_analytics_needs_a_cti_connection() {
    // The hotline's leader u0007: every member holds TeamDesk.
    let without = example_allocation(None, None);
    assert_eq!(
        reason_code(&without, "u0007", "analytics"),
        "missing_facility"
    );
    assert!(
        warnings(&without).iter().any(|w| w
            == "team hotline: no analytics: missing facility: needs cti, which the installation's setup does not list"),
        "{:?}",
        warnings(&without)
    );
    let with = example_allocation(Some("facilities = [\"cti\"]\n"), None);
    assert_eq!(reason_code(&with, "u0007", "analytics"), "granted");
}

#[test]
fn xphone_a_site_holds_its_own_contingent() {
    // 3 Office: site a is assigned 2; b shares the remaining 1.
    let catalog = catalog("xphone");
    let texts = tokens(&catalog, "xphone-8", &[("server", 1), ("office", 3)]);
    let lines = [
        "a1,a,g,,member,office",
        "a2,a,g,,member,office",
        "a3,a,g,,member,office",
        "b1,b,g,,member,office",
        "b2,b,g,,member,office",
    ];
    let dir = tempfile::TempDir::new().unwrap();
    let setup = dir.path().join("setup.toml");
    std::fs::write(&setup, "[sites.a.contingents]\noffice = 2\n").unwrap();
    let setup = setup.display().to_string();
    let (code, json, err) = allocate_bin("xphone", &texts, &lines, &["--setup", &setup]);
    assert_eq!(code, 0, "{err}");
    assert!(granted(&json, "a1", "office") && granted(&json, "a2", "office"));
    assert!(!granted(&json, "a3", "office"), "a's contingent is 2");
    assert!(
        granted(&json, "b1", "office"),
        "b shares what is not assigned"
    );
    assert!(!granted(&json, "b2", "office"));
    let a3 = &json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "a3")
        .unwrap()["licenses"][0];
    assert_eq!(a3["reason_code"], "contingent_exhausted");
    // Under-licensing per site.
    let site = |name: &str| {
        json["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["licenses"][0]
            .clone()
    };
    assert_eq!(
        (site("a")["granted"].as_u64(), site("a")["denied"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(
        (site("b")["granted"].as_u64(), site("b")["denied"].as_u64()),
        (Some(1), Some(1))
    );
    // Contingents never add licenses: 5 assigned of 3 are cut, and said so.
    std::fs::write(&setup, "[sites.a.contingents]\noffice = 5\n").unwrap();
    let (_, json, _) = allocate_bin("xphone", &texts, &lines, &["--setup", &setup]);
    let held = json["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["licenses"][0]["granted"] == true)
        .count();
    assert_eq!(held, 3);
    assert!(
        warnings(&json)
            .iter()
            .any(|w| w.contains("site a: contingent of 5 office cut to 3"))
    );
}

#[test]
fn xphone_a_group_with_functions_switched_off_consumes_nothing_for_them() {
    let catalog = catalog("xphone");
    let texts = tokens(
        &catalog,
        "xphone-8",
        &[("server", 1), ("office", 2), ("ip-channel", 2), ("fax", 1)],
    );
    let lines = [
        "a,s,archive,,member,office;fax",
        "b,s,active,,member,office;fax",
    ];
    let dir = tempfile::TempDir::new().unwrap();
    let setup = dir.path().join("setup.toml");
    std::fs::write(&setup, "[groups.archive]\ndisabled = [\"fax\"]\n").unwrap();
    let setup = setup.display().to_string();
    // Without the setup a (first in id order) holds the one fax.
    let (_, before, _) = allocate_bin("xphone", &texts, &lines, &[]);
    assert!(granted(&before, "a", "fax") && !granted(&before, "b", "fax"));
    // In the archive group, a's fax is off: it frees the license for b.
    let (code, json, err) = allocate_bin("xphone", &texts, &lines, &["--setup", &setup]);
    assert_eq!(code, 0, "{err}");
    assert!(granted(&json, "b", "fax"));
    let a = json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == "a")
        .unwrap();
    assert_eq!(a["disabled"], serde_json::json!(["fax"]));
}

#[test]
fn xphone_capacity_beyond_the_licensed_units_is_flagged() {
    // The example: Server + 2 Additional Databases = 30 data sources, 1 Auto
    // Attendant license = 20 channels.
    let within = example_allocation(
        Some("[in_use]\ndata-source = 30\nauto-attendant-channel = 20\n"),
        None,
    );
    assert!(
        !warnings(&within).iter().any(|w| w.contains("in use")),
        "{:?}",
        warnings(&within)
    );
    let beyond = example_allocation(
        Some("[in_use]\ndata-source = 31\nauto-attendant-channel = 25\n"),
        None,
    );
    let notes = warnings(&beyond);
    assert!(
        notes
            .iter()
            .any(|w| w == "data-source: 31 in use, the licenses provide 30"),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|w| w == "auto-attendant-channel: 25 in use, the licenses provide 20"),
        "{notes:?}"
    );
}

#[test]
fn xphone_setup_naming_what_the_catalog_does_not_know_is_refused() {
    let dir = tempfile::TempDir::new().unwrap();
    for (text, expected) in [
        (
            "[sites.a.contingents]\nofice = 2\n",
            "line 2: sites.a.contingents: unknown license",
        ),
        (
            "[sites.a.contingents]\nserver = 2\n",
            "server is not configured per user",
        ),
        (
            "[in_use]\nisdn-channel = 2\n",
            "no system license of the catalog provides unit \"isdn-channel\"",
        ),
        (
            "facilities = [\"ctl\"]\n",
            "no license of the catalog requires a facility \"ctl\"",
        ),
        ("colour = 1\n", "unknown field `colour`"),
    ] {
        let setup = dir.path().join("setup.toml");
        std::fs::write(&setup, text).unwrap();
        let out = entitle(&[
            "allocate",
            "--public",
            &example("vendor.public.pem"),
            "--catalog",
            &example("xphone/catalog.signed"),
            "--users",
            &example("xphone/users.csv"),
            "--setup",
            setup.to_str().unwrap(),
            "--now",
            "2027-01-15",
            &format!("@{}", example("xphone/tokens.txt")),
        ]);
        assert_eq!(out.status.code(), Some(3), "{text}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{text}: {}", stderr(&out));
        assert_eq!(stderr(&out).lines().count(), 1);
    }
}

#[test]
fn xphone_a_version_8_license_does_not_license_version_9() {
    // "XPhone Connect 8 - OFFICE": the major version is part of what is
    // sold, so it is part of the product's name in the token. The catalog
    // of version 9 knows product xphone-9, and no version-8 license counts
    // there.
    let w = common::world::World::new();
    let v9 = read("xphone/catalog.toml").replace("products.xphone-8", "products.xphone-9");
    w.write("v9.toml", &v9);
    let signed = w.ok(&["catalog", "sign", "--key", "vendor.secret.pem", "v9.toml"]);
    w.write("v9.signed", &signed);
    let tokens = format!("@{}", example("xphone/tokens.txt"));
    let (code, _, err) = w.run(&[
        "verify",
        "--public",
        "vendor.public.pem",
        "--catalog",
        "v9.signed",
        "--now",
        "2027-01-15",
        &tokens,
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains("the catalog knows no xphone-8 edition \"server\""),
        "{err}"
    );
    // The same tokens under the version-8 catalog count.
    let (code, _, err) = w.run(&[
        "verify",
        "--public",
        "vendor.public.pem",
        "--catalog",
        &example("xphone/catalog.signed"),
        "--now",
        "2027-01-15",
        &tokens,
    ]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn xphone_the_example_shows_the_office_plus_edge() {
    // keys-example/xphone/plus-edge.txt and users-plus-edge.csv.
    let out = entitle(&[
        "allocate",
        "--json",
        "--public",
        &example("vendor.public.pem"),
        "--catalog",
        &example("xphone/catalog.signed"),
        "--users",
        &example("xphone/users-plus-edge.csv"),
        "--now",
        "2027-01-15",
        &format!("@{}", example("xphone/plus-edge.txt")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(granted(&json, "c", "office-plus"));
    assert!(granted(&json, "a", "office"));
    assert!(!granted(&json, "b", "office"));
}

/// "Auswertungen (Analytics)" is part of TeamDesk, and the server license is
/// the prerequisite of everything: a team of only a leader, with no
/// TeamDesk, no Office Plus and not even a server license, was granted
/// Analytics ("all members licensed" of zero members). No grant follows
/// from an empty set, and a team license states its prerequisites like any
/// other.
#[test]
fn xphone_no_analytics_for_a_team_without_members_or_without_a_server() {
    let catalog = catalog("xphone");
    let setup = tempfile::TempDir::new().unwrap();
    let setup_file = setup.path().join("setup.toml");
    std::fs::write(&setup_file, "facilities = [\"cti\"]\n").unwrap();
    let setup_arg = setup_file.display().to_string();
    let lines = ["lead,s,g,solo,leader,analytics"];
    // Without a server license.
    let office = tokens(&catalog, "xphone-8", &[("office", 5)]);
    let (code, json, err) = allocate_bin("xphone", &office, &lines, &["--setup", &setup_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(!granted(&json, "lead", "analytics"), "{json}");
    assert!(json.to_string().contains("missing_prerequisite"), "{json}");
    // With one, but a team of only its leader.
    let with_server = tokens(&catalog, "xphone-8", &[("server", 1), ("office", 5)]);
    let (code, json, err) = allocate_bin("xphone", &with_server, &lines, &["--setup", &setup_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(!granted(&json, "lead", "analytics"), "{json}");
    assert!(
        json.to_string().contains("team solo has no members"),
        "{json}"
    );
}
