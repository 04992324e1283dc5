//! The C ABI from the caller's side: null pointers and short buffers are
//! refused with their status, never followed; every status code is
//! reachable and named by `entitle_strerror`.

#![allow(unsafe_code)] // calling the C ABI, as C does
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail by panicking

use std::ffi::CStr;
use std::ptr::{null, null_mut};

use entitle_ffi::*;
use entitle_issue::{Issuer, LicenseSpec, SigningKey};

const NOW: u64 = 1_800_000_000;

fn vendor() -> Issuer {
    Issuer::new(
        SigningKey::from_pem(include_str!("../../../keys-example/vendor.secret.pem")).unwrap(),
    )
}

fn key() -> [u8; 32] {
    vendor().key().public_key().to_bytes()
}

fn token(edit: impl FnOnce(&mut LicenseSpec)) -> String {
    let mut spec = LicenseSpec::new("starface", "compact", 3);
    spec.features = vec!["fax".into(), "voicemail".into()];
    spec.issued_at = Some(NOW - 100);
    spec.expires_at = Some(NOW + 100);
    edit(&mut spec);
    vendor().issue(&spec).unwrap().text
}

/// `entitle_verify` of `text` with the vendor key: the status and license.
fn verify(text: &[u8], key: &[u8; 32], buf: &mut [u8]) -> (i32, EntitleLicense) {
    let mut out = std::mem::MaybeUninit::<EntitleLicense>::zeroed();
    // SAFETY: every pointer is valid for the length given.
    let status = unsafe {
        entitle_verify(
            text.as_ptr(),
            text.len(),
            key.as_ptr(),
            1,
            NOW,
            buf.as_mut_ptr(),
            buf.len(),
            out.as_mut_ptr(),
        )
    };
    // SAFETY: zeroed is a valid EntitleLicense (null pointers, zeros).
    (status, unsafe { out.assume_init() })
}

fn status_of(text: &str) -> i32 {
    let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
    verify(text.as_bytes(), &key(), &mut buf).0
}

fn text(s: EntitleStr) -> String {
    // SAFETY: the string points into the live buffer of the test.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len) };
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn a_token_verifies_and_reads_field_by_field() {
    let text_ = token(|_| {});
    let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
    let (status, license) = verify(text_.as_bytes(), &key(), &mut buf);
    assert_eq!(status, EntitleStatus::Ok as i32);
    assert_eq!(text(license.product), "starface");
    assert_eq!(text(license.edition), "compact");
    assert!(license.tenant.ptr.is_null() && license.tenant.len == 0);
    assert_eq!(
        (license.seats, license.has_expires_at, license.expires_at),
        (3, 1, NOW + 100)
    );
    // SAFETY: `license` was filled above, its buffer is alive.
    assert_eq!(unsafe { entitle_feature_count(&license) }, 2);
    let mut feature = EntitleStr {
        ptr: null(),
        len: 0,
    };
    for (i, name) in ["fax", "voicemail"].iter().enumerate() {
        // SAFETY: as above.
        assert_eq!(unsafe { entitle_feature(&license, i, &mut feature) }, 0);
        assert_eq!(text(feature), *name);
    }
    // SAFETY: as above.
    assert_eq!(
        unsafe { entitle_feature(&license, 2, &mut feature) },
        EntitleStatus::OutOfRange as i32
    );
}

#[test]
fn null_pointers_and_short_buffers_are_refused() {
    let t = token(|_| {});
    let k = key();
    let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
    let mut out = std::mem::MaybeUninit::<EntitleLicense>::zeroed();
    let null_status = EntitleStatus::NullPointer as i32;
    // SAFETY: the null arguments are what is tested; the others are valid.
    unsafe {
        assert_eq!(
            entitle_verify(
                null(),
                3,
                k.as_ptr(),
                1,
                NOW,
                buf.as_mut_ptr(),
                buf.len(),
                out.as_mut_ptr()
            ),
            null_status
        );
        assert_eq!(
            entitle_verify(
                t.as_ptr(),
                t.len(),
                null(),
                1,
                NOW,
                buf.as_mut_ptr(),
                buf.len(),
                out.as_mut_ptr()
            ),
            null_status
        );
        assert_eq!(
            entitle_verify(
                t.as_ptr(),
                t.len(),
                k.as_ptr(),
                1,
                NOW,
                null_mut(),
                buf.len(),
                out.as_mut_ptr()
            ),
            null_status
        );
        assert_eq!(
            entitle_verify(
                t.as_ptr(),
                t.len(),
                k.as_ptr(),
                1,
                NOW,
                buf.as_mut_ptr(),
                buf.len(),
                null_mut()
            ),
            null_status
        );
        assert_eq!(entitle_feature_count(null()), 0);
        assert_eq!(entitle_check_build(null(), 0), null_status);
        // A decode buffer shorter than a token can be.
        assert_eq!(
            entitle_verify(
                t.as_ptr(),
                t.len(),
                k.as_ptr(),
                1,
                NOW,
                buf.as_mut_ptr(),
                100,
                out.as_mut_ptr()
            ),
            EntitleStatus::BufferTooSmall as i32
        );
    }
    // Pools: too few slots gives the number needed.
    let (base, other) = (token(|_| {}), token(|s| s.edition = "appliance".into()));
    let texts = [base.as_ptr(), other.as_ptr()];
    let lens = [base.len(), other.len()];
    let mut bufs = vec![0u8; 2 * ENTITLE_MAX_TOKEN_BYTES];
    let mut statuses = [0i32; 2];
    let mut pools = [std::mem::MaybeUninit::<EntitlePool>::zeroed(); 1];
    let mut needed = 0usize;
    // SAFETY: every pointer is valid for the count and length given.
    let status = unsafe {
        entitle_stack(
            texts.as_ptr(),
            lens.as_ptr(),
            2,
            k.as_ptr(),
            1,
            NOW,
            bufs.as_mut_ptr(),
            statuses.as_mut_ptr(),
            pools.as_mut_ptr().cast(),
            1,
            &mut needed,
        )
    };
    assert_eq!((status, needed), (EntitleStatus::BufferTooSmall as i32, 2));
    // SAFETY: null `pools_len` is what is tested.
    let status = unsafe {
        entitle_stack(
            texts.as_ptr(),
            lens.as_ptr(),
            2,
            k.as_ptr(),
            1,
            NOW,
            bufs.as_mut_ptr(),
            statuses.as_mut_ptr(),
            pools.as_mut_ptr().cast(),
            1,
            null_mut(),
        )
    };
    assert_eq!(status, null_status);
}

#[test]
fn every_status_code_is_reachable_and_named() {
    use EntitleStatus as S;
    let good = token(|_| {});
    let mut flipped = good.clone().into_bytes();
    let at = flipped.len() - 3;
    flipped[at] = if flipped[at] == b'A' { b'B' } else { b'A' };
    let cases: Vec<(S, i32)> = vec![
        (S::Ok, status_of(&good)),
        (S::Prefix, status_of("hello")),
        (S::UnsupportedFormat, status_of("ent2.AAAA")),
        (S::Encoding, status_of("ent1.a*b")),
        (S::TooLong, status_of(&format!("ent1.{}", "A".repeat(1000)))),
        (S::TooShort, status_of("ent1.AAAA")),
        (
            S::BadSignature,
            status_of(std::str::from_utf8(&flipped).unwrap()),
        ),
        (
            S::NotYetValid,
            status_of(&token(|s| s.not_before = Some(NOW + 50))),
        ),
        (
            S::Expired,
            status_of(&token(|s| s.expires_at = Some(NOW - 50))),
        ),
        (S::NotUtf8, {
            let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
            verify(&[0xff, 0xfe], &key(), &mut buf).0
        }),
        (S::InvalidKey, {
            let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
            verify(good.as_bytes(), &[0; 32], &mut buf).0
        }),
        (S::UnknownKey, {
            let other = SigningKey::generate().unwrap().public_key().to_bytes();
            let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
            verify(good.as_bytes(), &other, &mut buf).0
        }),
        (S::TooMany, {
            let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
            let mut out = std::mem::MaybeUninit::<EntitleLicense>::zeroed();
            let k = key();
            // SAFETY: valid pointers; a key count of 0 is what is tested.
            unsafe {
                entitle_verify(
                    good.as_ptr(),
                    good.len(),
                    k.as_ptr(),
                    0,
                    NOW,
                    buf.as_mut_ptr(),
                    buf.len(),
                    out.as_mut_ptr(),
                )
            }
        }),
        (S::NotEntitledToBuild, {
            let t = token(|s| s.updates_until = Some(NOW - 10));
            let mut buf = [0u8; ENTITLE_MAX_TOKEN_BYTES];
            let (status, license) = verify(t.as_bytes(), &key(), &mut buf);
            assert_eq!(status, 0);
            // SAFETY: `license` was filled above.
            unsafe { entitle_check_build(&license, NOW) }
        }),
        (S::AddonWithoutBase, {
            let pack = token(|s| s.kind = entitle_verify::Kind::Addon);
            let (texts, lens) = ([pack.as_ptr()], [pack.len()]);
            let mut bufs = vec![0u8; ENTITLE_MAX_TOKEN_BYTES];
            let mut statuses = [0i32; 1];
            let mut pools = [std::mem::MaybeUninit::<EntitlePool>::zeroed(); 1];
            let mut n = 0usize;
            let k = key();
            // SAFETY: every pointer is valid for the count and length given.
            let status = unsafe {
                entitle_stack(
                    texts.as_ptr(),
                    lens.as_ptr(),
                    1,
                    k.as_ptr(),
                    1,
                    NOW,
                    bufs.as_mut_ptr(),
                    statuses.as_mut_ptr(),
                    pools.as_mut_ptr().cast(),
                    1,
                    &mut n,
                )
            };
            assert_eq!(status, 0);
            statuses[0]
        }),
    ];
    for (expected, got) in &cases {
        assert_eq!(*got, *expected as i32, "{expected:?}");
    }
    // The binary-format codes come from bytes an issuer never writes: the
    // verifier's own tests reach them (crates/verify/tests/tokens.rs); the
    // mapping of each is checked here.
    for (error, status) in [
        (
            entitle_verify::Error::UnsupportedVersion(2),
            S::UnsupportedVersion,
        ),
        (entitle_verify::Error::UnknownFlags(0x80), S::UnknownFlags),
        (
            entitle_verify::Error::Truncated(entitle_verify::Field::Product),
            S::Truncated,
        ),
        (
            entitle_verify::Error::Invalid(entitle_verify::Field::Cap),
            S::InvalidField,
        ),
    ] {
        assert_eq!(EntitleStatus::from(error), status);
    }
    for code in [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 100, 101, 102, 103, 104,
    ] {
        // SAFETY: entitle_strerror returns a static NUL-terminated string.
        let text = unsafe { CStr::from_ptr(entitle_strerror(code).cast()) };
        let text = text.to_str().unwrap();
        assert!(!text.is_empty() && text != "unknown error", "{code}");
    }
    // SAFETY: as above.
    let unknown = unsafe { CStr::from_ptr(entitle_strerror(42).cast()) };
    assert_eq!(unknown.to_str().unwrap(), "unknown error");
}

/// `entitle_verify_json` with `args`: the status and the JSON.
fn verify_json(args: &[&CStr]) -> (i32, String) {
    let argv: Vec<*const std::ffi::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    let mut json: *mut std::ffi::c_char = null_mut();
    // SAFETY: argv holds args.len() NUL-terminated strings; json is writable.
    let status = unsafe { entitle_verify_json(argv.as_ptr(), argv.len(), &mut json) };
    assert!(!json.is_null());
    // SAFETY: json came from entitle_verify_json, NUL-terminated.
    let text = unsafe { CStr::from_ptr(json) }
        .to_str()
        .unwrap()
        .to_string();
    // SAFETY: freed once, as the library's own.
    unsafe { entitle_string_free(json) };
    (status, text)
}

#[test]
fn level_2_decides_as_entitle_verify_json_and_refuses_bad_pointers() {
    let public = std::ffi::CString::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../keys-example/vendor.public.pem"
    ))
    .unwrap();
    let tokens = std::ffi::CString::new(concat!(
        "@",
        env!("CARGO_MANIFEST_DIR"),
        "/../../keys-example/starface/tokens.txt"
    ))
    .unwrap();
    let (status, json) = verify_json(&[c"--public", &public, c"--now", c"2027-06-01", &tokens]);
    assert_eq!(status, 0, "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["licenses"][0]["seats"], 20);
    // A forged token alone: status 4, the report names the refusal.
    let forged = token(|_| {}).replace("ent1.A", "ent1.B");
    let forged = std::ffi::CString::new(forged).unwrap();
    let (status, json) = verify_json(&[c"--public", &public, c"--now", c"2027-01-15", &forged]);
    assert_eq!(status, 4, "{json}");
    assert!(json.contains("\"verdict\":\"refused\""), "{json}");

    // Null and non-UTF-8 arguments: status 2, nothing returned.
    // SAFETY: the pointers are null on purpose; the function checks them.
    assert_eq!(unsafe { entitle_verify_json(null(), 0, null_mut()) }, 2);
    let mut json: *mut std::ffi::c_char = null_mut();
    // SAFETY: as above; json is writable.
    assert_eq!(unsafe { entitle_verify_json(null(), 1, &mut json) }, 2);
    assert!(json.is_null());
    let argv = [null::<std::ffi::c_char>()];
    // SAFETY: argv holds one null pointer, which the function checks.
    assert_eq!(
        unsafe { entitle_verify_json(argv.as_ptr(), 1, &mut json) },
        2
    );
    assert!(json.is_null());
    let latin1 = [0xE9u8, 0];
    let argv = [latin1.as_ptr().cast::<std::ffi::c_char>()];
    // SAFETY: argv holds one NUL-terminated string, not UTF-8.
    assert_eq!(
        unsafe { entitle_verify_json(argv.as_ptr(), 1, &mut json) },
        2
    );
    assert!(json.is_null());
    // SAFETY: freeing null is allowed.
    unsafe { entitle_string_free(null_mut()) };
}
