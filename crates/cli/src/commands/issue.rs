//! `entitle issue`: sign one token.

use entitle_allocate::Catalog;
use entitle_issue::{Issuer, LicenseSpec, unix_now};
use entitle_verify::{Kind, MAX_TOKEN_BYTES, SeatModel, Token};
use serde::Serialize;

use crate::artifacts::{read_certificates, sort_inputs};
use crate::cli::{IssueArgs, KindArg, ModelArg};
use crate::decision::{Where, decide_sorted};
use crate::error::CliError;
use crate::input::{TokenInput, read_file, read_public_keys, read_signing_key, read_tokens};
use crate::json::TokenJson;
use crate::output::say;

/// Most seats (or cap) a token may grant unless a catalog's edition caps
/// higher: beyond it, a count is a typo, never a sale.
const MOST_SEATS_UNCHECKED: u64 = 100_000;

/// Runs the command: prints exactly the token on one line (or JSON).
pub fn run(args: &IssueArgs) -> Result<(), CliError> {
    let issuer = Issuer::from_boxed(read_signing_key(args.key.as_deref())?);
    let mut spec = spec(args);
    let mut most = MOST_SEATS_UNCHECKED;
    let mut checked_catalog = None;
    if let Some(path) = &args.catalog {
        let catalog = Catalog::parse(&read_file(path)?)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
        let now = args.now.unwrap_or_else(unix_now);
        spec.issued_at = Some(now);
        entitle_issue::prepare_spec(&catalog, &mut spec, now)
            .map_err(|e| CliError::input(format!("the catalog forbids it: {e}")))?;
        if let Some(cap) = catalog
            .edition(&spec.product, &spec.edition)
            .and_then(|(_, e)| e.cap)
        {
            most = u64::from(cap);
        }
        checked_catalog = Some(catalog);
    }
    for (flag, count) in [("--seats", Some(spec.seats)), ("--cap", spec.cap)] {
        if count.is_some_and(|n| u64::from(n) > most) {
            return Err(CliError::input(format!(
                "{flag} {}: more than {most} is refused without a --catalog whose edition caps higher",
                count.unwrap_or_default(),
            )));
        }
    }
    let issued = issuer.issue(&spec)?;
    let chain = if args.certs.is_empty() && args.existing.is_empty() {
        Vec::new()
    } else {
        joined_check(
            args,
            &issued.text,
            issued.issued_at,
            spec.tenant.as_deref(),
            checked_catalog,
        )?
    };
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
        for cert in chain {
            say!("{cert}");
        }
    }
    if args.catalog.is_none() {
        eprintln!(
            "entitle: note: no --catalog: product, edition, features and seat counts were not checked against the vendor's catalog"
        );
    }
    Ok(())
}

/// The new license joins the customer's --existing licenses (and a
/// partner's chain): decided as `entitle verify` decides, at the time of
/// issue, with the catalog when given. It must count, and no seat of it may
/// be lost to a cap (a pack that puts a Compact over 20 users). Returns the
/// chain's texts, to print after it.
fn joined_check(
    args: &IssueArgs,
    token: &str,
    issued_at: u64,
    tenant: Option<&str>,
    catalog: Option<Catalog>,
) -> Result<Vec<String>, CliError> {
    let keys = read_public_keys(&args.public)?;
    let chain: Vec<String> = read_certificates(&args.certs)?
        .iter()
        .map(|c| c.text().to_string())
        .collect();
    let existing = read_tokens(&args.existing)?;
    let mut inputs = existing.clone();
    for text in chain.iter().map(String::as_str).chain([token]) {
        inputs.push(TokenInput {
            text: text.to_string(),
            origin: "the new license".into(),
            position: inputs.len(),
        });
    }
    let inputs_len = inputs.len();
    let decide = |inputs: Vec<TokenInput>| {
        decide_sorted(
            sort_inputs(inputs),
            Where {
                keys: &keys,
                catalog: catalog.clone(),
                appliance: None,
                machine: None,
                now: issued_at,
                clock_tolerance: 600,
                build_date: None,
                tenant,
            },
        )
    };
    let outcome = decide(inputs)?;
    let position = inputs_len.saturating_sub(1);
    if let Some((_, mut failure)) = outcome.failures.into_iter().find(|(p, _)| *p == position) {
        failure.message = format!("not issued, it would not count: {}", failure.message);
        return Err(failure);
    }
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let serial = Token::decode(token, &mut buf)
        .map_err(|e| CliError::token(e, "the new token"))?
        .serial();
    let Some(pool) = outcome
        .supply
        .pools
        .iter()
        .find(|p| p.serials.contains(&serial))
    else {
        return Ok(chain);
    };
    let over = |p: &entitle_allocate::PoolLine| p.seats_bought.saturating_sub(p.seats);
    let before = if existing.is_empty() {
        0
    } else {
        decide(existing)?
            .supply
            .pools
            .iter()
            .find(|p| {
                p.product == pool.product
                    && p.edition == pool.edition
                    && p.tenant == pool.tenant
                    && p.model == pool.model
            })
            .map_or(0, over)
    };
    let lost = over(pool).saturating_sub(before);
    if lost > 0 {
        let whose = pool
            .tenant
            .as_deref()
            .map(|t| format!("{t}'s "))
            .unwrap_or_default();
        return Err(CliError::input(format!(
            "not issued: {whose}{} {} would hold {} seats under its cap of {}: {lost} seats of the new license could never be used",
            pool.product,
            pool.edition,
            pool.seats_bought,
            pool.cap.unwrap_or_default()
        )));
    }
    Ok(chain)
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
