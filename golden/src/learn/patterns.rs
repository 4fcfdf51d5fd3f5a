//! Unsupervised learning of spatial patterns with noise, on the golden model (after "Supervised
//! learning of spatial features with STDP and homeostasis using SNNs on SpiNNaker"): K patterns
//! over the inputs, shown with noise; neurons with lateral inhibition and an adaptive threshold
//! learn them without labels; a held-out noisy set measures detection and false positives.
//!
//! Key decisions:
//! - **Patterns with a controlled overlap.** Each pattern has `active` channels; `round(overlap *
//!   active)` of them form a core shared by every pattern and the rest are the pattern's own, so
//!   any two patterns share exactly that fraction of their channels. Channel numbers are a seeded
//!   permutation of the inputs.
//! - **Noise.** During a sample every channel fires with probability `p_noise` per tick; a pattern
//!   channel also fires with probability `p_on`, unless it was dropped for the whole sample
//!   (probability `drop`). Noise-only samples (no pattern) are part of training, labelling and
//!   test: they are the class "no pattern".
//! - **Detection.** Neurons are labelled with a pattern or with "no pattern" by their mean
//!   responses on a labelling set (the training distribution); a test sample is classified as the
//!   class whose neurons fire most, and "no pattern" when no labelled neuron fires. A pattern
//!   sample counts as detected when it is classified as its pattern; a noise-only sample
//!   classified as a pattern is a false positive of that pattern, and a sample of another pattern
//!   classified as it is a confusion.

use super::{
    Chip, NetParams, Progress, Raster, Recording, Showing, assign_labels, check_network,
    check_probability, check_range, classify, param_error, responses, shuffle, train_pass,
};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Network;
use crate::rng::SplitMix64;
use ndarray::Array2;
use serde::Serialize;

const WHAT: &str = "patterns";
const PATTERN_STREAM: u64 = 0x5EED_0A77_0000_0001;
const TRAIN_STREAM: u64 = 0x5EED_7EA1_0000_0002;
const LABEL_STREAM: u64 = 0x5EED_1ABE_0000_0002;
const TEST_STREAM: u64 = 0x5EED_7E57_0000_0002;
const EVAL_STREAM: u64 = 0x5EED_0E7A_1000_0002;

/// Parameters of a pattern run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternsParams {
    /// Input channels.
    pub inputs: usize,
    /// Number of patterns K.
    pub patterns: usize,
    /// Channels of each pattern.
    pub active: usize,
    /// Fraction of each pattern's channels shared by all patterns (`0 <= overlap < 1`).
    pub overlap: f64,
    /// Firing probability per tick of a (not dropped) pattern channel.
    pub p_on: f64,
    /// Firing probability per tick of every channel (noise).
    pub p_noise: f64,
    /// Probability that a pattern channel stays silent for a whole sample.
    pub drop: f64,
    /// Neurons.
    pub neurons: usize,
    /// Training samples of each pattern per epoch (plus as many noise-only samples).
    pub train: usize,
    /// Labelling samples of each pattern (plus as many noise-only samples).
    pub label: usize,
    /// Test samples of each pattern (plus as many noise-only samples).
    pub test: usize,
    /// Passes over the training samples.
    pub epochs: usize,
    /// Ticks each sample is shown.
    pub ticks: usize,
    /// Samples between two *normalize* commands (when `net.normalize_target > 0`).
    pub normalize_every: usize,
    /// Seed of the patterns, the samples and the spike trains.
    pub seed: u64,
    /// Test samples recorded in the spike raster.
    pub raster_samples: usize,
    /// The network.
    pub net: NetParams,
    /// A given network (`neurogen learn --config`) run instead of `net`'s: a LIF network of
    /// `inputs` inputs and `neurons` neurons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<Config>,
}

impl Default for PatternsParams {
    fn default() -> Self {
        PatternsParams {
            inputs: 64,
            patterns: 4,
            active: 8,
            overlap: 0.0,
            p_on: 0.5,
            p_noise: 0.05,
            drop: 0.1,
            neurons: 32,
            train: 80,
            label: 20,
            test: 50,
            epochs: 2,
            ticks: 20,
            normalize_every: 1,
            seed: 1,
            raster_samples: 10,
            net: NetParams {
                threshold: 1000,
                leak_shift: 2,
                v_min: -32768,
                inhibition: 4000,
                refractory: 0,
                theta_plus: 20,
                theta_decay_shift: 10,
                init_hi: 32,
                weight_seed: 1,
                stdp: true,
                trace_bits: 8,
                pre_inc: 64,
                post_inc: 32,
                pre_decay_shift: 2,
                post_decay_shift: 3,
                ltp_shift: 4,
                ltd_shift: 6,
                ltp_offset: 2,
                normalize_target: 2400,
            },
            network: None,
        }
    }
}

impl PatternsParams {
    /// Channels shared by all patterns.
    pub fn shared(&self) -> usize {
        (self.overlap * self.active as f64).round() as usize
    }

    /// Inputs the patterns need: the shared core plus each pattern's own channels.
    pub fn inputs_needed(&self) -> usize {
        let shared = self.shared();
        shared + self.patterns * (self.active - shared.min(self.active))
    }

    /// Check every parameter, naming the bad one.
    pub fn validate(&self) -> Result<()> {
        check_range(WHAT, "inputs", self.inputs, 1, 4096)?;
        check_range(WHAT, "patterns", self.patterns, 1, 256)?;
        check_range(WHAT, "active", self.active, 1, self.inputs)?;
        if !(self.overlap.is_finite() && (0.0..1.0).contains(&self.overlap)) {
            return Err(param_error(
                WHAT,
                "overlap",
                format!(
                    "{} is out of range: allowed 0 <= overlap < 1 (a fraction of each pattern's channels)",
                    self.overlap
                ),
            ));
        }
        if self.shared() >= self.active {
            return Err(param_error(
                WHAT,
                "overlap",
                format!(
                    "{} shares all {} channels of a pattern: the patterns would be identical",
                    self.overlap, self.active
                ),
            ));
        }
        if self.inputs_needed() > self.inputs {
            return Err(param_error(
                WHAT,
                "patterns",
                format!(
                    "{} patterns of {} channels with overlap {} need {} inputs, but inputs = {}",
                    self.patterns,
                    self.active,
                    self.overlap,
                    self.inputs_needed(),
                    self.inputs
                ),
            ));
        }
        check_probability(WHAT, "p_on", self.p_on)?;
        check_probability(WHAT, "p_noise", self.p_noise)?;
        check_probability(WHAT, "drop", self.drop)?;
        check_range(WHAT, "neurons", self.neurons, 1, 1024)?;
        check_range(WHAT, "train", self.train, 1, 100_000)?;
        check_range(WHAT, "label", self.label, 1, 100_000)?;
        check_range(WHAT, "test", self.test, 1, 100_000)?;
        check_range(WHAT, "epochs", self.epochs, 1, 100)?;
        check_range(WHAT, "ticks", self.ticks, 1, 10_000)?;
        check_range(WHAT, "normalize_every", self.normalize_every, 1, 100_000)?;
        check_range(
            WHAT,
            "raster_samples",
            self.raster_samples,
            0,
            self.test * (self.patterns + 1),
        )?;
        match &self.network {
            Some(c) => check_network(WHAT, c, self.inputs, self.neurons)?,
            None => {
                self.net.config("patterns", self.inputs, self.neurons)?;
            }
        }
        Ok(())
    }

    /// The short version of these parameters that `neurogen learn patterns --hardware` runs
    /// through the co-simulation: 1 epoch of 16 training samples per class, 4 labelling and 4
    /// test samples per class (the network, patterns and noise unchanged).
    pub fn shortened(&self) -> PatternsParams {
        let test = 4;
        PatternsParams {
            epochs: 1,
            train: 16,
            label: 4,
            test,
            raster_samples: self.raster_samples.min(test * (self.patterns + 1)),
            ..self.clone()
        }
    }

    /// The validated network of the experiment: `network` when given, else `inputs` x
    /// `neurons` with the knobs of `net`.
    pub fn config(&self) -> Result<Config> {
        self.validate()?;
        match &self.network {
            Some(c) => Ok(c.clone()),
            None => self.net.config("patterns", self.inputs, self.neurons),
        }
    }

    /// The TOML of the built-in network (`net`, `inputs` x `neurons`).
    pub fn builtin_toml(&self) -> String {
        self.net.toml("patterns", self.inputs, self.neurons)
    }

    /// The channels of each pattern, ascending (see the module's key decisions).
    pub fn pattern_channels(&self) -> Result<Vec<Vec<u32>>> {
        self.validate()?;
        let mut perm: Vec<usize> = (0..self.inputs).collect();
        shuffle(&mut perm, &mut SplitMix64::new(self.seed ^ PATTERN_STREAM));
        let shared = self.shared();
        let own = self.active - shared;
        Ok((0..self.patterns)
            .map(|k| {
                let start = shared + k * own;
                let mut ch: Vec<u32> = perm[..shared]
                    .iter()
                    .chain(&perm[start..start + own])
                    .map(|&c| c as u32)
                    .collect();
                ch.sort_unstable();
                ch
            })
            .collect())
    }
}

/// One sample: its class (`Some(k)`: pattern k; `None`: noise only) and its pattern channels
/// that fire in this sample (the others were dropped).
#[derive(Debug, Clone)]
struct Sample {
    class: Option<usize>,
    on: Vec<bool>,
}

/// `per_class` samples of each pattern and as many noise-only samples, in class order.
fn samples(p: &PatternsParams, patterns: &[Vec<u32>], per_class: usize, seed: u64) -> Vec<Sample> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::with_capacity(per_class * (patterns.len() + 1));
    for class in (0..patterns.len()).map(Some).chain([None]) {
        for _ in 0..per_class {
            let mut on = vec![false; p.inputs];
            if let Some(k) = class {
                for &c in &patterns[k] {
                    on[c as usize] = !rng.chance(p.drop);
                }
            }
            out.push(Sample { class, on });
        }
    }
    out
}

impl Sample {
    fn probabilities(&self, p: &PatternsParams, factor: f64) -> Vec<f64> {
        let on = 1.0 - (1.0 - p.p_on) * (1.0 - p.p_noise);
        self.on
            .iter()
            .map(|&o| (if o { on } else { p.p_noise } * factor).min(1.0))
            .collect()
    }
}

/// Detection figures of one pattern on the test set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternStats {
    /// Pattern index.
    pub pattern: usize,
    /// Its channels.
    pub channels: Vec<u32>,
    /// Fraction of its test samples classified as it.
    pub detected: f64,
    /// Noise-only test samples classified as it (its false positives, as docs/learning.md
    /// defines them).
    pub false_positives: usize,
    /// Test samples of other patterns classified as it (confusions between patterns).
    pub confused: usize,
    /// Neurons labelled with it.
    pub neurons: usize,
}

/// Test figures after one epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatternEpoch {
    /// 1-based epoch.
    pub epoch: usize,
    /// Fraction of all test samples (noise-only included) classified correctly.
    pub accuracy: f64,
    /// Mean detection rate over the patterns.
    pub detection: f64,
    /// Fraction of noise-only test samples classified as a pattern.
    pub false_positive_rate: f64,
}

/// What a pattern run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternsResult {
    /// The parameters.
    pub params: PatternsParams,
    /// Fraction of all test samples classified correctly (pattern k as k, noise-only as none).
    pub accuracy: f64,
    /// Mean detection rate over the patterns.
    pub detection: f64,
    /// Fraction of noise-only test samples classified as some pattern.
    pub false_positive_rate: f64,
    /// Pattern samples classified as a different pattern.
    pub confusions: usize,
    /// Pattern samples classified as no pattern (missed).
    pub misses: usize,
    /// Per-pattern figures.
    pub per_pattern: Vec<PatternStats>,
    /// Per-epoch figures.
    pub epochs: Vec<PatternEpoch>,
    /// Each neuron's label: `Some(k < K)` a pattern, `Some(K)` "no pattern", `None` silent.
    pub neuron_labels: Vec<Option<usize>>,
    /// Learned weights `W[input][neuron]`.
    pub weights: Array2<i32>,
    /// Learned theta of each neuron.
    pub theta: Vec<i64>,
    /// Input and output spikes of the first `raster_samples` test samples (shuffled order).
    pub raster: Raster,
}

/// Train, label and test in the golden model; `progress` is called every few samples.
pub fn run(p: &PatternsParams, progress: &mut dyn FnMut(Progress)) -> Result<PatternsResult> {
    let mut net = Network::new(&p.config()?);
    run_on(p, &mut net, progress)
}

/// Train, label and test on `chip`, a fresh array of [`PatternsParams::config`] (the golden
/// model, or the co-simulated hardware); `progress` is called every few samples.
pub fn run_on<C: Chip + ?Sized>(
    p: &PatternsParams,
    net: &mut C,
    progress: &mut dyn FnMut(Progress),
) -> Result<PatternsResult> {
    let patterns = p.pattern_channels()?;
    if net.neurons() != p.neurons {
        return Err(param_error(
            WHAT,
            "neurons",
            format!("{} but the array has {}", p.neurons, net.neurons()),
        ));
    }
    let k_classes = p.patterns + 1; // the last class is "no pattern"
    let cfg = p.config()?;
    let normalize_every = if cfg.stdp.enabled && cfg.stdp.normalize_target > 0 {
        p.normalize_every
    } else {
        0
    };
    let how = Showing {
        ticks: p.ticks,
        min_spikes: 0,
        max_boosts: 0,
    };
    let class_index = |s: &Sample| s.class.unwrap_or(p.patterns);
    let label_set = samples(p, &patterns, p.label, p.seed ^ LABEL_STREAM);
    let mut test_set = samples(p, &patterns, p.test, p.seed ^ TEST_STREAM);
    // Show the test samples in a seeded random order, so the raster mixes the classes.
    let mut order: Vec<usize> = (0..test_set.len()).collect();
    shuffle(&mut order, &mut SplitMix64::new(p.seed ^ TEST_STREAM ^ 1));
    test_set = order.iter().map(|&i| test_set[i].clone()).collect();
    let label_classes: Vec<Option<usize>> =
        label_set.iter().map(|s| Some(class_index(s))).collect();
    let mut rng = SplitMix64::new(p.seed ^ TRAIN_STREAM);
    let mut epochs = Vec::new();
    let mut last = None;
    for e in 0..p.epochs {
        let tag = |what: &str| format!("epoch {}/{} {what}", e + 1, p.epochs);
        let train_set = samples(p, &patterns, p.train, rng.next_u64());
        let mut order: Vec<usize> = (0..train_set.len()).collect();
        shuffle(&mut order, &mut rng);
        let train_probs = |k: usize, f: f64| train_set[k].probabilities(p, f);
        train_pass(
            net,
            &order,
            &train_probs,
            how,
            normalize_every,
            None,
            &mut rng,
            &tag("train"),
            progress,
        );
        let all_label: Vec<usize> = (0..label_set.len()).collect();
        let label_probs = |k: usize, f: f64| label_set[k].probabilities(p, f);
        let label_counts = responses(
            net,
            &all_label,
            &label_probs,
            how,
            p.seed ^ EVAL_STREAM,
            &tag("label"),
            progress,
            None,
        );
        let neuron_labels = assign_labels(&label_counts, &label_classes, k_classes, p.neurons);
        let mut raster = Raster {
            inputs: p.inputs,
            neurons: p.neurons,
            neuron_labels: neuron_labels.clone(),
            ..Raster::default()
        };
        let final_epoch = e + 1 == p.epochs;
        let record = if final_epoch { p.raster_samples } else { 0 };
        let all_test: Vec<usize> = (0..test_set.len()).collect();
        let test_probs = |k: usize, f: f64| test_set[k].probabilities(p, f);
        let test_label = |k: usize| Some(class_index(&test_set[k]));
        let test_counts = responses(
            net,
            &all_test,
            &test_probs,
            how,
            p.seed ^ EVAL_STREAM ^ 1,
            &tag("test"),
            progress,
            Some(Recording {
                raster: &mut raster,
                samples: record,
                label: &test_label,
            }),
        );
        // score
        let mut hits = vec![0usize; p.patterns];
        let mut fps = vec![0usize; p.patterns];
        let mut confused = vec![0usize; p.patterns];
        let (mut right, mut noise_fp, mut confusions, mut misses) = (0, 0, 0, 0);
        for (c, s) in test_counts.iter().zip(&test_set) {
            let pred = classify(c, &neuron_labels, k_classes).filter(|&k| k < p.patterns);
            match (s.class, pred) {
                (Some(t), Some(q)) if t == q => {
                    hits[t] += 1;
                    right += 1;
                }
                (Some(_), Some(q)) => {
                    confused[q] += 1;
                    confusions += 1;
                }
                (Some(_), None) => misses += 1,
                (None, Some(q)) => {
                    fps[q] += 1;
                    noise_fp += 1;
                }
                (None, None) => right += 1,
            }
        }
        raster.sample_predicted = test_counts
            .iter()
            .take(raster.sample_starts.len())
            .map(|c| {
                // "no pattern" (no labelled neuron fires, or the noise class) is class K, as in
                // the raster's true labels
                let pred = classify(c, &neuron_labels, k_classes).filter(|&k| k < p.patterns);
                Some(pred.unwrap_or(p.patterns))
            })
            .collect();
        let detection = hits.iter().sum::<usize>() as f64 / (p.patterns * p.test) as f64;
        let accuracy = right as f64 / test_set.len() as f64;
        let false_positive_rate = noise_fp as f64 / p.test as f64;
        epochs.push(PatternEpoch {
            epoch: e + 1,
            accuracy,
            detection,
            false_positive_rate,
        });
        if final_epoch {
            let per_pattern = (0..p.patterns)
                .map(|k| PatternStats {
                    pattern: k,
                    channels: patterns[k].clone(),
                    detected: hits[k] as f64 / p.test as f64,
                    false_positives: fps[k],
                    confused: confused[k],
                    neurons: neuron_labels.iter().filter(|&&l| l == Some(k)).count(),
                })
                .collect();
            last = Some((
                accuracy,
                detection,
                false_positive_rate,
                confusions,
                misses,
                per_pattern,
                neuron_labels,
                raster,
            ));
        }
    }
    let (
        accuracy,
        detection,
        false_positive_rate,
        confusions,
        misses,
        per_pattern,
        neuron_labels,
        raster,
    ) = last.ok_or_else(|| Error::Range {
        message: "patterns: epochs must be at least 1".into(),
    })?;
    Ok(PatternsResult {
        params: p.clone(),
        accuracy,
        detection,
        false_positive_rate,
        confusions,
        misses,
        per_pattern,
        epochs,
        neuron_labels,
        weights: net.weights(),
        theta: net.theta(),
        raster,
    })
}

/// One cell of the K x overlap table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepCell {
    /// Number of patterns.
    pub patterns: usize,
    /// Overlap between any two patterns.
    pub overlap: f64,
    /// Overall test accuracy.
    pub accuracy: f64,
    /// Mean detection rate.
    pub detection: f64,
    /// Fraction of noise-only samples taken for a pattern.
    pub false_positive_rate: f64,
}

/// Run `base` for every K in `ks` and every overlap in `overlaps` (the table of how accuracy
/// falls as K grows and as patterns overlap). Combinations that do not fit the inputs are an
/// error naming them.
pub fn sweep(
    base: &PatternsParams,
    ks: &[usize],
    overlaps: &[f64],
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<SweepCell>> {
    let mut out = Vec::new();
    for &k in ks {
        for &o in overlaps {
            let p = PatternsParams {
                patterns: k,
                overlap: o,
                raster_samples: 0,
                ..base.clone()
            };
            let stage = format!("K={k} overlap={o}");
            let mut tagged = |pr: Progress| {
                let s = format!("{stage}: {}", pr.stage);
                progress(Progress { stage: &s, ..pr })
            };
            let r = run(&p, &mut tagged)?;
            out.push(SweepCell {
                patterns: k,
                overlap: o,
                accuracy: r.accuracy,
                detection: r.detection,
                false_positive_rate: r.false_positive_rate,
            });
        }
    }
    Ok(out)
}

// ----- supervised, one-shot (issue 15) --------------------------------------------------------

const ONE_SHOT_STREAM: u64 = 0x5EED_0511_0700_0015;

/// What the one taught presentation of a pattern shows (the held-out test samples are noisy in
/// both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Presentation {
    /// The pattern itself, as the SpiNNaker paper presents it: each of its channels fires with
    /// probability `p_on` per tick; no channel is dropped and no other channel fires.
    Pattern,
    /// One sample of the training distribution: channels dropped with probability `drop` for the
    /// whole sample and every channel firing with probability `p_noise` per tick (harder: a
    /// dropped channel never gains weight and noise channels near a teacher spike do).
    Sample,
}

impl Presentation {
    /// The name used on the command line and in the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Presentation::Pattern => "pattern",
            Presentation::Sample => "sample",
        }
    }
}

/// Parameters of the supervised one-shot experiment: a readout of one neuron per pattern on the
/// inputs, taught on chip (docs/model.md, "Teach mode"); the samples, noise and test set are
/// those of [`PatternsParams`] (its `net`, `neurons`, `train`, `label` and `epochs` are unused).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneShotParams {
    /// What the taught presentation shows: the clean pattern or one noisy sample.
    pub presentation: Presentation,
    /// Rate of the teacher's Poisson train on the label neuron, in Hz (1 tick = 1 ms).
    pub teach_rate: f64,
    /// Readout threshold.
    pub threshold: i64,
    /// Readout leak shift.
    pub leak_shift: u32,
    /// STDP: presynaptic trace increment and decay shift, potentiation shift (`W += x >>
    /// ltp_shift` per teacher spike; symmetric rule, weights start at 0).
    pub pre_inc: i64,
    /// Presynaptic trace decay shift.
    pub pre_decay_shift: u32,
    /// Potentiation shift.
    pub ltp_shift: u32,
    /// Subtracted from each potentiation (`W += (x >> ltp_shift) - ltp_offset`, clipped at the
    /// weight range): channels that fired only by noise near a teacher spike gain nothing.
    pub ltp_offset: i64,
    /// Synaptic scaling after the taught presentations: the host's *normalize* brings each
    /// neuron's weight sum to this (0: off), so a pattern learned from fewer channels (some
    /// dropped in its one sample) gets larger weights (homeostasis).
    pub normalize_target: i64,
}

impl Default for OneShotParams {
    fn default() -> Self {
        OneShotParams::for_presentation(Presentation::Pattern)
    }
}

impl OneShotParams {
    /// The chosen readout for a presentation, each from its own search on seeds 21-420 (never
    /// on the reported seeds 1-20; docs/learning.md gives the commands): the widest window of
    /// thresholds perfect on all 400 seeds, the threshold in its middle.
    pub fn for_presentation(presentation: Presentation) -> Self {
        let (ltp_shift, threshold) = match presentation {
            Presentation::Pattern => (4, 5750),
            Presentation::Sample => (3, 6500),
        };
        OneShotParams {
            presentation,
            teach_rate: 1000.0,
            threshold,
            leak_shift: 0,
            pre_inc: 64,
            pre_decay_shift: 2,
            ltp_shift,
            ltp_offset: 0,
            normalize_target: 3000,
        }
    }
}

/// The result of a one-shot run: per pattern the fraction of its held-out samples classified as
/// it, and the false positives (noise-only samples classified as a pattern) and confusions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneShotResult {
    /// Fraction of each pattern's test samples detected.
    pub detected: Vec<f64>,
    /// Noise-only test samples classified as some pattern.
    pub false_positives: usize,
    /// Pattern samples classified as another pattern.
    pub confusions: usize,
    /// Test samples of each class (patterns and noise-only).
    pub per_class: usize,
    /// Teacher spikes during training, per pattern.
    pub teacher_spikes: Vec<u32>,
    /// The readout's weights `W[input][neuron]` after training (and scaling).
    #[serde(skip)]
    pub weights: super::Weights,
    /// Input events and spikes of the first test samples of each class (about
    /// `raster_samples` in all), teach mode and learning off; neuron k is labelled pattern k,
    /// and "no pattern" is class K.
    #[serde(skip)]
    pub raster: Raster,
}

impl OneShotResult {
    /// Every pattern detected in every test sample, no false positive, no confusion.
    pub fn perfect(&self) -> bool {
        self.detected.iter().all(|&d| d == 1.0) && self.false_positives == 0 && self.confusions == 0
    }

    /// Fraction of all test samples classified correctly (a pattern sample as its pattern, a
    /// noise-only sample as no pattern), as [`PatternsResult::accuracy`].
    pub fn accuracy(&self) -> f64 {
        let n = self.per_class as f64;
        let hits: f64 = self.detected.iter().map(|d| (d * n).round()).sum();
        let silent = (self.per_class - self.false_positives.min(self.per_class)) as f64;
        (hits + silent) / (n * (self.detected.len() + 1) as f64).max(1.0)
    }
}

impl OneShotParams {
    /// The readout network: `patterns` LIF neurons on `inputs`, teach mode on at reset, 8-bit
    /// weights from 0, symmetric STDP (only potentiation: `ltd_shift` leaves y at 0 effect).
    pub fn config(&self, p: &PatternsParams) -> Result<Config> {
        let toml = format!(
            "name = \"one_shot\"\n[array]\ninputs = {}\nneurons = {}\nteach = true\n\
             [neuron]\nthreshold = {}\nleak_shift = {}\n\
             [synapse]\nweight_bits = 8\ninit = \"constant\"\ninit_value = 0\n\
             [stdp]\nrule = \"symmetric\"\ntrace_bits = 8\npre_inc = {}\npost_inc = 0\n\
             pre_decay_shift = {}\nltp_shift = {}\nltp_offset = {}\n\
             normalize_target = {}\nnormalize_every = 0\n",
            p.inputs,
            p.patterns,
            self.threshold,
            self.leak_shift,
            self.pre_inc,
            self.pre_decay_shift,
            self.ltp_shift,
            self.ltp_offset,
            self.normalize_target
        );
        Config::from_toml_str(&toml, std::path::Path::new("."))
    }
}

/// Teach each pattern once (one sample of `p.ticks` ticks with its neuron's teacher train), then
/// turn teach mode and learning off and classify the held-out test set (`p.test` samples per
/// pattern and as many noise-only ones): the class of a sample is the neuron that fires most;
/// no spike, or a tie between the most active neurons, is "no pattern".
pub fn run_one_shot(p: &PatternsParams, o: &OneShotParams) -> Result<OneShotResult> {
    let mut net = Network::new(&o.config(p)?);
    run_one_shot_on(p, o, &mut net)
}

/// [`run_one_shot`] on a chip of the readout network [`OneShotParams::config`] in its start
/// state (the golden model, or the generated Verilog in lockstep with it: `learn patterns
/// --supervised --hardware`).
pub fn run_one_shot_on<C: Chip + ?Sized>(
    p: &PatternsParams,
    o: &OneShotParams,
    net: &mut C,
) -> Result<OneShotResult> {
    p.validate()?;
    if !(0.0..=1000.0).contains(&o.teach_rate) {
        return Err(param_error(
            WHAT,
            "teach_rate",
            format!("{} Hz: allowed 0..=1000 (1 tick = 1 ms)", o.teach_rate),
        ));
    }
    let patterns = p.pattern_channels()?;
    let mut rng = SplitMix64::new(p.seed ^ ONE_SHOT_STREAM);
    let p_teach = o.teach_rate / 1000.0;
    let train = samples(p, &patterns, 1, rng.next_u64());
    let mut teacher_spikes = vec![0u32; p.patterns];
    for s in train.iter().filter(|s| s.class.is_some()) {
        let k = s.class.expect("a pattern sample");
        // with the pattern presented the sample `s` is drawn all the same (and ignored), so the
        // random streams, and the test samples, are those of `Presentation::Sample`
        let probs = match o.presentation {
            Presentation::Sample => s.probabilities(p, 1.0),
            Presentation::Pattern => {
                let mut probs = vec![0.0; p.inputs];
                for &c in &patterns[k] {
                    probs[c as usize] = p.p_on;
                }
                probs
            }
        };
        net.clear();
        for _ in 0..p.ticks {
            let events: Vec<u32> = (0..p.inputs as u32)
                .filter(|&j| rng.chance(probs[j as usize]))
                .collect();
            let teach: Vec<u32> = if rng.chance(p_teach) {
                vec![k as u32]
            } else {
                vec![]
            };
            teacher_spikes[k] += net.step_taught(&events, &teach).len() as u32;
        }
    }
    if o.normalize_target > 0 {
        net.normalize();
    }
    net.set_teach(false);
    net.set_learning(false);
    let weights = net.weights();
    let test = samples(p, &patterns, p.test, p.seed ^ TEST_STREAM);
    let mut hits = vec![0usize; p.patterns];
    let (mut false_positives, mut confusions) = (0, 0);
    let mut counts = vec![0u32; p.patterns];
    // the raster: the first samples of each class (the test set is in class order)
    let per_class = p.raster_samples.div_ceil(p.patterns + 1);
    let mut raster = Raster {
        inputs: p.inputs,
        neurons: p.patterns,
        neuron_labels: (0..p.patterns).map(Some).collect(),
        ..Raster::default()
    };
    for (n, s) in test.iter().enumerate() {
        let probs = s.probabilities(p, 1.0);
        let record = n % p.test < per_class;
        let t0 = raster.ticks as u32;
        net.clear();
        counts.fill(0);
        for t in 0..p.ticks as u32 {
            let events: Vec<u32> = (0..p.inputs as u32)
                .filter(|&j| rng.chance(probs[j as usize]))
                .collect();
            let spikes = net.step(&events);
            for &i in spikes {
                counts[i as usize] += 1;
            }
            if record {
                raster.spikes.extend(spikes.iter().map(|&i| (t0 + t, i)));
                raster
                    .input_events
                    .extend(events.iter().map(|&j| (t0 + t, j)));
            }
        }
        let best = counts.iter().copied().max().unwrap_or(0);
        let top: Vec<usize> = (0..p.patterns).filter(|&i| counts[i] == best).collect();
        let pred = (best > 0 && top.len() == 1).then(|| top[0]);
        if record {
            raster.sample_starts.push(t0 as usize);
            // "no pattern" is class K in the raster, as in `run`'s
            raster
                .sample_labels
                .push(Some(s.class.unwrap_or(p.patterns)));
            raster
                .sample_predicted
                .push(Some(pred.unwrap_or(p.patterns)));
            raster.ticks += p.ticks;
        }
        match (s.class, pred) {
            (Some(t), Some(q)) if t == q => hits[t] += 1,
            (Some(_), Some(_)) => confusions += 1,
            (None, Some(_)) => false_positives += 1,
            _ => {}
        }
    }
    Ok(OneShotResult {
        detected: hits.iter().map(|&h| h as f64 / p.test as f64).collect(),
        false_positives,
        confusions,
        per_class: p.test,
        teacher_spikes,
        weights,
        raster,
    })
}

/// One cell of the one-shot parameter search: readout parameters, over a range of seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneShotCell {
    /// The readout parameters of the cell.
    pub params: OneShotParams,
    /// Seeds whose run was perfect (every test sample detected, no false positive).
    pub perfect: usize,
    /// Seeds run.
    pub seeds: usize,
    /// Noise-only test samples classified as a pattern, summed over the seeds.
    pub false_positives: usize,
    /// Pattern test samples not detected, summed over the seeds.
    pub misses: usize,
}

/// Every combination of the lists, from `base` (the grid of `learn patterns --supervised
/// --sweep`).
pub fn one_shot_grid(
    base: &OneShotParams,
    leaks: &[u32],
    ltp_shifts: &[u32],
    ltp_offsets: &[i64],
    normalize_targets: &[i64],
    thresholds: &[i64],
) -> Vec<OneShotParams> {
    let mut grid = Vec::new();
    for &leak_shift in leaks {
        for &ltp_shift in ltp_shifts {
            for &ltp_offset in ltp_offsets {
                for &normalize_target in normalize_targets {
                    for &threshold in thresholds {
                        grid.push(OneShotParams {
                            leak_shift,
                            ltp_shift,
                            ltp_offset,
                            normalize_target,
                            threshold,
                            ..base.clone()
                        });
                    }
                }
            }
        }
    }
    grid
}

/// Run the one-shot experiment on `seeds` for every cell of `grid` (the parameter search behind
/// [`OneShotParams::default`], on seeds other than the reported ones), on `threads` threads.
pub fn one_shot_sweep(
    p: &PatternsParams,
    grid: &[OneShotParams],
    seeds: std::ops::RangeInclusive<u64>,
    threads: usize,
) -> Result<Vec<OneShotCell>> {
    let cell = |o: &OneShotParams| -> Result<OneShotCell> {
        let mut c = OneShotCell {
            params: o.clone(),
            perfect: 0,
            seeds: seeds.clone().count(),
            false_positives: 0,
            misses: 0,
        };
        for seed in seeds.clone() {
            // a search cell reads only the scores: no raster recorded
            let q = PatternsParams {
                seed,
                raster_samples: 0,
                ..p.clone()
            };
            let r = run_one_shot(&q, o)?;
            c.perfect += r.perfect() as usize;
            c.false_positives += r.false_positives;
            c.misses += r
                .detected
                .iter()
                .map(|d| ((1.0 - d) * r.per_class as f64).round() as usize)
                .sum::<usize>();
        }
        Ok(c)
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<OneShotCell>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                let (cell, next) = (&cell, &next);
                sc.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(o) = grid.get(n) else { break };
                        out.push((n, cell(o)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("sweep thread"))
            .collect()
    });
    done.sort_by_key(|(n, _)| *n);
    done.into_iter().map(|(_, c)| c).collect()
}

/// The thresholds of one readout setting (every parameter but the threshold) at which every seed
/// of a [`one_shot_sweep`] was perfect: its widest run of consecutive thresholds of the grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneShotWindow {
    /// The setting, with the threshold in the middle of the window (the lower middle of an even
    /// run).
    pub params: OneShotParams,
    /// Lowest threshold of the window.
    pub first: i64,
    /// Highest threshold of the window.
    pub last: i64,
    /// Thresholds in the window (0: no threshold perfect on every seed).
    pub thresholds: usize,
}

/// The perfect windows of a sweep's settings, the widest first; among equally wide ones, the
/// setting that differs from `base` (the current readout) in the fewest of leak shift,
/// `ltp_shift`, `ltp_offset` and `normalize_target`, then the smaller `normalize_target`, then
/// grid order. The first is the search's choice (docs/learning.md).
pub fn one_shot_windows(cells: &[OneShotCell], base: &OneShotParams) -> Vec<OneShotWindow> {
    let key = |q: &OneShotParams| OneShotParams {
        threshold: 0,
        ..q.clone()
    };
    let mut groups: Vec<(OneShotParams, Vec<&OneShotCell>)> = Vec::new();
    for c in cells {
        let k = key(&c.params);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(c),
            None => groups.push((k, vec![c])),
        }
    }
    let mut out: Vec<OneShotWindow> = groups
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by_key(|c| c.params.threshold);
            let (mut best, mut run) = ((0, 0), (0, 0));
            for (i, c) in v.iter().enumerate() {
                if c.perfect == c.seeds {
                    run = if run.1 > 0 {
                        (run.0, run.1 + 1)
                    } else {
                        (i, 1)
                    };
                    if run.1 > best.1 {
                        best = run;
                    }
                } else {
                    run = (0, 0);
                }
            }
            let (at, n) = best;
            let (first, last, mid) = if n > 0 {
                let t = |i: usize| v[i].params.threshold;
                (t(at), t(at + n - 1), t(at + (n - 1) / 2))
            } else {
                (0, 0, 0)
            };
            OneShotWindow {
                params: OneShotParams {
                    threshold: mid,
                    ..k
                },
                first,
                last,
                thresholds: n,
            }
        })
        .collect();
    let changes = |q: &OneShotParams| {
        (q.leak_shift != base.leak_shift) as u32
            + (q.ltp_shift != base.ltp_shift) as u32
            + (q.ltp_offset != base.ltp_offset) as u32
            + (q.normalize_target != base.normalize_target) as u32
    };
    // a stable sort keeps grid order among full ties
    out.sort_by_key(|w| {
        (
            std::cmp::Reverse(w.thresholds),
            changes(&w.params),
            w.params.normalize_target,
        )
    });
    out
}

/// One cell of the supervised K x overlap table: the one-shot readout on a range of seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OneShotTableCell {
    /// Number of patterns.
    pub patterns: usize,
    /// Overlap between any two patterns.
    pub overlap: f64,
    /// Seeds run.
    pub seeds: usize,
    /// Seeds whose run was perfect ([`OneShotResult::perfect`]).
    pub perfect: usize,
    /// Mean over the seeds of [`OneShotResult::accuracy`].
    pub accuracy: f64,
    /// Mean detection over the seeds and patterns.
    pub detection: f64,
    /// Noise-only test samples classified as a pattern, summed over the seeds.
    pub false_positives: usize,
    /// Pattern test samples classified as another pattern, summed over the seeds.
    pub confusions: usize,
}

/// The one-shot readout `o` for every K in `ks` and every overlap in `overlaps`, each on every
/// seed of `seeds` (the supervised table of `learn patterns --supervised --table`, beside the
/// unsupervised [`sweep`]). Combinations that do not fit the inputs are an error naming them.
pub fn one_shot_table(
    base: &PatternsParams,
    o: &OneShotParams,
    ks: &[usize],
    overlaps: &[f64],
    seeds: std::ops::RangeInclusive<u64>,
) -> Result<Vec<OneShotTableCell>> {
    let mut out = Vec::new();
    for &k in ks {
        for &overlap in overlaps {
            let mut c = OneShotTableCell {
                patterns: k,
                overlap,
                seeds: seeds.clone().count(),
                perfect: 0,
                accuracy: 0.0,
                detection: 0.0,
                false_positives: 0,
                confusions: 0,
            };
            for seed in seeds.clone() {
                let p = PatternsParams {
                    patterns: k,
                    overlap,
                    seed,
                    raster_samples: 0,
                    ..base.clone()
                };
                let r = run_one_shot(&p, o).map_err(|e| Error::Range {
                    message: format!("K = {k}, overlap = {overlap}: {e}"),
                })?;
                c.perfect += r.perfect() as usize;
                c.accuracy += r.accuracy();
                c.detection += r.detected.iter().sum::<f64>() / k as f64;
                c.false_positives += r.false_positives;
                c.confusions += r.confusions;
            }
            let n = c.seeds.max(1) as f64;
            c.accuracy /= n;
            c.detection /= n;
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shot_accuracy_counts_pattern_and_noise_only_samples() {
        let r = OneShotResult {
            detected: vec![1.0, 0.5],
            false_positives: 2,
            confusions: 0,
            per_class: 10,
            teacher_spikes: vec![20, 20],
            weights: super::super::Weights::zeros((4, 2)),
            raster: Raster::default(),
        };
        // 10 + 5 pattern samples right, 8 of 10 noise-only samples silent, of 30
        assert!((r.accuracy() - 23.0 / 30.0).abs() < 1e-12);
    }

    /// The table's cells aggregate the single runs of their seeds (about 0.1 s).
    #[test]
    fn one_shot_table_cells_sum_the_runs_of_their_seeds() {
        let base = PatternsParams::default();
        let o = OneShotParams::default();
        let cells = one_shot_table(&base, &o, &[1, 2], &[0.0, 0.5], 1..=3).unwrap();
        assert_eq!(cells.len(), 4);
        for c in &cells {
            let runs: Vec<OneShotResult> = (1..=3)
                .map(|seed| {
                    let p = PatternsParams {
                        patterns: c.patterns,
                        overlap: c.overlap,
                        seed,
                        ..base.clone()
                    };
                    run_one_shot(&p, &o).unwrap()
                })
                .collect();
            assert_eq!(c.seeds, 3);
            assert_eq!(c.perfect, runs.iter().filter(|r| r.perfect()).count());
            let fp: usize = runs.iter().map(|r| r.false_positives).sum();
            let conf: usize = runs.iter().map(|r| r.confusions).sum();
            assert_eq!((c.false_positives, c.confusions), (fp, conf));
            let det = runs
                .iter()
                .map(|r| r.detected.iter().sum::<f64>() / c.patterns as f64)
                .sum::<f64>()
                / 3.0;
            assert!((c.detection - det).abs() < 1e-12, "{c:?}");
            let acc = runs.iter().map(|r| r.accuracy()).sum::<f64>() / 3.0;
            assert!((c.accuracy - acc).abs() < 1e-12, "{c:?}");
        }
        // overlap costs the two-pattern readout detections (measured: 86.8 % over seeds 1-20)
        assert!(cells[3].detection < cells[2].detection, "{cells:?}");
        let bad = one_shot_table(&base, &o, &[9], &[0.0], 1..=1);
        assert!(bad.unwrap_err().to_string().contains("K = 9"));
    }
}
