//! The lane instances: every operation the top broadcasts goes to each lane's ports, and each
//! lane's read data, spike, spike counts and column sum come back as wires.

use super::delays::DelayTop;
use super::events::EventIssuer;
use super::host::LaneRegs;
use super::k;
use super::output::Output;
use super::scaling::Scaling;
use super::sequencer::{Sequencer, Sweeps};
use super::spikes::NeuronPhase;
use super::teacher::Teacher;
use super::traces::{LtpStep, Potentiation};
use crate::array::build::{B, Ram};
use crate::array::layout::Layout;
use crate::ir::*;

/// What the top drives into the lanes, by component.
pub(super) struct LaneDrive<'a> {
    pub seq: &'a Sequencer,
    pub sweeps: &'a Sweeps,
    pub ev: &'a EventIssuer,
    pub neuron: &'a NeuronPhase,
    /// Potentiation, and its step (without delays: with delays the lanes compute it).
    pub ltp: Option<(&'a Potentiation, Option<&'a LtpStep>)>,
    pub scale: &'a Scaling,
    pub out: &'a Output,
    pub host: &'a LaneRegs,
    /// `cuba` parameters (the per-neuron biases).
    pub cuba: Option<&'a golden::config::CubaConfig>,
    /// Teach mode and the forced neurons (teach hardware).
    pub teach: Option<&'a Teacher>,
    /// Synaptic delays: the slots and the ring's clear.
    pub dl: Option<&'a DelayTop>,
    /// The x memory, whose writes the lanes copy into their trace history (delays).
    pub x: Option<&'a Ram>,
}

/// One lane's outputs.
pub(super) struct LaneOut {
    /// Index of the lane's instance in the top module.
    pub instance: usize,
    /// Host read data: the delay (delays).
    pub d_rdata: Option<Sig>,
    /// Host read data: the weight.
    pub w_rdata: Sig,
    /// Host read data: the state word.
    pub st_rdata: Sig,
    /// Spike of the neuron at the write stage (registered in the lane).
    pub spike: Sig,
    /// Spike count and count - 1 (STDP).
    pub cnt: Option<(Sig, Sig)>,
    /// Column sum (scaling).
    pub sum: Option<Sig>,
}

/// Instantiate lane `k` as `lane_modules[k]` (`u_lane{k}`).
pub(super) fn instantiate(
    b: &mut B,
    lay: &Layout,
    init_prefix: &str,
    lane_modules: &[String],
    d: &LaneDrive,
) -> Vec<LaneOut> {
    let (gb, rb) = (lay.gb, lay.rb);
    let stdp = lay.f_y.is_some();
    let h = d.host;
    let h_lane_bits = h.lane.ty.width;
    let mut lane_out = Vec::new();
    for (lane, module) in (0..lay.l).zip(lane_modules) {
        let d_rdata =
            d.dl.map(|_| b.m.wire(&format!("l{lane}_d_rdata"), Ty::u(lay.db)));
        let w_rdata = b.m.wire(&format!("l{lane}_w_rdata"), lay.w_ty);
        let st_rdata = b.m.wire(&format!("l{lane}_st_rdata"), Ty::u(lay.st_width));
        let spike = b.m.wire(&format!("l{lane}_spike"), Ty::BIT);
        let cnt = stdp.then(|| {
            (
                b.m.wire(&format!("l{lane}_cnt"), Ty::u(gb + 1)),
                b.m.wire(&format!("l{lane}_cnt_m1"), Ty::u(gb + 1)),
            )
        });
        let sum = lay
            .scaling
            .then(|| b.m.wire(&format!("l{lane}_sum"), lay.sum_ty));
        let this_lane = h.lane.e().eq(k(lane, h_lane_bits));
        let mut conns: Vec<(String, Expr)> = vec![
            ("clk".into(), b.clk.e()),
            ("rst".into(), b.rst.e()),
            ("learn".into(), d.seq.learn.e()),
            ("ev_valid".into(), d.ev.ev_valid.e()),
            ("ev_waddr".into(), d.ev.iss_addr.e()),
            ("ev_g".into(), d.ev.iss_g.e()),
            ("nu_valid".into(), d.neuron.nu_valid.e()),
            ("nu_g".into(), d.sweeps.pc_g.clone()),
        ];
        if lay.bias_per_neuron {
            // cuba: this lane's neuron biases, a constant table indexed by the group
            let c = d.cuba.expect("bias_per_neuron is cuba");
            let table = (0..lay.g)
                .map(|g| Expr::sconst(c.bias((g * lay.l + lane) as usize) as i128, 20))
                .collect();
            let bias = super::host::mux_tree(&d.sweeps.pc_g, table, 0..gb);
            conns.push(("nu_bias".into(), bias[0].clone()));
        }
        if let Some(it) = &d.out.inh_total {
            conns.push(("inh_total".into(), it.e()));
        }
        if let Some(t) = d.teach {
            // the neuron phase issues group g while the mask's low L bits are group g's
            conns.push(("teach".into(), t.mode.e()));
            conns.push(("nu_forced".into(), t.mask.e().bit_at(lane as u32)));
        }
        if stdp {
            conns.push(("nu_start".into(), d.neuron.nu_start.e()));
        }
        conns.extend([
            ("st_valid".into(), d.sweeps.lane_st_valid.e()),
            ("st_g".into(), d.sweeps.pc_g.clone()),
            ("st_zero".into(), d.sweeps.in_sweep.clone()),
        ]);
        if let Some(kt) = &d.seq.sweep_keep_theta {
            conns.push(("st_keep_theta".into(), kt.e()));
        }
        if let Some((ltp, step)) = d.ltp {
            conns.extend([
                ("ltp_k".into(), ltp.lk.e().resize(gb)),
                ("ltp_go".into(), ltp.go.clone()),
                ("ltp_kd".into(), ltp.kd.clone()),
                ("ltp_base".into(), ltp.base_d.clone()),
            ]);
            if let Some(step) = step {
                conns.extend([
                    ("ltp_dx".into(), step.dx.e()),
                    ("ltp_lo".into(), step.lo.e()),
                    ("ltp_hi".into(), step.hi.e()),
                ]);
            }
        }
        if let Some(sc) = &d.scale.sc {
            conns.extend([
                ("sc_sum".into(), sc.issue_sum.e()),
                ("sc_first".into(), sc.sj.e().eq(k(0, rb))),
                ("sc_mul".into(), sc.issue_mul.e()),
                ("sc_waddr".into(), sc.saddr.e()),
                (
                    "sc_load".into(),
                    sc.dload.e().and(sc.sl.e().eq(k(lane + 1, sc.sl.ty.width))),
                ),
                // the divider's quotient, declared after the lanes (`Scaling::drive`)
                ("sc_recip".into(), Expr::zero(Ty::u(32))),
            ]);
        }
        conns.extend([
            ("h_wr_w".into(), h.wr_w.e().and(this_lane.clone())),
            ("h_waddr".into(), h.waddr.e()),
            ("h_wdata".into(), h.wdata.e()),
            ("h_wr_st".into(), h.wr_st.e().and(this_lane.clone())),
            ("h_g".into(), h.g.e()),
            ("h_stdata".into(), h.stdata.e()),
        ]);
        if let Some(dl) = d.dl {
            conns.extend([
                ("slot".into(), dl.slot.e()),
                ("ring_clr".into(), dl.ring_clr.e()),
                ("ring_a".into(), dl.ring_a.clone()),
            ]);
            if let Some(x) = d.x {
                conns.extend([
                    ("xh_we".into(), x.we.e()),
                    ("xh_addr".into(), x.waddr.e()),
                    ("xh_data".into(), x.wdata.e()),
                ]);
            }
            if let Some(row) = d.ltp.and_then(|(l, _)| l.row_d.clone()) {
                conns.push(("ltp_row".into(), row));
            }
            let (wr_d, ddata) = (h.wr_d.as_ref().unwrap(), h.ddata.as_ref().unwrap());
            conns.extend([
                ("h_wr_d".into(), wr_d.e().and(this_lane)),
                ("h_ddata".into(), ddata.e()),
                ("d_rdata".into(), d_rdata.as_ref().unwrap().e()),
            ]);
        }
        conns.extend([
            ("w_rdata".into(), w_rdata.e()),
            ("st_rdata".into(), st_rdata.e()),
            ("nu_spike".into(), spike.e()),
        ]);
        if let Some((c, c1)) = &cnt {
            conns.push(("nu_cnt".into(), c.e()));
            conns.push(("nu_cnt_m1".into(), c1.e()));
        }
        if let Some(su) = &sum {
            conns.push(("sum".into(), su.e()));
        }
        let instance = b.m.instances.len();
        b.m.instance(Instance {
            module: module.clone(),
            name: format!("u_lane{lane}"),
            params: if lay.pair {
                Vec::new() // single-port weights cannot be preloaded: the host writes them
            } else if lay.delay > 0 {
                vec![
                    (
                        "W_INIT".into(),
                        ParamValue::Str(format!("{init_prefix}{}_w{lane}.hex", lay.name)),
                    ),
                    (
                        "D_INIT".into(),
                        ParamValue::Str(format!("{init_prefix}{}_d{lane}.hex", lay.name)),
                    ),
                ]
            } else {
                vec![(
                    "W_INIT".into(),
                    ParamValue::Str(format!("{init_prefix}{}_w{lane}.hex", lay.name)),
                )]
            },
            conns,
        });
        lane_out.push(LaneOut {
            instance,
            d_rdata,
            w_rdata,
            st_rdata,
            spike,
            cnt,
            sum,
        });
    }
    lane_out
}
