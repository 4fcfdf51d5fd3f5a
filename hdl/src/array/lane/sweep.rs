//! The state sweep: S0 -> (rl) -> X -> write, one state word per cycle, for the decay sweep
//! (theta and y decay, `golden::arith::decay`) and the clear sweep (every field zero, theta
//! kept on a *clear* command).

use super::{Lane, StateWord};
use crate::array::build::B;
use crate::array::ops;
use crate::ir::*;

/// The write stage of the sweep.
pub(super) struct StateWrite {
    pub v: Expr,
    pub g: Sig,
    pub word: Sig,
}

pub(super) fn pipeline(b: &mut B, c: &Lane, st_now: &StateWord) -> StateWrite {
    let (lay, p, i) = (c.lay, c.p, &c.i);
    let rl = lay.rl;
    let s_v = b.delayed_r("s_v", i.st_valid.e(), rl);
    let s_g = b.delayed("s_g", i.st_g.e(), rl);
    let s_zero = b.delayed("s_zero", i.st_zero.e(), rl);
    let s_keep = i
        .st_keep_theta
        .as_ref()
        .map(|k| b.delayed("s_keep", k.e(), rl));
    let zero_of = |e: &Expr| Expr::zero(e.ty);
    let decayed = StateWord {
        v: st_now.v.clone(),
        u: st_now.u.clone(),
        r: st_now.r.clone(),
        theta: st_now
            .theta
            .clone()
            .map(|t| ops::decay(t, p.lif.theta_decay_shift)),
        y: st_now
            .y
            .clone()
            .map(|y| ops::decay(y, p.stdp.post_decay_shift)),
        sprev: st_now.sprev.clone(),
    }
    .pack();
    let cleared = StateWord {
        v: zero_of(&st_now.v),
        u: st_now.u.as_ref().map(zero_of),
        r: st_now.r.as_ref().map(zero_of),
        theta: st_now
            .theta
            .clone()
            .map(|t| Expr::mux(s_keep.clone().unwrap(), t.clone(), zero_of(&t))),
        y: st_now.y.as_ref().map(zero_of),
        sprev: st_now.sprev.as_ref().map(zero_of),
    }
    .pack();
    let sw_v = b.delayed_r("sw_v", s_v.clone(), 1);
    let sw_g = b.reg("sw_g", s_g);
    let sw_word = b.reg("sw_word", Expr::mux(s_zero, cleared, decayed));
    StateWrite {
        v: sw_v,
        g: sw_g,
        word: sw_word,
    }
}
