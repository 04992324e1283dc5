//! The character rules of the text fields, shared by issuer and verifier.
//!
//! Names are plain ASCII so that a token can be read out over the phone,
//! printed on any terminal without escape tricks, and compared byte for byte.

use crate::format::limits::{MAX_NAME_LEN, MAX_TENANT_LEN};

/// Whether `name` is a valid product, edition or feature name: 1 to 32 bytes
/// of `a-z`, `0-9`, `.`, `_`, `-`, starting with a letter or digit.
pub fn is_valid_name(name: &str) -> bool {
    is_valid_name_bytes(name.as_bytes())
}

/// [`is_valid_name`] of bytes (a name split out of a list by its commas).
pub(crate) fn is_valid_name_bytes(name: &[u8]) -> bool {
    is_valid(name, MAX_NAME_LEN, |b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
    })
}

/// Whether `tenant` is a valid tenant (company) id: 1 to 64 bytes of
/// `A-Z`, `a-z`, `0-9`, `.`, `_`, `-`, `:`, starting with a letter or digit.
pub fn is_valid_tenant(tenant: &str) -> bool {
    is_valid(tenant.as_bytes(), MAX_TENANT_LEN, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':')
    })
}

fn is_valid(bytes: &[u8], max_len: usize, allowed: impl Fn(u8) -> bool) -> bool {
    match bytes.first() {
        Some(first) if first.is_ascii_alphanumeric() => {
            bytes.len() <= max_len && bytes.iter().all(|&b| allowed(b))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    #[test]
    fn names() {
        assert!(is_valid_name("starface"));
        assert!(is_valid_name("office-plus"));
        assert!(is_valid_name("v8.1_x"));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("Starface"));
        assert!(!is_valid_name("-x"));
        assert!(!is_valid_name("a,b"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name("ä"));
        assert!(is_valid_name(&"a".repeat(32)));
        assert!(!is_valid_name(&"a".repeat(33)));
    }

    #[test]
    fn tenants() {
        assert!(is_valid_tenant("FIRMA-000123"));
        assert!(is_valid_tenant("acme:eu.1"));
        assert!(!is_valid_tenant(""));
        assert!(!is_valid_tenant(":x"));
        assert!(!is_valid_tenant("a b"));
        assert!(!is_valid_tenant("a\u{1b}[31m"));
        assert!(is_valid_tenant(&"A".repeat(64)));
        assert!(!is_valid_tenant(&"A".repeat(65)));
    }
}
