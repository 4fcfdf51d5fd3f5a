//! The Wishbone host port: one transaction at a time, served only between ticks. A transaction
//! is decoded (region, index fields, range checks), waits for the memories' read data, which is
//! captured in two register stages (the selected lane's word, then the selected field), and is
//! answered; a write then writes back the merged word.
//!
//! Key decision: the host waits for `wb_ack`, so the access latency (`h_wait`) is free to
//! follow the pipeline: the read data of the lanes is selected by `h_lane` in a tree of 2:1
//! multiplexers, registered after its 4:1 level when there are more than 4 lanes.

use super::counters::Counters;
use super::lanes::LaneOut;
use super::sequencer::{Phase, Sequencer};
use super::teacher::Teacher;
use super::traces::XHost;
use super::{Ports, cw, k};
use crate::array::build::{B, Fsm, any, mul_const};
use crate::array::lane::StateWord;
use crate::array::layout::{Field, Layout, Region, regs};
use crate::fsm_states;
use crate::ir::stmt::*;
use crate::ir::*;
use golden::arith::bits_unsigned;
use std::ops::Not;

fsm_states! {
    /// States of a host transaction (the `h_state` register's values).
    pub enum HostState {
        /// No transaction: accept one when the sequencer lets the host in.
        Idle = 0,
        /// Decode the address.
        Decode = 1,
        /// Wait for the read data (`h_wait` cycles).
        Read = 2,
        /// Answer a read, or prepare a write.
        Resp = 3,
        /// The memory write happens; acknowledge.
        Write = 4,
    }
}

/// The transaction gate: the host state machine's register, the commands it leaves to the
/// sequencer, and the accept handshake.
pub(super) struct HostGate {
    pub fsm: Fsm<HostState>,
    /// No transaction in progress.
    pub idle: Sig,
    /// COMMAND bit 0 was written: the sequencer runs a clear sweep.
    pub cmd_clear: Sig,
    /// COMMAND bit 1 was written: the sequencer runs scaling.
    pub cmd_norm: Sig,
    /// A transaction is accepted this cycle.
    accept: Sig,
}

impl HostGate {
    /// Declared early: the idle phase yields to the host.
    pub fn declare(b: &mut B, ports: &Ports, seq: &Sequencer) -> HostGate {
        let fsm = b.fsm("h_state", HostState::Idle);
        let idle = b.net("h_idle", fsm.is(HostState::Idle));
        let cmd_clear = b.ctl_reg("cmd_clear", Ty::BIT, 0);
        let cmd_norm = b.ctl_reg("cmd_norm", Ty::BIT, 0);
        let host_may = seq
            .is(Phase::Idle)
            .and(idle.e())
            .and(cmd_clear.e().not())
            .and(cmd_norm.e().not());
        b.m.assign(&ports.wb_stall, host_may.not());
        let accept = b.net(
            "h_accept",
            ports
                .wb_cyc
                .e()
                .and(ports.wb_stb.e())
                .and(ports.wb_stall.e().not()),
        );
        HostGate {
            fsm,
            idle,
            cmd_clear,
            cmd_norm,
            accept,
        }
    }
}

/// The host's registers that go to the lanes (address, data, write enables).
pub(super) struct LaneRegs {
    /// Lane of the access.
    pub lane: Sig,
    pub waddr: Sig,
    pub g: Sig,
    pub wdata: Sig,
    pub stdata: Sig,
    pub wr_w: Sig,
    pub wr_st: Sig,
    /// Host write of a delay and its value (delays).
    pub wr_d: Option<Sig>,
    pub ddata: Option<Sig>,
}

impl LaneRegs {
    pub fn declare(b: &mut B, lay: &Layout) -> LaneRegs {
        LaneRegs {
            lane: b.data_reg("h_lane", Ty::u(lay.host_lb.max(1))),
            waddr: b.data_reg("h_waddr", Ty::u(lay.wab)),
            g: b.data_reg("h_g", Ty::u(lay.gb)),
            wdata: b.data_reg("h_wdata", lay.w_ty),
            stdata: b.data_reg("h_stdata", Ty::u(lay.st_width)),
            wr_w: b.ctl_reg("h_wr_w", Ty::BIT, 0),
            wr_st: b.ctl_reg("h_wr_st", Ty::BIT, 0),
            wr_d: (lay.delay > 0).then(|| b.ctl_reg("h_wr_d", Ty::BIT, 0)),
            ddata: (lay.delay > 0).then(|| b.data_reg("h_ddata", Ty::u(lay.db))),
        }
    }
}

/// The decoded transaction.
struct Decoded {
    we: Sig,
    adr: Sig,
    dat: Sig,
    sel: Sig,
    ok: Sig,
    isw: Sig,
    isst: Sig,
    isx: Sig,
    isreg: Sig,
    /// The register index (layers of at most 4 lanes).
    reg: Option<Sig>,
    /// Wide layers (more than 4 lanes): the register index decoded one-hot (bit i: register i),
    /// a register of its own, so the register file's read multiplexer and the register writes
    /// do not hang on the index bits the lane selects share (Yosys merges equal flip-flops).
    reg_hit: Option<Sig>,
    /// Wide layers: each group of four lanes' own select of its 4:1 read multiplexer (loaded
    /// only when the host's lane is in the group), so no one flip-flop drives every lane's
    /// (none for a last group of one lane).
    group_sel: Vec<Option<Sig>>,
    /// The delay region (delays).
    isd: Option<Sig>,
    /// Which trace of an x word the host addresses (when a word holds several).
    xfield: Option<Sig>,
    /// Cycles a host access waits for its read data.
    wait: u64,
    cnt: Sig,
}

/// The captured read data.
struct ReadData {
    st_sel: Sig,
    /// The read value (field selected, sign-extended), registered.
    value: Sig,
    /// The x word, for the write-back (captured when a word holds several traces).
    x_kept: Option<Sig>,
}

/// The host port's transaction logic.
pub(super) struct HostPort;

impl HostPort {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        b: &mut B,
        lay: &Layout,
        ports: &Ports,
        gate: &HostGate,
        regs: &LaneRegs,
        lanes: &[LaneOut],
        x: Option<XHost>,
        seq: &Sequencer,
        cnt: &Counters,
        teach: Option<&Teacher>,
    ) {
        let d = decode(b, lay, ports, gate, regs, x.as_ref());
        let h = Host {
            lay,
            ports,
            gate,
            regs,
            x: x.as_ref(),
            d,
            seq,
            teach,
        };
        let rd = h.read(b, lanes, cnt);
        let (do_write, d_ok) = h.respond(b, &rd);
        h.transactions(b, do_write, d_ok);
    }
}

/// A decoded transaction and what its later steps use.
struct Host<'a> {
    lay: &'a Layout,
    ports: &'a Ports,
    gate: &'a HostGate,
    regs: &'a LaneRegs,
    x: Option<&'a XHost>,
    d: Decoded,
    seq: &'a Sequencer,
    teach: Option<&'a Teacher>,
}

/// True when the host address region is `rr` (for state field selection).
fn h_reg_region(h_adr: &Sig, lay: &Layout, rr: Region) -> Expr {
    h_adr
        .e()
        .slice(lay.aw - 1, lay.host_ib)
        .eq(Expr::uconst(rr as u128, 4))
}

/// A host word address: its region and index, and the index's lane, group and row fields (a
/// one-bit zero for a field of no bits).
struct Address {
    region: Sig,
    index: Sig,
    f_l: Expr,
    f_g: Expr,
    f_j: Expr,
}

impl Address {
    fn declare(b: &mut B, lay: &Layout, h_adr: &Sig) -> Address {
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
        Address {
            f_l: field(0, hlb),
            f_g: field(hlb, hgb),
            f_j: field(hlb + hgb, hrb),
            region,
            index,
        }
    }

    /// The region is `rr`.
    fn is(&self, rr: Region) -> Expr {
        self.region.e().eq(k(rr as u64, 4))
    }

    /// A per-neuron state region the hardware stores.
    fn is_state(&self, lay: &Layout) -> Expr {
        any(
            [Region::V, Region::Ref, Region::Theta, Region::Y, Region::U]
                .into_iter()
                .filter(|rr| lay.region_field(*rr).is_some())
                .map(|rr| self.is(rr))
                .collect(),
        )
    }

    /// The x region (STDP).
    fn is_x(&self, lay: &Layout) -> Expr {
        if lay.f_y.is_some() {
            self.is(Region::X)
        } else {
            Expr::bit(false)
        }
    }

    /// The address names something the hardware holds: a known region, every index field in
    /// range and the index bits above the fields zero.
    fn ok(&self, lay: &Layout) -> Expr {
        let (l, g, r, ib) = (lay.l, lay.g, lay.r, lay.host_ib);
        let (hrb, hgb, hlb) = (lay.host_rb, lay.host_gb, lay.host_lb);
        let index = &self.index;
        let top_unused = |lo: u32| -> Expr {
            if lo >= ib {
                Expr::bit(true)
            } else {
                index.e().slice(ib - 1, lo).any().not()
            }
        };
        // a field of `w` bits holds an index below `n`
        let below = |f: &Expr, w: u32, n: u64| -> Expr {
            if w == 0 {
                Expr::bit(true)
            } else {
                f.clone().resize(w + 1).lt(k(n, w + 1))
            }
        };
        let lane_ok = below(&self.f_l, hlb, l);
        let g_ok = below(&self.f_g, hgb, g);
        let j_ok = below(&self.f_j, hrb, r);
        let neuron_ok = lane_ok.clone().and(g_ok.clone()).and(top_unused(hlb + hgb));
        let weight_ok = lane_ok.and(g_ok).and(j_ok).and(top_unused(hlb + hgb + hrb));
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
        let reg_ok = top_unused(lay.reg_bits);
        let weights = if lay.delay > 0 {
            self.is(Region::W).or(self.is(Region::Delay))
        } else {
            self.is(Region::W)
        };
        Expr::mux(
            weights,
            weight_ok,
            Expr::mux(
                self.is_state(lay),
                neuron_ok,
                Expr::mux(
                    self.is_x(lay),
                    row_ok,
                    Expr::mux(self.is(Region::Regs), reg_ok, Expr::bit(false)),
                ),
            ),
        )
    }
}

/// Register the accepted transaction and decode it (in the decode state): region, index
/// fields, whether the index is in range, the lane and memory addresses.
fn decode(
    b: &mut B,
    lay: &Layout,
    ports: &Ports,
    gate: &HostGate,
    regs: &LaneRegs,
    x: Option<&XHost>,
) -> Decoded {
    let (g, gb, wab) = (lay.g, lay.gb, lay.wab);
    let stdp = lay.f_y.is_some();
    let h_we = b.data_reg("h_we", Ty::BIT);
    let h_adr = b.data_reg("h_adr", Ty::u(lay.aw));
    let h_dat = b.data_reg("h_dat", Ty::u(32));
    let h_sel = b.data_reg("h_sel", Ty::u(4));
    b.data(when(
        gate.accept.e(),
        vec![
            set(&h_we, ports.wb_we.e()),
            set(&h_adr, ports.wb_adr.e()),
            set(&h_dat, ports.wb_dat_w.e()),
            set(&h_sel, ports.wb_sel.e()),
        ],
    ));
    let adr = Address::declare(b, lay, &h_adr);
    let (f_l, f_g, f_j) = (adr.f_l.clone(), adr.f_g.clone(), adr.f_j.clone());
    let (hrb, hgb, hlb) = (lay.host_rb, lay.host_gb, lay.host_lb);
    let h_ok = b.data_reg("h_ok", Ty::BIT);
    let h_isw = b.data_reg("h_isw", Ty::BIT);
    let h_isst = b.data_reg("h_isst", Ty::BIT);
    let h_isx = b.data_reg("h_isx", Ty::BIT);
    let h_isreg = b.data_reg("h_isreg", Ty::BIT);
    let wide = lay.l > 4;
    let h_reg = (!wide).then(|| b.data_reg("h_reg", Ty::u(lay.reg_bits)));
    let h_reg_hit = wide.then(|| {
        let hit = b.data_reg("h_reg_hit", Ty::u(1 << lay.reg_bits));
        b.m.partly_unused(&hit, "the indices of no register read and write nothing");
        hit
    });
    // (a group of one lane, the last one, has no choice to make: no select)
    let group_sel: Vec<Option<Sig>> = if wide {
        (0..lay.l.div_ceil(4))
            .map(|i| {
                let lanes = (lay.l - 4 * i).min(4);
                (lanes > 1)
                    .then(|| b.data_reg(&format!("h_lsel_g{i}"), Ty::u(bits_unsigned(lanes - 1))))
            })
            .collect()
    } else {
        Vec::new()
    };
    let h_isd = (lay.delay > 0).then(|| b.data_reg("h_isd", Ty::BIT));
    let h_xfield = (stdp && lay.xpb > 0).then(|| b.data_reg("h_xfield", Ty::u(lay.xpb)));
    // cycles a host access waits for its read data (the bound of `Layout::host_ack_max`)
    let h_wait = lay.host_wait();
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
    let mut dec = vec![
        set(&h_isw, adr.is(Region::W)),
        set(&h_isst, adr.is_state(lay)),
        set(&h_isx, adr.is_x(lay)),
        set(&h_isreg, adr.is(Region::Regs)),
    ];
    if let Some(isd) = &h_isd {
        dec.push(set(isd, adr.is(Region::Delay)));
    }
    if let Some(r) = &h_reg {
        dec.push(set(r, adr.index.e().slice(lay.reg_bits - 1, 0)));
    }
    dec.push(set(&h_ok, adr.ok(lay)));
    if let Some(hit) = &h_reg_hit {
        let idx = adr.index.e().slice(lay.reg_bits - 1, 0);
        dec.push(set(
            hit,
            Expr::concat(
                (0..1u64 << lay.reg_bits)
                    .rev()
                    .map(|i| idx.clone().eq(k(i, lay.reg_bits)))
                    .collect(),
            ),
        ));
    }
    for (i, gs) in group_sel.iter().enumerate() {
        // (wide: the lane field has at least 3 bits)
        if let Some(gs) = gs {
            dec.push(when(
                f_l.clone().slice(hlb - 1, 2).eq(k(i as u64, hlb - 2)),
                vec![set(gs, f_l.clone().slice(gs.ty.width - 1, 0))],
            ));
        }
    }
    dec.extend([
        set(
            &regs.lane,
            if hlb == 0 {
                Expr::zero(regs.lane.ty)
            } else {
                f_l.resize(regs.lane.ty.width)
            },
        ),
        set(
            &regs.g,
            if hgb == 0 {
                Expr::zero(Ty::u(gb))
            } else {
                f_g.clone().resize(gb)
            },
        ),
        set(
            &regs.waddr,
            wab_row
                + if hgb == 0 {
                    Expr::zero(Ty::u(wab))
                } else {
                    f_g.resize(wab)
                },
        ),
    ]);
    if let Some(x) = x {
        let row = if hrb == 0 {
            Expr::zero(Ty::u(1))
        } else {
            adr.index.e().slice(hrb - 1, 0)
        };
        let (xab, xpb) = (lay.xab, lay.xpb);
        let word = if xpb == 0 {
            row.clone().resize(xab)
        } else {
            row.clone().resize(hrb.max(1)).lsr(xpb).resize(xab)
        };
        // with delays: x between ticks is the history's slot (t - 1) mod D
        dec.push(set(
            &x.addr,
            match &x.base {
                Some(bs) => bs.clone() + word,
                None => word,
            },
        ));
        if xpb > 0 {
            dec.push(set(
                h_xfield.as_ref().unwrap(),
                row.resize(hrb.max(xpb)).slice(xpb - 1, 0),
            ));
        }
    }
    b.data(when(gate.fsm.is(HostState::Decode), dec));
    Decoded {
        we: h_we,
        adr: h_adr,
        dat: h_dat,
        sel: h_sel,
        ok: h_ok,
        isw: h_isw,
        isst: h_isst,
        isx: h_isx,
        isreg: h_isreg,
        reg: h_reg,
        reg_hit: h_reg_hit,
        group_sel,
        isd: h_isd,
        xfield: h_xfield,
        wait: h_wait,
        cnt: h_cnt,
    }
}

impl Decoded {
    /// The register index is `idx` (the one-hot bit in wide layers).
    fn reg_is(&self, idx: u64, reg_bits: u32) -> Expr {
        match (&self.reg_hit, &self.reg) {
            (Some(hit), _) => hit.e().bit_at(idx as u32),
            (None, Some(r)) => r.e().eq(k(idx, reg_bits)),
            (None, None) => unreachable!("a layer decodes its register index one way"),
        }
    }
}

/// `e` as a 32-bit word (sign-extended when signed).
fn to32(e: Expr) -> Expr {
    e.resize(32).as_unsigned()
}

/// A register loaded with `e` every cycle.
fn capture(b: &mut B, name: &str, e: Expr) -> Sig {
    let r = b.data_reg(name, e.ty);
    b.data(set(&r, e));
    r
}

impl Host<'_> {
    /// The read value (32-bit, sign-extended for signed fields): the lanes' read data selected by
    /// `h_lane` and captured, the x trace, the register file; then the second capture stage.
    fn read(&self, b: &mut B, lanes: &[LaneOut], cnt: &Counters) -> ReadData {
        let (lay, regs, x, d, seq) = (self.lay, self.regs, self.x, &self.d, self.seq);
        let (l, r) = (lay.l, lay.r);
        // the lanes' read data, selected by `h_lane` in a balanced tree of 2:1 multiplexers, one
        // level per select bit; with more than 4 lanes the first two levels (a 4:1 choice inside
        // each group of four lanes) end in registers, so the 16:1 choice of a wide state word is
        // two short paths instead of one long one (the host waits one cycle more, `h_wait`)
        let split = l > 4;
        let lane_bits = regs.lane.ty.width;
        let mux_levels =
            |items: Vec<Expr>, bits: std::ops::Range<u32>| mux_tree(&regs.lane.e(), items, bits);
        let lane_mux = |b: &mut B, name: &str, items: Vec<Expr>| -> Sig {
            let out = if split {
                // each group's 4:1 choice follows the group's own select register
                let groups: Vec<Expr> = items
                    .chunks(4)
                    .zip(&d.group_sel)
                    .enumerate()
                    .map(|(i, (c, gs))| {
                        let e = match gs {
                            Some(gs) => mux_tree(&gs.e(), c.to_vec(), 0..gs.ty.width),
                            None => c.to_vec(),
                        };
                        assert_eq!(e.len(), 1);
                        capture(b, &format!("{name}_g{i}"), e[0].clone()).e()
                    })
                    .collect();
                mux_levels(groups, 2..lane_bits)
            } else {
                mux_levels(items, 0..lay.host_lb)
            };
            assert_eq!(out.len(), 1);
            b.net(name, out.into_iter().next().unwrap())
        };
        let w_sel = lane_mux(
            b,
            "h_w_rdata",
            lanes.iter().map(|o| o.w_rdata.e()).collect(),
        );
        let st_sel = lane_mux(
            b,
            "h_st_rdata",
            lanes.iter().map(|o| o.st_rdata.e()).collect(),
        );
        // capture stage: the selected lane's read data (and the x word and register file read) are
        // registered one cycle before the response state uses them, so the lane multiplexer and the
        // response logic (field select, byte merge, write-back word) are separate clock-to-clock
        // paths; a second stage registers the selected value. The host waits two cycles more for
        // them (`h_wait`).
        let d_sel = d.isd.as_ref().map(|_| {
            let sel = lane_mux(
                b,
                "h_d_rdata",
                lanes
                    .iter()
                    .map(|o| o.d_rdata.clone().unwrap().e())
                    .collect(),
            );
            capture(b, "h_d_cap", sel.e())
        });
        // (one lane: no multiplexer, and the lane's read data is its memory's output register,
        // held while the access lasts; it is the capture stage, `h_wait` unchanged)
        let (w_sel, st_sel) = if l == 1 {
            (w_sel, st_sel)
        } else {
            (
                capture(b, "h_w_cap", w_sel.e()),
                capture(b, "h_st_cap", st_sel.e()),
            )
        };
        let st_word = StateWord::unpack(lay, &st_sel.e());
        let mut st_val = Expr::zero(Ty::u(32));
        for (rr, fe) in [
            (Region::V, Some(st_word.v.clone())),
            (Region::Ref, st_word.r.clone()),
            (Region::Theta, st_word.theta.clone()),
            (Region::Y, st_word.y.clone()),
            (Region::U, st_word.u.clone()),
        ] {
            if let Some(fe) = fe {
                st_val = Expr::mux(h_reg_region(&d.adr, lay, rr), to32(fe), st_val);
            }
        }
        // the x trace the host addresses is selected from the memory's word and captured (a wide
        // word holds one trace per lane); the raw word is captured too, for the write-back
        let x_val = match x {
            Some(x) => {
                let tb = lay.tb;
                let traces = (0..lay.arch.x_per_word as u32)
                    .map(|f| x.rdata.e().slice(f * tb + tb - 1, f * tb))
                    .collect();
                let v = match &d.xfield {
                    Some(xf) => mux_tree(&xf.e(), traces, 0..lay.xpb),
                    None => traces,
                };
                assert_eq!(v.len(), 1);
                capture(b, "h_xv_cap", to32(v[0].clone())).e()
            }
            None => Expr::zero(Ty::u(32)),
        };
        // (a word of one trace is written back whole: nothing of the read word is kept)
        let x_kept = x.map(|x| {
            if lay.xpb > 0 {
                capture(b, "h_x_cap", x.rdata.e())
            } else {
                x.rdata.clone()
            }
        });
        let mut reg_vals: Vec<(u64, Expr)> = vec![
            (regs::ID, k(regs::ID_VALUE, 32)),
            (regs::INPUTS, k(lay.inputs, 32)),
            (regs::NEURONS, k(lay.n, 32)),
            (regs::LANES, k(l, 32)),
            (regs::ROWS, k(r, 32)),
            (regs::CONTROL, seq.learn_en.e().resize(32)),
            (regs::STATUS, seq.is(Phase::Idle).resize(32)),
        ];
        // (a chained layer has none of these counters: the registers read 0)
        if let Some((lo, hi)) = &cnt.ticks {
            reg_vals.extend([(regs::TICK_LO, lo.e()), (regs::TICK_HI, hi.e())]);
        }
        if let Some((lo, hi)) = &cnt.cycles {
            reg_vals.extend([(regs::CYCLE_LO, lo.e()), (regs::CYCLE_HI, hi.e())]);
        }
        if let Some(d) = &cnt.dropped {
            reg_vals.push((regs::DROPPED, d.e()));
        }
        if let Some((_, last)) = &cnt.tick_cycles {
            reg_vals.push((regs::TICK_CYCLES, last.e()));
        }
        reg_vals.push((regs::LAST_SPIKES, cnt.prev_count.e().resize(32)));
        if let Some(t) = self.teach {
            reg_vals.extend([
                (regs::TEACH, t.mode.e().resize(32)),
                (regs::TEACH_DROPPED, t.dropped.e()),
            ]);
        }
        let mut reg_val = Expr::zero(Ty::u(32));
        if d.reg_hit.is_some() {
            // wide layers: an AND-OR of the registers under their one-hot select bits
            for (idx, v) in reg_vals {
                reg_val = reg_val.or(Expr::mux(
                    d.reg_is(idx, lay.reg_bits),
                    v,
                    Expr::zero(Ty::u(32)),
                ));
            }
        } else {
            for (idx, v) in reg_vals {
                reg_val = Expr::mux(d.reg_is(idx, lay.reg_bits), v, reg_val);
            }
        }
        let reg_val = capture(b, "h_reg_cap", reg_val).e();
        let mut value = Expr::mux(
            d.isw.e(),
            to32(w_sel.e()),
            Expr::mux(d.isst.e(), st_val, Expr::mux(d.isx.e(), x_val, reg_val)),
        );
        if let (Some(isd), Some(ds)) = (&d.isd, &d_sel) {
            value = Expr::mux(isd.e(), to32(ds.e()), value);
        }
        let value = Expr::mux(d.ok.e().not(), Expr::zero(Ty::u(32)), value);
        // second capture stage: the read value (field selected, sign-extended) is a register
        // too, the port's `wb_dat_r` itself: it takes the value in every read-state cycle and
        // holds it through the response and the acknowledge
        b.data(when(
            self.gate.fsm.is(HostState::Read),
            vec![set(&self.ports.wb_dat_r, value)],
        ));
        let value = self.ports.wb_dat_r.clone();
        ReadData {
            st_sel,
            value,
            x_kept,
        }
    }

    /// The response: the read word and the byte-merged write-back words (weight, state word, x
    /// word); returns "this is a write to a valid address" and, with delays, "the written delay
    /// is below D" (a larger value is not written).
    fn respond(&self, b: &mut B, rd: &ReadData) -> (Expr, Option<Expr>) {
        let (lay, gate, regs, x, d) = (self.lay, self.gate, self.regs, self.x, &self.d);
        // byte-select merge for writes
        let mask = Expr::concat(
            (0..4)
                .rev()
                .map(|i| Expr::concat(vec![d.sel.e().bit_at(i); 8]))
                .collect(),
        );
        let merged = b.net(
            "h_merged",
            rd.value.e().and(mask.clone().not()).or(d.dat.e().and(mask)),
        );
        b.m.partly_unused(
            &merged,
            "a field write uses the low bits of the merged word",
        );
        let new_st = {
            let mut w = StateWord::unpack(lay, &rd.st_sel.e());
            let put = |f: Field| -> Expr {
                let e = merged.e().slice(f.width - 1, 0);
                if f.signed { e.as_signed() } else { e }
            };
            let reg_is = |rr: Region| h_reg_region(&d.adr, lay, rr);
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
            if let (Some(f), Some(cur)) = (lay.f_u, w.u.clone()) {
                w.u = Some(Expr::mux(reg_is(Region::U), put(f), cur));
            }
            w.pack()
        };
        let do_write = d.we.e().and(d.ok.e());
        let mut resp = vec![
            set(&regs.wdata, {
                let e = merged.e().slice(lay.w_ty.width - 1, 0);
                if lay.w_ty.signed { e.as_signed() } else { e }
            }),
            set(&regs.stdata, new_st),
        ];
        if let (Some(x), Some(xdata)) = (x, &rd.x_kept) {
            let tb = lay.tb;
            let mut parts = Vec::new();
            for f in (0..lay.arch.x_per_word as u32).rev() {
                let cur = xdata.e().slice(f * tb + tb - 1, f * tb);
                let hit = if lay.xpb == 0 {
                    Expr::bit(true)
                } else {
                    d.xfield.as_ref().unwrap().e().eq(k(f as u64, lay.xpb))
                };
                parts.push(Expr::mux(hit, merged.e().slice(tb - 1, 0), cur));
            }
            resp.push(set(&x.word, Expr::concat(parts)));
        }
        let d_ok = regs.ddata.as_ref().map(|dd| {
            resp.push(set(dd, merged.e().slice(lay.db - 1, 0)));
            merged.e().lt(k(lay.delay, 32))
        });
        b.data(when(gate.fsm.is(HostState::Resp), resp));
        (do_write, d_ok)
    }

    /// The host state machine, the memory write enables and the CONTROL and COMMAND writes.
    fn transactions(&self, b: &mut B, do_write: Expr, d_ok: Option<Expr>) {
        let (lay, ports, gate, regs, x, d, seq) = (
            self.lay, self.ports, self.gate, self.regs, self.x, &self.d, self.seq,
        );
        let fsm = &gate.fsm;
        let cw_rl = d.cnt.ty.width;
        // cycles the Write state waits after the strobes before acknowledging
        let write_wait = lay.arch.bcast_stages - 1;
        let reg_write = |idx: u64| {
            do_write
                .clone()
                .and(d.isreg.e())
                .and(d.reg_is(idx, lay.reg_bits))
        };
        let mut h_x_we_set = Vec::new();
        if let Some(x) = x {
            h_x_we_set.push(set(&x.we, do_write.clone().and(d.isx.e())));
        }
        // the acknowledge: a register reset by `rst`, shown only while the master holds
        // `wb_cyc` (an aborted access is never acknowledged, not even in the cycle the master
        // drops `wb_cyc`)
        let h_ack = b.ctl_reg("h_ack", Ty::BIT, 0);
        b.m.assign(&ports.wb_ack, h_ack.e().and(ports.wb_cyc.e()));
        let mut clear_writes = vec![
            set(&regs.wr_w, Expr::bit(false)),
            set(&regs.wr_st, Expr::bit(false)),
            set(&h_ack, Expr::bit(false)),
        ];
        if let Some(x) = x {
            clear_writes.push(set(&x.we, Expr::bit(false)));
        }
        if let Some(wr_d) = &regs.wr_d {
            clear_writes.push(set(wr_d, Expr::bit(false)));
        }
        let mut resp_ctl = vec![if_else(
            d.we.e(),
            {
                let mut v = vec![
                    fsm.goto(HostState::Write),
                    set(&regs.wr_w, do_write.clone().and(d.isw.e())),
                    set(&regs.wr_st, do_write.clone().and(d.isst.e())),
                ];
                if write_wait > 0 {
                    v.push(set(&d.cnt, Expr::zero(d.cnt.ty)));
                }
                v.extend(h_x_we_set);
                if let (Some(wr_d), Some(isd), Some(ok)) = (&regs.wr_d, &d.isd, d_ok) {
                    v.push(set(wr_d, do_write.clone().and(isd.e()).and(ok)));
                }
                v
            },
            vec![fsm.goto(HostState::Idle), set(&h_ack, Expr::bit(true))],
        )];
        resp_ctl.push(when(
            reg_write(regs::CONTROL).and(d.sel.e().bit_at(0)),
            vec![set(&seq.learn_en, d.dat.e().bit_at(0))],
        ));
        if let Some(t) = self.teach {
            resp_ctl.push(when(
                reg_write(regs::TEACH).and(d.sel.e().bit_at(0)),
                vec![set(&t.mode, d.dat.e().bit_at(0))],
            ));
        }
        resp_ctl.push(when(
            reg_write(regs::COMMAND).and(d.sel.e().bit_at(0)),
            vec![
                set(&gate.cmd_clear, d.dat.e().bit_at(0)),
                set(
                    &gate.cmd_norm,
                    d.dat
                        .e()
                        .bit_at(1)
                        .and(d.dat.e().bit_at(0).not())
                        .and(Expr::bit(lay.scaling)),
                ),
            ],
        ));
        // a master that drops `wb_cyc` abandons its access: back to idle with no acknowledge;
        // a write takes effect only when `wb_cyc` is still high in its response cycle (Resp)
        let h_abort = gate.idle.e().not().and(ports.wb_cyc.e().not());
        let mut abort = clear_writes.clone();
        abort.push(fsm.goto(HostState::Idle));
        let h_case = fsm.switch(
            vec![
                (HostState::Idle, {
                    let mut v = clear_writes.clone();
                    v.push(when(gate.accept.e(), vec![fsm.goto(HostState::Decode)]));
                    v
                }),
                (
                    HostState::Decode,
                    vec![fsm.goto(HostState::Read), set(&d.cnt, Expr::zero(d.cnt.ty))],
                ),
                (
                    HostState::Read,
                    vec![if_else(
                        d.cnt.e().eq(k(d.wait, cw_rl)),
                        vec![fsm.goto(HostState::Resp)],
                        vec![set(&d.cnt, d.cnt.e().inc())],
                    )],
                ),
                (HostState::Resp, resp_ctl),
            ],
            {
                // HostState::Write: the lanes' write strobes leave this cycle; acknowledge once
                // the write has landed (`bcast_stages` - 1 more cycles), so that nothing the
                // master does after the acknowledge (a reset) can overtake it
                let mut v = clear_writes.clone();
                v[2] = set(&h_ack, Expr::bit(true));
                v.push(fsm.goto(HostState::Idle));
                if write_wait == 0 {
                    v
                } else {
                    let mut wait = clear_writes;
                    wait.push(set(&d.cnt, d.cnt.e().inc()));
                    vec![if_else(d.cnt.e().eq(k(write_wait, cw_rl)), v, wait)]
                }
            },
        );
        b.ctl(if_else(h_abort, abort, vec![h_case]));
    }
}

/// A balanced tree of 2:1 multiplexers over `items`, one level per bit of `sel` in `bits` (item
/// `i` is chosen when those bits of `sel` spell `i`); returns what is left after those levels
/// (one item when the bits cover all of them, else one per group).
pub(super) fn mux_tree(sel: &Expr, mut items: Vec<Expr>, bits: std::ops::Range<u32>) -> Vec<Expr> {
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
