//! Temporal patterns learned with synaptic delays (issue 17; docs/learning.md): the same input
//! channels fire once each, in K different orders, so every pattern has the same spike count on
//! every channel and only the timing tells them apart. Each synapse has a fixed random delay
//! (`synapse.max_delay`, docs/model.md "Synaptic delays"); a neuron fires when the spikes of a
//! pattern *arrive* together, and the chip's STDP (potentiation at arrival, `ltp_offset`) grows the
//! synapses whose delays align that pattern and shrinks the others (polychronous selection).
//! Without delays (`max_delay = 0`) the same network gets one channel per tick whatever the order.
//!
//! Key decisions:
//! - **Patterns.** Pattern 0 is channels `0, 1, ..., C-1` in that order, `gap` ticks apart;
//!   pattern 1 the reverse; patterns 2.. seeded random orders (distinct from the earlier ones).
//! - **Copies.** Each channel drives `copies` input rows (a host fan-out: one channel spike is an
//!   event on each of its rows), so every channel reaches a neuron through `copies` synapses with
//!   independent random delays: more chances that some delays align a pattern.
//! - **Noise.** Each spike of a sample is dropped with probability `drop` and moved one tick
//!   earlier or later with probability `jitter`; every channel fires with `p_noise` per tick.
//!   Training, labelling, validation and test samples are independent draws.
//! - **Protocol** (the host's, as in [`super::patterns`]): *clear* before every sample (it drops
//!   the pending delayed input), `ticks` ticks per sample, learning on during training; labels
//!   by mean response on the labelling set with learning off and theta frozen; a held-out sample
//!   is detected when the class whose labelled neurons fire most is its pattern (no spike: not
//!   detected). The validation set is for parameter searches ([`sweep`]); the test set is only
//!   reported.

use super::{NetParams, Raster, assign_labels, check_probability, check_range, classify, shuffle};
use crate::config::Config;
use crate::error::Result;
use crate::model::{Network, StateKind};
use crate::rng::SplitMix64;
use ndarray::Array2;
use serde::Serialize;

const WHAT: &str = "temporal";
const ORDER_STREAM: u64 = 0x5EED_0BDE_1700_0001;
const TRAIN_STREAM: u64 = 0x5EED_7EA1_1700_0002;
const LABEL_STREAM: u64 = 0x5EED_1ABE_1700_0003;
const VALID_STREAM: u64 = 0x5EED_FA11_1700_0004;
const TEST_STREAM: u64 = 0x5EED_7E57_1700_0005;
const DELAY_STREAM: u64 = 0x5EED_DE1A_1700_0006;

/// Parameters of a temporal-pattern run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemporalParams {
    /// Channels C (each fires once per pattern).
    pub channels: usize,
    /// Ticks between two channels of a pattern.
    pub gap: usize,
    /// Number of patterns K (orders of the same channels).
    pub patterns: usize,
    /// Input rows per channel.
    pub copies: usize,
    /// Neurons.
    pub neurons: usize,
    /// `synapse.max_delay` D (0 = no delays); delays uniform in `0..D`, seeded from `seed`.
    pub max_delay: u32,
    /// Probability that a spike moves one tick (earlier or later, equally likely).
    pub jitter: f64,
    /// Probability that a spike is missing.
    pub drop: f64,
    /// Firing probability of every channel per tick (noise).
    pub p_noise: f64,
    /// Ticks after a pattern's last spike (room for the delayed arrivals).
    pub tail: usize,
    /// Training samples of each pattern per epoch.
    pub train: usize,
    /// Labelling samples of each pattern.
    pub label: usize,
    /// Validation samples of each pattern (what [`sweep`] scores).
    pub valid: usize,
    /// Held-out test samples of each pattern.
    pub test: usize,
    /// Passes over the training samples.
    pub epochs: usize,
    /// Samples between two *normalize* commands (when `net.normalize_target > 0`).
    pub normalize_every: usize,
    /// Seed of the orders, delays, weights, samples and noise.
    pub seed: u64,
    /// Test samples recorded in the spike raster.
    pub raster_samples: usize,
    /// The network knobs (`weight_seed` is replaced by `seed`).
    pub net: NetParams,
}

impl Default for TemporalParams {
    /// Chosen with `neurogen learn temporal --sweep` (validation samples only; docs/learning.md).
    fn default() -> Self {
        TemporalParams {
            channels: 8,
            gap: 2,
            patterns: 2,
            copies: 3,
            neurons: 48,
            max_delay: 16,
            jitter: 0.1,
            drop: 0.05,
            p_noise: 0.005,
            tail: 16,
            train: 60,
            label: 20,
            valid: 40,
            test: 50,
            epochs: 2,
            normalize_every: 1,
            seed: 1,
            raster_samples: 8,
            net: NetParams {
                threshold: 200,
                leak_shift: 1,
                v_min: -32768,
                inhibition: 300,
                refractory: 4,
                theta_plus: 20,
                theta_decay_shift: 8,
                init_hi: 100,
                weight_seed: 1,
                stdp: true,
                trace_bits: 8,
                pre_inc: 128,
                post_inc: 64,
                pre_decay_shift: 1,
                post_decay_shift: 1,
                ltp_shift: 3,
                ltd_shift: 3,
                ltp_offset: 2,
                normalize_target: 1200,
            },
        }
    }
}

impl TemporalParams {
    /// Input rows: `channels * copies`.
    pub fn inputs(&self) -> usize {
        self.channels * self.copies
    }

    /// Ticks of one sample: the pattern's span, one tick of jitter, and the tail.
    pub fn ticks(&self) -> usize {
        (self.channels - 1) * self.gap + 2 + self.tail
    }

    /// Check every parameter, naming the bad one.
    pub fn validate(&self) -> Result<()> {
        check_range(WHAT, "channels", self.channels, 2, 64)?;
        check_range(WHAT, "gap", self.gap, 1, 64)?;
        let orders = (1..=self.channels).product::<usize>().min(256);
        check_range(WHAT, "patterns", self.patterns, 2, orders)?;
        check_range(WHAT, "copies", self.copies, 1, 64)?;
        check_range(WHAT, "neurons", self.neurons, 1, 1024)?;
        check_range(WHAT, "max_delay", self.max_delay, 0, 256)?;
        check_probability(WHAT, "jitter", self.jitter)?;
        check_probability(WHAT, "drop", self.drop)?;
        check_probability(WHAT, "p_noise", self.p_noise)?;
        check_range(WHAT, "tail", self.tail, 0, 1024)?;
        check_range(WHAT, "train", self.train, 1, 100_000)?;
        check_range(WHAT, "label", self.label, 1, 100_000)?;
        check_range(WHAT, "valid", self.valid, 1, 100_000)?;
        check_range(WHAT, "test", self.test, 1, 100_000)?;
        check_range(WHAT, "epochs", self.epochs, 1, 100)?;
        check_range(WHAT, "normalize_every", self.normalize_every, 1, 100_000)?;
        check_range(
            WHAT,
            "raster_samples",
            self.raster_samples,
            0,
            self.test * self.patterns,
        )?;
        self.config_unchecked()?;
        Ok(())
    }

    /// The TOML of the network: `net`'s knobs with `weight_seed = seed`, plus the delays.
    pub fn toml(&self) -> String {
        let net = NetParams {
            weight_seed: self.seed,
            ..self.net.clone()
        };
        let toml = net.toml("temporal", self.inputs(), self.neurons);
        if self.max_delay == 0 {
            return toml;
        }
        let delay_seed = (self.seed ^ DELAY_STREAM) & (i64::MAX as u64);
        toml.replacen(
            "[synapse]\n",
            &format!(
                "[synapse]\nmax_delay = {}\ndelay_init = \"uniform\"\ndelay_seed = {delay_seed}\n",
                self.max_delay
            ),
            1,
        )
    }

    fn config_unchecked(&self) -> Result<Config> {
        Config::from_toml_str(&self.toml(), std::path::Path::new("."))
    }

    /// The validated network of the experiment.
    pub fn config(&self) -> Result<Config> {
        self.validate()?;
        self.config_unchecked()
    }

    /// The order of the channels in each pattern (`orders[k][p]`: the channel that fires
    /// `p`-th in pattern k).
    pub fn orders(&self) -> Vec<Vec<usize>> {
        let c = self.channels;
        let mut out: Vec<Vec<usize>> = vec![(0..c).collect(), (0..c).rev().collect()];
        let mut rng = SplitMix64::new(self.seed ^ ORDER_STREAM);
        while out.len() < self.patterns {
            let mut o: Vec<usize> = (0..c).collect();
            shuffle(&mut o, &mut rng);
            if !out.contains(&o) {
                out.push(o);
            }
        }
        out.truncate(self.patterns);
        out
    }
}

/// One sample: its pattern and its events, one list of input rows per tick (ascending).
#[derive(Debug, Clone)]
struct Sample {
    class: usize,
    ticks: Vec<Vec<u32>>,
}

/// `per_class` samples of each pattern, in class order.
fn samples(p: &TemporalParams, orders: &[Vec<usize>], per_class: usize, seed: u64) -> Vec<Sample> {
    let mut rng = SplitMix64::new(seed);
    let n_ticks = p.ticks();
    let mut out = Vec::with_capacity(per_class * orders.len());
    for (class, order) in orders.iter().enumerate() {
        for _ in 0..per_class {
            let mut ticks = vec![Vec::new(); n_ticks];
            for (pos, &ch) in order.iter().enumerate() {
                if rng.chance(p.drop) {
                    continue;
                }
                // one tick of room before the first spike, for a jitter of -1
                let mut t = 1 + pos * p.gap;
                if rng.chance(p.jitter) {
                    t = if rng.chance(0.5) { t - 1 } else { t + 1 };
                }
                ticks[t].push(ch);
            }
            for tick in ticks.iter_mut() {
                for ch in 0..p.channels {
                    if p.p_noise > 0.0 && rng.chance(p.p_noise) {
                        tick.push(ch);
                    }
                }
            }
            let ticks = ticks
                .into_iter()
                .map(|chs| {
                    let mut rows: Vec<u32> = chs
                        .iter()
                        .flat_map(|&ch| (0..p.copies).map(move |r| (ch * p.copies + r) as u32))
                        .collect();
                    rows.sort_unstable();
                    rows.dedup();
                    rows
                })
                .collect();
            out.push(Sample { class, ticks });
        }
    }
    out
}

/// Show one sample after a *clear*; each neuron's spike count.
fn show(net: &mut Network, s: &Sample) -> Vec<u32> {
    net.clear();
    show_frozen(net, s, None)
}

/// Spike counts of `set` with learning off and theta frozen at `theta`.
fn evaluate(
    net: &mut Network,
    set: &[Sample],
    theta: &[i64],
    mut record: Option<(&mut Raster, usize)>,
) -> Vec<Vec<u32>> {
    net.set_learning(false);
    let mut out = Vec::with_capacity(set.len());
    for (n, s) in set.iter().enumerate() {
        net.clear();
        for (i, &th) in theta.iter().enumerate() {
            net.set_state(StateKind::Theta, i, th)
                .expect("theta read from this network");
        }
        let rec = match record.as_mut() {
            Some((r, k)) if n < *k => {
                let mut one = Raster::default();
                let c = show_frozen(net, s, Some(&mut one));
                r.append(&one, Some(s.class));
                c
            }
            _ => show_frozen(net, s, None),
        };
        out.push(rec);
    }
    net.set_learning(true);
    out
}

/// [`show`] without the *clear* (the caller restored theta after its own *clear*).
fn show_frozen(net: &mut Network, s: &Sample, mut raster: Option<&mut Raster>) -> Vec<u32> {
    let mut counts = vec![0u32; net.config().neurons()];
    for ev in &s.ticks {
        let spikes = net.step(ev);
        for &i in spikes {
            counts[i as usize] += 1;
        }
        if let Some(r) = raster.as_deref_mut() {
            let t = r.ticks as u32;
            r.input_events.extend(ev.iter().map(|&j| (t, j)));
            r.spikes.extend(spikes.iter().map(|&i| (t, i)));
            r.ticks += 1;
        }
    }
    counts
}

/// Fraction of `set` classified as its pattern, per pattern, and the predictions.
fn score(
    counts: &[Vec<u32>],
    set: &[Sample],
    labels: &[Option<usize>],
    k: usize,
) -> (Vec<f64>, Vec<Option<usize>>) {
    let mut hits = vec![0usize; k];
    let mut per = vec![0usize; k];
    let mut pred = Vec::with_capacity(set.len());
    for (c, s) in counts.iter().zip(set) {
        let q = classify(c, labels, k);
        per[s.class] += 1;
        hits[s.class] += (q == Some(s.class)) as usize;
        pred.push(q);
    }
    let det = hits
        .iter()
        .zip(&per)
        .map(|(&h, &n)| h as f64 / n.max(1) as f64)
        .collect();
    (det, pred)
}

/// What a temporal run produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemporalResult {
    /// The parameters.
    pub params: TemporalParams,
    /// The channel order of each pattern.
    pub orders: Vec<Vec<usize>>,
    /// Mean detection over the patterns on the held-out test set.
    pub detection: f64,
    /// Detection of each pattern on the test set.
    pub per_pattern: Vec<f64>,
    /// Mean detection on the validation set.
    pub validation: f64,
    /// Mean output spikes per test sample.
    pub spikes_per_sample: f64,
    /// Test samples no labelled neuron answered.
    pub silent: usize,
    /// Each neuron's pattern (`None`: never fired on the labelling set).
    pub neuron_labels: Vec<Option<usize>>,
    /// Learned weights `W[row][neuron]`.
    #[serde(skip)]
    pub weights: Array2<i32>,
    /// The delays `d[row][neuron]` (`None` without delays).
    #[serde(skip)]
    pub delays: Option<Array2<u8>>,
    /// Input and output spikes of the first test samples.
    #[serde(skip)]
    pub raster: Raster,
}

/// Train, label, validate and test in the golden model; `progress(done, total)` after every
/// training sample.
pub fn run(p: &TemporalParams, progress: &mut dyn FnMut(usize, usize)) -> Result<TemporalResult> {
    let cfg = p.config()?;
    let mut net = Network::new(&cfg);
    let orders = p.orders();
    let k = p.patterns;
    let scaling = cfg.stdp.enabled && cfg.stdp.normalize_target > 0;
    let mut rng = SplitMix64::new(p.seed ^ TRAIN_STREAM);
    let total = p.epochs * p.train * k;
    let mut done = 0;
    for _ in 0..p.epochs {
        let set = samples(p, &orders, p.train, rng.next_u64());
        let mut order: Vec<usize> = (0..set.len()).collect();
        shuffle(&mut order, &mut rng);
        for (n, &s) in order.iter().enumerate() {
            show(&mut net, &set[s]);
            if scaling && (n + 1) % p.normalize_every == 0 {
                net.normalize();
            }
            done += 1;
            progress(done, total);
        }
    }
    net.clear();
    let theta = net.theta().to_vec();
    let label_set = samples(p, &orders, p.label, p.seed ^ LABEL_STREAM);
    let label_counts = evaluate(&mut net, &label_set, &theta, None);
    let classes: Vec<Option<usize>> = label_set.iter().map(|s| Some(s.class)).collect();
    let labels = assign_labels(&label_counts, &classes, k, p.neurons);
    let valid_set = samples(p, &orders, p.valid, p.seed ^ VALID_STREAM);
    let valid_counts = evaluate(&mut net, &valid_set, &theta, None);
    let (vdet, _) = score(&valid_counts, &valid_set, &labels, k);
    let mut test_set = samples(p, &orders, p.test, p.seed ^ TEST_STREAM);
    let mut order: Vec<usize> = (0..test_set.len()).collect();
    shuffle(&mut order, &mut SplitMix64::new(p.seed ^ TEST_STREAM ^ 1));
    test_set = order.iter().map(|&i| test_set[i].clone()).collect();
    let mut raster = Raster {
        inputs: p.inputs(),
        neurons: p.neurons,
        neuron_labels: labels.clone(),
        ..Raster::default()
    };
    let test_counts = evaluate(
        &mut net,
        &test_set,
        &theta,
        Some((&mut raster, p.raster_samples)),
    );
    let (det, pred) = score(&test_counts, &test_set, &labels, k);
    raster.sample_predicted = pred.iter().take(p.raster_samples).copied().collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let spikes: u64 = test_counts.iter().flatten().map(|&c| c as u64).sum();
    Ok(TemporalResult {
        params: p.clone(),
        orders,
        detection: mean(&det),
        per_pattern: det,
        validation: mean(&vdet),
        spikes_per_sample: spikes as f64 / test_set.len() as f64,
        silent: pred.iter().filter(|q| q.is_none()).count(),
        neuron_labels: labels,
        weights: net.weights().clone(),
        delays: net.delays(),
        raster,
    })
}

/// One point of the parameter search: the knobs it changed and the mean validation detection
/// over the seeds (test figures are not looked at).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    /// `net.threshold`.
    pub threshold: i64,
    /// `net.leak_shift`.
    pub leak_shift: u32,
    /// `net.ltp_offset`.
    pub ltp_offset: i64,
    /// `copies`.
    pub copies: usize,
    /// Mean validation detection over the seeds, K = each of `ks`.
    pub validation: Vec<f64>,
}

/// The grid of [`sweep`]: thresholds x leak shifts x ltp offsets x copies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepGrid {
    /// `net.threshold` values.
    pub thresholds: Vec<i64>,
    /// `net.leak_shift` values.
    pub leak_shifts: Vec<u32>,
    /// `net.ltp_offset` values.
    pub ltp_offsets: Vec<i64>,
    /// `copies` values.
    pub copies: Vec<usize>,
}

impl Default for SweepGrid {
    fn default() -> Self {
        SweepGrid {
            thresholds: vec![150, 200, 300],
            leak_shifts: vec![1, 2],
            ltp_offsets: vec![2, 4, 6],
            copies: vec![2, 3, 4],
        }
    }
}

/// Run `base` at every grid point for every K in `ks` and seeds `1..=seeds`, on `threads` threads
/// (points are shared out in turn); each point's score is the mean validation detection. The
/// held-out test set of each run is never used.
pub fn sweep(
    base: &TemporalParams,
    grid: &SweepGrid,
    ks: &[usize],
    seeds: u64,
    threads: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<Vec<SweepPoint>> {
    let mut points = Vec::new();
    for &threshold in &grid.thresholds {
        for &leak_shift in &grid.leak_shifts {
            for &ltp_offset in &grid.ltp_offsets {
                for &copies in &grid.copies {
                    points.push((threshold, leak_shift, ltp_offset, copies));
                }
            }
        }
    }
    for &(threshold, leak_shift, ltp_offset, copies) in &points {
        for &k in ks {
            point_params(base, (threshold, leak_shift, ltp_offset, copies), k, 1).validate()?;
        }
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = points.len();
    let threads = threads.clamp(1, total.max(1));
    let eval = |pt: (i64, u32, i64, usize)| -> Result<SweepPoint> {
        let mut validation = Vec::new();
        for &k in ks {
            let mut sum = 0.0;
            for seed in 1..=seeds {
                sum += run(&point_params(base, pt, k, seed), &mut |_, _| {})?.validation;
            }
            validation.push(sum / seeds as f64);
        }
        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress(n, total);
        Ok(SweepPoint {
            threshold: pt.0,
            leak_shift: pt.1,
            ltp_offset: pt.2,
            copies: pt.3,
            validation,
        })
    };
    let mut out: Vec<(usize, Result<SweepPoint>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let points = &points;
                let eval = &eval;
                sc.spawn(move || {
                    (w..points.len())
                        .step_by(threads)
                        .map(|i| (i, eval(points[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("sweep thread"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// `base` at one grid point, K patterns, one seed (no raster).
fn point_params(
    base: &TemporalParams,
    (threshold, leak_shift, ltp_offset, copies): (i64, u32, i64, usize),
    k: usize,
    seed: u64,
) -> TemporalParams {
    TemporalParams {
        patterns: k,
        copies,
        seed,
        raster_samples: 0,
        net: NetParams {
            threshold,
            leak_shift,
            ltp_offset,
            ..base.net.clone()
        },
        ..base.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_fires_every_channel_once_without_noise() {
        // spike counts cannot tell the patterns apart: each channel's rows fire exactly once
        let p = TemporalParams {
            patterns: 4,
            jitter: 0.0,
            drop: 0.0,
            p_noise: 0.0,
            ..TemporalParams::default()
        };
        let orders = p.orders();
        assert_eq!(orders.len(), 4);
        for s in samples(&p, &orders, 2, 7) {
            let mut count = vec![0; p.inputs()];
            for (t, ev) in s.ticks.iter().enumerate() {
                for &r in ev {
                    count[r as usize] += 1;
                    // the channel of row r is at position (t - 1) / gap of its order
                    let ch = r as usize / p.copies;
                    assert_eq!(orders[s.class][(t - 1) / p.gap], ch);
                }
            }
            assert!(count.iter().all(|&c| c == 1), "{count:?}");
        }
    }
}
