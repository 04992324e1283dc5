//! Claims to the bytes of a token body (format 1, see docs/format.md).
//!
//! The layout constants come from `entitle_verify::format`, so the encoder
//! and the verifier's parser share one definition.

use entitle_verify::format::{VERSION, flags};
use entitle_verify::{KeyId, Kind, SeatModel, Serial};

use crate::spec::LicenseSpec;

/// Encodes the body (everything the signature covers) of a token.
/// `spec` must have passed [`LicenseSpec::validate`]; `issued_at` is its
/// resolved time of issue.
pub(crate) fn body(spec: &LicenseSpec, key_id: KeyId, serial: Serial, issued_at: u64) -> Vec<u8> {
    let not_before = spec.not_before.filter(|&t| t != issued_at);
    let mut flag_bits = 0;
    for (present, bit) in [
        (spec.model == SeatModel::Concurrent, flags::CONCURRENT),
        (spec.kind == Kind::Addon, flags::ADDON),
        (spec.cap.is_some(), flags::CAP),
        (not_before.is_some(), flags::NOT_BEFORE),
        (spec.expires_at.is_some(), flags::EXPIRES_AT),
        (spec.updates_until.is_some(), flags::UPDATES_UNTIL),
        (spec.tenant.is_some(), flags::TENANT),
    ] {
        if present {
            flag_bits |= bit;
        }
    }

    let mut out = Vec::with_capacity(128);
    out.push(VERSION);
    out.extend_from_slice(&key_id.0);
    out.extend_from_slice(&serial.0);
    varint(&mut out, flag_bits);
    string(&mut out, &spec.product);
    string(&mut out, &spec.edition);
    varint(&mut out, spec.seats);
    if let Some(cap) = spec.cap {
        varint(&mut out, cap);
    }
    time(&mut out, issued_at);
    for t in [not_before, spec.expires_at, spec.updates_until]
        .into_iter()
        .flatten()
    {
        time(&mut out, t);
    }
    if let Some(tenant) = &spec.tenant {
        string(&mut out, tenant);
    }
    // One encoding per set of claims: features in byte order, whatever
    // order they were given in. (Format 1 verifiers read any order, so
    // tokens issued before this keep verifying; docs/format.md.)
    out.extend_from_slice(crate::issuer::sorted(&spec.features).join(",").as_bytes());
    out
}

/// postcard's varint: LEB128, shortest form.
fn varint(out: &mut Vec<u8>, value: u32) {
    let mut buf = [0u8; 5];
    // A u32 varint is at most 5 bytes, so the 5-byte buffer always suffices.
    if let Ok(bytes) = postcard::to_slice(&value, &mut buf) {
        out.extend_from_slice(bytes);
    }
}

/// postcard's string: varint length, then UTF-8.
fn string(out: &mut Vec<u8>, text: &str) {
    varint(out, u32::try_from(text.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(text.as_bytes());
}

/// 4-byte big-endian Unix seconds; validated to fit 32 bits beforehand.
fn time(out: &mut Vec<u8>, secs: u64) {
    out.extend_from_slice(&u32::try_from(secs).unwrap_or(u32::MAX).to_be_bytes());
}
