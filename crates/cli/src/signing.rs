//! The signing key of a command: a PEM file, standard input, the
//! environment (`ENTITLE_SIGNING_KEY`), or a key inside a PKCS#11 module.

use std::io::Read as _;
use std::path::Path;

use entitle_issue::{SigningKey, pkcs11};
use entitle_verify::Signer;
use zeroize::Zeroizing;

use crate::error::CliError;
use crate::input::read_key_file;

/// The environment variable a CI job puts the signing key's PEM text in.
pub const SIGNING_KEY_ENV: &str = "ENTITLE_SIGNING_KEY";

/// Loads the signing key: `--key PATH`, `--key -` (standard input),
/// `--key pkcs11:...` (a key in a hardware module), or the
/// `ENTITLE_SIGNING_KEY` environment variable (PEM text or a `pkcs11:`
/// URI). Never the key itself from an argument.
pub fn read_signing_key(key_arg: Option<&str>) -> Result<Box<dyn Signer + Send>, CliError> {
    if let Some(uri) = key_arg.filter(|k| k.starts_with(pkcs11::SCHEME)) {
        return open_module_key(uri, "--key");
    }
    let (pem, origin) = match key_arg {
        Some(arg) if arg.contains("-----BEGIN") || arg.contains("PRIVATE KEY") => {
            return Err(CliError::input(
                "--key takes a file path or '-', never the key itself: key text on a command \
                 line leaks into shell history and process lists",
            ));
        }
        Some("-") => {
            let mut text = Zeroizing::new(String::new());
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError::input(format!("cannot read standard input: {e}")))?;
            (text, "standard input".to_string())
        }
        Some(path) => (read_key_file(Path::new(path))?, path.to_string()),
        None => match std::env::var(SIGNING_KEY_ENV) {
            Ok(uri) if uri.trim_start().starts_with(pkcs11::SCHEME) => {
                return open_module_key(uri.trim(), SIGNING_KEY_ENV);
            }
            Ok(text) => (
                Zeroizing::new(unescape_newlines(text)),
                SIGNING_KEY_ENV.to_string(),
            ),
            Err(_) => {
                return Err(CliError::input(format!(
                    "no signing key: pass --key PATH, --key - (standard input), \
                     or set {SIGNING_KEY_ENV} to the key's PEM text"
                )));
            }
        },
    };
    let key = SigningKey::from_pem(&pem).map_err(|e| CliError::input(format!("{origin}: {e}")))?;
    if let Some(path) = key_arg.filter(|&p| p != "-") {
        warn_if_readable_by_others(Path::new(path));
    }
    Ok(Box::new(key))
}

/// Opens a key a PKCS#11 module holds (`pkcs11:` URI, RFC 7512).
fn open_module_key(uri: &str, origin: &str) -> Result<Box<dyn Signer + Send>, CliError> {
    pkcs11::Pkcs11Key::open(uri)
        .map(|key| Box::new(key) as Box<dyn Signer + Send>)
        .map_err(|e| CliError::input(format!("{origin}: {e}")))
}

/// A secret key file others can read is a leak waiting to happen; say so
/// (as ssh does), but go on: the file may sit on a single-user machine.
fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "entitle: warning: signing key {} is readable by others (mode {mode:o}); \
                     run chmod 600 on it",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// CI systems sometimes store a PEM with `\n` written out; accept that.
fn unescape_newlines(text: String) -> String {
    if !text.contains('\n') && text.contains("\\n") {
        let unescaped = text.replace("\\n", "\n");
        drop(Zeroizing::new(text));
        unescaped
    } else {
        text
    }
}
