//! Syntax of `board generate|constraints|run|read|write`.

use super::StimulusSource;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `neurogen board`.
#[derive(Debug, Args)]
pub struct BoardArgs {
    #[command(subcommand)]
    pub cmd: BoardCmd,
}

/// The serial port of a board.
#[derive(Debug, Args)]
pub struct PortArgs {
    /// Serial device (iCEBreaker: the FTDI's second port, e.g. /dev/ttyUSB1; ULX3S: /dev/ttyUSB0).
    #[arg(long)]
    pub port: PathBuf,
    /// Baud rate the board top was generated for.
    #[arg(long, default_value_t = 1_000_000)]
    pub baud: u64,
    /// Receive buffer of the board top, bytes.
    #[arg(long, default_value_t = 512)]
    pub fifo: usize,
}

/// `neurogen board` subcommands.
#[derive(Debug, Subcommand)]
pub enum BoardCmd {
    /// Write a board top (array + UART host link + LEDs), its constraint file and manifest.
    Generate {
        /// Network config (TOML).
        config: PathBuf,
        /// icebreaker or ulx3s.
        #[arg(long)]
        board: String,
        /// Output folder.
        #[arg(short, long)]
        output: PathBuf,
        /// UART baud rate (within 2 % of an integer divisor of the board clock, at least 4
        /// clocks per bit).
        #[arg(long, default_value_t = 1_000_000)]
        baud: u64,
        /// Board clock, MHz: the FPGA's PLL makes it from the oscillator and the array, the
        /// UART and the timing constraint run at it. Must be a clock the PLL makes (else the
        /// nearest ones are named). Default: iCEBreaker 39.75, ULX3S 125, the highest PLL
        /// clocks within the measured Fmax of the largest arrays (docs/board.md, "Clocks");
        /// `neurogen synth` reports the fastest one within a design's own Fmax.
        #[arg(long, value_name = "MHZ")]
        clock_mhz: Option<f64>,
    },
    /// Write the boards' pin files (constraints/*.pcf, *.lpf) from the board table.
    Constraints {
        /// Output folder.
        #[arg(short, long, default_value = "constraints")]
        output: PathBuf,
    },
    /// Run a stimulus on a board, tick by tick, printing the spikes.
    Run {
        /// Network config (TOML) the board's bitstream was built from.
        config: PathBuf,
        #[command(flatten)]
        port: PortArgs,
        #[command(flatten)]
        source: StimulusSource,
        /// The folder `board generate` wrote for this bitstream: its manifest.json says whether
        /// the weight memories were preloaded (block RAM) or cannot be (UP5K SPRAM). Without
        /// it the initial weights are always written through the host port.
        #[arg(long, value_name = "DIR")]
        design: Option<PathBuf>,
        /// Write the config's initial weights (and theta) through the host port first, even
        /// when the bitstream preloads them [default: when they cannot be preloaded or
        /// --design is not given].
        #[arg(long, conflicts_with = "no_load_weights")]
        load_weights: bool,
        /// Run on whatever weights the board holds (e.g. those of a previous run).
        #[arg(long)]
        no_load_weights: bool,
        /// Compare every tick's spikes and the final weights with the golden model.
        #[arg(long)]
        check: bool,
        /// Write the spikes as JSON.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Read host-port words.
    Read {
        /// Word address (decimal or 0x hex; map in manifest.json).
        addr: String,
        /// Consecutive words.
        #[arg(long, default_value_t = 1)]
        count: u32,
        #[command(flatten)]
        port: PortArgs,
    },
    /// Write one host-port word.
    Write {
        /// Word address (decimal or 0x hex).
        addr: String,
        /// Value (decimal or 0x hex).
        value: String,
        #[command(flatten)]
        port: PortArgs,
    },
}
