//! STARFACE (../shared/MODELS.md section 1): editions, caps, packs.
//! One test per rule, named after it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::world::World;
use common::*;
use entitle_allocate::Error;
use entitle_issue::LicenseSpec;
use entitle_verify::Kind;

fn compact_with_packs(packs: &[u32]) -> Vec<String> {
    let catalog = catalog("starface");
    let mut texts = vec![issue(&spec(&catalog, "starface", "compact", Kind::Base, 0))];
    for &seats in packs {
        texts.push(issue(&spec(
            &catalog,
            "starface",
            "compact",
            Kind::Addon,
            seats,
        )));
    }
    texts
}

/// A license signed without the catalog that breaks one of its rules: it
/// does not count at the decision, and the refusal says `reason`.
fn refused_at_the_decision(rogue: &LicenseSpec, reason: &str) {
    let (code, json, err) = allocate_bin(
        "starface",
        &[issue(rogue)],
        &["anna,hq,g,,member,user"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!granted(&json, "anna", "user"));
    let reasons = rejected(&json);
    assert!(reasons.iter().any(|r| r.contains(reason)), "{reasons:?}");
}

fn named_users(n: usize, extra: &str) -> String {
    let lines: Vec<String> = (0..n)
        .map(|i| format!("u{i:03},hq,staff,,member,user{extra}"))
        .collect();
    csv(&lines.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn the_licensed_unit_is_a_named_user_phones_numbers_and_voicemail_boxes_are_not_licensed() {
    let catalog = catalog("starface");
    let supply = supply(&catalog, &compact_with_packs(&[]));
    let users = users(&csv(&[
        "max,hq,staff,,member,user;phone;phone;phone;number;number;voicemail-box;voicemail-box",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(used(&catalog, &allocation, "user"), 1);
    for entry in ["user", "phone", "number", "voicemail-box"] {
        assert_eq!(outcome(&allocation, "max", entry), Ok(()));
    }
}

#[test]
fn a_door_intercom_or_fax_assigned_to_an_existing_user_consumes_no_license() {
    let catalog = catalog("starface");
    let supply = supply(&catalog, &compact_with_packs(&[]));
    let users = users(&csv(&["max,hq,staff,,member,user;door-intercom;fax-line"]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(used(&catalog, &allocation, "user"), 1);
    assert_eq!(outcome(&allocation, "max", "door-intercom"), Ok(()));
}

#[test]
fn a_door_intercom_or_fax_as_its_own_user_consumes_one() {
    let catalog = catalog("starface");
    let supply = supply(&catalog, &compact_with_packs(&[]));
    let users = users(&csv(&[
        "max,hq,staff,,member,user",
        "door,hq,facility,,member,user;phone",
        "fax,hq,facility,,member,user;number",
    ]));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(used(&catalog, &allocation, "user"), 3);
}

#[test]
fn a_commercial_server_license_includes_one_user_and_a_compact_three() {
    let catalog = catalog("starface");
    assert_eq!(
        spec(&catalog, "starface", "appliance", Kind::Base, 0).seats,
        1
    );
    assert_eq!(
        spec(&catalog, "starface", "compact", Kind::Base, 0).seats,
        3
    );
    let mut more = LicenseSpec::new("starface", "compact", 4);
    let error = entitle_issue::prepare_spec(&catalog, &mut more, NOW).unwrap_err();
    assert!(matches!(error, Error::Forbidden { field: "seats", .. }));
    assert!(error.to_string().contains("includes 3 seats"), "{error}");
}

#[test]
fn users_are_added_singly_or_in_packs_of_5() {
    let catalog = catalog("starface");
    for seats in [1, 5] {
        spec(&catalog, "starface", "compact", Kind::Addon, seats);
    }
    let mut three = LicenseSpec::new("starface", "compact", 3);
    three.kind = Kind::Addon;
    let error = entitle_issue::prepare_spec(&catalog, &mut three, NOW).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("packs of 1 or 5; 3 is not one of them"),
        "{error}"
    );

    // The CLI refuses it too, and says why.
    let out = entitle(&[
        "issue",
        "--key",
        &example("vendor.secret.pem"),
        "--catalog",
        &example("starface/catalog.toml"),
        "--product",
        "starface",
        "--edition",
        "compact",
        "--kind",
        "addon",
        "--seats",
        "3",
        "--perpetual",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("3 is not one of them"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).is_empty());

    // A 3-pack signed without the catalog does not count on the appliance.
    let mut texts = compact_with_packs(&[]);
    let mut rogue = LicenseSpec::new("starface", "compact", 3);
    rogue.kind = Kind::Addon;
    rogue.expires_at = Some(NOW + 1000);
    texts.push(issue(&rogue));
    let supply = supply(&catalog, &texts);
    assert_eq!(available(&catalog, &supply, "user"), 3);
    assert!(
        supply
            .refused
            .iter()
            .any(|(i, r)| *i == 1 && r.to_string().contains("pack of 3"))
    );
}

#[test]
fn a_compact_takes_at_most_20_users_whatever_was_bought() {
    let catalog = catalog("starface");
    let supply = supply(&catalog, &compact_with_packs(&[5, 5, 5, 5, 5, 5]));
    assert_eq!(supply.bought[catalog.resolve("user").unwrap()], 33);
    assert_eq!(available(&catalog, &supply, "user"), 20);
    let users = users(&named_users(25, ""));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(used(&catalog, &allocation, "user"), 20);
    assert_eq!(
        allocation.totals[catalog.resolve("user").unwrap()].denied,
        5
    );
}

#[test]
fn other_server_editions_have_no_cap() {
    let catalog = catalog("starface");
    let mut texts = vec![issue(&spec(
        &catalog,
        "starface",
        "appliance",
        Kind::Base,
        0,
    ))];
    for _ in 0..10 {
        texts.push(issue(&spec(
            &catalog,
            "starface",
            "appliance",
            Kind::Addon,
            5,
        )));
    }
    let supply = supply(&catalog, &texts);
    assert_eq!(available(&catalog, &supply, "user"), 51);
}

#[test]
fn compact_3_plus_4_packs_of_5_is_23_bought_20_usable_and_the_3_are_reported() {
    let catalog = catalog("starface");
    let supply = supply(&catalog, &compact_with_packs(&[5, 5, 5, 5]));
    assert_eq!(supply.bought[catalog.resolve("user").unwrap()], 23);
    assert_eq!(available(&catalog, &supply, "user"), 20);
    assert!(
        supply
            .warnings
            .iter()
            .any(|w| w.code == "cap_exceeded" && w.message.contains("3 seats cannot be used")),
        "{:?}",
        supply.warnings
    );

    // The verifier says the same of the example tokens.
    let out = entitle(&[
        "verify",
        "--json",
        "--public",
        &example("vendor.public.pem"),
        "--now",
        "2027-01-15",
        &format!("@{}", example("starface/tokens.txt")),
    ]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (
            json["licenses"][0]["seats"].as_u64(),
            json["licenses"][0]["seats_bought"].as_u64()
        ),
        (Some(20), Some(23))
    );
    assert!(
        json["warnings"][0]
            .as_str()
            .unwrap()
            .contains("3 seats cannot be used")
    );
}

#[test]
fn the_free_edition_has_3_users_no_updates_and_no_addons() {
    let catalog = catalog("starface");
    let free = spec(&catalog, "starface", "free", Kind::Base, 0);
    assert_eq!(free.seats, 3);
    assert_eq!(
        free.updates_until,
        Some(NOW - 86_400),
        "updates end the day it is issued"
    );
    let mut addon = LicenseSpec::new("starface", "free", 1);
    addon.kind = Kind::Addon;
    assert!(
        entitle_issue::prepare_spec(&catalog, &mut addon, NOW)
            .unwrap_err()
            .to_string()
            .contains("takes no add-ons")
    );
    let mut updates = LicenseSpec::new("starface", "free", 0);
    updates.updates_until = Some(NOW + 1000);
    assert!(
        entitle_issue::prepare_spec(&catalog, &mut updates, NOW)
            .unwrap_err()
            .to_string()
            .contains("without updates")
    );

    // A newer build is not covered; an add-on signed without the catalog does not count.
    let text = issue(&free);
    let out = entitle(&[
        "verify",
        "--public",
        &example("vendor.public.pem"),
        "--now",
        "2027-01-15",
        "--build-date",
        "2027-01-15",
        &text,
    ]);
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("not entitled to this version"));
    let mut rogue = LicenseSpec::new("starface", "free", 5);
    rogue.kind = Kind::Addon;
    rogue.expires_at = Some(NOW + 1000);
    let supply = supply(&catalog, &[text, issue(&rogue)]);
    assert_eq!(available(&catalog, &supply, "user"), 3);
    assert!(
        supply
            .refused
            .iter()
            .any(|(_, r)| r.to_string().contains("takes no add-ons"))
    );
}

#[test]
fn free_users_are_not_carried_over_into_the_commercial_line() {
    let catalog = catalog("starface");
    let free = issue(&spec(&catalog, "starface", "free", Kind::Base, 0));
    let compact = issue(&spec(&catalog, "starface", "compact", Kind::Base, 0));
    let supply = supply(&catalog, &[free.clone(), compact]);
    assert_eq!(
        available(&catalog, &supply, "user"),
        3,
        "a new base, not 3 + 3"
    );
    assert!(supply.warnings.iter().any(|w| {
        w.code == "no_carry_over"
            && w.message
                .contains("edition free do not carry over into compact")
    }));
    // Alone, the Free edition's 3 users work.
    assert_eq!(
        available(&catalog, &common::supply(&catalog, &[free]), "user"),
        3
    );
}

#[test]
fn one_more_user_on_top_of_a_compacts_3_gives_4() {
    let catalog = catalog("starface");
    let supply = supply(&catalog, &compact_with_packs(&[1]));
    assert_eq!(available(&catalog, &supply, "user"), 4);
    let users = users(&named_users(5, ";phone"));
    let allocation = allocate_csv(&catalog, &supply, &users);
    assert_eq!(used(&catalog, &allocation, "user"), 4);
    assert_eq!(outcome(&allocation, "u004", "user"), Err("pool_exhausted"));
}

#[test]
fn the_catalog_fills_in_the_cap_and_grants_no_feature() {
    let catalog = catalog("starface");
    let compact = spec(&catalog, "starface", "compact", Kind::Base, 0);
    assert_eq!(compact.cap, Some(20));
    assert!(
        compact.features.is_empty(),
        "voicemail, fax and intercom are not licensed features of STARFACE"
    );
    let mut voicemail = LicenseSpec::new("starface", "compact", 3);
    voicemail.features = vec!["voicemail".to_string()];
    assert!(
        entitle_issue::prepare_spec(&catalog, &mut voicemail, NOW)
            .unwrap_err()
            .to_string()
            .contains("no edition of starface grants a feature \"voicemail\"")
    );
    let mut wrong_cap = LicenseSpec::new("starface", "compact", 3);
    wrong_cap.cap = Some(30);
    assert!(
        entitle_issue::prepare_spec(&catalog, &mut wrong_cap, NOW)
            .unwrap_err()
            .to_string()
            .contains("caps starface compact at 20")
    );
}

#[test]
fn the_example_allocation_grants_20_of_23_users_in_id_order() {
    let out = entitle(&[
        "allocate",
        "--json",
        "--public",
        &example("vendor.public.pem"),
        "--catalog",
        &example("starface/catalog.signed"),
        "--users",
        &example("starface/users.csv"),
        "--now",
        "2027-01-15",
        &format!("@{}", example("starface/tokens.txt")),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let user = &json["licenses"][0];
    assert_eq!(
        (
            user["license"].as_str(),
            user["available"].as_u64(),
            user["used"].as_u64(),
            user["denied"].as_u64()
        ),
        (Some("user"), Some(20), Some(20), Some(3))
    );
    let denied: Vec<&str> = json["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| {
            u["licenses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["granted"] == false)
        })
        .map(|u| u["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        denied,
        ["uwe", "vera", "wolf"],
        "the last ids in byte order"
    );
}

#[test]
fn starface_invented_feature_on_a_token_does_not_count() {
    // Signed without the catalog, a Compact base claiming "voicemail": the
    // catalog refuses it at the decision, whoever signed it.
    let mut rogue = LicenseSpec::new("starface", "compact", 3);
    rogue.cap = Some(20);
    rogue.features = vec!["voicemail".to_string()];
    rogue.expires_at = Some(NOW + 1000);
    refused_at_the_decision(
        &rogue,
        "no edition of starface grants a feature \"voicemail\"",
    );
}

#[test]
fn starface_base_with_more_than_its_included_users_does_not_count() {
    let mut rogue = LicenseSpec::new("starface", "compact", 20);
    rogue.cap = Some(20);
    rogue.expires_at = Some(NOW + 1000);
    refused_at_the_decision(
        &rogue,
        "a compact base license includes 3 seats, this one carries 20",
    );
}

#[test]
fn starface_free_edition_with_updates_does_not_count() {
    let mut rogue = LicenseSpec::new("starface", "free", 3);
    rogue.cap = Some(3);
    rogue.expires_at = Some(NOW + 1000);
    rogue.updates_until = Some(NOW + 1000);
    refused_at_the_decision(&rogue, "edition free comes without updates");
}

/// "Diese Benutzer können unbegrenzt viele Rufnummern, unbegrenzt viele
/// Telefone …": a user with six phones was warned that it "breaks the
/// license model", a threshold the manual never states. Nothing is flagged.
#[test]
fn starface_a_user_may_have_any_number_of_phones_and_numbers() {
    let texts = compact_with_packs(&[]);
    let (code, json, err) = allocate_bin(
        "starface",
        &texts,
        &[
            "anna,hq,g,,member,user;phone;phone;phone;phone;phone;phone;number;number;number;number;number",
            "ben,hq,g,,member,user;phone;phone;phone;phone",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(granted(&json, "anna", "phone"));
    assert!(granted(&json, "anna", "number"));
    assert!(
        !warnings(&json).iter().any(|w| w.contains("anna")),
        "{:?}",
        warnings(&json)
    );
}

/// "Es werden in der Regel echte Benutzer lizenziert": a row with phones,
/// numbers, a voicemail box and a door intercom but no user license was
/// granted everything and consumed nothing. What belongs to a user needs a
/// user license; the door intercom of an existing user costs nothing.
#[test]
fn starface_what_belongs_to_a_user_needs_a_user_license() {
    let texts = compact_with_packs(&[]);
    let (code, json, err) = allocate_bin(
        "starface",
        &texts,
        &[
            "ghost,hq,g,,member,phone;phone;number;voicemail-box;door-intercom",
            "max,hq,g,,member,user;phone;door-intercom",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    for entry in ["phone", "number", "voicemail-box", "door-intercom"] {
        assert!(
            !granted(&json, "ghost", entry),
            "ghost holds {entry}: {json}"
        );
    }
    assert!(granted(&json, "max", "door-intercom"));
    let user = json["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["license"] == "user")
        .unwrap();
    assert_eq!(
        user["used"].as_u64(),
        Some(1),
        "the intercom of max costs nothing"
    );
}

/// "Bei einer STARFACE Compact sind maximal 20 Benutzer möglich": a Compact
/// installation given an Appliance server license beside its Compact
/// license had 46 usable users, and `issue --existing` sold an Appliance
/// pack onto a full Compact. One installation runs one server edition.
#[test]
fn starface_one_installation_runs_one_server_edition() {
    let w = World::new();
    let catalog = format!("{EXAMPLE}/starface/catalog.signed");
    let compact = format!("@{EXAMPLE}/starface/tokens.txt");
    let appliance = w.ok(&[
        "issue",
        "--key",
        "vendor.secret.pem",
        "--now",
        "2027-01-10",
        "--catalog",
        &format!("{EXAMPLE}/starface/catalog.toml"),
        "--product",
        "starface",
        "--edition",
        "appliance",
        "--tenant",
        "FIRMA-000123",
        "--expires",
        "2031-01-01",
    ]);
    let mut packs = appliance.clone();
    for _ in 0..5 {
        packs.push_str(&w.ok(&[
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            "2027-01-10",
            "--catalog",
            &format!("{EXAMPLE}/starface/catalog.toml"),
            "--product",
            "starface",
            "--edition",
            "appliance",
            "--kind",
            "addon",
            "--seats",
            "5",
            "--tenant",
            "FIRMA-000123",
            "--expires",
            "2031-01-01",
        ]));
    }
    let appliance = w.write("appliance.txt", &packs);
    let (_, json, err) = w.verify(&[
        "--now",
        "2027-01-15",
        "--catalog",
        &catalog,
        "--tenant",
        "FIRMA-000123",
        &compact,
        &appliance,
    ]);
    let users: u64 = json["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["seats"].as_u64().unwrap())
        .sum();
    assert_eq!(
        users, 26,
        "the newest server license, the Appliance: {json} {err}"
    );
    assert!(json["rejected"].to_string().contains("one of"), "{json}");
    // An Appliance pack sold onto the Compact alone does not count: refused
    // before it is signed.
    let (code, out, err) = w.run(&[
        "issue",
        "--key",
        "vendor.secret.pem",
        "--now",
        "2027-01-10",
        "--catalog",
        &catalog,
        "--public",
        "vendor.public.pem",
        "--existing",
        &compact,
        "--product",
        "starface",
        "--edition",
        "appliance",
        "--kind",
        "addon",
        "--seats",
        "5",
        "--tenant",
        "FIRMA-000123",
        "--expires",
        "2031-01-01",
    ]);
    assert_ne!(code, 0, "{out}");
    assert_eq!(out, "");
    assert!(!err.is_empty());
}

#[test]
fn starface_catalog_rule_on_a_free_kind_is_refused_not_ignored() {
    let good = read("starface/catalog.toml");
    let dir = tempfile::TempDir::new().unwrap();
    let cases = [(
        good.replace(
            "[products.starface.licenses.user]\nkind = \"user\"",
            "[products.starface.licenses.user]\nkind = \"user\"\nwarn_above = 1",
        ),
        "only free licenses have warn_above",
    )];
    for (i, (text, expected)) in cases.iter().enumerate() {
        assert_ne!(text, &good, "case {i} changed nothing");
        let path = dir.path().join(format!("c{i}.toml"));
        std::fs::write(&path, text).unwrap();
        let out = entitle(&["catalog", "check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(3), "case {i}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "case {i}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn starface_a_pack_that_puts_a_compact_over_20_is_not_issued() {
    // A reseller (or the vendor) minting for a customer names the
    // customer's licenses: a pack whose seats the cap would swallow is
    // refused, saying how many would be lost.
    let w = common::world::World::new();
    let pack = |existing: &str| {
        w.run(&[
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            "2027-01-10",
            "--catalog",
            &example("starface/catalog.toml"),
            "--public",
            "vendor.public.pem",
            "--existing",
            existing,
            "--product",
            "starface",
            "--edition",
            "compact",
            "--kind",
            "addon",
            "--seats",
            "5",
            "--tenant",
            "FIRMA-000123",
            "--expires",
            "2031-01-01",
        ])
    };
    // The example customer holds 3 + 4 packs of 5 = 23: 3 already lost.
    let (code, _, err) = pack(&format!("@{}", example("starface/tokens.txt")));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(
            "FIRMA-000123's starface compact would hold 28 seats under its cap of 20: 5 seats of the new license could never be used"
        ),
        "{err}"
    );
    // 3 + 2 packs = 13: one more pack (18) is fine; with 3 packs (18) a
    // fourth loses 3 of its 5.
    let tokens: Vec<String> = read("starface/tokens.txt")
        .lines()
        .filter(|l| l.starts_with("ent1."))
        .map(String::from)
        .collect();
    let three_and_two = w.write("two-packs.txt", &tokens[..3].join("\n"));
    let (code, out, err) = pack(&three_and_two);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ent1."));
    let three_and_three = w.write("three-packs.txt", &tokens[..4].join("\n"));
    let (code, _, err) = pack(&three_and_three);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("3 seats of the new license could never be used"),
        "{err}"
    );
}

/// `allocate --json` of `texts` for `n` named users: (available, granted).
fn users_held(texts: &[String], n: usize) -> (u64, usize, serde_json::Value) {
    let lines: Vec<String> = (0..n)
        .map(|i| format!("u{i:03},hq,staff,,member,user"))
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (code, json, err) = allocate_bin("starface", texts, &lines, &[]);
    assert_eq!(code, 0, "{err}");
    let available = json["licenses"][0]["available"].as_u64().unwrap();
    let held = (0..n)
        .filter(|i| granted(&json, &format!("u{i:03}"), "user"))
        .count();
    (available, held, json)
}

#[test]
fn starface_free_edition_rules_through_the_binary() {
    let catalog = catalog("starface");
    let free = issue(&spec(&catalog, "starface", "free", Kind::Base, 0));
    // 3 users, and no more.
    let (available, held, _) = users_held(std::slice::from_ref(&free), 5);
    assert_eq!((available, held), (3, 3));
    // No add-ons: a pack signed without the catalog does not count.
    let mut pack = LicenseSpec::new("starface", "free", 5);
    pack.kind = Kind::Addon;
    pack.expires_at = Some(NOW + 1000);
    let (available, held, json) = users_held(&[free.clone(), issue(&pack)], 8);
    assert_eq!((available, held), (3, 3));
    assert!(
        rejected(&json)
            .iter()
            .any(|r| r.contains("takes no add-ons"))
    );
    // No carry-over: beside a Compact, the Free users do not add.
    let compact = issue(&spec(&catalog, "starface", "compact", Kind::Base, 0));
    let (available, held, json) = users_held(&[free, compact], 8);
    assert_eq!((available, held), (3, 3), "a new base, not 3 + 3");
    assert!(
        warnings(&json)
            .iter()
            .any(|w| w.contains("edition free do not carry over into compact")),
        "{:?}",
        warnings(&json)
    );
}
