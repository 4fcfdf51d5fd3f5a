//! The shared sequential divider of synaptic scaling: `floor(target * 2^16 / S)`, one quotient
//! bit per cycle (restoring division), saturated to 32 bits.
//!
//! Key decision: the numerator is the config constant `normalize_target << 16`, so it is shifted
//! in from a constant and only the divisor is an input. Timing: `start` in cycle d loads the
//! divisor; `quot` is valid in cycle `d + div_bits + 1` and holds until the next `start`.

use super::build::B;
use crate::ir::stmt::*;
use crate::ir::*;

/// Build the divider module for a divisor of `dw` bits and `qb` quotient bits.
pub fn div_module(name: &str, target: i64, dw: u32, qb: u32) -> Module {
    let mut b = B::new(name);
    b.m.doc.push(format!(
        "quot = min(floor({target} * 2^16 / divisor), 2^32 - 1), {qb} cycles after start"
    ));
    let start = b.m.input("start", Ty::BIT);
    let divisor = b.m.input("divisor", Ty::u(dw));
    let quot = b.m.output("quot", Ty::u(32));
    let numerator = (target as u128) << 16;
    let num = b.data_reg("num", Ty::u(qb));
    let rem = b.data_reg("rem", Ty::u(dw));
    let q = b.data_reg("q", Ty::u(qb));
    let d = b.data_reg("d", Ty::u(dw));
    let cb = golden::arith::bits_unsigned(qb as u64);
    let cnt = b.ctl_reg("cnt", Ty::u(cb), 0);
    // r2 = {rem, next numerator bit}: rem < d, so r2 < 2d fits dw + 1 bits.
    let r2 = b.net("r2", Expr::concat(vec![rem.e(), num.e().msb()]));
    let d_ext = b.net("d_ext", d.e().ext(dw + 1));
    let fits = b.net("fits", r2.e().ge(d_ext.e()));
    let diff = b.net("diff", (r2.e() - d_ext.e()).trunc(dw));
    let q_next = if qb == 1 {
        fits.e()
    } else {
        Expr::concat(vec![q.e().slice(qb - 2, 0), fits.e()])
    };
    let running = b.net("running", cnt.e().ne(Expr::zero(cnt.ty)));
    b.data(if_else(
        start.e(),
        vec![
            set(&num, Expr::uconst(numerator, qb)),
            set(&rem, Expr::zero(rem.ty)),
            set(&q, Expr::zero(q.ty)),
            set(&d, divisor.e()),
        ],
        vec![when(
            running.e(),
            vec![
                set(&rem, Expr::mux(fits.e(), diff.e(), r2.e().trunc(dw))),
                set(&q, q_next),
                set(&num, num.e().lsl(1)),
            ],
        )],
    ));
    b.ctl(if_else(
        start.e(),
        vec![set(&cnt, Expr::uconst(qb as u128, cb))],
        vec![when(running.e(), vec![set(&cnt, cnt.e().dec())])],
    ));
    let sat = if qb > 32 {
        let high = q.e().slice(qb - 1, 32).any();
        Expr::mux(high, Expr::uconst(u32::MAX as u128, 32), q.e().slice(31, 0))
    } else {
        q.e().ext(32)
    };
    b.m.assign(&quot, sat);
    b.finish()
}
