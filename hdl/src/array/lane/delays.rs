//! Synaptic delays in a lane (`synapse.max_delay = D > 0`; docs/model.md, "Synaptic delays in
//! hardware"): the accumulator ring's pipeline and the potentiation step from the lane's copy of
//! the trace history. A lane without delays builds none of this.
//!
//! Key decisions:
//! - **The ring is the accumulator memory, D words per neuron** at `slot * G + g`. An event's
//!   slot `(t + d) mod D` is known only when its delay arrives with its weight, so the ring's
//!   read-add-write runs after the weight's: the address is registered at X0, the ring word read
//!   at X1, and from there the ring has the accumulator's own pipeline (register the word, add,
//!   write) and forwarding, on the ring word's address. The weight's depression is unchanged.
//! - **Potentiation reads the history at the synapse's delay**: the delay is read beside the
//!   weight; the history address `((t - d) mod D) * x_words + j / XB` is registered, the lane's
//!   copy of the history read, the step `(x >> ltp_shift) - ltp_offset` registered, and the
//!   clamp compares the moved weight with the bounds (the lane computes the step the top
//!   broadcasts without delays).

use super::access::Write;
use super::events::EventWrite;
use super::{Lane, dx_width, ltp_thr_width, weight_signed};
use crate::array::build::{B, mul_const};
use crate::array::ops;
use crate::ir::stmt::*;
use crate::ir::*;

/// `(slot + d) mod D` (d < D), `db` bits.
pub(super) fn slot_plus(c: &Lane, d: Expr) -> Expr {
    let (dmax, db) = (c.lay.delay, c.lay.db);
    let slot = &c.i.delay.as_ref().expect("delays").slot;
    let w = db + 1;
    let s = slot.e().resize(w) + d.resize(w);
    let k = Expr::uconst(dmax as u128, w);
    Expr::mux(s.clone().ge(k.clone()), s.clone() - k, s).trunc(db)
}

/// `(slot - d) mod D` (d < D), `db` bits.
fn slot_minus(c: &Lane, d: Expr) -> Expr {
    let (dmax, db) = (c.lay.delay, c.lay.db);
    let slot = &c.i.delay.as_ref().expect("delays").slot;
    let w = db + 1;
    let k = Expr::uconst(dmax as u128, w);
    let s = slot.e().resize(w) + k.clone() - d.resize(w);
    Expr::mux(s.clone().ge(k.clone()), s.clone() - k, s).trunc(db)
}

/// The ring word of `slot` for group `g`: `slot * G + g`.
pub(super) fn ring_addr(c: &Lane, slot: Expr, g: Expr) -> Expr {
    let (ab, gs) = (c.lay.acc_ab, c.lay.g);
    mul_const(slot, gs, ab) + g.resize(ab)
}

/// The ring's pipeline: read the event's ring word at X1 (the neuron phase reads this tick's
/// slot on the same port), register it, add the weight (saturating), write. Returns the write,
/// or `None` without delays.
pub(super) fn ring(b: &mut B, c: &Lane, ew: &EventWrite) -> Option<Write> {
    let (Some(r), Some(d)) = (&ew.ring, &c.i.delay) else {
        return None;
    };
    let lay = c.lay;
    let rl = lay.rl;
    b.m.assign(
        &c.acc.raddr,
        Expr::mux(
            r.v.clone(),
            r.addr.e(),
            ring_addr(c, d.slot.e(), c.i.nu_g.e()),
        ),
    );
    let a_v = b.delayed_r("ra_v", r.v.clone(), rl);
    let a_addr = b.delayed("ra_addr", r.addr.e(), rl);
    let a_ws = b.delayed("ra_ws", r.ws.e(), rl);
    let a0_v = b.delayed_r("ra0_v", a_v, 1);
    let a0_addr = b.reg("ra0_addr", a_addr);
    let a0_ws = b.reg("ra0_ws", a_ws);
    let a0_acc = b.reg("ra0_acc", c.acc.rdata.e());
    let rw_v = b.ctl_reg("rw_v", Ty::BIT, 0);
    let rw_addr = b.data_reg("rw_addr", Ty::u(lay.acc_ab));
    let rw_acc = b.data_reg("rw_acc", lay.acc_ty);
    let a_in = if lay.forwarding {
        // distance 1 is the write register, 2..=rl+2 copies of it (as the accumulator's)
        let mut hist = vec![(rw_v.e(), rw_addr.e(), rw_acc.e())];
        for k in 1..=rl + 1 {
            let (pv, pa, pc) = hist.last().unwrap().clone();
            hist.push((
                b.reg_r(&format!("rh{k}_v"), 0, pv).e(),
                b.reg(&format!("rh{k}_addr"), pa).e(),
                b.reg(&format!("rh{k}_acc"), pc).e(),
            ));
        }
        let mut a = a0_acc.e();
        for (k, (hv, ha, hc)) in hist.into_iter().enumerate().rev() {
            let m = b.net(&format!("fwd_r{}", k + 1), hv.and(ha.eq(a0_addr.e())));
            a = Expr::mux(m.e(), hc, a);
        }
        b.net("ra_in", a)
    } else {
        b.net("ra_in", a0_acc.e())
    };
    let sw = lay.acc_ty.width.max(a0_ws.ty.width) + 1;
    let sum = b.net("ra_sum", a_in.e().ext(sw) + a0_ws.e().ext(sw));
    b.ctl(set(&rw_v, a0_v));
    b.data(set(&rw_addr, a0_addr.e()));
    b.data(set(&rw_acc, ops::sat_signed(sum.e(), lay.acc_ty)));
    Some(Write {
        v: rw_v.e(),
        addr: rw_addr,
        data: rw_acc,
    })
}

/// Potentiation with delays, from the weight read (`l_v`, `l_waddr` at the weight's read data,
/// where the delay's read data is too): the history read at the synapse's delay, the step, the
/// clamped write.
pub(super) fn history_ltp(b: &mut B, c: &Lane, l_v: Expr, l_waddr: Expr) -> Write {
    let (lay, p) = (c.lay, c.p);
    let (rl, rb, xab, xpb, tb) = (lay.rl, lay.rb, lay.xab, lay.xpb, lay.tb);
    let wty = lay.w_ty;
    let d = c.i.delay.as_ref().expect("delays");
    let xc = c
        .xcopy
        .as_ref()
        .expect("STDP with delays: the history copy");
    let dm = c.dmem.as_ref().expect("delays: the delay memory");
    let row = b.delayed("lh_row", d.ltp_row.as_ref().expect("STDP").e(), rl);
    let word = if xpb == 0 {
        row.clone().resize(xab)
    } else {
        row.clone().resize(rb.max(xpb)).lsr(xpb).resize(xab)
    };
    let slot = slot_minus(c, dm.rdata.e());
    let h_v = b.delayed_r("lh_v", l_v, 1);
    let h_addr = b.reg("lh_xaddr", mul_const(slot, lay.arch.x_words, xab) + word);
    let h_w = b.reg("lh_w", c.w_raw.clone());
    let h_waddr = b.reg("lh_waddr", l_waddr);
    let h_f = (xpb > 0).then(|| b.reg("lh_f", row.resize(rb.max(xpb)).slice(xpb - 1, 0)));
    b.m.assign(&xc.raddr, h_addr.e());
    // the history word arrives rl cycles later
    let x_v = b.delayed_r("lx_v", h_v, rl);
    let x_w = b.delayed("lx_w", h_w.e(), rl);
    let x_waddr = b.delayed("lx_waddr", h_waddr.e(), rl);
    let x_f = h_f.map(|f| b.delayed("lx_f", f.e(), rl));
    let per = lay.arch.x_per_word as u32;
    let xd = xc.rdata.e();
    let mut field = xd.clone().slice(tb - 1, 0);
    if let Some(f) = &x_f {
        for k in 1..per {
            field = Expr::mux(
                f.clone().eq(Expr::uconst(k as u128, xpb)),
                xd.clone().slice(k * tb + tb - 1, k * tb),
                field,
            );
        }
    }
    let dxw = dx_width(lay, p);
    let (ltp_shift, ltp_offset) = (p.stdp.ltp_shift, p.stdp.ltp_offset);
    let kept = tb.saturating_sub(ltp_shift).max(1);
    let step = field.lsr(ltp_shift).trunc(kept).to_signed_wide().ext(dxw)
        - Expr::sconst(ltp_offset as i128, dxw);
    let s_v = b.delayed_r("ls_v", x_v, 1);
    let s_dx = b.reg("ls_dx", step);
    let s_w = b.reg("ls_w", x_w);
    let s_waddr = b.reg("ls_waddr", x_waddr);
    let thw = ltp_thr_width(lay, p);
    let moved = b.net(
        "ls_w_moved",
        weight_signed(s_w.e()).ext(thw) + s_dx.e().ext(thw),
    );
    b.m.partly_unused(
        &moved,
        "the clamp tests the bounds separately; in range, the low bits are the weight",
    );
    let narrowed = {
        let t = moved.e().trunc(wty.width);
        if wty.signed { t } else { t.as_unsigned() }
    };
    let stepped = Expr::mux(
        moved.e().lt(Expr::sconst(lay.w_min as i128, thw)),
        Expr::konst(lay.w_min as i128, wty),
        Expr::mux(
            moved.e().gt(Expr::sconst(lay.w_max as i128, thw)),
            Expr::konst(lay.w_max as i128, wty),
            narrowed,
        ),
    );
    let lw_v = b.delayed_r("lw_v", s_v, 1);
    let lw_waddr = b.reg("lw_waddr", s_waddr.e());
    let lw_w = b.reg("lw_w", stepped);
    Write {
        v: lw_v,
        addr: lw_waddr,
        data: lw_w,
    }
}
