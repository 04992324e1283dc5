//! `entitle`: issue, verify and inspect offline license keys.

#![forbid(unsafe_code)]

mod appliance;
mod artifacts;
mod cli;
mod commands;
mod decision;
mod error;
mod input;
mod json;
mod ledger;
mod output;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
