//! `entitle keygen`: a new signing key pair, in files or in a PKCS#11 module.

use entitle_issue::pkcs11::Pkcs11Key;
use entitle_issue::{SigningKey, public_key_to_pem, write_file, write_key_pair};

use crate::cli::KeygenArgs;
use crate::error::CliError;
use crate::output::say;

/// Runs the command.
pub fn run(args: &KeygenArgs) -> Result<(), CliError> {
    let id = match (&args.secret, &args.key) {
        (Some(secret), _) => {
            let key = SigningKey::generate()?;
            write_key_pair(&key, secret, &args.public, args.force)?;
            eprintln!(
                "wrote secret key {} (mode 0600; keep it secret) and public key {}",
                secret.display(),
                args.public.display()
            );
            key.id()
        }
        (None, Some(uri)) => {
            if !args.force && args.public.exists() {
                return Err(entitle_issue::Error::Exists(args.public.clone()).into());
            }
            let key =
                Pkcs11Key::generate(uri).map_err(|e| CliError::input(format!("--key: {e}")))?;
            let pem = public_key_to_pem(&entitle_verify::Signer::public_key(&key))?;
            write_file(&args.public, pem.as_bytes(), 0o644, args.force)?;
            eprintln!(
                "made the key inside the module (it never leaves it) and wrote public key {}",
                args.public.display()
            );
            key.id()
        }
        (None, None) => return Err(CliError::input("give --secret PATH or --key pkcs11:...")),
    };
    say!("key id {id}");
    Ok(())
}
