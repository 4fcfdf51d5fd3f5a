//! The FEAST layer's cycle model: the sizes and state lengths of the generated hardware
//! (`hdl::feast`, which builds from [`FeastArch`]) and the exact cycles each input beat takes
//! (docs/model.md, "FEAST layers", "Cycle model"). Checked cycle for cycle by the co-simulation
//! (`cosim/tests/feast.rs`).
//!
//! Key decisions:
//! - One state machine runs everything in sequence; every state has a fixed length that depends
//!   only on the config, so the cycles of an event depend only on its outcome (dropped, skipped,
//!   missed, won with or without learning), never on the values. The data-dependent parts of the
//!   arithmetic are fixed-length too: the integer square root always runs one iteration per
//!   result bit of the widest sum, the divider one per quotient bit.
//! - The output register holds one beat: a beat that sends one while the previous is still
//!   untaken (output backpressure) waits for it, one cycle per cycle the register stays held
//!   ([`FeastArch::output_wait`]); nothing else depends on `out_ready`, so every other count
//!   stays exact under backpressure.
//! - Memories have a read latency of [`READ_LATENCY`]; a sweep over `n` addresses issues one
//!   read per cycle and takes `n` cycles plus the latency plus its own pipeline registers.

use super::{FeastConfig, Norm, Outcome};
use crate::arith::bits_unsigned;
use serde::Serialize;

/// Read latency of every memory of the FEAST hardware (a registered read and one output
/// register, as the array's memories).
pub const READ_LATENCY: u64 = 2;

/// Sizes, widths and state lengths of the FEAST hardware for one config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeastArch {
    /// Window positions, `K = (2r+1)^2`.
    pub k: u64,
    /// Lanes (multiply-accumulates per cycle in the match sweep).
    pub lanes: u64,
    /// Neuron groups, `G = neurons / lanes` (lane `l` holds neurons `g * lanes + l`).
    pub g: u64,
    /// Inputs (grid positions).
    pub inputs: u64,
    /// Memory read latency.
    pub rl: u64,
    /// Bits of the widest norm sum (the context's or a weight column's sum of squares, L2, or
    /// sum, L1).
    pub sum_bits: u32,
    /// Integer square root iterations (one per result bit; 0 with L1).
    pub sqrt_iters: u64,
    /// Quotient bits of the ratio division, `norm_shift + 17`.
    pub quot_bits: u64,
    /// Bits of a neuron's dot product `w . c`.
    pub dot_bits: u32,
}

impl FeastArch {
    /// The hardware's sizes for `cfg`.
    pub fn new(cfg: &FeastConfig) -> FeastArch {
        let p = &cfg.feast;
        let k = p.window() as u64;
        let lanes = cfg.base.array.lanes as u64;
        let (xm, wm) = (cfg.x_max() as u64, cfg.w_max() as u64);
        let sum = |v: u64| match p.norm {
            Norm::L1 => k * v,
            Norm::L2 => k * v * v,
        };
        let sum_bits = bits_unsigned(sum(xm).max(sum(wm)));
        FeastArch {
            k,
            lanes,
            g: cfg.neurons() as u64 / lanes,
            inputs: cfg.inputs() as u64,
            rl: READ_LATENCY,
            sum_bits,
            sqrt_iters: match p.norm {
                Norm::L1 => 0,
                Norm::L2 => sum_bits.div_ceil(2) as u64,
            },
            quot_bits: p.norm_shift as u64 + 17,
            dot_bits: bits_unsigned(k * xm * wm),
        }
    }

    /// Reading the event's own trace and writing it incremented: `RL + 1`.
    pub fn xread(&self) -> u64 {
        self.rl + 1
    }
    /// The context read (one trace per cycle), its squares registered and summed: `K + RL + 1`.
    pub fn context(&self) -> u64 {
        self.k + self.rl + 1
    }
    /// The integer square root of a sum: load, then one iteration per result bit (0 with L1).
    pub fn sqrt(&self) -> u64 {
        if self.sqrt_iters == 0 {
            0
        } else {
            self.sqrt_iters + 1
        }
    }
    /// The ratio `floor(2^(norm_shift+16) / norm)`: start, one cycle per quotient bit, latch.
    pub fn div(&self) -> u64 {
        self.quot_bits + 2
    }
    /// One group of the match sweep: `K` multiply-accumulates per lane (read, product register,
    /// accumulate), then the multiply by the context's ratio and the threshold compare.
    pub fn group(&self) -> u64 {
        (self.k + self.rl + 1) + 2
    }
    /// The lanes' winners reduced to one, a lane per cycle.
    pub fn reduce(&self) -> u64 {
        self.lanes
    }
    /// Every threshold lowered (a read-modify-write sweep over the groups).
    pub fn miss(&self) -> u64 {
        self.g + self.rl
    }
    /// The winner's weights moved toward the context (read, product, registered step, write),
    /// their squares summed.
    pub fn update(&self) -> u64 {
        self.k + self.rl + 3
    }
    /// The winner's weights scaled by its ratio (and its threshold raised).
    pub fn scale(&self) -> u64 {
        self.k + self.rl + 1
    }

    /// The cycles from the one accepting an event beat to the next in which the input can be
    /// ready again (no host transaction, output ready).
    pub fn event(&self, outcome: Outcome, learning: bool) -> u64 {
        let matched = || {
            1 + self.xread()
                + self.context()
                + self.sqrt()
                + self.div()
                + self.g * self.group()
                + self.reduce()
        };
        match outcome {
            Outcome::Dropped => 1,
            Outcome::Skipped => 1 + self.xread(),
            Outcome::Missed => matched() + self.miss(),
            Outcome::Won(_) if learning => {
                matched() + self.update() + self.sqrt() + self.div() + self.scale() + 1
            }
            Outcome::Won(_) => matched() + 1,
        }
    }

    /// The end-of-tick beat: accepted, then sent on (2 cycles).
    pub fn end_of_tick(&self) -> u64 {
        2
    }

    /// The cycles a beat waits for the output register (output backpressure), beyond its
    /// [`FeastArch::event`] or [`FeastArch::end_of_tick`] cycles `busy`.
    ///
    /// A beat that sends an output beat (`emits`: a won event, the end of a tick) sends it in its
    /// last cycle by the model, cycle `busy - 1` counted from the accepting one (0), into the
    /// one-beat output register. While that register still holds an earlier beat that is not
    /// taken in that cycle (`out_valid` high, `out_ready` low), the layer waits there and tries
    /// again in the next cycle. The wait is the number of consecutive cycles from `busy - 1` on
    /// for which `held(cycle)` is true; a beat that sends nothing never waits (nothing else in
    /// the layer depends on the output).
    pub fn output_wait(busy: u64, emits: bool, mut held: impl FnMut(u64) -> bool) -> u64 {
        let mut wait = 0;
        if emits && busy > 0 {
            while held(busy - 1 + wait) {
                wait += 1;
            }
        }
        wait
    }

    /// A tick's start: the first beat of a tick waits for the decay sweep over every trace, from
    /// the first cycle it is offered to the cycle it is accepted.
    pub fn tick_start(&self) -> u64 {
        1 + self.inputs + self.rl
    }

    /// The trace clear (after reset, and the host's COMMAND clear): one write per input.
    pub fn clear(&self) -> u64 {
        self.inputs
    }
}

/// Cycles per event by outcome (with learning on unless said).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EventCycles {
    /// A dropped event (address out of the grid).
    pub dropped: u64,
    /// A skipped event (window leaves the grid, `border = "skip"`).
    pub skipped: u64,
    /// A missed event.
    pub missed: u64,
    /// A won event with learning on.
    pub won: u64,
    /// A won event with learning off.
    pub won_frozen: u64,
    /// The decay sweep before a tick's first beat.
    pub tick_start: u64,
}

/// The cycles per event of `cfg`'s hardware ([`FeastArch::event`]).
pub fn event_cycles(cfg: &FeastConfig) -> EventCycles {
    let a = FeastArch::new(cfg);
    EventCycles {
        dropped: a.event(Outcome::Dropped, true),
        skipped: a.event(Outcome::Skipped, true),
        missed: a.event(Outcome::Missed, true),
        won: a.event(Outcome::Won(0), true),
        won_frozen: a.event(Outcome::Won(0), false),
        tick_start: a.tick_start(),
    }
}

#[cfg(test)]
mod tests {
    use super::FeastArch;

    #[test]
    fn output_wait_counts_the_held_cycles_from_the_emit_on() {
        // held in cycles 3..=5 and 7: a 5-cycle beat emits in cycle 4, waits in 4 and 5
        let held = |c: u64| (3..=5).contains(&c) || c == 7;
        assert_eq!(FeastArch::output_wait(5, true, held), 2);
        // a beat that sends nothing never waits
        assert_eq!(FeastArch::output_wait(5, false, held), 0);
        // not held in the emitting cycle: no wait, even when held before and after
        assert_eq!(FeastArch::output_wait(7, true, held), 0);
        assert_eq!(FeastArch::output_wait(2, true, |_| false), 0);
    }
}
