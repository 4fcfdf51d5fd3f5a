//! `neurogen generate` and `neurogen cosim` of a network of layers (a chain top over one array
//! per layer), `testbench` exporting one, and the commands that do not take networks of layers
//! yet refusing them with one clear line. Runtime: about 20 s (one small Verilator build).

use std::path::Path;

mod common;
use common::neurogen;

const NET: &str = r#"name = "tiny_chain"
[network]
layer_delay = 1
[array]
inputs = 12
neurons = 8
lanes = 4
[neuron]
threshold = 40
[synapse]
init_lo = 10
init_hi = 80
[[layer]]
neurons = 4
lanes = 2
recurrent = false
[layer.neuron]
threshold = 40
[layer.synapse]
init_lo = 10
init_hi = 80
"#;

fn config(dir: &Path) -> String {
    let p = dir.join("tiny_chain.toml");
    std::fs::write(&p, NET).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn generate_writes_the_chain_and_cosim_matches_every_layer() {
    let dir = common::scratch("layers_cli", "run");
    let cfg = config(&dir);
    let out = dir.join("out");
    let o = neurogen(&["generate", &cfg, "-o", out.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        text.contains("a chain of 2 layers, layer_delay 1"),
        "{text}"
    );
    for f in ["tiny_chain.v", "tiny_chain_l0.v", "tiny_chain_l1.v"] {
        assert!(out.join("rtl").join(f).is_file(), "{f}");
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["top"], "tiny_chain");
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 2);
    assert_eq!(manifest["config"]["network"]["layer_delay"], 1);
    let o = neurogen(&["cosim", &cfg, "--poisson", "300", "--ticks", "12"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{}{text}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(text.contains("MATCH"), "{text}");
    assert!(text.contains("the slowest layer alone"), "{text}");
    // `simulate` (the golden chain and chain_cycles) predicts what the hardware did: the same
    // spikes per layer and the chip's cycles
    let r = dir.join("r.json");
    let o = neurogen(&[
        "simulate",
        &cfg,
        "--poisson",
        "300",
        "--ticks",
        "12",
        "-o",
        r.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let res: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&r).unwrap()).unwrap();
    let cycles: u64 = res["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .sum();
    let spikes: Vec<usize> = res["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["spikes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_array().unwrap().len())
                .sum()
        })
        .collect();
    assert!(spikes.iter().all(|&n| n > 0), "{spikes:?}");
    assert!(
        text.contains(&format!("spikes per layer {spikes:?}")),
        "{spikes:?}: {text}"
    );
    assert!(
        text.contains(&format!("\n{cycles} chip cycles (")),
        "{cycles}: {text}"
    );
}

#[test]
fn testbench_exports_a_chain_and_commands_without_chains_refuse_it() {
    let dir = common::scratch("layers_cli", "refuse");
    let cfg = config(&dir);
    let out = dir.join("tb");
    let o = neurogen(&[
        "testbench",
        &cfg,
        "--poisson",
        "40",
        "--ticks",
        "4",
        "-o",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("tiny_chain: 4 ticks"), "{text}");
    assert!(out.join("run.sh").exists() && out.join("tb/tiny_chain_tb.v").exists());
    let o = neurogen(&["learn", "patterns", "--config", &cfg]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("a network of 2 layers"), "{err}");
    assert!(err.contains("learn digits --rules supervised"), "{err}");
}
