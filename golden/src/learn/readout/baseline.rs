//! The readouts of the two baselines of `learn digits --rules supervised` (`--hidden random`,
//! `--hidden none`): each baseline's own readout parameters, chosen on the validation part of
//! the training set by `learn digits --rules supervised --hidden random|none --sweep` over
//! [`baseline_grid`] (docs/learning.md), so the baselines are compared with a readout tuned for
//! them, not with the trained front's.
//!
//! Key decisions:
//! - The grid is the trained front's levers ([`super::sweep_grid`]) moved where a baseline
//!   needs it. Inputs: thresholds up to 4096 (the 64 inputs drive a readout neuron with
//!   hundreds per tick, so a low threshold makes every neuron fire every tick and every image a
//!   tie), fewer ticks, a slower teacher (an earlier grid of 10-200 Hz chose 10 Hz) and
//!   *normalize* after every image (weights that count coincidences over 1,000 images of raw
//!   pixels saturate at 255). Random hidden layer: lower thresholds, a faster teacher and
//!   longer presentations (earlier grids chose their edges: thresholds 16-1024 with teachers of
//!   20-200 Hz chose 16 and 200 Hz; thresholds 4-64 with 50-500 Hz and 400-800 ticks chose 500
//!   Hz and 800 ticks), and a weaker lateral inhibition than the one it was built with (4000,
//!   the `fixed` rule set's), so more hidden neurons answer.

use super::{Front, ReadoutParams, Scaling};

/// The readout of `front`'s baseline, chosen by its `--sweep` over [`baseline_grid`]; `None` for
/// [`Front::Trained`] (its readout is [`ReadoutParams::default`]).
/// (`learn digits --rules supervised --hidden random|none --sweep --sweep-seeds 2,3,4`, the
/// best validation cell; docs/learning.md).
pub fn baseline_params(front: Front) -> Option<ReadoutParams> {
    let base = ReadoutParams::default();
    match front {
        Front::Trained => None,
        // validation 73.2 % (seeds 2-4; labelling the same layers: 70.0 %)
        Front::Random => Some(ReadoutParams {
            hidden_inhibition: None,
            ticks: 1600,
            threshold: 8,
            scaling: Scaling::AtEnd,
            normalize_target: 2000,
            pre_inc: 128,
            ltp_shift: 7,
            teach_rate: 500.0,
            // one race per image: searched before the trained front's windows (5) existed
            windows: 1,
            ..base
        }),
        // validation 84.3 % (seeds 2-4)
        Front::Inputs => Some(ReadoutParams {
            hidden_inhibition: None,
            ticks: 200,
            threshold: 1024,
            scaling: Scaling::AtEnd,
            normalize_target: 2000,
            pre_inc: 128,
            ltp_shift: 7,
            teach_rate: 5.0,
            // one race per image: searched before the trained front's windows (5) existed
            windows: 1,
            ..base
        }),
    }
}

/// The grid the `--sweep` of a baseline front searches, around `base` (288 cells for the
/// random hidden layer, 300 for the inputs).
pub fn baseline_grid(front: Front, base: &ReadoutParams) -> Vec<ReadoutParams> {
    // (hidden inhibition, ticks, teacher rates, thresholds)
    type Levers = (
        &'static [Option<i64>],
        &'static [usize],
        &'static [f64],
        &'static [i64],
    );
    let (inhibitions, ticks, rates, thresholds): Levers = match front {
        Front::Trained | Front::Random => (
            &[None, Some(1000)],
            &[400, 800, 1600],
            &[50.0, 200.0, 500.0, 1000.0],
            &[4, 8, 16, 64],
        ),
        Front::Inputs => (
            &[None],
            &[50, 100, 200, 400],
            &[5.0, 10.0, 20.0, 50.0, 200.0],
            &[256, 512, 1024, 2048, 4096],
        ),
    };
    let mut grid = Vec::new();
    for &hidden_inhibition in inhibitions {
        for &ticks in ticks {
            for (scaling, normalize_target) in [
                (Scaling::Off, 0),
                (Scaling::AtEnd, 2000),
                (Scaling::EveryImage, 2000),
            ] {
                for &teach_rate in rates {
                    for &threshold in thresholds {
                        grid.push(ReadoutParams {
                            hidden_inhibition,
                            ticks,
                            scaling,
                            normalize_target,
                            pre_inc: 128,
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
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_baseline_readout_is_a_cell_of_its_own_grid() {
        assert_eq!(baseline_params(Front::Trained), None);
        for (front, cells) in [(Front::Random, 288), (Front::Inputs, 300)] {
            let chosen = baseline_params(front).unwrap();
            assert_eq!(ReadoutParams::for_front(front), chosen);
            let grid = baseline_grid(front, &chosen);
            assert_eq!(grid.len(), cells);
            assert!(grid.contains(&chosen), "{front:?}");
            for o in &grid {
                o.validate().unwrap();
            }
        }
        // the baselines' readouts differ from the trained front's (not its defaults reused)
        assert_ne!(
            ReadoutParams::for_front(Front::Inputs),
            ReadoutParams::default()
        );
    }
}
