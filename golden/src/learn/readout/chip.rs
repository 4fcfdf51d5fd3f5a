//! The supervised digits run on chips (`neurogen learn digits --rules supervised --hardware`):
//! the same run as [`super::run_supervised`] (same parameters, seeds, random draws, host
//! commands and scoring), with each network on a chip from a [`Chips`]: the golden model
//! ([`GoldenChips`]), or the generated Verilog in lockstep with it (the `learn` command's
//! hardware chips, `cosim::driver::lockstep` and `cosim::driver::chain_lockstep`).
//!
//! Key decisions:
//! - The hidden layer trains on a one-layer chip exactly as [`super::train_hidden`] does.
//! - The readout trains and tests on a chip of the **two-layer network**
//!   ([`ReadoutParams::network`]: the hidden layer with the readout's `hidden_inhibition`,
//!   `layer_delay = 0`, then the readout as a `[[layer]]`, the teacher to it), so both layers
//!   and the teacher are on one chip; without a hidden layer, of the readout alone. The host
//!   reaches it as a user would, through the host port: the hidden layer's trained weights are
//!   written once and its learning switched off (layer 0 only); before every image every layer
//!   is cleared (the broadcast) and the hidden layer's frozen theta written back; after
//!   training, teach mode and learning are switched off in the readout only.
//! - The same presentations and random streams as the golden run, from the same functions
//!   (`presentations`, `presentation_rng`, `input_events`, `teacher_tick`): presentation `n`
//!   draws its input spikes from its own seeded stream, the teacher from one stream of its own;
//!   the readout's *normalize* ([`super::Scaling`]) is a host command to the readout layer.
//! - The golden run keeps its own code (the hidden spikes recorded once, on threads, and
//!   replayed to a readout [`crate::model::Network`], the faster path the search uses); the
//!   test below shows this run on golden chips gives exactly the same result, so a change to
//!   one that the other does not follow fails it.

use super::{
    CLASSES, Dataset, DigitsParams, Front, Hidden, READOUT_EVAL_STREAM, READOUT_STREAM,
    ReadoutParams, ReadoutRun, Scaling, SupervisedResult, TEACH_STREAM, Tally, WHAT, front_params,
    input_events, presentation_rng, presentations, teacher_tick,
};
use crate::chain::Chain;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::learn::digits::run_on;
use crate::learn::{ChainChip, Chip, Frozen, Progress};
use crate::model::Network;
use crate::rng::SplitMix64;

/// Where the chips of a supervised run come from. Each call gives `f` a chip in its start state
/// (after reset).
pub trait Chips {
    /// Run `f` on a chip of the one-layer network `cfg` (the hidden layer's training).
    fn one_layer(&mut self, cfg: &Config, f: &mut dyn FnMut(&mut dyn Chip)) -> Result<()>;
    /// Run `f` on a chip of the network `cfg`, one layer or a chain (the readout's training and
    /// test, [`ReadoutParams::network`]).
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

impl ReadoutParams {
    /// The network the readout trains and tests on: the hidden layer `hidden` (its parameters
    /// with this readout's [`ReadoutParams::hidden_inhibition`]; its weights and theta come
    /// through the host port) followed by the readout as a `[[layer]]` (`layer_delay = 0`, the
    /// teacher to the readout, teach mode on at reset), named `digits_supervised`; without a
    /// hidden layer the readout alone on the 64 inputs ([`ReadoutParams::config`]).
    pub fn network(&self, hidden: Option<&DigitsParams>) -> Result<Config> {
        let Some(hp) = hidden else {
            return self.config(crate::learn::digits::PIXELS);
        };
        let bad = |m: String| Error::Range {
            message: format!("{WHAT}: the two-layer network: {m}"),
        };
        let q = DigitsParams {
            net: crate::learn::NetParams {
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
}

/// [`super::train_hidden`] on a one-layer chip of `chips`.
pub fn train_hidden_on(
    data: &Dataset,
    p: &DigitsParams,
    front: Front,
    chips: &mut dyn Chips,
    progress: &mut dyn FnMut(Progress),
) -> Result<Hidden> {
    let Some(p) = front_params(data, p, front)? else {
        return Ok(Hidden::NONE);
    };
    let cfg = p.config()?;
    let mut trained = None;
    chips.one_layer(&cfg, &mut |chip| {
        let r = run_on(data, &p, chip, progress);
        let frozen = Frozen::new(chip);
        trained = Some((r, chip.weights(), frozen));
    })?;
    let (r, weights, frozen) = trained.expect("the chip ran the hidden layer");
    // the trained layer as the golden model holds it: the chip's weights, learning off (its
    // theta is written back before every image)
    let mut net = Network::new(&cfg);
    net.set_weights(&weights)?;
    net.set_learning(false);
    Ok(Hidden {
        layer: Some((net, frozen, p)),
        unsupervised: Some(r?),
    })
}

/// [`super::train_readout`] on a chip of [`ReadoutParams::network`] from `chips`.
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

/// Show an image (spike probabilities `probs`, input spikes drawn from `rng`) to `chip` for
/// `ticks` ticks in windows of `window` ticks, each after a *clear* of every layer and the hidden
/// layer's `theta` written back;
/// `teach` is the label neuron, the teacher's per-tick probability and its random stream. The
/// readout's (last layer's) spike counts.
fn show<C: ChainChip + ?Sized>(
    chip: &mut C,
    theta: Option<&[i64]>,
    probs: &[f64],
    (ticks, window): (usize, usize),
    teach: Option<(u32, f64, &mut SplitMix64)>,
    rng: &mut SplitMix64,
) -> Vec<u32> {
    let mut counts = vec![0u32; CLASSES];
    let mut events = Vec::new();
    let mut taught = Vec::new();
    let mut teach = teach;
    for t in 0..ticks {
        if t.is_multiple_of(window) {
            chip.clear(None);
            for (i, &th) in theta.unwrap_or_default().iter().enumerate() {
                chip.set_theta(0, i, th);
            }
        }
        input_events(probs, rng, &mut events);
        match &mut teach {
            Some((label, p, teacher)) => teacher_tick(teacher, true, *p, *label, &mut taught),
            None => taught.clear(),
        }
        for &i in chip.step_taught(&events, &taught) {
            counts[i as usize] += 1;
        }
    }
    counts
}

/// The readout's training and test on `chip` (in its start state): the presentations, random
/// streams and host commands of [`super::train_readout`].
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
        Some((net, frozen, _)) => {
            chip.set_weights(0, net.weights());
            chip.set_learning(Some(0), false);
            Some(&frozen.theta[..])
        }
        None => None,
    };
    let shown = presentations(train, o.epochs, p.seed);
    let mut teacher = SplitMix64::new(p.seed ^ TEACH_STREAM);
    let p_teach = o.teach_rate / 1000.0;
    let mut teacher_spikes = 0u64;
    for (n, &k) in shown.iter().enumerate() {
        let mut rng = presentation_rng(p.seed ^ READOUT_STREAM, n);
        let probs = data.probabilities(k, o.rate);
        let teach = taught.then_some((data.labels[k] as u32, p_teach, &mut teacher));
        let c = show(
            chip,
            theta,
            &probs,
            (o.ticks, o.ticks / o.windows),
            teach,
            &mut rng,
        );
        teacher_spikes += c.iter().map(|&x| x as u64).sum::<u64>();
        if o.scaling == Scaling::EveryImage {
            chip.normalize(Some(readout));
        }
        if n % 50 == 0 {
            progress(Progress {
                stage: "readout train",
                done: n,
                total: shown.len(),
            });
        }
    }
    if o.scaling == Scaling::AtEnd {
        chip.normalize(Some(readout));
    }
    chip.set_teach(Some(readout), false);
    chip.set_learning(Some(readout), false);
    let mut tally = Tally::default();
    for (n, &k) in test.iter().enumerate() {
        let mut rng = presentation_rng(p.seed ^ READOUT_EVAL_STREAM, n);
        let probs = data.probabilities(k, o.rate);
        let c = show(
            chip,
            theta,
            &probs,
            (o.ticks, o.ticks / o.windows),
            None,
            &mut rng,
        );
        tally.add(data.labels[k] as usize, &c);
        if n % 50 == 0 {
            progress(Progress {
                stage: "readout test",
                done: n,
                total: test.len(),
            });
        }
    }
    Ok(tally.run(teacher_spikes, chip.weights(readout)))
}

/// [`super::run_supervised`] on the chips of `chips`: the hidden layer's training on a
/// one-layer chip, then the taught readout and the untaught control each on a chip of
/// [`ReadoutParams::network`].
pub fn run_supervised_on(
    data: &Dataset,
    p: &DigitsParams,
    o: &ReadoutParams,
    front: Front,
    chips: &mut dyn Chips,
    progress: &mut dyn FnMut(Progress),
) -> Result<SupervisedResult> {
    super::supervised(
        data,
        p,
        o,
        chips,
        &mut |chips, progress| train_hidden_on(data, p, front, chips, progress),
        &mut |chips, o, hidden, (train, test), taught, progress| {
            train_readout_on(data, p, o, hidden, train, test, taught, chips, progress)
        },
        front,
        progress,
    )
}

#[cfg(test)]
mod tests {
    use super::super::{RuleSet, run_supervised};
    use super::*;

    /// The run on golden chips (a one-layer network, then the two-layer chain driven through
    /// its host commands) is the golden run, for every front; scaling at end (with a second
    /// readout epoch and readout inhibition), after every image and off (with the hidden
    /// layer's inhibition changed) and three windows per image included. About 0.2 s. Mutants of the chip path that fail
    /// it: no normalize at end, the teacher drawing from the training stream.
    #[test]
    fn the_run_on_golden_chips_is_the_golden_run() {
        let data = Dataset::from_bytes(include_bytes!("../../../../data/digits.csv.gz")).unwrap();
        let p = DigitsParams {
            neurons: 12,
            train: 30,
            test: 12,
            epochs: 1,
            raster_images: 2,
            ..DigitsParams::for_rules(RuleSet::Full)
        };
        for front in Front::ALL {
            for o in [
                ReadoutParams {
                    ticks: 40,
                    ..ReadoutParams::for_front(front)
                },
                ReadoutParams {
                    ticks: 30,
                    epochs: 2,
                    normalize_target: 600,
                    inhibition: 40,
                    ..ReadoutParams::for_front(front)
                },
                ReadoutParams {
                    ticks: 30,
                    scaling: Scaling::EveryImage,
                    normalize_target: 600,
                    ..ReadoutParams::for_front(front)
                },
                ReadoutParams {
                    ticks: 30,
                    windows: 3,
                    ..ReadoutParams::for_front(front)
                },
                ReadoutParams {
                    ticks: 30,
                    scaling: Scaling::Off,
                    normalize_target: 0,
                    hidden_inhibition: Some(16000),
                    ..ReadoutParams::for_front(front)
                },
            ] {
                let golden = run_supervised(&data, &p, &o, front, 2, &mut |_| {}).unwrap();
                let on =
                    run_supervised_on(&data, &p, &o, front, &mut GoldenChips, &mut |_| {}).unwrap();
                assert_eq!(on, golden, "{front:?} {o:?}");
                assert!(golden.test.teacher_spikes > 0, "{front:?}");
            }
        }
    }
}
