//! `entitle ledger`: what the issuance ledger says about a tenant, an
//! order or a serial.

use crate::cli::LedgerArgs;
use crate::error::CliError;
use crate::issuance::{Entry, Event, IssuanceLedger};
use crate::output::say;

/// Runs the command: the matching entries, oldest first.
pub fn run(args: &LedgerArgs) -> Result<(), CliError> {
    let ledger = IssuanceLedger::read_only(args.ledger.as_deref(), "entitle ledger")?;
    let serial = args.serial.as_deref().map(str::to_ascii_lowercase);
    let wanted = |e: &Entry| {
        args.tenant
            .as_ref()
            .is_none_or(|t| e.tenant.as_ref() == Some(t))
            && args
                .order
                .as_ref()
                .is_none_or(|o| e.order.as_ref() == Some(o))
            && serial.as_ref().is_none_or(|s| e.serial == *s)
    };
    let entries: Vec<&Entry> = ledger.entries.iter().filter(|e| wanted(e)).collect();
    if args.json {
        for entry in entries {
            say!(
                "{}",
                serde_json::to_string(entry).map_err(|e| CliError::input(e.to_string()))?
            );
        }
        return Ok(());
    }
    if entries.is_empty() {
        say!("no entries match");
        return Ok(());
    }
    for e in entries {
        let event = match e.event {
            Event::Issued => "issued ",
            Event::Renewed => "renewed",
            Event::Revoked => "revoked",
            Event::Listed => "listed ",
        };
        let what = match (&e.product, &e.edition) {
            (Some(p), Some(ed)) => format!("{p} {ed}"),
            _ => "-".into(),
        };
        let seats = e
            .request
            .as_ref()
            .and_then(|r| r.seats)
            .map(|s| format!(" {s} seats"))
            .unwrap_or_default();
        let until = e
            .expires
            .as_deref()
            .map(|x| format!(" until {x}"))
            .unwrap_or_default();
        say!(
            "{}  {event}  {}  order {}  {what}{seats}{until}  tenant {}  key {}",
            e.at,
            e.serial,
            e.order.as_deref().unwrap_or("-"),
            e.tenant.as_deref().unwrap_or("-"),
            e.signer
        );
    }
    Ok(())
}
