//! The `neurogen` binary's input validation: every bad config, stimulus or argument gives a
//! non-zero exit, one clear message on stderr naming the field, no panic and no backtrace, and no
//! output file; a good run writes a valid result JSON.

use std::path::PathBuf;
use std::process::Output;

const GOOD: &str = "[array]\ninputs = 2\nneurons = 1\n[neuron]\nthreshold = 100\n\
                    [synapse]\ninit = \"constant\"\ninit_value = 60\n";

mod common;
use common::{neurogen, read_json, succeeded};

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("cli", name)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The run failed cleanly: non-zero exit, no panic, no backtrace, and the message names every one
/// of `want`. Our own errors (exit code 1) are exactly one line starting with `error: `; clap's
/// usage errors (exit code 2) start the same way and add the usage.
#[track_caller]
fn failed(out: &Output, want: &[&str]) -> String {
    let err = stderr(out);
    assert!(!out.status.success(), "expected a failure, stderr: {err}");
    assert!(out.status.code().is_some(), "killed by a signal: {err}");
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE", "stack backtrace"] {
        assert!(!err.contains(bad), "{bad:?} in stderr: {err}");
    }
    assert!(err.starts_with("error: "), "{err}");
    if out.status.code() == Some(1) {
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
    for w in want {
        assert!(err.contains(w), "stderr lacks {w:?}: {err}");
    }
    err
}

/// `neurogen simulate CONFIG --stimulus STIM -o OUT` with the given texts; returns the output and
/// the result path.
fn simulate(test: &str, config: &[u8], stimulus: &[u8]) -> (Output, PathBuf) {
    let dir = scratch(test);
    std::fs::write(dir.join("net.toml"), config).unwrap();
    std::fs::write(dir.join("stim.json"), stimulus).unwrap();
    let out_path = dir.join("out").join("result.json");
    let out = neurogen(&[
        "simulate",
        dir.join("net.toml").to_str().unwrap(),
        "--stimulus",
        dir.join("stim.json").to_str().unwrap(),
        "-o",
        out_path.to_str().unwrap(),
    ]);
    (out, out_path)
}

#[track_caller]
fn simulate_fails(test: &str, config: &[u8], stimulus: &[u8], want: &[&str]) {
    let (out, path) = simulate(test, config, stimulus);
    failed(&out, want);
    assert!(
        !path.exists(),
        "{test}: a result was written despite the error"
    );
    assert!(
        !path.parent().unwrap().exists(),
        "{test}: the output folder was created despite the error"
    );
}

const STIM: &[u8] = br#"{"ticks": [[0, 1], [0], []]}"#;

// ---- good runs ------------------------------------------------------------------------------

#[test]
fn simulate_writes_the_result_json() {
    let (out, path) = simulate("good", GOOD.as_bytes(), STIM);
    succeeded(&out);
    let text = std::fs::read_to_string(&path).unwrap();
    let r: serde_json::Value = serde_json::from_str(&text).unwrap();
    // hand evaluation of docs/model.md with the defaults (leak 4, trace decay 3, incs 64,
    // ltp/ltd shift 4): t0 acc 120 spikes, LTP +4 on both rows; t1 x = 56 + 64, y = 56,
    // LTD -3 on row 0, v = 64; t2 v = 64 - 4, x = 105 and 49, y = 49
    assert_eq!(r["spikes"], serde_json::json!([[0], [], []]));
    assert_eq!(r["final"]["v"], serde_json::json!([60]));
    assert_eq!(r["final"]["weights"], serde_json::json!([[61], [64]]));
    assert_eq!(r["final"]["x"], serde_json::json!([105, 49]));
    assert_eq!(r["final"]["y"], serde_json::json!([49]));
    assert_eq!(r["final"]["theta"], serde_json::json!([0]));
    assert_eq!(r["dropped"], serde_json::json!(0));
    assert_eq!(r["cycles"].as_array().unwrap().len(), 3);
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 ticks"));
}

/// Synaptic delays run in the golden model, with the cycles of the generic target or of a
/// device's: the spike of tick 0 reaches the neuron in tick 2.
#[test]
fn simulate_runs_synaptic_delays() {
    let cfg = "[array]\ninputs = 1\nneurons = 1\n[neuron]\nthreshold = 50\n[synapse]\n\
               init = \"constant\"\ninit_value = 60\nmax_delay = 3\n\
               delay_init = \"constant\"\ndelay_value = 2\n[stdp]\nenabled = false\n";
    let (out, path) = simulate("delays", cfg.as_bytes(), br#"{"ticks": [[0], [], [], []]}"#);
    succeeded(&out);
    let r = read_json(&path);
    assert_eq!(r["spikes"], serde_json::json!([[], [], [0], []]));
    let dir = scratch("delays_target");
    std::fs::write(dir.join("net.toml"), cfg).unwrap();
    std::fs::write(dir.join("stim.json"), STIM).unwrap();
    let target = neurogen(&[
        "simulate",
        dir.join("net.toml").to_str().unwrap(),
        "--stimulus",
        dir.join("stim.json").to_str().unwrap(),
        "--target",
        "ice40-up5k",
        "-o",
        dir.join("r.json").to_str().unwrap(),
    ]);
    // the hardware has the delays: a device target predicts its cycles (the UP5K's: no pair
    // mode with delays, the ring's and the history's stages)
    succeeded(&target);
    let r = read_json(dir.join("r.json"));
    assert_eq!(r["spikes"], serde_json::json!([[], [], [0]]));
    assert_eq!(r["cycles"].as_array().unwrap().len(), 3);
}

#[test]
fn simulate_with_a_generated_poisson_stimulus() {
    let dir = scratch("poisson_good");
    std::fs::write(dir.join("net.toml"), GOOD).unwrap();
    let path = dir.join("r.json");
    let out = neurogen(&[
        "simulate",
        dir.join("net.toml").to_str().unwrap(),
        "--poisson",
        "200",
        "--ticks",
        "50",
        "--seed",
        "3",
        "-o",
        path.to_str().unwrap(),
    ]);
    succeeded(&out);
    let r = read_json(&path);
    assert_eq!(r["spikes"].as_array().unwrap().len(), 50);
}

#[test]
fn generated_stimuli_are_valid_simulate_input() {
    let dir = scratch("stimulus_good");
    std::fs::write(dir.join("net.toml"), GOOD).unwrap();
    let cfg = dir.join("net.toml");
    let p = dir.join("p.json");
    let out = neurogen(&[
        "stimulus",
        "poisson",
        "--config",
        cfg.to_str().unwrap(),
        "--rate",
        "100",
        "--ticks",
        "20",
        "-o",
        p.to_str().unwrap(),
    ]);
    succeeded(&out);
    let q = dir.join("q.json");
    let out = neurogen(&[
        "stimulus",
        "patterns",
        "--inputs",
        "2",
        "--active",
        "1",
        "--present",
        "3",
        "--gap",
        "1",
        "--presentations",
        "4",
        "-o",
        q.to_str().unwrap(),
    ]);
    succeeded(&out);
    for (stim, ticks) in [(&p, 20), (&q, 16)] {
        let r = dir.join("r.json");
        let out = neurogen(&[
            "simulate",
            cfg.to_str().unwrap(),
            "--stimulus",
            stim.to_str().unwrap(),
            "-o",
            r.to_str().unwrap(),
        ]);
        succeeded(&out);
        let v = read_json(&r);
        assert_eq!(v["spikes"].as_array().unwrap().len(), ticks);
    }
}

// ---- bad configs ----------------------------------------------------------------------------

#[test]
fn bad_configs_name_the_key_and_write_nothing() {
    let with = |rest: &str| format!("[array]\ninputs = 2\nneurons = 1\n{rest}").into_bytes();
    let cases: Vec<(&str, Vec<u8>, Vec<&str>)> = vec![
        (
            "v_bits",
            with("[neuron]\nv_bits = 40\n"),
            vec!["neuron.v_bits", "2..=32"],
        ),
        (
            "unknown_key",
            with("[neuron]\ntreshold = 5\n"),
            vec!["neuron.treshold", "unknown"],
        ),
        (
            "wrong_type",
            b"[array]\ninputs = \"2\"\nneurons = 1\n".to_vec(),
            vec!["array.inputs", "integer"],
        ),
        (
            "lanes",
            b"[array]\ninputs = 2\nneurons = 3\nlanes = 2\n".to_vec(),
            vec!["array.lanes", "does not divide"],
        ),
        (
            "enum",
            with("[stdp]\nrule = \"hebb\"\n"),
            vec!["stdp.rule", "\"additive\""],
        ),
        (
            "w_bounds",
            with("[synapse]\nw_max = 300\n"),
            vec!["synapse.w_max", "0..=255"],
        ),
        (
            "threshold",
            with("[neuron]\nv_bits = 8\nthreshold = 300\n"),
            vec!["neuron.threshold", "-128..=127"],
        ),
        (
            "init_file",
            with("[synapse]\ninit = \"file\"\ninit_file = \"absent.csv\"\n"),
            vec!["synapse.init_file", "absent.csv"],
        ),
        ("empty", Vec::new(), vec!["array", "missing"]),
        (
            "missing_neurons",
            b"[array]\ninputs = 2\n".to_vec(),
            vec!["array.neurons"],
        ),
        (
            "syntax",
            b"[array\ninputs = 2\n".to_vec(),
            vec!["net.toml", "line 1"],
        ),
        (
            "garbage",
            b"\xff\xfe\x00\x01garbage".to_vec(),
            vec!["net.toml", "UTF-8"],
        ),
    ];
    for (name, config, want) in cases {
        simulate_fails(&format!("config_{name}"), &config, STIM, &want);
    }
}

#[test]
fn missing_config_file_is_named() {
    let dir = scratch("config_missing");
    let path = dir.join("r.json");
    let out = neurogen(&[
        "simulate",
        dir.join("nope.toml").to_str().unwrap(),
        "--stimulus",
        "whatever.json",
        "-o",
        path.to_str().unwrap(),
    ]);
    failed(&out, &["nope.toml"]);
    assert!(!path.exists());
}

// ---- bad stimuli ----------------------------------------------------------------------------

#[test]
fn bad_stimuli_name_the_tick_and_position_and_write_nothing() {
    let cases: &[(&str, &[u8], &[&str])] = &[
        (
            "negative",
            br#"{"ticks": [[0], [-1]]}"#,
            &["tick 1, position 0"],
        ),
        (
            "float",
            br#"{"ticks": [[0, 1.5]]}"#,
            &["tick 0, position 1"],
        ),
        ("string", br#"{"ticks": [["3"]]}"#, &["tick 0, position 0"]),
        (
            "too_big",
            br#"{"ticks": [[4294967296]]}"#,
            &["tick 0, position 0"],
        ),
        ("not_a_list", br#"{"ticks": [[0], 5]}"#, &["tick 1"]),
        (
            "unknown_key",
            br#"{"ticks": [], "rate": 5}"#,
            &["unknown key", "rate"],
        ),
        ("missing_ticks", br#"{}"#, &["ticks"]),
        ("not_json", b"ticks: [[0]]", &["stim.json", "invalid JSON"]),
        ("empty", b"", &["stim.json", "invalid JSON"]),
        ("garbage", b"\xff\xfe\x00{", &["stim.json", "UTF-8"]),
    ];
    for (name, stim, want) in cases {
        simulate_fails(&format!("stim_{name}"), GOOD.as_bytes(), stim, want);
    }
}

#[test]
fn addresses_outside_the_network_are_valid_and_counted() {
    let (out, path) = simulate(
        "stim_dropped",
        GOOD.as_bytes(),
        br#"{"ticks": [[2, 4294967295], [1]]}"#,
    );
    succeeded(&out);
    let r = read_json(&path);
    assert_eq!(r["dropped"], serde_json::json!(2));
}

#[test]
fn missing_stimulus_file_is_named() {
    let dir = scratch("stim_missing");
    std::fs::write(dir.join("net.toml"), GOOD).unwrap();
    let path = dir.join("r.json");
    let out = neurogen(&[
        "simulate",
        dir.join("net.toml").to_str().unwrap(),
        "--stimulus",
        dir.join("absent.json").to_str().unwrap(),
        "-o",
        path.to_str().unwrap(),
    ]);
    failed(&out, &["absent.json"]);
    assert!(!path.exists());
}

// ---- bad arguments ------------------------------------------------------------------------------

/// `neurogen simulate` on a good config with `args` after it; must fail naming `want`.
#[track_caller]
fn simulate_args_fail(test: &str, args: &[&str], want: &[&str]) {
    let dir = scratch(test);
    std::fs::write(dir.join("net.toml"), GOOD).unwrap();
    std::fs::write(dir.join("stim.json"), STIM).unwrap();
    let path = dir.join("r.json");
    let cfg = dir.join("net.toml");
    let stim = dir.join("stim.json");
    let mut all = vec!["simulate", cfg.to_str().unwrap()];
    for a in args {
        all.push(if *a == "STIM" {
            stim.to_str().unwrap()
        } else {
            a
        });
    }
    all.extend(["-o", path.to_str().unwrap()]);
    failed(&neurogen(&all), want);
    assert!(!path.exists(), "{test}: a result was written");
}

#[test]
fn simulate_stimulus_arguments_are_checked() {
    simulate_args_fail("args_none", &[], &["--stimulus", "--poisson"]);
    simulate_args_fail(
        "args_both",
        &["--stimulus", "STIM", "--poisson", "10", "--ticks", "5"],
        &["--stimulus", "--poisson"],
    );
    simulate_args_fail("args_no_ticks", &["--poisson", "10"], &["--ticks"]);
    simulate_args_fail(
        "args_rate_high",
        &["--poisson", "2000", "--ticks", "5"],
        &["--poisson", "0..=1000"],
    );
    simulate_args_fail(
        "args_rate_neg",
        &["--poisson=-1", "--ticks", "5"],
        &["--poisson", "0..=1000"],
    );
    simulate_args_fail(
        "args_rate_nan",
        &["--poisson", "NaN", "--ticks", "5"],
        &["--poisson"],
    );
    simulate_args_fail(
        "args_rate_word",
        &["--poisson", "fast", "--ticks", "5"],
        &["--poisson"],
    );
    simulate_args_fail(
        "args_ticks_neg",
        &["--poisson", "10", "--ticks=-5"],
        &["--ticks"],
    );
    simulate_args_fail(
        "args_ticks_huge",
        &["--poisson", "10", "--ticks", "10000001"],
        &["--ticks"],
    );
    simulate_args_fail(
        "args_seed_neg",
        &["--poisson", "10", "--ticks", "5", "--seed=-1"],
        &["--seed"],
    );
}

#[test]
fn unwritable_output_is_an_error_naming_it() {
    let dir = scratch("out_is_dir");
    std::fs::write(dir.join("net.toml"), GOOD).unwrap();
    std::fs::write(dir.join("stim.json"), STIM).unwrap();
    std::fs::create_dir_all(dir.join("taken")).unwrap();
    let out = neurogen(&[
        "simulate",
        dir.join("net.toml").to_str().unwrap(),
        "--stimulus",
        dir.join("stim.json").to_str().unwrap(),
        "-o",
        dir.join("taken").to_str().unwrap(),
    ]);
    failed(&out, &["taken"]);
}

/// `neurogen stimulus KIND ARGS -o OUT`; must fail naming `want` and write nothing.
#[track_caller]
fn stimulus_fails(test: &str, kind: &str, args: &[&str], want: &[&str]) {
    let dir = scratch(test);
    std::fs::write(dir.join("net.toml"), GOOD).unwrap();
    std::fs::write(dir.join("bad.toml"), "[array]\ninputs = 0\nneurons = 1\n").unwrap();
    let path = dir.join("s.json");
    let good = dir.join("net.toml");
    let bad = dir.join("bad.toml");
    let mut all = vec!["stimulus", kind];
    for a in args {
        all.push(match *a {
            "CFG" => good.to_str().unwrap(),
            "BAD" => bad.to_str().unwrap(),
            other => other,
        });
    }
    all.extend(["-o", path.to_str().unwrap()]);
    failed(&neurogen(&all), want);
    assert!(!path.exists(), "{test}: a stimulus was written");
}

#[test]
fn stimulus_poisson_arguments_are_checked() {
    let p = |t: &str, args: &[&str], want: &[&str]| stimulus_fails(t, "poisson", args, want);
    p(
        "p_inputs_zero",
        &["--inputs", "0", "--rate", "5", "--ticks", "5"],
        &["--inputs"],
    );
    p(
        "p_inputs_huge",
        &["--inputs", "70000", "--rate", "5", "--ticks", "5"],
        &["--inputs", "1..=65536"],
    );
    p(
        "p_no_inputs",
        &["--rate", "5", "--ticks", "5"],
        &["--inputs"],
    );
    p(
        "p_both",
        &[
            "--inputs", "3", "--config", "CFG", "--rate", "5", "--ticks", "5",
        ],
        &["--inputs", "--config"],
    );
    p(
        "p_bad_config",
        &["--config", "BAD", "--rate", "5", "--ticks", "5"],
        &["array.inputs", "1..=65536"],
    );
    p(
        "p_rate_high",
        &["--inputs", "3", "--rate", "1001", "--ticks", "5"],
        &["--rate", "0..=1000"],
    );
    p(
        "p_rate_neg",
        &["--inputs", "3", "--rate=-0.5", "--ticks", "5"],
        &["--rate"],
    );
    p(
        "p_rate_inf",
        &["--inputs", "3", "--rate", "inf", "--ticks", "5"],
        &["--rate"],
    );
    p("p_no_rate", &["--inputs", "3", "--ticks", "5"], &["--rate"]);
    p(
        "p_no_ticks",
        &["--inputs", "3", "--rate", "5"],
        &["--ticks"],
    );
    p(
        "p_ticks_word",
        &["--inputs", "3", "--rate", "5", "--ticks", "many"],
        &["--ticks"],
    );
    p(
        "p_ticks_huge",
        &["--inputs", "3", "--rate", "5", "--ticks", "10000001"],
        &["--ticks"],
    );
}

#[test]
fn stimulus_patterns_arguments_are_checked() {
    let p = |t: &str, args: &[&str], want: &[&str]| stimulus_fails(t, "patterns", args, want);
    p(
        "q_active_zero",
        &["--inputs", "10", "--active", "0"],
        &["--active", "1..=10"],
    );
    p(
        "q_active_big",
        &["--inputs", "10", "--active", "11"],
        &["--active", "1..=10"],
    );
    p(
        "q_patterns_zero",
        &["--inputs", "10", "--patterns", "0"],
        &["--patterns"],
    );
    p(
        "q_patterns_huge",
        &["--inputs", "10", "--patterns", "100000"],
        &["--patterns"],
    );
    p(
        "q_present_zero",
        &["--inputs", "10", "--present", "0"],
        &["--present"],
    );
    p(
        "q_p_on",
        &["--inputs", "10", "--p-on", "1.5"],
        &["--p-on", "0..=1"],
    );
    p(
        "q_p_noise",
        &["--inputs", "10", "--p-noise=-0.1"],
        &["--p-noise", "0..=1"],
    );
    p("q_p_nan", &["--inputs", "10", "--p-on", "NaN"], &["--p-on"]);
    p("q_inputs_zero", &["--inputs", "0"], &["inputs"]);
    p("q_bad_config", &["--config", "BAD"], &["array.inputs"]);
    p(
        "q_huge",
        &[
            "--inputs",
            "10",
            "--present",
            "10",
            "--gap",
            "0",
            "--presentations",
            "1000001",
        ],
        &["ticks"],
    );
}
