//! Random co-simulation of chains of layers: seeded random chains of 1 to 4 layers
//! ([`testbenches::random::ChainCase`]: mixed widths, lanes, rules, layer delays, targets,
//! backpressure, host actions on one layer or all; a share with teach hardware, a random teacher
//! on a random teacher layer and teach toggles, `testbenches::random_teach`) run through Verilator
//! and the golden layers (`cosim::driver::run_chain_teacher`; one layer: `cosim::driver::run`),
//! every layer's spikes and state compared every tick, and without
//! backpressure the chip's cycles and every layer's beat cycles against the chain cycle model.
//!
//! Key decision: few cases (each chain is one Verilator build of several arrays, 5-20 s on a
//! quiet 2-core machine); `NEUROGEN_RANDOM_CHAINS` and `NEUROGEN_RANDOM_CHAIN_SEED` change the
//! count and the first seed. Runtime: about 90 s (5 builds).

use cosim::driver::{Compare, RunOptions, run, run_chain_teacher};
use testbenches::random::ChainCase;

fn env_or(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn run_case(c: &ChainCase) -> Result<(usize, Vec<usize>), String> {
    let opts = RunOptions {
        bp: c.bp,
        seed: c.seed,
        compare: Compare::Sample(8),
        init: c.init,
        target: c.target,
        ..Default::default()
    };
    let (mismatch, spikes) = if c.layers.len() == 1 {
        let rep = run(&c.layers[0], &c.stimulus, &opts).map_err(|e| e.to_string())?;
        (rep.mismatch, vec![rep.spikes])
    } else {
        let rep = run_chain_teacher(
            &c.name,
            &c.layers,
            c.layer_delay,
            c.teacher,
            &c.stimulus,
            &opts,
            &c.actions,
        )
        .map_err(|e| e.to_string())?;
        (rep.run.mismatch, rep.layer_spikes)
    };
    match mismatch {
        None => Ok((c.layers.len(), spikes)),
        Some(m) => Err(m.to_string()),
    }
}

#[test]
fn random_chains_match_the_golden_layers() {
    let count = env_or("NEUROGEN_RANDOM_CHAINS", 5);
    let first = env_or("NEUROGEN_RANDOM_CHAIN_SEED", 1);
    let mut failures = Vec::new();
    let mut shapes = Vec::new();
    let mut bcast: Vec<Vec<u32>> = Vec::new();
    for seed in first..first + count {
        let c = ChainCase::new(seed);
        match run_case(&c) {
            Ok((n, spikes)) => {
                let teach = if c.layers[0].teach_hardware() {
                    format!(", teacher at layer {}", c.teacher)
                } else {
                    String::new()
                };
                eprintln!(
                    "seed {seed}: {n} layers, delay {}, {:?}, bp {:?}, {} host actions{teach}: spikes per layer {spikes:?}",
                    c.layer_delay,
                    c.target,
                    c.bp,
                    c.actions.len()
                );
                shapes.push((n, c.layer_delay, c.layers[0].teach_hardware()));
                bcast.push(
                    c.layers
                        .iter()
                        .map(|l| l.array.bcast_stages)
                        .collect::<Vec<_>>(),
                );
            }
            Err(e) => failures.push(format!("{e}\n{}", c.describe())),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    if first == 1 && count >= 5 {
        // the default seeds reach both delays with several layers
        for d in [0, 1] {
            assert!(
                shapes.iter().any(|&(n, dd, _)| n >= 2 && dd == d),
                "no chain with layer_delay {d}: {shapes:?}"
            );
        }
        assert!(shapes.iter().any(|&(n, _, _)| n >= 3), "{shapes:?}");
        // and a chain with teach hardware and a teacher (`testbenches::random_teach`)
        assert!(
            shapes.iter().any(|&(n, _, t)| n >= 2 && t),
            "no taught chain: {shapes:?}"
        );
        // and a chain mixing one and two broadcast stages (`array.bcast_stages`)
        assert!(
            bcast.iter().any(|b| b.contains(&1) && b.contains(&2)),
            "no chain mixing broadcast stages: {bcast:?}"
        );
    }
}
