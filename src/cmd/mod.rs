//! The commands: each takes parsed arguments, validates them, calls the libraries, and reports.

mod bench;
mod board;
mod common;
mod demo;
mod feast;
mod hw;
mod learn;
mod nir;
mod simulate;
mod synth;
mod testbench;

use crate::cli::{Cli, Command};
#[cfg(test)]
pub use nir::{agreement as nir_agreement, golden_spikes as nir_golden_spikes};

/// Error of a command: one line for the user.
pub type CmdResult = Result<(), String>;

/// Run one command.
pub fn run(cli: Cli) -> CmdResult {
    match cli.command {
        Command::Simulate(a) => simulate::simulate(a),
        Command::Stimulus(a) => simulate::stimulus(a),
        Command::Bench(a) => bench::bench(a),
        Command::Demo(a) => demo::demo(a),
        Command::Generate(a) => hw::generate(a),
        Command::Cosim(a) => hw::cosim(a),
        Command::Testbench(a) => testbench::testbench(a),
        Command::Learn(a) => learn::learn(a),
        Command::Synth(a) => synth::synth(a),
        Command::Sweep(a) => synth::sweep(a),
        Command::Board(a) => board::board(a),
        Command::Import(a) => nir::import(a),
        Command::Export(a) => nir::export(a),
    }
}
