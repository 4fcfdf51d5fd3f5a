//! The synaptic-scaling sequencer: per group, the lanes sum their columns (one row per cycle),
//! the shared divider computes `target * 2^16 / sum` for each lane in turn, then every weight of
//! the group is multiplied by its lane's reciprocal and clamped.
//!
//! Key decision: one sequential divider for all lanes (`Arch::div_bits` cycles per lane); its
//! quotient is broadcast and each lane loads it when its turn's quotient is ready.

use super::lanes::LaneOut;
use super::sequencer::{Phase, Sequencer};
use super::{cw, k, k_wrap};
use crate::array::build::{B, Fsm};
use crate::array::layout::Layout;
use crate::fsm_states;
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

fsm_states! {
    /// Steps of one group's scaling (the `ss` register's values).
    pub enum ScaleState {
        /// Issue the column sums, one row per cycle.
        Sum = 0,
        /// Wait for the last sum.
        SumWait = 1,
        /// Divide, one lane after the other.
        Divide = 2,
        /// Issue the multiplies, one row per cycle (per two in pair mode).
        Multiply = 3,
        /// Wait for the last write, then the next group.
        MulWait = 4,
    }
}

/// The scaling sequencer's registers (when scaling hardware exists).
pub(super) struct ScaleSeq {
    pub fsm: Fsm<ScaleState>,
    /// Group.
    pub sg: Sig,
    /// Row.
    pub sj: Sig,
    /// Wait counter.
    pub swt: Sig,
    /// Lane whose sum the divider takes next.
    pub sl: Sig,
    /// Divider cycle counter.
    pub dc: Sig,
    /// Weight address of the issued operation.
    pub saddr: Sig,
    /// A sum operation is issued.
    pub issue_sum: Sig,
    /// A multiply operation is issued.
    pub issue_mul: Sig,
    /// Last row.
    pub last_j: Sig,
    /// The divider starts.
    pub dstart: Sig,
    /// A quotient is ready: lane `sl - 1` loads it.
    pub dload: Sig,
}

/// The scaling component.
pub(super) struct Scaling {
    /// In the scaling phase.
    pub in_scale: Expr,
    /// The phase runs for the host's *normalize* command (then returns to idle).
    pub scale_host: Sig,
    /// Pair mode: the cycle after a multiply's issue.
    sodd: Option<Sig>,
    /// The sequencer.
    pub sc: Option<ScaleSeq>,
}

impl Scaling {
    pub fn declare(b: &mut B, lay: &Layout, seq: &Sequencer) -> Scaling {
        let (l, r, rb, rl) = (lay.l, lay.r, lay.rb, lay.rl);
        let a = &lay.arch;
        let in_scale = seq.is(Phase::Scale);
        let qb = a.div_bits;
        let scale_host = b.ctl_reg("scale_host", Ty::BIT, 0);
        // pair mode: one multiply per two cycles (read, then write, of a word)
        let sodd = (lay.scaling && lay.pair).then(|| b.ctl_reg("sodd", Ty::BIT, 0));
        let sc = lay.scaling.then(|| {
            let fsm = b.fsm("ss", ScaleState::Sum);
            let sg = b.ctl_reg("sg", Ty::u(lay.gb), 0);
            let sj = b.ctl_reg("sj", Ty::u(rb), 0);
            let swt = b.ctl_reg("swait", Ty::u(cw(rl + 2 + a.bcast_stages)), 0);
            let sl = b.ctl_reg("sl", Ty::u(cw(l)), 0);
            let dc = b.ctl_reg("dc", Ty::u(cw(qb)), 0);
            let saddr = b.data_reg("saddr", Ty::u(lay.wab));
            let issue_sum = b.net(
                "sc_sum_issue",
                in_scale.clone().and(fsm.is(ScaleState::Sum)),
            );
            let in_mul = in_scale.clone().and(fsm.is(ScaleState::Multiply));
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
                    .and(fsm.is(ScaleState::Divide))
                    .and(dc.e().eq(k(0, dc.ty.width)))
                    .and(sl.e().lt(k(l, sl.ty.width))),
            );
            let dload = b.net(
                "div_load",
                in_scale
                    .clone()
                    .and(fsm.is(ScaleState::Divide))
                    .and(dc.e().eq(k(0, dc.ty.width)))
                    .and(sl.e().ne(k(0, sl.ty.width))),
            );
            ScaleSeq {
                fsm,
                sg,
                sj,
                swt,
                sl,
                dc,
                saddr,
                issue_sum,
                issue_mul,
                last_j,
                dstart,
                dload,
            }
        });
        Scaling {
            in_scale,
            scale_host,
            sodd,
            sc,
        }
    }

    /// The divider over the lanes' sums (its quotient patched into the lanes' `sc_recip`), the
    /// sequencer's transitions and address; returns "scaling is done".
    pub fn drive(&self, b: &mut B, lay: &Layout, lanes: &[LaneOut]) -> Expr {
        let Some(sc) = &self.sc else {
            return Expr::bit(false);
        };
        let sl = &sc.sl;
        let dw = lay.sum_ty.width - 1;
        if lay.l == 1 {
            // no lane multiplexer reads the sign bit (the lane skips a sum that is not positive)
            b.m.partly_unused(
                lanes[0].sum.as_ref().unwrap(),
                "the divisor is the sum without its sign bit",
            );
        }
        let mut sel_sum = lanes[0].sum.as_ref().unwrap().e();
        for (lane, o) in lanes.iter().enumerate().skip(1) {
            sel_sum = Expr::mux(
                sl.e().eq(k(lane as u64, sl.ty.width)),
                o.sum.as_ref().unwrap().e(),
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
                ("start".into(), sc.dstart.e()),
                ("divisor".into(), divisor.e()),
                ("quot".into(), quot.e()),
            ],
        });
        // the reciprocal goes to every lane (declared after them: patched into their instances)
        for o in lanes {
            for (pname, e) in b.m.instances[o.instance].conns.iter_mut() {
                if pname == "sc_recip" {
                    *e = quot.e();
                }
            }
        }
        let last_g = b.net("sc_last_g", sc.sg.e().eq(k(lay.g - 1, lay.gb)));
        let swt_w = sc.swt.ty.width;
        let drain = lay.rl + 1 + lay.arch.bcast_stages;
        let scale_done = b.net(
            "scale_done",
            self.in_scale
                .clone()
                .and(sc.fsm.is(ScaleState::MulWait))
                .and(sc.swt.e().eq(k(drain, swt_w)))
                .and(last_g.e()),
        );
        self.transitions(b, lay, sc);
        scale_done.e()
    }

    /// The scaling state machine and the weight address of the issued operation.
    fn transitions(&self, b: &mut B, lay: &Layout, sc: &ScaleSeq) {
        let (l, g, wab, rl) = (lay.l, lay.g, lay.wab, lay.rl);
        let a = &lay.arch;
        let qb = a.div_bits;
        let ScaleSeq {
            fsm,
            sg,
            sj,
            swt,
            sl,
            dc,
            saddr,
            ..
        } = sc;
        let (swt_w, dcw, slw) = (swt.ty.width, dc.ty.width, sl.ty.width);
        // the row sweep of the sum and multiply steps: the next row, or row 0 and `then`
        let rows = |then: ScaleState| {
            vec![if_else(
                sc.last_j.e(),
                vec![
                    set(sj, Expr::zero(sj.ty)),
                    fsm.goto(then),
                    set(swt, Expr::zero(swt.ty)),
                ],
                vec![set(sj, sj.e().inc())],
            )]
        };
        b.ctl(when(
            self.in_scale.clone(),
            vec![fsm.switch(
                vec![
                    (ScaleState::Sum, rows(ScaleState::SumWait)),
                    (
                        ScaleState::SumWait,
                        vec![if_else(
                            swt.e().eq(k(rl - 1 + a.bcast_stages, swt_w)),
                            vec![
                                fsm.goto(ScaleState::Divide),
                                set(dc, Expr::zero(dc.ty)),
                                set(sl, Expr::zero(sl.ty)),
                            ],
                            vec![set(swt, swt.e().inc())],
                        )],
                    ),
                    (
                        ScaleState::Divide,
                        vec![if_else(
                            dc.e().eq(k(0, dcw)).and(sl.e().eq(k(l, slw))),
                            vec![fsm.goto(ScaleState::Multiply)],
                            vec![if_else(
                                dc.e().eq(k(qb, dcw)),
                                vec![set(dc, Expr::zero(dc.ty)), set(sl, sl.e().inc())],
                                vec![set(dc, dc.e().inc())],
                            )],
                        )],
                    ),
                    (
                        ScaleState::Multiply,
                        vec![when(
                            // in pair mode rows advance on the cycle after each issue
                            match &self.sodd {
                                Some(o) => o.e(),
                                None => Expr::bit(true),
                            },
                            rows(ScaleState::MulWait),
                        )],
                    ),
                ],
                // MulWait
                vec![if_else(
                    swt.e().eq(k(rl + 1 + a.bcast_stages, swt_w)),
                    vec![fsm.goto(ScaleState::Sum), set(sg, sg.e().inc())],
                    vec![set(swt, swt.e().inc())],
                )],
            )],
        ));
        // weight address of the op issued this cycle: row 0 of the sweep's group, + G per row
        let issuing = sc.issue_sum.e().or(sc.issue_mul.e());
        let next_group = Expr::mux(fsm.is(ScaleState::MulWait), sg.e().inc(), sg.e()).resize(wab);
        b.data(set(
            saddr,
            Expr::mux(
                self.in_scale.clone(),
                Expr::mux(
                    issuing,
                    saddr.e() + k_wrap(g, wab),
                    Expr::mux(fsm.is(ScaleState::Multiply), saddr.e(), next_group),
                ),
                Expr::zero(Ty::u(wab)),
            ),
        ));
        b.ctl(when(
            self.in_scale.clone().not(),
            vec![
                fsm.goto(ScaleState::Sum),
                set(sg, Expr::zero(sg.ty)),
                set(sj, Expr::zero(sj.ty)),
            ],
        ));
    }
}
