//! The seat server's TLS: a self-signed certificate made on first start in
//! the state directory, its SHA-256 fingerprint printed, and clients that
//! trust that one certificate and nothing else (pinning).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest as _, Sha256};

use crate::error::Error;

/// The certificate's file in the state directory.
pub const CERT_FILE: &str = "tls.cert.pem";
/// The key's file in the state directory (mode 0600).
pub const KEY_FILE: &str = "tls.key.pem";

/// The server's TLS configuration and its certificate's fingerprint.
pub struct ServerTls {
    /// For the acceptor.
    pub config: Arc<rustls::ServerConfig>,
    /// `SHA256:AB:CD:…` of the certificate's DER.
    pub fingerprint: String,
}

/// Reads the certificate and key from `dir`, or makes them there, for the
/// host names and addresses `names` (used only when making them).
pub fn server(dir: &Path, names: &[String]) -> Result<ServerTls, Error> {
    let (cert_path, key_path) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    if !cert_path.exists() {
        let made = rcgen::generate_simple_self_signed(names.to_vec())
            .map_err(|e| Error::Invalid(format!("cannot make the TLS certificate: {e}")))?;
        write_new(
            &key_path,
            made.signing_key.serialize_pem().as_bytes(),
            0o600,
        )?;
        write_new(&cert_path, made.cert.pem().as_bytes(), 0o644)?;
    }
    let cert = CertificateDer::from_pem_file(&cert_path)
        .map_err(|e| Error::Invalid(format!("{}: {e}", cert_path.display())))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| Error::Invalid(format!("{}: {e}", key_path.display())))?;
    let fingerprint = fingerprint(&cert);
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Invalid(format!("TLS: {e}")))?
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .map_err(|e| Error::Invalid(format!("TLS: {e}")))?;
    Ok(ServerTls {
        config: Arc::new(config),
        fingerprint,
    })
}

/// `SHA256:AB:CD:…` of a certificate.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    let digest = Sha256::digest(cert.as_ref());
    let mut out = String::from("SHA256:");
    for (i, byte) in digest.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        let _ = write!(out, "{byte:02X}");
    }
    out
}

pub(crate) fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let fail = |e: std::io::Error| Error::Invalid(format!("{}: {e}", path.display()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.sync_all().map_err(fail)
}
