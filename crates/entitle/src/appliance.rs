//! Opening the appliance's state on its platform: files by default, a TPM
//! with `--tpm TCTI` (built with the feature `tpm`).

use std::path::Path;

use entitle_appliance::{Appliance, FilePlatform, Platform};

use crate::artifacts::lifecycle_error;
use crate::error::Error as CliError;

/// Opens the state in `dir`: on a TPM when `tpm` names one (a TCTI such
/// as `swtpm:host=127.0.0.1,port=2321`), else on files, the machine
/// identified by the file `machine_id`.
pub fn open(dir: &Path, machine_id: &Path, tpm: Option<&str>) -> Result<Appliance, CliError> {
    let platform: Box<dyn Platform> = match tpm {
        None => Box::new(FilePlatform::new(machine_id)),
        Some(tcti) => tpm_platform(tcti, dir)?,
    };
    Appliance::open(dir, platform).map_err(|e| lifecycle_error(&e, ""))
}

#[cfg(feature = "tpm")]
fn tpm_platform(tcti: &str, dir: &Path) -> Result<Box<dyn Platform>, CliError> {
    let platform = entitle_appliance::TpmPlatform::new(tcti, dir)
        .map_err(|e| lifecycle_error(&e, "--tpm: "))?;
    Ok(Box::new(platform))
}

#[cfg(not(feature = "tpm"))]
fn tpm_platform(_tcti: &str, _dir: &Path) -> Result<Box<dyn Platform>, CliError> {
    Err(CliError::input(
        "--tpm: this entitle was built without TPM support; build it with `--features tpm` (needs the system's libtss2)",
    ))
}
