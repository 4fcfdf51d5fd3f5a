//! `learn patterns|digits`: the unsupervised learning experiments of `golden::learn`, with a
//! progress bar, a report (or one JSON object with `--json`) and PNG plots.
//!
//! Key decisions:
//! - The experiments are pure computations in `golden::learn`; this command only parses, shows
//!   progress, prints and plots. Its options are `Option`s so every default lives once, in the
//!   golden crate's parameter types.
//! - The digits data set (57 kB) is compiled into the binary, so the command works from any
//!   folder; `--data FILE` reads another copy of the same format.
//! - The progress bar is drawn on stderr only when stderr is a terminal, so logs and pipes get
//!   nothing but the report.

use super::CmdResult;
use crate::plot;
use clap::{Args, Subcommand, ValueEnum};
use golden::learn::Progress;
use golden::learn::digits::{self, Dataset, DigitsParams, DigitsResult, RuleSet};
use golden::learn::patterns::{self, PatternsParams, PatternsResult, SweepCell};
use serde_json::json;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The shipped data set (`data/digits.csv.gz`, see `data/README.md` for its attribution).
static DIGITS_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");

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
    /// Seed of the data, split, initial weights and spike trains.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
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
}

/// `learn digits`.
#[derive(Debug, Args)]
pub struct DigitsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Rule sets to run; the accuracy reported is the last one's (`full` for `all`).
    #[arg(long, value_enum, default_value = "all")]
    pub rules: Rules,
    /// Training images.
    #[arg(long)]
    pub train: Option<usize>,
    /// Test images (held out).
    #[arg(long)]
    pub test: Option<usize>,
    /// Data file (gzip or plain CSV: 64 pixels 0-16, then the label) [default: the shipped copy].
    #[arg(long)]
    pub data: Option<PathBuf>,
}

/// Append a line (or nothing but a newline) to a report being built.
macro_rules! outln {
    ($o:ident) => {
        $o.push('\n')
    };
    ($o:ident, $($t:tt)*) => {{
        let _ = writeln!($o, $($t)*);
    }};
}

/// Append text to a report being built.
macro_rules! outp {
    ($o:ident, $($t:tt)*) => {{
        let _ = write!($o, $($t)*);
    }};
}

/// Write the report to stdout in one go; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> CmdResult {
    let mut so = std::io::stdout().lock();
    match so.write_all(text.as_bytes()).and_then(|()| so.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

/// Run `learn`.
pub fn learn(a: LearnArgs) -> CmdResult {
    match a.what {
        LearnWhat::Patterns(p) => learn_patterns(p),
        LearnWhat::Digits(d) => learn_digits(d),
    }
}

/// A progress bar on stderr, drawn only when stderr is a terminal.
struct Bar {
    on: bool,
    last: Option<Instant>,
}

impl Bar {
    fn new() -> Bar {
        Bar {
            on: std::io::stderr().is_terminal(),
            last: None,
        }
    }

    fn update(&mut self, p: Progress) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        let due = self
            .last
            .is_none_or(|t| now.duration_since(t).as_millis() >= 50);
        if !due && p.done < p.total {
            return;
        }
        self.last = Some(now);
        let width = 30;
        let fill = p.done * width / p.total.max(1);
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r\x1b[2K{:<44} [{}{}] {}/{}",
            p.stage,
            "#".repeat(fill),
            ".".repeat(width - fill),
            p.done,
            p.total
        );
        let _ = e.flush();
    }

    fn finish(&mut self) {
        if self.on {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

fn out_dir(common: &Common, name: &str) -> PathBuf {
    common
        .output
        .clone()
        .unwrap_or_else(|| Path::new("build").join("learn").join(name))
}

// ---------------------------------------------------------------------------------------------
// patterns

fn pattern_params(a: &PatternsArgs) -> PatternsParams {
    let d = PatternsParams::default();
    let seed = a.common.seed;
    PatternsParams {
        inputs: a.inputs.unwrap_or(d.inputs),
        patterns: a.patterns.unwrap_or(d.patterns),
        active: a.active.unwrap_or(d.active),
        overlap: a.overlap.unwrap_or(d.overlap),
        p_on: a.p_on.unwrap_or(d.p_on),
        p_noise: a.p_noise.unwrap_or(d.p_noise),
        drop: a.drop.unwrap_or(d.drop),
        neurons: a.common.neurons.unwrap_or(d.neurons),
        train: a.train.unwrap_or(d.train),
        test: a.test.unwrap_or(d.test),
        epochs: a.common.epochs.unwrap_or(d.epochs),
        seed,
        net: golden::learn::NetParams {
            weight_seed: seed,
            ..d.net.clone()
        },
        ..d
    }
}

fn pattern_label(k: usize) -> impl Fn(Option<usize>) -> String {
    move |l| match l {
        Some(i) if i < k => format!("P{i}"),
        Some(_) => "NOISE".into(),
        None => "-".into(),
    }
}

fn learn_patterns(a: PatternsArgs) -> CmdResult {
    let p = pattern_params(&a);
    p.validate().map_err(|e| e.to_string())?;
    if a.sweep {
        for &k in &a.ks {
            for &o in &a.overlaps {
                let q = PatternsParams {
                    patterns: k,
                    overlap: o,
                    ..p.clone()
                };
                q.validate()
                    .map_err(|e| format!("--sweep, K = {k}, overlap = {o}: {e}"))?;
            }
        }
    }
    let dir = out_dir(&a.common, "patterns");
    let mut bar = Bar::new();
    let t0 = Instant::now();
    let r = patterns::run(&p, &mut |pr| bar.update(pr)).map_err(|e| e.to_string())?;
    let table = if a.sweep {
        Some(
            patterns::sweep(&p, &a.ks, &a.overlaps, &mut |pr| bar.update(pr))
                .map_err(|e| e.to_string())?,
        )
    } else {
        None
    };
    bar.finish();
    let secs = t0.elapsed().as_secs_f64();
    let plots = pattern_plots(&r, table.as_deref(), &a, &dir)?;
    if a.common.json {
        let mut o = json!({
            "accuracy": r.accuracy,
            "detection": r.detection,
            "false_positive_rate": r.false_positive_rate,
            "confusions": r.confusions,
            "misses": r.misses,
            "per_pattern": r.per_pattern,
            "per_epoch": r.epochs,
            "params": r.params,
            "seconds": secs,
            "plots": plots,
        });
        if let Some(t) = &table {
            o["sweep"] = json!(t);
        }
        return emit(&format!("{o}\n"));
    }
    let mut out = String::new();
    outln!(
        out,
        "patterns: K = {} patterns of {} of {} channels, overlap {} ({} shared), p_on {}, \
         p_noise {}, drop {}",
        p.patterns,
        p.active,
        p.inputs,
        p.overlap,
        p.shared(),
        p.p_on,
        p.p_noise,
        p.drop
    );
    outln!(
        out,
        "network: {} neurons, 8-bit weights, STDP + inhibition + adaptive threshold + scaling; \
         {} epochs of {} samples per pattern (+ as many noise-only), seed {}",
        p.neurons,
        p.epochs,
        p.train,
        p.seed
    );
    outln!(
        out,
        "held-out test: {} noisy samples per pattern + {} noise-only",
        p.test,
        p.test
    );
    outln!(
        out,
        "\npattern  neurons  detected  false positives  channels"
    );
    for s in &r.per_pattern {
        let ch: Vec<String> = s.channels.iter().map(u32::to_string).collect();
        outln!(
            out,
            "P{:<7} {:>7}  {:>8}  {:>15}  {}",
            s.pattern,
            s.neurons,
            pct(s.detected),
            s.false_positives,
            ch.join(" ")
        );
    }
    outln!(
        out,
        "\nnoise-only samples taken for a pattern: {}; pattern samples missed: {}, taken for \
         another pattern: {}",
        pct(r.false_positive_rate),
        r.misses,
        r.confusions
    );
    outln!(
        out,
        "accuracy: {} (all test samples, noise-only included); mean detection {}",
        pct(r.accuracy),
        pct(r.detection)
    );
    if let Some(t) = &table {
        outln!(
            out,
            "\naccuracy (detection / false-positive rate) against K and overlap:"
        );
        outp!(out, "{:>8}", "K \\ ovl");
        for o in &a.overlaps {
            outp!(out, "  {:>19}", format!("{o}"));
        }
        outln!(out);
        for &k in &a.ks {
            outp!(out, "{k:>8}");
            for &o in &a.overlaps {
                let c = t
                    .iter()
                    .find(|c| c.patterns == k && c.overlap == o)
                    .expect("every cell was run");
                outp!(
                    out,
                    "  {:>19}",
                    format!(
                        "{:.1} ({:.0}/{:.0})",
                        c.accuracy * 100.0,
                        c.detection * 100.0,
                        c.false_positive_rate * 100.0
                    )
                );
            }
            outln!(out);
        }
    }
    outln!(out, "\n{:.1} s; plots: {}", secs, plots.join(", "));
    emit(&out)
}

fn pattern_plots(
    r: &PatternsResult,
    table: Option<&[SweepCell]>,
    a: &PatternsArgs,
    dir: &Path,
) -> Result<Vec<String>, String> {
    let p = &r.params;
    let name = pattern_label(p.patterns);
    let side = (p.inputs as f64).sqrt().ceil() as usize;
    let mut out = Vec::new();
    let f = dir.join("receptive_fields.png");
    plot::receptive_fields(
        &r.weights,
        side,
        &r.neuron_labels,
        &name,
        &format!(
            "LEARNED WEIGHTS, {} NEURONS ({}X{} INPUTS), K={} OVERLAP {}",
            p.neurons, side, side, p.patterns, p.overlap
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("raster.png");
    plot::raster(
        &r.raster,
        &name,
        &format!(
            "SPIKE RASTER, FIRST {} TEST SAMPLES (LEARNING OFF)",
            r.raster.sample_starts.len()
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("accuracy.png");
    plot::accuracy_curves(
        &[
            (
                "accuracy".into(),
                r.epochs.iter().map(|e| e.accuracy).collect(),
            ),
            (
                "detection".into(),
                r.epochs.iter().map(|e| e.detection).collect(),
            ),
            (
                "noise rejected".into(),
                r.epochs
                    .iter()
                    .map(|e| 1.0 - e.false_positive_rate)
                    .collect(),
            ),
        ],
        "PATTERNS: TEST FIGURES PER EPOCH",
        &f,
    )?;
    out.push(f.display().to_string());
    if let Some(t) = table {
        let f = dir.join("sweep.png");
        let rows: Vec<String> = a.ks.iter().map(|k| format!("K={k}")).collect();
        let cols: Vec<String> = a.overlaps.iter().map(|o| format!("{o}")).collect();
        let values: Vec<Vec<f64>> =
            a.ks.iter()
                .map(|&k| {
                    a.overlaps
                        .iter()
                        .map(|&o| {
                            t.iter()
                                .find(|c| c.patterns == k && c.overlap == o)
                                .map_or(0.0, |c| c.accuracy)
                        })
                        .collect()
                })
                .collect();
        plot::heat_map(
            &rows,
            &cols,
            &values,
            "PATTERN TEST ACCURACY",
            "PATTERNS",
            "OVERLAP",
            &f,
        )?;
        out.push(f.display().to_string());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// digits

fn digits_params(a: &DigitsArgs, rules: RuleSet) -> DigitsParams {
    let d = DigitsParams::for_rules(rules);
    let seed = a.common.seed;
    DigitsParams {
        neurons: a.common.neurons.unwrap_or(d.neurons),
        train: a.train.unwrap_or(d.train),
        test: a.test.unwrap_or(d.test),
        epochs: a.common.epochs.unwrap_or(d.epochs),
        seed,
        net: golden::learn::NetParams {
            weight_seed: seed,
            ..d.net.clone()
        },
        ..d
    }
}

fn learn_digits(a: DigitsArgs) -> CmdResult {
    let data = match &a.data {
        Some(path) => Dataset::from_file(path),
        None => Dataset::from_bytes(DIGITS_GZ),
    }
    .map_err(|e| e.to_string())?;
    let sets: Vec<RuleSet> = match a.rules {
        Rules::All => RuleSet::ALL.to_vec(),
        Rules::Fixed => vec![RuleSet::Fixed],
        Rules::Pair => vec![RuleSet::Pair],
        Rules::PairOffset => vec![RuleSet::PairOffset],
        Rules::Full => vec![RuleSet::Full],
    };
    let params: Vec<DigitsParams> = sets.iter().map(|&r| digits_params(&a, r)).collect();
    for p in &params {
        p.validate(data.len()).map_err(|e| e.to_string())?;
    }
    let dir = out_dir(&a.common, "digits");
    let mut bar = Bar::new();
    let t0 = Instant::now();
    let mut results = Vec::new();
    for p in &params {
        let name = p.rules.name();
        let mut tagged = |pr: Progress| {
            let s = format!("{name}: {}", pr.stage);
            bar.update(Progress { stage: &s, ..pr })
        };
        results.push(digits::run(&data, p, &mut tagged).map_err(|e| e.to_string())?);
    }
    bar.finish();
    let secs = t0.elapsed().as_secs_f64();
    let main = results.last().expect("at least one rule set");
    let plots = digit_plots(&results, &dir)?;
    let p = &main.params;
    if a.common.json {
        let sets: Vec<_> = results
            .iter()
            .map(|r| {
                json!({
                    "rules": r.params.rules,
                    "description": r.params.rules.description(),
                    "accuracy": r.accuracy,
                    "per_epoch": r.epochs,
                    "unanswered": r.unanswered,
                    "params": r.params,
                })
            })
            .collect();
        let o = json!({
            "accuracy": main.accuracy,
            "rules": p.rules,
            "neurons": p.neurons,
            "weight_bits": 8,
            "train": p.train,
            "test": p.test,
            "epochs": p.epochs,
            "seed": p.seed,
            "per_epoch": main.epochs.iter().map(|e| e.accuracy).collect::<Vec<_>>(),
            "confusion": main.confusion,
            "rule_sets": sets,
            "seconds": secs,
            "plots": plots,
        });
        return emit(&format!("{o}\n"));
    }
    let mut out = String::new();
    outln!(
        out,
        "digits: {} images of 8x8 (UCI optical digits, CC BY 4.0), seeded split {} train / {} \
         test (seed {})",
        data.len(),
        p.train,
        p.test,
        p.seed
    );
    outln!(
        out,
        "network: {} neurons, 64 rate-coded inputs, 8-bit weights; training epochs: {}; labels \
         from responses on the training images, learning off",
        p.neurons,
        p.epochs
    );
    outln!(
        out,
        "\n{:<12} {:<56} {:>8}  per epoch",
        "rule set",
        "features",
        "test"
    );
    for r in &results {
        let per: Vec<String> = r
            .epochs
            .iter()
            .map(|e| format!("{:.1}", e.accuracy * 100.0))
            .collect();
        outln!(
            out,
            "{:<12} {:<56} {:>8}  {}",
            r.params.rules.name(),
            r.params.rules.description(),
            pct(r.accuracy),
            per.join(" ")
        );
    }
    outln!(
        out,
        "\naccuracy: {} ({} rule set, {} of {} test images unanswered)",
        pct(main.accuracy),
        p.rules.name(),
        main.unanswered,
        p.test
    );
    outln!(out, "{:.1} s; plots: {}", secs, plots.join(", "));
    emit(&out)
}

fn digit_label(l: Option<usize>) -> String {
    l.map_or("-".into(), |d| d.to_string())
}

fn digit_plots(results: &[DigitsResult], dir: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for r in results {
        let name = r.params.rules.name();
        let f = dir.join(format!("receptive_fields_{name}.png"));
        plot::receptive_fields(
            &r.weights,
            8,
            &r.neuron_labels,
            &digit_label,
            &format!(
                "DIGITS, RULE SET {}: LEARNED WEIGHTS OF {} NEURONS, LABEL BELOW, TEST {:.1}%",
                name.to_uppercase(),
                r.params.neurons,
                r.accuracy * 100.0
            ),
            &f,
        )?;
        out.push(f.display().to_string());
    }
    let main = results.last().expect("at least one rule set");
    let f = dir.join("raster.png");
    plot::raster(
        &main.raster,
        &digit_label,
        &format!(
            "DIGITS ({}): SPIKES OF THE FIRST {} TEST IMAGES, COLOUR = NEURON LABEL",
            main.params.rules.name().to_uppercase(),
            main.raster.sample_starts.len()
        ),
        &f,
    )?;
    out.push(f.display().to_string());
    let f = dir.join("accuracy.png");
    let series: Vec<(String, Vec<f64>)> = results
        .iter()
        .map(|r| {
            (
                r.params.rules.name().to_string(),
                r.epochs.iter().map(|e| e.accuracy).collect(),
            )
        })
        .collect();
    plot::accuracy_curves(&series, "DIGITS: TEST ACCURACY PER EPOCH", &f)?;
    out.push(f.display().to_string());
    Ok(out)
}
