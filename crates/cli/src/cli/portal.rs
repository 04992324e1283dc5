//! `entitle portal …`: the Enterprise Portal (docs/portal.md).

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueHint};

/// `entitle portal …`.
#[derive(Debug, Subcommand)]
pub enum PortalCommand {
    /// Run the portal: customers and partners sign in, see their licences
    /// and use the functions their views offer.
    Serve(Box<PortalServeArgs>),
    /// Add a company, or change its name and views.
    Company(CompanyArgs),
    /// Add a user of a company, or change their name or password (the
    /// password from ENTITLE_PORTAL_PASSWORD, or a line on standard input).
    User(UserArgs),
    /// Record licences and who holds them in which view (the customer that
    /// bought them, the reseller and distributor that sold them, ...).
    Import(ImportArgs),
    /// List the requests for service quotes, as CSV.
    Quotes(PortalStoreArgs),
    /// Print the audit log: who did what, as CSV.
    Audit(PortalStoreArgs),
}

/// Where the portal's data is.
#[derive(Debug, Clone, Args)]
pub struct PortalStoreArgs {
    /// The portal's state directory (its SQLite database, its TLS
    /// certificate).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub state_dir: PathBuf,
    /// PostgreSQL (`postgres://user@host/db`) instead of SQLite, for
    /// several instances; default: the ENTITLE_PORTAL_DATABASE environment
    /// variable (the place for a password).
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
}

/// `entitle portal serve`.
#[derive(Debug, Args)]
pub struct PortalServeArgs {
    /// Where the data is.
    #[command(flatten)]
    pub store: PortalStoreArgs,
    /// The key the portal signs with (activation responses, revocation
    /// lists): a PEM file, '-' for standard input, a `pkcs11:` URI;
    /// default: the ENTITLE_SIGNING_KEY environment variable.
    #[arg(long, value_name = "PATH|-", value_hint = ValueHint::FilePath, allow_hyphen_values = true)]
    pub key: Option<String>,
    /// The vendor's public key(s) the licences chain to (default: the
    /// signing key's own, when it is the vendor's).
    #[arg(long = "public", value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The software offered for download: `PRODUCT/VERSION/` folders, each
    /// with its files and a `BUILD-DATE` file.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub downloads: Option<PathBuf>,
    /// Where to listen. On any address but loopback the portal speaks TLS
    /// only (see --tls).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7460")]
    pub listen: std::net::SocketAddr,
    /// Speak TLS on loopback too.
    #[arg(long)]
    pub tls: bool,
    /// A host name browsers use, for the certificate made on first start.
    /// Repeatable.
    #[arg(long = "tls-name", value_name = "NAME")]
    pub tls_names: Vec<String>,
}

/// `entitle portal company`.
#[derive(Debug, Args)]
pub struct CompanyArgs {
    /// Where the data is.
    #[command(flatten)]
    pub store: PortalStoreArgs,
    /// The company id (for a customer: the tenant id its licences carry).
    #[arg(long, value_name = "ID")]
    pub id: String,
    /// The company's name.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// A view: customer, system-integrator, service-provider, reseller,
    /// distributor, partner. Repeatable.
    #[arg(long = "view", value_name = "VIEW", required_unless_present = "vendor")]
    pub views: Vec<String>,
    /// A service provider's contract: the seats of free extra keys it may
    /// obtain in total (none without it).
    #[arg(long, value_name = "SEATS")]
    pub contract_seats: Option<u32>,
    /// The vendor itself: its users see every licence and quote request
    /// and renew terms (the vendor's own view; no --view needed).
    #[arg(long)]
    pub vendor: bool,
}

/// `entitle portal user`.
#[derive(Debug, Args)]
pub struct UserArgs {
    /// Where the data is.
    #[command(flatten)]
    pub store: PortalStoreArgs,
    /// The e-mail address the user signs in with.
    #[arg(long, value_name = "ADDRESS")]
    pub email: String,
    /// The name shown.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// The company id.
    #[arg(long, value_name = "ID")]
    pub company: String,
}

/// `entitle portal import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Where the data is.
    #[command(flatten)]
    pub store: PortalStoreArgs,
    /// The vendor's public key(s): only licences that chain to one are
    /// recorded.
    #[arg(long = "public", value_name = "PATH", value_hint = ValueHint::FilePath, required = true)]
    pub public: Vec<PathBuf>,
    /// The customer that bought them (default: the company whose id is
    /// the licence's tenant, if it is in the portal).
    #[arg(long, value_name = "ID")]
    pub customer: Option<String>,
    /// The system integrator that manages them for the customer.
    #[arg(long, value_name = "ID")]
    pub system_integrator: Option<String>,
    /// The service provider that runs them.
    #[arg(long, value_name = "ID")]
    pub service_provider: Option<String>,
    /// The reseller that sold them.
    #[arg(long, value_name = "ID")]
    pub reseller: Option<String>,
    /// The distributor that sold them to the reseller.
    #[arg(long, value_name = "ID")]
    pub distributor: Option<String>,
    /// The channel or OEM partner they were sold through.
    #[arg(long, value_name = "ID")]
    pub partner: Option<String>,
    /// The vendor's issuance ledger (`issue --ledger`): every licence it
    /// issued, with the reseller and distributor its order names, and the
    /// renewals and revocation lists signed since.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub ledger: Option<PathBuf>,
    /// An activation ledger of `entitle activate respond --ledger FILE`:
    /// the machines answered offline count in the portal's one ledger too.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub activations: Option<PathBuf>,
    /// Licence tokens: text, files or @FILE lists, '-' for standard input.
    #[arg(
        value_name = "TOKEN|FILE",
        required_unless_present_any = ["ledger", "activations"]
    )]
    pub tokens: Vec<String>,
}
