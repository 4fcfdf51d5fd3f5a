//! `neurogen simulate --target T` predicts exactly the cycles the generated Verilog of that
//! target takes: on random networks, the sum of the result file's `cycles` equals the tick
//! cycles measured in Verilator (where the driver also asserts every tick against the same
//! cycle model), for the generic and the UP5K target.

mod common;

use common::{neurogen, scratch};
use cosim::driver::{Backpressure, RunOptions};
use hdl::array::Target;
use testbenches::random::{Case, StimulusShape};

/// The `cycles` of `simulate --target target` on the case's network and stimulus.
fn simulated_cycles(case: &Case, target: &str) -> Vec<u64> {
    let dir = scratch("simulate_cycles", &format!("s{}_{target}", case.seed));
    let cfg = dir.join("net.toml");
    let stim = dir.join("s.json");
    let out = dir.join("r.json");
    std::fs::write(&cfg, &case.toml).unwrap();
    std::fs::write(&stim, case.stimulus.to_json()).unwrap();
    let o = neurogen(&[
        "simulate",
        cfg.to_str().unwrap(),
        "--stimulus",
        stim.to_str().unwrap(),
        "--target",
        target,
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    r["cycles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect()
}

/// Tick cycles of the generated Verilog of `target` in Verilator, without backpressure or host
/// actions (the cycle model's conditions).
fn measured_cycles(case: &Case, target: Target) -> u64 {
    let opts = RunOptions {
        target,
        bp: Backpressure::default(),
        seed: case.seed,
        ..RunOptions::default()
    };
    let rep = cosim::driver::run(&case.config, &case.stimulus, &opts)
        .unwrap_or_else(|e| panic!("{e}\n{}", case.describe()));
    assert!(
        rep.mismatch.is_none(),
        "{}\n{}",
        rep.mismatch.unwrap(),
        case.describe()
    );
    rep.tick_cycles
}

#[test]
fn simulate_cycles_equal_cosim_cycles_per_target() {
    let shape = StimulusShape {
        ticks: 10,
        p_action: 0.0,
        ..StimulusShape::default()
    };
    let mut up5k_differs = false;
    for seed in [3, 11, 27, 40] {
        let case = Case::with(seed, &Default::default(), &shape);
        let generic = simulated_cycles(&case, "generic");
        let up5k = simulated_cycles(&case, "ice40-up5k");
        assert_eq!(generic.len(), case.stimulus.ticks.len());
        assert_eq!(
            generic.iter().sum::<u64>(),
            measured_cycles(&case, Target::Generic),
            "generic\n{}",
            case.describe()
        );
        assert_eq!(
            up5k.iter().sum::<u64>(),
            measured_cycles(&case, Target::Ice40Up5k),
            "ice40-up5k\n{}",
            case.describe()
        );
        up5k_differs |= up5k != generic;
    }
    // control: the target matters for some of these networks (UP5K pair mode), so a `simulate`
    // that ignored --target would fail the assertions above
    assert!(up5k_differs, "no drawn network has UP5K-specific timing");
}

#[test]
fn simulate_rejects_an_unknown_target() {
    let dir = scratch("simulate_cycles", "bad_target");
    let cfg = dir.join("net.toml");
    std::fs::write(&cfg, "name = \"n\"\n[array]\ninputs = 4\nneurons = 2\n").unwrap();
    let o = neurogen(&[
        "simulate",
        cfg.to_str().unwrap(),
        "--poisson",
        "10",
        "--ticks",
        "3",
        "--target",
        "vertex7",
        "-o",
        dir.join("r.json").to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown target \"vertex7\""), "{err}");
    assert!(!dir.join("r.json").exists());
}
