//! Constants of the token wire format, format version 1 (see docs/format.md).
//!
//! The issuer builds tokens from these and the verifier reads them with the
//! same values, so that the two cannot drift apart.

/// Armour prefix of a format-1 token.
pub const PREFIX: &str = "ent1.";
/// Format version, the first byte of a binary token.
pub const VERSION: u8 = 1;
/// Domain-separation context: the signature covers `TOKEN_CONTEXT || body`.
pub const TOKEN_CONTEXT: &[u8] = b"entitle token v1\0";
/// Domain-separation context of a signed catalog (see docs/catalog.md); the
/// signature covers `CATALOG_CONTEXT || SHA-512(catalog bytes)`.
pub const CATALOG_CONTEXT: &[u8] = b"entitle catalog v1\0";
/// Context of a partner certificate (docs/lifecycle-format.md).
pub const CERTIFICATE_CONTEXT: &[u8] = b"entitle certificate v1\0";
/// Context of an activation response.
pub const ACTIVATION_CONTEXT: &[u8] = b"entitle activation v1\0";
/// Context of a deactivation receipt, signed by the appliance's own key.
pub const DEACTIVATION_CONTEXT: &[u8] = b"entitle deactivation v1\0";
/// Context of a revocation list.
pub const REVOCATION_CONTEXT: &[u8] = b"entitle revocation v1\0";
/// Context of a renewal.
pub const RENEWAL_CONTEXT: &[u8] = b"entitle renewal v1\0";
/// Context of an appliance's state file, signed by the appliance's own key.
pub const STATE_CONTEXT: &[u8] = b"entitle appliance state v1\0";
/// Domain-separation context of a seat lease (signed by a seat server's
/// activation key).
pub const LEASE_CONTEXT: &[u8] = b"entitle seat lease v1\0";
/// Context of an appliance's counter file (the file platform's monotonic
/// counter), signed by the appliance's own key.
pub const COUNTER_CONTEXT: &[u8] = b"entitle appliance counter v1\0";
/// Every signature context; no two are equal and none is a prefix of
/// another, so no signature can pass for another kind of artifact.
pub const ALL_CONTEXTS: [&[u8]; 10] = [
    TOKEN_CONTEXT,
    CATALOG_CONTEXT,
    CERTIFICATE_CONTEXT,
    ACTIVATION_CONTEXT,
    DEACTIVATION_CONTEXT,
    REVOCATION_CONTEXT,
    RENEWAL_CONTEXT,
    STATE_CONTEXT,
    COUNTER_CONTEXT,
    LEASE_CONTEXT,
];
/// Bytes before the flags: version (1), key id (4), serial (8).
pub const FIXED_HEADER_LEN: usize = 13;
/// Largest binary token (body and signature) a verifier accepts.
pub const MAX_TOKEN_BYTES: usize = 512;
/// Largest armoured token, not counting whitespace and quotes.
pub const MAX_ARMORED_LEN: usize = PREFIX.len() + (MAX_TOKEN_BYTES * 4).div_ceil(3);

/// Bits of the flags field. A verifier refuses bits it does not know.
pub mod flags {
    /// Seat model: set for concurrent seats, clear for named seats.
    pub const CONCURRENT: u32 = 1 << 0;
    /// Kind: set for an add-on, clear for a base license.
    pub const ADDON: u32 = 1 << 1;
    /// A `cap` field follows `seats`.
    pub const CAP: u32 = 1 << 2;
    /// A `not_before` field follows `issued_at` (else not_before = issued_at).
    pub const NOT_BEFORE: u32 = 1 << 3;
    /// An `expires_at` field is present (else the license is perpetual).
    pub const EXPIRES_AT: u32 = 1 << 4;
    /// An `updates_until` field is present.
    pub const UPDATES_UNTIL: u32 = 1 << 5;
    /// A `tenant` field is present.
    pub const TENANT: u32 = 1 << 6;
    /// Every bit format version 1 defines.
    pub const KNOWN: u32 = (1 << 7) - 1;
}

/// Bounds on the text fields, checked by both issuer and verifier.
pub mod limits {
    /// Longest product, edition or feature name, in bytes.
    pub const MAX_NAME_LEN: usize = 32;
    /// Longest tenant id, in bytes.
    pub const MAX_TENANT_LEN: usize = 64;
    /// Most features on one token.
    pub const MAX_FEATURES: usize = 32;
}
