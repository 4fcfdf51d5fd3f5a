//! Hardware arithmetic as named operations: the IR form of the functions of `golden::arith`
//! that the datapath computes, one home each, named after the golden function it mirrors.
//!
//! Key decision: each function builds exactly the expression the datapath always built (the
//! emitted Verilog is pinned by snapshots); widths come from the operand's type, so a caller
//! cannot pick a width that disagrees with the operand.

use crate::ir::*;
use golden::arith::{signed_max, signed_min, unsigned_max};

/// `golden::arith::sat_inc(x, inc, w)` for an unsigned `w`-bit `x` (traces, theta):
/// `min(x + inc, 2^w - 1)`, computed one bit wider. `inc = 0` gives `x`.
pub fn sat_inc(x: Expr, inc: i64) -> Expr {
    if inc == 0 {
        return x;
    }
    let w = x.ty.width;
    let wide = x.ext(w + 1) + Expr::uconst(inc as u128, w + 1);
    let max = unsigned_max(w);
    Expr::mux(
        wide.clone().gt(Expr::uconst(max as u128, w + 1)),
        Expr::uconst(max as u128, w),
        wide.trunc(w),
    )
}

/// `golden::arith::decay(x, shift)` for an unsigned `x` (traces, theta): `x - (x >> shift)`, in
/// `x`'s width (the result never exceeds `x`); `shift = 0` gives `x`.
pub fn decay(x: Expr, shift: u32) -> Expr {
    if shift == 0 {
        x
    } else {
        x.clone() - x.lsr(shift)
    }
}

/// `golden::arith::decay(v, shift)` for a signed `w`-bit `v` (the membrane leak
/// `v - asr(v, leak_shift)` of `reference::neurons_lif`), one bit wider: `w + 1` bits hold
/// every result. `shift = 0` gives `v` widened.
pub fn decay_wide(v: Expr, shift: u32) -> Expr {
    let w = v.ty.width;
    if shift > 0 {
        v.clone().ext(w + 1) - asr(v, shift).ext(w + 1)
    } else {
        v.ext(w + 1)
    }
}

/// `golden::arith::asr(v, shift)`: arithmetic (floor) right shift of a signed value.
pub fn asr(v: Expr, shift: u32) -> Expr {
    v.sra(shift)
}

/// `golden::arith::clamp(v, lo, hi)`, narrowed to `ty` (which holds `lo..=hi`).
pub fn clamp(v: Expr, lo: i64, hi: i64, ty: Ty) -> Expr {
    v.clamp_to(lo as i128, hi as i128, ty)
}

/// `golden::arith::sat_signed(v, ty.width)`: clamp to the range of the signed type `ty`.
pub fn sat_signed(v: Expr, ty: Ty) -> Expr {
    v.clamp_to(
        signed_min(ty.width) as i128,
        signed_max(ty.width) as i128,
        ty,
    )
}
