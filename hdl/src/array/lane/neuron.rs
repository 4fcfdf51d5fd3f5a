//! The neuron pipeline: S0 (read the state word and acc) -> (rl) -> N1 (leak and inhibition)
//! -> N2 (sum, saturate to v's range) -> N3 (spike decision, every candidate value) -> N4
//! (select and pack) -> write; then the spike output and (STDP) the list of spiking groups.
//!
//! Key decision: N3 computes every candidate of the new state (kept, after a spike, refractory,
//! theta and y incremented) in parallel with the spike compare, so N4 is one multiplexer level.

use super::{Lane, Outputs, StateWord};
use crate::array::CubaMul;
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
    if let Some(cu) = &c.p.cuba {
        return cuba(b, c, st_now, out, cu);
    }
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
    let taught = taught(b, c);
    let fire3 = match &taught {
        Some((mode, forced)) => Expr::mux(mode.clone(), forced.clone(), n3_fire.e()),
        None => n3_fire.e(),
    };
    let v_spike = match &n3_vspike {
        Some(r) => r.e(),
        None => v_after_spike,
    };
    let mut v_new = Expr::mux(fire3.clone(), v_spike, n3_vkeep.e());
    if let Some((mode, _)) = &taught {
        v_new = Expr::mux(mode.clone(), Expr::zero(lay.v_ty), v_new);
    }
    let r_new = n3_r.as_ref().map(|rd| {
        let w = rd.ty.width;
        let frozen = n3_frozen.as_ref().unwrap().e();
        let refr = Expr::uconst(lif.refractory as u128, w);
        match &taught {
            // a forced neuron spikes even while refractory: the spike takes precedence
            Some(_) => Expr::mux(
                fire3.clone(),
                refr,
                Expr::mux(frozen, rd.e(), Expr::zero(Ty::u(w))),
            ),
            None => Expr::mux(
                frozen,
                rd.e(),
                Expr::mux(fire3.clone(), refr, Expr::zero(Ty::u(w))),
            ),
        }
    });
    let theta_new = n3_theta
        .as_ref()
        .map(|(t, ti)| Expr::mux(fire3.clone(), ti.e(), t.e()));
    let y_new = n3_y
        .as_ref()
        .map(|(y, yi)| Expr::mux(fire3.clone(), yi.e(), y.e()));
    let word = StateWord {
        v: v_new,
        u: None,
        r: r_new,
        theta: theta_new,
        y: y_new,
        sprev: lay.f_sprev.map(|_| fire3.clone()),
    }
    .pack();
    write_stage(b, c, out, n3_v, n3_g.e(), |b| b.reg("n4_word", word), fire3)
}

/// Teach hardware: the TEACH mode and the issued neuron's forced bit at N4 (the lane's input
/// register delayed over the read and stages S0..N3), or `None`.
fn taught(b: &mut B, c: &Lane) -> Option<(Expr, Expr)> {
    let (mode, forced) = (c.i.teach.as_ref()?, c.i.nu_forced.as_ref()?);
    let f = b.delayed("n_forced", forced.e(), c.lay.rl + 3);
    Some((mode.e(), f))
}

/// The write stage N4 (registers of the new state word and the spike), the spike output and
/// (STDP) the spike list; shared by `lif` and `cuba`. `word` makes the state word written in
/// N4 (`lif`: a register of it).
fn write_stage(
    b: &mut B,
    c: &Lane,
    out: &Outputs,
    n3_v: Expr,
    n3_g: Expr,
    word: impl FnOnce(&mut B) -> Sig,
    fire3: Expr,
) -> NeuronWrite {
    let n4_v = b.delayed_r("n4_v", n3_v, 1);
    let n4_g = b.reg("n4_g", n3_g);
    let n4_word = word(b);
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

/// `x * k` for a signed `x` and a constant `0 <= k < 2^13`, `x`'s width + 14 bits: a Verilog
/// product (`dsp`: the tool maps it, to a DSP block where there is one) or a sum of shifted
/// copies of `x` over the signed digits of `k` (canonical signed digits: at most 7 terms for 13
/// bits), added as a balanced tree.
pub(super) fn mul_k(x: Expr, k: u64, dsp: bool) -> Expr {
    let w = x.ty.width + 14;
    if k == 0 {
        return Expr::zero(Ty::s(w));
    }
    if k.is_power_of_two() {
        return x.ext(w).lsl(k.trailing_zeros());
    }
    if dsp {
        return x.mul_full(Expr::sconst(k as i128, 14));
    }
    let xw = x.ext(w);
    // canonical signed digits of k, least significant first
    let mut terms: Vec<Expr> = Vec::new();
    let mut r = k as i64;
    let mut bit = 0u32;
    let mut negs: Vec<Expr> = Vec::new();
    while r != 0 {
        if r & 1 == 1 {
            let d = 2 - (r & 3); // +1 when r = 1 mod 4, -1 when r = 3 mod 4
            if d > 0 {
                terms.push(xw.clone().lsl(bit));
            } else {
                negs.push(xw.clone().lsl(bit));
            }
            r -= d;
        }
        r >>= 1;
        bit += 1;
    }
    let tree = |mut v: Vec<Expr>| -> Option<Expr> {
        while v.len() > 1 {
            let mut next = Vec::with_capacity(v.len().div_ceil(2));
            let mut it = v.into_iter();
            while let Some(a) = it.next() {
                next.push(match it.next() {
                    Some(b) => a + b,
                    None => a,
                });
            }
            v = next;
        }
        v.pop()
    };
    match (tree(terms), tree(negs)) {
        (Some(p), Some(n)) => p - n,
        (Some(p), None) => p,
        (None, Some(n)) => -n,
        (None, None) => unreachable!("k > 0"),
    }
}

/// `div0(x * k, 4096) + add` as `(x * k + rnd + (add << 12)) >> 12` (floor shift), where `rnd`
/// is 4095 when the product is negative: the first two terms (a constant and a wiring of `add`)
/// are formed here, in the stage of the product; the sum and shift are the next stage's.
/// Returns the addend `rnd + (add << 12)`, `w` bits signed.
fn div0_addend(x: &Expr, k: u64, add: Expr, w: u32) -> Expr {
    let add = add.ext(w - 12);
    let neg = if k == 0 {
        Expr::bit(false)
    } else {
        x.clone().msb()
    };
    let low = Expr::mux(neg, Expr::uconst(4095, 12), Expr::uconst(0, 12));
    Expr::concat(vec![add.as_unsigned(), low]).as_signed()
}

/// Whether [`split_decay`] applies to the constant `k`: a multiply (not 0, not a power of two,
/// which are wiring).
fn splits(k: u64) -> bool {
    k != 0 && !k.is_power_of_two()
}

/// `div0(x * k, 4096) + add` for a signed `x` of 24 or 25 bits and a constant `0 < k < 2^12`
/// with one 16x16 DSP block ([`CubaMul::Split`]). Let `s` be the number of low bits `xl` of x
/// below its high 16 bits `xh`, and `rnd` = 4095 for a negative x (which turns the floor shift
/// into `div0`), `rnd_hi = rnd >> s`, `rnd_lo = rnd mod 2^s`. N1 registers `m = xh * k +
/// (add << (12 - s)) + rnd_hi` (one block: its multiplier and adder, the register its output
/// register), `l = xl * k` (unsigned, shift-and-add over `s` bits) and x's sign; N2's value is
/// `(m + (l >> s) + c) >> (12 - s)` with the carry-in `c` = x negative and `l`'s low `s` bits
/// not all zero. Exact: `x * k + rnd + (add << 12)` equals `(m << s) + xl * k + rnd_lo`, and
/// `floor((xl * k + rnd_lo) / 2^s) = (l >> s) + c`. Returns the N2 expression, 31 bits signed.
fn split_decay(b: &mut B, name: &str, x: &Expr, k: u64, add: Expr) -> Expr {
    let w = x.ty.width;
    let s = w - 16;
    let neg = x.clone().msb();
    let xh = x.clone().slice(w - 1, s).as_signed();
    let xl = x.clone().slice(s - 1, 0);
    let fill = Expr::mux(
        neg.clone(),
        Expr::uconst((1u128 << (12 - s)) - 1, 12 - s),
        Expr::uconst(0, 12 - s),
    );
    let c = Expr::concat(vec![add.as_unsigned(), fill]).as_signed();
    let m = xh.mul_full(Expr::sconst(k as i128, 14));
    let mw = m.ty.width;
    let n1_m = b.reg(&format!("n1_m{name}"), m + c.ext(mw));
    let n1_l = b.reg(&format!("n1_l{name}"), mul_k(xl.to_signed_wide(), k, false));
    let n1_n = b.reg(&format!("n1_n{name}"), neg);
    let lw = n1_l.ty.width;
    let carry = n1_n.e().and(n1_l.e().slice(s - 1, 0).any());
    let sw = mw + 1;
    (n1_m.e().ext(sw) + n1_l.e().slice(lw - 1, s).ext(sw).as_signed() + carry.ext(sw).as_signed())
        .sra(12 - s)
}

/// The `cuba` neuron pipeline (docs/model.md, "The cuba model"; `golden::rules::cuba_neuron`),
/// with the stages of the `lif` one: N1 the two decay products and their addends, N2 the sums
/// `div0(u * (4095 - du), 4096) + (a_in << 6)` and `div0(v * (4096 - dv), 4096) + bias`, N3 the
/// wrap of u and the sum v' before its clamp, N4 the clamp, the spike compare and the reset.
fn cuba(
    b: &mut B,
    c: &Lane,
    st_now: &StateWord,
    out: &Outputs,
    cu: &golden::config::CubaConfig,
) -> NeuronWrite {
    let (lay, p, i) = (c.lay, c.p, &c.i);
    let rl = lay.rl;
    let n_v = b.delayed_r("n_v", i.nu_valid.e(), rl);
    let n_g = b.delayed("n_g", i.nu_g.e(), rl);
    let u_old = st_now.u.clone().expect("cuba has u");
    let v_old = st_now.v.clone();
    // a_in = clamp(acc << weight_exp (or >> -weight_exp), +-CUBA_A_MAX), 19 bits
    let acc = c.acc.rdata.e();
    let aw = acc.ty.width;
    let shifted = if cu.weight_exp >= 0 {
        let w = aw + cu.weight_exp as u32;
        acc.ext(w).lsl(cu.weight_exp as u32)
    } else {
        acc.sra((-cu.weight_exp) as u32)
    };
    let a_max = golden::rules::CUBA_A_MAX;
    let a_in = if shifted.ty.width <= 18 {
        // within +-2^17: the clamp cannot act
        shifted.ext(19)
    } else if shifted.ty.width == 19 {
        ops::clamp(shifted.ext(20), -a_max, a_max, Ty::s(19))
    } else {
        ops::clamp(shifted, -a_max, a_max, Ty::s(19))
    };
    let (ku, kv) = ((4095 - cu.du) as u64, (4096 - cu.dv) as u64);
    let mode = lay.mul;
    // N1: products and addends (a_in << 6 << 12 and bias << 12, with the rounding constant)
    let ub = golden::rules::CUBA_U_BITS;
    let pu_w = ub + 14;
    let pv_w = 24 + 14;
    let n1_v = b.delayed_r("n1_v", n_v.clone(), 1);
    let n1_g = b.reg("n1_g", n_g.clone());
    let a6 = Expr::concat(vec![a_in.as_unsigned(), Expr::uconst(0, 6)]).as_signed();
    let bias_e = |b: &mut B| match &i.nu_bias {
        Some(nb) => b.delayed("n_bias", nb.e(), rl),
        None => Expr::sconst(cu.bias(0) as i128, 20),
    };
    // N2: the two sums, shifted: su = div0(u * ku) + (a_in << 6) (its low 24 bits: all the
    // wrap needs), tv = div0(v * kv) + bias
    let (su, tv) = if mode == CubaMul::Split && splits(ku) && splits(kv) {
        let du = split_decay(b, "u", &u_old, ku, a6);
        let bias = bias_e(b);
        let dv = split_decay(b, "v", &v_old, kv, bias);
        (du.trunc(24), dv.trunc(26))
    } else {
        let dsp = mode == CubaMul::Dsp;
        let n1_pu = b.reg("n1_pu", mul_k(u_old.clone(), ku, dsp));
        let n1_pv = b.reg("n1_pv", mul_k(v_old.clone(), kv, dsp));
        let n1_au = b.reg("n1_au", div0_addend(&u_old, ku, a6, pu_w));
        let bias = bias_e(b);
        let n1_av = b.reg("n1_av", div0_addend(&v_old, kv, bias, pv_w));
        let su = (n1_pu.e() + n1_au.e())
            .sra(12)
            .slice(pu_w - 13, 0)
            .as_signed()
            .trunc(24);
        let tv = (n1_pv.e() + n1_av.e())
            .sra(12)
            .slice(pv_w - 13, 0)
            .as_signed()
            .trunc(26);
        (su, tv)
    };
    let n1_y = st_now.y.clone().map(|y| b.reg("n1_y", y));
    let n2_v = b.delayed_r("n2_v", n1_v.clone(), 1);
    let n2_g = b.reg("n2_g", n1_g.e());
    let n2_su = b.reg("n2_su", su);
    let n2_tv = b.reg("n2_tv", tv);
    let n2_y = n1_y.map(|y| b.reg("n2_y", y.e()));
    // N3: Lava's wrap of u (`u > 2^23` down by 2^24, `u <= -2^23` up by 2^24, once). The a_in
    // clamp keeps the sum within one wrap of (-2^23, 2^23], so the wrapped u is the one value of
    // that range equal to the sum modulo 2^24: the sum's low 24 bits, negative exactly when bit
    // 23 is set and bits 22..0 are not all zero (2^23 itself is kept: the strict compare). Then
    // v' = tv + u before its clamp.
    let m = 1i128 << 23;
    debug_assert_eq!(ub, 25);
    let su_e = n2_su.e();
    let u_neg = b.net(
        "n3_uneg",
        su_e.clone().bit_at(23).and(su_e.clone().slice(22, 0).any()),
    );
    let u_new = Expr::concat(vec![u_neg.e(), su_e.slice(23, 0)]).as_signed();
    let vsum = n2_tv.e().ext(27) + u_new.clone().ext(27);
    let n3_v = b.delayed_r("n3_v", n2_v.clone(), 1);
    let n3_g = b.reg("n3_g", n2_g.e());
    let n3_u = b.reg("n3_u", u_new);
    let n3_vsum = b.reg("n3_vsum", vsum);
    let n3_y = n2_y.as_ref().map(|y| {
        (
            b.reg("n3_y", y.e()),
            b.reg("n3_y_inc", ops::sat_inc(y.e(), p.stdp.post_inc)),
        )
    });
    // N4: clamp, spike compare (`v' > vth << 6`; the threshold lies within the clamp's range,
    // so comparing the value before the clamp decides the same), v reset to 0
    // the clamp to +-(2^23 - 1) of the 27-bit sum by its bits: below when negative and not
    // within [-(2^23 - 1), -1] (bits 26..23 all set, bits 22..0 not all zero), above when
    // positive with a bit of 25..23 set
    let vs = n3_vsum.e();
    debug_assert_eq!((lay.v_lo, lay.v_hi), (-(m as i64 - 1), m as i64 - 1));
    let below = vs.clone().msb().and(
        vs.clone()
            .slice(25, 23)
            .all()
            .not()
            .or(vs.clone().slice(22, 0).any().not()),
    );
    let above = vs.clone().msb().not().and(vs.clone().slice(25, 23).any());
    let vp = Expr::mux(
        below,
        Expr::sconst(-(m - 1), 24),
        Expr::mux(
            above,
            Expr::sconst(m - 1, 24),
            vs.clone().slice(23, 0).as_signed(),
        ),
    );
    let fire = b.net("n4_fire_c", vs.gt(Expr::sconst((cu.vth << 6) as i128, 27)));
    // teach mode: the forced bit is the spike, v and u are written 0
    let (fire, mode) = match taught(b, c) {
        Some((mode, forced)) => (
            b.net("n4_fire_t", Expr::mux(mode.clone(), forced, fire.e())),
            Some(mode),
        ),
        None => (fire, None),
    };
    // N4 registers v' clamped and y with its increment, and the word written applies the
    // spike's reset (and y's increment) after those registers: the 27-bit spike compare ends
    // at a flip-flop instead of fanning out into the word's multiplexers
    let fire_e = fire.e();
    let vp_sig = b.net("n4_vp", vp);
    let word = move |b: &mut B| {
        let n4_vp = b.reg("n4_vp_r", vp_sig.e());
        let n4_u = b.reg("n4_u", n3_u.e());
        let n4_y = n3_y
            .as_ref()
            .map(|(y, yi)| (b.reg("n4_y", y.e()), b.reg("n4_y_inc", yi.e())));
        let n4_reset = b.reg("n4_reset", fire_e);
        let n4_mode = mode.map(|m| b.reg("n4_teach", m));
        let y_new = n4_y
            .as_ref()
            .map(|(y, yi)| Expr::mux(n4_reset.e(), yi.e(), y.e()));
        let (v_zero, u_new) = match &n4_mode {
            Some(m) => (
                n4_reset.e().or(m.e()),
                Expr::mux(m.e(), Expr::zero(n4_u.ty), n4_u.e()),
            ),
            None => (n4_reset.e(), n4_u.e()),
        };
        let word = StateWord {
            v: Expr::mux(v_zero, Expr::zero(lay.v_ty), n4_vp.e()),
            u: Some(u_new),
            r: None,
            theta: None,
            y: y_new,
            sprev: None,
        }
        .pack();
        b.net("n4_word", word)
    };
    write_stage(b, c, out, n3_v, n3_g.e(), word, fire.e())
}
