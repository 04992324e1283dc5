//! The report of a decision, as `entitle verify --json` prints it: the
//! usable pools, every input kept or refused with its reason and code, the
//! warnings and the supply ([`VerifyReport`]); and [`verify_json`], the
//! whole of `entitle verify --json` as one call (the C ABI's level 2).

use clap::Parser as _;
use entitle_allocate::PoolLine;

use crate::args::VerifyArgs;
use crate::decision::{LicenseStatus, decide_args};
use crate::error::Error;
use crate::json::{StackedLicense, SupplyJson, VerifyReport, rfc3339};

/// The decision and its report; with it, the error the command ends with
/// when no license is usable (the first refused input's reason).
pub fn decide_and_report(args: &VerifyArgs) -> Result<(VerifyReport, Result<(), Error>), Error> {
    let outcome = decide_args(&args.material)?;
    let report = VerifyReport {
        licenses: outcome
            .supply
            .pools
            .iter()
            .filter(|p| p.license.is_some() && p.seats > 0)
            .map(|pool| stacked(pool, &outcome.statuses))
            .collect(),
        rejected: outcome.rejected(),
        warnings: outcome.warnings.iter().map(|w| w.message.clone()).collect(),
        warning_codes: outcome.warnings.iter().map(|w| w.code).collect(),
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
            .unwrap_or_else(|| Error::input("no token given"));
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

/// The command line `verify_json` reads: `entitle verify`'s arguments.
#[derive(Debug, clap::Parser)]
#[command(name = "entitle verify")]
struct VerifyLine {
    #[command(flatten)]
    args: VerifyArgs,
}

/// `entitle verify --json ARGS...` as a call: the exit status it would end
/// with, and what it would print. That is the report (standard output)
/// whenever there is one, also when no license is usable (status 4 or 5);
/// otherwise the one-line JSON error it would print on standard error.
/// Arguments are those of `entitle verify` after the command name
/// (`--public`, `--catalog`, `--state-dir`, `--now`, tokens as text or
/// `@FILE`, ...); `--json` is implied.
pub fn verify_json<S: AsRef<str>>(args: &[S]) -> (i32, String) {
    let argv = ["entitle verify"]
        .into_iter()
        .chain(args.iter().map(AsRef::as_ref).filter(|a| *a != "--json"));
    let line = match VerifyLine::try_parse_from(argv) {
        Ok(line) => line,
        Err(error) => {
            let text = error.to_string();
            return usage(text.lines().next().unwrap_or("bad arguments"));
        }
    };
    match decide_and_report(&line.args) {
        Ok((report, result)) => {
            let status = result.map_or_else(|e| i32::from(e.exit as u8), |()| 0);
            match serde_json::to_string(&report) {
                Ok(json) => (status, json),
                Err(e) => failure(&Error::input(e.to_string())),
            }
        }
        Err(error) => failure(&error),
    }
}

fn failure(error: &Error) -> (i32, String) {
    (i32::from(error.exit as u8), error.to_json())
}

/// Bad arguments: status 2, as clap exits.
fn usage(message: &str) -> (i32, String) {
    let json = serde_json::json!({
        "error": {"code": 2, "kind": "usage", "message": message.trim_start_matches("error: ")}
    });
    (2, json.to_string())
}
