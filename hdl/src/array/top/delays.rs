//! Synaptic delays in the top (`synapse.max_delay = D > 0`; docs/model.md, "Synaptic delays in
//! hardware"): the slot registers `t mod D` and `(t - 1) mod D`, and the clear sweep's zeroing of
//! the lanes' accumulator rings. The trace history is the x memory grown to D slots
//! ([`super::traces`]); the delays and the rings are in the lanes.

use super::counters::Counters;
use super::k;
use super::sequencer::{Sequencer, Sweeps};
use crate::array::build::B;
use crate::array::layout::Layout;
use crate::ir::stmt::*;
use crate::ir::*;

/// The top's delay signals.
pub(super) struct DelayTop {
    /// `t mod D`: the ring slot the neuron phase consumes, the history slot the tick writes.
    pub slot: Sig,
    /// `(t - 1) mod D`: the history slot of the last tick (decay reads it, the host's x too).
    pub slot_p: Sig,
    /// The clear sweep zeroes ring word `ring_a` of every lane.
    pub ring_clr: Sig,
    pub ring_a: Expr,
}

impl DelayTop {
    /// The slot registers (reset with t: `rst` zeroes t, *clear* keeps it) and the ring's clear.
    pub fn build(
        b: &mut B,
        lay: &Layout,
        cnt: &Counters,
        seq: &Sequencer,
        sweeps: &Sweeps,
    ) -> Option<DelayTop> {
        let d = lay.delay;
        if d == 0 {
            return None;
        }
        let db = lay.db;
        let slot = b.ctl_reg("slot", Ty::u(db), 0);
        let slot_p = b.ctl_reg("slot_p", Ty::u(db), (d - 1) as i128);
        let next = |s: &Sig| {
            Expr::mux(
                s.e().eq(k(d - 1, db)),
                Expr::zero(Ty::u(db)),
                s.e().add_k(1),
            )
        };
        b.ctl(when(
            cnt.tick_end.e(),
            vec![set(&slot, next(&slot)), set(&slot_p, next(&slot_p))],
        ));
        let ring_clr = b.net("ring_clr", sweeps.sweep_issue.e().and(seq.pc_lt(lay.g * d)));
        Some(DelayTop {
            slot,
            slot_p,
            ring_clr,
            ring_a: seq.pc.e().resize(lay.acc_ab),
        })
    }
}
