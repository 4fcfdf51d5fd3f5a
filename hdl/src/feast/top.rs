//! The FEAST layer's top module: the input and output streams, the state machine that runs an
//! event (trace update, context, norm and ratio, the lanes' match sweep, selection, learning),
//! the memories, the divider and the Wishbone host port.
//!
//! Key decision: every state has a fixed length (`golden::feast::FeastArch`); inside a state a
//! counter `cnt` from 0 tells each pipeline stage which item it holds (an item issued at `cnt =
//! k` is read back at `k + RL`), so no address travels down a delay line.

use super::{FeastLayout, FeastRegion, ID, Mutant, regs};
use crate::array::build::{B, Built, MemShape, Ram, mul_const, write_port};
use crate::array::ops;
use crate::fsm_states;
use crate::ir::stmt::*;
use crate::ir::*;
use golden::arith::{bits_unsigned, unsigned_max};
use golden::feast::{Border, FeastConfig, Norm};

fsm_states! {
    /// States of the layer (the `state` register's values).
    pub enum St {
        /// Zero every trace (after reset and on the host's clear).
        Clear = 0,
        /// Wait for an input beat or a host transaction.
        Idle = 1,
        /// Decay every trace (a tick's first beat waits for it).
        Decay = 2,
        /// A host transaction.
        Host = 3,
        /// Read and increment the event's own trace.
        XRead = 4,
        /// Read the context window.
        Ctx = 5,
        /// Integer square root of the norm sum.
        Sqrt = 6,
        /// The ratio `2^(norm_shift + 16) / norm`.
        Div = 7,
        /// One group's dot products (each lane one neuron).
        Sweep = 8,
        /// The group's matches: multiply by the context's ratio, compare with the thresholds.
        Mul = 9,
        /// The lanes' best neurons reduced to the winner.
        Reduce = 10,
        /// A missed event: every threshold lowered.
        Miss = 11,
        /// The winner's weights moved toward the context.
        Update = 12,
        /// The winner's weights renormalised, its threshold raised.
        Scale = 13,
        /// Send the output beat (a spike or the end of the tick).
        Emit = 14,
    }
}

fn k(v: u64, w: u32) -> Expr {
    Expr::uconst(v as u128, w)
}

/// `cnt == v` (false when `v` does not fit the counter).
fn at(cnt: &Sig, v: u64) -> Expr {
    if bits_unsigned(v) > cnt.ty.width {
        Expr::bit(false)
    } else {
        cnt.e().eq(k(v, cnt.ty.width))
    }
}

/// `e < v` (true when `v` exceeds every value of `e`).
fn below(e: Expr, v: u64) -> Expr {
    if bits_unsigned(v) > e.ty.width {
        Expr::bit(true)
    } else {
        e.clone().lt(k(v, e.ty.width))
    }
}

/// `lo <= cnt < hi`.
fn within(cnt: &Sig, lo: u64, hi: u64) -> Expr {
    let w = cnt.ty.width;
    let ge = if lo == 0 {
        Expr::bit(true)
    } else {
        cnt.e().ge(k(lo, w))
    };
    if bits_unsigned(hi) > w {
        ge
    } else {
        ge.and(cnt.e().lt(k(hi, w)))
    }
}

/// `(cnt - off)` in `width` bits (wrapping).
fn minus(cnt: &Sig, off: u64, width: u32) -> Expr {
    let w = cnt.ty.width.max(width);
    (cnt.e().ext(w) - k(off, w)).trunc(width)
}

/// Lane `sel`'s value of `vals` (a mux chain; `sel` may be 1 bit wide for one lane).
fn lane_mux(sel: &Expr, vals: &[Expr]) -> Expr {
    let mut acc = vals[0].clone();
    for (l, v) in vals.iter().enumerate().skip(1) {
        acc = Expr::mux(sel.clone().eq(k(l as u64, sel.ty.width)), v.clone(), acc);
    }
    acc
}

/// Square (L2) or the value itself (L1), widened to `w` bits.
fn norm_term(v: Expr, norm: Norm, w: u32) -> Expr {
    match norm {
        Norm::L1 => v.ext(w),
        Norm::L2 => v.clone().mul_full(v).resize(w),
    }
}

/// Build the top module.
pub fn top_module(
    cfg: &FeastConfig,
    lay: &FeastLayout,
    init_prefix: &str,
    mutant: Option<Mutant>,
) -> Built {
    let p = &cfg.feast;
    let a = &lay.arch;
    let (kk, g_n, lanes, rl) = (a.k, a.g, a.lanes, a.rl);
    let name = &lay.name;
    let mut b = B::new(name);
    b.m.doc.push(format!(
        "FEAST layer: {} x {} grid, r = {}, {} neurons in {} lanes (docs/model.md, FEAST layers).",
        lay.width, lay.height, lay.radius, lay.n, lanes
    ));
    // ------------------------------------------------------------------ ports
    let in_valid = b.m.input("in_valid", Ty::BIT);
    let in_ready = b.m.output("in_ready", Ty::BIT);
    let in_eot = b.m.input("in_eot", Ty::BIT);
    let in_addr = b.m.input("in_addr", Ty::u(32));
    let out_valid_port = b.m.output("out_valid", Ty::BIT);
    let out_ready = b.m.input("out_ready", Ty::BIT);
    let out_eot = b.m.output_reg("out_eot", Ty::BIT);
    let out_addr = b.m.output_reg("out_addr", Ty::u(lay.nb));
    let wb_cyc = b.m.input("wb_cyc", Ty::BIT);
    let wb_stb = b.m.input("wb_stb", Ty::BIT);
    let wb_we = b.m.input("wb_we", Ty::BIT);
    let wb_adr = b.m.input("wb_adr", Ty::u(lay.aw));
    let wb_dat_w = b.m.input("wb_dat_w", Ty::u(32));
    let wb_sel = b.m.input("wb_sel", Ty::u(4));
    let wb_dat_r = b.m.output_reg("wb_dat_r", Ty::u(32));
    let wb_ack = b.m.output("wb_ack", Ty::BIT);
    let wb_stall = b.m.output("wb_stall", Ty::BIT);

    // ------------------------------------------------------------------ widths
    let tb = lay.trace_bits;
    let wbits = lay.weight_bits;
    let thw = lay.theta_bits;
    let xaw = addr_width(a.inputs);
    let waw = addr_width(kk * g_n);
    let caw = addr_width(kk);
    let taw = addr_width(g_n);
    let lsel = addr_width(lanes);
    let qw = a.quot_bits as u32;
    let sumw = a.sum_bits;
    let dotw = a.dot_bits;
    let one = p.one() as u64;
    let w_max = unsigned_max(wbits) as u64;
    let lens = [
        a.inputs + rl,
        a.context(),
        a.sqrt(),
        a.div(),
        a.group(),
        a.miss(),
        a.update(),
        a.scale(),
        a.xread(),
        rl + 2,
        lanes,
    ];
    let cw = bits_unsigned(*lens.iter().max().unwrap());

    // ------------------------------------------------------------------ control registers
    let st = b.fsm("state", St::Clear);
    let cnt = b.ctl_reg("cnt", Ty::u(cw), 0);
    let started = b.ctl_reg("started", Ty::BIT, 0);
    let learning = b.ctl_reg("learning", Ty::BIT, 1);
    let second = b.ctl_reg("norm_w", Ty::BIT, 0);
    b.m.comment(&second, "the norm being computed is the winner's weights'");
    let ev_eot = b.ctl_reg("ev_eot", Ty::BIT, 0);
    let ack_r = b.ctl_reg("ack_r", Ty::BIT, 0);
    let out_valid = b.ctl_reg("ov", Ty::BIT, 0);
    b.m.assign(&out_valid_port, out_valid.e());
    let counter = |b: &mut B, n: &str| b.ctl_reg(n, Ty::u(32), 0);
    let c_ticks = counter(&mut b, "c_ticks");
    let c_events = counter(&mut b, "c_events");
    let c_dropped = counter(&mut b, "c_dropped");
    let c_skipped = counter(&mut b, "c_skipped");
    let c_missed = counter(&mut b, "c_missed");
    let c_won = counter(&mut b, "c_won");
    // event registers
    let ev_j = b.data_reg("ev_j", Ty::u(xaw));
    let pw = bits_unsigned(lay.width.max(lay.height) as u64);
    let px = b.data_reg("px", Ty::u(pw));
    let py = b.data_reg("py", Ty::u(pw));
    let sb = bits_unsigned(p.side() as u64);
    let col = b.data_reg("col", Ty::u(sb));
    let row = b.data_reg("row", Ty::u(sb));
    let nsum = b.data_reg("nsum", Ty::u(sumw));
    let rc = b.data_reg("rc", Ty::u(qw));
    b.m.comment(&rc, "the context's ratio");
    let rr = b.data_reg("rr", Ty::u(qw));
    b.m.comment(&rr, "the winner's weights' ratio");
    let gcnt = b.data_reg("grp", Ty::u(taw));
    // winner
    let mw = (dotw + qw).saturating_sub(a_shift(cfg)).max(1);
    let gf = b.data_reg("win_found", Ty::BIT);
    let gm = b.data_reg("win_m", Ty::u(mw));
    let gg = b.data_reg("win_g", Ty::u(taw));
    let gl = b.data_reg("win_l", Ty::u(lsel));
    // host transaction
    let h_adr = b.data_reg("h_adr", Ty::u(lay.aw));
    let h_we = b.data_reg("h_we", Ty::BIT);
    let h_dat = b.data_reg("h_dat", Ty::u(32));
    let h_sel = b.data_reg("h_sel", Ty::u(4));
    let h_rd = b.data_reg("h_rd", Ty::u(32));

    let is = |s: St| st.is(s);
    let idle = b.net("idle", is(St::Idle));
    let host_go = b.net("host_go", idle.e().and(wb_cyc.e()).and(wb_stb.e()));
    let ready = b.net("ready", idle.e().and(started.e()).and(!wb_cyc.e()));
    b.m.assign(&in_ready, ready.e());
    let accept = b.net("accept", ready.e().and(in_valid.e()));
    let decay_go = b.net(
        "decay_go",
        idle.e()
            .and(!started.e())
            .and(!wb_cyc.e())
            .and(in_valid.e()),
    );
    b.m.assign(&wb_stall, !idle.e());
    b.m.assign(&wb_ack, ack_r.e().and(wb_cyc.e()));

    // ------------------------------------------------------------------ event position
    let (dm, ds) = (lay.div_mul, lay.div_shift);
    let mulw = xaw + bits_unsigned(dm);
    let py_now = b.net(
        "py_now",
        mul_const(ev_j.e(), dm, mulw)
            .lsr(ds)
            .trunc(pw.min(mulw))
            .resize(pw),
    );
    let px_now = b.net(
        "px_now",
        (ev_j.e().resize(xaw + pw) - mul_const(py_now.e(), lay.width as u64, xaw + pw)).trunc(pw),
    );
    let r = lay.radius as u64;
    let wlim = lay.width as u64 - 1 - r;
    let wlim = if mutant == Some(Mutant::WindowBound) {
        wlim + 1
    } else {
        wlim
    };
    let skip = p.border == Border::Skip;
    let inside = skip.then(|| {
        b.net(
            "win_inside",
            px.e()
                .ge(k(r, pw))
                .and(py.e().ge(k(r, pw)))
                .and(px.e().ext(pw + 1).le(k(wlim, pw + 1)))
                .and(py.e().le(k(lay.height as u64 - 1 - r, pw))),
        )
    });
    // the window position (col, row): grid position and validity
    let sw = pw + 2;
    let sgn = |e: Expr| e.ext(sw).as_signed();
    let gx = b.net(
        "gx",
        sgn(px.e()) + sgn(col.e().resize(pw)) - Expr::sconst(r as i128, sw),
    );
    let gy = b.net(
        "gy",
        sgn(py.e()) + sgn(row.e().resize(pw)) - Expr::sconst(r as i128, sw),
    );
    let in_grid = b.net(
        "in_grid",
        gx.e()
            .ge(Expr::sconst(0, sw))
            .and(gx.e().lt(Expr::sconst(lay.width as i128, sw)))
            .and(gy.e().ge(Expr::sconst(0, sw)))
            .and(gy.e().lt(Expr::sconst(lay.height as i128, sw))),
    );
    let aw2 = xaw + 2;
    let ctx_addr = b.net(
        "ctx_addr",
        (mul_const(gy.e().as_unsigned().resize(aw2), lay.width as u64, aw2)
            + gx.e().as_unsigned().resize(aw2))
        .trunc(xaw),
    );

    // ------------------------------------------------------------------ memories
    let rshape = |ty: Ty, depth: u64, init: bool| MemShape::ram(ty, depth, rl, init, false);
    let xm = b.ram(name, "x", rshape(Ty::u(tb), a.inputs, false), None);
    let cm = b.ram(name, "ctx", rshape(Ty::u(tb), kk, false), None);
    let mut wm: Vec<Ram> = Vec::new();
    let mut tm: Vec<Ram> = Vec::new();
    for l in 0..lanes {
        wm.push(b.ram(
            name,
            &format!("w{l}"),
            rshape(Ty::u(wbits), kk * g_n, true),
            Some(format!("{init_prefix}{name}_w{l}.hex")),
        ));
        tm.push(b.ram(
            name,
            &format!("theta{l}"),
            rshape(Ty::u(thw), g_n, true),
            Some(format!("{init_prefix}{name}_theta{l}.hex")),
        ));
    }

    // ------------------------------------------------------------------ host decode
    let ib = lay.ib;
    let region = b.net("h_region", h_adr.e().slice(lay.aw - 1, ib));
    let idx = b.net("h_idx", h_adr.e().slice(ib - 1, 0));
    let reg_of = |r: FeastRegion| region.e().eq(k(r as u64, 2));
    let (kb, gb, lb) = (lay.kb, lay.gb, lay.lb);
    let h_l = b.net("h_l", idx.e().slice(lb - 1, 0));
    let h_g = b.net("h_g", idx.e().slice(lb + gb - 1, lb));
    let h_k = b.net("h_k", idx.e().slice(lb + gb + kb - 1, lb + gb));
    let lg_ok = below(h_l.e(), lanes).and(below(h_g.e(), g_n));
    let upper_zero = |used: u32| {
        if used >= ib {
            Expr::bit(true)
        } else {
            !idx.e().slice(ib - 1, used).any()
        }
    };
    let w_ok = b.net(
        "h_w_ok",
        reg_of(FeastRegion::Weights)
            .and(lg_ok.clone())
            .and(below(h_k.e(), kk))
            .and(upper_zero(kb + gb + lb)),
    );
    let t_ok = b.net(
        "h_t_ok",
        reg_of(FeastRegion::Thresholds)
            .and(lg_ok)
            .and(upper_zero(gb + lb)),
    );
    let x_ok = b.net(
        "h_x_ok",
        reg_of(FeastRegion::Traces).and(below(idx.e(), a.inputs)),
    );
    let h_waddr = b.net(
        "h_waddr",
        (mul_const(h_k.e(), g_n, waw + kb) + h_g.e().resize(waw + kb)).trunc(waw),
    );
    let h_taddr = b.net("h_taddr", h_g.e().resize(taw));
    let h_xaddr = b.net("h_xaddr", idx.e().resize(xaw));
    let h_lane = b.net("h_lane", h_l.e().resize(lsel));

    // ------------------------------------------------------------------ memory read ports
    b.m.assign(
        &xm.raddr,
        Expr::mux(
            is(St::XRead),
            ev_j.e(),
            Expr::mux(
                is(St::Ctx),
                ctx_addr.e(),
                Expr::mux(is(St::Host), h_xaddr.e(), cnt.e().resize(xaw)),
            ),
        ),
    );
    b.m.assign(&cm.raddr, cnt.e().resize(caw));
    let wgroup = Expr::mux(is(St::Sweep), gcnt.e(), gg.e());
    let sweep_waddr = (mul_const(cnt.e(), g_n, waw + cw) + wgroup.resize(waw + cw)).trunc(waw);
    let w_raddr = b.net("w_raddr", Expr::mux(is(St::Host), h_waddr.e(), sweep_waddr));
    let t_raddr = b.net(
        "t_raddr",
        Expr::mux(
            is(St::Host),
            h_taddr.e(),
            Expr::mux(
                is(St::Miss),
                cnt.e().resize(taw),
                Expr::mux(is(St::Scale), gg.e(), gcnt.e()),
            ),
        ),
    );
    for l in 0..lanes as usize {
        b.m.assign(&wm[l].raddr, w_raddr.e());
        b.m.assign(&tm[l].raddr, t_raddr.e());
    }
    let w_rd: Vec<Expr> = wm.iter().map(|m| m.rdata.e()).collect();
    let t_rd: Vec<Expr> = tm.iter().map(|m| m.rdata.e()).collect();
    let w_sel = b.net("w_sel", lane_mux(&gl.e(), &w_rd));
    let t_sel = b.net("t_sel", lane_mux(&gl.e(), &t_rd));

    // ------------------------------------------------------------------ context pipeline
    let valid_now = b.net("ctx_valid", in_grid.e().and(within(&cnt, 0, kk)));
    let valid_d = b.delayed("ctx_valid", valid_now.e(), rl);
    let cv_next = Expr::mux(valid_d, xm.rdata.e(), Expr::zero(Ty::u(tb)));
    let cv_now = b.net("cv_now", cv_next);
    let cv = b.reg("cv", cv_now.e());
    b.m.comment(&cv, "the context value read one cycle before");
    write_port(
        &mut b,
        &cm,
        &[(
            is(St::Ctx).and(within(&cnt, rl, kk + rl)),
            minus(&cnt, rl, caw),
            cv_now.e(),
        )],
    );

    // ------------------------------------------------------------------ trace writes
    let x_inc = ops::sat_inc(xm.rdata.e(), cfg.base.stdp.pre_inc);
    let x_dec = ops::decay(xm.rdata.e(), cfg.base.stdp.pre_decay_shift);
    write_port(
        &mut b,
        &xm,
        &[
            (is(St::Clear), cnt.e().resize(xaw), Expr::zero(Ty::u(tb))),
            (
                is(St::Decay).and(within(&cnt, rl, a.inputs + rl)),
                minus(&cnt, rl, xaw),
                x_dec,
            ),
            (is(St::XRead).and(at(&cnt, rl)), ev_j.e(), x_inc),
        ],
    );

    // ------------------------------------------------------------------ the lanes' match
    let shift = a_shift(cfg);
    let mut lane_found = Vec::new();
    let mut lane_m = Vec::new();
    let mut lane_g = Vec::new();
    let sweep_acc = is(St::Sweep).and(within(&cnt, rl + 1, kk + rl + 1));
    let mul_cmp = is(St::Mul).and(at(&cnt, 1));
    for l in 0..lanes as usize {
        let prod = b.reg(&format!("prod{l}"), wm[l].rdata.e().mul_full(cm.rdata.e()));
        let acc = b.data_reg(&format!("acc{l}"), Ty::u(dotw));
        b.data(if_else(
            is(St::Sweep).and(at(&cnt, 0)),
            vec![set(&acc, Expr::zero(acc.ty))],
            vec![when(
                sweep_acc.clone(),
                vec![set(&acc, acc.e() + prod.e().resize(dotw))],
            )],
        ));
        let mprod = b.reg(&format!("mprod{l}"), acc.e().mul_full(rc.e()));
        let m = if shift >= dotw + qw {
            Expr::zero(Ty::u(1))
        } else {
            b.m.partly_unused(&mprod, "the bits below the match's unit are shifted out");
            mprod.e().lsr(shift).trunc(dotw + qw - shift)
        };
        let m = b.net(&format!("m{l}"), m.resize(mw));
        let cmpw = mw.max(thw);
        let pass = m.e().resize(cmpw).ge(t_rd[l].clone().resize(cmpw));
        let found = b.data_reg(&format!("found{l}"), Ty::BIT);
        let best = b.data_reg(&format!("best_m{l}"), Ty::u(mw));
        let bestg = b.data_reg(&format!("best_g{l}"), Ty::u(taw));
        let beats = if mutant == Some(Mutant::TieBreak) {
            m.e().ge(best.e())
        } else {
            m.e().gt(best.e())
        };
        let take = b.net(
            &format!("take{l}"),
            mul_cmp.clone().and(pass).and((!found.e()).or(beats)),
        );
        b.data(if_else(
            is(St::Div).and(!second.e()),
            vec![set(&found, Expr::bit(false))],
            vec![when(
                take.e(),
                vec![
                    set(&found, Expr::bit(true)),
                    set(&best, m.e()),
                    set(&bestg, gcnt.e()),
                ],
            )],
        ));
        lane_found.push(found.e());
        lane_m.push(best.e());
        lane_g.push(bestg.e());
    }
    // reduce: lane `cnt` against the winner so far (larger match, then lower group; a lane
    // scanned later has a higher index within a group)
    let rl_sel = b.net("red_lane", cnt.e().resize(lsel));
    let cf = b.net("red_found", lane_mux(&rl_sel.e(), &lane_found));
    let cm_ = b.net("red_m", lane_mux(&rl_sel.e(), &lane_m));
    let cg = b.net("red_g", lane_mux(&rl_sel.e(), &lane_g));
    let red_take = b.net(
        "red_take",
        is(St::Reduce).and(cf.e()).and(
            (!gf.e())
                .or(cm_.e().gt(gm.e()))
                .or(cm_.e().eq(gm.e()).and(cg.e().lt(gg.e()))),
        ),
    );
    let found_final = b.net("found_final", gf.e().or(red_take.e()));
    b.data(if_else(
        is(St::Div).and(!second.e()),
        vec![set(&gf, Expr::bit(false))],
        vec![when(
            red_take.e(),
            vec![
                set(&gf, Expr::bit(true)),
                set(&gm, cm_.e()),
                set(&gg, cg.e()),
                set(&gl, rl_sel.e()),
            ],
        )],
    ));

    // ------------------------------------------------------------------ learning datapath
    let opw = tb.max(wbits);
    let sop = b.net(
        "s_op",
        Expr::mux(
            is(St::Scale),
            w_sel.e().resize(opw),
            cm.rdata.e().resize(opw),
        ),
    );
    let sratio = b.net("s_ratio", Expr::mux(is(St::Scale), rr.e(), rc.e()));
    let sprod = b.reg("sprod", sop.e().mul_full(sratio.e()));
    b.m.partly_unused(&sprod, "the fraction below 2^16 is shifted out");
    let spw = opw + qw;
    let hi = b.net("s_hi", sprod.e().lsr(16).trunc(spw - 16));
    let w_d = b.reg("w_d", w_sel.e());
    // w + round(c' - w, eta), clamped to 0..=w_max
    let dw = (spw - 16).max(wbits) + 2;
    let s_ = |e: Expr| e.ext(dw).as_signed();
    let diff = b.net("u_diff", s_(hi.e()) - s_(w_d.e()));
    let es = p.eta_shift;
    let step = if es == 0 {
        diff.e()
    } else {
        (diff.e() + Expr::sconst(1i128 << (es - 1), dw)).sra(es)
    };
    // registered: the step, and the weight beside it (the update writes one cycle later)
    let ustep = b.reg("u_step", step);
    let w_d2 = b.reg("w_d2", w_d.e());
    let upd = b.net("u_new", s_(w_d2.e()) + ustep.e());
    let neww = b.net("u_w", ops::clamp(upd.e(), 0, w_max as i64, Ty::u(wbits)));
    let nw = b.reg("nw", neww.e());
    let scaled = b.net(
        "s_w",
        Expr::mux(
            hi.e().gt(k(w_max, spw - 16)),
            k(w_max, wbits),
            hi.e().resize(wbits),
        ),
    );
    // the write address of the item read `d` cycles before
    let back = |b: &mut B, name: &str, d: u64| {
        let e = (mul_const(minus(&cnt, d, cw), g_n, waw + cw) + gg.e().resize(waw + cw)).trunc(waw);
        b.net(name, e)
    };
    let uw_addr = back(&mut b, "u_waddr", rl + 2);
    let sw_addr = back(&mut b, "s_waddr", rl + 1);
    let upd_we = b.net(
        "upd_we",
        is(St::Update).and(within(&cnt, rl + 2, kk + rl + 2)),
    );
    let scale_we = b.net(
        "scale_we",
        is(St::Scale).and(within(&cnt, rl + 1, kk + rl + 1)),
    );
    let th_last = b.net("th_we", is(St::Scale).and(at(&cnt, kk + rl)));

    // ------------------------------------------------------------------ host read and write
    let host_last = is(St::Host).and(at(&cnt, rl + 1));
    let host_w = b.net("host_w", host_last.and(h_we.e()).and(wb_cyc.e()));
    let selmask = Expr::concat(
        (0..4)
            .rev()
            .map(|i| {
                let bit = h_sel.e().bit_at(i);
                Expr::concat(vec![bit.clone(); 8])
            })
            .collect(),
    );
    let merged = b.net(
        "h_merged",
        h_rd.e().and(!selmask.clone()).or(h_dat.e().and(selmask)),
    );
    let hw_w = b.net(
        "h_wdata_w",
        Expr::mux(
            merged.e().gt(k(w_max, 32)),
            k(w_max, wbits),
            merged.e().resize(wbits),
        ),
    );
    let hw_t = b.net(
        "h_wdata_t",
        Expr::mux(
            merged.e().gt(k(one, 32)),
            k(one, thw),
            merged.e().resize(thw),
        ),
    );

    // ------------------------------------------------------------------ weight and theta writes
    let miss_we = b.net(
        "miss_we",
        is(St::Miss)
            .and(within(&cnt, rl, g_n + rl))
            .and(learning.e()),
    );
    let win_step = p.win_step as u64
        + if mutant == Some(Mutant::WinStep) {
            1
        } else {
            0
        };
    for l in 0..lanes as usize {
        let mine = gl.e().eq(k(l as u64, lsel));
        let host_mine = h_lane.e().eq(k(l as u64, lsel));
        write_port(
            &mut b,
            &wm[l],
            &[
                (upd_we.e().and(mine.clone()), uw_addr.e(), neww.e()),
                (scale_we.e().and(mine.clone()), sw_addr.e(), scaled.e()),
                (
                    host_w.e().and(w_ok.e()).and(host_mine.clone()),
                    h_waddr.e(),
                    hw_w.e(),
                ),
            ],
        );
        let t = tm[l].rdata.e();
        let lowered = Expr::mux(
            t.clone().lt(k(p.miss_step as u64, thw)),
            Expr::zero(Ty::u(thw)),
            t.clone() - k(p.miss_step as u64, thw),
        );
        let tw = thw + 1;
        let raised_w = t_sel.e().resize(tw) + k(win_step, tw);
        let raised = Expr::mux(
            raised_w.clone().gt(k(one, tw)),
            k(one, thw),
            raised_w.trunc(thw),
        );
        write_port(
            &mut b,
            &tm[l],
            &[
                (miss_we.e(), minus(&cnt, rl, taw), lowered),
                (th_last.e().and(mine), gg.e(), raised),
                (
                    host_w.e().and(t_ok.e()).and(host_mine),
                    h_taddr.e(),
                    hw_t.e(),
                ),
            ],
        );
    }

    // ------------------------------------------------------------------ norm: sqrt and divider
    let iq = a.sqrt_iters as u32;
    let root = if p.norm == Norm::L2 {
        let rw = 2 * iq + 1;
        let op = b.data_reg("sq_op", Ty::u(rw));
        let res = b.data_reg("sq_res", Ty::u(rw));
        let bit = b.data_reg("sq_bit", Ty::u(rw));
        let trial = b.net("sq_trial", res.e() + bit.e());
        let fits = b.net("sq_fits", op.e().ge(trial.e()));
        b.data(when(
            is(St::Sqrt),
            vec![if_else(
                at(&cnt, 0),
                vec![
                    set(&op, nsum.e().resize(rw)),
                    set(&res, Expr::zero(Ty::u(rw))),
                    set(&bit, Expr::uconst(1u128 << (2 * (iq - 1)), rw)),
                ],
                vec![
                    when(fits.e(), vec![set(&op, op.e() - trial.e())]),
                    set(
                        &res,
                        Expr::mux(fits.e(), res.e().lsr(1) + bit.e(), res.e().lsr(1)),
                    ),
                    set(&bit, bit.e().lsr(2)),
                ],
            )],
        ));
        b.m.partly_unused(&res, "the root is below 2^iterations");
        res.e().trunc(iq)
    } else {
        nsum.e()
    };
    let quot = b.m.wire("quot", Ty::u(32));
    if qw < 32 {
        b.m.partly_unused(&quot, "the ratio is below 2^(norm_shift + 17)");
    }
    let div_start = b.net("div_start", is(St::Div).and(at(&cnt, 0)));
    b.m.instance(Instance {
        module: format!("{name}_div"),
        name: "u_div".into(),
        params: Vec::new(),
        conns: vec![
            ("clk".into(), b.clk.e()),
            ("rst".into(), b.rst.e()),
            ("start".into(), div_start.e()),
            ("divisor".into(), root),
            ("quot".into(), quot.e()),
        ],
    });
    let div_last = at(&cnt, a.div() - 1);
    b.data(when(
        is(St::Div).and(div_last.clone()),
        vec![if_else(
            second.e(),
            vec![set(&rr, quot.e().resize(qw))],
            vec![set(&rc, quot.e().resize(qw))],
        )],
    ));

    // ------------------------------------------------------------------ datapath registers
    // event position
    b.data(when(
        is(St::XRead).and(at(&cnt, 0)),
        vec![set(&px, px_now.e()), set(&py, py_now.e())],
    ));
    // window counters
    let side = p.side() as u64;
    b.data(if_else(
        is(St::Ctx),
        vec![if_else(
            col.e().eq(k(side - 1, sb)),
            vec![set(&col, Expr::zero(col.ty)), set(&row, row.e().inc())],
            vec![set(&col, col.e().inc())],
        )],
        vec![set(&col, Expr::zero(col.ty)), set(&row, Expr::zero(row.ty))],
    ));
    // norm sums
    let ctx_sum = is(St::Ctx).and(within(&cnt, rl + 1, kk + rl + 1));
    let upd_sum = is(St::Update).and(within(&cnt, rl + 3, kk + rl + 3));
    b.data(if_else(
        (is(St::XRead)).or(is(St::Reduce)),
        vec![set(&nsum, Expr::zero(nsum.ty))],
        vec![
            when(
                ctx_sum,
                vec![set(&nsum, nsum.e() + norm_term(cv.e(), p.norm, sumw))],
            ),
            when(
                upd_sum,
                vec![set(&nsum, nsum.e() + norm_term(nw.e(), p.norm, sumw))],
            ),
        ],
    ));
    // host capture
    let reg_val = |r: u64| -> Expr {
        match r {
            regs::ID => k(ID as u64, 32),
            regs::CONTROL => learning.e().resize(32),
            regs::TICKS => c_ticks.e(),
            regs::EVENTS => c_events.e(),
            regs::DROPPED => c_dropped.e(),
            regs::SKIPPED => c_skipped.e(),
            regs::MISSED => c_missed.e(),
            regs::WON => c_won.e(),
            _ => Expr::zero(Ty::u(32)),
        }
    };
    let mut regsel = Expr::zero(Ty::u(32));
    for r in (0..regs::COUNT).rev() {
        regsel = Expr::mux(idx.e().eq(k(r, ib)), reg_val(r), regsel);
    }
    let hw_lane_rd = lane_mux(&h_lane.e(), &w_rd);
    let ht_lane_rd = lane_mux(&h_lane.e(), &t_rd);
    let rd_sel = Expr::mux(
        reg_of(FeastRegion::Regs),
        regsel,
        Expr::mux(
            w_ok.e(),
            hw_lane_rd.resize(32),
            Expr::mux(
                t_ok.e(),
                ht_lane_rd.resize(32),
                Expr::mux(x_ok.e(), xm.rdata.e().resize(32), Expr::zero(Ty::u(32))),
            ),
        ),
    );
    let rd_sel = b.net("h_rdsel", rd_sel);
    b.data(when(
        host_go.e(),
        vec![
            set(&h_adr, wb_adr.e()),
            set(&h_we, wb_we.e()),
            set(&h_dat, wb_dat_w.e()),
            set(&h_sel, wb_sel.e()),
        ],
    ));
    b.data(when(
        is(St::Host).and(at(&cnt, rl)),
        vec![set(&h_rd, rd_sel.e())],
    ));
    b.data(when(
        is(St::Host).and(at(&cnt, rl + 1)),
        vec![set(&wb_dat_r, h_rd.e())],
    ));
    // event address
    b.data(when(accept.e(), vec![set(&ev_j, in_addr.e().resize(xaw))]));
    // group counter
    b.data(if_else(
        is(St::Div),
        vec![set(&gcnt, Expr::zero(gcnt.ty))],
        vec![when(
            is(St::Mul).and(at(&cnt, 1)),
            vec![set(&gcnt, gcnt.e().resize(taw + 1).inc().trunc(taw))],
        )],
    ));
    // output beat
    let win_idx =
        (mul_const(gg.e(), lanes, lay.nb + taw) + gl.e().resize(lay.nb + taw)).trunc(lay.nb);
    let win_idx = b.net("win_idx", win_idx);
    let out_free = match mutant {
        Some(Mutant::OutOverwrite) => Expr::bit(true),
        Some(Mutant::OutWaitEmpty) => out_ready.e(),
        _ => (!out_valid.e()).or(out_ready.e()),
    };
    let out_free = b.net("out_free", out_free);
    let load = if mutant == Some(Mutant::OutHold) {
        is(St::Emit)
    } else {
        is(St::Emit).and(out_free.e())
    };
    b.data(when(
        load,
        vec![
            set(&out_eot, ev_eot.e()),
            set(
                &out_addr,
                Expr::mux(ev_eot.e(), Expr::zero(Ty::u(lay.nb)), win_idx.e()),
            ),
        ],
    ));

    // ------------------------------------------------------------------ the state machine
    b.ctl(when(
        out_valid.e().and(out_ready.e()),
        vec![set(&out_valid, Expr::bit(false))],
    ));
    b.ctl(set(&ack_r, Expr::bit(false)));
    let inc = |c: &Sig| set(c, c.e().inc());
    let go = |s: St| vec![st.goto(s), set(&cnt, Expr::zero(cnt.ty))];
    // a state of `len` cycles: `then` in its last cycle
    let timed = |len: u64, then: Vec<Stmt>| {
        vec![if_else(
            at(&cnt, len - 1),
            then,
            vec![set(&cnt, cnt.e().inc())],
        )]
    };
    let after_norm = if p.norm == Norm::L2 {
        St::Sqrt
    } else {
        St::Div
    };
    let skipped = match &inside {
        Some(i) => !i.e(),
        None => Expr::bit(false),
    };
    let idle_arm = vec![if_else(
        host_go.e(),
        go(St::Host),
        vec![if_else(
            accept.e(),
            vec![if_else(
                in_eot.e(),
                [vec![set(&ev_eot, Expr::bit(true))], go(St::Emit)].concat(),
                vec![if_else(
                    in_addr.e().ge(k(a.inputs, 32)),
                    vec![inc(&c_dropped)],
                    [vec![inc(&c_events)], go(St::XRead)].concat(),
                )],
            )],
            vec![when(decay_go.e(), go(St::Decay))],
        )],
    )];
    let arms = vec![
        (St::Clear, timed(a.clear(), go(St::Idle))),
        (St::Idle, idle_arm),
        (
            St::Decay,
            timed(
                a.inputs + rl,
                [vec![set(&started, Expr::bit(true))], go(St::Idle)].concat(),
            ),
        ),
        (
            St::Host,
            timed(
                rl + 2,
                vec![
                    set(&ack_r, Expr::bit(true)),
                    when(
                        host_w.e().and(reg_of(FeastRegion::Regs)),
                        vec![when(
                            idx.e().eq(k(regs::CONTROL, ib)),
                            vec![set(&learning, merged.e().bit_at(0))],
                        )],
                    ),
                    if_else(
                        host_w
                            .e()
                            .and(reg_of(FeastRegion::Regs))
                            .and(idx.e().eq(k(regs::COMMAND, ib)))
                            .and(merged.e().bit_at(0)),
                        go(St::Clear),
                        go(St::Idle),
                    ),
                ],
            ),
        ),
        (
            St::XRead,
            timed(
                a.xread(),
                vec![if_else(
                    skipped,
                    [vec![inc(&c_skipped)], go(St::Idle)].concat(),
                    go(St::Ctx),
                )],
            ),
        ),
        (
            St::Ctx,
            timed(
                a.context(),
                [vec![set(&second, Expr::bit(false))], go(after_norm)].concat(),
            ),
        ),
        (St::Sqrt, timed(a.sqrt().max(1), go(St::Div))),
        (
            St::Div,
            timed(
                a.div(),
                vec![if_else(second.e(), go(St::Scale), go(St::Sweep))],
            ),
        ),
        (St::Sweep, timed(kk + rl + 1, go(St::Mul))),
        (
            St::Mul,
            timed(
                2,
                vec![if_else(
                    gcnt.e().eq(k(g_n - 1, taw)),
                    go(St::Reduce),
                    go(St::Sweep),
                )],
            ),
        ),
        (
            St::Reduce,
            timed(
                lanes,
                vec![if_else(
                    found_final.e(),
                    [
                        vec![inc(&c_won)],
                        vec![if_else(
                            learning.e(),
                            [vec![set(&second, Expr::bit(true))], go(St::Update)].concat(),
                            go(St::Emit),
                        )],
                    ]
                    .concat(),
                    [vec![inc(&c_missed)], go(St::Miss)].concat(),
                )],
            ),
        ),
        (St::Miss, timed(a.miss(), go(St::Idle))),
        (St::Update, timed(a.update(), go(after_norm))),
        (St::Scale, timed(a.scale(), go(St::Emit))),
        (
            St::Emit,
            vec![when(
                out_free.e(),
                [
                    vec![set(&out_valid, Expr::bit(true))],
                    vec![when(
                        ev_eot.e(),
                        vec![
                            set(&ev_eot, Expr::bit(false)),
                            set(&started, Expr::bit(false)),
                            inc(&c_ticks),
                        ],
                    )],
                    go(St::Idle),
                ]
                .concat(),
            )],
        ),
    ];
    b.ctl(st.switch(arms, go(St::Idle)));
    b.build()
}

/// The match's shift, `16 + 2 norm_shift - match_bits`.
pub fn a_shift(cfg: &FeastConfig) -> u32 {
    16 + 2 * cfg.feast.norm_shift - cfg.feast.match_bits
}
