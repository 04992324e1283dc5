//! `entitle`: issue, verify and inspect offline license keys.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    entitle_cli::run(entitle_cli::Cli::parse())
}
