//! The neuron pipeline: S0 (read the state word and acc) -> (rl) -> N1 (leak and inhibition)
//! -> N2 (sum, saturate to v's range) -> N3 (spike decision, every candidate value) -> N4
//! (select and pack) -> write; then the spike output and (STDP) the list of spiking groups.
//!
//! Key decision: N3 computes every candidate of the new state (kept, after a spike, refractory,
//! theta and y incremented) in parallel with the spike compare, so N4 is one multiplexer level.

use super::{Lane, Outputs, StateWord};
use crate::array::build::{B, no_write_in_reset};
use crate::array::ops;
use crate::ir::stmt::*;
use crate::ir::*;
use golden::arith::bits_signed;
use golden::config::Reset;
use std::ops::Not;

/// The write stage of the neuron pipeline.
pub(super) struct NeuronWrite {
    pub v: Expr,
    pub g: Sig,
    pub word: Sig,
    /// Entries in the spiking-group list (STDP).
    pub cnt: Option<Sig>,
}

pub(super) fn pipeline(b: &mut B, c: &Lane, st_now: &StateWord, out: &Outputs) -> NeuronWrite {
    let (lay, p, i) = (c.lay, c.p, &c.i);
    let lif = &p.lif;
    let rl = lay.rl;
    let n_v = b.delayed_r("n_v", i.nu_valid.e(), rl);
    let n_g = b.delayed("n_g", i.nu_g.e(), rl);
    let vb = lay.v_ty.width;
    let v_old = st_now.v.clone();
    let a1 = ops::decay_wide(v_old.clone(), lif.leak_shift);
    let inh_i = match (&i.inh_total, &st_now.sprev) {
        (Some(t), Some(sp)) => {
            let ib = lay.inh_bits;
            Some(
                t.e()
                    - Expr::mux(
                        sp.clone(),
                        Expr::uconst(lif.inhibition as u128, ib),
                        Expr::zero(Ty::u(ib)),
                    ),
            )
        }
        _ => None,
    };
    let acc_now = c.acc.rdata.e();
    let b1 = match inh_i {
        Some(inh) => {
            let bw = lay.acc_ty.width.max(inh.ty.width + 1) + 1;
            acc_now.ext(bw) - inh.to_signed_wide().ext(bw)
        }
        None => acc_now,
    };
    let th_bits_needed = bits_signed(lif.threshold, lif.threshold);
    let thr = match &st_now.theta {
        Some(th) => {
            let tw = th_bits_needed.max(th.ty.width + 1) + 1;
            Expr::sconst(lif.threshold as i128, tw) + th.clone().to_signed_wide().ext(tw)
        }
        None => Expr::sconst(lif.threshold as i128, th_bits_needed),
    };
    let frozen = st_now
        .r
        .clone()
        .map(|r| r.any())
        .unwrap_or_else(|| Expr::bit(false));
    let n1_v = b.delayed_r("n1_v", n_v.clone(), 1);
    let n1_g = b.reg("n1_g", n_g.clone());
    let n1_a = b.reg("n1_a", a1);
    let n1_b = b.reg("n1_b", b1);
    let n1_thr = b.reg("n1_thr", thr);
    let n1_frozen = b.reg("n1_frozen", frozen);
    let n1_vold = b.reg("n1_vold", v_old);
    let n1_r = st_now.r.clone().map(|r| b.reg("n1_r", r));
    let n1_theta = st_now.theta.clone().map(|t| b.reg("n1_theta", t));
    let n1_y = st_now.y.clone().map(|y| b.reg("n1_y", y));
    // N2: saturated new membrane value
    let s2w = (vb + 1).max(n1_b.ty.width) + 1;
    let n2_sum = b.net("n2_sum", n1_a.e().ext(s2w) + n1_b.e().ext(s2w));
    let vp = ops::clamp(n2_sum.e(), lay.v_lo, lay.v_hi, lay.v_ty);
    let n2_v = b.delayed_r("n2_v", n1_v.clone(), 1);
    let n2_g = b.reg("n2_g", n1_g.e());
    let n2_vp = b.reg("n2_vp", vp);
    let n2_thr = b.reg("n2_thr", n1_thr.e());
    let n2_frozen = b.reg("n2_frozen", n1_frozen.e());
    let n2_vold = b.reg("n2_vold", n1_vold.e());
    let n2_r = n1_r.map(|r| b.reg("n2_r", r.e()));
    let n2_theta = n1_theta.map(|t| b.reg("n2_theta", t.e()));
    let n2_y = n1_y.map(|y| b.reg("n2_y", y.e()));
    // N3: spike decision, and every candidate value computed in parallel
    let cw = vb.max(n2_thr.ty.width) + 1;
    let fire = b.net(
        "n3_fire",
        n2_frozen
            .e()
            .not()
            .and(n2_vp.e().ext(cw).ge(n2_thr.e().ext(cw))),
    );
    let v_after_spike = match lif.reset {
        Reset::Zero => Expr::sconst(lif.v_reset as i128, vb),
        Reset::Subtract => {
            let d = b.net("n3_vsub", n2_vp.e().ext(cw + 1) - n2_thr.e().ext(cw + 1));
            ops::clamp(d.e(), lay.v_lo, lay.v_hi, lay.v_ty)
        }
    };
    let n3_v = b.delayed_r("n3_v", n2_v.clone(), 1);
    let n3_g = b.reg("n3_g", n2_g.e());
    let n3_fire = b.reg("n3_fire_r", fire.e());
    let n3_frozen = n2_r.as_ref().map(|_| b.reg("n3_frozen", n2_frozen.e()));
    let n3_vkeep = b.reg("n3_vkeep", Expr::mux(n2_frozen.e(), n2_vold.e(), n2_vp.e()));
    let n3_vspike = match lif.reset {
        Reset::Zero => None,
        Reset::Subtract => Some(b.reg("n3_vspike", v_after_spike.clone())),
    };
    let n3_r = n2_r.as_ref().map(|r| b.reg("n3_r_dec", r.e().dec()));
    let n3_theta = n2_theta.as_ref().map(|t| {
        (
            b.reg("n3_theta", t.e()),
            b.reg("n3_theta_inc", ops::sat_inc(t.e(), lif.theta_plus)),
        )
    });
    let n3_y = n2_y.as_ref().map(|y| {
        (
            b.reg("n3_y", y.e()),
            b.reg("n3_y_inc", ops::sat_inc(y.e(), p.stdp.post_inc)),
        )
    });
    // N4: select and pack
    let fire3 = n3_fire.e();
    let v_spike = match &n3_vspike {
        Some(r) => r.e(),
        None => v_after_spike,
    };
    let v_new = Expr::mux(fire3.clone(), v_spike, n3_vkeep.e());
    let r_new = n3_r.as_ref().map(|rd| {
        let w = rd.ty.width;
        Expr::mux(
            n3_frozen.as_ref().unwrap().e(),
            rd.e(),
            Expr::mux(
                fire3.clone(),
                Expr::uconst(lif.refractory as u128, w),
                Expr::zero(Ty::u(w)),
            ),
        )
    });
    let theta_new = n3_theta
        .as_ref()
        .map(|(t, ti)| Expr::mux(fire3.clone(), ti.e(), t.e()));
    let y_new = n3_y
        .as_ref()
        .map(|(y, yi)| Expr::mux(fire3.clone(), yi.e(), y.e()));
    let word = StateWord {
        v: v_new,
        r: r_new,
        theta: theta_new,
        y: y_new,
        sprev: lay.f_sprev.map(|_| fire3.clone()),
    }
    .pack();
    let n4_v = b.delayed_r("n4_v", n3_v.clone(), 1);
    let n4_g = b.reg("n4_g", n3_g.e());
    let n4_word = b.reg("n4_word", word);
    let n4_fire = b.reg("n4_fire", fire3);
    let spike_now = b.net("n4_spike", n4_v.clone().and(n4_fire.e()));
    // the spike leaves the lane from a register: the top's spike word is a reduction over
    // all lanes, whose inputs should start at flip-flops
    let spike_out = b.reg_r("spike_out", 0, spike_now.e());
    b.m.assign(&out.spike, spike_out.e());
    let cnt = spike_list(b, c, &spike_now, &n4_g, out);
    NeuronWrite {
        v: n4_v,
        g: n4_g,
        word: n4_word,
        cnt,
    }
}

/// The per-lane list of spiking groups, for potentiation; the count (and the count - 1,
/// wrapping, which the potentiation sequencer compares against) go to the top, which takes
/// their maximum over the lanes.
fn spike_list(b: &mut B, c: &Lane, spike_now: &Sig, n4_g: &Sig, out: &Outputs) -> Option<Sig> {
    let gb = c.lay.gb;
    let cnt = c.p.stdp.enabled.then(|| b.ctl_reg("cnt", Ty::u(gb + 1), 0));
    if let (Some(cnt), Some(list), Some((o_cnt, o_cnt_m1))) = (&cnt, &c.list, &out.cnt) {
        let m1_start = (1i128 << (gb + 1)) - 1;
        let cnt_m1 = b.ctl_reg("cnt_m1", Ty::u(gb + 1), m1_start);
        b.ctl(if_else(
            c.i.nu_start.as_ref().unwrap().e(),
            vec![
                set(cnt, Expr::zero(cnt.ty)),
                set(&cnt_m1, Expr::konst(m1_start, cnt_m1.ty)),
            ],
            vec![when(
                spike_now.e(),
                vec![set(cnt, cnt.e().inc()), set(&cnt_m1, cnt_m1.e().inc())],
            )],
        ));
        b.m.assign(&list.we, no_write_in_reset(b, spike_now.e()));
        b.m.assign(&list.waddr, cnt.e().trunc(gb));
        b.m.assign(&list.wdata, n4_g.e());
        b.m.assign(o_cnt, cnt.e());
        b.m.assign(o_cnt_m1, cnt_m1.e());
    }
    cnt
}
