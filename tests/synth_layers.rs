//! `neurogen synth` on a network of two layers (about 100 s of CPU per test: Yosys twice, the
//! hierarchical pass and the flattened one, and nextpnr on an HX8K, the board top with pins placed
//! freely): the report has one row per layer from the
//! layer's own module, the totals of the whole board top (flattened), and the SOP/s summed over the layers
//! at the Fmax; and `sweep` on it.

mod common;
use common::neurogen_env as neurogen;
use common::succeeded;
use std::path::PathBuf;

/// 16 -> 8 (2 lanes) -> 4 (1 lane).
const NET: &str = "name = \"chainsyn\"\n[array]\ninputs = 16\nneurons = 8\nlanes = 2\n\
                   [[layer]]\nneurons = 4\nlanes = 1\nrecurrent = false\n";

/// A fresh folder `name` holding `NET` as net.toml: the config and the work folder to use.
fn net_in(name: &str) -> (PathBuf, PathBuf) {
    let dir = common::scratch("synth_layers", name);
    let cfg = dir.join("net.toml");
    std::fs::write(&cfg, NET).unwrap();
    (cfg, dir.join("work"))
}

/// The numbers of a row: every whitespace-separated field that parses.
fn numbers(line: &str) -> Vec<f64> {
    line.split_whitespace()
        .filter_map(|w| w.trim_end_matches(',').parse().ok())
        .collect()
}

#[test]
fn two_layers_report_each_layer_and_the_totals() {
    let (cfg, work) = net_in("hx8k");
    let out = neurogen(
        &[
            "synth",
            cfg.to_str().unwrap(),
            "--target",
            "ice40-hx8k",
            "-o",
            work.to_str().unwrap(),
        ],
        &[],
    );
    let text = succeeded(&out);
    assert!(
        text.contains("network of 2 layers: 16 -> 8 -> 4 neurons, 2 + 1 lanes"),
        "{text}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let row = |first: &str| -> Vec<f64> {
        let l = lines
            .iter()
            .find(|l| l.split_whitespace().next() == Some(first))
            .unwrap_or_else(|| panic!("no row {first}: {text}"));
        numbers(l)
    };
    // layer rows: layer, inputs, neurons, lanes, LUT4, FF, carry, BRAM, SPRAM, DSP, M SOP/s
    let (l0, l1) = (row("0"), row("1"));
    assert_eq!(&l0[..4], [0.0, 16.0, 8.0, 2.0], "{text}");
    assert_eq!(&l1[..4], [1.0, 8.0, 4.0, 1.0], "{text}");
    // total row: "total", "2 layers" (2), lanes, LUT4, FF, carry, BRAM, SPRAM, DSP, M SOP/s
    let t = row("total");
    assert_eq!(&t[..2], [2.0, 3.0], "{text}");
    let yosys = lines
        .iter()
        .find(|l| l.trim_start().starts_with("yosys:"))
        .unwrap();
    let y = numbers(yosys);
    assert_eq!(
        &t[2..8],
        &y[..6],
        "the total row is the whole design: {text}"
    );
    // each layer is a part of the whole (the links and the host port are the rest), not the
    // whole design and not nothing
    for col in [4, 5] {
        assert!(l0[col] > 100.0 && l1[col] > 100.0, "{text}");
        assert!(l0[col] + l1[col] <= t[col - 2], "column {col}: {text}");
    }
    assert!(
        l0[7] >= 1.0 && l1[7] >= 1.0,
        "each layer's weights in block RAM: {text}"
    );
    assert!(l0[7] + l1[7] <= t[5], "{text}");
    // SOP/s: each layer's lanes x Fmax, summed
    let timing = lines.iter().find(|l| l.contains("timing:")).unwrap();
    let fmax: f64 = numbers(timing)[0];
    assert!(fmax > 10.0 && fmax < 500.0, "{timing}");
    // (M SOP/s printed to 0.1, Fmax to 0.01 MHz: the product of the printed Fmax may differ
    // from the printed figure by 0.05 + lanes x 0.005)
    let close = |sops: f64, lanes: f64| (sops - fmax * lanes).abs() <= 0.05 + lanes * 0.005 + 1e-9;
    for (l, lanes) in [(&l0, 2.0), (&l1, 1.0)] {
        assert!(close(l[10], lanes), "{text}");
    }
    assert!(close(t[8], 3.0), "{text}");
    assert!(text.contains("fits; bitstream"), "{text}");
    assert!(work.join("chainsyn_icebreaker.bin").exists());
    // the chain top's reset copies (one per layer, one for its own logic) are still distinct
    // flip-flops in the netlist that was placed: Yosys merges equal flip-flops unless kept
    let net: serde_json::Value =
        serde_json::from_slice(&std::fs::read(work.join("netlist.json")).unwrap()).unwrap();
    let names = &net["modules"]["chainsyn_icebreaker"]["netnames"];
    let bit = |n: &str| names[format!("u_core.u_array.{n}")]["bits"][0].clone();
    let copies: Vec<serde_json::Value> = ["rst_l0", "rst_l1", "rst_c"].map(bit).to_vec();
    assert!(copies.iter().all(|b| b.is_number()), "{copies:?}");
    assert!(
        copies[0] != copies[1] && copies[0] != copies[2] && copies[1] != copies[2],
        "reset copies merged: {copies:?}"
    );
}

/// `sweep` on a network of layers: layer 0 resized (its neurons are layer 1's inputs), each
/// point's row the whole design, one row per layer under it. One point on the HX8K: ~100 s of CPU.
#[test]
fn sweep_resizes_layer_0_and_reports_every_layer() {
    let (cfg, work) = net_in("sweep");
    let out = neurogen(
        &[
            "sweep",
            cfg.to_str().unwrap(),
            "--target",
            "ice40-hx8k",
            "--lanes",
            "1",
            "--sizes",
            "16x6",
            "-o",
            work.to_str().unwrap(),
        ],
        &[],
    );
    let text = succeeded(&out);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("16x6"))
        .unwrap_or_else(|| panic!("no point row: {text}"));
    let total = numbers(lines[at]);
    let (l0, l1) = (numbers(lines[at + 1]), numbers(lines[at + 2]));
    assert!(lines[at + 1].trim_start().starts_with("l0 16x6"), "{text}");
    assert!(lines[at + 2].trim_start().starts_with("l1 6x4"), "{text}");
    // lanes, LUT4, FF: layer 0 has the swept lane count; each layer is part of the total
    assert_eq!(l0[0], 1.0, "{text}");
    assert_eq!(l1[0], 1.0, "{text}");
    assert!(
        l0[1] > 100.0 && l1[1] > 100.0 && l0[1] + l1[1] <= total[1],
        "{text}"
    );
}

/// The network of issues 14 and 15, `examples/up5k_64_100_10.toml` (64 -> 100 -> 10, 8-bit
/// weights, STDP in both layers, 1 + 1 lanes), fits the iCE40 UP5K with its iCEBreaker board
/// top: synth succeeds (a design that does not fit ends it with an error, as this network did
/// before the chained layers lost their own counters: 5579 of 5280 logic cells), places, and
/// stays under the device's logic cells. Runtime: one full synth (Yosys twice and nextpnr on
/// the UP5K), about 100 s of CPU on a quiet machine.
#[test]
fn the_64_100_10_example_fits_the_up5k() {
    let ex = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/up5k_64_100_10.toml");
    let work = common::scratch("synth_layers", "up5k_64_100_10");
    let out = neurogen(
        &[
            "synth",
            ex.to_str().unwrap(),
            "--target",
            "ice40-up5k",
            "--json",
            "-o",
            work.to_str().unwrap(),
        ],
        &[],
    );
    let text = succeeded(&out);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let lc = v["logic_cells"]
        .as_u64()
        .unwrap_or_else(|| panic!("{text}"));
    assert!(lc > 2000 && lc <= 5280, "{lc} logic cells: {text}");
    assert!(v["fmax_mhz"].as_f64().is_some_and(|f| f > 10.0), "{text}");
    assert!(work.join("up5k_64_100_10_icebreaker.bin").exists());
}
