//! A synthesis harness around a FEAST layer for measuring it alone on a small FPGA: the layer's
//! ~90 input pins come from a shift register fed by one pin, its ~40 output pins are registered
//! and XOR-reduced into one registered pin. Every input and output of the layer stays live, so
//! synthesis keeps the whole layer, on 4 pins (clk, rst, sin, sout).
//!
//! Key decision: the harness costs a flip-flop per layer input and output bit and a small XOR
//! tree (reported with the layer's figures, docs/model.md); it is for `neurogen synth` of a
//! FEAST config, not a board top (a board would use a UART link as the array's does).

use super::FeastLayout;
use crate::array::build::B;
use crate::ir::stmt::*;
use crate::ir::*;

/// The layer's input ports in the harness' shift-register order, with widths.
fn inputs(lay: &FeastLayout) -> Vec<(&'static str, u32)> {
    vec![
        ("in_valid", 1),
        ("in_eot", 1),
        ("in_addr", 32),
        ("out_ready", 1),
        ("wb_cyc", 1),
        ("wb_stb", 1),
        ("wb_we", 1),
        ("wb_adr", lay.aw),
        ("wb_dat_w", 32),
        ("wb_sel", 4),
    ]
}

/// The layer's output ports, with widths.
fn outputs(lay: &FeastLayout) -> Vec<(&'static str, u32)> {
    vec![
        ("in_ready", 1),
        ("out_valid", 1),
        ("out_eot", 1),
        ("out_addr", lay.nb),
        ("wb_dat_r", 32),
        ("wb_ack", 1),
        ("wb_stall", 1),
    ]
}

/// The harness module `{name}_synth` around the layer's top module `name`.
pub fn harness_module(lay: &FeastLayout) -> Module {
    let name = &lay.name;
    let mut b = B::new(&format!("{name}_synth"));
    b.m.doc.push(format!(
        "Synthesis harness of FEAST layer {name}: inputs from a shift register on `sin`, outputs \
         XOR-reduced to `sout`."
    ));
    let sin = b.m.input("sin", Ty::BIT);
    let sout = b.m.output("sout", Ty::BIT);
    let ins = inputs(lay);
    let width: u32 = ins.iter().map(|(_, w)| w).sum();
    let sr = b.data_reg("sr", Ty::u(width));
    b.data(set(
        &sr,
        Expr::concat(vec![sr.e().slice(width - 2, 0), sin.e()]),
    ));
    let mut conns = vec![
        ("clk".to_string(), b.clk.e()),
        ("rst".to_string(), b.rst.e()),
    ];
    let mut lo = 0;
    for (n, w) in ins {
        conns.push((n.to_string(), sr.e().slice(lo + w - 1, lo)));
        lo += w;
    }
    let mut outs = Vec::new();
    for (n, w) in outputs(lay) {
        let s = b.m.wire(&format!("l_{n}"), Ty::u(w));
        conns.push((n.to_string(), s.e()));
        outs.push(s.e());
    }
    b.m.instance(Instance {
        module: name.clone(),
        name: "u_layer".into(),
        params: Vec::new(),
        conns,
    });
    let all = Expr::concat(outs);
    let captured = b.reg("captured", all);
    let parity = (0..captured.ty.width)
        .map(|i| captured.e().bit_at(i))
        .reduce(|a, c| a.xor(c))
        .expect("the layer has outputs");
    let x = b.reg("x", parity);
    b.m.assign(&sout, x.e());
    b.finish()
}
