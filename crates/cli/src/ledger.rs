//! Append-only ledger files: JSON lines, one entry each, never rewritten.
//! Two ledgers use it: the activation ledger of a signer
//! (`entitle_lifecycle::Ledger`, docs/reseller-offline-activation.md) and
//! the issuance ledger of a vendor (`crate::issuance`, docs/ci.md).

use std::io::Write as _;
use std::path::Path;

use entitle_lifecycle::Ledger;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::CliError;

/// Reads the activation ledger.
pub fn read(path: &Path) -> Result<Ledger, CliError> {
    read_lines(path, "ledger entry").map(Ledger::new)
}

/// Reads every entry; a file that does not exist is an empty ledger, a
/// line that cannot be read is an error naming it.
pub fn read_lines<T: DeserializeOwned>(path: &Path, what: &str) -> Result<Vec<T>, CliError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(CliError::input(format!(
                "cannot read the ledger {}: {e}",
                path.display()
            )));
        }
    };
    let mut entries = Vec::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        entries.push(serde_json::from_str(line).map_err(|e| {
            CliError::input(format!(
                "{} line {}: not a {what}: {e}",
                path.display(),
                n.saturating_add(1)
            ))
        })?);
    }
    Ok(entries)
}

/// Appends `entries` in one write and syncs them to disk (and the
/// directory, when the file is new) before returning.
pub fn append<T: Serialize>(path: &Path, entries: &[T]) -> Result<(), CliError> {
    let fail = |e: std::io::Error| {
        CliError::input(format!("cannot write the ledger {}: {e}", path.display()))
    };
    let mut text = String::new();
    for entry in entries {
        text.push_str(&serde_json::to_string(entry).map_err(|e| CliError::input(e.to_string()))?);
        text.push('\n');
    }
    let new = !path.exists();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)?;
    if new {
        sync_parent(path)?;
    }
    Ok(())
}

/// Syncs the directory holding `path`, so that a new file's name survives
/// a crash too.
pub fn sync_parent(path: &Path) -> Result<(), CliError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| CliError::input(format!("cannot sync {}: {e}", dir.display())))
}
