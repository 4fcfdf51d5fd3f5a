//! Learning experiments on the golden model: spatial patterns ([`patterns`]) and handwritten
//! digits ([`digits`]), both unsupervised, with what they share: the network knobs, rate coding of
//! one sample, the host's evaluation protocol, labelling by responses, and the spike raster.
//!
//! Key decisions:
//! - Only the chip learns, with the rules of docs/model.md: STDP (with `ltp_offset`), lateral
//!   inhibition, the adaptive threshold theta, refractory periods and synaptic scaling. The host
//!   does only what the host port allows: it chooses the input events, sends *clear* between
//!   samples and *normalize* every few samples, switches learning on and off, counts output spikes,
//!   and reads and writes theta.
//! - Evaluation (labelling and test) runs with learning off and theta frozen: before each sample
//!   the host writes back the theta it read at the end of training, so every sample sees the same
//!   network (Diehl & Cook 2015 also fix theta at test time). The experiments are pure
//!   computation: the same parameters and seed give the same result on every machine.
//! - Labelling is Diehl & Cook's: each neuron takes the class to which it responds most on average
//!   over the training set; a sample is given the class whose neurons fire most on average, or no
//!   class when none of the labelled neurons fires.
//! - The experiments drive a [`Chip`], not the golden [`Network`] directly: the same code (the
//!   same seeds, stimulus, host commands and scoring) runs on the golden model and, through the
//!   co-simulation's lockstep chip, on the generated Verilog (`neurogen learn --hardware`).

pub mod digits;
pub mod feast;
mod layers;
pub mod patterns;
pub mod readout;
pub mod save;
pub mod temporal;

pub use layers::{ChainChip, OneLayer};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::{Network, StateKind};
use crate::rng::SplitMix64;
use ndarray::Array2;
use serde::Serialize;
use std::path::Path;

/// Where a long experiment is: `done` of `total` samples of `stage`.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// What is running, e.g. `"epoch 2/3 train"`.
    pub stage: &'a str,
    /// Samples done in this stage.
    pub done: usize,
    /// Samples in this stage.
    pub total: usize,
}

/// A weight matrix `W[input][neuron]` as the host reads it.
pub type Weights = Array2<i32>;

/// The array as the host of an experiment sees it: one tick at a time, the host port's commands,
/// and theta read and written back. The golden [`Network`] is one; the co-simulation's lockstep
/// chip (`cosim::driver::Lockstep`) is another, which runs the generated Verilog tick by tick
/// against a golden model.
pub trait Chip {
    /// Neurons of the array.
    fn neurons(&self) -> usize;
    /// Run one tick with these input events (ascending); the output spikes of the tick.
    fn step(&mut self, events: &[u32]) -> &[u32];
    /// The host's *clear* command.
    fn clear(&mut self);
    /// The host's *normalize* command.
    fn normalize(&mut self);
    /// The learning-enable register.
    fn set_learning(&mut self, on: bool);
    /// Host read of every neuron's theta.
    fn theta(&mut self) -> Vec<i64>;
    /// Host write of neuron `i`'s theta (a value read from the same array).
    fn set_theta(&mut self, i: usize, theta: i64);
    /// Host read of the weight matrix `W[input][neuron]`.
    fn weights(&mut self) -> Weights;
    /// Run one tick with these input events and the teacher's list of the tick (the teacher
    /// stream; docs/model.md, "Teach mode"); the output spikes of the tick.
    fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32];
    /// The teach-mode register.
    fn set_teach(&mut self, on: bool);
    /// Host write of every weight `W[input][neuron]` (values within the array's weight range).
    fn set_weights(&mut self, w: &Weights);
}

impl Chip for Network {
    fn neurons(&self) -> usize {
        self.config().neurons()
    }

    fn step(&mut self, events: &[u32]) -> &[u32] {
        Network::step(self, events)
    }

    fn clear(&mut self) {
        Network::clear(self)
    }

    fn normalize(&mut self) {
        Network::normalize(self)
    }

    fn set_learning(&mut self, on: bool) {
        Network::set_learning(self, on)
    }

    fn theta(&mut self) -> Vec<i64> {
        Network::theta(self).to_vec()
    }

    fn set_theta(&mut self, i: usize, theta: i64) {
        self.set_state(StateKind::Theta, i, theta)
            .expect("theta read from the same network is in range");
    }

    fn weights(&mut self) -> Weights {
        Network::weights(self).clone()
    }

    fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        Network::step_taught(self, events, teach)
    }

    fn set_teach(&mut self, on: bool) {
        Network::set_teach(self, on)
    }

    fn set_weights(&mut self, w: &Weights) {
        Network::set_weights(self, w).expect("weights within the array's range");
    }
}

/// The network knobs of an experiment: every config key (docs/formats.md) it sets (all others default).
///
/// The rule sets of the experiments switch features off on top of these (see
/// [`digits::RuleSet`]); [`NetParams::config`] turns them into a validated [`Config`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetParams {
    /// `neuron.threshold`.
    pub threshold: i64,
    /// `neuron.leak_shift`.
    pub leak_shift: u32,
    /// `neuron.v_min` (a floor below 0 lets inhibition push v down).
    pub v_min: i64,
    /// `neuron.inhibition`.
    pub inhibition: i64,
    /// `neuron.refractory`.
    pub refractory: u32,
    /// `neuron.theta_plus`.
    pub theta_plus: i64,
    /// `neuron.theta_decay_shift`.
    pub theta_decay_shift: u32,
    /// `synapse.init_hi` (initial weights uniform in `0..=init_hi`, 8-bit unsigned weights).
    pub init_hi: i64,
    /// `synapse.seed`.
    pub weight_seed: u64,
    /// `stdp.enabled`.
    pub stdp: bool,
    /// `stdp.trace_bits`.
    pub trace_bits: u32,
    /// `stdp.pre_inc`.
    pub pre_inc: i64,
    /// `stdp.post_inc`.
    pub post_inc: i64,
    /// `stdp.pre_decay_shift`.
    pub pre_decay_shift: u32,
    /// `stdp.post_decay_shift`.
    pub post_decay_shift: u32,
    /// `stdp.ltp_shift`.
    pub ltp_shift: u32,
    /// `stdp.ltd_shift`.
    pub ltd_shift: u32,
    /// `stdp.ltp_offset`.
    pub ltp_offset: i64,
    /// `stdp.normalize_target`: the weight sum per neuron the host's *normalize* scales to
    /// (0 = no scaling).
    pub normalize_target: i64,
}

impl NetParams {
    /// The TOML of this network with `inputs` inputs and `neurons` neurons.
    pub fn toml(&self, name: &str, inputs: usize, neurons: usize) -> String {
        let lanes = [8, 4, 2, 1]
            .into_iter()
            .find(|l| neurons.is_multiple_of(*l))
            .unwrap_or(1);
        format!(
            "name = \"{name}\"\n\
             [array]\ninputs = {inputs}\nneurons = {neurons}\nlanes = {lanes}\n\
             [neuron]\nthreshold = {}\nleak_shift = {}\nv_min = {}\ninhibition = {}\n\
             refractory = {}\ntheta_plus = {}\ntheta_decay_shift = {}\n\
             [synapse]\nweight_bits = 8\ninit = \"uniform\"\ninit_lo = 0\ninit_hi = {}\nseed = {}\n\
             [stdp]\nenabled = {}\ntrace_bits = {}\npre_inc = {}\npost_inc = {}\npre_decay_shift = {}\n\
             post_decay_shift = {}\nltp_shift = {}\nltd_shift = {}\nltp_offset = {}\n\
             normalize_target = {}\nnormalize_every = 0\n",
            self.threshold,
            self.leak_shift,
            self.v_min,
            self.inhibition,
            self.refractory,
            self.theta_plus,
            self.theta_decay_shift,
            self.init_hi,
            self.weight_seed,
            self.stdp,
            self.trace_bits,
            self.pre_inc,
            self.post_inc,
            self.pre_decay_shift,
            self.post_decay_shift,
            self.ltp_shift,
            self.ltd_shift,
            self.ltp_offset,
            self.normalize_target,
        )
    }

    /// The validated config; a knob out of range is reported with its config key.
    pub fn config(&self, name: &str, inputs: usize, neurons: usize) -> Result<Config> {
        Config::from_toml_str(&self.toml(name, inputs, neurons), Path::new("."))
    }
}

/// An error naming an experiment parameter (`what`: `"digits"` or `"patterns"`).
pub(crate) fn param_error(what: &str, name: &str, message: impl std::fmt::Display) -> Error {
    Error::Range {
        message: format!("{what}: {name}: {message}"),
    }
}

/// Check that `v` is in `lo..=hi`, naming the parameter.
pub(crate) fn check_range<T>(what: &str, name: &str, v: T, lo: T, hi: T) -> Result<()>
where
    T: PartialOrd + std::fmt::Display + Copy,
{
    if v < lo || v > hi {
        Err(param_error(
            what,
            name,
            format!("{v} is out of range: allowed {lo}..={hi}"),
        ))
    } else {
        Ok(())
    }
}

/// Check that `cfg`, a given network, fits experiment `what`: a LIF network (the host reads and
/// writes theta) of `inputs` inputs and `neurons` neurons.
pub(crate) fn check_network(what: &str, cfg: &Config, inputs: usize, neurons: usize) -> Result<()> {
    let bad = |m: String| param_error(what, "network", m);
    if cfg.layer_count() > 1 {
        return Err(bad(format!(
            "`{}` has {} layers: the experiments train one layer",
            cfg.name,
            cfg.layer_count()
        )));
    }
    if cfg.lif().is_none() {
        return Err(bad(format!(
            "`{}` has neuron.model = \"cuba\": the experiments need \"lif\" (the host reads and \
             writes the adaptive threshold theta)",
            cfg.name
        )));
    }
    if cfg.array.inputs as usize != inputs {
        return Err(bad(format!(
            "`{}` has array.inputs = {}, the experiment has {inputs} input channels",
            cfg.name, cfg.array.inputs
        )));
    }
    if cfg.neurons() != neurons {
        return Err(bad(format!(
            "`{}` has array.neurons = {}, the experiment asks for {neurons}",
            cfg.name,
            cfg.neurons()
        )));
    }
    Ok(())
}

/// Check that `p` is a probability.
pub(crate) fn check_probability(what: &str, name: &str, p: f64) -> Result<()> {
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(param_error(
            what,
            name,
            format!("{p} must be a probability in 0..=1"),
        ))
    }
}

/// Input events and output spikes of a stretch of samples, for a raster plot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Raster {
    /// Input channels (rows of the input part).
    pub inputs: usize,
    /// Neurons (rows of the output part).
    pub neurons: usize,
    /// Ticks recorded.
    pub ticks: usize,
    /// `(tick, channel)` of every input event.
    pub input_events: Vec<(u32, u32)>,
    /// `(tick, neuron)` of every output spike.
    pub spikes: Vec<(u32, u32)>,
    /// First tick of each sample.
    pub sample_starts: Vec<usize>,
    /// The true class of each sample (`None`: a noise-only sample).
    pub sample_labels: Vec<Option<usize>>,
    /// The neurons' labels.
    pub neuron_labels: Vec<Option<usize>>,
    /// The class each recorded sample was classified as (`None`: no class, or no pattern), set
    /// after the test is scored; empty when the experiment did not classify.
    pub sample_predicted: Vec<Option<usize>>,
}

impl Raster {
    /// Append the recording of one sample (`sample`, ticks from 0) as the next sample.
    pub(crate) fn append(&mut self, sample: &Raster, label: Option<usize>) {
        let t0 = self.ticks as u32;
        self.sample_starts.push(self.ticks);
        self.sample_labels.push(label);
        self.input_events
            .extend(sample.input_events.iter().map(|&(t, j)| (t + t0, j)));
        self.spikes
            .extend(sample.spikes.iter().map(|&(t, i)| (t + t0, i)));
        self.ticks += sample.ticks;
    }
}

/// Present one sample for `ticks` ticks: channel `j` fires in a tick with probability `probs[j]`
/// (events ascending). Adds each neuron's spikes to `counts`, records into `raster` if given, and
/// returns the number of output spikes.
pub(crate) fn present<C: Chip + ?Sized>(
    net: &mut C,
    probs: &[f64],
    ticks: usize,
    rng: &mut SplitMix64,
    counts: &mut [u32],
    raster: Option<&mut Raster>,
) -> u32 {
    present_limited(net, probs, ticks, rng, counts, raster, None)
}

/// [`present`] with a learning budget: when `learn_left` is given, each output spike uses one,
/// and once it is used up the host switches learning off (the learning-enable register) after
/// that tick, for the rest of the sample.
pub(crate) fn present_limited<C: Chip + ?Sized>(
    net: &mut C,
    probs: &[f64],
    ticks: usize,
    rng: &mut SplitMix64,
    counts: &mut [u32],
    mut raster: Option<&mut Raster>,
    mut learn_left: Option<&mut u32>,
) -> u32 {
    let mut events = Vec::with_capacity(probs.len());
    let mut total = 0;
    for _ in 0..ticks {
        events.clear();
        for (j, &p) in probs.iter().enumerate() {
            if p > 0.0 && rng.chance(p) {
                events.push(j as u32);
            }
        }
        let spikes = net.step(&events);
        for &i in spikes {
            counts[i as usize] += 1;
        }
        let fired = spikes.len() as u32;
        total += fired;
        if let Some(r) = raster.as_deref_mut() {
            let t = r.ticks as u32;
            r.input_events.extend(events.iter().map(|&j| (t, j)));
            r.spikes.extend(spikes.iter().map(|&i| (t, i)));
            r.ticks += 1;
        }
        if let Some(left) = learn_left.as_deref_mut()
            && *left > 0
        {
            *left = left.saturating_sub(fired);
            if *left == 0 {
                net.set_learning(false);
            }
        }
    }
    total
}

/// How the host shows one sample: for `ticks` ticks after a reset; a sample that makes fewer
/// than `min_spikes` output spikes is shown again (after another reset) with its probabilities
/// multiplied by 1.5, 2, 2.5, ..., at most `max_boosts` times (Diehl & Cook's rule).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Showing {
    pub ticks: usize,
    pub min_spikes: u32,
    pub max_boosts: u32,
}

/// The rate factor of boost number `b`.
pub(crate) fn boost_factor(b: u32) -> f64 {
    1.0 + 0.5 * b as f64
}

/// A sample source: the spike probability of each channel of sample `k` at rate factor `f`.
pub(crate) type Probs<'a> = &'a dyn Fn(usize, f64) -> Vec<f64>;

/// Figures of one training pass.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TrainPass {
    /// Output spikes, boosted attempts included.
    pub spikes: u64,
    /// Samples that needed a boost.
    pub boosted: usize,
}

/// One training pass over `order` with learning on: *clear* before each attempt, *normalize*
/// after every `normalize_every` samples when `normalize_every > 0`; with `learn_spikes`, learning
/// is switched off after a sample's `learn_spikes`-th output spike (over its attempts) and on
/// again before the *normalize* and the next sample.
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_pass<C: Chip + ?Sized>(
    net: &mut C,
    order: &[usize],
    probs: Probs,
    how: Showing,
    normalize_every: usize,
    learn_spikes: Option<u32>,
    rng: &mut SplitMix64,
    stage: &str,
    progress: &mut dyn FnMut(Progress),
) -> TrainPass {
    let mut counts = vec![0u32; net.neurons()];
    let mut pass = TrainPass::default();
    let mut spikes = 0u64;
    for (n, &k) in order.iter().enumerate() {
        // The spikes of the attempts that did not count are part of training too.
        let mut boost = 0;
        // with a budget, learning is on from the image's first tick until its
        // `learn_spikes`-th output spike (over all its attempts)
        let mut left = learn_spikes.map(|l| l.max(1));
        loop {
            net.clear();
            counts.fill(0);
            let p = probs(k, boost_factor(boost));
            let s = present_limited(net, &p, how.ticks, rng, &mut counts, None, left.as_mut());
            spikes += s as u64;
            if s >= how.min_spikes || boost >= how.max_boosts {
                break;
            }
            boost += 1;
        }
        pass.boosted += (boost > 0) as usize;
        if left == Some(0) {
            net.set_learning(true);
        }
        if normalize_every > 0 && (n + 1) % normalize_every == 0 {
            net.normalize();
        }
        if n % 50 == 49 || n + 1 == order.len() {
            progress(Progress {
                stage,
                done: n + 1,
                total: order.len(),
            });
        }
    }
    net.clear();
    pass.spikes = spikes;
    pass
}

/// Where [`responses`] records the first samples it shows, for a raster plot.
pub(crate) struct Recording<'a> {
    /// The raster the samples are appended to.
    pub raster: &'a mut Raster,
    /// How many of the first samples are recorded.
    pub samples: usize,
    /// The true class of a sample, for the plot.
    pub label: &'a dyn Fn(usize) -> Option<usize>,
}

/// Spike counts of `samples` with learning off and theta frozen (written back before each
/// sample, and before each boosted attempt); the evaluation spike trains come from `seed`, so
/// every evaluation of a run sees the same trains.
#[allow(clippy::too_many_arguments)]
pub(crate) fn responses<C: Chip + ?Sized>(
    net: &mut C,
    samples: &[usize],
    probs: Probs,
    how: Showing,
    seed: u64,
    stage: &str,
    progress: &mut dyn FnMut(Progress),
    mut record: Option<Recording>,
) -> Vec<Vec<u32>> {
    let frozen = Frozen::new(net);
    let mut rng = SplitMix64::new(seed);
    let n_neurons = net.neurons();
    let mut out = Vec::with_capacity(samples.len());
    for (n, &k) in samples.iter().enumerate() {
        let mut counts = vec![0u32; n_neurons];
        let recording = record.as_ref().is_some_and(|r| n < r.samples);
        let mut boost = 0;
        let shown = loop {
            frozen.restore(net);
            counts.fill(0);
            let mut shown = recording.then(Raster::default);
            let p = probs(k, boost_factor(boost));
            let s = present(net, &p, how.ticks, &mut rng, &mut counts, shown.as_mut());
            if s >= how.min_spikes || boost >= how.max_boosts {
                break shown;
            }
            boost += 1;
        };
        if let (Some(shown), Some(r)) = (shown, record.as_mut()) {
            r.raster.append(&shown, (r.label)(k));
        }
        out.push(counts);
        if n % 50 == 49 || n + 1 == samples.len() {
            progress(Progress {
                stage,
                done: n + 1,
                total: samples.len(),
            });
        }
    }
    frozen.thaw(net);
    out
}

/// Mean of `f` over the samples' spike counts.
pub(crate) fn mean_of(counts: &[Vec<u32>], f: impl Fn(&[u32]) -> f64) -> f64 {
    counts.iter().map(|c| f(c)).sum::<f64>() / counts.len().max(1) as f64
}

/// Fisher-Yates shuffle with the project's generator.
pub(crate) fn shuffle(v: &mut [usize], rng: &mut SplitMix64) {
    for k in (1..v.len()).rev() {
        let r = rng.below(k as u64 + 1) as usize;
        v.swap(k, r);
    }
}

/// The host's view of a trained network during evaluation: learning off, theta frozen.
pub(crate) struct Frozen {
    theta: Vec<i64>,
}

impl Frozen {
    /// Switch learning off and remember theta.
    pub(crate) fn new<C: Chip + ?Sized>(net: &mut C) -> Frozen {
        net.set_learning(false);
        Frozen { theta: net.theta() }
    }

    /// *clear*, then write the remembered theta back (before each evaluation sample).
    pub(crate) fn restore<C: Chip + ?Sized>(&self, net: &mut C) {
        net.clear();
        for (i, &th) in self.theta.iter().enumerate() {
            net.set_theta(i, th);
        }
    }

    /// Restore theta and switch learning back on (end of evaluation).
    pub(crate) fn thaw<C: Chip + ?Sized>(self, net: &mut C) {
        self.restore(net);
        net.set_learning(true);
    }
}

/// Each neuron's label: the class with the highest mean response over the samples of that class
/// (`counts[s][i]`: spikes of neuron i for sample s), or `None` for a neuron that never fired.
/// Samples whose label is `None` are ignored.
pub fn assign_labels(
    counts: &[Vec<u32>],
    labels: &[Option<usize>],
    classes: usize,
    neurons: usize,
) -> Vec<Option<usize>> {
    let mut sum = vec![vec![0u64; classes]; neurons];
    let mut per_class = vec![0u64; classes];
    for (c, l) in counts.iter().zip(labels) {
        let Some(l) = *l else { continue };
        per_class[l] += 1;
        for (i, &n) in c.iter().enumerate() {
            sum[i][l] += n as u64;
        }
    }
    sum.iter()
        .map(|s| {
            let mut best: Option<(usize, f64)> = None;
            for k in 0..classes {
                if per_class[k] == 0 || s[k] == 0 {
                    continue;
                }
                let mean = s[k] as f64 / per_class[k] as f64;
                if best.is_none_or(|(_, b)| mean > b) {
                    best = Some((k, mean));
                }
            }
            best.map(|(k, _)| k)
        })
        .collect()
}

/// The class of one sample from its spike counts: the class whose labelled neurons fire most on
/// average; `None` when no labelled neuron fired. Ties go to the lower class.
pub fn classify(counts: &[u32], neuron_labels: &[Option<usize>], classes: usize) -> Option<usize> {
    let mut sum = vec![0u64; classes];
    let mut members = vec![0u64; classes];
    for (&n, l) in counts.iter().zip(neuron_labels) {
        if let Some(l) = *l {
            sum[l] += n as u64;
            members[l] += 1;
        }
    }
    let mut best: Option<(usize, f64)> = None;
    for k in 0..classes {
        if sum[k] == 0 {
            continue;
        }
        let mean = sum[k] as f64 / members[k] as f64;
        if best.is_none_or(|(_, b)| mean > b) {
            best = Some((k, mean));
        }
    }
    best.map(|(k, _)| k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_highest_mean_response() {
        // neuron 0 answers class 1, neuron 1 class 0, neuron 2 never fires
        let counts = vec![vec![0, 3, 0], vec![5, 0, 0], vec![4, 1, 0]];
        let labels = vec![Some(0), Some(1), Some(1)];
        let l = assign_labels(&counts, &labels, 2, 3);
        assert_eq!(l, vec![Some(1), Some(0), None]);
        assert_eq!(classify(&[0, 2, 9], &l, 2), Some(0));
        assert_eq!(classify(&[1, 0, 9], &l, 2), Some(1));
        assert_eq!(classify(&[0, 0, 9], &l, 2), None);
    }
}
