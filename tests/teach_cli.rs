//! Teach mode on the command line (issue 15): `learn patterns --supervised` (and with
//! `--hardware`, a shortened run on the generated Verilog in lockstep), `stimulus patterns
//! --teach-rate`, and `generate` of a teach network. Runtime: about 30 s (one small Verilator
//! build, cached after the first run).

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
    let out = neurogen(&["learn", "patterns", "--supervised", "--config", "x.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--supervised"));
}

#[test]
fn supervised_one_shot_on_the_hardware_matches_the_golden_model() {
    let out = neurogen(&[
        "learn",
        "patterns",
        "--supervised",
        "--hardware",
        "--patterns",
        "2",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let h = &v["hardware"];
    assert_eq!(h["match"], true, "{v}");
    // the whole shortened run went through the hardware: 2 taught presentations and 3 x 4 test
    // samples of 20 ticks
    assert_eq!(h["ticks"], h["total_ticks"], "{v}");
    assert_eq!(h["ticks"], 20 * (2 + 3 * 4), "{v}");
    assert!(h["spikes"].as_u64().unwrap() > 20, "{v}");
    assert_eq!(v["result"]["false_positives"], 0, "{v}");
    let out = neurogen(&[
        "learn",
        "patterns",
        "--supervised",
        "--hardware",
        "--patterns",
        "2",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("MATCH"));
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
    // a config in teach mode: simulate fires exactly the teacher's neurons; generate gives it
    // the teacher stream and the TEACH registers
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("v/manifest.json")).unwrap())
            .unwrap();
    let regs = m["host"]["registers"].to_string();
    assert!(
        regs.contains("\"TEACH\",16") && regs.contains("\"TEACH_DROPPED\",17"),
        "{regs}"
    );
    let ports = m["ports"].to_string();
    assert!(
        ports.contains("teach_valid") && ports.contains("teach_addr"),
        "{ports}"
    );
}
