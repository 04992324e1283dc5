//! Level 2 (std, allocating): the whole decision of `entitle verify --json`
//! (tokens, certificates, renewals, revocation lists, activations, the
//! state directory, the signed catalog) as one call that returns the same
//! JSON. The string is the library's: free it with `entitle_string_free`.

use core::ffi::{CStr, c_char};
use std::ffi::CString;

/// `entitle verify --json ARGS...` as a call. `argv` holds `argc`
/// NUL-terminated UTF-8 arguments, those of `entitle verify` after the
/// command name (`--public`, `--catalog`, `--state-dir`, `--now`, tokens
/// as text or `@FILE`, ...; `--json` is implied).
///
/// Returns the exit status `entitle verify` would end with: 0 when a
/// license is usable, 2 for bad arguments, 3 for unreadable input, 4 for
/// invalid material, 5 for material not valid now, 6 for incomplete
/// material. `*json_out` receives what it would print: the report
/// whenever there is one (also with status 4 or 5, when nothing is
/// usable), else its one-line JSON error. Free it with
/// `entitle_string_free`. A null `json_out`, a null `argv` with `argc` > 0,
/// a null argument or one that is not UTF-8 returns 2 and, where
/// `json_out` is not null, sets it to null.
///
/// # Safety
/// `argv` points to `argc` pointers, each null or a NUL-terminated string;
/// `json_out` is null or points to writable storage for a pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entitle_verify_json(
    argv: *const *const c_char,
    argc: usize,
    json_out: *mut *mut c_char,
) -> i32 {
    const USAGE: i32 = 2;
    if json_out.is_null() {
        return USAGE;
    }
    // SAFETY: json_out is not null, and the caller gives writable storage.
    unsafe { json_out.write(core::ptr::null_mut()) };
    if argc > 0 && argv.is_null() {
        return USAGE;
    }
    let mut args: Vec<&str> = Vec::with_capacity(argc);
    for i in 0..argc {
        // SAFETY: argv is not null (checked above, argc > 0) and points to
        // argc pointers; i < argc.
        let arg = unsafe { argv.add(i).read() };
        if arg.is_null() {
            return USAGE;
        }
        // SAFETY: the caller guarantees each non-null argument is a
        // NUL-terminated string that outlives this call.
        let Ok(arg) = unsafe { CStr::from_ptr(arg) }.to_str() else {
            return USAGE;
        };
        args.push(arg);
    }
    let (status, json) = entitle::report::verify_json(&args);
    // JSON escapes every control character: it holds no NUL byte.
    let Ok(json) = CString::new(json) else {
        return USAGE;
    };
    // SAFETY: json_out is not null (checked above).
    unsafe { json_out.write(json.into_raw()) };
    status
}

/// Frees a string `entitle_verify_json` returned. Null is ignored.
///
/// # Safety
/// `json` is null or a pointer `entitle_verify_json` returned, not freed
/// before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn entitle_string_free(json: *mut c_char) {
    if !json.is_null() {
        // SAFETY: the pointer came from CString::into_raw in
        // entitle_verify_json and was not freed before (the caller's
        // promise).
        drop(unsafe { CString::from_raw(json) });
    }
}
