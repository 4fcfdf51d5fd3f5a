//! The top module: the phase sequencer, the event issuer, the presynaptic traces, the output
//! scanner, the synaptic-scaling sequencer, the Wishbone host port and the counters; it drives
//! the lanes (see [`super::lane`]).
//!
//! Key decision: the tick is a fixed sequence of phases (idle, decay, events, neuron,
//! potentiation, scaling, finish) whose lengths follow closed-form rules shared with the cycle
//! model in `golden::cycle`; the output scanner runs concurrently from the end of the neuron phase.

use super::build::{
    ADDR_REG_SUFFIX, B, any, mul_const, no_write_in_reset, onehot, ram, ram_module_name, write_port,
};
use super::lane::{StateWord, dx_width};
use super::layout::{Field, Layout, Params, Region, regs};
use crate::ir::stmt::*;
use crate::ir::*;
use golden::arith::{bits_unsigned, unsigned_max};
use std::ops::Not;

/// Phase codes of the sequencer.
#[allow(missing_docs)]
pub mod phase {
    pub const SWEEP: u128 = 0;
    pub const IDLE: u128 = 1;
    pub const DECAY: u128 = 2;
    pub const EVENTS: u128 = 3;
    pub const NEURON: u128 = 4;
    pub const LTP: u128 = 5;
    pub const SCALE: u128 = 6;
    pub const FINISH: u128 = 7;
}

/// Width of a counter that must hold `n`.
fn cw(n: u64) -> u32 {
    bits_unsigned(n)
}

fn k(v: u64, w: u32) -> Expr {
    Expr::uconst(v as u128, w)
}

/// Build the top module.
pub fn top_module(lay: &Layout, p: &Params, init_prefix: &str) -> Module {
    let mut b = B::new(&lay.name);
    let a = &lay.arch;
    let rl = lay.rl;
    let (l, g, r) = (lay.l, lay.g, lay.r);
    let (gb, wab, nb, rb) = (lay.gb, lay.wab, lay.nb, lay.rb);
    let gty = Ty::u(gb);
    let waty = Ty::u(wab);
    let sty = Ty::u(lay.st_width);
    let stdp = p.stdp;
    b.m.doc.push(format!(
        "{} inputs x {} neurons{}, {} lanes: {} synaptic operations per clock in the event phase.",
        lay.inputs,
        lay.n,
        if a.recurrent { " (recurrent)" } else { "" },
        l,
        l
    ));

    // ---------------------------------------------------------------- ports
    let in_valid = b.m.input("in_valid", Ty::BIT);
    let in_ready = b.m.output("in_ready", Ty::BIT);
    let in_eot = b.m.input("in_eot", Ty::BIT);
    let in_addr = b.m.input("in_addr", Ty::u(32));
    let out_valid = b.m.output("out_valid", Ty::BIT);
    let out_ready = b.m.input("out_ready", Ty::BIT);
    let out_eot = b.m.output("out_eot", Ty::BIT);
    let out_addr = b.m.output("out_addr", Ty::u(nb));
    let wb_cyc = b.m.input("wb_cyc", Ty::BIT);
    let wb_stb = b.m.input("wb_stb", Ty::BIT);
    let wb_we = b.m.input("wb_we", Ty::BIT);
    let wb_adr = b.m.input("wb_adr", Ty::u(lay.aw));
    let wb_dat_w = b.m.input("wb_dat_w", Ty::u(32));
    let wb_sel = b.m.input("wb_sel", Ty::u(4));
    let wb_dat_r = b.m.output_reg("wb_dat_r", Ty::u(32));
    let wb_ack = b.m.output_reg("wb_ack", Ty::BIT);
    let wb_stall = b.m.output("wb_stall", Ty::BIT);
    b.m.comment(
        &in_addr,
        "presynaptic address; >= inputs is dropped and counted",
    );
    b.m.comment(&wb_adr, "word address: region in the top 4 bits");

    // ---------------------------------------------------------------- sequencer state
    let ph = b.ctl_reg("phase", Ty::u(3), phase::SWEEP as i128);
    let is = |v: u128| ph.e().eq(Expr::uconst(v, 3));
    let pc_max = a.decay_sweep.max(g).max(a.clear_sweep) + rl + 8 + 2 * rl;
    let pcw = cw(pc_max);
    let pc = b.ctl_reg("pc", Ty::u(pcw), 0);
    let sweep_keep_theta = lay
        .f_theta
        .map(|_| b.ctl_reg("sweep_keep_theta", Ty::BIT, 0));
    let learn_en = b.ctl_reg("learn_en", Ty::BIT, 1);
    let learn = b.net("learn", if stdp { learn_en.e() } else { Expr::bit(false) });

    // counters
    // 64-bit counters as two 32-bit halves: the high half adds the low half's wrap one cycle
    // later, so no 64-bit carry chain limits the clock
    let cyc = wide_counter(&mut b, "cycle_count", Expr::bit(true));
    let tick_end_w = b.m.wire("tick_end", Ty::BIT);
    let ticks = wide_counter(&mut b, "tick_count", tick_end_w.e());
    let dropped = b.ctl_reg("dropped_count", Ty::u(32), 0);
    let tcnt = b.ctl_reg("tick_cycles_run", Ty::u(32), 0);
    let last_cycles = b.ctl_reg("tick_cycles_last", Ty::u(32), 0);
    let nbc = nb + 1;
    let prev_count = b.ctl_reg("prev_count", Ty::u(nbc), 0);
    b.m.comment(&prev_count, "spikes of the previous tick");

    // host transaction state (declared early: the idle phase yields to the host)
    let h_state = b.ctl_reg("h_state", Ty::u(3), 0);
    let h_idle = b.net("h_idle", h_state.e().eq(k(0, 3)));
    let cmd_clear = b.ctl_reg("cmd_clear", Ty::BIT, 0);
    let cmd_norm = b.ctl_reg("cmd_norm", Ty::BIT, 0);
    let host_may = is(phase::IDLE)
        .and(h_idle.e())
        .and(cmd_clear.e().not())
        .and(cmd_norm.e().not());
    b.m.assign(&wb_stall, host_may.not());
    let h_accept = b.net(
        "h_accept",
        wb_cyc.e().and(wb_stb.e()).and(wb_stall.e().not()),
    );

    let tick_start = b.net(
        "tick_start",
        is(phase::IDLE)
            .and(h_idle.e())
            .and(wb_cyc.e().not())
            .and(in_valid.e()),
    );

    // ---------------------------------------------------------------- memories of the top
    let rm = |ty: Ty, depth: u64| ram_module_name(&lay.name, ty, depth, rl, false);
    let xw = Ty::u(lay.tb * a.x_per_word as u32);
    let xmod = rm(xw, a.x_words) + if lay.x_addr_reg { ADDR_REG_SUFFIX } else { "" };
    let xram = stdp.then(|| ram(&mut b, &xmod, "x", xw, a.x_words, None));
    let swty = Ty::u(gb + l as u32);
    let spk = ram(&mut b, &rm(swty, g), "spk", swty, g, None);
    let prevram = a.recurrent.then(|| {
        ram(
            &mut b,
            &rm(Ty::u(nb), lay.n),
            "prev",
            Ty::u(nb),
            lay.n,
            None,
        )
    });

    // ---------------------------------------------------------------- sweep / decay (pc-driven)
    let in_sweep = is(phase::SWEEP);
    let sweep_issue = b.net(
        "sweep_issue",
        in_sweep.clone().and(pc.e().lt(k(a.clear_sweep, pcw))),
    );
    let in_decay = is(phase::DECAY);
    // an expression, not a wire: networks where nothing decays never use it
    let decay_issue = in_decay.clone().and(pc.e().lt(k(a.decay_sweep, pcw)));
    let st_decays = (p.theta_plus > 0 && p.theta_decay > 0) || (stdp && p.post_decay > 0);
    let x_decays = stdp && p.pre_decay > 0;
    let pc_g = pc.e().resize(gb);
    let lane_st_valid = b.net(
        "lane_st_valid",
        sweep_issue.e().and(pc.e().lt(k(g, pcw))).or(if st_decays {
            decay_issue.clone().and(pc.e().lt(k(g, pcw)))
        } else {
            Expr::bit(false)
        }),
    );

    // ---------------------------------------------------------------- event issuer
    // Two stages: slot A holds one accepted beat (its row and whether it is in range), loaded
    // from the input port or, after the end-of-tick beat, from the previous tick's spike list;
    // the issue counter B sweeps the G groups of A's row. A moves to B when B is in its last
    // cycle, so events issue back to back while every port input is registered first.
    let in_events = is(phase::EVENTS);
    let ilw = cw(g);
    let iss_left = b.ctl_reg("iss_left", Ty::u(ilw), 0);
    // iss_left <= 1, kept as a register beside the counter (the issuer's start decision is on
    // the input handshake path)
    let iss_le1 = b.ctl_reg("iss_le1", Ty::BIT, 1);
    let iss_addr = b.data_reg("iss_addr", waty);
    let iss_g = b.data_reg("iss_g", gty);
    // the row of the issuing event, for the presynaptic trace update (STDP only)
    let ev_row = stdp.then(|| b.data_reg("ev_row", Ty::u(rb)));
    // first issue cycle of an event: the cycle its trace x is updated (STDP only)
    let ev_first = stdp.then(|| b.ctl_reg("ev_first", Ty::BIT, 0));
    let eot_seen = b.ctl_reg("eot_seen", Ty::BIT, 0);
    let a_valid = b.ctl_reg("a_valid", Ty::BIT, 0);
    let a_ok = b.data_reg("a_ok", Ty::BIT);
    let a_row = b.data_reg("a_row", Ty::u(rb));
    if r == 1 {
        b.m.partly_unused(&a_row, "one row: the row index is always 0");
    }
    // pair mode: events start on even cycles of the tick (`par` is the cycle's parity), so the
    // lanes' single-port weight memories read on even cycles and write on odd ones
    let can_start = if lay.pair {
        let par = b.ctl_reg("par", Ty::BIT, 0);
        b.ctl(set(
            &par,
            Expr::mux(tick_start.e(), Expr::bit(true), par.e().not()),
        ));
        iss_le1.e().and(par.e())
    } else {
        iss_le1.e()
    };
    let a_move = b.net("a_move", a_valid.e().and(a_ok.e().not().or(can_start)));
    let a_free = b.net("a_free", a_valid.e().not().or(a_move.e()));
    let ready = b.net(
        "ready",
        in_events.clone().and(eot_seen.e().not()).and(a_free.e()),
    );
    b.m.assign(&in_ready, ready.e());
    let accept = b.net("accept", ready.e().and(in_valid.e()));
    // in_addr < inputs: the bits above the row width must be zero, then a short compare
    let high_zero = if rb >= 32 {
        Expr::bit(true)
    } else {
        in_addr.e().slice(31, rb).any().not()
    };
    let low = in_addr.e().slice(rb - 1, 0);
    let low_ok = if lay.inputs >= 1u64 << rb {
        Expr::bit(true)
    } else {
        low.clone().lt(k(lay.inputs, rb))
    };
    let in_range = b.net("in_range", high_zero.and(low_ok));
    let take_input = b.net("take_input", accept.e().and(in_eot.e().not()));
    // recurrent events: the previous tick's spikes from the prev list
    let rkw = nbc;
    let rec = prevram.as_ref().map(|pr| {
        let rec_k = b.ctl_reg("rec_k", Ty::u(rkw), 0);
        let rec_wait = b.ctl_reg("rec_wait", Ty::u(cw(rl)), 0);
        b.m.assign(&pr.raddr, rec_k.e().resize(nb));
        let take = b.net(
            "take_rec",
            in_events
                .clone()
                .and(eot_seen.e())
                .and(rec_k.e().lt(prev_count.e()))
                .and(a_free.e())
                .and(rec_wait.e().eq(k(0, cw(rl)))),
        );
        (rec_k, rec_wait, take, pr.rdata.clone())
    });
    let mut a_load = vec![when(
        take_input.e(),
        vec![set(&a_row, low), set(&a_ok, in_range.e())],
    )];
    if let Some((_, _, take, data)) = &rec {
        a_load.push(when(
            take.e(),
            vec![
                set(&a_row, data.e().resize(rb) + k(lay.inputs, rb)),
                set(&a_ok, Expr::bit(true)),
            ],
        ));
    }
    for st in a_load {
        b.data(st);
    }
    let take_rec = rec
        .as_ref()
        .map(|(_, _, t, _)| t.e())
        .unwrap_or_else(|| Expr::bit(false));
    b.ctl(if_else(
        take_input.e().or(take_rec.clone()),
        vec![set(&a_valid, Expr::bit(true))],
        vec![when(a_move.e(), vec![set(&a_valid, Expr::bit(false))])],
    ));
    let start_event = b.net("start_event", a_move.e().and(a_ok.e()));
    let issuing = b.net("issuing", iss_left.e().ne(k(0, ilw)));
    b.ctl(if_else(
        start_event.e(),
        vec![set(&iss_left, k(g, ilw)), set(&iss_le1, Expr::bit(g <= 1))],
        vec![when(
            issuing.e(),
            vec![
                set(&iss_left, iss_left.e().dec()),
                set(
                    &iss_le1,
                    iss_left.e().resize(ilw.max(2)).le(k(2, ilw.max(2))),
                ),
            ],
        )],
    ));
    if let Some(ef) = &ev_first {
        b.ctl(set(ef, start_event.e()));
    }
    b.data(if_else(
        start_event.e(),
        vec![
            set(&iss_addr, mul_const(a_row.e(), g, wab)),
            set(&iss_g, Expr::zero(gty)),
        ],
        vec![
            set(&iss_addr, iss_addr.e().inc()),
            set(&iss_g, iss_g.e().inc()),
        ],
    ));
    if let Some(er) = &ev_row {
        b.data(when(start_event.e(), vec![set(er, a_row.e())]));
    }
    if let Some((rec_k, rec_wait, take, _)) = &rec {
        let rwt = rec_wait.ty;
        b.ctl(if_else(
            take.e(),
            vec![set(rec_k, rec_k.e().inc()), set(rec_wait, k(rl, rwt.width))],
            vec![when(
                rec_wait.e().ne(k(0, rwt.width)),
                vec![set(rec_wait, rec_wait.e().dec())],
            )],
        ));
    }
    b.ctl(when(
        a_move.e().and(a_ok.e().not()),
        vec![set(&dropped, dropped.e().inc())],
    ));
    let rec_done = rec
        .as_ref()
        .map(|(rk, _, _, _)| rk.e().eq(prev_count.e()))
        .unwrap_or_else(|| Expr::bit(true));
    let events_done = b.net(
        "events_done",
        eot_seen
            .e()
            .and(rec_done)
            .and(a_valid.e().not())
            .and(issuing.e().not()),
    );
    let ev_valid = b.net("ev_valid", in_events.clone().and(issuing.e()));

    // ---------------------------------------------------------------- neuron phase bookkeeping
    let in_neuron = is(phase::NEURON);
    let nu_valid = b.net("nu_valid", in_neuron.clone().and(pc.e().lt(k(g, pcw))));
    let nu_start = b.net("nu_start", in_neuron.clone().and(pc.e().eq(k(0, pcw))));
    // the lanes' write stage is nd cycles after the top issues (input register, read, stages);
    // their spike outputs are registered, and the top registers the spike word it builds from
    // them: the spike word is written nd + 2 cycles after the issue
    let nd = a.bcast_stages + rl + a.neuron_stages;
    let nw_v = b.delayed_r("nw_v", nu_valid.e(), nd + 2);
    let nw_g = b.delayed("nw_g", pc_g.clone(), nd + 2);
    // the largest per-lane spike count, and that count - 1 (wrapping, for the potentiation
    // sequencer's last-entry compare): a maximum over the lanes' counts, registered after
    // each 2:1 level (`Arch::reduce_stages`)
    let maxc_m1_start = (1i128 << (gb + 1)) - 1;
    let maxc = stdp.then(|| {
        (
            b.ctl_reg("maxc", Ty::u(gb + 1), 0),
            b.ctl_reg("maxc_m1", Ty::u(gb + 1), maxc_m1_start),
        )
    });
    let nwords = b.ctl_reg("nwords", Ty::u(gb + 1), 0);

    // ---------------------------------------------------------------- potentiation sequencer
    let in_ltp = is(phase::LTP);
    let dxw = dx_width(lay, p);
    let ltp_sig = stdp.then(|| {
        let lj = b.ctl_reg("lj", Ty::u(rb), 0);
        let lk = b.ctl_reg("lk", Ty::u(gb + 1), 0);
        let lbase = b.data_reg("lbase", waty);
        let ldone = b.ctl_reg("ldone", Ty::BIT, 0);
        // pair mode: one potentiation per two cycles (read, then write, of a word)
        let lskip = lay.pair.then(|| b.ctl_reg("lskip", Ty::BIT, 0));
        let pre = b.net(
            "ltp_pre",
            in_ltp.clone().and(ldone.e().not()).and(match &lskip {
                Some(l) => l.e().not(),
                None => Expr::bit(true),
            }),
        );
        if let Some(l) = &lskip {
            b.ctl(set(l, in_ltp.clone().and(l.e().not())));
        }
        let last_k = b.net("ltp_last_k", lk.e().eq(maxc.as_ref().unwrap().1.e()));
        let last = b.net("ltp_last", last_k.e().and(lj.e().eq(k(r - 1, rb))));
        b.ctl(when(
            pre.e(),
            vec![if_else(
                last_k.e(),
                vec![set(&lk, Expr::zero(lk.ty)), set(&lj, lj.e().inc())],
                vec![set(&lk, lk.e().inc())],
            )],
        ));
        b.ctl(when(
            pre.e().and(last.e()),
            vec![set(&ldone, Expr::bit(true))],
        ));
        b.data(when(
            pre.e().and(last_k.e()),
            vec![set(&lbase, lbase.e() + k_wrap(g, wab))],
        ));
        // delayed to the lanes' S0 (rl cycles after the list read)
        let go = b.delayed_r("ltp_go", pre.e(), rl);
        let kd = b.delayed("ltp_kd", lk.e().resize(gb), rl);
        let base_d = b.delayed("ltp_base", lbase.e(), rl);
        // the trace's field is selected only when the step depends on the trace
        let j_d = if lay.xpb > 0 && p.ltp_shift < lay.tb {
            b.delayed(
                "ltp_jlow",
                lj.e().resize(rb.max(lay.xpb)).slice(lay.xpb - 1, 0),
                rl,
            )
        } else {
            Expr::zero(Ty::u(lay.xpb.max(1)))
        };
        (lj, lk, lbase, ldone, pre, go, kd, base_d, j_d)
    });

    // ---------------------------------------------------------------- x memory pipeline
    let mut x_for_host = None;
    let mut ltp_dx = None;
    if let (Some(xr), Some(ev_row)) = (&xram, &ev_row) {
        let xab = lay.xab;
        let xaty = Ty::u(xab);
        let xpb = lay.xpb;
        let row_word = |row: Expr| {
            if xpb == 0 {
                row.resize(xab)
            } else {
                row.lsr(xpb).resize(xab)
            }
        };
        let ev_xop = b.net(
            "ev_xop",
            in_events.clone().and(ev_first.as_ref().unwrap().e()),
        );
        let dec_xop = b.net(
            "decay_xop",
            if x_decays {
                decay_issue.clone().and(pc.e().lt(k(a.x_words, pcw)))
            } else {
                Expr::bit(false)
            },
        );
        let mut rcases = vec![
            (ev_xop.e(), row_word(ev_row.e())),
            (dec_xop.e(), pc.e().resize(xab)),
        ];
        if let Some((lj, _, _, _, pre, ..)) = &ltp_sig {
            rcases.push((pre.e(), row_word(lj.e())));
        }
        let xbusy = any(rcases.iter().map(|(s, _)| s.clone()).collect());
        let h_xaddr = b.data_reg("h_xaddr", xaty);
        b.m.assign(
            &xr.raddr,
            Expr::mux(xbusy, onehot(xaty, rcases), h_xaddr.e()),
        );
        // X stage
        let xo_v = b.delayed_r("xo_v", ev_xop.e().or(dec_xop.e()), rl);
        let xo_inc = b.delayed("xo_inc", ev_xop.e(), rl);
        let xo_addr = b.delayed(
            "xo_addr",
            Expr::mux(ev_xop.e(), row_word(ev_row.e()), pc.e().resize(xab)),
            rl,
        );
        let xo_field = (xpb > 0).then(|| {
            b.delayed(
                "xo_field",
                ev_row.e().resize(rb.max(xpb)).slice(xpb - 1, 0),
                rl,
            )
        });
        let xw_v = b.ctl_reg("xw_v", Ty::BIT, 0);
        let xw_addr = b.data_reg("xw_addr", xaty);
        let xw_word = b.data_reg("xw_word", xw);
        let x_in = if lay.forwarding {
            let mut hist = vec![(xw_v.e(), xw_addr.e(), xw_word.e())];
            for j in 1..=rl {
                let (pv, pa, pd) = hist.last().unwrap().clone();
                hist.push((
                    b.reg_r(&format!("xh{j}_v"), 0, pv).e(),
                    b.reg(&format!("xh{j}_addr"), pa).e(),
                    b.reg(&format!("xh{j}_word"), pd).e(),
                ));
            }
            let mut w = xr.rdata.e();
            for (j, (hv, ha, hd)) in hist.into_iter().enumerate().rev() {
                let m = b.net(&format!("fwd_x{}", j + 1), hv.and(ha.eq(xo_addr.clone())));
                w = Expr::mux(m.e(), hd, w);
            }
            b.net("x_in", w)
        } else {
            b.net("x_in", xr.rdata.e())
        };
        let tb = lay.tb;
        let per = a.x_per_word as u32;
        let mut fields = Vec::new();
        for f in (0..per).rev() {
            let cur = x_in.e().slice(f * tb + tb - 1, f * tb);
            let sel = match &xo_field {
                Some(xf) => xf.clone().eq(k(f as u64, xpb)),
                None => Expr::bit(true),
            };
            let inc = sat_inc_u(cur.clone(), p.pre_inc);
            let dec = if p.pre_decay > 0 {
                cur.clone() - cur.clone().lsr(p.pre_decay)
            } else {
                cur.clone()
            };
            fields.push(Expr::mux(xo_inc.clone(), Expr::mux(sel, inc, cur), dec));
        }
        b.ctl(set(&xw_v, xo_v));
        b.data(set(&xw_addr, xo_addr));
        b.data(set(&xw_word, Expr::concat(fields)));
        // writes: pipeline, sweep zeroing, host
        let h_x_we = b.ctl_reg("h_x_we", Ty::BIT, 0);
        let h_x_word = b.data_reg("h_x_word", xw);
        // the sweep's zeroing writes are registered (one cycle late, well inside the sweep
        // phase's drain), keeping the phase counter's compares off the write-enable path
        let sweep_x = b.reg_r(
            "sweep_x",
            0,
            sweep_issue.e().and(pc.e().lt(k(a.x_words, pcw))),
        );
        let sweep_x_addr = b.reg("sweep_x_addr", pc.e().resize(xab));
        let wcases = [
            (xw_v.e(), xw_addr.e(), xw_word.e()),
            (sweep_x.e(), sweep_x_addr.e(), Expr::zero(xw)),
            (h_x_we.e(), h_xaddr.e(), h_x_word.e()),
        ];
        write_port(&mut b, xr, &wcases);
        // potentiation step from the x word read at pre-issue
        if let Some((.., j_d)) = &ltp_sig {
            let field = if xpb == 0 {
                xr.rdata.e()
            } else {
                let sel = j_d.clone();
                let mut v = xr.rdata.e().slice(tb - 1, 0);
                for f in 1..per {
                    v = Expr::mux(
                        sel.clone().eq(k(f as u64, xpb)),
                        xr.rdata.e().slice(f * tb + tb - 1, f * tb),
                        v,
                    );
                }
                v
            };
            let kept = tb.saturating_sub(p.ltp_shift).max(1);
            let step = field.lsr(p.ltp_shift).trunc(kept).to_signed_wide().ext(dxw)
                - Expr::sconst(p.ltp_offset as i128, dxw);
            let dx = b.reg("ltp_dx_r", step);
            // clamp thresholds of the potentiation step: w + dx < w_min iff w < w_min - dx
            let thw = super::lane::ltp_thr_width(lay, p);
            let lo = b.reg(
                "ltp_lo_r",
                Expr::sconst(lay.w_min as i128, thw) - dx.e().ext(thw),
            );
            let hi = b.reg(
                "ltp_hi_r",
                Expr::sconst(lay.w_max as i128, thw) - dx.e().ext(thw),
            );
            ltp_dx = Some((dx, lo, hi));
        }
        x_for_host = Some((h_xaddr, h_x_we, h_x_word, xr.rdata.clone()));
    }

    // ---------------------------------------------------------------- scaling sequencer
    let in_scale = is(phase::SCALE);
    let qb = a.div_bits;
    let scale_host = b.ctl_reg("scale_host", Ty::BIT, 0);
    // pair mode: one multiply per two cycles (read, then write, of a word)
    let sodd = (lay.scaling && lay.pair).then(|| b.ctl_reg("sodd", Ty::BIT, 0));
    let sc = lay.scaling.then(|| {
        let ss = b.ctl_reg("ss", Ty::u(3), 0);
        let sg = b.ctl_reg("sg", gty, 0);
        let sj = b.ctl_reg("sj", Ty::u(rb), 0);
        let swt = b.ctl_reg("swait", Ty::u(cw(rl + 2 + a.bcast_stages)), 0);
        let sl = b.ctl_reg("sl", Ty::u(cw(l)), 0);
        let dc = b.ctl_reg("dc", Ty::u(cw(qb)), 0);
        let saddr = b.data_reg("saddr", waty);
        let issue_sum = b.net("sc_sum_issue", in_scale.clone().and(ss.e().eq(k(0, 3))));
        let in_mul = in_scale.clone().and(ss.e().eq(k(3, 3)));
        let issue_mul = b.net(
            "sc_mul_issue",
            in_mul.clone().and(match &sodd {
                Some(o) => o.e().not(),
                None => Expr::bit(true),
            }),
        );
        if let Some(o) = &sodd {
            b.ctl(set(o, in_mul.and(o.e().not())));
        }
        let last_j = b.net("sc_last_j", sj.e().eq(k(r - 1, rb)));
        let dstart = b.net(
            "div_start",
            in_scale
                .clone()
                .and(ss.e().eq(k(2, 3)))
                .and(dc.e().eq(k(0, dc.ty.width)))
                .and(sl.e().lt(k(l, sl.ty.width))),
        );
        let dload = b.net(
            "div_load",
            in_scale
                .clone()
                .and(ss.e().eq(k(2, 3)))
                .and(dc.e().eq(k(0, dc.ty.width)))
                .and(sl.e().ne(k(0, sl.ty.width))),
        );
        (
            ss, sg, sj, swt, sl, dc, saddr, issue_sum, issue_mul, last_j, dstart, dload,
        )
    });

    // ---------------------------------------------------------------- output scanner
    let scan = b.ctl_reg("scan", Ty::u(3), 0); // 0 done, 1 fetch, 2 wait, 3 load, 4 emit
    let sidx = b.ctl_reg("scan_idx", Ty::u(gb + 1), 0);
    let swait = b.ctl_reg("scan_wait", Ty::u(cw(rl)), 0);
    let cur_g = b.data_reg("cur_g", gty);
    if g == 1 {
        b.m.partly_unused(&cur_g, "one group: a spike's address is its lane alone");
    }
    let cur_mask = b.data_reg("cur_mask", Ty::u(l as u32));
    let emit = b.net("emit", scan.e().eq(k(4, 3)));
    // lowest set bit of the mask
    let mut low = Expr::zero(Ty::u(cw(l.saturating_sub(1)).max(1)));
    for bit in (0..l as u32).rev() {
        low = Expr::mux(cur_mask.e().bit_at(bit), k(bit as u64, low.ty.width), low);
    }
    let low = b.net("emit_lane", low);
    let spike_addr = b.net(
        "emit_addr",
        mul_const(cur_g.e(), l, nb) + low.e().resize(nb),
    );
    // the mask after this emit, and whether it is empty, are registers kept one step ahead of
    // `cur_mask` (the subtract's carry chain stays off the scanner's next-state logic)
    let lowest_off = |m: Expr| m.clone().and(m - k(1, l as u32));
    let mask_rest = b.data_reg("mask_rest", Ty::u(l as u32));
    let rest_empty = b.data_reg("rest_empty", Ty::BIT);
    let next_rest = b.net("mask_rest2", lowest_off(mask_rest.e()));
    let scan_done = b.net("scan_done", scan.e().eq(k(0, 3)));
    let in_finish = is(phase::FINISH);
    let eot_now = b.net("eot_now", in_finish.clone().and(scan_done.e()));
    // output stage (`Arch::out_stages`): a two-entry skid buffer between the scanner and the
    // port, so `out_ready` reaches only the buffer and the scanner waits on a register (the
    // spare entry is empty); every beat is presented one cycle after the scanner makes it, and
    // the tick ends when its end-of-tick beat leaves (the end-of-tick beat's address is not
    // defined: no multiplexer on the address)
    let o_v = b.ctl_reg("out_v", Ty::BIT, 0);
    let o_eot = b.data_reg("out_eot_r", Ty::BIT);
    let o_addr = b.data_reg("out_addr_r", Ty::u(nb));
    let sk_v = b.ctl_reg("out_skid_v", Ty::BIT, 0);
    let sk_eot = b.data_reg("out_skid_eot", Ty::BIT);
    let sk_addr = b.data_reg("out_skid_addr", Ty::u(nb));
    let eot_pushed = b.ctl_reg("eot_pushed", Ty::BIT, 0);
    b.m.comment(
        &eot_pushed,
        "this tick's end-of-tick beat is in the output stage",
    );
    let p_eot = b.net("push_eot", eot_now.e().and(eot_pushed.e().not()));
    let room = sk_v.e().not();
    let push = b.net("out_push", emit.e().or(p_eot.e()).and(room.clone()));
    let fire = o_v.e().and(out_ready.e());
    let main_free = b.net("out_free", o_v.e().not().or(fire.clone()));
    b.m.assign(&out_valid, o_v.e());
    b.m.assign(&out_eot, o_eot.e());
    b.m.assign(&out_addr, o_addr.e());
    b.ctl(if_else(
        main_free.e(),
        vec![if_else(
            sk_v.e(),
            vec![set(&o_v, Expr::bit(true)), set(&sk_v, Expr::bit(false))],
            vec![set(&o_v, push.e())],
        )],
        vec![when(push.e(), vec![set(&sk_v, Expr::bit(true))])],
    ));
    b.data(if_else(
        main_free.e(),
        vec![if_else(
            sk_v.e(),
            vec![set(&o_eot, sk_eot.e()), set(&o_addr, sk_addr.e())],
            vec![set(&o_eot, p_eot.e()), set(&o_addr, spike_addr.e())],
        )],
        vec![when(
            push.e(),
            vec![set(&sk_eot, p_eot.e()), set(&sk_addr, spike_addr.e())],
        )],
    ));
    let emit_hs = b.net("emit_hs", emit.e().and(room));
    b.m.assign(&tick_end_w, fire.and(o_eot.e()));
    let tick_end = tick_end_w.clone();
    b.ctl(if_else(
        tick_end.e(),
        vec![set(&eot_pushed, Expr::bit(false))],
        vec![when(
            push.e().and(p_eot.e()),
            vec![set(&eot_pushed, Expr::bit(true))],
        )],
    ));
    let pw = b.ctl_reg("prev_wr", Ty::u(nbc), 0);
    let inh_acc = (p.inhibition > 0).then(|| b.ctl_reg("inh_acc", Ty::u(lay.inh_bits), 0));
    let inh_total = (p.inhibition > 0).then(|| b.ctl_reg("inh_total", Ty::u(lay.inh_bits), 0));
    if let Some(pr) = &prevram {
        b.m.assign(&pr.we, no_write_in_reset(&b, emit_hs.e()));
        b.m.assign(&pr.waddr, pw.e().resize(nb));
        b.m.assign(&pr.wdata, spike_addr.e());
    }
    b.m.assign(&spk.raddr, sidx.e().resize(gb));

    // ---------------------------------------------------------------- lanes
    let lane_mod = format!("{}_lane", lay.name);
    let mut lane_out = Vec::new();
    let h_lane_bits = lay.host_lb.max(1);
    let h_lane = b.data_reg("h_lane", Ty::u(h_lane_bits));
    let h_waddr = b.data_reg("h_waddr", waty);
    let h_g = b.data_reg("h_g", gty);
    let h_wdata = b.data_reg("h_wdata", lay.w_ty);
    let h_stdata = b.data_reg("h_stdata", sty);
    let h_wr_w = b.ctl_reg("h_wr_w", Ty::BIT, 0);
    let h_wr_st = b.ctl_reg("h_wr_st", Ty::BIT, 0);
    for lane in 0..l {
        let ws = b.m.wire(&format!("l{lane}_w_rdata"), lay.w_ty);
        let ss = b.m.wire(&format!("l{lane}_st_rdata"), sty);
        let sp = b.m.wire(&format!("l{lane}_spike"), Ty::BIT);
        let am = stdp.then(|| {
            (
                b.m.wire(&format!("l{lane}_cnt"), Ty::u(gb + 1)),
                b.m.wire(&format!("l{lane}_cnt_m1"), Ty::u(gb + 1)),
            )
        });
        let su = lay
            .scaling
            .then(|| b.m.wire(&format!("l{lane}_sum"), lay.sum_ty));
        let this_lane = h_lane.e().eq(k(lane, h_lane_bits));
        let mut conns: Vec<(String, Expr)> = vec![
            ("clk".into(), b.clk.e()),
            ("rst".into(), b.rst.e()),
            ("learn".into(), learn.e()),
            ("ev_valid".into(), ev_valid.e()),
            ("ev_waddr".into(), iss_addr.e()),
            ("ev_g".into(), iss_g.e()),
            ("nu_valid".into(), nu_valid.e()),
            ("nu_g".into(), pc_g.clone()),
        ];
        if let Some(it) = &inh_total {
            conns.push(("inh_total".into(), it.e()));
        }
        if stdp {
            conns.push(("nu_start".into(), nu_start.e()));
        }
        conns.extend([
            ("st_valid".into(), lane_st_valid.e()),
            ("st_g".into(), pc_g.clone()),
            ("st_zero".into(), in_sweep.clone()),
        ]);
        if let Some(kt) = &sweep_keep_theta {
            conns.push(("st_keep_theta".into(), kt.e()));
        }
        if let (Some((_, lk, _, _, _, go, kd, base_d, _)), Some((dx, lo, hi))) = (&ltp_sig, &ltp_dx)
        {
            conns.extend([
                ("ltp_k".into(), lk.e().resize(gb)),
                ("ltp_go".into(), go.clone()),
                ("ltp_kd".into(), kd.clone()),
                ("ltp_base".into(), base_d.clone()),
                ("ltp_dx".into(), dx.e()),
                ("ltp_lo".into(), lo.e()),
                ("ltp_hi".into(), hi.e()),
            ]);
        }
        if let Some((_, _, _, _, sl, _, saddr, issue_sum, issue_mul, _, _, dload)) = &sc {
            let (ss, sj) = (&sc.as_ref().unwrap().0, &sc.as_ref().unwrap().2);
            let _ = ss;
            conns.extend([
                ("sc_sum".into(), issue_sum.e()),
                ("sc_first".into(), sj.e().eq(k(0, rb))),
                ("sc_mul".into(), issue_mul.e()),
                ("sc_waddr".into(), saddr.e()),
                (
                    "sc_load".into(),
                    dload.e().and(sl.e().eq(k(lane + 1, sl.ty.width))),
                ),
                ("sc_recip".into(), Expr::zero(Ty::u(32))), // patched below
            ]);
        }
        conns.extend([
            ("h_wr_w".into(), h_wr_w.e().and(this_lane.clone())),
            ("h_waddr".into(), h_waddr.e()),
            ("h_wdata".into(), h_wdata.e()),
            ("h_wr_st".into(), h_wr_st.e().and(this_lane)),
            ("h_g".into(), h_g.e()),
            ("h_stdata".into(), h_stdata.e()),
            ("w_rdata".into(), ws.e()),
            ("st_rdata".into(), ss.e()),
            ("nu_spike".into(), sp.e()),
        ]);
        if let Some((c, c1)) = &am {
            conns.push(("nu_cnt".into(), c.e()));
            conns.push(("nu_cnt_m1".into(), c1.e()));
        }
        if let Some(su) = &su {
            conns.push(("sum".into(), su.e()));
        }
        b.m.instance(Instance {
            module: lane_mod.clone(),
            name: format!("u_lane{lane}"),
            params: if lay.pair {
                Vec::new() // single-port weights cannot be preloaded: the host writes them
            } else {
                vec![(
                    "W_INIT".into(),
                    ParamValue::Str(format!("{init_prefix}{}_w{lane}.hex", lay.name)),
                )]
            },
            conns,
        });
        lane_out.push((ws, ss, sp, am, su));
    }

    // spike words and maximum per-lane count, at the lanes' neuron write stage
    let spikes_now: Vec<Expr> = lane_out.iter().map(|o| o.2.e()).collect();
    let mut word_bits = spikes_now.clone();
    word_bits.reverse();
    let spike_word = b.data_reg("spike_word", Ty::u(l as u32));
    b.data(set(&spike_word, Expr::concat(word_bits)));
    let any_spike = b.ctl_reg("any_spike", Ty::BIT, 0);
    b.ctl(set(&any_spike, any(spikes_now)));
    b.m.assign(
        &spk.we,
        no_write_in_reset(&b, nw_v.clone().and(any_spike.e())),
    );
    b.m.assign(&spk.waddr, nwords.e().resize(gb));
    b.m.assign(&spk.wdata, Expr::concat(vec![nw_g.clone(), spike_word.e()]));
    if let Some((maxc, maxc_m1)) = &maxc {
        let cty = Ty::u(gb + 1);
        let mut items: Vec<(Expr, Expr)> = lane_out
            .iter()
            .map(|o| {
                let (c, c1) = o.3.as_ref().unwrap();
                (c.e(), c1.e())
            })
            .collect();
        // the larger of two (count, count - 1) pairs per level (the first of equals wins); a
        // lone pair passes through
        let max2 = |c: &[(Expr, Expr)]| -> (Expr, Expr) {
            match c {
                [x, y] => {
                    let y_more = y.0.clone().gt(x.0.clone());
                    (
                        Expr::mux(y_more.clone(), y.0.clone(), x.0.clone()),
                        Expr::mux(y_more, y.1.clone(), x.1.clone()),
                    )
                }
                [x] => x.clone(),
                _ => unreachable!("chunks(2)"),
            }
        };
        for stage in 0..a.reduce_stages {
            items = items
                .chunks(2)
                .enumerate()
                .map(|(i, c)| {
                    let lvl = max2(c);
                    let (r0, r1) = if stage + 1 == a.reduce_stages {
                        (maxc.clone(), maxc_m1.clone())
                    } else {
                        (
                            b.ctl_reg(&format!("maxc_s{stage}_{i}"), cty, 0),
                            b.ctl_reg(&format!("maxc_m1_s{stage}_{i}"), cty, maxc_m1_start),
                        )
                    };
                    b.ctl(set(&r0, lvl.0));
                    b.ctl(set(&r1, lvl.1));
                    (r0.e(), r1.e())
                })
                .collect();
        }
        assert_eq!(items.len(), 1, "reduce_stages covers the lanes");
    }
    b.ctl(if_else(
        nu_start.e(),
        vec![set(&nwords, Expr::zero(nwords.ty))],
        vec![when(spk.we.e(), vec![set(&nwords, nwords.e().inc())])],
    ));
    let nwords_final = b.net(
        "nwords_final",
        Expr::mux(spk.we.e(), nwords.e().inc(), nwords.e()),
    );

    // scaling: divider over the lanes' sums
    let mut scale_finished = Expr::bit(false);
    if let Some((ss, sg, sj, swt, sl, dc, saddr, issue_sum, issue_mul, last_j, dstart, dload)) = &sc
    {
        let sum_w = lay.sum_ty.width;
        let dw = sum_w - 1;
        if l == 1 {
            // no lane multiplexer reads the sign bit (the lane skips a sum that is not positive)
            b.m.partly_unused(
                lane_out[0].4.as_ref().unwrap(),
                "the divisor is the sum without its sign bit",
            );
        }
        let mut sel_sum = lane_out[0].4.as_ref().unwrap().e();
        for (lane, o) in lane_out.iter().enumerate().skip(1) {
            sel_sum = Expr::mux(
                sl.e().eq(k(lane as u64, sl.ty.width)),
                o.4.as_ref().unwrap().e(),
                sel_sum,
            );
        }
        let divisor = b.net("divisor", sel_sum.as_unsigned().trunc(dw));
        let quot = b.m.wire("quot", Ty::u(32));
        b.m.instance(Instance {
            module: format!("{}_div", lay.name),
            name: "u_div".into(),
            params: vec![],
            conns: vec![
                ("clk".into(), b.clk.e()),
                ("rst".into(), b.rst.e()),
                ("start".into(), dstart.e()),
                ("divisor".into(), divisor.e()),
                ("quot".into(), quot.e()),
            ],
        });
        // patch the reciprocal into the lane instances
        for inst in b.m.instances.iter_mut().filter(|i| i.module == lane_mod) {
            for (pname, e) in inst.conns.iter_mut() {
                if pname == "sc_recip" {
                    *e = quot.e();
                }
            }
        }
        let swt_w = swt.ty.width;
        let dcw = dc.ty.width;
        let slw = sl.ty.width;
        let last_g = b.net("sc_last_g", sg.e().eq(k(g - 1, gb)));
        let scale_done = b.net(
            "scale_done",
            in_scale
                .clone()
                .and(ss.e().eq(k(4, 3)))
                .and(swt.e().eq(k(rl + 1 + a.bcast_stages, swt_w)))
                .and(last_g.e()),
        );
        let _ = (issue_sum, issue_mul, dstart, dload);
        b.ctl(when(
            in_scale.clone(),
            vec![Stmt::Case(
                ss.e(),
                vec![
                    (
                        vec![0],
                        vec![if_else(
                            last_j.e(),
                            vec![
                                set(sj, Expr::zero(sj.ty)),
                                set(ss, k(1, 3)),
                                set(swt, Expr::zero(swt.ty)),
                            ],
                            vec![set(sj, sj.e().inc())],
                        )],
                    ),
                    (
                        vec![1],
                        vec![if_else(
                            swt.e().eq(k(rl - 1 + a.bcast_stages, swt_w)),
                            vec![
                                set(ss, k(2, 3)),
                                set(dc, Expr::zero(dc.ty)),
                                set(sl, Expr::zero(sl.ty)),
                            ],
                            vec![set(swt, swt.e().inc())],
                        )],
                    ),
                    (
                        vec![2],
                        vec![if_else(
                            dc.e().eq(k(0, dcw)).and(sl.e().eq(k(l, slw))),
                            vec![set(ss, k(3, 3))],
                            vec![if_else(
                                dc.e().eq(k(qb, dcw)),
                                vec![set(dc, Expr::zero(dc.ty)), set(sl, sl.e().inc())],
                                vec![set(dc, dc.e().inc())],
                            )],
                        )],
                    ),
                    (
                        vec![3],
                        vec![when(
                            // in pair mode rows advance on the cycle after each issue
                            match &sodd {
                                Some(o) => o.e(),
                                None => Expr::bit(true),
                            },
                            vec![if_else(
                                last_j.e(),
                                vec![
                                    set(sj, Expr::zero(sj.ty)),
                                    set(ss, k(4, 3)),
                                    set(swt, Expr::zero(swt.ty)),
                                ],
                                vec![set(sj, sj.e().inc())],
                            )],
                        )],
                    ),
                ],
                vec![if_else(
                    swt.e().eq(k(rl + 1 + a.bcast_stages, swt_w)),
                    vec![set(ss, Expr::zero(ss.ty)), set(sg, sg.e().inc())],
                    vec![set(swt, swt.e().inc())],
                )],
            )],
        ));
        // weight address of the op issued this cycle: row 0 of the sweep's group, + G per row
        let issuing = issue_sum.e().or(issue_mul.e());
        let next_group = Expr::mux(ss.e().eq(k(4, 3)), sg.e().inc(), sg.e()).resize(wab);
        b.data(set(
            saddr,
            Expr::mux(
                in_scale.clone(),
                Expr::mux(
                    issuing,
                    saddr.e() + k_wrap(g, wab),
                    Expr::mux(ss.e().eq(k(3, 3)), saddr.e(), next_group),
                ),
                Expr::zero(waty),
            ),
        ));
        b.ctl(when(
            in_scale.clone().not(),
            vec![
                set(ss, Expr::zero(ss.ty)),
                set(sg, Expr::zero(sg.ty)),
                set(sj, Expr::zero(sj.ty)),
            ],
        ));
        scale_finished = scale_done.e();
    }

    // ---------------------------------------------------------------- host port
    // H_IDLE 0, H_DECODE 1, H_READ 2, H_RESP 3, H_WRITE 4
    let h_we = b.data_reg("h_we", Ty::BIT);
    let h_adr = b.data_reg("h_adr", Ty::u(lay.aw));
    let h_dat = b.data_reg("h_dat", Ty::u(32));
    let h_sel = b.data_reg("h_sel", Ty::u(4));
    b.data(when(
        h_accept.e(),
        vec![
            set(&h_we, wb_we.e()),
            set(&h_adr, wb_adr.e()),
            set(&h_dat, wb_dat_w.e()),
            set(&h_sel, wb_sel.e()),
        ],
    ));
    let ib = lay.host_ib;
    let region = b.net("h_region", h_adr.e().slice(lay.aw - 1, ib));
    let index = b.net("h_index", h_adr.e().slice(ib - 1, 0));
    let (hrb, hgb, hlb) = (lay.host_rb, lay.host_gb, lay.host_lb);
    let field = |lo: u32, w: u32| -> Expr {
        if w == 0 {
            Expr::zero(Ty::u(1))
        } else {
            index.e().slice(lo + w - 1, lo)
        }
    };
    let f_l = field(0, hlb);
    let f_g = field(hlb, hgb);
    let f_j = field(hlb + hgb, hrb);
    let top_unused = |lo: u32| -> Expr {
        if lo >= ib {
            Expr::bit(true)
        } else {
            index.e().slice(ib - 1, lo).any().not()
        }
    };
    let lane_ok = if hlb == 0 {
        Expr::bit(true)
    } else {
        f_l.clone().resize(hlb + 1).lt(k(l, hlb + 1))
    };
    let g_ok = if hgb == 0 {
        Expr::bit(true)
    } else {
        f_g.clone().resize(hgb + 1).lt(k(g, hgb + 1))
    };
    let j_ok = if hrb == 0 {
        Expr::bit(true)
    } else {
        f_j.clone().resize(hrb + 1).lt(k(r, hrb + 1))
    };
    let neuron_ok = lane_ok.clone().and(g_ok.clone()).and(top_unused(hlb + hgb));
    let weight_ok = lane_ok
        .clone()
        .and(g_ok.clone())
        .and(j_ok.clone())
        .and(top_unused(hlb + hgb + hrb));
    let row_ok = if hrb == 0 {
        top_unused(0)
    } else {
        index
            .e()
            .slice(hrb - 1, 0)
            .resize(hrb + 1)
            .lt(k(r, hrb + 1))
            .and(top_unused(hrb))
    };
    let reg_ok = top_unused(4);
    let rg = |rr: Region| region.e().eq(k(rr as u64, 4));
    let st_field = |rr: Region| -> Option<Field> {
        match rr {
            Region::V => Some(lay.f_v),
            Region::Ref => lay.f_ref,
            Region::Theta => lay.f_theta,
            Region::Y => lay.f_y,
            _ => None,
        }
    };
    let is_state = any([Region::V, Region::Ref, Region::Theta, Region::Y]
        .into_iter()
        .filter(|rr| st_field(*rr).is_some())
        .map(rg)
        .collect());
    let is_x = if stdp {
        rg(Region::X)
    } else {
        Expr::bit(false)
    };
    let h_ok = b.data_reg("h_ok", Ty::BIT);
    let h_isw = b.data_reg("h_isw", Ty::BIT);
    let h_isst = b.data_reg("h_isst", Ty::BIT);
    let h_isx = b.data_reg("h_isx", Ty::BIT);
    let h_isreg = b.data_reg("h_isreg", Ty::BIT);
    let h_reg = b.data_reg("h_reg", Ty::u(4));
    // which trace of an x word the host addresses (when a word holds several)
    let h_xfield = (stdp && lay.xpb > 0).then(|| b.data_reg("h_xfield", Ty::u(lay.xpb)));
    // cycles a host access waits for its read data: the memory read, the broadcast stages, the
    // capture stages, and the lane multiplexer's register with more than 4 lanes
    let h_wait = rl + a.bcast_stages + 1 + (l > 4) as u64;
    let h_cnt = b.ctl_reg("h_cnt", Ty::u(cw(h_wait + 1)), 0);
    let wab_row = mul_const(
        if hrb == 0 {
            Expr::zero(Ty::u(1))
        } else {
            f_j.clone()
        },
        g,
        wab,
    );
    let mut decode = vec![
        set(&h_isw, rg(Region::W)),
        set(&h_isst, is_state.clone()),
        set(&h_isx, is_x.clone()),
        set(&h_isreg, rg(Region::Regs)),
        set(&h_reg, index.e().slice(3, 0)),
        set(
            &h_ok,
            Expr::mux(
                rg(Region::W),
                weight_ok,
                Expr::mux(
                    is_state,
                    neuron_ok,
                    Expr::mux(
                        is_x.clone(),
                        row_ok,
                        Expr::mux(rg(Region::Regs), reg_ok, Expr::bit(false)),
                    ),
                ),
            ),
        ),
        set(
            &h_lane,
            if hlb == 0 {
                Expr::zero(Ty::u(h_lane_bits))
            } else {
                f_l.resize(h_lane_bits)
            },
        ),
        set(
            &h_g,
            if hgb == 0 {
                Expr::zero(gty)
            } else {
                f_g.clone().resize(gb)
            },
        ),
        set(
            &h_waddr,
            wab_row
                + if hgb == 0 {
                    Expr::zero(waty)
                } else {
                    f_g.resize(wab)
                },
        ),
    ];
    if let Some((h_xaddr, ..)) = &x_for_host {
        let row = if hrb == 0 {
            Expr::zero(Ty::u(1))
        } else {
            index.e().slice(hrb - 1, 0)
        };
        let xab = lay.xab;
        let xpb = lay.xpb;
        decode.push(set(
            h_xaddr,
            if xpb == 0 {
                row.clone().resize(xab)
            } else {
                row.clone().resize(hrb.max(1)).lsr(xpb).resize(xab)
            },
        ));
        if xpb > 0 {
            decode.push(set(
                h_xfield.as_ref().unwrap(),
                row.resize(hrb.max(xpb)).slice(xpb - 1, 0),
            ));
        }
    }
    let h_st = h_state.e();
    b.data(when(h_st.clone().eq(k(1, 3)), decode));
    // read value (32-bit, sign-extended for signed fields)
    // the lanes' read data, selected by `h_lane` in a balanced tree of 2:1 multiplexers, one
    // level per select bit; with more than 4 lanes the first two levels (a 4:1 choice inside
    // each group of four lanes) end in registers, so the 16:1 choice of a wide state word is
    // two short paths instead of one long one (the host waits one cycle more, `h_wait`)
    let split = l > 4;
    let mux_levels =
        |items: Vec<Expr>, bits: std::ops::Range<u32>| mux_tree(&h_lane.e(), items, bits);
    let lane_mux = |b: &mut B, name: &str, items: Vec<Expr>| -> Sig {
        let out = if split {
            let groups: Vec<Expr> = mux_levels(items, 0..2)
                .into_iter()
                .enumerate()
                .map(|(i, e)| {
                    let r = b.data_reg(&format!("{name}_g{i}"), e.ty);
                    b.data(set(&r, e));
                    r.e()
                })
                .collect();
            mux_levels(groups, 2..h_lane_bits)
        } else {
            mux_levels(items, 0..lay.host_lb)
        };
        assert_eq!(out.len(), 1);
        b.net(name, out.into_iter().next().unwrap())
    };
    let w_sel = lane_mux(
        &mut b,
        "h_w_rdata",
        lane_out.iter().map(|o| o.0.e()).collect(),
    );
    let st_sel = lane_mux(
        &mut b,
        "h_st_rdata",
        lane_out.iter().map(|o| o.1.e()).collect(),
    );
    // capture stage: the selected lane's read data (and the x word and register file read) are
    // registered one cycle before the response state uses them, so the lane multiplexer and the
    // response logic (field select, byte merge, write-back word) are separate clock-to-clock
    // paths; a second stage registers the selected value. The host waits two cycles more for
    // them (`h_wait`).
    let capture = |b: &mut B, name: &str, e: Expr| -> Sig {
        let r = b.data_reg(name, e.ty);
        b.data(set(&r, e));
        r
    };
    let w_sel = capture(&mut b, "h_w_cap", w_sel.e());
    let st_sel = capture(&mut b, "h_st_cap", st_sel.e());
    let to32 = |e: Expr| -> Expr { e.resize(32).as_unsigned() };
    let st_word = StateWord::unpack(lay, &st_sel.e());
    let mut st_val = Expr::zero(Ty::u(32));
    for (rr, fe) in [
        (Region::V, Some(st_word.v.clone())),
        (Region::Ref, st_word.r.clone()),
        (Region::Theta, st_word.theta.clone()),
        (Region::Y, st_word.y.clone()),
    ] {
        if let Some(fe) = fe {
            st_val = Expr::mux(h_reg_region(&h_adr, lay, rr), to32(fe), st_val);
        }
    }
    // the x trace the host addresses is selected from the memory's word and captured (a wide
    // word holds one trace per lane); the raw word is captured too, for the write-back
    let x_val = match &x_for_host {
        Some((.., xdata)) => {
            let tb = lay.tb;
            let traces = (0..a.x_per_word as u32)
                .map(|f| xdata.e().slice(f * tb + tb - 1, f * tb))
                .collect();
            let v = match &h_xfield {
                Some(xf) => mux_tree(&xf.e(), traces, 0..lay.xpb),
                None => traces,
            };
            assert_eq!(v.len(), 1);
            capture(&mut b, "h_xv_cap", to32(v[0].clone())).e()
        }
        None => Expr::zero(Ty::u(32)),
    };
    // (a word of one trace is written back whole: nothing of the read word is kept)
    let x_for_host = x_for_host.map(|(a, w, word, xdata)| {
        let kept = if lay.xpb > 0 {
            capture(&mut b, "h_x_cap", xdata.e())
        } else {
            xdata
        };
        (a, w, word, kept)
    });
    let status_idle = is(phase::IDLE);
    let reg_vals: Vec<(u64, Expr)> = vec![
        (regs::ID, k(regs::ID_VALUE, 32)),
        (regs::INPUTS, k(lay.inputs, 32)),
        (regs::NEURONS, k(lay.n, 32)),
        (regs::LANES, k(l, 32)),
        (regs::ROWS, k(r, 32)),
        (regs::CONTROL, learn_en.e().resize(32)),
        (regs::STATUS, status_idle.resize(32)),
        (regs::TICK_LO, ticks.0.e()),
        (regs::TICK_HI, ticks.1.e()),
        (regs::CYCLE_LO, cyc.0.e()),
        (regs::CYCLE_HI, cyc.1.e()),
        (regs::DROPPED, dropped.e()),
        (regs::TICK_CYCLES, last_cycles.e()),
        (regs::LAST_SPIKES, prev_count.e().resize(32)),
    ];
    let mut reg_val = Expr::zero(Ty::u(32));
    for (idx, v) in reg_vals {
        reg_val = Expr::mux(h_reg.e().eq(k(idx, 4)), v, reg_val);
    }
    let reg_val = capture(&mut b, "h_reg_cap", reg_val).e();
    let value = Expr::mux(
        h_ok.e().not(),
        Expr::zero(Ty::u(32)),
        Expr::mux(
            h_isw.e(),
            to32(w_sel.e()),
            Expr::mux(h_isst.e(), st_val, Expr::mux(h_isx.e(), x_val, reg_val)),
        ),
    );
    // second capture stage: the read value (field selected, sign-extended) is a register too
    let h_value = capture(&mut b, "h_value", value);
    // byte-select merge for writes
    let mask = Expr::concat(
        (0..4)
            .rev()
            .map(|i| Expr::concat(vec![h_sel.e().bit_at(i); 8]))
            .collect(),
    );
    let merged = b.net(
        "h_merged",
        h_value.e().and(mask.clone().not()).or(h_dat.e().and(mask)),
    );
    b.m.partly_unused(
        &merged,
        "a field write uses the low bits of the merged word",
    );
    let new_st = {
        let mut w = StateWord::unpack(lay, &st_sel.e());
        let put = |f: Field| -> Expr {
            let e = merged.e().slice(f.width - 1, 0);
            if f.signed { e.as_signed() } else { e }
        };
        let reg_is = |rr: Region| h_reg_region(&h_adr, lay, rr);
        w.v = Expr::mux(reg_is(Region::V), put(lay.f_v), w.v);
        if let (Some(f), Some(cur)) = (lay.f_ref, w.r.clone()) {
            w.r = Some(Expr::mux(reg_is(Region::Ref), put(f), cur));
        }
        if let (Some(f), Some(cur)) = (lay.f_theta, w.theta.clone()) {
            w.theta = Some(Expr::mux(reg_is(Region::Theta), put(f), cur));
        }
        if let (Some(f), Some(cur)) = (lay.f_y, w.y.clone()) {
            w.y = Some(Expr::mux(reg_is(Region::Y), put(f), cur));
        }
        w.pack()
    };
    let do_write = h_we.e().and(h_ok.e());
    let mut resp = vec![
        set(&wb_dat_r, h_value.e()),
        set(&h_wdata, {
            let e = merged.e().slice(lay.w_ty.width - 1, 0);
            if lay.w_ty.signed { e.as_signed() } else { e }
        }),
        set(&h_stdata, new_st),
    ];
    if let Some((_, _, h_x_word, xdata)) = &x_for_host {
        let tb = lay.tb;
        let mut parts = Vec::new();
        for f in (0..a.x_per_word as u32).rev() {
            let cur = xdata.e().slice(f * tb + tb - 1, f * tb);
            let hit = if lay.xpb == 0 {
                Expr::bit(true)
            } else {
                h_xfield.as_ref().unwrap().e().eq(k(f as u64, lay.xpb))
            };
            parts.push(Expr::mux(hit, merged.e().slice(tb - 1, 0), cur));
        }
        resp.push(set(h_x_word, Expr::concat(parts)));
    }
    b.data(when(h_st.clone().eq(k(3, 3)), resp));
    // host state machine
    let cw_rl = h_cnt.ty.width;
    let reg_write = |idx: u64| {
        do_write
            .clone()
            .and(h_isreg.e())
            .and(h_reg.e().eq(k(idx, 4)))
    };
    let mut h_x_we_set = Vec::new();
    if let Some((_, h_x_we, ..)) = &x_for_host {
        h_x_we_set.push(set(h_x_we, do_write.clone().and(h_isx.e())));
    }
    let mut clear_writes = vec![
        set(&h_wr_w, Expr::bit(false)),
        set(&h_wr_st, Expr::bit(false)),
        set(&wb_ack, Expr::bit(false)),
    ];
    if let Some((_, h_x_we, ..)) = &x_for_host {
        clear_writes.push(set(h_x_we, Expr::bit(false)));
    }
    let mut resp_ctl = vec![if_else(
        h_we.e(),
        {
            let mut v = vec![
                set(&h_state, k(4, 3)),
                set(&h_wr_w, do_write.clone().and(h_isw.e())),
                set(&h_wr_st, do_write.clone().and(h_isst.e())),
            ];
            v.extend(h_x_we_set);
            v
        },
        vec![set(&h_state, k(0, 3)), set(&wb_ack, Expr::bit(true))],
    )];
    resp_ctl.push(when(
        reg_write(regs::CONTROL).and(h_sel.e().bit_at(0)),
        vec![set(&learn_en, h_dat.e().bit_at(0))],
    ));
    resp_ctl.push(when(
        reg_write(regs::COMMAND).and(h_sel.e().bit_at(0)),
        vec![
            set(&cmd_clear, h_dat.e().bit_at(0)),
            set(
                &cmd_norm,
                h_dat
                    .e()
                    .bit_at(1)
                    .and(h_dat.e().bit_at(0).not())
                    .and(Expr::bit(lay.scaling)),
            ),
        ],
    ));
    b.ctl(Stmt::Case(
        h_st,
        vec![
            (vec![0], {
                let mut v = clear_writes.clone();
                v.push(when(h_accept.e(), vec![set(&h_state, k(1, 3))]));
                v
            }),
            (
                vec![1],
                vec![set(&h_state, k(2, 3)), set(&h_cnt, Expr::zero(h_cnt.ty))],
            ),
            (
                vec![2],
                vec![if_else(
                    h_cnt.e().eq(k(h_wait, cw_rl)),
                    vec![set(&h_state, k(3, 3))],
                    vec![set(&h_cnt, h_cnt.e().inc())],
                )],
            ),
            (vec![3], resp_ctl),
        ],
        {
            // H_WRITE: the memory write happens this cycle; acknowledge
            let mut v = clear_writes;
            v[2] = set(&wb_ack, Expr::bit(true));
            v.push(set(&h_state, k(0, 3)));
            v
        },
    ));

    // ---------------------------------------------------------------- sequencer
    let scale_due = if lay.scaling && p.norm_every > 0 {
        let every = p.norm_every;
        let ncw = cw(every);
        let ncnt = b.ctl_reg("norm_cnt", Ty::u(ncw), 0);
        b.ctl(when(
            tick_end.e(),
            vec![set(
                &ncnt,
                Expr::mux(
                    ncnt.e().eq(k(every - 1, ncw)),
                    Expr::zero(ncnt.ty),
                    ncnt.e().inc(),
                ),
            )],
        ));
        learn_en.e().and(ncnt.e().eq(k(every - 1, ncw)))
    } else {
        Expr::bit(false)
    };
    let scale_due = b.net("scale_due", scale_due);
    let ltp_due = if stdp {
        // `reduce_stages` cycles after the lanes' last count, `maxc` holds the largest: it is
        // non-zero exactly when some neuron spiked
        let maxc = &maxc.as_ref().unwrap().0;
        learn_en.e().and(maxc.e().ne(Expr::zero(maxc.ty)))
    } else {
        Expr::bit(false)
    };
    let ltp_due = b.net("ltp_due", ltp_due);
    let go =
        |v: u128| -> Vec<Stmt> { vec![set(&ph, Expr::uconst(v, 3)), set(&pc, Expr::zero(pc.ty))] };
    let pcv = |n: u64| pc.e().eq(k(n, pcw));
    let mut enter_events = go(phase::EVENTS);
    if let Some((rec_k, rec_wait, ..)) = &rec {
        enter_events.push(set(rec_k, Expr::zero(rec_k.ty)));
        enter_events.push(set(rec_wait, k(rl, rec_wait.ty.width)));
    }
    enter_events.push(set(&eot_seen, Expr::bit(false)));
    let mut tick_begin = vec![set(&tcnt, k(1, 32)), set(&pw, Expr::zero(pw.ty))];
    if let Some(ia) = &inh_acc {
        tick_begin.push(set(ia, Expr::zero(ia.ty)));
    }
    tick_begin.extend(if a.decay_sweep > 0 {
        go(phase::DECAY)
    } else {
        enter_events.clone()
    });
    let after_neuron = {
        let mut s = vec![
            set(
                &scan,
                Expr::mux(nwords_final.e().eq(Expr::zero(nwords.ty)), k(0, 3), k(1, 3)),
            ),
            set(&sidx, Expr::zero(sidx.ty)),
        ];
        s.push(if_else(
            ltp_due.e(),
            {
                let mut v = go(phase::LTP);
                if let Some((lj, lk, lbase, ldone, ..)) = &ltp_sig {
                    v.extend([
                        set(lj, Expr::zero(lj.ty)),
                        set(lk, Expr::zero(lk.ty)),
                        set(ldone, Expr::bit(false)),
                    ]);
                    b.data(when(in_neuron.clone(), vec![set(lbase, Expr::zero(waty))]));
                }
                v
            },
            vec![if_else(scale_due.e(), go(phase::SCALE), go(phase::FINISH))],
        ));
        s
    };
    let mut end_tick = go(phase::IDLE);
    end_tick.extend([set(&last_cycles, tcnt.e().inc()), set(&prev_count, pw.e())]);
    if let (Some(it), Some(ia)) = (&inh_total, &inh_acc) {
        end_tick.push(set(it, ia.e()));
    }
    let mut clear_regs = vec![set(&prev_count, Expr::zero(prev_count.ty))];
    if let Some(it) = &inh_total {
        clear_regs.push(set(it, Expr::zero(it.ty)));
    }
    let mut start_clear = go(phase::SWEEP);
    if let Some(kt) = &sweep_keep_theta {
        start_clear.push(set(kt, Expr::bit(true)));
    }
    start_clear.push(set(&cmd_clear, Expr::bit(false)));
    start_clear.extend(clear_regs);
    let mut start_norm = go(phase::SCALE);
    start_norm.push(set(&scale_host, Expr::bit(true)));
    start_norm.push(set(&cmd_norm, Expr::bit(false)));
    b.ctl(when(
        ph.e().ne(Expr::uconst(phase::IDLE, 3)),
        vec![set(&tcnt, tcnt.e().inc())],
    ));
    b.ctl(when(
        ph.e().ne(Expr::uconst(phase::IDLE, 3)).or(tick_start.e()),
        vec![set(&pc, pc.e().inc())],
    ));
    b.ctl(Stmt::Case(
        ph.e(),
        vec![
            (
                vec![phase::SWEEP],
                vec![when(
                    pcv(a.clear_sweep + rl + a.bcast_stages),
                    go(phase::IDLE),
                )],
            ),
            (
                vec![phase::IDLE],
                vec![if_else(
                    h_idle.e().and(cmd_clear.e()),
                    start_clear,
                    vec![if_else(
                        h_idle.e().and(cmd_norm.e()),
                        start_norm,
                        vec![when(tick_start.e(), tick_begin)],
                    )],
                )],
            ),
            (
                vec![phase::DECAY],
                vec![when(pcv(a.decay_sweep + rl + a.bcast_stages), enter_events)],
            ),
            (
                vec![phase::EVENTS],
                vec![
                    when(
                        accept.e().and(in_eot.e()),
                        vec![set(&eot_seen, Expr::bit(true))],
                    ),
                    if_else(
                        events_done.e(),
                        vec![when(
                            pcv(rl + a.event_stages + a.bcast_stages - 1),
                            go(phase::NEURON),
                        )],
                        vec![set(&pc, Expr::zero(pc.ty))],
                    ),
                ],
            ),
            (
                vec![phase::NEURON],
                vec![when(pcv(a.neuron_cycles() - 1), after_neuron)],
            ),
            (
                vec![phase::LTP],
                match &ltp_sig {
                    Some((_, _, _, ldone, ..)) => vec![if_else(
                        ldone.e(),
                        vec![when(
                            pcv(2 * rl + 1 - lay.pair as u64 + a.bcast_stages),
                            vec![if_else(scale_due.e(), go(phase::SCALE), go(phase::FINISH))],
                        )],
                        vec![set(&pc, Expr::zero(pc.ty))],
                    )],
                    None => go(phase::FINISH),
                },
            ),
            (
                vec![phase::SCALE],
                vec![when(
                    scale_finished.clone(),
                    vec![if_else(
                        scale_host.e(),
                        {
                            let mut v = go(phase::IDLE);
                            v.push(set(&scale_host, Expr::bit(false)));
                            v
                        },
                        go(phase::FINISH),
                    )],
                )],
            ),
        ],
        vec![when(tick_end.e(), end_tick)],
    ));

    // output scanner control
    let sw_w = swait.ty.width;
    let emit_regs_ctl = {
        let mut v = vec![set(&pw, pw.e().inc())];
        if let Some(ia) = &inh_acc {
            v.push(set(ia, ia.e() + k(p.inhibition as u64, lay.inh_bits)));
        }
        v
    };
    let last_word = sidx.e().inc().eq(nwords.e());
    b.ctl(Stmt::Case(
        scan.e(),
        vec![
            (
                vec![1],
                vec![
                    if rl > 1 {
                        set(&scan, k(2, 3))
                    } else {
                        set(&scan, k(3, 3))
                    },
                    set(&swait, k(0, sw_w)),
                ],
            ),
            (
                vec![2],
                vec![if_else(
                    swait.e().eq(k(rl.saturating_sub(2), sw_w)),
                    vec![set(&scan, k(3, 3))],
                    vec![set(&swait, swait.e().inc())],
                )],
            ),
            (vec![3], vec![set(&scan, k(4, 3))]),
            (
                vec![4],
                vec![when(emit_hs.e(), {
                    let mut v = emit_regs_ctl;
                    v.push(when(
                        rest_empty.e(),
                        vec![if_else(
                            last_word,
                            vec![set(&scan, k(0, 3))],
                            vec![set(&scan, k(1, 3)), set(&sidx, sidx.e().inc())],
                        )],
                    ));
                    v
                })],
            ),
        ],
        vec![],
    ));
    let loaded = spk.rdata.e().slice(l as u32 - 1, 0);
    let loaded_rest = lowest_off(loaded.clone());
    b.data(if_else(
        scan.e().eq(k(3, 3)),
        vec![
            set(&cur_g, spk.rdata.e().slice(gb + l as u32 - 1, l as u32)),
            set(&cur_mask, loaded),
            set(&mask_rest, loaded_rest.clone()),
            set(&rest_empty, loaded_rest.eq(Expr::zero(Ty::u(l as u32)))),
        ],
        vec![when(
            emit_hs.e(),
            vec![
                set(&cur_mask, mask_rest.e()),
                set(&mask_rest, next_rest.e()),
                set(&rest_empty, next_rest.e().eq(Expr::zero(Ty::u(l as u32)))),
            ],
        )],
    ));

    b.finish()
}

/// A 64-bit event counter as two 32-bit registers: `lo` counts `inc`, `hi` adds the carry of
/// `lo` one cycle after `lo` wraps.
fn wide_counter(b: &mut B, name: &str, inc: Expr) -> (Sig, Sig) {
    let lo = b.ctl_reg(&format!("{name}_lo"), Ty::u(32), 0);
    let hi = b.ctl_reg(&format!("{name}_hi"), Ty::u(32), 0);
    let carry = b.ctl_reg(&format!("{name}_carry"), Ty::BIT, 0);
    let wraps = inc.clone().and(lo.e().all());
    b.ctl(when(inc, vec![set(&lo, lo.e().inc())]));
    b.ctl(set(&carry, wraps));
    b.ctl(when(carry.e(), vec![set(&hi, hi.e().inc())]));
    (lo, hi)
}

/// True when the host address region is `rr` (for state field selection).
fn h_reg_region(h_adr: &Sig, lay: &Layout, rr: Region) -> Expr {
    h_adr
        .e()
        .slice(lay.aw - 1, lay.host_ib)
        .eq(Expr::uconst(rr as u128, 4))
}

/// A constant modulo `2^w`: address steps that only wrap past the last row, where the value
/// is never used.
fn k_wrap(v: u64, w: u32) -> Expr {
    k(v & ((1u64 << w) - 1), w)
}

/// Saturating increment of an unsigned trace field.
fn sat_inc_u(x: Expr, inc: i64) -> Expr {
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

/// A balanced tree of 2:1 multiplexers over `items`, one level per bit of `sel` in `bits` (item
/// `i` is chosen when those bits of `sel` spell `i`); returns what is left after those levels
/// (one item when the bits cover all of them, else one per group).
fn mux_tree(sel: &Expr, mut items: Vec<Expr>, bits: std::ops::Range<u32>) -> Vec<Expr> {
    for bit in bits {
        let s = sel.clone().bit_at(bit);
        items = items
            .chunks(2)
            .map(|c| match c {
                [lo, hi] => Expr::mux(s.clone(), hi.clone(), lo.clone()),
                [one] => one.clone(),
                _ => unreachable!("chunks(2)"),
            })
            .collect();
    }
    items
}
