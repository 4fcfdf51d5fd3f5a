//! The host link: between the UART and the array. A receive buffer in block RAM, a frame parser
//! that turns commands into spike-stream beats and Wishbone transactions, and a frame writer
//! that sends the array's output spikes, the replies and error reports back.
//!
//! Key decisions:
//! - The parser handles one command at a time and simply waits on the array (`in_ready`,
//!   `wb_stall`, `wb_ack`); bytes that arrive meanwhile wait in the buffer. The host keeps at
//!   most a buffer's worth in flight (see [`super::protocol`]), so nothing is lost.
//! - The frame writer serves, in this order, the array's output stream, the parser's reply and
//!   a pending error report. The output stream is never blocked by the parser, so a host access
//!   queued behind a tick's end cannot deadlock: it waits for the array to go idle while the
//!   spikes drain.
//! - A host access between a tick's first event and its end would wait forever for the array
//!   (its host port opens between ticks only); the parser refuses it with an error frame instead.
//! - With teach hardware ([`LinkShape::teach`]) the link also drives the array's teacher stream:
//!   per tick the host sends the events, `END_TICK`, the teacher's beats (`TEACH`) and
//!   `TEACH_END`, in that order. The teacher layer of a chain takes its beats only once its
//!   event phase has begun, which needs the input's end of tick, so a teacher beat sent before
//!   `END_TICK` (or an input beat after it and before `TEACH_END`) would block the parser for
//!   good: such a frame is refused with an error frame (code 7) instead. The tick, for host
//!   accesses, lasts until `TEACH_END`. Without teach hardware the link is built as before.
//! - With a layer tag on the output stream ([`LinkShape::layer_bits`]: a chain with `[network]
//!   output = "all"`) each spike goes out as a 4-byte `LAYER_SPIKE` frame (code, layer, neuron)
//!   instead of `SPIKE`; the tag travels beside the neuron through the same registers. Without
//!   it the link is built as before.

use super::protocol::{cmd, commands, error_code, reply};
use crate::array::build::{B, ram, ram_module};
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

fn k(v: u64, w: u32) -> Expr {
    Expr::uconst(v as u128, w)
}

/// Parser states.
mod st {
    pub const CMD: u64 = 0;
    pub const PAY: u64 = 1;
    pub const EXEC: u64 = 2;
    pub const WB: u64 = 3;
    pub const WBACK: u64 = 4;
    pub const REPLY: u64 = 5;
}

/// Sizes the link is built for.
#[derive(Debug, Clone)]
pub struct LinkShape {
    /// Width of the array's `out_addr` (at most 16).
    pub nb: u32,
    /// Width of the array's `wb_adr` (at most 32).
    pub aw: u32,
    /// Receive buffer bytes (a power of two, at least 16).
    pub fifo_depth: u64,
    /// Frame timeout: an incomplete frame is dropped after `2^(timeout_bits - 1)` idle cycles.
    pub timeout_bits: u32,
    /// The array has a teacher stream (`teach_*`; docs/model.md, "Teach mode in hardware"):
    /// the link knows `TEACH` and `TEACH_END` and drives it.
    pub teach: bool,
    /// Width of the array's `out_layer` (a chain with `[network] output = "all"`, at most 8):
    /// every spike goes out as a `LAYER_SPIKE` frame with its layer. `None`: `SPIKE` frames.
    pub layer_bits: Option<u32>,
}

/// The memory module of the receive buffer: read latency 2 (an output register after the block
/// RAM, so its slow clock-to-out does not reach the parser's logic).
pub fn fifo_ram_module(top: &str, depth: u64) -> Module {
    ram_module(&format!("{top}_link_ram"), Ty::u(8), depth, 2, false, false)
}

/// Build the link module `{top}_link`.
pub fn link_module(top: &str, s: &LinkShape) -> Module {
    assert!(s.nb <= 16 && s.aw <= 32 && s.fifo_depth.is_power_of_two() && s.fifo_depth >= 16);
    assert!(s.layer_bits.is_none_or(|w| (1..=8).contains(&w)));
    let mut b = B::new(&format!("{top}_link"));
    b.m.doc.push(format!(
        "UART host link: {}-byte receive buffer, frame parser, frame writer (docs/board.md).",
        s.fifo_depth
    ));
    // ---------------------------------------------------------------- ports
    let rx_valid = b.m.input("rx_valid", Ty::BIT);
    let rx_data = b.m.input("rx_data", Ty::u(8));
    let rx_ferr = b.m.input("rx_ferr", Ty::BIT);
    let tx_valid = b.m.output("tx_valid", Ty::BIT);
    let tx_data = b.m.output("tx_data", Ty::u(8));
    let tx_ready = b.m.input("tx_ready", Ty::BIT);
    let in_valid = b.m.output("in_valid", Ty::BIT);
    let in_ready = b.m.input("in_ready", Ty::BIT);
    let in_eot = b.m.output("in_eot", Ty::BIT);
    let in_addr = b.m.output("in_addr", Ty::u(32));
    let out_valid = b.m.input("out_valid", Ty::BIT);
    let out_ready = b.m.output("out_ready", Ty::BIT);
    let out_eot = b.m.input("out_eot", Ty::BIT);
    let out_addr = b.m.input("out_addr", Ty::u(s.nb));
    let out_layer = s.layer_bits.map(|w| b.m.input("out_layer", Ty::u(w)));
    let wb_cyc = b.m.output("wb_cyc", Ty::BIT);
    let wb_stb = b.m.output("wb_stb", Ty::BIT);
    let wb_we = b.m.output("wb_we", Ty::BIT);
    let wb_adr = b.m.output("wb_adr", Ty::u(s.aw));
    let wb_dat_w = b.m.output("wb_dat_w", Ty::u(32));
    let wb_sel = b.m.output("wb_sel", Ty::u(4));
    let wb_dat_r = b.m.input("wb_dat_r", Ty::u(32));
    let wb_ack = b.m.input("wb_ack", Ty::BIT);
    let wb_stall = b.m.input("wb_stall", Ty::BIT);
    // the teacher stream (teach hardware only): valid, ready, eot, addr
    let teach_ports = s.teach.then(|| {
        (
            b.m.output("teach_valid", Ty::BIT),
            b.m.input("teach_ready", Ty::BIT),
            b.m.output("teach_eot", Ty::BIT),
            b.m.output("teach_addr", Ty::u(32)),
        )
    });
    let in_tick_o = b.m.output("in_tick", Ty::BIT);
    let err_o = b.m.output("err", Ty::BIT);
    b.m.comment(&in_tick_o, "between a tick's first event and its end");
    b.m.comment(&err_o, "a link error happened since reset");

    // ---------------------------------------------------------------- receive buffer
    let ab = s.fifo_depth.trailing_zeros();
    let pw = ab + 1;
    let fifo = ram(
        &mut b,
        &format!("{top}_link_ram"),
        "rxbuf",
        Ty::u(8),
        s.fifo_depth,
        None,
    );
    let wr = b.ctl_reg("wr_ptr", Ty::u(pw), 0);
    let rd = b.ctl_reg("rd_ptr", Ty::u(pw), 0);
    let empty = b.net("empty", wr.e().eq(rd.e()));
    let full = b.net(
        "full",
        wr.e()
            .msb()
            .ne(rd.e().msb())
            .and(wr.e().slice(ab - 1, 0).eq(rd.e().slice(ab - 1, 0))),
    );
    let push = b.net("push", rx_valid.e().and(full.e().not()));
    b.m.assign(&fifo.we, push.e());
    b.m.assign(&fifo.waddr, wr.e().slice(ab - 1, 0));
    b.m.assign(&fifo.wdata, rx_data.e());
    b.m.assign(&fifo.raddr, rd.e().slice(ab - 1, 0));
    b.ctl(when(push.e(), vec![set(&wr, wr.e().inc())]));

    // ---------------------------------------------------------------- parser
    let state = b.ctl_reg("state", Ty::u(3), st::CMD as i128);
    let is = |v: u64| state.e().eq(k(v, 3));
    let got1 = b.ctl_reg("got_d1", Ty::BIT, 0);
    let got = b.ctl_reg("got", Ty::BIT, 0);
    b.m.comment(&got, "a buffered byte is on rxbuf_rdata this cycle");
    let fetch = b.net(
        "fetch",
        is(st::CMD)
            .or(is(st::PAY))
            .and(got.e().not())
            .and(got1.e().not())
            .and(empty.e().not()),
    );
    b.ctl(set(&got1, fetch.e()));
    b.ctl(set(&got, got1.e()));
    b.ctl(when(fetch.e(), vec![set(&rd, rd.e().inc())]));
    let byte = fifo.rdata.e();
    let cmd_r = b.data_reg("cmd", Ty::u(8));
    let cnt = b.ctl_reg("cnt", Ty::u(4), 0);
    let pay = b.data_reg("pay", Ty::u(64));
    b.m.comment(&pay, "payload bytes shift in from the top");
    let in_tick = b.ctl_reg("in_tick_r", Ty::BIT, 0);
    b.m.assign(&in_tick_o, in_tick.e());
    let rdata = b.data_reg("rdata", Ty::u(32));
    let c_is = |code: u8| cmd_r.e().eq(k(code as u64, 8));
    let is_ev = b.net("is_event", c_is(cmd::EVENT));
    let is_eot = b.net("is_end_tick", c_is(cmd::END_TICK));
    let is_rd = b.net("is_read", c_is(cmd::READ));
    let is_wr = b.net("is_write", c_is(cmd::WRITE));
    let teach_cmds = s.teach.then(|| {
        (
            b.net("is_teach", c_is(cmd::TEACH)),
            b.net("is_teach_end", c_is(cmd::TEACH_END)),
        )
    });

    // error sources of this cycle (each a one-bit net), reported by one error frame
    let e_unknown = b.m.wire("e_unknown", Ty::BIT);
    let e_tick = b.m.wire("e_in_tick", Ty::BIT);
    let e_addr = b.m.wire("e_address", Ty::BIT);
    let e_tmo = b.m.wire("e_timeout", Ty::BIT);
    let e_order = s.teach.then(|| b.m.wire("e_teach_order", Ty::BIT));

    // command byte: known codes go to PAY (or straight to EXEC without payload)
    let mut arms = Vec::new();
    for (code, len, _) in commands(s.teach) {
        let body = match (code, len) {
            (cmd::NOP, _) => vec![],
            (_, 0) => vec![set(&state, k(st::EXEC, 3))],
            (_, n) => vec![set(&cnt, k(n as u64, 4)), set(&state, k(st::PAY, 3))],
        };
        arms.push((vec![code as u128], body));
    }
    let known = Expr::concat(
        commands(s.teach)
            .map(|c| byte.clone().eq(k(c.0 as u64, 8)))
            .collect(),
    )
    .any();
    b.m.assign(&e_unknown, got.e().and(is(st::CMD)).and(known.not()));
    b.data(when(
        got.e().and(is(st::CMD)),
        vec![set(&cmd_r, byte.clone())],
    ));
    b.data(when(
        got.e().and(is(st::PAY)),
        vec![set(
            &pay,
            Expr::concat(vec![byte.clone(), pay.e().slice(63, 8)]),
        )],
    ));
    let on_byte = vec![if_else(
        is(st::CMD),
        vec![Stmt::Case(byte.clone(), arms, vec![])],
        vec![when(
            is(st::PAY),
            vec![
                set(&cnt, cnt.e().dec()),
                when(cnt.e().eq(k(1, 4)), vec![set(&state, k(st::EXEC, 3))]),
            ],
        )],
    )];
    b.ctl(when(got.e(), on_byte));

    // frame timeout while a frame waits for its payload
    let tb = s.timeout_bits;
    let tmo = b.ctl_reg("timeout", Ty::u(tb), 0);
    let waiting = is(st::PAY)
        .and(empty.e())
        .and(got.e().not())
        .and(got1.e().not());
    b.m.assign(&e_tmo, tmo.e().msb());
    b.ctl(if_else(
        waiting.and(tmo.e().msb().not()),
        vec![set(&tmo, tmo.e().inc())],
        vec![set(&tmo, k(0, tb))],
    ));
    b.ctl(when(e_tmo.e(), vec![set(&state, k(st::CMD, 3))]));

    // execute: stream beats, host accesses, sync
    let addr32 = b.net(
        "host_addr",
        Expr::mux(is_rd.e(), pay.e().slice(63, 32), pay.e().slice(31, 0)),
    );
    let addr_bad = if s.aw < 32 {
        addr32.e().slice(31, s.aw).any()
    } else {
        Expr::bit(false)
    };
    let exec = is(st::EXEC);
    let stream = is_ev.e().or(is_eot.e());
    let access = is_rd.e().or(is_wr.e());
    // the stream beat leaves from registers (one cycle after EXEC is entered): the array's
    // tick start and phase logic sit far from the link on a large device
    let inv_r = b.ctl_reg("in_valid_r", Ty::BIT, 0);
    let ieot_r = b.ctl_reg("in_eot_r", Ty::BIT, 0);
    let beat = inv_r.e().and(in_ready.e());
    // with teach hardware: the teacher's window (after END_TICK's beat, until TEACH_END's),
    // the teacher's beat registers and the frames out of order
    let teach = teach_cmds.as_ref().zip(teach_ports.as_ref()).map(|(c, p)| {
        let open = b.ctl_reg("teach_open", Ty::BIT, 0);
        b.m.comment(&open, "after the tick's END_TICK, until its TEACH_END");
        let tv_r = b.ctl_reg("teach_valid_r", Ty::BIT, 0);
        let teot_r = b.ctl_reg("teach_eot_r", Ty::BIT, 0);
        let t_beat = b.net("teach_beat", tv_r.e().and(p.1.e()));
        let tstream = b.net("teach_frame", c.0.e().or(c.1.e()));
        let bad = b.net(
            "teach_order_bad",
            tstream
                .e()
                .and(open.e().not())
                .or(stream.clone().and(open.e())),
        );
        b.m.assign(&p.0, tv_r.e());
        b.m.assign(&p.2, teot_r.e());
        b.m.assign(&p.3, Expr::concat(vec![k(0, 16), pay.e().slice(63, 48)]));
        b.ctl(set(
            &tv_r,
            exec.clone()
                .and(tstream.e())
                .and(open.e())
                .and(t_beat.e().not()),
        ));
        b.ctl(set(&teot_r, c.1.e()));
        (open, t_beat, tstream, bad)
    });
    let in_go = match &teach {
        Some((open, ..)) => stream.clone().and(open.e().not()),
        None => stream.clone(),
    };
    b.ctl(set(&inv_r, exec.clone().and(in_go).and(beat.clone().not())));
    b.ctl(set(&ieot_r, is_eot.e()));
    b.m.assign(&in_valid, inv_r.e());
    b.m.assign(&in_eot, ieot_r.e());
    b.m.assign(
        &in_addr,
        Expr::concat(vec![k(0, 16), pay.e().slice(63, 48)]),
    );
    b.m.assign(&e_tick, exec.clone().and(access.clone()).and(in_tick.e()));
    b.m.assign(
        &e_addr,
        exec.clone()
            .and(access.clone())
            .and(in_tick.e().not())
            .and(addr_bad.clone()),
    );
    let host_or_sync = vec![if_else(
        access.clone(),
        vec![if_else(
            in_tick.e().or(addr_bad.clone()),
            vec![set(&state, k(st::CMD, 3))],
            vec![set(&state, k(st::WB, 3))],
        )],
        // SYNC
        vec![set(&state, k(st::REPLY, 3))],
    )];
    let on_exec = match teach.as_ref().zip(teach_cmds.as_ref()) {
        None => vec![if_else(
            stream.clone(),
            vec![when(
                beat,
                vec![set(&state, k(st::CMD, 3)), set(&in_tick, is_ev.e())],
            )],
            host_or_sync,
        )],
        // the tick lasts, for host accesses, until TEACH_END's beat
        Some(((open, t_beat, tstream, bad), (_, is_te))) => {
            b.m.assign(e_order.as_ref().unwrap(), exec.clone().and(bad.e()));
            vec![if_else(
                bad.e(),
                vec![set(&state, k(st::CMD, 3))],
                vec![if_else(
                    stream.clone(),
                    vec![when(
                        beat,
                        vec![
                            set(&state, k(st::CMD, 3)),
                            set(&in_tick, Expr::bit(true)),
                            set(open, is_eot.e()),
                        ],
                    )],
                    vec![if_else(
                        tstream.e(),
                        vec![when(
                            t_beat.e(),
                            vec![
                                set(&state, k(st::CMD, 3)),
                                when(
                                    is_te.e(),
                                    vec![
                                        set(&in_tick, Expr::bit(false)),
                                        set(open, Expr::bit(false)),
                                    ],
                                ),
                            ],
                        )],
                        host_or_sync,
                    )],
                )],
            )]
        }
    };
    b.ctl(when(exec.clone(), on_exec));
    // Wishbone (pipelined): strobe until accepted, then wait for the acknowledge
    // the strobe and cycle leave from registers that follow the WB / WBACK states
    let cyc_r = b.ctl_reg("wb_cyc_r", Ty::BIT, 0);
    let stb_r = b.ctl_reg("wb_stb_r", Ty::BIT, 0);
    let enter_wb = exec
        .clone()
        .and(stream.clone().not())
        .and(access.clone())
        .and(in_tick.e().or(addr_bad.clone()).not());
    b.m.assign(&wb_cyc, cyc_r.e());
    b.m.assign(&wb_stb, stb_r.e());
    b.m.assign(&wb_we, is_wr.e());
    b.m.assign(&wb_adr, addr32.e().slice(s.aw - 1, 0));
    b.m.assign(&wb_dat_w, pay.e().slice(63, 32));
    b.m.assign(&wb_sel, k(0xF, 4));
    let acked = is(st::WB)
        .and(wb_stall.e().not())
        .or(is(st::WBACK))
        .and(wb_ack.e());
    b.ctl(when(
        is(st::WB).and(wb_stall.e().not()),
        vec![set(&state, k(st::WBACK, 3))],
    ));
    b.ctl(when(acked.clone(), vec![set(&state, k(st::REPLY, 3))]));
    b.ctl(set(
        &stb_r,
        enter_wb.clone().or(stb_r.e().and(wb_stall.e())),
    ));
    b.ctl(set(&cyc_r, enter_wb.or(cyc_r.e().and(acked.clone().not()))));
    b.data(when(acked, vec![set(&rdata, wb_dat_r.e())]));

    // ---------------------------------------------------------------- frame writer
    let tbuf = b.data_reg("tx_buf", Ty::u(40));
    let tleft = b.ctl_reg("tx_left", Ty::u(3), 0);
    b.m.comment(&tbuf, "frame being sent, next byte in the low bits");
    // "no frame being sent" as a register (its next value from the frame writer's own decisions)
    let tidle = b.ctl_reg("tx_idle", Ty::BIT, 1);
    let rep_req = is(st::REPLY);
    let err_pend = b.ctl_reg("err_pending", Ty::BIT, 0);
    let err_code = b.data_reg("err_code", Ty::u(8));
    // the array's output beat passes two registers before the frame writer: an input stage
    // loaded every cycle (no enable from the array's valid, whose logic sits far away) and a
    // one-beat buffer. `out_ready` leaves from a register of its own (`out_ready_q`), one
    // cycle after the link decided to let a beat in (`out_ready_r`): the array's output stage,
    // whose `out_ready` feeds its tick end, sits far from the link on a full device, and the
    // placer can put that register near it. A beat let in is counted from what the array saw
    // (`out_ready_q`), and a new ready waits until the last one's beat, if any, is in the buffer
    // and the buffer is free, so a beat never meets a full buffer (one beat per four cycles,
    // far above the UART's rate)
    let oa_v = b.ctl_reg("obuf_in_v", Ty::BIT, 0);
    let oa_eot = b.data_reg("obuf_in_eot", Ty::BIT);
    let oa_addr = b.data_reg("obuf_in_addr", out_addr.ty);
    let ob_v = b.ctl_reg("obuf_v", Ty::BIT, 0);
    let ob_eot = b.data_reg("obuf_eot", Ty::BIT);
    let ob_addr = b.data_reg("obuf_addr", out_addr.ty);
    let o_ready = b.ctl_reg("out_ready_r", Ty::BIT, 0);
    let o_ready_q = b.ctl_reg("out_ready_q", Ty::BIT, 0);
    b.ctl(set(&o_ready_q, o_ready.e()));
    b.m.assign(&out_ready, o_ready_q.e());
    b.ctl(set(&oa_v, out_valid.e().and(o_ready_q.e())));
    b.data(set(&oa_eot, out_eot.e()));
    b.data(set(&oa_addr, out_addr.e()));
    b.data(when(
        oa_v.e(),
        vec![set(&ob_eot, oa_eot.e()), set(&ob_addr, oa_addr.e())],
    ));
    // the layer tag (output = "all") beside the neuron, through the same two registers
    let ob_layer = out_layer.as_ref().map(|l| {
        let oa_layer = b.data_reg("obuf_in_layer", l.ty);
        let ob_layer = b.data_reg("obuf_layer", l.ty);
        b.data(set(&oa_layer, l.e()));
        b.data(when(oa_v.e(), vec![set(&ob_layer, oa_layer.e())]));
        ob_layer
    });
    let take_spk = b.net("take_out", tidle.e().and(ob_v.e()));
    b.ctl(if_else(
        oa_v.e(),
        vec![set(&ob_v, Expr::bit(true))],
        vec![when(take_spk.e(), vec![set(&ob_v, Expr::bit(false))])],
    ));
    // ready for one cycle at a time (a beat it lets in is in the input stage two cycles after
    // the decision, which holds ready low until the buffer is free again): the array's valid
    // reaches only the input stage's flag
    b.ctl(set(
        &o_ready,
        o_ready
            .e()
            .not()
            .and(o_ready_q.e().not())
            .and(oa_v.e().not())
            .and(ob_v.e().not().or(take_spk.e())),
    ));
    let take_rep = b.net("take_reply", tidle.e().and(ob_v.e().not()).and(rep_req));
    let take_err = b.net(
        "take_error",
        tidle
            .e()
            .and(ob_v.e().not())
            .and(is(st::REPLY).not())
            .and(err_pend.e()),
    );
    b.ctl(when(take_rep.e(), vec![set(&state, k(st::CMD, 3))]));
    let byte_k = |v: u8| k(v as u64, 8);
    let out16 = ob_addr.e().resize(16);
    let (spike, spike_bytes) = match &ob_layer {
        None => (Expr::concat(vec![k(0, 16), out16, byte_k(reply::SPIKE)]), 3),
        Some(l) => (
            Expr::concat(vec![
                k(0, 8),
                out16,
                l.e().resize(8),
                byte_k(reply::LAYER_SPIKE),
            ]),
            4,
        ),
    };
    let spike_frame = Expr::mux(
        ob_eot.e(),
        Expr::concat(vec![k(0, 32), byte_k(reply::END_TICK)]),
        spike,
    );
    let spike_len = Expr::mux(ob_eot.e(), k(1, 3), k(spike_bytes, 3));
    let rep_frame = Expr::mux(
        is_rd.e(),
        Expr::concat(vec![rdata.e(), byte_k(reply::READ)]),
        Expr::mux(
            is_wr.e(),
            Expr::concat(vec![k(0, 32), byte_k(reply::WRITE)]),
            Expr::concat(vec![k(0, 24), pay.e().slice(63, 56), byte_k(reply::SYNC)]),
        ),
    );
    let rep_len = Expr::mux(is_rd.e(), k(5, 3), Expr::mux(is_wr.e(), k(1, 3), k(2, 3)));
    let err_frame = Expr::concat(vec![k(0, 24), err_code.e(), byte_k(reply::ERROR)]);
    b.m.assign(&tx_valid, tidle.e().not());
    b.m.assign(&tx_data, tbuf.e().slice(7, 0));
    let sent = tidle.e().not().and(tx_ready.e());
    let take_any = take_spk.e().or(take_rep.e()).or(take_err.e());
    b.ctl(if_else(
        take_any,
        vec![set(&tidle, Expr::bit(false))],
        vec![when(
            sent.clone().and(tleft.e().eq(k(1, 3))),
            vec![set(&tidle, Expr::bit(true))],
        )],
    ));
    b.data(if_else(
        take_spk.e(),
        vec![set(&tbuf, spike_frame)],
        vec![if_else(
            take_rep.e(),
            vec![set(&tbuf, rep_frame)],
            vec![if_else(
                take_err.e(),
                vec![set(&tbuf, err_frame)],
                vec![when(
                    sent.clone(),
                    vec![set(
                        &tbuf,
                        Expr::concat(vec![k(0, 8), tbuf.e().slice(39, 8)]),
                    )],
                )],
            )],
        )],
    ));
    b.ctl(if_else(
        take_spk.e(),
        vec![set(&tleft, spike_len)],
        vec![if_else(
            take_rep.e(),
            vec![set(&tleft, rep_len)],
            vec![if_else(
                take_err.e(),
                vec![set(&tleft, k(2, 3))],
                vec![when(sent, vec![set(&tleft, tleft.e().dec())])],
            )],
        )],
    ));

    // ---------------------------------------------------------------- errors
    let overrun = rx_valid.e().and(full.e());
    let mut sources = vec![
        (e_tick.e(), error_code::ACCESS_IN_TICK),
        (e_unknown.e(), error_code::UNKNOWN_COMMAND),
        (e_tmo.e(), error_code::TIMEOUT),
        (overrun, error_code::OVERRUN),
        (rx_ferr.e(), error_code::FRAMING),
        (e_addr.e(), error_code::BAD_ADDRESS),
    ];
    if let Some(e) = &e_order {
        sources.push((e.e(), error_code::TEACH_ORDER));
    }
    // registered first (one cycle later in the error frame, off the parser's timing paths)
    let n = sources.len() as u32;
    let err_src = b.ctl_reg("err_src", Ty::u(n), 0);
    b.ctl(set(
        &err_src,
        Expr::concat(sources.iter().rev().map(|s| s.0.clone()).collect()),
    ));
    let new_err = b.net("new_error", err_src.e().any());
    // the first source listed wins when several fire in one cycle
    let mut code = byte_k(0);
    for (i, (_, c)) in sources.iter().enumerate().rev() {
        code = Expr::mux(err_src.e().bit_at(i as u32), byte_k(*c), code);
    }
    let free = err_pend.e().not().or(take_err.e());
    b.ctl(when(take_err.e(), vec![set(&err_pend, Expr::bit(false))]));
    b.ctl(when(
        new_err.e().and(free.clone()),
        vec![set(&err_pend, Expr::bit(true))],
    ));
    b.data(when(new_err.e().and(free), vec![set(&err_code, code)]));
    let err_seen = b.ctl_reg("err_seen", Ty::BIT, 0);
    b.ctl(when(new_err.e(), vec![set(&err_seen, Expr::bit(true))]));
    b.m.assign(&err_o, err_seen.e());
    b.finish()
}
