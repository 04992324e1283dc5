//! The command line: every command, flag and argument.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use crate::input::parse_date;

pub use entitle::args::{MaterialArgs, VerifyArgs};

mod lifecycle;
mod portal;
mod seats;

pub use lifecycle::*;
pub use portal::*;
pub use seats::*;

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
    /// The Enterprise Portal (docs/portal.md): customers and partners see,
    /// download and act on their licences.
    #[command(subcommand)]
    Portal(PortalCommand),
    /// Print shell completions: `entitle completions bash > /etc/bash_completion.d/entitle`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `entitle man > entitle.1`.
    Man,
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
            Command::Serve(_) | Command::Portal(_) => false,
            Command::Seats(
                SeatsCommand::List(admin)
                | SeatsCommand::Sessions(admin)
                | SeatsCommand::Audit(admin)
                | SeatsCommand::Accounts(admin),
            ) => admin.json,
            Command::Seats(SeatsCommand::AddAccount(args)) => args.admin.json,
            Command::Seats(SeatsCommand::RemoveAccount(args)) => args.admin.json,
            Command::Seats(SeatsCommand::StoreIdentity(_)) => false,
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
    /// The company id of the reseller that sold it, kept in the issuance
    /// ledger for the portal's Reseller view (not in the token).
    #[arg(long, value_name = "ID")]
    pub reseller: Option<String>,
    /// The company id of the distributor that sold it to the reseller,
    /// kept in the issuance ledger (not in the token).
    #[arg(long, value_name = "ID")]
    pub distributor: Option<String>,
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
