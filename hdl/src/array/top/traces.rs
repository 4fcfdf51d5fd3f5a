//! The presynaptic traces and the potentiation sequencer: the x memory (traces packed
//! `x_per_word` per word) with its read-modify-write pipeline (event increment, decay sweep,
//! clear sweep, host writes), and the sequencer that walks rows j and list entries k for
//! potentiation, reading x[j] and precomputing the step and its clamp thresholds for the lanes.
//!
//! Key decision: the step `(x[j] >> ltp_shift) - ltp_offset` and the thresholds `w_min - dx`,
//! `w_max - dx` are computed once here and broadcast, so a lane's potentiation is one add and
//! two compares.

use super::TopMems;
use super::events::EventIssuer;
use super::sequencer::{Phase, Sequencer, Sweeps};
use super::spikes::NeuronPhase;
use super::{k, k_wrap};
use crate::array::build::{B, any, mul_const, onehot, write_port};
use crate::array::lane::{dx_width, ltp_thr_width};
use crate::array::layout::{Layout, Params};
use crate::array::ops;
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

/// The potentiation sequencer (STDP only).
pub(super) struct Potentiation {
    /// Row.
    pub lj: Sig,
    /// List entry.
    pub lk: Sig,
    /// Weight address of row j's group 0.
    pub lbase: Sig,
    /// The last (row, entry) pair has issued.
    pub ldone: Sig,
    /// A (row, entry) pair reads x[j] and the lanes' lists this cycle.
    pub pre: Sig,
    /// `pre` delayed to the lanes' S0.
    pub go: Expr,
    /// `lk` delayed to the lanes' S0.
    pub kd: Expr,
    /// `lbase` delayed to the lanes' S0.
    pub base_d: Expr,
    /// Which trace of the x word is row j's, delayed to the read data.
    j_d: Expr,
    /// With delays: the row, delayed to the lanes' S0 (each lane reads its trace history).
    pub row_d: Option<Expr>,
}

/// The potentiation step and its clamp thresholds, registered, for the lanes.
pub(super) struct LtpStep {
    pub dx: Sig,
    pub lo: Sig,
    pub hi: Sig,
}

/// The x memory's signals the host port uses.
pub(super) struct XHost {
    /// Word address of a host access.
    pub addr: Sig,
    /// Host write enable.
    pub we: Sig,
    /// Host write word.
    pub word: Sig,
    /// The memory's read data.
    pub rdata: Sig,
    /// With delays: the word address of slot `(t - 1) mod D`, added to the host's address.
    pub base: Option<Expr>,
}

/// What the trace pipeline offers.
pub(super) struct Traces {
    pub host: Option<XHost>,
    pub ltp_step: Option<LtpStep>,
}

impl Potentiation {
    pub fn declare(
        b: &mut B,
        lay: &Layout,
        p: &Params,
        seq: &Sequencer,
        neuron: &NeuronPhase,
    ) -> Option<Potentiation> {
        let (g, r, rb, gb, wab, rl) = (lay.g, lay.r, lay.rb, lay.gb, lay.wab, lay.rl);
        let in_ltp = seq.is(Phase::Ltp);
        let maxc = neuron.maxc.as_ref()?;
        let lj = b.ctl_reg("lj", Ty::u(rb), 0);
        let lk = b.ctl_reg("lk", Ty::u(gb + 1), 0);
        let lbase = b.data_reg("lbase", Ty::u(wab));
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
        // lk == maxc - 1 (the row's last entry), registered from the next values of both (reset:
        // 0 against the tree's reset counts, never equal), so the loop's enables start at a
        // flip-flop
        let last_k = b.ctl_reg("ltp_last_k", Ty::BIT, 0);
        let lk_next = b.net(
            "lk_next",
            Expr::mux(
                pre.e(),
                Expr::mux(last_k.e(), Expr::zero(lk.ty), lk.e().inc()),
                lk.e(),
            ),
        );
        b.ctl(set(&lk, lk_next.e()));
        b.ctl(set(&last_k, lk_next.e().eq(maxc.1.e())));
        let last = b.net("ltp_last", last_k.e().and(lj.e().eq(k(r - 1, rb))));
        b.ctl(when(pre.e().and(last_k.e()), vec![set(&lj, lj.e().inc())]));
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
        let row_d = (lay.delay > 0).then(|| b.delayed("ltp_row", lj.e(), rl));
        // the trace's field is selected only when the step depends on the trace
        let j_d = if lay.delay == 0 && lay.xpb > 0 && p.stdp.ltp_shift < lay.tb {
            b.delayed(
                "ltp_jlow",
                lj.e().resize(rb.max(lay.xpb)).slice(lay.xpb - 1, 0),
                rl,
            )
        } else {
            Expr::zero(Ty::u(lay.xpb.max(1)))
        };
        Some(Potentiation {
            lj,
            lk,
            lbase,
            ldone,
            pre,
            go,
            kd,
            base_d,
            j_d,
            row_d,
        })
    }
}

impl Traces {
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        b: &mut B,
        lay: &Layout,
        p: &Params,
        seq: &Sequencer,
        sweeps: &Sweeps,
        ev: &EventIssuer,
        mems: &TopMems,
        ltp: Option<&Potentiation>,
        dl: Option<&super::delays::DelayTop>,
    ) -> Traces {
        let (Some(xr), Some(ev_row)) = (&mems.x, &ev.ev_row) else {
            return Traces {
                host: None,
                ltp_step: None,
            };
        };
        let a = &lay.arch;
        let (rb, rl) = (lay.rb, lay.rl);
        let xab = lay.xab;
        let xaty = Ty::u(xab);
        let xpb = lay.xpb;
        let xw = xr.wdata.ty;
        let pc = &seq.pc;
        let row_word = |row: Expr| {
            if xpb == 0 {
                row.resize(xab)
            } else {
                row.lsr(xpb).resize(xab)
            }
        };
        // with delays: slot t's words (written by this tick) and slot t-1's (read by the decay
        // and the host)
        let xbase = dl.map(|d| mul_const(d.slot.e(), a.x_words, xab));
        let xbase_p = dl.map(|d| mul_const(d.slot_p.e(), a.x_words, xab));
        let at = |base: &Option<Expr>, e: Expr| match base {
            Some(bs) => bs.clone() + e,
            None => e,
        };
        let ev_xop = b.net(
            "ev_xop",
            ev.in_events.clone().and(ev.ev_first.as_ref().unwrap().e()),
        );
        let dec_xop = b.net(
            "decay_xop",
            if sweeps.x_decays {
                sweeps.decay_issue.clone().and(seq.pc_lt(a.x_words))
            } else {
                Expr::bit(false)
            },
        );
        let mut rcases = vec![
            (ev_xop.e(), at(&xbase, row_word(ev_row.e()))),
            (dec_xop.e(), at(&xbase_p, pc.e().resize(xab))),
        ];
        if let Some(ltp) = ltp.filter(|_| dl.is_none()) {
            rcases.push((ltp.pre.e(), row_word(ltp.lj.e())));
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
        // the word written: the word read, but for the decay with delays (read slot t-1,
        // write slot t)
        let xo_addr = b.delayed(
            "xo_addr",
            at(
                &xbase,
                Expr::mux(ev_xop.e(), row_word(ev_row.e()), pc.e().resize(xab)),
            ),
            rl,
        );
        let xo_rd = match &xbase_p {
            Some(bp) => b.delayed(
                "xo_rd",
                Expr::mux(
                    ev_xop.e(),
                    at(&xbase, row_word(ev_row.e())),
                    bp.clone() + pc.e().resize(xab),
                ),
                rl,
            ),
            None => xo_addr.clone(),
        };
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
                let m = b.net(&format!("fwd_x{}", j + 1), hv.and(ha.eq(xo_rd.clone())));
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
            let inc = ops::sat_inc(cur.clone(), p.stdp.pre_inc);
            let dec = ops::decay(cur.clone(), p.stdp.pre_decay_shift);
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
            sweeps
                .sweep_issue
                .e()
                .and(seq.pc_lt(a.x_words * lay.delay.max(1))),
        );
        let sweep_x_addr = b.reg("sweep_x_addr", pc.e().resize(xab));
        let wcases = [
            (xw_v.e(), xw_addr.e(), xw_word.e()),
            (sweep_x.e(), sweep_x_addr.e(), Expr::zero(xw)),
            (h_x_we.e(), h_xaddr.e(), h_x_word.e()),
        ];
        write_port(b, xr, &wcases);
        let ltp_step = ltp
            .filter(|_| dl.is_none())
            .map(|ltp| Self::ltp_step(b, lay, p, &xr.rdata, &ltp.j_d));
        Traces {
            host: Some(XHost {
                addr: h_xaddr,
                we: h_x_we,
                word: h_x_word,
                rdata: xr.rdata.clone(),
                base: xbase_p,
            }),
            ltp_step,
        }
    }

    /// The potentiation step from the x word read at pre-issue, and its clamp thresholds:
    /// `w + dx < w_min` iff `w < w_min - dx`.
    fn ltp_step(b: &mut B, lay: &Layout, p: &Params, xdata: &Sig, j_d: &Expr) -> LtpStep {
        let (tb, xpb) = (lay.tb, lay.xpb);
        let per = lay.arch.x_per_word as u32;
        let dxw = dx_width(lay, p);
        let field = if xpb == 0 {
            xdata.e()
        } else {
            let sel = j_d.clone();
            let mut v = xdata.e().slice(tb - 1, 0);
            for f in 1..per {
                v = Expr::mux(
                    sel.clone().eq(k(f as u64, xpb)),
                    xdata.e().slice(f * tb + tb - 1, f * tb),
                    v,
                );
            }
            v
        };
        let (ltp_shift, ltp_offset) = (p.stdp.ltp_shift, p.stdp.ltp_offset);
        let kept = tb.saturating_sub(ltp_shift).max(1);
        let step = field.lsr(ltp_shift).trunc(kept).to_signed_wide().ext(dxw)
            - Expr::sconst(ltp_offset as i128, dxw);
        let dx = b.reg("ltp_dx_r", step);
        let thw = ltp_thr_width(lay, p);
        let lo = b.reg(
            "ltp_lo_r",
            Expr::sconst(lay.w_min as i128, thw) - dx.e().ext(thw),
        );
        let hi = b.reg(
            "ltp_hi_r",
            Expr::sconst(lay.w_max as i128, thw) - dx.e().ext(thw),
        );
        LtpStep { dx, lo, hi }
    }
}
