//! The command line: every command, flag and argument.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use crate::input::parse_date;

/// Issue and verify offline license keys.
#[derive(Debug, Parser)]
#[command(name = "entitle", version, about, max_term_width = 100)]
#[command(after_help = "Exit codes: 0 ok, 2 usage, 3 bad input or I/O, \
    4 invalid token (malformed, bad signature, unknown key), \
    5 not valid now (expired, not yet valid, not entitled to this version), \
    6 add-on without a base license.")]
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
    /// A trusted public key file (PEM); repeat to trust several.
    #[arg(long = "public", value_name = "PATH", required = true, value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The vendor-signed catalog (`entitle catalog sign`). Without it every
    /// product and edition of the tokens is a license of its own, without
    /// rules.
    #[arg(long, value_name = "SIGNED", value_hint = ValueHint::FilePath)]
    pub catalog: Option<PathBuf>,
    /// The users: CSV with the columns id,site,group,team,role,licenses.
    #[arg(long, value_name = "CSV", value_hint = ValueHint::FilePath)]
    pub users: PathBuf,
    /// The company id this installation is configured with (bring-your-own
    /// licenses count only for their own company id).
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// The time to check validity at (default: the system clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<u64>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Token text, @FILE (one token per line), or '-' for standard input.
    #[arg(value_name = "TOKEN", required = true)]
    pub tokens: Vec<String>,
}

/// `entitle keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Where to write the secret key (mode 0600).
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub secret: PathBuf,
    /// Where to write the public key.
    #[arg(long, value_name = "PATH", value_hint = ValueHint::FilePath)]
    pub public: PathBuf,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

/// Seat model on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModelArg {
    /// Each seat belongs to one user.
    Named,
    /// A pool shared by a larger group.
    Concurrent,
}

/// License kind on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    /// A base (server) license.
    Base,
    /// An add-on pack, counted only beside a base.
    Addon,
}

/// `entitle issue`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("term").required(true).args(["expires", "perpetual"]))]
pub struct IssueArgs {
    /// Signing key file, or '-' for standard input. Without it the key is
    /// read from the ENTITLE_SIGNING_KEY environment variable (PEM text).
    #[arg(long, value_name = "PATH|-", value_hint = ValueHint::FilePath, allow_hyphen_values = true)]
    pub key: Option<String>,
    /// Product name (a-z 0-9 . _ -).
    #[arg(long)]
    pub product: String,
    /// Edition name (a-z 0-9 . _ -).
    #[arg(long)]
    pub edition: String,
    /// Seats granted, at least 1 (with --catalog, a base license's
    /// included seats by default).
    #[arg(long, required_unless_present = "catalog")]
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
    /// Check the license against this product catalog (signed or not) and
    /// fill in what it implies: included seats, cap, edition features.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub catalog: Option<PathBuf>,
    /// Print a JSON object with the token and its claims.
    #[arg(long)]
    pub json: bool,
}

/// `entitle verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A trusted public key file (PEM); repeat to trust several (rotation).
    #[arg(long = "public", value_name = "PATH", required = true, value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The time to check validity at (default: the system clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<u64>,
    /// Build date of the running software, checked against updates_until.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub build_date: Option<u64>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Token text, @FILE (one token per line), or '-' for standard input.
    #[arg(value_name = "TOKEN", required = true)]
    pub tokens: Vec<String>,
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
