//! `entitle keygen`: a new signing key pair.

use entitle_issue::{SigningKey, write_key_pair};

use crate::cli::KeygenArgs;
use crate::error::CliError;
use crate::output::say;

/// Runs the command.
pub fn run(args: &KeygenArgs) -> Result<(), CliError> {
    let key = SigningKey::generate()?;
    write_key_pair(&key, &args.secret, &args.public, args.force)?;
    eprintln!(
        "wrote secret key {} (mode 0600; keep it secret) and public key {}",
        args.secret.display(),
        args.public.display()
    );
    say!("key id {}", key.id());
    Ok(())
}
