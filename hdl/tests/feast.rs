//! The FEAST layer generator (docs/model.md, "FEAST layers"): the Verilog of the gratings layer
//! and of variants (lanes, L1, border zero), inside its synthesis harness, is `verilator
//! --lint-only -Wall` clean and accepted by `iverilog -g2005`; bad configs are refused with a
//! message. Runtime: about 5 s.

use golden::feast::FeastConfig;
use hdl::feast::{FeastOptions, generate, harness};
use std::path::{Path, PathBuf};
use std::process::Command;

const EDGES: &str = include_str!("../../examples/feast/edges.toml");

fn variant(extra: &[(&str, &str)]) -> FeastConfig {
    let mut text = EDGES.to_string();
    for (from, to) in extra {
        assert!(text.contains(from), "{from}");
        text = text.replace(from, to);
    }
    FeastConfig::from_toml_str(&text, Path::new(".")).unwrap()
}

fn variants() -> Vec<(&'static str, FeastConfig)> {
    vec![
        ("edges", variant(&[])),
        (
            "lanes4_l1_zero",
            variant(&[
                ("neurons = 16", "neurons = 16\nlanes = 4"),
                ("norm = \"l2\"", "norm = \"l1\""),
                ("border = \"skip\"", "border = \"zero\""),
            ]),
        ),
        (
            "small_3lanes",
            variant(&[
                ("neurons = 16", "neurons = 6\nlanes = 3"),
                ("width = 16", "width = 5"),
                ("height = 16", "height = 7"),
                ("radius = 3", "radius = 1"),
                ("eta_shift = 5", "eta_shift = 0"),
            ]),
        ),
    ]
}

fn write(name: &str, cfg: &FeastConfig) -> (PathBuf, Vec<String>) {
    let g = generate(cfg, &FeastOptions::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("neurogen-feast-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    // the synthesis harness around the layer (`neurogen synth`), linted with it
    let h = harness::harness_module(&g.layout);
    let hv = hdl::emit::module(&h, &[]).unwrap();
    std::fs::write(dir.join(format!("{}.v", h.name)), hv).unwrap();
    files.push(format!("{}.v", h.name));
    for (n, t) in g.rtl.iter().chain(&g.init) {
        std::fs::write(dir.join(n), t).unwrap();
        if n.ends_with(".v") {
            files.push(n.clone());
        }
    }
    (dir, files)
}

#[test]
fn feast_verilog_is_lint_clean_and_verilog_2005() {
    for (name, cfg) in variants() {
        let (dir, files) = write(name, &cfg);
        let o = Command::new("verilator")
            .args(["--lint-only", "-Wall", "--top-module"])
            .arg(format!("{}_synth", cfg.base.name))
            .args(&files)
            .current_dir(&dir)
            .output()
            .expect("verilator runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            o.status.success() && !text.contains("%Warning"),
            "{name}: {text}"
        );
        let o = Command::new("iverilog")
            .args(["-g2005", "-Wall", "-o", "/dev/null", "-s"])
            .arg(format!("{}_synth", cfg.base.name))
            .args(&files)
            .current_dir(&dir)
            .output()
            .expect("iverilog runs");
        let text = String::from_utf8_lossy(&o.stderr).to_string();
        assert!(
            o.status.success() && text.trim().is_empty(),
            "{name}: {text}"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn a_norm_shift_above_15_is_refused_with_the_reason() {
    let cfg = variant(&[
        ("norm_shift = 8", "norm_shift = 16"),
        ("weight_bits = 8", "weight_bits = 16"),
    ]);
    let e = generate(&cfg, &FeastOptions::default()).unwrap_err();
    assert!(e.contains("norm_shift") && e.contains("at most 15"), "{e}");
}
