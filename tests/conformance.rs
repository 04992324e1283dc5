//! The conformance corpus (tests/vectors/decisions.jsonl): decisions an
//! implementation of docs/ must agree with, each the material handed over,
//! the setting (clock, tenant, catalog, machine, what the appliance saw
//! before) and the `entitle verify --json` answer, refusals by code.
//! docs/format.md, "Conformance corpus", says how to replay them.
//!
//! `replay_every_decision_of_the_corpus` replays them through the binary.
//! `make_corpus` wrote the file once (`cargo test -p entitle-cli --test
//! conformance -- --ignored make_corpus`); like the golden vectors, it is
//! never run over the committed file: new decisions go into a new file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::world::{EXAMPLE, NOW, T0, World};
use serde_json::{Value, json};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");

/// The answer as the corpus records it: what counts and why each input was
/// kept or refused, without where the inputs came from (file names).
fn recorded(json: &Value) -> Value {
    let inputs: Vec<Value> = json["inputs"]
        .as_array()
        .map(|inputs| {
            inputs
                .iter()
                .map(|i| {
                    json!({
                        "kind": i["kind"],
                        "verdict": i["verdict"],
                        "code": i.get("code").cloned().unwrap_or(Value::Null),
                        "reason": i.get("reason").cloned().unwrap_or(Value::Null),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "licenses": json["licenses"],
        "supply": json["supply"],
        "warnings": json["warnings"],
        "inputs": inputs,
    })
}

/// Runs one case in a fresh world: its earlier steps on the appliance's
/// state, then the decision; the exit code and the recorded answer.
fn decide(case: &Value) -> (i32, Value) {
    let w = World::new();
    let setting_args = |step: &Value, material_file: &str| -> Vec<String> {
        let mut args: Vec<String> = step["args"]
            .as_array()
            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        if let Some(catalog) = step["catalog"].as_str() {
            args.extend([
                "--catalog".to_string(),
                format!("{VECTORS}/catalogs/{catalog}.signed"),
            ]);
        }
        if let Some(machine) = step["machine"].as_str() {
            w.write("machine", machine);
            args.extend(["--machine-id".to_string(), "machine".to_string()]);
        }
        args.push(material_file.to_string());
        args
    };
    let material = |step: &Value, name: &str| {
        let texts: Vec<&str> = step["material"]
            .as_array()
            .map(|m| m.iter().map(|x| x.as_str().unwrap()).collect())
            .unwrap_or_default();
        w.write(name, &(texts.join("\n") + "\n"))
    };
    for (i, step) in case["before"].as_array().into_iter().flatten().enumerate() {
        let file = material(step, &format!("before-{i}.txt"));
        let args = setting_args(step, &file);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        w.verify(&args);
    }
    let file = material(case, "material.txt");
    let args = setting_args(case, &file);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, json, err) = w.verify(&args);
    assert!(json.is_object(), "{}: {err}", case["name"]);
    (code, recorded(&json))
}

#[test]
fn replay_every_decision_of_the_corpus() {
    let corpus = std::fs::read_to_string(format!("{VECTORS}/decisions.jsonl")).unwrap();
    let mut count = 0;
    let mut codes = std::collections::BTreeSet::new();
    for line in corpus.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let (code, answer) = decide(&case);
        let name = case["name"].as_str().unwrap();
        assert_eq!(code, case["exit"].as_i64().unwrap() as i32, "{name}");
        assert_eq!(answer, case["expected"], "{name}");
        for input in answer["inputs"].as_array().unwrap() {
            if input["verdict"] == "refused" {
                let code = input["code"].as_str();
                assert!(code.is_some(), "{name}: a refusal without a code: {input}");
                codes.extend(code.map(str::to_string));
            }
        }
        count += 1;
    }
    assert!(count >= 50, "the corpus holds {count} decisions");
    assert!(
        codes.len() >= 15,
        "refusals of only {} codes: {codes:?}",
        codes.len()
    );
}

// ---- how the corpus was made ---------------------------------------------------

/// One case: its name, the setting's arguments, the material.
struct Case {
    name: String,
    args: Vec<String>,
    catalog: Option<&'static str>,
    machine: Option<&'static str>,
    material: Vec<String>,
    before: Vec<Value>,
}

fn case(name: &str, args: &[&str], material: Vec<String>) -> Case {
    Case {
        name: name.to_string(),
        args: args.iter().map(|a| a.to_string()).collect(),
        catalog: None,
        machine: None,
        material,
        before: Vec::new(),
    }
}

impl Case {
    fn catalog(mut self, product: &'static str) -> Case {
        self.catalog = Some(product);
        self
    }
    fn machine(mut self, machine: &'static str) -> Case {
        self.machine = Some(machine);
        self
    }
    fn before(mut self, args: &[&str], material: Vec<String>) -> Case {
        self.before
            .push(json!({ "args": args, "material": material }));
        self
    }
    fn to_json(&self) -> Value {
        let mut value = json!({
            "name": self.name,
            "args": self.args,
            "material": self.material,
        });
        let object = value.as_object_mut().unwrap();
        if let Some(catalog) = self.catalog {
            object.insert("catalog".into(), catalog.into());
        }
        if let Some(machine) = self.machine {
            object.insert("machine".into(), machine.into());
        }
        if !self.before.is_empty() {
            object.insert("before".into(), Value::Array(self.before.clone()));
        }
        value
    }
}

/// The artifact lines of a file or text (comments left out).
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn example(file: &str) -> Vec<String> {
    lines(&std::fs::read_to_string(format!("{EXAMPLE}/{file}")).unwrap())
}

/// Flips one character of a token's signature.
fn tampered(token: &str) -> String {
    let mut chars: Vec<char> = token.chars().collect();
    let i = chars.len() - 5;
    chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[test]
#[ignore = "writes tests/vectors/decisions.jsonl; run once, never over the committed file"]
fn make_corpus() {
    let w = World::new();
    w.partners(&["issue", "revoke", "extend"]);
    w.customer("FIRMA-000123");
    w.keygen("mallory");
    w.keygen("provider");
    let provider = w.ok(&[
        "partner",
        "certify",
        "--key",
        "vendor.secret.pem",
        "--public",
        "vendor.public.pem",
        "--now",
        T0,
        "--subject",
        "provider.pub",
        "--name",
        "Provider",
        "--role",
        "service-provider",
        "--not-after",
        "2030-01-01",
    ]);
    let text = |file: &str| lines(&w.read(file.trim_start_matches('@')));
    let vendor =
        |name: &str, extra: &[&str]| text(&w.license(name, "vendor.secret.pem", None, extra));
    let reseller = |name: &str, extra: &[&str]| {
        text(&w.license(name, "reseller.key", Some("reseller.cert"), extra))
    };
    let customer = |name: &str, extra: &[&str]| {
        text(&w.license(name, "customer.key", Some("customer.cert"), extra))
    };
    let list = |key: &str, cert: Option<&str>, sequence: &str, serials: &[&str], extra: &[&str]| {
        let mut args = vec!["revoke", "--key", key, "--now", NOW, "--sequence", sequence];
        if let Some(cert) = cert {
            args.extend(["--cert", cert]);
        }
        for serial in serials {
            args.extend(["--serial", serial]);
        }
        args.extend_from_slice(extra);
        lines(&w.ok(&args))
    };
    let serial = |lines: &[String]| {
        let shown: Value = serde_json::from_str(&w.ok(&["inspect", "--json", &lines[0]])).unwrap();
        shown["serial"].as_str().unwrap().to_string()
    };
    let renew = |license: &[String], key: &str, cert: Option<&str>, until: &str| {
        let file = w.write("renew-license.txt", &license.join("\n"));
        let mut args = vec![
            "renew",
            "--key",
            key,
            "--now",
            NOW,
            "--license",
            &file,
            "--expires",
            until,
        ];
        if let Some(cert) = cert {
            args.extend(["--cert", cert]);
        }
        lines(&w.ok(&args))
    };
    let join = |parts: &[&[String]]| -> Vec<String> {
        parts.iter().flat_map(|p| p.iter().cloned()).collect()
    };

    let starface = example("starface/tokens.txt");
    let xphone = example("xphone/tokens.txt");
    let pcvisit = example("pcvisit/tokens.txt");
    let gotoassist = example("gotoassist/tokens.txt");
    let minimal = example("minimal.txt");
    let base = vendor("base.txt", &["--seats", "3"]);
    let pack = vendor("pack.txt", &["--kind", "addon", "--seats", "5"]);
    let other_tenant = vendor("other.txt", &["--tenant", "FIRMA-000999"]);
    let expiring = vendor("expiring.txt", &["--expires", "2027-03-01"]);
    let later = vendor("later.txt", &["--not-before", "2027-09-01"]);
    let with_updates = vendor("updates.txt", &["--updates-until", "2027-03-01"]);
    let featured = vendor("featured.txt", &["--feature", "fax"]);
    let annual = vendor("annual.txt", &["--seats", "10"]);
    let forged = text(&w.license("forged.txt", "mallory.key", None, &[]));
    let resold = reseller("resold.txt", &["--seats", "10"]);
    let resold_pack = reseller("resold-pack.txt", &["--seats", "5", "--kind", "addon"]);
    let resold_feature = reseller(
        "resold-feature.txt",
        &["--seats", "2", "--kind", "addon", "--feature", "fax"],
    );
    let over = reseller("over.txt", &["--seats", "20"]);
    let order_3 = vendor("order3.txt", &["--seats", "3", "--order", "SO-9"]);
    let order_5 = vendor("order5.txt", &["--seats", "5", "--order", "SO-9"]);
    let extra_ok = customer("extra-ok.txt", &["--seats", "4"]);
    let extra_big = customer("extra-big.txt", &["--seats", "40"]);
    let extra_perpetual = customer("extra-perpetual.txt", &["--seats", "1", "--perpetual"]);
    let extra_feature = customer("extra-feature.txt", &["--seats", "1", "--feature", "fax"]);

    let s_base = serial(&base);
    let s_pack = serial(&pack);
    let s_resold = serial(&resold);
    let vendor_list_base = list("vendor.secret.pem", None, "1", &[&s_base], &[]);
    let vendor_list_pack = list("vendor.secret.pem", None, "2", &[&s_pack], &[]);
    let reseller_list_vendor = list("reseller.key", Some("reseller.cert"), "1", &[&s_base], &[]);
    let reseller_list_own = list(
        "reseller.key",
        Some("reseller.cert"),
        "2",
        &[&s_resold],
        &[],
    );
    let customer_list_own = list("customer.key", Some("customer.cert"), "1", &[&s_base], &[]);
    w.write("provider.cert", &provider);
    let provider_list = list("provider.key", Some("provider.cert"), "1", &[&s_base], &[]);
    let shown: Value =
        serde_json::from_str(&w.ok(&["partner", "show", "--json", "@reseller.cert"])).unwrap();
    let reseller_cert_serial = shown[0]["serial"].as_str().unwrap().to_string();
    let cert_list = lines(&w.ok(&[
        "revoke",
        "--key",
        "vendor.secret.pem",
        "--now",
        NOW,
        "--sequence",
        "3",
        "--certificate",
        &reseller_cert_serial,
    ]));
    let renewed = renew(&expiring, "vendor.secret.pem", None, "2029-01-01");
    let resold_expiring = reseller("resold-expiring.txt", &["--expires", "2027-03-01"]);
    let reseller_renewal = renew(
        &resold_expiring,
        "reseller.key",
        Some("reseller.cert"),
        "2028-06-01",
    );
    let reseller_renews_vendor = renew(
        &expiring,
        "reseller.key",
        Some("reseller.cert"),
        "2028-06-01",
    );
    let compact_second = lines(
        &(w.ok(&[
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            T0,
            "--catalog",
            &format!("{EXAMPLE}/starface/catalog.toml"),
            "--product",
            "starface",
            "--edition",
            "compact",
            "--expires",
            "2031-01-01",
        ]) + &w.ok(&[
            "issue",
            "--key",
            "vendor.secret.pem",
            "--now",
            T0,
            "--catalog",
            &format!("{EXAMPLE}/starface/catalog.toml"),
            "--product",
            "starface",
            "--edition",
            "compact",
            "--kind",
            "addon",
            "--seats",
            "5",
            "--expires",
            "2031-01-01",
        ])),
    );
    let garbage = vec!["hello world".to_string()];
    let cut_short = vec!["ent1.@@@@".to_string()];
    let not_ent = vec![tampered(&base[0])];
    let now = ["--now", NOW];
    let at = |when: &'static str| ["--now", when];

    let cases = vec![
        case(
            "starface example, catalog and tenant",
            &["--now", NOW, "--tenant", "FIRMA-000123"],
            starface.clone(),
        )
        .catalog("starface"),
        case("starface example without a catalog", &now, starface.clone()),
        case(
            "starface example for another tenant",
            &["--now", NOW, "--tenant", "FIRMA-000999"],
            starface.clone(),
        )
        .catalog("starface"),
        case(
            "starface example twice over, pasted again",
            &["--now", NOW, "--tenant", "FIRMA-000123"],
            join(&[&starface, &starface]),
        )
        .catalog("starface"),
        case("xphone example under its catalog", &now, xphone.clone()).catalog("xphone"),
        case(
            "pcvisit example under its catalog",
            &["--now", NOW, "--tenant", "FIRMA-000789"],
            pcvisit.clone(),
        )
        .catalog("pcvisit"),
        case("gotoassist example", &now, gotoassist.clone()),
        case("the minimal token", &now, minimal.clone()),
        case("a base and a pack stack", &now, join(&[&base, &pack])),
        case("a pack without its base", &now, pack.clone()),
        case(
            "two tenants, two pools",
            &now,
            join(&[&base, &other_tenant]),
        ),
        case(
            "two tenants, one configured",
            &["--now", NOW, "--tenant", "FIRMA-000123"],
            join(&[&base, &other_tenant]),
        )
        .catalog("starface"),
        case("expired", &at("2027-06-01"), expiring.clone()),
        case("not valid yet", &now, later.clone()),
        case(
            "the clock before the newest issue time",
            &at("2026-06-01"),
            base.clone(),
        ),
        case(
            "a build after the update entitlement",
            &["--now", NOW, "--build-date", "2027-06-01"],
            with_updates.clone(),
        ),
        case(
            "a build within the update entitlement",
            &["--now", NOW, "--build-date", "2027-02-01"],
            with_updates.clone(),
        ),
        case("signed by an untrusted key", &now, forged.clone()),
        case(
            "an untrusted token beside the starface example",
            &now,
            join(&[&starface, &forged]),
        ),
        case("a signature altered", &now, not_ent.clone()),
        case(
            "a line that is not a token beside one",
            &now,
            join(&[&base, &garbage]),
        ),
        case("a token cut short", &now, cut_short.clone()),
        case(
            "revoked by the vendor",
            &now,
            join(&[&base, &pack, &vendor_list_base]),
        ),
        case(
            "two vendor lists, each revokes",
            &now,
            join(&[&base, &pack, &vendor_list_base, &vendor_list_pack]),
        ),
        case(
            "two vendor lists, the other order",
            &now,
            join(&[&vendor_list_pack, &vendor_list_base, &pack, &base]),
        ),
        case(
            "a reseller's list for the vendor's licence revokes nothing",
            &now,
            join(&[&base, &reseller_list_vendor]),
        ),
        case(
            "a reseller revokes its own licence",
            &now,
            join(&[&resold, &reseller_list_own]),
        ),
        case(
            "a customer destroys its own key",
            &now,
            join(&[&base, &customer_list_own]),
        ),
        case(
            "a service provider's list names no tenant of its",
            &now,
            join(&[&base, &provider_list]),
        ),
        case(
            "renewed by the vendor",
            &at("2027-06-01"),
            join(&[&expiring, &renewed]),
        ),
        case(
            "a partner renews what it issued",
            &at("2027-06-01"),
            join(&[&resold_expiring, &reseller_renewal]),
        ),
        case(
            "a partner's renewal of the vendor's licence",
            &at("2027-06-01"),
            join(&[&expiring, &reseller_renews_vendor]),
        ),
        case("a reseller's licence with its chain", &now, resold.clone()),
        case(
            "a reseller's licence without its chain",
            &now,
            vec![resold[0].clone()],
        ),
        case(
            "a reseller's base and pack",
            &now,
            join(&[&resold, &resold_pack]),
        ),
        case(
            "a reseller beyond its max_seats in total",
            &now,
            join(&[&resold, &over]),
        ),
        case(
            "a reseller's add-on with a feature its base lacks",
            &now,
            join(&[&resold, &resold_feature]),
        ),
        case(
            "a reseller's certificate revoked by the vendor",
            &now,
            join(&[&resold, &cert_list]),
        ),
        case(
            "extra keys within the annual licences",
            &now,
            join(&[&annual, &extra_ok]),
        ),
        case(
            "extra keys beyond the annual licences",
            &now,
            join(&[&annual, &extra_big]),
        ),
        case("extra keys without annual licences", &now, extra_ok.clone()),
        case(
            "a perpetual extra key",
            &now,
            join(&[&annual, &extra_perpetual]),
        ),
        case(
            "an extra key with a feature the annual licences lack",
            &now,
            join(&[&annual, &extra_feature]),
        ),
        case(
            "an extra key with a feature the annual licences grant",
            &now,
            join(&[&featured, &annual, &extra_feature]),
        ),
        case(
            "the same annual licence pasted three times and an extra key",
            &now,
            join(&[&annual, &annual, &annual, &extra_big]),
        ),
        case(
            "one order minted twice with other content",
            &now,
            join(&[&order_3, &order_5]),
        ),
        case(
            "one order minted twice, the other order",
            &now,
            join(&[&order_5, &order_3]),
        ),
        case(
            "a second compact installation pool without a tenant",
            &["--now", NOW, "--tenant", "FIRMA-000123"],
            join(&[&starface, &compact_second]),
        )
        .catalog("starface"),
        case(
            "not activated on this machine",
            &["--now", NOW, "--require-activation", "--state-dir", "app"],
            base.clone(),
        )
        .machine("machine-a\n"),
        case(
            "an appliance that saw a list keeps it",
            &["--now", NOW, "--state-dir", "app"],
            join(&[&base, &pack]),
        )
        .before(
            &["--now", NOW, "--state-dir", "app"],
            join(&[&base, &vendor_list_base]),
        ),
        case(
            "an appliance whose clock was set back",
            &["--now", "2027-02-01", "--state-dir", "app"],
            base.clone(),
        )
        .before(&["--now", "2027-05-01", "--state-dir", "app"], base.clone()),
        case(
            "an appliance within its clock tolerance",
            &["--now", "2027-04-30T23:55:00Z", "--state-dir", "app"],
            base.clone(),
        )
        .before(&["--now", "2027-05-01", "--state-dir", "app"], base.clone()),
        case(
            "xphone without its server licence",
            &now,
            xphone[1..].to_vec(),
        )
        .catalog("xphone"),
        case(
            "pcvisit's bundled licence alone",
            &now,
            pcvisit[..1].to_vec(),
        )
        .catalog("pcvisit"),
        case(
            "gotoassist under a tenant",
            &["--now", NOW, "--tenant", "FIRMA-000456"],
            gotoassist.clone(),
        ),
    ];
    let mut out = String::new();
    for c in &cases {
        let mut value = c.to_json();
        let (code, answer) = decide(&value);
        value["exit"] = code.into();
        value["expected"] = answer;
        out.push_str(&value.to_string());
        out.push('\n');
    }
    let path = std::env::var("ENTITLE_CORPUS_OUT")
        .unwrap_or_else(|_| format!("{VECTORS}/decisions.jsonl"));
    std::fs::write(path, out).unwrap();
}
