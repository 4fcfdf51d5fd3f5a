//! The early fit check: `generate --target DEVICE` and `synth` refuse a network that cannot fit
//! the device before any tool runs, naming what is short and the knobs' largest fitting values.

mod common;

use common::{neurogen, scratch};
use std::path::Path;
use std::process::Output;

/// `neurogen CMD CFG --target DEVICE -o OUT` (`generate` or `synth`).
fn to_device(cmd: &str, cfg: &Path, device: &str, out: &Path) -> Output {
    neurogen(&[
        cmd,
        cfg.to_str().unwrap(),
        "--target",
        device,
        "-o",
        out.to_str().unwrap(),
    ])
}

/// The stdout of a run that succeeded.
fn succeeded(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The stderr of a run that failed.
fn refused(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const BIG: &str = "name = \"big\"\n[array]\ninputs = 1024\nneurons = 256\nlanes = 4\n";

#[test]
fn synth_refuses_an_oversized_up5k_network_before_yosys() {
    let dir = scratch("fit_cli", "synth_big");
    let cfg = dir.join("big.toml");
    std::fs::write(&cfg, BIG).unwrap();
    let out = dir.join("build");
    let o = to_device("synth", &cfg, "ice40-up5k", &out);
    let err = refused(&o);
    assert!(err.contains("does not fit the ice40-up5k"), "{err}");
    assert!(err.contains("block RAM: needs"), "{err}");
    assert!(err.contains("array.inputs <= 512"), "{err}");
    assert!(err.contains("one SPRAM has 16384"), "{err}");
    // nothing ran: the flow writes its netlist and logs into the output folder
    assert!(!out.exists(), "synth wrote {}", out.display());
}

#[test]
fn generate_for_a_device_refuses_what_cannot_fit_and_reports_what_fits() {
    let dir = scratch("fit_cli", "generate");
    let cfg = dir.join("big.toml");
    std::fs::write(&cfg, BIG).unwrap();
    refused(&to_device(
        "generate",
        &cfg,
        "ice40-up5k",
        &dir.join("up5k"),
    ));
    assert!(!dir.join("up5k").exists());
    // the same network for the portable target: no device, no check
    let o = neurogen(&[
        "generate",
        cfg.to_str().unwrap(),
        "-o",
        dir.join("generic").to_str().unwrap(),
    ]);
    succeeded(&o);
    // a network that fits: the estimate and where the weights go are printed
    let ok = dir.join("ok.toml");
    std::fs::write(
        &ok,
        "name = \"ok\"\n[array]\ninputs = 256\nneurons = 256\nlanes = 4\n",
    )
    .unwrap();
    let o = to_device("generate", &ok, "ice40-up5k", &dir.join("ok"));
    let text = succeeded(&o);
    assert!(text.contains("SPRAM 4/4"), "{text}");
    assert!(
        text.contains("weights in SPRAM, two weights per word"),
        "{text}"
    );
}

/// The numbers after `label` in a `fit estimate` line: "block RAM 3/30" -> 3.
fn used(line: &str, label: &str) -> u64 {
    line.split(label)
        .nth(1)
        .unwrap_or_else(|| panic!("no {label} in {line}"))
        .trim_start()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn the_estimate_equals_yosys_counts_on_the_up5k() {
    // pair-mode SPRAM weights, EBR state memories, scaling multipliers: every estimated kind
    let dir = scratch("fit_cli", "yosys");
    let cfg = dir.join("net.toml");
    std::fs::write(
        &cfg,
        "name = \"fitnet\"\n[array]\ninputs = 32\nneurons = 32\nlanes = 2\n\
         [stdp]\nnormalize_target = 300\n",
    )
    .unwrap();
    let o = to_device("generate", &cfg, "ice40-up5k", &dir.join("gen"));
    let text = succeeded(&o);
    let line = text
        .lines()
        .find(|l| l.starts_with("fit estimate"))
        .unwrap_or_else(|| panic!("{text}"));
    let o = neurogen(&[
        "synth",
        cfg.to_str().unwrap(),
        "--target",
        "ice40-up5k",
        "--board",
        "none",
        "--json",
        "-o",
        dir.join("synth").to_str().unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_str(&succeeded(&o)).unwrap();
    // synth builds the board top: the UART link's receive buffer is one more block RAM
    assert_eq!(
        used(line, "block RAM") + 1,
        v["bram"].as_u64().unwrap(),
        "{line}\n{v}"
    );
    assert_eq!(
        used(line, "SPRAM"),
        v["spram"].as_u64().unwrap(),
        "{line}\n{v}"
    );
    assert_eq!(used(line, "DSP"), v["dsp"].as_u64().unwrap(), "{line}\n{v}");
    assert!(used(line, "DSP") > 0 && used(line, "SPRAM") > 0, "{line}");
}

const D16: &str = "name = \"d16\"\n[array]\ninputs = 256\nneurons = 256\nlanes = 4\n\
                   [synapse]\nweight_bits = 8\nmax_delay = 16\n";

#[test]
fn synth_with_delays_tells_their_memory_cost_and_what_fits() {
    // runtime: estimates of a few generated designs, a few seconds
    let dir = scratch("fit_cli", "delays");
    let cfg = dir.join("d16.toml");
    std::fs::write(&cfg, D16).unwrap();
    let out = dir.join("build");
    let o = to_device("synth", &cfg, "ice40-up5k", &out);
    let err = refused(&o);
    assert!(err.contains("does not fit the ice40-up5k"), "{err}");
    // the weights leave SPRAM pair mode (4 x 32 EBR) and the delays add 4 x 16 (delays),
    // 4 x 5 (ring), 4 x 8 (history copies) and 8 (history)
    assert!(
        err.contains("block RAM: needs 266, the device has 30"),
        "{err}"
    );
    assert!(
        err.contains(
            "synaptic delays (synapse.max_delay = 16): 496 Kbit of memory, 242 more block RAM tiles"
        ),
        "{err}"
    );
    assert!(
        err.contains("4 x delays (16384 x 4 bit): 16 bram each"),
        "{err}"
    );
    assert!(
        err.contains("synaptic delays keep the weights out of SPRAM pair mode"),
        "{err}"
    );
    assert!(!out.exists(), "synth wrote {}", out.display());
    // generated with delays: the ECP5-85k holds it; a 64 x 64 one-lane array fits the UP5K
    let o = to_device("generate", &cfg, "ecp5-85k", &dir.join("gen"));
    let text = succeeded(&o);
    assert!(
        text.contains("fit estimate for ecp5-85k: block RAM 70/208"),
        "{text}"
    );
    let small = D16
        .replace("inputs = 256", "inputs = 64")
        .replace("neurons = 256", "neurons = 64")
        .replace("lanes = 4", "lanes = 1");
    std::fs::write(&cfg, small).unwrap();
    let o = to_device("generate", &cfg, "ice40-up5k", &dir.join("gen64"));
    let text = succeeded(&o);
    assert!(
        text.contains("fit estimate for ice40-up5k: block RAM 25/30"),
        "{text}"
    );
}

#[test]
fn the_up5k_cuba_example_fits_with_one_sb_mac16_per_decay() {
    // runtime: two `generate` runs, well under a second each
    let dir = scratch("fit_cli", "cuba_up5k");
    let ex =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/up5k_cuba_256x256.toml");
    let o = to_device("generate", &ex, "ice40-up5k", &dir.join("up5k"));
    let text = succeeded(&o);
    // 4 lanes x 2 decays, one SB_MAC16 each: all 8, and the memories fit
    assert!(text.contains("fit estimate for ice40-up5k"), "{text}");
    assert!(text.contains("DSP 8/8"), "{text}");
    assert!(text.contains("SPRAM 4/4"), "{text}");
    // control: the same network on the ECP5-85k takes whole products, two MULT18X18D per
    // decay (16), so the count above is the UP5K's one block per decay, not a constant
    let o = to_device("generate", &ex, "ecp5-85k", &dir.join("ecp5"));
    let text = succeeded(&o);
    assert!(text.contains("DSP 16/156"), "{text}");
}
