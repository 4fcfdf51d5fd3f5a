//! Syntax of the hardware commands: `generate`, `cosim`, `testbench`.

use super::{StimulusSource, TargetArg};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Network config (TOML).
    pub config: PathBuf,
    /// Output folder.
    #[arg(short, long)]
    pub output: PathBuf,
    /// FPGA family whose memory primitives to use (a device name also checks that the network
    /// fits it).
    #[arg(long, default_value = "generic", value_parser = super::TargetParser)]
    pub target: TargetArg,
}

#[derive(Debug, Args)]
pub struct CosimArgs {
    /// Network config (TOML).
    pub config: PathBuf,
    #[command(flatten)]
    pub source: StimulusSource,
    /// Write a VCD waveform: of the first mismatching tick, or of the whole run when all match.
    #[arg(long)]
    pub vcd: Option<PathBuf>,
    /// Probability per cycle of a gap on the input stream and of out_ready low (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub backpressure: f64,
    /// Compare this many random weights per tick instead of all (all after the last tick).
    #[arg(long)]
    pub sample: Option<usize>,
    /// FPGA family of the generated Verilog (see `generate`).
    #[arg(long, default_value = "generic", value_parser = super::TargetParser)]
    pub target: TargetArg,
    /// Plain run: the stimulus as given, no backpressure, no host actions. Without it the
    /// stimulus is stressed (repeated and out-of-range addresses, host actions between ticks)
    /// and run twice: without backpressure (cycle counts checked) and with it.
    #[arg(long)]
    pub calm: bool,
    /// Seed of the stress (printed with what it injected).
    #[arg(long, default_value_t = 1)]
    pub stress_seed: u64,
    /// Co-simulate this RTL folder (written by `generate -o DIR`, possibly edited) instead of
    /// generating the Verilog; its manifest.json must be the config's network and names the
    /// target.
    #[arg(long, value_name = "DIR", conflicts_with = "target")]
    pub rtl: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct TestbenchArgs {
    /// Network config (TOML).
    pub config: PathBuf,
    #[command(flatten)]
    pub source: StimulusSource,
    /// Output folder (rtl/, tb/, vectors/, files.f, run.sh).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Default probability (0..1, in steps of 1/1000, below 1) of a gap before each input beat
    /// and of out_ready low in each cycle; `+bp=N` (in 1/1000) overrides it at run time.
    #[arg(long, default_value_t = 0.0)]
    pub backpressure: f64,
    /// Default seed of the testbench's backpressure generator; `+seed=S` overrides it.
    #[arg(long, default_value_t = 1)]
    pub bp_seed: u32,
    /// FPGA family of the generated Verilog (see `generate`).
    #[arg(long, default_value = "generic", value_parser = super::TargetParser)]
    pub target: TargetArg,
    /// Write the initial weights through the host port (init files left zero). Memories that
    /// cannot be preloaded (UP5K SPRAM pair mode) always get their weights this way.
    #[arg(long)]
    pub host_weights: bool,
    /// Then build and run the testbench under Icarus and under Verilator and print both
    /// simulators' build time, run time and simulated cycles per second side by side.
    #[arg(long)]
    pub bench: bool,
    /// Plain vectors: the stimulus as given, no host actions, backpressure only from
    /// --backpressure. Without it the stimulus is stressed as by `cosim` (repeated and
    /// out-of-range addresses, host actions, backpressure on about half the ticks).
    #[arg(long)]
    pub calm: bool,
    /// Seed of the stress (printed with what it injected).
    #[arg(long, default_value_t = 1)]
    pub stress_seed: u64,
}
