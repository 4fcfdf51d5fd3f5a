//! The co-simulation driver: runs the generated Verilog under Verilator and the golden model side
//! by side, tick by tick, and stops at the first difference.
//!
//! The parts:
//! - `harness`: the [`Harness`] drives one Verilated array like a synchronous testbench (reset,
//!   the AER streams with [`Backpressure`], the Wishbone host port);
//! - `staging`: generate the Verilog of a config ([`build`]) or read an RTL folder
//!   ([`read_rtl_folder`]), apply patches, write the files to a content-keyed folder, build;
//! - `compare`: what is compared after each tick ([`compare_tick`]: spikes, cycle count and
//!   output beat cycles; [`compare_state`]: counters, state, traces, weights) and the
//!   [`Mismatch`] that reports the first difference;
//! - `lockstep`: the [`Lockstep`] chip, on which a learning experiment of `golden::learn` runs
//!   checked tick by tick ([`lockstep`]);
//! - `chain`: a network of layers ([`run_network`], [`run_chain`]): every layer compared every
//!   tick, the chip's cycles against `golden::cycle::chain_timing`;
//! - `chain_lockstep`: the [`ChainLockstep`] chip, on which a learning experiment on layers
//!   runs checked tick by tick, layer by layer ([`chain_lockstep`]);
//! - `error`: the driver's [`Error`].
//!
//! Key decisions:
//! - [`run`] and [`lockstep`] check every tick with the same [`compare_tick`] and
//!   [`compare_state`], so a stimulus run and a learning run on the hardware check the same
//!   things.
//! - With a VCD asked for, [`run`] simulates a model built with tracing: a matching run leaves the
//!   waveform of the whole run; at a mismatch the run is repeated, dumping only the failing tick.
//! - Generated files go to a folder keyed by a hash of their contents, so `$readmemh` paths are
//!   stable and the Verilator build cache hits on repeated runs of the same design.

mod chain;
mod chain_lockstep;
mod compare;
mod error;
mod harness;
mod lockstep;
pub(crate) mod staging;

pub use chain::{
    ChainAction, ChainReport, build_chain, build_chain_output, build_chain_teacher, run_chain,
    run_chain_output, run_chain_teacher, run_network,
};
pub use chain_lockstep::{ChainLockstep, ChainLockstepReport, chain_lockstep};
pub use compare::{Compare, Mismatch, compare_state, compare_tick};
pub use error::{Error, Result};
pub use harness::{Backpressure, Harness, LayerObs, Ports, TickObs};
pub use lockstep::{Lockstep, LockstepReport, lockstep};
pub use staging::{RtlFolder, build, read_rtl_folder};

use crate::verilator::{Design, InitialValues};
use golden::cycle::{Arch, TickActivity, TickTiming, tick_timing};
use golden::model::Network;
use golden::rng::SplitMix64;
use golden::{Config, Stimulus};
use hdl::array::{Layout, Target};
use staging::stage;
use std::path::PathBuf;
use std::time::Instant;

/// A host action between ticks (applied to both sides).
#[derive(Debug, Clone, PartialEq)]
pub enum HostAction {
    /// Write one weight.
    WriteWeight {
        /// Row.
        j: u64,
        /// Neuron.
        i: u64,
        /// Value within [w_min, w_max].
        w: i64,
    },
    /// Write one state value (v, refractory, theta, y of a neuron; x of a row), within its
    /// range, to a field the array has ([`hdl::array::Layout::state_addr`]).
    WriteState {
        /// Which state.
        kind: golden::model::StateKind,
        /// Neuron (row for x).
        index: u64,
        /// Value within the state's range.
        value: i64,
    },
    /// Write one synaptic delay (designs with delays), within `0..max_delay`.
    WriteDelay {
        /// Row.
        j: u64,
        /// Neuron.
        i: u64,
        /// Delay.
        d: i64,
    },
    /// *clear*.
    Clear,
    /// *normalize*.
    Normalize,
    /// Learning enable.
    Learning(bool),
    /// Teach mode (the TEACH register; designs with teach hardware).
    Teach(bool),
    /// Pulse `rst`.
    Reset,
}

/// Settings of a co-simulation run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Target family of the generated Verilog (an RTL folder's comes from its manifest).
    pub target: Target,
    /// Backpressure on both streams.
    pub bp: Backpressure,
    /// Seed of backpressure and weight sampling.
    pub seed: u64,
    /// State comparison after each tick.
    pub compare: Compare,
    /// Write a VCD of the first mismatching tick (or of the whole run when it matches) here.
    pub vcd: Option<PathBuf>,
    /// Generate forwarding (tests turn it off to show it is needed).
    pub forwarding: bool,
    /// Text substitutions applied to the generated Verilog: (file, from, to); a substitution that
    /// finds nothing is an error (so a mutation test cannot silently test nothing).
    pub patches: Vec<(String, String, String)>,
    /// Host actions: before tick k, do these.
    pub actions: Vec<(usize, HostAction)>,
    /// Initial values of unreset flops and memories in the simulator.
    pub init: InitialValues,
    /// Simulate the Verilog of this folder (what `neurogen generate -o DIR` wrote, possibly
    /// edited) instead of generating it; checked against the config first (see
    /// [`read_rtl_folder`]). `target` and `forwarding` then come from its manifest.
    pub rtl: Option<PathBuf>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            target: Target::Generic,
            bp: Backpressure::default(),
            seed: 1,
            compare: Compare::Full,
            vcd: None,
            forwarding: true,
            patches: Vec::new(),
            actions: Vec::new(),
            init: InitialValues::Zeros,
            rtl: None,
        }
    }
}

/// Figures of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Ticks run.
    pub ticks: usize,
    /// Input events (including dropped ones).
    pub events: usize,
    /// Synaptic operations of the event phase (in-range and recurrent events x neurons).
    pub sops: u64,
    /// Output spikes.
    pub spikes: usize,
    /// Clock cycles of all ticks.
    pub tick_cycles: u64,
    /// Event-phase issue cycles (from the cycle model).
    pub event_cycles: u64,
    /// Clock cycles simulated in total (ticks, host accesses, reset).
    pub sim_cycles: u64,
    /// Wall time of the simulation loop, seconds.
    pub wall_s: f64,
    /// Model build time, seconds, and whether it came from the cache.
    pub build_s: f64,
    /// Whether the build came from the cache.
    pub cached: bool,
    /// The first difference, if any.
    pub mismatch: Option<Mismatch>,
    /// The VCD of the whole run, when one was asked for and the run matched.
    pub vcd: Option<PathBuf>,
}

impl Report {
    /// Synaptic operations per event-phase cycle.
    pub fn sop_per_cycle(&self) -> f64 {
        if self.event_cycles == 0 {
            0.0
        } else {
            self.sops as f64 / self.event_cycles as f64
        }
    }

    /// The report, or its first difference as an [`Error::Mismatch`].
    pub fn into_result(mut self) -> Result<Report> {
        match self.mismatch.take() {
            Some(m) => Err(m.into()),
            None => Ok(self),
        }
    }

    /// Count one tick: its events, the spikes and cycles the RTL produced (`obs`), and the
    /// event-phase figures of the cycle model's `timing` on `lanes` lanes.
    fn count_tick(&mut self, events: usize, obs: &TickObs, timing: &TickTiming, lanes: u64) {
        self.ticks += 1;
        self.events += events;
        self.spikes += obs.spikes.len();
        self.tick_cycles += obs.cycles;
        self.event_cycles += timing.event_issue_cycles;
        self.sops += timing.event_issue_cycles * lanes;
    }
}

/// Run `stim` through RTL and golden model, comparing every tick. With `opts.vcd` set, the
/// model is built with tracing: a matching run writes the VCD of the whole run there
/// ([`Report::vcd`]); at a mismatch the run is repeated and the VCD of the failing tick is
/// written ([`Mismatch::vcd`]).
pub fn run(cfg: &Config, stim: &Stimulus, opts: &RunOptions) -> Result<Report> {
    let t_build = Instant::now();
    let trace = opts.vcd.is_some();
    let (lay, design) = stage(cfg, opts, trace)?;
    let mut rep = Report {
        build_s: t_build.elapsed().as_secs_f64(),
        cached: design.build_info().from_cache(),
        ..Default::default()
    };
    let whole = opts.vcd.clone().map(Trace::Whole).unwrap_or(Trace::Off);
    let first = run_on(cfg, stim, opts, &lay, &design, &whole, &mut rep)?;
    match (first, &opts.vcd) {
        (Some(mut m), Some(vcd)) => {
            let mut rep2 = Report::default();
            let tick = Trace::Tick(m.tick, vcd.clone());
            let again = run_on(cfg, stim, opts, &lay, &design, &tick, &mut rep2)?;
            if again.is_some() {
                m.vcd = Some(vcd.clone());
            }
            rep.mismatch = Some(m);
        }
        (None, vcd) => rep.vcd = vcd.clone(),
        (m, None) => rep.mismatch = m,
    }
    Ok(rep)
}

/// What [`run_on`] dumps to a VCD.
enum Trace {
    Off,
    /// Only this tick, then the run stops.
    Tick(usize, PathBuf),
    /// Every cycle.
    Whole(PathBuf),
}

/// One tick of the golden model: its spikes go to `spikes`; returns the tick's activity and the
/// cycle model's timing of it.
pub(crate) fn golden_tick(
    net: &mut Network,
    arch: &Arch,
    events: &[u32],
    teach: &[u32],
    spikes: &mut Vec<u32>,
) -> (TickActivity, TickTiming) {
    let mut act = golden::run::begin_activity(net, events);
    act.teach_beats = teach.len() as u64;
    spikes.clear();
    spikes.extend_from_slice(net.step_taught(events, teach));
    golden::run::finish_activity(net, &mut act);
    let timing = tick_timing(arch, &act);
    (act, timing)
}

/// Apply a host action to both sides.
fn host_action(h: &mut Harness<'_>, net: &mut Network, act: &HostAction) -> Result<()> {
    match act {
        HostAction::WriteWeight { j, i, w } => {
            net.set_weight(*j as usize, *i as usize, *w)?;
            let word = (*w as i32) as u32;
            let a = h.lay.weight_addr(*j, *i);
            h.write(a, word)?;
        }
        HostAction::WriteState { kind, index, value } => {
            let a = h.lay.state_addr(*kind, *index).ok_or_else(|| {
                Error::Protocol(format!(
                    "host write of {kind:?}: the array has no such field"
                ))
            })?;
            net.set_state(*kind, *index as usize, *value)?;
            h.write(a, *value as i32 as u32)?;
        }
        HostAction::WriteDelay { j, i, d } => {
            net.set_delay(*j as usize, *i as usize, *d)?;
            h.write(h.lay.delay_addr(*j, *i), *d as u32)?;
        }
        HostAction::Clear => {
            net.clear();
            h.clear()?;
        }
        HostAction::Normalize => {
            net.normalize();
            h.normalize()?;
        }
        HostAction::Learning(on) => {
            net.set_learning(*on);
            h.set_learning(*on)?;
        }
        HostAction::Teach(on) => {
            h.set_teach(*on)?;
            net.set_teach(*on);
        }
        HostAction::Reset => {
            net.reset();
            h.reset()?;
        }
    }
    Ok(())
}

/// The comparison loop on a built design.
fn run_on(
    cfg: &Config,
    stim: &Stimulus,
    opts: &RunOptions,
    lay: &Layout,
    design: &Design,
    trace: &Trace,
    rep: &mut Report,
) -> Result<Option<Mismatch>> {
    let model = design.model_with(opts.init)?;
    let arch = lay.arch.clone();
    let mut h = Harness::new(&model, lay.clone(), opts.seed)?;
    match trace {
        Trace::Off => {}
        Trace::Tick(_, path) | Trace::Whole(path) => model.trace_open(path)?,
    }
    h.set_tracing(matches!(trace, Trace::Whole(_)));
    let mut net = Network::new(cfg);
    let mut rng = SplitMix64::new(opts.seed ^ 0xA5A5_5A5A);
    let t0 = Instant::now();
    h.reset()?;
    if lay.pair {
        h.load_weights(&net)?;
    }
    h.load_theta(&net)?;
    let timed = opts.bp.input == 0.0 && opts.bp.output == 0.0;
    let mut expected = Vec::new();
    let mut result = None;
    for (t, events) in stim.ticks.iter().enumerate() {
        for (_, act) in opts.actions.iter().filter(|(k, _)| *k == t) {
            host_action(&mut h, &mut net, act)
                .map_err(|e| e.at(format!("host action {act:?} before tick {t}")))?;
        }
        let tracing_now = matches!(trace, Trace::Tick(k, _) if *k == t);
        if let Trace::Tick(..) = trace {
            h.set_tracing(tracing_now);
        }
        let teach = stim.teach_at(t);
        let (act, timing) = golden_tick(&mut net, &arch, events, teach, &mut expected);
        h.bp = opts.bp;
        let obs = h
            .tick_taught(events, teach)
            .map_err(|e| e.at(format!("tick {t}")))?;
        h.bp = Backpressure::default();
        rep.count_tick(events.len(), &obs, &timing, lay.l);
        result = compare_tick(t, &expected, &act, &timing, &obs, timed);
        if result.is_some() {
            break;
        }
        let full = opts.compare == Compare::Full || t + 1 == stim.ticks.len();
        result = compare_state(&mut h, &net, t, full, opts.compare, &mut rng)
            .map_err(|e| e.at(format!("state read after tick {t}")))?;
        if result.is_some() || tracing_now {
            break;
        }
    }
    rep.sim_cycles = h.cycles();
    rep.wall_s = t0.elapsed().as_secs_f64();
    if !matches!(trace, Trace::Off) {
        model.trace_close();
    }
    Ok(result)
}
