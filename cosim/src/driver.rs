//! The co-simulation driver: runs the generated Verilog under Verilator and the golden model side
//! by side, tick by tick, and stops at the first difference.
//!
//! Key decisions:
//! - A [`Harness`] drives one Verilated array like a synchronous testbench: each cycle it sets the
//!   inputs, evaluates with the clock low, samples the handshakes (`valid && ready`, Wishbone
//!   accept and ack), then raises the clock. Input beats are held until accepted (AXI-stream
//!   rule), so random gaps on `in_valid` and random `out_ready` exercise backpressure without
//!   ever dropping a beat.
//! - After every tick the runner compares the spike list, then reads state back through the host
//!   port (v, refractory, theta, x, y and the weights, all or a seeded sample), the dropped and
//!   tick counters, and, without backpressure, the tick's cycle count and every output beat's
//!   cycle against the cycle model. The first difference becomes a [`Mismatch`] naming the tick,
//!   the state, the index, expected and actual; the run is then repeated with tracing on to write
//!   a VCD of that tick.
//! - [`lockstep`] drives the same harness from a closure instead of a stimulus: any sequence of
//!   ticks and host commands, such as a learning experiment of `golden::learn` running on the
//!   [`Lockstep`] chip, is checked tick by tick against the golden model.
//! - Generated files go to a folder keyed by a hash of their contents, so `$readmemh` paths are
//!   stable and the Verilator build cache hits on repeated runs of the same design.

use crate::verilator::{Build, Design, In, InitialValues, Model, Out};
use golden::cycle::{Arch, TickActivity, tick_timing};
use golden::model::{Network, StateKind};
use golden::rng::SplitMix64;
use golden::{Config, Stimulus};
use hdl::array::{Generated, Layout, Options as GenOptions, Region, Target, generate};
use std::path::{Path, PathBuf};

use std::time::Instant;

/// Errors of a co-simulation run (build, tool, protocol); a model difference is a [`Mismatch`].
pub type Result<T> = std::result::Result<T, String>;

/// The ports of a generated array.
pub struct Ports<'m> {
    clk: In<'m>,
    rst: In<'m>,
    in_valid: In<'m>,
    in_ready: Out<'m>,
    in_eot: In<'m>,
    in_addr: In<'m>,
    out_valid: Out<'m>,
    out_ready: In<'m>,
    out_eot: Out<'m>,
    out_addr: Out<'m>,
    wb_cyc: In<'m>,
    wb_stb: In<'m>,
    wb_we: In<'m>,
    wb_adr: In<'m>,
    wb_dat_w: In<'m>,
    wb_sel: In<'m>,
    wb_dat_r: Out<'m>,
    wb_ack: Out<'m>,
    wb_stall: Out<'m>,
}

fn e<E: std::fmt::Display>(x: E) -> String {
    x.to_string()
}

impl<'m> Ports<'m> {
    /// Bind every port of the array's top module.
    pub fn bind(m: &'m Model) -> Result<Ports<'m>> {
        Ok(Ports {
            clk: m.input("clk").map_err(e)?,
            rst: m.input("rst").map_err(e)?,
            in_valid: m.input("in_valid").map_err(e)?,
            in_ready: m.output("in_ready").map_err(e)?,
            in_eot: m.input("in_eot").map_err(e)?,
            in_addr: m.input("in_addr").map_err(e)?,
            out_valid: m.output("out_valid").map_err(e)?,
            out_ready: m.input("out_ready").map_err(e)?,
            out_eot: m.output("out_eot").map_err(e)?,
            out_addr: m.output("out_addr").map_err(e)?,
            wb_cyc: m.input("wb_cyc").map_err(e)?,
            wb_stb: m.input("wb_stb").map_err(e)?,
            wb_we: m.input("wb_we").map_err(e)?,
            wb_adr: m.input("wb_adr").map_err(e)?,
            wb_dat_w: m.input("wb_dat_w").map_err(e)?,
            wb_sel: m.input("wb_sel").map_err(e)?,
            wb_dat_r: m.output("wb_dat_r").map_err(e)?,
            wb_ack: m.output("wb_ack").map_err(e)?,
            wb_stall: m.output("wb_stall").map_err(e)?,
        })
    }
}

/// What one tick produced on the hardware side.
#[derive(Debug, Clone, Default)]
pub struct TickObs {
    /// Spike addresses in output order.
    pub spikes: Vec<u32>,
    /// Cycle of each spike beat, relative to the tick's cycle 0.
    pub beat_cycles: Vec<u64>,
    /// Cycles from cycle 0 to the end-of-tick beat, inclusive.
    pub cycles: u64,
    /// Cycles during which input beats were accepted, relative to cycle 0.
    pub accept_cycles: Vec<u64>,
}

/// Backpressure settings: probability per cycle of a gap on `in_valid` (before presenting a
/// beat) and of `out_ready` low.
#[derive(Debug, Clone, Copy, Default)]
pub struct Backpressure {
    /// Probability of not presenting the next input beat in a cycle.
    pub input: f64,
    /// Probability of `out_ready = 0` in a cycle.
    pub output: f64,
}

/// One Verilated array and its testbench state.
pub struct Harness<'m> {
    model: &'m Model,
    p: Ports<'m>,
    /// The array's layout (sizes and memory map).
    pub lay: Layout,
    cycle: u64,
    time: u64,
    tracing: bool,
    rng: SplitMix64,
    /// Backpressure of ticks.
    pub bp: Backpressure,
    /// Cycle limit of one tick or one host access before the harness reports a hang.
    pub watchdog: u64,
}

impl<'m> Harness<'m> {
    /// Bind a harness to a model of the array `lay`.
    pub fn new(model: &'m Model, lay: Layout, seed: u64) -> Result<Harness<'m>> {
        let p = Ports::bind(model)?;
        let watchdog = 1000
            + 4 * lay.arch.scale_cycles()
            + 4 * lay.arch.ltp_cycles(lay.g)
            + 64 * (lay.g + lay.r + lay.arch.x_words);
        Ok(Harness {
            model,
            p,
            lay,
            cycle: 0,
            time: 0,
            tracing: false,
            rng: SplitMix64::new(seed),
            bp: Backpressure::default(),
            watchdog,
        })
    }

    /// Clock cycles run so far.
    pub fn cycles(&self) -> u64 {
        self.cycle
    }

    /// Dump VCD samples from now on (the model must have been built with tracing).
    pub fn set_tracing(&mut self, on: bool) {
        self.tracing = on;
    }

    /// Evaluate with the clock low (inputs of this cycle applied).
    fn settle(&mut self) -> Result<()> {
        self.p.clk.set(0).map_err(e)?;
        self.model.eval().map_err(e)?;
        if self.tracing {
            self.model.dump(self.time);
        }
        self.time += 5;
        Ok(())
    }

    /// Raise the clock: the state advances.
    fn edge(&mut self) -> Result<()> {
        self.p.clk.set(1).map_err(e)?;
        self.model.eval().map_err(e)?;
        if self.tracing {
            self.model.dump(self.time);
        }
        self.time += 5;
        self.cycle += 1;
        Ok(())
    }

    fn idle_inputs(&mut self) -> Result<()> {
        for i in [
            &self.p.in_valid,
            &self.p.in_eot,
            &self.p.wb_cyc,
            &self.p.wb_stb,
            &self.p.wb_we,
        ] {
            i.set(0).map_err(e)?;
        }
        self.p.out_ready.set(1).map_err(e)?;
        Ok(())
    }

    /// Assert `rst` for two cycles, then run until the clearing sweep is done and the host port
    /// accepts requests. Returns the cycles spent after `rst` fell.
    pub fn reset(&mut self) -> Result<u64> {
        self.idle_inputs()?;
        self.p.rst.set(1).map_err(e)?;
        for _ in 0..2 {
            self.settle()?;
            self.edge()?;
        }
        self.p.rst.set(0).map_err(e)?;
        self.wait_idle()
    }

    /// Run idle cycles until `wb_stall` is low (between ticks, no command running).
    pub fn wait_idle(&mut self) -> Result<u64> {
        self.idle_inputs()?;
        let start = self.cycle;
        loop {
            self.settle()?;
            if self.p.wb_stall.get() == 0 {
                return Ok(self.cycle - start);
            }
            self.edge()?;
            if self.cycle - start > self.watchdog {
                return Err(format!(
                    "the array did not become idle within {} cycles",
                    self.watchdog
                ));
            }
        }
    }

    fn wishbone(&mut self, we: bool, addr: u64, data: u32, sel: u32) -> Result<u32> {
        self.idle_inputs()?;
        let p = &self.p;
        p.wb_cyc.set(1).map_err(e)?;
        p.wb_stb.set(1).map_err(e)?;
        p.wb_we.set(we as u64).map_err(e)?;
        p.wb_adr.set(addr).map_err(e)?;
        p.wb_dat_w.set(data as u64).map_err(e)?;
        p.wb_sel.set(sel as u64).map_err(e)?;
        let start = self.cycle;
        let mut accepted = false;
        loop {
            self.settle()?;
            if accepted && self.p.wb_ack.get() == 1 {
                let v = self.p.wb_dat_r.get() as u32;
                self.edge()?;
                self.p.wb_cyc.set(0).map_err(e)?;
                return Ok(v);
            }
            if !accepted && self.p.wb_stall.get() == 0 {
                accepted = true;
                self.edge()?;
                self.p.wb_stb.set(0).map_err(e)?;
            } else {
                self.edge()?;
            }
            if self.cycle - start > self.watchdog {
                return Err(format!(
                    "Wishbone access to 0x{addr:x} not acknowledged within {} cycles",
                    self.watchdog
                ));
            }
        }
    }

    /// Host read of one word.
    pub fn read(&mut self, addr: u64) -> Result<u32> {
        self.wishbone(false, addr, 0, 0)
    }

    /// Host write of one word (all bytes).
    pub fn write(&mut self, addr: u64, data: u32) -> Result<()> {
        self.wishbone(true, addr, data, 0xF).map(|_| ())
    }

    /// Host write with byte selects.
    pub fn write_sel(&mut self, addr: u64, data: u32, sel: u32) -> Result<()> {
        self.wishbone(true, addr, data, sel).map(|_| ())
    }

    /// Read a weight.
    pub fn weight(&mut self, j: u64, i: u64) -> Result<i64> {
        let a = self.lay.weight_addr(j, i);
        let word = self.read(a)?;
        Ok(self.lay.decode(Region::W, word))
    }

    /// Read a per-neuron state value.
    pub fn neuron_state(&mut self, region: Region, i: u64) -> Result<i64> {
        let a = self.lay.neuron_addr(region, i);
        let word = self.read(a)?;
        Ok(self.lay.decode(region, word))
    }

    /// Read a presynaptic trace.
    pub fn x(&mut self, j: u64) -> Result<i64> {
        let a = self.lay.x_addr(j);
        Ok(self.read(a)? as i64)
    }

    /// Write a whole weight matrix `W[j][i]` through the host port (memories that cannot be
    /// preloaded, such as UP5K SPRAM, get their initial weights this way).
    pub fn load_weights(&mut self, net: &Network) -> Result<()> {
        for j in 0..self.lay.r {
            for i in 0..self.lay.n {
                let v = net.weight(j as usize, i as usize);
                self.write(self.lay.weight_addr(j, i), v as u32)?;
            }
        }
        Ok(())
    }

    /// Run the *clear* command and wait for it.
    pub fn clear(&mut self) -> Result<()> {
        self.write(self.lay.reg_addr(hdl::array::layout::regs::COMMAND), 1)?;
        self.wait_idle().map(|_| ())
    }

    /// Run the *normalize* command and wait for it.
    pub fn normalize(&mut self) -> Result<()> {
        self.write(self.lay.reg_addr(hdl::array::layout::regs::COMMAND), 2)?;
        self.wait_idle().map(|_| ())
    }

    /// Set the learning-enable register.
    pub fn set_learning(&mut self, on: bool) -> Result<()> {
        self.write(
            self.lay.reg_addr(hdl::array::layout::regs::CONTROL),
            on as u32,
        )
    }

    /// Run one tick: present the events then the end-of-tick beat (honouring backpressure),
    /// collect the output until its end-of-tick beat.
    pub fn tick(&mut self, events: &[u32]) -> Result<TickObs> {
        self.idle_inputs()?;
        let n = events.len();
        let mut next = 0; // index of the beat being offered (n = end of tick)
        let mut presenting = false;
        let mut start: Option<u64> = None;
        let mut obs = TickObs::default();
        let begin = self.cycle;
        loop {
            if !presenting && next <= n {
                presenting = !(self.bp.input > 0.0 && self.rng.chance(self.bp.input));
            }
            let p = &self.p;
            p.in_valid.set(presenting as u64).map_err(e)?;
            p.in_eot.set((next == n) as u64).map_err(e)?;
            p.in_addr
                .set(if next < n { events[next] as u64 } else { 0 })
                .map_err(e)?;
            let ready_out = !(self.bp.output > 0.0 && self.rng.chance(self.bp.output));
            p.out_ready.set(ready_out as u64).map_err(e)?;
            self.settle()?;
            if presenting && start.is_none() {
                start = Some(self.cycle);
            }
            let t0 = start.unwrap_or(self.cycle);
            if presenting && self.p.in_ready.get() == 1 {
                obs.accept_cycles.push(self.cycle - t0);
                next += 1;
                presenting = false;
            }
            let mut done = false;
            if self.p.out_valid.get() == 1 && ready_out {
                if self.p.out_eot.get() == 1 {
                    obs.cycles = self.cycle - t0 + 1;
                    done = true;
                } else {
                    obs.spikes.push(self.p.out_addr.get() as u32);
                    obs.beat_cycles.push(self.cycle - t0);
                }
            }
            self.edge()?;
            if done {
                if next <= n {
                    return Err(
                        "the array ended the tick before accepting its end-of-tick beat".into(),
                    );
                }
                self.p.in_valid.set(0).map_err(e)?;
                return Ok(obs);
            }
            if self.cycle - begin > self.watchdog + 64 * n as u64 * self.lay.g {
                return Err(format!(
                    "tick did not end within {} cycles",
                    self.cycle - begin
                ));
            }
        }
    }
}

/// How much state to compare after each tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// Every weight and every state value.
    Full,
    /// Every neuron state and trace, and this many seeded random weights per tick (every weight
    /// after the last tick).
    Sample(usize),
}

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
    /// *clear*.
    Clear,
    /// *normalize*.
    Normalize,
    /// Learning enable.
    Learning(bool),
    /// Pulse `rst`.
    Reset,
}

/// Settings of a co-simulation run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Target family of the generated Verilog.
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
        }
    }
}

/// The first difference between RTL and golden model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Tick (0-based) after which the difference was seen.
    pub tick: usize,
    /// What differs (`spikes`, `v`, `weight`, `cycles`, ...).
    pub what: String,
    /// Index (neuron, row, `j,i`, beat), if any.
    pub index: String,
    /// Golden value.
    pub expected: String,
    /// RTL value.
    pub actual: String,
    /// VCD of the tick, when written.
    pub vcd: Option<PathBuf>,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MISMATCH at tick {}: {}{} expected {} got {}",
            self.tick,
            self.what,
            if self.index.is_empty() {
                String::new()
            } else {
                format!("[{}]", self.index)
            },
            self.expected,
            self.actual
        )?;
        if let Some(v) = &self.vcd {
            write!(f, " (waveform of the tick: {})", v.display())?;
        }
        Ok(())
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
}

/// Generate, write to a content-keyed folder, and build the Verilated model.
pub fn build(cfg: &Config, opts: &RunOptions, trace: bool) -> Result<(Generated, Design)> {
    let probe = generate(
        cfg,
        &GenOptions {
            target: opts.target,
            forwarding: opts.forwarding,
            init_prefix: String::new(),
        },
    )?;
    let mut h: u64 = 0xcbf29ce484222325;
    for (n, t) in probe.rtl.iter().chain(probe.init.iter()) {
        for b in n.bytes().chain(t.bytes()) {
            h = (h ^ b as u64).wrapping_mul(0x100000001b3);
        }
    }
    for (f, a, b) in &opts.patches {
        for x in f.bytes().chain(a.bytes()).chain(b.bytes()) {
            h = (h ^ x as u64).wrapping_mul(0x100000001b3);
        }
    }
    let dir = crate::verilator::default_cache_dir()
        .join("designs")
        .join(format!("{}-{h:016x}", cfg.name));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let prefix = format!("{}/", dir.display());
    let mut g = generate(
        cfg,
        &GenOptions {
            target: opts.target,
            forwarding: opts.forwarding,
            init_prefix: prefix,
        },
    )?;
    for (file, from, to) in &opts.patches {
        let f = g
            .rtl
            .iter_mut()
            .find(|(n, _)| n == file)
            .ok_or_else(|| format!("patch: no file {file}"))?;
        if !f.1.contains(from.as_str()) {
            return Err(format!("patch: `{from}` not found in {file}"));
        }
        f.1 = f.1.replacen(from.as_str(), to, 1);
    }
    let mut paths = Vec::new();
    for (n, t) in g.rtl.iter().chain(g.init.iter()) {
        let p = dir.join(n);
        write_if_changed(&p, t)?;
        if n.ends_with(".v") {
            paths.push(p);
        }
    }
    let design = Build::new(g.design.top.clone())
        .sources(paths)
        .trace(trace)
        .build()
        .map_err(e)?;
    Ok((g, design))
}

fn write_if_changed(p: &Path, text: &str) -> Result<()> {
    if std::fs::read_to_string(p).ok().as_deref() == Some(text) {
        return Ok(());
    }
    let tmp = p.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, p).map_err(|e| format!("{}: {e}", p.display()))
}

/// Run `stim` through RTL and golden model, comparing every tick. On a mismatch with
/// `opts.vcd` set, the run is repeated with tracing and the VCD of the failing tick is written.
pub fn run(cfg: &Config, stim: &Stimulus, opts: &RunOptions) -> Result<Report> {
    let t_build = Instant::now();
    let (g, design) = build(cfg, opts, false)?;
    let mut rep = Report {
        build_s: t_build.elapsed().as_secs_f64(),
        cached: design.build_info().from_cache(),
        ..Default::default()
    };
    let first = run_on(cfg, stim, opts, &g, &design, None, &mut rep)?;
    match (first, &opts.vcd) {
        (Some(mut m), Some(vcd)) => {
            let (g2, d2) = build(cfg, opts, true)?;
            let mut rep2 = Report::default();
            let again = run_on(
                cfg,
                stim,
                opts,
                &g2,
                &d2,
                Some((m.tick, vcd.clone())),
                &mut rep2,
            )?;
            if again.is_some() {
                m.vcd = Some(vcd.clone());
            }
            rep.mismatch = Some(m);
        }
        (m, _) => rep.mismatch = m,
    }
    Ok(rep)
}

fn mm(
    tick: usize,
    what: &str,
    index: String,
    expected: impl ToString,
    actual: impl ToString,
) -> Option<Mismatch> {
    Some(Mismatch {
        tick,
        what: what.into(),
        index,
        expected: expected.to_string(),
        actual: actual.to_string(),
        vcd: None,
    })
}

/// The comparison loop on a built design. `trace_tick` = (tick, path): dump only that tick.
fn run_on(
    cfg: &Config,
    stim: &Stimulus,
    opts: &RunOptions,
    g: &Generated,
    design: &Design,
    trace_tick: Option<(usize, PathBuf)>,
    rep: &mut Report,
) -> Result<Option<Mismatch>> {
    let model = design.model_with(opts.init).map_err(e)?;
    let lay = g.layout.clone();
    let arch: Arch = lay.arch.clone();
    let mut h = Harness::new(&model, lay.clone(), opts.seed)?;
    if let Some((_, path)) = &trace_tick {
        model.trace_open(path).map_err(e)?;
    }
    let mut net = Network::new(cfg);
    let mut rng = SplitMix64::new(opts.seed ^ 0xA5A5_5A5A);
    let t0 = Instant::now();
    h.reset()?;
    if lay.pair {
        h.load_weights(&net)?;
    }
    let nb = opts.bp.input > 0.0 || opts.bp.output > 0.0;
    let mut result = None;
    'ticks: for (t, events) in stim.ticks.iter().enumerate() {
        for (_, act) in opts.actions.iter().filter(|(k, _)| *k == t) {
            match act {
                HostAction::WriteWeight { j, i, w } => {
                    net.set_weight(*j as usize, *i as usize, *w).map_err(e)?;
                    let word = (*w as i32) as u32;
                    h.write(lay.weight_addr(*j, *i), word)?;
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
                HostAction::Reset => {
                    net.reset();
                    h.reset()?;
                }
            }
        }
        h.bp = opts.bp;
        let tracing_now = trace_tick.as_ref().is_some_and(|(k, _)| *k == t);
        h.set_tracing(tracing_now);
        let mut act: TickActivity = golden::run::begin_activity(&net, events);
        let expected: Vec<u32> = net.step(events).to_vec();
        golden::run::finish_activity(&net, &mut act);
        let timing = tick_timing(&arch, &act);
        let obs = h.tick(events)?;
        h.bp = Backpressure::default();
        rep.ticks += 1;
        rep.events += events.len();
        rep.spikes += obs.spikes.len();
        rep.tick_cycles += obs.cycles;
        rep.event_cycles += timing.event_issue_cycles;
        rep.sops += timing.event_issue_cycles * lay.l;
        if obs.spikes != expected {
            result = mm(
                t,
                "spikes",
                String::new(),
                format!("{expected:?}"),
                format!("{:?}", obs.spikes),
            );
            break 'ticks;
        }
        if !nb {
            if obs.cycles != timing.cycles {
                let dropped = act.beats_in_range.iter().filter(|ok| !**ok).count();
                let what = format!(
                    "cycles (tick with {} events, {} dropped, {} previous spikes, {} spikes, ltp {}, scaling {})",
                    act.beats_in_range.len() - dropped,
                    dropped,
                    act.prev_spikes,
                    act.spikes.len(),
                    act.ltp,
                    act.scale
                );
                result = mm(t, &what, String::new(), timing.cycles, obs.cycles);
                break;
            }
            if obs.beat_cycles != timing.out_beats {
                result = mm(
                    t,
                    "output beat cycles",
                    String::new(),
                    format!("{:?}", timing.out_beats),
                    format!("{:?}", obs.beat_cycles),
                );
                break;
            }
        }
        let full = opts.compare == Compare::Full || t + 1 == stim.ticks.len();
        if let Some(m) = compare_state(&mut h, &net, t, full, opts.compare, &mut rng)? {
            result = Some(m);
            break;
        }
        if tracing_now {
            break;
        }
    }
    rep.sim_cycles = h.cycles();
    rep.wall_s = t0.elapsed().as_secs_f64();
    if trace_tick.is_some() {
        model.trace_close();
    }
    Ok(result)
}

/// Compare counters, neuron state, traces and weights (all, or a sample).
pub fn compare_state(
    h: &mut Harness,
    net: &Network,
    t: usize,
    full: bool,
    compare: Compare,
    rng: &mut SplitMix64,
) -> Result<Option<Mismatch>> {
    use hdl::array::layout::regs;
    let lay = h.lay.clone();
    let dropped = h.read(regs::DROPPED)? as u64;
    if dropped != net.dropped() & 0xFFFF_FFFF {
        return Ok(mm(
            t,
            "dropped counter",
            String::new(),
            net.dropped(),
            dropped,
        ));
    }
    let ticks = h.read(regs::TICK_LO)? as u64 | (h.read(regs::TICK_HI)? as u64) << 32;
    if ticks != net.tick() {
        return Ok(mm(t, "tick counter", String::new(), net.tick(), ticks));
    }
    let regions = [
        (Region::V, StateKind::V, "v"),
        (Region::Ref, StateKind::Refractory, "refractory"),
        (Region::Theta, StateKind::Theta, "theta"),
        (Region::Y, StateKind::Y, "y"),
    ];
    for (region, kind, name) in regions {
        if lay.region_field(region).is_none() {
            continue;
        }
        let gold = net.state(kind);
        for i in 0..lay.n {
            let got = h.neuron_state(region, i)?;
            if got != gold[i as usize] {
                return Ok(mm(t, name, i.to_string(), gold[i as usize], got));
            }
        }
    }
    if lay.f_y.is_some() {
        for j in 0..lay.r {
            let got = h.x(j)?;
            if got != net.x()[j as usize] {
                return Ok(mm(t, "x", j.to_string(), net.x()[j as usize], got));
            }
        }
    }
    let w = net.weights();
    let check = |h: &mut Harness, j: u64, i: u64| -> Result<Option<Mismatch>> {
        let got = h.weight(j, i)?;
        let want = w[[j as usize, i as usize]] as i64;
        Ok(if got != want {
            mm(t, "weight", format!("{j},{i}"), want, got)
        } else {
            None
        })
    };
    match (full, compare) {
        (false, Compare::Sample(n)) => {
            for _ in 0..n {
                let j = rng.below(lay.r);
                let i = rng.below(lay.n);
                if let Some(m) = check(h, j, i)? {
                    return Ok(Some(m));
                }
            }
        }
        _ => {
            for j in 0..lay.r {
                for i in 0..lay.n {
                    if let Some(m) = check(h, j, i)? {
                        return Ok(Some(m));
                    }
                }
            }
        }
    }
    Ok(None)
}

/// A generated array in Verilator and a golden model driven together as one
/// [`golden::learn::Chip`], so a learning experiment of `golden::learn` runs unchanged on the
/// hardware (see [`lockstep`]).
///
/// Every tick goes to both sides; the spikes, the cycle count (without backpressure), the
/// counters, every neuron state and trace and the weights of `RunOptions::compare` (all, or a
/// seeded sample) are compared after it, and every weight at each *clear* after learning or
/// *normalize* may have changed them, i.e. after every training sample. Host commands and theta writes
/// go to both sides. The experiment sees the golden model's spikes and reads; at the first
/// difference (or a harness error) the hardware is detached and the golden model carries the
/// experiment to its end.
pub struct Lockstep<'m> {
    h: Harness<'m>,
    net: Network,
    arch: Arch,
    compare: Compare,
    bp: Backpressure,
    rng: SplitMix64,
    attached: bool,
    budget: Option<usize>,
    dirty: bool,
    samples: usize,
    fresh: bool,
    spikes: Vec<u32>,
    rep: Report,
    mismatch_sample: usize,
    error: Option<String>,
    t0: Instant,
}

impl Lockstep<'_> {
    /// Ticks run on the hardware so far.
    pub fn hw_ticks(&self) -> usize {
        self.rep.ticks
    }

    /// Whether the hardware is still driven (no difference, no error, budget not spent).
    pub fn attached(&self) -> bool {
        self.attached
    }

    /// The golden model.
    pub fn golden(&self) -> &Network {
        &self.net
    }

    /// Stop driving the hardware; its figures end here.
    fn detach(&mut self) {
        if self.attached {
            self.attached = false;
            self.rep.sim_cycles = self.h.cycles();
            self.rep.wall_s = self.t0.elapsed().as_secs_f64();
        }
    }

    fn fail(&mut self, r: Result<Option<Mismatch>>) -> bool {
        match r {
            Ok(None) => false,
            Ok(Some(m)) => {
                self.rep.mismatch = Some(m);
                self.mismatch_sample = self.samples;
                self.detach();
                true
            }
            Err(e) => {
                self.error = Some(e);
                self.detach();
                true
            }
        }
    }

    /// Compare the whole state (every weight); the hardware stays attached when it matches.
    fn check_all(&mut self) -> bool {
        let t = self.rep.ticks.saturating_sub(1);
        let r = compare_state(
            &mut self.h,
            &self.net,
            t,
            true,
            Compare::Full,
            &mut self.rng,
        );
        self.dirty = false;
        self.fail(r)
    }

    /// Run one tick on both sides (the golden spikes go to `self.spikes`) and compare.
    fn hw_tick(&mut self, events: &[u32]) {
        let t = self.rep.ticks;
        let mut act: TickActivity = golden::run::begin_activity(&self.net, events);
        self.spikes.clear();
        self.spikes.extend_from_slice(self.net.step(events));
        golden::run::finish_activity(&self.net, &mut act);
        let timing = tick_timing(&self.arch, &act);
        self.h.bp = self.bp;
        let obs = self.h.tick(events);
        self.h.bp = Backpressure::default();
        if self.fresh {
            self.samples += 1;
            self.fresh = false;
        }
        let obs = match obs {
            Ok(o) => o,
            Err(e) => {
                self.fail(Err(format!("tick {t}: {e}")));
                return;
            }
        };
        self.dirty |= self.net.learning();
        let rep = &mut self.rep;
        rep.ticks += 1;
        rep.events += events.len();
        rep.spikes += obs.spikes.len();
        rep.tick_cycles += obs.cycles;
        rep.event_cycles += timing.event_issue_cycles;
        rep.sops += timing.event_issue_cycles * self.h.lay.l;
        let m = if obs.spikes != self.spikes {
            mm(
                t,
                "spikes",
                String::new(),
                format!("{:?}", self.spikes),
                format!("{:?}", obs.spikes),
            )
        } else if self.bp.input == 0.0 && self.bp.output == 0.0 && obs.cycles != timing.cycles {
            mm(t, "cycles", String::new(), timing.cycles, obs.cycles)
        } else {
            None
        };
        if self.fail(Ok(m)) {
            return;
        }
        let r = compare_state(
            &mut self.h,
            &self.net,
            t,
            false,
            self.compare,
            &mut self.rng,
        );
        if self.fail(r) {
            return;
        }
        if self.budget.is_some_and(|b| self.rep.ticks >= b) {
            self.check_all();
            self.detach();
        }
    }

    /// A host command on the hardware side; a failure detaches it.
    fn host(&mut self, what: &str, f: impl FnOnce(&mut Harness<'_>) -> Result<()>) {
        if self.attached {
            let r = f(&mut self.h).map(|()| None);
            let r = r.map_err(|e| format!("{what} after tick {}: {e}", self.rep.ticks));
            self.fail(r);
        }
    }
}

impl golden::learn::Chip for Lockstep<'_> {
    fn neurons(&self) -> usize {
        self.net.config().neurons()
    }

    fn step(&mut self, events: &[u32]) -> &[u32] {
        if self.attached {
            self.hw_tick(events);
            return &self.spikes;
        }
        self.net.step(events)
    }

    fn clear(&mut self) {
        if self.attached && self.dirty {
            self.check_all();
        }
        self.fresh = true;
        self.net.clear();
        self.host("clear", |h| h.clear());
    }

    fn normalize(&mut self) {
        self.net.normalize();
        self.dirty = true;
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
/// after the last one every weight is compared. `opts.target`, `forwarding`, `patches`,
/// `init`, `seed`, `bp` and `compare` (per tick) apply; `actions` and `vcd` do not.
pub fn lockstep<R>(
    cfg: &Config,
    opts: &RunOptions,
    max_ticks: Option<usize>,
    f: impl FnOnce(&mut Lockstep<'_>) -> R,
) -> Result<(R, LockstepReport)> {
    let t_build = Instant::now();
    let (g, design) = build(cfg, opts, false)?;
    let build_s = t_build.elapsed().as_secs_f64();
    let model = design.model_with(opts.init).map_err(e)?;
    let mut h = Harness::new(&model, g.layout.clone(), opts.seed)?;
    let t0 = Instant::now();
    let net = Network::new(cfg);
    h.reset()?;
    if g.layout.pair {
        h.load_weights(&net)?;
    }
    let mut ls = Lockstep {
        h,
        net,
        arch: g.layout.arch.clone(),
        compare: opts.compare,
        bp: opts.bp,
        rng: SplitMix64::new(opts.seed ^ 0xA5A5_5A5A),
        attached: max_ticks != Some(0),
        budget: max_ticks,
        dirty: true,
        samples: 0,
        fresh: true,
        spikes: Vec::new(),
        rep: Report {
            build_s,
            cached: design.build_info().from_cache(),
            ..Default::default()
        },
        mismatch_sample: 0,
        error: None,
        t0,
    };
    let r = f(&mut ls);
    if ls.attached {
        ls.check_all();
        ls.detach();
    }
    let complete = ls.rep.mismatch.is_none() && ls.rep.ticks as u64 == ls.net.tick();
    if let Some(err) = ls.error {
        return Err(err);
    }
    let rep = ls.rep;
    let mismatch_sample = rep.mismatch.as_ref().map(|_| ls.mismatch_sample);
    Ok((
        r,
        LockstepReport {
            run: rep,
            mismatch_sample,
            samples: ls.samples,
            total_ticks: ls.net.tick(),
            complete,
        },
    ))
}
