//! The teach share of the random co-simulation suite (issue 15): a fraction of the random
//! one-layer cases and chains get teach hardware (docs/model.md, "Teach mode in hardware"), a
//! random teacher in the stimulus and the host toggling teach mode mid-run.
//!
//! Key decisions:
//! - Drawn from a generator of its own (seeded by the case's seed and a salt), after everything
//!   else: the cases without a teacher are exactly the ones drawn before this share existed.
//! - The teacher is skewed towards the corners: repeated neurons in a tick, neurons outside the
//!   teacher layer (`neurons`, just past it, `u32::MAX`: dropped and counted in TEACH_DROPPED),
//!   empty lists, and a `teach` shorter than the stimulus (the missing ticks teach nothing).
//! - Teach mode after reset is drawn per layer (`[array] teach`); every layer has the teach
//!   hardware (`[network] teacher_layer = 0` in each drawn layer's own config, which is how
//!   `Config::layer_configs` marks the layers of a network with teach hardware).

use crate::random::{Case, ChainCase, StimulusShape, parse, range};
use cosim::driver::{ChainAction, HostAction};
use golden::rng::SplitMix64;

/// Salt of the teach share's generator.
const SALT: u64 = 0x7465_6163_6865_7200;

/// The generator of the teach share of case `seed`.
pub fn rng(seed: u64) -> SplitMix64 {
    SplitMix64::new(seed ^ SALT)
}

/// `toml` (a drawn one-layer config) with teach hardware: `[network] teacher_layer = 0` and
/// `[array] teach` drawn.
pub fn with_teach(rng: &mut SplitMix64, toml: &str) -> String {
    let on = rng.chance(0.6);
    let toml = toml.replacen("[array]", "[network]\nteacher_layer = 0\n[array]", 1);
    crate::random::after_recurrent(&toml, &format!("teach = {on}"))
}

/// A teacher of `neurons` neurons for `ticks` ticks (see the module's key decisions).
pub fn teacher(rng: &mut SplitMix64, neurons: u32, ticks: usize) -> Vec<Vec<u32>> {
    let len = if rng.chance(0.2) {
        rng.below(ticks as u64 + 1) as usize
    } else {
        ticks
    };
    (0..len)
        .map(|_| {
            if rng.chance(0.15) {
                return Vec::new();
            }
            let mut l: Vec<u32> = (0..1 + rng.below(3))
                .map(|_| rng.below(neurons as u64) as u32)
                .collect();
            if rng.chance(0.3) {
                let k = rng.below(l.len() as u64) as usize;
                l.push(l[k]);
            }
            if rng.chance(0.25) {
                let bad = [neurons, neurons + 1 + rng.below(40) as u32, u32::MAX];
                l.insert(
                    rng.below(l.len() as u64 + 1) as usize,
                    bad[rng.below(3) as usize],
                );
            }
            l
        })
        .collect()
}

/// Ticks (from 1, sorted) before which the host toggles teach mode: one to three.
fn toggle_ticks(rng: &mut SplitMix64, ticks: usize) -> Vec<usize> {
    if ticks < 2 {
        return Vec::new();
    }
    let mut t: Vec<usize> = (0..range(rng, 1, 3))
        .map(|_| 1 + rng.below(ticks as u64 - 1) as usize)
        .collect();
    t.sort_unstable();
    t
}

/// Give the one-layer `case` teach hardware, a teacher and teach-mode toggles (inserted after
/// the drawn host actions of their tick; a drawn `rst` sets the mode back to the config's).
pub fn teach_case(rng: &mut SplitMix64, case: &mut Case, shape: &StimulusShape) {
    case.toml = with_teach(rng, &case.toml);
    case.config = parse(&case.toml);
    let n = case.config.array.neurons;
    case.stimulus.teach = teacher(rng, n, case.stimulus.ticks.len());
    let mut on = case.config.array.teach;
    for k in toggle_ticks(rng, shape.ticks) {
        on = !on;
        let at = case.actions.partition_point(|(t, _)| *t <= k);
        case.actions.insert(at, (k, HostAction::Teach(on)));
    }
}

/// Give the chain `c` teach hardware in every layer, a teacher layer (mostly the last), a
/// teacher and teach-mode toggles on one layer or all.
pub fn teach_chain(rng: &mut SplitMix64, c: &mut ChainCase, shape: &StimulusShape) {
    for (toml, layer) in c.tomls.iter_mut().zip(c.layers.iter_mut()) {
        *toml = with_teach(rng, toml);
        *layer = parse(toml);
    }
    let nl = c.layers.len();
    c.teacher = if rng.chance(0.7) {
        nl - 1
    } else {
        rng.below(nl as u64) as usize
    };
    let n = c.layers[c.teacher].array.neurons;
    c.stimulus.teach = teacher(rng, n, c.stimulus.ticks.len());
    for tick in toggle_ticks(rng, shape.ticks) {
        let layer = (nl > 1 && rng.chance(0.6)).then(|| rng.below(nl as u64) as usize);
        let at = c.actions.partition_point(|a| a.tick <= tick);
        let action = HostAction::Teach(rng.chance(0.5));
        c.actions.insert(
            at,
            ChainAction {
                tick,
                layer,
                action,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_teach_share_reaches_its_corners_and_leaves_other_cases_alone() {
        let taught: Vec<Case> = (0..400)
            .map(Case::new)
            .filter(|c| c.config.teach_hardware())
            .collect();
        assert!(
            (40..=140).contains(&taught.len()),
            "{} of 400 cases taught",
            taught.len()
        );
        let any = |f: &dyn Fn(&Case) -> bool| taught.iter().any(f);
        let n = |c: &Case| c.config.array.neurons;
        assert!(any(&|c| c
            .stimulus
            .teach
            .iter()
            .flatten()
            .any(|&a| a >= n(c))));
        assert!(any(&|c| c
            .stimulus
            .teach
            .iter()
            .flatten()
            .any(|&a| a == u32::MAX)));
        assert!(any(&|c| c
            .stimulus
            .teach
            .iter()
            .any(|l| (1..l.len()).any(|k| l[..k].contains(&l[k])))));
        assert!(any(&|c| c.stimulus.teach.len() < c.stimulus.ticks.len()));
        assert!(any(&|c| c.config.array.teach));
        assert!(any(&|c| !c.config.array.teach));
        for on in [false, true] {
            assert!(any(&|c| c
                .actions
                .iter()
                .any(|(_, a)| *a == HostAction::Teach(on))));
        }
        // the cases without the share are drawn as before: no teacher anywhere
        for c in (0..400)
            .map(Case::new)
            .filter(|c| !c.config.teach_hardware())
        {
            assert!(c.stimulus.teach.is_empty(), "seed {}", c.seed);
            assert!(!c.toml.contains("teach"), "seed {}", c.seed);
        }
        let chains: Vec<ChainCase> = (0..64).map(ChainCase::new).collect();
        let tc = |f: &dyn Fn(&ChainCase) -> bool| chains.iter().any(f);
        assert!(tc(&|c| c.layers.len() > 1
            && c.layers.iter().all(|l| l.teach_hardware())
            && c.teacher + 1 == c.layers.len()));
        assert!(tc(&|c| c.layers.len() > 1
            && c.layers[0].teach_hardware()
            && c.teacher + 1 < c.layers.len()));
        assert!(tc(&|c| c
            .actions
            .iter()
            .any(
                |a| matches!(a.action, HostAction::Teach(_)) && a.layer.is_none()
            )));
    }
}
