//! Syntax of `learn feast-edges` and `learn feast-digits` (FEAST layers, docs/learning.md).

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// Norm of a FEAST layer's weights and contexts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FeastNorm {
    /// Sum (the scaling unit's column sum).
    L1,
    /// Integer square root of the sum of squares.
    L2,
}

impl FeastNorm {
    /// The `[feast] norm` value.
    pub fn key(self) -> &'static str {
        match self {
            FeastNorm::L1 => "l1",
            FeastNorm::L2 => "l2",
        }
    }
}

/// Options of both FEAST experiments.
#[derive(Debug, Args)]
pub struct FeastCommon {
    /// Print one JSON object on stdout instead of the report.
    #[arg(long)]
    pub json: bool,
    /// Folder for the plots [default: build/learn/EXPERIMENT].
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Run on this FEAST layer (a config with a [feast] section, docs/formats.md) instead of the
    /// built-in one; its grid must be the experiment's, and every seed starts from its weights
    /// (only the event streams change with the seed).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Neurons (features) of the built-in layer.
    #[arg(long)]
    pub neurons: Option<usize>,
    /// Norm of the built-in layer.
    #[arg(long, value_enum)]
    pub norm: Option<FeastNorm>,
    /// Norm target 2^N of the built-in layer (and its weight_bits when at most 16).
    #[arg(long, value_name = "N")]
    pub norm_shift: Option<u32>,
    /// eta = 2^-S of the built-in layer.
    #[arg(long, value_name = "S")]
    pub eta_shift: Option<u32>,
}

/// `learn feast-edges`.
#[derive(Debug, Args)]
pub struct FeastEdgesArgs {
    #[command(flatten)]
    pub common: FeastCommon,
    /// Seeds 1..=N (the target is on the mean over seeds).
    #[arg(long, default_value_t = 5)]
    pub seeds: u64,
    /// Training blocks (one direction each).
    #[arg(long)]
    pub blocks: Option<usize>,
    /// Motion directions.
    #[arg(long)]
    pub directions: Option<usize>,
}

/// `learn feast-digits`.
#[derive(Debug, Args)]
pub struct FeastDigitsArgs {
    #[command(flatten)]
    pub common: FeastCommon,
    /// Seed of the presentation and event order and of the initial weights.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Training images (of `learn digits`' split).
    #[arg(long)]
    pub train: Option<usize>,
    /// Held-out images.
    #[arg(long)]
    pub test: Option<usize>,
    /// Passes over the training images.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Histogram regions per side (1..=4).
    #[arg(long)]
    pub pool: Option<u32>,
    /// Data file (gzip or plain CSV) [default: the shipped copy].
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Tune instead: train on the first 3/4 of the training images, report accuracy on the last
    /// 1/4 (the held-out images are never touched) for every --pools x --neurons-list.
    #[arg(long)]
    pub search: bool,
    /// Pools of the --search.
    #[arg(long, value_delimiter = ',', default_value = "2,3,4")]
    pub pools: Vec<u32>,
    /// Neurons of the --search.
    #[arg(long, value_delimiter = ',', default_value = "32,64,96")]
    pub neurons_list: Vec<usize>,
}
