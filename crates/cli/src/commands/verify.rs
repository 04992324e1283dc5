//! `entitle verify`: decide what the material is worth, and report it.

use entitle_allocate::PoolLine;

use crate::cli::VerifyArgs;
use crate::decision::{InputLine, LicenseStatus, decide_args};
use crate::error::CliError;
use crate::json::{Rejected, StackedLicense, SupplyJson, VerifyReport, abbreviate, rfc3339};
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
    result
}

/// The decision and its report; with it, the error the command ends with
/// when no license is usable (the first refused input's reason).
pub fn decide_and_report(
    args: &VerifyArgs,
) -> Result<(VerifyReport, Result<(), CliError>), CliError> {
    let outcome = decide_args(&args.material)?;
    let report = VerifyReport {
        licenses: outcome
            .supply
            .pools
            .iter()
            .filter(|p| p.license.is_some() && p.seats > 0)
            .map(|pool| stacked(pool, &outcome.statuses))
            .collect(),
        rejected: outcome
            .inputs
            .iter()
            .filter(|i| i.verdict == "refused")
            .map(|i| Rejected {
                token: i.input.clone(),
                reason: i.reason.clone().unwrap_or_default(),
                code: i.code.unwrap_or("invalid"),
            })
            .collect(),
        warnings: outcome.warnings.clone(),
        supply: SupplyJson::new(&outcome.catalog, &outcome.supply),
        inputs: outcome.inputs,
    };
    let result = if report.licenses.is_empty() {
        let mut failures = outcome.failures;
        failures.sort_by_key(|(position, _)| *position);
        let mut first = failures
            .into_iter()
            .map(|(_, failure)| failure)
            .next()
            .unwrap_or_else(|| CliError::input("no token given"));
        first.message = format!("no usable license: {}", first.message);
        Err(first)
    } else {
        Ok(())
    };
    Ok((report, result))
}

fn stacked(pool: &PoolLine, statuses: &[LicenseStatus]) -> StackedLicense {
    let serials: Vec<String> = pool.serials.iter().map(ToString::to_string).collect();
    let members = serials
        .iter()
        .filter_map(|serial| statuses.iter().find(|s| &s.serial == serial).cloned())
        .collect();
    StackedLicense {
        product: pool.product.clone(),
        edition: pool.edition.clone(),
        tenant: pool.tenant.clone(),
        model: pool.model.as_str(),
        seats: pool.seats,
        seats_bought: pool.seats_bought,
        cap: pool.cap,
        features: pool.features.clone(),
        expires_at: pool.expires_at.map(rfc3339),
        updates_until: pool.updates_until.map(rfc3339),
        serials,
        members,
    }
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
