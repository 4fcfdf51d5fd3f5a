//! The example configs in `examples/` stay valid: each generates for the device its first line
//! names (the early fit check included), and the learning networks are exactly the
//! experiments'.

mod common;

use common::{neurogen, scratch};
use golden::Config;
use golden::learn::digits::DigitsParams;
use golden::learn::patterns::PatternsParams;
use std::path::{Path, PathBuf};

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_example_generates_for_its_device() {
    let files = examples();
    assert!(files.len() >= 5, "{files:?}");
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let target = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# target: "))
            .unwrap_or_else(|| {
                panic!("{}: the first line must be '# target: DEVICE'", f.display())
            });
        let name = f.file_stem().unwrap().to_str().unwrap();
        let out = scratch("examples", name);
        let o = neurogen(&[
            "generate",
            f.to_str().unwrap(),
            "--target",
            target,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let layers = Config::from_file(&f).unwrap().layer_count();
        if layers > 1 {
            // a network of layers: each layer's estimate, then the layers together
            let out = String::from_utf8_lossy(&o.stdout);
            assert!(
                out.contains(&format!("all {layers} layers on the")),
                "{}: {out}",
                f.display()
            );
        }
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("fit estimate"),
            "{}",
            f.display()
        );
    }
}

fn load(name: &str) -> Config {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    Config::from_file(&p).unwrap()
}

#[test]
fn the_learning_examples_are_the_experiments_networks() {
    // both examples run 2 lanes on the UP5K (the experiments choose more in software)
    let mut digits = DigitsParams::default().config().unwrap();
    let example = load("digits.toml");
    assert_eq!(example.array.lanes, 2);
    digits.array.lanes = 2;
    assert_eq!(example, digits);
    let mut patterns = PatternsParams::default().config().unwrap();
    let example = load("patterns.toml");
    assert_eq!(example.array.lanes, 2);
    patterns.array.lanes = 2;
    assert_eq!(example, patterns);
}

#[test]
fn the_two_layer_example_simulates_and_writes_every_layer() {
    // runtime: well under a second (two CLI runs of 50 ticks)
    let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/two_layer.toml");
    let out = scratch("examples", "two_layer_sim");
    let stim = out.join("stim.json");
    let res = out.join("r.json");
    let o = neurogen(&[
        "stimulus",
        "poisson",
        "--config",
        f.to_str().unwrap(),
        "--rate",
        "40",
        "--ticks",
        "50",
        "-o",
        stim.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = neurogen(&[
        "simulate",
        f.to_str().unwrap(),
        "--stimulus",
        stim.to_str().unwrap(),
        "-o",
        res.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("2 layers"));
    let cfg = load("two_layer.toml");
    assert_eq!(cfg.layer_count(), 2);
    let stim = golden::Stimulus::from_file(&stim).unwrap();
    assert_eq!(stim.ticks.len(), 50);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&res).unwrap()).unwrap();
    let layers = json["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(json["spikes"], layers[1]["spikes"]);
    // the first layer's spikes are those of the first layer alone
    let first = golden::run::simulate(&cfg.layer_configs()[0], &stim);
    let spikes: Vec<Vec<u32>> = serde_json::from_value(layers[0]["spikes"].clone()).unwrap();
    assert_eq!(spikes, first.spikes);
}
