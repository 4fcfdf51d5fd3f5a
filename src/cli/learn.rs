//! Syntax of `learn patterns` and `learn digits`.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `neurogen learn`.
#[derive(Debug, Args)]
pub struct LearnArgs {
    #[command(subcommand)]
    pub what: LearnWhat,
}

/// The experiments.
#[derive(Debug, Subcommand)]
pub enum LearnWhat {
    /// K spatial patterns with noise, learned without labels: detection and false positives.
    Patterns(PatternsArgs),
    /// The 8x8 handwritten digits, Diehl & Cook style: test accuracy of each rule set.
    Digits(DigitsArgs),
    /// K temporal patterns (the same channels in different orders) learned with synaptic delays
    /// and STDP, against the same network without delays (docs/learning.md).
    Temporal(TemporalArgs),
    /// A FEAST layer on moving oriented gratings: learned features against the true ones.
    FeastEdges(super::feast::FeastEdgesArgs),
    /// A FEAST layer on the 8x8 digits as events: nearest class mean on winner histograms.
    FeastDigits(super::feast::FeastDigitsArgs),
}

/// Options of both experiments.
#[derive(Debug, Args)]
pub struct Common {
    /// Print one JSON object on stdout instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Folder for the plots [default: build/learn/EXPERIMENT].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Passes over the training set.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Neurons.
    #[arg(long)]
    pub neurons: Option<usize>,
    /// Run the experiment on this network (TOML, docs/formats.md) instead of the built-in one:
    /// a lif network whose array.inputs are the experiment's channels (64 for digits) and whose
    /// array.neurons are its neurons.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the trained network to DIR: NAME.toml (the same network, starting from the learned
    /// weights and theta), NAME_weights.csv and, with an adaptive threshold, NAME_theta.csv;
    /// `generate`, `simulate`, `cosim` and `board run` take NAME.toml.
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    /// Seed of the data, split, initial weights and spike trains.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Run a shortened experiment (unless --epochs, --train, --test say otherwise) on the
    /// generated Verilog in Verilator, in lockstep with the golden model: fails unless the
    /// spikes of every tick and the weights after every sample are identical.
    #[arg(long)]
    pub hardware: bool,
}

/// `learn patterns`.
#[derive(Debug, Args)]
pub struct PatternsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Number of patterns K.
    #[arg(long)]
    pub patterns: Option<usize>,
    /// Channels of each pattern.
    #[arg(long)]
    pub active: Option<usize>,
    /// Fraction of each pattern's channels shared by all patterns, 0 <= F < 1.
    #[arg(long, value_name = "F")]
    pub overlap: Option<f64>,
    /// Input channels.
    #[arg(long)]
    pub inputs: Option<usize>,
    /// Firing probability per tick of a pattern channel.
    #[arg(long)]
    pub p_on: Option<f64>,
    /// Firing probability per tick of every channel (noise).
    #[arg(long)]
    pub p_noise: Option<f64>,
    /// Probability that a pattern channel is silent for a whole sample.
    #[arg(long)]
    pub drop: Option<f64>,
    /// Training samples of each pattern per epoch (and as many noise-only samples).
    #[arg(long)]
    pub train: Option<usize>,
    /// Test samples of each pattern (and as many noise-only samples).
    #[arg(long)]
    pub test: Option<usize>,
    /// Also run the table of accuracy against K and overlap (--ks x --overlaps).
    #[arg(long)]
    pub sweep: bool,
    /// Values of K of the table.
    #[arg(long, value_delimiter = ',', default_value = "1,2,4,8")]
    pub ks: Vec<usize>,
    /// Overlaps of the table.
    #[arg(long, value_delimiter = ',', default_value = "0,0.25,0.5,0.75,0.875")]
    pub overlaps: Vec<f64>,
    /// Supervised one-shot instead (docs/learning.md): a readout of one neuron per pattern is
    /// taught on chip by one presentation of each pattern with its teacher, then classifies the
    /// held-out samples on its own; runs seeds 1..=--seeds. With --sweep: the parameter search
    /// (--leaks x --thresholds, on every core).
    #[arg(long)]
    pub supervised: bool,
    /// Seeds of --supervised (1..=N).
    #[arg(long, default_value_t = 20)]
    pub seeds: u64,
    /// With --supervised: instead, the table of --ks x --overlaps on seeds 1..=--seeds, the
    /// one-shot readout beside the unsupervised network of `learn patterns` on the same seeds.
    #[arg(long)]
    pub table: bool,
    /// With --supervised: what the one taught presentation of each pattern shows (the test
    /// samples are noisy either way).
    #[arg(long, value_enum, default_value_t = Presentation::Pattern)]
    pub presentation: Presentation,
    /// Leak shifts of the --supervised --sweep (its defaults are the search behind the
    /// readout of `--presentation pattern`, docs/learning.md).
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub leaks: Vec<u32>,
    /// ltp_shift values of the --supervised --sweep.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4")]
    pub ltp_shifts: Vec<u32>,
    /// ltp_offset values of the --supervised --sweep.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    pub ltp_offsets: Vec<i64>,
    /// normalize_target values of the --supervised --sweep (0: no scaling).
    #[arg(long, value_delimiter = ',', default_value = "0,2000,3000,4500")]
    pub normalize_targets: Vec<i64>,
    /// Thresholds of the --supervised --sweep [default: 2000 to 14000 by 250].
    #[arg(long, value_delimiter = ',')]
    pub thresholds: Vec<i64>,
    /// Seeds of the --supervised --sweep, FIRST-LAST (kept apart from the reported seeds
    /// 1..=--seeds, so the search never sees them).
    #[arg(long, default_value = "21-420")]
    pub sweep_seeds: String,
    /// Threads of the --supervised --sweep [default: every core].
    #[arg(long)]
    pub threads: Option<usize>,
}

/// What the taught presentation of `learn patterns --supervised` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Presentation {
    /// The pattern itself (as the SpiNNaker paper): its channels at p_on, nothing dropped, no noise.
    Pattern,
    /// One noisy training sample: channels dropped with --drop, noise at --p-noise on every channel.
    Sample,
}

/// Which rule sets `learn digits` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rules {
    /// All four, from the fewest features to all (the ablation table).
    All,
    /// Random fixed weights, inhibition and adaptive threshold.
    Fixed,
    /// + pair STDP.
    Pair,
    /// + potentiation offset.
    PairOffset,
    /// + synaptic scaling.
    Full,
    /// The `full` network as a hidden layer, then 10 readout neurons trained by the on-chip
    /// teacher with symmetric STDP (hidden layer frozen); class = the readout neuron that fires
    /// most.
    Supervised,
}

/// `learn digits`.
#[derive(Debug, Args)]
pub struct DigitsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Rule sets to run; the accuracy reported is the last one's (`full` for `all`) [default:
    /// all; full with --hardware].
    #[arg(long, value_enum)]
    pub rules: Option<Rules>,
    /// Training images.
    #[arg(long)]
    pub train: Option<usize>,
    /// Test images (held out).
    #[arg(long)]
    pub test: Option<usize>,
    /// Data file (gzip or plain CSV: 64 pixels 0-16, then the label) [default: the shipped copy].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// With --rules supervised: search the readout's parameters (the grid of
    /// `readout::sweep_grid`: hidden inhibition x ticks x scaling x pre_inc x teach rate x
    /// threshold; with --hidden random|none the baseline's own grid, `readout::baseline_grid`;
    /// see --sweep-readout) and the hidden layer's schedule (--sweep-hidden-epochs,
    /// --sweep-learn-spikes) on a validation part of the training set, on every core.
    #[arg(long)]
    pub sweep: bool,
    /// Seeds of the --sweep (the hidden layer is trained once per seed).
    #[arg(long, value_delimiter = ',', default_value = "2,3")]
    pub sweep_seeds: Vec<u64>,
    /// Unsupervised epochs of the hidden layer tried by the --sweep (each trains its own hidden
    /// layers) [default: --epochs].
    #[arg(long, value_delimiter = ',')]
    pub sweep_hidden_epochs: Option<Vec<usize>>,
    /// Hidden-layer schedules tried by the --sweep, separated by `;`: each a comma list of
    /// learning budgets, one per epoch (its length is the schedule's epochs; see
    /// --learn-spikes), e.g. `0,0,0,0,0,0;0,0,0,0,0,0,2,1` [default: --sweep-hidden-epochs].
    #[arg(long, value_delimiter = ';')]
    pub sweep_learn_spikes: Option<Vec<String>>,
    /// Readouts tried by the --sweep: the grid of `readout::sweep_grid`, or only the default
    /// readout (to compare hidden layers).
    #[arg(long, value_enum, default_value = "grid")]
    pub sweep_readout: SweepReadout,
    /// Annealing of the hidden layer's learning by the host: per epoch, the output spikes of a
    /// training image after which the host switches learning off (learning enable) for the rest
    /// of that image (0: never), comma-separated; epochs beyond the list learn on every tick
    /// [default: none; with --rules supervised its chosen schedule].
    #[arg(long, value_delimiter = ',')]
    pub learn_spikes: Option<Vec<u32>>,
    /// Training images held out for validation by the --sweep (the last ones of the training
    /// part; the test part is never used).
    #[arg(long, default_value_t = 200)]
    pub validation: usize,
    /// With --rules supervised: passes of readout training [default: 1].
    #[arg(long)]
    pub readout_epochs: Option<usize>,
    /// With --rules supervised: what the readout reads: the trained hidden layer, or a baseline
    /// (a frozen random hidden layer, or no hidden layer: the readout on the 64 inputs).
    #[arg(long, value_enum, default_value = "trained")]
    pub hidden: HiddenKind,
    /// Threads of --rules supervised (recording the hidden layer, and the --sweep) [default:
    /// every core].
    #[arg(long)]
    pub threads: Option<usize>,
}

/// Which readouts `learn digits --rules supervised --sweep` tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepReadout {
    /// The grid of `readout::sweep_grid` around the default readout.
    Grid,
    /// Only the default readout.
    Default,
    /// The default readout with 1, 2, 4, 5, 8 or 10 windows (races of the hidden layer) per
    /// image, at 400 and 800 ticks (`readout::windows_grid`).
    Windows,
}

/// What the supervised readout of `learn digits` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HiddenKind {
    /// 100 hidden neurons trained without labels as `--rules full`, then frozen.
    Trained,
    /// The `fixed` rule set's random hidden layer (STDP off), frozen: a baseline.
    Random,
    /// No hidden layer: the readout reads the 64 inputs (64 -> 10), a baseline.
    None,
}

/// `learn temporal`.
#[derive(Debug, Args)]
pub struct TemporalArgs {
    /// Print one JSON object on stdout instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Folder for the plots [default: build/learn/temporal].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Runs seeds 1..=N of every K and reports the mean.
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// Values of K (patterns: orders of the same channels).
    #[arg(long, value_delimiter = ',', default_value = "2,4")]
    pub ks: Vec<usize>,
    /// synapse.max_delay D of the run with delays (the run without delays has D = 0).
    #[arg(long)]
    pub max_delay: Option<u32>,
    /// Channels of a pattern.
    #[arg(long)]
    pub channels: Option<usize>,
    /// Ticks between two channels of a pattern.
    #[arg(long)]
    pub gap: Option<usize>,
    /// Input rows per channel (synapses per channel and neuron, each with its own delay).
    #[arg(long)]
    pub copies: Option<usize>,
    /// Neurons.
    #[arg(long)]
    pub neurons: Option<usize>,
    /// Passes over the training samples.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Training samples of each pattern per epoch.
    #[arg(long)]
    pub train: Option<usize>,
    /// Held-out test samples of each pattern.
    #[arg(long)]
    pub test: Option<usize>,
    /// neuron.threshold.
    #[arg(long)]
    pub threshold: Option<i64>,
    /// neuron.leak_shift.
    #[arg(long)]
    pub leak_shift: Option<u32>,
    /// stdp.ltp_offset.
    #[arg(long)]
    pub ltp_offset: Option<i64>,
    /// Probability that a spike moves one tick.
    #[arg(long)]
    pub jitter: Option<f64>,
    /// Probability that a spike is missing.
    #[arg(long)]
    pub drop: Option<f64>,
    /// neuron.inhibition.
    #[arg(long)]
    pub inhibition: Option<i64>,
    /// neuron.theta_plus.
    #[arg(long)]
    pub theta_plus: Option<i64>,
    /// stdp.normalize_target (0 = no synaptic scaling; else the host's normalize after every
    /// sample).
    #[arg(long)]
    pub normalize_target: Option<i64>,
    /// Instead: the parameter search (thresholds x leak shifts x ltp offsets x copies, every K,
    /// seeds 1..=--seeds), scored on the validation samples only, with and without delays.
    #[arg(long)]
    pub sweep: bool,
    /// Threads of --sweep [default: every core].
    #[arg(long)]
    pub threads: Option<usize>,
}
