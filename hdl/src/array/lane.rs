//! One lane of the array: the weights, accumulators and neuron state of the neurons
//! `g * L + l` (g = 0..G-1) and every pipeline that touches them.
//!
//! Key decisions:
//! - The top module sequences every phase and broadcasts one operation per cycle to all lanes
//!   (same group g, same weight address in the event phase); a lane only owns its memories and
//!   datapath. Phases never overlap, so memory ports are shared by one-hot selection.
//! - Each pipeline reads its memory in stage S0, gets the word `rl` cycles later (stage X),
//!   computes, registers, and writes the next cycle. Event operations on the same weight or
//!   accumulator word can be closer than that window only when G <= rl + 1; then the X stage
//!   takes the youngest in-flight result from a short history of writes (forwarding), never a
//!   stall.
//! - Neuron state is one packed word per neuron (v, refractory, theta, y, spiked-last-tick), so
//!   the neuron update is one read and one write.

use super::build::{
    B, Ram, SpRam, any, no_write_in_reset, onehot, ram, ram_module_name, spram, write_port,
};
use super::layout::{Field, Layout, Params};
use crate::ir::stmt::*;
use crate::ir::*;
use golden::arith::{bits_signed, unsigned_max};
use golden::config::Reset;
use std::ops::Not;

/// Signed view of a weight: itself when signed, zero-extended by one bit when unsigned.
pub fn weight_signed(w: Expr) -> Expr {
    w.to_signed_wide()
}

/// Width of the potentiation step `(x >> ltp_shift) - ltp_offset` as a signed value.
pub fn dx_width(lay: &Layout, p: &Params) -> u32 {
    let hi = lay.trace_max() >> p.stdp.ltp_shift;
    // the shifted trace keeps at least one bit, plus a sign bit
    let kept = lay.tb.saturating_sub(p.stdp.ltp_shift).max(1);
    // holds -offset..=hi, and +offset too (it is subtracted as a constant)
    bits_signed(-p.stdp.ltp_offset, hi.max(p.stdp.ltp_offset)).max(kept + 1)
}

/// The weight memory of a lane.
enum WMem {
    /// One weight per word, separate read and write ports.
    Dual(Ram),
    /// Two weights per word (groups 2m, 2m+1) in a single-port memory.
    Pair(SpRam),
}

/// The weight of `word` at half `lsb` (pair mode), or the word itself.
fn half_of(word: Expr, lsb: Expr, wty: Ty, pair: bool) -> Expr {
    if !pair {
        return word;
    }
    let w = wty.width;
    let pick = |e: Expr| if wty.signed { e.as_signed() } else { e };
    Expr::mux(
        lsb,
        pick(word.clone().slice(2 * w - 1, w)),
        pick(word.slice(w - 1, 0)),
    )
}

/// `word` with the half at `lsb` replaced by `w`.
fn merge_half(word: Expr, w: Expr, lsb: Expr, wty: Ty) -> Expr {
    let bw = wty.width;
    let wu = w.as_unsigned();
    Expr::mux(
        lsb,
        Expr::concat(vec![wu.clone(), word.clone().slice(bw - 1, 0)]),
        Expr::concat(vec![word.slice(2 * bw - 1, bw), wu]),
    )
}

/// Width of the potentiation clamp thresholds `w_min - dx` and `w_max - dx`.
pub fn ltp_thr_width(lay: &Layout, p: &Params) -> u32 {
    dx_width(lay, p)
        .max(bits_signed(lay.w_min, lay.w_max))
        .max(lay.w_ty.width + 1)
        + 1
}

/// Field values of a neuron-state word, packed in [`Layout`] order.
pub struct StateWord {
    /// v.
    pub v: Expr,
    /// Refractory counter.
    pub r: Option<Expr>,
    /// Theta.
    pub theta: Option<Expr>,
    /// y.
    pub y: Option<Expr>,
    /// Spiked last tick.
    pub sprev: Option<Expr>,
}

impl StateWord {
    /// Unpack a word.
    pub fn unpack(lay: &Layout, word: &Expr) -> StateWord {
        let get = |f: Field| {
            let e = word.clone().slice(f.lo + f.width - 1, f.lo);
            if f.signed { e.as_signed() } else { e }
        };
        StateWord {
            v: get(lay.f_v),
            r: lay.f_ref.map(get),
            theta: lay.f_theta.map(get),
            y: lay.f_y.map(get),
            sprev: lay.f_sprev.map(get),
        }
    }

    /// Pack into a word (most significant field first).
    pub fn pack(self) -> Expr {
        let mut parts = Vec::new();
        for e in [self.sprev, self.y, self.theta, self.r]
            .into_iter()
            .flatten()
        {
            parts.push(e.as_unsigned());
        }
        parts.push(self.v.as_unsigned());
        Expr::concat(parts)
    }
}

/// Saturating increment of an unsigned field: `min(x + inc, 2^w - 1)`.
fn sat_inc(x: Expr, inc: i64) -> Expr {
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

/// `x - (x >> s)` for an unsigned field (s = 0: unchanged).
fn decay_u(x: Expr, s: u32) -> Expr {
    if s == 0 { x } else { x.clone() - x.lsr(s) }
}

/// Build the lane module.
pub fn lane_module(lay: &Layout, p: &Params) -> Module {
    let name = format!("{}_lane", lay.name);
    let mut b = B::new(&name);
    b.m.doc.push(format!(
        "One of {} lanes: neurons g*{} + l for g in 0..{}, their {} x {} weights and state.",
        lay.l, lay.l, lay.g, lay.r, lay.g
    ));
    if !lay.pair {
        b.m.param("W_INIT", "");
    }
    let rl = lay.rl;
    let (gb, wab) = (lay.gb, lay.wab);
    let gty = Ty::u(gb);
    let waty = Ty::u(wab);
    let sty = Ty::u(lay.st_width);
    let wty = lay.w_ty;
    let stdp = p.stdp.enabled;

    // ---- ports
    let learn = b.m.input("learn", Ty::BIT);
    b.m.comment(&learn, "weights may change (STDP on and learning enabled)");
    let ev_valid = b.m.input("ev_valid", Ty::BIT);
    let ev_waddr = b.m.input("ev_waddr", waty);
    let ev_g = b.m.input("ev_g", gty);
    let nu_valid = b.m.input("nu_valid", Ty::BIT);
    let nu_g = b.m.input("nu_g", gty);
    let nu_start = stdp.then(|| {
        let s = b.m.input("nu_start", Ty::BIT);
        b.m.comment(
            &s,
            "first cycle of the neuron phase: empties the spike list",
        );
        s
    });
    let inh_total = (p.lif.inhibition > 0).then(|| b.m.input("inh_total", Ty::u(lay.inh_bits)));
    let st_valid = b.m.input("st_valid", Ty::BIT);
    let st_g = b.m.input("st_g", gty);
    let st_zero = b.m.input("st_zero", Ty::BIT);
    b.m.comment(&st_zero, "clear or reset (else decay)");
    let st_keep_theta = lay.f_theta.map(|_| b.m.input("st_keep_theta", Ty::BIT));
    let dxw = dx_width(lay, p);
    let ltp = stdp.then(|| {
        (
            b.m.input("ltp_k", gty),
            b.m.input("ltp_go", Ty::BIT),
            b.m.input("ltp_kd", gty),
            b.m.input("ltp_base", waty),
            b.m.input("ltp_dx", Ty::s(dxw)),
            b.m.input("ltp_lo", Ty::s(ltp_thr_width(lay, p))),
            b.m.input("ltp_hi", Ty::s(ltp_thr_width(lay, p))),
        )
    });
    let scale = lay.scaling.then(|| {
        (
            b.m.input("sc_sum", Ty::BIT),
            b.m.input("sc_first", Ty::BIT),
            b.m.input("sc_mul", Ty::BIT),
            b.m.input("sc_waddr", waty),
            b.m.input("sc_load", Ty::BIT),
            b.m.input("sc_recip", Ty::u(32)),
        )
    });
    let h_wr_w = b.m.input("h_wr_w", Ty::BIT);
    let h_waddr = b.m.input("h_waddr", waty);
    let h_wdata = b.m.input("h_wdata", wty);
    let h_wr_st = b.m.input("h_wr_st", Ty::BIT);
    let h_g = b.m.input("h_g", gty);
    let h_stdata = b.m.input("h_stdata", sty);
    let o_w = b.m.output("w_rdata", wty);
    let o_st = b.m.output("st_rdata", sty);
    let o_spike = b.m.output("nu_spike", Ty::BIT);
    b.m.comment(
        &o_spike,
        "registered: one cycle after the neuron's write stage",
    );
    let o_cnt = stdp.then(|| {
        (
            b.m.output("nu_cnt", Ty::u(gb + 1)),
            b.m.output("nu_cnt_m1", Ty::u(gb + 1)),
        )
    });
    let o_sum = lay.scaling.then(|| b.m.output("sum", lay.sum_ty));

    // ---- input registers: every operation broadcast by the top is registered at the lane
    // boundary (one stage, `Arch::bcast_stages`), so no path runs from the sequencer's logic
    // across the chip into a memory address; `learn` and `inh_total` are registers of
    // the top, constant while they are used, and enter directly
    let ctl = |b: &mut B, x: &Sig| b.reg_r(&format!("{}_r", x.name), 0, x.e());
    let dat = |b: &mut B, x: &Sig| b.reg(&format!("{}_r", x.name), x.e());
    let ev_valid = ctl(&mut b, &ev_valid);
    let ev_waddr = dat(&mut b, &ev_waddr);
    let ev_g = dat(&mut b, &ev_g);
    let nu_valid = ctl(&mut b, &nu_valid);
    let nu_g = dat(&mut b, &nu_g);
    let nu_start = nu_start.map(|x| ctl(&mut b, &x));
    let st_valid = ctl(&mut b, &st_valid);
    let st_g = dat(&mut b, &st_g);
    let st_zero = dat(&mut b, &st_zero);
    let st_keep_theta = st_keep_theta.map(|x| dat(&mut b, &x));
    let ltp = ltp.map(|(a, go, kd, base, dx, lo, hi)| {
        (
            dat(&mut b, &a),
            ctl(&mut b, &go),
            dat(&mut b, &kd),
            dat(&mut b, &base),
            dat(&mut b, &dx),
            dat(&mut b, &lo),
            dat(&mut b, &hi),
        )
    });
    let scale = scale.map(|(sum, first, mul, addr, load, recip)| {
        (
            ctl(&mut b, &sum),
            dat(&mut b, &first),
            ctl(&mut b, &mul),
            dat(&mut b, &addr),
            ctl(&mut b, &load),
            dat(&mut b, &recip),
        )
    });
    let h_wr_w = ctl(&mut b, &h_wr_w);
    let h_waddr = dat(&mut b, &h_waddr);
    let h_wdata = dat(&mut b, &h_wdata);
    let h_wr_st = ctl(&mut b, &h_wr_st);
    let h_g = dat(&mut b, &h_g);
    let h_stdata = dat(&mut b, &h_stdata);

    // ---- memories
    let rm = |ty: Ty, depth: u64, init: bool| ram_module_name(&lay.name, ty, depth, rl, init);
    let pair = lay.pair;
    let wm = if pair {
        let wty2 = Ty::u(2 * wty.width);
        let depth = lay.r * lay.g / 2;
        let name = format!("{}_spram_{}x{}", lay.name, wty2.width, depth);
        WMem::Pair(spram(&mut b, &name, "wmem", wty2, depth))
    } else {
        let wmod = rm(wty, lay.r * lay.g, true);
        let r = ram(&mut b, &wmod, "wmem", wty, lay.r * lay.g, None);
        // pass the lane's init file through
        let inst = b.m.instances.last_mut().unwrap();
        inst.params = vec![("INIT_FILE".into(), ParamValue::Raw("W_INIT".into()))];
        WMem::Dual(r)
    };
    let w_raw = match &wm {
        WMem::Dual(r) => r.rdata.e(),
        WMem::Pair(p) => p.rdata.e(),
    };
    // the weight of a read word: the word itself, or in pair mode the half the address's
    // lowest bit selects (the lowest bit of a weight address is the group's, since G is even)
    let half = |word: Expr, lsb: Expr| -> Expr { half_of(word, lsb, wty, pair) };
    let accram = ram(
        &mut b,
        &rm(lay.acc_ty, lay.g, false),
        "accmem",
        lay.acc_ty,
        lay.g,
        None,
    );
    let stram = ram(&mut b, &rm(sty, lay.g, false), "stmem", sty, lay.g, None);
    let listram = stdp.then(|| ram(&mut b, &rm(gty, lay.g, false), "listmem", gty, lay.g, None));

    b.m.assign(&o_w, half(w_raw.clone(), h_waddr.e().bit_at(0)));
    b.m.assign(&o_st, stram.rdata.e());

    // ---- read addresses (S0)
    let ltp_waddr = ltp.as_ref().map(|(_, _, _, base, ..)| {
        let list = listram.as_ref().unwrap();
        b.net("ltp_waddr", base.e() + list.rdata.e().ext(wab))
    });
    let mut w_cases = vec![(ev_valid.e(), ev_waddr.e())];
    if let (Some((_, go, ..)), Some(wa)) = (&ltp, &ltp_waddr) {
        w_cases.push((go.e(), wa.e()));
    }
    if let Some((sum, _, mul, addr, _, _)) = &scale {
        w_cases.push((sum.e().or(mul.e()), addr.e()));
    }
    let w_busy = any(w_cases.iter().map(|(s, _)| s.clone()).collect());
    // the host reads when no phase uses the port
    let w_raddr = b.net(
        "w_raddr",
        Expr::mux(w_busy, onehot(waty, w_cases), h_waddr.e()),
    );
    if let WMem::Dual(r) = &wm {
        b.m.assign(&r.raddr, w_raddr.e());
    }
    b.m.assign(&accram.raddr, Expr::mux(ev_valid.e(), ev_g.e(), nu_g.e()));
    let st_raddr = onehot(
        gty,
        vec![
            (ev_valid.e(), ev_g.e()),
            (nu_valid.e(), nu_g.e()),
            (st_valid.e(), st_g.e()),
        ],
    );
    let st_busy = ev_valid.e().or(nu_valid.e()).or(st_valid.e());
    b.m.assign(&stram.raddr, Expr::mux(st_busy, st_raddr, h_g.e()));

    let st_now = StateWord::unpack(lay, &stram.rdata.e());

    // ---- event pipeline: S0 -> (rl) -> X0 -> X1 -> write
    // X0 registers the read words and precomputes the depression step and the clamp threshold
    // from y, so X1 is one carry chain and a multiplexer after the forwarding select.
    let e_v = b.delayed_r("e_v", ev_valid.e(), rl);
    let e_waddr = b.delayed("e_waddr", ev_waddr.e(), rl);
    let e_g = b.delayed("e_g", ev_g.e(), rl);
    let x0_v = b.delayed_r("x0_v", e_v, 1);
    let x0_waddr = b.reg("x0_waddr", e_waddr.clone());
    let x0_g = b.reg("x0_g", e_g);
    let x0_w = b.reg("x0_w", half(w_raw.clone(), e_waddr.clone().bit_at(0)));
    let x0_acc = b.reg("x0_acc", accram.rdata.e());
    // depression: additive moves w down by ltd and clamps at w_min (w < w_min + ltd);
    // symmetric moves it up and clamps at w_max (w > w_max - ltd)
    let ws_ty_w = weight_signed(Expr::zero(wty)).ty.width;
    let ltd_parts = match (&st_now.y, stdp) {
        (Some(y), true) => {
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
            let x0_ltd = b.reg("x0_ltd", ltd.ext(dw));
            let x0_thr = b.reg("x0_thr", thr);
            Some((x0_ltd, x0_thr, dw, bound))
        }
        _ => None,
    };
    let ew_v = b.ctl_reg("ew_v", Ty::BIT, 0);
    let ew_waddr = b.data_reg("ew_waddr", waty);
    let ew_g = b.data_reg("ew_g", gty);
    let ew_w = b.data_reg("ew_w", wty);
    let ew_acc = b.data_reg("ew_acc", lay.acc_ty);
    let (w_in, a_in) = if lay.forwarding {
        // history: distance 1 is the write-stage register; distances 2..=rl+2 are copies (one
        // more in pair mode, where a word is written one cycle after its even group's result)
        let mut hist = vec![(ew_v.e(), ew_waddr.e(), ew_g.e(), ew_w.e(), ew_acc.e())];
        for k in 1..=rl + 1 + lay.pair as u64 {
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
    } else {
        (b.net("e_w_in", x0_w.e()), b.net("e_acc_in", x0_acc.e()))
    };
    let ws = b.net("e_ws", weight_signed(w_in.e()));
    let aw = lay.acc_ty.width;
    let sw = aw.max(ws.ty.width) + 1;
    let acc_sum = b.net("e_acc_sum", a_in.e().ext(sw) + ws.e().ext(sw));
    let acc_lo = golden::arith::signed_min(aw) as i128;
    let acc_hi = golden::arith::signed_max(aw) as i128;
    let acc_next = acc_sum.e().clamp_to(acc_lo, acc_hi, lay.acc_ty);
    let w_next = match ltd_parts {
        Some((ltd, thr, dw, bound)) => {
            let wide = ws.e().ext(dw);
            let (moved, hit) = if p.symmetric() {
                (wide.clone() + ltd.e(), wide.gt(thr.e()))
            } else {
                (wide.clone() - ltd.e(), wide.lt(thr.e()))
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
            Expr::mux(learn.e(), depressed, w_in.e())
        }
        None => w_in.e(),
    };
    b.ctl(set(&ew_v, x0_v));
    b.data(set(&ew_waddr, x0_waddr.e()));
    b.data(set(&ew_g, x0_g.e()));
    b.data(set(&ew_w, w_next));
    b.data(set(&ew_acc, acc_next));

    // ---- neuron pipeline: S0 -> (rl) -> N1 -> N2 -> N3 -> write
    let n_v = b.delayed_r("n_v", nu_valid.e(), rl);
    let n_g = b.delayed("n_g", nu_g.e(), rl);
    let vb = lay.v_ty.width;
    let v_old = st_now.v.clone();
    let a1 = if p.lif.leak_shift > 0 {
        v_old.clone().ext(vb + 1) - v_old.clone().sra(p.lif.leak_shift).ext(vb + 1)
    } else {
        v_old.clone().ext(vb + 1)
    };
    let inh_i = match (&inh_total, &st_now.sprev) {
        (Some(t), Some(sp)) => {
            let ib = lay.inh_bits;
            Some(
                t.e()
                    - Expr::mux(
                        sp.clone(),
                        Expr::uconst(p.lif.inhibition as u128, ib),
                        Expr::zero(Ty::u(ib)),
                    ),
            )
        }
        _ => None,
    };
    let acc_now = accram.rdata.e();
    let b1 = match inh_i {
        Some(inh) => {
            let bw = aw.max(inh.ty.width + 1) + 1;
            acc_now.ext(bw) - inh.to_signed_wide().ext(bw)
        }
        None => acc_now,
    };
    let th_bits_needed = bits_signed(p.lif.threshold, p.lif.threshold);
    let thr = match &st_now.theta {
        Some(th) => {
            let tw = th_bits_needed.max(th.ty.width + 1) + 1;
            Expr::sconst(p.lif.threshold as i128, tw) + th.clone().to_signed_wide().ext(tw)
        }
        None => Expr::sconst(p.lif.threshold as i128, th_bits_needed),
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
    let vp = n2_sum
        .e()
        .clamp_to(lay.v_lo as i128, lay.v_hi as i128, lay.v_ty);
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
    let v_after_spike = match p.lif.reset {
        Reset::Zero => Expr::sconst(p.lif.v_reset as i128, vb),
        Reset::Subtract => {
            let d = b.net("n3_vsub", n2_vp.e().ext(cw + 1) - n2_thr.e().ext(cw + 1));
            d.e().clamp_to(lay.v_lo as i128, lay.v_hi as i128, lay.v_ty)
        }
    };
    let n3_v = b.delayed_r("n3_v", n2_v.clone(), 1);
    let n3_g = b.reg("n3_g", n2_g.e());
    let n3_fire = b.reg("n3_fire_r", fire.e());
    let n3_frozen = n2_r.as_ref().map(|_| b.reg("n3_frozen", n2_frozen.e()));
    let n3_vkeep = b.reg("n3_vkeep", Expr::mux(n2_frozen.e(), n2_vold.e(), n2_vp.e()));
    let n3_vspike = match p.lif.reset {
        Reset::Zero => None,
        Reset::Subtract => Some(b.reg("n3_vspike", v_after_spike.clone())),
    };
    let n3_r = n2_r.as_ref().map(|r| b.reg("n3_r_dec", r.e().dec()));
    let n3_theta = n2_theta.as_ref().map(|t| {
        (
            b.reg("n3_theta", t.e()),
            b.reg("n3_theta_inc", sat_inc(t.e(), p.lif.theta_plus)),
        )
    });
    let n3_y = n2_y.as_ref().map(|y| {
        (
            b.reg("n3_y", y.e()),
            b.reg("n3_y_inc", sat_inc(y.e(), p.stdp.post_inc)),
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
                Expr::uconst(p.lif.refractory as u128, w),
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
    b.m.assign(&o_spike, spike_out.e());
    // per-lane list of spiking groups, for potentiation; the count (and the count - 1,
    // wrapping, which the potentiation sequencer compares against) go to the top, which
    // takes their maximum over the lanes
    let cnt = stdp.then(|| b.ctl_reg("cnt", Ty::u(gb + 1), 0));
    if let (Some(cnt), Some(list), Some((o_cnt, o_cnt_m1))) = (&cnt, &listram, &o_cnt) {
        let m1_start = (1i128 << (gb + 1)) - 1;
        let cnt_m1 = b.ctl_reg("cnt_m1", Ty::u(gb + 1), m1_start);
        b.ctl(if_else(
            nu_start.as_ref().unwrap().e(),
            vec![
                set(cnt, Expr::zero(cnt.ty)),
                set(&cnt_m1, Expr::konst(m1_start, cnt_m1.ty)),
            ],
            vec![when(
                spike_now.e(),
                vec![set(cnt, cnt.e().inc()), set(&cnt_m1, cnt_m1.e().inc())],
            )],
        ));
        b.m.assign(&list.we, no_write_in_reset(&b, spike_now.e()));
        b.m.assign(&list.waddr, cnt.e().trunc(gb));
        b.m.assign(&list.wdata, n4_g.e());
        b.m.assign(o_cnt, cnt.e());
        b.m.assign(o_cnt_m1, cnt_m1.e());
    }

    // ---- state read-modify-write pipeline (decay, clear, reset): S0 -> (rl) -> X -> write
    let s_v = b.delayed_r("s_v", st_valid.e(), rl);
    let s_g = b.delayed("s_g", st_g.e(), rl);
    let s_zero = b.delayed("s_zero", st_zero.e(), rl);
    let s_keep = st_keep_theta
        .as_ref()
        .map(|k| b.delayed("s_keep", k.e(), rl));
    let zero_of = |e: &Expr| Expr::zero(e.ty);
    let decayed = StateWord {
        v: st_now.v.clone(),
        r: st_now.r.clone(),
        theta: st_now
            .theta
            .clone()
            .map(|t| decay_u(t, p.lif.theta_decay_shift)),
        y: st_now
            .y
            .clone()
            .map(|y| decay_u(y, p.stdp.post_decay_shift)),
        sprev: st_now.sprev.clone(),
    }
    .pack();
    let cleared = StateWord {
        v: zero_of(&st_now.v),
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

    let mut pair_ltp: Option<(Sig, Sig, Sig, Expr)> = None;
    // ---- potentiation pipeline: S0 (list data) -> (rl) -> X -> write
    let mut lw = None;
    if let (Some((k, go, kd, _base, dx, lo, hi)), Some(list), Some(cnt), Some(wa)) =
        (&ltp, &listram, &cnt, &ltp_waddr)
    {
        b.m.assign(&list.raddr, k.e());
        let has = b.net("ltp_has", go.e().and(kd.e().ext(gb + 1).lt(cnt.e())));
        let l_v = b.delayed_r("l_v", has.e(), rl);
        let l_waddr = b.delayed("l_waddr", wa.e(), rl);
        // dx arrives one cycle after S0, its clamp thresholds two cycles after (rl >= 2)
        let l_dx = b.delayed("l_dx", dx.e(), rl - 1);
        let l_lo = b.delayed("l_lo", lo.e(), rl - 2);
        let l_hi = b.delayed("l_hi", hi.e(), rl - 2);
        let thw = lo.ty.width;
        // pair mode: the previous potentiation (two cycles earlier, in its X stage while this
        // one is at S0) writes its word after this one reads it. Two potentiations in a row of
        // one word update its two different halves (one weight is updated once per row), so
        // this weight always comes from memory and only the word's other half may need the
        // previous result: the address match is computed at S0 and registered. The last write
        // is kept as its halves (`lw_w`, updated, and `lw_other`) and merged at the write port.
        let lsb = l_waddr.clone().bit_at(0);
        let w_now = if pair {
            let fwd = {
                let match_s0 = l_v.clone().and(l_waddr.clone().lsr(1).eq(wa.e().lsr(1)));
                b.delayed_r("l_fwd", match_s0, rl)
            };
            let lw_w = b.data_reg("lw_w", wty);
            let lw_other = b.data_reg("lw_other", wty);
            let lw_lsb = b.data_reg("lw_lsb", Ty::BIT);
            let that = Expr::mux(fwd, lw_w.e(), half(w_raw.clone(), !lsb.clone()));
            pair_ltp = Some((lw_w, lw_other, lw_lsb, that));
            half(w_raw.clone(), lsb.clone())
        } else {
            w_raw.clone()
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
        if let Some((lw_w, lw_other, lw_lsb, that)) = pair_ltp.take() {
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
            lw = Some((lw_v, lw_addr, word));
        } else {
            let lw_waddr = b.reg("lw_waddr", l_waddr);
            let lw_w = b.reg("lw_w", stepped);
            lw = Some((lw_v, lw_waddr, lw_w));
        }
    } else if let Some(list) = &listram {
        b.m.assign(&list.raddr, Expr::zero(gty));
    }

    // ---- synaptic scaling: sums, then multiply by the reciprocal
    let mut sc_w = None;
    if let (Some((sum_op, first, mul, addr, load, recip)), Some(o_sum)) = (&scale, &o_sum) {
        let sum = b.data_reg("sum_r", lay.sum_ty);
        let c_v = b.delayed_r("c_v", sum_op.e(), rl);
        let c_first = b.delayed("c_first", first.e(), rl);
        let c_lsb = if pair {
            b.delayed("c_lsb", addr.e().bit_at(0), rl)
        } else {
            Expr::bit(false)
        };
        let wsum = weight_signed(half(w_raw.clone(), c_lsb)).ext(lay.sum_ty.width);
        b.data(when(
            c_v,
            vec![set(&sum, Expr::mux(c_first, wsum.clone(), sum.e() + wsum))],
        ));
        b.m.assign(o_sum, sum.e());
        let rcp = b.data_reg("recip", Ty::u(32));
        let skip = b.data_reg("skip", Ty::BIT);
        b.data(when(
            load.e(),
            vec![
                set(&rcp, recip.e()),
                set(&skip, sum.e().le(Expr::zero(lay.sum_ty))),
            ],
        ));
        let m_v = b.delayed_r("m_v", mul.e(), rl);
        let m_waddr = b.delayed("m_waddr", addr.e(), rl);
        let m_lsb = m_waddr.clone().bit_at(0);
        let wsig = weight_signed(half(w_raw.clone(), m_lsb));
        let prod = wsig.clone().mul_full(rcp.e().to_signed_wide());
        let m1_v = b.delayed_r("m1_v", m_v, 1);
        let m1_waddr = b.reg("m1_waddr", m_waddr);
        let m1_p = b.reg("m1_p", prod);
        let scaled = m1_p
            .e()
            .sra(16)
            .clamp_to(lay.w_min as i128, lay.w_max as i128, wty);
        let m2_v = b.delayed_r("m2_v", m1_v.and(skip.e().not()), 1);
        let m2_waddr = b.reg("m2_waddr", m1_waddr.e());
        let m2_w = b.reg("m2_w", scaled);
        if pair {
            // the other half of the word rides along; the write waits for an odd cycle
            let m1_word = b.reg("m1_word", w_raw.clone());
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
            sc_w = Some((m3_v, m3_addr, m3_word));
        } else {
            sc_w = Some((m2_v, m2_waddr, m2_w));
        }
    }

    // ---- write ports
    match &wm {
        WMem::Dual(wram) => {
            let mut w_writes = vec![(ew_v.e().and(learn.e()), ew_waddr.e(), ew_w.e())];
            if let Some((v, a, d)) = &lw {
                w_writes.push((v.clone(), a.e(), d.e()));
            }
            if let Some((v, a, d)) = &sc_w {
                w_writes.push((v.clone(), a.e(), d.e()));
            }
            w_writes.push((h_wr_w.e(), h_waddr.e(), h_wdata.e()));
            write_port(&mut b, wram, &w_writes);
        }
        WMem::Pair(sp) => {
            // a word is written after its odd group's result: reads fall on even cycles of a
            // tick, writes on odd ones, so one port serves one operation per cycle
            let ew_prev = b.reg("ew_w_prev", ew_w.e());
            let word_of = |a: Expr| a.lsr(1).trunc(sp.addr.ty.width);
            let mut w_writes = vec![(
                ew_v.e().and(learn.e()).and(ew_waddr.e().bit_at(0)),
                word_of(ew_waddr.e()),
                Expr::concat(vec![ew_w.e().as_unsigned(), ew_prev.e().as_unsigned()]),
            )];
            if let Some((v, a, d)) = &lw {
                w_writes.push((v.clone(), a.e().trunc(sp.addr.ty.width), d.e()));
            }
            if let Some((v, a, d)) = &sc_w {
                w_writes.push((v.clone(), a.e().trunc(sp.addr.ty.width), d.e()));
            }
            w_writes.push((
                h_wr_w.e(),
                word_of(h_waddr.e()),
                merge_half(w_raw.clone(), h_wdata.e(), h_waddr.e().bit_at(0), wty),
            ));
            let we = any(w_writes.iter().map(|c| c.0.clone()).collect());
            let aty = sp.addr.ty;
            let waddr = onehot(
                aty,
                w_writes
                    .iter()
                    .map(|c| (c.0.clone(), c.1.clone()))
                    .collect(),
            );
            let we = b.net("wmem_write", no_write_in_reset(&b, we));
            b.m.assign(&sp.we, we.e());
            b.m.assign(&sp.addr, Expr::mux(we.e(), waddr, word_of(w_raddr.e())));
            b.m.assign(
                &sp.wdata,
                onehot(
                    sp.wdata.ty,
                    w_writes
                        .iter()
                        .map(|c| (c.0.clone(), c.2.clone()))
                        .collect(),
                ),
            );
        }
    }

    let acc_zero_now = st_valid.e().and(st_zero.e());
    let a_writes = [
        (ew_v.e(), ew_g.e(), ew_acc.e()),
        (n4_v.clone(), n4_g.e(), Expr::zero(lay.acc_ty)),
        (acc_zero_now, st_g.e(), Expr::zero(lay.acc_ty)),
    ];
    write_port(&mut b, &accram, &a_writes);
    let s_writes = [
        (n4_v.clone(), n4_g.e(), n4_word.e()),
        (sw_v.clone(), sw_g.e(), sw_word.e()),
        (h_wr_st.e(), h_g.e(), h_stdata.e()),
    ];
    write_port(&mut b, &stram, &s_writes);
    b.finish()
}
