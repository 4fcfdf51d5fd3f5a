//! `neurogen import nir` and `export nir` from the command line: the committed fixture
//! (testdata/nir/lif_chain.nir, written by the `nir` Python package) imported with `--check`,
//! co-simulated (the imported two-layer network's Verilog MATCHes the golden model), exported
//! and imported again (the same network); an unsupported primitive refused with the node named.
//!
//! One Verilator build of a 16 -> 12 -> 4 network, about 5 s (a minute on a loaded machine);
//! the rest well under a second.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::neurogen;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/nir")
        .join(name)
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn ok(out: &Output) -> String {
    let (so, se) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "stdout:\n{so}\nstderr:\n{se}");
    so
}

#[test]
fn import_check_cosim_export_and_reimport() {
    let dir = common::scratch("nir_cli", "flow");
    let (nir, stim) = (fixture("lif_chain.nir"), fixture("lif_chain.stim.json"));
    let imp = dir.join("imp");
    let so = ok(&neurogen(&[
        "import",
        "nir",
        p(&nir),
        "-o",
        p(&imp),
        "--weight-bits",
        "16",
        "--check",
        p(&stim),
    ]));
    // 16-bit weights: the quantised network spikes exactly as the float reference
    assert!(
        so.contains("layer 0 ('lif1'): float 301 spikes, quantised 301, same (tick, neuron) 301"),
        "{so}"
    );
    assert!(
        so.contains("layer 1 ('lif2'): float 22 spikes, quantised 22, same (tick, neuron) 22"),
        "{so}"
    );
    let report = std::fs::read_to_string(imp.join("import_report.txt")).unwrap();
    assert!(
        report.contains("leak_shift = 3") && report.contains("v_threshold"),
        "{report}"
    );

    let net = imp.join("net.toml");
    let so = ok(&neurogen(&[
        "cosim",
        p(&net),
        "--stimulus",
        p(&stim),
        "--calm",
    ]));
    assert!(so.contains("MATCH"), "{so}");

    let res = dir.join("r.json");
    ok(&neurogen(&[
        "simulate",
        p(&net),
        "--stimulus",
        p(&stim),
        "-o",
        p(&res),
    ]));
    let out = dir.join("back.nir");
    ok(&neurogen(&[
        "export",
        "nir",
        p(&res),
        "--config",
        p(&net),
        "-o",
        p(&out),
    ]));
    let again = dir.join("again");
    ok(&neurogen(&[
        "import",
        "nir",
        p(&out),
        "-o",
        p(&again),
        "--weight-bits",
        "16",
    ]));
    for f in ["weights_0.csv", "weights_1.csv"] {
        assert_eq!(
            std::fs::read_to_string(imp.join(f)).unwrap(),
            std::fs::read_to_string(again.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn unsupported_primitive_is_an_error_naming_the_node() {
    let dir = common::scratch("nir_cli", "bad");
    let out = neurogen(&["import", "nir", p(&fixture("bad_conv.nir")), "-o", p(&dir)]);
    assert_eq!(out.status.code(), Some(1));
    let se = String::from_utf8_lossy(&out.stderr);
    assert!(
        se.starts_with("error: ")
            && se.contains("node 'conv' (Conv1d)")
            && se.contains("supported:"),
        "{se}"
    );
    assert!(!dir.join("net.toml").exists());
}
