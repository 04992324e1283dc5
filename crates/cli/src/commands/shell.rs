//! `entitle completions SHELL` and `entitle man`: generated from the
//! command definition, so they never drift from it.

use clap::CommandFactory as _;

use crate::cli::Cli;
use crate::error::CliError;
use crate::output::say_raw;

/// Prints the completion script for `shell` on standard output.
pub fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "entitle", &mut script);
    write(&script)
}

/// Prints the manual page (roff) on standard output.
pub fn man() -> Result<(), CliError> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| CliError::input(format!("cannot render the manual page: {e}")))?;
    write(&page)
}

fn write(bytes: &[u8]) -> Result<(), CliError> {
    say_raw!("{}", String::from_utf8_lossy(bytes));
    Ok(())
}
