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

const WHAT: &str = "digits --rules supervised";
/// Seed offset of the readout's training order, input and teacher trains.
const READOUT_STREAM: u64 = 0x5EED_4EAD_0000_0015;
/// Seed offset of the readout's evaluation trains.
const READOUT_EVAL_STREAM: u64 = 0x5EED_4EAD_E7A1_0015;

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
        }
    }
}

impl ReadoutParams {
    /// The readout network: `hidden` inputs, one neuron per class, teach mode on at reset,
    /// 8-bit weights from 0, symmetric STDP with potentiation only.
    pub fn config(&self, hidden: usize) -> Result<Config> {
        let toml = format!(
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
        );
        Config::from_toml_str(&toml, std::path::Path::new("."))
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
        Ok(())
    }
}

/// The result of a supervised run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupervisedResult {
    /// Test accuracy of the readout (fraction of the test images).
    pub accuracy: f64,
    /// Test images given no class by the readout (no spike or a tie).
    pub unanswered: usize,
    /// Of those, ties between readout neurons that fired.
    pub ties: usize,
    /// Test accuracy of the same hidden layer with labelling (unsupervised `learn digits`).
    pub unsupervised_accuracy: f64,
    /// Accuracy of an untaught readout (the control: teacher off, same training otherwise).
    pub untaught_accuracy: f64,
    /// `confusion[true][predicted]` of the readout on the test images (unanswered left out).
    pub confusion: Vec<Vec<u32>>,
    /// Teacher spikes during readout training.
    pub teacher_spikes: u64,
    /// Mean readout spikes per test image.
    pub test_spikes: f64,
}

/// The hidden layer after unsupervised training, frozen, with its labelling result.
pub struct Hidden {
    net: Network,
    frozen: Frozen,
    /// The unsupervised run (labelling accuracy on the test split).
    pub unsupervised: DigitsResult,
}

/// Train the hidden layer of `p` (its rule set forced to `full`) and freeze it.
pub fn train_hidden(
    data: &Dataset,
    p: &DigitsParams,
    progress: &mut dyn FnMut(Progress),
) -> Result<Hidden> {
    let p = DigitsParams {
        rules: RuleSet::Full,
        ..p.clone()
    };
    p.validate(data.len())?;
    let mut net = Network::new(&p.config()?);
    let unsupervised = run_on(data, &p, &mut net, progress)?;
    let frozen = Frozen::new(&mut net);
    Ok(Hidden {
        net,
        frozen,
        unsupervised,
    })
}

impl Hidden {
    /// Show image `k` to the frozen hidden layer and the readout for `ticks` ticks; `teach` is
    /// the label neuron and the teacher's per-tick probability. Returns the readout's spike
    /// counts.
    fn show(
        &mut self,
        readout: &mut Network,
        probs: &[f64],
        ticks: usize,
        teach: Option<(u32, f64)>,
        rng: &mut SplitMix64,
    ) -> Vec<u32> {
        self.frozen.restore(&mut self.net);
        readout.clear();
        let mut counts = vec![0u32; CLASSES];
        let mut events = Vec::new();
        let mut taught = Vec::new();
        for _ in 0..ticks {
            events.clear();
            events.extend((0..probs.len() as u32).filter(|&j| rng.chance(probs[j as usize])));
            let hidden = self.net.step(&events).to_vec();
            taught.clear();
            if let Some((label, p)) = teach
                && rng.chance(p)
            {
                taught.push(label);
            }
            for &i in readout.step_taught(&hidden, &taught) {
                counts[i as usize] += 1;
            }
        }
        counts
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
/// then classify `test`. Returns (accuracy, unanswered, ties, confusion, teacher spikes, mean
/// readout spikes per test image).
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
pub fn train_readout(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    hidden: &mut Hidden,
    train: &[usize],
    test: &[usize],
    taught: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<(f64, usize, usize, Vec<Vec<u32>>, u64, f64)> {
    o.validate()?;
    let mut changed;
    let hidden = match o.hidden_inhibition {
        None => hidden,
        Some(inhibition) => {
            let q = DigitsParams {
                rules: RuleSet::Full,
                net: super::NetParams {
                    inhibition,
                    ..p.net.clone()
                },
                ..p.clone()
            };
            let mut net = Network::new(&q.config()?);
            net.set_weights(hidden.net.weights())?;
            net.set_learning(false);
            changed = Hidden {
                net,
                frozen: Frozen {
                    theta: hidden.frozen.theta.clone(),
                },
                unsupervised: hidden.unsupervised.clone(),
            };
            &mut changed
        }
    };
    let mut readout = Network::new(&o.config(hidden.net.config().neurons())?);
    let mut rng = SplitMix64::new(p.seed ^ READOUT_STREAM);
    let p_teach = o.teach_rate / 1000.0;
    let mut teacher_spikes = 0u64;
    for e in 0..o.epochs {
        let stage = format!("readout {}/{} train", e + 1, o.epochs);
        let mut order = train.to_vec();
        shuffle(&mut order, &mut rng);
        for (n, &k) in order.iter().enumerate() {
            let probs = data.probabilities(k, p.rate);
            let teach = taught.then_some((data.labels[k] as u32, p_teach));
            let c = hidden.show(&mut readout, &probs, p.ticks, teach, &mut rng);
            teacher_spikes += c.iter().map(|&x| x as u64).sum::<u64>();
            if o.normalize_target > 0 {
                readout.normalize();
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
    readout.set_teach(false);
    readout.set_learning(false);
    let mut eval_rng = SplitMix64::new(p.seed ^ READOUT_EVAL_STREAM);
    let mut confusion = vec![vec![0u32; CLASSES]; CLASSES];
    let (mut right, mut unanswered, mut ties, mut spikes) = (0usize, 0usize, 0usize, 0u64);
    for (n, &k) in test.iter().enumerate() {
        let probs = data.probabilities(k, p.rate);
        let c = hidden.show(&mut readout, &probs, p.ticks, None, &mut eval_rng);
        spikes += c.iter().map(|&x| x as u64).sum::<u64>();
        let truth = data.labels[k] as usize;
        match readout_class(&c) {
            (Some(pred), _) => {
                confusion[truth][pred] += 1;
                right += (pred == truth) as usize;
            }
            (None, tie) => {
                unanswered += 1;
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
    Ok((
        right as f64 / test.len() as f64,
        unanswered,
        ties,
        confusion,
        teacher_spikes,
        spikes as f64 / test.len() as f64,
    ))
}

/// The full supervised run: hidden layer (unsupervised, as `learn digits --rules full`), then
/// the taught readout and, as a control, an untaught readout; both tested on the test split.
pub fn run_supervised(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    progress: &mut dyn FnMut(Progress),
) -> Result<SupervisedResult> {
    o.validate()?;
    let mut hidden = train_hidden(data, p, progress)?;
    let (train, test) = data.split(p.train, p.test, p.seed);
    let (accuracy, unanswered, ties, confusion, teacher_spikes, test_spikes) =
        train_readout(data, p, o, &mut hidden, &train, &test, true, progress)?;
    let control = ReadoutParams {
        epochs: 1,
        ..o.clone()
    };
    let (untaught_accuracy, ..) = train_readout(
        data,
        p,
        &control,
        &mut hidden,
        &train,
        &test,
        false,
        progress,
    )?;
    Ok(SupervisedResult {
        accuracy,
        unanswered,
        ties,
        unsupervised_accuracy: hidden.unsupervised.accuracy,
        untaught_accuracy,
        confusion,
        teacher_spikes,
        test_spikes,
    })
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
/// training set only: for each seed the hidden layer is trained on the training images as in
/// [`run_supervised`], then each readout of `grid` is trained on the first `train - validation`
/// training images and scored on the last `validation` ones (the test split is never shown).
/// Cells run on every core.
pub fn readout_sweep(
    data: &Dataset,
    p: &DigitsParams,
    grid: &[ReadoutParams],
    seeds: &[u64],
    validation: usize,
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
        let hidden = train_hidden(data, &q, progress)?;
        let (train, _) = data.split(q.train, q.test, q.seed);
        let (fit, val) = train.split_at(train.len() - validation);
        let accs: Vec<Result<f64>> = std::thread::scope(|sc| {
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let chunk = grid.len().div_ceil(threads).max(1);
            let handles: Vec<_> = grid
                .chunks(chunk)
                .map(|cells| {
                    let (q, hidden) = (&q, &hidden);
                    sc.spawn(move || {
                        cells
                            .iter()
                            .map(|o| {
                                let mut h = Hidden {
                                    net: hidden.net.clone(),
                                    frozen: Frozen {
                                        theta: hidden.frozen.theta.clone(),
                                    },
                                    unsupervised: hidden.unsupervised.clone(),
                                };
                                train_readout(data, q, o, &mut h, fit, val, true, &mut |_| ())
                                    .map(|r| r.0)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("sweep thread"))
                .collect()
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
