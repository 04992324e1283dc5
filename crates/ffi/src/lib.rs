//! The C ABI of `entitle-verify`: an appliance's firmware in C or C++
//! verifies its license tokens at boot, and adds up their seats, without
//! allocating. `include/entitle.h` is this file's header (cbindgen; a test
//! compares it with a fresh generation); `examples/c/boot_check.c` shows
//! the whole path, docs/embedding.md explains it.
//!
//! Every pointer is checked for null and every length honoured; a buffer
//! that is too short gives an error, never an overflow. Strings are
//! `(pointer, length)` into the caller's decode buffer, not NUL-terminated.
//!
//! This is the only crate of entitle with `unsafe` code: reading the
//! caller's pointers. Each block says why it is sound.

// With the feature `std` (the default): std's panic handler, and level 2
// (`decide`), the whole decision of `entitle verify --json`, which
// allocates. Without it: level 1 alone, no_std, for firmware; it never
// allocates and has no panicking path (a panic would stop in the handler
// below).
#![cfg_attr(not(feature = "std"), no_std)]
// The C ABI reads raw pointers from C: this crate alone allows unsafe code.
#![allow(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

#[cfg(feature = "std")]
mod decide;

use core::slice;

#[cfg(feature = "std")]
pub use decide::{entitle_string_free, entitle_verify_json};

/// Firmware without std: a panic (none is reachable) stops here.
#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// The precompiled `core` of a hosted target (x86_64 Linux) names an
/// unwinding personality even when this library is built with
/// `panic = "abort"`, which never unwinds; firmware targets' `core` does
/// not. Defined so that the firmware build links on both.
#[cfg(not(feature = "std"))]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

use entitle_verify::{
    Error, Kind, License, MAX_TOKEN_BYTES, PUBLIC_KEY_LEN, PublicKey, SeatModel, Token, Verifier,
    pools,
};

/// Bytes of decode buffer that hold any token.
pub const ENTITLE_MAX_TOKEN_BYTES: usize = 512;
const _: () = assert!(ENTITLE_MAX_TOKEN_BYTES == MAX_TOKEN_BYTES);
/// Most trusted keys one call takes.
pub const ENTITLE_MAX_KEYS: usize = 8;
/// Most tokens `entitle_stack` adds up in one call.
pub const ENTITLE_MAX_STACK: usize = 64;

/// Result codes: 0 is success; the others are stable, and
/// `entitle_strerror` names each.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntitleStatus {
    /// Success.
    Ok = 0,
    /// The text does not start with `ent1.`.
    Prefix = 1,
    /// A token of another format version.
    UnsupportedFormat = 2,
    /// A character that is not base64url, or the text is cut short.
    Encoding = 3,
    /// Longer than a token can be.
    TooLong = 4,
    /// Shorter than a token can be.
    TooShort = 5,
    /// Unknown binary format version.
    UnsupportedVersion = 6,
    /// Flags this verifier does not know.
    UnknownFlags = 7,
    /// A field is cut short.
    Truncated = 8,
    /// A field holds a value the format does not allow.
    InvalidField = 9,
    /// A trusted key is not a valid Ed25519 public key.
    InvalidKey = 10,
    /// No trusted key has the token's key id.
    UnknownKey = 11,
    /// The signature does not match: altered or forged.
    BadSignature = 12,
    /// Genuine, not valid yet.
    NotYetValid = 13,
    /// Genuine, expired.
    Expired = 14,
    /// Genuine, not entitled to software of this build date.
    NotEntitledToBuild = 15,
    /// An add-on without its base license.
    AddonWithoutBase = 16,
    /// A pointer argument is null.
    NullPointer = 100,
    /// An output buffer is too short; the length needed is reported.
    BufferTooSmall = 101,
    /// The token text is not UTF-8.
    NotUtf8 = 102,
    /// More keys or tokens than one call takes.
    TooMany = 103,
    /// An index past the end.
    OutOfRange = 104,
    /// An error this version cannot name.
    Other = 255,
}

impl From<Error> for EntitleStatus {
    fn from(error: Error) -> EntitleStatus {
        match error {
            Error::Prefix => EntitleStatus::Prefix,
            Error::UnsupportedArmor { .. } => EntitleStatus::UnsupportedFormat,
            Error::Encoding { .. } => EntitleStatus::Encoding,
            Error::TooLong { .. } => EntitleStatus::TooLong,
            Error::TooShort { .. } => EntitleStatus::TooShort,
            Error::UnsupportedVersion(_) => EntitleStatus::UnsupportedVersion,
            Error::UnknownFlags(_) => EntitleStatus::UnknownFlags,
            Error::Truncated(_) => EntitleStatus::Truncated,
            Error::Invalid(_) => EntitleStatus::InvalidField,
            Error::InvalidKey => EntitleStatus::InvalidKey,
            Error::UnknownKey(_) => EntitleStatus::UnknownKey,
            Error::BadSignature => EntitleStatus::BadSignature,
            Error::NotYetValid { .. } => EntitleStatus::NotYetValid,
            Error::Expired { .. } => EntitleStatus::Expired,
            Error::NotEntitledToBuild { .. } => EntitleStatus::NotEntitledToBuild,
            Error::AddonWithoutBase => EntitleStatus::AddonWithoutBase,
            _ => EntitleStatus::Other,
        }
    }
}

/// Text that is not NUL-terminated: `len` bytes at `ptr` (UTF-8), inside
/// the caller's decode buffer. An absent value has `ptr` null, `len` 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct EntitleStr {
    /// The first byte, or null.
    pub ptr: *const u8,
    /// Bytes.
    pub len: usize,
}

impl EntitleStr {
    const NONE: EntitleStr = EntitleStr {
        ptr: core::ptr::null(),
        len: 0,
    };

    fn of(text: &str) -> EntitleStr {
        EntitleStr {
            ptr: text.as_ptr(),
            len: text.len(),
        }
    }
}

/// A verified license: what the token grants, valid at the time given.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct EntitleLicense {
    /// Product name.
    pub product: EntitleStr,
    /// Edition name.
    pub edition: EntitleStr,
    /// Customer company id; absent when the token carries none.
    pub tenant: EntitleStr,
    /// The features, names joined by `,` (`entitle_feature` reads one).
    pub features: EntitleStr,
    /// Seats of this token.
    pub seats: u32,
    /// 0 named seats, 1 concurrent seats.
    pub model: u8,
    /// 0 base license, 1 add-on.
    pub kind: u8,
    /// 1 when `cap` holds the token's cap.
    pub has_cap: u8,
    /// Most seats of the pool, however many tokens stack.
    pub cap: u32,
    /// Unix seconds.
    pub issued_at: u64,
    /// Unix seconds.
    pub not_before: u64,
    /// 1 when `expires_at` holds the end of validity (else perpetual).
    pub has_expires_at: u8,
    /// Unix seconds, exclusive.
    pub expires_at: u64,
    /// 1 when `updates_until` holds the newest build date covered.
    pub has_updates_until: u8,
    /// Unix seconds.
    pub updates_until: u64,
    /// The serial number.
    pub serial: [u8; 8],
    /// The id of the key that signed it.
    pub key_id: [u8; 4],
}

/// One pool: the licenses of one product, edition, tenant and seat model,
/// added up, never beyond the cap.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct EntitlePool {
    /// Product name.
    pub product: EntitleStr,
    /// Edition name.
    pub edition: EntitleStr,
    /// Tenant, or absent.
    pub tenant: EntitleStr,
    /// 0 named, 1 concurrent.
    pub model: u8,
    /// Usable seats: min(bought, cap); 0 without a base license.
    pub seats: u64,
    /// Seats bought.
    pub seats_bought: u64,
    /// 1 when `cap` holds the pool's cap.
    pub has_cap: u8,
    /// The smallest cap of the members.
    pub cap: u32,
    /// 1 when a base license is among the members.
    pub has_base: u8,
}

/// A static, NUL-terminated English message for `status`.
#[unsafe(no_mangle)]
pub extern "C" fn entitle_strerror(status: i32) -> *const u8 {
    let text: &'static str = match status {
        0 => "ok\0",
        1 => "not an entitle token: it must start with \"ent1.\"\0",
        2 => "a token of another format version\0",
        3 => "a character that is not base64url, or the token is cut short\0",
        4 => "the token is too long\0",
        5 => "the token is too short\0",
        6 => "unsupported token format version\0",
        7 => "the token sets flags this verifier does not know\0",
        8 => "a field of the token is cut short\0",
        9 => "a field of the token holds a value the format does not allow\0",
        10 => "not a valid Ed25519 public key\0",
        11 => "signed by a key that is not trusted\0",
        12 => "bad signature: the token was altered or forged\0",
        13 => "not valid yet\0",
        14 => "expired\0",
        15 => "not entitled to this software version\0",
        16 => "an add-on without its base license\0",
        100 => "a pointer argument is null\0",
        101 => "an output buffer is too short\0",
        102 => "the token text is not UTF-8\0",
        103 => "more keys or tokens than one call takes\0",
        104 => "index out of range\0",
        _ => "unknown error\0",
    };
    text.as_ptr()
}

/// The trusted keys of a call: up to [`ENTITLE_MAX_KEYS`], no allocation.
struct Trusted {
    keys: [PublicKey; ENTITLE_MAX_KEYS],
    len: usize,
}

impl Trusted {
    /// Reads `count` 32-byte keys at `keys`.
    ///
    /// # Safety
    /// `keys` must point to `count * 32` readable bytes.
    unsafe fn read(keys: *const u8, count: usize) -> Result<Trusted, EntitleStatus> {
        if keys.is_null() {
            return Err(EntitleStatus::NullPointer);
        }
        if count == 0 || count > ENTITLE_MAX_KEYS {
            return Err(EntitleStatus::TooMany);
        }
        let len = count
            .checked_mul(PUBLIC_KEY_LEN)
            .ok_or(EntitleStatus::TooMany)?;
        // SAFETY: the caller guarantees `count * 32` readable bytes at
        // `keys`, checked non-null above.
        let bytes = unsafe { slice::from_raw_parts(keys, len) };
        let key = |chunk: &[u8]| -> Result<PublicKey, EntitleStatus> {
            let chunk: &[u8; PUBLIC_KEY_LEN] =
                chunk.try_into().map_err(|_| EntitleStatus::InvalidKey)?;
            PublicKey::from_bytes(chunk).map_err(EntitleStatus::from)
        };
        let mut chunks = bytes.chunks_exact(PUBLIC_KEY_LEN);
        let first = key(chunks.next().ok_or(EntitleStatus::InvalidKey)?)?;
        let mut trusted = Trusted {
            keys: [first; ENTITLE_MAX_KEYS],
            len: count,
        };
        for (slot, chunk) in trusted.keys.iter_mut().skip(1).zip(chunks) {
            *slot = key(chunk)?;
        }
        Ok(trusted)
    }

    fn keys(&self) -> &[PublicKey] {
        self.keys.get(..self.len).unwrap_or_default()
    }
}

fn license_of(license: &License<'_>) -> EntitleLicense {
    let c = license.claims();
    EntitleLicense {
        product: EntitleStr::of(c.product),
        edition: EntitleStr::of(c.edition),
        tenant: c.tenant.map_or(EntitleStr::NONE, EntitleStr::of),
        features: features_of(license),
        seats: c.seats,
        model: u8::from(c.model == SeatModel::Concurrent),
        kind: u8::from(c.kind == Kind::Addon),
        has_cap: u8::from(c.cap.is_some()),
        cap: c.cap.unwrap_or(0),
        issued_at: c.issued_at,
        not_before: c.not_before,
        has_expires_at: u8::from(c.expires_at.is_some()),
        expires_at: c.expires_at.unwrap_or(0),
        has_updates_until: u8::from(c.updates_until.is_some()),
        updates_until: c.updates_until.unwrap_or(0),
        serial: license.serial().0,
        key_id: license.key_id().0,
    }
}

/// The features field: the names joined by `,`, from the first to the last.
fn features_of(license: &License<'_>) -> EntitleStr {
    let mut names = license.claims().features.iter();
    match (names.next(), names.last()) {
        (Some(first), last) => {
            let end = last.unwrap_or(first);
            let start = first.as_ptr();
            // Both names lie in the one features field of the token buffer.
            let len = (end.as_ptr() as usize)
                .saturating_sub(start as usize)
                .saturating_add(end.len());
            EntitleStr { ptr: start, len }
        }
        (None, _) => EntitleStr::of(""),
    }
}

/// Decodes `text` into `buf` and verifies it against `trusted` at `now`.
///
/// # Safety
/// `text` must point to `text_len` readable bytes, `buf` to `buf_len`
/// writable bytes.
unsafe fn verify_one<'b>(
    text: *const u8,
    text_len: usize,
    trusted: &Trusted,
    now: u64,
    buf: *mut u8,
    buf_len: usize,
) -> Result<License<'b>, EntitleStatus> {
    if text.is_null() || buf.is_null() {
        return Err(EntitleStatus::NullPointer);
    }
    if buf_len < ENTITLE_MAX_TOKEN_BYTES {
        return Err(EntitleStatus::BufferTooSmall);
    }
    // SAFETY: the caller guarantees `text_len` readable bytes at `text`,
    // checked non-null above.
    let text = unsafe { slice::from_raw_parts(text, text_len) };
    let text = core::str::from_utf8(text).map_err(|_| EntitleStatus::NotUtf8)?;
    // SAFETY: the caller guarantees `buf_len` writable bytes at `buf`,
    // checked non-null above, used by nothing else while the license lives.
    let buf = unsafe { slice::from_raw_parts_mut(buf, buf_len) };
    let token = Token::decode(text, buf).map_err(EntitleStatus::from)?;
    Verifier::new(trusted.keys())
        .verify(token, now)
        .map_err(EntitleStatus::from)
}

/// Verifies one token: decodes `text` (`text_len` bytes of UTF-8) into
/// `buf` (at least `ENTITLE_MAX_TOKEN_BYTES`), checks its Ed25519 signature
/// against the `key_count` trusted 32-byte keys at `keys`, and its validity
/// at `now` (Unix seconds). On success fills `out`, whose strings point
/// into `buf`, and returns 0; else a status code.
///
/// # Safety
/// `text`: `text_len` readable bytes; `keys`: `key_count * 32` readable
/// bytes; `buf`: `buf_len` writable bytes, kept while `out` is used; `out`:
/// a writable `EntitleLicense`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entitle_verify(
    text: *const u8,
    text_len: usize,
    keys: *const u8,
    key_count: usize,
    now: u64,
    buf: *mut u8,
    buf_len: usize,
    out: *mut EntitleLicense,
) -> i32 {
    if out.is_null() {
        return EntitleStatus::NullPointer as i32;
    }
    // SAFETY: passed on from the caller's guarantee for `keys`.
    let trusted = match unsafe { Trusted::read(keys, key_count) } {
        Ok(trusted) => trusted,
        Err(status) => return status as i32,
    };
    // SAFETY: passed on from the caller's guarantees for `text` and `buf`.
    match unsafe { verify_one(text, text_len, &trusted, now, buf, buf_len) } {
        Ok(license) => {
            // SAFETY: `out` is non-null (checked above) and writable by
            // the caller's guarantee.
            unsafe { out.write(license_of(&license)) };
            EntitleStatus::Ok as i32
        }
        Err(status) => status as i32,
    }
}

/// The number of features of `license`.
///
/// # Safety
/// `license`: a license `entitle_verify` filled, its buffer still alive.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entitle_feature_count(license: *const EntitleLicense) -> usize {
    // SAFETY: the caller guarantees a valid license or null.
    let Some(license) = (unsafe { license.as_ref() }) else {
        return 0;
    };
    // SAFETY: as for `entitle_feature`.
    let Some(features) = (unsafe { str_of(license.features) }) else {
        return 0;
    };
    features.split(',').filter(|f| !f.is_empty()).count()
}

/// Feature number `index` (from 0) of `license` into `out`.
///
/// # Safety
/// `license`: a license `entitle_verify` filled, its buffer still alive;
/// `out`: a writable `EntitleStr`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entitle_feature(
    license: *const EntitleLicense,
    index: usize,
    out: *mut EntitleStr,
) -> i32 {
    if out.is_null() {
        return EntitleStatus::NullPointer as i32;
    }
    // SAFETY: the caller guarantees a valid license or null.
    let Some(license) = (unsafe { license.as_ref() }) else {
        return EntitleStatus::NullPointer as i32;
    };
    // SAFETY: the features field points into the caller's live buffer.
    let Some(features) = (unsafe { str_of(license.features) }) else {
        return EntitleStatus::NullPointer as i32;
    };
    match features.split(',').filter(|f| !f.is_empty()).nth(index) {
        Some(name) => {
            // SAFETY: `out` is non-null and writable by the caller's guarantee.
            unsafe { out.write(EntitleStr::of(name)) };
            EntitleStatus::Ok as i32
        }
        None => EntitleStatus::OutOfRange as i32,
    }
}

/// Whether `license` covers software built at `build_date` (Unix
/// seconds): 0, or `ENTITLE_STATUS_NOT_ENTITLED_TO_BUILD` when its update
/// entitlement ended before.
///
/// # Safety
/// `license`: null or a license `entitle_verify` filled.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entitle_check_build(
    license: *const EntitleLicense,
    build_date: u64,
) -> i32 {
    // SAFETY: the caller guarantees a valid license or null.
    let Some(license) = (unsafe { license.as_ref() }) else {
        return EntitleStatus::NullPointer as i32;
    };
    if license.has_updates_until != 0 && build_date > license.updates_until {
        EntitleStatus::NotEntitledToBuild as i32
    } else {
        EntitleStatus::Ok as i32
    }
}

/// # Safety
/// `s` must be null or point to `s.len` readable bytes of UTF-8.
unsafe fn str_of<'a>(s: EntitleStr) -> Option<&'a str> {
    if s.ptr.is_null() {
        return (s.len == 0).then_some("");
    }
    // SAFETY: the caller guarantees `len` readable bytes at `ptr`.
    let bytes = unsafe { slice::from_raw_parts(s.ptr, s.len) };
    core::str::from_utf8(bytes).ok()
}

/// Verifies `count` tokens (texts at `texts[i]`, `lens[i]` bytes each)
/// and adds them up into pools: the same product, edition, tenant and seat
/// model stack, each serial once, never beyond the cap; add-ons count only
/// beside a base. `bufs` holds `count * ENTITLE_MAX_TOKEN_BYTES` bytes of
/// decode buffers (the pools' strings point into them); `statuses[i]`
/// receives each token's status. At most `pools_cap` pools are written to
/// `pools`; `*pools_len` receives how many there are (when more than
/// `pools_cap`, the call returns `ENTITLE_STATUS_BUFFER_TOO_SMALL` and
/// `*pools_len` says how many are needed). Nothing is allocated.
///
/// # Safety
/// `texts` and `lens`: `count` entries each, `texts[i]` pointing to
/// `lens[i]` readable bytes; `keys`: `key_count * 32` readable bytes;
/// `bufs`: `count * ENTITLE_MAX_TOKEN_BYTES` writable bytes, kept while the
/// pools are used; `statuses`: `count` writable entries; `pools`: `pools_cap`
/// writable entries; `pools_len`: writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entitle_stack(
    texts: *const *const u8,
    lens: *const usize,
    count: usize,
    keys: *const u8,
    key_count: usize,
    now: u64,
    bufs: *mut u8,
    statuses: *mut i32,
    pools_out: *mut EntitlePool,
    pools_cap: usize,
    pools_len: *mut usize,
) -> i32 {
    if texts.is_null() || lens.is_null() || bufs.is_null() || statuses.is_null() {
        return EntitleStatus::NullPointer as i32;
    }
    if pools_len.is_null() || (pools_out.is_null() && pools_cap > 0) {
        return EntitleStatus::NullPointer as i32;
    }
    if count > ENTITLE_MAX_STACK {
        return EntitleStatus::TooMany as i32;
    }
    // SAFETY: passed on from the caller's guarantee for `keys`.
    let trusted = match unsafe { Trusted::read(keys, key_count) } {
        Ok(trusted) => trusted,
        Err(status) => return status as i32,
    };
    // SAFETY: the caller guarantees `count` entries at `texts`, `lens` and
    // `statuses`, all checked non-null above.
    let (texts, lens, statuses) = unsafe {
        (
            slice::from_raw_parts(texts, count),
            slice::from_raw_parts(lens, count),
            slice::from_raw_parts_mut(statuses, count),
        )
    };
    let mut licenses: [Option<License<'_>>; ENTITLE_MAX_STACK] = [None; ENTITLE_MAX_STACK];
    // index[k]: the token the k-th verified license came from.
    let mut index = [0usize; ENTITLE_MAX_STACK];
    let mut n = 0usize;
    for (i, ((&text, &len), status)) in texts.iter().zip(lens).zip(statuses.iter_mut()).enumerate()
    {
        let offset = i.saturating_mul(ENTITLE_MAX_TOKEN_BYTES);
        // SAFETY: `bufs` holds `count * ENTITLE_MAX_TOKEN_BYTES` bytes by the
        // caller's guarantee, so `offset` + ENTITLE_MAX_TOKEN_BYTES is inside;
        // each token gets its own, disjoint, part.
        let buf = unsafe { bufs.add(offset) };
        // SAFETY: passed on from the caller's guarantees for `texts[i]`.
        match unsafe { verify_one(text, len, &trusted, now, buf, ENTITLE_MAX_TOKEN_BYTES) } {
            Ok(license) => {
                *status = EntitleStatus::Ok as i32;
                if let (Some(slot), Some(at)) = (licenses.get_mut(n), index.get_mut(n)) {
                    *slot = Some(license);
                    *at = i;
                    n = n.saturating_add(1);
                }
            }
            Err(e) => *status = e as i32,
        }
    }
    // The verified licenses, dense (stacking takes a slice of them).
    let Some(first) = licenses.iter().flatten().next().copied() else {
        // SAFETY: `pools_len` is non-null and writable (checked above).
        unsafe { pools_len.write(0) };
        return EntitleStatus::Ok as i32;
    };
    let mut dense = [first; ENTITLE_MAX_STACK];
    for (slot, license) in dense.iter_mut().zip(licenses.iter().flatten()) {
        *slot = *license;
    }
    let dense = dense.get(..n).unwrap_or_default();
    let mut found = 0usize;
    for pool in pools(dense) {
        // Each add-on without a base is reported in its status.
        if !pool.has_base() {
            for (license, &token) in dense.iter().zip(&index) {
                if let (true, Some(status)) = (pool.contains(license), statuses.get_mut(token)) {
                    *status = EntitleStatus::AddonWithoutBase as i32;
                }
            }
        }
        if found < pools_cap {
            let line = EntitlePool {
                product: EntitleStr::of(pool.product()),
                edition: EntitleStr::of(pool.edition()),
                tenant: pool.tenant().map_or(EntitleStr::NONE, EntitleStr::of),
                model: u8::from(pool.model() == SeatModel::Concurrent),
                seats: pool.seats(),
                seats_bought: pool.seats_bought(),
                has_cap: u8::from(pool.cap().is_some()),
                cap: pool.cap().unwrap_or(0),
                has_base: u8::from(pool.has_base()),
            };
            // SAFETY: `found < pools_cap` entries are writable at
            // `pools_out` by the caller's guarantee (non-null when
            // `pools_cap > 0`, checked above).
            unsafe { pools_out.add(found).write(line) };
        }
        found = found.saturating_add(1);
    }
    // SAFETY: `pools_len` is non-null and writable (checked above).
    unsafe { pools_len.write(found) };
    if found > pools_cap {
        EntitleStatus::BufferTooSmall as i32
    } else {
        EntitleStatus::Ok as i32
    }
}
