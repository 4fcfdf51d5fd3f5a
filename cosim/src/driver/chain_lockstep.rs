//! The lockstep chip of a network of layers: the generated chain top in Verilator and a golden
//! [`Chain`] driven together as one [`golden::learn::ChainChip`], so a learning experiment on
//! layers (`neurogen learn digits --rules supervised --hardware`) is checked tick by tick.
//!
//! Key decisions:
//! - Every tick is checked as a chain co-simulation ([`super::run_network`]) checks it: every
//!   layer's spikes ([`compare_chain_tick`]), without backpressure every layer's output beat
//!   and end-of-tick cycles and the chip's cycles against `golden::cycle::chain_timing`, then
//!   every layer's counters, state, traces and the weights of `RunOptions::compare` (read per
//!   layer through the one host port); the first difference names its layer.
//! - Host commands go through the chip's Wishbone host port as a user's would: to one layer at
//!   its base address, or to every layer at once at the broadcast address. After a *clear* that
//!   follows learning, a *normalize* or host weight writes, every weight of every layer is
//!   compared (so after every training sample), as in the one-layer [`super::Lockstep`].
//! - At the first difference (or a harness error) the hardware is detached and the golden
//!   chain carries the experiment to its end; the report says where it happened.

use super::RunOptions;
use super::chain::{chain_harness, compare_chain_tick, in_layer};
use super::compare::{Compare, Mismatch, compare_state};
use super::error::{Error, Result};
use super::harness::{Backpressure, Harness};
use super::lockstep::{LockstepReport, Session};
use golden::Config;
use golden::chain::Chain;
use golden::cycle::{Arch, chain_timing};
use golden::learn::Weights;
use golden::model::{HostCommand, StateKind};
use golden::run::step_chain_taught;
use hdl::array::chain::ChainHost;
use hdl::array::{Layout, Region};
use std::time::Instant;

/// The generated chain top of a network of layers in Verilator and a golden [`Chain`] driven
/// together as one [`golden::learn::ChainChip`] (see [`chain_lockstep`]).
pub struct ChainLockstep<'m> {
    h: Harness<'m>,
    chain: Chain,
    lays: Vec<Layout>,
    archs: Vec<Arch>,
    host: ChainHost,
    layer_delay: u32,
    layer_spikes: Vec<usize>,
    s: Session,
}

impl ChainLockstep<'_> {
    /// Ticks run on the hardware so far.
    pub fn hw_ticks(&self) -> usize {
        self.s.rep.ticks
    }

    /// Whether the hardware is still driven (no difference, no error, budget not spent).
    pub fn attached(&self) -> bool {
        self.s.attached
    }

    /// The golden chain.
    pub fn golden(&self) -> &Chain {
        &self.chain
    }

    /// Point the host port at layer `k` (`None`: the broadcast address, layer 0's map).
    fn at(&mut self, layer: Option<usize>) {
        let k = layer.unwrap_or(self.lays.len());
        self.h.base = self.host.base(k as u64);
        self.h.lay = self.lays[layer.unwrap_or(0)].clone();
    }

    fn detach(&mut self) {
        self.s.detach(self.h.cycles());
    }

    fn fail(&mut self, r: Result<Option<Mismatch>>) -> bool {
        self.s.fail(r, self.h.cycles())
    }

    /// Compare every layer's state after the last tick: every weight when `full`, else the
    /// sample of `self.s.compare`.
    fn check_layers(&mut self, full: bool) -> bool {
        let t = self.s.rep.ticks.saturating_sub(1);
        for k in 0..self.lays.len() {
            self.at(Some(k));
            let compare = if full { Compare::Full } else { self.s.compare };
            let r = compare_state(
                &mut self.h,
                self.chain.layer(k),
                t,
                full,
                compare,
                &mut self.s.rng,
            )
            .map(|m| in_layer(k, m))
            .map_err(|e| e.at(format!("layer[{k}] state read after tick {t}")));
            if self.fail(r) {
                return true;
            }
        }
        self.h.base = 0;
        false
    }

    /// Compare every layer's whole state (every weight).
    fn check_all(&mut self) -> bool {
        self.s.dirty = false;
        self.check_layers(true)
    }

    /// Run one tick on both sides and compare.
    fn hw_tick(&mut self, events: &[u32], teach: &[u32]) {
        let t = self.s.rep.ticks;
        let acts = step_chain_taught(&mut self.chain, events, teach);
        let timing = chain_timing(&self.archs, &acts, self.layer_delay);
        self.h.base = 0;
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
        self.s.dirty |= self.chain.layers().iter().any(|l| l.learning());
        self.s.rep.ticks += 1;
        self.s.rep.events += events.len();
        self.s.rep.spikes += obs.spikes.len();
        self.s.rep.tick_cycles += obs.cycles;
        for (k, l) in timing.layers.iter().enumerate() {
            self.s.rep.event_cycles += l.event_issue_cycles;
            self.s.rep.sops += l.event_issue_cycles * self.lays[k].l;
            self.layer_spikes[k] += self.chain.spikes_of(k).len();
        }
        let timed = self.s.bp.input == 0.0 && self.s.bp.output == 0.0;
        let m = compare_chain_tick(t, &self.chain, &timing, &obs, timed, false);
        if self.fail(Ok(m)) || self.check_layers(false) {
            return;
        }
        if self.s.budget_spent() {
            self.check_all();
            self.detach();
        }
    }

    /// A host access on the hardware side at layer `layer` (or the broadcast address); a
    /// failure detaches it.
    fn host(
        &mut self,
        layer: Option<usize>,
        what: &str,
        f: impl FnOnce(&mut Harness<'_>) -> Result<()>,
    ) {
        if self.s.attached {
            self.at(layer);
            let r = f(&mut self.h).map(|()| None);
            self.h.base = 0;
            let name = layer.map_or("every layer".to_string(), |k| format!("layer[{k}]"));
            let r =
                r.map_err(|e| e.at(format!("{what} of {name} after tick {}", self.s.rep.ticks)));
            self.fail(r);
        }
    }

    /// A host command on the golden layers it reaches.
    fn golden_host(&mut self, layer: Option<usize>, cmd: HostCommand) {
        match layer {
            Some(k) => self.chain.host(k, cmd),
            None => self.chain.host_all(cmd),
        }
    }
}

impl golden::learn::ChainChip for ChainLockstep<'_> {
    fn layer_count(&self) -> usize {
        self.chain.layer_count()
    }

    fn neurons(&self, k: usize) -> usize {
        self.chain.layer(k).config().neurons()
    }

    fn step_taught(&mut self, events: &[u32], teach: &[u32]) -> &[u32] {
        if self.s.attached {
            self.hw_tick(events, teach);
            return self.chain.spikes_of(self.chain.layer_count() - 1);
        }
        self.chain.step_taught(events, teach)
    }

    fn clear(&mut self, layer: Option<usize>) {
        if self.s.attached && self.s.dirty {
            self.check_all();
        }
        self.s.cleared();
        self.golden_host(layer, HostCommand::Clear);
        self.host(layer, "clear", |h| h.clear());
    }

    fn normalize(&mut self, layer: Option<usize>) {
        self.golden_host(layer, HostCommand::Normalize);
        self.s.dirty = true;
        self.host(layer, "normalize", |h| h.normalize());
    }

    fn set_learning(&mut self, layer: Option<usize>, on: bool) {
        self.golden_host(layer, HostCommand::Learning(on));
        self.host(layer, "learning enable", |h| h.set_learning(on));
    }

    fn set_teach(&mut self, layer: Option<usize>, on: bool) {
        self.golden_host(layer, HostCommand::Teach(on));
        self.host(layer, "teach mode", |h| h.set_teach(on));
    }

    fn theta(&mut self, k: usize) -> Vec<i64> {
        self.chain.layer(k).theta().to_vec()
    }

    fn set_theta(&mut self, k: usize, i: usize, theta: i64) {
        self.chain
            .layer_mut(k)
            .set_state(StateKind::Theta, i, theta)
            .expect("theta read from the same layer is in range");
        self.host(Some(k), "theta write", |h| {
            let a = h.lay.neuron_addr(Region::Theta, i as u64);
            h.write(a, theta as i32 as u32)
        });
    }

    fn weights(&mut self, k: usize) -> Weights {
        self.chain.layer(k).weights().clone()
    }

    fn set_weights(&mut self, k: usize, w: &Weights) {
        self.chain
            .layer_mut(k)
            .set_weights(w)
            .expect("weights within the layer's range");
        self.s.dirty = true;
        if self.s.attached {
            self.at(Some(k));
            let r = self.h.load_weights(self.chain.layer(k)).map(|()| None);
            self.h.base = 0;
            let r = r.map_err(|e| {
                e.at(format!(
                    "weight writes of layer[{k}] after tick {}",
                    self.s.rep.ticks
                ))
            });
            self.fail(r);
        }
    }
}

/// What a [`chain_lockstep`] run found: the one-layer report's figures for the chip (spikes of
/// the last layer, cycles of the chip) and each layer's spikes.
#[derive(Debug, Clone, Default)]
pub struct ChainLockstepReport {
    /// The chip's figures, the first difference and how far the hardware ran.
    pub lockstep: LockstepReport,
    /// Per layer: spikes over the hardware part of the run.
    pub layer_spikes: Vec<usize>,
}

/// Build the generated chain top of the network of layers `cfg` (its
/// [`Config::layer_configs`], `network.layer_delay`, the teacher stream to
/// `network.teacher_layer`), then call `f` with a [`ChainLockstep`] chip of it: `f` runs an
/// experiment on it and returns its result. The first `max_ticks` ticks (all when `None`) run on
/// the hardware as well as the golden chain; after the last one every weight of every layer is
/// compared. `opts.target`, `forwarding`, `patches`, `init`, `seed`, `bp` and `compare` (per
/// tick) apply; `rtl`, `actions` and `vcd` do not.
pub fn chain_lockstep<R>(
    cfg: &Config,
    opts: &RunOptions,
    max_ticks: Option<usize>,
    f: impl FnOnce(&mut ChainLockstep<'_>) -> R,
) -> Result<(R, ChainLockstepReport)> {
    if cfg.layer_count() < 2 {
        return Err(Error::Protocol(format!(
            "`{}` has one layer: run it with `lockstep`",
            cfg.name
        )));
    }
    if opts.rtl.is_some() || !opts.actions.is_empty() || opts.vcd.is_some() {
        return Err(Error::Protocol(
            "a chain lockstep run is built from its config, without actions or a VCD".into(),
        ));
    }
    let layers = cfg.layer_configs();
    let t_build = Instant::now();
    let (g, design) = super::build_chain_teacher(
        &cfg.name,
        &layers,
        cfg.network.layer_delay,
        cfg.teacher_layer(),
        opts,
        false,
    )?;
    let build_s = t_build.elapsed().as_secs_f64();
    let model = design.model_with(opts.init)?;
    let lays: Vec<Layout> = g.layers.iter().map(|l| l.layout.clone()).collect();
    let archs: Vec<Arch> = lays.iter().map(|l| l.arch.clone()).collect();
    let mut h = chain_harness(&model, &lays, opts.seed, false)?;
    let chain = Chain::new(cfg);
    let s = Session::new(opts, max_ticks, build_s, design.build_info().from_cache());
    h.reset()?;
    for (k, lay) in lays.iter().enumerate() {
        h.base = g.host.base(k as u64);
        h.lay = lay.clone();
        if lay.pair {
            h.load_weights(chain.layer(k))?;
        }
        h.load_theta(chain.layer(k))?;
    }
    h.base = 0;
    h.lay = lays[0].clone();
    let nl = lays.len();
    let mut ls = ChainLockstep {
        h,
        chain,
        lays,
        archs,
        host: g.host.clone(),
        layer_delay: cfg.network.layer_delay,
        layer_spikes: vec![0; nl],
        s,
    };
    let r = f(&mut ls);
    if ls.s.attached {
        ls.check_all();
        ls.detach();
    }
    let lockstep = ls.s.finish(ls.chain.tick())?;
    Ok((
        r,
        ChainLockstepReport {
            lockstep,
            layer_spikes: ls.layer_spikes,
        },
    ))
}
