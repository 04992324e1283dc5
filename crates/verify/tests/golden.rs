//! Format 1 is a promise: these tokens were issued once and are kept
//! forever. Every later verifier must read them exactly as recorded here.
//! Never regenerate `data/golden-v1.jsonl`; add new files for new versions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use entitle_verify::{MAX_TOKEN_BYTES, PublicKey, Token, Utc, Verifier};
use serde_json::Value;

const VENDOR_KEY: [u8; 32] = include!("../../../keys-example/vendor.public.rs");

fn time(value: &Value) -> Option<String> {
    value.as_str().map(String::from)
}

#[test]
fn format_1_tokens_still_read_as_issued() {
    let keys = [PublicKey::from_bytes(&VENDOR_KEY).unwrap()];
    let verifier = Verifier::new(&keys);
    let mut count = 0;
    for line in include_str!("data/golden-v1.jsonl").lines() {
        let expected: Value = serde_json::from_str(line).unwrap();
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(expected["token"].as_str().unwrap(), &mut buf).unwrap();
        verifier.check_signature(&token).unwrap();
        let c = token.claims();
        assert_eq!(token.key_id().to_string(), expected["key_id"]);
        assert_eq!(token.serial().to_string(), expected["serial"]);
        assert_eq!(c.product, expected["product"]);
        assert_eq!(c.edition, expected["edition"]);
        assert_eq!(u64::from(c.seats), expected["seats"].as_u64().unwrap());
        assert_eq!(c.model.as_str(), expected["model"]);
        assert_eq!(c.cap.map(u64::from), expected["cap"].as_u64());
        assert_eq!(c.kind.as_str(), expected["kind"]);
        assert_eq!(c.tenant, expected["tenant"].as_str());
        let features: Vec<&str> = expected["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        assert_eq!(c.features.iter().collect::<Vec<_>>(), features);
        assert_eq!(
            Some(Utc(c.issued_at).to_string()),
            time(&expected["issued_at"])
        );
        assert_eq!(
            Some(Utc(c.not_before).to_string()),
            time(&expected["not_before"])
        );
        assert_eq!(
            c.expires_at.map(|t| Utc(t).to_string()),
            time(&expected["expires_at"])
        );
        assert_eq!(
            c.updates_until.map(|t| Utc(t).to_string()),
            time(&expected["updates_until"])
        );
        count += 1;
    }
    assert_eq!(count, 4);
}
