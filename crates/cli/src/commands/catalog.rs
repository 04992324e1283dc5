//! `entitle catalog check` and `entitle catalog sign`.

use entitle_allocate::{Catalog, open_signed_catalog, sign_catalog};

use crate::cli::{CatalogCheckArgs, CatalogCommand, CatalogSignArgs};
use crate::error::CliError;
use crate::input::{read_file, read_public_keys};
use crate::output::{say, say_raw};
use crate::signing::read_signing_key;

/// Runs a catalog command.
pub fn run(command: &CatalogCommand) -> Result<(), CliError> {
    match command {
        CatalogCommand::Check(args) => check(args),
        CatalogCommand::Sign(args) => sign(args),
    }
}

pub use entitle::decision::catalog_error;

fn check(args: &CatalogCheckArgs) -> Result<(), CliError> {
    let text = read_file(&args.file)?;
    let catalog = if args.public.is_empty() {
        Catalog::parse(&text)
    } else {
        open_signed_catalog(&text, &read_public_keys(&args.public)?)
    }
    .map_err(|e| catalog_error(&args.file, &e))?;
    let editions: usize = catalog.products.iter().map(|p| p.editions.len()).sum();
    say!(
        "{}: ok: {} products, {} license types, {} editions{}",
        args.file.display(),
        catalog.products.len(),
        catalog.licenses.len(),
        editions,
        if args.public.is_empty() {
            ""
        } else {
            ", signature valid"
        }
    );
    Ok(())
}

fn sign(args: &CatalogSignArgs) -> Result<(), CliError> {
    let key = read_signing_key(args.key.as_deref())?;
    let text = read_file(&args.file)?;
    let signed = sign_catalog(&text, key.as_ref()).map_err(|e| catalog_error(&args.file, &e))?;
    say_raw!("{signed}");
    Ok(())
}
