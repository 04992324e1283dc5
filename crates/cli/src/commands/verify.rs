//! `entitle verify`: verify tokens, stack them, report.

use std::collections::BTreeMap;

use entitle_issue::unix_now;
use entitle_lifecycle::{Appliance, Options, evaluate};
use entitle_verify::{License, MAX_TOKEN_BYTES, Pool, Token, pools};

use crate::artifacts::{lifecycle_error, sort_inputs};
use crate::cli::VerifyArgs;
use crate::commands::activate::machine_bytes;
use crate::error::CliError;
use crate::input::{read_public_keys, read_tokens};
use crate::json::{Rejected, StackedLicense, VerifyReport, abbreviate, rfc3339};
use crate::output::say;

/// Runs the command. Succeeds when at least one license is usable.
pub fn run(args: &VerifyArgs) -> Result<(), CliError> {
    let keys = read_public_keys(&args.public)?;
    let sorted = sort_inputs(read_tokens(&args.tokens)?);
    let now = args.now.unwrap_or_else(unix_now);
    let mut report = VerifyReport::default();
    // (position among the tokens, failure): the first in input order decides the exit code
    let mut failures: Vec<(usize, CliError)> = Vec::new();
    for (input, error) in &sorted.malformed {
        report.rejected.push(Rejected {
            token: input.text.clone(),
            reason: error.to_string(),
        });
        failures.push((
            usize::MAX,
            lifecycle_error(error, format!("{}: ", input.origin)),
        ));
    }

    let mut buffers = vec![[0u8; MAX_TOKEN_BYTES]; sorted.tokens.len()];
    let mut tokens = Vec::new();
    let mut token_inputs = Vec::new();
    for (position, (input, buf)) in sorted.tokens.iter().zip(buffers.iter_mut()).enumerate() {
        match Token::decode(&input.text, buf) {
            Ok(token) => {
                tokens.push(token);
                token_inputs.push((position, input));
            }
            Err(error) => {
                report.rejected.push(Rejected {
                    token: input.text.clone(),
                    reason: error.to_string(),
                });
                failures.push((position, CliError::token(error, &input.origin)));
            }
        }
    }

    let mut appliance = args
        .state_dir
        .as_deref()
        .map(Appliance::open)
        .transpose()
        .map_err(|e| lifecycle_error(&e, ""))?;
    let machine = if args.require_activation {
        Some(machine_bytes(&args.machine_id)?)
    } else {
        None
    };
    let options = Options {
        now,
        build_date: args.build_date,
        machine: machine.as_deref(),
    };
    let eval = evaluate(
        &keys,
        &tokens,
        &sorted.artifacts,
        appliance.as_mut(),
        options,
    );
    if let Some(appliance) = appliance.as_mut() {
        appliance
            .observe(now, args.clock_tolerance, &eval.times)
            .map_err(|e| lifecycle_error(&e, ""))?;
        appliance.save().map_err(|e| lifecycle_error(&e, ""))?;
    }
    for (text, error) in &eval.refused_artifacts {
        report.rejected.push(Rejected {
            token: text.clone(),
            reason: error.to_string(),
        });
        failures.push((usize::MAX, lifecycle_error(error, "")));
    }
    report.warnings.extend(eval.warnings.iter().cloned());
    for (index, error) in &eval.refused {
        if let Some(&(position, input)) = token_inputs.get(*index) {
            report.rejected.push(Rejected {
                token: input.text.clone(),
                reason: error.to_string(),
            });
            failures.push((
                position,
                lifecycle_error(error, format!("{}: ", input.origin)),
            ));
        }
    }
    let mut licenses = Vec::new();
    let mut sources = Vec::new(); // sources[i] is where licenses[i] came from
    for (index, license) in eval.licenses {
        if let Some(&source) = token_inputs.get(index) {
            licenses.push(license);
            sources.push(source);
        }
    }

    warn_repeated_serials(&licenses, &mut report);
    for pool in pools(&licenses) {
        match pool.check() {
            Ok(()) => report.licenses.push(stacked(&pool, &mut report.warnings)),
            Err(error) => {
                for (license, (position, input)) in licenses.iter().zip(&sources) {
                    if pool.contains(license) {
                        report.rejected.push(Rejected {
                            token: input.text.clone(),
                            reason: error.to_string(),
                        });
                        failures.push((*position, CliError::token(error, &input.origin)));
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
        failures.sort_by_key(|(position, _)| *position);
        let mut first = failures
            .into_iter()
            .map(|(_, failure)| failure)
            .next()
            .unwrap_or_else(|| CliError::input("no token given"));
        first.message = format!("no usable license: {}", first.message);
        return Err(first);
    }
    Ok(())
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
