//! The command line: every command, flag and argument.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use crate::input::parse_date;

pub use entitle::args::{MaterialArgs, VerifyArgs};

/// Issue and verify offline license keys.
#[derive(Debug, Parser)]
#[command(name = "entitle", version, about, max_term_width = 100)]
#[command(after_help = "Exit codes: 0 ok, 2 usage, 3 bad input or I/O, \
    4 invalid token (malformed, bad signature, unknown key), \
    5 not valid now (expired, not yet valid, not entitled to this version), \
    6 add-on without a base license, 7 no seat free (every shared seat in use).")]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a new signing key pair (PEM: PKCS#8 secret, SPKI public).
    Keygen(KeygenArgs),
    /// Sign a license token and print it on one line.
    Issue(IssueArgs),
    /// Verify tokens, add up their seats and print the usable licenses.
    Verify(VerifyArgs),
    /// Decode a token WITHOUT checking its signature, to read what it says.
    Inspect(InspectArgs),
    /// Check or sign a product catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Hand the licenses of the tokens to the users of users.csv, by the
    /// catalog's rules and a fixed order (docs/allocation.md).
    Allocate(AllocateArgs),
    /// Certify partners (distributors, resellers, ...) and show certificates.
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Offline activation: request, respond, accept, deactivate.
    #[command(subcommand)]
    Activate(ActivateCommand),
    /// Sign a revocation list (destroy license keys).
    Revoke(RevokeArgs),
    /// Sign a renewal: a new end of term for a license.
    Renew(RenewArgs),
    /// What the issuance ledger says: licences issued, renewed and revoked,
    /// by tenant, order or serial.
    Ledger(LedgerArgs),
    /// Export a public key for firmware and other tools.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Serve concurrent seats on this site's LAN (docs/concurrent-seats.md):
    /// the pools `verify` decides, on a machine where they are activated.
    Serve(Box<ServeArgs>),
    /// Administer a seat server: grant agents access, assign named seats,
    /// list and end sessions.
    #[command(subcommand)]
    Seats(SeatsCommand),
    /// An agent's seat: claim one for a session, renew it, release it.
    #[command(subcommand)]
    Lease(LeaseCommand),
    /// Print shell completions: `entitle completions bash > /etc/bash_completion.d/entitle`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `entitle man > entitle.1`.
    Man,
}

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
}

/// How to reach a seat server as its administrator.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The server.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:7447")]
    pub server: String,
    /// The file holding the admin credential (`entitle serve` writes it to
    /// its state directory); default: the ENTITLE_ADMIN_CREDENTIAL
    /// environment variable.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub admin_credential: Option<PathBuf>,
    /// The server's certificate (its `tls.cert.pem`), trusted alone: for
    /// an `https://` server.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub server_cert: Option<PathBuf>,
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
    /// The newest audit entries.
    Audit(AdminArgs),
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
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:7447")]
    pub server: String,
    /// The file holding the agent's credential (`entitle seats grant
    /// --credential-out`); default: the ENTITLE_AGENT_CREDENTIAL environment
    /// variable.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub credential: Option<PathBuf>,
    /// The server's certificate (its `tls.cert.pem`), trusted alone: for
    /// an `https://` server.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub server_cert: Option<PathBuf>,
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

/// `entitle ledger`.
#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// The issuance ledger (default: the ENTITLE_LEDGER environment variable).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub ledger: Option<PathBuf>,
    /// Only what concerns this tenant (company id).
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// Only what concerns this order id.
    #[arg(long, value_name = "ID")]
    pub order: Option<String>,
    /// Only what concerns this licence serial (16 hex digits).
    #[arg(long, value_name = "HEX")]
    pub serial: Option<String>,
    /// Print the entries as JSON lines, as the ledger holds them.
    #[arg(long)]
    pub json: bool,
}

/// `entitle key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print a public key as a Rust or C array, hex, PEM or DER, with its
    /// key id as a comment (DER: on standard error).
    Export(ExportArgs),
}

/// `entitle key export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The public key (PEM SPKI).
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: PathBuf,
    /// `rust` (an array for `include!`), `c` (a `static const unsigned
    /// char` array), `hex`, `pem`, `spki-der` (binary).
    #[arg(long, value_enum)]
    pub format: KeyFormat,
}

/// The formats of `entitle key export`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KeyFormat {
    /// A Rust array expression, for `include!`.
    Rust,
    /// A C array definition.
    C,
    /// 64 hex digits.
    Hex,
    /// PEM SPKI.
    Pem,
    /// DER SPKI (binary).
    SpkiDer,
}

impl Command {
    /// Whether the command was asked for JSON: its errors are JSON too.
    pub fn json(&self) -> bool {
        match self {
            Command::Keygen(_)
            | Command::Catalog(_)
            | Command::Completions { .. }
            | Command::Man
            | Command::Key(_) => false,
            Command::Issue(args) => args.json,
            Command::Verify(args) => args.json,
            Command::Inspect(args) => args.json,
            Command::Ledger(args) => args.json,
            Command::Serve(_) => false,
            Command::Seats(
                SeatsCommand::List(admin)
                | SeatsCommand::Sessions(admin)
                | SeatsCommand::Audit(admin),
            ) => admin.json,
            Command::Seats(SeatsCommand::Grant(args)) => args.admin.json,
            Command::Seats(
                SeatsCommand::Revoke(args)
                | SeatsCommand::Assign(args)
                | SeatsCommand::Unassign(args),
            ) => args.admin.json,
            Command::Seats(SeatsCommand::End(args)) => args.admin.json,
            Command::Lease(LeaseCommand::Claim(args) | LeaseCommand::Signin(args)) => args.json,
            Command::Lease(LeaseCommand::Verify(args)) => args.json,
            Command::Lease(LeaseCommand::Renew(args) | LeaseCommand::Release(args)) => {
                args.agent.json
            }
            Command::Allocate(args) => args.json,
            Command::Partner(PartnerCommand::Certify(args)) => args.signer.json,
            Command::Partner(PartnerCommand::Show(args)) => args.json,
            Command::Activate(ActivateCommand::Request(args)) => args.appliance.json,
            Command::Activate(ActivateCommand::Respond(args)) => args.signer.json,
            Command::Activate(ActivateCommand::Accept(args)) => args.appliance.json,
            Command::Activate(ActivateCommand::Deactivate(args)) => args.appliance.json,
            Command::Revoke(args) => args.signer.json,
            Command::Renew(args) => args.signer.json,
        }
    }
}

/// Who signs a life-cycle artifact, and the chain that vouches for it.
#[derive(Debug, Args)]
pub struct SignerArgs {
    /// Signing key file, or '-' for standard input; default: the
    /// ENTITLE_SIGNING_KEY environment variable.
    #[arg(long, value_name = "PATH|-", value_hint = ValueHint::FilePath, allow_hyphen_values = true)]
    pub key: Option<String>,
    /// The signer's certificate chain (files with `entc1.` lines), when the
    /// signer is a partner. Printed after the artifact, so that one file
    /// carries both.
    #[arg(long = "cert", value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub certs: Vec<PathBuf>,
    /// Trusted vendor public key(s): check, before signing, that the signer
    /// may do this (the appliance checks again).
    #[arg(long = "public", value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The time of signing (default: the system clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<u64>,
    /// Print a JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `entitle partner ...`.
#[derive(Debug, Subcommand)]
pub enum PartnerCommand {
    /// Certify a partner's public key with a role, capabilities and limits.
    Certify(Box<CertifyArgs>),
    /// Show certificates; with --public, check their chain.
    Show(ShowArgs),
}

/// `entitle partner certify`.
#[derive(Debug, Args)]
pub struct CertifyArgs {
    /// The signer.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The partner's public key (PEM).
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub subject: PathBuf,
    /// The partner's name.
    #[arg(long)]
    pub name: String,
    /// customer, system-integrator, service-provider, reseller, distributor, partner.
    #[arg(long)]
    pub role: String,
    /// A capability the certificate grants: issue, activate, revoke,
    /// extend, extra-keys, delegate. Repeatable. Given, they replace the
    /// role's preset (write out the preset's too to keep them); not given,
    /// the preset is granted.
    #[arg(long = "grant", value_name = "CAPABILITY")]
    pub grants: Vec<String>,
    /// A product it may act on, optionally with editions: `starface` or
    /// `starface:compact,appliance`. Repeatable; none for every product.
    #[arg(long = "product", value_name = "P[:E,...]")]
    pub products: Vec<String>,
    /// Most seats per key.
    #[arg(long)]
    pub max_seats: Option<u32>,
    /// Start of its window (default: now).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub not_before: Option<u64>,
    /// End of its window: nothing it signs may be valid later.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub not_after: u64,
    /// A tenant (company id) it may act for. Repeatable; none for every tenant.
    #[arg(long = "tenant", value_name = "ID")]
    pub tenants: Vec<String>,
    /// How many levels it may certify below itself (needs `delegate`).
    #[arg(long, default_value_t = 0)]
    pub depth: u8,
}

/// `entitle partner show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Trusted vendor public key(s): check each certificate's chain.
    #[arg(long = "public", value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Certificate text, @FILE or '-'.
    #[arg(value_name = "CERT", required = true)]
    pub certs: Vec<String>,
}

/// Where the appliance keeps its state, and which machine it is.
#[derive(Debug, Args)]
pub struct ApplianceArgs {
    /// The appliance's state directory (keys, activations, clock).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub state_dir: PathBuf,
    /// The file identifying the machine, hashed with the product name.
    #[arg(long, value_name = "PATH", default_value = "/etc/machine-id", value_hint = ValueHint::FilePath)]
    pub machine_id: PathBuf,
    /// Keep the state's sealing key and counter in a TPM 2.0, which also
    /// identifies the machine (instead of --machine-id): its TCTI, e.g.
    /// `device:/dev/tpmrm0` or `swtpm:host=127.0.0.1,port=2321`.
    #[arg(long, value_name = "TCTI")]
    pub tpm: Option<String>,
    /// The time (default: the system clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<u64>,
    /// Print a JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `entitle activate ...`.
#[derive(Debug, Subcommand)]
pub enum ActivateCommand {
    /// On the appliance: print an activation request (text and QR code).
    Request(RequestArgs),
    /// At the vendor or partner: answer a request.
    Respond(RespondArgs),
    /// On the appliance: accept the response.
    Accept(AcceptArgs),
    /// On the appliance: end the activation and print a signed receipt.
    Deactivate(DeactivateArgs),
}

/// `entitle activate request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The appliance.
    #[command(flatten)]
    pub appliance: ApplianceArgs,
    /// The license token (text, @FILE or '-').
    #[arg(long, value_name = "TOKEN")]
    pub license: String,
    /// Also show the request as a QR code (on standard error).
    #[arg(long)]
    pub qr: bool,
}

/// `entitle activate respond`.
#[derive(Debug, Args)]
pub struct RespondArgs {
    /// The signer.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The license token the request is for (text, @FILE or '-').
    #[arg(long, value_name = "TOKEN")]
    pub license: String,
    /// The deactivation receipt of the license's previous machine (rehosting).
    #[arg(long, value_name = "RECEIPT")]
    pub receipt: Option<String>,
    /// The signer's activation ledger (JSON lines, append-only; made if
    /// missing): which machines hold which license, which receipts were
    /// spent. A license is activated on one machine at a time; a receipt is
    /// spent once.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub ledger: PathBuf,
    /// The activation request (text or @FILE).
    #[arg(value_name = "REQUEST")]
    pub request: String,
}

/// `entitle activate accept`.
#[derive(Debug, Args)]
pub struct AcceptArgs {
    /// The appliance.
    #[command(flatten)]
    pub appliance: ApplianceArgs,
    /// Trusted vendor public key(s).
    #[arg(long = "public", value_name = "PATH", required = true, value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The license token (text, @FILE or '-').
    #[arg(long, value_name = "TOKEN")]
    pub license: String,
    /// The response, with its signer's certificates (text or @FILE).
    #[arg(value_name = "RESPONSE")]
    pub response: String,
    /// How far, in seconds, the clock may read before the newest time seen.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub clock_tolerance: u64,
}

/// `entitle activate deactivate`.
#[derive(Debug, Args)]
pub struct DeactivateArgs {
    /// The appliance.
    #[command(flatten)]
    pub appliance: ApplianceArgs,
    /// The license token (text, @FILE or '-').
    #[arg(long, value_name = "TOKEN")]
    pub license: String,
}

/// `entitle revoke`.
#[derive(Debug, Args)]
pub struct RevokeArgs {
    /// The signer.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The list's sequence number: higher than the signer's previous list.
    #[arg(long)]
    pub sequence: u64,
    /// A license serial (16 hex digits) to revoke. Repeatable.
    #[arg(long = "serial", value_name = "HEX")]
    pub serials: Vec<String>,
    /// A partner certificate serial to revoke. Repeatable.
    #[arg(long = "certificate", value_name = "HEX")]
    pub certificates: Vec<String>,
    /// A deactivation receipt: revoke the activation it ended, so that the
    /// machine it was for (restored from a backup, say) cannot use it again;
    /// the license stays valid where it is activated now. Repeatable; text
    /// or @FILE. To destroy the license itself, give --serial.
    #[arg(long = "receipt", value_name = "RECEIPT")]
    pub receipts: Vec<String>,
    /// The licenses concerned (text, @FILE): lets the pre-signing check see
    /// that they are within the signer's limits.
    #[arg(long = "license", value_name = "TOKEN")]
    pub licenses: Vec<String>,
    /// Revoke every licence the issuance ledger holds for this order id.
    /// Repeatable; needs the ledger.
    #[arg(long = "order", value_name = "ID")]
    pub orders: Vec<String>,
    /// The issuance ledger (default: ENTITLE_LEDGER): the revoked serials
    /// are recorded in it before the list is printed.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub ledger: Option<PathBuf>,
}

/// `entitle renew`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("term").required(true).args(["expires", "perpetual"]))]
pub struct RenewArgs {
    /// The signer.
    #[command(flatten)]
    pub signer: SignerArgs,
    /// The license to renew (text, @FILE or '-').
    #[arg(
        long,
        value_name = "TOKEN",
        required_unless_present = "order",
        conflicts_with = "order"
    )]
    pub license: Option<String>,
    /// Renew the licence the issuance ledger holds for this order id.
    #[arg(long, value_name = "ID")]
    pub order: Option<String>,
    /// The issuance ledger (default: ENTITLE_LEDGER): the renewal is
    /// recorded in it before it is printed.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub ledger: Option<PathBuf>,
    /// New end of validity.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub expires: Option<u64>,
    /// The license no longer expires.
    #[arg(long)]
    pub perpetual: bool,
    /// New end of updates.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub updates_until: Option<u64>,
}

/// `entitle catalog ...`.
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Check a catalog (TOML, signed or not); errors name the line and rule.
    Check(CatalogCheckArgs),
    /// Sign a catalog with the vendor key; prints the signed catalog.
    Sign(CatalogSignArgs),
}

/// `entitle catalog check`.
#[derive(Debug, Args)]
pub struct CatalogCheckArgs {
    /// Also require a valid signature by one of these public keys.
    #[arg(long = "public", value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The catalog file.
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
}

/// `entitle catalog sign`.
#[derive(Debug, Args)]
pub struct CatalogSignArgs {
    /// Signing key file, or '-' for standard input; default: the
    /// ENTITLE_SIGNING_KEY environment variable.
    #[arg(long, value_name = "PATH|-", value_hint = ValueHint::FilePath, allow_hyphen_values = true)]
    pub key: Option<String>,
    /// The catalog TOML to sign.
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub file: PathBuf,
}

/// `entitle allocate`.
#[derive(Debug, Args)]
pub struct AllocateArgs {
    /// What to decide on, and where: exactly as for `entitle verify`.
    #[command(flatten)]
    pub material: MaterialArgs,
    /// The users: CSV with the columns id,site,group,team,role,licenses.
    #[arg(long, value_name = "CSV", value_hint = ValueHint::FilePath)]
    pub users: PathBuf,
    /// The installation's setup (TOML, docs/allocation.md): licenses
    /// assigned per site, functions switched off per configuration group,
    /// capacity in use, facilities. It only restricts what was bought.
    #[arg(long, value_name = "TOML", value_hint = ValueHint::FilePath)]
    pub setup: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `entitle keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the secret key (mode 0600).
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath, required_unless_present = "key", conflicts_with = "key")]
    pub secret: Option<PathBuf>,
    /// Make the key inside a PKCS#11 module instead (an RFC 7512 URI,
    /// `pkcs11:token=T;object=NAME?module-path=M&pin-source=file:P`); it
    /// never leaves the module, only the public key is written.
    #[arg(long, value_name = "PKCS11-URI")]
    pub key: Option<String>,
    /// Where to write the public key.
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

/// Seat model on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelArg {
    /// Each seat belongs to one user.
    Named,
    /// A pool shared by a larger group.
    Concurrent,
}

/// License kind on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KindArg {
    /// A base (server) license.
    Base,
    /// An add-on pack, counted only beside a base.
    Addon,
}

/// `entitle issue`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("term").required(true).args(["expires", "perpetual", "batch"]))]
pub struct IssueArgs {
    /// Signing key file, '-' for standard input, or a key in a hardware
    /// module (`pkcs11:token=T;object=NAME?module-path=M&pin-source=file:P`).
    /// Without it the key is read from the ENTITLE_SIGNING_KEY environment
    /// variable (PEM text or a `pkcs11:` URI).
    #[arg(long, value_name = "PATH|-|PKCS11-URI", value_hint = ValueHint::FilePath, allow_hyphen_values = true)]
    pub key: Option<String>,
    /// Mint one licence per row of this file (CSV with a header line, or
    /// JSON lines), checked against --catalog; columns: order, product,
    /// edition, kind, seats, cap, model, tenant, not_before, expires,
    /// updates_until, features (';'-separated). Every row is checked
    /// before the first is signed. Needs --catalog and a ledger.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, requires = "catalog",
          conflicts_with_all = ["product", "edition", "seats", "cap", "tenant", "features", "not_before",
                                "updates_until", "order", "certs", "existing", "json"])]
    pub batch: Option<PathBuf>,
    /// With --batch: write one tokens file per tenant (TENANT.txt) into
    /// this directory instead of JSON lines on standard output.
    #[arg(long, value_name = "DIR", requires = "batch", value_hint = ValueHint::DirPath)]
    pub out_dir: Option<PathBuf>,
    /// The order id: the serial is derived from it, so issuing the same
    /// order again gives the same licence (docs/format.md).
    #[arg(long, value_name = "ID")]
    pub order: Option<String>,
    /// The issuance ledger (JSON lines, append-only; default: the
    /// ENTITLE_LEDGER environment variable): every licence is recorded
    /// before it is printed, and a repeated order prints the licence
    /// first issued for it.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub ledger: Option<PathBuf>,
    /// Product name (a-z 0-9 . _ -).
    #[arg(long, required_unless_present = "batch")]
    pub product: Option<String>,
    /// Edition name (a-z 0-9 . _ -).
    #[arg(long, required_unless_present = "batch")]
    pub edition: Option<String>,
    /// Seats granted, at least 1 (with --catalog, a base license's
    /// included seats by default).
    #[arg(long, required_unless_present_any = ["catalog", "batch"])]
    pub seats: Option<u32>,
    /// Seat model.
    #[arg(long, value_enum, default_value = "named")]
    pub model: ModelArg,
    /// Most seats of this product and edition usable in total, however
    /// many tokens are stacked.
    #[arg(long)]
    pub cap: Option<u32>,
    /// Base license or add-on pack.
    #[arg(long, value_enum, default_value = "base")]
    pub kind: KindArg,
    /// Customer company id the license is bound to.
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// A feature the license grants; repeat for several.
    #[arg(long = "feature", value_name = "F")]
    pub features: Vec<String>,
    /// Start of validity (default: now).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub not_before: Option<u64>,
    /// End of validity, exclusive (YYYY-MM-DD means 00:00 UTC that day).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub expires: Option<u64>,
    /// The license never expires.
    #[arg(long)]
    pub perpetual: bool,
    /// Newest software build date the license covers.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub updates_until: Option<u64>,
    /// The time of issue (default: the system clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<u64>,
    /// Check the license against this product catalog (signed or not) and
    /// fill in what it implies: included seats, cap, edition features.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub catalog: Option<PathBuf>,
    /// A partner's certificate chain (files with `entc1.` lines). The new
    /// license must count, by the decision `entitle verify` makes, together
    /// with the chain and the customer's --existing licenses; it is printed
    /// followed by the chain. Needs --public.
    #[arg(long = "cert", value_name = "FILE", requires = "public", value_hint = ValueHint::FilePath)]
    pub certs: Vec<PathBuf>,
    /// Trusted vendor public key(s), to check a partner's license (--cert).
    #[arg(long = "public", value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The customer's licenses the new one joins: text, @FILE, or '-'.
    /// The new one must count beside them (free extra keys come out of
    /// their annual-model licenses), and none of its seats may be lost to a
    /// cap. Needs --public.
    #[arg(long = "existing", value_name = "TOKEN", requires = "public")]
    pub existing: Vec<String>,
    /// Print a JSON object with the token and its claims.
    #[arg(long)]
    pub json: bool,
}

/// `entitle inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Token text, @FILE, or '-' for standard input.
    #[arg(value_name = "TOKEN")]
    pub token: String,
}
