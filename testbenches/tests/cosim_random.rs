//! Random co-simulation: seeded random networks, stimuli, host actions and backpressure, run
//! through Verilator and the golden model side by side (`cosim::driver::run`), every tick compared
//! (spikes, v, refractory, theta, x, y, every weight, counters, and without backpressure the cycle
//! count and every output beat's cycle against the cycle model).
//!
//! Key decisions:
//! - Each configuration is a different design, so each costs one Verilator build (about 1.5-3 s
//!   on a quiet 2-core machine; the binding caches builds by content, so a second run of the same
//!   seeds only loads them). The cases run on a small pool of threads, one model per thread.
//! - A failing case prints its seed, its config TOML, its stimulus, its host actions and the
//!   mismatch; all failures of a run are collected before the test fails, so one run shows every
//!   broken case. `NEUROGEN_RANDOM_CASES` and `NEUROGEN_RANDOM_SEED` change the count and the
//!   first seed (for exploring; CI uses the defaults).
//! - Functional coverage: each case is also stepped through `golden::coverage` (and its host
//!   actions and backpressure counted), the counts of every corner are printed as a table, and
//!   the test fails when a corner was never hit: a suite that stops reaching accumulator
//!   saturation, a clamp, a forwarding path, a signed zero-column scaling, an out-of-range
//!   address, a stall or a host command fails even though nothing differed.

use cosim::driver::{Compare, HostAction, Report, RunOptions, run};
use golden::Stimulus;
use golden::coverage::Coverage;
use hdl::array::Target;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use testbenches::random::{Case, Limits, StimulusShape, parse};

/// Random configurations per run.
const CASES: usize = 200;

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn workers() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
}

/// Run one case; `Err` holds the whole failure report.
fn run_case(case: &Case) -> Result<Report, String> {
    let opts = RunOptions {
        bp: case.bp,
        seed: case.seed,
        compare: Compare::Full,
        actions: case.actions.clone(),
        init: case.init,
        target: case.target,
        ..Default::default()
    };
    match run(&case.config, &case.stimulus, &opts) {
        Ok(rep) => match &rep.mismatch {
            None => Ok(rep),
            Some(m) => Err(format!("{m}\n{}", case.describe())),
        },
        Err(e) => Err(format!("co-simulation error: {e}\n{}", case.describe())),
    }
}

/// Corners counted here rather than by the golden model.
const HOST_CORNERS: &[&str] = &[
    "ticks under input backpressure",
    "ticks under output backpressure",
    "host weight write",
    "host clear",
    "host normalize",
    "host learning off",
    "host learning on",
    "rst mid-run",
    "ticks with synaptic delays",
    "host delay write",
];

/// The corners of the teach share (`testbenches::random_teach`), counted here too.
const TEACH_CORNERS: &[&str] = &[
    "host teach on",
    "host teach off",
    "taught tick",
    "teacher neuron out of range (dropped)",
    "teacher neuron repeated in a tick",
];

/// The corners of the drawn architecture, counted here too.
const ARCH_CORNERS: &[&str] = &["ticks with two broadcast stages"];

/// Every corner counted here.
fn extra_corners() -> Vec<&'static str> {
    HOST_CORNERS
        .iter()
        .chain(TEACH_CORNERS)
        .chain(ARCH_CORNERS)
        .copied()
        .collect()
}

/// The corners `case` reaches: its ticks through `golden::coverage`, with its host actions.
fn coverage_of(case: &Case) -> Result<Coverage, String> {
    let g = hdl::array::generate(
        &case.config,
        &hdl::array::Options {
            target: case.target,
            ..Default::default()
        },
    )?;
    let arch = &g.layout.arch;
    let mut net = golden::Network::new(&case.config);
    let mut c = Coverage::new();
    for (t, events) in case.stimulus.ticks.iter().enumerate() {
        for (_, a) in case.actions.iter().filter(|(k, _)| *k == t) {
            let corner = match a {
                HostAction::WriteWeight { j, i, w } => {
                    net.set_weight(*j as usize, *i as usize, *w)
                        .map_err(|e| e.to_string())?;
                    "host weight write"
                }
                HostAction::Clear => {
                    net.clear();
                    "host clear"
                }
                HostAction::WriteDelay { j, i, d } => {
                    net.set_delay(*j as usize, *i as usize, *d)
                        .map_err(|e| e.to_string())?;
                    "host delay write"
                }
                HostAction::Normalize => {
                    c.normalize(&net);
                    net.normalize();
                    "host normalize"
                }
                HostAction::Learning(on) => {
                    net.set_learning(*on);
                    if *on {
                        "host learning on"
                    } else {
                        "host learning off"
                    }
                }
                HostAction::Reset => {
                    net.reset();
                    "rst mid-run"
                }
                HostAction::Teach(on) => {
                    net.set_teach(*on);
                    if *on {
                        "host teach on"
                    } else {
                        "host teach off"
                    }
                }
                // the coverage replay follows the model's own traces; the random cases draw no
                // state writes (the user path's stress does, checked by co-simulation)
                HostAction::WriteState { .. } => {
                    return Err("the random cases draw no state writes".to_string());
                }
            };
            c.hit(corner, 1);
        }
        let teach = case.stimulus.teach_at(t);
        let n = case.config.array.neurons;
        c.hit(
            "taught tick",
            (net.teach() && teach.iter().any(|&a| a < n)) as u64,
        );
        c.hit(
            "teacher neuron out of range (dropped)",
            teach.iter().filter(|&&a| a >= n).count() as u64,
        );
        c.hit(
            "teacher neuron repeated in a tick",
            (1..teach.len())
                .filter(|&k| teach[..k].contains(&teach[k]))
                .count() as u64,
        );
        if case.config.max_delay() > 0 {
            // the side replay has no ring: a layer with delays is only stepped and counted
            net.step_taught(events, teach);
            c.hit("ticks with synaptic delays", 1);
        } else {
            c.step_taught(&mut net, arch, events, teach)?;
        }
        c.hit(
            "ticks with two broadcast stages",
            (case.config.array.bcast_stages == 2) as u64,
        );
        c.hit(
            "ticks under input backpressure",
            (case.bp.input > 0.0) as u64,
        );
        c.hit(
            "ticks under output backpressure",
            (case.bp.output > 0.0) as u64,
        );
    }
    Ok(c)
}

#[test]
fn the_random_networks_reach_every_corner() {
    // the cases of `random_networks_match_the_golden_model_every_tick`, through the golden
    // model only (about a second)
    let n = env_or("NEUROGEN_RANDOM_CASES", CASES as u64) as usize;
    let first = env_or("NEUROGEN_RANDOM_SEED", 1);
    let mut cov = Coverage::new();
    let mut failures = Vec::new();
    for k in 0..n {
        let case = Case::new(first + k as u64);
        match coverage_of(&case) {
            Ok(c) => cov.merge(&c),
            Err(e) => failures.push(format!("coverage: {e}\n{}", case.describe())),
        }
    }
    println!(
        "functional coverage of {n} random networks:\n{}",
        cov.table(&extra_corners())
    );
    let missing = cov.missing(&extra_corners());
    if !missing.is_empty() {
        failures.push(format!("corners never hit: {missing:?}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn random_networks_match_the_golden_model_every_tick() {
    let n = env_or("NEUROGEN_RANDOM_CASES", CASES as u64) as usize;
    let first = env_or("NEUROGEN_RANDOM_SEED", 1);
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    // ticks, events, spikes, simulated cycles, models from the build cache
    let totals = Mutex::new([0u64; 5]);
    std::thread::scope(|s| {
        for _ in 0..workers() {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= n {
                        break;
                    }
                    let case = Case::new(first + k as u64);
                    match run_case(&case) {
                        Ok(rep) => {
                            let mut t = totals.lock().unwrap();
                            t[0] += rep.ticks as u64;
                            t[1] += rep.events as u64;
                            t[2] += rep.spikes as u64;
                            t[3] += rep.sim_cycles;
                            t[4] += rep.cached as u64;
                        }
                        Err(msg) => failures.lock().unwrap().push(msg),
                    }
                }
            });
        }
    });
    let [ticks, events, spikes, cycles, cached] = *totals.lock().unwrap();
    eprintln!(
        "{n} random networks: {ticks} ticks, {events} events, {spikes} spikes, {cycles} cycles; \
         {cached} models from the build cache"
    );
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {n} random networks differ from the golden model:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// A long run of one network with sampled weight comparison (every neuron state and trace after
/// every tick, `samples` random weights per tick, every weight after the last tick).
fn long_run(seed: u64, toml_override: Option<&str>, ticks: usize, samples: usize, target: Target) {
    let shape = StimulusShape {
        ticks,
        p_empty: 0.05,
        density: 0.4,
        p_action: 0.01,
    };
    let lim = Limits {
        max_inputs: 40,
        max_neurons: 24,
        max_lanes: 8,
    };
    let mut case = Case::with(seed, &lim, &shape);
    if let Some(t) = toml_override {
        case.toml = t.to_string();
        case.config = parse(t);
        let mut rng = golden::rng::SplitMix64::new(seed);
        case.stimulus = testbenches::random::stimulus(&mut rng, &case.config, &shape);
        case.actions = testbenches::random::host_actions(&mut rng, &case.config, &shape);
    }
    let opts = RunOptions {
        bp: case.bp,
        seed,
        compare: Compare::Sample(samples),
        actions: case.actions.clone(),
        target,
        ..Default::default()
    };
    let rep = run(&case.config, &case.stimulus, &opts)
        .unwrap_or_else(|e| panic!("co-simulation error: {e}\n{}", case.describe()));
    if let Some(m) = &rep.mismatch {
        panic!("{m}\n{}", case.describe());
    }
    eprintln!(
        "{}: {} ticks, {} events, {} spikes, {} tick cycles, {} cycles in all, {:.1} s",
        case.config.name,
        rep.ticks,
        rep.events,
        rep.spikes,
        rep.tick_cycles,
        rep.sim_cycles,
        rep.wall_s
    );
    assert_eq!(rep.ticks, ticks);
    assert!(rep.spikes > 0, "the long run should make the network fire");
}

const LEARNER: &str = r#"
name = "long_learner"
[array]
inputs = 32
neurons = 8
lanes = 4
[neuron]
threshold = 300
leak_shift = 3
inhibition = 40
theta_plus = 8
theta_decay_shift = 6
refractory = 2
[synapse]
init = "uniform"
init_lo = 0
init_hi = 64
seed = 5
[stdp]
pre_inc = 64
post_inc = 64
ltp_shift = 4
ltd_shift = 5
ltp_offset = 1
normalize_target = 1500
normalize_every = 25
"#;

const RECURRENT_SIGNED: &str = r#"
name = "long_recurrent"
[array]
inputs = 20
neurons = 6
lanes = 3
recurrent = true
[neuron]
v_bits = 12
acc_bits = 10
threshold = 60
reset = "subtract"
leak_shift = 2
[synapse]
weight_bits = 7
signed = true
w_min = -40
w_max = 50
init = "uniform"
init_lo = -10
init_hi = 30
seed = 9
[stdp]
rule = "symmetric"
trace_bits = 10
pre_inc = 300
post_inc = 200
pre_decay_shift = 2
post_decay_shift = 4
ltp_shift = 5
ltd_shift = 6
"#;

#[test]
fn long_run_of_a_learning_network_with_scaling_and_homeostasis_matches() {
    long_run(101, Some(LEARNER), 5000, 24, Target::Generic);
}

#[test]
fn long_run_of_the_learning_network_with_weights_in_spram_pairs_matches() {
    // the UP5K layout of the same network: two weights per SPRAM word, loaded through the host
    let opts = hdl::array::Options {
        target: Target::Ice40Up5k,
        ..Default::default()
    };
    let g = hdl::array::generate(&parse(LEARNER), &opts).unwrap();
    assert!(
        g.layout.pair,
        "the learner must use SPRAM pair mode on the UP5K"
    );
    long_run(104, Some(LEARNER), 5000, 24, Target::Ice40Up5k);
}

#[test]
fn long_run_of_a_recurrent_signed_network_matches() {
    long_run(102, Some(RECURRENT_SIGNED), 5000, 24, Target::Generic);
}

#[test]
fn long_run_of_a_random_network_with_host_actions_matches() {
    long_run(103, None, 3000, 16, Target::Generic);
}

#[test]
fn four_lanes_do_four_synaptic_operations_per_event_cycle() {
    let cfg = parse(
        r#"
name = "sop4"
[array]
inputs = 64
neurons = 16
lanes = 4
[synapse]
init = "uniform"
init_lo = 0
init_hi = 8
"#,
    );
    // one long tick of back-to-back in-range events, duplicates included
    let events: Vec<u32> = (0..2000u32).map(|k| (k * 7 + k / 64) % 64).collect();
    for target in [Target::Generic, Target::Ice40Up5k] {
        full_rate_on(&cfg, &events, target);
    }
}

fn full_rate_on(cfg: &golden::Config, events: &[u32], target: Target) {
    let stim = Stimulus {
        ticks: vec![events.to_vec(), vec![]],
        ..Default::default()
    };
    let opts = RunOptions {
        target,
        ..Default::default()
    };
    let rep = run(cfg, &stim, &opts).unwrap_or_else(|e| panic!("{target:?}: {e}"));
    assert!(
        rep.mismatch.is_none(),
        "{target:?}: {}",
        rep.mismatch.unwrap()
    );
    let lanes = cfg.array.lanes as f64;
    // the run checked the tick's cycle count against the cycle model, so the figure is the RTL's
    assert!(
        rep.sop_per_cycle() >= 0.95 * lanes,
        "{target:?}: {} synaptic operations per event cycle, want >= {}",
        rep.sop_per_cycle(),
        0.95 * lanes
    );
    assert_eq!(rep.sop_per_cycle(), lanes);
    // and measured directly on the input stream: one event accepted every G cycles
    let sop = cosim_sop_measured(cfg, events, &opts);
    assert!(sop >= 0.95 * lanes, "{target:?}: measured {sop} SOP/cycle");
}

/// Synaptic operations per cycle measured on the RTL's input handshake: events x neurons over the
/// cycles from the first event's acceptance to the end-of-tick beat's acceptance.
fn cosim_sop_measured(cfg: &golden::Config, events: &[u32], opts: &RunOptions) -> f64 {
    let (g, design) = cosim::driver::build(cfg, opts, false).unwrap();
    let model = design.model().unwrap();
    let mut h = cosim::driver::Harness::new(&model, g.layout.clone(), 1).unwrap();
    h.reset().unwrap();
    let obs = h.tick(events).unwrap();
    let first = obs.accept_cycles[0];
    let last = *obs.accept_cycles.last().unwrap();
    (events.len() as u64 * cfg.array.neurons as u64) as f64 / (last - first) as f64
}

#[test]
fn random_power_up_values_do_not_survive_reset() {
    // An FPGA starts every flop at 0; an ASIC, or a simulator asked to, starts them anywhere.
    // After `rst` the array must be in the state docs/model.md ("Reset") names whatever the flops held,
    // and the weights must "keep their contents" through it.
    let cfg = parse(
        r#"
name = "power_up"
[array]
inputs = 6
neurons = 4
lanes = 2
recurrent = true
[neuron]
threshold = 40
[synapse]
init = "uniform"
init_lo = 0
init_hi = 30
"#,
    );
    let stim = Stimulus {
        ticks: vec![vec![], vec![0, 1, 2, 3, 4, 5], vec![5, 5, 1], vec![]],
        ..Default::default()
    };
    let mut failures = Vec::new();
    for seed in 1..=8u32 {
        let opts = RunOptions {
            init: cosim::verilator::InitialValues::Random { seed },
            ..Default::default()
        };
        let rep = run(&cfg, &stim, &opts).unwrap_or_else(|e| panic!("{e}"));
        if let Some(m) = rep.mismatch {
            failures.push(format!("power-up pattern {seed}: {m}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 8 random power-up patterns change the network:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
