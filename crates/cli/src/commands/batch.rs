//! `entitle issue --batch`: one licence per row of an order file, all or
//! nothing (docs/ci.md).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use entitle_issue::{Issuer, LicenseSpec, order_serial, unix_now, write_file};
use entitle_verify::{Hex, Serial, Utc};
use serde::Serialize;

use super::issue::{issued_entry, read_catalog};
use crate::cli::IssueArgs;
use crate::error::CliError;
use crate::input::read_file;
use crate::issuance::{Entry, IssuanceLedger};
use crate::order::{Row, read_rows};
use crate::output::say;
use crate::signing::read_signing_key;

/// What becomes of one row.
enum Outcome {
    /// A new licence: index into the specs to sign.
    New(usize),
    /// The order was issued before with the same content: its ledger entry.
    Repeat(Box<Entry>),
}

/// A licence of the batch, to print or write.
struct Licence<'a> {
    row: &'a Row,
    token: &'a str,
    serial: Option<String>,
    new: bool,
}

/// Runs `entitle issue --batch FILE`: checks every row (catalog, order
/// ids, the ledger's earlier orders) before signing any, signs the new
/// ones, appends them to the ledger (synced), and only then prints them.
pub fn run(args: &IssueArgs, path: &Path) -> Result<(), CliError> {
    let catalog_path = args
        .catalog
        .as_deref()
        .ok_or_else(|| CliError::input("--batch needs --catalog"))?;
    let catalog = read_catalog(catalog_path)?;
    let mut ledger = IssuanceLedger::require(args.ledger.as_deref(), "--batch")?;
    let rows = read_rows(path, &read_file(path)?)?;
    let issuer = Issuer::from_boxed(read_signing_key(args.key.as_deref())?);
    let signer = issuer.key().key_id();
    let now = args.now.unwrap_or_else(unix_now);

    let mut first_line: HashMap<&str, u64> = HashMap::with_capacity(rows.len());
    let mut outcomes = Vec::with_capacity(rows.len());
    let mut to_sign: Vec<(LicenseSpec, Serial)> = Vec::new();
    for row in &rows {
        let at = |e: CliError| CliError {
            message: format!("{} line {}: {}", path.display(), row.line, e.message),
            ..e
        };
        if let Some(line) = first_line.insert(&row.order, row.line) {
            return Err(at(CliError::input(format!(
                "order {} is on line {line} too; one licence per order id",
                row.order
            ))));
        }
        match ledger
            .repeat_of(&row.order, &issuer.key().public_key(), &row.request)
            .map_err(|why| at(CliError::input(why)))?
        {
            Some(first) => outcomes.push(Outcome::Repeat(Box::new(first.clone()))),
            None => {
                let spec = row.request.to_spec(Some(&catalog), now).map_err(at)?;
                let serial = order_serial(signer, &row.order).map_err(|e| at(e.into()))?;
                outcomes.push(Outcome::New(to_sign.len()));
                to_sign.push((spec, serial));
            }
        }
    }

    let issued = issuer.issue_batch(&to_sign)?;
    let at = Utc(now).to_string();
    let entries = rows
        .iter()
        .zip(&outcomes)
        .filter_map(|(row, outcome)| match outcome {
            Outcome::New(i) => Some((row, issued.get(*i)?, &to_sign.get(*i)?.0)),
            Outcome::Repeat(_) => None,
        })
        .map(|(row, token, spec)| {
            issued_entry(token, &at, spec, signer, Some(&row.order), &row.request)
        })
        .collect();
    ledger.append(entries)?;

    let licences = rows
        .iter()
        .zip(&outcomes)
        .map(|(row, outcome)| match outcome {
            Outcome::New(i) => Licence {
                row,
                token: issued.get(*i).map_or("", |t| t.text.as_str()),
                serial: issued.get(*i).map(|t| Hex(&t.serial.0).to_string()),
                new: true,
            },
            Outcome::Repeat(first) => Licence {
                row,
                token: &first.artifact,
                serial: Some(first.serial.clone()),
                new: false,
            },
        });
    let new = to_sign.len();
    let repeated = rows.len().saturating_sub(new);
    match &args.out_dir {
        Some(dir) => write_per_tenant(dir, licences)?,
        None => print_lines(licences)?,
    }
    eprintln!(
        "entitle: {new} licences issued, {repeated} orders issued before (printed as first issued); ledger {}",
        ledger.path.display()
    );
    Ok(())
}

/// One JSON object per row on standard output.
fn print_lines<'a>(licences: impl Iterator<Item = Licence<'a>>) -> Result<(), CliError> {
    #[derive(Serialize)]
    struct Line<'a> {
        order: &'a str,
        serial: Option<String>,
        tenant: Option<&'a str>,
        new: bool,
        token: &'a str,
    }
    let mut out = String::new();
    for licence in licences {
        let line = Line {
            order: &licence.row.order,
            serial: licence.serial,
            tenant: licence.row.request.tenant.as_deref(),
            new: licence.new,
            token: licence.token,
        };
        out.push_str(&serde_json::to_string(&line).map_err(|e| CliError::input(e.to_string()))?);
        out.push('\n');
    }
    say!("{}", out.trim_end());
    Ok(())
}

/// A tokens file per tenant, `DIR/TENANT.txt` (`DIR/no-tenant.txt` for
/// licences without one), in the batch's order; each file is replaced
/// atomically.
fn write_per_tenant<'a>(
    dir: &Path,
    licences: impl Iterator<Item = Licence<'a>>,
) -> Result<(), CliError> {
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for licence in licences {
        let name = licence.row.request.tenant.as_deref().unwrap_or("no-tenant");
        // Checked when the row was read; a name that is not a company id
        // never becomes a path.
        if !entitle_verify::names::is_valid_tenant(name) {
            return Err(CliError::input(format!(
                "tenant {name:?} is not a company id"
            )));
        }
        let file = files.entry(format!("{name}.txt")).or_default();
        file.push_str(licence.token);
        file.push('\n');
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::input(format!("cannot make {}: {e}", dir.display())))?;
    for (name, text) in &files {
        write_file(&dir.join(name), text.as_bytes(), 0o644, true)?;
    }
    eprintln!(
        "entitle: wrote {} tokens files to {}",
        files.len(),
        dir.display()
    );
    Ok(())
}
