//! Project Wycheproof Ed25519 vectors through the verifier's one signature
//! check: every "valid" case accepted, every "invalid" one refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use entitle_verify::PublicKey;
use serde_json::Value;

fn hex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd hex {text}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// What our verify path says of one vector: accepted or refused.
fn accepted(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    let Ok(public_key) = <[u8; 32]>::try_from(public_key) else {
        return false;
    };
    let Ok(signature) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    match PublicKey::from_bytes(&public_key) {
        Ok(key) => key.verify_signature(b"", message, &signature).is_ok(),
        Err(_) => false,
    }
}

#[test]
fn every_wycheproof_vector() {
    let json: Value =
        serde_json::from_str(include_str!("data/wycheproof_ed25519_test.json")).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for group in json["testGroups"].as_array().unwrap() {
        let public_key = hex(group["publicKey"]["pk"].as_str().unwrap());
        for case in group["tests"].as_array().unwrap() {
            let id = &case["tcId"];
            let ok = accepted(
                &public_key,
                &hex(case["msg"].as_str().unwrap()),
                &hex(case["sig"].as_str().unwrap()),
            );
            match case["result"].as_str().unwrap() {
                "valid" => {
                    assert!(ok, "valid vector {id} refused ({})", case["comment"]);
                    valid += 1;
                }
                "invalid" => {
                    assert!(!ok, "invalid vector {id} accepted ({})", case["comment"]);
                    invalid += 1;
                }
                other => panic!("vector {id}: unexpected result {other}"),
            }
        }
    }
    assert_eq!(
        valid + invalid,
        json["numberOfTests"].as_u64().unwrap() as usize
    );
    assert!(valid > 0 && invalid > 0);
}
