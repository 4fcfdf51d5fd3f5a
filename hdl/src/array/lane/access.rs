//! Memory access of a lane: the read addresses (each memory's read port is shared by the
//! phases by one-hot selection; the host reads when no phase uses the port) and the write
//! ports (the pipelines' write stages and the host's writes).
//!
//! Key decision: phases never overlap, so at most one source drives a port in a cycle and the
//! selection is an OR of masked values, which keeps the multiplexer shallow.

use super::events::EventWrite;
use super::neuron::NeuronWrite;
use super::sweep::StateWrite;
use super::{Lane, StateWord, WMem, merge_half};
use crate::array::build::{B, any, no_write_in_reset, onehot, write_port};
use crate::ir::*;

/// The address multiplexers' results.
pub(super) struct ReadPorts {
    /// The potentiation's weight address (row base + the list entry's group).
    pub ltp_waddr: Option<Sig>,
    /// The weight memory's read address.
    pub w_raddr: Sig,
    /// The state word being read, unpacked.
    pub st_now: StateWord,
}

/// One write of a pipeline: valid, address, data.
pub(super) struct Write {
    pub v: Expr,
    pub addr: Sig,
    pub data: Sig,
}

/// Read addresses (stage S0 of every pipeline).
pub(super) fn read_ports(b: &mut B, c: &Lane) -> ReadPorts {
    let i = &c.i;
    let wab = c.lay.wab;
    let waty = Ty::u(wab);
    let gty = Ty::u(c.lay.gb);
    let ltp_waddr = i.ltp.as_ref().map(|ltp| {
        let list = c.list.as_ref().unwrap();
        b.net("ltp_waddr", ltp.base.e() + list.rdata.e().ext(wab))
    });
    let mut w_cases = vec![(i.ev_valid.e(), i.ev_waddr.e())];
    if let (Some(ltp), Some(wa)) = (&i.ltp, &ltp_waddr) {
        w_cases.push((ltp.go.e(), wa.e()));
    }
    if let Some(s) = &i.scale {
        w_cases.push((s.sum.e().or(s.mul.e()), s.addr.e()));
    }
    let w_busy = any(w_cases.iter().map(|(s, _)| s.clone()).collect());
    // the host reads when no phase uses the port
    let w_raddr = b.net(
        "w_raddr",
        Expr::mux(w_busy, onehot(waty, w_cases), i.host.waddr.e()),
    );
    if let WMem::Dual(r) = &c.wm {
        b.m.assign(&r.raddr, w_raddr.e());
    }
    if c.lay.delay == 0 {
        b.m.assign(
            &c.acc.raddr,
            Expr::mux(i.ev_valid.e(), i.ev_g.e(), i.nu_g.e()),
        );
    } // (with delays the ring's pipeline drives it)
    let st_raddr = onehot(
        gty,
        vec![
            (i.ev_valid.e(), i.ev_g.e()),
            (i.nu_valid.e(), i.nu_g.e()),
            (i.st_valid.e(), i.st_g.e()),
        ],
    );
    let st_busy = i.ev_valid.e().or(i.nu_valid.e()).or(i.st_valid.e());
    b.m.assign(&c.st.raddr, Expr::mux(st_busy, st_raddr, i.host.g.e()));
    let st_now = StateWord::unpack(c.lay, &c.st.rdata.e());
    ReadPorts {
        ltp_waddr,
        w_raddr,
        st_now,
    }
}

/// The write stages of the pipelines.
pub(super) struct Writes {
    pub ew: EventWrite,
    pub nw: NeuronWrite,
    pub sw: StateWrite,
    /// Potentiation.
    pub lw: Option<Write>,
    /// Scaling.
    pub cw: Option<Write>,
    /// The accumulator ring's write (delays).
    pub ring: Option<Write>,
}

/// The write ports: weights (events, potentiation, scaling, host), accumulators (events, the
/// neuron's clear, the sweep's clear) and state words (neuron, sweep, host).
pub(super) fn write_ports(b: &mut B, c: &Lane, r: &ReadPorts, wr: &Writes) {
    let (ew, nw, sw, lw, cw) = (&wr.ew, &wr.nw, &wr.sw, &wr.lw, &wr.cw);
    let (i, lay) = (&c.i, c.lay);
    let h = &i.host;
    match &c.wm {
        WMem::Dual(wram) => {
            let mut w_writes = vec![(ew.v.e().and(i.learn.e()), ew.waddr.e(), ew.w.e())];
            for w in [lw, cw].into_iter().flatten() {
                w_writes.push((w.v.clone(), w.addr.e(), w.data.e()));
            }
            w_writes.push((h.wr_w.e(), h.waddr.e(), h.wdata.e()));
            write_port(b, wram, &w_writes);
        }
        WMem::Pair(sp) => {
            // a word is written after its odd group's result: reads fall on even cycles of a
            // tick, writes on odd ones, so one port serves one operation per cycle
            let ew_prev = b.reg("ew_w_prev", ew.w.e());
            let word_of = |a: Expr| a.lsr(1).trunc(sp.addr.ty.width);
            let mut w_writes = vec![(
                ew.v.e().and(i.learn.e()).and(ew.waddr.e().bit_at(0)),
                word_of(ew.waddr.e()),
                Expr::concat(vec![ew.w.e().as_unsigned(), ew_prev.e().as_unsigned()]),
            )];
            for w in [lw, cw].into_iter().flatten() {
                w_writes.push((w.v.clone(), w.addr.e().trunc(sp.addr.ty.width), w.data.e()));
            }
            w_writes.push((
                h.wr_w.e(),
                word_of(h.waddr.e()),
                merge_half(
                    c.w_raw.clone(),
                    h.wdata.e(),
                    h.waddr.e().bit_at(0),
                    lay.w_ty,
                ),
            ));
            let we = any(w_writes.iter().map(|c| c.0.clone()).collect());
            let aty = sp.addr.ty;
            let waddr = onehot(
                aty,
                w_writes
                    .iter()
                    .map(|c| (c.0.clone(), c.1.clone()))
                    .collect(),
            );
            let we = b.net("wmem_write", no_write_in_reset(b, we));
            b.m.assign(&sp.we, we.e());
            b.m.assign(&sp.addr, Expr::mux(we.e(), waddr, word_of(r.w_raddr.e())));
            b.m.assign(
                &sp.wdata,
                onehot(
                    sp.wdata.ty,
                    w_writes
                        .iter()
                        .map(|c| (c.0.clone(), c.2.clone()))
                        .collect(),
                ),
            );
        }
    }
    if let (Some(rw), Some(d)) = (&wr.ring, &i.delay) {
        // the ring: events add to their slot's word, the neuron phase reads and zeroes this
        // tick's slot, the clear sweep zeroes every word
        let a_writes = [
            (rw.v.clone(), rw.addr.e(), rw.data.e()),
            (
                nw.v.clone(),
                super::delays::ring_addr(c, d.slot.e(), nw.g.e()),
                Expr::zero(lay.acc_ty),
            ),
            (d.ring_clr.e(), d.ring_a.e(), Expr::zero(lay.acc_ty)),
        ];
        write_port(b, &c.acc, &a_writes);
    } else {
        let acc_zero_now = i.st_valid.e().and(i.st_zero.e());
        let a_writes = [
            (
                ew.v.e(),
                ew.g.as_ref().unwrap().e(),
                ew.acc.as_ref().unwrap().e(),
            ),
            (nw.v.clone(), nw.g.e(), Expr::zero(lay.acc_ty)),
            (acc_zero_now, i.st_g.e(), Expr::zero(lay.acc_ty)),
        ];
        write_port(b, &c.acc, &a_writes);
    }
    if let (Some(dm), Some(d)) = (&c.dmem, &i.delay) {
        // delays change only by host writes; every reader of the weights reads them beside
        b.m.assign(&dm.raddr, r.w_raddr.e());
        write_port(b, dm, &[(d.h_wr_d.e(), h.waddr.e(), d.h_ddata.e())]);
    }
    if let (Some(xc), Some((we, a, x))) = (&c.xcopy, i.delay.as_ref().and_then(|d| d.xh.as_ref())) {
        write_port(b, xc, &[(we.e(), a.e(), x.e())]);
    }
    let s_writes = [
        (nw.v.clone(), nw.g.e(), nw.word.e()),
        (sw.v.clone(), sw.g.e(), sw.word.e()),
        (h.wr_st.e(), h.g.e(), h.stdata.e()),
    ];
    write_port(b, &c.st, &s_writes);
}
