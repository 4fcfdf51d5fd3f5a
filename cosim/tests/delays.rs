//! Synaptic delays on the hardware (docs/model.md, "Synaptic delays" and "Synaptic delays in
//! hardware"): layers with delays co-simulated against the golden model tick by tick (spikes,
//! every tick's cycles and output beats against the cycle model, all state, weights and delays
//! read back), with host writes of delays and x mid-run, *clear* and `rst` on ticks where delayed
//! inputs are pending, on the generic, iCE40, ECP5 and UP5K targets, and in a chain of two layers
//! with delays; mutants of the ring's slot, the ring's clear, the history's slot and the decay's
//! slot, each caught; the reset sweep's length against the cycle model. Runtime: measured 132 s
//! (four tests) plus 203 s (the chain) on two heavily shared cores; small Verilator builds,
//! cached after the first run.

use cosim::driver::{HostAction, Report, RunOptions, run};
use golden::model::StateKind;
use golden::{Config, Stimulus};
use hdl::array::Target;
use std::path::Path;

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// A recurrent `lif` layer with uniform delays `0..D-1`, STDP (potentiation at arrival, with an
/// offset so that early and late arrivals differ), theta and signed weights.
fn lif(name: &str, inputs: u32, neurons: u32, lanes: u32, d: u32, extra: &str) -> Config {
    config(&format!(
        "name = \"{name}\"\n[array]\ninputs = {inputs}\nneurons = {neurons}\nlanes = {lanes}\n\
         recurrent = true\n[neuron]\nthreshold = 60\nleak_shift = 3\nrefractory = 1\n\
         theta_plus = 2\ntheta_decay_shift = 4\n\
         [synapse]\nsigned = true\nw_min = -40\nw_max = 90\ninit_lo = -10\ninit_hi = 70\n\
         max_delay = {d}\n[stdp]\npre_inc = 40\npost_inc = 30\nltp_shift = 2\nltp_offset = 3\n\
         ltd_shift = 3\n{extra}"
    ))
}

/// Host actions over a run of 40 ticks: a delay write, an x write (the history's last slot),
/// *clear* while delayed inputs are pending, learning off and on, `rst` while inputs are pending.
fn actions(cfg: &Config) -> Vec<(usize, HostAction)> {
    let d = cfg.max_delay() as i64;
    let rows = cfg.rows() as u64;
    let n = cfg.array.neurons as u64;
    let mut v = vec![
        (
            4,
            HostAction::WriteDelay {
                j: 0,
                i: n - 1,
                d: d - 1,
            },
        ),
        (
            5,
            HostAction::WriteDelay {
                j: rows - 1,
                i: 0,
                d: 0,
            },
        ),
        (9, HostAction::Clear),
        (14, HostAction::Learning(false)),
        (17, HostAction::Learning(true)),
        (25, HostAction::Reset),
        (
            31,
            HostAction::WriteDelay {
                j: 1,
                i: 1 % n,
                d: d / 2,
            },
        ),
    ];
    if cfg.stdp.enabled {
        v.push((
            7,
            HostAction::WriteState {
                kind: StateKind::X,
                index: 1,
                value: 200,
            },
        ));
        v.push((
            21,
            HostAction::WriteState {
                kind: StateKind::X,
                index: 0,
                value: 77,
            },
        ));
    }
    v.sort_by_key(|a| a.0);
    v
}

fn run_ok(cfg: &Config, st: &Stimulus, opts: &RunOptions) -> Report {
    let r = run(cfg, st, opts).unwrap_or_else(|e| panic!("{}: {e}", cfg.name));
    assert!(
        r.mismatch.is_none(),
        "{}: {}",
        cfg.name,
        r.mismatch.unwrap()
    );
    assert_eq!(r.ticks, st.ticks.len(), "{}", cfg.name);
    r
}

/// Busy ticks (so the neurons fire and learn), with the last ticks before each host command
/// carrying events whose delayed arrival falls after it.
fn stimulus(inputs: u32, seed: u64) -> Stimulus {
    Stimulus::poisson(inputs, 350.0, 40, 1.0, seed)
}

fn opts(target: Target, actions: Vec<(usize, HostAction)>) -> RunOptions {
    RunOptions {
        target,
        actions,
        ..RunOptions::default()
    }
}

#[test]
fn layers_with_delays_match_every_tick_with_host_writes_clear_and_reset() {
    let cases = [
        // two lanes, two traces per x word, forwarding off (G = 4 > rl + 2)
        lif("dly_a", 8, 8, 2, 5, ""),
        // one group: back-to-back events forward through the ring and the history
        lif("dly_b", 6, 2, 2, 3, "pre_decay_shift = 0\n"),
        // four lanes, four traces per word; D = 1 is the network without delays
        lif("dly_c", 12, 8, 4, 1, "pre_decay_shift = 2\n"),
        // a non-power-of-two D, STDP off (no history)
        config(
            "name = \"dly_d\"\n[array]\ninputs = 10\nneurons = 6\nlanes = 3\n\
             [neuron]\nthreshold = 50\nleak_shift = 2\n[synapse]\ninit_lo = 0\ninit_hi = 60\n\
             max_delay = 7\n[stdp]\nenabled = false\n",
        ),
    ];
    for (k, cfg) in cases.iter().enumerate() {
        let st = stimulus(cfg.array.inputs, 11 + k as u64);
        let r = run_ok(cfg, &st, &opts(Target::Generic, actions(cfg)));
        assert!(r.spikes > 0, "{}: no spikes", cfg.name);
    }
}

#[test]
fn layers_with_delays_match_on_ice40_and_ecp5() {
    // iCE40 (EBR: registered address) and ECP5 (DP16KD weights, the delays beside them in an
    // inferred memory); the UP5K keeps its weights in EBR with delays (no SPRAM pair mode)
    for (k, target) in [Target::Ice40, Target::Ecp5, Target::Ice40Up5k]
        .into_iter()
        .enumerate()
    {
        let cfg = lif(&format!("dly_t{k}"), 8, 8, 2, 4, "");
        let st = stimulus(8, 21 + k as u64);
        run_ok(&cfg, &st, &opts(target, actions(&cfg)));
    }
}

/// `cfg` run with one substitution in the generated file `file`: the first difference.
fn mutant(cfg: &Config, file: &str, from: &str, to: &str) -> String {
    let st = stimulus(cfg.array.inputs, 11);
    let mut o = opts(Target::Generic, actions(cfg));
    o.patches = vec![(file.into(), from.into(), to.into())];
    let r = run(cfg, &st, &o).unwrap_or_else(|e| panic!("{e}"));
    r.mismatch
        .unwrap_or_else(|| panic!("mutant {from} -> {to} was not caught"))
        .to_string()
}

#[test]
fn mutants_of_the_ring_and_the_history_are_caught() {
    let cfg = lif("dly_a", 8, 8, 2, 5, "");
    // the ring's slot without the delay (every event arrives at once)
    let m = mutant(
        &cfg,
        "dly_a_lane.v",
        "x0_aaddr <= ({2'd0, t1_[2:0]} << 2)",
        "x0_aaddr <= ({2'd0, slot} << 2)",
    );
    eprintln!("ring slot: {m}");
    // the clear sweep leaves the ring alone (pending inputs survive clear and rst)
    let m = mutant(
        &cfg,
        "dly_a.v",
        "assign ring_clr = sweep_issue & (pc < 6'd20);",
        "assign ring_clr = 1'b0;",
    );
    assert!(m.contains("tick 9") || m.contains("tick 1"), "{m}");
    eprintln!("ring clear: {m}");
    // potentiation with the emission trace (slot t, not t - d)
    let m = mutant(
        &cfg,
        "dly_a_lane.v",
        "lh_xaddr <= ({3'd0, t9_[2:0]} << 3)",
        "lh_xaddr <= ({3'd0, slot} << 3)",
    );
    assert!(m.contains("weight"), "{m}");
    eprintln!("history slot: {m}");
    // the decay reads slot t (stale: the trace of tick t - D) instead of t - 1
    let m = mutant(
        &cfg,
        "dly_a.v",
        "(decay_xop ? (({3'd0, slot_p} << 3) + pc)",
        "(decay_xop ? (({3'd0, slot} << 3) + pc)",
    );
    eprintln!("decay slot: {m}");
}

#[test]
fn reset_and_clear_sweep_every_ring_and_history_slot_in_the_cycles_the_model_says() {
    // the sweep covers max(G, x_words) x D words: `rst` (and a clear: the same sweep) takes
    // exactly golden::cycle::Arch::clear_cycles after rst falls, without delays and with D = 1,
    // 3, 6
    use cosim::driver::{Harness, build};
    let mut measured = Vec::new();
    for d in [0, 1, 3, 6] {
        let cfg = lif(&format!("dly_r{d}"), 8, 8, 2, d, "");
        let (g, design) = build(&cfg, &RunOptions::default(), false).unwrap();
        let model = design.model().unwrap();
        let mut h = Harness::new(&model, g.layout.clone(), 1).unwrap();
        let after_rst = h.reset().unwrap();
        let a = &g.layout.arch;
        assert_eq!(a.clear_sweep, 8 * (d as u64).max(1), "D = {d}");
        measured.push((after_rst, a.clear_cycles()));
    }
    eprintln!("(cycles after rst, Arch::clear_cycles) for D = 0, 1, 3, 6: {measured:?}");
    for &(got, want) in &measured {
        assert_eq!(got, want, "{measured:?}");
    }
}

#[test]
fn a_chain_of_layers_with_delays_matches_for_both_layer_delays() {
    // each layer its own D (3 and 5); both links (layer_delay 0 and 1); clear and rst of the chip
    use cosim::driver::{ChainAction, run_chain};
    let ls = [
        lif("dch_l0", 10, 8, 2, 3, ""),
        config(
            "name = \"dch_l1\"\n[array]\ninputs = 8\nneurons = 4\nlanes = 2\n\
             [neuron]\nthreshold = 40\n[synapse]\ninit_lo = 10\ninit_hi = 60\nmax_delay = 5\n\
             [stdp]\nltp_offset = 1\n",
        ),
    ];
    let st = Stimulus::poisson(10, 350.0, 30, 1.0, 5);
    let acts = vec![
        ChainAction {
            tick: 9,
            layer: None,
            action: HostAction::Clear,
        },
        ChainAction {
            tick: 13,
            layer: Some(1),
            action: HostAction::WriteDelay { j: 2, i: 3, d: 4 },
        },
        ChainAction {
            tick: 20,
            layer: None,
            action: HostAction::Reset,
        },
    ];
    for ld in [0, 1] {
        let rep = run_chain(
            &format!("dch{ld}"),
            &ls,
            ld,
            &st,
            &RunOptions::default(),
            &acts,
        )
        .unwrap_or_else(|e| panic!("layer_delay {ld}: {e}"));
        assert!(
            rep.run.mismatch.is_none(),
            "layer_delay {ld}: {}",
            rep.run.mismatch.unwrap()
        );
        assert!(
            rep.layer_spikes.iter().all(|&s| s > 3),
            "{:?}",
            rep.layer_spikes
        );
    }
}
