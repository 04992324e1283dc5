//! The `entitle` command, as a library too: [`run`] is the whole command
//! line (the binary is `run(Cli::parse())`). What it reads and decides
//! with is the `entitle` library's; [`verify_json`] is that library's
//! `entitle verify --json` as a function call.

#![forbid(unsafe_code)]

mod artifacts;
mod cli;
mod commands;
mod error;
mod issuance;
mod ledger;
mod order;
mod output;
mod signing;

use std::process::ExitCode;

// What the command reads and decides with is the library's.
use entitle::{appliance, decision, input, json};

pub use crate::cli::Cli;
use crate::cli::Command;

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
        Command::Portal(command) => commands::portal::run(&command),
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

/// `entitle verify --json ARGS...` as a call: [`entitle::report::verify_json`].
pub fn verify_json<S: AsRef<str>>(args: &[S]) -> (i32, String) {
    entitle::report::verify_json(args)
}
