//! `import nir` and `export nir`.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub what: ImportWhat,
}

#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// A NIR graph (.nir, HDF5) -> DIR/net.toml, DIR/weights_<k>.csv and DIR/import_report.txt.
    Nir(ImportNirArgs),
}

/// How a NIR LIF layer is mapped.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LifModelArg {
    /// `lif` with the nearest leak shift (decay 2^-s per tick)
    Shift,
    /// `cuba` with du = 4095 and the nearest 12-bit dv (and a bias for v_leak)
    Cuba,
}

#[derive(Debug, Args)]
pub struct ImportNirArgs {
    /// The .nir file.
    pub model: PathBuf,
    /// Output folder (created).
    #[arg(short, long)]
    pub output: PathBuf,
    /// Seconds per tick of the discretisation.
    #[arg(long, default_value_t = 1e-3)]
    pub dt: f64,
    /// Weight width of every layer.
    #[arg(long, default_value_t = 8)]
    pub weight_bits: u32,
    /// Membrane width of `lif` layers (`cuba` layers have 24 bits).
    #[arg(long, default_value_t = 16)]
    pub v_bits: u32,
    /// How LIF nodes are mapped.
    #[arg(long, value_enum, default_value_t = LifModelArg::Shift)]
    pub lif_model: LifModelArg,
    /// Run the float reference of the NIR graph and the quantised golden model on this
    /// stimulus (JSON) and report spike agreement per layer.
    #[arg(long, value_name = "STIM")]
    pub check: Option<PathBuf>,
    /// Labelled spike-train samples (docs/nir.md "Accuracy": one line per sample,
    /// `index,label,` then one hexadecimal word per tick, gzip or plain): run the float
    /// reference and the quantised network on each, at rest, and report both accuracies.
    #[arg(long, value_name = "FILE")]
    pub samples: Option<PathBuf>,
    /// A peer's last-layer spike counts per sample (JSON `samples[n].counts`, e.g.
    /// testdata/nir/digits_snntorch.ref.json): compared per sample with both runs.
    #[arg(long, value_name = "JSON", requires = "samples")]
    pub reference: Option<PathBuf>,
    /// Switch STDP on in the last layer (ltp_shift = ltd_shift = 7, the other `[stdp]` defaults
    /// of docs/formats.md), for on-chip fine-tuning; --check and --samples run it learning.
    #[arg(long)]
    pub stdp: bool,
    /// Evaluate only the first N samples.
    #[arg(long, value_name = "N", requires = "samples")]
    pub limit: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    pub what: ExportWhat,
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// A network (config + a result's learned weights) -> a NIR graph (.nir).
    Nir(ExportNirArgs),
}

#[derive(Debug, Args)]
pub struct ExportNirArgs {
    /// Result JSON of `simulate` (its final weights, every layer's); without it, the config's
    /// initial weights.
    pub result: Option<PathBuf>,
    /// The network's config (the result does not hold the neuron parameters).
    #[arg(long)]
    pub config: PathBuf,
    /// Output .nir file.
    #[arg(short, long)]
    pub output: PathBuf,
    /// Seconds per tick (the time constants are written as multiples of it).
    #[arg(long, default_value_t = 1e-3)]
    pub dt: f64,
}
