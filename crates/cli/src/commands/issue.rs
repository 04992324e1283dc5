//! `entitle issue`: sign one token.

use entitle_allocate::Catalog;
use entitle_issue::{IssuedToken, Issuer, LicenseSpec, check_order_id, order_serial, unix_now};
use entitle_verify::{KeyId, MAX_TOKEN_BYTES, Token, Utc};
use serde::Serialize;

use crate::artifacts::{read_certificates, sort_inputs};
use crate::cli::IssueArgs;
use crate::decision::{Where, decide_sorted};
use crate::error::CliError;
use crate::input::{TokenInput, read_file, read_public_keys, read_tokens};
use crate::issuance::{Entry, Event, IssuanceLedger};
use crate::json::TokenJson;
use crate::order::Request;
use crate::output::say;
use crate::signing::read_signing_key;

/// Runs the command: prints exactly the token on one line (or JSON).
pub fn run(args: &IssueArgs) -> Result<(), CliError> {
    if let Some(batch) = &args.batch {
        return super::batch::run(args, batch);
    }
    let issuer = Issuer::from_boxed(read_signing_key(args.key.as_deref())?);
    let catalog = args.catalog.as_deref().map(read_catalog).transpose()?;
    let now = args.now.unwrap_or_else(unix_now);
    let request = request(args)?;
    let spec = request.to_spec(catalog.as_ref(), now)?;
    let mut ledger = IssuanceLedger::open(args.ledger.as_deref())?;
    if ledger.is_none() && (args.reseller.is_some() || args.distributor.is_some()) {
        return Err(CliError::input(
            "--reseller and --distributor are kept in the issuance ledger (they are not in the token): give --ledger or set ENTITLE_LEDGER",
        ));
    }
    let signer = issuer.key().key_id();
    let repeat = match (&args.order, &ledger) {
        (Some(order), Some(ledger)) => ledger
            .repeat_of(order, &issuer.key().public_key(), &request)
            .map_err(CliError::input)?
            .map(|first| first.artifact.clone()),
        _ => None,
    };
    let mut entry = None;
    let (text, issued_at) = match &repeat {
        Some(text) => {
            let mut buf = [0u8; MAX_TOKEN_BYTES];
            let token = Token::decode(text, &mut buf)
                .map_err(|e| CliError::token(e, "the ledger's licence of this order"))?;
            eprintln!(
                "entitle: note: order {} was issued already (serial {}); printing that licence again",
                args.order.as_deref().unwrap_or_default(),
                token.serial()
            );
            (text.clone(), token.claims().issued_at)
        }
        None => {
            let issued = match &args.order {
                Some(order) => issuer.issue_with_serial(&spec, order_serial(signer, order)?)?,
                None => issuer.issue(&spec)?,
            };
            entry = Some(issued_entry(
                &issued,
                &Utc(issued.issued_at).to_string(),
                &spec,
                signer,
                args.order.as_deref(),
                &request,
            ));
            (issued.text, issued.issued_at)
        }
    };
    let chain = if args.certs.is_empty() && args.existing.is_empty() {
        Vec::new()
    } else {
        joined_check(args, &text, issued_at, spec.tenant.as_deref(), catalog)?
    };
    if let (Some(ledger), Some(entry)) = (&mut ledger, entry) {
        ledger.append(vec![entry])?;
    }
    if args.json {
        #[derive(Serialize)]
        struct Issued<'a> {
            token: &'a str,
            #[serde(flatten)]
            claims: TokenJson<'a>,
        }
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token =
            Token::decode(&text, &mut buf).map_err(|e| CliError::token(e, "the new token"))?;
        let json = Issued {
            token: &text,
            claims: TokenJson::new(&token),
        };
        say!(
            "{}",
            serde_json::to_string(&json).map_err(|e| CliError::input(e.to_string()))?
        );
    } else {
        say!("{text}");
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

/// The catalog file, signed or not.
pub(super) fn read_catalog(path: &std::path::Path) -> Result<Catalog, CliError> {
    Catalog::parse(&read_file(path)?)
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))
}

/// The ledger line of a licence just issued at `at` (RFC 3339).
pub(super) fn issued_entry(
    issued: &IssuedToken,
    at: &str,
    spec: &LicenseSpec,
    signer: KeyId,
    order: Option<&str>,
    request: &Request,
) -> Entry {
    let mut entry = Entry::new(Event::Issued, at, issued.serial, signer, &issued.text);
    entry.order = order.map(str::to_string);
    entry.product = Some(spec.product.clone());
    entry.edition = Some(spec.edition.clone());
    entry.tenant.clone_from(&spec.tenant);
    entry.request = Some(request.clone());
    entry
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
                store: None,
            },
        )
    };
    let outcome = decide(inputs)?;
    let position = inputs_len.saturating_sub(1);
    if let Some((_, mut failure)) = outcome.failures.into_iter().find(|(p, _)| *p == position) {
        failure.message = format!("not issued, it would not count: {}", failure.message);
        return Err(failure.into());
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

/// The flags as an order's request.
fn request(args: &IssueArgs) -> Result<Request, CliError> {
    for (flag, id) in [
        ("--reseller", &args.reseller),
        ("--distributor", &args.distributor),
    ] {
        if let Some(id) = id
            .as_deref()
            .filter(|id| !entitle_verify::names::is_valid_tenant(id))
        {
            return Err(CliError::input(format!(
                "{flag} {id:?} is not a company id"
            )));
        }
    }
    if let Some(order) = &args.order {
        check_order_id(order)?;
    }
    let mut features = args.features.clone();
    features.sort_unstable();
    Ok(Request {
        product: args.product.clone().unwrap_or_default(),
        edition: args.edition.clone().unwrap_or_default(),
        kind: args.kind,
        seats: args.seats,
        cap: args.cap,
        model: args.model,
        tenant: args.tenant.clone(),
        not_before: args.not_before,
        expires: if args.perpetual { None } else { args.expires },
        updates_until: args.updates_until,
        features,
        reseller: args.reseller.clone(),
        distributor: args.distributor.clone(),
    })
}
