//! Ed25519 keys held in a PKCS#11 module (a hardware security module, or
//! SoftHSM2 in tests): the secret never leaves it, signing is `CKM_EDDSA`.
//!
//! A key is named by an RFC 7512 URI,
//! `pkcs11:token=entitle;object=vendor?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/secrets/pin`.
//! The PIN comes from `pin-source` (a file) or the `ENTITLE_PKCS11_PIN`
//! environment variable, never from the URI itself (`pin-value` is
//! refused: a URI is an argument, and arguments end up in shell history and
//! process lists). The module comes from `module-path` or
//! `ENTITLE_PKCS11_MODULE`.

use std::fmt;
use std::path::PathBuf;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use entitle_verify::{KeyId, PublicKey, SIGNATURE_LEN, SignError, Signer};
use zeroize::Zeroizing;

use crate::error::Error;

/// The scheme of every PKCS#11 key URI.
pub const SCHEME: &str = "pkcs11:";
/// The environment variable holding the PIN when the URI has no `pin-source`.
pub const PIN_ENV: &str = "ENTITLE_PKCS11_PIN";
/// The environment variable naming the module when the URI has no `module-path`.
pub const MODULE_ENV: &str = "ENTITLE_PKCS11_MODULE";

/// `CKA_EC_PARAMS` of Ed25519 as a printable string, the form SoftHSM2 and
/// PKCS#11 3.0 accept for key generation.
const EDWARDS25519_PARAMS: &[u8] = b"\x13\x0cedwards25519";
/// Longest attribute value read from a URI.
const MAX_ATTRIBUTE_LEN: usize = 1024;
/// What the key check at open signs: proves the public key object belongs
/// to the private one before anything real is signed.
const KEY_CHECK_CONTEXT: &[u8] = b"entitle pkcs11 key check v1\0";

/// A parsed PKCS#11 URI: which token and object, which module, where the PIN is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyUri {
    /// `token=`: the token label.
    pub token: Option<String>,
    /// `serial=`: the token serial number.
    pub serial: Option<String>,
    /// `slot-id=`: the slot.
    pub slot_id: Option<u64>,
    /// `object=`: the key's label.
    pub object: Option<String>,
    /// `id=`: the key's `CKA_ID` bytes.
    pub id: Option<Vec<u8>>,
    /// `module-path=`: the module library.
    pub module_path: Option<PathBuf>,
    /// `pin-source=`: the file holding the PIN.
    pub pin_source: Option<PathBuf>,
}

impl KeyUri {
    /// Parses `pkcs11:path?query` (RFC 7512). Unknown attributes are
    /// refused, so a typo never selects a different key.
    pub fn parse(uri: &str) -> Result<KeyUri, Error> {
        let Some(rest) = uri.strip_prefix(SCHEME) else {
            return Err(module(format!(
                "{uri:?} is not a PKCS#11 URI (\"pkcs11:...\")"
            )));
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut out = KeyUri::default();
        for (attr, sep) in path
            .split(';')
            .map(|a| (a, ';'))
            .chain(query.split('&').map(|a| (a, '&')))
        {
            if attr.is_empty() {
                continue;
            }
            let Some((name, raw)) = attr.split_once('=') else {
                return Err(module(format!("attribute {attr:?} has no '='")));
            };
            let bytes = percent_decode(raw)?;
            let text = || {
                String::from_utf8(bytes.clone())
                    .map_err(|_| module(format!("{name}: not UTF-8 text")))
            };
            match (sep, name) {
                (';', "token") => out.token = Some(text()?),
                (';', "serial") => out.serial = Some(text()?),
                (';', "slot-id") => {
                    out.slot_id = Some(
                        text()?
                            .parse()
                            .map_err(|_| module(format!("slot-id {raw:?} is not a number")))?,
                    );
                }
                (';', "object") => out.object = Some(text()?),
                (';', "id") => out.id = Some(bytes),
                (';', "type") if raw == "private" || raw == "public" => {}
                (
                    ';',
                    "manufacturer"
                    | "model"
                    | "library-manufacturer"
                    | "library-description"
                    | "library-version",
                ) => {}
                ('&', "module-path") => out.module_path = Some(PathBuf::from(text()?)),
                ('&', "pin-source") => {
                    let source = text()?;
                    let path = source.strip_prefix("file:").unwrap_or(&source);
                    out.pin_source = Some(PathBuf::from(path));
                }
                ('&', "pin-value") => {
                    return Err(module(format!(
                        "pin-value is refused: a PIN in a URI ends up in shell history and \
                         process lists; use pin-source=file:PATH or set {PIN_ENV}"
                    )));
                }
                _ => {
                    return Err(module(format!(
                        "unknown attribute {name:?}: entitle reads token, serial, slot-id, \
                         object and id, and module-path and pin-source after '?'"
                    )));
                }
            }
        }
        if out.object.is_none() && out.id.is_none() {
            return Err(module(
                "the URI names no key: add object=LABEL or id=%XX...",
            ));
        }
        Ok(out)
    }

    fn module_path(&self) -> Result<PathBuf, Error> {
        if let Some(path) = &self.module_path {
            return Ok(path.clone());
        }
        match std::env::var_os(MODULE_ENV) {
            Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
            _ => Err(module(format!(
                "no PKCS#11 module: add ?module-path=/path/to/module.so to the URI or set \
                 {MODULE_ENV} (SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)"
            ))),
        }
    }

    fn pin(&self) -> Result<AuthPin, Error> {
        let pin = match &self.pin_source {
            Some(path) => Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                module(format!("cannot read the PIN file {}: {e}", path.display()))
            })?),
            None => Zeroizing::new(std::env::var(PIN_ENV).map_err(|_| {
                module(format!(
                    "no PIN: add ?pin-source=file:PATH to the URI or set {PIN_ENV}"
                ))
            })?),
        };
        Ok(AuthPin::new(pin.trim_end_matches(['\r', '\n']).into()))
    }

    /// The template that finds the key's objects of `class`.
    fn template(&self, class: ObjectClass) -> Vec<Attribute> {
        let mut template = vec![
            Attribute::Class(class),
            Attribute::KeyType(KeyType::EC_EDWARDS),
        ];
        if let Some(label) = &self.object {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        if let Some(id) = &self.id {
            template.push(Attribute::Id(id.clone()));
        }
        template
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(token) = &self.token {
            parts.push(format!("token {token:?}"));
        }
        if let Some(object) = &self.object {
            parts.push(format!("object {object:?}"));
        }
        if let Some(id) = &self.id {
            parts.push(format!("id {}", entitle_verify::Hex(id)));
        }
        parts.join(", ")
    }
}

/// An Ed25519 key inside a PKCS#11 module, logged in and ready to sign.
pub struct Pkcs11Key {
    session: Session,
    private: ObjectHandle,
    public: PublicKey,
    name: String,
}

impl Pkcs11Key {
    /// Opens the key `uri` names: loads the module, finds the one token
    /// and the one private key it names, logs in, reads the public key and
    /// checks that the two belong together.
    pub fn open(uri: &str) -> Result<Pkcs11Key, Error> {
        let uri = KeyUri::parse(uri)?;
        let session = login(&uri)?;
        let private = only_object(&session, &uri, ObjectClass::PRIVATE_KEY, "private key")?;
        let public_handle = only_object(&session, &uri, ObjectClass::PUBLIC_KEY, "public key")?;
        let public = read_public(&session, public_handle)?;
        let key = Pkcs11Key {
            session,
            private,
            public,
            name: uri.describe(),
        };
        let probe = key.sign(KEY_CHECK_CONTEXT, b"").map_err(Error::Sign)?;
        key.public
            .verify_signature(KEY_CHECK_CONTEXT, b"", &probe)
            .map_err(|_| {
                module(format!(
                    "{}: the public key object does not belong to the private key",
                    key.name
                ))
            })?;
        Ok(key)
    }

    /// Creates a new Ed25519 key pair inside the module, labelled and
    /// identified as `uri` says; the private key is sensitive and never
    /// extractable. Refuses when the token already holds a key of that
    /// label or id.
    pub fn generate(uri: &str) -> Result<Pkcs11Key, Error> {
        let parsed = KeyUri::parse(uri)?;
        let session = login(&parsed)?;
        for class in [ObjectClass::PRIVATE_KEY, ObjectClass::PUBLIC_KEY] {
            let found = session
                .find_objects(&parsed.template(class))
                .map_err(|e| call("C_FindObjects", &e))?;
            if !found.is_empty() {
                return Err(module(format!(
                    "{} exists already; entitle never replaces a key in a module \
                     (delete it with the module's own tools first)",
                    parsed.describe()
                )));
            }
        }
        let mut names = Vec::new();
        if let Some(label) = &parsed.object {
            names.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        if let Some(id) = &parsed.id {
            names.push(Attribute::Id(id.clone()));
        }
        let mut public_template = vec![
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Verify(true),
            Attribute::Encrypt(false),
            Attribute::Wrap(false),
            Attribute::EcParams(EDWARDS25519_PARAMS.to_vec()),
        ];
        public_template.extend(names.iter().cloned());
        let mut private_template = vec![
            Attribute::Token(true),
            Attribute::Private(true),
            Attribute::Sign(true),
            Attribute::Decrypt(false),
            Attribute::Unwrap(false),
            Attribute::Derive(false),
            Attribute::Sensitive(true),
            Attribute::Extractable(false),
        ];
        private_template.extend(names);
        session
            .generate_key_pair(
                &Mechanism::EccEdwardsKeyPairGen,
                &public_template,
                &private_template,
            )
            .map_err(|e| call("C_GenerateKeyPair", &e))?;
        drop(session);
        Pkcs11Key::open(uri)
    }

    /// The key id.
    pub fn id(&self) -> KeyId {
        self.public.id()
    }
}

impl Signer for Pkcs11Key {
    fn public_key(&self) -> PublicKey {
        self.public
    }

    fn sign(&self, context: &[u8], message: &[u8]) -> Result<[u8; SIGNATURE_LEN], SignError> {
        let mechanism = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let data = [context, message].concat();
        let signature = self
            .session
            .sign(&mechanism, self.private, &data)
            .map_err(|e| SignError(sign_failure(&e)))?;
        signature
            .try_into()
            .map_err(|_| SignError("PKCS#11 C_Sign returned a signature of the wrong length"))
    }
}

impl fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("key", &self.name)
            .field("id", &self.public.id())
            .finish()
    }
}

/// Loads the module, picks the one token the URI names and logs in.
fn login(uri: &KeyUri) -> Result<Session, Error> {
    let path = uri.module_path()?;
    let context = Pkcs11::new(&path)
        .map_err(|e| module(format!("cannot load the module {}: {e}", path.display())))?;
    context
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(|e| call("C_Initialize", &e))?;
    let slot = only_slot(&context, uri)?;
    let session = context
        .open_rw_session(slot)
        .map_err(|e| call("C_OpenSession", &e))?;
    session
        .login(UserType::User, Some(&uri.pin()?))
        .map_err(|e| call("C_Login", &e))?;
    Ok(session)
}

fn only_slot(context: &Pkcs11, uri: &KeyUri) -> Result<Slot, Error> {
    let slots = context
        .get_slots_with_token()
        .map_err(|e| call("C_GetSlotList", &e))?;
    let mut matching = Vec::new();
    let mut seen = Vec::new();
    for slot in slots {
        let info = context
            .get_token_info(slot)
            .map_err(|e| call("C_GetTokenInfo", &e))?;
        let label = info.label().trim_end().to_string();
        let serial = info.serial_number().trim_end().to_string();
        if uri.token.as_ref().is_none_or(|t| *t == label)
            && uri.serial.as_ref().is_none_or(|s| *s == serial)
            && uri.slot_id.is_none_or(|id| id == slot.id())
        {
            matching.push(slot);
        }
        seen.push(format!("{label:?}"));
    }
    match matching.as_slice() {
        [slot] => Ok(*slot),
        [] => Err(module(format!(
            "no token matches the URI; the module has {}",
            if seen.is_empty() {
                "no initialised token".to_string()
            } else {
                format!("the tokens {}", seen.join(", "))
            }
        ))),
        _ => Err(module(format!(
            "{} tokens match the URI ({}): add token=LABEL or serial=...",
            matching.len(),
            seen.join(", ")
        ))),
    }
}

fn only_object(
    session: &Session,
    uri: &KeyUri,
    class: ObjectClass,
    what: &str,
) -> Result<ObjectHandle, Error> {
    let found = session
        .find_objects(&uri.template(class))
        .map_err(|e| call("C_FindObjects", &e))?;
    match found.as_slice() {
        [handle] => Ok(*handle),
        [] => Err(module(format!(
            "no Ed25519 {what} with {} in the token (make one with `entitle keygen --key URI`)",
            uri.describe()
        ))),
        _ => Err(module(format!(
            "{} Ed25519 {what}s match {}: add id=... to pick one",
            found.len(),
            uri.describe()
        ))),
    }
}

/// Reads `CKA_EC_POINT`: a DER OCTET STRING around the 32 key bytes, or
/// the bare 32 bytes as some modules store it.
fn read_public(session: &Session, handle: ObjectHandle) -> Result<PublicKey, Error> {
    let attributes = session
        .get_attributes(handle, &[AttributeType::EcPoint])
        .map_err(|e| call("C_GetAttributeValue", &e))?;
    let point = attributes.iter().find_map(|a| match a {
        Attribute::EcPoint(point) => Some(point.as_slice()),
        _ => None,
    });
    let bytes: Option<&[u8; 32]> = match point {
        Some([0x04, 0x20, rest @ ..]) => rest.try_into().ok(),
        Some(raw) => raw.try_into().ok(),
        None => None,
    };
    let bytes = bytes.ok_or_else(|| module("the public key object holds no Ed25519 point"))?;
    PublicKey::from_bytes(bytes).map_err(Error::InvalidKey)
}

fn module(why: impl Into<String>) -> Error {
    Error::Module(why.into())
}

fn call(function: &str, error: &cryptoki::error::Error) -> Error {
    match error {
        cryptoki::error::Error::Pkcs11(rv, _) => module(format!("{function} failed: {rv:?}")),
        other => module(format!("{function} failed: {other}")),
    }
}

/// The reason a signature failed, in words, for [`SignError`].
fn sign_failure(error: &cryptoki::error::Error) -> &'static str {
    use cryptoki::error::{Error as E, RvError};
    match error {
        E::Pkcs11(RvError::DeviceRemoved | RvError::TokenNotPresent, _) => {
            "PKCS#11 C_Sign: the token was removed"
        }
        E::Pkcs11(RvError::SessionClosed | RvError::SessionHandleInvalid, _) => {
            "PKCS#11 C_Sign: the session was closed"
        }
        E::Pkcs11(RvError::UserNotLoggedIn | RvError::PinExpired, _) => {
            "PKCS#11 C_Sign: not logged in (PIN expired?)"
        }
        E::Pkcs11(RvError::KeyHandleInvalid | RvError::KeyFunctionNotPermitted, _) => {
            "PKCS#11 C_Sign: the key may not sign"
        }
        E::Pkcs11(RvError::MechanismInvalid, _) => {
            "PKCS#11 C_Sign: the module has no CKM_EDDSA (Ed25519)"
        }
        _ => "PKCS#11 C_Sign failed (the module's log says why)",
    }
}

/// RFC 3986 percent-decoding of one attribute value.
fn percent_decode(value: &str) -> Result<Vec<u8>, Error> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes
                .get(i.saturating_add(1)..i.saturating_add(3))
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    module(format!("{value:?}: '%' must be followed by two hex digits"))
                })?;
            out.push(hex);
            i = i.saturating_add(3);
        } else {
            out.push(b);
            i = i.saturating_add(1);
        }
    }
    if out.len() > MAX_ATTRIBUTE_LEN {
        return Err(module(format!("{value:?} is too long")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_attributes_are_read_and_percent_decoded() {
        let uri = KeyUri::parse(
            "pkcs11:token=my%20hsm;object=vendor;id=%01%ff?module-path=/lib/m.so&pin-source=file:/run/pin",
        );
        assert_eq!(
            uri.ok(),
            Some(KeyUri {
                token: Some("my hsm".into()),
                object: Some("vendor".into()),
                id: Some(vec![1, 0xff]),
                module_path: Some("/lib/m.so".into()),
                pin_source: Some("/run/pin".into()),
                ..KeyUri::default()
            })
        );
    }

    #[test]
    fn a_pin_in_the_uri_is_refused() {
        let error = KeyUri::parse("pkcs11:object=k?pin-value=1234").err();
        assert!(error.is_some_and(|e| e.to_string().contains("pin-value is refused")));
    }

    #[test]
    fn typos_and_bad_escapes_are_refused() {
        for (uri, says) in [
            ("pkcs11:objekt=k", "unknown attribute \"objekt\""),
            ("pkcs11:object=k%4", "two hex digits"),
            ("pkcs11:token=t", "names no key"),
            ("pkcs:object=k", "not a PKCS#11 URI"),
            ("pkcs11:object", "has no '='"),
        ] {
            let error = KeyUri::parse(uri).err().map(|e| e.to_string());
            assert!(
                error.as_deref().is_some_and(|e| e.contains(says)),
                "{uri}: {error:?}"
            );
        }
    }
}
