//! `entitle inspect`: decode tokens without trusting them.

use entitle_verify::{MAX_TOKEN_BYTES, Token};
use serde::Serialize;

use crate::cli::InspectArgs;
use crate::error::CliError;
use crate::input::read_tokens;
use crate::json::{TokenJson, rfc3339};
use crate::output::say;

const WARNING: &str = "UNVERIFIED: decoded only, the signature was NOT checked; \
                       use `entitle verify` before trusting any of this";

/// Runs the command.
pub fn run(args: &InspectArgs) -> Result<(), CliError> {
    for input in read_tokens(std::slice::from_ref(&args.token))? {
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token =
            Token::decode(&input.text, &mut buf).map_err(|e| CliError::token(e, &input.origin))?;
        if args.json {
            #[derive(Serialize)]
            struct Inspected<'a> {
                verified: bool,
                warning: &'static str,
                format_version: u8,
                #[serde(flatten)]
                claims: TokenJson<'a>,
            }
            let json = Inspected {
                verified: false,
                warning: WARNING,
                format_version: entitle_verify::format::VERSION,
                claims: TokenJson::new(&token),
            };
            say!(
                "{}",
                serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
            );
        } else {
            print_plain(&token);
        }
    }
    Ok(())
}

fn print_plain(token: &Token<'_>) {
    let c = token.claims();
    let or_none = |v: Option<String>, none: &str| v.unwrap_or_else(|| none.to_string());
    say!("{WARNING}");
    say!("format        1");
    say!("key id        {}", token.key_id());
    say!("serial        {}", token.serial());
    say!("product       {}", c.product);
    say!("edition       {}", c.edition);
    say!("kind          {}", c.kind);
    say!("seats         {} ({})", c.seats, c.model);
    say!(
        "cap           {}",
        or_none(c.cap.map(|n| n.to_string()), "none")
    );
    say!("tenant        {}", c.tenant.unwrap_or("none"));
    let features: Vec<&str> = c.features.iter().collect();
    say!(
        "features      {}",
        if features.is_empty() {
            "none".to_string()
        } else {
            features.join(", ")
        }
    );
    say!("issued at     {}", rfc3339(c.issued_at));
    say!("not before    {}", rfc3339(c.not_before));
    say!(
        "expires at    {}",
        or_none(c.expires_at.map(rfc3339), "never (perpetual)")
    );
    say!(
        "updates until {}",
        or_none(c.updates_until.map(rfc3339), "no limit")
    );
}
