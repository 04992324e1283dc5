//! The arguments of the seat server's commands: `entitle serve`, `entitle
//! seats` (administration) and `entitle lease` (agents).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueHint};

use super::MaterialArgs;
use crate::input::parse_date;

/// `entitle serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The licence material and the machine; `--state-dir` is required and
    /// every licence must be activated on this machine.
    #[command(flatten)]
    pub material: MaterialArgs,
    /// Where to listen. On any address but loopback the server speaks TLS
    /// only (see --tls).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7447")]
    pub listen: std::net::SocketAddr,
    /// Speak TLS on loopback too. The certificate is made on first start
    /// in the state directory (`tls.cert.pem`); clients pin it with
    /// `--server-cert`.
    #[arg(long)]
    pub tls: bool,
    /// A host name LAN clients use for this server, for the certificate
    /// made on first start (besides localhost and the listen address).
    /// Repeatable.
    #[arg(long = "tls-name", value_name = "NAME")]
    pub tls_names: Vec<String>,
    /// Seconds a lease lasts unless renewed.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub lease_ttl: u64,
    /// Seconds between decisions on the licence material (a term that ends,
    /// a file that changed).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub refresh: u64,
    /// Keep the seats in PostgreSQL (`postgres://user@host/db`) instead of
    /// the state directory, so that several servers, each activated on its
    /// own machine, serve one pool together; default: the ENTITLE_DATABASE
    /// environment variable (the place for a password).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// Days the audit log keeps its lines; older ones go at each refresh
    /// (0: for ever).
    #[arg(long, value_name = "DAYS", default_value_t = 400)]
    pub audit_days: u64,
}

/// Where the seat server is, and how it is trusted.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// The server, or several sharing one pool, comma-separated (a request
    /// goes on to the next when one cannot be reached); default: the
    /// ENTITLE_SERVER environment variable, else the default listen
    /// address on this machine.
    #[arg(
        long,
        value_name = "URL",
        env = "ENTITLE_SERVER",
        default_value = "http://127.0.0.1:7447"
    )]
    pub server: String,
    /// The server's certificate (its `tls.cert.pem`), trusted alone: for
    /// an `https://` server; one per server of a list, repeated or
    /// comma-separated; default: the ENTITLE_SERVER_CERT environment
    /// variable.
    #[arg(long, value_name = "FILE", env = "ENTITLE_SERVER_CERT", value_delimiter = ',', value_hint = ValueHint::FilePath)]
    pub server_cert: Vec<PathBuf>,
}

/// How to reach a seat server as its administrator.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The server.
    #[command(flatten)]
    pub at: ServerArgs,
    /// The file holding the admin credential (`entitle serve` writes it to
    /// its state directory); default: the ENTITLE_ADMIN_CREDENTIAL
    /// environment variable.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub admin_credential: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// `entitle seats ...`.
#[derive(Debug, Subcommand)]
pub enum SeatsCommand {
    /// Grant an agent access to a pool; prints its credential, once.
    Grant(GrantArgs),
    /// Take an agent's access away (its sessions end).
    Revoke(AgentArgs),
    /// Assign one of the pool's named seats to an agent.
    Assign(AgentArgs),
    /// Take an agent's named seat back.
    Unassign(AgentArgs),
    /// The pools, their use, the agents.
    List(AdminArgs),
    /// The active sessions (live leases).
    Sessions(AdminArgs),
    /// End sessions (free their seats).
    End(EndArgs),
    /// The newest audit entries, with who did what.
    Audit(AdminArgs),
    /// The administrator and manager accounts.
    Accounts(AdminArgs),
    /// Add an account for an administrator or a manager; prints its
    /// credential, once (administrators only).
    AddAccount(AddAccountArgs),
    /// Remove an account: its credential stops working (administrators
    /// only).
    RemoveAccount(AccountIdArgs),
    /// The identity of a PostgreSQL seat store: what `entitle activate
    /// respond --store` binds a primary and standby pair to.
    StoreIdentity(StoreIdentityArgs),
}

/// `entitle seats store-identity`.
#[derive(Debug, Args)]
pub struct StoreIdentityArgs {
    /// The PostgreSQL database the servers share (`postgres://user@host/db`);
    /// default: the ENTITLE_DATABASE environment variable (the place for a
    /// password).
    #[arg(
        long,
        value_name = "URL",
        env = "ENTITLE_DATABASE",
        hide_env_values = true
    )]
    pub database: String,
}

/// What a manager may do ("Benutzer hinzufügen/löschen", "Produkte
/// verwalten"); granting and revoking access takes both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Permission {
    /// "Benutzer hinzufügen/löschen".
    AddRemoveUsers,
    /// "Produkte verwalten".
    ManageProducts,
}

/// `entitle seats add-account`.
#[derive(Debug, Args)]
pub struct AddAccountArgs {
    /// The server and your credential.
    #[command(flatten)]
    pub admin: AdminArgs,
    /// The account's id (its login).
    #[arg(long)]
    pub id: String,
    /// The person's name.
    #[arg(long)]
    pub name: String,
    /// Administrator (everything) or manager (what --may gives).
    #[arg(long, value_enum)]
    pub role: RoleArg,
    /// A manager's permission. Repeatable.
    #[arg(long = "may", value_enum, value_name = "PERMISSION")]
    pub permissions: Vec<Permission>,
    /// Write the credential to this file (mode 0600) instead of printing it.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub credential_out: Option<PathBuf>,
}

/// An account's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Everything: access, named seats, ending sessions, accounts.
    Administrator,
    /// What its permissions give.
    Manager,
}

/// `entitle seats remove-account`.
#[derive(Debug, Args)]
pub struct AccountIdArgs {
    /// The server and your credential.
    #[command(flatten)]
    pub admin: AdminArgs,
    /// The account's id.
    #[arg(long)]
    pub id: String,
}

/// `entitle seats grant`.
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The server and its admin credential.
    #[command(flatten)]
    pub admin: AdminArgs,
    /// The agent's id (its login).
    #[arg(long)]
    pub agent: String,
    /// Its display name.
    #[arg(long)]
    pub name: String,
    /// Its e-mail address.
    #[arg(long)]
    pub email: String,
    /// The pool (`product/edition[/tenant]`); may be left out when the
    /// server has one.
    #[arg(long)]
    pub pool: Option<String>,
    /// Write the credential to this file (mode 0600) instead of printing it.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub credential_out: Option<PathBuf>,
    /// Grant an agent granted already again: its name, e-mail address and
    /// credential are replaced; its running sessions keep their seats.
    #[arg(long)]
    pub replace: bool,
}

/// An admin command about one agent.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// The server and its admin credential.
    #[command(flatten)]
    pub admin: AdminArgs,
    /// The agent's id.
    #[arg(long)]
    pub agent: String,
}

/// `entitle seats end`.
#[derive(Debug, Args)]
pub struct EndArgs {
    /// The server and its admin credential.
    #[command(flatten)]
    pub admin: AdminArgs,
    /// A lease to end. Repeatable.
    #[arg(
        long = "lease",
        value_name = "ID",
        required = true,
        allow_hyphen_values = true
    )]
    pub leases: Vec<String>,
}

/// `entitle lease ...`.
#[derive(Debug, Subcommand)]
pub enum LeaseCommand {
    /// Claim a seat for a new session; prints the lease.
    Claim(LeaseArgs),
    /// Renew a lease while its session lives.
    Renew(LeaseIdArgs),
    /// Release a lease when its session ends.
    Release(LeaseIdArgs),
    /// The sign-in check: may a session start now?
    Signin(LeaseArgs),
    /// Check a signed lease offline, back to the vendor key: the licence,
    /// the server's activation, the lease's signature and time.
    Verify(LeaseVerifyArgs),
}

/// `entitle lease verify`.
#[derive(Debug, Args)]
pub struct LeaseVerifyArgs {
    /// Trusted vendor public key(s).
    #[arg(long = "public", value_name = "PATH", required = true, value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The pool's licence (text, @FILE or '-').
    #[arg(long, value_name = "TOKEN")]
    pub license: String,
    /// The time to check at (default: the system clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<u64>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// The signed lease (`entl1.`; text or @FILE).
    #[arg(value_name = "LEASE")]
    pub lease: String,
}

/// How an agent reaches the seat server.
#[derive(Debug, Args)]
pub struct LeaseArgs {
    /// The server.
    #[command(flatten)]
    pub at: ServerArgs,
    /// The file holding the agent's credential (`entitle seats grant
    /// --credential-out`); default: the ENTITLE_AGENT_CREDENTIAL environment
    /// variable.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub credential: Option<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// An agent command about one lease.
#[derive(Debug, Args)]
pub struct LeaseIdArgs {
    /// The server and the agent's credential.
    #[command(flatten)]
    pub agent: LeaseArgs,
    /// The lease.
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    pub id: String,
}
