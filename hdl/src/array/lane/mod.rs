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
//! - The module is built stage by stage, one file each: the ports and input registers and the
//!   memories here, then `access` (read addresses), `events` (the event datapath), `neuron`
//!   (the neuron pipeline and the spike list), `sweep` (decay and clear), `potentiation`,
//!   `scaling`, and `access` again for the write ports. Each stage returns
//!   the write it makes; the order of the calls is the order of the emitted Verilog.

mod access;
mod delays;
mod events;
mod neuron;
mod potentiation;
mod scaling;
mod sweep;

use super::build::{B, Built, MemShape, Ram, SpRam};
use super::layout::{Field, Layout, Params};
use crate::ir::*;
use golden::arith::bits_signed;

/// Signed view of a weight: itself when signed, zero-extended by one bit when unsigned.
pub fn weight_signed(w: Expr) -> Expr {
    w.to_signed_wide()
}

/// Width of the potentiation step `(x >> ltp_shift) - ltp_offset` as a signed value.
pub fn dx_width(lay: &Layout, p: &Params) -> u32 {
    let (ltp_shift, ltp_offset) = (p.stdp.ltp_shift, p.stdp.ltp_offset);
    let hi = lay.trace_max() >> ltp_shift;
    // the shifted trace keeps at least one bit, plus a sign bit
    let kept = lay.tb.saturating_sub(ltp_shift).max(1);
    // holds -offset..=hi, and +offset too (it is subtracted as a constant)
    bits_signed(-ltp_offset, hi.max(ltp_offset)).max(kept + 1)
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
    /// u (`cuba`).
    pub u: Option<Expr>,
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
            u: lay.f_u.map(get),
            r: lay.f_ref.map(get),
            theta: lay.f_theta.map(get),
            y: lay.f_y.map(get),
            sprev: lay.f_sprev.map(get),
        }
    }

    /// Pack into a word (most significant field first).
    pub fn pack(self) -> Expr {
        let mut parts = Vec::new();
        for e in [self.sprev, self.y, self.theta, self.r, self.u]
            .into_iter()
            .flatten()
        {
            parts.push(e.as_unsigned());
        }
        parts.push(self.v.as_unsigned());
        Expr::concat(parts)
    }
}

/// The weight memory of a lane.
enum WMem {
    /// One weight per word, separate read and write ports.
    Dual(Ram),
    /// Two weights per word (groups 2m, 2m+1) in a single-port memory.
    Pair(SpRam),
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

/// The potentiation inputs (STDP).
struct LtpIn {
    /// List entry to read (S0).
    k: Sig,
    /// The operation reaches S0.
    go: Sig,
    /// The entry index at S0.
    kd: Sig,
    /// Weight address of row j's group 0.
    base: Sig,
    /// The step and its clamp thresholds (without delays: with delays each lane computes its
    /// own step from its trace history).
    step: Option<LtpStepIn>,
}

/// The potentiation step the top broadcasts (without delays).
struct LtpStepIn {
    /// The step.
    dx: Sig,
    /// Clamp threshold `w_min - dx`.
    lo: Sig,
    /// Clamp threshold `w_max - dx`.
    hi: Sig,
}

/// The scaling inputs.
struct ScaleIn {
    /// A column-sum operation.
    sum: Sig,
    /// The sum's first row.
    first: Sig,
    /// A multiply operation.
    mul: Sig,
    /// Its weight address.
    addr: Sig,
    /// Load the reciprocal.
    load: Sig,
    /// The reciprocal.
    recip: Sig,
}

/// The host's access.
struct HostIn {
    wr_w: Sig,
    waddr: Sig,
    wdata: Sig,
    wr_st: Sig,
    g: Sig,
    stdata: Sig,
}

/// The delay inputs (`synapse.max_delay > 0`).
struct DelayIn {
    /// `t mod D`: the ring slot of this tick (a register of the top, constant during a tick).
    slot: Sig,
    /// The clear sweep zeroes ring word `ring_a`.
    ring_clr: Sig,
    ring_a: Sig,
    /// The top's x memory write, copied into the lane's trace history (STDP).
    xh: Option<(Sig, Sig, Sig)>,
    /// The potentiation's row, at the lanes' S0 (STDP).
    ltp_row: Option<Sig>,
    /// Host write of a delay (address `h_waddr`).
    h_wr_d: Sig,
    h_ddata: Sig,
}

/// The operations the top broadcasts (the ports, then their registers at the lane boundary).
struct Inputs {
    learn: Sig,
    ev_valid: Sig,
    ev_waddr: Sig,
    ev_g: Sig,
    nu_valid: Sig,
    nu_g: Sig,
    nu_start: Option<Sig>,
    nu_bias: Option<Sig>,
    inh_total: Option<Sig>,
    /// Teach mode (a register of the top, constant during a tick).
    teach: Option<Sig>,
    /// The issued neuron is forced to spike (teach hardware).
    nu_forced: Option<Sig>,
    st_valid: Sig,
    st_g: Sig,
    st_zero: Sig,
    st_keep_theta: Option<Sig>,
    ltp: Option<LtpIn>,
    scale: Option<ScaleIn>,
    host: HostIn,
    delay: Option<DelayIn>,
}

/// The output ports.
struct Outputs {
    d_rdata: Option<Sig>,
    w_rdata: Sig,
    st_rdata: Sig,
    spike: Sig,
    cnt: Option<(Sig, Sig)>,
    sum: Option<Sig>,
}

/// A lane under construction: its sizes, its (registered) inputs and its memories.
struct Lane<'a> {
    lay: &'a Layout,
    p: &'a Params,
    i: Inputs,
    wm: WMem,
    /// The weight memory's read data (a word of two weights in pair mode).
    w_raw: Expr,
    acc: Ram,
    st: Ram,
    list: Option<Ram>,
    /// With delays: the delay memory (beside the weights) and the trace history copy (STDP).
    dmem: Option<Ram>,
    xcopy: Option<Ram>,
}

impl Lane<'_> {
    /// The weight of a read word: the word itself, or in pair mode the half the address's
    /// lowest bit selects (the lowest bit of a weight address is the group's, since G is even).
    fn half(&self, word: Expr, lsb: Expr) -> Expr {
        if !self.lay.pair {
            return word;
        }
        let wty = self.lay.w_ty;
        let w = wty.width;
        let pick = |e: Expr| if wty.signed { e.as_signed() } else { e };
        Expr::mux(
            lsb,
            pick(word.clone().slice(2 * w - 1, w)),
            pick(word.slice(w - 1, 0)),
        )
    }
}

/// Which weight memory module a lane instantiates.
pub enum WeightModule {
    /// The shared behavioural memory (its contents from the `W_INIT` parameter).
    Shared,
    /// The lane's own ECP5 weight memory module of this name (lane `k`'s copy).
    Own(String, u64),
}

/// Build the lane module `name`.
pub fn lane_module(lay: &Layout, p: &Params, name: &str, weights: &WeightModule) -> Built {
    let mut b = B::new(name);
    b.m.doc.push(format!(
        "One of {} lanes: neurons g*{} + l for g in 0..{}, their {} x {} weights and state.",
        lay.l, lay.l, lay.g, lay.r, lay.g
    ));
    if let WeightModule::Own(wname, k) = weights {
        b.m.doc
            .push(format!("Lane {k}'s copy: its weights are `{wname}`."));
    }
    if !lay.pair {
        b.m.param("W_INIT", "");
    }
    if lay.delay > 0 {
        b.m.param("D_INIT", "");
    }
    let (ports, out) = ports(&mut b, lay, p);
    let i = register(&mut b, ports, lay.arch.bcast_stages, lay.l > 4);
    let c = memories(&mut b, lay, p, i, weights, &out);
    let r = access::read_ports(&mut b, &c);
    let ew = events::datapath(&mut b, &c, &r.st_now);
    let ring = delays::ring(&mut b, &c, &ew);
    let nw = neuron::pipeline(&mut b, &c, &r.st_now, &out);
    let sw = sweep::pipeline(&mut b, &c, &r.st_now);
    let lw = potentiation::pipeline(&mut b, &c, &r, nw.cnt.as_ref());
    let cw = scaling::pipeline(&mut b, &c, out.sum.as_ref());
    let writes = access::Writes {
        ew,
        nw,
        sw,
        lw,
        cw,
        ring,
    };
    access::write_ports(&mut b, &c, &r, &writes);
    b.build()
}

/// The ports.
fn ports(b: &mut B, lay: &Layout, p: &Params) -> (Inputs, Outputs) {
    let (gty, waty) = (Ty::u(lay.gb), Ty::u(lay.wab));
    let sty = Ty::u(lay.st_width);
    let wty = lay.w_ty;
    let stdp = p.stdp.enabled;
    let m = &mut b.m;
    let learn = m.input("learn", Ty::BIT);
    m.comment(&learn, "weights may change (STDP on and learning enabled)");
    let ev_valid = m.input("ev_valid", Ty::BIT);
    let ev_waddr = m.input("ev_waddr", waty);
    let ev_g = m.input("ev_g", gty);
    let nu_valid = m.input("nu_valid", Ty::BIT);
    let nu_g = m.input("nu_g", gty);
    let nu_start = stdp.then(|| {
        let s = m.input("nu_start", Ty::BIT);
        m.comment(
            &s,
            "first cycle of the neuron phase: empties the spike list",
        );
        s
    });
    let nu_bias = lay.bias_per_neuron.then(|| {
        let s = m.input("nu_bias", Ty::s(20));
        m.comment(&s, "cuba: the bias of neuron nu_g * L + l");
        s
    });
    let inh_total = (p.lif.inhibition > 0).then(|| m.input("inh_total", Ty::u(lay.inh_bits)));
    let teach = lay.teach.then(|| {
        let s = m.input("teach", Ty::BIT);
        m.comment(&s, "teach mode: spikes are nu_forced, v (and u) written 0");
        s
    });
    let nu_forced = lay.teach.then(|| m.input("nu_forced", Ty::BIT));
    let st_valid = m.input("st_valid", Ty::BIT);
    let st_g = m.input("st_g", gty);
    let st_zero = m.input("st_zero", Ty::BIT);
    m.comment(&st_zero, "clear or reset (else decay)");
    let st_keep_theta = lay.f_theta.map(|_| m.input("st_keep_theta", Ty::BIT));
    let dxw = dx_width(lay, p);
    let thw = ltp_thr_width(lay, p);
    let ltp = stdp.then(|| LtpIn {
        k: m.input("ltp_k", gty),
        go: m.input("ltp_go", Ty::BIT),
        kd: m.input("ltp_kd", gty),
        base: m.input("ltp_base", waty),
        step: (lay.delay == 0).then(|| LtpStepIn {
            dx: m.input("ltp_dx", Ty::s(dxw)),
            lo: m.input("ltp_lo", Ty::s(thw)),
            hi: m.input("ltp_hi", Ty::s(thw)),
        }),
    });
    let scale = lay.scaling.then(|| ScaleIn {
        sum: m.input("sc_sum", Ty::BIT),
        first: m.input("sc_first", Ty::BIT),
        mul: m.input("sc_mul", Ty::BIT),
        addr: m.input("sc_waddr", waty),
        load: m.input("sc_load", Ty::BIT),
        recip: m.input("sc_recip", Ty::u(32)),
    });
    let host = HostIn {
        wr_w: m.input("h_wr_w", Ty::BIT),
        waddr: m.input("h_waddr", waty),
        wdata: m.input("h_wdata", wty),
        wr_st: m.input("h_wr_st", Ty::BIT),
        g: m.input("h_g", gty),
        stdata: m.input("h_stdata", sty),
    };
    let delay = (lay.delay > 0).then(|| {
        let xw = Ty::u(lay.tb * lay.arch.x_per_word as u32);
        let slot = m.input("slot", Ty::u(lay.db));
        m.comment(&slot, "t mod D: this tick's ring slot");
        if lay.delay == 1 {
            m.partly_unused(&slot, "with D = 1 the slot is always 0");
        }
        DelayIn {
            slot,
            ring_clr: m.input("ring_clr", Ty::BIT),
            ring_a: m.input("ring_a", Ty::u(lay.acc_ab)),
            xh: stdp.then(|| {
                (
                    m.input("xh_we", Ty::BIT),
                    m.input("xh_addr", Ty::u(lay.xab)),
                    m.input("xh_data", xw),
                )
            }),
            ltp_row: stdp.then(|| m.input("ltp_row", Ty::u(lay.rb))),
            h_wr_d: m.input("h_wr_d", Ty::BIT),
            h_ddata: m.input("h_ddata", Ty::u(lay.db)),
        }
    });
    let d_rdata = delay.as_ref().map(|_| m.output("d_rdata", Ty::u(lay.db)));
    let w_rdata = m.output("w_rdata", wty);
    let st_rdata = m.output("st_rdata", sty);
    let spike = m.output("nu_spike", Ty::BIT);
    m.comment(
        &spike,
        "registered: one cycle after the neuron's write stage",
    );
    let cnt = stdp.then(|| {
        (
            m.output("nu_cnt", Ty::u(lay.gb + 1)),
            m.output("nu_cnt_m1", Ty::u(lay.gb + 1)),
        )
    });
    let sum = lay.scaling.then(|| m.output("sum", lay.sum_ty));
    (
        Inputs {
            learn,
            ev_valid,
            ev_waddr,
            ev_g,
            nu_valid,
            nu_g,
            nu_start,
            nu_bias,
            inh_total,
            teach,
            nu_forced,
            st_valid,
            st_g,
            st_zero,
            st_keep_theta,
            ltp,
            scale,
            host,
            delay,
        },
        Outputs {
            d_rdata,
            w_rdata,
            st_rdata,
            spike,
            cnt,
            sum,
        },
    )
}

/// Input registers: every operation broadcast by the top is registered at the lane boundary
/// (`Arch::bcast_stages` stages, `array.bcast_stages`), so no path runs from the sequencer's
/// logic across the chip into a memory address; with two stages the broadcast gets a cycle to
/// reach the lane and one to fan out in it. `learn` is a register of the top, constant while it
/// is used, and enters directly. With more than 4 lanes (`wide`) `inh_total` takes the stages
/// too (then a wide fan-out to every lane's neuron adder, critical on a 16-lane ECP5 layer): it
/// changes only when a tick ends and on a clear, and the next neuron update is issued after that
/// and takes the same stages, so every lane still reads the value of the top's register; with
/// fewer lanes it enters directly, as `learn` does (no flip-flops added where no path needs
/// them, as for the issue counter's `iss_busy`). Valid bits are control registers (reset),
/// the rest datapath registers. The last stage is `NAME_r`, the ones before it `NAME_bK`.
fn register(b: &mut B, i: Inputs, stages: u64, wide: bool) -> Inputs {
    assert!(stages >= 1, "at least one broadcast stage");
    let chain = |b: &mut B, x: Sig, reset: bool| {
        let stage = |b: &mut B, name: String, e: Expr| {
            if reset {
                b.reg_r(&name, 0, e)
            } else {
                b.reg(&name, e)
            }
        };
        let mut prev = x.e();
        for k in 1..stages {
            prev = stage(b, format!("{}_b{k}", x.name), prev).e();
        }
        stage(b, format!("{}_r", x.name), prev)
    };
    let ctl = |b: &mut B, x: Sig| chain(b, x, true);
    let dat = |b: &mut B, x: Sig| chain(b, x, false);
    Inputs {
        learn: i.learn,
        ev_valid: ctl(b, i.ev_valid),
        ev_waddr: dat(b, i.ev_waddr),
        ev_g: dat(b, i.ev_g),
        nu_valid: ctl(b, i.nu_valid),
        nu_g: dat(b, i.nu_g),
        nu_start: i.nu_start.map(|x| ctl(b, x)),
        nu_bias: i.nu_bias.map(|x| dat(b, x)),
        inh_total: i.inh_total.map(|x| if wide { dat(b, x) } else { x }),
        teach: i.teach,
        nu_forced: i.nu_forced.map(|x| dat(b, x)),
        st_valid: ctl(b, i.st_valid),
        st_g: dat(b, i.st_g),
        st_zero: dat(b, i.st_zero),
        st_keep_theta: i.st_keep_theta.map(|x| dat(b, x)),
        ltp: i.ltp.map(|l| LtpIn {
            k: dat(b, l.k),
            go: ctl(b, l.go),
            kd: dat(b, l.kd),
            base: dat(b, l.base),
            step: l.step.map(|s| LtpStepIn {
                dx: dat(b, s.dx),
                lo: dat(b, s.lo),
                hi: dat(b, s.hi),
            }),
        }),
        scale: i.scale.map(|s| ScaleIn {
            sum: ctl(b, s.sum),
            first: dat(b, s.first),
            mul: ctl(b, s.mul),
            addr: dat(b, s.addr),
            load: ctl(b, s.load),
            recip: dat(b, s.recip),
        }),
        host: HostIn {
            wr_w: ctl(b, i.host.wr_w),
            waddr: dat(b, i.host.waddr),
            wdata: dat(b, i.host.wdata),
            wr_st: ctl(b, i.host.wr_st),
            g: dat(b, i.host.g),
            stdata: dat(b, i.host.stdata),
        },
        delay: i.delay.map(|d| DelayIn {
            slot: d.slot,
            ring_clr: ctl(b, d.ring_clr),
            ring_a: dat(b, d.ring_a),
            xh: d.xh.map(|(we, a, x)| (ctl(b, we), dat(b, a), dat(b, x))),
            ltp_row: d.ltp_row.map(|r| dat(b, r)),
            h_wr_d: ctl(b, d.h_wr_d),
            h_ddata: dat(b, d.h_ddata),
        }),
    }
}

/// The memories: weights, accumulators, state words and (STDP) the spiking-group list; the
/// host's read data leaves from the weight and state memories.
fn memories<'a>(
    b: &mut B,
    lay: &'a Layout,
    p: &'a Params,
    i: Inputs,
    weights: &WeightModule,
    out: &Outputs,
) -> Lane<'a> {
    let rl = lay.rl;
    let wty = lay.w_ty;
    let gty = Ty::u(lay.gb);
    let sty = Ty::u(lay.st_width);
    let wdepth = lay.r * lay.g;
    let wm = if lay.pair {
        let shape = MemShape {
            ty: Ty::u(2 * wty.width),
            depth: wdepth / 2,
            read_latency: rl,
            kind: super::build::MemKind::SpRam,
        };
        WMem::Pair(b.spram(&lay.name, "wmem", shape))
    } else {
        let r = match weights {
            WeightModule::Shared => b.ram(
                &lay.name,
                "wmem",
                MemShape::ram(wty, wdepth, rl, true, false),
                None,
            ),
            WeightModule::Own(module, _) => {
                let shape = MemShape {
                    kind: super::build::MemKind::Ecp5Weights,
                    ..MemShape::ram(wty, wdepth, rl, true, false)
                };
                b.ram_named("wmem", module, shape, None)
            }
        };
        // pass the lane's init file through
        let inst = b.m.instances.last_mut().unwrap();
        inst.params = vec![("INIT_FILE".into(), ParamValue::Raw("W_INIT".into()))];
        WMem::Dual(r)
    };
    let w_raw = match &wm {
        WMem::Dual(r) => r.rdata.e(),
        WMem::Pair(p) => p.rdata.e(),
    };
    let acc = b.ram(
        &lay.name,
        "accmem",
        MemShape::ram(lay.acc_ty, lay.g * lay.delay.max(1), rl, false, false),
        None,
    );
    let st = b.ram(
        &lay.name,
        "stmem",
        MemShape::ram(sty, lay.g, rl, false, false),
        None,
    );
    let list = p.stdp.enabled.then(|| {
        b.ram(
            &lay.name,
            "listmem",
            MemShape::ram(gty, lay.g, rl, false, false),
            None,
        )
    });
    let dmem = (lay.delay > 0).then(|| {
        let r = b.ram(
            &lay.name,
            "dmem",
            MemShape::ram(Ty::u(lay.db), wdepth, rl, true, false),
            None,
        );
        let inst = b.m.instances.last_mut().unwrap();
        inst.params = vec![("INIT_FILE".into(), ParamValue::Raw("D_INIT".into()))];
        r
    });
    let xcopy = (lay.delay > 0 && p.stdp.enabled).then(|| {
        let a = &lay.arch;
        let xw = Ty::u(lay.tb * a.x_per_word as u32);
        b.ram(
            &lay.name,
            "xhist",
            MemShape::ram(xw, a.x_words * lay.delay, rl, false, false),
            None,
        )
    });
    let c = Lane {
        lay,
        p,
        i,
        wm,
        w_raw,
        acc,
        st,
        list,
        dmem,
        xcopy,
    };
    if let (Some(d), Some(dm)) = (&out.d_rdata, &c.dmem) {
        b.m.assign(d, dm.rdata.e());
    }
    b.m.assign(
        &out.w_rdata,
        c.half(c.w_raw.clone(), c.i.host.waddr.e().bit_at(0)),
    );
    b.m.assign(&out.st_rdata, c.st.rdata.e());
    c
}
