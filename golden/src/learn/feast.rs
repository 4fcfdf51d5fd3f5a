//! FEAST experiments (docs/learning.md, "FEAST"): moving oriented gratings and the 8x8 digits as
//! events, on the integer FEAST layer ([`crate::feast::Feast`]) with the published float
//! algorithm ([`crate::feast::float::FloatFeast`]) beside it on the same events.
//!
//! Key decisions:
//! - Gratings: parallel bars `period` pixels apart move at `speed` pixels per tick in one of
//!   `directions` directions; a pixel's event is the tick a bar front crosses its centre, the
//!   tick's events in a seeded random order. A block shows one direction (random phase) for
//!   `block_ticks`, then `gap_ticks` without events.
//! - The true feature of a direction is measured, not assumed: the mean L2-normalised float time
//!   surface over every event of that direction in a separate evaluation stream. A direction is
//!   matched by the learned feature with the largest cosine similarity to it.
//! - Digits: each image is binarised (pixel >= 8) and placed in the middle of a `(8 + 2 m)`-square
//!   grid; it appears (every on pixel is an event), then moves one pixel per tick around a small
//!   loop of shifts; the events of a tick are the pixels whose value changed. The host clears the
//!   traces between images. The classifier is host-side: a histogram of winning features per
//!   image (per quadrant of the event's position when `pool = 2`), L1-normalised, nearest class
//!   mean over the training images; learning is off (weights and thresholds frozen) while the
//!   histograms are taken.

use super::digits::{Dataset, PIXELS};
use crate::error::{Error, Result};
use crate::feast::float::{FloatFeast, cosine};
use crate::feast::{Feast, FeastConfig, Outcome};
use crate::rng::SplitMix64;
use ndarray::Array2;
use serde::Serialize;

/// Seed offset of the training streams.
const TRAIN_STREAM: u64 = 0xFEA5_7000_0000_0001;
/// Seed offset of the evaluation streams (true features).
const EVAL_STREAM: u64 = 0xFEA5_E7A1_0000_0001;

/// The layer's knobs shared by both experiments (the `[feast]`, `[synapse]` and `[stdp]` keys
/// of the built-in config).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Knobs {
    /// Neurons (features).
    pub neurons: usize,
    /// Window radius.
    pub radius: u32,
    /// `"l1"` or `"l2"`.
    pub norm: String,
    /// `"skip"` or `"zero"`.
    pub border: String,
    /// Weight width.
    pub weight_bits: u32,
    /// Norm target `2^norm_shift`.
    pub norm_shift: u32,
    /// Match fraction bits.
    pub match_bits: u32,
    /// Thresholds at reset.
    pub threshold_init: i64,
    /// Miss: all thresholds lowered by this.
    pub miss_step: i64,
    /// Win: the winner's threshold raised by this.
    pub win_step: i64,
    /// `eta = 2^-eta_shift`.
    pub eta_shift: u32,
    /// Trace width (`pre_inc = 2^trace_bits - 1`).
    pub trace_bits: u32,
    /// Trace decay per tick.
    pub pre_decay_shift: u32,
    /// Initial weights uniform in `1..=init_hi`.
    pub init_hi: i64,
    /// Weight seed.
    pub weight_seed: u64,
}

impl Knobs {
    /// The built-in layer's TOML for a `width` x `height` grid.
    pub fn toml(&self, name: &str, width: u32, height: u32) -> String {
        format!(
            "name = \"{name}\"\n\
             [array]\nneurons = {}\n\
             [synapse]\nweight_bits = {}\ninit = \"uniform\"\ninit_lo = 1\ninit_hi = {}\nseed = {}\n\
             [stdp]\ntrace_bits = {}\npre_inc = {}\npre_decay_shift = {}\n\
             [feast]\nwidth = {width}\nheight = {height}\nradius = {}\nborder = \"{}\"\n\
             norm = \"{}\"\nnorm_shift = {}\nmatch_bits = {}\nthreshold_init = {}\n\
             miss_step = {}\nwin_step = {}\neta_shift = {}\n",
            self.neurons,
            self.weight_bits,
            self.init_hi,
            self.weight_seed,
            self.trace_bits,
            (1i64 << self.trace_bits) - 1,
            self.pre_decay_shift,
            self.radius,
            self.border,
            self.norm,
            self.norm_shift,
            self.match_bits,
            self.threshold_init,
            self.miss_step,
            self.win_step,
            self.eta_shift,
        )
    }

    /// The built-in layer's config.
    pub fn config(&self, name: &str, width: u32, height: u32) -> Result<FeastConfig> {
        FeastConfig::from_toml_str(&self.toml(name, width, height), std::path::Path::new("."))
    }
}

/// The oriented-gratings experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgesParams {
    /// Grid side (square grid).
    pub side: u32,
    /// Motion directions, `k * 360 / directions` degrees.
    pub directions: usize,
    /// Pixels between bars.
    pub period: f64,
    /// Pixels per tick.
    pub speed: f64,
    /// Ticks of one direction.
    pub block_ticks: usize,
    /// Ticks without events after a block.
    pub gap_ticks: usize,
    /// Training blocks.
    pub blocks: usize,
    /// Evaluation blocks per direction (true features).
    pub eval_blocks: usize,
    /// Points of the curves (thresholds, missed rate).
    pub samples: usize,
    /// Stream seed (and weight seed offset).
    pub seed: u64,
    /// The layer.
    pub knobs: Knobs,
}

impl Default for EdgesParams {
    fn default() -> Self {
        EdgesParams {
            side: 16,
            directions: 8,
            period: 8.0,
            speed: 1.0,
            block_ticks: 24,
            gap_ticks: 8,
            blocks: 400,
            eval_blocks: 2,
            samples: 40,
            seed: 1,
            knobs: Knobs {
                neurons: 16,
                radius: 3,
                norm: "l2".into(),
                border: "skip".into(),
                weight_bits: 8,
                norm_shift: 8,
                match_bits: 12,
                threshold_init: 0,
                miss_step: 41,
                win_step: 4,
                eta_shift: 5,
                trace_bits: 8,
                pre_decay_shift: 2,
                init_hi: 255,
                weight_seed: 1,
            },
        }
    }
}

impl EdgesParams {
    /// Check the experiment's own ranges.
    pub fn validate(&self) -> Result<()> {
        let bad = |k: &str, m: &str| Err(Error::config(k, m));
        if self.directions == 0 || self.directions > 16 {
            return bad("directions", "allowed 1..=16");
        }
        if !(self.period >= 2.0 && self.period <= self.side as f64) {
            return bad("period", "allowed 2..=side pixels");
        }
        if !(self.speed > 0.0 && self.speed <= self.period / 2.0) {
            return bad(
                "speed",
                "allowed above 0 and at most period / 2 pixels per tick",
            );
        }
        if self.block_ticks == 0 || self.blocks == 0 || self.eval_blocks == 0 {
            return bad(
                "blocks",
                "block_ticks, blocks and eval_blocks must be at least 1",
            );
        }
        if self.samples == 0 || self.samples > self.blocks {
            return bad("samples", "allowed 1..=blocks");
        }
        Ok(())
    }

    /// The layer's config (weight seed offset by the experiment's seed).
    pub fn config(&self) -> Result<FeastConfig> {
        let mut k = self.knobs.clone();
        k.weight_seed = k.weight_seed.wrapping_add(self.seed);
        k.config("feast_edges", self.side, self.side)
    }
}

/// The events of one tick of a grating block: the pixels a bar front crossed during tick `t`.
pub fn grating_tick(p: &EdgesParams, direction: usize, phase: f64, t: usize) -> Vec<u32> {
    let ang = direction as f64 * std::f64::consts::TAU / p.directions as f64;
    let (c, s) = (ang.cos(), ang.sin());
    let mid = (p.side as f64 - 1.0) / 2.0;
    let (s0, s1) = (
        phase + p.speed * t as f64,
        phase + p.speed * (t as f64 + 1.0),
    );
    let mut ev = Vec::new();
    for y in 0..p.side {
        for x in 0..p.side {
            let proj = (x as f64 - mid) * c + (y as f64 - mid) * s;
            if ((s1 - proj) / p.period).floor() > ((s0 - proj) / p.period).floor() {
                ev.push(y * p.side + x);
            }
        }
    }
    ev
}

/// A block's ticks: `block_ticks` ticks of direction `d` (events in random order) then the gap.
fn block(p: &EdgesParams, d: usize, rng: &mut SplitMix64) -> Vec<Vec<u32>> {
    let phase = rng.below(1 << 20) as f64 / (1u64 << 20) as f64 * p.period;
    let mut ticks: Vec<Vec<u32>> = (0..p.block_ticks)
        .map(|t| {
            let mut ev = grating_tick(p, d, phase, t);
            for k in (1..ev.len()).rev() {
                ev.swap(k, rng.below(k as u64 + 1) as usize);
            }
            ev
        })
        .collect();
    ticks.extend(std::iter::repeat_n(Vec::new(), p.gap_ticks));
    ticks
}

/// One point of the curves over training.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Training blocks (or images) done.
    pub done: usize,
    /// Missed rate of the integer layer over the interval before this point.
    pub missed: f64,
    /// Missed rate of the float reference over the same events.
    pub float_missed: f64,
    /// The integer layer's thresholds, as fractions.
    pub thresholds: Vec<f64>,
}

/// What the gratings experiment measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EdgesResult {
    /// The parameters.
    pub params: EdgesParams,
    /// Per direction: the largest cosine of a learned (integer) feature with the true feature.
    pub best: Vec<f64>,
    /// Per direction: the neuron that matched it.
    pub best_neuron: Vec<usize>,
    /// Per direction: the same for the float reference.
    pub float_best: Vec<f64>,
    /// Per direction: cosine of the integer and float features that matched it.
    pub fixed_vs_float: Vec<f64>,
    /// Missed rate over the last tenth of training, integer and float.
    pub final_missed: (f64, f64),
    /// Counters of the whole training, integer.
    pub counters: crate::feast::Counters,
    /// Counters of the whole training, float.
    pub float_counters: crate::feast::Counters,
    /// Curves over training.
    pub curve: Vec<CurvePoint>,
    /// Learned weights (window x neurons).
    #[serde(skip)]
    pub weights: Array2<i32>,
    /// True features (window x directions), scaled to 0..=255 for plots.
    #[serde(skip)]
    pub truth: Array2<i32>,
}

impl EdgesResult {
    /// The smallest per-direction best cosine.
    pub fn worst(&self) -> f64 {
        self.best.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

/// Weight columns as float vectors.
fn columns_i(w: &Array2<i32>) -> Vec<Vec<f64>> {
    (0..w.ncols())
        .map(|i| w.column(i).iter().map(|&v| v as f64).collect())
        .collect()
}

fn columns_f(w: &Array2<f64>) -> Vec<Vec<f64>> {
    (0..w.ncols()).map(|i| w.column(i).to_vec()).collect()
}

/// Best cosine of any feature with `truth`, and which.
fn best_match(features: &[Vec<f64>], truth: &[f64]) -> (usize, f64) {
    features
        .iter()
        .enumerate()
        .map(|(i, f)| (i, cosine(f, truth)))
        .fold((0, f64::NEG_INFINITY), |b, c| if c.1 > b.1 { c } else { b })
}

/// Run the gratings experiment on a config (`p.config()` for the built-in layer).
pub fn run_edges(p: &EdgesParams, cfg: &FeastConfig) -> Result<EdgesResult> {
    p.validate()?;
    if cfg.feast.width != p.side || cfg.feast.height != p.side {
        return Err(Error::config(
            "feast.width",
            format!(
                "the gratings experiment needs a {0} x {0} grid (feast.width = feast.height = {0})",
                p.side
            ),
        ));
    }
    let mut fixed = Feast::new(cfg);
    let mut float = FloatFeast::new(cfg);
    let mut rng = SplitMix64::new(p.seed ^ TRAIN_STREAM);
    let every = p.blocks.div_ceil(p.samples);
    let mut curve = Vec::new();
    let (mut last_i, mut last_f) = (fixed.counters(), float.counters());
    let tail_from = p.blocks - (p.blocks / 10).max(1);
    let (mut tail_i, mut tail_f) = (last_i, last_f);
    for b in 0..p.blocks {
        if b == tail_from {
            (tail_i, tail_f) = (fixed.counters(), float.counters());
        }
        let d = rng.below(p.directions as u64) as usize;
        for ev in block(p, d, &mut rng) {
            fixed.step(&ev);
            float.step(&ev);
        }
        if (b + 1) % every == 0 {
            let (ci, cf) = (fixed.counters(), float.counters());
            curve.push(CurvePoint {
                done: b + 1,
                missed: interval_rate(last_i, ci),
                float_missed: interval_rate(last_f, cf),
                thresholds: fixed
                    .thresholds()
                    .iter()
                    .map(|&t| t as f64 / cfg.feast.one() as f64)
                    .collect(),
            });
            (last_i, last_f) = (ci, cf);
        }
    }
    let truth = true_features(p, cfg)?;
    let fi = columns_i(&fixed.weights());
    let ff = columns_f(&float.weights());
    let mut best = Vec::new();
    let mut best_neuron = Vec::new();
    let mut float_best = Vec::new();
    let mut fixed_vs_float = Vec::new();
    for t in &truth {
        let (i, c) = best_match(&fi, t);
        let (j, cf) = best_match(&ff, t);
        best.push(c);
        best_neuron.push(i);
        float_best.push(cf);
        fixed_vs_float.push(cosine(&fi[i], &ff[j]));
    }
    let k = cfg.feast.window();
    let truth_img = Array2::from_shape_fn((k, truth.len()), |(r, d)| {
        let m = truth[d].iter().copied().fold(0.0, f64::max).max(1e-12);
        (truth[d][r] / m * 255.0).round() as i32
    });
    Ok(EdgesResult {
        params: p.clone(),
        best,
        best_neuron,
        float_best,
        fixed_vs_float,
        final_missed: (
            interval_rate(tail_i, fixed.counters()),
            interval_rate(tail_f, float.counters()),
        ),
        counters: fixed.counters(),
        float_counters: float.counters(),
        curve,
        weights: fixed.weights(),
        truth: truth_img,
    })
}

/// Missed over matched events between two counter readings.
fn interval_rate(a: crate::feast::Counters, b: crate::feast::Counters) -> f64 {
    let m = b.missed - a.missed;
    let n = m + (b.won - a.won);
    if n == 0 { 0.0 } else { m as f64 / n as f64 }
}

/// The true feature of each direction: the mean normalised float time surface over the events
/// of `eval_blocks` blocks of that direction (own seed stream).
pub fn true_features(p: &EdgesParams, cfg: &FeastConfig) -> Result<Vec<Vec<f64>>> {
    let mut rng = SplitMix64::new(p.seed ^ EVAL_STREAM);
    let k = cfg.feast.window();
    let mut out = Vec::new();
    for d in 0..p.directions {
        let mut reader = FloatFeast::new(cfg);
        let mut sum = vec![0.0; k];
        let mut n = 0usize;
        for _ in 0..p.eval_blocks {
            for ev in block(p, d, &mut rng) {
                for &j in &ev {
                    reader.touch(j);
                    if let Some(c) = reader.context(j) {
                        sum.iter_mut().zip(&c).for_each(|(s, v)| *s += v);
                        n += 1;
                    }
                }
                reader.next_tick();
            }
        }
        if n == 0 {
            return Err(Error::config(
                "feast.radius",
                "no grating event has a whole window in the grid: a smaller radius",
            ));
        }
        out.push(sum.iter().map(|s| s / n as f64).collect());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Digits as events.

/// The digits-as-events experiment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeastDigitsParams {
    /// Training images (the first of the seeded split, as `learn digits`).
    pub train: usize,
    /// Held-out images (the next of the split).
    pub test: usize,
    /// Split seed (`learn digits`' seed 1 gives its split).
    pub split_seed: u64,
    /// Tuning mode: train on the first three quarters of the training images and report the
    /// accuracy on the last quarter; the held-out images are not touched.
    pub validation: bool,
    /// Passes of unsupervised training over the training images.
    pub epochs: usize,
    /// Margin of empty pixels around the image (grid side `8 + 2 margin`).
    pub margin: u32,
    /// Pooling of the histogram: 1 (whole image) or 2 (per quadrant).
    pub pool: u32,
    /// Points of the curves per epoch.
    pub samples: usize,
    /// Seed of the presentation order and the event order (and weight seed offset).
    pub seed: u64,
    /// The layer.
    pub knobs: Knobs,
}

impl Default for FeastDigitsParams {
    fn default() -> Self {
        FeastDigitsParams {
            train: 1200,
            test: 597,
            split_seed: 1,
            validation: false,
            epochs: 1,
            margin: 1,
            pool: 4,
            samples: 12,
            seed: 1,
            knobs: Knobs {
                neurons: 64,
                radius: 2,
                norm: "l2".into(),
                border: "zero".into(),
                weight_bits: 8,
                norm_shift: 8,
                match_bits: 12,
                threshold_init: 0,
                miss_step: 41,
                win_step: 4,
                eta_shift: 5,
                trace_bits: 8,
                pre_decay_shift: 1,
                init_hi: 255,
                weight_seed: 1,
            },
        }
    }
}

/// The shifts of an image after its appearance: one pixel per tick around a loop.
const SHIFTS: [(i32, i32); 8] = [
    (1, 0),
    (1, 1),
    (0, 1),
    (0, 0),
    (-1, 0),
    (-1, -1),
    (0, -1),
    (0, 0),
];

impl FeastDigitsParams {
    /// Check the experiment's own ranges against the data set.
    pub fn validate(&self, images: usize) -> Result<()> {
        if self.train == 0 || self.test == 0 || self.train + self.test > images {
            return Err(Error::config(
                "train",
                format!("train and test at least 1 and train + test at most {images}"),
            ));
        }
        if self.epochs == 0 || self.samples == 0 {
            return Err(Error::config("epochs", "epochs and samples at least 1"));
        }
        if !(1..=4).contains(&self.margin) {
            return Err(Error::config("margin", "allowed 1..=4 pixels"));
        }
        if !(1..=4).contains(&self.pool) {
            return Err(Error::config("pool", "allowed 1..=4"));
        }
        Ok(())
    }

    /// The grid side, `8 + 2 margin`.
    pub fn side(&self) -> u32 {
        8 + 2 * self.margin
    }

    /// The layer's config.
    pub fn config(&self) -> Result<FeastConfig> {
        let mut k = self.knobs.clone();
        k.weight_seed = k.weight_seed.wrapping_add(self.seed);
        k.config("feast_digits", self.side(), self.side())
    }
}

/// The ticks of events of one image: its appearance, then one tick per shift.
pub fn digit_events(img: &[u8; PIXELS], margin: u32, rng: &mut SplitMix64) -> Vec<Vec<u32>> {
    let side = 8 + 2 * margin as i32;
    let frame = |dx: i32, dy: i32| -> Vec<bool> {
        let mut f = vec![false; (side * side) as usize];
        for (k, &px) in img.iter().enumerate() {
            if px >= 8 {
                let (x, y) = (
                    k as i32 % 8 + margin as i32 + dx,
                    k as i32 / 8 + margin as i32 + dy,
                );
                f[(y * side + x) as usize] = true;
            }
        }
        f
    };
    let mut prev = vec![false; (side * side) as usize];
    let mut out = Vec::new();
    for &(dx, dy) in std::iter::once(&(0, 0)).chain(SHIFTS.iter()) {
        let cur = frame(dx, dy);
        let mut ev: Vec<u32> = (0..cur.len())
            .filter(|&j| cur[j] != prev[j])
            .map(|j| j as u32)
            .collect();
        for k in (1..ev.len()).rev() {
            ev.swap(k, rng.below(k as u64 + 1) as usize);
        }
        out.push(ev);
        prev = cur;
    }
    out
}

/// What the digits experiment measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeastDigitsResult {
    /// The parameters.
    pub params: FeastDigitsParams,
    /// Held-out accuracy of the nearest class mean on the integer layer's histograms.
    pub accuracy: f64,
    /// The same on the float reference's histograms.
    pub float_accuracy: f64,
    /// Training-set accuracy (integer), for reference.
    pub train_accuracy: f64,
    /// Missed rate on the held-out images (learning off), integer and float.
    pub test_missed: (f64, f64),
    /// Counters of the training, integer and float.
    pub counters: (crate::feast::Counters, crate::feast::Counters),
    /// Curves over training.
    pub curve: Vec<CurvePoint>,
    /// Learned weights (window x neurons).
    #[serde(skip)]
    pub weights: Array2<i32>,
}

/// Either layer, for the shared protocol.
trait Layer {
    /// Start a tick: the traces decay once.
    fn begin_tick(&mut self);
    fn event(&mut self, j: u32) -> Outcome;
    fn clear(&mut self);
    fn learning(&mut self, on: bool);
    fn counters(&self) -> crate::feast::Counters;
    /// One tick: decay once, then the events one by one, keeping the position of each winner.
    fn run(&mut self, events: &[u32]) -> Vec<(u32, u32)> {
        self.begin_tick();
        events
            .iter()
            .filter_map(|&e| match self.event(e) {
                Outcome::Won(i) => Some((e, i)),
                _ => None,
            })
            .collect()
    }
}

impl Layer for Feast {
    fn begin_tick(&mut self) {
        self.step(&[]);
    }
    fn event(&mut self, j: u32) -> Outcome {
        Feast::event(self, j)
    }
    fn clear(&mut self) {
        Feast::clear(self);
    }
    fn learning(&mut self, on: bool) {
        self.set_learning(on);
    }
    fn counters(&self) -> crate::feast::Counters {
        Feast::counters(self)
    }
}

impl Layer for FloatFeast {
    fn begin_tick(&mut self) {
        self.next_tick();
    }
    fn event(&mut self, j: u32) -> Outcome {
        FloatFeast::event(self, j)
    }
    fn clear(&mut self) {
        FloatFeast::clear(self);
    }
    fn learning(&mut self, on: bool) {
        self.set_learning(on);
    }
    fn counters(&self) -> crate::feast::Counters {
        FloatFeast::counters(self)
    }
}

/// The histogram of one image's winners: `pool^2` regions x `neurons`, L1-normalised.
fn histogram(
    layer: &mut dyn Layer,
    ticks: &[Vec<u32>],
    side: u32,
    pool: u32,
    neurons: usize,
) -> Vec<f64> {
    layer.clear();
    let mut h = vec![0.0; (pool * pool) as usize * neurons];
    for ev in ticks {
        for (j, i) in layer.run(ev) {
            let (x, y) = (j % side, j / side);
            let region = ((y * pool / side) * pool + x * pool / side) as usize;
            h[region * neurons + i as usize] += 1.0;
        }
    }
    let s: f64 = h.iter().sum();
    if s > 0.0 {
        h.iter_mut().for_each(|v| *v = (*v / s).sqrt());
    }
    h
}

/// Nearest class mean: class means of the training histograms, then the share of `test`
/// histograms nearest (Euclidean) to their own class's mean.
pub fn nearest_mean_accuracy(
    train: &[(Vec<f64>, usize)],
    test: &[(Vec<f64>, usize)],
    classes: usize,
) -> f64 {
    let dim = train.first().map_or(0, |t| t.0.len());
    let mut means = vec![vec![0.0; dim]; classes];
    let mut counts = vec![0usize; classes];
    for (h, c) in train {
        means[*c].iter_mut().zip(h).for_each(|(m, v)| *m += v);
        counts[*c] += 1;
    }
    for (m, &n) in means.iter_mut().zip(&counts) {
        if n > 0 {
            m.iter_mut().for_each(|v| *v /= n as f64);
        }
    }
    let correct = test
        .iter()
        .filter(|(h, c)| {
            let d = |m: &Vec<f64>| m.iter().zip(h).map(|(a, b)| (a - b).powi(2)).sum::<f64>();
            let pred = (0..classes)
                .filter(|&k| counts[k] > 0)
                .min_by(|&a, &b| d(&means[a]).total_cmp(&d(&means[b])))
                .unwrap_or(0);
            pred == *c
        })
        .count();
    correct as f64 / test.len().max(1) as f64
}

/// Run the digits experiment on a config (`p.config()` for the built-in layer).
pub fn run_digits(
    p: &FeastDigitsParams,
    cfg: &FeastConfig,
    data: &Dataset,
) -> Result<FeastDigitsResult> {
    p.validate(data.len())?;
    if cfg.feast.width != p.side() || cfg.feast.height != p.side() {
        return Err(Error::config(
            "feast.width",
            format!(
                "the digits experiment needs a {0} x {0} grid (8 + 2 x margin {1})",
                p.side(),
                p.margin
            ),
        ));
    }
    let (mut train, mut test) = data.split(p.train, p.test, p.split_seed);
    if p.validation {
        test = train.split_off(train.len() * 3 / 4);
    }
    let mut fixed = Feast::new(cfg);
    let mut float = FloatFeast::new(cfg);
    let mut rng = SplitMix64::new(p.seed ^ TRAIN_STREAM);
    let n = cfg.neurons();
    let total = p.epochs * train.len();
    let every = total.div_ceil(p.samples).max(1);
    let mut curve = Vec::new();
    let (mut last_i, mut last_f) = (fixed.counters(), float.counters());
    let mut done = 0;
    for _ in 0..p.epochs {
        let mut order = train.clone();
        super::shuffle(&mut order, &mut rng);
        for &k in &order {
            let ticks = digit_events(&data.images[k], p.margin, &mut rng);
            fixed.clear();
            float.clear();
            for ev in &ticks {
                Layer::run(&mut fixed, ev);
                Layer::run(&mut float, ev);
            }
            done += 1;
            if done % every == 0 {
                let (ci, cf) = (fixed.counters(), float.counters());
                curve.push(CurvePoint {
                    done,
                    missed: interval_rate(last_i, ci),
                    float_missed: interval_rate(last_f, cf),
                    thresholds: fixed
                        .thresholds()
                        .iter()
                        .map(|&t| t as f64 / cfg.feast.one() as f64)
                        .collect(),
                });
                (last_i, last_f) = (ci, cf);
            }
        }
    }
    let counters = (fixed.counters(), float.counters());
    Layer::learning(&mut fixed, false);
    Layer::learning(&mut float, false);
    // the same event order for both layers and every image
    let mut erng = SplitMix64::new(p.seed ^ EVAL_STREAM);
    let ev_train: Vec<Vec<Vec<u32>>> = train
        .iter()
        .map(|&k| digit_events(&data.images[k], p.margin, &mut erng))
        .collect();
    let ev_test: Vec<Vec<Vec<u32>>> = test
        .iter()
        .map(|&k| digit_events(&data.images[k], p.margin, &mut erng))
        .collect();
    let hist = |layer: &mut dyn Layer, evs: &[Vec<Vec<u32>>], idx: &[usize]| {
        evs.iter()
            .zip(idx)
            .map(|(t, &k)| {
                (
                    histogram(layer, t, p.side(), p.pool, n),
                    data.labels[k] as usize,
                )
            })
            .collect::<Vec<_>>()
    };
    let tr_i = hist(&mut fixed, &ev_train, &train);
    let before = Layer::counters(&fixed);
    let te_i = hist(&mut fixed, &ev_test, &test);
    let tr_f = hist(&mut float, &ev_train, &train);
    let before_f = Layer::counters(&float);
    let te_f = hist(&mut float, &ev_test, &test);
    Ok(FeastDigitsResult {
        params: p.clone(),
        accuracy: nearest_mean_accuracy(&tr_i, &te_i, 10),
        float_accuracy: nearest_mean_accuracy(&tr_f, &te_f, 10),
        train_accuracy: nearest_mean_accuracy(&tr_i, &tr_i, 10),
        test_missed: (
            interval_rate(before, Layer::counters(&fixed)),
            interval_rate(before_f, Layer::counters(&float)),
        ),
        counters,
        curve,
        weights: fixed.weights(),
    })
}
