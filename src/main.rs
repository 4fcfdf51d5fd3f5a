//! `neurogen`: the command-line tool. Raw arguments are parsed by clap in [`cli`] (all the syntax), turned into
//! validated requests, and handed to the library crates; every failure is one line on stderr and
//! a non-zero exit, never a panic.

mod cli;
mod cmd;
mod flow;
mod nir;
mod plot;

use clap::Parser;
use std::process::ExitCode;

/// Restore the default action of SIGPIPE (Rust ignores it, so printing to a closed pipe would
/// panic): `neurogen ... | head` then ends quietly, like other Unix tools.
#[cfg(unix)]
fn default_sigpipe() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: usize) -> usize;
    }
    const SIGPIPE: i32 = 13;
    const SIG_DFL: usize = 0;
    // SAFETY: installs the default disposition for one signal before any thread is started.
    unsafe {
        signal(SIGPIPE, SIG_DFL);
    }
}

#[cfg(not(unix))]
fn default_sigpipe() {}

fn main() -> ExitCode {
    default_sigpipe();
    let args = match cli::Cli::try_parse() {
        Ok(a) => a,
        // a bad `--target` is reported like a command's error: one line, status 1
        Err(e) => match cli::bad_value(&e) {
            Some(bad) => {
                eprintln!("error: {bad}");
                return ExitCode::FAILURE;
            }
            None => e.exit(),
        },
    };
    match cmd::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
