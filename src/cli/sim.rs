//! Syntax of the golden-model commands: `simulate`, `stimulus`.

use super::{StimulusSource, TargetArg};
use clap::{Args, Subcommand};
use std::path::PathBuf;

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
    #[arg(long, default_value = "generic", value_parser = super::TargetParser)]
    pub target: TargetArg,
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
        /// Add a teacher (the stimulus key `teach`): while pattern k is shown, neuron k of the
        /// teacher layer fires as a seeded Poisson train at this rate in Hz, the others are
        /// silent (docs/model.md, "Teach mode").
        #[arg(long)]
        teach_rate: Option<f64>,
        /// Generator seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Output file.
        #[arg(short, long)]
        output: PathBuf,
    },
}
