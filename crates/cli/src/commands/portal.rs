//! `entitle portal …`: the Enterprise Portal, run and administered by the
//! vendor. The portal itself is the portal crate's ([`entitle_portal`]);
//! these commands read their arguments, the key and the licences.

use std::io::BufRead as _;

use entitle::artifacts::sort_inputs;
use entitle_lifecycle::{LedgerEntry, Role};
use entitle_portal::store::{Company, Licence, Store, User};
use entitle_portal::web::{Listen, run as run_web};
use entitle_portal::{Portal, now, password};
use entitle_verify::names::is_valid_tenant;
use entitle_verify::{MAX_TOKEN_BYTES, Token, Verifier};
use zeroize::Zeroizing;

use crate::cli::{
    CompanyArgs, ImportArgs, PortalCommand, PortalServeArgs, PortalStoreArgs, UserArgs,
};
use crate::error::CliError;
use crate::input::{read_public_keys, read_tokens};
use crate::issuance::{Event, IssuanceLedger};
use crate::output::say;
use crate::signing::read_signing_key;

/// The environment variable a new user's password is read from.
pub const PASSWORD_ENV: &str = "ENTITLE_PORTAL_PASSWORD";
/// The environment variable with the PostgreSQL URL.
pub const DATABASE_ENV: &str = "ENTITLE_PORTAL_DATABASE";
/// Database connections of a running portal.
const CONNECTIONS: usize = 4;
/// The portal's SQLite file in its state directory.
const STORE_FILE: &str = "portal.sqlite";

/// Runs a portal command.
pub fn run(command: &PortalCommand) -> Result<(), CliError> {
    match command {
        PortalCommand::Serve(args) => serve(args),
        PortalCommand::Company(args) => company(args),
        PortalCommand::User(args) => user(args),
        PortalCommand::Import(args) => import(args),
        PortalCommand::Quotes(args) => quotes(args),
        PortalCommand::Audit(args) => audit(args),
    }
}

fn open(args: &PortalStoreArgs) -> Result<Store, CliError> {
    let database = args
        .database
        .clone()
        .or_else(|| std::env::var(DATABASE_ENV).ok())
        .filter(|url| !url.is_empty());
    let store = match database {
        Some(url) => Store::postgres(&url),
        None => {
            std::fs::create_dir_all(&args.state_dir).map_err(|e| {
                CliError::input(format!("cannot make {}: {e}", args.state_dir.display()))
            })?;
            Store::open(&args.state_dir.join(STORE_FILE))
        }
    };
    Ok(store.map_err(entitle::Error::from)?)
}

fn serve(args: &PortalServeArgs) -> Result<(), CliError> {
    // Connections for requests in parallel (reads); writers take turns.
    let stores = (0..CONNECTIONS)
        .map(|_| open(&args.store))
        .collect::<Result<Vec<_>, _>>()?;
    let key = read_signing_key(args.key.as_deref())?;
    let trusted = read_public_keys(&args.public)?;
    if !trusted.is_empty() && !trusted.contains(&key.public_key()) {
        eprintln!(
            "entitle: note: the portal signs with key {}, which is not a vendor key given with --public: it activates only licences that key issued",
            key.key_id()
        );
    }
    if let Some(dir) = &args.downloads
        && !dir.is_dir()
    {
        return Err(CliError::input(format!(
            "--downloads {}: not a folder",
            dir.display()
        )));
    }
    let portal = Portal::new(stores, key, trusted, args.downloads.clone());
    let listen = Listen {
        address: args.listen,
        tls: args.tls,
        tls_names: args.tls_names.clone(),
        state_dir: args.store.state_dir.clone(),
    };
    std::fs::create_dir_all(&listen.state_dir)
        .map_err(|e| CliError::input(format!("cannot make {}: {e}", listen.state_dir.display())))?;
    Ok(run_web(portal, &listen).map_err(entitle::Error::from)?)
}

fn company(args: &CompanyArgs) -> Result<(), CliError> {
    if !is_valid_tenant(&args.id) {
        return Err(CliError::input(format!(
            "--id {:?} is not a valid company id",
            args.id
        )));
    }
    if args.name.trim().is_empty() {
        return Err(CliError::input("--name must not be empty"));
    }
    let mut views = Vec::new();
    for name in &args.views {
        let view: Role = name.parse().map_err(CliError::input)?;
        if !views.contains(&view) {
            views.push(view);
        }
    }
    views.sort_by_key(|v| Role::ALL.iter().position(|r| r == v));
    let mut store = open(&args.store)?;
    store
        .put_company(&Company {
            id: args.id.clone(),
            name: args.name.trim().to_string(),
            views,
            contract_seats: args.contract_seats,
            vendor: args.vendor,
        })
        .map_err(entitle::Error::from)?;
    if args.vendor {
        say!("company {} (the vendor)", args.id);
    } else {
        say!("company {} with views {}", args.id, args.views.join(", "));
    }
    Ok(())
}

fn user(args: &UserArgs) -> Result<(), CliError> {
    let email = args.email.trim().to_ascii_lowercase();
    let valid = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.contains(char::is_whitespace);
    if !valid {
        return Err(CliError::input(format!(
            "--email {:?} is not an e-mail address",
            args.email
        )));
    }
    let mut store = open(&args.store)?;
    if store
        .company(&args.company)
        .map_err(entitle::Error::from)?
        .is_none()
    {
        return Err(CliError::input(format!(
            "--company {}: no such company; add it with `entitle portal company`",
            args.company
        )));
    }
    // The password from the environment or standard input, never an argument.
    let given = match std::env::var(PASSWORD_ENV) {
        Ok(p) => Zeroizing::new(p),
        Err(_) => {
            let mut line = Zeroizing::new(String::new());
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| CliError::input(format!("cannot read the password: {e}")))?;
            Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string())
        }
    };
    let hash = password::hash(&given).map_err(entitle::Error::from)?;
    store
        .put_user(
            &User {
                email: email.clone(),
                name: args.name.clone(),
                company: args.company.clone(),
            },
            &hash,
        )
        .map_err(entitle::Error::from)?;
    say!("user {email} of {}", args.company);
    Ok(())
}

/// A licence to record: where it comes from, its text, and who sold it
/// as its order says (the issuance ledger's).
struct Candidate {
    origin: String,
    text: String,
    sold_by: Vec<(String, Role)>,
}

fn import(args: &ImportArgs) -> Result<(), CliError> {
    let trusted = read_public_keys(&args.public)?;
    let mut candidates = Vec::new();
    if !args.tokens.is_empty() {
        let sorted = sort_inputs(read_tokens(&args.tokens)?);
        if let Some((input, error)) = sorted.malformed.first() {
            return Err(CliError::input(format!("{}: {error}", input.origin)));
        }
        candidates.extend(sorted.tokens.into_iter().map(|input| Candidate {
            origin: input.origin,
            text: input.text.trim().to_string(),
            sold_by: Vec::new(),
        }));
    }
    let ledger = args
        .ledger
        .as_deref()
        .map(|path| IssuanceLedger::read_only(Some(path), "--ledger"))
        .transpose()?;
    for entry in ledger.iter().flat_map(|l| l.entries()) {
        if entry.event != Event::Issued {
            continue;
        }
        let request = entry.request.as_ref();
        let sold_by = [
            (request.and_then(|r| r.reseller.clone()), Role::Reseller),
            (
                request.and_then(|r| r.distributor.clone()),
                Role::Distributor,
            ),
        ]
        .into_iter()
        .filter_map(|(id, view)| id.map(|id| (id, view)))
        .collect();
        candidates.push(Candidate {
            origin: format!("the ledger's licence {}", entry.serial),
            text: entry.artifact.trim().to_string(),
            sold_by,
        });
    }
    let activations = args
        .activations
        .as_deref()
        .map(|path| {
            if path.exists() {
                crate::ledger::read_lines::<LedgerEntry>(path, "activation ledger entry")
            } else {
                Err(CliError::input(format!(
                    "--activations {}: no such file",
                    path.display()
                )))
            }
        })
        .transpose()?;
    if candidates.is_empty() && activations.is_none() {
        return Err(CliError::input(
            "nothing to import: give licence tokens, --ledger or --activations",
        ));
    }
    let mut store = open(&args.store)?;
    if let Some(entries) = &activations {
        let added = store
            .add_ledger_entries(entries)
            .map_err(entitle::Error::from)?;
        say!(
            "activation ledger: {added} new entries of {}",
            entries.len()
        );
    }
    let named: Vec<(Option<&String>, Role)> = vec![
        (args.customer.as_ref(), Role::Customer),
        (args.system_integrator.as_ref(), Role::SystemIntegrator),
        (args.service_provider.as_ref(), Role::ServiceProvider),
        (args.reseller.as_ref(), Role::Reseller),
        (args.distributor.as_ref(), Role::Distributor),
        (args.partner.as_ref(), Role::Partner),
    ];
    // Each company named must be in the portal with the view it holds in.
    for (id, view) in &named {
        let Some(id) = id else { continue };
        let company = store.company(id).map_err(entitle::Error::from)?;
        match company {
            Some(c) if c.views.contains(view) => {}
            Some(c) => {
                return Err(CliError::input(format!(
                    "{} has no {} view: give it one with `entitle portal company`",
                    c.name,
                    view.name()
                )));
            }
            None => {
                return Err(CliError::input(format!(
                    "--{} {id}: no such company",
                    view.name()
                )));
            }
        }
    }
    let mut checked = Vec::new();
    for candidate in &candidates {
        let mut buf = [0u8; MAX_TOKEN_BYTES];
        let token = Token::decode(&candidate.text, &mut buf)
            .map_err(|e| CliError::token(e, &candidate.origin))?;
        Verifier::new(&trusted)
            .authenticate(token)
            .map_err(|e| CliError::token(e, &candidate.origin))?;
        let claims = token.claims();
        let mut holders: Vec<(String, Role)> = Vec::new();
        // A licence bound to a tenant is held only by that customer: a
        // customer never sees another company's licence.
        match (claims.tenant, args.customer.as_ref()) {
            (Some(tenant), Some(customer)) if tenant != customer => {
                return Err(CliError::input(format!(
                    "{}: licence {} is bound to company {tenant}, not to --customer {customer}",
                    candidate.origin,
                    token.serial()
                )));
            }
            (Some(tenant), None)
                if store
                    .company(tenant)
                    .map_err(entitle::Error::from)?
                    .is_some_and(|c| c.views.contains(&Role::Customer)) =>
            {
                holders.push((tenant.to_string(), Role::Customer));
            }
            _ => {}
        }
        for (id, view) in &named {
            if let Some(id) = id {
                holders.push(((*id).clone(), *view));
            }
        }
        // Who sold it, as its order says: shown to them only if they are
        // in the portal with that view.
        for (id, view) in &candidate.sold_by {
            let known = store
                .company(id)
                .map_err(entitle::Error::from)?
                .is_some_and(|c| c.views.contains(view));
            if known {
                holders.push((id.clone(), *view));
            } else {
                eprintln!(
                    "entitle: note: {}: {id} is not in the portal with a {} view: the licence is not shown to it",
                    candidate.origin,
                    view.name()
                );
            }
        }
        if holders.is_empty() {
            return Err(CliError::input(format!(
                "{}: licence {} would be held by no company: name the customer (--customer) or who sold it",
                candidate.origin,
                token.serial()
            )));
        }
        let mut unique: Vec<(String, Role)> = Vec::with_capacity(holders.len());
        for holder in holders {
            if !unique.contains(&holder) {
                unique.push(holder);
            }
        }
        let holders = unique;
        checked.push((
            Licence {
                serial: token.serial().to_string(),
                token: candidate.text.clone(),
                product: claims.product.to_string(),
                edition: claims.edition.to_string(),
                renewals: Vec::new(),
            },
            (claims.tenant.map(str::to_string), claims.expires_at),
            holders,
        ));
    }
    let now = now();
    for (licence, (tenant, expires_at), holders) in &checked {
        store
            .import(licence, (tenant.as_deref(), *expires_at), holders, now)
            .map_err(entitle::Error::from)?;
        let who: Vec<String> = holders
            .iter()
            .map(|(c, v)| format!("{c} ({})", v.name()))
            .collect();
        say!(
            "licence {} {} {}: {}",
            licence.serial,
            licence.product,
            licence.edition,
            who.join(", ")
        );
    }
    // What the vendor signed since for these licences: renewals, and every
    // revocation list (a licence revoked with `entitle revoke` is revoked
    // in the portal too).
    for entry in ledger.iter().flat_map(|l| l.entries()) {
        match entry.event {
            Event::Renewed => {
                let added = store
                    .add_renewal(&entry.serial, entry.artifact.trim(), now)
                    .map_err(entitle::Error::from)?;
                if added {
                    say!("renewal of {}", entry.serial);
                }
            }
            Event::Revoked | Event::Listed => {
                let added = store
                    .add_vendor_list(entry.artifact.trim(), now)
                    .map_err(entitle::Error::from)?;
                if added {
                    say!("revocation list of the vendor, naming {}", entry.serial);
                }
            }
            Event::Issued => {}
        }
    }
    Ok(())
}

fn quotes(args: &PortalStoreArgs) -> Result<(), CliError> {
    let quotes = open(args)?.quotes().map_err(entitle::Error::from)?;
    say!("{}", entitle_portal::csv::quotes(&quotes).trim_end());
    Ok(())
}

fn audit(args: &PortalStoreArgs) -> Result<(), CliError> {
    let lines = open(args)?.audit_lines().map_err(entitle::Error::from)?;
    say!("{}", entitle_portal::csv::audit(&lines).trim_end());
    Ok(())
}
