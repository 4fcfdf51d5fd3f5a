//! Synaptic scaling in a lane: the column sums (one row per cycle, summed into `sum_r`), then
//! the multiplies `clamp(asr(w * recip, 16), w_min, w_max)` (`golden::arith::asr` and `clamp`)
//! and their writes.
//!
//! Key decision (pair mode): the other half of the word rides along with the product and the
//! write waits for an odd cycle.

use super::access::Write;
use super::{Lane, merge_half, weight_signed};
use crate::array::build::B;
use crate::array::ops;
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

pub(super) fn pipeline(b: &mut B, c: &Lane, o_sum: Option<&Sig>) -> Option<Write> {
    let (lay, i) = (c.lay, &c.i);
    let (Some(s), Some(o_sum)) = (&i.scale, o_sum) else {
        return None;
    };
    let rl = lay.rl;
    let wty = lay.w_ty;
    let sum = b.data_reg("sum_r", lay.sum_ty);
    let c_v = b.delayed_r("c_v", s.sum.e(), rl);
    let c_first = b.delayed("c_first", s.first.e(), rl);
    let c_lsb = if lay.pair {
        b.delayed("c_lsb", s.addr.e().bit_at(0), rl)
    } else {
        Expr::bit(false)
    };
    let wsum = weight_signed(c.half(c.w_raw.clone(), c_lsb)).ext(lay.sum_ty.width);
    b.data(when(
        c_v,
        vec![set(&sum, Expr::mux(c_first, wsum.clone(), sum.e() + wsum))],
    ));
    b.m.assign(o_sum, sum.e());
    let rcp = b.data_reg("recip", Ty::u(32));
    let skip = b.data_reg("skip", Ty::BIT);
    b.data(when(
        s.load.e(),
        vec![
            set(&rcp, s.recip.e()),
            set(&skip, sum.e().le(Expr::zero(lay.sum_ty))),
        ],
    ));
    let m_v = b.delayed_r("m_v", s.mul.e(), rl);
    let m_waddr = b.delayed("m_waddr", s.addr.e(), rl);
    let m_lsb = m_waddr.clone().bit_at(0);
    let wsig = weight_signed(c.half(c.w_raw.clone(), m_lsb));
    let prod = wsig.clone().mul_full(rcp.e().to_signed_wide());
    let m1_v = b.delayed_r("m1_v", m_v, 1);
    let m1_waddr = b.reg("m1_waddr", m_waddr);
    let m1_p = b.reg("m1_p", prod);
    let scaled = ops::clamp(ops::asr(m1_p.e(), 16), lay.w_min, lay.w_max, wty);
    let m2_v = b.delayed_r("m2_v", m1_v.and(skip.e().not()), 1);
    let m2_waddr = b.reg("m2_waddr", m1_waddr.e());
    let m2_w = b.reg("m2_w", scaled);
    Some(if lay.pair {
        // the other half of the word rides along; the write waits for an odd cycle
        let m1_word = b.reg("m1_word", c.w_raw.clone());
        let m2_word = b.reg("m2_word", m1_word.e());
        let m3_v = b.delayed_r("m3_v", m2_v, 1);
        let m3_addr = b.reg(
            "m3_addr",
            m2_waddr.e().lsr(1).trunc(addr_width(lay.r * lay.g / 2)),
        );
        let m3_word = b.reg(
            "m3_word",
            merge_half(m2_word.e(), m2_w.e(), m2_waddr.e().bit_at(0), wty),
        );
        Write {
            v: m3_v,
            addr: m3_addr,
            data: m3_word,
        }
    } else {
        Write {
            v: m2_v,
            addr: m2_waddr,
            data: m2_w,
        }
    })
}
