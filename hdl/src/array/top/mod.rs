//! The top module: the phase sequencer, the event issuer, the presynaptic traces, the output
//! scanner, the synaptic-scaling sequencer, the Wishbone host port and the counters; it drives
//! the lanes (see [`super::lane`]).
//!
//! Key decisions:
//! - The tick is a fixed sequence of phases (idle, decay, events, neuron, potentiation,
//!   scaling, finish) whose lengths follow closed-form rules shared with the cycle model in
//!   `golden::cycle`; the output scanner runs concurrently from the end of the neuron phase.
//! - The module is a composition of components, one file each; each is a function that takes
//!   the builder and the named signals of the components it uses and returns a struct of the
//!   signals it offers. A component whose registers others drive or read before its logic
//!   exists is split into `declare` and a later step (e.g. `Sequencer::drive`).
//!   The calls run in one fixed order, which is the order of the declarations and statements
//!   in the emitted Verilog.

mod counters;
mod delays;
mod events;
mod host;
mod lanes;
mod output;
mod scaling;
mod sequencer;
mod spikes;
mod teacher;
mod traces;

use super::build::{B, Built, MemShape, Ram};
use super::layout::{Layout, Params};
use crate::ir::*;
use golden::arith::bits_unsigned;

pub use host::HostState;
pub use output::ScanState;
pub use scaling::ScaleState;
pub use sequencer::Phase;

/// Width of a counter that must hold `n`.
fn cw(n: u64) -> u32 {
    bits_unsigned(n)
}

/// The unsigned constant `v` of `w` bits.
fn k(v: u64, w: u32) -> Expr {
    Expr::uconst(v as u128, w)
}

/// A constant modulo `2^w`: address steps that only wrap past the last row, where the value
/// is never used.
fn k_wrap(v: u64, w: u32) -> Expr {
    k(v & ((1u64 << w) - 1), w)
}

/// The ports of the top: the AER input and output streams and the Wishbone host port.
pub(super) struct Ports {
    in_valid: Sig,
    in_ready: Sig,
    in_eot: Sig,
    in_addr: Sig,
    out_valid: Sig,
    out_ready: Sig,
    out_eot: Sig,
    out_addr: Sig,
    wb_cyc: Sig,
    wb_stb: Sig,
    wb_we: Sig,
    wb_adr: Sig,
    wb_dat_w: Sig,
    wb_sel: Sig,
    wb_dat_r: Sig,
    wb_ack: Sig,
    wb_stall: Sig,
    /// The teacher stream (teach hardware only).
    teach: Option<TeachPorts>,
}

/// The teacher stream's ports: per tick the taught neurons, then an end-of-tick beat.
pub(super) struct TeachPorts {
    valid: Sig,
    ready: Sig,
    eot: Sig,
    addr: Sig,
}

impl Ports {
    fn declare(b: &mut B, lay: &Layout) -> Ports {
        let m = &mut b.m;
        let p = Ports {
            in_valid: m.input("in_valid", Ty::BIT),
            in_ready: m.output("in_ready", Ty::BIT),
            in_eot: m.input("in_eot", Ty::BIT),
            in_addr: m.input("in_addr", Ty::u(32)),
            out_valid: m.output("out_valid", Ty::BIT),
            out_ready: m.input("out_ready", Ty::BIT),
            out_eot: m.output("out_eot", Ty::BIT),
            out_addr: m.output("out_addr", Ty::u(lay.nb)),
            wb_cyc: m.input("wb_cyc", Ty::BIT),
            wb_stb: m.input("wb_stb", Ty::BIT),
            wb_we: m.input("wb_we", Ty::BIT),
            wb_adr: m.input("wb_adr", Ty::u(lay.aw)),
            wb_dat_w: m.input("wb_dat_w", Ty::u(32)),
            wb_sel: m.input("wb_sel", Ty::u(4)),
            wb_dat_r: m.output_reg("wb_dat_r", Ty::u(32)),
            wb_ack: m.output("wb_ack", Ty::BIT),
            wb_stall: m.output("wb_stall", Ty::BIT),
            teach: lay.teach.then(|| TeachPorts {
                valid: m.input("teach_valid", Ty::BIT),
                ready: m.output("teach_ready", Ty::BIT),
                eot: m.input("teach_eot", Ty::BIT),
                addr: m.input("teach_addr", Ty::u(32)),
            }),
        };
        if let Some(t) = &p.teach {
            m.comment(
                &t.addr,
                "teacher: a neuron forced to spike this tick (teach mode); >= neurons is dropped and counted",
            );
        }
        m.comment(
            &p.in_addr,
            "presynaptic address; >= inputs is dropped and counted",
        );
        m.comment(&p.wb_adr, "word address: region in the top 4 bits");
        p
    }
}

/// The memories of the top: the packed presynaptic traces (STDP), the spike-word list that
/// feeds the output scanner, and (recurrent) the previous tick's spike list.
pub(super) struct TopMems {
    x: Option<Ram>,
    spk: Ram,
    prev: Option<Ram>,
}

impl TopMems {
    fn declare(b: &mut B, lay: &Layout, p: &Params) -> TopMems {
        let (a, rl) = (&lay.arch, lay.rl);
        let xw = Ty::u(lay.tb * a.x_per_word as u32);
        let x = p.stdp.enabled.then(|| {
            // with delays: D slots of the trace history
            let depth = a.x_words * lay.delay.max(1);
            let shape = MemShape::ram(xw, depth, rl, false, lay.x_addr_reg);
            b.ram(&lay.name, "x", shape, None)
        });
        let swty = Ty::u(lay.gb + lay.l as u32);
        let spk = b.ram(
            &lay.name,
            "spk",
            MemShape::ram(swty, lay.g, rl, false, false),
            None,
        );
        let prev = a.recurrent.then(|| {
            let shape = MemShape::ram(Ty::u(lay.nb), lay.n, rl, false, false);
            b.ram(&lay.name, "prev", shape, None)
        });
        TopMems { x, spk, prev }
    }
}

/// Build the top module; lane `k` is an instance of `lane_modules[k]`.
pub fn top_module(lay: &Layout, p: &Params, init_prefix: &str, lane_modules: &[String]) -> Built {
    let mut b = B::new(&lay.name);
    b.m.doc.push(format!(
        "{} inputs x {} neurons{}, {} lanes: {} synaptic operations per clock in the event phase.",
        lay.inputs,
        lay.n,
        if lay.arch.recurrent {
            " (recurrent)"
        } else {
            ""
        },
        lay.l,
        lay.l
    ));
    b.m.doc.extend(
        [
            "clk, rst: one clock; rst is synchronous and active high. After rst (and on the host's",
            "  clear command) a sweep clears the state memories: in_ready and wb_ack stay low, wb_stall high.",
            "in_*: AER input stream, a beat moves when in_valid && in_ready. A beat with in_eot = 1 ends",
            "  the tick (its address ignored); an in_addr >= inputs is dropped and counted (DROPPED).",
            "out_*: per tick the spiking neurons, ascending, one beat each (out_valid && out_ready), then",
            "  one beat with out_eot = 1. Backpressure on either stream stalls the array, loses nothing.",
            "wb_*: Wishbone B4 pipelined host port, 32-bit data, word addresses, writes honour wb_sel.",
            "  One transaction at a time, taken only between ticks (wb_stall low); a tick does not start",
            "  while wb_cyc is high. wb_ack is high only while wb_cyc is high: an access abandoned by",
            "  dropping wb_cyc is never acknowledged. Registers, their bits and the memory map:",
            "  manifest.json (host).",
        ]
        .map(String::from),
    );
    if lay.teach {
        b.m.doc.extend(
            [
                "teach_*: the teacher stream, taken in the event phase: per tick the neurons forced to spike,",
                "  one beat each, then one beat with teach_eot = 1; a teach_addr >= neurons is dropped and",
                "  counted (TEACH_DROPPED). In teach mode (TEACH bit 0) the spikes are exactly these neurons",
                "  and v (and u) are written 0.",
            ]
            .map(String::from),
        );
    }
    let ports = Ports::declare(&mut b, lay);
    let seq = sequencer::Sequencer::declare(&mut b, lay, p);
    let cnt = counters::Counters::declare(&mut b, lay);
    let gate = host::HostGate::declare(&mut b, &ports, &seq);
    let tick_start = seq.tick_start(&mut b, &ports, &gate);
    let mems = TopMems::declare(&mut b, lay, p);
    let sweeps = seq.sweeps(&mut b, lay, p);
    let dl = delays::DelayTop::build(&mut b, lay, &cnt, &seq, &sweeps);
    let teach = teacher::Teacher::build(&mut b, lay, &ports, &seq, &tick_start);
    let ev = events::EventIssuer::build(
        &mut b,
        lay,
        &ports,
        &seq,
        &cnt,
        &mems,
        &tick_start,
        teach.as_ref(),
    );
    let neuron = spikes::NeuronPhase::declare(&mut b, lay, p, &seq, &sweeps);
    if let Some(t) = &teach {
        t.drive(&mut b, lay, &neuron);
    }
    let ltp = traces::Potentiation::declare(&mut b, lay, p, &seq, &neuron);
    let tr = traces::Traces::build(
        &mut b,
        lay,
        p,
        &seq,
        &sweeps,
        &ev,
        &mems,
        ltp.as_ref(),
        dl.as_ref(),
    );
    let scale = scaling::Scaling::declare(&mut b, lay, &seq);
    let out = output::Output::declare(&mut b, lay, p, &ports, &seq, &cnt, &mems);
    let hregs = host::LaneRegs::declare(&mut b, lay);
    let lanes = lanes::instantiate(
        &mut b,
        lay,
        init_prefix,
        lane_modules,
        &lanes::LaneDrive {
            seq: &seq,
            sweeps: &sweeps,
            ev: &ev,
            neuron: &neuron,
            ltp: ltp.as_ref().map(|l| (l, tr.ltp_step.as_ref())),
            scale: &scale,
            out: &out,
            host: &hregs,
            cuba: p.cuba.as_ref(),
            teach: teach.as_ref(),
            dl: dl.as_ref(),
            x: mems.x.as_ref(),
        },
    );
    let nwords_final = neuron.collect(&mut b, lay, &lanes, &mems.spk);
    let scale_finished = scale.drive(&mut b, lay, &lanes);
    host::HostPort::build(
        &mut b,
        lay,
        &ports,
        &gate,
        &hregs,
        &lanes,
        tr.host,
        &seq,
        &cnt,
        teach.as_ref(),
    );
    seq.drive(
        &mut b,
        lay,
        p,
        &sequencer::TickParts {
            cnt: &cnt,
            gate: &gate,
            tick_start: &tick_start,
            ev: &ev,
            neuron: &neuron,
            nwords_final: &nwords_final,
            ltp: ltp.as_ref(),
            scale: &scale,
            scale_finished,
            out: &out,
        },
    );
    out.drive(&mut b, lay, p, &mems.spk, &neuron);
    b.build()
}
