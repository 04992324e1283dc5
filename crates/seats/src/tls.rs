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
    /// The names and addresses it was made for, comma-separated (unknown
    /// for a certificate made before they were kept).
    pub names: Option<String>,
}

/// The names the certificate was made for, one per line, beside it.
pub const NAMES_FILE: &str = "tls.names";

/// Reads the certificate and key from `dir`, or makes them there for the
/// host names and addresses `names`. A certificate made earlier must name
/// every one of `required` (the listen address, the `--tls-name`s): one
/// that does not is refused, saying what to do, since clients would
/// reject it.
pub fn server(dir: &Path, names: &[String], required: &[String]) -> Result<ServerTls, Error> {
    let (cert_path, key_path) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
    let names_path = dir.join(NAMES_FILE);
    if cert_path.exists() {
        // A certificate from before the names were kept: its names are
        // unknown, and it is used as it is.
        if let Ok(text) = std::fs::read_to_string(&names_path) {
            let made_for: Vec<&str> = text.lines().map(str::trim).collect();
            let missing: Vec<&str> = required
                .iter()
                .map(String::as_str)
                .filter(|name| !made_for.contains(name))
                .collect();
            if !missing.is_empty() {
                return Err(Error::Invalid(format!(
                    "{} names {} but not {}: delete it and {} to make a new one at this start, \
                     then give the clients the new certificate",
                    cert_path.display(),
                    made_for.join(", "),
                    missing.join(", "),
                    key_path.display()
                )));
            }
        }
    } else {
        let made = rcgen::generate_simple_self_signed(names.to_vec())
            .map_err(|e| Error::Invalid(format!("cannot make the TLS certificate: {e}")))?;
        write_new(
            &key_path,
            made.signing_key.serialize_pem().as_bytes(),
            0o600,
        )?;
        write_new(&cert_path, made.cert.pem().as_bytes(), 0o644)?;
        let _ = std::fs::remove_file(&names_path);
        write_new(
            &names_path,
            format!("{}\n", names.join("\n")).as_bytes(),
            0o644,
        )?;
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
    let names = std::fs::read_to_string(&names_path)
        .ok()
        .map(|text| text.lines().collect::<Vec<_>>().join(", "));
    Ok(ServerTls {
        config: Arc::new(config),
        fingerprint,
        names,
    })
}

/// The server's TLS for listening on `listen`, its certificate kept in
/// `dir`: what clients may call the server is, on every address, this
/// host's name and addresses, else the address it listens on; and each of
/// `tls_names`.
pub fn for_listen(
    dir: &Path,
    listen: std::net::SocketAddr,
    tls_names: &[String],
) -> Result<ServerTls, Error> {
    let mut required: Vec<String> = tls_names.to_vec();
    let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    if listen.ip().is_unspecified() {
        names.extend(host_names());
    } else {
        required.push(listen.ip().to_string());
    }
    names.extend(required.iter().cloned());
    names.sort();
    names.dedup();
    server(dir, &names, &required)
}

/// This host's name and addresses (Linux: `/proc`), loopback left out:
/// what LAN clients may use to reach a server listening on every address.
pub fn host_names() -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim();
        if !host.is_empty() && host != "localhost" {
            names.push(host.to_string());
        }
    }
    // IPv4: the trie's local host routes ("/32 host LOCAL"), each after
    // the line that names its address.
    if let Ok(trie) = std::fs::read_to_string("/proc/net/fib_trie") {
        let mut last = None;
        for line in trie.lines() {
            let line = line.trim();
            if let Some(address) = line.strip_prefix("|-- ") {
                last = address.parse::<std::net::Ipv4Addr>().ok();
            } else if line == "/32 host LOCAL" {
                if let Some(address) = last.filter(|a| !a.is_loopback()) {
                    names.push(address.to_string());
                }
            }
        }
    }
    // IPv6: 32 hex digits per address, the first column.
    if let Ok(table) = std::fs::read_to_string("/proc/net/if_inet6") {
        for line in table.lines() {
            let Some(hex) = line.split_whitespace().next() else {
                continue;
            };
            let Ok(bits) = u128::from_str_radix(hex, 16) else {
                continue;
            };
            let address = std::net::Ipv6Addr::from(bits);
            let link_local = address.segments()[0] & 0xffc0 == 0xfe80;
            if !address.is_loopback() && !link_local {
                names.push(address.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    names
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
