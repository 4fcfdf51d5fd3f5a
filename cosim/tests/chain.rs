//! Co-simulation of chains of layers (`cosim::driver::run_chain`): every layer's spikes, state
//! and weights match the golden layers every tick, and the chip's cycles per tick, every
//! layer's output beat cycles and end-of-tick cycles match `golden::cycle::chain_timing`, for
//! 2 and 3 layers, both layer delays, with backpressure; mutants of the chain top are caught,
//! naming the layer. Runtime: about a minute (a few small Verilator builds, cached after).

use cosim::driver::{Backpressure, ChainAction, ChainReport, HostAction, RunOptions, run_chain};
use golden::{Config, Stimulus};
use std::path::Path;

fn layer(name: &str, inputs: u32, neurons: u32, lanes: u32, extra: &str) -> Config {
    let toml = format!(
        "name = \"{name}\"\n[array]\ninputs = {inputs}\nneurons = {neurons}\nlanes = {lanes}\n{extra}"
    );
    Config::from_toml_str(&toml, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// Layers `name_l{k}` of (neurons, lanes, recurrent), on `inputs` inputs.
fn layers(name: &str, inputs: u32, sizes: &[(u32, u32, bool)]) -> Vec<Config> {
    layers_at(name, inputs, sizes, 40)
}

/// [`layers`] with the neurons' `threshold`.
fn layers_at(name: &str, inputs: u32, sizes: &[(u32, u32, bool)], threshold: i64) -> Vec<Config> {
    let mut n_in = inputs;
    sizes
        .iter()
        .enumerate()
        .map(|(k, &(n, l, rec))| {
            let extra = format!(
                "recurrent = {rec}\n[neuron]\nthreshold = {threshold}\n[synapse]\ninit_lo = 10\ninit_hi = 80\n"
            );
            let c = layer(&format!("{name}_l{k}"), n_in, n, l, &extra);
            n_in = n;
            c
        })
        .collect()
}

fn stim(inputs: u32, ticks: usize, seed: u64) -> Stimulus {
    Stimulus::poisson(inputs, 300.0, ticks, 1.0, seed)
}

fn run(name: &str, ls: &[Config], delay: u32, st: &Stimulus, opts: &RunOptions) -> ChainReport {
    run_chain(name, ls, delay, st, opts, &[]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn two_and_three_layers_match_the_golden_chain_for_both_delays() {
    let st = stim(12, 24, 3);
    for (name, sizes, delay) in [
        ("ch2d0", vec![(8, 4, true), (6, 2, false)], 0),
        ("ch2d1", vec![(8, 4, true), (6, 2, false)], 1),
        ("ch3d0", vec![(8, 2, false), (8, 4, true), (4, 1, false)], 0),
        ("ch3d1", vec![(8, 2, false), (8, 4, true), (4, 1, false)], 1),
    ] {
        let ls = layers(name, 12, &sizes);
        let rep = run(name, &ls, delay, &st, &RunOptions::default());
        eprintln!(
            "{name}: spikes per layer {:?}, chip cycles {}, layers alone {:?}, slowest alone {}",
            rep.layer_spikes, rep.run.tick_cycles, rep.layer_cycles, rep.slowest_cycles
        );
        assert!(
            rep.run.mismatch.is_none(),
            "{name}: {}",
            rep.run.mismatch.unwrap()
        );
        assert!(
            rep.layer_spikes.iter().all(|&s| s > 5),
            "{name}: every layer must fire to test anything: {:?}",
            rep.layer_spikes
        );
    }
}

#[test]
fn backpressure_on_both_streams_loses_no_spike_of_any_layer() {
    let st = stim(12, 16, 5);
    for (name, delay) in [("ch3d0", 0), ("ch3d1", 1)] {
        let ls = layers(name, 12, &[(8, 2, false), (8, 4, true), (4, 1, false)]);
        let opts = RunOptions {
            bp: Backpressure {
                input: 0.3,
                output: 0.4,
            },
            ..RunOptions::default()
        };
        let rep = run(name, &ls, delay, &st, &opts);
        assert!(
            rep.run.mismatch.is_none(),
            "{name}: {}",
            rep.run.mismatch.unwrap()
        );
        assert!(
            rep.layer_spikes.iter().all(|&s| s > 0),
            "{:?}",
            rep.layer_spikes
        );
    }
}

/// Run a mutant of the 2-layer (or 3-layer) chain; its first difference (or the error it ends
/// with).
fn mutant(three: bool, delay: u32, from: &str, to: &str) -> String {
    let (name, ls) = if three {
        let name = format!("ch3d{delay}");
        let ls = layers(&name, 12, &[(8, 2, false), (8, 4, true), (4, 1, false)]);
        (name, ls)
    } else {
        let name = format!("ch2d{delay}");
        let ls = layers(&name, 12, &[(8, 4, true), (6, 2, false)]);
        (name, ls)
    };
    let opts = RunOptions {
        patches: vec![(format!("{name}.v"), from.into(), to.into())],
        ..RunOptions::default()
    };
    let m = match run_chain(&name, &ls, delay, &stim(12, 16, 3), &opts, &[]) {
        Ok(rep) => match rep.run.mismatch {
            Some(m) => m.to_string(),
            None => panic!("the mutant {from} -> {to} was not caught"),
        },
        Err(e) => format!("error: {e}"),
    };
    eprintln!("{name}: {to}\n  {m}");
    m
}

#[test]
fn mutants_of_the_chain_top_are_caught_naming_the_layer() {
    // no empty tick preloaded in the link: layer 1 takes layer 0's spikes one tick early
    let m = mutant(false, 1, "link0_q0_v <= 1'd1;", "link0_q0_v <= 1'd0;");
    assert!(m.contains("layer[1]"), "{m}");
    // the middle layer not held after its end-of-tick beat: it starts the next tick on layer
    // 0's spikes of this tick as they arrive (the last layer is held by its end-of-tick beat)
    let m = mutant(
        true,
        1,
        "assign l1_in_valid = link0_q0_v & l1_open;",
        "assign l1_in_valid = link0_q0_v & run;",
    );
    assert!(m.contains("layer[1]") || m.contains("error"), "{m}");
    // layer 0 starts in the chip's start cycle, not the cycle after (the unregistered start):
    // the cycle model's beat cycles catch it
    let m = mutant(
        false,
        0,
        "assign l0_in_valid = in_valid & l0_open;",
        "assign l0_in_valid = in_valid & (l0_open | chip_start);",
    );
    assert!(m.contains("cycles"), "{m}");
    // the chip's end-of-tick beat one cycle early (layer 0's fin flag without its delay): the
    // cycle model's chip cycles catch it
    let m = mutant(
        false,
        1,
        "end else if (link0_eot_push_d1) begin",
        "end else if (link0_push & l0_out_eot) begin",
    );
    assert!(m.contains("cycles"), "{m}");
    // layer 0's spikes of neuron 7 never enter the link (delay 0): layer 1 misses them
    let m = mutant(
        false,
        0,
        "assign link0_push = l0_out_valid;",
        "assign link0_push = l0_out_valid & ~(~l0_out_eot & (l0_out_addr == 3'd7));",
    );
    assert!(m.contains("layer[1]"), "{m}");
}

#[test]
fn one_host_port_reaches_every_layer_and_broadcasts() {
    use cosim::driver::{Harness, build_chain};
    use hdl::array::layout::regs;
    let ls = layers("ch3d1", 12, &[(8, 2, false), (8, 4, true), (4, 1, false)]);
    let (g, design) = build_chain("ch3d1", &ls, 1, &RunOptions::default(), false).unwrap();
    let model = design.model().unwrap();
    let lays: Vec<_> = g.layers.iter().map(|l| l.layout.clone()).collect();
    let mut h = Harness::new(&model, lays[0].clone(), 1).unwrap();
    h.reset().unwrap();
    // each layer answers with its own sizes
    for (k, c) in ls.iter().enumerate() {
        h.base = g.host.base(k as u64);
        let sizes = (
            h.read(regs::INPUTS).unwrap(),
            h.read(regs::NEURONS).unwrap(),
        );
        assert_eq!(sizes, (c.array.inputs, c.array.neurons), "layer {k}");
    }
    // a weight written to layer 2 is there, and only there
    h.base = g.host.base(2);
    h.lay = lays[2].clone();
    let before = h.weight(1, 2).unwrap();
    let a = lays[2].weight_addr(1, 2);
    h.write(a, (before as u32) ^ 1).unwrap();
    assert_eq!(h.weight(1, 2).unwrap(), before ^ 1);
    h.base = g.host.base(1);
    h.lay = lays[1].clone();
    assert_eq!(
        h.weight(1, 2).unwrap(),
        golden::model::Network::new(&ls[1]).weight(1, 2) as i64
    );
    // the broadcast writes every layer
    for on in [0, 1] {
        h.base = g.host.base(g.host.broadcast);
        h.write(regs::CONTROL, on).unwrap();
        for k in 0..ls.len() as u64 {
            h.base = g.host.base(k);
            assert_eq!(h.read(regs::CONTROL).unwrap() & 1, on, "layer {k}");
        }
    }
}

/// The target of layer_delay = 1: a 3-layer chip's cycles per tick within 10 % of its slowest
/// layer's alone (and, for contrast, the same network with layer_delay = 0 near the sum).
#[test]
fn with_layer_delay_one_a_tick_takes_the_slowest_layers_time() {
    let st = stim(32, 20, 9);
    let sizes = [(32, 4, false), (32, 4, true), (16, 2, false)];
    let mut overhead = Vec::new();
    for (name, delay) in [("m3d1", 1), ("m3d0", 0)] {
        let ls = layers_at(name, 32, &sizes, 500);
        let rep = run(name, &ls, delay, &st, &RunOptions::default());
        assert!(
            rep.run.mismatch.is_none(),
            "{name}: {}",
            rep.run.mismatch.unwrap()
        );
        let sum: u64 = rep.layer_cycles.iter().sum();
        eprintln!(
            "{name}: {} ticks, spikes per layer {:?}; chip cycles per tick {:.1}, slowest layer alone {:.1} (x{:.3}), sum of the layers alone {:.1}",
            rep.run.ticks,
            rep.layer_spikes,
            rep.run.tick_cycles as f64 / rep.run.ticks as f64,
            rep.slowest_cycles as f64 / rep.run.ticks as f64,
            rep.overhead(),
            sum as f64 / rep.run.ticks as f64
        );
        assert!(
            rep.layer_spikes.iter().all(|&s| s > 0),
            "{:?}",
            rep.layer_spikes
        );
        overhead.push(rep.overhead());
    }
    assert!(overhead[0] <= 1.10, "layer_delay 1: x{:.3}", overhead[0]);
    assert!(overhead[1] > 1.2, "layer_delay 0: x{:.3}", overhead[1]);
}

/// Host actions on one layer and broadcast, between ticks of a 3-layer chain with
/// `layer_delay = 1`: learning off and on, a clear of layer 0 alone (its link empties: layer 1
/// gets no spikes in the next tick), a broadcast clear, a weight write to layer 2, a reset.
fn actions() -> Vec<ChainAction> {
    let a = |tick, layer, action| ChainAction {
        tick,
        layer,
        action,
    };
    vec![
        a(2, None, HostAction::Learning(false)),
        a(4, Some(0), HostAction::Clear),
        a(6, None, HostAction::Learning(true)),
        a(7, None, HostAction::Clear),
        a(9, Some(2), HostAction::WriteWeight { j: 3, i: 1, w: 200 }),
        a(11, Some(1), HostAction::Clear),
        a(13, None, HostAction::Reset),
    ]
}

#[test]
fn host_actions_per_layer_and_broadcast_match_the_golden_layers() {
    let name = "ch3d1";
    let ls = layers(name, 12, &[(8, 2, false), (8, 4, true), (4, 1, false)]);
    let st = stim(12, 16, 3);
    let rep = run_chain(name, &ls, 1, &st, &RunOptions::default(), &actions()).unwrap();
    assert!(rep.run.mismatch.is_none(), "{}", rep.run.mismatch.unwrap());
    // without the link's flush on a clear, layer 1 still gets layer 0's spikes of the tick
    // before the clear
    let opts = RunOptions {
        patches: vec![(
            format!("{name}.v"),
            "if (l0_flush) begin".into(),
            "if (1'b0) begin".into(),
        )],
        ..RunOptions::default()
    };
    let rep = run_chain(name, &ls, 1, &st, &opts, &actions()).unwrap();
    let m = rep
        .run
        .mismatch
        .expect("the mutant without the flush is caught");
    eprintln!("no flush: {m}");
    assert!(m.what.starts_with("layer[1]") && m.tick == 4, "{m}");
}

/// `rst` of a chain: the chain top registers it once (a kept copy per layer and one for its own
/// logic, `docs/model.md`), so every layer starts its clearing sweep one cycle after a lone
/// layer would, and the top's registered busy flag adds one more: the host port accepts a
/// request `clear_cycles + 2` cycles (of the slowest layer's sweep) after `rst` falls, at power-up
/// and for a later reset alike.
#[test]
fn a_chains_reset_ends_two_cycles_after_its_slowest_layers_sweep() {
    use cosim::driver::{Harness, build_chain};
    let name = "ch_rst";
    let ls = layers(name, 12, &[(8, 2, false), (16, 4, true), (4, 1, false)]);
    let (g, design) = build_chain(name, &ls, 1, &RunOptions::default(), false).unwrap();
    let model = design.model().unwrap();
    let mut h = Harness::new(&model, g.layers[0].layout.clone(), 1).unwrap();
    let sweeps: Vec<u64> = g
        .layers
        .iter()
        .map(|l| l.layout.arch.clear_cycles())
        .collect();
    let got = [h.reset().unwrap(), h.reset().unwrap()];
    eprintln!("layers' clear_cycles {sweeps:?}, chain after rst {got:?}");
    let slowest = *sweeps.iter().max().unwrap();
    assert_eq!(got, [slowest + 2; 2], "layers' {sweeps:?}");
    // the mutant whose slowest layer takes the port's rst instead of its copy is a cycle early
    let k = sweeps.iter().position(|&c| c == slowest).unwrap();
    let opts = RunOptions {
        patches: vec![(
            format!("{name}.v"),
            format!(".rst(rst_l{k}),"),
            ".rst(rst),".into(),
        )],
        ..RunOptions::default()
    };
    let (_, design) = build_chain(name, &ls, 1, &opts, false).unwrap();
    let model = design.model().unwrap();
    let mut h = Harness::new(&model, g.layers[0].layout.clone(), 1).unwrap();
    assert_eq!(h.reset().unwrap(), slowest + 1, "the mutant");
}
