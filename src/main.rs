//! `neurogen`: the command-line tool. Raw arguments are parsed by clap in [`cli`], turned into
//! validated requests, and handed to the library crates; every failure is one line on stderr and
//! a non-zero exit, never a panic.

mod cli;
mod cmd;
mod flow;
mod plot;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cmd::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
