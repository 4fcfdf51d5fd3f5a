//! The potentiation pipeline: S0 (read the spiking-group list) -> (rl) -> weight read -> X ->
//! write: `W[j][k-th spiking neuron] = clamp(W + dx, w_min, w_max)` with the step `dx` and the
//! clamp thresholds `w_min - dx`, `w_max - dx` precomputed in the top.
//!
//! Key decision (pair mode): the previous potentiation (two cycles earlier, in its X stage while
//! this one is at S0) writes its word after this one reads it. Two potentiations in a row of one
//! word update its two different halves (one weight is updated once per row), so this weight
//! always comes from memory and only the word's other half may need the previous result: the
//! address match is computed at S0 and registered. The last write is kept as its halves (`lw_w`,
//! updated, and `lw_other`) and merged at the write port.

use super::access::{ReadPorts, Write};
use super::{Lane, merge_half, weight_signed};
use crate::array::build::B;
use crate::ir::stmt::*;
use crate::ir::*;

pub(super) fn pipeline(b: &mut B, c: &Lane, r: &ReadPorts, cnt: Option<&Sig>) -> Option<Write> {
    let (lay, i) = (c.lay, &c.i);
    let (rl, gb) = (lay.rl, lay.gb);
    let wty = lay.w_ty;
    let (Some(ltp), Some(list), Some(cnt), Some(wa)) = (&i.ltp, &c.list, cnt, &r.ltp_waddr) else {
        if let Some(list) = &c.list {
            b.m.assign(&list.raddr, Expr::zero(Ty::u(gb)));
        }
        return None;
    };
    b.m.assign(&list.raddr, ltp.k.e());
    let has = b.net(
        "ltp_has",
        ltp.go.e().and(ltp.kd.e().ext(gb + 1).lt(cnt.e())),
    );
    let l_v = b.delayed_r("l_v", has.e(), rl);
    let l_waddr = b.delayed("l_waddr", wa.e(), rl);
    let Some(step) = &ltp.step else {
        // delays: the step comes from this lane's trace history, at the synapse's delay
        return Some(super::delays::history_ltp(b, c, l_v, l_waddr));
    };
    // dx arrives one cycle after S0, its clamp thresholds two cycles after (rl >= 2)
    let l_dx = b.delayed("l_dx", step.dx.e(), rl - 1);
    let l_lo = b.delayed("l_lo", step.lo.e(), rl - 2);
    let l_hi = b.delayed("l_hi", step.hi.e(), rl - 2);
    let thw = step.lo.ty.width;
    let lsb = l_waddr.clone().bit_at(0);
    let mut pair_regs = None;
    let w_now = if lay.pair {
        let fwd = {
            let match_s0 = l_v.clone().and(l_waddr.clone().lsr(1).eq(wa.e().lsr(1)));
            b.delayed_r("l_fwd", match_s0, rl)
        };
        let lw_w = b.data_reg("lw_w", wty);
        let lw_other = b.data_reg("lw_other", wty);
        let lw_lsb = b.data_reg("lw_lsb", Ty::BIT);
        let that = Expr::mux(fwd, lw_w.e(), c.half(c.w_raw.clone(), !lsb.clone()));
        pair_regs = Some((lw_w, lw_other, lw_lsb, that));
        c.half(c.w_raw.clone(), lsb.clone())
    } else {
        c.w_raw.clone()
    };
    let ws2 = weight_signed(w_now).ext(thw);
    let moved = b.net("l_w_moved", ws2.clone() + l_dx.ext(thw));
    b.m.partly_unused(
        &moved,
        "the clamp tests the bounds separately; in range, the low bits are the weight",
    );
    let narrowed = {
        let t = moved.e().trunc(wty.width);
        if wty.signed { t } else { t.as_unsigned() }
    };
    let stepped = Expr::mux(
        ws2.clone().lt(l_lo),
        Expr::konst(lay.w_min as i128, wty),
        Expr::mux(ws2.gt(l_hi), Expr::konst(lay.w_max as i128, wty), narrowed),
    );
    let lw_v = b.delayed_r("lw_v", l_v.clone(), 1);
    Some(if let Some((lw_w, lw_other, lw_lsb, that)) = pair_regs {
        b.data(when(
            l_v.clone(),
            vec![set(&lw_w, stepped), set(&lw_other, that), set(&lw_lsb, lsb)],
        ));
        let word_bits = addr_width(lay.r * lay.g / 2);
        let lw_addr = b.reg_en(
            "lw_addr",
            l_v.clone(),
            l_waddr.clone().lsr(1).trunc(word_bits),
        );
        let word = b.net(
            "lw_word",
            merge_half(
                Expr::concat(vec![lw_other.e().as_unsigned(), lw_other.e().as_unsigned()]),
                lw_w.e(),
                lw_lsb.e(),
                wty,
            ),
        );
        Write {
            v: lw_v,
            addr: lw_addr,
            data: word,
        }
    } else {
        let lw_waddr = b.reg("lw_waddr", l_waddr);
        let lw_w = b.reg("lw_w", stepped);
        Write {
            v: lw_v,
            addr: lw_waddr,
            data: lw_w,
        }
    })
}
