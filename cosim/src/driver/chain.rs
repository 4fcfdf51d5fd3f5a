//! Co-simulation of a chain of layers (`hdl::array::chain`): the chain top under Verilator and
//! the golden [`Chain`] of the same layers (`golden::run::step_chain`: layers stepped first to
//! last within a tick; `layer_delay = 0`: layer k+1's events are layer k's spikes of the tick;
//! `1`: those of the previous tick, none in tick 0), compared every tick.
//!
//! Key decisions:
//! - Every layer's spikes are observed on the chain top's monitor ports (`l{k}_valid`, ...;
//!   the last layer's on the output stream), so the first difference names its layer.
//! - Without backpressure the chip's cycles per tick, every layer's output beat cycles and every
//!   inner layer's end-of-tick cycle are compared with `golden::cycle::chain_timing`.
//! - With `[network] output = "all"` the output stream's beats of each layer (its `out_layer`
//!   tag) are compared with the golden layer's spikes too, and without backpressure the whole
//!   tagged stream (layer and cycle of every beat) with `chain_timing_out`.
//! - State and weights are read per layer through the one host port (the layer's base address
//!   added to every access) with the same [`compare_state`] as a one-layer run.

use super::compare::{Compare, Mismatch, compare_state, mm};
use super::error::{Error, Result};
use super::harness::{Backpressure, Harness, TickObs};
use super::staging::{apply_patches, design_dir, write_files};
use super::{HostAction, Report, RunOptions, host_action};
use crate::verilator::{Build, Design};
use golden::chain::Chain;
use golden::config::ChainOutput;
use golden::cycle::{Arch, ChainTiming, chain_timing_out, tick_timing};
use golden::rng::SplitMix64;
use golden::run::step_chain_taught;
use golden::{Config, Stimulus};
use hdl::array::Options as GenOptions;
use hdl::array::chain::{ChainGenerated, generate_chain_output};
use std::time::Instant;

/// Figures of a chain run: the one-layer [`Report`] of the chip (spikes of the last layer,
/// cycles of the chip) and what each layer alone would have taken.
#[derive(Debug, Clone, Default)]
pub struct ChainReport {
    /// The chip's run.
    pub run: Report,
    /// Per layer: the sum over ticks of the cycles the layer's tick takes alone (the one-layer
    /// cycle model with every input beat offered at once).
    pub layer_cycles: Vec<u64>,
    /// The sum over ticks of the slowest layer's cycles alone in that tick.
    pub slowest_cycles: u64,
    /// Per layer: spikes over the run.
    pub layer_spikes: Vec<usize>,
}

impl ChainReport {
    /// Chip cycles over the slowest layer's alone (1.0: the chain costs nothing).
    pub fn overhead(&self) -> f64 {
        self.run.tick_cycles as f64 / self.slowest_cycles.max(1) as f64
    }
}

/// Generate the chain `name` of `layers` for `opts`, write it (patches applied) to a
/// content-keyed folder and build the Verilated model; with teach hardware the teacher stream
/// reaches the last layer ([`build_chain_teacher`] for another).
pub fn build_chain(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    opts: &RunOptions,
    trace: bool,
) -> Result<(ChainGenerated, Design)> {
    build_chain_teacher(
        name,
        layers,
        layer_delay,
        layers.len().max(1) - 1,
        opts,
        trace,
    )
}

/// [`build_chain`] with the teacher stream reaching layer `teacher`.
pub fn build_chain_teacher(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    teacher: usize,
    opts: &RunOptions,
    trace: bool,
) -> Result<(ChainGenerated, Design)> {
    build_chain_output(
        name,
        layers,
        layer_delay,
        teacher,
        ChainOutput::Last,
        opts,
        trace,
    )
}

/// [`build_chain_teacher`] with the chip's output stream `output` (`[network] output`).
pub fn build_chain_output(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    teacher: usize,
    output: ChainOutput,
    opts: &RunOptions,
    trace: bool,
) -> Result<(ChainGenerated, Design)> {
    let generate_chain = |name: &str, layers: &[Config], layer_delay: u32, o: &GenOptions| {
        generate_chain_output(name, layers, layer_delay, teacher, output, o)
    };
    let gen_opts = |init_prefix: String| GenOptions {
        target: opts.target,
        forwarding: opts.forwarding,
        init_prefix,
    };
    let probe = generate_chain(name, layers, layer_delay, &gen_opts(String::new()))
        .map_err(Error::Generate)?;
    let files = probe.rtl.iter().chain(probe.init.iter());
    let extra: Vec<String> = opts
        .patches
        .iter()
        .flat_map(|(f, a, b)| [f.clone(), a.clone(), b.clone()])
        .collect();
    let dir = design_dir(name, files, &extra)?;
    let mut g = generate_chain(
        name,
        layers,
        layer_delay,
        &gen_opts(format!("{}/", dir.display())),
    )
    .map_err(Error::Generate)?;
    apply_patches(&mut g.rtl, &opts.patches)?;
    let paths = write_files(&dir, g.rtl.iter().chain(g.init.iter()))?;
    let design = Build::new(g.design.top.clone())
        .sources(paths)
        .trace(trace)
        .build()?;
    Ok((g, design))
}

/// Name the layer in a mismatch.
pub(super) fn in_layer(k: usize, m: Option<Mismatch>) -> Option<Mismatch> {
    m.map(|mut m| {
        m.what = format!("layer[{k}] {}", m.what);
        m
    })
}

/// A host action of a chain run: before tick `tick`, `action` on layer `layer`, or on every
/// layer at once (`None`: the host port's broadcast; [`HostAction::Reset`] pulses `rst`, and
/// only exists as a broadcast).
#[derive(Debug, Clone, PartialEq)]
pub struct ChainAction {
    /// Before this tick.
    pub tick: usize,
    /// The layer, or every layer.
    pub layer: Option<usize>,
    /// The action.
    pub action: HostAction,
}

/// Apply a chain action to both sides (a clear or reset of a layer drops the spikes its link
/// holds, as the golden chain drops the layer's previous-tick spikes).
fn chain_action(
    h: &mut Harness<'_>,
    chain: &mut Chain,
    lays: &[hdl::array::Layout],
    host: &hdl::array::chain::ChainHost,
    a: &ChainAction,
) -> Result<()> {
    match (a.layer, &a.action) {
        (_, HostAction::Reset) if a.layer.is_some() => {
            return Err(Error::Protocol(
                "rst resets every layer: a reset is a broadcast action".into(),
            ));
        }
        (Some(k), act) => {
            h.base = host.base(k as u64);
            h.lay = lays[k].clone();
            host_action(h, chain.layer_mut(k), act)?;
        }
        (None, act) => {
            // the hardware once (the broadcast, or rst), every golden layer
            h.base = host.base(host.broadcast);
            h.lay = lays[0].clone();
            host_action(h, chain.layer_mut(0), act)?;
            for k in 1..chain.layer_count() {
                let net = chain.layer_mut(k);
                match act {
                    HostAction::Clear => net.clear(),
                    HostAction::Normalize => net.normalize(),
                    HostAction::Learning(on) => net.set_learning(*on),
                    HostAction::Teach(on) => net.set_teach(*on),
                    HostAction::Reset => net.reset(),
                    other => {
                        return Err(Error::Protocol(format!(
                            "{other:?} names one layer's weight or state: not a broadcast"
                        )));
                    }
                }
            }
        }
    }
    h.base = 0;
    Ok(())
}

/// A harness of a chain top of the layers `lays` (layer 0's layout; the watchdog the sum of
/// the layers' own; the monitor ports bound, and the output stream's layer tag when `all`).
pub(super) fn chain_harness<'m>(
    model: &'m crate::verilator::Model,
    lays: &[hdl::array::Layout],
    seed: u64,
    all: bool,
) -> Result<Harness<'m>> {
    let mut h = Harness::new(model, lays[0].clone(), seed)?;
    h.watchdog = lays
        .iter()
        .map(|l| {
            1000 + 4 * l.arch.scale_cycles()
                + 4 * l.arch.ltp_cycles(l.g)
                + 64 * (l.g + l.r + l.arch.x_words)
        })
        .sum();
    h.bind_monitors(lays.len())?;
    if all {
        h.bind_out_layer()?;
    }
    Ok(h)
}

/// Compare a chain's tick: every layer's spikes (first layer first: the inner layers' on the
/// monitor ports, the last layer's on the output stream; with `all` (`[network] output =
/// "all"`) each layer's tagged beats on the output stream too, after its monitor's), then,
/// when `timed` (no backpressure), every inner layer's output beat and end-of-tick cycles, the
/// output stream's beat cycles (with `all`: every beat's (layer, cycle)) and the chip's cycles
/// against the cycle model's `timing`.
pub(super) fn compare_chain_tick(
    t: usize,
    chain: &Chain,
    timing: &ChainTiming,
    obs: &TickObs,
    timed: bool,
    all: bool,
) -> Option<Mismatch> {
    let nl = chain.layer_count();
    if all && obs.spike_layers.iter().any(|&l| l as usize >= nl) {
        return mm(
            t,
            "output stream's out_layer tags",
            String::new(),
            format!("< {nl}"),
            format!("{:?}", obs.spike_layers),
        );
    }
    let tagged = |k: usize| -> Vec<u32> {
        obs.spikes
            .iter()
            .zip(&obs.spike_layers)
            .filter(|&(_, &l)| l as usize == k)
            .map(|(&s, _)| s)
            .collect()
    };
    for k in 0..nl {
        let want = chain.spikes_of(k);
        let mut seen: Vec<(&str, Vec<u32>)> = Vec::new();
        if k + 1 < nl {
            seen.push(("spikes", obs.layers[k].spikes.clone()));
        }
        if all {
            seen.push(("spikes on the output stream", tagged(k)));
        } else if k + 1 == nl {
            seen.push(("spikes", obs.spikes.clone()));
        }
        for (what, got) in seen {
            if got != want {
                return mm(
                    t,
                    &format!("layer[{k}] {what}"),
                    String::new(),
                    format!("{want:?}"),
                    format!("{got:?}"),
                );
            }
        }
    }
    if !timed {
        return None;
    }
    for k in 0..nl - 1 {
        let lo = &obs.layers[k];
        if lo.beat_cycles != timing.out_beats(k) || lo.eot != Some(timing.eot(k)) {
            return mm(
                t,
                &format!("layer[{k}] output beat cycles (then its end-of-tick beat)"),
                String::new(),
                format!("{:?} {}", timing.out_beats(k), timing.eot(k)),
                format!("{:?} {:?}", lo.beat_cycles, lo.eot),
            );
        }
    }
    if all {
        let got: Vec<(usize, u64)> = obs
            .spike_layers
            .iter()
            .zip(&obs.beat_cycles)
            .map(|(&l, &c)| (l as usize, c))
            .collect();
        if got != timing.tagged {
            return mm(
                t,
                "output stream's (layer, cycle) of every beat",
                String::new(),
                format!("{:?}", timing.tagged),
                format!("{got:?}"),
            );
        }
    } else if obs.beat_cycles != timing.out_beats(nl - 1) {
        return mm(
            t,
            &format!("layer[{}] output beat cycles", nl - 1),
            String::new(),
            format!("{:?}", timing.out_beats(nl - 1)),
            format!("{:?}", obs.beat_cycles),
        );
    }
    if obs.cycles != timing.cycles {
        return mm(
            t,
            &format!(
                "chip cycles (layer starts {:?}, layers' own cycles {:?})",
                timing.starts,
                timing.layers.iter().map(|l| l.cycles).collect::<Vec<_>>()
            ),
            String::new(),
            timing.cycles,
            obs.cycles,
        );
    }
    None
}

/// Run `stim` through the network of layers `cfg` (`cfg.layer_count() >= 2`): [`run_chain`] of
/// its [`Config::layer_configs`] under the top `cfg.name`.
pub fn run_network(
    cfg: &Config,
    stim: &Stimulus,
    opts: &RunOptions,
    actions: &[ChainAction],
) -> Result<ChainReport> {
    if cfg.layer_count() < 2 {
        return Err(Error::Protocol(format!(
            "`{}` has one layer: co-simulate it with `run`",
            cfg.name
        )));
    }
    run_chain_output(
        &cfg.name,
        &cfg.layer_configs(),
        cfg.network.layer_delay,
        cfg.teacher_layer(),
        cfg.network.output,
        stim,
        opts,
        actions,
    )
}

/// Run `stim` through the chain `name` of `layers` (each a one-layer config, layer k+1's inputs
/// layer k's neurons) on the RTL and the golden model, with the host `actions`, comparing every
/// layer every tick. The first difference is [`Report::mismatch`] of the returned report's
/// `run`. (`opts.actions`, one-layer actions, must be empty.)
pub fn run_chain(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    stim: &Stimulus,
    opts: &RunOptions,
    actions: &[ChainAction],
) -> Result<ChainReport> {
    let last = layers.len().max(1) - 1;
    run_chain_teacher(name, layers, layer_delay, last, stim, opts, actions)
}

/// [`run_chain`] with the stimulus's teacher (`teach`) addressed to layer `teacher` (the
/// chip's teacher stream reaches it; [`run_network`] takes `[network] teacher_layer`).
pub fn run_chain_teacher(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    teacher: usize,
    stim: &Stimulus,
    opts: &RunOptions,
    actions: &[ChainAction],
) -> Result<ChainReport> {
    run_chain_output(
        name,
        layers,
        layer_delay,
        teacher,
        ChainOutput::Last,
        stim,
        opts,
        actions,
    )
}

/// [`run_chain_teacher`] with the chip's output stream `output` (`[network] output`; with
/// `"all"` every layer's tagged beats on the output stream are compared too).
#[allow(clippy::too_many_arguments)]
pub fn run_chain_output(
    name: &str,
    layers: &[Config],
    layer_delay: u32,
    teacher: usize,
    output: ChainOutput,
    stim: &Stimulus,
    opts: &RunOptions,
    actions: &[ChainAction],
) -> Result<ChainReport> {
    if teacher >= layers.len() {
        return Err(Error::Protocol(format!(
            "teacher layer {teacher}: the chain has {} layers",
            layers.len()
        )));
    }
    if opts.rtl.is_some() || !opts.actions.is_empty() {
        return Err(Error::Protocol(
            "a chain of layers is co-simulated from its config only, with chain actions".into(),
        ));
    }
    let t_build = Instant::now();
    let trace = opts.vcd.is_some();
    let (g, design) = build_chain_output(name, layers, layer_delay, teacher, output, opts, trace)?;
    let all = output == ChainOutput::All;
    let nl = layers.len();
    let mut rep = ChainReport {
        run: Report {
            build_s: t_build.elapsed().as_secs_f64(),
            cached: design.build_info().from_cache(),
            ..Default::default()
        },
        layer_cycles: vec![0; nl],
        layer_spikes: vec![0; nl],
        ..Default::default()
    };
    let model = design.model_with(opts.init)?;
    if let Some(p) = &opts.vcd {
        model.trace_open(p)?;
    }
    let lays: Vec<_> = g.layers.iter().map(|l| l.layout.clone()).collect();
    let archs: Vec<Arch> = lays.iter().map(|l| l.arch.clone()).collect();
    let mut h = chain_harness(&model, &lays, opts.seed, all)?;
    h.set_tracing(trace);
    let mut chain = Chain::of_layers(layers, layer_delay);
    chain.set_teacher_layer(teacher);
    let mut rng = SplitMix64::new(opts.seed ^ 0xA5A5_5A5A);
    let t0 = Instant::now();
    h.reset()?;
    for (k, lay) in lays.iter().enumerate() {
        if lay.pair {
            h.base = g.host.base(k as u64);
            h.lay = lay.clone();
            h.load_weights(chain.layer(k))?;
        }
    }
    let timed = opts.bp.input == 0.0 && opts.bp.output == 0.0;
    let mut result = None;
    'ticks: for (t, events) in stim.ticks.iter().enumerate() {
        for a in actions.iter().filter(|a| a.tick == t) {
            chain_action(&mut h, &mut chain, &lays, &g.host, a)
                .map_err(|e| e.at(format!("host action {a:?} before tick {t}")))?;
        }
        let teach = stim.teach_at(t);
        let acts = step_chain_taught(&mut chain, events, teach);
        let mut slowest = 0;
        for (k, act) in acts.iter().enumerate() {
            let alone = tick_timing(&archs[k], act);
            rep.layer_cycles[k] += alone.cycles;
            rep.layer_spikes[k] += chain.spikes_of(k).len();
            rep.run.event_cycles += alone.event_issue_cycles;
            rep.run.sops += alone.event_issue_cycles * lays[k].l;
            slowest = slowest.max(alone.cycles);
        }
        rep.slowest_cycles += slowest;
        let timing = chain_timing_out(&archs, &acts, layer_delay, output);
        h.bp = opts.bp;
        let obs = h
            .tick_taught(events, teach)
            .map_err(|e| e.at(format!("tick {t}")))?;
        h.bp = Backpressure::default();
        rep.run.ticks += 1;
        rep.run.events += events.len();
        rep.run.spikes += obs.spikes.len();
        rep.run.tick_cycles += obs.cycles;
        result = compare_chain_tick(t, &chain, &timing, &obs, timed, all);
        if result.is_some() {
            break;
        }
        let full = opts.compare == Compare::Full || t + 1 == stim.ticks.len();
        for (k, lay) in lays.iter().enumerate() {
            h.base = g.host.base(k as u64);
            h.lay = lay.clone();
            let m = compare_state(&mut h, chain.layer(k), t, full, opts.compare, &mut rng)
                .map_err(|e| e.at(format!("layer[{k}] state read after tick {t}")))?;
            if m.is_some() {
                result = in_layer(k, m);
                break 'ticks;
            }
        }
        h.base = 0;
    }
    rep.run.sim_cycles = h.cycles();
    rep.run.wall_s = t0.elapsed().as_secs_f64();
    if opts.vcd.is_some() {
        model.trace_close();
        rep.run.vcd = opts.vcd.clone();
    }
    rep.run.mismatch = result;
    Ok(rep)
}
