//! The teacher stream and teach mode (docs/model.md, "Teach mode" and "The teacher stream"):
//! the TEACH register, the teacher's beats of the tick, the neurons they force and the teacher
//! drop counter. Generated only with teach hardware (`Layout::teach`).
//!
//! Key decisions:
//! - The teacher has its own valid/ready stream, taken during the event phase, one beat per
//!   cycle, until its end-of-tick beat; the event phase does not end before that beat was taken
//!   and the last teacher beat left its slot, so the neurons see the whole list.
//! - A beat is registered first (slot T: the neuron index and whether it is `< neurons`), then
//!   sets its neuron's bit in `teach_mask` (an out-of-range one is counted instead). The neuron
//!   phase issues groups 0, 1, ... in order, so the mask shifts right by one group (L bits)
//!   per issued group and lane l takes bit l: no multiplexer over the groups, and the mask is
//!   empty again when the phase ends.

use super::sequencer::{Phase, Sequencer};
use super::spikes::NeuronPhase;
use super::{Ports, k};
use crate::array::build::B;
use crate::array::layout::Layout;
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

/// Teach mode and the teacher's forced neurons.
pub(super) struct Teacher {
    /// The TEACH register (teach mode).
    pub mode: Sig,
    /// Teacher beats dropped (address `>= neurons`).
    pub dropped: Sig,
    /// The teacher's end-of-tick beat was taken and slot T is empty.
    pub done: Sig,
    /// The forced neurons of the tick, bit `g * L + l` (shifted by a group per issued group).
    pub mask: Sig,
    /// Slot T holds an in-range beat this cycle.
    hit: Sig,
    /// Slot T's neuron.
    idx: Sig,
}

impl Teacher {
    /// The stream's handshake, slot T and the counters; `None` without teach hardware.
    pub fn build(
        b: &mut B,
        lay: &Layout,
        ports: &Ports,
        seq: &Sequencer,
        tick_start: &Sig,
    ) -> Option<Teacher> {
        let tp = ports.teach.as_ref()?;
        let nb = lay.nb;
        let mode = b.ctl_reg("teach_mode", Ty::BIT, lay.teach_reset as i128);
        b.m.comment(&mode, "TEACH bit 0: teach mode");
        let dropped = b.ctl_reg("teach_dropped", Ty::u(32), 0);
        let eot_seen = b.ctl_reg("t_eot_seen", Ty::BIT, 0);
        let t_v = b.ctl_reg("t_v", Ty::BIT, 0);
        let t_ok = b.data_reg("t_ok", Ty::BIT);
        let idx = b.data_reg("t_idx", Ty::u(nb));
        let ready = b.net("t_ready", seq.is(Phase::Events).and(eot_seen.e().not()));
        b.m.assign(&tp.ready, ready.e());
        let accept = b.net("t_accept", ready.e().and(tp.valid.e()));
        // teach_addr < neurons: the bits above the index width zero, then a short compare
        let addr = &tp.addr;
        let high_zero = if nb >= 32 {
            Expr::bit(true)
        } else {
            addr.e().slice(31, nb).any().not()
        };
        let low = addr.e().slice(nb - 1, 0);
        let low_ok = if lay.n >= 1u64 << nb {
            Expr::bit(true)
        } else {
            low.clone().lt(k(lay.n, nb))
        };
        b.data(when(
            accept.e(),
            vec![set(&t_ok, high_zero.and(low_ok)), set(&idx, low)],
        ));
        b.ctl(set(&t_v, accept.e().and(tp.eot.e().not())));
        b.ctl(if_else(
            tick_start.e(),
            vec![set(&eot_seen, Expr::bit(false))],
            vec![when(
                accept.e().and(tp.eot.e()),
                vec![set(&eot_seen, Expr::bit(true))],
            )],
        ));
        b.ctl(when(
            t_v.e().and(t_ok.e().not()),
            vec![set(&dropped, dropped.e().inc())],
        ));
        let hit = b.net("t_hit", t_v.e().and(t_ok.e()));
        let done = b.net("t_done", eot_seen.e().and(t_v.e().not()));
        let mask = b.ctl_reg("teach_mask", Ty::u(lay.n as u32), 0);
        b.m.comment(&mask, "teacher's neurons of the tick, bit g*L+l");
        Some(Teacher {
            mode,
            dropped,
            done,
            mask,
            hit,
            idx,
        })
    }

    /// The mask: slot T sets its neuron's bit; each group the neuron phase issues shifts it out.
    pub fn drive(&self, b: &mut B, lay: &Layout, neuron: &NeuronPhase) {
        let (n, l) = (lay.n as u32, lay.l as u32);
        let mask = &self.mask;
        let shifted = if n == l {
            Expr::zero(mask.ty)
        } else {
            Expr::concat(vec![Expr::zero(Ty::u(l)), mask.e().slice(n - 1, l)])
        };
        let set_bit = Expr::concat(
            (0..n)
                .rev()
                .map(|i| mask.e().bit_at(i).or(self.idx.e().eq(k(i as u64, lay.nb))))
                .collect(),
        );
        b.ctl(if_else(
            neuron.nu_valid.e(),
            vec![set(mask, shifted)],
            vec![when(self.hit.e(), vec![set(mask, set_bit)])],
        ));
    }
}
