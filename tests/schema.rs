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
    // Each warning has its code, in the same order.
    if let (Some(warnings), Some(codes)) = (
        json["warnings"].as_array(),
        json["warning_codes"].as_array(),
    ) {
        assert_eq!(warnings.len(), codes.len(), "{what}: {json}");
    }
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
        if product == "starface" {
            // 28 seats bought, a cap of 20: said in words and in its code.
            let at = json["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .position(|w| w.as_str().unwrap().contains("the cap is 20"))
                .unwrap();
            assert_eq!(json["warning_codes"][at], "cap_exceeded", "{json}");
        }
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
    // A warning code the reference does not name does not hold either.
    let mut broken = json.clone();
    broken["warning_codes"] = serde_json::json!(["something_new"]);
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

/// The seat server's documents (docs/schema/seats.v1.schema.json) hold for
/// what the server answers and the commands print: a lease, sessions, the
/// list, the audit log, accounts, the sign-in check, and error answers of
/// every kind a client meets (no credential, a full pool, a lease an
/// administrator ended, a grant that exists).
#[test]
fn seat_server_documents_hold_their_schema() {
    use common::seat_site::Site;
    let path = format!("{EXAMPLE}/../docs/schema/seats.v1.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let document = |name: &str| {
        let mut one = schema.clone();
        one["$ref"] = Value::String(format!("#/$defs/{name}"));
        jsonschema::validator_for(&one).unwrap()
    };
    let site = Site::new(1, 1);
    let server = site.serve(&[]);
    site.grant(&server, 3);
    let json = |out: std::process::Output, from_stderr: bool| -> Value {
        let text = if from_stderr {
            common::stderr(&out)
        } else {
            common::stdout(&out)
        };
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"))
    };
    let assigned = site.admin(&server, &["seats", "assign", "--agent", "a2"]);
    assert!(assigned.status.success());
    let lease = json(site.lease(&server, "a0", &["lease", "claim"]), false);
    holds(&document("lease"), &lease, "lease claim");
    let named = json(site.lease(&server, "a2", &["lease", "claim"]), false);
    holds(&document("lease"), &named, "a named seat's lease");
    holds(
        &document("signin"),
        &json(site.lease(&server, "a1", &["lease", "signin"]), false),
        "lease signin, the pool full",
    );
    let full = json(site.lease(&server, "a1", &["lease", "claim"]), true);
    assert_eq!(full["error"]["reason"], "pool_exhausted", "{full}");
    for (what, args) in [
        ("list", vec!["seats", "list", "--json"]),
        ("sessions", vec!["seats", "sessions", "--json"]),
        ("accounts", vec!["seats", "accounts", "--json"]),
    ] {
        holds(
            &document(what),
            &json(site.admin(&server, &args), false),
            what,
        );
    }
    let id = lease["id"].as_str().unwrap();
    assert!(
        site.admin(&server, &["seats", "end", "--lease", id])
            .status
            .success()
    );
    holds(
        &document("audit"),
        &json(site.admin(&server, &["seats", "audit", "--json"]), false),
        "audit",
    );
    // The API's own error bodies.
    let http: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let answer = |method: &str, path: &str, credential: &str, body: Value| -> Value {
        let url = format!("{}{path}", server.url);
        let auth = format!("Bearer {credential}");
        let mut response = match method {
            "POST" => http
                .post(&url)
                .header("Authorization", &auth)
                .send_json(body),
            _ => http.get(&url).header("Authorization", &auth).call(),
        }
        .unwrap();
        response.body_mut().read_json().unwrap()
    };
    let read = |file: &str| {
        std::fs::read_to_string(site.path().join(file))
            .unwrap()
            .trim()
            .to_string()
    };
    let (admin, a0, a1) = (
        read("state/admin.credential"),
        read("a0.cred"),
        read("a1.cred"),
    );
    // a1 takes the seat a0's ended session left: the pool is full again.
    let taken = answer("POST", "/v1/leases", &a1, Value::Null);
    holds(&document("lease"), &taken, "POST /v1/leases");
    let errors = [
        answer("GET", "/v1/pools", "wrong", Value::Null),
        answer("POST", "/v1/leases", &a0, Value::Null),
        answer("POST", &format!("/v1/leases/{id}/renew"), &a0, Value::Null),
        answer(
            "POST",
            "/v1/agents",
            &admin,
            serde_json::json!({"id": "a0", "name": "A", "email": "a@example.com",
                               "pool": "gotoassist/corporate/FIRMA-1"}),
        ),
    ];
    let codes: Vec<&str> = errors
        .iter()
        .map(|e| e["error"]["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        codes,
        ["unauthorized", "pool_exhausted", "lease_ended", "exists"],
        "{errors:?}"
    );
    for error in &errors {
        holds(&document("api_error"), error, "an API error");
    }
    assert_eq!(errors[2]["error"]["reason"], "ended_by_admin");
    // Strict: an unknown field, or a reason not on the list, does not hold.
    let mut broken = errors[2].clone();
    broken["error"]["reason"] = Value::String("because".into());
    assert!(!document("api_error").is_valid(&broken));
    let mut broken = lease.clone();
    broken["seats"] = Value::from(3);
    assert!(!document("lease").is_valid(&broken));
}
