//! The `entitle` command, as a library too: [`run`] is the whole command
//! line (the binary is `run(Cli::parse())`), and [`verify_json`] is
//! `entitle verify --json` as a function call, which the C ABI's level 2
//! (crates/ffi) hands to firmware: the same arguments, the same decision,
//! the same report.

#![forbid(unsafe_code)]

mod appliance;
mod artifacts;
mod cli;
mod commands;
mod decision;
mod error;
mod input;
mod issuance;
mod json;
mod ledger;
mod order;
mod output;

use std::process::ExitCode;

use clap::Parser as _;

pub use crate::cli::Cli;
use crate::cli::Command;
use crate::error::CliError;

/// Runs one command line and says how it ended: the report on standard
/// output, an error on standard error (one JSON line with `--json`).
pub fn run(cli: Cli) -> ExitCode {
    let json = cli.command.json();
    let result = match cli.command {
        Command::Keygen(args) => commands::keygen::run(&args),
        Command::Issue(args) => commands::issue::run(&args),
        Command::Verify(args) => commands::verify::run(&args),
        Command::Inspect(args) => commands::inspect::run(&args),
        Command::Catalog(command) => commands::catalog::run(&command),
        Command::Allocate(args) => commands::allocate::run(&args),
        Command::Partner(command) => commands::partner::run(&command),
        Command::Activate(command) => commands::activate::run(&command),
        Command::Revoke(args) => commands::revoke::revoke(&args),
        Command::Renew(args) => commands::revoke::renew(&args),
        Command::Ledger(args) => commands::ledger::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Seats(command) => commands::seats::run(&command),
        Command::Lease(command) => commands::seats::lease(&command),
        Command::Key(cli::KeyCommand::Export(args)) => commands::key::export(&args),
        Command::Completions { shell } => commands::shell::completions(shell),
        Command::Man => commands::shell::man(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            if json {
                // One JSON line on standard error; standard output keeps
                // the one report the command may have printed.
                eprintln!("{}", error.to_json());
            } else {
                eprintln!("entitle: {error}");
            }
            error.exit.into()
        }
    }
}

/// `entitle verify --json ARGS...` as a call: the exit status it would end
/// with, and what it would print. That is the report (standard output)
/// whenever there is one, also when no license is usable (status 4 or 5);
/// otherwise the one-line JSON error it would print on standard error.
/// Arguments are those of `entitle verify` after the command name
/// (`--public`, `--catalog`, `--state-dir`, `--now`, tokens as text or
/// `@FILE`, ...); `--json` is implied.
pub fn verify_json<S: AsRef<str>>(args: &[S]) -> (i32, String) {
    let argv = ["entitle", "verify", "--json"]
        .into_iter()
        .chain(args.iter().map(AsRef::as_ref));
    let args = match Cli::try_parse_from(argv) {
        Ok(Cli {
            command: Command::Verify(args),
        }) => args,
        Ok(_) => return usage("not a verify command line"),
        Err(error) => {
            let text = error.to_string();
            return usage(text.lines().next().unwrap_or("bad arguments"));
        }
    };
    match commands::verify::decide_and_report(&args) {
        Ok((report, result)) => {
            let status = result.map_or_else(|e| i32::from(e.exit as u8), |()| 0);
            match serde_json::to_string(&report) {
                Ok(json) => (status, json),
                Err(e) => failure(&CliError::input(e.to_string())),
            }
        }
        Err(error) => failure(&error),
    }
}

fn failure(error: &CliError) -> (i32, String) {
    (i32::from(error.exit as u8), error.to_json())
}

/// Bad arguments: status 2, as clap exits.
fn usage(message: &str) -> (i32, String) {
    let json = serde_json::json!({
        "error": {"code": 2, "kind": "usage", "message": message.trim_start_matches("error: ")}
    });
    (2, json.to_string())
}
