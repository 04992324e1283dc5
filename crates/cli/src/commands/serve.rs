//! `entitle serve`: the seat server (docs/concurrent-seats.md), started by
//! the seats crate ([`entitle_seats::site::run`]); this command only reads
//! its arguments.

use entitle_seats::site::{SiteOptions, run as run_site};

use crate::cli::ServeArgs;
use crate::error::CliError;

/// Runs the server until interrupted (Ctrl-C or SIGTERM).
pub fn run(args: &ServeArgs) -> Result<(), CliError> {
    let options = SiteOptions {
        material: args.material.clone(),
        listen: args.listen,
        tls: args.tls,
        tls_names: args.tls_names.clone(),
        lease_ttl: args.lease_ttl,
        refresh: args.refresh,
        // The place for a password is the environment, not the command line.
        database: args
            .database
            .clone()
            .or_else(|| std::env::var("ENTITLE_DATABASE").ok()),
        audit_days: args.audit_days,
    };
    Ok(run_site(&options)?)
}
