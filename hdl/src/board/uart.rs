//! UART receiver and transmitter (8 data bits, no parity, 1 stop bit), built with the IR.
//!
//! Key decision: a fixed clock divisor per bit (a constant of the generated module, chosen from
//! the board clock and the baud rate), no oversampling: the receiver synchronises the line with
//! two flip-flops, finds the start edge, and samples every bit in its middle. That is enough for
//! the few-percent clock tolerance of a USB-serial chip and costs a few dozen logic cells.

use crate::array::build::B;
use crate::ir::stmt::*;
use crate::ir::*;
use golden::arith::bits_unsigned;
use std::ops::Not;

fn k(v: u64, w: u32) -> Expr {
    Expr::uconst(v as u128, w)
}

/// The receiver: `rx` (the line, idle high) in; a one-cycle `valid` with `data`, or a one-cycle
/// `ferr` when the stop bit is missing (the byte is dropped). `data` holds until the next byte's
/// first data bit.
pub fn uart_rx_module(name: &str, divisor: u64) -> Module {
    assert!(divisor >= 4, "UART divisor below 4 clocks per bit");
    let cw = bits_unsigned(divisor - 1);
    let mut b = B::new(name);
    b.m.doc.push(format!(
        "UART receiver, 8N1, {divisor} clocks per bit, samples each bit in its middle."
    ));
    let rx = b.m.input("rx", Ty::BIT);
    let valid = b.m.output("valid", Ty::BIT);
    let data = b.m.output("data", Ty::u(8));
    let ferr = b.m.output("ferr", Ty::BIT);
    b.m.comment(&valid, "one cycle per received byte");
    b.m.comment(&ferr, "one cycle per byte without a stop bit");
    let s1 = b.ctl_reg("rx_s1", Ty::BIT, 1);
    let s2 = b.ctl_reg("rx_s2", Ty::BIT, 1);
    let busy = b.ctl_reg("busy", Ty::BIT, 0);
    let cnt = b.ctl_reg("cnt", Ty::u(cw), 0);
    let bitn = b.ctl_reg("bitn", Ty::u(4), 0);
    let done = b.ctl_reg("done", Ty::BIT, 0);
    let bad = b.ctl_reg("bad", Ty::BIT, 0);
    let sh = b.data_reg("sh", Ty::u(8));
    b.m.comment(&s2, "rx through two synchronising flip-flops");
    b.m.comment(&bitn, "0 start, 1..8 data, 9 stop");
    b.ctl(set(&done, Expr::bit(false)));
    b.ctl(set(&bad, Expr::bit(false)));
    b.ctl(set(&s1, rx.e()));
    b.ctl(set(&s2, s1.e()));
    let sample = vec![
        set(&cnt, k(divisor - 1, cw)),
        if_else(
            bitn.e().eq(k(0, 4)),
            // the start bit is still low in its middle, else it was a glitch
            vec![if_else(
                s2.e(),
                vec![set(&busy, Expr::bit(false))],
                vec![set(&bitn, k(1, 4))],
            )],
            vec![if_else(
                bitn.e().eq(k(9, 4)),
                vec![
                    set(&busy, Expr::bit(false)),
                    if_else(
                        s2.e(),
                        vec![set(&done, Expr::bit(true))],
                        vec![set(&bad, Expr::bit(true))],
                    ),
                ],
                vec![set(&bitn, bitn.e().inc())],
            )],
        ),
    ];
    b.ctl(if_else(
        busy.e().not(),
        vec![when(
            s2.e().not(),
            vec![
                set(&busy, Expr::bit(true)),
                set(&cnt, k((divisor - 1) / 2, cw)),
                set(&bitn, k(0, 4)),
            ],
        )],
        vec![if_else(
            cnt.e().eq(k(0, cw)),
            sample,
            vec![set(&cnt, cnt.e().dec())],
        )],
    ));
    // data bits shift in from the top, LSB first on the line
    let data_bit = busy
        .e()
        .and(cnt.e().eq(k(0, cw)))
        .and(bitn.e().ne(k(0, 4)))
        .and(bitn.e().ne(k(9, 4)));
    b.data(when(
        data_bit,
        vec![set(&sh, Expr::concat(vec![s2.e(), sh.e().slice(7, 1)]))],
    ));
    b.m.assign(&valid, done.e());
    b.m.assign(&ferr, bad.e());
    b.m.assign(&data, sh.e());
    b.finish()
}

/// The transmitter: a byte is taken when `valid && ready`; `tx` is the line (idle high).
pub fn uart_tx_module(name: &str, divisor: u64) -> Module {
    assert!(divisor >= 4, "UART divisor below 4 clocks per bit");
    let cw = bits_unsigned(divisor - 1);
    let mut b = B::new(name);
    b.m.doc
        .push(format!("UART transmitter, 8N1, {divisor} clocks per bit."));
    let valid = b.m.input("valid", Ty::BIT);
    let data = b.m.input("data", Ty::u(8));
    let ready = b.m.output("ready", Ty::BIT);
    let tx = b.m.output("tx", Ty::BIT);
    let busy = b.ctl_reg("busy", Ty::BIT, 0);
    let cnt = b.ctl_reg("cnt", Ty::u(cw), 0);
    let bitn = b.ctl_reg("bitn", Ty::u(4), 0);
    let sh = b.ctl_reg("sh", Ty::u(9), 0x1FF);
    let line = b.ctl_reg("line", Ty::BIT, 1);
    b.m.comment(&sh, "stop bit and the data bits not sent yet");
    b.m.assign(&ready, busy.e().not());
    b.m.assign(&tx, line.e());
    b.ctl(if_else(
        busy.e().not(),
        vec![when(
            valid.e(),
            vec![
                set(&busy, Expr::bit(true)),
                set(&sh, Expr::concat(vec![Expr::bit(true), data.e()])),
                set(&line, Expr::bit(false)),
                set(&cnt, k(divisor - 1, cw)),
                set(&bitn, k(0, 4)),
            ],
        )],
        vec![if_else(
            cnt.e().eq(k(0, cw)),
            vec![
                set(&cnt, k(divisor - 1, cw)),
                if_else(
                    bitn.e().eq(k(9, 4)),
                    vec![set(&busy, Expr::bit(false))],
                    vec![
                        set(&line, sh.e().bit_at(0)),
                        set(&sh, Expr::concat(vec![Expr::bit(true), sh.e().slice(8, 1)])),
                        set(&bitn, bitn.e().inc()),
                    ],
                ),
            ],
            vec![set(&cnt, cnt.e().dec())],
        )],
    ));
    b.finish()
}
