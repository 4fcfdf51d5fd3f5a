//! Issue 6: the exported self-checking testbench passes under Icarus (`iverilog -g2005` + `vvp`)
//! and under Verilator (`verilator --binary`), through the folder's own `run.sh`, for a spread of
//! hand-picked networks that together cover lanes 1 to 8, signed and unsigned weights,
//! recurrence, inhibition, adaptive threshold, refractory periods, both STDP rules, periodic and
//! host-commanded scaling, STDP off, host actions between ticks, the iCE40 and ECP5 memory
//! patterns, and weights written through the host port.
//!
//! Key decision: each network runs once without backpressure (every output beat's cycle is then
//! checked against the cycle model) and once with backpressure on both streams from the
//! testbench's own generator; both simulators must report the same number of simulated cycles
//! for the same seed, since the testbench and the design are deterministic.

use cosim::driver::HostAction;
use golden::rng::SplitMix64;
use golden::{Config, Stimulus};
use hdl::array::Target;
use std::path::{Path, PathBuf};
use testbenches::export::{ExportOptions, export_to};
use testbenches::sim::{Outcome, Simulator, build_and_run, run};

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("export_sim")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `ticks` ticks of up to `max_events` events over `inputs` channels, with duplicates and some
/// addresses outside the network (dropped and counted).
fn stimulus(seed: u64, inputs: u32, ticks: usize, max_events: u64) -> Stimulus {
    let mut r = SplitMix64::new(seed);
    let ticks = (0..ticks)
        .map(|_| {
            let mut t: Vec<u32> = (0..r.below(max_events + 1))
                .map(|_| r.below(inputs as u64) as u32)
                .collect();
            if r.chance(0.15) {
                t.push(inputs + r.below(1000) as u32);
            }
            if !t.is_empty() && r.chance(0.3) {
                t.push(t[0]);
            }
            t
        })
        .collect();
    Stimulus { ticks }
}

const BP: &[&str] = &["+bp=300", "+seed=11"];

#[track_caller]
fn assert_passed(o: &Outcome, what: &str) {
    assert!(o.passed(), "{what} did not pass:\n{}", o.transcript());
}

/// Export, then build and run under both simulators, without and with backpressure.
fn passes_everywhere(name: &str, toml: &str, stim: &Stimulus, opts: ExportOptions) {
    let cfg = Config::from_toml_str(toml, Path::new(".")).unwrap();
    let dir = scratch(name);
    let e = export_to(&cfg, stim, &opts, &dir).unwrap();
    assert!(e.summary.spikes > 0, "{name}: the stimulus makes no spike");
    let mut with_bp = Vec::new();
    for sim in Simulator::ALL {
        let what = format!("{name} under {}", sim.name());
        let o = build_and_run(&dir, sim, &[]).unwrap();
        assert_passed(&o, &what);
        let o = run(&dir, sim, BP).unwrap();
        assert_passed(&o, &format!("{what} with backpressure"));
        with_bp.push(o.cycles.expect("cycles in the PASS line"));
    }
    assert_eq!(
        with_bp[0], with_bp[1],
        "{name}: Icarus and Verilator simulated different cycle counts"
    );
}

#[test]
fn one_lane_signed_weights_subtract_reset_without_stdp() {
    let toml = "name = \"l1s\"\n[array]\ninputs = 5\nneurons = 3\nlanes = 1\n\
        [neuron]\nv_bits = 10\nacc_bits = 12\nthreshold = 30\nreset = \"subtract\"\nleak_shift = 2\n\
        [synapse]\nweight_bits = 6\nsigned = true\nw_min = -20\nw_max = 20\ninit_lo = -10\ninit_hi = 20\n\
        [stdp]\nenabled = false\n";
    passes_everywhere(
        "l1s",
        toml,
        &stimulus(1, 5, 30, 5),
        ExportOptions::default(),
    );
}

#[test]
fn two_lanes_recurrent_inhibition_theta_refractory_periodic_scaling_stressed() {
    // the stress `neurogen testbench` applies by default: repeats, out-of-range addresses, host
    // actions, backpressure switched on and off per tick
    let toml = "name = \"l2r\"\n[array]\ninputs = 8\nneurons = 8\nlanes = 2\nrecurrent = true\n\
        [neuron]\nthreshold = 40\ninhibition = 2\ntheta_plus = 4\ntheta_decay_shift = 3\nrefractory = 2\n\
        [stdp]\nnormalize_target = 200\nnormalize_every = 5\n";
    let cfg = Config::from_toml_str(toml, Path::new(".")).unwrap();
    let s = testbenches::adversary::stress(&cfg, &stimulus(2, 8, 30, 6), 5);
    assert!(s.actions.len() >= 3 && s.bp_ticks.iter().any(|b| !*b));
    passes_everywhere(
        "l2r",
        toml,
        &s.stimulus,
        ExportOptions {
            actions: s.actions,
            bp_ticks: s.bp_ticks,
            backpressure_permille: 250,
            ..Default::default()
        },
    );
}

#[test]
fn three_lanes_symmetric_rule_with_offset_and_host_actions() {
    let toml = "name = \"l3h\"\n[array]\ninputs = 7\nneurons = 6\nlanes = 3\n\
        [neuron]\nthreshold = 20\nrefractory = 3\n\
        [synapse]\nweight_bits = 4\ninit_lo = 2\ninit_hi = 15\n\
        [stdp]\nrule = \"symmetric\"\ntrace_bits = 6\npre_inc = 20\npost_inc = 30\nltp_shift = 2\n\
        ltd_shift = 3\nltp_offset = 1\nnormalize_target = 40\n";
    let actions = vec![
        (4, HostAction::WriteWeight { j: 3, i: 5, w: 15 }),
        (6, HostAction::Normalize),
        (9, HostAction::Clear),
        (12, HostAction::Learning(false)),
        (15, HostAction::Learning(true)),
        (18, HostAction::Reset),
        (25, HostAction::Normalize),
    ];
    passes_everywhere(
        "l3h",
        toml,
        &stimulus(3, 7, 25, 5),
        ExportOptions {
            actions,
            ..Default::default()
        },
    );
}

#[test]
fn eight_lanes_sixteen_bit_signed_weights_theta_inhibition() {
    let toml = "name = \"l8w\"\n[array]\ninputs = 12\nneurons = 16\nlanes = 8\n\
        [neuron]\nv_bits = 12\nacc_bits = 14\nthreshold = 900\ntheta_plus = 50\ntheta_decay_shift = 2\n\
        theta_bits = 10\ninhibition = 30\n\
        [synapse]\nweight_bits = 16\nsigned = true\ninit_lo = -2000\ninit_hi = 3000\n\
        [stdp]\nltp_shift = 0\nltd_shift = 1\npre_inc = 100\npost_inc = 100\n";
    passes_everywhere(
        "l8w",
        toml,
        &stimulus(4, 12, 20, 6),
        ExportOptions::default(),
    );
}

#[test]
fn one_group_of_five_lanes_recurrent_on_ecp5_memories_with_host_written_weights() {
    let toml = "name = \"l5e\"\n[array]\ninputs = 4\nneurons = 5\nlanes = 5\nrecurrent = true\n\
        [neuron]\nthreshold = 25\nleak_shift = 0\n\
        [synapse]\nweight_bits = 5\ninit_lo = 5\ninit_hi = 20\n\
        [stdp]\nnormalize_target = 60\nnormalize_every = 3\n";
    passes_everywhere(
        "l5e",
        toml,
        &stimulus(5, 4, 25, 4),
        ExportOptions {
            target: Target::Ecp5,
            host_weights: true,
            ..Default::default()
        },
    );
}

#[test]
fn four_lanes_two_groups_default_network_on_ice40() {
    let toml = "name = \"l4i\"\n[array]\ninputs = 16\nneurons = 8\nlanes = 4\n\
        [neuron]\nthreshold = 60\nleak_shift = 3\n[synapse]\ninit_lo = 10\ninit_hi = 40\n";
    passes_everywhere(
        "l4i",
        toml,
        &stimulus(6, 16, 30, 8),
        ExportOptions {
            target: Target::Ice40,
            ..Default::default()
        },
    );
}

#[test]
fn two_lanes_cuba_with_stdp_stressed_on_ice40_shift_and_add() {
    // cuba: u wraps and v saturates (weight_exp 7 and repeated events), the decay multiplies as
    // shift-and-add (iCE40 HX has no DSP); u is read back after every tick (kind 11)
    let toml = "name = \"c2s\"\n[array]\ninputs = 8\nneurons = 4\nlanes = 2\n\
        [neuron]\nmodel = \"cuba\"\ndu = 1000\ndv = 3000\nvth = 20000\nbias_mant = [-300, -300, -300, -300]\nbias_exp = 2\n\
        [synapse]\nweight_bits = 8\nsigned = true\ninit_lo = -40\ninit_hi = 127\nweight_exp = 7\n\
        [stdp]\nnormalize_target = 300\nnormalize_every = 7\n";
    let cfg = Config::from_toml_str(toml, Path::new(".")).unwrap();
    let s = testbenches::adversary::stress(&cfg, &stimulus(7, 8, 30, 12), 5);
    passes_everywhere(
        "c2s",
        toml,
        &s.stimulus,
        ExportOptions {
            actions: s.actions,
            bp_ticks: s.bp_ticks,
            backpressure_permille: 250,
            target: Target::Ice40,
            ..Default::default()
        },
    );
}
