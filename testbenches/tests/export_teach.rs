//! Issue 15: exported testbenches of networks with teach hardware drive the teacher stream
//! (`teach_*`) with the stimulus's `teach` lists (duplicates and out-of-range neurons, which the
//! hardware drops and counts in TEACH_DROPPED), with the input stream's gaps under
//! backpressure, and read TEACH and TEACH_DROPPED back after every tick. A taught layer and a
//! chain of two layers taught at its last layer pass under Icarus and Verilator, with the host
//! toggling teach mode mid-run; controls: one teacher beat moved to another neuron fails, and a
//! testbench that never presents a teacher beat fails (timeout). Runtime about 1.5 min (eight
//! simulator builds of small designs).

use cosim::driver::HostAction;
use golden::rng::SplitMix64;
use golden::{Config, Stimulus};
use std::path::{Path, PathBuf};
use testbenches::export::{ExportOptions, Exported, export};
use testbenches::sim::{Simulator, build_and_run, run};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("export_teach")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(toml: &str) -> Config {
    Config::from_toml_str(toml, Path::new(".")).unwrap_or_else(|e| panic!("{e}\n{toml}"))
}

/// A taught layer with refractory period, theta, inhibition, recurrence and STDP.
const ONE: &str = "name = \"tbteach\"\n[array]\ninputs = 8\nneurons = 6\nlanes = 2\n\
    recurrent = true\nteach = true\n[neuron]\nthreshold = 40\nleak_shift = 3\nrefractory = 2\n\
    theta_plus = 3\ntheta_decay_shift = 4\ninhibition = 2\n[synapse]\ninit_lo = 10\n\
    init_hi = 80\n";

/// 8 -> 6 -> 3, the teacher at the last layer (the default of `teacher_layer`, named here).
const CHAIN: &str = "name = \"tbtchain\"\n[network]\nteacher_layer = 1\n[array]\ninputs = 8\n\
    neurons = 6\nlanes = 2\n[neuron]\nthreshold = 40\ntheta_plus = 2\n[synapse]\ninit_lo = 10\n\
    init_hi = 80\n[[layer]]\nneurons = 3\nlanes = 1\nteach = true\n[layer.neuron]\n\
    threshold = 40\nrefractory = 1\n[layer.synapse]\ninit_lo = 10\ninit_hi = 80\n";

/// Poisson inputs and a random teacher of `neurons` neurons (duplicates, out-of-range ones).
fn taught(inputs: u32, neurons: u32, ticks: usize, seed: u64) -> Stimulus {
    let mut s = Stimulus::poisson(inputs, 300.0, ticks, 1.0, seed);
    let mut rng = SplitMix64::new(seed ^ 0x7eac);
    s.teach = (0..ticks)
        .map(|_| {
            let mut l: Vec<u32> = (0..1 + rng.below(3))
                .map(|_| rng.below(neurons as u64) as u32)
                .collect();
            if rng.chance(0.3) {
                l.push(l[0]);
            }
            if rng.chance(0.25) {
                l.push([neurons, neurons + 5, u32::MAX][rng.below(3) as usize]);
            }
            l
        })
        .collect();
    s
}

/// Teach mode off at tick 8, on again at 14 (a broadcast in a chain).
fn options() -> ExportOptions {
    ExportOptions {
        actions: vec![(8, HostAction::Teach(false)), (14, HostAction::Teach(true))],
        full_every: 8,
        ..Default::default()
    }
}

/// Both simulators pass without and with backpressure, and agree on the cycles.
fn passes(e: &Exported, name: &str) {
    let dir = scratch(name);
    e.write(&dir).unwrap();
    let mut cycles = Vec::new();
    for sim in Simulator::ALL {
        let o = build_and_run(&dir, sim, &[]).unwrap();
        assert!(
            o.passed(),
            "{name} under {}: {}",
            sim.name(),
            o.transcript()
        );
        let o = run(&dir, sim, &["+bp=300", "+seed=5"]).unwrap();
        assert!(
            o.passed(),
            "{name} under {} with backpressure: {}",
            sim.name(),
            o.transcript()
        );
        cycles.push(o.cycles);
    }
    assert_eq!(
        cycles[0], cycles[1],
        "{name}: Icarus and Verilator disagree"
    );
}

/// Both simulators fail with a FAIL line containing `what`.
fn fails(e: &Exported, name: &str, what: &str) {
    let dir = scratch(name);
    e.write(&dir).unwrap();
    for sim in Simulator::ALL {
        let o = build_and_run(&dir, sim, &[]).unwrap();
        assert!(
            o.failed_cleanly() && o.fail_lines[0].contains(what),
            "{name} under {}: {}",
            sim.name(),
            o.transcript()
        );
    }
}

/// A teacher beat moved to another neuron in `teach.hex`: the first neuron of the first list
/// (ticks 2-7, teach mode on) whose spikes that changes (in range, listed once, the next
/// neuron not listed).
fn move_a_teacher_beat(e: &mut Exported, stim: &Stimulus, neurons: u32) {
    let mut line = 0;
    for (t, list) in stim.teach.iter().enumerate() {
        let to_n = (list[0] + 1) % neurons;
        let once = list.iter().filter(|&&a| a == list[0]).count() == 1;
        if (2..8).contains(&t) && list[0] < neurons && once && !list.contains(&to_n) {
            let from = format!("{:09x}\n", list[0]);
            let to = format!("{to_n:09x}\n");
            let text = e.files["vectors/teach.hex"].clone();
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(format!("{}\n", lines[line]), from);
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[line] = to.trim_end().to_string();
            e.files
                .insert("vectors/teach.hex".into(), out.join("\n") + "\n");
            return;
        }
        line += list.len() + 1;
    }
    panic!("no tick with a taught in-range neuron");
}

#[test]
fn a_taught_layer_passes_and_a_wrong_or_missing_teacher_fails() {
    let cfg = config(ONE);
    let stim = taught(8, 6, 24, 3);
    let e = export(&cfg, &stim, &options()).unwrap();
    let s = &e.summary;
    assert_eq!(
        s.teach_beats,
        stim.teach.iter().map(|l| l.len() + 1).sum::<usize>()
    );
    assert!(s.spikes > 10, "too few spikes: {}", s.spikes);
    assert!(e.files.contains_key("vectors/teach.hex"));
    passes(&e, "one");

    let mut wrong = e.clone();
    move_a_teacher_beat(&mut wrong, &stim, 6);
    fails(&wrong, "one_wrong_neuron", "tick ");

    // the testbench never presents a teacher beat: the tick cannot end
    let mut silent = e.clone();
    let tb = silent.tb_file();
    silent
        .patch(
            &tb,
            "teach_valid <= 1'b1;",
            "teach_valid <= 1'b0; // mutated: never present",
        )
        .unwrap();
    fails(&silent, "one_silent", "timeout");
}

#[test]
fn a_chain_taught_at_its_last_layer_passes_and_a_wrong_teacher_fails() {
    let cfg = config(CHAIN);
    assert_eq!(cfg.teacher_layer(), 1);
    let stim = taught(8, 3, 24, 5);
    let e = export(&cfg, &stim, &options()).unwrap();
    assert!(e.summary.spikes > 5, "too few spikes: {}", e.summary.spikes);
    passes(&e, "chain");
    let mut wrong = e.clone();
    move_a_teacher_beat(&mut wrong, &stim, 3);
    fails(&wrong, "chain_wrong_neuron", "tick ");
}

#[test]
fn a_teacher_without_teach_hardware_is_refused() {
    let plain = config(
        "name = \"plain\"\n[array]\ninputs = 4\nneurons = 2\nlanes = 1\n[synapse]\ninit_lo = 1\n\
         init_hi = 9\n",
    );
    let mut stim = Stimulus::new(vec![vec![0], vec![1]]);
    let e = export(&plain, &stim, &ExportOptions::default()).unwrap();
    assert!(!e.files.contains_key("vectors/teach.hex"));
    assert_eq!(e.summary.teach_beats, 0);
    stim.teach = vec![vec![1]];
    let err = export(&plain, &stim, &ExportOptions::default()).unwrap_err();
    assert!(
        err.contains("key \"teach\"") && err.contains("no teach hardware"),
        "{err}"
    );
    let toggle = ExportOptions {
        actions: vec![(1, HostAction::Teach(true))],
        ..Default::default()
    };
    let err = export(&plain, &Stimulus::new(vec![vec![0], vec![1]]), &toggle).unwrap_err();
    assert!(
        err.contains("tick 1") && err.contains("no teach hardware"),
        "{err}"
    );
}
