//! Golden vectors and a negative corpus (tests/vectors/, made once by
//! tests/vectors/make.sh and never regenerated): what was signed then still
//! decodes to the same bytes and decides the same now, and every malformed
//! or altered artifact is refused with its own reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

mod common;

use common::world::{EXAMPLE, World};
use entitle_allocate::open_signed_catalog;
use entitle_lifecycle::{
    Activation, Certificate, Receipt, Renewal, Request, RevocationList, Signed,
};
use entitle_verify::{ArtifactKind, PublicKey, Token};
use serde_json::Value;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors");

fn vectors(file: &str) -> String {
    std::fs::read_to_string(format!("{VECTORS}/{file}")).unwrap()
}

fn vendor_key() -> PublicKey {
    let pem = std::fs::read_to_string(format!("{EXAMPLE}/vendor.public.pem")).unwrap();
    entitle_issue::public_key_from_pem(&pem).unwrap()
}

/// Decodes `text` as its kind says and re-armours it: one encoding only.
fn round_trip(text: &str) -> String {
    match ArtifactKind::of(text).unwrap() {
        ArtifactKind::Token => {
            let mut buf = [0u8; entitle_verify::MAX_TOKEN_BYTES];
            Token::decode(text, &mut buf).unwrap();
            text.to_string() // the token decoder's own golden test re-encodes
        }
        ArtifactKind::Certificate => Signed::<Certificate>::decode(text).unwrap().text().into(),
        ArtifactKind::Renewal => Signed::<Renewal>::decode(text).unwrap().text().into(),
        ArtifactKind::RevocationList => Signed::<RevocationList>::decode(text)
            .unwrap()
            .text()
            .into(),
        ArtifactKind::Activation => Signed::<Activation>::decode(text).unwrap().text().into(),
        ArtifactKind::Receipt => Signed::<Receipt>::decode(text).unwrap().text().into(),
        ArtifactKind::Request => Request::from_text(text).unwrap().to_text().unwrap(),
        ArtifactKind::Lease => Signed::<entitle_lifecycle::Lease>::decode(text)
            .unwrap()
            .text()
            .into(),
    }
}

#[test]
fn every_golden_artifact_decodes_to_its_one_encoding() {
    let all = vectors("material.txt")
        + &vectors("activation.txt")
        + &vectors("activation-v2.txt")
        + &vectors("lease.txt")
        + &vectors("renewal-v2.txt");
    let mut kinds = Vec::new();
    for line in all.lines().filter(|l| !l.starts_with('#')) {
        assert_eq!(round_trip(line), line);
        kinds.push(ArtifactKind::of(line).unwrap());
    }
    for kind in ArtifactKind::ALL {
        assert!(kinds.contains(&kind), "no golden {kind:?}");
    }
    // The appliance key signed the receipt over the response it ends.
    let receipt = all.lines().find(|l| l.starts_with("entd1.")).unwrap();
    let ended = entitle_lifecycle::verify_receipt(&Signed::decode(receipt).unwrap()).unwrap();
    assert!(all.contains(ended.text()));
}

#[test]
fn the_golden_lease_still_checks_back_to_the_vendor_key() {
    let text = vectors("lease.txt");
    let mut lines = text.lines().filter(|l| !l.starts_with('#'));
    let (licence, lease) = (lines.next().unwrap(), lines.next().unwrap());
    let mut buf = [0u8; entitle_verify::MAX_TOKEN_BYTES];
    let token = Token::decode(licence, &mut buf).unwrap();
    let lease = Signed::<entitle_lifecycle::Lease>::decode(lease).unwrap();
    let at = 1_795_700_000; // 2026-11-26T13:33:20Z, within the lease
    let checked = entitle_lifecycle::verify_lease(&lease, &token, &[vendor_key()], at, 0).unwrap();
    assert_eq!(
        (checked.agent.as_str(), checked.pool.as_str()),
        ("alice", "gotoassist/corporate/FIRMA-1")
    );
    assert!(
        entitle_lifecycle::verify_lease(&lease, &token, &[vendor_key()], checked.not_after, 0)
            .is_err()
    );
}

/// Renewals in format 1 (material.txt) and 2 (renewal-v2.txt) both still
/// extend the token they were made for.
#[test]
fn golden_renewals_of_both_formats_still_extend_their_token() {
    let w = World::new();
    let material = format!("@{VECTORS}/material.txt");
    let v2 = format!("@{VECTORS}/renewal-v2.txt");
    let seats_at = |when: &str, extra: &[&str]| {
        let mut args = vec!["--now", when, &material];
        args.extend_from_slice(extra);
        let (_, json, _) = w.verify(&args);
        json["licenses"].as_array().map_or(0, |l| l.len())
    };
    // Format 1 (in the material) renews the base to 2029-01-01.
    assert_eq!(seats_at("2028-06-01", &[]), 1);
    assert_eq!(seats_at("2029-06-01", &[]), 0);
    // Format 2 renews it to 2030-01-01 (the latest issued wins).
    assert_eq!(seats_at("2029-06-01", &[&v2]), 1);
    let renewal = vectors("renewal-v2.txt");
    let line = renewal.lines().find(|l| !l.starts_with('#')).unwrap();
    assert_eq!(
        Signed::<Renewal>::decode(line)
            .unwrap()
            .unverified()
            .version,
        2
    );
}

/// Activations in format 1 (activation.txt) and 2 (activation-v2.txt,
/// bound to a seat store) both decode and verify under the vendor key;
/// only format 2 names a store.
#[test]
fn golden_activations_of_both_formats_still_verify() {
    for (file, store) in [
        ("activation.txt", None),
        (
            "activation-v2.txt",
            Some([
                0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
                0xee, 0xff,
            ]),
        ),
    ] {
        let text = vectors(file);
        let line = text.lines().find(|l| l.starts_with("enta1.")).unwrap();
        let activation = Signed::<Activation>::decode(line).unwrap();
        let body = activation.verify(&vendor_key()).unwrap();
        assert_eq!(body.store, store, "{file}");
        assert_eq!(body.version, if store.is_some() { 2 } else { 1 }, "{file}");
    }
}

#[test]
fn the_golden_signed_catalog_still_opens() {
    let catalog = open_signed_catalog(&vectors("catalog.signed"), &[vendor_key()]).unwrap();
    assert!(catalog.product("starface").is_some());
}

#[test]
fn the_golden_material_decides_as_it_did() {
    let w = World::new();
    let material = format!("@{VECTORS}/material.txt");
    let (code, json, err) = w.verify(&["--now", "2027-06-01", &material]);
    assert_eq!(code, 0, "{err}");
    let expected: Value = serde_json::from_str(&vectors("material.expected.json")).unwrap();
    // `members` (status, term, service per license) came after the vectors:
    // every stacked serial has one; the rest is compared as recorded.
    let mut licenses = json["licenses"].clone();
    for line in licenses.as_array_mut().unwrap() {
        let members = line.as_object_mut().unwrap().remove("members").unwrap();
        let serials: Vec<&Value> = members
            .as_array()
            .unwrap()
            .iter()
            .map(|m| &m["serial"])
            .collect();
        assert_eq!(
            serials,
            line["serials"]
                .as_array()
                .unwrap()
                .iter()
                .collect::<Vec<_>>()
        );
    }
    assert_eq!(licenses, expected["licenses"]);
    assert_eq!(json["supply"], expected["supply"]);
    let inputs: Vec<Value> = json["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            serde_json::json!({
                "kind": i["kind"],
                "verdict": i["verdict"],
                "reason": i.get("reason").cloned().unwrap_or(Value::Null),
            })
        })
        .collect();
    assert_eq!(Value::Array(inputs), expected["inputs"]);
}

#[test]
fn every_input_of_the_negative_corpus_is_refused_with_its_reason() {
    let w = World::new();
    let corpus = vectors("negative.jsonl");
    let mut count = 0;
    for line in corpus.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let (name, input, error) = (
            case["name"].as_str().unwrap(),
            case["input"].as_str().unwrap(),
            case["error"].as_str().unwrap(),
        );
        let (code, _, err) = w.verify(&["--now", "2027-06-01", input]);
        assert_eq!(code, 4, "{name}: {err}");
        assert!(err.contains(error), "{name}: expected {error:?}, got {err}");
        count += 1;
    }
    assert!(count >= 20, "the corpus shrank to {count}");
}

/// `inspect` decodes every artifact kind without trusting it and says what
/// it is: every golden artifact, the example tokens, certificates and
/// signed catalogs.
#[test]
fn inspect_says_what_every_artifact_is() {
    let w = World::new();
    let mut texts: Vec<String> = Vec::new();
    for file in [
        "material.txt",
        "activation.txt",
        "activation-v2.txt",
        "lease.txt",
        "renewal-v2.txt",
    ] {
        texts.extend(
            vectors(file)
                .lines()
                .filter(|l| !l.starts_with('#'))
                .map(str::to_string),
        );
    }
    for file in [
        "starface/tokens.txt",
        "partners/reseller.cert",
        "partners/distributor.cert",
    ] {
        let text = std::fs::read_to_string(format!("{EXAMPLE}/{file}")).unwrap();
        texts.extend(
            text.lines()
                .filter(|l| l.starts_with("ent"))
                .map(str::to_string),
        );
    }
    let mut kinds = std::collections::BTreeSet::new();
    for text in &texts {
        let (code, out, err) = w.run(&["inspect", "--json", text]);
        assert_eq!(code, 0, "{text}: {err}");
        let shown: Value = serde_json::from_str(&out).unwrap();
        let kind = ArtifactKind::of(text).unwrap();
        assert_eq!(shown["artifact"], kind.name(), "{out}");
        assert_eq!(shown["verified"], false);
        kinds.insert(kind.name());
    }
    assert_eq!(kinds.len(), ArtifactKind::ALL.len(), "{kinds:?}");
    for product in ["starface", "xphone", "pcvisit"] {
        let file = format!("@{EXAMPLE}/{product}/catalog.signed");
        let (code, out, err) = w.run(&["inspect", "--json", &file]);
        assert_eq!(code, 0, "{err}");
        let shown: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(shown["artifact"], "catalog");
        assert_eq!(shown["signer"], "3445b022");
        assert!(shown["products"].to_string().contains(product), "{out}");
    }
}
