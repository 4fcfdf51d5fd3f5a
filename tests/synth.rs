//! `neurogen synth` end to end on a small network, for one iCE40 and one ECP5 device: the design
//! fits, the weight memories are in block RAM, Yosys inferred no latches, nextpnr analysed the
//! clock, and a bitstream was written. Plus the errors users meet first: an unknown target and a
//! missing tool.

use serde_json::Value;
use std::path::PathBuf;

/// 64 x 16, 2 lanes: 512 weights per lane, enough for Yosys to choose block RAM on both families.
const NET: &str = "name = \"synthnet\"\n[array]\ninputs = 64\nneurons = 16\nlanes = 2\n";

mod common;
use common::neurogen_env as neurogen;

fn scratch(name: &str) -> PathBuf {
    common::scratch("synth", name)
}

fn synth_json(test: &str, target: &str) -> (Value, PathBuf) {
    let dir = scratch(test);
    let cfg = dir.join("net.toml");
    std::fs::write(&cfg, NET).unwrap();
    let work = dir.join("work");
    let out = neurogen(
        &[
            "synth",
            cfg.to_str().unwrap(),
            "--target",
            target,
            "--json",
            "-o",
            work.to_str().unwrap(),
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "synth failed: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object on stdout");
    (v, work)
}

fn check_report(v: &Value, target: &str) {
    assert_eq!(v["target"], target);
    for key in ["luts", "ffs", "bram", "spram", "dsp"] {
        assert!(v[key].is_u64(), "{key} missing: {v}");
    }
    assert_eq!(v["fits"], true, "{v}");
    assert!(v["luts"].as_u64().unwrap() > 100);
    assert_eq!(v["latches"], 0, "Yosys inferred latches");
    let fmax = v["fmax_mhz"].as_f64().expect("nextpnr's Fmax");
    assert!(fmax > 1.0 && fmax < 1000.0, "{fmax}");
    assert!(
        v["bram"].as_u64().unwrap() + v["spram"].as_u64().unwrap() >= 2,
        "{v}"
    );
    // every weight memory is a block RAM (or SPRAM)
    let mems = v["memories"].as_array().unwrap();
    let weights: Vec<&Value> = mems
        .iter()
        .filter(|m| m["name"].as_str().unwrap().contains("u_wmem"))
        .collect();
    assert_eq!(weights.len(), 2, "{mems:?}");
    for m in weights {
        assert!(
            m["kind"] == "bram" || m["kind"] == "spram",
            "weight memory not in block RAM: {m}"
        );
    }
    let bit = v["bitstream"].as_str().expect("a bitstream");
    assert!(std::fs::metadata(bit).unwrap().len() > 1000);
}

#[test]
fn ice40_up5k_small_network_fits_with_weights_in_block_ram_and_no_latches() {
    let (v, work) = synth_json("up5k", "ice40-up5k");
    check_report(&v, "ice40-up5k");
    assert_eq!(v["board"], "icebreaker");
    assert!(work.join("icebreaker.pcf").exists());
    assert!(v["utilisation"]["logic cells"]["available"] == 5280);
}

#[test]
fn ecp5_25k_small_network_fits_with_weights_in_block_ram_and_no_latches() {
    let (v, work) = synth_json("ecp5", "ecp5-25k");
    check_report(&v, "ecp5-25k");
    assert_eq!(v["board"], "ulx3s");
    assert!(work.join("ulx3s.lpf").exists());
    assert!(v["utilisation"]["block RAM"]["available"] == 56);
    // each lane keeps its own copy of the registers it shares with the others (Yosys merges
    // equal flip-flops after flattening unless they are kept)
    let net: Value =
        serde_json::from_slice(&std::fs::read(work.join("netlist.json")).unwrap()).unwrap();
    let cells = net["modules"]["synthnet_ulx3s"]["cells"]
        .as_object()
        .unwrap();
    for lane in 0..2 {
        let name = format!("u_array.u_lane{lane}.ev_valid_r_TRELLIS_FF_Q");
        assert_eq!(cells[&name]["type"], "TRELLIS_FF", "{name} missing");
    }
}

#[test]
fn unknown_target_and_missing_tools_are_one_clear_line() {
    let dir = scratch("errors");
    let cfg = dir.join("net.toml");
    std::fs::write(&cfg, NET).unwrap();
    let c = cfg.to_str().unwrap();
    let out = neurogen(&["synth", c, "--target", "ice40-lp1k"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("ice40-up5k, ice40-hx8k"),
        "{err}"
    );
    let out = neurogen(
        &["synth", c, "--target", "ecp5-45k"],
        &[("PATH", ""), ("NEUROGEN_VENV", "/nonexistent")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("not found") && err.contains("./scripts/setup.sh"),
        "{err}"
    );
    let out = neurogen(&["sweep", c, "--target", "ecp5-45k", "--lanes", "0"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--lanes") && err.contains("1..=64"), "{err}");
}
