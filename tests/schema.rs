//! The published JSON Schemas (docs/schema/) hold for the real output of
//! the binary: `verify --json` and `allocate --json` on keys-example, a
//! refusal of every kind, and the error object.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::world::{EXAMPLE, NOW, World};
use serde_json::Value;

fn schema(name: &str) -> jsonschema::Validator {
    let path = format!("{EXAMPLE}/../docs/schema/{name}.v1.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn holds(validator: &jsonschema::Validator, json: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(json)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}\n{json}");
}

#[test]
fn verify_reports_hold_their_schema() {
    let verify = schema("verify-report");
    let w = World::new();
    for product in ["starface", "xphone", "pcvisit", "gotoassist"] {
        let tokens = format!("@{EXAMPLE}/{product}/tokens.txt");
        let mut args = vec!["--now", NOW];
        let catalog = format!("{EXAMPLE}/{product}/catalog.signed");
        if product != "gotoassist" {
            args.extend(["--catalog", &catalog]);
        }
        args.push(&tokens);
        let (_, json, err) = w.verify(&args);
        assert!(json.is_object(), "{err}");
        holds(&verify, &json, product);
    }
    // Refusals of several kinds, with their codes.
    let corpus = format!("@{EXAMPLE}/../tests/vectors/material.txt");
    let (_, json, _) = w.verify(&["--now", "2027-06-01", &corpus]);
    holds(&verify, &json, "the golden material");
    assert!(!json["rejected"].as_array().unwrap().is_empty());
    // The schema is strict: a report without its supply, or with a
    // refusal that has no code, does not hold.
    let mut broken = json.clone();
    broken.as_object_mut().unwrap().remove("supply");
    assert!(!verify.is_valid(&broken));
    let mut broken = json.clone();
    broken["rejected"][0]
        .as_object_mut()
        .unwrap()
        .remove("code");
    assert!(!verify.is_valid(&broken));
}

#[test]
fn allocate_reports_hold_their_schema() {
    let allocate = schema("allocate-report");
    let w = World::new();
    for (product, setup) in [
        ("starface", None),
        ("xphone", Some("xphone/setup.toml")),
        ("pcvisit", None),
    ] {
        let mut args = vec![
            "allocate".to_string(),
            "--json".into(),
            "--public".into(),
            "vendor.public.pem".into(),
            "--now".into(),
            NOW.into(),
            "--catalog".into(),
            format!("{EXAMPLE}/{product}/catalog.signed"),
            "--users".into(),
            format!("{EXAMPLE}/{product}/users.csv"),
        ];
        if let Some(setup) = setup {
            args.extend(["--setup".into(), format!("{EXAMPLE}/{setup}")]);
        }
        args.push(format!("@{EXAMPLE}/{product}/tokens.txt"));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = w.run(&args);
        assert_eq!(code, 0, "{product}: {err}");
        let json: Value = serde_json::from_str(&out).unwrap();
        holds(&allocate, &json, product);
    }
}

#[test]
fn error_objects_hold_their_schema() {
    let error = schema("error");
    let w = World::new();
    for args in [
        vec![
            "verify",
            "--json",
            "--public",
            "vendor.public.pem",
            "ent1.AAAA",
        ],
        vec!["verify", "--json", "--public", "missing.pem", "ent1.AAAA"],
    ] {
        let (_, _, err) = w.run(&args);
        let json: Value = serde_json::from_str(err.trim()).unwrap_or_else(|_| panic!("{err}"));
        holds(&error, &json, &args.join(" "));
    }
    // A usage error of the call the C ABI's level 2 makes.
    let (status, out) = entitle::report::verify_json(&["--bogus"]);
    assert_eq!(status, 2);
    holds(
        &error,
        &serde_json::from_str(&out).unwrap(),
        "verify_json --bogus",
    );
}
