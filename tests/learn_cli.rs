//! `neurogen learn patterns|digits`: one JSON object with `--json`, PNG plots in the output folder,
//! and one clear error line for bad parameters.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{is_png, neurogen};

fn scratch(name: &str) -> PathBuf {
    common::scratch("learn_cli", name)
}

/// The single JSON object the command printed.
#[track_caller]
fn json_of(out: &Output) -> serde_json::Value {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {err}");
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text}");
    serde_json::from_str(&text).expect("valid JSON")
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
