//! Issue 14: the exported testbench of a network of two layers (the chain top) passes under
//! Icarus and Verilator, without and with backpressure, with host actions through the layer field
//! (a weight write to layer 0, a broadcast clear and learning-off); every layer's counters, state
//! and weights are read back at its base address. Control: a mutated hidden layer (layer 0's
//! accumulator subtracts) fails under both simulators. Runtime ~1 min (four simulator builds of a
//! small chain).

use cosim::driver::HostAction;
use golden::rng::SplitMix64;
use golden::{Config, Stimulus};
use std::path::{Path, PathBuf};
use testbenches::export::{ExportOptions, export};
use testbenches::sim::{Simulator, build_and_run, run};

/// 8 -> 6 (2 lanes, recurrent, STDP) -> 4 (1 lane, STDP), layer 1 a tick behind.
const NET: &str = "name = \"tbchain\"\n[network]\nlayer_delay = 1\n\
    [array]\ninputs = 8\nneurons = 6\nlanes = 2\nrecurrent = true\n\
    [neuron]\nthreshold = 40\nleak_shift = 3\ninhibition = 2\n\
    [synapse]\ninit_lo = 4\ninit_hi = 40\n\
    [stdp]\npre_inc = 80\npost_inc = 80\nltp_shift = 2\nltd_shift = 2\n\
    [[layer]]\nneurons = 4\nlanes = 1\n\
    [layer.neuron]\nthreshold = 30\nleak_shift = 3\n\
    [layer.synapse]\ninit_lo = 4\ninit_hi = 40\n\
    [layer.stdp]\npre_inc = 80\npost_inc = 80\n";

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("export_chain")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stim() -> Stimulus {
    let mut r = SplitMix64::new(9);
    Stimulus {
        ticks: (0..24)
            .map(|_| (0..1 + r.below(8)).map(|_| r.below(9) as u32).collect())
            .collect(),
        ..Default::default()
    }
}

fn options() -> ExportOptions {
    ExportOptions {
        actions: vec![
            (3, HostAction::WriteWeight { j: 2, i: 1, w: 90 }),
            (8, HostAction::Clear),
            (16, HostAction::Learning(false)),
        ],
        full_every: 8,
        ..Default::default()
    }
}

/// The testbench in `dir` passes under Icarus and Verilator, without and with backpressure, and
/// both simulators count the same cycles.
#[track_caller]
fn passes_under_both_simulators(dir: &Path) {
    let mut cycles = Vec::new();
    for sim in Simulator::ALL {
        let o = build_and_run(dir, sim, &[]).unwrap();
        assert!(o.passed(), "{}: {}", sim.name(), o.transcript());
        let o = run(dir, sim, &["+bp=300", "+seed=5"]).unwrap();
        assert!(
            o.passed(),
            "{} with backpressure: {}",
            sim.name(),
            o.transcript()
        );
        cycles.push(o.cycles);
    }
    assert_eq!(cycles[0], cycles[1], "Icarus and Verilator disagree");
}

#[test]
fn a_chain_testbench_passes_under_both_simulators_and_a_hidden_layer_mutant_fails() {
    let cfg = Config::from_toml_str(NET, Path::new(".")).unwrap();
    let mut e = export(&cfg, &stim(), &options()).unwrap();
    assert!(e.summary.spikes > 0, "the last layer should spike");
    assert_eq!(e.summary.top, "tbchain");
    let g = e.chain.as_ref().unwrap();
    assert_eq!(g.layers.len(), 2);
    let dir = scratch("clean");
    e.write(&dir).unwrap();
    passes_under_both_simulators(&dir);

    // the hidden layer's accumulator subtracts: its state, then the last layer's, differ
    let file = "rtl/tbchain_l0_lane.v";
    let line = e.files[file]
        .lines()
        .find(|l| l.trim_start().starts_with("assign e_acc_sum = "))
        .expect("the lane has an accumulator adder")
        .to_string();
    e.patch(file, &line, &line.replacen(" + ", " - ", 1))
        .unwrap();
    let dir = scratch("mutant");
    e.write(&dir).unwrap();
    for sim in Simulator::ALL {
        let o = build_and_run(&dir, sim, &[]).unwrap();
        assert!(
            o.failed_cleanly() && o.fail_lines[0].contains("tick "),
            "mutant under {}: {}",
            sim.name(),
            o.transcript()
        );
    }
}

/// The same chain with `[network] output = "all"`: the output stream carries both layers'
/// spikes, each tagged with its layer (`out_layer`).
fn net_all() -> String {
    NET.replace("name = \"tbchain\"", "name = \"tball\"")
        .replace("[network]\n", "[network]\noutput = \"all\"\n")
}

/// Issue 14: the exported testbench of a chain whose output stream carries every layer's
/// tagged spikes passes under Icarus and Verilator, without backpressure (every beat's layer,
/// neuron and cycle in stream order) and with it (each layer's spikes in order); it fails on
/// an expected beat whose layer tag is corrupted and on a chain top that tags layer 1's spikes
/// as layer 0's. Runtime ~1 min (four simulator builds of a small chain).
#[test]
fn a_chain_testbench_checks_every_layers_tagged_spikes_and_fails_on_a_wrong_tag() {
    let cfg = Config::from_toml_str(&net_all(), Path::new(".")).unwrap();
    let mut e = export(&cfg, &stim(), &options()).unwrap();
    let out: Vec<String> = e.files["vectors/out.hex"]
        .lines()
        .map(str::to_string)
        .collect();
    // 18 hex digits: the layer byte, then {eot, cycle, neuron}; both layers spike
    assert!(out.iter().all(|l| l.len() == 18), "{out:?}");
    let spikes_of = |layer: &str| {
        out.iter()
            .filter(|l| l.starts_with(layer) && !l[2..].starts_with('8'))
            .count()
    };
    let (s0, s1) = (spikes_of("00"), spikes_of("01"));
    assert!(s0 > 0 && s1 > 0, "layer 0: {s0} spikes, layer 1: {s1}");
    assert_eq!(e.summary.spikes, s0 + s1);
    let dir = scratch("all_clean");
    e.write(&dir).unwrap();
    passes_under_both_simulators(&dir);

    // the first expected spike of layer 1 expected as layer 0's
    let at = out
        .iter()
        .position(|l| l.starts_with("01") && !l[2..].starts_with('8'))
        .unwrap();
    let tick = out[..at].iter().filter(|l| l[2..].starts_with('8')).count();
    let mut bad = out.clone();
    bad[at] = format!("00{}", &out[at][2..]);
    let hex = "vectors/out.hex";
    std::fs::write(dir.join(hex), bad.join("\n") + "\n").unwrap();
    for sim in Simulator::ALL {
        let o = run(&dir, sim, &[]).unwrap();
        assert!(
            o.failed_cleanly()
                && o.fail_lines[0].contains(&format!("tick {tick}:"))
                && o.fail_lines[0].contains("of layer 0, got spike"),
            "corrupted tag under {}: {}",
            sim.name(),
            o.transcript()
        );
        eprintln!("corrupted tag, {}: {}", sim.name(), o.fail_lines[0]);
    }

    // the RTL mutant: the chain top tags layer 1's spikes as layer 0's
    let file = "rtl/tball.v";
    let from = "? 1'd1 :";
    assert_eq!(e.files[file].matches(from).count(), 1, "{}", e.files[file]);
    e.patch(file, from, "? 1'd0 :").unwrap();
    let dir = scratch("all_mutant");
    e.write(&dir).unwrap();
    for sim in Simulator::ALL {
        for args in [&[][..], &["+bp=300", "+seed=5"][..]] {
            let o = if args.is_empty() {
                build_and_run(&dir, sim, args).unwrap()
            } else {
                run(&dir, sim, args).unwrap()
            };
            assert!(
                o.failed_cleanly() && o.fail_lines[0].contains("layer 0"),
                "tag mutant under {} {args:?}: {}",
                sim.name(),
                o.transcript()
            );
            eprintln!("tag mutant, {} {args:?}: {}", sim.name(), o.fail_lines[0]);
        }
    }
}
