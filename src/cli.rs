//! Command-line syntax (clap). Nothing here knows the model: values are checked for range in
//! [`crate::cmd`], where they become the library crates' request types.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Generator of pipelined STDP spiking-neuron arrays in Verilog, with a bit-exact golden model.
#[derive(Debug, Parser)]
#[command(name = "neurogen", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the golden model on a stimulus and write the result JSON.
    Simulate(SimulateArgs),
    /// Write a generated stimulus file (seeded Poisson or repeated spatial patterns).
    Stimulus(StimulusArgs),
    /// Benchmarks that print figures.
    Bench(BenchArgs),
    /// The whole flow on the built-in pattern network: Verilog, training in the golden model,
    /// Verilator co-simulation (MATCH), iCE40 UP5K synthesis, plots.
    Demo(DemoArgs),
    /// Generate the Verilog of a network: DIR/rtl/*.v, memory init files, DIR/manifest.json.
    Generate(GenerateArgs),
    /// Co-simulate the generated Verilog (Verilator) against the golden model, tick by tick.
    Cosim(CosimArgs),
    /// Export a self-checking Verilog testbench (RTL, vectors from the golden model, run.sh for
    /// Icarus and Verilator) to DIR.
    Testbench(TestbenchArgs),
    /// Unsupervised learning experiments in the golden model (patterns, digits), with plots.
    Learn(crate::cmd::learn::LearnArgs),
    /// Yosys + nextpnr for a device: LUTs, FFs, block RAM, SPRAM, DSP, Fmax, fits, bitstream.
    Synth(crate::cmd::synth::SynthArgs),
    /// Synthesize over lane counts and sizes: table and PNG plot of cost and speed.
    Sweep(crate::cmd::synth::SweepArgs),
    /// Board tops (UART host link, LEDs), pin files, and a real board over its serial port.
    Board(crate::cmd::board::BoardArgs),
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
    #[arg(long, default_value = "generic")]
    pub target: String,
    /// Write the initial weights through the host port (init files left zero), as for memories
    /// that cannot be preloaded.
    #[arg(long)]
    pub host_weights: bool,
    /// Then build and run the testbench under Icarus and under Verilator and print both
    /// simulators' build time, run time and simulated cycles per second side by side.
    #[arg(long)]
    pub bench: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Network config (TOML).
    pub config: PathBuf,
    /// Output folder.
    #[arg(short, long)]
    pub output: PathBuf,
    /// FPGA family whose memory primitives to use: generic, ice40-up5k, ice40-hx8k, ecp5-25k,
    /// ecp5-45k, ecp5-85k.
    #[arg(long, default_value = "generic")]
    pub target: String,
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
    #[arg(long, default_value = "generic")]
    pub target: String,
    /// Co-simulate this RTL folder (written by `generate -o DIR`, possibly edited) instead of
    /// generating the Verilog; its manifest.json must be the config's network and names the
    /// target.
    #[arg(long, value_name = "DIR", conflicts_with = "target")]
    pub rtl: Option<PathBuf>,
}

/// Where the events come from: a file, or a seeded Poisson generator.
#[derive(Debug, Args, Clone)]
pub struct StimulusSource {
    /// Stimulus JSON file (`{"ticks": [[...], ...]}`).
    #[arg(long, conflicts_with_all = ["poisson", "ticks"])]
    pub stimulus: Option<PathBuf>,
    /// Generate Poisson inputs at this rate in Hz (one tick = 1 ms).
    #[arg(long, value_name = "RATE_HZ", requires = "ticks")]
    pub poisson: Option<f64>,
    /// Number of ticks to generate (with --poisson).
    #[arg(long, value_name = "T")]
    pub ticks: Option<usize>,
    /// Seed of the generator (with --poisson).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Network config (TOML).
    pub config: PathBuf,
    #[command(flatten)]
    pub source: StimulusSource,
    /// Result JSON to write.
    #[arg(short, long)]
    pub output: PathBuf,
    /// FPGA family whose cycle counts the result's `cycles` predict (the Verilog of `generate
    /// --target T` takes exactly these; `cosim --target T` asserts them).
    #[arg(long, default_value = "generic")]
    pub target: String,
}

#[derive(Debug, Args)]
pub struct StimulusArgs {
    #[command(subcommand)]
    pub kind: StimulusKind,
}

#[derive(Debug, Subcommand)]
pub enum StimulusKind {
    /// Independent Poisson inputs.
    Poisson {
        /// Input channels (or take them from --config).
        #[arg(long, required_unless_present = "config")]
        inputs: Option<u32>,
        /// Network config whose array.inputs is used.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Rate per channel in Hz (one tick = 1 ms).
        #[arg(long)]
        rate: f64,
        /// Ticks.
        #[arg(long)]
        ticks: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Repeated spatial patterns over the inputs, with noise.
    Patterns {
        /// Input channels (or take them from --config).
        #[arg(long, required_unless_present = "config")]
        inputs: Option<u32>,
        /// Network config whose array.inputs is used.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Number of distinct patterns.
        #[arg(long, default_value_t = 2)]
        patterns: usize,
        /// Channels active in each pattern.
        #[arg(long, default_value_t = 8)]
        active: usize,
        /// Firing probability per tick of a pattern channel while shown.
        #[arg(long, default_value_t = 0.5)]
        p_on: f64,
        /// Firing probability per tick of any channel (noise).
        #[arg(long, default_value_t = 0.01)]
        p_noise: f64,
        /// Ticks each presentation lasts.
        #[arg(long, default_value_t = 10)]
        present: usize,
        /// Noise-only ticks after each presentation.
        #[arg(long, default_value_t = 5)]
        gap: usize,
        /// Number of presentations.
        #[arg(long, default_value_t = 20)]
        presentations: usize,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}

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
        #[arg(long, default_value = "generic")]
        target: String,
    },
}

/// A simulator to measure against.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Peer {
    /// Brian2's cpp_standalone target, running the checkout's scripts/peers/brian2_stdp.py.
    Brian2,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's outputs.
    #[arg(short, long, default_value = "build/demo")]
    pub output: PathBuf,
}
