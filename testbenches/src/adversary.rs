//! Adversarial stimulus: what `neurogen cosim` and `neurogen testbench` do to a user's stimulus
//! unless `--calm` is given. A plain stimulus (say Poisson inputs) never repeats an address
//! within a tick, never sends an address outside the network, never stalls a stream and never
//! touches the host port, so the hardware's forwarding, drop counter, skid buffers and host
//! commands go untested; a [`Stress`] adds all of them, drawn from one seed.
//!
//! What is added (every count is in [`Stress::summary`]):
//! - repeated addresses within a tick: a copy of an event right behind it (the same weight word
//!   one issue slot later) and another two beats later, and now and then a burst of one row
//!   (accumulators that saturate);
//! - addresses outside `0..inputs` (just past the inputs, the recurrent rows, near `u32::MAX`),
//!   which must be dropped and counted;
//! - host actions between ticks: state writes (v, refractory, theta, x, y: the fields the array
//!   has, often at their range's ends), weight writes (often `w_min` or `w_max`, so the clamps are
//!   reached), *clear*, *normalize*, learning off and on again a few ticks later, a column of
//!   signed weights written to sum to exactly 0 followed by *normalize*, and rarely `rst`;
//!   at least one learning off/on pair, a write of `w_max` and one of `w_min`, and (signed
//!   weights) one zero column whenever the run has 3 ticks;
//! - backpressure on both streams, with a probability drawn from the seed; [`Stress::bp_ticks`]
//!   says which ticks run with it (the others keep the cycle-model check of every output beat).
//!
//! Key decision: the stress is a pure function of (config, stimulus, seed), so a failure is
//! reproduced by the seed printed with it, and the Verilator co-simulation and the exported
//! testbench apply the same stress to the same stimulus.

use crate::random::{pick, range};
use cosim::driver::{Backpressure, HostAction, Report, RunOptions};
use golden::rng::SplitMix64;
use golden::{Config, StateKind, Stimulus};

/// A stressed stimulus: the events, the host actions and the backpressure of a run.
#[derive(Debug, Clone)]
pub struct Stress {
    /// The seed everything was drawn from.
    pub seed: u64,
    /// The stimulus with repeated and out-of-range addresses added.
    pub stimulus: Stimulus,
    /// Host actions: before tick k, do these.
    pub actions: Vec<(usize, HostAction)>,
    /// Backpressure probabilities of the ticks in `bp_ticks`.
    pub bp: Backpressure,
    /// For each tick, whether it runs with backpressure.
    pub bp_ticks: Vec<bool>,
    /// Events added as repeats of an address already in the tick.
    pub repeats: usize,
    /// Out-of-range addresses added.
    pub out_of_range: usize,
}

/// Draw the stress of `stim` on `cfg` from `seed`.
pub fn stress(cfg: &Config, stim: &Stimulus, seed: u64) -> Stress {
    let mut rng = SplitMix64::new(seed ^ 0x5354_5245_5353_2121);
    let inputs = cfg.array.inputs as u64;
    let rows = cfg.rows() as u64;
    let mut repeats = 0;
    let mut out_of_range = 0;
    let ticks: Vec<Vec<u32>> = stim
        .ticks
        .iter()
        .map(|t| {
            let mut t = t.clone();
            let in_range: Vec<usize> = (0..t.len()).filter(|&k| (t[k] as u64) < inputs).collect();
            if !in_range.is_empty() && rng.chance(0.6) {
                // back to back, then two beats later
                let k = in_range[rng.below(in_range.len() as u64) as usize];
                let a = t[k];
                t.insert(k + 1, a);
                let at = (k + 3).min(t.len());
                t.insert(at, a);
                repeats += 2;
            }
            if rng.chance(0.15) {
                let a = rng.below(inputs) as u32;
                let n = range(&mut rng, 3, 8) as usize;
                let at = rng.below(t.len() as u64 + 1) as usize;
                for _ in 0..n {
                    t.insert(at, a);
                }
                repeats += n - 1;
            }
            if rng.chance(0.2) {
                let a = match rng.below(4) {
                    0 => inputs as u32,
                    1 => (inputs + rng.below(rows - inputs + 4)) as u32,
                    2 => u32::MAX - rng.below(4) as u32,
                    _ => rng.next_u64() as u32 | 0x8000_0000,
                };
                let at = rng.below(t.len() as u64 + 1) as usize;
                t.insert(at, a);
                out_of_range += 1;
            }
            t
        })
        .collect();
    let n_ticks = ticks.len();
    let mut actions = host_actions(&mut rng, cfg, n_ticks);
    let mut teach = stim.teach.clone();
    if cfg.teach_hardware() && n_ticks > 0 {
        // the teacher stream: out-of-range teacher beats, and teach mode toggled by the host
        // and back (drawn only for designs with teach hardware: other seeds keep their stress)
        let neurons = cfg.array.neurons;
        teach.resize(n_ticks, Vec::new());
        for list in teach.iter_mut() {
            if rng.chance(0.2) {
                let at = rng.below(list.len() as u64 + 1) as usize;
                list.insert(at, neurons + rng.below(4) as u32);
                out_of_range += 1;
            }
        }
        let k1 = rng.below(n_ticks as u64) as usize;
        let k2 = k1 + 1 + rng.below(4) as usize;
        actions.push((k1, HostAction::Teach(!cfg.array.teach)));
        if k2 < n_ticks {
            actions.push((k2, HostAction::Teach(cfg.array.teach)));
        }
        actions.sort_by_key(|(k, _)| *k);
    }
    let p = [0.1, 0.25, 0.5];
    let bp = Backpressure {
        input: pick(&mut rng, &p),
        output: pick(&mut rng, &p),
    };
    let bp_ticks = (0..n_ticks).map(|_| rng.chance(0.5)).collect();
    Stress {
        seed,
        stimulus: Stimulus { ticks, teach },
        actions,
        bp,
        bp_ticks,
        repeats,
        out_of_range,
    }
}

/// Host actions for a run of `ticks` ticks: about one tick in eight gets one or two actions.
fn host_actions(rng: &mut SplitMix64, cfg: &Config, ticks: usize) -> Vec<(usize, HostAction)> {
    let (rows, n) = (cfg.rows() as u64, cfg.array.neurons as u64);
    let (w_min, w_max) = (cfg.synapse.w_min, cfg.synapse.w_max);
    let weight = |rng: &mut SplitMix64| HostAction::WriteWeight {
        j: rng.below(rows),
        i: rng.below(n),
        w: if rng.chance(0.6) {
            pick(rng, &[w_min, w_max])
        } else {
            range(rng, w_min, w_max)
        },
    };
    let states = writable_states(cfg);
    let state = |rng: &mut SplitMix64| {
        let &(kind, lo, hi) = &states[rng.below(states.len() as u64) as usize];
        let count = if kind == StateKind::X { rows } else { n };
        HostAction::WriteState {
            kind,
            index: rng.below(count),
            value: if rng.chance(0.5) {
                pick(rng, &[lo, hi])
            } else {
                range(rng, lo, hi)
            },
        }
    };
    let mut out: Vec<(usize, HostAction)> = Vec::new();
    let mut learning_back: Option<usize> = None;
    if ticks >= 3 {
        // a state write (v at least: every array has it)
        let k = 1 + rng.below(ticks as u64 - 1) as usize;
        out.push((k, state(rng)));
        // the guaranteed ones: learning off for a stretch, two weight writes at the bounds
        let off = 1 + rng.below(ticks as u64 / 2) as usize;
        out.push((off, HostAction::Learning(false)));
        learning_back = Some((off + 1 + rng.below(3) as usize).min(ticks - 1));
        for w in [w_max, w_min] {
            let k = 1 + rng.below(ticks as u64 - 1) as usize;
            let (j, i) = (rng.below(rows), rng.below(n));
            out.push((k, HostAction::WriteWeight { j, i, w }));
        }
        let k = 1 + rng.below(ticks as u64 - 1) as usize;
        for a in zero_column(rng, cfg) {
            out.push((k, a));
        }
    }
    for k in 1..ticks {
        if learning_back == Some(k) {
            out.push((k, HostAction::Learning(true)));
            learning_back = None;
        }
        if !rng.chance(0.12) {
            continue;
        }
        for _ in 0..1 + rng.below(2) {
            match rng.below(20) {
                0..=6 => out.push((k, weight(rng))),
                7..=9 => out.push((k, HostAction::Clear)),
                10..=11 => out.push((k, HostAction::Normalize)),
                12..=14 if learning_back.is_none() => {
                    out.push((k, HostAction::Learning(false)));
                    learning_back = Some((k + 1 + rng.below(3) as usize).min(ticks - 1));
                }
                15..=17 => {
                    for a in zero_column(rng, cfg) {
                        out.push((k, a));
                    }
                }
                18 => out.push((k, HostAction::Reset)),
                19 => out.push((k, state(rng))),
                _ => out.push((k, weight(rng))),
            }
        }
    }
    if let Some(k) = learning_back {
        out.push((k, HostAction::Learning(true)));
    }
    out.sort_by_key(|(k, _)| *k);
    out
}

/// The states a host may write on this network's array, with their ranges: v always,
/// refractory and theta when the config uses them, x and y with STDP, u of `cuba` (the fields
/// the generated array has).
fn writable_states(cfg: &Config) -> Vec<(StateKind, i64, i64)> {
    let mut kinds = vec![StateKind::V];
    if cfg.cuba().is_some() {
        kinds.push(StateKind::U);
    }
    if let Some(l) = cfg.lif() {
        if l.refractory > 0 {
            kinds.push(StateKind::Refractory);
        }
        if l.theta_plus > 0 {
            kinds.push(StateKind::Theta);
        }
    }
    if cfg.stdp.enabled {
        kinds.extend([StateKind::X, StateKind::Y]);
    }
    kinds
        .into_iter()
        .filter_map(|k| {
            golden::rules::state_range(cfg, k)
                .ok()
                .map(|(lo, hi)| (k, lo, hi))
        })
        .collect()
}

/// Writes that make one neuron's column of signed weights sum to exactly 0 with some weight not
/// 0 (pairs `+a`, `-a`, the odd row 0), then *normalize*: the scaling step must leave such a
/// column alone. Empty when the weights are unsigned or 0 is not inside `[w_min, w_max]`.
pub fn zero_column(rng: &mut SplitMix64, cfg: &Config) -> Vec<HostAction> {
    let (w_min, w_max) = (cfg.synapse.w_min, cfg.synapse.w_max);
    if !cfg.synapse.signed || w_min >= 0 || w_max <= 0 {
        return Vec::new();
    }
    let rows = cfg.rows() as u64;
    let i = rng.below(cfg.array.neurons as u64);
    let a = range(rng, 1, (-w_min).min(w_max));
    let mut out: Vec<HostAction> = (0..rows)
        .map(|j| {
            let w = match (j % 2, j + 1 == rows) {
                (_, true) if rows % 2 == 1 => 0,
                (0, _) => a,
                _ => -a,
            };
            HostAction::WriteWeight { j, i, w }
        })
        .collect();
    out.push(HostAction::Normalize);
    out
}

/// The co-simulation `neurogen cosim` runs by default: `stim` stressed with `seed`, run through
/// [`cosim::driver::run`] twice with the options of `base` (target, comparison, VCD, patches):
/// first without backpressure (every tick's cycle count and output beat cycles checked), then
/// with the stress's backpressure on both streams (`base.bp` instead when it is not zero).
/// Returns the stress and the report of each pass run; the second pass is skipped when the
/// first finds a difference. An error is a failure to run (build, protocol).
pub fn cosim_stressed(
    cfg: &Config,
    stim: &Stimulus,
    base: &RunOptions,
    seed: u64,
) -> Result<(Stress, Vec<Report>), String> {
    let s = stress(cfg, stim, seed);
    let bp = if base.bp.input > 0.0 || base.bp.output > 0.0 {
        base.bp
    } else {
        s.bp
    };
    let mut reports = Vec::new();
    for bp in [Backpressure::default(), bp] {
        let o = RunOptions {
            bp,
            seed,
            actions: s.actions.clone(),
            ..base.clone()
        };
        let r = cosim::driver::run(cfg, &s.stimulus, &o)?;
        let stop = r.mismatch.is_some();
        reports.push(r);
        if stop {
            break;
        }
    }
    Ok((s, reports))
}

impl Stress {
    /// One line: the seed and what was injected (how the backpressure is applied is the
    /// caller's to say).
    pub fn summary(&self) -> String {
        let count =
            |f: &dyn Fn(&HostAction) -> bool| self.actions.iter().filter(|(_, a)| f(a)).count();
        format!(
            "stress seed {}: {} repeated and {} out-of-range addresses added; host actions: {} weight writes, {} state writes, {} clear, {} normalize, {} learning off, {} learning on, {} rst; backpressure in {} out {}",
            self.seed,
            self.repeats,
            self.out_of_range,
            count(&|a| matches!(a, HostAction::WriteWeight { .. })),
            count(&|a| matches!(a, HostAction::WriteState { .. })),
            count(&|a| matches!(a, HostAction::Clear)),
            count(&|a| matches!(a, HostAction::Normalize)),
            count(&|a| matches!(a, HostAction::Learning(false))),
            count(&|a| matches!(a, HostAction::Learning(true))),
            count(&|a| matches!(a, HostAction::Reset)),
            self.bp.input,
            self.bp.output,
        ) + &match count(&|a| matches!(a, HostAction::Teach(_))) {
            0 => String::new(),
            n => format!("; {n} teach-mode writes"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn cfg(signed: bool) -> Config {
        let syn = if signed {
            "[synapse]\nweight_bits = 6\nsigned = true\n"
        } else {
            "[synapse]\n"
        };
        let t = format!(
            "name = \"a\"\n[array]\ninputs = 5\nneurons = 4\nlanes = 2\n{syn}[stdp]\nnormalize_target = 50\n"
        );
        Config::from_toml_str(&t, Path::new(".")).unwrap()
    }

    #[test]
    fn stress_is_seeded_and_adds_every_kind() {
        let c = cfg(true);
        let stim = golden::Stimulus::poisson(5, 200.0, 200, 1.0, 3);
        let a = stress(&c, &stim, 7);
        let b = stress(&c, &stim, 7);
        assert_eq!(a.stimulus, b.stimulus);
        assert_eq!(a.actions, b.actions);
        assert_ne!(stress(&c, &stim, 8).stimulus, a.stimulus);
        assert!(a.repeats > 0 && a.out_of_range > 0);
        assert!(
            a.stimulus
                .ticks
                .iter()
                .any(|t| t.windows(2).any(|w| w[0] == w[1] && w[0] < 5))
        );
        let s = a.summary();
        assert!(s.starts_with("stress seed 7: "), "{s}");
        // rst is rare (about one tick in a hundred): some seed of ten draws it
        assert!((0..10).any(|seed| {
            stress(&c, &stim, seed)
                .actions
                .iter()
                .any(|(_, x)| *x == HostAction::Reset)
        }));
        for k in 0..5 {
            assert!(
                a.actions.iter().any(|(_, x)| matches!(
                    (k, x),
                    (0, HostAction::WriteWeight { .. })
                        | (1, HostAction::Clear)
                        | (2, HostAction::Normalize)
                        | (3, HostAction::Learning(false))
                        | (4, HostAction::Learning(true))
                )),
                "kind {k} missing: {s}"
            );
        }
        assert!(a.bp.input > 0.0 && a.bp.output > 0.0);
        assert!(a.bp_ticks.iter().any(|b| *b) && a.bp_ticks.iter().any(|b| !*b));
        // every action is in range and before a tick of the stimulus
        for (k, x) in &a.actions {
            assert!(*k < 200);
            if let HostAction::WriteWeight { j, i, w } = x {
                assert!(*j < 5 && *i < 4 && (-32..=31).contains(w));
            }
        }
    }

    #[test]
    fn a_zero_column_sums_to_zero_and_only_for_signed_weights() {
        let mut rng = SplitMix64::new(1);
        assert!(zero_column(&mut rng, &cfg(false)).is_empty());
        let acts = zero_column(&mut rng, &cfg(true));
        assert_eq!(acts.last(), Some(&HostAction::Normalize));
        let ws: Vec<i64> = acts
            .iter()
            .filter_map(|a| match a {
                HostAction::WriteWeight { w, .. } => Some(*w),
                _ => None,
            })
            .collect();
        assert_eq!(ws.len(), 5);
        assert_eq!(ws.iter().sum::<i64>(), 0);
        assert!(ws.iter().any(|w| *w != 0));
    }

    #[test]
    fn a_short_run_still_gets_learning_off_and_on_and_bound_writes() {
        let c = cfg(false);
        let stim = Stimulus {
            ticks: vec![vec![0, 1]; 3],
            ..Default::default()
        };
        for seed in 0..50 {
            let a = stress(&c, &stim, seed);
            let off = a
                .actions
                .iter()
                .position(|(_, x)| *x == HostAction::Learning(false));
            let on = a
                .actions
                .iter()
                .rposition(|(_, x)| *x == HostAction::Learning(true));
            assert!(off.is_some() && on > off, "seed {seed}: {:?}", a.actions);
        }
    }
}
