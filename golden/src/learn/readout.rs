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
//! - The readout is the second layer (`hidden` inputs, 10 neurons, no inhibition) of a
//!   two-layer network ([`ReadoutParams::network`], `layer_delay = 0`: it reads the hidden
//!   layer's spikes of the same tick), driven as a [`ChainChip`]: the golden [`Chain`], or with
//!   `--hardware` the generated chain top in lockstep with it. The run's chips come from a
//!   [`Chips`] ([`run_supervised_on`]), so the same code, seeds and host commands run on both.
//! - The hidden layer reaches the readout's chip through the host port: its trained weights
//!   are written once, learning is switched off in that layer only, and its frozen theta is
//!   written back before every image (after the *clear* of every layer).
//! - Its rule is `rule = "symmetric"` with `post_inc = 0`: each teacher spike adds `(x[j] >>
//!   ltp_shift) - ltp_offset` to the weights from every hidden neuron j (clipped to 0..=255), so
//!   weights from hidden neurons that fire with the label grow and the others decay by the offset.
//! - The readout resets by subtraction, so its spike count follows its summed weighted input.
//! - Class: after teach mode and learning are off, the readout neuron with the most spikes. No
//!   spike, or a tie between the most active readout neurons, gives no class (counted wrong).

use super::digits::{CLASSES, Dataset, DigitsParams, DigitsResult, RuleSet, run_on};
use super::{ChainChip, Chip, Frozen, Progress, Weights, param_error, shuffle};
use crate::chain::Chain;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::model::Network;
use crate::rng::SplitMix64;
use serde::Serialize;

const WHAT: &str = "digits --rules supervised";
/// Seed offset of the readout's training order, input and teacher trains.
const READOUT_STREAM: u64 = 0x5EED_4EAD_0000_0015;
/// Seed offset of the readout's evaluation trains.
const READOUT_EVAL_STREAM: u64 = 0x5EED_4EAD_E7A1_0015;

/// Unsupervised epochs of the hidden layer in `learn digits --rules supervised` (chosen with
/// the readout by [`readout_sweep`]: 6 epochs beat 3 on the validation part).
pub const HIDDEN_EPOCHS: usize = 6;

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
    /// Presynaptic trace increment.
    pub pre_inc: i64,
    /// Presynaptic trace decay shift.
    pub pre_decay_shift: u32,
    /// Potentiation shift (`W += (x >> ltp_shift) - ltp_offset` per teacher spike).
    pub ltp_shift: u32,
    /// Subtracted from each potentiation: weights from hidden neurons silent near the teacher's
    /// spikes decay.
    pub ltp_offset: i64,
    /// Synaptic scaling of the readout: the host's *normalize* after every training image
    /// brings each readout neuron's weight sum to this (0: off).
    pub normalize_target: i64,
    /// Lateral inhibition of the frozen hidden layer while the readout trains and tests (the
    /// hidden layer trains with the `full` rule set's); `None`: unchanged.
    pub hidden_inhibition: Option<i64>,
    /// Ticks each image is shown while the readout trains and tests (the hidden layer trains
    /// with the digits run's `ticks`).
    pub ticks: usize,
    /// Spike probability per tick of a pixel of 16 while the readout trains and tests.
    pub rate: f64,
}

impl Default for ReadoutParams {
    fn default() -> Self {
        // chosen by `neurogen learn digits --rules supervised --sweep` on a validation part of
        // the training set, seeds 2 and 3 (docs/learning.md)
        ReadoutParams {
            epochs: 1,
            teach_rate: 500.0,
            threshold: 64,
            leak_shift: 6,
            pre_inc: 128,
            pre_decay_shift: 2,
            ltp_shift: 5,
            ltp_offset: 0,
            normalize_target: 0,
            hidden_inhibition: Some(16000),
            ticks: 200,
            rate: 0.75,
        }
    }
}

impl ReadoutParams {
    /// The readout parameters chosen for `front` (by [`readout_sweep`] over [`sweep_grid`]).
    pub fn for_front(front: Front) -> ReadoutParams {
        match front {
            Front::Trained => ReadoutParams::default(),
            // not searched (docs/learning.md): the trained front's readout, reading the random
            // layer with the inhibition it ran with
            Front::Random | Front::Inputs => ReadoutParams {
                hidden_inhibition: None,
                ..ReadoutParams::default()
            },
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
             [synapse]\nweight_bits = 8\ninit = \"constant\"\ninit_value = 0\n\
             [stdp]\nrule = \"symmetric\"\ntrace_bits = 8\npre_inc = {}\npost_inc = 0\n\
             pre_decay_shift = {}\nltp_shift = {}\nltp_offset = {}\n\
             normalize_target = {}\nnormalize_every = 0\n",
            self.threshold,
            self.leak_shift,
            self.pre_inc,
            self.pre_decay_shift,
            self.ltp_shift,
            self.ltp_offset,
            self.normalize_target
        )
    }

    /// The network the readout trains and tests on: the frozen hidden layer of `hidden` (its
    /// parameters with this readout's [`ReadoutParams::hidden_inhibition`]; weights and theta
    /// come through the host port) followed by the readout as a `[[layer]]` (`layer_delay = 0`,
    /// the teacher to the readout), or without a hidden layer the readout alone on the 64
    /// inputs ([`ReadoutParams::config`]).
    pub fn network(&self, hidden: Option<&DigitsParams>) -> Result<Config> {
        let Some(hp) = hidden else {
            return self.config(super::digits::PIXELS);
        };
        let bad = |m: String| Error::Range {
            message: format!("{WHAT}: the two-layer network: {m}"),
        };
        let q = DigitsParams {
            net: super::NetParams {
                inhibition: self.hidden_inhibition.unwrap_or(hp.net.inhibition),
                ..hp.net.clone()
            },
            ..hp.clone()
        };
        let mut table: toml::Table = q.builtin_toml().parse().map_err(|e| bad(format!("{e}")))?;
        let mut second: toml::Table = self
            .toml(hp.neurons)
            .parse()
            .map_err(|e| bad(format!("{e}")))?;
        let mut layer = toml::Table::new();
        layer.insert("neurons".into(), (CLASSES as i64).into());
        layer.insert("teach".into(), true.into());
        for key in ["neuron", "synapse", "stdp"] {
            if let Some(v) = second.remove(key) {
                layer.insert(key.into(), v);
            }
        }
        table.insert("name".into(), "digits_supervised".into());
        let mut network = toml::Table::new();
        network.insert("layer_delay".into(), 0.into());
        table.insert("network".into(), network.into());
        table.insert(
            "layer".into(),
            toml::Value::Array(vec![toml::Value::Table(layer)]),
        );
        let text = toml::to_string(&table).map_err(|e| bad(e.to_string()))?;
        Config::from_toml_str(&text, std::path::Path::new("."))
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
        if !(self.rate > 0.0 && self.rate <= 1.0) {
            return Err(param_error(
                WHAT,
                "readout rate",
                format!("{}: allowed above 0, at most 1", self.rate),
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
    /// The hidden layer's learned weights `W[pixel][neuron]` and theta (none for
    /// [`Front::Inputs`]).
    #[serde(skip)]
    pub hidden: Option<(super::Weights, Vec<i64>)>,
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

/// Where the chips of a supervised run come from: golden models ([`GoldenChips`]), or the
/// generated Verilog in lockstep with them (`neurogen learn digits --rules supervised
/// --hardware`). Each call gives a chip in its start state (after reset) to `f`.
pub trait Chips {
    /// Run `f` on a chip of the one-layer network `cfg` (the hidden layer's training).
    fn one_layer(&mut self, cfg: &Config, f: &mut dyn FnMut(&mut dyn Chip)) -> Result<()>;
    /// Run `f` on a chip of the network `cfg`, one layer or a chain (the readout's training
    /// and test, [`ReadoutParams::network`]).
    fn network(&mut self, cfg: &Config, f: &mut dyn FnMut(&mut dyn ChainChip)) -> Result<()>;
}

/// The golden model's chips: a [`Network`] and a [`Chain`].
pub struct GoldenChips;

impl Chips for GoldenChips {
    fn one_layer(&mut self, cfg: &Config, f: &mut dyn FnMut(&mut dyn Chip)) -> Result<()> {
        f(&mut Network::new(cfg));
        Ok(())
    }

    fn network(&mut self, cfg: &Config, f: &mut dyn FnMut(&mut dyn ChainChip)) -> Result<()> {
        f(&mut Chain::new(cfg));
        Ok(())
    }
}

/// The layer in front of the readout: a frozen hidden layer (with its labelling result), or
/// none (the readout reads the inputs).
#[derive(Clone)]
pub struct Hidden {
    /// The trained weights `W[pixel][neuron]`, the frozen theta and the parameters it was
    /// trained with.
    layer: Option<(Weights, Vec<i64>, DigitsParams)>,
    /// The unsupervised run of the hidden layer (labelling accuracy on the test split); `None`
    /// without a hidden layer.
    pub unsupervised: Option<DigitsResult>,
}

/// Train the front of `p` (seed, split and epochs of `p`; for [`Front::Trained`] the `full`
/// rule set's network of `p`, for [`Front::Random`] the `fixed` rule set's) and freeze it.
pub fn train_hidden(
    data: &Dataset,
    p: &DigitsParams,
    front: Front,
    progress: &mut dyn FnMut(Progress),
) -> Result<Hidden> {
    train_hidden_on(data, p, front, &mut GoldenChips, progress)
}

/// [`train_hidden`] on a chip of `chips`.
pub fn train_hidden_on(
    data: &Dataset,
    p: &DigitsParams,
    front: Front,
    chips: &mut dyn Chips,
    progress: &mut dyn FnMut(Progress),
) -> Result<Hidden> {
    let p = match front {
        Front::Inputs => {
            return Ok(Hidden {
                layer: None,
                unsupervised: None,
            });
        }
        Front::Trained => DigitsParams {
            rules: RuleSet::Full,
            ..p.clone()
        },
        Front::Random => DigitsParams {
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
        },
    };
    p.validate(data.len())?;
    let mut trained = None;
    chips.one_layer(&p.config()?, &mut |chip| {
        let r = run_on(data, &p, chip, progress);
        let frozen = Frozen::new(chip);
        trained = Some((r, chip.weights(), frozen.theta));
    })?;
    let (r, weights, theta) = trained.expect("the chip ran the hidden layer");
    Ok(Hidden {
        layer: Some((weights, theta, p)),
        unsupervised: Some(r?),
    })
}

impl Hidden {
    /// Inputs of the readout: the hidden neurons, or the pixels without a hidden layer.
    pub fn outputs(&self) -> usize {
        self.layer
            .as_ref()
            .map_or(super::digits::PIXELS, |(w, ..)| w.ncols())
    }
}

/// Show image `k` (its probabilities `probs`) to the frozen hidden layer (theta `theta`) and
/// the readout (the last layer) of `chip` for `ticks` ticks; `teach` is the label neuron and
/// the teacher's per-tick probability. Returns the readout's spike counts.
fn show<C: ChainChip + ?Sized>(
    chip: &mut C,
    theta: Option<&[i64]>,
    probs: &[f64],
    ticks: usize,
    teach: Option<(u32, f64)>,
    rng: &mut SplitMix64,
) -> Vec<u32> {
    chip.clear(None);
    for (i, &th) in theta.unwrap_or_default().iter().enumerate() {
        chip.set_theta(0, i, th);
    }
    let mut counts = vec![0u32; CLASSES];
    let mut events = Vec::new();
    let mut taught = Vec::new();
    for _ in 0..ticks {
        events.clear();
        events.extend((0..probs.len() as u32).filter(|&j| rng.chance(probs[j as usize])));
        taught.clear();
        if let Some((label, p)) = teach
            && rng.chance(p)
        {
            taught.push(label);
        }
        for &i in chip.step_taught(&events, &taught) {
            counts[i as usize] += 1;
        }
    }
    counts
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
/// then classify `test`.
#[allow(clippy::too_many_arguments)]
pub fn train_readout(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    hidden: &mut Hidden,
    train: &[usize],
    test: &[usize],
    taught: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<ReadoutRun> {
    train_readout_on(
        data,
        p,
        o,
        hidden,
        train,
        test,
        taught,
        &mut GoldenChips,
        progress,
    )
}

/// [`train_readout`] on a chip of [`ReadoutParams::network`] from `chips`.
#[allow(clippy::too_many_arguments)]
pub fn train_readout_on(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    hidden: &Hidden,
    train: &[usize],
    test: &[usize],
    taught: bool,
    chips: &mut dyn Chips,
    progress: &mut dyn FnMut(Progress),
) -> Result<ReadoutRun> {
    o.validate()?;
    let cfg = o.network(hidden.layer.as_ref().map(|(.., hp)| hp))?;
    let mut out = None;
    chips.network(&cfg, &mut |chip| {
        out = Some(readout_on(
            data, p, o, hidden, train, test, taught, chip, progress,
        ));
    })?;
    out.expect("the chip ran the readout")
}

/// The readout's training and test on `chip` (in its start state): the hidden layer's weights
/// written and its learning switched off, then training with the teacher, then teach mode and
/// learning off in the readout and the test.
#[allow(clippy::too_many_arguments)]
fn readout_on<C: ChainChip + ?Sized>(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    hidden: &Hidden,
    train: &[usize],
    test: &[usize],
    taught: bool,
    chip: &mut C,
    progress: &mut dyn FnMut(Progress),
) -> Result<ReadoutRun> {
    let readout = chip.layer_count() - 1;
    let theta = match &hidden.layer {
        Some((w, theta, _)) => {
            chip.set_weights(0, w);
            chip.set_learning(Some(0), false);
            Some(&theta[..])
        }
        None => None,
    };
    let mut rng = SplitMix64::new(p.seed ^ READOUT_STREAM);
    let p_teach = o.teach_rate / 1000.0;
    let mut teacher_spikes = 0u64;
    for e in 0..o.epochs {
        let stage = format!("readout {}/{} train", e + 1, o.epochs);
        let mut order = train.to_vec();
        shuffle(&mut order, &mut rng);
        for (n, &k) in order.iter().enumerate() {
            let probs = data.probabilities(k, o.rate);
            let teach = taught.then_some((data.labels[k] as u32, p_teach));
            let c = show(chip, theta, &probs, o.ticks, teach, &mut rng);
            teacher_spikes += c.iter().map(|&x| x as u64).sum::<u64>();
            if o.normalize_target > 0 {
                chip.normalize(Some(readout));
            }
            if n % 50 == 0 {
                progress(Progress {
                    stage: &stage,
                    done: n,
                    total: order.len(),
                });
            }
        }
    }
    chip.set_teach(Some(readout), false);
    chip.set_learning(Some(readout), false);
    let mut eval_rng = SplitMix64::new(p.seed ^ READOUT_EVAL_STREAM);
    let mut confusion = vec![vec![0u32; CLASSES]; CLASSES];
    let mut unanswered_by_class = vec![0u32; CLASSES];
    let (mut right, mut unanswered, mut ties, mut spikes) = (0usize, 0usize, 0usize, 0u64);
    for (n, &k) in test.iter().enumerate() {
        let probs = data.probabilities(k, o.rate);
        let c = show(chip, theta, &probs, o.ticks, None, &mut eval_rng);
        spikes += c.iter().map(|&x| x as u64).sum::<u64>();
        let truth = data.labels[k] as usize;
        match readout_class(&c) {
            (Some(pred), _) => {
                confusion[truth][pred] += 1;
                right += (pred == truth) as usize;
            }
            (None, tie) => {
                unanswered += 1;
                unanswered_by_class[truth] += 1;
                ties += tie as usize;
            }
        }
        if n % 50 == 0 {
            progress(Progress {
                stage: "readout test",
                done: n,
                total: test.len(),
            });
        }
    }
    Ok(ReadoutRun {
        accuracy: right as f64 / test.len() as f64,
        unanswered,
        ties,
        confusion,
        unanswered_by_class,
        teacher_spikes,
        test_spikes: spikes as f64 / test.len() as f64,
        weights: chip.weights(readout),
    })
}

/// The full supervised run: the front (for [`Front::Trained`] the hidden layer trained as
/// `learn digits --rules full`), then the taught readout and, as a control, an untaught
/// readout; both tested on the test split.
pub fn run_supervised(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    front: Front,
    progress: &mut dyn FnMut(Progress),
) -> Result<SupervisedResult> {
    run_supervised_on(data, p, o, front, &mut GoldenChips, progress)
}

/// [`run_supervised`] on the chips of `chips`: the hidden layer's training on a one-layer
/// chip, then the taught readout and the untaught control each on a chip of
/// [`ReadoutParams::network`].
pub fn run_supervised_on(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    front: Front,
    chips: &mut dyn Chips,
    progress: &mut dyn FnMut(Progress),
) -> Result<SupervisedResult> {
    o.validate()?;
    p.validate(data.len())?;
    let hidden = train_hidden_on(data, p, front, chips, progress)?;
    let (train, test) = data.split(p.train, p.test, p.seed);
    let run = train_readout_on(data, p, o, &hidden, &train, &test, true, chips, progress)?;
    let control = ReadoutParams {
        epochs: 1,
        ..o.clone()
    };
    let untaught = train_readout_on(
        data, p, &control, &hidden, &train, &test, false, chips, progress,
    )?;
    Ok(SupervisedResult {
        front,
        test: run,
        unsupervised_accuracy: hidden.unsupervised.as_ref().map(|u| u.accuracy),
        untaught_accuracy: untaught.accuracy,
        hidden: hidden
            .unsupervised
            .as_ref()
            .map(|u| (u.weights.clone(), u.theta.clone())),
    })
}

/// The grid [`readout_sweep`] searches for `front`, around `base`: hidden inhibition x ticks
/// per image x `ltp_shift` x teacher rate x threshold (108 cells; 36 without a hidden layer).
pub fn sweep_grid(front: Front, base: &ReadoutParams) -> Vec<ReadoutParams> {
    let inhibitions: &[Option<i64>] = match front {
        Front::Inputs => &[None],
        _ => &[None, Some(24000), Some(16000)],
    };
    let mut grid = Vec::new();
    for &hidden_inhibition in inhibitions {
        for ticks in [80, 200, 400] {
            for ltp_shift in [5, 6] {
                for teach_rate in [200.0, 500.0, 1000.0] {
                    for threshold in [16, 32] {
                        grid.push(ReadoutParams {
                            hidden_inhibition,
                            ticks,
                            ltp_shift,
                            teach_rate,
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

/// One cell of the readout search: the parameters and the validation accuracy, mean over seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadoutCell {
    /// The readout parameters.
    pub params: ReadoutParams,
    /// Mean validation accuracy over the seeds.
    pub validation: f64,
}

/// The readout search behind [`ReadoutParams::default`], tuned on a validation part of the
/// training set only: for each seed the front is trained as in [`run_supervised`] but on the
/// first `train - validation` training images only, then each readout of `grid` is trained on the first `train - validation`
/// training images and scored on the last `validation` ones (the test split is never shown).
/// Cells run on `threads` threads.
#[allow(clippy::too_many_arguments)]
pub fn readout_sweep(
    data: &Dataset,
    p: &DigitsParams,
    front: Front,
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
    let mut sums = vec![0.0; grid.len()];
    for &seed in seeds {
        let q = DigitsParams {
            seed,
            net: super::NetParams {
                weight_seed: seed,
                ..p.net.clone()
            },
            ..p.clone()
        };
        // the hidden layer learns (without labels) from the fit part only, so the validation
        // images are new to both layers: the first `train - validation` images of the split
        let fit_only = DigitsParams {
            train: q.train - validation,
            ..q.clone()
        };
        let hidden = train_hidden(data, &fit_only, front, progress)?;
        let (train, _) = data.split(q.train, q.test, q.seed);
        let (fit, val) = train.split_at(train.len() - validation);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let accs: Vec<Result<f64>> = std::thread::scope(|sc| {
            let handles: Vec<_> = (0..threads.max(1))
                .map(|_| {
                    let (q, hidden, next) = (&q, &hidden, &next);
                    sc.spawn(move || {
                        let mut done = Vec::new();
                        loop {
                            let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(o) = grid.get(n) else { break };
                            let mut h = hidden.clone();
                            let r = train_readout(data, q, o, &mut h, fit, val, true, &mut |_| ())
                                .map(|r| r.accuracy);
                            done.push((n, r));
                        }
                        done
                    })
                })
                .collect();
            let mut all: Vec<(usize, Result<f64>)> = handles
                .into_iter()
                .flat_map(|h| h.join().expect("sweep thread"))
                .collect();
            all.sort_by_key(|(n, _)| *n);
            all.into_iter().map(|(_, r)| r).collect()
        });
        for (s, a) in sums.iter_mut().zip(accs) {
            *s += a?;
        }
    }
    Ok(grid
        .iter()
        .zip(sums)
        .map(|(o, s)| ReadoutCell {
            params: o.clone(),
            validation: s / seeds.len() as f64,
        })
        .collect())
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
}
