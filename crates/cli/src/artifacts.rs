//! The signer of a life-cycle artifact, from the command line; reading
//! artifacts is the library's (`entitle::artifacts`).

use entitle_lifecycle::{Authority, Certificate, Chains, Signed};
use entitle_verify::PublicKey;

pub use entitle::artifacts::*;

/// A life-cycle error as a failure of the command, with its exit code
/// ([`entitle::artifacts::lifecycle_error`]).
pub fn lifecycle_error(
    error: &entitle_lifecycle::Error,
    context: impl std::fmt::Display,
) -> CliError {
    entitle::artifacts::lifecycle_error(error, context).into()
}

use crate::cli::SignerArgs;
use crate::error::CliError;
use crate::input::read_public_keys;
use crate::signing::read_signing_key;

/// The signer of a life-cycle artifact.
pub struct Signer {
    /// Its key.
    pub key: Box<dyn entitle_verify::Signer>,
    /// Its certificate chain (empty for the vendor).
    pub certs: Vec<Signed<Certificate>>,
    /// Its authority, when vendor keys were given to check it.
    pub authority: Option<Authority>,
    /// The vendor keys given.
    pub vendor_keys: Vec<PublicKey>,
}

impl Signer {
    /// Loads key, chain and, with --public, the authority of the chain.
    pub fn load(args: &SignerArgs) -> Result<Signer, CliError> {
        let key = read_signing_key(args.key.as_deref())?;
        let certs = read_certificates(&args.certs)?;
        // One view per action: exactly one chain for the signing key.
        let own = certs
            .iter()
            .filter(|c| c.unverified().subject == key.public_key().to_bytes())
            .count();
        if own > 1 {
            return Err(CliError::input(format!(
                "--cert holds {own} certificates for the signing key: give exactly one chain, \
                 the one of the view you act in"
            )));
        }
        let vendor_keys = read_public_keys(&args.public)?;
        let authority = if vendor_keys.is_empty() {
            None
        } else {
            let chains = Chains::new(&vendor_keys, &certs, Vec::new());
            let own_key = key.public_key();
            let (found, ()) = chains
                .signer_of(key.key_id(), |candidate| {
                    if candidate == &own_key {
                        Ok(())
                    } else {
                        Err(entitle_lifecycle::Error::Chain(
                            "no chain ends in this key (a key-id collision?)".to_string(),
                        ))
                    }
                })
                .map_err(|e| lifecycle_error(&e, "the signer: "))?;
            Some(found)
        };
        Ok(Signer {
            key,
            certs,
            authority,
            vendor_keys,
        })
    }

    /// The artifact's text followed by the signer's chain, one per line.
    pub fn with_chain(&self, text: &str) -> String {
        let mut out = String::from(text);
        for cert in &self.certs {
            out.push('\n');
            out.push_str(cert.text());
        }
        out
    }

    /// The chain's texts.
    pub fn chain(&self) -> Vec<String> {
        self.certs.iter().map(|c| c.text().to_string()).collect()
    }
}
