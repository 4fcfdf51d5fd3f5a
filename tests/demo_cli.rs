//! `neurogen demo` and `neurogen learn --hardware` end to end: the demo runs every step
//! (Verilog, golden training, co-simulation, UP5K synthesis, plots) and the hardware runs of the
//! learning experiments agree with the golden model.
//!
//! Key decision: nothing is skipped. Verilator, Yosys, nextpnr and icepack are installed by
//! `scripts/setup.sh`, which the README's test command and CI run first; a missing tool fails
//! the test. The `--hardware` runs use small networks so each Verilator build takes seconds.

use std::path::PathBuf;
use std::process::Output;

mod common;
use common::{is_png, neurogen};

fn scratch(name: &str) -> PathBuf {
    common::scratch("demo_cli", name)
}

#[test]
fn demo_runs_every_step_matches_and_writes_its_files() {
    let dir = scratch("demo");
    let text = common::succeeded(&neurogen(&["demo", "-o", dir.to_str().unwrap()]));
    for step in 1..=5 {
        assert!(
            text.contains(&format!("[{step}/5] ")),
            "step {step}:\n{text}"
        );
    }
    assert!(text.contains("detection accuracy"), "{text}");
    assert!(text.contains("\n      MATCH: "), "{text}");
    assert!(!text.contains("MISMATCH"), "{text}");
    assert!(
        text.contains("synaptic operations per event-phase cycle"),
        "{text}"
    );
    assert!(text.contains("M cycles/s"), "{text}");
    // the synthesis ran (the tools come with scripts/setup.sh) and the design fits
    assert!(!text.contains("skipped"), "{text}");
    assert!(text.contains("fits; bitstream"), "{text}");
    for f in ["receptive_fields.png", "raster.png", "accuracy.png"] {
        is_png(&dir.join(f));
        assert!(
            text.contains(&dir.join(f).display().to_string()),
            "{f}:\n{text}"
        );
    }
    let rtl: Vec<_> = std::fs::read_dir(dir.join("rtl"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "v"))
        .collect();
    assert!(!rtl.is_empty(), "no Verilog in {}", dir.display());
    assert!(dir.join("manifest.json").is_file());
    // the network file is a valid config for the other commands
    let net = dir.join("network.toml");
    let again = dir.join("again");
    common::succeeded(&neurogen(&[
        "generate",
        net.to_str().unwrap(),
        "-o",
        again.to_str().unwrap(),
    ]));
}

/// The `hardware` object of a `--json` run, which must have matched.
#[track_caller]
fn hardware_of(out: &Output) -> serde_json::Value {
    let text = common::succeeded(out);
    let v: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON object");
    v["hardware"].clone()
}

#[test]
fn learn_patterns_hardware_agrees_with_the_golden_model() {
    let dir = scratch("patterns");
    let d = dir.to_str().unwrap();
    let small = [
        "--inputs",
        "16",
        "--active",
        "4",
        "--patterns",
        "2",
        "--neurons",
        "8",
        "--train",
        "4",
        "--test",
        "2",
    ];
    let mut args = vec!["learn", "patterns", "--hardware", "-o", d];
    args.extend(small);
    let text = common::succeeded(&neurogen(&args));
    assert!(text.contains("\nMATCH: "), "{text}");
    assert!(text.contains("(16 inputs x 8 neurons, 8 lanes)"), "{text}");
    args.push("--json");
    let h = hardware_of(&neurogen(&args));
    assert_eq!(h["match"], true, "{h}");
    assert_eq!(h["ticks"], h["total_ticks"], "{h}");
    assert!(h["spikes"].as_u64().unwrap() > 0, "{h}");
}

#[test]
fn learn_digits_hardware_agrees_with_the_golden_model() {
    let dir = scratch("digits");
    let h = hardware_of(&neurogen(&[
        "learn",
        "digits",
        "--hardware",
        "--neurons",
        "8",
        "--train",
        "4",
        "--test",
        "3",
        "--json",
        "-o",
        dir.to_str().unwrap(),
    ]));
    let runs = h.as_array().expect("one hardware run per rule set");
    assert_eq!(runs.len(), 1, "{h}");
    assert_eq!(runs[0]["match"], true, "{h}");
    assert!(runs[0]["spikes"].as_u64().unwrap() > 0, "{h}");
}
