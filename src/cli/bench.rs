//! Syntax of `bench golden` and `bench cosim`.

use super::TargetArg;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Debug, Subcommand)]
pub enum BenchWhat {
    /// The golden model on Brian2's classic STDP network (256 Poisson inputs, 64 LIF, 10 s).
    Golden {
        /// Simulated seconds (1 tick = 1 ms).
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Repetitions (the best and the median are reported).
        #[arg(long, default_value_t = 50)]
        repeat: usize,
        /// Also run this peer on the same network and compare.
        #[arg(long, value_enum)]
        peer: Option<Peer>,
        /// Python interpreter that has Brian2 (default: $NEUROGEN_BRIAN2_PYTHON, else
        /// ~/.venv-brian2/bin/python).
        #[arg(long, value_name = "PATH")]
        python: Option<PathBuf>,
        /// The peer script (default: $NEUROGEN_BRIAN2_SCRIPT, else the checkout's
        /// scripts/peers/brian2_stdp.py).
        #[arg(long, value_name = "PATH")]
        peer_script: Option<PathBuf>,
    },
    /// Simulated cycles per second of a generated design through the Verilator binding,
    /// against a plain C++ Verilator loop of the same design, in one run.
    Cosim {
        /// Network config (TOML).
        config: PathBuf,
        /// Simulated cycles per run.
        #[arg(long, default_value_t = 2_000_000)]
        cycles: u64,
        /// Runs of each side (the fastest counts).
        #[arg(long, default_value_t = 3)]
        repeat: u32,
        /// FPGA family of the generated Verilog (see `generate`).
        #[arg(long, default_value = "generic", value_parser = super::TargetParser)]
        target: TargetArg,
    },
}

/// A simulator to measure against.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Peer {
    /// Brian2's cpp_standalone target, running the checkout's scripts/peers/brian2_stdp.py.
    Brian2,
}
