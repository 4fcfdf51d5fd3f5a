//! `neurogen learn patterns|digits`: one JSON object with `--json`, PNG plots in the output folder,
//! and one clear error line for bad parameters.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{is_png, json_of, neurogen, read_json, succeeded};

fn scratch(name: &str) -> PathBuf {
    common::scratch("learn_cli", name)
}

#[track_caller]
fn failed_naming(out: &Output, want: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.starts_with("error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.contains(want), "stderr lacks {want:?}: {err}");
}

#[test]
fn learn_patterns_json_reports_a_perfect_single_pattern_detector_and_writes_plots() {
    let dir = scratch("patterns");
    let d = dir.to_str().unwrap();
    let v = json_of(&neurogen(&[
        "learn",
        "patterns",
        "--patterns",
        "1",
        "--json",
        "-o",
        d,
    ]));
    assert_eq!(v["accuracy"], 1.0, "{v}");
    assert_eq!(v["false_positive_rate"], 0.0, "{v}");
    let plots = v["plots"].as_array().unwrap();
    assert_eq!(plots.len(), 3);
    for p in plots {
        is_png(Path::new(p.as_str().unwrap()));
    }
}

#[test]
fn learn_patterns_sweep_gives_one_cell_per_k_and_overlap() {
    let dir = scratch("sweep");
    let d = dir.to_str().unwrap();
    let v = json_of(&neurogen(&[
        "learn",
        "patterns",
        "--sweep",
        "--ks",
        "1,2",
        "--overlaps",
        "0,0.5",
        "--json",
        "-o",
        d,
    ]));
    let cells = v["sweep"].as_array().unwrap();
    assert_eq!(cells.len(), 4);
    assert!(dir.join("sweep.png").exists());
}

#[test]
fn learn_digits_json_gives_the_accuracy_of_each_rule_set_and_writes_plots() {
    let dir = scratch("digits");
    let d = dir.to_str().unwrap();
    let args = [
        "learn", "digits", "--train", "300", "--test", "200", "--epochs", "1", "--json", "-o", d,
    ];
    let v = json_of(&neurogen(&args));
    let sets = v["rule_sets"].as_array().unwrap();
    let names: Vec<&str> = sets.iter().map(|s| s["rules"].as_str().unwrap()).collect();
    assert_eq!(names, ["fixed", "pair", "pair-offset", "full"]);
    assert_eq!(v["rules"], "full");
    assert_eq!(v["accuracy"], sets[3]["accuracy"]);
    let acc = v["accuracy"].as_f64().unwrap();
    assert!((0.60..=1.0).contains(&acc), "{acc}");
    for p in v["plots"].as_array().unwrap() {
        is_png(Path::new(p.as_str().unwrap()));
    }
    // Same seed, same numbers.
    let again = json_of(&neurogen(&args));
    assert_eq!(again["rule_sets"], v["rule_sets"]);
}

#[test]
fn learn_rejects_bad_parameters_with_one_line_naming_them() {
    let dir = scratch("bad");
    let d = dir.to_str().unwrap();
    failed_naming(
        &neurogen(&["learn", "patterns", "--overlap", "1", "-o", d]),
        "overlap",
    );
    failed_naming(
        &neurogen(&["learn", "patterns", "--patterns", "9", "-o", d]),
        "need 72 inputs",
    );
    failed_naming(
        &neurogen(&["learn", "patterns", "--sweep", "--ks", "16", "-o", d]),
        "K = 16",
    );
    failed_naming(
        &neurogen(&["learn", "digits", "--train", "0", "-o", d]),
        "train: 0",
    );
    failed_naming(
        &neurogen(&[
            "learn", "digits", "--train", "1500", "--test", "500", "-o", d,
        ]),
        "train + test",
    );
    let missing = dir.join("missing.csv.gz");
    failed_naming(
        &neurogen(&[
            "learn",
            "digits",
            "--data",
            missing.to_str().unwrap(),
            "-o",
            d,
        ]),
        "missing.csv.gz",
    );
    assert!(
        std::fs::read_dir(&dir).unwrap().next().is_none(),
        "no output for a bad run"
    );
}

/// A small network with an adaptive threshold, for the trained-network round trip.
const TINY: &str = r#"
name = "tiny"
[array]
inputs = 16
neurons = 4
lanes = 2
[neuron]
threshold = 400
leak_shift = 2
inhibition = 600
theta_plus = 20
theta_decay_shift = 10
[synapse]
init = "uniform"
init_lo = 0
init_hi = 40
seed = 5
[stdp]
pre_inc = 64
post_inc = 32
ltp_shift = 4
ltd_shift = 6
normalize_target = 400
"#;

/// The spikes of `net` on `stim`.
fn spikes_of(mut net: golden::model::Network, stim: &golden::Stimulus) -> Vec<Vec<u32>> {
    stim.ticks.iter().map(|e| net.step(e).to_vec()).collect()
}

/// `learn --config --save` on a tiny network, then the saved network through `simulate`,
/// `generate`, `cosim` and an exported testbench under Icarus. About 40 s (the Verilator build
/// of the tiny network), 6 s when it is cached.
#[test]
fn learn_saves_the_trained_network_that_simulate_generate_and_cosim_start_from() {
    use golden::learn::patterns::{self, PatternsParams};
    use golden::model::{Network, StateKind};
    let dir = scratch("save");
    let net_toml = dir.join("tiny.toml");
    std::fs::write(&net_toml, TINY).unwrap();
    let saved = dir.join("trained");
    let (n, s) = (net_toml.to_str().unwrap(), saved.to_str().unwrap());
    let plots = dir.join("plots");
    #[rustfmt::skip]
    let v = json_of(&neurogen(&[
        "learn", "patterns", "--config", n, "--patterns", "2", "--active", "4", "--train", "6",
        "--test", "3", "--epochs", "1", "--json", "--save", s, "-o", plots.to_str().unwrap(),
    ]));
    let files = v["saved"].as_array().expect("saved files listed");
    assert_eq!(files.len(), 3, "config, weights, theta: {v}");
    let trained = saved.join("tiny.toml");
    assert_eq!(files[0].as_str(), trained.to_str());

    // the same experiment in-process: the saved network starts from what it learned
    let cfg = golden::Config::from_file(&net_toml).unwrap();
    let p = PatternsParams {
        inputs: 16,
        neurons: 4,
        patterns: 2,
        active: 4,
        train: 6,
        test: 3,
        epochs: 1,
        raster_samples: 9,
        network: Some(cfg.clone()),
        ..PatternsParams::default()
    };
    let r = patterns::run(&p, &mut |_| {}).unwrap();
    let back = golden::Config::from_file(&trained).unwrap();
    assert_eq!(back.initial_weights(), r.weights);
    assert_eq!(back.initial_theta(), r.theta);
    assert_ne!(r.weights, cfg.initial_weights(), "the network learned");
    assert!(
        r.theta.iter().any(|&t| t > 0),
        "theta adapted: {:?}",
        r.theta
    );

    // simulate on the saved config = the golden model given the learned state by host writes
    let stim = golden::Stimulus::poisson(16, 300.0, 60, 1.0, 3);
    let res = dir.join("result.json");
    let t = trained.to_str().unwrap();
    #[rustfmt::skip]
    let out = neurogen(&["simulate", t, "--poisson", "300", "--ticks", "60", "--seed", "3",
                         "-o", res.to_str().unwrap()]);
    succeeded(&out);
    let res = read_json(&res);
    let got: Vec<Vec<u32>> = serde_json::from_value(res["spikes"].clone()).unwrap();
    let mut learned = Network::new(&cfg);
    learned.set_weights(&r.weights).unwrap();
    let mut weights_only = learned.clone();
    for (i, &th) in r.theta.iter().enumerate() {
        learned.set_state(StateKind::Theta, i, th).unwrap();
    }
    assert_eq!(got, spikes_of(learned, &stim));
    assert!(
        got.iter().any(|s| !s.is_empty()),
        "the stimulus makes spikes"
    );
    // controls: without the learned theta, or from the untrained network, the spikes differ
    weights_only.clear();
    assert_ne!(got, spikes_of(weights_only, &stim), "theta matters here");
    assert_ne!(got, spikes_of(Network::new(&cfg), &stim));

    // generate and cosim (the Verilog starts from the saved weights; theta through the host
    // port) take it
    let rtl = dir.join("rtl");
    let out = neurogen(&["generate", t, "-o", rtl.to_str().unwrap()]);
    succeeded(&out);
    #[rustfmt::skip]
    let out = neurogen(&["cosim", t, "--poisson", "300", "--ticks", "60", "--seed", "3",
                         "--rtl", rtl.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("MATCH"), "{text}");

    // an exported UP5K testbench (weights and theta through the host port) passes under Icarus
    let tb = dir.join("tb");
    #[rustfmt::skip]
    let out = neurogen(&["testbench", t, "--poisson", "300", "--ticks", "30", "--seed", "3",
                         "--target", "ice40-up5k", "-o", tb.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("theta: the config's neuron.theta_file is written"),
        "{text}"
    );
    let run = std::process::Command::new(tb.join("run.sh"))
        .arg("icarus")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(log.lines().any(|l| l.starts_with("PASS")), "{log}");
}

#[test]
fn learn_config_that_does_not_fit_the_experiment_is_refused_naming_the_key() {
    let dir = scratch("config_fit");
    let d = dir.to_str().unwrap();
    let net = dir.join("net.toml");
    std::fs::write(&net, TINY).unwrap();
    let n = net.to_str().unwrap();
    failed_naming(
        &neurogen(&["learn", "digits", "--config", n, "-o", d]),
        "array.inputs = 16, but the digits are 64 pixels",
    );
    failed_naming(
        &neurogen(&["learn", "patterns", "--config", n, "-o", d]),
        "need 32 inputs, but inputs = 16",
    );
    failed_naming(
        &neurogen(&[
            "learn",
            "patterns",
            "--config",
            n,
            "--neurons",
            "8",
            "-o",
            d,
        ]),
        "--neurons 8 conflicts with the config's array.neurons = 4",
    );
    failed_naming(
        &neurogen(&["learn", "digits", "--config", n, "--rules", "pair", "-o", d]),
        "--rules switches features of the built-in network",
    );
    let cuba = dir.join("cuba.toml");
    std::fs::write(
        &cuba,
        "[array]\ninputs = 64\nneurons = 4\n[neuron]\nmodel = \"cuba\"\n",
    )
    .unwrap();
    failed_naming(
        &neurogen(&[
            "learn",
            "digits",
            "--config",
            cuba.to_str().unwrap(),
            "-o",
            d,
        ]),
        "the experiments need \"lif\"",
    );
}

/// `learn digits --rules supervised` on a small split (the whole test, with its 192-cell
/// --sweep: 6.5 s on a loaded 2-core machine): the taught readout beats chance well, while the
/// control readout trained with the teacher off never learns (its weights stay 0, it never
/// fires); the --sweep gives one validation score per cell.
#[test]
fn learn_digits_supervised_readout_learns_from_the_teacher_and_the_untaught_control_does_not() {
    let args = [
        "learn",
        "digits",
        "--rules",
        "supervised",
        "--train",
        "200",
        "--test",
        "100",
        "--epochs",
        "1",
        "--json",
    ];
    let v = json_of(&neurogen(&args));
    assert_eq!(v["rules"], "supervised");
    let acc = v["accuracy"].as_f64().unwrap();
    let control = v["untaught_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.4, "taught readout {acc}");
    assert!(control <= 0.2, "untaught control {control}");
    assert!(v["teacher_spikes"].as_u64().unwrap() > 0);
    let unsup = v["unsupervised_accuracy"].as_f64().unwrap();
    assert!((0.3..=1.0).contains(&unsup), "{unsup}");

    let sweep = [
        "learn",
        "digits",
        "--rules",
        "supervised",
        "--sweep",
        "--train",
        "200",
        "--test",
        "100",
        "--epochs",
        "1",
        "--validation",
        "60",
        "--sweep-seeds",
        "1",
        "--json",
    ];
    let v = json_of(&neurogen(&sweep));
    let cells = v["sweep"].as_array().unwrap();
    assert!(cells.len() > 1);
    let best = cells
        .iter()
        .map(|c| c["validation"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert!(best >= 0.4, "best validation {best}");

    failed_naming(
        &neurogen(&["learn", "digits", "--rules", "full", "--sweep"]),
        "--rules supervised",
    );

    // --save writes one two-layer network starting from the learned state (checked on read-back
    // by the command), and the confusion matrix PNG is written
    let dir = scratch("supervised_save");
    let d = dir.to_str().unwrap();
    let mut saved = args.to_vec();
    saved.extend(["--save", d, "-o", d]);
    let v = json_of(&neurogen(&saved));
    assert_eq!(v["saved"].as_array().unwrap().len(), 4, "{v}");
    let cfg = golden::Config::from_file(&dir.join("digits.toml")).unwrap();
    let layers = cfg.layer_configs();
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[1].neurons(), 10);
    assert!(layers[1].initial_weights().iter().any(|&w| w > 0));
    assert!(dir.join("confusion_supervised_trained.png").exists());
    // and the hidden layer's own plots, as `learn digits` draws them
    for f in ["receptive_fields_full.png", "raster.png", "accuracy.png"] {
        is_png(&dir.join(f));
    }
}

/// The baselines' `--sweep` searches their own grid (`readout::baseline_grid`, 300 cells for the
/// readout on the inputs), not the trained front's (192 cells), and the baseline's chosen
/// readout runs (about 2 s).
#[test]
fn learn_digits_supervised_baseline_sweep_searches_its_own_readouts() {
    let v = json_of(&neurogen(&[
        "learn",
        "digits",
        "--rules",
        "supervised",
        "--hidden",
        "none",
        "--sweep",
        "--train",
        "120",
        "--test",
        "20",
        "--validation",
        "20",
        "--sweep-seeds",
        "1",
        "--threads",
        "1",
        "--json",
    ]));
    let cells = v["sweep"].as_array().unwrap();
    assert_eq!(cells.len(), 300, "{v}");
    let top = cells
        .iter()
        .map(|c| c["params"]["threshold"].as_i64().unwrap())
        .max();
    assert_eq!(top, Some(4096));
    let v = json_of(&neurogen(&[
        "learn",
        "digits",
        "--rules",
        "supervised",
        "--hidden",
        "none",
        "--train",
        "200",
        "--test",
        "100",
        "--threads",
        "1",
        "--json",
        "-o",
        scratch("baseline_none").to_str().unwrap(),
    ]));
    assert_eq!(v["readout"]["threshold"], 1024, "{v}");
    assert!(v["accuracy"].as_f64().unwrap() >= 0.4, "{v}");
}
