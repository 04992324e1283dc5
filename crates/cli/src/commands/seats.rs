//! `entitle seats` (the administrator) and `entitle lease` (an agent):
//! clients of a running `entitle serve`.

use std::path::Path;

use entitle_issue::write_file;
use entitle_seats::client::Client;
use entitle_seats::{Account, Lease, Role, Session};
use entitle_verify::Utc;
use serde::Serialize;

use entitle_lifecycle::{Signed, verify_lease};
use entitle_verify::MAX_TOKEN_BYTES;

use crate::artifacts::{lifecycle_error, read_license, read_one};
use crate::cli::{
    AddAccountArgs, AdminArgs, LeaseArgs, LeaseCommand, LeaseVerifyArgs, Permission, RoleArg,
    SeatsCommand, ServerArgs,
};
use crate::error::CliError;
use crate::input::read_public_keys;
use crate::output::say;

/// The environment variable holding the admin credential.
pub const ADMIN_ENV: &str = "ENTITLE_ADMIN_CREDENTIAL";
/// The environment variable holding an agent's credential.
pub const AGENT_ENV: &str = "ENTITLE_AGENT_CREDENTIAL";

/// Runs `entitle seats ...`.
pub fn run(command: &SeatsCommand) -> Result<(), CliError> {
    match command {
        SeatsCommand::Grant(args) => {
            let admin = admin(&args.admin)?;
            let pool = match &args.pool {
                Some(pool) => pool.clone(),
                None => {
                    let pools = admin.pools()?;
                    match pools.as_slice() {
                        [one] => one.spec.id.clone(),
                        _ => {
                            let ids: Vec<&str> = pools.iter().map(|p| p.spec.id.as_str()).collect();
                            return Err(CliError::input(format!(
                                "the server has {} pools ({}): give --pool",
                                pools.len(),
                                ids.join(", ")
                            )));
                        }
                    }
                }
            };
            let agent = entitle_seats::Agent::new(&args.agent, &args.name, &args.email, &pool);
            let credential = admin.grant(&agent, args.replace)?;
            match &args.credential_out {
                Some(path) => {
                    write_file(path, format!("{credential}\n").as_bytes(), 0o600, true)?;
                    eprintln!(
                        "entitle: {} may use {pool}; credential written to {} (mode 0600)",
                        args.agent,
                        path.display()
                    );
                }
                None => say!("{credential}"),
            }
            Ok(())
        }
        SeatsCommand::Revoke(args) => {
            admin(&args.admin)?.revoke(&args.agent)?;
            eprintln!(
                "entitle: {}'s access is revoked; its sessions ended",
                args.agent
            );
            Ok(())
        }
        SeatsCommand::Assign(args) | SeatsCommand::Unassign(args) => {
            let named = matches!(command, SeatsCommand::Assign(_));
            admin(&args.admin)?.assign(&args.agent, named)?;
            eprintln!(
                "entitle: {} {} a named seat",
                args.agent,
                if named { "holds" } else { "no longer holds" }
            );
            Ok(())
        }
        SeatsCommand::List(args) => {
            let client = admin(args)?;
            let (pools, agents) = (client.pools()?, client.agents()?);
            if args.json {
                return print_json(&serde_json::json!({"pools": pools, "agents": agents}));
            }
            for pool in &pools {
                say!(
                    "{}  shared {}/{} in use  named {}/{} assigned  {} agents",
                    pool.spec.id,
                    pool.shared_in_use,
                    pool.spec.shared,
                    pool.named_assigned,
                    pool.spec.named,
                    pool.agents
                );
                if pool.servers.len() > 1 {
                    for figure in &pool.servers {
                        say!(
                            "    server {} ({}): {} shared, {} named{}",
                            figure.host,
                            figure.server,
                            figure.shared,
                            figure.named,
                            if figure.holds { "" } else { " (lapsed)" }
                        );
                    }
                }
            }
            for agent in &agents {
                say!(
                    "  {}  {} <{}>  {}{}",
                    agent.id,
                    agent.name,
                    agent.email,
                    agent.pool,
                    if agent.named { "  named seat" } else { "" }
                );
            }
            Ok(())
        }
        SeatsCommand::Sessions(args) => {
            let sessions = admin(args)?.sessions()?;
            if args.json {
                return print_json(&sessions);
            }
            if sessions.is_empty() {
                say!("no active sessions");
            }
            for session in &sessions {
                say!("{}", session_line(session));
            }
            Ok(())
        }
        SeatsCommand::End(args) => {
            let not_live = admin(&args.admin)?.end(&args.leases)?;
            let ended = args.leases.len().saturating_sub(not_live.len());
            if args.admin.json {
                print_json(&serde_json::json!({ "ended": ended, "not_live": not_live }))?;
            } else {
                say!("ended {ended} of {} sessions", args.leases.len());
            }
            if not_live.is_empty() {
                Ok(())
            } else {
                Err(entitle_seats::Error::NotFound(format!(
                    "no live session {}: ended already, or never a lease",
                    not_live.join(", ")
                ))
                .into())
            }
        }
        SeatsCommand::StoreIdentity(args) => {
            let identity = entitle_seats::Store::postgres(&args.database, "identity", 1)?
                .identity()?
                .ok_or_else(|| CliError::input("the store has no identity"))?;
            say!("{}", entitle_verify::Hex(&identity));
            Ok(())
        }
        SeatsCommand::Accounts(args) => list_accounts(args),
        SeatsCommand::AddAccount(args) => add_account(args),
        SeatsCommand::RemoveAccount(args) => {
            admin(&args.admin)?.remove_account(&args.id)?;
            eprintln!("entitle: account {} removed", args.id);
            Ok(())
        }
        SeatsCommand::Audit(args) => {
            let entries = admin(args)?.audit(100)?;
            if args.json {
                return print_json(&entries);
            }
            for e in entries.iter().rev() {
                say!(
                    "{}  {:<10} by {:<12} {:<12} {} {}",
                    Utc(e.at),
                    e.event,
                    e.actor.as_deref().unwrap_or("-"),
                    e.agent.as_deref().unwrap_or("-"),
                    e.lease.as_deref().unwrap_or("-"),
                    e.detail.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}

/// `entitle seats accounts`.
fn list_accounts(args: &AdminArgs) -> Result<(), CliError> {
    let accounts = admin(args)?.accounts()?;
    if args.json {
        return print_json(&accounts);
    }
    for a in &accounts {
        let mut may = Vec::new();
        if a.role == Role::Manager {
            for (held, name) in [
                (a.add_remove_users, "add-remove-users"),
                (a.manage_products, "manage-products"),
            ] {
                if held {
                    may.push(name);
                }
            }
        }
        say!(
            "{}  {}  {:?}{}",
            a.id,
            a.name,
            a.role,
            if may.is_empty() {
                String::new()
            } else {
                format!(" may {}", may.join(", "))
            }
        );
    }
    Ok(())
}

/// `entitle seats add-account`.
fn add_account(args: &AddAccountArgs) -> Result<(), CliError> {
    let account = Account {
        id: args.id.clone(),
        name: args.name.clone(),
        role: match args.role {
            RoleArg::Administrator => Role::Administrator,
            RoleArg::Manager => Role::Manager,
        },
        add_remove_users: args.permissions.contains(&Permission::AddRemoveUsers),
        manage_products: args.permissions.contains(&Permission::ManageProducts),
    };
    if account.role == Role::Administrator && !args.permissions.is_empty() {
        return Err(CliError::input(
            "--may is for managers: an administrator may do everything",
        ));
    }
    let credential = admin(&args.admin)?.add_account(&account)?;
    match &args.credential_out {
        Some(path) => {
            write_file(path, format!("{credential}\n").as_bytes(), 0o600, true)?;
            eprintln!(
                "entitle: account {} added; credential written to {} (mode 0600)",
                args.id,
                path.display()
            );
        }
        None => say!("{credential}"),
    }
    Ok(())
}

/// Runs `entitle lease ...`.
pub fn lease(command: &LeaseCommand) -> Result<(), CliError> {
    match command {
        LeaseCommand::Claim(args) => {
            let lease = agent(args)?.claim()?;
            print_lease(&lease, args.json)
        }
        LeaseCommand::Renew(args) => {
            let lease = agent(&args.agent)?.renew(&args.id)?;
            print_lease(&lease, args.agent.json)
        }
        LeaseCommand::Release(args) => {
            agent(&args.agent)?.release(&args.id)?;
            if args.agent.json {
                return print_json(&serde_json::json!({ "released": args.id }));
            }
            say!("released {}", args.id);
            Ok(())
        }
        LeaseCommand::Verify(args) => verify(args),
        LeaseCommand::Signin(args) => {
            let check = agent(args)?.signin()?;
            let can_start = check.get("can_start").and_then(serde_json::Value::as_bool);
            if args.json {
                print_json(&check)?;
            } else if can_start == Some(true) {
                say!("a session can start");
            }
            if can_start == Some(true) {
                Ok(())
            } else {
                Err(entitle_seats::Error::Exhausted {
                    pool: String::new(),
                    seats: 0,
                }
                .into())
            }
        }
    }
}

/// `entitle lease verify`: what an agent app does offline with a lease.
fn verify(args: &LeaseVerifyArgs) -> Result<(), CliError> {
    let keys = read_public_keys(&args.public)?;
    let mut buf = [0u8; MAX_TOKEN_BYTES];
    let (license, _) = read_license(&args.license, &mut buf)?;
    let text = read_one(&args.lease, "seat lease")?;
    let lease = Signed::<entitle_lifecycle::Lease>::decode(&text)
        .map_err(|e| lifecycle_error(&e, "the lease: "))?;
    let now = args.now.unwrap_or_else(entitle_issue::unix_now);
    let lease = verify_lease(&lease, &license, &keys, now, CLOCK_TOLERANCE)
        .map_err(|e| lifecycle_error(&e, "the lease: "))?;
    if args.json {
        return print_json(&serde_json::json!({
            "lease": lease.lease,
            "agent": lease.agent,
            "pool": lease.pool,
            "issued_at": Utc(lease.issued_at).to_string(),
            "not_after": Utc(lease.not_after).to_string(),
        }));
    }
    say!(
        "genuine lease {} of {} in {}, until {}",
        lease.lease,
        lease.agent,
        lease.pool,
        Utc(lease.not_after)
    );
    Ok(())
}

/// How far a server's clock may run ahead of an agent's, in seconds.
const CLOCK_TOLERANCE: u64 = 300;

fn print_lease(lease: &Lease, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(lease);
    }
    say!(
        "lease {}  {} seat of {}  until {}",
        lease.id,
        match lease.kind {
            entitle_seats::Kind::Shared => "shared",
            entitle_seats::Kind::Named => "named",
        },
        lease.pool,
        Utc(lease.not_after)
    );
    Ok(())
}

fn session_line(s: &Session) -> String {
    format!(
        "{}  {} <{}>  {}  {}  since {}  last heartbeat {}",
        s.lease.id,
        s.name,
        s.email,
        s.lease.pool,
        match s.lease.kind {
            entitle_seats::Kind::Shared => "shared",
            entitle_seats::Kind::Named => "named",
        },
        Utc(s.lease.since),
        Utc(s.lease.heartbeat)
    )
}

fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    say!(
        "{}",
        serde_json::to_string(value).map_err(|e| CliError::input(e.to_string()))?
    );
    Ok(())
}

fn admin(args: &AdminArgs) -> Result<Client, CliError> {
    let credential = credential(
        args.admin_credential.as_deref(),
        ADMIN_ENV,
        "--admin-credential",
    )?;
    client(&args.at, &credential)
}

fn agent(args: &LeaseArgs) -> Result<Client, CliError> {
    let credential = credential(args.credential.as_deref(), AGENT_ENV, "--credential")?;
    client(&args.at, &credential)
}

/// A client of the server (one, or several comma-separated): pinned to
/// the certificates given; an `https://` server without one is refused
/// (there is no other trust).
fn client(at: &ServerArgs, credential: &str) -> Result<Client, CliError> {
    if at.server_cert.is_empty() {
        if at.server.contains("https://") {
            return Err(CliError::input(
                "an https:// server needs --server-cert FILE: its tls.cert.pem, trusted alone",
            ));
        }
        return Ok(Client::new(&at.server, credential));
    }
    let mut pem = Vec::new();
    for path in &at.server_cert {
        let mut one =
            std::fs::read(path).map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
        pem.append(&mut one);
        pem.push(b'\n');
    }
    Ok(Client::pinned(&at.server, credential, &pem)?)
}

/// A credential from its file, or from the environment; never from an
/// argument.
fn credential(file: Option<&Path>, env: &str, flag: &str) -> Result<String, CliError> {
    let text = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?,
        None => std::env::var(env).map_err(|_| {
            CliError::input(format!("no credential: give {flag} FILE or set {env}"))
        })?,
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(CliError::input(format!("{flag}: the credential is empty")));
    }
    Ok(text.to_string())
}
