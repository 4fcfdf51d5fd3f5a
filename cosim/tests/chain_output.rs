//! Co-simulation of a chain of layers whose output stream carries every layer's spikes
//! (`[network] output = "all"`, `cosim::driver::run_chain_output`): each layer's beats on the
//! output stream (its `out_layer` tag) match the golden layer's spikes every tick, and without
//! backpressure the layer and cycle of every beat and the chip's cycles match
//! `golden::cycle::chain_timing_out`; with backpressure on both streams nothing is lost; two
//! mutants of the output stream (a wrong tag, a pop of the wrong layer's tap) are caught,
//! naming the layer. Runtime: about a minute (four small Verilator builds, cached after).

use cosim::driver::{Backpressure, ChainReport, RunOptions, run_chain_output};
use golden::config::ChainOutput;
use golden::{Config, Stimulus};
use std::path::Path;

/// Three layers `name_l{k}` (8, 8 recurrent, 4 neurons) on 12 inputs.
fn layers(name: &str) -> Vec<Config> {
    let mut n_in = 12;
    [(8, 2, false), (8, 4, true), (4, 1, false)]
        .iter()
        .enumerate()
        .map(|(k, &(n, l, rec))| {
            let toml = format!(
                "name = \"{name}_l{k}\"\n[array]\ninputs = {n_in}\nneurons = {n}\nlanes = {l}\n\
                 recurrent = {rec}\n[neuron]\nthreshold = 40\n[synapse]\ninit_lo = 10\ninit_hi = 80\n"
            );
            n_in = n;
            Config::from_toml_str(&toml, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
        })
        .collect()
}

fn run(name: &str, delay: u32, opts: &RunOptions) -> ChainReport {
    let st = Stimulus::poisson(12, 300.0, 16, 1.0, 3);
    let last = 2;
    run_chain_output(
        name,
        &layers(name),
        delay,
        last,
        ChainOutput::All,
        &st,
        opts,
        &[],
    )
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_layers_tagged_spikes_match_the_golden_layers_for_both_delays() {
    for (name, delay) in [("all_d0", 0), ("all_d1", 1)] {
        for bp in [0.0, 0.3] {
            let opts = RunOptions {
                bp: Backpressure {
                    input: bp,
                    output: bp,
                },
                seed: 5,
                ..RunOptions::default()
            };
            let rep = run(name, delay, &opts);
            assert!(
                rep.run.mismatch.is_none(),
                "{name}, backpressure {bp}: {}",
                rep.run.mismatch.unwrap()
            );
            eprintln!(
                "{name}, backpressure {bp}: {} ticks, spikes per layer {:?}, {} beats on the output stream, chip cycles {}",
                rep.run.ticks, rep.layer_spikes, rep.run.spikes, rep.run.tick_cycles
            );
            // every layer spiked, and the output stream carried every layer's spikes
            assert!(rep.layer_spikes.iter().all(|&s| s > 0), "{name}");
            assert_eq!(rep.run.spikes, rep.layer_spikes.iter().sum::<usize>());
        }
    }
}

/// A mutant of the 3-layer chain with `output = "all"`: its first difference.
fn mutant(delay: u32, from: &str, to: &str) -> String {
    let name = format!("allm_d{delay}");
    let opts = RunOptions {
        patches: vec![(format!("{name}.v"), from.into(), to.into())],
        ..RunOptions::default()
    };
    let m = match run(&name, delay, &opts).run.mismatch {
        Some(m) => m.to_string(),
        None => panic!("the mutant {from} -> {to} was not caught"),
    };
    eprintln!("{name}: {to}\n  {m}");
    m
}

#[test]
fn mutants_of_the_output_stream_are_caught_naming_the_layer() {
    // layer 1's beats tagged as layer 2's
    let m = mutant(
        0,
        "((tap1_q0_v & (~tap1_q0[3])) ? 2'd1 :",
        "((tap1_q0_v & (~tap1_q0[3])) ? 2'd2 :",
    );
    assert!(m.contains("layer[1] spikes on the output stream"), "{m}");
    // layer 1's tap popped when layer 0's spike is taken in the same cycle: layer 1 loses it
    // (with layer_delay = 1 the layers' spikes wait in their taps at the same time)
    let m = mutant(
        1,
        "assign tap1_pop = (out_take & ((tap1_q0_v & (~tap1_q0[3])) & (~(tap0_q0_v & (~tap0_q0[3]))))) | chip_end;",
        "assign tap1_pop = (out_take & (tap1_q0_v & (~tap1_q0[3]))) | chip_end;",
    );
    assert!(m.contains("layer[1] spikes on the output stream"), "{m}");
}
