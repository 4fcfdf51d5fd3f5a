//! The event datapath: S0 (read W, acc and the state word for y) -> (rl) -> X0 -> X1 -> write.
//! X0 registers the read words and precomputes the depression step and the clamp threshold
//! from y, so X1 is one carry chain and a multiplexer after the forwarding select; X1
//! accumulates (saturating, `golden::arith::sat_signed`) and depresses (clamped).
//!
//! Key decision: operations on one word closer than the pipeline (only when
//! `G <= rl + event stages`) take the youngest in-flight result from a history of writes
//! (forwarding), never a stall.

use super::{Lane, StateWord, weight_signed};
use crate::array::build::B;
use crate::array::ops;
use crate::ir::stmt::*;
use crate::ir::*;

/// The write stage of the event datapath.
pub(super) struct EventWrite {
    pub v: Sig,
    pub waddr: Sig,
    /// The group (without delays: the accumulator's address).
    pub g: Option<Sig>,
    pub w: Sig,
    /// The accumulator (without delays; with delays the ring's pipeline adds).
    pub acc: Option<Sig>,
    /// With delays: what the ring's pipeline takes at X1.
    pub ring: Option<RingIn>,
}

/// The event at X1, for the accumulator ring (delays): valid, the ring word's address
/// (`((t + d) mod D) * G + g`, registered from the delay read with the weight) and the signed
/// weight (read in tick t, before this event's depression).
pub(super) struct RingIn {
    pub v: Expr,
    pub addr: Sig,
    pub ws: Sig,
}

/// The depression parts X0 precomputes: the step, the clamp threshold, their width, the
/// bound.
struct Ltd {
    step: Sig,
    thr: Sig,
    width: u32,
    bound: i64,
}

pub(super) fn datapath(b: &mut B, c: &Lane, st_now: &StateWord) -> EventWrite {
    let (lay, p, i) = (c.lay, c.p, &c.i);
    let rl = lay.rl;
    let wty = lay.w_ty;
    let e_v = b.delayed_r("e_v", i.ev_valid.e(), rl);
    let e_waddr = b.delayed("e_waddr", i.ev_waddr.e(), rl);
    let e_g = b.delayed("e_g", i.ev_g.e(), rl);
    let x0_v = b.delayed_r("x0_v", e_v, 1);
    let x0_waddr = b.reg("x0_waddr", e_waddr.clone());
    let x0_g = (lay.delay == 0).then(|| b.reg("x0_g", e_g.clone()));
    let x0_w = b.reg("x0_w", c.half(c.w_raw.clone(), e_waddr.clone().bit_at(0)));
    let delays = lay.delay > 0;
    let x0_acc = (!delays).then(|| b.reg("x0_acc", c.acc.rdata.e()));
    let x0_aaddr = c.dmem.as_ref().map(|dm| {
        let slot = super::delays::slot_plus(c, dm.rdata.e());
        b.reg("x0_aaddr", super::delays::ring_addr(c, slot, e_g.clone()))
    });
    let ltd = depression_parts(b, c, st_now);
    let ew = EventWrite {
        v: b.ctl_reg("ew_v", Ty::BIT, 0),
        waddr: b.data_reg("ew_waddr", Ty::u(lay.wab)),
        g: (!delays).then(|| b.data_reg("ew_g", Ty::u(lay.gb))),
        w: b.data_reg("ew_w", wty),
        acc: (!delays).then(|| b.data_reg("ew_acc", lay.acc_ty)),
        ring: None,
    };
    let (w_in, a_in) = if lay.forwarding {
        forward(b, c, &ew, &x0_waddr, x0_g.as_ref(), &x0_w, x0_acc.as_ref())
    } else {
        (
            b.net("e_w_in", x0_w.e()),
            x0_acc.as_ref().map(|a| b.net("e_acc_in", a.e())),
        )
    };
    let ws = b.net("e_ws", weight_signed(w_in.e()));
    let acc_next = a_in.map(|a_in| {
        let aw = lay.acc_ty.width;
        let sw = aw.max(ws.ty.width) + 1;
        let acc_sum = b.net("e_acc_sum", a_in.e().ext(sw) + ws.e().ext(sw));
        ops::sat_signed(acc_sum.e(), lay.acc_ty)
    });
    let w_next = match ltd {
        Some(Ltd {
            step,
            thr,
            width,
            bound,
        }) => {
            let wide = ws.e().ext(width);
            let (moved, hit) = if p.symmetric() {
                (wide.clone() + step.e(), wide.gt(thr.e()))
            } else {
                (wide.clone() - step.e(), wide.lt(thr.e()))
            };
            let moved = b.net("e_w_moved", moved);
            b.m.partly_unused(
                &moved,
                "the clamp tests the bound separately; in range, the low bits are the weight",
            );
            let narrowed = {
                let t = moved.e().trunc(wty.width);
                if wty.signed { t } else { t.as_unsigned() }
            };
            let depressed = Expr::mux(hit, Expr::konst(bound as i128, wty), narrowed);
            Expr::mux(i.learn.e(), depressed, w_in.e())
        }
        None => w_in.e(),
    };
    b.ctl(set(&ew.v, x0_v.clone()));
    b.data(set(&ew.waddr, x0_waddr.e()));
    if let (Some(g), Some(x0_g)) = (&ew.g, &x0_g) {
        b.data(set(g, x0_g.e()));
    }
    b.data(set(&ew.w, w_next));
    if let (Some(acc), Some(next)) = (&ew.acc, acc_next) {
        b.data(set(acc, next));
    }
    EventWrite {
        ring: x0_aaddr.map(|addr| RingIn { v: x0_v, addr, ws }),
        ..ew
    }
}

/// Depression: additive moves w down by `y >> ltd_shift` and clamps at w_min
/// (w < w_min + ltd); symmetric moves it up and clamps at w_max (w > w_max - ltd).
fn depression_parts(b: &mut B, c: &Lane, st_now: &StateWord) -> Option<Ltd> {
    let (lay, p) = (c.lay, c.p);
    let y = st_now.y.as_ref().filter(|_| p.stdp.enabled)?;
    let ws_ty_w = weight_signed(Expr::zero(lay.w_ty)).ty.width;
    let ltd = y.clone().lsr(p.stdp.ltd_shift).to_signed_wide();
    let dw = ws_ty_w
        .max(ltd.ty.width)
        .max(golden::arith::bits_signed(lay.w_min, lay.w_max))
        + 2;
    let bound = if p.symmetric() { lay.w_max } else { lay.w_min };
    let thr = if p.symmetric() {
        Expr::sconst(bound as i128, dw) - ltd.clone().ext(dw)
    } else {
        Expr::sconst(bound as i128, dw) + ltd.clone().ext(dw)
    };
    let step = b.reg("x0_ltd", ltd.ext(dw));
    let thr = b.reg("x0_thr", thr);
    Some(Ltd {
        step,
        thr,
        width: dw,
        bound,
    })
}

/// The forwarding: distance 1 is the write-stage register; distances 2..=rl+2 are copies
/// (one more in pair mode, where a word is written one cycle after its even group's result).
/// Returns the weight and accumulator X1 uses.
fn forward(
    b: &mut B,
    c: &Lane,
    ew: &EventWrite,
    x0_waddr: &Sig,
    x0_g: Option<&Sig>,
    x0_w: &Sig,
    x0_acc: Option<&Sig>,
) -> (Sig, Option<Sig>) {
    let rl = c.lay.rl;
    // with delays the accumulator has its own pipeline (and forwarding) in the ring
    let acc_of = |e: &EventWrite| {
        e.g.as_ref()
            .zip(e.acc.as_ref())
            .map(|(g, a)| (g.e(), a.e()))
    };
    let mut hist = vec![(ew.v.e(), ew.waddr.e(), ew.w.e(), acc_of(ew))];
    for k in 1..=rl + 1 + c.lay.pair as u64 {
        let (pv, pa, pw, pc) = hist.last().unwrap().clone();
        let v = b.reg_r(&format!("eh{k}_v"), 0, pv).e();
        let a = b.reg(&format!("eh{k}_waddr"), pa).e();
        let g = pc
            .as_ref()
            .map(|(pg, _)| b.reg(&format!("eh{k}_g"), pg.clone()).e());
        let w = b.reg(&format!("eh{k}_w"), pw).e();
        let acc = pc.map(|(_, pc)| b.reg(&format!("eh{k}_acc"), pc).e());
        hist.push((v, a, w, g.zip(acc)));
    }
    let mut w = x0_w.e();
    let mut a = x0_acc.map(|a| a.e());
    for (k, (hv, ha, hw, hgc)) in hist.into_iter().enumerate().rev() {
        let mw = b.net(
            &format!("fwd_w{}", k + 1),
            hv.clone().and(ha.eq(x0_waddr.e())),
        );
        w = Expr::mux(mw.e(), hw, w);
        if let (Some(acc), Some((hg, hc))) = (a.take(), hgc) {
            let x0_g = x0_g.expect("the accumulator's forwarding compares groups");
            let ma = b.net(&format!("fwd_a{}", k + 1), hv.and(hg.eq(x0_g.e())));
            a = Some(Expr::mux(ma.e(), hc, acc));
        }
    }
    (b.net("e_w_in", w), a.map(|a| b.net("e_acc_in", a)))
}
