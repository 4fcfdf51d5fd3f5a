//! Teach mode on the command line (issue 15): `learn patterns --supervised` (and with
//! `--hardware`, a shortened run on the generated Verilog in lockstep), `stimulus patterns
//! --teach-rate`, and `generate` of a teach network. Runtime: about 30 s (one small Verilator
//! build, cached after the first run).

use std::path::PathBuf;

mod common;
use common::{json_of, neurogen, read_json, succeeded};

fn scratch(name: &str) -> PathBuf {
    common::scratch("teach_cli", name)
}

#[test]
fn supervised_one_shot_reports_every_seed_as_one_json_object_and_writes_plots() {
    let dir = scratch("one_shot");
    let out = neurogen(&[
        "learn",
        "patterns",
        "--supervised",
        "--patterns",
        "1",
        "--seeds",
        "3",
        "--json",
        "-o",
        dir.to_str().unwrap(),
    ]);
    let v = json_of(&out);
    // measured: seeds 1-3 detect every held-out sample with no false positive
    assert_eq!(v["perfect"], 3, "{v}");
    assert_eq!(v["seeds"].as_array().unwrap().len(), 3);
    assert_eq!(v["one_shot"]["presentation"], "pattern", "{v}");
    let plots: Vec<&str> = v["plots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(plots.len(), 3, "{v}");
    for (p, name) in plots.iter().zip(["receptive_fields", "raster", "seeds"]) {
        assert!(p.ends_with(&format!("{name}.png")), "{p}");
        common::is_png(std::path::Path::new(p));
    }
    // the harder protocol is one flag away, and named in the output
    let v = json_of(&neurogen(&[
        "learn",
        "patterns",
        "--supervised",
        "--presentation",
        "sample",
        "--patterns",
        "1",
        "--seeds",
        "1",
        "--json",
        "-o",
        dir.to_str().unwrap(),
    ]));
    assert_eq!(v["one_shot"]["presentation"], "sample", "{v}");
    assert_eq!(v["one_shot"]["threshold"], 6500, "{v}");
    let out = neurogen(&["learn", "patterns", "--supervised", "--config", "x.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--supervised"));
}

/// `--supervised --table`: the K x overlap table of the one-shot readout beside the
/// unsupervised network on the same seeds, one cell per K and overlap (about 1 s).
#[test]
fn supervised_table_puts_the_readout_beside_the_unsupervised_network() {
    let out = neurogen(&[
        "learn",
        "patterns",
        "--supervised",
        "--table",
        "--ks",
        "1,2",
        "--overlaps",
        "0,0.5",
        "--seeds",
        "3",
        "--json",
        "-o",
        scratch("table").to_str().unwrap(),
    ]);
    let v = json_of(&out);
    assert_eq!(v["plots"].as_array().unwrap().len(), 2, "{v}");
    for p in v["plots"].as_array().unwrap() {
        common::is_png(std::path::Path::new(p.as_str().unwrap()));
    }
    let sup = v["supervised"].as_array().unwrap();
    let unsup = v["unsupervised"].as_array().unwrap();
    assert_eq!((sup.len(), unsup.len()), (4, 4), "{v}");
    // K = 1, overlap 0 is the run of `--supervised --patterns 1 --seeds 3` (3 perfect, above)
    // and the unsupervised single-pattern detector (perfect on seeds 1-60)
    assert_eq!(sup[0]["patterns"], 1);
    assert_eq!(sup[0]["perfect"], 3, "{v}");
    assert_eq!(unsup[0]["perfect"], 3, "{v}");
    // overlap separates them: the readout detects less at K = 2, overlap 0.5
    let det = |c: &serde_json::Value| c["detection"].as_f64().unwrap();
    assert!(det(&sup[3]) < det(&unsup[3]), "{v}");
    let text = neurogen(&[
        "learn",
        "patterns",
        "--supervised",
        "--table",
        "--ks",
        "1",
        "--overlaps",
        "0",
        "--seeds",
        "2",
        "-o",
        scratch("table").to_str().unwrap(),
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("supervised one-shot readout"), "{text}");
    assert!(text.contains("unsupervised network"), "{text}");
    for (args, want) in [
        (&["learn", "patterns", "--table"][..], "--supervised"),
        (
            &["learn", "patterns", "--supervised", "--table", "--sweep"][..],
            "--table and --sweep",
        ),
    ] {
        let out = neurogen(args);
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(want), "{err}");
    }
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
    let v = json_of(&out);
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
    succeeded(&out);
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
    succeeded(&out);
    let r = read_json(&res);
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
    succeeded(&out);
    let m = read_json(dir.join("v/manifest.json"));
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
