//! Helpers shared by the license-model tests: the example vendor key, the
//! example catalogs, and short ways to issue, supply and allocate.

#![allow(dead_code)] // each test file uses its own part

use std::process::Output;

pub mod docs;
pub mod portal_site;
pub mod postgres;
pub mod seat_site;
pub mod softhsm;
pub mod webdriver;
pub mod world;

use entitle_allocate::{
    Allocation, Catalog, Supply, User, allocate, open_signed_catalog, parse_users,
};
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_verify::{Kind, MAX_TOKEN_BYTES, PublicKey, Token};

pub const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../keys-example");
/// 2027-01-15, inside the example tokens' validity.
pub const NOW: u64 = 1_800_000_000;

/// Copies the directory `from` to `to`, subdirectories included.
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

pub fn example(file: &str) -> String {
    format!("{EXAMPLE}/{file}")
}

pub fn read(file: &str) -> String {
    std::fs::read_to_string(example(file)).unwrap()
}

pub fn vendor() -> Issuer {
    Issuer::new(SigningKey::from_pem(&read("vendor.secret.pem")).unwrap())
}

pub fn keys() -> Vec<PublicKey> {
    vec![vendor().key().public_key()]
}

/// The example catalog of `product`, through its signature check.
pub fn catalog(product: &str) -> Catalog {
    open_signed_catalog(&read(&format!("{product}/catalog.signed")), &keys()).unwrap()
}

/// A spec issued the way `entitle issue --catalog` does it.
pub fn spec(
    catalog: &Catalog,
    product: &str,
    edition: &str,
    kind: Kind,
    seats: u32,
) -> LicenseSpec {
    let mut spec = LicenseSpec::new(product, edition, seats);
    spec.kind = kind;
    spec.issued_at = Some(NOW - 86_400);
    spec.expires_at = Some(NOW + 365 * 86_400);
    entitle_issue::prepare_spec(catalog, &mut spec, NOW - 86_400).unwrap();
    spec
}

pub fn issue(spec: &LicenseSpec) -> String {
    vendor().issue(spec).unwrap().text
}

/// Issues one token per (edition, seats) of `product`, through the catalog.
pub fn tokens(catalog: &Catalog, product: &str, skus: &[(&str, u32)]) -> Vec<String> {
    skus.iter()
        .map(|&(edition, seats)| issue(&spec(catalog, product, edition, Kind::Base, seats)))
        .collect()
}

pub fn supply_at(catalog: &Catalog, texts: &[String], tenant: Option<&str>, now: u64) -> Supply {
    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
    let tokens: Vec<Token<'_>> = texts
        .iter()
        .zip(buffers.iter_mut())
        .map(|(text, buf)| Token::decode(text, buf).unwrap())
        .collect();
    let keys = keys();
    let material = entitle_lifecycle::Material {
        tokens,
        ..entitle_lifecycle::Material::default()
    };
    let setting = entitle_lifecycle::Setting {
        trusted: &keys,
        catalog,
        remembered: None,
        now,
        clock_tolerance: 600,
        build_date: None,
        machine: None,
        tenant,
        store: None,
    };
    entitle_lifecycle::decide(&material, &setting).supply
}

pub fn supply(catalog: &Catalog, texts: &[String]) -> Supply {
    supply_at(catalog, texts, None, NOW)
}

pub fn users(csv: &str) -> Vec<User> {
    parse_users(csv).unwrap()
}

/// `id,site,group,team,role,licenses` lines after the header.
pub fn csv(lines: &[&str]) -> String {
    let mut text = String::from("id,site,group,team,role,licenses\n");
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn grant<'a>(
    allocation: &'a Allocation<'_>,
    id: &str,
    entry: &str,
) -> &'a entitle_allocate::Grant<'a> {
    let user = allocation
        .users
        .iter()
        .find(|u| u.user.id == id)
        .expect("user");
    user.grants
        .iter()
        .find(|g| g.entry == entry)
        .expect("entry")
}

/// The outcome of `entry` for user `id`: Ok, or the denial's code.
pub fn outcome(allocation: &Allocation<'_>, id: &str, entry: &str) -> Result<(), &'static str> {
    match &grant(allocation, id, entry).denial {
        None => Ok(()),
        Some(denial) => Err(denial.code()),
    }
}

/// The reason text of a denial, for checking what it names.
pub fn reason(catalog: &Catalog, allocation: &Allocation<'_>, id: &str, entry: &str) -> String {
    grant(allocation, id, entry)
        .denial
        .as_ref()
        .map(|d| d.describe(catalog))
        .unwrap_or_default()
}

pub fn allocate_csv<'u>(catalog: &Catalog, supply: &Supply, users: &'u [User]) -> Allocation<'u> {
    allocate(catalog, supply, users).unwrap()
}

pub fn used(catalog: &Catalog, allocation: &Allocation<'_>, license: &str) -> u64 {
    allocation.totals[catalog.resolve(license).unwrap()].used
}

pub fn available(catalog: &Catalog, supply: &Supply, license: &str) -> u64 {
    supply.available[catalog.resolve(license).unwrap()]
}

// ---- the binary ----

pub fn entitle(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_entitle"))
        .args(args)
        .env_remove("ENTITLE_SIGNING_KEY")
        .env_remove("ENTITLE_LEDGER")
        .output()
        .unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// `entitle allocate --json` through the binary, at 2027-01-15: the example
/// catalog of `product` (none when empty), the tokens `texts`, users.csv of `lines`, and
/// `extra` arguments. Exit code, the JSON (Null when none), stderr.
pub fn allocate_bin(
    product: &str,
    texts: &[String],
    lines: &[&str],
    extra: &[&str],
) -> (i32, serde_json::Value, String) {
    let dir = tempfile::TempDir::new().unwrap();
    let tokens = dir.path().join("tokens.txt");
    let users = dir.path().join("users.csv");
    std::fs::write(&tokens, texts.join("\n")).unwrap();
    std::fs::write(&users, csv(lines)).unwrap();
    let mut args = vec![
        "allocate".to_string(),
        "--public".to_string(),
        example("vendor.public.pem"),
    ];
    if !product.is_empty() {
        args.push("--catalog".to_string());
        args.push(example(&format!("{product}/catalog.signed")));
    }
    args.extend([
        "--users".to_string(),
        users.display().to_string(),
        "--now".to_string(),
        "2027-01-15".to_string(),
        "--json".to_string(),
    ]);
    args.extend(extra.iter().map(|a| a.to_string()));
    args.push(format!("@{}", tokens.display()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = entitle(&args);
    let code = out.status.code().unwrap();
    assert_ne!(code, 101, "panicked: {}", stderr(&out));
    let json = serde_json::from_str(&stdout(&out)).unwrap_or(serde_json::Value::Null);
    (code, json, stderr(&out))
}

/// Whether `entry` of user `id` is granted in `allocate --json` output.
pub fn granted(json: &serde_json::Value, id: &str, entry: &str) -> bool {
    let user = json["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == id)
        .unwrap_or_else(|| panic!("no user {id}"));
    let grant = user["licenses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["license"] == entry)
        .unwrap_or_else(|| panic!("{id} has no {entry}"));
    grant["granted"].as_bool().unwrap()
}

/// The warnings of `allocate --json` or `verify --json` output.
pub fn warnings(json: &serde_json::Value) -> Vec<String> {
    json["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|x| x.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// The reasons of the rejected inputs of `allocate --json` or `verify --json`.
pub fn rejected(json: &serde_json::Value) -> Vec<String> {
    json["rejected"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x["reason"].as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// A browser-like HTTP client that trusts only the server certificate in
/// `cert` (PEM), follows no redirects and takes every status as an answer.
pub fn pinned_browser(cert: &std::path::Path) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::Specific(std::sync::Arc::new(vec![
            ureq::tls::Certificate::from_pem(&std::fs::read(cert).unwrap()).unwrap(),
        ])))
        .build();
    ureq::Agent::config_builder()
        .tls_config(tls)
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}
