//! `neurogen learn feast-edges|feast-digits` end to end (shortened), and the hardware commands'
//! refusal of a FEAST config, and `testbench` of a FEAST config run under Icarus. Runtime: about
//! 6 s.

mod common;

use common::{is_png, neurogen, scratch};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/feast/edges.toml");

#[test]
fn feast_edges_json_and_plots() {
    let out = scratch("feast_cli", "edges");
    let o = neurogen(&[
        "learn",
        "feast-edges",
        "--seeds",
        "1",
        "--blocks",
        "60",
        "--directions",
        "4",
        "--json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let best = v["best_per_direction"].as_array().unwrap();
    assert_eq!(best.len(), 4);
    assert!(best.iter().all(|c| c.as_f64().unwrap() > 0.5), "{best:?}");
    // 60 blocks sampled at most 40 times: every 2 blocks
    assert_eq!(v["per_seed"][0]["curve"].as_array().unwrap().len(), 30);
    for f in [
        "feast_edges_features.png",
        "feast_edges_true.png",
        "feast_edges_thresholds.png",
        "feast_edges_missed.png",
    ] {
        is_png(&out.join(f));
    }
}

#[test]
fn feast_digits_report() {
    let out = scratch("feast_cli", "digits");
    let o = neurogen(&[
        "learn",
        "feast-digits",
        "--train",
        "100",
        "--test",
        "50",
        "--neurons",
        "16",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("held-out: integer") && text.contains("float reference"),
        "{text}"
    );
    is_png(&out.join("feast_digits_features.png"));
    // a config whose grid is not the experiment's is refused, naming the key
    let o = neurogen(&["learn", "feast-digits", "--config", EXAMPLE]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("feast.width"));
}

#[test]
fn generate_and_cosim_take_a_feast_config_and_simulate_refuses_it() {
    let out = scratch("feast_cli", "generate");
    let o = neurogen(&["generate", EXAMPLE, "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("978 missed, 1106 won"), "{text}");
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"kind\": \"feast\""));
    assert!(out.join("rtl/feast_edges.v").exists() && out.join("rtl/feast_edges_w0.hex").exists());
    // cosim: Poisson events, host writes and out-of-grid addresses added
    let cosim = |extra: &[&str]| {
        let args = ["cosim", EXAMPLE, "--poisson", "40", "--ticks", "3"];
        let o = neurogen(&[&args[..], extra].concat());
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        assert!(
            o.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(text.starts_with("MATCH: 3 ticks"), "{text}");
        text
    };
    // the cycles beats waited for the output register
    let waits = |text: &str| -> u64 {
        let end = text.find(" waiting for the output register").expect(text);
        let start = text[..end].rfind(' ').unwrap() + 1;
        text[start..end].parse().unwrap()
    };
    assert_eq!(waits(&cosim(&[])), 0);
    // output backpressure: out_ready low in runs, every beat and cycle count still matches, and
    // beats did wait
    assert!(waits(&cosim(&["--backpressure", "0.4"])) > 0);
    // options of the array's co-simulation that a FEAST layer does not take
    let o = neurogen(&[
        "cosim",
        EXAMPLE,
        "--poisson",
        "40",
        "--ticks",
        "3",
        "--sample",
        "4",
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no --rtl, --vcd or --sample"));
    let o = neurogen(&[
        "simulate",
        EXAMPLE,
        "--poisson",
        "10",
        "--ticks",
        "5",
        "-o",
        "/dev/null",
    ]);
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(e.contains("issue 19") && e.contains("`simulate`"), "{e}");
}

#[test]
fn testbench_exports_a_feast_layer_that_passes_under_icarus() {
    let out = scratch("feast_cli", "testbench");
    let dir = out.join("tb");
    let d = dir.to_str().unwrap();
    let args = ["testbench", EXAMPLE, "--poisson", "40", "--ticks", "3"];
    // an option of the array's export that a FEAST layer does not take: refused, nothing written
    let o = neurogen(&[&args[..], &["-o", d, "--host-weights"]].concat());
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("--host-weights does not apply to a FEAST layer"),
        "{e}"
    );
    assert!(!dir.exists());
    let o = neurogen(&[&args[..], &["-o", d, "--backpressure", "0.2"]].concat());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        text.starts_with("feast_edges: FEAST layer, 3 ticks") && text.contains("200/1000"),
        "{text}"
    );
    for f in [
        "rtl/feast_edges.v",
        "rtl/feast_edges_w0.hex",
        "tb/feast_edges_tb.v",
        "vectors/exp.hex",
        "files.f",
    ] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let run = std::process::Command::new(dir.join("run.sh"))
        .arg("icarus")
        .current_dir(&dir)
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{log}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        log.starts_with("PASS: feast_edges: 3 ticks") && log.contains("gaps 200/1000"),
        "{log}"
    );
}
