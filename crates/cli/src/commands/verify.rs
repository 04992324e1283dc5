//! `entitle verify`: verify tokens, stack them, report.

use std::collections::BTreeMap;

use entitle_issue::unix_now;
use entitle_verify::{Error, License, MAX_TOKEN_BYTES, Pool, Verifier, pools};

use crate::cli::VerifyArgs;
use crate::error::CliError;
use crate::input::{TokenInput, read_public_keys, read_tokens};
use crate::json::{Rejected, StackedLicense, VerifyReport, abbreviate, rfc3339};
use crate::output::say;

/// Runs the command. Succeeds when at least one license is usable.
pub fn run(args: &VerifyArgs) -> Result<(), CliError> {
    let keys = read_public_keys(&args.public)?;
    let inputs = read_tokens(&args.tokens)?;
    let now = args.now.unwrap_or_else(unix_now);
    let verifier = Verifier::new(&keys);

    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; inputs.len()];
    let mut licenses = Vec::new();
    let mut sources = Vec::new(); // sources[i] is where licenses[i] came from
    let mut report = VerifyReport::default();
    let mut failures = Vec::new();
    for (input, buf) in inputs.iter().zip(buffers.iter_mut()) {
        let verified = verifier
            .verify_text(&input.text, buf, now)
            .and_then(|license| match args.build_date {
                Some(build_date) => license.check_build(build_date).map(|()| license),
                None => Ok(license),
            });
        match verified {
            Ok(license) => {
                licenses.push(license);
                sources.push(input);
            }
            Err(error) => reject(&mut report, &mut failures, input, error),
        }
    }

    warn_repeated_serials(&licenses, &mut report);
    for pool in pools(&licenses) {
        match pool.check() {
            Ok(()) => report.licenses.push(stacked(&pool, &mut report.warnings)),
            Err(error) => {
                for (license, input) in licenses.iter().zip(&sources) {
                    if pool.contains(license) {
                        reject(&mut report, &mut failures, input, error);
                    }
                }
            }
        }
    }

    if args.json {
        let json = serde_json::to_string(&report).map_err(|e| CliError::input(e.to_string()))?;
        say!("{json}");
    } else {
        print_plain(&report);
    }
    if report.licenses.is_empty() {
        let mut first = failures
            .into_iter()
            .next()
            .unwrap_or_else(|| CliError::input("no token given"));
        first.message = format!("no usable license: {}", first.message);
        return Err(first);
    }
    Ok(())
}

fn reject(
    report: &mut VerifyReport,
    failures: &mut Vec<CliError>,
    input: &TokenInput,
    error: Error,
) {
    report.rejected.push(Rejected {
        token: input.text.clone(),
        reason: error.to_string(),
    });
    failures.push(CliError::token(error, &input.origin));
}

fn warn_repeated_serials(licenses: &[License<'_>], report: &mut VerifyReport) {
    let mut counts = BTreeMap::new();
    for license in licenses {
        *counts.entry(license.serial()).or_insert(0usize) += 1;
    }
    for (serial, count) in counts.into_iter().filter(|&(_, n)| n > 1) {
        report.warnings.push(format!(
            "serial {serial} was given {count} times; it counts once"
        ));
    }
}

fn stacked(pool: &Pool<'_, '_>, warnings: &mut Vec<String>) -> StackedLicense {
    let over = pool.seats_over_cap();
    if over > 0 {
        warnings.push(format!(
            "{}: {} seats bought but the cap is {}; {over} seats cannot be used",
            pool_name(pool),
            pool.seats_bought(),
            pool.cap().unwrap_or_default(),
        ));
    }
    StackedLicense {
        product: pool.product().to_string(),
        edition: pool.edition().to_string(),
        tenant: pool.tenant().map(str::to_string),
        model: pool.model().as_str(),
        seats: pool.seats(),
        seats_bought: pool.seats_bought(),
        cap: pool.cap(),
        features: pool.features().map(str::to_string).collect(),
        expires_at: pool.expires_at().map(rfc3339),
        updates_until: pool.updates_until().map(rfc3339),
        serials: pool.members().map(|l| l.serial().to_string()).collect(),
    }
}

fn pool_name(pool: &Pool<'_, '_>) -> String {
    let mut name = format!("{} {}", pool.product(), pool.edition());
    if let Some(tenant) = pool.tenant() {
        name.push_str(&format!(" for {tenant}"));
    }
    name
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
        say!("  features  {}", l.features.join(", "));
        say!(
            "  expires   {}",
            l.expires_at.as_deref().unwrap_or("never (perpetual)")
        );
        say!(
            "  updates   {}",
            l.updates_until.as_deref().unwrap_or("all versions")
        );
        say!("  serials   {}", l.serials.join(", "));
    }
    for r in &report.rejected {
        say!("rejected  {}: {}", abbreviate(&r.token), r.reason);
    }
    for w in &report.warnings {
        say!("warning   {w}");
    }
}
