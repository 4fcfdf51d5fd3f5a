//! `neurogen synth` end to end on a small network, for one iCE40 and one ECP5 device: the design
//! fits, the weight memories are in block RAM, Yosys inferred no latches, nextpnr analysed the
//! clock, and a bitstream was written. Several nextpnr seeds keep the best one. Plus the errors
//! users meet first: an unknown target, a missing tool, a bad seed count.

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
    synth_json_with(test, target, &[])
}

fn synth_json_with(test: &str, target: &str, extra: &[&str]) -> (Value, PathBuf) {
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
        ]
        .iter()
        .chain(extra)
        .copied()
        .collect::<Vec<_>>(),
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
    // the board clock is the PLL's 39.75 MHz from the 12 MHz oscillator, and nextpnr timed the
    // design for exactly that (derived from the PLL's parameters, not the pin's 12 MHz)
    let bc = &v["board_clock"];
    assert_eq!(bc["mhz"], 39.75, "{bc}");
    assert!(
        bc["source"].as_str().unwrap().contains("SB_PLL40_PAD"),
        "{bc}"
    );
    let c = bc["constraint_mhz"].as_f64().expect("nextpnr's constraint");
    assert!((c - 39.75).abs() < 0.01, "nextpnr timed for {c} MHz: {bc}");
    assert_eq!(v["target_mhz"], 39.75);
    assert_eq!(bc["msops"].as_f64().unwrap(), 39.75 * 2.0);
    assert_eq!(bc["met"], v["fmax_mhz"].as_f64().unwrap() >= 39.75);
}

#[test]
fn ecp5_25k_small_network_fits_with_weights_in_block_ram_and_no_latches() {
    let (v, work) = synth_json("ecp5", "ecp5-25k");
    check_report(&v, "ecp5-25k");
    assert_eq!(v["board"], "ulx3s");
    assert!(work.join("ulx3s.lpf").exists());
    assert!(v["utilisation"]["block RAM"]["available"] == 56);
    let c = v["board_clock"]["constraint_mhz"].as_f64().unwrap();
    assert!((c - 125.0).abs() < 0.01, "nextpnr timed for {c} MHz");
    // each lane keeps its own copy of the registers it shares with the others (Yosys merges
    // equal flip-flops after flattening unless they are kept)
    let net: Value =
        serde_json::from_slice(&std::fs::read(work.join("netlist.json")).unwrap()).unwrap();
    let cells = net["modules"]["synthnet_ulx3s"]["cells"]
        .as_object()
        .unwrap();
    for lane in 0..2 {
        let name = format!("u_core.u_array.u_lane{lane}.ev_valid_r_TRELLIS_FF_Q");
        assert_eq!(cells[&name]["type"], "TRELLIS_FF", "{name} missing");
    }
}

/// Two seeds of one netlist (about 50 s of CPU: Yosys, then the two seeds side by side): the
/// report lists both with their Fmax and spread, and what is kept (the report's Fmax, `pnr.json`,
/// the routed design the bitstream is packed from) is the seed with the higher Fmax. Seeds 3 and
/// 4 are chosen because the second one is the better on this design (42.45 against 40.91 MHz
/// with Yosys 0.23 and nextpnr 0.4), so keeping the first seed fails here.
#[test]
fn several_seeds_keep_the_best_and_report_every_seed() {
    let (v, work) = synth_json_with("seeds", "ice40-up5k", &["--seed", "3", "--seeds", "2"]);
    check_report(&v, "ice40-up5k");
    let seeds = v["seeds"].as_array().expect("the seeds run");
    let listed: Vec<u64> = seeds.iter().map(|s| s["seed"].as_u64().unwrap()).collect();
    assert_eq!(listed, [3, 4], "{v}");
    // each seed's own nextpnr report says the Fmax the run reports for it
    let fmax_of = |name: &str| -> f64 {
        let r: Value = serde_json::from_slice(&std::fs::read(work.join(name)).unwrap()).unwrap();
        r["fmax"]
            .as_object()
            .unwrap()
            .values()
            .map(|c| c["achieved"].as_f64().unwrap())
            .fold(f64::INFINITY, f64::min)
    };
    let own: Vec<f64> = listed
        .iter()
        .map(|s| fmax_of(&format!("pnr-s{s}.json")))
        .collect();
    for (s, f) in seeds.iter().zip(&own) {
        assert_eq!(s["fmax_mhz"].as_f64().unwrap(), *f, "{s}");
        assert_eq!(s["met"], *f >= v["target_mhz"].as_f64().unwrap(), "{s}");
    }
    assert_ne!(own[0], own[1], "the two seeds should differ on this design");
    let best = if own[1] > own[0] { 1 } else { 0 };
    let kept = listed[best];
    assert_eq!(v["seed"], kept, "{v}");
    assert_eq!(v["fmax_mhz"].as_f64().unwrap(), own[best]);
    assert_eq!(fmax_of("pnr.json"), own[best]);
    let asc = |n: &str| std::fs::read(work.join(n)).unwrap();
    assert_eq!(
        asc("synthnet_icebreaker.asc"),
        asc(&format!("synthnet_icebreaker-s{kept}.asc"))
    );
    let spread = &v["spread"];
    assert_eq!(spread["runs"], 2);
    assert_eq!(spread["min_mhz"].as_f64().unwrap(), own[0].min(own[1]));
    assert_eq!(spread["max_mhz"].as_f64().unwrap(), own[0].max(own[1]));
    assert!((spread["mean_mhz"].as_f64().unwrap() - (own[0] + own[1]) / 2.0).abs() < 1e-9);
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
    for n in ["0", "33"] {
        let out = neurogen(&["synth", c, "--target", "ice40-up5k", "--seeds", n], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("--seeds {n}")) && err.contains("1 to 32"),
            "{err}"
        );
    }
    let out = neurogen(&["sweep", c, "--target", "ecp5-45k", "--lanes", "0"], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--lanes") && err.contains("1..=64"), "{err}");
}
