//! Teach mode on the command line (issue 15): `learn patterns --supervised`, `stimulus patterns
//! --teach-rate`, and the hardware commands' refusal of teach mode. Runtime: about a second.

use std::path::PathBuf;

mod common;
use common::neurogen;

fn scratch(name: &str) -> PathBuf {
    common::scratch("teach_cli", name)
}

#[test]
fn supervised_one_shot_reports_every_seed_as_one_json_object() {
    let out = neurogen(&[
        "learn",
        "patterns",
        "--supervised",
        "--patterns",
        "1",
        "--seeds",
        "3",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.trim_end().lines().count(), 1, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // measured: seeds 1-3 detect every held-out sample with no false positive
    assert_eq!(v["perfect"], 3, "{v}");
    assert_eq!(v["seeds"].as_array().unwrap().len(), 3);
    let out = neurogen(&["learn", "patterns", "--supervised", "--hardware"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--supervised"));
}

#[test]
fn stimulus_patterns_writes_a_teacher_that_simulate_reads() {
    let dir = scratch("stim");
    let stim = dir.join("taught.json");
    let out = neurogen(&[
        "stimulus",
        "patterns",
        "--inputs",
        "16",
        "--patterns",
        "2",
        "--active",
        "4",
        "--teach-rate",
        "1000",
        "-o",
        stim.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = golden::Stimulus::from_file(&stim).unwrap();
    assert!(!s.teach.is_empty() && s.teach.iter().all(|t| t.len() <= 1));
    // a config in teach mode: simulate fires exactly the teacher's neurons; generate refuses it
    let cfg = dir.join("taught.toml");
    std::fs::write(
        &cfg,
        "[array]\ninputs = 16\nneurons = 2\nteach = true\n[neuron]\nthreshold = 1\n",
    )
    .unwrap();
    let res = dir.join("result.json");
    let out = neurogen(&[
        "simulate",
        cfg.to_str().unwrap(),
        "--stimulus",
        stim.to_str().unwrap(),
        "-o",
        res.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&res).unwrap()).unwrap();
    let spikes: Vec<Vec<u32>> = serde_json::from_value(r["spikes"].clone()).unwrap();
    for (t, sp) in spikes.iter().enumerate() {
        assert_eq!(sp.as_slice(), s.teach_at(t), "tick {t}");
    }
    let out = neurogen(&[
        "generate",
        cfg.to_str().unwrap(),
        "-o",
        dir.join("v").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("teach mode"));
}
