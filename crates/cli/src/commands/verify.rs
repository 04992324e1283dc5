//! `entitle verify`: decide what the material is worth, and report it.

use entitle::decision::InputLine;
use entitle::report::decide_and_report;

use crate::cli::VerifyArgs;
use crate::error::CliError;
use crate::json::{VerifyReport, abbreviate};
use crate::output::say;

/// Runs the command. Succeeds when at least one license is usable.
pub fn run(args: &VerifyArgs) -> Result<(), CliError> {
    let (report, result) = decide_and_report(args)?;
    if args.json {
        let json = serde_json::to_string(&report).map_err(|e| CliError::input(e.to_string()))?;
        say!("{json}");
    } else {
        print_plain(&report);
    }
    result.map_err(CliError::from)
}

fn print_plain(report: &VerifyReport) {
    for l in &report.licenses {
        let tenant = l
            .tenant
            .as_deref()
            .map(|t| format!("  tenant {t}"))
            .unwrap_or_default();
        let cap = l.cap.map(|c| format!(", cap {c}")).unwrap_or_default();
        say!("{} {}{tenant}  ({} seats)", l.product, l.edition, l.model);
        say!(
            "  seats     {} usable ({} bought{cap})",
            l.seats,
            l.seats_bought
        );
        if l.features.is_empty() {
            say!("  features  none");
        } else {
            say!("  features  {}", l.features.join(", "));
        }
        say!(
            "  expires   {}",
            l.expires_at.as_deref().unwrap_or("never (perpetual)")
        );
        say!(
            "  updates   {}",
            l.updates_until.as_deref().unwrap_or("all versions")
        );
        say!("  serials   {}", l.serials.join(", "));
        for m in &l.members {
            say!(
                "  license   {}  {}, term until {}, service until {}",
                m.serial,
                m.status,
                m.expires_at.as_deref().unwrap_or("never (perpetual)"),
                m.updates_until.as_deref().unwrap_or("all versions")
            );
        }
    }
    for r in report.inputs.iter().filter(|i| i.verdict == "refused") {
        say!("{}", refused_line(r));
    }
    for w in &report.warnings {
        say!("warning   {w}");
    }
}

/// `rejected  ent1.ATRF…: reason` for a refused input.
pub fn refused_line(r: &InputLine) -> String {
    format!(
        "rejected  {}: {}",
        abbreviate(&r.input),
        r.reason.as_deref().unwrap_or_default()
    )
}
