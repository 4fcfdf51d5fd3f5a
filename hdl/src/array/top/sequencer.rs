//! The phase sequencer: the phase state machine and its cycle counter `pc`, the learning
//! enable, the decay and clear sweeps it issues to the lanes, and the transitions of a tick
//! (idle, decay, events, neuron, potentiation, scaling, finish) and of the host commands.
//!
//! Key decision: every phase ends on a closed-form `pc` value or a done flag of the component
//! that runs it; the same rules are `golden::cycle::tick_timing`.

use super::counters::Counters;
use super::events::EventIssuer;
use super::host::HostGate;
use super::output::{Output, ScanState};
use super::scaling::Scaling;
use super::spikes::NeuronPhase;
use super::traces::Potentiation;
use super::{Ports, cw, k};
use crate::array::build::{B, Fsm};
use crate::array::layout::{Layout, Params};
use crate::fsm_states;
use crate::ir::stmt::*;
use crate::ir::*;
use std::ops::Not;

fsm_states! {
    /// Phases of the sequencer (the `phase` register's values).
    pub enum Phase {
        /// Clear sweep (after reset and the *clear* command): zero the state and traces.
        Sweep = 0,
        /// Between ticks: the host port may be served.
        Idle = 1,
        /// Decay sweep over the traces and the state words.
        Decay = 2,
        /// Input (and recurrent) events.
        Events = 3,
        /// Neuron update, one group per cycle.
        Neuron = 4,
        /// Potentiation.
        Ltp = 5,
        /// Synaptic scaling.
        Scale = 6,
        /// Wait for the end-of-tick beat to leave.
        Finish = 7,
    }
}

/// The sequencer's state.
pub(super) struct Sequencer {
    /// The phase.
    pub fsm: Fsm<Phase>,
    /// Cycles in the phase.
    pub pc: Sig,
    /// The clear sweep keeps theta (a *clear* command) or zeroes it (reset).
    pub sweep_keep_theta: Option<Sig>,
    /// CONTROL bit 0.
    pub learn_en: Sig,
    /// Weights may change (STDP on and learning enabled).
    pub learn: Sig,
}

/// The sweeps the sequencer issues to the lanes and the trace memory.
pub(super) struct Sweeps {
    /// In the clear sweep.
    pub in_sweep: Expr,
    /// The clear sweep issues a word this cycle.
    pub sweep_issue: Sig,
    /// The decay sweep issues a word this cycle.
    pub decay_issue: Expr,
    /// The traces decay.
    pub x_decays: bool,
    /// `pc` as a group index.
    pub pc_g: Expr,
    /// The lanes' state sweep operation.
    pub lane_st_valid: Sig,
}

/// What the transitions of a tick wait for and reset, from the other components.
pub(super) struct TickParts<'a> {
    pub cnt: &'a Counters,
    pub gate: &'a HostGate,
    pub tick_start: &'a Sig,
    pub ev: &'a EventIssuer,
    pub neuron: &'a NeuronPhase,
    pub nwords_final: &'a Sig,
    pub ltp: Option<&'a Potentiation>,
    pub scale: &'a Scaling,
    pub scale_finished: Expr,
    pub out: &'a Output,
}

impl Sequencer {
    pub fn declare(b: &mut B, lay: &Layout, p: &Params) -> Sequencer {
        let a = &lay.arch;
        let fsm = b.fsm("phase", Phase::Sweep);
        let pc_max = a.decay_sweep.max(lay.g).max(a.clear_sweep)
            + lay.rl
            + 8
            + 2 * lay.rl
            + a.ring_stages
            + a.history_stages;
        let pc = b.ctl_reg("pc", Ty::u(cw(pc_max)), 0);
        let sweep_keep_theta = lay
            .f_theta
            .map(|_| b.ctl_reg("sweep_keep_theta", Ty::BIT, 0));
        let learn_en = b.ctl_reg("learn_en", Ty::BIT, 1);
        let learn = b.net(
            "learn",
            if p.stdp.enabled {
                learn_en.e()
            } else {
                Expr::bit(false)
            },
        );
        Sequencer {
            fsm,
            pc,
            sweep_keep_theta,
            learn_en,
            learn,
        }
    }

    /// In phase `ph`.
    pub fn is(&self, ph: Phase) -> Expr {
        self.fsm.is(ph)
    }

    /// `pc == n`.
    pub fn pc_is(&self, n: u64) -> Expr {
        self.pc.e().eq(k(n, self.pc.ty.width))
    }

    /// `pc < n`.
    pub fn pc_lt(&self, n: u64) -> Expr {
        self.pc.e().lt(k(n, self.pc.ty.width))
    }

    /// A tick starts: idle, no host transaction, an input beat waiting.
    pub fn tick_start(&self, b: &mut B, ports: &Ports, gate: &HostGate) -> Sig {
        b.net(
            "tick_start",
            self.is(Phase::Idle)
                .and(gate.idle.e())
                .and(ports.wb_cyc.e().not())
                .and(ports.in_valid.e()),
        )
    }

    /// The clear and decay sweeps (`pc`-driven).
    pub fn sweeps(&self, b: &mut B, lay: &Layout, p: &Params) -> Sweeps {
        let a = &lay.arch;
        let g = lay.g;
        let in_sweep = self.is(Phase::Sweep);
        let sweep_issue = b.net(
            "sweep_issue",
            in_sweep.clone().and(self.pc_lt(a.clear_sweep)),
        );
        let in_decay = self.is(Phase::Decay);
        // an expression, not a wire: networks where nothing decays never use it
        let decay_issue = in_decay.clone().and(self.pc_lt(a.decay_sweep));
        let (lif, stdp) = (&p.lif, &p.stdp);
        let st_decays = (lif.theta_plus > 0 && lif.theta_decay_shift > 0)
            || (stdp.enabled && stdp.post_decay_shift > 0);
        // with delays the sweep also copies the history's slot t-1 to slot t
        let x_decays = stdp.enabled && (stdp.pre_decay_shift > 0 || lay.delay > 0);
        let pc_g = self.pc.e().resize(lay.gb);
        let lane_st_valid = b.net(
            "lane_st_valid",
            sweep_issue.e().and(self.pc_lt(g)).or(if st_decays {
                decay_issue.clone().and(self.pc_lt(g))
            } else {
                Expr::bit(false)
            }),
        );
        Sweeps {
            in_sweep,
            sweep_issue,
            decay_issue,
            x_decays,
            pc_g,
            lane_st_valid,
        }
    }

    /// `phase <= ph` and restart `pc`.
    fn go(&self, ph: Phase) -> Vec<Stmt> {
        vec![self.fsm.goto(ph), set(&self.pc, Expr::zero(self.pc.ty))]
    }

    /// The transitions: the phase state machine, the tick-cycle and `pc` counters.
    pub fn drive(&self, b: &mut B, lay: &Layout, p: &Params, t: &TickParts) {
        let a = &lay.arch;
        let rl = lay.rl;
        let scale_due = self.scale_due(b, lay, p, t.cnt);
        let ltp_due = if p.stdp.enabled {
            // `reduce_stages` cycles after the lanes' last count, `maxc` holds the largest: it is
            // non-zero exactly when some neuron spiked
            let maxc = &t.neuron.maxc.as_ref().unwrap().0;
            self.learn_en.e().and(maxc.e().ne(Expr::zero(maxc.ty)))
        } else {
            Expr::bit(false)
        };
        let ltp_due = b.net("ltp_due", ltp_due);
        let mut enter_events = self.go(Phase::Events);
        if let Some(rec) = &t.ev.rec {
            enter_events.push(set(&rec.k, Expr::zero(rec.k.ty)));
            enter_events.push(set(&rec.wait, k(rl, rec.wait.ty.width)));
        }
        enter_events.push(set(&t.ev.eot_seen, Expr::bit(false)));
        let mut tick_begin = Vec::new();
        if let Some((run, _)) = &t.cnt.tick_cycles {
            tick_begin.push(set(run, k(1, 32)));
        }
        tick_begin.push(set(&t.out.pw, Expr::zero(t.out.pw.ty)));
        if let Some(ia) = &t.out.inh_acc {
            tick_begin.push(set(ia, Expr::zero(ia.ty)));
        }
        tick_begin.extend(if a.decay_sweep > 0 {
            self.go(Phase::Decay)
        } else {
            enter_events.clone()
        });
        let after_neuron = self.after_neuron(b, lay, t, &ltp_due, &scale_due);
        let mut end_tick = self.go(Phase::Idle);
        if let Some((run, last)) = &t.cnt.tick_cycles {
            end_tick.push(set(last, run.e().inc()));
        }
        end_tick.push(set(&t.cnt.prev_count, t.out.pw.e()));
        if let (Some(it), Some(ia)) = (&t.out.inh_total, &t.out.inh_acc) {
            end_tick.push(set(it, ia.e()));
        }
        let mut clear_regs = vec![set(&t.cnt.prev_count, Expr::zero(t.cnt.prev_count.ty))];
        if let Some(it) = &t.out.inh_total {
            clear_regs.push(set(it, Expr::zero(it.ty)));
        }
        let mut start_clear = self.go(Phase::Sweep);
        if let Some(kt) = &self.sweep_keep_theta {
            start_clear.push(set(kt, Expr::bit(true)));
        }
        start_clear.push(set(&t.gate.cmd_clear, Expr::bit(false)));
        start_clear.extend(clear_regs);
        let mut start_norm = self.go(Phase::Scale);
        start_norm.push(set(&t.scale.scale_host, Expr::bit(true)));
        start_norm.push(set(&t.gate.cmd_norm, Expr::bit(false)));
        if let Some((tcnt, _)) = &t.cnt.tick_cycles {
            b.ctl(when(
                self.fsm.is_not(Phase::Idle),
                vec![set(tcnt, tcnt.e().inc())],
            ));
        }
        b.ctl(when(
            self.fsm.is_not(Phase::Idle).or(t.tick_start.e()),
            vec![set(&self.pc, self.pc.e().inc())],
        ));
        let idle = t.gate.idle.e();
        let ltp_end = match t.ltp {
            Some(ltp) => vec![if_else(
                ltp.ldone.e(),
                vec![when(
                    self.pc_is(2 * rl + 1 - lay.pair as u64 + a.bcast_stages + a.history_stages),
                    vec![if_else(
                        scale_due.e(),
                        self.go(Phase::Scale),
                        self.go(Phase::Finish),
                    )],
                )],
                vec![set(&self.pc, Expr::zero(self.pc.ty))],
            )],
            None => self.go(Phase::Finish),
        };
        b.ctl(self.fsm.switch(
            vec![
                (
                    Phase::Sweep,
                    vec![when(
                        self.pc_is(a.clear_sweep + rl + a.bcast_stages),
                        self.go(Phase::Idle),
                    )],
                ),
                (
                    Phase::Idle,
                    vec![if_else(
                        idle.clone().and(t.gate.cmd_clear.e()),
                        start_clear,
                        vec![if_else(
                            idle.and(t.gate.cmd_norm.e()),
                            start_norm,
                            vec![when(t.tick_start.e(), tick_begin)],
                        )],
                    )],
                ),
                (
                    Phase::Decay,
                    vec![when(
                        self.pc_is(a.decay_sweep + rl + a.bcast_stages),
                        enter_events,
                    )],
                ),
                (
                    Phase::Events,
                    vec![
                        when(
                            t.ev.accept.e().and(t.ev.in_eot.clone()),
                            vec![set(&t.ev.eot_seen, Expr::bit(true))],
                        ),
                        if_else(
                            t.ev.events_done.e(),
                            vec![when(
                                self.pc_is(
                                    rl + a.event_stages + a.bcast_stages - 1 + a.ring_stages,
                                ),
                                self.go(Phase::Neuron),
                            )],
                            vec![set(&self.pc, Expr::zero(self.pc.ty))],
                        ),
                    ],
                ),
                (
                    Phase::Neuron,
                    vec![when(self.pc_is(a.neuron_cycles() - 1), after_neuron)],
                ),
                (Phase::Ltp, ltp_end),
                (
                    Phase::Scale,
                    vec![when(
                        t.scale_finished.clone(),
                        vec![if_else(
                            t.scale.scale_host.e(),
                            {
                                let mut v = self.go(Phase::Idle);
                                v.push(set(&t.scale.scale_host, Expr::bit(false)));
                                v
                            },
                            self.go(Phase::Finish),
                        )],
                    )],
                ),
            ],
            vec![when(t.cnt.tick_end.e(), end_tick)],
        ));
    }

    /// Periodic scaling is due at the end of this tick (`normalize_every`).
    fn scale_due(&self, b: &mut B, lay: &Layout, p: &Params, cnt: &Counters) -> Sig {
        let every = p.stdp.normalize_every;
        let scale_due = if lay.scaling && every > 0 {
            let ncw = cw(every);
            let ncnt = b.ctl_reg("norm_cnt", Ty::u(ncw), 0);
            b.ctl(when(
                cnt.tick_end.e(),
                vec![set(
                    &ncnt,
                    Expr::mux(
                        ncnt.e().eq(k(every - 1, ncw)),
                        Expr::zero(ncnt.ty),
                        ncnt.e().inc(),
                    ),
                )],
            ));
            self.learn_en.e().and(ncnt.e().eq(k(every - 1, ncw)))
        } else {
            Expr::bit(false)
        };
        b.net("scale_due", scale_due)
    }

    /// The end of the neuron phase: start the output scanner, then potentiation, scaling or
    /// the finish.
    fn after_neuron(
        &self,
        b: &mut B,
        lay: &Layout,
        t: &TickParts,
        ltp_due: &Sig,
        scale_due: &Sig,
    ) -> Vec<Stmt> {
        let out = t.out;
        let nwords = &t.neuron.nwords;
        let mut s = vec![
            set(
                &out.fsm.state,
                Expr::mux(
                    t.nwords_final.e().eq(Expr::zero(nwords.ty)),
                    out.fsm.k(ScanState::Done),
                    out.fsm.k(ScanState::Fetch),
                ),
            ),
            set(&out.sidx, Expr::zero(out.sidx.ty)),
        ];
        s.push(if_else(
            ltp_due.e(),
            {
                let mut v = self.go(Phase::Ltp);
                if let Some(ltp) = t.ltp {
                    v.extend([
                        set(&ltp.lj, Expr::zero(ltp.lj.ty)),
                        set(&ltp.lk, Expr::zero(ltp.lk.ty)),
                        set(&ltp.ldone, Expr::bit(false)),
                    ]);
                    b.data(when(
                        t.neuron.in_neuron.clone(),
                        vec![set(&ltp.lbase, Expr::zero(Ty::u(lay.wab)))],
                    ));
                }
                v
            },
            vec![if_else(
                scale_due.e(),
                self.go(Phase::Scale),
                self.go(Phase::Finish),
            )],
        ));
        s
    }
}
