//! Signing tokens.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use entitle_verify::format::{MAX_TOKEN_BYTES, PREFIX, TOKEN_CONTEXT};
use entitle_verify::{Claims, Serial, Signer, Token, Verifier};
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;

use crate::encode;
use crate::error::{Error, invalid};
use crate::spec::LicenseSpec;

/// A token just issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The token text: `ent1.` and base64url, one line.
    pub text: String,
    /// Its serial number.
    pub serial: Serial,
    /// Its resolved time of issue, Unix seconds.
    pub issued_at: u64,
}

/// Issues tokens signed with one key: a [`SigningKey`](crate::SigningKey)
/// in memory or a key a hardware module holds.
pub struct Issuer {
    key: Box<dyn Signer>,
}

impl Issuer {
    /// An issuer signing with `key`.
    pub fn new(key: impl Signer + 'static) -> Issuer {
        Issuer { key: Box::new(key) }
    }

    /// An issuer signing with a key chosen at run time.
    pub fn from_boxed(key: Box<dyn Signer>) -> Issuer {
        Issuer { key }
    }

    /// The signing key.
    pub fn key(&self) -> &dyn Signer {
        self.key.as_ref()
    }

    /// Validates `spec`, gives it a random 64-bit serial, signs it and checks
    /// the result with the verifier before handing it out.
    pub fn issue(&self, spec: &LicenseSpec) -> Result<IssuedToken, Error> {
        let mut serial = [0u8; 8];
        SysRng
            .try_fill_bytes(&mut serial)
            .map_err(|_| Error::Random)?;
        self.issue_with_serial(spec, Serial(serial))
    }

    /// Like [`Issuer::issue`], with a serial chosen by the caller: an
    /// order's ([`order_serial`](crate::order_serial)), or a fixture's.
    pub fn issue_with_serial(
        &self,
        spec: &LicenseSpec,
        serial: Serial,
    ) -> Result<IssuedToken, Error> {
        self.sign(spec, serial, Check::Signature)
    }

    /// Issues a batch: every spec is validated before the first is signed,
    /// so one bad spec issues nothing. Each token is read back and its
    /// claims compared; the first token's signature is verified too (it
    /// proves the key pair), the others' are not: verification costs twice
    /// a signature, and Ed25519 signing in memory is deterministic code
    /// (docs/ci.md). Returns the tokens in the order of `specs`.
    pub fn issue_batch(&self, specs: &[(LicenseSpec, Serial)]) -> Result<Vec<IssuedToken>, Error> {
        let now = unix_now();
        for (spec, serial) in specs {
            let issued_at = spec.issued_at.unwrap_or(now);
            spec.validate(issued_at)?;
            check_len(&encode::body(spec, self.key.key_id(), *serial, issued_at))?;
        }
        let mut out = Vec::with_capacity(specs.len());
        for (i, (spec, serial)) in specs.iter().enumerate() {
            let mut spec = spec.clone();
            spec.issued_at = Some(spec.issued_at.unwrap_or(now));
            let check = if i == 0 {
                Check::Signature
            } else {
                Check::Claims
            };
            out.push(self.sign(&spec, *serial, check)?);
        }
        Ok(out)
    }

    fn sign(&self, spec: &LicenseSpec, serial: Serial, check: Check) -> Result<IssuedToken, Error> {
        let issued_at = spec.issued_at.unwrap_or_else(unix_now);
        spec.validate(issued_at)?;
        let body = encode::body(spec, self.key.key_id(), serial, issued_at);
        check_len(&body)?;
        let signature = self.key.sign(TOKEN_CONTEXT, &body).map_err(Error::Sign)?;
        let mut bytes = body;
        bytes.extend_from_slice(&signature);
        let text = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(&bytes));
        self.self_check(&text, spec, serial, issued_at, check)?;
        Ok(IssuedToken {
            text,
            serial,
            issued_at,
        })
    }

    /// Reads the token back through the verifier: it must carry exactly
    /// the claims asked for and, with [`Check::Signature`], verify under
    /// our key.
    fn self_check(
        &self,
        text: &str,
        spec: &LicenseSpec,
        serial: Serial,
        issued_at: u64,
        check: Check,
    ) -> Result<(), Error> {
        let keys = [self.key.public_key()];
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(text, &mut buf).map_err(|e| Error::SelfCheck(e.to_string()))?;
        if check == Check::Signature {
            Verifier::new(&keys)
                .check_signature(&token)
                .map_err(|e| Error::SelfCheck(e.to_string()))?;
        }
        if token.serial() != serial || !claims_match(token.claims(), spec, issued_at) {
            return Err(Error::SelfCheck("the claims read back differ".into()));
        }
        Ok(())
    }
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("key_id", &self.key.key_id())
            .finish()
    }
}

/// What a new token is checked for before it is handed out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Its claims and its signature.
    Signature,
    /// Its claims (a batch after its first token).
    Claims,
}

/// The signed body and its signature must fit the format's limit.
fn check_len(body: &[u8]) -> Result<(), Error> {
    let len = body.len().saturating_add(entitle_verify::SIGNATURE_LEN);
    if len > MAX_TOKEN_BYTES {
        return Err(invalid(
            "token",
            format!("{len} bytes, at most {MAX_TOKEN_BYTES}: use fewer or shorter features"),
        ));
    }
    Ok(())
}

fn claims_match(claims: &Claims<'_>, spec: &LicenseSpec, issued_at: u64) -> bool {
    claims.product == spec.product
        && claims.edition == spec.edition
        && claims.seats == spec.seats
        && claims.model == spec.model
        && claims.cap == spec.cap
        && claims.kind == spec.kind
        && claims.issued_at == issued_at
        && claims.not_before == spec.not_before.unwrap_or(issued_at)
        && claims.expires_at == spec.expires_at
        && claims.updates_until == spec.updates_until
        && claims.tenant == spec.tenant.as_deref()
        && claims.features.iter().eq(sorted(&spec.features))
}

/// The features as the token carries them: in byte order.
pub(crate) fn sorted(features: &[String]) -> Vec<&str> {
    let mut sorted: Vec<&str> = features.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted
}

/// The system clock in Unix seconds (0 if it reads before 1970).
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
