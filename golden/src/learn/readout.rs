//! Supervised digits (issue 15): the unsupervised hidden layer of [`super::digits`] followed by a
//! readout of one neuron per class trained on chip by the teacher, as in the symmetric-STDP
//! paper (Hao et al., 2020): the label neuron fires a seeded Poisson train, the other readout
//! neurons are silent (teach mode), and symmetric STDP potentiates the synapses from the hidden
//! neurons that fire near the teacher's spikes.
//!
//! Key decisions:
//! - Schedule: the hidden layer is trained first, exactly as `learn digits --rules full` (same
//!   parameters, seed, split and epochs), which also gives the unsupervised accuracy with
//!   labelling of the same network on the same split; then the hidden layer is frozen (learning
//!   off, theta restored before every image as in the labelling pass) and the readout is trained
//!   for [`ReadoutParams::epochs`] passes over the training images. Training both at once would
//!   teach the readout on hidden codes that still move.
//! - While the readout trains and tests, the frozen hidden layer may run with a weaker lateral
//!   inhibition ([`ReadoutParams::hidden_inhibition`]) so that more than one hidden neuron answers
//!   an image; its weights and theta are the trained ones.
//! - The readout is a second array (`hidden` inputs, 10 neurons, no inhibition) fed tick by tick
//!   with the hidden layer's spikes of the same tick, like a two-layer [`crate::chain::Chain`].
//! - Its rule is `rule = "symmetric"` with `post_inc = 0`: each teacher spike adds `(x[j] >>
//!   ltp_shift) - ltp_offset` to the weights from every hidden neuron j (clipped to 0..=255), so
//!   weights from hidden neurons that fire with the label grow and the others decay by the offset.
//! - The readout resets by subtraction, so its spike count follows its summed weighted input.
//! - Class: after teach mode and learning are off, the readout neuron with the most spikes. No
//!   spike, or a tie between the most active readout neurons, gives no class (counted wrong).

use super::digits::{CLASSES, Dataset, DigitsParams, DigitsResult, RuleSet, run_on};
use super::{Frozen, Progress, param_error, shuffle};
use crate::config::Config;
use crate::error::Result;
use crate::model::Network;
use crate::rng::SplitMix64;
use serde::Serialize;

mod baseline;
mod chip;
pub use baseline::{baseline_grid, baseline_params};
pub use chip::{Chips, GoldenChips, run_supervised_on, train_hidden_on, train_readout_on};

const WHAT: &str = "digits --rules supervised";
/// Seed offset of the readout's training order, input and teacher trains.
const READOUT_STREAM: u64 = 0x5EED_4EAD_0000_0015;
/// Seed offset of the readout's evaluation trains.
const READOUT_EVAL_STREAM: u64 = 0x5EED_4EAD_E7A1_0015;
/// Seed offset of the teacher's Poisson trains.
const TEACH_STREAM: u64 = 0x5EED_7EAC_0000_0015;

/// Unsupervised epochs of the hidden layer in `learn digits --rules supervised` (chosen with
/// the readout by [`readout_sweep`]: 6 epochs beat 3 on the validation part).
pub const HIDDEN_EPOCHS: usize = 6;

/// Learning budget of the hidden layer's epochs in `learn digits --rules supervised`
/// ([`DigitsParams::learn_spikes`]; empty: learning on for every tick, no annealing).
pub const HIDDEN_LEARN_SPIKES: &[u32] = &[];

/// A training schedule of the hidden layer that [`readout_sweep`] tries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HiddenSchedule {
    /// Unsupervised epochs.
    pub epochs: usize,
    /// Learning budget per epoch ([`DigitsParams::learn_spikes`]).
    pub learn_spikes: Vec<u32>,
}

/// When the host scales the readout's weights (*normalize*, synaptic scaling of every readout
/// neuron's weight sum to [`ReadoutParams::normalize_target`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scaling {
    /// Never.
    Off,
    /// After every training image (depression through scaling, as in the sym-STDP paper).
    EveryImage,
    /// Once, after the last training image: the weights are the teacher's coincidence counts
    /// until then, and scaling makes every class's weight sum equal.
    AtEnd,
}

/// Parameters of the readout layer and its teacher.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadoutParams {
    /// Passes of readout training over the training images (hidden layer frozen).
    pub epochs: usize,
    /// Rate of the teacher's Poisson train on the label neuron, in Hz (1 tick = 1 ms).
    pub teach_rate: f64,
    /// Readout threshold.
    pub threshold: i64,
    /// Readout leak shift.
    pub leak_shift: u32,
    /// Lateral inhibition between the readout neurons (acts only out of teach mode, at test).
    pub inhibition: i64,
    /// Presynaptic trace increment.
    pub pre_inc: i64,
    /// Presynaptic trace decay shift.
    pub pre_decay_shift: u32,
    /// Potentiation shift (`W += (x >> ltp_shift) - ltp_offset` per teacher spike).
    pub ltp_shift: u32,
    /// Subtracted from each potentiation: weights from hidden neurons silent near the teacher's
    /// spikes decay.
    pub ltp_offset: i64,
    /// When the host sends *normalize* to the readout.
    pub scaling: Scaling,
    /// Synaptic scaling target of the readout: each readout neuron's weight sum after a
    /// *normalize* (0 only with [`Scaling::Off`]).
    pub normalize_target: i64,
    /// Lateral inhibition of the frozen hidden layer while the readout trains and tests (the
    /// hidden layer trains with the `full` rule set's); `None`: unchanged.
    pub hidden_inhibition: Option<i64>,
    /// Ticks each image is shown while the readout trains and tests (the hidden layer trains
    /// with the digits run's `ticks`).
    pub ticks: usize,
    /// Spike probability per tick of a pixel of 16 while the readout trains and tests.
    pub rate: f64,
    /// Races per image: the image's `ticks` are shown as this many windows of equal length,
    /// each after a *clear* of both layers with the hidden layer's theta written back, so the
    /// hidden layer's winner-take-all race is run again (the counts add up over the windows).
    pub windows: usize,
}

impl Default for ReadoutParams {
    fn default() -> Self {
        // chosen by `neurogen learn digits --rules supervised --sweep --sweep-seeds 2,3,4` on a
        // validation part of the training set, then `windows` by `--sweep --sweep-readout
        // windows --sweep-seeds 1,2,3,4,5` (and the grid re-run around it; docs/learning.md)
        ReadoutParams {
            epochs: 1,
            teach_rate: 200.0,
            threshold: 16,
            leak_shift: 6,
            inhibition: 0,
            pre_inc: 128,
            pre_decay_shift: 2,
            ltp_shift: 7,
            ltp_offset: 0,
            scaling: Scaling::AtEnd,
            normalize_target: 2000,
            hidden_inhibition: None,
            ticks: 400,
            rate: 0.75,
            windows: 5,
        }
    }
}

impl ReadoutParams {
    /// The readout parameters chosen for `front` (by [`readout_sweep`] over [`sweep_grid`] for
    /// the trained front, over [`baseline_grid`] for a baseline).
    pub fn for_front(front: Front) -> ReadoutParams {
        match front {
            Front::Trained => ReadoutParams::default(),
            // each baseline's own readout, searched on the validation part (baseline.rs)
            Front::Random | Front::Inputs => {
                baseline_params(front).expect("a baseline front has its own readout")
            }
        }
    }

    /// The readout network: `hidden` inputs, one neuron per class, teach mode on at reset,
    /// 8-bit weights from 0, symmetric STDP with potentiation only.
    pub fn config(&self, hidden: usize) -> Result<Config> {
        Config::from_toml_str(&self.toml(hidden), std::path::Path::new("."))
    }

    /// The TOML of [`ReadoutParams::config`].
    pub fn toml(&self, hidden: usize) -> String {
        format!(
            "name = \"digits_readout\"\n[array]\ninputs = {hidden}\nneurons = {CLASSES}\n\
             teach = true\n[neuron]\nthreshold = {}\nleak_shift = {}\nreset = \"subtract\"\n\
             inhibition = {}\n\
             [synapse]\nweight_bits = 8\ninit = \"constant\"\ninit_value = 0\n\
             [stdp]\nrule = \"symmetric\"\ntrace_bits = 8\npre_inc = {}\npost_inc = 0\n\
             pre_decay_shift = {}\nltp_shift = {}\nltp_offset = {}\n\
             normalize_target = {}\nnormalize_every = 0\n",
            self.threshold,
            self.leak_shift,
            self.inhibition,
            self.pre_inc,
            self.pre_decay_shift,
            self.ltp_shift,
            self.ltp_offset,
            self.normalize_target
        )
    }

    fn validate(&self) -> Result<()> {
        if !(1..=100).contains(&self.epochs) {
            return Err(param_error(
                WHAT,
                "readout epochs",
                format!("{}: allowed 1..=100", self.epochs),
            ));
        }
        if !(0.0..=1000.0).contains(&self.teach_rate) {
            return Err(param_error(
                WHAT,
                "teach_rate",
                format!("{} Hz: allowed 0..=1000 (1 tick = 1 ms)", self.teach_rate),
            ));
        }
        if !(1..=10_000).contains(&self.ticks) {
            return Err(param_error(
                WHAT,
                "readout ticks",
                format!("{}: allowed 1..=10000", self.ticks),
            ));
        }
        if self.windows == 0 || !self.ticks.is_multiple_of(self.windows) {
            return Err(param_error(
                WHAT,
                "readout windows",
                format!(
                    "{}: must divide the readout's {} ticks per image",
                    self.windows, self.ticks
                ),
            ));
        }
        if !(self.rate > 0.0 && self.rate <= 1.0) {
            return Err(param_error(
                WHAT,
                "readout rate",
                format!("{}: allowed above 0, at most 1", self.rate),
            ));
        }
        if (self.scaling == Scaling::Off) != (self.normalize_target == 0) {
            return Err(param_error(
                WHAT,
                "readout normalize_target",
                format!(
                    "{} with scaling {:?}: a target above 0 needs scaling, scaling needs one",
                    self.normalize_target, self.scaling
                ),
            ));
        }
        Ok(())
    }
}

/// The result of a supervised run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupervisedResult {
    /// What the readout read.
    pub front: Front,
    /// The taught readout on the test images.
    pub test: ReadoutRun,
    /// Test accuracy of the same hidden layer with labelling (unsupervised `learn digits`);
    /// `None` without a hidden layer.
    pub unsupervised_accuracy: Option<f64>,
    /// Accuracy of an untaught readout (the control: teacher off, same training otherwise).
    pub untaught_accuracy: f64,
    /// The hidden layer's unsupervised run: its learned weights `W[pixel][neuron]`, theta,
    /// labels, test raster and accuracy per epoch (none for [`Front::Inputs`]).
    #[serde(skip)]
    pub hidden: Option<DigitsResult>,
}

/// A trained readout and its score on the images it was tested on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadoutRun {
    /// Accuracy (fraction of the tested images).
    pub accuracy: f64,
    /// Images given no class (no spike or a tie).
    pub unanswered: usize,
    /// Of those, ties between readout neurons that fired.
    pub ties: usize,
    /// `confusion[true][predicted]` (unanswered images left out).
    pub confusion: Vec<Vec<u32>>,
    /// Unanswered images per true class.
    pub unanswered_by_class: Vec<u32>,
    /// Teacher spikes during readout training.
    pub teacher_spikes: u64,
    /// Mean readout spikes per tested image.
    pub test_spikes: f64,
    /// The readout's learned weights `W[hidden][class]`.
    #[serde(skip)]
    pub weights: super::Weights,
}

/// What the readout reads: the experiment's trained hidden layer or one of the baselines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Front {
    /// 100 hidden neurons trained without labels as `learn digits --rules full`, then frozen.
    Trained,
    /// The baseline of a frozen random hidden layer: the `fixed` rule set's network and epochs
    /// (random weights, STDP off; inhibition and theta act while it runs), then frozen.
    Random,
    /// The baseline without a hidden layer: the readout reads the 64 inputs.
    Inputs,
}

impl Front {
    /// Every front, the experiment first.
    pub const ALL: [Front; 3] = [Front::Trained, Front::Random, Front::Inputs];

    /// The short name (`trained`, `random`, `inputs`).
    pub fn name(self) -> &'static str {
        match self {
            Front::Trained => "trained",
            Front::Random => "random",
            Front::Inputs => "inputs",
        }
    }
}

/// The layer in front of the readout: a frozen hidden layer (with its labelling result), or
/// none (the readout reads the inputs).
pub struct Hidden {
    layer: Option<(Network, Frozen, DigitsParams)>,
    /// The unsupervised run of the hidden layer (labelling accuracy on the test split); `None`
    /// without a hidden layer.
    pub unsupervised: Option<DigitsResult>,
}

impl Hidden {
    /// No hidden layer: the readout reads the inputs.
    const NONE: Hidden = Hidden {
        layer: None,
        unsupervised: None,
    };
}

impl Clone for Hidden {
    fn clone(&self) -> Self {
        Hidden {
            layer: self.layer.as_ref().map(|(n, f, p)| {
                (
                    n.clone(),
                    Frozen {
                        theta: f.theta.clone(),
                    },
                    p.clone(),
                )
            }),
            unsupervised: self.unsupervised.clone(),
        }
    }
}

/// Train the front of `p` (seed, split and epochs of `p`; for [`Front::Trained`] the `full`
/// rule set's network of `p`, for [`Front::Random`] the `fixed` rule set's) and freeze it.
pub fn train_hidden(
    data: &Dataset,
    p: &DigitsParams,
    front: Front,
    progress: &mut dyn FnMut(Progress),
) -> Result<Hidden> {
    let Some(p) = front_params(data, p, front)? else {
        return Ok(Hidden::NONE);
    };
    let mut net = Network::new(&p.config()?);
    let unsupervised = run_on(data, &p, &mut net, progress)?;
    let frozen = Frozen::new(&mut net);
    Ok(Hidden {
        layer: Some((net, frozen, p)),
        unsupervised: Some(unsupervised),
    })
}

/// The hidden layer's parameters for `front` (of `p`: its seed, split, epochs, neurons and
/// raster; for [`Front::Trained`] the `full` rule set's network, for [`Front::Random`] the
/// `fixed` rule set's), validated for `data`; none for [`Front::Inputs`].
fn front_params(data: &Dataset, p: &DigitsParams, front: Front) -> Result<Option<DigitsParams>> {
    let hp = match front {
        Front::Inputs => None,
        Front::Trained => Some(DigitsParams {
            rules: RuleSet::Full,
            ..p.clone()
        }),
        Front::Random => Some(DigitsParams {
            neurons: p.neurons,
            train: p.train,
            test: p.test,
            seed: p.seed,
            raster_images: p.raster_images,
            net: super::NetParams {
                weight_seed: p.net.weight_seed,
                ..DigitsParams::for_rules(RuleSet::Fixed).net
            },
            ..DigitsParams::for_rules(RuleSet::Fixed)
        }),
    };
    if let Some(hp) = &hp {
        hp.validate(data.len())?;
    }
    Ok(hp)
}

impl Hidden {
    /// Inputs of the readout: the hidden neurons, or the pixels without a hidden layer.
    pub fn outputs(&self) -> usize {
        self.layer
            .as_ref()
            .map_or(super::digits::PIXELS, |(n, ..)| n.config().neurons())
    }

    /// The frozen hidden layer with its lateral inhibition set to `inhibition` (weights and
    /// theta unchanged).
    fn with_inhibition(&self, inhibition: i64) -> Result<Hidden> {
        let Some((net, frozen, hp)) = &self.layer else {
            return Ok(self.clone());
        };
        let q = DigitsParams {
            net: super::NetParams {
                inhibition,
                ..hp.net.clone()
            },
            ..hp.clone()
        };
        let mut changed = Network::new(&q.config()?);
        changed.set_weights(net.weights())?;
        changed.set_learning(false);
        Ok(Hidden {
            layer: Some((
                changed,
                Frozen {
                    theta: frozen.theta.clone(),
                },
                q,
            )),
            unsupervised: self.unsupervised.clone(),
        })
    }

    /// Show an image (spike probabilities `probs`) to the frozen front for `ticks` ticks, in
    /// windows of `window` ticks (each after a *clear* and theta written back): the readout's
    /// input events of every tick.
    fn train_of(
        &mut self,
        probs: &[f64],
        ticks: usize,
        window: usize,
        rng: &mut SplitMix64,
    ) -> Train {
        let mut train = Train {
            events: Vec::new(),
            ends: Vec::with_capacity(ticks),
        };
        let mut inputs = Vec::new();
        for t in 0..ticks {
            if t.is_multiple_of(window)
                && let Some((net, frozen, _)) = &mut self.layer
            {
                frozen.restore(net);
            }
            input_events(probs, rng, &mut inputs);
            match &mut self.layer {
                Some((net, ..)) => train.events.extend_from_slice(net.step(&inputs)),
                None => train.events.extend_from_slice(&inputs),
            }
            train.ends.push(train.events.len() as u32);
        }
        train
    }
}

/// The front's output during one presentation of an image: the readout's input events, tick by
/// tick (the front is frozen, so these do not depend on the readout).
#[derive(Debug, Clone, Default)]
pub struct Train {
    events: Vec<u32>,
    ends: Vec<u32>,
}

impl Train {
    /// Ticks of the presentation.
    pub fn ticks(&self) -> usize {
        self.ends.len()
    }

    /// The events of tick `t`.
    pub fn tick(&self, t: usize) -> &[u32] {
        let from = if t == 0 { 0 } else { self.ends[t - 1] as usize };
        &self.events[from..self.ends[t] as usize]
    }
}

/// The input events of one tick into `out`: input `j` fires with probability `probs[j]`.
fn input_events(probs: &[f64], rng: &mut SplitMix64, out: &mut Vec<u32>) {
    out.clear();
    out.extend((0..probs.len() as u32).filter(|&j| rng.chance(probs[j as usize])));
}

/// The teacher's list of one tick into `out`: `label` with probability `p`, drawn from `rng`
/// only when `taught` (an untaught readout draws nothing).
fn teacher_tick(rng: &mut SplitMix64, taught: bool, p: f64, label: u32, out: &mut Vec<u32>) {
    out.clear();
    if taught && rng.chance(p) {
        out.push(label);
    }
}

/// The random generator of presentation `n` of a stream: its own seed, so presentations can be
/// recorded in any order and on any thread.
fn presentation_rng(stream: u64, n: usize) -> SplitMix64 {
    SplitMix64::new(SplitMix64::new(stream.wrapping_add(n as u64)).next_u64())
}

/// Record the front's output for the presentations `images` (presentation `n` draws its input
/// spikes from `presentation_rng(stream, n)`), the front running with `o`'s hidden inhibition,
/// ticks and rate, on `threads` threads.
fn record(
    hidden: &Hidden,
    data: &Dataset,
    o: &ReadoutParams,
    images: &[usize],
    stream: u64,
    threads: usize,
) -> Result<Vec<Train>> {
    let front = match o.hidden_inhibition {
        Some(inhibition) if hidden.layer.is_some() => hidden.with_inhibition(inhibition)?,
        _ => hidden.clone(),
    };
    let chunk = images.len().div_ceil(threads.max(1)).max(1);
    Ok(std::thread::scope(|sc| {
        let handles: Vec<_> = images
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let mut h = front.clone();
                sc.spawn(move || {
                    part.iter()
                        .enumerate()
                        .map(|(i, &k)| {
                            let mut rng = presentation_rng(stream, c * chunk + i);
                            h.train_of(
                                &data.probabilities(k, o.rate),
                                o.ticks,
                                o.ticks / o.windows,
                                &mut rng,
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("record thread"))
            .collect()
    }))
}

/// The readout's training presentations: `epochs` passes over `train`, each in a new seeded
/// order.
fn presentations(train: &[usize], epochs: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed ^ READOUT_STREAM);
    let mut out = Vec::with_capacity(train.len() * epochs);
    for _ in 0..epochs {
        let mut order = train.to_vec();
        shuffle(&mut order, &mut rng);
        out.extend(order);
    }
    out
}

/// Teach a new readout (`inputs` inputs) on the recorded `trains` with their `labels` (teacher
/// on unless `taught` is false; its Poisson trains from `seed`), scaling as `o.scaling` says.
/// Returns the readout and the teacher's spike count.
fn teach(
    o: &ReadoutParams,
    inputs: usize,
    trains: &[Train],
    labels: &[u32],
    taught: bool,
    seed: u64,
) -> Result<(Network, u64)> {
    let mut readout = Network::new(&o.config(inputs)?);
    let mut rng = SplitMix64::new(seed ^ TEACH_STREAM);
    let p_teach = o.teach_rate / 1000.0;
    let mut teacher_spikes = 0u64;
    let mut forced = Vec::with_capacity(1);
    let window = o.ticks / o.windows;
    for (train, &label) in trains.iter().zip(labels) {
        for t in 0..train.ticks() {
            if t.is_multiple_of(window) {
                readout.clear();
            }
            teacher_tick(&mut rng, taught, p_teach, label, &mut forced);
            teacher_spikes += readout.step_taught(train.tick(t), &forced).len() as u64;
        }
        if o.scaling == Scaling::EveryImage {
            readout.normalize();
        }
    }
    if o.scaling == Scaling::AtEnd {
        readout.normalize();
    }
    readout.set_teach(false);
    readout.set_learning(false);
    Ok((readout, teacher_spikes))
}

/// Classify the recorded `trains` (true classes `labels`) with the trained `readout` (teach
/// mode and learning off).
fn score(
    readout: &mut Network,
    window: usize,
    trains: &[Train],
    labels: &[u32],
    teacher_spikes: u64,
) -> ReadoutRun {
    let mut tally = Tally::default();
    let mut counts = vec![0u32; CLASSES];
    for (train, &label) in trains.iter().zip(labels) {
        counts.fill(0);
        for t in 0..train.ticks() {
            if t.is_multiple_of(window) {
                readout.clear();
            }
            for &i in readout.step(train.tick(t)) {
                counts[i as usize] += 1;
            }
        }
        tally.add(label as usize, &counts);
    }
    tally.run(teacher_spikes, readout.weights().clone())
}

/// The score of a readout on test images, image by image (the class of each from
/// [`readout_class`]).
#[derive(Debug, Clone)]
pub(crate) struct Tally {
    confusion: Vec<Vec<u32>>,
    unanswered_by_class: Vec<u32>,
    images: usize,
    right: usize,
    unanswered: usize,
    ties: usize,
    spikes: u64,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            confusion: vec![vec![0u32; CLASSES]; CLASSES],
            unanswered_by_class: vec![0u32; CLASSES],
            images: 0,
            right: 0,
            unanswered: 0,
            ties: 0,
            spikes: 0,
        }
    }
}

impl Tally {
    /// Count one image of true class `truth` to which the readout neurons fired `counts`.
    pub(crate) fn add(&mut self, truth: usize, counts: &[u32]) {
        self.images += 1;
        self.spikes += counts.iter().map(|&x| x as u64).sum::<u64>();
        match readout_class(counts) {
            (Some(pred), _) => {
                self.confusion[truth][pred] += 1;
                self.right += (pred == truth) as usize;
            }
            (None, tie) => {
                self.unanswered += 1;
                self.unanswered_by_class[truth] += 1;
                self.ties += tie as usize;
            }
        }
    }

    /// The run's figures, with the training's teacher spikes and the readout's weights.
    pub(crate) fn run(self, teacher_spikes: u64, weights: super::Weights) -> ReadoutRun {
        let n = self.images.max(1) as f64;
        ReadoutRun {
            accuracy: self.right as f64 / n,
            unanswered: self.unanswered,
            ties: self.ties,
            confusion: self.confusion,
            unanswered_by_class: self.unanswered_by_class,
            teacher_spikes,
            test_spikes: self.spikes as f64 / n,
            weights,
        }
    }
}

/// The class of a readout response: the neuron that fired most; none for no spike or a tie
/// (`.1` is true for a tie).
pub fn readout_class(counts: &[u32]) -> (Option<usize>, bool) {
    let best = counts.iter().copied().max().unwrap_or(0);
    let top = counts.iter().filter(|&&c| c == best).count();
    if best == 0 {
        (None, false)
    } else if top > 1 {
        (None, true)
    } else {
        (counts.iter().position(|&c| c == best), false)
    }
}

/// Train a readout on `train` (teacher on unless `taught` is false) over the frozen `hidden`,
/// then classify `test`. The front's spikes are recorded on `threads` threads.
#[allow(clippy::too_many_arguments)]
pub fn train_readout(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    hidden: &Hidden,
    train: &[usize],
    test: &[usize],
    taught: bool,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<ReadoutRun> {
    o.validate()?;
    let shown = presentations(train, o.epochs, p.seed);
    progress(Progress {
        stage: "readout: hidden spikes",
        done: 0,
        total: shown.len() + test.len(),
    });
    let trains = record(hidden, data, o, &shown, p.seed ^ READOUT_STREAM, threads)?;
    let tests = record(hidden, data, o, test, p.seed ^ READOUT_EVAL_STREAM, threads)?;
    progress(Progress {
        stage: "readout: train and test",
        done: shown.len() + test.len(),
        total: shown.len() + test.len(),
    });
    let labels = |idx: &[usize]| {
        idx.iter()
            .map(|&k| data.labels[k] as u32)
            .collect::<Vec<_>>()
    };
    let (mut readout, spikes) = teach(
        o,
        hidden.outputs(),
        &trains,
        &labels(&shown),
        taught,
        p.seed,
    )?;
    Ok(score(
        &mut readout,
        o.ticks / o.windows,
        &tests,
        &labels(test),
        spikes,
    ))
}

/// The full supervised run: the front (for [`Front::Trained`] the hidden layer trained as
/// `learn digits --rules full`), then the taught readout and, as a control, an untaught
/// readout; both tested on the test split.
pub fn run_supervised(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    front: Front,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<SupervisedResult> {
    supervised(
        data,
        p,
        o,
        &mut (),
        &mut |_, progress| train_hidden(data, p, front, progress),
        &mut |_, o, hidden, (train, test), taught, progress| {
            train_readout(data, p, o, hidden, train, test, taught, threads, progress)
        },
        front,
        progress,
    )
}

/// Trains the hidden layer of [`supervised`] in `E`.
type HiddenTrainer<'a, E> = dyn FnMut(&mut E, &mut dyn FnMut(Progress)) -> Result<Hidden> + 'a;

/// Trains the readout of [`supervised`] on `(train, test)`, teacher on or off, in `E`.
type ReadoutTrainer<'a, E> = dyn FnMut(
        &mut E,
        &ReadoutParams,
        &Hidden,
        (&[usize], &[usize]),
        bool,
        &mut dyn FnMut(Progress),
    ) -> Result<ReadoutRun>
    + 'a;

/// The steps of a supervised run (see [`run_supervised`]), the hidden layer and the readouts
/// trained by `hidden` and `readout` in `env` (the golden model, or chips).
#[allow(clippy::too_many_arguments)]
pub(super) fn supervised<E: ?Sized>(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    env: &mut E,
    hidden: &mut HiddenTrainer<'_, E>,
    readout: &mut ReadoutTrainer<'_, E>,
    front: Front,
    progress: &mut dyn FnMut(Progress),
) -> Result<SupervisedResult> {
    o.validate()?;
    p.validate(data.len())?;
    let hidden = hidden(env, progress)?;
    let (train, test) = data.split(p.train, p.test, p.seed);
    let run = readout(env, o, &hidden, (&train, &test), true, progress)?;
    let control = ReadoutParams {
        epochs: 1,
        ..o.clone()
    };
    let untaught = readout(env, &control, &hidden, (&train, &test), false, progress)?;
    Ok(SupervisedResult {
        front,
        test: run,
        unsupervised_accuracy: hidden.unsupervised.as_ref().map(|u| u.accuracy),
        untaught_accuracy: untaught.accuracy,
        hidden: hidden.unsupervised.clone(),
    })
}

/// The grid [`readout_sweep`] searches for `front`, around `base` (192 cells; 96 without a
/// hidden layer).
pub fn sweep_grid(front: Front, base: &ReadoutParams) -> Vec<ReadoutParams> {
    let inhibitions: &[Option<i64>] = match front {
        Front::Inputs => &[None],
        _ => &[None, Some(16000)],
    };
    let mut grid = Vec::new();
    for &hidden_inhibition in inhibitions {
        for ticks in [400, 800] {
            for (scaling, normalize_target) in [
                (Scaling::Off, 0),
                (Scaling::AtEnd, 1000),
                (Scaling::AtEnd, 2000),
            ] {
                for pre_inc in [128, 255] {
                    for teach_rate in [20.0, 50.0, 100.0, 200.0] {
                        for threshold in [16, 64] {
                            grid.push(ReadoutParams {
                                hidden_inhibition,
                                ticks,
                                scaling,
                                normalize_target,
                                pre_inc,
                                ltp_shift: 7,
                                teach_rate,
                                threshold,
                                ..base.clone()
                            });
                        }
                    }
                }
            }
        }
    }
    grid
}

/// The readouts of `base` with the image shown as 1, 2, 4, 5, 8 or 10 windows (races of the
/// hidden layer, [`ReadoutParams::windows`]), at 400 and 800 ticks per image (12 cells).
pub fn windows_grid(base: &ReadoutParams) -> Vec<ReadoutParams> {
    let mut grid = Vec::new();
    for ticks in [400, 800] {
        for windows in [1, 2, 4, 5, 8, 10] {
            grid.push(ReadoutParams {
                ticks,
                windows,
                ..base.clone()
            });
        }
    }
    grid
}

/// One cell of the readout search: the parameters and the validation accuracy, mean over seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadoutCell {
    /// Unsupervised epochs of the hidden layer.
    pub hidden_epochs: usize,
    /// The hidden layer's learning budget per epoch ([`DigitsParams::learn_spikes`]).
    pub learn_spikes: Vec<u32>,
    /// The readout parameters.
    pub params: ReadoutParams,
    /// Mean validation accuracy over the seeds.
    pub validation: f64,
    /// Mean validation accuracy of the same hidden layers with labelling (the unsupervised
    /// network's classification, for comparison).
    pub labelling: f64,
}

/// The readout search behind [`ReadoutParams::default`], tuned on a validation part of the
/// training set only: for each seed and each schedule of `hidden`, the front is trained as in
/// [`run_supervised`] but on the first `train - validation` training images only; then each
/// readout of `grid` is trained on the same images and scored on the last `validation` ones
/// (the test split is never shown). The front's spikes are recorded once per windows, hidden inhibition,
/// ticks and rate; readouts run on `threads` threads.
#[allow(clippy::too_many_arguments)]
pub fn readout_sweep(
    data: &Dataset,
    p: &DigitsParams,
    front: Front,
    hidden: &[HiddenSchedule],
    grid: &[ReadoutParams],
    seeds: &[u64],
    validation: usize,
    threads: usize,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<ReadoutCell>> {
    if validation == 0 || validation >= p.train {
        return Err(param_error(
            WHAT,
            "validation",
            format!(
                "{validation} images: must be 1..{} (part of the training set)",
                p.train
            ),
        ));
    }
    for o in grid {
        o.validate()?;
    }
    let epochs_list: &[HiddenSchedule] = match front {
        Front::Inputs => &hidden[..1.min(hidden.len())],
        _ => hidden,
    };
    let mut cells: Vec<ReadoutCell> = epochs_list
        .iter()
        .flat_map(|h| {
            grid.iter().map(move |o| ReadoutCell {
                hidden_epochs: h.epochs,
                learn_spikes: h.learn_spikes.clone(),
                params: o.clone(),
                validation: 0.0,
                labelling: 0.0,
            })
        })
        .collect();
    // cells that share the front's recorded spikes
    // (hidden inhibition, ticks, rate bits, windows) and the grid cells with that recording
    type Recording = (Option<i64>, usize, u64, usize);
    let mut groups: Vec<(Recording, Vec<usize>)> = Vec::new();
    for (n, o) in grid.iter().enumerate() {
        let key = (o.hidden_inhibition, o.ticks, o.rate.to_bits(), o.windows);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push(n),
            None => groups.push((key, vec![n])),
        }
    }
    let total = seeds.len() * epochs_list.len() * grid.len();
    let mut done = 0;
    for &seed in seeds {
        let (train, _) = data.split(p.train, p.test, seed);
        let (fit, val) = train.split_at(train.len() - validation);
        let labels = |idx: &[usize]| {
            idx.iter()
                .map(|&k| data.labels[k] as u32)
                .collect::<Vec<_>>()
        };
        let val_labels = labels(val);
        for (e, schedule) in epochs_list.iter().enumerate() {
            // the hidden layer learns (without labels) from the fit part only, so the
            // validation images are new to both layers; its labelling is scored on them
            let q = DigitsParams {
                seed,
                epochs: schedule.epochs,
                learn_spikes: schedule.learn_spikes.clone(),
                train: p.train - validation,
                test: validation,
                net: super::NetParams {
                    weight_seed: seed,
                    ..p.net.clone()
                },
                ..p.clone()
            };
            let hidden = train_hidden(data, &q, front, progress)?;
            let labelling = hidden.unsupervised.as_ref().map_or(0.0, |u| u.accuracy);
            for (_, members) in &groups {
                let o0 = &grid[members[0]];
                let max_epochs = members.iter().map(|&n| grid[n].epochs).max().unwrap_or(1);
                let shown = presentations(fit, max_epochs, seed);
                let trains = record(&hidden, data, o0, &shown, seed ^ READOUT_STREAM, threads)?;
                let tests = record(&hidden, data, o0, val, seed ^ READOUT_EVAL_STREAM, threads)?;
                let shown_labels = labels(&shown);
                let next = std::sync::atomic::AtomicUsize::new(0);
                let accs: Vec<(usize, Result<f64>)> = std::thread::scope(|sc| {
                    let handles: Vec<_> = (0..threads.max(1))
                        .map(|_| {
                            let (next, trains, tests, shown_labels, val_labels, hidden) =
                                (&next, &trains, &tests, &shown_labels, &val_labels, &hidden);
                            sc.spawn(move || {
                                let mut out = Vec::new();
                                loop {
                                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                    let Some(&n) = members.get(i) else { break };
                                    let o = &grid[n];
                                    let len = fit.len() * o.epochs;
                                    let r = teach(
                                        o,
                                        hidden.outputs(),
                                        &trains[..len],
                                        &shown_labels[..len],
                                        true,
                                        seed,
                                    )
                                    .map(|(mut net, s)| {
                                        score(&mut net, o.ticks / o.windows, tests, val_labels, s)
                                            .accuracy
                                    });
                                    out.push((n, r));
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
                for (n, a) in accs {
                    let cell = &mut cells[e * grid.len() + n];
                    cell.validation += a? / seeds.len() as f64;
                    cell.labelling += labelling / seeds.len() as f64;
                }
                done += members.len();
                progress(Progress {
                    stage: "readout search",
                    done,
                    total,
                });
            }
        }
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readout_class_ties_and_silence_give_no_class() {
        assert_eq!(readout_class(&[0, 3, 1]), (Some(1), false));
        assert_eq!(readout_class(&[2, 2, 1]), (None, true));
        assert_eq!(readout_class(&[0, 0, 0]), (None, false));
    }

    #[test]
    fn readout_windows_must_divide_the_ticks() {
        let o = |ticks, windows| ReadoutParams {
            ticks,
            windows,
            ..ReadoutParams::default()
        };
        assert!(o(400, 5).validate().is_ok());
        let err = o(400, 3).validate().unwrap_err().to_string();
        assert!(err.contains("windows") && err.contains("400"), "{err}");
        assert!(o(400, 0).validate().is_err());
    }
}
