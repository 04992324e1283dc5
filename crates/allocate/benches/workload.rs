//! The allocation workload shared by the benchmark and the instruction
//! counter: the XPhone example catalog, 10 tokens, 5,000 users with 8
//! licenses each.

#![allow(missing_docs, clippy::unwrap_used)] // measuring code

use entitle_issue::{Issuer, LicenseSpec, SigningKey};

pub const NOW: u64 = 1_800_000_000;
pub const XPHONE_CATALOG: &str = include_str!("../../../keys-example/xphone/catalog.signed");

pub fn issuer() -> Issuer {
    Issuer::new(
        SigningKey::from_pem(include_str!("../../../keys-example/vendor.secret.pem")).unwrap(),
    )
}

/// An installation's tokens: enough of everything for most users, not all.
pub fn tokens(issuer: &Issuer) -> Vec<String> {
    [
        ("server", 1),
        ("office", 2000),
        ("office-plus", 2000),
        ("teamdesk", 1500),
        ("voicemail", 3000),
        ("fax", 3000),
        ("tapi-line", 4000),
        ("contacts", 5000),
        ("dashboard", 2000),
        ("ip-channel", 200),
    ]
    .iter()
    .map(|&(edition, seats)| {
        let mut spec = LicenseSpec::new("xphone-8", edition, seats);
        spec.issued_at = Some(NOW - 10);
        spec.expires_at = Some(NOW + 10);
        issuer.issue(&spec).unwrap().text
    })
    .collect()
}

/// 5,000 users on 7 sites, 13 groups, 50 teams, 8 licenses each.
pub fn users_csv() -> String {
    let mut csv = String::from("id,site,group,team,role,licenses\n");
    for i in 0..5000 {
        let licenses = if i % 2 == 0 {
            "office-plus;teamdesk;voicemail:mobile;voicemail:sms;fax:client;contacts;dashboard;tapi-line"
        } else {
            "office;voicemail:client;voicemail:sms;fax;fax:client;contacts;dashboard;tapi-line"
        };
        let role = if i % 25 == 0 { "leader" } else { "member" };
        csv.push_str(&format!(
            "user{:05},site{},group{},team{},{role},{licenses}\n",
            (i * 7919) % 100_000,
            i % 7,
            i % 13,
            i % 50
        ));
    }
    csv
}

/// The supply of `texts` under `catalog`: the decision every command makes.
pub fn supply(
    catalog: &entitle_allocate::Catalog,
    keys: &[entitle_verify::PublicKey],
    texts: &[String],
) -> entitle_allocate::Supply {
    let mut buffers = vec![[0u8; entitle_verify::MAX_TOKEN_BYTES]; texts.len()];
    let tokens: Vec<entitle_verify::Token<'_>> = texts
        .iter()
        .zip(buffers.iter_mut())
        .map(|(t, b)| entitle_verify::Token::decode(t, b).unwrap())
        .collect();
    let material = entitle_lifecycle::Material {
        tokens,
        ..entitle_lifecycle::Material::default()
    };
    let setting = entitle_lifecycle::Setting {
        trusted: keys,
        catalog,
        remembered: None,
        now: NOW,
        clock_tolerance: 600,
        build_date: None,
        machine: None,
        tenant: None,
        store: None,
    };
    entitle_lifecycle::decide(&material, &setting).supply
}
