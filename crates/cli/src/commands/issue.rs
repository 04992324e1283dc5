//! `entitle issue`: sign one token.

use entitle_allocate::Catalog;
use entitle_issue::{Issuer, LicenseSpec, unix_now};
use entitle_verify::{Kind, MAX_TOKEN_BYTES, SeatModel, Token};
use serde::Serialize;

use crate::cli::{IssueArgs, KindArg, ModelArg};
use crate::error::CliError;
use crate::input::{read_file, read_signing_key};
use crate::json::TokenJson;
use crate::output::say;

/// Runs the command: prints exactly the token on one line (or JSON).
pub fn run(args: &IssueArgs) -> Result<(), CliError> {
    let issuer = Issuer::new(read_signing_key(args.key.as_deref())?);
    let mut spec = spec(args);
    if let Some(path) = &args.catalog {
        let catalog = Catalog::parse(&read_file(path)?)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
        let now = args.now.unwrap_or_else(unix_now);
        spec.issued_at = Some(now);
        entitle_issue::prepare_spec(&catalog, &mut spec, now)
            .map_err(|e| CliError::input(format!("the catalog forbids it: {e}")))?;
    }
    let issued = issuer.issue(&spec)?;
    if args.json {
        #[derive(Serialize)]
        struct Issued<'a> {
            token: &'a str,
            #[serde(flatten)]
            claims: TokenJson<'a>,
        }
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(&issued.text, &mut buf)
            .map_err(|e| CliError::token(e, "the new token"))?;
        let json = Issued {
            token: &issued.text,
            claims: TokenJson::new(&token),
        };
        say!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
    } else {
        say!("{}", issued.text);
    }
    Ok(())
}

fn spec(args: &IssueArgs) -> LicenseSpec {
    let mut spec = LicenseSpec::new(&args.product, &args.edition, args.seats.unwrap_or(0));
    spec.model = match args.model {
        ModelArg::Named => SeatModel::Named,
        ModelArg::Concurrent => SeatModel::Concurrent,
    };
    spec.kind = match args.kind {
        KindArg::Base => Kind::Base,
        KindArg::Addon => Kind::Addon,
    };
    spec.cap = args.cap;
    spec.tenant.clone_from(&args.tenant);
    spec.features.clone_from(&args.features);
    spec.not_before = args.not_before;
    spec.expires_at = if args.perpetual { None } else { args.expires };
    spec.updates_until = args.updates_until;
    spec.issued_at = args.now;
    spec
}
