//! The event issuer: input beats (and, recurrent, the previous tick's spikes) become one
//! broadcast synaptic operation per cycle: group `g` of the event's row in every lane.
//!
//! Key decision: two stages. Slot A holds one accepted beat (its row and whether it is in
//! range), loaded from the input port or, after the end-of-tick beat, from the previous tick's
//! spike list; the issue counter B sweeps the G groups of A's row. A moves to B when B is in
//! its last cycle, so events issue back to back while every port input is registered first.

use super::counters::Counters;
use super::sequencer::{Phase, Sequencer};
use super::teacher::Teacher;
use super::{Ports, TopMems, cw, k};
use crate::array::build::{B, mul_const};
use crate::array::layout::Layout;
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

/// The recurrent source: the previous tick's spike list, read one entry per event.
pub(super) struct Recurrent {
    /// Next entry of the list.
    pub k: Sig,
    /// Cycles until the entry's read data arrives.
    pub wait: Sig,
    /// Slot A takes the entry this cycle.
    pub take: Sig,
    /// The list's read data.
    pub data: Sig,
}

/// The issuer's outputs.
pub(super) struct EventIssuer {
    /// In the event phase.
    pub in_events: Expr,
    /// `in_eot` (the port).
    pub in_eot: Expr,
    /// Weight address of the issued operation (row * G + group).
    pub iss_addr: Sig,
    /// Group of the issued operation.
    pub iss_g: Sig,
    /// The row of the issuing event, for the presynaptic trace update (STDP only).
    pub ev_row: Option<Sig>,
    /// First issue cycle of an event: the cycle its trace x is updated (STDP only).
    pub ev_first: Option<Sig>,
    /// The end-of-tick beat was accepted.
    pub eot_seen: Sig,
    /// A beat is accepted this cycle.
    pub accept: Sig,
    /// Recurrent events.
    pub rec: Option<Recurrent>,
    /// Every event of the tick has issued.
    pub events_done: Sig,
    /// An operation is broadcast to the lanes.
    pub ev_valid: Sig,
}

impl EventIssuer {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        b: &mut B,
        lay: &Layout,
        ports: &Ports,
        seq: &Sequencer,
        cnt: &Counters,
        mems: &TopMems,
        tick_start: &Sig,
        teach: Option<&Teacher>,
    ) -> EventIssuer {
        let (g, rb, rl) = (lay.g, lay.rb, lay.rl);
        let stdp = mems.x.is_some();
        let in_events = seq.is(Phase::Events);
        let ilw = cw(g);
        let iss_left = b.ctl_reg("iss_left", Ty::u(ilw), 0);
        // iss_left <= 1, kept as a register beside the counter (the issuer's start decision is
        // on the input handshake path)
        let iss_le1 = b.ctl_reg("iss_le1", Ty::BIT, 1);
        // with more than 4 lanes, iss_left != 0 is also a register of its own: the broadcast
        // valid `ev_valid` is then one gate from two flip-flops, and it crosses the chip to
        // every lane's input register (ECP5, 16 lanes: this path, with the counter's compare
        // in it, was the critical one); narrow layers keep the compare and the logic cell
        let iss_busy = (lay.l > 4).then(|| b.ctl_reg("iss_busy", Ty::BIT, 0));
        let iss_addr = b.data_reg("iss_addr", Ty::u(lay.wab));
        let iss_g = b.data_reg("iss_g", Ty::u(lay.gb));
        let ev_row = stdp.then(|| b.data_reg("ev_row", Ty::u(rb)));
        let ev_first = stdp.then(|| b.ctl_reg("ev_first", Ty::BIT, 0));
        let eot_seen = b.ctl_reg("eot_seen", Ty::BIT, 0);
        let a_valid = b.ctl_reg("a_valid", Ty::BIT, 0);
        let a_ok = b.data_reg("a_ok", Ty::BIT);
        let a_row = b.data_reg("a_row", Ty::u(rb));
        if lay.r == 1 {
            b.m.partly_unused(&a_row, "one row: the row index is always 0");
        }
        // pair mode: events start on even cycles of the tick (`par` is the cycle's parity), so
        // the lanes' single-port weight memories read on even cycles and write on odd ones
        let can_start = if lay.pair {
            let par = b.ctl_reg("par", Ty::BIT, 0);
            b.ctl(set(
                &par,
                Expr::mux(tick_start.e(), Expr::bit(true), par.e().not()),
            ));
            iss_le1.e().and(par.e())
        } else {
            iss_le1.e()
        };
        let a_move = b.net("a_move", a_valid.e().and(a_ok.e().not().or(can_start)));
        let a_free = b.net("a_free", a_valid.e().not().or(a_move.e()));
        let ready = b.net(
            "ready",
            in_events.clone().and(eot_seen.e().not()).and(a_free.e()),
        );
        b.m.assign(&ports.in_ready, ready.e());
        let accept = b.net("accept", ready.e().and(ports.in_valid.e()));
        // in_addr < inputs: the bits above the row width must be zero, then a short compare
        // (a chained layer's addresses are the previous layer's neurons: always in range)
        let in_addr = &ports.in_addr;
        let high_zero = if rb >= 32 || lay.chained {
            Expr::bit(true)
        } else {
            in_addr.e().slice(31, rb).any().not()
        };
        let low = in_addr.e().slice(rb - 1, 0);
        let low_ok = if lay.inputs >= 1u64 << rb || lay.chained {
            Expr::bit(true)
        } else {
            low.clone().lt(k(lay.inputs, rb))
        };
        let in_range = b.net("in_range", high_zero.and(low_ok));
        if lay.chained && rb < 32 {
            b.m.partly_unused(
                in_addr,
                "a chained layer's inputs are the previous layer's neurons: the row bits only",
            );
        }
        let take_input = b.net("take_input", accept.e().and(ports.in_eot.e().not()));
        // recurrent events: the previous tick's spikes from the prev list
        let rec = mems.prev.as_ref().map(|pr| {
            let rec_k = b.ctl_reg("rec_k", Ty::u(lay.nb + 1), 0);
            let rec_wait = b.ctl_reg("rec_wait", Ty::u(cw(rl)), 0);
            b.m.assign(&pr.raddr, rec_k.e().resize(lay.nb));
            let take = b.net(
                "take_rec",
                in_events
                    .clone()
                    .and(eot_seen.e())
                    .and(rec_k.e().lt(cnt.prev_count.e()))
                    .and(a_free.e())
                    .and(rec_wait.e().eq(k(0, cw(rl)))),
            );
            Recurrent {
                k: rec_k,
                wait: rec_wait,
                take,
                data: pr.rdata.clone(),
            }
        });
        b.data(when(
            take_input.e(),
            vec![set(&a_row, low), set(&a_ok, in_range.e())],
        ));
        if let Some(rec) = &rec {
            b.data(when(
                rec.take.e(),
                vec![
                    set(&a_row, rec.data.e().resize(rb) + k(lay.inputs, rb)),
                    set(&a_ok, Expr::bit(true)),
                ],
            ));
        }
        let take_rec = rec
            .as_ref()
            .map(|r| r.take.e())
            .unwrap_or_else(|| Expr::bit(false));
        b.ctl(if_else(
            take_input.e().or(take_rec),
            vec![set(&a_valid, Expr::bit(true))],
            vec![when(a_move.e(), vec![set(&a_valid, Expr::bit(false))])],
        ));
        let start_event = b.net("start_event", a_move.e().and(a_ok.e()));
        let issuing = b.net(
            "issuing",
            match &iss_busy {
                Some(r) => r.e(),
                None => iss_left.e().ne(k(0, ilw)),
            },
        );
        let mut start = vec![set(&iss_left, k(g, ilw)), set(&iss_le1, Expr::bit(g <= 1))];
        let mut step = vec![set(&iss_left, iss_left.e().dec())];
        if let Some(r) = &iss_busy {
            start.push(set(r, Expr::bit(true)));
            // the counter after this cycle is nonzero iff it is above 1 now
            step.push(set(r, iss_le1.e().not()));
        }
        step.push(set(
            &iss_le1,
            iss_left.e().resize(ilw.max(2)).le(k(2, ilw.max(2))),
        ));
        b.ctl(if_else(
            start_event.e(),
            start,
            vec![when(issuing.e(), step)],
        ));
        if let Some(ef) = &ev_first {
            b.ctl(set(ef, start_event.e()));
        }
        b.data(if_else(
            start_event.e(),
            vec![
                set(&iss_addr, mul_const(a_row.e(), g, lay.wab)),
                set(&iss_g, Expr::zero(iss_g.ty)),
            ],
            vec![
                set(&iss_addr, iss_addr.e().inc()),
                set(&iss_g, iss_g.e().inc()),
            ],
        ));
        if let Some(er) = &ev_row {
            b.data(when(start_event.e(), vec![set(er, a_row.e())]));
        }
        if let Some(rec) = &rec {
            let rww = rec.wait.ty.width;
            b.ctl(if_else(
                rec.take.e(),
                vec![set(&rec.k, rec.k.e().inc()), set(&rec.wait, k(rl, rww))],
                vec![when(
                    rec.wait.e().ne(k(0, rww)),
                    vec![set(&rec.wait, rec.wait.e().dec())],
                )],
            ));
        }
        if let Some(dropped) = &cnt.dropped {
            b.ctl(when(
                a_move.e().and(a_ok.e().not()),
                vec![set(dropped, dropped.e().inc())],
            ));
        }
        let rec_done = rec
            .as_ref()
            .map(|r| r.k.e().eq(cnt.prev_count.e()))
            .unwrap_or_else(|| Expr::bit(true));
        let mut done = eot_seen
            .e()
            .and(rec_done)
            .and(a_valid.e().not())
            .and(issuing.e().not());
        if let Some(t) = teach {
            // and the teacher's list is complete (its end-of-tick beat taken, slot T empty)
            done = done.and(t.done.e());
        }
        let events_done = b.net("events_done", done);
        let ev_valid = b.net("ev_valid", in_events.clone().and(issuing.e()));
        EventIssuer {
            in_events,
            in_eot: ports.in_eot.e(),
            iss_addr,
            iss_g,
            ev_row,
            ev_first,
            eot_seen,
            accept,
            rec,
            events_done,
            ev_valid,
        }
    }
}
