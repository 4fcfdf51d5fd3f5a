//! The emitted files of two reference networks, pinned by snapshots, and the determinism of the
//! generator.
//!
//! Key decisions:
//! - Every file `generate` returns is pinned: each Verilog module, each weight init file and
//!   `manifest.json`, one snapshot per file (`tests/snapshots/emitted__<network>__<file>.snap`),
//!   so a review of a generator change shows exactly which lines of which module moved.
//!   Refresh after an intended change with `INSTA_UPDATE=always cargo test -p hdl --test emitted`
//!   (or `cargo insta review`), and read the diff before committing it.
//! - The two networks together reach every module kind: lanes that are and are not a power of
//!   two, recurrence, signed weights, both rules, homeostasis, inhibition, refractory periods and
//!   the synaptic-scaling divider.

use golden::Config;
use hdl::array::{Generated, Options, Target, generate};
use std::path::Path;

/// The built-in demo network: 64 inputs, 8 neurons, 4 lanes, unsigned weights, additive rule,
/// homeostasis, inhibition, refractory.
fn demo() -> Config {
    golden::presets::demo_config()
}

/// A small recurrent network with signed weights, the symmetric rule and periodic scaling.
const RECURRENT: &str = r#"
name = "ref_recurrent"
[array]
inputs = 5
neurons = 6
lanes = 3
recurrent = true
[neuron]
v_bits = 12
acc_bits = 14
threshold = 40
reset = "subtract"
v_min = -1000
leak_shift = 2
refractory = 1
inhibition = 3
theta_plus = 2
theta_decay_shift = 3
theta_bits = 8
[synapse]
weight_bits = 6
signed = true
w_min = -20
w_max = 25
init = "uniform"
init_lo = -8
init_hi = 16
seed = 11
[stdp]
rule = "symmetric"
trace_bits = 6
pre_inc = 30
post_inc = 20
pre_decay_shift = 2
post_decay_shift = 2
ltp_shift = 3
ltd_shift = 4
ltp_offset = 1
normalize_target = 40
normalize_every = 8
"#;

fn recurrent() -> Config {
    Config::from_toml_str(RECURRENT, Path::new(".")).expect("reference config is valid")
}

fn files(g: &Generated) -> Vec<(String, String)> {
    g.rtl
        .iter()
        .chain(g.init.iter())
        .cloned()
        .chain(std::iter::once((
            "manifest.json".to_string(),
            g.manifest.clone(),
        )))
        .collect()
}

fn pin(label: &str, cfg: &Config) {
    let g = generate(cfg, &Options::default()).expect("reference network generates");
    let all = files(&g);
    assert!(all.iter().any(|(n, _)| *n == format!("{}.v", cfg.name)));
    for (name, text) in all {
        insta::assert_snapshot!(format!("{label}__{}", name.replace('.', "_")), text);
    }
}

#[test]
fn emitted_files_of_the_demo_network_are_pinned() {
    pin("demo", &demo());
}

#[test]
fn emitted_files_of_the_recurrent_signed_scaling_network_are_pinned() {
    pin("recurrent", &recurrent());
}

/// A `cuba` network: per-neuron biases (the top's tables), STDP with scaling, signed weights.
const CUBA: &str = r#"
name = "ref_cuba"
[array]
inputs = 6
neurons = 4
lanes = 2
[neuron]
model = "cuba"
du = 410
dv = 205
vth = 300
bias_mant = [10, -20, 4095, -4096]
bias_exp = [2, 0, 7, 1]
acc_bits = 16
[synapse]
weight_bits = 8
signed = true
init_lo = -20
init_hi = 60
seed = 5
weight_exp = 6
[stdp]
normalize_target = 120
normalize_every = 4
"#;

fn cuba() -> Config {
    Config::from_toml_str(CUBA, Path::new(".")).expect("reference config is valid")
}

#[test]
fn emitted_files_of_the_cuba_network_are_pinned() {
    pin("cuba", &cuba());
}

#[test]
fn the_cuba_lane_of_ice40_hx_multiplies_by_shift_and_add() {
    // generic: Verilog products; iCE40 HX (no DSP): shift-and-add, pinned
    let lane = |target| {
        let g = generate(
            &cuba(),
            &Options {
                target,
                ..Default::default()
            },
        )
        .unwrap();
        let (_, text) = g
            .rtl
            .iter()
            .find(|(n, _)| n == "ref_cuba_lane.v")
            .unwrap()
            .clone();
        text
    };
    let (generic, hx) = (lane(Target::Generic), lane(Target::Ice40));
    let product = |text: &str, reg: &str| {
        text.lines()
            .any(|l| l.contains(&format!("{reg} <=")) && l.contains(" * "))
    };
    for reg in ["n1_pu", "n1_pv"] {
        assert!(
            product(&generic, reg),
            "the generic decay {reg} is a product"
        );
        assert!(!product(&hx, reg), "the iCE40 HX decay {reg} is no product");
    }
    insta::assert_snapshot!("cuba_ice40__ref_cuba_lane_v", hx);
}

#[test]
fn generating_twice_gives_byte_identical_files() {
    for cfg in [demo(), recurrent(), cuba()] {
        for target in [Target::Generic, Target::Ice40, Target::Ecp5] {
            let opts = Options {
                target,
                ..Default::default()
            };
            let a = files(&generate(&cfg, &opts).unwrap());
            // a freshly parsed config, generated on another thread
            let cfg2 = cfg.clone();
            let opts2 = opts.clone();
            let b = std::thread::spawn(move || files(&generate(&cfg2, &opts2).unwrap()))
                .join()
                .unwrap();
            assert_eq!(a.len(), b.len());
            for ((na, ta), (nb, tb)) in a.iter().zip(&b) {
                assert_eq!(na, nb);
                assert!(ta == tb, "{na} differs between two generations");
            }
        }
    }
    let again = recurrent();
    assert_eq!(
        files(&generate(&again, &Options::default()).unwrap()),
        files(&generate(&recurrent(), &Options::default()).unwrap())
    );
}

#[test]
fn the_header_names_the_network_and_every_module_is_its_own_file() {
    let cfg = recurrent();
    let g = generate(&cfg, &Options::default()).unwrap();
    assert_eq!(g.rtl[0].0, "ref_recurrent.v", "top first");
    for (name, text) in &g.rtl {
        assert!(
            text.starts_with("// Generated by neurogen "),
            "{name} has no header"
        );
        assert!(text.contains("`ref_recurrent`"), "{name}");
        let module = name.trim_end_matches(".v");
        assert_eq!(
            text.matches("\nmodule ").count(),
            1,
            "{name}: one module per file"
        );
        assert!(text.contains(&format!("\nmodule {module}")), "{name}");
        assert!(text.trim_end().ends_with("endmodule"), "{name}");
    }
    assert_eq!(
        g.init.len(),
        cfg.array.lanes as usize,
        "one init file per lane"
    );
}
