//! The activation ledger file: JSON lines, one `LedgerEntry` each, only
//! ever appended to (docs/reseller-offline-activation.md). The rules are
//! `entitle_lifecycle::Ledger`'s.

use std::io::Write as _;
use std::path::Path;

use entitle_lifecycle::{Ledger, LedgerEntry};

use crate::error::CliError;

/// Reads the ledger; a file that does not exist is an empty ledger, a line
/// that cannot be read is an error naming it.
pub fn read(path: &Path) -> Result<Ledger, CliError> {
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
                "{} line {}: not a ledger entry: {e}",
                path.display(),
                n.saturating_add(1)
            ))
        })?);
    }
    Ok(Ledger::new(entries))
}

/// Appends `entries` and syncs them to disk.
pub fn append(path: &Path, entries: &[LedgerEntry]) -> Result<(), CliError> {
    let fail = |e: std::io::Error| {
        CliError::input(format!("cannot write the ledger {}: {e}", path.display()))
    };
    let mut text = String::new();
    for entry in entries {
        text.push_str(&serde_json::to_string(entry).map_err(|e| CliError::input(e.to_string()))?);
        text.push('\n');
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(fail)?;
    file.write_all(text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)
}
