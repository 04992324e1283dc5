//! The fuzz targets of entitle, as plain functions of bytes.
//!
//! `fuzz/` (cargo-fuzz, nightly) calls each on what libFuzzer makes up;
//! `tests/replay.rs` (stable, `cargo test`) calls each on every file of
//! `fuzz/corpus/<target>/` and `fuzz/regressions/<target>/`. A target
//! panics (the fuzzer's "crash") only when a property breaks: a reader
//! panicking, an accepted input that does not read back the same after
//! re-encoding, two readers disagreeing about what a paste is.
//! docs/fuzzing.md says how to run a campaign.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
// A fuzz target reports a broken property by panicking.
#![allow(clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_allocate::{Catalog, Setup, open_signed_catalog, parse_users};
use entitle_lifecycle::{
    Activation, Artifact, Certificate, Receipt, Renewal, Request, RevocationList, Signed,
};
use entitle_verify::{ArtifactKind, MAX_TOKEN_BYTES, PublicKey, Token, unwrap_paste};

/// A fuzz target: a function of bytes that panics when a property breaks.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus folder.
pub const TARGETS: [(&str, Target); 6] = [
    ("token", token),
    ("artifact", artifact),
    ("paste", paste),
    ("catalog", catalog),
    ("users", users),
    ("keys", keys),
];

/// Token text and binary tokens: a token that decodes re-armours to text
/// that decodes to the same token.
pub fn token(data: &[u8]) {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(token) = Token::decode(text, &mut buf) {
            round_trip_token(&token);
        }
    }
    if let Ok(token) = Token::from_bytes(data) {
        round_trip_token(&token);
    }
}

fn round_trip_token(token: &Token<'_>) {
    let mut bytes = token.body().to_vec();
    bytes.extend_from_slice(token.signature());
    let text = format!("ent1.{}", URL_SAFE_NO_PAD.encode(&bytes));
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let Ok(again) = Token::decode(&text, &mut buf) else {
        panic!("a re-armoured token does not decode");
    };
    assert_eq!(again.claims(), token.claims(), "claims read back differ");
    assert_eq!(again.serial(), token.serial());
}

/// Life-cycle artifacts: the first byte picks the kind, the rest is its
/// text. One that decodes has one encoding: its text decodes to the same.
pub fn artifact(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match kind % 6 {
        0 => round_trip::<Certificate>(text),
        1 => round_trip::<Renewal>(text),
        2 => round_trip::<RevocationList>(text),
        3 => round_trip::<Activation>(text),
        4 => round_trip::<Receipt>(text),
        _ => {
            if let Ok(request) = Request::from_text(text) {
                let again = request.to_text().and_then(|t| Request::from_text(&t));
                assert_eq!(
                    again.ok(),
                    Some(request),
                    "an activation request read back differs"
                );
            }
        }
    }
}

fn round_trip<T: Artifact + PartialEq + std::fmt::Debug>(text: &str) {
    if let Ok(signed) = Signed::<T>::decode(text) {
        let again = Signed::<T>::decode(signed.text()).ok();
        assert_eq!(again, Some(signed), "{} read back differs", T::NAME);
    }
}

/// A pasted text: what the paste reader says it is, and what each reader
/// accepts, agree. At most one reader accepts it, and only the one of the
/// kind its prefix names.
pub fn paste(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let kind = ArtifactKind::of(text);
    assert_eq!(
        kind,
        ArtifactKind::of(unwrap_paste(text)),
        "unwrapping twice changes the kind"
    );
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let accepted = [
        (ArtifactKind::Token, Token::decode(text, &mut buf).is_ok()),
        (
            ArtifactKind::Certificate,
            Signed::<Certificate>::decode(text).is_ok(),
        ),
        (
            ArtifactKind::Renewal,
            Signed::<Renewal>::decode(text).is_ok(),
        ),
        (
            ArtifactKind::RevocationList,
            Signed::<RevocationList>::decode(text).is_ok(),
        ),
        (
            ArtifactKind::Activation,
            Signed::<Activation>::decode(text).is_ok(),
        ),
        (
            ArtifactKind::Receipt,
            Signed::<Receipt>::decode(text).is_ok(),
        ),
        (ArtifactKind::Request, Request::from_text(text).is_ok()),
        (
            ArtifactKind::Lease,
            Signed::<entitle_lifecycle::Lease>::decode(text).is_ok(),
        ),
    ];
    for (reader, ok) in accepted {
        if ok {
            assert_eq!(
                Some(reader),
                kind,
                "the {reader:?} reader took a text the paste reader calls {kind:?}"
            );
        }
    }
    // Every artifact found in a line is a slice of it, at the offset it
    // names, and reads back as itself.
    for line in text.lines() {
        for (offset, artifact) in entitle_verify::artifacts(line).flatten() {
            let at: String = line
                .chars()
                .skip(offset)
                .take(artifact.chars().count())
                .collect();
            assert_eq!(at, artifact, "the offset names another place");
            assert!(artifact.starts_with("ent"), "{artifact:?} has no prefix");
            let again: Vec<_> = entitle_verify::artifacts(artifact).collect();
            assert_eq!(
                again,
                [Ok((0, artifact))],
                "{artifact:?} does not read as itself"
            );
        }
    }
}

/// Catalog TOML, plain and signed, and an installation's setup.toml
/// against the XPhone example catalog: no panic, and parsing is a function
/// of the text.
pub fn catalog(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let first = Catalog::parse(text);
    if let Ok(parsed) = &first {
        assert_eq!(Catalog::parse(text).ok().as_ref(), Some(parsed));
    }
    if let Ok(key) = example_key() {
        let _ = open_signed_catalog(text, &[key]);
    }
    if let Ok(xphone) = Catalog::parse(include_str!("../../../keys-example/xphone/catalog.toml")) {
        let first = Setup::parse(text, &xphone);
        if let Ok(parsed) = &first {
            assert_eq!(Setup::parse(text, &xphone).ok().as_ref(), Some(parsed));
        }
    }
}

/// users.csv: no panic; what parses writes back as CSV that parses to the
/// same users.
pub fn users(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(users) = parse_users(text) else {
        return;
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut rows = vec![entitle_allocate::COLUMNS.map(str::to_string)];
    for u in &users {
        let licenses = u.licenses.join(";");
        rows.push([&u.id, &u.site, &u.group, &u.team, &u.role, &licenses].map(|f| f.to_string()));
    }
    let written = rows
        .iter()
        .try_for_each(|row| writer.write_record(row))
        .ok()
        .and_then(|()| writer.into_inner().ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(written) = written else {
        panic!("users cannot be written back as CSV");
    };
    let Ok(again) = parse_users(&written) else {
        panic!("users written back as CSV do not parse: {written:?}");
    };
    let strip = |users: &[entitle_allocate::User]| -> Vec<[String; 6]> {
        users
            .iter()
            .map(|u| {
                [
                    u.id.clone(),
                    u.site.clone(),
                    u.group.clone(),
                    u.team.clone(),
                    u.role.clone(),
                    u.licenses.join(";"),
                ]
            })
            .collect()
    };
    assert_eq!(strip(&again), strip(&users), "users read back differ");
}

/// PEM key files: no panic; a secret key that reads writes back as PEM
/// that reads to the same key.
pub fn keys(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = entitle_issue::SigningKey::from_pem(text) {
        let again = key
            .to_pem()
            .and_then(|pem| entitle_issue::SigningKey::from_pem(&pem))
            .map(|k| k.public_key());
        assert_eq!(
            again.ok(),
            Some(key.public_key()),
            "a secret key read back differs"
        );
    }
    if let Ok(public) = entitle_issue::public_key_from_pem(text) {
        let again = entitle_issue::public_key_to_pem(&public)
            .and_then(|pem| entitle_issue::public_key_from_pem(&pem));
        assert_eq!(again.ok(), Some(public), "a public key read back differs");
    }
}

fn example_key() -> Result<PublicKey, entitle_verify::Error> {
    PublicKey::from_bytes(&include!("../../../keys-example/vendor.public.rs"))
}
