//! Syntax of the synthesis commands: `synth`, `sweep`.

use super::DeviceArg;
use crate::flow::device::Device;
use clap::Args;
use std::path::PathBuf;

/// What `synth` and `sweep` share.
#[derive(Debug, Args)]
pub struct FlowArgs {
    /// Network config (TOML).
    pub config: PathBuf,
    /// Device to synthesize for.
    #[arg(long, value_parser = DeviceArg)]
    pub target: Device,
    /// Board whose pins the board top gets: icebreaker, ulx3s, none (free placement). Default:
    /// icebreaker for ice40-up5k, ulx3s for ECP5, none for ice40-hx8k.
    #[arg(long)]
    pub board: Option<String>,
    /// Board clock, MHz, and nextpnr's timing target. On a board it is the PLL's output and
    /// must be a clock the PLL makes from the oscillator (else the nearest ones are named);
    /// with --board none the clock pin's. Default: the board's (iCEBreaker 39.75, ULX3S 125:
    /// the highest PLL clocks within the measured Fmax of the largest arrays, docs/board.md),
    /// 40 on the HX8K.
    #[arg(long, alias = "freq", value_name = "MHZ")]
    pub clock_mhz: Option<f64>,
    /// Which Yosys: auto (the measured best per family), debian (0.23), yowasp (0.70).
    #[arg(long, default_value = "auto")]
    pub yosys: String,
    /// nextpnr seed.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Work folder for sources, logs, netlists and the bitstream (default
    /// build/synth/NAME-TARGET, build/sweep/NAME-TARGET).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// `neurogen synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    #[command(flatten)]
    pub flow: FlowArgs,
    /// Run nextpnr with N seeds (--seed, --seed + 1, ...; as many at a time as there are cores)
    /// on the one Yosys netlist, keep the best and report every seed's Fmax.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seeds: u32,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// `neurogen sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub flow: FlowArgs,
    /// Lane counts, comma-separated (a network of layers: layer 0's; each point reports every
    /// layer's cost and the total).
    #[arg(long, default_value = "1,2,4,8")]
    pub lanes: String,
    /// Sizes INPUTSxNEURONS, comma-separated (default: the config's; a network of layers: layer
    /// 0's, whose neurons are layer 1's inputs).
    #[arg(long)]
    pub sizes: Option<String>,
    /// Print the points as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
