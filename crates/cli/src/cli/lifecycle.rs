//! The arguments of the life-cycle commands: `entitle partner`, `entitle
//! activate`, `entitle revoke` and `entitle renew`, and the signer they
//! share.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueHint};

use crate::input::parse_date;

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
    /// The license token (text, @FILE or '-'); a file of several
    /// licences gets one request each, one per line.
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
    /// The license token the request is for (text, @FILE or '-'); with
    /// several requests, a file of their licences: each request is
    /// answered with the licence of its serial, one response per line.
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
    /// Bind the activation to the seat store with this identity (32 hex
    /// digits, printed by `entitle serve --database`): the licence then
    /// counts only in `entitle serve` on that store, and may be activated
    /// on a second machine bound to it too, a standby seat server.
    #[arg(long, value_name = "HEX", value_parser = parse_store)]
    pub store: Option<[u8; 16]>,
    /// The activation request (text or @FILE).
    #[arg(value_name = "REQUEST")]
    pub request: String,
}

/// A seat store's identity: 32 hex digits.
fn parse_store(text: &str) -> Result<[u8; 16], String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a seat store identity (32 hex digits)");
    if text.len() != 32 || !text.is_ascii() {
        return Err(bad());
    }
    let mut id = [0u8; 16];
    for (slot, pair) in id.iter_mut().zip(text.as_bytes().chunks(2)) {
        let pair = std::str::from_utf8(pair).map_err(|_| bad())?;
        *slot = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(id)
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
    /// The license token (text, @FILE or '-'); with several responses, a
    /// file of their licences.
    #[arg(long, value_name = "TOKEN")]
    pub license: String,
    /// The response, with its signer's certificates (text or @FILE); a
    /// file of several responses activates each licence.
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
