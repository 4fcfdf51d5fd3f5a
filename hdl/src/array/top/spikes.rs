//! The neuron phase's collection: the group issued to the lanes, the spike word built from the
//! lanes' spike outputs and written to the spike-word list, and the largest per-lane spike
//! count (which sets the length of potentiation).
//!
//! Key decision: the largest count is a tree of 2:1 maxima with a register after each level
//! (`Arch::reduce_stages`), so no path crosses all lanes in one cycle.

use super::lanes::LaneOut;
use super::sequencer::{Phase, Sequencer, Sweeps};
use crate::array::build::{B, Ram, any, no_write_in_reset};
use crate::array::layout::{Layout, Params};
use crate::ir::stmt::*;
use crate::ir::*;

/// The neuron phase's signals.
pub(super) struct NeuronPhase {
    /// In the neuron phase.
    pub in_neuron: Expr,
    /// A group is issued to the lanes.
    pub nu_valid: Sig,
    /// First cycle of the phase.
    pub nu_start: Sig,
    /// The spike word of the issued group is written (`nu_valid` delayed to it).
    nw_v: Expr,
    /// Its group.
    nw_g: Expr,
    /// The largest per-lane spike count (STDP), and the next value of that count - 1 (a wire:
    /// the potentiation sequencer registers its last-entry compare from it).
    pub maxc: Option<(Sig, Sig)>,
    /// Reset value of the count - 1 registers inside the maximum tree, `maxc_m1_s*` (-1 wrapped).
    maxc_m1_start: i128,
    /// Words in the spike-word list.
    pub nwords: Sig,
}

impl NeuronPhase {
    pub fn declare(
        b: &mut B,
        lay: &Layout,
        p: &Params,
        seq: &Sequencer,
        sweeps: &Sweeps,
    ) -> NeuronPhase {
        let a = &lay.arch;
        let (g, gb, rl) = (lay.g, lay.gb, lay.rl);
        let in_neuron = seq.is(Phase::Neuron);
        let nu_valid = b.net("nu_valid", in_neuron.clone().and(seq.pc_lt(g)));
        let nu_start = b.net("nu_start", in_neuron.clone().and(seq.pc_is(0)));
        // the lanes' write stage is nd cycles after the top issues (input register, read,
        // stages); their spike outputs are registered, and the top registers the spike word it
        // builds from them: the spike word is written nd + 2 cycles after the issue
        let nd = a.bcast_stages + rl + a.neuron_stages;
        let nw_v = b.delayed_r("nw_v", nu_valid.e(), nd + 2);
        let nw_g = b.delayed("nw_g", sweeps.pc_g.clone(), nd + 2);
        // the largest per-lane spike count, and that count - 1 (wrapping, for the potentiation
        // sequencer's last-entry compare): a maximum over the lanes' counts, registered after
        // each 2:1 level (`Arch::reduce_stages`)
        let maxc_m1_start = (1i128 << (gb + 1)) - 1;
        let maxc = p.stdp.enabled.then(|| {
            (
                b.ctl_reg("maxc", Ty::u(gb + 1), 0),
                b.m.wire("maxc_m1_next", Ty::u(gb + 1)),
            )
        });
        let nwords = b.ctl_reg("nwords", Ty::u(gb + 1), 0);
        NeuronPhase {
            in_neuron,
            nu_valid,
            nu_start,
            nw_v,
            nw_g,
            maxc,
            maxc_m1_start,
            nwords,
        }
    }

    /// Spike words and the largest per-lane count, at the lanes' neuron write stage; returns
    /// the list's word count including this cycle's write (`nwords_final`).
    pub fn collect(&self, b: &mut B, lay: &Layout, lanes: &[LaneOut], spk: &Ram) -> Sig {
        let (l, gb) = (lay.l, lay.gb);
        let spikes_now: Vec<Expr> = lanes.iter().map(|o| o.spike.e()).collect();
        let mut word_bits = spikes_now.clone();
        word_bits.reverse();
        let spike_word = b.data_reg("spike_word", Ty::u(l as u32));
        b.data(set(&spike_word, Expr::concat(word_bits)));
        let any_spike = b.ctl_reg("any_spike", Ty::BIT, 0);
        b.ctl(set(&any_spike, any(spikes_now)));
        b.m.assign(
            &spk.we,
            no_write_in_reset(b, self.nw_v.clone().and(any_spike.e())),
        );
        b.m.assign(&spk.waddr, self.nwords.e().resize(gb));
        b.m.assign(
            &spk.wdata,
            Expr::concat(vec![self.nw_g.clone(), spike_word.e()]),
        );
        if let Some(maxc) = &self.maxc {
            self.max_count(b, lay, lanes, maxc);
        }
        let nwords = &self.nwords;
        b.ctl(if_else(
            self.nu_start.e(),
            vec![set(nwords, Expr::zero(nwords.ty))],
            vec![when(spk.we.e(), vec![set(nwords, nwords.e().inc())])],
        ));
        b.net(
            "nwords_final",
            Expr::mux(spk.we.e(), nwords.e().inc(), nwords.e()),
        )
    }

    /// The tree of registered 2:1 maxima over the lanes' (count, count - 1) pairs.
    fn max_count(&self, b: &mut B, lay: &Layout, lanes: &[LaneOut], maxc: &(Sig, Sig)) {
        let stages = lay.arch.reduce_stages;
        let cty = Ty::u(lay.gb + 1);
        let mut items: Vec<(Expr, Expr)> = lanes
            .iter()
            .map(|o| {
                let (c, c1) = o.cnt.as_ref().unwrap();
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
        for stage in 0..stages {
            items = items
                .chunks(2)
                .enumerate()
                .map(|(i, c)| {
                    let lvl = max2(c);
                    if stage + 1 == stages {
                        // the last level: the count registered, count - 1 as the next value
                        b.ctl(set(&maxc.0, lvl.0.clone()));
                        b.m.assign(&maxc.1, lvl.1.clone());
                        return lvl;
                    }
                    let r0 = b.ctl_reg(&format!("maxc_s{stage}_{i}"), cty, 0);
                    let r1 = b.ctl_reg(&format!("maxc_m1_s{stage}_{i}"), cty, self.maxc_m1_start);
                    b.ctl(set(&r0, lvl.0));
                    b.ctl(set(&r1, lvl.1));
                    (r0.e(), r1.e())
                })
                .collect();
        }
        assert_eq!(items.len(), 1, "reduce_stages covers the lanes");
    }
}
