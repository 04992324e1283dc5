//! The arguments of a decision, as `entitle verify` takes them: the
//! material, the trusted keys, the catalog and the appliance's setting.

use std::path::PathBuf;

use clap::{Args, ValueHint};

use crate::input::parse_date;

/// `entitle verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// What to decide on, and where.
    #[command(flatten)]
    pub material: MaterialArgs,
    /// Print one JSON object: the pools, and every input kept or refused.
    #[arg(long)]
    pub json: bool,
}

/// The license material and the setting of a decision: the same for
/// `verify`, `allocate` and every command that decides what licenses count.
#[derive(Debug, Clone, Args)]
pub struct MaterialArgs {
    /// A trusted public key file (PEM); repeat to trust several (rotation).
    #[arg(long = "public", value_name = "PATH", required = true, value_hint = ValueHint::FilePath)]
    pub public: Vec<PathBuf>,
    /// The vendor-signed catalog (`entitle catalog sign`). Without it every
    /// product and edition of the tokens is a license of its own, without
    /// rules.
    #[arg(long, value_name = "SIGNED", value_hint = ValueHint::FilePath)]
    pub catalog: Option<PathBuf>,
    /// The company id this installation is configured with (bring-your-own
    /// licenses count only for their own company id).
    #[arg(long, value_name = "ID")]
    pub tenant: Option<String>,
    /// The time to check validity at (default: the system clock).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub now: Option<u64>,
    /// Build date of the running software, checked against updates_until.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub build_date: Option<u64>,
    /// The appliance's state directory: remembers the latest time seen (a
    /// clock set back is refused), the newest revocation lists, and
    /// activations.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub state_dir: Option<PathBuf>,
    /// Every license must be activated on this machine (needs --state-dir).
    #[arg(long, requires = "state_dir")]
    pub require_activation: bool,
    /// The file identifying the machine, for --require-activation.
    #[arg(long, value_name = "PATH", default_value = "/etc/machine-id", value_hint = ValueHint::FilePath)]
    pub machine_id: PathBuf,
    /// The state's sealing key, counter and machine identity are in this
    /// TPM 2.0 (a TCTI, e.g. `device:/dev/tpmrm0`); needs --state-dir.
    #[arg(long, value_name = "TCTI", requires = "state_dir")]
    pub tpm: Option<String>,
    /// How far, in seconds, the clock may read before the newest time seen
    /// (the state's, or without state the newest issue time of the material).
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub clock_tolerance: u64,
    /// Tokens, and the certificates, renewals, revocation lists, activation
    /// responses and deactivation receipts that go with them: text, @FILE
    /// (one per line), or '-' for standard input.
    #[arg(value_name = "TOKEN", required = true)]
    pub tokens: Vec<String>,
}
