//! The token path end to end through the public API: tokens made by the
//! real issuer, decoded, verified and stacked by the verifier.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_issue::{Issuer, LicenseSpec, SigningKey};
use entitle_verify::{
    Error, ErrorKind, Field, KeyId, Kind, License, MAX_TOKEN_BYTES, PublicKey, SeatModel, Serial,
    Token, Verifier, pools,
};
use proptest::prelude::*;

const VENDOR_SECRET: &str = include_str!("../../../keys-example/vendor.secret.pem");
const VENDOR_KEY: [u8; 32] = include!("../../../keys-example/vendor.public.rs");
/// The STARFACE example as `keys-example/make-tokens.sh` made it on
/// 2026-11-23: format 1 tokens whose features are in the issuer's order
/// (before features were sorted). Frozen: never remake it; tokens in the
/// field look like these and must verify for ten years.
const EXAMPLE_TOKENS: &str = include_str!("data/starface-2026-11-23.txt");

const T0: u64 = 1_790_000_000; // 2026-09-21
const NOW: u64 = 1_800_000_000; // 2027-01-15
const LATER: u64 = 1_830_000_000; // 2027-12-28

fn vendor() -> Issuer {
    Issuer::new(SigningKey::from_pem(VENDOR_SECRET).unwrap())
}

fn vendor_keys() -> [PublicKey; 1] {
    [PublicKey::from_bytes(&VENDOR_KEY).unwrap()]
}

fn example_tokens() -> Vec<&'static str> {
    EXAMPLE_TOKENS
        .lines()
        .filter(|l| l.starts_with("ent1."))
        .collect()
}

/// A Compact-shaped token for the format's tests and size figures: 3 users,
/// cap 20, tenant, three features (to size a feature-carrying token;
/// STARFACE itself licenses none, docs/catalog.md), an expiry.
fn compact_spec() -> LicenseSpec {
    let mut spec = LicenseSpec::new("starface", "compact", 3);
    spec.cap = Some(20);
    spec.tenant = Some("FIRMA-000123".into());
    spec.features = vec!["office".into(), "voicemail".into(), "fax".into()];
    spec.issued_at = Some(T0);
    spec.expires_at = Some(LATER);
    spec
}

fn pack(seats: u32) -> LicenseSpec {
    let mut spec = LicenseSpec::new("starface", "compact", seats);
    spec.kind = Kind::Addon;
    spec.tenant = Some("FIRMA-000123".into());
    spec.issued_at = Some(T0);
    spec.expires_at = Some(LATER);
    spec
}

fn decode_err(text: &str) -> Error {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    Token::decode(text, &mut buf).unwrap_err()
}

fn verify_err(keys: &[PublicKey], text: &str, now: u64) -> Error {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    Verifier::new(keys)
        .verify_text(text, &mut buf, now)
        .unwrap_err()
}

fn raw_bytes(text: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(text.strip_prefix("ent1.").unwrap())
        .unwrap()
}

fn armor(bytes: &[u8]) -> String {
    format!("ent1.{}", URL_SAFE_NO_PAD.encode(bytes))
}

// ---- size -------------------------------------------------------------

#[test]
fn compact_example_fits_in_190_characters() {
    let token = vendor().issue(&compact_spec()).unwrap();
    assert!(token.text.len() <= 190, "{} characters", token.text.len());
}

#[test]
fn minimal_token_fits_in_150_characters() {
    let mut spec = LicenseSpec::new("starface", "compact", 3);
    spec.expires_at = Some(LATER);
    let token = vendor().issue(&spec).unwrap();
    assert!(token.text.len() <= 150, "{} characters", token.text.len());
}

// ---- verification -----------------------------------------------------

#[test]
fn a_fresh_token_verifies_with_all_its_claims() {
    let issued = vendor().issue(&compact_spec()).unwrap();
    let keys = vendor_keys();
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let license = Verifier::new(&keys)
        .verify_text(&issued.text, &mut buf, NOW)
        .unwrap();
    let c = license.claims();
    assert_eq!(
        (c.product, c.edition, c.seats, c.cap),
        ("starface", "compact", 3, Some(20))
    );
    assert_eq!((c.model, c.kind), (SeatModel::Named, Kind::Base));
    assert_eq!(c.tenant, Some("FIRMA-000123"));
    // Given as office, voicemail, fax: the token carries them in byte order.
    assert_eq!(
        c.features.iter().collect::<Vec<_>>(),
        ["fax", "office", "voicemail"]
    );
    assert!(c.features.contains("fax") && !c.features.contains("fa"));
    assert_eq!(
        (c.issued_at, c.not_before, c.expires_at),
        (T0, T0, Some(LATER))
    );
    assert_eq!(license.serial(), issued.serial);
    assert_eq!(license.key_id(), keys[0].id());
}

#[test]
fn validity_window_is_checked_against_the_callers_time() {
    let mut spec = compact_spec();
    spec.not_before = Some(NOW);
    let text = vendor().issue(&spec).unwrap().text;
    let keys = vendor_keys();
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let verifier = Verifier::new(&keys);
    assert_eq!(
        verify_err(&keys, &text, NOW - 1),
        Error::NotYetValid {
            now: NOW - 1,
            not_before: NOW
        }
    );
    assert!(verifier.verify_text(&text, &mut buf, NOW).is_ok());
    assert!(verifier.verify_text(&text, &mut buf, LATER - 1).is_ok());
    let expired = verify_err(&keys, &text, LATER);
    assert_eq!(
        expired,
        Error::Expired {
            now: LATER,
            expires_at: LATER
        }
    );
    assert_eq!(expired.kind(), ErrorKind::NotValidNow);
    assert_eq!(
        expired.to_string(),
        "expired at 2027-12-28T13:20:00Z, now is 2027-12-28T13:20:00Z"
    );
}

#[test]
fn a_perpetual_license_never_expires() {
    let mut spec = compact_spec();
    spec.expires_at = None;
    let text = vendor().issue(&spec).unwrap().text;
    let keys = vendor_keys();
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let license = Verifier::new(&keys)
        .verify_text(&text, &mut buf, u64::MAX)
        .unwrap();
    assert_eq!(license.claims().expires_at, None);
}

#[test]
fn updates_until_refuses_newer_builds() {
    let mut spec = compact_spec();
    spec.updates_until = Some(NOW);
    let text = vendor().issue(&spec).unwrap().text;
    let keys = vendor_keys();
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let license = Verifier::new(&keys)
        .verify_text(&text, &mut buf, NOW)
        .unwrap();
    assert_eq!(license.check_build(NOW), Ok(()));
    let error = license.check_build(NOW + 1).unwrap_err();
    assert_eq!(
        error,
        Error::NotEntitledToBuild {
            build_date: NOW + 1,
            updates_until: NOW
        }
    );
    assert!(
        error
            .to_string()
            .starts_with("not entitled to this version")
    );
}

#[test]
fn a_token_of_an_untrusted_key_is_unknown_key_not_bad_signature() {
    let stranger = Issuer::new(SigningKey::generate().unwrap());
    let text = stranger.issue(&compact_spec()).unwrap().text;
    assert_eq!(
        verify_err(&vendor_keys(), &text, NOW),
        Error::UnknownKey(stranger.key().key_id())
    );
}

#[test]
fn key_rotation_trusts_several_keys_chosen_by_key_id() {
    let old = vendor();
    let new = Issuer::new(SigningKey::generate().unwrap());
    let old_text = old.issue(&compact_spec()).unwrap().text;
    let new_text = new.issue(&compact_spec()).unwrap().text;
    let both = [new.key().public_key(), old.key().public_key()];
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    for text in [&old_text, &new_text] {
        let license = Verifier::new(&both)
            .verify_text(text, &mut buf, NOW)
            .unwrap();
        assert!(both.iter().any(|k| k.id() == license.key_id()));
    }
    let retired = [new.key().public_key()];
    assert_eq!(
        verify_err(&retired, &old_text, NOW),
        Error::UnknownKey(old.key().key_id())
    );
}

#[test]
fn key_ids_are_derived_from_the_key() {
    let key = vendor_keys()[0];
    assert_eq!(key.id(), KeyId::of(&VENDOR_KEY));
    assert_eq!(vendor().key().key_id(), key.id());
    assert_ne!(KeyId::of(&[1; 32]), KeyId::of(&[2; 32]));
}

#[test]
fn weak_and_invalid_public_keys_are_refused() {
    let identity = {
        let mut b = [0u8; 32];
        b[0] = 1;
        b
    };
    assert_eq!(PublicKey::from_bytes(&identity), Err(Error::InvalidKey));
    // y = 2^255 - 1 is p + 18: a point, but not in canonical form.
    let non_canonical = [0xff; 32];
    assert_eq!(
        PublicKey::from_bytes(&non_canonical),
        Err(Error::InvalidKey)
    );
    assert!(PublicKey::from_bytes(&VENDOR_KEY).is_ok());
}

// ---- tampering --------------------------------------------------------

#[test]
fn every_single_bit_flip_of_the_bytes_is_rejected() {
    let keys = vendor_keys();
    for text in example_tokens() {
        let bytes = raw_bytes(text);
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let error = verify_err(&keys, &armor(&flipped), NOW);
            assert_eq!(error.kind(), ErrorKind::Invalid, "bit {bit}: {error}");
        }
    }
}

#[test]
fn every_single_bit_flip_of_the_text_is_rejected() {
    let keys = vendor_keys();
    for text in example_tokens() {
        for bit in 0..text.len() * 8 {
            let mut flipped = text.as_bytes().to_vec();
            flipped[bit / 8] ^= 1 << (bit % 8);
            let Ok(flipped) = String::from_utf8(flipped) else {
                continue; // not text any more: cannot even be passed as &str
            };
            let error = verify_err(&keys, &flipped, NOW);
            assert_eq!(error.kind(), ErrorKind::Invalid, "bit {bit}: {error}");
        }
    }
}

#[test]
fn truncated_tokens_are_rejected() {
    let keys = vendor_keys();
    let text = example_tokens()[0];
    for len in 0..text.len() {
        assert!(verify_err(&keys, &text[..len], NOW).kind() == ErrorKind::Invalid);
    }
    let bytes = raw_bytes(text);
    for len in 0..bytes.len() {
        let parsed = Token::from_bytes(&bytes[..len]);
        assert!(
            parsed.is_err_and(|e| e.kind() == ErrorKind::Invalid)
                || parsed.is_ok_and(|t| Verifier::new(&keys).check_signature(&t).is_err())
        );
        assert_eq!(
            verify_err(&keys, &armor(&bytes[..len]), NOW).kind(),
            ErrorKind::Invalid
        );
    }
}

#[test]
fn a_signature_moved_to_another_token_is_bad_signature() {
    let a = raw_bytes(example_tokens()[1]);
    let b = raw_bytes(example_tokens()[2]);
    let mut swapped = a[..a.len() - 64].to_vec();
    swapped.extend_from_slice(&b[b.len() - 64..]);
    assert_eq!(
        verify_err(&vendor_keys(), &armor(&swapped), NOW),
        Error::BadSignature
    );
}

// ---- armour -----------------------------------------------------------

#[test]
fn pasted_tokens_are_read_forgivingly() {
    let text = example_tokens()[0];
    let (head, tail) = text.split_at(70);
    let keys = vendor_keys();
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    for pasted in [
        format!("  {text}\n"),
        format!("\"{text}\""),
        format!("'{text}'"),
        format!("\u{201e}{text}\u{201c}"),
        format!("\u{ab} {text} \u{bb}"),
        format!("{head}\r\n{tail}"),
        format!("{head}\n    {tail}\n"),
        format!("\"{head}\u{a0}{tail}\""),
    ] {
        let license = Verifier::new(&keys).verify_text(&pasted, &mut buf, NOW);
        assert!(license.is_ok(), "{pasted:?}: {license:?}");
    }
}

#[test]
fn other_prefixes_are_named_in_the_error() {
    let body = &example_tokens()[0][5..];
    assert_eq!(decode_err(body), Error::Prefix);
    assert_eq!(decode_err(&format!("ENT1.{body}")), Error::Prefix);
    assert_eq!(
        decode_err(&format!("ent2.{body}")),
        Error::UnsupportedArmor { version: 2 }
    );
    assert_eq!(decode_err(""), Error::Prefix);
    assert_eq!(decode_err("ent1."), Error::TooShort { len: 0 });
    let at = |offset, found| Error::Encoding { offset, found };
    assert_eq!(decode_err("ent1.a*b"), at(6, Some('*')));
    assert_eq!(decode_err("ent1.a\"b"), at(6, Some('"')));
    assert_eq!(decode_err("ent1.abc\u{e9}"), at(8, Some('\u{e9}')));
    assert_eq!(
        decode_err("ent1.a b*c"),
        at(7, Some('*')),
        "counted without the space"
    );
    assert_eq!(decode_err("ent1.abcde"), at(10, None), "cut short");
    assert!(
        decode_err("ent1.a*b")
            .to_string()
            .contains("stops making sense at character 7")
    );
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let long = format!("ent1.{}", "A".repeat(4 * MAX_TOKEN_BYTES));
    assert!(matches!(decode_err(&long), Error::TooLong { .. }));
    let long_wrapped = format!("ent1.{}", "AAAA\n".repeat(MAX_TOKEN_BYTES));
    assert!(matches!(decode_err(&long_wrapped), Error::TooLong { .. }));
    let text = example_tokens()[0];
    let mut small = [0u8; 32];
    assert!(matches!(
        Token::decode(text, &mut small),
        Err(Error::TooLong { .. })
    ));
}

// ---- strict parsing (checked before the signature) ----------------------

/// A body made by the issuer, changed by `edit`, with the original signature.
fn edited(edit: impl FnOnce(&mut Vec<u8>)) -> Result<(), Error> {
    let mut spec = compact_spec();
    spec.not_before = Some(T0 + 10);
    let mut bytes = raw_bytes(&vendor().issue(&spec).unwrap().text);
    let signature = bytes.split_off(bytes.len() - 64);
    edit(&mut bytes);
    bytes.extend_from_slice(&signature);
    Token::from_bytes(&bytes).map(|_| ())
}

#[test]
fn the_parser_refuses_what_the_format_forbids() {
    // Layout of this body: version 0, key id 1..5, serial 5..13, flags 13,
    // product 14 (len) 15..23, edition 23 (len) 24..31, seats 31, cap 32,
    // issued_at 33..37, not_before 37..41, expires_at 41..45, tenant 45...
    assert_eq!(edited(|_| ()), Ok(()));
    assert_eq!(edited(|b| b[0] = 2), Err(Error::UnsupportedVersion(2)));
    assert!(
        matches!(edited(|b| b[13] |= 0x80), Err(Error::UnknownFlags(_))),
        "the flags varint runs into the product length"
    );
    assert_eq!(
        edited(|b| {
            b[13] |= 0x80;
            b.insert(14, 0x01);
        }),
        Err(Error::UnknownFlags(0x80))
    );
    assert_eq!(
        edited(|b| {
            b[13] |= 0x80;
            b.insert(14, 0x00);
        }),
        Err(Error::Invalid(Field::Header)),
        "non-canonical varint"
    );
    assert_eq!(
        edited(|b| b[15] = b'S'),
        Err(Error::Invalid(Field::Product))
    );
    assert_eq!(
        edited(|b| b[15] = 0xff),
        Err(Error::Invalid(Field::Product))
    );
    assert_eq!(edited(|b| b[14] = 60), Err(Error::Invalid(Field::Product)));
    assert_eq!(
        edited(|b| b[14] = 120),
        Err(Error::Truncated(Field::Product))
    );
    assert_eq!(edited(|b| b[31] = 0), Err(Error::Invalid(Field::Seats)));
    assert_eq!(edited(|b| b[32] = 0), Err(Error::Invalid(Field::Cap)));
    assert_eq!(
        edited(|b| b[32] = 2),
        Err(Error::Invalid(Field::Cap)),
        "a cap below the token's own 3 seats"
    );
    assert_eq!(
        edited(|b| {
            let issued: [u8; 4] = b[33..37].try_into().unwrap();
            b[37..41].copy_from_slice(&issued);
        }),
        Err(Error::Invalid(Field::NotBefore)),
        "not_before equal to issued_at must be left out"
    );
    assert_eq!(
        edited(|b| {
            let not_before: [u8; 4] = b[37..41].try_into().unwrap();
            b[41..45].copy_from_slice(&not_before);
        }),
        Err(Error::Invalid(Field::ExpiresAt))
    );
    assert_eq!(edited(|b| b[46] = b' '), Err(Error::Invalid(Field::Tenant)));
    assert_eq!(
        edited(|b| b.push(b',')),
        Err(Error::Invalid(Field::Features))
    );
    assert_eq!(
        edited(|b| b.extend_from_slice(b",fax")),
        Err(Error::Invalid(Field::Features))
    );
    assert_eq!(
        edited(|b| b.extend_from_slice(b",Fax")),
        Err(Error::Invalid(Field::Features))
    );
    assert_eq!(
        edited(|b| b.truncate(40)),
        Err(Error::Truncated(Field::NotBefore))
    );
    assert_eq!(
        edited(|b| b.truncate(20)),
        Err(Error::Truncated(Field::Product))
    );
}

#[test]
fn every_error_message_is_one_human_line() {
    let errors = [
        Error::Prefix,
        Error::UnsupportedArmor { version: 2 },
        Error::Encoding {
            offset: 7,
            found: Some('*'),
        },
        Error::TooLong { len: 600, max: 512 },
        Error::TooShort { len: 3 },
        Error::UnsupportedVersion(9),
        Error::UnknownFlags(0x80),
        Error::Truncated(Field::Tenant),
        Error::Invalid(Field::Features),
        Error::InvalidKey,
        Error::UnknownKey(KeyId([0xde, 0xad, 0xbe, 0xef])),
        Error::BadSignature,
        Error::NotYetValid {
            now: T0,
            not_before: NOW,
        },
        Error::Expired {
            now: LATER,
            expires_at: NOW,
        },
        Error::NotEntitledToBuild {
            build_date: LATER,
            updates_until: NOW,
        },
        Error::AddonWithoutBase,
    ];
    for error in errors {
        let message = error.to_string();
        assert!(!message.is_empty() && !message.contains('\n'), "{error:?}");
        assert!(message.chars().next().unwrap().is_lowercase(), "{message}");
    }
    assert!(
        Error::UnknownKey(KeyId([0xde, 0xad, 0xbe, 0xef]))
            .to_string()
            .contains("deadbeef")
    );
}

// ---- stacking ---------------------------------------------------------

fn licenses<'a>(
    keys: &[PublicKey],
    texts: &[String],
    bufs: &'a mut [[u8; MAX_TOKEN_BYTES]],
) -> Vec<License<'a>> {
    texts
        .iter()
        .zip(bufs.iter_mut())
        .map(|(text, buf)| Verifier::new(keys).verify_text(text, buf, NOW).unwrap())
        .collect()
}

#[test]
fn compact_base_and_four_packs_give_20_of_23() {
    let keys = vendor_keys();
    let texts: Vec<String> = example_tokens().into_iter().map(String::from).collect();
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
    let licenses = licenses(&keys, &texts, &mut bufs);
    let all: Vec<_> = pools(&licenses).collect();
    assert_eq!(all.len(), 1);
    let pool = all[0];
    assert_eq!(pool.check(), Ok(()));
    assert_eq!(
        (pool.seats_bought(), pool.seats(), pool.seats_over_cap()),
        (23, 20, 3)
    );
    assert_eq!(pool.cap(), Some(20));
    assert_eq!(pool.members().count(), 5);
    assert_eq!(
        pool.features().collect::<Vec<_>>(),
        ["voicemail", "fax", "office"]
    );
}

#[test]
fn one_more_user_on_a_compact_gives_four() {
    let issuer = vendor();
    let texts = [
        issuer.issue(&compact_spec()).unwrap().text,
        issuer.issue(&pack(1)).unwrap().text,
    ];
    let keys = vendor_keys();
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; 2];
    let licenses = licenses(&keys, &texts, &mut bufs);
    let pool = pools(&licenses).next().unwrap();
    assert_eq!((pool.seats(), pool.seats_over_cap()), (4, 0));
}

/// Firmware reading a token it stored takes exactly `ent1.` + base64url:
/// the same token `decode` gives, and nothing a paste adds around or
/// inside it.
#[test]
fn decode_exact_takes_exactly_a_stored_token() {
    let text = vendor().issue(&compact_spec()).unwrap().text;
    let (mut a, mut b) = ([0u8; MAX_TOKEN_BYTES], [0u8; MAX_TOKEN_BYTES]);
    assert_eq!(
        Token::decode_exact(&text, &mut a).unwrap(),
        Token::decode(&text, &mut b).unwrap()
    );
    let (head, tail) = text.split_at(20);
    for pasted in [
        format!(" {text}"),
        format!("{text}\n"),
        format!("\u{201e}{text}\u{201c}"),
        format!("\u{feff}{text}"),
        format!("{head}\n{tail}"),
        format!("{head}\u{200b}{tail}"),
    ] {
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        assert!(Token::decode(&pasted, &mut buf).is_ok(), "{pasted:?}");
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let refused = Token::decode_exact(&pasted, &mut buf).unwrap_err();
        assert!(
            matches!(refused, Error::Prefix | Error::Encoding { .. }),
            "{pasted:?}: {refused:?}"
        );
    }
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    assert_eq!(
        Token::decode_exact("ent2.AAAA", &mut buf).unwrap_err(),
        Error::UnsupportedArmor { version: 2 }
    );
}

#[test]
fn the_same_serial_twice_counts_once() {
    let issuer = vendor();
    let base = issuer.issue(&compact_spec()).unwrap().text;
    let pack = issuer.issue(&pack(5)).unwrap().text;
    let texts = [
        base.clone(),
        pack.clone(),
        pack.clone(),
        format!(" \"{pack}\" "),
    ];
    let keys = vendor_keys();
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
    let licenses = licenses(&keys, &texts, &mut bufs);
    let pool = pools(&licenses).next().unwrap();
    assert_eq!((pool.seats_bought(), pool.seats()), (8, 8));
    assert_eq!(pool.members().count(), 2);
    assert!(licenses.iter().all(|l| pool.contains(l)));
}

#[test]
fn addons_without_a_base_count_for_nothing() {
    let issuer = vendor();
    let texts = [
        issuer.issue(&pack(5)).unwrap().text,
        issuer.issue(&pack(5)).unwrap().text,
    ];
    let keys = vendor_keys();
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; 2];
    let licenses = licenses(&keys, &texts, &mut bufs);
    let pool = pools(&licenses).next().unwrap();
    assert_eq!(pool.check(), Err(Error::AddonWithoutBase));
    assert_eq!(pool.check().unwrap_err().kind(), ErrorKind::Incomplete);
    assert_eq!(
        (pool.seats_bought(), pool.seats(), pool.seats_over_cap()),
        (10, 0, 0)
    );
}

#[test]
fn pools_are_kept_apart_by_tenant_edition_and_model() {
    let issuer = vendor();
    let mut other_tenant = compact_spec();
    other_tenant.tenant = Some("FIRMA-000999".into());
    let mut other_edition = compact_spec();
    other_edition.edition = "advanced".into();
    other_edition.cap = None;
    let mut concurrent = compact_spec();
    concurrent.model = SeatModel::Concurrent;
    let texts: Vec<String> = [
        compact_spec(),
        other_tenant,
        other_edition,
        concurrent,
        pack(5),
    ]
    .iter()
    .map(|s| issuer.issue(s).unwrap().text)
    .collect();
    let keys = vendor_keys();
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
    let licenses = licenses(&keys, &texts, &mut bufs);
    let seats: Vec<_> = pools(&licenses)
        .map(|p| (p.tenant(), p.edition(), p.model(), p.seats()))
        .collect();
    assert_eq!(
        seats,
        [
            (Some("FIRMA-000123"), "compact", SeatModel::Named, 8),
            (Some("FIRMA-000999"), "compact", SeatModel::Named, 3),
            (Some("FIRMA-000123"), "advanced", SeatModel::Named, 3),
            (Some("FIRMA-000123"), "compact", SeatModel::Concurrent, 3),
        ]
    );
}

#[test]
fn the_pool_expires_with_its_first_member() {
    let issuer = vendor();
    let mut short_pack = pack(5);
    short_pack.expires_at = Some(NOW + 100);
    short_pack.updates_until = Some(NOW + 50);
    let texts = [
        issuer.issue(&compact_spec()).unwrap().text,
        issuer.issue(&short_pack).unwrap().text,
    ];
    let keys = vendor_keys();
    let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; 2];
    let licenses = licenses(&keys, &texts, &mut bufs);
    let pool = pools(&licenses).next().unwrap();
    assert_eq!(
        (pool.expires_at(), pool.updates_until()),
        (Some(NOW + 100), Some(NOW + 50))
    );
}

// ---- properties -------------------------------------------------------

fn name() -> impl Strategy<Value = String> {
    "[a-z0-9][a-z0-9._-]{0,31}"
}

prop_compose! {
    fn spec()(
        product in name(),
        edition in name(),
        seats in 1u32..=u32::MAX,
        concurrent: bool,
        addon: bool,
        cap_extra in proptest::option::of(0u32..1000),
        issued_at in 0u64..=u64::from(u32::MAX) - 2,
        not_before_offset in proptest::option::of(0u64..1_000_000),
        validity in proptest::option::of(1u64..100_000_000),
        updates_until in proptest::option::of(0u64..=u64::from(u32::MAX)),
        tenant in proptest::option::of("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}"),
        features in proptest::collection::btree_set(name(), 0..8),
    ) -> LicenseSpec {
        let mut spec = LicenseSpec::new(product, edition, seats);
        spec.model = if concurrent { SeatModel::Concurrent } else { SeatModel::Named };
        spec.kind = if addon { Kind::Addon } else { Kind::Base };
        spec.cap = cap_extra.map(|extra| seats.saturating_add(extra));
        spec.issued_at = Some(issued_at);
        let not_before = not_before_offset.map(|o| (issued_at + o).min(u64::from(u32::MAX) - 1));
        spec.not_before = not_before;
        let start = not_before.unwrap_or(issued_at);
        spec.expires_at = validity.map(|v| (start + v).min(u64::from(u32::MAX)));
        spec.updates_until = updates_until;
        spec.tenant = tenant;
        spec.features = features.into_iter().collect();
        spec
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(64) })]

    #[test]
    fn issued_claims_read_back_unchanged(spec in spec()) {
        let issued = vendor().issue(&spec).unwrap();
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(&issued.text, &mut buf).unwrap();
        let c = token.claims();
        prop_assert_eq!(c.product, spec.product.as_str());
        prop_assert_eq!(c.edition, spec.edition.as_str());
        prop_assert_eq!((c.seats, c.cap, c.model, c.kind), (spec.seats, spec.cap, spec.model, spec.kind));
        prop_assert_eq!(Some(c.issued_at), spec.issued_at);
        prop_assert_eq!(c.not_before, spec.not_before.unwrap_or(c.issued_at));
        prop_assert_eq!((c.expires_at, c.updates_until), (spec.expires_at, spec.updates_until));
        prop_assert_eq!(c.tenant, spec.tenant.as_deref());
        prop_assert!(c.features.iter().eq(spec.features.iter().map(String::as_str)));
        prop_assert_eq!(token.serial(), issued.serial);
        let keys = vendor_keys();
        prop_assert_eq!(Verifier::new(&keys).check_signature(&token), Ok(()));
    }

    #[test]
    fn stacking_never_exceeds_the_cap(
        tokens in proptest::collection::vec((any::<bool>(), 1u32..50, proptest::option::of(1u32..60), 0usize..3), 1..12),
    ) {
        // (is base, seats, cap, serial choice) — serial choice repeats serials.
        let issuer = vendor();
        let texts: Vec<String> = tokens
            .iter()
            .enumerate()
            .map(|(i, &(base, seats, cap, serial))| {
                let mut spec = if base { compact_spec() } else { pack(seats) };
                spec.seats = seats;
                spec.cap = cap.map(|c| c.max(seats));
                let serial = Serial([0, 0, 0, 0, 0, 0, 0, if serial == 0 { i as u8 + 10 } else { serial as u8 }]);
                issuer.issue_with_serial(&spec, serial).unwrap().text
            })
            .collect();
        let keys = vendor_keys();
        let mut bufs = vec![[0u8; MAX_TOKEN_BYTES]; texts.len()];
        let licenses = licenses(&keys, &texts, &mut bufs);
        for pool in pools(&licenses) {
            let bought = pool.seats_bought();
            if let Some(cap) = pool.cap() {
                prop_assert!(pool.seats() <= u64::from(cap));
            }
            prop_assert!(pool.seats() <= bought);
            if pool.has_base() {
                prop_assert_eq!(pool.seats() + pool.seats_over_cap(), bought);
            } else {
                prop_assert_eq!(pool.seats(), 0);
            }
            let mut serials: Vec<_> = pool.members().map(|l| l.serial()).collect();
            let n = serials.len();
            serials.dedup();
            serials.sort();
            serials.dedup();
            prop_assert_eq!(serials.len(), n, "a serial counted twice");
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Token::from_bytes(&bytes);
        let keys = vendor_keys();
        let _ = verify_err_or_ok(&keys, &armor(&bytes));
    }

    /// `decode_exact` is never more lenient than `decode`: what it takes,
    /// `decode` takes the same way. A real token, with a character put in
    /// somewhere or not.
    #[test]
    fn decode_exact_takes_nothing_decode_refuses(
        seats in 1u32..1000,
        insert in proptest::option::of((any::<prop::sample::Index>(), proptest::char::any())),
    ) {
        let mut spec = compact_spec();
        spec.seats = seats;
        spec.cap = None;
        let mut text = vendor().issue(&spec).unwrap().text;
        if let Some((at, c)) = insert {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert(at, c);
        }
        let mut exact = [0u8; MAX_TOKEN_BYTES];
        if let Ok(token) = Token::decode_exact(&text, &mut exact) {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            prop_assert_eq!(Token::decode(&text, &mut buf), Ok(token));
        } else {
            prop_assert!(insert.is_some(), "an untouched token is taken");
        }
    }

    #[test]
    fn random_text_never_panics(text in ".{0,400}") {
        let keys = vendor_keys();
        let _ = verify_err_or_ok(&keys, &text);
        let _ = verify_err_or_ok(&keys, &format!("ent1.{text}"));
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let _ = Token::decode_exact(&text, &mut buf);
        let _ = Token::decode_exact(&format!("ent1.{text}"), &mut buf);
    }
}

fn verify_err_or_ok(keys: &[PublicKey], text: &str) -> Result<(), Error> {
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    Verifier::new(keys)
        .verify_text(text, &mut buf, NOW)
        .map(|_| ())
}

#[test]
fn signature_contexts_are_distinct_and_prefix_free() {
    use entitle_verify::format::ALL_CONTEXTS;
    for (i, a) in ALL_CONTEXTS.iter().enumerate() {
        assert!(a.len() <= entitle_verify::MAX_CONTEXT_LEN);
        assert_eq!(a.last(), Some(&0), "NUL-terminated");
        for (j, b) in ALL_CONTEXTS.iter().enumerate() {
            if i != j {
                assert!(!b.starts_with(a), "{:?} is a prefix of {:?}", a, b);
            }
        }
    }
}

#[test]
fn features_given_in_any_order_are_issued_in_one_encoding() {
    let mut a = compact_spec();
    a.features = vec!["voicemail".into(), "fax".into(), "office".into()];
    let mut b = compact_spec();
    b.features = vec!["office".into(), "fax".into(), "voicemail".into()];
    let (ta, tb) = (vendor().issue(&a).unwrap(), vendor().issue(&b).unwrap());
    // The bodies differ only in the serial (bytes 5..13).
    let (mut ba, mut bb) = (raw_bytes(&ta.text), raw_bytes(&tb.text));
    let body = ba.len() - 64;
    assert_eq!(body, bb.len() - 64);
    ba[5..13].fill(0);
    bb[5..13].fill(0);
    assert_eq!(ba[..body], bb[..body]);
    // Format 1 tokens issued before, in the issuer's order, still verify.
    let legacy = example_tokens()[0];
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let license = Verifier::new(&vendor_keys())
        .verify_text(legacy, &mut buf, 1_800_000_000)
        .unwrap();
    let features: Vec<&str> = license.claims().features.iter().collect();
    assert_eq!(features, ["voicemail", "fax", "office"]);
}
