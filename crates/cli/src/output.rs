//! Writing to standard output without panicking when the reader goes away
//! (`entitle allocate ... | head`): a closed pipe ends the command quietly.

use std::fmt;
use std::io::Write as _;

/// Writes formatted text to standard output. On a closed pipe the command
/// exits at once with status 0; on any other write error with status 3.
pub fn write(args: fmt::Arguments<'_>) {
    if let Err(error) = std::io::stdout().lock().write_fmt(args) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("entitle: cannot write to standard output: {error}");
        std::process::exit(crate::error::Exit::Input as i32);
    }
}

/// `println!` that does not panic on a closed pipe.
macro_rules! say {
    () => { $crate::output::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` that does not panic on a closed pipe.
macro_rules! say_raw {
    ($($arg:tt)*) => { $crate::output::write(format_args!($($arg)*)) };
}

pub(crate) use {say, say_raw};
