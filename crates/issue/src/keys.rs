//! Signing keys and key files: PEM, PKCS#8 for secret keys and SPKI for
//! public keys, the formats `openssl genpkey -algorithm ed25519` writes.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use entitle_verify::{KeyId, PublicKey};
use rand::rand_core::TryRng as _;
use rand::rngs::SysRng;
use zeroize::Zeroizing;

use crate::error::Error;

/// An Ed25519 signing (secret) key.
///
/// The secret bytes are wiped from memory when the key is dropped, and
/// `Debug` prints only the key id.
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
    public: PublicKey,
}

impl SigningKey {
    /// A new key from the operating system's random number generator.
    pub fn generate() -> Result<SigningKey, Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        SysRng
            .try_fill_bytes(seed.as_mut())
            .map_err(|_| Error::Random)?;
        SigningKey::from_secret(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The key of a 32-byte seed (RFC 8032's secret key): for keys derived
    /// from another key's deterministic signature, as the portal derives
    /// a company's extra-keys key from the vendor's without keeping it.
    pub fn from_seed(seed: &[u8; 32]) -> Result<SigningKey, Error> {
        SigningKey::from_secret(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    fn from_secret(key: ed25519_dalek::SigningKey) -> Result<SigningKey, Error> {
        let public =
            PublicKey::from_bytes(key.verifying_key().as_bytes()).map_err(Error::InvalidKey)?;
        Ok(SigningKey { key, public })
    }

    /// Reads a PEM PKCS#8 secret key (`-----BEGIN PRIVATE KEY-----`).
    pub fn from_pem(pem: &str) -> Result<SigningKey, Error> {
        const EXPECTED: &str = "secret key (PKCS#8, \"BEGIN PRIVATE KEY\")";
        let pem = unindent(pem);
        if let Some(detail) = diagnose(&pem, Kind::Secret) {
            return Err(Error::KeyFormat {
                expected: EXPECTED,
                detail,
            });
        }
        let key =
            ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).map_err(|e| Error::KeyFormat {
                expected: EXPECTED,
                detail: e.to_string(),
            })?;
        SigningKey::from_secret(key)
    }

    /// The secret key as PEM PKCS#8 text, wiped from memory when dropped.
    pub fn to_pem(&self) -> Result<Zeroizing<String>, Error> {
        // Version 1 PKCS#8 (no embedded public key), as openssl writes it.
        let secret = ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.key.to_bytes(),
            public_key: None,
        };
        let pem = secret
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| Error::KeyFormat {
                expected: "secret key",
                detail: e.to_string(),
            });
        drop(secret); // KeypairBytes zeroizes its secret on drop
        pem
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    /// The key id tokens signed with this key carry.
    pub fn id(&self) -> KeyId {
        self.public.id()
    }

    /// Signs `context || message`: the signature
    /// [`PublicKey::verify_signature`] checks with the same context. Each
    /// kind of artifact has its own context (`entitle_verify::format`), so a
    /// signature made for one kind never passes as another.
    pub fn sign(&self, context: &[u8], message: &[u8]) -> [u8; entitle_verify::SIGNATURE_LEN] {
        use ed25519_dalek::Signer as _;
        self.key.sign(&[context, message].concat()).to_bytes()
    }
}

impl entitle_verify::Signer for SigningKey {
    fn public_key(&self) -> PublicKey {
        SigningKey::public_key(self)
    }

    fn sign(
        &self,
        context: &[u8],
        message: &[u8],
    ) -> Result<[u8; entitle_verify::SIGNATURE_LEN], entitle_verify::SignError> {
        Ok(SigningKey::sign(self, context, message))
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("id", &self.id())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Reads a PEM SPKI public key (`-----BEGIN PUBLIC KEY-----`).
pub fn public_key_from_pem(pem: &str) -> Result<PublicKey, Error> {
    const EXPECTED: &str = "public key (SPKI, \"BEGIN PUBLIC KEY\")";
    let pem = unindent(pem);
    if let Some(detail) = diagnose(&pem, Kind::Public) {
        return Err(Error::KeyFormat {
            expected: EXPECTED,
            detail,
        });
    }
    let key =
        ed25519_dalek::VerifyingKey::from_public_key_pem(&pem).map_err(|e| Error::KeyFormat {
            expected: EXPECTED,
            detail: e.to_string(),
        })?;
    PublicKey::from_bytes(key.as_bytes()).map_err(Error::InvalidKey)
}

/// Which key a file should hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Secret,
    Public,
}

/// PEM as mail and wikis indent it: every line's leading and trailing
/// whitespace dropped (PEM has none that matters), and explanatory text
/// before the first `-----BEGIN` line left out (RFC 7468 allows it:
/// `entitle key export --format pem` writes the key id there).
fn unindent(pem: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(pem.len()));
    let lines = pem.lines().map(str::trim);
    let from_begin: Vec<&str> = lines
        .clone()
        .skip_while(|l| !l.starts_with("-----BEGIN "))
        .collect();
    let lines: Vec<&str> = if from_begin.is_empty() {
        lines.collect()
    } else {
        from_begin
    };
    for line in lines.into_iter().filter(|l| !l.is_empty()) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The usual mistakes with key files, each with its fix; `None` when the
/// text may well be the key expected.
fn diagnose(pem: &str, want: Kind) -> Option<String> {
    let has = |label: &str| pem.contains(&format!("-----BEGIN {label}-----"));
    if pem.trim().is_empty() {
        return Some("it is empty: put the key's PEM text (\"-----BEGIN ...\") in it".into());
    }
    if has("ENCRYPTED PRIVATE KEY") {
        return Some(
            "it is encrypted with a passphrase; entitle reads unencrypted keys: \
             `openssl pkey -in KEY.pem -out plain.pem` (and keep plain.pem secret, mode 0600)"
                .into(),
        );
    }
    match want {
        Kind::Secret if has("PUBLIC KEY") => Some(
            "this is a public key (\"BEGIN PUBLIC KEY\"): signing needs the secret key, the file \
             `entitle keygen --secret` wrote"
                .into(),
        ),
        Kind::Public if has("PRIVATE KEY") => Some(
            "this is a secret key: give the public key (`entitle keygen --public`, or \
             `openssl pkey -in KEY.pem -pubout`), and keep the secret one off this machine"
                .into(),
        ),
        _ if !pem.contains("-----BEGIN ") => Some(
            "there is no \"-----BEGIN\" line: a DER (binary) key converts with \
             `openssl pkey -inform DER -in KEY.der -out KEY.pem`"
                .into(),
        ),
        _ => None,
    }
}

/// A public key as DER SPKI bytes (what `openssl pkey -pubin -outform DER` writes).
pub fn public_key_to_der(key: &PublicKey) -> Result<Vec<u8>, Error> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key.to_bytes())
        .map_err(|_| Error::InvalidKey(entitle_verify::Error::InvalidKey))?;
    key.to_public_key_der()
        .map(|der| der.as_bytes().to_vec())
        .map_err(|e| Error::KeyFormat {
            expected: "public key",
            detail: e.to_string(),
        })
}

/// A public key as PEM SPKI text.
pub fn public_key_to_pem(key: &PublicKey) -> Result<String, Error> {
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key.to_bytes())
        .map_err(|_| Error::InvalidKey(entitle_verify::Error::InvalidKey))?;
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| Error::KeyFormat {
            expected: "public key",
            detail: e.to_string(),
        })
}

/// Writes a new key pair: the secret key with mode 0600, the public key
/// with mode 0644. Refuses to replace existing files unless `force`.
pub fn write_key_pair(
    key: &SigningKey,
    secret_path: &Path,
    public_path: &Path,
    force: bool,
) -> Result<(), Error> {
    if !force {
        for path in [secret_path, public_path] {
            if path.exists() {
                return Err(Error::Exists(path.to_path_buf()));
            }
        }
    }
    write_file(secret_path, key.to_pem()?.as_bytes(), 0o600, force)?;
    write_file(
        public_path,
        public_key_to_pem(&key.public_key())?.as_bytes(),
        0o644,
        force,
    )
}

/// Writes `bytes` to `path` with `mode`, atomically: a temporary file
/// beside it (made with `mode` from the start, so a secret is never
/// readable by others, not even briefly), synced, then moved into place,
/// and the directory synced. No reader ever sees half a file. Without
/// `replace`, an existing `path` is refused ([`Error::Exists`]). The one
/// writer of key and state files.
pub fn write_file(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<(), Error> {
    let io = |source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".entitle-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        builder.permissions(fs::Permissions::from_mode(mode));
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = builder.tempfile_in(dir).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.as_file().sync_all().map_err(io)?;
    if replace {
        file.persist(path).map_err(|e| io(e.error))?;
    } else {
        file.persist_noclobber(path).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Exists(path.to_path_buf())
            } else {
                io(e.error)
            }
        })?;
    }
    if let Ok(dir) = fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}
