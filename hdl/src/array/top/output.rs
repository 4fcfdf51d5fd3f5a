//! The output scanner and the output stage: the scanner reads the spike-word list and makes
//! the spikes ascending, one per cycle (writing them to the recurrent list and counting them),
//! then the end-of-tick beat; the output stage is a two-entry skid buffer in front of the AER
//! output port.
//!
//! Key decision: `out_ready` reaches only the skid buffer and the scanner waits on a register
//! (the spare entry is empty); every beat is presented one cycle after the scanner makes it
//! (`Arch::out_stages`), and the tick ends when its end-of-tick beat leaves.

use super::counters::Counters;
use super::sequencer::{Phase, Sequencer};
use super::spikes::NeuronPhase;
use super::{Ports, TopMems, cw, k};
use crate::array::build::{B, Fsm, Ram, mul_const, no_write_in_reset};
use crate::array::layout::{Layout, Params};
use crate::fsm_states;
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

fsm_states! {
    /// States of the output scanner (the `scan` register's values).
    pub enum ScanState {
        /// No word left (then the end-of-tick beat, in the finish phase).
        Done = 0,
        /// Read the next spike word.
        Fetch = 1,
        /// Wait for the read data.
        Wait = 2,
        /// Load the word's group and mask.
        Load = 3,
        /// Emit the mask's spikes, lowest lane first.
        Emit = 4,
    }
}

/// `m` without its lowest set bit.
fn lowest_off(m: Expr, l: u64) -> Expr {
    m.clone().and(m - k(1, l as u32))
}

/// The scanner's and the output stage's signals.
pub(super) struct Output {
    pub fsm: Fsm<ScanState>,
    /// Spike-word list index.
    pub sidx: Sig,
    swait: Sig,
    cur_g: Sig,
    cur_mask: Sig,
    mask_rest: Sig,
    rest_empty: Sig,
    next_rest: Sig,
    /// A spike leaves the scanner this cycle.
    emit_hs: Sig,
    /// Spikes emitted this tick (the recurrent list's write index).
    pub pw: Sig,
    /// Inhibition total accumulated over this tick's spikes.
    pub inh_acc: Option<Sig>,
    /// The previous tick's inhibition total, for the lanes.
    pub inh_total: Option<Sig>,
}

impl Output {
    pub fn declare(
        b: &mut B,
        lay: &Layout,
        p: &Params,
        ports: &Ports,
        seq: &Sequencer,
        cnt: &Counters,
        mems: &TopMems,
    ) -> Output {
        let (l, gb, nb, rl) = (lay.l, lay.gb, lay.nb, lay.rl);
        let fsm = b.fsm("scan", ScanState::Done);
        let sidx = b.ctl_reg("scan_idx", Ty::u(gb + 1), 0);
        let swait = b.ctl_reg("scan_wait", Ty::u(cw(rl)), 0);
        let cur_g = b.data_reg("cur_g", Ty::u(gb));
        if lay.g == 1 {
            b.m.partly_unused(&cur_g, "one group: a spike's address is its lane alone");
        }
        let cur_mask = b.data_reg("cur_mask", Ty::u(l as u32));
        let emit = b.net("emit", fsm.is(ScanState::Emit));
        // lowest set bit of the mask
        let mut low = Expr::zero(Ty::u(cw(l.saturating_sub(1)).max(1)));
        for bit in (0..l as u32).rev() {
            low = Expr::mux(cur_mask.e().bit_at(bit), k(bit as u64, low.ty.width), low);
        }
        let low = b.net("emit_lane", low);
        let spike_addr = b.net(
            "emit_addr",
            mul_const(cur_g.e(), l, nb) + low.e().resize(nb),
        );
        // the mask after this emit, and whether it is empty, are registers kept one step ahead
        // of `cur_mask` (the subtract's carry chain stays off the scanner's next-state logic)
        let mask_rest = b.data_reg("mask_rest", Ty::u(l as u32));
        let rest_empty = b.data_reg("rest_empty", Ty::BIT);
        let next_rest = b.net("mask_rest2", lowest_off(mask_rest.e(), l));
        let scan_done = b.net("scan_done", fsm.is(ScanState::Done));
        let in_finish = seq.is(Phase::Finish);
        let eot_now = b.net("eot_now", in_finish.clone().and(scan_done.e()));
        let emit_hs = output_stage(b, lay, ports, cnt, &emit, &eot_now, &spike_addr);
        let pw = b.ctl_reg("prev_wr", Ty::u(nb + 1), 0);
        let inhibits = p.lif.inhibition > 0;
        let inh_acc = inhibits.then(|| b.ctl_reg("inh_acc", Ty::u(lay.inh_bits), 0));
        let inh_total = inhibits.then(|| b.ctl_reg("inh_total", Ty::u(lay.inh_bits), 0));
        if let Some(pr) = &mems.prev {
            b.m.assign(&pr.we, no_write_in_reset(b, emit_hs.e()));
            b.m.assign(&pr.waddr, pw.e().resize(nb));
            b.m.assign(&pr.wdata, spike_addr.e());
        }
        b.m.assign(&mems.spk.raddr, sidx.e().resize(gb));
        Output {
            fsm,
            sidx,
            swait,
            cur_g,
            cur_mask,
            mask_rest,
            rest_empty,
            next_rest,
            emit_hs,
            pw,
            inh_acc,
            inh_total,
        }
    }

    /// The scanner's transitions and its word registers.
    pub fn drive(&self, b: &mut B, lay: &Layout, p: &Params, spk: &Ram, neuron: &NeuronPhase) {
        let (l, gb, rl) = (lay.l, lay.gb, lay.rl);
        let fsm = &self.fsm;
        let (sidx, swait) = (&self.sidx, &self.swait);
        let sw_w = swait.ty.width;
        let emit_regs_ctl = {
            let mut v = vec![set(&self.pw, self.pw.e().inc())];
            if let Some(ia) = &self.inh_acc {
                v.push(set(ia, ia.e() + k(p.lif.inhibition as u64, lay.inh_bits)));
            }
            v
        };
        let last_word = sidx.e().inc().eq(neuron.nwords.e());
        b.ctl(fsm.switch(
            vec![
                (
                    ScanState::Fetch,
                    vec![
                        if rl > 1 {
                            fsm.goto(ScanState::Wait)
                        } else {
                            fsm.goto(ScanState::Load)
                        },
                        set(swait, k(0, sw_w)),
                    ],
                ),
                (
                    ScanState::Wait,
                    vec![if_else(
                        swait.e().eq(k(rl.saturating_sub(2), sw_w)),
                        vec![fsm.goto(ScanState::Load)],
                        vec![set(swait, swait.e().inc())],
                    )],
                ),
                (ScanState::Load, vec![fsm.goto(ScanState::Emit)]),
                (
                    ScanState::Emit,
                    vec![when(self.emit_hs.e(), {
                        let mut v = emit_regs_ctl;
                        v.push(when(
                            self.rest_empty.e(),
                            vec![if_else(
                                last_word,
                                vec![fsm.goto(ScanState::Done)],
                                vec![fsm.goto(ScanState::Fetch), set(sidx, sidx.e().inc())],
                            )],
                        ));
                        v
                    })],
                ),
            ],
            vec![],
        ));
        let loaded = spk.rdata.e().slice(l as u32 - 1, 0);
        let loaded_rest = lowest_off(loaded.clone(), l);
        b.data(if_else(
            fsm.is(ScanState::Load),
            vec![
                set(
                    &self.cur_g,
                    spk.rdata.e().slice(gb + l as u32 - 1, l as u32),
                ),
                set(&self.cur_mask, loaded),
                set(&self.mask_rest, loaded_rest.clone()),
                set(
                    &self.rest_empty,
                    loaded_rest.eq(Expr::zero(Ty::u(l as u32))),
                ),
            ],
            vec![when(
                self.emit_hs.e(),
                vec![
                    set(&self.cur_mask, self.mask_rest.e()),
                    set(&self.mask_rest, self.next_rest.e()),
                    set(
                        &self.rest_empty,
                        self.next_rest.e().eq(Expr::zero(Ty::u(l as u32))),
                    ),
                ],
            )],
        ));
    }
}

/// The output stage (`Arch::out_stages`): a two-entry skid buffer between the scanner and the
/// port (the end-of-tick beat's address is not defined: no multiplexer on the address). Drives
/// the port and `tick_end`; returns "the scanner's spike is taken this cycle".
fn output_stage(
    b: &mut B,
    lay: &Layout,
    ports: &Ports,
    cnt: &Counters,
    emit: &Sig,
    eot_now: &Sig,
    spike_addr: &Sig,
) -> Sig {
    let nb = lay.nb;
    let o_v = b.ctl_reg("out_v", Ty::BIT, 0);
    let o_eot = b.data_reg("out_eot_r", Ty::BIT);
    let o_addr = b.data_reg("out_addr_r", Ty::u(nb));
    let sk_v = b.ctl_reg("out_skid_v", Ty::BIT, 0);
    let sk_eot = b.data_reg("out_skid_eot", Ty::BIT);
    let sk_addr = b.data_reg("out_skid_addr", Ty::u(nb));
    let eot_pushed = b.ctl_reg("eot_pushed", Ty::BIT, 0);
    b.m.comment(
        &eot_pushed,
        "this tick's end-of-tick beat is in the output stage",
    );
    let p_eot = b.net("push_eot", eot_now.e().and(eot_pushed.e().not()));
    let room = sk_v.e().not();
    let push = b.net("out_push", emit.e().or(p_eot.e()).and(room.clone()));
    let fire = o_v.e().and(ports.out_ready.e());
    let main_free = b.net("out_free", o_v.e().not().or(fire.clone()));
    b.m.assign(&ports.out_valid, o_v.e());
    b.m.assign(&ports.out_eot, o_eot.e());
    b.m.assign(&ports.out_addr, o_addr.e());
    b.ctl(if_else(
        main_free.e(),
        vec![if_else(
            sk_v.e(),
            vec![set(&o_v, Expr::bit(true)), set(&sk_v, Expr::bit(false))],
            vec![set(&o_v, push.e())],
        )],
        vec![when(push.e(), vec![set(&sk_v, Expr::bit(true))])],
    ));
    b.data(if_else(
        main_free.e(),
        vec![if_else(
            sk_v.e(),
            vec![set(&o_eot, sk_eot.e()), set(&o_addr, sk_addr.e())],
            vec![set(&o_eot, p_eot.e()), set(&o_addr, spike_addr.e())],
        )],
        vec![when(
            push.e(),
            vec![set(&sk_eot, p_eot.e()), set(&sk_addr, spike_addr.e())],
        )],
    ));
    let emit_hs = b.net("emit_hs", emit.e().and(room));
    b.m.assign(&cnt.tick_end, fire.and(o_eot.e()));
    b.ctl(if_else(
        cnt.tick_end.e(),
        vec![set(&eot_pushed, Expr::bit(false))],
        vec![when(
            push.e().and(p_eot.e()),
            vec![set(&eot_pushed, Expr::bit(true))],
        )],
    ));
    emit_hs
}
