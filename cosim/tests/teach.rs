//! Teach mode on the hardware (docs/model.md, "Teach mode" and "The teacher stream"): one-layer
//! (`lif` and `cuba`) and two-layer teach networks co-simulated against the golden model tick by
//! tick, with the stimulus's teacher on the teacher stream (duplicates and out-of-range
//! neurons), the host toggling teach mode mid-run, *clear* and `rst`, without backpressure
//! (every tick's cycles against the cycle model) and with it; and mutants of the taught neuron
//! update and the teacher counter, each caught. Runtime: about two minutes on two cores (eight
//! small Verilator builds, cached after the first run).

use cosim::driver::{
    Backpressure, ChainAction, HostAction, Report, RunOptions, run, run_chain_teacher,
};
use golden::rng::SplitMix64;
use golden::{Config, Stimulus};
use std::path::Path;

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// A taught `lif` layer: refractory period, theta, inhibition, recurrent rows and STDP, so a
/// forced spike has every consequence a spike has.
fn lif(name: &str) -> Config {
    config(&format!(
        "name = \"{name}\"\n[array]\ninputs = 8\nneurons = 6\nlanes = 2\nrecurrent = true\n\
         teach = true\n[neuron]\nthreshold = 40\nleak_shift = 3\nrefractory = 2\ntheta_plus = 3\n\
         theta_decay_shift = 4\ninhibition = 2\n[synapse]\ninit_lo = 10\ninit_hi = 80\n"
    ))
}

/// Poisson inputs and a teacher: each tick a random list of neurons of `neurons` (with
/// duplicates) and now and then an out-of-range one.
fn taught(inputs: u32, neurons: u32, ticks: usize, seed: u64) -> Stimulus {
    let mut s = Stimulus::poisson(inputs, 300.0, ticks, 1.0, seed);
    let mut rng = SplitMix64::new(seed ^ 0x7eac);
    s.teach = (0..ticks)
        .map(|_| {
            let mut l: Vec<u32> = (0..rng.below(3))
                .map(|_| rng.below(neurons as u64) as u32)
                .collect();
            if rng.chance(0.3) {
                l.push(l.first().copied().unwrap_or(0));
            }
            if rng.chance(0.25) {
                l.push([neurons, neurons + 5, u32::MAX][rng.below(3) as usize]);
            }
            l
        })
        .collect();
    s
}

/// Teach mode off at tick 8 (the neurons fire on their own), *clear* at 12, on at 16, `rst`
/// at 22 (back to the config's teach mode).
fn toggles() -> Vec<(usize, HostAction)> {
    vec![
        (8, HostAction::Teach(false)),
        (12, HostAction::Clear),
        (16, HostAction::Teach(true)),
        (22, HostAction::Reset),
    ]
}

fn run_ok(cfg: &Config, st: &Stimulus, opts: &RunOptions) -> Report {
    let r = run(cfg, st, opts).unwrap_or_else(|e| panic!("{}: {e}", cfg.name));
    assert!(
        r.mismatch.is_none(),
        "{}: {}",
        cfg.name,
        r.mismatch.unwrap()
    );
    r
}

#[test]
fn a_taught_layer_matches_with_the_host_toggling_teach_mode_and_with_backpressure() {
    let st = taught(8, 6, 30, 3);
    let cuba = config(
        "name = \"tcuba\"\n[array]\ninputs = 8\nneurons = 6\nlanes = 2\nteach = true\n\
         [neuron]\nmodel = \"cuba\"\ndu = 400\ndv = 300\nvth = 300\n\
         [synapse]\nweight_exp = 6\ninit_lo = 10\ninit_hi = 80\n",
    );
    for cfg in [lif("tlif"), cuba] {
        for bp in [0.0, 0.3] {
            let opts = RunOptions {
                bp: Backpressure {
                    input: bp,
                    output: bp,
                },
                actions: toggles(),
                ..Default::default()
            };
            let r = run_ok(&cfg, &st, &opts);
            eprintln!("{} bp {bp}: {} spikes", cfg.name, r.spikes);
            assert!(r.spikes > 10, "{}: too few spikes to test", cfg.name);
        }
    }
}

#[test]
fn two_layers_match_with_the_teacher_on_either_layer() {
    // the layers of a network with teach hardware (`Config::layer_configs` marks them)
    let net = config(
        "name = \"tch\"\n[array]\ninputs = 8\nneurons = 6\nlanes = 2\n[neuron]\nthreshold = 40\n\
         theta_plus = 2\n[synapse]\ninit_lo = 10\ninit_hi = 80\n[[layer]]\nneurons = 3\n\
         lanes = 1\nteach = true\n[layer.neuron]\nthreshold = 40\nrefractory = 1\n\
         [layer.synapse]\ninit_lo = 10\ninit_hi = 80\n",
    );
    let ls = net.layer_configs();
    assert!(ls.iter().all(|l| l.teach_hardware()));
    assert!(!ls[0].array.teach && ls[1].array.teach);
    let a = |tick, layer, action| ChainAction {
        tick,
        layer,
        action,
    };
    let actions = [
        a(6, Some(1), HostAction::Teach(false)),
        a(10, Some(0), HostAction::Teach(true)),
        a(14, None, HostAction::Teach(false)),
        a(18, Some(1), HostAction::Teach(true)),
        a(22, None, HostAction::Reset),
    ];
    for (teacher, delay, bp) in [(1, 0, 0.0), (0, 1, 0.0), (1, 0, 0.3)] {
        let neurons = ls[teacher].array.neurons;
        let st = taught(8, neurons, 28, 5 + teacher as u64);
        let opts = RunOptions {
            bp: Backpressure {
                input: bp,
                output: bp,
            },
            ..Default::default()
        };
        let rep = run_chain_teacher("tch", &ls, delay, teacher, &st, &opts, &actions)
            .unwrap_or_else(|e| panic!("teacher {teacher}: {e}"));
        eprintln!(
            "teacher layer {teacher}, delay {delay}, bp {bp}: spikes per layer {:?}",
            rep.layer_spikes
        );
        assert!(
            rep.run.mismatch.is_none(),
            "teacher layer {teacher}: {}",
            rep.run.mismatch.unwrap()
        );
        assert!(
            rep.layer_spikes.iter().all(|&s| s > 5),
            "{:?}",
            rep.layer_spikes
        );
    }
}

#[test]
fn mutants_of_teach_mode_are_caught() {
    let cfg = lif("tmut");
    let st = taught(8, 6, 24, 7);
    let lane = "tmut_lane.v";
    let top = "tmut.v";
    let mutants = [
        (
            "a forced neuron also fires on its own",
            lane,
            "n4_fire <= teach ? n_forced_d5 : n3_fire_r;",
            "n4_fire <= teach ? (n_forced_d5 | n3_fire_r) : n3_fire_r;",
        ),
        (
            "v is not held at 0",
            lane,
            "(teach ? 16'sh0 : (",
            "(1'b0 ? 16'sh0 : (",
        ),
        (
            "the teacher's spikes are not in the potentiation list",
            lane,
            "assign listmem_we = n4_spike & (~rst);",
            "assign listmem_we = (n4_spike & (~teach)) & (~rst);",
        ),
        (
            "an out-of-range teacher beat is not counted",
            top,
            "teach_dropped <= teach_dropped + 32'd1;",
            "teach_dropped <= teach_dropped + 32'd0;",
        ),
    ];
    for (what, file, from, to) in mutants {
        let opts = RunOptions {
            patches: vec![(file.into(), from.into(), to.into())],
            ..Default::default()
        };
        let r = run(&cfg, &st, &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
        let m = r
            .mismatch
            .unwrap_or_else(|| panic!("the mutant \"{what}\" was not caught"));
        eprintln!("{what}: caught: {m}");
    }
}
