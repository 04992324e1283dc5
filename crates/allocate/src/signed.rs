//! Signed catalogs: the catalog TOML, unchanged, followed by one comment
//! line carrying the vendor's signature, so the file stays readable TOML.
//!
//! ```text
//! ...catalog TOML...
//! # entitle-signature: v1 <key id, 8 hex> <signature, base64url>
//! ```
//!
//! The signature covers `CATALOG_CONTEXT || SHA-512(every byte before the
//! signature line)`. An appliance enforces only a catalog that verifies
//! under a trusted vendor key, so a customer cannot edit the rules.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_verify::format::CATALOG_CONTEXT;
use entitle_verify::{KeyId, PublicKey, SIGNATURE_LEN, Signer};
use sha2::{Digest, Sha512};

use crate::catalog::Catalog;
use crate::error::Error;

/// Start of the signature line.
pub const SIGNATURE_LINE: &str = "# entitle-signature: v1 ";

/// Signs catalog text: checks it, then appends the signature line.
pub fn sign_catalog(text: &str, key: &dyn Signer) -> Result<String, Error> {
    if text.contains(SIGNATURE_LINE) {
        return Err(Error::Signature(
            "the catalog is signed already; sign the unsigned TOML".into(),
        ));
    }
    Catalog::parse(text)?;
    let mut signed = text.to_string();
    if !signed.ends_with('\n') {
        signed.push('\n');
    }
    let signature = key
        .sign(CATALOG_CONTEXT, &Sha512::digest(signed.as_bytes()))
        .map_err(|e| Error::Signature(format!("cannot sign: {e}")))?;
    signed.push_str(&format!(
        "{SIGNATURE_LINE}{} {}\n",
        key.key_id(),
        URL_SAFE_NO_PAD.encode(signature)
    ));
    Ok(signed)
}

/// Checks the signature of a signed catalog against trusted keys and
/// returns the catalog, parsed and checked.
pub fn open_signed_catalog(text: &str, keys: &[PublicKey]) -> Result<Catalog, Error> {
    let Some(start) = text.rfind(SIGNATURE_LINE) else {
        return Err(Error::Signature(
            "the catalog is not signed; an appliance only enforces a catalog signed with \
             `entitle catalog sign`"
                .into(),
        ));
    };
    let (signed, line) = text.split_at(start);
    if !(signed.is_empty() || signed.ends_with('\n')) {
        return Err(Error::Signature(
            "the signature must be on a line of its own".into(),
        ));
    }
    let line = line.strip_suffix('\n').unwrap_or(line);
    let fields = line.strip_prefix(SIGNATURE_LINE).unwrap_or_default();
    let (key_id, signature) = fields
        .split_once(' ')
        .ok_or_else(|| Error::Signature("the signature line is malformed".into()))?;
    if line.contains('\n') {
        return Err(Error::Signature(
            "text follows the signature line; it is not covered by the signature".into(),
        ));
    }
    let key_id = parse_key_id(key_id)?;
    let mut sig = [0u8; SIGNATURE_LEN];
    match URL_SAFE_NO_PAD.decode_slice(signature.trim_end(), &mut sig) {
        Ok(SIGNATURE_LEN) => {}
        _ => {
            return Err(Error::Signature(
                "the signature is not 64 bytes of base64url".into(),
            ));
        }
    }
    let digest = Sha512::digest(signed.as_bytes());
    let mut candidates = keys.iter().filter(|k| k.id() == key_id).peekable();
    if candidates.peek().is_none() {
        return Err(Error::Signature(format!(
            "signed by key {key_id}, which is not among the trusted keys"
        )));
    }
    if !candidates.any(|k| k.verify_signature(CATALOG_CONTEXT, &digest, &sig).is_ok()) {
        return Err(Error::Signature(
            "bad signature: the catalog was edited after it was signed".into(),
        ));
    }
    Catalog::parse(signed)
}

fn parse_key_id(hex: &str) -> Result<KeyId, Error> {
    let bad = || Error::Signature(format!("{hex:?} is not a key id (8 hex digits)"));
    if hex.len() != 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let value = u32::from_str_radix(hex, 16).map_err(|_| bad())?;
    Ok(KeyId(value.to_be_bytes()))
}
