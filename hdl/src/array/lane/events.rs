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
    pub g: Sig,
    pub w: Sig,
    pub acc: Sig,
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
    let x0_g = b.reg("x0_g", e_g);
    let x0_w = b.reg("x0_w", c.half(c.w_raw.clone(), e_waddr.clone().bit_at(0)));
    let x0_acc = b.reg("x0_acc", c.acc.rdata.e());
    let ltd = depression_parts(b, c, st_now);
    let ew = EventWrite {
        v: b.ctl_reg("ew_v", Ty::BIT, 0),
        waddr: b.data_reg("ew_waddr", Ty::u(lay.wab)),
        g: b.data_reg("ew_g", Ty::u(lay.gb)),
        w: b.data_reg("ew_w", wty),
        acc: b.data_reg("ew_acc", lay.acc_ty),
    };
    let (w_in, a_in) = if lay.forwarding {
        forward(b, c, &ew, &x0_waddr, &x0_g, &x0_w, &x0_acc)
    } else {
        (b.net("e_w_in", x0_w.e()), b.net("e_acc_in", x0_acc.e()))
    };
    let ws = b.net("e_ws", weight_signed(w_in.e()));
    let aw = lay.acc_ty.width;
    let sw = aw.max(ws.ty.width) + 1;
    let acc_sum = b.net("e_acc_sum", a_in.e().ext(sw) + ws.e().ext(sw));
    let acc_next = ops::sat_signed(acc_sum.e(), lay.acc_ty);
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
    b.ctl(set(&ew.v, x0_v));
    b.data(set(&ew.waddr, x0_waddr.e()));
    b.data(set(&ew.g, x0_g.e()));
    b.data(set(&ew.w, w_next));
    b.data(set(&ew.acc, acc_next));
    ew
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
    x0_g: &Sig,
    x0_w: &Sig,
    x0_acc: &Sig,
) -> (Sig, Sig) {
    let rl = c.lay.rl;
    let mut hist = vec![(ew.v.e(), ew.waddr.e(), ew.g.e(), ew.w.e(), ew.acc.e())];
    for k in 1..=rl + 1 + c.lay.pair as u64 {
        let (pv, pa, pg, pw, pc) = hist.last().unwrap().clone();
        hist.push((
            b.reg_r(&format!("eh{k}_v"), 0, pv).e(),
            b.reg(&format!("eh{k}_waddr"), pa).e(),
            b.reg(&format!("eh{k}_g"), pg).e(),
            b.reg(&format!("eh{k}_w"), pw).e(),
            b.reg(&format!("eh{k}_acc"), pc).e(),
        ));
    }
    let mut w = x0_w.e();
    let mut a = x0_acc.e();
    for (k, (hv, ha, hg, hw, hc)) in hist.into_iter().enumerate().rev() {
        let mw = b.net(
            &format!("fwd_w{}", k + 1),
            hv.clone().and(ha.eq(x0_waddr.e())),
        );
        let ma = b.net(&format!("fwd_a{}", k + 1), hv.and(hg.eq(x0_g.e())));
        w = Expr::mux(mw.e(), hw, w);
        a = Expr::mux(ma.e(), hc, a);
    }
    (b.net("e_w_in", w), b.net("e_acc_in", a))
}
