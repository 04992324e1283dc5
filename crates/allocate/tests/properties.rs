//! Properties of the allocation, over random installations and users of
//! the XPhone and STARFACE example catalogs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::collections::BTreeMap;

use entitle_allocate::{
    Allocation, Candidate, Catalog, Installation, LicenseKind, Supply, User, allocate,
    open_signed_catalog, parse_users,
};
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_verify::{Kind, MAX_TOKEN_BYTES, PublicKey, Token, Verifier};
use proptest::prelude::*;

const NOW: u64 = 1_800_000_000;

fn issuer() -> Issuer {
    Issuer::new(
        SigningKey::from_pem(include_str!("../../../keys-example/vendor.secret.pem")).unwrap(),
    )
}

fn catalog(signed: &str) -> Catalog {
    open_signed_catalog(signed, &[issuer().key().public_key()]).unwrap()
}

fn supply(catalog: &Catalog, skus: &[(&str, &str, Kind, u32)]) -> Supply {
    let issuer = issuer();
    let texts: Vec<String> = skus
        .iter()
        .map(|&(product, edition, kind, seats)| {
            let mut spec = LicenseSpec::new(product, edition, seats);
            spec.kind = kind;
            spec.issued_at = Some(NOW - 10);
            spec.expires_at = Some(NOW + 10);
            entitle_issue::prepare_spec(catalog, &mut spec, NOW - 10).unwrap();
            issuer.issue(&spec).unwrap().text
        })
        .collect();
    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
    let tokens: Vec<Token<'_>> = texts
        .iter()
        .zip(buffers.iter_mut())
        .map(|(t, b)| Token::decode(t, b).unwrap())
        .collect();
    let keys: [PublicKey; 1] = [issuer.key().public_key()];
    let candidates: Vec<Candidate<_>> = tokens
        .iter()
        .map(|t| Candidate {
            license: Verifier::new(&keys).verify(*t, NOW).unwrap(),
            expired_at: None,
            vendor_issued: true,
        })
        .collect();
    Supply::from_candidates(
        catalog,
        &candidates,
        &Installation {
            tenant: None,
            now: NOW,
        },
    )
}

/// Grants by user id and entry: true when granted.
fn grants(allocation: &Allocation<'_>) -> BTreeMap<(String, String), bool> {
    allocation
        .users
        .iter()
        .flat_map(|u| {
            u.grants
                .iter()
                .map(move |g| ((u.user.id.clone(), g.entry.to_string()), g.denial.is_none()))
        })
        .collect()
}

const XPHONE_ENTRIES: &[&str] = &[
    "office",
    "office-plus",
    "teamdesk",
    "voicemail",
    "voicemail:client",
    "voicemail:mobile",
    "voicemail:sms",
    "fax",
    "fax:client",
    "tapi-line",
    "contacts",
    "dashboard",
    "analytics",
];

prop_compose! {
    fn xphone_user()(
        id in "[a-z]{1,3}[0-9]{0,3}",
        site in 0..3u8,
        group in 0..3u8,
        team in 0..4u8,
        leader in proptest::bool::weighted(0.15),
        entries in proptest::sample::subsequence(XPHONE_ENTRIES, 0..6),
    ) -> String {
        let team = if team == 0 { String::new() } else { format!("t{team}") };
        let role = if leader { "leader" } else { "member" };
        format!("{id},site{site},group{group},{team},{role},{}", entries.join(";"))
    }
}

/// Random ids may repeat: keep the first line of each.
fn unique_ids(lines: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    lines
        .iter()
        .filter(|line| seen.insert(line.split(',').next().unwrap().to_string()))
        .cloned()
        .collect()
}

fn users_csv(lines: &[String]) -> Vec<User> {
    let mut text = String::from("id,site,group,team,role,licenses\n");
    for line in unique_ids(lines) {
        text.push_str(&line);
        text.push('\n');
    }
    parse_users(&text).unwrap()
}

fn xphone_supply(catalog: &Catalog, counts: &[u32]) -> Supply {
    let names = [
        "server",
        "office",
        "office-plus",
        "teamdesk",
        "voicemail",
        "fax",
        "tapi-line",
        "contacts",
        "dashboard",
        "ip-channel",
    ];
    let skus: Vec<(&str, &str, Kind, u32)> = names
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(name, &n)| ("xphone-8", *name, Kind::Base, n))
        .collect();
    supply(catalog, &skus)
}

/// Every granted license has its prerequisites granted or installed.
fn check_prerequisites(
    catalog: &Catalog,
    supply: &Supply,
    allocation: &Allocation<'_>,
) -> Result<(), String> {
    for u in &allocation.users {
        let held: Vec<usize> = u
            .grants
            .iter()
            .filter(|g| g.denial.is_none())
            .flat_map(|g| {
                let mut all = vec![g.license];
                all.extend(catalog.licenses[g.license].includes.iter().copied());
                all
            })
            .collect();
        for g in u.grants.iter().filter(|g| g.denial.is_none()) {
            let license = &catalog.licenses[g.license];
            for &r in &license.requires {
                let ok = if catalog.licenses[r].kind == LicenseKind::System {
                    supply.available[r] > 0
                } else {
                    held.contains(&r)
                };
                if !ok {
                    return Err(format!(
                        "{} holds {} without {}",
                        u.user.id, g.entry, catalog.licenses[r].name
                    ));
                }
            }
            for &(unit, n) in &license.requires_units {
                if supply.units[unit] < n {
                    return Err(format!("{} holds {} without {n} units", u.user.id, g.entry));
                }
            }
            if let Some((_, usage)) = g.entry.split_once(':') {
                let usage = license.usages.iter().find(|x| x.name == usage).unwrap();
                if let Some(&r) = usage.requires.iter().find(|r| !held.contains(r)) {
                    return Err(format!(
                        "{} holds {} without {}",
                        u.user.id, g.entry, catalog.licenses[r].name
                    ));
                }
            }
            if let Some(gate) = license.team_gate {
                let team = &u.user.team;
                for m in allocation
                    .users
                    .iter()
                    .filter(|m| &m.user.team == team && m.user.role == "member")
                {
                    if !m
                        .grants
                        .iter()
                        .any(|x| x.license == gate && x.denial.is_none())
                    {
                        return Err(format!(
                            "{} holds {} though {} lacks the gate",
                            u.user.id, g.entry, m.user.id
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(48) })]

    #[test]
    fn shuffling_the_users_never_changes_a_grant(
        lines in proptest::collection::vec(xphone_user(), 0..60),
        counts in proptest::collection::vec(0u32..12, 10),
        seed in any::<u64>(),
    ) {
        let catalog = catalog(include_str!("../../../keys-example/xphone/catalog.signed"));
        let supply = xphone_supply(&catalog, &counts);
        let lines = unique_ids(&lines);
        let users = users_csv(&lines);
        let mut shuffled = lines.clone();
        // Fisher-Yates with a small xorshift, so failures replay from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled_users = users_csv(&shuffled);
        let a = grants(&allocate(&catalog, &supply, &users).unwrap());
        let b = grants(&allocate(&catalog, &supply, &shuffled_users).unwrap());
        prop_assert_eq!(a, b);
    }

    #[test]
    fn no_pool_is_ever_overdrawn_and_every_grant_has_its_prerequisites(
        lines in proptest::collection::vec(xphone_user(), 0..80),
        counts in proptest::collection::vec(0u32..12, 10),
    ) {
        let catalog = catalog(include_str!("../../../keys-example/xphone/catalog.signed"));
        let supply = xphone_supply(&catalog, &counts);
        let users = users_csv(&lines);
        let allocation = allocate(&catalog, &supply, &users).unwrap();
        for (id, count) in allocation.totals.iter().enumerate() {
            prop_assert!(count.used <= supply.available[id], "{} overdrawn", catalog.licenses[id].name);
            prop_assert!(count.granted <= count.configured);
        }
        // Nothing is available beyond what was bought, but through includes.
        let office = catalog.resolve("office").unwrap();
        let plus = catalog.resolve("office-plus").unwrap();
        prop_assert_eq!(supply.available[office], supply.bought[office] + supply.bought[plus]);
        if let Err(message) = check_prerequisites(&catalog, &supply, &allocation) {
            prop_assert!(false, "{}", message);
        }
    }

    #[test]
    fn no_product_ever_exceeds_its_cap_or_what_was_bought(
        packs in proptest::collection::vec(prop_oneof![Just(1u32), Just(5u32)], 0..12),
        users in 0usize..40,
    ) {
        let catalog = catalog(include_str!("../../../keys-example/starface/catalog.signed"));
        let mut skus = vec![("starface", "compact", Kind::Base, 0)];
        skus.extend(packs.iter().map(|&n| ("starface", "compact", Kind::Addon, n)));
        let supply = supply(&catalog, &skus);
        let user = catalog.resolve("user").unwrap();
        let bought = 3 + packs.iter().map(|&n| u64::from(n)).sum::<u64>();
        prop_assert_eq!(supply.bought[user], bought);
        prop_assert_eq!(supply.available[user], bought.min(20));
        let lines: Vec<String> = (0..users).map(|i| format!("u{i},hq,g,,member,user;phone")).collect();
        let parsed = users_csv(&lines);
        let allocation = allocate(&catalog, &supply, &parsed).unwrap();
        prop_assert_eq!(allocation.totals[user].used, (users as u64).min(bought).min(20));
    }
}
