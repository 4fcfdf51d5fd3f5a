//! The lockstep chip: a generated array in Verilator and a golden model driven together as one
//! [`golden::learn::Chip`], so any sequence of ticks and host commands, such as a learning
//! experiment of `golden::learn`, is checked tick by tick against the golden model.
//!
//! Key decision: every tick is checked by the same [`compare_tick`] and [`compare_state`] as a
//! stimulus run ([`super::run`]): spikes, cycle count and output beat cycles (without
//! backpressure), counters, state and weights.

use super::compare::{Compare, Mismatch, compare_state, compare_tick};
use super::error::{Error, Result};
use super::harness::{Backpressure, Harness};
use super::{Report, RunOptions, golden_tick, stage};
use golden::Config;
use golden::cycle::Arch;
use golden::model::{Network, StateKind};
use golden::rng::SplitMix64;
use hdl::array::Region;
use std::time::Instant;

/// A generated array in Verilator and a golden model driven together as one
/// [`golden::learn::Chip`], so a learning experiment of `golden::learn` runs unchanged on the
/// hardware (see [`lockstep`]).
///
/// Every tick goes to both sides; the spikes, the cycle count and every output beat's cycle
/// (without backpressure), the counters, every neuron state and trace and the weights of
/// `RunOptions::compare` (all, or a seeded sample) are compared after it, and every weight at
/// each *clear* after learning or *normalize* may have changed them, i.e. after every training
/// sample. Host commands and theta writes go to both sides. The experiment sees the golden model's spikes and reads; at the first
/// difference (or a harness error) the hardware is detached and the golden model carries the
/// experiment to its end.
pub struct Lockstep<'m> {
    h: Harness<'m>,
    net: Network,
    arch: Arch,
    spikes: Vec<u32>,
    s: Session,
}

/// What every lockstep chip (this one and [`super::ChainLockstep`]) keeps besides its
/// hardware and golden sides: whether the hardware is still driven, the comparison settings,
/// the figures so far and the first difference or error.
pub(super) struct Session {
    /// Whether the hardware is still driven (no difference, no error, budget not spent).
    pub(super) attached: bool,
    budget: Option<usize>,
    /// Whether a weight may differ from the last full comparison (learning, normalize, writes).
    pub(super) dirty: bool,
    samples: usize,
    fresh: bool,
    /// The hardware part's figures and the first difference.
    pub(super) rep: Report,
    mismatch_sample: usize,
    error: Option<Error>,
    t0: Instant,
    /// The per-tick comparison (`RunOptions::compare`).
    pub(super) compare: Compare,
    /// The backpressure of every hardware tick (`RunOptions::bp`).
    pub(super) bp: Backpressure,
    /// The sampler of compared weights.
    pub(super) rng: SplitMix64,
}

impl Session {
    /// A session of `opts` whose first `max_ticks` ticks (all when `None`) run on the hardware;
    /// `build_s` and `cached` describe the model's build.
    pub(super) fn new(
        opts: &RunOptions,
        max_ticks: Option<usize>,
        build_s: f64,
        cached: bool,
    ) -> Self {
        Session {
            attached: max_ticks != Some(0),
            budget: max_ticks,
            dirty: true,
            samples: 0,
            fresh: true,
            rep: Report {
                build_s,
                cached,
                ..Default::default()
            },
            mismatch_sample: 0,
            error: None,
            t0: Instant::now(),
            compare: opts.compare,
            bp: opts.bp,
            rng: SplitMix64::new(opts.seed ^ 0xA5A5_5A5A),
        }
    }

    /// Stop driving the hardware, which has simulated `cycles` clock cycles; its figures end
    /// here.
    pub(super) fn detach(&mut self, cycles: u64) {
        if self.attached {
            self.attached = false;
            self.rep.sim_cycles = cycles;
            self.rep.wall_s = self.t0.elapsed().as_secs_f64();
        }
    }

    /// Record a difference or an error (then detach, at `cycles`); whether there was one.
    pub(super) fn fail(&mut self, r: Result<Option<Mismatch>>, cycles: u64) -> bool {
        match r {
            Ok(None) => false,
            Ok(Some(m)) => {
                self.rep.mismatch = Some(m);
                self.mismatch_sample = self.samples;
                self.detach(cycles);
                true
            }
            Err(e) => {
                self.error = Some(e);
                self.detach(cycles);
                true
            }
        }
    }

    /// A hardware tick begins: the first one after a *clear* starts a sample.
    pub(super) fn tick_begins(&mut self) {
        if self.fresh {
            self.samples += 1;
            self.fresh = false;
        }
    }

    /// A *clear*: the next tick starts a sample.
    pub(super) fn cleared(&mut self) {
        self.fresh = true;
    }

    /// Whether the hardware has run its budget of ticks.
    pub(super) fn budget_spent(&self) -> bool {
        self.budget.is_some_and(|b| self.rep.ticks >= b)
    }

    /// The report of an experiment of `total_ticks` ticks (the first error, if any).
    pub(super) fn finish(self, total_ticks: u64) -> Result<LockstepReport> {
        if let Some(err) = self.error {
            return Err(err);
        }
        let complete = self.rep.mismatch.is_none() && self.rep.ticks as u64 == total_ticks;
        let mismatch_sample = self.rep.mismatch.as_ref().map(|_| self.mismatch_sample);
        Ok(LockstepReport {
            run: self.rep,
            mismatch_sample,
            samples: self.samples,
            total_ticks,
            complete,
        })
    }
}

impl Lockstep<'_> {
    /// Ticks run on the hardware so far.
    pub fn hw_ticks(&self) -> usize {
        self.s.rep.ticks
    }

    /// Whether the hardware is still driven (no difference, no error, budget not spent).
    pub fn attached(&self) -> bool {
        self.s.attached
    }

    /// The golden model.
    pub fn golden(&self) -> &Network {
        &self.net
    }

    /// Stop driving the hardware; its figures end here.
    fn detach(&mut self) {
        self.s.detach(self.h.cycles());
    }

    fn fail(&mut self, r: Result<Option<Mismatch>>) -> bool {
        self.s.fail(r, self.h.cycles())
    }

    /// Compare the whole state (every weight); the hardware stays attached when it matches.
    fn check_all(&mut self) -> bool {
        let t = self.s.rep.ticks.saturating_sub(1);
        let r = compare_state(
            &mut self.h,
            &self.net,
            t,
            true,
            Compare::Full,
            &mut self.s.rng,
        );
        self.s.dirty = false;
        self.fail(r)
    }

    /// Run one tick on both sides (the golden spikes go to `self.spikes`) and compare.
    fn hw_tick(&mut self, events: &[u32], teach: &[u32]) {
        let t = self.s.rep.ticks;
        let (act, timing) = golden_tick(&mut self.net, &self.arch, events, teach, &mut self.spikes);
        self.h.bp = self.s.bp;
        let obs = self.h.tick_taught(events, teach);
        self.h.bp = Backpressure::default();
        self.s.tick_begins();
        let obs = match obs {
            Ok(o) => o,
            Err(e) => {
                self.fail(Err(e.at(format!("tick {t}"))));
                return;
            }
        };
        self.s.dirty |= self.net.learning();
        self.s
            .rep
            .count_tick(events.len(), &obs, &timing, self.h.lay.l);
        let timed = self.s.bp.input == 0.0 && self.s.bp.output == 0.0;
        let m = compare_tick(t, &self.spikes, &act, &timing, &obs, timed);
        if self.fail(Ok(m)) {
            return;
        }
        let r = compare_state(
            &mut self.h,
            &self.net,
            t,
            false,
            self.s.compare,
            &mut self.s.rng,
        );
        if self.fail(r) {
            return;
        }
        if self.s.budget_spent() {
            self.check_all();
            self.detach();
        }
    }

    /// A host command on the hardware side; a failure detaches it.
    fn host(&mut self, what: &str, f: impl FnOnce(&mut Harness<'_>) -> Result<()>) {
        if self.s.attached {
            let r = f(&mut self.h).map(|()| None);
            let r = r.map_err(|e| e.at(format!("{what} after tick {}", self.s.rep.ticks)));
            self.fail(r);
        }
    }
}

impl golden::learn::Chip for Lockstep<'_> {
    fn neurons(&self) -> usize {
        self.net.config().neurons()
    }

    fn step(&mut self, events: &[u32]) -> &[u32] {
        self.step_taught(events, &[])
    }

    fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        if self.s.attached {
            self.hw_tick(events, teach);
            return &self.spikes;
        }
        self.net.step_taught(events, teach)
    }

    fn set_teach(&mut self, on: bool) {
        self.net.set_teach(on);
        self.host("teach mode", |h| h.set_teach(on));
    }

    fn clear(&mut self) {
        if self.s.attached && self.s.dirty {
            self.check_all();
        }
        self.s.cleared();
        self.net.clear();
        self.host("clear", |h| h.clear());
    }

    fn normalize(&mut self) {
        self.net.normalize();
        self.s.dirty = true;
        self.host("normalize", |h| h.normalize());
    }

    fn set_learning(&mut self, on: bool) {
        self.net.set_learning(on);
        self.host("learning enable", |h| h.set_learning(on));
    }

    fn theta(&mut self) -> Vec<i64> {
        self.net.theta().to_vec()
    }

    fn set_theta(&mut self, i: usize, theta: i64) {
        self.net
            .set_state(StateKind::Theta, i, theta)
            .expect("theta read from the same network is in range");
        self.host("theta write", |h| {
            let a = h.lay.neuron_addr(Region::Theta, i as u64);
            h.write(a, theta as i32 as u32)
        });
    }

    fn weights(&mut self) -> golden::learn::Weights {
        self.net.weights().clone()
    }

    fn set_weights(&mut self, w: &golden::learn::Weights) {
        self.net
            .set_weights(w)
            .expect("weights within the array's range");
        self.s.dirty = true;
        if self.s.attached {
            let r = self.h.load_weights(&self.net).map(|()| None);
            let r = r.map_err(|e| e.at(format!("weight writes after tick {}", self.s.rep.ticks)));
            self.fail(r);
        }
    }
}

/// What a [`lockstep`] run found.
#[derive(Debug, Clone, Default)]
pub struct LockstepReport {
    /// Figures of the hardware part (ticks, events, cycles, wall time, build) and the first
    /// difference, if any.
    pub run: Report,
    /// The sample (1-based) during or after which the difference was seen.
    pub mismatch_sample: Option<usize>,
    /// Samples the hardware ran (stretches of ticks after a *clear*; a re-shown sample counts
    /// again).
    pub samples: usize,
    /// Ticks of the whole experiment (the hardware ran the first `run.ticks`).
    pub total_ticks: u64,
    /// Whether the hardware ran to the end, without a difference.
    pub complete: bool,
}

/// Build the generated Verilog of `cfg`, then call `f` with a [`Lockstep`] chip of it: `f` runs
/// an experiment (any sequence of ticks and host commands) on it and returns its result. The
/// first `max_ticks` ticks (all when `None`) run on the hardware as well as the golden model;
/// after the last one every weight is compared. `opts.target`, `forwarding`, `patches`, `rtl`,
/// `init`, `seed`, `bp` and `compare` (per tick) apply; `actions` and `vcd` do not.
pub fn lockstep<R>(
    cfg: &Config,
    opts: &RunOptions,
    max_ticks: Option<usize>,
    f: impl FnOnce(&mut Lockstep<'_>) -> R,
) -> Result<(R, LockstepReport)> {
    let t_build = Instant::now();
    let (lay, design) = stage(cfg, opts, false)?;
    let build_s = t_build.elapsed().as_secs_f64();
    let model = design.model_with(opts.init)?;
    let mut h = Harness::new(&model, lay.clone(), opts.seed)?;
    let s = Session::new(opts, max_ticks, build_s, design.build_info().from_cache());
    let net = Network::new(cfg);
    h.reset()?;
    if lay.pair {
        h.load_weights(&net)?;
    }
    h.load_theta(&net)?;
    let mut ls = Lockstep {
        h,
        net,
        arch: lay.arch.clone(),
        spikes: Vec::new(),
        s,
    };
    let r = f(&mut ls);
    if ls.s.attached {
        ls.check_all();
        ls.detach();
    }
    Ok((r, ls.s.finish(ls.net.tick())?))
}
