//! `entitle issue`: sign one token.

use entitle_issue::{Issuer, LicenseSpec};
use entitle_verify::{Kind, MAX_TOKEN_BYTES, SeatModel, Token};
use serde::Serialize;

use crate::cli::{IssueArgs, KindArg, ModelArg};
use crate::error::CliError;
use crate::input::read_signing_key;
use crate::json::TokenJson;

/// Runs the command: prints exactly the token on one line (or JSON).
pub fn run(args: &IssueArgs) -> Result<(), CliError> {
    let issuer = Issuer::new(read_signing_key(args.key.as_deref())?);
    let issued = issuer.issue(&spec(args))?;
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
        println!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
    } else {
        println!("{}", issued.text);
    }
    Ok(())
}

fn spec(args: &IssueArgs) -> LicenseSpec {
    let mut spec = LicenseSpec::new(&args.product, &args.edition, args.seats);
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
    spec
}
